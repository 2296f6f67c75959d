/*
 * Payment reconciliation's sorting (see recon.h): each statement line
 * becomes one item, and each order the day touched without a line of its
 * own may become one more; nothing is counted twice.
 */
#include "domain/recon.h"

#include "domain/dayclose.h"
#include "domain/order.h"
#include "util/err.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[RK_RECON_KINDS] = {
    "",
    "matched",
    "paid_not_issued",
    "issued_not_paid",
    "amount_mismatch",
    "unknown_payment",
    "refund_matched",
    "refund_unrecorded",
    "refund_missing",
    "refund_mismatch",
};

static const char *const labels[RK_RECON_KINDS] = {
    "",         "已核对",     "已收款未发放", "已发放未收款", "金额不符",
    "未知收款", "退款已核对", "退款未登记",   "退款未入账单", "退款金额不符",
};

const char *rk_recon_kind_name(int kind)
{
    return kind > 0 && kind < RK_RECON_KINDS ? names[kind] : "?";
}

const char *rk_recon_kind_label(int kind)
{
    return kind > 0 && kind < RK_RECON_KINDS ? labels[kind] : "?";
}

int rk_recon_is_difference(int kind)
{
    return kind > 0 && kind < RK_RECON_KINDS && kind != RK_RECON_MATCHED &&
           kind != RK_RECON_REFUND_MATCHED;
}

void rk_recon_free(rk_recon *r)
{
    if (!r) return;
    free(r->items);
    r->items = NULL;
    r->n = 0;
}

/* 1 once the order has been issued: issued, delivered or archived. */
static int issued(const rk_recon_order *o)
{
    return !strcmp(o->state, "issued") || !strcmp(o->state, "delivered") ||
           !strcmp(o->state, "archived");
}

static int provider_of(const char *method)
{
    return rk_stmt_provider(method);
}

typedef struct items {
    rk_recon *r;
    int cap;
} items;

static rk_recon_item *add(items *it, int kind)
{
    if (it->r->n == it->cap) {
        int cap = it->cap ? it->cap * 2 : 32;
        rk_recon_item *n = realloc(it->r->items, (size_t)cap * sizeof *n);
        if (!n) return NULL;
        it->r->items = n;
        it->cap = cap;
    }
    rk_recon_item *x = &it->r->items[it->r->n++];
    memset(x, 0, sizeof *x);
    x->kind = kind;
    it->r->count[kind]++;
    return x;
}

static void from_order(rk_recon_item *x, const rk_recon_order *o)
{
    rk_utf8_copy(x->branch, sizeof x->branch, o->branch);
    rk_utf8_copy(x->ref, sizeof x->ref, o->ref);
    rk_utf8_copy(x->uuid, sizeof x->uuid, o->uuid);
    rk_utf8_copy(x->state, sizeof x->state, o->state);
}

static void from_line(rk_recon_item *x, const rk_recon_line *l)
{
    x->provider = l->provider;
    rk_utf8_copy(x->merchant_ref, sizeof x->merchant_ref, l->l.merchant_ref);
    rk_utf8_copy(x->txn, sizeof x->txn, l->l.txn);
    rk_utf8_copy(x->branch, sizeof x->branch, l->branch);
    x->statement_fen = l->l.fen;
    x->at = l->l.at;
    x->line = l->l.line;
}

static void yuan(char *out, size_t n, int64_t fen)
{
    snprintf(out, n, "%s%lld.%02lld", fen < 0 ? "-" : "", (long long)(fen < 0 ? -fen : fen) / 100,
             (long long)(fen < 0 ? -fen : fen) % 100);
}

/* The supervisor reads the notes: an order's state and a payment method
 * in Chinese, as the daily close names them ("已缴费", "微信"). */
static const char *state_zh(const char *state)
{
    return rk_state_label(state, 1);
}

static const char *method_zh(const char *method)
{
    return method && method[0] ? rk_day_method_label(method, 1) : "—";
}

static int pay_line(items *it, const rk_recon_line *l, rk_recon_order *orders)
{
    rk_recon_order *o = l->order >= 0 ? &orders[l->order] : NULL;
    int kind;
    char note[128] = "", a[32];
    if (!o) {
        kind = RK_RECON_UNKNOWN_PAYMENT;
        rk_utf8_copy(note, sizeof note, l->note);
    } else if (o->pay_lines++) {
        kind = RK_RECON_AMOUNT_MISMATCH;
        snprintf(note, sizeof note, "同一订单的又一笔收款");
    } else if (!issued(o) && !(!strcmp(o->state, "cancelled") && o->refund_fen)) {
        kind = RK_RECON_PAID_NOT_ISSUED;
        if (o->paid_fen) {
            yuan(a, sizeof a, o->paid_fen);
            snprintf(note, sizeof note, "订单%s，受理点登记%s收款 %s 元", state_zh(o->state),
                     method_zh(o->pay_method), a);
        } else
            snprintf(note, sizeof note, "订单%s，受理点未登记收款", state_zh(o->state));
    } else if (provider_of(o->pay_method) == l->provider && o->paid_fen == l->l.fen) {
        kind = RK_RECON_MATCHED;
    } else {
        kind = RK_RECON_AMOUNT_MISMATCH;
        yuan(a, sizeof a, o->paid_fen);
        if (o->pay_method[0])
            snprintf(note, sizeof note, "受理点登记%s收款 %s 元", method_zh(o->pay_method), a);
        else
            snprintf(note, sizeof note, "受理点未登记收款");
    }
    rk_recon_item *x = add(it, kind);
    if (!x) return rk_err_oom();
    if (o) {
        from_order(x, o);
        x->branch_fen = provider_of(o->pay_method) == l->provider ? o->paid_fen : 0;
        rk_utf8_copy(x->method, sizeof x->method, o->pay_method);
    }
    from_line(x, l);
    if (o) rk_utf8_copy(x->branch, sizeof x->branch, o->branch);
    rk_utf8_copy(x->note, sizeof x->note, note);
    return 0;
}

static int refund_line(items *it, const rk_recon_line *l, rk_recon_order *orders)
{
    rk_recon_order *o = l->order >= 0 ? &orders[l->order] : NULL;
    int kind;
    char note[128] = "", a[32];
    if (!o) {
        kind = RK_RECON_REFUND_UNRECORDED;
        rk_utf8_copy(note, sizeof note, l->note);
    } else if (o->refund_lines++) {
        kind = RK_RECON_REFUND_MISMATCH;
        snprintf(note, sizeof note, "同一订单的又一笔退款");
    } else if (!o->refund_fen) {
        kind = RK_RECON_REFUND_UNRECORDED;
        snprintf(note, sizeof note, "订单%s，受理点未登记退款", state_zh(o->state));
    } else if (provider_of(o->refund_method) == l->provider && o->refund_fen == l->l.fen) {
        kind = RK_RECON_REFUND_MATCHED;
    } else {
        kind = RK_RECON_REFUND_MISMATCH;
        yuan(a, sizeof a, o->refund_fen);
        snprintf(note, sizeof note, "受理点登记%s退款 %s 元", method_zh(o->refund_method), a);
    }
    rk_recon_item *x = add(it, kind);
    if (!x) return rk_err_oom();
    if (o) {
        from_order(x, o);
        x->branch_fen = provider_of(o->refund_method) == l->provider ? o->refund_fen : 0;
        rk_utf8_copy(x->method, sizeof x->method, o->refund_method);
    }
    from_line(x, l);
    if (o) rk_utf8_copy(x->branch, sizeof x->branch, o->branch);
    rk_utf8_copy(x->note, sizeof x->note, note);
    return 0;
}

static int cmp_item(const void *a, const void *b)
{
    const rk_recon_item *x = a, *y = b;
    int c = x->kind - y->kind;
    if (!c) c = strcmp(x->branch, y->branch);
    if (!c) c = strcmp(x->ref, y->ref);
    if (!c) c = strcmp(x->merchant_ref, y->merchant_ref);
    if (!c) c = x->provider - y->provider;
    return c ? c : x->line - y->line;
}

int rk_recon_match(rk_recon *out, const rk_recon_line *lines, int nl, rk_recon_order *orders,
                   int no)
{
    items it = {out, 0};
    int rc = 0;
    out->items = NULL;
    out->n = 0;
    memset(out->count, 0, sizeof out->count);
    out->statement_paid = out->statement_refunded = 0;
    out->lines = nl;
    for (int i = 0; i < no; i++)
        orders[i].pay_lines = orders[i].refund_lines = 0;
    for (int i = 0; !rc && i < nl; i++) {
        if (lines[i].l.kind == RK_STMT_PAY) {
            out->statement_paid += lines[i].l.fen;
            rc = pay_line(&it, &lines[i], orders);
        } else {
            out->statement_refunded += lines[i].l.fen;
            rc = refund_line(&it, &lines[i], orders);
        }
    }
    for (int i = 0; !rc && i < no; i++) {
        rk_recon_order *o = &orders[i];
        int pp = provider_of(o->pay_method), rp = provider_of(o->refund_method);
        rk_recon_item *x = NULL;
        char a[32];
        if (!o->pay_lines &&
            ((o->paid_on_day && pp) || (o->issued_on_day && o->fee_total > 0 && !o->paid_fen))) {
            if (!(x = add(&it, RK_RECON_ISSUED_NOT_PAID))) rc = rk_err_oom();
            if (x) {
                from_order(x, o);
                x->provider = pp;
                x->branch_fen = o->paid_fen;
                rk_utf8_copy(x->method, sizeof x->method, o->pay_method);
                yuan(a, sizeof a, o->fee_total);
                if (o->paid_fen)
                    snprintf(x->note, sizeof x->note, "订单%s，受理点登记%s收款，账单中没有",
                             state_zh(o->state), method_zh(o->pay_method));
                else
                    snprintf(x->note, sizeof x->note, "已办结，从未登记收款（应收 %s 元）", a);
            }
        }
        if (!rc && !o->refund_lines && o->refunded_on_day && o->refund_fen && rp) {
            if (!(x = add(&it, RK_RECON_REFUND_MISSING))) rc = rk_err_oom();
            if (x) {
                from_order(x, o);
                x->provider = rp;
                x->branch_fen = o->refund_fen;
                rk_utf8_copy(x->method, sizeof x->method, o->refund_method);
                snprintf(x->note, sizeof x->note, "受理点登记%s退款，账单中没有",
                         method_zh(o->refund_method));
            }
        }
    }
    if (rc) {
        rk_recon_free(out);
        return rc;
    }
    if (out->n) qsort(out->items, (size_t)out->n, sizeof *out->items, cmp_item);
    return 0;
}
