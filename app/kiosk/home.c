/*
 * The home screen: the services as large tiles (an icon and two words
 * each), the business types of DOMAIN.md first, then status query, key
 * self-check and help when those screens are built; and the voice switch
 * for this visit. A business tile starts the guided flow at the choice of
 * subscriber kind ("kind"); while that screen is not built, the kiosk
 * says plainly that the business is done at the counter.
 */
#include "kiosk.h"
#include "services.h"

#include "ui/widgets.h"

#include <stdio.h>
#include <string.h>

static void choose(kiosk *k, const kiosk_service *s)
{
    if (s->business) {
        snprintf(k->visit.business, sizeof k->visit.business, "%s", s->business);
        int kind = kiosk_find_screen("kind");
        if (kind >= 0)
            kiosk_go(k, (kiosk_screen)kind);
        else
            kiosk_info(k, "home.counter_title", "home.counter_text");
        return;
    }
    int scr = kiosk_find_screen(s->screen);
    if (scr >= 0) kiosk_go(k, (kiosk_screen)scr);
}

void scr_home(kiosk *k)
{
    rk_ui *ui = k->ui;
    if (kiosk_entering(k)) k->visit.business[0] = 0;
    rk_chrome c = {.title = kiosk_str(k, "home.title"), .back = 1, .start_over = 1};
    rk_rect content = kiosk_chrome(k, &c);
    int gap = rk_ui_px(ui, RK_UI_GAP);

    /* The voice switch, under the tiles on the right. */
    rk_button vb = {.label = kiosk_str(k, k->visit.voice ? "home.voice_on" : "home.voice_off"),
                    .kind = k->visit.voice ? RK_BTN_SELECTED : RK_BTN_SECONDARY};
    int vh = rk_widget_button_height(ui, &vb), vw = rk_widget_button_width(ui, &vb);
    rk_rect bar = rk_rect_cut_bottom(&content, vh);
    rk_rect_cut_bottom(&content, gap);
    if (rk_widget_button_ex(ui, "home.voice", rk_rect_make(bar.x + bar.w - vw, bar.y, vw, vh),
                            &vb)) {
        k->visit.voice = !k->visit.voice;
        if (!k->visit.voice && k->voice) rk_voice_stop(k->voice);
        kiosk_say(k, "prompt.choose");
    }

    const kiosk_service *shown[KIOSK_SERVICES];
    int n = 0;
    for (int i = 0; i < KIOSK_SERVICES; i++)
        if (kiosk_service_offered(&kiosk_services[i])) shown[n++] = &kiosk_services[i];
    int cols = rk_ui_large(ui) || n <= 9 ? 3 : 4;
    int rows = (n + cols - 1) / cols;
    for (int i = 0; i < n; i++) {
        char key[48], sub[48], id[32];
        rk_rect row = rk_rect_row(content, rows, i / cols, gap);
        rk_rect cell = rk_rect_column(row, cols, i % cols, gap);
        snprintf(key, sizeof key, "home.%s", shown[i]->key);
        snprintf(sub, sizeof sub, "home.%s_sub", shown[i]->key);
        snprintf(id, sizeof id, "tile.%s", shown[i]->key);
        if (rk_widget_tile(ui, id, cell, shown[i]->icon, kiosk_str(k, key), kiosk_str(k, sub)))
            choose(k, shown[i]);
    }
    kiosk_chrome_end(k);
}
