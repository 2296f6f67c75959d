/*
 * One sync pass between the branch and HQ (docs/SYNC-PROTOCOL.md), the
 * work rasync does whenever it runs: after `hello` (identity and clock),
 *   1. push the outbox in batches, marking events sent only up to HQ's
 *      acknowledged sequence, resending from HQ's mark after a gap;
 *   2. push the audit log, checking first that HQ's anchor still holds;
 *   3. pull HQ's changes by cursor and apply them (sync_in.h), the cursor
 *      stored after each one;
 *   4. fetch HQ's CRL by conditional GET and import it through the CA
 *      module's verified import, refusing a stale one;
 *   5. fetch the configuration bundle by conditional GET and install it
 *      (sync_config.h);
 *   6. upload the queued archive files with tus (sync_tus.h), take HQ's
 *      receipts, and delete the local copies retention lets go;
 *   7. with reconcile: compare per-day digests with HQ's and repair;
 *   8. when [sync] update_install is set: fetch the system update HQ
 *      announces, a range at a time, resuming a cut download, check its
 *      SHA-256 and hand it to the installer (sync_update.h).
 *
 * Every step may be repeated at any time (the protocol is idempotent), so
 * a failure anywhere loses nothing: the step is tried again with backoff
 * (the transport's pause) up to [sync] max_attempts, and the pass goes on
 * with the next step when HQ refused something, or ends when HQ cannot be
 * reached. An answer that is not what the protocol says (garbage, a
 * truncated body) is logged as such and treated like a failed attempt:
 * no mark moves on an answer that cannot be read.
 *
 * The result (rk_sync_result) says what moved and what failed; the caller
 * saves it (sync_status.h).
 */
#ifndef RK_SYNC_PASS_H
#define RK_SYNC_PASS_H

#include "branch/sync_status.h"
#include "branch/sync_transport.h"
#include "domain/ledger.h"

enum {
    RK_SYNC_EVENTS = 1 << 0,
    RK_SYNC_AUDIT = 1 << 1,
    RK_SYNC_CHANGES = 1 << 2,
    RK_SYNC_CRL = 1 << 3,
    RK_SYNC_CONFIG = 1 << 4,
    RK_SYNC_ARCHIVES = 1 << 5,
    RK_SYNC_RECONCILE = 1 << 6,
    RK_SYNC_UPDATE = 1 << 7,
    RK_SYNC_ALL = ((1 << 6) - 1) | RK_SYNC_UPDATE /* everything but reconciliation */
};

typedef struct rk_sync_opts {
    unsigned steps;          /* RK_SYNC_* (0: RK_SYNC_ALL) */
    const char *archive_url; /* tus endpoint; NULL: [sync] archive_url or HQ's */
} rk_sync_opts;

/* What a pass needs of the branch: its configuration, database (schema
 * current) and ledger. Until the branch layer opens all of a branch in one
 * call, rasync opens these through here. */
typedef struct rk_sync_branch {
    rk_conf *conf;
    rk_db *db;
    rk_ledger *ledger;
    int64_t config_version; /* the bundle the ledger's rules are from (0: shipped) */
} rk_sync_branch;

/* Opens conf_path (NULL: the usual search, conf.h), its database and
 * ledger. RK_ECONF, RK_ENOTFOUND (no database: `ractl init`), RK_EDB (an
 * older schema: `ractl db migrate`). */
int rk_sync_branch_open(rk_sync_branch *b, const char *conf_path);
void rk_sync_branch_close(rk_sync_branch *b);

/* Takes up a configuration bundle installed since the ledger's rules were
 * read (a daemon's pass, between passes): the rule files re-pointed and
 * the forms, fees and calendar reloaded. 1 when it did, 0 when nothing was
 * newer, or a negative RK_E* (the rules in force stay, logged). */
int rk_sync_branch_refresh(rk_sync_branch *b);

/* Runs one pass. 0 when every step succeeded; otherwise the first
 * failure's code, with res->error saying what (res is filled either way). */
int rk_sync_pass(rk_sync_result *res, rk_ledger *l, rk_sync_transport *t, const rk_sync_opts *o);

#endif
