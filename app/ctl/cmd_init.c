/*
 * `ractl init`: create the branch's data folders and database from the
 * configuration, or bring an existing one up to date. Safe to run again.
 */
#include "ctl.h"

#include "domain/ledger.h"
#include "util/err.h"
#include "util/seal.h"
#include "util/wipe.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static const char help[] =
    "usage: ractl init\n"
    "\n"
    "Creates the branch's data folder ([paths] data_dir), its documents and\n"
    "sessions folders, the data key that seals personal data at rest\n"
    "(data.key, 0600), and the database, and applies every schema migration.\n"
    "Running it again on an initialised branch only applies new migrations.\n"
    "It refuses a database that belongs to another branch id.\n";

static int make_dir(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return rk_err_set(RK_EIO, "cannot create %s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return rk_err_set(RK_EIO, "cannot create %s: %s", tmp, strerror(errno));
    return 0;
}

int rk_ctl_cmd_init(rk_ctl *ctl, int argc, char **argv)
{
    const rk_conf *conf = NULL;
    rk_db *db = NULL;
    char owner[64] = "";
    int rc, from = 0, to = 0;

    if (rk_ctl_wants_help(argc, argv)) {
        fputs(help, stdout);
        return 0;
    }
    if (argc > 1) return rk_ctl_usage(ctl, "ractl init", "unexpected argument '%s'", argv[1]);
    if ((rc = rk_ctl_conf(ctl, &conf)) != 0) return rk_ctl_fail(ctl, rc);
    if ((rc = make_dir(conf->data_dir)) || (rc = make_dir(conf->documents)) ||
        (rc = make_dir(conf->session_dir)))
        return rk_ctl_fail(ctl, rc);
    /* The data key seals personal data at rest; made once, never replaced. */
    unsigned char key[32];
    char key_path[PATH_MAX + 16];
    rk_ledger_key_path(key_path, sizeof key_path, conf);
    rc = rk_seal_key_load(key, key_path, 1);
    rk_wipe(key, sizeof key);
    if (rc) return rk_ctl_fail(ctl, rc);
    if ((rc = rk_db_open(&db, conf->database, RK_DB_CREATE)) != 0) return rk_ctl_fail(ctl, rc);
    if ((rc = rk_db_migrate(db, 0, &from, &to)) != 0) goto out;
    rc = rk_db_meta_get(db, "branch_id", owner, sizeof owner);
    if (rc == 0 && strcmp(owner, conf->branch_id)) {
        rc = rk_err_set(RK_ESTATE, "%s belongs to branch %s, not %s", conf->database, owner,
                        conf->branch_id);
        goto out;
    }
    if (rc == RK_ENOTFOUND) {
        if ((rc = rk_db_begin(db)) || (rc = rk_db_meta_set(db, "branch_id", conf->branch_id)) ||
            (rc = rk_db_commit(db)))
            goto out;
    } else if (rc) {
        goto out;
    }
    if ((rc = rk_db_begin(db)) || (rc = rk_db_meta_set(db, "branch_name", conf->branch_name)) ||
        (rc = rk_db_meta_set(db, "region", conf->region)) || (rc = rk_db_commit(db)))
        goto out;
    if (ctl->json) {
        rk_buf b;
        rk_json j;
        rk_buf_init(&b, 1 << 16);
        rk_json_init(&j, &b);
        rk_json_obj_begin(&j);
        rk_json_kbool(&j, "ok", 1);
        rk_json_kstr(&j, "branch", conf->branch_id);
        rk_json_kstr(&j, "database", conf->database);
        rk_json_kint(&j, "schema_from", from);
        rk_json_kint(&j, "schema", to);
        rk_json_obj_end(&j);
        rc = rk_ctl_print_json(ctl, &j, &b);
    } else if (from == 0) {
        rk_ctl_info(ctl, "initialised branch %s (%s): %s, schema version %d", conf->branch_id,
                    conf->branch_name, conf->database, to);
    } else if (from != to) {
        rk_ctl_info(ctl, "branch %s: schema migrated from version %d to %d", conf->branch_id, from,
                    to);
    } else {
        rk_ctl_info(ctl, "branch %s already initialised: %s, schema version %d", conf->branch_id,
                    conf->database, to);
    }
out:
    rk_db_rollback(db);
    rk_db_close(db);
    return rc ? rk_ctl_fail(ctl, rc) : 0;
}
