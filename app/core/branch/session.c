/*
 * The clerk session of a branch (see session.h).
 */
#include "branch/session.h"

#include "branch/clerkkey.h"
#include "branch/keylogin.h"
#include "util/err.h"
#include "util/file.h"
#include "util/wipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct session {
    char token[RK_SESSION_TOKEN_LEN + 1];
} session;

static void session_close(void *p)
{
    rk_wipe(p, sizeof(session));
    free(p);
}

int rk_branch_session_path(rk_branch *b, char *out, size_t n)
{
    const rk_branch_env *env = rk_branch_env_of(b);
    const rk_conf *conf;
    int rc;
    if (env->session[0]) {
        int w = snprintf(out, n, "%s", env->session);
        return w < 0 || (size_t)w >= n ? rk_err_set(RK_ECONF, "RAKIOSK_SESSION is too long") : 0;
    }
    if ((rc = rk_branch_conf(b, &conf)) != 0) return rc;
    int w = snprintf(out, n, "%s/%u.session", conf->session_dir, (unsigned)getuid());
    return w < 0 || (size_t)w >= n ? rk_err_set(RK_ECONF, "session path too long") : 0;
}

int rk_branch_login(rk_branch *b, const char *login, const char *password, rk_actor *actor)
{
    const rk_conf *conf;
    rk_db *db;
    session *s;
    int rc;
    if ((rc = rk_branch_conf(b, &conf)) || (rc = rk_branch_db(b, &db))) return rc;
    if (!conf->password_login) {
        /* Refused before any password is checked or counted. */
        if ((rc = rk_clerk_login_refused(db, login, "password logins are off")) != 0) return rc;
        return rk_err_set(RK_EPERM, "password logins are off on this branch ([clerk] "
                                    "password_login = no): log in with your USB key and PIN");
    }
    if (!(s = calloc(1, sizeof *s))) return rk_err_oom();
    if ((rc = rk_clerk_login(db, conf, login, password, s->token, actor)) != 0) {
        session_close(s);
        return rc;
    }
    rk_branch_part_set(b, RK_BRANCH_SESSION, s, session_close);
    return 0;
}

int rk_branch_login_answer(rk_branch *b, const char *challenge, X509_REQ *answer, X509 *cert,
                           const char *key_serial, rk_actor *actor)
{
    session *s = calloc(1, sizeof *s);
    int rc;
    if (!s) return rk_err_oom();
    if ((rc = rk_branch_keylogin_verify(b, challenge, answer, cert, key_serial, s->token, actor)) !=
        0) {
        session_close(s);
        return rc;
    }
    rk_branch_part_set(b, RK_BRANCH_SESSION, s, session_close);
    return 0;
}

int rk_branch_clerk_key_pick(rk_branch *b, char out[RK_TOKEN_SERIAL_MAX])
{
    char found[4][RK_TOKEN_SERIAL_MAX];
    int n = 0, rc;
    if ((rc = rk_branch_clerk_keys_present(b, found, 4, &n)) != 0) return rc;
    if (n == 0) return rk_err_set(RK_EDEVICE, "no clerk key is inserted: insert your USB key");
    if (n > 1)
        return rk_err_set(RK_EINVAL,
                          "%d clerk keys are inserted (%s, %s%s): name yours or pull "
                          "the others",
                          n, found[0], found[1], n > 2 ? ", ..." : "");
    snprintf(out, RK_TOKEN_SERIAL_MAX, "%s", found[0]);
    return 0;
}

int rk_branch_login_key(rk_branch *b, const char *serial, const char *pin, rk_actor *actor)
{
    char challenge[RK_CLERK_CHALLENGE_HEX + 1], picked[RK_TOKEN_SERIAL_MAX];
    X509_REQ *answer = NULL;
    X509 *cert = NULL;
    int rc;
    if (!serial) {
        if ((rc = rk_branch_clerk_key_pick(b, picked)) != 0) return rc;
        serial = picked;
    }
    if ((rc = rk_branch_keylogin_challenge(b, challenge)) ||
        (rc = rk_branch_keylogin_sign(b, serial, pin, challenge, &answer, &cert)) == 0)
        rc = rk_branch_login_answer(b, challenge, answer, cert, serial, actor);
    X509_REQ_free(answer);
    X509_free(cert);
    return rc;
}

int rk_branch_session_use(rk_branch *b, const char *token, rk_actor *actor)
{
    rk_actor a;
    session *s;
    rk_db *db;
    int rc;
    if ((rc = rk_branch_db(b, &db)) || (rc = rk_clerk_session(db, token, &a))) return rc;
    if (!(s = calloc(1, sizeof *s))) return rk_err_oom();
    snprintf(s->token, sizeof s->token, "%s", token);
    rk_branch_part_set(b, RK_BRANCH_SESSION, s, session_close);
    if (actor) *actor = a;
    return 0;
}

void rk_branch_session_drop(rk_branch *b)
{
    rk_branch_part_set(b, RK_BRANCH_SESSION, NULL, NULL); /* wipes and frees it, ends nothing */
}

int rk_branch_session_save(rk_branch *b)
{
    char path[PATH_MAX], line[RK_SESSION_TOKEN_LEN + 2];
    session *s = rk_branch_part_get(b, RK_BRANCH_SESSION);
    rk_db *db;
    int rc;
    if (!s) return rk_err_set(RK_ESTATE, "no clerk is logged in");
    if ((rc = rk_branch_session_path(b, path, sizeof path)) == 0) {
        snprintf(line, sizeof line, "%s\n", s->token);
        rc = rk_file_write_atomic(path, line, strlen(line), 0600);
        rk_wipe(line, sizeof line);
    }
    if (rc) {
        char why[600];
        snprintf(why, sizeof why, "%s", rk_err_msg());
        if (rk_branch_db(b, &db) == 0) rk_clerk_logout(db, s->token);
        rk_branch_part_set(b, RK_BRANCH_SESSION, NULL, NULL); /* wipes and frees s */
        return rk_err_set(rc, "cannot keep the session: %s", why);
    }
    return 0;
}

/* The session file's token into s; RK_EPERM if there is none. */
static int read_file(rk_branch *b, session *s, char *path, size_t n)
{
    char line[RK_SESSION_TOKEN_LEN + 2];
    int rc;
    if ((rc = rk_branch_session_path(b, path, n)) != 0) return rc;
    FILE *f = fopen(path, "r");
    if (!f) return rk_err_set(RK_EPERM, "no clerk is logged in: run `ractl clerk login LOGIN`");
    char *r = fgets(line, sizeof line, f);
    fclose(f);
    if (!r) return rk_err_set(RK_EPERM, "the session file %s is empty: log in again", path);
    line[strcspn(line, "\r\n")] = '\0';
    snprintf(s->token, sizeof s->token, "%s", line);
    rk_wipe(line, sizeof line);
    return 0;
}

int rk_branch_actor(rk_branch *b, rk_actor *out)
{
    char path[PATH_MAX];
    session *held = rk_branch_part_get(b, RK_BRANCH_SESSION), from_file;
    rk_db *db;
    int rc;
    if ((rc = rk_branch_db(b, &db)) != 0) return rc;
    if (held) return rk_clerk_session(db, held->token, out);
    if ((rc = read_file(b, &from_file, path, sizeof path)) != 0) return rc;
    rc = rk_clerk_session(db, from_file.token, out);
    rk_wipe(&from_file, sizeof from_file);
    /* The session file is a shell's: say how that shell logs in again. */
    if (rc == RK_EPERM) {
        char why[200];
        snprintf(why, sizeof why, "%s", rk_err_msg());
        rc = rk_err_set(RK_EPERM, "%s (`ractl clerk login LOGIN`)", why);
    }
    return rc;
}

int rk_branch_need_clerk(rk_branch *b, const rk_actor *by, const char *what)
{
    rk_actor now;
    if (by && by->clerk_id > 0) {
        if (rk_branch_actor(b, &now) == 0 && now.clerk_id == by->clerk_id) return 0;
        rk_err_clear();
    }
    return rk_err_set(
        RK_EPERM, "%s shows personal data: a clerk must be logged in (ractl clerk login)", what);
}

int rk_branch_logout(rk_branch *b)
{
    char path[PATH_MAX];
    session *held = rk_branch_part_get(b, RK_BRANCH_SESSION), from_file;
    rk_db *db;
    int rc;
    if ((rc = rk_branch_db(b, &db)) != 0) return rc;
    if (held) {
        rc = rk_clerk_logout(db, held->token);
        rk_branch_part_set(b, RK_BRANCH_SESSION, NULL, NULL); /* wipes and frees held */
        return rc;
    }
    if ((rc = read_file(b, &from_file, path, sizeof path)) != 0) {
        if (rc != RK_EPERM) return rc;
        unlink(path); /* an empty file is no session either */
        return rk_err_set(RK_ENOTFOUND, "no clerk is logged in");
    }
    unlink(path);
    rc = rk_clerk_logout(db, from_file.token);
    rk_wipe(&from_file, sizeof from_file);
    return rc;
}
