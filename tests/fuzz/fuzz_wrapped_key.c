/*
 * Fuzz target: the check of a wrapped key as HQ returns it over the sync
 * (ca/escrow.h: rk_escrow_check_wrapped) on arbitrary bytes, against no
 * certificate (the form alone) and against a fixed EC certificate made
 * once. Invariants: it never crashes or leaks, answers only 0, RK_EFORMAT
 * or RK_EPERM, and bytes that are not even a CMS EnvelopedData are never
 * taken as wrapped to the certificate.
 */
#include "ca/escrow.h"
#include "util/err.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

static X509 *fixed_cert(void)
{
    static X509 *cert;
    if (cert) return cert;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *c = X509_new();
    X509_NAME *n = c ? X509_get_subject_name(c) : NULL;
    if (!key || !c || !n || !X509_set_version(c, 2) ||
        !ASN1_INTEGER_set(X509_get_serialNumber(c), 4242) ||
        !X509_gmtime_adj(X509_getm_notBefore(c), 0) ||
        !X509_gmtime_adj(X509_getm_notAfter(c), 86400) ||
        !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"DEMO01", -1, -1,
                                    0) ||
        !X509_set_issuer_name(c, n) || !X509_set_pubkey(c, key) || !X509_sign(c, key, EVP_sha256()))
        abort();
    EVP_PKEY_free(key);
    cert = c;
    return cert;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    int form = rk_escrow_check_wrapped(copy, size, NULL);
    int to = rk_escrow_check_wrapped(copy, size, fixed_cert());
    if ((form != 0 && form != RK_EFORMAT) || (to != 0 && to != RK_EFORMAT && to != RK_EPERM))
        abort();
    if (form == RK_EFORMAT && to != RK_EFORMAT) abort();
    if (to == 0 && form != 0) abort();
    rk_err_clear();
    free(copy);
    return 0;
}
