/*
 * HQ's embedded store on SQLite (see store.h): one database file in WAL
 * mode through the core's db module (busy timeout, synchronous=FULL,
 * IMMEDIATE transactions, cached statements), a small pool of connections
 * shared by rahq's threads, and its own numbered migrations.
 *
 * Order state, branch marks and the feed's broadcasts are derived inside
 * the push transaction with SQLite's JSON functions over the payload text,
 * so what HQ holds is always exactly what the events it acknowledged say.
 */
#include "hq/store.h"

#include "audit/audit.h"
#include "db/db.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/wipe.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL    8
#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct sqlite_store {
    rk_hq_store base;
    rk_db *conn[POOL];
    int busy[POOL];
    int n;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} sqlite_store;

static const char *const migrations[] = {
    /* 1: branches, their events and orders, the change feed, audit copies,
     * uploads, revocations, published CRLs and configuration bundles. */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE branch ("
    "  id           TEXT PRIMARY KEY,"
    "  name         TEXT NOT NULL,"
    "  active       INTEGER NOT NULL DEFAULT 1,"
    "  enrol_ref    TEXT UNIQUE,"
    "  enrol_secret TEXT,"
    "  enrol_used   INTEGER NOT NULL DEFAULT 0,"
    "  cert_serial  TEXT NOT NULL DEFAULT '',"
    "  created_at   INTEGER NOT NULL,"
    "  last_seen    INTEGER NOT NULL DEFAULT 0,"
    "  hwm          INTEGER NOT NULL DEFAULT 0,"
    "  audit_seq    INTEGER NOT NULL DEFAULT 0,"
    "  audit_hash   TEXT NOT NULL DEFAULT '" GENESIS "',"
    "  pulled       INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE event ("
    "  branch      TEXT NOT NULL REFERENCES branch(id),"
    "  seq         INTEGER NOT NULL,"
    "  uuid        TEXT NOT NULL,"
    "  at          INTEGER NOT NULL,"
    "  entity      TEXT NOT NULL,"
    "  entity_id   TEXT NOT NULL,"
    "  kind        TEXT NOT NULL,"
    "  payload     TEXT NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  PRIMARY KEY (branch, seq)) WITHOUT ROWID;"
    "CREATE TABLE hq_order ("
    "  uuid     TEXT PRIMARY KEY,"
    "  branch   TEXT NOT NULL REFERENCES branch(id),"
    "  ref      TEXT NOT NULL DEFAULT '',"
    "  business TEXT NOT NULL DEFAULT '',"
    "  state    TEXT NOT NULL DEFAULT '',"
    "  first_at INTEGER NOT NULL,"
    "  last_seq INTEGER NOT NULL,"
    "  last_at  INTEGER NOT NULL);"
    "CREATE INDEX hq_order_day ON hq_order(branch, first_at);"
    "CREATE INDEX hq_order_ref ON hq_order(branch, ref);"
    "CREATE TABLE change ("
    "  cursor        INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  branch        TEXT,"
    "  except_branch TEXT,"
    "  kind          TEXT NOT NULL,"
    "  payload       TEXT NOT NULL,"
    "  at            INTEGER NOT NULL);"
    "CREATE INDEX change_branch ON change(branch, cursor);"
    "CREATE TABLE audit ("
    "  branch    TEXT NOT NULL REFERENCES branch(id),"
    "  seq       INTEGER NOT NULL,"
    "  at        INTEGER NOT NULL,"
    "  actor     TEXT NOT NULL,"
    "  role      TEXT NOT NULL,"
    "  action    TEXT NOT NULL,"
    "  order_id  TEXT,"
    "  before    TEXT,"
    "  after     TEXT,"
    "  detail    TEXT,"
    "  prev_hash TEXT NOT NULL,"
    "  hash      TEXT NOT NULL,"
    "  PRIMARY KEY (branch, seq)) WITHOUT ROWID;"
    "CREATE TABLE upload ("
    "  id            TEXT PRIMARY KEY,"
    "  branch        TEXT NOT NULL REFERENCES branch(id),"
    "  length        INTEGER NOT NULL,"
    "  sha256        TEXT NOT NULL DEFAULT '',"
    "  kind          TEXT NOT NULL DEFAULT '',"
    "  order_uuid    TEXT NOT NULL DEFAULT '',"
    "  filename      TEXT NOT NULL DEFAULT '',"
    "  created_at    INTEGER NOT NULL,"
    "  completed_at  INTEGER NOT NULL DEFAULT 0,"
    "  stored_sha256 TEXT NOT NULL DEFAULT '',"
    "  matches       INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX upload_sha ON upload(branch, sha256);"
    "CREATE TABLE revoked ("
    "  serial     TEXT NOT NULL,"
    "  by_branch  TEXT NOT NULL DEFAULT '',"
    "  reason     INTEGER NOT NULL,"
    "  revoked_at INTEGER NOT NULL,"
    "  PRIMARY KEY (serial, by_branch)) WITHOUT ROWID;"
    "CREATE TABLE blob ("
    "  type    INTEGER NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  at      INTEGER NOT NULL,"
    "  sha256  TEXT NOT NULL,"
    "  der     BLOB NOT NULL,"
    "  PRIMARY KEY (type, version));",
    /* 2: the newest event of an entity across branches (incidents). */
    "CREATE INDEX event_entity ON event(entity, branch, entity_id, seq);",
    /* 3: payment statements and their lines; orders found by the kind and
     * time of their events and by reference alone (reconciliation). */
    "CREATE TABLE statement ("
    "  sha256      TEXT PRIMARY KEY,"
    "  provider    INTEGER NOT NULL,"
    "  filename    TEXT NOT NULL,"
    "  lines       INTEGER NOT NULL,"
    "  fresh       INTEGER NOT NULL,"
    "  first_at    INTEGER NOT NULL,"
    "  last_at     INTEGER NOT NULL,"
    "  imported_at INTEGER NOT NULL);"
    "CREATE TABLE statement_line ("
    "  provider     INTEGER NOT NULL,"
    "  kind         INTEGER NOT NULL,"
    "  txn          TEXT NOT NULL,"
    "  refund_no    TEXT NOT NULL,"
    "  merchant_ref TEXT NOT NULL,"
    "  store        TEXT NOT NULL,"
    "  fen          INTEGER NOT NULL,"
    "  at           INTEGER NOT NULL,"
    "  statement    TEXT NOT NULL REFERENCES statement(sha256),"
    "  line         INTEGER NOT NULL,"
    "  PRIMARY KEY (provider, kind, txn, refund_no)) WITHOUT ROWID;"
    "CREATE INDEX statement_line_at ON statement_line(at);"
    "CREATE INDEX event_kind_at ON event(entity, kind, at);"
    "CREATE INDEX hq_order_refonly ON hq_order(ref);",
    /* 4: the fleet page's days of each branch. */
    "CREATE TABLE branch_day ("
    "  branch       TEXT NOT NULL REFERENCES branch(id),"
    "  day          INTEGER NOT NULL,"
    "  pending_max  INTEGER NOT NULL DEFAULT -1,"
    "  pending_last INTEGER NOT NULL DEFAULT -1,"
    "  refusals     INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (branch, day)) WITHOUT ROWID;",
    /* 5: the device certificate HQ issued a branch, which recovered keys
     * are wrapped to. */
    "ALTER TABLE branch ADD COLUMN device_cert TEXT NOT NULL DEFAULT '';",
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

static int migrate(rk_db *db)
{
    int rc = rk_db_migrate_list(db, migrations, N_MIGRATIONS, 0, NULL, NULL);
    return rc ? rk_err_wrap(rc, "HQ's store") : 0;
}

/* ---- the pool ----------------------------------------------------------------- */

static rk_db *acquire(sqlite_store *s, int *slot)
{
    pthread_mutex_lock(&s->mu);
    for (;;) {
        for (int i = 0; i < s->n; i++)
            if (!s->busy[i]) {
                s->busy[i] = 1;
                *slot = i;
                pthread_mutex_unlock(&s->mu);
                return s->conn[i];
            }
        pthread_cond_wait(&s->cv, &s->mu);
    }
}

static void release(sqlite_store *s, int slot)
{
    pthread_mutex_lock(&s->mu);
    if (rk_db_in_tx(s->conn[slot])) rk_db_rollback(s->conn[slot]);
    s->busy[slot] = 0;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

#define WITH_DB(store, db)                                                                         \
    sqlite_store *S_ = (sqlite_store *)(store);                                                    \
    int slot_;                                                                                     \
    rk_db *db = acquire(S_, &slot_)
#define DONE_DB(rc)                                                                                \
    do {                                                                                           \
        release(S_, slot_);                                                                        \
        return (rc);                                                                               \
    } while (0)

static int step_done(rk_db *db, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, what);
    rk_db_release(db, st);
    return rc;
}

/* The integer of the first column of sql's first row for the text
 * parameter arg (NULL: none); *found 0 when there is no row. */
static int one_int(rk_db *db, const char *sql, const char *arg, int64_t *out, int *found)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(db, &st, sql);
    *out = 0;
    if (found) *found = 0;
    if (rc) return rc;
    if (arg) sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        if (found) *found = 1;
    } else if (s != SQLITE_DONE)
        rc = rk_db_fail(db, "cannot read HQ's store");
    rk_db_release(db, st);
    return rc;
}

/* ---- branches ---------------------------------------------------------------- */

static int branch_add(rk_hq_store *store, const char *id, const char *name, const char *ref,
                      const char *secret)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    int rc = rk_db_begin(db);
    if (!rc)
        rc = rk_db_cached(db, &st,
                          "INSERT INTO branch(id, name, enrol_ref, enrol_secret, created_at) "
                          "VALUES (?, ?, ?, ?, ?)");
    if (!rc) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, ref, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, secret, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, rk_clock_now());
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = (sqlite3_extended_errcode(rk_db_handle(db)) & 0xff) == SQLITE_CONSTRAINT
                     ? rk_err_set(RK_EEXIST, "branch %s (or its enrolment reference) exists", id)
                     : rk_db_fail(db, "cannot add the branch");
        rk_db_release(db, st);
    }
    if (!rc) rc = rk_db_commit(db);
    DONE_DB(rc);
}

static int branch_reenrol(rk_hq_store *store, const char *id, const char *ref, const char *secret)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    int rc = rk_db_begin(db);
    if (!rc)
        rc = rk_db_cached(db, &st,
                          "UPDATE branch SET enrol_ref = ?, enrol_secret = ?, enrol_used = 0 "
                          "WHERE id = ?");
    if (!rc) {
        sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, secret, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
        rc = step_done(db, st, "cannot renew the enrolment");
        if (!rc && sqlite3_changes(rk_db_handle(db)) == 0)
            rc = rk_err_set(RK_ENOTFOUND, "HQ has no branch %s", id);
    }
    if (!rc) rc = rk_db_commit(db);
    DONE_DB(rc);
}

static const char BRANCH_COLS[] =
    "b.id, b.name, b.active, coalesce(b.enrol_ref, ''), b.enrol_used, b.cert_serial, "
    "b.created_at, b.last_seen, b.hwm, b.audit_seq, b.audit_hash, b.pulled, "
    "(SELECT count(*) FROM change c WHERE c.cursor > b.pulled AND (c.branch = b.id OR "
    " (c.branch IS NULL AND (c.except_branch IS NULL OR c.except_branch <> b.id)))), "
    "(SELECT count(*) FROM upload u WHERE u.branch = b.id), "
    "(SELECT count(*) FROM upload u WHERE u.branch = b.id AND u.completed_at = 0) "
    "FROM branch b";

static int branch_row(void *elem, sqlite3_stmt *st, void *arg)
{
    rk_hq_branch *b = elem;
    (void)arg;
    rk_db_text(b->id, sizeof b->id, st, 0);
    rk_db_text(b->name, sizeof b->name, st, 1);
    b->active = sqlite3_column_int(st, 2);
    rk_db_text(b->enrol_ref, sizeof b->enrol_ref, st, 3);
    b->enrol_used = sqlite3_column_int(st, 4);
    rk_db_text(b->cert_serial, sizeof b->cert_serial, st, 5);
    b->created_at = sqlite3_column_int64(st, 6);
    b->last_seen = sqlite3_column_int64(st, 7);
    b->hwm = sqlite3_column_int64(st, 8);
    b->audit_seq = sqlite3_column_int64(st, 9);
    rk_db_text(b->audit_hash, sizeof b->audit_hash, st, 10);
    b->pulled = sqlite3_column_int64(st, 11);
    b->backlog = sqlite3_column_int64(st, 12);
    b->archives = sqlite3_column_int64(st, 13);
    b->archives_open = sqlite3_column_int64(st, 14);
    return 0;
}

static int branch_get(rk_hq_store *store, const char *id, rk_hq_branch *out)
{
    sqlite3_stmt *st;
    char sql[1024];
    WITH_DB(store, db);
    snprintf(sql, sizeof sql, "SELECT %s WHERE b.id = ?", BRANCH_COLS);
    memset(out, 0, sizeof *out);
    int rc = rk_db_cached(db, &st, sql);
    if (!rc) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW)
            branch_row(out, st, NULL);
        else if (s == SQLITE_DONE)
            rc = rk_err_set(RK_ENOTFOUND, "HQ has no branch %s", id);
        else
            rc = rk_db_fail(db, "cannot read the branch");
        rk_db_release(db, st);
    }
    DONE_DB(rc);
}

static int branch_list(rk_hq_store *store, rk_hq_branch **out, int *n)
{
    sqlite3_stmt *st;
    char sql[1024];
    WITH_DB(store, db);
    snprintf(sql, sizeof sql, "SELECT %s ORDER BY b.id", BRANCH_COLS);
    int rc = rk_db_prepare(db, &st, sql);
    if (!rc)
        rc = rk_db_collect((void **)out, n, db, st, sizeof **out, branch_row, NULL, "branches");
    DONE_DB(rc);
}

static int enrol_lookup(rk_hq_store *store, const char *ref, char *branch, char *secret, size_t n)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    int rc = rk_db_cached(db, &st,
                          "SELECT id, enrol_secret FROM branch WHERE enrol_ref = ? AND "
                          "enrol_used = 0 AND active = 1 AND enrol_secret IS NOT NULL");
    if (!rc) {
        sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW) {
            rk_db_text(branch, RK_SYNC_PROTO_BRANCH_MAX, st, 0);
            rk_db_text(secret, n, st, 1);
        } else
            rc = s == SQLITE_DONE ? rk_err_set(RK_ENOTFOUND, "no open enrolment '%s'", ref)
                                  : rk_db_fail(db, "cannot read the enrolment");
        rk_db_release(db, st);
    }
    DONE_DB(rc);
}

static int branch_active(rk_hq_store *store, const char *id, int *active)
{
    int64_t v;
    WITH_DB(store, db);
    int rc = one_int(db, "SELECT active FROM branch WHERE id = ?", id, &v, NULL);
    *active = !rc && v;
    DONE_DB(rc);
}

static int branch_enrolled(rk_hq_store *store, const char *id, const char *serial, const char *pem)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    int rc = rk_db_begin(db);
    if (!rc)
        rc = rk_db_cached(db, &st,
                          "UPDATE branch SET enrol_used = 1, enrol_secret = NULL, cert_serial = ?, "
                          "device_cert = ? WHERE id = ?");
    if (!rc) {
        sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, pem ? pem : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
        rc = step_done(db, st, "cannot record the device certificate");
    }
    if (!rc) rc = rk_db_commit(db);
    DONE_DB(rc);
}

static int branch_device_cert(rk_hq_store *store, const char *id, char **pem)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    *pem = NULL;
    int rc = rk_db_prepare(db, &st, "SELECT device_cert FROM branch WHERE id = ?");
    if (!rc) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int s = sqlite3_step(st);
        const unsigned char *t = s == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
        if (s != SQLITE_ROW && s != SQLITE_DONE)
            rc = rk_db_fail(db, "cannot read the device certificate");
        else if (!t || !*t)
            rc = rk_err_set(RK_ENOTFOUND, "HQ holds no device certificate of branch %s", id);
        else if (!(*pem = strdup((const char *)t)))
            rc = rk_err_oom();
        sqlite3_finalize(st);
    }
    DONE_DB(rc);
}

static int branch_seen(rk_hq_store *store, const char *id, int64_t at)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    int rc = rk_db_cached(db, &st, "UPDATE branch SET last_seen = ? WHERE id = ?");
    if (!rc) {
        sqlite3_bind_int64(st, 1, at);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
        rc = step_done(db, st, "cannot record the branch's visit");
    }
    DONE_DB(rc);
}

static int branch_report(rk_hq_store *store, const char *id, int64_t day, int64_t pending)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    int rc = rk_db_cached(db, &st,
                          "INSERT INTO branch_day(branch, day, pending_max, pending_last) "
                          "VALUES (?1, ?2, ?3, ?3) ON CONFLICT(branch, day) DO UPDATE SET "
                          "pending_max = max(pending_max, ?3), pending_last = ?3");
    if (!rc) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, day);
        sqlite3_bind_int64(st, 3, pending);
        rc = step_done(db, st, "cannot record the branch's backlog");
    }
    DONE_DB(rc);
}

static int branch_refusal(rk_hq_store *store, const char *id, int64_t day)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    int rc = rk_db_cached(db, &st,
                          "INSERT INTO branch_day(branch, day, refusals) VALUES (?1, ?2, 1) "
                          "ON CONFLICT(branch, day) DO UPDATE SET refusals = refusals + 1");
    if (!rc) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, day);
        rc = step_done(db, st, "cannot count the branch's refusal");
    }
    DONE_DB(rc);
}

static int branch_day_cb(void *elem, sqlite3_stmt *st, void *arg)
{
    rk_hq_branch_day *d = elem;
    (void)arg;
    d->day = sqlite3_column_int64(st, 0);
    d->pending_max = sqlite3_column_int64(st, 1);
    d->pending_last = sqlite3_column_int64(st, 2);
    d->refusals = sqlite3_column_int64(st, 3);
    return 0;
}

static int branch_days(rk_hq_store *store, const char *id, int64_t from, rk_hq_branch_day **out,
                       int *n)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    int rc = rk_db_prepare(db, &st,
                           "SELECT day, pending_max, pending_last, refusals FROM branch_day "
                           "WHERE branch = ? AND day >= ? ORDER BY day");
    if (!rc) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, from);
        rc = rk_db_collect((void **)out, n, db, st, sizeof **out, branch_day_cb, NULL,
                           "the branch's days");
    }
    DONE_DB(rc);
}

/* ---- the push ------------------------------------------------------------------ */

static int add_change(rk_db *db, const char *branch, const char *except, const char *kind,
                      const char *payload, int64_t *cursor)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(db, &st,
                          "INSERT INTO change(branch, except_branch, kind, payload, at) "
                          "VALUES (?, ?, ?, ?, ?)");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, except, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, payload, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, rk_clock_now());
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot add a change");
    if (!rc && cursor) *cursor = sqlite3_last_insert_rowid(rk_db_handle(db));
    rk_db_release(db, st);
    return rc;
}

/* Applies an order event to HQ's copy of the order (by UUID). */
static int apply_order(rk_db *db, const char *branch, const rk_sync_proto_event *e,
                       rk_hq_refusal *r)
{
    sqlite3_stmt *st;
    char owner[RK_SYNC_PROTO_BRANCH_MAX] = "", claimed[64] = "";
    int rc;

    if ((rc = rk_db_cached(db, &st, "SELECT branch FROM hq_order WHERE uuid = ?")) != 0) return rc;
    sqlite3_bind_text(st, 1, e->entity_id, -1, SQLITE_STATIC);
    int exists = sqlite3_step(st) == SQLITE_ROW;
    if (exists) rk_db_text(owner, sizeof owner, st, 0);
    rk_db_release(db, st);
    if (exists && strcmp(owner, branch)) {
        rk_hq_refuse(r, 403, "wrong_branch", NULL, 0, "order %s belongs to branch %s, not %s",
                     e->entity_id, owner, branch);
        return 0;
    }
    if ((rc = rk_db_cached(db, &st, "SELECT coalesce(json_extract(?, '$.branch'), '')")) != 0)
        return rc;
    sqlite3_bind_text(st, 1, e->payload, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) rk_db_text(claimed, sizeof claimed, st, 0);
    rk_db_release(db, st);
    if (claimed[0] && strcmp(claimed, branch)) {
        rk_hq_refuse(r, 403, "wrong_branch", NULL, 0,
                     "event %lld names branch %s, the certificate %s", (long long)e->seq, claimed,
                     branch);
        return 0;
    }
    rc = rk_db_cached(
        db, &st,
        "INSERT INTO hq_order(uuid, branch, ref, business, state, first_at, last_seq, last_at) "
        "VALUES (?1, ?2, coalesce(json_extract(?3, '$.ref'), ''), "
        "  coalesce(json_extract(?3, '$.business'), ''), coalesce(json_extract(?3, '$.state'), ''),"
        "  ?4, ?5, ?4) "
        "ON CONFLICT(uuid) DO UPDATE SET "
        "  first_at = min(first_at, excluded.first_at),"
        "  ref = CASE WHEN excluded.last_seq >= last_seq AND excluded.ref <> '' THEN excluded.ref "
        "    ELSE ref END,"
        "  business = CASE WHEN excluded.last_seq >= last_seq AND excluded.business <> '' "
        "    THEN excluded.business ELSE business END,"
        "  state = CASE WHEN excluded.last_seq >= last_seq AND excluded.state <> '' "
        "    THEN excluded.state ELSE state END,"
        "  last_at = CASE WHEN excluded.last_seq >= last_seq THEN excluded.last_at ELSE last_at "
        "END,"
        "  last_seq = max(last_seq, excluded.last_seq)");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, e->entity_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, branch, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, e->payload, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, e->at);
    sqlite3_bind_int64(st, 5, e->seq);
    return step_done(db, st, "cannot update HQ's copy of the order");
}

/* A revocation of HQ's CA (by_branch "") or one a branch reported. */
static int revoke_locked(rk_db *db, const char *serial, const char *by_branch, int reason,
                         int64_t at, int *fresh)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(db, &st,
                          "INSERT INTO revoked(serial, by_branch, reason, revoked_at) "
                          "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, by_branch, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, reason);
    sqlite3_bind_int64(st, 4, at);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot record the revocation");
    if (!rc && fresh) *fresh = sqlite3_changes(rk_db_handle(db)) > 0;
    rk_db_release(db, st);
    return rc;
}

/* A certificate revoked at a branch: recorded, and offered to the others. */
static int apply_revocation(rk_db *db, const char *branch, const rk_sync_proto_event *e)
{
    sqlite3_stmt *st;
    char serial[41], payload[256];
    int reason = 0, fresh = 0, rc;

    if (rk_hq_serial_norm(serial, sizeof serial, e->entity_id) != 0) {
        rk_log_warn("rahq: %s: certificate.revoked event %lld names no serial ('%s'): kept, not "
                    "broadcast",
                    branch, (long long)e->seq, e->entity_id);
        return 0;
    }
    if ((rc = rk_db_cached(db, &st, "SELECT json_extract(?, '$.reason')")) != 0) return rc;
    sqlite3_bind_text(st, 1, e->payload, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER)
        reason = sqlite3_column_int(st, 0);
    rk_db_release(db, st);
    if (reason < 0 || reason > 10) reason = 0;
    if ((rc = revoke_locked(db, serial, branch, reason, e->at, &fresh)) != 0 || !fresh) return rc;
    snprintf(payload, sizeof payload,
             "{\"by_branch\":\"%s\",\"reason\":%d,\"revoked_at\":%lld,\"serial\":\"%s\"}", branch,
             reason, (long long)e->at, serial);
    return add_change(db, NULL, branch, "certificate.revoked", payload, NULL);
}

static int insert_event(rk_db *db, const char *branch, const rk_sync_proto_event *e)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(db, &st,
                          "INSERT INTO event(branch, seq, uuid, at, entity, entity_id, kind, "
                          "payload, received_at) VALUES (?,?,?,?,?,?,?,?,?)");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, e->seq);
    sqlite3_bind_text(st, 3, e->uuid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, e->at);
    sqlite3_bind_text(st, 5, e->entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, e->entity_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, e->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, e->payload, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, rk_clock_now());
    return step_done(db, st, "cannot store the event");
}

static int branch_marks(rk_db *db, const char *branch, int *active, int64_t *hwm, int64_t *aseq,
                        char ahash[65])
{
    sqlite3_stmt *st;
    int rc =
        rk_db_cached(db, &st, "SELECT active, hwm, audit_seq, audit_hash FROM branch WHERE id = ?");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *active = sqlite3_column_int(st, 0);
        *hwm = sqlite3_column_int64(st, 1);
        *aseq = sqlite3_column_int64(st, 2);
        rk_db_text(ahash, 65, st, 3);
    } else
        rc = s == SQLITE_DONE ? RK_ENOTFOUND : rk_db_fail(db, "cannot read the branch");
    rk_db_release(db, st);
    return rc;
}

static int events_push(rk_hq_store *store, const char *branch, const rk_sync_proto_events *in,
                       rk_sync_proto_ack *ack, rk_hq_refusal *r)
{
    sqlite3_stmt *st;
    int64_t hwm = 0, aseq;
    char ahash[65];
    int active = 0, rc;
    WITH_DB(store, db);

    memset(ack, 0, sizeof *ack);
    memset(r, 0, sizeof *r);
    if ((rc = rk_db_begin(db)) != 0) DONE_DB(rc);
    rc = branch_marks(db, branch, &active, &hwm, &aseq, ahash);
    if (rc == RK_ENOTFOUND || (!rc && !active)) {
        rk_hq_refuse(r, 403, "unknown_branch", NULL, 0, "HQ has no active branch %s", branch);
        rc = 0;
        goto out;
    }
    for (int i = 0; !rc && !r->status && i < in->n; i++) {
        const rk_sync_proto_event *e = &in->ev[i];
        char held[37] = "";
        if ((rc = rk_db_cached(db, &st, "SELECT uuid FROM event WHERE branch = ? AND seq = ?")))
            break;
        sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, e->seq);
        int exists = sqlite3_step(st) == SQLITE_ROW;
        if (exists) rk_db_text(held, sizeof held, st, 0);
        rk_db_release(db, st);
        if (exists) {
            if (strcmp(held, e->uuid)) {
                rk_hq_refuse(
                    r, 409, "sequence_conflict", NULL, 0,
                    "HQ holds event %lld of %s with another UUID (%s, not %s): the branch's "
                    "database was restored or replaced",
                    (long long)e->seq, branch, held, e->uuid);
                break;
            }
            ack->duplicates++;
            /* A repair re-applies the order copy from the event HQ holds. */
            if (e->repair && !strcmp(e->entity, "order")) rc = apply_order(db, branch, e, r);
            continue;
        }
        if (e->seq > hwm + 1) {
            rk_hq_refuse(r, 409, "sequence_gap", "expected", hwm + 1,
                         "events must continue at %lld; this batch has %lld next",
                         (long long)(hwm + 1), (long long)e->seq);
            break;
        }
        if ((rc = insert_event(db, branch, e)) != 0) break;
        if (e->seq == hwm + 1) hwm = e->seq;
        ack->applied++;
        if (!strcmp(e->entity, "order"))
            rc = apply_order(db, branch, e, r);
        else if (!strcmp(e->kind, "certificate.revoked"))
            rc = apply_revocation(db, branch, e);
    }
    /* Events below the mark filled in by a repair may let it move on. */
    while (!rc && !r->status) {
        if ((rc = rk_db_cached(db, &st, "SELECT 1 FROM event WHERE branch = ? AND seq = ?"))) break;
        sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, hwm + 1);
        int more = sqlite3_step(st) == SQLITE_ROW;
        rk_db_release(db, st);
        if (!more) break;
        hwm++;
    }
    if (!rc && !r->status) {
        if (!(rc =
                  rk_db_cached(db, &st, "UPDATE branch SET hwm = ?, last_seen = ? WHERE id = ?"))) {
            sqlite3_bind_int64(st, 1, hwm);
            sqlite3_bind_int64(st, 2, rk_clock_now());
            sqlite3_bind_text(st, 3, branch, -1, SQLITE_STATIC);
            rc = step_done(db, st, "cannot move the branch's mark");
        }
        if (!rc) rc = rk_db_commit(db);
        ack->acked_seq = hwm;
    }
out:
    if (rc || r->status) {
        rk_db_rollback(db);
        ack->applied = ack->duplicates = 0;
    }
    DONE_DB(rc);
}

static int event_count(rk_hq_store *store, const char *branch, int64_t *events, int64_t *dups)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    int rc = rk_db_prepare(db, &st,
                           "SELECT count(*), count(*) - count(DISTINCT uuid) FROM event "
                           "WHERE branch = ?");
    if (!rc) {
        sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            *events = sqlite3_column_int64(st, 0);
            *dups = sqlite3_column_int64(st, 1);
        } else
            rc = rk_db_fail(db, "cannot count events");
        sqlite3_finalize(st);
    }
    DONE_DB(rc);
}

/* ---- entities ----------------------------------------------------------------- */

static int entity_row(void *elem, sqlite3_stmt *st, void *arg)
{
    rk_hq_entity *e = elem;
    (void)arg;
    rk_db_text(e->branch, sizeof e->branch, st, 0);
    rk_db_text(e->entity_id, sizeof e->entity_id, st, 1);
    rk_db_text(e->kind, sizeof e->kind, st, 2);
    e->seq = sqlite3_column_int64(st, 3);
    e->at = sqlite3_column_int64(st, 4);
    e->payload = strdup((const char *)sqlite3_column_text(st, 5));
    return e->payload ? 0 : rk_err_oom();
}

static int entity_latest(rk_hq_store *store, const char *entity, rk_hq_entity **out, int *n)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    *out = NULL;
    *n = 0;
    int rc = rk_db_prepare(db, &st,
                           "SELECT e.branch, e.entity_id, e.kind, e.seq, e.at, e.payload "
                           "FROM event e WHERE e.entity = ?1 AND e.seq = (SELECT max(f.seq) FROM "
                           "event f WHERE f.entity = ?1 AND f.branch = e.branch AND "
                           "f.entity_id = e.entity_id) ORDER BY e.branch, e.at, e.entity_id");
    if (!rc) {
        sqlite3_bind_text(st, 1, entity, -1, SQLITE_STATIC);
        rc = rk_db_collect((void **)out, n, db, st, sizeof **out, entity_row, NULL, "entities");
    }
    DONE_DB(rc);
}

static int entity_find(rk_hq_store *store, const char *entity, const char *id, rk_hq_entity **out,
                       int *n)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    *out = NULL;
    *n = 0;
    int rc = rk_db_prepare(db, &st,
                           "SELECT e.branch, e.entity_id, e.kind, e.seq, e.at, e.payload "
                           "FROM event e WHERE e.entity = ?1 AND e.entity_id = ?2 AND e.seq = "
                           "(SELECT max(f.seq) FROM event f WHERE f.entity = ?1 AND f.branch = "
                           "e.branch AND f.entity_id = ?2) ORDER BY e.branch");
    if (!rc) {
        sqlite3_bind_text(st, 1, entity, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
        rc = rk_db_collect((void **)out, n, db, st, sizeof **out, entity_row, NULL, "entities");
    }
    DONE_DB(rc);
}

/* ---- orders ------------------------------------------------------------------- */

static int order_get(rk_hq_store *store, const char *branch, const char *key, rk_hq_order *out)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    memset(out, 0, sizeof *out);
    int rc = rk_db_cached(db, &st,
                          "SELECT uuid, branch, ref, business, state, first_at, last_seq, last_at "
                          "FROM hq_order WHERE branch = ?1 AND (uuid = ?2 OR ref = ?2)");
    if (!rc) {
        sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW) {
            rk_db_text(out->uuid, sizeof out->uuid, st, 0);
            rk_db_text(out->branch, sizeof out->branch, st, 1);
            rk_db_text(out->ref, sizeof out->ref, st, 2);
            rk_db_text(out->business, sizeof out->business, st, 3);
            rk_db_text(out->state, sizeof out->state, st, 4);
            out->first_at = sqlite3_column_int64(st, 5);
            out->last_seq = sqlite3_column_int64(st, 6);
            out->last_at = sqlite3_column_int64(st, 7);
        } else
            rc = s == SQLITE_DONE
                     ? rk_err_set(RK_ENOTFOUND, "HQ has no order %s of branch %s", key, branch)
                     : rk_db_fail(db, "cannot read the order");
        rk_db_release(db, st);
    }
    DONE_DB(rc);
}

static int order_row(void *elem, sqlite3_stmt *st, void *arg)
{
    rk_hq_order *o = elem;
    (void)arg;
    rk_db_text(o->uuid, sizeof o->uuid, st, 0);
    rk_db_text(o->branch, sizeof o->branch, st, 1);
    rk_db_text(o->ref, sizeof o->ref, st, 2);
    rk_db_text(o->business, sizeof o->business, st, 3);
    rk_db_text(o->state, sizeof o->state, st, 4);
    o->first_at = sqlite3_column_int64(st, 5);
    o->last_seq = sqlite3_column_int64(st, 6);
    o->last_at = sqlite3_column_int64(st, 7);
    return 0;
}

static int order_list(rk_hq_store *store, const char *branch, rk_hq_order **out, int *n)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    int rc = rk_db_prepare(db, &st,
                           "SELECT uuid, branch, ref, business, state, first_at, last_seq, last_at "
                           "FROM hq_order WHERE branch = ? ORDER BY uuid");
    if (!rc) {
        sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
        rc = rk_db_collect((void **)out, n, db, st, sizeof **out, order_row, NULL, "orders");
    }
    DONE_DB(rc);
}

static int order_count(rk_hq_store *store, const char *branch, int64_t *n)
{
    WITH_DB(store, db);
    int rc = one_int(db, "SELECT count(*) FROM hq_order WHERE branch = ?", branch, n, NULL);
    DONE_DB(rc);
}

/* ---- the feed ------------------------------------------------------------------- */

static int change_add(rk_hq_store *store, const char *branch, const char *except, const char *kind,
                      const char *payload, int64_t *cursor)
{
    WITH_DB(store, db);
    int rc = rk_db_begin(db);
    if (!rc) rc = add_change(db, branch, except, kind, payload, cursor);
    if (!rc) rc = rk_db_commit(db);
    DONE_DB(rc);
}

static int changes(rk_hq_store *store, const char *branch, int64_t after, int limit,
                   rk_sync_proto_changes *out)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    memset(out, 0, sizeof *out);
    out->next = after;
    if (limit < 1 || limit > RK_SYNC_PROTO_MAX_BATCH) limit = RK_SYNC_PROTO_MAX_BATCH;
    int rc = rk_db_begin(db);
    if (!rc && !(rc = rk_db_cached(db, &st, "UPDATE branch SET pulled = ? WHERE id = ?"))) {
        sqlite3_bind_int64(st, 1, after);
        sqlite3_bind_text(st, 2, branch, -1, SQLITE_STATIC);
        rc = step_done(db, st, "cannot record the pulled cursor");
    }
    if (!rc)
        rc = rk_db_cached(db, &st,
                          "SELECT cursor, kind, at, payload FROM change WHERE cursor > ?1 AND "
                          "(branch = ?2 OR (branch IS NULL AND (except_branch IS NULL OR "
                          "except_branch <> ?2))) ORDER BY cursor LIMIT ?3");
    if (!rc) {
        sqlite3_bind_int64(st, 1, after);
        sqlite3_bind_text(st, 2, branch, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, limit + 1);
        if (!(out->c = calloc((size_t)limit, sizeof *out->c))) rc = rk_err_oom();
        int s;
        while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
            if (out->n == limit) {
                out->more = 1;
                break;
            }
            rk_sync_proto_change *c = &out->c[out->n];
            c->cursor = sqlite3_column_int64(st, 0);
            rk_db_text(c->kind, sizeof c->kind, st, 1);
            c->at = sqlite3_column_int64(st, 2);
            if (!(c->payload = strdup((const char *)sqlite3_column_text(st, 3)))) rc = rk_err_oom();
            out->n++;
            out->next = c->cursor;
        }
        rk_db_release(db, st);
    }
    if (!rc) rc = rk_db_commit(db);
    if (rc) rk_sync_proto_changes_free(out);
    DONE_DB(rc);
}

/* ---- audit ---------------------------------------------------------------------- */

static int audit_push(rk_hq_store *store, const char *branch, const rk_sync_proto_audits *a,
                      rk_sync_proto_ack *ack, rk_hq_refusal *r)
{
    sqlite3_stmt *st;
    int64_t hwm, aseq = 0;
    char ahash[65] = GENESIS;
    int active = 0, rc;
    WITH_DB(store, db);

    memset(ack, 0, sizeof *ack);
    memset(r, 0, sizeof *r);
    if ((rc = rk_db_begin(db)) != 0) DONE_DB(rc);
    rc = branch_marks(db, branch, &active, &hwm, &aseq, ahash);
    if (rc == RK_ENOTFOUND || (!rc && !active)) {
        rk_hq_refuse(r, 403, "unknown_branch", NULL, 0, "HQ has no active branch %s", branch);
        rc = 0;
        goto out;
    }
    if (!rc && a->head_seq < aseq) {
        rk_hq_refuse(r, 409, "audit_truncated", "anchored_seq", aseq,
                     "branch %s's audit log ends at entry %lld, but HQ holds it up to entry %lld: "
                     "entries were removed at the branch",
                     branch, (long long)a->head_seq, (long long)aseq);
        goto out;
    }
    for (int i = 0; !rc && !r->status && i < a->n; i++) {
        const rk_sync_proto_audit *e = &a->e[i];
        if (e->seq <= aseq) {
            char held[65] = "";
            if ((rc = rk_db_cached(db, &st, "SELECT hash FROM audit WHERE branch = ? AND seq = ?")))
                break;
            sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, e->seq);
            if (sqlite3_step(st) == SQLITE_ROW) rk_db_text(held, sizeof held, st, 0);
            rk_db_release(db, st);
            if (strcmp(held, e->hash))
                rk_hq_refuse(
                    r, 409, "audit_conflict", NULL, 0,
                    "branch %s's audit entry %lld differs from the one HQ holds: the branch's "
                    "log was rewritten",
                    branch, (long long)e->seq);
            continue;
        }
        if (e->seq != aseq + 1) {
            rk_hq_refuse(r, 409, "audit_gap", "expected", aseq + 1,
                         "audit entries must continue at %lld; this push has %lld next",
                         (long long)(aseq + 1), (long long)e->seq);
            break;
        }
        char want[65];
        rk_audit_entry ae = {e->actor,  e->role,  e->action, e->order_id,
                             e->before, e->after, e->detail};
        if ((rc = rk_audit_hash(want, e->seq, e->at, &ae, ahash)) != 0) break;
        if (strcmp(e->prev_hash, ahash) || strcmp(e->hash, want)) {
            rk_hq_refuse(r, 409, "audit_chain", NULL, 0,
                         "branch %s's audit entry %lld (%s) does not continue the chain HQ holds",
                         branch, (long long)e->seq, e->action);
            break;
        }
        rc = rk_db_cached(
            db, &st,
            "INSERT INTO audit(branch, seq, at, actor, role, action, order_id, "
            "before, after, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
        if (rc) break;
        sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, e->seq);
        sqlite3_bind_int64(st, 3, e->at);
        sqlite3_bind_text(st, 4, e->actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, e->role, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, e->action, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, e->order_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, e->before, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, e->after, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, e->detail, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 11, e->prev_hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 12, e->hash, -1, SQLITE_STATIC);
        if ((rc = step_done(db, st, "cannot store the audit entry")) != 0) break;
        aseq = e->seq;
        memcpy(ahash, e->hash, sizeof ahash);
        ack->applied++;
    }
    if (!rc && !r->status && a->head_seq == aseq && strcmp(a->head_hash, ahash))
        rk_hq_refuse(r, 409, "audit_conflict", NULL, 0,
                     "branch %s's newest audit entry %lld differs from the one HQ holds", branch,
                     (long long)aseq);
    if (!rc && !r->status) {
        if (!(rc = rk_db_cached(db, &st,
                                "UPDATE branch SET audit_seq = ?, audit_hash = ?, last_seen = ? "
                                "WHERE id = ?"))) {
            sqlite3_bind_int64(st, 1, aseq);
            sqlite3_bind_text(st, 2, ahash, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, rk_clock_now());
            sqlite3_bind_text(st, 4, branch, -1, SQLITE_STATIC);
            rc = step_done(db, st, "cannot anchor the audit head");
        }
        if (!rc) rc = rk_db_commit(db);
        ack->acked_seq = aseq;
        memcpy(ack->head_hash, ahash, sizeof ack->head_hash);
    }
out:
    if (rc || r->status) rk_db_rollback(db);
    DONE_DB(rc);
}

/* ---- digests --------------------------------------------------------------------- */

static int digest_orders_locked(rk_db *db, const char *branch, int64_t from, int64_t to,
                                rk_sync_proto_digest_order **out, int *n, int64_t **day_of)
{
    sqlite3_stmt *st;
    int cap = 0, rc = rk_db_prepare(db, &st,
                                    "SELECT uuid, state, last_seq, first_at / 86400 FROM hq_order "
                                    "WHERE branch = ? AND first_at >= ? AND first_at < ? "
                                    "ORDER BY first_at / 86400, uuid");
    *out = NULL;
    *n = 0;
    if (day_of) *day_of = NULL;
    if (rc) return rc;
    sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            void *p = realloc(*out, (size_t)cap * sizeof **out);
            void *q = day_of ? realloc(*day_of, (size_t)cap * sizeof **day_of) : NULL;
            if (p) *out = p;
            if (q) *day_of = q;
            if (!p || (day_of && !q)) {
                rc = rk_err_oom();
                break;
            }
        }
        rk_sync_proto_digest_order *o = &(*out)[*n];
        rk_db_text(o->uuid, sizeof o->uuid, st, 0);
        rk_db_text(o->state, sizeof o->state, st, 1);
        o->last_seq = sqlite3_column_int64(st, 2);
        if (day_of) (*day_of)[*n] = sqlite3_column_int64(st, 3);
        (*n)++;
    }
    if (!rc && s != SQLITE_DONE) rc = rk_db_fail(db, "cannot read orders for digests");
    sqlite3_finalize(st);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
        if (day_of) {
            free(*day_of);
            *day_of = NULL;
        }
    }
    return rc;
}

static int digest_days(rk_hq_store *store, const char *branch, int64_t from, int64_t to,
                       rk_sync_proto_day **out, int *n)
{
    rk_sync_proto_digest_order *o;
    int64_t *day;
    int k, rc;
    WITH_DB(store, db);
    *out = NULL;
    *n = 0;
    if ((rc = digest_orders_locked(db, branch, from, to, &o, &k, &day)) != 0) DONE_DB(rc);
    if (k && !(*out = calloc((size_t)k, sizeof **out))) rc = rk_err_oom();
    for (int i = 0; !rc && i < k;) {
        int j = i;
        while (j < k && day[j] == day[i])
            j++;
        rk_sync_proto_day *d = &(*out)[(*n)++];
        rk_sync_proto_day_of(d->day, day[i] * 86400);
        d->orders = j - i;
        rc = rk_sync_proto_digest(d->digest, o + i, j - i);
        i = j;
    }
    free(o);
    free(day);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    DONE_DB(rc);
}

static int digest_orders(rk_hq_store *store, const char *branch, int64_t day_start,
                         rk_sync_proto_digest_order **out, int *n)
{
    WITH_DB(store, db);
    int rc = digest_orders_locked(db, branch, day_start, day_start + 86400, out, n, NULL);
    DONE_DB(rc);
}

/* ---- uploads ----------------------------------------------------------------------- */

static const char UPLOAD_COLS[] = "SELECT id, branch, length, sha256, kind, order_uuid, filename, "
                                  "created_at, completed_at, stored_sha256, matches FROM upload ";

static int upload_row(rk_hq_upload *u, sqlite3_stmt *st)
{
    memset(u, 0, sizeof *u);
    rk_db_text(u->id, sizeof u->id, st, 0);
    rk_db_text(u->branch, sizeof u->branch, st, 1);
    u->length = sqlite3_column_int64(st, 2);
    rk_db_text(u->sha256, sizeof u->sha256, st, 3);
    rk_db_text(u->kind, sizeof u->kind, st, 4);
    rk_db_text(u->order, sizeof u->order, st, 5);
    rk_db_text(u->filename, sizeof u->filename, st, 6);
    u->created_at = sqlite3_column_int64(st, 7);
    u->completed_at = sqlite3_column_int64(st, 8);
    rk_db_text(u->stored_sha256, sizeof u->stored_sha256, st, 9);
    u->matches = sqlite3_column_int(st, 10);
    return 0;
}

static int upload_one(rk_db *db, sqlite3_stmt *st, rk_hq_upload *out, const char *what);

/* The live upload of a branch's content (see upload_add in store.h). */
#define UPLOAD_LIVE                                                                                \
    " WHERE branch = ? AND sha256 = ? AND length = ? AND (completed_at = 0 OR matches = 1) "       \
    "ORDER BY matches DESC, created_at DESC LIMIT 1"

static int upload_add(rk_hq_store *store, const rk_hq_upload *u, rk_hq_upload *held)
{
    sqlite3_stmt *st;
    char sql[512];
    WITH_DB(store, db);
    /* One IMMEDIATE transaction: no other connection writes between the
     * look and the insert. */
    int rc = rk_db_begin(db);
    if (!rc && u->sha256[0]) {
        snprintf(sql, sizeof sql, "%s%s", UPLOAD_COLS, UPLOAD_LIVE);
        if ((rc = rk_db_cached(db, &st, sql)) == 0) {
            sqlite3_bind_text(st, 1, u->branch, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, u->sha256, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, u->length);
            rc = upload_one(db, st, held, u->sha256);
            if (rc == 0)
                rc = RK_EEXIST;
            else if (rc == RK_ENOTFOUND)
                rc = 0;
        }
    }
    if (!rc)
        rc = rk_db_cached(db, &st,
                          "INSERT INTO upload(id, branch, length, sha256, kind, order_uuid, "
                          "filename, created_at) VALUES (?,?,?,?,?,?,?,?)");
    if (!rc) {
        sqlite3_bind_text(st, 1, u->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, u->branch, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, u->length);
        sqlite3_bind_text(st, 4, u->sha256, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, u->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, u->order, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, u->filename, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 8, u->created_at);
        rc = step_done(db, st, "cannot register the upload");
    }
    if (!rc) rc = rk_db_commit(db);
    DONE_DB(rc);
}

static int upload_one(rk_db *db, sqlite3_stmt *st, rk_hq_upload *out, const char *what)
{
    int s = sqlite3_step(st), rc = 0;
    if (s == SQLITE_ROW)
        upload_row(out, st);
    else
        rc = s == SQLITE_DONE ? rk_err_set(RK_ENOTFOUND, "no upload %s", what)
                              : rk_db_fail(db, "cannot read the upload");
    rk_db_release(db, st);
    return rc;
}

static int upload_get(rk_hq_store *store, const char *id, rk_hq_upload *out)
{
    sqlite3_stmt *st;
    char sql[512];
    WITH_DB(store, db);
    snprintf(sql, sizeof sql, "%s WHERE id = ?", UPLOAD_COLS);
    int rc = rk_db_cached(db, &st, sql);
    if (!rc) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        rc = upload_one(db, st, out, id);
    }
    DONE_DB(rc);
}

static int upload_find(rk_hq_store *store, const char *branch, const char *sha256,
                       rk_hq_upload *out)
{
    sqlite3_stmt *st;
    char sql[512];
    WITH_DB(store, db);
    /* A complete, matching copy first; else the newest attempt. */
    snprintf(sql, sizeof sql,
             "%s WHERE branch = ? AND sha256 = ? ORDER BY matches DESC, created_at DESC LIMIT 1",
             UPLOAD_COLS);
    int rc = rk_db_cached(db, &st, sql);
    if (!rc) {
        sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, sha256, -1, SQLITE_STATIC);
        rc = upload_one(db, st, out, sha256);
    }
    DONE_DB(rc);
}

static int upload_complete(rk_hq_store *store, const char *id, const char *stored, int64_t at)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    int rc = rk_db_cached(db, &st,
                          "UPDATE upload SET completed_at = ?, stored_sha256 = ?, "
                          "matches = (sha256 = '' OR sha256 = ?) WHERE id = ?");
    if (!rc) {
        sqlite3_bind_int64(st, 1, at);
        sqlite3_bind_text(st, 2, stored, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, stored, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
        rc = step_done(db, st, "cannot complete the upload");
    }
    DONE_DB(rc);
}

static int upload_row_cb(void *elem, sqlite3_stmt *st, void *arg)
{
    (void)arg;
    return upload_row(elem, st);
}

static int upload_list(rk_hq_store *store, const char *branch, rk_hq_upload **out, int *n)
{
    sqlite3_stmt *st;
    char sql[512];
    WITH_DB(store, db);
    snprintf(sql, sizeof sql, "%s WHERE branch = ? ORDER BY created_at, id", UPLOAD_COLS);
    int rc = rk_db_prepare(db, &st, sql);
    if (!rc) {
        sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
        rc = rk_db_collect((void **)out, n, db, st, sizeof **out, upload_row_cb, NULL, "uploads");
    }
    DONE_DB(rc);
}

static int upload_remove(rk_hq_store *store, const char *id)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    int rc = rk_db_cached(db, &st, "DELETE FROM upload WHERE id = ?");
    if (!rc) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        rc = step_done(db, st, "cannot remove the upload");
    }
    DONE_DB(rc);
}

/* ---- revocations ------------------------------------------------------------------- */

static int revoke(rk_hq_store *store, const char *serial, int reason, int64_t at, int *fresh)
{
    char norm[41];
    if (rk_hq_serial_norm(norm, sizeof norm, serial) != 0)
        return rk_err_set(RK_EINVAL, "'%s' is not a certificate serial (hex)", serial);
    WITH_DB(store, db);
    int rc = rk_db_begin(db);
    if (!rc) rc = revoke_locked(db, norm, "", reason, at, fresh);
    if (!rc && *fresh) {
        char payload[256];
        snprintf(payload, sizeof payload,
                 "{\"by_branch\":\"\",\"reason\":%d,\"revoked_at\":%lld,\"serial\":\"%s\"}", reason,
                 (long long)at, norm);
        rc = add_change(db, NULL, NULL, "certificate.revoked", payload, NULL);
    }
    if (!rc) rc = rk_db_commit(db);
    DONE_DB(rc);
}

static int revoked_row(void *elem, sqlite3_stmt *st, void *arg)
{
    rk_hq_revoked *r = elem;
    (void)arg;
    rk_db_text(r->serial, sizeof r->serial, st, 0);
    r->reason = sqlite3_column_int(st, 1);
    r->revoked_at = sqlite3_column_int64(st, 2);
    return 0;
}

static int revoked(rk_hq_store *store, rk_hq_revoked **out, int *n)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    int rc = rk_db_prepare(db, &st,
                           "SELECT serial, reason, revoked_at FROM revoked WHERE by_branch = '' "
                           "ORDER BY serial");
    if (!rc)
        rc = rk_db_collect((void **)out, n, db, st, sizeof **out, revoked_row, NULL, "revoked");
    DONE_DB(rc);
}

static int is_revoked(rk_hq_store *store, const char *serial, int *yes)
{
    char norm[41];
    int64_t v;
    *yes = 0;
    if (rk_hq_serial_norm(norm, sizeof norm, serial) != 0) return 0;
    WITH_DB(store, db);
    int rc =
        one_int(db, "SELECT 1 FROM revoked WHERE serial = ? AND by_branch = ''", norm, &v, yes);
    DONE_DB(rc);
}

/* ---- blobs ---------------------------------------------------------------------------- */

static int blob_put(rk_hq_store *store, int type, const rk_hq_blob *b)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    int rc = rk_db_begin(db);
    if (!rc && !(rc = rk_db_cached(db, &st, "SELECT max(version) FROM blob WHERE type = ?"))) {
        sqlite3_bind_int(st, 1, type);
        int64_t newest = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        rk_db_release(db, st);
        if (b->version <= newest)
            rc = rk_err_set(RK_ESTATE, "version %lld is not newer than %lld", (long long)b->version,
                            (long long)newest);
    }
    if (!rc && !(rc = rk_db_cached(db, &st,
                                   "INSERT INTO blob(type, version, at, sha256, der) "
                                   "VALUES (?,?,?,?,?)"))) {
        sqlite3_bind_int(st, 1, type);
        sqlite3_bind_int64(st, 2, b->version);
        sqlite3_bind_int64(st, 3, b->at);
        sqlite3_bind_text(st, 4, b->sha256, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 5, b->der, (int)b->len, SQLITE_STATIC);
        rc = step_done(db, st, "cannot store the publication");
    }
    if (!rc) rc = rk_db_commit(db);
    DONE_DB(rc);
}

static int blob_latest(rk_hq_store *store, int type, rk_hq_blob *out)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    memset(out, 0, sizeof *out);
    int rc = rk_db_cached(db, &st,
                          "SELECT version, at, sha256, der FROM blob WHERE type = ? "
                          "ORDER BY version DESC LIMIT 1");
    if (!rc) {
        sqlite3_bind_int(st, 1, type);
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW) {
            out->version = sqlite3_column_int64(st, 0);
            out->at = sqlite3_column_int64(st, 1);
            rk_db_text(out->sha256, sizeof out->sha256, st, 2);
            out->len = (size_t)sqlite3_column_bytes(st, 3);
            if (!(out->der = malloc(out->len ? out->len : 1)))
                rc = rk_err_oom();
            else
                memcpy(out->der, sqlite3_column_blob(st, 3), out->len);
        } else
            rc = s == SQLITE_DONE ? rk_err_set(RK_ENOTFOUND, "nothing published yet")
                                  : rk_db_fail(db, "cannot read the publication");
        rk_db_release(db, st);
    }
    DONE_DB(rc);
}

static int blob_next(rk_hq_store *store, int type, int64_t *out)
{
    sqlite3_stmt *st;
    WITH_DB(store, db);
    int rc = rk_db_cached(db, &st, "SELECT coalesce(max(version), 0) + 1 FROM blob WHERE type = ?");
    if (!rc) {
        sqlite3_bind_int(st, 1, type);
        *out = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 1;
        rk_db_release(db, st);
    }
    DONE_DB(rc);
}

/* ---- payment statements --------------------------------------------------------------- */

static int statement_add(rk_hq_store *store, rk_hq_statement *f, const rk_stmt *stmt, int *known)
{
    sqlite3_stmt *st;
    int64_t have = 0;
    int found = 0;
    *known = 0;
    f->lines = stmt->n;
    f->fresh = 0;
    WITH_DB(store, db);
    int rc = rk_db_begin(db);
    if (!rc)
        rc = one_int(db, "SELECT lines FROM statement WHERE sha256 = ?", f->sha256, &have, &found);
    if (!rc && found) {
        *known = 1;
        f->lines = (int)have;
        DONE_DB(0);
    }
    if (!rc)
        rc = rk_db_cached(db, &st,
                          "INSERT INTO statement(sha256, provider, filename, lines, fresh, "
                          "first_at, last_at, imported_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)");
    if (!rc) {
        sqlite3_bind_text(st, 1, f->sha256, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, stmt->provider);
        sqlite3_bind_text(st, 3, f->filename, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, stmt->n);
        sqlite3_bind_int64(st, 5, stmt->first_at);
        sqlite3_bind_int64(st, 6, stmt->last_at);
        sqlite3_bind_int64(st, 7, f->imported_at);
        rc = step_done(db, st, "cannot keep the statement");
    }
    for (int i = 0; !rc && i < stmt->n; i++) {
        const rk_stmt_line *l = &stmt->lines[i];
        rc = rk_db_cached(db, &st,
                          "INSERT INTO statement_line(provider, kind, txn, refund_no, "
                          "merchant_ref, store, fen, at, statement, line) VALUES "
                          "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
        if (rc) break;
        sqlite3_bind_int(st, 1, stmt->provider);
        sqlite3_bind_int(st, 2, l->kind);
        sqlite3_bind_text(st, 3, l->txn, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, l->refund_no, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, l->merchant_ref, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, l->store, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, l->fen);
        sqlite3_bind_int64(st, 8, l->at);
        sqlite3_bind_text(st, 9, f->sha256, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 10, l->line);
        if ((rc = step_done(db, st, "cannot keep a statement line"))) break;
        if (sqlite3_changes(rk_db_handle(db))) {
            f->fresh++;
            continue;
        }
        /* held already: it must be the same trade */
        rc = rk_db_cached(db, &st,
                          "SELECT s.filename, l.line FROM statement_line l JOIN statement s ON "
                          "s.sha256 = l.statement WHERE l.provider = ? AND l.kind = ? AND l.txn = "
                          "? AND l.refund_no = ? AND NOT (l.merchant_ref = ? AND l.fen = ? AND "
                          "l.at = ?)");
        if (rc) break;
        sqlite3_bind_int(st, 1, stmt->provider);
        sqlite3_bind_int(st, 2, l->kind);
        sqlite3_bind_text(st, 3, l->txn, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, l->refund_no, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, l->merchant_ref, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, l->fen);
        sqlite3_bind_int64(st, 7, l->at);
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW)
            rc = rk_err_set(RK_ESTATE,
                            "line %d: trade %s%s%s differs from the one imported from %s (line "
                            "%d): nothing imported",
                            l->line, l->txn, l->refund_no[0] ? " / " : "", l->refund_no,
                            (const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1));
        else if (s != SQLITE_DONE)
            rc = rk_db_fail(db, "cannot read a statement line");
        rk_db_release(db, st);
    }
    if (!rc &&
        (rc = rk_db_cached(db, &st, "UPDATE statement SET fresh = ? WHERE sha256 = ?")) == 0) {
        sqlite3_bind_int(st, 1, f->fresh);
        sqlite3_bind_text(st, 2, f->sha256, -1, SQLITE_STATIC);
        rc = step_done(db, st, "cannot keep the statement");
    }
    if (!rc) rc = rk_db_commit(db);
    DONE_DB(rc);
}

static int stmt_line_row(void *elem, sqlite3_stmt *st, void *arg)
{
    rk_hq_stmt_line *h = elem;
    (void)arg;
    h->provider = sqlite3_column_int(st, 0);
    h->l.kind = sqlite3_column_int(st, 1);
    rk_db_text(h->l.txn, sizeof h->l.txn, st, 2);
    rk_db_text(h->l.refund_no, sizeof h->l.refund_no, st, 3);
    rk_db_text(h->l.merchant_ref, sizeof h->l.merchant_ref, st, 4);
    rk_db_text(h->l.store, sizeof h->l.store, st, 5);
    h->l.fen = sqlite3_column_int64(st, 6);
    h->l.at = sqlite3_column_int64(st, 7);
    rk_db_text(h->statement, sizeof h->statement, st, 8);
    h->l.line = sqlite3_column_int(st, 9);
    return 0;
}

static int statement_lines(rk_hq_store *store, int64_t from, int64_t to, rk_hq_stmt_line **out,
                           int *n)
{
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    WITH_DB(store, db);
    int rc = rk_db_prepare(db, &st,
                           "SELECT provider, kind, txn, refund_no, merchant_ref, store, fen, at, "
                           "statement, line FROM statement_line WHERE at >= ? AND at < ? ORDER "
                           "BY at, provider, kind, txn, refund_no");
    if (!rc) {
        sqlite3_bind_int64(st, 1, from);
        sqlite3_bind_int64(st, 2, to);
        rc = rk_db_collect((void **)out, n, db, st, sizeof **out, stmt_line_row, NULL,
                           "statement lines");
    }
    DONE_DB(rc);
}

static int statement_row(void *elem, sqlite3_stmt *st, void *arg)
{
    rk_hq_statement *f = elem;
    (void)arg;
    rk_db_text(f->sha256, sizeof f->sha256, st, 0);
    f->provider = sqlite3_column_int(st, 1);
    rk_db_text(f->filename, sizeof f->filename, st, 2);
    f->lines = sqlite3_column_int(st, 3);
    f->fresh = sqlite3_column_int(st, 4);
    f->first_at = sqlite3_column_int64(st, 5);
    f->last_at = sqlite3_column_int64(st, 6);
    f->imported_at = sqlite3_column_int64(st, 7);
    return 0;
}

static int statement_list(rk_hq_store *store, int64_t from, int64_t to, rk_hq_statement **out,
                          int *n)
{
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    WITH_DB(store, db);
    int rc = rk_db_prepare(db, &st,
                           "SELECT sha256, provider, filename, lines, fresh, first_at, last_at, "
                           "imported_at FROM statement s WHERE (?1 = 0 AND ?2 = 0) OR EXISTS "
                           "(SELECT 1 FROM statement_line l WHERE l.statement = s.sha256 AND "
                           "l.at >= ?1 AND l.at < ?2) ORDER BY provider, imported_at, sha256");
    if (!rc) {
        sqlite3_bind_int64(st, 1, from);
        sqlite3_bind_int64(st, 2, to);
        rc =
            rk_db_collect((void **)out, n, db, st, sizeof **out, statement_row, NULL, "statements");
    }
    DONE_DB(rc);
}

static int order_events(rk_hq_store *store, const char *kind, const char *branch, int64_t from,
                        int64_t to, rk_hq_entity **out, int *n)
{
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    WITH_DB(store, db);
    int rc = rk_db_prepare(
        db, &st,
        "SELECT m.branch, m.entity_id, l.kind, l.seq, m.at, l.payload FROM (SELECT e.branch, "
        "e.entity_id, max(e.at) AS at FROM event e WHERE e.entity = 'order' AND e.kind = ?1 AND "
        "e.at >= ?2 AND e.at < ?3 AND (?4 = '' OR e.branch = ?4) GROUP BY e.branch, "
        "e.entity_id) m JOIN event l ON l.branch = m.branch AND l.seq = (SELECT max(f.seq) FROM "
        "event f WHERE f.entity = 'order' AND f.branch = m.branch AND f.entity_id = "
        "m.entity_id) ORDER BY m.branch, m.at, m.entity_id");
    if (!rc) {
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, from);
        sqlite3_bind_int64(st, 3, to);
        sqlite3_bind_text(st, 4, branch ? branch : "", -1, SQLITE_STATIC);
        rc = rk_db_collect((void **)out, n, db, st, sizeof **out, entity_row, NULL, "orders");
    }
    DONE_DB(rc);
}

static int order_by_ref(rk_hq_store *store, const char *branch, const char *ref, rk_hq_entity **out,
                        int *n)
{
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    WITH_DB(store, db);
    int rc = rk_db_prepare(
        db, &st,
        "SELECT o.branch, o.uuid, l.kind, l.seq, l.at, l.payload FROM hq_order o JOIN event l "
        "ON l.branch = o.branch AND l.seq = (SELECT max(f.seq) FROM event f WHERE f.entity = "
        "'order' AND f.branch = o.branch AND f.entity_id = o.uuid) WHERE o.ref = ?1 AND (?2 = "
        "'' OR o.branch = ?2) ORDER BY o.branch");
    if (!rc) {
        sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, branch ? branch : "", -1, SQLITE_STATIC);
        rc = rk_db_collect((void **)out, n, db, st, sizeof **out, entity_row, NULL, "orders");
    }
    DONE_DB(rc);
}

/* ---- open and close --------------------------------------------------------------------- */

static void store_close(rk_hq_store *store)
{
    sqlite_store *s = (sqlite_store *)store;
    for (int i = 0; i < s->n; i++)
        rk_db_close(s->conn[i]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

static const rk_hq_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = store_close,
    .branch_add = branch_add,
    .branch_reenrol = branch_reenrol,
    .branch_get = branch_get,
    .branch_list = branch_list,
    .branch_active = branch_active,
    .enrol_lookup = enrol_lookup,
    .branch_enrolled = branch_enrolled,
    .branch_seen = branch_seen,
    .events_push = events_push,
    .event_count = event_count,
    .entity_latest = entity_latest,
    .entity_find = entity_find,
    .branch_device_cert = branch_device_cert,
    .order_get = order_get,
    .order_count = order_count,
    .order_list = order_list,
    .change_add = change_add,
    .changes = changes,
    .audit_push = audit_push,
    .digest_days = digest_days,
    .digest_orders = digest_orders,
    .branch_report = branch_report,
    .branch_refusal = branch_refusal,
    .branch_days = branch_days,
    .upload_add = upload_add,
    .upload_get = upload_get,
    .upload_find = upload_find,
    .upload_complete = upload_complete,
    .upload_remove = upload_remove,
    .upload_list = upload_list,
    .revoke = revoke,
    .revoked = revoked,
    .is_revoked = is_revoked,
    .blob_put = blob_put,
    .blob_latest = blob_latest,
    .blob_next = blob_next,
    .statement_add = statement_add,
    .statement_lines = statement_lines,
    .statement_list = statement_list,
    .order_events = order_events,
    .order_by_ref = order_by_ref,
};

int rk_hq_store_open_sqlite(rk_hq_store **out, const char *path)
{
    sqlite_store *s = calloc(1, sizeof *s);
    int rc = 0;
    *out = NULL;
    if (!s) return rk_err_oom();
    s->base.ops = &sqlite_ops;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    for (int i = 0; i < POOL && !rc; i++) {
        rc = rk_db_open(&s->conn[i], path, RK_DB_CREATE);
        if (!rc) s->n++;
        if (!rc && i == 0) rc = migrate(s->conn[0]);
    }
    if (rc) {
        store_close(&s->base);
        return rk_err_wrap(rc, "HQ store %s", path);
    }
    *out = &s->base;
    return 0;
}
