/*
 * Unit tests of the outbox's readers (db/outbox.h) as the sync daemon
 * uses them: a pusher's batches from its mark, re-read until HQ
 * acknowledges them and marked sent only up to the acknowledgement; one
 * entity's events in order, sent or not, paged, through the entity index;
 * an entity's newest event; an event by its sequence.
 */
#include "test.h"

#include "db/db.h"
#include "db/outbox.h"
#include "util/err.h"

static char dir[256];
static rk_db *db;

static void add(const char *entity, const char *id, const char *kind, int n)
{
    CHECK_INT(rk_db_begin(db), 0);
    char payload[64];
    snprintf(payload, sizeof payload, "{\"n\":%d}", n);
    CHECK_INT(rk_outbox_add(db, NULL, entity, id, kind, payload), 0);
    CHECK_INT(rk_db_commit(db), 0);
}

static void clear(rk_outbox_event *ev, int n)
{
    for (int i = 0; i < n; i++)
        rk_outbox_event_clear(&ev[i]);
}

static void test_pusher(void)
{
    rk_outbox_event ev[3];
    int n = -1;
    /* 8 events: seq 1..8 */
    for (int i = 1; i <= 8; i++)
        add(i % 2 ? "order" : "certificate", i % 2 ? "o-1" : "c-1", "x.y", i);
    /* batch 1: 1..3, acknowledged */
    CHECK_INT(rk_outbox_pending(db, ev, 3, &n, 0), 0);
    CHECK_INT(n, 3);
    CHECK(ev[0].seq == 1 && ev[2].seq == 3 && ev[0].sent_at == 0);
    CHECK_STR(ev[1].payload, "{\"n\":2}");
    clear(ev, n);
    CHECK_INT(rk_outbox_mark_sent(db, 3), 0);
    /* batch 2: 4..6, no answer (a timeout): read again, the same */
    CHECK_INT(rk_outbox_pending(db, ev, 3, &n, 0), 0);
    CHECK(n == 3 && ev[0].seq == 4 && ev[2].seq == 6);
    clear(ev, n);
    CHECK_INT(rk_outbox_pending(db, ev, 3, &n, 0), 0);
    CHECK(n == 3 && ev[0].seq == 4);
    clear(ev, n);
    /* HQ acknowledges up to 5 only: 6.. go again */
    CHECK_INT(rk_outbox_mark_sent(db, 5), 0);
    CHECK_INT(rk_outbox_pending(db, ev, 3, &n, 0), 0);
    CHECK(n == 3 && ev[0].seq == 6 && ev[2].seq == 8);
    clear(ev, n);
    /* reading from a sequence on */
    CHECK_INT(rk_outbox_pending(db, ev, 3, &n, 7), 0);
    CHECK(n == 1 && ev[0].seq == 8);
    clear(ev, n);
    CHECK_INT(rk_outbox_pending(db, ev, 0, &n, 0), 0);
    CHECK_INT(n, 0);
}

static void test_entity(void)
{
    rk_outbox_event ev[8];
    int n = -1;
    /* the order o-1 has seq 1, 3, 5, 7 (1..5 sent) */
    CHECK_INT(rk_outbox_entity(db, ev, 8, &n, "order", "o-1", 0), 0);
    CHECK_INT(n, 4);
    CHECK(ev[0].seq == 1 && ev[1].seq == 3 && ev[2].seq == 5 && ev[3].seq == 7);
    CHECK(ev[0].sent_at > 0 && ev[2].sent_at > 0 && ev[3].sent_at == 0);
    CHECK_STR(ev[0].entity, "order");
    CHECK_STR(ev[0].entity_id, "o-1");
    CHECK_INT(strlen(ev[0].uuid), 36);
    clear(ev, n);
    /* paged */
    CHECK_INT(rk_outbox_entity(db, ev, 2, &n, "order", "o-1", 0), 0);
    CHECK(n == 2 && ev[1].seq == 3);
    clear(ev, n);
    CHECK_INT(rk_outbox_entity(db, ev, 2, &n, "order", "o-1", 3), 0);
    CHECK(n == 2 && ev[0].seq == 5 && ev[1].seq == 7);
    clear(ev, n);
    CHECK_INT(rk_outbox_entity(db, ev, 2, &n, "order", "o-1", 7), 0);
    CHECK_INT(n, 0);
    /* another entity, an unknown one, the same id under another entity */
    CHECK_INT(rk_outbox_entity(db, ev, 8, &n, "certificate", "c-1", 0), 0);
    CHECK(n == 4 && ev[0].seq == 2);
    clear(ev, n);
    CHECK_INT(rk_outbox_entity(db, ev, 8, &n, "order", "o-2", 0), 0);
    CHECK_INT(n, 0);
    CHECK_INT(rk_outbox_entity(db, ev, 8, &n, "certificate", "o-1", 0), 0);
    CHECK_INT(n, 0);
    /* the lookup goes through the index, not a scan of the outbox */
    sqlite3_stmt *st;
    int indexed = 0;
    CHECK_INT(rk_db_prepare(db, &st,
                            "EXPLAIN QUERY PLAN SELECT seq FROM outbox WHERE entity = 'order' "
                            "AND entity_id = 'o-1' AND seq > 0 ORDER BY seq LIMIT 8"),
              0);
    while (sqlite3_step(st) == SQLITE_ROW)
        indexed |= strstr((const char *)sqlite3_column_text(st, 3), "outbox_entity") != NULL;
    sqlite3_finalize(st);
    CHECK(indexed);

    rk_outbox_event one;
    CHECK_INT(rk_outbox_latest(db, &one, "order", "o-1"), 0);
    CHECK_INT(one.seq, 7);
    CHECK_STR(one.payload, "{\"n\":7}");
    rk_outbox_event_clear(&one);
    CHECK_INT(rk_outbox_latest(db, &one, "order", "o-9"), RK_ENOTFOUND);
    CHECK_INT(rk_outbox_get(db, &one, 4), 0);
    CHECK_STR(one.entity, "certificate");
    CHECK_STR(one.kind, "x.y");
    rk_outbox_event_clear(&one);
    CHECK_INT(rk_outbox_get(db, &one, 99), RK_ENOTFOUND);
    CHECK(strstr(rk_err_msg(), "99") != NULL);
}

int main(void)
{
    char path[512];
    rk_test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/outbox.db", dir);
    if (rk_db_open(&db, path, RK_DB_CREATE) || rk_db_migrate(db, 0, NULL, NULL)) {
        fprintf(stderr, "%s\n", rk_err_msg());
        return 2;
    }
    test_pusher();
    test_entity();
    rk_db_close(db);
    rk_test_rmtree(dir);
    return rk_test_done();
}
