/*
 * The clerk at the counter: logging in, the session, and the actor every
 * service acts as.
 *
 * A login checks the clerk's USB key and PIN (keylogin.h) or, when
 * [clerk] password_login allows it, the clerk's password (domain/clerk.h:
 * lockout, audit), and keeps the session's token in the branch, wiped at
 * close; the kiosk keeps
 * it there for the visit. ractl keeps a shell's session between commands
 * in a file: $RAKIOSK_SESSION, else <data_dir>/sessions/<uid>.session
 * (mode 0600, replaced atomically), which rk_branch_actor reads when the
 * branch holds no session of its own.
 */
#ifndef RK_BRANCH_SESSION_H
#define RK_BRANCH_SESSION_H

#include "branch/branch.h"
#include "domain/clerk.h"
#include "token/token.h"

#include <openssl/x509.h>
#include <stddef.h>

/* The session file of this user into out. RK_ECONF if it does not fit. */
int rk_branch_session_path(rk_branch *b, char *out, size_t n);

/* Checks login's password and opens a session held by the branch; *actor
 * is the clerk. RK_EAUTH as rk_clerk_login; RK_EPERM (audited) when
 * [clerk] password_login is off. */
int rk_branch_login(rk_branch *b, const char *login, const char *password, rk_actor *actor);

/* Logs in with the clerk key serial (NULL: the one clerk key inserted)
 * and its PIN: a fresh challenge signed on the key and checked
 * (keylogin.h). Every refusal is RK_EAUTH RK_BRANCH_KEYLOGIN_REFUSED,
 * audited; RK_EDEVICE when the key (or any clerk key) is not inserted,
 * RK_EINVAL when several clerk keys are and serial is NULL. */
int rk_branch_login_key(rk_branch *b, const char *serial, const char *pin, rk_actor *actor);

/* The second half of a key login, for a signer elsewhere: checks answer
 * to challenge (rk_branch_keylogin_challenge) with cert and opens the
 * session held by the branch. */
int rk_branch_login_answer(rk_branch *b, const char *challenge, X509_REQ *answer, X509 *cert,
                           const char *key_serial, rk_actor *actor);

/* The serial of the one clerk key inserted into out; RK_EDEVICE if none,
 * RK_EINVAL (naming them) if several. */
int rk_branch_clerk_key_pick(rk_branch *b, char out[RK_TOKEN_SERIAL_MAX]);

/* Holds the open session token (another branch's: the kiosk's desk hands
 * its clerk's session to a job runner's worker) as this branch's own, so
 * services act as its clerk; checked first (RK_EPERM as rk_clerk_session).
 * *actor (may be NULL) is the clerk. */
int rk_branch_session_use(rk_branch *b, const char *token, rk_actor *actor);

/* Forgets the branch's held session without ending it (the worker's job is
 * done; the session stays the desk's). */
void rk_branch_session_drop(rk_branch *b);

/* Keeps the branch's session in the session file, so later commands of
 * this shell act as the clerk. On failure the session is ended. */
int rk_branch_session_save(rk_branch *b);

/* The acting clerk: the branch's own session, else the session file's.
 * RK_EPERM, saying how to log in, when there is none or it has expired. */
int rk_branch_actor(rk_branch *b, rk_actor *out);

/* The one check of everything that shows personal data (subscribers'
 * names, ID numbers, the labels and certificate subjects on their keys):
 * by must be the clerk of the branch's session as it stands at the call
 * (rk_branch_actor: open, the clerk active and not locked), so by NULL,
 * the system actor, an actor made up or one kept from an ended session
 * gets RK_EPERM: "WHAT shows personal data: a clerk must be logged in
 * (ractl clerk login)". */
int rk_branch_need_clerk(rk_branch *b, const rk_actor *by, const char *what);

/* Ends the branch's session, or else the session file's, and removes the
 * file. RK_ENOTFOUND when no clerk is logged in. */
int rk_branch_logout(rk_branch *b);

#endif
