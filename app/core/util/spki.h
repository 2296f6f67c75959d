/*
 * Public keys moved as their encoded fields (algorithm, parameters, key
 * bits) instead of as decoded keys.
 *
 * OpenSSL 3.0 passes every public key set into a request or certificate
 * through its provider encoders and decoders: X509_set_pubkey costs about
 * 0.15 ms, a third of the CPU an enrolment spends besides the key's own
 * work. The enrolment moves one key from the USB key into a request and
 * from the request into a certificate; this copies the fields instead.
 * Nor does it decode them back: a key set this way stays undecoded
 * (X509_get0_pubkey and X509_REQ_get0_pubkey return NULL for it in
 * OpenSSL 3.0); rk_spki_pkey gives the key, for EC named curves at a sixth
 * of a decoder's cost, and rk_spki_set puts such a key into a certificate
 * decoded, for the checks that need it (X509_verify_cert does).
 */
#ifndef RK_SPKI_H
#define RK_SPKI_H

#include <openssl/x509.h>

/* Sets dst (a request's or certificate's key, e.g. X509_get_X509_PUBKEY)
 * to src's algorithm, parameters and key bits; dst's decoded key, if any,
 * is left as it was, so set it only on a fresh object. Parameters may be
 * absent, NULL, an OID (named curve) or a SEQUENCE; anything else is
 * refused. 0, RK_EFORMAT or RK_ENOMEM. */
int rk_spki_copy(X509_PUBKEY *dst, const X509_PUBKEY *src);

/* The key of pub as an EVP_PKEY (the caller frees it), whether pub was
 * parsed or set by rk_spki_copy. EC keys on a named NIST curve are built
 * from their curve and point (about 15 us; the point is checked to be on
 * the curve); anything else (RSA, SM2) goes through OpenSSL's decoder
 * (about 100 us). 0 or RK_EFORMAT (a malformed or unknown key). */
int rk_spki_pkey(EVP_PKEY **out, const X509_PUBKEY *pub);

/* Sets fresh certificate x's key (none set yet) to key, which is
 * rk_spki_pkey(as), so that x carries it decoded as a parsed certificate
 * does, if it encodes exactly as `as`: returns 1. An EC key from
 * rk_spki_pkey goes in without the encoders (a few us); others go through
 * them (about 0.2 ms). If the encodings differ, x gets as's fields instead
 * (rk_spki_copy), undecoded: returns 0. Negative RK_E* on failure. */
int rk_spki_set(X509 *x, EVP_PKEY *key, const X509_PUBKEY *as);

#endif
