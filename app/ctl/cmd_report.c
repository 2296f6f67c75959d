/*
 * `ractl report weekly`: the Friday summary for the manager — consultations
 * by channel and topic, orders by business type and state, overdue orders,
 * complaints opened and resolved, satisfaction, takings — as text, JSON or the A4
 * weekly report (PDF). Supervisor role.
 */
#include "ctl.h"

#include "branch/reports.h"
#include "util/clock.h"
#include "util/err.h"

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
    for (int i = 0; i < w.n_topics; i++)
        printf("  %-20s %4d, answered %d\n", w.topics[i].key, w.topics[i].count, w.topics[i].extra);
    printf("orders submitted %d\n", w.orders);
    for (int i = 0; i < w.n_order_states; i++)
        printf("  %-10s %-10s %4d\n", w.order_states[i].key, w.order_states[i].key2,
               w.order_states[i].count);
    printf("overdue orders %d\n", w.overdue);
    printf("complaints     opened %d, resolved %d, overdue %d\n", w.complaints_opened,
           w.complaints_resolved, w.complaints_overdue);
    printf("satisfaction   %d surveys, average %s\n", w.surveys, avg);
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

int rk_ctl_cmd_report(rk_ctl *ctl, int argc, char **argv)
{
    static const rk_ctl_cmd table[] = {
        {"weekly", cmd_weekly, "the Friday weekly summary for the manager"},
    };
    return rk_ctl_dispatch(ctl, argc, argv, "ractl report", "Reports for the branch manager.",
                           table, (int)(sizeof table / sizeof table[0]));
}
