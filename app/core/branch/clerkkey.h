/*
 * Clerks' own USB keys as services of the branch: issuing a clerk's login
 * certificate onto the clerk's key, revoking it, and finding the clerk
 * keys inserted.
 *
 * Issuing (supervisor only) generates an EC key pair on the clerk's key
 * (labelled RK_BRANCH_CLERK_LABEL; the private half never leaves the key),
 * has the branch sub-CA issue a certificate of the profile "clerk" of
 * conf/profiles.ini for it (the clerk's login, name and the branch in the
 * subject), writes it to the key, reads it back and checks it against the
 * sub-CA and its root, and only then enters it in the roster
 * (domain/clerk_cert.h), audited with an event for HQ. Whatever fails on
 * the way is undone: the pair is removed from the key and a certificate
 * already issued is revoked at the sub-CA, so no certificate is in force
 * that the roster does not hold.
 *
 * Revoking (supervisor only) marks the roster entry revoked, revokes the
 * certificate at the sub-CA and signs the new CRL at once.
 *
 * The key's PIN is the caller's to read and wipe; it is never kept.
 */
#ifndef RK_BRANCH_CLERKKEY_H
#define RK_BRANCH_CLERKKEY_H

#include "branch/branch.h"
#include "domain/clerk_cert.h"
#include "token/token.h"
#include "util/progress.h"

#include <openssl/x509.h>
#include <stdint.h>

#define RK_BRANCH_CLERK_LABEL   "rk-clerk-login" /* the pair and certificate on the key */
#define RK_BRANCH_CLERK_PROFILE "clerk"

typedef struct rk_branch_clerk_key_req {
    const char *login;      /* the clerk (active) */
    const char *key_serial; /* the clerk's USB key, initialised with its PIN */
    const char *pin;
    rk_progress_fn progress; /* key generation and certificate writing (util/progress.h) */
    void *progress_arg;
} rk_branch_clerk_key_req;

/* Issues the clerk certificate of req->login onto req->key_serial as by
 * (supervisor); *out gets the roster entry. RK_EEXIST when the key holds
 * a clerk certificate in force (revoke it first), RK_ESTATE for a
 * deactivated clerk, RK_ECONF without the "clerk" profile, the key
 * layer's RK_EDEVICE / RK_EAUTH for a missing key or a wrong PIN. */
int rk_branch_clerk_key_issue(rk_branch *b, const rk_actor *by, const rk_branch_clerk_key_req *req,
                              rk_clerk_cert *out);

/* Revokes the clerk certificate serial (roster and sub-CA, reason
 * RK_CRL_* from ca/crl.h) as by (supervisor) and signs the CRL; *crl_number
 * (may be NULL) gets its number. */
int rk_branch_clerk_key_revoke(rk_branch *b, const rk_actor *by, const char *serial, int reason,
                               const char *why, uint64_t *crl_number);

/* The keys inserted now that hold a clerk certificate (read without a
 * PIN), up to max serials into serials; *n their number. */
int rk_branch_clerk_keys_present(rk_branch *b, char (*serials)[RK_TOKEN_SERIAL_MAX], int max,
                                 int *n);

/* The SHA-256 of cert's SubjectPublicKeyInfo DER in lower-case hex. */
int rk_branch_clerk_spki_hash(char out[65], X509 *cert);

/* The certificate's issuer name as the roster keeps it, and its serial
 * (lower-case hex). */
void rk_branch_clerk_cert_ids(char *issuer, size_t issuer_n, char *serial, size_t serial_n,
                              X509 *cert);

#endif
