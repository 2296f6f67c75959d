/*
 * Benchmark of what a long-running program (the kiosk) pays each turn of
 * its loop to stay current and responsive:
 *   1. rk_db_changed() on a branch database, with nothing new and right
 *      after another connection's commit (the cost of asking every turn);
 * Prints figures; asserts nothing. Usage: bench_jobs [ROUNDS] (default
 * 100000).
 */
#include "db/db.h"
#include "util/err.h"

#include "benchlib.h"

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

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 100000;
    char dir[] = "/tmp/rkbench.XXXXXX", cmd[600];
    if (rounds < 10) rounds = 10;
    if (!mkdtemp(dir)) return 1;
    bench_changed(dir, rounds);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
