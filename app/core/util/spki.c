/*
 * Public keys as encoded fields (see spki.h).
 */
#include "spki.h"

#include "util/err.h"

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
