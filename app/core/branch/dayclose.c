/*
 * The daily close as a branch service (see dayclose.h).
 */
#include "branch/dayclose.h"

#include "branch/orderdocs.h"
#include "branch/sync_status.h"
#include "domain/export.h"
#include "domain/order.h"
#include "print/a4.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/utf8.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void rk_branch_day_sync_note(char *out, size_t n, const rk_branch_day *day, int zh)
{
    char at[32] = "";
    if (!day->unsent_events) {
        if (n) out[0] = '\0';
        return;
    }
    if (day->last_synced) {
        rk_clock_format(at, day->last_synced);
        at[10] = ' ';
        at[16] = '\0';
    }
    if (zh)
        snprintf(out, n, "有 %lld 条记录尚未上传总部; %s%s", (long long)day->unsent_events,
                 at[0] ? "上次同步: " : "从未同步", at);
    else
        snprintf(out, n, "%lld event%s not yet sent to HQ; %s%s", (long long)day->unsent_events,
                 day->unsent_events == 1 ? "" : "s", at[0] ? "last synced at " : "never synced",
                 at);
}

static void cell(rk_a4_day_table *t, int r, int c, const char *text)
{
    rk_utf8_copy(t->cells[r][c], sizeof t->cells[r][c], text);
}

static void cell_int(rk_a4_day_table *t, int r, int c, int64_t v)
{
    snprintf(t->cells[r][c], sizeof t->cells[r][c], "%lld", (long long)v);
}

static void cell_yuan(rk_a4_day_table *t, int r, int c, int64_t fen)
{
    rk_day_yuan(t->cells[r][c], sizeof t->cells[r][c], fen);
}

/* The A4 close's content (on the heap: two tables of cells). */
static int day_a4(rk_a4_daily *a, const rk_branch_day *day, const char *branch_name)
{
    const rk_dayclose *d = &day->d;
    memset(a, 0, sizeof *a);
    if (d->n_business > RK_A4_MAX_ROWS || d->n_methods > RK_A4_MAX_ROWS)
        return rk_err_set(RK_ETOOBIG, "too many rows for one A4 close");
    rk_utf8_copy(a->branch_name, sizeof a->branch_name, branch_name);
    rk_utf8_copy(a->date, sizeof a->date, d->date);
    rk_a4_day_table *t = &a->orders;
    t->n_cols = 1 + RK_DAY_N_COUNTS;
    cell(t, 0, 0, "业务类型");
    for (int c = 0; c < RK_DAY_N_COUNTS; c++)
        cell(t, 0, c + 1, rk_day_count_label(c, 1));
    for (int i = 0; i < d->n_business; i++) {
        cell(t, i + 1, 0, rk_business_label(d->business[i].business, 1));
        for (int c = 0; c < RK_DAY_N_COUNTS; c++)
            cell_int(t, i + 1, c + 1, d->business[i].n[c]);
    }
    t->n_rows = d->n_business + 2;
    cell(t, t->n_rows - 1, 0, "合计");
    for (int c = 0; c < RK_DAY_N_COUNTS; c++)
        cell_int(t, t->n_rows - 1, c + 1, d->total[c]);
    t = &a->takings;
    t->n_cols = 6;
    static const char *const head[6] = {"收款方式", "收款笔数", "收款", "退款笔数", "退款", "净收"};
    for (int c = 0; c < 6; c++)
        cell(t, 0, c, head[c]);
    for (int i = 0; i <= d->n_methods; i++) {
        const rk_day_money *m = i < d->n_methods ? &d->methods[i] : &d->takings;
        int r = i + 1;
        cell(t, r, 0, i < d->n_methods ? rk_day_method_label(m->method, 1) : "合计");
        cell_int(t, r, 1, m->payments);
        cell_yuan(t, r, 2, m->paid_fen);
        cell_int(t, r, 3, m->refunds);
        cell_yuan(t, r, 4, m->refunded_fen);
        cell_yuan(t, r, 5, m->paid_fen - m->refunded_fen);
    }
    t->n_rows = d->n_methods + 2;
    rk_branch_day_sync_note(a->sync_note, sizeof a->sync_note, day, 1);
    if (d->closed_at) {
        rk_utf8_copy(a->closed_by, sizeof a->closed_by, day->closed_by_name);
        rk_clock_format(a->closed_at, d->closed_at);
        a->closed_at[10] = ' ';
        a->closed_at[16] = '\0';
    }
    return 0;
}

static void clerk_name(rk_db *db, const char *login, char *out, size_t n)
{
    rk_clerk k;
    if (rk_clerk_get(db, login, &k) == 0) {
        rk_utf8_copy(out, n, k.name);
    } else {
        rk_err_clear();
        rk_utf8_copy(out, n, login);
    }
}

int rk_branch_day_close(rk_branch *b, const rk_actor *by, int64_t day, int close, const char *pdf,
                        const char *xlsx, rk_branch_day *out)
{
    rk_ledger *l;
    rk_sync_status s;
    int rc;

    memset(out, 0, sizeof *out);
    if (!by || by->clerk_id <= 0)
        return rk_err_set(RK_EPERM, "the daily close needs a supervisor's login (`ractl clerk "
                                    "login`)");
    if ((rc = rk_actor_require(by, RK_ROLE_SUPERVISOR)) || (rc = rk_branch_ledger(b, &l)) ||
        (rc = rk_dayclose_read(l, day, &out->d)) || (rc = rk_sync_status_read(&s, l->db)))
        return rc;
    out->unsent_events = s.unsent_events;
    out->last_synced = s.last_ok;
    if (close && out->d.start > rk_clock_now())
        return rk_err_set(RK_EINVAL, "%s has not begun: it cannot be closed yet", out->d.date);
    if (close) { /* the files show the close about to be recorded */
        out->d.closed_at = rk_clock_now();
        rk_utf8_copy(out->d.closed_by, sizeof out->d.closed_by, by->login);
    }
    if (out->d.closed_by[0])
        clerk_name(l->db, out->d.closed_by, out->closed_by_name, sizeof out->closed_by_name);
    if (pdf) {
        rk_a4_daily *a = malloc(sizeof *a);
        if (!a) return rk_err_oom();
        if ((rc = day_a4(a, out, l->conf->branch_name)) == 0) rc = rk_a4_daily_pdf(pdf, a);
        free(a);
        if (rc) return rc;
    }
    if (xlsx) {
        char note[256];
        rk_branch_day_sync_note(note, sizeof note, out, 1);
        if ((rc = rk_export_day_xlsx(xlsx, &out->d, l->conf->branch_name,
                                     close || out->d.closed_at ? out->closed_by_name : "", note)) !=
            0) {
            if (pdf) unlink(pdf);
            return rc;
        }
    }
    if (close && (rc = rk_dayclose_record(l, by, &out->d)) != 0) {
        if (pdf) unlink(pdf);
        if (xlsx) unlink(xlsx);
        return rc;
    }
    return 0;
}

int rk_branch_day_close_print(rk_branch *b, const rk_actor *by, int64_t day, rk_branch_day *out,
                              char *pdf, char *xlsx, char *job, size_t n)
{
    const rk_conf *conf;
    rk_dayclose probe;
    rk_ledger *l;
    int rc;
    if (n) job[0] = '\0';
    pdf[0] = xlsx[0] = '\0';
    if ((rc = rk_branch_conf(b, &conf)) || (rc = rk_branch_ledger(b, &l))) return rc;
    /* The day's name for the files, before anything is written. */
    if ((rc = rk_dayclose_read(l, day, &probe)) != 0) return rc;
    snprintf(pdf, PATH_MAX, "%s/reports", conf->data_dir);
    if (mkdir(pdf, 0700) != 0 && access(pdf, W_OK) != 0)
        return rk_err_set(RK_EIO, "cannot make the folder %s", pdf);
    snprintf(xlsx, PATH_MAX, "%s/daily-%s.xlsx", pdf, probe.date);
    size_t len = strlen(pdf);
    snprintf(pdf + len, PATH_MAX - len, "/daily-%s.pdf", probe.date);
    if ((rc = rk_branch_day_close(b, by, day, 1, pdf, xlsx, out)) != 0) {
        pdf[0] = xlsx[0] = '\0';
        return rc;
    }
    if ((rc = rk_branch_a4_send(b, pdf, "daily close", NULL, NULL, job, n)) != 0) {
        char why[512];
        snprintf(why, sizeof why, "%s", rk_err_msg());
        return rk_err_set(rc, "%s was closed, but its A4 close was not printed: %s", probe.date,
                          why);
    }
    return 0;
}
