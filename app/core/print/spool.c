/*
 * The receipt spool (see spool.h).
 */
#include "spool.h"

#include "escpos.h"
#include "printer.h"
#include "util/err.h"
#include "util/file.h"
#include "util/log.h"
#include "util/utf8.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct rk_spool {
    char dir[PATH_MAX];
    char pending[PATH_MAX];
    char archive[PATH_MAX];
};

static int mkdir_p(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST) return 0;
    return rk_err_set(RK_EIO, "cannot create the spool folder %s: %s", path, strerror(errno));
}

int rk_spool_open(rk_spool **out, const char *dir)
{
    *out = NULL;
    if (strlen(dir) > PATH_MAX - 200)
        return rk_err_set(RK_EINVAL, "spool folder path too long: %s", dir);
    rk_spool *s = calloc(1, sizeof *s);
    if (!s) return rk_err_oom();
    rk_utf8_copy(s->dir, sizeof s->dir, dir);
    snprintf(s->pending, sizeof s->pending, "%s/pending", dir);
    snprintf(s->archive, sizeof s->archive, "%s/archive", dir);
    int rc = mkdir_p(s->dir);
    if (!rc) rc = mkdir_p(s->pending);
    if (!rc) rc = mkdir_p(s->archive);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void rk_spool_free(rk_spool *s)
{
    free(s);
}

static void clean_ref(char *out, size_t n, const char *ref)
{
    size_t i = 0;
    for (; ref && ref[i] && i + 1 < n && i < 64; i++) {
        char c = ref[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        out[i] = ok ? c : '_';
    }
    if (i == 0 && n > 1) out[i++] = '_';
    out[i] = 0;
    if (out[0] == '.') out[0] = '_';
}

static int write_file(const char *dir, const char *name, const void *a, size_t an, const void *b,
                      size_t bn)
{
    char path[PATH_MAX];
    rk_file_atomic *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = rk_file_atomic_open(&f, path, 0600);
    if (rc) return rk_err_wrap(rc, "cannot keep the print job");
    rk_file_atomic_write(f, a, an);
    rk_file_atomic_write(f, b, bn);
    if ((rc = rk_file_atomic_commit(f)) != 0) return rk_err_wrap(rc, "cannot keep the print job");
    return 0;
}

static int add_job(rk_spool *s, const char *ref, const void *a, size_t an, const void *b, size_t bn,
                   char *job)
{
    static unsigned seq; /* only makes names distinct inside a process */
    char cref[72], name[RK_SPOOL_JOB_NAME];
    struct timespec ts;

    if (an + bn == 0 || an + bn > RK_SPOOL_MAX_JOB)
        return rk_err_set(RK_EINVAL, "a print job has 1 to %u bytes, not %zu", RK_SPOOL_MAX_JOB,
                          an + bn);
    clean_ref(cref, sizeof cref, ref);
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned k = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
    snprintf(name, sizeof name, "%013lld-%05u%03u-%s.escpos",
             (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, (unsigned)getpid() % 100000,
             k % 1000, cref);
    int rc = write_file(s->pending, name, a, an, b, bn);
    if (!rc && job) snprintf(job, RK_SPOOL_JOB_NAME, "%s", name);
    return rc;
}

int rk_spool_add(rk_spool *s, const char *ref, const void *data, size_t n, char *job)
{
    return add_job(s, ref, data, n, NULL, 0, job);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Job names in dir (sorted), optionally only those for ref. */
static int list_dir(const char *dir, const char *ref, char ***names, int *n)
{
    char suffix[96];
    *names = NULL;
    *n = 0;
    if (ref) {
        char cref[72];
        clean_ref(cref, sizeof cref, ref);
        snprintf(suffix, sizeof suffix, "-%s.escpos", cref);
    }
    DIR *d = opendir(dir);
    if (!d) return rk_err_set(RK_EIO, "cannot read %s: %s", dir, strerror(errno));
    struct dirent *e;
    char **v = NULL;
    int count = 0, cap = 0, rc = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 8 || strcmp(e->d_name + len - 7, ".escpos")) continue;
        if (ref && (len < strlen(suffix) || strcmp(e->d_name + len - strlen(suffix), suffix)))
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            char **nv = realloc(v, sizeof *nv * (size_t)cap);
            if (!nv) {
                rc = rk_err_oom();
                break;
            }
            v = nv;
        }
        if (!(v[count] = strdup(e->d_name))) {
            rc = rk_err_oom();
            break;
        }
        count++;
    }
    closedir(d);
    if (rc) {
        for (int i = 0; i < count; i++)
            free(v[i]);
        free(v);
        return rc;
    }
    if (count) qsort(v, (size_t)count, sizeof *v, cmp_str);
    *names = v;
    *n = count;
    return 0;
}

static void free_list(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int rk_spool_list(rk_spool *s, char ***names, int *n)
{
    return list_dir(s->pending, NULL, names, n);
}

int rk_spool_pending(rk_spool *s, int *count)
{
    char **v;
    int n, rc = list_dir(s->pending, NULL, &v, &n);
    if (rc) return rc;
    free_list(v, n);
    *count = n;
    return 0;
}

static int read_file(const char *path, char **data, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return rk_err_set(RK_EIO, "cannot read %s: %s", path, strerror(errno));
    char *buf = malloc(RK_SPOOL_MAX_JOB);
    if (!buf) {
        fclose(f);
        return rk_err_oom();
    }
    size_t k = fread(buf, 1, RK_SPOOL_MAX_JOB, f);
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return rk_err_set(RK_EIO, "cannot read %s", path);
    }
    *data = buf;
    *n = k;
    return 0;
}

/* Status of p into st; RK_EDEVICE with the clerk's message if not ready. */
static int check_ready(rk_printer *p, const char *job, const char *when, int *near_end)
{
    rk_escpos_status st;
    char what[160];
    int rc = rk_printer_status(p, &st);
    if (rc)
        return rk_err_set(RK_EDEVICE, "receipt %s held: the printer %s does not answer (%s)", job,
                          rk_printer_uri(p), rk_err_msg());
    if (!st.known) return 0;
    rk_escpos_status_describe(&st, what, sizeof what);
    if (!rk_escpos_status_ready(&st))
        return rk_err_set(RK_EDEVICE,
                          "receipt %s held %s: printer %s: %s. It prints when the printer is "
                          "ready again",
                          job, when, rk_printer_uri(p), what);
    if (st.paper_near_end) *near_end = 1;
    return 0;
}

static int print_one(rk_spool *s, const char *job, const char *uri, int timeout_ms, int *near_end)
{
    char path[PATH_MAX], dst[PATH_MAX];
    char *data = NULL;
    size_t n = 0;
    rk_printer *p = NULL;
    int rc;

    snprintf(path, sizeof path, "%s/%s", s->pending, job);
    if ((rc = read_file(path, &data, &n)) != 0) return rc;
    if ((rc = rk_printer_open(&p, uri, timeout_ms)) != 0) {
        if (rc == RK_EDEVICE)
            rc = rk_err_wrap(RK_EDEVICE, "receipt %s held (it prints when the printer is back)",
                             job);
        free(data);
        return rc;
    }
    rc = check_ready(p, job, "before printing", near_end);
    if (!rc) rc = rk_printer_write(p, data, n);
    if (!rc) rc = rk_printer_end_job(p);
    if (!rc)
        rc = check_ready(p, job, "after printing (it will print again in full)", near_end);
    else if (rc != RK_EDEVICE)
        rc = rk_err_wrap(RK_EDEVICE, "receipt %s held", job);
    rk_printer_free(p);
    free(data);
    if (rc) return rc;
    snprintf(dst, sizeof dst, "%s/%s", s->archive, job);
    if (rename(path, dst) != 0)
        return rk_err_set(RK_EIO, "printed %s but cannot archive it: %s", job, strerror(errno));
    rk_file_sync_dir(s->pending);
    rk_file_sync_dir(s->archive);
    return 0;
}

/* A report about job i of n. */
#define JOB_REPORT(code, words, job, i, n)                                                         \
    (&(rk_progress){.step = (code),                                                                \
                    .text = (words),                                                               \
                    .item = (job),                                                                 \
                    .done = (i),                                                                   \
                    .total = (n),                                                                  \
                    .percent = (n) ? (int)((i)*100 / (n)) : 100})

int rk_spool_run(rk_spool *s, const char *uri, int timeout_ms, rk_progress_fn progress, void *arg,
                 int *printed)
{
    char lock[PATH_MAX];
    char **jobs = NULL;
    int n = 0, done = 0, rc;
    rk_progress_track pt;

    if (printed) *printed = 0;
    snprintf(lock, sizeof lock, "%s/lock", s->dir);
    int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0) return rk_err_set(RK_EIO, "cannot open %s: %s", lock, strerror(errno));
    if (flock(lfd, LOCK_EX | LOCK_NB) != 0) {
        close(lfd);
        return rk_err_set(RK_EBUSY, "another program is printing from %s", s->dir);
    }
    rk_progress_start(&pt, progress, arg, RK_OP_PRINT, 0);
    rc = list_dir(s->pending, NULL, &jobs, &n);
    for (int i = 0; !rc && i < n; i++) {
        int near_end = 0;
        if ((rc = rk_progress_tell(&pt, JOB_REPORT("print", "printing", jobs[i], i, n))) != 0)
            break;
        rc = print_one(s, jobs[i], uri, timeout_ms, &near_end);
        if (rc == RK_EDEVICE) {
            rk_log_info("%s", rk_err_msg());
            rk_progress_note(&pt, JOB_REPORT("held", rk_err_msg(), jobs[i], i, n));
            break;
        }
        if (rc) break;
        done++;
        rk_log_info("receipt %s printed on %s", jobs[i], uri);
        rk_progress_note(&pt, JOB_REPORT("printed", "printed", jobs[i], i + 1, n));
        if (near_end)
            rk_progress_note(&pt, JOB_REPORT("warning",
                                             "the receipt paper is nearly out (纸将尽): load a new "
                                             "roll soon",
                                             jobs[i], i + 1, n));
    }
    free_list(jobs, n);
    flock(lfd, LOCK_UN);
    close(lfd);
    if (printed) *printed = done;
    return rc;
}

int rk_spool_reprint(rk_spool *s, const char *ref, char *job)
{
    char **v;
    int n, rc = list_dir(s->archive, ref, &v, &n);
    if (rc) return rc;
    if (n == 0) {
        free_list(v, n);
        return rk_err_set(RK_ENOTFOUND, "no printed receipt of order %s to reprint", ref);
    }
    char path[PATH_MAX], *data;
    size_t len;
    snprintf(path, sizeof path, "%s/%s", s->archive, v[n - 1]);
    free_list(v, n);
    if ((rc = read_file(path, &data, &len)) != 0) return rc;
    rk_escpos e;
    rc = rk_escpos_init(&e, 58, 1024);
    if (!rc) {
        rk_escpos_reset(&e);
        rk_escpos_chinese(&e, 1);
        rk_escpos_align(&e, RK_ESCPOS_CENTER);
        rk_escpos_bold(&e, 1);
        rk_escpos_text(&e, "** 重印 REPRINT **");
        rk_escpos_bold(&e, 0);
        rk_escpos_newline(&e);
        rc = rk_escpos_finish(&e);
    }
    if (!rc) rc = add_job(s, ref, e.out.data, e.out.len, data, len, job);
    rk_escpos_free(&e);
    free(data);
    return rc;
}
