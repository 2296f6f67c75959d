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

int rk_outbox_pending(rk_db *db, rk_outbox_event *events, int max, int *n, int64_t after)
{
    sqlite3_stmt *st;
    int rc, count = 0;

    *n = 0;
    rc = rk_db_cached(db, &st,
                      "SELECT seq, uuid, at, entity, entity_id, kind, payload FROM outbox "
                      "WHERE sent_at IS NULL AND seq > ? ORDER BY seq LIMIT ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, max);
    while (count < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rk_outbox_event *ev = &events[count];
        memset(ev, 0, sizeof *ev);
        ev->seq = sqlite3_column_int64(st, 0);
        snprintf(ev->uuid, sizeof ev->uuid, "%s", sqlite3_column_text(st, 1));
        ev->at = sqlite3_column_int64(st, 2);
        snprintf(ev->entity, sizeof ev->entity, "%s", sqlite3_column_text(st, 3));
        snprintf(ev->entity_id, sizeof ev->entity_id, "%s", sqlite3_column_text(st, 4));
        snprintf(ev->kind, sizeof ev->kind, "%s", sqlite3_column_text(st, 5));
        ev->payload = strdup((const char *)sqlite3_column_text(st, 6));
        if (!ev->payload) {
            rk_db_release(db, st);
            for (int i = 0; i < count; i++)
                rk_outbox_event_clear(&events[i]);
            return rk_err_oom();
        }
        count++;
    }
    rc = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? 0 : rk_db_fail(db, "cannot read the outbox");
    rk_db_release(db, st);
    if (rc) {
        for (int i = 0; i < count; i++)
            rk_outbox_event_clear(&events[i]);
        return rc;
    }
    *n = count;
    return 0;
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
