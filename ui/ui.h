/*
 * The immediate-mode context: one per program, owned by the UI thread.
 *
 * In the spirit of microui, a screen is a function of the program's state
 * that draws its widgets and gets back what was pressed, once per frame:
 *
 *     for (;;) {
 *         rk_ui_wait(ui, -1);           // sleeps until input, a wake-up or a timer
 *         rk_ui_begin(ui, "home");
 *         if (rk_widget_button(ui, "next", r, rk_ui_str(ui, "common.next"), 1)) ...
 *         rk_ui_end(ui);
 *     }
 *
 * The context keeps no widget tree and allocates nothing per frame: the
 * pointer's hot/active widget, the focused field, the frame's list of
 * touch targets (for the event player and the size checks) and the
 * text-fit reports live in fixed arrays. Widgets are named by string ids
 * ("common.back", "tile.3"): stable across languages, so scripts and tests
 * can find them.
 *
 * Sizes are design pixels at 1920x1080 (ui/theme.h); rk_ui_px scales them
 * with the display, rk_ui_font also by 1.4 in large-type mode. The context
 * carries the settings a subscriber can switch on every screen: large type,
 * high contrast and the language (two strings tables, zh-CN and en).
 *
 * Text-fit check: with fit_check on (tests), every text a widget draws is
 * compared with its box; what does not fit is recorded (screen, widget id,
 * the text, what it needed) and rk_ui_fit_count tells a test to fail.
 */
#ifndef RK_UI_UI_H
#define RK_UI_UI_H

#include "backend.h"
#include "geom.h"
#include "input.h"
#include "strings.h"
#include "theme.h"

#include <stdint.h>

#define RK_UI_ID_MAX   48  /* bytes of a widget id kept for lookups */
#define RK_UI_MAX_HITS 256 /* touch targets per frame */
#define RK_UI_MAX_FITS 64  /* text-fit reports kept */

typedef struct rk_ui rk_ui;

typedef struct rk_ui_options {
    rk_backend_options display;
    int contrast;  /* start in the high-contrast theme */
    int large;     /* start in large type */
    int lang;      /* 0 = zh-CN, 1 = en */
    int fit_check; /* record text that does not fit its box */
} rk_ui_options;

/* A text that did not fit. */
typedef struct rk_ui_fit {
    char screen[32];
    char id[RK_UI_ID_MAX];
    char text[96]; /* "(personal)" for personal text */
    int need_w, need_h;
    int box_w, box_h;
    char why[48];
} rk_ui_fit;

/* Sounds the widgets ask for (the voice module plays them). */
enum { RK_UI_SOUND_CONFIRM = 1, RK_UI_SOUND_ERROR = 2 };
typedef void (*rk_ui_sound_fn)(void *arg, int sound);

/* Text flags for rk_ui_text. */
enum {
    RK_UI_WRAP = 0x100,     /* wrap inside the box */
    RK_UI_TOP = 0x200,      /* top of the box (default: vertically centred) */
    RK_UI_NOFIT = 0x400,    /* exempt from the fit check (decorative, clipped on purpose) */
    RK_UI_PERSONAL = 0x800, /* personal data (same as RK_TEXT_PERSONAL for the cache) */
};

/* Interaction result bits of rk_ui_interact. */
enum {
    RK_UI_HOT = 1,     /* the pointer is over it */
    RK_UI_HELD = 2,    /* it is being pressed */
    RK_UI_CLICKED = 4, /* released over it after a press on it */
    RK_UI_DRAG = 8     /* held and the pointer moved */
};

/* Opens the display and a context owned by the caller (see
 * rk_backend_open for the errors). */
int rk_ui_new(rk_ui **out, const rk_ui_options *opts);

/* Closes the display; NULL does nothing. */
void rk_ui_free(rk_ui *ui);

rk_backend *rk_ui_backend(rk_ui *ui);

/* --- settings --- */

/* The strings for language lang (0 zh-CN, 1 en); the context borrows them. */
void rk_ui_set_strings(rk_ui *ui, int lang, const rk_strings *s);
const rk_strings *rk_ui_strings(const rk_ui *ui);
int rk_ui_lang(const rk_ui *ui);
void rk_ui_set_lang(rk_ui *ui, int lang);

/* The current language's text for key; a missing key gives the key itself
 * in brackets and a fit report ("missing string"). */
const char *rk_ui_str(rk_ui *ui, const char *key);

int rk_ui_contrast(const rk_ui *ui);
void rk_ui_set_contrast(rk_ui *ui, int on);
int rk_ui_large(const rk_ui *ui);
void rk_ui_set_large(rk_ui *ui, int on);
const rk_theme *rk_ui_theme(const rk_ui *ui);

/* Design pixels to screen pixels (display scale). */
int rk_ui_px(const rk_ui *ui, int design);
/* A design text size to screen pixels (display scale x 1.4 in large type). */
int rk_ui_font(const rk_ui *ui, int design);

/* The whole screen in pixels. */
rk_rect rk_ui_screen(const rk_ui *ui);

/* The sound hook (a confirmation tone on every accepted touch). */
void rk_ui_set_sound(rk_ui *ui, rk_ui_sound_fn fn, void *arg);
void rk_ui_sound(rk_ui *ui, int sound);

/* --- the loop --- */

/* Sleeps until there is input, a wake-up (rk_ui_wake), a watched fd, or a
 * frame asked for by rk_ui_redraw_in is due, at most max_ms (-1: no
 * limit). Returns 1 when a frame should be drawn, 0 when max_ms passed with
 * nothing to do. */
int rk_ui_wait(rk_ui *ui, int max_ms);

/* Thread-safe: makes rk_ui_wait return (a job finished). */
void rk_ui_wake(rk_ui *ui);

/* Starts a frame of screen name (for reports and screenshots). */
void rk_ui_begin(rk_ui *ui, const char *screen);

/* Ends and presents the frame. */
void rk_ui_end(rk_ui *ui);

/* Asks for a frame within ms (0: at once; timers, countdowns, animation). */
void rk_ui_redraw_in(rk_ui *ui, int ms);

/* The context's clock in ms (the backend's, plus what tests advanced). */
uint64_t rk_ui_now(const rk_ui *ui);
void rk_ui_advance_clock(rk_ui *ui, int ms);

/* This frame's input; the screen name and frame number. */
const rk_input *rk_ui_input(const rk_ui *ui);
const char *rk_ui_screen_name(const rk_ui *ui);
unsigned long rk_ui_frame(const rk_ui *ui);

/* Turns input off for the widgets drawn next (the screen behind a dialog)
 * and on again (the dialog). Starts on in every frame. */
void rk_ui_set_input(rk_ui *ui, int on);
int rk_ui_input_on(const rk_ui *ui);

/* --- for widgets --- */

/* The pointer's interaction with the target id at r: registers it as a
 * touch target of this frame and returns RK_UI_* bits. A disabled target is
 * registered (for size checks) but never clicked. */
int rk_ui_interact(rk_ui *ui, const char *id, rk_rect r, int disabled);

/* Names a part of a widget (a list row) for the event player without
 * making it a target of its own (rk_ui_hit gives disabled = -1). */
void rk_ui_mark(rk_ui *ui, const char *id, rk_rect r);

/* How far the pointer moved while dragging id this frame. */
void rk_ui_drag_delta(const rk_ui *ui, int *dx, int *dy);

/* 1 once the held pointer has moved further than a tap may (a drag that
 * scrolls a list is not a tap on its row). */
int rk_ui_dragged(const rk_ui *ui);

/* Keyboard focus (text fields); a change of focus draws the next frame at once. */
void rk_ui_set_focus(rk_ui *ui, const char *id);
int rk_ui_has_focus(const rk_ui *ui, const char *id);
void rk_ui_clear_focus(rk_ui *ui);

/* Text typed for the focused field in this frame (physical keyboard, or
 * what the on-screen keyboard committed): the field takes it once. */
const char *rk_ui_take_text(rk_ui *ui, size_t *n);
/* Backspaces for the focused field in this frame. */
int rk_ui_take_backspace(rk_ui *ui);
/* Enter hit for the focused field in this frame. */
int rk_ui_take_enter(rk_ui *ui);

/* The on-screen keyboard: text for the focused field in the next frame
 * (a redraw is requested). */
void rk_ui_commit_text(rk_ui *ui, const char *s);
void rk_ui_commit_backspace(rk_ui *ui);
void rk_ui_commit_enter(rk_ui *ui);

/* While grab is set (the keyboard composes pinyin), the physical
 * keyboard's letters, backspace and enter go to it, not to the field:
 * rk_ui_take_grabbed gives them to the keyboard. */
void rk_ui_set_grab(rk_ui *ui, int grab);
const char *rk_ui_take_grabbed(rk_ui *ui, size_t *n, int *backspaces, int *enter, int *escape);

/* Draws s in box at design text size, in colour c, aligned (RK_ALIGN_*
 * | RK_UI_* flags), clipped to the box; checks the fit when the check is
 * on. Returns 1 when the text fits. id names the widget in reports. */
int rk_ui_text(rk_ui *ui, const char *id, rk_rect box, const char *s, int design_px, rk_color c,
               int flags);

/* Restricts drawing to r (inside the current restriction) and back. At
 * most 8 deep; both return nothing and ignore overflow. */
void rk_ui_push_clip(rk_ui *ui, rk_rect r);
void rk_ui_pop_clip(rk_ui *ui);

/* Lines s takes at design text size wrapped at width w. */
int rk_ui_text_lines(rk_ui *ui, const char *s, int design_px, int w);

/* The size s would take at design text size on one line. */
void rk_ui_text_size(rk_ui *ui, const char *s, int design_px, int *w, int *h);

/* Records a fit report by hand (widgets with their own text layout). */
void rk_ui_report_fit(rk_ui *ui, const char *id, const char *text, int need_w, int need_h,
                      rk_rect box, const char *why);

/* --- tests and the event player --- */

int rk_ui_fit_count(const rk_ui *ui);
const rk_ui_fit *rk_ui_fit_get(const rk_ui *ui, int i);
void rk_ui_fit_clear(rk_ui *ui);
void rk_ui_set_fit_check(rk_ui *ui, int on);

/* The touch target id of the last finished frame: 1 and its rectangle, or
 * 0. The number of targets and the i-th; *disabled is 0 for a live target,
 * 1 for a disabled one, 2 for one covered by a dialog (input off), -1 for
 * a marker (rk_ui_mark). */
int rk_ui_find(const rk_ui *ui, const char *id, rk_rect *r);
int rk_ui_hit_count(const rk_ui *ui);
const char *rk_ui_hit(const rk_ui *ui, int i, rk_rect *r, int *disabled);

/* The idle wipe: drops every personal texture, the typed-text buffers and
 * the focus. The program wipes its own state (rk_wipe). */
void rk_ui_wipe(rk_ui *ui);

#endif
