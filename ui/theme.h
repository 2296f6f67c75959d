/*
 * The kiosk's two themes and its design sizes (KIOSK-UX.md).
 *
 * Normal: dark text #1A1A1A on white / #F4F6F8 with one blue accent for
 * primary actions, every text colour at least 4.5:1 on what it sits on.
 * High contrast: white and yellow on black, at least 7:1, thicker outlines.
 * Colour never carries meaning alone: success, warning and error also have
 * an icon and words (the widgets take care of that).
 *
 * Sizes are design pixels at 1920x1080; the context scales them with the
 * display and multiplies type by 1.4 in large-type mode.
 */
#ifndef RK_UI_THEME_H
#define RK_UI_THEME_H

#include "geom.h"

/* Design sizes at 1080p (px). */
enum {
    RK_UI_TARGET_MIN = 64,     /* any touch target */
    RK_UI_TARGET_PRIMARY = 96, /* primary actions */
    RK_UI_GAP = 16,            /* between targets */
    RK_UI_MARGIN = 64,         /* outer margin */
    RK_UI_CONTENT_MAX = 1400,  /* readable content width */
    RK_UI_TEXT_SMALL = 24,     /* never smaller on a subscriber screen */
    RK_UI_TEXT_BODY = 32,
    RK_UI_TEXT_HEADING = 48,
    RK_UI_TEXT_TITLE = 56,
    RK_UI_TEXT_NUMBER = 56, /* fees, order references */
    RK_UI_KEY_W = 100,      /* on-screen keyboard key */
    RK_UI_KEY_H = 88,
    RK_UI_CANDBAR_H = 72, /* candidate bar */
    RK_UI_RADIUS = 12     /* corner radius */
};

typedef struct rk_theme {
    const char *name;
    rk_color bg;           /* screen background */
    rk_color surface;      /* panels, cards, bars */
    rk_color text;         /* body text */
    rk_color text_muted;   /* secondary text (still >= the theme's ratio) */
    rk_color border;       /* outlines of fields and secondary buttons */
    rk_color accent;       /* primary buttons, the current step */
    rk_color on_accent;    /* text on accent */
    rk_color accent_down;  /* a primary button being pressed */
    rk_color button;       /* secondary buttons */
    rk_color on_button;    /* text on them */
    rk_color button_down;  /* a secondary button being pressed */
    rk_color danger;       /* dangerous actions (revoke, reject) */
    rk_color on_danger;    /* text on danger */
    rk_color success;      /* success words and icons */
    rk_color warning;      /* warning words and icons */
    rk_color error;        /* error words and icons */
    rk_color field;        /* text field background */
    rk_color focus;        /* focus outline */
    rk_color disabled;     /* disabled button background */
    rk_color on_disabled;  /* its text */
    rk_color overlay;      /* dims the screen behind a dialog (with alpha) */
    rk_color selection;    /* selected list row */
    rk_color on_selection; /* its text */
    int border_px;         /* outline thickness (design px) */
    int focus_px;          /* focus outline thickness */
    double min_contrast;   /* what every text colour reaches on its ground */
} rk_theme;

enum { RK_THEME_NORMAL = 0, RK_THEME_CONTRAST = 1 };

/* The theme (RK_THEME_NORMAL or RK_THEME_CONTRAST); never NULL. */
const rk_theme *rk_theme_get(int which);

/* Each (text, ground) pair the widgets draw, for the contrast test: fills
 * up to max pairs into fg/bg and returns how many there are. */
int rk_theme_text_pairs(const rk_theme *t, rk_color *fg, rk_color *bg, const char **what, int max);

#endif
