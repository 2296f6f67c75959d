/*
 * rahq's tus 1.0 endpoint at /v1/archives/ (docs/SYNC-PROTOCOL.md section 7):
 * the core protocol (HEAD, PATCH, OPTIONS), creation, checksum (sha256) and
 * termination, plus a receipt with the SHA-256 HQ computed itself.
 *
 * The bytes go to the archive store as they arrive. Without a checksum a
 * cut keeps what arrived (flushed), so the branch resends only what was in
 * flight; with a checksum the chunk is all or nothing. A second PATCH on an
 * upload being written is refused with 409 (the archive store's lock), so a
 * duplicated delivery cannot interleave bytes. Uploads belong to the branch
 * that created them: another branch's HEAD, PATCH, DELETE or receipt is
 * refused 403 and logged.
 */
#include "hq/hq.h"

#include "util/clock.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/log.h"

#include <stdarg.h>
#include "util/uuid.h"

#include <openssl/evp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "/v1/archives/"

struct rk_hq_tus {
    rk_hq_ctx *hq;
    rk_hq_upload up;
    rk_hq_archive_writer *w;
    int64_t start, received, limit;
    EVP_MD_CTX *md;
    unsigned char want[32];
    int failed; /* a write failed: answer 500 at the end */
    char branch[RK_SYNC_PROTO_BRANCH_MAX];
};

static void tus_headers(rk_hq_resp *r)
{
    rk_hq_resp_header(r, "Tus-Resumable", "1.0.0");
}

static void tus_error(rk_hq_resp *r, int status, const char *token, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void tus_error(rk_hq_resp *r, int status, const char *token, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rk_hq_resp_error(r, status, token, NULL, 0, "%s", msg);
    tus_headers(r);
}

static int parse_i64(int64_t *out, const char *s)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+') return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno || v < 0) return -1;
    *out = v;
    return 0;
}

/* The upload a path names, checked to be the branch's. 0, or r filled. */
static int own_upload(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r, const char *id,
                      rk_hq_upload *u)
{
    int rc = hq->store->ops->upload_get(hq->store, id, u);
    if (rc == RK_ENOTFOUND) {
        tus_error(r, 404, "not_found", "no upload %s", id);
        return -1;
    }
    if (rc) {
        tus_error(r, rc == RK_EBUSY ? 503 : 500, rc == RK_EBUSY ? "busy" : "internal", "%s",
                  rk_err_msg());
        return -1;
    }
    if (strcmp(u->branch, q->branch)) {
        rk_log_warn("rahq: refused %s %s from %s: wrong_branch: upload %s belongs to %s", q->method,
                    q->path, q->branch, id, u->branch);
        tus_error(r, 403, "wrong_branch", "upload %s belongs to another branch", id);
        return -1;
    }
    return 0;
}

static void options(rk_hq_resp *r)
{
    r->status = 204;
    tus_headers(r);
    rk_hq_resp_header(r, "Tus-Version", "1.0.0");
    rk_hq_resp_header(r, "Tus-Extension", "creation,checksum,termination");
    rk_hq_resp_header(r, "Tus-Checksum-Algorithm", "sha256");
    rk_hq_resp_header(r, "Tus-Max-Size", "%lld", (long long)RK_HQ_MAX_UPLOAD);
}

static void create(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r)
{
    rk_hq_upload u;
    int64_t len;
    const char *meta = q->header(q->arg, "Upload-Metadata");
    unsigned char rnd[16];
    int rc;

    memset(&u, 0, sizeof u);
    if (parse_i64(&len, q->header(q->arg, "Upload-Length")) != 0) {
        tus_error(r, 400, "bad_request", "Upload-Length is missing or not a number");
        return;
    }
    if (len > RK_HQ_MAX_UPLOAD) {
        tus_error(r, 413, "too_large", "uploads are at most %lld bytes",
                  (long long)RK_HQ_MAX_UPLOAD);
        return;
    }
    if (meta) {
        if ((rc = rk_sync_proto_meta_get(u.sha256, sizeof u.sha256, meta, "sha256")) == 0 &&
            !rk_sync_proto_sha256_ok(u.sha256))
            rc = rk_err_set(RK_EFORMAT, "the sha256 metadata is not 64 lower-case hex digits");
        if (rc == RK_ENOTFOUND) rc = 0, u.sha256[0] = '\0';
        if (!rc &&
            (rc = rk_sync_proto_meta_get(u.kind, sizeof u.kind, meta, "kind")) == RK_ENOTFOUND)
            rc = 0;
        if (!rc &&
            (rc = rk_sync_proto_meta_get(u.order, sizeof u.order, meta, "order")) == RK_ENOTFOUND)
            rc = 0;
        if (!rc && (rc = rk_sync_proto_meta_get(u.filename, sizeof u.filename, meta, "filename")) ==
                       RK_ENOTFOUND)
            rc = 0;
        if (rc) {
            tus_error(r, 400, "bad_request", "Upload-Metadata: %s", rk_err_msg());
            return;
        }
    }
    /* Idempotent creation: the branch's upload of the same content. */
    if (u.sha256[0]) {
        rk_hq_upload old;
        rc = hq->store->ops->upload_find(hq->store, q->branch, u.sha256, &old);
        int64_t held = 0;
        if (rc == 0 && old.length == len && (old.completed_at == 0 || old.matches) &&
            hq->archive->ops->offset(hq->archive, old.branch, old.id, &held) == 0) {
            r->status = 201;
            tus_headers(r);
            rk_hq_resp_header(r, "Location", PREFIX "%s", old.id);
            rk_hq_resp_header(r, "Upload-Offset", "%lld", (long long)held);
            return;
        }
        if (rc && rc != RK_ENOTFOUND) {
            tus_error(r, 500, "internal", "%s", rk_err_msg());
            return;
        }
    }
    if (rk_random_bytes(rnd, sizeof rnd) != 0) {
        tus_error(r, 500, "internal", "no random upload id");
        return;
    }
    rk_hex_encode(u.id, rnd, sizeof rnd, 0);
    snprintf(u.branch, sizeof u.branch, "%s", q->branch);
    u.length = len;
    u.created_at = rk_clock_now();
    rk_hq_upload held;
    if ((rc = hq->archive->ops->create(hq->archive, u.branch, u.id)) != 0 ||
        (rc = hq->store->ops->upload_add(hq->store, &u, &held)) != 0) {
        hq->archive->ops->remove(hq->archive, u.branch, u.id);
        int64_t off = 0;
        /* Another request created it between our look and now: its answer. */
        if (rc == RK_EEXIST &&
            (rc = hq->archive->ops->offset(hq->archive, held.branch, held.id, &off)) == 0) {
            r->status = 201;
            tus_headers(r);
            rk_hq_resp_header(r, "Location", PREFIX "%s", held.id);
            rk_hq_resp_header(r, "Upload-Offset", "%lld", (long long)off);
            return;
        }
        tus_error(r, rc == RK_EBUSY ? 503 : 500, rc == RK_EBUSY ? "busy" : "internal", "%s",
                  rk_err_msg());
        return;
    }
    /* An empty upload is complete at once. */
    if (len == 0) {
        char sha[65];
        if (hq->archive->ops->sha256(hq->archive, u.branch, u.id, sha) == 0)
            hq->store->ops->upload_complete(hq->store, u.id, sha, rk_clock_now());
    }
    r->status = 201;
    tus_headers(r);
    rk_hq_resp_header(r, "Location", PREFIX "%s", u.id);
    rk_hq_resp_header(r, "Upload-Offset", "0");
}

static void head(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r, const char *id)
{
    rk_hq_upload u;
    int64_t off;
    if (own_upload(hq, q, r, id, &u)) return;
    if (hq->archive->ops->offset(hq->archive, u.branch, u.id, &off) != 0) {
        tus_error(r, 410, "gone", "upload %s lost its bytes", id);
        return;
    }
    r->status = 200;
    r->head = 1;
    tus_headers(r);
    rk_hq_resp_header(r, "Upload-Offset", "%lld", (long long)off);
    rk_hq_resp_header(r, "Upload-Length", "%lld", (long long)u.length);
    rk_hq_resp_header(r, "Cache-Control", "no-store");
}

static void terminate(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r, const char *id)
{
    rk_hq_upload u;
    if (own_upload(hq, q, r, id, &u)) return;
    int rc = hq->store->ops->upload_remove(hq->store, u.id);
    if (!rc) rc = hq->archive->ops->remove(hq->archive, u.branch, u.id);
    if (rc) {
        tus_error(r, 500, "internal", "%s", rk_err_msg());
        return;
    }
    rk_log_info("rahq: %s terminated upload %s", q->branch, id);
    r->status = 204;
    tus_headers(r);
}

static void receipt(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r, const char *id)
{
    rk_hq_upload u;
    rk_sync_proto_receipt rc_;
    if (own_upload(hq, q, r, id, &u)) return;
    memset(&rc_, 0, sizeof rc_);
    snprintf(rc_.id, sizeof rc_.id, "%s", u.id);
    rc_.length = u.length;
    rc_.complete = u.completed_at != 0;
    rc_.matches = rc_.complete && u.matches;
    snprintf(rc_.sha256, sizeof rc_.sha256, "%s", u.stored_sha256);
    rc_.stored_at = u.completed_at;
    if (rk_sync_proto_receipt_write(&r->body, &rc_) != 0) {
        rk_hq_resp_error(r, 500, "internal", NULL, 0, "cannot write the receipt");
        return;
    }
    r->status = 200;
    r->type = "application/json";
}

/* The upload id in path ("" for the collection), or NULL if malformed. */
static const char *upload_id(const char *path, int *is_receipt)
{
    static const char suffix[] = "/receipt";
    const char *id = path + strlen(PREFIX);
    size_t n = strlen(id);
    *is_receipt = 0;
    if (n > sizeof suffix - 1 && !strcmp(id + n - (sizeof suffix - 1), suffix)) {
        *is_receipt = 1;
        n -= sizeof suffix - 1;
    }
    if (n != 0 && n != 32) return NULL;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) return NULL;
    return id;
}

static void patch_start(rk_hq_tus **out, rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r,
                        const char *id)
{
    rk_hq_tus *t;
    rk_hq_upload u;
    int64_t off, len = -1, actual = 0;
    const char *ct = q->header(q->arg, "Content-Type");
    const char *sum = q->header(q->arg, "Upload-Checksum");
    const char *cl = q->header(q->arg, "Content-Length");
    int rc;

    if (!ct || strcmp(ct, "application/offset+octet-stream")) {
        tus_error(r, 415, "unsupported_media_type",
                  "PATCH needs Content-Type: application/offset+octet-stream");
        return;
    }
    if (parse_i64(&off, q->header(q->arg, "Upload-Offset")) != 0) {
        tus_error(r, 400, "bad_request", "Upload-Offset is missing or not a number");
        return;
    }
    if (cl && parse_i64(&len, cl) != 0) {
        tus_error(r, 400, "bad_request", "Content-Length is not a number");
        return;
    }
    if (own_upload(hq, q, r, id, &u)) return;
    if (off > u.length || (len >= 0 && off + len > u.length)) {
        tus_error(r, 413, "too_large", "the upload is %lld bytes long", (long long)u.length);
        return;
    }
    if (!(t = calloc(1, sizeof *t))) {
        tus_error(r, 500, "internal", "out of memory");
        return;
    }
    t->hq = hq;
    t->up = u;
    t->start = off;
    t->limit = u.length - off;
    snprintf(t->branch, sizeof t->branch, "%s", q->branch);
    if (sum) {
        size_t got = 0;
        if (strncmp(sum, "sha256 ", 7) != 0) {
            free(t);
            tus_error(r, 400, "bad_request", "the only checksum algorithm here is sha256");
            return;
        }
        if (rk_sync_proto_unb64(t->want, sizeof t->want, &got, sum + 7, strlen(sum + 7)) != 0 ||
            got != 32) {
            free(t);
            tus_error(r, 400, "bad_request", "Upload-Checksum is not a base64 SHA-256");
            return;
        }
        if (!(t->md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(t->md, EVP_sha256(), NULL)) {
            EVP_MD_CTX_free(t->md);
            free(t);
            tus_error(r, 500, "internal", "cannot start the checksum");
            return;
        }
    }
    rc = hq->archive->ops->begin(hq->archive, u.branch, u.id, off, &actual, &t->w);
    if (rc) {
        EVP_MD_CTX_free(t->md);
        free(t);
        if (rc == RK_ESTATE || rc == RK_EBUSY) {
            tus_error(r, 409, "conflict", "%s", rk_err_msg());
            if (rc == RK_ESTATE) rk_hq_resp_header(r, "Upload-Offset", "%lld", (long long)actual);
        } else if (rc == RK_ENOTFOUND)
            tus_error(r, 410, "gone", "upload %s lost its bytes", id);
        else
            tus_error(r, 500, "internal", "%s", rk_err_msg());
        return;
    }
    *out = t;
}

int rk_hq_tus_start(rk_hq_tus **t, rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r)
{
    const char *m = q->method;
    int is_receipt;
    *t = NULL;
    if (strncmp(q->path, PREFIX, strlen(PREFIX)) != 0 && strcmp(q->path, "/v1/archives")) return -1;
    const char *id = strcmp(q->path, "/v1/archives") ? upload_id(q->path, &is_receipt) : "";
    if (!strcmp(q->path, "/v1/archives")) is_receipt = 0;
    if (!id) {
        tus_error(r, 404, "not_found", "no such upload");
        return 1;
    }
    if (!strcmp(m, "OPTIONS")) {
        options(r);
        return 1;
    }
    const char *tr = q->header(q->arg, "Tus-Resumable");
    if (!is_receipt && (!tr || strcmp(tr, "1.0.0"))) {
        tus_error(r, 412, "precondition_failed", "Tus-Resumable: 1.0.0 is required");
        rk_hq_resp_header(r, "Tus-Version", "1.0.0");
        return 1;
    }
    char idbuf[33];
    snprintf(idbuf, sizeof idbuf, "%.32s", id);
    if (!*idbuf) {
        if (!strcmp(m, "POST"))
            create(hq, q, r);
        else
            tus_error(r, 405, "method_not_allowed", "%s is not allowed here", m);
        return 1;
    }
    if (is_receipt) {
        if (!strcmp(m, "GET"))
            receipt(hq, q, r, idbuf);
        else
            tus_error(r, 405, "method_not_allowed", "%s is not allowed here", m);
        return 1;
    }
    if (!strcmp(m, "HEAD"))
        head(hq, q, r, idbuf);
    else if (!strcmp(m, "DELETE"))
        terminate(hq, q, r, idbuf);
    else if (!strcmp(m, "PATCH")) {
        patch_start(t, hq, q, r, idbuf);
        return *t ? 0 : 1;
    } else
        tus_error(r, 405, "method_not_allowed", "%s is not allowed on an upload", m);
    return 1;
}

int rk_hq_tus_data(rk_hq_tus *t, const char *p, size_t n)
{
    if (t->failed) return 0;
    if ((int64_t)n > t->limit - t->received) {
        t->failed = 413;
        return 0;
    }
    if (t->md && !EVP_DigestUpdate(t->md, p, n)) t->failed = 500;
    if (!t->failed && t->hq->archive->ops->write(t->w, p, n) != 0) {
        rk_log_error("rahq: upload %s: %s", t->up.id, rk_err_msg());
        t->failed = 500;
    }
    t->received += (int64_t)n;
    return 0;
}

static void complete(rk_hq_tus *t)
{
    char sha[65];
    if (t->hq->archive->ops->sha256(t->hq->archive, t->up.branch, t->up.id, sha) != 0 ||
        t->hq->store->ops->upload_complete(t->hq->store, t->up.id, sha, rk_clock_now()) != 0) {
        rk_log_error("rahq: upload %s: cannot record its completion: %s", t->up.id, rk_err_msg());
        return;
    }
    if (t->up.sha256[0] && strcmp(sha, t->up.sha256))
        rk_log_warn("rahq: %s's upload %s is complete but its SHA-256 is %s, not the %s it "
                    "claimed",
                    t->branch, t->up.id, sha, t->up.sha256);
    else
        rk_log_info("rahq: %s's upload %s complete (%lld bytes)", t->branch, t->up.id,
                    (long long)t->up.length);
}

static void free_tus(rk_hq_tus *t)
{
    EVP_MD_CTX_free(t->md);
    free(t);
}

void rk_hq_tus_finish(rk_hq_tus *t, rk_hq_resp *r)
{
    int64_t off = t->start;
    int keep = !t->failed, sum_bad = 0;
    if (keep && t->md) {
        unsigned char got[32];
        unsigned int glen = 0;
        if (!EVP_DigestFinal_ex(t->md, got, &glen) || glen != 32 || memcmp(got, t->want, 32))
            keep = 0, sum_bad = 1;
    }
    int rc = t->hq->archive->ops->end(t->w, keep, &off);
    if (sum_bad) {
        tus_error(r, 460, "checksum_mismatch", "the chunk's SHA-256 does not match its bytes");
        rk_log_warn("rahq: %s: upload %s: a chunk at %lld failed its checksum", t->branch, t->up.id,
                    (long long)t->start);
    } else if (t->failed == 413)
        tus_error(r, 413, "too_large", "the chunk runs past the upload's length");
    else if (t->failed || rc)
        tus_error(r, 500, "internal", "cannot store the chunk");
    else {
        r->status = 204;
        tus_headers(r);
        rk_hq_resp_header(r, "Upload-Offset", "%lld", (long long)off);
        if (off == t->up.length) complete(t);
    }
    free_tus(t);
}

void rk_hq_tus_abort(rk_hq_tus *t)
{
    int64_t off = t->start;
    /* Without a checksum what arrived is kept: the client resumes after it. */
    t->hq->archive->ops->end(t->w, !t->md && !t->failed, &off);
    rk_log_info("rahq: %s: upload %s cut at %lld bytes", t->branch, t->up.id, (long long)off);
    if (!t->md && !t->failed && off == t->up.length) complete(t);
    free_tus(t);
}
