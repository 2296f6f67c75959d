/*
 * The one place SDL lives: the window, the software renderer, fonts and
 * text textures, events, waiting, screenshots and the audio device.
 *
 * Everything else in ui/ is plain C over this interface. The backend opens
 * SDL with the software renderer and SDL_FRAMEBUFFER_ACCELERATION=0 (no
 * hidden GL layer: +300 ms start and +100 MB otherwise), on the driver asked
 * for (kmsdrm on the appliance, x11 or wayland on a desktop, offscreen in
 * tests). KMSDRM is the exception: it has no framebuffer but a GL one, so
 * there the window surface is SDL's texture on its EGL renderer. A
 * rotated display draws into an upright canvas that is turned onto the
 * window at present; touch is mapped back with ui/touchmap.
 *
 * Waiting is event-driven: SDL 2.26's SDL_WaitEventTimeout polls every
 * millisecond on kmsdrm and offscreen (2-3 % of a core while idle), so the
 * backend waits in poll(2) itself, on a wake-up eventfd that other threads
 * signal (rk_backend_wake), on the input devices (the X connection under
 * x11, /dev/input/event* under kmsdrm) and on descriptors the program adds
 * (a job runner's completion fd). Wayland keeps SDL's own wait.
 *
 * Text is rendered with SDL_ttf (HarfBuzz) from WenQuanYi Micro Hei, once
 * per (text, size, colour, wrap width), and kept in a bounded LRU cache of
 * textures (ui/textcache). Characters the font lacks are drawn as a box with
 * their code point. Textures made from personal data are marked and
 * destroyed, pixels wiped, by rk_backend_wipe().
 *
 * All functions except rk_backend_wake() belong to the thread that opened
 * the backend (the UI thread).
 */
#ifndef RK_UI_BACKEND_H
#define RK_UI_BACKEND_H

#include "geom.h"
#include "icons.h"
#include "input.h"

#include <stddef.h>
#include <stdint.h>

#define RK_BACKEND_FONT_DEFAULT "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

typedef struct rk_backend rk_backend;

typedef struct rk_backend_options {
    const char *driver;    /* "kmsdrm", "x11", "wayland", "offscreen"; NULL or "" = SDL's choice
                              ($SDL_VIDEODRIVER) */
    int width, height;     /* logical (upright) canvas; 0 = the display's own size */
    int fullscreen;        /* a borderless full-screen window */
    int rotation;          /* 0, 90, 180, 270: how the picture is turned on the panel */
    int touch_rotation;    /* the touch panel's own turn relative to the picture's panel */
    int touch_flip_x;      /* the touch panel reports x mirrored */
    int touch_flip_y;      /* ... y */
    const char *font_path; /* NULL = RK_BACKEND_FONT_DEFAULT */
    int font_index;        /* face in a .ttc (0: WenQuanYi Micro Hei) */
    int cache_entries;     /* text cache: 0 = 1024 textures */
    size_t cache_bytes;    /* 0 = 8 MiB of pixels */
    const char *title;     /* window title (desktop) */
} rk_backend_options;

/* Text alignment inside its box and flags. */
enum {
    RK_ALIGN_LEFT = 0,
    RK_ALIGN_CENTER = 1,
    RK_ALIGN_RIGHT = 2,
};
enum {
    RK_TEXT_PERSONAL = 1, /* personal data: destroyed and wiped by rk_backend_wipe */
};

/* A text rendered for this frame: valid until the next rk_backend_begin. */
typedef struct rk_text_ref {
    void *tex;  /* the texture (NULL for empty text) */
    int w, h;   /* its size in pixels */
    int lines;  /* lines the text needs at its wrap width */
    int shown;  /* lines in the texture (<= max_lines) */
    int widest; /* widest line (> wrap width only when one character is wider) */
    int owned;  /* not cached: the draw call destroys it */
} rk_text_ref;

typedef struct rk_backend_stats {
    int entries;  /* textures in the cache */
    size_t bytes; /* their pixels */
    unsigned long hits, misses, evictions, refused;
    int fonts;             /* font sizes open */
    unsigned long frames;  /* frames presented */
    unsigned long renders; /* texts rendered (cache misses that drew) */
} rk_backend_stats;

/* Opens SDL, the window and the renderer and maps the font. The caller owns
 * *out. RK_EINVAL for a bad rotation, RK_EDEVICE when SDL cannot open the
 * driver or the window (the message says SDL's reason), RK_ENOTFOUND when
 * the font is missing, RK_ENOMEM. */
int rk_backend_open(rk_backend **out, const rk_backend_options *opts);

/* Closes everything; NULL does nothing. */
void rk_backend_free(rk_backend *be);

/* The logical canvas size. */
void rk_backend_size(const rk_backend *be, int *w, int *h);

/* The SDL video driver in use ("offscreen", "kmsdrm" ...). */
const char *rk_backend_driver(const rk_backend *be);

/* Milliseconds since the backend opened (monotonic). */
uint64_t rk_backend_ticks(const rk_backend *be);

/* --- events --- */

/* Waits up to timeout_ms (-1: until something happens, 0: not at all) for
 * events, then takes what is queued into *in (rk_input_next first), up to
 * and including the first press or release edge. Returns the number of
 * events taken (0 on timeout). */
int rk_backend_poll(rk_backend *be, rk_input *in, int timeout_ms);

/* Wakes a waiting rk_backend_poll from any thread (it returns with
 * in->wakes > 0). Async-signal-safe as well. */
void rk_backend_wake(rk_backend *be);

/* Adds a descriptor whose readability wakes rk_backend_poll (counted in
 * in->wakes); its owner must drain it, or every wait returns at once. At
 * most 8. RK_ETOOBIG when full. */
int rk_backend_watch_fd(rk_backend *be, int fd);
void rk_backend_unwatch_fd(rk_backend *be, int fd);

/* Injected input, as a real device would produce it (for the event player
 * and tests): a finger at logical (x, y) goes through the inverse touch
 * mapping and arrives as SDL finger events. kind: 0 down, 1 move, 2 up. */
int rk_backend_inject_touch(rk_backend *be, int kind, int x, int y);
int rk_backend_inject_mouse(rk_backend *be, int kind, int x, int y);
int rk_backend_inject_wheel(rk_backend *be, int steps);
/* Text as SDL_TEXTINPUT events (split at code points into SDL's 32-byte
 * events). */
int rk_backend_inject_text(rk_backend *be, const char *utf8);
int rk_backend_inject_key(rk_backend *be, rk_key key, int mods);
/* Asks the window to close (SDL_QUIT). */
int rk_backend_inject_quit(rk_backend *be);

/* --- drawing (between begin and end) --- */

/* Starts a frame cleared to bg. */
void rk_backend_begin(rk_backend *be, rk_color bg);

/* Presents the frame (turning the canvas when the display is rotated). */
void rk_backend_end(rk_backend *be);

/* Restricts drawing to r; NULL lifts the restriction. */
void rk_backend_clip(rk_backend *be, const rk_rect *r);

/* A filled rectangle (blended when c.a < 255). */
void rk_backend_fill(rk_backend *be, rk_rect r, rk_color c);

/* A filled rectangle with rounded corners of radius px. */
void rk_backend_round(rk_backend *be, rk_rect r, int radius, rk_color c);

/* A rounded outline thick px wide inside r. */
void rk_backend_outline(rk_backend *be, rk_rect r, int radius, int thick, rk_color c);

/* Renders (or finds in the cache) s[0..n) at px pixels, wrapped at wrap_w
 * (0: one line), at most max_lines lines (0: no limit), each line aligned
 * within the widest (the texture is that wide: the caller places it in its
 * box). Never fails: a text that cannot be rendered gives an empty
 * reference with a log line. */
void rk_backend_text(rk_backend *be, rk_text_ref *out, const char *s, size_t n, int px, int wrap_w,
                     int max_lines, int align, rk_color c, int flags);

/* Draws a text reference with its top-left corner at (x, y). */
void rk_backend_text_draw(rk_backend *be, rk_text_ref *t, int x, int y);

/* Width and height of s[0..n) on one line at px, without rendering. */
void rk_backend_text_size(rk_backend *be, const char *s, size_t n, int px, int *w, int *h);

/* The line height of the font at px. */
int rk_backend_line_height(rk_backend *be, int px);

/* 1 when the font has a glyph for cp. */
int rk_backend_has_glyph(rk_backend *be, uint32_t cp, int px);

/* An icon filling the square of side min(r.w, r.h) centred in r. */
void rk_backend_icon(rk_backend *be, rk_icon icon, rk_rect r, rk_color c);

/* --- images (documents, thumbnails, QR codes) --- */

typedef struct rk_backend_image rk_backend_image;

/* A texture from 0xAARRGGBB pixels (stride in pixels). personal: its pixels
 * are wiped when it is freed. The caller owns *out. */
int rk_backend_image_new(rk_backend *be, rk_backend_image **out, const uint32_t *argb, int w, int h,
                         int stride, int personal);

/* A texture from one byte per pixel (0 = white, else black), e.g. the
 * modules of a QR code; drawn with nearest-neighbour scaling. */
int rk_backend_image_new_mono(rk_backend *be, rk_backend_image **out, const uint8_t *px, int w,
                              int h, int stride);

/* Decodes an encoded image (JPEG, PNG, the first frame of a GIF, BMP) in
 * data[0..len) into new 0xAARRGGBB pixels (*argb, w x h, stride w; the
 * caller wipes and frees them), scaled down so its longer side is at most
 * max_side (0: as it is). Touches no renderer, so a job may call it off
 * the UI thread; then rk_backend_image_new on the UI thread. The bytes
 * should have passed the core's image check (domain/image.h) first.
 * RK_EFORMAT when it does not decode, RK_ENOMEM. */
int rk_backend_decode_image(uint32_t **argb, int *w, int *h, const unsigned char *data, size_t len,
                            int max_side);

void rk_backend_image_size(const rk_backend_image *img, int *w, int *h);

/* Draws the part src (image pixels; NULL = all) of img into dst. */
void rk_backend_image_draw(rk_backend *be, rk_backend_image *img, const rk_rect *src, rk_rect dst);

/* Frees an image (wiping a personal one first); NULL does nothing. */
void rk_backend_image_free(rk_backend *be, rk_backend_image *img);

/* --- the rest --- */

/* Saves the last presented frame as a PNG (the upright canvas; physical = 1
 * saves the window as the panel shows it). RK_EIO with SDL's reason. */
int rk_backend_screenshot(rk_backend *be, const char *path, int physical);

/* Destroys every texture marked personal (pixels wiped first) and
 * overwrites SDL's pool of queued events (which held typed text). Returns
 * the number of textures destroyed. */
int rk_backend_wipe(rk_backend *be);

void rk_backend_get_stats(const rk_backend *be, rk_backend_stats *s);

/* --- sound --- */

/* Called from SDL's audio thread for n mono 16-bit samples. */
typedef void (*rk_backend_audio_fn)(void *arg, int16_t *out, size_t n);

/* Opens the audio device at rate Hz mono and starts pulling from fn.
 * RK_EDEVICE when there is no audio device. */
int rk_backend_audio_open(rk_backend *be, int rate, rk_backend_audio_fn fn, void *arg);

/* Stops and closes the audio device (fn is not called after this). */
void rk_backend_audio_close(rk_backend *be);

#endif
