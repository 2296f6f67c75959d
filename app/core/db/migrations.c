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

    /* 2: the order ledger. Orders keep their form fields sealed (personal
     * data protected at rest) with a few clear columns for queues, status
     * queries and archive sorting; documents are content-addressed files
     * referenced by hash; certificates as far as the ledger needs them
     * (status, expiry, holds); and the branch's records. */
    "CREATE TABLE orders ("
    "  id              INTEGER PRIMARY KEY,"
    "  uuid            TEXT NOT NULL UNIQUE,"
    "  ref             TEXT NOT NULL UNIQUE,"
    "  business        TEXT NOT NULL,"
    "  subscriber      TEXT NOT NULL,"
    "  cert_kind       TEXT NOT NULL,"
    "  state           TEXT NOT NULL,"
    "  needs_authority INTEGER NOT NULL DEFAULT 0,"
    "  authority_ref   TEXT,"
    "  subject_name    TEXT NOT NULL DEFAULT '',"
    "  uscc            TEXT,"
    "  ssn             TEXT,"
    "  project         TEXT,"
    "  region          TEXT,"
    "  category        TEXT,"
    "  cert_serial     TEXT,"
    "  id_index        TEXT,"
    "  fields          BLOB NOT NULL,"
    "  fee_total       INTEGER NOT NULL DEFAULT 0,"
    "  fee_lines       TEXT NOT NULL DEFAULT '[]',"
    "  paid_fen        INTEGER NOT NULL DEFAULT 0,"
    "  pay_method      TEXT,"
    "  reject_reason   TEXT,"
    "  cancel_reason   TEXT,"
    "  created_by      INTEGER REFERENCES clerk(id),"
    "  entered_by      INTEGER REFERENCES clerk(id),"
    "  reviewed_by     INTEGER REFERENCES clerk(id),"
    "  issued_by       INTEGER REFERENCES clerk(id),"
    "  delivered_by    INTEGER REFERENCES clerk(id),"
    "  created_at      INTEGER NOT NULL,"
    "  submitted_at    INTEGER,"
    "  decided_at      INTEGER,"
    "  paid_at         INTEGER,"
    "  issued_at       INTEGER,"
    "  delivered_at    INTEGER,"
    "  archived_at     INTEGER,"
    "  closed_at       INTEGER,"
    "  due_at          INTEGER,"
    "  updated_at      INTEGER NOT NULL);"
    "CREATE INDEX orders_queue ON orders(state, submitted_at);"
    "CREATE INDEX orders_due ON orders(due_at) WHERE closed_at IS NULL;"
    "CREATE INDEX orders_subject ON orders(subject_name);"
    "CREATE INDEX orders_id_index ON orders(id_index);"
    "CREATE TABLE order_document ("
    "  order_id      INTEGER NOT NULL REFERENCES orders(id),"
    "  doc_type      TEXT NOT NULL,"
    "  sha256        TEXT,"
    "  format        TEXT,"
    "  bytes         INTEGER,"
    "  width         INTEGER,"
    "  height        INTEGER,"
    "  seen_on_paper INTEGER NOT NULL DEFAULT 0,"
    "  note          TEXT,"
    "  recorded_by   INTEGER REFERENCES clerk(id),"
    "  recorded_at   INTEGER NOT NULL,"
    "  PRIMARY KEY (order_id, doc_type)) WITHOUT ROWID;"
    "CREATE TABLE certificate ("
    "  id            INTEGER PRIMARY KEY,"
    "  serial        TEXT NOT NULL UNIQUE,"
    "  order_id      INTEGER REFERENCES orders(id),"
    "  subject_name  TEXT NOT NULL,"
    "  cert_kind     TEXT NOT NULL,"
    "  usage         TEXT NOT NULL DEFAULT 'sign',"
    "  not_before    INTEGER NOT NULL,"
    "  not_after     INTEGER NOT NULL,"
    "  status        TEXT NOT NULL DEFAULT 'valid',"
    "  suspended_at  INTEGER,"
    "  revoked_at    INTEGER,"
    "  revoke_reason TEXT,"
    "  key_serial    TEXT,"
    "  der           BLOB,"
    "  created_at    INTEGER NOT NULL);"
    "CREATE INDEX certificate_subject ON certificate(subject_name);"
    "CREATE INDEX certificate_expiry ON certificate(not_after) WHERE status = 'valid';"
    "CREATE INDEX certificate_held ON certificate(suspended_at) WHERE status = 'suspended';"
    "CREATE TABLE task_record ("
    "  order_id     INTEGER PRIMARY KEY REFERENCES orders(id),"
    "  completed_at INTEGER NOT NULL,"
    "  summary      TEXT NOT NULL);"
    "CREATE TABLE archive_box ("
    "  id         INTEGER PRIMARY KEY,"
    "  label      TEXT NOT NULL UNIQUE,"
    "  grp        TEXT NOT NULL,"
    "  capacity   INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  sealed_at  INTEGER);"
    "CREATE TABLE archive_item ("
    "  order_id    INTEGER PRIMARY KEY REFERENCES orders(id),"
    "  box_id      INTEGER NOT NULL REFERENCES archive_box(id),"
    "  position    INTEGER NOT NULL,"
    "  archived_by INTEGER REFERENCES clerk(id),"
    "  archived_at INTEGER NOT NULL,"
    "  UNIQUE (box_id, position));"
    "CREATE TABLE consultation ("
    "  id         INTEGER PRIMARY KEY,"
    "  at         INTEGER NOT NULL,"
    "  clerk_id   INTEGER REFERENCES clerk(id),"
    "  channel    TEXT NOT NULL,"
    "  topic      TEXT NOT NULL,"
    "  question   TEXT NOT NULL,"
    "  answer     TEXT,"
    "  subscriber TEXT);"
    "CREATE INDEX consultation_at ON consultation(at);"
    "CREATE TABLE complaint ("
    "  id          INTEGER PRIMARY KEY,"
    "  at          INTEGER NOT NULL,"
    "  clerk_id    INTEGER REFERENCES clerk(id),"
    "  order_id    INTEGER REFERENCES orders(id),"
    "  subscriber  TEXT NOT NULL,"
    "  content     TEXT NOT NULL,"
    "  deadline    INTEGER NOT NULL,"
    "  status      TEXT NOT NULL DEFAULT 'open',"
    "  resolution  TEXT,"
    "  resolved_by INTEGER REFERENCES clerk(id),"
    "  resolved_at INTEGER);"
    "CREATE TABLE survey ("
    "  id       INTEGER PRIMARY KEY,"
    "  at       INTEGER NOT NULL,"
    "  order_id INTEGER REFERENCES orders(id),"
    "  score    INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),"
    "  comment  TEXT);",

    /* 3: the enrolment journal: each step of producing a certificate onto a
     * USB key (keygen, csr, cert, write, verify, commit) is recorded before
     * and after, so a crash or a pulled key resumes or rolls back. */
    "CREATE TABLE enrolment ("
    "  id          INTEGER PRIMARY KEY,"
    "  order_id    INTEGER NOT NULL REFERENCES orders(id),"
    "  usage       TEXT NOT NULL DEFAULT 'sign',"
    "  key_serial  TEXT NOT NULL,"
    "  label       TEXT NOT NULL,"
    "  step        TEXT NOT NULL,"
    "  phase       TEXT NOT NULL,"
    "  outcome     TEXT,"
    "  key_id      BLOB,"
    "  spki        BLOB,"
    "  cert_serial TEXT,"
    "  cert_der    BLOB,"
    "  attempts    INTEGER NOT NULL DEFAULT 1,"
    "  error       TEXT,"
    "  created_at  INTEGER NOT NULL,"
    "  updated_at  INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX enrolment_open ON enrolment(order_id, usage) WHERE outcome IS NULL;",

    /* 4: escrowed encryption keys, wrapped to HQ's recovery certificate
     * (CMS EnvelopedData) before they are written to a USB key; the
     * certificate serial is set when the order is issued. */
    "CREATE TABLE escrow ("
    "  id          INTEGER PRIMARY KEY,"
    "  order_id    INTEGER NOT NULL REFERENCES orders(id),"
    "  cert_serial TEXT UNIQUE,"
    "  wrapped     BLOB NOT NULL,"
    "  recovery_fp TEXT NOT NULL,"
    "  created_at  INTEGER NOT NULL);"
    "CREATE INDEX escrow_order ON escrow(order_id);"
    /* An encryption key cannot sign its own request on the USB key: the
     * journal keeps the request signed by the software key before it was
     * wiped, for a resumed enrolment. */
    "ALTER TABLE enrolment ADD COLUMN csr BLOB;",

    /* 5: the authorisation code an approval makes for an order that
     * produces or revokes a certificate (domain/authcode.h): sealed with
     * the data key (CMP's password-based MAC needs the secret itself), when
     * it was made, and when it was used (once). */
    "ALTER TABLE orders ADD COLUMN authcode BLOB;"
    "ALTER TABLE orders ADD COLUMN authcode_at INTEGER;"
    "ALTER TABLE orders ADD COLUMN authcode_used_at INTEGER;",

    /* 6: the sync daemon's state beside the outbox: archive files queued
     * for upload to HQ (tus location and offset, HQ's confirmation, local
     * deletion), HQ's processing status of orders, and keys HQ recovered
     * for key-recovery orders. */
    "CREATE TABLE sync_archive ("
    "  id           INTEGER PRIMARY KEY,"
    "  kind         TEXT NOT NULL,"
    "  path         TEXT NOT NULL UNIQUE,"
    "  sha256       TEXT NOT NULL,"
    "  bytes        INTEGER NOT NULL,"
    "  order_uuid   TEXT,"
    "  created_at   INTEGER NOT NULL,"
    "  location     TEXT,"
    "  sent_bytes   INTEGER NOT NULL DEFAULT 0,"
    "  uploaded_at  INTEGER,"
    "  confirmed_at INTEGER,"
    "  deleted_at   INTEGER,"
    "  attempts     INTEGER NOT NULL DEFAULT 0,"
    "  error        TEXT);"
    "CREATE INDEX sync_archive_open ON sync_archive(id) WHERE uploaded_at IS NULL;"
    "CREATE TABLE sync_order_status ("
    "  order_uuid TEXT PRIMARY KEY,"
    "  status     TEXT NOT NULL,"
    "  note       TEXT NOT NULL DEFAULT '',"
    "  at         INTEGER NOT NULL);"
    "CREATE TABLE sync_recovered_key ("
    "  order_uuid  TEXT NOT NULL,"
    "  cert_serial TEXT NOT NULL,"
    "  wrapped     BLOB NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  PRIMARY KEY (order_uuid, cert_serial));",

    /* 7: the events of one entity, in order (db/outbox.h: rk_outbox_entity;
     * the sync's repairs and per-day digests read an order's events). */
    "CREATE INDEX outbox_entity ON outbox(entity, entity_id, seq);",

    /* 8: order references come from a counter per day that is never
     * rolled back (domain/order.c takes a reference in a transaction of
     * its own before the order's), so a failed creation cannot hand its
     * reference to the next subscriber; it starts at the day's highest
     * reference so far. */
    "CREATE TABLE order_ref ("
    "  day  TEXT PRIMARY KEY,"
    "  last INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO order_ref(day, last) SELECT substr(ref, 1, 6), "
    "  max(CAST(substr(ref, 8) AS INTEGER)) FROM orders GROUP BY substr(ref, 1, 6);",

    /* 9: the refund of a paid order that is cancelled (the whole amount
     * paid, how it went back, who handed it back, when), and every
     * rejection of an order with its reason (a resubmission clears
     * reject_reason, the history stays), taken over from the audit log. */
    "ALTER TABLE orders ADD COLUMN refund_fen INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE orders ADD COLUMN refund_method TEXT;"
    "ALTER TABLE orders ADD COLUMN refunded_by INTEGER REFERENCES clerk(id);"
    "ALTER TABLE orders ADD COLUMN refunded_at INTEGER;"
    "CREATE INDEX orders_refunded ON orders(refunded_at) WHERE refunded_at IS NOT NULL;"
    "CREATE INDEX orders_paid ON orders(paid_at) WHERE paid_at IS NOT NULL;"
    "CREATE TABLE order_rejection ("
    "  id       INTEGER PRIMARY KEY,"
    "  order_id INTEGER NOT NULL REFERENCES orders(id),"
    "  at       INTEGER NOT NULL,"
    "  reason   TEXT NOT NULL,"
    "  clerk_id INTEGER REFERENCES clerk(id));"
    "CREATE INDEX order_rejection_order ON order_rejection(order_id, id);"
    "INSERT INTO order_rejection(order_id, at, reason, clerk_id) "
    "  SELECT o.id, a.at, coalesce(a.detail, ''), (SELECT id FROM clerk WHERE login = a.actor) "
    "  FROM audit a JOIN orders o ON o.uuid = a.order_id "
    "  WHERE a.action = 'order.rejected' ORDER BY a.seq;",

    /* 10: clerks' USB keys (domain/clerk_cert.h): the certificate the
     * branch sub-CA issued onto a clerk's key, found by issuer and serial
     * and by its key's hash, and the one-time challenges a key login
     * signs (only their hashes; a challenge is taken once). */
    "CREATE TABLE clerk_cert ("
    "  issuer      TEXT NOT NULL,"
    "  serial      TEXT NOT NULL,"
    "  spki_sha256 TEXT NOT NULL UNIQUE,"
    "  clerk_id    INTEGER NOT NULL REFERENCES clerk(id),"
    "  key_serial  TEXT NOT NULL,"
    "  not_after   INTEGER NOT NULL,"
    "  issued_at   INTEGER NOT NULL,"
    "  issued_by   INTEGER REFERENCES clerk(id),"
    "  revoked_at  INTEGER,"
    "  PRIMARY KEY (issuer, serial)) WITHOUT ROWID;"
    "CREATE INDEX clerk_cert_clerk ON clerk_cert(clerk_id);"
    "CREATE TABLE clerk_challenge ("
    "  nonce_hash TEXT PRIMARY KEY,"
    "  expires_at INTEGER NOT NULL) WITHOUT ROWID;",

    /* 11: finding a subscriber's orders by the serial of the certificate
     * an order acts on, as typed in any case (domain/order.h:
     * rk_order_find); the other ways in (reference, UUID, name, ID number's
     * blind index, the certificates an order produced) had their indexes. */
    "CREATE INDEX orders_cert_serial ON orders(upper(cert_serial)) "
    "  WHERE cert_serial IS NOT NULL;",

    /* 12: incidents (domain/incident.h): the level, what is affected, who
     * recorded it and when, first contact and closing; the escalation
     * ladder is computed from these times, never stored. */
    "CREATE TABLE incident ("
    "  id           INTEGER PRIMARY KEY,"
    "  uuid         TEXT NOT NULL UNIQUE,"
    "  level        INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),"
    "  affected     TEXT NOT NULL,"
    "  summary      TEXT NOT NULL,"
    "  opened_by    TEXT NOT NULL,"
    "  opened_at    INTEGER NOT NULL,"
    "  contacted_at INTEGER NOT NULL DEFAULT 0,"
    "  closed_at    INTEGER NOT NULL DEFAULT 0,"
    "  resolution   TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX incident_open ON incident(closed_at, opened_at);",
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int rk_db_latest_version(void)
{
    return N_MIGRATIONS;
}

int rk_db_migrate_list(rk_db *db, const char *const *list, int n, int target, int *from, int *to)
{
    int version, rc;

    if (target <= 0 || target > n) target = n;
    if ((rc = rk_db_begin(db)) != 0) return rc;
    rc = rk_db_version(db, &version);
    rk_db_rollback(db);
    if (rc) return rc;
    if (from) *from = version;
    if (version > n)
        return rk_err_set(RK_ESTATE,
                          "the database is at schema version %d, newer than this program (%d): "
                          "update the software",
                          version, n);
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
        if ((rc = rk_db_exec(db, list[version])) != 0 || (rc = rk_db_exec(db, sql)) != 0 ||
            (rc = rk_db_commit(db)) != 0) {
            rk_db_rollback(db);
            return rk_err_wrap(rc, "migration %d failed", version + 1);
        }
        version++;
    }
    if (to) *to = version;
    return 0;
}

int rk_db_migrate(rk_db *db, int target, int *from, int *to)
{
    return rk_db_migrate_list(db, migrations, N_MIGRATIONS, target, from, to);
}
