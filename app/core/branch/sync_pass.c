/*
 * One sync pass (see sync_pass.h).
 */
#include "branch/sync_pass.h"

#include "audit/audit.h"
#include "branch/sync_archive.h"
#include "branch/sync_config.h"
#include "branch/sync_digest.h"
#include "branch/sync_in.h"
#include "branch/sync_proto.h"
#include "branch/sync_tus.h"
#include "branch/sync_update.h"
#include "ca/crlparse.h"
#include "ca/crlstore.h"
#include "db/outbox.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/file.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define GENESIS  "0000000000000000000000000000000000000000000000000000000000000000"
#define MAX_SKEW 300

typedef struct pass {
    rk_ledger *l;
    rk_db *db;
    const rk_conf *conf;
    rk_sync_transport *t;
    rk_sync_result *res;
    int max_attempts;
    int batch;
    int unreachable; /* HQ could not be reached: stop */
    char archives_url[256];
} pass;

/* A failure on a full disk says so: SQLite's "disk I/O error" alone does
 * not tell a supervisor what to do. Adds the note to the error message
 * when the file system of dir has less than 1 MiB left; returns rc. */
static int disk_note(int rc, const char *dir)
{
    struct statvfs fs;
    if (!rc || !dir || !dir[0] || statvfs(dir, &fs) != 0) return rc;
    unsigned long long avail = (unsigned long long)fs.f_bavail * fs.f_frsize;
    if (avail >= 1u << 20) return rc;
    char old[768];
    snprintf(old, sizeof old, "%s", rk_err_msg()[0] ? rk_err_msg() : rk_err_name(rc));
    return rk_err_set(rc, "%s (the disk holding %s is full: %llu KiB free)", old, dir, avail >> 10);
}

static void fail(pass *p, int rc, const char *step)
{
    disk_note(rc, p->conf->data_dir);
    if (!p->res->error[0])
        snprintf(p->res->error, sizeof p->res->error, "%s: %s", step,
                 rk_err_msg()[0] ? rk_err_msg() : rk_err_name(rc));
    rk_log_error("sync: %s: %s", step, rk_err_msg()[0] ? rk_err_msg() : rk_err_name(rc));
}

static void warn(pass *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(pass *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->res->warning, sizeof p->res->warning, fmt, ap);
    va_end(ap);
    rk_log_warn("sync: %s", p->res->warning);
}

static int transient(int rc, long status)
{
    return rc == RK_EIO || rc == RK_ETIMEOUT || status >= 500 || status == 408 || status == 429;
}

typedef int (*parse_fn)(void *arg, const rk_sync_response *r);

/* Sends q until an answer the caller can act on arrives: 0 with r holding
 * it (any status but the transient ones; for 2xx, parse accepted it), or
 * the last failure after max_attempts (HQ unreachable or answering
 * garbage). */
static int call(pass *p, const rk_sync_request *q, rk_sync_response *r, parse_fn parse, void *arg)
{
    for (int attempt = 1;; attempt++) {
        rk_sync_response_reset(r);
        int rc = p->t->request(p->t, q, r);
        if (!rc && r->http_version[0])
            snprintf(p->res->http, sizeof p->res->http, "%s", r->http_version);
        if (!rc && !transient(rc, r->status)) {
            if (r->status / 100 != 2 || !parse) return 0;
            const char *body = r->body.data ? r->body.data : "";
            if ((rc = parse(arg, r)) == 0) return 0;
            char sample[64];
            size_t k = 0;
            for (size_t i = 0; i < r->body.len && k + 1 < sizeof sample; i++)
                sample[k++] = body[i] >= 0x20 && body[i] < 0x7f ? body[i] : '.';
            sample[k] = '\0';
            rk_err_set(RK_EFORMAT, "HQ answered garbage to %s %s (HTTP %ld, %zu bytes, \"%s\"): %s",
                       q->method, q->url, r->status, r->body.len, sample, rk_err_msg());
            rk_log_error("sync: %s", rk_err_msg());
            rc = RK_EFORMAT;
        } else if (!rc) {
            char token[32] = "";
            rk_sync_proto_error_parse(token, sizeof token, NULL, 0, NULL, NULL,
                                      r->body.data ? r->body.data : "", r->body.len);
            rc = rk_err_set(RK_EIO, "%s %s: HQ answered HTTP %ld%s%s", q->method, q->url, r->status,
                            token[0] ? " " : "", token);
            rk_log_warn("sync: %s (attempt %d of %d)", rk_err_msg(), attempt, p->max_attempts);
        } else
            rk_log_warn("sync: %s %s: %s (attempt %d of %d)", q->method, q->url, rk_err_msg(),
                        attempt, p->max_attempts);
        if (attempt >= p->max_attempts) {
            if (rc != RK_EFORMAT) p->unreachable = 1;
            return rc;
        }
        int ra = atoi(r->retry_after);
        if (p->t->pause(p->t, attempt, ra > 0 ? ra : 0)) {
            p->unreachable = 1;
            return rk_err_set(RK_EINTERNAL, "stopping: the pass was cut short");
        }
    }
}

/* A refusal's token, message and integer field. */
static void refusal(const rk_sync_response *r, char *token, size_t tn, char *msg, size_t mn,
                    const char *key, int64_t *extra)
{
    token[0] = msg[0] = '\0';
    if (rk_sync_proto_error_parse(token, tn, msg, mn, key, extra, r->body.data ? r->body.data : "",
                                  r->body.len) != 0) {
        snprintf(token, tn, "http_%ld", r->status);
        snprintf(msg, mn, "HQ answered HTTP %ld without a protocol error", r->status);
    }
}

/* ---- hello ---------------------------------------------------------------------- */

static int parse_hello(void *arg, const rk_sync_response *r)
{
    return rk_sync_proto_hello_parse(arg, r->body.data ? r->body.data : "", r->body.len);
}

static int hello(pass *p)
{
    rk_sync_request q;
    rk_sync_response r;
    rk_sync_proto_hello h;
    int rc;
    rk_sync_response_init(&r, 65536);
    rk_sync_request_init(&q, "GET", "/v1/hello");
    rc = call(p, &q, &r, parse_hello, &h);
    if (!rc && r.status != 200) {
        char token[32], msg[256];
        refusal(&r, token, sizeof token, msg, sizeof msg, NULL, NULL);
        rc = rk_err_set(r.status == 401 || r.status == 403 ? RK_EAUTH : RK_EPERM,
                        "HQ refused this branch (HTTP %ld %s): %s%s", r.status, token, msg,
                        r.status == 401 ? "; enrol the device again (ractl sync enrol)" : "");
        p->unreachable = 1;
    }
    if (!rc && strcmp(h.branch, p->conf->branch_id)) {
        rc = rk_err_set(RK_EAUTH,
                        "HQ knows this device certificate as branch %s, but this branch is %s",
                        h.branch, p->conf->branch_id);
        p->unreachable = 1;
    }
    if (!rc) {
        p->res->skew = h.server_time - rk_clock_now();
        if (p->res->skew > MAX_SKEW || p->res->skew < -MAX_SKEW)
            warn(p, "the branch's clock is %lld s %s HQ's: check the time service",
                 (long long)(p->res->skew < 0 ? -p->res->skew : p->res->skew),
                 p->res->skew < 0 ? "ahead of" : "behind");
        if (h.max_batch > 0 && h.max_batch < p->batch) p->batch = h.max_batch;
        if (!p->archives_url[0] && h.archives_url[0])
            snprintf(p->archives_url, sizeof p->archives_url, "%s", h.archives_url);
    }
    rk_sync_response_free(&r);
    if (rc) fail(p, rc, "hello");
    return rc;
}

/* ---- events ---------------------------------------------------------------------- */

static int parse_ack(void *arg, const rk_sync_response *r)
{
    return rk_sync_proto_ack_parse(arg, r->body.data ? r->body.data : "", r->body.len, 0);
}

/* Sends events ev[0..n) as one push; 0 with r holding the answer. */
static int send_events(pass *p, const rk_outbox_event *ev, int n, int repair,
                       rk_sync_proto_ack *ack, rk_sync_response *r)
{
    rk_sync_proto_event *pe = calloc((size_t)n, sizeof *pe);
    rk_buf body;
    rk_sync_request q;
    int rc;
    if (!pe) return rk_err_oom();
    for (int i = 0; i < n; i++) {
        pe[i].seq = ev[i].seq;
        memcpy(pe[i].uuid, ev[i].uuid, sizeof pe[i].uuid);
        pe[i].at = ev[i].at;
        snprintf(pe[i].entity, sizeof pe[i].entity, "%s", ev[i].entity);
        snprintf(pe[i].entity_id, sizeof pe[i].entity_id, "%s", ev[i].entity_id);
        snprintf(pe[i].kind, sizeof pe[i].kind, "%s", ev[i].kind);
        pe[i].payload = ev[i].payload;
        pe[i].repair = repair;
    }
    /* The backlog HQ's fleet page shows: every unsent event, these too. */
    int64_t sent_upto = 0, unsent = -1;
    if (rk_outbox_marks(p->db, &sent_upto, &unsent) != 0) unsent = -1;
    rk_buf_init(&body, RK_SYNC_PROTO_MAX_BODY);
    rc = rk_sync_proto_events_write(&body, p->conf->branch_id, pe, n, repair ? -1 : unsent);
    free(pe);
    if (!rc) {
        rk_sync_request_init(&q, "POST", "/v1/events");
        rk_sync_request_header(&q, "Content-Type: application/json");
        q.body = body.data;
        q.body_len = body.len;
        rc = call(p, &q, r, parse_ack, ack);
    }
    rk_buf_free(&body);
    return rc;
}

static int push_events(pass *p)
{
    rk_outbox_event *ev = calloc(RK_SYNC_PROTO_MAX_BATCH, sizeof *ev);
    rk_sync_response r;
    int rc = 0, batch = p->batch, gaps = 0;
    if (!ev) return rk_err_oom();
    rk_sync_response_init(&r, 65536);
    for (;;) {
        int n = 0;
        rk_sync_proto_ack ack;
        if ((rc = rk_outbox_pending(p->db, ev, batch, &n, 0)) != 0 || n == 0) break;
        rc = send_events(p, ev, n, 0, &ack, &r);
        int64_t first = ev[0].seq, last = ev[n - 1].seq;
        for (int i = 0; i < n; i++)
            rk_outbox_event_clear(&ev[i]);
        if (rc) break;
        if (r.status == 200) {
            if (ack.acked_seq < first - 1) {
                rc = rk_err_set(RK_EFORMAT,
                                "HQ acknowledged events up to %lld, below the %lld it holds "
                                "already by this branch's marks",
                                (long long)ack.acked_seq, (long long)(first - 1));
                break;
            }
            int64_t upto = ack.acked_seq < last ? ack.acked_seq : last;
            if ((rc = rk_outbox_mark_sent(p->db, upto)) != 0) break;
            p->res->pushed += upto - first + 1;
            p->res->duplicates += ack.duplicates;
            p->res->acked_seq = ack.acked_seq;
            if (upto < last && ack.applied == 0 && ack.duplicates == 0) {
                rc = rk_err_set(RK_EFORMAT, "HQ took none of the events %lld..%lld",
                                (long long)first, (long long)last);
                break;
            }
            continue;
        }
        char token[32], msg[256];
        int64_t expected = 0;
        refusal(&r, token, sizeof token, msg, sizeof msg, "expected", &expected);
        if (r.status == 409 && !strcmp(token, "sequence_gap") && expected > 0 &&
            expected <= first && gaps++ < 3) {
            rk_log_warn("sync: HQ holds this branch's events only up to %lld (%s): sending again "
                        "from there",
                        (long long)(expected - 1), msg);
            if ((rc = rk_outbox_mark_unsent(p->db, expected - 1)) != 0) break;
            continue;
        }
        if (r.status == 413 && batch > 1) {
            batch = batch / 2;
            continue;
        }
        rc = rk_err_set(r.status == 403 || r.status == 401 ? RK_EAUTH : RK_EPERM,
                        "HQ refused events %lld..%lld (HTTP %ld %s): %s", (long long)first,
                        (long long)last, r.status, token, msg);
        break;
    }
    free(ev);
    rk_sync_response_free(&r);
    if (rc) fail(p, rc, "push");
    return rc;
}

/* ---- audit ----------------------------------------------------------------------- */

static int parse_audit_ack(void *arg, const rk_sync_response *r)
{
    return rk_sync_proto_ack_parse(arg, r->body.data ? r->body.data : "", r->body.len, 1);
}

static int push_audit(pass *p)
{
    int64_t anchor = 0, head = 0;
    char anchor_hash[65] = GENESIS, head_hash[65], held[65];
    rk_sync_response r;
    int rc, gaps = 0;

    if ((rc = rk_sync_meta_int(p->db, "sync.audit_seq", &anchor, 0)) != 0) return rc;
    if (anchor > 0 &&
        (rc = rk_db_meta_get(p->db, "sync.audit_hash", anchor_hash, sizeof anchor_hash)) != 0) {
        fail(p, rc, "audit");
        return rc;
    }
    /* The branch's own check of HQ's anchor, before anything is sent. */
    if (anchor > 0) {
        int h = rk_audit_hash_at(held, p->db, anchor);
        if (h == RK_ENOTFOUND || (!h && strcmp(held, anchor_hash))) {
            rc = rk_err_set(RK_EVERIFY,
                            "the audit log no longer holds entry %lld as HQ anchored it: entries "
                            "were removed or rewritten at this branch",
                            (long long)anchor);
            rk_log_error("sync: %s", rk_err_msg());
        } else if (h)
            return h;
    }
    if ((rc = rk_audit_head(&head, head_hash, p->db)) != 0) return rc;
    rk_sync_response_init(&r, 65536);
    for (;;) {
        rk_audit_row *rows = NULL;
        int n = 0;
        if ((rc = rk_audit_read(&rows, &n, p->db, anchor, p->batch)) != 0) break;
        rk_sync_proto_audits a = {.head_seq = head, .n = n};
        memcpy(a.head_hash, head_hash, sizeof a.head_hash);
        a.e = n ? calloc((size_t)n, sizeof *a.e) : NULL;
        if (n && !a.e) {
            rk_audit_rows_free(rows, n);
            rc = rk_err_oom();
            break;
        }
        for (int i = 0; i < n; i++) {
            rk_sync_proto_audit *e = &a.e[i];
            e->seq = rows[i].seq;
            e->at = rows[i].at;
            e->actor = rows[i].actor;
            e->role = rows[i].role;
            e->action = rows[i].action;
            e->order_id = rows[i].order_id;
            e->before = rows[i].before;
            e->after = rows[i].after;
            e->detail = rows[i].detail;
            memcpy(e->prev_hash, rows[i].prev_hash, 65);
            memcpy(e->hash, rows[i].hash, 65);
        }
        rk_buf body;
        rk_buf_init(&body, RK_SYNC_PROTO_MAX_BODY);
        rc = rk_sync_proto_audits_write(&body, &a);
        free(a.e); /* the strings are the rows' */
        rk_audit_rows_free(rows, n);
        rk_sync_proto_ack ack;
        if (!rc) {
            rk_sync_request q;
            rk_sync_request_init(&q, "POST", "/v1/audit");
            rk_sync_request_header(&q, "Content-Type: application/json");
            q.body = body.data;
            q.body_len = body.len;
            rc = call(p, &q, &r, parse_audit_ack, &ack);
        }
        rk_buf_free(&body);
        if (rc) break;
        if (r.status == 200) {
            if ((rc = rk_db_begin(p->db)) != 0) break;
            rc = rk_sync_meta_set_int(p->db, "sync.audit_seq", ack.acked_seq);
            if (!rc) rc = rk_db_meta_set(p->db, "sync.audit_hash", ack.head_hash);
            if (!rc) rc = rk_db_commit(p->db);
            if (rc) {
                rk_db_rollback(p->db);
                break;
            }
            p->res->audit_pushed += ack.acked_seq > anchor ? ack.acked_seq - anchor : 0;
            p->res->audit_acked = ack.acked_seq;
            int64_t before = anchor;
            anchor = ack.acked_seq;
            memcpy(anchor_hash, ack.head_hash, sizeof anchor_hash);
            if (n == 0 || anchor >= head || anchor <= before) break;
            continue;
        }
        char token[32], msg[300];
        int64_t expected = 0;
        refusal(&r, token, sizeof token, msg, sizeof msg, "expected", &expected);
        if (r.status == 409 && !strcmp(token, "audit_gap") && expected > 0 &&
            expected <= anchor + 1 && gaps++ < 3) {
            anchor = expected - 1;
            if (anchor == 0)
                memcpy(anchor_hash, GENESIS, 65);
            else if ((rc = rk_audit_hash_at(anchor_hash, p->db, anchor)) != 0)
                break;
            continue;
        }
        rc = rk_err_set(RK_EVERIFY, "HQ refused the audit log (HTTP %ld %s): %s", r.status, token,
                        msg);
        break;
    }
    rk_sync_response_free(&r);
    if (rc) fail(p, rc, "audit");
    return rc;
}

/* ---- changes ---------------------------------------------------------------------- */

static int parse_changes(void *arg, const rk_sync_response *r)
{
    return rk_sync_proto_changes_parse(arg, r->body.data ? r->body.data : "", r->body.len);
}

static int pull_changes(pass *p)
{
    int64_t cursor;
    rk_sync_response r;
    int rc = rk_sync_meta_int(p->db, "sync.cursor", &cursor, 0);
    if (rc) return rc;
    rk_sync_response_init(&r, RK_SYNC_PROTO_MAX_BODY);
    for (;;) {
        rk_sync_proto_changes c;
        rk_sync_request q;
        char url[96];
        snprintf(url, sizeof url, "/v1/changes?after=%lld&limit=%d", (long long)cursor, p->batch);
        rk_sync_request_init(&q, "GET", url);
        memset(&c, 0, sizeof c);
        if ((rc = call(p, &q, &r, parse_changes, &c)) != 0) break;
        if (r.status != 200) {
            char token[32], msg[256];
            refusal(&r, token, sizeof token, msg, sizeof msg, NULL, NULL);
            rc = rk_err_set(RK_EPERM, "HQ refused the changes (HTTP %ld %s): %s", r.status, token,
                            msg);
            break;
        }
        for (int i = 0; !rc && i < c.n; i++) {
            char note[512];
            if (c.c[i].cursor <= cursor) continue;
            int a = rk_sync_in_apply(p->l, c.c[i].kind, c.c[i].payload, note, sizeof note);
            if (a < 0) {
                rc = rk_err_wrap(a, "HQ's change %lld (%s) could not be applied now",
                                 (long long)c.c[i].cursor, c.c[i].kind);
                break;
            }
            if (a == RK_SYNC_IN_SKIPPED)
                p->res->skipped++;
            else
                p->res->applied++;
            p->res->pulled++;
            if ((rc = rk_sync_meta_set_int(p->db, "sync.cursor", c.c[i].cursor)) != 0) break;
            cursor = c.c[i].cursor;
        }
        int more = c.more;
        if (!rc && c.next > cursor && c.n == 0) cursor = c.next;
        rk_sync_proto_changes_free(&c);
        if (rc || !more) break;
    }
    p->res->cursor = cursor;
    rk_sync_response_free(&r);
    if (rc) fail(p, rc, "pull");
    return rc;
}

/* ---- CRL ----------------------------------------------------------------------------- */

static int write_download(char *path, size_t n, const rk_conf *conf, const char *name,
                          const rk_buf *b)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/sync", conf->data_dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return rk_err_set(RK_EIO, "cannot make %s: %s", dir, strerror(errno));
    snprintf(path, n, "%s/%s", dir, name);
    return rk_file_write_atomic(path, b->data ? b->data : "", b->len, 0600);
}

static int meta_text(rk_db *db, const char *key, char *out, size_t n)
{
    int rc = rk_db_meta_get(db, key, out, n);
    if (rc == RK_ENOTFOUND) {
        rk_err_clear();
        out[0] = '\0';
        return 0;
    }
    return rc;
}

static int crl(pass *p)
{
    char etag[128], lm[64], h1[160], h2[100], path[PATH_MAX];
    rk_sync_request q;
    rk_sync_response r;
    int rc;

    if ((rc = meta_text(p->db, "sync.crl_etag", etag, sizeof etag)) ||
        (rc = meta_text(p->db, "sync.crl_lm", lm, sizeof lm)))
        return rc;
    rk_sync_response_init(&r, 256u << 20);
    rk_sync_request_init(&q, "GET", "/v1/crl");
    if (etag[0]) {
        snprintf(h1, sizeof h1, "If-None-Match: %s", etag);
        rk_sync_request_header(&q, h1);
    }
    if (lm[0]) {
        snprintf(h2, sizeof h2, "If-Modified-Since: %s", lm);
        rk_sync_request_header(&q, h2);
    }
    if ((rc = call(p, &q, &r, NULL, NULL)) != 0) goto out;
    if (r.status == 304 || r.status == 404) goto out;
    if (r.status != 200) {
        rc = rk_err_set(RK_EPERM, "GET /v1/crl: HTTP %ld", r.status);
        goto out;
    }
    rk_crlparse_info ci;
    int bad = rk_crlparse(&ci, (const unsigned char *)r.body.data, r.body.len);
    if (!bad && ci.next_update && ci.next_update < rk_clock_now()) {
        char when[32];
        rk_clock_format(when, ci.next_update);
        bad = rk_err_set(RK_ESTATE, "it is stale (its next update was due %s)", when);
    }
    if (!bad) bad = write_download(path, sizeof path, p->conf, "crl.download", &r.body);
    if (!bad) {
        rk_catrust *trust = NULL;
        rk_crlstore *store = NULL;
        char dir[PATH_MAX];
        rk_crlstore_info info;
        snprintf(dir, sizeof dir, "%s/crls", p->conf->data_dir);
        bad = rk_catrust_load_branch(&trust, p->conf, NULL, 0);
        if (!bad) bad = rk_crlstore_open(&store, dir);
        if (!bad) bad = rk_crlstore_import(&info, store, path, trust);
        rk_crlstore_free(store);
        rk_catrust_free(trust);
        unlink(path);
        if (!bad) {
            rk_log_info("sync: HQ's CRL %s imported (%llu entries)", info.number,
                        (unsigned long long)info.entries);
            p->res->crl = 1;
            if ((rc = rk_db_meta_set(p->db, "sync.crl_etag", r.etag)) == 0)
                rc = rk_db_meta_set(p->db, "sync.crl_lm", r.last_modified);
            goto out;
        }
    }
    if (bad == RK_ECONF) {
        rc = bad;
        goto out;
    }
    p->res->crl = -1;
    warn(p, "HQ's CRL refused, the CRL in force stays: %s", rk_err_msg());
out:
    rk_sync_response_free(&r);
    if (rc) fail(p, rc, "CRL");
    return rc;
}

/* ---- configuration ------------------------------------------------------------------ */

static int config(pass *p)
{
    char sha[65], h[100];
    int64_t held;
    rk_sync_request q;
    rk_sync_response r;
    int rc = rk_sync_config_current(&held, sha, p->db);
    if (rc) return rc;
    rk_sync_response_init(&r, 64u << 20);
    rk_sync_request_init(&q, "GET", "/v1/config/latest");
    if (sha[0]) {
        snprintf(h, sizeof h, "If-None-Match: \"%s\"", sha);
        rk_sync_request_header(&q, h);
    }
    if ((rc = call(p, &q, &r, NULL, NULL)) != 0) goto out;
    if (r.status == 304 || r.status == 404) goto out;
    if (r.status != 200) {
        rc = rk_err_set(RK_EPERM, "GET /v1/config/latest: HTTP %ld", r.status);
        goto out;
    }
    int64_t version = 0;
    int bad = rk_sync_config_install(&version, p->db, p->conf, (const unsigned char *)r.body.data,
                                     r.body.len);
    if (!bad) {
        p->res->config = 1;
        p->res->config_version = version;
    } else if (bad == RK_EIO || bad == RK_EDB || bad == RK_EBUSY || bad == RK_ECONF) {
        rc = bad;
    } else {
        p->res->config = -1;
        warn(p, "configuration bundle %lld refused, version %lld stays in force: %s",
             (long long)version, (long long)held, rk_err_msg());
    }
out:
    rk_sync_response_free(&r);
    if (rc) fail(p, rc, "configuration");
    return rc;
}

/* ---- system updates ------------------------------------------------------------------- */

static int announce_parse(void *arg, const rk_sync_response *r)
{
    return rk_sync_proto_update_parse(arg, r->body.data ? r->body.data : "", r->body.len);
}

typedef struct range_want {
    int64_t first, last, total;
} range_want;

/* A range answer must be exactly the bytes asked for. */
static int range_parse(void *arg, const rk_sync_response *r)
{
    const range_want *w = arg;
    int64_t a, b, t;
    if (r->status != 206)
        return rk_err_set(RK_EFORMAT, "HTTP %ld to a range request, not 206", r->status);
    if (rk_sync_proto_content_range(&a, &b, &t, r->content_range) != 0) return RK_EFORMAT;
    if (a != w->first || b != w->last || t != w->total || (int64_t)r->body.len != b - a + 1)
        return rk_err_set(RK_EFORMAT, "bytes %lld-%lld/%lld with %zu bytes for %lld-%lld/%lld",
                          (long long)a, (long long)b, (long long)t, r->body.len,
                          (long long)w->first, (long long)w->last, (long long)w->total);
    return 0;
}

static int update(pass *p)
{
    rk_sync_request q;
    rk_sync_response r;
    rk_sync_proto_update u;
    rk_sync_update_files f;
    int64_t have = 0;
    int complete = 0, done = 0, restarted = 0;
    if (!p->conf->sync_update_install[0]) return 0;
    rk_sync_response_init(&r, 64 * 1024);
    rk_sync_request_init(&q, "GET", "/v1/update");
    int rc = call(p, &q, &r, announce_parse, &u);
    if (rc || r.status == 404) goto out; /* 404: nothing published */
    if (r.status != 200) {
        rc = rk_err_set(RK_EPERM, "GET /v1/update: HTTP %ld", r.status);
        goto out;
    }
    if ((rc = rk_sync_update_installed(p->db, u.sha256, &done)) != 0 || done) goto out;
    if ((rc = rk_sync_update_prepare(&f, &have, &complete, p->conf->data_dir, &u)) != 0) goto out;
    p->res->update_resumed_from = have;
    if (have && !complete)
        rk_log_info("sync: update %s: going on from byte %lld of %lld", u.version, (long long)have,
                    (long long)u.size);
    int64_t chunk = p->conf->sync_update_chunk > 0 ? p->conf->sync_update_chunk : 4 << 20;
    rk_sync_response_free(&r);
    rk_sync_response_init(&r, (size_t)chunk + 1);
    while (!complete && have < u.size) {
        char range[80];
        range_want w = {.first = have,
                        .last = (have + chunk < u.size ? have + chunk : u.size) - 1,
                        .total = u.size};
        snprintf(range, sizeof range, "Range: bytes=%lld-%lld", (long long)w.first,
                 (long long)w.last);
        rk_sync_request_init(&q, "GET", u.url);
        rk_sync_request_header(&q, range);
        q.max_response = (size_t)chunk + 1;
        if ((rc = call(p, &q, &r, range_parse, &w)) != 0) goto out; /* the part stays */
        if (r.status == 416 && !restarted) {
            /* HQ's bundle is shorter than the part: not the same bytes. */
            rk_log_warn("sync: update %s: HQ has no byte %lld; fetching it again", u.version,
                        (long long)have);
            if (truncate(f.part, 0) != 0) {
                rc = rk_err_set(RK_EIO, "%s: %s", f.part, strerror(errno));
                goto out;
            }
            have = 0;
            restarted = 1;
            continue;
        }
        if (r.status == 404) {
            warn(p, "update %s is no longer offered by HQ", u.version);
            goto out;
        }
        if (r.status != 206) {
            rc = rk_err_set(RK_EPERM, "GET %s: HTTP %ld", u.url, r.status);
            goto out;
        }
        if ((rc = rk_sync_update_append(&f, have, r.body.data, r.body.len)) != 0) goto out;
        have += (int64_t)r.body.len;
        p->res->update_bytes += (int64_t)r.body.len;
    }
    if (!complete && (rc = rk_sync_update_finish(&f, &u)) != 0) {
        if (rc == RK_EVERIFY) {
            p->res->update = -1;
            warn(p, "%s", rk_err_msg());
            rc = 0;
        }
        goto out;
    }
    rk_log_info("sync: update %s fetched (%lld bytes, SHA-256 checked): %s %s", u.version,
                (long long)u.size, p->conf->sync_update_install, f.full);
    if (rk_sync_update_install(p->conf->sync_update_install, f.full) != 0) {
        p->res->update = -1;
        warn(p, "update %s not installed, kept for the next pass: %s", u.version, rk_err_msg());
        goto out;
    }
    if ((rc = rk_sync_update_mark_installed(p->db, &f, &u)) == 0) {
        p->res->update = 1;
        rk_log_info("sync: update %s installed: the terminal runs it from its next boot",
                    u.version);
    }
out:
    rk_sync_response_free(&r);
    if (rc) fail(p, rc, "update");
    return rc;
}

/* ---- archives ------------------------------------------------------------------------- */

static int archives(pass *p, const char *endpoint)
{
    rk_sync_tus tus;
    int added = 0, deleted = 0, rc;
    rk_sync_archive *a = NULL;
    int n = 0;

    if ((rc = rk_sync_archive_scan(p->l, &added)) != 0) {
        fail(p, rc, "archives");
        return rc;
    }
    rk_sync_tus_init(&tus, p->t, endpoint, p->conf->sync_archive_chunk, p->max_attempts);
    int64_t last_id = -1;
    for (;;) {
        if ((rc = rk_sync_archive_pending(p->db, &a, &n, 64)) != 0 || n == 0) break;
        if (a[n - 1].id == last_id) break; /* nothing moved: failures only */
        for (int i = 0; !rc && i < n; i++) {
            int64_t sent = 0, from = 0;
            if (a[i].id <= last_id) continue;
            int u = rk_sync_tus_upload(&tus, p->db, &a[i], &sent, &from);
            p->res->archive_bytes += sent;
            int64_t fresh = a[i].bytes - from;
            if (sent > fresh) p->res->archive_bytes_again += sent - fresh;
            if (u == RK_EIO || u == RK_ETIMEOUT || u == RK_EINTERNAL) {
                rc = u;
                p->unreachable = 1;
                break;
            }
            if (u) {
                /* This file only: the rest go on. */
                rk_log_error("sync: archive %s not uploaded: %s", a[i].path, rk_err_msg());
                rk_sync_archive_progress(p->db, a[i].id, a[i].sent_bytes, rk_err_msg());
                p->res->unresolved++;
                continue;
            }
            p->res->archives_sent++;
            rk_sync_proto_receipt rcpt;
            int g = rk_sync_tus_receipt(&tus, a[i].location, &rcpt);
            if (g == RK_ENOTFOUND) {
                rc = rk_sync_archive_uploaded(p->db, a[i].id, 0);
            } else if (g) {
                rc = g;
                break;
            } else if (rcpt.complete && rcpt.matches && !strcmp(rcpt.sha256, a[i].sha256)) {
                rc = rk_sync_archive_uploaded(p->db, a[i].id, 1);
                p->res->archives_confirmed++;
            } else if (rcpt.complete) {
                rk_log_error("sync: HQ holds %s with SHA-256 %s, not %s: uploading it again",
                             a[i].path, rcpt.sha256, a[i].sha256);
                rk_sync_tus_terminate(&tus, a[i].location);
                rc = rk_sync_archive_restart(p->db, a[i].id, "HQ's copy did not match");
            }
        }
        last_id = n ? a[n - 1].id : last_id;
        free(a);
        a = NULL;
        if (rc) break;
    }
    free(a);
    if (!rc) rc = rk_sync_archive_expire(p->db, p->conf->sync_archive_keep_days, &deleted);
    p->res->archives_deleted += deleted;
    if (rc) fail(p, rc, "archives");
    return rc;
}

/* ---- reconciliation --------------------------------------------------------------------- */

static int parse_days(void *arg, const rk_sync_response *r)
{
    struct {
        rk_sync_proto_day *d;
        int n;
    } *x = arg;
    return rk_sync_proto_days_parse(&x->d, &x->n, r->body.data ? r->body.data : "", r->body.len);
}

static int parse_day(void *arg, const rk_sync_response *r)
{
    struct {
        rk_sync_proto_digest_order *o;
        int n;
    } *x = arg;
    return rk_sync_proto_day_orders_parse(&x->o, &x->n, r->body.data ? r->body.data : "",
                                          r->body.len);
}

static int by_seq(const void *a, const void *b)
{
    const rk_outbox_event *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Compares one day order by order and pushes the repairs. */
static int repair_day(pass *p, const char *day, int64_t start)
{
    struct {
        rk_sync_proto_digest_order *o;
        int n;
    } hq = {NULL, 0};
    rk_sync_proto_digest_order *mine = NULL;
    rk_outbox_event *fix = NULL;
    int nmine = 0, nfix = 0, rc;
    rk_sync_request q;
    rk_sync_response r;
    char url[64];

    rk_sync_response_init(&r, RK_SYNC_PROTO_MAX_BODY);
    snprintf(url, sizeof url, "/v1/digests/%s", day);
    rk_sync_request_init(&q, "GET", url);
    if ((rc = call(p, &q, &r, parse_day, &hq)) != 0) goto out;
    if (r.status != 200) {
        rc = rk_err_set(RK_EPERM, "GET %s: HTTP %ld", url, r.status);
        goto out;
    }
    if ((rc = rk_sync_digest_orders(&mine, &nmine, p->db, start)) != 0) goto out;
    if (nmine && !(fix = calloc((size_t)nmine, sizeof *fix))) {
        rc = rk_err_oom();
        goto out;
    }
    /* Both lists are sorted by uuid. */
    int i = 0, j = 0;
    while (!rc && (i < nmine || j < hq.n)) {
        int c = i >= nmine ? 1 : j >= hq.n ? -1 : strcmp(mine[i].uuid, hq.o[j].uuid);
        if (c > 0) {
            rk_log_error("sync: reconciliation %s: HQ holds order %s that this branch has not", day,
                         hq.o[j].uuid);
            p->res->unresolved++;
            j++;
            continue;
        }
        if (c == 0 && mine[i].last_seq == hq.o[j].last_seq &&
            !strcmp(mine[i].state, hq.o[j].state)) {
            i++;
            j++;
            continue;
        }
        if (c == 0 && hq.o[j].last_seq > mine[i].last_seq) {
            rk_log_error("sync: reconciliation %s: HQ holds order %s at event %lld, newer than "
                         "this branch's %lld",
                         day, hq.o[j].uuid, (long long)hq.o[j].last_seq,
                         (long long)mine[i].last_seq);
            p->res->unresolved++;
            i++;
            j++;
            continue;
        }
        rk_log_warn("sync: reconciliation %s: order %s is %s at HQ, %s (event %lld) here: "
                    "repairing",
                    day, mine[i].uuid, c == 0 ? hq.o[j].state : "missing", mine[i].state,
                    (long long)mine[i].last_seq);
        if ((rc = rk_outbox_get(p->db, &fix[nfix], mine[i].last_seq)) != 0) break;
        nfix++;
        i++;
        if (c == 0) j++;
    }
    if (nfix) qsort(fix, (size_t)nfix, sizeof *fix, by_seq);
    for (int k = 0; !rc && k < nfix; k += p->batch) {
        rk_sync_proto_ack ack;
        int m = nfix - k < p->batch ? nfix - k : p->batch;
        if ((rc = send_events(p, fix + k, m, 1, &ack, &r)) != 0) break;
        if (r.status != 200) {
            char token[32], msg[256];
            refusal(&r, token, sizeof token, msg, sizeof msg, NULL, NULL);
            rc = rk_err_set(RK_EPERM, "HQ refused the repair of %s (HTTP %ld %s): %s", day,
                            r.status, token, msg);
            break;
        }
        p->res->repaired += m;
    }
out:
    for (int k = 0; k < nfix; k++)
        rk_outbox_event_clear(&fix[k]);
    free(fix);
    free(mine);
    free(hq.o);
    rk_sync_response_free(&r);
    return rc;
}

static int reconcile(pass *p)
{
    struct {
        rk_sync_proto_day *d;
        int n;
    } hq = {NULL, 0};
    rk_sync_proto_day *mine = NULL;
    int nmine = 0, rc;
    char from[11], to[11], url[96];
    int64_t now = rk_clock_now(), today = now / 86400 * 86400;
    int64_t start = today - (int64_t)(p->conf->sync_reconcile_days - 1) * 86400;
    rk_sync_request q;
    rk_sync_response r;

    rk_sync_proto_day_of(from, start);
    rk_sync_proto_day_of(to, today);
    rk_sync_response_init(&r, RK_SYNC_PROTO_MAX_BODY);
    snprintf(url, sizeof url, "/v1/digests?from=%s&to=%s", from, to);
    rk_sync_request_init(&q, "GET", url);
    if ((rc = call(p, &q, &r, parse_days, &hq)) != 0) goto out;
    if (r.status != 200) {
        rc = rk_err_set(RK_EPERM, "GET /v1/digests: HTTP %ld", r.status);
        goto out;
    }
    if ((rc = rk_sync_digest_days(&mine, &nmine, p->db, start, today + 86400)) != 0) goto out;
    p->res->reconciled = 1;
    for (int64_t d = start; !rc && d <= today; d += 86400) {
        char day[11];
        const rk_sync_proto_day *a = NULL, *b = NULL;
        rk_sync_proto_day_of(day, d);
        for (int i = 0; i < nmine; i++)
            if (!strcmp(mine[i].day, day)) a = &mine[i];
        for (int i = 0; i < hq.n; i++)
            if (!strcmp(hq.d[i].day, day)) b = &hq.d[i];
        p->res->days_compared++;
        if (!a && !b) continue;
        if (a && b && a->orders == b->orders && !strcmp(a->digest, b->digest)) continue;
        p->res->days_differing++;
        rc = repair_day(p, day, d);
    }
    if (!rc)
        rk_log_info("sync: reconciliation: %lld days compared, %lld differed, %lld orders "
                    "repaired, %lld unresolved",
                    (long long)p->res->days_compared, (long long)p->res->days_differing,
                    (long long)p->res->repaired, (long long)p->res->unresolved);
out:
    free(mine);
    free(hq.d);
    rk_sync_response_free(&r);
    if (rc) fail(p, rc, "reconciliation");
    return rc;
}

/* ---- opening ---------------------------------------------------------------------------- */

int rk_sync_branch_open(rk_sync_branch *b, const char *conf_path)
{
    int rc, version = 0;
    memset(b, 0, sizeof *b);
    if ((rc = rk_conf_load(&b->conf, conf_path)) != 0) return rc;
    if ((rc = rk_db_open(&b->db, b->conf->database, 0)) != 0) goto fail;
    if ((rc = rk_db_version(b->db, &version)) != 0) goto fail;
    if (version != rk_db_latest_version()) {
        rc = rk_err_set(RK_EDB,
                        "the database %s is at schema version %d, this program needs %d: "
                        "%s",
                        b->conf->database, version, rk_db_latest_version(),
                        version < rk_db_latest_version() ? "run `ractl db migrate`"
                                                         : "update the software");
        goto fail;
    }
    char sha[65];
    if ((rc = rk_sync_config_current(&b->config_version, sha, b->db)) != 0) goto fail;
    if ((rc = rk_ledger_open(&b->ledger, b->db, b->conf)) != 0) goto fail;
    return 0;
fail:
    disk_note(rc, b->conf ? b->conf->data_dir : NULL);
    rk_sync_branch_close(b);
    return rc;
}

int rk_sync_branch_refresh(rk_sync_branch *b)
{
    int64_t now = 0;
    char sha[65];
    rk_forms *forms = NULL;
    rk_fees *fees = NULL;
    rk_calendar *cal = NULL;
    int rc = rk_sync_config_current(&now, sha, b->db);
    if (rc || now <= b->config_version) return rc;
    rk_conf_bundle_refresh(b->conf);
    if ((rc = rk_forms_load(&forms, b->conf->forms)) || (rc = rk_fees_load(&fees, b->conf->fees)) ||
        (rc = rk_calendar_load(&cal, b->conf->calendar))) {
        rk_forms_free(forms);
        rk_fees_free(fees);
        rk_calendar_free(cal);
        rc = rk_err_wrap(rc, "configuration bundle %lld: the rules in force stay", (long long)now);
        rk_log_warn("sync: %s", rk_err_msg());
        b->config_version = now; /* not tried again on every pass */
        return rc;
    }
    /* Between passes nothing holds the old rules. */
    rk_forms_free(b->ledger->forms);
    rk_fees_free(b->ledger->fees);
    rk_calendar_free(b->ledger->calendar);
    b->ledger->forms = forms;
    b->ledger->fees = fees;
    b->ledger->calendar = cal;
    rk_log_info("sync: configuration bundle %lld taken up for the next pass", (long long)now);
    b->config_version = now;
    return 1;
}

void rk_sync_branch_close(rk_sync_branch *b)
{
    rk_ledger_free(b->ledger);
    rk_db_close(b->db);
    rk_conf_free(b->conf);
    memset(b, 0, sizeof *b);
}

/* ---- the pass ---------------------------------------------------------------------------- */

int rk_sync_pass(rk_sync_result *res, rk_ledger *l, rk_sync_transport *t, const rk_sync_opts *o)
{
    pass p = {.l = l, .db = l->db, .conf = l->conf, .t = t, .res = res};
    unsigned steps = o && o->steps ? o->steps : RK_SYNC_ALL;
    int rc = 0, first = 0;

    memset(res, 0, sizeof *res);
    res->started_at = rk_clock_now();
    p.max_attempts = l->conf->sync_max_attempts > 0 ? l->conf->sync_max_attempts : 6;
    p.batch = l->conf->sync_batch > 0 ? l->conf->sync_batch : 200;
    if (p.batch > RK_SYNC_PROTO_MAX_BATCH) p.batch = RK_SYNC_PROTO_MAX_BATCH;
    const char *aurl = o && o->archive_url ? o->archive_url : l->conf->sync_archive_url;
    snprintf(p.archives_url, sizeof p.archives_url, "%s", aurl ? aurl : "");

#define STEP(bit, call_)                                                                           \
    do {                                                                                           \
        if (!p.unreachable && (steps & (bit))) {                                                   \
            rc = (call_);                                                                          \
            if (rc && !first) first = rc;                                                          \
        }                                                                                          \
    } while (0)

    STEP(~0u, hello(&p));
    STEP(RK_SYNC_EVENTS, push_events(&p));
    STEP(RK_SYNC_AUDIT, push_audit(&p));
    STEP(RK_SYNC_CHANGES, pull_changes(&p));
    /* What applying HQ's changes recorded goes back at once. */
    if (res->applied) STEP(RK_SYNC_EVENTS, push_events(&p));
    if (res->applied) STEP(RK_SYNC_AUDIT, push_audit(&p));
    STEP(RK_SYNC_CRL, crl(&p));
    STEP(RK_SYNC_CONFIG, config(&p));
    STEP(RK_SYNC_ARCHIVES, archives(&p, p.archives_url[0] ? p.archives_url : "/v1/archives/"));
    STEP(RK_SYNC_RECONCILE, reconcile(&p));
    /* Last: a bundle of hundreds of MiB never holds up the branch's data. */
    STEP(RK_SYNC_UPDATE, update(&p));
#undef STEP

    int64_t upto = 0;
    rk_outbox_marks(p.db, &upto, &res->backlog_events);
    rk_sync_archive_open_count(p.db, &res->backlog_archives);
    res->finished_at = rk_clock_now();
    res->ok = first == 0;
    if (first) rk_err_set(first, "%s", res->error);
    return first;
}
