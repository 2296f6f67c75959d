/*
 * `ractl db migrate|check`: schema migrations and health checks of the
 * branch database.
 */
#include "ctl.h"

#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static int open_raw(rk_ctl *ctl, rk_db **db)
{
    const rk_conf *conf = NULL;
    int rc = rk_ctl_conf(ctl, &conf);
    if (rc) return rc;
    return rk_db_open(db, conf->database, 0);
}

static int cmd_migrate(rk_ctl *ctl, int argc, char **argv)
{
    rk_db *db = NULL;
    int rc, from = 0, to = 0, target = 0;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl db migrate [--to VERSION]\n\n"
               "Applies the schema migrations this program knows (up to version %d),\n"
               "each in its own transaction. Other programs may keep running.\n",
               rk_db_latest_version());
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "--to")) {
        char *end;
        long v = strtol(argv[2], &end, 10);
        if (*end || v < 1 || v > rk_db_latest_version())
            return rk_ctl_usage(ctl, "ractl db migrate", "--to takes 1 to %d",
                                rk_db_latest_version());
        target = (int)v;
    } else if (argc != 1) {
        return rk_ctl_usage(ctl, "ractl db migrate", "unexpected argument '%s'", argv[1]);
    }
    if ((rc = open_raw(ctl, &db)) == 0 && (rc = rk_db_migrate(db, target, &from, &to)) == 0) {
        rk_json *j = rk_ctl_reply(ctl);
        rk_json_kint(j, "from", from);
        rk_json_kint(j, "to", to);
        if (from == to)
            rk_ctl_info(ctl, "schema already at version %d", to);
        else
            rk_ctl_info(ctl, "schema migrated from version %d to %d", from, to);
    }
    rk_db_close(db);
    return rc ? rk_ctl_fail(ctl, rc) : rk_ctl_reply_end(ctl);
}

static int cmd_check(rk_ctl *ctl, int argc, char **argv)
{
    rk_db *db = NULL;
    rk_buf report;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl db check\n\n"
               "Runs SQLite's integrity and foreign-key checks, compares the schema\n"
               "version with this program's, and checks that the audit log's guards\n"
               "are in place. Exit 0 if all is well, 1 if a problem was found.\n");
        return 0;
    }
    if (argc != 1) return rk_ctl_usage(ctl, "ractl db check", "unexpected argument '%s'", argv[1]);
    if ((rc = open_raw(ctl, &db)) != 0) return rk_ctl_fail(ctl, rc);
    rk_buf_init(&report, 1 << 20);
    rc = rk_db_check(db, &report);
    rk_db_close(db);
    if (rc && rc != RK_EVERIFY) {
        rk_buf_free(&report);
        return rk_ctl_fail(ctl, rc);
    }
    if (ctl->json) {
        rk_buf b;
        rk_json j;
        rk_buf_init(&b, 1 << 21);
        rk_json_init(&j, &b);
        rk_json_obj_begin(&j);
        rk_json_kbool(&j, "ok", rc == 0);
        rk_json_kstr(&j, "report", report.data ? report.data : "");
        rk_json_obj_end(&j);
        rk_ctl_print_json(ctl, &j, &b);
    } else {
        fputs(report.data ? report.data : "", rc ? stderr : stdout);
    }
    rk_buf_free(&report);
    return rc ? RK_EXIT_FAIL : 0;
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
