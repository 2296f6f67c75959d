/*
 * Unit tests of the hash-chained audit log: a clean chain verifies; a
 * changed, removed or inserted entry is found and named, even when done
 * around the append-only triggers. The record call writes an entry and its
 * outbox event together or neither, and rk_db_end commits or rolls back.
 */
#include "test.h"

#include "audit/audit.h"
#include "audit/record.h"
#include "db/outbox.h"
#include "db/db.h"
#include "util/err.h"

static char dir[256];

static rk_db *fresh(const char *name, int entries)
{
    char path[512];
    rk_db *db = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (rk_db_open(&db, path, RK_DB_CREATE) || rk_db_migrate(db, 0, NULL, NULL)) {
        fprintf(stderr, "%s\n", rk_err_msg());
        exit(2);
    }
    for (int i = 0; i < entries; i++) {
        char detail[32];
        snprintf(detail, sizeof detail, "step %d", i + 1);
        rk_audit_entry e = {
            i % 2 ? "alice" : "bob", i % 2 ? "entry" : "review", "order.test", "order-1",
            "{\"state\":\"a\"}",     "{\"state\":\"b\"}",        detail};
        rk_db_begin(db);
        int64_t seq = 0;
        CHECK_INT(rk_audit_append(db, &e, &seq), 0);
        CHECK_INT(seq, i + 1);
        rk_db_commit(db);
    }
    return db;
}

static void test_clean_chain(void)
{
    int64_t n, bad;
    rk_db *db = fresh("clean.db", 20);
    CHECK_INT(rk_audit_verify(db, &n, &bad), 0);
    CHECK_INT(n, 20);
    CHECK_INT(bad, 0);
    rk_audit_entry e = {"x", "entry", "a", NULL, NULL, NULL, NULL};
    CHECK_INT(rk_audit_append(db, &e, NULL), RK_EINTERNAL); /* outside a transaction */
    rk_db_close(db);

    db = fresh("empty.db", 0);
    CHECK_INT(rk_audit_verify(db, &n, &bad), 0);
    CHECK_INT(n, 0);
    rk_db_close(db);
}

static void test_triggers(void)
{
    rk_db *db = fresh("guard.db", 3);
    CHECK_INT(rk_db_exec(db, "UPDATE audit SET actor = 'mallory' WHERE seq = 2"), RK_EDB);
    CHECK(strstr(rk_err_msg(), "append-only") != NULL);
    CHECK_INT(rk_db_exec(db, "DELETE FROM audit WHERE seq = 2"), RK_EDB);
    rk_db_close(db);
}

static void tamper_and_expect(const char *name, const char *sql, int64_t expect_bad,
                              const char *expect_text)
{
    int64_t n, bad;
    rk_db *db = fresh(name, 10);
    CHECK_INT(rk_db_exec(db, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete"), 0);
    CHECK_INT(rk_db_exec(db, sql), 0);
    CHECK_INT(rk_audit_verify(db, &n, &bad), RK_EVERIFY);
    CHECK_INT(bad, expect_bad);
    CHECK(strstr(rk_err_msg(), expect_text) != NULL);
    if (!strstr(rk_err_msg(), expect_text)) fprintf(stderr, "  message was: %s\n", rk_err_msg());
    rk_db_close(db);
}

static void test_tampering(void)
{
    tamper_and_expect("t1.db", "UPDATE audit SET detail = 'step 99' WHERE seq = 4", 4,
                      "audit entry 4");
    tamper_and_expect("t2.db", "UPDATE audit SET actor = 'mallory' WHERE seq = 7", 7,
                      "content does not match");
    tamper_and_expect("t3.db", "UPDATE audit SET at = at + 1 WHERE seq = 1", 1, "audit entry 1");
    tamper_and_expect("t4.db", "DELETE FROM audit WHERE seq = 5", 6, "expected entry 5");
    /* Rewriting an entry with a correct-looking hash breaks the next link. */
    tamper_and_expect("t5.db",
                      "UPDATE audit SET hash = '"
                      "1111111111111111111111111111111111111111111111111111111111111111' "
                      "WHERE seq = 3",
                      3, "audit entry 3");
}

static int64_t count(rk_db *db, const char *table)
{
    char sql[96];
    sqlite3_stmt *st;
    int64_t n = -1;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    if (rk_db_prepare(db, &st, sql) == 0 && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_record(void)
{
    rk_db *db = fresh("record.db", 0);
    rk_outbox_event ev[4];
    int n = 0;

    /* Entry and event together; the kind and payload default to the
     * action and the after snapshot; no actor is the system. */
    rk_record r = {.role = "review",
                   .action = "order.approved",
                   .order_id = "u-1",
                   .before = "{\"state\":\"submitted\"}",
                   .after = "{\"state\":\"approved\"}",
                   .detail = "ok",
                   .entity = "order",
                   .entity_id = "u-1"};
    CHECK_INT(rk_record_add(db, &r), RK_EINTERNAL); /* outside a transaction */
    CHECK_INT(count(db, "audit"), 0);
    CHECK_INT(rk_db_begin(db), 0);
    CHECK_INT(rk_record_add(db, &r), 0);
    CHECK_INT(rk_db_end(db, 0), 0);
    CHECK_INT(count(db, "audit"), 1);
    CHECK_INT(rk_outbox_pending(db, ev, 4, &n, 0), 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_STR(ev[0].entity, "order");
        CHECK_STR(ev[0].entity_id, "u-1");
        CHECK_STR(ev[0].kind, "order.approved");
        CHECK_STR(ev[0].payload, "{\"state\":\"approved\"}");
        rk_outbox_event_clear(&ev[0]);
    }
    sqlite3_stmt *st;
    CHECK_INT(rk_db_prepare(db, &st, "SELECT actor, role, before, detail FROM audit"), 0);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "system");
    CHECK_STR((const char *)sqlite3_column_text(st, 1), "review");
    CHECK_STR((const char *)sqlite3_column_text(st, 2), "{\"state\":\"submitted\"}");
    CHECK_STR((const char *)sqlite3_column_text(st, 3), "ok");
    sqlite3_finalize(st);

    /* An audit-only record in its own transaction; an explicit kind and
     * payload. */
    rk_record a = {.actor = "lily", .role = "issue", .action = "print.receipt"};
    CHECK_INT(rk_record_once(db, &a), 0);
    CHECK_INT(count(db, "audit"), 2);
    CHECK_INT(count(db, "outbox"), 1);
    rk_record c = {.actor = "boss",
                   .role = "supervisor",
                   .action = "ca.revoke",
                   .entity = "certificate",
                   .entity_id = "0A1B",
                   .kind = "certificate.revoked",
                   .payload = "{\"serial\":\"0A1B\"}"};
    CHECK_INT(rk_record_once(db, &c), 0);
    CHECK_INT(rk_outbox_pending(db, ev, 4, &n, 1), 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_STR(ev[0].kind, "certificate.revoked");
        CHECK_STR(ev[0].payload, "{\"serial\":\"0A1B\"}");
        rk_outbox_event_clear(&ev[0]);
    }

    /* An event that cannot be written (no entity id): neither the entry
     * nor the event stays, and the transaction is closed. */
    c.entity_id = NULL;
    CHECK(rk_record_once(db, &c) < 0);
    CHECK_INT(rk_db_in_tx(db), 0);
    CHECK_INT(count(db, "audit"), 3);
    CHECK_INT(count(db, "outbox"), 2);
    CHECK_INT(rk_db_begin(db), 0);
    CHECK_INT(rk_record_once(db, &a), RK_EINTERNAL); /* already in one */
    CHECK_INT(rk_record_add(db, &a), 0);
    CHECK_INT(rk_db_end(db, RK_ESTATE), RK_ESTATE); /* a failure rolls back */
    CHECK_INT(rk_db_in_tx(db), 0);
    CHECK_INT(count(db, "audit"), 3);

    int64_t checked, bad;
    CHECK_INT(rk_audit_verify(db, &checked, &bad), 0);
    CHECK_INT(checked, 3);
    rk_db_close(db);
}

int main(void)
{
    rk_test_tmpdir(dir, sizeof dir);
    test_clean_chain();
    test_triggers();
    test_tampering();
    test_record();
    rk_test_rmtree(dir);
    return rk_test_done();
}
