/*
 * HQ's CA certificates: roots from the configuration, candidates that count
 * only once they chain to a root (see catrust.h).
 */
#include "ca/catrust.h"

#include "ca/subca.h"
#include "util/err.h"
#include "util/pem.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SM2_ID "1234567812345678"

struct rk_catrust {
    STACK_OF(X509) * roots;
    STACK_OF(X509) * candidates;
};

int rk_catrust_new(rk_catrust **out)
{
    rk_catrust *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t || !(t->roots = sk_X509_new_null()) || !(t->candidates = sk_X509_new_null())) {
        rk_catrust_free(t);
        return rk_err_oom();
    }
    *out = t;
    return 0;
}

void rk_catrust_free(rk_catrust *t)
{
    if (!t) return;
    sk_X509_pop_free(t->roots, X509_free);
    sk_X509_pop_free(t->candidates, X509_free);
    free(t);
}

int rk_catrust_add(rk_catrust *t, X509 *cert, int root)
{
    if (root && X509_self_signed(cert, 0) != 1) {
        char name[256];
        rk_subca_name_text(name, sizeof name, X509_get_subject_name(cert));
        ERR_clear_error();
        return rk_err_set(RK_EINVAL, "%s is not a self-signed root certificate", name);
    }
    X509 *c = X509_dup(cert);
    if (!c) return rk_err_oom();
    if (X509_get_signature_nid(c) == NID_SM2_with_SM3) {
        ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
        if (!id || !ASN1_OCTET_STRING_set(id, (const unsigned char *)SM2_ID, strlen(SM2_ID))) {
            ASN1_OCTET_STRING_free(id);
            X509_free(c);
            return rk_err_oom();
        }
        X509_set0_distinguishing_id(c, id);
    }
    if (!sk_X509_push(root ? t->roots : t->candidates, c)) {
        X509_free(c);
        return rk_err_oom();
    }
    return 0;
}

int rk_catrust_add_file(rk_catrust *t, const char *path, int roots, const char *what)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    if (!sk) return rk_err_oom();
    int rc = rk_pem_certs_file(sk, path);
    if (rc) rk_err_wrap(rc, "%s", what);
    for (int i = 0; !rc && i < sk_X509_num(sk); i++) {
        X509 *x = sk_X509_value(sk, i);
        rc = rk_catrust_add(t, x, roots && X509_self_signed(x, 0) == 1);
    }
    sk_X509_pop_free(sk, X509_free);
    return rc;
}

int rk_catrust_load_conf(rk_catrust **out, const rk_conf *conf)
{
    int rc;
    *out = NULL;
    if (!conf->hq_ca_certs[0])
        return rk_err_set(RK_ECONF,
                          "HQ's CA certificates are not configured: set ca_certs under [hq] in "
                          "%s to a PEM file holding HQ's root and intermediate CA certificates "
                          "(a path relative to the data folder; the demo branch uses "
                          "ca/root.pem, which `ractl ca init` writes)",
                          conf->path);
    rk_catrust *t;
    if ((rc = rk_catrust_new(&t))) return rc;
    if ((rc = rk_catrust_add_file(t, conf->hq_ca_certs, 1,
                                  "HQ's CA certificates ([hq] ca_certs)"))) {
        rk_catrust_free(t);
        if (rc == RK_ENOTFOUND)
            rk_err_wrap(rc,
                        "%s: [hq] ca_certs names a file that is missing (on the demo "
                        "branch `ractl ca init` makes it)",
                        conf->path);
        return rc;
    }
    if (sk_X509_num(t->roots) == 0) {
        rk_catrust_free(t);
        return rk_err_set(RK_EFORMAT,
                          "%s ([hq] ca_certs) holds no self-signed root certificate: it must "
                          "hold HQ's root",
                          conf->hq_ca_certs);
    }
    *out = t;
    return 0;
}

int rk_catrust_load_branch(rk_catrust **out, const rk_conf *conf, const char *const *extra,
                           int nextra)
{
    rk_catrust *t;
    char sub[PATH_MAX + 16];
    int rc;
    *out = NULL;
    if ((rc = rk_catrust_load_conf(&t, conf))) return rc;
    snprintf(sub, sizeof sub, "%s/ca/subca.pem", conf->data_dir);
    if (access(sub, F_OK) == 0 && (rc = rk_catrust_add_file(t, sub, 0, "the sub-CA certificate")))
        goto fail;
    for (int i = 0; i < nextra; i++)
        if ((rc = rk_catrust_add_file(t, extra[i], 0, "the CA certificate"))) goto fail;
    *out = t;
    return 0;
fail:
    rk_catrust_free(t);
    return rc;
}

void rk_catrust_count(int *roots, int *candidates, const rk_catrust *t)
{
    *roots = sk_X509_num(t->roots);
    *candidates = sk_X509_num(t->candidates);
}

/* 0 if the root's validity period holds at now. */
static int current(X509 *c, int64_t now, char *why, size_t n)
{
    time_t tt = (time_t)now;
    if (X509_cmp_time(X509_get0_notBefore(c), &tt) > 0) {
        snprintf(why, n, "the root of that name is not yet valid");
        return -1;
    }
    if (X509_cmp_time(X509_get0_notAfter(c), &tt) < 0) {
        snprintf(why, n, "the root of that name has expired");
        return -1;
    }
    return 0;
}

/* 0 if c is a root, or chains to one through the candidates, at now. */
static int chains(const rk_catrust *t, X509 *c, int is_root, int64_t now, char *why, size_t n)
{
    if (is_root) return current(c, now, why, n);
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = store && ctx;
    for (int i = 0; ok && i < sk_X509_num(t->roots); i++)
        ok = X509_STORE_add_cert(store, sk_X509_value(t->roots, i));
    if (ok) ok = X509_STORE_CTX_init(ctx, store, c, t->candidates);
    if (!ok) {
        snprintf(why, n, "out of memory");
    } else {
        X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)now);
        if (X509_verify_cert(ctx) != 1) {
            snprintf(why, n,
                     "a certificate of that name does not chain to a configured root of HQ "
                     "([hq] ca_certs): %s",
                     X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
            ok = 0;
        }
    }
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    ERR_clear_error();
    return ok ? 0 : -1;
}

/* 0 if c may sign CRLs: with cRLSign when it states key usage, and a CA
 * unless it is a configured root (a trust anchor is trusted as configured,
 * as OpenSSL treats it; a certificate under it must say it is a CA, so an
 * end-entity certificate that carries a CA's name never signs CRLs). */
static int crl_signer(X509 *c, int is_root, char *why, size_t n)
{
    if (!is_root && X509_check_ca(c) < 1) {
        snprintf(why, n, "a certificate of that name is not a CA certificate");
        return -1;
    }
    if ((X509_get_extension_flags(c) & EXFLAG_KUSAGE) && !(X509_get_key_usage(c) & KU_CRL_SIGN)) {
        snprintf(why, n, "a certificate of that name may not sign CRLs (no cRLSign key usage)");
        return -1;
    }
    return 0;
}

static int same_name(X509 *c, const unsigned char *der, size_t len)
{
    unsigned char *d = NULL;
    int l = i2d_X509_NAME(X509_get_subject_name(c), &d);
    int same = l > 0 && (size_t)l == len && !memcmp(d, der, len);
    OPENSSL_free(d);
    return same;
}

static int key_id_fits(X509 *c, const unsigned char *akid, size_t akid_len)
{
    const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(c);
    if (!akid || !skid) return 1;
    return (size_t)ASN1_STRING_length(skid) == akid_len &&
           !memcmp(ASN1_STRING_get0_data(skid), akid, akid_len);
}

/* Appends reason to why ("; and " between), once. */
static void add_reason(char *why, size_t n, const char *reason)
{
    size_t l = strlen(why);
    if (strstr(why, reason) || l + 8 >= n) return;
    snprintf(why + l, n - l, "%s%s", l ? "; and " : "", reason);
}

int rk_catrust_find_issuer(X509 **out, const rk_catrust *t, const unsigned char *name_der,
                           size_t name_len, const unsigned char *akid, size_t akid_len, int64_t now,
                           rk_catrust_accept_fn accept, void *arg)
{
    char why[512] = "", name[256] = "?";
    int seen = 0, code = RK_EVERIFY;
    *out = NULL;
    {
        const unsigned char *p = name_der;
        X509_NAME *nm = d2i_X509_NAME(NULL, &p, (long)name_len);
        if (nm) rk_subca_name_text(name, sizeof name, nm);
        X509_NAME_free(nm);
        ERR_clear_error();
    }
    for (int pass = 0; pass < 2; pass++) {
        STACK_OF(X509) *sk = pass == 0 ? t->roots : t->candidates;
        for (int i = 0; i < sk_X509_num(sk); i++) {
            X509 *c = sk_X509_value(sk, i);
            if (!same_name(c, name_der, name_len) || !key_id_fits(c, akid, akid_len)) continue;
            char w[400];
            seen++;
            if (chains(t, c, pass == 0, now, w, sizeof w) ||
                crl_signer(c, pass == 0, w, sizeof w)) {
                add_reason(why, sizeof why, w);
                continue;
            }
            if (accept) {
                int rc = accept(arg, c);
                if (rc) {
                    snprintf(w, sizeof w, "%s", rk_err_msg());
                    add_reason(why, sizeof why, w);
                    code = rc;
                    continue;
                }
            }
            *out = c;
            rk_err_clear();
            return 0;
        }
    }
    if (!seen)
        return rk_err_set(RK_ENOTFOUND,
                          "%s is not a configured CA: HQ's CA certificates ([hq] ca_certs) and "
                          "the branch's sub-CA hold no certificate of that name",
                          name);
    return rk_err_set(code, "the issuer %s is not trusted: %s", name, why);
}
