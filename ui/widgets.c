/*
 * Labels, buttons, tiles, status, steps, progress and rating (see
 * widgets.h).
 */
#include "widgets.h"

#include <stdio.h>
#include <string.h>

#define PAD 24 /* design px inside buttons */

void rk_widget_label(rk_ui *ui, const char *id, rk_rect r, const char *text, int px, int flags)
{
    rk_ui_text(ui, id, r, text, px ? px : RK_UI_TEXT_BODY, rk_ui_theme(ui)->text, flags);
}

void rk_widget_muted(rk_ui *ui, const char *id, rk_rect r, const char *text, int px, int flags)
{
    rk_ui_text(ui, id, r, text, px ? px : RK_UI_TEXT_BODY, rk_ui_theme(ui)->text_muted, flags);
}

void rk_widget_heading(rk_ui *ui, const char *id, rk_rect r, const char *text)
{
    rk_ui_text(ui, id, r, text, RK_UI_TEXT_HEADING, rk_ui_theme(ui)->text, RK_UI_WRAP);
}

void rk_widget_number(rk_ui *ui, const char *id, rk_rect r, const char *text)
{
    rk_ui_text(ui, id, r, text, RK_UI_TEXT_NUMBER, rk_ui_theme(ui)->text, RK_ALIGN_CENTER);
}

void rk_widget_panel(rk_ui *ui, rk_rect r)
{
    const rk_theme *t = rk_ui_theme(ui);
    rk_backend *be = rk_ui_backend(ui);
    int rad = rk_ui_px(ui, RK_UI_RADIUS);
    rk_backend_round(be, r, rad, t->surface);
    rk_backend_outline(be, r, rad, rk_ui_px(ui, t->border_px > 2 ? t->border_px : 1), t->border);
}

static void colours(const rk_theme *t, rk_button_kind kind, int held, int disabled, rk_color *bg,
                    rk_color *fg, rk_color *line)
{
    *line = t->border;
    if (disabled) {
        *bg = t->disabled;
        *fg = t->on_disabled;
        return;
    }
    switch (kind) {
    case RK_BTN_PRIMARY:
    case RK_BTN_SELECTED:
        *bg = held ? t->accent_down : t->accent;
        *fg = t->on_accent;
        *line = *bg;
        break;
    case RK_BTN_DANGER:
        *bg = t->danger;
        *fg = t->on_danger;
        *line = held ? t->text : t->danger;
        break;
    case RK_BTN_QUIET:
        *bg = held ? t->button_down : t->bg;
        *fg = t->text;
        break;
    case RK_BTN_KEY:
        *bg = held ? t->button_down : t->field;
        *fg = t->text;
        break;
    default:
        *bg = held ? t->button_down : t->button;
        *fg = t->on_button;
        break;
    }
}

int rk_widget_button_height(rk_ui *ui, const rk_button *b)
{
    int px = rk_ui_font(ui, b->text_px ? b->text_px : RK_UI_TEXT_BODY);
    int lh = rk_backend_line_height(rk_ui_backend(ui), px);
    int h = lh + rk_ui_px(ui, PAD);
    if (b->stacked) h += px * 3 / 2 + rk_ui_px(ui, 8);
    int min = rk_ui_px(ui, b->kind == RK_BTN_PRIMARY ? RK_UI_TARGET_PRIMARY : RK_UI_TARGET_MIN);
    return h < min ? min : h;
}

int rk_widget_button_width(rk_ui *ui, const rk_button *b)
{
    int design = b->text_px ? b->text_px : RK_UI_TEXT_BODY;
    int px = rk_ui_font(ui, design), w = 0, h = 0;
    if (b->label && *b->label) rk_ui_text_size(ui, b->label, design, &w, &h);
    int icon = b->icon != RK_ICON_NONE ? (b->stacked ? px * 3 / 2 : px) : 0;
    int total = b->stacked ? (w > icon ? w : icon) : w + icon + (w && icon ? rk_ui_px(ui, 12) : 0);
    total += 2 * rk_ui_px(ui, PAD);
    int min = rk_ui_px(ui, RK_UI_TARGET_MIN);
    return total < min ? min : total;
}

int rk_widget_button_ex(rk_ui *ui, const char *id, rk_rect r, const rk_button *b)
{
    const rk_theme *t = rk_ui_theme(ui);
    rk_backend *be = rk_ui_backend(ui);
    int res = rk_ui_interact(ui, id, r, b->disabled);
    int held = (res & RK_UI_HELD) && (res & RK_UI_HOT);
    rk_color bg, fg, line;
    int design = b->text_px ? b->text_px : RK_UI_TEXT_BODY;
    int px = rk_ui_font(ui, design), rad = rk_ui_px(ui, RK_UI_RADIUS);
    int min = rk_ui_px(ui, b->kind == RK_BTN_PRIMARY ? RK_UI_TARGET_PRIMARY : RK_UI_TARGET_MIN);

    if (r.h < min || r.w < rk_ui_px(ui, RK_UI_TARGET_MIN))
        rk_ui_report_fit(ui, id, b->label ? b->label : "(icon)", r.w, min, r,
                         b->kind == RK_BTN_PRIMARY ? "primary target under 96 px"
                                                   : "touch target under 64 px");
    colours(t, b->kind, held, b->disabled, &bg, &fg, &line);
    rk_backend_round(be, r, rad, bg);
    if (b->kind != RK_BTN_PRIMARY && b->kind != RK_BTN_SELECTED)
        rk_backend_outline(be, r, rad, rk_ui_px(ui, t->border_px), line);
    if (held) rk_backend_outline(be, r, rad, rk_ui_px(ui, t->focus_px), t->focus);

    rk_rect in = rk_rect_inset(r, rk_ui_px(ui, 12));
    int has_icon = b->icon != RK_ICON_NONE, has_text = b->label && *b->label;
    int flags = RK_ALIGN_CENTER | (b->wrap ? RK_UI_WRAP : 0) | (b->personal ? RK_UI_PERSONAL : 0);
    if (b->stacked && has_icon) {
        int lh = rk_backend_line_height(be, px);
        int ih = px * 3 / 2, gap = rk_ui_px(ui, 6), total = ih + (has_text ? gap + lh : 0);
        int y = in.y + (in.h - total) / 2;
        rk_backend_icon(be, b->icon, rk_rect_make(in.x, y, in.w, ih), fg);
        if (has_text)
            rk_ui_text(ui, id, rk_rect_make(in.x, y + ih + gap, in.w, lh), b->label, design, fg,
                       flags);
    } else if (has_icon && has_text) {
        int tw, th;
        rk_ui_text_size(ui, b->label, design, &tw, &th);
        int gap = rk_ui_px(ui, 12), total = px + gap + tw;
        int x = total < in.w ? in.x + (in.w - total) / 2 : in.x;
        rk_backend_icon(be, b->icon, rk_rect_make(x, in.y + (in.h - px) / 2, px, px), fg);
        rk_ui_text(ui, id, rk_rect_make(x + px + gap, in.y, in.x + in.w - x - px - gap, in.h),
                   b->label, design, fg, (b->wrap ? RK_UI_WRAP : 0) | (flags & RK_UI_PERSONAL));
    } else if (has_icon) {
        int s = px * 5 / 4 < in.h ? px * 5 / 4 : in.h;
        rk_backend_icon(be, b->icon, rk_rect_center(in, s, s), fg);
    } else if (has_text) {
        rk_ui_text(ui, id, in, b->label, design, fg, flags);
    }
    return (res & RK_UI_CLICKED) != 0;
}

int rk_widget_button(rk_ui *ui, const char *id, rk_rect r, const char *label, rk_button_kind kind)
{
    rk_button b = {.label = label, .kind = kind};
    return rk_widget_button_ex(ui, id, r, &b);
}

int rk_widget_tile(rk_ui *ui, const char *id, rk_rect r, rk_icon icon, const char *title,
                   const char *subtitle)
{
    const rk_theme *t = rk_ui_theme(ui);
    rk_backend *be = rk_ui_backend(ui);
    int res = rk_ui_interact(ui, id, r, 0);
    int held = (res & RK_UI_HELD) && (res & RK_UI_HOT);
    int rad = rk_ui_px(ui, RK_UI_RADIUS * 2);
    rk_backend_round(be, r, rad, held ? t->button_down : t->surface);
    rk_backend_outline(be, r, rad, rk_ui_px(ui, held ? t->focus_px : t->border_px),
                       held ? t->focus : t->border);
    if (r.w < rk_ui_px(ui, RK_UI_TARGET_PRIMARY) || r.h < rk_ui_px(ui, RK_UI_TARGET_PRIMARY))
        rk_ui_report_fit(ui, id, title, r.w, r.h, r, "tile under 96 px");

    rk_rect in = rk_rect_inset(r, rk_ui_px(ui, 20));
    int tpx = rk_ui_font(ui, 40), spx = rk_ui_font(ui, RK_UI_TEXT_SMALL);
    int tlh = rk_backend_line_height(be, tpx), slh = rk_backend_line_height(be, spx);
    int isz = rk_ui_px(ui, 72), gap = rk_ui_px(ui, 12);
    int has_sub = subtitle && *subtitle;
    /* Icon above the words when there is room, else to their left. The
     * title may take two lines; the explanation what room is left (up to
     * two lines, none in the tightest tiles: large type keeps the title). */
    int stacked_tl = rk_ui_text_lines(ui, title, 40, in.w);
    int stacked = in.h >= isz + gap + tlh * (stacked_tl < 2 ? stacked_tl : 2);
    rk_rect words = in;
    if (!stacked) {
        int s = isz < in.h ? isz : in.h;
        rk_backend_icon(be, icon, rk_rect_make(in.x, in.y + (in.h - s) / 2, s, s), t->accent);
        rk_rect_cut_left(&words, s + rk_ui_px(ui, 16));
    }
    int tl = rk_ui_text_lines(ui, title, 40, words.w);
    if (tl > 2) tl = 2;
    int room = (stacked ? in.h - isz - gap : in.h) - tl * tlh;
    /* The explanation is shown whole or not at all: never cut off. */
    int sl = has_sub ? rk_ui_text_lines(ui, subtitle, RK_UI_TEXT_SMALL, words.w) : 0;
    if (sl > 2 || sl * slh > room) sl = 0;
    int text_h = tl * tlh + sl * slh;
    int y;
    if (stacked) {
        y = in.y + (in.h - isz - gap - text_h) / 2;
        rk_backend_icon(be, icon, rk_rect_make(in.x, y, in.w, isz), t->accent);
        y += isz + gap;
    } else {
        y = words.y + (words.h - text_h) / 2;
    }
    int align = stacked ? RK_ALIGN_CENTER : RK_ALIGN_LEFT;
    rk_ui_text(ui, id, rk_rect_make(words.x, y, words.w, tl * tlh), title, 40, t->text,
               align | RK_UI_WRAP | RK_UI_TOP);
    if (sl > 0)
        rk_ui_text(ui, id, rk_rect_make(words.x, y + tl * tlh, words.w, sl * slh), subtitle,
                   RK_UI_TEXT_SMALL, t->text_muted, align | RK_UI_WRAP | RK_UI_TOP);
    return (res & RK_UI_CLICKED) != 0;
}

void rk_widget_status(rk_ui *ui, const char *id, rk_rect r, rk_status_kind kind, const char *text,
                      int px)
{
    const rk_theme *t = rk_ui_theme(ui);
    rk_color c = kind == RK_STATUS_SUCCESS   ? t->success
                 : kind == RK_STATUS_WARNING ? t->warning
                 : kind == RK_STATUS_ERROR   ? t->error
                                             : t->text;
    rk_icon icon = kind == RK_STATUS_SUCCESS   ? RK_ICON_CHECK
                   : kind == RK_STATUS_WARNING ? RK_ICON_WARNING
                   : kind == RK_STATUS_ERROR   ? RK_ICON_CROSS
                                               : RK_ICON_INFO;
    int design = px ? px : RK_UI_TEXT_BODY;
    int fpx = rk_ui_font(ui, design);
    int lh = rk_backend_line_height(rk_ui_backend(ui), fpx);
    int isz = fpx < r.h ? fpx : r.h;
    int iy = r.y + ((lh < r.h ? lh : r.h) - isz) / 2;
    rk_backend_icon(rk_ui_backend(ui), icon, rk_rect_make(r.x, iy, isz, isz), c);
    rk_rect words = r;
    rk_rect_cut_left(&words, isz + rk_ui_px(ui, 12));
    rk_ui_text(ui, id, words, text, design, c, RK_UI_WRAP | RK_UI_TOP);
}

int rk_widget_steps_height(rk_ui *ui)
{
    int lh = rk_backend_line_height(rk_ui_backend(ui), rk_ui_font(ui, 28));
    int h = lh + rk_ui_px(ui, 24);
    return h < rk_ui_px(ui, 72) ? rk_ui_px(ui, 72) : h;
}

void rk_widget_steps(rk_ui *ui, const char *id, rk_rect r, const char *const *labels, int n,
                     int current)
{
    const rk_theme *t = rk_ui_theme(ui);
    rk_backend *be = rk_ui_backend(ui);
    int gap = rk_ui_px(ui, 12), px = rk_ui_font(ui, 28), num = px + rk_ui_px(ui, 8);
    int full = 1;
    char sub[RK_UI_ID_MAX];
    if (n <= 0) return;
    /* Do all the names fit? Otherwise only the current one is spelt out. */
    int need = 0;
    for (int i = 0; i < n; i++) {
        int w, h;
        rk_ui_text_size(ui, labels[i], 28, &w, &h);
        need += num + rk_ui_px(ui, 16) + w + rk_ui_px(ui, 24) + (i ? gap : 0);
    }
    if (need > r.w) full = 0;
    int x = r.x;
    for (int i = 0; i < n; i++) {
        int w = 0, h;
        if (full || i == current) rk_ui_text_size(ui, labels[i], 28, &w, &h);
        int cw = num + rk_ui_px(ui, 16) + (w ? w + rk_ui_px(ui, 24) : 0);
        if (!full && i != current) cw = num + rk_ui_px(ui, 16);
        if (!full) {
            /* Spread the numbered chips over the width. */
            int others = (n - 1) * (num + rk_ui_px(ui, 16) + gap);
            int cur_w;
            rk_ui_text_size(ui, labels[current], 28, &cur_w, &h);
            int spare = r.w - others - (num + rk_ui_px(ui, 40) + cur_w);
            if (spare > 0 && i != current) cw += spare / n;
        }
        rk_rect chip = rk_rect_make(x, r.y + rk_ui_px(ui, 6), cw, r.h - rk_ui_px(ui, 12));
        rk_color bg = i == current ? t->accent : t->bg;
        rk_color fg = i == current ? t->on_accent : i < current ? t->text : t->text_muted;
        rk_backend_round(be, chip, chip.h / 2, bg);
        if (i != current)
            rk_backend_outline(be, chip, chip.h / 2, rk_ui_px(ui, t->border_px), t->border);
        rk_rect c = rk_rect_make(chip.x + rk_ui_px(ui, 8), chip.y + (chip.h - num) / 2, num, num);
        if (i < current) {
            rk_backend_icon(be, RK_ICON_CHECK, rk_rect_inset(c, rk_ui_px(ui, 4)), t->success);
        } else {
            char digits[8];
            snprintf(digits, sizeof digits, "%d", i + 1);
            snprintf(sub, sizeof sub, "%s.%d", id, i);
            rk_ui_text(ui, sub, c, digits, 28, fg, RK_ALIGN_CENTER);
        }
        if (full || i == current) {
            rk_rect lr = chip;
            rk_rect_cut_left(&lr, num + rk_ui_px(ui, 16));
            snprintf(sub, sizeof sub, "%s.%d", id, i);
            rk_ui_text(ui, sub, lr, labels[i], 28, fg, 0);
        }
        x += cw + gap;
    }
}

int rk_widget_progress(rk_ui *ui, const char *id, rk_rect r, const char *words, double fraction,
                       int step, int steps, int usual_s, const char *cancel)
{
    const rk_theme *t = rk_ui_theme(ui);
    rk_backend *be = rk_ui_backend(ui);
    char line[512], sub[RK_UI_ID_MAX];
    int pressed = 0;
    rk_widget_panel(ui, r);
    rk_rect in = rk_rect_inset(r, rk_ui_px(ui, 32));
    if (steps > 0)
        snprintf(line, sizeof line, "%s %d/%d", words, step, steps);
    else
        snprintf(line, sizeof line, "%s", words);
    int lh = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_BODY));
    snprintf(sub, sizeof sub, "%s.words", id);
    rk_ui_text(ui, sub, rk_rect_cut_top(&in, lh * 2), line, RK_UI_TEXT_BODY, t->text,
               RK_UI_WRAP | RK_UI_TOP);
    rk_rect_cut_top(&in, rk_ui_px(ui, 12));
    rk_rect bar = rk_rect_cut_top(&in, rk_ui_px(ui, 24));
    int rad = bar.h / 2;
    rk_backend_round(be, bar, rad, t->button);
    rk_backend_outline(be, bar, rad, rk_ui_px(ui, 1 + t->border_px / 2), t->border);
    if (fraction >= 0) {
        if (fraction > 1) fraction = 1;
        int w = (int)(bar.w * fraction);
        if (w > 0) rk_backend_round(be, rk_rect_make(bar.x, bar.y, w, bar.h), rad, t->accent);
    } else {
        /* A block sliding across: the end is unknown, but it is not frozen. */
        uint64_t now = rk_ui_now(ui);
        int bw = bar.w / 4, span = bar.w - bw;
        int pos = (int)((now / 16) % (uint64_t)(2 * span > 0 ? 2 * span : 1));
        if (pos > span) pos = 2 * span - pos;
        rk_backend_round(be, rk_rect_make(bar.x + pos, bar.y, bw, bar.h), rad, t->accent);
        rk_ui_redraw_in(ui, 100);
    }
    rk_rect_cut_top(&in, rk_ui_px(ui, 12));
    if (usual_s > 0) {
        char secs[16];
        const char *args[1] = {secs};
        snprintf(secs, sizeof secs, "%d", usual_s);
        rk_strings_format(line, sizeof line, rk_ui_str(ui, "progress.usually"), args, 1);
        int slh = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_SMALL));
        snprintf(sub, sizeof sub, "%s.usually", id);
        rk_ui_text(ui, sub, rk_rect_cut_top(&in, slh), line, RK_UI_TEXT_SMALL, t->text_muted, 0);
    }
    if (cancel) {
        rk_button b = {.label = cancel, .kind = RK_BTN_SECONDARY, .icon = RK_ICON_CROSS};
        int bw = rk_widget_button_width(ui, &b), bh = rk_widget_button_height(ui, &b);
        rk_rect br = rk_rect_cut_bottom(&in, bh);
        br = rk_rect_cut_right(&br, bw);
        snprintf(sub, sizeof sub, "%s.cancel", id);
        pressed = rk_widget_button_ex(ui, sub, br, &b);
    }
    return pressed;
}

int rk_widget_rating(rk_ui *ui, const char *id, rk_rect r, int *value)
{
    const rk_theme *t = rk_ui_theme(ui);
    rk_backend *be = rk_ui_backend(ui);
    int chosen = 0, gap = rk_ui_px(ui, RK_UI_GAP);
    char sub[RK_UI_ID_MAX], key[32];
    for (int i = 0; i < 5; i++) {
        rk_rect c = rk_rect_column(r, 5, i, gap);
        snprintf(sub, sizeof sub, "%s.%d", id, i + 1);
        int res = rk_ui_interact(ui, sub, c, 0);
        int on = *value == i + 1, held = (res & RK_UI_HELD) && (res & RK_UI_HOT);
        int rad = rk_ui_px(ui, RK_UI_RADIUS * 2);
        rk_backend_round(be, c, rad, on ? t->accent : held ? t->button_down : t->surface);
        rk_backend_outline(be, c, rad, rk_ui_px(ui, on ? t->focus_px : t->border_px),
                           on ? t->focus : t->border);
        rk_rect in = rk_rect_inset(c, rk_ui_px(ui, 16));
        int lh = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_BODY));
        rk_rect words = rk_rect_cut_bottom(&in, lh * 2);
        int s = in.w < in.h ? in.w : in.h;
        rk_color fg = on ? t->on_accent : t->text;
        rk_backend_icon(be, (rk_icon)(RK_ICON_FACE1 + i), rk_rect_center(in, s, s), fg);
        snprintf(key, sizeof key, "rating.%d", i + 1);
        rk_ui_text(ui, sub, words, rk_ui_str(ui, key), RK_UI_TEXT_BODY, fg,
                   RK_ALIGN_CENTER | RK_UI_WRAP);
        if (res & RK_UI_CLICKED) chosen = i + 1;
    }
    if (chosen) *value = chosen;
    return chosen;
}

void rk_widget_check_targets(rk_ui *ui)
{
    int n = rk_ui_hit_count(ui), min = rk_ui_px(ui, RK_UI_TARGET_MIN);
    int gap = rk_ui_px(ui, RK_UI_GAP) - 1; /* one pixel of rounding */
    for (int i = 0; i < n; i++) {
        rk_rect a, b;
        int da, db;
        const char *ida = rk_ui_hit(ui, i, &a, &da);
        if (da < 0 || da == 2) continue; /* a marker, or covered by a dialog */
        if (a.w < min || a.h < min)
            rk_ui_report_fit(ui, ida, ida, a.w, a.h, a, "touch target under 64 px");
        for (int j = i + 1; j < n; j++) {
            const char *idb = rk_ui_hit(ui, j, &b, &db);
            if (db < 0 || db == 2 || !strcmp(ida, idb)) continue;
            /* Nested targets (a row inside a list) are not neighbours. */
            rk_rect x = rk_rect_intersect(a, b);
            if (x.w > 0 && x.h > 0) {
                if ((x.w == a.w && x.h == a.h) || (x.w == b.w && x.h == b.h)) continue;
                rk_ui_report_fit(ui, ida, idb, x.w, x.h, a, "touch targets overlap");
                continue;
            }
            int dx = b.x >= a.x + a.w   ? b.x - (a.x + a.w)
                     : a.x >= b.x + b.w ? a.x - (b.x + b.w)
                                        : 0;
            int dy = b.y >= a.y + a.h   ? b.y - (a.y + a.h)
                     : a.y >= b.y + b.h ? a.y - (b.y + b.h)
                                        : 0;
            int d = dx > dy ? dx : dy;
            if (d < gap) rk_ui_report_fit(ui, ida, idb, d, 0, a, "touch targets closer than 16 px");
        }
    }
}
