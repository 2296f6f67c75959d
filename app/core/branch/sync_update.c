/*
 * System update files of the sync (sync_update.h): the growing part, its
 * check, the hand-off to the installer, and the record of what was
 * installed.
 */
#define _GNU_SOURCE
#include "branch/sync_update.h"

#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/log.h"

#include <openssl/evp.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int rk_sync_update_prepare(rk_sync_update_files *f, int64_t *have, int *complete,
                           const char *data_dir, const rk_sync_proto_update *u)
{
    struct stat st;
    *have = 0;
    *complete = 0;
    memset(f, 0, sizeof *f);
    if (!rk_sync_proto_sha256_ok(u->sha256)) return rk_err_set(RK_EINVAL, "no bundle SHA-256");
    int w = snprintf(f->dir, sizeof f->dir, "%s/update", data_dir);
    if (w < 0 || (size_t)w >= sizeof f->dir) return rk_err_set(RK_ETOOBIG, "data_dir too long");
    snprintf(f->part, sizeof f->part, "%s/%s.part", f->dir, u->sha256);
    snprintf(f->full, sizeof f->full, "%s/%s.raucb", f->dir, u->sha256);
    if (mkdir(f->dir, 0700) != 0 && errno != EEXIST)
        return rk_err_set(RK_EIO, "%s: %s", f->dir, strerror(errno));
    /* Another announcement's files go: only one bundle is ever kept. */
    DIR *d = opendir(f->dir);
    if (!d) return rk_err_set(RK_EIO, "%s: %s", f->dir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !strncmp(e->d_name, u->sha256, 64)) continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            rk_log_info("sync: update: removed %s/%s (an older announcement)", f->dir, e->d_name);
    }
    closedir(d);
    if (stat(f->full, &st) == 0 && st.st_size == u->size) {
        *have = u->size;
        *complete = 1;
        unlink(f->part);
        return 0;
    }
    unlink(f->full); /* a bundle of the wrong size is not the announced one */
    if (stat(f->part, &st) == 0) {
        if (st.st_size > u->size) {
            rk_log_warn("sync: update: %s is larger than the bundle announced; starting again",
                        f->part);
            if (truncate(f->part, 0) != 0)
                return rk_err_set(RK_EIO, "%s: %s", f->part, strerror(errno));
        } else
            *have = st.st_size;
    }
    return 0;
}

int rk_sync_update_append(const rk_sync_update_files *f, int64_t off, const void *data, size_t n)
{
    int fd = open(f->part, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return rk_err_set(RK_EIO, "%s: %s", f->part, strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0)
        rc = rk_err_set(RK_EIO, "%s: %s", f->part, strerror(errno));
    else if (st.st_size != off)
        rc = rk_err_set(RK_ESTATE, "%s holds %lld bytes, not %lld", f->part, (long long)st.st_size,
                        (long long)off);
    const char *p = data;
    while (!rc && n > 0) {
        ssize_t k = pwrite(fd, p, n, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            rc = rk_err_set(RK_EIO, "%s: %s", f->part, k < 0 ? strerror(errno) : "short write");
            break;
        }
        p += k;
        off += k;
        n -= (size_t)k;
    }
    if (!rc && fdatasync(fd) != 0) rc = rk_err_set(RK_EIO, "%s: %s", f->part, strerror(errno));
    /* A failed write leaves no torn tail: the part ends at a whole range. */
    if (rc && rc != RK_ESTATE && ftruncate(fd, st.st_size) != 0)
        rk_log_warn("sync: update: cannot cut %s back: %s", f->part, strerror(errno));
    close(fd);
    return rc;
}

int rk_sync_update_finish(const rk_sync_update_files *f, const rk_sync_proto_update *u)
{
    unsigned char buf[1 << 16], md[32];
    char hex[65];
    int64_t size = 0;
    int rc = 0;
    int fd = open(f->part, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return rk_err_set(RK_EIO, "%s: %s", f->part, strerror(errno));
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    if (!h || !EVP_DigestInit_ex(h, EVP_sha256(), NULL)) rc = rk_err_set(RK_ECRYPTO, "SHA-256");
    while (!rc) {
        ssize_t k = read(fd, buf, sizeof buf);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) rc = rk_err_set(RK_EIO, "%s: %s", f->part, strerror(errno));
        if (k <= 0) break;
        EVP_DigestUpdate(h, buf, (size_t)k);
        size += k;
    }
    close(fd);
    if (!rc) {
        EVP_DigestFinal_ex(h, md, NULL);
        rk_hex_encode(hex, md, 32, 0);
        if (size != u->size || strcmp(hex, u->sha256)) {
            unlink(f->part);
            rc = rk_err_set(RK_EVERIFY,
                            "update bundle %s refused: %lld bytes with SHA-256 %.16s..., HQ "
                            "announced %lld bytes with %.16s...; it is fetched again",
                            u->version, (long long)size, hex, (long long)u->size, u->sha256);
        }
    }
    EVP_MD_CTX_free(h);
    if (!rc && rename(f->part, f->full) != 0)
        rc = rk_err_set(RK_EIO, "%s: %s", f->full, strerror(errno));
    if (!rc) rc = rk_file_sync_dir(f->dir);
    return rc;
}

int rk_sync_update_install(const char *command, const char *bundle)
{
    char words[256], *argv[17];
    int argc = 0, fds[2];
    snprintf(words, sizeof words, "%s", command ? command : "");
    for (char *save = NULL, *w = strtok_r(words, " \t", &save); w && argc < 15;
         w = strtok_r(NULL, " \t", &save))
        argv[argc++] = w;
    if (!argc) return rk_err_set(RK_ECONF, "[sync] update_install is empty");
    argv[argc++] = (char *)bundle;
    argv[argc] = NULL;
    if (pipe2(fds, O_CLOEXEC) != 0) return rk_err_set(RK_EIO, "pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
    pid_t pid;
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (e != 0) {
        close(fds[0]);
        return rk_err_set(RK_EIO, "cannot run %s ([sync] update_install): %s", argv[0],
                          strerror(e));
    }
    /* Every line goes to the log; the last one names a failure. */
    char line[512] = "", last[512] = "";
    size_t len = 0;
    FILE *in = fdopen(fds[0], "r");
    if (in) {
        while (fgets(line, sizeof line, in)) {
            len = strcspn(line, "\r\n");
            line[len] = '\0';
            if (!len) continue;
            rk_log_info("sync: update: %s: %s", argv[0], line);
            snprintf(last, sizeof last, "%s", line);
        }
        fclose(in);
    } else
        close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (WIFEXITED(status))
        return rk_err_set(RK_EIO, "%s exited %d: %s", command, WEXITSTATUS(status), last);
    return rk_err_set(RK_EIO, "%s ended by signal %d: %s", command,
                      WIFSIGNALED(status) ? WTERMSIG(status) : 0, last);
}

int rk_sync_update_installed(rk_db *db, const char *sha256, int *yes)
{
    char held[80] = "";
    int rc = rk_db_meta_get(db, "sync.update_installed", held, sizeof held);
    if (rc == RK_ENOTFOUND) rc = 0, held[0] = '\0';
    *yes = !rc && held[0] && !strcmp(held, sha256);
    return rc;
}

int rk_sync_update_mark_installed(rk_db *db, const rk_sync_update_files *f,
                                  const rk_sync_proto_update *u)
{
    int rc = rk_db_meta_set(db, "sync.update_installed", u->sha256);
    if (!rc) rc = rk_db_meta_set(db, "sync.update_version", u->version);
    if (!rc && unlink(f->full) != 0 && errno != ENOENT)
        rk_log_warn("sync: update: cannot remove %s: %s", f->full, strerror(errno));
    return rc;
}
