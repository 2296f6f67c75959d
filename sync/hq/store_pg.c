/*
 * HQ's store on PostgreSQL (see store.h), for a fleet: libpq connections
 * opened on demand into a small pool shared by rahq's threads, each call
 * one transaction, the schema created and migrated by rahq itself under an
 * advisory lock (so several rahq processes may start at once against one
 * database and none keeps anything the others would need).
 *
 * A push is a handful of round trips whatever its size: the branch's row
 * is locked (FOR UPDATE: pushes of one branch through several rahq
 * processes are serialised on it, different branches never wait for each
 * other), the sequences HQ already holds are read in one query, the new
 * events go in as one INSERT from a JSON array, and the orders they touch
 * are upserted in one statement, each order's fields taken from its event
 * with the highest sequence that carries them (as the SQLite store does
 * event by event). Payloads are read with jansson, in C, before anything
 * is written, so a refusal never leaves half a batch.
 *
 * The change feed's cursor is a sequence, and sequences are handed out in
 * the order transactions ask, not the order they commit: a reader could see
 * cursor 11 before 10 commits and step over 10. Every writer of the feed
 * therefore takes one transaction-scoped advisory lock first, so cursors
 * become visible in order. Feed writes are rare (HQ's operator, revocations
 * reported by branches); pushes of ordinary events never take it.
 */
#include "hq/store.h"

#include "audit/audit.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/utf8.h"
#include "util/wipe.h"

#include <jansson.h>
#include <libpq-fe.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL      8
#define GENESIS   "0000000000000000000000000000000000000000000000000000000000000000"
#define FEED_LOCK "SELECT pg_advisory_xact_lock(7221162)"
#define DDL_LOCK  7221161

typedef struct pg_store {
    rk_hq_store base;
    PGconn *conn[POOL];
    int busy[POOL];
    int prepared[POOL]; /* the session holds the hot statements (hot[]) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *url;
} pg_store;

static const char *const migrations[] = {
    /* 1: the tables of the SQLite store's first migration, in PostgreSQL's
     * types. */
    "CREATE TABLE branch ("
    "  id           TEXT PRIMARY KEY,"
    "  name         TEXT NOT NULL,"
    "  active       INTEGER NOT NULL DEFAULT 1,"
    "  enrol_ref    TEXT UNIQUE,"
    "  enrol_secret TEXT,"
    "  enrol_used   INTEGER NOT NULL DEFAULT 0,"
    "  cert_serial  TEXT NOT NULL DEFAULT '',"
    "  created_at   BIGINT NOT NULL,"
    "  last_seen    BIGINT NOT NULL DEFAULT 0,"
    "  hwm          BIGINT NOT NULL DEFAULT 0,"
    "  audit_seq    BIGINT NOT NULL DEFAULT 0,"
    "  audit_hash   TEXT NOT NULL DEFAULT '" GENESIS "',"
    "  pulled       BIGINT NOT NULL DEFAULT 0);"
    "CREATE TABLE event ("
    "  branch      TEXT NOT NULL REFERENCES branch(id),"
    "  seq         BIGINT NOT NULL,"
    "  uuid        TEXT NOT NULL,"
    "  at          BIGINT NOT NULL,"
    "  entity      TEXT NOT NULL,"
    "  entity_id   TEXT NOT NULL,"
    "  kind        TEXT NOT NULL,"
    "  payload     TEXT NOT NULL,"
    "  received_at BIGINT NOT NULL,"
    "  PRIMARY KEY (branch, seq));"
    "CREATE TABLE hq_order ("
    "  uuid     TEXT PRIMARY KEY,"
    "  branch   TEXT NOT NULL REFERENCES branch(id),"
    "  ref      TEXT NOT NULL DEFAULT '',"
    "  business TEXT NOT NULL DEFAULT '',"
    "  state    TEXT NOT NULL DEFAULT '',"
    "  first_at BIGINT NOT NULL,"
    "  last_seq BIGINT NOT NULL,"
    "  last_at  BIGINT NOT NULL);"
    "CREATE INDEX hq_order_day ON hq_order(branch, first_at);"
    "CREATE INDEX hq_order_ref ON hq_order(branch, ref);"
    "CREATE TABLE change ("
    "  cursor        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  branch        TEXT,"
    "  except_branch TEXT,"
    "  kind          TEXT NOT NULL,"
    "  payload       TEXT NOT NULL,"
    "  at            BIGINT NOT NULL);"
    "CREATE INDEX change_branch ON change(branch, cursor);"
    "CREATE TABLE audit ("
    "  branch    TEXT NOT NULL REFERENCES branch(id),"
    "  seq       BIGINT NOT NULL,"
    "  at        BIGINT NOT NULL,"
    "  actor     TEXT NOT NULL,"
    "  role      TEXT NOT NULL,"
    "  action    TEXT NOT NULL,"
    "  order_id  TEXT,"
    "  before    TEXT,"
    "  after     TEXT,"
    "  detail    TEXT,"
    "  prev_hash TEXT NOT NULL,"
    "  hash      TEXT NOT NULL,"
    "  PRIMARY KEY (branch, seq));"
    "CREATE TABLE upload ("
    "  id            TEXT PRIMARY KEY,"
    "  branch        TEXT NOT NULL REFERENCES branch(id),"
    "  length        BIGINT NOT NULL,"
    "  sha256        TEXT NOT NULL DEFAULT '',"
    "  kind          TEXT NOT NULL DEFAULT '',"
    "  order_uuid    TEXT NOT NULL DEFAULT '',"
    "  filename      TEXT NOT NULL DEFAULT '',"
    "  created_at    BIGINT NOT NULL,"
    "  completed_at  BIGINT NOT NULL DEFAULT 0,"
    "  stored_sha256 TEXT NOT NULL DEFAULT '',"
    "  matches       INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX upload_sha ON upload(branch, sha256);"
    "CREATE TABLE revoked ("
    "  serial     TEXT NOT NULL,"
    "  by_branch  TEXT NOT NULL DEFAULT '',"
    "  reason     INTEGER NOT NULL,"
    "  revoked_at BIGINT NOT NULL,"
    "  PRIMARY KEY (serial, by_branch));"
    "CREATE TABLE blob ("
    "  type    INTEGER NOT NULL,"
    "  version BIGINT NOT NULL,"
    "  at      BIGINT NOT NULL,"
    "  sha256  TEXT NOT NULL,"
    "  der     BYTEA NOT NULL,"
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
    "  first_at    BIGINT NOT NULL,"
    "  last_at     BIGINT NOT NULL,"
    "  imported_at BIGINT NOT NULL);"
    "CREATE TABLE statement_line ("
    "  provider     INTEGER NOT NULL,"
    "  kind         INTEGER NOT NULL,"
    "  txn          TEXT NOT NULL,"
    "  refund_no    TEXT NOT NULL,"
    "  merchant_ref TEXT NOT NULL,"
    "  store        TEXT NOT NULL,"
    "  fen          BIGINT NOT NULL,"
    "  at           BIGINT NOT NULL,"
    "  statement    TEXT NOT NULL REFERENCES statement(sha256),"
    "  line         INTEGER NOT NULL,"
    "  PRIMARY KEY (provider, kind, txn, refund_no));"
    "CREATE INDEX statement_line_at ON statement_line(at);"
    "CREATE INDEX event_kind_at ON event(entity, kind, at);"
    "CREATE INDEX hq_order_refonly ON hq_order(ref);",
    /* 4: the fleet page's days of each branch. */
    "CREATE TABLE branch_day ("
    "  branch       TEXT NOT NULL REFERENCES branch(id),"
    "  day          BIGINT NOT NULL,"
    "  pending_max  BIGINT NOT NULL DEFAULT -1,"
    "  pending_last BIGINT NOT NULL DEFAULT -1,"
    "  refusals     BIGINT NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (branch, day));",
    /* 5: the device certificate HQ issued a branch, which recovered keys
     * are wrapped to. */
    "ALTER TABLE branch ADD COLUMN device_cert TEXT NOT NULL DEFAULT '';",
    /* 6: no foreign key from the pushed rows to their branch. A push locks
     * its branch's row (FOR UPDATE) before it writes, and no branch is
     * ever deleted, so the key's check of every event and order (a query
     * per row, inside the server) proved again what the push had just
     * read: a third of PostgreSQL's CPU in a fleet night (bench_fleet).
     * And no index of hq_order on (branch, ref): an order is found by its
     * reference through hq_order_refonly (ref), its branch then checked,
     * and every upsert wrote the one index more. */
    "ALTER TABLE event DROP CONSTRAINT event_branch_fkey;"
    "ALTER TABLE hq_order DROP CONSTRAINT hq_order_branch_fkey;"
    "DROP INDEX hq_order_ref;",
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* ---- libpq helpers
 * -------------------------------------------------------------- */

/* Records the failure of res (or of the connection) as RK_EBUSY for what
 * may succeed if tried again (serialisation, deadlock, lost connection),
 * RK_EEXIST for a unique key, RK_EDB otherwise; clears res. */
static int pg_fail(PGconn *c, PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char text[300];
    rk_utf8_copy(text, sizeof text, msg ? msg : PQerrorMessage(c));
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
        text[--n] = '\0';
    int code = RK_EDB;
    if (state && !strcmp(state, "23505"))
        code = RK_EEXIST;
    else if ((state && (!strcmp(state, "40001") || !strcmp(state, "40P01") ||
                        !strncmp(state, "08", 2) || !strcmp(state, "57P01"))) ||
             PQstatus(c) == CONNECTION_BAD)
        code = RK_EBUSY;
    PQclear(res);
    return rk_err_set(code, "%s: PostgreSQL: %s", what, text);
}

/* Runs sql with n text parameters (v[i] NULL: SQL NULL; len/fmt NULL: all
 * text). Returns the result, or NULL with *rc set. */
static PGresult *pgq(PGconn *c, int *rc, const char *what, const char *sql, int n,
                     const char *const *v, const int *len, const int *fmt)
{
    PGresult *res = PQexecParams(c, sql, n, NULL, v, len, fmt, 0);
    ExecStatusType s = PQresultStatus(res);
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) return res;
    *rc = pg_fail(c, res, what);
    return NULL;
}

/* Runs sql for its effect only. */
static int pgx(PGconn *c, const char *what, const char *sql, int n, const char *const *v)
{
    int rc = 0;
    PGresult *res = pgq(c, &rc, what, sql, n, v, NULL, NULL);
    PQclear(res);
    return rc;
}

/* One statement of a pipeline (pgpipe): its result is kept in res when it
 * succeeds (the caller clears it). */
typedef struct pgstep {
    const char *what, *sql;
    int n;
    const char *const *v;
    PGresult *res;
    const char *name; /* the prepared statement of sql in this session, or NULL */
} pgstep;

/* Sends st[0..n) at once and waits once (libpq's pipeline mode): a push
 * costs two round trips to the server instead of one per statement. After
 * a failure the rest of the pipeline is skipped by the server; the first
 * failure is returned, the index of its statement in *failed and its
 * SQLSTATE in state[6] (either may be NULL). */
static int pgpipe(PGconn *c, pgstep *st, int n, int *failed, char *state)
{
    int rc = 0, sent = 0;
    if (!PQenterPipelineMode(c)) return pg_fail(c, NULL, "cannot enter pipeline mode");
    for (; sent < n; sent++)
        if (!(st[sent].name
                  ? PQsendQueryPrepared(c, st[sent].name, st[sent].n, st[sent].v, NULL, NULL, 0)
                  : PQsendQueryParams(c, st[sent].sql, st[sent].n, NULL, st[sent].v, NULL, NULL,
                                      0))) {
            rc = pg_fail(c, NULL, st[sent].what);
            break;
        }
    if (!PQpipelineSync(c) && !rc) rc = pg_fail(c, NULL, "cannot send the statements");
    for (int i = 0; i < sent; i++) {
        PGresult *r;
        while ((r = PQgetResult(c)) != NULL) {
            ExecStatusType s = PQresultStatus(r);
            if ((s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) && !st[i].res)
                st[i].res = r;
            else if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_PIPELINE_ABORTED)
                PQclear(r);
            else if (!rc) {
                const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
                if (failed) *failed = i;
                if (state) snprintf(state, 6, "%s", code ? code : "");
                rc = pg_fail(c, r, st[i].what);
            } else
                PQclear(r);
        }
    }
    PGresult *r;
    while ((r = PQgetResult(c)) != NULL) { /* the sync */
        ExecStatusType s = PQresultStatus(r);
        PQclear(r);
        if (s == PGRES_PIPELINE_SYNC) break;
    }
    if (!PQexitPipelineMode(c) && !rc) rc = pg_fail(c, NULL, "cannot leave pipeline mode");
    if (rc)
        for (int i = 0; i < n; i++) {
            PQclear(st[i].res);
            st[i].res = NULL;
        }
    return rc;
}

/* Runs a script of several statements (no parameters). */
static int pgscript(PGconn *c, const char *what, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(res);
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
        PQclear(res);
        return 0;
    }
    return pg_fail(c, res, what);
}

#define I64(buf, v) (snprintf((buf), sizeof(buf), "%lld", (long long)(v)), (buf))

static int64_t geti(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static void gets_(char *dst, size_t n, const PGresult *r, int row, int col)
{
    rk_utf8_copy(dst, n, PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

static int begin(PGconn *c)
{
    return pgx(c, "cannot begin a transaction", "BEGIN", 0, NULL);
}

static int commit(PGconn *c)
{
    return pgx(c, "cannot commit", "COMMIT", 0, NULL);
}

/* ---- the pool
 * ------------------------------------------------------------------- */

static void notice_none(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static int connect_one(PGconn **out, const char *url)
{
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) {
        char text[300];
        rk_utf8_copy(text, sizeof text, PQerrorMessage(c));
        size_t n = strlen(text);
        while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
            text[--n] = '\0';
        PQfinish(c);
        *out = NULL;
        return rk_err_set(RK_EDB, "cannot connect to PostgreSQL: %s", text);
    }
    /* Notices (CREATE ... IF NOT EXISTS and the like) are not for stderr. */
    PQsetNoticeProcessor(c, notice_none, NULL);
    /* The hot statements (hot[] below) keep their generic plans: each is
     * written so that it goes by an index whatever the tables' statistics
     * (ON CONFLICT on the key, one LATERAL probe per order, the branch's
     * key, the batch's seq range), so a plan made while the tables were
     * empty stays right as they grow. Planning every push afresh
     * (force_custom_plan, while the orders' statements were joins the
     * planner could turn into scans) was 40% of PostgreSQL's CPU in a
     * fleet night; bench_fleet prints the rows sequential scans read (0). */
    PQclear(PQexec(c, "SET plan_cache_mode = auto"));
    *out = c;
    return 0;
}

static void prepare_hot(pg_store *s, int slot);

static PGconn *acquire(pg_store *s, int *slot, int *rc)
{
    pthread_mutex_lock(&s->mu);
    for (;;) {
        for (int i = 0; i < POOL; i++)
            if (!s->busy[i]) {
                s->busy[i] = 1;
                *slot = i;
                pthread_mutex_unlock(&s->mu);
                if (s->conn[i] && PQstatus(s->conn[i]) == CONNECTION_BAD) {
                    PQreset(s->conn[i]);
                    s->prepared[i] = 0; /* a new session */
                }
                if (s->conn[i] && PQstatus(s->conn[i]) == CONNECTION_BAD) {
                    PQfinish(s->conn[i]);
                    s->conn[i] = NULL;
                }
                if (!s->conn[i]) {
                    s->prepared[i] = 0;
                    *rc = connect_one(&s->conn[i], s->url);
                    if (*rc) *rc = RK_EBUSY; /* the message says why; try again */
                }
                if (!*rc && !s->prepared[i]) prepare_hot(s, i);
                return s->conn[i];
            }
        pthread_cond_wait(&s->cv, &s->mu);
    }
}

static void release(pg_store *s, int slot)
{
    PGconn *c = s->conn[slot];
    if (c && PQpipelineStatus(c) != PQ_PIPELINE_OFF) {
        PQreset(c);
        s->prepared[slot] = 0;
    }
    if (c && PQtransactionStatus(c) != PQTRANS_IDLE) PQclear(PQexec(c, "ROLLBACK"));
    pthread_mutex_lock(&s->mu);
    s->busy[slot] = 0;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

#define WITH_DB(store, c)                                                                          \
    pg_store *S_ = (pg_store *)(store);                                                            \
    int slot_, rc = 0;                                                                             \
    PGconn *c = acquire(S_, &slot_, &rc);                                                          \
    if (rc) DONE_DB(rc)
#define DONE_DB(code)                                                                              \
    do {                                                                                           \
        release(S_, slot_);                                                                        \
        return (code);                                                                             \
    } while (0)

/* ---- the schema
 * -------------------------------------------------------------------- */

static int migrate(PGconn *c)
{
    char lock[64], num[24];
    PGresult *res;
    int rc = 0, have = 0;
    snprintf(lock, sizeof lock, "SELECT pg_advisory_lock(%d)", DDL_LOCK);
    if ((rc = pgx(c, "cannot lock the schema", lock, 0, NULL)) != 0) return rc;
    rc = pgx(c, "cannot make the schema table",
             "CREATE TABLE IF NOT EXISTS rahq_schema (version INTEGER NOT NULL)", 0, NULL);
    if (!rc &&
        (res = pgq(c, &rc, "cannot read the schema version",
                   "SELECT coalesce(max(version), 0) FROM rahq_schema", 0, NULL, NULL, NULL))) {
        have = (int)geti(res, 0, 0);
        PQclear(res);
    }
    if (!rc && have > N_MIGRATIONS)
        rc = rk_err_set(RK_ESTATE,
                        "the database has HQ schema version %d, newer than this rahq's %d: "
                        "run the newer rahq",
                        have, N_MIGRATIONS);
    for (int v = have + 1; !rc && v <= N_MIGRATIONS; v++) {
        const char *p[1] = {I64(num, v)};
        if (!(rc = begin(c)) &&
            !(rc = pgscript(c, "cannot migrate HQ's store", migrations[v - 1])) &&
            !(rc = pgscript(c, "cannot record the schema version",
                            "DELETE FROM rahq_schema; INSERT INTO rahq_schema VALUES (0)")) &&
            !(rc = pgx(c, "cannot record the schema version", "UPDATE rahq_schema SET version = $1",
                       1, p)))
            rc = commit(c);
        if (rc)
            PQclear(PQexec(c, "ROLLBACK"));
        else
            rk_log_info("rahq: PostgreSQL store migrated to schema %d", v);
    }
    snprintf(lock, sizeof lock, "SELECT pg_advisory_unlock(%d)", DDL_LOCK);
    PQclear(PQexec(c, lock));
    return rc;
}

/* ---- branches
 * ------------------------------------------------------------------------ */

static int branch_add(rk_hq_store *store, const char *id, const char *name, const char *ref,
                      const char *secret)
{
    char now[24];
    WITH_DB(store, c);
    const char *p[5] = {id, name, ref, secret, I64(now, rk_clock_now())};
    rc = pgx(c, "cannot add the branch",
             "INSERT INTO branch(id, name, enrol_ref, enrol_secret, created_at) "
             "VALUES ($1, $2, $3, $4, $5)",
             5, p);
    if (rc == RK_EEXIST)
        rc = rk_err_set(RK_EEXIST, "branch %s (or its enrolment reference) exists", id);
    DONE_DB(rc);
}

static int branch_reenrol(rk_hq_store *store, const char *id, const char *ref, const char *secret)
{
    PGresult *res;
    WITH_DB(store, c);
    const char *p[3] = {ref, secret, id};
    if ((res = pgq(c, &rc, "cannot renew the enrolment",
                   "UPDATE branch SET enrol_ref = $1, enrol_secret = $2, "
                   "enrol_used = 0 "
                   "WHERE id = $3",
                   3, p, NULL, NULL))) {
        if (!strcmp(PQcmdTuples(res), "0"))
            rc = rk_err_set(RK_ENOTFOUND, "HQ has no branch %s", id);
        PQclear(res);
    }
    DONE_DB(rc);
}

static const char BRANCH_COLS[] =
    "b.id, b.name, b.active, coalesce(b.enrol_ref, ''), b.enrol_used, "
    "b.cert_serial, "
    "b.created_at, b.last_seen, b.hwm, b.audit_seq, b.audit_hash, b.pulled, "
    "(SELECT count(*) FROM change c WHERE c.cursor > b.pulled AND (c.branch = "
    "b.id OR "
    " (c.branch IS NULL AND (c.except_branch IS NULL OR c.except_branch <> "
    "b.id)))), "
    "(SELECT count(*) FROM upload u WHERE u.branch = b.id), "
    "(SELECT count(*) FROM upload u WHERE u.branch = b.id AND u.completed_at = "
    "0) "
    "FROM branch b";

static void branch_row(rk_hq_branch *b, const PGresult *r, int i)
{
    memset(b, 0, sizeof *b);
    gets_(b->id, sizeof b->id, r, i, 0);
    gets_(b->name, sizeof b->name, r, i, 1);
    b->active = (int)geti(r, i, 2);
    gets_(b->enrol_ref, sizeof b->enrol_ref, r, i, 3);
    b->enrol_used = (int)geti(r, i, 4);
    gets_(b->cert_serial, sizeof b->cert_serial, r, i, 5);
    b->created_at = geti(r, i, 6);
    b->last_seen = geti(r, i, 7);
    b->hwm = geti(r, i, 8);
    b->audit_seq = geti(r, i, 9);
    gets_(b->audit_hash, sizeof b->audit_hash, r, i, 10);
    b->pulled = geti(r, i, 11);
    b->backlog = geti(r, i, 12);
    b->archives = geti(r, i, 13);
    b->archives_open = geti(r, i, 14);
}

static int branch_get(rk_hq_store *store, const char *id, rk_hq_branch *out)
{
    char sql[1024];
    PGresult *res;
    WITH_DB(store, c);
    snprintf(sql, sizeof sql, "SELECT %s WHERE b.id = $1", BRANCH_COLS);
    memset(out, 0, sizeof *out);
    const char *p[1] = {id};
    if ((res = pgq(c, &rc, "cannot read the branch", sql, 1, p, NULL, NULL))) {
        if (PQntuples(res) == 1)
            branch_row(out, res, 0);
        else
            rc = rk_err_set(RK_ENOTFOUND, "HQ has no branch %s", id);
        PQclear(res);
    }
    DONE_DB(rc);
}

static int branch_list(rk_hq_store *store, rk_hq_branch **out, int *n)
{
    char sql[1024];
    PGresult *res;
    WITH_DB(store, c);
    *out = NULL;
    *n = 0;
    snprintf(sql, sizeof sql, "SELECT %s ORDER BY b.id", BRANCH_COLS);
    if ((res = pgq(c, &rc, "cannot list the branches", sql, 0, NULL, NULL, NULL))) {
        int k = PQntuples(res);
        if (k && !(*out = calloc((size_t)k, sizeof **out)))
            rc = rk_err_oom();
        else
            for (int i = 0; i < k; i++)
                branch_row(&(*out)[(*n)++], res, i);
        PQclear(res);
    }
    DONE_DB(rc);
}

static int enrol_lookup(rk_hq_store *store, const char *ref, char *branch, char *secret, size_t n)
{
    PGresult *res;
    WITH_DB(store, c);
    const char *p[1] = {ref};
    if ((res = pgq(c, &rc, "cannot read the enrolment",
                   "SELECT id, enrol_secret FROM branch WHERE enrol_ref = $1 AND "
                   "enrol_used = 0 AND active = 1 AND enrol_secret IS NOT NULL",
                   1, p, NULL, NULL))) {
        if (PQntuples(res) == 1) {
            gets_(branch, RK_SYNC_PROTO_BRANCH_MAX, res, 0, 0);
            gets_(secret, n, res, 0, 1);
            rk_wipe(PQgetvalue(res, 0, 1), strlen(PQgetvalue(res, 0, 1)));
        } else
            rc = rk_err_set(RK_ENOTFOUND, "no open enrolment '%s'", ref);
        PQclear(res);
    }
    DONE_DB(rc);
}

static int branch_active(rk_hq_store *store, const char *id, int *active)
{
    PGresult *res;
    *active = 0;
    WITH_DB(store, c);
    const char *p[1] = {id};
    if ((res = pgq(c, &rc, "cannot read the branch", "SELECT active FROM branch WHERE id = $1", 1,
                   p, NULL, NULL))) {
        *active = PQntuples(res) == 1 && geti(res, 0, 0) != 0;
        PQclear(res);
    }
    DONE_DB(rc);
}

static int branch_enrolled(rk_hq_store *store, const char *id, const char *serial, const char *pem)
{
    WITH_DB(store, c);
    const char *p[3] = {serial, id, pem ? pem : ""};
    rc = pgx(c, "cannot record the device certificate",
             "UPDATE branch SET enrol_used = 1, enrol_secret = NULL, cert_serial = $1, "
             "device_cert = $3 WHERE id = $2",
             3, p);
    DONE_DB(rc);
}

static int branch_device_cert(rk_hq_store *store, const char *id, char **pem)
{
    PGresult *res;
    *pem = NULL;
    WITH_DB(store, c);
    const char *p[1] = {id};
    if ((res = pgq(c, &rc, "cannot read the device certificate",
                   "SELECT device_cert FROM branch WHERE id = $1", 1, p, NULL, NULL))) {
        const char *t = PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : NULL;
        if (!t || !*t)
            rc = rk_err_set(RK_ENOTFOUND, "HQ holds no device certificate of branch %s", id);
        else if (!(*pem = strdup(t)))
            rc = rk_err_oom();
        PQclear(res);
    }
    DONE_DB(rc);
}

static int branch_seen(rk_hq_store *store, const char *id, int64_t at)
{
    char t[24];
    WITH_DB(store, c);
    const char *p[2] = {I64(t, at), id};
    rc = pgx(c, "cannot record the branch's visit",
             "UPDATE branch SET last_seen = $1 WHERE id = $2", 2, p);
    DONE_DB(rc);
}

static int branch_report(rk_hq_store *store, const char *id, int64_t day, int64_t pending)
{
    char d[24], v[24];
    WITH_DB(store, c);
    const char *p[3] = {id, I64(d, day), I64(v, pending)};
    rc = pgx(c, "cannot record the branch's backlog",
             "INSERT INTO branch_day(branch, day, pending_max, pending_last) "
             "VALUES ($1, $2, $3, $3) ON CONFLICT (branch, day) DO UPDATE SET "
             "pending_max = GREATEST(branch_day.pending_max, $3), pending_last = $3",
             3, p);
    DONE_DB(rc);
}

static int branch_refusal(rk_hq_store *store, const char *id, int64_t day)
{
    char d[24];
    WITH_DB(store, c);
    const char *p[2] = {id, I64(d, day)};
    rc = pgx(c, "cannot count the branch's refusal",
             "INSERT INTO branch_day(branch, day, refusals) VALUES ($1, $2, 1) "
             "ON CONFLICT (branch, day) DO UPDATE SET refusals = branch_day.refusals + 1",
             2, p);
    DONE_DB(rc);
}

static int branch_days(rk_hq_store *store, const char *id, int64_t from, rk_hq_branch_day **out,
                       int *n)
{
    PGresult *res;
    char f[24];
    WITH_DB(store, c);
    *out = NULL;
    *n = 0;
    const char *p[2] = {id, I64(f, from)};
    if ((res = pgq(c, &rc, "cannot list the branch's days",
                   "SELECT day, pending_max, pending_last, refusals FROM branch_day "
                   "WHERE branch = $1 AND day >= $2 ORDER BY day",
                   2, p, NULL, NULL))) {
        int k = PQntuples(res);
        if (k && !(*out = calloc((size_t)k, sizeof **out)))
            rc = rk_err_oom();
        else
            for (int i = 0; i < k; i++, (*n)++) {
                (*out)[i].day = geti(res, i, 0);
                (*out)[i].pending_max = geti(res, i, 1);
                (*out)[i].pending_last = geti(res, i, 2);
                (*out)[i].refusals = geti(res, i, 3);
            }
        PQclear(res);
    }
    DONE_DB(rc);
}

/* ---- the feed and revocations
 * ----------------------------------------------------------- */

/* Adds a change inside the caller's transaction (which it serialises with
 * every other feed writer until commit; see the top of the file). */
static int add_change(PGconn *c, const char *branch, const char *except, const char *kind,
                      const char *payload, int64_t *cursor)
{
    char now[24];
    PGresult *res;
    int rc = pgx(c, "cannot lock the change feed", FEED_LOCK, 0, NULL);
    const char *p[5] = {branch, except, kind, payload, I64(now, rk_clock_now())};
    if (!rc && (res = pgq(c, &rc, "cannot add a change",
                          "INSERT INTO change(branch, except_branch, kind, payload, at) "
                          "VALUES ($1, $2, $3, $4, $5) RETURNING cursor",
                          5, p, NULL, NULL))) {
        if (cursor) *cursor = geti(res, 0, 0);
        PQclear(res);
    }
    return rc;
}

static int revoke_locked(PGconn *c, const char *serial, const char *by_branch, int reason,
                         int64_t at, int *fresh)
{
    char rs[24], t[24];
    PGresult *res;
    int rc = 0;
    const char *p[4] = {serial, by_branch, I64(rs, reason), I64(t, at)};
    if ((res = pgq(c, &rc, "cannot record the revocation",
                   "INSERT INTO revoked(serial, by_branch, reason, revoked_at) "
                   "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                   4, p, NULL, NULL))) {
        if (fresh) *fresh = strcmp(PQcmdTuples(res), "0") != 0;
        PQclear(res);
    }
    return rc;
}

/* ---- the push
 * ----------------------------------------------------------------------------
 */

/* What one batch does to one order: each field from the highest-sequence
 * event of the batch that carries it (its seq kept to compare with HQ's). */
typedef struct order_agg {
    const char *uuid;
    char ref[32], business[16], state[16];
    int64_t ref_seq, business_seq, state_seq;
    int64_t first_at, last_seq, last_at;
} order_agg;

/* A payload's string member key into out ("" if absent or null); 1 if it is
 * there but not a string. */
static int member(char *out, size_t n, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    out[0] = '\0';
    if (!v || json_is_null(v)) return 0;
    if (json_is_integer(v)) {
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
        return 0;
    }
    if (!json_is_string(v)) return 1;
    rk_utf8_copy(out, n, json_string_value(v));
    return 0;
}

static int agg_add(order_agg *a, int *na, const rk_sync_proto_event *e, json_t *payload)
{
    char ref[32], business[16], state[16];
    order_agg *o = NULL;
    member(ref, sizeof ref, payload, "ref");
    member(business, sizeof business, payload, "business");
    member(state, sizeof state, payload, "state");
    for (int i = 0; i < *na && !o; i++)
        if (!strcmp(a[i].uuid, e->entity_id)) o = &a[i];
    if (!o) {
        o = &a[(*na)++];
        memset(o, 0, sizeof *o);
        o->uuid = e->entity_id;
        o->first_at = e->at;
        o->last_seq = -1;
    }
    if (e->at < o->first_at) o->first_at = e->at;
    if (e->seq > o->last_seq) {
        o->last_seq = e->seq;
        o->last_at = e->at;
    }
    if (ref[0] && e->seq > o->ref_seq) {
        memcpy(o->ref, ref, sizeof ref);
        o->ref_seq = e->seq;
    }
    if (business[0] && e->seq > o->business_seq) {
        memcpy(o->business, business, sizeof business);
        o->business_seq = e->seq;
    }
    if (state[0] && e->seq > o->state_seq) {
        memcpy(o->state, state, sizeof state);
        o->state_seq = e->seq;
    }
    return 0;
}

/* json_dumps of v (consumed), or NULL with *rc = RK_ENOMEM. */
static char *dump(json_t *v, int *rc)
{
    char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    if (!s) *rc = rk_err_oom();
    return s;
}

/* The batch's orders, one array per column (unnest), upserted on their key:
 * ON CONFLICT finds each order through hq_order's primary key whatever the
 * planner believes of the table. (An UPDATE joined to the batch was planned
 * as a scan of all of hq_order while its statistics were those of an empty
 * table: on a new HQ's first night, a scan per push, growing with the
 * fleet.) The batch's newest value of a field is taken only when it is at
 * least as new as what HQ holds (a repair re-sends old events). An order of
 * another branch is never changed: its branch would become NULL, which
 * the column refuses, so the push fails and its retry refuses the order
 * (ORDER_OWNERS). */
#define UPSERT_COLS 10
static const char UPSERT_ORDERS[] =
    "WITH a AS (SELECT * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], "
    "  $6::bigint[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[]) "
    "  AS t(uuid, ref, ref_seq, business, business_seq, state, state_seq, first_at, last_seq, "
    "  last_at)) "
    "INSERT INTO hq_order AS o (uuid, branch, ref, business, state, first_at, last_seq, last_at) "
    "SELECT a.uuid, $1, a.ref, a.business, a.state, a.first_at, a.last_seq, a.last_at "
    "FROM a ORDER BY a.uuid "
    "ON CONFLICT (uuid) DO UPDATE SET "
    "  branch = CASE WHEN o.branch = $1 THEN o.branch END,"
    "  ref = CASE WHEN excluded.ref <> '' AND "
    "    (SELECT ref_seq FROM a WHERE a.uuid = excluded.uuid) >= o.last_seq "
    "    THEN excluded.ref ELSE o.ref END,"
    "  business = CASE WHEN excluded.business <> '' AND "
    "    (SELECT business_seq FROM a WHERE a.uuid = excluded.uuid) >= o.last_seq "
    "    THEN excluded.business ELSE o.business END,"
    "  state = CASE WHEN excluded.state <> '' AND "
    "    (SELECT state_seq FROM a WHERE a.uuid = excluded.uuid) >= o.last_seq "
    "    THEN excluded.state ELSE o.state END,"
    "  first_at = least(o.first_at, excluded.first_at),"
    "  last_at = CASE WHEN excluded.last_seq >= o.last_seq THEN excluded.last_at "
    "    ELSE o.last_at END,"
    "  last_seq = greatest(o.last_seq, excluded.last_seq)";

/* Appends s to the array literal in b as one element, quoted, its " and \
 * escaped; first: no comma before it. */
static int arr_text(rk_buf *b, const char *s, int first)
{
    int rc = rk_buf_append(b, first ? "\"" : ",\"", first ? 1 : 2);
    for (const char *p = s; !rc && *p; p++) {
        size_t run = strcspn(p, "\"\\");
        if (run) {
            rc = rk_buf_append(b, p, run);
            p += run;
            if (!*p) break;
        }
        if (!rc) rc = rk_buf_append(b, "\\", 1);
        if (!rc) rc = rk_buf_append(b, p, 1);
    }
    return rc ? rc : rk_buf_append(b, "\"", 1);
}

static int arr_int(rk_buf *b, int64_t v, int first)
{
    return rk_buf_printf(b, "%s%lld", first ? "" : ",", (long long)v);
}

/* The batch's orders as UPSERT_ORDERS's ten column arrays, into col[]
 * (rk_buf_free each). */
/* Opens n column array literals in col[] ("{"; rk_buf_free each). */
static int cols_open(rk_buf *col, int n)
{
    int rc = 0;
    for (int c = 0; c < n; c++) {
        rk_buf_init(&col[c], (size_t)RK_SYNC_PROTO_MAX_BODY);
        if (!rc) rc = rk_buf_append(&col[c], "{", 1);
    }
    return rc;
}

/* Closes them ("}"), unless rc already failed; returns rc. */
static int cols_close(rk_buf *col, int n, int rc)
{
    for (int c = 0; !rc && c < n; c++)
        rc = rk_buf_append(&col[c], "}", 1);
    return rc;
}

static int orders_arrays(rk_buf *col, const order_agg *a, int na)
{
    int rc = cols_open(col, UPSERT_COLS);
    for (int i = 0; !rc && i < na; i++) {
        const order_agg *o = &a[i];
        int f = i == 0;
        if ((rc = arr_text(&col[0], o->uuid, f)) || (rc = arr_text(&col[1], o->ref, f)) ||
            (rc = arr_int(&col[2], o->ref_seq, f)) || (rc = arr_text(&col[3], o->business, f)) ||
            (rc = arr_int(&col[4], o->business_seq, f)) || (rc = arr_text(&col[5], o->state, f)) ||
            (rc = arr_int(&col[6], o->state_seq, f)) || (rc = arr_int(&col[7], o->first_at, f)) ||
            (rc = arr_int(&col[8], o->last_seq, f)) || (rc = arr_int(&col[9], o->last_at, f)))
            break;
    }
    return cols_close(col, UPSERT_COLS, rc);
}

/* The new events as one array per column, like the orders: PostgreSQL
 * reads seven array literals faster than it parses a JSON array of records,
 * and rahq writes them without building a JSON document. */
#define EVENT_COLS 7
static const char INSERT_EVENTS[] =
    "INSERT INTO event(branch, seq, uuid, at, entity, entity_id, kind, payload, received_at) "
    "SELECT $1, t.seq, t.uuid, t.at, t.entity, t.entity_id, t.kind, t.payload, $9 "
    "FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], "
    "  $8::text[]) AS t(seq, uuid, at, entity, entity_id, kind, payload)";

/* The new events as INSERT_EVENTS's seven column arrays, into col[]
 * (rk_buf_free each). */
static int events_arrays(rk_buf *col, const rk_sync_proto_event *const *ev, int n)
{
    int rc = cols_open(col, EVENT_COLS);
    for (int i = 0; !rc && i < n; i++) {
        const rk_sync_proto_event *e = ev[i];
        int f = i == 0;
        if ((rc = arr_int(&col[0], e->seq, f)) || (rc = arr_text(&col[1], e->uuid, f)) ||
            (rc = arr_int(&col[2], e->at, f)) || (rc = arr_text(&col[3], e->entity, f)) ||
            (rc = arr_text(&col[4], e->entity_id, f)) || (rc = arr_text(&col[5], e->kind, f)) ||
            (rc = arr_text(&col[6], e->payload, f)))
            break;
    }
    return cols_close(col, EVENT_COLS, rc);
}

static const char BRANCH_LOCK[] = "SELECT active, hwm, audit_seq, audit_hash FROM branch "
                                  "WHERE id = $1 FOR UPDATE";

/* The marks of BRANCH_LOCK's result; RK_ENOTFOUND without a row. */
static int branch_marks(const PGresult *res, int *active, int64_t *hwm, int64_t *aseq,
                        char ahash[65])
{
    if (PQntuples(res) != 1) return RK_ENOTFOUND;
    *active = (int)geti(res, 0, 0);
    *hwm = geti(res, 0, 1);
    *aseq = geti(res, 0, 2);
    gets_(ahash, 65, res, 0, 3);
    return 0;
}

/* Locks the branch's row for the transaction and reads its marks; RK_ENOTFOUND.
 */
static int branch_lock(PGconn *c, const char *branch, int *active, int64_t *hwm, int64_t *aseq,
                       char ahash[65])
{
    int rc = 0;
    const char *p[1] = {branch};
    PGresult *res = pgq(c, &rc, "cannot read the branch", BRANCH_LOCK, 1, p, NULL, NULL);
    if (!res) return rc;
    rc = branch_marks(res, active, hwm, aseq, ahash);
    PQclear(res);
    return rc;
}

/* "{a,b,c}": a PostgreSQL array literal of the batch's seqs. */
static char *seq_array(const int64_t *seq, int n, size_t stride)
{
    size_t cap = (size_t)n * 21 + 3, k = 0;
    char *s = malloc(cap);
    if (!s) return NULL;
    s[k++] = '{';
    for (int i = 0; i < n; i++) {
        const int64_t *v = (const int64_t *)((const char *)seq + (size_t)i * stride);
        k += (size_t)snprintf(s + k, cap - k, "%s%lld", i ? "," : "", (long long)*v);
    }
    snprintf(s + k, cap - k, "}");
    return s;
}

/* The batch's range ($3..$4: its seqs ascend) bounds the index scan; with
 * = ANY alone the planner read every event the branch ever pushed and
 * filtered them, on every push. */
static const char HELD_SEQS[] = "SELECT seq, uuid FROM event WHERE branch = $1 AND "
                                "seq BETWEEN $3 AND $4 AND seq = ANY($2::bigint[]) ORDER BY seq";

/* HELD_SEQS's result: the uuid HQ holds for each of the batch's seqs, into
 * held[i] ("" none). */
static void held_seqs(const PGresult *res, const rk_sync_proto_events *in, char (*held)[37])
{
    int j = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        int64_t seq = geti(res, i, 0);
        while (j < in->n && in->ev[j].seq < seq)
            j++;
        if (j < in->n && in->ev[j].seq == seq) gets_(held[j], 37, res, i, 1);
    }
}

/* Each order probed on its own (LATERAL ... LIMIT 1 keeps the planner from
 * joining the batch to a scan of hq_order): = ANY of the array was planned
 * as a scan of all of hq_order while its statistics were those of an empty
 * table. */
static const char ORDER_OWNERS[] =
    "SELECT u.id, o.branch FROM unnest($1::text[]) AS u(id) CROSS JOIN LATERAL "
    "(SELECT branch FROM hq_order WHERE uuid = u.id LIMIT 1) AS o";

/* The orders the batch names as an array literal for ORDER_OWNERS (free());
 * NULL with *rc 0 when it names none. */
static char *order_ids(const rk_sync_proto_events *in, int *rc)
{
    rk_buf b;
    int any = 0;
    rk_buf_init(&b, (size_t)RK_SYNC_PROTO_MAX_BODY);
    *rc = rk_buf_append(&b, "{", 1);
    const char *last = "";
    for (int i = 0; !*rc && i < in->n; i++)
        if (!strcmp(in->ev[i].entity, "order") && strcmp(in->ev[i].entity_id, last)) {
            last = in->ev[i].entity_id; /* an order's events come together */
            *rc = arr_text(&b, last, !any);
            any = 1;
        }
    if (!*rc) *rc = rk_buf_append(&b, "}", 1);
    if (*rc || !any) {
        rk_buf_free(&b);
        return NULL;
    }
    return b.data; /* the buffer's own allocation: free() */
}

/* ORDER_OWNERS's result: the owner of each order event's order, into
 * owner[i] ("" new). */
static void order_owners(const PGresult *res, const rk_sync_proto_events *in, char (*owner)[32])
{
    for (int r = 0; r < PQntuples(res); r++)
        for (int i = 0; i < in->n; i++)
            if (!strcmp(in->ev[i].entity, "order") &&
                !strcmp(in->ev[i].entity_id, PQgetvalue(res, r, 0)))
                gets_(owner[i], 32, res, r, 1);
}

/* A certificate revoked at a branch: recorded, and offered to the others. */
static int apply_revocation(PGconn *c, const char *branch, const rk_sync_proto_event *e,
                            json_t *payload)
{
    char serial[41], text[256];
    int reason = 0, fresh = 0, rc;
    if (rk_hq_serial_norm(serial, sizeof serial, e->entity_id) != 0) {
        rk_log_warn("rahq: %s: certificate.revoked event %lld names no serial "
                    "('%s'): kept, not "
                    "broadcast",
                    branch, (long long)e->seq, e->entity_id);
        return 0;
    }
    json_t *r = json_object_get(payload, "reason");
    if (json_is_integer(r)) reason = (int)json_integer_value(r);
    if (reason < 0 || reason > 10) reason = 0;
    if ((rc = revoke_locked(c, serial, branch, reason, e->at, &fresh)) != 0 || !fresh) return rc;
    snprintf(text, sizeof text,
             "{\"by_branch\":\"%s\",\"reason\":%d,\"revoked_at\":%lld,\"serial\":"
             "\"%s\"}",
             branch, reason, (long long)e->at, serial);
    return add_change(c, NULL, branch, "certificate.revoked", text, NULL);
}

static const char BRANCH_MARK[] = "UPDATE branch SET hwm = $1, last_seen = $2 WHERE id = $3";

static const char BRANCH_ADMIT[] =
    "SELECT active, EXISTS (SELECT 1 FROM revoked WHERE serial = $2 AND by_branch = '') "
    "FROM branch WHERE id = $1";

/* The statements of every request (the certificate's check and the push),
 * prepared once per session: parsing and planning them was a fifth of
 * PostgreSQL's CPU in a fleet night. */
enum { HOT_LOCK, HOT_HELD, HOT_OWNERS, HOT_EVENTS, HOT_ORDERS, HOT_MARK, HOT_ADMIT, N_HOT };

static const struct {
    const char *name, *sql;
    int n;
} hot[N_HOT] = {
    {"rk_branch_lock", BRANCH_LOCK, 1},
    {"rk_held_seqs", HELD_SEQS, 4},
    {"rk_order_owners", ORDER_OWNERS, 1},
    {"rk_insert_events", INSERT_EVENTS, 2 + EVENT_COLS},
    {"rk_upsert_orders", UPSERT_ORDERS, 1 + UPSERT_COLS},
    {"rk_branch_mark", BRANCH_MARK, 3},
    {"rk_branch_admit", BRANCH_ADMIT, 2},
};

/* Prepares hot[] in slot's session, in one round trip. On a failure the
 * session goes on with the statements' text (prepared -1) and says so once. */
static void prepare_hot(pg_store *s, int slot)
{
    PGconn *c = s->conn[slot];
    int ok = PQenterPipelineMode(c), got = 0;
    for (int i = 0; ok && i < N_HOT; i++)
        ok = PQsendPrepare(c, hot[i].name, hot[i].sql, hot[i].n, NULL);
    if (ok) ok = PQpipelineSync(c);
    PGresult *r;
    for (int i = 0; ok && i < N_HOT; i++) {
        while ((r = PQgetResult(c)) != NULL) {
            if (PQresultStatus(r) == PGRES_COMMAND_OK)
                got++;
            else if (PQresultStatus(r) != PGRES_PIPELINE_ABORTED)
                rk_log_warn("rahq: PostgreSQL: cannot prepare %s: %s", hot[i].name,
                            PQresultErrorMessage(r));
            PQclear(r);
        }
    }
    while (ok && (r = PQgetResult(c)) != NULL) { /* the sync */
        ExecStatusType st = PQresultStatus(r);
        PQclear(r);
        if (st == PGRES_PIPELINE_SYNC) break;
    }
    if (!PQexitPipelineMode(c)) ok = 0;
    s->prepared[slot] = ok && got == N_HOT ? 1 : -1;
    if (s->prepared[slot] < 0) {
        rk_log_warn("rahq: PostgreSQL: the hot statements are not prepared; sent as text");
        /* Half prepared is neither: a fresh session next time. */
        PQreset(c);
        s->prepared[slot] = -1;
    }
}

/* hot[q]'s name when slot's session holds it, else NULL (send the text). */
static const char *hot_name(const pg_store *s, int slot, int q)
{
    return s->prepared[slot] > 0 ? hot[q].name : NULL;
}

/* Runs hot[q]: prepared when the session holds it. */
static PGresult *hotq(const pg_store *s, int slot, int *rc, const char *what, int q,
                      const char *const *v)
{
    PGconn *c = s->conn[slot];
    const char *name = hot_name(s, slot, q);
    PGresult *res = name ? PQexecPrepared(c, name, hot[q].n, v, NULL, NULL, 0)
                         : PQexecParams(c, hot[q].sql, hot[q].n, NULL, v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return res;
    *rc = pg_fail(c, res, what);
    return NULL;
}

static int branch_admit(rk_hq_store *store, const char *id, const char *serial, int *active,
                        int *revoked)
{
    char norm[41];
    PGresult *res;
    *active = *revoked = 0;
    WITH_DB(store, c);
    (void)c;
    const char *p[2] = {id, rk_hq_serial_norm(norm, sizeof norm, serial) == 0 ? norm : NULL};
    if ((res = hotq(S_, slot_, &rc, "cannot read the branch", HOT_ADMIT, p))) {
        if (PQntuples(res) == 1) {
            *active = geti(res, 0, 0) != 0;
            *revoked = !strcmp(PQgetvalue(res, 0, 1), "t");
        }
        PQclear(res);
    }
    DONE_DB(rc);
}

typedef struct push_work {
    char (*held)[37];
    char (*owner)[32];
    json_t **payload;
    const rk_sync_proto_event **fresh;
    order_agg *orders;
    char *seqs, *ids;
    rk_buf event_col[EVENT_COLS], order_col[UPSERT_COLS];
    pgstep step[4];
    int n, nstep;
} push_work;

static void work_free(push_work *w)
{
    for (int i = 0; w->payload && i < w->n; i++)
        json_decref(w->payload[i]);
    for (int i = 0; i < w->nstep; i++)
        PQclear(w->step[i].res);
    free(w->held);
    free(w->owner);
    free(w->payload);
    free(w->fresh);
    free(w->orders);
    free(w->seqs);
    free(w->ids);
    for (int c = 0; c < EVENT_COLS; c++)
        rk_buf_free(&w->event_col[c]);
    for (int c = 0; c < UPSERT_COLS; c++)
        rk_buf_free(&w->order_col[c]);
}

/* The push in two round trips: BEGIN, the branch's row locked, the held
 * seqs and the orders' owners read in one pipeline; the checks here; then
 * the events, the orders, the mark and COMMIT in a second. */
static int events_push(rk_hq_store *store, const char *branch, const rk_sync_proto_events *in,
                       rk_sync_proto_ack *ack, rk_hq_refusal *r)
{
    int64_t hwm = 0, aseq;
    char ahash[65], h[24], now[24];
    int active = 0, nfresh = 0, norders = 0;
    push_work w = {0};

    memset(ack, 0, sizeof *ack);
    memset(r, 0, sizeof *r);
    WITH_DB(store, c);
    w.n = in->n;
    size_t n = in->n ? (size_t)in->n : 1;
    w.held = calloc(n, sizeof *w.held);
    w.owner = calloc(n, sizeof *w.owner);
    w.payload = calloc(n, sizeof *w.payload);
    w.fresh = calloc(n, sizeof *w.fresh);
    w.orders = calloc(n, sizeof *w.orders);
    w.seqs = seq_array(&in->ev[0].seq, in->n, sizeof in->ev[0]);
    if (!w.held || !w.owner || !w.payload || !w.fresh || !w.orders || !w.seqs) {
        rc = rk_err_oom();
        goto out;
    }
    for (int i = 0; i < in->n; i++)
        if (!(w.payload[i] = in->ev[i].payload_obj
                                 ? json_incref(in->ev[i].payload_obj)
                                 : json_loads(in->ev[i].payload, JSON_REJECT_DUPLICATES, NULL)) ||
            !json_is_object(w.payload[i])) {
            rk_hq_refuse(r, 400, "bad_request", NULL, 0, "event %lld's payload is not an object",
                         (long long)in->ev[i].seq);
            goto out;
        }
    w.ids = order_ids(in, &rc);
    if (rc) goto out;
    char lo[24], hi[24];
    const char *pb[4] = {branch, w.seqs, I64(lo, in->n ? in->ev[0].seq : 0),
                         I64(hi, in->n ? in->ev[in->n - 1].seq : 0)},
               *po[1] = {w.ids};
    w.step[0] = (pgstep){"cannot begin a transaction", "BEGIN", 0, NULL, NULL, NULL};
    w.step[1] =
        (pgstep){"cannot read the branch", BRANCH_LOCK, 1, pb, NULL, hot_name(S_, slot_, HOT_LOCK)};
    w.step[2] = (pgstep){"cannot read the events HQ holds", HELD_SEQS, 4, pb, NULL,
                         hot_name(S_, slot_, HOT_HELD)};
    w.step[3] = (pgstep){"cannot read the orders' branches", ORDER_OWNERS, 1, po, NULL,
                         hot_name(S_, slot_, HOT_OWNERS)};
    w.nstep = w.ids ? 4 : 3;
    if ((rc = pgpipe(c, w.step, w.nstep, NULL, NULL)) != 0) goto out;
    rc = branch_marks(w.step[1].res, &active, &hwm, &aseq, ahash);
    if (rc == RK_ENOTFOUND || (!rc && !active)) {
        rk_hq_refuse(r, 403, "unknown_branch", NULL, 0, "HQ has no active branch %s", branch);
        rc = 0;
        goto out;
    }
    held_seqs(w.step[2].res, in, w.held);
    if (w.ids) order_owners(w.step[3].res, in, w.owner);
    for (int i = 0; !rc && !r->status && i < in->n; i++) {
        const rk_sync_proto_event *e = &in->ev[i];
        int order = !strcmp(e->entity, "order");
        if (w.held[i][0]) {
            if (strcmp(w.held[i], e->uuid)) {
                rk_hq_refuse(r, 409, "sequence_conflict", NULL, 0,
                             "HQ holds event %lld of %s with another UUID (%s, not %s): the "
                             "branch's database was restored or replaced",
                             (long long)e->seq, branch, w.held[i], e->uuid);
                break;
            }
            ack->duplicates++;
            /* A repair re-applies the order copy from the event HQ holds. */
            if (!(e->repair && order)) continue;
        } else {
            if (e->seq > hwm + 1) {
                rk_hq_refuse(r, 409, "sequence_gap", "expected", hwm + 1,
                             "events must continue at %lld; this batch has %lld next",
                             (long long)(hwm + 1), (long long)e->seq);
                break;
            }
            w.fresh[nfresh++] = e;
            if (e->seq == hwm + 1) hwm = e->seq;
            ack->applied++;
        }
        if (order) {
            char claimed[64];
            if (w.owner[i][0] && strcmp(w.owner[i], branch)) {
                rk_hq_refuse(r, 403, "wrong_branch", NULL, 0,
                             "order %s belongs to branch %s, not %s", e->entity_id, w.owner[i],
                             branch);
                break;
            }
            if (member(claimed, sizeof claimed, w.payload[i], "branch"))
                snprintf(claimed, sizeof claimed, "(not a string)");
            if (claimed[0] && strcmp(claimed, branch)) {
                rk_hq_refuse(r, 403, "wrong_branch", NULL, 0,
                             "event %lld names branch %s, the certificate %s", (long long)e->seq,
                             claimed, branch);
                break;
            }
            agg_add(w.orders, &norders, e, w.payload[i]);
        }
    }
    /* Revocations are rare: each in its own statements, before the rest. */
    for (int i = 0; !rc && !r->status && i < nfresh; i++)
        if (!strcmp(w.fresh[i]->kind, "certificate.revoked") &&
            strcmp(w.fresh[i]->entity, "order")) {
            int k = (int)(w.fresh[i] - in->ev);
            rc = apply_revocation(c, branch, w.fresh[i], w.payload[k]);
        }
    if (rc || r->status) goto out;
    if (nfresh && (rc = events_arrays(w.event_col, w.fresh, nfresh)) != 0) goto out;
    if (norders && (rc = orders_arrays(w.order_col, w.orders, norders)) != 0) goto out;
    for (int i = 0; i < w.nstep; i++)
        PQclear(w.step[i].res);
    w.nstep = 0;
    const char *pe[2 + EVENT_COLS] = {branch};
    for (int k = 0; k < EVENT_COLS; k++)
        pe[1 + k] = w.event_col[k].data;
    pe[1 + EVENT_COLS] = I64(now, rk_clock_now());
    const char *pr[1 + UPSERT_COLS] = {branch};
    for (int k = 0; k < UPSERT_COLS; k++)
        pr[1 + k] = w.order_col[k].data;
    const char *pm[3] = {I64(h, hwm), now, branch};
    if (nfresh)
        w.step[w.nstep++] =
            (pgstep){"cannot store the events",      INSERT_EVENTS, 2 + EVENT_COLS, pe, NULL,
                     hot_name(S_, slot_, HOT_EVENTS)};
    if (norders)
        w.step[w.nstep++] = (pgstep){
            "cannot update HQ's copy of the orders", UPSERT_ORDERS, 1 + UPSERT_COLS, pr, NULL,
            hot_name(S_, slot_, HOT_ORDERS)};
    w.step[w.nstep++] = (pgstep){"cannot move the branch's mark", BRANCH_MARK, 3, pm, NULL,
                                 hot_name(S_, slot_, HOT_MARK)};
    w.step[w.nstep++] = (pgstep){"cannot commit", "COMMIT", 0, NULL, NULL, NULL};
    int failed = -1, upsert = norders ? (nfresh ? 1 : 0) : -1;
    char state[6] = "";
    rc = pgpipe(c, w.step, w.nstep, &failed, state);
    /* Another branch inserted one of these orders meanwhile (the upsert
     * would have emptied its branch: 23502): the retry finds it and refuses
     * (wrong_branch). */
    if (rc == RK_EEXIST || (rc && failed == upsert && !strcmp(state, "23502"))) rc = RK_EBUSY;
    if (!rc) ack->acked_seq = hwm;
out:
    work_free(&w);
    if (rc || r->status) {
        ack->applied = ack->duplicates = 0;
        ack->acked_seq = 0;
    }
    DONE_DB(rc);
}

static int event_count(rk_hq_store *store, const char *branch, int64_t *events, int64_t *dups)
{
    PGresult *res;
    WITH_DB(store, c);
    const char *p[1] = {branch};
    if ((res = pgq(c, &rc, "cannot count events",
                   "SELECT count(*), count(*) - count(DISTINCT uuid) FROM event "
                   "WHERE branch = $1",
                   1, p, NULL, NULL))) {
        *events = geti(res, 0, 0);
        *dups = geti(res, 0, 1);
        PQclear(res);
    }
    DONE_DB(rc);
}

/* ---- entities
 * ------------------------------------------------------------------------------
 */

/* The rows of an entity query (branch, entity_id, kind, seq, at, payload)
 * into *out (new, *n of them; nothing on failure); res is cleared. */
static int entity_rows(PGresult *res, rk_hq_entity **out, int *n)
{
    int rc = 0, k = PQntuples(res);
    if (k && !(*out = calloc((size_t)k, sizeof **out))) rc = rk_err_oom();
    for (int i = 0; !rc && i < k; i++) {
        rk_hq_entity *e = &(*out)[i];
        gets_(e->branch, sizeof e->branch, res, i, 0);
        gets_(e->entity_id, sizeof e->entity_id, res, i, 1);
        gets_(e->kind, sizeof e->kind, res, i, 2);
        e->seq = geti(res, i, 3);
        e->at = geti(res, i, 4);
        if (!(e->payload = strdup(PQgetvalue(res, i, 5)))) rc = rk_err_oom();
        *n = i + 1;
    }
    PQclear(res);
    if (rc) {
        rk_hq_entities_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static int entity_latest(rk_hq_store *store, const char *entity, rk_hq_entity **out, int *n)
{
    PGresult *res;
    WITH_DB(store, c);
    *out = NULL;
    *n = 0;
    const char *p[1] = {entity};
    if ((res = pgq(c, &rc, "cannot read the entities",
                   "SELECT DISTINCT ON (branch, entity_id) branch, entity_id, "
                   "kind, seq, at, "
                   "payload FROM event WHERE entity = $1 ORDER BY branch, "
                   "entity_id, seq DESC",
                   1, p, NULL, NULL))) {
        rc = entity_rows(res, out, n);
    }
    DONE_DB(rc);
}

static int entity_find(rk_hq_store *store, const char *entity, const char *id, rk_hq_entity **out,
                       int *n)
{
    PGresult *res;
    WITH_DB(store, c);
    *out = NULL;
    *n = 0;
    const char *p[2] = {entity, id};
    if ((res = pgq(c, &rc, "cannot read the entities",
                   "SELECT DISTINCT ON (branch, entity_id) branch, entity_id, "
                   "kind, seq, at, "
                   "payload FROM event WHERE entity = $1 AND entity_id = $2 "
                   "ORDER BY branch, entity_id, seq DESC",
                   2, p, NULL, NULL))) {
        rc = entity_rows(res, out, n);
    }
    DONE_DB(rc);
}

/* ---- orders
 * -------------------------------------------------------------------------------
 */

#define ORDER_COLS "SELECT uuid, branch, ref, business, state, first_at, last_seq, last_at "

static void order_row(rk_hq_order *o, const PGresult *r, int i)
{
    memset(o, 0, sizeof *o);
    gets_(o->uuid, sizeof o->uuid, r, i, 0);
    gets_(o->branch, sizeof o->branch, r, i, 1);
    gets_(o->ref, sizeof o->ref, r, i, 2);
    gets_(o->business, sizeof o->business, r, i, 3);
    gets_(o->state, sizeof o->state, r, i, 4);
    o->first_at = geti(r, i, 5);
    o->last_seq = geti(r, i, 6);
    o->last_at = geti(r, i, 7);
}

static int order_get(rk_hq_store *store, const char *branch, const char *key, rk_hq_order *out)
{
    PGresult *res;
    WITH_DB(store, c);
    memset(out, 0, sizeof *out);
    const char *p[2] = {branch, key};
    if ((res = pgq(c, &rc, "cannot read the order",
                   ORDER_COLS "FROM hq_order WHERE branch = $1 AND (uuid = $2 OR ref = $2) "
                              "ORDER BY uuid = $2 DESC LIMIT 1",
                   2, p, NULL, NULL))) {
        if (PQntuples(res) == 1)
            order_row(out, res, 0);
        else
            rc = rk_err_set(RK_ENOTFOUND, "HQ has no order %s of branch %s", key, branch);
        PQclear(res);
    }
    DONE_DB(rc);
}

static int order_list(rk_hq_store *store, const char *branch, rk_hq_order **out, int *n)
{
    PGresult *res;
    WITH_DB(store, c);
    *out = NULL;
    *n = 0;
    const char *p[1] = {branch};
    if ((res = pgq(c, &rc, "cannot list the orders",
                   ORDER_COLS "FROM hq_order WHERE branch = $1 ORDER BY uuid", 1, p, NULL, NULL))) {
        int k = PQntuples(res);
        if (k && !(*out = calloc((size_t)k, sizeof **out)))
            rc = rk_err_oom();
        else
            for (int i = 0; i < k; i++)
                order_row(&(*out)[(*n)++], res, i);
        PQclear(res);
    }
    DONE_DB(rc);
}

static int order_count(rk_hq_store *store, const char *branch, int64_t *n)
{
    PGresult *res;
    WITH_DB(store, c);
    const char *p[1] = {branch};
    if ((res = pgq(c, &rc, "cannot count the orders",
                   "SELECT count(*) FROM hq_order WHERE branch = $1", 1, p, NULL, NULL))) {
        *n = geti(res, 0, 0);
        PQclear(res);
    }
    DONE_DB(rc);
}

/* ---- the feed
 * -------------------------------------------------------------------------------
 */

static int change_add(rk_hq_store *store, const char *branch, const char *except, const char *kind,
                      const char *payload, int64_t *cursor)
{
    WITH_DB(store, c);
    if (!(rc = begin(c)) && !(rc = add_change(c, branch, except, kind, payload, cursor)))
        rc = commit(c);
    DONE_DB(rc);
}

static int changes(rk_hq_store *store, const char *branch, int64_t after, int limit,
                   rk_sync_proto_changes *out)
{
    char a[24], l[24];
    PGresult *res;
    WITH_DB(store, c);
    memset(out, 0, sizeof *out);
    out->next = after;
    if (limit < 1 || limit > RK_SYNC_PROTO_MAX_BATCH) limit = RK_SYNC_PROTO_MAX_BATCH;
    const char *p[3] = {I64(a, after), branch, I64(l, limit + 1)};
    if (!(rc = begin(c)))
        rc = pgx(c, "cannot record the pulled cursor",
                 "UPDATE branch SET pulled = $1 WHERE id = $2", 2, p);
    if (!rc && (res = pgq(c, &rc, "cannot read the changes",
                          "SELECT cursor, kind, at, payload FROM change WHERE cursor > $1 AND "
                          "(branch = $2 OR (branch IS NULL AND (except_branch IS NULL OR "
                          "except_branch <> $2))) ORDER BY cursor LIMIT $3",
                          3, p, NULL, NULL))) {
        int k = PQntuples(res);
        if (!(out->c = calloc((size_t)limit, sizeof *out->c))) rc = rk_err_oom();
        for (int i = 0; !rc && i < k; i++) {
            if (out->n == limit) {
                out->more = 1;
                break;
            }
            rk_sync_proto_change *ch = &out->c[out->n];
            ch->cursor = geti(res, i, 0);
            gets_(ch->kind, sizeof ch->kind, res, i, 1);
            ch->at = geti(res, i, 2);
            if (!(ch->payload = strdup(PQgetvalue(res, i, 3)))) rc = rk_err_oom();
            out->n++;
            out->next = ch->cursor;
        }
        PQclear(res);
    }
    if (!rc) rc = commit(c);
    if (rc) rk_sync_proto_changes_free(out);
    DONE_DB(rc);
}

/* ---- audit
 * ------------------------------------------------------------------------------------
 */

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static int audit_push(rk_hq_store *store, const char *branch, const rk_sync_proto_audits *a,
                      rk_sync_proto_ack *ack, rk_hq_refusal *r)
{
    int64_t hwm, aseq = 0;
    char ahash[65] = GENESIS;
    int active = 0;
    json_t *rows = NULL;
    PGresult *held = NULL;

    memset(ack, 0, sizeof *ack);
    memset(r, 0, sizeof *r);
    WITH_DB(store, c);
    if ((rc = begin(c)) != 0) goto out;
    rc = branch_lock(c, branch, &active, &hwm, &aseq, ahash);
    if (rc == RK_ENOTFOUND || (!rc && !active)) {
        rk_hq_refuse(r, 403, "unknown_branch", NULL, 0, "HQ has no active branch %s", branch);
        rc = 0;
        goto out;
    }
    if (!rc && a->head_seq < aseq) {
        rk_hq_refuse(r, 409, "audit_truncated", "anchored_seq", aseq,
                     "branch %s's audit log ends at entry %lld, but HQ holds it up "
                     "to entry %lld: "
                     "entries were removed at the branch",
                     branch, (long long)a->head_seq, (long long)aseq);
        goto out;
    }
    if (!rc && a->n) {
        char *arr = seq_array(&a->e[0].seq, a->n, sizeof a->e[0]);
        if (!arr) {
            rc = rk_err_oom();
            goto out;
        }
        const char *p[2] = {branch, arr};
        held = pgq(c, &rc, "cannot read the audit HQ holds",
                   "SELECT seq, hash FROM audit WHERE branch = $1 AND seq = "
                   "ANY($2::bigint[])",
                   2, p, NULL, NULL);
        free(arr);
    }
    if (!rc && !(rows = json_array())) rc = rk_err_oom();
    for (int i = 0; !rc && !r->status && i < a->n; i++) {
        const rk_sync_proto_audit *e = &a->e[i];
        if (e->seq <= aseq) {
            const char *have = "";
            for (int k = 0; held && k < PQntuples(held); k++)
                if (geti(held, k, 0) == e->seq) have = PQgetvalue(held, k, 1);
            if (strcmp(have, e->hash))
                rk_hq_refuse(r, 409, "audit_conflict", NULL, 0,
                             "branch %s's audit entry %lld differs from the one HQ holds: the "
                             "branch's log was rewritten",
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
                         "branch %s's audit entry %lld (%s) does not continue the "
                         "chain HQ holds",
                         branch, (long long)e->seq, e->action);
            break;
        }
        json_t *row = json_pack("{sI,sI,so,so,so,so,so,so,so,ss,ss}", "seq", (json_int_t)e->seq,
                                "at", (json_int_t)e->at, "actor", jstr(e->actor ? e->actor : ""),
                                "role", jstr(e->role ? e->role : ""), "action",
                                jstr(e->action ? e->action : ""), "order_id", jstr(e->order_id),
                                "before", jstr(e->before), "after", jstr(e->after), "detail",
                                jstr(e->detail), "prev_hash", e->prev_hash, "hash", e->hash);
        if (!row || json_array_append_new(rows, row)) {
            rc = rk_err_oom();
            break;
        }
        aseq = e->seq;
        memcpy(ahash, e->hash, sizeof ahash);
        ack->applied++;
    }
    if (!rc && !r->status && a->head_seq == aseq && strcmp(a->head_hash, ahash))
        rk_hq_refuse(r, 409, "audit_conflict", NULL, 0,
                     "branch %s's newest audit entry %lld differs from the one HQ holds", branch,
                     (long long)aseq);
    if (!rc && !r->status && json_array_size(rows)) {
        char *text = dump(rows, &rc);
        rows = NULL;
        if (!rc) {
            const char *p[2] = {branch, text};
            rc = pgx(c, "cannot store the audit entries",
                     "INSERT INTO audit(branch, seq, at, actor, role, action, "
                     "order_id, before, "
                     "after, detail, prev_hash, hash) SELECT $1, seq, at, actor, "
                     "role, action, "
                     "order_id, before, after, detail, prev_hash, hash FROM "
                     "jsonb_to_recordset($2::jsonb) AS t(seq bigint, at bigint, actor "
                     "text, "
                     "role text, action text, order_id text, before text, after text, "
                     "detail text, prev_hash text, hash text)",
                     2, p);
        }
        free(text);
    }
    if (!rc && !r->status) {
        char s[24], now[24];
        const char *p[4] = {I64(s, aseq), ahash, I64(now, rk_clock_now()), branch};
        rc = pgx(c, "cannot anchor the audit head",
                 "UPDATE branch SET audit_seq = $1, audit_hash = $2, last_seen = "
                 "$3 WHERE id = $4",
                 4, p);
        if (!rc) rc = commit(c);
        ack->acked_seq = aseq;
        memcpy(ack->head_hash, ahash, sizeof ack->head_hash);
    }
out:
    json_decref(rows);
    PQclear(held);
    if (rc || r->status) ack->applied = 0;
    DONE_DB(rc);
}

/* ---- digests
 * --------------------------------------------------------------------------------
 */

static int digest_orders_locked(PGconn *c, const char *branch, int64_t from, int64_t to,
                                rk_sync_proto_digest_order **out, int *n, int64_t **day_of)
{
    char f[24], t[24];
    int rc = 0;
    *out = NULL;
    *n = 0;
    if (day_of) *day_of = NULL;
    const char *p[3] = {branch, I64(f, from), I64(t, to)};
    PGresult *res = pgq(c, &rc, "cannot read orders for digests",
                        "SELECT uuid, state, last_seq, floor(first_at / 86400.0)::bigint AS d "
                        "FROM hq_order WHERE branch = $1 AND first_at >= $2 AND first_at < $3 "
                        "ORDER BY d, uuid COLLATE \"C\"",
                        3, p, NULL, NULL);
    if (!res) return rc;
    int k = PQntuples(res);
    if (k) {
        *out = calloc((size_t)k, sizeof **out);
        if (day_of) *day_of = calloc((size_t)k, sizeof **day_of);
        if (!*out || (day_of && !*day_of)) {
            free(*out);
            *out = NULL;
            if (day_of) {
                free(*day_of);
                *day_of = NULL;
            }
            PQclear(res);
            return rk_err_oom();
        }
    }
    for (int i = 0; i < k; i++) {
        rk_sync_proto_digest_order *o = &(*out)[i];
        gets_(o->uuid, sizeof o->uuid, res, i, 0);
        gets_(o->state, sizeof o->state, res, i, 1);
        o->last_seq = geti(res, i, 2);
        if (day_of) (*day_of)[i] = geti(res, i, 3);
    }
    *n = k;
    PQclear(res);
    return 0;
}

static int digest_days(rk_hq_store *store, const char *branch, int64_t from, int64_t to,
                       rk_sync_proto_day **out, int *n)
{
    rk_sync_proto_digest_order *o;
    int64_t *day;
    int k;
    WITH_DB(store, c);
    *out = NULL;
    *n = 0;
    if ((rc = digest_orders_locked(c, branch, from, to, &o, &k, &day)) != 0) DONE_DB(rc);
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
    WITH_DB(store, c);
    rc = digest_orders_locked(c, branch, day_start, day_start + 86400, out, n, NULL);
    DONE_DB(rc);
}

/* ---- uploads
 * ---------------------------------------------------------------------------------
 */

#define UPLOAD_COLS                                                                                \
    "SELECT id, branch, length, sha256, kind, order_uuid, filename, "                              \
    "created_at, completed_at, "                                                                   \
    "stored_sha256, matches FROM upload "

static void upload_row(rk_hq_upload *u, const PGresult *r, int i)
{
    memset(u, 0, sizeof *u);
    gets_(u->id, sizeof u->id, r, i, 0);
    gets_(u->branch, sizeof u->branch, r, i, 1);
    u->length = geti(r, i, 2);
    gets_(u->sha256, sizeof u->sha256, r, i, 3);
    gets_(u->kind, sizeof u->kind, r, i, 4);
    gets_(u->order, sizeof u->order, r, i, 5);
    gets_(u->filename, sizeof u->filename, r, i, 6);
    u->created_at = geti(r, i, 7);
    u->completed_at = geti(r, i, 8);
    gets_(u->stored_sha256, sizeof u->stored_sha256, r, i, 9);
    u->matches = (int)geti(r, i, 10);
}

static int upload_one(PGconn *c, const char *sql, int n, const char *const *p, rk_hq_upload *out,
                      const char *what);

static int upload_add(rk_hq_store *store, const rk_hq_upload *u, rk_hq_upload *held)
{
    char len[24], at[24];
    WITH_DB(store, c);
    const char *p[8] = {u->id,   u->branch, I64(len, u->length), u->sha256,
                        u->kind, u->order,  u->filename,         I64(at, u->created_at)};
    /* A transaction-scoped lock on (branch, content), taken by every rahq
     * process before it looks: the look and the insert are one step. */
    rc = begin(c);
    if (!rc && u->sha256[0]) {
        const char *k[3] = {u->branch, u->sha256, len};
        rc = pgx(c, "cannot lock the upload's content",
                 "SELECT pg_advisory_xact_lock(7221164, hashtext($1 || '/' || $2))", 2, k);
        if (!rc) {
            rc = upload_one(c,
                            UPLOAD_COLS "WHERE branch = $1 AND sha256 = $2 AND length = $3 "
                                        "AND (completed_at = 0 OR matches = 1) "
                                        "ORDER BY matches DESC, created_at DESC LIMIT 1",
                            3, k, held, u->sha256);
            if (rc == 0)
                rc = RK_EEXIST;
            else if (rc == RK_ENOTFOUND)
                rc = 0;
        }
    }
    if (!rc)
        rc = pgx(c, "cannot register the upload",
                 "INSERT INTO upload(id, branch, length, sha256, kind, order_uuid, filename, "
                 "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                 8, p);
    if (!rc) rc = commit(c);
    DONE_DB(rc);
}

static int upload_one(PGconn *c, const char *sql, int n, const char *const *p, rk_hq_upload *out,
                      const char *what)
{
    int rc = 0;
    PGresult *res = pgq(c, &rc, "cannot read the upload", sql, n, p, NULL, NULL);
    if (!res) return rc;
    if (PQntuples(res) == 1)
        upload_row(out, res, 0);
    else
        rc = rk_err_set(RK_ENOTFOUND, "no upload %s", what);
    PQclear(res);
    return rc;
}

static int upload_get(rk_hq_store *store, const char *id, rk_hq_upload *out)
{
    WITH_DB(store, c);
    const char *p[1] = {id};
    rc = upload_one(c, UPLOAD_COLS "WHERE id = $1", 1, p, out, id);
    DONE_DB(rc);
}

static int upload_find(rk_hq_store *store, const char *branch, const char *sha256,
                       rk_hq_upload *out)
{
    WITH_DB(store, c);
    const char *p[2] = {branch, sha256};
    /* A complete, matching copy first; else the newest attempt. */
    rc = upload_one(c,
                    UPLOAD_COLS "WHERE branch = $1 AND sha256 = $2 "
                                "ORDER BY matches DESC, created_at DESC LIMIT 1",
                    2, p, out, sha256);
    DONE_DB(rc);
}

static int upload_complete(rk_hq_store *store, const char *id, const char *stored, int64_t at)
{
    char t[24];
    WITH_DB(store, c);
    const char *p[3] = {I64(t, at), stored, id};
    rc = pgx(c, "cannot complete the upload",
             "UPDATE upload SET completed_at = $1, stored_sha256 = $2, "
             "matches = CASE WHEN sha256 = '' OR sha256 = $2 THEN 1 ELSE 0 END "
             "WHERE id = $3",
             3, p);
    DONE_DB(rc);
}

static int upload_list(rk_hq_store *store, const char *branch, rk_hq_upload **out, int *n)
{
    PGresult *res;
    WITH_DB(store, c);
    *out = NULL;
    *n = 0;
    const char *p[1] = {branch};
    if ((res = pgq(c, &rc, "cannot list the uploads",
                   UPLOAD_COLS "WHERE branch = $1 ORDER BY created_at, id", 1, p, NULL, NULL))) {
        int k = PQntuples(res);
        if (k && !(*out = calloc((size_t)k, sizeof **out)))
            rc = rk_err_oom();
        else
            for (int i = 0; i < k; i++)
                upload_row(&(*out)[(*n)++], res, i);
        PQclear(res);
    }
    DONE_DB(rc);
}

static int upload_remove(rk_hq_store *store, const char *id)
{
    WITH_DB(store, c);
    const char *p[1] = {id};
    rc = pgx(c, "cannot remove the upload", "DELETE FROM upload WHERE id = $1", 1, p);
    DONE_DB(rc);
}

/* ---- revocations
 * ------------------------------------------------------------------------------
 */

static int revoke(rk_hq_store *store, const char *serial, int reason, int64_t at, int *fresh)
{
    char norm[41];
    if (rk_hq_serial_norm(norm, sizeof norm, serial) != 0)
        return rk_err_set(RK_EINVAL, "'%s' is not a certificate serial (hex)", serial);
    WITH_DB(store, c);
    if (!(rc = begin(c))) rc = revoke_locked(c, norm, "", reason, at, fresh);
    if (!rc && *fresh) {
        char payload[256];
        snprintf(payload, sizeof payload,
                 "{\"by_branch\":\"\",\"reason\":%d,\"revoked_at\":%lld,\"serial\":"
                 "\"%s\"}",
                 reason, (long long)at, norm);
        rc = add_change(c, NULL, NULL, "certificate.revoked", payload, NULL);
    }
    if (!rc) rc = commit(c);
    DONE_DB(rc);
}

static int revoked(rk_hq_store *store, rk_hq_revoked **out, int *n)
{
    PGresult *res;
    WITH_DB(store, c);
    *out = NULL;
    *n = 0;
    if ((res = pgq(c, &rc, "cannot list the revocations",
                   "SELECT serial, reason, revoked_at FROM revoked WHERE "
                   "by_branch = '' "
                   "ORDER BY serial COLLATE \"C\"",
                   0, NULL, NULL, NULL))) {
        int k = PQntuples(res);
        if (k && !(*out = calloc((size_t)k, sizeof **out)))
            rc = rk_err_oom();
        else
            for (int i = 0; i < k; i++) {
                rk_hq_revoked *v = &(*out)[(*n)++];
                gets_(v->serial, sizeof v->serial, res, i, 0);
                v->reason = (int)geti(res, i, 1);
                v->revoked_at = geti(res, i, 2);
            }
        PQclear(res);
    }
    DONE_DB(rc);
}

static int is_revoked(rk_hq_store *store, const char *serial, int *yes)
{
    char norm[41];
    PGresult *res;
    *yes = 0;
    if (rk_hq_serial_norm(norm, sizeof norm, serial) != 0) return 0;
    WITH_DB(store, c);
    const char *p[1] = {norm};
    if ((res =
             pgq(c, &rc, "cannot read the revocations",
                 "SELECT 1 FROM revoked WHERE serial = $1 AND by_branch = ''", 1, p, NULL, NULL))) {
        *yes = PQntuples(res) > 0;
        PQclear(res);
    }
    DONE_DB(rc);
}

/* ---- blobs
 * ----------------------------------------------------------------------------------
 */

static int blob_put(rk_hq_store *store, int type, const rk_hq_blob *b)
{
    char ty[24], v[24], at[24];
    PGresult *res;
    WITH_DB(store, c);
    const char *p[5] = {I64(ty, type), I64(v, b->version), I64(at, b->at), b->sha256,
                        (const char *)b->der};
    int len[5] = {0, 0, 0, 0, (int)b->len}, fmt[5] = {0, 0, 0, 0, 1};
    if ((rc = begin(c)) != 0) DONE_DB(rc);
    /* One publisher at a time per type: the version check and the insert
     * must see the same newest. */
    if (!(rc = pgx(c, "cannot lock the publications", "SELECT pg_advisory_xact_lock(7221163, $1)",
                   1, p)) &&
        (res =
             pgq(c, &rc, "cannot read the publications",
                 "SELECT coalesce(max(version), 0) FROM blob WHERE type = $1", 1, p, NULL, NULL))) {
        int64_t newest = geti(res, 0, 0);
        PQclear(res);
        if (b->version <= newest)
            rc = rk_err_set(RK_ESTATE, "version %lld is not newer than %lld", (long long)b->version,
                            (long long)newest);
    }
    if (!rc && (res = pgq(c, &rc, "cannot store the publication",
                          "INSERT INTO blob(type, version, at, sha256, der) "
                          "VALUES ($1, $2, $3, $4, $5)",
                          5, p, len, fmt)))
        PQclear(res);
    if (!rc) rc = commit(c);
    DONE_DB(rc);
}

static int blob_latest(rk_hq_store *store, int type, rk_hq_blob *out)
{
    char ty[24];
    PGresult *res;
    WITH_DB(store, c);
    memset(out, 0, sizeof *out);
    const char *p[1] = {I64(ty, type)};
    if ((res = pgq(c, &rc, "cannot read the publication",
                   "SELECT version, at, sha256, der FROM blob WHERE type = $1 "
                   "ORDER BY version DESC LIMIT 1",
                   1, p, NULL, NULL))) {
        if (PQntuples(res) == 1) {
            size_t n = 0;
            unsigned char *der = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 3), &n);
            out->version = geti(res, 0, 0);
            out->at = geti(res, 0, 1);
            gets_(out->sha256, sizeof out->sha256, res, 0, 2);
            if (!der || !(out->der = malloc(n ? n : 1)))
                rc = rk_err_oom();
            else {
                memcpy(out->der, der, n);
                out->len = n;
            }
            PQfreemem(der);
        } else
            rc = rk_err_set(RK_ENOTFOUND, "nothing published yet");
        PQclear(res);
    }
    DONE_DB(rc);
}

static int blob_next(rk_hq_store *store, int type, int64_t *out)
{
    char ty[24];
    PGresult *res;
    WITH_DB(store, c);
    const char *p[1] = {I64(ty, type)};
    *out = 1;
    if ((res = pgq(c, &rc, "cannot read the publications",
                   "SELECT coalesce(max(version), 0) + 1 FROM blob WHERE type = $1", 1, p, NULL,
                   NULL))) {
        *out = geti(res, 0, 0);
        PQclear(res);
    }
    DONE_DB(rc);
}

/* ---- payment statements
 * -------------------------------------------------------------------------
 */

#define STMT_JSON_COLS                                                                             \
    "json_to_recordset($1::json) AS j(provider int, kind int, txn text, refund_no text, "          \
    "merchant_ref text, store text, fen bigint, at bigint, line int)"

static int statement_add(rk_hq_store *store, rk_hq_statement *f, const rk_stmt *stmt, int *known)
{
    char num[6][24];
    PGresult *res;
    *known = 0;
    f->lines = stmt->n;
    f->fresh = 0;
    json_t *arr = json_array();
    for (int i = 0; arr && i < stmt->n; i++) {
        const rk_stmt_line *l = &stmt->lines[i];
        if (json_array_append_new(
                arr, json_pack("{si si ss ss ss ss sI sI si}", "provider", stmt->provider, "kind",
                               l->kind, "txn", l->txn, "refund_no", l->refund_no, "merchant_ref",
                               l->merchant_ref, "store", l->store, "fen", (json_int_t)l->fen, "at",
                               (json_int_t)l->at, "line", l->line)))
            break;
    }
    char *lines =
        arr && (int)json_array_size(arr) == stmt->n ? json_dumps(arr, JSON_COMPACT) : NULL;
    json_decref(arr);
    if (!lines) return rk_err_oom();
    WITH_DB(store, c);
    const char *p1[1] = {f->sha256};
    if (!(rc = begin(c)) && (res = pgq(c, &rc, "cannot read the statements",
                                       "SELECT lines FROM statement WHERE sha256 = $1 FOR UPDATE",
                                       1, p1, NULL, NULL))) {
        if (PQntuples(res)) {
            *known = 1;
            f->lines = (int)geti(res, 0, 0);
        }
        PQclear(res);
    }
    if (!rc && !*known) {
        const char *p[1] = {lines};
        if ((res = pgq(c, &rc, "cannot read the statement lines",
                       "SELECT j.line, j.txn, j.refund_no, s.filename, l.line FROM " STMT_JSON_COLS
                       " JOIN statement_line l ON (l.provider, l.kind, l.txn, l.refund_no) = "
                       "(j.provider, j.kind, j.txn, j.refund_no) JOIN statement s ON s.sha256 = "
                       "l.statement WHERE NOT (l.merchant_ref = j.merchant_ref AND l.fen = j.fen "
                       "AND l.at = j.at) ORDER BY j.line LIMIT 1",
                       1, p, NULL, NULL))) {
            if (PQntuples(res)) {
                const char *rno = PQgetvalue(res, 0, 2);
                rc = rk_err_set(RK_ESTATE,
                                "line %s: trade %s%s%s differs from the one imported from %s "
                                "(line %s): nothing imported",
                                PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), *rno ? " / " : "",
                                rno, PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4));
            }
            PQclear(res);
        }
    }
    if (!rc && !*known) {
        const char *p[7] = {f->sha256,
                            I64(num[0], stmt->provider),
                            f->filename,
                            I64(num[1], stmt->n),
                            I64(num[2], stmt->first_at),
                            I64(num[3], stmt->last_at),
                            I64(num[4], f->imported_at)};
        rc = pgx(c, "cannot keep the statement",
                 "INSERT INTO statement(sha256, provider, filename, lines, fresh, first_at, "
                 "last_at, imported_at) VALUES ($1, $2, $3, $4, 0, $5, $6, $7)",
                 7, p);
        if (!rc) {
            const char *q[2] = {lines, f->sha256};
            if ((res = pgq(c, &rc, "cannot keep the statement lines",
                           "INSERT INTO statement_line(provider, kind, txn, refund_no, "
                           "merchant_ref, store, fen, at, statement, line) SELECT j.provider, "
                           "j.kind, j.txn, j.refund_no, j.merchant_ref, j.store, j.fen, j.at, $2, "
                           "j.line FROM " STMT_JSON_COLS " ON CONFLICT DO NOTHING",
                           2, q, NULL, NULL))) {
                f->fresh = atoi(PQcmdTuples(res));
                PQclear(res);
            }
        }
        if (!rc) {
            const char *q[2] = {I64(num[5], f->fresh), f->sha256};
            rc = pgx(c, "cannot keep the statement",
                     "UPDATE statement SET fresh = $1 WHERE sha256 = $2", 2, q);
        }
    }
    if (!rc) rc = *known ? pgx(c, "cannot end the transaction", "ROLLBACK", 0, NULL) : commit(c);
    free(lines);
    DONE_DB(rc);
}

static int statement_lines(rk_hq_store *store, int64_t from, int64_t to, rk_hq_stmt_line **out,
                           int *n)
{
    char a[24], b[24];
    PGresult *res;
    *out = NULL;
    *n = 0;
    WITH_DB(store, c);
    const char *p[2] = {I64(a, from), I64(b, to)};
    if ((res = pgq(c, &rc, "cannot read the statement lines",
                   "SELECT provider, kind, txn, refund_no, merchant_ref, store, fen, at, "
                   "statement, line FROM statement_line WHERE at >= $1 AND at < $2 ORDER BY at, "
                   "provider, kind, txn, refund_no",
                   2, p, NULL, NULL))) {
        int k = PQntuples(res);
        if (k && !(*out = calloc((size_t)k, sizeof **out))) rc = rk_err_oom();
        for (int i = 0; !rc && i < k; i++) {
            rk_hq_stmt_line *h = &(*out)[i];
            h->provider = (int)geti(res, i, 0);
            h->l.kind = (int)geti(res, i, 1);
            gets_(h->l.txn, sizeof h->l.txn, res, i, 2);
            gets_(h->l.refund_no, sizeof h->l.refund_no, res, i, 3);
            gets_(h->l.merchant_ref, sizeof h->l.merchant_ref, res, i, 4);
            gets_(h->l.store, sizeof h->l.store, res, i, 5);
            h->l.fen = geti(res, i, 6);
            h->l.at = geti(res, i, 7);
            gets_(h->statement, sizeof h->statement, res, i, 8);
            h->l.line = (int)geti(res, i, 9);
            *n = i + 1;
        }
        PQclear(res);
    }
    DONE_DB(rc);
}

static int statement_list(rk_hq_store *store, int64_t from, int64_t to, rk_hq_statement **out,
                          int *n)
{
    char a[24], b[24];
    PGresult *res;
    *out = NULL;
    *n = 0;
    WITH_DB(store, c);
    const char *p[2] = {I64(a, from), I64(b, to)};
    if ((res = pgq(c, &rc, "cannot read the statements",
                   "SELECT sha256, provider, filename, lines, fresh, first_at, last_at, "
                   "imported_at FROM statement s WHERE ($1::bigint = 0 AND $2::bigint = 0) OR "
                   "EXISTS (SELECT 1 FROM statement_line l WHERE l.statement = s.sha256 AND l.at "
                   ">= $1::bigint AND l.at < $2::bigint) ORDER BY provider, imported_at, sha256",
                   2, p, NULL, NULL))) {
        int k = PQntuples(res);
        if (k && !(*out = calloc((size_t)k, sizeof **out))) rc = rk_err_oom();
        for (int i = 0; !rc && i < k; i++) {
            rk_hq_statement *f = &(*out)[i];
            gets_(f->sha256, sizeof f->sha256, res, i, 0);
            f->provider = (int)geti(res, i, 1);
            gets_(f->filename, sizeof f->filename, res, i, 2);
            f->lines = (int)geti(res, i, 3);
            f->fresh = (int)geti(res, i, 4);
            f->first_at = geti(res, i, 5);
            f->last_at = geti(res, i, 6);
            f->imported_at = geti(res, i, 7);
            *n = i + 1;
        }
        PQclear(res);
    }
    DONE_DB(rc);
}

static int order_events(rk_hq_store *store, const char *kind, const char *branch, int64_t from,
                        int64_t to, rk_hq_entity **out, int *n)
{
    char a[24], b[24];
    PGresult *res;
    *out = NULL;
    *n = 0;
    WITH_DB(store, c);
    const char *p[4] = {kind, I64(a, from), I64(b, to), branch ? branch : ""};
    if ((res = pgq(c, &rc, "cannot read the orders",
                   "SELECT m.branch, m.entity_id, l.kind, l.seq, m.at, l.payload FROM (SELECT "
                   "e.branch, e.entity_id, max(e.at) AS at FROM event e WHERE e.entity = 'order' "
                   "AND e.kind = $1 AND e.at >= $2 AND e.at < $3 AND ($4 = '' OR e.branch = $4) "
                   "GROUP BY e.branch, e.entity_id) m JOIN LATERAL (SELECT f.kind, f.seq, "
                   "f.payload FROM event f WHERE f.entity = 'order' AND f.branch = m.branch AND "
                   "f.entity_id = m.entity_id ORDER BY f.seq DESC LIMIT 1) l ON true ORDER BY "
                   "m.branch, m.at, m.entity_id",
                   4, p, NULL, NULL)))
        rc = entity_rows(res, out, n);
    DONE_DB(rc);
}

static int order_by_ref(rk_hq_store *store, const char *branch, const char *ref, rk_hq_entity **out,
                        int *n)
{
    PGresult *res;
    *out = NULL;
    *n = 0;
    WITH_DB(store, c);
    const char *p[2] = {ref, branch ? branch : ""};
    if ((res = pgq(c, &rc, "cannot read the orders",
                   "SELECT o.branch, o.uuid, l.kind, l.seq, l.at, l.payload FROM hq_order o JOIN "
                   "LATERAL (SELECT f.kind, f.seq, f.at, f.payload FROM event f WHERE f.entity = "
                   "'order' AND f.branch = o.branch AND f.entity_id = o.uuid ORDER BY f.seq DESC "
                   "LIMIT 1) l ON true WHERE o.ref = $1 AND ($2 = '' OR o.branch = $2) ORDER BY "
                   "o.branch",
                   2, p, NULL, NULL)))
        rc = entity_rows(res, out, n);
    DONE_DB(rc);
}

/* ---- open and close
 * ----------------------------------------------------------------------------
 */

static void store_close(rk_hq_store *store)
{
    pg_store *s = (pg_store *)store;
    for (int i = 0; i < POOL; i++)
        if (s->conn[i]) PQfinish(s->conn[i]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    if (s->url) rk_wipe(s->url, strlen(s->url));
    free(s->url);
    free(s);
}

static const rk_hq_store_ops pg_ops = {
    .name = "postgresql",
    .close = store_close,
    .branch_add = branch_add,
    .branch_reenrol = branch_reenrol,
    .branch_get = branch_get,
    .branch_list = branch_list,
    .branch_active = branch_active,
    .branch_admit = branch_admit,
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

int rk_hq_store_open_pg(rk_hq_store **out, const char *url)
{
    pg_store *s = calloc(1, sizeof *s);
    int rc;
    *out = NULL;
    if (!s || !(s->url = strdup(url))) {
        free(s);
        return rk_err_oom();
    }
    s->base.ops = &pg_ops;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if ((rc = connect_one(&s->conn[0], url)) == 0) rc = migrate(s->conn[0]);
    if (rc) {
        store_close(&s->base);
        return rk_err_wrap(rc, "HQ store (PostgreSQL)");
    }
    *out = &s->base;
    return 0;
}
