/*
 * The appliance HSM: the PKCS#11 token holding the branch sub-CA's private
 * key (SoftHSM2 token "rakiosk-hsm" in the demo and tests).
 *
 * Raw PKCS#11 through the module's own function list, kept apart from the
 * USB key layer (token/): the HSM is found by token label, not serial, and
 * only needs login, key generation, reading the public key and signing.
 * Keys are found by CKA_LABEL. Private keys are generated sensitive and
 * never extractable, with CKA_SIGN only, unless the caller asks for key
 * agreement too (RK_HSM_DERIVE: the branch's device key).
 *
 * Signing: the caller's data is hashed here with SHA-256 and signed with
 * raw CKM_ECDSA (SoftHSM2 has no CKM_ECDSA_SHA256) or CKM_RSA_PKCS over the
 * DigestInfo; an EC signature is returned as a DER ECDSA-Sig-Value, so the
 * caller can place it into a certificate or CRL it built with OpenSSL.
 *
 * One module per process: when the module was already initialised by
 * someone else in this process (the USB key layer loading the same
 * SoftHSM2 library), the HSM uses it and does not finalise it on close;
 * close the HSM before the layer that initialised the module.
 * The PIN is wiped from the HSM's buffers after login and never logged.
 */
#ifndef RK_HSM_H
#define RK_HSM_H

#include <stddef.h>

#include <openssl/evp.h>

typedef struct rk_hsm rk_hsm;

enum { RK_HSM_EC_P256 = 1, RK_HSM_RSA_2048 = 2 };

/* OR'ed into rk_hsm_keygen's alg: the private key may also derive (ECDH,
 * CKA_DERIVE), as the branch's device key does to open what HQ wraps to
 * its certificate (rk_hsm_ecdh_key). Only with RK_HSM_EC_P256. */
enum { RK_HSM_DERIVE = 0x100 };

/* Loads module, finds the token labelled token_label and logs in with pin.
 * With create set and no such token, the first uninitialised token is
 * initialised with that label, a random SO PIN (discarded: demo only) and
 * pin as user PIN. RK_ENOTFOUND if no token has the label, RK_EAUTH for a
 * wrong PIN, RK_EDEVICE if the module cannot be loaded. */
int rk_hsm_open(rk_hsm **out, const char *module, const char *token_label, const char *pin,
                int create);

/* Logs out and closes; NULL does nothing. */
void rk_hsm_close(rk_hsm *h);

/* Generates a key pair labelled key_label (alg RK_HSM_*). RK_EEXIST if a
 * private key with that label exists. */
int rk_hsm_keygen(rk_hsm *h, const char *key_label, int alg);

/* 1 if a private key labelled key_label exists, 0 if not, <0 on error. */
int rk_hsm_has_key(rk_hsm *h, const char *key_label);

/* The public key of key_label; the caller frees *out. */
int rk_hsm_public_key(EVP_PKEY **out, rk_hsm *h, const char *key_label);

/* Signs SHA-256(data) with key_label; *sig (OPENSSL_free) is DER
 * ECDSA-Sig-Value or PKCS#1 v1.5. *is_ec tells which. */
int rk_hsm_sign(unsigned char **sig, size_t *siglen, int *is_ec, rk_hsm *h, const char *key_label,
                const unsigned char *data, size_t len);

/* Allows an existing EC private key key_label to derive (CKA_DERIVE): a
 * device key made before HQ returned recovered keys over the sync.
 * *changed = 1 if it could not before (may be NULL). RK_ECRYPTO if the
 * HSM refuses the change. */
int rk_hsm_allow_derive(rk_hsm *h, const char *key_label, int *changed);

/* An EVP_PKEY standing for the EC private key key_label in the HSM, for
 * OpenSSL's key agreement (CMS_decrypt of an EnvelopedData whose recipient
 * is the key's certificate: ECDH, then the KDF and the key unwrap in
 * OpenSSL): its public half is the key's, and every ECDH is done by the
 * HSM (CKM_ECDH1_DERIVE, CKD_NULL) into a session object that is read
 * and destroyed at once. The key never leaves the HSM. *out borrows h:
 * free it (EVP_PKEY_free) before rk_hsm_close. RK_ENOTFOUND for no such
 * key, RK_EINVAL for an RSA key, RK_ECRYPTO if the key may not derive
 * (rk_hsm_allow_derive). */
int rk_hsm_ecdh_key(EVP_PKEY **out, rk_hsm *h, const char *key_label);

#endif
