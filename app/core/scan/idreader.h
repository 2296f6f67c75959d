/*
 * The ID card reader: SAM commands over a serial line, and the polling loop
 * that turns them into "card placed / card read / card removed" events.
 *
 * The transport is an ops table: rk_idreader_tty_ops talks to a real reader
 * on a tty (115200 8N1, raw; a pseudo-terminal works the same), and a test
 * double can stand in by exchanging frames itself. The reader owns its
 * buffers; one reader is used by one thread at a time, except
 * rk_idreader_cancel(), which any thread (or a signal handler) may call to
 * stop a running poll or command promptly.
 */
#ifndef RK_IDREADER_H
#define RK_IDREADER_H

#include "scan/idcard.h"
#include "scan/sam_frame.h"

#include <stddef.h>
#include <stdint.h>

/* The transport. transact() sends one whole request frame and returns the
 * next whole reply frame (garbage before it skipped) into reply[0..cap),
 * waiting at most timeout_ms; it returns early with RK_ESTATE when
 * cancel_fd becomes readable. Errors: RK_ETIMEOUT (no complete frame in
 * time), RK_EFORMAT/RK_ETOOBIG (a damaged frame), RK_EIO (device gone). */
typedef struct rk_idreader_ops {
    int (*open)(void **handle, const char *path, void *arg);
    int (*transact)(void *handle, const uint8_t *req, size_t req_len, uint8_t *reply, size_t cap,
                    size_t *reply_len, int timeout_ms, int cancel_fd);
    void (*close)(void *handle);
} rk_idreader_ops;

/* The real thing: a serial tty at 115200 8N1, raw. */
extern const rk_idreader_ops rk_idreader_tty_ops;

typedef struct rk_idreader_opts {
    int timeout_ms;      /* per command: status, find, select (default 500) */
    int read_timeout_ms; /* the read commands, ~1 s on real readers (default 3000) */
    int retries;         /* more attempts after a timeout or a damaged frame (default 2) */
    int interval_ms;     /* pause between two polls (default 250) */
    int with_finger;     /* read with fingerprints (30 10) instead of 30 01 */
    int read_address;    /* also read the appended address (30 03) */
} rk_idreader_opts;

typedef struct rk_idreader rk_idreader;

typedef enum rk_idreader_event_kind {
    RK_IDREADER_PLACED,  /* a card was found on the reader */
    RK_IDREADER_READ,    /* its fields were read: ev->card */
    RK_IDREADER_REMOVED, /* the card read before is gone */
    RK_IDREADER_ERROR    /* a command failed: ev->rc, ev->message; polling goes on */
} rk_idreader_event_kind;

typedef struct rk_idreader_event {
    rk_idreader_event_kind kind;
    const rk_idcard *card; /* READ: valid during the callback only */
    int rc;                /* ERROR: the RK_E* code */
    const char *message;   /* ERROR: what went wrong */
} rk_idreader_event;

/* Called for each event on the polling thread; return nonzero to stop. */
typedef int (*rk_idreader_cb)(const rk_idreader_event *ev, void *arg);

/* Fills the defaults above. */
void rk_idreader_opts_default(rk_idreader_opts *o);

/* Opens the reader at path with ops (NULL: rk_idreader_tty_ops) and opts
 * (NULL: defaults). *out is owned by the caller (rk_idreader_free). RK_EIO
 * or RK_EDEVICE naming the device when it cannot be opened. */
int rk_idreader_open(rk_idreader **out, const char *path, const rk_idreader_ops *ops, void *ops_arg,
                     const rk_idreader_opts *opts);

/* Closes the device and frees the reader; NULL is a no-op. */
void rk_idreader_free(rk_idreader *r);

/* Sends one command and waits for its reply, retrying after timeouts,
 * damaged frames and the reader's own checksum/length complaints (SW3 10,
 * 11). *reply points into the reader (valid until the next command).
 * Returns 0 whatever status the reply carries; transport failures as
 * above, RK_ESTATE once cancelled. */
int rk_idreader_command(rk_idreader *r, rk_sam_reply *reply, unsigned cmd_para, const uint8_t *data,
                        size_t n);

/* Asks the SAM's status (11 FF): 0 if 90, else RK_EDEVICE with the status. */
int rk_idreader_status(rk_idreader *r);

/* Reads the SAM id (12 FF) as hex text into out (at least 33 bytes). */
int rk_idreader_sam_id(rk_idreader *r, char *out, size_t n);

/* Find, select and read the card once. RK_ENOTFOUND "no card on the
 * reader" if none; RK_EDEVICE with the reader's status otherwise. */
int rk_idreader_read_card(rk_idreader *r, rk_idcard *card);

/* Polls until the callback returns nonzero (then 0), the reader is
 * cancelled (0), timeout_ms passes (RK_ETIMEOUT; 0 means no limit) or the
 * device fails for good (RK_EIO). Recoverable failures become ERROR events
 * and polling goes on. */
int rk_idreader_poll(rk_idreader *r, rk_idreader_cb cb, void *arg, int timeout_ms);

/* Stops a running or future poll/command of r. Async-signal-safe. */
void rk_idreader_cancel(rk_idreader *r);

/* 1 once rk_idreader_cancel was called. */
int rk_idreader_cancelled(rk_idreader *r);

#endif
