/*
 * The SDL2 backend (see backend.h): window, software renderer, rotation,
 * fonts and cached text, icons and corners, images, events and the
 * poll(2)-based wait, screenshots, wiping, and the audio device.
 */
#define _GNU_SOURCE
#include "backend.h"

#include "textcache.h"
#include "touchmap.h"
#include "utf8.h"
#include "wrap.h"

#include "util/err.h"
#include "util/log.h"
#include "util/wipe.h"

#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>
#include <SDL2/SDL_syswm.h>
#include <SDL2/SDL_ttf.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_FONTS    16
#define MAX_WATCH    8
#define MAX_EVDEV    32
#define TEXT_MAX     4096 /* bytes of one text; longer texts are cut */
#define WRAP_LINES   64   /* lines one text block may have */
#define KMSDRM_PUMP  5000 /* ms: the longest wait without pumping SDL under kmsdrm */
#define NATIVE_WATCH 50   /* ms: how often watched fds are checked under SDL's own wait */

enum { KIND_TEXT = 1, KIND_ICON = 2, KIND_DISC = 3 };
enum { WAIT_POLL = 0, WAIT_NATIVE = 1 };

typedef struct font_slot {
    int px;
    TTF_Font *font;
    uint64_t used;
} font_slot;

#define IMAGE_LEVELS 4

/* An image and up to three halvings of it: drawing a 1240 x 1754 scan into
 * a 500 px box from the full image costs milliseconds a frame, from the
 * quarter size a fraction of one. */
struct rk_backend_image {
    SDL_Texture *tex; /* level 0 */
    SDL_Texture *level[IMAGE_LEVELS];
    int lw[IMAGE_LEVELS], lh[IMAGE_LEVELS];
    int levels;
    int w, h;
    int personal;
    int nearest; /* QR modules: never smoothed, never halved */
};

/* A box-filtered half of src (w x h, stride in pixels) into dst. */
static void halve(const uint32_t *src, int w, int h, int stride, uint32_t *dst)
{
    int hw = w / 2, hh = h / 2;
    for (int y = 0; y < hh; y++) {
        const uint32_t *a = src + (size_t)(2 * y) * (size_t)stride, *b = a + stride;
        uint32_t *o = dst + (size_t)y * (size_t)hw;
        for (int x = 0; x < hw; x++) {
            uint32_t p[4] = {a[2 * x], a[2 * x + 1], b[2 * x], b[2 * x + 1]}, r = 0;
            for (int sh = 0; sh < 32; sh += 8) {
                uint32_t sum = 0;
                for (int k = 0; k < 4; k++)
                    sum += (p[k] >> sh) & 0xFF;
                r |= ((sum + 2) / 4) << sh;
            }
            o[x] = r;
        }
    }
}

typedef struct cached {
    SDL_Texture *tex;
    int lines, shown, widest;
} cached;

struct rk_backend {
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Surface *canvas; /* upright drawing surface when rotated (the renderer's) */
    SDL_Surface *target; /* what the renderer draws into: the window surface or the canvas */
    rk_rect clip;        /* the renderer's clip, for the direct fills */
    int clipped;
    int w, h;   /* logical */
    int pw, ph; /* window (physical) */
    rk_touchmap map;
    char driver[32];
    int wait_mode;
    int wake_fd;
    int x11_fd;
    int evdev[MAX_EVDEV];
    int n_evdev;
    int inotify_fd;
    int watch[MAX_WATCH];
    int n_watch;
    Uint32 wake_type;

    void *font_map;
    size_t font_len;
    int font_index;
    font_slot fonts[MAX_FONTS];
    uint64_t font_clock;

    rk_textcache *cache;
    char scratch[TEXT_MAX + 8];
    rk_wrap_line lines[WRAP_LINES];

    int finger_down;
    SDL_FingerID finger;

    SDL_AudioDeviceID audio;
    rk_backend_audio_fn audio_fn;
    void *audio_arg;

    uint64_t t0;
    unsigned long frames, renders;
    int in_frame;
};

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---------------------------------------------------------------- cache */

static void destroy_texture(SDL_Texture *tex, int personal)
{
    int w, h;
    if (!tex) return;
    if (personal && SDL_QueryTexture(tex, NULL, NULL, &w, &h) == 0 && w > 0 && h > 0) {
        void *zero = calloc((size_t)w * (size_t)h, 4);
        if (zero) {
            SDL_UpdateTexture(tex, NULL, zero, w * 4);
            free(zero);
        }
    }
    SDL_DestroyTexture(tex);
}

static void cache_free(void *arg, void *value, int personal)
{
    cached *c = value;
    (void)arg;
    destroy_texture(c->tex, personal);
    free(c);
}

static uint64_t params(int kind, int px, int wrap_w, int max_lines, int align, rk_color c)
{
    if (px > 2047) px = 2047;
    if (wrap_w > 8191) wrap_w = 8191;
    if (wrap_w < 0) wrap_w = 0;
    if (max_lines > 63) max_lines = 63;
    return (uint64_t)kind | (uint64_t)px << 2 | (uint64_t)wrap_w << 13 | (uint64_t)max_lines << 26 |
           (uint64_t)(align & 3) << 32 | (uint64_t)c.r << 34 | (uint64_t)c.g << 42 |
           (uint64_t)c.b << 50;
}

/* ---------------------------------------------------------------- fonts */

static int map_font(rk_backend *be, const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return rk_err_set(RK_ENOTFOUND, "font %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || st.st_size <= 0) {
        close(fd);
        return rk_err_set(RK_EIO, "font %s: cannot read its size", path);
    }
    be->font_map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (be->font_map == MAP_FAILED) {
        be->font_map = NULL;
        return rk_err_set(RK_EIO, "font %s: mmap: %s", path, strerror(errno));
    }
    be->font_len = (size_t)st.st_size;
    return 0;
}

static TTF_Font *font_get(rk_backend *be, int px)
{
    int free_slot = -1, lru = 0;
    if (px < 4) px = 4;
    if (px > 1000) px = 1000;
    for (int i = 0; i < MAX_FONTS; i++) {
        if (be->fonts[i].font && be->fonts[i].px == px) {
            be->fonts[i].used = ++be->font_clock;
            return be->fonts[i].font;
        }
        if (!be->fonts[i].font && free_slot < 0) free_slot = i;
        if (be->fonts[i].used < be->fonts[lru].used) lru = i;
    }
    if (free_slot < 0) {
        TTF_CloseFont(be->fonts[lru].font);
        be->fonts[lru].font = NULL;
        free_slot = lru;
    }
    SDL_RWops *rw = SDL_RWFromConstMem(be->font_map, (int)be->font_len);
    TTF_Font *f = rw ? TTF_OpenFontIndexRW(rw, 1, px, be->font_index) : NULL;
    if (!f) {
        rk_log_error("ui: font at %d px: %s", px, SDL_GetError());
        return NULL;
    }
    TTF_SetFontHinting(f, TTF_HINTING_LIGHT);
    be->fonts[free_slot].font = f;
    be->fonts[free_slot].px = px;
    be->fonts[free_slot].used = ++be->font_clock;
    return f;
}

/* Invisible format characters are skipped instead of boxed. */
static int invisible(uint32_t cp)
{
    return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF ||
           (cp >= 0xE0100 && cp <= 0xE01EF) || cp == '\r';
}

static int glyph_ok(TTF_Font *f, uint32_t cp)
{
    if (cp == ' ' || cp == '\t') return 1;
    return TTF_GlyphIsProvided32(f, cp) != 0;
}

static int box_small_px(int px)
{
    int s = px * 2 / 5;
    return s < 8 ? 8 : s;
}

static void box_label(uint32_t cp, char *top, char *bottom)
{
    char hex[8];
    int n = snprintf(hex, sizeof hex, "%04X", (unsigned)cp);
    /* Two rows: the first half of the digits over the second. */
    int half = (n + 1) / 2;
    memcpy(top, hex, (size_t)half);
    top[half] = '\0';
    memcpy(bottom, hex + half, (size_t)(n - half) + 1);
}

static int box_width(rk_backend *be, int px, uint32_t cp)
{
    char top[8], bottom[8];
    int tw = 0, bw = 0, w;
    TTF_Font *small = font_get(be, box_small_px(px));
    box_label(cp, top, bottom);
    if (small) {
        TTF_SizeUTF8(small, top, &tw, NULL);
        TTF_SizeUTF8(small, bottom, &bw, NULL);
    }
    w = (tw > bw ? tw : bw) + px / 4 + 4;
    return w < px * 3 / 5 ? px * 3 / 5 : w;
}

/* Walks s[0..n) in runs of characters the font has; calls run() for each
 * run and box() for each missing character. Returns the summed width. */
typedef struct walk {
    rk_backend *be;
    TTF_Font *font;
    int px;
    SDL_Surface *dst; /* NULL: measure only */
    int x, y;
    SDL_Color color;
} walk;

static int emit_run(walk *wk, const char *s, size_t n)
{
    int w = 0;
    char *buf = wk->be->scratch;
    if (n == 0) return 0;
    if (n > TEXT_MAX) n = rk_utf8_fit(s, n, TEXT_MAX);
    memcpy(buf, s, n);
    buf[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '\t') buf[i] = ' ';
    if (!wk->dst) {
        TTF_SizeUTF8(wk->font, buf, &w, NULL);
        return w;
    }
    SDL_Surface *s1 = TTF_RenderUTF8_Blended(wk->font, buf, wk->color);
    if (!s1) return 0;
    TTF_SizeUTF8(wk->font, buf, &w, NULL);
    SDL_SetSurfaceBlendMode(s1, SDL_BLENDMODE_NONE);
    SDL_Rect d = {wk->x, wk->y, s1->w, s1->h};
    SDL_BlitSurface(s1, NULL, wk->dst, &d);
    SDL_FreeSurface(s1);
    return w;
}

static int emit_box(walk *wk, uint32_t cp)
{
    int w = box_width(wk->be, wk->px, cp);
    if (!wk->dst) return w;
    int h = TTF_FontHeight(wk->font), t = wk->px >= 40 ? 2 : 1;
    int bx = wk->x + 1, by = wk->y + h / 10, bw = w - 2, bh = h - h / 5;
    Uint32 col = SDL_MapRGBA(wk->dst->format, wk->color.r, wk->color.g, wk->color.b, 255);
    SDL_Rect edges[4] = {
        {bx, by, bw, t}, {bx, by + bh - t, bw, t}, {bx, by, t, bh}, {bx + bw - t, by, t, bh}};
    SDL_FillRects(wk->dst, edges, 4, col);
    char top[8], bottom[8];
    box_label(cp, top, bottom);
    TTF_Font *small = font_get(wk->be, box_small_px(wk->px));
    if (!small) return w;
    const char *rows[2] = {top, bottom};
    int lh = TTF_FontHeight(small), y0 = by + (bh - 2 * lh) / 2;
    for (int r = 0; r < 2; r++) {
        SDL_Surface *s1 = TTF_RenderUTF8_Blended(small, rows[r], wk->color);
        if (!s1) continue;
        SDL_SetSurfaceBlendMode(s1, SDL_BLENDMODE_NONE);
        SDL_Rect d = {bx + (bw - s1->w) / 2, y0 + r * lh, s1->w, s1->h};
        SDL_BlitSurface(s1, NULL, wk->dst, &d);
        SDL_FreeSurface(s1);
    }
    return w;
}

static int walk_line(walk *wk, const char *s, size_t n)
{
    size_t i = 0, run = 0;
    int total = 0, x0 = wk->x;
    while (i < n) {
        uint32_t cp;
        size_t len = rk_utf8_decode(s + i, n - i, &cp);
        if (invisible(cp) || cp == '\n') {
            int w = emit_run(wk, s + run, i - run);
            total += w;
            wk->x += w;
            i += len;
            run = i;
            continue;
        }
        if (!glyph_ok(wk->font, cp)) {
            int w = emit_run(wk, s + run, i - run);
            total += w;
            wk->x += w;
            w = emit_box(wk, cp);
            total += w;
            wk->x += w;
            i += len;
            run = i;
            continue;
        }
        i += len;
    }
    total += emit_run(wk, s + run, n - run);
    wk->x = x0;
    return total;
}

static int measure_cb(void *arg, const char *s, size_t n)
{
    walk *wk = arg;
    walk m = *wk;
    m.dst = NULL;
    return walk_line(&m, s, n);
}

int rk_backend_line_height(rk_backend *be, int px)
{
    TTF_Font *f = font_get(be, px);
    return f ? TTF_FontLineSkip(f) : px;
}

int rk_backend_has_glyph(rk_backend *be, uint32_t cp, int px)
{
    TTF_Font *f = font_get(be, px);
    return f && glyph_ok(f, cp);
}

void rk_backend_text_size(rk_backend *be, const char *s, size_t n, int px, int *w, int *h)
{
    walk wk = {be, font_get(be, px), px, NULL, 0, 0, {0, 0, 0, 255}};
    if (!wk.font) {
        *w = *h = 0;
        return;
    }
    if (n > TEXT_MAX) n = rk_utf8_fit(s, n, TEXT_MAX);
    *w = walk_line(&wk, s, n);
    *h = TTF_FontHeight(wk.font);
}

static SDL_Texture *surface_texture(rk_backend *be, SDL_Surface *surf, int personal)
{
    SDL_Texture *tex = SDL_CreateTextureFromSurface(be->ren, surf);
    if (tex) SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
    if (personal && surf->pixels) rk_wipe(surf->pixels, (size_t)surf->pitch * (size_t)surf->h);
    SDL_FreeSurface(surf);
    return tex;
}

void rk_backend_text(rk_backend *be, rk_text_ref *out, const char *s, size_t n, int px, int wrap_w,
                     int max_lines, int align, rk_color c, int flags)
{
    uint64_t pr = params(KIND_TEXT, px, wrap_w, max_lines, align, c);
    int personal = (flags & RK_TEXT_PERSONAL) != 0;
    memset(out, 0, sizeof *out);
    if (n > TEXT_MAX) n = rk_utf8_fit(s, n, TEXT_MAX);
    cached *hit = rk_textcache_get(be->cache, s, n, pr, &out->w, &out->h);
    if (hit) {
        out->tex = hit->tex;
        out->lines = hit->lines;
        out->shown = hit->shown;
        out->widest = hit->widest;
        return;
    }
    walk wk = {be, font_get(be, px), px, NULL, 0, 0, {c.r, c.g, c.b, 255}};
    if (!wk.font) return;
    int nl;
    if (wrap_w > 0) {
        nl = rk_wrap_text(be->lines, WRAP_LINES, s, n, wrap_w, measure_cb, &wk);
    } else {
        /* One line: newlines are not honoured, the measure covers all. */
        be->lines[0].start = 0;
        be->lines[0].len = n;
        be->lines[0].width = measure_cb(&wk, s, n);
        nl = 1;
    }
    int shown = nl < WRAP_LINES ? nl : WRAP_LINES;
    if (max_lines > 0 && shown > max_lines) shown = max_lines;
    int widest = 0;
    for (int i = 0; i < shown; i++)
        if (be->lines[i].width > widest) widest = be->lines[i].width;
    int fh = TTF_FontHeight(wk.font), skip = TTF_FontLineSkip(wk.font);
    int tw = widest; /* lines are aligned within the widest one */
    int th = fh + (shown - 1) * skip;
    out->lines = nl;
    out->shown = shown;
    out->widest = widest;
    if (tw <= 0 || th <= 0) {
        out->w = 0;
        out->h = th > 0 ? th : fh;
        return;
    }
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, tw, th, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!surf) {
        rk_log_error("ui: text surface %dx%d: %s", tw, th, SDL_GetError());
        return;
    }
    SDL_FillRect(surf, NULL, SDL_MapRGBA(surf->format, c.r, c.g, c.b, 0));
    wk.dst = surf;
    for (int i = 0; i < shown; i++) {
        int lw = be->lines[i].width;
        wk.x = align == RK_ALIGN_CENTER ? (tw - lw) / 2 : align == RK_ALIGN_RIGHT ? tw - lw : 0;
        wk.y = i * skip;
        walk_line(&wk, s + be->lines[i].start, be->lines[i].len);
    }
    SDL_Texture *tex = surface_texture(be, surf, personal);
    if (!tex) {
        rk_log_error("ui: text texture: %s", SDL_GetError());
        return;
    }
    be->renders++;
    out->tex = tex;
    out->w = tw;
    out->h = th;
    cached *entry = malloc(sizeof *entry);
    if (entry) {
        entry->tex = tex;
        entry->lines = nl;
        entry->shown = shown;
        entry->widest = widest;
        if (rk_textcache_put(be->cache, s, n, pr, entry, tw, th, (size_t)tw * (size_t)th * 4,
                             personal) == 0)
            return;
        free(entry);
    }
    out->owned = personal ? 2 : 1; /* drawn once and destroyed */
}

void rk_backend_text_draw(rk_backend *be, rk_text_ref *t, int x, int y)
{
    if (!t->tex) return;
    SDL_Rect d = {x, y, t->w, t->h};
    SDL_RenderCopy(be->ren, t->tex, NULL, &d);
    if (t->owned) {
        destroy_texture(t->tex, t->owned == 2);
        t->tex = NULL;
    }
}

/* ---------------------------------------------------------------- shapes */

void rk_backend_clip(rk_backend *be, const rk_rect *r)
{
    if (r) {
        SDL_Rect c = {r->x, r->y, r->w > 0 ? r->w : 0, r->h > 0 ? r->h : 0};
        SDL_RenderSetClipRect(be->ren, &c);
        be->clip = rk_rect_make(c.x, c.y, c.w, c.h);
        be->clipped = 1;
    } else {
        SDL_RenderSetClipRect(be->ren, NULL);
        be->clipped = 0;
    }
}

/* SDL_FillRect costs about 15 us a call on these VMs whatever the size (a
 * per-call CPU feature check), 48 rounded buttons made it most of a frame:
 * opaque fills write the target surface directly. */
static void fill_direct(rk_backend *be, rk_rect r, rk_color c)
{
    SDL_Surface *t = be->target;
    rk_rect bounds = rk_rect_make(0, 0, t->w, t->h);
    r = rk_rect_intersect(r, be->clipped ? rk_rect_intersect(be->clip, bounds) : bounds);
    if (r.w <= 0 || r.h <= 0) return;
    SDL_RenderFlush(be->ren); /* anything queued lands first */
    const SDL_PixelFormat *f = t->format;
    Uint32 px = ((Uint32)c.r >> f->Rloss) << f->Rshift | ((Uint32)c.g >> f->Gloss) << f->Gshift |
                ((Uint32)c.b >> f->Bloss) << f->Bshift | f->Amask;
    if (SDL_MUSTLOCK(t)) SDL_LockSurface(t);
    for (int y = r.y; y < r.y + r.h; y++) {
        Uint32 *row = (Uint32 *)((char *)t->pixels + (size_t)y * (size_t)t->pitch) + r.x;
        for (int x = 0; x < r.w; x++)
            row[x] = px;
    }
    if (SDL_MUSTLOCK(t)) SDL_UnlockSurface(t);
}

void rk_backend_fill(rk_backend *be, rk_rect r, rk_color c)
{
    if (r.w <= 0 || r.h <= 0) return;
    if (c.a == 255 && be->target && be->target->format->BytesPerPixel == 4) {
        fill_direct(be, r, c);
        return;
    }
    SDL_Rect d = {r.x, r.y, r.w, r.h};
    SDL_SetRenderDrawBlendMode(be->ren, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(be->ren, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(be->ren, &d);
}

/* A disc (thick == 0) or ring of radius r as a 2r x 2r texture, cached. */
static SDL_Texture *disc(rk_backend *be, int r, int thick, rk_color c)
{
    char key[16];
    int n = snprintf(key, sizeof key, "disc%d", thick);
    uint64_t pr = params(KIND_DISC, r, 0, 0, 0, c);
    cached *hit = rk_textcache_get(be->cache, key, (size_t)n, pr, NULL, NULL);
    if (hit) return hit->tex;
    int size = 2 * r;
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, size, size, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!surf) return NULL;
    Uint32 *px = surf->pixels;
    double ro = r, ri = thick > 0 ? r - thick : -1.0;
    for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
            int cover = 0;
            for (int sy = 0; sy < 4; sy++) {
                for (int sx = 0; sx < 4; sx++) {
                    double dx = x + (sx + 0.5) / 4.0 - r, dy = y + (sy + 0.5) / 4.0 - r;
                    double d2 = dx * dx + dy * dy;
                    if (d2 <= ro * ro && (ri < 0 || d2 >= ri * ri)) cover++;
                }
            }
            Uint32 a = (Uint32)(cover * 255 / 16) * c.a / 255;
            px[y * (surf->pitch / 4) + x] = a << 24 | (Uint32)c.r << 16 | (Uint32)c.g << 8 | c.b;
        }
    }
    SDL_Texture *tex = surface_texture(be, surf, 0);
    if (!tex) return NULL;
    cached *entry = malloc(sizeof *entry);
    if (entry) {
        memset(entry, 0, sizeof *entry);
        entry->tex = tex;
        if (rk_textcache_put(be->cache, key, (size_t)n, pr, entry, size, size,
                             (size_t)size * (size_t)size * 4, 0) == 0)
            return tex;
        free(entry);
    }
    SDL_DestroyTexture(tex);
    return NULL;
}

static void corners(rk_backend *be, SDL_Texture *t, rk_rect r, int rad)
{
    SDL_Rect src[4] = {
        {0, 0, rad, rad}, {rad, 0, rad, rad}, {0, rad, rad, rad}, {rad, rad, rad, rad}};
    SDL_Rect dst[4] = {{r.x, r.y, rad, rad},
                       {r.x + r.w - rad, r.y, rad, rad},
                       {r.x, r.y + r.h - rad, rad, rad},
                       {r.x + r.w - rad, r.y + r.h - rad, rad, rad}};
    for (int i = 0; i < 4; i++)
        SDL_RenderCopy(be->ren, t, &src[i], &dst[i]);
}

void rk_backend_round(rk_backend *be, rk_rect r, int radius, rk_color c)
{
    if (r.w <= 0 || r.h <= 0) return;
    if (radius * 2 > r.w) radius = r.w / 2;
    if (radius * 2 > r.h) radius = r.h / 2;
    SDL_Texture *t = radius >= 2 ? disc(be, radius, 0, c) : NULL;
    if (!t) {
        rk_backend_fill(be, r, c);
        return;
    }
    rk_backend_fill(be, rk_rect_make(r.x + radius, r.y, r.w - 2 * radius, r.h), c);
    rk_backend_fill(be, rk_rect_make(r.x, r.y + radius, radius, r.h - 2 * radius), c);
    rk_backend_fill(be, rk_rect_make(r.x + r.w - radius, r.y + radius, radius, r.h - 2 * radius),
                    c);
    corners(be, t, r, radius);
}

void rk_backend_outline(rk_backend *be, rk_rect r, int radius, int thick, rk_color c)
{
    if (r.w <= 0 || r.h <= 0 || thick <= 0) return;
    if (radius * 2 > r.w) radius = r.w / 2;
    if (radius * 2 > r.h) radius = r.h / 2;
    if (radius < thick) radius = thick;
    SDL_Texture *t = disc(be, radius, thick, c);
    rk_backend_fill(be, rk_rect_make(r.x + radius, r.y, r.w - 2 * radius, thick), c);
    rk_backend_fill(be, rk_rect_make(r.x + radius, r.y + r.h - thick, r.w - 2 * radius, thick), c);
    rk_backend_fill(be, rk_rect_make(r.x, r.y + radius, thick, r.h - 2 * radius), c);
    rk_backend_fill(be, rk_rect_make(r.x + r.w - thick, r.y + radius, thick, r.h - 2 * radius), c);
    if (t) corners(be, t, r, radius);
}

void rk_backend_icon(rk_backend *be, rk_icon icon, rk_rect r, rk_color c)
{
    int size = r.w < r.h ? r.w : r.h;
    if (size < 4 || icon <= RK_ICON_NONE || icon >= RK_ICON_COUNT) return;
    char key[8] = {'i', 'c', 'o', 'n', (char)icon, 0};
    uint64_t pr = params(KIND_ICON, size, 0, 0, 0, c);
    SDL_Rect d = {r.x + (r.w - size) / 2, r.y + (r.h - size) / 2, size, size};
    cached *hit = rk_textcache_get(be->cache, key, 5, pr, NULL, NULL);
    if (hit) {
        SDL_RenderCopy(be->ren, hit->tex, NULL, &d);
        return;
    }
    int stride = (size + 3) & ~3;
    uint8_t *mask = malloc((size_t)stride * (size_t)size);
    if (!mask) return;
    if (rk_icons_render(icon, size, mask, stride) != 0) {
        free(mask);
        return;
    }
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, size, size, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!surf) {
        free(mask);
        return;
    }
    for (int y = 0; y < size; y++) {
        Uint32 *row = (Uint32 *)((char *)surf->pixels + y * surf->pitch);
        for (int x = 0; x < size; x++)
            row[x] =
                (Uint32)mask[y * stride + x] << 24 | (Uint32)c.r << 16 | (Uint32)c.g << 8 | c.b;
    }
    free(mask);
    SDL_Texture *tex = surface_texture(be, surf, 0);
    if (!tex) return;
    SDL_RenderCopy(be->ren, tex, NULL, &d);
    cached *entry = calloc(1, sizeof *entry);
    if (entry) {
        entry->tex = tex;
        if (rk_textcache_put(be->cache, key, 5, pr, entry, size, size,
                             (size_t)size * (size_t)size * 4, 0) == 0)
            return;
        free(entry);
    }
    SDL_DestroyTexture(tex);
}

/* ---------------------------------------------------------------- images */

int rk_backend_image_new(rk_backend *be, rk_backend_image **out, const uint32_t *argb, int w, int h,
                         int stride, int personal)
{
    rk_backend_image *img;
    *out = NULL;
    if (w <= 0 || h <= 0 || w > 16384 || h > 16384 || stride < w)
        return rk_err_set(RK_EINVAL, "image %dx%d: bad size", w, h);
    if (!(img = calloc(1, sizeof *img))) return rk_err_oom();
    img->tex = SDL_CreateTexture(be->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, w, h);
    if (!img->tex) {
        free(img);
        return rk_err_set(RK_ENOMEM, "image %dx%d: %s", w, h, SDL_GetError());
    }
    SDL_UpdateTexture(img->tex, NULL, argb, stride * 4);
    SDL_SetTextureBlendMode(img->tex, SDL_BLENDMODE_BLEND);
    SDL_SetTextureScaleMode(img->tex, SDL_ScaleModeLinear);
    img->w = w;
    img->h = h;
    img->personal = personal;
    img->level[0] = img->tex;
    img->lw[0] = w;
    img->lh[0] = h;
    img->levels = 1;
    /* The halvings, down to about 256 px. */
    const uint32_t *prev = argb;
    int pw = w, ph = h, ps = stride;
    uint32_t *bufs[IMAGE_LEVELS] = {NULL};
    while (img->levels < IMAGE_LEVELS && pw >= 512 && ph >= 512) {
        int hw = pw / 2, hh = ph / 2;
        uint32_t *half = malloc((size_t)hw * (size_t)hh * 4);
        if (!half) break;
        halve(prev, pw, ph, ps, half);
        SDL_Texture *t =
            SDL_CreateTexture(be->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, hw, hh);
        if (!t) {
            free(half);
            break;
        }
        SDL_UpdateTexture(t, NULL, half, hw * 4);
        SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
        SDL_SetTextureScaleMode(t, SDL_ScaleModeLinear);
        bufs[img->levels] = half;
        img->level[img->levels] = t;
        img->lw[img->levels] = hw;
        img->lh[img->levels] = hh;
        img->levels++;
        prev = half;
        pw = hw;
        ph = hh;
        ps = hw;
    }
    for (int i = 0; i < IMAGE_LEVELS; i++) {
        if (bufs[i] && personal) rk_wipe(bufs[i], (size_t)img->lw[i] * (size_t)img->lh[i] * 4);
        free(bufs[i]);
    }
    *out = img;
    return 0;
}

int rk_backend_image_new_mono(rk_backend *be, rk_backend_image **out, const uint8_t *px, int w,
                              int h, int stride)
{
    uint32_t *argb;
    int rc;
    *out = NULL;
    if (w <= 0 || h <= 0 || w > 4096 || h > 4096 || stride < w)
        return rk_err_set(RK_EINVAL, "mono image %dx%d: bad size", w, h);
    if (!(argb = malloc((size_t)w * (size_t)h * 4))) return rk_err_oom();
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            argb[y * w + x] = px[y * stride + x] ? 0xFF000000u : 0xFFFFFFFFu;
    rc = rk_backend_image_new(be, out, argb, w, h, w, 0);
    free(argb);
    if (rc == 0) {
        SDL_SetTextureScaleMode((*out)->tex, SDL_ScaleModeNearest);
        (*out)->nearest = 1;
    }
    return rc;
}

/* Wipes a surface's pixels (a subscriber's document) and frees it. */
static void free_personal_surface(SDL_Surface *s)
{
    if (!s) return;
    if (s->pixels && !SDL_MUSTLOCK(s)) rk_wipe(s->pixels, (size_t)s->pitch * (size_t)s->h);
    SDL_FreeSurface(s);
}

int rk_backend_decode_image(uint32_t **argb, int *w, int *h, const unsigned char *data, size_t len,
                            int max_side)
{
    *argb = NULL;
    *w = *h = 0;
    if (!data || !len || len > INT32_MAX) return rk_err_set(RK_EFORMAT, "no image to decode");
    SDL_RWops *rw = SDL_RWFromConstMem(data, (int)len);
    SDL_Surface *raw = rw ? IMG_Load_RW(rw, 1) : NULL;
    if (!raw) return rk_err_set(RK_EFORMAT, "the image does not decode: %s", IMG_GetError());
    SDL_Surface *conv = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
    free_personal_surface(raw);
    if (!conv) return rk_err_set(RK_ENOMEM, "the image does not convert: %s", SDL_GetError());
    int dw = conv->w, dh = conv->h;
    if (max_side > 0 && (dw > max_side || dh > max_side)) {
        double f = (double)max_side / (dw > dh ? dw : dh);
        dw = (int)(dw * f + 0.5);
        dh = (int)(dh * f + 0.5);
        if (dw < 1) dw = 1;
        if (dh < 1) dh = 1;
    }
    SDL_Surface *out = conv;
    if (dw != conv->w || dh != conv->h) {
        out = SDL_CreateRGBSurfaceWithFormat(0, dw, dh, 32, SDL_PIXELFORMAT_ARGB8888);
        if (!out || SDL_SoftStretchLinear(conv, NULL, out, NULL) != 0) {
            int rc = rk_err_set(RK_ENOMEM, "the image does not scale: %s", SDL_GetError());
            free_personal_surface(out);
            free_personal_surface(conv);
            return rc;
        }
        free_personal_surface(conv);
    }
    uint32_t *px = malloc((size_t)dw * (size_t)dh * 4);
    if (!px) {
        free_personal_surface(out);
        return rk_err_oom();
    }
    for (int y = 0; y < dh; y++)
        memcpy(px + (size_t)y * (size_t)dw,
               (const unsigned char *)out->pixels + (size_t)y * out->pitch, (size_t)dw * 4);
    free_personal_surface(out);
    *argb = px;
    *w = dw;
    *h = dh;
    return 0;
}

void rk_backend_image_size(const rk_backend_image *img, int *w, int *h)
{
    *w = img ? img->w : 0;
    *h = img ? img->h : 0;
}

void rk_backend_image_draw(rk_backend *be, rk_backend_image *img, const rk_rect *src, rk_rect dst)
{
    if (!img || dst.w <= 0 || dst.h <= 0) return;
    SDL_Rect d = {dst.x, dst.y, dst.w, dst.h};
    rk_rect sr = src ? *src : rk_rect_make(0, 0, img->w, img->h);
    /* The smallest level still at least as large as the destination. */
    int l = 0;
    if (!img->nearest)
        while (l + 1 < img->levels && sr.w * img->lw[l + 1] / img->w >= dst.w &&
               sr.h * img->lh[l + 1] / img->h >= dst.h)
            l++;
    SDL_Rect s = {sr.x * img->lw[l] / img->w, sr.y * img->lh[l] / img->h,
                  sr.w * img->lw[l] / img->w, sr.h * img->lh[l] / img->h};
    if (s.w < 1) s.w = 1;
    if (s.h < 1) s.h = 1;
    SDL_RenderCopy(be->ren, img->level[l], &s, &d);
}

void rk_backend_image_free(rk_backend *be, rk_backend_image *img)
{
    (void)be;
    if (!img) return;
    for (int i = 0; i < img->levels; i++)
        destroy_texture(img->level[i], img->personal);
    if (!img->levels) destroy_texture(img->tex, img->personal);
    free(img);
}

/* ---------------------------------------------------------------- frames */

void rk_backend_begin(rk_backend *be, rk_color bg)
{
    rk_textcache_frame(be->cache);
    SDL_RenderSetClipRect(be->ren, NULL);
    be->clipped = 0;
    SDL_SetRenderDrawBlendMode(be->ren, SDL_BLENDMODE_NONE);
    bg.a = 255;
    rk_backend_fill(be, rk_rect_make(0, 0, be->target->w, be->target->h), bg);
    be->in_frame = 1;
}

/* Turns the upright canvas into the window surface: the picture rotated
 * clockwise by deg (touchmap.c: upright (x, y) goes to panel (h-1-y, x) at
 * 90, (w-1-x, h-1-y) at 180, (y, w-1-x) at 270). 32 x 32 tiles keep both
 * sides in the cache. */
static void turn(const SDL_Surface *src, SDL_Surface *dst, int deg)
{
    const int w = src->w, h = src->h, sp = src->pitch / 4, dp = dst->pitch / 4;
    const Uint32 *s = src->pixels;
    Uint32 *d = dst->pixels;
    if (deg == 180) {
        for (int y = 0; y < h && y < dst->h; y++) {
            const Uint32 *row = s + (size_t)y * sp;
            Uint32 *out = d + (size_t)(h - 1 - y) * dp + (w - 1);
            for (int x = 0; x < w; x++)
                out[-x] = row[x];
        }
        return;
    }
    if (dst->w != h || dst->h != w) return;
    for (int ty = 0; ty < h; ty += 32) {
        for (int tx = 0; tx < w; tx += 32) {
            int ey = ty + 32 < h ? ty + 32 : h, ex = tx + 32 < w ? tx + 32 : w;
            for (int y = ty; y < ey; y++) {
                const Uint32 *row = s + (size_t)y * sp;
                if (deg == 90) {
                    for (int x = tx; x < ex; x++)
                        d[(size_t)x * dp + (h - 1 - y)] = row[x];
                } else {
                    for (int x = tx; x < ex; x++)
                        d[(size_t)(w - 1 - x) * dp + y] = row[x];
                }
            }
        }
    }
}

void rk_backend_end(rk_backend *be)
{
    SDL_RenderSetClipRect(be->ren, NULL);
    SDL_RenderPresent(be->ren); /* flushes; on a surface it shows nothing */
    if (!be->canvas) {
        SDL_UpdateWindowSurface(be->win);
    } else {
        SDL_Surface *ws = SDL_GetWindowSurface(be->win);
        if (ws && ws->format->BytesPerPixel == 4) {
            if (SDL_MUSTLOCK(ws)) SDL_LockSurface(ws);
            turn(be->canvas, ws, be->map.rotation);
            if (SDL_MUSTLOCK(ws)) SDL_UnlockSurface(ws);
            SDL_UpdateWindowSurface(be->win);
        }
    }
    be->frames++;
    be->in_frame = 0;
}

int rk_backend_screenshot(rk_backend *be, const char *path, int physical)
{
    int w = physical ? be->pw : be->w, h = physical ? be->ph : be->h, rc = 0;
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!surf) return rk_err_set(RK_ENOMEM, "screenshot: %s", SDL_GetError());
    if (be->canvas && physical) {
        /* The window surface as the panel shows it. */
        SDL_Surface *ws = SDL_GetWindowSurface(be->win);
        if (!ws || SDL_BlitSurface(ws, NULL, surf, NULL) != 0)
            rc = rk_err_set(RK_EIO, "screenshot: window surface: %s", SDL_GetError());
    } else if (SDL_RenderReadPixels(be->ren, NULL, SDL_PIXELFORMAT_ARGB8888, surf->pixels,
                                    surf->pitch)) {
        rc = rk_err_set(RK_EIO, "screenshot: reading pixels: %s", SDL_GetError());
    }
    /* The screen has no transparency. */
    if (rc == 0) {
        for (int y = 0; y < h; y++) {
            Uint32 *row = (Uint32 *)((char *)surf->pixels + y * surf->pitch);
            for (int x = 0; x < w; x++)
                row[x] |= 0xFF000000u;
        }
    }
    if (rc == 0 && IMG_SavePNG(surf, path) != 0)
        rc = rk_err_set(RK_EIO, "screenshot %s: %s", path, IMG_GetError());
    SDL_FreeSurface(surf);
    return rc;
}

/* ---------------------------------------------------------------- events */

static rk_key map_key(SDL_Keycode k)
{
    switch (k) {
    case SDLK_BACKSPACE: return RK_KEY_BACKSPACE;
    case SDLK_DELETE: return RK_KEY_DELETE;
    case SDLK_RETURN:
    case SDLK_KP_ENTER: return RK_KEY_ENTER;
    case SDLK_ESCAPE: return RK_KEY_ESCAPE;
    case SDLK_TAB: return RK_KEY_TAB;
    case SDLK_SPACE: return RK_KEY_SPACE;
    case SDLK_LEFT: return RK_KEY_LEFT;
    case SDLK_RIGHT: return RK_KEY_RIGHT;
    case SDLK_UP: return RK_KEY_UP;
    case SDLK_DOWN: return RK_KEY_DOWN;
    case SDLK_PAGEUP: return RK_KEY_PAGEUP;
    case SDLK_PAGEDOWN: return RK_KEY_PAGEDOWN;
    case SDLK_HOME: return RK_KEY_HOME;
    case SDLK_END: return RK_KEY_END;
    default:
        if (k >= SDLK_F1 && k <= SDLK_F12) return (rk_key)(RK_KEY_F1 + (k - SDLK_F1));
        return RK_KEY_NONE;
    }
}

static SDL_Keycode unmap_key(rk_key k)
{
    static const SDL_Keycode table[RK_KEY_COUNT] = {
        [RK_KEY_BACKSPACE] = SDLK_BACKSPACE,
        [RK_KEY_DELETE] = SDLK_DELETE,
        [RK_KEY_ENTER] = SDLK_RETURN,
        [RK_KEY_ESCAPE] = SDLK_ESCAPE,
        [RK_KEY_TAB] = SDLK_TAB,
        [RK_KEY_SPACE] = SDLK_SPACE,
        [RK_KEY_LEFT] = SDLK_LEFT,
        [RK_KEY_RIGHT] = SDLK_RIGHT,
        [RK_KEY_UP] = SDLK_UP,
        [RK_KEY_DOWN] = SDLK_DOWN,
        [RK_KEY_PAGEUP] = SDLK_PAGEUP,
        [RK_KEY_PAGEDOWN] = SDLK_PAGEDOWN,
        [RK_KEY_HOME] = SDLK_HOME,
        [RK_KEY_END] = SDLK_END,
    };
    if (k >= RK_KEY_F1 && k <= RK_KEY_F12) return SDLK_F1 + (k - RK_KEY_F1);
    return k > 0 && k < RK_KEY_COUNT ? table[k] : SDLK_UNKNOWN;
}

static int is_edge(const SDL_Event *e)
{
    switch (e->type) {
    case SDL_FINGERDOWN:
    case SDL_FINGERUP: return 1;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP: return e->button.which != SDL_TOUCH_MOUSEID && e->button.button == 1;
    default: return 0;
    }
}

static void take(rk_backend *be, rk_input *in, const SDL_Event *e)
{
    int x, y;
    in->events++;
    switch (e->type) {
    case SDL_QUIT: in->quit = 1; break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_CLOSE) in->quit = 1;
        break;
    case SDL_FINGERDOWN:
        if (be->finger_down) break; /* one finger at a time */
        be->finger_down = 1;
        be->finger = e->tfinger.fingerId;
        rk_touchmap_to_logical(&be->map, e->tfinger.x, e->tfinger.y, &in->x, &in->y);
        in->down = in->pressed = in->touch = 1;
        break;
    case SDL_FINGERMOTION:
        if (!be->finger_down || e->tfinger.fingerId != be->finger) break;
        rk_touchmap_to_logical(&be->map, e->tfinger.x, e->tfinger.y, &in->x, &in->y);
        in->moved = 1;
        break;
    case SDL_FINGERUP:
        if (!be->finger_down || e->tfinger.fingerId != be->finger) break;
        be->finger_down = 0;
        rk_touchmap_to_logical(&be->map, e->tfinger.x, e->tfinger.y, &in->x, &in->y);
        in->down = 0;
        in->released = 1;
        break;
    case SDL_MOUSEMOTION:
        if (e->motion.which == SDL_TOUCH_MOUSEID) break;
        rk_touchmap_window_to_logical(&be->map, e->motion.x, e->motion.y, &x, &y);
        in->x = x;
        in->y = y;
        in->moved = 1;
        in->touch = 0;
        break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        if (e->button.which == SDL_TOUCH_MOUSEID || e->button.button != 1) break;
        rk_touchmap_window_to_logical(&be->map, e->button.x, e->button.y, &x, &y);
        in->x = x;
        in->y = y;
        in->touch = 0;
        if (e->type == SDL_MOUSEBUTTONDOWN) {
            in->down = in->pressed = 1;
        } else {
            in->down = 0;
            in->released = 1;
        }
        break;
    case SDL_MOUSEWHEEL:
        if (e->wheel.which != SDL_TOUCH_MOUSEID) in->wheel += e->wheel.y;
        break;
    case SDL_TEXTINPUT:
        rk_input_add_text(in, e->text.text, strnlen(e->text.text, sizeof e->text.text));
        break;
    case SDL_KEYDOWN: {
        rk_key k = map_key(e->key.keysym.sym);
        Uint16 m = e->key.keysym.mod;
        in->mods = (m & KMOD_SHIFT ? RK_MOD_SHIFT : 0) | (m & KMOD_CTRL ? RK_MOD_CTRL : 0) |
                   (m & KMOD_ALT ? RK_MOD_ALT : 0);
        if (k != RK_KEY_NONE && in->keys[k] < 255) in->keys[k]++;
        break;
    }
    default:
        if (e->type == be->wake_type) in->wakes++;
        break;
    }
}

static void drain_fd(int fd)
{
    char buf[256];
    while (read(fd, buf, sizeof buf) > 0) {
    }
}

static void scan_evdev(rk_backend *be)
{
    DIR *d;
    struct dirent *de;
    for (int i = 0; i < be->n_evdev; i++)
        close(be->evdev[i]);
    be->n_evdev = 0;
    if (!(d = opendir("/dev/input"))) return;
    while ((de = readdir(d)) && be->n_evdev < MAX_EVDEV) {
        char path[300];
        if (strncmp(de->d_name, "event", 5) != 0) continue;
        snprintf(path, sizeof path, "/dev/input/%s", de->d_name);
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) be->evdev[be->n_evdev++] = fd;
    }
    closedir(d);
}

static int queued(void)
{
    return SDL_PeepEvents(NULL, 0, SDL_PEEKEVENT, SDL_FIRSTEVENT, SDL_LASTEVENT);
}

/* Waits in poll(2) until SDL has an event, a wake-up or watched fd fires,
 * or the timeout passes. */
static void wait_poll(rk_backend *be, rk_input *in, int timeout_ms)
{
    uint64_t deadline = timeout_ms > 0 ? mono_ms() + (uint64_t)timeout_ms : 0;
    for (;;) {
        struct pollfd p[2 + MAX_EVDEV + MAX_WATCH + 1];
        int np = 0, t = -1, first_watch, first_ev;
        SDL_PumpEvents();
        if (queued() > 0) return;
        p[np++] = (struct pollfd){be->wake_fd, POLLIN, 0};
        if (be->x11_fd >= 0) p[np++] = (struct pollfd){be->x11_fd, POLLIN, 0};
        if (be->inotify_fd >= 0) p[np++] = (struct pollfd){be->inotify_fd, POLLIN, 0};
        first_ev = np;
        for (int i = 0; i < be->n_evdev; i++)
            p[np++] = (struct pollfd){be->evdev[i], POLLIN, 0};
        first_watch = np;
        for (int i = 0; i < be->n_watch; i++)
            p[np++] = (struct pollfd){be->watch[i], POLLIN, 0};
        if (timeout_ms > 0) {
            uint64_t now = mono_ms();
            if (now >= deadline) return;
            t = (int)(deadline - now);
        }
        if (timeout_ms == 0) t = 0;
        if (be->inotify_fd >= 0 && (t < 0 || t > KMSDRM_PUMP)) t = KMSDRM_PUMP;
        int r = poll(p, (nfds_t)np, t);
        if (r < 0 && errno != EINTR) {
            rk_log_error("ui: poll: %s", strerror(errno));
            return;
        }
        if (r > 0) {
            if (p[0].revents & POLLIN) {
                drain_fd(be->wake_fd);
                in->wakes++;
            }
            for (int i = first_ev; i < first_watch; i++)
                if (p[i].revents & POLLIN) drain_fd(p[i].fd);
            for (int i = first_watch; i < np; i++)
                if (p[i].revents & (POLLIN | POLLHUP | POLLERR)) in->wakes++;
            if (be->inotify_fd >= 0 && (p[first_ev - 1].revents & POLLIN) &&
                p[first_ev - 1].fd == be->inotify_fd) {
                drain_fd(be->inotify_fd);
                scan_evdev(be);
            }
        }
        if (in->wakes) return;
        if (timeout_ms == 0) return;
        if (r == 0 && timeout_ms > 0 && mono_ms() >= deadline) return;
    }
}

static void wait_native(rk_backend *be, rk_input *in, int timeout_ms)
{
    uint64_t deadline = timeout_ms > 0 ? mono_ms() + (uint64_t)timeout_ms : 0;
    for (;;) {
        int t = timeout_ms;
        if (timeout_ms > 0) {
            uint64_t now = mono_ms();
            if (now >= deadline) return;
            t = (int)(deadline - now);
        }
        if (be->n_watch > 0 && (t < 0 || t > NATIVE_WATCH)) t = NATIVE_WATCH;
        int got = SDL_WaitEventTimeout(NULL, t);
        if (be->n_watch > 0) {
            struct pollfd p[MAX_WATCH];
            for (int i = 0; i < be->n_watch; i++)
                p[i] = (struct pollfd){be->watch[i], POLLIN, 0};
            if (poll(p, (nfds_t)be->n_watch, 0) > 0)
                for (int i = 0; i < be->n_watch; i++)
                    if (p[i].revents) in->wakes++;
        }
        drain_fd(be->wake_fd);
        if (got || in->wakes || timeout_ms == 0) return;
    }
}

int rk_backend_poll(rk_backend *be, rk_input *in, int timeout_ms)
{
    SDL_Event e;
    rk_input_next(in);
    if (queued() <= 0 && timeout_ms != 0) {
        if (be->wait_mode == WAIT_POLL)
            wait_poll(be, in, timeout_ms);
        else
            wait_native(be, in, timeout_ms);
    } else {
        SDL_PumpEvents();
    }
    int edge = 0;
    while (SDL_PeepEvents(&e, 1, SDL_PEEKEVENT, SDL_FIRSTEVENT, SDL_LASTEVENT) == 1) {
        if (is_edge(&e) && edge) {
            in->more = 1;
            break;
        }
        SDL_PeepEvents(&e, 1, SDL_GETEVENT, SDL_FIRSTEVENT, SDL_LASTEVENT);
        if (is_edge(&e)) edge = 1;
        take(be, in, &e);
    }
    return in->events + in->wakes;
}

void rk_backend_wake(rk_backend *be)
{
    uint64_t one = 1;
    ssize_t r = write(be->wake_fd, &one, sizeof one);
    (void)r;
    if (be->wait_mode == WAIT_NATIVE) {
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = be->wake_type;
        SDL_PushEvent(&e);
    }
}

int rk_backend_watch_fd(rk_backend *be, int fd)
{
    if (be->n_watch >= MAX_WATCH)
        return rk_err_set(RK_ETOOBIG, "ui: at most %d watched descriptors", MAX_WATCH);
    be->watch[be->n_watch++] = fd;
    return 0;
}

void rk_backend_unwatch_fd(rk_backend *be, int fd)
{
    for (int i = 0; i < be->n_watch; i++) {
        if (be->watch[i] == fd) {
            be->watch[i] = be->watch[--be->n_watch];
            return;
        }
    }
}

static int push(SDL_Event *e)
{
    if (SDL_PushEvent(e) < 0) return rk_err_set(RK_EIO, "ui: event queue: %s", SDL_GetError());
    return 0;
}

int rk_backend_inject_touch(rk_backend *be, int kind, int x, int y)
{
    SDL_Event e;
    float nx, ny;
    memset(&e, 0, sizeof e);
    rk_touchmap_to_panel(&be->map, x, y, &nx, &ny);
    e.type = kind == 0 ? SDL_FINGERDOWN : kind == 1 ? SDL_FINGERMOTION : SDL_FINGERUP;
    e.tfinger.timestamp = SDL_GetTicks();
    e.tfinger.touchId = 1;
    e.tfinger.fingerId = 1;
    e.tfinger.x = nx;
    e.tfinger.y = ny;
    e.tfinger.pressure = kind == 2 ? 0.0f : 1.0f;
    return push(&e);
}

int rk_backend_inject_mouse(rk_backend *be, int kind, int x, int y)
{
    SDL_Event e;
    float nx, ny;
    rk_touchmap m = be->map;
    memset(&e, 0, sizeof e);
    /* Window pixels are the picture's panel: no touch turn or flips. */
    m.touch_rot = 0;
    m.flip_x = m.flip_y = 0;
    rk_touchmap_to_panel(&m, x, y, &nx, &ny);
    int wx = (int)(nx * (float)be->pw), wy = (int)(ny * (float)be->ph);
    if (kind == 1) {
        e.type = SDL_MOUSEMOTION;
        e.motion.x = wx;
        e.motion.y = wy;
        e.motion.which = 0;
    } else {
        e.type = kind == 0 ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
        e.button.button = SDL_BUTTON_LEFT;
        e.button.state = kind == 0 ? SDL_PRESSED : SDL_RELEASED;
        e.button.clicks = 1;
        e.button.x = wx;
        e.button.y = wy;
        e.button.which = 0;
    }
    return push(&e);
}

int rk_backend_inject_wheel(rk_backend *be, int steps)
{
    SDL_Event e;
    (void)be;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEWHEEL;
    e.wheel.y = steps;
    e.wheel.direction = SDL_MOUSEWHEEL_NORMAL;
    return push(&e);
}

int rk_backend_inject_text(rk_backend *be, const char *utf8)
{
    size_t n = strlen(utf8), off = 0;
    (void)be;
    while (off < n) {
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = SDL_TEXTINPUT;
        size_t take_n = rk_utf8_fit(utf8 + off, n - off, sizeof e.text.text - 1);
        if (take_n == 0) take_n = 1; /* cannot happen for valid text; never loop */
        memcpy(e.text.text, utf8 + off, take_n);
        off += take_n;
        int rc = push(&e);
        if (rc) return rc;
    }
    return 0;
}

int rk_backend_inject_key(rk_backend *be, rk_key key, int mods)
{
    SDL_Event e;
    (void)be;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = unmap_key(key);
    e.key.keysym.scancode = SDL_GetScancodeFromKey(e.key.keysym.sym);
    e.key.keysym.mod =
        (Uint16)((mods & RK_MOD_SHIFT ? KMOD_LSHIFT : 0) | (mods & RK_MOD_CTRL ? KMOD_LCTRL : 0) |
                 (mods & RK_MOD_ALT ? KMOD_LALT : 0));
    if (e.key.keysym.sym == SDLK_UNKNOWN) return rk_err_set(RK_EINVAL, "ui: no such key");
    int rc = push(&e);
    if (rc) return rc;
    e.type = SDL_KEYUP;
    e.key.state = SDL_RELEASED;
    return push(&e);
}

int rk_backend_inject_quit(rk_backend *be)
{
    SDL_Event e;
    (void)be;
    memset(&e, 0, sizeof e);
    e.type = SDL_QUIT;
    return push(&e);
}

int rk_backend_wipe(rk_backend *be)
{
    int n = rk_textcache_drop_personal(be->cache);
    rk_wipe(be->scratch, sizeof be->scratch); /* the last run of text rendered */
    /* SDL keeps freed queue entries (with the text of SDL_TEXTINPUT
     * events) on a free list and reuses them last-freed first: pushing as
     * many blank events as the queue has ever held, then flushing them,
     * overwrites every entry. The queue rarely holds more than a few. */
    SDL_Event blank;
    memset(&blank, 0, sizeof blank);
    blank.type = be->wake_type;
    int pushed = 0;
    for (int i = 0; i < 256; i++)
        if (SDL_PushEvent(&blank) == 1) pushed++;
    SDL_FlushEvent(be->wake_type);
    (void)pushed;
    return n;
}

void rk_backend_get_stats(const rk_backend *be, rk_backend_stats *s)
{
    rk_textcache_stats cs;
    rk_textcache_get_stats(be->cache, &cs);
    memset(s, 0, sizeof *s);
    s->entries = cs.entries;
    s->bytes = cs.bytes;
    s->hits = cs.hits;
    s->misses = cs.misses;
    s->evictions = cs.evictions;
    s->refused = cs.refused;
    for (int i = 0; i < MAX_FONTS; i++)
        if (be->fonts[i].font) s->fonts++;
    s->frames = be->frames;
    s->renders = be->renders;
}

/* ---------------------------------------------------------------- sound */

static void audio_cb(void *arg, Uint8 *stream, int len)
{
    rk_backend *be = arg;
    be->audio_fn(be->audio_arg, (int16_t *)stream, (size_t)len / 2);
}

int rk_backend_audio_open(rk_backend *be, int rate, rk_backend_audio_fn fn, void *arg)
{
    SDL_AudioSpec want, have;
    if (be->audio) return 0;
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0)
        return rk_err_set(RK_EDEVICE, "ui: audio: %s", SDL_GetError());
    memset(&want, 0, sizeof want);
    want.freq = rate;
    want.format = AUDIO_S16SYS;
    want.channels = 1;
    want.samples = 1024;
    want.callback = audio_cb;
    want.userdata = be;
    be->audio_fn = fn;
    be->audio_arg = arg;
    be->audio = SDL_OpenAudioDevice(NULL, 0, &want, &have, 0);
    if (!be->audio) {
        int rc = rk_err_set(RK_EDEVICE, "ui: no audio device: %s", SDL_GetError());
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
        return rc;
    }
    SDL_PauseAudioDevice(be->audio, 0);
    return 0;
}

void rk_backend_audio_close(rk_backend *be)
{
    if (!be->audio) return;
    SDL_CloseAudioDevice(be->audio);
    be->audio = 0;
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
}

/* ---------------------------------------------------------------- open */

void rk_backend_size(const rk_backend *be, int *w, int *h)
{
    *w = be->w;
    *h = be->h;
}

const char *rk_backend_driver(const rk_backend *be)
{
    return be->driver;
}

uint64_t rk_backend_ticks(const rk_backend *be)
{
    return mono_ms() - be->t0;
}

static int open_display_fds(rk_backend *be)
{
    be->x11_fd = be->inotify_fd = -1;
    if (!strcmp(be->driver, "x11")) {
        SDL_SysWMinfo info;
        SDL_VERSION(&info.version);
        if (SDL_GetWindowWMInfo(be->win, &info) && info.subsystem == SDL_SYSWM_X11)
            be->x11_fd = ConnectionNumber(info.info.x11.display);
        if (be->x11_fd < 0) be->wait_mode = WAIT_NATIVE;
    } else if (!strcmp(be->driver, "kmsdrm") || !strcmp(be->driver, "KMSDRM")) {
        be->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (be->inotify_fd >= 0)
            inotify_add_watch(be->inotify_fd, "/dev/input", IN_CREATE | IN_DELETE | IN_ATTRIB);
        scan_evdev(be);
    } else if (strcmp(be->driver, "offscreen") && strcmp(be->driver, "dummy")) {
        be->wait_mode = WAIT_NATIVE; /* wayland and the rest: SDL's own wait */
    }
    return 0;
}

int rk_backend_open(rk_backend **out, const rk_backend_options *o)
{
    rk_backend *be;
    int rc, pw, ph;
    *out = NULL;
    if (!rk_touchmap_valid_rotation(o->rotation) || !rk_touchmap_valid_rotation(o->touch_rotation))
        return rk_err_set(RK_EINVAL,
                          "display rotation %d / touch rotation %d: must be 0, 90, 180 "
                          "or 270",
                          o->rotation, o->touch_rotation);
    if (!(be = calloc(1, sizeof *be))) return rk_err_oom();
    be->t0 = mono_ms();
    be->wake_fd = be->x11_fd = be->inotify_fd = -1;
    be->font_index = o->font_index;
    if ((rc = map_font(be, o->font_path ? o->font_path : RK_BACKEND_FONT_DEFAULT))) goto fail;
    be->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (be->wake_fd < 0) {
        rc = rk_err_set(RK_EIO, "ui: eventfd: %s", strerror(errno));
        goto fail;
    }
    rc = rk_textcache_new(&be->cache, o->cache_entries > 0 ? o->cache_entries : 1024,
                          o->cache_bytes > 0 ? o->cache_bytes : (size_t)8 << 20, cache_free, be);
    if (rc) goto fail;

    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
    SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "0");
    SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
    SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
    if (o->driver && *o->driver) SDL_SetHint(SDL_HINT_VIDEODRIVER, o->driver);
    if (SDL_InitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        rc = rk_err_set(RK_EDEVICE, "ui: video driver %s: %s",
                        o->driver && *o->driver ? o->driver : "(default)", SDL_GetError());
        goto fail;
    }
    if (TTF_Init() != 0) {
        rc = rk_err_set(RK_EDEVICE, "ui: SDL_ttf: %s", TTF_GetError());
        goto fail_sdl;
    }
    snprintf(be->driver, sizeof be->driver, "%s", SDL_GetCurrentVideoDriver());
    for (char *p = be->driver; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    /* KMSDRM has no framebuffer of its own: its window surface is always
     * SDL's texture on an EGL renderer (Mesa's; llvmpipe without a GPU),
     * which "0" forbids, and SDL_GetWindowSurface then fails with no error
     * text. GLES2, the profile KMSDRM's windows are made with: "1" picks
     * desktop GL first, which remakes the window and shows nothing (seen
     * on QEMU's virtio GPU). SDL reads the hint at the first
     * SDL_GetWindowSurface. */
    if (!strcmp(be->driver, "kmsdrm")) SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "opengles2");

    if (o->width > 0 && o->height > 0) {
        rk_touchmap_panel_size(o->rotation, o->width, o->height, &pw, &ph);
    } else {
        SDL_DisplayMode mode;
        if (SDL_GetDesktopDisplayMode(0, &mode) != 0) {
            rc = rk_err_set(RK_EDEVICE, "ui: display mode: %s", SDL_GetError());
            goto fail_ttf;
        }
        pw = mode.w;
        ph = mode.h;
    }
    Uint32 wflags = SDL_WINDOW_SHOWN;
    if (o->fullscreen) wflags |= SDL_WINDOW_FULLSCREEN_DESKTOP | SDL_WINDOW_BORDERLESS;
    be->win = SDL_CreateWindow(o->title ? o->title : "rakiosk", SDL_WINDOWPOS_UNDEFINED,
                               SDL_WINDOWPOS_UNDEFINED, pw, ph, wflags);
    if (!be->win) {
        rc = rk_err_set(RK_EDEVICE, "ui: window %dx%d: %s", pw, ph, SDL_GetError());
        goto fail_ttf;
    }
    SDL_GetWindowSize(be->win, &pw, &ph);
    be->pw = pw;
    be->ph = ph;
    rk_touchmap_panel_size(o->rotation, pw, ph, &be->w, &be->h);
    if (o->rotation == 0) {
        /* The software renderer on the window surface, which we also fill
         * directly (fill_direct) and present with SDL_UpdateWindowSurface. */
        be->target = SDL_GetWindowSurface(be->win);
        if (!be->target) {
            rc = rk_err_set(RK_EDEVICE, "ui: window surface: %s", SDL_GetError());
            goto fail_win;
        }
        be->ren = SDL_CreateSoftwareRenderer(be->target);
    } else {
        /* Rotated: draw upright into a surface of our own and turn it into
         * the window surface at present (SDL_RenderCopyEx takes 30+ ms a
         * frame for this; a blocked transpose takes a few). */
        SDL_Surface *ws = SDL_GetWindowSurface(be->win);
        if (!ws || ws->format->BytesPerPixel != 4) {
            rc = rk_err_set(RK_EDEVICE, "ui: rotation needs a 32-bit window surface: %s",
                            ws ? "other depth" : SDL_GetError());
            goto fail_win;
        }
        be->canvas = SDL_CreateRGBSurfaceWithFormat(0, be->w, be->h, 32, ws->format->format);
        if (!be->canvas) {
            rc = rk_err_set(RK_EDEVICE, "ui: rotated canvas: %s", SDL_GetError());
            goto fail_win;
        }
        be->ren = SDL_CreateSoftwareRenderer(be->canvas);
        be->target = be->canvas;
    }
    if (!be->ren) {
        rc = rk_err_set(RK_EDEVICE, "ui: software renderer: %s", SDL_GetError());
        goto fail_win;
    }
    be->map.rotation = o->rotation;
    be->map.touch_rot = o->touch_rotation;
    be->map.flip_x = o->touch_flip_x;
    be->map.flip_y = o->touch_flip_y;
    be->map.width = be->w;
    be->map.height = be->h;
    be->wake_type = SDL_RegisterEvents(1);
    open_display_fds(be);
    SDL_StartTextInput();
    *out = be;
    return 0;

fail_win:
    if (be->canvas) SDL_FreeSurface(be->canvas);
    SDL_DestroyWindow(be->win);
fail_ttf:
    TTF_Quit();
fail_sdl:
    SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
fail:
    rk_textcache_free(be->cache);
    if (be->wake_fd >= 0) close(be->wake_fd);
    if (be->font_map) munmap(be->font_map, be->font_len);
    free(be);
    return rc;
}

void rk_backend_free(rk_backend *be)
{
    if (!be) return;
    rk_backend_audio_close(be);
    rk_textcache_free(be->cache);
    for (int i = 0; i < MAX_FONTS; i++)
        if (be->fonts[i].font) TTF_CloseFont(be->fonts[i].font);
    SDL_DestroyRenderer(be->ren);
    if (be->canvas) SDL_FreeSurface(be->canvas);
    SDL_DestroyWindow(be->win);
    TTF_Quit();
    SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
    SDL_Quit();
    for (int i = 0; i < be->n_evdev; i++)
        close(be->evdev[i]);
    if (be->inotify_fd >= 0) close(be->inotify_fd);
    close(be->wake_fd);
    munmap(be->font_map, be->font_len);
    free(be);
}
