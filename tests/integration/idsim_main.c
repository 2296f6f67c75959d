/*
 * rakiosk-idsim: a simulated ID card reader on a pseudo-terminal, for the
 * tests and the kiosk demo.
 *
 *   idsim_main [--link PATH] [--control FIFO] [--script FILE]
 *
 * Prints "PTY <slave path>" on standard output, optionally makes PATH a
 * symbolic link to it, and answers SAM frames like a reader until SIGTERM,
 * SIGINT or a `quit` line. Cards are placed and removed, and faults armed,
 * by the script language of app/core/scan/idsim.h, from a script file
 * (run first, `sleep` pausing it) and/or lines written to the control FIFO
 * (created if missing), e.g.  echo place > FIFO.
 */
#include "demo/idsim.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int stop_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    (void)sig;
    ssize_t w = write(stop_pipe[1], "x", 1);
    (void)w;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf) buf[n] = 0;
    return buf;
}

int main(int argc, char **argv)
{
    const char *link_path = NULL, *control = NULL, *script_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--link") && i + 1 < argc)
            link_path = argv[++i];
        else if (!strcmp(argv[i], "--control") && i + 1 < argc)
            control = argv[++i];
        else if (!strcmp(argv[i], "--script") && i + 1 < argc)
            script_path = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--link PATH] [--control FIFO] [--script FILE]\n", argv[0]);
            return 2;
        }
    }
    char *script = NULL;
    if (script_path && !(script = slurp(script_path))) {
        fprintf(stderr, "idsim: cannot read %s: %s\n", script_path, strerror(errno));
        return 1;
    }
    int ctl_fd = -1;
    if (control) {
        if (mkfifo(control, 0600) != 0 && errno != EEXIST) {
            fprintf(stderr, "idsim: mkfifo %s: %s\n", control, strerror(errno));
            return 1;
        }
        /* Read-write so the FIFO never reports end-of-file between writers. */
        ctl_fd = open(control, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (ctl_fd < 0) {
            fprintf(stderr, "idsim: open %s: %s\n", control, strerror(errno));
            return 1;
        }
    }
    int master, keep;
    char path[256];
    if (rk_idsim_pty_open(&master, &keep, path, sizeof path) != 0) {
        fprintf(stderr, "idsim: %s\n", rk_err_msg());
        return 1;
    }
    if (link_path) {
        unlink(link_path);
        if (symlink(path, link_path) != 0) {
            fprintf(stderr, "idsim: symlink %s: %s\n", link_path, strerror(errno));
            return 1;
        }
    }
    if (pipe(stop_pipe) != 0) return 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    printf("PTY %s\n", path);
    fflush(stdout);

    rk_idsim sim;
    rk_idsim_init(&sim);
    int rc = rk_idsim_serve(&sim, master, script, ctl_fd, stop_pipe[0]);
    if (rc) fprintf(stderr, "idsim: %s\n", rk_err_msg());
    fprintf(stderr, "idsim: answered %u requests, %u damaged\n", sim.requests, sim.bad_requests);
    if (link_path) unlink(link_path);
    close(master);
    close(keep);
    free(script);
    return rc ? 1 : 0;
}
