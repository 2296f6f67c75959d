/*
 * The branch database connection (see db.h).
 */
#include "db.h"

#include "util/err.h"
#include "util/utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RK_DB_BUSY_TIMEOUT_MS 10000

/* The most a kept WAL file stays at after a burst of writes (see
 * rk_db_open): twice what SQLite's automatic checkpoint lets it reach in
 * normal use (1000 pages of 4 KiB), so that normal use never truncates. */
#define RK_DB_WAL_KEEP "8388608"

#define RK_DB_CACHE 64

typedef struct cached_stmt {
    char *sql;
    sqlite3_stmt *st;
    int busy;
} cached_stmt;

struct rk_db {
    sqlite3 *h;
    cached_stmt cache[RK_DB_CACHE];
    int n_cached;
    int relaxed;          /* rk_db_set_durable(db, 0) is in force */
    int64_t data_version; /* PRAGMA data_version at the last rk_db_changed */
};

/* PRAGMA data_version: changes when another connection commits. */
static int data_version(rk_db *db, int64_t *out)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(db, &st, "PRAGMA data_version");
    if (rc) return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = rk_db_fail(db, "cannot read the database's data version");
    rk_db_release(db, st);
    return rc;
}

int rk_db_fail(rk_db *db, const char *what)
{
    int ec = sqlite3_extended_errcode(db->h) & 0xff;
    if (ec == SQLITE_BUSY || ec == SQLITE_LOCKED)
        return rk_err_set(RK_EBUSY, "%s: the database is busy (another program holds a lock)",
                          what);
    return rk_err_set(RK_EDB, "%s: %s", what, sqlite3_errmsg(db->h));
}

int rk_db_open(rk_db **out, const char *path, int flags)
{
    rk_db *db = NULL;
    int oflags, rc;

    *out = NULL;
    if (!(flags & RK_DB_CREATE) && access(path, F_OK) != 0)
        return rk_err_set(RK_ENOTFOUND, "no database at %s (run `ractl init` first)", path);
    db = calloc(1, sizeof *db);
    if (!db) return rk_err_oom();
    oflags = SQLITE_OPEN_FULLMUTEX;
    oflags |= (flags & RK_DB_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (flags & RK_DB_CREATE) oflags |= SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &db->h, oflags, NULL) != SQLITE_OK) {
        rc = rk_err_set(RK_EDB, "cannot open database %s: %s", path,
                        db->h ? sqlite3_errmsg(db->h) : "out of memory");
        sqlite3_close(db->h);
        free(db);
        return rc;
    }
    sqlite3_busy_timeout(db->h, RK_DB_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(db->h, 1);
    /* The WAL file stays when the last connection closes (checkpointed, so
     * the database file alone is whole) and keeps its size: once SQLite's
     * automatic checkpoint restarts it (every 1000 pages), commits
     * overwrite it in place instead of growing a new file from empty, as
     * every program did when the last close deleted it. A commit that
     * waits for the disk costs 0.3 ms overwriting against 0.3-0.7 ms
     * growing (each growth makes fdatasync also write the file's new size
     * and blocks, measured on this VM's ext4).
     * A burst of writes while a reader holds an old snapshot grows the file
     * beyond that (the bench's set-up left 28 MB): journal_size_limit has
     * SQLite truncate it back to RK_DB_WAL_KEEP when it next restarts the
     * file. rk_db_close lifts the limit again, since SQLite truncates a
     * kept WAL file to nothing on the last close while a limit is set. */
    int persist = 1;
    sqlite3_file_control(db->h, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    const char *setup = (flags & RK_DB_READONLY)
                            ? "PRAGMA foreign_keys=ON;"
                            : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                              "PRAGMA journal_size_limit=" RK_DB_WAL_KEEP ";"
                              "PRAGMA foreign_keys=ON;";
    if ((rc = rk_db_exec(db, setup)) != 0) {
        rk_err_wrap(rc, "cannot set up database %s", path);
        rk_db_close(db);
        return rc;
    }
    if ((rc = data_version(db, &db->data_version)) != 0) {
        rk_db_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

void rk_db_close(rk_db *db)
{
    if (!db) return;
    if (!sqlite3_get_autocommit(db->h)) sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_exec(db->h, "PRAGMA journal_size_limit=-1", NULL, NULL, NULL); /* see rk_db_open */
    for (int i = 0; i < db->n_cached; i++) {
        sqlite3_finalize(db->cache[i].st);
        free(db->cache[i].sql);
    }
    sqlite3_close_v2(db->h);
    free(db);
}

sqlite3 *rk_db_handle(rk_db *db)
{
    return db->h;
}

int rk_db_exec(rk_db *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = rk_db_fail(db, msg ? msg : "SQL failed");
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

int rk_db_prepare(rk_db *db, sqlite3_stmt **out, const char *sql)
{
    if (sqlite3_prepare_v2(db->h, sql, -1, out, NULL) != SQLITE_OK)
        return rk_db_fail(db, "cannot prepare statement");
    return 0;
}

int rk_db_cached(rk_db *db, sqlite3_stmt **out, const char *sql)
{
    cached_stmt *free_slot = NULL;
    for (int i = 0; i < db->n_cached; i++) {
        cached_stmt *c = &db->cache[i];
        if (strcmp(c->sql, sql)) continue;
        if (c->busy) return rk_db_prepare(db, out, sql); /* nested use: a private copy */
        c->busy = 1;
        *out = c->st;
        return 0;
    }
    if (db->n_cached < RK_DB_CACHE) free_slot = &db->cache[db->n_cached];
    int rc = rk_db_prepare(db, out, sql);
    if (rc || !free_slot) return rc;
    free_slot->sql = strdup(sql);
    if (!free_slot->sql) return 0; /* uncached: finalized on release */
    free_slot->st = *out;
    free_slot->busy = 1;
    db->n_cached++;
    return 0;
}

void rk_db_release(rk_db *db, sqlite3_stmt *st)
{
    if (!st) return;
    for (int i = 0; i < db->n_cached; i++) {
        if (db->cache[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            db->cache[i].busy = 0;
            return;
        }
    }
    sqlite3_finalize(st);
}

int rk_db_step_done(rk_db *db, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, what);
    rk_db_release(db, st);
    return rc;
}

void rk_db_bind_opt_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* A statement without rows through the cache (BEGIN and COMMIT run several
 * times an enrolment; compiling them each time cost 15 us). */
static int run_cached(rk_db *db, const char *sql, const char *what)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(db, &st, sql);
    if (rc) return rc;
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, what);
    rk_db_release(db, st);
    return rc;
}

int rk_db_set_durable(rk_db *db, int full)
{
    if (db->relaxed == !full) return 0; /* already so */
    int rc = run_cached(db, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                        "cannot set synchronous");
    if (!rc) db->relaxed = !full;
    return rc;
}

int rk_db_begin(rk_db *db)
{
    if (!sqlite3_get_autocommit(db->h))
        return rk_err_set(RK_EINTERNAL, "a transaction is already open");
    return run_cached(db, "BEGIN IMMEDIATE", "cannot begin a transaction");
}

int rk_db_commit(rk_db *db)
{
    int rc = run_cached(db, "COMMIT", "cannot commit");
    if (rc) rk_db_rollback(db);
    return rc;
}

void rk_db_rollback(rk_db *db)
{
    if (!sqlite3_get_autocommit(db->h)) sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

int rk_db_end(rk_db *db, int rc)
{
    if (rc) {
        rk_db_rollback(db);
        return rc;
    }
    return rk_db_commit(db);
}

int rk_db_in_tx(rk_db *db)
{
    return !sqlite3_get_autocommit(db->h);
}

int rk_db_changed(rk_db *db)
{
    int64_t v = 0;
    int rc = data_version(db, &v);
    if (rc) return rc;
    if (v == db->data_version) return 0;
    db->data_version = v;
    return 1;
}

int rk_db_version(rk_db *db, int *out)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st, "PRAGMA user_version");
    if (rc) return rc;
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = rk_db_fail(db, "cannot read the schema version");
        sqlite3_finalize(st);
        return rc;
    }
    *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return 0;
}

int rk_db_meta_get(rk_db *db, const char *key, char *out, size_t n)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st, "SELECT value FROM meta WHERE key = ?");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = 0;
    } else if (s == SQLITE_DONE) {
        rc = rk_err_set(RK_ENOTFOUND, "no setting '%s' in the database", key);
    } else {
        rc = rk_db_fail(db, "cannot read setting");
    }
    sqlite3_finalize(st);
    return rc;
}

int rk_db_meta_set(rk_db *db, const char *key, const char *value)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st,
                           "INSERT INTO meta(key, value) VALUES (?, ?) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot write setting");
    sqlite3_finalize(st);
    return rc;
}

int rk_db_check(rk_db *db, rk_buf *out)
{
    sqlite3_stmt *st;
    int rc, bad = 0, version = 0;

    rc = rk_db_prepare(db, &st, "PRAGMA integrity_check");
    if (rc) return rc;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (strcmp(line, "ok")) {
            bad = 1;
            rk_buf_printf(out, "integrity: %s\n", line);
        }
    }
    sqlite3_finalize(st);
    if (!bad) rk_buf_puts(out, "integrity: ok\n");

    rc = rk_db_prepare(db, &st, "PRAGMA foreign_key_check");
    if (rc) return rc;
    int fk_bad = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        fk_bad++;
        rk_buf_printf(out, "foreign key: table %s row %lld refers to a missing %s row\n",
                      sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1),
                      sqlite3_column_text(st, 2));
    }
    sqlite3_finalize(st);
    if (!fk_bad) rk_buf_puts(out, "foreign keys: ok\n");
    bad |= fk_bad != 0;

    if ((rc = rk_db_version(db, &version)) != 0) return rc;
    if (version == rk_db_latest_version()) {
        rk_buf_printf(out, "schema: version %d (current)\n", version);
    } else {
        bad = 1;
        rk_buf_printf(out, "schema: version %d, this program expects %d (run `ractl db migrate`)\n",
                      version, rk_db_latest_version());
    }

    /* The audit log's guards against UPDATE and DELETE must be in place. */
    if (version >= 1) {
        rc = rk_db_prepare(db, &st,
                           "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "
                           "('audit_no_update', 'audit_no_delete')");
        if (rc) return rc;
        int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
        sqlite3_finalize(st);
        if (n == 2) {
            rk_buf_puts(out, "audit guards: ok\n");
        } else {
            bad = 1;
            rk_buf_puts(out, "audit guards: missing (the audit table can be altered)\n");
        }
    }
    return bad ? rk_err_set(RK_EVERIFY, "the database check found problems") : 0;
}

int rk_db_collect(void **out, int *n, rk_db *db, sqlite3_stmt *st, size_t elem_size,
                  rk_db_row_fn row, void *arg, const char *what)
{
    unsigned char *list = NULL;
    int count = 0, cap = 0, s = SQLITE_DONE, rc = 0;

    *out = NULL;
    *n = 0;
    while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            int ncap = cap ? 2 * cap : 16;
            unsigned char *grown = realloc(list, (size_t)ncap * elem_size);
            if (!grown) {
                rc = rk_err_oom();
                break;
            }
            list = grown;
            cap = ncap;
        }
        void *e = list + (size_t)count * elem_size;
        memset(e, 0, elem_size);
        if ((rc = row(e, st, arg)) == 0) count++;
    }
    if (!rc && s != SQLITE_DONE) {
        char msg[128];
        snprintf(msg, sizeof msg, "cannot list %s", what);
        rc = rk_db_fail(db, msg);
    }
    sqlite3_finalize(st);
    if (rc) {
        free(list);
        return rc;
    }
    *out = list;
    *n = count;
    return 0;
}

void rk_db_text(char *dst, size_t n, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    rk_utf8_copy(dst, n, t ? (const char *)t : ""); /* never half a character */
}
