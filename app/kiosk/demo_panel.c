/*
 * The demo panel (module `demo`, demo mode only: [kiosk] demo = 1): the
 * switches of the device doubles, so a demonstration shows what the
 * counter does when the world changes. The ID card is placed on or taken
 * off the simulated reader (lines to tests/idsim_main's control FIFO,
 * [kiosk] demo_idsim), the demo USB keys are pulled out or inserted again
 * (p11lock's plug state, branch/keys.h, on the job runner: "pull" pulls
 * every key present, "insert" plugs every key p11lock lists as pulled), the
 * virtual printer runs out of paper and gets it back (its faults file in
 * [kiosk] demo_printer), and the network goes down or up (the offline
 * banner, as `app network` does).
 *
 * With demo off the panel does not exist for the subscriber: no entry on
 * the attract screen, and the screen itself sends anyone who gets there
 * back to the attract screen (tests/kiosk/demo.sh checks both).
 */
#include "kiosk.h"

#include "branch/keys.h"
#include "ui/widgets.h"
#include "util/err.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DEMO_KEYS 8

static struct {
    int busy;            /* a key job runs */
    const char *note;    /* the last action's words (strings key), NULL none */
    int note_error;      /* ... it failed */
    int card, paper_out; /* what the panel last set */
} P;

int kiosk_demo_on(const kiosk *k)
{
    return k->conf && k->conf->kiosk_demo;
}

void mod_demo_reset(kiosk *k, kiosk_reset why)
{
    (void)k;
    /* The switches are the doubles' state, not the visit's: kept. */
    if (why == KIOSK_RESET_START) memset(&P, 0, sizeof P);
}

static void say(const char *key, int error)
{
    P.note = key;
    P.note_error = error;
}

/* Writes text to the simulator's control FIFO without waiting for it. */
static int idsim(kiosk *k, const char *text)
{
    int fd = open(k->conf->kiosk_demo_idsim, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        rk_log_warn("demo: the ID card simulator's %s: %s", k->conf->kiosk_demo_idsim,
                    strerror(errno));
        return -1;
    }
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The virtual printer's faults file: "paper-out" or "ok". */
static int printer(kiosk *k, const char *word)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/faults", k->conf->kiosk_demo_printer);
    FILE *f = fopen(path, "w");
    if (!f) {
        rk_log_warn("demo: the virtual printer's %s: %s", path, strerror(errno));
        return -1;
    }
    int ok = fprintf(f, "%s\n", word) > 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* --- the keys, on the job runner (the token context is the worker's) --- */

typedef struct keys_job {
    int pull; /* 1 pull the keys present, 0 insert those pulled */
    char serials[DEMO_KEYS][RK_TOKEN_SERIAL_MAX];
    int n;
} keys_job;

static int keys_run(rk_job *job, void *arg)
{
    keys_job *j = arg;
    rk_branch *b = rk_job_worker(job);
    int rc = 0;
    if (j->pull) {
        rk_token_ctx *ctx;
        rk_token_info *keys = NULL;
        int n = 0;
        if ((rc = rk_branch_tokens(b, NULL, &ctx)) || (rc = rk_token_list(&keys, &n, ctx)))
            return rc;
        j->n = 0;
        for (int i = 0; i < n && j->n < DEMO_KEYS; i++)
            snprintf(j->serials[j->n++], sizeof j->serials[0], "%s",
                     keys[i].serial[0] ? keys[i].serial : "blank");
        free(keys);
    } else if ((rc = rk_branch_demo_keys_pulled(b, j->serials, DEMO_KEYS, &j->n)) != 0) {
        return rc;
    }
    for (int i = 0; i < j->n && !rc; i++)
        rc = rk_branch_demo_key_plug(b, j->serials[i], j->pull);
    return rc;
}

static void keys_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    keys_job *j = arg;
    if (ev->kind != RK_JOB_EV_DONE) return;
    P.busy = 0;
    if (ev->rc) {
        rk_log_warn("demo: keys: %s", ev->message);
        say("demo.key_failed", 1);
    } else if (j->pull) {
        say(j->n ? "demo.key_pulled" : "demo.key_none", j->n == 0);
        rk_log_info("demo: %d key(s) pulled", j->n);
    } else {
        say(j->n ? "demo.key_inserted" : "demo.key_none_pulled", j->n == 0);
        rk_log_info("demo: %d key(s) inserted", j->n);
    }
    rk_ui_redraw_in(k->ui, 0);
    free(j);
}

static void keys_start(kiosk *k, int pull)
{
    keys_job *j = calloc(1, sizeof *j);
    if (!j) return;
    j->pull = pull;
    if (kiosk_submit(k, NULL, "demo-keys", keys_run, j, keys_done, j) != 0) {
        rk_err_clear();
        free(j);
        say("demo.key_failed", 1);
        return;
    }
    P.busy = 1;
}

/* One switch: its name and two buttons; returns 1 or 2 for the one pressed. */
static int row(kiosk *k, rk_rect r, const char *id, const char *title, const char *on,
               const char *off, int busy)
{
    rk_ui *ui = k->ui;
    int gap = rk_ui_px(ui, RK_UI_GAP);
    char bid[48];
    rk_widget_panel(ui, r);
    rk_rect in = rk_rect_inset(r, rk_ui_px(ui, 16));
    rk_button b1 = {.label = kiosk_str(k, on), .kind = RK_BTN_SECONDARY, .disabled = busy};
    rk_button b2 = {.label = kiosk_str(k, off), .kind = RK_BTN_SECONDARY, .disabled = busy};
    int w1 = rk_widget_button_width(ui, &b1), w2 = rk_widget_button_width(ui, &b2);
    int bh = rk_widget_button_height(ui, &b1), y = in.y + (in.h - bh) / 2;
    int pressed = 0;
    snprintf(bid, sizeof bid, "demo.%s.off", id);
    if (rk_widget_button_ex(ui, bid, rk_rect_make(in.x + in.w - w2, y, w2, bh), &b2)) pressed = 2;
    snprintf(bid, sizeof bid, "demo.%s.on", id);
    if (rk_widget_button_ex(ui, bid, rk_rect_make(in.x + in.w - w2 - gap - w1, y, w1, bh), &b1))
        pressed = 1;
    snprintf(bid, sizeof bid, "demo.%s", id);
    rk_widget_label(ui, bid, rk_rect_make(in.x, in.y, in.w - w1 - w2 - 2 * gap, in.h),
                    kiosk_str(k, title), RK_UI_TEXT_BODY, RK_UI_WRAP);
    return pressed;
}

void scr_demo(kiosk *k)
{
    rk_ui *ui = k->ui;
    if (!kiosk_demo_on(k)) {
        /* Not a demo branch: there is no panel. */
        kiosk_go_root(k, KS_ATTRACT);
        return;
    }
    if (kiosk_entering(k)) P.note = NULL;
    const rk_theme *t = rk_ui_theme(ui);
    rk_rect scr = rk_ui_screen(ui);
    rk_backend_fill(rk_ui_backend(ui), scr, t->bg);
    rk_rect c = rk_rect_inset(scr, rk_ui_px(ui, RK_UI_MARGIN));
    int gap = rk_ui_px(ui, RK_UI_GAP);
    rk_widget_heading(ui, "demo.title", rk_rect_cut_top(&c, rk_ui_px(ui, 100)),
                      kiosk_str(k, "demo.title"));
    rk_rect_cut_top(&c, gap);
    rk_button back = {
        .label = kiosk_str(k, "demo.back"), .kind = RK_BTN_PRIMARY, .icon = RK_ICON_BACK};
    int bw = rk_widget_button_width(ui, &back), bh = rk_widget_button_height(ui, &back);
    rk_rect bar = rk_rect_cut_bottom(&c, bh);
    rk_rect_cut_bottom(&c, gap);
    if (rk_widget_button_ex(ui, "demo.back", rk_rect_make(bar.x, bar.y, bw, bh), &back)) {
        kiosk_back(k);
        return;
    }
    if (P.note)
        rk_widget_status(ui, "demo.note",
                         rk_rect_make(bar.x + bw + gap, bar.y, bar.w - bw - gap, bh),
                         P.note_error ? RK_STATUS_WARNING : RK_STATUS_SUCCESS, kiosk_str(k, P.note),
                         RK_UI_TEXT_BODY);
    int rh = (c.h - 3 * gap) / 4;
    if (rh > rk_ui_px(ui, 150)) rh = rk_ui_px(ui, 150);
    rk_rect r = rk_rect_cut_top(&c, rh);
    rk_rect_cut_top(&c, gap);
    int p = row(k, r, "card", "demo.card", "demo.card_place", "demo.card_remove", 0);
    if (p) {
        int rc = idsim(k, p == 1 ? "card demo\nplace\n" : "remove\n");
        if (!rc) P.card = p == 1;
        say(rc ? "demo.card_failed" : p == 1 ? "demo.card_placed" : "demo.card_removed", rc != 0);
    }
    r = rk_rect_cut_top(&c, rh);
    rk_rect_cut_top(&c, gap);
    p = row(k, r, "key", "demo.key", "demo.key_insert", "demo.key_pull", P.busy);
    if (p) keys_start(k, p == 2);
    r = rk_rect_cut_top(&c, rh);
    rk_rect_cut_top(&c, gap);
    p = row(k, r, "paper", "demo.paper", "demo.paper_in", "demo.paper_out", 0);
    if (p) {
        int rc = printer(k, p == 1 ? "ok" : "paper-out");
        if (!rc) P.paper_out = p == 2;
        say(rc ? "demo.paper_failed" : p == 1 ? "demo.paper_back" : "demo.paper_gone", rc != 0);
    }
    r = rk_rect_cut_top(&c, rh);
    p = row(k, r, "network", "demo.network", "demo.network_up", "demo.network_down", 0);
    if (p) {
        k->online = p == 1;
        k->network_forced = 1;
        say(p == 1 ? "demo.network_is_up" : "demo.network_is_down", 0);
    }
}
