/*
 * The receipt printer transports (see printer.h).
 */
#include "printer.h"

#include "lp.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RK_PRINTER_MAX_JOB (16u << 20)

struct rk_printer {
    const rk_printer_ops *ops;
    char uri[PATH_MAX + 16];
    char host[256]; /* tcp: host; cups: server "host:port" or "" */
    char port[16];
    char path[PATH_MAX]; /* usb: device; cups: queue */
    int timeout_ms;
    int fd;
    rk_buf job; /* cups: bytes of the job */
};

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const rk_printer_ops tcp_ops, usb_ops;

/* ---- file descriptor helpers (tcp and usb) ---- */

static int fd_write(rk_printer *p, const void *data, size_t n)
{
    const char *c = data;
    long deadline = now_ms() + p->timeout_ms;
    while (n > 0) {
        struct pollfd pf = {.fd = p->fd, .events = POLLOUT};
        long left = deadline - now_ms();
        if (left <= 0)
            return rk_err_set(RK_ETIMEOUT, "printer %s takes no data (busy or stopped)", p->uri);
        int r = poll(&pf, 1, (int)left);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return rk_err_set(RK_EDEVICE, "printer %s: %s", p->uri, strerror(errno));
        if (r == 0) continue;
        ssize_t k;
        if (p->ops == &tcp_ops)
            k = send(p->fd, c, n, MSG_NOSIGNAL);
        else
            k = write(p->fd, c, n);
        if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (k <= 0)
            return rk_err_set(RK_EDEVICE, "printer %s stopped taking data: %s", p->uri,
                              k < 0 ? strerror(errno) : "closed");
        c += k;
        n -= (size_t)k;
        deadline = now_ms() + p->timeout_ms; /* progress: the printer is alive */
    }
    return 0;
}

static int fd_query(rk_printer *p, int n, unsigned char *reply)
{
    unsigned char req[3], junk[64];
    /* drop anything unasked for (automatic status back) first */
    while (read(p->fd, junk, sizeof junk) > 0)
        ;
    rk_escpos_status_request(req, n);
    int rc = fd_write(p, req, 3);
    if (rc) return rc;
    long deadline = now_ms() + p->timeout_ms;
    for (;;) {
        struct pollfd pf = {.fd = p->fd, .events = POLLIN};
        long left = deadline - now_ms();
        if (left <= 0)
            return rk_err_set(RK_ETIMEOUT, "printer %s does not answer status requests", p->uri);
        int r = poll(&pf, 1, (int)left);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return rk_err_set(RK_EDEVICE, "printer %s: %s", p->uri, strerror(errno));
        if (r == 0) continue;
        ssize_t k = read(p->fd, reply, 1);
        if (k == 1) return 0;
        if (k < 0 && (errno == EINTR || errno == EAGAIN)) {
            if (p->ops == &usb_ops) usleep(10000); /* lp devices poll readable */
            continue;
        }
        return rk_err_set(RK_EDEVICE, "printer %s closed the connection", p->uri);
    }
}

static void fd_close(rk_printer *p)
{
    if (p->fd >= 0) close(p->fd);
    p->fd = -1;
}

static int no_end(rk_printer *p)
{
    (void)p;
    return 0;
}

/* ---- tcp ---- */

static int tcp_open(rk_printer *p)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(p->host, p->port, &hints, &res);
    if (rc != 0)
        return rk_err_set(RK_EDEVICE, "printer %s: cannot resolve %s: %s", p->uri, p->host,
                          gai_strerror(rc));
    int err = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            int r;
            while ((r = poll(&pf, 1, p->timeout_ms)) < 0 && errno == EINTR)
                ;
            int soerr = r == 0 ? ETIMEDOUT : 0;
            socklen_t sl = sizeof soerr;
            if (r > 0) getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
            if (soerr == 0) {
                p->fd = fd;
                freeaddrinfo(res);
                return 0;
            }
            err = soerr;
        } else {
            err = errno;
        }
        close(fd);
    }
    freeaddrinfo(res);
    return rk_err_set(RK_EDEVICE, "cannot reach the receipt printer at %s: %s", p->uri,
                      strerror(err ? err : ECONNREFUSED));
}

/* ---- usb (device file) ---- */

static int usb_open(rk_printer *p)
{
    p->fd = open(p->path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (p->fd < 0)
        return rk_err_set(RK_EDEVICE, "cannot open the receipt printer %s: %s", p->path,
                          strerror(errno));
    return 0;
}

/* ---- cups ---- */

static int cups_open(rk_printer *p)
{
    rk_buf_init(&p->job, RK_PRINTER_MAX_JOB);
    return 0;
}

static int cups_write(rk_printer *p, const void *data, size_t n)
{
    int rc = rk_buf_append(&p->job, data, n);
    return rc ? rk_err_set(rc, "receipt job over %u bytes", RK_PRINTER_MAX_JOB) : 0;
}

static int cups_end(rk_printer *p)
{
    const char *tmpdir = getenv("TMPDIR");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/rkreceipt.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) return rk_err_set(RK_EIO, "cannot create %s: %s", path, strerror(errno));
    int ok = write(fd, p->job.data, p->job.len) == (ssize_t)p->job.len;
    close(fd);
    if (!ok) {
        unlink(path);
        return rk_err_set(RK_EIO, "cannot write %s", path);
    }
    static const char *const opts[] = {"raw", NULL};
    int rc = rk_lp_submit(p->path, p->host[0] ? p->host : NULL, "receipt", opts, path, NULL, 0);
    unlink(path);
    rk_buf_reset(&p->job);
    return rc;
}

static void cups_close(rk_printer *p)
{
    rk_buf_free(&p->job);
}

static const rk_printer_ops tcp_ops = {"tcp", tcp_open, fd_write, fd_query, no_end, fd_close};
static const rk_printer_ops usb_ops = {"usb", usb_open, fd_write, fd_query, no_end, fd_close};
static const rk_printer_ops cups_ops = {"cups", cups_open, cups_write, NULL, cups_end, cups_close};

static int parse_uri(rk_printer *p, const char *uri)
{
    if (!strncmp(uri, "tcp://", 6)) {
        const char *h = uri + 6, *colon = strrchr(h, ':');
        size_t hl = colon ? (size_t)(colon - h) : strlen(h);
        if (hl == 0 || hl >= sizeof p->host) goto bad;
        if (h[0] == '[' && hl > 2 && h[hl - 1] == ']') { /* [::1]:9100 */
            memcpy(p->host, h + 1, hl - 2);
            p->host[hl - 2] = 0;
        } else {
            memcpy(p->host, h, hl);
            p->host[hl] = 0;
        }
        rk_utf8_copy(p->port, sizeof p->port, colon ? colon + 1 : "9100");
        char *end;
        long port = strtol(p->port, &end, 10);
        if (*end || port < 1 || port > 65535) goto bad;
        p->ops = &tcp_ops;
        return 0;
    }
    if (!strncmp(uri, "usb://", 6) || uri[0] == '/') {
        const char *path = uri[0] == '/' ? uri : uri + 6;
        if (path[0] != '/' || strlen(path) >= sizeof p->path) goto bad;
        rk_utf8_copy(p->path, sizeof p->path, path);
        p->ops = &usb_ops;
        return 0;
    }
    if (!strncmp(uri, "cups://", 7)) {
        const char *q = uri + 7, *at = strchr(q, '@');
        size_t ql = at ? (size_t)(at - q) : strlen(q);
        if (ql == 0 || ql >= 128 || q[0] == '-') goto bad;
        memcpy(p->path, q, ql);
        p->path[ql] = 0;
        if (at) rk_utf8_copy(p->host, sizeof p->host, at + 1);
        p->ops = &cups_ops;
        return 0;
    }
bad:
    return rk_err_set(RK_EINVAL,
                      "printer '%s' is not tcp://HOST:PORT, usb:///dev/usb/lpN or "
                      "cups://QUEUE[@HOST:PORT]",
                      uri);
}

int rk_printer_open(rk_printer **out, const char *uri, int timeout_ms)
{
    *out = NULL;
    if (!uri || !*uri) return rk_err_set(RK_EINVAL, "no receipt printer configured");
    rk_printer *p = calloc(1, sizeof *p);
    if (!p) return rk_err_oom();
    p->fd = -1;
    p->timeout_ms = timeout_ms > 0 ? timeout_ms : 3000;
    rk_utf8_copy(p->uri, sizeof p->uri, uri);
    int rc = parse_uri(p, uri);
    if (!rc) rc = p->ops->open(p);
    if (rc) {
        if (p->ops) p->ops->close(p);
        free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void rk_printer_free(rk_printer *p)
{
    if (!p) return;
    p->ops->close(p);
    free(p);
}

const char *rk_printer_uri(const rk_printer *p)
{
    return p->uri;
}

int rk_printer_has_status(const rk_printer *p)
{
    return p->ops->query != NULL;
}

int rk_printer_status(rk_printer *p, rk_escpos_status *st)
{
    memset(st, 0, sizeof *st);
    if (!p->ops->query) return 0;
    for (int n = 1; n <= 4; n++) {
        unsigned char b;
        int rc = p->ops->query(p, n, &b);
        if (rc) return rc;
        if ((rc = rk_escpos_status_decode(st, n, b)) != 0)
            return rk_err_wrap(rc, "printer %s", p->uri);
    }
    return 0;
}

int rk_printer_write(rk_printer *p, const void *data, size_t n)
{
    return p->ops->write(p, data, n);
}

int rk_printer_end_job(rk_printer *p)
{
    return p->ops->end_job(p);
}
