/*
 * Confirmation and countdown dialogs (see dialog.h).
 */
#include "dialog.h"

#include "widgets.h"

#include <stdio.h>
#include <string.h>

/* The box of a dialog: centred, at most 1100 design px wide. */
static rk_rect frame(rk_ui *ui, int body_lines)
{
    rk_backend *be = rk_ui_backend(ui);
    rk_rect s = rk_ui_screen(ui);
    int w = rk_ui_px(ui, 1100);
    if (w > s.w - 2 * rk_ui_px(ui, 32)) w = s.w - 2 * rk_ui_px(ui, 32);
    int lh = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_BODY));
    int hh = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_HEADING));
    int bh = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_BODY)) + rk_ui_px(ui, 24);
    if (bh < rk_ui_px(ui, RK_UI_TARGET_PRIMARY)) bh = rk_ui_px(ui, RK_UI_TARGET_PRIMARY);
    int h = rk_ui_px(ui, 48) * 2 + hh * 2 + lh * body_lines + bh + rk_ui_px(ui, 48);
    if (h > s.h - 2 * rk_ui_px(ui, 32)) h = s.h - 2 * rk_ui_px(ui, 32);
    return rk_rect_center(s, w, h);
}

static rk_rect body(rk_ui *ui, rk_rect box, const char *id, const char *title, int *button_h)
{
    const rk_theme *t = rk_ui_theme(ui);
    rk_backend *be = rk_ui_backend(ui);
    char sub[RK_UI_ID_MAX];
    rk_backend_fill(be, rk_ui_screen(ui), t->overlay);
    int rad = rk_ui_px(ui, RK_UI_RADIUS * 2);
    rk_backend_round(be, box, rad, t->bg);
    rk_backend_outline(be, box, rad, rk_ui_px(ui, t->focus_px), t->border);
    rk_rect in = rk_rect_inset(box, rk_ui_px(ui, 48));
    int hh = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_HEADING));
    snprintf(sub, sizeof sub, "%s.title", id);
    rk_ui_text(ui, sub, rk_rect_cut_top(&in, hh * 2), title, RK_UI_TEXT_HEADING, t->text,
               RK_UI_WRAP | RK_UI_TOP);
    int bh = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_BODY)) + rk_ui_px(ui, 24);
    if (bh < rk_ui_px(ui, RK_UI_TARGET_PRIMARY)) bh = rk_ui_px(ui, RK_UI_TARGET_PRIMARY);
    *button_h = bh;
    return in;
}

int rk_dialog_confirm(rk_ui *ui, const char *id, const char *title, const char *message,
                      const char *yes, const char *no, int danger)
{
    const rk_theme *t = rk_ui_theme(ui);
    char sub[RK_UI_ID_MAX];
    int bh, result = RK_DIALOG_OPEN;
    rk_ui_set_input(ui, 1);
    rk_rect in = body(ui, frame(ui, 3), id, title, &bh);
    rk_rect buttons = rk_rect_cut_bottom(&in, bh);
    rk_rect_cut_bottom(&in, rk_ui_px(ui, 24));
    snprintf(sub, sizeof sub, "%s.message", id);
    rk_ui_text(ui, sub, in, message, RK_UI_TEXT_BODY, t->text, RK_UI_WRAP | RK_UI_TOP);
    int gap = rk_ui_px(ui, 32);
    rk_rect yr = no ? rk_rect_column(buttons, 2, 1, gap) : buttons;
    snprintf(sub, sizeof sub, "%s.yes", id);
    if (rk_widget_button(ui, sub, yr, yes, danger ? RK_BTN_DANGER : RK_BTN_PRIMARY))
        result = RK_DIALOG_YES;
    if (no) {
        snprintf(sub, sizeof sub, "%s.no", id);
        rk_button b = {.label = no, .kind = RK_BTN_SECONDARY};
        if (rk_widget_button_ex(ui, sub, rk_rect_column(buttons, 2, 0, gap), &b))
            result = RK_DIALOG_NO;
    }
    return result;
}

int rk_dialog_countdown(rk_ui *ui, const char *id, const char *title, const char *message,
                        uint64_t deadline, const char *more)
{
    const rk_theme *t = rk_ui_theme(ui);
    char sub[RK_UI_ID_MAX], secs[16], line[512];
    int bh;
    uint64_t now = rk_ui_now(ui);
    if (now >= deadline) return RK_DIALOG_TIMEOUT;
    uint64_t left_ms = deadline - now;
    int left = (int)((left_ms + 999) / 1000);
    /* The next frame when the number of seconds changes. */
    rk_ui_redraw_in(ui, (int)(left_ms - (uint64_t)(left - 1) * 1000));
    rk_ui_set_input(ui, 1);
    rk_rect in = body(ui, frame(ui, 2), id, title, &bh);
    rk_rect button = rk_rect_cut_bottom(&in, bh);
    rk_rect_cut_bottom(&in, rk_ui_px(ui, 24));
    snprintf(secs, sizeof secs, "%d", left);
    const char *args[1] = {secs};
    rk_strings_format(line, sizeof line, message, args, 1);
    snprintf(sub, sizeof sub, "%s.message", id);
    rk_ui_text(ui, sub, in, line, RK_UI_TEXT_BODY, t->text, RK_UI_WRAP | RK_UI_TOP);
    snprintf(sub, sizeof sub, "%s.more", id);
    if (rk_widget_button(ui, sub, button, more, RK_BTN_PRIMARY)) return RK_DIALOG_YES;
    return RK_DIALOG_OPEN;
}
