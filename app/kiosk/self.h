/*
 * The self-service corner's state (self_*.c): help (the knowledge base),
 * the key self-check, the PIN change and the status query, as one module
 * of the kiosk ("self" in self_screens.h).
 *
 * Everything a subscriber typed or was shown here is personal: the module
 * reset wipes it at start over, at the idle wipe and at close. Work that
 * reads a key or the database runs on the job runner (branch/selfcheck.h,
 * branch/ledger.h); a job owns its slot of this state from submit until
 * its DONE event (busy), and the screens read the slot only after that.
 */
#ifndef RK_KIOSK_SELF_H
#define RK_KIOSK_SELF_H

#include "kiosk.h"

#include "branch/ledger.h"
#include "branch/selfcheck.h"
#include "domain/knowledge.h"
#include "token/token.h"
#include "ui/listview.h"
#include "ui/widgets.h"

#include <stdint.h>

#define SELF_HITS 32 /* knowledge base hits and status answers shown */

typedef struct self_faq {
    char query[RK_KNOWLEDGE_QUERY_MAX];
    char last[RK_KNOWLEDGE_QUERY_MAX]; /* what the hits are for */
    rk_knowledge_hit hits[SELF_HITS];
    int n_hits;
    int searched;                      /* hits are current */
    const rk_knowledge_entry *article; /* the article shown */
    rk_list_state list;
} self_faq;

typedef struct self_check {
    unsigned gen;         /* the visit the job was started for */
    int busy;             /* a job holds res */
    int done;             /* res holds an answer */
    int rc;               /* the job's code (0: res is the answer) */
    uint64_t next;        /* rk_ui_now of the next look for a key (none inserted) */
    rk_selfcheck res;     /* the answer shown */
    rk_selfcheck job_res; /* the running job's (copied to res at its DONE) */
} self_check;

typedef struct self_pin {
    char serial[RK_TOKEN_SERIAL_MAX];
    char old_pin[RK_TOKEN_PIN_MAX], new_pin[RK_TOKEN_PIN_MAX], again[RK_TOKEN_PIN_MAX];
    unsigned gen;
    int busy, have_state, done, rc;
    int confirming;      /* the final-try warning is open */
    int confirmed;       /* the subscriber accepted it */
    int op;              /* the job: 0 the state, 1 the change */
    rk_selfcheck_pin st; /* shown */
    rk_selfcheck_pin job_st;
    /* the job's copy of the PINs (wiped when it is done) */
    rk_selfcheck_pin_req req;
    char req_old[RK_TOKEN_PIN_MAX], req_new[RK_TOKEN_PIN_MAX], req_again[RK_TOKEN_PIN_MAX];
} self_pin;

#define SELF_QUERY_HITS 16

typedef struct self_query {
    int by; /* 0 name, 1 ID number, 2 certificate serial */
    char q[128];
    unsigned gen;
    int busy, done, rc;
    rk_status_hit hits[SELF_QUERY_HITS]; /* shown (subject names masked) */
    int n;
    rk_list_state list;
    /* the running job's */
    char job_q[128];
    rk_status_hit job_hits[SELF_QUERY_HITS];
    int job_n;
} self_query;

typedef struct self_state {
    unsigned gen;     /* bumped at every reset: a job's answer for an older visit is dropped */
    rk_knowledge *kb; /* loaded at start; NULL when it does not load (said on screen) */
    char kb_error[256];
    self_faq faq;
    self_check check;
    self_pin pin;
    self_query query;
} self_state;

/* The module's state (one kiosk per process). */
self_state *self_get(void);

/* A finding's severity as a status line kind. */
rk_status_kind self_status_kind(int severity);

/* Formats the strings key with up to two values into out. */
void self_format(kiosk *k, char *out, size_t n, const char *key, const char *a1, const char *a2);

/* The keyboard for a field: mode, and the modes the mode keys offer. */
void self_keyboard(kiosk *k, rk_kb_mode mode, unsigned modes);

/* Where the keyboard goes: cut from the bottom of *c (with a gap). */
void self_keyboard_area(kiosk *k, rk_rect *c);

#endif
