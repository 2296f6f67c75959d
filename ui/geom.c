/*
 * Rectangle cuts and colour contrast (see geom.h).
 */
#include "geom.h"

#include <math.h>

static int clampn(int n, int max)
{
    if (n < 0) return 0;
    return n > max ? max : n;
}

rk_rect rk_rect_cut_top(rk_rect *r, int n)
{
    n = clampn(n, r->h);
    rk_rect out = {r->x, r->y, r->w, n};
    r->y += n;
    r->h -= n;
    return out;
}

rk_rect rk_rect_cut_bottom(rk_rect *r, int n)
{
    n = clampn(n, r->h);
    r->h -= n;
    rk_rect out = {r->x, r->y + r->h, r->w, n};
    return out;
}

rk_rect rk_rect_cut_left(rk_rect *r, int n)
{
    n = clampn(n, r->w);
    rk_rect out = {r->x, r->y, n, r->h};
    r->x += n;
    r->w -= n;
    return out;
}

rk_rect rk_rect_cut_right(rk_rect *r, int n)
{
    n = clampn(n, r->w);
    r->w -= n;
    rk_rect out = {r->x + r->w, r->y, n, r->h};
    return out;
}

rk_rect rk_rect_inset(rk_rect r, int d)
{
    int dx = d * 2 > r.w ? r.w / 2 : d, dy = d * 2 > r.h ? r.h / 2 : d;
    rk_rect out = {r.x + dx, r.y + dy, r.w - 2 * dx, r.h - 2 * dy};
    return out;
}

rk_rect rk_rect_center(rk_rect r, int w, int h)
{
    w = clampn(w, r.w);
    h = clampn(h, r.h);
    rk_rect out = {r.x + (r.w - w) / 2, r.y + (r.h - h) / 2, w, h};
    return out;
}

rk_rect rk_rect_column(rk_rect r, int n, int i, int gap)
{
    if (n < 1) n = 1;
    int w = (r.w - gap * (n - 1)) / n;
    if (w < 0) w = 0;
    rk_rect out = {r.x + i * (w + gap), r.y, w, r.h};
    return out;
}

rk_rect rk_rect_row(rk_rect r, int n, int i, int gap)
{
    if (n < 1) n = 1;
    int h = (r.h - gap * (n - 1)) / n;
    if (h < 0) h = 0;
    rk_rect out = {r.x, r.y + i * (h + gap), r.w, h};
    return out;
}

int rk_rect_contains(rk_rect r, int x, int y)
{
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

rk_rect rk_rect_intersect(rk_rect a, rk_rect b)
{
    int x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
    int x1 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w;
    int y1 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;
    rk_rect out = {x0, y0, x1 > x0 ? x1 - x0 : 0, y1 > y0 ? y1 - y0 : 0};
    return out;
}

static double channel(uint8_t v)
{
    double c = v / 255.0;
    return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double luminance(rk_color c)
{
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

double rk_color_contrast(rk_color a, rk_color b)
{
    double la = luminance(a), lb = luminance(b);
    return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}
