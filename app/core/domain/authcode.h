/*
 * The authorisation code of an approved order (授权码): with the order's
 * reference, the credential for producing the order's certificate
 * (DOMAIN.md: the issuing operator "produces the certificate on the key
 * from the approved reference/authorisation code"), and what a CMP client
 * sends as its PBM reference and secret (ca/cmp_server.h).
 *
 * - Made at approval (rk_authcode_issue, inside the approving transaction)
 *   for the orders that produce a certificate or revoke one: 16 characters
 *   of Crockford's base32 (80 bits from the CSPRNG) in four groups of four,
 *   "K7QM-3HXD-9TWA-PZ4R"; the secret is exactly that text.
 * - Shown to the approving clerk once (the approval call hands it back);
 *   never logged, never in the audit log, the outbox or an error message.
 * - Stored sealed with the branch data key (AES-256-GCM bound to the
 *   order's UUID and "authcode"), not hashed: CMP's password-based MAC is
 *   computed over the secret itself with a salt the client picks, so a hash
 *   could not check it. A database copied without the data key reveals
 *   nothing, and a code moved to another order does not open.
 * - Used once: rk_authcode_use spends it atomically and audits the use;
 *   afterwards rk_authcode_secret refuses it. A later approval (after a
 *   rejection and resubmission) makes a new code.
 */
#ifndef RK_AUTHCODE_H
#define RK_AUTHCODE_H

#include "domain/clerk.h"
#include "domain/ledger.h"

#include <stddef.h>
#include <stdint.h>

#define RK_AUTHCODE_MAX 20 /* "XXXX-XXXX-XXXX-XXXX" + NUL */

/* What a code is presented for. */
enum {
    RK_AUTHCODE_CERT = 1,  /* a certificate request (CMP ir, cr, p10cr, kur) */
    RK_AUTHCODE_REVOKE = 2 /* a revocation request (CMP rr) */
};

/* 1 if business (a business type id) gets an authorisation code at
 * approval: it produces a certificate, or revokes one. */
int rk_authcode_applies(const char *business);

/* Makes a new code for the order order_id (UUID uuid) and stores it sealed,
 * replacing any earlier one; code[0..n) (n >= RK_AUTHCODE_MAX) receives it
 * for the clerk. Runs inside the caller's open transaction. */
int rk_authcode_issue(char *code, size_t n, rk_ledger *l, int64_t order_id, const char *uuid);

/* The secret of order ref for purpose, into secret[0..n) (the caller wipes
 * it). RK_ENOTFOUND for an unknown reference; RK_ESTATE, with the reason,
 * when the order has no code, its code is spent, it is not ready (approved
 * and paid, or fee-free) or its business does not fit purpose (a
 * certificate request needs an order that produces a certificate, a
 * revocation a revoke order). The message never holds the code. */
int rk_authcode_secret(char *secret, size_t n, rk_ledger *l, const char *ref, int purpose);

/* Spends the code of order ref for purpose, in its own transaction, with
 * an audit entry (actor "system", action order.authcode_used, the request
 * and serial in the detail). serial (hex) is the certificate issued, or for
 * RK_AUTHCODE_REVOKE the certificate to be revoked, which must be the one
 * the order names (RK_EPERM otherwise, nothing spent). RK_ESTATE if the
 * code was spent meanwhile (by another process) or is not usable, as
 * rk_authcode_secret. */
int rk_authcode_use(rk_ledger *l, const char *ref, int purpose, const char *serial);

/* Whether order ref has a code at all (*has 1), spent or not: an order
 * approved before codes were made, or of a business that gets none, has
 * none (*has 0). RK_ENOTFOUND for an unknown reference. */
int rk_authcode_has(rk_ledger *l, const char *ref, int *has);

/* Checks that given is order ref's code for purpose, without spending it
 * (the producing program checks it before it asks the subscriber's PIN,
 * and again when it starts; the order's issuing ends its use, since a code
 * opens only an approved, unissued order). Letters in either case, with
 * or without the dashes and spaces. RK_EAUTH when given is NULL, empty or
 * not the code, audited as order.authcode_refused with by's login (never
 * with what was given); RK_ESTATE and RK_ENOTFOUND as rk_authcode_secret.
 * The message never holds the code. */
int rk_authcode_check(rk_ledger *l, const rk_actor *by, const char *ref, int purpose,
                      const char *given);

/* A new code for order ref, replacing its unused one (the clerk lost it,
 * or approved without seeing it), into code[0..n): a clerk with the review
 * role, in its own transaction with an audit entry (order.authcode_renewed,
 * no code in it). RK_ESTATE if the order is not approved or paid, has no
 * code, or its code was used (a second certificate would follow). */
int rk_authcode_reissue(char *code, size_t n, rk_ledger *l, const rk_actor *by, const char *ref);

#endif
