/*
 * The reconciliation report as an Excel workbook (libxlsxwriter): a sheet
 * "汇总" with the day, the branch and every kind's count, and a sheet
 * "明细" with one row per item (kind, provider, branch, reference, order,
 * state, method, merchant order number, transaction, the statement's and
 * the branch's amounts as numbers in yuan, time, line, note), so the
 * supervisor can filter and add up. Part of rkexport: only a program that
 * exports loads libxlsxwriter.
 */
#include "domain/dayclose.h"
#include "domain/order.h"
#include "domain/recon.h"
#include "domain/workbook.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

/* The local time's offset from UTC at t, in seconds. */
static long gmtoff(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    return localtime_r(&tt, &tm) ? tm.tm_gmtoff : 0;
}

static lxw_error write_recon(lxw_workbook *wb, const rk_recon *r)
{
    lxw_worksheet *sum = workbook_add_worksheet(wb, "汇总"),
                  *det = workbook_add_worksheet(wb, "明细");
    lxw_format *bold = workbook_add_format(wb), *yuan = workbook_add_format(wb),
               *when = workbook_add_format(wb);
    if (!sum || !det || !bold || !yuan || !when) return LXW_ERROR_MEMORY_MALLOC_FAILED;
    format_set_bold(bold);
    format_set_num_format(yuan, "0.00");
    format_set_num_format(when, "yyyy-mm-dd hh:mm:ss");
    lxw_error e = worksheet_set_column(sum, 0, 0, 18, NULL);
    if (!e) e = worksheet_write_string(sum, 0, 0, "支付对账报告", bold);
    if (!e) e = worksheet_write_string(sum, 1, 0, "对账日期", bold);
    if (!e) e = worksheet_write_string(sum, 1, 1, r->day, NULL);
    if (!e) e = worksheet_write_string(sum, 2, 0, "受理点", bold);
    if (!e) e = worksheet_write_string(sum, 2, 1, r->branch[0] ? r->branch : "全部", NULL);
    if (!e) e = worksheet_write_string(sum, 3, 0, "账单行数", bold);
    if (!e) e = worksheet_write_number(sum, 3, 1, r->lines, NULL);
    if (!e) e = worksheet_write_string(sum, 4, 0, "时区", bold);
    if (!e) e = worksheet_write_string(sum, 4, 1, r->zone[0] ? r->zone : "本机时间", NULL);
    if (!e) e = worksheet_write_string(sum, 5, 0, "类别", bold);
    if (!e) e = worksheet_write_string(sum, 5, 1, "kind", bold);
    if (!e) e = worksheet_write_string(sum, 5, 2, "笔数", bold);
    for (int k = 1; k < RK_RECON_KINDS && !e; k++) {
        e = worksheet_write_string(sum, (lxw_row_t)(5 + k), 0, rk_recon_kind_label(k), NULL);
        if (!e) e = worksheet_write_string(sum, (lxw_row_t)(5 + k), 1, rk_recon_kind_name(k), NULL);
        if (!e) e = worksheet_write_number(sum, (lxw_row_t)(5 + k), 2, r->count[k], NULL);
    }
    static const char *const head[] = {"类别",      "kind",     "渠道",     "受理点",     "订单号",
                                       "订单 UUID", "状态",     "登记方式", "商户订单号", "交易号",
                                       "账单金额",  "登记金额", "时间",     "账单行",     "说明"};
    const int nh = (int)(sizeof head / sizeof *head);
    for (int c = 0; c < nh && !e; c++)
        e = worksheet_write_string(det, 0, (lxw_col_t)c, head[c], bold);
    if (!e) e = worksheet_set_column(det, 0, nh - 1, 14, NULL);
    for (int i = 0; i < r->n && !e; i++) {
        const rk_recon_item *x = &r->items[i];
        lxw_row_t row = (lxw_row_t)(i + 1);
        const char *text[10] = {rk_recon_kind_label(x->kind),
                                rk_recon_kind_name(x->kind),
                                x->provider == RK_STMT_WECHAT   ? "微信"
                                : x->provider == RK_STMT_ALIPAY ? "支付宝"
                                                                : "",
                                x->branch,
                                x->ref,
                                x->uuid,
                                x->state[0] ? rk_state_label(x->state, 1) : "",
                                x->method[0] ? rk_day_method_label(x->method, 1) : "",
                                x->merchant_ref,
                                x->txn};
        for (int c = 0; c < 10 && !e; c++)
            e = worksheet_write_string(det, row, (lxw_col_t)c, text[c], NULL);
        if (!e && x->line)
            e = worksheet_write_number(det, row, 10, (double)x->statement_fen / 100.0, yuan);
        if (!e) e = worksheet_write_number(det, row, 11, (double)x->branch_fen / 100.0, yuan);
        if (!e && x->at) /* Excel's serial day, in the report's (local) time */
            e = worksheet_write_number(det, row, 12,
                                       (double)(x->at + gmtoff(x->at)) / 86400.0 + 25569.0, when);
        if (!e && x->line) e = worksheet_write_number(det, row, 13, x->line, NULL);
        if (!e) e = worksheet_write_string(det, row, 14, x->note, NULL);
    }
    return e;
}

static lxw_error fill_recon(lxw_workbook *wb, void *arg)
{
    return write_recon(wb, arg);
}

int rk_recon_xlsx(const char *path, const rk_recon *r)
{
    return rk_workbook_write(path, fill_recon, (void *)r);
}
