/*
 * The key self-check screen ("selfcheck"): the subscriber inserts the USB
 * key and reads, in plain words, what is wrong with it and what to do
 * (branch/selfcheck.h: keyops' diagnosis as findings with strings keys),
 * the error code in small type for the clerk. The key is read on the job
 * runner; while no key is inserted the screen looks again every two
 * seconds, so inserting it is enough. From here a subscriber whose key is
 * usable goes on to change its PIN ("pin").
 */
#include "self.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define LOOK_AGAIN_MS 2000

static int check_on(rk_branch *b, void *arg)
{
    self_check *c = arg;
    return rk_selfcheck_key(b, NULL, &c->job_res);
}

static int check_job(rk_job *job, void *arg)
{
    /* The worker's branch shares the kiosk's key contexts (kiosk.c). */
    return check_on(rk_job_worker(job), arg);
}

static void check_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    self_state *s = self_get();
    self_check *c = arg;
    if (ev->kind != RK_JOB_EV_DONE) return;
    c->busy = 0;
    if (c->gen != s->gen) { /* the visit ended meanwhile */
        memset(c, 0, sizeof *c);
        return;
    }
    c->done = 1;
    c->rc = ev->rc;
    c->res = c->job_res;
    if (!ev->rc && !c->res.present) {
        c->next = rk_ui_now(k->ui) + LOOK_AGAIN_MS;
        rk_ui_redraw_in(k->ui, LOOK_AGAIN_MS);
    }
}

static void start(kiosk *k, self_state *s)
{
    uint64_t id;
    if (s->check.busy) return;
    s->check.busy = 1;
    s->check.gen = s->gen;
    if (kiosk_submit(k, &id, "selfcheck", check_job, &s->check, check_done, &s->check) != 0) {
        s->check.busy = 0;
        s->check.done = 1;
        s->check.rc = -1;
    }
}

/* One finding: its status line, the fix under it, the code in small type. */
static void draw_finding(kiosk *k, rk_rect r, int i, const rk_selfcheck_finding *f)
{
    rk_ui *ui = k->ui;
    char what[512], fix[1024], code[96], id[32];
    int gap = rk_ui_px(ui, RK_UI_GAP);
    self_format(k, what, sizeof what, f->what, f->arg1, f->arg2);
    self_format(k, fix, sizeof fix, f->fix, f->arg1, f->arg2);
    rk_widget_panel(ui, r);
    r = rk_rect_inset(r, gap);
    int lh = rk_ui_font(ui, RK_UI_TEXT_BODY) * 3 / 2;
    int what_lines = rk_ui_text_lines(ui, what, 0, r.w - rk_ui_font(ui, RK_UI_TEXT_BODY) * 2);
    snprintf(id, sizeof id, "check.what.%d", i);
    rk_widget_status(ui, id, rk_rect_cut_top(&r, lh * (what_lines > 1 ? 2 : 1)),
                     self_status_kind(f->severity), what, 0);
    if (f->code && f->code[0]) {
        self_format(k, code, sizeof code, "selfcheck.code", f->code, NULL);
        snprintf(id, sizeof id, "check.code.%d", i);
        int ch = rk_ui_font(ui, RK_UI_TEXT_SMALL) * 3 / 2;
        rk_widget_muted(ui, id, rk_rect_cut_bottom(&r, ch), code, RK_UI_TEXT_SMALL, RK_ALIGN_LEFT);
    }
    snprintf(id, sizeof id, "check.fix.%d", i);
    rk_widget_label(ui, id, r, fix, 0, RK_ALIGN_LEFT | RK_UI_WRAP | RK_UI_TOP);
}

void scr_selfcheck(kiosk *k)
{
    self_state *s = self_get();
    self_check *c = &s->check;
    rk_ui *ui = k->ui;
    if (kiosk_entering(k)) {
        c->done = 0;
        start(k, s);
        kiosk_say(k, "prompt.insert_key");
    } else if (c->done && !c->busy && !c->rc && !c->res.present && rk_ui_now(ui) >= c->next) {
        start(k, s); /* no key yet: look again */
    }
    rk_chrome ch = {.title = kiosk_str(k, "check.title"), .back = 1, .start_over = 1};
    rk_rect content = kiosk_chrome(k, &ch);
    int gap = rk_ui_px(ui, RK_UI_GAP);

    /* The actions along the bottom. */
    rk_button again = {.label = kiosk_str(k, "check.again"), .kind = RK_BTN_SECONDARY};
    rk_button pin = {.label = kiosk_str(k, "check.change_pin"), .kind = RK_BTN_PRIMARY};
    int bh = rk_widget_button_height(ui, &pin);
    rk_rect bar = rk_rect_cut_bottom(&content, bh);
    rk_rect_cut_bottom(&content, gap);
    int can_pin = c->done && !c->rc && c->res.present && c->res.pin_state != RK_TOKEN_PIN_LOCKED &&
                  c->res.pin_state != RK_TOKEN_PIN_NOT_SET;
    if (c->done && !c->busy) {
        int w = rk_widget_button_width(ui, &again);
        if (rk_widget_button_ex(ui, "check.again", rk_rect_make(bar.x, bar.y, w, bh), &again)) {
            c->done = 0;
            start(k, s);
        }
    }
    if (can_pin) {
        int w = rk_widget_button_width(ui, &pin);
        if (rk_widget_button_ex(ui, "check.change_pin",
                                rk_rect_make(bar.x + bar.w - w, bar.y, w, bh), &pin)) {
            snprintf(s->pin.serial, sizeof s->pin.serial, "%s", c->res.serial);
            kiosk_go(k, KS_PIN);
        }
    }

    if (!c->done) {
        rk_widget_progress(ui, "check.progress", rk_rect_center(content, content.w, content.h / 2),
                           kiosk_str(k, "check.reading"), -1, 0, 0, 0, NULL);
        rk_ui_redraw_in(ui, 100);
    } else if (c->rc) {
        rk_widget_status(ui, "check.failed", rk_rect_cut_top(&content, content.h / 3),
                         RK_STATUS_ERROR, kiosk_str(k, "check.failed"), 0);
    } else if (c->res.n == 0) {
        char line[256], tries[16], max[16], day[32] = "";
        rk_widget_status(ui, "check.ok", rk_rect_cut_top(&content, content.h / 4),
                         RK_STATUS_SUCCESS, kiosk_str(k, "selfcheck.all_ok"), 0);
        if (c->res.not_after) {
            time_t t = (time_t)c->res.not_after;
            struct tm tm;
            if (localtime_r(&t, &tm)) strftime(day, sizeof day, "%Y-%m-%d", &tm);
            self_format(k, line, sizeof line, "check.valid_until", day, NULL);
            rk_widget_label(ui, "check.valid_until", rk_rect_cut_top(&content, content.h / 3), line,
                            0, RK_ALIGN_LEFT);
        }
        if (c->res.tries_left >= 0 && c->res.max_tries > 0) {
            snprintf(tries, sizeof tries, "%d", c->res.tries_left);
            snprintf(max, sizeof max, "%d", c->res.max_tries);
            self_format(k, line, sizeof line, "check.tries", tries, max);
            rk_widget_label(ui, "check.tries", rk_rect_cut_top(&content, content.h / 2), line, 0,
                            RK_ALIGN_LEFT);
        }
    } else {
        if (!c->res.present)
            rk_widget_label(ui, "check.insert",
                            rk_rect_cut_top(&content, rk_ui_font(ui, RK_UI_TEXT_BODY) * 2),
                            kiosk_str(k, "check.insert"), 0, RK_ALIGN_LEFT);
        int n = c->res.n;
        for (int i = 0; i < n; i++)
            draw_finding(k, rk_rect_row(content, n, i, gap), i, &c->res.findings[i]);
    }
    kiosk_chrome_end(k);
}
