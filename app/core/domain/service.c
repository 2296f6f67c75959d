/*
 * Consultations, complaints, surveys and the weekly summary (see
 * service.h).
 */
#include "service.h"

#include "audit/record.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/json.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct {
    const char *id, *zh;
} channels[] = {
    {"counter", "柜台"},
    {"phone", "电话"},
    {"online", "网上"},
    {"remote", "远程协助"},
};
#define N_CHANNELS ((int)(sizeof channels / sizeof channels[0]))

const char *rk_service_channel(int i)
{
    return i >= 0 && i < N_CHANNELS ? channels[i].id : NULL;
}

const char *rk_service_channel_label(const char *c)
{
    for (int i = 0; i < N_CHANNELS; i++)
        if (!strcmp(c, channels[i].id)) return channels[i].zh;
    return NULL;
}

/* Text from a clerk or subscriber: at most max bytes, no control
 * characters but line breaks and tabs; required unless optional. */
static int check_text(const char *what, const char *v, size_t max, int required)
{
    if (!v || !*v) return required ? rk_err_set(RK_EINVAL, "give the %s", what) : 0;
    size_t len = strlen(v);
    if (len > max) return rk_err_set(RK_EINVAL, "the %s is longer than %zu bytes", what, max);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r') || *p == 0x7f)
            return rk_err_set(RK_EINVAL, "the %s holds a control character", what);
    return 0;
}

/* The role an action by a clerk without a specific role duty names. */
static const char *any_role(const rk_actor *by)
{
    if (!by->clerk_id) return "system";
    for (unsigned r = 1; r < RK_ROLE_ALL; r <<= 1)
        if (by->roles & r) return rk_role_name(r);
    return "clerk";
}

static int require_clerk(const rk_actor *by)
{
    return by->clerk_id
               ? 0
               : rk_err_set(RK_EPERM, "a logged-in clerk records this: run `ractl clerk login`");
}

/* Finishes the payload j is writing into payload and records kind about
 * entity_id (and the order, when given) with it, in the transaction. */
static int record(rk_ledger *l, const rk_actor *by, const char *role, const char *kind,
                  const char *entity_id, const char *order_uuid, rk_json *j, rk_buf *payload,
                  const char *detail)
{
    int rc = rk_json_finish(j);
    if (rc) return rc;
    rk_record r = {.actor = by->login,
                   .role = role,
                   .action = kind,
                   .order_id = order_uuid && *order_uuid ? order_uuid : NULL,
                   .after = payload->data,
                   .detail = detail,
                   .entity = "record",
                   .entity_id = entity_id};
    return rk_record_add(l->db, &r);
}

/* The id and UUID of an order by reference. */
static int order_ids(rk_ledger *l, const char *ref, int64_t *id, char uuid[37])
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(l->db, &st, "SELECT id, uuid FROM orders WHERE ref = ?1 OR uuid = ?1");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        rk_db_text(uuid, 37, st, 1);
    } else {
        rc = s == SQLITE_DONE ? rk_err_set(RK_ENOTFOUND, "no order '%s'", ref)
                              : rk_db_fail(l->db, "cannot read the order");
    }
    sqlite3_finalize(st);
    return rc;
}

static void json_start(rk_json *j, rk_buf *b, rk_ledger *l, int64_t id, int64_t at)
{
    rk_buf_init(b, 4096);
    rk_json_init(j, b);
    rk_json_obj_begin(j);
    rk_json_kstr(j, "branch", l->conf->branch_id);
    rk_json_kint(j, "id", id);
    rk_json_kint(j, "at", at);
}

/* --- consultations ------------------------------------------------------ */

int rk_service_consult(rk_ledger *l, const rk_actor *by, const rk_consult_spec *s, int64_t *id)
{
    sqlite3_stmt *st;
    rk_buf b;
    rk_json j;
    char eid[48], detail[160];
    int64_t now = rk_clock_now(), nid;
    int rc;

    if ((rc = require_clerk(by)) != 0) return rc;
    if (!s->channel || !rk_service_channel_label(s->channel))
        return rk_err_set(RK_EINVAL, "consultation channel: counter, phone, online or remote");
    if ((rc = check_text("topic", s->topic, RK_SERVICE_TOPIC_MAX, 1)) ||
        (rc = check_text("question", s->question, RK_SERVICE_TEXT_MAX, 1)) ||
        (rc = check_text("answer", s->answer, RK_SERVICE_TEXT_MAX, 0)) ||
        (rc = check_text("subscriber's name", s->subscriber, RK_SERVICE_NAME_MAX, 0)))
        return rc;
    if ((rc = rk_db_begin(l->db)) != 0) return rc;
    rc = rk_db_prepare(l->db, &st,
                       "INSERT INTO consultation(at, clerk_id, channel, topic, question, answer, "
                       "subscriber) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!rc) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int64(st, 2, by->clerk_id);
        sqlite3_bind_text(st, 3, s->channel, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, s->topic, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, s->question, -1, SQLITE_STATIC);
        rk_db_bind_opt_text(st, 6, s->answer);
        rk_db_bind_opt_text(st, 7, s->subscriber);
        rc = rk_db_step_done(l->db, st, "cannot record the consultation");
    }
    if (!rc) {
        nid = sqlite3_last_insert_rowid(rk_db_handle(l->db));
        json_start(&j, &b, l, nid, now);
        rk_json_kstr(&j, "channel", s->channel);
        rk_json_kstr(&j, "topic", s->topic);
        rk_json_kbool(&j, "answered", s->answer && *s->answer);
        rk_json_obj_end(&j);
        snprintf(eid, sizeof eid, "consultation/%lld", (long long)nid);
        snprintf(detail, sizeof detail, "consultation #%lld by %s", (long long)nid, s->channel);
        rc = record(l, by, any_role(by), "record.consultation", eid, NULL, &j, &b, detail);
        rk_buf_free(&b);
        if (!rc && id) *id = nid;
    }
    return rk_db_end(l->db, rc);
}

static int read_consultation(void *elem, sqlite3_stmt *st, void *arg)
{
    rk_consultation *c = elem;
    (void)arg;
    c->id = sqlite3_column_int64(st, 0);
    c->at = sqlite3_column_int64(st, 1);
    rk_db_text(c->clerk, sizeof c->clerk, st, 2);
    rk_db_text(c->channel, sizeof c->channel, st, 3);
    rk_db_text(c->topic, sizeof c->topic, st, 4);
    rk_db_text(c->question, sizeof c->question, st, 5);
    rk_db_text(c->answer, sizeof c->answer, st, 6);
    rk_db_text(c->subscriber, sizeof c->subscriber, st, 7);
    return 0;
}

int rk_service_consult_list(rk_ledger *l, int64_t from, int64_t to, rk_consultation **out, int *n)
{
    sqlite3_stmt *st;
    int rc;

    *out = NULL;
    *n = 0;
    rc =
        rk_db_prepare(l->db, &st,
                      "SELECT c.id, c.at, coalesce(k.login, ''), c.channel, c.topic, c.question, "
                      "coalesce(c.answer, ''), coalesce(c.subscriber, '') FROM consultation c "
                      "LEFT JOIN clerk k ON k.id = c.clerk_id "
                      "WHERE (?1 = 0 OR c.at >= ?1) AND (?2 = 0 OR c.at < ?2) ORDER BY c.at, c.id");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    return rk_db_collect((void **)out, n, l->db, st, sizeof **out, read_consultation, NULL,
                         "consultations");
}

/* --- complaints --------------------------------------------------------- */

/* 23:59:59 local on the date "YYYY-MM-DD". */
static int end_of_day(const char *date, int64_t *out)
{
    int64_t midnight;
    int y, m, d;
    char tail;
    if (sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || strlen(date) != 10)
        return rk_err_set(RK_EINVAL, "deadline: a date YYYY-MM-DD, not '%s'", date);
    int rc = rk_clock_parse(&midnight, date);
    if (rc) return rc;
    time_t t = (time_t)midnight;
    struct tm tm;
    localtime_r(&t, &tm);
    if (tm.tm_year + 1900 != y || tm.tm_mon + 1 != m || tm.tm_mday != d)
        return rk_err_set(RK_EINVAL, "deadline: %s is not a date", date);
    tm.tm_mday++;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    *out = (int64_t)mktime(&tm) - 1;
    return 0;
}

int rk_service_complaint_open(rk_ledger *l, const rk_actor *by, const rk_complaint_spec *s,
                              int64_t *id, int64_t *deadline)
{
    sqlite3_stmt *st;
    rk_buf b;
    rk_json j;
    char eid[48], detail[160], uuid[37] = "", due_text[32];
    int64_t now = rk_clock_now(), due = 0, order_id = 0, nid;
    int rc;

    if ((rc = require_clerk(by)) != 0) return rc;
    if ((rc = check_text("subscriber", s->subscriber, RK_SERVICE_NAME_MAX, 1)) ||
        (rc = check_text("complaint", s->content, RK_SERVICE_TEXT_MAX, 1)))
        return rc;
    if (s->deadline_date && *s->deadline_date) {
        if ((rc = end_of_day(s->deadline_date, &due)) != 0) return rc;
        if (due < now)
            return rk_err_set(RK_EINVAL, "the agreed deadline %s has already passed",
                              s->deadline_date);
    } else if ((rc = rk_calendar_due(l->calendar, now, s->workdays, &due)) != 0) {
        return rc;
    }
    if (s->order_ref && *s->order_ref && (rc = order_ids(l, s->order_ref, &order_id, uuid)) != 0)
        return rc;
    if ((rc = rk_db_begin(l->db)) != 0) return rc;
    rc = rk_db_prepare(l->db, &st,
                       "INSERT INTO complaint(at, clerk_id, order_id, subscriber, content, "
                       "deadline, status) VALUES (?, ?, ?, ?, ?, ?, 'open')");
    if (!rc) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int64(st, 2, by->clerk_id);
        if (order_id)
            sqlite3_bind_int64(st, 3, order_id);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_text(st, 4, s->subscriber, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, s->content, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, due);
        rc = rk_db_step_done(l->db, st, "cannot record the complaint");
    }
    if (!rc) {
        nid = sqlite3_last_insert_rowid(rk_db_handle(l->db));
        json_start(&j, &b, l, nid, now);
        rk_json_kstr(&j, "status", "open");
        rk_json_kint(&j, "deadline", due);
        if (uuid[0]) rk_json_kstr(&j, "order", uuid);
        rk_json_obj_end(&j);
        snprintf(eid, sizeof eid, "complaint/%lld", (long long)nid);
        rk_clock_format(due_text, due);
        snprintf(detail, sizeof detail, "complaint #%lld, agreed deadline %s", (long long)nid,
                 due_text);
        rc = record(l, by, any_role(by), "record.complaint", eid, uuid, &j, &b, detail);
        rk_buf_free(&b);
        if (!rc && id) *id = nid;
    }
    if ((rc = rk_db_end(l->db, rc)) == 0 && deadline) *deadline = due;
    return rc;
}

int rk_service_complaint_resolve(rk_ledger *l, const rk_actor *by, int64_t id,
                                 const char *resolution)
{
    sqlite3_stmt *st;
    rk_buf b;
    rk_json j;
    char eid[48], detail[160], status[16] = "", uuid[37] = "";
    int64_t now = rk_clock_now(), deadline = 0;
    int rc;

    if ((rc = rk_actor_require(by, RK_ROLE_SUPERVISOR)) != 0) return rc;
    if ((rc = check_text("resolution", resolution, RK_SERVICE_TEXT_MAX, 1)) != 0) return rc;
    if ((rc = rk_db_begin(l->db)) != 0) return rc;
    rc = rk_db_prepare(l->db, &st,
                       "SELECT c.status, c.deadline, coalesce(o.uuid, '') FROM complaint c "
                       "LEFT JOIN orders o ON o.id = c.order_id WHERE c.id = ?");
    if (!rc) {
        sqlite3_bind_int64(st, 1, id);
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW) {
            rk_db_text(status, sizeof status, st, 0);
            deadline = sqlite3_column_int64(st, 1);
            rk_db_text(uuid, sizeof uuid, st, 2);
        } else {
            rc = s == SQLITE_DONE ? rk_err_set(RK_ENOTFOUND, "no complaint #%lld", (long long)id)
                                  : rk_db_fail(l->db, "cannot read the complaint");
        }
        sqlite3_finalize(st);
    }
    if (!rc && strcmp(status, "open"))
        rc = rk_err_set(RK_ESTATE, "complaint #%lld is already %s", (long long)id, status);
    if (!rc && (rc = rk_db_prepare(l->db, &st,
                                   "UPDATE complaint SET status = 'resolved', resolution = ?, "
                                   "resolved_by = ?, resolved_at = ? WHERE id = ?")) == 0) {
        sqlite3_bind_text(st, 1, resolution, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, by->clerk_id);
        sqlite3_bind_int64(st, 3, now);
        sqlite3_bind_int64(st, 4, id);
        rc = rk_db_step_done(l->db, st, "cannot resolve the complaint");
    }
    if (!rc) {
        json_start(&j, &b, l, id, now);
        rk_json_kstr(&j, "status", "resolved");
        rk_json_kint(&j, "deadline", deadline);
        rk_json_kbool(&j, "late", now > deadline);
        if (uuid[0]) rk_json_kstr(&j, "order", uuid);
        rk_json_obj_end(&j);
        snprintf(eid, sizeof eid, "complaint/%lld", (long long)id);
        snprintf(detail, sizeof detail, "complaint #%lld resolved%s", (long long)id,
                 now > deadline ? " after the agreed deadline" : "");
        rc = record(l, by, "supervisor", "record.complaint_resolved", eid, uuid, &j, &b, detail);
        rk_buf_free(&b);
    }
    return rk_db_end(l->db, rc);
}

/* One complaint; arg is the int64_t "now" that decides whether it is overdue. */
static int read_complaint(void *elem, sqlite3_stmt *st, void *arg)
{
    rk_complaint *c = elem;
    int64_t now = *(const int64_t *)arg;
    c->id = sqlite3_column_int64(st, 0);
    c->at = sqlite3_column_int64(st, 1);
    c->deadline = sqlite3_column_int64(st, 2);
    c->resolved_at = sqlite3_column_int64(st, 3);
    rk_db_text(c->clerk, sizeof c->clerk, st, 4);
    rk_db_text(c->order_ref, sizeof c->order_ref, st, 5);
    rk_db_text(c->subscriber, sizeof c->subscriber, st, 6);
    rk_db_text(c->content, sizeof c->content, st, 7);
    rk_db_text(c->status, sizeof c->status, st, 8);
    rk_db_text(c->resolution, sizeof c->resolution, st, 9);
    rk_db_text(c->resolved_by, sizeof c->resolved_by, st, 10);
    c->overdue = !strcmp(c->status, "open") && c->deadline < now;
    return 0;
}

int rk_service_complaint_list(rk_ledger *l, int which, rk_complaint **out, int *n)
{
    sqlite3_stmt *st;
    int64_t now = rk_clock_now();
    int rc;

    *out = NULL;
    *n = 0;
    rc = rk_db_prepare(
        l->db, &st,
        "SELECT c.id, c.at, c.deadline, coalesce(c.resolved_at, 0), coalesce(k.login, ''), "
        "coalesce(o.ref, ''), c.subscriber, c.content, c.status, coalesce(c.resolution, ''), "
        "coalesce(r.login, '') FROM complaint c LEFT JOIN clerk k ON k.id = c.clerk_id "
        "LEFT JOIN clerk r ON r.id = c.resolved_by LEFT JOIN orders o ON o.id = c.order_id "
        "WHERE ?1 = 0 OR (c.status = 'open' AND (?1 = 1 OR c.deadline < ?2)) "
        "ORDER BY c.at, c.id");
    if (rc) return rc;
    sqlite3_bind_int(st, 1, which);
    sqlite3_bind_int64(st, 2, now);
    return rk_db_collect((void **)out, n, l->db, st, sizeof **out, read_complaint, &now,
                         "complaints");
}

/* --- surveys ------------------------------------------------------------ */

int rk_service_survey(rk_ledger *l, const rk_actor *by, int score, const char *comment,
                      const char *order_ref, int64_t *id)
{
    sqlite3_stmt *st;
    rk_buf b;
    rk_json j;
    char eid[48], detail[96], uuid[37] = "";
    int64_t now = rk_clock_now(), order_id = 0, nid;
    int rc;

    if (score < 1 || score > 5) return rk_err_set(RK_EINVAL, "a satisfaction score is 1 to 5");
    if ((rc = check_text("comment", comment, RK_SERVICE_COMMENT_MAX, 0)) != 0) return rc;
    if (order_ref && *order_ref && (rc = order_ids(l, order_ref, &order_id, uuid)) != 0) return rc;
    if ((rc = rk_db_begin(l->db)) != 0) return rc;
    rc = rk_db_prepare(l->db, &st,
                       "INSERT INTO survey(at, order_id, score, comment) VALUES (?, ?, ?, ?)");
    if (!rc) {
        sqlite3_bind_int64(st, 1, now);
        if (order_id)
            sqlite3_bind_int64(st, 2, order_id);
        else
            sqlite3_bind_null(st, 2);
        sqlite3_bind_int(st, 3, score);
        rk_db_bind_opt_text(st, 4, comment);
        rc = rk_db_step_done(l->db, st, "cannot record the survey");
    }
    if (!rc) {
        nid = sqlite3_last_insert_rowid(rk_db_handle(l->db));
        json_start(&j, &b, l, nid, now);
        rk_json_kint(&j, "score", score);
        if (uuid[0]) rk_json_kstr(&j, "order", uuid);
        rk_json_obj_end(&j);
        snprintf(eid, sizeof eid, "survey/%lld", (long long)nid);
        snprintf(detail, sizeof detail, "survey #%lld: score %d", (long long)nid, score);
        rc = record(l, by, by->clerk_id ? any_role(by) : "self-service", "record.survey", eid, uuid,
                    &j, &b, detail);
        rk_buf_free(&b);
        if (!rc && id) *id = nid;
    }
    return rk_db_end(l->db, rc);
}

/* --- the weekly summary ------------------------------------------------- */

void rk_service_week(int64_t t, int64_t *start, int64_t *end)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    tm.tm_mday -= (tm.tm_wday + 6) % 7; /* back to Monday */
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    *start = (int64_t)mktime(&tm);
    tm.tm_mday += 7;
    tm.tm_isdst = -1;
    *end = (int64_t)mktime(&tm);
}

void rk_service_average(char *out, size_t n, int sum, int count)
{
    if (count <= 0) {
        snprintf(out, n, "-");
        return;
    }
    /* Rounded to hundredths in integers: no locale, no float surprises. */
    long hundredths = ((long)sum * 200 + count) / (2L * count);
    snprintf(out, n, "%ld.%02ld", hundredths / 100, hundredths % 100);
}

/* Runs sql with ?1 = start, ?2 = end, ?3 = cutoff; calls each row. */
static int each_row(rk_ledger *l, const char *sql, const rk_weekly *w,
                    void (*fn)(sqlite3_stmt *st, rk_weekly *w), rk_weekly *out)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(l->db, &st, sql), s;
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, w->start);
    sqlite3_bind_int64(st, 2, w->end);
    sqlite3_bind_int64(st, 3, w->cutoff);
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        fn(st, out);
    rc = s == SQLITE_DONE ? 0 : rk_db_fail(l->db, "cannot read the weekly figures");
    sqlite3_finalize(st);
    return rc;
}

static void on_channel(sqlite3_stmt *st, rk_weekly *w)
{
    const char *c = (const char *)sqlite3_column_text(st, 0);
    for (int i = 0; c && i < N_CHANNELS; i++)
        if (!strcmp(c, channels[i].id)) w->channels[i].count = sqlite3_column_int(st, 1);
    w->consultations += sqlite3_column_int(st, 1);
}

static void on_topic(sqlite3_stmt *st, rk_weekly *w)
{
    if (w->n_topics == RK_WEEKLY_MAX) return;
    rk_weekly_count *t = &w->topics[w->n_topics++];
    rk_db_text(t->key, sizeof t->key, st, 0);
    t->count = sqlite3_column_int(st, 1);
    t->extra = sqlite3_column_int(st, 2);
}

static void on_order(sqlite3_stmt *st, rk_weekly *w)
{
    w->orders += sqlite3_column_int(st, 2);
    if (w->n_order_states == RK_WEEKLY_MAX) return;
    rk_weekly_count *t = &w->order_states[w->n_order_states++];
    rk_db_text(t->key, sizeof t->key, st, 0);
    rk_db_text(t->key2, sizeof t->key2, st, 1);
    t->count = sqlite3_column_int(st, 2);
}

static void on_figures(sqlite3_stmt *st, rk_weekly *w)
{
    w->overdue = sqlite3_column_int(st, 0);
    w->complaints_opened = sqlite3_column_int(st, 1);
    w->complaints_resolved = sqlite3_column_int(st, 2);
    w->complaints_overdue = sqlite3_column_int(st, 3);
    w->surveys = sqlite3_column_int(st, 4);
    w->score_sum = sqlite3_column_int(st, 5);
}

static void on_clerk(sqlite3_stmt *st, rk_weekly *w)
{
    if (w->n_clerks == RK_WEEKLY_MAX) return;
    rk_weekly_count *t = &w->clerks[w->n_clerks++];
    rk_db_text(t->key, sizeof t->key, st, 0);
    t->count = sqlite3_column_int(st, 1);
    t->extra = sqlite3_column_int(st, 2);
}

/* A day's payments (refunds: into refunds) from (day, count, fen). */
static void on_money(sqlite3_stmt *st, rk_weekly *w, int refunds)
{
    int d = sqlite3_column_int(st, 0), n = sqlite3_column_int(st, 1);
    int64_t fen = sqlite3_column_int64(st, 2);
    if (d < 0 || d > 6) return;
    if (refunds) {
        w->days[d].refunds += n;
        w->days[d].refunded_fen += fen;
        w->takings.refunds += n;
        w->takings.refunded_fen += fen;
    } else {
        w->days[d].payments += n;
        w->days[d].paid_fen += fen;
        w->takings.payments += n;
        w->takings.paid_fen += fen;
    }
}

static void on_paid(sqlite3_stmt *st, rk_weekly *w)
{
    on_money(st, w, 0);
}

static void on_refunded(sqlite3_stmt *st, rk_weekly *w)
{
    on_money(st, w, 1);
}

int rk_service_weekly(rk_ledger *l, int64_t day, rk_weekly *w)
{
    int64_t now = rk_clock_now();
    int rc;

    memset(w, 0, sizeof *w);
    rk_service_week(day, &w->start, &w->end);
    w->cutoff = now < w->end ? now : w->end;
    for (int i = 0; i < N_CHANNELS; i++)
        rk_utf8_copy(w->channels[i].key, sizeof w->channels[i].key, channels[i].id);
    /* Plain reads, no write lock: the figures are a report, not a ledger. */
    if ((rc = each_row(l,
                       "SELECT channel, count(*) FROM consultation WHERE at >= ?1 AND at < ?2 "
                       "AND ?3 = ?3 GROUP BY channel",
                       w, on_channel, w)) ||
        (rc = each_row(l,
                       "SELECT topic, count(*), sum(coalesce(answer, '') <> '') FROM consultation "
                       "WHERE at >= ?1 AND at < ?2 AND ?3 = ?3 GROUP BY topic "
                       "ORDER BY count(*) DESC, topic",
                       w, on_topic, w)) ||
        (rc = each_row(l,
                       "SELECT business, state, count(*) FROM orders WHERE submitted_at >= ?1 "
                       "AND submitted_at < ?2 AND ?3 = ?3 GROUP BY business, state "
                       "ORDER BY business, state",
                       w, on_order, w)) ||
        (rc = each_row(
             l,
             "SELECT (SELECT count(*) FROM orders WHERE due_at IS NOT NULL AND due_at < ?3 "
             "   AND (closed_at IS NULL OR closed_at > ?3)), "
             " (SELECT count(*) FROM complaint WHERE at >= ?1 AND at < ?2), "
             " (SELECT count(*) FROM complaint WHERE resolved_at >= ?1 AND resolved_at < ?2), "
             " (SELECT count(*) FROM complaint WHERE deadline < ?3 AND at < ?3 "
             "   AND (resolved_at IS NULL OR resolved_at > ?3)), "
             " (SELECT count(*) FROM survey WHERE at >= ?1 AND at < ?2), "
             " (SELECT coalesce(sum(score), 0) FROM survey WHERE at >= ?1 AND at < ?2)",
             w, on_figures, w)) ||
        (rc = each_row(l,
                       "SELECT k.login, count(*), sum(s.score) FROM survey s "
                       "JOIN orders o ON o.id = s.order_id "
                       "JOIN clerk k ON k.id = coalesce(o.delivered_by, o.issued_by, o.entered_by) "
                       "WHERE s.at >= ?1 AND s.at < ?2 AND ?3 = ?3 GROUP BY k.login "
                       "ORDER BY k.login",
                       w, on_clerk, w)) ||
        (rc = each_row(l,
                       "SELECT (paid_at - ?1) / 86400, count(*), sum(paid_fen) FROM orders "
                       "WHERE paid_at >= ?1 AND paid_at < ?2 AND ?3 = ?3 GROUP BY 1",
                       w, on_paid, w)) ||
        (rc = each_row(l,
                       "SELECT (refunded_at - ?1) / 86400, count(*), sum(refund_fen) FROM orders "
                       "WHERE refunded_at >= ?1 AND refunded_at < ?2 AND ?3 = ?3 GROUP BY 1",
                       w, on_refunded, w)))
        return rc;
    return 0;
}
