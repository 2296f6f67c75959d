/*
 * One shape of progress and cancellation for every long operation of the
 * core (libgit2 style): initialising a key, key generation, writing a
 * certificate, enrolment and key recovery, document scanning, CMP
 * exchanges with HQ, printing the receipt spool, filing archive boxes.
 *
 * An operation takes an rk_progress_fn and its argument (both may be NULL)
 * and calls it at each step boundary, and as data arrives where it can,
 * with an rk_progress. The callback returns 0 to go on or non-zero to
 * cancel: the operation then stops at that boundary, undoes what its
 * contract says, and returns RK_ECANCELED. Reports made after the point of
 * no return (a key whose initialisation has begun, a certificate being
 * committed, the final 100 %) ignore the answer; each operation's contract
 * says where that point is.
 *
 * The callback runs on the thread that runs the operation (a job runner's
 * worker, util/jobs.h, hands the reports to the UI thread); it must be
 * quick and must not call back into the operation. The rk_progress and
 * its strings are valid only during the call: copy what you keep.
 *
 * Percentages never go backwards within one operation: an operation made
 * of others (an enrolment's key generation and certificate write) maps
 * their 0..100 into its own share with rk_progress_sub, and the tracker
 * holds the high-water mark. Steps are stable codes ("keygen", "cert",
 * "write", "verify", "commit" ...) that a UI maps to its own words; text is
 * the same in an English sentence for logs and ractl.
 */
#ifndef RK_PROGRESS_H
#define RK_PROGRESS_H

#include <stdint.h>

/* The operation a report belongs to (the outermost one the caller began). */
typedef enum rk_progress_op {
    RK_OP_NONE = 0,
    RK_OP_TOKEN_INIT, /* token: rk_token_init */
    RK_OP_KEYGEN,     /* token: rk_token_keygen */
    RK_OP_CERT_WRITE, /* token: rk_token_write_cert */
    RK_OP_ENROL,      /* ca: rk_enrol_run */
    RK_OP_RECOVER,    /* ca: rk_enrol_recover */
    RK_OP_SCAN,       /* scan: rk_docscan_scan */
    RK_OP_CMP,        /* ca: rk_cmp_client_* */
    RK_OP_PRINT,      /* print: rk_spool_run */
    RK_OP_ARCHIVE,    /* domain: rk_archive_boxes */
    RK_OP_JOB         /* a job's own reports (util/jobs.h) */
} rk_progress_op;

typedef struct rk_progress {
    int op;              /* RK_OP_* */
    const char *step;    /* stable step code, never NULL in a report */
    const char *text;    /* an English sentence for logs and ractl, never NULL */
    const char *item;    /* what the step is about (a print job, "sign"/"enc"), or NULL */
    int step_no, steps;  /* 1-based place among the operation's steps; 0 when not counted */
    int64_t done, total; /* units within the step (bytes, jobs, messages); total -1: unknown,
                            0: not counted */
    int percent;         /* 0..100 of the whole operation, never below an earlier report's */
} rk_progress;

/* Return 0 to go on, non-zero to cancel. */
typedef int (*rk_progress_fn)(void *arg, const rk_progress *p);

/* "enrol", "scan" ... for an RK_OP_*; "operation" for an unknown one. */
const char *rk_progress_op_name(int op);

/* What an operation keeps while it reports: the caller's callback, the
 * operation, its step count and the highest percentage told so far. */
typedef struct rk_progress_track {
    rk_progress_fn fn;
    void *arg;
    int op, steps;
    int last;      /* highest percent told, -1 before the first report */
    int cancelled; /* the callback asked to stop */
} rk_progress_track;

/* Starts tracking an operation op of steps steps (0: not counted) for fn
 * (may be NULL: then every report is a no-op that returns 0). */
void rk_progress_start(rk_progress_track *t, rk_progress_fn fn, void *arg, int op, int steps);

/* Reports p (its op, steps and a percent below the high-water mark are
 * filled in by t; percent -1 keeps the last one). 0 to go on; RK_ECANCELED
 * with the message "<op> cancelled before: <text>" if the callback returned
 * non-zero (or had done so before: cancelling is sticky). */
int rk_progress_tell(rk_progress_track *t, const rk_progress *p);

/* The same past the point of no return: the answer is ignored (the
 * cancellation is still remembered in t->cancelled). */
void rk_progress_note(rk_progress_track *t, const rk_progress *p);

/* 0, or RK_ECANCELED if the callback has asked to stop. */
int rk_progress_check(const rk_progress_track *t);

/* An inner operation's reports inside an outer one: hand rk_progress_sub_fn
 * and a pointer to this to the inner operation. Its 0..100 becomes lo..hi
 * of the outer operation, reported under the outer operation's op, step
 * code, step_no and item (the inner text, done and total are kept). A
 * cancel from the outer callback reaches the inner operation as a non-zero
 * answer. */
typedef struct rk_progress_sub {
    rk_progress_track *outer;
    int lo, hi;
    int step_no;
    const char *step;
    const char *item; /* NULL: the inner report's */
} rk_progress_sub;

int rk_progress_sub_fn(void *sub, const rk_progress *p);

#endif
