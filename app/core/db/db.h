/*
 * The branch database: SQLite in WAL mode, shared by rakiosk, ractl and
 * rasync at the same time.
 *
 * Every connection runs with foreign keys on, a busy timeout, and
 * synchronous=FULL (order data must survive power loss). Writers use short
 * IMMEDIATE transactions through rk_db_begin/commit so two processes never
 * deadlock on a lock upgrade. The schema is built by numbered migrations
 * (migrations.c); a program refuses a database newer than itself and asks
 * for `ractl db migrate` when it is older.
 */
#ifndef RK_DB_H
#define RK_DB_H

#include <sqlite3.h>
#include <stdint.h>

#include "util/buf.h"

typedef struct rk_db rk_db;

enum {
    RK_DB_CREATE = 1,  /* create the file if missing */
    RK_DB_READONLY = 2 /* open read-only (reports, verify) */
};

/* Opens path. RK_ENOTFOUND if it does not exist and RK_DB_CREATE is not set;
 * RK_EDB with SQLite's message otherwise. The caller owns *out. */
int rk_db_open(rk_db **out, const char *path, int flags);

/* Closes; NULL does nothing. A transaction left open is rolled back. */
void rk_db_close(rk_db *db);

/* The SQLite handle, for modules that prepare their own statements. */
sqlite3 *rk_db_handle(rk_db *db);

/* BEGIN IMMEDIATE, waiting out other writers up to the busy timeout. */
int rk_db_begin(rk_db *db);
int rk_db_commit(rk_db *db);
/* Rolls back if a transaction is open; never fails. */
void rk_db_rollback(rk_db *db);
/* The tail of a writing transaction: commits if rc is 0, else rolls back.
 * Returns rc, or the commit's failure (the transaction is then rolled
 * back too). So `return rk_db_end(db, rc);` ends every path of a change. */
int rk_db_end(rk_db *db, int rc);
/* 1 inside a transaction. */
int rk_db_in_tx(rk_db *db);

/* Change notification between the programs sharing the database: 1 if
 * another connection (another program, or another connection of this one)
 * committed a change since this connection's previous call (or since
 * rk_db_open, for the first call), else 0; negative RK_E* on failure.
 * This connection's own commits never count: a program reloads what others
 * changed, not what it just wrote itself. Built on PRAGMA data_version
 * through a cached statement (0.7 us when nothing changed, 3 us after a
 * commit, tests/bench/bench_jobs; no lock, no disk I/O beyond the WAL index
 * in shared memory), so a long-running program can
 * ask on every turn of its loop or on a timer (the kiosk: each second while
 * a queue is shown). Inside this connection's own transaction it sees that
 * transaction's snapshot: ask between transactions. One watcher per
 * connection: two callers on one connection would each see only part of
 * the changes. */
int rk_db_changed(rk_db *db);

/* Whether commits wait for the disk: 1 (the default, synchronous=FULL)
 * or 0 (synchronous=NORMAL: in WAL mode a commit is still ordered and never
 * torn and survives a crash of the program, but a power cut may undo the
 * newest commits up to the next one that waits). For a caller whose
 * commits can all be found again or repeated (the enrolment journal);
 * it sets 1 again before any commit that must last. */
int rk_db_set_durable(rk_db *db, int full);

/* Runs SQL without results. */
int rk_db_exec(rk_db *db, const char *sql);

/* Records SQLite's current message as "what: message" and returns RK_EDB,
 * or RK_EBUSY when the database is locked by another process. */
int rk_db_fail(rk_db *db, const char *what);

/* Prepares a statement; RK_EDB with the message on failure. */
int rk_db_prepare(rk_db *db, sqlite3_stmt **out, const char *sql);

/* Cached statements for hot paths (capture, audit, outbox): returns a reset
 * statement for sql (matched by text), prepared on first use and kept by the
 * connection. Hand it back with rk_db_release(), never sqlite3_finalize().
 * A statement already in use, or one past the cache's size, is prepared
 * afresh and finalized on release, so nesting is safe. */
int rk_db_cached(rk_db *db, sqlite3_stmt **out, const char *sql);
void rk_db_release(rk_db *db, sqlite3_stmt *st);

/* Steps st (prepared or cached, bound) once, expecting no row, and hands it
 * back (rk_db_release); RK_EDB (or RK_EBUSY) as rk_db_fail(db, what). */
int rk_db_step_done(rk_db *db, sqlite3_stmt *st, const char *what);

/* Binds v as text to parameter i, or NULL when v is NULL or "" (copied). */
void rk_db_bind_opt_text(sqlite3_stmt *st, int i, const char *v);

/* Fills one element of a list from the current row of st; 0 or RK_E*. */
typedef int (*rk_db_row_fn)(void *elem, sqlite3_stmt *st, void *arg);

/* Steps st (prepared, bound) to its end and finalizes it, collecting one
 * element of elem_size bytes per row into a growing array: each starts
 * zeroed and row() fills it. On success *out (the caller frees it; NULL
 * when there are no rows) and *n; on failure neither, and the message
 * names `what` ("cannot list <what>"). */
int rk_db_collect(void **out, int *n, rk_db *db, sqlite3_stmt *st, size_t elem_size,
                  rk_db_row_fn row, void *arg, const char *what);

/* Copies column col of the current row as text into dst (n bytes, cut if
 * longer; "" for NULL). */
void rk_db_text(char *dst, size_t n, sqlite3_stmt *st, int col);

/* Schema version (PRAGMA user_version) and the newest this program knows. */
int rk_db_version(rk_db *db, int *out);
int rk_db_latest_version(void);

/* Applies migrations up to target (0 = latest), each in its own
 * transaction. *from and *to (may be NULL) report the versions. RK_ESTATE if
 * the database is newer than this program. */
int rk_db_migrate(rk_db *db, int target, int *from, int *to);

/* The same for another database's numbered migrations list[0..n) (HQ's
 * store): migration N is list[N-1], applied with user_version = N. */
int rk_db_migrate_list(rk_db *db, const char *const *list, int n, int target, int *from, int *to);

/* Runs integrity and foreign-key checks and compares the schema version;
 * appends a report to out. RK_EVERIFY if anything is wrong. */
int rk_db_check(rk_db *db, rk_buf *out);

/* Reads/writes a row of the meta key-value table. */
int rk_db_meta_get(rk_db *db, const char *key, char *out, size_t n);
int rk_db_meta_set(rk_db *db, const char *key, const char *value);

#endif
