/*
 * The branch context (see branch.h): configuration, database and ledger
 * opened on first use, and the registry through which the device parts
 * are closed.
 */
#include "branch/branch.h"

#include "util/err.h"

#include <stdlib.h>
#include <string.h>

struct rk_branch {
    rk_branch_env env;
    char conf_path[PATH_MAX]; /* "" : conf.h's search */
    rk_conf *conf;
    rk_db *db;
    int db_checked; /* the schema version was found current */
    rk_ledger *ledger;
    rk_branch *keys_of; /* the branch whose key contexts this one uses (NULL: its own) */
    struct {
        void *obj;
        void (*close_fn)(void *);
    } parts[RK_BRANCH_PARTS];
};

int rk_branch_open(rk_branch **out, const rk_branch_opts *opts)
{
    static const rk_branch_opts none;
    rk_branch *b;
    int rc;

    *out = NULL;
    if (!opts) opts = &none;
    if (!(b = calloc(1, sizeof *b))) {
        rk_conf_free(opts->conf);
        return rk_err_oom();
    }
    b->conf = opts->conf;
    b->keys_of = opts->keys_of;
    if (opts->conf_path) {
        if (strlen(opts->conf_path) >= sizeof b->conf_path) {
            rk_branch_close(b);
            return rk_err_set(RK_ECONF, "the configuration path is too long");
        }
        strcpy(b->conf_path, opts->conf_path);
    }
    if (opts->env) {
        b->env = *opts->env;
    } else if ((rc = rk_branch_env_read(&b->env)) != 0) {
        rk_branch_close(b);
        return rc;
    }
    *out = b;
    return 0;
}

void rk_branch_close(rk_branch *b)
{
    if (!b) return;
    for (int i = 0; i < RK_BRANCH_PARTS; i++)
        if (b->parts[i].obj && b->parts[i].close_fn) b->parts[i].close_fn(b->parts[i].obj);
    rk_ledger_free(b->ledger);
    rk_db_close(b->db);
    rk_conf_free(b->conf);
    free(b);
}

rk_branch *rk_branch_keys_of(const rk_branch *b)
{
    return b->keys_of;
}

const rk_branch_env *rk_branch_env_of(const rk_branch *b)
{
    return &b->env;
}

int rk_branch_use_softhsm(rk_branch *b, const char *conf_path)
{
    return rk_branch_env_set_softhsm(&b->env, conf_path);
}

int rk_branch_conf(rk_branch *b, const rk_conf **out)
{
    *out = NULL;
    if (!b->conf) {
        int rc = rk_conf_load(&b->conf, b->conf_path[0] ? b->conf_path : NULL);
        if (rc) return rc == RK_ENOTFOUND ? rk_err_wrap(RK_ECONF, "configuration") : rc;
    }
    *out = b->conf;
    return 0;
}

const rk_conf *rk_branch_conf_maybe(rk_branch *b)
{
    const rk_conf *conf;
    return rk_branch_conf(b, &conf) == 0 ? conf : NULL;
}

int rk_branch_db_any(rk_branch *b, rk_db **out)
{
    const rk_conf *conf;
    int rc;
    *out = NULL;
    if (!b->db) {
        if ((rc = rk_branch_conf(b, &conf)) != 0) return rc;
        if ((rc = rk_db_open(&b->db, conf->database, 0)) != 0)
            return rc == RK_ENOTFOUND ? rk_err_wrap(RK_EDB, "branch database") : rc;
    }
    *out = b->db;
    return 0;
}

int rk_branch_db(rk_branch *b, rk_db **out)
{
    int rc, version;
    rk_db *db;
    *out = NULL;
    if ((rc = rk_branch_db_any(b, &db)) != 0) return rc;
    if (!b->db_checked) {
        if ((rc = rk_db_version(db, &version)) != 0) return rc;
        if (version < rk_db_latest_version())
            return rk_err_set(RK_EDB,
                              "the database is at schema version %d and this program needs %d: "
                              "run `ractl db migrate`",
                              version, rk_db_latest_version());
        if (version > rk_db_latest_version())
            return rk_err_set(RK_EDB,
                              "the database (schema %d) is newer than this program (%d): update "
                              "the software",
                              version, rk_db_latest_version());
        b->db_checked = 1;
    }
    *out = db;
    return 0;
}

int rk_branch_ledger(rk_branch *b, rk_ledger **out)
{
    const rk_conf *conf;
    rk_db *db;
    int rc;
    *out = NULL;
    if (!b->ledger) {
        if ((rc = rk_branch_conf(b, &conf)) || (rc = rk_branch_db(b, &db)) ||
            (rc = rk_ledger_open(&b->ledger, db, conf)))
            return rc;
    }
    *out = b->ledger;
    return 0;
}

void *rk_branch_part_get(const rk_branch *b, rk_branch_part part)
{
    return part >= 0 && part < RK_BRANCH_PARTS ? b->parts[part].obj : NULL;
}

void rk_branch_part_set(rk_branch *b, rk_branch_part part, void *obj, void (*close_fn)(void *))
{
    if (part < 0 || part >= RK_BRANCH_PARTS) return;
    if (b->parts[part].obj && b->parts[part].close_fn && b->parts[part].obj != obj)
        b->parts[part].close_fn(b->parts[part].obj);
    b->parts[part].obj = obj;
    b->parts[part].close_fn = close_fn;
}
