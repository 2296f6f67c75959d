/*
 * The roster of clerks' USB keys: which certificate on which key belongs
 * to which clerk, and the one-time challenges a key login signs.
 *
 * The branch sub-CA issues a clerk certificate onto the clerk's own key
 * (branch/clerkkey.h); the roster keeps it by issuer and serial and by the
 * SHA-256 of its public key (SubjectPublicKeyInfo DER), so a certificate
 * that merely carries a clerk's name, or another certificate for the same
 * key, maps to nobody. A roster entry is revoked with its certificate and
 * never comes back. Issuing and revoking are supervisor acts, each one
 * transaction with its audit entry and outbox event.
 *
 * A challenge is 32 random bytes in hex; only its SHA-256 is stored, with
 * an expiry. Taking it removes it, so a signed answer counts once: a
 * replayed one finds no challenge.
 */
#ifndef RK_CLERK_CERT_H
#define RK_CLERK_CERT_H

#include "db/db.h"
#include "domain/clerk.h"

#include <stdint.h>

#define RK_CLERK_CHALLENGE_HEX 64  /* hex characters */
#define RK_CLERK_CHALLENGE_TTL 120 /* seconds a challenge may be answered in */

typedef struct rk_clerk_cert {
    char issuer[512]; /* the issuer's name as text (ca/subca.h rk_subca_name_text) */
    char serial[41];  /* lower-case hex without leading zeros */
    char spki_sha256[65];
    int64_t clerk_id;
    char login[RK_CLERK_LOGIN_MAX + 1];
    char key_serial[17];                      /* the USB key it was written to */
    int64_t not_after, issued_at, revoked_at; /* revoked_at 0: in force */
} rk_clerk_cert;

/* Records c (its clerk named by login; clerk_id, issued_at and revoked_at
 * are set here) as issued by by (supervisor), audited as clerk.key_issued
 * with a certificate.issued event for HQ. RK_ENOTFOUND for an unknown
 * clerk, RK_EEXIST when the certificate or its key is there already. */
int rk_clerk_cert_add(rk_db *db, const rk_actor *by, const char *login, rk_clerk_cert *c);

/* The entry of issuer's certificate serial; RK_ENOTFOUND. */
int rk_clerk_cert_find(rk_db *db, const char *issuer, const char *serial, rk_clerk_cert *out);

/* The entries of login (NULL: every clerk), newest first, into a new
 * array (free()). */
int rk_clerk_cert_list(rk_db *db, const char *login, rk_clerk_cert **out, int *n);

/* Marks the entry of serial (any issuer) revoked, as by (supervisor),
 * audited as clerk.key_revoked with why. RK_ENOTFOUND, RK_ESTATE if it is
 * revoked already. *out (may be NULL) receives the entry as it was. */
int rk_clerk_cert_revoke(rk_db *db, const rk_actor *by, const char *serial, const char *why,
                         rk_clerk_cert *out);

/* A fresh challenge into out (RK_CLERK_CHALLENGE_HEX + 1), valid for
 * RK_CLERK_CHALLENGE_TTL seconds; expired ones are dropped. */
int rk_clerk_challenge_new(rk_db *db, char out[RK_CLERK_CHALLENGE_HEX + 1]);

/* Takes the challenge hex: 0 if it was issued here, unanswered and not
 * expired (it is gone afterwards); RK_EAUTH otherwise. */
int rk_clerk_challenge_take(rk_db *db, const char *hex);

#endif
