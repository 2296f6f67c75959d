/*
 * sd_notify and the health marker (see service.h): a few lines of the
 * datagram protocol rather than a dependency on libsystemd, so the core
 * stays free of it and the sanitizer builds need nothing more.
 */
#include "util/service.h"

#include "util/err.h"
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int rk_service_notify(const char *state)
{
    const char *name = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa;
    socklen_t len;
    size_t n;
    int fd, rc = 1;

    if (!name || !*name) return 0;
    n = strlen(name);
    if ((name[0] != '/' && name[0] != '@') || n >= sizeof sa.sun_path)
        return rk_err_set(RK_EINVAL, "NOTIFY_SOCKET '%s' is neither a path nor @abstract", name);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, name, n);
    if (name[0] == '@') sa.sun_path[0] = '\0';
    len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return rk_err_set(RK_EIO, "cannot make a notify socket: %s", strerror(errno));
    if (sendto(fd, state, strlen(state), MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&sa, len) <
        0)
        rc = rk_err_set(RK_EIO, "cannot notify systemd on %s: %s", name, strerror(errno));
    close(fd);
    return rc;
}

int rk_service_ready(const char *status)
{
    char msg[512];
    if (status)
        snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", status);
    else
        snprintf(msg, sizeof msg, "READY=1");
    return rk_service_notify(msg);
}

int rk_service_alive(void)
{
    return rk_service_notify("WATCHDOG=1");
}

long long rk_service_watchdog_usec(void)
{
    const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
    char *end;
    long long v;

    if (!usec || !*usec) return 0;
    if (pid && *pid) {
        long p = strtol(pid, &end, 10);
        if (*end || p != (long)getpid()) return 0;
    }
    errno = 0;
    v = strtoll(usec, &end, 10);
    if (errno || *end || v <= 0) return 0;
    return v;
}

int rk_service_home_shown(void)
{
    const char *dirs = getenv("RUNTIME_DIRECTORY");
    char dir[4096], path[4200], text[96];
    size_t n;
    int len, rc;

    if (!dirs || !*dirs) return 0;
    n = strcspn(dirs, ":");
    if (n >= sizeof dir) return rk_err_set(RK_EINVAL, "RUNTIME_DIRECTORY too long");
    memcpy(dir, dirs, n);
    dir[n] = '\0';
    snprintf(path, sizeof path, "%s/home-shown", dir);
    len =
        snprintf(text, sizeof text, "pid=%ld\ntime=%lld\n", (long)getpid(), (long long)time(NULL));
    if ((rc = rk_file_write_atomic(path, text, (size_t)len, 0644)) != 0)
        return rk_err_wrap(rc, "cannot write the health marker");
    rk_service_notify("STATUS=home screen shown");
    return 0;
}
