/*
 * Rectangles and colours of the kiosk's widgets, and the "rect cut" layout
 * helpers the screens are composed with.
 *
 * A screen lays itself out by cutting strips off a rectangle: the chrome cuts
 * the top bar and the bottom bar off the whole screen, a form cuts one row
 * per field off what is left, a row cuts a label off its left. Every helper
 * is a pure function on integer pixels; nothing here draws.
 */
#ifndef RK_UI_GEOM_H
#define RK_UI_GEOM_H

#include <stdint.h>

typedef struct rk_rect {
    int x, y, w, h;
} rk_rect;

typedef struct rk_color {
    uint8_t r, g, b, a;
} rk_color;

/* rk_rgb(0x1A1A1A) is #1A1A1A, fully opaque. */
static inline rk_color rk_rgb(uint32_t hex)
{
    rk_color c = {(uint8_t)(hex >> 16), (uint8_t)(hex >> 8), (uint8_t)hex, 255};
    return c;
}

static inline rk_rect rk_rect_make(int x, int y, int w, int h)
{
    rk_rect r = {x, y, w, h};
    return r;
}

/* Cuts a strip of n pixels (clamped to what there is) off one side of *r and
 * returns it; *r keeps the rest. */
rk_rect rk_rect_cut_top(rk_rect *r, int n);
rk_rect rk_rect_cut_bottom(rk_rect *r, int n);
rk_rect rk_rect_cut_left(rk_rect *r, int n);
rk_rect rk_rect_cut_right(rk_rect *r, int n);

/* r shrunk by d on every side (never below zero size). */
rk_rect rk_rect_inset(rk_rect r, int d);

/* A w x h rectangle centred in r (w, h clamped to r). */
rk_rect rk_rect_center(rk_rect r, int w, int h);

/* Column i of n equal columns of r with gap pixels between them. */
rk_rect rk_rect_column(rk_rect r, int n, int i, int gap);

/* Row i of n equal rows of r with gap pixels between them. */
rk_rect rk_rect_row(rk_rect r, int n, int i, int gap);

/* 1 when (x, y) lies inside r. */
int rk_rect_contains(rk_rect r, int x, int y);

/* The overlap of a and b (zero size when they do not overlap). */
rk_rect rk_rect_intersect(rk_rect a, rk_rect b);

/* WCAG 2 contrast ratio of two opaque colours, 1.0 .. 21.0. */
double rk_color_contrast(rk_color a, rk_color b);

#endif
