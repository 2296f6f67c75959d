/*
 * Unit tests of public keys moved as encoded fields (util/spki): a key
 * copied into a fresh certificate stays undecoded and rk_spki_pkey gives
 * back the same key, by the EC fast path (P-256, P-384) and through the
 * decoder (RSA, SM2); rk_spki_set puts that key into a certificate decoded
 * and encoded exactly as before, or falls back to the fields when the
 * encodings differ; a point off the curve and an unknown algorithm are
 * refused with RK_EFORMAT.
 */
#include "test.h"

#include "util/err.h"
#include "util/spki.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

/* key's SubjectPublicKeyInfo copied into a fresh certificate's field */
static X509 *holder_of(EVP_PKEY *key)
{
    X509 *src = X509_new(), *dst = X509_new();
    if (!src || !dst || !X509_set_pubkey(src, key) ||
        rk_spki_copy(X509_get_X509_PUBKEY(dst), X509_get_X509_PUBKEY(src)) != 0) {
        X509_free(dst);
        dst = NULL;
    }
    X509_free(src);
    return dst;
}

/* 1 if x and y carry the same encoded key */
static int same_spki(X509 *x, X509 *y)
{
    unsigned char *a = NULL, *b = NULL;
    int alen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &a);
    int blen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(y), &b);
    int same = alen > 0 && alen == blen && !memcmp(a, b, (size_t)alen);
    OPENSSL_free(a);
    OPENSSL_free(b);
    return same;
}

static void same_key_back(EVP_PKEY *key, const char *what)
{
    X509 *x = holder_of(key);
    EVP_PKEY *back = NULL;
    CHECK(x != NULL);
    if (!x) return;
    /* OpenSSL 3.0 does not decode a key set this way... */
    CHECK(X509_get0_pubkey(x) == NULL);
    /* ...and rk_spki_pkey does. */
    CHECK_INT(rk_spki_pkey(&back, X509_get_X509_PUBKEY(x)), 0);
    if (!back || EVP_PKEY_eq(back, key) != 1) fprintf(stderr, "not the same key: %s\n", what);
    CHECK(back && EVP_PKEY_eq(back, key) == 1);
    /* Set back into a certificate: decoded, and the same bytes. */
    X509 *y = X509_new();
    CHECK(y && back && rk_spki_set(y, back, X509_get_X509_PUBKEY(x)) == 1);
    CHECK(y && X509_get0_pubkey(y) != NULL && same_spki(x, y));
    X509_free(y);
    EVP_PKEY_free(back);
    X509_free(x);
}

/* A key that does not encode as the fields given: the fields win. */
static void test_set_fallback(void)
{
    EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *k2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = k1 ? holder_of(k1) : NULL, *y = X509_new();
    CHECK(x && y && k2);
    if (x && y && k2) {
        CHECK_INT(rk_spki_set(y, k2, X509_get_X509_PUBKEY(x)), 0);
        CHECK(X509_get0_pubkey(y) == NULL); /* the fields, undecoded: not k2 */
        CHECK(same_spki(x, y));
    }
    X509_free(x);
    X509_free(y);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
}

static void test_round_trips(void)
{
    EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    EVP_PKEY *sm2 = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    CHECK(p256 && p384 && rsa && sm2);
    if (p256) same_key_back(p256, "P-256");
    if (p384) same_key_back(p384, "P-384");
    if (rsa) same_key_back(rsa, "RSA-2048");
    if (sm2) same_key_back(sm2, "SM2");
    EVP_PKEY_free(p256);
    EVP_PKEY_free(p384);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(sm2);
}

static void test_refusals(void)
{
    EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = p256 ? holder_of(p256) : NULL;
    CHECK(x != NULL);
    if (!x) {
        EVP_PKEY_free(p256);
        return;
    }
    X509_PUBKEY *pk = X509_get_X509_PUBKEY(x);
    ASN1_OBJECT *alg;
    const unsigned char *bits;
    X509_ALGOR *a;
    int len;
    CHECK(X509_PUBKEY_get0_param(&alg, &bits, &len, &a, pk) == 1 && len == 65);

    /* the same point with its y moved off the curve */
    unsigned char *bad = OPENSSL_memdup(bits, (size_t)len);
    bad[len - 1] ^= 0x01;
    CHECK(X509_PUBKEY_set0_param(pk, OBJ_nid2obj(NID_X9_62_id_ecPublicKey), V_ASN1_OBJECT,
                                 OBJ_nid2obj(NID_X9_62_prime256v1), bad, len) == 1);
    EVP_PKEY *back = NULL;
    CHECK_INT(rk_spki_pkey(&back, pk), RK_EFORMAT);
    CHECK(back == NULL);

    /* an algorithm nobody knows */
    unsigned char *junk = OPENSSL_zalloc(16);
    CHECK(X509_PUBKEY_set0_param(pk, OBJ_txt2obj("1.2.3.4.5", 1), V_ASN1_UNDEF, NULL, junk, 16) ==
          1);
    CHECK_INT(rk_spki_pkey(&back, pk), RK_EFORMAT);
    CHECK(back == NULL);
    X509_free(x);
    EVP_PKEY_free(p256);
}

int main(void)
{
    test_round_trips();
    test_set_fallback();
    test_refusals();
    return rk_test_done();
}
