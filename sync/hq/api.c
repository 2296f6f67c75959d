#define _GNU_SOURCE /* strptime */
/*
 * rahq's JSON and publication endpoints (docs/SYNC-PROTOCOL.md sections 3-6,
 * 8-10, 13): each handler checks its input, calls the store once and writes the
 * answer. The branch is always the one from the certificate (q->branch).
 */
#include "hq/fleet.h"
#include "hq/hq.h"
#include "hq/update.h"

#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void rk_hq_resp_header(rk_hq_resp *r, const char *name, const char *fmt, ...)
{
    va_list ap;
    if (r->nh >= RK_HQ_MAX_HEADERS) return;
    snprintf(r->hname[r->nh], sizeof r->hname[0], "%s", name);
    va_start(ap, fmt);
    vsnprintf(r->hvalue[r->nh], sizeof r->hvalue[0], fmt, ap);
    va_end(ap);
    r->nh++;
}

void rk_hq_resp_error(rk_hq_resp *r, int status, const char *token, const char *extra_key,
                      int64_t extra, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->status = status;
    r->type = "application/json";
    if (rk_sync_proto_error(&r->body, token, msg, extra_key, extra) != 0) rk_buf_reset(&r->body);
}

static void store_failed(rk_hq_resp *r, int rc)
{
    if (rc == RK_EBUSY) {
        rk_hq_resp_error(r, 503, "busy", NULL, 0, "HQ's store is busy: %s", rk_err_msg());
        rk_hq_resp_header(r, "Retry-After", "2");
    } else
        rk_hq_resp_error(r, 500, "internal", NULL, 0, "HQ's store failed: %s", rk_err_msg());
}

static void json_ok(rk_hq_resp *r, int rc)
{
    if (rc) {
        rk_hq_resp_error(r, 500, "internal", NULL, 0, "cannot write the answer: %s", rk_err_msg());
        return;
    }
    r->status = 200;
    r->type = "application/json";
}

static void bad_body(rk_hq_resp *r, int rc)
{
    if (rc == RK_ETOOBIG)
        rk_hq_resp_error(r, 413, "too_large", NULL, 0, "%s", rk_err_msg());
    else if (rc == RK_ENOMEM)
        rk_hq_resp_error(r, 500, "internal", NULL, 0, "%s", rk_err_msg());
    else
        rk_hq_resp_error(r, 400, "bad_request", NULL, 0, "%s", rk_err_msg());
}

static int json_body(const rk_hq_req *q, rk_hq_resp *r)
{
    const char *ct = q->header(q->arg, "Content-Type");
    if (!ct || strncmp(ct, "application/json", 16) != 0) {
        rk_hq_resp_error(r, 415, "unsupported_media_type", NULL, 0, "send application/json, not %s",
                         ct ? ct : "nothing");
        return -1;
    }
    return 0;
}

/* A query integer: absent → dflt; malformed → -1 and r filled. */
static int query_int(int64_t *out, const rk_hq_req *q, rk_hq_resp *r, const char *name,
                     int64_t dflt, int64_t min, int64_t max)
{
    const char *v = q->query(q->arg, name);
    char *end;
    if (!v) {
        *out = dflt;
        return 0;
    }
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || errno || x < min || x > max) {
        rk_hq_resp_error(r, 400, "bad_request", NULL, 0, "'%s' must be a number from %lld to %lld",
                         name, (long long)min, (long long)max);
        return -1;
    }
    *out = x;
    return 0;
}

static void hello(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r)
{
    rk_sync_proto_hello h = {.server_time = rk_clock_now(),
                             .max_batch = RK_SYNC_PROTO_MAX_BATCH,
                             .max_body = RK_SYNC_PROTO_MAX_BODY,
                             .archives_url = "/v1/archives/",
                             .chunk = hq->chunk};
    snprintf(h.branch, sizeof h.branch, "%s", q->branch);
    hq->store->ops->branch_seen(hq->store, q->branch, h.server_time);
    json_ok(r, rk_sync_proto_hello_write(&r->body, &h));
}

static void refused(rk_hq_resp *r, const rk_hq_refusal *f, const rk_hq_req *q)
{
    rk_log_warn("rahq: refused %s %s from %s: %s: %s", q->method, q->path, q->branch, f->token,
                f->message);
    rk_hq_resp_error(r, f->status, f->token, f->extra_key, f->extra, "%s", f->message);
}

static void events(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r)
{
    rk_sync_proto_events ev;
    rk_sync_proto_ack ack;
    rk_hq_refusal f;
    int rc;
    if (json_body(q, r)) return;
    if ((rc = rk_sync_proto_events_parse(&ev, q->body, q->body_len)) != 0) {
        rk_log_warn("rahq: refused %s %s from %s: %s", q->method, q->path, q->branch, rk_err_msg());
        bad_body(r, rc);
        return;
    }
    if (ev.branch[0] && strcmp(ev.branch, q->branch)) {
        rk_log_warn("rahq: refused POST /v1/events from %s: wrong_branch: the push names branch "
                    "%s",
                    q->branch, ev.branch);
        rk_hq_resp_error(r, 403, "wrong_branch", NULL, 0,
                         "this certificate is branch %s's; the push names %s", q->branch,
                         ev.branch);
    } else if ((rc = hq->store->ops->events_push(hq->store, q->branch, &ev, &ack, &f)) != 0)
        store_failed(r, rc);
    else if (f.status)
        refused(r, &f, q);
    else {
        /* The backlog the branch reported, less what HQ now holds of it. */
        if (ev.pending >= 0)
            hq->store->ops->branch_report(hq->store, q->branch, rk_hq_day_of(rk_clock_now()),
                                          ev.pending > ev.n ? ev.pending - ev.n : 0);
        rk_log_info("rahq: %s pushed %d events (%lld applied, %lld duplicates), acked %lld",
                    q->branch, ev.n, (long long)ack.applied, (long long)ack.duplicates,
                    (long long)ack.acked_seq);
        json_ok(r, rk_sync_proto_ack_write(&r->body, &ack, 0));
    }
    rk_sync_proto_events_free(&ev);
}

static void changes(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r)
{
    int64_t after, limit;
    rk_sync_proto_changes c;
    if (query_int(&after, q, r, "after", 0, 0, INT64_MAX) ||
        query_int(&limit, q, r, "limit", RK_SYNC_PROTO_MAX_BATCH, 1, RK_SYNC_PROTO_MAX_BATCH))
        return;
    int rc = hq->store->ops->changes(hq->store, q->branch, after, (int)limit, &c);
    if (rc) {
        store_failed(r, rc);
        return;
    }
    json_ok(r, rk_sync_proto_changes_write(&r->body, &c));
    rk_sync_proto_changes_free(&c);
}

static void audit(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r)
{
    rk_sync_proto_audits a;
    rk_sync_proto_ack ack;
    rk_hq_refusal f;
    int rc;
    if (json_body(q, r)) return;
    if ((rc = rk_sync_proto_audits_parse(&a, q->body, q->body_len)) != 0) {
        rk_log_warn("rahq: refused %s %s from %s: %s", q->method, q->path, q->branch, rk_err_msg());
        bad_body(r, rc);
        return;
    }
    if ((rc = hq->store->ops->audit_push(hq->store, q->branch, &a, &ack, &f)) != 0)
        store_failed(r, rc);
    else if (f.status) {
        if (!strcmp(f.token, "audit_truncated") || !strcmp(f.token, "audit_conflict") ||
            !strcmp(f.token, "audit_chain"))
            rk_log_error("rahq: branch %s's audit log: %s", q->branch, f.message);
        refused(r, &f, q);
    } else
        json_ok(r, rk_sync_proto_ack_write(&r->body, &ack, 1));
    rk_sync_proto_audits_free(&a);
}

static void digests(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r)
{
    const char *from = q->query(q->arg, "from"), *to = q->query(q->arg, "to");
    int64_t f, t;
    rk_sync_proto_day *d;
    int n, rc;
    if (rk_sync_proto_day_start(&f, from) || rk_sync_proto_day_start(&t, to) || t < f ||
        t - f > 366 * 86400) {
        rk_hq_resp_error(r, 400, "bad_request", NULL, 0,
                         "give from=YYYY-MM-DD and to=YYYY-MM-DD, at most 366 days apart");
        return;
    }
    if ((rc = hq->store->ops->digest_days(hq->store, q->branch, f, t + 86400, &d, &n)) != 0) {
        store_failed(r, rc);
        return;
    }
    json_ok(r, rk_sync_proto_days_write(&r->body, d, n));
    free(d);
}

static void digest_day(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r, const char *day)
{
    int64_t f;
    rk_sync_proto_digest_order *o;
    int n, rc;
    if (rk_sync_proto_day_start(&f, day)) {
        rk_hq_resp_error(r, 400, "bad_request", NULL, 0, "'%s' is not a day (YYYY-MM-DD)", day);
        return;
    }
    if ((rc = hq->store->ops->digest_orders(hq->store, q->branch, f, &o, &n)) != 0) {
        store_failed(r, rc);
        return;
    }
    json_ok(r, rk_sync_proto_day_orders_write(&r->body, day, o, n));
    free(o);
}

static void http_date(char *out, size_t n, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static int parse_http_date(int64_t *out, const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = s ? strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm) : NULL;
    if (!end || *end) return -1;
    *out = (int64_t)timegm(&tm);
    return 0;
}

/* A published blob with its validators; 304 when the branch has it. */
static void blob(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r, int type, const char *ctype)
{
    rk_hq_blob b;
    char etag[70], lm[64];
    int64_t since;
    int rc = hq->store->ops->blob_latest(hq->store, type, &b);
    if (rc == RK_ENOTFOUND) {
        rk_hq_resp_error(r, 404, "not_found", NULL, 0, "nothing has been published yet");
        return;
    }
    if (rc) {
        store_failed(r, rc);
        return;
    }
    snprintf(etag, sizeof etag, "\"%s\"", b.sha256);
    http_date(lm, sizeof lm, b.at);
    rk_hq_resp_header(r, "ETag", "%s", etag);
    rk_hq_resp_header(r, "Last-Modified", "%s", lm);
    rk_hq_resp_header(r, "Cache-Control", "no-cache");
    const char *inm = q->header(q->arg, "If-None-Match");
    const char *ims = q->header(q->arg, "If-Modified-Since");
    if ((inm && !strcmp(inm, etag)) ||
        (!inm && ims && parse_http_date(&since, ims) == 0 && since >= b.at)) {
        r->status = 304;
    } else {
        rk_buf_reset(&r->body);
        r->body.max = b.len + 1;
        if ((rc = rk_buf_append(&r->body, b.der, b.len)) != 0)
            rk_hq_resp_error(r, 500, "internal", NULL, 0, "out of memory");
        else {
            r->status = 200;
            r->type = ctype;
        }
    }
    rk_hq_blob_clear(&b);
}

int rk_hq_api(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r)
{
    const char *p = q->path;
    int get = !strcmp(q->method, "GET"), post = !strcmp(q->method, "POST");
    int known = 1;

    if (!strcmp(p, "/v1/hello")) {
        if (get)
            hello(hq, q, r);
        else
            known = -1;
    } else if (!strcmp(p, "/v1/events")) {
        if (post)
            events(hq, q, r);
        else
            known = -1;
    } else if (!strcmp(p, "/v1/changes")) {
        if (get)
            changes(hq, q, r);
        else
            known = -1;
    } else if (!strcmp(p, "/v1/audit")) {
        if (post)
            audit(hq, q, r);
        else
            known = -1;
    } else if (!strcmp(p, "/v1/digests")) {
        if (get)
            digests(hq, q, r);
        else
            known = -1;
    } else if (!strncmp(p, "/v1/digests/", 12)) {
        if (get)
            digest_day(hq, q, r, p + 12);
        else
            known = -1;
    } else if (!strcmp(p, "/v1/crl")) {
        if (get)
            blob(hq, q, r, RK_HQ_BLOB_CRL, "application/pkix-crl");
        else
            known = -1;
    } else if (!strcmp(p, "/v1/config/latest")) {
        if (get)
            blob(hq, q, r, RK_HQ_BLOB_CONFIG, "application/pkcs7-mime");
        else
            known = -1;
    } else if (!strcmp(p, "/v1/update")) {
        if (get)
            rk_hq_update_announce(hq, q, r);
        else
            known = -1;
    } else if (!strncmp(p, RK_SYNC_PROTO_UPDATE_PATH, strlen(RK_SYNC_PROTO_UPDATE_PATH))) {
        if (get || !strcmp(q->method, "HEAD"))
            rk_hq_update_bundle(hq, q, r, p + strlen(RK_SYNC_PROTO_UPDATE_PATH));
        else
            known = -1;
    } else
        known = 0;
    if (known < 0) {
        rk_hq_resp_error(r, 405, "method_not_allowed", NULL, 0, "%s is not allowed on %s",
                         q->method, p);
        rk_hq_resp_header(r, "Allow", "%s",
                          strncmp(p, "/v1/events", 10) && strcmp(p, "/v1/audit") ? "GET" : "POST");
    }
    /* Counted for the fleet page's "failures today": refusals and HQ's own
     * failures, not "nothing published yet" (404). */
    if (known && r->status >= 400 && r->status != 404 && q->branch && q->branch[0])
        hq->store->ops->branch_refusal(hq->store, q->branch, rk_hq_day_of(rk_clock_now()));
    return known != 0;
}
