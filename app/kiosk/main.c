/*
 * rakiosk: the counter program.
 *
 * Until the full-screen kiosk arrives this is a placeholder that brings the
 * branch up exactly as the kiosk will (configuration, data folders,
 * database migrations) and shows the branch's state on the terminal.
 * Under systemd (rakiosk.service) it speaks the unit's contract of
 * util/service.h: READY=1 once up, WATCHDOG=1 from its loop, and the
 * "home-shown" health marker, which the placeholder writes as soon as it has
 * printed the branch state (the real kiosk: once it has drawn its home
 * screen).
 */
#include "conf/conf.h"
#include "db/db.h"
#include "util/err.h"
#include "util/service.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    const char *conf_path = NULL;
    int once = 0, rc, version = 0;
    rk_conf *conf = NULL;
    rk_db *db = NULL;

    setvbuf(stdout, NULL, _IOLBF, 0); /* a log or journald sees each line at once */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--conf") && i + 1 < argc) {
            conf_path = argv[++i];
        } else if (!strcmp(argv[i], "--once")) {
            once = 1;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: rakiosk [--conf FILE] [--once]\n\n"
                   "The counter program of a certificate registration branch.\n"
                   "  --conf FILE  branch configuration (default as for ractl)\n"
                   "  --once       show the branch state and exit\n");
            return 0;
        } else {
            fprintf(stderr, "rakiosk: unknown argument '%s' (see --help)\n", argv[i]);
            return 2;
        }
    }
    if ((rc = rk_conf_load(&conf, conf_path)) != 0) {
        fprintf(stderr, "rakiosk: %s\n", rk_err_msg());
        return 3;
    }
    if ((rc = rk_db_open(&db, conf->database, 0)) != 0 || (rc = rk_db_version(db, &version))) {
        fprintf(stderr, "rakiosk: %s\n", rk_err_msg());
        rk_conf_free(conf);
        return 4;
    }
    printf("rakiosk %s\n%s %s (%s)\ndatabase %s, schema %d\n", RK_VERSION, conf->branch_id,
           conf->branch_name, conf->region, conf->database, version);
    if (!once) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        long long wd = rk_service_watchdog_usec();
        printf("The touch screen comes with the kiosk issue; press Ctrl-C to leave.\n");
        rk_service_home_shown();
        rk_service_ready(conf->branch_id);
        while (!stop) {
            if (wd) {
                struct timespec ts = {(time_t)(wd / 4 / 1000000), (long)(wd / 4 % 1000000) * 1000};
                nanosleep(&ts, NULL); /* a signal ends it early: then the loop checks stop */
            } else
                pause();
            rk_service_alive();
        }
    }
    rk_db_close(db);
    rk_conf_free(conf);
    return 0;
}
