/*
 * `ractl record consult|complaint|survey ...`: the branch's service
 * records. Consultations (咨询服务记录表) and surveys by any logged-in
 * clerk; complaints opened by any clerk with an agreed deadline (a date or
 * N working days) and resolved by a supervisor.
 */
#include "ctl.h"

#include "domain/service.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/utf8.h"
#include "util/words.h"

#include <stdlib.h>
#include <string.h>

static int setup(rk_ctl *ctl, rk_ledger **l, rk_actor *actor)
{
    int rc;
    if ((rc = rk_ctl_ledger(ctl, l)) != 0 || (rc = rk_ctl_actor(ctl, actor)) != 0)
        return rk_ctl_fail(ctl, rc);
    return 0;
}

/* {"ok":true,"id":N[,"deadline":T]} or an info line. */
static int done_id(rk_ctl *ctl, const char *what, int64_t id, int64_t deadline)
{
    char t[32];
    if (ctl->json) {
        rk_json *j = rk_ctl_reply(ctl);
        rk_json_kint(j, "id", id);
        if (deadline) rk_json_kint(j, "deadline", deadline);
        return rk_ctl_reply_end(ctl);
    } else if (ctl->quiet) {
        printf("%lld\n", (long long)id);
    } else if (deadline) {
        rk_ctl_time(t, sizeof t, deadline);
        printf("%s #%lld recorded, agreed deadline %s\n", what, (long long)id, t);
    } else {
        printf("%s #%lld recorded\n", what, (long long)id);
    }
    return 0;
}

/* --- consultations ------------------------------------------------------ */

static int consult_add(rk_ctl *ctl, int argc, char **argv)
{
    rk_consult_spec s;
    rk_ledger *l;
    rk_actor actor;
    int64_t id;
    int code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl record consult add --channel C --topic T --question Q\n"
               "         [--answer A] [--subscriber NAME]\n\n"
               "Records a consultation (咨询服务记录表). C: counter, phone, online, remote.\n"
               "T: a short category the weekly summary counts by (e.g. 解锁, 驱动安装).\n"
               "Without --answer the question is counted as to follow up.\n");
        return 0;
    }
    memset(&s, 0, sizeof s);
    const char *channels[5] = {rk_service_channel(0), rk_service_channel(1), rk_service_channel(2),
                               rk_service_channel(3), NULL};
    const rk_ctl_opt opts[] = {
        {.name = "--channel", .kind = RK_OPT_ENUM, .dest = &s.channel, .values = channels},
        {.name = "--topic", .kind = RK_OPT_STR, .dest = &s.topic, .arg = "T"},
        {.name = "--question", .kind = RK_OPT_STR, .dest = &s.question, .arg = "Q"},
        {.name = "--answer", .kind = RK_OPT_STR, .dest = &s.answer, .arg = "A"},
        {.name = "--subscriber", .kind = RK_OPT_STR, .dest = &s.subscriber, .arg = "NAME"},
    };
    const rk_ctl_args args = {.cmd = "ractl record consult add", .opts = opts, .n_opts = 5};
    if ((code = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return code;
    if (!s.channel || !s.topic || !s.question)
        return rk_ctl_usage(ctl, "ractl record consult add",
                            "give --channel, --topic and --question");
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    int rc = rk_service_consult(l, &actor, &s, &id);
    return rc ? rk_ctl_fail(ctl, rc) : done_id(ctl, "consultation", id, 0);
}

static int consult_list(rk_ctl *ctl, int argc, char **argv)
{
    rk_consultation *list;
    rk_ledger *l;
    rk_actor actor;
    int64_t from = 0, to = 0;
    int n, rc, code;
    char t[32];

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl record consult list [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n\n"
               "Lists consultations, oldest first (both days included).\n");
        return 0;
    }
    const char *from_day = NULL, *to_day = NULL;
    const rk_ctl_opt opts[] = {
        {.name = "--from", .kind = RK_OPT_DATE, .dest = &from_day},
        {.name = "--to", .kind = RK_OPT_DATE, .dest = &to_day},
    };
    const rk_ctl_args args = {.cmd = "ractl record consult list", .opts = opts, .n_opts = 2};
    if ((code = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return code;
    if ((from_day && (rc = rk_clock_day(&from, from_day, 0)) != 0) ||
        (to_day && (rc = rk_clock_day(&to, to_day, 1)) != 0))
        return rk_ctl_fail(ctl, rc);
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    if ((rc = rk_service_consult_list(l, from, to, &list, &n)) != 0) return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply_array(ctl);
    for (int i = 0; i < n; i++) {
        const rk_consultation *c = &list[i];
        if (ctl->json) {
            rk_json_obj_begin(j);
            rk_json_kint(j, "id", c->id);
            rk_json_kint(j, "at", c->at);
            rk_json_kstr(j, "clerk", c->clerk);
            rk_json_kstr(j, "channel", c->channel);
            rk_json_kstr(j, "topic", c->topic);
            rk_json_kstr(j, "question", c->question);
            rk_json_kstr(j, "answer", c->answer);
            rk_json_kstr(j, "subscriber", c->subscriber);
            rk_json_obj_end(j);
        } else {
            rk_ctl_time(t, sizeof t, c->at);
            char channel[64];
            const char *label = rk_service_channel_label(c->channel);
            rk_utf8_pad(channel, sizeof channel, label ? label : c->channel, 8);
            printf("#%-5lld %s %-8s %s %s: %s%s%s\n", (long long)c->id, t, c->clerk, channel,
                   c->topic, c->question, c->answer[0] ? " -> " : "  (to follow up)", c->answer);
        }
    }
    free(list);
    return rk_ctl_reply_end(ctl);
}

static int cmd_consult(rk_ctl *ctl, int argc, char **argv)
{
    static const rk_ctl_cmd table[] = {
        {"add", consult_add, "record a consultation"},
        {"list", consult_list, "list consultations"},
    };
    return rk_ctl_dispatch(ctl, argc, argv, "ractl record consult",
                           "Consultation records (咨询服务记录表).", table,
                           (int)(sizeof table / sizeof table[0]));
}

/* --- complaints --------------------------------------------------------- */

static int complaint_open(rk_ctl *ctl, int argc, char **argv)
{
    rk_complaint_spec s;
    rk_ledger *l;
    rk_actor actor;
    int64_t id, due;
    int code, have_days = 0;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl record complaint open --subscriber NAME --content TEXT\n"
               "         (--deadline YYYY-MM-DD | --days N) [--order REF]\n\n"
               "Opens a complaint with the deadline agreed with the subscriber: a date\n"
               "(due 23:59:59 that day) or N working days by the branch calendar.\n");
        return 0;
    }
    memset(&s, 0, sizeof s);
    const rk_ctl_opt opts[] = {
        {.name = "--subscriber", .kind = RK_OPT_STR, .dest = &s.subscriber, .arg = "NAME"},
        {.name = "--content", .kind = RK_OPT_STR, .dest = &s.content, .arg = "TEXT"},
        {.name = "--order", .kind = RK_OPT_STR, .dest = &s.order_ref, .arg = "REF"},
        {.name = "--deadline", .kind = RK_OPT_DATE, .dest = &s.deadline_date},
        {.name = "--days",
         .kind = RK_OPT_INT,
         .dest = &s.workdays,
         .arg = "N",
         .min = 0,
         .max = RK_CALENDAR_MAX_WORKDAYS,
         .seen = &have_days},
    };
    const rk_ctl_args args = {.cmd = "ractl record complaint open", .opts = opts, .n_opts = 5};
    if ((code = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return code;
    if (!s.subscriber || !s.content || (!s.deadline_date == !have_days))
        return rk_ctl_usage(ctl, "ractl record complaint open",
                            "give --subscriber, --content and one of --deadline or --days");
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    int rc = rk_service_complaint_open(l, &actor, &s, &id, &due);
    return rc ? rk_ctl_fail(ctl, rc) : done_id(ctl, "complaint", id, due);
}

static int complaint_resolve(rk_ctl *ctl, int argc, char **argv)
{
    const char *text = NULL;
    int64_t id = 0;
    rk_ledger *l;
    rk_actor actor;
    int code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl record complaint resolve ID --resolution TEXT\n\n"
               "Closes an open complaint with its resolution (supervisor role).\n");
        return 0;
    }
    const char *id_text = NULL;
    const rk_ctl_opt opts[] = {
        {.name = "--resolution", .kind = RK_OPT_STR, .dest = &text, .arg = "TEXT"},
    };
    const rk_ctl_opt id_opt = {
        .name = "ID", .kind = RK_OPT_INT64, .dest = &id, .arg = "ID", .min = 1, .max = INT64_MAX};
    const rk_ctl_args args = {.cmd = "ractl record complaint resolve",
                              .opts = opts,
                              .n_opts = 1,
                              .pos = &id_text,
                              .max_pos = 1};
    if ((code = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return code;
    if (id_text &&
        (code = rk_ctl_opt_store(ctl, "ractl record complaint resolve", &id_opt, id_text)) != 0)
        return code;
    if (id <= 0 || !text)
        return rk_ctl_usage(ctl, "ractl record complaint resolve", "give ID and --resolution");
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    int rc = rk_service_complaint_resolve(l, &actor, id, text);
    if (rc) return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kint(j, "id", id);
    rk_json_kstr(j, "status", "resolved");
    rk_ctl_info(ctl, "complaint #%lld resolved", (long long)id);
    return rk_ctl_reply_end(ctl);
}

static int complaint_list(rk_ctl *ctl, int argc, char **argv)
{
    rk_complaint *list;
    rk_ledger *l;
    rk_actor actor;
    int which = RK_COMPLAINTS_ALL, n, rc, code;
    char t1[32], t2[32];

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl record complaint list [--open | --overdue]\n\n"
               "Lists complaints, oldest first: all, the open ones, or the open ones past\n"
               "their agreed deadline.\n");
        return 0;
    }
    int open = 0, overdue = 0;
    const rk_ctl_opt opts[] = {
        {.name = "--open", .kind = RK_OPT_FLAG, .dest = &open},
        {.name = "--overdue", .kind = RK_OPT_FLAG, .dest = &overdue},
    };
    const rk_ctl_args args = {.cmd = "ractl record complaint list", .opts = opts, .n_opts = 2};
    if ((code = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return code;
    if (open && overdue)
        return rk_ctl_usage(ctl, "ractl record complaint list",
                            "--open and --overdue exclude each other");
    which = overdue ? RK_COMPLAINTS_OVERDUE : open ? RK_COMPLAINTS_OPEN : RK_COMPLAINTS_ALL;
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    if ((rc = rk_service_complaint_list(l, which, &list, &n)) != 0) return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply_array(ctl);
    for (int i = 0; i < n; i++) {
        const rk_complaint *c = &list[i];
        if (ctl->json) {
            rk_json_obj_begin(j);
            rk_json_kint(j, "id", c->id);
            rk_json_kint(j, "at", c->at);
            rk_json_kint(j, "deadline", c->deadline);
            rk_json_kstr(j, "status", c->status);
            rk_json_kbool(j, "overdue", c->overdue);
            rk_json_kstr(j, "subscriber", c->subscriber);
            rk_json_kstr(j, "content", c->content);
            rk_json_kstr(j, "order", c->order_ref);
            rk_json_kstr(j, "resolution", c->resolution);
            rk_json_kstr(j, "resolved_by", c->resolved_by);
            rk_json_kint(j, "resolved_at", c->resolved_at);
            rk_json_obj_end(j);
        } else {
            rk_ctl_time(t1, sizeof t1, c->at);
            rk_ctl_time(t2, sizeof t2, c->deadline);
            char state[40], who[200];
            snprintf(state, sizeof state, "%s%s", c->status, c->overdue ? " OVERDUE" : "");
            rk_utf8_pad(who, sizeof who, c->subscriber, 12); /* by display columns */
            printf("#%-5lld %s  due %s  %-16s  %s %s\n", (long long)c->id, t1, t2, state, who,
                   c->content);
        }
    }
    free(list);
    return rk_ctl_reply_end(ctl);
}

static int cmd_complaint(rk_ctl *ctl, int argc, char **argv)
{
    static const rk_ctl_cmd table[] = {
        {"open", complaint_open, "open a complaint with an agreed deadline"},
        {"resolve", complaint_resolve, "resolve a complaint (supervisor)"},
        {"list", complaint_list, "list complaints (--open, --overdue)"},
    };
    return rk_ctl_dispatch(ctl, argc, argv, "ractl record complaint",
                           "The complaint register with agreed deadlines.", table,
                           (int)(sizeof table / sizeof table[0]));
}

/* --- surveys ------------------------------------------------------------ */

static int survey_add(rk_ctl *ctl, int argc, char **argv)
{
    const char *comment = NULL, *order = NULL;
    rk_ledger *l;
    rk_actor actor;
    int64_t id;
    int score = 0, code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl record survey add --score 1-5 [--comment TEXT] [--order REF]\n\n"
               "Records a satisfaction score. With --order, the per-clerk averages credit\n"
               "the clerk who served that order.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--score", .kind = RK_OPT_INT, .dest = &score, .arg = "1-5", .min = 1, .max = 5},
        {.name = "--comment", .kind = RK_OPT_STR, .dest = &comment, .arg = "TEXT"},
        {.name = "--order", .kind = RK_OPT_STR, .dest = &order, .arg = "REF"},
    };
    const rk_ctl_args args = {.cmd = "ractl record survey add", .opts = opts, .n_opts = 3};
    if ((code = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return code;
    if (!score) return rk_ctl_usage(ctl, "ractl record survey add", "give --score");
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    int rc = rk_service_survey(l, &actor, score, comment, order, &id);
    return rc ? rk_ctl_fail(ctl, rc) : done_id(ctl, "survey", id, 0);
}

static int survey_stats(rk_ctl *ctl, int argc, char **argv)
{
    rk_ledger *l;
    rk_actor actor;
    rk_weekly w;
    int64_t day = rk_clock_now();
    char avg[16], d[32];
    int rc, code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl record survey stats [--week YYYY-MM-DD]\n\n"
               "Satisfaction averages of the week (Monday to Sunday) containing the date\n"
               "(default: this week), overall and per clerk.\n");
        return 0;
    }
    const char *week = NULL;
    const rk_ctl_opt opts[] = {{.name = "--week", .kind = RK_OPT_DATE, .dest = &week}};
    const rk_ctl_args args = {.cmd = "ractl record survey stats", .opts = opts, .n_opts = 1};
    if ((code = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return code;
    if (week && (rc = rk_clock_day(&day, week, 0)) != 0) return rk_ctl_fail(ctl, rc);
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    if ((rc = rk_service_weekly(l, day, &w)) != 0) return rk_ctl_fail(ctl, rc);
    rk_service_average(avg, sizeof avg, w.score_sum, w.surveys);
    rk_ctl_time(d, sizeof d, w.start);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kint(j, "week_start", w.start);
    rk_json_kint(j, "surveys", w.surveys);
    rk_json_kint(j, "score_sum", w.score_sum);
    rk_json_kstr(j, "average", avg);
    rk_json_key(j, "clerks");
    rk_json_arr_begin(j);
    if (!ctl->json)
        printf("week of %.10s: %d %s, average %s\n", d, w.surveys,
               rk_plural(w.surveys, "survey", "surveys"), avg);
    for (int i = 0; i < w.n_clerks; i++) {
        rk_service_average(avg, sizeof avg, w.clerks[i].extra, w.clerks[i].count);
        rk_json_obj_begin(j);
        rk_json_kstr(j, "clerk", w.clerks[i].key);
        rk_json_kint(j, "surveys", w.clerks[i].count);
        rk_json_kstr(j, "average", avg);
        rk_json_obj_end(j);
        if (!ctl->json)
            printf("  %-12s %3d %s, average %s\n", w.clerks[i].key, w.clerks[i].count,
                   rk_plural(w.clerks[i].count, "survey", "surveys"), avg);
    }
    rk_json_arr_end(j);
    return rk_ctl_reply_end(ctl);
}

static int cmd_survey(rk_ctl *ctl, int argc, char **argv)
{
    static const rk_ctl_cmd table[] = {
        {"add", survey_add, "record a satisfaction score 1-5"},
        {"stats", survey_stats, "averages of a week, overall and per clerk"},
    };
    return rk_ctl_dispatch(ctl, argc, argv, "ractl record survey", "Satisfaction surveys.", table,
                           (int)(sizeof table / sizeof table[0]));
}

int rk_ctl_cmd_record(rk_ctl *ctl, int argc, char **argv)
{
    static const rk_ctl_cmd table[] = {
        {"consult", cmd_consult, "consultation records: add, list"},
        {"complaint", cmd_complaint, "the complaint register: open, resolve, list"},
        {"survey", cmd_survey, "satisfaction surveys: add, stats"},
    };
    return rk_ctl_dispatch(ctl, argc, argv, "ractl record",
                           "The branch's service records (any logged-in clerk).", table,
                           (int)(sizeof table / sizeof table[0]));
}
