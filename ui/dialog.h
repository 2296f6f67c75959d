/*
 * Dialogs over the screen: a confirmation (yes / no, the dangerous answer
 * in red) and the idle countdown ("30 秒后将返回首页…" with "继续办理" as the
 * large button).
 *
 * A dialog is drawn last, over a screen drawn with input turned off:
 *
 *     rk_ui_set_input(ui, !st->asking);
 *     draw_screen(ui, st);
 *     if (st->asking) r = rk_dialog_confirm(ui, "restart", ...);
 *
 * The dialog turns input back on for itself. Results are RK_DIALOG_*.
 */
#ifndef RK_UI_DIALOG_H
#define RK_UI_DIALOG_H

#include "ui.h"

#include <stdint.h>

enum { RK_DIALOG_OPEN = 0, RK_DIALOG_YES = 1, RK_DIALOG_NO = 2, RK_DIALOG_TIMEOUT = 3 };

/* A question with two answers; danger makes "yes" red. no may be NULL (an
 * information with one button). */
int rk_dialog_confirm(rk_ui *ui, const char *id, const char *title, const char *message,
                      const char *yes, const char *no, int danger);

/* The countdown: message holds {1} for the seconds left until deadline
 * (rk_ui_now time); more is the button that asks for more time
 * (RK_DIALOG_YES). RK_DIALOG_TIMEOUT once the deadline passes. It asks
 * for a frame every second by itself. */
int rk_dialog_countdown(rk_ui *ui, const char *id, const char *title, const char *message,
                        uint64_t deadline, const char *more);

#endif
