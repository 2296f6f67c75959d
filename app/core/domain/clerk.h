/*
 * Branch clerks, their roles, and login sessions.
 *
 * Roles follow the separation of duties in the branch's rules: entry,
 * review, issue, archive, supervisor (see DOMAIN.md). A clerk may hold
 * several roles; every action names the one it uses, and the audit log
 * records it. Passwords are hashed with scrypt (memory-hard, from OpenSSL)
 * and a random salt; the clear password never reaches the database or a
 * log. A login creates a session: a random token whose SHA-256 is stored,
 * the token itself kept by the caller (ractl keeps it in a 0600 file).
 * Repeated wrong passwords lock the clerk for a while.
 *
 * Every change (add, role change, deactivation, login, logout, lockout) is
 * one transaction with its audit entry and outbox event.
 */
#ifndef RK_CLERK_H
#define RK_CLERK_H

#include <stdint.h>

#include "conf/conf.h"
#include "db/db.h"

enum {
    RK_ROLE_ENTRY = 1 << 0,
    RK_ROLE_REVIEW = 1 << 1,
    RK_ROLE_ISSUE = 1 << 2,
    RK_ROLE_ARCHIVE = 1 << 3,
    RK_ROLE_SUPERVISOR = 1 << 4,
    RK_ROLE_ALL = (1 << 5) - 1
};

#define RK_CLERK_LOGIN_MAX   32
#define RK_CLERK_NAME_MAX    64
#define RK_SESSION_TOKEN_LEN 64 /* hex characters */

typedef struct rk_clerk {
    int64_t id;
    char login[RK_CLERK_LOGIN_MAX + 1];
    char name[RK_CLERK_NAME_MAX * 4 + 1]; /* UTF-8 */
    unsigned roles;
    int active;
    int64_t locked_until;
    int64_t created_at;
} rk_clerk;

/* The acting clerk of an operation (from a session), or the system. */
typedef struct rk_actor {
    int64_t clerk_id; /* 0 for the system */
    char login[RK_CLERK_LOGIN_MAX + 1];
    unsigned roles;
} rk_actor;

/* The system actor (automatic resumes, sync); holds no clerk roles. */
void rk_actor_system(rk_actor *out);

/* Role names: "entry", "review", "issue", "archive", "supervisor". */
const char *rk_role_name(unsigned role);
/* Parses "entry,review" into a mask; RK_EINVAL naming the bad word. */
int rk_roles_parse(unsigned *out, const char *text);
/* Writes "entry,review" for mask into out. */
void rk_roles_format(char *out, size_t n, unsigned roles);

/* Adds a clerk. Allowed to a supervisor, or to anyone while the branch has
 * no clerk yet (bootstrap: the first clerk must then include supervisor).
 * Login: 3..32 of [a-z0-9._-]; password: conf->password_min_length or more.
 * RK_EEXIST, RK_EINVAL, RK_EPERM. *id (may be NULL) receives the new id. */
int rk_clerk_add(rk_db *db, const rk_conf *conf, const rk_actor *by, const char *login,
                 const char *name, unsigned roles, const char *password, int64_t *id);

/* Lists clerks ordered by login into a new array (free() it). */
int rk_clerk_list(rk_db *db, rk_clerk **out, int *n);

/* Reads one clerk by login; RK_ENOTFOUND. */
int rk_clerk_get(rk_db *db, const char *login, rk_clerk *out);

/* Sets a clerk's roles or active flag (supervisor only; a supervisor may
 * not remove their own supervisor role or deactivate themselves). */
int rk_clerk_set_roles(rk_db *db, const rk_actor *by, const char *login, unsigned roles);
int rk_clerk_set_active(rk_db *db, const rk_actor *by, const char *login, int active);

/* Checks the password and opens a session: token receives
 * RK_SESSION_TOKEN_LEN hex characters + NUL. Every refusal is RK_EAUTH
 * with the one message "wrong login or password", whether the login is
 * unknown, the password wrong, the clerk deactivated or locked, and takes
 * about as long (a password hash is computed either way): an outsider
 * learns neither which logins exist nor which are locked. While a lock
 * lasts the password is not checked at all (a right one would otherwise
 * tell itself from a wrong one); the clerk learns of the lock from a
 * supervisor (`clerk list`). Every attempt is audited: clerk.login,
 * clerk.login_failed, clerk.locked (which ends the clerk's open sessions)
 * and clerk.login_refused (unknown login, deactivated, locked; the
 * attempted login as actor when it is a well-formed one, else "?"). */
int rk_clerk_login(rk_db *db, const rk_conf *conf, const char *login, const char *password,
                   char token[RK_SESSION_TOKEN_LEN + 1], rk_actor *actor);

/* Opens a session for login once something else proved who it is (a
 * clerk's USB key: branch/keylogin.h), audited as clerk.login with how as
 * detail. RK_EPERM "clerk deactivated" / "clerk locked", RK_ENOTFOUND,
 * read inside the transaction that opens the session: the caller turns
 * them into its one refusal. */
int rk_clerk_login_as(rk_db *db, const rk_conf *conf, const char *login, const char *how,
                      char token[RK_SESSION_TOKEN_LEN + 1], rk_actor *actor);

/* Audits a refused login (clerk.login_refused, why as detail) in a
 * transaction of its own; login (may be NULL) is the actor when it is a
 * well-formed one, else "?". */
int rk_clerk_login_refused(rk_db *db, const char *login, const char *why);

/* Resolves a session token to its clerk, checked on every use; RK_EPERM
 * if unknown, expired, or the clerk was deactivated or locked since. */
int rk_clerk_session(rk_db *db, const char *token, rk_actor *actor);

/* Ends a session (audited). RK_ENOTFOUND if it was not open. */
int rk_clerk_logout(rk_db *db, const char *token);

/* RK_EPERM "<login> does not hold the <role> role" unless actor holds role. */
int rk_actor_require(const rk_actor *actor, unsigned role);

/* Password hashing, exposed for tests: "scrypt$<log2N>$<r>$<p>$<salt>$<hash>". */
int rk_password_hash(char *out, size_t n, const char *password, int log2_n);
/* 0 if password matches encoded, RK_EAUTH if not, RK_EINVAL if malformed. */
int rk_password_verify(const char *encoded, const char *password);

#endif
