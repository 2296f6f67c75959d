/*
 * `ractl report weekly`: the Friday summary for the manager — consultations
 * by channel and topic, orders by business type and state, overdue orders,
 * complaints opened and resolved, satisfaction, takings — as text, JSON or the A4
 * weekly report (PDF). `ractl report daily`: the daily close (branch/dayclose.h)
 * — the day's orders by business type and takings by payment method, the
 * warning while events wait for HQ — shown, closed with --close, and written
 * as the A4 close (PDF) or a workbook (XLSX). Supervisor role.
 */
#include "ctl.h"

#include "branch/dayclose.h"
#include "branch/reports.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/words.h"
#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>

static int cmd_weekly(rk_ctl *ctl, int argc, char **argv)
{
    const char *week = NULL, *pdf = NULL;
    rk_actor actor;
    rk_weekly w;
    int64_t day = rk_clock_now();
    char d1[32], d2[32], avg[16];
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl report weekly [--week YYYY-MM-DD] [--pdf FILE]\n\n"
               "The weekly summary (Monday to Sunday of the week containing the date,\n"
               "default this week): consultations by channel and topic, orders submitted\n"
               "by business type and state, orders open past their deadline, complaints\n"
               "opened and resolved, satisfaction scores, and the takings: payments\n"
               "recorded and refunds handed back, for the week and each day (JSON\n"
               "\"takings\", in fen). --pdf writes the A4 report.\n"
               "Supervisor role.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--week", .kind = RK_OPT_DATE, .dest = &week},
        {.name = "--pdf", .kind = RK_OPT_STR, .dest = &pdf, .arg = "FILE"},
    };
    const rk_ctl_args args = {.cmd = "ractl report weekly", .opts = opts, .n_opts = 2};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if ((week && (rc = rk_clock_parse(&day, week)) != 0) || (rc = rk_ctl_actor(ctl, &actor)) ||
        (rc = rk_branch_weekly_report(ctl->branch, &actor, day, pdf, &w)))
        return rk_ctl_fail(ctl, rc);
    rk_service_average(avg, sizeof avg, w.score_sum, w.surveys);
    rk_ctl_time(d1, sizeof d1, w.start);
    rk_ctl_time(d2, sizeof d2, w.end - 1);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kint(j, "start", w.start);
    rk_json_kint(j, "end", w.end);
    rk_json_kint(j, "consultations", w.consultations);
    rk_json_key(j, "channels");
    rk_json_obj_begin(j);
    for (int i = 0; i < 4; i++)
        rk_json_kint(j, w.channels[i].key, w.channels[i].count);
    rk_json_obj_end(j);
    rk_json_key(j, "topics");
    rk_json_arr_begin(j);
    for (int i = 0; i < w.n_topics; i++) {
        rk_json_obj_begin(j);
        rk_json_kstr(j, "topic", w.topics[i].key);
        rk_json_kint(j, "count", w.topics[i].count);
        rk_json_kint(j, "answered", w.topics[i].extra);
        rk_json_obj_end(j);
    }
    rk_json_arr_end(j);
    rk_json_kint(j, "orders", w.orders);
    rk_json_key(j, "order_states");
    rk_json_arr_begin(j);
    for (int i = 0; i < w.n_order_states; i++) {
        rk_json_obj_begin(j);
        rk_json_kstr(j, "business", w.order_states[i].key);
        rk_json_kstr(j, "state", w.order_states[i].key2);
        rk_json_kint(j, "count", w.order_states[i].count);
        rk_json_obj_end(j);
    }
    rk_json_arr_end(j);
    rk_json_kint(j, "overdue", w.overdue);
    rk_json_key(j, "complaints");
    rk_json_obj_begin(j);
    rk_json_kint(j, "opened", w.complaints_opened);
    rk_json_kint(j, "resolved", w.complaints_resolved);
    rk_json_kint(j, "overdue", w.complaints_overdue);
    rk_json_obj_end(j);
    rk_json_key(j, "satisfaction");
    rk_json_obj_begin(j);
    rk_json_kint(j, "surveys", w.surveys);
    rk_json_kint(j, "score_sum", w.score_sum);
    rk_json_kstr(j, "average", avg);
    rk_json_obj_end(j);
    rk_json_key(j, "takings");
    rk_json_obj_begin(j);
    rk_json_kint(j, "payments", w.takings.payments);
    rk_json_kint(j, "paid_fen", w.takings.paid_fen);
    rk_json_kint(j, "refunds", w.takings.refunds);
    rk_json_kint(j, "refunded_fen", w.takings.refunded_fen);
    rk_json_kint(j, "net_fen", w.takings.paid_fen - w.takings.refunded_fen);
    rk_json_key(j, "days");
    rk_json_arr_begin(j);
    for (int i = 0; i < 7; i++) {
        char d[32];
        rk_ctl_time(d, sizeof d, w.start + (int64_t)i * 86400);
        d[10] = '\0';
        rk_json_obj_begin(j);
        rk_json_kstr(j, "date", d);
        rk_json_kint(j, "payments", w.days[i].payments);
        rk_json_kint(j, "paid_fen", w.days[i].paid_fen);
        rk_json_kint(j, "refunds", w.days[i].refunds);
        rk_json_kint(j, "refunded_fen", w.days[i].refunded_fen);
        rk_json_obj_end(j);
    }
    rk_json_arr_end(j);
    rk_json_obj_end(j);
    if (pdf) rk_json_kstr(j, "pdf", pdf);
    if (ctl->json) return rk_ctl_reply_end(ctl);
    printf("weekly summary %.10s .. %.10s\n", d1, d2);
    printf("consultations  %d (counter %d, phone %d, online %d, remote %d)\n", w.consultations,
           w.channels[0].count, w.channels[1].count, w.channels[2].count, w.channels[3].count);
    for (int i = 0; i < w.n_topics; i++) {
        char topic[200]; /* topics are Chinese: by display columns */
        rk_utf8_pad(topic, sizeof topic, w.topics[i].key, 20);
        printf("  %s %4d, answered %d\n", topic, w.topics[i].count, w.topics[i].extra);
    }
    printf("orders submitted %d\n", w.orders);
    for (int i = 0; i < w.n_order_states; i++)
        printf("  %-10s %-10s %4d\n", w.order_states[i].key, w.order_states[i].key2,
               w.order_states[i].count);
    printf("overdue orders %d\n", w.overdue);
    printf("complaints     opened %d, resolved %d, overdue %d\n", w.complaints_opened,
           w.complaints_resolved, w.complaints_overdue);
    printf("satisfaction   %d %s, average %s\n", w.surveys,
           rk_plural(w.surveys, "survey", "surveys"), avg);
    printf("takings        %d payment%s %lld.%02lld, %d refund%s %lld.%02lld, net %s%lld.%02lld "
           "yuan\n",
           w.takings.payments, w.takings.payments == 1 ? "" : "s",
           (long long)(w.takings.paid_fen / 100), (long long)(w.takings.paid_fen % 100),
           w.takings.refunds, w.takings.refunds == 1 ? "" : "s",
           (long long)(w.takings.refunded_fen / 100), (long long)(w.takings.refunded_fen % 100),
           w.takings.paid_fen < w.takings.refunded_fen ? "-" : "",
           (long long)(llabs(w.takings.paid_fen - w.takings.refunded_fen) / 100),
           (long long)(llabs(w.takings.paid_fen - w.takings.refunded_fen) % 100));
    for (int i = 0; i < 7; i++) {
        const rk_takings *t = &w.days[i];
        if (!t->payments && !t->refunds) continue;
        char d[32];
        rk_ctl_time(d, sizeof d, w.start + (int64_t)i * 86400);
        printf("  %.10s     paid %lld.%02lld (%d), refunded %lld.%02lld (%d)\n", d,
               (long long)(t->paid_fen / 100), (long long)(t->paid_fen % 100), t->payments,
               (long long)(t->refunded_fen / 100), (long long)(t->refunded_fen % 100), t->refunds);
    }
    if (pdf) rk_ctl_info(ctl, "A4 report written to %s", pdf);
    return rk_ctl_reply_end(ctl);
}

static int cmd_daily(rk_ctl *ctl, int argc, char **argv)
{
    const char *date = NULL, *pdf = NULL, *xlsx = NULL;
    int close = 0, rc;
    rk_actor actor;
    rk_branch_day day;
    int64_t t = rk_clock_now();
    char note[256], when[32] = "";

    if (rk_ctl_wants_help(argc, argv)) {
        printf(
            "usage: ractl report daily [--day YYYY-MM-DD] [--close] [--pdf FILE] [--xlsx FILE]\n\n"
            "The daily close (default today): orders taken, submitted, approved,\n"
            "rejected, issued, delivered and cancelled that day by business type, and\n"
            "the takings by payment method (payments and refunds, in yuan; JSON in\n"
            "fen), with a warning while events are not yet sent to HQ. --close records\n"
            "the close (audited, and sent to HQ; a day may be closed again), --pdf\n"
            "writes the A4 close, --xlsx a workbook. JSON: \"day\" the figures (what\n"
            "HQ receives), \"sync\" the outbox, \"closed\". Supervisor role.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--day", .kind = RK_OPT_DATE, .dest = &date},
        {.name = "--close", .kind = RK_OPT_FLAG, .dest = &close},
        {.name = "--pdf", .kind = RK_OPT_STR, .dest = &pdf, .arg = "FILE"},
        {.name = "--xlsx", .kind = RK_OPT_STR, .dest = &xlsx, .arg = "FILE"},
    };
    const rk_ctl_args args = {.cmd = "ractl report daily", .opts = opts, .n_opts = 4};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if ((date && (rc = rk_clock_day(&t, date, 0)) != 0) || (rc = rk_ctl_actor(ctl, &actor)) ||
        (rc = rk_branch_day_close(ctl->branch, &actor, t, close, pdf, xlsx, &day)))
        return rk_ctl_fail(ctl, rc);
    const rk_dayclose *d = &day.d;
    rk_branch_day_sync_note(note, sizeof note, &day, 0);
    if (d->closed_at) rk_ctl_time(when, sizeof when, d->closed_at);
    rk_buf fig;
    rk_buf_init(&fig, 1 << 16);
    if ((rc = rk_dayclose_json(&fig, d)) != 0) {
        rk_buf_free(&fig);
        return rk_ctl_fail(ctl, rc);
    }
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_key(j, "day");
    rk_json_raw(j, fig.data, fig.len);
    rk_buf_free(&fig);
    rk_json_key(j, "sync");
    rk_json_obj_begin(j);
    rk_json_kint(j, "unsent_events", day.unsent_events);
    rk_json_kint(j, "last_synced", day.last_synced);
    rk_json_kstr(j, "warning", note);
    rk_json_obj_end(j);
    rk_json_kbool(j, "closed", d->closed_at != 0);
    if (d->closed_at) {
        rk_json_kint(j, "closed_at", d->closed_at);
        rk_json_kstr(j, "closed_by", d->closed_by);
    }
    if (pdf) rk_json_kstr(j, "pdf", pdf);
    if (xlsx) rk_json_kstr(j, "xlsx", xlsx);
    if (ctl->json) return rk_ctl_reply_end(ctl);
    printf("daily close %s\n", d->date);
    printf("  %-10s", "business");
    for (int c = 0; c < RK_DAY_N_COUNTS; c++)
        printf(" %9s", rk_day_count_key(c));
    printf("\n");
    for (int i = 0; i <= d->n_business; i++) {
        const int *n = i < d->n_business ? d->business[i].n : d->total;
        printf("  %-10s", i < d->n_business ? d->business[i].business : "total");
        for (int c = 0; c < RK_DAY_N_COUNTS; c++)
            printf(" %9d", n[c]);
        printf("\n");
    }
    printf("takings\n");
    for (int i = 0; i <= d->n_methods; i++) {
        const rk_day_money *m = i < d->n_methods ? &d->methods[i] : &d->takings;
        char paid[24], back[24], net[24];
        rk_day_yuan(paid, sizeof paid, m->paid_fen);
        rk_day_yuan(back, sizeof back, m->refunded_fen);
        rk_day_yuan(net, sizeof net, m->paid_fen - m->refunded_fen);
        printf("  %-10s paid %s (%d), refunded %s (%d), net %s yuan\n",
               i < d->n_methods ? d->methods[i].method : "total", paid, m->payments, back,
               m->refunds, net);
    }
    if (note[0]) printf("warning: %s\n", note);
    if (d->closed_at)
        printf("%s %s by %s\n", close ? "closed" : "last closed", when, d->closed_by);
    else
        printf("not closed yet (--close closes it)\n");
    if (pdf) rk_ctl_info(ctl, "A4 close written to %s", pdf);
    if (xlsx) rk_ctl_info(ctl, "workbook written to %s", xlsx);
    return rk_ctl_reply_end(ctl);
}

int rk_ctl_cmd_report(rk_ctl *ctl, int argc, char **argv)
{
    static const rk_ctl_cmd table[] = {
        {"weekly", cmd_weekly, "the Friday weekly summary for the manager"},
        {"daily", cmd_daily, "the daily close: the day's orders and takings, closed and printed"},
    };
    return rk_ctl_dispatch(ctl, argc, argv, "ractl report", "Reports for the branch manager.",
                           table, (int)(sizeof table / sizeof table[0]));
}
