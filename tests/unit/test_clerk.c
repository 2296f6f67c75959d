/*
 * Unit tests of clerks: bootstrap and supervisor-only administration,
 * scrypt passwords, sessions that expire, lockout after wrong passwords,
 * the roster of clerks' USB key certificates and the one-time challenges
 * of a key login, and the audit trail all of it leaves.
 */
#include "test.h"

#include "audit/audit.h"
#include "conf/conf.h"
#include "db/db.h"
#include "domain/clerk.h"
#include "domain/clerk_cert.h"
#include "util/clock.h"
#include "util/err.h"

static char dir[256];
static int64_t now = 1772415000;

static int64_t test_clock(void *arg)
{
    (void)arg;
    return now;
}

static int64_t count(rk_db *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    if (rk_db_prepare(db, &st, sql) == 0 && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_passwords(void)
{
    char h1[256], h2[256];
    CHECK_INT(rk_password_hash(h1, sizeof h1, "correct horse", 14), 0);
    CHECK_INT(rk_password_hash(h2, sizeof h2, "correct horse", 14), 0);
    CHECK(strncmp(h1, "scrypt$14$8$1$", 14) == 0);
    CHECK(strcmp(h1, h2) != 0); /* salted */
    CHECK(strstr(h1, "correct") == NULL);
    CHECK_INT(rk_password_verify(h1, "correct horse"), 0);
    CHECK_INT(rk_password_verify(h1, "correct horsf"), RK_EAUTH);
    CHECK_INT(rk_password_verify("scrypt$14$8$1$zz", "x"), RK_EINVAL);
    CHECK_INT(rk_password_verify("md5$abc", "x"), RK_EINVAL);
}

static void test_roles(void)
{
    unsigned r;
    char out[96];
    CHECK_INT(rk_roles_parse(&r, "entry,review"), 0);
    CHECK_INT(r, RK_ROLE_ENTRY | RK_ROLE_REVIEW);
    rk_roles_format(out, sizeof out, r);
    CHECK_STR(out, "entry,review");
    CHECK_INT(rk_roles_parse(&r, "entry,cook"), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "cook") != NULL);
    CHECK_INT(rk_roles_parse(&r, ""), RK_EINVAL);
}

static void test_lifecycle(void)
{
    char path[512], token[RK_SESSION_TOKEN_LEN + 1], token2[RK_SESSION_TOKEN_LEN + 1];
    rk_conf conf;
    rk_db *db = NULL;
    rk_actor boss, alice, sys;
    int64_t n, bad;

    memset(&conf, 0, sizeof conf);
    conf.password_min_length = 8;
    conf.kdf_log2_n = 14;
    conf.max_failed_logins = 3;
    conf.lockout_minutes = 15;
    conf.session_hours = 8;
    snprintf(path, sizeof path, "%s/clerk.db", dir);
    CHECK_INT(rk_db_open(&db, path, RK_DB_CREATE), 0);
    CHECK_INT(rk_db_migrate(db, 0, NULL, NULL), 0);
    rk_actor_system(&sys);

    /* Bootstrap: the first clerk must be a supervisor. */
    CHECK_INT(rk_clerk_add(db, &conf, NULL, "alice", "李录入", RK_ROLE_ENTRY, "password1", NULL),
              RK_EPERM);
    CHECK_INT(rk_clerk_add(db, &conf, NULL, "boss", "王主管", RK_ROLE_SUPERVISOR | RK_ROLE_REVIEW,
                           "bosspass1", NULL),
              0);
    /* After that, only a supervisor adds clerks. */
    CHECK_INT(rk_clerk_add(db, &conf, NULL, "alice", "李录入", RK_ROLE_ENTRY, "password1", NULL),
              RK_EPERM);
    CHECK_INT(rk_clerk_add(db, &conf, &sys, "alice", "李录入", RK_ROLE_ENTRY, "password1", NULL),
              RK_EPERM);
    CHECK_INT(rk_clerk_add(db, &conf, NULL, "Bad Login", "x", RK_ROLE_ENTRY, "password1", NULL),
              RK_EINVAL);

    CHECK_INT(rk_clerk_login(db, &conf, "boss", "bosspass1", token, &boss), 0);
    CHECK_INT(strlen(token), RK_SESSION_TOKEN_LEN);
    CHECK_INT(rk_clerk_add(db, &conf, &boss, "alice", "李录入", RK_ROLE_ENTRY, "short", NULL),
              RK_EINVAL);
    CHECK_INT(rk_clerk_add(db, &conf, &boss, "alice", "李录入", RK_ROLE_ENTRY, "password1", NULL),
              0);
    CHECK_INT(rk_clerk_add(db, &conf, &boss, "alice", "李录入", RK_ROLE_ENTRY, "password1", NULL),
              RK_EEXIST);

    /* The password is not stored in clear. */
    CHECK_INT(count(db, "SELECT count(*) FROM clerk WHERE password LIKE '%password1%'"), 0);

    /* Sessions resolve to their clerk, and expire. */
    CHECK_INT(rk_clerk_login(db, &conf, "alice", "password1", token2, &alice), 0);
    rk_actor who;
    CHECK_INT(rk_clerk_session(db, token2, &who), 0);
    CHECK_STR(who.login, "alice");
    CHECK_INT(who.roles, RK_ROLE_ENTRY);
    CHECK_INT(rk_actor_require(&who, RK_ROLE_REVIEW), RK_EPERM);
    CHECK(strstr(rk_err_msg(), "alice does not hold the review role") != NULL);
    now += 8 * 3600 + 1;
    CHECK_INT(rk_clerk_session(db, token2, &who), RK_EPERM);
    CHECK(strstr(rk_err_msg(), "expired") != NULL);
    CHECK_INT(rk_clerk_session(db, "0000", &who), RK_EPERM);

    /* Wrong passwords lock the clerk; the right one is refused while
     * locked, with the one answer an unknown login gets too; a session
     * opened before the lock stops working; every attempt is audited. */
    char before_lock[RK_SESSION_TOKEN_LEN + 1];
    CHECK_INT(rk_clerk_login(db, &conf, "alice", "password1", before_lock, NULL), 0);
    CHECK_INT(rk_clerk_login(db, &conf, "alice", "wrong-pass", token2, NULL), RK_EAUTH);
    CHECK_STR(rk_err_msg(), "wrong login or password");
    CHECK_INT(rk_clerk_login(db, &conf, "alice", "wrong-pass", token2, NULL), RK_EAUTH);
    CHECK_INT(rk_clerk_session(db, before_lock, &who), 0);
    CHECK_INT(rk_clerk_login(db, &conf, "alice", "wrong-pass", token2, NULL), RK_EAUTH);
    CHECK_STR(rk_err_msg(), "wrong login or password");
    CHECK_INT(count(db, "SELECT count(*) FROM audit WHERE action = 'clerk.locked' AND actor = "
                        "'alice' AND detail LIKE '3 wrong passwords: locked for 15 minutes, 1 "
                        "session ended'"),
              1);
    CHECK_INT(rk_clerk_session(db, before_lock, &who), RK_EPERM);
    CHECK_INT(rk_clerk_login(db, &conf, "alice", "password1", token2, NULL), RK_EAUTH);
    CHECK_STR(rk_err_msg(), "wrong login or password");
    CHECK_INT(count(db, "SELECT count(*) FROM audit WHERE action = 'clerk.login_refused' AND "
                        "actor = 'alice' AND detail LIKE 'locked after wrong passwords until %'"),
              1);
    now += 15 * 60 + 1;
    CHECK_INT(rk_clerk_login(db, &conf, "alice", "password1", token2, NULL), 0);
    CHECK_INT(rk_clerk_login(db, &conf, "nobody", "password1", token2, NULL), RK_EAUTH);
    CHECK_STR(rk_err_msg(), "wrong login or password");
    CHECK_INT(rk_clerk_login(db, &conf, "No Body;--", "password1", token2, NULL), RK_EAUTH);
    CHECK_STR(rk_err_msg(), "wrong login or password");
    CHECK_INT(count(db, "SELECT count(*) FROM audit WHERE action = 'clerk.login_refused' AND "
                        "((actor = 'nobody') OR (actor = '?')) AND detail = 'unknown login'"),
              2);
    CHECK_INT(count(db, "SELECT count(*) FROM audit WHERE action = 'clerk.login_failed' AND "
                        "actor = 'alice'"),
              2);

    /* Role changes and deactivation are supervisor-only; deactivation ends sessions. */
    CHECK_INT(rk_clerk_login(db, &conf, "boss", "bosspass1", token, &boss), 0);
    CHECK_INT(rk_clerk_set_roles(db, &alice, "alice", RK_ROLE_ALL), RK_EPERM);
    CHECK_INT(rk_clerk_set_roles(db, &boss, "boss", RK_ROLE_REVIEW), RK_EPERM);
    CHECK_INT(rk_clerk_set_roles(db, &boss, "alice", RK_ROLE_ENTRY | RK_ROLE_ARCHIVE), 0);
    CHECK_INT(rk_clerk_set_active(db, &boss, "alice", 0), 0);
    CHECK_INT(rk_clerk_session(db, token2, &who), RK_EPERM);
    CHECK_INT(rk_clerk_login(db, &conf, "alice", "password1", token2, NULL), RK_EAUTH);
    CHECK_STR(rk_err_msg(), "wrong login or password");
    CHECK_INT(count(db, "SELECT count(*) FROM audit WHERE action = 'clerk.login_refused' AND "
                        "actor = 'alice' AND detail = 'clerk deactivated'"),
              1);
    CHECK_INT(rk_clerk_set_active(db, &boss, "boss", 0), RK_EPERM);
    CHECK_INT(rk_clerk_logout(db, token), 0);
    CHECK_INT(rk_clerk_logout(db, token), RK_ENOTFOUND);

    rk_clerk *list;
    int nl;
    CHECK_INT(rk_clerk_list(db, &list, &nl), 0);
    CHECK_INT(nl, 2);
    CHECK_STR(list[0].login, "alice");
    CHECK_INT(list[0].active, 0);
    free(list);

    /* Everything above left an intact audit trail and outbox events. */
    CHECK_INT(rk_audit_verify(db, &n, &bad), 0);
    CHECK(n >= 12);
    CHECK_INT(count(db, "SELECT count(*) FROM audit WHERE action = 'clerk.locked'"), 1);
    CHECK_INT(count(db, "SELECT count(*) FROM audit WHERE action = 'clerk.add'"), 2);
    CHECK_INT(count(db, "SELECT count(*) FROM outbox WHERE entity = 'clerk'"), 4);
    CHECK_INT(count(db, "SELECT count(*) FROM outbox WHERE payload LIKE '%scrypt%'"), 0);
    rk_db_close(db);
}

/* The key roster and the challenges: supervisor only, one entry per
 * certificate and per key, revoked once; a challenge is taken once and
 * not after its time; a session opened for a proven clerk honours
 * deactivation. */
static void test_key_roster(void)
{
    char path[512], ch[RK_CLERK_CHALLENGE_HEX + 1], ch2[RK_CLERK_CHALLENGE_HEX + 1];
    char token[RK_SESSION_TOKEN_LEN + 1];
    rk_conf conf;
    rk_db *db = NULL;
    rk_actor boss, amy, got;
    rk_clerk_cert c, found, *list = NULL;
    int n = 0;

    memset(&conf, 0, sizeof conf);
    conf.password_min_length = 8;
    conf.kdf_log2_n = 14;
    conf.max_failed_logins = 3;
    conf.lockout_minutes = 15;
    conf.session_hours = 8;
    snprintf(path, sizeof path, "%s/roster.db", dir);
    CHECK_INT(rk_db_open(&db, path, RK_DB_CREATE), 0);
    CHECK_INT(rk_db_migrate(db, 0, NULL, NULL), 0);
    CHECK_INT(
        rk_clerk_add(db, &conf, NULL, "boss", "王主管", RK_ROLE_SUPERVISOR, "bosspass1", NULL), 0);
    CHECK_INT(rk_clerk_login(db, &conf, "boss", "bosspass1", token, &boss), 0);
    CHECK_INT(rk_clerk_add(db, &conf, &boss, "amy", "艾审核", RK_ROLE_REVIEW, "amypass11", NULL),
              0);
    CHECK_INT(rk_clerk_login(db, &conf, "amy", "amypass11", token, &amy), 0);

    memset(&c, 0, sizeof c);
    snprintf(c.issuer, sizeof c.issuer, "CN=Demo branch sub-CA,O=rakiosk,C=CN");
    snprintf(c.serial, sizeof c.serial, "0abc");
    snprintf(c.spki_sha256, sizeof c.spki_sha256, "%064d", 1);
    snprintf(c.key_serial, sizeof c.key_serial, "k1");
    c.not_after = now + 86400;
    CHECK_INT(rk_clerk_cert_add(db, &amy, "amy", &c), RK_EPERM);
    CHECK_INT(rk_clerk_cert_add(db, &boss, "nobody", &c), RK_ENOTFOUND);
    CHECK_INT(rk_clerk_cert_add(db, &boss, "amy", &c), 0);
    CHECK_INT(rk_clerk_cert_add(db, &boss, "amy", &c), RK_EEXIST); /* the same certificate */
    snprintf(c.serial, sizeof c.serial, "0abd");
    CHECK_INT(rk_clerk_cert_add(db, &boss, "amy", &c), RK_EEXIST); /* the same key */
    CHECK_INT(rk_clerk_cert_find(db, c.issuer, "0abc", &found), 0);
    CHECK_STR(found.login, "amy");
    CHECK(found.revoked_at == 0 && found.issued_at == now);
    CHECK_INT(rk_clerk_cert_find(db, "CN=Other sub-CA", "0abc", &found), RK_ENOTFOUND);
    CHECK_INT(rk_clerk_cert_list(db, "amy", &list, &n), 0);
    CHECK_INT(n, 1);
    free(list);
    CHECK_INT(rk_clerk_cert_revoke(db, &amy, "0abc", "lost", NULL), RK_EPERM);
    CHECK_INT(rk_clerk_cert_revoke(db, &boss, "0abc", "lost", &found), 0);
    CHECK_INT(rk_clerk_cert_revoke(db, &boss, "0abc", "lost", NULL), RK_ESTATE);
    CHECK_INT(rk_clerk_cert_find(db, c.issuer, "0abc", &found), 0);
    CHECK(found.revoked_at == now);
    CHECK_INT(count(db, "SELECT count(*) FROM audit WHERE action IN ('clerk.key_issued', "
                        "'clerk.key_revoked') AND actor = 'boss'"),
              2);
    CHECK_INT(count(db, "SELECT count(*) FROM outbox WHERE kind IN ('certificate.issued', "
                        "'certificate.revoked') AND entity_id = '0abc'"),
              2);

    CHECK_INT(rk_clerk_challenge_new(db, ch), 0);
    CHECK_INT(rk_clerk_challenge_new(db, ch2), 0);
    CHECK_INT((int)strlen(ch), RK_CLERK_CHALLENGE_HEX);
    CHECK(strcmp(ch, ch2) != 0);
    CHECK_INT(count(db, "SELECT count(*) FROM clerk_challenge"), 2);
    CHECK_INT(rk_clerk_challenge_take(db, ch), 0);
    CHECK_INT(rk_clerk_challenge_take(db, ch), RK_EAUTH); /* once */
    CHECK_INT(rk_clerk_challenge_take(db, "00"), RK_EAUTH);
    now += RK_CLERK_CHALLENGE_TTL;
    CHECK_INT(rk_clerk_challenge_take(db, ch2), RK_EAUTH); /* too late */
    CHECK_INT(rk_clerk_challenge_new(db, ch), 0);
    CHECK_INT(count(db, "SELECT count(*) FROM clerk_challenge"), 1); /* the old ones dropped */

    CHECK_INT(rk_clerk_login_as(db, &conf, "amy", "USB key k1", token, &got), 0);
    CHECK_STR(got.login, "amy");
    CHECK_INT(rk_clerk_session(db, token, &got), 0);
    CHECK_INT(rk_clerk_set_active(db, &boss, "amy", 0), 0);
    CHECK_INT(rk_clerk_login_as(db, &conf, "amy", "USB key k1", token, &got), RK_EPERM);
    CHECK_INT(count(db, "SELECT count(*) FROM audit WHERE action = 'clerk.login' AND actor = "
                        "'amy' AND detail = 'USB key k1'"),
              1);
    CHECK_INT(rk_clerk_login_refused(db, "amy", "why"), 0);
    CHECK_INT(rk_clerk_login_refused(db, "NOT A LOGIN", "why"), 0);
    CHECK_INT(count(db, "SELECT count(*) FROM audit WHERE action = 'clerk.login_refused' AND "
                        "actor IN ('amy', '?')"),
              2);
    rk_db_close(db);
}

int main(void)
{
    rk_clock_set(test_clock, NULL);
    rk_test_tmpdir(dir, sizeof dir);
    test_passwords();
    test_roles();
    test_lifecycle();
    test_key_roster();
    rk_test_rmtree(dir);
    return rk_test_done();
}
