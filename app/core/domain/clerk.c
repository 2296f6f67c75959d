/*
 * Clerks, roles, passwords and sessions (see clerk.h).
 */
#include "clerk.h"

#include "audit/record.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/json.h"
#include "util/hex.h"
#include "util/uuid.h"
#include "util/wipe.h"
#include "util/utf8.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCRYPT_R      8
#define SCRYPT_P      1
#define SALT_LEN      16
#define KEY_LEN       32
#define SCRYPT_MAXMEM (1024ULL * 1024 * 1024)

static const char *const role_names[] = {"entry", "review", "issue", "archive", "supervisor"};
#define N_ROLES 5

void rk_actor_system(rk_actor *out)
{
    memset(out, 0, sizeof *out);
    strcpy(out->login, "system");
}

const char *rk_role_name(unsigned role)
{
    for (int i = 0; i < N_ROLES; i++)
        if (role == 1u << i) return role_names[i];
    return "?";
}

int rk_roles_parse(unsigned *out, const char *text)
{
    unsigned mask = 0;
    const char *p = text;
    while (*p) {
        size_t len = strcspn(p, ",");
        int found = 0;
        for (int i = 0; i < N_ROLES; i++)
            if (strlen(role_names[i]) == len && !strncmp(p, role_names[i], len)) {
                mask |= 1u << i;
                found = 1;
            }
        if (!found)
            return rk_err_set(RK_EINVAL,
                              "unknown role '%.*s' (roles: entry, review, issue, archive, "
                              "supervisor)",
                              (int)len, p);
        p += len;
        if (*p == ',') p++;
    }
    if (!mask) return rk_err_set(RK_EINVAL, "no role given");
    *out = mask;
    return 0;
}

void rk_roles_format(char *out, size_t n, unsigned roles)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < N_ROLES; i++) {
        if (!(roles & (1u << i))) continue;
        int w = snprintf(out + used, n - used, "%s%s", used ? "," : "", role_names[i]);
        if (w < 0 || (size_t)w >= n - used) return;
        used += (size_t)w;
    }
}

int rk_actor_require(const rk_actor *actor, unsigned role)
{
    if (!(actor->roles & role))
        return rk_err_set(RK_EPERM, "%s does not hold the %s role", actor->login,
                          rk_role_name(role));
    return 0;
}

/* --- passwords ---------------------------------------------------------- */

static int scrypt(unsigned char *key, const char *password, const unsigned char *salt, int log2_n)
{
    if (EVP_PBE_scrypt(password, strlen(password), salt, SALT_LEN, 1ULL << log2_n, SCRYPT_R,
                       SCRYPT_P, SCRYPT_MAXMEM, key, KEY_LEN) != 1)
        return rk_err_set(RK_ECRYPTO, "scrypt failed");
    return 0;
}

int rk_password_hash(char *out, size_t n, const char *password, int log2_n)
{
    unsigned char salt[SALT_LEN], key[KEY_LEN];
    char salt_hex[2 * SALT_LEN + 1], key_hex[2 * KEY_LEN + 1];
    int rc;

    if ((rc = rk_random_bytes(salt, SALT_LEN)) != 0) return rc;
    if ((rc = scrypt(key, password, salt, log2_n)) != 0) return rc;
    rk_hex_encode(salt_hex, salt, SALT_LEN, RK_HEX_LOWER);
    rk_hex_encode(key_hex, key, KEY_LEN, RK_HEX_LOWER);
    rk_wipe(key, sizeof key);
    int w =
        snprintf(out, n, "scrypt$%d$%d$%d$%s$%s", log2_n, SCRYPT_R, SCRYPT_P, salt_hex, key_hex);
    rk_wipe(key_hex, sizeof key_hex);
    if (w < 0 || (size_t)w >= n) return rk_err_set(RK_EINTERNAL, "password hash buffer too small");
    return 0;
}

int rk_password_verify(const char *encoded, const char *password)
{
    int log2_n, r, p, off = 0, rc;
    unsigned char salt[SALT_LEN], want[KEY_LEN], got[KEY_LEN];

    if (sscanf(encoded, "scrypt$%d$%d$%d$%n", &log2_n, &r, &p, &off) != 3 || !off ||
        r != SCRYPT_R || p != SCRYPT_P || log2_n < 10 || log2_n > 22 ||
        strlen(encoded + off) != 2 * SALT_LEN + 1 + 2 * KEY_LEN ||
        rk_hex_decode(salt, SALT_LEN, NULL, encoded + off, 2 * SALT_LEN) ||
        encoded[off + 2 * SALT_LEN] != '$' ||
        rk_hex_decode(want, KEY_LEN, NULL, encoded + off + 2 * SALT_LEN + 1, 2 * KEY_LEN))
        return rk_err_set(RK_EINVAL, "stored password hash is malformed");
    if ((rc = scrypt(got, password, salt, log2_n)) != 0) return rc;
    rc = CRYPTO_memcmp(got, want, KEY_LEN) ? rk_err_set(RK_EAUTH, "wrong password") : 0;
    rk_wipe(got, sizeof got);
    return rc;
}

/* --- shared helpers ----------------------------------------------------- */

static int valid_login(const char *login)
{
    size_t n = strlen(login);
    if (n < 3 || n > RK_CLERK_LOGIN_MAX) return 0;
    for (const char *p = login; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
              *p == '-'))
            return 0;
    return 1;
}

static void read_clerk(sqlite3_stmt *st, rk_clerk *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    rk_utf8_copy(c->login, sizeof c->login, (const char *)sqlite3_column_text(st, 1));
    rk_utf8_copy(c->name, sizeof c->name, (const char *)sqlite3_column_text(st, 2));
    c->roles = (unsigned)sqlite3_column_int(st, 3);
    c->active = sqlite3_column_int(st, 4);
    c->locked_until = sqlite3_column_int64(st, 5);
    c->created_at = sqlite3_column_int64(st, 6);
}

#define CLERK_COLUMNS "id, login, name, roles, active, locked_until, created_at"

int rk_clerk_get(rk_db *db, const char *login, rk_clerk *out)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st, "SELECT " CLERK_COLUMNS " FROM clerk WHERE login = ?");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        read_clerk(st, out);
    else if (s == SQLITE_DONE)
        rc = rk_err_set(RK_ENOTFOUND, "no clerk '%s'", login);
    else
        rc = rk_db_fail(db, "cannot read clerk");
    sqlite3_finalize(st);
    return rc;
}

static int clerk_row(void *elem, sqlite3_stmt *st, void *arg)
{
    (void)arg;
    read_clerk(st, elem);
    return 0;
}

int rk_clerk_list(rk_db *db, rk_clerk **out, int *n)
{
    sqlite3_stmt *st;
    int rc;

    *out = NULL;
    *n = 0;
    rc = rk_db_prepare(db, &st, "SELECT " CLERK_COLUMNS " FROM clerk ORDER BY login");
    if (rc) return rc;
    return rk_db_collect((void **)out, n, db, st, sizeof **out, clerk_row, NULL, "clerks");
}

/* JSON snapshot of a clerk for audit and outbox (never the password). */
static int clerk_json(rk_buf *b, const rk_clerk *c)
{
    rk_json j;
    char roles[96];
    rk_roles_format(roles, sizeof roles, c->roles);
    rk_json_init(&j, b);
    rk_json_obj_begin(&j);
    rk_json_kstr(&j, "login", c->login);
    rk_json_kstr(&j, "name", c->name);
    rk_json_kstr(&j, "roles", roles);
    rk_json_kbool(&j, "active", c->active);
    rk_json_obj_end(&j);
    return rk_json_finish(&j);
}

static const char *actor_role(const rk_actor *by)
{
    return by->clerk_id ? "supervisor" : "system";
}

/* Writes the audit entry and outbox event for a clerk change, in the open
 * transaction. */
static int record_change(rk_db *db, const rk_actor *by, const char *role, const char *action,
                         const rk_clerk *before, const rk_clerk *after, const char *detail)
{
    rk_buf b1, b2;
    int rc;
    rk_buf_init(&b1, 4096);
    rk_buf_init(&b2, 4096);
    if ((before && (rc = clerk_json(&b1, before))) || (after && (rc = clerk_json(&b2, after))))
        goto out;
    rk_record r = {.actor = by->login,
                   .role = role,
                   .action = action,
                   .before = before ? b1.data : NULL,
                   .after = after ? b2.data : NULL,
                   .detail = detail,
                   .entity = "clerk",
                   .entity_id = (after ? after : before)->login,
                   .payload = after ? b2.data : b1.data};
    rc = rk_record_add(db, &r);
out:
    rk_buf_free(&b1);
    rk_buf_free(&b2);
    return rc;
}

static int count_clerks(rk_db *db, int64_t *n)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st, "SELECT count(*) FROM clerk");
    if (rc) return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    else
        rc = rk_db_fail(db, "cannot count clerks");
    sqlite3_finalize(st);
    return rc;
}

int rk_clerk_add(rk_db *db, const rk_conf *conf, const rk_actor *by, const char *login,
                 const char *name, unsigned roles, const char *password, int64_t *id)
{
    char hash[256];
    sqlite3_stmt *st;
    int64_t existing = 0;
    int rc;

    if (!valid_login(login))
        return rk_err_set(RK_EINVAL,
                          "login '%s': use 3 to %d characters of a-z, 0-9, '.', '_' and '-'", login,
                          RK_CLERK_LOGIN_MAX);
    if (!name[0] || strlen(name) > RK_CLERK_NAME_MAX * 4)
        return rk_err_set(RK_EINVAL, "name: give the clerk's name (at most %d bytes)",
                          RK_CLERK_NAME_MAX * 4);
    if (!roles || (roles & ~(unsigned)RK_ROLE_ALL))
        return rk_err_set(RK_EINVAL, "roles: give at least one known role");
    if (strlen(password) < (size_t)conf->password_min_length)
        return rk_err_set(RK_EINVAL, "password: at least %d characters", conf->password_min_length);
    /* Hash before taking the write lock: scrypt is deliberately slow. */
    if ((rc = rk_password_hash(hash, sizeof hash, password, conf->kdf_log2_n)) != 0) return rc;
    if ((rc = rk_db_begin(db)) != 0) return rc;
    if ((rc = count_clerks(db, &existing)) != 0) goto fail;
    if (existing == 0) {
        if (!(roles & RK_ROLE_SUPERVISOR)) {
            rc = rk_err_set(RK_EPERM, "the branch's first clerk must hold the supervisor role");
            goto fail;
        }
    } else if (!by || (rc = rk_actor_require(by, RK_ROLE_SUPERVISOR)) != 0) {
        if (!by) rc = rk_err_set(RK_EPERM, "adding a clerk needs a supervisor's login");
        goto fail;
    }
    rc = rk_db_prepare(db, &st,
                       "INSERT INTO clerk(login, name, roles, password, created_at) "
                       "VALUES (?, ?, ?, ?, ?)");
    if (rc) goto fail;
    sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, (int)roles);
    sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, rk_clock_now());
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) {
        if ((sqlite3_extended_errcode(rk_db_handle(db)) & 0xff) == SQLITE_CONSTRAINT)
            rc = rk_err_set(RK_EEXIST, "a clerk '%s' already exists", login);
        else
            rc = rk_db_fail(db, "cannot add clerk");
        goto fail;
    }
    rk_clerk added;
    if ((rc = rk_clerk_get(db, login, &added)) != 0) goto fail;
    rk_actor boot;
    if (existing == 0) {
        rk_actor_system(&boot);
        by = &boot;
    }
    rc = record_change(db, by, existing == 0 ? "system" : actor_role(by), "clerk.add", NULL, &added,
                       existing == 0 ? "first clerk of the branch" : NULL);
    if (!rc && id) *id = added.id;
fail:
    rk_wipe(hash, sizeof hash);
    return rk_db_end(db, rc);
}

/* Ends every session of clerk id (a lock, a deactivation); *ended counts those that were
 * still open. */
static int end_sessions(rk_db *db, int64_t id, int *ended)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st,
                           "SELECT count(*) FROM clerk_session WHERE clerk_id = ? AND "
                           "expires_at > ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, rk_clock_now());
    *ended = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if ((rc = rk_db_prepare(db, &st, "DELETE FROM clerk_session WHERE clerk_id = ?")) != 0)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot end sessions");
    sqlite3_finalize(st);
    return rc;
}

/* Loads the clerk, applies change(), and records it; supervisor only. */
static int modify(rk_db *db, const rk_actor *by, const char *login, const char *action,
                  const char *column, int value)
{
    rk_clerk before, after;
    sqlite3_stmt *st;
    char sql[96];
    int rc;

    if ((rc = rk_actor_require(by, RK_ROLE_SUPERVISOR)) != 0) return rc;
    if ((rc = rk_db_begin(db)) != 0) return rc;
    if ((rc = rk_clerk_get(db, login, &before)) != 0) goto fail;
    snprintf(sql, sizeof sql, "UPDATE clerk SET %s = ? WHERE id = ?", column);
    if ((rc = rk_db_prepare(db, &st, sql)) != 0) goto fail;
    sqlite3_bind_int(st, 1, value);
    sqlite3_bind_int64(st, 2, before.id);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot change clerk");
    sqlite3_finalize(st);
    if (rc || (rc = rk_clerk_get(db, login, &after)) != 0) goto fail;
    int ended = 0;
    /* A deactivated clerk's sessions end at once. */
    if (!strcmp(column, "active") && !value && (rc = end_sessions(db, before.id, &ended)) != 0)
        goto fail;
    rc = record_change(db, by, actor_role(by), action, &before, &after, NULL);
fail:
    return rk_db_end(db, rc);
}

int rk_clerk_set_roles(rk_db *db, const rk_actor *by, const char *login, unsigned roles)
{
    if (!roles || (roles & ~(unsigned)RK_ROLE_ALL))
        return rk_err_set(RK_EINVAL, "roles: give at least one known role");
    if (!strcmp(by->login, login) && !(roles & RK_ROLE_SUPERVISOR))
        return rk_err_set(RK_EPERM, "a supervisor may not remove their own supervisor role");
    return modify(db, by, login, "clerk.roles", "roles", (int)roles);
}

int rk_clerk_set_active(rk_db *db, const rk_actor *by, const char *login, int active)
{
    if (!strcmp(by->login, login) && !active)
        return rk_err_set(RK_EPERM, "a supervisor may not deactivate themselves");
    return modify(db, by, login, active ? "clerk.activate" : "clerk.deactivate", "active",
                  active ? 1 : 0);
}

/* --- sessions ----------------------------------------------------------- */

static int token_hash(char out[65], const char *token)
{
    unsigned char d[32];
    unsigned int n = 0;
    if (EVP_Digest(token, strlen(token), d, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return rk_err_set(RK_ECRYPTO, "cannot hash the session token");
    rk_hex_encode(out, d, 32, RK_HEX_LOWER);
    return 0;
}

static int login_audit(rk_db *db, const char *login, const char *action, const char *detail)
{
    rk_record r = {.actor = login, .role = "clerk", .action = action, .detail = detail};
    return rk_record_add(db, &r);
}

static int read_password(rk_db *db, int64_t id, char *out, size_t n, int *failed)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st, "SELECT password, failed_logins FROM clerk WHERE id = ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(out, n, "%s", sqlite3_column_text(st, 0));
        *failed = sqlite3_column_int(st, 1);
    } else {
        rc = rk_db_fail(db, "cannot read clerk");
    }
    sqlite3_finalize(st);
    return rc;
}

static int set_failures(rk_db *db, int64_t id, int failed, int64_t locked_until)
{
    sqlite3_stmt *st;
    int rc =
        rk_db_prepare(db, &st, "UPDATE clerk SET failed_logins = ?, locked_until = ? WHERE id = ?");
    if (rc) return rc;
    sqlite3_bind_int(st, 1, failed);
    sqlite3_bind_int64(st, 2, locked_until);
    sqlite3_bind_int64(st, 3, id);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot update clerk");
    sqlite3_finalize(st);
    return rc;
}

/* The one answer to every refused login: an outsider learns neither which
 * logins exist nor which are locked or deactivated. */
#define LOGIN_REFUSED "wrong login or password"

/* Costs what checking a password costs, for a login refused without one
 * (unknown, locked, deactivated): the answer takes as long either way. */
static void spend_password_time(const rk_conf *conf, const char *password)
{
    char hash[256];
    if (rk_password_hash(hash, sizeof hash, password, conf->kdf_log2_n) != 0) rk_err_clear();
    rk_wipe(hash, sizeof hash);
}

/* Audits a login refused before its password was checked, in a
 * transaction of its own: the attempted login as actor when it is one a
 * clerk could have (else "?"), why in detail. Returns the refusal. */
static int refuse_login(rk_db *db, const rk_conf *conf, const char *login, const char *password,
                        const char *why)
{
    spend_password_time(conf, password);
    int rc = rk_clerk_login_refused(db, login, why);
    if (rc) return rc;
    return rk_err_set(RK_EAUTH, LOGIN_REFUSED);
}

/* Opens a session of clerk c in the open transaction: a random token into
 * token, its hash stored. */
static int open_session(rk_db *db, const rk_conf *conf, const rk_clerk *c,
                        char token[RK_SESSION_TOKEN_LEN + 1])
{
    unsigned char raw[RK_SESSION_TOKEN_LEN / 2];
    char th[65];
    sqlite3_stmt *st;
    int64_t now = rk_clock_now();
    int rc;
    if ((rc = rk_random_bytes(raw, sizeof raw)) != 0) return rc;
    rk_hex_encode(token, raw, sizeof raw, RK_HEX_LOWER);
    rk_wipe(raw, sizeof raw);
    if ((rc = token_hash(th, token)) != 0) return rc;
    if ((rc = rk_db_prepare(db, &st,
                            "INSERT INTO clerk_session(token_hash, clerk_id, created_at, "
                            "expires_at) VALUES (?, ?, ?, ?)")) != 0)
        return rc;
    sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, c->id);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, now + (int64_t)conf->session_hours * 3600);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot open session");
    sqlite3_finalize(st);
    return rc;
}

static void set_actor(rk_actor *actor, const rk_clerk *c)
{
    if (!actor) return;
    memset(actor, 0, sizeof *actor);
    actor->clerk_id = c->id;
    rk_utf8_copy(actor->login, sizeof actor->login, c->login);
    actor->roles = c->roles;
}

int rk_clerk_login_refused(rk_db *db, const char *login, const char *why)
{
    rk_record r = {.actor = login && valid_login(login) ? login : "?",
                   .role = "clerk",
                   .action = "clerk.login_refused",
                   .detail = why};
    return rk_record_once(db, &r);
}

int rk_clerk_login_as(rk_db *db, const rk_conf *conf, const char *login, const char *how,
                      char token[RK_SESSION_TOKEN_LEN + 1], rk_actor *actor)
{
    rk_clerk c;
    int rc;
    if ((rc = rk_db_begin(db)) != 0) return rc;
    /* Read inside the write lock: a deactivation or lock just committed counts. */
    if ((rc = rk_clerk_get(db, login, &c)) != 0) goto fail;
    if (!c.active || c.locked_until > rk_clock_now()) {
        rc = rk_err_set(RK_EPERM, "%s", !c.active ? "clerk deactivated" : "clerk locked");
        goto fail;
    }
    if ((rc = open_session(db, conf, &c, token)) != 0 ||
        (rc = login_audit(db, c.login, "clerk.login", how)) != 0 || (rc = rk_db_commit(db)) != 0)
        goto fail;
    set_actor(actor, &c);
    return 0;
fail:
    rk_wipe(token, RK_SESSION_TOKEN_LEN + 1);
    rk_db_rollback(db);
    return rc;
}

int rk_clerk_login(rk_db *db, const rk_conf *conf, const char *login, const char *password,
                   char token[RK_SESSION_TOKEN_LEN + 1], rk_actor *actor)
{
    rk_clerk c;
    char stored[256], why[96];
    int failed = 0, rc, verdict;
    int64_t now = rk_clock_now();

    if ((rc = rk_clerk_get(db, login, &c)) != 0) {
        if (rc != RK_ENOTFOUND) return rc;
        rk_err_clear();
        return refuse_login(db, conf, login, password, "unknown login");
    }
    if (!c.active) return refuse_login(db, conf, login, password, "clerk deactivated");
    if (c.locked_until > now) {
        /* The password is not even checked while the lock lasts: a right
         * one must not be told from a wrong one, or guessing goes on. */
        time_t until = (time_t)c.locked_until;
        struct tm tm;
        localtime_r(&until, &tm);
        strftime(why, sizeof why, "locked after wrong passwords until %Y-%m-%d %H:%M:%S", &tm);
        return refuse_login(db, conf, login, password, why);
    }
    if ((rc = read_password(db, c.id, stored, sizeof stored, &failed)) != 0) return rc;
    verdict = rk_password_verify(stored, password);
    rk_wipe(stored, sizeof stored);
    if (verdict != 0 && verdict != RK_EAUTH) return verdict;

    if ((rc = rk_db_begin(db)) != 0) return rc;
    if (verdict == RK_EAUTH) {
        /* Re-read the counter inside the lock so parallel attempts all count. */
        if ((rc = read_password(db, c.id, stored, sizeof stored, &failed)) != 0) goto fail;
        rk_wipe(stored, sizeof stored);
        failed++;
        int left = conf->max_failed_logins - failed, ended = 0;
        int64_t until = left <= 0 ? now + (int64_t)conf->lockout_minutes * 60 : 0;
        /* A lock also ends the clerk's open sessions. */
        if ((rc = set_failures(db, c.id, left <= 0 ? 0 : failed, until)) != 0 ||
            (left <= 0 && (rc = end_sessions(db, c.id, &ended)) != 0))
            goto fail;
        if (left <= 0)
            snprintf(why, sizeof why,
                     "%d wrong passwords: locked for %d minutes, %d session%s ended", failed,
                     conf->lockout_minutes, ended, ended == 1 ? "" : "s");
        else
            snprintf(why, sizeof why, "wrong password %d of %d", failed, conf->max_failed_logins);
        if ((rc = login_audit(db, login, left <= 0 ? "clerk.locked" : "clerk.login_failed", why)) !=
                0 ||
            (rc = rk_db_commit(db)) != 0)
            goto fail;
        return rk_err_set(RK_EAUTH, LOGIN_REFUSED);
    }
    if ((rc = open_session(db, conf, &c, token)) != 0 ||
        (failed && (rc = set_failures(db, c.id, 0, 0)) != 0) ||
        (rc = login_audit(db, login, "clerk.login", NULL)) != 0 || (rc = rk_db_commit(db)) != 0)
        goto fail;
    set_actor(actor, &c);
    return 0;
fail:
    rk_wipe(token, RK_SESSION_TOKEN_LEN + 1);
    rk_db_rollback(db);
    return rc;
}

int rk_clerk_session(rk_db *db, const char *token, rk_actor *actor)
{
    char th[65];
    sqlite3_stmt *st;
    int rc;

    if ((rc = token_hash(th, token)) != 0) return rc;
    rc = rk_db_prepare(db, &st,
                       "SELECT c.id, c.login, c.roles, c.active, s.expires_at, c.locked_until "
                       "FROM clerk_session s JOIN clerk c ON c.id = s.clerk_id "
                       "WHERE s.token_hash = ?");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        if (!sqlite3_column_int(st, 3))
            rc = rk_err_set(RK_EPERM, "the clerk was deactivated: log in again");
        else if (sqlite3_column_int64(st, 5) > rk_clock_now())
            rc = rk_err_set(RK_EPERM, "the clerk's login is locked after wrong passwords: log in "
                                      "again when the lock ends, or ask a supervisor");
        else if (sqlite3_column_int64(st, 4) <= rk_clock_now())
            rc = rk_err_set(RK_EPERM, "the login has expired: log in again");
        else {
            memset(actor, 0, sizeof *actor);
            actor->clerk_id = sqlite3_column_int64(st, 0);
            rk_utf8_copy(actor->login, sizeof actor->login,
                         (const char *)sqlite3_column_text(st, 1));
            actor->roles = (unsigned)sqlite3_column_int(st, 2);
        }
    } else if (s == SQLITE_DONE) {
        rc = rk_err_set(RK_EPERM, "not logged in (or logged out): log in first");
    } else {
        rc = rk_db_fail(db, "cannot read session");
    }
    sqlite3_finalize(st);
    return rc;
}

int rk_clerk_logout(rk_db *db, const char *token)
{
    rk_actor a;
    char th[65];
    sqlite3_stmt *st;
    int rc;

    if ((rc = token_hash(th, token)) != 0) return rc;
    if ((rc = rk_db_begin(db)) != 0) return rc;
    rc = rk_db_prepare(db, &st,
                       "SELECT c.login FROM clerk_session s JOIN clerk c ON c.id = s.clerk_id "
                       "WHERE s.token_hash = ?");
    if (rc) goto fail;
    sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        rc = rk_err_set(RK_ENOTFOUND, "no open session to end");
        goto fail;
    }
    rk_utf8_copy(a.login, sizeof a.login, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if ((rc = rk_db_prepare(db, &st, "DELETE FROM clerk_session WHERE token_hash = ?")) != 0)
        goto fail;
    sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot end session");
    sqlite3_finalize(st);
    if (!rc) rc = login_audit(db, a.login, "clerk.logout", NULL);
fail:
    return rk_db_end(db, rc);
}
