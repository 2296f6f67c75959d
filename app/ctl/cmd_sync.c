/*
 * `ractl sync status|enrol|queue`: the sync daemon's state, the device's
 * enrolment with HQ, and files queued for HQ's archive. Each calls one
 * core function (branch/sync_*.h); rasync does the syncing itself.
 */
#include "ctl.h"

#include "branch/sync_archive.h"
#include "branch/sync_enrol.h"
#include "branch/sync_status.h"
#include "domain/order.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/wipe.h"
#include "util/words.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void when(char *out, size_t n, int64_t t)
{
    if (!t)
        snprintf(out, n, "never");
    else
        rk_clock_format(out, t);
}

static int cmd_status(rk_ctl *ctl, int argc, char **argv)
{
    rk_db *db;
    rk_sync_status s;
    int rc;
    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl [--json] sync status\n\n"
               "What the sync daemon last did and what waits for HQ: the last pass and\n"
               "its result, the last successful one (the kiosk's \"last synced at\"),\n"
               "events not yet acknowledged by HQ, archive files not yet uploaded, the\n"
               "configuration bundle in force and where HQ's audit anchor stands.\n");
        return 0;
    }
    if (argc > 1)
        return rk_ctl_usage(ctl, "ractl sync status", "unexpected argument '%s'", argv[1]);
    if ((rc = rk_ctl_db(ctl, &db)) != 0 || (rc = rk_sync_status_read(&s, db)) != 0)
        return rk_ctl_fail(ctl, rc);
    if (ctl->json) {
        rk_buf b;
        rk_buf_init(&b, 1 << 16);
        rc = rk_sync_status_json(&b, &s);
        if (!rc) printf("%s\n", b.data);
        rk_buf_free(&b);
        return rc ? rk_ctl_fail(ctl, rc) : 0;
    }
    char t1[40], t2[40];
    when(t1, sizeof t1, s.last_ok);
    printf("last synced:        %s\n", t1);
    if (s.has_last) {
        when(t2, sizeof t2, s.last.finished_at);
        printf("last pass:          %s, %s%s%s\n", t2, s.last.ok ? "succeeded" : "failed",
               s.last.ok ? "" : ": ", s.last.ok ? "" : s.last.error);
        if (s.last.warning[0]) printf("warning:            %s\n", s.last.warning);
        if (s.last.reconciled)
            printf("reconciliation:     %lld %s compared, %lld differed, %lld repaired, %lld "
                   "unresolved\n",
                   (long long)s.last.days_compared,
                   rk_plural((long long)s.last.days_compared, "day", "days"),
                   (long long)s.last.days_differing, (long long)s.last.repaired,
                   (long long)s.last.unresolved);
    } else
        printf("last pass:          none yet\n");
    printf("events waiting:     %lld (HQ holds everything up to %lld)\n",
           (long long)s.unsent_events, (long long)s.sent_upto);
    printf("archives waiting:   %lld\n", (long long)s.archives_open);
    printf("HQ's changes up to: %lld\n", (long long)s.cursor);
    printf("configuration:      %s%lld\n", s.config_version ? "bundle " : "shipped files, ",
           (long long)s.config_version);
    printf("audit anchored at:  entry %lld\n", (long long)s.audit_seq);
    return 0;
}

static int cmd_enrol(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *secret_file = NULL, *cmp_url = NULL;
    char secret[256], dflt[PATH_MAX];
    const rk_conf *conf;
    rk_db *db;
    rk_sync_enrol_result res;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl sync enrol [--ref REF] [--secret-file F] [--cmp-url URL]\n\n"
               "Enrols this appliance with HQ: makes the device key in the appliance HSM\n"
               "(once; it never leaves the HSM), signs a request for CN=<branch id> on the\n"
               "HSM and gets the device certificate from HQ's CA over CMP (p10cr),\n"
               "authenticated by the one-time reference and secret HQ's operator made with\n"
               "`rahq admin branch add`. rasync then reaches HQ with it.\n\n"
               "  --ref REF          the enrolment reference (default [hq] enrol_ref)\n"
               "  --secret-file F    the file whose first line is the secret ('-': standard\n"
               "                     input; default <data_dir>/sync/enrol.secret, which is\n"
               "                     removed once used)\n"
               "  --cmp-url URL      HQ's CMP endpoint (default [hq] cmp_url)\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--ref", .kind = RK_OPT_STR, .dest = &ref, .arg = "REF"},
        {.name = "--secret-file", .kind = RK_OPT_STR, .dest = &secret_file, .arg = "FILE"},
        {.name = "--cmp-url", .kind = RK_OPT_STR, .dest = &cmp_url, .arg = "URL"},
    };
    const rk_ctl_args args = {.cmd = "ractl sync enrol", .opts = opts, .n_opts = 3};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if ((rc = rk_ctl_conf(ctl, &conf)) != 0 || (rc = rk_ctl_db(ctl, &db)) != 0)
        return rk_ctl_fail(ctl, rc);
    int used_default = !secret_file;
    if (!secret_file) {
        snprintf(dflt, sizeof dflt, "%s/sync/enrol.secret", conf->data_dir);
        secret_file = dflt;
    }
    if (!strcmp(secret_file, "-")) {
        if (!fgets(secret, sizeof secret, stdin)) {
            rk_wipe(secret, sizeof secret);
            return rk_ctl_fail(ctl, rk_err_set(RK_EINVAL, "no secret on standard input"));
        }
        secret[strcspn(secret, "\r\n")] = '\0';
        rc = secret[0] ? 0 : rk_err_set(RK_EINVAL, "no secret on standard input");
    } else
        rc = rk_sync_read_secret(secret, sizeof secret, secret_file);
    if (!rc) {
        rk_sync_enrol_opts o = {.cmp_url = cmp_url, .ref = ref, .secret = secret};
        rc = rk_sync_enrol(&res, db, conf, &o);
    }
    rk_wipe(secret, sizeof secret);
    if (rc) return rk_ctl_fail(ctl, rc);
    if (used_default) unlink(secret_file); /* used up at HQ: no reason to keep it */
    if (ctl->json) {
        rk_buf b;
        rk_json j;
        rk_buf_init(&b, 4096);
        rk_json_init(&j, &b);
        rk_json_obj_begin(&j);
        rk_json_kbool(&j, "ok", 1);
        rk_json_kstr(&j, "serial", res.serial);
        rk_json_kstr(&j, "subject", res.subject);
        rk_json_kint(&j, "not_after", res.not_after);
        rk_json_kbool(&j, "key_made", res.key_made);
        rk_json_kstr(&j, "certificate", res.cert_path);
        rk_json_obj_end(&j);
        return rk_ctl_print_json(ctl, &j, &b) ? rk_ctl_fail(ctl, RK_ENOMEM) : 0;
    }
    char until[40];
    when(until, sizeof until, res.not_after);
    rk_ctl_info(ctl, "device enrolled with HQ: certificate %s for %s, valid until %s (%s)%s",
                res.serial, res.subject, until, res.cert_path,
                res.key_made ? "; the device key was made in the HSM" : "");
    return 0;
}

static int cmd_queue(rk_ctl *ctl, int argc, char **argv)
{
    const char *kind = NULL, *order = NULL, *file = NULL;
    rk_ledger *l;
    char path[PATH_MAX], uuid[37] = "";
    int64_t id = 0;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl sync queue FILE --kind form|record|document [--order REF]\n\n"
               "Queues a file for HQ's archive (a signed application form, a task record):\n"
               "rasync uploads it with tus and deletes the local copy only once HQ has\n"
               "confirmed its SHA-256 and [sync] archive_keep_days allows. Document images\n"
               "of orders are queued by rasync itself.\n");
        return 0;
    }
    static const char *const kinds[] = {"form", "record", "document", NULL};
    const rk_ctl_opt opts[] = {
        {.name = "--kind", .kind = RK_OPT_ENUM, .dest = &kind, .values = kinds},
        {.name = "--order", .kind = RK_OPT_STR, .dest = &order, .arg = "REF"},
    };
    const rk_ctl_args args = {
        .cmd = "ractl sync queue", .opts = opts, .n_opts = 2, .pos = &file, .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!file || !kind)
        return rk_ctl_usage(ctl, "ractl sync queue", "give FILE and --kind form|record|document");
    if (!realpath(file, path))
        return rk_ctl_fail(ctl, rk_err_set(RK_ENOTFOUND, "cannot find %s", file));
    if ((rc = rk_ctl_ledger(ctl, &l)) != 0) return rk_ctl_fail(ctl, rc);
    if (order) {
        rk_order *o = calloc(1, sizeof *o);
        if (!o) return rk_ctl_fail(ctl, rk_err_oom());
        rc = rk_order_get(l, order, o);
        if (!rc) snprintf(uuid, sizeof uuid, "%s", o->uuid);
        rk_wipe(o, sizeof *o);
        free(o);
        if (rc) return rk_ctl_fail(ctl, rc);
    }
    if ((rc = rk_sync_archive_add(l->db, kind, path, uuid[0] ? uuid : NULL, &id)) != 0)
        return rk_ctl_fail(ctl, rc);
    rk_json_kint(rk_ctl_reply(ctl), "id", id);
    rk_ctl_info(ctl, "%s queued for HQ's archive (%s)", path, kind);
    return rk_ctl_reply_end(ctl);
}

static const rk_ctl_cmd sync_commands[] = {
    {"status", cmd_status, "what the sync daemon did last and what waits for HQ"},
    {"enrol", cmd_enrol, "make the device key in the HSM and get its certificate from HQ"},
    {"queue", cmd_queue, "queue a file for HQ's archive"},
};

int rk_ctl_cmd_sync(rk_ctl *ctl, int argc, char **argv)
{
    return rk_ctl_dispatch(ctl, argc, argv, "ractl sync",
                           "The branch's link with HQ (rasync does the syncing).", sync_commands,
                           (int)(sizeof sync_commands / sizeof sync_commands[0]));
}
