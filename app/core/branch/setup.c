/*
 * Setting a branch up (see setup.h).
 */
#include "branch/setup.h"

#include "conf/secret.h"
#include "db/db.h"
#include "domain/ledger.h"
#include "util/err.h"
#include "util/seal.h"
#include "util/wipe.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* mkdir -p, the last folder private (0700). */
static int make_dir(const char *path)
{
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s", path) >= sizeof tmp)
        return rk_err_set(RK_ECONF, "the folder path %s is too long", path);
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

/* The branch's id, name and region in the database's meta table. */
static int own(rk_db *db, const rk_conf *conf)
{
    char owner[64] = "";
    int rc = rk_db_meta_get(db, "branch_id", owner, sizeof owner);
    if (rc == 0 && strcmp(owner, conf->branch_id))
        return rk_err_set(RK_ESTATE, "%s belongs to branch %s, not %s", conf->database, owner,
                          conf->branch_id);
    if (rc == RK_ENOTFOUND) {
        rk_err_clear();
        if ((rc = rk_db_begin(db)) || (rc = rk_db_meta_set(db, "branch_id", conf->branch_id)) ||
            (rc = rk_db_commit(db)))
            return rc;
    } else if (rc) {
        return rc;
    }
    if ((rc = rk_db_begin(db)) || (rc = rk_db_meta_set(db, "branch_name", conf->branch_name)) ||
        (rc = rk_db_meta_set(db, "region", conf->region)))
        return rc;
    return rk_db_commit(db);
}

int rk_branch_init(rk_branch *b, int *from, int *to)
{
    const rk_conf *conf;
    rk_db *db = NULL;
    unsigned char key[32];
    int rc;
    *from = *to = 0;
    if ((rc = rk_branch_conf(b, &conf)) || (rc = make_dir(conf->data_dir)) ||
        (rc = make_dir(conf->documents)) || (rc = make_dir(conf->session_dir)))
        return rc;
    /* The data key seals personal data at rest; made once, never replaced
     * (a branch whose secrets are sealed credentials never makes one). */
    rc = rk_secret_load(conf, RK_SECRET_DATA_KEY, NULL, 1, key, sizeof key);
    rk_wipe(key, sizeof key);
    if (rc || (rc = rk_db_open(&db, conf->database, RK_DB_CREATE)) != 0) return rc;
    if ((rc = rk_db_migrate(db, 0, from, to)) == 0) rc = own(db, conf);
    rk_db_rollback(db);
    rk_db_close(db);
    return rc;
}

static int open_raw(rk_branch *b, rk_db **db)
{
    const rk_conf *conf;
    int rc = rk_branch_conf(b, &conf);
    return rc ? rc : rk_db_open(db, conf->database, 0);
}

int rk_branch_migrate(rk_branch *b, int target, int *from, int *to)
{
    rk_db *db = NULL;
    *from = *to = 0;
    int rc = open_raw(b, &db);
    if (!rc) rc = rk_db_migrate(db, target, from, to);
    rk_db_close(db);
    return rc;
}

int rk_branch_db_check(rk_branch *b, rk_buf *report)
{
    rk_db *db = NULL;
    int rc = open_raw(b, &db);
    if (!rc) rc = rk_db_check(db, report);
    rk_db_close(db);
    return rc;
}
