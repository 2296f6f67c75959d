/*
 * The CMP client: one OSSL_CMP_CTX per operation, a transfer wrapper that
 * reports progress and notes transport failures, a certificate check before
 * confirming (key match and chain to the trusted CAs), and the mapping of
 * OpenSSL's CMP failures to RK_E* codes with readable sentences.
 */
#define _GNU_SOURCE /* strcasestr */
#include "ca/cmp_client.h"

#include "util/err.h"
#include "util/spki.h"
#include "util/log.h"

#include <openssl/cmperr.h>
#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/httperr.h>
#include <openssl/pem.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct xfer {
    const rk_cmp_client_opts *o;
    rk_progress_track pt;
    int expected;           /* exchanges the operation needs (for its percent) */
    int cancelled;          /* the progress callback stopped a transfer */
    int exchange;           /* messages sent so far */
    int transport_failed;   /* the last transfer got no CMP message back */
    EVP_PKEY *expected_key; /* the public key the new certificate must carry */
    char refused[200];      /* why we refused HQ's certificate, if we did */
    X509_STORE *anchors;    /* the configured trust only: OpenSSL adds caPubs of a
                               PBM-protected ip to the context's store, and an
                               impostor knowing the secret must not plant a CA */
} xfer;

/* Reports a step of the current exchange: at of 100 within it. */
static int progress(xfer *x, const char *step, const char *text, int at)
{
    int n = x->expected > 0 ? x->expected : 1;
    int pct = ((x->exchange > 0 ? x->exchange - 1 : 0) * 100 + at) / n;
    return rk_progress_tell(&x->pt, &(rk_progress){.step = step,
                                                   .text = text,
                                                   .done = x->exchange,
                                                   .total = x->expected,
                                                   .percent = pct > 99 ? 99 : pct});
}

static OSSL_CMP_MSG *transfer(OSSL_CMP_CTX *ctx, const OSSL_CMP_MSG *req)
{
    xfer *x = OSSL_CMP_CTX_get_transfer_cb_arg(ctx);
    OSSL_CMP_MSG *rsp;

    x->exchange++;
    /* A cancel stops the operation before this message leaves (for a
     * certificate, before HQ gets our confirmation: unconfirmed, it is
     * not accepted). */
    if (progress(x, "connect", "contacting HQ", 0) || progress(x, "send", "sending", 5) ||
        progress(x, "wait", "waiting for HQ's answer", 10)) {
        x->cancelled = 1;
        return NULL;
    }
    if (x->o->transfer) {
        /* The in-process callback expects its own argument on the context
         * (OSSL_CMP_CTX_server_perform reads the server context there). */
        OSSL_CMP_CTX_set_transfer_cb_arg(ctx, x->o->transfer_arg);
        rsp = x->o->transfer(ctx, req);
        OSSL_CMP_CTX_set_transfer_cb_arg(ctx, x);
    } else {
        rsp = OSSL_CMP_MSG_http_perform(ctx, req);
    }
    x->transport_failed = rsp == NULL;
    if (rsp && progress(x, "receive", "answer received", 90)) {
        x->cancelled = 1;
        OSSL_CMP_MSG_free(rsp);
        return NULL;
    }
    return rsp;
}

/* Checks the certificate HQ returned before it is confirmed: it must carry
 * the requested key and chain to a trusted certificate. A non-zero failure
 * makes OpenSSL send a rejecting certConf, so HQ learns of it too. */
static int certconf_cb(OSSL_CMP_CTX *ctx, X509 *cert, int fail_info, const char **txt)
{
    xfer *x = OSSL_CMP_CTX_get_certConf_cb_arg(ctx);
    if (fail_info != 0) { /* OpenSSL's own checks refused it already */
        snprintf(x->refused, sizeof x->refused, "the certificate HQ returned does not fit: %s",
                 *txt ? *txt : "it does not match the request");
        return fail_info;
    }
    if (x->expected_key && EVP_PKEY_eq(X509_get0_pubkey(cert), x->expected_key) != 1) {
        snprintf(x->refused, sizeof x->refused,
                 "the certificate HQ returned is for another public key");
        *txt = x->refused;
        return 1 << OSSL_CMP_PKIFAILUREINFO_incorrectData;
    }
    STACK_OF(X509) *untrusted = OSSL_CMP_CTX_get1_extraCertsIn(ctx);
    STACK_OF(X509) *chain = OSSL_CMP_CTX_get1_newChain(ctx);
    if (!untrusted) untrusted = sk_X509_new_null();
    for (int i = 0; chain && untrusted && i < sk_X509_num(chain); i++) {
        X509 *c = sk_X509_value(chain, i);
        if (X509_up_ref(c) && !sk_X509_push(untrusted, c)) X509_free(c);
    }
    sk_X509_pop_free(chain, X509_free);
    X509_STORE_CTX *vc = X509_STORE_CTX_new();
    int ok =
        vc && X509_STORE_CTX_init(vc, x->anchors, cert, untrusted) && X509_verify_cert(vc) == 1;
    if (!ok) {
        int e = vc ? X509_STORE_CTX_get_error(vc) : X509_V_ERR_OUT_OF_MEM;
        snprintf(x->refused, sizeof x->refused,
                 "the certificate HQ returned does not chain to a trusted CA (%s)",
                 X509_verify_cert_error_string(e));
        *txt = x->refused;
    }
    X509_STORE_CTX_free(vc);
    sk_X509_pop_free(untrusted, X509_free);
    ERR_clear_error();
    return ok ? 0 : 1 << OSSL_CMP_PKIFAILUREINFO_incorrectData;
}

static int log_cb(const char *func, const char *file, int line, OSSL_CMP_severity level,
                  const char *msg)
{
    (void)func;
    (void)file;
    (void)line;
    rk_log(level <= OSSL_CMP_LOG_WARNING ? RK_LOG_INFO : RK_LOG_DEBUG, "cmp client: %s", msg);
    return 1;
}

static int ossl_oom_or(int code, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char detail[160];
    ERR_error_string_n(e, detail, sizeof detail);
    ERR_clear_error();
    return rk_err_set(code, "CMP client: %s%s%s", what, e ? ": " : "", e ? detail : "");
}

int rk_cmp_parse_name(X509_NAME **out, const char *text)
{
    *out = NULL;
    if (!text || text[0] != '/')
        return rk_err_set(RK_EINVAL, "a subject must look like /CN=name/O=organisation");
    X509_NAME *n = X509_NAME_new();
    char *copy = strdup(text);
    if (!n || !copy) {
        X509_NAME_free(n);
        free(copy);
        return rk_err_oom();
    }
    char *save = NULL;
    int rc = 0;
    for (char *part = strtok_r(copy + 1, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
        char *eq = strchr(part, '=');
        if (!eq || eq == part || !eq[1]) {
            rc = rk_err_set(RK_EINVAL, "subject part '%s' is not TYPE=value", part);
            break;
        }
        *eq = '\0';
        if (!X509_NAME_add_entry_by_txt(n, part, MBSTRING_UTF8, (unsigned char *)eq + 1, -1, -1,
                                        0)) {
            ERR_clear_error();
            rc = rk_err_set(RK_EINVAL, "unknown subject attribute '%s'", part);
            break;
        }
    }
    free(copy);
    if (rc == 0 && X509_NAME_entry_count(n) == 0) rc = rk_err_set(RK_EINVAL, "empty subject");
    if (rc) {
        X509_NAME_free(n);
        return rc;
    }
    *out = n;
    return 0;
}

/* Builds a store of the configured trusted certificates. */
static int load_store(X509_STORE **out, const rk_cmp_client_opts *o)
{
    X509_STORE *store = X509_STORE_new();
    *out = NULL;
    if (!store) return rk_err_oom();
    if (o->trusted_file) {
        FILE *f = fopen(o->trusted_file, "r");
        if (!f) {
            X509_STORE_free(store);
            return rk_err_set(RK_ENOTFOUND, "CMP client: cannot read the trusted certificates %s",
                              o->trusted_file);
        }
        fclose(f);
        if (!X509_STORE_load_file(store, o->trusted_file)) {
            ERR_clear_error();
            X509_STORE_free(store);
            return rk_err_set(RK_EFORMAT, "CMP client: %s holds no PEM certificate",
                              o->trusted_file);
        }
    }
    for (int i = 0; i < o->n_trusted; i++)
        if (o->trusted[i] && !X509_STORE_add_cert(store, o->trusted[i])) {
            X509_STORE_free(store);
            return ossl_oom_or(RK_ECRYPTO, "a trusted certificate was refused");
        }
    *out = store;
    return 0;
}

/* Builds a client context from the options; *x must outlive it. */
static int setup(OSSL_CMP_CTX **out, xfer *x, const rk_cmp_client_opts *o, int need_auth)
{
    OSSL_CMP_CTX *ctx = NULL;
    X509_STORE *store = NULL;
    char *host = NULL, *port = NULL, *path = NULL;
    int ssl = 0, rc;

    *out = NULL;
    memset(x, 0, sizeof *x);
    x->o = o;
    rk_progress_start(&x->pt, o->progress, o->progress_arg, RK_OP_CMP, 0);
    x->expected = 2; /* a request and its confirmation; rr sets 1 */
    if (!o->transfer && (!o->url || !*o->url))
        return rk_err_set(RK_EINVAL, "CMP client: no server URL");
    if (!o->trusted_file && o->n_trusted == 0)
        return rk_err_set(RK_EINVAL, "CMP client: no trusted CA certificate is configured");
    if (need_auth && !o->secret && !(o->cert && o->key))
        return rk_err_set(RK_EINVAL,
                          "CMP client: neither a shared secret nor a client certificate and key");
    if (o->cert && o->key && X509_check_private_key(o->cert, o->key) != 1) {
        ERR_clear_error();
        return rk_err_set(RK_EINVAL, "CMP client: the key does not belong to the client "
                                     "certificate");
    }
    if (o->secret && (!o->ref || !*o->ref))
        return rk_err_set(RK_EINVAL, "CMP client: the shared secret needs its reference");

    if (!(ctx = OSSL_CMP_CTX_new(NULL, NULL))) return ossl_oom_or(RK_ENOMEM, "no context");
    OSSL_CMP_CTX_set_log_cb(ctx, log_cb);
    if ((rc = load_store(&store, o)) != 0 || (rc = load_store(&x->anchors, o)) != 0) goto fail;
    if (!OSSL_CMP_CTX_set0_trustedStore(ctx, store)) goto oom;
    store = NULL;

    if (o->transfer) {
        if (!OSSL_CMP_CTX_set_transfer_cb(ctx, transfer)) goto oom;
    } else {
        if (!OSSL_HTTP_parse_url(o->url, &ssl, NULL, &host, &port, NULL, &path, NULL, NULL)) {
            ERR_clear_error();
            rc = rk_err_set(RK_EINVAL, "CMP client: '%s' is not an http:// URL", o->url);
            goto fail;
        }
        if (ssl) {
            rc = rk_err_set(RK_EINVAL, "CMP client: https is not supported yet (%s)", o->url);
            goto fail;
        }
        if (!OSSL_CMP_CTX_set1_server(ctx, host) || !OSSL_CMP_CTX_set_serverPort(ctx, atoi(port)) ||
            !OSSL_CMP_CTX_set1_serverPath(ctx, path) ||
            !OSSL_CMP_CTX_set_transfer_cb(ctx, transfer))
            goto oom;
    }
    if (!OSSL_CMP_CTX_set_transfer_cb_arg(ctx, x) ||
        !OSSL_CMP_CTX_set_certConf_cb(ctx, certconf_cb) ||
        !OSSL_CMP_CTX_set_certConf_cb_arg(ctx, x) ||
        !OSSL_CMP_CTX_set_option(ctx, OSSL_CMP_OPT_MSG_TIMEOUT,
                                 o->timeout_s > 0 ? o->timeout_s : 30) ||
        !OSSL_CMP_CTX_set_option(ctx, OSSL_CMP_OPT_TOTAL_TIMEOUT,
                                 o->total_timeout_s > 0 ? o->total_timeout_s : 120) ||
        !OSSL_CMP_CTX_set_option(ctx, OSSL_CMP_OPT_UNPROTECTED_ERRORS, 1))
        goto oom;
    if (o->cert && o->key &&
        (!OSSL_CMP_CTX_set1_cert(ctx, o->cert) || !OSSL_CMP_CTX_set1_pkey(ctx, o->key)))
        goto oom;
    if (o->secret && (!OSSL_CMP_CTX_set1_referenceValue(ctx, (const unsigned char *)o->ref,
                                                        (int)strlen(o->ref)) ||
                      !OSSL_CMP_CTX_set1_secretValue(ctx, o->secret, (int)o->secret_len)))
        goto oom;
    OPENSSL_free(host);
    OPENSSL_free(port);
    OPENSSL_free(path);
    *out = ctx;
    return 0;
oom:
    rc = ossl_oom_or(RK_ECRYPTO, "setup refused");
fail:
    OPENSSL_free(host);
    OPENSSL_free(port);
    OPENSSL_free(path);
    X509_STORE_free(store);
    X509_STORE_free(x->anchors);
    x->anchors = NULL;
    OSSL_CMP_CTX_free(ctx);
    return rc;
}

/* Frees what setup() made. */
static void teardown(OSSL_CMP_CTX *ctx, xfer *x)
{
    OSSL_CMP_CTX_free(ctx);
    X509_STORE_free(x->anchors);
    x->anchors = NULL;
}

/* Collects OpenSSL's error queue into text and notes what kinds of errors
 * it holds. */
typedef struct errinfo {
    char text[400];
    int asn1, http, timeout, validation, http_status, connect;
} errinfo;

static void collect_errors(errinfo *ei)
{
    const char *data, *func, *file;
    int line, flags;
    unsigned long e;
    size_t used = 0;

    memset(ei, 0, sizeof *ei);
    while ((e = ERR_get_error_all(&file, &line, &func, &data, &flags)) != 0) {
        int lib = ERR_GET_LIB(e), reason = ERR_GET_REASON(e);
        const char *rs = ERR_reason_error_string(e);
        if (lib == ERR_LIB_ASN1) ei->asn1 = 1;
        if (lib == ERR_LIB_HTTP || lib == ERR_LIB_BIO || lib == ERR_LIB_SYS) ei->http = 1;
        if ((lib == ERR_LIB_CMP && reason == CMP_R_TOTAL_TIMEOUT) ||
            (lib == ERR_LIB_HTTP && reason == HTTP_R_RETRY_TIMEOUT) ||
            (rs && strstr(rs, "timeout")))
            ei->timeout = 1;
        if (lib == ERR_LIB_HTTP && reason == HTTP_R_RECEIVED_ERROR) ei->http_status = 1;
        if (rs && strstr(rs, "connect")) ei->connect = 1;
        if (lib == ERR_LIB_CMP &&
            (reason == CMP_R_ERROR_VALIDATING_PROTECTION ||
             reason == CMP_R_ERROR_VALIDATING_SIGNATURE ||
             reason == CMP_R_NO_SUITABLE_SENDER_CERT || reason == CMP_R_MISSING_PROTECTION ||
             reason == CMP_R_WRONG_PBM_VALUE || reason == CMP_R_MISSING_TRUST_ANCHOR ||
             reason == CMP_R_WRONG_ALGORITHM_OID || reason == CMP_R_TRANSACTIONID_UNMATCHED ||
             reason == CMP_R_RECIPNONCE_UNMATCHED || reason == CMP_R_MISSING_TRUST_STORE))
            ei->validation = 1;
        if (used < sizeof ei->text - 1) {
            int n =
                snprintf(ei->text + used, sizeof ei->text - used, "%s%s%s%s%s", used ? "; " : "",
                         rs ? rs : "error", (flags & ERR_TXT_STRING) && data && *data ? " (" : "",
                         (flags & ERR_TXT_STRING) && data && *data ? data : "",
                         (flags & ERR_TXT_STRING) && data && *data ? ")" : "");
            if (n > 0) used += (size_t)n;
        }
    }
    if (used >= sizeof ei->text) ei->text[sizeof ei->text - 1] = '\0';
}

static int has_auth_failure(int failinfo, const char *status_text)
{
    int bits = (1 << OSSL_CMP_PKIFAILUREINFO_badMessageCheck) |
               (1 << OSSL_CMP_PKIFAILUREINFO_wrongIntegrity) |
               (1 << OSSL_CMP_PKIFAILUREINFO_notAuthorized) |
               (1 << OSSL_CMP_PKIFAILUREINFO_signerNotTrusted);
    if (failinfo > 0 && (failinfo & bits)) return 1;
    return status_text && (strcasestr(status_text, "protection") ||
                           strcasestr(status_text, "PBM") || strcasestr(status_text, "signature"));
}

/* Turns a failed operation into an RK_E* code and message. */
static int map_failure(OSSL_CMP_CTX *ctx, xfer *x, const char *op)
{
    errinfo ei;
    char status[OSSL_CMP_PKISI_BUFLEN];
    int st = OSSL_CMP_CTX_get_status(ctx);
    int failinfo = OSSL_CMP_CTX_get_failInfoCode(ctx);

    collect_errors(&ei);
    status[0] = '\0';
    if (st >= 0 && !OSSL_CMP_CTX_snprint_PKIStatus(ctx, status, sizeof status)) status[0] = '\0';
    const char *where = x->o->url ? x->o->url : "the in-process server";

    if (x->cancelled) {
        ERR_clear_error();
        return rk_err_set(RK_ECANCELED, "%s cancelled before message %d went to HQ", op,
                          x->exchange);
    }
    if (x->refused[0]) return rk_err_set(RK_EVERIFY, "%s refused: %s", op, x->refused);
    if (x->transport_failed) {
        if (ei.connect)
            return rk_err_set(RK_EIO, "%s: cannot connect to HQ at %s (%s)", op, where, ei.text);
        if (ei.timeout)
            return rk_err_set(RK_ETIMEOUT, "%s: HQ at %s did not answer in time (%s)", op, where,
                              ei.text);
        if (ei.asn1)
            return rk_err_set(RK_EFORMAT,
                              "%s: HQ at %s answered with something that is not a CMP "
                              "message (%s)",
                              op, where, ei.text);
        if (ei.http_status)
            return rk_err_set(RK_EIO, "%s: HQ at %s answered with an HTTP error (%s)", op, where,
                              ei.text);
        return rk_err_set(RK_EIO, "%s: cannot exchange messages with HQ at %s (%s)", op, where,
                          *ei.text ? ei.text : "no answer");
    }
    if (st == OSSL_CMP_PKISTATUS_rejection) {
        const char *txt = status;
        if (has_auth_failure(failinfo, txt))
            return rk_err_set(RK_EAUTH,
                              "%s: HQ refused our credentials (wrong reference or "
                              "secret, or an untrusted certificate): %s",
                              op, txt);
        return rk_err_set(RK_EPERM, "%s: HQ rejected the request: %s", op, txt);
    }
    if (ei.timeout) return rk_err_set(RK_ETIMEOUT, "%s: HQ did not answer in time", op);
    if (ei.asn1) return rk_err_set(RK_EFORMAT, "%s: HQ's answer is malformed (%s)", op, ei.text);
    if (ei.validation)
        return rk_err_set(RK_EVERIFY, "%s: HQ's answer could not be verified (%s)", op, ei.text);
    if (st >= 0 && status[0])
        return rk_err_set(RK_EPERM, "%s: HQ did not grant the request: %s", op, status);
    return rk_err_set(RK_EVERIFY, "%s: HQ's answer was refused (%s)", op,
                      *ei.text ? ei.text : "unknown reason");
}

/* Runs a certificate request of type on a prepared context. */
static int run_certreq(X509 **out, OSSL_CMP_CTX *ctx, xfer *x, int type, const char *op)
{
    ERR_clear_error();
    X509 *cert = OSSL_CMP_exec_certreq(ctx, type, NULL);
    if (!cert) return map_failure(ctx, x, op);
    if (!X509_up_ref(cert)) return ossl_oom_or(RK_ENOMEM, "out of memory");
    ERR_clear_error();
    rk_progress_note(&x->pt, &(rk_progress){.step = "done",
                                            .text = "certificate received",
                                            .done = x->exchange,
                                            .total = x->expected,
                                            .percent = 100});
    *out = cert;
    return 0;
}

int rk_cmp_client_ir(X509 **out, const rk_cmp_client_opts *o, EVP_PKEY *newkey, const char *subject)
{
    OSSL_CMP_CTX *ctx;
    X509_NAME *name = NULL;
    xfer x;
    int rc;

    *out = NULL;
    if (!newkey) return rk_err_set(RK_EINVAL, "CMP ir: no key to certify");
    if ((rc = rk_cmp_parse_name(&name, subject)) != 0) return rc;
    if ((rc = setup(&ctx, &x, o, 1)) != 0) {
        X509_NAME_free(name);
        return rc;
    }
    x.expected_key = newkey;
    if (!EVP_PKEY_up_ref(newkey))
        rc = ossl_oom_or(RK_ENOMEM, "out of memory");
    else if (!OSSL_CMP_CTX_set0_newPkey(ctx, 1, newkey)) {
        EVP_PKEY_free(newkey);
        rc = ossl_oom_or(RK_ECRYPTO, "the new key was refused");
    } else if (!OSSL_CMP_CTX_set1_subjectName(ctx, name))
        rc = ossl_oom_or(RK_ECRYPTO, "the subject was refused");
    else
        rc = run_certreq(out, ctx, &x, OSSL_CMP_IR, "certificate request (ir)");
    X509_NAME_free(name);
    teardown(ctx, &x);
    return rc;
}

int rk_cmp_client_p10cr(X509 **out, const rk_cmp_client_opts *o, X509_REQ *csr)
{
    OSSL_CMP_CTX *ctx;
    xfer x;
    int rc;

    *out = NULL;
    if (!csr) return rk_err_set(RK_EINVAL, "CMP p10cr: no CSR");
    if ((rc = setup(&ctx, &x, o, 1)) != 0) return rc;
    /* (a CSR made on a key carries its public key undecoded) */
    EVP_PKEY *key = NULL;
    if (rk_spki_pkey(&key, X509_REQ_get_X509_PUBKEY(csr)) != 0)
        rc = rk_err_set(RK_EINVAL, "CMP p10cr: the CSR's public key cannot be decoded");
    else if (!OSSL_CMP_CTX_set1_p10CSR(ctx, csr))
        rc = ossl_oom_or(RK_ECRYPTO, "the CSR was refused");
    else {
        x.expected_key = key;
        rc = run_certreq(out, ctx, &x, OSSL_CMP_P10CR, "certificate request (p10cr)");
    }
    ERR_clear_error();
    teardown(ctx, &x);
    EVP_PKEY_free(key);
    return rc;
}

int rk_cmp_client_kur(X509 **out, const rk_cmp_client_opts *o, X509 *old_cert, EVP_PKEY *old_key,
                      EVP_PKEY *newkey)
{
    OSSL_CMP_CTX *ctx;
    rk_cmp_client_opts ko;
    xfer x;
    int rc;

    *out = NULL;
    if (!old_cert || !old_key || !newkey)
        return rk_err_set(RK_EINVAL, "CMP kur: the old certificate, its key and a new key are "
                                     "needed");
    /* Key update is authenticated by the certificate being renewed. */
    ko = *o;
    ko.cert = old_cert;
    ko.key = old_key;
    ko.ref = NULL;
    ko.secret = NULL;
    ko.secret_len = 0;
    if ((rc = setup(&ctx, &x, &ko, 1)) != 0) return rc;
    x.expected_key = newkey;
    if (!EVP_PKEY_up_ref(newkey))
        rc = ossl_oom_or(RK_ENOMEM, "out of memory");
    else if (!OSSL_CMP_CTX_set0_newPkey(ctx, 1, newkey)) {
        EVP_PKEY_free(newkey);
        rc = ossl_oom_or(RK_ECRYPTO, "the new key was refused");
    } else if (!OSSL_CMP_CTX_set1_oldCert(ctx, old_cert))
        rc = ossl_oom_or(RK_ECRYPTO, "the old certificate was refused");
    else
        rc = run_certreq(out, ctx, &x, OSSL_CMP_KUR, "key update (kur)");
    teardown(ctx, &x);
    return rc;
}

int rk_cmp_client_rr(const rk_cmp_client_opts *o, X509 *cert, int reason)
{
    OSSL_CMP_CTX *ctx;
    xfer x;
    int rc;

    if (!cert) return rk_err_set(RK_EINVAL, "CMP rr: no certificate to revoke");
    if (reason < -1 || reason > 10 || reason == 7)
        return rk_err_set(RK_EINVAL, "CMP rr: %d is not a CRL reason code", reason);
    if ((rc = setup(&ctx, &x, o, 1)) != 0) return rc;
    x.expected = 1;
    if (!OSSL_CMP_CTX_set1_oldCert(ctx, cert) ||
        !OSSL_CMP_CTX_set_option(ctx, OSSL_CMP_OPT_REVOCATION_REASON, reason)) {
        rc = ossl_oom_or(RK_ECRYPTO, "the revocation request was refused");
    } else {
        ERR_clear_error();
        if (OSSL_CMP_exec_RR_ses(ctx) == 1) {
            ERR_clear_error();
            rk_progress_note(&x.pt, &(rk_progress){.step = "done",
                                                   .text = "revocation confirmed",
                                                   .done = x.exchange,
                                                   .total = x.expected,
                                                   .percent = 100});
            rc = 0;
        } else {
            rc = map_failure(ctx, &x, "revocation request (rr)");
        }
    }
    teardown(ctx, &x);
    return rc;
}
