/*
 * `ractl db migrate|check`: schema migrations and health checks of the
 * branch database.
 */
#include "ctl.h"

#include "branch/setup.h"

#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static int cmd_migrate(rk_ctl *ctl, int argc, char **argv)
{
    int rc, from = 0, to = 0, target = 0;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl db migrate [--to VERSION]\n\n"
               "Applies the schema migrations this program knows (up to version %d),\n"
               "each in its own transaction. Other programs may keep running.\n",
               rk_db_latest_version());
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--to",
         .kind = RK_OPT_INT,
         .dest = &target,
         .arg = "VERSION",
         .min = 1,
         .max = rk_db_latest_version()},
    };
    const rk_ctl_args args = {.cmd = "ractl db migrate", .opts = opts, .n_opts = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if ((rc = rk_branch_migrate(ctl->branch, target, &from, &to)) != 0) return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kint(j, "from", from);
    rk_json_kint(j, "to", to);
    if (from == to)
        rk_ctl_info(ctl, "schema already at version %d", to);
    else
        rk_ctl_info(ctl, "schema migrated from version %d to %d", from, to);
    return rk_ctl_reply_end(ctl);
}

static int cmd_check(rk_ctl *ctl, int argc, char **argv)
{
    rk_buf report;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl db check\n\n"
               "Runs SQLite's integrity and foreign-key checks, compares the schema\n"
               "version with this program's, and checks that the audit log's guards\n"
               "are in place. Exit 0 if all is well, 1 if a problem was found.\n");
        return 0;
    }
    const rk_ctl_args args = {.cmd = "ractl db check"};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    rk_buf_init(&report, 1 << 20);
    rc = rk_branch_db_check(ctl->branch, &report);
    if (rc && rc != RK_EVERIFY) {
        rk_buf_free(&report);
        return rk_ctl_fail(ctl, rc);
    }
    rk_json *j = rk_ctl_reply_ok(ctl, rc == 0);
    rk_json_kstr(j, "report", report.data ? report.data : "");
    if (!ctl->json) fputs(report.data ? report.data : "", rc ? stderr : stdout);
    rk_buf_free(&report);
    int code = rk_ctl_reply_end(ctl);
    return code ? code : rc ? RK_EXIT_FAIL : 0;
}

static const rk_ctl_cmd db_commands[] = {
    {"migrate", cmd_migrate, "apply the schema migrations"},
    {"check", cmd_check, "check integrity, foreign keys, schema version, audit guards"},
};

int rk_ctl_cmd_db(rk_ctl *ctl, int argc, char **argv)
{
    return rk_ctl_dispatch(ctl, argc, argv, "ractl db", "The branch database.", db_commands,
                           (int)(sizeof db_commands / sizeof db_commands[0]));
}
