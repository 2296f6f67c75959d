/*
 * Raw PKCS#11 work on one key object (see p11key.h).
 */
#include "p11key.h"

#include "util/err.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

const unsigned char RK_P11_P256_OID[10] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                           0xce, 0x3d, 0x03, 0x01, 0x07};

void rk_p11_pair_init(rk_p11_pair *p, int ec, const unsigned char *id, size_t id_len,
                      const char *label, int sign, int enc)
{
    memset(p, 0, sizeof *p);
    p->pub_cls = CKO_PUBLIC_KEY;
    p->priv_cls = CKO_PRIVATE_KEY;
    p->kt = ec ? CKK_EC : CKK_RSA;
    p->yes = CK_TRUE;
    p->no = CK_FALSE;
    p->sign = sign ? CK_TRUE : CK_FALSE;
    p->rsa_enc = enc && !ec ? CK_TRUE : CK_FALSE;
    p->ec_derive = enc && ec ? CK_TRUE : CK_FALSE;
    CK_ULONG ll = (CK_ULONG)strlen(label);
    const CK_ATTRIBUTE pub[] = {
        {CKA_CLASS, &p->pub_cls, sizeof p->pub_cls},
        {CKA_KEY_TYPE, &p->kt, sizeof p->kt},
        {CKA_TOKEN, &p->yes, sizeof p->yes},
        {CKA_PRIVATE, &p->no, sizeof p->no},
        {CKA_ID, (void *)id, id_len},
        {CKA_LABEL, (void *)label, ll},
        {CKA_VERIFY, &p->sign, sizeof p->sign},
        {CKA_ENCRYPT, &p->rsa_enc, sizeof p->rsa_enc},
        {CKA_WRAP, &p->rsa_enc, sizeof p->rsa_enc},
    };
    const CK_ATTRIBUTE priv[] = {
        {CKA_CLASS, &p->priv_cls, sizeof p->priv_cls},
        {CKA_KEY_TYPE, &p->kt, sizeof p->kt},
        {CKA_TOKEN, &p->yes, sizeof p->yes},
        {CKA_PRIVATE, &p->yes, sizeof p->yes},
        {CKA_SENSITIVE, &p->yes, sizeof p->yes},
        {CKA_EXTRACTABLE, &p->no, sizeof p->no},
        {CKA_ID, (void *)id, id_len},
        {CKA_LABEL, (void *)label, ll},
        {CKA_SIGN, &p->sign, sizeof p->sign},
        {CKA_SIGN_RECOVER, &p->no, sizeof p->no},
        {CKA_DECRYPT, &p->rsa_enc, sizeof p->rsa_enc},
        {CKA_UNWRAP, &p->rsa_enc, sizeof p->rsa_enc},
        {CKA_DERIVE, &p->ec_derive, sizeof p->ec_derive},
    };
    memcpy(p->pub, pub, sizeof pub);
    p->npub = sizeof pub / sizeof pub[0];
    memcpy(p->priv, priv, sizeof priv);
    p->npriv = sizeof priv / sizeof priv[0];
}

void rk_p11_pair_for_keygen(rk_p11_pair *p, CK_MECHANISM *mech)
{
    memset(mech, 0, sizeof *mech);
    if (p->kt == CKK_EC) {
        mech->mechanism = CKM_EC_KEY_PAIR_GEN;
        p->pub[p->npub++] =
            (CK_ATTRIBUTE){CKA_EC_PARAMS, (void *)RK_P11_P256_OID, sizeof RK_P11_P256_OID};
    } else {
        mech->mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
        p->bits = 2048;
        memcpy(p->e, (const CK_BYTE[]){0x01, 0x00, 0x01}, 3);
        p->pub[p->npub++] = (CK_ATTRIBUTE){CKA_MODULUS_BITS, &p->bits, sizeof p->bits};
        p->pub[p->npub++] = (CK_ATTRIBUTE){CKA_PUBLIC_EXPONENT, p->e, sizeof p->e};
    }
}

/* DigestInfo prefix of SHA-256, for CKM_RSA_PKCS signatures. */
static const unsigned char SHA256_DIGESTINFO[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                                  0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                  0x01, 0x05, 0x00, 0x04, 0x20};

int rk_p11_attr(unsigned char **out, CK_ULONG *len, CK_FUNCTION_LIST *fl, CK_SESSION_HANDLE s,
                CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, rk_p11_fail_fn fail)
{
    CK_ATTRIBUTE a = {type, NULL, 0};
    CK_RV rv = fl->C_GetAttributeValue(s, o, &a, 1);
    *out = NULL;
    if (rv != CKR_OK) return fail(rv, "reading an object of the key");
    if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return rk_err_set(RK_ENOTFOUND, "the key does not reveal that attribute");
    if (!(a.pValue = malloc(a.ulValueLen ? a.ulValueLen : 1))) return rk_err_oom();
    if ((rv = fl->C_GetAttributeValue(s, o, &a, 1)) != CKR_OK) {
        free(a.pValue);
        return fail(rv, "reading an object of the key");
    }
    *out = a.pValue;
    *len = a.ulValueLen;
    return 0;
}

/* The EC point (CKA_EC_POINT is a DER OCTET STRING holding it; some
 * modules give it bare) and curve into bld. */
static int ec_params(OSSL_PARAM_BLD *bld, ASN1_OCTET_STRING **os, const unsigned char *params,
                     CK_ULONG plen, const unsigned char *point, CK_ULONG ptlen, const char *what)
{
    if (plen != sizeof RK_P11_P256_OID || memcmp(params, RK_P11_P256_OID, plen) != 0)
        return rk_err_set(RK_ECRYPTO, "%s is on a curve other than P-256", what);
    const unsigned char *p = point;
    *os = d2i_ASN1_OCTET_STRING(NULL, &p, (long)ptlen);
    const unsigned char *pt = *os ? ASN1_STRING_get0_data(*os) : point;
    size_t len = *os ? (size_t)ASN1_STRING_length(*os) : ptlen;
    if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, len))
        return rk_err_oom();
    return 0;
}

int rk_p11_public_key(EVP_PKEY **out, CK_FUNCTION_LIST *fl, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                      const char *what, rk_p11_fail_fn fail)
{
    CK_KEY_TYPE kt;
    CK_ATTRIBUTE a = {CKA_KEY_TYPE, &kt, sizeof kt};
    unsigned char *v1 = NULL, *v2 = NULL;
    CK_ULONG l1 = 0, l2 = 0;
    EVP_PKEY_CTX *pctx = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    BIGNUM *n = NULL, *e = NULL;
    ASN1_OCTET_STRING *os = NULL; /* the builder refers to it until to_param */
    int ec, rc;

    *out = NULL;
    CK_RV rv = fl->C_GetAttributeValue(s, o, &a, 1);
    if (rv != CKR_OK) return fail(rv, "reading the public key");
    if (kt != CKK_EC && kt != CKK_RSA)
        return rk_err_set(RK_ECRYPTO, "%s has an unsupported type 0x%lx", what, (unsigned long)kt);
    ec = kt == CKK_EC;
    if (!(bld = OSSL_PARAM_BLD_new())) return rk_err_oom();
    if ((rc = rk_p11_attr(&v1, &l1, fl, s, o, ec ? CKA_EC_PARAMS : CKA_MODULUS, fail)) ||
        (rc = rk_p11_attr(&v2, &l2, fl, s, o, ec ? CKA_EC_POINT : CKA_PUBLIC_EXPONENT, fail)))
        goto out;
    if (ec) {
        if ((rc = ec_params(bld, &os, v1, l1, v2, l2, what)) != 0) goto out;
    } else {
        n = BN_bin2bn(v1, (int)l1, NULL);
        e = BN_bin2bn(v2, (int)l2, NULL);
        if (!n || !e || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
            !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
            rc = rk_err_oom();
            goto out;
        }
    }
    pctx = EVP_PKEY_CTX_new_from_name(NULL, ec ? "EC" : "RSA", NULL);
    if (!(params = OSSL_PARAM_BLD_to_param(bld)) || !pctx || EVP_PKEY_fromdata_init(pctx) <= 0 ||
        EVP_PKEY_fromdata(pctx, out, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        rc = rk_err_set(RK_ECRYPTO, "the public key of %s is malformed", what);
        goto out;
    }
    rc = 0;
out:
    free(v1);
    free(v2);
    BN_free(n);
    BN_free(e);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(pctx);
    ASN1_OCTET_STRING_free(os);
    return rc;
}

int rk_p11_public_fields(X509_PUBKEY **out, CK_FUNCTION_LIST *fl, CK_SESSION_HANDLE s,
                         CK_OBJECT_HANDLE o, const char *what, rk_p11_fail_fn fail)
{
    CK_KEY_TYPE kt = (CK_KEY_TYPE)-1;
    unsigned char params[32], point[80], *bits = NULL;
    /* One call for all three (a module may check its files on every call):
     * P-256's parameters and point fit these buffers. */
    CK_ATTRIBUTE a[] = {{CKA_KEY_TYPE, &kt, sizeof kt},
                        {CKA_EC_PARAMS, params, sizeof params},
                        {CKA_EC_POINT, point, sizeof point}};
    ASN1_OCTET_STRING *os = NULL;
    X509_PUBKEY *xp = NULL;
    int rc;

    *out = NULL;
    CK_RV rv = fl->C_GetAttributeValue(s, o, a, 3);
    if (a[0].ulValueLen != sizeof kt) return fail(rv, "reading the public key");
    if (kt != CKK_EC) {
        EVP_PKEY *pub = NULL;
        if ((rc = rk_p11_public_key(&pub, fl, s, o, what, fail)) != 0) return rc;
        rc = X509_PUBKEY_set(out, pub) ? 0 : rk_err_oom();
        EVP_PKEY_free(pub);
        return rc;
    }
    if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL) return fail(rv, "reading the public key");
    if (rv != CKR_OK || a[1].ulValueLen != sizeof RK_P11_P256_OID ||
        memcmp(params, RK_P11_P256_OID, sizeof RK_P11_P256_OID) != 0)
        return rk_err_set(RK_ECRYPTO, "%s is on a curve other than P-256", what);
    const unsigned char *p = point;
    os = d2i_ASN1_OCTET_STRING(NULL, &p, (long)a[2].ulValueLen); /* some modules give it bare */
    const unsigned char *pt = os ? ASN1_STRING_get0_data(os) : point;
    int n = os ? ASN1_STRING_length(os) : (int)a[2].ulValueLen;
    if (n != 65 || pt[0] != 0x04) {
        rc = rk_err_set(RK_ECRYPTO, "the public key of %s is malformed", what);
        goto out;
    }
    if (!(xp = X509_PUBKEY_new()) || !(bits = OPENSSL_memdup(pt, (size_t)n)) ||
        !X509_PUBKEY_set0_param(xp, OBJ_nid2obj(NID_X9_62_id_ecPublicKey), V_ASN1_OBJECT,
                                OBJ_nid2obj(NID_X9_62_prime256v1), bits, n)) {
        OPENSSL_free(bits);
        rc = rk_err_oom();
        goto out;
    }
    *out = xp;
    xp = NULL;
    rc = 0;
out:
    ASN1_OCTET_STRING_free(os);
    X509_PUBKEY_free(xp);
    return rc;
}

/* PKCS#11's raw ECDSA signature (r || s) as a DER ECDSA-Sig-Value. */
static int ecdsa_der(unsigned char **der, size_t *der_len, const unsigned char *raw, size_t raw_len,
                     const char *what)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)(raw_len / 2), NULL);
    BIGNUM *sv = BN_bin2bn(raw + raw_len / 2, (int)(raw_len / 2), NULL);

    if (!es || !r || !sv || raw_len == 0 || raw_len % 2 || !ECDSA_SIG_set0(es, r, sv)) {
        ECDSA_SIG_free(es);
        BN_free(r);
        BN_free(sv);
        return rk_err_set(RK_ECRYPTO, "%s returned a malformed signature", what);
    }
    int n = i2d_ECDSA_SIG(es, der);
    ECDSA_SIG_free(es);
    if (n <= 0) return rk_err_oom();
    *der_len = (size_t)n;
    return 0;
}

int rk_p11_sign_sha256(unsigned char **sig, size_t *siglen, int *is_ec, CK_FUNCTION_LIST *fl,
                       CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_KEY_TYPE kt,
                       const unsigned char *data, size_t len, const char *what, rk_p11_fail_fn fail)
{
    CK_ATTRIBUTE a = {CKA_KEY_TYPE, &kt, sizeof kt};
    unsigned char in[sizeof SHA256_DIGESTINFO + 32], out[512];
    CK_ULONG outlen = sizeof out;
    CK_RV rv;

    *sig = NULL;
    if (kt != CKK_EC && kt != CKK_RSA && (rv = fl->C_GetAttributeValue(s, o, &a, 1)) != CKR_OK)
        return fail(rv, "signing");
    *is_ec = kt == CKK_EC;
    memcpy(in, SHA256_DIGESTINFO, sizeof SHA256_DIGESTINFO);
    unsigned char *digest = *is_ec ? in : in + sizeof SHA256_DIGESTINFO;
    if (!EVP_Digest(data, len, digest, NULL, EVP_sha256(), NULL))
        return rk_err_set(RK_ECRYPTO, "SHA-256 failed");
    CK_ULONG inlen = *is_ec ? 32 : sizeof in;
    CK_MECHANISM mech = {*is_ec ? CKM_ECDSA : CKM_RSA_PKCS, NULL, 0};
    if ((rv = fl->C_SignInit(s, &mech, o)) != CKR_OK ||
        (rv = fl->C_Sign(s, in, inlen, out, &outlen)) != CKR_OK)
        return fail(rv, "signing");
    if (*is_ec) return ecdsa_der(sig, siglen, out, outlen, what);
    if (!(*sig = OPENSSL_memdup(out, outlen))) return rk_err_oom();
    *siglen = outlen;
    return 0;
}
