/*
 * What the sync daemon did and where it stands, for `ractl sync status`,
 * the kiosk's banner ("last synced at") and the shift close (the outbox
 * not yet empty).
 *
 * A pass's result is kept in the database's meta table as JSON
 * (sync.last), with the time of the last pass that succeeded
 * (sync.last_ok); the daemon's marks live there too (sync.cursor,
 * sync.audit_seq / sync.audit_hash, the CRL validators, the configuration
 * version in force). The live figures (events not yet acknowledged,
 * archives not yet confirmed) are read from the outbox and the archive
 * queue when asked.
 */
#ifndef RK_SYNC_STATUS_H
#define RK_SYNC_STATUS_H

#include <stdint.h>

#include "db/db.h"
#include "util/buf.h"

typedef struct rk_sync_result {
    int64_t started_at, finished_at;
    int ok;            /* every step succeeded */
    char error[512];   /* the first failure, "" if none */
    char warning[512]; /* the newest warning (clock skew, a refused CRL or bundle ...) */
    int64_t skew;      /* HQ's clock minus the branch's, seconds */
    char http[8];      /* the HTTP version HQ last answered over: "1.1", "2" */
    int64_t pushed, acked_seq, duplicates;
    int64_t audit_pushed, audit_acked;
    int64_t pulled, applied, skipped, cursor;
    int crl;    /* 1 imported, 0 nothing new, -1 refused */
    int config; /* 1 installed, 0 nothing new, -1 refused */
    int64_t config_version;
    int64_t archives_sent, archives_confirmed, archives_deleted;
    int64_t archive_bytes, archive_bytes_again; /* bytes uploaded; of them sent a second time */
    int update; /* 1 a system update fetched and installed, 0 nothing new, -1 refused or failed */
    int64_t update_bytes, update_resumed_from; /* fetched this pass; the offset it went on from */
    int reconciled;
    int64_t days_compared, days_differing, repaired, unresolved;
    int64_t backlog_events, backlog_archives; /* left after the pass */
} rk_sync_result;

typedef struct rk_sync_status {
    int has_last;
    rk_sync_result last;
    int64_t last_ok; /* 0: never */
    int64_t unsent_events, sent_upto;
    int64_t archives_open;
    int64_t cursor, config_version, audit_seq;
} rk_sync_status;

/* Records r as the last pass (and its time as the last success when ok). */
int rk_sync_status_save(rk_db *db, const rk_sync_result *r);

/* The status as it stands. */
int rk_sync_status_read(rk_sync_status *out, rk_db *db);

/* As a JSON object (for --json and the kiosk). */
int rk_sync_status_json(rk_buf *out, const rk_sync_status *s);

/* Integer settings of the meta table: *v = dflt when absent. */
int rk_sync_meta_int(rk_db *db, const char *key, int64_t *v, int64_t dflt);
int rk_sync_meta_set_int(rk_db *db, const char *key, int64_t v);

#endif
