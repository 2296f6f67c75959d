/*
 * The kiosk's state and loop (kiosk.h): opening the branch and the
 * display, the frame with the idle countdown, the job callbacks, the
 * database change poll and the wipe.
 */
#define _XOPEN_SOURCE 700
#include "kiosk.h"

#include "branch/keys.h"
#include "branch/sync_status.h"
#include "ui/dialog.h"
#include "ui/widgets.h"
#include "util/err.h"
#include "util/log.h"
#include "util/service.h"
#include "util/wipe.h"

#include <ftw.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define POLL_MS 1000 /* how often the kiosk asks whether another process committed */

static void tone(void *arg, int sound)
{
    rk_voice_tone(arg, sound == RK_UI_SOUND_ERROR ? RK_VOICE_TONE_ERROR : RK_VOICE_TONE_CONFIRM);
}

static void pull(void *arg, int16_t *out, size_t n)
{
    rk_voice_pull(arg, out, n);
}

/* A job runner's worker opens a branch of its own (util/jobs.h), which
 * uses the kiosk's USB key contexts (one per module per process) instead
 * of loading the module again. */
static int worker_open(void **ctx, void *arg)
{
    kiosk *k = arg;
    rk_branch *b = NULL;
    rk_branch_opts bo = {.conf_path = k->conf ? k->conf->path : NULL,
                         .env = rk_branch_env_of(k->branch),
                         .keys_of = k->branch};
    int rc = rk_branch_open(&b, &bo);
    if (rc) return rc;
    *ctx = b;
    return 0;
}

/* After each job the worker lets go of the key contexts it took, so the
 * other worker's key work can go on. */
static void job_end(void *ctx, void *arg)
{
    (void)arg;
    rk_branch_keys_release(ctx);
}

/* Before each job the worker takes up a configuration bundle rasync
 * installed since its last one (between jobs, never inside one). */
static void job_begin(void *ctx, void *arg)
{
    (void)arg;
    if (rk_branch_config_refresh(ctx) < 0) rk_err_clear(); /* logged; the rules in force stay */
}

/* Workers close one at a time: the key contexts are the kiosk's now, but
 * each worker may still have opened the sub-CA's HSM module (ca/hsm.c
 * finalises it from the worker that initialised it). */
static pthread_mutex_t close_lock = PTHREAD_MUTEX_INITIALIZER;

static void worker_close(void *ctx, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&close_lock);
    rk_branch_close(ctx);
    pthread_mutex_unlock(&close_lock);
}

static void wake(void *arg)
{
    rk_ui_wake(((kiosk *)arg)->ui);
}

static int load_strings(kiosk *k, const char *dir)
{
    char path[4200];
    static const char *const files[2] = {"zh-CN.ini", "en.ini"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        int rc = rk_strings_load(&k->strings[i], path);
        if (rc) return rc;
    }
    return 0;
}

/* The strings folder: the one asked for, else the configuration's
 * strings/ beside kiosk.conf, else the installed one. */
static int find_strings(kiosk *k, const char *asked)
{
    char dir[4200];
    struct stat st;
    if (asked) return load_strings(k, asked);
    snprintf(dir, sizeof dir, "%s/strings", k->conf->dir);
    if (stat(dir, &st) == 0) return load_strings(k, dir);
    if (stat(RK_STRINGS_INSTALL_DIR, &st) == 0) return load_strings(k, RK_STRINGS_INSTALL_DIR);
    return load_strings(k, RK_STRINGS_SOURCE_DIR);
}

static int open_ime(kiosk *k)
{
    char staging[4096];
    int rc = rk_ime_find_cache(staging, sizeof staging);
    if (rc) return rc;
    snprintf(k->rime_user, sizeof k->rime_user, "%s/rime-user", k->conf->data_dir);
    mkdir(k->rime_user, 0700);
    rk_ime_paths p = {NULL, staging, k->rime_user};
    return rk_ime_open(&k->ime, &p);
}

/* When the branch last synced, as the banner says it ("never" until it
 * has). */
static void synced_text(kiosk *k, char *out, size_t n)
{
    if (k->last_synced > 0) {
        time_t t = (time_t)k->last_synced;
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(out, n, "%Y-%m-%d %H:%M", &tm);
    } else {
        snprintf(out, n, "%s", kiosk_str(k, "banner.never"));
    }
}

/* The sync status rasync left: the banner's "last synced" and whether HQ
 * was reachable, logged when either changes. */
static void read_sync(kiosk *k)
{
    rk_sync_status st;
    if (rk_sync_status_read(&st, k->db) == 0) {
        int was_online = k->online;
        int64_t was = k->last_synced;
        k->last_synced = st.last_ok;
        if (!k->network_forced) k->online = st.has_last && st.last.ok;
        if (k->last_synced != was || k->online != was_online) {
            char when[64];
            synced_text(k, when, sizeof when);
            rk_log_info("kiosk: last synced %s, HQ %s", when,
                        k->online ? "reachable" : "out of reach");
        }
    } else {
        rk_err_clear();
    }
}

int kiosk_open(kiosk **out, const kiosk_options *o)
{
    int rc;
    kiosk *k = calloc(1, sizeof *k);
    if (!k) return rk_err_oom();
    *out = k;
    rk_branch_opts bo = {.conf_path = o->conf_path};
    if ((rc = rk_branch_open(&k->branch, &bo)) || (rc = rk_branch_conf(k->branch, &k->conf)) ||
        (rc = rk_branch_db(k->branch, &k->db)))
        return rc;
    if ((rc = find_strings(k, o->strings_dir))) return rc;

    rk_ui_options uo;
    memset(&uo, 0, sizeof uo);
    uo.display.driver = o->driver ? o->driver : k->conf->display_driver;
    uo.display.width = o->width ? o->width : k->conf->display_width;
    uo.display.height = o->height ? o->height : k->conf->display_height;
    uo.display.rotation = k->conf->display_rotation;
    uo.display.touch_rotation = k->conf->touch_rotation;
    uo.display.touch_flip_x = k->conf->touch_flip_x;
    uo.display.touch_flip_y = k->conf->touch_flip_y;
    uo.display.fullscreen = o->fullscreen;
    uo.display.title = "rakiosk";
    uo.lang = o->lang;
    uo.large = o->large;
    uo.contrast = o->contrast;
    uo.fit_check = k->fit_check = o->fit_check;
    k->stats = o->stats;
    if ((rc = rk_ui_new(&k->ui, &uo))) return rc;
    rk_ui_set_strings(k->ui, 0, k->strings[0]);
    rk_ui_set_strings(k->ui, 1, k->strings[1]);

    if (!o->no_ime && open_ime(k))
        rk_log_warn("kiosk: no Chinese input (%s); letters are typed as Latin", rk_err_msg());
    k->kb.ime = k->ime;
    k->kb.modes = RK_KB_TEXT_MODES;
    if (!o->no_voice && k->conf->sound_volume > 0) {
        rk_voice_options vo = {.speak = 1, .volume = k->conf->sound_volume};
        if (rk_voice_new(&k->voice, &vo) == 0) {
            rk_ui_set_sound(k->ui, tone, k->voice);
            if (rk_backend_audio_open(rk_ui_backend(k->ui), rk_voice_rate(k->voice), pull,
                                      k->voice))
                rk_log_info("kiosk: %s (no sound)", rk_err_msg());
        } else {
            rk_log_warn("kiosk: no voice (%s)", rk_err_msg());
        }
    }

    rk_jobs_opts jo = {.workers = 2,
                       .worker_open = worker_open,
                       .worker_close = worker_close,
                       .job_end = job_end,
                       .job_begin = job_begin,
                       .worker_arg = k,
                       .wake = wake,
                       .wake_arg = k};
    if ((rc = rk_jobs_new(&k->jobs, &jo))) return rc;

    k->idle_ms = (o->idle_s >= 0 ? o->idle_s : k->conf->kiosk_idle_seconds) * 1000;
    k->countdown_ms =
        (o->countdown_s >= 0 ? o->countdown_s : k->conf->kiosk_countdown_seconds) * 1000;
    snprintf(k->import_dir, sizeof k->import_dir, "%s",
             o->import_dir ? o->import_dir : k->conf->kiosk_import_dir);
    read_sync(k);
    k->next_poll = rk_ui_now(k->ui) + POLL_MS;
    kiosk_wipe(k, KIOSK_RESET_START);
    kiosk_go_root(k, KS_ATTRACT);
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void kiosk_close(kiosk *k)
{
    if (!k) return;
    if (k->ui) kiosk_wipe(k, KIOSK_RESET_CLOSE);
    rk_jobs_free(k->jobs);
    if (k->ui) rk_backend_audio_close(rk_ui_backend(k->ui));
    rk_voice_free(k->voice);
    rk_ime_free(k->ime);
    /* Rime's private folder holds nothing worth keeping (user dictionaries
     * are off): no trace of what was typed stays on disk. */
    if (k->rime_user[0]) nftw(k->rime_user, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    rk_ui_free(k->ui);
    rk_strings_free(k->strings[0]);
    rk_strings_free(k->strings[1]);
    rk_branch_close(k->branch);
    rk_wipe(k, sizeof *k);
    free(k);
}

void kiosk_stop(kiosk *k)
{
    k->stop = 1;
    if (k->ui) rk_ui_wake(k->ui);
}

/* --- screens --- */

static void enter(kiosk *k, kiosk_screen s)
{
    if (k->visit.card_job && s != KS_IDENTITY) { /* the reader is no longer waited for */
        rk_jobs_cancel(k->jobs, k->visit.card_job);
        k->visit.card_job = 0;
    }
    k->screen = s;
    k->entering = 1;
    k->enter_seq++;
    k->screen_since = rk_ui_now(k->ui);
    k->visit.chrome.confirming = 0;
    rk_ui_clear_focus(k->ui);
    rk_ui_redraw_in(k->ui, 0);
}

void kiosk_go(kiosk *k, kiosk_screen s)
{
    if (s == k->screen) return;
    if (k->n_history == KIOSK_HISTORY) {
        memmove(k->history, k->history + 1, sizeof k->history[0] * (KIOSK_HISTORY - 1));
        k->n_history--;
    }
    k->history[k->n_history++] = k->screen;
    enter(k, s);
}

void kiosk_back(kiosk *k)
{
    if (k->screen == KS_FORM && k->visit.page > 0) { /* the form's previous page */
        k->visit.page--;
        enter(k, KS_FORM);
    } else if (k->n_history > 0) {
        enter(k, k->history[--k->n_history]);
    } else if (k->screen == KS_HOME) {
        /* Back from home ends the visit. */
        kiosk_wipe(k, KIOSK_RESET_OVER);
        enter(k, KS_ATTRACT);
    } else {
        enter(k, KS_HOME);
    }
}

void kiosk_go_root(kiosk *k, kiosk_screen s)
{
    k->n_history = 0;
    enter(k, s);
}

void kiosk_reenter(kiosk *k)
{
    enter(k, k->screen);
}

int kiosk_entering(const kiosk *k)
{
    return k->entering;
}

int kiosk_find_screen(const char *name)
{
    for (int i = 0; i < KS_COUNT; i++)
        if (!strcmp(kiosk_screens[i].name, name)) return i;
    return -1;
}

const char *kiosk_str(kiosk *k, const char *key)
{
    return rk_ui_str(k->ui, key);
}

const char *kiosk_choice_label(kiosk *k, const char *field, const char *value)
{
    char key[96];
    snprintf(key, sizeof key, "choice.%s.%s", field, value);
    const char *s = rk_strings_get(rk_ui_strings(k->ui), key);
    return s ? s : value;
}

void kiosk_say(kiosk *k, const char *prompt)
{
    if (!k->voice || !k->visit.voice) return;
    const rk_strings *s = rk_ui_strings(k->ui);
    const char *text = rk_strings_say(s, prompt);
    if (text) rk_voice_say(k->voice, rk_strings_voice(s), text);
}

/* A dialog is open over the screen: its content takes no input. */
static int dialog_open(const kiosk *k)
{
    return k->idle_open || k->visit.clerk_called || k->visit.info;
}

/* The offline banner atop the content: HQ is out of reach, what does not
 * need it goes on; when the branch last synced ("never" until it has). */
static rk_rect offline_banner(kiosk *k, rk_rect content)
{
    char when[64], text[256];
    synced_text(k, when, sizeof when);
    const char *args[1] = {when};
    rk_strings_format(text, sizeof text, kiosk_str(k, "banner.offline"), args, 1);
    int h = rk_backend_line_height(rk_ui_backend(k->ui), rk_ui_font(k->ui, RK_UI_TEXT_SMALL)) +
            rk_ui_px(k->ui, 8);
    rk_rect bar = rk_rect_cut_top(&content, h);
    rk_rect_cut_top(&content, rk_ui_px(k->ui, 8));
    rk_ui_mark(k->ui, "banner.offline", bar);
    rk_widget_status(k->ui, "banner.offline", bar, RK_STATUS_WARNING, text, RK_UI_TEXT_SMALL);
    return content;
}

/* Online: one quiet line atop the content, right-aligned, when the branch
 * last synced with HQ (the offline banner's place, without its warning). */
static rk_rect synced_banner(kiosk *k, rk_rect content)
{
    char when[64], text[256];
    if (k->last_synced <= 0) return content; /* online comes from a pass that reached HQ */
    synced_text(k, when, sizeof when);
    const char *args[1] = {when};
    rk_strings_format(text, sizeof text, kiosk_str(k, "banner.online"), args, 1);
    int h = rk_backend_line_height(rk_ui_backend(k->ui), rk_ui_font(k->ui, RK_UI_TEXT_SMALL));
    rk_rect bar = rk_rect_cut_top(&content, h);
    rk_rect_cut_top(&content, rk_ui_px(k->ui, 4));
    rk_ui_mark(k->ui, "banner.synced", bar);
    rk_widget_muted(k->ui, "banner.synced", bar, text, RK_UI_TEXT_SMALL, RK_ALIGN_RIGHT);
    return content;
}

rk_rect kiosk_chrome(kiosk *k, const rk_chrome *c)
{
    rk_rect content;
    rk_chrome cc = *c;
    cc.dirty = c->dirty || k->visit.dirty;
    if (dialog_open(k)) rk_ui_set_input(k->ui, 0);
    int a = rk_chrome_begin(k->ui, &k->visit.chrome, &cc, &content);
    if (dialog_open(k)) rk_ui_set_input(k->ui, 0);
    switch (a) {
    case RK_CHROME_BACK:
        kiosk_back(k);
        rk_ui_set_input(k->ui, 0);
        break;
    case RK_CHROME_START_OVER:
        kiosk_wipe(k, KIOSK_RESET_OVER);
        kiosk_go_root(k, KS_HOME);
        rk_ui_set_input(k->ui, 0); /* nothing else of this frame acts */
        break;
    case RK_CHROME_CALL_CLERK:
        k->visit.clerk_called = 1;
        rk_ui_set_input(k->ui, 0); /* the rest of this frame is behind the dialog */
        rk_log_info("kiosk: a subscriber called a clerk (screen %s)",
                    kiosk_screens[k->screen].name);
        kiosk_say(k, "prompt.clerk");
        break;
    default: break;
    }
    content = k->online ? synced_banner(k, content) : offline_banner(k, content);
    return content;
}

void kiosk_chrome_end(kiosk *k)
{
    if (rk_chrome_end(k->ui, &k->visit.chrome) == RK_CHROME_START_OVER) {
        kiosk_wipe(k, KIOSK_RESET_OVER);
        kiosk_go_root(k, KS_HOME);
    }
}

void kiosk_info(kiosk *k, const char *title_key, const char *text_key)
{
    k->visit.info = 1;
    k->visit.info_title = title_key;
    k->visit.info_text = text_key;
    rk_ui_set_input(k->ui, 0); /* the rest of this frame is behind the dialog */
    rk_ui_redraw_in(k->ui, 0);
}

/* The dialogs the kiosk draws over any screen, last. */
static void dialogs(kiosk *k)
{
    if (k->idle_open) {
        int r = rk_dialog_countdown(k->ui, "dialog.idle", kiosk_str(k, "idle.title"),
                                    kiosk_str(k, "idle.message"), k->idle_deadline,
                                    kiosk_str(k, "idle.more"));
        if (r == RK_DIALOG_YES) {
            k->idle_open = 0;
            k->last_input = rk_ui_now(k->ui);
        } else if (r == RK_DIALOG_TIMEOUT) {
            k->idle_open = 0;
            k->wipes++;
            kiosk_wipe(k, KIOSK_RESET_IDLE);
            kiosk_go_root(k, KS_ATTRACT);
        }
        return;
    }
    if (k->visit.clerk_called &&
        rk_dialog_confirm(k->ui, "dialog.clerk", kiosk_str(k, "dialog.call_title"),
                          kiosk_str(k, "dialog.call_message"), kiosk_str(k, "dialog.ok"), NULL,
                          0) != RK_DIALOG_OPEN)
        k->visit.clerk_called = 0;
    else if (k->visit.info &&
             rk_dialog_confirm(k->ui, "dialog.info", kiosk_str(k, k->visit.info_title),
                               kiosk_str(k, k->visit.info_text), kiosk_str(k, "dialog.ok"), NULL,
                               0) != RK_DIALOG_OPEN)
        k->visit.info = 0;
}

static uint64_t clock_us(clockid_t which)
{
    struct timespec ts;
    clock_gettime(which, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void frame(kiosk *k)
{
    uint64_t t0 = k->stats ? clock_us(CLOCK_MONOTONIC) : 0;
    uint64_t c0 = k->stats ? clock_us(CLOCK_THREAD_CPUTIME_ID) : 0;
    kiosk_screen s = k->screen;
    rk_ui_begin(k->ui, kiosk_screens[s].name);
    if (dialog_open(k)) rk_ui_set_input(k->ui, 0);
    unsigned long seq = k->enter_seq;
    kiosk_screens[s].draw(k);
    if (k->enter_seq == seq) k->entering = 0; /* not entered again meanwhile */
    rk_ui_set_input(k->ui, 1);
    dialogs(k);
    if (k->fit_check) rk_widget_check_targets(k->ui);
    rk_ui_end(k->ui);
    if (k->stats) {
        unsigned us = (unsigned)(clock_us(CLOCK_MONOTONIC) - t0);
        k->cpu_us[k->n_frames % KIOSK_FRAMES] = (unsigned)(clock_us(CLOCK_THREAD_CPUTIME_ID) - c0);
        k->frame_us[k->n_frames++ % KIOSK_FRAMES] = us;
        if (rk_jobs_outstanding(k->jobs) > 0) {
            k->busy_frames++;
            if (us > k->busy_max_us) k->busy_max_us = us;
        }
    }
    if (!k->home_shown && (s == KS_HOME || s == KS_ATTRACT)) {
        /* The update health check waits for this marker (util/service.h). */
        if (rk_service_home_shown() == 0) k->home_shown = 1;
    }
}

/* --- jobs --- */

int kiosk_submit(kiosk *k, uint64_t *id, const char *name, rk_job_fn fn, void *arg, kiosk_job_cb cb,
                 void *cb_arg)
{
    int slot = -1;
    for (int i = 0; i < KIOSK_WATCHERS && slot < 0; i++)
        if (!k->watch[i].id) slot = i;
    if (slot < 0) return rk_err_set(RK_EBUSY, "kiosk: too many operations at once");
    uint64_t jid = 0;
    int rc = rk_jobs_submit(k->jobs, &jid, name, fn, arg);
    if (rc) return rc;
    k->watch[slot].id = jid;
    k->watch[slot].cb = cb;
    k->watch[slot].arg = cb_arg;
    if (id) *id = jid;
    return 0;
}

static void drain_jobs(kiosk *k)
{
    rk_job_event ev;
    while (rk_jobs_next(k->jobs, &ev)) {
        for (int i = 0; i < KIOSK_WATCHERS; i++) {
            if (k->watch[i].id != ev.id) continue;
            kiosk_job_cb cb = k->watch[i].cb;
            void *arg = k->watch[i].arg;
            if (ev.kind == RK_JOB_EV_DONE) k->watch[i].id = 0;
            if (cb) cb(k, &ev, arg);
            break;
        }
        rk_ui_redraw_in(k->ui, 0);
    }
}

/* --- the wipe --- */

void kiosk_wipe(kiosk *k, kiosk_reset why)
{
    if (why != KIOSK_RESET_CLOSE) flow_store_rating(k);
    /* Between visits the UI thread's branch takes up a bundle rasync
     * installed (the jobs' workers do before each job), before the
     * modules reset (self reads the knowledge base again then). */
    if (why != KIOSK_RESET_CLOSE && k->branch && rk_branch_config_refresh(k->branch) < 0)
        rk_err_clear();
    kiosk_modules_reset(k, why);
    k->visit_gen++;
    if (k->visit.card_job) rk_jobs_cancel(k->jobs, k->visit.card_job);
    if (k->visit.qr) rk_backend_image_free(rk_ui_backend(k->ui), k->visit.qr);
    rk_wipe(&k->visit, sizeof k->visit);
    k->visit.voice = k->conf ? k->conf->voice : 0;
    if (k->voice) rk_voice_stop(k->voice);
    rk_keyboard_reset(&k->kb);
    if (k->ime) rk_ime_clear(k->ime);
    rk_ui_wipe(k->ui);
    k->idle_open = 0;
    if (why == KIOSK_RESET_IDLE) rk_log_info("kiosk: idle: the visit's data was wiped");
}

/* --- the loop --- */

/* Whether this frame's input was the user's (not a wake-up). */
static int user_input(const rk_input *in)
{
    if (in->pressed || in->released || in->wheel || in->text_len || (in->moved && in->down))
        return 1;
    for (int i = 1; i < RK_KEY_COUNT; i++)
        if (in->keys[i]) return 1;
    return 0;
}

/* Timers: the change poll, the idle countdown. Returns ms until the next. */
static int timers(kiosk *k)
{
    uint64_t now = rk_ui_now(k->ui);
    if (now >= k->next_poll) {
        int changed = rk_db_changed(k->db);
        if (changed > 0) {
            k->db_gen++;
            read_sync(k);
            rk_ui_redraw_in(k->ui, 0);
        }
        k->next_poll = now + POLL_MS;
    }
    int wait = (int)(k->next_poll - now);
    if (!(kiosk_screens[k->screen].flags & KF_ATTRACT) && !k->idle_open && k->idle_ms > 0) {
        uint64_t due = k->last_input + (uint64_t)k->idle_ms;
        if (now >= due || k->idle_now) {
            k->idle_now = 0;
            k->idle_open = 1;
            k->idle_deadline = now + (uint64_t)k->countdown_ms;
            kiosk_say(k, "prompt.idle");
            rk_ui_redraw_in(k->ui, 0);
        } else if (due - now < (uint64_t)wait) {
            wait = (int)(due - now);
        }
    }
    return wait;
}

int kiosk_run(kiosk *k, rk_player *player, int first_frame)
{
    long long wd = rk_service_watchdog_usec();
    int wd_ms = wd ? (int)(wd / 4000) : 0, frames = 0, rc = 0;
    k->last_input = rk_ui_now(k->ui);
    rk_service_ready(k->conf->branch_id);
    while (!k->stop) {
        int timeout = timers(k);
        if (wd_ms && timeout > wd_ms) timeout = wd_ms;
        if (player) timeout = 0;
        int draw = rk_ui_wait(k->ui, timeout);
        rk_service_alive();
        /* A window's close button or a key combination asking to quit is
         * not a way out of the kiosk: only a signal (systemd) ends it. */
        const rk_input *in = rk_ui_input(k->ui);
        drain_jobs(k);
        if (user_input(in)) k->last_input = rk_ui_now(k->ui);
        if (draw) {
            frame(k);
            if (frames++ == 0 && first_frame) {
                printf("first-frame\n");
                fflush(stdout);
            }
            continue;
        }
        if (player) {
            int st = rk_player_step(player);
            if (st == RK_PLAYER_DONE) break;
            if (st == RK_PLAYER_FAILED) {
                fprintf(stderr, "rakiosk: %s\n", rk_player_error(player));
                rc = 1;
                break;
            }
        }
    }
    return rc ? rc : k->exit_code;
}

static int cmp_unsigned(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

void kiosk_print_stats(const kiosk *k)
{
    static unsigned sorted[KIOSK_FRAMES];
    int n = k->n_frames < KIOSK_FRAMES ? (int)k->n_frames : KIOSK_FRAMES;
    memcpy(sorted, k->frame_us, sizeof sorted[0] * (size_t)n);
    qsort(sorted, (size_t)n, sizeof sorted[0], cmp_unsigned);
    printf("stats: frames %lu\n", k->n_frames);
    if (n > 0)
        printf("stats: frame-us p50 %u p99 %u max %u\n", sorted[n / 2], sorted[(n - 1) * 99 / 100],
               sorted[n - 1]);
    memcpy(sorted, k->cpu_us, sizeof sorted[0] * (size_t)n);
    qsort(sorted, (size_t)n, sizeof sorted[0], cmp_unsigned);
    if (n > 0)
        printf("stats: frame-cpu-us p50 %u p99 %u max %u\n", sorted[n / 2],
               sorted[(n - 1) * 99 / 100], sorted[n - 1]);
    printf("stats: busy-frames %lu busy-max-us %u\n", k->busy_frames, k->busy_max_us);
    FILE *st = fopen("/proc/self/status", "r");
    char line[256];
    while (st && fgets(line, sizeof line, st))
        if (!strncmp(line, "VmHWM:", 6)) printf("stats: peak-rss %s", line + 6);
    if (st) fclose(st);
}

/* "expect-NAME VALUE" of the event player: fails unless the state holds. */
static int expect(kiosk *k, const char *what, const char *value)
{
    char got[64];
    if (!strcmp(what, "screen"))
        snprintf(got, sizeof got, "%s", kiosk_screens[k->screen].name);
    else if (!strcmp(what, "field")) {
        /* field NAME=VALUE: the form's field NAME holds VALUE */
        const char *eq = strchr(value, '=');
        size_t n = eq ? (size_t)(eq - value) : strlen(value);
        snprintf(got, sizeof got, "%.*s=(unset)", (int)n, value);
        for (int i = 0; i < k->visit.form.n_fields; i++)
            if (strlen(k->visit.form.fields[i].def->name) == n &&
                !strncmp(k->visit.form.fields[i].def->name, value, n))
                snprintf(got, sizeof got, "%.*s=%s", (int)n, value, k->visit.values[i]);
    } else if (!strcmp(what, "doc")) {
        /* doc NAME=missing|scanned|imported|paper: the documents checklist */
        const char *eq = strchr(value, '=');
        size_t n = eq ? (size_t)(eq - value) : strlen(value);
        snprintf(got, sizeof got, "%.*s=(not asked)", (int)n, value);
        for (int i = 0; i < k->visit.form.n_docs; i++)
            if (strlen(k->visit.form.docs[i]->name) == n &&
                !strncmp(k->visit.form.docs[i]->name, value, n)) {
                int st = k->visit.doc_state[i];
                snprintf(got, sizeof got, "%.*s=%s", (int)n, value,
                         st == 2   ? "paper"
                         : st == 1 ? (k->visit.doc_path[i][0] ? "imported" : "scanned")
                                   : "missing");
            }
    } else if (!strcmp(what, "doc-note"))
        snprintf(got, sizeof got, "%s", k->visit.doc_note ? k->visit.doc_note : "none");
    else if (!strcmp(what, "online"))
        snprintf(got, sizeof got, "%s", k->online ? "yes" : "no");
    else if (!strcmp(what, "fee-total"))
        /* fee-total FEN: the fees screen's quote */
        snprintf(got, sizeof got, "%lld", (long long)k->visit.quote.total_fen);
    else if (!strcmp(what, "exit"))
        snprintf(got, sizeof got, "%d", k->exit_code);
    else if (!strcmp(what, "ratings-stored"))
        snprintf(got, sizeof got, "%lu", k->ratings_stored);
    else if (!strcmp(what, "token-contexts")) {
        /* token-contexts N: the USB key module is loaded N times in this
         * process (one is the rule: token.h) */
        char module[4096];
        if (rk_branch_token_module(k->branch, NULL, module, sizeof module) != 0) return RK_ECONF;
        snprintf(got, sizeof got, "%d", rk_token_ctx_live(module));
    } else if (!strcmp(what, "order"))
        snprintf(got, sizeof got, "%s", k->visit.ref[0] ? "taken" : "none");
    else if (!strcmp(what, "printed"))
        snprintf(got, sizeof got, "%s", k->visit.printed ? "yes" : "no");
    else if (!strcmp(what, "qr"))
        snprintf(got, sizeof got, "%s", k->visit.qr ? "shown" : "none");
    else if (!strcmp(what, "business"))
        snprintf(got, sizeof got, "%s", k->visit.business[0] ? k->visit.business : "none");
    else if (!strcmp(what, "wipes"))
        snprintf(got, sizeof got, "%lu", k->wipes);
    else if (!strcmp(what, "voice"))
        snprintf(got, sizeof got, "%s", k->visit.voice ? "on" : "off");
    else if (!strcmp(what, "lang"))
        snprintf(got, sizeof got, "%s", rk_ui_lang(k->ui) ? "en" : "zh-CN");
    else if (!strcmp(what, "large"))
        snprintf(got, sizeof got, "%s", rk_ui_large(k->ui) ? "on" : "off");
    else if (!strcmp(what, "contrast"))
        snprintf(got, sizeof got, "%s", rk_ui_contrast(k->ui) ? "on" : "off");
    else
        return rk_err_set(RK_EINVAL, "rakiosk: nothing called '%s' to expect", what);
    if (strcmp(got, value))
        return rk_err_set(RK_EINVAL, "rakiosk: expected %s %s, it is %s", what, value, got);
    return 0;
}

int kiosk_app_command(void *arg, const char *words)
{
    kiosk *k = arg;
    char cmd[32] = "", value[64] = "";
    if (sscanf(words, "%31s %63s", cmd, value) < 1)
        return rk_err_set(RK_EINVAL, "rakiosk: an empty app command");
    if (!strcmp(cmd, "idle")) {
        k->idle_now = 1;
        return 0;
    }
    if (!strcmp(cmd, "network") && (!strcmp(value, "up") || !strcmp(value, "down"))) {
        /* The demo's and the tests' network switch: what the last sync
         * pass would have found. */
        k->online = !strcmp(value, "up");
        k->network_forced = 1;
        rk_ui_redraw_in(k->ui, 0);
        return 0;
    }
    if (!strcmp(cmd, "show")) {
        int s = kiosk_find_screen(value);
        if (s < 0) return rk_err_set(RK_EINVAL, "rakiosk: no screen '%s'", value);
        kiosk_go(k, (kiosk_screen)s);
        rk_ui_redraw_in(k->ui, 0);
        return 0;
    }
    if (!strcmp(cmd, "settle")) {
        for (int i = 0; i < 2000 && rk_jobs_outstanding(k->jobs) > 0; i++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
            drain_jobs(k);
        }
        if (rk_jobs_outstanding(k->jobs) > 0)
            return rk_err_set(RK_EINVAL, "rakiosk: settle: jobs still running after 20 s");
        return 0;
    }
    if (!strcmp(cmd, "frames")) {
        /* Draws the current screen N times at once (bench_kiosk). */
        int n = atoi(value);
        for (int i = 0; i < n && i < 100000; i++)
            frame(k);
        return 0;
    }
    if (!strcmp(cmd, "window-close")) {
        /* What a window manager's close button or Alt-F4 send: SDL's quit. */
        return rk_backend_inject_quit(rk_ui_backend(k->ui));
    }
    if (!strcmp(cmd, "note")) {
        printf("note: %s\n", words + 4 + strspn(words + 4, " "));
        fflush(stdout);
        return 0;
    }
    if (!strcmp(cmd, "await")) {
        /* await PATH: really waits (up to 120 s) until PATH exists: a
         * test's hand-off to work done beside the running kiosk (rasync's
         * pass). */
        const char *path = words + 5 + strspn(words + 5, " ");
        for (int i = 0; i < 1200 && access(path, F_OK) != 0; i++) {
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
            rk_service_alive();
        }
        if (access(path, F_OK) != 0)
            return rk_err_set(RK_EINVAL, "rakiosk: await: no %s after 120 s", path);
        return 0;
    }
    if (!strcmp(cmd, "db-changed")) {
        k->db_gen++;
        read_sync(k);
        rk_ui_redraw_in(k->ui, 0);
        return 0;
    }
    for (int i = 0; i < k->n_apps; i++)
        if (!strncmp(words, k->apps[i].prefix, strlen(k->apps[i].prefix)))
            return k->apps[i].fn(k, words);
    if (!strncmp(cmd, "expect-", 7)) return expect(k, cmd + 7, value);
    return rk_err_set(RK_EINVAL, "rakiosk: unknown app command '%s'", words);
}

int kiosk_app_register(kiosk *k, const char *prefix, kiosk_app_fn fn)
{
    for (int i = 0; i < k->n_apps; i++)
        if (!strcmp(k->apps[i].prefix, prefix)) {
            k->apps[i].fn = fn;
            return 0;
        }
    if (k->n_apps == KIOSK_APPS) return rk_err_set(RK_ETOOBIG, "kiosk: too many app commands");
    k->apps[k->n_apps].prefix = prefix;
    k->apps[k->n_apps++].fn = fn;
    return 0;
}
