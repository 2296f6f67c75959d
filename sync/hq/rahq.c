/*
 * rahq: the reference headquarters server of the sync protocol, for
 * development, tests and small deployments.
 *
 *   rahq init  --home DIR --name NAME      HQ's CA, TLS and configuration keys
 *   rahq serve --home DIR [--port N] ...   the HTTPS sync endpoint and CMP
 *   rahq admin --home DIR <command>        HQ's operator: branches, decisions,
 *                                          roster, revocations, CRLs, bundles,
 *                                          payment statements and reconciliation
 *
 * Everything lives under the home folder: hq.db (the store), archives/
 * (uploads), updates/ (published system updates, update.h), ca/ (keys and certificates, hqca.h),
 * rahq.conf (settings.h: the deployment's time zone); RAHQ_STORE names another store in place of
 * hq.db (store.h: a PostgreSQL URL for a fleet, or another SQLite file). The program is thin: the
 * protocol is in server.c, api.c and tus.c, the data in the store.
 */
#include "hq/fleet.h"
#include "hq/hq.h"
#include "hq/incidents.h"
#include "hq/recon_cli.h"
#include "hq/recovery.h"
#include "hq/settings.h"
#include "hq/update.h"

#include "opts.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/pem.h"
#include "util/uuid.h"
#include "util/wipe.h"

#include <jansson.h>
#include <openssl/evp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_NOTFOUND = 6, EXIT_STATE = 7 };

static int fail(int rc, const char *what)
{
    fprintf(stderr, "rahq: %s: %s\n", what, rk_err_msg()[0] ? rk_err_msg() : rk_err_name(rc));
    return rc == RK_EEXIST || rc == RK_ESTATE ? EXIT_STATE
           : rc == RK_EINVAL                  ? EXIT_USAGE
           : rc == RK_ENOTFOUND               ? EXIT_NOTFOUND
                                              : EXIT_FAILED;
}

typedef struct home {
    char dir[PATH_MAX];
    rk_hq_store *store;
    rk_hq_archive *archive;
    rk_hqca *ca;
} home;

static int home_path(char *out, size_t n, const char *dir, const char *name)
{
    int w = snprintf(out, n, "%s/%s", dir, name);
    return w < 0 || (size_t)w >= n ? rk_err_set(RK_ETOOBIG, "path too long") : 0;
}

static int home_open(home *h, const char *dir, int need_archive)
{
    char path[PATH_MAX];
    int rc;
    memset(h, 0, sizeof *h);
    if (!dir) return rk_err_set(RK_EINVAL, "--home DIR is required");
    snprintf(h->dir, sizeof h->dir, "%s", dir);
    /* The deployment's time zone first: every day HQ counts is its day. */
    if ((rc = rk_hq_settings_apply(dir)) != 0) return rc;
    if ((rc = home_path(path, sizeof path, dir, "ca")) || (rc = rk_hqca_open(&h->ca, path)))
        return rc;
    const char *spec = getenv("RAHQ_STORE");
    if (spec && spec[0])
        rc = rk_hq_store_open(&h->store, spec);
    else if (!(rc = home_path(path, sizeof path, dir, "hq.db")))
        rc = rk_hq_store_open(&h->store, path);
    if (rc) return rc;
    if (need_archive && ((rc = home_path(path, sizeof path, dir, "archives")) ||
                         (rc = rk_hq_archive_open_fs(&h->archive, path))))
        return rc;
    return 0;
}

static void home_close(home *h)
{
    rk_hq_archive_close(h->archive);
    rk_hq_store_close(h->store);
    rk_hqca_free(h->ca);
}

static int write_small(const char *path, const char *text, mode_t mode)
{
    return rk_file_write_atomic(path, text, strlen(text), mode);
}

static int read_all(unsigned char **out, size_t *len, const char *path, size_t max)
{
    rk_buf b;
    rk_buf_init(&b, max);
    int rc = rk_file_read(&b, path);
    if (rc) {
        rk_buf_free(&b);
        return rc;
    }
    *len = b.len;
    *out = (unsigned char *)rk_buf_take(&b);
    if (!*out) *out = calloc(1, 1);
    return *out ? 0 : rk_err_oom();
}

static void sha256_hex(char out[65], const unsigned char *p, size_t n)
{
    unsigned char md[32];
    EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL);
    rk_hex_encode(out, md, 32, 0);
}

/* ---- init ------------------------------------------------------------------------ */

static const char INIT_HELP[] =
    "usage: rahq init --home DIR --name NAME [--hosts LIST]\n\n"
    "Makes HQ's home folder: its CA (which issues branches' device certificates\n"
    "and signs HQ's CRL), the TLS server certificate for the names in --hosts,\n"
    "and the configuration signing key. Branches pin DIR/ca/ca.pem ([hq] ca_cert)\n"
    "and DIR/ca/config.pem ([hq] config_cert). The keys are software keys (0600).\n"
    "DIR/rahq.conf holds the deployment's settings: [hq] time_zone (default\n"
    "Asia/Shanghai), the business day of reconciliation and the fleet page.\n\n"
    "  --home DIR     HQ's folder (created)\n"
    "  --name NAME    HQ's organisation name\n"
    "  --hosts LIST   comma-separated DNS names and IP addresses of the server\n"
    "                 (default 127.0.0.1,localhost)\n";

static int cmd_init(int argc, char **argv)
{
    const char *dir = NULL, *name = NULL, *hosts = NULL;
    char ca_dir[PATH_MAX];
    rk_opt opts[] = {{"--home", RK_OPT_STR, &dir, 0, 0},
                     {"--name", RK_OPT_STR, &name, 0, 0},
                     {"--hosts", RK_OPT_STR, &hosts, 0, 0},
                     {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 2)) return printf("%s", INIT_HELP), 0;
    if (rk_opts_parse("rahq init", opts, argc, argv, 2, NULL, 0, NULL)) return EXIT_USAGE;
    if (!dir || !name) {
        fprintf(stderr, "rahq init: --home and --name are required; see rahq init --help\n");
        return EXIT_USAGE;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "rahq init: cannot make %s: %s\n", dir, strerror(errno));
        return EXIT_FAILED;
    }
    int rc = home_path(ca_dir, sizeof ca_dir, dir, "ca");
    rk_hqca_init_opts o = {.dir = ca_dir, .name = name, .hosts = hosts};
    if (!rc) rc = rk_hq_settings_write_default(dir);
    if (!rc) rc = rk_hqca_init(&o);
    if (rc) return fail(rc, "init");
    home h;
    if ((rc = home_open(&h, dir, 1)) != 0) {
        home_close(&h);
        return fail(rc, "init");
    }
    home_close(&h);
    printf("HQ initialised in %s (CA %s/ca.pem, configuration signer %s/config.pem)\n", dir, ca_dir,
           ca_dir);
    return 0;
}

/* ---- serve ------------------------------------------------------------------------ */

static const char SERVE_HELP[] =
    "usage: rahq serve --home DIR [--listen ADDR] [--port N] [--cmp-port N | --no-cmp]\n"
    "                  [--port-file F] [--cmp-port-file F] [--threads N] [--chunk BYTES]\n"
    "                  [--fleet-port N [--fleet-listen ADDR] [--fleet-port-file F]]\n\n"
    "Serves the sync protocol (docs/SYNC-PROTOCOL.md) over HTTPS with mutual TLS:\n"
    "every request must present a device certificate issued by HQ's CA, and may\n"
    "touch only its own branch's data. Serves CMP device enrolment on a second,\n"
    "plain-HTTP port (the CMP messages protect themselves). Runs until SIGINT or\n"
    "SIGTERM. Logs to stderr (RAKIOSK_LOG=error|warn|info|debug, default info).\n\n"
    "  --listen ADDR       address to listen on (default 127.0.0.1)\n"
    "  --port N            HTTPS port (default 8443; 0 picks a free one)\n"
    "  --cmp-port N        CMP port (default 8829; 0 picks a free one)\n"
    "  --no-cmp            no CMP listener\n"
    "  --port-file F       write the HTTPS port to F once listening\n"
    "  --cmp-port-file F   write the CMP port to F\n"
    "  --threads N         worker threads (default 4)\n"
    "  --chunk BYTES       tus chunk size advertised to branches (default 1048576)\n"
    "  --fleet-port N      serve the read-only fleet page (docs/FLEET.md) over plain\n"
    "                      HTTP on port N (0 picks a free one); off unless given\n"
    "  --fleet-listen ADDR its address (default 127.0.0.1: put HQ's own front in\n"
    "                      front of it, never the branches' port)\n"
    "  --fleet-port-file F write the fleet page's port to F\n";

static int cmd_serve(int argc, char **argv)
{
    const char *dir = NULL, *listen = NULL, *port_file = NULL, *cmp_port_file = NULL;
    const char *fleet_listen = NULL, *fleet_port_file = NULL;
    int64_t port = 8443, cmp_port = 8829, threads = 4, chunk = RK_HQ_CHUNK, fleet_port = -1;
    int no_cmp = 0, rc, bound = 0, cmp_bound = 0;
    rk_opt opts[] = {{"--home", RK_OPT_STR, &dir, 0, 0},
                     {"--listen", RK_OPT_STR, &listen, 0, 0},
                     {"--port", RK_OPT_INT, &port, 0, 65535},
                     {"--cmp-port", RK_OPT_INT, &cmp_port, 0, 65535},
                     {"--no-cmp", RK_OPT_FLAG, &no_cmp, 0, 0},
                     {"--port-file", RK_OPT_STR, &port_file, 0, 0},
                     {"--cmp-port-file", RK_OPT_STR, &cmp_port_file, 0, 0},
                     {"--threads", RK_OPT_INT, &threads, 1, 64},
                     {"--chunk", RK_OPT_INT, &chunk, 4096, RK_HQ_MAX_UPLOAD},
                     {"--fleet-port", RK_OPT_INT, &fleet_port, 0, 65535},
                     {"--fleet-listen", RK_OPT_STR, &fleet_listen, 0, 0},
                     {"--fleet-port-file", RK_OPT_STR, &fleet_port_file, 0, 0},
                     {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 2)) return printf("%s", SERVE_HELP), 0;
    if (rk_opts_parse("rahq serve", opts, argc, argv, 2, NULL, 0, NULL)) return EXIT_USAGE;
    if (!getenv("RAKIOSK_LOG")) rk_log_set_level(RK_LOG_INFO);

    home h;
    rk_hq_server *srv = NULL;
    char updates[PATH_MAX];
    if ((rc = home_open(&h, dir, 1)) != 0 ||
        (rc = home_path(updates, sizeof updates, dir, "updates")) != 0) {
        home_close(&h);
        return fail(rc, "serve");
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server's threads inherit it */
    signal(SIGPIPE, SIG_IGN);
    rk_hq_server_opts so = {.listen = listen,
                            .port = (int)port,
                            .cmp_port = no_cmp ? -1 : (int)cmp_port,
                            .threads = (int)threads,
                            .chunk = chunk,
                            .fleet_port = fleet_port < 0    ? 0
                                          : fleet_port == 0 ? -1
                                                            : (int)fleet_port,
                            .fleet_listen = fleet_listen,
                            .updates_dir = updates};
    if ((rc = rk_hq_server_start(&srv, h.store, h.archive, h.ca, &so, &bound, &cmp_bound)) != 0) {
        home_close(&h);
        return fail(rc, "serve");
    }
    char num[32];
    snprintf(num, sizeof num, "%d\n", bound);
    if (port_file && (rc = write_small(port_file, num, 0644)) != 0) goto out;
    snprintf(num, sizeof num, "%d\n", cmp_bound);
    if (cmp_port_file && !no_cmp && (rc = write_small(cmp_port_file, num, 0644)) != 0) goto out;
    int fleet_bound = rk_hq_server_fleet_port(srv);
    snprintf(num, sizeof num, "%d\n", fleet_bound);
    if (fleet_port_file && fleet_bound && (rc = write_small(fleet_port_file, num, 0644)) != 0)
        goto out;
    if (fleet_bound)
        rk_log_info("rahq: the fleet page on http://%s:%d/",
                    fleet_listen ? fleet_listen : "127.0.0.1", fleet_bound);
    rk_log_info("rahq: serving https://%s:%d/ (store %s)%s", listen ? listen : "127.0.0.1", bound,
                h.store->ops->name, no_cmp ? "" : "");
    if (!no_cmp)
        rk_log_info("rahq: CMP enrolment on http://%s:%d/pkix/", listen ? listen : "127.0.0.1",
                    cmp_bound);
    int sig = 0;
    sigwait(&set, &sig);
    rk_log_info("rahq: stopping (signal %d)", sig);
out:
    rk_hq_server_stop(srv);
    home_close(&h);
    return rc ? fail(rc, "serve") : 0;
}

/* ---- admin ------------------------------------------------------------------------- */

static const char ADMIN_HELP[] =
    "usage: rahq admin --home DIR <command> ...\n\n"
    "HQ's operator. Commands (each has --help):\n"
    "  branch add ID --name N --secret-file F   register a branch; its one-time\n"
    "                                           enrolment secret goes to F (0600)\n"
    "  branch reenrol ID --secret-file F        a new enrolment for a branch\n"
    "  branch list [--json]                     branches, last sync, backlog\n"
    "  branch show ID [--json]                  one branch with its counts\n"
    "  orders --branch B [--json]               HQ's copy of a branch's orders\n"
    "  uploads --branch B [--json]              a branch's archive uploads\n"
    "  incidents [--all] [--json]               the branches' incidents and their\n"
    "                                           escalation state now\n"
    "  statement import --provider wechat|alipay FILE\n"
    "                                           import a payment provider's daily\n"
    "                                           statement\n"
    "  reconcile --day D [--branch B] [--pdf F] [--xlsx F] [--json]\n"
    "                                           the day's payments against the orders\n"
    "  fleet --html F                           the fleet page, as serve shows it, to F\n"
    "  approve --branch B --order REF --authority-ref X\n"
    "                                           the competent authority approves\n"
    "  reject --branch B --order REF --reason R the competent authority rejects\n"
    "  order-status --branch B --order REF --status S [--note N]\n"
    "  clerk --branch B --login L --name N --roles R [--inactive]\n"
    "  recover-key --branch B --order REF [--recovery-key FILE]\n"
    "                                           release a key-recovery order's escrowed\n"
    "                                           key to its branch, wrapped to its device\n"
    "                                           certificate\n"
    "  revoke SERIAL [--reason N]               revoke a certificate of HQ's CA\n"
    "  crl publish [--days N] | --file CRL.der  sign and publish HQ's CRL\n"
    "  config publish --dir DIR | --file NAME=PATH ... | --bundle F.der\n"
    "                                           sign and publish a configuration bundle\n";

static int need(const char *cmd, const char *v, const char *name)
{
    if (v) return 0;
    fprintf(stderr, "%s: %s is required; see %s --help\n", cmd, name, cmd);
    return -1;
}

static int branch_add(home *h, int argc, char **argv, int again)
{
    const char *name = again ? "" : NULL, *secret_file = NULL;
    const char *cmd = again ? "rahq admin branch reenrol" : "rahq admin branch add";
    char *pos[1];
    int npos;
    rk_opt opts[] = {{"--name", RK_OPT_STR, &name, 0, 0},
                     {"--secret-file", RK_OPT_STR, &secret_file, 0, 0},
                     {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 0))
        return printf(again ? "usage: %s ID --secret-file F\n\n"
                              "Makes a new one-time enrolment reference (printed) and secret (F,\n"
                              "0600) for a registered branch: a replaced appliance, or a device\n"
                              "certificate to renew (the branch keeps its key and enrols again).\n"
                            : "usage: %s ID --name NAME --secret-file F\n\n"
                              "Registers branch ID (A-Z, 0-9, '-') and makes its one-time\n"
                              "enrolment reference (printed) and secret (written to F, mode 0600,\n"
                              "never printed). The branch enrols with\n"
                              "`ractl sync enrol --ref REF --secret-file F`.\n",
                      cmd),
               0;
    if (rk_opts_parse(cmd, opts, argc, argv, 0, pos, 1, &npos)) return EXIT_USAGE;
    if (npos != 1 || need(cmd, name, "--name") || need(cmd, secret_file, "--secret-file")) {
        if (npos != 1) fprintf(stderr, "%s: give the branch ID; see %s --help\n", cmd, cmd);
        return EXIT_USAGE;
    }
    if (!rk_sync_proto_branch_ok(pos[0])) {
        fprintf(stderr, "%s: '%s' is not a branch id (A-Z, 0-9, '-', at most 31)\n", cmd, pos[0]);
        return EXIT_USAGE;
    }
    unsigned char rnd[20], tag[4];
    char secret[64], ref[64], line[80], tag_hex[9];
    if (rk_random_bytes(rnd, sizeof rnd) || rk_random_bytes(tag, sizeof tag))
        return fail(RK_ECRYPTO, "branch add");
    rk_hex_encode(secret, rnd, sizeof rnd, 0);
    rk_hex_encode(tag_hex, tag, sizeof tag, 0);
    snprintf(ref, sizeof ref, "enrol-%s-%s", pos[0], tag_hex);
    snprintf(line, sizeof line, "%s\n", secret);
    int rc = write_small(secret_file, line, 0600);
    if (!rc)
        rc = again ? h->store->ops->branch_reenrol(h->store, pos[0], ref, secret)
                   : h->store->ops->branch_add(h->store, pos[0], name, ref, secret);
    rk_wipe(secret, sizeof secret);
    rk_wipe(line, sizeof line);
    rk_wipe(rnd, sizeof rnd);
    if (rc) {
        unlink(secret_file);
        return fail(rc, "branch add");
    }
    printf("branch %s %s; enrolment reference %s (secret in %s)\n", pos[0],
           again ? "may enrol again" : "registered", ref, secret_file);
    return 0;
}

static json_t *branch_json(const rk_hq_branch *b)
{
    return json_pack("{ss ss sb ss sb sI sI sI sI sI sI sI}", "id", b->id, "name", b->name,
                     "active", b->active, "certificate", b->cert_serial, "enrolled", b->enrol_used,
                     "last_seen", (json_int_t)b->last_seen, "acked_seq", (json_int_t)b->hwm,
                     "audit_seq", (json_int_t)b->audit_seq, "pulled", (json_int_t)b->pulled,
                     "backlog", (json_int_t)b->backlog, "archives", (json_int_t)b->archives,
                     "archives_open", (json_int_t)b->archives_open);
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    if (s) printf("%s\n", s);
    free(s);
    json_decref(j);
}

static int branch_list(home *h, int argc, char **argv)
{
    int json = 0, n = 0;
    rk_hq_branch *b = NULL;
    rk_opt opts[] = {{"--json", RK_OPT_FLAG, &json, 0, 0}, {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 0))
        return printf("usage: rahq admin branch list [--json]\n\n"
                      "Every branch: enrolled or not, last contact, the events HQ acknowledged,\n"
                      "the changes waiting for it (backlog) and its uploads.\n"),
               0;
    if (rk_opts_parse("rahq admin branch list", opts, argc, argv, 0, NULL, 0, NULL))
        return EXIT_USAGE;
    int rc = h->store->ops->branch_list(h->store, &b, &n);
    if (rc) return fail(rc, "branch list");
    if (json) {
        json_t *arr = json_array();
        for (int i = 0; i < n; i++)
            json_array_append_new(arr, branch_json(&b[i]));
        print_json(arr);
    } else {
        printf("%-12s %-8s %-25s %10s %8s %9s\n", "branch", "enrolled", "last sync", "acked",
               "backlog", "archives");
        for (int i = 0; i < n; i++) {
            char seen[32] = "never";
            if (b[i].last_seen) rk_clock_format(seen, b[i].last_seen);
            printf("%-12s %-8s %-25s %10lld %8lld %5lld/%-3lld\n", b[i].id,
                   b[i].enrol_used ? "yes" : "no", seen, (long long)b[i].hwm,
                   (long long)b[i].backlog, (long long)(b[i].archives - b[i].archives_open),
                   (long long)b[i].archives);
        }
    }
    free(b);
    return 0;
}

static int branch_show(home *h, int argc, char **argv)
{
    int json = 0, npos;
    char *pos[1];
    rk_hq_branch b;
    int64_t events = 0, dups = 0, orders = 0;
    rk_opt opts[] = {{"--json", RK_OPT_FLAG, &json, 0, 0}, {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 0))
        return printf("usage: rahq admin branch show ID [--json]\n\n"
                      "One branch: its marks and the counts of what HQ holds for it.\n"),
               0;
    if (rk_opts_parse("rahq admin branch show", opts, argc, argv, 0, pos, 1, &npos) || npos != 1)
        return npos != 1 ? (fprintf(stderr, "rahq admin branch show: give the ID\n"), EXIT_USAGE)
                         : EXIT_USAGE;
    int rc = h->store->ops->branch_get(h->store, pos[0], &b);
    if (!rc) rc = h->store->ops->event_count(h->store, pos[0], &events, &dups);
    if (!rc) rc = h->store->ops->order_count(h->store, pos[0], &orders);
    if (rc) return fail(rc, "branch show");
    if (json) {
        json_t *j = branch_json(&b);
        json_object_set_new(j, "events", json_integer(events));
        json_object_set_new(j, "duplicate_events", json_integer(dups));
        json_object_set_new(j, "orders", json_integer(orders));
        print_json(j);
    } else
        printf("branch %s (%s): %lld events (acked up to %lld, %lld duplicated), %lld orders, "
               "audit anchored at %lld, %lld changes waiting, %lld of %lld uploads complete\n",
               b.id, b.name, (long long)events, (long long)b.hwm, (long long)dups,
               (long long)orders, (long long)b.audit_seq, (long long)b.backlog,
               (long long)(b.archives - b.archives_open), (long long)b.archives);
    return 0;
}

static int list_orders(home *h, int argc, char **argv)
{
    const char *branch = NULL, *cmd = "rahq admin orders";
    int json = 0, n = 0;
    rk_hq_order *o = NULL;
    rk_opt opts[] = {{"--branch", RK_OPT_STR, &branch, 0, 0},
                     {"--json", RK_OPT_FLAG, &json, 0, 0},
                     {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 0))
        return printf("usage: %s --branch B [--json]\n\n"
                      "HQ's copy of a branch's orders: reference, business type, state and the\n"
                      "newest event it holds of each.\n",
                      cmd),
               0;
    if (rk_opts_parse(cmd, opts, argc, argv, 0, NULL, 0, NULL) || need(cmd, branch, "--branch"))
        return EXIT_USAGE;
    int rc = h->store->ops->order_list(h->store, branch, &o, &n);
    if (rc) return fail(rc, "orders");
    json_t *arr = json ? json_array() : NULL;
    for (int i = 0; i < n; i++) {
        if (json)
            json_array_append_new(arr, json_pack("{ss ss ss ss sI sI}", "uuid", o[i].uuid, "ref",
                                                 o[i].ref, "business", o[i].business, "state",
                                                 o[i].state, "last_seq", (json_int_t)o[i].last_seq,
                                                 "first_at", (json_int_t)o[i].first_at));
        else
            printf("%-14s %-10s %-10s %8lld %s\n", o[i].ref, o[i].business, o[i].state,
                   (long long)o[i].last_seq, o[i].uuid);
    }
    if (json) print_json(arr);
    free(o);
    return 0;
}

static int admin_fleet(home *h, int argc, char **argv)
{
    const char *cmd = "rahq admin fleet", *html = NULL;
    rk_opt opts[] = {{"--html", RK_OPT_STR, &html, 0, 0}, {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 0))
        return printf("usage: %s --html FILE\n\n"
                      "Writes the fleet page (docs/FLEET.md) as `rahq serve --fleet-port`\n"
                      "serves it, at the clock's time (RAKIOSK_NOW moves it), to FILE.\n",
                      cmd),
               0;
    if (rk_opts_parse(cmd, opts, argc, argv, 0, NULL, 0, NULL) || need(cmd, html, "--html"))
        return EXIT_USAGE;
    rk_buf page;
    rk_buf_init(&page, RK_HQ_FLEET_MAX);
    int rc = rk_hq_fleet_page(h->store, rk_clock_now(), &page);
    if (!rc) rc = rk_file_write_atomic(html, page.data, page.len, 0644);
    rk_buf_free(&page);
    return rc ? fail(rc, "fleet") : 0;
}

static int list_incidents(home *h, int argc, char **argv)
{
    const char *cmd = "rahq admin incidents";
    int json = 0, all = 0, n = 0;
    rk_hq_incident *x = NULL;
    rk_opt opts[] = {{"--json", RK_OPT_FLAG, &json, 0, 0},
                     {"--all", RK_OPT_FLAG, &all, 0, 0},
                     {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 0))
        return printf("usage: %s [--all] [--json]\n\n"
                      "The branches' open incidents (with --all closed ones too) as their\n"
                      "syncs brought them, with their escalation state now: whom the ladder\n"
                      "has reached (urgent: account manager 2 h, support manager 8 h,\n"
                      "technical director 12 h, president 24 h; serious from 8 h; general\n"
                      "from 12 h), the next rung, and first contact overdue (1 h).\n",
                      cmd),
               0;
    if (rk_opts_parse(cmd, opts, argc, argv, 0, NULL, 0, NULL)) return EXIT_USAGE;
    int64_t now = rk_clock_now();
    int rc = rk_hq_incidents(h->store, !all, now, &x, &n);
    if (rc) return fail(rc, "incidents");
    json_t *arr = json ? json_array() : NULL;
    for (int i = 0; i < n; i++) {
        const rk_hq_incident *c = &x[i];
        if (json)
            json_array_append_new(
                arr,
                json_pack("{ss ss ss ss ss sI sI sI sb si ss sI ss sb sb}", "branch", c->branch,
                          "uuid", c->x.uuid, "level", rk_incident_level_name(c->x.level),
                          "affected", c->x.affected, "summary", c->x.summary, "opened_at",
                          (json_int_t)c->x.opened_at, "contacted_at", (json_int_t)c->x.contacted_at,
                          "closed_at", (json_int_t)c->x.closed_at, "open", c->st.open, "rung",
                          c->st.rung, "escalated_to", c->st.role, "next_at",
                          (json_int_t)c->st.next_at, "next_to", c->st.next_role, "contact_overdue",
                          c->st.contact_overdue, "solution_overdue", c->st.solution_overdue));
        else
            printf("%-8s %-7s %s  %s  escalated to: %s%s%s%s%s\n", c->branch,
                   rk_incident_level_name(c->x.level), c->x.uuid, c->x.affected,
                   c->st.rung ? c->st.role : "nobody yet", c->st.open ? "" : " (closed)",
                   c->st.contact_overdue ? "; first contact overdue" : "",
                   c->st.next_at ? "; next: " : "", c->st.next_at ? c->st.next_role : "");
    }
    if (json) print_json(arr);
    free(x);
    return 0;
}

static int list_uploads(home *h, int argc, char **argv)
{
    const char *branch = NULL, *cmd = "rahq admin uploads";
    int json = 0, n = 0;
    rk_hq_upload *u = NULL;
    rk_opt opts[] = {{"--branch", RK_OPT_STR, &branch, 0, 0},
                     {"--json", RK_OPT_FLAG, &json, 0, 0},
                     {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 0))
        return printf("usage: %s --branch B [--json]\n\n"
                      "A branch's archive uploads: length, the SHA-256 it claimed and the one HQ\n"
                      "computed over what it stored, and whether they match.\n",
                      cmd),
               0;
    if (rk_opts_parse(cmd, opts, argc, argv, 0, NULL, 0, NULL) || need(cmd, branch, "--branch"))
        return EXIT_USAGE;
    int rc = h->store->ops->upload_list(h->store, branch, &u, &n);
    if (rc) return fail(rc, "uploads");
    json_t *arr = json ? json_array() : NULL;
    for (int i = 0; i < n; i++) {
        if (json)
            json_array_append_new(arr,
                                  json_pack("{ss sI ss ss ss sb sb ss}", "id", u[i].id, "length",
                                            (json_int_t)u[i].length, "sha256", u[i].sha256,
                                            "stored_sha256", u[i].stored_sha256, "kind", u[i].kind,
                                            "complete", u[i].completed_at != 0, "matches",
                                            u[i].matches, "filename", u[i].filename));
        else
            printf("%s %10lld %-9s %s %s\n", u[i].id, (long long)u[i].length,
                   u[i].completed_at ? (u[i].matches ? "complete" : "MISMATCH") : "partial",
                   u[i].sha256, u[i].filename);
    }
    if (json) print_json(arr);
    free(u);
    return 0;
}

/* An order of branch b that HQ holds, for a decision about it. */
static int find_order(home *h, const char *cmd, const char *branch, const char *ref, rk_hq_order *o)
{
    int rc = h->store->ops->order_get(h->store, branch, ref, o);
    if (rc) return fail(rc, cmd);
    return 0;
}

static int decide(home *h, int argc, char **argv, int approve)
{
    const char *branch = NULL, *order = NULL, *aref = NULL, *reason = NULL;
    const char *cmd = approve ? "rahq admin approve" : "rahq admin reject";
    rk_hq_order o;
    rk_opt opts[] = {{"--branch", RK_OPT_STR, &branch, 0, 0},
                     {"--order", RK_OPT_STR, &order, 0, 0},
                     {approve ? "--authority-ref" : "--reason", RK_OPT_STR,
                      approve ? (void *)&aref : (void *)&reason, 0, 0},
                     {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 0))
        return printf(approve
                          ? "usage: %s --branch B --order REF --authority-ref X\n\n"
                            "The competent authority approves an order waiting for it (state\n"
                            "'authority' as the branch last reported); the branch applies it at\n"
                            "its next sync.\n"
                          : "usage: %s --branch B --order REF --reason R\n\n"
                            "The competent authority rejects an order waiting for it; the reason\n"
                            "is shown to the subscriber.\n",
                      cmd),
               0;
    if (rk_opts_parse(cmd, opts, argc, argv, 0, NULL, 0, NULL) || need(cmd, branch, "--branch") ||
        need(cmd, order, "--order") ||
        need(cmd, approve ? aref : reason, approve ? "--authority-ref" : "--reason"))
        return EXIT_USAGE;
    int rc = find_order(h, cmd, branch, order, &o);
    if (rc) return rc;
    if (strcmp(o.state, "authority")) {
        fprintf(stderr,
                "%s: order %s of %s is '%s' at HQ, not waiting for the competent authority\n", cmd,
                o.ref, branch, o.state);
        return EXIT_STATE;
    }
    json_t *p = approve ? json_pack("{ss ss ss}", "order", o.uuid, "decision", "approved",
                                    "authority_ref", aref)
                        : json_pack("{ss ss ss}", "order", o.uuid, "decision", "rejected", "reason",
                                    reason);
    char *text = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(p);
    int64_t cursor = 0;
    rc = text ? h->store->ops->change_add(h->store, branch, NULL, "authority.decision", text,
                                          &cursor)
              : rk_err_set(RK_EINVAL, "the value is not UTF-8");
    free(text);
    if (rc) return fail(rc, cmd);
    printf("order %s of %s %s (change %lld)\n", o.ref, branch, approve ? "approved" : "rejected",
           (long long)cursor);
    return 0;
}

static int order_status(home *h, int argc, char **argv)
{
    const char *branch = NULL, *order = NULL, *status = NULL, *note = "",
               *cmd = "rahq admin order-status";
    rk_hq_order o;
    rk_opt opts[] = {{"--branch", RK_OPT_STR, &branch, 0, 0},
                     {"--order", RK_OPT_STR, &order, 0, 0},
                     {"--status", RK_OPT_STR, &status, 0, 0},
                     {"--note", RK_OPT_STR, &note, 0, 0},
                     {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 0))
        return printf("usage: %s --branch B --order REF --status received|filed|queried "
                      "[--note N]\n\nHQ's own processing status of an order, shown to the "
                      "branch's clerks.\n",
                      cmd),
               0;
    if (rk_opts_parse(cmd, opts, argc, argv, 0, NULL, 0, NULL) || need(cmd, branch, "--branch") ||
        need(cmd, order, "--order") || need(cmd, status, "--status"))
        return EXIT_USAGE;
    if (strcmp(status, "received") && strcmp(status, "filed") && strcmp(status, "queried")) {
        fprintf(stderr, "%s: --status is received, filed or queried\n", cmd);
        return EXIT_USAGE;
    }
    int rc = find_order(h, cmd, branch, order, &o);
    if (rc) return rc;
    json_t *p = json_pack("{ss ss ss}", "order", o.uuid, "status", status, "note", note);
    char *text = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(p);
    rc = text ? h->store->ops->change_add(h->store, branch, NULL, "order.status", text, NULL)
              : rk_err_set(RK_EINVAL, "the note is not UTF-8");
    free(text);
    if (rc) return fail(rc, cmd);
    printf("order %s of %s: HQ status %s\n", o.ref, branch, status);
    return 0;
}

static int admin_clerk(home *h, int argc, char **argv)
{
    const char *branch = NULL, *login = NULL, *name = NULL, *roles = NULL,
               *cmd = "rahq admin clerk";
    int inactive = 0, active = 0;
    rk_opt opts[] = {
        {"--branch", RK_OPT_STR, &branch, 0, 0},      {"--login", RK_OPT_STR, &login, 0, 0},
        {"--name", RK_OPT_STR, &name, 0, 0},          {"--roles", RK_OPT_STR, &roles, 0, 0},
        {"--inactive", RK_OPT_FLAG, &inactive, 0, 0}, {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 0))
        return printf("usage: %s --branch B --login L --name N --roles R [--inactive]\n\n"
                      "The branch's roster as HQ keeps it: adds the clerk, changes roles\n"
                      "(entry,review,issue,archive,supervisor) or deactivates the clerk.\n",
                      cmd),
               0;
    if (rk_opts_parse(cmd, opts, argc, argv, 0, NULL, 0, NULL) || need(cmd, branch, "--branch") ||
        need(cmd, login, "--login") || need(cmd, name, "--name") || need(cmd, roles, "--roles"))
        return EXIT_USAGE;
    active = !inactive;
    rk_hq_branch b;
    int rc = h->store->ops->branch_get(h->store, branch, &b);
    if (rc) return fail(rc, cmd);
    json_t *p =
        json_pack("{ss ss ss sb}", "login", login, "name", name, "roles", roles, "active", active);
    char *text = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(p);
    rc = text ? h->store->ops->change_add(h->store, branch, NULL, "clerk.roster", text, NULL)
              : rk_err_set(RK_EINVAL, "a value is not UTF-8");
    free(text);
    if (rc) return fail(rc, cmd);
    printf("roster of %s: %s (%s) %s\n", branch, login, roles, active ? "active" : "inactive");
    return 0;
}

static int admin_revoke(home *h, int argc, char **argv)
{
    int64_t reason = 0;
    char *pos[1];
    int npos, fresh = 0;
    rk_opt opts[] = {{"--reason", RK_OPT_INT, &reason, 0, 10}, {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 0))
        return printf("usage: rahq admin revoke SERIAL [--reason N]\n\n"
                      "Revokes a certificate of HQ's CA (a branch's device certificate, which\n"
                      "then no longer reaches HQ); it is on the next `crl publish` and every\n"
                      "branch learns of it. Reasons: 0 unspecified, 1 keyCompromise, 4\n"
                      "superseded, 5 cessationOfOperation.\n"),
               0;
    if (rk_opts_parse("rahq admin revoke", opts, argc, argv, 0, pos, 1, &npos) || npos != 1) {
        if (npos != 1) fprintf(stderr, "rahq admin revoke: give the serial (hex)\n");
        return EXIT_USAGE;
    }
    int rc = h->store->ops->revoke(h->store, pos[0], (int)reason, rk_clock_now(), &fresh);
    if (rc) return fail(rc, "revoke");
    printf(fresh ? "certificate %s revoked\n" : "certificate %s was revoked already\n", pos[0]);
    return 0;
}

static int admin_recover_key(home *h, int argc, char **argv)
{
    const char *branch = NULL, *order = NULL, *keyfile = NULL, *cmd = "rahq admin recover-key";
    char kpath[PATH_MAX], cpath[PATH_MAX];
    rk_opt opts[] = {{"--branch", RK_OPT_STR, &branch, 0, 0},
                     {"--order", RK_OPT_STR, &order, 0, 0},
                     {"--recovery-key", RK_OPT_STR, &keyfile, 0, 0},
                     {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 0))
        return printf("usage: %s --branch B --order REF [--recovery-key FILE]\n\n"
                      "HQ, as the competent authority, releases the escrowed encryption key of\n"
                      "branch B's key-recovery order REF (approved or paid at the branch) to that\n"
                      "branch: the escrow B pushed is opened with HQ's recovery key (FILE, PEM;\n"
                      "default <home>/ca/recovery.key), the key is wrapped again to B's device\n"
                      "certificate (the one HQ's CA issued it and it authenticates with) and\n"
                      "goes to B alone as a key.recovered change; B's `ractl key recover` then\n"
                      "opens it with its device key in its HSM. Refused: an order that is not a\n"
                      "key recovery or not approved, a certificate another branch escrowed or\n"
                      "that belongs to another subscriber, a retired branch, a device\n"
                      "certificate that is revoked, expired or not the one in force.\n",
                      cmd),
               0;
    if (rk_opts_parse(cmd, opts, argc, argv, 0, NULL, 0, NULL) || need(cmd, branch, "--branch") ||
        need(cmd, order, "--order"))
        return EXIT_USAGE;
    int rc = home_path(kpath, sizeof kpath, h->dir, "ca/recovery.key");
    if (!rc) rc = home_path(cpath, sizeof cpath, h->dir, "ca/recovery.pem");
    if (rc) return fail(rc, cmd);
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    if ((rc = rk_pem_key_file(&key, keyfile ? keyfile : kpath, NULL)) != 0) return fail(rc, cmd);
    /* The certificate picks the recipient; without it every one is tried. */
    if (!keyfile && rk_pem_cert_file(&cert, cpath) != 0) rk_err_clear();
    rk_hq_recover_req req = {.branch = branch,
                             .order = order,
                             .recovery_key = key,
                             .recovery_cert = cert,
                             .hq_ca = rk_hqca_cert(h->ca)};
    rk_hq_recover_result res;
    rc = rk_hq_recover(h->store, &req, &res);
    EVP_PKEY_free(key);
    X509_free(cert);
    if (rc == RK_EPERM) {
        fprintf(stderr, "rahq: %s: refused: %s\n", cmd, rk_err_msg());
        return EXIT_STATE;
    }
    if (rc) return fail(rc, cmd);
    printf("key of certificate %s released to %s for order %s, wrapped to device certificate "
           "%s (change %lld)\n",
           res.serial, branch, res.order_ref, res.device_serial, (long long)res.cursor);
    return 0;
}

static int publish(home *h, int type, const unsigned char *der, size_t len, int64_t version,
                   const char *what)
{
    rk_hq_blob b = {
        .version = version, .at = rk_clock_now(), .der = (unsigned char *)der, .len = len};
    sha256_hex(b.sha256, der, len);
    int rc = h->store->ops->blob_put(h->store, type, &b);
    if (rc) return fail(rc, what);
    printf("%s %lld published (%zu bytes, sha256 %s)\n", what, (long long)version, len, b.sha256);
    return 0;
}

static int admin_crl(home *h, int argc, char **argv)
{
    int64_t days = 7;
    const char *file = NULL;
    char *pos[1];
    int npos;
    rk_opt opts[] = {{"--days", RK_OPT_INT, &days, 1, 365},
                     {"--file", RK_OPT_STR, &file, 0, 0},
                     {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 0))
        return printf("usage: rahq admin crl publish [--days N] | --file CRL.der\n\n"
                      "Signs a full CRL of every certificate HQ's CA revoked (valid N days,\n"
                      "default 7) and publishes it at /v1/crl, or publishes a CRL made by HQ's\n"
                      "CA elsewhere as it is (branches verify it before use).\n"),
               0;
    if (rk_opts_parse("rahq admin crl", opts, argc, argv, 0, pos, 1, &npos) || npos != 1 ||
        strcmp(pos[0], "publish")) {
        fprintf(stderr, "rahq admin crl: the command is `crl publish`; see --help\n");
        return EXIT_USAGE;
    }
    int64_t number;
    int rc = h->store->ops->blob_next(h->store, RK_HQ_BLOB_CRL, &number);
    if (rc) return fail(rc, "crl publish");
    unsigned char *der = NULL;
    size_t len = 0;
    if (file)
        rc = read_all(&der, &len, file, 256u << 20);
    else {
        rk_hq_revoked *r = NULL;
        int n = 0;
        rc = h->store->ops->revoked(h->store, &r, &n);
        if (!rc)
            rc = rk_hqca_crl(&der, &len, h->ca, r, n, (uint64_t)number, rk_clock_now(), (int)days);
        free(r);
    }
    if (rc) return fail(rc, "crl publish");
    rc = publish(h, RK_HQ_BLOB_CRL, der, len, number, "CRL");
    free(der);
    return rc;
}

static const char *const CONFIG_FILES[] = {"fees.ini", "forms.ini", "profiles.ini", "calendar.ini",
                                           "knowledge.ini"};

static int config_add(json_t *files, const char *name, const char *path)
{
    unsigned char *data = NULL;
    size_t len = 0;
    char sha[65];
    int known = 0;
    for (size_t i = 0; i < sizeof CONFIG_FILES / sizeof CONFIG_FILES[0]; i++)
        known |= !strcmp(name, CONFIG_FILES[i]);
    if (!known)
        return rk_err_set(RK_EINVAL,
                          "%s is not a configuration file of a bundle (fees.ini, "
                          "forms.ini, profiles.ini, calendar.ini, knowledge.ini)",
                          name);
    int rc = read_all(&data, &len, path, 16u << 20);
    if (rc) return rc;
    rk_buf b64;
    rk_buf_init(&b64, 32u << 20);
    rc = rk_sync_proto_b64(&b64, data, len);
    sha256_hex(sha, data, len);
    free(data);
    if (!rc)
        json_object_set_new(files, name, json_pack("{ss ss}", "sha256", sha, "data", b64.data));
    rk_buf_free(&b64);
    return rc;
}

static int admin_config(home *h, int argc, char **argv)
{
    const char *dir = NULL, *bundle = NULL, *file[8];
    int nfile = 0, rc;
    if (rk_opts_help(argc, argv, 0))
        return printf("usage: rahq admin config publish --dir DIR | --file NAME=PATH ... |\n"
                      "                                 --bundle F.der\n\n"
                      "Makes the next configuration bundle (fees.ini, forms.ini, profiles.ini,\n"
                      "calendar.ini, knowledge.ini: those found in DIR, or each --file), signs it\n"
                      "with HQ's configuration key (CMS) and publishes it at /v1/config/latest.\n"
                      "--bundle publishes a bundle signed elsewhere as it is (branches verify\n"
                      "it before use).\n"),
               0;
    if (argc < 1 || strcmp(argv[0], "publish")) {
        fprintf(stderr, "rahq admin config: the command is `config publish`; see --help\n");
        return EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) {
            fprintf(stderr, "rahq admin config publish: %s needs a value\n", argv[i]);
            return EXIT_USAGE;
        }
        if (!strcmp(argv[i], "--dir"))
            dir = argv[++i];
        else if (!strcmp(argv[i], "--bundle"))
            bundle = argv[++i];
        else if (!strcmp(argv[i], "--file") && nfile < 8)
            file[nfile++] = argv[++i];
        else {
            fprintf(stderr, "rahq admin config publish: unexpected '%s'; see --help\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (!!dir + !!bundle + !!nfile != 1) {
        fprintf(stderr, "rahq admin config publish: give one of --dir, --file or --bundle\n");
        return EXIT_USAGE;
    }
    int64_t version;
    if ((rc = h->store->ops->blob_next(h->store, RK_HQ_BLOB_CONFIG, &version)) != 0)
        return fail(rc, "config publish");
    unsigned char *der = NULL;
    size_t len = 0;
    if (bundle) {
        if ((rc = read_all(&der, &len, bundle, 64u << 20)) != 0) return fail(rc, "config publish");
    } else {
        json_t *files = json_object();
        rc = 0;
        if (dir)
            for (size_t i = 0; !rc && i < sizeof CONFIG_FILES / sizeof CONFIG_FILES[0]; i++) {
                char path[PATH_MAX];
                snprintf(path, sizeof path, "%s/%s", dir, CONFIG_FILES[i]);
                if (access(path, R_OK) == 0) rc = config_add(files, CONFIG_FILES[i], path);
            }
        for (int i = 0; !rc && i < nfile; i++) {
            char name[64];
            const char *eq = strchr(file[i], '=');
            if (!eq || eq == file[i] || (size_t)(eq - file[i]) >= sizeof name) {
                rc = rk_err_set(RK_EINVAL, "--file takes NAME=PATH, not '%s'", file[i]);
                break;
            }
            snprintf(name, sizeof name, "%.*s", (int)(eq - file[i]), file[i]);
            rc = config_add(files, name, eq + 1);
        }
        if (!rc && json_object_size(files) == 0)
            rc = rk_err_set(RK_EINVAL, "no configuration file found to publish");
        json_t *doc =
            rc ? NULL
               : json_pack("{si sI sI so}", "rakiosk_config", 1, "version", (json_int_t)version,
                           "issued_at", (json_int_t)rk_clock_now(), "files", files);
        if (rc) json_decref(files);
        char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(doc);
        if (!rc && !text) rc = rk_err_oom();
        if (!rc)
            rc = rk_hqca_sign_config(&der, &len, h->ca, (const unsigned char *)text, strlen(text));
        free(text);
        if (rc) return fail(rc, "config publish");
    }
    rc = publish(h, RK_HQ_BLOB_CONFIG, der, len, version, "configuration bundle");
    free(der);
    return rc;
}

static int admin_update(home *h, int argc, char **argv)
{
    const char *version = NULL;
    int json = 0, npos = 0, rc;
    char *pos[2];
    char dir[PATH_MAX];
    rk_sync_proto_update u;
    rk_opt opts[] = {{"--version", RK_OPT_STR, &version, 0, 0},
                     {"--json", RK_OPT_FLAG, &json, 0, 0},
                     {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 0))
        return printf("usage: rahq admin update publish BUNDLE --version V\n"
                      "       rahq admin update show [--json]\n\n"
                      "publish copies a signed RAUC update bundle (image/bundle) into HQ's\n"
                      "updates/ folder and announces it at GET /v1/update; branches fetch it\n"
                      "during their sync, resumably, and hand it to `rauc install`, which checks\n"
                      "its signature against the update key the terminal trusts. V is the\n"
                      "bundle's version (its manifest's). show prints the announcement.\n"),
               0;
    if (rk_opts_parse("rahq admin update", opts, argc, argv, 0, pos, 2, &npos)) return EXIT_USAGE;
    if ((rc = home_path(dir, sizeof dir, h->dir, "updates")) != 0) return fail(rc, "update");
    if (npos == 2 && !strcmp(pos[0], "publish")) {
        if (need("rahq admin update publish", version, "--version")) return EXIT_USAGE;
        if ((rc = rk_hq_update_publish(&u, dir, pos[1], version, rk_clock_now())) != 0)
            return fail(rc, "update publish");
        rk_log_info("rahq: update %s published (%lld bytes, SHA-256 %s)", u.version,
                    (long long)u.size, u.sha256);
    } else if (npos == 1 && !strcmp(pos[0], "show")) {
        if ((rc = rk_hq_update_latest(&u, dir)) != 0) return fail(rc, "update show");
    } else {
        fprintf(stderr, "rahq admin update: the commands are `update publish BUNDLE --version V` "
                        "and `update show`; see --help\n");
        return EXIT_USAGE;
    }
    if (json) {
        rk_buf b;
        rk_buf_init(&b, 64 * 1024);
        if ((rc = rk_sync_proto_update_write(&b, &u)) == 0) printf("%s\n", b.data);
        rk_buf_free(&b);
        return rc ? fail(rc, "update") : 0;
    }
    printf("version %s\nsize %lld\nsha256 %s\nurl %s\n", u.version, (long long)u.size, u.sha256,
           u.url);
    return 0;
}

static int cmd_admin(int argc, char **argv)
{
    const char *dir = NULL;
    int i = 2;
    if (i + 1 < argc && !strcmp(argv[i], "--home")) {
        dir = argv[i + 1];
        i += 2;
    }
    if (i >= argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
        printf("%s", ADMIN_HELP);
        return i >= argc ? EXIT_USAGE : 0;
    }
    const char *c = argv[i];
    int sub = i + 1;
    /* Help needs no home. */
    if (!dir && !rk_opts_help(argc, argv, sub)) {
        fprintf(stderr, "rahq admin: --home DIR comes first; see rahq admin --help\n");
        return EXIT_USAGE;
    }
    home h;
    memset(&h, 0, sizeof h);
    int rc = 0;
    if (dir && (rc = home_open(&h, dir, 0)) != 0) {
        home_close(&h);
        return fail(rc, "admin");
    }
    int ex;
    if (!strcmp(c, "branch") && sub < argc && !strcmp(argv[sub], "add"))
        ex = branch_add(&h, argc - sub - 1, argv + sub + 1, 0);
    else if (!strcmp(c, "branch") && sub < argc && !strcmp(argv[sub], "reenrol"))
        ex = branch_add(&h, argc - sub - 1, argv + sub + 1, 1);
    else if (!strcmp(c, "branch") && sub < argc && !strcmp(argv[sub], "list"))
        ex = branch_list(&h, argc - sub - 1, argv + sub + 1);
    else if (!strcmp(c, "branch") && sub < argc && !strcmp(argv[sub], "show"))
        ex = branch_show(&h, argc - sub - 1, argv + sub + 1);
    else if (!strcmp(c, "approve"))
        ex = decide(&h, argc - sub, argv + sub, 1);
    else if (!strcmp(c, "reject"))
        ex = decide(&h, argc - sub, argv + sub, 0);
    else if (!strcmp(c, "orders"))
        ex = list_orders(&h, argc - sub, argv + sub);
    else if (!strcmp(c, "uploads"))
        ex = list_uploads(&h, argc - sub, argv + sub);
    else if (!strcmp(c, "incidents"))
        ex = list_incidents(&h, argc - sub, argv + sub);
    else if (!strcmp(c, "statement"))
        ex = rk_hq_cli_statement(h.store, argc - sub, argv + sub);
    else if (!strcmp(c, "reconcile"))
        ex = rk_hq_cli_reconcile(h.store, argc - sub, argv + sub);
    else if (!strcmp(c, "fleet"))
        ex = admin_fleet(&h, argc - sub, argv + sub);
    else if (!strcmp(c, "order-status"))
        ex = order_status(&h, argc - sub, argv + sub);
    else if (!strcmp(c, "clerk"))
        ex = admin_clerk(&h, argc - sub, argv + sub);
    else if (!strcmp(c, "revoke"))
        ex = admin_revoke(&h, argc - sub, argv + sub);
    else if (!strcmp(c, "recover-key"))
        ex = admin_recover_key(&h, argc - sub, argv + sub);
    else if (!strcmp(c, "crl"))
        ex = admin_crl(&h, argc - sub, argv + sub);
    else if (!strcmp(c, "config"))
        ex = admin_config(&h, argc - sub, argv + sub);
    else if (!strcmp(c, "update"))
        ex = admin_update(&h, argc - sub, argv + sub);
    else {
        fprintf(stderr, "rahq admin: unknown command '%s'; see rahq admin --help\n", c);
        ex = EXIT_USAGE;
    }
    home_close(&h);
    return ex;
}

static const char HELP[] =
    "usage: rahq <command> ...\n\n"
    "The reference headquarters server of rakiosk's sync protocol\n"
    "(docs/SYNC-PROTOCOL.md): branches push orders, audit and archives and pull\n"
    "HQ's decisions, CRLs and configuration over HTTPS with mutual TLS.\n\n"
    "Commands (each has --help):\n"
    "  init    make HQ's home folder: CA, TLS server and configuration keys\n"
    "  serve   serve the protocol and CMP device enrolment\n"
    "  admin   HQ's operator: branches, authority decisions, roster, revocations,\n"
    "          CRLs, configuration bundles, system updates, payment statements and\n"
    "          reconciliation\n\n"
    "Environment: RAHQ_STORE names HQ's store in place of <home>/hq.db: a\n"
    "postgresql:// URL (libpq's syntax; keep a password in ~/.pgpass, not in the\n"
    "URL) for a fleet, whose schema rahq creates and migrates itself, or a file\n"
    "path (a SQLite database). The CA keys and archives stay in the home folder;\n"
    "several rahq processes may serve one PostgreSQL store.\n\n"
    "Exit codes: 0 done, 1 failed, 2 usage, 6 no such branch or order, 7 refused in\n"
    "the present state (exists already, not waiting for a decision, a key recovery\n"
    "HQ refuses).\n";

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        printf("%s", HELP);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (!strcmp(argv[1], "--version")) return printf("rahq %s\n", RK_VERSION), 0;
    if (!strcmp(argv[1], "init")) return cmd_init(argc, argv);
    if (!strcmp(argv[1], "serve")) return cmd_serve(argc, argv);
    if (!strcmp(argv[1], "admin")) return cmd_admin(argc, argv);
    fprintf(stderr, "rahq: unknown command '%s'; see rahq --help\n", argv[1]);
    return EXIT_USAGE;
}
