/*
 * Benchmark of the sync (issue 14's acceptance), printed in one run:
 *
 *  1. A busy branch's day over loopback with a bandwidth cap: 2,000 orders
 *     (their outbox events) and 2,000 archives of 3 MB pushed to a real
 *     rahq by one `rasync --once` with `[sync] bandwidth` set. Prints the
 *     pass's wall time against the least time the cap allows (bytes ÷
 *     bandwidth); target ≤ 1.25×.
 *  2. A cut in the middle of an archive: the fault proxy resets the
 *     connection halfway through the upload's second chunk; prints the
 *     bytes sent again (rasync's own count and the proxy's); target ≤ one
 *     chunk.
 *
 * The set-up and the runs are tests/bench/bench_sync.sh (the sync tests'
 * helpers); this program gives it the build's programs, reads its
 * "figure NAME VALUE" lines and prints the figures and their targets.
 *
 * usage: bench_sync [MB_PER_S [ORDERS [ARCHIVES [ARCHIVE_BYTES]]]]
 * (defaults 15 (10^6 bytes per second), 2000, 2000, 3145728). The full day
 * moves 6.3 GB, needs twice that in free space under $TMPDIR for a while,
 * and takes about 9 minutes at 15 MB/s; smaller arguments make a quick
 * look (tests/sync/bench_smoke.sh runs the same script small, as a test).
 * The cap must stay below what the machine moves uncapped, or the figure
 * measures the machine, not the pacing: the 2-core development VM moved
 * 12 MB/s through the whole stack (TLS, rahq's SHA-256 and fsyncs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RK_BENCH_BUILD_DIR
#define RK_BENCH_BUILD_DIR "build"
#endif
#ifndef RK_BENCH_SOURCE_DIR
#define RK_BENCH_SOURCE_DIR "."
#endif

enum { MAXF = 32 };
static char names[MAXF][32];
static double values[MAXF];
static int nf;

static double fig(const char *name)
{
    for (int i = 0; i < nf; i++)
        if (!strcmp(names[i], name)) return values[i];
    fprintf(stderr, "bench_sync: the run printed no figure %s\n", name);
    exit(1);
}

static void set_path(const char *var, const char *rel)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", RK_BENCH_BUILD_DIR, rel);
    setenv(var, p, 1);
}

int main(int argc, char **argv)
{
    const char *mbps = argc > 1 ? argv[1] : "15";
    char bps[32];
    snprintf(bps, sizeof bps, "%lld", (long long)(atof(mbps) * 1e6));
    setenv("BENCH_BPS", bps, 1);
    if (argc > 2) setenv("BENCH_ORDERS", argv[2], 1);
    if (argc > 3) setenv("BENCH_ARCHIVES", argv[3], 1);
    if (argc > 4) setenv("BENCH_ARCHIVE_BYTES", argv[4], 1);
    set_path("RACTL", "app/ctl/ractl");
    set_path("RASYNC", "sync/rasync");
    set_path("RAHQ", "sync/hq/rahq");
    set_path("SYNC_LOAD", "tests/sync/sync_load");
    setenv("RK_BUILD_DIR", RK_BENCH_BUILD_DIR, 1);
    setenv("RK_SOURCE_DIR", RK_BENCH_SOURCE_DIR, 1);

    char cmd[4096];
    snprintf(cmd, sizeof cmd, "bash %s/tests/bench/bench_sync.sh", RK_BENCH_SOURCE_DIR);
    printf("bench_sync: a busy branch's day at %s MB/s, then a cut mid-archive (minutes)\n", mbps);
    fflush(stdout);
    FILE *f = popen(cmd, "r");
    if (!f) {
        perror("bench_sync: popen");
        return 1;
    }
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char name[32];
        double v;
        if (nf < MAXF && sscanf(line, "figure %31s %lf", name, &v) == 2) {
            snprintf(names[nf], sizeof names[nf], "%s", name);
            values[nf++] = v;
        } else
            fputs(line, stdout);
    }
    int st = pclose(f);
    if (st != 0) {
        fprintf(stderr, "bench_sync: the run failed (status %d)\n", st);
        return 1;
    }
    double bytes = fig("bytes"), cap = fig("bps"), secs = fig("day_seconds");
    double ideal = bytes / cap;
    printf("sync day: %.0f events, %.0f archives, %.1f MB in %.1f s at a cap of %.1f MB/s\n",
           fig("events"), fig("archives"), bytes / 1e6, secs, cap / 1e6);
    printf("  bytes / bandwidth  %8.1f s\n", ideal);
    printf("  measured           %8.1f s  = %.3fx  (target <= 1.25x)\n", secs, secs / ideal);
    printf("  effective rate     %8.1f MB/s; bytes sent again %.0f\n", bytes / secs / 1e6,
           fig("day_again"));
    printf("cut mid-archive (%.0f bytes, chunk %.0f): sent again %.0f bytes (rasync), %.0f "
           "(proxy) = %.2f chunk  (target <= 1 chunk)\n",
           fig("cut_bytes"), fig("cut_chunk"), fig("cut_again"), fig("cut_proxy_again"),
           fig("cut_proxy_again") / fig("cut_chunk"));
    return 0;
}
