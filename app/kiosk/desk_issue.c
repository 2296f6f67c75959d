/*
 * The desk's issue of an order (screen desk_issue): the subscriber's USB
 * key is inserted (a blank one, initialised here with the PIN the
 * subscriber sets, or the subscriber's own), the clerk types the order's
 * authorisation code and the subscriber the PIN, and the enrolment runs on
 * the job runner (branch/enrolment.h) while the screen shows its steps
 * live: 生成密钥 -> 签发证书 -> 写入 -> 校验 -> 完成, ending with the
 * certificate's serial.
 *
 * Nothing here decides whether the order may be issued: the order is
 * checked first (rk_branch_enrol_check: an unpaid order is refused, and
 * the core's words are shown), then the code, then the enrolment itself.
 * A key pulled mid-way stops the enrolment at its step (the journal keeps
 * the place): the screen says so plainly and, once the same key is back,
 * resumes by itself with what was typed. A kiosk killed mid-way leaves the
 * journal unfinished: after the next start the desk asks for the pending
 * enrolments (rk_branch_enrol_pending) when an issuing clerk reaches the
 * queues, opens the first one here and says what happened; the same key
 * and PIN resume it. The code and PINs are wiped when the enrolment ends
 * or the clerk leaves.
 *
 * For the event player (tests): "work-issue-hold STEP" stops the next
 * enrolment at STEP's first report until "work-issue-release" (a
 * deterministic moment to pull the key or kill the program), and
 * "work-issue-wait-held" waits until it is stopped there.
 */
#include "desk_work.h"

#include "branch/enrolment.h"
#include "branch/keyops.h"
#include "branch/keys.h"
#include "branch/ledger.h"
#include "branch/session.h"
#include "ui/field.h"
#include "ui/keyboard.h"
#include "ui/widgets.h"
#include "util/err.h"
#include "util/log.h"
#include "util/wipe.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ISSUE_KEYS    8
#define ISSUE_POLL_MS 1000

/* The screen's phases. */
typedef enum {
    PH_CHECK = 0, /* the order is being checked */
    PH_REFUSED,   /* the core refused it: msg says why */
    PH_READY,     /* waiting for the key and what is typed */
    PH_RUNNING,   /* the enrolment runs */
    PH_PULLED,    /* the key was pulled: waiting for it to come back */
    PH_FAILED,    /* it stopped: msg says why; it may be started again */
    PH_DONE
} issue_phase;

static const char *const PHASES[] = {"check",  "refused", "ready", "running",
                                     "pulled", "failed",  "done"};

enum { OP_CHECK = 1, OP_KEYS, OP_ENROL, OP_LOOK };

typedef struct issue_job {
    int op;
    char token[RK_SESSION_TOKEN_LEN + 1];
    rk_actor actor;
    char ref[RK_ORDER_REF_MAX];
    /* check */
    int needs_code;
    char business[16], state[16];
    int pending; /* an unfinished enrolment of this order */
    char pending_key[64], pending_step[16];
    /* keys */
    char clerk_key[RK_TOKEN_SERIAL_MAX];
    char serials[ISSUE_KEYS][RK_TOKEN_SERIAL_MAX];
    int n_keys, blank;
    /* enrol */
    char serial[RK_TOKEN_SERIAL_MAX]; /* "blank": initialise it first */
    char label[RK_TOKEN_LABEL_MAX];
    char code[RK_AUTHCODE_MAX + 8];
    char pin[RK_TOKEN_PIN_MAX];
    char new_serial[RK_TOKEN_SERIAL_MAX]; /* the key initialised */
    char cert[64], enc_cert[64];
    int resumed;
} issue_job;

typedef struct issue_state {
    unsigned long gen; /* the order shown: older answers are dropped */
    char ref[RK_ORDER_REF_MAX];
    issue_phase phase;
    int busy, keys_busy; /* the check or the enrolment; the key look */
    unsigned long job_gen, keys_gen;
    issue_job job, kjob;
    uint64_t next_poll;
    /* the order */
    int checked, needs_code;
    char business[16];
    int pending;
    char pending_key[64], pending_step[16];
    int interrupted; /* opened because the kiosk stopped mid-way last time */
    /* the key */
    char key[RK_TOKEN_SERIAL_MAX];    /* the key chosen ("blank" for a blank one; "" none) */
    int n_keys;                       /* subscriber keys seen (not the clerk's) */
    char target[RK_TOKEN_SERIAL_MAX]; /* the key the enrolment runs on, once it began */
    /* typed */
    char code[RK_AUTHCODE_MAX + 8];
    char pin[RK_TOKEN_PIN_MAX], again[RK_TOKEN_PIN_MAX];
    rk_field code_f, pin_f, again_f;
    const char *error; /* strings key of a typing error (NULL none) */
    /* progress */
    int step; /* 0..4 of the step bar; 5 done */
    int percent;
    char step_code[RK_JOB_STEP_MAX];
    const char *msg; /* strings key of the last answer */
    char msg_text[RK_JOB_MSG_MAX + 256];
    char cert[64], enc_cert[64];
    int resumed;
    /* the pending-enrolment look at the queues (once per clerk session) */
    char looked_for[RK_SESSION_TOKEN_LEN + 1];
    int look_busy;
    issue_job ljob;
} issue_state;

static issue_state S;

/* The test's hold (see the top). */
static pthread_mutex_t hold_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cv = PTHREAD_COND_INITIALIZER;
static char hold_step[RK_JOB_STEP_MAX];
static int held, released;

static const char *const STEP_CODES[] = {"keygen", "cert", "write", "verify", "commit"};
static const char *const STEP_KEYS[] = {"issue.step_keygen", "issue.step_cert", "issue.step_write",
                                        "issue.step_verify", "issue.step_done"};

static int step_index(const char *code)
{
    for (int i = 0; i < 5; i++)
        if (!strcmp(code, STEP_CODES[i])) return i;
    if (!strcmp(code, "done")) return 5;
    return -1;
}

/* The words of an enrolment step code ("write" -> 写入). */
static const char *step_words(kiosk *k, const char *code)
{
    int i = step_index(code);
    if (i >= 0 && i < 4) return kiosk_str(k, STEP_KEYS[i]);
    if (i == 4) return kiosk_str(k, "issue.step_commit");
    if (!strcmp(code, "init")) return kiosk_str(k, "issue.step_init");
    return code;
}

/* --- jobs ------------------------------------------------------------------ */

static int progress(void *job, const rk_progress *p)
{
    /* Told first, so a held step is the one the screen shows. */
    int answer = rk_job_progress(job, p);
    pthread_mutex_lock(&hold_mu);
    if (hold_step[0] && !strcmp(p->step, hold_step)) {
        hold_step[0] = '\0';
        held = 1;
        released = 0;
        pthread_cond_broadcast(&hold_cv);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 120;
        while (!released)
            if (pthread_cond_timedwait(&hold_cv, &hold_mu, &until) != 0) break;
        held = 0;
    }
    pthread_mutex_unlock(&hold_mu);
    return answer;
}

static int check_order(rk_branch *b, issue_job *a)
{
    rk_branch_order_view *v = NULL;
    int rc = rk_branch_order_show(b, &a->actor, a->ref, 0, &v);
    if (rc) return rc;
    snprintf(a->business, sizeof a->business, "%s", v->order.business);
    snprintf(a->state, sizeof a->state, "%s", v->order.state);
    rk_branch_order_view_free(v);
    if ((rc = rk_branch_enrol_check(b, &a->actor, a->ref)) != 0) return rc;
    if ((rc = rk_branch_enrol_needs_code(b, a->ref)) < 0) return rc;
    a->needs_code = rc;
    rk_enrol_open *open = NULL;
    int n = 0;
    if ((rc = rk_branch_enrol_pending(b, &open, &n)) != 0) return rc;
    for (int i = 0; i < n; i++)
        if (!strcmp(open[i].order_ref, a->ref)) {
            a->pending = 1;
            snprintf(a->pending_key, sizeof a->pending_key, "%s", open[i].key_serial);
            snprintf(a->pending_step, sizeof a->pending_step, "%s", open[i].step);
        }
    free(open);
    return 0;
}

/* The first unfinished enrolment of any order (the look after a start). */
static int look_pending(rk_branch *b, issue_job *a)
{
    rk_enrol_open *open = NULL;
    int n = 0, rc = rk_branch_enrol_pending(b, &open, &n);
    if (rc) return rc;
    if (n > 0) {
        a->pending = 1;
        snprintf(a->ref, sizeof a->ref, "%s", open[0].order_ref);
    }
    free(open);
    return 0;
}

static int list_keys(rk_branch *b, issue_job *a)
{
    rk_token_info *keys = NULL;
    int n = 0, rc = rk_branch_key_list(b, &a->actor, &keys, &n);
    if (rc) return rc;
    for (int i = 0; i < n; i++) {
        if (!keys[i].initialised) {
            a->blank = 1;
        } else if (strcmp(keys[i].serial, a->clerk_key) && a->n_keys < ISSUE_KEYS) {
            snprintf(a->serials[a->n_keys++], RK_TOKEN_SERIAL_MAX, "%s", keys[i].serial);
        }
    }
    rk_wipe(keys, sizeof *keys * (size_t)n);
    free(keys);
    return 0;
}

static int enrol(rk_job *job, rk_branch *b, issue_job *a)
{
    int rc = 0;
    if (!strcmp(a->serial, "blank")) {
        rk_progress p = {.op = RK_OP_JOB, .step = "init", .text = "initialising the blank key"};
        progress(job, &p);
        rk_branch_key_init_req ir = {.serial = "blank", .label = a->label, .pin = a->pin};
        if ((rc = rk_branch_key_init(b, &ir, a->new_serial, NULL)) != 0) return rc;
        snprintf(a->serial, sizeof a->serial, "%s", a->new_serial);
    }
    rk_branch_enrol_req req = {.order_ref = a->ref,
                               .key_serial = a->serial,
                               .authcode = a->code[0] ? a->code : NULL,
                               .pin = a->pin,
                               .progress = progress,
                               .progress_arg = job};
    rk_branch_enrol_out out;
    memset(&out, 0, sizeof out);
    if ((rc = rk_branch_enrol(b, &a->actor, &req, &out)) != 0) return rc;
    snprintf(a->cert, sizeof a->cert, "%s", out.result.cert_serial);
    snprintf(a->enc_cert, sizeof a->enc_cert, "%s", out.result.enc_cert_serial);
    a->resumed = out.result.resumed;
    if (out.ca_follow_failed)
        rk_log_warn("issue: the sub-CA follows later: %s", out.ca_follow_error);
    return 0;
}

static int job_issue(rk_job *job, void *arg)
{
    issue_job *a = arg;
    rk_branch *b = rk_job_worker(job);
    int rc = desk_work_session(b, a->token, &a->actor);
    if (!rc) {
        switch (a->op) {
        case OP_CHECK: rc = check_order(b, a); break;
        case OP_KEYS: rc = list_keys(b, a); break;
        case OP_ENROL: rc = enrol(job, b, a); break;
        case OP_LOOK: rc = look_pending(b, a); break;
        default: rc = rk_err_set(RK_EINTERNAL, "issue: unknown job %d", a->op);
        }
    }
    rk_wipe(a->pin, sizeof a->pin);
    rk_wipe(a->code, sizeof a->code);
    rk_branch_session_drop(b);
    desk_work_ended();
    return rc;
}

static void say(issue_phase ph, const char *key, const char *text)
{
    S.phase = ph;
    S.msg = key;
    snprintf(S.msg_text, sizeof S.msg_text, "%s", text ? text : "");
}

static void wipe_typed(void)
{
    rk_wipe(S.code, sizeof S.code);
    rk_wipe(S.pin, sizeof S.pin);
    rk_wipe(S.again, sizeof S.again);
}

static void issue_done(kiosk *k, const rk_job_event *ev, void *arg);

static int submit(kiosk *k, issue_job *a, int op)
{
    desk_state *d = desk_get(k);
    a->op = op;
    memcpy(a->token, d->token, sizeof a->token);
    snprintf(a->ref, sizeof a->ref, "%s", S.ref);
    snprintf(a->clerk_key, sizeof a->clerk_key, "%s", d->key);
    int rc = desk_work_submit(k, op == OP_KEYS ? "desk-issue-keys" : "desk-issue", job_issue, a,
                              issue_done, a);
    if (rc) rk_wipe(a, sizeof *a);
    return rc;
}

static int start_enrol(kiosk *k)
{
    if (S.busy) return 0;
    issue_job *a = &S.job;
    memset(a, 0, sizeof *a);
    snprintf(a->serial, sizeof a->serial, "%s", S.target[0] ? S.target : S.key);
    snprintf(a->label, sizeof a->label, "%s", S.ref);
    snprintf(a->code, sizeof a->code, "%s", S.code);
    snprintf(a->pin, sizeof a->pin, "%s", S.pin);
    if (strcmp(a->serial, "blank")) snprintf(S.target, sizeof S.target, "%s", a->serial);
    int rc = submit(k, a, OP_ENROL);
    if (rc) return rc;
    S.busy = 1;
    S.job_gen = S.gen;
    S.phase = PH_RUNNING;
    S.msg = NULL;
    S.percent = 0;
    S.step_code[0] = '\0';
    if (S.step < 0 || S.step > 4) S.step = 0;
    rk_ui_sound(k->ui, RK_UI_SOUND_CONFIRM);
    return 0;
}

/* The key chosen from what was seen: the journal's key when one waits;
 * else the one subscriber key, else a blank one. */
static void choose_key(const issue_job *a)
{
    S.n_keys = a->n_keys;
    S.key[0] = '\0';
    const char *want = S.target[0] ? S.target : S.pending ? S.pending_key : NULL;
    if (want) {
        for (int i = 0; i < a->n_keys; i++)
            if (!strcmp(a->serials[i], want)) snprintf(S.key, sizeof S.key, "%s", want);
        return;
    }
    if (a->n_keys == 1)
        snprintf(S.key, sizeof S.key, "%s", a->serials[0]);
    else if (a->n_keys == 0 && a->blank)
        snprintf(S.key, sizeof S.key, "blank");
}

static void issue_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    issue_job *a = arg;
    char t[RK_JOB_MSG_MAX + 256];
    int logged = desk_get(k)->logged_in;
    if (a == &S.ljob) {
        /* The look for enrolments the last run left (see desk_issue_look). */
        if (ev->kind != RK_JOB_EV_DONE) return;
        S.look_busy = 0;
        if (ev->rc == 0 && logged && a->pending && !S.busy) {
            memset(S.ref, 0, sizeof S.ref);
            snprintf(desk_get(k)->selected, sizeof desk_get(k)->selected, "%s", a->ref);
            S.interrupted = 1;
            kiosk_go(k, KS_DESK_ISSUE);
        } else if (ev->rc) {
            rk_log_warn("issue: the look for unfinished enrolments: %s", ev->message);
        }
        rk_wipe(a, sizeof *a);
        return;
    }
    if (ev->kind == RK_JOB_EV_PROGRESS) {
        if (a == &S.job && S.job_gen == S.gen) {
            int i = step_index(ev->step);
            if (i >= 0 && i < 5) S.step = i;
            S.percent = ev->percent;
            snprintf(S.step_code, sizeof S.step_code, "%s", ev->step);
        }
        return;
    }
    if (a == &S.kjob) {
        S.keys_busy = 0;
        S.next_poll = rk_ui_now(k->ui) + ISSUE_POLL_MS;
        if (ev->rc == 0 && S.keys_gen == S.gen && logged) {
            choose_key(a);
            /* The pulled key is back: on with what was typed. */
            if (S.phase == PH_PULLED && S.key[0] && !strcmp(S.key, S.target)) {
                if (start_enrol(k) != 0)
                    rk_err_clear();
                else
                    S.resumed = 1;
            }
        }
        rk_wipe(a, sizeof *a);
        rk_ui_redraw_in(k->ui, 0);
        return;
    }
    S.busy = 0;
    if (S.job_gen != S.gen || !logged) {
        rk_wipe(a, sizeof *a);
        return;
    }
    if (a->op == OP_CHECK) {
        S.checked = 1;
        snprintf(S.business, sizeof S.business, "%s", a->business);
        if (ev->rc) {
            /* The core's rule, said as it is; payment first in plain words. */
            int unpaid = ev->rc == RK_ESTATE && strstr(ev->message, "not paid");
            desk_work_format(k, t, sizeof t, unpaid ? "issue.not_paid" : "issue.refused",
                             ev->message, NULL, NULL);
            say(PH_REFUSED, unpaid ? "issue.not_paid" : "issue.refused", t);
            rk_ui_sound(k->ui, RK_UI_SOUND_ERROR);
        } else {
            S.needs_code = a->needs_code;
            snprintf(S.business, sizeof S.business, "%s", a->business);
            S.pending = a->pending;
            snprintf(S.pending_key, sizeof S.pending_key, "%s", a->pending_key);
            snprintf(S.pending_step, sizeof S.pending_step, "%s", a->pending_step);
            if (S.pending)
                S.step = step_index(S.pending_step) >= 0 ? step_index(S.pending_step) : 0;
            S.phase = PH_READY;
            S.next_poll = 0;
        }
    } else if (a->op == OP_ENROL) {
        if (a->new_serial[0]) snprintf(S.target, sizeof S.target, "%s", a->new_serial);
        if (ev->rc == 0) {
            S.step = 5;
            S.percent = 100;
            snprintf(S.cert, sizeof S.cert, "%s", a->cert);
            snprintf(S.enc_cert, sizeof S.enc_cert, "%s", a->enc_cert);
            S.resumed = S.resumed || a->resumed;
            desk_work_format(k, t, sizeof t, "issue.done", a->cert, NULL, NULL);
            say(PH_DONE, "issue.done", t);
            wipe_typed();
            desk_refresh(k);
        } else if (ev->rc == RK_EDEVICE && S.target[0]) {
            /* Pulled: the journal keeps the place; what was typed stays to resume. */
            desk_work_format(k, t, sizeof t, "issue.pulled",
                             step_words(k, S.step_code[0] ? S.step_code : "keygen"), S.target,
                             NULL);
            say(PH_PULLED, "issue.pulled", t);
            S.next_poll = 0;
            rk_ui_sound(k->ui, RK_UI_SOUND_ERROR);
        } else {
            const char *key = ev->rc == RK_EAUTH && strstr(ev->message, "authorisation")
                                  ? "issue.wrong_code"
                              : ev->rc == RK_EAUTH ? "issue.wrong_pin"
                                                   : "issue.failed";
            desk_work_format(k, t, sizeof t, key, ev->message, NULL, NULL);
            say(PH_FAILED, key, t);
            rk_wipe(S.pin, sizeof S.pin);
            rk_wipe(S.again, sizeof S.again);
            if (!strcmp(key, "issue.wrong_code")) rk_wipe(S.code, sizeof S.code);
            rk_ui_sound(k->ui, RK_UI_SOUND_ERROR);
            desk_refresh(k);
        }
    }
    rk_wipe(a, sizeof *a);
    rk_ui_redraw_in(k->ui, 0);
}

/* --- for the queues ----------------------------------------------------------- */

void desk_issue_look(kiosk *k)
{
    desk_state *d = desk_get(k);
    if (!d->logged_in || S.look_busy || !strcmp(S.looked_for, d->token)) return;
    if (!(d->actor.roles & (RK_ROLE_ISSUE | RK_ROLE_SUPERVISOR))) return;
    memcpy(S.looked_for, d->token, sizeof S.looked_for);
    memset(&S.ljob, 0, sizeof S.ljob);
    if (submit(k, &S.ljob, OP_LOOK) != 0) {
        rk_err_clear();
        return;
    }
    S.look_busy = 1;
}

/* --- the module ------------------------------------------------------------------ */

static void forget(void)
{
    unsigned long gen = S.gen;
    int busy = S.busy, keys_busy = S.keys_busy, look_busy = S.look_busy;
    char looked[sizeof S.looked_for];
    memcpy(looked, S.looked_for, sizeof looked);
    issue_job job, kjob, ljob;
    memcpy(&job, &S.job, sizeof job);
    memcpy(&kjob, &S.kjob, sizeof kjob);
    memcpy(&ljob, &S.ljob, sizeof ljob);
    rk_wipe(&S, sizeof S);
    /* A running job keeps its slot until its DONE event. */
    if (busy) memcpy(&S.job, &job, sizeof job);
    if (keys_busy) memcpy(&S.kjob, &kjob, sizeof kjob);
    if (look_busy) memcpy(&S.ljob, &ljob, sizeof ljob);
    rk_wipe(&job, sizeof job);
    rk_wipe(&kjob, sizeof kjob);
    rk_wipe(&ljob, sizeof ljob);
    S.busy = busy;
    S.keys_busy = keys_busy;
    S.look_busy = look_busy;
    memcpy(S.looked_for, looked, sizeof looked);
    rk_wipe(looked, sizeof looked);
    S.gen = gen + 1;
}

static void same(int *rc, const char *what, const char *is, const char *want)
{
    *rc = strcmp(is, want) ? rk_err_set(RK_EINVAL, "%s: expected '%s', it is '%s'", what, want, is)
                           : 0;
}

/* "work-issue-phase PHASE", "work-issue-msg KEY|none", "work-issue-key
 * SERIAL|blank|none" (the key chosen), "work-issue-cert set|none",
 * "work-issue-resumed yes|no", "work-issue-plug pull|plug" (the key the
 * enrolment runs on), and the hold (see the top). */
static int issue_app(kiosk *k, const char *words, int *rc)
{
    char a[64] = "";
    if (strncmp(words, "work-issue-", 11)) return 0;
    *rc = 0;
    if (sscanf(words, "work-issue-hold %31s", a) == 1) {
        pthread_mutex_lock(&hold_mu);
        snprintf(hold_step, sizeof hold_step, "%s", a);
        released = 0;
        pthread_mutex_unlock(&hold_mu);
    } else if (!strcmp(words, "work-issue-release")) {
        pthread_mutex_lock(&hold_mu);
        released = 1;
        pthread_cond_broadcast(&hold_cv);
        pthread_mutex_unlock(&hold_mu);
    } else if (!strcmp(words, "work-issue-wait-held")) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 30;
        pthread_mutex_lock(&hold_mu);
        while (!held)
            if (pthread_cond_timedwait(&hold_cv, &hold_mu, &until) != 0) break;
        int ok = held;
        pthread_mutex_unlock(&hold_mu);
        if (!ok) *rc = rk_err_set(RK_ETIMEOUT, "the enrolment did not reach the held step in 30 s");
    } else if (sscanf(words, "work-issue-plug %31s", a) == 1) {
        /* A blank key's serial is known once the job made it (and it is
         * held past that: the hold's lock orders the two threads). */
        const char *serial = S.target[0] ? S.target : S.busy ? S.job.new_serial : "";
        if (!serial[0]) {
            *rc = rk_err_set(RK_EINVAL, "work-issue-plug: no enrolment has a key yet");
        } else {
            *rc = rk_branch_demo_key_plug(k->branch, serial, !strcmp(a, "pull"));
            if (!S.target[0]) snprintf(S.target, sizeof S.target, "%s", serial);
            S.next_poll = 0;
            rk_ui_redraw_in(k->ui, 0);
        }
    } else if (S.busy || S.keys_busy) {
        *rc = rk_err_set(RK_EINVAL, "%s: an issue job still runs (work-settle first)", words);
    } else if (sscanf(words, "work-issue-phase %63s", a) == 1) {
        same(rc, "the issue's phase", PHASES[S.phase], a);
    } else if (sscanf(words, "work-issue-msg %63s", a) == 1) {
        same(rc, "the issue's message", S.msg ? S.msg : "none", a);
    } else if (sscanf(words, "work-issue-key %63s", a) == 1) {
        same(rc, "the key chosen",
             S.key[0] ? (strcmp(S.key, "blank") ? "serial" : "blank") : "none", a);
    } else if (sscanf(words, "work-issue-cert %63s", a) == 1) {
        same(rc, "the certificate", S.cert[0] ? "set" : "none", a);
    } else if (sscanf(words, "work-issue-resumed %63s", a) == 1) {
        same(rc, "resumed", S.resumed ? "yes" : "no", a);
    } else {
        *rc = rk_err_set(RK_EINVAL, "unknown issue line '%s'", words);
    }
    return 1;
}

void mod_desk_issue_reset(kiosk *k, kiosk_reset why)
{
    if (why == KIOSK_RESET_START) {
        memset(&S, 0, sizeof S);
        desk_work_register(k, issue_app);
        return;
    }
    if (why == KIOSK_RESET_OVER && desk_get(k)->logged_in &&
        (kiosk_screens[k->screen].flags & KF_CLERK))
        return;
    forget();
    if (why == KIOSK_RESET_CLOSE) {
        pthread_mutex_lock(&hold_mu);
        released = 1;
        pthread_cond_broadcast(&hold_cv);
        pthread_mutex_unlock(&hold_mu);
    }
}

/* --- the screen ---------------------------------------------------------------------- */

static void poll_keys(kiosk *k)
{
    if (S.keys_busy || S.busy) return;
    if (S.phase != PH_READY && S.phase != PH_PULLED && S.phase != PH_FAILED) return;
    uint64_t now = rk_ui_now(k->ui);
    if (now < S.next_poll) {
        rk_ui_redraw_in(k->ui, (int)(S.next_poll - now));
        return;
    }
    memset(&S.kjob, 0, sizeof S.kjob);
    if (submit(k, &S.kjob, OP_KEYS) != 0) {
        rk_err_clear();
        return;
    }
    S.keys_busy = 1;
    S.keys_gen = S.gen;
}

static int ready_to_start(void)
{
    int blank = !strcmp(S.key, "blank");
    if (!S.key[0] || (S.needs_code && !S.code[0]) || !S.pin[0]) return 0;
    return !blank || S.again[0];
}

void scr_desk_issue(kiosk *k)
{
    rk_ui *ui = k->ui;
    desk_state *d = desk_get(k);
    const rk_theme *t = rk_ui_theme(ui);
    if (desk_guard(k)) return;
    if (kiosk_entering(k) && strcmp(S.ref, d->selected)) {
        int interrupted = S.interrupted;
        forget();
        S.interrupted = interrupted;
        snprintf(S.ref, sizeof S.ref, "%s", d->selected);
    }
    if (S.ref[0] && !S.checked && !S.busy) {
        memset(&S.job, 0, sizeof S.job);
        if (submit(k, &S.job, OP_CHECK) == 0) {
            S.busy = 1;
            S.job_gen = S.gen;
        } else {
            rk_err_clear();
        }
    }
    poll_keys(k);

    rk_rect scr = rk_ui_screen(ui);
    rk_backend *be = rk_ui_backend(ui);
    rk_backend_fill(be, scr, t->bg);
    rk_rect c = rk_rect_inset(scr, rk_ui_px(ui, RK_UI_MARGIN) / 2);
    char title[128], text[RK_JOB_MSG_MAX + 512];
    if (S.business[0])
        desk_work_format(k, title, sizeof title, "issue.title", S.ref,
                         desk_work_business(k, S.business), NULL);
    else
        desk_work_format(k, title, sizeof title, "issue.title_ref", S.ref, NULL, NULL);
    c = desk_bar(k, c, title);
    if (!d->logged_in) return;
    int gap = rk_ui_px(ui, RK_UI_GAP);
    int line = 2 * rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_BODY));
    int running = S.phase == PH_RUNNING;
    int typing = rk_ui_has_focus(ui, "issue.code") || rk_ui_has_focus(ui, "issue.pin") ||
                 rk_ui_has_focus(ui, "issue.again");

    /* Back to the queue (never while the key is being written). */
    rk_button back = {
        .label = kiosk_str(k, "issue.back"), .icon = RK_ICON_BACK, .disabled = running};
    rk_button go = {
        .label = kiosk_str(k, S.pending || S.phase == PH_FAILED ? "issue.resume" : "issue.start"),
        .kind = RK_BTN_PRIMARY,
        .icon = RK_ICON_KEY,
        .disabled = S.busy || !ready_to_start()};
    int bh = rk_widget_button_height(ui, &go);
    if (bh < rk_ui_px(ui, RK_UI_TARGET_PRIMARY)) bh = rk_ui_px(ui, RK_UI_TARGET_PRIMARY);
    rk_rect row = rk_rect_cut_bottom(&c, bh);
    rk_rect_cut_bottom(&c, gap);
    if (rk_widget_button_ex(ui, "issue.back",
                            rk_rect_cut_left(&row, rk_widget_button_width(ui, &back)), &back)) {
        wipe_typed();
        desk_refresh(k);
        S.interrupted = 0;
        kiosk_go_root(k, KS_DESK_QUEUES);
        return;
    }
    int form = S.phase == PH_READY || S.phase == PH_FAILED, only_focused = 0;
    if (form &&
        rk_widget_button_ex(ui, "issue.start",
                            rk_rect_cut_right(&row, rk_widget_button_width(ui, &go)), &go)) {
        S.error = NULL;
        if (!strcmp(S.key, "blank") && strcmp(S.pin, S.again)) {
            S.error = "issue.pin_mismatch";
        } else {
            rk_ui_clear_focus(ui);
            if (start_enrol(k) != 0) {
                say(PH_FAILED, "issue.failed", rk_err_msg());
                rk_err_clear();
            }
        }
    }
    if (typing && form) {
        /* Letters and digits for the code, digits for a PIN. */
        rk_kb_mode mode = rk_ui_has_focus(ui, "issue.code") ? RK_KB_LATIN : RK_KB_DIGITS;
        if (k->kb.mode != mode) rk_keyboard_set_mode(&k->kb, mode);
        k->kb.modes = mode == RK_KB_LATIN ? RK_KB_BIT(RK_KB_LATIN) | RK_KB_BIT(RK_KB_DIGITS) : 0;
        /* The keyboard below, the fields (one line each) above it. */
        int fields = 1 + (S.needs_code != 0) + !strcmp(S.key, "blank");
        int kh = rk_keyboard_height(ui, &k->kb, c.w);
        if (kh > c.h - rk_field_height_inline(ui) - gap)
            kh = c.h - rk_field_height_inline(ui) - gap;
        /* Short of room for every field: only the one typed in. */
        only_focused = c.h - kh - gap < fields * (rk_field_height_inline(ui) + gap);
        rk_keyboard_draw(ui, "kb", rk_rect_cut_bottom(&c, kh), &k->kb);
        rk_rect_cut_bottom(&c, gap);
    }

    /* The steps of the enrolment journal, live. */
    const char *labels[5];
    for (int i = 0; i < 5; i++)
        labels[i] = kiosk_str(k, STEP_KEYS[i]);
    if (S.phase >= PH_READY && !typing) {
        rk_rect sr = rk_rect_cut_top(&c, rk_widget_steps_height(ui));
        rk_widget_steps(ui, "issue.steps", sr, labels, 5, S.step > 4 ? 5 : S.step);
        rk_rect_cut_top(&c, gap);
    }

    if (S.interrupted && S.pending && S.phase == PH_READY) {
        desk_work_format(k, text, sizeof text, "issue.interrupted", step_words(k, S.pending_step),
                         S.ref, S.pending_key);
        rk_rect ir = rk_rect_cut_top(&c, line * 3 / 2);
        rk_ui_mark(ui, "issue.interrupted", ir);
        rk_widget_status(ui, "issue.interrupted", ir, RK_STATUS_WARNING, text, RK_UI_TEXT_BODY);
        rk_rect_cut_top(&c, gap);
    }

    if (S.phase == PH_CHECK) {
        rk_widget_muted(ui, "issue.checking", rk_rect_cut_top(&c, line),
                        kiosk_str(k, "issue.checking"), RK_UI_TEXT_BODY, RK_ALIGN_LEFT);
        rk_ui_redraw_in(ui, 100);
        return;
    }
    if (S.phase == PH_REFUSED || S.phase == PH_DONE || S.phase == PH_PULLED ||
        S.phase == PH_FAILED) {
        int lines = rk_ui_text_lines(ui, S.msg_text, RK_UI_TEXT_BODY, c.w - rk_ui_px(ui, 64));
        if (lines < 1) lines = 1;
        rk_rect mr = rk_rect_cut_top(&c, line / 2 * (lines + 1));
        rk_ui_mark(ui, "issue.msg", mr);
        rk_widget_status(ui, "issue.msg", mr,
                         S.phase == PH_DONE     ? RK_STATUS_SUCCESS
                         : S.phase == PH_PULLED ? RK_STATUS_WARNING
                                                : RK_STATUS_ERROR,
                         S.msg_text, RK_UI_TEXT_BODY);
        rk_rect_cut_top(&c, gap);
        if (S.phase == PH_DONE && S.enc_cert[0]) {
            desk_work_format(k, text, sizeof text, "issue.enc_cert", S.enc_cert, NULL, NULL);
            rk_widget_label(ui, "issue.enc_cert", rk_rect_cut_top(&c, line / 2 + gap), text,
                            RK_UI_TEXT_BODY, RK_ALIGN_LEFT);
        }
        if (S.phase == PH_DONE && S.resumed)
            rk_widget_muted(ui, "issue.resumed", rk_rect_cut_top(&c, line / 2 + gap),
                            kiosk_str(k, "issue.resumed"), RK_UI_TEXT_SMALL, RK_ALIGN_LEFT);
        if (S.phase == PH_REFUSED || S.phase == PH_DONE) return;
    }
    if (running) {
        const char *w =
            S.step_code[0] ? step_words(k, S.step_code) : kiosk_str(k, "issue.step_keygen");
        desk_work_format(k, text, sizeof text, "issue.working", w, NULL, NULL);
        rk_rect pr = rk_rect_cut_top(&c, line * 3);
        rk_ui_mark(ui, "issue.progress", pr);
        rk_widget_progress(ui, "issue.progress", pr, text, S.percent / 100.0, S.step + 1, 5, 0,
                           NULL);
        rk_ui_redraw_in(ui, 200);
        return;
    }
    if (S.phase == PH_PULLED) return;

    /* The key: which one, in words with an icon. */
    rk_status_kind kk = RK_STATUS_INFO;
    const char *want = S.target[0] ? S.target : S.pending ? S.pending_key : NULL;
    if (S.key[0] && !strcmp(S.key, "blank")) {
        snprintf(text, sizeof text, "%s", kiosk_str(k, "issue.key_blank"));
        kk = RK_STATUS_SUCCESS;
    } else if (S.key[0]) {
        desk_work_format(k, text, sizeof text, "issue.key_seen", S.key, NULL, NULL);
        kk = RK_STATUS_SUCCESS;
    } else if (want) {
        desk_work_format(k, text, sizeof text, "issue.want_key", want, NULL, NULL);
        kk = RK_STATUS_WARNING;
    } else if (S.n_keys > 1) {
        snprintf(text, sizeof text, "%s", kiosk_str(k, "issue.several"));
        kk = RK_STATUS_WARNING;
    } else {
        snprintf(text, sizeof text, "%s", kiosk_str(k, "issue.insert"));
    }
    if (!typing) {
        rk_rect kr = rk_rect_cut_top(&c, line);
        rk_ui_mark(ui, S.key[0] ? "issue.key" : "issue.no_key", kr);
        rk_widget_status(ui, "issue.key", kr, kk, text, RK_UI_TEXT_BODY);
        rk_rect_cut_top(&c, gap);
    }

    /* What is typed: the order's code (the clerk), the PIN (the subscriber). */
    int fh = typing ? rk_field_height_inline(ui) : rk_field_height(ui);
    if (S.needs_code && (!only_focused || rk_ui_has_focus(ui, "issue.code"))) {
        S.code_f = (rk_field){.buf = S.code,
                              .cap = sizeof S.code,
                              .kind = RK_FIELD_TEXT,
                              .max_chars = RK_AUTHCODE_MAX - 1,
                              .hint = kiosk_str(k, "issue.code_hint")};
        int r = rk_field_draw(ui, "issue.code", rk_rect_cut_top(&c, fh), kiosk_str(k, "issue.code"),
                              &S.code_f, NULL);
        if (r & RK_FIELD_SUBMIT) rk_ui_set_focus(ui, "issue.pin");
        rk_rect_cut_top(&c, gap);
    }
    int blank = !strcmp(S.key, "blank");
    S.pin_f = (rk_field){.buf = S.pin,
                         .cap = sizeof S.pin,
                         .kind = RK_FIELD_PIN,
                         .max_chars = 16,
                         .hint = kiosk_str(k, "issue.pin_hint")};
    if (!only_focused || rk_ui_has_focus(ui, "issue.pin")) {
        int r = rk_field_draw(ui, "issue.pin", rk_rect_cut_top(&c, fh),
                              kiosk_str(k, blank ? "issue.pin_new" : "issue.pin"), &S.pin_f,
                              S.error && !blank ? kiosk_str(k, S.error) : NULL);
        if (r & RK_FIELD_CHANGED) S.error = NULL;
        if (r & RK_FIELD_SUBMIT) {
            if (blank)
                rk_ui_set_focus(ui, "issue.again");
            else
                rk_ui_clear_focus(ui);
        }
        rk_rect_cut_top(&c, gap);
    }
    if (blank && (!only_focused || rk_ui_has_focus(ui, "issue.again"))) {
        S.again_f = (rk_field){.buf = S.again,
                               .cap = sizeof S.again,
                               .kind = RK_FIELD_PIN,
                               .max_chars = 16,
                               .hint = kiosk_str(k, "issue.pin_hint")};
        int r =
            rk_field_draw(ui, "issue.again", rk_rect_cut_top(&c, fh), kiosk_str(k, "issue.again"),
                          &S.again_f, S.error ? kiosk_str(k, S.error) : NULL);
        if (r & RK_FIELD_CHANGED) S.error = NULL;
        if (r & RK_FIELD_SUBMIT) rk_ui_clear_focus(ui);
    }
}
