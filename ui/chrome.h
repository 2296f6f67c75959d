/*
 * The frame of every subscriber screen (KIOSK-UX.md): "返回" bottom left,
 * "重新开始" bottom centre (asking first when data would be lost), "呼叫工作人员"
 * top right, with the large-type, high-contrast and language switches
 * beside it, and the step bar of the current business under the top bar.
 *
 * rk_chrome_begin draws the bars, handles the switches itself (they are the
 * context's settings) and gives the screen the rectangle left for its
 * content; rk_chrome_end, called after the content, draws the start-over
 * confirmation when it is open. Both return RK_CHROME_* for what the
 * program must act on.
 */
#ifndef RK_UI_CHROME_H
#define RK_UI_CHROME_H

#include "ui.h"

enum {
    RK_CHROME_NONE = 0,
    RK_CHROME_BACK,       /* go back one step */
    RK_CHROME_START_OVER, /* confirmed (or nothing to lose): back to the start */
    RK_CHROME_CALL_CLERK, /* call a clerk */
    RK_CHROME_SWITCHED    /* a switch changed (type size, contrast, language) */
};

typedef struct rk_chrome {
    const char *title;        /* the screen's heading (drawn atop the content); may be NULL */
    const char *const *steps; /* the step bar's names; NULL for none */
    int n_steps, step;        /* how many, and the current one (0-based) */
    int back;                 /* offer "back" */
    int start_over;           /* offer "start over" */
    int dirty;                /* start over would lose what was entered: ask first */
} rk_chrome;

/* What the chrome keeps between frames (the caller owns it, per visit). */
typedef struct rk_chrome_state {
    int confirming; /* the start-over question is open */
} rk_chrome_state;

/* Draws the bars and returns the content rectangle in *content. Turns the
 * input off for the content while the confirmation is open. */
int rk_chrome_begin(rk_ui *ui, rk_chrome_state *st, const rk_chrome *c, rk_rect *content);

/* Draws the start-over confirmation over everything when it is open. */
int rk_chrome_end(rk_ui *ui, rk_chrome_state *st);

#endif
