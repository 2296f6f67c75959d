/*
 * The inbound side of sync: HQ's decisions and news applied to the branch's
 * ledger, one change of HQ's feed at a time (docs/SYNC-PROTOCOL.md
 * section 5).
 *
 * Every kind is applied through the domain's own rules, as an actor that
 * says where the change came from, audited and recorded in the outbox like
 * any other change:
 *   authority.decision   the competent authority's approval (with its
 *                        reference) or rejection (with the reason for the
 *                        subscriber) of an order waiting for it; actor
 *                        "hq-authority" in the review role
 *   order.status         HQ's processing status of an order (received,
 *                        filed, queried), kept for the clerk's screen
 *   clerk.roster         a clerk added (with no usable password: the clerk
 *                        logs in with a key or gets a password from a
 *                        supervisor), roles changed, deactivated; actor "hq"
 *   certificate.revoked  a certificate revoked at HQ or another branch,
 *                        marked revoked here when the ledger holds it
 *   key.recovered        an escrowed key HQ recovered for a key-recovery
 *                        order, kept for that order
 *
 * Applying the same change twice has no further effect: each kind checks
 * the state it would produce first. A change that does not fit (an order
 * the branch does not hold, a decision for an order no longer waiting for
 * one, a malformed payload) is skipped with a note, never retried.
 */
#ifndef RK_SYNC_IN_H
#define RK_SYNC_IN_H

#include <stddef.h>

#include "domain/ledger.h"

enum { RK_SYNC_IN_APPLIED = 0, RK_SYNC_IN_SKIPPED = 1 };

/* Applies one change. RK_SYNC_IN_APPLIED, RK_SYNC_IN_SKIPPED (with why in
 * note[n], already logged), or a negative RK_E* code when the change could
 * not be applied now (database busy or failing): the caller keeps its
 * cursor before this change and tries again later. */
int rk_sync_in_apply(rk_ledger *l, const char *kind, const char *payload, char *note, size_t n);

#endif
