/*
 * The normal and high-contrast themes (see theme.h).
 */
#include "theme.h"

static const rk_theme normal = {
    .name = "normal",
    .bg = {0xFF, 0xFF, 0xFF, 0xFF},
    .surface = {0xF4, 0xF6, 0xF8, 0xFF},
    .text = {0x1A, 0x1A, 0x1A, 0xFF},
    .text_muted = {0x50, 0x56, 0x5C, 0xFF},
    .border = {0x76, 0x7C, 0x84, 0xFF},
    .accent = {0x0B, 0x57, 0xD0, 0xFF},
    .on_accent = {0xFF, 0xFF, 0xFF, 0xFF},
    .accent_down = {0x08, 0x3F, 0x99, 0xFF},
    .button = {0xE3, 0xE8, 0xEE, 0xFF},
    .on_button = {0x1A, 0x1A, 0x1A, 0xFF},
    .button_down = {0xC4, 0xCC, 0xD6, 0xFF},
    .danger = {0xB3, 0x26, 0x1E, 0xFF},
    .on_danger = {0xFF, 0xFF, 0xFF, 0xFF},
    .success = {0x13, 0x73, 0x33, 0xFF},
    .warning = {0x8A, 0x51, 0x00, 0xFF},
    .error = {0xB3, 0x26, 0x1E, 0xFF},
    .field = {0xFF, 0xFF, 0xFF, 0xFF},
    .focus = {0x0B, 0x57, 0xD0, 0xFF},
    .disabled = {0xE3, 0xE5, 0xE8, 0xFF},
    .on_disabled = {0x5A, 0x5F, 0x66, 0xFF},
    .overlay = {0x00, 0x00, 0x00, 0x99},
    .selection = {0xD3, 0xE3, 0xFD, 0xFF},
    .on_selection = {0x1A, 0x1A, 0x1A, 0xFF},
    .border_px = 2,
    .focus_px = 4,
    .min_contrast = 4.5,
};

static const rk_theme contrast = {
    .name = "contrast",
    .bg = {0x00, 0x00, 0x00, 0xFF},
    .surface = {0x00, 0x00, 0x00, 0xFF},
    .text = {0xFF, 0xFF, 0xFF, 0xFF},
    .text_muted = {0xFF, 0xE6, 0x00, 0xFF},
    .border = {0xFF, 0xFF, 0xFF, 0xFF},
    .accent = {0xFF, 0xE6, 0x00, 0xFF},
    .on_accent = {0x00, 0x00, 0x00, 0xFF},
    .accent_down = {0xFF, 0xFF, 0xFF, 0xFF},
    .button = {0x00, 0x00, 0x00, 0xFF},
    .on_button = {0xFF, 0xFF, 0xFF, 0xFF},
    .button_down = {0x33, 0x33, 0x33, 0xFF},
    .danger = {0xFF, 0x9E, 0x9E, 0xFF},
    .on_danger = {0x00, 0x00, 0x00, 0xFF},
    .success = {0x7D, 0xFF, 0x9A, 0xFF},
    .warning = {0xFF, 0xE6, 0x00, 0xFF},
    .error = {0xFF, 0x9E, 0x9E, 0xFF},
    .field = {0x00, 0x00, 0x00, 0xFF},
    .focus = {0xFF, 0xE6, 0x00, 0xFF},
    .disabled = {0x00, 0x00, 0x00, 0xFF},
    .on_disabled = {0xC8, 0xC8, 0xC8, 0xFF},
    .overlay = {0x00, 0x00, 0x00, 0xD0},
    .selection = {0xFF, 0xFF, 0xFF, 0xFF},
    .on_selection = {0x00, 0x00, 0x00, 0xFF},
    .border_px = 4,
    .focus_px = 6,
    .min_contrast = 7.0,
};

const rk_theme *rk_theme_get(int which)
{
    return which == RK_THEME_CONTRAST ? &contrast : &normal;
}

int rk_theme_text_pairs(const rk_theme *t, rk_color *fg, rk_color *bg, const char **what, int max)
{
    const struct {
        const char *what;
        rk_color fg, bg;
    } pairs[] = {
        {"text on bg", t->text, t->bg},
        {"text on surface", t->text, t->surface},
        {"muted on bg", t->text_muted, t->bg},
        {"muted on surface", t->text_muted, t->surface},
        {"on_accent on accent", t->on_accent, t->accent},
        {"on_accent on accent_down", t->on_accent, t->accent_down},
        {"on_button on button", t->on_button, t->button},
        {"on_button on button_down", t->on_button, t->button_down},
        {"on_danger on danger", t->on_danger, t->danger},
        {"success on bg", t->success, t->bg},
        {"success on surface", t->success, t->surface},
        {"warning on bg", t->warning, t->bg},
        {"warning on surface", t->warning, t->surface},
        {"error on bg", t->error, t->bg},
        {"error on field", t->error, t->field},
        {"error on surface", t->error, t->surface},
        {"text on field", t->text, t->field},
        {"on_disabled on disabled", t->on_disabled, t->disabled},
        {"on_selection on selection", t->on_selection, t->selection},
        {"accent on bg (step bar, links)", t->accent, t->bg},
        {"accent on surface", t->accent, t->surface},
    };
    int n = (int)(sizeof pairs / sizeof pairs[0]);
    for (int i = 0; i < n && i < max; i++) {
        fg[i] = pairs[i].fg;
        bg[i] = pairs[i].bg;
        what[i] = pairs[i].what;
    }
    return n;
}
