/*
 * The branch's side of the nightly reconciliation (docs/SYNC-PROTOCOL.md
 * section 8): per-day digests of the orders as the events HQ acknowledged
 * describe them, computed exactly as HQ computes its own, so that a day
 * whose digests differ pinpoints a difference without moving every order.
 *
 * An order belongs to the UTC day of the earliest `at` of its events; its
 * line is "<uuid> <state> <last_seq>", state being that of its newest event
 * that names one, last_seq its newest event's sequence, over the outbox's
 * sent prefix (what HQ acknowledged).
 */
#ifndef RK_SYNC_DIGEST_H
#define RK_SYNC_DIGEST_H

#include <stdint.h>

#include "branch/sync_proto.h"
#include "db/db.h"
#include "db/outbox.h"

/* Days with orders whose day starts in [from, to), oldest first; *out is a
 * new array (free()). */
int rk_sync_digest_days(rk_sync_proto_day **out, int *n, rk_db *db, int64_t from, int64_t to);

/* The orders of one day, sorted by uuid; *out is a new array (free()). */
int rk_sync_digest_orders(rk_sync_proto_digest_order **out, int *n, rk_db *db, int64_t day_start);

#endif
