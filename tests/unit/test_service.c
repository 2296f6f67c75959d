/*
 * Tests for util/service: the sd_notify datagrams a unit with Type=notify
 * and WatchdogSec= receives (on a path socket and an abstract one, as
 * systemd gives either), the watchdog interval, and the health marker the
 * update check waits for.
 */
#include "test.h"
#include "util/err.h"
#include "util/service.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* A datagram socket bound at name ("@..." = abstract), as systemd's. */
static int listen_at(const char *name)
{
    struct sockaddr_un sa;
    size_t n = strlen(name);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, name, n);
    if (name[0] == '@') sa.sun_path[0] = '\0';
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa,
                       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) != 0) {
        perror("bind");
        exit(2);
    }
    return fd;
}

static void received(int fd, const char *want)
{
    char buf[600];
    ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    CHECK(n >= 0);
    buf[n < 0 ? 0 : n] = '\0';
    CHECK_STR(buf, want);
}

static void test_outside_systemd(void)
{
    unsetenv("NOTIFY_SOCKET");
    unsetenv("RUNTIME_DIRECTORY");
    unsetenv("WATCHDOG_USEC");
    CHECK_INT(rk_service_ready(NULL), 0);
    CHECK_INT(rk_service_alive(), 0);
    CHECK_INT(rk_service_home_shown(), 0);
    CHECK_INT(rk_service_watchdog_usec(), 0);
}

static void test_path_socket(const char *dir)
{
    char name[300];
    snprintf(name, sizeof name, "%s/notify", dir);
    int fd = listen_at(name);
    setenv("NOTIFY_SOCKET", name, 1);
    CHECK_INT(rk_service_ready("branch DEMO01 up"), 1);
    received(fd, "READY=1\nSTATUS=branch DEMO01 up");
    CHECK_INT(rk_service_alive(), 1);
    received(fd, "WATCHDOG=1");
    close(fd);
    /* The listener is gone: a clear error, no crash, no block. */
    unlink(name);
    CHECK_INT(rk_service_alive(), RK_EIO);
    CHECK(strstr(rk_err_msg(), name) != NULL);
}

static void test_abstract_socket(void)
{
    char name[64];
    snprintf(name, sizeof name, "@rktest-notify-%ld", (long)getpid());
    int fd = listen_at(name);
    setenv("NOTIFY_SOCKET", name, 1);
    CHECK_INT(rk_service_ready(NULL), 1);
    received(fd, "READY=1");
    close(fd);
    setenv("NOTIFY_SOCKET", "relative/name", 1);
    CHECK_INT(rk_service_alive(), RK_EINVAL);
    unsetenv("NOTIFY_SOCKET");
}

static void test_watchdog_usec(void)
{
    char pid[32];
    setenv("WATCHDOG_USEC", "30000000", 1);
    unsetenv("WATCHDOG_PID");
    CHECK_INT(rk_service_watchdog_usec(), 30000000);
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    setenv("WATCHDOG_PID", pid, 1);
    CHECK_INT(rk_service_watchdog_usec(), 30000000);
    setenv("WATCHDOG_PID", "1", 1); /* meant for another process */
    CHECK_INT(rk_service_watchdog_usec(), 0);
    unsetenv("WATCHDOG_PID");
    setenv("WATCHDOG_USEC", "30s", 1);
    CHECK_INT(rk_service_watchdog_usec(), 0);
    setenv("WATCHDOG_USEC", "-5", 1);
    CHECK_INT(rk_service_watchdog_usec(), 0);
    unsetenv("WATCHDOG_USEC");
}

static void test_home_marker(const char *dir)
{
    char runtime[300], list[700], marker[400], text[128] = "";
    snprintf(runtime, sizeof runtime, "%s/run", dir);
    mkdir(runtime, 0755);
    snprintf(marker, sizeof marker, "%s/home-shown", runtime);
    /* RUNTIME_DIRECTORY may list several folders: the first one is used. */
    snprintf(list, sizeof list, "%s:%s/other", runtime, dir);
    setenv("RUNTIME_DIRECTORY", list, 1);
    CHECK(access(marker, F_OK) != 0);
    CHECK_INT(rk_service_home_shown(), 0);
    FILE *f = fopen(marker, "r");
    CHECK(f != NULL);
    if (f) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
    }
    char want[32];
    snprintf(want, sizeof want, "pid=%ld\n", (long)getpid());
    CHECK(strncmp(text, want, strlen(want)) == 0);
    CHECK(strstr(text, "\ntime=") != NULL);
    /* A folder that cannot be written: RK_EIO, and no stray file. */
    snprintf(list, sizeof list, "%s/missing", dir);
    setenv("RUNTIME_DIRECTORY", list, 1);
    CHECK_INT(rk_service_home_shown(), RK_EIO);
    unsetenv("RUNTIME_DIRECTORY");
}

int main(void)
{
    char dir[256];
    rk_test_tmpdir(dir, sizeof dir);
    test_outside_systemd();
    test_path_socket(dir);
    test_abstract_socket();
    test_watchdog_usec();
    test_home_marker(dir);
    rk_test_rmtree(dir);
    return rk_test_done();
}
