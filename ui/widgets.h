/*
 * The basic widgets: labels, buttons, home-screen tiles, status lines, the
 * step bar, progress, the five-faces rating and panels.
 *
 * Each is one call per frame that draws and returns what was pressed. They
 * follow KIOSK-UX.md: touch targets of at least 64 px (96 px for primary
 * actions) at 1080p, scaled with the display; status is always an icon and
 * words as well as a colour. In fit-check mode a button smaller than its
 * minimum, or a text that does not fit, is reported (ui.h).
 */
#ifndef RK_UI_WIDGETS_H
#define RK_UI_WIDGETS_H

#include "icons.h"
#include "ui.h"

typedef enum rk_button_kind {
    RK_BTN_SECONDARY = 0, /* grey: the ordinary choice */
    RK_BTN_PRIMARY,       /* accent: the one thing to do next (>= 96 px high) */
    RK_BTN_DANGER,        /* red: revoke, reject (confirmed by the caller) */
    RK_BTN_KEY,           /* an on-screen keyboard key */
    RK_BTN_SELECTED,      /* a toggle that is on, a chosen option */
    RK_BTN_QUIET          /* outline only: a less important choice */
} rk_button_kind;

typedef struct rk_button {
    const char *label; /* words (may be NULL for an icon-only key) */
    rk_icon icon;      /* RK_ICON_NONE for none */
    rk_button_kind kind;
    int text_px;  /* design text size; 0 = body (32) */
    int stacked;  /* icon above the words (the chrome's switches) */
    int disabled; /* drawn greyed, never pressed */
    int wrap;     /* words may take two lines */
    int personal; /* the label is personal data */
} rk_button;

/* A label: text in r at design size px (0 = body) with RK_ALIGN_* |
 * RK_UI_WRAP | RK_UI_TOP | RK_UI_PERSONAL flags, in the theme's text
 * colour (muted: the secondary colour). */
void rk_widget_label(rk_ui *ui, const char *id, rk_rect r, const char *text, int px, int flags);
void rk_widget_muted(rk_ui *ui, const char *id, rk_rect r, const char *text, int px, int flags);

/* A heading (48 px) and a title (56 px), left-aligned, wrapping. */
void rk_widget_heading(rk_ui *ui, const char *id, rk_rect r, const char *text);

/* A number that matters (fees, order references): 56 px, centred. */
void rk_widget_number(rk_ui *ui, const char *id, rk_rect r, const char *text);

/* A card: the surface colour with an outline. */
void rk_widget_panel(rk_ui *ui, rk_rect r);

/* A button; 1 when it was pressed (released over it) in this frame. */
int rk_widget_button(rk_ui *ui, const char *id, rk_rect r, const char *label, rk_button_kind kind);
int rk_widget_button_ex(rk_ui *ui, const char *id, rk_rect r, const rk_button *b);

/* The width a button needs for its words and icon (design sizes scaled),
 * and the height of one with words at design size px. */
int rk_widget_button_width(rk_ui *ui, const rk_button *b);
int rk_widget_button_height(rk_ui *ui, const rk_button *b);

/* A home-screen tile: a large icon, a title and a line of explanation. */
int rk_widget_tile(rk_ui *ui, const char *id, rk_rect r, rk_icon icon, const char *title,
                   const char *subtitle);

typedef enum rk_status_kind {
    RK_STATUS_INFO = 0,
    RK_STATUS_SUCCESS, /* green with a check mark */
    RK_STATUS_WARNING, /* amber with a triangle */
    RK_STATUS_ERROR    /* red with a cross */
} rk_status_kind;

/* A status line: its icon, then the words (wrapping), in its colour. */
void rk_widget_status(rk_ui *ui, const char *id, rk_rect r, rk_status_kind kind, const char *text,
                      int px);

/* The step bar (身份 → 填表 → 材料 → 费用 → 支付 → 回执): done steps with a
 * check mark, the current one filled with the accent, the rest outlined.
 * When the names do not fit, the others show only their numbers. */
void rk_widget_steps(rk_ui *ui, const char *id, rk_rect r, const char *const *labels, int n,
                     int current);

/* The height the step bar takes. */
int rk_widget_steps_height(rk_ui *ui);

/* Progress with words: "正在写入证书，请勿拔出USB Key… 3/5", a bar (fraction
 * 0..1, or < 0 for a moving bar when the end is unknown), "usually takes N
 * s" when usual_s > 0 (needs strings key progress.usually with {1}), and a
 * cancel button when cancel is not NULL. Returns 1 when cancel was
 * pressed. */
int rk_widget_progress(rk_ui *ui, const char *id, rk_rect r, const char *words, double fraction,
                       int step, int steps, int usual_s, const char *cancel);

/* Five faces from very unhappy to very happy, each with its word (strings
 * rating.1 .. rating.5). Returns 1..5 when one was chosen, else 0;
 * *value shows the current choice (0: none). */
int rk_widget_rating(rk_ui *ui, const char *id, rk_rect r, int *value);

/* Reports touch targets of this frame smaller than 64 px or closer than
 * 16 px to another (scaled), to the fit list. Call before rk_ui_end. */
void rk_widget_check_targets(rk_ui *ui);

#endif
