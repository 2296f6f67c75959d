/*
 * Recording a change: its audit entry and its outbox event, written
 * together inside the transaction of the change, so that an event exists
 * exactly when its change was committed and every change has its entry.
 *
 * One call (rk_record_add) replaces the audit-append-then-outbox-add pair
 * every module wrote for itself; rk_db_end (db/db.h) is the commit-or-
 * rollback tail of such a transaction, and rk_record_once runs a record
 * that is a change of its own (a sub-CA action, a CRL signed) in a
 * transaction by itself.
 */
#ifndef RK_RECORD_H
#define RK_RECORD_H

#include "audit/audit.h"
#include "db/db.h"

typedef struct rk_record {
    /* The audit entry (see rk_audit_entry). */
    const char *actor;    /* clerk login; NULL or "" is "system" */
    const char *role;     /* the role the action used */
    const char *action;   /* "order.approve", "clerk.add" ... */
    const char *order_id; /* the order's UUID, or NULL */
    const char *before;   /* JSON snapshots, or NULL */
    const char *after;
    const char *detail; /* free text, or NULL */
    /* The outbox event: none when entity is NULL. */
    const char *entity;    /* "order", "certificate", "clerk", "record" ... */
    const char *entity_id; /* the entity's UUID or key */
    const char *kind;      /* the event kind; NULL: the action */
    const char *payload;   /* JSON without personal data; NULL: after (or "{}") */
} rk_record;

/* Appends r's audit entry and, when r->entity is set, its outbox event, in
 * the open transaction (RK_EINTERNAL if none). On failure the caller rolls
 * back (rk_db_end does). */
int rk_record_add(rk_db *db, const rk_record *r);

/* BEGIN, rk_record_add, and COMMIT (or ROLLBACK on any failure): for a
 * record that is a change by itself. RK_EINTERNAL if a transaction is
 * already open (then use rk_record_add in it). */
int rk_record_once(rk_db *db, const rk_record *r);

#endif
