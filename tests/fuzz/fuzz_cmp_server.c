/*
 * Fuzz target: the CMP server's DER entry point (d2i_OSSL_CMP_MSG and
 * OpenSSL's server logic with the project's callbacks behind it) and the
 * CertTemplate public-key reader, on arbitrary bytes. The server keeps its
 * transaction state between inputs, as it does between HTTP requests; the
 * seeds are real requests from `openssl cmp` (PBM reference FUZZ, secret
 * "fuzz-secret"). The server reads the header itself (reference, protection,
 * extra certificates) before OpenSSL does: that reader is fuzzed here too.
 * Invariant: no crash, an answer is DER that decodes again.
 */
#include "ca/cmp_server.h"

#include "util/err.h"

#include <openssl/cmp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static rk_cmp_server *srv;

static int revoke_any(void *arg, const X509_NAME *issuer, const ASN1_INTEGER *serial)
{
    (void)arg;
    (void)issuer;
    (void)serial;
    return 0;
}

/* Every other serial reads as revoked, so both sides of the revocation
 * checks run. */
static int revoked_odd(void *arg, const X509_NAME *issuer, const ASN1_INTEGER *serial, int *revoked)
{
    (void)arg;
    (void)issuer;
    *revoked = (int)(ASN1_INTEGER_get(serial) & 1);
    return 0;
}

static void setup(void)
{
    static const rk_cmp_auth_ops ops = {.revoked = revoked_odd};
    static const unsigned char secret[] = "fuzz-secret";
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *ca = X509_new();
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"Fuzz CA", -1, -1, 0);
    X509_set_version(ca, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(ca), 1);
    X509_set_subject_name(ca, n);
    X509_set_issuer_name(ca, n);
    X509_gmtime_adj(X509_getm_notBefore(ca), 0);
    X509_gmtime_adj(X509_getm_notAfter(ca), 86400L * 365);
    X509_set_pubkey(ca, key);
    X509_sign(ca, key, EVP_sha256());
    X509_NAME_free(n);
    rk_cmp_server_opts o;
    memset(&o, 0, sizeof o);
    o.ca_cert = ca; /* kept for the process lifetime */
    o.ca_key = key;
    o.ref = "FUZZ";
    o.secret = secret;
    o.secret_len = sizeof secret - 1;
    o.revoke = revoke_any;
    o.auth = &ops;
    if (rk_cmp_server_new(&srv, &o) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *rsp = NULL;
    size_t n = 0;
    if (!srv) setup();
    if (rk_cmp_server_handle(&rsp, &n, srv, data, size) == 0) {
        const unsigned char *p = rsp;
        OSSL_CMP_MSG *m = d2i_OSSL_CMP_MSG(NULL, &p, (long)n);
        if (!m || p != rsp + n) abort();
        OSSL_CMP_MSG_free(m);
        free(rsp);
    } else if (rsp) {
        abort(); /* no answer on failure */
    }
    EVP_PKEY *k = NULL;
    if (rk_cmp_template_pubkey(&k, data, size) == 0 && !k) abort();
    EVP_PKEY_free(k);
    ERR_clear_error();
    return 0;
}
