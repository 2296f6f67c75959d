/*
 * Incidents and their escalation ladder (see incident.h): the ladder as a
 * table, the state at a given time, and the incident table of the branch
 * database (migration 12), each change recorded with its audit entry and
 * outbox event.
 */
#include "domain/incident.h"

#include "audit/record.h"
#include "util/err.h"
#include "util/json.h"
#include "util/utf8.h"
#include "util/uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const rk_incident_levels[] = {"urgent", "serious", "general", NULL};

static const char *const ROLES[RK_INCIDENT_RUNGS] = {"account manager", "support manager",
                                                     "technical director", "president"};

/* Hours after recording at which each rung is reached, per level (0: the
 * level skips that rung). Seed 002's table 4.4.3. */
static const int LADDER[3][RK_INCIDENT_RUNGS] = {
    {2, 8, 12, 24}, /* urgent */
    {8, 12, 24, 0}, /* serious: account manager at 8 h ... technical director at 24 h */
    {12, 24, 0, 0}, /* general: account manager at 12 h, support manager at 24 h */
};

int rk_incident_level(const char *word)
{
    for (int i = 0; word && rk_incident_levels[i]; i++)
        if (!strcmp(word, rk_incident_levels[i])) return i + 1;
    return 0;
}

const char *rk_incident_level_name(int level)
{
    return level >= 1 && level <= 3 ? rk_incident_levels[level - 1] : "";
}

const char *rk_incident_role(int rung)
{
    return rung >= 1 && rung <= RK_INCIDENT_RUNGS ? ROLES[rung - 1] : "";
}

int rk_incident_escalation(rk_incident_state *out, int level, int64_t opened_at,
                           int64_t contacted_at, int64_t closed_at, int64_t now)
{
    memset(out, 0, sizeof *out);
    out->role = out->next_role = "";
    if (level < 1 || level > 3) return rk_err_set(RK_EINVAL, "unknown incident level %d", level);
    int64_t at = closed_at && closed_at < now ? closed_at : now;
    out->open = closed_at == 0 || closed_at > now;
    out->contact_due = opened_at + RK_INCIDENT_CONTACT_S;
    out->solution_due = opened_at + RK_INCIDENT_SOLUTION_S;
    for (int r = 0; r < RK_INCIDENT_RUNGS && LADDER[level - 1][r]; r++) {
        int64_t due = opened_at + (int64_t)LADDER[level - 1][r] * 3600;
        if (at >= due) {
            out->rung = r + 1;
            out->role = ROLES[r];
        } else if (out->open) {
            out->next_at = due;
            out->next_role = ROLES[r];
            break;
        } else
            break;
    }
    int64_t contact = contacted_at && contacted_at <= at ? contacted_at : 0;
    out->contact_overdue = at > out->contact_due && (!contact || contact > out->contact_due);
    out->solution_overdue = out->open && now > out->solution_due;
    return 0;
}

/* ---- the table ---------------------------------------------------------------- */

static int text_ok(const char *what, const char *s)
{
    if (!s || !*s) return rk_err_set(RK_EINVAL, "%s: give a description", what);
    if (strlen(s) > RK_INCIDENT_TEXT_MAX)
        return rk_err_set(RK_EINVAL, "%s: at most %d bytes", what, RK_INCIDENT_TEXT_MAX);
    if (!rk_utf8_valid(s, strlen(s))) return rk_err_set(RK_EINVAL, "%s: not UTF-8 text", what);
    return 0;
}

static const char COLS[] = "SELECT uuid, level, affected, summary, opened_by, opened_at, "
                           "contacted_at, closed_at, resolution FROM incident ";

static int row(void *elem, sqlite3_stmt *st, void *arg)
{
    rk_incident *x = elem;
    (void)arg;
    memset(x, 0, sizeof *x);
    rk_db_text(x->uuid, sizeof x->uuid, st, 0);
    x->level = sqlite3_column_int(st, 1);
    rk_db_text(x->affected, sizeof x->affected, st, 2);
    rk_db_text(x->summary, sizeof x->summary, st, 3);
    rk_db_text(x->opened_by, sizeof x->opened_by, st, 4);
    x->opened_at = sqlite3_column_int64(st, 5);
    x->contacted_at = sqlite3_column_int64(st, 6);
    x->closed_at = sqlite3_column_int64(st, 7);
    rk_db_text(x->resolution, sizeof x->resolution, st, 8);
    return 0;
}

int rk_incident_get(rk_db *db, const char *uuid, rk_incident *out)
{
    sqlite3_stmt *st;
    char sql[256];
    snprintf(sql, sizeof sql, "%sWHERE uuid = ?", COLS);
    int rc = rk_db_cached(db, &st, sql);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        row(out, st, NULL);
    else
        rc = s == SQLITE_DONE ? rk_err_set(RK_ENOTFOUND, "no incident %s", uuid)
                              : rk_db_fail(db, "cannot read the incident");
    rk_db_release(db, st);
    return rc;
}

int rk_incident_list(rk_db *db, int open_only, rk_incident **out, int *n)
{
    sqlite3_stmt *st;
    char sql[256];
    snprintf(sql, sizeof sql, "%s%sORDER BY opened_at DESC, id DESC", COLS,
             open_only ? "WHERE closed_at = 0 " : "");
    int rc = rk_db_prepare(db, &st, sql);
    if (rc) return rc;
    return rk_db_collect((void **)out, n, db, st, sizeof **out, row, NULL, "incidents");
}

/* The incident as JSON (no personal data: what the clerk typed about a
 * system fault), for the audit entry and the outbox event. */
static int snapshot(rk_buf *b, const rk_incident *x)
{
    rk_json j;
    rk_json_init(&j, b);
    rk_json_obj_begin(&j);
    rk_json_kstr(&j, "affected", x->affected);
    rk_json_kint(&j, "closed_at", x->closed_at);
    rk_json_kint(&j, "contacted_at", x->contacted_at);
    rk_json_kstr(&j, "level", rk_incident_level_name(x->level));
    rk_json_kint(&j, "opened_at", x->opened_at);
    rk_json_kstr(&j, "opened_by", x->opened_by);
    rk_json_kstr(&j, "resolution", x->resolution);
    rk_json_kstr(&j, "summary", x->summary);
    rk_json_kstr(&j, "uuid", x->uuid);
    rk_json_obj_end(&j);
    return rk_json_finish(&j);
}

static int record(rk_db *db, const rk_actor *actor, const char *action, const rk_incident *x)
{
    rk_buf b;
    rk_buf_init(&b, 16384);
    int rc = snapshot(&b, x);
    if (!rc) {
        rk_record r = {.actor = actor->login,
                       .role = actor->clerk_id ? "clerk" : "system",
                       .action = action,
                       .after = b.data,
                       .entity = "incident",
                       .entity_id = x->uuid,
                       .kind = action};
        rc = rk_record_add(db, &r);
    }
    rk_buf_free(&b);
    return rc;
}

int rk_incident_open(rk_db *db, const rk_actor *actor, int level, const char *affected,
                     const char *summary, int64_t now, rk_incident *out)
{
    sqlite3_stmt *st;
    rk_incident x;
    int rc;
    if (level < 1 || level > 3) return rk_err_set(RK_EINVAL, "level: urgent, serious or general");
    if ((rc = text_ok("affected", affected)) || (rc = text_ok("summary", summary))) return rc;
    memset(&x, 0, sizeof x);
    if ((rc = rk_uuid_v4(x.uuid)) != 0) return rc;
    x.level = level;
    snprintf(x.affected, sizeof x.affected, "%s", affected);
    snprintf(x.summary, sizeof x.summary, "%s", summary);
    snprintf(x.opened_by, sizeof x.opened_by, "%s", actor->clerk_id ? actor->login : "system");
    x.opened_at = now;
    if ((rc = rk_db_cached(db, &st,
                           "INSERT INTO incident(uuid, level, affected, summary, opened_by, "
                           "opened_at) VALUES (?, ?, ?, ?, ?, ?)")) != 0)
        return rc;
    sqlite3_bind_text(st, 1, x.uuid, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, level);
    sqlite3_bind_text(st, 3, x.affected, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, x.summary, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, x.opened_by, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot record the incident");
    rk_db_release(db, st);
    if (!rc) rc = record(db, actor, "incident.opened", &x);
    if (!rc && out) *out = x;
    return rc;
}

static int update(rk_db *db, const rk_incident *x)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(db, &st,
                          "UPDATE incident SET contacted_at = ?, closed_at = ?, resolution = ? "
                          "WHERE uuid = ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, x->contacted_at);
    sqlite3_bind_int64(st, 2, x->closed_at);
    sqlite3_bind_text(st, 3, x->resolution, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, x->uuid, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot update the incident");
    rk_db_release(db, st);
    return rc;
}

int rk_incident_contact(rk_db *db, const rk_actor *actor, const char *uuid, int64_t now,
                        rk_incident *out)
{
    rk_incident x;
    int rc = rk_incident_get(db, uuid, &x);
    if (rc) return rc;
    if (x.closed_at) return rk_err_set(RK_ESTATE, "incident %s is closed", uuid);
    if (x.contacted_at) return rk_err_set(RK_ESTATE, "incident %s was contacted already", uuid);
    x.contacted_at = now;
    if (!(rc = update(db, &x))) rc = record(db, actor, "incident.contacted", &x);
    if (!rc && out) *out = x;
    return rc;
}

int rk_incident_close(rk_db *db, const rk_actor *actor, const char *uuid, const char *resolution,
                      int64_t now, rk_incident *out)
{
    rk_incident x;
    int rc = text_ok("resolution", resolution);
    if (rc || (rc = rk_incident_get(db, uuid, &x))) return rc;
    if (x.closed_at) return rk_err_set(RK_ESTATE, "incident %s is closed already", uuid);
    x.closed_at = now;
    snprintf(x.resolution, sizeof x.resolution, "%s", resolution);
    if (!(rc = update(db, &x))) rc = record(db, actor, "incident.closed", &x);
    if (!rc && out) *out = x;
    return rc;
}
