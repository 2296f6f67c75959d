/*
 * The daily close (日结): what the branch did in one day and the money it
 * took, counted from the ledger, and the close itself recorded by the
 * supervisor who does it.
 *
 * - Counts per business type of the day's actions: orders taken (created),
 *   submitted, approved, rejected, issued, delivered and cancelled. They
 *   are read from the audit log (every transition has its entry), so an
 *   order rejected and resubmitted on the same day is submitted twice; an
 *   approval that only sends the order to the competent authority is no
 *   approval yet.
 * - Takings per payment method: payments recorded that day (paid_at) and
 *   refunds handed back that day (refunded_at), in fen.
 * - The close: an audit entry "day.closed" (the day in its detail) and an
 *   outbox event (entity "report", id "daily:YYYY-MM-DD", kind
 *   "report.daily") carrying the figures, which hold no personal data. A
 *   day may be closed again (a late refund): the newest close is HQ's.
 *
 * The figures are read without a write lock (plain reads in WAL mode).
 */
#ifndef RK_DAYCLOSE_H
#define RK_DAYCLOSE_H

#include <stdint.h>

#include "domain/clerk.h"
#include "domain/ledger.h"
#include "util/buf.h"

#define RK_DAY_MAX_BUSINESS 24
#define RK_DAY_MAX_METHODS  8

enum {
    RK_DAY_TAKEN,
    RK_DAY_SUBMITTED,
    RK_DAY_APPROVED,
    RK_DAY_REJECTED,
    RK_DAY_ISSUED,
    RK_DAY_DELIVERED,
    RK_DAY_CANCELLED,
    RK_DAY_N_COUNTS
};

typedef struct rk_day_business {
    char business[16];
    int n[RK_DAY_N_COUNTS];
} rk_day_business;

typedef struct rk_day_money {
    char method[16]; /* cash, wechat, alipay, card, transfer */
    int payments, refunds;
    int64_t paid_fen, refunded_fen;
} rk_day_money;

typedef struct rk_dayclose {
    char date[11];                                 /* "YYYY-MM-DD" */
    int64_t start, end;                            /* [local midnight, next midnight) */
    rk_day_business business[RK_DAY_MAX_BUSINESS]; /* by business type, in its order */
    int n_business;
    int total[RK_DAY_N_COUNTS];
    rk_day_money methods[RK_DAY_MAX_METHODS]; /* by method, in its order */
    int n_methods;
    rk_day_money takings; /* all methods ("" as the method) */
    /* The newest close of the day so far (0 and "" if never closed). */
    int64_t closed_at;
    char closed_by[RK_CLERK_LOGIN_MAX + 1];
} rk_dayclose;

/* The key of count i ("taken", "submitted" ...) and its Chinese and English
 * headings; NULL out of range. */
const char *rk_day_count_key(int i);
const char *rk_day_count_label(int i, int zh);

/* The Chinese and English names of a payment method ("现金", "cash"). */
const char *rk_day_method_label(const char *method, int zh);

/* The figures of the local day containing t into *out. */
int rk_dayclose_read(rk_ledger *l, int64_t t, rk_dayclose *out);

/* The figures as a JSON object (the outbox payload, ractl --json). */
int rk_dayclose_json(rk_buf *out, const rk_dayclose *d);

/* Records the close of d's day by by (who must hold the supervisor role:
 * RK_EPERM otherwise) in one transaction: the audit entry and the outbox
 * event; d->closed_at and d->closed_by are set to it. */
int rk_dayclose_record(rk_ledger *l, const rk_actor *by, rk_dayclose *d);

/* "1234.50" from fen (with a minus sign when negative) into out (at least
 * 24 bytes). */
void rk_day_yuan(char *out, size_t n, int64_t fen);

#endif
