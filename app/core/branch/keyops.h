/*
 * The counter's work on subscribers' USB keys as services of the branch:
 * listing the keys inserted, initialising a blank key, changing a PIN,
 * unlocking a locked key, and diagnosing a subscriber's key.
 *
 * Each call takes the key's module and token context from the branch
 * (keys.h). PINs are the caller's to read and wipe; none is kept, logged
 * or audited. An unlock needs a clerk with the issue role and is audited
 * (key.unlock). The diagnosis is the one place that knows what a key's
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
 * when it shares the demo store: a new array (free()) of *n. */
int rk_branch_key_list(rk_branch *b, rk_token_info **out, int *n);

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

/* Unlocks the key serial as by (issue role, RK_EPERM otherwise) with the
 * SO PIN derived from the branch secret and sets new_pin; the key's
 * objects stay. Audited as key.unlock. */
int rk_branch_key_unlock(rk_branch *b, const rk_actor *by, const char *serial, const char *new_pin);

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
 * clock decides what has expired). The caller frees d->objs. */
int rk_branch_key_diagnose(rk_branch *b, const char *serial, rk_branch_diagnosis *d);

#endif
