/*
 * HQ's archive store on the filesystem (see archive.h): one file per upload
 * at root/<branch>/<id>, created 0600 in folders 0700; appends under an
 * exclusive, non-blocking flock; kept bytes fdatasync'd before the writer
 * ends; dropped bytes cut off with ftruncate. Names are checked (branch
 * ids and upload ids are [A-Z0-9-] and hex), so no request can reach a
 * path outside root.
 */
#include "hq/archive.h"

#include "branch/sync_archive.h"
#include "branch/sync_proto.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fs_archive {
    rk_hq_archive base;
    char root[PATH_MAX];
} fs_archive;

struct rk_hq_archive_writer {
    int fd;
    int64_t start, at;
    char path[PATH_MAX];
};

static int id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 64) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) return 0;
    return 1;
}

static int path_of(char *out, size_t n, fs_archive *a, const char *branch, const char *id)
{
    if (!rk_sync_proto_branch_ok(branch) || (id && !id_ok(id)))
        return rk_err_set(RK_EINVAL, "bad archive name %s/%s", branch, id ? id : "");
    int w = id ? snprintf(out, n, "%s/%s/%s", a->root, branch, id)
               : snprintf(out, n, "%s/%s", a->root, branch);
    if (w < 0 || (size_t)w >= n) return rk_err_set(RK_ETOOBIG, "archive path too long");
    return 0;
}

static int fs_create(rk_hq_archive *base, const char *branch, const char *id)
{
    fs_archive *a = (fs_archive *)base;
    char dir[PATH_MAX], path[PATH_MAX];
    int rc;
    if ((rc = path_of(dir, sizeof dir, a, branch, NULL)) ||
        (rc = path_of(path, sizeof path, a, branch, id)))
        return rc;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return rk_err_set(RK_EIO, "cannot make %s: %s", dir, strerror(errno));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? rk_err_set(RK_EEXIST, "archive %s exists", path)
                               : rk_err_set(RK_EIO, "cannot create %s: %s", path, strerror(errno));
    int ok = fsync(fd) == 0;
    close(fd);
    /* The new name must survive a power cut too. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ok = fsync(dfd) == 0 && ok;
        close(dfd);
    }
    return ok ? 0 : rk_err_set(RK_EIO, "cannot flush %s: %s", path, strerror(errno));
}

static int fs_offset(rk_hq_archive *base, const char *branch, const char *id, int64_t *off)
{
    char path[PATH_MAX];
    struct stat sb;
    int rc = path_of(path, sizeof path, (fs_archive *)base, branch, id);
    if (rc) return rc;
    if (stat(path, &sb) != 0)
        return errno == ENOENT ? rk_err_set(RK_ENOTFOUND, "no archive %s", path)
                               : rk_err_set(RK_EIO, "cannot stat %s: %s", path, strerror(errno));
    *off = (int64_t)sb.st_size;
    return 0;
}

static int fs_begin(rk_hq_archive *base, const char *branch, const char *id, int64_t offset,
                    int64_t *actual, rk_hq_archive_writer **out)
{
    rk_hq_archive_writer *w;
    struct stat sb;
    char path[PATH_MAX];
    int rc = path_of(path, sizeof path, (fs_archive *)base, branch, id);
    *out = NULL;
    if (rc) return rc;
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? rk_err_set(RK_ENOTFOUND, "no archive %s", path)
                               : rk_err_set(RK_EIO, "cannot open %s: %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return rk_err_set(RK_EBUSY, "archive %s is being written by another request", id);
    }
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return rk_err_set(RK_EIO, "cannot stat %s: %s", path, strerror(errno));
    }
    if (actual) *actual = (int64_t)sb.st_size;
    if ((int64_t)sb.st_size != offset) {
        close(fd);
        return rk_err_set(RK_ESTATE, "archive %s holds %lld bytes, not %lld", id,
                          (long long)sb.st_size, (long long)offset);
    }
    if (!(w = calloc(1, sizeof *w))) {
        close(fd);
        return rk_err_oom();
    }
    w->fd = fd;
    w->start = w->at = offset;
    snprintf(w->path, sizeof w->path, "%s", path);
    *out = w;
    return 0;
}

static int fs_write(rk_hq_archive_writer *w, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = pwrite(w->fd, c, n, (off_t)w->at);
        if (k < 0) {
            if (errno == EINTR) continue;
            return rk_err_set(RK_EIO, "cannot write %s: %s", w->path, strerror(errno));
        }
        c += k;
        n -= (size_t)k;
        w->at += k;
    }
    return 0;
}

static int fs_end(rk_hq_archive_writer *w, int keep, int64_t *offset)
{
    int rc = 0;
    if (!w) return 0;
    if (!keep && ftruncate(w->fd, (off_t)w->start) != 0)
        rc = rk_err_set(RK_EIO, "cannot cut %s back: %s", w->path, strerror(errno));
    if (!rc && fdatasync(w->fd) != 0)
        rc = rk_err_set(RK_EIO, "cannot flush %s: %s", w->path, strerror(errno));
    if (offset) {
        struct stat sb;
        *offset = fstat(w->fd, &sb) == 0 ? (int64_t)sb.st_size : w->start;
    }
    close(w->fd); /* releases the flock */
    free(w);
    return rc;
}

static int fs_sha256(rk_hq_archive *base, const char *branch, const char *id, char out[65])
{
    char path[PATH_MAX];
    int rc = path_of(path, sizeof path, (fs_archive *)base, branch, id);
    return rc ? rc : rk_sync_file_sha256(out, NULL, path);
}

static int fs_remove(rk_hq_archive *base, const char *branch, const char *id)
{
    char path[PATH_MAX];
    int rc = path_of(path, sizeof path, (fs_archive *)base, branch, id);
    if (rc) return rc;
    if (unlink(path) != 0 && errno != ENOENT)
        return rk_err_set(RK_EIO, "cannot remove %s: %s", path, strerror(errno));
    return 0;
}

static void fs_close(rk_hq_archive *a)
{
    free(a);
}

static const rk_hq_archive_ops fs_ops = {
    .name = "filesystem",
    .close = fs_close,
    .create = fs_create,
    .offset = fs_offset,
    .begin = fs_begin,
    .write = fs_write,
    .end = fs_end,
    .sha256 = fs_sha256,
    .remove = fs_remove,
};

int rk_hq_archive_open_fs(rk_hq_archive **out, const char *root)
{
    fs_archive *a;
    *out = NULL;
    if (strlen(root) >= sizeof a->root - 80) return rk_err_set(RK_ETOOBIG, "archive root too long");
    if (mkdir(root, 0700) != 0 && errno != EEXIST)
        return rk_err_set(RK_EIO, "cannot make the archive folder %s: %s", root, strerror(errno));
    if (!(a = calloc(1, sizeof *a))) return rk_err_oom();
    a->base.ops = &fs_ops;
    snprintf(a->root, sizeof a->root, "%s", root);
    *out = &a->base;
    return 0;
}

void rk_hq_archive_close(rk_hq_archive *a)
{
    if (a) a->ops->close(a);
}
