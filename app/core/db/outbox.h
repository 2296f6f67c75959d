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
} rk_outbox_event;

/* Appends an event; must be called inside a transaction (RK_EINTERNAL
 * otherwise). payload is a JSON document ("{}" if NULL). *seq (may be NULL)
 * receives its sequence number. */
int rk_outbox_add(rk_db *db, int64_t *seq, const char *entity, const char *entity_id,
                  const char *kind, const char *payload);

/* Reads up to max unsent events with seq > after, in order, into events
 * (caller-provided array); *n receives the count. */
int rk_outbox_pending(rk_db *db, rk_outbox_event *events, int max, int *n, int64_t after);

/* Marks every event up to and including seq as sent at the current time. */
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
