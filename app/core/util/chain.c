/*
 * Certificate chains checked against CA certificates checked once (see
 * chain.h).
 */
#include "util/chain.h"

#include "util/err.h"

#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdlib.h>

struct rk_chain {
    pthread_mutex_t lock;
    STACK_OF(X509) * good; /* the CA certificates last found good (held) */
};

int rk_chain_new(rk_chain **out)
{
    rk_chain *c = calloc(1, sizeof *c);
    *out = c;
    if (!c) return rk_err_oom();
    pthread_mutex_init(&c->lock, NULL);
    return 0;
}

void rk_chain_free(rk_chain *c)
{
    if (!c) return;
    sk_X509_pop_free(c->good, X509_free);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* The same certificates (by content: X509_cmp compares cached hashes). */
static int same_certs(STACK_OF(X509) * a, STACK_OF(X509) * b)
{
    if (!a || sk_X509_num(a) != sk_X509_num(b)) return 0;
    for (int i = 0; i < sk_X509_num(a); i++)
        if (X509_cmp(sk_X509_value(a, i), sk_X509_value(b, i)) != 0) return 0;
    return 1;
}

/* X509_verify_cert of x, at now, against trusted (a store or a stack). */
static int verify(X509 *x, X509_STORE *store, STACK_OF(X509) * trusted, int partial, int64_t now,
                  const char *what, const char *failed)
{
    X509_STORE_CTX *sctx = X509_STORE_CTX_new();
    int rc = 0;
    if (!sctx || !X509_STORE_CTX_init(sctx, store, x, NULL)) {
        rc = rk_err_oom();
    } else {
        if (trusted) X509_STORE_CTX_set0_trusted_stack(sctx, trusted);
        X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(sctx);
        X509_VERIFY_PARAM_set_time(param, (time_t)now);
        if (partial) X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
        if (X509_verify_cert(sctx) != 1)
            rc = rk_err_set(RK_EVERIFY, "%s %s: %s", what, failed,
                            X509_verify_cert_error_string(X509_STORE_CTX_get_error(sctx)));
    }
    X509_STORE_CTX_free(sctx);
    return rc;
}

/* Every certificate of cas that is not self-signed chains to a
 * self-signed one among them. */
static int check_cas(STACK_OF(X509) * cas, int64_t now)
{
    X509_STORE *store = X509_STORE_new();
    int rc = store ? 0 : rk_err_oom();
    for (int i = 0; !rc && i < sk_X509_num(cas); i++)
        if (!X509_STORE_add_cert(store, sk_X509_value(cas, i))) rc = rk_err_oom();
    for (int i = 0; !rc && i < sk_X509_num(cas); i++) {
        X509 *ca = sk_X509_value(cas, i);
        if (X509_self_signed(ca, 0) != 1)
            rc = verify(ca, store, NULL, 0, now, "a CA certificate", "does not chain to its root");
    }
    X509_STORE_free(store);
    return rc;
}

/* The validity periods of cas hold at now. */
static int cas_current(STACK_OF(X509) * cas, int64_t now)
{
    time_t t = (time_t)now;
    char name[256];
    for (int i = 0; i < sk_X509_num(cas); i++) {
        X509 *ca = sk_X509_value(cas, i);
        int early = X509_cmp_time(X509_get0_notBefore(ca), &t) > 0;
        if (!early && X509_cmp_time(X509_get0_notAfter(ca), &t) >= 0) continue;
        if (!X509_NAME_oneline(X509_get_subject_name(ca), name, sizeof name)) name[0] = '\0';
        return rk_err_set(RK_EVERIFY, "the CA certificate %s %s", name,
                          early ? "is not yet valid" : "has expired");
    }
    return 0;
}

int rk_chain_check(rk_chain *c, X509 *cert, const char *what, STACK_OF(X509) * cas, int64_t now)
{
    X509 *issuer = NULL;
    int rc;

    if (!cas || sk_X509_num(cas) == 0) return rk_err_set(RK_EVERIFY, "no CA certificates");
    for (int i = 0; i < sk_X509_num(cas); i++) {
        X509 *ca = sk_X509_value(cas, i);
        if (X509_cmp(cert, ca) == 0)
            return rk_err_set(RK_EVERIFY, "%s is a CA certificate itself", what);
        if (!issuer && X509_check_issued(ca, cert) == X509_V_OK) issuer = ca;
    }
    if (!issuer)
        return rk_err_set(
            RK_EVERIFY, "%s does not chain to the CA: %s", what,
            X509_verify_cert_error_string(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY));

    pthread_mutex_lock(&c->lock);
    if (same_certs(c->good, cas)) {
        rc = cas_current(cas, now);
    } else if ((rc = check_cas(cas, now)) == 0) {
        STACK_OF(X509) *held = X509_chain_up_ref(cas);
        if (held) {
            sk_X509_pop_free(c->good, X509_free);
            c->good = held;
        } /* else: checked again next time */
    }
    pthread_mutex_unlock(&c->lock);
    if (rc) return rc;

    STACK_OF(X509) *anchor = sk_X509_new_reserve(NULL, 1);
    if (!anchor || !sk_X509_push(anchor, issuer)) {
        sk_X509_free(anchor);
        return rk_err_oom();
    }
    rc = verify(cert, NULL, anchor, 1, now, what, "does not chain to the CA");
    sk_X509_free(anchor);
    return rc;
}
