/*
 * The clerk-only exit: the kiosk cannot be left without a clerk. A clerk
 * holds the branch's name on the attract screen for three seconds, then
 * logs in (login and password, branch/session.h: lockout and audit as
 * every login); a clerk's login ends the program with exit code
 * KIOSK_EXIT_CLERK, which rakiosk.service does not restart. A wrong login
 * is refused with one answer and the screen stays; idle or "cancel"
 * return to the attract screen, the typed password wiped.
 */
#include "kiosk.h"

#include "branch/session.h"
#include "ui/field.h"
#include "ui/widgets.h"
#include "util/err.h"
#include "util/log.h"
#include "util/wipe.h"

#include <stdio.h>
#include <string.h>

static char login[64], password[128];
static int refused;

void mod_clerk_exit_reset(kiosk *k, kiosk_reset why)
{
    (void)k;
    (void)why;
    rk_wipe(login, sizeof login);
    rk_wipe(password, sizeof password);
    refused = 0;
}

static void try_login(kiosk *k)
{
    rk_actor actor;
    int rc = rk_branch_login(k->branch, login, password, &actor);
    rk_wipe(password, sizeof password);
    if (rc) {
        refused = 1;
        rk_err_clear();
        rk_ui_sound(k->ui, RK_UI_SOUND_ERROR);
        rk_ui_set_focus(k->ui, "exit.password");
        return;
    }
    rk_log_info("kiosk: clerk %s ended the kiosk", login);
    rk_branch_logout(k->branch);
    k->exit_code = KIOSK_EXIT_CLERK;
    kiosk_stop(k);
}

void scr_clerk_exit(kiosk *k)
{
    rk_ui *ui = k->ui;
    if (kiosk_entering(k)) {
        mod_clerk_exit_reset(k, KIOSK_RESET_OVER);
        rk_ui_set_focus(ui, "exit.login");
        rk_keyboard_set_mode(&k->kb, RK_KB_LATIN);
        k->kb.modes = RK_KB_BIT(RK_KB_LATIN) | RK_KB_BIT(RK_KB_DIGITS) | RK_KB_BIT(RK_KB_PUNCT);
    }
    const rk_theme *t = rk_ui_theme(ui);
    rk_rect scr = rk_ui_screen(ui);
    rk_backend_fill(rk_ui_backend(ui), scr, t->bg);
    rk_rect c = rk_rect_inset(scr, rk_ui_px(ui, 32));
    rk_widget_heading(ui, "exit.title", rk_rect_cut_top(&c, rk_ui_px(ui, 72)),
                      kiosk_str(k, "exit.title"));
    int kh = rk_keyboard_height(ui, &k->kb, c.w);
    rk_keyboard_draw(ui, "kb", rk_rect_cut_bottom(&c, kh), &k->kb);
    rk_rect_cut_bottom(&c, rk_ui_px(ui, RK_UI_GAP));
    rk_button yes = {.label = kiosk_str(k, "exit.yes"), .kind = RK_BTN_DANGER};
    rk_button no = {.label = kiosk_str(k, "exit.no"), .kind = RK_BTN_SECONDARY};
    int bh = rk_widget_button_height(ui, &yes), yw = rk_widget_button_width(ui, &yes);
    int nw = rk_widget_button_width(ui, &no), gap = rk_ui_px(ui, 32);
    rk_rect bar = rk_rect_cut_bottom(&c, bh);
    rk_rect_cut_bottom(&c, rk_ui_px(ui, RK_UI_GAP));
    if (rk_widget_button_ex(ui, "exit.no", rk_rect_make(bar.x, bar.y, nw, bh), &no)) {
        mod_clerk_exit_reset(k, KIOSK_RESET_OVER);
        kiosk_go_root(k, KS_ATTRACT);
        return;
    }
    int go =
        rk_widget_button_ex(ui, "exit.yes", rk_rect_make(bar.x + bar.w - yw, bar.y, yw, bh), &yes);
    int fh = rk_field_height(ui);
    if (fh > c.h) fh = c.h;
    rk_rect row = rk_rect_cut_top(&c, fh);
    rk_field lf = {login, sizeof login, RK_FIELD_TEXT, 32, NULL};
    rk_field pf = {password, sizeof password, RK_FIELD_PIN, 64, NULL};
    int r = rk_field_draw(ui, "exit.login", rk_rect_column(row, 2, 0, gap),
                          kiosk_str(k, "exit.login"), &lf, NULL);
    if (r & RK_FIELD_SUBMIT) rk_ui_set_focus(ui, "exit.password");
    r = rk_field_draw(ui, "exit.password", rk_rect_column(row, 2, 1, gap),
                      kiosk_str(k, "exit.password"), &pf,
                      refused ? kiosk_str(k, "exit.refused") : NULL);
    if ((r & RK_FIELD_SUBMIT) || go) try_login(k);
}
