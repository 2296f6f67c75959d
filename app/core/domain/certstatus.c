/*
 * Certificate status queries, renewal reminders and the suspension timer
 * (see certstatus.h).
 */
#include "certstatus.h"

#include "audit/record.h"
#include "domain/certreg.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HOLD_MONTHS 6

static int is_hex(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s)) return 0;
    return 1;
}

static void set_status(rk_status_hit *h, const char *status, const char *zh)
{
    rk_utf8_copy(h->status, sizeof h->status, status);
    rk_utf8_copy(h->status_zh, sizeof h->status_zh, zh);
}

int rk_certstatus_query(rk_ledger *l, const char *q, rk_status_hit *hits, int max, int *n)
{
    sqlite3_stmt *st;
    int64_t now = rk_clock_now();
    int count = 0, rc, s;

    *n = 0;
    rc = rk_db_prepare(l->db, &st,
                       "SELECT c.serial, c.subject_name, c.cert_kind, c.usage, c.not_before, "
                       "c.not_after, c.status, coalesce(o.ref, '') FROM certificate c "
                       "LEFT JOIN orders o ON o.id = c.order_id "
                       "WHERE c.serial = upper(?1) OR c.subject_name = ?1 "
                       "ORDER BY c.not_after DESC LIMIT ?2");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, max);
    while (count < max && (s = sqlite3_step(st)) == SQLITE_ROW) {
        rk_status_hit *h = &hits[count++];
        char status[16];
        memset(h, 0, sizeof *h);
        rk_db_text(h->serial, sizeof h->serial, st, 0);
        rk_db_text(h->subject_name, sizeof h->subject_name, st, 1);
        rk_db_text(h->cert_kind, sizeof h->cert_kind, st, 2);
        rk_db_text(h->usage, sizeof h->usage, st, 3);
        h->not_before = sqlite3_column_int64(st, 4);
        h->not_after = sqlite3_column_int64(st, 5);
        rk_db_text(status, sizeof status, st, 6);
        rk_db_text(h->order_ref, sizeof h->order_ref, st, 7);
        if (!strcmp(status, "revoked"))
            set_status(h, "revoked", "已吊销");
        else if (!strcmp(status, "suspended"))
            set_status(h, "suspended", "已挂起");
        else if (now < h->not_before || now >= h->not_after)
            set_status(h, "cancelled", "已失效");
        else
            set_status(h, "in_use", "正常使用");
    }
    sqlite3_finalize(st);
    /* Approved new applications still in production (by subject only). */
    if (count < max && !(is_hex(q) && strlen(q) >= 8)) {
        rc = rk_db_prepare(l->db, &st,
                           "SELECT ref, subject_name, cert_kind FROM orders WHERE subject_name = ? "
                           "AND business IN ('new','renew','change','reissue','replace') "
                           "AND state IN ('approved','paid') ORDER BY id DESC LIMIT ?");
        if (rc) return rc;
        sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, max - count);
        while (count < max && sqlite3_step(st) == SQLITE_ROW) {
            rk_status_hit *h = &hits[count++];
            memset(h, 0, sizeof *h);
            rk_db_text(h->order_ref, sizeof h->order_ref, st, 0);
            rk_db_text(h->subject_name, sizeof h->subject_name, st, 1);
            rk_db_text(h->cert_kind, sizeof h->cert_kind, st, 2);
            set_status(h, "new_application", "新申请（审核通过，制证中）");
        }
        sqlite3_finalize(st);
    }
    *n = count;
    return 0;
}

/* One renewal; arg is the int64_t "now" the days left count from. */
static int read_renewal(void *elem, sqlite3_stmt *st, void *arg)
{
    rk_renewal *r = elem;
    int64_t now = *(const int64_t *)arg;
    rk_db_text(r->serial, sizeof r->serial, st, 0);
    rk_db_text(r->subject_name, sizeof r->subject_name, st, 1);
    r->not_after = sqlite3_column_int64(st, 2);
    r->days_left = (int)((r->not_after - now + 86399) / 86400);
    rk_db_text(r->order_ref, sizeof r->order_ref, st, 3);
    return 0;
}

int rk_certstatus_renewals(rk_ledger *l, int days, rk_renewal **out, int *n)
{
    sqlite3_stmt *st;
    int64_t now = rk_clock_now();
    int rc;

    *out = NULL;
    *n = 0;
    rc = rk_db_prepare(l->db, &st,
                       "SELECT c.serial, c.subject_name, c.not_after, coalesce(o.ref, '') "
                       "FROM certificate c LEFT JOIN orders o ON o.id = c.order_id "
                       "WHERE c.status = 'valid' AND c.not_after > ?1 AND c.not_after <= ?2 "
                       "ORDER BY c.not_after");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, now + (int64_t)days * 86400);
    return rk_db_collect((void **)out, n, l->db, st, sizeof **out, read_renewal, &now, "renewals");
}

int64_t rk_certstatus_hold_end(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    int mday = tm.tm_mday;
    tm.tm_mon += HOLD_MONTHS;
    tm.tm_isdst = -1;
    time_t end = mktime(&tm);
    /* 31 August + 6 months is the end of February, not 3 March. */
    struct tm check;
    localtime_r(&end, &check);
    if (check.tm_mday != mday) {
        tm.tm_mday = 0; /* last day of the previous month */
        tm.tm_mon = check.tm_mon;
        tm.tm_year = check.tm_year;
        tm.tm_isdst = -1;
        end = mktime(&tm);
    }
    return (int64_t)end;
}

/* Resumes one expired hold, or starts its revocation, in one transaction. */
static int end_hold(rk_ledger *l, const char *serial, int64_t suspended_at, int64_t not_after,
                    int *resumed, int *revocations)
{
    int64_t now = rk_clock_now();
    sqlite3_stmt *st;
    char detail[256], ref[RK_ORDER_REF_MAX];
    int rc;

    if ((rc = rk_db_begin(l->db)) != 0) return rc;
    if (not_after <= now) {
        /* Is a revocation already under way? Then nothing to do. */
        rc = rk_db_prepare(l->db, &st,
                           "SELECT count(*) FROM orders WHERE business = 'revoke' AND "
                           "cert_serial = ? AND state NOT IN ('cancelled','rejected')");
        if (rc) goto fail;
        sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
        int open = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
        sqlite3_finalize(st);
        if (open) {
            rk_db_rollback(l->db);
            return 0;
        }
        if ((rc =
                 rk_order_system_revoke(l, serial, "suspension outlived the certificate's validity",
                                        ref, sizeof ref)) != 0)
            goto fail;
        if ((rc = rk_db_commit(l->db)) == 0 && revocations) (*revocations)++;
        return rc;
    }
    int done;
    if ((rc = rk_certreg_resume_hold(l, serial, suspended_at, &done)) != 0) goto fail;
    if (!done) { /* another program got there first */
        rk_db_rollback(l->db);
        return 0;
    }
    snprintf(detail, sizeof detail, "hold of %s since @%lld reached %d months", serial,
             (long long)suspended_at, HOLD_MONTHS);
    char payload[160];
    snprintf(payload, sizeof payload, "{\"serial\":\"%s\",\"status\":\"valid\"}", serial);
    rk_record r = {.role = "system",
                   .action = "certificate.auto_resumed",
                   .before = "{\"status\":\"suspended\"}",
                   .after = "{\"status\":\"valid\"}",
                   .detail = detail,
                   .entity = "certificate",
                   .entity_id = serial,
                   .kind = "certificate.resumed",
                   .payload = payload};
    if ((rc = rk_db_end(l->db, rk_record_add(l->db, &r))) == 0 && resumed) (*resumed)++;
    return rc;
fail:
    rk_db_rollback(l->db);
    return rc;
}

int rk_certstatus_of(rk_ledger *l, const char *serial, char *status, size_t status_n,
                     char *order_ref, size_t ref_n)
{
    char key[72];
    size_t k = 0;
    sqlite3_stmt *st;
    /* The ledger keeps serials as BN_bn2hex writes them: upper case, whole
     * bytes (so perhaps one leading zero). */
    while (*serial == '0' && serial[1])
        serial++;
    for (; *serial && k + 1 < sizeof key; serial++)
        key[k++] = (char)toupper((unsigned char)*serial);
    key[k] = '\0';
    int rc =
        rk_db_prepare(l->db, &st,
                      "SELECT c.status, coalesce(o.ref, '') FROM certificate c "
                      "LEFT JOIN orders o ON o.id = c.order_id WHERE c.serial IN (?1, '0' || ?1)");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        if (status) rk_db_text(status, status_n, st, 0);
        if (order_ref) rk_db_text(order_ref, ref_n, st, 1);
    } else {
        rc = s == SQLITE_DONE ? rk_err_set(RK_ENOTFOUND, "the ledger holds no certificate %s", key)
                              : rk_db_fail(l->db, "cannot read a certificate's status");
    }
    sqlite3_finalize(st);
    return rc;
}

int rk_certstatus_tick(rk_ledger *l, int *resumed, int *revocations)
{
    enum { BATCH = 64 };
    struct {
        char serial[64];
        int64_t suspended_at, not_after;
    } due[BATCH];
    int64_t now = rk_clock_now();
    sqlite3_stmt *st;
    int n = 0, rc;

    if (resumed) *resumed = 0;
    if (revocations) *revocations = 0;
    /* Six calendar months are at least 181 days: holds older than 177 days
     * are candidates and the exact calendar rule is applied to each. At
     * most BATCH holds end per call; the next tick takes the rest. */
    rc = rk_db_prepare(l->db, &st,
                       "SELECT serial, suspended_at, not_after FROM certificate "
                       "WHERE status = 'suspended' AND suspended_at <= ? ORDER BY suspended_at");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, now - 177LL * 86400);
    while (n < BATCH && sqlite3_step(st) == SQLITE_ROW) {
        int64_t at = sqlite3_column_int64(st, 1);
        if (rk_certstatus_hold_end(at) > now) continue;
        rk_db_text(due[n].serial, sizeof due[n].serial, st, 0);
        due[n].suspended_at = at;
        due[n].not_after = sqlite3_column_int64(st, 2);
        n++;
    }
    sqlite3_finalize(st);
    for (int i = 0; i < n; i++)
        if ((rc = end_hold(l, due[i].serial, due[i].suspended_at, due[i].not_after, resumed,
                           revocations)) != 0)
            return rc;
    return 0;
}
