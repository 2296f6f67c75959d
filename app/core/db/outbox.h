/*
 * The transactional outbox: events for the sync daemon.
 *
 * Every change to an order, a certificate or a record calls rk_outbox_add()
 * inside the same transaction as the change, so an event exists exactly
 * when its change was committed. Events carry a monotonic sequence number
 * (never reused, even after deletions) and a UUID; HQ applies them
 * idempotently by (branch, seq). rasync reads unsent events in order and
 * marks them sent once HQ has acknowledged them.
 */
#ifndef RK_OUTBOX_H
#define RK_OUTBOX_H

#include <stdint.h>

#include "db/db.h"

typedef struct rk_outbox_event {
    int64_t seq;
    char uuid[37];
    int64_t at;
    char entity[32];    /* "order", "certificate", "clerk", "record" ... */
    char entity_id[64]; /* the entity's UUID or key */
    char kind[48];      /* "order.submitted", "clerk.added" ... */
    char *payload;      /* JSON, owned by the event (see rk_outbox_event_clear) */
    int64_t sent_at;    /* when HQ acknowledged it; 0 while unsent */
} rk_outbox_event;

/* Appends an event; must be called inside a transaction (RK_EINTERNAL
 * otherwise). payload is a JSON document ("{}" if NULL). *seq (may be NULL)
 * receives its sequence number. */
int rk_outbox_add(rk_db *db, int64_t *seq, const char *entity, const char *entity_id,
                  const char *kind, const char *payload);

/* Reading. Every reader fills a caller-provided array of max events (a
 * batch: the pusher's size) in ascending seq and sets *n; each event owns
 * its payload (rk_outbox_event_clear). On failure nothing is kept (*n 0).
 * A pusher reads the unsent events from its mark in batches, pushes them,
 * and marks them sent only on HQ's acknowledgement (rk_outbox_mark_sent
 * up to HQ's acked_seq), so an unacknowledged batch is read again. */

/* Up to max unsent events with seq > after. */
int rk_outbox_pending(rk_db *db, rk_outbox_event *events, int max, int *n, int64_t after);

/* Up to max events of one entity (an order's UUID, a certificate's
 * serial ...) with seq > after, sent or not: its history, for the sync's
 * repairs and digests; page with after = the last seq read. */
int rk_outbox_entity(rk_db *db, rk_outbox_event *events, int max, int *n, const char *entity,
                     const char *entity_id, int64_t after);

/* The newest event of one entity (what reconciliation pushes again).
 * RK_ENOTFOUND if it has none. */
int rk_outbox_latest(rk_db *db, rk_outbox_event *ev, const char *entity, const char *entity_id);

/* The event with sequence seq. RK_ENOTFOUND. */
int rk_outbox_get(rk_db *db, rk_outbox_event *ev, int64_t seq);

/* Marks every event up to and including seq as sent at the current time
 * (events already sent keep their time). */
int rk_outbox_mark_sent(rk_db *db, int64_t upto_seq);

/* Marks every event after after_seq unsent again: HQ said it holds them
 * only up to after_seq (its data was restored), so they go again. */
int rk_outbox_mark_unsent(rk_db *db, int64_t after_seq);

/* The end of the sent prefix (every event up to *sent_upto is sent; 0 if
 * none) and the number of events unsent. */
int rk_outbox_marks(rk_db *db, int64_t *sent_upto, int64_t *unsent);

/* Frees an event's payload. */
void rk_outbox_event_clear(rk_outbox_event *ev);

#endif
