/*
 * The job runner (see jobs.h): a fixed table of job slots, a FIFO of
 * queued slots, worker threads waiting on a condition variable, and a ring
 * of events for the UI thread behind one mutex, with an eventfd that is
 * readable exactly while the ring holds events.
 */
#define _GNU_SOURCE
#include "jobs.h"

#include "err.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define RING (RK_JOBS_EVENTS + RK_JOBS_MAX) /* progress, plus a DONE per job */

enum { SLOT_FREE = 0, SLOT_QUEUED, SLOT_RUNNING, SLOT_ENDED };

typedef struct worker {
    rk_jobs *owner;
    pthread_t th;
    void *ctx;
    int opened, started;
} worker;

struct rk_job {
    rk_jobs *owner;
    int state; /* SLOT_* (under the mutex) */
    uint64_t id;
    char name[RK_JOB_NAME_MAX];
    rk_job_fn fn;
    void *arg;
    atomic_int cancel;
    int dropped; /* progress lost and not yet told (under the mutex) */
    worker *w;   /* while running */
};

struct rk_jobs {
    pthread_mutex_t mu;
    pthread_cond_t work, events;
    rk_jobs_opts o;
    rk_job slots[RK_JOBS_MAX];
    int queue[RK_JOBS_MAX]; /* queued slot indices, FIFO */
    int qhead, qn;
    rk_job_event ring[RING];
    int rhead, rn, progress_n;
    uint64_t next_id;
    int efd, stopping;
    worker workers[RK_JOBS_WORKERS_MAX];
    int nworkers;
};

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

/* Appends an event (mutex held); the ring has room (the caller checked). */
static rk_job_event *ring_push(rk_jobs *j)
{
    rk_job_event *ev = &j->ring[(j->rhead + j->rn) % RING];
    j->rn++;
    uint64_t one = 1;
    if (write(j->efd, &one, sizeof one) < 0) { /* EAGAIN: the counter is set already */
    }
    pthread_cond_broadcast(&j->events);
    return ev;
}

/* Queues job's DONE event (mutex held): room for it was reserved. */
static void push_done(rk_jobs *j, rk_job *job, int rc, const char *msg)
{
    rk_job_event *ev = ring_push(j);
    memset(ev, 0, sizeof *ev);
    ev->kind = RK_JOB_EV_DONE;
    ev->id = job->id;
    copy(ev->name, sizeof ev->name, job->name);
    ev->dropped = job->dropped;
    ev->rc = rc;
    ev->cancel_asked = atomic_load(&job->cancel);
    if (rc) copy(ev->message, sizeof ev->message, msg);
    job->dropped = 0;
    job->state = SLOT_ENDED;
}

static void wake(rk_jobs *j)
{
    if (j->o.wake) j->o.wake(j->o.wake_arg);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    rk_jobs *j = w->owner;

    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (!j->stopping && j->qn == 0)
            pthread_cond_wait(&j->work, &j->mu);
        if (j->stopping) break;
        rk_job *job = &j->slots[j->queue[j->qhead]];
        j->qhead = (j->qhead + 1) % RK_JOBS_MAX;
        j->qn--;
        job->state = SLOT_RUNNING;
        job->w = w;
        pthread_mutex_unlock(&j->mu);

        int rc = 0;
        rk_err_clear();
        if (!w->opened && j->o.worker_open && !atomic_load(&job->cancel)) {
            rc = j->o.worker_open(&w->ctx, j->o.worker_arg);
            if (rc)
                rk_err_wrap(rc, "job %s: the worker cannot start", job->name);
            else
                w->opened = 1;
        }
        if (!rc && w->opened && j->o.job_begin) j->o.job_begin(w->ctx, j->o.worker_arg);
        if (!rc)
            rc = atomic_load(&job->cancel)
                     ? rk_err_set(RK_ECANCELED, "job %s cancelled before it started", job->name)
                     : job->fn(job, job->arg);
        if (rc && !rk_err_msg()[0]) rk_err_set(rc, "job %s failed: %s", job->name, rk_err_name(rc));
        if (w->opened && j->o.job_end) j->o.job_end(w->ctx, j->o.worker_arg);

        pthread_mutex_lock(&j->mu);
        push_done(j, job, rc, rk_err_msg());
        job->w = NULL;
        pthread_mutex_unlock(&j->mu);
        wake(j);
        pthread_mutex_lock(&j->mu);
    }
    pthread_mutex_unlock(&j->mu);
    if (w->opened && j->o.worker_close) j->o.worker_close(w->ctx, j->o.worker_arg);
    return NULL;
}

void rk_jobs_free(rk_jobs *j)
{
    if (!j) return;
    pthread_mutex_lock(&j->mu);
    j->stopping = 1;
    for (int i = 0; i < RK_JOBS_MAX; i++)
        atomic_store(&j->slots[i].cancel, 1);
    pthread_cond_broadcast(&j->work);
    pthread_mutex_unlock(&j->mu);
    for (int i = 0; i < j->nworkers; i++)
        if (j->workers[i].started) pthread_join(j->workers[i].th, NULL);
    if (j->efd >= 0) close(j->efd);
    pthread_cond_destroy(&j->work);
    pthread_cond_destroy(&j->events);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

int rk_jobs_new(rk_jobs **out, const rk_jobs_opts *o)
{
    rk_jobs *j;
    pthread_condattr_t ca;
    int n = o && o->workers ? o->workers : 1;

    *out = NULL;
    if (n < 1 || n > RK_JOBS_WORKERS_MAX)
        return rk_err_set(RK_EINVAL, "the job runner takes 1 to %d workers, not %d",
                          RK_JOBS_WORKERS_MAX, n);
    if (!(j = calloc(1, sizeof *j))) return rk_err_oom();
    if (o) j->o = *o;
    j->next_id = 1;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->work, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->events, &ca);
    pthread_condattr_destroy(&ca);
    for (int i = 0; i < RK_JOBS_MAX; i++)
        atomic_init(&j->slots[i].cancel, 0);
    j->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (j->efd < 0) {
        int e = errno;
        rk_jobs_free(j);
        return rk_err_set(RK_EIO, "cannot make the job runner's event descriptor: %s", strerror(e));
    }
    for (int i = 0; i < n; i++) {
        worker *w = &j->workers[i];
        w->owner = j;
        j->nworkers = i + 1;
        int e = pthread_create(&w->th, NULL, worker_main, w);
        if (e) {
            rk_jobs_free(j);
            return rk_err_set(RK_ENOMEM, "cannot start a job worker thread: %s", strerror(e));
        }
        w->started = 1;
    }
    *out = j;
    return 0;
}

int rk_jobs_submit(rk_jobs *j, uint64_t *id, const char *name, rk_job_fn fn, void *arg)
{
    int slot = -1;
    if (!fn) return rk_err_set(RK_EINVAL, "a job needs a function");
    pthread_mutex_lock(&j->mu);
    for (int i = 0; i < RK_JOBS_MAX && slot < 0; i++)
        if (j->slots[i].state == SLOT_FREE) slot = i;
    if (slot < 0) {
        pthread_mutex_unlock(&j->mu);
        return rk_err_set(RK_EBUSY,
                          "%d jobs are outstanding already (the limit): wait for one "
                          "to end",
                          RK_JOBS_MAX);
    }
    rk_job *job = &j->slots[slot];
    job->owner = j;
    job->state = SLOT_QUEUED;
    job->id = j->next_id++;
    copy(job->name, sizeof job->name, name ? name : "job");
    job->fn = fn;
    job->arg = arg;
    job->dropped = 0;
    job->w = NULL;
    atomic_store(&job->cancel, 0);
    j->queue[(j->qhead + j->qn) % RK_JOBS_MAX] = slot;
    j->qn++;
    if (id) *id = job->id;
    pthread_cond_signal(&j->work);
    pthread_mutex_unlock(&j->mu);
    return 0;
}

int rk_jobs_cancel(rk_jobs *j, uint64_t id)
{
    int rc = 0, ended_now = 0;
    pthread_mutex_lock(&j->mu);
    rk_job *job = NULL;
    for (int i = 0; i < RK_JOBS_MAX && !job; i++)
        if (j->slots[i].state != SLOT_FREE && j->slots[i].id == id) job = &j->slots[i];
    if (!job || job->state == SLOT_ENDED) {
        rc = rk_err_set(RK_ENOTFOUND, "no job %llu is running or waiting", (unsigned long long)id);
    } else {
        atomic_store(&job->cancel, 1);
        if (job->state == SLOT_QUEUED) { /* out of the queue, ended now */
            int k = 0, keep[RK_JOBS_MAX];
            for (int i = 0; i < j->qn; i++) {
                int s = j->queue[(j->qhead + i) % RK_JOBS_MAX];
                if (&j->slots[s] != job) keep[k++] = s;
            }
            for (int i = 0; i < k; i++)
                j->queue[(j->qhead + i) % RK_JOBS_MAX] = keep[i];
            j->qn = k;
            char msg[RK_JOB_NAME_MAX + 48];
            snprintf(msg, sizeof msg, "job %s cancelled before it started", job->name);
            push_done(j, job, RK_ECANCELED, msg);
            ended_now = 1;
        }
    }
    pthread_mutex_unlock(&j->mu);
    if (ended_now) wake(j);
    return rc;
}

int rk_jobs_fd(const rk_jobs *j)
{
    return j->efd;
}

/* Takes the ring's oldest event (mutex held, rn > 0). */
static void take(rk_jobs *j, rk_job_event *ev)
{
    *ev = j->ring[j->rhead];
    j->rhead = (j->rhead + 1) % RING;
    j->rn--;
    if (ev->kind == RK_JOB_EV_PROGRESS) {
        j->progress_n--;
    } else {
        for (int i = 0; i < RK_JOBS_MAX; i++)
            if (j->slots[i].state == SLOT_ENDED && j->slots[i].id == ev->id)
                j->slots[i].state = SLOT_FREE;
    }
    if (j->rn == 0) {
        uint64_t v;
        if (read(j->efd, &v, sizeof v) < 0) { /* EAGAIN: nothing to clear */
        }
    }
}

int rk_jobs_next(rk_jobs *j, rk_job_event *ev)
{
    int got = 0;
    pthread_mutex_lock(&j->mu);
    if (j->rn > 0) {
        take(j, ev);
        got = 1;
    }
    pthread_mutex_unlock(&j->mu);
    return got;
}

int rk_jobs_wait(rk_jobs *j, rk_job_event *ev, int timeout_ms)
{
    struct timespec until;
    int got = 0;
    clock_gettime(CLOCK_MONOTONIC, &until);
    if (timeout_ms > 0) {
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&j->mu);
    while (j->rn == 0 && timeout_ms != 0) {
        int e = timeout_ms < 0 ? pthread_cond_wait(&j->events, &j->mu)
                               : pthread_cond_timedwait(&j->events, &j->mu, &until);
        if (e == ETIMEDOUT) break;
    }
    if (j->rn > 0) {
        take(j, ev);
        got = 1;
    }
    pthread_mutex_unlock(&j->mu);
    return got;
}

int rk_jobs_outstanding(rk_jobs *j)
{
    int n = 0;
    pthread_mutex_lock(&j->mu);
    for (int i = 0; i < RK_JOBS_MAX; i++)
        n += j->slots[i].state != SLOT_FREE;
    pthread_mutex_unlock(&j->mu);
    return n;
}

static void fill_progress(rk_job_event *ev, const rk_job *job, const rk_progress *p)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = RK_JOB_EV_PROGRESS;
    ev->id = job->id;
    copy(ev->name, sizeof ev->name, job->name);
    ev->op = p->op;
    ev->step_no = p->step_no;
    ev->steps = p->steps;
    ev->percent = p->percent;
    ev->done = p->done;
    ev->total = p->total;
    copy(ev->step, sizeof ev->step, p->step);
    copy(ev->text, sizeof ev->text, p->text);
    copy(ev->item, sizeof ev->item, p->item);
}

int rk_job_progress(void *arg, const rk_progress *p)
{
    rk_job *job = arg;
    rk_jobs *j = job->owner;
    int queued = 1;

    pthread_mutex_lock(&j->mu);
    if (j->progress_n < RK_JOBS_EVENTS) {
        rk_job_event *ev = ring_push(j);
        fill_progress(ev, job, p);
        ev->dropped = job->dropped;
        job->dropped = 0;
        j->progress_n++;
    } else {
        /* Full: the job's newest waiting report gives way to this one. */
        rk_job_event *last = NULL;
        for (int i = j->rn - 1; i >= 0 && !last; i--) {
            rk_job_event *e = &j->ring[(j->rhead + i) % RING];
            if (e->id == job->id && e->kind == RK_JOB_EV_PROGRESS) last = e;
        }
        if (last) {
            int dropped = last->dropped + 1;
            fill_progress(last, job, p);
            last->dropped = dropped;
        } else {
            job->dropped++;
            queued = 0;
        }
    }
    pthread_mutex_unlock(&j->mu);
    if (queued) wake(j);
    return atomic_load(&job->cancel) != 0;
}

int rk_job_cancelled(const rk_job *job)
{
    return atomic_load(&job->cancel) != 0;
}

void *rk_job_worker(const rk_job *job)
{
    return job->w ? job->w->ctx : NULL;
}

uint64_t rk_job_id(const rk_job *job)
{
    return job->id;
}
