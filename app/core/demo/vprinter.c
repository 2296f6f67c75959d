/*
 * The virtual receipt printer (see vprinter.h).
 */
#define _GNU_SOURCE /* accept4 */
#include "demo/vprinter.h"

#include "print/escpos.h"
#include "print/escview.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/file.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define IDLE_MS 5000

struct rk_vprinter {
    char dir[PATH_MAX];
    int fd;
    int port;
    int dots;
    unsigned faults;
    int jobs;
};

int rk_vprinter_parse_faults(unsigned *out, const char *words)
{
    unsigned f = 0;
    const char *p = words;
    while (*p) {
        size_t k = strcspn(p, " ,\t\r\n");
        if (k) {
            if (k == 9 && !strncmp(p, "paper-out", k))
                f |= RK_VPRINTER_PAPER_OUT;
            else if (k == 10 && !strncmp(p, "cover-open", k))
                f |= RK_VPRINTER_COVER_OPEN;
            else if (k == 7 && !strncmp(p, "offline", k))
                f |= RK_VPRINTER_OFFLINE;
            else if (k == 8 && !strncmp(p, "near-end", k))
                f |= RK_VPRINTER_NEAR_END;
            else if (k == 5 && !strncmp(p, "error", k))
                f |= RK_VPRINTER_ERROR;
            else if (!(k == 2 && !strncmp(p, "ok", k)))
                return rk_err_set(RK_EINVAL,
                                  "unknown printer fault '%.*s' (paper-out, cover-open, offline, "
                                  "near-end, error, ok)",
                                  (int)k, p);
            p += k;
        } else {
            p++;
        }
    }
    *out = f;
    return 0;
}

/* The faults in force: the control file if present, else the set ones. */
static unsigned faults_now(rk_vprinter *v)
{
    char path[PATH_MAX + 8], text[256];
    snprintf(path, sizeof path, "%s/faults", v->dir);
    FILE *f = fopen(path, "r");
    if (!f) return v->faults;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    unsigned x;
    if (rk_vprinter_parse_faults(&x, text) != 0) {
        rk_log_warn("virtual printer: %s", rk_err_msg());
        return v->faults;
    }
    return x;
}

static unsigned char status_byte(unsigned f, int n)
{
    unsigned char b = 0x12;
    int stopped = f & (RK_VPRINTER_PAPER_OUT | RK_VPRINTER_COVER_OPEN | RK_VPRINTER_OFFLINE |
                       RK_VPRINTER_ERROR);
    switch (n) {
    case 1:
        if (stopped) b |= 0x08;
        break;
    case 2:
        if (f & RK_VPRINTER_COVER_OPEN) b |= 0x04;
        if (f & RK_VPRINTER_PAPER_OUT) b |= 0x20;
        if (f & RK_VPRINTER_ERROR) b |= 0x40;
        break;
    case 3:
        if (f & RK_VPRINTER_ERROR) b |= 0x40;
        break;
    case 4:
        if (f & (RK_VPRINTER_NEAR_END | RK_VPRINTER_PAPER_OUT)) b |= 0x0c;
        if (f & RK_VPRINTER_PAPER_OUT) b |= 0x60;
        break;
    }
    return b;
}

static int next_job_number(const char *dir)
{
    int max = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int k;
        if (sscanf(e->d_name, "job-%d", &k) == 1 && k > max) max = k;
    }
    if (d) closedir(d);
    return max;
}

int rk_vprinter_new(rk_vprinter **out, const char *dir, int port, int paper_mm)
{
    *out = NULL;
    if (paper_mm != 58 && paper_mm != 80)
        return rk_err_set(RK_EINVAL, "paper must be 58 or 80 mm wide, not %d", paper_mm);
    if (strlen(dir) > PATH_MAX - 64) return rk_err_set(RK_EINVAL, "folder path too long");
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return rk_err_set(RK_EIO, "cannot create %s: %s", dir, strerror(errno));
    rk_vprinter *v = calloc(1, sizeof *v);
    if (!v) return rk_err_oom();
    snprintf(v->dir, sizeof v->dir, "%s", dir);
    v->dots = paper_mm == 58 ? RK_ESCPOS_58MM_DOTS : RK_ESCPOS_80MM_DOTS;
    v->jobs = next_job_number(dir);
    v->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (v->fd < 0 || setsockopt(v->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(v->fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(v->fd, 4) != 0 ||
        getsockname(v->fd, (struct sockaddr *)&sa, &sl) != 0) {
        int rc = rk_err_set(RK_EIO, "virtual printer cannot listen on 127.0.0.1:%d: %s", port,
                            strerror(errno));
        rk_vprinter_free(v);
        return rc;
    }
    v->port = ntohs(sa.sin_port);
    *out = v;
    return 0;
}

void rk_vprinter_free(rk_vprinter *v)
{
    if (!v) return;
    if (v->fd >= 0) close(v->fd);
    free(v);
}

int rk_vprinter_port(const rk_vprinter *v)
{
    return v->port;
}

int rk_vprinter_fd(const rk_vprinter *v)
{
    return v->fd;
}

void rk_vprinter_set_faults(rk_vprinter *v, unsigned faults)
{
    v->faults = faults;
}

int rk_vprinter_jobs(const rk_vprinter *v)
{
    return v->jobs;
}

/* Keeps a finished job: bytes, transcript and picture, or rejected bytes. */
static int keep_job(rk_vprinter *v, const rk_buf *job, int rejected)
{
    char path[PATH_MAX + 32];
    int no = ++v->jobs, rc;
    snprintf(path, sizeof path, "%s/job-%04d%s.bin", v->dir, no, rejected ? ".rejected" : "");
    if ((rc = rk_file_write_atomic(path, job->data, job->len, 0644)) != 0) return rc;
    if (rejected) {
        rk_log_info("virtual printer: job %d rejected (printer not ready)", no);
        return 1;
    }
    rk_escview *view;
    if ((rc = rk_escview_parse(&view, (const uint8_t *)job->data, job->len)) != 0) return rc;
    snprintf(path, sizeof path, "%s/job-%04d.txt", v->dir, no);
    rc = rk_file_write_atomic(path, view->text.data ? view->text.data : "", view->text.len, 0644);
    snprintf(path, sizeof path, "%s/job-%04d.png", v->dir, no);
    if (!rc) rc = rk_escview_render_png(view, v->dots, path);
    rk_escview_free(view);
    if (rc) return rc;
    rk_log_info("virtual printer: job %d printed (%zu bytes)", no, job->len);
    return 1;
}

static int serve(rk_vprinter *v, int c)
{
    rk_buf in, job;
    int rc = 0, rejected = 0;
    rk_buf_init(&in, RK_ESCVIEW_MAX_INPUT);
    rk_buf_init(&job, RK_ESCVIEW_MAX_INPUT);
    for (;;) {
        struct pollfd pf = {.fd = c, .events = POLLIN};
        int r = poll(&pf, 1, IDLE_MS);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break; /* silent client: drop it */
        char chunk[65536];
        ssize_t k = read(c, chunk, sizeof chunk);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        if (rk_buf_append(&in, chunk, (size_t)k) != 0) {
            rc = rk_err_set(RK_ETOOBIG, "virtual printer: job over its size limit");
            break;
        }
        /* split complete commands: answer status requests, keep the rest */
        size_t at = 0;
        while (at < in.len) {
            const uint8_t *p = (const uint8_t *)in.data + at;
            size_t len = rk_escview_command_length(p, in.len - at);
            if (len == 0) break;
            if (len == 3 && p[0] == 0x10 && p[1] == 0x04) {
                unsigned char b = status_byte(faults_now(v), p[2]);
                if (p[2] >= 1 && p[2] <= 4 && send(c, &b, 1, MSG_NOSIGNAL) != 1) break;
            } else {
                if (faults_now(v) & ~(unsigned)RK_VPRINTER_NEAR_END) rejected = 1;
                if (rk_buf_append(&job, p, len) != 0) {
                    rc = rk_err_set(RK_ETOOBIG, "virtual printer: job over its size limit");
                    break;
                }
            }
            at += len;
        }
        if (rc) break;
        memmove(in.data, in.data + at, in.len - at);
        in.len -= at;
    }
    if (!rc && job.len > 0) rc = keep_job(v, &job, rejected);
    rk_buf_free(&in);
    rk_buf_free(&job);
    return rc;
}

int rk_vprinter_poll(rk_vprinter *v, int timeout_ms)
{
    struct pollfd pf = {.fd = v->fd, .events = POLLIN};
    int r = poll(&pf, 1, timeout_ms);
    if (r < 0 && errno == EINTR) return 0;
    if (r < 0) return rk_err_set(RK_EIO, "virtual printer: poll: %s", strerror(errno));
    if (r == 0) return 0;
    int c = accept4(v->fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) return 0;
    int rc = serve(v, c);
    close(c);
    return rc;
}
