/*
 * The clerks' desk: what its screens share (desk_login.c, desk_queues.c,
 * desk_review.c). One desk per kiosk process, owned by the UI thread.
 *
 * The clerk logs in with their own USB key and PIN (branch/keylogin.h):
 * the key is looked for, the challenge signed and the answer checked on
 * the job runner, never on the UI thread. The desk then keeps the
 * session's token (wiped at logout) and the acting clerk, checks the
 * session again whenever another process changed the database, and looks
 * for the clerk's key every second: a pulled key, the idle countdown
 * running out, a session ended elsewhere (a deactivation, a lock) all log
 * the clerk out and say why on the login screen.
 */
#ifndef RK_KIOSK_DESK_H
#define RK_KIOSK_DESK_H

#include "kiosk.h"

#include "branch/deskqueue.h"
#include "domain/clerk.h"
#include "token/token.h"
#include "ui/field.h"
#include "ui/listview.h"

#define DESK_KEY_POLL_MS 1000
#define DESK_MSG_MAX     300

typedef struct desk_login_job {
    char serial[RK_TOKEN_SERIAL_MAX]; /* in: the key ("" look for it); out: the key used */
    char pin[RK_TOKEN_PIN_MAX];       /* in: wiped by the job */
    char token[RK_SESSION_TOKEN_LEN + 1];
    rk_actor actor;
    int rc;
} desk_login_job;

typedef struct desk_keys_job {
    char serial[RK_TOKEN_SERIAL_MAX]; /* in: the key to look for ("" any clerk key) */
    char found[4][RK_TOKEN_SERIAL_MAX];
    int n; /* clerk keys found (or 1: serial is present) */
} desk_keys_job;

typedef struct desk_queues_job {
    char token[RK_SESSION_TOKEN_LEN + 1]; /* the desk's session, wiped by the job */
    rk_actor actor;
    rk_desk_queue q[RK_DESK_QUEUES];
} desk_queues_job;

typedef struct desk_state {
    /* the clerk */
    int logged_in;
    char token[RK_SESSION_TOKEN_LEN + 1];
    rk_actor actor;
    char key[RK_TOKEN_SERIAL_MAX];      /* the clerk's key */
    char last_key[RK_TOKEN_SERIAL_MAX]; /* the last clerk's key (the test's desk-key plug) */
    unsigned long session_gen;          /* db_gen the session was last checked at */
    const char *notice;                 /* strings key said on the login screen ("" none) */
    int notice_error;

    /* login */
    char pin[RK_TOKEN_PIN_MAX];
    rk_field pin_field;
    char error[DESK_MSG_MAX];
    int busy;         /* a login job runs (or waits for the key look to end) */
    int login_wanted; /* the login starts when the key look ends */
    desk_login_job login;

    /* key presence */
    int keys_busy;
    uint64_t next_key_poll;
    desk_keys_job keys;
    int n_keys; /* clerk keys seen by the last look (logged out) */
    char seen[RK_TOKEN_SERIAL_MAX];

    /* queues */
    int queues_busy, queues_stale;
    unsigned long queues_gen;
    desk_queues_job qjob;
    rk_desk_queue q[RK_DESK_QUEUES];
    int queue; /* the queue shown */
    rk_list_state list;
    char selected[RK_ORDER_REF_MAX]; /* the order opened */
} desk_state;

/* The desk (one per process). */
desk_state *desk_get(kiosk *k);

/* Ends the clerk's session (audited as a logout) and wipes it with every
 * desk screen's order and typed fields (each RK_DESK_MODULES hook is called
 * with KIOSK_RESET_LOGOUT, the keyboard and the UI's text are wiped): the
 * one path of the top bar's logout, a pulled key, a session ended
 * elsewhere, the idle wipe and the program's end; a new clerk's login
 * takes the same wipe first. notice (a strings key, may be NULL) is said
 * on the login screen. */
void desk_logout(kiosk *k, const char *notice, int error);

/* Each frame of a desk screen past login: checks the session after a
 * database change and the key's presence; 0 when the clerk is still
 * logged in, else 1 (the login screen is next). */
int desk_guard(kiosk *k);

/* The bar across the top of a desk screen: the clerk, their roles, the
 * key and the logout button. Returns the rest. */
rk_rect desk_bar(kiosk *k, rk_rect r, const char *title);

/* The queues again from the next frame. */
void desk_refresh(kiosk *k);

/* Login (desk_login.c): looks for clerk keys when it is time; starts the
 * login job with the PIN typed (wiped here). */
void desk_poll_keys(kiosk *k);
int desk_start_login(kiosk *k);

#endif
