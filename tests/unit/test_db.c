/*
 * Unit tests of the store: connection set-up, migrations from every older
 * schema version, the outbox's transactional behaviour and sequence numbers.
 */
#include "test.h"

#include <sys/stat.h>

#include "db/db.h"
#include "db/outbox.h"
#include "util/err.h"

#include <unistd.h>

static char dir[256];

static rk_db *open_new(const char *name)
{
    char path[512];
    rk_db *db = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (rk_db_open(&db, path, RK_DB_CREATE) != 0) {
        fprintf(stderr, "open %s: %s\n", path, rk_err_msg());
        exit(2);
    }
    return db;
}

static void test_open(void)
{
    rk_db *db = NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/missing.db", dir);
    CHECK_INT(rk_db_open(&db, path, 0), RK_ENOTFOUND);
    CHECK(strstr(rk_err_msg(), "ractl init") != NULL);

    db = open_new("open.db");
    sqlite3_stmt *st;
    CHECK_INT(rk_db_prepare(db, &st, "PRAGMA journal_mode"), 0);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    CHECK_INT(rk_db_prepare(db, &st, "PRAGMA foreign_keys"), 0);
    CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1);
    sqlite3_finalize(st);
    CHECK_INT(rk_db_prepare(db, &st, "PRAGMA synchronous"), 0);
    CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 2); /* FULL */
    sqlite3_finalize(st);
    CHECK_INT(rk_db_prepare(db, &st, "SELEC nonsense"), RK_EDB);
    CHECK_INT(rk_db_begin(db), 0);
    CHECK_INT(rk_db_begin(db), RK_EINTERNAL);
    rk_db_rollback(db);
    rk_db_close(db);
    rk_db_close(NULL);
}

static void test_migrations(void)
{
    int latest = rk_db_latest_version(), from, to;
    CHECK(latest >= 1);
    /* From every older version, including an empty file, to the newest. */
    for (int v = 0; v < latest; v++) {
        char name[32];
        rk_buf report;
        snprintf(name, sizeof name, "m%d.db", v);
        rk_db *db = open_new(name);
        if (v > 0) {
            CHECK_INT(rk_db_migrate(db, v, &from, &to), 0);
            CHECK_INT(to, v);
        }
        CHECK_INT(rk_db_migrate(db, 0, &from, &to), 0);
        CHECK_INT(from, v);
        CHECK_INT(to, latest);
        rk_buf_init(&report, 1 << 16);
        CHECK_INT(rk_db_check(db, &report), 0);
        CHECK(strstr(report.data, "integrity: ok") != NULL);
        rk_buf_free(&report);
        /* Migrating again does nothing. */
        CHECK_INT(rk_db_migrate(db, 0, &from, &to), 0);
        CHECK_INT(from, latest);
        CHECK_INT(to, latest);
        rk_db_close(db);
    }
    /* A database from a newer program is refused. */
    rk_db *db = open_new("newer.db");
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", latest + 1);
    CHECK_INT(rk_db_exec(db, sql), 0);
    CHECK_INT(rk_db_migrate(db, 0, NULL, NULL), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "newer than this program") != NULL);
    rk_buf report;
    rk_buf_init(&report, 1 << 16);
    CHECK_INT(rk_db_check(db, &report), RK_EVERIFY);
    rk_buf_free(&report);
    rk_db_close(db);
}

static int64_t count(rk_db *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    if (rk_db_prepare(db, &st, sql) == 0 && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Migration 8 starts each day's reference counter at the day's highest
 * reference so far (four or five digits). */
static void test_ref_counter(void)
{
    rk_db *db = open_new("refs.db");
    CHECK_INT(rk_db_migrate(db, 7, NULL, NULL), 0);
    CHECK_INT(rk_db_exec(db,
                         "INSERT INTO orders(uuid, ref, business, subscriber, cert_kind, state, "
                         "fields, created_at, updated_at) VALUES "
                         "('u1', '260301-0003', 'new', 'individual', 'individual', 'draft', "
                         "x'', 1, 1), "
                         "('u2', '260301-0012', 'new', 'individual', 'individual', 'draft', "
                         "x'', 1, 1), "
                         "('u3', '260302-10001', 'new', 'individual', 'individual', 'draft', "
                         "x'', 1, 1)"),
              0);
    CHECK_INT(rk_db_migrate(db, 0, NULL, NULL), 0);
    CHECK_INT(count(db, "SELECT last FROM order_ref WHERE day = '260301'"), 12);
    CHECK_INT(count(db, "SELECT last FROM order_ref WHERE day = '260302'"), 10001);
    CHECK_INT(count(db, "SELECT count(*) FROM order_ref"), 2);
    rk_db_close(db);
}

/* Migration 9 takes each order's rejections over from the audit log. */
static void test_rejection_history(void)
{
    rk_db *db = open_new("rejections.db");
    CHECK_INT(rk_db_migrate(db, 8, NULL, NULL), 0);
    CHECK_INT(rk_db_exec(db,
                         "INSERT INTO clerk(id, login, name, roles, password, created_at) "
                         "VALUES (7, 'ray', 'Ray', 2, 'x', 1);"
                         "INSERT INTO orders(id, uuid, ref, business, subscriber, cert_kind, "
                         "state, fields, created_at, updated_at) VALUES (3, 'u1', "
                         "'260301-0001', 'new', 'individual', 'individual', 'submitted', x'', "
                         "1, 1);"
                         "INSERT INTO audit(at, actor, role, action, order_id, detail, "
                         "prev_hash, hash) VALUES "
                         "(10, 'ray', 'review', 'order.rejected', 'u1', '复印件不清晰', '', ''), "
                         "(20, 'lily', 'entry', 'order.submitted', 'u1', NULL, '', ''), "
                         "(30, 'ray', 'review', 'order.rejected', 'u1', '缺少反面', '', '')"),
              0);
    CHECK_INT(rk_db_migrate(db, 0, NULL, NULL), 0);
    CHECK_INT(count(db, "SELECT count(*) FROM order_rejection WHERE order_id = 3 AND clerk_id = 7"),
              2);
    CHECK_INT(count(db, "SELECT at FROM order_rejection WHERE reason = '缺少反面'"), 30);
    CHECK_INT(count(db, "SELECT refund_fen FROM orders WHERE id = 3"), 0);
    rk_db_close(db);
}

static void test_outbox(void)
{
    rk_db *db = open_new("outbox.db");
    int64_t s1 = 0, s2 = 0, s3 = 0;
    CHECK_INT(rk_db_migrate(db, 0, NULL, NULL), 0);

    /* Outside a transaction: refused, nothing written. */
    CHECK_INT(rk_outbox_add(db, &s1, "order", "o1", "order.created", "{}"), RK_EINTERNAL);

    /* A rolled-back change leaves no event. */
    CHECK_INT(rk_db_begin(db), 0);
    CHECK_INT(rk_outbox_add(db, &s1, "order", "o1", "order.created", "{\"a\":1}"), 0);
    rk_db_rollback(db);
    CHECK_INT(count(db, "SELECT count(*) FROM outbox"), 0);

    CHECK_INT(rk_db_begin(db), 0);
    CHECK_INT(rk_outbox_add(db, &s1, "order", "o1", "order.created", "{\"a\":1}"), 0);
    CHECK_INT(rk_outbox_add(db, &s2, "order", "o1", "order.submitted", NULL), 0);
    CHECK_INT(rk_db_commit(db), 0);
    CHECK(s2 > s1);

    /* Sequence numbers are never reused, even after the newest is removed. */
    CHECK_INT(rk_db_exec(db, "DELETE FROM outbox WHERE seq = (SELECT max(seq) FROM outbox)"), 0);
    CHECK_INT(rk_db_begin(db), 0);
    CHECK_INT(rk_outbox_add(db, &s3, "clerk", "c1", "clerk.added", "{}"), 0);
    CHECK_INT(rk_db_commit(db), 0);
    CHECK(s3 > s2);

    rk_outbox_event ev[4];
    int n = 0;
    CHECK_INT(rk_outbox_pending(db, ev, 4, &n, 0), 0);
    CHECK_INT(n, 2);
    CHECK_INT(ev[0].seq, s1);
    CHECK_STR(ev[0].kind, "order.created");
    CHECK_STR(ev[0].payload, "{\"a\":1}");
    CHECK_INT(strlen(ev[0].uuid), 36);
    CHECK_INT(ev[1].seq, s3);
    for (int i = 0; i < n; i++)
        rk_outbox_event_clear(&ev[i]);
    CHECK_INT(rk_outbox_mark_sent(db, s1), 0);
    CHECK_INT(rk_outbox_pending(db, ev, 4, &n, 0), 0);
    CHECK_INT(n, 1);
    CHECK_INT(ev[0].seq, s3);
    rk_outbox_event_clear(&ev[0]);
    rk_db_close(db);
}

static void test_two_connections(void)
{
    rk_db *a = open_new("shared.db"), *b = open_new("shared.db");
    CHECK_INT(rk_db_migrate(a, 0, NULL, NULL), 0);
    CHECK_INT(rk_db_migrate(b, 0, NULL, NULL), 0);
    for (int i = 0; i < 50; i++) {
        rk_db *w = i % 2 ? a : b;
        CHECK_INT(rk_db_begin(w), 0);
        CHECK_INT(rk_outbox_add(w, NULL, "record", "r", "record.added", "{}"), 0);
        CHECK_INT(rk_db_commit(w), 0);
    }
    /* A reader sees every commit of the other connection. */
    CHECK_INT(count(a, "SELECT count(*) FROM outbox"), 50);
    CHECK_INT(count(b, "SELECT count(DISTINCT seq) FROM outbox"), 50);
    rk_db_close(a);
    rk_db_close(b);
}

static void test_meta(void)
{
    rk_db *db = open_new("meta.db");
    char v[64];
    CHECK_INT(rk_db_migrate(db, 0, NULL, NULL), 0);
    CHECK_INT(rk_db_meta_get(db, "branch_id", v, sizeof v), RK_ENOTFOUND);
    CHECK_INT(rk_db_meta_set(db, "branch_id", "B1"), 0);
    CHECK_INT(rk_db_meta_set(db, "branch_id", "B2"), 0);
    CHECK_INT(rk_db_meta_get(db, "branch_id", v, sizeof v), 0);
    CHECK_STR(v, "B2");
    rk_db_close(db);
}

static int synchronous(rk_db *db)
{
    sqlite3_stmt *st;
    int v = -1;
    if (rk_db_prepare(db, &st, "PRAGMA synchronous") == 0) {
        if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

/* rk_db_set_durable switches synchronous between FULL (2, the default)
 * and NORMAL (1), and skips a switch to what is already in force; a
 * transaction in between changes nothing. The WAL file persists. */
static void test_durable(void)
{
    rk_db *db = open_new("durable.db");
    CHECK_INT(synchronous(db), 2);
    CHECK_INT(rk_db_set_durable(db, 0), 0);
    CHECK_INT(synchronous(db), 1);
    CHECK_INT(rk_db_set_durable(db, 0), 0);
    CHECK_INT(rk_db_begin(db), 0);
    CHECK_INT(rk_db_exec(db, "CREATE TABLE t(x)"), 0);
    CHECK_INT(rk_db_commit(db), 0);
    CHECK_INT(synchronous(db), 1);
    CHECK_INT(rk_db_set_durable(db, 1), 0);
    CHECK_INT(synchronous(db), 2);
    CHECK_INT(rk_db_set_durable(db, 1), 0);
    CHECK_INT(synchronous(db), 2);
    /* BEGIN and COMMIT come from the statement cache: again and again */
    for (int i = 0; i < 3; i++) {
        CHECK_INT(rk_db_begin(db), 0);
        CHECK_INT(rk_db_begin(db), RK_EINTERNAL); /* already open */
        CHECK_INT(rk_db_exec(db, "INSERT INTO t VALUES (1)"), 0);
        CHECK_INT(rk_db_commit(db), 0);
    }
    rk_db_close(db);
    /* The WAL file stays after the last close (db.c says why); the
     * database reopens with every row. */
    char wal[512];
    snprintf(wal, sizeof wal, "%s/durable.db-wal", dir);
    CHECK_INT(access(wal, F_OK), 0);
    db = open_new("durable.db");
    sqlite3_stmt *st;
    int rows = -1;
    if (rk_db_prepare(db, &st, "SELECT count(*) FROM t") == 0) {
        if (sqlite3_step(st) == SQLITE_ROW) rows = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    CHECK_INT(rows, 3);
    rk_db_close(db);
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* A burst of writes grows the WAL file; the next restart of the file
 * truncates it back to 8 MiB, and the last close keeps it (not empty). */
static void test_wal_bounded(void)
{
    rk_db *db = open_new("burst.db");
    char wal[512];
    snprintf(wal, sizeof wal, "%s/burst.db-wal", dir);
    CHECK_INT(rk_db_exec(db, "CREATE TABLE b(x)"), 0);
    /* 12 MiB in one transaction: 3000 pages in the WAL */
    CHECK_INT(rk_db_exec(db, "BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                             "FROM n WHERE i < 12) INSERT INTO b SELECT zeroblob(1048576) FROM n; "
                             "COMMIT"),
              0);
    CHECK(file_size(wal) > 12L * 1048576);
    /* the automatic checkpoint copied it all; the next writes restart the
     * file and truncate it */
    CHECK_INT(rk_db_exec(db, "DELETE FROM b"), 0);
    CHECK_INT(rk_db_exec(db, "PRAGMA wal_checkpoint(PASSIVE)"), 0);
    CHECK_INT(rk_db_exec(db, "INSERT INTO b VALUES (1)"), 0);
    long after = file_size(wal);
    CHECK(after > 0 && after <= 8L * 1048576);
    rk_db_close(db);
    CHECK_INT(file_size(wal), after);
}

int main(void)
{
    rk_test_tmpdir(dir, sizeof dir);
    test_open();
    test_migrations();
    test_ref_counter();
    test_rejection_history();
    test_outbox();
    test_two_connections();
    test_meta();
    test_durable();
    test_wal_bounded();
    rk_test_rmtree(dir);
    return rk_test_done();
}
