/*
 * `ractl cmp request|renew|revoke|serve`: the CMP client towards HQ's CA and
 * the project's CMP server, from the command line (support, scripts, tests,
 * and a stand-in for HQ's CMP endpoint).
 *
 * Shared secrets come from a file (--secret-file F, or "-" for one line of
 * standard input), never from the command line where `ps` shows them; they
 * are wiped after use and never printed or logged.
 */
#include "ctl.h"

#include "ca/cmp_client.h"
#include "ca/cmp_http.h"
#include "ca/cmp_server.h"
#include "domain/authcode.h"
#include "util/err.h"
#include "util/pem.h"
#include "util/wipe.h"
#include "util/x509name.h"
#include "util/words.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SECRET_MAX 256

/* Reads the first line of path ("-": standard input) into out. */
static int read_secret_file(char *out, size_t n, const char *path)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) return rk_err_set(RK_ENOTFOUND, "cannot read the secret file %s", path);
    char *r = fgets(out, (int)n, f);
    if (f != stdin) fclose(f);
    if (!r) {
        rk_wipe(out, n);
        return rk_err_set(RK_EINVAL, "the secret file %s is empty", path);
    }
    size_t len = strcspn(out, "\r\n");
    if (out[len] == '\0' && len == n - 1) {
        rk_wipe(out, n);
        return rk_err_set(RK_ETOOBIG, "the secret in %s is too long", path);
    }
    out[len] = '\0';
    if (len == 0) return rk_err_set(RK_EINVAL, "the secret file %s is empty", path);
    return 0;
}

static void serial_hex(char *out, size_t n, const ASN1_INTEGER *sn)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL, sx[RK_HEX_SERIAL_MAX];
    snprintf(out, n, "%s", hex ? rk_ctl_serial(sx, hex) : "?");
    OPENSSL_free(hex);
    BN_free(bn);
}

static int report_cert(rk_ctl *ctl, X509 *cert, const char *out)
{
    char subject[512], serial[80], after[64];
    rk_x509name_text(subject, sizeof subject, X509_get_subject_name(cert));
    serial_hex(serial, sizeof serial, X509_get0_serialNumber(cert));
    BIO *b = BIO_new(BIO_s_mem());
    after[0] = '\0';
    if (b && ASN1_TIME_print(b, X509_get0_notAfter(cert))) {
        int n = BIO_read(b, after, sizeof after - 1);
        after[n > 0 ? n : 0] = '\0';
    }
    BIO_free(b);
    if (ctl->json) {
        rk_buf buf;
        rk_json j;
        rk_buf_init(&buf, 1 << 16);
        rk_json_init(&j, &buf);
        rk_json_obj_begin(&j);
        rk_json_kbool(&j, "ok", 1);
        rk_json_kstr(&j, "subject", subject);
        rk_json_kstr(&j, "serial", serial);
        rk_json_kstr(&j, "not_after", after);
        rk_json_kstr(&j, "out", out);
        rk_json_obj_end(&j);
        return rk_ctl_print_json(ctl, &j, &buf) ? rk_ctl_fail(ctl, RK_ENOMEM) : 0;
    }
    rk_ctl_info(ctl, "certificate %s for %s, valid until %s, written to %s", serial, subject, after,
                out);
    return 0;
}

static int on_progress(void *arg, const rk_progress *p)
{
    rk_ctl *ctl = arg;
    if (!ctl->json && !ctl->quiet)
        fprintf(stderr, "cmp: message %lld: %s\n", (long long)p->done, p->text);
    return 0;
}

/* Options shared by the client commands. */
typedef struct client_args {
    const char *server, *ref, *secret_file, *cert, *key, *trusted;
    int timeout, verbose;
    X509 *cert_x;
    EVP_PKEY *key_x;
    char secret[SECRET_MAX];
} client_args;

#define CLIENT_OPTS 8

/* The options every client command takes, into t[0..CLIENT_OPTS-1]. */
static void client_table(rk_ctl_opt *t, client_args *a)
{
    const rk_ctl_opt common[CLIENT_OPTS] = {
        {.name = "--server", .kind = RK_OPT_STR, .dest = &a->server, .arg = "URL"},
        {.name = "--ref", .kind = RK_OPT_STR, .dest = &a->ref, .arg = "REF"},
        {.name = "--secret-file", .kind = RK_OPT_STR, .dest = &a->secret_file, .arg = "FILE"},
        {.name = "--cert", .kind = RK_OPT_STR, .dest = &a->cert, .arg = "FILE"},
        {.name = "--key", .kind = RK_OPT_STR, .dest = &a->key, .arg = "FILE"},
        {.name = "--trusted", .kind = RK_OPT_STR, .dest = &a->trusted, .arg = "FILE"},
        {.name = "--progress", .kind = RK_OPT_FLAG, .dest = &a->verbose},
        {.name = "--timeout",
         .kind = RK_OPT_INT,
         .dest = &a->timeout,
         .arg = "S",
         .min = 1,
         .max = 3600},
    };
    memcpy(t, common, sizeof common);
}

static int client_prepare(rk_ctl *ctl, client_args *a, rk_cmp_client_opts *o, int need_auth)
{
    int rc;
    memset(o, 0, sizeof *o);
    if (!a->server) return rk_err_set(RK_EINVAL, "--server URL is required");
    if (!a->trusted) return rk_err_set(RK_EINVAL, "--trusted CA.pem is required");
    o->url = a->server;
    o->trusted_file = a->trusted;
    o->timeout_s = a->timeout;
    if (a->verbose) {
        o->progress = on_progress;
        o->progress_arg = ctl;
    }
    if (a->secret_file) {
        if (!a->ref) return rk_err_set(RK_EINVAL, "--secret-file needs --ref");
        if ((rc = read_secret_file(a->secret, sizeof a->secret, a->secret_file)) != 0) return rc;
        o->ref = a->ref;
        o->secret = (const unsigned char *)a->secret;
        o->secret_len = strlen(a->secret);
    }
    if (a->cert || a->key) {
        if (!a->cert || !a->key) return rk_err_set(RK_EINVAL, "--cert and --key go together");
        if ((rc = rk_pem_cert_file(&a->cert_x, a->cert)) ||
            (rc = rk_pem_key_file(&a->key_x, a->key, NULL)))
            return rc;
        o->cert = a->cert_x;
        o->key = a->key_x;
    }
    if (need_auth && !o->secret && !o->cert)
        return rk_err_set(RK_EINVAL, "give --ref and --secret-file, or --cert and --key");
    return 0;
}

static void client_done(client_args *a)
{
    rk_wipe(a->secret, sizeof a->secret);
    X509_free(a->cert_x);
    EVP_PKEY_free(a->key_x);
}

static const char CLIENT_HELP[] =
    "  --server URL         HQ's CMP endpoint, http://host:port/path\n"
    "  --trusted FILE       PEM certificate(s) of the CA/server to trust\n"
    "  --ref REF            PBM reference (the branch's enrolment reference)\n"
    "  --secret-file FILE   file whose first line is the PBM secret ('-': stdin)\n"
    "  --cert FILE --key FILE  authenticate with a client certificate and key instead\n"
    "  --timeout S          seconds per message (default 30)\n"
    "  --progress           report each message exchanged on standard error\n";

static int cmd_request(rk_ctl *ctl, int argc, char **argv)
{
    client_args a;
    rk_cmp_client_opts o;
    const char *csr_path = NULL, *newkey = NULL, *subject = NULL, *out = NULL;
    X509_REQ *csr = NULL;
    EVP_PKEY *nk = NULL;
    X509 *cert = NULL;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl cmp request --server URL --trusted CA.pem\n"
               "         (--ref R --secret-file F | --cert F --key F)\n"
               "         (--csr FILE | --newkey KEY.pem --subject /CN=...) --out CERT.pem\n\n"
               "Asks a CMP server for a certificate: p10cr for a PKCS#10 CSR, or ir for\n"
               "a new key (the key signs the proof of possession). The certificate must\n"
               "carry the requested key and chain to --trusted, or it is refused.\n\n"
               "%s"
               "  --csr FILE           PEM certificate request (p10cr)\n"
               "  --newkey FILE        PEM private key to certify (ir)\n"
               "  --subject /CN=..     subject for --newkey\n"
               "  --out FILE           where to write the certificate (PEM)\n",
               CLIENT_HELP);
        return 0;
    }
    memset(&a, 0, sizeof a);
    rk_ctl_opt t[CLIENT_OPTS + 4] = {
        [CLIENT_OPTS] = {.name = "--csr", .kind = RK_OPT_STR, .dest = &csr_path, .arg = "FILE"},
        {.name = "--newkey", .kind = RK_OPT_STR, .dest = &newkey, .arg = "FILE"},
        {.name = "--subject", .kind = RK_OPT_STR, .dest = &subject, .arg = "/CN=..."},
        {.name = "--out", .kind = RK_OPT_STR, .dest = &out, .arg = "FILE"},
    };
    client_table(t, &a);
    const rk_ctl_args args = {.cmd = "ractl cmp request", .opts = t, .n_opts = CLIENT_OPTS + 4};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!out) return rk_ctl_usage(ctl, "ractl cmp request", "--out is required");
    if (!!csr_path == !!newkey)
        return rk_ctl_usage(ctl, "ractl cmp request", "give either --csr or --newkey");
    if (newkey && !subject)
        return rk_ctl_usage(ctl, "ractl cmp request", "--newkey needs --subject");
    rc = client_prepare(ctl, &a, &o, 1);
    if (!rc && csr_path && !(rc = rk_pem_csr_file(&csr, csr_path)))
        rc = rk_cmp_client_p10cr(&cert, &o, csr);
    else if (!rc && newkey && !(rc = rk_pem_key_file(&nk, newkey, NULL)))
        rc = rk_cmp_client_ir(&cert, &o, nk, subject);
    client_done(&a);
    X509_REQ_free(csr);
    EVP_PKEY_free(nk);
    if (!rc) rc = rk_pem_cert_write(out, cert, 0644);
    if (rc) {
        X509_free(cert);
        return rk_ctl_fail(ctl, rc);
    }
    rc = report_cert(ctl, cert, out);
    X509_free(cert);
    return rc;
}

static int cmd_renew(rk_ctl *ctl, int argc, char **argv)
{
    client_args a;
    rk_cmp_client_opts o;
    const char *newkey = NULL, *out = NULL;
    EVP_PKEY *nk = NULL;
    X509 *cert = NULL;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl cmp renew --server URL --trusted CA.pem --cert OLD.pem --key OLD.key\n"
               "         --newkey NEW.key --out CERT.pem\n\n"
               "Renews a certificate by key update (kur), authenticated with the old\n"
               "certificate and its key; the new certificate certifies --newkey.\n\n%s"
               "  --newkey FILE        PEM private key of the new certificate\n"
               "  --out FILE           where to write the certificate (PEM)\n",
               CLIENT_HELP);
        return 0;
    }
    memset(&a, 0, sizeof a);
    rk_ctl_opt t[CLIENT_OPTS + 2] = {
        [CLIENT_OPTS] = {.name = "--newkey", .kind = RK_OPT_STR, .dest = &newkey, .arg = "FILE"},
        {.name = "--out", .kind = RK_OPT_STR, .dest = &out, .arg = "FILE"},
    };
    client_table(t, &a);
    const rk_ctl_args args = {.cmd = "ractl cmp renew", .opts = t, .n_opts = CLIENT_OPTS + 2};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!out || !newkey || !a.cert || !a.key)
        return rk_ctl_usage(ctl, "ractl cmp renew", "--cert, --key, --newkey and --out are needed");
    rc = client_prepare(ctl, &a, &o, 1);
    if (!rc && !(rc = rk_pem_key_file(&nk, newkey, NULL)))
        rc = rk_cmp_client_kur(&cert, &o, a.cert_x, a.key_x, nk);
    client_done(&a);
    EVP_PKEY_free(nk);
    if (!rc) rc = rk_pem_cert_write(out, cert, 0644);
    if (rc) {
        X509_free(cert);
        return rk_ctl_fail(ctl, rc);
    }
    rc = report_cert(ctl, cert, out);
    X509_free(cert);
    return rc;
}

static int cmd_revoke(rk_ctl *ctl, int argc, char **argv)
{
    client_args a;
    rk_cmp_client_opts o;
    const char *target = NULL;
    int reason = 0, rc;
    X509 *cert = NULL;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl cmp revoke --server URL --trusted CA.pem (--ref R --secret-file F |\n"
               "         --cert F --key F) --revoke CERT.pem [--reason N]\n\n"
               "Asks the CA to revoke a certificate (rr). Reasons: 0 unspecified,\n"
               "1 keyCompromise, 3 affiliationChanged, 4 superseded, 5 cessationOfOperation,\n"
               "6 certificateHold.\n\n%s",
               CLIENT_HELP);
        return 0;
    }
    memset(&a, 0, sizeof a);
    rk_ctl_opt t[CLIENT_OPTS + 2] = {
        [CLIENT_OPTS] = {.name = "--revoke",
                         .kind = RK_OPT_STR,
                         .dest = &target,
                         .arg = "CERT.pem"},
        {.name = "--reason", .kind = RK_OPT_INT, .dest = &reason, .arg = "N", .min = 0, .max = 10},
    };
    client_table(t, &a);
    const rk_ctl_args args = {.cmd = "ractl cmp revoke", .opts = t, .n_opts = CLIENT_OPTS + 2};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!target) return rk_ctl_usage(ctl, "ractl cmp revoke", "--revoke CERT.pem is required");
    rc = client_prepare(ctl, &a, &o, 1);
    if (!rc && !(rc = rk_pem_cert_file(&cert, target))) rc = rk_cmp_client_rr(&o, cert, reason);
    client_done(&a);
    if (rc) {
        X509_free(cert);
        return rk_ctl_fail(ctl, rc);
    }
    char serial[80];
    serial_hex(serial, sizeof serial, X509_get0_serialNumber(cert));
    X509_free(cert);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "serial", serial);
    rk_json_kint(j, "reason", reason);
    rk_ctl_info(ctl, "certificate %s revoked (reason %d)", serial, reason);
    return rk_ctl_reply_end(ctl);
}

/* ---- serve ------------------------------------------------------------ */

static volatile sig_atomic_t serve_stop;

static void on_signal(int sig)
{
    (void)sig;
    serve_stop = 1;
}

typedef struct serve_state {
    rk_ctl *ctl;
    rk_cmp_simple_issuer issuer;
    const char *revoked_file;
    rk_ledger *ledger; /* orders' references and authorisation codes; NULL: fixed --ref */
} serve_state;

/* 1 if the revoked file lists serial (hex, any case). */
static int listed_revoked(const serve_state *s, const char *hex)
{
    char line[128];
    int found = 0;
    FILE *f = s->revoked_file ? fopen(s->revoked_file, "r") : NULL;
    while (f && !found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        found = !strcasecmp(line, hex);
    }
    if (f) fclose(f);
    return found;
}

/* rk_cmp_auth_ops over the branch ledger and the revoked file: a reference
 * is an approved order's, its secret the order's authorisation code. */
static int serve_secret(void *arg, const char *ref, int type, unsigned char *secret, size_t max,
                        size_t *len)
{
    serve_state *s = arg;
    char code[RK_AUTHCODE_MAX];
    if (!s->ledger) return rk_err_set(RK_ENOTFOUND, "no order references on this server");
    int rc = rk_authcode_secret(code, sizeof code, s->ledger, ref,
                                type == RK_CMP_REQ_RR ? RK_AUTHCODE_REVOKE : RK_AUTHCODE_CERT);
    *len = strlen(code);
    if (!rc && *len <= max) memcpy(secret, code, *len);
    rk_wipe(code, sizeof code);
    return rc ? rc : *len <= max ? 0 : rk_err_set(RK_ETOOBIG, "the code is too long");
}

static int serve_use(void *arg, const char *ref, int type, const char *serial)
{
    serve_state *s = arg;
    return rk_authcode_use(s->ledger, ref,
                           type == RK_CMP_REQ_RR ? RK_AUTHCODE_REVOKE : RK_AUTHCODE_CERT, serial);
}

static int serve_revoked(void *arg, const X509_NAME *issuer, const ASN1_INTEGER *serial,
                         int *revoked)
{
    char hex[80];
    (void)issuer;
    serial_hex(hex, sizeof hex, serial);
    *revoked = listed_revoked(arg, hex);
    return 0;
}

static int serve_issue(X509 **out, void *arg, const rk_cmp_issue_req *req)
{
    serve_state *s = arg;
    int rc = rk_cmp_issue_simple(out, &s->issuer, req);
    if (rc == 0 && !s->ctl->quiet && !s->ctl->json) {
        char subject[512], serial[80];
        rk_x509name_text(subject, sizeof subject, X509_get_subject_name(*out));
        serial_hex(serial, sizeof serial, X509_get0_serialNumber(*out));
        printf("issued %s to %s\n", serial, subject);
        fflush(stdout);
    }
    return rc;
}

static int serve_revoke(void *arg, const X509_NAME *issuer, const ASN1_INTEGER *serial)
{
    serve_state *s = arg;
    char hex[80];
    (void)issuer;
    serial_hex(hex, sizeof hex, serial);
    if (listed_revoked(s, hex))
        return rk_err_set(RK_ESTATE, "certificate %s is already revoked", hex);
    FILE *f = fopen(s->revoked_file, "a");
    if (!f) return rk_err_set(RK_EIO, "cannot record the revocation");
    int ok = fprintf(f, "%s\n", hex) > 0;
    ok = fclose(f) == 0 && ok;
    if (!ok) return rk_err_set(RK_EIO, "cannot record the revocation");
    if (!s->ctl->quiet && !s->ctl->json) {
        printf("revoked %s\n", hex);
        fflush(stdout);
    }
    return 0;
}

static int cmd_serve(rk_ctl *ctl, int argc, char **argv)
{
    const char *host = "127.0.0.1", *ca_cert_path = NULL, *ca_key_path = NULL, *ref = NULL;
    const char *secret_file = NULL, *port_file = NULL;
    int port = -1, days = 365, rc, fd = -1, bound = 0;
    int64_t max_requests = 0;
    char secret[SECRET_MAX];
    serve_state st;
    X509 *ca = NULL;
    EVP_PKEY *key = NULL;
    rk_cmp_server *srv = NULL;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl cmp serve --port P --ca-cert F --ca-key F\n"
               "         [--ref R --secret-file F] [--host ADDR] [--days N]\n"
               "         [--revoked-file F] [--port-file F] [--max-requests N]\n\n"
               "Runs the project's CMP server over HTTP (POST, application/pkixcmp) and\n"
               "issues real certificates signed by --ca-key. Requests are authenticated\n"
               "by PBM or by a client certificate issued by the CA that is not revoked.\n"
               "PBM: without --ref, the reference is an approved (and paid, or fee-free)\n"
               "order's reference in the branch ledger and the secret its authorisation\n"
               "code (shown by `ractl order approve`): a certificate order's code serves one\n"
               "ir, cr, p10cr or kur, a revoke order's one rr of the certificate it names,\n"
               "once; with --ref and --secret-file, that one fixed reference (a device's\n"
               "own enrolment, tests), not spent. A certificate revoked (--revoked-file)\n"
               "authenticates nothing and is not revoked twice. Every refusal is logged\n"
               "and counted; a malformed request gets HTTP 400. Serves one connection at a\n"
               "time until SIGINT or SIGTERM.\n\n"
               "  --port P          TCP port (0 picks a free one)\n"
               "  --host ADDR       address to listen on (default 127.0.0.1)\n"
               "  --days N          validity of issued certificates (default 365)\n"
               "  --revoked-file F  append revoked serials (hex) to F; without it\n"
               "                    revocation requests are refused\n"
               "  --port-file F     write the bound port to F once listening\n"
               "  --max-requests N  stop after N answered requests\n");
        return 0;
    }
    memset(&st, 0, sizeof st);
    const rk_ctl_opt opts[] = {
        {.name = "--port", .kind = RK_OPT_INT, .dest = &port, .arg = "P", .min = 0, .max = 65535},
        {.name = "--host", .kind = RK_OPT_STR, .dest = &host, .arg = "ADDR"},
        {.name = "--ca-cert", .kind = RK_OPT_STR, .dest = &ca_cert_path, .arg = "FILE"},
        {.name = "--ca-key", .kind = RK_OPT_STR, .dest = &ca_key_path, .arg = "FILE"},
        {.name = "--ref", .kind = RK_OPT_STR, .dest = &ref, .arg = "REF"},
        {.name = "--secret-file", .kind = RK_OPT_STR, .dest = &secret_file, .arg = "FILE"},
        {.name = "--days", .kind = RK_OPT_INT, .dest = &days, .arg = "N", .min = 1, .max = 36500},
        {.name = "--revoked-file", .kind = RK_OPT_STR, .dest = &st.revoked_file, .arg = "FILE"},
        {.name = "--port-file", .kind = RK_OPT_STR, .dest = &port_file, .arg = "FILE"},
        {.name = "--max-requests",
         .kind = RK_OPT_INT64,
         .dest = &max_requests,
         .arg = "N",
         .min = 0,
         .max = INT32_MAX},
    };
    const rk_ctl_args args = {
        .cmd = "ractl cmp serve", .opts = opts, .n_opts = (int)(sizeof opts / sizeof opts[0])};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (port < 0 || !ca_cert_path || !ca_key_path)
        return rk_ctl_usage(ctl, "ractl cmp serve", "--port, --ca-cert and --ca-key are needed");
    if (!!ref != !!secret_file)
        return rk_ctl_usage(ctl, "ractl cmp serve", "--ref and --secret-file go together");
    if (days <= 0) return rk_ctl_usage(ctl, "ractl cmp serve", "--days must be positive");

    secret[0] = '\0';
    if ((rc = rk_pem_cert_file(&ca, ca_cert_path)) ||
        (rc = rk_pem_key_file(&key, ca_key_path, NULL)))
        goto out;
    if (X509_check_private_key(ca, key) != 1) {
        ERR_clear_error();
        rc = rk_err_set(RK_EINVAL, "%s is not the key of %s", ca_key_path, ca_cert_path);
        goto out;
    }
    if (secret_file && (rc = read_secret_file(secret, sizeof secret, secret_file))) goto out;
    if (!ref && (rc = rk_ctl_ledger(ctl, &st.ledger)))
        goto out; /* orders' references need the branch ledger */
    st.ctl = ctl;
    st.issuer.ca_cert = ca;
    st.issuer.ca_key = key;
    st.issuer.days = days;
    rk_cmp_server_opts so;
    memset(&so, 0, sizeof so);
    so.ca_cert = ca;
    so.ca_key = key;
    so.ref = ref;
    so.secret = secret_file ? (const unsigned char *)secret : NULL;
    so.secret_len = strlen(secret);
    so.issue = serve_issue;
    so.issue_arg = &st;
    so.revoke = st.revoked_file ? serve_revoke : NULL;
    so.revoke_arg = &st;
    rk_cmp_auth_ops auth = {.secret = ref ? NULL : serve_secret,
                            .use = ref ? NULL : serve_use,
                            .revoked = serve_revoked,
                            .arg = &st};
    so.auth = &auth;
    rc = rk_cmp_server_new(&srv, &so);
    rk_wipe(secret, sizeof secret);
    if (rc) goto out;
    if ((rc = rk_cmp_http_listen(&fd, &bound, host, port)) != 0) goto out;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (port_file) {
        FILE *f = fopen(port_file, "w");
        if (!f || fprintf(f, "%d\n", bound) < 0 || fclose(f) != 0) {
            rc = rk_err_set(RK_EIO, "cannot write the port file %s", port_file);
            goto out;
        }
    }
    /* A line of its own before serving: scripts wait for it. */
    rk_json *j = rk_ctl_reply_event(ctl);
    rk_json_kbool(j, "listening", 1);
    rk_json_kstr(j, "host", host);
    rk_json_kint(j, "port", bound);
    rk_ctl_info(ctl, "CMP server listening on http://%s:%d/", host, bound);
    if ((rc = rk_ctl_reply_end(ctl)) != 0) goto out_code;
    fflush(stdout);
    rc = rk_cmp_server_serve_http(srv, fd, &serve_stop, max_requests);
    if (!rc) {
        rk_cmp_server_stats stats;
        rk_cmp_server_get_stats(&stats, srv);
        j = rk_ctl_reply(ctl);
        rk_json_kint(j, "requests", stats.requests);
        rk_json_kint(j, "issued", stats.issued);
        rk_json_kint(j, "confirmed", stats.confirmed);
        rk_json_kint(j, "rejected", stats.rejected);
        rk_json_kint(j, "revoked", stats.revoked);
        rk_ctl_info(ctl, "stopped: %ld %s, %ld issued, %ld rejected, %ld revoked", stats.requests,
                    rk_plural(stats.requests, "request", "requests"), stats.issued, stats.rejected,
                    stats.revoked);
        if ((rc = rk_ctl_reply_end(ctl)) != 0) goto out_code;
    }
out:
    rk_wipe(secret, sizeof secret);
    if (fd >= 0) close(fd);
    rk_cmp_server_free(srv);
    X509_free(ca);
    EVP_PKEY_free(key);
    return rc ? rk_ctl_fail(ctl, rc) : 0;
out_code: /* the reply's own failure was reported: rc is an exit code */
    rk_wipe(secret, sizeof secret);
    if (fd >= 0) close(fd);
    rk_cmp_server_free(srv);
    X509_free(ca);
    EVP_PKEY_free(key);
    return rc;
}

static const rk_ctl_cmd cmp_commands[] = {
    {"request", cmd_request, "get a certificate for a CSR (p10cr) or a new key (ir)"},
    {"renew", cmd_renew, "renew a certificate with a new key (kur)"},
    {"revoke", cmd_revoke, "ask the CA to revoke a certificate (rr)"},
    {"serve", cmd_serve, "run the project's CMP server over HTTP"},
};

int rk_ctl_cmd_cmp(rk_ctl *ctl, int argc, char **argv)
{
    return rk_ctl_dispatch(ctl, argc, argv, "ractl cmp",
                           "Certificate Management Protocol (RFC 4210) client and server.",
                           cmp_commands, (int)(sizeof cmp_commands / sizeof cmp_commands[0]));
}
