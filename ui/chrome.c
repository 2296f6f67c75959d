/*
 * The three fixed places, the switches and the step bar (see chrome.h).
 */
#include "chrome.h"

#include "dialog.h"
#include "widgets.h"

#include <stdio.h>
#include <string.h>

static int switch_button(rk_ui *ui, const char *id, rk_rect r, rk_icon icon, const char *label,
                         int on)
{
    rk_button b = {.label = label,
                   .icon = icon,
                   .kind = on ? RK_BTN_SELECTED : RK_BTN_QUIET,
                   .text_px = RK_UI_TEXT_SMALL,
                   .stacked = 1};
    return rk_widget_button_ex(ui, id, r, &b);
}

int rk_chrome_begin(rk_ui *ui, rk_chrome_state *st, const rk_chrome *c, rk_rect *content)
{
    const rk_theme *t = rk_ui_theme(ui);
    rk_backend *be = rk_ui_backend(ui);
    rk_rect s = rk_ui_screen(ui);
    int action = RK_CHROME_NONE, gap = rk_ui_px(ui, RK_UI_GAP);
    int margin = rk_ui_px(ui, s.w >= s.h ? 48 : 24);

    /* The switches and the call button, measured so that the words fit. */
    rk_button sw = {.kind = RK_BTN_QUIET, .text_px = RK_UI_TEXT_SMALL, .stacked = 1};
    const char *l_large = rk_ui_str(ui, "chrome.large");
    const char *l_contrast = rk_ui_str(ui, "chrome.contrast");
    const char *l_lang = rk_ui_str(ui, "chrome.language");
    sw.icon = RK_ICON_TEXTSIZE;
    sw.label = l_large;
    int w_large = rk_widget_button_width(ui, &sw);
    sw.label = l_contrast;
    int w_contrast = rk_widget_button_width(ui, &sw);
    sw.label = l_lang;
    int w_lang = rk_widget_button_width(ui, &sw);
    int sh = rk_widget_button_height(ui, &sw);
    rk_button call = {
        .label = rk_ui_str(ui, "chrome.call_clerk"), .icon = RK_ICON_CLERK, .kind = RK_BTN_PRIMARY};
    int w_call = rk_widget_button_width(ui, &call);
    int h_call = rk_widget_button_height(ui, &call);
    int bar_h = (sh > h_call ? sh : h_call);
    int row_w = w_large + w_contrast + w_lang + w_call + 3 * gap;
    int two_rows = row_w > s.w - 2 * margin;

    rk_rect top = rk_rect_cut_top(&s, (two_rows ? 2 * bar_h + gap : bar_h) + 2 * gap);
    rk_backend_fill(be, top, t->surface);
    rk_backend_fill(be,
                    rk_rect_make(top.x, top.y + top.h - rk_ui_px(ui, 2), top.w, rk_ui_px(ui, 2)),
                    t->border);
    rk_rect tb = rk_rect_inset(top, gap);
    tb.x = margin;
    tb.w = s.w - 2 * margin;
    rk_rect row1 = two_rows ? rk_rect_cut_top(&tb, bar_h) : tb;
    if (two_rows) rk_rect_cut_top(&tb, gap);
    rk_rect row2 = two_rows ? tb : row1;

    if (rk_widget_button_ex(ui, "chrome.call_clerk", rk_rect_cut_right(&row1, w_call), &call))
        action = RK_CHROME_CALL_CLERK;
    /* The service's name at the top left, where there is room for it. */
    {
        rk_rect brand = two_rows ? row1 : row1;
        int bw = brand.w - (two_rows ? 0 : w_large + w_contrast + w_lang + 4 * gap);
        if (bw > rk_ui_px(ui, 200))
            rk_ui_text(ui, "chrome.brand", rk_rect_make(brand.x, brand.y, bw, brand.h),
                       rk_ui_str(ui, "attract.title"), RK_UI_TEXT_BODY, t->text_muted, RK_UI_NOFIT);
    }
    if (!two_rows) rk_rect_cut_right(&row1, gap);
    rk_rect *sr = two_rows ? &row2 : &row1;
    if (two_rows) {
        /* The switches right-aligned on their own row. */
        rk_rect_cut_left(sr, sr->w - (w_large + w_contrast + w_lang + 2 * gap));
    }
    rk_rect r_lang = rk_rect_cut_right(sr, w_lang);
    rk_rect_cut_right(sr, gap);
    rk_rect r_contrast = rk_rect_cut_right(sr, w_contrast);
    rk_rect_cut_right(sr, gap);
    rk_rect r_large = rk_rect_cut_right(sr, w_large);
    if (switch_button(ui, "chrome.language", r_lang, RK_ICON_LANGUAGE, l_lang, 0)) {
        rk_ui_set_lang(ui, !rk_ui_lang(ui));
        action = RK_CHROME_SWITCHED;
    }
    if (switch_button(ui, "chrome.contrast", r_contrast, RK_ICON_CONTRAST, l_contrast,
                      rk_ui_contrast(ui))) {
        rk_ui_set_contrast(ui, !rk_ui_contrast(ui));
        action = RK_CHROME_SWITCHED;
    }
    if (switch_button(ui, "chrome.large", r_large, RK_ICON_TEXTSIZE, l_large, rk_ui_large(ui))) {
        rk_ui_set_large(ui, !rk_ui_large(ui));
        action = RK_CHROME_SWITCHED;
    }

    /* The bottom bar. */
    rk_button back = {
        .label = rk_ui_str(ui, "chrome.back"), .icon = RK_ICON_BACK, .kind = RK_BTN_SECONDARY};
    rk_button again = {.label = rk_ui_str(ui, "chrome.start_over"),
                       .icon = RK_ICON_RESTART,
                       .kind = RK_BTN_SECONDARY};
    int bh = rk_widget_button_height(ui, &back);
    if (bh < rk_ui_px(ui, RK_UI_TARGET_PRIMARY)) bh = rk_ui_px(ui, RK_UI_TARGET_PRIMARY);
    if (c->back || c->start_over) {
        rk_rect bottom = rk_rect_cut_bottom(&s, bh + 2 * gap);
        rk_backend_fill(be, bottom, t->surface);
        rk_backend_fill(be, rk_rect_make(bottom.x, bottom.y, bottom.w, rk_ui_px(ui, 2)), t->border);
        rk_rect bb = rk_rect_inset(bottom, gap);
        bb.x = margin;
        bb.w = s.w - 2 * margin;
        int wb = rk_widget_button_width(ui, &back), wa = rk_widget_button_width(ui, &again);
        int minw = rk_ui_px(ui, 240);
        if (wb < minw) wb = minw;
        if (wa < minw) wa = minw;
        if (c->back &&
            rk_widget_button_ex(ui, "chrome.back", rk_rect_make(bb.x, bb.y, wb, bb.h), &back))
            action = RK_CHROME_BACK;
        if (c->start_over &&
            rk_widget_button_ex(ui, "chrome.start_over",
                                rk_rect_make(bb.x + (bb.w - wa) / 2, bb.y, wa, bb.h), &again)) {
            if (c->dirty)
                st->confirming = 1;
            else
                action = RK_CHROME_START_OVER;
        }
    }

    /* The step bar. */
    /* The content: inside the margins, at most 1400 design px wide. */
    int maxw = rk_ui_px(ui, RK_UI_CONTENT_MAX), side = rk_ui_px(ui, s.w >= s.h ? 64 : 32);
    int w = s.w - 2 * side;
    if (w > maxw) w = maxw;
    int cx = (s.w - w) / 2;
    if (c->steps && c->n_steps > 0) {
        rk_rect_cut_top(&s, gap);
        rk_rect bar = rk_rect_cut_top(&s, rk_widget_steps_height(ui));
        /* Over the content when the names fit there, else the whole width. */
        int need = 0;
        for (int i = 0; i < c->n_steps; i++) {
            int tw, th;
            rk_ui_text_size(ui, c->steps[i], 28, &tw, &th);
            need += tw + rk_ui_font(ui, 28) + rk_ui_px(ui, 64) + gap;
        }
        bar.x = need <= w ? cx : margin;
        bar.w = need <= w ? w : s.w - 2 * margin;
        rk_widget_steps(ui, "chrome.steps", bar, c->steps, c->n_steps, c->step);
    }
    rk_rect_cut_top(&s, rk_ui_px(ui, 24));
    rk_rect_cut_bottom(&s, rk_ui_px(ui, 24));
    s.x = cx;
    s.w = w;
    if (c->title) {
        int hh = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_HEADING));
        rk_widget_heading(ui, "chrome.title", rk_rect_cut_top(&s, hh), c->title);
        rk_rect_cut_top(&s, rk_ui_px(ui, 24));
    }
    *content = s;
    if (st->confirming) rk_ui_set_input(ui, 0);
    return action;
}

int rk_chrome_end(rk_ui *ui, rk_chrome_state *st)
{
    if (!st->confirming) return RK_CHROME_NONE;
    int r = rk_dialog_confirm(ui, "chrome.confirm", rk_ui_str(ui, "chrome.start_over_title"),
                              rk_ui_str(ui, "chrome.start_over_message"),
                              rk_ui_str(ui, "chrome.start_over_yes"),
                              rk_ui_str(ui, "chrome.start_over_no"), 1);
    if (r == RK_DIALOG_YES) {
        st->confirming = 0;
        return RK_CHROME_START_OVER;
    }
    if (r == RK_DIALOG_NO) st->confirming = 0;
    return RK_CHROME_NONE;
}
