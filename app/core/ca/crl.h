/*
 * Revocation, suspension and the sub-CA's CRL.
 *
 * Revoking or suspending (reason certificateHold) a certificate the sub-CA
 * issued changes its status in ca.db (subca.h); rk_crl_generate then signs a
 * FULL CRL (v2) listing every held and revoked certificate with its reason
 * code, with a CRL number one higher than the last (persisted in ca.db,
 * committed before the files are written, so numbers never repeat even if
 * writing fails), thisUpdate = now and nextUpdate = now + the validity
 * (default 7 days), an authority key identifier and the CRL number
 * extension. Resuming a held certificate makes it good again: it is simply
 * absent from the next full CRL (the removeFromCRL semantics of RFC 5280
 * for full CRLs). A revoked certificate stays revoked.
 *
 * The CRL is written by a small DER writer (rk_crl_write) rather than
 * OpenSSL's X509_CRL: it signs the exact TBS bytes with any signer (the
 * HSM has no EVP_PKEY) and builds a million-entry CRL in well under a
 * second, which the benchmark needs.
 */
#ifndef RK_CRL_H
#define RK_CRL_H

#include <stddef.h>
#include <stdint.h>

#include "ca/subca.h"

#define RK_CRL_DEFAULT_DAYS 7

/* CRL reason codes (RFC 5280 5.3.1). */
enum {
    RK_CRL_UNSPECIFIED = 0,
    RK_CRL_KEY_COMPROMISE = 1,
    RK_CRL_CA_COMPROMISE = 2,
    RK_CRL_AFFILIATION_CHANGED = 3,
    RK_CRL_SUPERSEDED = 4,
    RK_CRL_CESSATION = 5,
    RK_CRL_HOLD = 6,
    RK_CRL_REMOVE = 8,
    RK_CRL_PRIVILEGE_WITHDRAWN = 9,
    RK_CRL_AA_COMPROMISE = 10
};

/* The reason's RFC name ("keyCompromise"), "none" for -1, "?" if unknown. */
const char *rk_crl_reason_name(int reason);

/* Parses an RFC name (case-insensitive) or a number; RK_EINVAL. */
int rk_crl_reason_parse(int *out, const char *text);

/* Revokes serial with reason (not certificateHold: use suspend; not
 * removeFromCRL). A held certificate can be revoked. RK_ENOTFOUND,
 * RK_ESTATE if already revoked. */
int rk_crl_revoke(rk_subca *ca, const char *serial, int reason);

/* Suspends (certificateHold) a good certificate. RK_ESTATE otherwise. */
int rk_crl_suspend(rk_subca *ca, const char *serial);

/* Lifts the hold of a suspended certificate. RK_ESTATE otherwise. */
int rk_crl_resume(rk_subca *ca, const char *serial);

/* Signs a new full CRL valid for days (0: RK_CRL_DEFAULT_DAYS), records
 * it, writes <dir>/crl.der and <dir>/crl.pem and returns the DER in *der
 * (free()) and its number. */
int rk_crl_generate(unsigned char **der, size_t *len, uint64_t *number, rk_subca *ca, int days);

/* ---- the DER writer ------------------------------------------------------ */

typedef struct rk_crl_entry {
    unsigned char serial[20]; /* big-endian, without leading zero bytes */
    uint8_t serial_len;
    int8_t reason; /* -1: no reasonCode extension */
    int64_t revoked_at;
} rk_crl_entry;

/* Signs tbs; *sig (OPENSSL_free) goes into the signature BIT STRING. */
typedef int (*rk_crl_sign_fn)(void *arg, const unsigned char *tbs, size_t len, unsigned char **sig,
                              size_t *siglen);

typedef struct rk_crl_params {
    const unsigned char *issuer_der; /* the issuer's Name, DER */
    size_t issuer_len;
    const unsigned char *akid; /* the issuer's key identifier, or NULL */
    size_t akid_len;
    int sig_nid; /* NID of the signature algorithm */
    int64_t this_update, next_update;
    uint64_t number;
    const rk_crl_entry *entries;
    size_t n;
    rk_crl_sign_fn sign;
    void *sign_arg;
} rk_crl_params;

/* Builds and signs a CRL; *der is the caller's (free()). */
int rk_crl_write(unsigned char **der, size_t *len, const rk_crl_params *p);

#endif
