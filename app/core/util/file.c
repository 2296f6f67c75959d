/*
 * Whole-file replacement and bounded whole-file reads (see file.h).
 */
#define _GNU_SOURCE /* mkostemp */
#include "util/file.h"

#include "util/err.h"
#include "util/wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct rk_file_atomic {
    int fd;
    int rc; /* the first failure, 0 while none */
    char path[PATH_MAX];
    char tmp[PATH_MAX];
    char dir[PATH_MAX];
};

/* Splits path into its folder ("." for a bare name) and base name. */
static int split(char *dir, size_t dn, const char **base, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, dn, ".");
        *base = path;
    } else if (slash == path) {
        snprintf(dir, dn, "/");
        *base = slash + 1;
    } else {
        if ((size_t)(slash - path) >= dn) return -1;
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
        *base = slash + 1;
    }
    return **base ? 0 : -1;
}

int rk_file_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return rk_err_set(RK_EIO, "cannot open the folder %s: %s", dir, strerror(errno));
    int r = fsync(fd), err = errno;
    close(fd);
    return r ? rk_err_set(RK_EIO, "cannot sync the folder %s: %s", dir, strerror(err)) : 0;
}

int rk_file_atomic_open(rk_file_atomic **out, const char *path, mode_t mode)
{
    const char *base;
    *out = NULL;
    rk_file_atomic *f = calloc(1, sizeof *f);
    if (!f) return rk_err_oom();
    if (strlen(path) >= sizeof f->path || split(f->dir, sizeof f->dir, &base, path) != 0 ||
        (size_t)snprintf(f->tmp, sizeof f->tmp, "%s/.%s.XXXXXX", f->dir, base) >= sizeof f->tmp) {
        free(f);
        return rk_err_set(RK_EINVAL, "cannot write '%s': not a file path, or too long", path);
    }
    snprintf(f->path, sizeof f->path, "%s", path);
    f->fd = mkostemp(f->tmp, O_CLOEXEC);
    if (f->fd < 0) {
        int rc = rk_err_set(RK_EIO, "cannot write %s: %s", path, strerror(errno));
        free(f);
        return rc;
    }
    if (fchmod(f->fd, mode) != 0) {
        int rc = rk_err_set(RK_EIO, "cannot write %s: %s", path, strerror(errno));
        rk_file_atomic_abort(f);
        return rc;
    }
    *out = f;
    return 0;
}

int rk_file_atomic_write(rk_file_atomic *f, const void *data, size_t n)
{
    const char *p = data;
    if (f->rc) return f->rc;
    while (n) {
        ssize_t w = write(f->fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0)
            return f->rc = rk_err_set(RK_EIO, "cannot write %s: %s", f->path,
                                      w < 0 ? strerror(errno) : "nothing written");
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int rk_file_atomic_fd(const rk_file_atomic *f)
{
    return f->fd;
}

const char *rk_file_atomic_temp_path(const rk_file_atomic *f)
{
    return f->tmp;
}

const char *rk_file_atomic_path(const rk_file_atomic *f)
{
    return f->path;
}

static int commit(rk_file_atomic *f, int replace)
{
    int rc = f->rc;
    if (rc) {
        /* Keep the first failure's message: the abort sets none. */
        rk_file_atomic_abort(f);
        return rc;
    }
    if (fsync(f->fd) != 0) {
        rc = rk_err_set(RK_EIO, "cannot write %s: %s", f->path, strerror(errno));
    } else {
        int r = close(f->fd);
        f->fd = -1;
        if (r != 0) rc = rk_err_set(RK_EIO, "cannot write %s: %s", f->path, strerror(errno));
    }
    if (!rc && replace && rename(f->tmp, f->path) != 0)
        rc = rk_err_set(RK_EIO, "cannot put %s in place: %s", f->path, strerror(errno));
    /* link() fails if the target exists; the temporary name then goes. */
    if (!rc && !replace) {
        if (link(f->tmp, f->path) != 0)
            rc = rk_err_set(errno == EEXIST ? RK_EEXIST : RK_EIO, "cannot create %s: %s", f->path,
                            strerror(errno));
        else
            unlink(f->tmp);
    }
    if (rc) {
        rk_file_atomic_abort(f);
        return rc;
    }
    if ((rc = rk_file_sync_dir(f->dir)) != 0)
        rc = rk_err_wrap(RK_EIO, "%s was written, but may not survive a power cut", f->path);
    free(f);
    return rc;
}

int rk_file_atomic_commit(rk_file_atomic *f)
{
    return commit(f, 1);
}

int rk_file_atomic_commit_new(rk_file_atomic *f)
{
    return commit(f, 0);
}

void rk_file_atomic_abort(rk_file_atomic *f)
{
    if (!f) return;
    if (f->fd >= 0) close(f->fd);
    unlink(f->tmp);
    free(f);
}

int rk_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    rk_file_atomic *f;
    int rc = rk_file_atomic_open(&f, path, mode);
    if (rc) return rc;
    rk_file_atomic_write(f, data, len);
    return rk_file_atomic_commit(f);
}

int rk_file_read(rk_buf *out, const char *path)
{
    struct stat st;
    size_t start = out->len, room = out->max - out->len;
    int rc = 0;

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rk_err_set(errno == ENOENT ? RK_ENOTFOUND : RK_EIO, "cannot read %s: %s", path,
                          strerror(errno));
    if (fstat(fd, &st) != 0)
        rc = rk_err_set(RK_EIO, "cannot read %s: %s", path, strerror(errno));
    else if (S_ISDIR(st.st_mode))
        rc = rk_err_set(RK_EIO, "cannot read %s: it is a folder", path);
    else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > room)
        rc = rk_err_set(RK_ETOOBIG, "%s is larger than %zu bytes", path, room);
    /* One allocation of the file's size (plus one byte to see the end), so
     * no moved copy of a secret is left behind in freed memory. */
    else if (S_ISREG(st.st_mode))
        rc = rk_buf_reserve(out, (size_t)st.st_size < room ? (size_t)st.st_size + 1 : room);
    while (!rc) {
        if (out->len == out->max) {
            char probe;
            ssize_t r = read(fd, &probe, 1);
            if (r < 0 && errno == EINTR) continue;
            if (r != 0) rc = rk_err_set(RK_ETOOBIG, "%s is larger than %zu bytes", path, room);
            break;
        }
        if (out->len + 1 >= out->cap &&
            (rc = rk_buf_reserve(out, 16384 < out->max - out->len ? 16384 : out->max - out->len)))
            break;
        ssize_t r = read(fd, out->data + out->len, out->cap - 1 - out->len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = rk_err_set(RK_EIO, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (r == 0) break;
        out->len += (size_t)r;
        out->data[out->len] = '\0';
    }
    close(fd);
    if (rc && out->data) {
        /* Wipe what was read: the file may hold a key. */
        rk_wipe(out->data + start, out->len - start);
        out->len = start;
        out->data[start] = '\0';
    }
    return rc;
}
