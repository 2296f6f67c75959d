/*
 * `ractl init`: create the branch's data folders and database from the
 * configuration, or bring an existing one up to date (branch/setup.h).
 * Safe to run again.
 */
#include "ctl.h"

#include "branch/setup.h"

static const char help[] =
    "usage: ractl init\n"
    "\n"
    "Creates the branch's data folder ([paths] data_dir), its documents and\n"
    "sessions folders, the data key that seals personal data at rest\n"
    "(data.key, 0600), and the database, and applies every schema migration.\n"
    "Running it again on an initialised branch only applies new migrations.\n"
    "It refuses a database that belongs to another branch id.\n";

int rk_ctl_cmd_init(rk_ctl *ctl, int argc, char **argv)
{
    const rk_conf *conf = NULL;
    int rc, from = 0, to = 0;

    if (rk_ctl_wants_help(argc, argv)) {
        fputs(help, stdout);
        return 0;
    }
    const rk_ctl_args args = {.cmd = "ractl init"};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if ((rc = rk_ctl_conf(ctl, &conf)) || (rc = rk_branch_init(ctl->branch, &from, &to)))
        return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "branch", conf->branch_id);
    rk_json_kstr(j, "database", conf->database);
    rk_json_kint(j, "schema_from", from);
    rk_json_kint(j, "schema", to);
    if (from == 0)
        rk_ctl_info(ctl, "initialised branch %s (%s): %s, schema version %d", conf->branch_id,
                    conf->branch_name, conf->database, to);
    else if (from != to)
        rk_ctl_info(ctl, "branch %s: schema migrated from version %d to %d", conf->branch_id, from,
                    to);
    else
        rk_ctl_info(ctl, "branch %s already initialised: %s, schema version %d", conf->branch_id,
                    conf->database, to);
    return rk_ctl_reply_end(ctl);
}
