/*
 * The tus 1.0 client (see sync_tus.h).
 */
#include "branch/sync_tus.h"

#include "util/err.h"
#include "util/log.h"

#include <openssl/evp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TUS "Tus-Resumable: 1.0.0"

void rk_sync_tus_init(rk_sync_tus *c, rk_sync_transport *t, const char *endpoint, int64_t chunk,
                      int max_attempts)
{
    memset(c, 0, sizeof *c);
    c->t = t;
    snprintf(c->endpoint, sizeof c->endpoint, "%s", endpoint);
    c->chunk = chunk > 0 ? chunk : 1024 * 1024;
    c->max_attempts = max_attempts > 0 ? max_attempts : 6;
}

static int absolute(const char *u)
{
    return !strncmp(u, "http://", 7) || !strncmp(u, "https://", 8);
}

/* Length of scheme://host[:port] of an absolute URL. */
static size_t origin_len(const char *u)
{
    const char *p = strstr(u, "://");
    if (!p) return 0;
    const char *slash = strchr(p + 3, '/');
    return slash ? (size_t)(slash - u) : strlen(u);
}

/* The URL of a Location answer, checked to be on the endpoint's server. */
static int resolve(char *out, size_t n, const rk_sync_tus *c, const char *loc)
{
    if (!loc[0]) return rk_err_set(RK_EFORMAT, "the tus server created no Location");
    if (absolute(loc)) {
        size_t o = origin_len(c->endpoint), l = origin_len(loc);
        if (!absolute(c->endpoint) || o != l || strncmp(c->endpoint, loc, o))
            return rk_err_set(RK_EPERM, "the tus server sent the upload to another server (%s)",
                              loc);
        snprintf(out, n, "%s", loc);
    } else if (loc[0] == '/') {
        if (absolute(c->endpoint))
            snprintf(out, n, "%.*s%s", (int)origin_len(c->endpoint), c->endpoint, loc);
        else
            snprintf(out, n, "%s", loc);
    } else {
        /* Relative to the endpoint's folder. */
        const char *slash = strrchr(c->endpoint, '/');
        int keep = slash ? (int)(slash - c->endpoint + 1) : 0;
        snprintf(out, n, "%.*s%s", keep, c->endpoint, loc);
    }
    return 0;
}

static int transient(int rc, long status)
{
    return rc == RK_EIO || rc == RK_ETIMEOUT || status >= 500 || status == 408 || status == 423 ||
           status == 429;
}

/* The backoff after a failed attempt; 0 to try again, else the error. */
static int again(rk_sync_tus *c, int *attempt, const rk_sync_response *r, const char *what, int rc)
{
    if (!rc) rk_err_set(RK_EIO, "%s: HTTP %ld", what, r->status);
    rk_log_warn("sync: tus %s failed (attempt %d of %d): %s", what, *attempt, c->max_attempts,
                rk_err_msg());
    if (*attempt >= c->max_attempts) return rc ? rc : RK_EIO;
    int ra = atoi(r->retry_after);
    if (c->t->pause(c->t, *attempt, ra > 0 ? ra : 0))
        return rk_err_set(RK_EINTERNAL, "stopping: %s left unfinished", what);
    (*attempt)++;
    return 0;
}

static int probe(rk_sync_tus *c)
{
    rk_sync_request q;
    rk_sync_response r;
    int rc, attempt = 1;
    rk_sync_response_init(&r, 65536);
    for (;;) {
        rk_sync_request_init(&q, "OPTIONS", c->endpoint);
        rk_sync_request_header(&q, TUS);
        rk_sync_response_reset(&r);
        rc = c->t->request(c->t, &q, &r);
        if (!transient(rc, r.status)) break;
        if ((rc = again(c, &attempt, &r, "OPTIONS", rc)) != 0) goto out;
    }
    if (rc) goto out;
    if (r.status / 100 == 2) {
        c->checksum = strstr(r.tus_extension, "checksum") && strstr(r.tus_checksum, "sha256");
        c->termination = strstr(r.tus_extension, "termination") != NULL;
    }
    /* A server without OPTIONS still speaks the core protocol and creation. */
    c->probed = 1;
    rk_log_debug("sync: tus endpoint %s: extensions '%s'%s", c->endpoint, r.tus_extension,
                 c->checksum ? ", sha256 checksums" : "");
out:
    rk_sync_response_free(&r);
    return rc;
}

static int parse_offset(int64_t *out, const char *s)
{
    char *end;
    if (!s[0]) return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno || v < 0) return -1;
    *out = v;
    return 0;
}

/* HEAD: the server's offset, or -1 when the location is gone. */
static int head(rk_sync_tus *c, const char *url, int64_t *offset)
{
    rk_sync_request q;
    rk_sync_response r;
    int rc, attempt = 1;
    rk_sync_response_init(&r, 65536);
    for (;;) {
        rk_sync_request_init(&q, "HEAD", url);
        rk_sync_request_header(&q, TUS);
        rk_sync_response_reset(&r);
        rc = c->t->request(c->t, &q, &r);
        /* A 2xx without an offset is garbage, treated like a 5xx. */
        if (!rc && r.status / 100 == 2 && parse_offset(offset, r.upload_offset))
            rc = rk_err_set(RK_EIO,
                            "the tus server answered garbage to HEAD %s (HTTP %ld, no "
                            "Upload-Offset)",
                            url, r.status);
        if (!transient(rc, r.status)) break;
        if ((rc = again(c, &attempt, &r, "HEAD", rc)) != 0) goto out;
    }
    if (rc) goto out;
    if (r.status == 404 || r.status == 410 || r.status == 403)
        *offset = -1;
    else if (r.status / 100 != 2 || parse_offset(offset, r.upload_offset))
        rc = rk_err_set(RK_EPERM, "tus HEAD %s: HTTP %ld without Upload-Offset", url, r.status);
out:
    rk_sync_response_free(&r);
    return rc;
}

static int create(rk_sync_tus *c, rk_db *db, rk_sync_archive *a, int64_t *offset)
{
    rk_sync_request q;
    rk_sync_response r;
    rk_buf meta;
    char len_h[64], *meta_h = NULL;
    const char *name = strrchr(a->path, '/');
    int rc, attempt = 1;

    rk_buf_init(&meta, 8192);
    rc = rk_sync_proto_meta_add(&meta, "filename", name ? name + 1 : a->path);
    if (!rc) rc = rk_sync_proto_meta_add(&meta, "sha256", a->sha256);
    if (!rc) rc = rk_sync_proto_meta_add(&meta, "kind", a->kind);
    if (!rc && a->order_uuid[0]) rc = rk_sync_proto_meta_add(&meta, "order", a->order_uuid);
    if (!rc && !(meta_h = malloc(meta.len + 32))) rc = rk_err_oom();
    if (rc) {
        rk_buf_free(&meta);
        return rc;
    }
    sprintf(meta_h, "Upload-Metadata: %s", meta.data);
    rk_buf_free(&meta);
    snprintf(len_h, sizeof len_h, "Upload-Length: %lld", (long long)a->bytes);
    rk_sync_response_init(&r, 65536);
    for (;;) {
        rk_sync_request_init(&q, "POST", c->endpoint);
        rk_sync_request_header(&q, TUS);
        rk_sync_request_header(&q, len_h);
        rk_sync_request_header(&q, meta_h);
        rk_sync_response_reset(&r);
        rc = c->t->request(c->t, &q, &r);
        /* A 2xx that created nothing we can use (a proxy's page, a cut
         * answer) is garbage, treated like a 5xx: never a refusal. */
        if (!rc && r.status / 100 == 2 && (r.status != 201 || !r.location[0]))
            rc = rk_err_set(RK_EIO,
                            "the tus server answered garbage to POST %s (HTTP %ld, %zu bytes, "
                            "no upload created)",
                            c->endpoint, r.status, r.body.len);
        if (!transient(rc, r.status)) break;
        if ((rc = again(c, &attempt, &r, "POST", rc)) != 0) goto out;
    }
    if (rc) goto out;
    if (r.status != 201) {
        rc = rk_err_set(RK_EPERM,
                        "the tus server refused to create the upload of %s: HTTP %ld %.200s",
                        a->path, r.status, r.body.data ? r.body.data : "");
        goto out;
    }
    char url[sizeof a->location];
    if ((rc = resolve(url, sizeof url, c, r.location)) != 0) goto out;
    if ((rc = rk_sync_archive_set_location(db, a->id, url)) != 0) goto out;
    snprintf(a->location, sizeof a->location, "%s", url);
    a->sent_bytes = 0;
    /* rahq answers an upload it already holds with its offset. */
    if (parse_offset(offset, r.upload_offset)) *offset = 0;
out:
    free(meta_h);
    rk_sync_response_free(&r);
    return rc;
}

static int read_chunk(int fd, unsigned char *buf, int64_t off, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, buf + got, n - got, (off_t)(off + (int64_t)got));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0)
            return rk_err_set(RK_EIO, "cannot read the archive file: %s",
                              k < 0 ? strerror(errno) : "it got shorter");
        got += (size_t)k;
    }
    return 0;
}

int rk_sync_tus_upload(rk_sync_tus *c, rk_db *db, rk_sync_archive *a, int64_t *sent, int64_t *from)
{
    unsigned char *buf = NULL;
    rk_sync_request q;
    rk_sync_response r;
    struct stat sb;
    int64_t offset = -1;
    int rc = 0, attempt = 1, fd = -1;

    *sent = 0;
    if (!c->probed && (rc = probe(c)) != 0) return rc;
    if ((fd = open(a->path, O_RDONLY | O_CLOEXEC)) < 0)
        return rk_err_set(errno == ENOENT ? RK_ENOTFOUND : RK_EIO, "cannot read %s: %s", a->path,
                          strerror(errno));
    if (fstat(fd, &sb) != 0 || (int64_t)sb.st_size != a->bytes) {
        close(fd);
        return rk_err_set(RK_ESTATE, "%s changed since it was queued (%lld bytes, not %lld)",
                          a->path, (long long)sb.st_size, (long long)a->bytes);
    }
    size_t cap = (size_t)(c->chunk < a->bytes ? c->chunk : (a->bytes ? a->bytes : 1));
    if (!(buf = malloc(cap))) {
        close(fd);
        return rk_err_oom();
    }
    rk_sync_response_init(&r, 65536);
    if (a->location[0] && (rc = head(c, a->location, &offset)) != 0) goto out;
    if (offset < 0 && (rc = create(c, db, a, &offset)) != 0) goto out;
    if (from) *from = offset;
    while (offset < a->bytes) {
        size_t n = (size_t)(a->bytes - offset < c->chunk ? a->bytes - offset : c->chunk);
        char off_h[48], sum_h[96];
        if ((rc = read_chunk(fd, buf, offset, n)) != 0) goto out;
        rk_sync_request_init(&q, "PATCH", a->location);
        rk_sync_request_header(&q, TUS);
        rk_sync_request_header(&q, "Content-Type: application/offset+octet-stream");
        snprintf(off_h, sizeof off_h, "Upload-Offset: %lld", (long long)offset);
        rk_sync_request_header(&q, off_h);
        if (c->checksum) {
            unsigned char md[32];
            rk_buf b64;
            EVP_Digest(buf, n, md, NULL, EVP_sha256(), NULL);
            rk_buf_init(&b64, 64);
            rk_sync_proto_b64(&b64, md, 32);
            snprintf(sum_h, sizeof sum_h, "Upload-Checksum: sha256 %s", b64.data ? b64.data : "");
            rk_buf_free(&b64);
            rk_sync_request_header(&q, sum_h);
        }
        q.body = buf;
        q.body_len = n;
        rk_sync_response_reset(&r);
        int t = c->t->request(c->t, &q, &r);
        *sent += r.sent;
        int64_t now = -1;
        if (!t && r.status == 204 && !parse_offset(&now, r.upload_offset) && now > offset &&
            now <= offset + (int64_t)n) {
            offset = now;
            attempt = 1;
            rk_sync_archive_progress(db, a->id, offset, NULL);
            continue;
        }
        if (!t && (r.status == 404 || r.status == 410)) {
            rk_log_warn("sync: tus server forgot upload %s: starting %s again", a->location,
                        a->path);
            if ((rc = create(c, db, a, &offset)) != 0) goto out;
            continue;
        }
        /* Any 2xx that does not add up (a proxy's page, a lost offset) goes
         * to HEAD below like a cut; only a 4xx refusal is final. */
        if (!t && r.status != 409 && r.status != 460 && !transient(t, r.status) &&
            r.status / 100 != 2) {
            rc = rk_err_set(RK_EPERM, "the tus server refused %s at %lld: HTTP %ld %.200s", a->path,
                            (long long)offset, r.status, r.body.data ? r.body.data : "");
            goto out;
        }
        /* A cut, a conflict, a bad checksum or an answer that does not add up:
         * ask the server where it stands and go on from there. */
        char what[64];
        snprintf(what, sizeof what, "PATCH at %lld", (long long)offset);
        rk_sync_archive_progress(db, a->id, offset, t ? rk_err_msg() : "retrying");
        if ((rc = again(c, &attempt, &r, what, t)) != 0) goto out;
        int64_t back;
        if ((rc = head(c, a->location, &back)) != 0) goto out;
        if (back < 0) {
            if ((rc = create(c, db, a, &offset)) != 0) goto out;
        } else if (back > a->bytes) {
            rc = rk_err_set(RK_EPERM, "the tus server holds more of %s than it has", a->path);
            goto out;
        } else
            offset = back;
    }
    rk_sync_archive_progress(db, a->id, offset, NULL);
out:
    rk_sync_response_free(&r);
    free(buf);
    close(fd);
    return rc;
}

int rk_sync_tus_receipt(rk_sync_tus *c, const char *location, rk_sync_proto_receipt *out)
{
    rk_sync_request q;
    rk_sync_response r;
    char url[600];
    int rc, attempt = 1;
    snprintf(url, sizeof url, "%s/receipt", location);
    rk_sync_response_init(&r, 65536);
    for (;;) {
        rk_sync_request_init(&q, "GET", url);
        rk_sync_request_header(&q, TUS);
        rk_sync_response_reset(&r);
        rc = c->t->request(c->t, &q, &r);
        if (!rc && r.status == 200) {
            rc = rk_sync_proto_receipt_parse(out, r.body.data ? r.body.data : "", r.body.len);
            if (!rc) break;
            rk_log_warn("sync: HQ answered garbage to GET %s (HTTP 200, %zu bytes): %s", url,
                        r.body.len, rk_err_msg());
            rc = RK_EIO;
        }
        if (!rc && (r.status == 404 || r.status == 405 || r.status == 501)) {
            rc = RK_ENOTFOUND;
            break;
        }
        if (!rc && !transient(rc, r.status)) {
            rc = rk_err_set(RK_EPERM, "receipt %s: HTTP %ld", url, r.status);
            break;
        }
        if ((rc = again(c, &attempt, &r, "receipt", rc)) != 0) break;
    }
    rk_sync_response_free(&r);
    return rc;
}

int rk_sync_tus_terminate(rk_sync_tus *c, const char *location)
{
    rk_sync_request q;
    rk_sync_response r;
    rk_sync_response_init(&r, 65536);
    rk_sync_request_init(&q, "DELETE", location);
    rk_sync_request_header(&q, TUS);
    int rc = c->t->request(c->t, &q, &r);
    if (!rc && r.status / 100 != 2 && r.status != 404 && r.status != 410)
        rc = rk_err_set(RK_EPERM, "terminating %s: HTTP %ld", location, r.status);
    rk_sync_response_free(&r);
    return rc;
}
