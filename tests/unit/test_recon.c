/*
 * Payment reconciliation's sorting (domain/recon.h) on hand-made lines and
 * orders: each kind, a line's order counted once, a second payment, a
 * payment by another method than the one recorded, an issued order never
 * paid, a refund by another amount; nothing reported twice.
 */
#include "test.h"

#include "domain/recon.h"

static rk_recon_order order(const char *ref, const char *state, const char *method, int64_t paid)
{
    rk_recon_order o;
    memset(&o, 0, sizeof o);
    snprintf(o.branch, sizeof o.branch, "B1");
    snprintf(o.uuid, sizeof o.uuid, "uuid-%s", ref);
    snprintf(o.ref, sizeof o.ref, "%s", ref);
    snprintf(o.state, sizeof o.state, "%s", state);
    snprintf(o.pay_method, sizeof o.pay_method, "%s", method);
    o.fee_total = 18000;
    o.paid_fen = paid;
    return o;
}

static rk_recon_line line(int provider, int kind, int ord, int64_t fen, int n)
{
    rk_recon_line l;
    memset(&l, 0, sizeof l);
    l.provider = provider;
    l.l.kind = kind;
    l.l.fen = fen;
    l.l.line = n;
    l.l.at = 1772416800;
    snprintf(l.l.txn, sizeof l.l.txn, "T%d", n);
    snprintf(l.l.merchant_ref, sizeof l.l.merchant_ref, "M%d", n);
    l.order = ord;
    return l;
}

static int kind_of(const rk_recon *r, const char *ref, int provider_kind_line)
{
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->items[i].ref, ref) && r->items[i].line == provider_kind_line)
            return r->items[i].kind;
    return 0;
}

/* The note of the item of ref and line ("" when none). */
static const char *note_of(const rk_recon *r, const char *ref, int line)
{
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->items[i].ref, ref) && r->items[i].line == line) return r->items[i].note;
    return "";
}

static void test_kinds(void)
{
    const int W = RK_STMT_WECHAT, A = RK_STMT_ALIPAY, P = RK_STMT_PAY, R = RK_STMT_REFUND;
    rk_recon_order o[9];
    o[0] = order("r0", "issued", "wechat", 18000);    /* matched */
    o[1] = order("r1", "paid", "alipay", 18000);      /* paid, not issued */
    o[2] = order("r2", "delivered", "wechat", 18000); /* no line: issued, not paid */
    o[2].paid_on_day = 1;
    o[3] = order("r3", "issued", "cash", 18000);   /* a WeChat line: another method */
    o[4] = order("r4", "issued", "wechat", 18000); /* two lines: the second one differs */
    o[5] = order("r5", "issued", "", 0);           /* issued, never paid */
    o[5].issued_on_day = 1;
    o[6] = order("r6", "cancelled", "alipay", 18000); /* refund matched */
    o[6].refund_fen = 18000;
    snprintf(o[6].refund_method, sizeof o[6].refund_method, "alipay");
    o[7] = order("r7", "cancelled", "wechat", 18000); /* refund missing, refund by another amount */
    o[7].refund_fen = 18000;
    o[7].refunded_on_day = 1;
    snprintf(o[7].refund_method, sizeof o[7].refund_method, "wechat");
    o[8] = order("r8", "cancelled", "wechat", 18000);
    o[8].refund_fen = 18000;
    snprintf(o[8].refund_method, sizeof o[8].refund_method, "wechat");
    rk_recon_line l[] = {
        line(W, P, 0, 18000, 1),  line(A, P, 1, 18000, 2), line(W, P, 3, 18000, 3),
        line(W, P, 4, 18000, 4),  line(W, P, 4, 18000, 5), line(W, P, -1, 500, 6),
        line(A, P, 6, 18000, 7),  line(A, R, 6, 18000, 8), line(W, P, 7, 18000, 9),
        line(W, P, 8, 18000, 10), line(W, R, 8, 9000, 11), line(A, R, 0, 100, 12),
    };
    rk_recon r;
    memset(&r, 0, sizeof r);
    CHECK_INT(rk_recon_match(&r, l, (int)(sizeof l / sizeof *l), o, 9), 0);
    CHECK_INT(kind_of(&r, "r0", 1), RK_RECON_MATCHED);
    CHECK_INT(kind_of(&r, "r1", 2), RK_RECON_PAID_NOT_ISSUED);
    CHECK_INT(kind_of(&r, "r2", 0), RK_RECON_ISSUED_NOT_PAID);
    CHECK_INT(kind_of(&r, "r3", 3), RK_RECON_AMOUNT_MISMATCH);
    CHECK_INT(kind_of(&r, "r4", 4), RK_RECON_MATCHED);
    CHECK_INT(kind_of(&r, "r4", 5), RK_RECON_AMOUNT_MISMATCH);
    CHECK_INT(kind_of(&r, "", 6), RK_RECON_UNKNOWN_PAYMENT);
    CHECK_INT(kind_of(&r, "r5", 0), RK_RECON_ISSUED_NOT_PAID);
    CHECK_INT(kind_of(&r, "r6", 7), RK_RECON_MATCHED);
    CHECK_INT(kind_of(&r, "r6", 8), RK_RECON_REFUND_MATCHED);
    CHECK_INT(kind_of(&r, "r7", 9), RK_RECON_MATCHED);
    CHECK_INT(kind_of(&r, "r7", 0), RK_RECON_REFUND_MISSING);
    CHECK_INT(kind_of(&r, "r8", 11), RK_RECON_REFUND_MISMATCH);
    CHECK_INT(kind_of(&r, "r0", 12), RK_RECON_REFUND_UNRECORDED);
    /* 12 lines and 3 orders without a line of their own, nothing twice */
    CHECK_INT(r.n, 15);
    CHECK_INT(r.count[RK_RECON_MATCHED], 5);
    CHECK_INT(r.count[RK_RECON_AMOUNT_MISMATCH], 2);
    CHECK_INT(r.count[RK_RECON_ISSUED_NOT_PAID], 2);
    CHECK_INT(r.statement_paid, 8 * 18000 + 500);
    CHECK_INT(r.statement_refunded, 18000 + 9000 + 100);
    /* the notes are the supervisor's: Chinese, states and methods as the
     * daily close names them */
    CHECK_STR(note_of(&r, "r3", 3), "受理点登记现金收款 180.00 元");
    CHECK_STR(note_of(&r, "r4", 5), "同一订单的又一笔收款");
    CHECK_STR(note_of(&r, "r7", 0), "受理点登记微信退款，账单中没有");
    CHECK_STR(note_of(&r, "r8", 11), "受理点登记微信退款 180.00 元");
    CHECK_STR(note_of(&r, "r0", 12), "订单已办结，受理点未登记退款");
    /* sorted by kind */
    for (int i = 1; i < r.n; i++)
        CHECK(r.items[i - 1].kind <= r.items[i].kind);
    CHECK_STR(rk_recon_kind_name(RK_RECON_REFUND_MISSING), "refund_missing");
    CHECK(!rk_recon_is_difference(RK_RECON_REFUND_MATCHED));
    CHECK(rk_recon_is_difference(RK_RECON_UNKNOWN_PAYMENT));
    rk_recon_free(&r);
    /* nothing in, nothing out */
    CHECK_INT(rk_recon_match(&r, NULL, 0, NULL, 0), 0);
    CHECK_INT(r.n, 0);
    rk_recon_free(&r);
}

int main(void)
{
    test_kinds();
    return rk_test_done();
}
