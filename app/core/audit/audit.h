/*
 * The audit log: an append-only, hash-chained record of every clerk and
 * system action (who, in which role, did what, when, to which order, with
 * the state before and after).
 *
 * Each entry's hash is SHA-256 over its fields and the previous entry's
 * hash, so changing, inserting or removing an entry breaks the chain from
 * that entry on. Triggers refuse UPDATE and DELETE on the table; verify
 * catches what is done around them (a hand-edited file, a dropped trigger).
 * Entries are written inside the transaction of the change they describe.
 */
#ifndef RK_AUDIT_H
#define RK_AUDIT_H

#include <stdint.h>

#include "db/db.h"

typedef struct rk_audit_entry {
    const char *actor;    /* clerk login, or "system" */
    const char *role;     /* the role the action used: entry, review, issue, archive,
                             supervisor, system */
    const char *action;   /* "clerk.add", "order.approve" ... */
    const char *order_id; /* NULL if the action is not about an order */
    const char *before;   /* JSON snapshots or NULL */
    const char *after;
    const char *detail; /* free text: a reason, a comment, or NULL */
} rk_audit_entry;

/* Appends an entry inside the open transaction (RK_EINTERNAL if none);
 * *seq (may be NULL) receives its number. */
int rk_audit_append(rk_db *db, const rk_audit_entry *e, int64_t *seq);

/* Walks the whole chain. 0 if intact (*checked = number of entries);
 * RK_EVERIFY naming the first bad entry (its seq also in *bad_seq) and
 * what is wrong with it. */
int rk_audit_verify(rk_db *db, int64_t *checked, int64_t *bad_seq);

#endif
