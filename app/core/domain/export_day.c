/*
 * The daily close as an Excel workbook (libxlsxwriter): one sheet "日结"
 * with the day, who closed it and the sync note, the orders by business
 * type and the takings by payment method, money as numbers in yuan with
 * two decimals so the sheet adds them up. Part of rkexport with export.c,
 * so that only a program that exports loads libxlsxwriter.
 */
#include "domain/dayclose.h"
#include "domain/export.h"
#include "domain/order.h"
#include "domain/workbook.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

static lxw_error money(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, int64_t fen, lxw_format *f)
{
    return worksheet_write_number(ws, r, c, (double)fen / 100.0, f);
}

static lxw_error write_day(lxw_workbook *wb, const rk_dayclose *d, const char *branch_name,
                           const char *closed_by, const char *sync_note)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "日结");
    lxw_format *bold = workbook_add_format(wb), *yuan = workbook_add_format(wb),
               *byuan = workbook_add_format(wb);
    if (!ws || !bold || !yuan || !byuan) return LXW_ERROR_MEMORY_MALLOC_FAILED;
    format_set_bold(bold);
    format_set_num_format(yuan, "0.00");
    format_set_bold(byuan);
    format_set_num_format(byuan, "0.00");
    lxw_error e = worksheet_set_column(ws, 0, 0, 16, NULL);
    if (!e) e = worksheet_set_column(ws, 1, RK_DAY_N_COUNTS, 11, NULL);
    lxw_row_t r = 0;
    if (!e) e = worksheet_write_string(ws, r, 0, "营业日结单", bold);
    if (!e) e = worksheet_write_string(ws, ++r, 0, "受理点", bold);
    if (!e) e = worksheet_write_string(ws, r, 1, branch_name, NULL);
    if (!e) e = worksheet_write_string(ws, ++r, 0, "营业日期", bold);
    if (!e) e = worksheet_write_string(ws, r, 1, d->date, NULL);
    if (!e) e = worksheet_write_string(ws, ++r, 0, "日结人", bold);
    if (!e)
        e = worksheet_write_string(ws, r, 1, closed_by && *closed_by ? closed_by : "(预览, 未日结)",
                                   NULL);
    if (!e && sync_note && *sync_note) {
        e = worksheet_write_string(ws, ++r, 0, "同步", bold);
        if (!e) e = worksheet_write_string(ws, r, 1, sync_note, NULL);
    }
    r += 2;
    if (!e) e = worksheet_write_string(ws, r, 0, "业务类型", bold);
    for (int c = 0; c < RK_DAY_N_COUNTS && !e; c++)
        e = worksheet_write_string(ws, r, (lxw_col_t)(c + 1), rk_day_count_label(c, 1), bold);
    for (int i = 0; i < d->n_business && !e; i++) {
        r++;
        e = worksheet_write_string(ws, r, 0, rk_business_label(d->business[i].business, 1), NULL);
        for (int c = 0; c < RK_DAY_N_COUNTS && !e; c++)
            e = worksheet_write_number(ws, r, (lxw_col_t)(c + 1), d->business[i].n[c], NULL);
    }
    if (!e) e = worksheet_write_string(ws, ++r, 0, "合计", bold);
    for (int c = 0; c < RK_DAY_N_COUNTS && !e; c++)
        e = worksheet_write_number(ws, r, (lxw_col_t)(c + 1), d->total[c], bold);
    r += 2;
    static const char *const head[] = {"收款方式", "收款笔数",  "收款 (元)",
                                       "退款笔数", "退款 (元)", "净收 (元)"};
    for (int c = 0; c < 6 && !e; c++)
        e = worksheet_write_string(ws, r, (lxw_col_t)c, head[c], bold);
    for (int i = 0; i <= d->n_methods && !e; i++) {
        const rk_day_money *m = i < d->n_methods ? &d->methods[i] : &d->takings;
        lxw_format *nf = i < d->n_methods ? NULL : bold, *mf = i < d->n_methods ? yuan : byuan;
        r++;
        e = worksheet_write_string(
            ws, r, 0, i < d->n_methods ? rk_day_method_label(m->method, 1) : "合计", nf);
        if (!e) e = worksheet_write_number(ws, r, 1, m->payments, nf);
        if (!e) e = money(ws, r, 2, m->paid_fen, mf);
        if (!e) e = worksheet_write_number(ws, r, 3, m->refunds, nf);
        if (!e) e = money(ws, r, 4, m->refunded_fen, mf);
        if (!e) e = money(ws, r, 5, m->paid_fen - m->refunded_fen, mf);
    }
    return e;
}

typedef struct day_args {
    const rk_dayclose *d;
    const char *branch_name, *closed_by, *sync_note;
} day_args;

static lxw_error fill_day(lxw_workbook *wb, void *arg)
{
    const day_args *a = arg;
    return write_day(wb, a->d, a->branch_name, a->closed_by, a->sync_note);
}

int rk_export_day_xlsx(const char *path, const rk_dayclose *d, const char *branch_name,
                       const char *closed_by, const char *sync_note)
{
    day_args a = {d, branch_name, closed_by, sync_note};
    return rk_workbook_write(path, fill_day, &a);
}
