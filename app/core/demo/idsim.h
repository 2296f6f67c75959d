/*
 * A simulated ID card reader: the test double of the SAM reader, used by
 * the tests and by the kiosk demo.
 *
 * The heart is pure: rk_idsim_feed() takes the bytes a host sent and the
 * simulated state (is a card on the reader, which card, which faults are
 * armed) and produces the reply bytes a real reader would send, with real
 * frames and status codes. rk_idsim_control() changes the state from one
 * line of a small script language:
 *
 *     card resident|foreign|gat|demo   start describing a card ("demo" fills
 *                                      a sample resident card)
 *     set FIELD VALUE...               name name_en sex nation birth address
 *                                      id authority from until nationality
 *                                      version pass count appended
 *     place / remove                   put the described card on the reader,
 *                                      take it away
 *     fault checksum|garbage|silent|split [COUNT]
 *     fault slow MS [COUNT]            delay the next COUNT replies (default 1)
 *     fault status HEX [COUNT]         answer with status 00 00 HEX, no data
 *     clear                            disarm all faults
 *     sleep MS                         (scripts) pause before the next line
 *     quit                             stop rk_idsim_serve
 *     # ...                            comment
 *
 * rk_idsim_serve() runs the simulator on the master side of a
 * pseudo-terminal (rk_idsim_pty_open), so a host opens the slave path like
 * any serial reader. The simulator keeps the slave open itself so the pty
 * survives hosts that come and go.
 */
#ifndef RK_IDSIM_H
#define RK_IDSIM_H

#include "scan/idcard.h"
#include "scan/sam_frame.h"

#include <stddef.h>
#include <stdint.h>

typedef enum rk_idsim_fault {
    RK_IDSIM_FAULT_NONE = 0,
    RK_IDSIM_FAULT_CHECKSUM, /* flip the reply's checksum */
    RK_IDSIM_FAULT_GARBAGE,  /* send noise (with a false preamble start) before the reply */
    RK_IDSIM_FAULT_SILENT,   /* send nothing */
    RK_IDSIM_FAULT_SLOW,     /* send after arg milliseconds */
    RK_IDSIM_FAULT_SPLIT,    /* send in two parts, 50 ms apart */
    RK_IDSIM_FAULT_STATUS    /* answer status arg with no data */
} rk_idsim_fault;

typedef struct rk_idsim {
    int present;     /* a card lies on the reader */
    int selected;    /* found and selected since it was placed */
    rk_idcard card;  /* the card on the reader */
    rk_idcard draft; /* the card being described by `card`/`set` */
    uint8_t sam_id[16];
    rk_idsim_fault fault;
    int fault_arg;
    int fault_count;   /* replies left that get the fault */
    unsigned requests; /* frames answered so far */
    unsigned bad_requests;
} rk_idsim;

/* What rk_idsim_feed wants done with the reply bytes. */
typedef struct rk_idsim_action {
    size_t len;   /* reply bytes in out (0: nothing to send) */
    size_t split; /* if not 0: send out[0..split), pause, then the rest */
    int delay_ms; /* wait this long before sending */
} rk_idsim_action;

/* A fresh simulator: no card on the reader, no faults. */
void rk_idsim_init(rk_idsim *s);

/* Judges the host's bytes in[0..n) (see rk_sam_parse): *consumed bytes are
 * to be dropped. Returns RK_SAM_MORE when no complete request is there yet,
 * else 0 with the reply in out (cap >= RK_SAM_MAX_FRAME + 16) and *act
 * saying how to send it. A damaged request is answered like a reader does
 * (status 10 or 11). Pure apart from s. */
int rk_idsim_feed(rk_idsim *s, const uint8_t *in, size_t n, size_t *consumed, uint8_t *out,
                  size_t cap, rk_idsim_action *act);

/* Applies one script line. Returns 0, 1 for `quit`, or RK_EINVAL naming the
 * bad line. *sleep_ms gets the pause for `sleep` (else 0). */
int rk_idsim_control(rk_idsim *s, const char *line, int *sleep_ms);

/* Opens a pseudo-terminal in raw mode: *master for rk_idsim_serve, *keep an
 * open slave descriptor (close it when done), the slave's path in path. */
int rk_idsim_pty_open(int *master, int *keep, char *path, size_t n);

/* Serves the simulator on master until `quit`, stop_fd becoming readable or
 * an error. Script lines (text, may be NULL) run first, in order, `sleep`
 * pausing them while requests keep being answered; control_fd (or -1)
 * delivers more lines, newline-terminated. Returns 0 or RK_EIO. */
int rk_idsim_serve(rk_idsim *s, int master, const char *script, int control_fd, int stop_fd);

#endif
