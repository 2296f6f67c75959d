/*
 * Raw PKCS#11 work on one key object, shared by the USB-key layer
 * (token.c) and the appliance HSM (ca/hsm.c): the templates of a key pair,
 * reading an attribute,
 * turning a public key object into an EVP_PKEY (EC P-256 or RSA), and
 * signing SHA-256 with raw CKM_ECDSA (SoftHSM2 has no CKM_ECDSA_SHA256) or
 * CKM_RSA_PKCS over a DigestInfo, the signature returned as X.509 wants it
 * (DER ECDSA-Sig-Value, or the RSA bytes).
 *
 * PKCS#11 failures are handed to the caller's fail function, which knows
 * what to tell the user (a pulled key, a locked PIN, the HSM unavailable);
 * what names the object in other messages ("the key pair", "the HSM key").
 */
#ifndef RK_P11KEY_H
#define RK_P11KEY_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>
#include <stddef.h>

/* Maps a PKCS#11 failure during `doing` to an RK_E* code and message. */
typedef int (*rk_p11_fail_fn)(CK_RV rv, const char *doing);

/* DER of the OID prime256v1 (1.2.840.10045.3.1.7), for CKA_EC_PARAMS. */
extern const unsigned char RK_P11_P256_OID[10];

/* The attribute templates of a key pair kept on a token: both halves
 * token objects under one CKA_ID and label, the private half private,
 * sensitive and never extractable; `sign` allows signing (and verifying),
 * `enc` encryption: for RSA encrypt/decrypt and wrap/unwrap, for EC
 * derive. The templates point into the struct: fill it in place and do
 * not copy it. Room is left for the callers' own attributes (key material
 * when importing): pub up to 12, priv up to 24. */
typedef struct rk_p11_pair {
    CK_OBJECT_CLASS pub_cls, priv_cls;
    CK_KEY_TYPE kt;
    CK_BBOOL yes, no, sign, rsa_enc, ec_derive;
    CK_ULONG bits;
    CK_BYTE e[3];
    CK_ATTRIBUTE pub[12], priv[24];
    CK_ULONG npub, npriv;
} rk_p11_pair;

void rk_p11_pair_init(rk_p11_pair *p, int ec, const unsigned char *id, size_t id_len,
                      const char *label, int sign, int enc);

/* Adds what C_GenerateKeyPair needs to p's public template: the P-256
 * curve, or RSA's 2048 bits and exponent 65537; *mech is the mechanism. */
void rk_p11_pair_for_keygen(rk_p11_pair *p, CK_MECHANISM *mech);

/* One variable-length attribute into a new buffer (*out, free()).
 * RK_ENOTFOUND if the module will not reveal it. */
int rk_p11_attr(unsigned char **out, CK_ULONG *len, CK_FUNCTION_LIST *fl, CK_SESSION_HANDLE s,
                CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, rk_p11_fail_fn fail);

/* The public key of object o (a public or private key object) as a new
 * EVP_PKEY. RK_ECRYPTO naming `what` for a curve other than P-256, an
 * unsupported key type or malformed values. */
int rk_p11_public_key(EVP_PKEY **out, CK_FUNCTION_LIST *fl, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                      const char *what, rk_p11_fail_fn fail);

/* The same as an X509_PUBKEY holding the encoded fields only (no decoded
 * key; *out: X509_PUBKEY_free). An EC key's is assembled from its
 * attributes without OpenSSL's key encoders (about 0.1 ms a key in OpenSSL
 * 3.0); an RSA key's goes through rk_p11_public_key. */
int rk_p11_public_fields(X509_PUBKEY **out, CK_FUNCTION_LIST *fl, CK_SESSION_HANDLE s,
                         CK_OBJECT_HANDLE o, const char *what, rk_p11_fail_fn fail);

/* Signs SHA-256(data) with private key object o; *sig (OPENSSL_free),
 * *is_ec tells which kind. kt is o's key type (CKK_EC or CKK_RSA) where the
 * caller knows it, else CK_UNAVAILABLE_INFORMATION and it is read from the
 * key (one more round trip to the device). Failures of C_SignInit/C_Sign
 * go to fail with doing = "signing". */
int rk_p11_sign_sha256(unsigned char **sig, size_t *siglen, int *is_ec, CK_FUNCTION_LIST *fl,
                       CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_KEY_TYPE kt,
                       const unsigned char *data, size_t len, const char *what,
                       rk_p11_fail_fn fail);

#endif
