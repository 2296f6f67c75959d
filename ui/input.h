/*
 * What the user did since the last frame, as the widgets see it.
 *
 * The backend turns SDL's events (fingers, mouse, keys, text) into one
 * rk_input per frame: a single pointer (touch or mouse, in logical pixels),
 * at most one press or release edge per frame (further events wait for the
 * next frame, so a quick tap is never lost between a press and a release in
 * the same frame), the text typed and the keys hit.
 */
#ifndef RK_UI_INPUT_H
#define RK_UI_INPUT_H

#include <stddef.h>

typedef enum rk_key {
    RK_KEY_NONE = 0,
    RK_KEY_BACKSPACE,
    RK_KEY_DELETE,
    RK_KEY_ENTER,
    RK_KEY_ESCAPE,
    RK_KEY_TAB,
    RK_KEY_SPACE,
    RK_KEY_LEFT,
    RK_KEY_RIGHT,
    RK_KEY_UP,
    RK_KEY_DOWN,
    RK_KEY_PAGEUP,
    RK_KEY_PAGEDOWN,
    RK_KEY_HOME,
    RK_KEY_END,
    RK_KEY_F1,
    RK_KEY_F2,
    RK_KEY_F3,
    RK_KEY_F4,
    RK_KEY_F5,
    RK_KEY_F6,
    RK_KEY_F7,
    RK_KEY_F8,
    RK_KEY_F9,
    RK_KEY_F10,
    RK_KEY_F11,
    RK_KEY_F12,
    RK_KEY_COUNT
} rk_key;

enum { RK_MOD_SHIFT = 1, RK_MOD_CTRL = 2, RK_MOD_ALT = 4 };

#define RK_INPUT_TEXT_MAX 256

typedef struct rk_input {
    int x, y;                         /* pointer position, logical pixels */
    int down;                         /* a finger or the left button is held */
    int pressed;                      /* ... went down in this frame */
    int released;                     /* ... went up in this frame */
    int moved;                        /* the pointer moved in this frame */
    int touch;                        /* the pointer is a finger (not a mouse) */
    int wheel;                        /* mouse wheel steps, positive away from the user */
    int mods;                         /* RK_MOD_* held */
    int quit;                         /* the window was asked to close */
    int wakes;                        /* wake-ups from other threads or watched descriptors */
    int events;                       /* events taken into this input */
    int more;                         /* events are still queued (draw the next frame at once) */
    unsigned char keys[RK_KEY_COUNT]; /* times each key was hit */
    char text[RK_INPUT_TEXT_MAX];     /* text typed, UTF-8, NUL-terminated */
    size_t text_len;
} rk_input;

/* Clears the per-frame parts (edges, keys, text, counters); keeps the
 * pointer position and whether it is held. */
void rk_input_next(rk_input *in);

/* Appends text (cut at a code point boundary when full). */
void rk_input_add_text(rk_input *in, const char *s, size_t n);

/* The key called name ("Return", "BackSpace", "Escape", "Tab", "space",
 * "Left", "Right", "Up", "Down", "PageUp", "PageDown", "Home", "End",
 * "Delete", "F1".."F12"), case-insensitive; RK_KEY_NONE if none. */
rk_key rk_input_key_from_name(const char *name);

/* The canonical name of key ("" for none). */
const char *rk_input_key_name(rk_key key);

#endif
