/*
 * `lp` runner (see lp.h).
 */
#include "lp.h"

#include "util/err.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int rk_lp_submit(const char *queue, const char *server, const char *title,
                 const char *const *options, const char *file, char *job, size_t job_n)
{
    const char *argv[64];
    int argc = 0, fds[2];

    if (!queue || !*queue || queue[0] == '-')
        return rk_err_set(RK_EINVAL, "no usable CUPS queue name given");
    argv[argc++] = "lp";
    if (server && *server) {
        argv[argc++] = "-h";
        argv[argc++] = server;
    }
    argv[argc++] = "-d";
    argv[argc++] = queue;
    if (title && *title) {
        argv[argc++] = "-t";
        argv[argc++] = title;
    }
    for (int i = 0; options && options[i] && argc < 56; i++) {
        argv[argc++] = "-o";
        argv[argc++] = options[i];
    }
    argv[argc++] = "--";
    argv[argc++] = file;
    argv[argc] = NULL;

    if (pipe(fds) != 0) return rk_err_set(RK_EIO, "pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", 0, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    pid_t pid;
    int rc = posix_spawnp(&pid, "lp", &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return rk_err_set(RK_EIO, "cannot run lp (install cups-client): %s", strerror(rc));
    }
    char out[2048];
    size_t len = 0;
    for (;;) {
        ssize_t k = read(fds[0], out + len, sizeof out - 1 - len);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        len += (size_t)k;
        if (len == sizeof out - 1) { /* keep reading so lp never blocks */
            char sink[512];
            while ((k = read(fds[0], sink, sizeof sink)) > 0 || (k < 0 && errno == EINTR))
                ;
            break;
        }
    }
    out[len] = 0;
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
        out[--len] = 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return rk_err_set(RK_EDEVICE, "printing to CUPS queue '%s' failed: %s", queue,
                          len ? out : "lp failed without a message");
    if (job && job_n) {
        const char *p = strstr(out, "request id is ");
        job[0] = 0;
        if (p) {
            p += 14;
            size_t k = strcspn(p, " \n");
            if (k >= job_n) k = job_n - 1;
            memcpy(job, p, k);
            job[k] = 0;
        }
    }
    return 0;
}
