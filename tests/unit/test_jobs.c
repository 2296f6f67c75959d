/*
 * Unit tests of the job runner (util/jobs.h): events come back in order
 * with the job's DONE last, carrying its code and message; the event
 * descriptor is readable exactly while events wait and the wake callback
 * fires; a running job is cancelled at its next report, a queued one ends
 * at once without running; the outstanding limit holds; a flood of
 * reports stays within the ring, keeps the newest and counts the rest;
 * each worker opens its own context on its own thread (and a failed open
 * fails only that job); freeing with jobs queued runs none of them.
 */
#include "test.h"

#include "util/err.h"
#include "util/jobs.h"

#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <time.h>

static int readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static int wait_readable(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static atomic_int g_wakes;
static void on_wake(void *arg)
{
    (void)arg;
    atomic_fetch_add(&g_wakes, 1);
}

/* Reports n steps, then returns rc (with a message when it fails). */
typedef struct counted {
    int n, rc;
    atomic_int ran, finished;
} counted;

static int counting_job(rk_job *job, void *arg)
{
    counted *c = arg;
    rk_progress_track pt;
    atomic_store(&c->ran, 1);
    rk_progress_start(&pt, rk_job_progress, job, RK_OP_JOB, c->n);
    for (int i = 0; i < c->n; i++) {
        char text[32];
        snprintf(text, sizeof text, "step %d", i + 1);
        int rc = rk_progress_tell(&pt, &(rk_progress){.step = "count",
                                                      .text = text,
                                                      .step_no = i + 1,
                                                      .percent = (i + 1) * 100 / c->n});
        if (rc) return rc;
    }
    atomic_store(&c->finished, 1);
    return c->rc ? rk_err_set(c->rc, "the job says no (%d)", c->n) : 0;
}

/* Takes events until job id's DONE (or a 10 s stall); counts its progress
 * events and checks their order. */
static void drain(rk_jobs *j, uint64_t id, int *progress, rk_job_event *done)
{
    rk_job_event ev;
    int last = -1;
    *progress = 0;
    memset(done, 0, sizeof *done);
    while (rk_jobs_wait(j, &ev, 10000)) {
        if (ev.id != id) continue;
        if (ev.kind == RK_JOB_EV_PROGRESS) {
            CHECK(ev.percent >= last);
            last = ev.percent;
            (*progress)++;
            continue;
        }
        *done = ev;
        return;
    }
    CHECK(!"no DONE event");
}

static void test_basics(void)
{
    rk_jobs *j;
    rk_jobs_opts o = {.workers = 2, .wake = on_wake};
    uint64_t a, b;
    int np;
    rk_job_event done;

    CHECK_INT(rk_jobs_new(&j, &(rk_jobs_opts){.workers = 9}), RK_EINVAL);
    CHECK_INT(rk_jobs_new(&j, &o), 0);
    CHECK(!readable(rk_jobs_fd(j)));
    counted ok = {.n = 5, .rc = 0}, bad = {.n = 3, .rc = RK_EDEVICE};
    CHECK_INT(rk_jobs_submit(j, &a, "ok", counting_job, &ok), 0);
    CHECK_INT(rk_jobs_submit(j, &b, "bad", counting_job, &bad), 0);
    CHECK(a != 0 && b != 0 && a != b);
    CHECK_INT(rk_jobs_submit(j, NULL, "none", NULL, NULL), RK_EINVAL);
    CHECK(wait_readable(rk_jobs_fd(j), 10000));
    /* Both jobs' events, each job's in order, its DONE last. */
    int np_a = 0, np_b = 0, last_a = 0, dones = 0;
    rk_job_event done_a, done_b;
    memset(&done_a, 0, sizeof done_a);
    memset(&done_b, 0, sizeof done_b);
    while (dones < 2 && rk_jobs_wait(j, &done, 10000)) {
        int is_a = done.id == a;
        if (done.kind == RK_JOB_EV_DONE) {
            dones++;
            if (is_a)
                done_a = done;
            else
                done_b = done;
            continue;
        }
        CHECK((is_a ? done_a.kind : done_b.kind) == 0); /* nothing after DONE */
        if (is_a) {
            np_a++;
            CHECK_INT(done.step_no, ++last_a);
        } else {
            np_b++;
        }
    }
    (void)np;
    CHECK_INT(np_a, 5);
    CHECK_INT(np_b, 3);
    CHECK_INT(done_a.rc, 0);
    CHECK_STR(done_a.name, "ok");
    CHECK_STR(done_a.message, "");
    CHECK_INT(done_b.rc, RK_EDEVICE);
    CHECK_STR(done_b.message, "the job says no (3)");
    CHECK_INT(done_b.cancel_asked, 0);
    /* Everything taken: the descriptor is quiet again, nothing outstanding. */
    rk_job_event ev;
    while (rk_jobs_next(j, &ev))
        ;
    CHECK(!readable(rk_jobs_fd(j)));
    CHECK_INT(rk_jobs_outstanding(j), 0);
    /* 8 reports and 2 DONEs woke us (the last wake may follow its event) */
    for (int i = 0; i < 1000 && atomic_load(&g_wakes) < 10; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    CHECK_INT(atomic_load(&g_wakes), 10);
    CHECK_INT(rk_jobs_wait(j, &ev, 20), 0);
    CHECK_INT(rk_jobs_cancel(j, a), RK_ENOTFOUND);
    rk_jobs_free(j);
    rk_jobs_free(NULL);
}

/* Reports until cancelled, after a gate the test opens. */
typedef struct looping {
    sem_t started;
    atomic_int reports;
} looping;

static int loop_job(rk_job *job, void *arg)
{
    looping *lp = arg;
    rk_progress_track pt;
    rk_progress_start(&pt, rk_job_progress, job, RK_OP_JOB, 0);
    sem_post(&lp->started);
    for (int i = 0; i < 100000; i++) {
        atomic_fetch_add(&lp->reports, 1);
        int rc = rk_progress_tell(
            &pt, &(rk_progress){.step = "spin", .text = "spinning", .percent = i / 1000});
        if (rc) return rc;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return rk_err_set(RK_EINTERNAL, "never cancelled");
}

static void test_cancel(void)
{
    rk_jobs *j;
    looping lp;
    counted queued = {.n = 2, .rc = 0};
    uint64_t run, wait;
    int np;
    rk_job_event done;

    sem_init(&lp.started, 0, 0);
    atomic_init(&lp.reports, 0);
    CHECK_INT(rk_jobs_new(&j, NULL), 0); /* one worker */
    CHECK_INT(rk_jobs_submit(j, &run, "loop", loop_job, &lp), 0);
    CHECK_INT(rk_jobs_submit(j, &wait, "queued", counting_job, &queued), 0);
    sem_wait(&lp.started);
    /* The queued job ends at once, never having run. */
    CHECK_INT(rk_jobs_cancel(j, wait), 0);
    drain(j, wait, &np, &done);
    CHECK_INT(done.rc, RK_ECANCELED);
    CHECK_INT(done.cancel_asked, 1);
    CHECK(strstr(done.message, "before it started") != NULL);
    CHECK_INT(np, 0);
    /* The running one stops at its next report. */
    CHECK_INT(rk_jobs_cancel(j, run), 0);
    drain(j, run, &np, &done);
    CHECK_INT(done.rc, RK_ECANCELED);
    CHECK(strstr(done.message, "cancelled") != NULL);
    CHECK(atomic_load(&lp.reports) < 100000);
    CHECK_INT(atomic_load(&queued.ran), 0);
    CHECK_INT(rk_jobs_cancel(j, run), RK_ENOTFOUND);
    rk_jobs_free(j);
    sem_destroy(&lp.started);
}

/* Waits for the gate, then returns. */
static int gated_job(rk_job *job, void *arg)
{
    (void)job;
    sem_wait((sem_t *)arg);
    return 0;
}

static void test_limits(void)
{
    rk_jobs *j;
    sem_t gate;
    uint64_t ids[RK_JOBS_MAX], extra;
    rk_job_event ev;

    sem_init(&gate, 0, 0);
    CHECK_INT(rk_jobs_new(&j, &(rk_jobs_opts){.workers = 2}), 0);
    for (int i = 0; i < RK_JOBS_MAX; i++)
        CHECK_INT(rk_jobs_submit(j, &ids[i], "gated", gated_job, &gate), 0);
    CHECK_INT(rk_jobs_submit(j, &extra, "one too many", gated_job, &gate), RK_EBUSY);
    CHECK_INT(rk_jobs_outstanding(j), RK_JOBS_MAX);
    /* A finished job holds its slot until its DONE is taken. */
    sem_post(&gate);
    CHECK(rk_jobs_wait(j, &ev, 10000) && ev.kind == RK_JOB_EV_DONE);
    CHECK_INT(rk_jobs_submit(j, &extra, "now fits", gated_job, &gate), 0);
    for (int i = 0; i < RK_JOBS_MAX; i++)
        sem_post(&gate);
    int dones = 0;
    while (dones < RK_JOBS_MAX && rk_jobs_wait(j, &ev, 10000))
        dones += ev.kind == RK_JOB_EV_DONE;
    CHECK_INT(dones, RK_JOBS_MAX);
    CHECK_INT(rk_jobs_outstanding(j), 0);
    rk_jobs_free(j);
    sem_destroy(&gate);
}

static void test_flood(void)
{
    rk_jobs *j;
    counted c = {.n = 1000, .rc = 0};
    uint64_t id;
    rk_job_event ev;
    int progress = 0, dropped = 0, last = -1, last_step = 0, done = 0, events = 0;

    CHECK_INT(rk_jobs_new(&j, NULL), 0);
    CHECK_INT(rk_jobs_submit(j, &id, "flood", counting_job, &c), 0);
    /* Nothing is read until the job made all its reports. */
    while (!atomic_load(&c.finished)) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    while (rk_jobs_wait(j, &ev, 10000)) {
        events++;
        dropped += ev.dropped;
        if (ev.kind == RK_JOB_EV_DONE) {
            done = 1;
            break;
        }
        progress++;
        CHECK(ev.percent >= last);
        last = ev.percent;
        last_step = ev.step_no;
    }
    CHECK_INT(done, 1);
    CHECK(events <= RK_JOBS_EVENTS + 1);
    CHECK_INT(progress + dropped, 1000);
    CHECK_INT(last_step, 1000); /* the newest report was kept */
    CHECK_INT(last, 100);
    rk_jobs_free(j);
}

/* Worker contexts: opened on the worker's own thread, one per worker. */
typedef struct wctx {
    pthread_t th;
    int n;
    int begun; /* job_begin calls */
} wctx;

static atomic_int g_opens, g_closes, g_fail_next, g_wrong_thread;

static int w_open(void **ctx, void *arg)
{
    (void)arg;
    if (atomic_exchange(&g_fail_next, 0)) return rk_err_set(RK_EDB, "no database today");
    wctx *w = calloc(1, sizeof *w);
    if (!w) return rk_err_oom();
    w->th = pthread_self();
    atomic_fetch_add(&g_opens, 1);
    *ctx = w;
    return 0;
}

static void w_close(void *ctx, void *arg)
{
    wctx *w = ctx;
    (void)arg;
    if (!pthread_equal(w->th, pthread_self())) atomic_fetch_add(&g_wrong_thread, 1);
    atomic_fetch_add(&g_closes, 1);
    free(w);
}

/* Before each job, on the worker's thread. */
static void w_begin(void *ctx, void *arg)
{
    wctx *w = ctx;
    (void)arg;
    if (!pthread_equal(w->th, pthread_self())) atomic_fetch_add(&g_wrong_thread, 1);
    w->begun++;
}

static int where_job(rk_job *job, void *arg)
{
    wctx *w = rk_job_worker(job);
    (void)arg;
    if (!w) return rk_err_set(RK_EINTERNAL, "no worker context");
    if (!pthread_equal(w->th, pthread_self()))
        return rk_err_set(RK_EINTERNAL, "another thread's context");
    if (w->begun != w->n + 1)
        return rk_err_set(RK_EINTERNAL, "job_begin ran %d times before job %d", w->begun, w->n + 1);
    w->n++;
    return 0;
}

static void test_workers(void)
{
    rk_jobs *j;
    rk_jobs_opts o = {
        .workers = 2, .worker_open = w_open, .worker_close = w_close, .job_begin = w_begin};
    rk_job_event ev;
    uint64_t id;
    int np;

    atomic_store(&g_fail_next, 1);
    CHECK_INT(rk_jobs_new(&j, &o), 0);
    CHECK_INT(rk_jobs_submit(j, &id, "first", where_job, NULL), 0);
    drain(j, id, &np, &ev);
    CHECK_INT(ev.rc, RK_EDB);
    CHECK(strstr(ev.message, "no database today") != NULL);
    int ok = 0;
    for (int i = 0; i < 20; i++) {
        CHECK_INT(rk_jobs_submit(j, &id, "where", where_job, NULL), 0);
        drain(j, id, &np, &ev);
        if (ev.rc) fprintf(stderr, "where: %s\n", ev.message);
        ok += ev.rc == 0;
    }
    CHECK_INT(ok, 20);
    CHECK(atomic_load(&g_opens) >= 1 && atomic_load(&g_opens) <= 2);
    rk_jobs_free(j);
    CHECK_INT(atomic_load(&g_closes), atomic_load(&g_opens));
    CHECK_INT(atomic_load(&g_wrong_thread), 0);
}

/* Freed while one job runs and one waits: the running one is cancelled,
 * the waiting one never runs. */
static void test_free_queued(void)
{
    rk_jobs *j;
    looping lp;
    counted never = {.n = 1, .rc = 0};
    sem_init(&lp.started, 0, 0);
    atomic_init(&lp.reports, 0);
    CHECK_INT(rk_jobs_new(&j, NULL), 0);
    CHECK_INT(rk_jobs_submit(j, NULL, "loop", loop_job, &lp), 0);
    CHECK_INT(rk_jobs_submit(j, NULL, "never", counting_job, &never), 0);
    sem_wait(&lp.started);
    rk_jobs_free(j);
    CHECK_INT(atomic_load(&never.ran), 0);
    CHECK(atomic_load(&lp.reports) < 100000);
    sem_destroy(&lp.started);
}

int main(void)
{
    test_basics();
    test_cancel();
    test_limits();
    test_flood();
    test_workers();
    test_free_queued();
    return rk_test_done();
}
