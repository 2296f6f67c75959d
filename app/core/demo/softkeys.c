/*
 * Demo and test USB keys (see softkeys.h): the SoftHSM2 store and the
 * p11lock state files behind "plug" and "pull".
 */
#include "demo/softkeys.h"

#include "util/err.h"
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int make_dir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST) return 0;
    return rk_err_set(RK_EIO, "cannot create %s: %s", path, strerror(errno));
}

static int valid_serial(const char *serial)
{
    size_t len = serial ? strlen(serial) : 0;
    if (len == 0 || len > 16) return 0;
    for (size_t i = 0; i < len; i++)
        if (!((serial[i] >= '0' && serial[i] <= '9') || (serial[i] >= 'a' && serial[i] <= 'z') ||
              (serial[i] >= 'A' && serial[i] <= 'Z')))
            return 0;
    return 1;
}

int rk_softkeys_prepare(char *conf_out, size_t n, const char *dir)
{
    char path[PATH_MAX], text[PATH_MAX + 128];
    int rc;
    if ((rc = make_dir(dir)) != 0) return rc;
    snprintf(path, sizeof path, "%s/tokens", dir);
    if ((rc = make_dir(path)) != 0) return rc;
    snprintf(path, sizeof path, "%s/p11lock", dir);
    if ((rc = make_dir(path)) != 0) return rc;
    if ((size_t)snprintf(conf_out, n, "%s/softhsm2.conf", dir) >= n)
        return rk_err_set(RK_ETOOBIG, "the demo key folder path is too long");
    if (access(conf_out, R_OK) == 0) return 0;
    snprintf(text, sizeof text,
             "# SoftHSM2 store of the demo/test USB keys (written by rakiosk)\n"
             "directories.tokendir = %s/tokens\n"
             "objectstore.backend = file\n"
             "log.level = ERROR\n",
             dir);
    return rk_file_write_atomic(conf_out, text, strlen(text), 0644);
}

void rk_softkeys_state_dir(char *out, size_t n, const char *dir)
{
    snprintf(out, n, "%s/p11lock", dir);
}

int rk_softkeys_set_pulled(const char *state_dir, const char *serial, int pulled)
{
    char path[PATH_MAX], lock[PATH_MAX + 8], line[64];
    char *text = NULL;
    size_t len = 0;
    int rc, fd, found = 0;

    if (!valid_serial(serial)) return rk_err_set(RK_EINVAL, "'%s' is not a key serial", serial);
    if ((rc = make_dir(state_dir)) != 0) return rc;
    snprintf(path, sizeof path, "%s/pulled", state_dir);
    snprintf(lock, sizeof lock, "%s.lock", path);
    if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
        return rk_err_set(RK_EIO, "cannot open %s: %s", lock, strerror(errno));
    while (flock(fd, LOCK_EX) != 0 && errno == EINTR) {
    }
    FILE *mem = open_memstream(&text, &len);
    FILE *f = fopen(path, "r");
    if (!mem) {
        if (f) fclose(f);
        close(fd);
        return rk_err_oom();
    }
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!*line) continue;
        if (!strcmp(line, serial)) {
            found = 1;
            if (!pulled) continue;
        }
        fprintf(mem, "%s\n", line);
    }
    if (f) fclose(f);
    if (pulled && !found) fprintf(mem, "%s\n", serial);
    fclose(mem);
    rc = (pulled == found) ? 0 : rk_file_write_atomic(path, text, strlen(text), 0644);
    free(text);
    close(fd);
    return rc;
}

int rk_softkeys_is_pulled(int *out, const char *state_dir, const char *serial)
{
    char path[PATH_MAX], line[64];
    *out = 0;
    snprintf(path, sizeof path, "%s/pulled", state_dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!strcmp(line, serial)) *out = 1;
    }
    fclose(f);
    return 0;
}

int rk_softkeys_list_pulled(char (*out)[17], int max, int *n, const char *state_dir)
{
    char path[PATH_MAX], line[64];
    *n = 0;
    snprintf(path, sizeof path, "%s/pulled", state_dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    while (*n < max && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (valid_serial(line) && strlen(line) < 17) snprintf(out[(*n)++], 17, "%s", line);
    }
    fclose(f);
    return 0;
}

int rk_softkeys_set_max_tries(const char *state_dir, const char *serial, int max)
{
    char path[PATH_MAX], text[32];
    int rc;
    if (!valid_serial(serial)) return rk_err_set(RK_EINVAL, "'%s' is not a key serial", serial);
    if (max < 1 || max > 100) return rk_err_set(RK_EINVAL, "a PIN limit must be 1 to 100");
    if ((rc = make_dir(state_dir)) != 0) return rc;
    snprintf(path, sizeof path, "%s/%s.max", state_dir, serial);
    snprintf(text, sizeof text, "%d\n", max);
    return rk_file_write_atomic(path, text, strlen(text), 0644);
}
