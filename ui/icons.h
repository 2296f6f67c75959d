/*
 * The kiosk's icons, drawn as vectors with cairo into an alpha mask.
 *
 * Icons sit beside words (never instead of them): the check mark of
 * success, the triangle of a warning, the cross of an error, the tiles of
 * the home screen, the keyboard's special keys, the five faces of the
 * rating. Each is a few strokes in a 48-unit box, antialiased at any size;
 * the backend colours the mask and caches it as a texture.
 */
#ifndef RK_UI_ICONS_H
#define RK_UI_ICONS_H

#include <stdint.h>

typedef enum rk_icon {
    RK_ICON_NONE = 0,
    RK_ICON_CHECK,     /* success */
    RK_ICON_CROSS,     /* error, close */
    RK_ICON_WARNING,   /* triangle with ! */
    RK_ICON_INFO,      /* circle with i */
    RK_ICON_BACK,      /* arrow left */
    RK_ICON_RESTART,   /* circular arrow: start over */
    RK_ICON_CLERK,     /* a person with a headset: call a clerk */
    RK_ICON_TEXTSIZE,  /* large type */
    RK_ICON_CONTRAST,  /* half-filled circle */
    RK_ICON_LANGUAGE,  /* globe */
    RK_ICON_NEWCERT,   /* document with a plus */
    RK_ICON_RENEW,     /* two circling arrows */
    RK_ICON_CHANGE,    /* pencil */
    RK_ICON_LOST,      /* key with a question mark */
    RK_ICON_DAMAGED,   /* broken key */
    RK_ICON_UNLOCK,    /* open padlock */
    RK_ICON_LOCK,      /* closed padlock */
    RK_ICON_REVOKE,    /* circle with a bar */
    RK_ICON_SUSPEND,   /* pause */
    RK_ICON_RESUME,    /* play */
    RK_ICON_RECOVER,   /* key with a return arrow */
    RK_ICON_SEARCH,    /* magnifier: status query */
    RK_ICON_SELFCHECK, /* USB key with a check mark */
    RK_ICON_HELP,      /* question mark in a circle */
    RK_ICON_KEY,       /* USB key */
    RK_ICON_IDCARD,    /* identity card */
    RK_ICON_RECEIPT,   /* receipt slip */
    RK_ICON_SCAN,      /* document scanner */
    RK_ICON_USB,       /* USB stick (import) */
    RK_ICON_PAPER,     /* paper documents at the counter */
    RK_ICON_PAY,       /* QR payment */
    RK_ICON_PERSON,    /* individual subscriber */
    RK_ICON_ORG,       /* organisation (building) */
    RK_ICON_SERVER,    /* server certificate */
    RK_ICON_BACKSPACE,
    RK_ICON_SHIFT,
    RK_ICON_ENTER,
    RK_ICON_LEFT, /* chevrons */
    RK_ICON_RIGHT,
    RK_ICON_UP,
    RK_ICON_DOWN,
    RK_ICON_PLUS,
    RK_ICON_MINUS,
    RK_ICON_FACE1, /* very unhappy .. */
    RK_ICON_FACE2,
    RK_ICON_FACE3,
    RK_ICON_FACE4,
    RK_ICON_FACE5, /* .. very happy */
    RK_ICON_COUNT
} rk_icon;

/* Draws icon at size x size pixels into mask (one byte of coverage per
 * pixel, stride bytes per row, cleared first). Returns 0, or RK_EINVAL for
 * an unknown icon or a size outside 4..1024. */
int rk_icons_render(rk_icon icon, int size, uint8_t *mask, int stride);

/* A short name for tests and scripts ("check", "face3"...); "" if unknown. */
const char *rk_icons_name(rk_icon icon);

#endif
