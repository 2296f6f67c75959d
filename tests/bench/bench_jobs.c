/*
 * Benchmark of what a long-running program (the kiosk) pays each turn of
 * its loop to stay current and responsive:
 *   1. rk_db_changed() on a branch database, with nothing new and right
 *      after another connection's commit (the cost of asking every turn);
 *   2. the job runner: submit to DONE taken for an empty job (the UI
 *      thread sleeping in poll() on the queue's descriptor), and what a
 *      progress report costs the worker while the UI thread drains.
 * Prints figures; asserts nothing. Usage: bench_jobs [ROUNDS] (default
 * 100000).
 */
#include "db/db.h"
#include "util/err.h"
#include "util/jobs.h"

#include "benchlib.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what)
{
    fprintf(stderr, "bench_jobs: %s: %s\n", what, rk_err_msg());
    exit(1);
}

static void bench_changed(const char *dir, int rounds)
{
    char path[600];
    rk_db *a, *b;
    snprintf(path, sizeof path, "%s/bench.db", dir);
    if (rk_db_open(&a, path, RK_DB_CREATE) || rk_db_open(&b, path, 0) ||
        rk_db_exec(a, "CREATE TABLE t(x INTEGER)"))
        die("database");
    double *idle = calloc((size_t)rounds, sizeof(double));
    int n_after = rounds / 100 > 10 ? rounds / 100 : 10;
    double *after = calloc((size_t)n_after, sizeof(double));
    if (!idle || !after) die("memory");
    for (int i = 0; i < rounds; i++) {
        double t0 = rk_bench_now_ms();
        if (rk_db_changed(a) != 0) die("a change nobody made");
        idle[i] = rk_bench_now_ms() - t0;
    }
    for (int i = 0; i < n_after; i++) {
        if (rk_db_exec(b, "INSERT INTO t VALUES (1)")) die("insert");
        double t0 = rk_bench_now_ms();
        if (rk_db_changed(a) != 1) die("a change not noticed");
        after[i] = rk_bench_now_ms() - t0;
    }
    printf("rk_db_changed, nothing new: median %.2f us, min %.2f us over %d calls\n",
           rk_bench_median(idle, rounds) * 1000, rk_bench_minimum(idle, rounds) * 1000, rounds);
    printf("rk_db_changed, after another connection's commit: median %.2f us over %d calls\n",
           rk_bench_median(after, n_after) * 1000, n_after);
    free(idle);
    free(after);
    rk_db_close(b);
    rk_db_close(a);
}

static int empty_job(rk_job *job, void *arg)
{
    (void)job;
    (void)arg;
    return 0;
}

static int reporting_job(rk_job *job, void *arg)
{
    int n = *(int *)arg;
    rk_progress_track pt;
    rk_progress_start(&pt, rk_job_progress, job, RK_OP_JOB, 0);
    for (int i = 0; i < n; i++)
        if (rk_progress_tell(&pt, &(rk_progress){.step = "x", .text = "bench", .done = i}))
            return RK_ECANCELED;
    return 0;
}

/* Sleeps on the descriptor until job id's DONE; the events taken. */
static int until_done(rk_jobs *j, uint64_t id)
{
    rk_job_event ev;
    int events = 0;
    for (;;) {
        struct pollfd p = {rk_jobs_fd(j), POLLIN, 0};
        if (poll(&p, 1, 10000) != 1) die("no event");
        while (rk_jobs_next(j, &ev)) {
            events++;
            if (ev.kind == RK_JOB_EV_DONE && ev.id == id) return events;
        }
    }
}

static void bench_runner(int rounds)
{
    rk_jobs *j;
    uint64_t id;
    if (rk_jobs_new(&j, NULL)) die("job runner");
    int n = rounds / 100 > 100 ? rounds / 100 : 100;
    double *rt = calloc((size_t)n, sizeof(double));
    if (!rt) die("memory");
    for (int i = 0; i < n; i++) {
        double t0 = rk_bench_now_ms();
        if (rk_jobs_submit(j, &id, "empty", empty_job, NULL)) die("submit");
        until_done(j, id);
        rt[i] = rk_bench_now_ms() - t0;
    }
    printf("job runner, submit to DONE taken (empty job, UI in poll): median %.1f us, min %.1f "
           "us over %d jobs\n",
           rk_bench_median(rt, n) * 1000, rk_bench_minimum(rt, n) * 1000, n);
    int reports = rounds;
    double t0 = rk_bench_now_ms();
    if (rk_jobs_submit(j, &id, "reports", reporting_job, &reports)) die("submit");
    int events = until_done(j, id);
    double ms = rk_bench_now_ms() - t0;
    printf("job runner, %d progress reports drained as they came: %.2f us a report, %d events "
           "reached the UI thread (the rest coalesced)\n",
           reports, ms * 1000 / reports, events - 1);
    free(rt);
    rk_jobs_free(j);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 100000;
    char dir[] = "/tmp/rkbench.XXXXXX", cmd[600];
    if (rounds < 10) rounds = 10;
    if (!mkdtemp(dir)) return 1;
    bench_changed(dir, rounds);
    bench_runner(rounds);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
