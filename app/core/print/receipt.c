/*
 * Receipt layout (see receipt.h). Columns are counted as the printer counts
 * them: an ASCII character takes one, a Chinese character two, and double
 * width doubles both.
 */
#include "receipt.h"

#include "util/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void rk_receipt_mask_id(char *out, size_t n, const char *id)
{
    size_t len = strlen(id), at = 0;
    if (n == 0) return;
    for (size_t i = 0; i < len && at + 1 < n; i++) {
        int keep = len > 10 && (i < 6 || i >= len - 4);
        out[at++] = keep ? id[i] : '*';
    }
    out[at] = 0;
}

void rk_receipt_money(char *out, size_t n, int64_t fen)
{
    uint64_t a = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    snprintf(out, n, "%s\xef\xbf\xa5%" PRIu64 ".%02u", fen < 0 ? "-" : "", a / 100,
             (unsigned)(a % 100));
}

void rk_receipt_track_payload(char *out, size_t n, const char *branch_id, const char *ref)
{
    snprintf(out, n, "RAK1:%s:%s", branch_id, ref);
}

/* Writes text in lines of at most e->columns columns, breaking between
 * characters (a printer would break a Chinese character in half). */
static void wrapped(rk_escpos *e, const char *text)
{
    char line[512];
    size_t len = strlen(text), at = 0, used = 0;
    int cols = 0;
    while (at < len) {
        uint32_t cp;
        int n = rk_escpos_utf8_get(text + at, len - at, &cp);
        if (n < 0) n = 1;
        char one[8];
        memcpy(one, text + at, (size_t)n);
        one[n] = 0;
        int w = rk_escpos_text_columns(e, one);
        if ((cols + w > e->columns || used + (size_t)n >= sizeof line) && used > 0) {
            line[used] = 0;
            rk_escpos_text(e, line);
            rk_escpos_newline(e);
            used = 0;
            cols = 0;
        }
        memcpy(line + used, one, (size_t)n);
        used += (size_t)n;
        cols += w;
        at += (size_t)n;
    }
    line[used] = 0;
    rk_escpos_text(e, line);
    rk_escpos_newline(e);
}

/* "label ....... value" on one line, value flush right; if both do not fit,
 * the value goes on the next line(s), flush right when it fits one. */
static void pair(rk_escpos *e, const char *label, const char *value)
{
    int lc = rk_escpos_text_columns(e, label), vc = rk_escpos_text_columns(e, value);
    rk_escpos_align(e, RK_ESCPOS_LEFT);
    rk_escpos_text(e, label);
    if (lc + 1 + vc > e->columns) {
        rk_escpos_newline(e);
        lc = 0;
        if (vc > e->columns) {
            wrapped(e, value);
            return;
        }
    }
    int pad = e->columns - lc - vc;
    char sp[128];
    if (pad < 1) pad = 1;
    if (pad > (int)sizeof sp - 1) pad = (int)sizeof sp - 1;
    memset(sp, ' ', (size_t)pad);
    sp[pad] = 0;
    rk_escpos_text(e, sp);
    rk_escpos_text(e, value);
    rk_escpos_newline(e);
}

static void rule(rk_escpos *e, char c)
{
    char line[128];
    int n = e->columns < (int)sizeof line - 1 ? e->columns : (int)sizeof line - 1;
    memset(line, c, (size_t)n);
    line[n] = 0;
    rk_escpos_align(e, RK_ESCPOS_LEFT);
    rk_escpos_text(e, line);
    rk_escpos_newline(e);
}

int rk_receipt_encode(rk_escpos *e, const rk_receipt *r)
{
    char buf[256];
    int64_t sum = 0;

    if (!r->branch_name[0] || !r->order_ref[0] || !r->business[0])
        return rk_err_set(RK_EINVAL, "a receipt needs the branch name, order reference and "
                                     "business type");
    if (r->n_fees < 0 || r->n_fees > RK_RECEIPT_MAX_FEES)
        return rk_err_set(RK_EINVAL, "a receipt has 0 to %d fee lines, not %d", RK_RECEIPT_MAX_FEES,
                          r->n_fees);
    for (int i = 0; i < r->n_fees; i++)
        sum += r->fees[i].fen;
    if (sum != r->total_fen)
        return rk_err_set(RK_EINVAL,
                          "receipt total %" PRId64 " fen differs from the sum of its fees %" PRId64
                          " fen",
                          r->total_fen, sum);

    rk_escpos_reset(e);
    rk_escpos_chinese(e, 1);
    rk_escpos_align(e, RK_ESCPOS_CENTER);
    rk_escpos_bold(e, 1);
    /* double size when the name fits the paper so, else only double height */
    rk_escpos_size(e, 2 * rk_escpos_text_columns(e, r->branch_name) <= e->columns ? 2 : 1, 2);
    wrapped(e, r->branch_name);
    rk_escpos_size(e, 1, 1);
    rk_escpos_text(e, "业务受理回执");
    rk_escpos_newline(e);
    rk_escpos_bold(e, 0);
    if (r->branch_id[0]) {
        snprintf(buf, sizeof buf, "受理点 %s", r->branch_id);
        rk_escpos_text(e, buf);
        rk_escpos_newline(e);
    }
    rule(e, '-');
    pair(e, "受理单号", r->order_ref);
    pair(e, "业务类型", r->business);
    if (r->subscriber[0]) pair(e, "申请单位/人", r->subscriber);
    if (r->id_number[0]) {
        rk_receipt_mask_id(buf, sizeof buf, r->id_number);
        pair(e, "证件号码", buf);
    }
    if (r->printed_at[0]) pair(e, "受理时间", r->printed_at);
    rule(e, '-');
    for (int i = 0; i < r->n_fees; i++) {
        rk_receipt_money(buf, sizeof buf, r->fees[i].fen);
        pair(e, r->fees[i].label, buf);
    }
    rk_receipt_money(buf, sizeof buf, r->total_fen);
    rk_escpos_bold(e, 1);
    pair(e, "合计", buf);
    rk_escpos_bold(e, 0);
    if (r->paid) {
        snprintf(buf, sizeof buf, "已支付%s%s%s", r->payment_method[0] ? " (" : "",
                 r->payment_method, r->payment_method[0] ? ")" : "");
    } else {
        snprintf(buf, sizeof buf, "待支付");
    }
    pair(e, "支付状态", buf);
    rule(e, '-');
    if (r->clerk[0]) pair(e, "经办人", r->clerk);
    if (r->promised[0]) pair(e, "承诺办结日期", r->promised);

    if (r->track_qr[0]) {
        rk_escpos_feed(e, 1);
        rk_escpos_align(e, RK_ESCPOS_CENTER);
        rk_escpos_text(e, "扫码查询办理进度");
        rk_escpos_newline(e);
        rk_escpos_qr_raster(e, r->track_qr, e->dots >= RK_ESCPOS_80MM_DOTS ? 6 : 5, RK_ESCPOS_QR_M);
    }
    if (!r->paid && r->pay_qr[0]) {
        rk_escpos_feed(e, 1);
        rk_escpos_align(e, RK_ESCPOS_CENTER);
        rk_escpos_bold(e, 1);
        rk_escpos_text(e, "请扫码支付");
        rk_escpos_bold(e, 0);
        rk_escpos_newline(e);
        rk_escpos_qr_raster(e, r->pay_qr, e->dots >= RK_ESCPOS_80MM_DOTS ? 6 : 4, RK_ESCPOS_QR_M);
    }
    if (e->n_replaced > 0) {
        /* tell the reader which characters the printer could not print */
        rk_escpos_align(e, RK_ESCPOS_LEFT);
        char fb[16];
        rk_escpos_fallback_text(e, e->replaced[0], fb, sizeof fb);
        snprintf(buf, sizeof buf, "注: %s 为打印机字库缺字:", fb);
        rk_escpos_text(e, buf);
        for (int i = 0; i < e->n_replaced; i++) {
            snprintf(buf, sizeof buf, " U+%04X", (unsigned)e->replaced[i]);
            rk_escpos_text(e, buf);
        }
        rk_escpos_newline(e);
    }
    rk_escpos_align(e, RK_ESCPOS_CENTER);
    rk_escpos_text(e, "请妥善保管本回执");
    rk_escpos_newline(e);
    rk_escpos_feed(e, 3);
    rk_escpos_cut(e, 1, 0);
    rk_escpos_chinese(e, 0);
    return rk_escpos_finish(e);
}

void rk_receipt_sample(rk_receipt *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->branch_name, sizeof r->branch_name, "演示受理点");
    snprintf(r->branch_id, sizeof r->branch_id, "DEMO01");
    snprintf(r->order_ref, sizeof r->order_ref, "DEMO01-20240513-0042");
    snprintf(r->business, sizeof r->business, "社保数字证书 新办");
    snprintf(r->subscriber, sizeof r->subscriber, "北京如意科技有限公司 经办人王䶮");
    snprintf(r->id_number, sizeof r->id_number, "110105199003071234");
    snprintf(r->fees[0].label, sizeof r->fees[0].label, "证书服务费(1年)");
    r->fees[0].fen = 30000;
    snprintf(r->fees[1].label, sizeof r->fees[1].label, "USB Key 介质费");
    r->fees[1].fen = 8000;
    snprintf(r->fees[2].label, sizeof r->fees[2].label, "优惠");
    r->fees[2].fen = -2050;
    r->n_fees = 3;
    r->total_fen = 35950;
    r->paid = 0;
    snprintf(r->clerk, sizeof r->clerk, "李娜");
    snprintf(r->promised, sizeof r->promised, "2024-05-20");
    snprintf(r->printed_at, sizeof r->printed_at, "2024-05-13 10:42");
    rk_receipt_track_payload(r->track_qr, sizeof r->track_qr, r->branch_id, r->order_ref);
    snprintf(r->pay_qr, sizeof r->pay_qr,
             "https://pay.example.cn/hq/DEMO01-20240513-0042?amt=35950");
}
