/*
 * An enrolment on the job runner's worker thread, as the kiosk will run
 * it (issue 11's acceptance), on real SoftHSM2 keys through app/p11lock
 * and the demo sub-CA:
 * - the worker opens its own database connection and ledger; this
 *   thread's connection notices the worker's commits (rk_db_changed);
 * - progress events come to this thread through the queue's descriptor
 *   (poll), in order, with percentages that never go back;
 * - cancelled mid-way (when the certificate is being written to the key)
 *   the job ends with RK_ECANCELED and the order is cleanly retriable: no
 *   certificate on the key or in the ledger, the one issued revoked, no
 *   open journal;
 * - the same order, submitted again, runs to the end: issued, both
 *   certificates on the key and in the ledger, "done" at 100 %.
 */
#include "enrol_fixture.h"

#include "util/jobs.h"

#include <poll.h>
#include <semaphore.h>
#include <time.h>

/* What a worker owns: its own connection and ledger. */
typedef struct worker_db {
    rk_db *db;
    rk_ledger *l;
} worker_db;

static int w_open(void **ctx, void *arg)
{
    worker_db *w = calloc(1, sizeof *w);
    (void)arg;
    if (!w) return rk_err_oom();
    int rc = rk_db_open(&w->db, conf->database, 0);
    if (!rc) rc = rk_ledger_open(&w->l, w->db, conf);
    if (rc) {
        rk_db_close(w->db);
        free(w);
        return rc;
    }
    *ctx = w;
    return 0;
}

static void w_close(void *ctx, void *arg)
{
    worker_db *w = ctx;
    (void)arg;
    rk_ledger_free(w->l);
    rk_db_close(w->db);
    free(w);
}

/* The job: an enrolment with its progress going to the queue. pause_at
 * ("step/item") holds the worker at that report until the test thread has
 * acted on it (opened the gate), so the cancel lands at that boundary. */
typedef struct enrol_job {
    rk_enrol_opts o;
    rk_enrol_result res;
    rk_job *job;
    const char *pause_at;
    int paused;
    sem_t gate;
} enrol_job;

static int enrol_progress(void *arg, const rk_progress *p)
{
    enrol_job *e = arg;
    char here[64];
    int stop = rk_job_progress(e->job, p);
    snprintf(here, sizeof here, "%s/%s", p->step, p->item ? p->item : "");
    if (e->pause_at && !e->paused && !strcmp(here, e->pause_at)) {
        struct timespec until;
        e->paused = 1;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 30;
        if (sem_timedwait(&e->gate, &until) != 0) fprintf(stderr, "the gate stayed shut\n");
        stop = rk_job_cancelled(e->job);
    }
    return stop;
}

static int enrol_job_fn(rk_job *job, void *arg)
{
    enrol_job *e = arg;
    worker_db *w = rk_job_worker(job);
    e->job = job;
    e->o.progress = enrol_progress;
    e->o.progress_arg = e;
    return rk_enrol_run(w->l, &ef_lily, ef_ctx, &ef_issuer.ops, &e->o, &e->res);
}

/* Plays the UI thread: sleeps on the descriptor, takes the events of job
 * id, cancels when it sees cancel_at ("step/item") and lets the worker go
 * on; returns the DONE event. Steps seen go into seen (n of them). */
static rk_job_event ui_loop(rk_jobs *j, uint64_t id, enrol_job *e, const char *cancel_at,
                            char seen[][40], int *n, int *backwards, int *last)
{
    rk_job_event ev;
    memset(&ev, 0, sizeof ev);
    *n = *backwards = 0;
    *last = -1;
    for (int turns = 0; turns < 100000; turns++) {
        struct pollfd p = {rk_jobs_fd(j), POLLIN, 0};
        if (poll(&p, 1, 30000) != 1) {
            CHECK(!"the queue's descriptor never became readable");
            break;
        }
        while (rk_jobs_next(j, &ev)) {
            if (ev.id != id) continue;
            if (ev.kind == RK_JOB_EV_DONE) return ev;
            if (ev.percent < *last) (*backwards)++;
            *last = ev.percent;
            char here[64];
            snprintf(here, sizeof here, "%s/%s", ev.step, ev.item);
            if (*n < 64) snprintf(seen[(*n)++], 40, "%s", here);
            if (cancel_at && !strcmp(here, cancel_at)) {
                CHECK_INT(rk_jobs_cancel(j, id), 0);
                sem_post(&e->gate);
            }
        }
    }
    CHECK(!"no DONE event");
    return ev;
}

static int seen_has(char seen[][40], int n, const char *what)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(seen[i], what)) return 1;
    return 0;
}

int main(void)
{
    char key[RK_TOKEN_SERIAL_MAX], ref[RK_ORDER_REF_MAX], seen[64][40];
    rk_jobs *j;
    uint64_t id;
    rk_order ord;
    int n, backwards, last, certs, privs, all, issued, not_revoked;

    enrol_setup();
    new_key(key, "Worker thread");
    paid_order(ref, "张工作");
    rk_jobs_opts jo = {.workers = 1, .worker_open = w_open, .worker_close = w_close};
    if (rk_jobs_new(&j, &jo)) ef_die("job runner");
    rk_db_changed(db); /* this thread's baseline */

    /* 1. Cancelled while the signing certificate is written to the key. */
    enrol_job e = {.o = enrol_opts(ref, key), .pause_at = "write/sign"};
    sem_init(&e.gate, 0, 0);
    CHECK_INT(rk_jobs_submit(j, &id, "enrol", enrol_job_fn, &e), 0);
    rk_job_event done = ui_loop(j, id, &e, "write/sign", seen, &n, &backwards, &last);
    CHECK_INT(done.kind, RK_JOB_EV_DONE);
    CHECK_INT(done.rc, RK_ECANCELED);
    CHECK_INT(done.cancel_asked, 1);
    CHECK(strstr(done.message, "rolled back") != NULL);
    CHECK_INT(e.paused, 1);
    CHECK_INT(backwards, 0);
    CHECK(seen_has(seen, n, "keygen/sign"));
    CHECK(seen_has(seen, n, "cert/sign"));
    CHECK(seen_has(seen, n, "rollback/"));
    CHECK(!seen_has(seen, n, "verify/sign"));
    CHECK(!seen_has(seen, n, "keygen/enc"));
    /* The worker's commits (journal, rollback) are news on this thread. */
    CHECK_INT(rk_db_changed(db), 1);
    CHECK_INT(rk_order_get(l, ref, &ord), 0);
    CHECK_STR(ord.state, "paid");
    CHECK_INT(ledger_certs(ref), 0);
    CHECK_INT(open_journals(ref), 0);
    key_objects(key, &certs, &privs, &all);
    CHECK_INT(all, 0);
    rolled_back_certs(ref, &issued, &not_revoked);
    CHECK_INT(issued, 1); /* the signing certificate was issued: now revoked */
    CHECK_INT(not_revoked, 0);
    sem_destroy(&e.gate);

    /* 2. The same order again, to the end. */
    enrol_job e2 = {.o = enrol_opts(ref, key)};
    sem_init(&e2.gate, 0, 0);
    CHECK_INT(rk_jobs_submit(j, &id, "enrol again", enrol_job_fn, &e2), 0);
    done = ui_loop(j, id, &e2, NULL, seen, &n, &backwards, &last);
    if (done.rc) fprintf(stderr, "enrol: %s\n", done.message);
    CHECK_INT(done.rc, 0);
    CHECK_INT(done.cancel_asked, 0);
    CHECK_INT(backwards, 0);
    CHECK_INT(last, 100);
    CHECK(n > 0 && !strcmp(seen[n - 1], "done/"));
    CHECK(seen_has(seen, n, "verify/enc"));
    CHECK_INT(e2.res.resumed, 0);
    CHECK(e2.res.cert_serial[0] && e2.res.enc_cert_serial[0]);
    CHECK_INT(rk_db_changed(db), 1);
    CHECK_INT(rk_order_get(l, ref, &ord), 0);
    CHECK_STR(ord.state, "issued");
    CHECK_INT(ledger_certs(ref), 2);
    CHECK_INT(open_journals(ref), 0);
    key_objects(key, &certs, &privs, &all);
    CHECK_INT(certs, 2);
    CHECK_INT(privs, 2);
    sem_destroy(&e2.gate);

    rk_jobs_free(j); /* closes the worker's connection on its thread */
    enrol_teardown();
    return rk_test_done();
}
