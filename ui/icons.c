/*
 * Vector icons (see icons.h). Every icon is drawn in a 48 x 48 unit box
 * with strokes 4 units wide and round ends, on an A8 cairo surface that
 * wraps the caller's mask.
 */
#include "icons.h"

#include "util/err.h"

#include <cairo.h>
#include <math.h>
#include <string.h>

#define LW 4.0

static const char *const names[RK_ICON_COUNT] = {
    "none",      "check",    "cross",     "warning",  "info",    "back",    "restart",
    "clerk",     "textsize", "contrast",  "language", "newcert", "renew",   "change",
    "lost",      "damaged",  "unlock",    "lock",     "revoke",  "suspend", "resume",
    "recover",   "search",   "selfcheck", "help",     "key",     "idcard",  "receipt",
    "scan",      "usb",      "paper",     "pay",      "person",  "org",     "server",
    "backspace", "shift",    "enter",     "left",     "right",   "up",      "down",
    "plus",      "minus",    "face1",     "face2",    "face3",   "face4",   "face5",
};

const char *rk_icons_name(rk_icon icon)
{
    return icon >= 0 && icon < RK_ICON_COUNT && names[icon] ? names[icon] : "";
}

static void line(cairo_t *cr, double x0, double y0, double x1, double y1)
{
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
}

static void circle(cairo_t *cr, double x, double y, double r, int fill)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, r, 0, 2 * M_PI);
    if (fill)
        cairo_fill(cr);
    else
        cairo_stroke(cr);
}

static void rounded(cairo_t *cr, double x, double y, double w, double h, double r)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
    cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
    cairo_close_path(cr);
}

static void arrow_head(cairo_t *cr, double x, double y, double angle, double len)
{
    /* A filled head pointing along angle with its tip at (x, y). */
    double a1 = angle + M_PI * 0.8, a2 = angle - M_PI * 0.8;
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, x + len * cos(a1), y + len * sin(a1));
    cairo_line_to(cr, x + len * cos(a2), y + len * sin(a2));
    cairo_close_path(cr);
    cairo_fill(cr);
}

static void question(cairo_t *cr, double cx, double cy, double s)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, cx, cy - 4 * s, 5 * s, M_PI, M_PI * 2.25);
    cairo_line_to(cr, cx, cy + 3 * s);
    cairo_stroke(cr);
    circle(cr, cx, cy + 8.5 * s, 1.8 * s, 1);
}

static void key_shape(cairo_t *cr, double x, double y)
{
    /* A USB key standing: body with a cap and a ring. */
    rounded(cr, x, y + 10, 14, 26, 3);
    cairo_stroke(cr);
    cairo_rectangle(cr, x + 3, y + 3, 8, 7);
    cairo_stroke(cr);
    circle(cr, x + 7, y + 28, 2.5, 1);
}

static void check(cairo_t *cr, double x, double y, double s)
{
    cairo_move_to(cr, x - 9 * s, y);
    cairo_line_to(cr, x - 3 * s, y + 6 * s);
    cairo_line_to(cr, x + 9 * s, y - 7 * s);
    cairo_stroke(cr);
}

static void face(cairo_t *cr, int mood)
{
    /* mood 1..5: mouth from a deep frown to a wide smile. */
    double curve = (mood - 3) * 4.0;
    circle(cr, 24, 24, 20, 0);
    circle(cr, 17, 19, 2.6, 1);
    circle(cr, 31, 19, 2.6, 1);
    cairo_move_to(cr, 14, 32 - curve / 2);
    cairo_curve_to(cr, 19, 32 + curve, 29, 32 + curve, 34, 32 - curve / 2);
    cairo_stroke(cr);
    if (mood == 1) { /* brows */
        line(cr, 13, 13, 19, 15);
        line(cr, 35, 13, 29, 15);
    }
}

static void draw(cairo_t *cr, rk_icon icon)
{
    switch (icon) {
    case RK_ICON_CHECK: check(cr, 24, 25, 1.7); break;
    case RK_ICON_CROSS:
        line(cr, 10, 10, 38, 38);
        line(cr, 38, 10, 10, 38);
        break;
    case RK_ICON_WARNING:
        cairo_move_to(cr, 24, 5);
        cairo_line_to(cr, 44, 42);
        cairo_line_to(cr, 4, 42);
        cairo_close_path(cr);
        cairo_stroke(cr);
        line(cr, 24, 18, 24, 30);
        circle(cr, 24, 36, 2.4, 1);
        break;
    case RK_ICON_INFO:
        circle(cr, 24, 24, 19, 0);
        line(cr, 24, 21, 24, 35);
        circle(cr, 24, 14, 2.4, 1);
        break;
    case RK_ICON_BACK:
        line(cr, 40, 24, 12, 24);
        cairo_move_to(cr, 22, 12);
        cairo_line_to(cr, 10, 24);
        cairo_line_to(cr, 22, 36);
        cairo_stroke(cr);
        break;
    case RK_ICON_RESTART:
        cairo_arc(cr, 24, 25, 15, -M_PI * 0.3, M_PI * 1.45);
        cairo_stroke(cr);
        arrow_head(cr, 24 + 15 * cos(-M_PI * 0.3) + 1, 25 + 15 * sin(-M_PI * 0.3) - 3,
                   -M_PI * 0.3 + M_PI / 2 - 0.4, 10);
        break;
    case RK_ICON_CLERK:
        circle(cr, 24, 18, 8, 0);
        cairo_move_to(cr, 9, 43);
        cairo_curve_to(cr, 10, 30, 38, 30, 39, 43);
        cairo_stroke(cr);
        cairo_arc(cr, 24, 18, 12.5, M_PI, 2 * M_PI);
        cairo_stroke(cr);
        cairo_rectangle(cr, 9, 16, 4, 8);
        cairo_rectangle(cr, 35, 16, 4, 8);
        cairo_fill(cr);
        cairo_move_to(cr, 37, 24);
        cairo_curve_to(cr, 37, 30, 33, 31, 28, 31);
        cairo_stroke(cr);
        break;
    case RK_ICON_TEXTSIZE:
        /* A small and a large "A". */
        cairo_move_to(cr, 4, 40);
        cairo_line_to(cr, 12, 20);
        cairo_line_to(cr, 20, 40);
        cairo_stroke(cr);
        line(cr, 7, 33, 17, 33);
        cairo_move_to(cr, 20, 42);
        cairo_line_to(cr, 32, 8);
        cairo_line_to(cr, 44, 42);
        cairo_stroke(cr);
        line(cr, 25, 30, 39, 30);
        break;
    case RK_ICON_CONTRAST:
        circle(cr, 24, 24, 18, 0);
        cairo_arc(cr, 24, 24, 18, -M_PI / 2, M_PI / 2);
        cairo_close_path(cr);
        cairo_fill(cr);
        break;
    case RK_ICON_LANGUAGE:
        circle(cr, 24, 24, 18, 0);
        cairo_save(cr);
        cairo_translate(cr, 24, 24);
        cairo_scale(cr, 0.45, 1);
        circle(cr, 0, 0, 18, 0);
        cairo_restore(cr);
        line(cr, 6, 24, 42, 24);
        line(cr, 24, 6, 24, 42);
        break;
    case RK_ICON_NEWCERT:
        cairo_move_to(cr, 30, 5);
        cairo_line_to(cr, 10, 5);
        cairo_line_to(cr, 10, 43);
        cairo_line_to(cr, 38, 43);
        cairo_line_to(cr, 38, 13);
        cairo_close_path(cr);
        cairo_stroke(cr);
        line(cr, 24, 17, 24, 35);
        line(cr, 15, 26, 33, 26);
        break;
    case RK_ICON_RENEW:
        cairo_arc(cr, 24, 24, 15, M_PI * 1.1, M_PI * 1.9);
        cairo_stroke(cr);
        arrow_head(cr, 24 + 15 * cos(M_PI * 1.9) + 2, 24 + 15 * sin(M_PI * 1.9) + 2,
                   M_PI * 1.9 + M_PI / 2, 10);
        cairo_arc(cr, 24, 24, 15, M_PI * 0.1, M_PI * 0.9);
        cairo_stroke(cr);
        arrow_head(cr, 24 + 15 * cos(M_PI * 0.9) - 2, 24 + 15 * sin(M_PI * 0.9) - 2,
                   M_PI * 0.9 + M_PI / 2, 10);
        break;
    case RK_ICON_CHANGE:
        cairo_move_to(cr, 10, 38);
        cairo_line_to(cr, 12, 29);
        cairo_line_to(cr, 33, 8);
        cairo_line_to(cr, 40, 15);
        cairo_line_to(cr, 19, 36);
        cairo_close_path(cr);
        cairo_stroke(cr);
        line(cr, 28, 13, 35, 20);
        line(cr, 8, 44, 40, 44);
        break;
    case RK_ICON_LOST:
        key_shape(cr, 6, 4);
        question(cr, 34, 22, 1.2);
        break;
    case RK_ICON_DAMAGED:
        key_shape(cr, 6, 4);
        cairo_move_to(cr, 28, 10);
        cairo_line_to(cr, 36, 20);
        cairo_line_to(cr, 30, 26);
        cairo_line_to(cr, 40, 38);
        cairo_stroke(cr);
        break;
    case RK_ICON_UNLOCK:
    case RK_ICON_LOCK:
        rounded(cr, 9, 22, 30, 22, 3);
        cairo_stroke(cr);
        if (icon == RK_ICON_LOCK) {
            cairo_arc(cr, 24, 16, 9, M_PI, 2 * M_PI);
            cairo_line_to(cr, 33, 22);
            cairo_move_to(cr, 15, 16);
            cairo_line_to(cr, 15, 22);
        } else {
            cairo_arc(cr, 33, 13, 8, M_PI, 2 * M_PI);
            cairo_move_to(cr, 25, 13);
            cairo_line_to(cr, 25, 22);
        }
        cairo_stroke(cr);
        circle(cr, 24, 32, 3, 1);
        break;
    case RK_ICON_REVOKE:
        circle(cr, 24, 24, 18, 0);
        line(cr, 11, 37, 37, 11);
        break;
    case RK_ICON_SUSPEND:
        circle(cr, 24, 24, 19, 0);
        line(cr, 19, 16, 19, 32);
        line(cr, 29, 16, 29, 32);
        break;
    case RK_ICON_RESUME:
        circle(cr, 24, 24, 19, 0);
        cairo_move_to(cr, 19, 15);
        cairo_line_to(cr, 33, 24);
        cairo_line_to(cr, 19, 33);
        cairo_close_path(cr);
        cairo_fill(cr);
        break;
    case RK_ICON_RECOVER:
        key_shape(cr, 4, 4);
        cairo_arc(cr, 33, 26, 9, -M_PI * 0.5, M_PI * 0.9);
        cairo_stroke(cr);
        arrow_head(cr, 31, 17, M_PI, 8);
        break;
    case RK_ICON_SEARCH:
        circle(cr, 20, 20, 12, 0);
        cairo_set_line_width(cr, LW * 1.5);
        line(cr, 29, 29, 41, 41);
        break;
    case RK_ICON_SELFCHECK:
        key_shape(cr, 6, 4);
        check(cr, 34, 26, 0.9);
        break;
    case RK_ICON_HELP:
        circle(cr, 24, 24, 19, 0);
        question(cr, 24, 22, 1.1);
        break;
    case RK_ICON_KEY: key_shape(cr, 17, 4); break;
    case RK_ICON_IDCARD:
        rounded(cr, 4, 10, 40, 28, 3);
        cairo_stroke(cr);
        circle(cr, 34, 21, 4, 0);
        cairo_move_to(cr, 27, 33);
        cairo_curve_to(cr, 28, 27, 40, 27, 41, 33);
        cairo_stroke(cr);
        line(cr, 10, 18, 22, 18);
        line(cr, 10, 25, 22, 25);
        line(cr, 10, 32, 18, 32);
        break;
    case RK_ICON_RECEIPT:
        cairo_move_to(cr, 11, 4);
        cairo_line_to(cr, 37, 4);
        cairo_line_to(cr, 37, 44);
        cairo_line_to(cr, 32, 40);
        cairo_line_to(cr, 27, 44);
        cairo_line_to(cr, 22, 40);
        cairo_line_to(cr, 17, 44);
        cairo_line_to(cr, 11, 40);
        cairo_close_path(cr);
        cairo_stroke(cr);
        line(cr, 17, 14, 31, 14);
        line(cr, 17, 22, 31, 22);
        line(cr, 17, 30, 25, 30);
        break;
    case RK_ICON_SCAN:
        rounded(cr, 4, 24, 40, 16, 3);
        cairo_stroke(cr);
        line(cr, 8, 18, 40, 18);
        cairo_move_to(cr, 12, 18);
        cairo_line_to(cr, 12, 6);
        cairo_line_to(cr, 36, 6);
        cairo_line_to(cr, 36, 18);
        cairo_stroke(cr);
        circle(cr, 36, 32, 2.4, 1);
        break;
    case RK_ICON_USB:
        rounded(cr, 15, 16, 18, 28, 3);
        cairo_stroke(cr);
        cairo_rectangle(cr, 19, 5, 10, 11);
        cairo_stroke(cr);
        cairo_rectangle(cr, 21.5, 8, 2, 3);
        cairo_rectangle(cr, 25.5, 8, 2, 3);
        cairo_fill(cr);
        break;
    case RK_ICON_PAPER:
        cairo_rectangle(cr, 14, 4, 26, 32);
        cairo_stroke(cr);
        cairo_move_to(cr, 8, 12);
        cairo_line_to(cr, 8, 44);
        cairo_line_to(cr, 32, 44);
        cairo_stroke(cr);
        line(cr, 20, 14, 34, 14);
        line(cr, 20, 21, 34, 21);
        line(cr, 20, 28, 28, 28);
        break;
    case RK_ICON_PAY:
        cairo_rectangle(cr, 6, 6, 14, 14);
        cairo_rectangle(cr, 28, 6, 14, 14);
        cairo_rectangle(cr, 6, 28, 14, 14);
        cairo_stroke(cr);
        cairo_rectangle(cr, 11, 11, 4, 4);
        cairo_rectangle(cr, 33, 11, 4, 4);
        cairo_rectangle(cr, 11, 33, 4, 4);
        cairo_rectangle(cr, 28, 28, 5, 5);
        cairo_rectangle(cr, 37, 28, 5, 5);
        cairo_rectangle(cr, 28, 37, 5, 5);
        cairo_rectangle(cr, 37, 37, 5, 5);
        cairo_fill(cr);
        break;
    case RK_ICON_PERSON:
        circle(cr, 24, 15, 9, 0);
        cairo_move_to(cr, 7, 44);
        cairo_curve_to(cr, 8, 28, 40, 28, 41, 44);
        cairo_stroke(cr);
        break;
    case RK_ICON_ORG:
        cairo_rectangle(cr, 10, 6, 28, 38);
        cairo_stroke(cr);
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 2; c++)
                cairo_rectangle(cr, 16 + c * 11, 12 + r * 8, 5, 4);
        cairo_fill(cr);
        cairo_rectangle(cr, 20, 36, 8, 8);
        cairo_fill(cr);
        break;
    case RK_ICON_SERVER:
        rounded(cr, 6, 6, 36, 14, 2);
        rounded(cr, 6, 28, 36, 14, 2);
        cairo_stroke(cr);
        circle(cr, 34, 13, 2.4, 1);
        circle(cr, 34, 35, 2.4, 1);
        line(cr, 12, 13, 24, 13);
        line(cr, 12, 35, 24, 35);
        break;
    case RK_ICON_BACKSPACE:
        cairo_move_to(cr, 16, 10);
        cairo_line_to(cr, 44, 10);
        cairo_line_to(cr, 44, 38);
        cairo_line_to(cr, 16, 38);
        cairo_line_to(cr, 4, 24);
        cairo_close_path(cr);
        cairo_stroke(cr);
        line(cr, 22, 17, 36, 31);
        line(cr, 36, 17, 22, 31);
        break;
    case RK_ICON_SHIFT:
        cairo_move_to(cr, 24, 6);
        cairo_line_to(cr, 42, 24);
        cairo_line_to(cr, 32, 24);
        cairo_line_to(cr, 32, 40);
        cairo_line_to(cr, 16, 40);
        cairo_line_to(cr, 16, 24);
        cairo_line_to(cr, 6, 24);
        cairo_close_path(cr);
        cairo_stroke(cr);
        break;
    case RK_ICON_ENTER:
        cairo_move_to(cr, 40, 8);
        cairo_line_to(cr, 40, 30);
        cairo_line_to(cr, 10, 30);
        cairo_stroke(cr);
        arrow_head(cr, 6, 30, M_PI, 12);
        break;
    case RK_ICON_LEFT:
        cairo_move_to(cr, 30, 8);
        cairo_line_to(cr, 14, 24);
        cairo_line_to(cr, 30, 40);
        cairo_stroke(cr);
        break;
    case RK_ICON_RIGHT:
        cairo_move_to(cr, 18, 8);
        cairo_line_to(cr, 34, 24);
        cairo_line_to(cr, 18, 40);
        cairo_stroke(cr);
        break;
    case RK_ICON_UP:
        cairo_move_to(cr, 8, 30);
        cairo_line_to(cr, 24, 14);
        cairo_line_to(cr, 40, 30);
        cairo_stroke(cr);
        break;
    case RK_ICON_DOWN:
        cairo_move_to(cr, 8, 18);
        cairo_line_to(cr, 24, 34);
        cairo_line_to(cr, 40, 18);
        cairo_stroke(cr);
        break;
    case RK_ICON_PLUS:
        line(cr, 24, 8, 24, 40);
        line(cr, 8, 24, 40, 24);
        break;
    case RK_ICON_MINUS: line(cr, 8, 24, 40, 24); break;
    case RK_ICON_FACE1:
    case RK_ICON_FACE2:
    case RK_ICON_FACE3:
    case RK_ICON_FACE4:
    case RK_ICON_FACE5: face(cr, icon - RK_ICON_FACE1 + 1); break;
    default: break;
    }
}

int rk_icons_render(rk_icon icon, int size, uint8_t *mask, int stride)
{
    cairo_surface_t *s;
    cairo_t *cr;
    if (icon <= RK_ICON_NONE || icon >= RK_ICON_COUNT)
        return rk_err_set(RK_EINVAL, "icon %d: no such icon", (int)icon);
    if (size < 4 || size > 1024 || stride < size)
        return rk_err_set(RK_EINVAL, "icon size %d: must be 4..1024", size);
    memset(mask, 0, (size_t)stride * (size_t)size);
    s = cairo_image_surface_create_for_data(mask, CAIRO_FORMAT_A8, size, size, stride);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return rk_err_set(RK_EINVAL, "icon: stride %d not usable by cairo", stride);
    }
    cr = cairo_create(s);
    cairo_scale(cr, size / 48.0, size / 48.0);
    cairo_set_line_width(cr, LW);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_source_rgba(cr, 0, 0, 0, 1);
    draw(cr, icon);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    cairo_surface_destroy(s);
    return 0;
}
