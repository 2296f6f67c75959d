/*
 * The branch context (see branch.h): configuration, database and ledger
 * opened on first use, and the registry through which the device parts
 * are closed.
 */
#include "branch/branch.h"

#include "util/err.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>

/* A rule set a newer bundle replaced, kept until the branch closes. */
typedef struct rk_retired {
    struct rk_retired *next;
    rk_forms *forms;
    rk_fees *fees;
    rk_calendar *calendar;
} rk_retired;

struct rk_branch {
    rk_branch_env env;
    char conf_path[PATH_MAX]; /* "" : conf.h's search */
    rk_conf *conf;
    rk_db *db;
    int db_checked; /* the schema version was found current */
    rk_ledger *ledger;
    rk_branch *keys_of;     /* the branch whose key contexts this one uses (NULL: its own) */
    int64_t config_version; /* the bundle the rule files are from; -1: not loaded yet */
    rk_retired *retired;
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
    b->config_version = -1;
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
    while (b->retired) {
        rk_retired *r = b->retired;
        b->retired = r->next;
        rk_forms_free(r->forms);
        rk_fees_free(r->fees);
        rk_calendar_free(r->calendar);
        free(r);
    }
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

/* sync.config_version (sync_config.c's) without linking the sync. */
static int bundle_version(rk_db *db, int64_t *out)
{
    char text[32];
    int rc = rk_db_meta_get(db, "sync.config_version", text, sizeof text);
    *out = 0;
    if (rc == RK_ENOTFOUND) {
        rk_err_clear();
        return 0;
    }
    if (rc) return rc;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end || v < 0)
        return rk_err_set(RK_EDB, "sync.config_version is not a version: '%s'", text);
    *out = v;
    return 0;
}

int64_t rk_branch_config_version(const rk_branch *b)
{
    return b->config_version;
}

int rk_branch_config_refresh(rk_branch *b)
{
    int64_t now = 0;
    int rc;
    /* Nothing loaded from the rule files yet: the first use reads the
     * bundle in force then. */
    if (!b->conf || !b->db) return 0;
    if ((rc = bundle_version(b->db, &now)) != 0) return rc;
    if (b->config_version < 0) {
        /* Only the configuration and perhaps the profiles were read:
         * point them at the bundle in force now. */
        b->config_version = now;
        rk_conf_bundle_refresh(b->conf);
        rk_branch_part_set(b, RK_BRANCH_ISSUER, NULL, NULL);
        rk_branch_part_set(b, RK_BRANCH_PROFILES, NULL, NULL);
        return 0;
    }
    if (now <= b->config_version) return 0;
    rk_conf_bundle_refresh(b->conf);
    if (b->ledger) {
        rk_retired *r = calloc(1, sizeof *r);
        if (!r) return rk_err_oom();
        if ((rc = rk_forms_load(&r->forms, b->conf->forms)) ||
            (rc = rk_fees_load(&r->fees, b->conf->fees)) ||
            (rc = rk_calendar_load(&r->calendar, b->conf->calendar))) {
            rk_forms_free(r->forms);
            rk_fees_free(r->fees);
            rk_calendar_free(r->calendar);
            free(r);
            rc = rk_err_wrap(rc, "configuration bundle %lld: the rules in force stay",
                             (long long)now);
            rk_log_warn("branch: %s", rk_err_msg());
            b->config_version = now; /* not tried again on every operation */
            return rc;
        }
        /* Swap: the new rules into the ledger, the old ones kept. */
        rk_forms *f = b->ledger->forms;
        rk_fees *fe = b->ledger->fees;
        rk_calendar *c = b->ledger->calendar;
        b->ledger->forms = r->forms;
        b->ledger->fees = r->fees;
        b->ledger->calendar = r->calendar;
        r->forms = f;
        r->fees = fe;
        r->calendar = c;
        r->next = b->retired;
        b->retired = r;
    }
    rk_branch_part_set(b, RK_BRANCH_ISSUER, NULL, NULL);
    rk_branch_part_set(b, RK_BRANCH_PROFILES, NULL, NULL);
    rk_log_info("branch: configuration bundle %lld taken up (was %lld)", (long long)now,
                (long long)b->config_version);
    b->config_version = now;
    return 1;
}

int rk_branch_ledger(rk_branch *b, rk_ledger **out)
{
    const rk_conf *conf;
    rk_db *db;
    int rc;
    *out = NULL;
    if (!b->ledger) {
        if ((rc = rk_branch_conf(b, &conf)) || (rc = rk_branch_db(b, &db))) return rc;
        /* Read before the files: a bundle installed in between is only
         * taken up once more. */
        if (b->config_version < 0 && (rc = bundle_version(db, &b->config_version)) != 0) return rc;
        if ((rc = rk_ledger_open(&b->ledger, db, conf))) return rc;
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
