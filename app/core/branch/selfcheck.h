/*
 * The subscriber's own corner of the counter: the key self-check and the
 * PIN change a subscriber does alone at the kiosk.
 *
 * The self-check takes keyops' diagnosis (the one place that knows what a
 * key's state means) and turns it into findings a subscriber reads: each
 * one names, as keys of the strings files (conf/strings, section
 * [selfcheck]), what was found and how to fix it, with its placeholders'
 * values and the error code the subscriber may have met (small type, for
 * the clerk). It adds what the diagnosis does not say: a certificate that
 * expires within 30 days (renew in time, DOMAIN.md), wrong PINs already
 * spent, and which key to look at when none or several are inserted. It
 * never shows the certificate's subject (the queue reads the screen).
 *
 * The PIN change is keyops' passwd with the rules a kiosk needs around
 * it: the new PIN typed twice, 6 to 16 characters, not the old one, not
 * all one digit or a plain run (123456); the tries left read live before
 * and after; on the final try it refuses to try the old PIN until the
 * caller says the subscriber confirmed the warning (a wrong PIN then locks
 * the key); a locked key is never tried. PINs are the caller's to wipe;
 * none is kept or logged.
 *
 * Both read the key and may take a few hundred milliseconds: the kiosk
 * runs them on the job runner with a branch of the worker's own.
 */
#ifndef RK_BRANCH_SELFCHECK_H
#define RK_BRANCH_SELFCHECK_H

#include "branch/branch.h"
#include "token/token.h"

#include <stdint.h>

#define RK_SELFCHECK_MAX        16
#define RK_SELFCHECK_ARG_MAX    64
#define RK_SELFCHECK_RENEW_DAYS 30

enum { RK_SELFCHECK_OK = 0, RK_SELFCHECK_INFO, RK_SELFCHECK_WARNING, RK_SELFCHECK_ERROR };

typedef struct rk_selfcheck_finding {
    int severity;                    /* RK_SELFCHECK_INFO .. ERROR */
    const char *code;                /* the subscriber's error code (DOMAIN.md) or "" */
    const char *what;                /* strings key: what was found ("selfcheck.expired") */
    const char *fix;                 /* strings key: what to do */
    char arg1[RK_SELFCHECK_ARG_MAX]; /* {1} of both strings ("" if unused) */
    char arg2[RK_SELFCHECK_ARG_MAX]; /* {2} */
} rk_selfcheck_finding;

typedef struct rk_selfcheck {
    int present;                      /* a subscriber's key was found */
    char serial[RK_TOKEN_SERIAL_MAX]; /* which one ("" if none) */
    int pin_state;                    /* RK_TOKEN_PIN_* when present */
    int tries_left, max_tries;        /* as rk_token_info; -1 unknown */
    int certs, keypairs;              /* what the key holds */
    int64_t not_after;                /* the soonest expiry of its certificates; 0 none */
    int worst;                        /* RK_SELFCHECK_OK when nothing was found */
    rk_selfcheck_finding findings[RK_SELFCHECK_MAX];
    int n;
} rk_selfcheck;

/* Checks the key serial, or with serial NULL the one subscriber key
 * inserted (initialised; the counter's blank key is not a subscriber's):
 * none gives the finding "not found", several "several keys". out is
 * filled as of now (the clock decides expiry). Returns 0 with findings for
 * every state of the key; an error only when the key layer itself fails
 * (RK_EDEVICE: the module does not load, RK_ECONF). */
int rk_selfcheck_key(rk_branch *b, const char *serial, rk_selfcheck *out);

/* The PIN state before a change, and the result after one. */
typedef struct rk_selfcheck_pin {
    int pin_state;                   /* RK_TOKEN_PIN_*, read live */
    int tries_left;                  /* -1 unknown */
    int max_tries;                   /* -1 unknown */
    const char *warn;                /* strings key of a warning before typing ("" none) */
    const char *msg;                 /* strings key of the outcome or the refusal ("" none) */
    char arg1[RK_SELFCHECK_ARG_MAX]; /* {1} of warn or msg (tries left) */
} rk_selfcheck_pin;

/* The live PIN state of the key serial with the warning to show before
 * the old PIN is asked: final try, locked, or wrong PINs already spent.
 * RK_EDEVICE when the key is not there (msg "selfcheck.pin_no_key"). */
int rk_selfcheck_pin_state(rk_branch *b, const char *serial, rk_selfcheck_pin *out);

typedef struct rk_selfcheck_pin_req {
    const char *serial;
    const char *old_pin;
    const char *new_pin;
    const char *new_pin_again;
    int final_try_confirmed; /* the subscriber saw and accepted the final-try warning */
} rk_selfcheck_pin_req;

/* Changes the PIN (see above). 0 and msg "selfcheck.pin_changed"; else
 * RK_EINVAL (a rule of the new PIN: msg names it, nothing was tried),
 * RK_ESTATE (locked, or final try not confirmed: nothing was tried),
 * RK_EAUTH (the old PIN was wrong: tries left in arg1 and msg
 * "selfcheck.pin_wrong", "selfcheck.pin_wrong_final" or
 * "selfcheck.pin_locked_now"), RK_EDEVICE (the key is gone). out is always
 * filled with the state read after. */
int rk_selfcheck_pin_change(rk_branch *b, const rk_selfcheck_pin_req *req, rk_selfcheck_pin *out);

/* The new-PIN rules alone (for live checking while typing): 0, or
 * RK_EINVAL with *msg set to the strings key of the broken rule. */
int rk_selfcheck_pin_rules(const char *old_pin, const char *new_pin, const char *again,
                           const char **msg);

#endif
