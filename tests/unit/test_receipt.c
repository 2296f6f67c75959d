/*
 * Unit tests of the receipt layout: what the virtual printer's interpreter
 * reads back from an encoded receipt (masked ID, amounts, payment state, QR
 * codes, the footnote for characters the printer lacks), that no line is
 * wider than the paper on 58 and 80 mm, and that inconsistent input is
 * refused.
 */
#include "test.h"

#include "print/escpos.h"
#include "print/escview.h"
#include "print/receipt.h"
#include "util/err.h"

/* Encodes r on paper mm wide and interprets it back. */
static rk_escview *roundtrip(const rk_receipt *r, int mm, int *replaced)
{
    rk_escpos e;
    rk_escview *v = NULL;
    CHECK_INT(rk_escpos_init(&e, mm, 1 << 20), 0);
    int rc = rk_receipt_encode(&e, r);
    CHECK_INT(rc, 0);
    if (!rc) CHECK_INT(rk_escview_parse(&v, (uint8_t *)e.out.data, e.out.len), 0);
    if (replaced) *replaced = e.n_replaced;
    rk_escpos_free(&e);
    return v;
}

static int count(const rk_escview *v, enum rk_escview_kind kind)
{
    int n = 0;
    for (int i = 0; i < v->n_items; i++)
        n += v->items[i].kind == kind;
    return n;
}

/* The widest text line in printer columns (ASCII 1, others 2, times width). */
static int widest(const rk_escview *v)
{
    int max = 0;
    for (int i = 0; i < v->n_items; i++) {
        int cols = 0;
        for (int k = 0; k < v->items[i].n_runs; k++) {
            const char *t = v->items[i].runs[k].text;
            size_t len = strlen(t), at = 0;
            while (at < len) {
                uint32_t cp;
                int n = rk_escpos_utf8_get(t + at, len - at, &cp);
                at += n > 0 ? (size_t)n : 1;
                cols += (cp < 0x80 ? 1 : 2) * v->items[i].runs[k].wmul;
            }
        }
        if (cols > max) max = cols;
    }
    return max;
}

static void test_sample(void)
{
    rk_receipt r;
    int replaced;
    rk_receipt_sample(&r);
    rk_escview *v = roundtrip(&r, 80, &replaced);
    if (!v) return;
    const char *t = v->text.data;
    CHECK(strstr(t, "演示受理点\n") != NULL);
    CHECK(strstr(t, "DEMO01-20240513-0042") != NULL);
    CHECK(strstr(t, "社保数字证书 新办") != NULL);
    CHECK(strstr(t, "110105********1234") != NULL);
    CHECK(strstr(t, "110105199003071234") == NULL); /* never the full ID number */
    CHECK(strstr(t, "￥300.00") != NULL);
    CHECK(strstr(t, "-￥20.50") != NULL);
    CHECK(strstr(t, "￥359.50") != NULL);
    CHECK(strstr(t, "待支付") != NULL);
    CHECK(strstr(t, "经办人王□") != NULL); /* 䶮 is not in GBK */
    CHECK(strstr(t, "U+4DAE") != NULL);    /* and the footnote says which one */
    CHECK_INT(replaced, 1);
    CHECK(strstr(t, "2024-05-20") != NULL);
    CHECK_INT(count(v, RK_ESCVIEW_IMAGE), 2); /* tracking and payment QR codes */
    CHECK_INT(v->cuts, 1);
    CHECK_INT(v->unknown, 0);
    CHECK(widest(v) <= RK_ESCPOS_80MM_COLS);
    CHECK_INT(v->items[0].align, 1);
    CHECK_INT(v->items[0].runs[0].wmul, 2);
    rk_escview_free(v);

    v = roundtrip(&r, 58, NULL);
    if (!v) return;
    CHECK(widest(v) <= RK_ESCPOS_58MM_COLS);
    for (int i = 0; i < v->n_items; i++)
        if (v->items[i].kind == RK_ESCVIEW_IMAGE) CHECK(v->items[i].width <= 384);
    rk_escview_free(v);
}

static void test_paid(void)
{
    rk_receipt r;
    rk_receipt_sample(&r);
    r.paid = 1;
    snprintf(r.payment_method, sizeof r.payment_method, "微信");
    snprintf(r.subscriber, sizeof r.subscriber, "北京如意科技有限公司");
    int replaced;
    rk_escview *v = roundtrip(&r, 58, &replaced);
    if (!v) return;
    CHECK(strstr(v->text.data, "已支付 (微信)") != NULL);
    CHECK(strstr(v->text.data, "待支付") == NULL);
    CHECK_INT(count(v, RK_ESCVIEW_IMAGE), 1); /* no payment QR once paid */
    CHECK_INT(replaced, 0);
    CHECK(strstr(v->text.data, "缺字") == NULL);
    rk_escview_free(v);
}

static void test_long_values(void)
{
    rk_receipt r;
    rk_receipt_sample(&r);
    /* a value too long to share the line with its label goes on its own line */
    snprintf(r.subscriber, sizeof r.subscriber, "北京市朝阳区某某某某某科技发展有限责任公司");
    rk_escview *v = roundtrip(&r, 58, NULL);
    if (!v) return;
    CHECK(widest(v) <= RK_ESCPOS_58MM_COLS);
    CHECK(strstr(v->text.data, "申请单位/人\n") != NULL);
    rk_escview_free(v);
}

static void test_refused(void)
{
    rk_receipt r;
    rk_escpos e;
    rk_receipt_sample(&r);
    r.total_fen += 1;
    CHECK_INT(rk_escpos_init(&e, 80, 1 << 20), 0);
    CHECK_INT(rk_receipt_encode(&e, &r), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "sum") != NULL);
    CHECK_INT(e.out.len, 0);
    rk_receipt_sample(&r);
    r.order_ref[0] = 0;
    CHECK_INT(rk_receipt_encode(&e, &r), RK_EINVAL);
    rk_receipt_sample(&r);
    r.n_fees = RK_RECEIPT_MAX_FEES + 1;
    CHECK_INT(rk_receipt_encode(&e, &r), RK_EINVAL);
    rk_escpos_free(&e);

    char p[64];
    rk_receipt_track_payload(p, sizeof p, "BJ01", "BJ01-20240513-0001");
    CHECK_STR(p, "RAK1:BJ01:BJ01-20240513-0001");
}

int main(void)
{
    test_sample();
    test_paid();
    test_long_values();
    test_refused();
    return rk_test_done();
}
