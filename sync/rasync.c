/*
 * rasync: the branch's sync daemon. It wires the core's sync pass
 * (branch/sync_pass.h) to the libcurl transport (transport_curl.h) with the
 * device key in the appliance HSM, runs it once (--once, what the nightly
 * timer runs, with --reconcile) or as a daemon (a pass at start, then every
 * [sync] interval with jitter, and soon after the outbox gets new events),
 * and saves each pass's result for `ractl sync status` and the kiosk.
 *
 * Two rasync processes never run a pass at once: a pass holds an exclusive
 * lock on <data_dir>/sync/pass.lock (--once waits for it, up to
 * --lock-wait seconds). Logs go to stderr (journald), level info unless
 * RAKIOSK_LOG says otherwise; the HSM PIN never appears in them.
 */
#include "branch/sync_enrol.h"
#include "branch/sync_pass.h"
#include "branch/sync_status.h"
#include "db/outbox.h"
#include "opts.h"
#include "transport_curl.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/service.h"
#include "util/uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_CONF = 3, EXIT_DB = 4, EXIT_BUSY = 75 };

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static const char HELP[] =
    "usage: rasync [--conf FILE] [--once] [--reconcile] [options]\n\n"
    "The branch's sync daemon: pushes the outbox, audit log and archive files to\n"
    "HQ and pulls HQ's decisions, roster, revocations, CRLs, configuration\n"
    "bundles and, with [sync] update_install, system updates (fetched resumably,\n"
    "nightly pass only) (docs/SYNC-PROTOCOL.md), over HTTPS with the device certificate\n"
    "enrolled by `ractl sync enrol` (its key stays in the appliance HSM).\n\n"
    "  --once             one pass, then exit (the nightly timer's way)\n"
    "  --reconcile        also compare per-day digests with HQ and repair\n"
    "  --only LIST        only these steps: events,audit,changes,crl,config,archives,update\n"
    "  --archive-url URL  the tus endpoint for archives (default: HQ's)\n"
    "  --plain-http       allow an http:// archive endpoint (tests)\n"
    "  --backoff-ms N     first backoff step between attempts (default 1000)\n"
    "  --backoff-max-ms N the longest step: it doubles up to this (default 300000)\n"
    "  --lock-wait S      --once waits this long for another pass (default 600)\n"
    "  --json             print the pass's result as JSON (with --once)\n"
    "  --conf FILE        kiosk.conf (default: $RAKIOSK_CONF, /etc/rakiosk, the demo)\n\n"
    "Not yet enrolled, with HQ's one-time secret waiting in\n"
    "<data_dir>/sync/enrol.secret, rasync first enrols the device itself (as\n"
    "`ractl sync enrol`, which reads it there by default and removes it once used:\n"
    "a first boot whose enrolment found HQ away leaves it for rasync).\n\n"
    "Without --once rasync runs as a daemon (rasync.service): a pass at start,\n"
    "then every [sync] interval, and within a minute of new outbox events.\n\n"
    "Exit codes: 0 every step succeeded, 1 a step failed (the status says which),\n"
    "2 usage, 3 configuration (or not enrolled), 4 database, 75 another pass held\n"
    "the lock too long.\n";

static int parse_steps(unsigned *out, const char *list)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"events", RK_SYNC_EVENTS},   {"audit", RK_SYNC_AUDIT},
                 {"changes", RK_SYNC_CHANGES}, {"crl", RK_SYNC_CRL},
                 {"config", RK_SYNC_CONFIG},   {"archives", RK_SYNC_ARCHIVES},
                 {"update", RK_SYNC_UPDATE}};
    *out = 0;
    while (*list) {
        size_t n = strcspn(list, ",");
        int found = 0;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strlen(names[i].name) == n && !strncmp(list, names[i].name, n)) {
                *out |= names[i].bit;
                found = 1;
            }
        if (!found) return -1;
        list += n;
        if (*list == ',') list++;
    }
    return *out ? 0 : -1;
}

static int exit_for(int rc)
{
    switch (rc) {
    case 0: return EXIT_OK;
    case RK_ECONF:
    case RK_ENOTFOUND: return EXIT_CONF;
    case RK_EDB:
    case RK_EBUSY: return EXIT_DB;
    default: return EXIT_FAILED;
    }
}

/* The lock that keeps two passes apart: fd, or -1 after wait_s seconds. */
static int take_lock(const rk_conf *conf, int wait_s)
{
    char dir[PATH_MAX], path[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/sync", conf->data_dir);
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/pass.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return rk_err_set(RK_EIO, "cannot open %s: %s", path, strerror(errno)), -1;
    for (int waited = 0;; waited++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
        if (waited >= wait_s * 10 || stop) break;
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
    }
    close(fd);
    rk_err_set(RK_EBUSY, "another sync pass holds %s", path);
    return -1;
}

static void report(const rk_sync_result *r, int json)
{
    if (json) {
        rk_sync_status s;
        memset(&s, 0, sizeof s);
        s.has_last = 1;
        s.last = *r;
        rk_buf b;
        rk_buf_init(&b, 1 << 16);
        if (rk_sync_status_json(&b, &s) == 0) printf("%s\n", b.data);
        rk_buf_free(&b);
        return;
    }
    rk_log_info("sync: pass %s in %lld s: %lld events pushed (acked %lld), %lld audit entries, "
                "%lld changes (%lld applied, %lld skipped), %lld archives sent (%lld confirmed, "
                "%lld deleted locally), backlog %lld events and %lld archives; HQ over HTTP/%s%s%s",
                r->ok ? "done" : "failed", (long long)(r->finished_at - r->started_at),
                (long long)r->pushed, (long long)r->acked_seq, (long long)r->audit_pushed,
                (long long)r->pulled, (long long)r->applied, (long long)r->skipped,
                (long long)r->archives_sent, (long long)r->archives_confirmed,
                (long long)r->archives_deleted, (long long)r->backlog_events,
                (long long)r->backlog_archives, r->http[0] ? r->http : "?", r->ok ? "" : ": ",
                r->ok ? "" : r->error);
}

typedef struct runner {
    rk_sync_branch b;
    rk_curl *curl;
    rk_sync_opts so;
    int lock_wait;
} runner;

static int one_pass(runner *x, unsigned extra, rk_sync_result *res)
{
    memset(res, 0, sizeof *res);
    int fd = take_lock(x->b.conf, x->lock_wait);
    if (fd < 0) return RK_EBUSY;
    rk_sync_opts o = x->so;
    if (!o.steps) o.steps = RK_SYNC_ALL;
    o.steps |= extra;
    /* A bundle another program installed, or the last pass did: the
     * daemon's ledger takes it up before this pass (logged if it cannot). */
    if (rk_sync_branch_refresh(&x->b) < 0) rk_err_clear();
    int rc = rk_sync_pass(res, x->b.ledger, rk_curl_transport(x->curl), &o);
    int s = rk_sync_status_save(x->b.db, res);
    if (s) rk_log_error("sync: cannot save the pass's result: %s", rk_err_msg());
    if (rk_sync_branch_refresh(&x->b) < 0) rk_err_clear();
    close(fd);
    return rc;
}

static int daemon_loop(runner *x)
{
    int64_t next = 0, last = 0;
    int fails = 0, pending = 0;
    /* The day's passes leave system updates to the nightly one (--once):
     * a bundle of hundreds of MiB is not fetched while the counter works. */
    if (!x->so.steps) x->so.steps = RK_SYNC_ALL & ~(unsigned)RK_SYNC_UPDATE;
    rk_service_ready("rasync: up");
    while (!stop) {
        int64_t now = rk_clock_now();
        if (now >= next || (pending && now - last >= 30)) {
            rk_sync_result res;
            int rc = one_pass(x, 0, &res);
            report(&res, 0);
            last = rk_clock_now();
            pending = 0;
            unsigned int rnd = 0;
            rk_random_bytes(&rnd, sizeof rnd);
            int64_t interval = x->b.conf->sync_interval;
            if (rc) {
                /* HQ away: try again sooner, backing off up to the interval. */
                int64_t wait = 30;
                for (int i = 0; i < fails && wait < interval; i++)
                    wait *= 2;
                if (wait > interval) wait = interval;
                fails++;
                next = last + wait / 2 + (int64_t)(rnd % (unsigned)(wait / 2 + 1));
            } else {
                fails = 0;
                next =
                    last + interval - interval / 10 + (int64_t)(rnd % (unsigned)(interval / 5 + 1));
            }
        }
        for (int i = 0; i < 50 && !stop; i++) {
            struct timespec ts = {0, 100000000L};
            nanosleep(&ts, NULL);
            if (i % 10 == 0) rk_service_alive();
        }
        if (rk_db_changed(x->b.db) > 0) {
            int64_t upto = 0, unsent = 0;
            if (rk_outbox_marks(x->b.db, &upto, &unsent) == 0 && unsent > 0) pending = 1;
        }
    }
    rk_log_info("sync: stopping");
    return 0;
}

int main(int argc, char **argv)
{
    const char *conf_path = NULL, *only = NULL, *archive_url = NULL;
    int once = 0, reconcile = 0, json = 0, plain = 0, rc;
    int64_t backoff = 1000, backoff_max = 300000, lock_wait = 600;
    rk_opt opts[] = {{"--conf", RK_OPT_STR, &conf_path, 0, 0},
                     {"--once", RK_OPT_FLAG, &once, 0, 0},
                     {"--reconcile", RK_OPT_FLAG, &reconcile, 0, 0},
                     {"--only", RK_OPT_STR, &only, 0, 0},
                     {"--archive-url", RK_OPT_STR, &archive_url, 0, 0},
                     {"--plain-http", RK_OPT_FLAG, &plain, 0, 0},
                     {"--backoff-ms", RK_OPT_INT, &backoff, 1, 600000},
                     {"--backoff-max-ms", RK_OPT_INT, &backoff_max, 1, 3600000},
                     {"--lock-wait", RK_OPT_INT, &lock_wait, 0, 86400},
                     {"--json", RK_OPT_FLAG, &json, 0, 0},
                     {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 1)) return printf("%s", HELP), 0;
    if (argc > 1 && !strcmp(argv[1], "--version")) return printf("rasync %s\n", RK_VERSION), 0;
    if (rk_opts_parse("rasync", opts, argc, argv, 1, NULL, 0, NULL)) return EXIT_USAGE;
    runner x;
    memset(&x, 0, sizeof x);
    if (only && parse_steps(&x.so.steps, only)) {
        fprintf(stderr,
                "rasync: --only takes events,audit,changes,crl,config,archives,update, not '%s'; "
                "see rasync --help\n",
                only);
        return EXIT_USAGE;
    }
    if (plain && (!archive_url || strncmp(archive_url, "http://", 7))) {
        fprintf(stderr, "rasync: --plain-http is only for an http:// --archive-url\n");
        return EXIT_USAGE;
    }
    if (!getenv("RAKIOSK_LOG")) rk_log_set_level(RK_LOG_INFO);
    x.so.archive_url = archive_url;
    x.lock_wait = once ? (int)lock_wait : 0;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    rk_sync_hsm hsm;
    char cert[PATH_MAX];
    memset(&hsm, 0, sizeof hsm);
    if ((rc = rk_sync_branch_open(&x.b, conf_path)) != 0) {
        fprintf(stderr, "rasync: %s\n", rk_err_msg());
        return exit_for(rc);
    }
    rk_sync_device_cert_path(cert, sizeof cert, x.b.conf);
    /* Not enrolled, but the secret waits (first boot had no network): enrol
     * now; on failure exit, and the next start (the service restarts, the
     * timer comes back) tries again. */
    rk_sync_enrol_result er;
    int enrolled = 0;
    if (x.b.conf->hq_url[0] &&
        (rc = rk_sync_enrol_pending(&er, &enrolled, x.b.db, x.b.conf)) != 0) {
        fprintf(stderr, "rasync: %s; the next start tries again\n", rk_err_msg());
        rk_sync_branch_close(&x.b);
        return rc == RK_EIO || rc == RK_ETIMEOUT ? EXIT_FAILED : exit_for(rc);
    }
    if (enrolled) rk_log_info("sync: enrolled with HQ: device certificate %s", er.serial);
    if (!x.b.conf->hq_url[0]) {
        fprintf(stderr, "rasync: no [hq] url in %s: this branch does not sync\n", x.b.conf->path);
        rc = RK_ECONF;
    } else if (!x.b.conf->hq_ca_certs[0]) {
        fprintf(stderr, "rasync: no [hq] ca_certs in %s: HQ's CA certificate must be pinned\n",
                x.b.conf->path);
        rc = RK_ECONF;
    } else if (access(cert, R_OK) != 0) {
        fprintf(stderr,
                "rasync: this branch has no device certificate (%s): enrol it with "
                "`ractl sync enrol` (or leave HQ's one-time secret in %s/sync/enrol.secret "
                "for rasync to enrol with)\n",
                cert, x.b.conf->data_dir);
        rc = RK_ECONF;
    } else if ((rc = rk_sync_hsm_env(&hsm, x.b.conf)) != 0 ||
               (rc = rk_curl_global_init(hsm.module)) != 0) {
        fprintf(stderr, "rasync: %s\n", rk_err_msg());
    }
    if (!rc) {
        rk_curl_opts co = {.base_url = x.b.conf->hq_url,
                           .ca_file = x.b.conf->hq_ca_certs,
                           .cert_file = cert,
                           .key = hsm.key_uri,
                           .key_pin = hsm.pin,
                           .proxy = x.b.conf->sync_proxy,
                           .connect_timeout = x.b.conf->sync_connect_timeout,
                           .stall_timeout = x.b.conf->sync_timeout,
                           .max_send_speed = x.b.conf->sync_bandwidth,
                           .backoff_ms = (int)backoff,
                           .backoff_max_ms = (int)backoff_max,
                           .plain_http = plain,
                           .stop = &stop};
        rc = rk_curl_new(&x.curl, &co);
        rk_sync_hsm_done(&hsm);
        if (rc) fprintf(stderr, "rasync: %s\n", rk_err_msg());
    }
    int ex = rc ? exit_for(rc) : EXIT_OK;
    if (!rc && once) {
        rk_sync_result res;
        rc = one_pass(&x, reconcile ? RK_SYNC_RECONCILE : 0, &res);
        if (rc == RK_EBUSY && !res.started_at) {
            fprintf(stderr, "rasync: %s\n", rk_err_msg());
            ex = EXIT_BUSY;
        } else {
            report(&res, json);
            ex = rc ? EXIT_FAILED : EXIT_OK;
        }
    } else if (!rc)
        ex = daemon_loop(&x);
    rk_sync_hsm_done(&hsm);
    rk_curl_free(x.curl);
    rk_sync_branch_close(&x.b);
    rk_curl_global_cleanup();
    return ex;
}
