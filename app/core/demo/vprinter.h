/*
 * The virtual receipt printer: a test double for an ESC/POS printer on TCP
 * port 9100, used by the tests and the kiosk demo.
 *
 * It listens on a loopback port, takes one connection at a time like a real
 * printer, answers the real-time status request DLE EOT n at once (also in
 * the middle of a job), and when the client closes the connection keeps the
 * job: <dir>/job-NNNN.bin (the bytes, status requests removed), job-NNNN.txt
 * (the transcript) and job-NNNN.png (the job drawn on paper, see escview.h).
 *
 * Faults are switched by rk_vprinter_set_faults() or by writing words to the
 * control file <dir>/faults ("paper-out", "cover-open", "offline",
 * "near-end", "error"; "ok" or an empty file for none), which is read before
 * each reply and at the end of each job. While the printer is not ready it
 * reports so and prints nothing: a job sent anyway is kept as
 * job-NNNN.rejected.bin (with no PNG), as a printer that was not printing.
 *
 * Single-threaded: the owner calls rk_vprinter_poll() in its loop.
 */
#ifndef RK_VPRINTER_H
#define RK_VPRINTER_H

enum {
    RK_VPRINTER_PAPER_OUT = 1,
    RK_VPRINTER_COVER_OPEN = 2,
    RK_VPRINTER_OFFLINE = 4,
    RK_VPRINTER_NEAR_END = 8,
    RK_VPRINTER_ERROR = 16
};

typedef struct rk_vprinter rk_vprinter;

/* Listens on 127.0.0.1:port (0 = a free port, see rk_vprinter_port) and
 * keeps jobs in dir (created if missing) rendered `paper_mm` (58 or 80)
 * wide. RK_EIO when the port cannot be bound. */
int rk_vprinter_new(rk_vprinter **out, const char *dir, int port, int paper_mm);

/* Closes the socket and frees; NULL does nothing. */
void rk_vprinter_free(rk_vprinter *v);

/* The port listened on. */
int rk_vprinter_port(const rk_vprinter *v);

/* The listening socket, for the owner's poll(). */
int rk_vprinter_fd(const rk_vprinter *v);

/* Sets the simulated faults (RK_VPRINTER_* bits); the control file, when
 * present, takes precedence. */
void rk_vprinter_set_faults(rk_vprinter *v, unsigned faults);

/* Parses fault words separated by spaces, commas or newlines; RK_EINVAL
 * names an unknown word. */
int rk_vprinter_parse_faults(unsigned *out, const char *words);

/* Waits up to timeout_ms for a client and serves it to the end of its job
 * (a silent client is dropped after 5 s). Returns the number of jobs kept
 * (0 or 1) or a negative RK_E* code. */
int rk_vprinter_poll(rk_vprinter *v, int timeout_ms);

/* Jobs kept so far (printed or rejected), numbering included. */
int rk_vprinter_jobs(const rk_vprinter *v);

#endif
