/*
 * Text fields with masking and an error line (see field.h).
 */
#include "field.h"

#include "utf8.h"
#include "widgets.h"

#include "util/wipe.h"

#include <stdio.h>
#include <string.h>

void rk_field_mask(rk_field_kind kind, const char *text, char *out, size_t n)
{
    size_t len = strlen(text), o = 0;
    size_t head = 0, tail = 0;
    if (n == 0) return;
    switch (kind) {
    case RK_FIELD_PIN:
        /* One dot per character (U+25CF, 3 bytes). */
        for (size_t i = 0; i < rk_utf8_count(text, len) && o + 4 <= n; i++) {
            memcpy(out + o, "\xE2\x97\x8F", 3);
            o += 3;
        }
        out[o] = '\0';
        return;
    case RK_FIELD_ID:
        head = len > 10 ? 6 : 0;
        tail = len >= 8 ? 4 : 0;
        break;
    case RK_FIELD_MOBILE:
        head = len >= 7 ? 3 : 0;
        tail = len >= 7 ? 4 : 0;
        break;
    default: snprintf(out, n, "%s", text); return;
    }
    for (size_t i = 0; i < len && o + 1 < n; i++)
        out[o++] = (i < head || i >= len - tail) ? text[i] : '*';
    out[o] = '\0';
}

static int accepts(rk_field_kind kind, uint32_t cp)
{
    switch (kind) {
    case RK_FIELD_DIGITS:
    case RK_FIELD_MOBILE: return cp >= '0' && cp <= '9';
    case RK_FIELD_ID: return (cp >= '0' && cp <= '9') || cp == 'X' || cp == 'x';
    case RK_FIELD_PIN: return cp > 0x20 && cp < 0x7F;
    default: return cp >= 0x20 && cp != 0x7F && cp != RK_UTF8_REPLACEMENT;
    }
}

int rk_field_insert(rk_field *f, const char *s, size_t n)
{
    size_t len = strlen(f->buf), i = 0;
    int changed = 0;
    int chars = (int)rk_utf8_count(f->buf, len);
    while (i < n) {
        uint32_t cp;
        size_t l = rk_utf8_decode(s + i, n - i, &cp);
        i += l;
        if (!accepts(f->kind, cp)) continue;
        if (f->kind == RK_FIELD_ID && cp == 'x') cp = 'X';
        if (f->max_chars > 0 && chars >= f->max_chars) break;
        char enc[4];
        size_t el = rk_utf8_encode(cp, enc);
        if (len + el + 1 > f->cap) break;
        memcpy(f->buf + len, enc, el);
        len += el;
        f->buf[len] = '\0';
        chars++;
        changed = 1;
    }
    return changed;
}

int rk_field_backspace(rk_field *f, int count)
{
    size_t len = strlen(f->buf);
    int changed = 0;
    while (count-- > 0 && len > 0) {
        size_t p = rk_utf8_prev(f->buf, len);
        rk_wipe(f->buf + p, len - p);
        len = p;
        changed = 1;
    }
    return changed;
}

int rk_field_height(rk_ui *ui)
{
    rk_backend *be = rk_ui_backend(ui);
    int label = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_BODY));
    int box = rk_backend_line_height(be, rk_ui_font(ui, 40)) + rk_ui_px(ui, 28);
    int err = rk_backend_line_height(be, rk_ui_font(ui, 28));
    if (box < rk_ui_px(ui, 88)) box = rk_ui_px(ui, 88);
    return label + rk_ui_px(ui, 8) + box + rk_ui_px(ui, 8) + err;
}

int rk_field_height_inline(rk_ui *ui)
{
    rk_backend *be = rk_ui_backend(ui);
    int box = rk_backend_line_height(be, rk_ui_font(ui, 40)) + rk_ui_px(ui, 28);
    int err = rk_backend_line_height(be, rk_ui_font(ui, 28));
    if (box < rk_ui_px(ui, 88)) box = rk_ui_px(ui, 88);
    return box + rk_ui_px(ui, 8) + err;
}

int rk_field_draw(rk_ui *ui, const char *id, rk_rect r, const char *label, rk_field *f,
                  const char *error)
{
    const rk_theme *t = rk_ui_theme(ui);
    rk_backend *be = rk_ui_backend(ui);
    char shown[512], sub[RK_UI_ID_MAX];
    int res = 0;
    int label_h = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_BODY));
    int err_h = rk_backend_line_height(be, rk_ui_font(ui, 28));

    rk_rect lr;
    int inline_label = r.h < rk_field_height(ui);
    if (inline_label) {
        /* Inline: the label to the left of the box, as wide as it needs. */
        int lw, lh;
        rk_ui_text_size(ui, label, 28, &lw, &lh);
        int maxw = r.w / 3;
        lr = rk_rect_cut_left(&r, lw < maxw ? lw : maxw);
        rk_rect_cut_left(&r, rk_ui_px(ui, 16));
        lr.h = r.h - err_h - rk_ui_px(ui, 8); /* beside the box, not the error line */
    } else {
        lr = rk_rect_cut_top(&r, label_h);
        rk_rect_cut_top(&r, rk_ui_px(ui, 8));
    }
    rk_rect er = rk_rect_cut_bottom(&r, err_h);
    rk_rect_cut_bottom(&r, rk_ui_px(ui, 8));
    rk_rect box = r;

    snprintf(sub, sizeof sub, "%s.label", id);
    rk_ui_text(ui, sub, lr, label, inline_label ? 28 : RK_UI_TEXT_BODY, t->text,
               inline_label ? RK_UI_WRAP : 0);

    int was = rk_ui_has_focus(ui, id);
    int hit = rk_ui_interact(ui, id, box, 0);
    if ((hit & RK_UI_CLICKED) && !was) {
        rk_ui_set_focus(ui, id);
        res |= RK_FIELD_FOCUSED;
    }
    int focused = rk_ui_has_focus(ui, id);
    if (focused) {
        size_t n;
        const char *typed = rk_ui_take_text(ui, &n);
        if (n && rk_field_insert(f, typed, n)) res |= RK_FIELD_CHANGED;
        int bs = rk_ui_take_backspace(ui);
        if (bs && rk_field_backspace(f, bs)) res |= RK_FIELD_CHANGED;
        if (rk_ui_take_enter(ui)) res |= RK_FIELD_SUBMIT;
    }

    int rad = rk_ui_px(ui, RK_UI_RADIUS);
    rk_backend_round(be, box, rad, t->field);
    rk_color line = error ? t->error : focused ? t->focus : t->border;
    int thick = rk_ui_px(ui, focused || error ? t->focus_px : t->border_px);
    rk_backend_outline(be, box, rad, thick, line);

    rk_rect tr = rk_rect_make(box.x + rk_ui_px(ui, 20), box.y + thick, box.w - 2 * rk_ui_px(ui, 20),
                              box.h - 2 * thick);
    if (f->kind == RK_FIELD_PIN ||
        (!focused && (f->kind == RK_FIELD_ID || f->kind == RK_FIELD_MOBILE)))
        rk_field_mask(f->kind, f->buf, shown, sizeof shown);
    else
        snprintf(shown, sizeof shown, "%s", f->buf);
    int tw = 0, th = 0;
    if (shown[0]) {
        rk_ui_text_size(ui, shown, 40, &tw, &th);
        /* What was typed is never cut off: a long text shows its end. */
        int flags = RK_UI_PERSONAL | (tw > tr.w ? RK_ALIGN_RIGHT | RK_UI_NOFIT : 0);
        rk_ui_text(ui, id, tr, shown, 40, t->text, flags);
    } else if (f->hint && !focused) {
        snprintf(sub, sizeof sub, "%s.hint", id);
        rk_ui_text(ui, sub, tr, f->hint, RK_UI_TEXT_BODY, t->text_muted, 0);
    }
    rk_wipe(shown, sizeof shown);
    if (focused) {
        /* A steady caret after the text: no blinking, no timer frames. */
        int ch = rk_ui_font(ui, 40);
        int cx = tr.x + (tw < tr.w ? tw : tr.w) + rk_ui_px(ui, 2);
        rk_backend_fill(be, rk_rect_make(cx, tr.y + (tr.h - ch) / 2, rk_ui_px(ui, 3), ch),
                        t->focus);
    }
    if (error) {
        snprintf(sub, sizeof sub, "%s.error", id);
        rk_widget_status(ui, sub, er, RK_STATUS_ERROR, error, 28);
    }
    return res;
}
