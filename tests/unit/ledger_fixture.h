/*
 * A ledger on the shipped demo rules (conf/) in a fresh data folder, with a
 * test clock and a supervisor logged in: the fixture of the ledger's unit
 * tests. A test file includes it once (its statics are the test's own),
 * calls ledger_setup() after rk_clock_set(test_clock, NULL), adds its
 * clerks with clerk(), and moves time with at().
 */
#ifndef RK_LEDGER_FIXTURE_H
#define RK_LEDGER_FIXTURE_H

#include "test.h"

#include "conf/conf.h"
#include "db/db.h"
#include "domain/clerk.h"
#include "domain/ledger.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/seal.h"

#include <time.h>

static char dir[256];
static int64_t now;
static rk_conf *conf;
static rk_db *db;
static rk_ledger *l;
static rk_actor boss, sys;

static int64_t test_clock(void *arg)
{
    (void)arg;
    return now;
}

/* Sets the test clock to an ISO time. */
static void at(const char *when)
{
    if (rk_clock_parse(&now, when) != 0) {
        fprintf(stderr, "bad time %s\n", when);
        exit(2);
    }
}

/* The first column of the first row of sql, or -1. */
static int64_t count(const char *sql)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    if (rk_db_prepare(db, &st, sql) == 0 && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Adds a clerk (by the supervisor) and logs them in as a. */
static void clerk(rk_actor *a, const char *login, const char *name, unsigned roles)
{
    char token[RK_SESSION_TOKEN_LEN + 1];
    if (rk_clerk_add(db, conf, &boss, login, name, roles, "password1", NULL) ||
        rk_clerk_login(db, conf, login, "password1", token, a)) {
        fprintf(stderr, "clerk %s: %s\n", login, rk_err_msg());
        exit(2);
    }
}

/* Configuration, data key, database, ledger; the supervisor "boss" named
 * boss_name is added and logged in; sys is the system actor. */
static void ledger_setup(const char *boss_name)
{
    char path[600], token[RK_SESSION_TOKEN_LEN + 1];
    unsigned char key[32];

    rk_test_tmpdir(dir, sizeof dir);
    setenv("RAKIOSK_DATA_DIR", dir, 1);
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    snprintf(path, sizeof path, "%s/conf/kiosk.conf", getenv("RK_SOURCE_DIR"));
    if (rk_conf_load(&conf, path)) {
        fprintf(stderr, "%s\n", rk_err_msg());
        exit(2);
    }
    conf->kdf_log2_n = 14;
    snprintf(path, sizeof path, "%s/data.key", dir);
    snprintf(conf->documents, sizeof conf->documents, "%s/documents", dir);
    if (rk_seal_key_load(key, path, 1) || rk_db_open(&db, conf->database, RK_DB_CREATE) ||
        rk_db_migrate(db, 0, NULL, NULL) || rk_ledger_open(&l, db, conf) ||
        rk_clerk_add(db, conf, NULL, "boss", boss_name, RK_ROLE_SUPERVISOR, "password1", NULL) ||
        rk_clerk_login(db, conf, "boss", "password1", token, &boss)) {
        fprintf(stderr, "setup: %s\n", rk_err_msg());
        exit(2);
    }
    rk_actor_system(&sys);
}

#endif
