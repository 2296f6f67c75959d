/*
 * The kiosk's state and its loop: what every screen reads and changes.
 *
 * One kiosk per process, owned by the UI thread. It holds the branch
 * (rk_branch_open: configuration, database, devices, services), the ui/
 * context with both strings tables, the on-screen keyboard and its input
 * method, the voice, the job runner for long operations, the current
 * screen with a short history for "back", the visit (what this subscriber
 * chose and entered: wiped at start over and at the idle wipe), the idle
 * countdown, and what the kiosk learns of the rest of the branch: a
 * change counter bumped when another process committed to the database
 * (rk_db_changed, asked once a second) and the sync status for the offline
 * banner.
 *
 * The loop (kiosk_run) sleeps until input, a job event, a timer or a
 * signal; it never spins, and it calls the systemd watchdog on every turn
 * (util/service.h). Screens are the functions of the table in screens.h.
 */
#ifndef RK_KIOSK_KIOSK_H
#define RK_KIOSK_KIOSK_H

#include "screens.h"

#include "branch/branch.h"
#include "branch/selfservice.h"
#include "ui/chrome.h"
#include "ui/keyboard.h"
#include "ui/player.h"
#include "ui/ui.h"
#include "ui/voice.h"
#include "util/jobs.h"

#include <stdint.h>

#define KIOSK_HISTORY    16   /* screens "back" remembers */
#define KIOSK_WATCHERS   16   /* job callbacks outstanding (RK_JOBS_MAX) */
#define KIOSK_APPS       16   /* the modules' event-player commands */
#define KIOSK_VALUE      256  /* bytes of a form value */
#define KIOSK_EXIT_CLERK 10   /* the exit code of a clerk's exit (not restarted by systemd) */
#define KIOSK_FRAMES     4096 /* frame times kept for --stats */
#define KIOSK_HOLD_MS    3000 /* the attract screen's branch name held this long: clerk exit */

/* What the subscriber chose and entered during this visit. Everything in
 * here is wiped at start over and at the idle wipe. */
typedef struct kiosk_visit {
    char business[16]; /* the business type of domain/order.h (new, renew ...); "" none */
    char kind[16];     /* individual, organisation, server; "" not yet chosen */
    int voice;         /* voice prompts on for this visit */
    int dirty;         /* something was entered: "start over" asks first */
    int clerk_called;  /* the call-a-clerk dialog is open */
    int info;          /* an information dialog is open: info_title, info_text keys */
    const char *info_title, *info_text;
    rk_chrome_state chrome;

    /* the guided flow (flow.c) */
    int has_form;
    rk_form form;                                 /* the kind's form of the business */
    char values[RK_FORM_MAX_FIELDS][KIOSK_VALUE]; /* form.fields[i]'s value */
    int shown_error[RK_FORM_MAX_FIELDS];          /* its error is shown */
    int page;                                     /* the form's page */
    int doc_state[RK_FORM_MAX_DOCS];              /* 0 missing, 1 imported, 2 on paper */
    char doc_path[RK_FORM_MAX_DOCS][512];
    const char *doc_note; /* the documents screen's last message key (NULL: none) */
    rk_fee_quote quote;
    int busy;   /* a job of the flow runs */
    int failed; /* it failed: fail_msg says why */
    char fail_msg[256];
    char ref[RK_ORDER_REF_MAX]; /* the order taken */
    char pay[512];              /* the payment QR's payload ("" offline) */
    rk_backend_image *qr;
    int printed; /* 1 printed, 0 waits in the spool */
    int receipt_done;
    int rating;
    int rating_stored; /* the rating went to the branch (flow_store_rating) */
    uint64_t card_job; /* the ID card reading running for the identity screen (0: none) */
    int card_read;     /* the fields came from the card */
} kiosk_visit;

/* Called on the UI thread for each event of a job submitted with
 * kiosk_submit (progress, then exactly one RK_JOB_EV_DONE). */
typedef void (*kiosk_job_cb)(kiosk *k, const rk_job_event *ev, void *arg);

/* A module's event-player command (kiosk_app_register): 0, or a negative
 * RK_E* with the message set (the script fails with it). */
typedef int (*kiosk_app_fn)(kiosk *k, const char *words);

typedef struct kiosk_options {
    const char *conf_path;   /* NULL: conf.h's search */
    const char *driver;      /* SDL video driver; NULL: [display] driver, else SDL's choice */
    int width, height;       /* 0: [display] (0 there: the display's size) */
    int lang;                /* 0 zh-CN, 1 en */
    int large, contrast;     /* start in large type, in high contrast */
    int fit_check;           /* tests: record text that does not fit */
    int no_ime, no_voice;    /* leave out the input method, the voice */
    int fullscreen;          /* a borderless full-screen window */
    const char *strings_dir; /* NULL: <conf dir>/strings, else the installed one */
    const char *import_dir;  /* NULL: [kiosk] import_dir */
    int idle_s, countdown_s; /* -1: [kiosk] idle_seconds, countdown_seconds */
    int stats;               /* keep frame times for kiosk_print_stats */
} kiosk_options;

struct kiosk {
    rk_ui *ui;
    rk_branch *branch;
    const rk_conf *conf;
    rk_db *db; /* the UI thread's connection (short reads only) */
    rk_jobs *jobs;
    rk_ime *ime;
    rk_voice *voice;
    rk_keyboard kb;
    rk_strings *strings[2];
    char rime_user[4096]; /* Rime's private folder, removed at close */

    kiosk_screen screen;
    int entering; /* the screen's first frame since kiosk_go */
    unsigned long enter_seq;
    kiosk_screen history[KIOSK_HISTORY];
    int n_history;
    uint64_t screen_since; /* rk_ui_now when the screen was entered */

    kiosk_visit visit;
    unsigned long visit_gen; /* bumped by each wipe: a job of an earlier visit is ignored */
    char import_dir[4096];

    /* idle: the countdown opens idle_ms after the last input on a screen
     * that is not the attract screen, and wipes countdown_ms later */
    int idle_ms, countdown_ms;
    uint64_t last_input;
    int idle_open;
    int idle_now; /* the event player asked for the countdown at once */
    uint64_t idle_deadline;
    unsigned long wipes;          /* idle wipes done (tests) */
    unsigned long ratings_stored; /* satisfaction ratings the branch recorded (tests) */

    /* the rest of the branch */
    unsigned long db_gen; /* bumped each time another process committed */
    uint64_t next_poll;   /* rk_ui_now of the next rk_db_changed */
    int64_t last_synced;  /* sync.last_ok (0: never) */
    int online;           /* the last sync pass reached HQ */
    int network_forced;   /* the demo's network switch decides online */

    int home_shown;      /* the health marker was written */
    int exit_code;       /* kiosk_run's result once stopped (KIOSK_EXIT_CLERK) */
    uint64_t hold_since; /* the branch name on attract pressed since (0: not) */
    /* --stats: frame draw times in microseconds, and the longest while a
     * job ran */
    int stats;
    unsigned frame_us[KIOSK_FRAMES]; /* wall clock */
    unsigned cpu_us[KIOSK_FRAMES];   /* the UI thread's CPU time */
    unsigned long n_frames;
    unsigned busy_max_us;
    unsigned long busy_frames;
    int fit_check; /* tests: text fit and touch target sizes are checked */
    volatile int stop;
    struct {
        uint64_t id;
        kiosk_job_cb cb;
        void *arg;
    } watch[KIOSK_WATCHERS];
    struct {
        const char *prefix;
        kiosk_app_fn fn;
    } apps[KIOSK_APPS];
    int n_apps;
};

/* Opens the branch, the display, the strings, the input method, the voice
 * and the job runner; shows the attract screen. The caller owns *out
 * (kiosk_close). RK_ECONF / RK_EDB (the branch: configuration, database),
 * RK_EDEVICE (the display), RK_ENOTFOUND (strings, font), with the message
 * saying which. */
int kiosk_open(kiosk **out, const kiosk_options *o);

/* Resets every module (KIOSK_RESET_CLOSE), cancels jobs, closes
 * everything, wipes the visit; NULL does nothing. */
void kiosk_close(kiosk *k);

/* Runs until kiosk_stop (a signal, a clerk's exit) or, with a player,
 * until the script ends: 0, KIOSK_EXIT_CLERK after a clerk's exit, or 1
 * when the script failed (the message is printed).
 * first_frame: print "first-frame" once the first frame is presented. */
int kiosk_run(kiosk *k, rk_player *player, int first_frame);

/* --stats: frames drawn, draw time p50 / p99 / max, the longest frame
 * while a job ran, and the peak RSS, on stdout. */
void kiosk_print_stats(const kiosk *k);

/* Async-signal-safe: ends kiosk_run at its next turn. */
void kiosk_stop(kiosk *k);

/* --- for screens --- */

/* Shows screen s from the next frame (remembered for "back"). */
void kiosk_go(kiosk *k, kiosk_screen s);
/* Back to the previous screen (home when there is none; from home, the
 * attract screen: the visit ends). */
void kiosk_back(kiosk *k);
/* Shows s and forgets the history (the start of a flow). */
void kiosk_go_root(kiosk *k, kiosk_screen s);
/* Enters the current screen again (its next page): kiosk_entering is 1
 * on its next frame. */
void kiosk_reenter(kiosk *k);
/* 1 on the screen's first frame after kiosk_go. */
int kiosk_entering(const kiosk *k);

/* 1 on a demo branch ([kiosk] demo): the demo panel exists (demo_panel.c). */
int kiosk_demo_on(const kiosk *k);

/* The screen called name, or -1 when there is none (a module not built). */
int kiosk_find_screen(const char *name);

/* The current language's text for key (ui's rk_ui_str). */
const char *kiosk_str(kiosk *k, const char *key);

/* The words of value of the choice field named field (strings
 * choice.<field>.<value>); value itself when there are none. */
const char *kiosk_choice_label(kiosk *k, const char *field, const char *value);

/* Speaks the prompt key (its .say form) when voice is on for this visit. */
void kiosk_say(kiosk *k, const char *prompt);

/* The fixed bars of a subscriber screen (rk_chrome): back, start over,
 * call a clerk, the switches; the step bar when c->steps is set. Acts on
 * them itself (back: kiosk_back; start over: the wipe and home; call a
 * clerk: its dialog) and returns the content rectangle. The screen draws
 * its content, then calls kiosk_chrome_end. */
rk_rect kiosk_chrome(kiosk *k, const rk_chrome *c);
void kiosk_chrome_end(kiosk *k);

/* Opens an information dialog (strings keys, drawn by kiosk_chrome_end
 * until its button is pressed). */
void kiosk_info(kiosk *k, const char *title_key, const char *text_key);

/* Runs fn(job, arg) on the job runner; cb (may be NULL) gets its events
 * on the UI thread. RK_EBUSY when too many jobs are outstanding. */
int kiosk_submit(kiosk *k, uint64_t *id, const char *name, rk_job_fn fn, void *arg, kiosk_job_cb cb,
                 void *cb_arg);

/* Hands the visit's satisfaction rating, if one was given and not yet
 * handed, to the branch on the job runner (flow.c: a survey, audited and
 * in the outbox); kiosk_wipe calls it first, so a rating given before the
 * subscriber walked away is not lost. */
void flow_store_rating(kiosk *k);

/* Ends the visit: wipes it (kiosk_visit, the modules, the ui's typed text
 * and personal textures, the keyboard's composition) for why. */
void kiosk_wipe(kiosk *k, kiosk_reset why);

/* The event player's "app" lines: "idle" (open the countdown now),
 * "db-changed" (as if another process committed), and checks of the
 * state that fail the script when it differs: "expect-screen NAME",
 * "expect-business ID|none", "expect-wipes N", "expect-voice on|off",
 * "expect-lang zh-CN|en", "expect-large on|off", "expect-contrast on|off",
 * "expect-order taken|none", "expect-printed yes|no", "expect-qr shown|none",
 * "expect-online yes|no", "expect-exit CODE", "expect-field NAME=VALUE",
 * "expect-doc NAME=missing|scanned|imported|paper", "expect-doc-note KEY|none",
 * "expect-token-contexts N" (the USB key module's contexts alive in the
 * process), "expect-ratings-stored N" (ratings the branch recorded);
 * "show NAME" (goes to screen NAME as if it were reached, for tests of
 * what a screen does when it should not be reachable);
 * "settle" (waits, really, up to 20 s, until no job is outstanding and
 * their callbacks ran); "frames N" (draws the
 * screen N times, for bench_kiosk); "window-close" (SDL's quit,
 * as a window manager sends it);
 * "network up|down" (the demo's network switch) and "note WORDS" (prints
 * "note: WORDS" on stdout, for a test that watches the program).
 * 0 or RK_EINVAL with the difference. */
int kiosk_app_command(void *arg, const char *words);

/* Lets a module take the "app" lines that start with prefix (its own
 * device doubles and checks: "desk-", "card-"): call it from the module's
 * reset hook at KIOSK_RESET_START. prefix must stay valid (a literal).
 * RK_ETOOBIG when KIOSK_APPS are taken. */
int kiosk_app_register(kiosk *k, const char *prefix, kiosk_app_fn fn);

#endif
