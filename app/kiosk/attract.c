/*
 * The attract screen: the kiosk at rest. The branch's name, a slow loop
 * over the services it offers (one every few seconds: the only frames
 * drawn while nobody is there), and "touch the screen to start"; a touch
 * anywhere opens the home screen and starts a visit. A small staff entry
 * leads to the clerks' desk when that module is built, and on a demo
 * branch another to the demo panel.
 */
#include "kiosk.h"
#include "services.h"

#include "ui/widgets.h"

#include <stdio.h>
#include <string.h>

#define ATTRACT_STEP_MS 4000 /* one service shown this long */

static void start_visit(kiosk *k)
{
    kiosk_wipe(k, KIOSK_RESET_OVER);
    kiosk_go_root(k, KS_HOME);
    kiosk_say(k, "prompt.choose");
}

void scr_attract(kiosk *k)
{
    rk_ui *ui = k->ui;
    const rk_theme *t = rk_ui_theme(ui);
    rk_rect scr = rk_ui_screen(ui);
    rk_backend_fill(rk_ui_backend(ui), scr, t->bg);
    rk_rect c = rk_rect_inset(scr, rk_ui_px(ui, RK_UI_MARGIN));
    int line = rk_backend_line_height(rk_ui_backend(ui), rk_ui_font(ui, RK_UI_TEXT_BODY));

    /* The staff entry, bottom right, out of the way of the start button. */
    int staff = kiosk_find_screen("desk_login");
    if (staff >= 0) {
        rk_button sb = {
            .label = kiosk_str(k, "attract.staff"), .icon = RK_ICON_LOCK, .kind = RK_BTN_QUIET};
        int w = rk_widget_button_width(ui, &sb), h = rk_widget_button_height(ui, &sb);
        rk_rect r = rk_rect_make(c.x + c.w - w, c.y + c.h - h, w, h);
        if (rk_widget_button_ex(ui, "attract.staff", r, &sb)) {
            kiosk_go_root(k, (kiosk_screen)staff);
            return;
        }
    }

    /* The demo panel's entry, bottom left, on a demo branch only. */
    if (kiosk_demo_on(k)) {
        rk_button db = {
            .label = kiosk_str(k, "attract.demo"), .icon = RK_ICON_INFO, .kind = RK_BTN_QUIET};
        int w = rk_widget_button_width(ui, &db), h = rk_widget_button_height(ui, &db);
        if (rk_widget_button_ex(ui, "attract.demo", rk_rect_make(c.x, c.y + c.h - h, w, h), &db)) {
            kiosk_go(k, KS_DEMO);
            return;
        }
    }

    rk_rect head = rk_rect_cut_top(&c, rk_ui_px(ui, 80));
    rk_widget_muted(ui, "attract.branch", head, k->conf->branch_name, RK_UI_TEXT_BODY,
                    RK_ALIGN_CENTER);
    /* The clerk-only exit: the branch's name held for KIOSK_HOLD_MS. */
    int held = rk_ui_interact(ui, "attract.exit", rk_rect_center(head, head.w / 3, head.h), 0);
    if ((held & RK_UI_HELD) && (held & RK_UI_HOT)) {
        uint64_t now = rk_ui_now(ui);
        if (!k->hold_since) k->hold_since = now;
        if (now - k->hold_since >= KIOSK_HOLD_MS) {
            k->hold_since = 0;
            kiosk_go_root(k, KS_CLERK_EXIT);
            return;
        }
        rk_ui_redraw_in(ui, 100);
    } else {
        k->hold_since = 0;
    }
    rk_rect title = rk_rect_cut_top(&c, rk_ui_px(ui, 140));
    rk_ui_text(ui, "attract.title", title, kiosk_str(k, "attract.title"), 72, t->text,
               RK_ALIGN_CENTER);

    /* The loop of services: the one due now, its icon, title and line. */
    int offered[KIOSK_SERVICES], n = 0;
    for (int i = 0; i < KIOSK_SERVICES; i++)
        if (kiosk_service_offered(&kiosk_services[i])) offered[n++] = i;
    uint64_t shown = rk_ui_now(ui) - k->screen_since;
    const kiosk_service *s = &kiosk_services[offered[(shown / ATTRACT_STEP_MS) % (uint64_t)n]];
    rk_ui_redraw_in(ui, (int)(ATTRACT_STEP_MS - shown % ATTRACT_STEP_MS));
    char key[48], sub[48];
    snprintf(key, sizeof key, "home.%s", s->key);
    snprintf(sub, sizeof sub, "home.%s_sub", s->key);
    rk_rect band = rk_rect_center(
        c, c.w < rk_ui_px(ui, RK_UI_CONTENT_MAX) ? c.w : rk_ui_px(ui, RK_UI_CONTENT_MAX),
        rk_ui_px(ui, 200) + 3 * line);
    rk_rect icon = rk_rect_cut_top(&band, rk_ui_px(ui, 160));
    rk_backend_icon(rk_ui_backend(ui), s->icon, icon, t->accent);
    rk_ui_text(ui, "attract.service", rk_rect_cut_top(&band, band.h / 2), kiosk_str(k, key),
               RK_UI_TEXT_HEADING, t->text, RK_ALIGN_CENTER);
    rk_widget_muted(ui, "attract.service_sub", band, kiosk_str(k, sub), RK_UI_TEXT_BODY,
                    RK_ALIGN_CENTER);

    /* Start: the button names it; a touch anywhere else does the same. */
    rk_button st = {.label = kiosk_str(k, "attract.touch"), .kind = RK_BTN_PRIMARY, .text_px = 40};
    int bw = rk_widget_button_width(ui, &st), bh = rk_widget_button_height(ui, &st);
    if (bh < rk_ui_px(ui, 120)) bh = rk_ui_px(ui, 120);
    rk_rect br = rk_rect_make(c.x + (c.w - bw) / 2, c.y + c.h - bh - rk_ui_px(ui, 40), bw, bh);
    int pressed = rk_widget_button_ex(ui, "attract.start", br, &st);
    const rk_input *in = rk_ui_input(ui);
    rk_rect sr;
    int on_staff =
        staff >= 0 && rk_ui_find(ui, "attract.staff", &sr) && rk_rect_contains(sr, in->x, in->y);
    /* A short touch on the branch's name starts a visit too. */
    if (pressed || (in->released && rk_ui_input_on(ui) && !on_staff)) start_visit(k);
}
