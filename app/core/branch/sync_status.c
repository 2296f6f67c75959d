/*
 * The sync daemon's status in the meta table (see sync_status.h).
 */
#include "branch/sync_status.h"

#include "branch/sync_archive.h"
#include "db/outbox.h"
#include "util/err.h"
#include "util/json.h"

#include <jansson.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rk_sync_meta_int(rk_db *db, const char *key, int64_t *v, int64_t dflt)
{
    char buf[32];
    int rc = rk_db_meta_get(db, key, buf, sizeof buf);
    if (rc == RK_ENOTFOUND) {
        rk_err_clear();
        *v = dflt;
        return 0;
    }
    if (rc) return rc;
    char *end;
    long long x = strtoll(buf, &end, 10);
    if (*end || end == buf)
        return rk_err_set(RK_EDB, "setting %s holds '%s', not a number", key, buf);
    *v = x;
    return 0;
}

int rk_sync_meta_set_int(rk_db *db, const char *key, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return rk_db_meta_set(db, key, buf);
}

/* The result's numbers, by name: written and read through one table. */
#define FIELD(name, type)                                                                          \
    {                                                                                              \
#name, offsetof(rk_sync_result, name), sizeof(type), 0                                     \
    }
#define FLAG(name)                                                                                 \
    {                                                                                              \
#name, offsetof(rk_sync_result, name), sizeof(int), 1                                      \
    }
static const struct {
    const char *name;
    size_t off, size;
    int flag; /* a yes/no, written as a JSON boolean */
} FIELDS[] = {
    FIELD(started_at, int64_t),
    FIELD(finished_at, int64_t),
    FLAG(ok),
    FIELD(skew, int64_t),
    FIELD(pushed, int64_t),
    FIELD(acked_seq, int64_t),
    FIELD(duplicates, int64_t),
    FIELD(audit_pushed, int64_t),
    FIELD(audit_acked, int64_t),
    FIELD(pulled, int64_t),
    FIELD(applied, int64_t),
    FIELD(skipped, int64_t),
    FIELD(cursor, int64_t),
    FIELD(crl, int),
    FIELD(config, int),
    FIELD(config_version, int64_t),
    FIELD(archives_sent, int64_t),
    FIELD(archives_confirmed, int64_t),
    FIELD(archives_deleted, int64_t),
    FIELD(archive_bytes, int64_t),
    FIELD(archive_bytes_again, int64_t),
    FIELD(update, int),
    FIELD(update_bytes, int64_t),
    FIELD(update_resumed_from, int64_t),
    FLAG(reconciled),
    FIELD(days_compared, int64_t),
    FIELD(days_differing, int64_t),
    FIELD(repaired, int64_t),
    FIELD(unresolved, int64_t),
    FIELD(backlog_events, int64_t),
    FIELD(backlog_archives, int64_t),
};
#undef FIELD
#undef FLAG
#define N_FIELDS (sizeof FIELDS / sizeof FIELDS[0])

static int64_t field_get(const rk_sync_result *r, size_t i)
{
    const char *p = (const char *)r + FIELDS[i].off;
    if (FIELDS[i].size == sizeof(int)) {
        int v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    int64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void field_set(rk_sync_result *r, size_t i, int64_t v)
{
    char *p = (char *)r + FIELDS[i].off;
    if (FIELDS[i].size == sizeof(int)) {
        int x = (int)v;
        memcpy(p, &x, sizeof x);
    } else
        memcpy(p, &v, sizeof v);
}

static void result_json(rk_json *j, const rk_sync_result *r)
{
    rk_json_obj_begin(j);
    for (size_t i = 0; i < N_FIELDS; i++)
        if (FIELDS[i].flag)
            rk_json_kbool(j, FIELDS[i].name, field_get(r, i) != 0);
        else
            rk_json_kint(j, FIELDS[i].name, field_get(r, i));
    rk_json_kstr(j, "error", r->error);
    rk_json_kstr(j, "warning", r->warning);
    rk_json_kstr(j, "http", r->http);
    rk_json_obj_end(j);
}

int rk_sync_status_save(rk_db *db, const rk_sync_result *r)
{
    rk_buf b;
    rk_json j;
    int rc;
    rk_buf_init(&b, 1 << 16);
    rk_json_init(&j, &b);
    result_json(&j, r);
    rc = rk_json_finish(&j);
    if (!rc) rc = rk_db_begin(db);
    if (!rc) {
        rc = rk_db_meta_set(db, "sync.last", b.data);
        if (!rc && r->ok) rc = rk_sync_meta_set_int(db, "sync.last_ok", r->finished_at);
        rc = rc ? rc : rk_db_commit(db);
        if (rc) rk_db_rollback(db);
    }
    rk_buf_free(&b);
    return rc;
}

static int64_t jint(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? json_integer_value(v) : json_is_true(v) ? 1 : 0;
}

static void jstr(char *out, size_t n, json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    snprintf(out, n, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int rk_sync_status_read(rk_sync_status *out, rk_db *db)
{
    char *text = malloc(1 << 16);
    int rc;
    memset(out, 0, sizeof *out);
    if (!text) return rk_err_oom();
    rc = rk_db_meta_get(db, "sync.last", text, 1 << 16);
    if (rc == RK_ENOTFOUND) {
        rk_err_clear();
        rc = 0;
    } else if (!rc) {
        json_error_t e;
        json_t *o = json_loads(text, 0, &e);
        if (json_is_object(o)) {
            rk_sync_result *r = &out->last;
            out->has_last = 1;
            for (size_t i = 0; i < N_FIELDS; i++)
                field_set(r, i, jint(o, FIELDS[i].name));
            jstr(r->error, sizeof r->error, o, "error");
            jstr(r->warning, sizeof r->warning, o, "warning");
            jstr(r->http, sizeof r->http, o, "http");
        }
        json_decref(o);
    }
    free(text);
    if (!rc) rc = rk_sync_meta_int(db, "sync.last_ok", &out->last_ok, 0);
    if (!rc) rc = rk_outbox_marks(db, &out->sent_upto, &out->unsent_events);
    if (!rc) rc = rk_sync_archive_open_count(db, &out->archives_open);
    if (!rc) rc = rk_sync_meta_int(db, "sync.cursor", &out->cursor, 0);
    if (!rc) rc = rk_sync_meta_int(db, "sync.config_version", &out->config_version, 0);
    if (!rc) rc = rk_sync_meta_int(db, "sync.audit_seq", &out->audit_seq, 0);
    return rc;
}

int rk_sync_status_json(rk_buf *out, const rk_sync_status *s)
{
    rk_json j;
    rk_json_init(&j, out);
    rk_json_obj_begin(&j);
    rk_json_kint(&j, "last_ok", s->last_ok);
    rk_json_kint(&j, "unsent_events", s->unsent_events);
    rk_json_kint(&j, "sent_upto", s->sent_upto);
    rk_json_kint(&j, "archives_open", s->archives_open);
    rk_json_kint(&j, "cursor", s->cursor);
    rk_json_kint(&j, "config_version", s->config_version);
    rk_json_kint(&j, "audit_anchor", s->audit_seq);
    rk_json_key(&j, "last");
    if (s->has_last)
        result_json(&j, &s->last);
    else
        rk_json_null(&j);
    rk_json_obj_end(&j);
    return rk_json_finish(&j);
}
