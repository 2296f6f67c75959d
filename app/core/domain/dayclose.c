/*
 * The daily close's figures and its record (see dayclose.h).
 */
#include "dayclose.h"

#include "audit/record.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/json.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct {
    const char *key, *zh, *en, *action;
} counts[RK_DAY_N_COUNTS] = {
    {"taken", "受理", "taken", "order.created"},
    {"submitted", "提交", "submitted", "order.submitted"},
    {"approved", "审核通过", "approved", "order.approved"},
    {"rejected", "驳回", "rejected", "order.rejected"},
    {"issued", "办结", "issued", "order.issued"},
    {"delivered", "交付", "delivered", "order.delivered"},
    {"cancelled", "撤销", "cancelled", "order.cancelled"},
};

/* The ledger's business types and payment methods, in the order shown. */
static const char *const businesses[] = {"new",     "renew",    "change",     "reissue",
                                         "replace", "unlock",   "revoke",     "suspend",
                                         "resume",  "recovery", "redispatch", "query"};
static const struct {
    const char *id, *zh;
} methods[] = {
    {"cash", "现金"},   {"wechat", "微信"},   {"alipay", "支付宝"},
    {"card", "银行卡"}, {"transfer", "转账"},
};

const char *rk_day_count_key(int i)
{
    return i >= 0 && i < RK_DAY_N_COUNTS ? counts[i].key : NULL;
}

const char *rk_day_count_label(int i, int zh)
{
    return i >= 0 && i < RK_DAY_N_COUNTS ? (zh ? counts[i].zh : counts[i].en) : NULL;
}

const char *rk_day_method_label(const char *method, int zh)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (!strcmp(method, methods[i].id)) return zh ? methods[i].zh : methods[i].id;
    return method;
}

void rk_day_yuan(char *out, size_t n, int64_t fen)
{
    long long a = fen < 0 ? -(long long)fen : (long long)fen;
    snprintf(out, n, "%s%lld.%02lld", fen < 0 ? "-" : "", a / 100, a % 100);
}

static int rank_of(const char *const *list, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], id)) return (int)i;
    return (int)n;
}

static int business_rank(const char *b)
{
    return rank_of(businesses, sizeof businesses / sizeof businesses[0], b);
}

static int method_rank(const char *m)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (!strcmp(m, methods[i].id)) return (int)i;
    return (int)(sizeof methods / sizeof methods[0]);
}

/* The row of business b, added in its place when new; NULL when full. */
static rk_day_business *business_row(rk_dayclose *d, const char *b)
{
    int at = 0;
    for (; at < d->n_business; at++) {
        if (!strcmp(d->business[at].business, b)) return &d->business[at];
        int r1 = business_rank(d->business[at].business), r2 = business_rank(b);
        if (r1 > r2 || (r1 == r2 && strcmp(d->business[at].business, b) > 0)) break;
    }
    if (d->n_business == RK_DAY_MAX_BUSINESS) return NULL;
    memmove(&d->business[at + 1], &d->business[at],
            (size_t)(d->n_business - at) * sizeof d->business[0]);
    d->n_business++;
    memset(&d->business[at], 0, sizeof d->business[at]);
    rk_utf8_copy(d->business[at].business, sizeof d->business[at].business, b);
    return &d->business[at];
}

static rk_day_money *method_row(rk_dayclose *d, const char *m)
{
    int at = 0;
    for (; at < d->n_methods; at++) {
        if (!strcmp(d->methods[at].method, m)) return &d->methods[at];
        int r1 = method_rank(d->methods[at].method), r2 = method_rank(m);
        if (r1 > r2 || (r1 == r2 && strcmp(d->methods[at].method, m) > 0)) break;
    }
    if (d->n_methods == RK_DAY_MAX_METHODS) return NULL;
    memmove(&d->methods[at + 1], &d->methods[at],
            (size_t)(d->n_methods - at) * sizeof d->methods[0]);
    d->n_methods++;
    memset(&d->methods[at], 0, sizeof d->methods[at]);
    rk_utf8_copy(d->methods[at].method, sizeof d->methods[at].method, m);
    return &d->methods[at];
}

/* Runs sql over the day (?1 start, ?2 end, ?3 the date) and hands each row to fn. */
static int each(rk_ledger *l, rk_dayclose *d, const char *sql,
                int (*fn)(rk_dayclose *d, sqlite3_stmt *st))
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(l->db, &st, sql), s;
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, d->start);
    sqlite3_bind_int64(st, 2, d->end);
    if (sqlite3_bind_parameter_count(st) >= 3) sqlite3_bind_text(st, 3, d->date, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = fn(d, st)) != 0) break;
    if (!rc && s != SQLITE_DONE) rc = rk_db_fail(l->db, "cannot read the day's figures");
    sqlite3_finalize(st);
    return rc;
}

/* (business, count index, count) */
static int on_count(rk_dayclose *d, sqlite3_stmt *st)
{
    char b[16];
    rk_db_text(b, sizeof b, st, 0);
    int i = sqlite3_column_int(st, 1), n = sqlite3_column_int(st, 2);
    if (i < 0 || i >= RK_DAY_N_COUNTS) return 0;
    rk_day_business *row = business_row(d, b);
    if (!row)
        return rk_err_set(RK_ETOOBIG, "more than %d business types in a day", RK_DAY_MAX_BUSINESS);
    row->n[i] += n;
    d->total[i] += n;
    return 0;
}

/* (method, refund?, count, fen) */
static int on_money(rk_dayclose *d, sqlite3_stmt *st)
{
    char m[16];
    rk_db_text(m, sizeof m, st, 0);
    int refund = sqlite3_column_int(st, 1), n = sqlite3_column_int(st, 2);
    int64_t fen = sqlite3_column_int64(st, 3);
    rk_day_money *row = method_row(d, m[0] ? m : "?");
    if (!row)
        return rk_err_set(RK_ETOOBIG, "more than %d payment methods in a day", RK_DAY_MAX_METHODS);
    if (refund) {
        row->refunds += n;
        row->refunded_fen += fen;
        d->takings.refunds += n;
        d->takings.refunded_fen += fen;
    } else {
        row->payments += n;
        row->paid_fen += fen;
        d->takings.payments += n;
        d->takings.paid_fen += fen;
    }
    return 0;
}

static int on_closed(rk_dayclose *d, sqlite3_stmt *st)
{
    d->closed_at = sqlite3_column_int64(st, 0);
    rk_db_text(d->closed_by, sizeof d->closed_by, st, 1);
    return 0;
}

int rk_dayclose_read(rk_ledger *l, int64_t t, rk_dayclose *d)
{
    struct tm tm;
    time_t tt = (time_t)t;
    int rc;

    memset(d, 0, sizeof *d);
    if (!localtime_r(&tt, &tm)) return rk_err_set(RK_EINVAL, "no such day");
    snprintf(d->date, sizeof d->date, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday);
    if ((rc = rk_clock_day(&d->start, d->date, 0)) || (rc = rk_clock_day(&d->end, d->date, 1)))
        return rc;
    /* Orders taken by their creation; the rest by the audit entry of each
     * transition. */
    if ((rc = each(l, d,
                   "SELECT business, 0, count(*) FROM orders WHERE created_at >= ?1 "
                   "AND created_at < ?2 GROUP BY business",
                   on_count)) ||
        (rc = each(l, d,
                   "SELECT o.business, CASE a.action WHEN 'order.submitted' THEN 1 "
                   "WHEN 'order.approved' THEN 2 WHEN 'order.rejected' THEN 3 "
                   "WHEN 'order.issued' THEN 4 WHEN 'order.delivered' THEN 5 ELSE 6 END, "
                   "count(*) FROM audit a JOIN orders o ON o.uuid = a.order_id "
                   "WHERE a.at >= ?1 AND a.at < ?2 AND a.action IN ('order.submitted', "
                   "'order.approved', 'order.rejected', 'order.issued', 'order.delivered', "
                   "'order.cancelled') GROUP BY 1, 2",
                   on_count)) ||
        (rc = each(l, d,
                   "SELECT coalesce(pay_method, ''), 0, count(*), sum(paid_fen) FROM orders "
                   "WHERE paid_at >= ?1 AND paid_at < ?2 GROUP BY 1 "
                   "UNION ALL SELECT coalesce(refund_method, ''), 1, count(*), sum(refund_fen) "
                   "FROM orders WHERE refunded_at >= ?1 AND refunded_at < ?2 GROUP BY 1",
                   on_money)) ||
        (rc = each(l, d,
                   "SELECT at, actor FROM audit WHERE action = 'day.closed' AND detail = ?3 "
                   "AND ?1 = ?1 AND ?2 = ?2 ORDER BY seq DESC LIMIT 1",
                   on_closed)))
        return rc;
    return 0;
}

static void json_counts(rk_json *j, const int *n)
{
    rk_json_obj_begin(j);
    for (int i = 0; i < RK_DAY_N_COUNTS; i++)
        rk_json_kint(j, counts[i].key, n[i]);
    rk_json_obj_end(j);
}

static void json_money(rk_json *j, const rk_day_money *m)
{
    rk_json_kint(j, "payments", m->payments);
    rk_json_kint(j, "paid_fen", m->paid_fen);
    rk_json_kint(j, "refunds", m->refunds);
    rk_json_kint(j, "refunded_fen", m->refunded_fen);
    rk_json_kint(j, "net_fen", m->paid_fen - m->refunded_fen);
}

int rk_dayclose_json(rk_buf *out, const rk_dayclose *d)
{
    rk_json j;
    rk_json_init(&j, out);
    rk_json_obj_begin(&j);
    rk_json_kstr(&j, "date", d->date);
    rk_json_kint(&j, "start", d->start);
    rk_json_kint(&j, "end", d->end);
    rk_json_key(&j, "orders");
    json_counts(&j, d->total);
    rk_json_key(&j, "business");
    rk_json_arr_begin(&j);
    for (int i = 0; i < d->n_business; i++) {
        rk_json_obj_begin(&j);
        rk_json_kstr(&j, "business", d->business[i].business);
        rk_json_key(&j, "counts");
        json_counts(&j, d->business[i].n);
        rk_json_obj_end(&j);
    }
    rk_json_arr_end(&j);
    rk_json_key(&j, "takings");
    rk_json_obj_begin(&j);
    json_money(&j, &d->takings);
    rk_json_key(&j, "methods");
    rk_json_arr_begin(&j);
    for (int i = 0; i < d->n_methods; i++) {
        rk_json_obj_begin(&j);
        rk_json_kstr(&j, "method", d->methods[i].method);
        json_money(&j, &d->methods[i]);
        rk_json_obj_end(&j);
    }
    rk_json_arr_end(&j);
    rk_json_obj_end(&j);
    if (d->closed_at) {
        rk_json_kint(&j, "closed_at", d->closed_at);
        rk_json_kstr(&j, "closed_by", d->closed_by);
    }
    rk_json_obj_end(&j);
    return rk_json_finish(&j);
}

int rk_dayclose_record(rk_ledger *l, const rk_actor *by, rk_dayclose *d)
{
    char id[32];
    rk_buf b;
    int rc;
    if ((rc = rk_actor_require(by, RK_ROLE_SUPERVISOR)) != 0) return rc;
    int64_t closed_at = d->closed_at;
    char closed_by[sizeof d->closed_by];
    memcpy(closed_by, d->closed_by, sizeof closed_by);
    d->closed_at = rk_clock_now();
    rk_utf8_copy(d->closed_by, sizeof d->closed_by, by->login);
    rk_buf_init(&b, 1 << 16);
    if ((rc = rk_dayclose_json(&b, d)) == 0) {
        snprintf(id, sizeof id, "daily:%s", d->date);
        rk_record r = {.actor = by->login,
                       .role = "supervisor",
                       .action = "day.closed",
                       .after = b.data,
                       .detail = d->date,
                       .entity = "report",
                       .entity_id = id,
                       .kind = "report.daily"};
        rc = rk_record_once(l->db, &r);
    }
    rk_buf_free(&b);
    if (rc) {
        d->closed_at = closed_at;
        memcpy(d->closed_by, closed_by, sizeof closed_by);
    }
    return rc;
}
