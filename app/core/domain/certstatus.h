/*
 * What the ledger knows about certificates: the status query a subscriber
 * or relying party asks at the counter, renewal reminders, and the timer
 * that ends suspensions.
 *
 * Status words (DOMAIN.md): "new_application" (an approved new order still
 * in production), "in_use" (valid now), "cancelled" (expired or not yet
 * valid), "revoked", "suspended".
 *
 * A suspension lasts at most six calendar months. rk_certstatus_tick()
 * resumes a hold that reached six months, as the system, audited; a hold
 * that outlived the certificate itself is not resumed but turned into a
 * revocation order that a review clerk approves. The kiosk and the sync
 * daemon run the tick periodically; `ractl tick` runs it by hand.
 */
#ifndef RK_CERTSTATUS_H
#define RK_CERTSTATUS_H

#include <stdint.h>

#include "domain/ledger.h"
#include "domain/order.h"

typedef struct rk_status_hit {
    char status[24]; /* see above */
    char status_zh[64]; /* 新申请（审核通过，制证中） / 正常使用 / 已失效 / 已吊销 / 已挂起 */
    char serial[64]; /* "" for a new application */
    char subject_name[RK_ORDER_VALUE_MAX];
    char cert_kind[16];
    char usage[8];
    int64_t not_before, not_after;
    char order_ref[RK_ORDER_REF_MAX];
} rk_status_hit;

/* Looks up by certificate serial (hex) or exact subject name. Fills at
 * most max hits; *n receives their number (0: nothing known). */
int rk_certstatus_query(rk_ledger *l, const char *subject_or_serial, rk_status_hit *hits, int max,
                        int *n);

typedef struct rk_renewal {
    char serial[64];
    char subject_name[RK_ORDER_VALUE_MAX];
    int64_t not_after;
    int days_left;
    char order_ref[RK_ORDER_REF_MAX];
} rk_renewal;

/* Valid certificates expiring within days of now, soonest first, into a
 * new array (free() it). */
int rk_certstatus_renewals(rk_ledger *l, int days, rk_renewal **out, int *n);

/* Runs the suspension timer at the current time: *resumed and
 * *revocations (may be NULL) receive how many holds were resumed and how
 * many revocation orders were started. One transaction per certificate. */
int rk_certstatus_tick(rk_ledger *l, int *resumed, int *revocations);

/* The ledger's status ("valid", "revoked", "suspended") of certificate
 * serial, given in hex of any case with or without leading zeros, and the
 * order it belongs to ("" if none; both outputs may be NULL). RK_ENOTFOUND
 * if the ledger does not hold it. Looked up by index. */
int rk_certstatus_of(rk_ledger *l, const char *serial, char *status, size_t status_n,
                     char *order_ref, size_t ref_n);

/* The end of a hold that began at t: six calendar months later. */
int64_t rk_certstatus_hold_end(int64_t t);

#endif
