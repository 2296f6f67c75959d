/*
 * Rectangles, the themes' contrast (>= 4.5:1 normal, >= 7:1 high contrast)
 * and the touch mapping under every display rotation and flip.
 */
#include "test.h"

#include "ui/geom.h"
#include "ui/theme.h"
#include "ui/touchmap.h"

static void test_rect(void)
{
    rk_rect r = rk_rect_make(0, 0, 100, 50);
    rk_rect t = rk_rect_cut_top(&r, 10);
    CHECK_INT(t.h, 10);
    CHECK_INT(r.y, 10);
    CHECK_INT(r.h, 40);
    rk_rect b = rk_rect_cut_bottom(&r, 100); /* clamped */
    CHECK_INT(b.h, 40);
    CHECK_INT(r.h, 0);
    r = rk_rect_make(0, 0, 100, 50);
    rk_rect l = rk_rect_cut_left(&r, 30), rr = rk_rect_cut_right(&r, 20);
    CHECK_INT(l.w, 30);
    CHECK_INT(rr.x, 80);
    CHECK_INT(r.x, 30);
    CHECK_INT(r.w, 50);
    rk_rect c = rk_rect_column(rk_rect_make(0, 0, 100, 10), 3, 2, 5);
    CHECK_INT(c.x, 2 * (30 + 5));
    CHECK_INT(c.w, 30);
    CHECK(rk_rect_contains(rk_rect_make(10, 10, 5, 5), 14, 14));
    CHECK(!rk_rect_contains(rk_rect_make(10, 10, 5, 5), 15, 10));
    rk_rect x = rk_rect_intersect(rk_rect_make(0, 0, 10, 10), rk_rect_make(5, 5, 10, 10));
    CHECK_INT(x.w, 5);
    x = rk_rect_intersect(rk_rect_make(0, 0, 10, 10), rk_rect_make(20, 0, 10, 10));
    CHECK_INT(x.w, 0);
    rk_rect in = rk_rect_inset(rk_rect_make(0, 0, 10, 10), 8);
    CHECK(in.w >= 0 && in.h >= 0);
}

static void test_contrast(void)
{
    CHECK(rk_color_contrast(rk_rgb(0x000000), rk_rgb(0xFFFFFF)) > 20.9);
    CHECK(rk_color_contrast(rk_rgb(0x777777), rk_rgb(0x777777)) < 1.01);
    for (int w = 0; w < 2; w++) {
        const rk_theme *t = rk_theme_get(w);
        rk_color fg[64], bg[64];
        const char *what[64];
        int n = rk_theme_text_pairs(t, fg, bg, what, 64);
        CHECK(n > 10);
        CHECK(t->min_contrast >= (w ? 7.0 : 4.5));
        for (int i = 0; i < n; i++) {
            double c = rk_color_contrast(fg[i], bg[i]);
            if (c < t->min_contrast)
                fprintf(stderr, "%s theme: %s is %.2f:1\n", t->name, what[i], c);
            CHECK(c >= t->min_contrast);
        }
    }
    /* High contrast has thicker outlines. */
    CHECK(rk_theme_get(RK_THEME_CONTRAST)->border_px > rk_theme_get(RK_THEME_NORMAL)->border_px);
}

static void test_touch(void)
{
    int deg[4] = {0, 90, 180, 270};
    for (int d = 0; d < 4; d++) {
        for (int t = 0; t < 4; t++) {
            for (int f = 0; f < 4; f++) {
                rk_touchmap m = {deg[d], deg[t], f & 1, (f >> 1) & 1, 0, 0};
                m.width = deg[d] % 180 ? 1080 : 1920;
                m.height = deg[d] % 180 ? 1920 : 1080;
                /* Every point comes back where it went in. */
                int pts[5][2] = {{0, 0},
                                 {m.width - 1, 0},
                                 {0, m.height - 1},
                                 {m.width - 1, m.height - 1},
                                 {m.width / 3, m.height / 5}};
                for (int p = 0; p < 5; p++) {
                    float nx, ny;
                    int x, y;
                    rk_touchmap_to_panel(&m, pts[p][0], pts[p][1], &nx, &ny);
                    CHECK(nx >= 0 && nx <= 1 && ny >= 0 && ny <= 1);
                    rk_touchmap_to_logical(&m, nx, ny, &x, &y);
                    CHECK_INT(x, pts[p][0]);
                    CHECK_INT(y, pts[p][1]);
                }
            }
        }
    }
    /* The panel's corners under a 90 degree rotation (picture turned
     * clockwise): the panel's top-left is the picture's bottom-left. */
    rk_touchmap m = {90, 0, 0, 0, 1080, 1920};
    int x, y;
    rk_touchmap_to_logical(&m, 0.0f, 0.0f, &x, &y);
    CHECK_INT(x, 0);
    CHECK_INT(y, 1919);
    rk_touchmap_to_logical(&m, 1.0f, 0.0f, &x, &y); /* panel top-right: picture top-left */
    CHECK_INT(x, 0);
    CHECK_INT(y, 0);
    m.rotation = 180;
    m.width = 1920;
    m.height = 1080;
    rk_touchmap_to_logical(&m, 0.25f, 0.0f, &x, &y);
    CHECK_INT(x, 1440);
    CHECK_INT(y, 1079);
    m.rotation = 270;
    m.width = 1080;
    m.height = 1920;
    rk_touchmap_to_logical(&m, 0.0f, 0.0f, &x, &y); /* panel top-left: picture top-right */
    CHECK_INT(x, 1079);
    CHECK_INT(y, 0);
    /* A mirrored panel. */
    rk_touchmap f = {0, 0, 1, 0, 1920, 1080};
    rk_touchmap_to_logical(&f, 0.0f, 0.5f, &x, &y);
    CHECK_INT(x, 1919);
    /* Out-of-range input is clamped to the canvas. */
    rk_touchmap_to_logical(&f, -0.5f, 2.0f, &x, &y);
    CHECK(x >= 0 && x < 1920 && y >= 0 && y < 1080);
    /* Mouse: window pixels of the rotated panel. */
    rk_touchmap w = {90, 0, 0, 0, 1080, 1920};
    rk_touchmap_window_to_logical(&w, 1919, 0, &x, &y);
    CHECK_INT(x, 0);
    CHECK_INT(y, 0);
    int pw, ph;
    rk_touchmap_panel_size(90, 1080, 1920, &pw, &ph);
    CHECK_INT(pw, 1920);
    CHECK_INT(ph, 1080);
    CHECK(!rk_touchmap_valid_rotation(45));
}

int main(void)
{
    test_rect();
    test_contrast();
    test_touch();
    return rk_test_done();
}
