/*
 * The reconciliation report as A4 (see reconprint.h): cells prepared as
 * text (amounts in yuan, local times, providers and kinds in Chinese) and
 * handed to rk_a4_report_pdf.
 */
#include "print/reconprint.h"

#include "print/a4.h"
#include "util/err.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CELL 320
#define COLS 7

static void yuan(char *out, size_t n, int64_t fen)
{
    int64_t a = fen < 0 ? -fen : fen;
    snprintf(out, n, "%s%lld.%02lld", fen < 0 ? "-" : "", (long long)(a / 100),
             (long long)(a % 100));
}

/* "YYYY-MM-DD HH:MM" of a Unix time, local (the report's zone). */
static void local(char *out, size_t n, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M", &tm)) snprintf(out, n, "?");
}

static const char *provider_label(int p)
{
    return p == RK_STMT_WECHAT ? "微信" : p == RK_STMT_ALIPAY ? "支付宝" : "—";
}

typedef struct cells {
    char (*text)[CELL];
    const char **ptr;
    int n, cap;
} cells;

static char *cell(cells *c)
{
    char *t = c->text[c->n];
    c->ptr[c->n++] = t;
    t[0] = 0;
    return t;
}

/* The rows of items of the kinds wanted (differences or matched). */
static void item_rows(cells *c, const rk_recon *r, int differences, int *rows)
{
    static const char *const head[COLS] = {"类别",      "渠道",      "受理点", "订单号",
                                           "账单 (元)", "登记 (元)", "说明"};
    for (int k = 0; k < COLS; k++)
        snprintf(cell(c), CELL, "%s", head[k]);
    *rows = 1;
    for (int i = 0; i < r->n; i++) {
        const rk_recon_item *x = &r->items[i];
        if (rk_recon_is_difference(x->kind) != differences) continue;
        snprintf(cell(c), CELL, "%s", rk_recon_kind_label(x->kind));
        snprintf(cell(c), CELL, "%s", provider_label(x->provider));
        snprintf(cell(c), CELL, "%s", x->branch[0] ? x->branch : "—");
        snprintf(cell(c), CELL, "%s", x->ref[0] ? x->ref : x->merchant_ref);
        char *s = cell(c);
        if (x->line)
            yuan(s, CELL, x->statement_fen);
        else
            snprintf(s, CELL, "—");
        yuan(cell(c), CELL, x->branch_fen);
        char when[32] = "";
        if (x->at) local(when, sizeof when, x->at);
        s = cell(c);
        if (x->line)
            snprintf(s, CELL, "%s 第%d行 交易号 %s%s%s", when, x->line, x->txn,
                     x->note[0] ? "\n" : "", x->note);
        else
            snprintf(s, CELL, "%s", x->note);
        (*rows)++;
    }
}

int rk_recon_a4(const char *path, const rk_recon *r, int64_t made_at)
{
    cells c = {NULL, NULL, 0, 0};
    c.cap = (RK_RECON_KINDS + 2) * 4 + (r->n + 2) * COLS * 2;
    c.text = calloc((size_t)c.cap, sizeof *c.text);
    c.ptr = calloc((size_t)c.cap, sizeof *c.ptr);
    if (!c.text || !c.ptr) {
        free(c.text);
        free(c.ptr);
        return rk_err_oom();
    }
    rk_a4_table t[3];
    memset(t, 0, sizeof t);
    /* 1. the kinds: count, the statements' and the branches' sums */
    int64_t sfen[RK_RECON_KINDS] = {0}, bfen[RK_RECON_KINDS] = {0};
    for (int i = 0; i < r->n; i++) {
        if (r->items[i].line) sfen[r->items[i].kind] += r->items[i].statement_fen;
        bfen[r->items[i].kind] += r->items[i].branch_fen;
    }
    const char *const head[4] = {"类别", "笔数", "账单金额 (元)", "登记金额 (元)"};
    int start = c.n, diffs = 0;
    for (int k = 0; k < 4; k++)
        snprintf(cell(&c), CELL, "%s", head[k]);
    for (int k = 1; k < RK_RECON_KINDS; k++) {
        snprintf(cell(&c), CELL, "%s%s", rk_recon_kind_label(k), "");
        snprintf(cell(&c), CELL, "%d", r->count[k]);
        yuan(cell(&c), CELL, sfen[k]);
        yuan(cell(&c), CELL, bfen[k]);
        if (rk_recon_is_difference(k)) diffs += r->count[k];
    }
    snprintf(t[0].heading, sizeof t[0].heading, "一、汇总");
    t[0].n_cols = 4;
    t[0].n_rows = RK_RECON_KINDS;
    t[0].widths[0] = 2;
    t[0].widths[1] = t[0].widths[2] = t[0].widths[3] = 1;
    t[0].cells = c.ptr + start;
    /* 2. the differences, 3. the matched lines */
    for (int s = 1; s <= 2; s++) {
        start = c.n;
        item_rows(&c, r, s == 1, &t[s].n_rows);
        snprintf(t[s].heading, sizeof t[s].heading,
                 s == 1 ? "二、差异明细 (%d 笔)" : "三、已核对 (%d 笔)", t[s].n_rows - 1);
        t[s].n_cols = COLS;
        static const double w[COLS] = {2.6, 1.35, 1.55, 2.3, 1.3, 1.3, 4.0};
        memcpy(t[s].widths, w, sizeof w);
        t[s].cells = c.ptr + start;
    }
    rk_a4_report rep;
    memset(&rep, 0, sizeof rep);
    snprintf(rep.title, sizeof rep.title, "支付对账报告");
    char made[32];
    local(made, sizeof made, made_at);
    char yp[32], yr[32];
    yuan(yp, sizeof yp, r->statement_paid);
    yuan(yr, sizeof yr, r->statement_refunded);
    snprintf(rep.subtitle, sizeof rep.subtitle,
             "对账日期: %s    受理点: %s    账单 %d 行: 收款 %s 元, 退款 %s 元    差异 %d 笔\n"
             "时区: %s    制表时间: %s",
             r->day, r->branch[0] ? r->branch : "全部", r->lines, yp, yr, diffs,
             !r->zone[0]                         ? "本机时间"
             : !strcmp(r->zone, "Asia/Shanghai") ? "北京时间 (Asia/Shanghai)"
                                                 : r->zone,
             made);
    rep.tables = t;
    rep.n_tables = 3;
    snprintf(rep.footer, sizeof rep.footer,
             "核对人签字: ____________    负责人签字: ____________    日期: ____________");
    int rc = rk_a4_report_pdf(path, &rep);
    free(c.text);
    free(c.ptr);
    return rc;
}
