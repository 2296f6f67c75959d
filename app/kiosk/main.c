/*
 * rakiosk: the counter program.
 *
 * Until the full-screen kiosk arrives this is a placeholder that brings the
 * branch up exactly as the kiosk will (configuration, data folders,
 * database migrations) and shows the branch's state on the terminal.
 */
#include "conf/conf.h"
#include "db/db.h"
#include "util/err.h"

#include <signal.h>
#include <stdio.h>
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
        printf("The touch screen comes with the kiosk issue; press Ctrl-C to leave.\n");
        while (!stop)
            pause();
    }
    rk_db_close(db);
    rk_conf_free(conf);
    return 0;
}
