/*
 * vprinter_main: the virtual receipt printer as a program, for the
 * integration tests and the kiosk demo (see app/core/print/vprinter.h).
 *
 *   vprinter_main --dir DIR [--port N] [--port-file FILE] [--width 58|80]
 *                 [--faults WORDS]
 *
 * Listens on 127.0.0.1 (port 0 = a free one, written to --port-file once
 * listening), keeps each job as DIR/job-NNNN.{bin,txt,png}, and takes
 * commands on standard input, one per line: paper-out, cover-open, offline,
 * near-end, error, ok (faults), quit. DIR/faults does the same from a file.
 * Stops on SIGTERM, SIGINT or quit.
 */
#include "demo/vprinter.h"
#include "util/err.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *port_file = NULL, *faults = NULL;
    int port = 0, width = 80;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--port") && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--port-file") && i + 1 < argc)
            port_file = argv[++i];
        else if (!strcmp(argv[i], "--width") && i + 1 < argc)
            width = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--faults") && i + 1 < argc)
            faults = argv[++i];
        else {
            fprintf(stderr, "usage: vprinter_main --dir DIR [--port N] [--port-file FILE] "
                            "[--width 58|80] [--faults WORDS]\n");
            return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "vprinter_main: --dir is required\n");
        return 2;
    }
    rk_vprinter *v;
    unsigned f = 0;
    if ((faults && rk_vprinter_parse_faults(&f, faults) != 0) ||
        rk_vprinter_new(&v, dir, port, width) != 0) {
        fprintf(stderr, "vprinter_main: %s\n", rk_err_msg());
        return 1;
    }
    rk_vprinter_set_faults(v, f);
    if (port_file) {
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *pf = fopen(tmp, "w");
        if (!pf || fprintf(pf, "%d\n", rk_vprinter_port(v)) < 0 || fclose(pf) != 0 ||
            rename(tmp, port_file) != 0) {
            fprintf(stderr, "vprinter_main: cannot write %s\n", port_file);
            return 1;
        }
    }
    printf("virtual printer listening on 127.0.0.1:%d, jobs in %s\n", rk_vprinter_port(v), dir);
    fflush(stdout);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    int use_stdin = 1;
    char line[256];
    size_t have = 0;
    while (!stop) {
        struct pollfd pf[2] = {{.fd = rk_vprinter_fd(v), .events = POLLIN},
                               {.fd = STDIN_FILENO, .events = POLLIN}};
        int r = poll(pf, use_stdin ? 2 : 1, 500);
        if (r <= 0) continue;
        if (pf[0].revents & POLLIN) {
            int before = rk_vprinter_jobs(v);
            int rc = rk_vprinter_poll(v, 0);
            if (rc < 0)
                fprintf(stderr, "vprinter_main: %s\n", rk_err_msg());
            else if (rc > 0)
                printf("job %d kept\n", before + 1);
            fflush(stdout);
        }
        if (use_stdin && (pf[1].revents & (POLLIN | POLLHUP))) {
            ssize_t k = read(STDIN_FILENO, line + have, sizeof line - 1 - have);
            if (k <= 0) {
                use_stdin = 0;
                continue;
            }
            have += (size_t)k;
            line[have] = 0;
            char *nl;
            while ((nl = strchr(line, '\n'))) {
                *nl = 0;
                if (!strcmp(line, "quit"))
                    stop = 1;
                else if (rk_vprinter_parse_faults(&f, line) == 0) {
                    rk_vprinter_set_faults(v, f);
                    printf("faults: %s\n", line[0] ? line : "ok");
                } else
                    fprintf(stderr, "vprinter_main: %s\n", rk_err_msg());
                fflush(stdout);
                size_t used = (size_t)(nl + 1 - line);
                memmove(line, nl + 1, have - used + 1);
                have -= used;
            }
            if (have == sizeof line - 1) have = 0;
        }
    }
    rk_vprinter_free(v);
    return 0;
}
