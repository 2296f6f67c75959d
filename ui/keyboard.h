/*
 * The on-screen keyboard: pinyin (through ui/ime), strokes for rare
 * characters, Latin letters, digits (with X for ID numbers) and
 * punctuation, with the candidate bar (72 px high, 8-10 candidates a page,
 * the composition shown as typed).
 *
 * The keyboard types into the focused field through the context
 * (rk_ui_commit_text, shown in the next frame). While it composes pinyin or
 * strokes it also takes the physical keyboard's letters (a clerk's desk
 * has one): digits choose a candidate, space the first, Enter the letters
 * as typed, Escape drops the composition. Keys are 100 x 88 px at 1080p
 * with 16 px gaps, narrower only when the screen is (never under 64 px).
 */
#ifndef RK_UI_KEYBOARD_H
#define RK_UI_KEYBOARD_H

#include "ime.h"
#include "ui.h"

typedef enum rk_kb_mode {
    RK_KB_PINYIN = 0,
    RK_KB_LATIN,
    RK_KB_DIGITS,
    RK_KB_ID, /* digits and X */
    RK_KB_PUNCT,
    RK_KB_STROKE,
    RK_KB_MODES
} rk_kb_mode;

#define RK_KB_BIT(m) (1u << (m))
#define RK_KB_TEXT_MODES                                                                           \
    (RK_KB_BIT(RK_KB_PINYIN) | RK_KB_BIT(RK_KB_LATIN) | RK_KB_BIT(RK_KB_DIGITS) |                  \
     RK_KB_BIT(RK_KB_PUNCT) | RK_KB_BIT(RK_KB_STROKE))

typedef struct rk_keyboard {
    rk_ime *ime;     /* NULL: no Chinese input (pinyin and stroke act as Latin) */
    rk_kb_mode mode; /* the layout shown */
    unsigned modes;  /* layouts offered by the mode keys (RK_KB_BIT); 0 = just this one */
    int shift;       /* the next Latin letter is upper case */
    int first;       /* candidate index at the start of the bar */
    int starts[64];  /* where the earlier pages started, for paging back */
    int n_starts;
    int shown;      /* candidates shown in the last frame */
    int ime_failed; /* Rime did not start: letters are typed as Latin */
} rk_keyboard;

/* Sets the layout (dropping any composition). */
void rk_keyboard_set_mode(rk_keyboard *kb, rk_kb_mode mode);

/* The height the keyboard takes (candidate bar and keys) at width w. */
int rk_keyboard_height(rk_ui *ui, const rk_keyboard *kb, int w);

/* Draws the keyboard in r and types into the focused field. Returns 1 when
 * something was typed or chosen in this frame. */
int rk_keyboard_draw(rk_ui *ui, const char *id, rk_rect r, rk_keyboard *kb);

/* Drops the composition and the page (the idle wipe, a new field). */
void rk_keyboard_reset(rk_keyboard *kb);

#endif
