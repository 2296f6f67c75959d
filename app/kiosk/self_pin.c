/*
 * The PIN change screen ("pin"): the current PIN, the new one twice, all
 * shown as dots only. The tries left and any warning are read from the key
 * when the screen opens (and after every try); the new-PIN rules are
 * checked as it is typed (branch/selfcheck.h: rk_selfcheck_pin_rules);
 * on the final try a warning must be confirmed before the old PIN is
 * tried, since one more wrong PIN locks the key. The change itself runs on
 * the job runner. The PINs typed live in this module's buffers until the
 * job has its own copy and are wiped after it, at start over and at the
 * idle wipe; none is logged.
 */
#include "self.h"

#include "ui/dialog.h"
#include "ui/field.h"
#include "util/err.h"
#include "util/wipe.h"

#include <stdio.h>
#include <string.h>

static int pin_on(rk_branch *b, void *arg)
{
    self_pin *p = arg;
    if (p->op == 0) return rk_selfcheck_pin_state(b, p->req.serial, &p->job_st);
    return rk_selfcheck_pin_change(b, &p->req, &p->job_st);
}

static int pin_job(rk_job *job, void *arg)
{
    /* The worker's branch shares the kiosk's key contexts (kiosk.c). */
    return pin_on(rk_job_worker(job), arg);
}

static void wipe_req(self_pin *p)
{
    rk_wipe(p->req_old, sizeof p->req_old);
    rk_wipe(p->req_new, sizeof p->req_new);
    rk_wipe(p->req_again, sizeof p->req_again);
}

static void pin_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    self_state *s = self_get();
    self_pin *p = arg;
    (void)k;
    if (ev->kind != RK_JOB_EV_DONE) return;
    p->busy = 0;
    wipe_req(p);
    if (p->gen != s->gen) {
        rk_wipe(p, sizeof *p);
        return;
    }
    p->st = p->job_st;
    p->have_state = 1;
    if (p->op == 1) {
        p->done = 1;
        p->rc = ev->rc;
        p->confirmed = 0;
        rk_wipe(p->old_pin, sizeof p->old_pin);
        if (ev->rc == 0) {
            rk_wipe(p->new_pin, sizeof p->new_pin);
            rk_wipe(p->again, sizeof p->again);
        }
    }
}

static void start(kiosk *k, self_state *s, int op)
{
    self_pin *p = &s->pin;
    uint64_t id;
    if (p->busy) return;
    p->op = op;
    p->gen = s->gen;
    p->req = (rk_selfcheck_pin_req){.serial = p->serial,
                                    .old_pin = p->req_old,
                                    .new_pin = p->req_new,
                                    .new_pin_again = p->req_again,
                                    .final_try_confirmed = p->confirmed};
    if (op == 1) {
        memcpy(p->req_old, p->old_pin, sizeof p->req_old);
        memcpy(p->req_new, p->new_pin, sizeof p->req_new);
        memcpy(p->req_again, p->again, sizeof p->req_again);
    }
    p->busy = 1;
    if (kiosk_submit(k, &id, "pin", pin_job, p, pin_done, p) != 0) {
        p->busy = 0;
        wipe_req(p);
        p->done = op == 1;
        p->rc = -1;
        p->st.msg = "selfcheck.pin_failed";
    }
}

/* The message of strings key with the state's {1}. */
static const char *msg(kiosk *k, char *out, size_t n, const char *key, const char *arg)
{
    if (!key || !key[0]) return NULL;
    self_format(k, out, n, key, arg, NULL);
    return out;
}

static void outcome(kiosk *k, self_pin *p, rk_rect content)
{
    rk_ui *ui = k->ui;
    char line[512];
    int gap = rk_ui_px(ui, RK_UI_GAP);
    rk_widget_status(ui, "pin.outcome", rk_rect_cut_top(&content, content.h / 3), RK_STATUS_SUCCESS,
                     msg(k, line, sizeof line, p->st.msg, p->st.arg1), 0);
    rk_rect_cut_top(&content, gap);
    rk_button fin = {.label = kiosk_str(k, "pin.finish"), .kind = RK_BTN_PRIMARY};
    int bw = rk_widget_button_width(ui, &fin), bh = rk_widget_button_height(ui, &fin);
    if (rk_widget_button_ex(ui, "pin.finish", rk_rect_make(content.x, content.y, bw, bh), &fin)) {
        rk_wipe(p, sizeof *p);
        kiosk_go_root(k, KS_HOME);
    }
}

void scr_pin(kiosk *k)
{
    self_state *s = self_get();
    self_pin *p = &s->pin;
    rk_ui *ui = k->ui;
    char wline[512], eline[512], rline[512];
    if (kiosk_entering(k)) {
        p->done = p->have_state = p->confirming = p->confirmed = 0;
        start(k, s, 0);
        rk_ui_set_focus(ui, "pin.old");
        self_keyboard(k, RK_KB_DIGITS, RK_KB_BIT(RK_KB_DIGITS) | RK_KB_BIT(RK_KB_LATIN));
        kiosk_say(k, "prompt.enter_pin");
    }
    rk_ui_set_input(ui, !p->confirming);
    int dirty = p->old_pin[0] || p->new_pin[0] || p->again[0];
    rk_chrome ch = {.title = kiosk_str(k, "pin.title"), .back = 1, .start_over = 1, .dirty = dirty};
    rk_rect content = kiosk_chrome(k, &ch);
    int gap = rk_ui_px(ui, RK_UI_GAP);

    if (p->done && p->rc == 0) {
        outcome(k, p, content);
        kiosk_chrome_end(k);
        return;
    }
    int locked = p->have_state && (p->st.pin_state == RK_TOKEN_PIN_LOCKED ||
                                   p->st.pin_state == RK_TOKEN_PIN_NOT_SET);
    int typing = !locked && !p->confirming &&
                 (rk_ui_has_focus(ui, "pin.old") || rk_ui_has_focus(ui, "pin.new") ||
                  rk_ui_has_focus(ui, "pin.again"));
    if (typing) self_keyboard_area(k, &content);

    /* The key's state: tries left, the final-try warning, locked. */
    int sh = rk_ui_font(ui, RK_UI_TEXT_BODY) * 3;
    rk_rect top = rk_rect_cut_top(&content, sh);
    rk_rect_cut_top(&content, gap);
    if (!p->have_state) {
        rk_widget_status(ui, "pin.reading", top, RK_STATUS_INFO, kiosk_str(k, "pin.reading"), 0);
        rk_ui_redraw_in(ui, 100);
    } else if (locked || (p->done && p->rc)) {
        /* locked (now or before), a wrong PIN, the key gone, a refusal */
        const char *key = p->done && p->rc ? p->st.msg : p->st.warn;
        rk_widget_status(ui, "pin.outcome", top, RK_STATUS_ERROR,
                         msg(k, rline, sizeof rline, key, p->st.arg1), 0);
    } else if (p->st.warn[0]) {
        rk_widget_status(ui, "pin.warn", top, RK_STATUS_WARNING,
                         msg(k, wline, sizeof wline, p->st.warn, p->st.arg1), 0);
    } else {
        char tries[16];
        snprintf(tries, sizeof tries, "%d", p->st.tries_left);
        rk_widget_status(ui, "pin.state", top, RK_STATUS_INFO,
                         p->st.tries_left > 0 ? msg(k, wline, sizeof wline, "pin.tries", tries)
                                              : kiosk_str(k, "pin.intro"),
                         0);
    }
    if (locked) {
        kiosk_chrome_end(k);
        return;
    }

    /* The fields: while one is typed into (the keyboard shown), only that
     * one across the width, with room for its error; else all three one
     * under the other. The button under them. */
    rk_button ok = {.label = kiosk_str(k, p->busy ? "pin.changing" : "pin.submit"),
                    .kind = RK_BTN_PRIMARY};
    int bh = rk_widget_button_height(ui, &ok), bw = rk_widget_button_width(ui, &ok);
    rk_rect bar = rk_rect_cut_bottom(&content, bh);
    rk_rect_cut_bottom(&content, gap);
    const char *rule = "";
    rk_selfcheck_pin_rules(p->old_pin[0] ? p->old_pin : "0000", p->new_pin, p->again, &rule);
    const char *new_err = NULL, *again_err = NULL;
    if (p->new_pin[0] && !rk_ui_has_focus(ui, "pin.new") && strcmp(rule, "selfcheck.pin_differ") &&
        strcmp(rule, "selfcheck.pin_old") && rule[0])
        new_err = msg(k, eline, sizeof eline, rule, NULL);
    if (!new_err && !strcmp(rule, "selfcheck.pin_differ") && p->again[0] &&
        strlen(p->again) >= strlen(p->new_pin))
        again_err = kiosk_str(k, "selfcheck.pin_differ");
    struct {
        const char *id, *label;
        char *buf;
        const char *err;
    } f[3] = {{"pin.old", "pin.old", p->old_pin, NULL},
              {"pin.new", "pin.new", p->new_pin, new_err},
              {"pin.again", "pin.again", p->again, again_err}};
    int fh = rk_field_height(ui), only = -1; /* only: the one field shown */
    if (fh * 3 + gap * 2 > content.h) fh = rk_field_height_inline(ui);
    if (typing) {
        for (int i = 0; i < 3; i++)
            if (rk_ui_has_focus(ui, f[i].id)) only = i;
    } else if (fh * 3 + gap * 2 > content.h) { /* large type: the one that needs the subscriber */
        only = new_err ? 1 : again_err ? 2 : !p->old_pin[0] ? 0 : !p->new_pin[0] ? 1 : 2;
        if (!p->again[0] && p->new_pin[0] && p->old_pin[0] && !new_err) only = 2;
    }
    if (only >= 0 && !typing) fh = rk_field_height(ui);
    for (int i = 0; i < 3; i++) {
        if (only >= 0 && i != only) continue;
        rk_field fd = {f[i].buf, RK_TOKEN_PIN_MAX, RK_FIELD_PIN, 16, NULL};
        rk_rect r = rk_rect_cut_top(&content, fh < content.h ? fh : content.h);
        rk_rect_cut_top(&content, gap);
        int res = rk_field_draw(ui, f[i].id, r, kiosk_str(k, f[i].label), &fd, f[i].err);
        if (res & RK_FIELD_FOCUSED)
            self_keyboard(k, RK_KB_DIGITS, RK_KB_BIT(RK_KB_DIGITS) | RK_KB_BIT(RK_KB_LATIN));
        if (res & RK_FIELD_CHANGED) p->done = 0;
        if ((res & RK_FIELD_SUBMIT) && i < 2) rk_ui_set_focus(ui, f[i + 1].id);
        if ((res & RK_FIELD_SUBMIT) && i == 2) rk_ui_clear_focus(ui);
    }
    int opened = 0;
    rk_button okb = ok;
    okb.disabled = p->busy || !p->have_state || !p->old_pin[0] || rule[0];
    if (rk_widget_button_ex(ui, "pin.submit", rk_rect_make(bar.x + bar.w - bw, bar.y, bw, bh),
                            &okb)) {
        rk_ui_clear_focus(ui);
        if (p->st.pin_state == RK_TOKEN_PIN_FINAL_TRY && !p->confirmed) {
            p->confirming = 1; /* from the next frame, without the keyboard */
            rk_ui_redraw_in(ui, 0);
            opened = 1;
        } else
            start(k, s, 1);
    }
    if (p->busy) rk_ui_redraw_in(ui, 100);
    if (p->confirming && !opened) {
        int d = rk_dialog_confirm(ui, "pin.final", kiosk_str(k, "pin.final_title"),
                                  kiosk_str(k, "selfcheck.pin_final_warn"),
                                  kiosk_str(k, "pin.final_yes"), kiosk_str(k, "pin.final_no"), 1);
        if (d == RK_DIALOG_YES) {
            p->confirming = 0;
            p->confirmed = 1;
            start(k, s, 1);
        } else if (d == RK_DIALOG_NO) {
            p->confirming = 0;
        }
    }
    kiosk_chrome_end(k);
}
