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

/* The hash of an entry with sequence seq and time at that follows the
 * entry whose hash is prev_hash (64 zeros for the first): what
 * rk_audit_append stores, so a copy of the log (HQ's) can check that an
 * entry belongs to the chain. RK_ECRYPTO if hashing fails. */
int rk_audit_hash(char out[65], int64_t seq, int64_t at, const rk_audit_entry *e,
                  const char *prev_hash);

/* An entry as stored, for copies of the log (the sync daemon pushes them
 * to HQ). Strings are owned by the row (NULL for SQL NULL). */
typedef struct rk_audit_row {
    int64_t seq, at;
    char *actor, *role, *action, *order_id, *before, *after, *detail;
    char prev_hash[65], hash[65];
} rk_audit_row;

/* Up to max entries with seq > after, in order, into a new array *out
 * (rk_audit_rows_free); *n is their count. */
int rk_audit_read(rk_audit_row **out, int *n, rk_db *db, int64_t after, int max);
void rk_audit_rows_free(rk_audit_row *rows, int n);

/* The newest entry's seq and hash (0 and 64 zeros for an empty log). */
int rk_audit_head(int64_t *seq, char hash[65], rk_db *db);

/* The hash of entry seq; RK_ENOTFOUND if the log holds no such entry. */
int rk_audit_hash_at(char hash[65], rk_db *db, int64_t seq);

/* Walks the whole chain. 0 if intact (*checked = number of entries);
 * RK_EVERIFY naming the first bad entry (its seq also in *bad_seq) and
 * what is wrong with it. */
int rk_audit_verify(rk_db *db, int64_t *checked, int64_t *bad_seq);

#endif
