/*
 * The clerks' desk: its state, its jobs (looking for the key, logging in,
 * the queues), the session guard, the bar of its screens, its reset hook
 * and its event-player commands (see desk.h).
 */
#include "desk.h"
#include "desk_work.h"

#include "branch/clerkkey.h"
#include "branch/keylogin.h"
#include "branch/keyops.h"
#include "branch/keys.h"
#include "branch/session.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/wipe.h"
#include "ui/widgets.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static desk_state the_desk;

/* Desk jobs submitted whose function has not returned yet: the event
 * player's desk-settle waits for none (a test's way to let the worker
 * finish without guessing how long it takes). */
static atomic_int jobs_running;

static int submit(kiosk *k, const char *name, rk_job_fn fn, void *arg, kiosk_job_cb cb,
                  void *cb_arg)
{
    atomic_fetch_add(&jobs_running, 1);
    int rc = kiosk_submit(k, NULL, name, fn, arg, cb, cb_arg);
    if (rc) atomic_fetch_sub(&jobs_running, 1);
    return rc;
}

desk_state *desk_get(kiosk *k)
{
    (void)k;
    return &the_desk;
}

static void wipe_login(desk_state *d)
{
    rk_wipe(d->pin, sizeof d->pin);
    rk_wipe(&d->login, sizeof d->login);
    d->error[0] = '\0';
}

/* What any desk screen holds of the last clerk's work (orders, names, ID
 * numbers, typed fields) goes: one wipe for every way a session ends. */
static void wipe_desk_screens(kiosk *k)
{
#define DESK_MODULE_WIPE(name) mod_##name##_reset(k, KIOSK_RESET_LOGOUT);
    RK_DESK_MODULES(DESK_MODULE_WIPE)
#undef DESK_MODULE_WIPE
    rk_keyboard_reset(&k->kb);
    if (k->ime) rk_ime_clear(k->ime);
    if (k->ui) rk_ui_wipe(k->ui);
}

void desk_logout(kiosk *k, const char *notice, int error)
{
    desk_state *d = desk_get(k);
    if (d->logged_in && rk_clerk_logout(k->db, d->token) != 0) {
        /* Ended already (deactivated, locked): nothing left to end. */
        rk_err_clear();
    }
    if (d->logged_in) rk_log_info("desk: %s logged out (%s)", d->actor.login, notice ? notice : "");
    rk_wipe(d->token, sizeof d->token);
    rk_wipe(&d->actor, sizeof d->actor);
    d->logged_in = 0;
    d->key[0] = '\0';
    rk_branch_desk_queues_free(d->q);
    d->selected[0] = '\0';
    d->notice = notice;
    d->notice_error = error;
    wipe_login(d);
    wipe_desk_screens(k);
}

/* --- jobs: they run on a worker with the worker's own branch ------------ */

static int job_keys(rk_job *job, void *arg)
{
    desk_keys_job *a = arg;
    rk_branch *b = rk_job_worker(job);
    int rc = 0;
    a->n = 0;
    if (a->serial[0]) {
        rk_token_info info;
        rc = rk_branch_key_info(b, a->serial, &info);
        if (rc == 0) a->n = 1;
        if (rc == RK_EDEVICE) { /* pulled */
            rk_err_clear();
            rc = 0;
        }
    } else {
        rc = rk_branch_clerk_keys_present(b, a->found, 4, &a->n);
    }
    atomic_fetch_sub(&jobs_running, 1);
    return rc;
}

static void keys_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    desk_state *d = arg;
    if (ev->kind != RK_JOB_EV_DONE) return;
    d->keys_busy = 0;
    d->next_key_poll = rk_ui_now(k->ui) + DESK_KEY_POLL_MS;
    if (d->login_wanted) {
        d->login_wanted = 0;
        d->busy = 0;
        if (desk_start_login(k) != 0) rk_err_clear();
    }
    if (ev->rc != 0) {
        rk_log_warn("desk: cannot look for keys: %s", ev->message);
        return;
    }
    if (d->logged_in) {
        if (d->keys.n == 0) desk_logout(k, "desk.pulled", 1);
    } else {
        d->n_keys = d->keys.n;
        snprintf(d->seen, sizeof d->seen, "%s", d->keys.n == 1 ? d->keys.found[0] : "");
    }
    rk_ui_redraw_in(k->ui, 0);
}

/* Looks for the keys again when it is time (never two looks at once). */
static void poll_keys(kiosk *k, desk_state *d)
{
    uint64_t now = rk_ui_now(k->ui);
    if (d->keys_busy || d->busy) return;
    if (now < d->next_key_poll) {
        rk_ui_redraw_in(k->ui, (int)(d->next_key_poll - now));
        return;
    }
    memset(&d->keys, 0, sizeof d->keys);
    if (d->logged_in) snprintf(d->keys.serial, sizeof d->keys.serial, "%s", d->key);
    if (submit(k, "desk-keys", job_keys, &d->keys, keys_done, d) == 0)
        d->keys_busy = 1;
    else
        rk_err_clear();
}

static int job_login(rk_job *job, void *arg)
{
    desk_login_job *a = arg;
    rk_branch *b = rk_job_worker(job);
    char challenge[RK_CLERK_CHALLENGE_HEX + 1];
    X509_REQ *answer = NULL;
    X509 *cert = NULL;
    int rc = 0;
    if (!a->serial[0]) rc = rk_branch_clerk_key_pick(b, a->serial);
    if (!rc && !(rc = rk_branch_keylogin_challenge(b, challenge)) &&
        !(rc = rk_branch_keylogin_sign(b, a->serial, a->pin, challenge, &answer, &cert)))
        rc = rk_branch_keylogin_verify(b, challenge, answer, cert, a->serial, a->token, &a->actor);
    rk_wipe(a->pin, sizeof a->pin);
    X509_REQ_free(answer);
    X509_free(cert);
    a->rc = rc;
    atomic_fetch_sub(&jobs_running, 1);
    return rc;
}

static void login_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    desk_state *d = arg;
    if (ev->kind != RK_JOB_EV_DONE) return;
    d->busy = 0;
    if (ev->rc == 0) {
        /* A new clerk finds no screen holding anything of the last. */
        wipe_desk_screens(k);
        d->logged_in = 1;
        memcpy(d->token, d->login.token, sizeof d->token);
        d->actor = d->login.actor;
        snprintf(d->key, sizeof d->key, "%s", d->login.serial);
        snprintf(d->last_key, sizeof d->last_key, "%s", d->login.serial);
        d->session_gen = k->db_gen;
        d->notice = NULL;
        d->queue = -1;
        desk_refresh(k);
        wipe_login(d);
        kiosk_go_root(k, KS_DESK_QUEUES);
    } else {
        wipe_login(d);
        /* The refusal is the core's one answer; a missing key says so. */
        snprintf(d->error, sizeof d->error, "%s",
                 ev->rc == RK_EAUTH     ? kiosk_str(k, "desk.refused")
                 : ev->rc == RK_EDEVICE ? kiosk_str(k, "desk.no_key")
                 : ev->rc == RK_EINVAL  ? kiosk_str(k, "desk.several_keys")
                                        : ev->message);
        rk_ui_sound(k->ui, RK_UI_SOUND_ERROR);
    }
    rk_ui_redraw_in(k->ui, 0);
}

int desk_start_login(kiosk *k)
{
    desk_state *d = desk_get(k);
    if (d->busy) return 0;
    if (d->keys_busy) {
        /* One key job at a time: the login starts when the look ends. */
        d->login_wanted = 1;
        d->busy = 1;
        return 0;
    }
    memset(&d->login, 0, sizeof d->login);
    snprintf(d->login.serial, sizeof d->login.serial, "%s", d->seen);
    memcpy(d->login.pin, d->pin, sizeof d->login.pin);
    rk_wipe(d->pin, sizeof d->pin);
    d->error[0] = '\0';
    int rc = submit(k, "desk-login", job_login, &d->login, login_done, d);
    if (rc) {
        snprintf(d->error, sizeof d->error, "%s", rk_err_msg());
        wipe_login(d);
        return rc;
    }
    d->busy = 1;
    return 0;
}

static int job_queues(rk_job *job, void *arg)
{
    desk_queues_job *a = arg;
    rk_branch *b = rk_job_worker(job);
    /* The worker acts in the desk's session, for this job only. */
    int rc = rk_branch_session_use(b, a->token, &a->actor);
    rk_wipe(a->token, sizeof a->token);
    if (!rc) rc = rk_branch_desk_queues(b, &a->actor, a->q);
    rk_branch_session_drop(b);
    atomic_fetch_sub(&jobs_running, 1);
    return rc;
}

static void queues_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    desk_state *d = arg;
    if (ev->kind != RK_JOB_EV_DONE) return;
    d->queues_busy = 0;
    if (ev->rc == 0 && d->logged_in) {
        rk_branch_desk_queues_free(d->q);
        memcpy(d->q, d->qjob.q, sizeof d->q);
        memset(d->qjob.q, 0, sizeof d->qjob.q);
        if (d->queue < 0)
            for (int i = 0; i < RK_DESK_QUEUES && d->queue < 0; i++)
                if (d->q[i].allowed) d->queue = i;
    } else {
        rk_branch_desk_queues_free(d->qjob.q);
        if (ev->rc) rk_log_warn("desk: the queues: %s", ev->message);
    }
    rk_ui_redraw_in(k->ui, 0);
}

void desk_refresh(kiosk *k)
{
    desk_state *d = desk_get(k);
    d->queues_stale = 1;
}

/* Starts reading the queues when they are stale and no read runs. */
static void read_queues(kiosk *k, desk_state *d)
{
    if (d->queues_gen != k->db_gen) d->queues_stale = 1;
    if (!d->queues_stale || d->queues_busy) return;
    memset(&d->qjob, 0, sizeof d->qjob);
    memcpy(d->qjob.token, d->token, sizeof d->qjob.token);
    if (submit(k, "desk-queues", job_queues, &d->qjob, queues_done, d) == 0) {
        d->queues_busy = 1;
        d->queues_stale = 0;
        d->queues_gen = k->db_gen;
    } else {
        rk_err_clear();
    }
}

int desk_guard(kiosk *k)
{
    desk_state *d = desk_get(k);
    if (!d->logged_in) {
        kiosk_go_root(k, KS_DESK_LOGIN);
        return 1;
    }
    if (d->session_gen != k->db_gen) {
        rk_actor now;
        d->session_gen = k->db_gen;
        if (rk_clerk_session(k->db, d->token, &now) != 0) {
            rk_err_clear();
            desk_logout(k, "desk.session_ended", 1);
            kiosk_go_root(k, KS_DESK_LOGIN);
            return 1;
        }
        d->actor = now; /* roles changed meanwhile count at once */
    }
    poll_keys(k, d);
    if (!d->logged_in) {
        kiosk_go_root(k, KS_DESK_LOGIN);
        return 1;
    }
    read_queues(k, d);
    return 0;
}

/* The login screen's look for keys (desk_login.c). */
void desk_poll_keys(kiosk *k)
{
    poll_keys(k, desk_get(k));
}

rk_rect desk_bar(kiosk *k, rk_rect r, const char *title)
{
    rk_ui *ui = k->ui;
    desk_state *d = desk_get(k);
    rk_backend *be = rk_ui_backend(ui);
    char who[160], roles[96];
    int gap = rk_ui_px(ui, RK_UI_GAP), tw = 0, th = 0;
    rk_button out = {.label = kiosk_str(k, "desk.logout"), .icon = RK_ICON_LOCK};
    int h = rk_widget_button_height(ui, &out), w = rk_widget_button_width(ui, &out);
    int small = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_SMALL));
    rk_ui_text_size(ui, title, RK_UI_TEXT_HEADING, &tw, &th);
    if (h < th + small) h = th + small;
    rk_rect bar = rk_rect_cut_top(&r, h);
    rk_rect_cut_top(&r, gap);
    rk_rect br = rk_rect_cut_right(&bar, w);
    br.h = rk_widget_button_height(ui, &out);
    if (rk_widget_button_ex(ui, "desk.logout", br, &out)) {
        desk_logout(k, "desk.logged_out", 0);
        kiosk_go_root(k, KS_DESK_LOGIN);
        rk_ui_set_input(ui, 0);
    }
    rk_rect_cut_right(&bar, gap);
    /* The title, and under it who is at the desk with which key. */
    rk_ui_text(ui, "desk.title", rk_rect_cut_top(&bar, th), title, RK_UI_TEXT_HEADING,
               rk_ui_theme(ui)->text, RK_ALIGN_LEFT);
    /* The roles in words (strings role.<name>), joined by desk.role_sep. */
    roles[0] = '\0';
    for (unsigned bit = 1; bit <= RK_ROLE_SUPERVISOR; bit <<= 1) {
        if (!(d->actor.roles & bit)) continue;
        char key[32];
        snprintf(key, sizeof key, "role.%s", rk_role_name(bit));
        size_t used = strlen(roles);
        snprintf(roles + used, sizeof roles - used, "%s%s",
                 used ? kiosk_str(k, "desk.role_sep") : "", kiosk_str(k, key));
    }
    desk_work_format(k, who, sizeof who, "desk.who", d->actor.login, roles, d->key);
    rk_widget_muted(ui, "desk.who", bar, who, RK_UI_TEXT_SMALL, RK_ALIGN_LEFT);
    return r;
}

/* --- the event player's desk- lines --------------------------------------- */

/* "desk-settle": waits (really, up to 20 s) until the desk's jobs have
 * run; "desk-key pull|plug": the clerk's demo key (the one logged in with, or
 * the one seen); "desk-expect-clerk LOGIN|none"; "desk-expect-queue NAME
 * N [OVERDUE]": the queue's count as shown; "desk-expect-row NAME I
 * overdue|due": row I of the queue. */
static int desk_app(kiosk *k, const char *words)
{
    desk_state *d = desk_get(k);
    char a[32] = "", b[64] = "";
    int n = -1, overdue = -1;
    if (!strcmp(words, "desk-settle")) {
        for (int i = 0; i < 2000 && atomic_load(&jobs_running) > 0; i++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        return atomic_load(&jobs_running) > 0
                   ? rk_err_set(RK_ETIMEOUT, "desk-settle: the desk's jobs still run after 20 s")
                   : 0;
    }
    if (sscanf(words, "desk-key %31s", a) == 1) {
        const char *serial = d->key[0] ? d->key : d->seen[0] ? d->seen : d->last_key;
        if (!serial[0]) return rk_err_set(RK_EINVAL, "desk-key: no clerk key is known yet");
        int rc = rk_branch_demo_key_plug(k->branch, serial, !strcmp(a, "pull"));
        if (!rc) d->next_key_poll = 0;
        if (!rc) rk_ui_redraw_in(k->ui, 0);
        return rc;
    }
    if (sscanf(words, "desk-expect-clerk %31s", a) == 1) {
        const char *is = d->logged_in ? d->actor.login : "none";
        return strcmp(a, is) ? rk_err_set(RK_EINVAL, "expected clerk %s, it is %s", a, is) : 0;
    }
    if (sscanf(words, "desk-expect-row %63s %d %31s", b, &n, a) == 3) {
        for (int i = 0; i < RK_DESK_QUEUES; i++) {
            if (!d->q[i].name || strcmp(d->q[i].name, b)) continue;
            if (n < 0 || n >= d->q[i].n)
                return rk_err_set(RK_EINVAL, "queue %s has no row %d", b, n);
            const char *is =
                rk_branch_desk_overdue(&d->q[i].rows[n], rk_clock_now()) ? "overdue" : "due";
            return strcmp(a, is) ? rk_err_set(RK_EINVAL, "queue %s row %d: expected %s, it is %s",
                                              b, n, a, is)
                                 : 0;
        }
        return rk_err_set(RK_EINVAL, "queue %s is not shown", b);
    }
    if (sscanf(words, "desk-expect-queue %63s %d %d", b, &n, &overdue) >= 2) {
        for (int i = 0; i < RK_DESK_QUEUES; i++) {
            if (!d->q[i].name || strcmp(d->q[i].name, b)) continue;
            if (d->q[i].n != n || (overdue >= 0 && d->q[i].overdue != overdue))
                return rk_err_set(RK_EINVAL, "queue %s: expected %d (%d overdue), it is %d (%d)", b,
                                  n, overdue, d->q[i].n, d->q[i].overdue);
            return 0;
        }
        return rk_err_set(RK_EINVAL, "queue %s is not shown", b);
    }
    return rk_err_set(RK_EINVAL, "unknown desk line '%s'", words);
}

void mod_desk_reset(kiosk *k, kiosk_reset why)
{
    desk_state *d = desk_get(k);
    if (why == KIOSK_RESET_START) {
        memset(d, 0, sizeof *d);
        d->queue = -1;
        d->list.selected = -1;
        if (kiosk_app_register(k, "desk-", desk_app) != 0) rk_err_clear();
        return;
    }
    /* desk_logout's own wipe of the desk screens: the session is gone already. */
    if (why == KIOSK_RESET_LOGOUT) return;
    /* A subscriber's start over on another screen leaves the clerk be. */
    if (why == KIOSK_RESET_OVER && d->logged_in && (kiosk_screens[k->screen].flags & KF_CLERK))
        return;
    if (d->logged_in)
        desk_logout(k, why == KIOSK_RESET_IDLE ? "desk.idle_out" : "desk.logged_out", 0);
    else
        wipe_login(d);
    if (why == KIOSK_RESET_CLOSE) rk_branch_desk_queues_free(d->q);
}
