/*
 * The transactional outbox (see outbox.h).
 */
#include "outbox.h"

#include "util/clock.h"
#include "util/err.h"
#include "util/uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rk_outbox_add(rk_db *db, int64_t *seq, const char *entity, const char *entity_id,
                  const char *kind, const char *payload)
{
    sqlite3_stmt *st;
    char uuid[RK_UUID_LEN + 1];
    int rc;

    if (!rk_db_in_tx(db))
        return rk_err_set(RK_EINTERNAL, "outbox event '%s' written outside a transaction", kind);
    if ((rc = rk_uuid_v4(uuid)) != 0) return rc;
    rc = rk_db_cached(db, &st,
                      "INSERT INTO outbox(uuid, at, entity, entity_id, kind, payload) "
                      "VALUES (?, ?, ?, ?, ?, ?)");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, rk_clock_now());
    sqlite3_bind_text(st, 3, entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, entity_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, payload ? payload : "{}", -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = rk_db_fail(db, "cannot write outbox event");
    else if (seq)
        *seq = sqlite3_last_insert_rowid(rk_db_handle(db));
    rk_db_release(db, st);
    return rc;
}

#define EVENT_COLUMNS "seq, uuid, at, entity, entity_id, kind, payload, sent_at"

/* Fills ev from the current row of a statement selecting EVENT_COLUMNS. */
static int read_event(rk_outbox_event *ev, sqlite3_stmt *st)
{
    memset(ev, 0, sizeof *ev);
    ev->seq = sqlite3_column_int64(st, 0);
    rk_db_text(ev->uuid, sizeof ev->uuid, st, 1);
    ev->at = sqlite3_column_int64(st, 2);
    rk_db_text(ev->entity, sizeof ev->entity, st, 3);
    rk_db_text(ev->entity_id, sizeof ev->entity_id, st, 4);
    rk_db_text(ev->kind, sizeof ev->kind, st, 5);
    ev->sent_at = sqlite3_column_int64(st, 7);
    const unsigned char *p = sqlite3_column_text(st, 6);
    ev->payload = strdup(p ? (const char *)p : "{}");
    return ev->payload ? 0 : rk_err_oom();
}

/* Steps st (bound; cached) into events[0..max); *n the count. On failure
 * nothing is kept. */
static int read_events(rk_db *db, sqlite3_stmt *st, rk_outbox_event *events, int max, int *n)
{
    int rc = 0, s = SQLITE_DONE, count = 0;
    while (count < max && (s = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = read_event(&events[count], st)) != 0) break;
        count++;
    }
    if (!rc && s != SQLITE_DONE && s != SQLITE_ROW) rc = rk_db_fail(db, "cannot read the outbox");
    rk_db_release(db, st);
    if (rc) {
        for (int i = 0; i < count; i++)
            rk_outbox_event_clear(&events[i]);
        return rc;
    }
    *n = count;
    return 0;
}

int rk_outbox_pending(rk_db *db, rk_outbox_event *events, int max, int *n, int64_t after)
{
    sqlite3_stmt *st;
    int rc;

    *n = 0;
    if (max <= 0) return 0;
    rc = rk_db_cached(db, &st,
                      "SELECT " EVENT_COLUMNS " FROM outbox "
                      "WHERE sent_at IS NULL AND seq > ? ORDER BY seq LIMIT ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, max);
    return read_events(db, st, events, max, n);
}

int rk_outbox_entity(rk_db *db, rk_outbox_event *events, int max, int *n, const char *entity,
                     const char *entity_id, int64_t after)
{
    sqlite3_stmt *st;
    int rc;

    *n = 0;
    if (max <= 0) return 0;
    rc = rk_db_cached(db, &st,
                      "SELECT " EVENT_COLUMNS " FROM outbox "
                      "WHERE entity = ? AND entity_id = ? AND seq > ? ORDER BY seq LIMIT ?");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, entity_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, after);
    sqlite3_bind_int(st, 4, max);
    return read_events(db, st, events, max, n);
}

int rk_outbox_latest(rk_db *db, rk_outbox_event *ev, const char *entity, const char *entity_id)
{
    sqlite3_stmt *st;
    int n = 0;
    int rc = rk_db_cached(db, &st,
                          "SELECT " EVENT_COLUMNS " FROM outbox WHERE entity = ? AND entity_id = ? "
                          "ORDER BY seq DESC LIMIT 1");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, entity_id, -1, SQLITE_STATIC);
    if ((rc = read_events(db, st, ev, 1, &n)) != 0) return rc;
    return n ? 0 : rk_err_set(RK_ENOTFOUND, "no outbox event of %s %s", entity, entity_id);
}

int rk_outbox_get(rk_db *db, rk_outbox_event *ev, int64_t seq)
{
    sqlite3_stmt *st;
    int n = 0;
    int rc = rk_db_cached(db, &st, "SELECT " EVENT_COLUMNS " FROM outbox WHERE seq = ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, seq);
    if ((rc = read_events(db, st, ev, 1, &n)) != 0) return rc;
    return n ? 0 : rk_err_set(RK_ENOTFOUND, "no outbox event %lld", (long long)seq);
}

int rk_outbox_mark_sent(rk_db *db, int64_t upto_seq)
{
    sqlite3_stmt *st;
    int rc =
        rk_db_cached(db, &st, "UPDATE outbox SET sent_at = ? WHERE seq <= ? AND sent_at IS NULL");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, rk_clock_now());
    sqlite3_bind_int64(st, 2, upto_seq);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot mark events as sent");
    rk_db_release(db, st);
    return rc;
}

int rk_outbox_mark_unsent(rk_db *db, int64_t after_seq)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(db, &st, "UPDATE outbox SET sent_at = NULL WHERE seq > ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, after_seq);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot mark events as unsent");
    rk_db_release(db, st);
    return rc;
}

int rk_outbox_marks(rk_db *db, int64_t *sent_upto, int64_t *unsent)
{
    sqlite3_stmt *st;
    int rc =
        rk_db_cached(db, &st,
                     "SELECT coalesce((SELECT min(seq) - 1 FROM outbox WHERE sent_at IS NULL), "
                     "(SELECT coalesce(max(seq), 0) FROM outbox)), "
                     "(SELECT count(*) FROM outbox WHERE sent_at IS NULL)");
    if (rc) return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *sent_upto = sqlite3_column_int64(st, 0);
        *unsent = sqlite3_column_int64(st, 1);
    } else
        rc = rk_db_fail(db, "cannot read the outbox marks");
    rk_db_release(db, st);
    return rc;
}

void rk_outbox_event_clear(rk_outbox_event *ev)
{
    free(ev->payload);
    ev->payload = NULL;
}
