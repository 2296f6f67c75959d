/*
 * Public keys moved as their encoded fields (algorithm, parameters, key
 * bits) instead of as decoded keys.
 *
 * OpenSSL 3.0 passes every public key set into a request or certificate
 * through its provider encoders and decoders: X509_set_pubkey costs about
 * 0.15 ms, a third of the CPU an enrolment spends besides the key's own
 * work. The enrolment moves one key from the USB key into a request and
 * from the request into a certificate; this copies the fields instead.
 * Nothing here decodes or checks a key: whoever needs it decoded (the
 * request's signature check, a re-read certificate) does that.
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

#endif
