/*
 * The desk's login screen: the clerk inserts their own USB key and types
 * its PIN (dots only). The key is looked for every second on the job
 * runner, and the login runs there too, with progress words while it
 * does; a refusal is the core's one answer. Why the last clerk was logged
 * out (the key pulled, the idle time, the session ended elsewhere) is
 * said here.
 */
#include "desk.h"

#include "ui/widgets.h"
#include "util/wipe.h"

#include <stdio.h>
#include <string.h>

void scr_desk_login(kiosk *k)
{
    rk_ui *ui = k->ui;
    desk_state *d = desk_get(k);
    const rk_theme *t = rk_ui_theme(ui);
    if (d->logged_in) {
        kiosk_go_root(k, KS_DESK_QUEUES);
        return;
    }
    if (kiosk_entering(k)) {
        d->pin_field = (rk_field){.buf = d->pin,
                                  .cap = sizeof d->pin,
                                  .kind = RK_FIELD_PIN,
                                  .max_chars = RK_TOKEN_PIN_MAX - 1,
                                  .hint = kiosk_str(k, "desk.pin_hint")};
        rk_ui_set_focus(ui, "desk.pin");
        d->next_key_poll = 0;
    }
    desk_poll_keys(k);

    rk_rect scr = rk_ui_screen(ui);
    rk_backend_fill(rk_ui_backend(ui), scr, t->bg);
    rk_rect c = rk_rect_inset(scr, rk_ui_px(ui, RK_UI_MARGIN));
    int gap = rk_ui_px(ui, RK_UI_GAP);

    /* Back to the attract screen: the counter is the subscribers' again. */
    rk_button back = {.label = kiosk_str(k, "desk.to_attract"), .icon = RK_ICON_BACK};
    int bh = rk_widget_button_height(ui, &back);
    rk_rect top = rk_rect_cut_top(&c, bh);
    if (rk_widget_button_ex(ui, "desk.to_attract",
                            rk_rect_cut_left(&top, rk_widget_button_width(ui, &back)), &back)) {
        rk_wipe(d->pin, sizeof d->pin);
        d->error[0] = '\0';
        d->notice = NULL;
        kiosk_go_root(k, KS_ATTRACT);
        return;
    }

    int w = c.w < rk_ui_px(ui, 1100) ? c.w : rk_ui_px(ui, 1100);
    rk_rect col = rk_rect_make(c.x + (c.w - w) / 2, c.y + gap, w, c.h - gap);
    rk_backend *be = rk_ui_backend(ui);
    int title_h = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_TITLE)) + gap;
    rk_ui_text(ui, "desk.login_title", rk_rect_cut_top(&col, title_h),
               kiosk_str(k, "desk.login_title"), RK_UI_TEXT_TITLE, t->text, RK_ALIGN_LEFT);
    rk_rect_cut_top(&col, gap);

    int line = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_BODY)) * 2;
    if (d->notice && d->notice[0]) {
        rk_rect nr = rk_rect_cut_top(&col, line);
        rk_ui_mark(ui, "desk.notice", nr);
        rk_widget_status(ui, "desk.notice", nr,
                         d->notice_error ? RK_STATUS_WARNING : RK_STATUS_INFO,
                         kiosk_str(k, d->notice), RK_UI_TEXT_BODY);
        rk_rect_cut_top(&col, gap);
    }

    /* The key: inserted or not, said with an icon and in words. */
    char keyline[200];
    rk_status_kind kk = RK_STATUS_INFO;
    if (d->n_keys == 1) {
        snprintf(keyline, sizeof keyline, "%s %s", kiosk_str(k, "desk.key_seen"), d->seen);
        kk = RK_STATUS_SUCCESS;
    } else if (d->n_keys > 1) {
        snprintf(keyline, sizeof keyline, "%s", kiosk_str(k, "desk.several_keys"));
        kk = RK_STATUS_WARNING;
    } else {
        snprintf(keyline, sizeof keyline, "%s", kiosk_str(k, "desk.insert_key"));
    }
    rk_rect kr = rk_rect_cut_top(&col, line);
    rk_ui_mark(ui, d->n_keys == 1 ? "desk.key" : "desk.no_key", kr);
    rk_widget_status(ui, "desk.key", kr, kk, keyline, RK_UI_TEXT_BODY);
    rk_rect_cut_top(&col, gap);

    int fr = rk_field_draw(ui, "desk.pin", rk_rect_cut_top(&col, rk_field_height(ui)),
                           kiosk_str(k, "desk.pin"), &d->pin_field, d->error[0] ? d->error : NULL);
    rk_rect_cut_top(&col, gap);

    rk_button go = {.label = kiosk_str(k, "desk.login"),
                    .kind = RK_BTN_PRIMARY,
                    .icon = RK_ICON_KEY,
                    .disabled = d->busy || d->n_keys != 1 || !d->pin[0]};
    int gh = rk_widget_button_height(ui, &go);
    if (gh < rk_ui_px(ui, RK_UI_TARGET_PRIMARY)) gh = rk_ui_px(ui, RK_UI_TARGET_PRIMARY);
    rk_rect gr = rk_rect_cut_top(&col, gh);
    gr.w = rk_widget_button_width(ui, &go);
    int pressed = rk_widget_button_ex(ui, "desk.login", gr, &go);
    if ((pressed || ((fr & RK_FIELD_SUBMIT) && !go.disabled)) && desk_start_login(k) == 0) {
        rk_ui_clear_focus(ui);
    }
    rk_rect_cut_top(&col, gap);
    if (d->busy)
        rk_widget_progress(ui, "desk.checking", rk_rect_cut_top(&col, 3 * line),
                           kiosk_str(k, "desk.checking"), -1, 0, 0, 0, NULL);
}
