/*
 * Receipt, application form and task-completion record from the ledger
 * (see orderprint.h). Reads the order with rk_order_get() (fields
 * unsealed), the stored fee lines and the task record with small queries.
 */
#include "orderprint.h"

#include "audit/record.h"
#include "domain/certreg.h"
#include "domain/clerk.h"
#include "domain/feelines.h"
#include "domain/fees.h"
#include "domain/order.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/wipe.h"
#include "util/utf8.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void rk_orderprint_pay_payload(char *out, size_t n, const char *branch, const char *ref,
                               int64_t fen)
{
    snprintf(out, n, RK_ORDERPRINT_PAY_PREFIX "%s:%s:%" PRId64, branch, ref, fen);
}

enum { DATE, DATE_TIME };

static void local_time(char *out, size_t n, int64_t t, int what)
{
    if (!t) {
        if (n) out[0] = '\0';
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    if (what == DATE)
        strftime(out, n, "%Y-%m-%d", &tm);
    else
        strftime(out, n, "%Y-%m-%d %H:%M", &tm);
}

/* The clerk's display name for a login ("" stays ""; unknown: the login). */
static void clerk_name(rk_ledger *l, const char *login, char *out, size_t n)
{
    rk_clerk c;
    if (!login[0]) {
        snprintf(out, n, "%s", "");
        return;
    }
    if (rk_clerk_get(l->db, login, &c) == 0 && c.name[0])
        snprintf(out, n, "%s", c.name);
    else
        snprintf(out, n, "%s", login);
}

static const char *pay_method_zh(const char *m)
{
    static const char *const t[][2] = {{"cash", "现金"},
                                       {"wechat", "微信"},
                                       {"alipay", "支付宝"},
                                       {"card", "银行卡"},
                                       {"transfer", "对公转账"}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(m, t[i][0])) return t[i][1];
    return m;
}

static const char *cert_kind_zh(const char *k)
{
    static const char *const t[][2] = {{"individual", "个人证书"},
                                       {"organisation", "单位证书"},
                                       {"orgperson", "单位员工证书"},
                                       {"server", "服务器证书"}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(k, t[i][0])) return t[i][1];
    return k;
}

static const char *subscriber_zh(const char *k)
{
    if (!strcmp(k, "individual")) return "个人";
    if (!strcmp(k, "organisation")) return "单位";
    if (!strcmp(k, "server")) return "服务器";
    return k;
}

/* Reads orders.fee_lines of the order into lines. */
static int read_fee_lines(rk_ledger *l, int64_t id, rk_feeline *lines, int *n)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(l->db, &st, "SELECT fee_lines FROM orders WHERE id = ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = rk_db_fail(l->db, "cannot read the order's fee lines");
        sqlite3_finalize(st);
        return rc;
    }
    const char *text = (const char *)sqlite3_column_text(st, 0);
    size_t len = (size_t)sqlite3_column_bytes(st, 0);
    rc = rk_feelines_parse(lines, n, text ? text : "[]", text ? len : 2);
    sqlite3_finalize(st);
    return rc;
}

static int load(rk_ledger *l, const char *ref, rk_order **out)
{
    rk_order *o = calloc(1, sizeof *o);
    if (!o) {
        rk_err_oom();
        return RK_ENOMEM; /* a constant, so the compiler sees *out is set on 0 */
    }
    int rc = rk_order_get(l, ref, o);
    if (rc) {
        free(o);
        return rc;
    }
    *out = o;
    return 0;
}

static void drop(rk_order *o)
{
    if (!o) return;
    rk_wipe(o, sizeof *o);
    free(o);
}

int rk_orderprint_receipt(rk_ledger *l, const char *ref, rk_receipt *r)
{
    rk_feeline lines[RK_FEELINES_MAX];
    rk_order *o = NULL;
    rk_form form;
    int n = 0, rc;
    int64_t sum = 0;

    memset(r, 0, sizeof *r);
    if ((rc = load(l, ref, &o)) != 0) return rc;
    if (!strcmp(o->state, "draft") || !strcmp(o->state, "cancelled")) {
        rc = rk_err_set(RK_ESTATE, "order %s is %s: it has no receipt (submit it first)", o->ref,
                        rk_state_label(o->state, 0));
        goto out;
    }
    if ((rc = read_fee_lines(l, o->id, lines, &n)) != 0 ||
        (rc = rk_feelines_total(lines, n, &sum)) != 0) {
        rk_err_wrap(rc, "order %s", o->ref);
        goto out;
    }
    if (sum != o->fee_total) {
        rc = rk_err_set(RK_EFORMAT,
                        "order %s: its fee lines add up to %" PRId64
                        " fen but its total is %" PRId64 " fen",
                        o->ref, sum, o->fee_total);
        goto out;
    }
    if (n > RK_RECEIPT_MAX_FEES) n = RK_RECEIPT_MAX_FEES; /* equal today (16) */
    rk_utf8_copy(r->branch_name, sizeof r->branch_name, l->conf->branch_name);
    rk_utf8_copy(r->branch_id, sizeof r->branch_id, l->conf->branch_id);
    rk_utf8_copy(r->order_ref, sizeof r->order_ref, o->ref);
    rk_utf8_copy(r->business, sizeof r->business, rk_business_label(o->business, 1));
    rk_utf8_copy(r->subscriber, sizeof r->subscriber, o->subject_name);
    if (rk_forms_compose(l->forms, o->subscriber, o->business, &form) == 0 && form.id_field) {
        const char *id = rk_order_value(o, form.id_field);
        rk_utf8_copy(r->id_number, sizeof r->id_number, id ? id : "");
    }
    for (int i = 0; i < n; i++) {
        rk_utf8_copy(r->fees[i].label, sizeof r->fees[i].label, lines[i].label);
        r->fees[i].fen = lines[i].fen;
    }
    r->n_fees = n;
    r->total_fen = sum;
    r->paid = o->paid_at != 0 || sum == 0;
    if (o->paid_at)
        rk_utf8_copy(r->payment_method, sizeof r->payment_method, pay_method_zh(o->pay_method));
    else if (sum == 0)
        snprintf(r->payment_method, sizeof r->payment_method, "免费");
    clerk_name(l, o->entered_by[0] ? o->entered_by : o->created_by, r->clerk, sizeof r->clerk);
    local_time(r->promised, sizeof r->promised, o->due_at, DATE);
    local_time(r->printed_at, sizeof r->printed_at,
               o->submitted_at ? o->submitted_at : o->created_at, DATE_TIME);
    rk_receipt_track_payload(r->track_qr, sizeof r->track_qr, r->branch_id, o->ref);
    if (!r->paid && !strcmp(o->state, "approved"))
        rk_orderprint_pay_payload(r->pay_qr, sizeof r->pay_qr, r->branch_id, o->ref, sum);
    rc = 0;
out:
    drop(o);
    return rc;
}

/* A stored value as the form shows it: choices in Chinese. */
static void form_value(char *out, size_t n, const char *name, const char *v)
{
    const char *t = v;
    if (!strcmp(name, "invoice_type")) {
        const char *zh = rk_fees_invoice_label(v, "zh");
        if (zh) t = zh;
    } else if (!strcmp(name, "delivery")) {
        t = !strcmp(v, "pickup") ? "自取" : !strcmp(v, "mail") ? "邮寄" : v;
    } else if (!strcmp(name, "user_caused")) {
        t = !strcmp(v, "yes") ? "是" : !strcmp(v, "no") ? "否" : v;
    }
    snprintf(out, n, "%s", t);
}

int rk_orderprint_form(rk_ledger *l, const char *ref, rk_a4_form *f)
{
    rk_order *o = NULL;
    rk_form form;
    int rc;

    memset(f, 0, sizeof *f);
    if ((rc = load(l, ref, &o)) != 0) return rc;
    if ((rc = rk_forms_compose(l->forms, o->subscriber, o->business, &form)) != 0) goto out;
    rk_utf8_copy(f->branch_name, sizeof f->branch_name, l->conf->branch_name);
    rk_utf8_copy(f->order_ref, sizeof f->order_ref, o->ref);
    rk_utf8_copy(f->operation, sizeof f->operation, rk_business_label(o->business, 1));
    rk_utf8_copy(f->category, sizeof f->category, cert_kind_zh(o->cert_kind));
    rk_utf8_copy(f->subscriber_kind, sizeof f->subscriber_kind, subscriber_zh(o->subscriber));
    for (int i = 0; i < form.n_fields && f->n_fields < RK_A4_MAX_ROWS; i++) {
        const rk_field_def *d = form.fields[i].def;
        const char *v = rk_order_value(o, d->name);
        rk_a4_pair *p = &f->fields[f->n_fields++];
        rk_utf8_copy(p->label, sizeof p->label, d->label_zh);
        form_value(p->value, sizeof p->value, d->name, v ? v : "");
    }
    local_time(f->date, sizeof f->date, rk_clock_now(), DATE);
out:
    drop(o);
    return rc;
}

int rk_orderprint_record(rk_ledger *l, const char *ref, rk_a4_record *rec)
{
    sqlite3_stmt *st;
    rk_order *o = NULL;
    int rc;

    memset(rec, 0, sizeof *rec);
    if ((rc = load(l, ref, &o)) != 0) return rc;
    rc = rk_db_prepare(l->db, &st,
                       "SELECT t.completed_at, t.summary, (SELECT key_serial FROM certificate c "
                       "WHERE c.order_id = t.order_id ORDER BY c.id LIMIT 1) "
                       "FROM task_record t WHERE t.order_id = ?");
    if (rc) goto out;
    sqlite3_bind_int64(st, 1, o->id);
    int s = sqlite3_step(st);
    if (s != SQLITE_ROW) {
        rc = s == SQLITE_DONE ? rk_err_set(RK_ESTATE,
                                           "order %s has no task-completion record yet (it is "
                                           "written when the order is delivered)",
                                           o->ref)
                              : rk_db_fail(l->db, "cannot read the task-completion record");
        sqlite3_finalize(st);
        goto out;
    }
    local_time(rec->completed_at, sizeof rec->completed_at, sqlite3_column_int64(st, 0), DATE_TIME);
    const unsigned char *summary = sqlite3_column_text(st, 1);
    rk_utf8_copy(rec->notes, sizeof rec->notes, summary ? (const char *)summary : "");
    const unsigned char *ks = sqlite3_column_text(st, 2);
    const char *kf = rk_order_value(o, "key_serial");
    rk_utf8_copy(rec->key_serial, sizeof rec->key_serial, ks ? (const char *)ks : kf ? kf : "");
    sqlite3_finalize(st);

    const char *v;
    rk_utf8_copy(rec->branch_name, sizeof rec->branch_name, l->conf->branch_name);
    rk_utf8_copy(rec->order_ref, sizeof rec->order_ref, o->ref);
    rk_utf8_copy(rec->enterprise, sizeof rec->enterprise, o->subject_name);
    if (!strcmp(o->subscriber, "individual")) {
        /* A person: their name and their (masked) identity number. */
        snprintf(rec->subject_label, sizeof rec->subject_label, "申请人姓名");
        snprintf(rec->code_label, sizeof rec->code_label, "证件号码");
        v = rk_order_value(o, "applicant_id");
        if (v) rk_mask(rec->credit_code, sizeof rec->credit_code, "id", v);
    } else {
        v = rk_order_value(o, "uscc");
        rk_utf8_copy(rec->credit_code, sizeof rec->credit_code, v ? v : "");
    }
    v = rk_order_value(o, "ssn");
    rk_utf8_copy(rec->social_security_no, sizeof rec->social_security_no, v ? v : "");
    rk_utf8_copy(rec->operation, sizeof rec->operation, rk_business_label(o->business, 1));
    /* The certificates the order produced; else the one it acted on. */
    rk_certreg_cert certs[4];
    int nc = 0;
    if ((rc = rk_certreg_of_order(certs, 4, &nc, l, o->id)) != 0) goto out;
    for (int i = 0; i < nc; i++) {
        size_t used = strlen(rec->cert_serial);
        snprintf(rec->cert_serial + used, sizeof rec->cert_serial - used, "%s%s（%s）",
                 i ? "，" : "", certs[i].serial, !strcmp(certs[i].usage, "enc") ? "加密" : "签名");
    }
    if (nc == 0) rk_utf8_copy(rec->cert_serial, sizeof rec->cert_serial, o->cert_serial);
    local_time(rec->received_at, sizeof rec->received_at,
               o->submitted_at ? o->submitted_at : o->created_at, DATE_TIME);
    clerk_name(l, o->entered_by, rec->entry_clerk, sizeof rec->entry_clerk);
    clerk_name(l, o->reviewed_by, rec->reviewer, sizeof rec->reviewer);
    clerk_name(l, o->issued_by, rec->issuer, sizeof rec->issuer);
    rk_utf8_copy(rec->result, sizeof rec->result, rk_state_label(o->state, 1));
    rc = 0;
out:
    drop(o);
    return rc;
}

int rk_orderprint_audit(rk_ledger *l, const rk_actor *by, const char *ref, const char *action,
                        const char *detail)
{
    static const struct {
        unsigned role;
        const char *name;
    } roles[] = {{RK_ROLE_ENTRY, "entry"},
                 {RK_ROLE_ISSUE, "issue"},
                 {RK_ROLE_REVIEW, "review"},
                 {RK_ROLE_ARCHIVE, "archive"},
                 {RK_ROLE_SUPERVISOR, "supervisor"}};
    const char *role = "system";
    rk_order *o = NULL;
    int rc;

    if (by->clerk_id)
        for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
            if (by->roles & roles[i].role) {
                role = roles[i].name;
                break;
            }
    if ((rc = load(l, ref, &o)) != 0) return rc;
    rk_record r = {.actor = by->clerk_id ? by->login : NULL,
                   .role = role,
                   .action = action,
                   .order_id = o->uuid,
                   .detail = detail};
    rc = rk_record_once(l->db, &r);
    drop(o);
    return rc;
}
