/*
 * Public keys as encoded fields (see spki.h).
 */
#include "spki.h"

#include "util/err.h"

#include <openssl/objects.h>
#include <string.h>

int rk_spki_copy(X509_PUBKEY *dst, const X509_PUBKEY *src)
{
    ASN1_OBJECT *alg;
    const ASN1_OBJECT *palg;
    const unsigned char *bits;
    const void *pval;
    X509_ALGOR *a;
    int len, ptype;
    void *param = NULL;

    if (!X509_PUBKEY_get0_param(&alg, &bits, &len, &a, src) || len <= 0)
        return rk_err_set(RK_EFORMAT, "the public key is unreadable");
    X509_ALGOR_get0(&palg, &ptype, &pval, a);
    if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL && ptype != V_ASN1_OBJECT &&
        ptype != V_ASN1_SEQUENCE)
        return rk_err_set(RK_EFORMAT, "the public key has parameters of an unknown kind");
    ASN1_OBJECT *aobj = OBJ_dup(palg);
    unsigned char *copy = OPENSSL_memdup(bits, (size_t)len);
    if (ptype == V_ASN1_OBJECT) param = OBJ_dup(pval);
    if (ptype == V_ASN1_SEQUENCE) param = ASN1_STRING_dup(pval);
    int need_param = ptype == V_ASN1_OBJECT || ptype == V_ASN1_SEQUENCE;
    if (aobj && copy && (param || !need_param) &&
        X509_PUBKEY_set0_param(dst, aobj, ptype, param, copy, len))
        return 0;
    ASN1_OBJECT_free(aobj);
    OPENSSL_free(copy);
    if (ptype == V_ASN1_OBJECT) ASN1_OBJECT_free(param);
    if (ptype == V_ASN1_SEQUENCE) ASN1_STRING_free(param);
    return rk_err_oom();
}

/* An EC key on a NIST named curve, from its curve and point; NULL if pub
 * is not one (or its point is not on the curve). Made through the EC
 * parameter and point readers, it is a key OpenSSL can also set into a
 * certificate without its encoders (rk_spki_set). */
static EVP_PKEY *ec_from_point(const X509_PUBKEY *pub)
{
    ASN1_OBJECT *alg;
    const unsigned char *bits;
    const void *pval;
    X509_ALGOR *a;
    int len, ptype;

    if (!X509_PUBKEY_get0_param(&alg, &bits, &len, &a, pub) || len <= 0 ||
        OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey)
        return NULL;
    X509_ALGOR_get0(NULL, &ptype, &pval, a);
    int curve = ptype == V_ASN1_OBJECT ? OBJ_obj2nid(pval) : NID_undef;
    if (curve != NID_X9_62_prime256v1 && curve != NID_secp384r1 && curve != NID_secp521r1)
        return NULL;
    unsigned char *oid = NULL;
    int olen = i2d_ASN1_OBJECT(pval, &oid);
    const unsigned char *p = oid, *q = bits;
    EVP_PKEY *key = olen > 0 ? d2i_KeyParams(EVP_PKEY_EC, NULL, &p, olen) : NULL;
    if (key && !d2i_PublicKey(EVP_PKEY_EC, &key, &q, len)) {
        EVP_PKEY_free(key);
        key = NULL;
    }
    OPENSSL_free(oid);
    return key;
}

int rk_spki_pkey(EVP_PKEY **out, const X509_PUBKEY *pub)
{
    *out = ec_from_point(pub);
    if (*out) return 0;
    /* through the decoder, from the encoding (a key set by rk_spki_copy
     * has no decoded copy to borrow) */
    unsigned char *der = NULL;
    int len = i2d_X509_PUBKEY(pub, &der);
    const unsigned char *p = der;
    if (len > 0) *out = d2i_PUBKEY(NULL, &p, len);
    OPENSSL_free(der);
    return *out ? 0 : rk_err_set(RK_EFORMAT, "the public key is malformed or of an unknown kind");
}

int rk_spki_set(X509 *x, EVP_PKEY *key, const X509_PUBKEY *as)
{
    X509_PUBKEY *tmp = NULL;
    unsigned char *want = NULL, *got = NULL;
    int wlen = i2d_X509_PUBKEY(as, &want), glen = -1;
    if (wlen > 0 && X509_PUBKEY_set(&tmp, key)) glen = i2d_X509_PUBKEY(tmp, &got);
    int same = wlen > 0 && glen == wlen && !memcmp(got, want, (size_t)wlen);
    X509_PUBKEY_free(tmp);
    OPENSSL_free(want);
    OPENSSL_free(got);
    if (same) return X509_set_pubkey(x, key) ? 1 : rk_err_oom();
    int rc = rk_spki_copy(X509_get_X509_PUBKEY(x), as);
    return rc ? rc : 0;
}
