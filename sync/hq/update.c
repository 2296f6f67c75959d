/*
 * System updates at HQ (update.h): publication into HOME/updates, the
 * announcement, and the bundle's bytes with single byte ranges (206 with
 * Content-Range, 416 past the end), streamed from the file by
 * libmicrohttpd rather than held in memory.
 */
#include "hq/update.h"

#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/log.h"

#include <openssl/evp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LATEST "latest.json"

int rk_hq_update_latest(rk_sync_proto_update *out, const char *dir)
{
    char path[PATH_MAX];
    rk_buf b;
    if (!dir || !dir[0]) return rk_err_set(RK_ENOTFOUND, "no update folder");
    snprintf(path, sizeof path, "%s/" LATEST, dir);
    rk_buf_init(&b, 64 * 1024);
    int rc = rk_file_read(&b, path);
    if (!rc) rc = rk_sync_proto_update_parse(out, b.data ? b.data : "", b.len);
    rk_buf_free(&b);
    return rc;
}

int rk_hq_update_publish(rk_sync_proto_update *out, const char *dir, const char *path,
                         const char *version, int64_t now)
{
    char dst[PATH_MAX], latest[PATH_MAX];
    unsigned char buf[1 << 16], md[32];
    rk_file_atomic *f = NULL;
    int64_t size = 0;
    int rc = 0;

    memset(out, 0, sizeof *out);
    snprintf(out->version, sizeof out->version, "%s", version ? version : "");
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return rk_err_set(RK_EIO, "%s: %s", dir, strerror(errno));
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return rk_err_set(errno == ENOENT ? RK_ENOTFOUND : RK_EIO, "%s: %s", path, strerror(errno));
    snprintf(dst, sizeof dst, "%s/.incoming.raucb", dir);
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    if (!h || !EVP_DigestInit_ex(h, EVP_sha256(), NULL)) rc = rk_err_set(RK_ECRYPTO, "SHA-256");
    if (!rc) rc = rk_file_atomic_open(&f, dst, 0644);
    while (!rc) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) rc = rk_err_set(RK_EIO, "%s: %s", path, strerror(errno));
        if (n <= 0) break;
        EVP_DigestUpdate(h, buf, (size_t)n);
        rc = rk_file_atomic_write(f, buf, (size_t)n);
        size += n;
    }
    close(in);
    if (!rc && size == 0) rc = rk_err_set(RK_EINVAL, "%s is empty", path);
    if (!rc && size > RK_SYNC_PROTO_UPDATE_MAX)
        rc = rk_err_set(RK_ETOOBIG, "%s is over %lld bytes", path,
                        (long long)RK_SYNC_PROTO_UPDATE_MAX);
    if (!rc) {
        EVP_DigestFinal_ex(h, md, NULL);
        rk_hex_encode(out->sha256, md, 32, 0);
        out->size = size;
        out->published_at = now;
        snprintf(out->url, sizeof out->url, RK_SYNC_PROTO_UPDATE_PATH "%s.raucb", out->sha256);
        /* The announcement must read back as a branch would read it. */
        rk_buf j;
        rk_buf_init(&j, 64 * 1024);
        rk_sync_proto_update check;
        rc = rk_sync_proto_update_write(&j, out);
        if (!rc && rk_sync_proto_update_parse(&check, j.data, j.len) != 0)
            rc = rk_err_set(RK_EINVAL, "version '%s': use letters, digits and . + ~ _ -",
                            out->version);
        if (!rc) {
            /* Committed under a fixed name, then renamed to its content's
             * name: the same bytes published again replace an identical file. */
            char named[PATH_MAX];
            snprintf(named, sizeof named, "%s/%s.raucb", dir, out->sha256);
            rc = rk_file_atomic_commit(f);
            f = NULL;
            if (!rc && rename(dst, named) != 0)
                rc = rk_err_set(RK_EIO, "%s: %s", named, strerror(errno));
        }
        if (!rc) rc = rk_file_sync_dir(dir);
        snprintf(latest, sizeof latest, "%s/" LATEST, dir);
        if (!rc) rc = rk_file_write_atomic(latest, j.data, j.len, 0644);
        rk_buf_free(&j);
    }
    rk_file_atomic_abort(f);
    EVP_MD_CTX_free(h);
    return rc;
}

void rk_hq_update_announce(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r)
{
    rk_sync_proto_update u;
    (void)q;
    int rc = rk_hq_update_latest(&u, hq->updates_dir);
    if (rc == RK_ENOTFOUND) {
        rk_hq_resp_error(r, 404, "not_found", NULL, 0, "no update has been published");
        return;
    }
    if (!rc) rc = rk_sync_proto_update_write(&r->body, &u);
    if (rc) {
        rk_log_error("rahq: the update announcement: %s", rk_err_msg());
        rk_hq_resp_error(r, 500, "internal", NULL, 0, "the update announcement: %s", rk_err_msg());
        return;
    }
    r->status = 200;
    r->type = "application/json";
    rk_hq_resp_header(r, "Cache-Control", "no-cache");
}

void rk_hq_update_bundle(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r, const char *name)
{
    char path[PATH_MAX], sha[65];
    struct stat st;
    size_t n = strlen(name);
    /* Only <sha256>.raucb: nothing else of the folder is ever served. */
    if (n != 64 + 6 || strcmp(name + 64, ".raucb") || !hq->updates_dir[0]) {
        rk_hq_resp_error(r, 404, "not_found", NULL, 0, "no such update bundle");
        return;
    }
    memcpy(sha, name, 64);
    sha[64] = '\0';
    if (!rk_sync_proto_sha256_ok(sha)) {
        rk_hq_resp_error(r, 404, "not_found", NULL, 0, "no such update bundle");
        return;
    }
    snprintf(path, sizeof path, "%s/%s", hq->updates_dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        rk_hq_resp_error(r, 404, "not_found", NULL, 0, "no such update bundle");
        return;
    }
    int64_t total = (int64_t)st.st_size, first = 0, last = total - 1;
    const char *range = q->header(q->arg, "Range");
    int partial = 0;
    rk_hq_resp_header(r, "Accept-Ranges", "bytes");
    rk_hq_resp_header(r, "ETag", "\"%s\"", sha);
    if (range) {
        int rc = rk_sync_proto_range(&first, &last, range, total);
        if (rc == RK_ESTATE) {
            close(fd);
            rk_hq_resp_error(r, 416, "range_not_satisfiable", NULL, 0, "the bundle has %lld bytes",
                             (long long)total);
            rk_hq_resp_header(r, "Content-Range", "bytes */%lld", (long long)total);
            return;
        }
        if (rc == 0)
            partial = 1;
        else
            first = 0, last = total - 1; /* an unreadable Range: the whole file (RFC 9110) */
    }
    r->has_file = 1;
    r->file_fd = fd;
    r->file_off = first;
    r->file_len = total ? last - first + 1 : 0;
    r->type = "application/octet-stream";
    if (partial) {
        r->status = 206;
        rk_hq_resp_header(r, "Content-Range", "bytes %lld-%lld/%lld", (long long)first,
                          (long long)last, (long long)total);
    } else
        r->status = 200;
}
