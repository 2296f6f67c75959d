/*
 * The counter's work on subscribers' USB keys as services of the branch:
 * listing the keys inserted, initialising a blank key, changing a PIN,
 * unlocking a locked key, and diagnosing a subscriber's key.
 *
 * Each call takes the key's module and token context from the branch
 * (keys.h). PINs are the caller's to read and wipe; none is kept, logged
 * or audited. An unlock needs a clerk with the issue role and an approved,
 * paid unlock order for that key; it completes the order and is audited
 * with it (key.unlock). The diagnosis is the one place that knows what a key's
 * state means to the subscriber: each problem comes with the error code a
 * subscriber met (DOMAIN.md: -10101042 key not found, -10101011 no
 * certificate, -10101019 PIN locked, -10101039 expired) and its fix.
 */
#ifndef RK_BRANCH_KEYOPS_H
#define RK_BRANCH_KEYOPS_H

#include "branch/branch.h"
#include "domain/clerk.h"
#include "token/token.h"
#include "util/progress.h"

/* The keys inserted now, read live, without the appliance HSM's token
 * when it shares the demo store: a new array (free()) of *n. Their labels
 * are subscribers' names, so by must be the clerk of the branch's session
 * (session.h: rk_branch_need_clerk; RK_EPERM otherwise, nothing read). */
int rk_branch_key_list(rk_branch *b, const rk_actor *by, rk_token_info **out, int *n);

/* The same list for the branch's own use, with no session: for a service
 * that shows no label or subject (picking the clerk key to log in with,
 * the subscriber's self-check, selfcheck.h). */
int rk_branch_keys_inserted(rk_branch *b, rk_token_info **out, int *n);

/* Live facts about the key serial (before asking for its PIN). */
int rk_branch_key_info(rk_branch *b, const char *serial, rk_token_info *out);

typedef struct rk_branch_key_init_req {
    const char *serial; /* the blank key, or "blank" */
    const char *label;
    const char *pin; /* the first user PIN; NULL: 6 digits are generated */
    rk_progress_fn progress;
    void *progress_arg;
} rk_branch_key_init_req;

/* Initialises a blank key: label, an SO PIN derived from the branch secret
 * (made on first use), the first PIN; a demo key gets its model's PIN
 * limit. new_serial (RK_TOKEN_SERIAL_MAX) gets the key's serial and
 * generated (RK_TOKEN_PIN_MAX) the generated PIN when req->pin is NULL
 * (the caller shows it once and wipes it). */
int rk_branch_key_init(rk_branch *b, const rk_branch_key_init_req *req, char *new_serial,
                       char *generated);

/* Changes the user PIN of the key serial; a wrong old PIN counts towards
 * the lock. */
int rk_branch_key_passwd(rk_branch *b, const char *serial, const char *old_pin,
                         const char *new_pin);

/* An unlock, like every business, runs from its order: an unlock order
 * (business "unlock") that is approved and paid (or fee-free), whose
 * key_serial field names this key, and, when the branch's records hold
 * certificates on the key, for the subscriber they were issued to. */
typedef struct rk_branch_key_unlock_req {
    const char *order_ref; /* the unlock order */
    const char *serial;    /* the locked key */
    const char *new_pin;   /* the new user PIN (the caller's to wipe) */
} rk_branch_key_unlock_req;

/* Checks, without touching the key or the ledger, that by may unlock
 * req->serial for req->order_ref now (req->new_pin is not read): for the
 * caller to ask the new PIN only then. RK_EPERM (no issue role, the order
 * is for another key or another subscriber's key), RK_ENOTFOUND (no such
 * order), RK_EINVAL (not an unlock order), RK_ESTATE (not approved, not
 * paid, already done). */
int rk_branch_key_unlock_check(rk_branch *b, const rk_actor *by,
                               const rk_branch_key_unlock_req *req);

/* Checks as above, unlocks the key with the SO PIN derived from the branch
 * secret and sets req->new_pin (the key's objects stay), then completes the
 * order (issued) in one transaction with the audit entry key.unlock naming
 * the order; the order cannot unlock a second time. If the key was
 * unlocked but the order could not be completed, the message says so (the
 * same call again sets the PIN again and completes it). */
int rk_branch_key_unlock(rk_branch *b, const rk_actor *by, const rk_branch_key_unlock_req *req);

#define RK_BRANCH_FINDINGS_MAX 32

typedef struct rk_branch_finding {
    const char *code; /* the subscriber's error code (DOMAIN.md) or "" */
    char what[200];
    const char *fix;
} rk_branch_finding;

typedef struct rk_branch_diagnosis {
    int present;           /* the key is seen */
    rk_token_info info;    /* when present */
    rk_token_object *objs; /* its objects (free()), n_objs of them */
    int n_objs;
    int certs, keypairs;
    rk_branch_finding findings[RK_BRANCH_FINDINGS_MAX];
    int n_findings; /* 0: no problem found */
} rk_branch_diagnosis;

/* What is wrong with the key serial and how to fix it, as of now (the
 * clock decides what has expired). The caller frees d->objs. The findings
 * and objects name the certificates' subjects: by must be the clerk of
 * the branch's session (RK_EPERM otherwise, the key not read). */
int rk_branch_key_diagnose(rk_branch *b, const rk_actor *by, const char *serial,
                           rk_branch_diagnosis *d);

/* The same diagnosis with no session, for the subscriber's self-check at
 * the kiosk, which shows no subject (selfcheck.h). */
int rk_branch_key_examine(rk_branch *b, const char *serial, rk_branch_diagnosis *d);

#endif
