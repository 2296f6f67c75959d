/*
 * The sync protocol's messages (see sync_proto.h): jansson documents in and out,
 * every field checked for presence, type and size.
 */
#include "branch/sync_proto.h"

#include "util/err.h"
#include "util/hex.h"
#include "util/jsonin.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- jansson helpers ------------------------------------------------------ */
/* Reading goes through util/jsonin.h (limits, positions, the getters). */

static int load(json_t **out, const char *body, size_t len, const char *what)
{
    rk_jsonin_limits lim = {.max_bytes = RK_SYNC_PROTO_MAX_BODY};
    int rc = rk_jsonin_parse(out, body, len, &lim, what);
    if (rc) return rc;
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return rk_err_set(RK_EFORMAT, "%s is not a JSON object", what);
    }
    json_t *p = json_object_get(*out, "protocol");
    if (p && (!json_is_integer(p) || json_integer_value(p) != RK_SYNC_PROTO_VERSION)) {
        json_decref(*out);
        *out = NULL;
        return rk_err_set(RK_EFORMAT, "%s speaks another protocol version", what);
    }
    return 0;
}

static int get_int(int64_t *out, json_t *o, const char *key, int required, const char *what)
{
    return rk_jsonin_int(out, o, key, required, what);
}

/* Copies string field key into out[n] ("" when absent); required fields
 * must be non-empty. */
static int get_str(char *out, size_t n, json_t *o, const char *key, int required, const char *what)
{
    out[0] = '\0';
    int rc = rk_jsonin_str(out, n, o, key, required, what);
    if (!rc && required && !out[0]) rc = rk_err_set(RK_EFORMAT, "%s: '%s' is empty", what, key);
    return rc;
}

/* A string or null field as a new heap string (NULL for null/absent). */
static int get_dup(char **out, json_t *o, const char *key, const char *what)
{
    return rk_jsonin_strdup(out, o, key, 0, what);
}

static int get_array(json_t **out, json_t *o, const char *key, size_t max, const char *what)
{
    return rk_jsonin_array(out, o, key, max, 1, what);
}

static int dump(rk_buf *out, json_t *doc)
{
    int rc;
    if (!doc) return rk_err_oom();
    char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    if (!s) return rk_err_oom();
    rk_buf_reset(out);
    rc = rk_buf_puts(out, s);
    free(s);
    return rc;
}

/* A new object with "protocol": 1. */
static json_t *message(void)
{
    json_t *o = json_object();
    if (o) json_object_set_new(o, "protocol", json_integer(RK_SYNC_PROTO_VERSION));
    return o;
}

static int sha_ok(const char *s)
{
    return rk_sync_proto_sha256_ok(s);
}

int rk_sync_proto_sha256_ok(const char *s)
{
    if (strlen(s) != 64) return 0;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

int rk_sync_proto_branch_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= RK_SYNC_PROTO_BRANCH_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

/* ---- errors --------------------------------------------------------------- */

int rk_sync_proto_error(rk_buf *out, const char *token, const char *message_text,
                        const char *extra_key, int64_t extra)
{
    json_t *o = message();
    if (!o) return rk_err_oom();
    json_object_set_new(o, "error", json_string(token));
    json_object_set_new(o, "message", json_string(message_text ? message_text : ""));
    if (extra_key) json_object_set_new(o, extra_key, json_integer(extra));
    return dump(out, o);
}

int rk_sync_proto_error_parse(char *token, size_t token_n, char *msg, size_t msg_n,
                              const char *extra_key, int64_t *extra, const char *body, size_t len)
{
    json_t *o;
    int rc = load(&o, body, len, "HQ's error answer");
    if (rc) return rc;
    json_t *t = json_object_get(o, "error"), *m = json_object_get(o, "message");
    if (!json_is_string(t)) {
        json_decref(o);
        return rk_err_set(RK_EFORMAT, "HQ's error answer has no error token");
    }
    if (token) snprintf(token, token_n, "%s", json_string_value(t));
    if (msg) snprintf(msg, msg_n, "%s", json_is_string(m) ? json_string_value(m) : "");
    if (extra_key && extra) {
        json_t *x = json_object_get(o, extra_key);
        if (json_is_integer(x)) *extra = json_integer_value(x);
    }
    json_decref(o);
    return 0;
}

/* ---- events --------------------------------------------------------------- */

void rk_sync_proto_events_free(rk_sync_proto_events *e)
{
    if (!e) return;
    for (int i = 0; i < e->n; i++) {
        free(e->ev[i].payload);
        json_decref(e->ev[i].payload_obj);
    }
    free(e->ev);
    e->ev = NULL;
    e->n = 0;
}

static int event_parse(rk_sync_proto_event *ev, json_t *o, int i)
{
    char what[48];
    int rc;
    snprintf(what, sizeof what, "event %d", i);
    if (!json_is_object(o)) return rk_err_set(RK_EFORMAT, "%s is not an object", what);
    if ((rc = get_int(&ev->seq, o, "seq", 1, what)) || (rc = get_int(&ev->at, o, "at", 1, what)) ||
        (rc = get_str(ev->uuid, sizeof ev->uuid, o, "uuid", 1, what)) ||
        (rc = get_str(ev->entity, sizeof ev->entity, o, "entity", 1, what)) ||
        (rc = get_str(ev->entity_id, sizeof ev->entity_id, o, "entity_id", 1, what)) ||
        (rc = get_str(ev->kind, sizeof ev->kind, o, "kind", 1, what)))
        return rc;
    if (ev->seq <= 0) return rk_err_set(RK_EFORMAT, "%s: 'seq' must be positive", what);
    json_t *p = json_object_get(o, "payload");
    if (!json_is_object(p)) return rk_err_set(RK_EFORMAT, "%s: 'payload' is not an object", what);
    json_t *r = json_object_get(o, "repair");
    if (r && !json_is_boolean(r))
        return rk_err_set(RK_EFORMAT, "%s: 'repair' is not a boolean", what);
    ev->repair = r && json_is_true(r);
    if (!(ev->payload = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS))) return rk_err_oom();
    ev->payload_obj = json_incref(p);
    return 0;
}

int rk_sync_proto_events_parse(rk_sync_proto_events *out, const char *body, size_t len)
{
    json_t *o, *arr;
    int rc;

    memset(out, 0, sizeof *out);
    out->pending = -1;
    if ((rc = load(&o, body, len, "the push request")) != 0) return rc;
    if ((rc = get_int(&out->pending, o, "pending", 0, "the push request")) != 0) goto out;
    if (out->pending < 0 && json_is_integer(json_object_get(o, "pending"))) {
        rc = rk_err_set(RK_EFORMAT, "the push request: 'pending' is negative");
        goto out;
    }
    if ((rc = get_str(out->branch, sizeof out->branch, o, "branch", 0, "the push request")) ||
        (rc = get_array(&arr, o, "events", RK_SYNC_PROTO_MAX_BATCH, "the push request")))
        goto out;
    size_t n = json_array_size(arr);
    if (n == 0) {
        rc = rk_err_set(RK_EFORMAT, "the push request carries no events");
        goto out;
    }
    if (!(out->ev = calloc(n, sizeof *out->ev))) {
        rc = rk_err_oom();
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        out->n = (int)i + 1;
        if ((rc = event_parse(&out->ev[i], json_array_get(arr, i), (int)i)) != 0) goto out;
        if (i > 0 && out->ev[i].seq <= out->ev[i - 1].seq) {
            rc = rk_err_set(RK_EFORMAT, "event %zu: sequence %lld does not follow %lld", i,
                            (long long)out->ev[i].seq, (long long)out->ev[i - 1].seq);
            goto out;
        }
    }
out:
    json_decref(o);
    if (rc) rk_sync_proto_events_free(out);
    return rc;
}

int rk_sync_proto_events_write(rk_buf *out, const char *branch, const rk_sync_proto_event *ev,
                               int n, int64_t pending)
{
    json_t *o = message(), *arr = json_array();
    if (!o || !arr) {
        json_decref(o);
        json_decref(arr);
        return rk_err_oom();
    }
    if (branch && *branch) json_object_set_new(o, "branch", json_string(branch));
    if (pending >= 0) json_object_set_new(o, "pending", json_integer(pending));
    json_object_set_new(o, "events", arr);
    for (int i = 0; i < n; i++) {
        json_error_t e;
        json_t *p = json_loads(ev[i].payload ? ev[i].payload : "{}", 0, &e);
        if (!json_is_object(p)) {
            json_decref(p);
            json_decref(o);
            return rk_err_set(RK_EFORMAT, "outbox event %lld (%s) holds no JSON object payload",
                              (long long)ev[i].seq, ev[i].kind);
        }
        json_t *x = json_pack("{sI sI ss ss ss ss so}", "seq", (json_int_t)ev[i].seq, "at",
                              (json_int_t)ev[i].at, "uuid", ev[i].uuid, "entity", ev[i].entity,
                              "entity_id", ev[i].entity_id, "kind", ev[i].kind, "payload", p);
        if (!x) {
            json_decref(o);
            return rk_err_set(RK_EFORMAT, "outbox event %lld has a field that is not UTF-8",
                              (long long)ev[i].seq);
        }
        if (ev[i].repair) json_object_set_new(x, "repair", json_true());
        json_array_append_new(arr, x);
    }
    return dump(out, o);
}

int rk_sync_proto_ack_write(rk_buf *out, const rk_sync_proto_ack *a, int audit)
{
    json_t *o = message();
    if (!o) return rk_err_oom();
    json_object_set_new(o, "acked_seq", json_integer(a->acked_seq));
    if (audit)
        json_object_set_new(o, "head_hash", json_string(a->head_hash));
    else {
        json_object_set_new(o, "applied", json_integer(a->applied));
        json_object_set_new(o, "duplicates", json_integer(a->duplicates));
    }
    return dump(out, o);
}

int rk_sync_proto_ack_parse(rk_sync_proto_ack *out, const char *body, size_t len, int audit)
{
    json_t *o;
    int rc;
    memset(out, 0, sizeof *out);
    if ((rc = load(&o, body, len, "HQ's acknowledgement")) != 0) return rc;
    rc = get_int(&out->acked_seq, o, "acked_seq", 1, "HQ's acknowledgement");
    if (!rc && audit)
        rc = get_str(out->head_hash, sizeof out->head_hash, o, "head_hash", 1,
                     "HQ's acknowledgement");
    if (!rc && !audit) rc = get_int(&out->applied, o, "applied", 0, "HQ's acknowledgement");
    if (!rc && !audit) rc = get_int(&out->duplicates, o, "duplicates", 0, "HQ's acknowledgement");
    if (!rc && out->acked_seq < 0)
        rc = rk_err_set(RK_EFORMAT, "HQ acknowledged a negative sequence");
    json_decref(o);
    return rc;
}

/* ---- audit ---------------------------------------------------------------- */

void rk_sync_proto_audits_free(rk_sync_proto_audits *a)
{
    if (!a) return;
    for (int i = 0; i < a->n; i++) {
        rk_sync_proto_audit *e = &a->e[i];
        free(e->actor);
        free(e->role);
        free(e->action);
        free(e->order_id);
        free(e->before);
        free(e->after);
        free(e->detail);
    }
    free(a->e);
    a->e = NULL;
    a->n = 0;
}

static int audit_parse(rk_sync_proto_audit *e, json_t *o, int i)
{
    char what[48];
    int rc;
    snprintf(what, sizeof what, "audit entry %d", i);
    if (!json_is_object(o)) return rk_err_set(RK_EFORMAT, "%s is not an object", what);
    if ((rc = get_int(&e->seq, o, "seq", 1, what)) || (rc = get_int(&e->at, o, "at", 1, what)) ||
        (rc = get_dup(&e->actor, o, "actor", what)) || (rc = get_dup(&e->role, o, "role", what)) ||
        (rc = get_dup(&e->action, o, "action", what)) ||
        (rc = get_dup(&e->order_id, o, "order_id", what)) ||
        (rc = get_dup(&e->before, o, "before", what)) ||
        (rc = get_dup(&e->after, o, "after", what)) ||
        (rc = get_dup(&e->detail, o, "detail", what)) ||
        (rc = get_str(e->prev_hash, sizeof e->prev_hash, o, "prev_hash", 1, what)) ||
        (rc = get_str(e->hash, sizeof e->hash, o, "hash", 1, what)))
        return rc;
    if (!e->actor || !e->role || !e->action)
        return rk_err_set(RK_EFORMAT, "%s: actor, role and action are required", what);
    if (e->seq <= 0 || !sha_ok(e->prev_hash) || !sha_ok(e->hash))
        return rk_err_set(RK_EFORMAT, "%s: bad sequence or hash", what);
    return 0;
}

int rk_sync_proto_audits_parse(rk_sync_proto_audits *out, const char *body, size_t len)
{
    json_t *o, *arr, *head;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = load(&o, body, len, "the audit push")) != 0) return rc;
    head = json_object_get(o, "head");
    if (!json_is_object(head)) {
        rc = rk_err_set(RK_EFORMAT, "the audit push: 'head' is missing");
        goto out;
    }
    if ((rc = get_int(&out->head_seq, head, "seq", 1, "the audit head")) ||
        (rc = get_str(out->head_hash, sizeof out->head_hash, head, "hash", 1, "the audit head")) ||
        (rc = get_array(&arr, o, "entries", RK_SYNC_PROTO_MAX_BATCH, "the audit push")))
        goto out;
    if (out->head_seq < 0 || !sha_ok(out->head_hash)) {
        rc = rk_err_set(RK_EFORMAT, "the audit head has a bad sequence or hash");
        goto out;
    }
    size_t n = json_array_size(arr);
    if (n && !(out->e = calloc(n, sizeof *out->e))) {
        rc = rk_err_oom();
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        out->n = (int)i + 1;
        if ((rc = audit_parse(&out->e[i], json_array_get(arr, i), (int)i)) != 0) goto out;
        if (i > 0 && out->e[i].seq != out->e[i - 1].seq + 1) {
            rc = rk_err_set(RK_EFORMAT, "audit entry %zu: sequence %lld does not follow %lld", i,
                            (long long)out->e[i].seq, (long long)out->e[i - 1].seq);
            goto out;
        }
    }
out:
    json_decref(o);
    if (rc) rk_sync_proto_audits_free(out);
    return rc;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

int rk_sync_proto_audits_write(rk_buf *out, const rk_sync_proto_audits *a)
{
    json_t *o = message(), *arr = json_array();
    if (!o || !arr) {
        json_decref(o);
        json_decref(arr);
        return rk_err_oom();
    }
    json_object_set_new(o, "head",
                        json_pack("{sI ss}", "seq", (json_int_t)a->head_seq, "hash", a->head_hash));
    json_object_set_new(o, "entries", arr);
    for (int i = 0; i < a->n; i++) {
        const rk_sync_proto_audit *e = &a->e[i];
        json_t *x = json_pack("{sI sI so so so so so so so ss ss}", "seq", (json_int_t)e->seq, "at",
                              (json_int_t)e->at, "actor", str_or_null(e->actor), "role",
                              str_or_null(e->role), "action", str_or_null(e->action), "order_id",
                              str_or_null(e->order_id), "before", str_or_null(e->before), "after",
                              str_or_null(e->after), "detail", str_or_null(e->detail), "prev_hash",
                              e->prev_hash, "hash", e->hash);
        if (!x) {
            json_decref(o);
            return rk_err_set(RK_EFORMAT, "audit entry %lld has a field that is not UTF-8",
                              (long long)e->seq);
        }
        json_array_append_new(arr, x);
    }
    return dump(out, o);
}

/* ---- changes ---------------------------------------------------------------- */

void rk_sync_proto_changes_free(rk_sync_proto_changes *c)
{
    if (!c) return;
    for (int i = 0; i < c->n; i++)
        free(c->c[i].payload);
    free(c->c);
    c->c = NULL;
    c->n = 0;
}

int rk_sync_proto_changes_parse(rk_sync_proto_changes *out, const char *body, size_t len)
{
    json_t *o, *arr, *more;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = load(&o, body, len, "HQ's changes")) != 0) return rc;
    if ((rc = get_array(&arr, o, "changes", RK_SYNC_PROTO_MAX_BATCH, "HQ's changes")) ||
        (rc = get_int(&out->next, o, "next", 1, "HQ's changes")))
        goto out;
    more = json_object_get(o, "more");
    if (more && !json_is_boolean(more)) {
        rc = rk_err_set(RK_EFORMAT, "HQ's changes: 'more' is not a boolean");
        goto out;
    }
    out->more = more && json_is_true(more);
    size_t n = json_array_size(arr);
    if (n && !(out->c = calloc(n, sizeof *out->c))) {
        rc = rk_err_oom();
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(arr, i);
        rk_sync_proto_change *c = &out->c[i];
        out->n = (int)i + 1;
        if (!json_is_object(x)) {
            rc = rk_err_set(RK_EFORMAT, "HQ's change %zu is not an object", i);
            goto out;
        }
        if ((rc = get_int(&c->cursor, x, "cursor", 1, "HQ's change")) ||
            (rc = get_int(&c->at, x, "at", 1, "HQ's change")) ||
            (rc = get_str(c->kind, sizeof c->kind, x, "kind", 1, "HQ's change")))
            goto out;
        json_t *p = json_object_get(x, "payload");
        if (!json_is_object(p)) {
            rc = rk_err_set(RK_EFORMAT, "HQ's change %lld has no payload object",
                            (long long)c->cursor);
            goto out;
        }
        if (!(c->payload = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS))) {
            rc = rk_err_oom();
            goto out;
        }
        if (c->cursor <= (i ? out->c[i - 1].cursor : 0)) {
            rc = rk_err_set(RK_EFORMAT, "HQ's change cursors do not ascend");
            goto out;
        }
    }
    if (out->n && out->next < out->c[out->n - 1].cursor) {
        rc = rk_err_set(RK_EFORMAT, "HQ's 'next' cursor is behind its last change");
        goto out;
    }
out:
    json_decref(o);
    if (rc) rk_sync_proto_changes_free(out);
    return rc;
}

int rk_sync_proto_changes_write(rk_buf *out, const rk_sync_proto_changes *c)
{
    json_t *o = message(), *arr = json_array();
    if (!o || !arr) {
        json_decref(o);
        json_decref(arr);
        return rk_err_oom();
    }
    json_object_set_new(o, "changes", arr);
    json_object_set_new(o, "next", json_integer(c->next));
    json_object_set_new(o, "more", json_boolean(c->more));
    for (int i = 0; i < c->n; i++) {
        json_error_t e;
        json_t *p = json_loads(c->c[i].payload, 0, &e);
        if (!json_is_object(p)) {
            json_decref(p);
            json_decref(o);
            return rk_err_set(RK_EFORMAT, "change %lld holds no JSON object",
                              (long long)c->c[i].cursor);
        }
        json_array_append_new(arr, json_pack("{sI ss sI so}", "cursor", (json_int_t)c->c[i].cursor,
                                             "kind", c->c[i].kind, "at", (json_int_t)c->c[i].at,
                                             "payload", p));
    }
    return dump(out, o);
}

/* ---- hello ------------------------------------------------------------------ */

int rk_sync_proto_hello_write(rk_buf *out, const rk_sync_proto_hello *h)
{
    json_t *o = message();
    if (!o) return rk_err_oom();
    json_object_set_new(o, "versions", json_pack("[i]", RK_SYNC_PROTO_VERSION));
    json_object_set_new(o, "branch", json_string(h->branch));
    json_object_set_new(o, "server_time", json_integer(h->server_time));
    json_object_set_new(o, "max_batch", json_integer(h->max_batch));
    json_object_set_new(o, "max_body", json_integer(h->max_body));
    json_object_set_new(
        o, "archives", json_pack("{ss sI}", "url", h->archives_url, "chunk", (json_int_t)h->chunk));
    return dump(out, o);
}

int rk_sync_proto_hello_parse(rk_sync_proto_hello *out, const char *body, size_t len)
{
    json_t *o, *a;
    int64_t mb = RK_SYNC_PROTO_MAX_BATCH;
    int rc;
    memset(out, 0, sizeof *out);
    if ((rc = load(&o, body, len, "HQ's hello")) != 0) return rc;
    rc = get_str(out->branch, sizeof out->branch, o, "branch", 1, "HQ's hello");
    if (!rc) rc = get_int(&out->server_time, o, "server_time", 1, "HQ's hello");
    if (!rc) rc = get_int(&mb, o, "max_batch", 0, "HQ's hello");
    if (!rc) rc = get_int(&out->max_body, o, "max_body", 0, "HQ's hello");
    a = json_object_get(o, "archives");
    if (!rc && json_is_object(a)) {
        rc = get_str(out->archives_url, sizeof out->archives_url, a, "url", 0, "HQ's hello");
        if (!rc) rc = get_int(&out->chunk, a, "chunk", 0, "HQ's hello");
    }
    if (!rc && (mb < 1 || mb > RK_SYNC_PROTO_MAX_BATCH)) mb = RK_SYNC_PROTO_MAX_BATCH;
    out->max_batch = (int)mb;
    json_decref(o);
    return rc;
}

/* ---- digests ---------------------------------------------------------------- */

void rk_sync_proto_day_of(char out[11], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

int rk_sync_proto_day_start(int64_t *out, const char *day)
{
    int y, m, d;
    char tail;
    if (!day || strlen(day) != 10 || sscanf(day, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
        m < 1 || m > 12 || d < 1 || d > 31 || y < 1970 || y > 9999)
        return rk_err_set(RK_EINVAL, "'%s' is not a day (YYYY-MM-DD)", day ? day : "");
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    time_t t = timegm(&tm);
    char back[11];
    rk_sync_proto_day_of(back, (int64_t)t);
    if (strcmp(back, day)) return rk_err_set(RK_EINVAL, "'%s' is not a day of the calendar", day);
    *out = (int64_t)t;
    return 0;
}

int rk_sync_proto_digest(char out[65], const rk_sync_proto_digest_order *o, int n)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    for (int i = 0; ok && i < n; i++) {
        char line[128];
        int w = snprintf(line, sizeof line, "%s %s %lld\n", o[i].uuid, o[i].state,
                         (long long)o[i].last_seq);
        ok = EVP_DigestUpdate(c, line, (size_t)w);
    }
    ok = ok && EVP_DigestFinal_ex(c, md, &mdlen);
    EVP_MD_CTX_free(c);
    if (!ok) return rk_err_set(RK_ECRYPTO, "cannot compute a day's digest");
    rk_hex_encode(out, md, 32, 0);
    return 0;
}

int rk_sync_proto_days_write(rk_buf *out, const rk_sync_proto_day *d, int n)
{
    json_t *o = message(), *arr = json_array();
    if (!o || !arr) {
        json_decref(o);
        json_decref(arr);
        return rk_err_oom();
    }
    json_object_set_new(o, "days", arr);
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{ss sI ss}", "day", d[i].day, "orders",
                                             (json_int_t)d[i].orders, "digest", d[i].digest));
    return dump(out, o);
}

/* One element of a list of objects: fills elem from x (the i-th). */
typedef int (*elem_fn)(void *elem, json_t *x, size_t i);

/* Parses body's array `key` of objects into a new array of elem_size
 * elements (*out, free()) through one(). */
static int parse_list(void **out, int *n, const char *body, size_t len, const char *what,
                      const char *key, size_t max, size_t elem_size, elem_fn one)
{
    json_t *o, *arr;
    int rc;
    *out = NULL;
    *n = 0;
    if ((rc = load(&o, body, len, what)) != 0) return rc;
    if ((rc = get_array(&arr, o, key, max, what)) != 0) goto out;
    size_t k = json_array_size(arr);
    if (k && !(*out = calloc(k, elem_size))) {
        rc = rk_err_oom();
        goto out;
    }
    for (size_t i = 0; i < k && !rc; i++) {
        json_t *x = json_array_get(arr, i);
        if (!json_is_object(x))
            rc = rk_err_set(RK_EFORMAT, "%s: element %zu is not an object", what, i);
        else
            rc = one((char *)*out + i * elem_size, x, i);
    }
    if (!rc) *n = (int)k;
out:
    json_decref(o);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

static int day_one(void *elem, json_t *x, size_t i)
{
    rk_sync_proto_day *d = elem;
    int64_t t;
    int rc = get_str(d->day, sizeof d->day, x, "day", 1, "HQ's digest");
    if (!rc) rc = get_int(&d->orders, x, "orders", 1, "HQ's digest");
    if (!rc) rc = get_str(d->digest, sizeof d->digest, x, "digest", 1, "HQ's digest");
    if (!rc && (rk_sync_proto_day_start(&t, d->day) || !sha_ok(d->digest) || d->orders < 0))
        rc = rk_err_set(RK_EFORMAT, "HQ's digest %zu has a bad day, count or digest", i);
    return rc;
}

int rk_sync_proto_days_parse(rk_sync_proto_day **out, int *n, const char *body, size_t len)
{
    return parse_list((void **)out, n, body, len, "HQ's digests", "days", 3660, sizeof **out,
                      day_one);
}

int rk_sync_proto_day_orders_write(rk_buf *out, const char *day,
                                   const rk_sync_proto_digest_order *d, int n)
{
    json_t *o = message(), *arr = json_array();
    if (!o || !arr) {
        json_decref(o);
        json_decref(arr);
        return rk_err_oom();
    }
    json_object_set_new(o, "day", json_string(day));
    json_object_set_new(o, "orders", arr);
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{ss ss sI}", "uuid", d[i].uuid, "state", d[i].state,
                                             "last_seq", (json_int_t)d[i].last_seq));
    return dump(out, o);
}

static int order_one(void *elem, json_t *x, size_t i)
{
    rk_sync_proto_digest_order *d = elem;
    (void)i;
    int rc = get_str(d->uuid, sizeof d->uuid, x, "uuid", 1, "HQ's order");
    if (!rc) rc = get_str(d->state, sizeof d->state, x, "state", 1, "HQ's order");
    if (!rc) rc = get_int(&d->last_seq, x, "last_seq", 1, "HQ's order");
    return rc;
}

int rk_sync_proto_day_orders_parse(rk_sync_proto_digest_order **out, int *n, const char *body,
                                   size_t len)
{
    return parse_list((void **)out, n, body, len, "HQ's day", "orders", 1000000, sizeof **out,
                      order_one);
}

/* ---- receipts ----------------------------------------------------------------- */

int rk_sync_proto_receipt_write(rk_buf *out, const rk_sync_proto_receipt *r)
{
    json_t *o = message();
    if (!o) return rk_err_oom();
    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "length", json_integer(r->length));
    json_object_set_new(o, "complete", json_boolean(r->complete));
    json_object_set_new(o, "matches", json_boolean(r->matches));
    json_object_set_new(o, "sha256", r->complete ? json_string(r->sha256) : json_null());
    json_object_set_new(o, "stored_at", json_integer(r->stored_at));
    return dump(out, o);
}

int rk_sync_proto_receipt_parse(rk_sync_proto_receipt *out, const char *body, size_t len)
{
    json_t *o;
    int rc;
    memset(out, 0, sizeof *out);
    if ((rc = load(&o, body, len, "HQ's receipt")) != 0) return rc;
    json_t *c = json_object_get(o, "complete"), *m = json_object_get(o, "matches");
    rc = get_str(out->id, sizeof out->id, o, "id", 1, "HQ's receipt");
    if (!rc) rc = get_int(&out->length, o, "length", 1, "HQ's receipt");
    if (!rc) rc = get_int(&out->stored_at, o, "stored_at", 0, "HQ's receipt");
    if (!rc && (!json_is_boolean(c) || !json_is_boolean(m)))
        rc = rk_err_set(RK_EFORMAT, "HQ's receipt lacks 'complete' or 'matches'");
    if (!rc) {
        out->complete = json_is_true(c);
        out->matches = json_is_true(m);
        if (out->complete) {
            rc = get_str(out->sha256, sizeof out->sha256, o, "sha256", 1, "HQ's receipt");
            if (!rc && !sha_ok(out->sha256))
                rc = rk_err_set(RK_EFORMAT, "HQ's receipt has a malformed SHA-256");
        }
    }
    json_decref(o);
    return rc;
}

/* ---- base64 and tus metadata ------------------------------------------------------ */

int rk_sync_proto_b64(rk_buf *out, const unsigned char *in, size_t n)
{
    if (n > (1u << 30)) return rk_err_set(RK_ETOOBIG, "base64 input too large");
    unsigned char *tmp = malloc(4 * ((n + 2) / 3) + 1);
    if (!tmp) return rk_err_oom();
    int w = EVP_EncodeBlock(tmp, in, (int)n);
    int rc = rk_buf_append(out, tmp, (size_t)w);
    free(tmp);
    return rc;
}

int rk_sync_proto_unb64(unsigned char *out, size_t n, size_t *len, const char *in, size_t in_len)
{
    if (in_len % 4) return rk_err_set(RK_EFORMAT, "base64 text of a length not a multiple of 4");
    size_t max = in_len / 4 * 3;
    unsigned char *tmp = malloc(max + 1);
    if (!tmp) return rk_err_oom();
    int w = in_len ? EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)in_len) : 0;
    if (w < 0) {
        free(tmp);
        return rk_err_set(RK_EFORMAT, "malformed base64");
    }
    /* EVP_DecodeBlock counts padding as zero bytes. */
    if (in_len >= 1 && in[in_len - 1] == '=') w--;
    if (in_len >= 2 && in[in_len - 2] == '=') w--;
    if ((size_t)w > n) {
        free(tmp);
        return rk_err_set(RK_ETOOBIG, "base64 value longer than %zu bytes", n);
    }
    memcpy(out, tmp, (size_t)w);
    free(tmp);
    *len = (size_t)w;
    return 0;
}

int rk_sync_proto_meta_add(rk_buf *out, const char *key, const char *value)
{
    int rc = out->len ? rk_buf_puts(out, ",") : 0;
    if (!rc) rc = rk_buf_printf(out, "%s ", key);
    if (!rc) rc = rk_sync_proto_b64(out, (const unsigned char *)value, strlen(value));
    return rc;
}

int rk_sync_proto_meta_get(char *out, size_t n, const char *header, const char *key)
{
    size_t klen = strlen(key);
    const char *p = header;
    while (p && *p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len >= klen && !strncmp(p, key, klen) && (len == klen || p[klen] == ' ')) {
            const char *v = len > klen ? p + klen + 1 : p + len;
            size_t vlen = (size_t)(p + len - v), got;
            if (n == 0) return rk_err_set(RK_ETOOBIG, "no room for metadata %s", key);
            int rc = rk_sync_proto_unb64((unsigned char *)out, n - 1, &got, v, vlen);
            if (rc) return rk_err_wrap(rc, "Upload-Metadata %s", key);
            if (memchr(out, '\0', got))
                return rk_err_set(RK_EFORMAT, "Upload-Metadata %s holds a NUL byte", key);
            out[got] = '\0';
            return 0;
        }
        p = end;
    }
    return RK_ENOTFOUND;
}

/* ---- updates ---------------------------------------------------------------- */

static int version_ok(const char *s)
{
    if (!s[0]) return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              strchr(".+~_-", *s)))
            return 0;
    return 1;
}

/* A path under /v1/update/ of letters, digits and ". _ -" (no "..", no
 * query, no other server). */
static int update_url_ok(const char *s)
{
    size_t n = strlen(RK_SYNC_PROTO_UPDATE_PATH);
    if (strncmp(s, RK_SYNC_PROTO_UPDATE_PATH, n) || !s[n] || strstr(s, "..")) return 0;
    for (s += n; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              strchr("._-", *s)))
            return 0;
    return 1;
}

int rk_sync_proto_update_write(rk_buf *out, const rk_sync_proto_update *u)
{
    json_t *o = message();
    if (!o) return rk_err_oom();
    json_object_set_new(o, "version", json_string(u->version));
    json_object_set_new(o, "sha256", json_string(u->sha256));
    json_object_set_new(o, "size", json_integer(u->size));
    json_object_set_new(o, "published_at", json_integer(u->published_at));
    json_object_set_new(o, "url", json_string(u->url));
    return dump(out, o);
}

int rk_sync_proto_update_parse(rk_sync_proto_update *out, const char *body, size_t len)
{
    const char *what = "HQ's update announcement";
    json_t *o;
    int rc;
    memset(out, 0, sizeof *out);
    if ((rc = load(&o, body, len, what)) != 0) return rc;
    rc = get_str(out->version, sizeof out->version, o, "version", 1, what);
    if (!rc) rc = get_str(out->sha256, sizeof out->sha256, o, "sha256", 1, what);
    if (!rc) rc = get_int(&out->size, o, "size", 1, what);
    if (!rc) rc = get_int(&out->published_at, o, "published_at", 0, what);
    if (!rc) rc = get_str(out->url, sizeof out->url, o, "url", 1, what);
    json_decref(o);
    if (!rc && !version_ok(out->version))
        rc = rk_err_set(RK_EFORMAT, "%s: version '%s' has characters a version cannot have", what,
                        out->version);
    if (!rc && !sha_ok(out->sha256))
        rc = rk_err_set(RK_EFORMAT, "%s: sha256 is not 64 lower-case hex digits", what);
    if (!rc && (out->size < 1 || out->size > RK_SYNC_PROTO_UPDATE_MAX))
        rc = rk_err_set(RK_EFORMAT, "%s: size %lld is out of range", what, (long long)out->size);
    if (!rc && !update_url_ok(out->url))
        rc = rk_err_set(RK_EFORMAT, "%s: url '%s' is not a path under %s", what, out->url,
                        RK_SYNC_PROTO_UPDATE_PATH);
    if (rc) memset(out, 0, sizeof *out);
    return rc;
}

/* Reads a decimal of at most 18 digits at *s; moves *s past it. */
static int read_dec(int64_t *v, const char **s)
{
    int n = 0;
    *v = 0;
    while (**s >= '0' && **s <= '9') {
        if (++n > 18) return -1;
        *v = *v * 10 + (**s - '0');
        (*s)++;
    }
    return n ? 0 : -1;
}

int rk_sync_proto_content_range(int64_t *first, int64_t *last, int64_t *total, const char *s)
{
    const char *p = s ? s : "";
    if (strncmp(p, "bytes ", 6) ||
        (p += 6, read_dec(first, &p) || *p++ != '-' || read_dec(last, &p) || *p++ != '/' ||
                     read_dec(total, &p) || *p) ||
        *first > *last || *last >= *total)
        return rk_err_set(RK_EFORMAT, "Content-Range '%.60s' is not bytes FIRST-LAST/TOTAL",
                          s ? s : "");
    return 0;
}

int rk_sync_proto_range(int64_t *first, int64_t *last, const char *s, int64_t total)
{
    const char *p = s ? s : "";
    int64_t a = -1, b = -1;
    if (strncmp(p, "bytes=", 6)) return rk_err_set(RK_EFORMAT, "not a byte range");
    p += 6;
    if (*p == '-') {
        p++;
        if (read_dec(&b, &p) || *p) return rk_err_set(RK_EFORMAT, "not a byte range");
        if (b == 0 || total == 0) return rk_err_set(RK_ESTATE, "an empty suffix range");
        *first = b >= total ? 0 : total - b;
        *last = total - 1;
        return 0;
    }
    if (read_dec(&a, &p) || *p++ != '-') return rk_err_set(RK_EFORMAT, "not a byte range");
    if (*p && (read_dec(&b, &p) || *p || b < a)) return rk_err_set(RK_EFORMAT, "not a byte range");
    if (a >= total) return rk_err_set(RK_ESTATE, "the range starts after the file's end");
    *first = a;
    *last = b < 0 || b >= total ? total - 1 : b;
    return 0;
}

int rk_sync_proto_cert_names(X509 *cert, const char *branch)
{
    char want[80];
    int ok = 0;
    snprintf(want, sizeof want, RK_SYNC_PROTO_URI_PREFIX "%s", branch);
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type == GEN_URI &&
            (size_t)ASN1_STRING_length(g->d.uniformResourceIdentifier) == strlen(want) &&
            !memcmp(ASN1_STRING_get0_data(g->d.uniformResourceIdentifier), want, strlen(want)))
            ok = 1;
    }
    GENERAL_NAMES_free(names);
    return ok;
}
