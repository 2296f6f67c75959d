/*
 * Facts of an X.509 certificate for the ledger (see certinfo.h).
 */
#include "certinfo.h"

#include "util/err.h"
#include "util/pem.h"
#include "util/utf8.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int asn1_time(int64_t *out, const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return -1;
    *out = (int64_t)timegm(&tm);
    return 0;
}

int rk_certinfo_parse(rk_cert_record *rec, unsigned char **der, const unsigned char *data,
                      size_t len)
{
    X509 *x = NULL;

    memset(rec, 0, sizeof *rec);
    *der = NULL;
    if (len == 0 || len > RK_CERTINFO_MAX_BYTES)
        return rk_err_set(RK_EFORMAT, "a certificate is 1 byte to 64 KiB, not %zu bytes", len);
    if (len > 10 && !memcmp(data, "-----BEGIN", 10)) {
        rk_pem_cert_mem(&x, data, len, "the certificate");
    } else {
        const unsigned char *p = data;
        x = d2i_X509(NULL, &p, (long)len);
    }
    if (!x) return rk_err_set(RK_EFORMAT, "not an X.509 certificate (PEM or DER)");
    int rc = rk_certinfo_of(rec, der, x);
    X509_free(x);
    return rc;
}

int rk_certinfo_of(rk_cert_record *rec, unsigned char **der, X509 *x)
{
    BIGNUM *bn = NULL;
    char *hex = NULL;
    int rc = 0;

    memset(rec, 0, sizeof *rec);
    *der = NULL;
    bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    hex = bn ? BN_bn2hex(bn) : NULL;
    if (!hex || strlen(hex) >= sizeof rec->serial) {
        rc = rk_err_set(RK_EFORMAT, "the certificate's serial number is missing or too long");
        goto out;
    }
    snprintf(rec->serial, sizeof rec->serial, "%s", hex);
    if (asn1_time(&rec->not_before, X509_get0_notBefore(x)) ||
        asn1_time(&rec->not_after, X509_get0_notAfter(x)) || rec->not_after <= rec->not_before) {
        rc = rk_err_set(RK_EFORMAT, "the certificate's validity dates are unreadable or inverted");
        goto out;
    }
    X509_NAME *name = X509_get_subject_name(x);
    int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (idx >= 0) {
        unsigned char *utf8 = NULL;
        int n =
            ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
        if (n > 0) rk_utf8_copy(rec->subject_name, sizeof rec->subject_name, (const char *)utf8);
        OPENSSL_free(utf8);
    }
    snprintf(rec->usage, sizeof rec->usage, "sign");
    int dlen = i2d_X509(x, der);
    if (dlen <= 0) {
        rc = rk_err_set(RK_EFORMAT, "cannot encode the certificate");
        goto out;
    }
    rec->der = *der;
    rec->der_len = dlen;
out:
    OPENSSL_free(hex);
    BN_free(bn);
    return rc;
}
