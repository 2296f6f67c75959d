/*
 * The job runner: long operations (enrolment, key initialisation, printing,
 * scanning, CMP, reading an ID card) run on worker threads while the UI
 * thread stays free; their progress and their end come back to the UI
 * thread through one completion queue, in fixed memory.
 *
 * The UI thread submits a job (a function and its argument), then either
 * polls rk_jobs_next() each frame, or sleeps until the queue's file
 * descriptor (rk_jobs_fd, an eventfd: readable while events wait) is
 * readable, or is woken by the wake callback (called on the worker thread
 * when an event was queued: an SDL loop pushes an SDL user event there, so
 * SDL_WaitEvent wakes without busy-waiting). It takes the events with
 * rk_jobs_next(): copies of the job's progress reports (util/progress.h)
 * and, last, exactly one RK_JOB_EV_DONE with the job's return code and its
 * error message. rk_jobs_cancel() asks a job to stop: its next progress
 * report answers "cancel", so the operation stops at its next boundary and
 * undoes what its contract says (an enrolment rolls back: ca/enrol.h); a
 * job not started yet ends at once with RK_ECANCELED, never having run.
 *
 * Fixed bounds: at most RK_JOBS_MAX jobs outstanding (queued, running, or
 * finished with their DONE event not yet taken; more are refused with
 * RK_EBUSY); at most RK_JOBS_EVENTS progress events waiting. When the UI
 * falls behind, a job's newest report replaces its previous one still
 * waiting (or is dropped if it has none waiting), and the next event of
 * that job counts what was lost in `dropped`: percentages stay monotonic
 * and the DONE event is never lost (room for it is reserved at submit).
 *
 * Threads and the database: core functions are synchronous and use one
 * database connection per thread. Each worker opens its own (the
 * worker_open hook, called on the worker thread before its first job; a
 * branch opens its database and ledger there) and its jobs reach it with
 * rk_job_worker(). A job must not use the UI thread's connection, ledger or
 * token context while it runs; the UI thread must not touch what it handed
 * to a running job (its argument, a key it opened) until that job's DONE
 * event arrives. A job's argument belongs to the submitter and must stay
 * valid until the DONE event is taken (or rk_jobs_free() returned).
 * rk_jobs_* are called from the UI thread (one thread); rk_job_* from the
 * job on its worker.
 */
#ifndef RK_JOBS_H
#define RK_JOBS_H

#include <stdint.h>

#include "util/progress.h"

#define RK_JOBS_MAX         16 /* jobs outstanding at once */
#define RK_JOBS_EVENTS      64 /* progress events waiting for the UI thread */
#define RK_JOBS_WORKERS_MAX 4
#define RK_JOB_NAME_MAX     32
#define RK_JOB_STEP_MAX     24
#define RK_JOB_TEXT_MAX     160
#define RK_JOB_ITEM_MAX     64
#define RK_JOB_MSG_MAX      1024

typedef struct rk_jobs rk_jobs;
typedef struct rk_job rk_job; /* a running job, as its function sees it */

/* A job: runs on a worker thread; returns 0 or a negative RK_E* with its
 * message set (rk_err_set), which the DONE event carries. */
typedef int (*rk_job_fn)(rk_job *job, void *arg);

typedef struct rk_jobs_opts {
    int workers; /* 1..RK_JOBS_WORKERS_MAX; 0: 1 */
    /* Called on each worker thread before its first job (again before the
     * next job if it failed: that job then ends with its error): opens
     * what the thread's jobs use, such as its own database connection and
     * ledger, into *ctx (rk_job_worker). worker_close is called on that
     * thread when it ends. Both may be NULL. */
    int (*worker_open)(void **ctx, void *arg);
    void (*worker_close)(void *ctx, void *arg);
    /* Called on the worker thread after each job that ran on an opened
     * worker, before its DONE event is queued: lets go of what the job
     * took of the thread's context (a device shared between workers). May
     * be NULL. */
    void (*job_end)(void *ctx, void *arg);
    /* Called on the worker thread before each job that runs on an opened
     * worker: between jobs, the worker's context may take up what changed
     * (a new configuration). May be NULL. */
    void (*job_begin)(void *ctx, void *arg);
    void *worker_arg;
    /* Called on a worker thread each time an event was queued; must be
     * quick and thread-safe (SDL_PushEvent is). May be NULL. */
    void (*wake)(void *arg);
    void *wake_arg;
} rk_jobs_opts;

/* Starts the workers. The runner is the caller's (rk_jobs_free). */
int rk_jobs_new(rk_jobs **out, const rk_jobs_opts *o);

/* Cancels every job, waits for the running ones to return, closes the
 * workers (worker_close on each thread) and frees; events not taken are
 * dropped and jobs not started never run. NULL does nothing. */
void rk_jobs_free(rk_jobs *j);

/* Queues fn(job, arg) named name (for logs and events, cut to
 * RK_JOB_NAME_MAX - 1 bytes); *id (may be NULL) receives its id (never 0,
 * never reused). RK_EBUSY when RK_JOBS_MAX jobs are outstanding. */
int rk_jobs_submit(rk_jobs *j, uint64_t *id, const char *name, rk_job_fn fn, void *arg);

/* Asks job id to stop (see above). RK_ENOTFOUND if it has ended already
 * (its DONE event queued) or never existed. */
int rk_jobs_cancel(rk_jobs *j, uint64_t id);

/* Readable (POLLIN) while events wait; stays the runner's. */
int rk_jobs_fd(const rk_jobs *j);

enum { RK_JOB_EV_PROGRESS = 1, RK_JOB_EV_DONE = 2 };

typedef struct rk_job_event {
    int kind; /* RK_JOB_EV_* */
    uint64_t id;
    char name[RK_JOB_NAME_MAX];
    int dropped; /* this job's progress reports lost before this event */
    /* RK_JOB_EV_PROGRESS: a copy of the report (strings cut to size) */
    int op, step_no, steps, percent;
    int64_t done, total;
    char step[RK_JOB_STEP_MAX], text[RK_JOB_TEXT_MAX], item[RK_JOB_ITEM_MAX];
    /* RK_JOB_EV_DONE */
    int rc;                       /* the job's return code */
    int cancel_asked;             /* rk_jobs_cancel was called for it */
    char message[RK_JOB_MSG_MAX]; /* the job's error message when rc != 0 */
} rk_job_event;

/* Takes the oldest event into *ev without waiting: 1 if there was one, 0
 * if none. A job's events come in the order it made them, its DONE last. */
int rk_jobs_next(rk_jobs *j, rk_job_event *ev);

/* The same, waiting up to timeout_ms (-1: without limit) for an event. */
int rk_jobs_wait(rk_jobs *j, rk_job_event *ev, int timeout_ms);

/* Jobs outstanding (queued, running, or with their DONE event waiting). */
int rk_jobs_outstanding(rk_jobs *j);

/* ---- inside a job (on its worker thread) ---------------------------------- */

/* An rk_progress_fn: hand rk_job_progress and the job to a long operation.
 * Queues a copy of the report for the UI thread; answers 1 (cancel) once
 * the job was asked to stop, else 0. */
int rk_job_progress(void *job, const rk_progress *p);

/* 1 if the job was asked to stop (for jobs that check between operations). */
int rk_job_cancelled(const rk_job *job);

/* The worker's context from worker_open (NULL without the hook). */
void *rk_job_worker(const rk_job *job);

uint64_t rk_job_id(const rk_job *job);

#endif
