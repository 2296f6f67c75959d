/*
 * The ID card reader over a transport (see idreader.h): SAM commands with
 * retries, the polling loop, and the tty transport.
 */
#include "scan/idreader.h"
#include "scan/serial.h"

#include "util/err.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct rk_idreader {
    const rk_idreader_ops *ops;
    void *handle;
    rk_idreader_opts opts;
    int cancel_pipe[2];
    atomic_int cancelled;
    uint8_t req[64];
    uint8_t reply[RK_SAM_MAX_FRAME];
    size_t reply_len;
    rk_idcard card;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the tty transport ---- */

typedef struct tty {
    int fd;
    int stale; /* a reply may still be on its way after a timeout */
    char path[256];
    uint8_t buf[2 * RK_SAM_MAX_FRAME];
} tty;

static int tty_open(void **handle, const char *path, void *arg)
{
    (void)arg;
    *handle = NULL;
    tty *t = calloc(1, sizeof *t);
    if (!t) return rk_err_oom();
    rk_utf8_copy(t->path, sizeof t->path, path);
    int rc = rk_serial_open(&t->fd, path, 115200, "the ID card reader");
    if (rc) {
        free(t);
        return rc;
    }
    *handle = t;
    return 0;
}

static void tty_close(void *handle)
{
    tty *t = handle;
    if (!t) return;
    close(t->fd);
    free(t);
}

/* Waits for fd readable up to ms; 1 readable, 0 timeout, RK_ESTATE cancelled. */
static int wait_in(int fd, int cancel_fd, int ms)
{
    struct pollfd pf[2] = {{fd, POLLIN, 0}, {cancel_fd, POLLIN, 0}};
    for (;;) {
        int n = poll(pf, cancel_fd >= 0 ? 2 : 1, ms < 0 ? 0 : ms);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return rk_err_set(RK_EIO, "poll: %s", strerror(errno));
        if (cancel_fd >= 0 && pf[1].revents) return rk_err_set(RK_ESTATE, "cancelled");
        if (pf[0].revents & POLLIN) return 1;
        if (pf[0].revents & (POLLERR | POLLHUP | POLLNVAL))
            return rk_err_set(RK_EIO, "the reader's line hung up");
        return 0;
    }
}

/* After a timeout, swallows a late reply: reads until 30 ms of silence
 * (at most 500 ms) so it is not taken for the next command's answer. */
static int tty_drain(tty *t, int cancel_fd)
{
    int64_t end = now_ms() + 500;
    while (now_ms() < end) {
        int w = wait_in(t->fd, cancel_fd, 30);
        if (w < 0) return w;
        if (w == 0) break;
        if (read(t->fd, t->buf, sizeof t->buf) <= 0) break;
    }
    t->stale = 0;
    return 0;
}

static int tty_transact(void *handle, const uint8_t *req, size_t req_len, uint8_t *reply,
                        size_t cap, size_t *reply_len, int timeout_ms, int cancel_fd)
{
    tty *t = handle;
    size_t have = 0, sent = 0;
    int64_t deadline = now_ms() + timeout_ms;
    int rc;

    *reply_len = 0;
    if (t->stale && (rc = tty_drain(t, cancel_fd)) != 0) return rc;
    tcflush(t->fd, TCIFLUSH);
    while (sent < req_len) {
        ssize_t w = write(t->fd, req + sent, req_len - sent);
        if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
            struct pollfd pf = {t->fd, POLLOUT, 0};
            if (now_ms() > deadline) return rk_err_set(RK_ETIMEOUT, "the line does not drain");
            poll(&pf, 1, 20);
            continue;
        }
        if (w <= 0) return rk_err_set(RK_EIO, "write to %s: %s", t->path, strerror(errno));
        sent += (size_t)w;
    }
    for (;;) {
        rk_sam_frame f;
        size_t used = 0;
        rc = rk_sam_parse(&f, &used, t->buf, have);
        if (rc == 0) {
            size_t flen = f.body_len + 1 + RK_SAM_PREAMBLE_LEN + 2;
            const uint8_t *start = f.body - RK_SAM_PREAMBLE_LEN - 2;
            if (flen > cap) return rk_err_set(RK_ETOOBIG, "reply frame too big for its buffer");
            memcpy(reply, start, flen);
            *reply_len = flen;
            return 0;
        }
        if (rc < 0) {
            t->stale = 1; /* the rest of a damaged frame may follow */
            return rc;
        }
        memmove(t->buf, t->buf + used, have - used);
        have -= used;
        int left = (int)(deadline - now_ms());
        if (left <= 0) {
            t->stale = 1;
            return rk_err_set(RK_ETIMEOUT, "no %s within %d ms", have ? "complete reply" : "reply",
                              timeout_ms);
        }
        int w = wait_in(t->fd, cancel_fd, left);
        if (w < 0) return w;
        if (w == 0) continue;
        ssize_t r = read(t->fd, t->buf + have, sizeof t->buf - have);
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (r < 0) return rk_err_set(RK_EIO, "read from %s: %s", t->path, strerror(errno));
        if (r == 0) return rk_err_set(RK_EIO, "the reader at %s went away", t->path);
        have += (size_t)r;
    }
}

const rk_idreader_ops rk_idreader_tty_ops = {tty_open, tty_transact, tty_close};

/* ---- the reader ---- */

void rk_idreader_opts_default(rk_idreader_opts *o)
{
    memset(o, 0, sizeof *o);
    o->timeout_ms = 500;
    o->read_timeout_ms = 3000;
    o->retries = 2;
    o->interval_ms = 250;
}

int rk_idreader_open(rk_idreader **out, const char *path, const rk_idreader_ops *ops, void *ops_arg,
                     const rk_idreader_opts *opts)
{
    *out = NULL;
    rk_idreader *r = calloc(1, sizeof *r);
    if (!r) return rk_err_oom();
    r->ops = ops ? ops : &rk_idreader_tty_ops;
    if (opts)
        r->opts = *opts;
    else
        rk_idreader_opts_default(&r->opts);
    if (r->opts.retries < 0) r->opts.retries = 0;
    if (pipe(r->cancel_pipe) != 0) {
        free(r);
        return rk_err_set(RK_EIO, "pipe: %s", strerror(errno));
    }
    fcntl(r->cancel_pipe[0], F_SETFD, FD_CLOEXEC);
    fcntl(r->cancel_pipe[1], F_SETFD, FD_CLOEXEC);
    fcntl(r->cancel_pipe[1], F_SETFL, O_NONBLOCK);
    int rc = r->ops->open(&r->handle, path, ops_arg);
    if (rc) {
        close(r->cancel_pipe[0]);
        close(r->cancel_pipe[1]);
        free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void rk_idreader_free(rk_idreader *r)
{
    if (!r) return;
    r->ops->close(r->handle);
    close(r->cancel_pipe[0]);
    close(r->cancel_pipe[1]);
    free(r);
}

void rk_idreader_cancel(rk_idreader *r)
{
    atomic_store(&r->cancelled, 1);
    ssize_t w = write(r->cancel_pipe[1], "x", 1);
    (void)w;
}

int rk_idreader_cancelled(rk_idreader *r)
{
    return atomic_load(&r->cancelled);
}

int rk_idreader_command(rk_idreader *r, rk_sam_reply *reply, unsigned cmd_para, const uint8_t *data,
                        size_t n)
{
    size_t req_len;
    const char *name = rk_sam_cmd_name(cmd_para);
    int rc = rk_sam_encode_cmd(r->req, sizeof r->req, &req_len, (uint8_t)(cmd_para >> 8),
                               (uint8_t)cmd_para, data, n);
    if (rc) return rc;
    int timeout = (cmd_para >> 8) == 0x30 ? r->opts.read_timeout_ms : r->opts.timeout_ms;
    int last = RK_ETIMEOUT;
    char why[256] = "";
    for (int attempt = 0; attempt <= r->opts.retries; attempt++) {
        if (rk_idreader_cancelled(r)) return rk_err_set(RK_ESTATE, "cancelled");
        rc = r->ops->transact(r->handle, r->req, req_len, r->reply, sizeof r->reply, &r->reply_len,
                              timeout, r->cancel_pipe[0]);
        if (rc == RK_ESTATE || rc == RK_EIO || rc == RK_EDEVICE || rc == RK_ENOMEM)
            return rk_err_wrap(rc, "%s", name);
        if (rc == 0) {
            rk_sam_frame f;
            size_t used;
            rc = rk_sam_parse(&f, &used, r->reply, r->reply_len);
            if (rc == 0) rc = rk_sam_reply_view(reply, &f);
            if (rc == 0 && (reply->sw3 == RK_SAM_SW_CHECKSUM || reply->sw3 == RK_SAM_SW_LENGTH) &&
                attempt < r->opts.retries) {
                rk_utf8_copy(why, sizeof why, rk_sam_status_text(reply->sw3, NULL));
                rk_log_info("ID reader: %s: %s; sending again", name, why);
                continue;
            }
            if (rc == 0) return 0;
            if (rc == RK_SAM_MORE) rc = rk_err_set(RK_EFORMAT, "transport gave a partial frame");
        }
        last = rc;
        rk_utf8_copy(why, sizeof why, rk_err_msg());
        rk_log_info("ID reader: %s, attempt %d: %s", name, attempt + 1, why);
    }
    return rk_err_set(last, "%s: no good reply after %d attempts: %s", name, r->opts.retries + 1,
                      why);
}

static int status_error(const char *what, uint8_t sw3)
{
    const char *zh;
    const char *en = rk_sam_status_text(sw3, &zh);
    return rk_err_set(RK_EDEVICE, "%s: %s (%s, status %02X)", what, en, zh, sw3);
}

int rk_idreader_status(rk_idreader *r)
{
    rk_sam_reply rep;
    int rc = rk_idreader_command(r, &rep, RK_SAM_CMD_STATUS, NULL, 0);
    if (rc) return rc;
    return rep.sw3 == RK_SAM_SW_OK ? 0 : status_error("SAM status", rep.sw3);
}

int rk_idreader_sam_id(rk_idreader *r, char *out, size_t n)
{
    rk_sam_reply rep;
    int rc = rk_idreader_command(r, &rep, RK_SAM_CMD_SAM_ID, NULL, 0);
    if (rc) return rc;
    if (rep.sw3 != RK_SAM_SW_OK) return status_error("read SAM id", rep.sw3);
    if (rep.data_len != 16 || n < 33)
        return rk_err_set(RK_EFORMAT, "SAM id of %zu bytes, expected 16", rep.data_len);
    rk_hex_encode(out, rep.data, 16, RK_HEX_UPPER);
    return 0;
}

/* Finds the card: 1 found, 0 none, negative on failure. */
static int find_card(rk_idreader *r)
{
    rk_sam_reply rep;
    int rc = rk_idreader_command(r, &rep, RK_SAM_CMD_FIND, NULL, 0);
    if (rc) return rc;
    if (rep.sw3 == RK_SAM_SW_FOUND) return 1;
    if (rep.sw3 == RK_SAM_SW_FIND_FAILED) return 0;
    return status_error("find card", rep.sw3);
}

/* Select and read a found card into r->card. */
static int select_and_read(rk_idreader *r)
{
    rk_sam_reply rep;
    int rc = rk_idreader_command(r, &rep, RK_SAM_CMD_SELECT, NULL, 0);
    if (rc) return rc;
    if (rep.sw3 != RK_SAM_SW_OK) return status_error("select card", rep.sw3);
    unsigned cmd = r->opts.with_finger ? RK_SAM_CMD_READ_FINGER : RK_SAM_CMD_READ;
    if ((rc = rk_idreader_command(r, &rep, cmd, NULL, 0)) != 0) return rc;
    if (rep.sw3 != RK_SAM_SW_OK) return status_error(rk_sam_cmd_name(cmd), rep.sw3);
    rc = rk_idcard_decode_reply(&r->card, rep.data, rep.data_len, r->opts.with_finger);
    if (rc) return rk_err_wrap(rc, "%s", rk_sam_cmd_name(cmd));
    if (r->opts.read_address) {
        if ((rc = rk_idreader_command(r, &rep, RK_SAM_CMD_READ_ADDR, NULL, 0)) != 0) return rc;
        if (rep.sw3 == RK_SAM_SW_OK) {
            if ((rc = rk_idcard_decode_address(&r->card, rep.data, rep.data_len)) != 0) return rc;
        } else if (rep.sw3 != RK_SAM_SW_NO_CONTENT) {
            return status_error("read appended address", rep.sw3);
        }
    }
    return 0;
}

int rk_idreader_read_card(rk_idreader *r, rk_idcard *card)
{
    int rc = find_card(r);
    if (rc < 0) return rc;
    if (rc == 0) return rk_err_set(RK_ENOTFOUND, "no card on the reader");
    if ((rc = select_and_read(r)) != 0) return rc;
    *card = r->card;
    return 0;
}

static int pause_or_cancel(rk_idreader *r, int ms)
{
    struct pollfd pf = {r->cancel_pipe[0], POLLIN, 0};
    if (ms <= 0) return rk_idreader_cancelled(r);
    while (poll(&pf, 1, ms) < 0 && errno == EINTR)
        ;
    return rk_idreader_cancelled(r);
}

int rk_idreader_poll(rk_idreader *r, rk_idreader_cb cb, void *arg, int timeout_ms)
{
    int placed = 0, read_ok = 0;
    int64_t end = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
    rk_idreader_event ev;

    while (!rk_idreader_cancelled(r)) {
        if (end && now_ms() >= end)
            return rk_err_set(RK_ETIMEOUT, "no card within %d s", (timeout_ms + 999) / 1000);
        memset(&ev, 0, sizeof ev);
        int rc = find_card(r);
        if (rc == 1 && !read_ok) {
            if (!placed) {
                placed = 1;
                ev.kind = RK_IDREADER_PLACED;
                if (cb(&ev, arg)) return 0;
            }
            rc = select_and_read(r);
            if (rc == 0) {
                read_ok = 1;
                ev.kind = RK_IDREADER_READ;
                ev.card = &r->card;
                if (cb(&ev, arg)) return 0;
            }
        } else if (rc == 0 && placed) {
            placed = read_ok = 0;
            ev.kind = RK_IDREADER_REMOVED;
            if (cb(&ev, arg)) return 0;
        }
        if (rc < 0) {
            if (rk_idreader_cancelled(r)) break;
            if (rc == RK_EIO || rc == RK_ENOMEM) return rc;
            ev.kind = RK_IDREADER_ERROR;
            ev.rc = rc;
            ev.message = rk_err_msg();
            if (cb(&ev, arg)) return 0;
        }
        int wait = r->opts.interval_ms;
        if (end && end - now_ms() < wait) wait = (int)(end - now_ms());
        if (pause_or_cancel(r, wait)) break;
    }
    return 0;
}
