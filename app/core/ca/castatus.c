/*
 * The sub-CA follows the ledger (see castatus.h).
 */
#include "castatus.h"

#include "audit/record.h"
#include "ca/crl.h"
#include "domain/certstatus.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct change {
    char serial[64];
    char status[16];
    char reason[64];
} change;

static int read_change(void *elem, sqlite3_stmt *st, void *arg)
{
    change *c = elem;
    (void)arg;
    rk_db_text(c->serial, sizeof c->serial, st, 0);
    rk_db_text(c->status, sizeof c->status, st, 1);
    rk_db_text(c->reason, sizeof c->reason, st, 2);
    return 0;
}

/* The ledger's revoked and suspended certificates (a list the caller frees). */
static int ledger_changed(rk_ledger *l, change **out, int *n)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(l->db, &st,
                           "SELECT serial, status, coalesce(revoke_reason, '') FROM certificate "
                           "WHERE status IN ('revoked', 'suspended')");
    if (rc) return rc;
    return rk_db_collect((void **)out, n, l->db, st, sizeof **out, read_change, NULL,
                         "changed certificates");
}

typedef struct held_serial {
    char serial[RK_SUBCA_SERIAL_HEX];
} held_serial;

static int read_held(void *elem, sqlite3_stmt *st, void *arg)
{
    (void)arg;
    rk_db_text(((held_serial *)elem)->serial, RK_SUBCA_SERIAL_HEX, st, 0);
    return 0;
}

/* The register's held certificates (a list the caller frees). */
static int register_held(rk_subca *ca, held_serial **out, int *n)
{
    rk_db *db = rk_subca_db(ca);
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st, "SELECT serial FROM issued WHERE status = 1");
    if (rc) return rc;
    return rk_db_collect((void **)out, n, db, st, sizeof **out, read_held, NULL,
                         "held certificates");
}

/* Where the last heal stopped: the newest ledger certificate id looked at,
 * kept in the register itself, so that a watermark that survived a power
 * cut means the records before it survived too (commits are ordered). */
static int watermark(rk_subca *ca, int64_t *out)
{
    sqlite3_stmt *st;
    rk_db *db = rk_subca_db(ca);
    int rc = rk_db_prepare(db, &st, "SELECT value FROM ca_meta WHERE key = 'ledger_seen'");
    if (rc) return rc;
    *out = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return 0;
}

/* Records again the certificates the ledger holds and the register lost
 * (its commits do not wait for the disk when the ledger backs it:
 * subca.h), looking at each ledger certificate once. */
static int heal(rk_ledger *l, rk_subca *ca, int *done)
{
    sqlite3_stmt *st;
    int64_t seen = 0, last;
    int rc, s;

    if ((rc = watermark(ca, &seen)) != 0) return rc;
    last = seen;
    if ((rc = rk_db_prepare(l->db, &st,
                            "SELECT id, serial, der FROM certificate WHERE id > ? ORDER BY id")))
        return rc;
    sqlite3_bind_int64(st, 1, seen);
    while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
        rk_subca_record r;
        char serial[64];
        last = sqlite3_column_int64(st, 0);
        rk_db_text(serial, sizeof serial, st, 1);
        if ((rc = rk_subca_lookup(&r, ca, serial)) != RK_ENOTFOUND) continue;
        rk_err_clear();
        const unsigned char *p = sqlite3_column_blob(st, 2);
        X509 *x = p ? d2i_X509(NULL, &p, sqlite3_column_bytes(st, 2)) : NULL;
        rc = x ? rk_subca_rerecord(ca, x) : 0;
        if (rc == RK_EVERIFY) { /* HQ's, not the sub-CA's */
            rk_err_clear();
            rc = 0;
        } else if (rc == 0 && x) {
            (*done)++;
        }
        X509_free(x);
    }
    sqlite3_finalize(st);
    if (rc || last == seen) return rc;
    rk_db *db = rk_subca_db(ca);
    if ((rc = rk_db_prepare(
             db, &st, "INSERT OR REPLACE INTO ca_meta(key, value) VALUES ('ledger_seen', ?)")))
        return rc;
    sqlite3_bind_int64(st, 1, last);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot keep the heal's place");
    sqlite3_finalize(st);
    return rc;
}

/* The follow; *statuses counts the status changes alone (what a CRL
 * shows), *changed those and the certificates recorded again. */
static int follow(rk_ledger *l, rk_subca *ca, int *changed, int *statuses)
{
    change *list = NULL;
    held_serial *held = NULL;
    int n = 0, nheld = 0, done = 0, healed = 0, rc;

    *changed = *statuses = 0;
    if ((rc = heal(l, ca, &healed)) || (rc = ledger_changed(l, &list, &n))) {
        *changed = healed;
        return rc;
    }
    for (int i = 0; i < n && !rc; i++) {
        rk_subca_record r;
        if ((rc = rk_subca_lookup(&r, ca, list[i].serial)) == RK_ENOTFOUND) {
            rk_err_clear(); /* not the sub-CA's: HQ's */
            rc = 0;
            continue;
        }
        if (rc || r.status == RK_CERT_REVOKED) continue;
        if (!strcmp(list[i].status, "revoked")) {
            int reason = RK_CRL_UNSPECIFIED;
            if (rk_crl_reason_parse(&reason, list[i].reason) != 0 || reason == RK_CRL_HOLD ||
                reason == RK_CRL_REMOVE) {
                rk_err_clear(); /* the ledger's words, not RFC 5280's */
                reason = RK_CRL_UNSPECIFIED;
            }
            rc = rk_crl_revoke(ca, r.serial, reason);
            done++;
        } else if (r.status == RK_CERT_GOOD) {
            rc = rk_crl_suspend(ca, r.serial);
            done++;
        }
    }
    free(list);
    if (!rc && !(rc = register_held(ca, &held, &nheld))) {
        for (int i = 0; i < nheld && !rc; i++) {
            char status[16];
            if ((rc = rk_certstatus_of(l, held[i].serial, status, sizeof status, NULL, 0)) ==
                RK_ENOTFOUND) {
                rk_err_clear(); /* a hold outside the ledger (`ractl ca suspend`) */
                rc = 0;
            } else if (rc == 0 && !strcmp(status, "valid")) {
                rc = rk_crl_resume(ca, held[i].serial);
                done++;
            }
        }
        free(held);
    }
    *statuses = done;
    *changed = done + healed;
    return rc;
}

int rk_castatus_follow(rk_ledger *l, rk_subca *ca, int *changed)
{
    int all, statuses;
    int rc = follow(l, ca, &all, &statuses);
    if (changed) *changed = all;
    return rc;
}

/* The register's note that its statuses changed since the last CRL
 * publish signed: kept in ca.db, so a CRL that failed to sign is signed by
 * the next publish even when that one finds nothing new to take up. */
static int crl_due(rk_subca *ca, int *due)
{
    sqlite3_stmt *st;
    rk_db *db = rk_subca_db(ca);
    int rc = rk_db_prepare(db, &st, "SELECT count(*) FROM ca_meta WHERE key = 'crl_due'");
    if (rc) return rc;
    *due = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    return 0;
}

static int set_crl_due(rk_subca *ca, int due)
{
    return rk_db_exec(rk_subca_db(ca),
                      due ? "INSERT OR REPLACE INTO ca_meta(key, value) VALUES ('crl_due', '1')"
                          : "DELETE FROM ca_meta WHERE key = 'crl_due'");
}

int rk_castatus_publish(rk_ledger *l, rk_subca *ca, const rk_actor *by, int *changed,
                        uint64_t *number)
{
    unsigned char *der = NULL;
    size_t len = 0;
    uint64_t num = 0;
    int all = 0, statuses = 0, due = 0, rc;

    if (changed) *changed = 0;
    if (number) *number = 0;
    rc = follow(l, ca, &all, &statuses);
    if (changed) *changed = all;
    /* Noted before signing: a CRL that fails now is signed next time. */
    if (statuses) {
        int noted = set_crl_due(ca, 1);
        if (!rc) rc = noted;
    }
    if (rc || (rc = crl_due(ca, &due)) != 0 || !due) return rc;
    if ((rc = rk_crl_generate(&der, &len, &num, ca, 0)) != 0)
        return rk_err_wrap(rc, "the sub-CA's register changed, but no new CRL was signed");
    free(der);
    if ((rc = set_crl_due(ca, 0)) != 0) return rc;
    if (number) *number = num;
    char detail[160];
    if (statuses)
        snprintf(detail, sizeof detail,
                 "CRL number %llu signed at once: %d status change%s taken up from the ledger",
                 (unsigned long long)num, statuses, statuses == 1 ? "" : "s");
    else
        snprintf(detail, sizeof detail,
                 "CRL number %llu signed: due since a change an earlier CRL failed to show",
                 (unsigned long long)num);
    rk_record r = {.actor = by ? by->login : NULL,
                   .role = by && by->clerk_id ? "issue" : "system",
                   .action = "ca.crl",
                   .detail = detail};
    return rk_record_once(l->db, &r);
}
