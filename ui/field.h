/*
 * Text fields: a label above, the box with what was typed, and an error
 * line below it (red, with a cross icon and words) that leaves the typed
 * text in place so the subscriber corrects it instead of starting again.
 *
 * Kinds mask what the queue behind the subscriber could read
 * (KIOSK-UX.md): an ID number shows as 110105********002X and a mobile as
 * 138****5678 except while it is being typed (the field has the focus); a
 * PIN is only ever dots. Every field's text is personal data for the text
 * cache (wiped at idle).
 *
 * The field edits the caller's buffer: it takes what the physical keyboard
 * or the on-screen keyboard typed while it has the focus, filtered to what
 * its kind accepts (digits; digits and X for ID numbers) and bounded by
 * max_chars code points and the buffer's size.
 */
#ifndef RK_UI_FIELD_H
#define RK_UI_FIELD_H

#include "ui.h"

#include <stddef.h>

typedef enum rk_field_kind {
    RK_FIELD_TEXT = 0, /* anything (names, addresses) */
    RK_FIELD_DIGITS,   /* 0-9 */
    RK_FIELD_ID,       /* resident ID: 0-9 and X, masked 6 + 4 when not typed */
    RK_FIELD_MOBILE,   /* 0-9, masked 3 + 4 when not typed */
    RK_FIELD_PIN       /* dots only, never shown */
} rk_field_kind;

typedef struct rk_field {
    char *buf;  /* the caller's NUL-terminated buffer */
    size_t cap; /* its size in bytes */
    rk_field_kind kind;
    int max_chars;    /* 0 = as many as fit in cap */
    const char *hint; /* shown greyed while empty (may be NULL) */
} rk_field;

/* Result bits. */
enum { RK_FIELD_CHANGED = 1, RK_FIELD_SUBMIT = 2, RK_FIELD_FOCUSED = 4 };

/* Draws the field in r (label, box, error line) and edits f->buf while it
 * has the focus; a tap gives it the focus. error (NULL: none) is shown
 * under the box. Returns RK_FIELD_* bits. */
int rk_field_draw(rk_ui *ui, const char *id, rk_rect r, const char *label, rk_field *f,
                  const char *error);

/* The height a field with its label above, and its error line, takes;
 * and the height with the label beside the box (a field given less than
 * rk_field_height but at least this is drawn that way: screens with the
 * keyboard). */
int rk_field_height(rk_ui *ui);
int rk_field_height_inline(rk_ui *ui);

/* What the field shows when it does not have the focus: kind's masking of
 * text into out (n bytes). Pure; tests call it. */
void rk_field_mask(rk_field_kind kind, const char *text, char *out, size_t n);

/* Applies typed text s to f (filtering by kind and limits) and returns 1
 * when the buffer changed. Pure; the field uses it. */
int rk_field_insert(rk_field *f, const char *s, size_t n);

/* Deletes count code points from the end; 1 when something was deleted. */
int rk_field_backspace(rk_field *f, int count);

#endif
