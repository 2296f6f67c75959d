/*
 * The numbered schema migrations of the branch database.
 *
 * Migration N takes the schema from version N-1 to N and is applied in one
 * transaction together with `PRAGMA user_version = N`, so a crash leaves the
 * database at N-1 or N, never between. Migrations are append-only: a shipped
 * one is never edited; a change is a new migration. tests/unit/test_db.c
 * migrates a database from every older version to the newest.
 */
#include "db.h"

#include "util/err.h"

#include <stdio.h>

static const char *const migrations[] = {
    /* 1: settings, clerks and their login sessions, the hash-chained audit
     * log (append-only, guarded by triggers), and the outbox of events for
     * the sync daemon. */
    "CREATE TABLE meta ("
    "  key   TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);"
    "CREATE TABLE clerk ("
    "  id            INTEGER PRIMARY KEY,"
    "  login         TEXT NOT NULL UNIQUE,"
    "  name          TEXT NOT NULL,"
    "  roles         INTEGER NOT NULL,"
    "  password      TEXT NOT NULL,"
    "  active        INTEGER NOT NULL DEFAULT 1,"
    "  failed_logins INTEGER NOT NULL DEFAULT 0,"
    "  locked_until  INTEGER NOT NULL DEFAULT 0,"
    "  created_at    INTEGER NOT NULL);"
    "CREATE TABLE clerk_session ("
    "  token_hash TEXT PRIMARY KEY,"
    "  clerk_id   INTEGER NOT NULL REFERENCES clerk(id),"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL);"
    "CREATE TABLE audit ("
    "  seq       INTEGER PRIMARY KEY,"
    "  at        INTEGER NOT NULL,"
    "  actor     TEXT NOT NULL,"
    "  role      TEXT NOT NULL,"
    "  action    TEXT NOT NULL,"
    "  order_id  TEXT,"
    "  before    TEXT,"
    "  after     TEXT,"
    "  detail    TEXT,"
    "  prev_hash TEXT NOT NULL,"
    "  hash      TEXT NOT NULL);"
    "CREATE INDEX audit_order ON audit(order_id) WHERE order_id IS NOT NULL;"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TABLE outbox ("
    "  seq       INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  uuid      TEXT NOT NULL UNIQUE,"
    "  at        INTEGER NOT NULL,"
    "  entity    TEXT NOT NULL,"
    "  entity_id TEXT NOT NULL,"
    "  kind      TEXT NOT NULL,"
    "  payload   TEXT NOT NULL,"
    "  sent_at   INTEGER);"
    "CREATE INDEX outbox_unsent ON outbox(seq) WHERE sent_at IS NULL;",
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int rk_db_latest_version(void)
{
    return N_MIGRATIONS;
}

int rk_db_migrate(rk_db *db, int target, int *from, int *to)
{
    int version, rc;

    if (target <= 0 || target > N_MIGRATIONS) target = N_MIGRATIONS;
    if ((rc = rk_db_begin(db)) != 0) return rc;
    rc = rk_db_version(db, &version);
    rk_db_rollback(db);
    if (rc) return rc;
    if (from) *from = version;
    if (version > N_MIGRATIONS)
        return rk_err_set(RK_ESTATE,
                          "the database is at schema version %d, newer than this program (%d): "
                          "update the software",
                          version, N_MIGRATIONS);
    while (version < target) {
        char sql[64];
        if ((rc = rk_db_begin(db)) != 0) return rc;
        /* Re-read inside the write lock: another process may have migrated. */
        if ((rc = rk_db_version(db, &version)) != 0) {
            rk_db_rollback(db);
            return rc;
        }
        if (version >= target) {
            rk_db_rollback(db);
            break;
        }
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version + 1);
        if ((rc = rk_db_exec(db, migrations[version])) != 0 || (rc = rk_db_exec(db, sql)) != 0 ||
            (rc = rk_db_commit(db)) != 0) {
            rk_db_rollback(db);
            return rk_err_wrap(rc, "migration %d failed", version + 1);
        }
        version++;
    }
    if (to) *to = version;
    return 0;
}
