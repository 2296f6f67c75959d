/*
 * The SDL backend on the offscreen driver: text is rendered once and then
 * found in the cache, a character the font lacks becomes a visible box
 * (never dropped), the idle wipe destroys personal textures only, injected
 * fingers and mouse clicks arrive at the logical point under every display
 * rotation, one press or release edge per frame, long text survives SDL's
 * 32-byte events, other threads and watched descriptors wake the wait, the
 * rotated picture is turned at present, and screenshots are PNG files.
 */
#include "test.h"

#include "ui/backend.h"

#include "util/err.h"

#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

static rk_backend *open_be(int rotation, int w, int h)
{
    rk_backend *be = NULL;
    rk_backend_options o = {
        .driver = "offscreen", .width = w, .height = h, .rotation = rotation, .touch_rotation = 0};
    if (rk_backend_open(&be, &o) != 0) fprintf(stderr, "open: %s\n", rk_err_msg());
    return be;
}

/* The colour at (x, y) of a PNG, 0xRRGGBB; -1 when it cannot be read. */
static long pixel_at(const char *png, int x, int y, int *w, int *h)
{
    SDL_Surface *raw = IMG_Load(png), *s;
    long c = -1;
    if (!raw) return -1;
    s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(raw);
    if (!s) return -1;
    if (w) *w = s->w;
    if (h) *h = s->h;
    if (x >= 0 && y >= 0 && x < s->w && y < s->h)
        c = (long)(((Uint32 *)((char *)s->pixels + y * s->pitch))[x] & 0xFFFFFF);
    SDL_FreeSurface(s);
    return c;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_text(void)
{
    rk_backend *be = open_be(0, 800, 600);
    rk_backend_stats st;
    rk_text_ref t, t2, box, plain;
    rk_color ink = rk_rgb(0x1A1A1A);
    CHECK(be != NULL);
    if (!be) return;
    int w, h;
    rk_backend_size(be, &w, &h);
    CHECK_INT(w, 800);
    CHECK_INT(h, 600);
    CHECK_STR(rk_backend_driver(be), "offscreen");

    rk_backend_begin(be, rk_rgb(0xFFFFFF));
    rk_backend_text(be, &t, "请将身份证放在读卡区", strlen("请将身份证放在读卡区"), 32, 0, 0,
                    RK_ALIGN_LEFT, ink, 0);
    CHECK(t.tex && t.w > 32 * 9 && t.h >= 32);
    rk_backend_get_stats(be, &st);
    unsigned long renders = st.renders;
    rk_backend_text(be, &t2, "请将身份证放在读卡区", strlen("请将身份证放在读卡区"), 32, 0, 0,
                    RK_ALIGN_LEFT, ink, 0);
    rk_backend_get_stats(be, &st);
    CHECK_INT(st.renders, renders); /* the second time comes from the cache */
    CHECK(t2.tex == t.tex);

    /* Wrapped: more lines at a narrow width. */
    rk_text_ref wr;
    rk_backend_text(be, &wr, "请将身份证放在读卡区", strlen("请将身份证放在读卡区"), 32, 100, 0,
                    RK_ALIGN_LEFT, ink, 0);
    CHECK(wr.lines >= 3);
    CHECK(wr.widest <= 100);

    /* U+20000 is not in WenQuanYi Micro Hei: a box with its code point. */
    CHECK(rk_backend_has_glyph(be, 0x4E2D, 32));
    CHECK(!rk_backend_has_glyph(be, 0x20000, 32));
    rk_backend_text(be, &plain, "王", 3, 32, 0, 0, RK_ALIGN_LEFT, ink, 0);
    rk_backend_text(be, &box, "王\xF0\xA0\x80\x80", 7, 32, 0, 0, RK_ALIGN_LEFT, ink, 0);
    CHECK(box.w > plain.w + 16);
    int bw, bh;
    rk_backend_text_size(be, "王\xF0\xA0\x80\x80", 7, 32, &bw, &bh);
    CHECK_INT(bw, box.w);
    rk_backend_text_draw(be, &box, 10, 10);
    rk_backend_end(be);
    char dir[4096], shot[4200];
    rk_test_tmpdir(dir, sizeof dir);
    snprintf(shot, sizeof shot, "%s/box.png", dir);
    CHECK_INT(rk_backend_screenshot(be, shot, 0), 0);
    FILE *f = fopen(shot, "rb");
    unsigned char magic[8] = {0};
    CHECK(f && fread(magic, 1, 8, f) == 8);
    if (f) fclose(f);
    CHECK(!memcmp(magic, "\x89PNG\r\n\x1a\n", 8));
    /* The box is drawn, not empty: ink right of 王, where the box is. */
    int dark = 0;
    for (int y = 10; y < 10 + box.h; y++)
        for (int x = 10 + plain.w + 2; x < 10 + box.w - 1; x++) {
            long c = pixel_at(shot, x, y, NULL, NULL);
            if (c >= 0 && (c & 0xFF) < 0x80) dark++;
        }
    CHECK(dark > 40);
    rk_test_rmtree(dir);

    /* The idle wipe: the personal texture goes, the other stays. */
    rk_backend_begin(be, rk_rgb(0xFFFFFF));
    rk_text_ref pers;
    rk_backend_text(be, &pers, "11010519491231002X", 18, 32, 0, 0, RK_ALIGN_LEFT, ink,
                    RK_TEXT_PERSONAL);
    rk_backend_end(be);
    rk_backend_get_stats(be, &st);
    int before = st.entries;
    CHECK_INT(rk_backend_wipe(be), 1);
    rk_backend_get_stats(be, &st);
    CHECK_INT(st.entries, before - 1);
    rk_backend_begin(be, rk_rgb(0xFFFFFF));
    rk_backend_get_stats(be, &st);
    renders = st.renders;
    rk_backend_text(be, &t2, "请将身份证放在读卡区", strlen("请将身份证放在读卡区"), 32, 0, 0,
                    RK_ALIGN_LEFT, ink, 0);
    rk_backend_get_stats(be, &st);
    CHECK_INT(st.renders, renders);
    rk_backend_end(be);
    rk_backend_free(be);
}

static void test_touch_rotations(void)
{
    int rots[4] = {0, 90, 180, 270};
    for (int i = 0; i < 4; i++) {
        int lw = rots[i] % 180 ? 600 : 800, lh = rots[i] % 180 ? 800 : 600;
        rk_backend *be = open_be(rots[i], lw, lh);
        rk_input in;
        int w, h;
        CHECK(be != NULL);
        if (!be) continue;
        memset(&in, 0, sizeof in);
        rk_backend_size(be, &w, &h);
        CHECK_INT(w, lw);
        CHECK_INT(h, lh);
        int pts[3][2] = {{10, 20}, {w - 5, h - 7}, {w / 2, h / 3}};
        for (int p = 0; p < 3; p++) {
            rk_backend_inject_touch(be, 0, pts[p][0], pts[p][1]);
            rk_backend_inject_touch(be, 2, pts[p][0], pts[p][1]);
            rk_backend_poll(be, &in, 0);
            CHECK(in.pressed && !in.released && in.touch);
            CHECK(in.more); /* the release waits for the next frame */
            CHECK_INT(in.x, pts[p][0]);
            CHECK_INT(in.y, pts[p][1]);
            rk_backend_poll(be, &in, 0);
            CHECK(in.released && !in.pressed && !in.down);
            /* The mouse, in window pixels of the turned panel. */
            rk_backend_inject_mouse(be, 1, pts[p][0], pts[p][1]);
            rk_backend_inject_mouse(be, 0, pts[p][0], pts[p][1]);
            rk_backend_poll(be, &in, 0);
            CHECK(in.pressed && !in.touch);
            CHECK(abs(in.x - pts[p][0]) <= 1 && abs(in.y - pts[p][1]) <= 1);
            rk_backend_inject_mouse(be, 2, pts[p][0], pts[p][1]);
            rk_backend_poll(be, &in, 0);
            CHECK(in.released);
        }
        /* The picture is turned at present: a red block at the logical
         * top-left shows at the panel corner the rotation puts it. */
        rk_backend_begin(be, rk_rgb(0xFFFFFF));
        rk_backend_fill(be, rk_rect_make(0, 0, 40, 40), rk_rgb(0xFF0000));
        rk_backend_end(be);
        char dir[4096], shot[4200];
        rk_test_tmpdir(dir, sizeof dir);
        snprintf(shot, sizeof shot, "%s/p.png", dir);
        CHECK_INT(rk_backend_screenshot(be, shot, 1), 0);
        int pw = 0, ph = 0;
        pixel_at(shot, 0, 0, &pw, &ph);
        CHECK_INT(pw, rots[i] % 180 ? lh : lw);
        int cx = rots[i] == 90 || rots[i] == 180 ? pw - 5 : 5;
        int cy = rots[i] == 180 || rots[i] == 270 ? ph - 5 : 5;
        CHECK_INT(pixel_at(shot, cx, cy, NULL, NULL), 0xFF0000);
        CHECK_INT(pixel_at(shot, pw / 2, ph / 2, NULL, NULL), 0xFFFFFF);
        /* The upright canvas has it at its own top-left. */
        CHECK_INT(rk_backend_screenshot(be, shot, 0), 0);
        CHECK_INT(pixel_at(shot, 5, 5, NULL, NULL), 0xFF0000);
        rk_test_rmtree(dir);
        rk_backend_free(be);
    }
}

static void test_events(void)
{
    rk_backend *be = open_be(0, 640, 480);
    rk_input in;
    memset(&in, 0, sizeof in);
    if (!be) return;
    /* 15 Chinese characters: 45 bytes, more than one SDL text event. */
    const char *text = "请将身份证放在读卡区谢谢您配合";
    rk_backend_inject_text(be, text);
    rk_backend_inject_key(be, RK_KEY_BACKSPACE, RK_MOD_SHIFT);
    rk_backend_poll(be, &in, 0);
    CHECK_STR(in.text, text);
    CHECK_INT(in.keys[RK_KEY_BACKSPACE], 1);
    CHECK(in.mods & RK_MOD_SHIFT);
    CHECK_INT(rk_backend_inject_key(be, RK_KEY_NONE, 0), RK_EINVAL);
    rk_backend_inject_wheel(be, -3);
    rk_backend_poll(be, &in, 0);
    CHECK_INT(in.wheel, -3);
    rk_backend_inject_quit(be);
    rk_backend_poll(be, &in, 0);
    CHECK(in.quit);

    /* Nothing to do: the wait times out with no events. */
    double t0 = now_ms();
    CHECK_INT(rk_backend_poll(be, &in, 150), 0);
    CHECK(now_ms() - t0 >= 140);

    /* A wake-up that came before the wait ends it at once. */
    rk_backend_wake(be);
    CHECK(rk_backend_poll(be, &in, -1) > 0);
    CHECK(in.wakes > 0);

    /* A watched descriptor wakes it too. */
    int fds[2];
    CHECK_INT(pipe(fds), 0);
    CHECK_INT(rk_backend_watch_fd(be, fds[0]), 0);
    CHECK(write(fds[1], "x", 1) == 1);
    CHECK(rk_backend_poll(be, &in, 2000) > 0);
    CHECK(in.wakes > 0);
    char c;
    CHECK(read(fds[0], &c, 1) == 1);
    rk_backend_unwatch_fd(be, fds[0]);
    close(fds[0]);
    close(fds[1]);
    rk_backend_free(be);
}

static rk_backend *shared;
static void *wake_later(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    rk_backend_wake(shared);
    return NULL;
}

static void test_thread_wake(void)
{
    rk_input in;
    pthread_t th;
    memset(&in, 0, sizeof in);
    shared = open_be(0, 320, 240);
    if (!shared) return;
    while (rk_backend_poll(shared, &in, 0) > 0) {
    } /* the window's own start-up events */
    CHECK_INT(pthread_create(&th, NULL, wake_later, NULL), 0);
    double t0 = now_ms();
    CHECK(rk_backend_poll(shared, &in, 10000) > 0);
    CHECK(in.wakes > 0);
    CHECK(now_ms() - t0 < 5000); /* woken, not timed out */
    pthread_join(th, NULL);
    rk_backend_free(shared);
}

int main(void)
{
    rk_backend *be;
    rk_backend_options bad = {.driver = "offscreen", .width = 10, .height = 10, .rotation = 45};
    CHECK_INT(rk_backend_open(&be, &bad), RK_EINVAL);
    rk_backend_options nofont = {
        .driver = "offscreen", .width = 10, .height = 10, .font_path = "/nonexistent.ttf"};
    CHECK_INT(rk_backend_open(&be, &nofont), RK_ENOTFOUND);
    test_text();
    test_touch_rotations();
    test_events();
    test_thread_wake();
    rk_backend_free(NULL);
    return rk_test_done();
}
