/*
 * A4 content of archive boxes and weekly reports (see recordprint.h).
 */
#include "print/recordprint.h"

#include "domain/order.h"
#include "util/clock.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void rk_archive_label_a4(rk_a4_label *out, const rk_archive_box *b, const char *branch_name)
{
    char d1[16] = "", d2[16] = "";
    struct tm tm;
    time_t t;

    memset(out, 0, sizeof *out);
    rk_utf8_copy(out->branch_name, sizeof out->branch_name, branch_name);
    rk_utf8_copy(out->box_no, sizeof out->box_no, b->label);
    rk_utf8_copy(out->ss_first, sizeof out->ss_first, b->ssn_first[0] ? b->ssn_first : "-");
    rk_utf8_copy(out->ss_last, sizeof out->ss_last, b->ssn_last[0] ? b->ssn_last : "-");
    out->count = b->count;
    rk_utf8_copy(out->business, sizeof out->business, rk_archive_group_label(b->group));
    if (b->first_at) {
        t = (time_t)b->first_at;
        localtime_r(&t, &tm);
        strftime(d1, sizeof d1, "%Y-%m-%d", &tm);
        t = (time_t)b->last_at;
        localtime_r(&t, &tm);
        strftime(d2, sizeof d2, "%Y-%m-%d", &tm);
    }
    if (!d1[0])
        snprintf(out->date, sizeof out->date, "-");
    else if (!strcmp(d1, d2))
        rk_utf8_copy(out->date, sizeof out->date, d1);
    else
        snprintf(out->date, sizeof out->date, "%s 至 %s", d1, d2);
}

static void day_text(char *out, size_t n, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(out, n, "%Y-%m-%d", &tm);
}

void rk_service_weekly_a4(rk_a4_weekly *out, const rk_weekly *w, const char *branch_name,
                          const char *prepared_by)
{
    char d1[16], d2[16], avg[16];

    memset(out, 0, sizeof *out);
    rk_utf8_copy(out->branch_name, sizeof out->branch_name, branch_name);
    day_text(d1, sizeof d1, w->start);
    day_text(d2, sizeof d2, w->end - 1);
    snprintf(out->week, sizeof out->week, "%s 至 %s", d1, d2);
    rk_utf8_copy(out->prepared_by, sizeof out->prepared_by, prepared_by);
    day_text(out->date, sizeof out->date, rk_clock_now());
    /* Its rows count different things: no 合计 line may add them up; each
     * section has its own subtotal. */
    out->no_total = 1;
    rk_a4_weekly_row *r_ = NULL;
#define ROW(cat, cnt, res, fol, ...)                                                               \
    do {                                                                                           \
        r_ = NULL;                                                                                 \
        if (out->n_rows < RK_A4_MAX_ROWS) {                                                        \
            r_ = &out->rows[out->n_rows++];                                                        \
            rk_utf8_copy(r_->category, sizeof r_->category, cat);                                  \
            r_->count = (cnt);                                                                     \
            r_->resolved = (res);                                                                  \
            r_->follow_up = (fol);                                                                 \
            snprintf(r_->notes, sizeof r_->notes, __VA_ARGS__);                                    \
        }                                                                                          \
    } while (0)
    int answered = 0;
    for (int i = 0; i < w->n_topics; i++) {
        char cat[96];
        snprintf(cat, sizeof cat, "咨询：%s", w->topics[i].key);
        ROW(cat, w->topics[i].count, w->topics[i].extra, w->topics[i].count - w->topics[i].extra,
            "%s", "");
        answered += w->topics[i].extra;
    }
    ROW("咨询合计", w->consultations, answered, w->consultations - answered,
        "柜台 %d，电话 %d，网上 %d，远程 %d", w->channels[0].count, w->channels[1].count,
        w->channels[2].count, w->channels[3].count);
    if (r_) r_->subtotal = 1;
    int all = 0, all_done = 0, all_open = 0;
    /* Orders per business type: done (issued or later) and still open. */
    for (int i = 0; i < w->n_order_states; i++) {
        const rk_weekly_count *c = &w->order_states[i];
        int seen = 0;
        for (int k = 0; k < i; k++)
            seen |= !strcmp(w->order_states[k].key, c->key);
        if (seen) continue;
        int total = 0, done = 0, closed = 0;
        for (int k = i; k < w->n_order_states; k++) {
            const rk_weekly_count *d = &w->order_states[k];
            if (strcmp(d->key, c->key)) continue;
            total += d->count;
            if (!strcmp(d->key2, "issued") || !strcmp(d->key2, "delivered") ||
                !strcmp(d->key2, "archived"))
                done += d->count;
            else if (!strcmp(d->key2, "rejected") || !strcmp(d->key2, "cancelled"))
                closed += d->count;
        }
        char cat[96];
        snprintf(cat, sizeof cat, "业务：%s", rk_business_label(c->key, 1));
        ROW(cat, total, done, total - done - closed, "%s", closed ? "含退回或取消" : "");
        all += total;
        all_done += done;
        all_open += total - done - closed;
    }
    ROW("业务合计", all, all_done, all_open, "%s", all_done + all_open < all ? "含退回或取消" : "");
    if (r_) r_->subtotal = 1;
    ROW("超期未办结业务", w->overdue, 0, w->overdue, "%s", "");
    ROW("投诉", w->complaints_opened, w->complaints_resolved, w->complaints_overdue,
        "超期未办结 %d", w->complaints_overdue);
    rk_service_average(avg, sizeof avg, w->score_sum, w->surveys);
    ROW("满意度调查", w->surveys, 0, 0, "平均 %s 分", avg);
    if (r_) r_->count_only = 1;
    /* Money: how many payments and refunds, the sums in the notes. */
    const rk_takings *t = &w->takings;
    int64_t net = t->paid_fen - t->refunded_fen;
    ROW("收款", t->payments, 0, 0, "合计 %lld.%02lld 元", (long long)(t->paid_fen / 100),
        (long long)(t->paid_fen % 100));
    if (r_) r_->count_only = 1;
    ROW("退款", t->refunds, 0, 0, "合计 %lld.%02lld 元，净收 %s%lld.%02lld 元",
        (long long)(t->refunded_fen / 100), (long long)(t->refunded_fen % 100), net < 0 ? "-" : "",
        (long long)(llabs(net) / 100), (long long)(llabs(net) % 100));
    if (r_) r_->count_only = 1;
#undef ROW
}
