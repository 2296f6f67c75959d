/*
 * Touch and window coordinate mapping under display rotation (see
 * touchmap.h).
 *
 * Picture rotation R clockwise takes an upright point (u, v) (normalised)
 * to the panel point:
 *     0: (u, v)   90: (1-v, u)   180: (1-u, 1-v)   270: (v, 1-u)
 * and the panel back to upright is the inverse rotation.
 */
#include "touchmap.h"

int rk_touchmap_valid_rotation(int deg)
{
    return deg == 0 || deg == 90 || deg == 180 || deg == 270;
}

void rk_touchmap_panel_size(int deg, int w, int h, int *pw, int *ph)
{
    int swap = deg == 90 || deg == 270;
    *pw = swap ? h : w;
    *ph = swap ? w : h;
}

/* Upright (u, v) -> panel, rotating clockwise by deg. */
static void rotate_fwd(int deg, float u, float v, float *px, float *py)
{
    switch (deg) {
    case 90: *px = 1.0f - v, *py = u; break;
    case 180: *px = 1.0f - u, *py = 1.0f - v; break;
    case 270: *px = v, *py = 1.0f - u; break;
    default: *px = u, *py = v; break;
    }
}

/* Panel (px, py) -> upright, the inverse of rotate_fwd. */
static void rotate_back(int deg, float px, float py, float *u, float *v)
{
    switch (deg) {
    case 90: *u = py, *v = 1.0f - px; break;
    case 180: *u = 1.0f - px, *v = 1.0f - py; break;
    case 270: *u = 1.0f - py, *v = px; break;
    default: *u = px, *v = py; break;
    }
}

static int to_pixel(float f, int size)
{
    int p = (int)(f * (float)size);
    if (p < 0) p = 0;
    if (p >= size) p = size - 1;
    return p;
}

void rk_touchmap_to_logical(const rk_touchmap *m, float nx, float ny, int *x, int *y)
{
    float px, py, u, v;
    if (m->flip_x) nx = 1.0f - nx;
    if (m->flip_y) ny = 1.0f - ny;
    /* Touch axes -> picture panel axes, then panel -> upright. */
    rotate_back(m->touch_rot, nx, ny, &px, &py);
    rotate_back(m->rotation, px, py, &u, &v);
    *x = to_pixel(u, m->width);
    *y = to_pixel(v, m->height);
}

void rk_touchmap_to_panel(const rk_touchmap *m, int x, int y, float *nx, float *ny)
{
    float u = ((float)x + 0.5f) / (float)m->width, v = ((float)y + 0.5f) / (float)m->height;
    float px, py, tx, ty;
    rotate_fwd(m->rotation, u, v, &px, &py);
    rotate_fwd(m->touch_rot, px, py, &tx, &ty);
    if (m->flip_x) tx = 1.0f - tx;
    if (m->flip_y) ty = 1.0f - ty;
    *nx = tx;
    *ny = ty;
}

void rk_touchmap_window_to_logical(const rk_touchmap *m, int wx, int wy, int *x, int *y)
{
    int pw, ph;
    float u, v;
    rk_touchmap_panel_size(m->rotation, m->width, m->height, &pw, &ph);
    rotate_back(m->rotation, ((float)wx + 0.5f) / (float)pw, ((float)wy + 0.5f) / (float)ph, &u,
                &v);
    *x = to_pixel(u, m->width);
    *y = to_pixel(v, m->height);
}
