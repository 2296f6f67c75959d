/*
 * What each program costs before it does anything: the time from exec to
 * the end of `ractl --help` (and of the other programs' --help), and the
 * shared libraries each program loads, counted by the dynamic loader
 * itself (LD_TRACE_LOADED_OBJECTS, what ldd reads), with the heavy ones
 * named: the core's libraries by need keep cairo, pango, SANE and
 * xlsxwriter out of a program that does not print, scan or export.
 *
 * The programs are the ones this build made (paths compiled in from the
 * build, so it runs from any folder): ractl, rakiosk, and the sync
 * programs (rasync, rahq) once they exist. Figures only, never a test.
 * Usage: bench_programs [ROUNDS]   (default 40 exec rounds per program)
 */
#include "benchlib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RK_BENCH_PROGRAMS
#error "RK_BENCH_PROGRAMS (name=path|name=path...) comes from tests/CMakeLists.txt"
#endif

#define MAX_PROGRAMS 8

static const char *const HEAVY[] = {"libcairo",    "libpango",    "libsane",     "libxlsxwriter",
                                    "libglib",     "libgobject",  "libqrencode", "libp11.",
                                    "libharfbuzz", "libfreetype", "libSDL2",     "librime"};

/* Runs path with argv, stdout and stderr to out_fd (or /dev/null), and
 * with extra set in the environment ("NAME=value" or NULL). Exit status,
 * or -1. */
static int run(const char *path, char *const argv[], int out_fd, const char *extra)
{
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(out_fd >= 0 ? out_fd : null, 1);
        dup2(null, 2);
        dup2(null, 0);
        if (extra) putenv((char *)extra);
        execv(path, argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The dynamic loader's list of what path loads: *count files, and the
 * heavy ones' names into heavy. */
static int loaded(const char *path, int *count, char *heavy, size_t hn)
{
    char tmp[] = "/tmp/rkbenchprog.XXXXXX", line[1024];
    int fd = mkstemp(tmp);
    if (fd < 0) return -1;
    unlink(tmp);
    char *const argv[] = {(char *)path, NULL};
    int rc = run(path, argv, fd, "LD_TRACE_LOADED_OBJECTS=1");
    *count = 0;
    heavy[0] = '\0';
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return -1;
    }
    rewind(f);
    while (fgets(line, sizeof line, f)) {
        if (!strchr(line, '/')) continue; /* the vDSO has no file */
        (*count)++;
        /* "\tlibcairo.so.2 => /lib/.../libcairo.so.2 (0x...)": name it "cairo". */
        char *name = line + strspn(line, " \t");
        name[strcspn(name, " ")] = '\0';
        for (size_t i = 0; i < sizeof HEAVY / sizeof *HEAVY; i++) {
            if (strncmp(name, HEAVY[i], strlen(HEAVY[i]))) continue;
            name[strcspn(name, ".-")] = '\0';
            size_t len = strlen(heavy);
            snprintf(heavy + len, hn - len, "%s%s", len ? " " : "", name + 3);
            break;
        }
    }
    fclose(f);
    return rc == 0 ? 0 : -1;
}

/* Median, minimum and 90th percentile of rounds runs of `path --help`. */
static int time_help(const char *path, int rounds, double *median, double *minimum, double *p90)
{
    double *t = malloc(sizeof *t * (size_t)rounds);
    char *const argv[] = {(char *)path, "--help", NULL};
    if (!t) return -1;
    for (int i = 0; i < rounds; i++) {
        double t0 = rk_bench_now_ms();
        if (run(path, argv, -1, NULL) != 0) {
            free(t);
            return -1;
        }
        t[i] = rk_bench_now_ms() - t0;
    }
    *median = rk_bench_median(t, rounds);
    *minimum = rk_bench_minimum(t, rounds);
    /* The 90th percentile of the sorted times. */
    for (int i = 1; i < rounds; i++)
        for (int k = i; k > 0 && t[k - 1] > t[k]; k--) {
            double x = t[k];
            t[k] = t[k - 1];
            t[k - 1] = x;
        }
    *p90 = t[(rounds * 9) / 10 < rounds ? (rounds * 9) / 10 : rounds - 1];
    free(t);
    return 0;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 40;
    char list[4096], *names[MAX_PROGRAMS], *paths[MAX_PROGRAMS], *save = NULL;
    int n = 0;

    if (rounds < 3 || rounds > 1000) rounds = 40;
    snprintf(list, sizeof list, "%s", RK_BENCH_PROGRAMS);
    for (char *p = strtok_r(list, "|", &save); p && n < MAX_PROGRAMS;
         p = strtok_r(NULL, "|", &save)) {
        char *eq = strchr(p, '=');
        if (!eq) continue;
        *eq = '\0';
        names[n] = p;
        paths[n++] = eq + 1;
    }
    printf("bench_programs: %d runs of each program's --help (exec to exit)\n\n", rounds);
    printf("%-10s %9s %9s %9s %6s  %s\n", "program", "median", "min", "p90", "libs",
           "heavy libraries loaded");
    double base_med, base_min, base_p90;
    if (time_help("/bin/true", rounds, &base_med, &base_min, &base_p90) == 0)
        printf("%-10s %7.2fms %7.2fms %7.2fms %6s  %s\n", "/bin/true", base_med, base_min, base_p90,
               "-", "(the cost of fork and exec alone)");
    int fail = 0;
    for (int i = 0; i < n; i++) {
        double med, min, p90;
        int count;
        char heavy[512];
        if (access(paths[i], X_OK) != 0) {
            printf("%-10s not built (%s)\n", names[i], paths[i]);
            continue;
        }
        if (loaded(paths[i], &count, heavy, sizeof heavy) != 0 ||
            time_help(paths[i], rounds, &med, &min, &p90) != 0) {
            printf("%-10s cannot run %s --help\n", names[i], paths[i]);
            fail = 1;
            continue;
        }
        printf("%-10s %7.2fms %7.2fms %7.2fms %6d  %s\n", names[i], med, min, p90, count,
               heavy[0] ? heavy : "none");
    }
    printf("\nlibs: files the dynamic loader maps for the program (the loader and libc "
           "included)\n");
    return fail;
}
