/*
 * CMP client against the project's CMP server: in-process (ir, p10cr, kur,
 * rr, refusals, wrong secret, wrongly signed and garbage answers) and over
 * HTTP on loopback (a real exchange, an HTTP 500, garbage, a silent server,
 * a closed port), plus the HTTP request parser. Order references: each
 * approved order's reference with its authorisation code serves one
 * request, unknown and spent ones are refused like a wrong secret, a
 * revoked certificate authenticates nothing, a certificate is revoked
 * once; every refusal is logged and counted.
 */
#include "test.h"

#include "ca/cmp_client.h"
#include "ca/cmp_http.h"
#include "ca/cmp_server.h"
#include "util/err.h"
#include "util/log.h"
#include "util/spki.h"

#include <openssl/cmp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <openssl/bn.h>
#include <poll.h>
#include <strings.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

static const unsigned char SECRET[] = "branch-DEMO01-initial-secret";
#define SECRET_LEN (sizeof SECRET - 1)
#define REF        "DEMO01"

static EVP_PKEY *ec_key(void)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static X509 *make_ca(EVP_PKEY *key, const char *cn)
{
    X509 *c = X509_new();
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_set_version(c, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(c), 1);
    X509_set_subject_name(c, n);
    X509_set_issuer_name(c, n);
    X509_gmtime_adj(X509_getm_notBefore(c), -60);
    X509_gmtime_adj(X509_getm_notAfter(c), 3600L * 24 * 3650);
    X509_set_pubkey(c, key);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, c, c, NULL, NULL, 0);
    const char *exts[][2] = {{"basicConstraints", "critical,CA:TRUE"},
                             {"keyUsage", "critical,keyCertSign,cRLSign,digitalSignature"},
                             {"subjectKeyIdentifier", "hash"}};
    for (int i = 0; i < 3; i++) {
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &v3, exts[i][0], exts[i][1]);
        X509_add_ext(c, e, -1);
        X509_EXTENSION_free(e);
    }
    X509_sign(c, key, EVP_sha256());
    X509_NAME_free(n);
    return c;
}

static int verifies(X509 *cert, X509 *ca)
{
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *vc = X509_STORE_CTX_new();
    X509_STORE_add_cert(st, ca);
    X509_STORE_CTX_init(vc, st, cert, NULL);
    int ok = X509_verify_cert(vc) == 1;
    X509_STORE_CTX_free(vc);
    X509_STORE_free(st);
    return ok;
}

static const char *cn_of(X509 *c, char *buf, int n)
{
    buf[0] = 0;
    X509_NAME_get_text_by_NID(X509_get_subject_name(c), NID_commonName, buf, n);
    return buf;
}

/* Revocation callback state. */
typedef struct revlog {
    int calls;
    ASN1_INTEGER *last_serial;
    int refuse;
} revlog;

static int on_revoke(void *arg, const X509_NAME *issuer, const ASN1_INTEGER *serial)
{
    revlog *r = arg;
    (void)issuer;
    r->calls++;
    if (r->refuse) return rk_err_set(RK_ENOTFOUND, "serial unknown to the test CA");
    ASN1_INTEGER_free(r->last_serial);
    r->last_serial = ASN1_INTEGER_dup(serial);
    return 0;
}

typedef struct steps {
    int seen[8];
    int last_pct;
} steps;

/* The progress steps, counted by code. */
enum {
    RK_CMP_STEP_CONNECT = 1,
    RK_CMP_STEP_SEND,
    RK_CMP_STEP_WAIT,
    RK_CMP_STEP_RECEIVE,
    RK_CMP_STEP_DONE
};
static const char *const step_codes[] = {"", "connect", "send", "wait", "receive", "done"};

static int on_progress(void *arg, const rk_progress *p)
{
    steps *s = arg;
    CHECK_INT(p->op, RK_OP_CMP);
    CHECK(p->percent >= s->last_pct);
    s->last_pct = p->percent;
    for (int i = 1; i <= RK_CMP_STEP_DONE; i++)
        if (!strcmp(p->step, step_codes[i])) s->seen[i]++;
    return 0;
}

/* Cancels at the first report of step code `at`; counts the reports
 * from then on. */
typedef struct cancel_ctl {
    const char *at;
    int calls;
} cancel_ctl;

static int cancel_at(void *arg, const rk_progress *p)
{
    cancel_ctl *c = arg;
    if (c->calls) c->calls++;
    if (!c->calls && !strcmp(p->step, c->at)) c->calls = 1;
    return c->calls != 0;
}

static X509 *ca_cert, *other_ca;
static EVP_PKEY *ca_key, *other_key;

static void base_opts(rk_cmp_client_opts *o, rk_cmp_server *srv)
{
    memset(o, 0, sizeof *o);
    o->trusted = &ca_cert;
    o->n_trusted = 1;
    o->ref = REF;
    o->secret = SECRET;
    o->secret_len = SECRET_LEN;
    if (srv) {
        o->transfer = rk_cmp_server_transfer;
        o->transfer_arg = srv;
    }
}

/* ---- in-process ------------------------------------------------------- */

static X509 *issued_ir;
static EVP_PKEY *key_ir;

static void test_ir(rk_cmp_server *srv)
{
    rk_cmp_client_opts o;
    steps st;
    char cn[64];
    X509 *cert = NULL;

    base_opts(&o, srv);
    memset(&st, 0, sizeof st);
    o.progress = on_progress;
    o.progress_arg = &st;
    key_ir = ec_key();
    int rc = rk_cmp_client_ir(&cert, &o, key_ir, "/CN=Li Lu/O=Demo Branch/C=CN");
    if (rc) fprintf(stderr, "ir: %s\n", rk_err_msg());
    CHECK_INT(rc, 0);
    CHECK(cert != NULL);
    if (!cert) return;
    CHECK(verifies(cert, ca_cert));
    CHECK(EVP_PKEY_eq(X509_get0_pubkey(cert), key_ir) == 1);
    CHECK_STR(cn_of(cert, cn, sizeof cn), "Li Lu");
    CHECK(X509_check_issued(ca_cert, cert) == X509_V_OK);
    const ASN1_INTEGER *sn = X509_get0_serialNumber(cert);
    CHECK_INT(ASN1_STRING_length(sn), 16);
    /* Two exchanges (ir/ip, certConf/pkiConf), each reported. */
    CHECK_INT(st.seen[RK_CMP_STEP_CONNECT], 2);
    CHECK_INT(st.seen[RK_CMP_STEP_RECEIVE], 2);
    CHECK_INT(st.seen[RK_CMP_STEP_DONE], 1);
    issued_ir = cert;
}

/* Cancelled from the progress callback, on a server of its own: before
 * the request leaves (the server sees nothing), and after HQ's answer,
 * before our confirmation leaves (HQ issued a certificate it never sees
 * confirmed). No certificate either way. */
static void test_cancel(const rk_cmp_server_opts *so)
{
    rk_cmp_server *srv = NULL;
    rk_cmp_client_opts o;
    rk_cmp_server_stats stats;

    CHECK_INT(rk_cmp_server_new(&srv, so), 0);
    if (!srv) return;
    base_opts(&o, srv);
    for (int when = 0; when < 2; when++) {
        cancel_ctl c = {when ? "receive" : "connect", 0};
        X509 *none = NULL;
        EVP_PKEY *k = ec_key();
        o.progress = cancel_at;
        o.progress_arg = &c;
        CHECK_INT(rk_cmp_client_ir(&none, &o, k, "/CN=Never/O=Demo Branch/C=CN"), RK_ECANCELED);
        CHECK(strstr(rk_err_msg(), "cancelled") != NULL);
        CHECK(none == NULL);
        CHECK_INT(c.calls, 1); /* nothing reported after the cancel */
        EVP_PKEY_free(k);
        rk_cmp_server_get_stats(&stats, srv);
        CHECK_INT(stats.issued, when);
        CHECK_INT(stats.confirmed, 0);
    }
    rk_cmp_server_free(srv);
}

static void test_p10cr(rk_cmp_server *srv)
{
    rk_cmp_client_opts o;
    char cn[64];
    X509 *cert = NULL;
    EVP_PKEY *k = ec_key();
    X509_REQ *csr = X509_REQ_new();
    X509_NAME *n = NULL;

    rk_cmp_parse_name(&n, "/CN=Wang Wu/O=Demo Org");
    X509_REQ_set_subject_name(csr, n);
    X509_REQ_set_pubkey(csr, k);
    X509_REQ_sign(csr, k, EVP_sha256());
    base_opts(&o, srv);
    int rc = rk_cmp_client_p10cr(&cert, &o, csr);
    if (rc) fprintf(stderr, "p10cr: %s\n", rk_err_msg());
    CHECK_INT(rc, 0);
    if (cert) {
        CHECK(verifies(cert, ca_cert));
        CHECK(EVP_PKEY_eq(X509_get0_pubkey(cert), k) == 1);
        CHECK_STR(cn_of(cert, cn, sizeof cn), "Wang Wu");
    }
    X509_free(cert);

    /* A CSR made as the key layer makes it, its key set as encoded fields
     * (util/spki: not decoded in the object): the same. */
    X509_REQ *raw = X509_REQ_new();
    CHECK(raw && X509_REQ_set_subject_name(raw, n) &&
          rk_spki_copy(X509_REQ_get_X509_PUBKEY(raw), X509_REQ_get_X509_PUBKEY(csr)) == 0 &&
          X509_REQ_sign(raw, k, EVP_sha256()) > 0);
    CHECK(X509_REQ_get0_pubkey(raw) == NULL);
    cert = NULL;
    rc = rk_cmp_client_p10cr(&cert, &o, raw);
    if (rc) fprintf(stderr, "p10cr (fields): %s\n", rk_err_msg());
    CHECK_INT(rc, 0);
    CHECK(cert && EVP_PKEY_eq(X509_get0_pubkey(cert), k) == 1);
    X509_free(cert);
    X509_REQ_free(raw);

    /* A CSR whose signature does not match its key: refused (badPOP). */
    EVP_PKEY *k2 = ec_key();
    X509_REQ_sign(csr, k2, EVP_sha256());
    cert = NULL;
    rc = rk_cmp_client_p10cr(&cert, &o, csr);
    CHECK_INT(rc, RK_EPERM);
    CHECK(cert == NULL);
    CHECK(strstr(rk_err_msg(), "badPOP") != NULL);
    fprintf(stderr, "  (expected) %s\n", rk_err_msg());
    X509_NAME_free(n);
    X509_REQ_free(csr);
    EVP_PKEY_free(k);
    EVP_PKEY_free(k2);
}

static X509 *renewed;
static EVP_PKEY *key_renewed;

static void test_kur(rk_cmp_server *srv)
{
    rk_cmp_client_opts o;
    char cn[64];
    X509 *cert = NULL;
    if (!issued_ir) return;
    base_opts(&o, srv);
    key_renewed = ec_key();
    int rc = rk_cmp_client_kur(&cert, &o, issued_ir, key_ir, key_renewed);
    if (rc) fprintf(stderr, "kur: %s\n", rk_err_msg());
    CHECK_INT(rc, 0);
    if (!cert) return;
    CHECK(verifies(cert, ca_cert));
    CHECK(EVP_PKEY_eq(X509_get0_pubkey(cert), key_renewed) == 1);
    CHECK(EVP_PKEY_eq(X509_get0_pubkey(cert), key_ir) != 1);
    CHECK_STR(cn_of(cert, cn, sizeof cn), "Li Lu");
    CHECK(ASN1_INTEGER_cmp(X509_get0_serialNumber(cert), X509_get0_serialNumber(issued_ir)) != 0);
    renewed = cert;

    /* kur authenticated by a key that is not the certificate's: refused. */
    EVP_PKEY *stranger = ec_key(), *nk = ec_key();
    cert = NULL;
    rc = rk_cmp_client_kur(&cert, &o, issued_ir, stranger, nk);
    CHECK_INT(rc, RK_EINVAL);
    CHECK(cert == NULL);
    fprintf(stderr, "  (expected) %s\n", rk_err_msg());
    EVP_PKEY_free(stranger);
    EVP_PKEY_free(nk);
}

static void test_rr(rk_cmp_server *srv, revlog *rl)
{
    rk_cmp_client_opts o;
    X509 *fresh = NULL, *cert = NULL;
    EVP_PKEY *fk = ec_key(), *nk = ec_key();
    if (!renewed) return;

    /* By the device identity (renewed, good): issued_ir is revoked. */
    base_opts(&o, srv);
    o.secret = NULL;
    o.ref = NULL;
    o.cert = renewed;
    o.key = key_renewed;
    int rc = rk_cmp_client_rr(&o, issued_ir, 4);
    if (rc) fprintf(stderr, "rr by certificate: %s\n", rk_err_msg());
    CHECK_INT(rc, 0);
    CHECK_INT(rl->calls, 1);
    CHECK(rl->last_serial &&
          ASN1_INTEGER_cmp(rl->last_serial, X509_get0_serialNumber(issued_ir)) == 0);

    /* A revoked certificate authenticates nothing: neither a kur ... */
    rc = rk_cmp_client_kur(&cert, &o, issued_ir, key_ir, nk);
    CHECK_INT(rc, RK_EPERM);
    CHECK(cert == NULL);
    CHECK(strstr(rk_err_msg(), "revoked") != NULL);
    fprintf(stderr, "  (expected) %s\n", rk_err_msg());

    /* By the shared secret: renewed is revoked. */
    base_opts(&o, srv);
    rc = rk_cmp_client_rr(&o, renewed, 1 /* keyCompromise */);
    if (rc) fprintf(stderr, "rr: %s\n", rk_err_msg());
    CHECK_INT(rc, 0);
    CHECK_INT(rl->calls, 2);
    CHECK(rl->last_serial &&
          ASN1_INTEGER_cmp(rl->last_serial, X509_get0_serialNumber(renewed)) == 0);

    /* ... nor an rr signed with it; and revoking twice is refused, not
     * recorded twice. */
    CHECK_INT(rk_cmp_client_ir(&fresh, &o, fk, "/CN=Fresh"), 0);
    o.secret = NULL;
    o.ref = NULL;
    o.cert = renewed;
    o.key = key_renewed;
    if (fresh) {
        rc = rk_cmp_client_rr(&o, fresh, 0);
        CHECK_INT(rc, RK_EPERM);
        CHECK(strstr(rk_err_msg(), "signs the request") != NULL);
        fprintf(stderr, "  (expected) %s\n", rk_err_msg());
    }
    base_opts(&o, srv);
    rc = rk_cmp_client_rr(&o, renewed, 1);
    CHECK_INT(rc, RK_EPERM);
    CHECK(strstr(rk_err_msg(), "already revoked") != NULL);
    fprintf(stderr, "  (expected) %s\n", rk_err_msg());
    CHECK_INT(rl->calls, 2);

    /* The CA's records do not know the serial: a clear refusal. */
    rl->refuse = 1;
    rc = fresh ? rk_cmp_client_rr(&o, fresh, 0) : RK_EINTERNAL;
    rl->refuse = 0;
    CHECK_INT(rc, RK_EPERM);
    CHECK(strstr(rk_err_msg(), "serial unknown to the test CA") != NULL);
    fprintf(stderr, "  (expected) %s\n", rk_err_msg());

    /* Not issued by this CA. */
    EVP_PKEY *k = ec_key();
    X509 *foreign = make_ca(k, "Foreign");
    rc = rk_cmp_client_rr(&o, foreign, 0);
    CHECK_INT(rc, RK_EPERM);
    CHECK(strstr(rk_err_msg(), "not issued by this CA") != NULL);
    X509_free(foreign);
    EVP_PKEY_free(k);
    CHECK_INT(rk_cmp_client_rr(&o, renewed, 7), RK_EINVAL);
    X509_free(fresh);
    EVP_PKEY_free(fk);
    EVP_PKEY_free(nk);
}

/* ---- order references ------------------------------------------------- */

/* A ledger double: approved orders' references, their authorisation codes,
 * what each may do, whether it is spent; revoked serials. */
typedef struct test_order {
    const char *ref, *code;
    int revoke;      /* a revoke order (rr) rather than a certificate order */
    char target[80]; /* rr: the serial the order revokes */
    int used;
} test_order;

typedef struct ledger_double {
    test_order orders[4];
    int n;
    char revoked[8][80];
    int n_revoked;
    int use_calls;
} ledger_double;

static int ld_secret(void *arg, const char *ref, int type, unsigned char *secret, size_t max,
                     size_t *len)
{
    ledger_double *d = arg;
    for (int i = 0; i < d->n; i++) {
        test_order *o = &d->orders[i];
        if (strcmp(o->ref, ref)) continue;
        if (o->used)
            return rk_err_set(RK_ESTATE, "the authorisation code of %s has been used", ref);
        if (o->revoke != (type == RK_CMP_REQ_RR))
            return rk_err_set(RK_ESTATE, "order %s does not fit this request", ref);
        *len = strlen(o->code);
        if (*len > max) return RK_ETOOBIG;
        memcpy(secret, o->code, *len);
        return 0;
    }
    return rk_err_set(RK_ENOTFOUND, "no order %s", ref);
}

static int ld_use(void *arg, const char *ref, int type, const char *serial)
{
    ledger_double *d = arg;
    d->use_calls++;
    for (int i = 0; i < d->n; i++) {
        test_order *o = &d->orders[i];
        if (strcmp(o->ref, ref)) continue;
        if (type == RK_CMP_REQ_RR && strcmp(o->target, serial))
            return rk_err_set(RK_EPERM, "order %s revokes %s, not %s", ref, o->target, serial);
        o->used = 1;
        return 0;
    }
    return RK_ENOTFOUND;
}

static int ld_revoked(void *arg, const X509_NAME *issuer, const ASN1_INTEGER *serial, int *revoked)
{
    ledger_double *d = arg;
    char hex[80];
    BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
    char *h = BN_bn2hex(bn);
    (void)issuer;
    snprintf(hex, sizeof hex, "%s", h);
    OPENSSL_free(h);
    BN_free(bn);
    *revoked = 0;
    for (int i = 0; i < d->n_revoked; i++)
        if (!strcasecmp(d->revoked[i], hex)) *revoked = 1;
    return 0;
}

static int ld_revoke(void *arg, const X509_NAME *issuer, const ASN1_INTEGER *serial)
{
    ledger_double *d = arg;
    BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
    char *h = BN_bn2hex(bn);
    (void)issuer;
    if (d->n_revoked < 8) snprintf(d->revoked[d->n_revoked++], 80, "%s", h);
    OPENSSL_free(h);
    BN_free(bn);
    return 0;
}

static char g_log[8192];
static void log_sink(enum rk_log_level level, const char *msg, void *arg)
{
    (void)arg;
    if (level <= RK_LOG_WARN && strlen(g_log) + strlen(msg) + 2 < sizeof g_log) {
        strcat(g_log, msg);
        strcat(g_log, "\n");
    }
}

static int count_lines(const char *what)
{
    int n = 0;
    for (const char *p = g_log; (p = strstr(p, what)); p++)
        n++;
    return n;
}

static void lower_hex(char *out, size_t n, const ASN1_INTEGER *serial)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
    char *h = BN_bn2hex(bn);
    snprintf(out, n, "%s", h);
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'F') *p = (char)(*p - 'A' + 'a');
    OPENSSL_free(h);
    BN_free(bn);
}

static void test_orders(void)
{
    ledger_double d;
    rk_cmp_server *srv = NULL;
    rk_cmp_client_opts o;
    X509 *cert = NULL, *c2 = NULL;
    EVP_PKEY *k = ec_key(), *k2 = ec_key();
    rk_cmp_server_stats st;
    int rc, refusals = 0;

    memset(&d, 0, sizeof d);
    d.orders[0] = (test_order){.ref = "260301-0001", .code = "K7QM-3HXD-9TWA-PZ4R"};
    d.orders[1] = (test_order){.ref = "260301-0002", .code = "A1B2-C3D4-E5F6-G7H8"};
    d.orders[2] = (test_order){.ref = "260301-0003", .code = "RRRR-SSSS-TTTT-VVVV", .revoke = 1};
    d.n = 3;
    rk_cmp_auth_ops ops = {.secret = ld_secret, .use = ld_use, .revoked = ld_revoked, .arg = &d};
    rk_cmp_server_opts so = {
        .ca_cert = ca_cert, .ca_key = ca_key, .auth = &ops, .revoke = ld_revoke, .revoke_arg = &d};
    CHECK_INT(rk_cmp_server_new(&srv, &so), 0);
    if (!srv) return;
    g_log[0] = '\0';
    rk_log_set_sink(log_sink, NULL);
    base_opts(&o, srv);

    /* An approved order's reference and code: one certificate. */
    o.ref = "260301-0001";
    o.secret = (const unsigned char *)"K7QM-3HXD-9TWA-PZ4R";
    o.secret_len = 19;
    rc = rk_cmp_client_ir(&cert, &o, k, "/CN=Order One");
    if (rc) fprintf(stderr, "order ir: %s\n", rk_err_msg());
    CHECK_INT(rc, 0);
    CHECK(cert && verifies(cert, ca_cert));
    CHECK_INT(d.orders[0].used, 1);
    /* Used once: the same again is refused, like a wrong secret. */
    rc = rk_cmp_client_ir(&c2, &o, k2, "/CN=Order One again");
    CHECK_INT(rc, RK_EAUTH);
    CHECK(c2 == NULL);
    refusals++;
    CHECK(strstr(g_log, "reference 260301-0001") && strstr(g_log, "has been used"));
    /* Another order's reference with this order's code: refused. */
    o.ref = "260301-0002";
    rc = rk_cmp_client_ir(&c2, &o, k2, "/CN=Mixed");
    CHECK_INT(rc, RK_EAUTH);
    refusals++;
    CHECK_INT(d.orders[1].used, 0);
    /* An unknown reference (whatever secret) gets the same answer. */
    o.ref = "999999-9999";
    rc = rk_cmp_client_ir(&c2, &o, k2, "/CN=Nobody");
    CHECK_INT(rc, RK_EAUTH);
    CHECK(strstr(rk_err_msg(), "HQ refused our credentials") != NULL);
    refusals++;
    CHECK(strstr(g_log, "reference 999999-9999") && strstr(g_log, "unknown reference"));
    CHECK(!strstr(g_log, "K7QM-3HXD-9TWA-PZ4R")); /* no secret in the log */
    /* A certificate order cannot revoke, a revoke order cannot issue. */
    o.ref = "260301-0003";
    o.secret = (const unsigned char *)"RRRR-SSSS-TTTT-VVVV";
    rc = rk_cmp_client_ir(&c2, &o, k2, "/CN=Wrong business");
    CHECK_INT(rc, RK_EAUTH);
    refusals++;
    /* The revoke order names another certificate: refused, not spent. */
    snprintf(d.orders[2].target, sizeof d.orders[2].target, "0123");
    if (cert) {
        rc = rk_cmp_client_rr(&o, cert, 1);
        CHECK_INT(rc, RK_EAUTH); /* notAuthorized */
        CHECK(strstr(rk_err_msg(), "revokes 0123") != NULL);
        refusals++;
        CHECK_INT(d.orders[2].used, 0);
        /* The certificate it names: revoked once. */
        lower_hex(d.orders[2].target, sizeof d.orders[2].target, X509_get0_serialNumber(cert));
        rc = rk_cmp_client_rr(&o, cert, 1);
        if (rc) fprintf(stderr, "order rr: %s\n", rk_err_msg());
        CHECK_INT(rc, 0);
        CHECK_INT(d.n_revoked, 1);
        CHECK_INT(d.orders[2].used, 1);
        /* A revoked certificate renews nothing. */
        rc = rk_cmp_client_kur(&c2, &o, cert, k, k2);
        CHECK_INT(rc, RK_EPERM);
        CHECK(strstr(rk_err_msg(), "revoked") != NULL);
        refusals++;
    }
    /* Garbage and a message with trailing bytes: malformed, counted. */
    unsigned char *rsp = NULL;
    size_t n = 0;
    CHECK_INT(rk_cmp_server_handle(&rsp, &n, srv, (const unsigned char *)"junk", 4), RK_EFORMAT);
    refusals++;

    rk_cmp_server_get_stats(&st, srv);
    fprintf(stderr, "orders server: %ld requests, %ld issued, %ld rejected, %ld revoked\n",
            st.requests, st.issued, st.rejected, st.revoked);
    CHECK_INT(st.issued, 1);
    CHECK_INT(st.revoked, 1);
    CHECK_INT(st.rejected, refusals);
    CHECK_INT(count_lines("cmp server: refused"), refusals);
    rk_log_set_sink(NULL, NULL);
    X509_free(cert);
    X509_free(c2);
    EVP_PKEY_free(k);
    EVP_PKEY_free(k2);
    rk_cmp_server_free(srv);
}

static void test_wrong_secret(rk_cmp_server *srv)
{
    rk_cmp_client_opts o;
    X509 *cert = NULL;
    EVP_PKEY *k = ec_key();
    static const unsigned char wrong[] = "not-the-secret";
    base_opts(&o, srv);
    o.secret = wrong;
    o.secret_len = sizeof wrong - 1;
    int rc = rk_cmp_client_ir(&cert, &o, k, "/CN=Mallory");
    CHECK_INT(rc, RK_EAUTH);
    CHECK(cert == NULL);
    CHECK(strstr(rk_err_msg(), "HQ refused our credentials") != NULL);
    fprintf(stderr, "  (expected) %s\n", rk_err_msg());
    EVP_PKEY_free(k);
}

static void test_bad_request(rk_cmp_server *srv)
{
    rk_cmp_client_opts o;
    X509 *cert = NULL;
    EVP_PKEY *k = ec_key();
    base_opts(&o, srv);
    CHECK_INT(rk_cmp_client_ir(&cert, &o, k, "CN=no slash"), RK_EINVAL);
    CHECK_INT(rk_cmp_client_ir(&cert, &o, k, "/XYZ=what"), RK_EINVAL);
    o.n_trusted = 0;
    CHECK_INT(rk_cmp_client_ir(&cert, &o, k, "/CN=x"), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "trusted") != NULL);
    base_opts(&o, srv);
    o.secret = NULL;
    CHECK_INT(rk_cmp_client_ir(&cert, &o, k, "/CN=x"), RK_EINVAL);
    EVP_PKEY_free(k);
}

/* Transfer doubles for broken HQs. */
static OSSL_CMP_MSG *xfer_null(OSSL_CMP_CTX *ctx, const OSSL_CMP_MSG *req)
{
    (void)ctx;
    (void)req;
    return NULL;
}

static OSSL_CMP_MSG *xfer_echo(OSSL_CMP_CTX *ctx, const OSSL_CMP_MSG *req)
{
    (void)ctx;
    /* The request itself: a well-formed CMP message of the wrong kind. */
    unsigned char *der = NULL;
    int n = i2d_OSSL_CMP_MSG(req, &der);
    const unsigned char *p = der;
    OSSL_CMP_MSG *m = n > 0 ? d2i_OSSL_CMP_MSG(NULL, &p, n) : NULL;
    OPENSSL_free(der);
    return m;
}

static void test_broken_hq(rk_cmp_server *srv_wrong_key)
{
    rk_cmp_client_opts o;
    X509 *cert = NULL;
    EVP_PKEY *k = ec_key();
    int rc;

    base_opts(&o, NULL);
    o.transfer = xfer_null;
    rc = rk_cmp_client_ir(&cert, &o, k, "/CN=x");
    CHECK_INT(rc, RK_EIO);
    fprintf(stderr, "  (expected) %s\n", rk_err_msg());

    o.transfer = xfer_echo;
    rc = rk_cmp_client_ir(&cert, &o, k, "/CN=x");
    CHECK(rc == RK_EVERIFY || rc == RK_EFORMAT);
    CHECK(cert == NULL);
    fprintf(stderr, "  (expected) %s\n", rk_err_msg());

    /* HQ impostor: knows the secret but issues from another CA. */
    base_opts(&o, srv_wrong_key);
    rc = rk_cmp_client_ir(&cert, &o, k, "/CN=x");
    CHECK_INT(rc, RK_EVERIFY);
    CHECK(strstr(rk_err_msg(), "does not chain to a trusted CA") != NULL);
    fprintf(stderr, "  (expected) %s\n", rk_err_msg());

    /* A signature-protected answer by a key we do not trust. */
    if (issued_ir) {
        EVP_PKEY *nk = ec_key();
        rc = rk_cmp_client_kur(&cert, &o, issued_ir, key_ir, nk);
        CHECK_INT(rc, RK_EVERIFY);
        CHECK(cert == NULL);
        fprintf(stderr, "  (expected) %s\n", rk_err_msg());
        EVP_PKEY_free(nk);
    }
    EVP_PKEY_free(k);
}

/* ---- over HTTP -------------------------------------------------------- */

typedef struct http_srv {
    int fd;
    rk_cmp_server *srv;
    const char *canned; /* fixed raw answer instead of CMP (NULL: real server) */
    int silent;         /* accept and never answer */
    volatile sig_atomic_t stop;
} http_srv;

static void *http_thread(void *arg)
{
    http_srv *h = arg;
    if (h->srv) {
        rk_cmp_server_serve_http(h->srv, h->fd, &h->stop, 0);
        return NULL;
    }
    while (!h->stop) {
        struct pollfd pf = {h->fd, POLLIN, 0};
        if (poll(&pf, 1, 100) <= 0) continue;
        int c = accept(h->fd, NULL, NULL);
        if (c < 0) continue;
        char buf[4096];
        if (h->silent) {
            while (!h->stop)
                usleep(20000);
        } else {
            ssize_t r = recv(c, buf, sizeof buf, 0);
            (void)r;
            if (send(c, h->canned, strlen(h->canned), MSG_NOSIGNAL) < 0) perror("send");
        }
        close(c);
    }
    return NULL;
}

static int start_http(http_srv *h, pthread_t *t, char *url, size_t n)
{
    int port = 0;
    if (rk_cmp_http_listen(&h->fd, &port, "127.0.0.1", 0) != 0) return -1;
    snprintf(url, n, "http://127.0.0.1:%d/pkix/", port);
    return pthread_create(t, NULL, http_thread, h);
}

static void stop_http(http_srv *h, pthread_t t)
{
    h->stop = 1;
    pthread_join(t, NULL);
    close(h->fd);
}

static void test_http(rk_cmp_server *srv)
{
    http_srv h;
    pthread_t t;
    char url[128];
    rk_cmp_client_opts o;
    X509 *cert = NULL;
    EVP_PKEY *k = ec_key();
    steps st;
    int rc;

    memset(&h, 0, sizeof h);
    h.srv = srv;
    CHECK_INT(start_http(&h, &t, url, sizeof url), 0);
    base_opts(&o, NULL);
    o.url = url;
    memset(&st, 0, sizeof st);
    o.progress = on_progress;
    o.progress_arg = &st;
    rc = rk_cmp_client_ir(&cert, &o, k, "/CN=Over HTTP");
    if (rc) fprintf(stderr, "http ir: %s\n", rk_err_msg());
    CHECK_INT(rc, 0);
    CHECK(cert && verifies(cert, ca_cert));
    CHECK(cert && EVP_PKEY_eq(X509_get0_pubkey(cert), k) == 1);
    CHECK_INT(st.seen[RK_CMP_STEP_SEND], 2);
    CHECK_INT(st.seen[RK_CMP_STEP_RECEIVE], 2);
    X509_free(cert);
    cert = NULL;
    stop_http(&h, t);
    o.progress = NULL;

    /* HTTP 500 */
    memset(&h, 0, sizeof h);
    h.canned = "HTTP/1.0 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops";
    start_http(&h, &t, url, sizeof url);
    o.url = url;
    rc = rk_cmp_client_ir(&cert, &o, k, "/CN=x");
    CHECK_INT(rc, RK_EIO);
    CHECK(strstr(rk_err_msg(), "500") != NULL);
    fprintf(stderr, "  (expected) %s\n", rk_err_msg());
    stop_http(&h, t);

    /* 200 with garbage of the right type */
    memset(&h, 0, sizeof h);
    h.canned = "HTTP/1.0 200 OK\r\nContent-Type: application/pkixcmp\r\nContent-Length: 12\r\n\r\n"
               "\x30\x0a garbage!!";
    start_http(&h, &t, url, sizeof url);
    o.url = url;
    rc = rk_cmp_client_ir(&cert, &o, k, "/CN=x");
    CHECK_INT(rc, RK_EFORMAT);
    CHECK(cert == NULL);
    fprintf(stderr, "  (expected) %s\n", rk_err_msg());
    stop_http(&h, t);

    /* A server that never answers */
    memset(&h, 0, sizeof h);
    h.silent = 1;
    start_http(&h, &t, url, sizeof url);
    o.url = url;
    o.timeout_s = 1;
    o.total_timeout_s = 2;
    rc = rk_cmp_client_ir(&cert, &o, k, "/CN=x");
    CHECK_INT(rc, RK_ETIMEOUT);
    fprintf(stderr, "  (expected) %s\n", rk_err_msg());
    stop_http(&h, t);

    /* Nobody listening */
    int fd, port;
    rk_cmp_http_listen(&fd, &port, "127.0.0.1", 0);
    close(fd);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/pkix/", port);
    o.url = url;
    rc = rk_cmp_client_ir(&cert, &o, k, "/CN=x");
    CHECK(rc == RK_EIO || rc == RK_ETIMEOUT);
    fprintf(stderr, "  (expected) %s\n", rk_err_msg());
    o.url = "https://hq.example/pkix/";
    CHECK_INT(rk_cmp_client_ir(&cert, &o, k, "/CN=x"), RK_EINVAL);
    EVP_PKEY_free(k);
}

static void test_http_parse(void)
{
    rk_cmp_http_req r;
    const char *ok = "POST /pkix/ HTTP/1.0\r\nHost: x\r\nContent-Type: application/pkixcmp\r\n"
                     "Content-Length: 5\r\n\r\nABCDE";
    CHECK_INT(rk_cmp_http_parse(&r, ok, strlen(ok)), 0);
    CHECK_STR(r.path, "/pkix/");
    CHECK_INT(r.content_length, 5);
    CHECK_INT(r.header_len, strlen(ok) - 5);
    CHECK_INT(rk_cmp_http_parse(&r, ok, 30), 1); /* incomplete */
    const char *get = "GET / HTTP/1.0\r\n\r\n";
    CHECK_INT(rk_cmp_http_parse(&r, get, strlen(get)), RK_EINVAL);
    CHECK_INT(r.status, 405);
    const char *nolen = "POST / HTTP/1.1\r\nContent-Type: application/pkixcmp\r\n\r\n";
    CHECK(rk_cmp_http_parse(&r, nolen, strlen(nolen)) < 0);
    CHECK_INT(r.status, 411);
    const char *type = "POST / HTTP/1.1\r\nContent-Type: text/html\r\nContent-Length: 1\r\n\r\n";
    CHECK(rk_cmp_http_parse(&r, type, strlen(type)) < 0);
    CHECK_INT(r.status, 415);
    const char *big = "POST / HTTP/1.1\r\nContent-Type: application/pkixcmp\r\n"
                      "Content-Length: 1048577\r\n\r\n";
    CHECK_INT(rk_cmp_http_parse(&r, big, strlen(big)), RK_ETOOBIG);
    CHECK_INT(r.status, 413);
    const char *two = "POST / HTTP/1.1\r\nContent-Type: application/pkixcmp\r\n"
                      "Content-Length: 1\r\nContent-Length: 2\r\n\r\n";
    CHECK_INT(rk_cmp_http_parse(&r, two, strlen(two)), RK_EFORMAT);
    const char *chunked = "POST / HTTP/1.1\r\nContent-Type: application/pkixcmp\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n";
    CHECK(rk_cmp_http_parse(&r, chunked, strlen(chunked)) < 0);
    CHECK_INT(r.status, 501);
    char *huge = malloc(RK_CMP_HTTP_MAX_HEADER + 10);
    memset(huge, 'a', RK_CMP_HTTP_MAX_HEADER + 10);
    memcpy(huge, "POST / HTTP/1.0\r\nX: ", 20);
    CHECK_INT(rk_cmp_http_parse(&r, huge, RK_CMP_HTTP_MAX_HEADER + 10), RK_ETOOBIG);
    CHECK_INT(r.status, 431);
    free(huge);
    const char *nul = "POST / HTTP/1.0\r\nA: b\0c\r\n\r\n";
    CHECK_INT(rk_cmp_http_parse(&r, nul, 27), RK_EFORMAT);
}

static void test_template_parser(void)
{
    EVP_PKEY *k = NULL;
    const unsigned char junk[] = {0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00};
    CHECK_INT(rk_cmp_template_pubkey(&k, junk, sizeof junk), RK_EFORMAT);
    const unsigned char empty[] = {0x30, 0x00};
    CHECK_INT(rk_cmp_template_pubkey(&k, empty, sizeof empty), RK_ENOTFOUND);
    const unsigned char badkey[] = {0x30, 0x04, 0xa6, 0x02, 0x05, 0x00};
    CHECK_INT(rk_cmp_template_pubkey(&k, badkey, sizeof badkey), RK_EFORMAT);
    CHECK(k == NULL);
}

static unsigned char g_captured[8192];
static size_t g_captured_len;

/* A transfer that keeps the request's DER (and one spare byte) and answers
 * nothing. */
static OSSL_CMP_MSG *capture_request(OSSL_CMP_CTX *ctx, const OSSL_CMP_MSG *req)
{
    unsigned char *der = NULL;
    int n = i2d_OSSL_CMP_MSG(req, &der);
    (void)ctx;
    if (n > 0 && (size_t)n < sizeof g_captured) {
        memcpy(g_captured, der, (size_t)n);
        g_captured[n] = 0x00;
        g_captured_len = (size_t)n;
    }
    OPENSSL_free(der);
    return NULL;
}

static void test_server_entry(rk_cmp_server *srv)
{
    unsigned char *rsp = NULL;
    size_t n = 0;
    const unsigned char junk[] = "not a CMP message";
    CHECK_INT(rk_cmp_server_handle(&rsp, &n, srv, junk, sizeof junk), RK_EFORMAT);
    CHECK(rsp == NULL);
    /* A real request with a byte more: not one whole message. */
    rk_cmp_client_opts o;
    base_opts(&o, NULL);
    o.transfer = capture_request;
    EVP_PKEY *k = ec_key();
    X509 *cert = NULL;
    rk_cmp_client_ir(&cert, &o, k, "/CN=Captured");
    CHECK(g_captured_len > 0);
    if (g_captured_len > 0) {
        CHECK_INT(rk_cmp_server_handle(&rsp, &n, srv, g_captured, g_captured_len + 1), RK_EFORMAT);
        CHECK(rsp == NULL);
        /* Whole, it is answered. */
        CHECK_INT(rk_cmp_server_handle(&rsp, &n, srv, g_captured, g_captured_len), 0);
        free(rsp);
    }
    EVP_PKEY_free(k);
}

int main(void)
{
    rk_cmp_server *srv = NULL, *impostor = NULL;
    rk_cmp_server_opts so;
    revlog rl;

    ca_key = ec_key();
    ca_cert = make_ca(ca_key, "Demo HQ CA");
    other_key = ec_key();
    other_ca = make_ca(other_key, "Demo HQ CA"); /* same name, other key */

    memset(&rl, 0, sizeof rl);
    memset(&so, 0, sizeof so);
    so.ca_cert = ca_cert;
    so.ca_key = ca_key;
    so.ref = REF;
    so.secret = SECRET;
    so.secret_len = SECRET_LEN;
    so.days = 30;
    so.revoke = on_revoke;
    so.revoke_arg = &rl;
    CHECK_INT(rk_cmp_server_new(&srv, &so), 0);

    rk_cmp_server_opts io = so;
    io.ca_cert = other_ca;
    io.ca_key = other_key;
    io.trusted = &ca_cert;
    io.n_trusted = 1;
    CHECK_INT(rk_cmp_server_new(&impostor, &io), 0);

    rk_cmp_server_opts none;
    memset(&none, 0, sizeof none);
    rk_cmp_server *bad = NULL;
    CHECK_INT(rk_cmp_server_new(&bad, &none), RK_EINVAL);

    test_ir(srv);
    test_cancel(&so);
    test_p10cr(srv);
    test_kur(srv);
    test_rr(srv, &rl);
    test_orders();
    test_wrong_secret(srv);
    test_bad_request(srv);
    test_broken_hq(impostor);
    test_server_entry(srv);
    test_http(srv);
    test_http_parse();
    test_template_parser();

    rk_cmp_server_stats stats;
    rk_cmp_server_get_stats(&stats, srv);
    fprintf(stderr, "server: %ld requests, %ld issued, %ld confirmed, %ld rejected, %ld revoked\n",
            stats.requests, stats.issued, stats.confirmed, stats.rejected, stats.revoked);
    CHECK_INT(stats.issued, 7);    /* ir, two p10cr, kur, ir to revoke, entry ir, ir over HTTP */
    CHECK_INT(stats.confirmed, 6); /* the entry's ir waits for a certConf it never sends */
    CHECK_INT(stats.revoked, 2);

    X509_free(issued_ir);
    X509_free(renewed);
    EVP_PKEY_free(key_ir);
    EVP_PKEY_free(key_renewed);
    ASN1_INTEGER_free(rl.last_serial);
    rk_cmp_server_free(srv);
    rk_cmp_server_free(impostor);
    X509_free(ca_cert);
    X509_free(other_ca);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(other_key);
    return rk_test_done();
}
