/*
 * The widget gallery: every rkui widget on screens laid out like the
 * kiosk's (home tiles, the form with the pinyin keyboard, documents with
 * zoom, fees, the payment QR, progress, rating, the clerk's queue, the idle
 * countdown, the start-over confirmation, status lines and rare
 * characters). The gallery program (gallery_main.c) plays scripts against
 * it and takes screenshots; bench_ui measures it.
 *
 * The gallery is a test program, not the kiosk: its sample data is made
 * up, and the screens only show that the widgets compose.
 */
#ifndef RK_TESTS_UI_GALLERY_H
#define RK_TESTS_UI_GALLERY_H

#include "ui/backend.h"
#include "ui/chrome.h"
#include "ui/field.h"
#include "ui/ime.h"
#include "ui/imageview.h"
#include "ui/keyboard.h"
#include "ui/listview.h"
#include "ui/ui.h"
#include "ui/voice.h"

typedef enum gallery_screen {
    G_HOME = 0,
    G_KIND,
    G_FORM,
    G_FORM2,
    G_DOCUMENTS,
    G_FEES,
    G_PAY,
    G_PROGRESS,
    G_RATING,
    G_QUEUE,
    G_STATUS,
    G_IDLE,
    G_SCREENS
} gallery_screen;

typedef struct gallery {
    rk_ui *ui;
    rk_ime *ime;
    rk_voice *voice;
    gallery_screen screen;
    rk_chrome_state chrome;
    rk_keyboard kb;
    char name[128], id_number[32], mobile[24], pin[16], org[128];
    int id_checked; /* show the ID number's error once it was submitted */
    rk_list_state queue, docs;
    rk_imageview_state view;
    rk_backend_image *doc, *thumb2, *qr;
    int selected_doc;
    int rating;
    int dialog;    /* 1: call-a-clerk information open */
    int cancelled; /* progress cancelled */
    uint64_t idle_deadline;
    int idle_result;       /* what the countdown said last */
    int busy;              /* progress screen: a busy frame for the benchmark */
    unsigned long actions; /* things pressed (for tests) */
    char last_action[64];
} gallery;

/* Sets the gallery up on ui: images, the keyboard with ime (may be NULL),
 * sample data. 0 or a negative RK_E* code. */
int gallery_init(gallery *g, rk_ui *ui, rk_ime *ime, rk_voice *voice);

void gallery_free(gallery *g);

/* Draws one frame of the current screen (between rk_ui_begin/end, which
 * this calls). */
void gallery_frame(gallery *g);

/* The screen called name ("home", "form" ...), or -1. */
int gallery_screen_by_name(const char *name);
const char *gallery_screen_name(int screen);

/* Goes to a screen as the kiosk would (keyboard mode and focus set). */
void gallery_show(gallery *g, gallery_screen s);

/* The player's "app" hook: "screen NAME", "keyboard MODE", "expect-field
 * FIELD VALUE", "expect-action ACTION", "busy" (a determinate bar). */
int gallery_app(void *arg, const char *words);

#endif
