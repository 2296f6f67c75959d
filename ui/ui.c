/*
 * The immediate-mode context (see ui.h): settings, the frame loop and its
 * scheduling, pointer interaction, focus and typed-text routing, text with
 * the fit check, and the per-frame list of touch targets.
 */
#include "ui.h"

#include "utf8.h"

#include "util/err.h"
#include "util/wipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIP_DEPTH 8
#define TEXT_BUF   512
#define DRAG_SLOP  24 /* design px a press may move and still be a tap on a scrollable list */

typedef struct hit {
    char id[RK_UI_ID_MAX];
    rk_rect r;
    int disabled;
} hit;

struct rk_ui {
    rk_backend *be;
    rk_input in;
    const rk_strings *strings[2];
    int lang, contrast, large, fit_check;
    double scale;
    int w, h;
    char screen[32];
    unsigned long frame;
    int64_t skew;
    uint64_t redraw_at; /* 0: none */
    int pending;        /* draw another frame at once */

    uint32_t active; /* widget being pressed */
    uint32_t focus;  /* focused field */
    int pressed_taken;
    int press_x, press_y, last_x, last_y, drag_dx, drag_dy, dragged;
    int input_on;

    hit hits[2][RK_UI_MAX_HITS];
    int n_hits[2];
    int cur; /* hits[cur] is being filled */

    rk_ui_fit fits[RK_UI_MAX_FITS];
    int n_fits;

    rk_rect clips[CLIP_DEPTH];
    int n_clips;

    /* Typed text: this frame's for the field, the keyboard's for the next. */
    char text_in[TEXT_BUF];
    size_t text_in_len;
    int bs_in, enter_in;
    char pending_text[TEXT_BUF];
    size_t pending_len;
    int pending_bs, pending_enter;
    int grab;
    char grabbed[TEXT_BUF];
    size_t grabbed_len;
    int grabbed_bs, grabbed_enter, grabbed_esc;

    rk_ui_sound_fn sound;
    void *sound_arg;
};

static uint32_t hash_id(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h ? h : 1;
}

int rk_ui_new(rk_ui **out, const rk_ui_options *o)
{
    rk_ui *ui;
    int rc;
    *out = NULL;
    if (!(ui = calloc(1, sizeof *ui))) return rk_err_oom();
    if ((rc = rk_backend_open(&ui->be, &o->display))) {
        free(ui);
        return rc;
    }
    rk_backend_size(ui->be, &ui->w, &ui->h);
    if (ui->w >= ui->h) {
        double sx = ui->w / 1920.0, sy = ui->h / 1080.0;
        ui->scale = sx < sy ? sx : sy;
    } else {
        double sx = ui->w / 1080.0, sy = ui->h / 1920.0;
        ui->scale = sx < sy ? sx : sy;
    }
    ui->contrast = o->contrast != 0;
    ui->large = o->large != 0;
    ui->lang = o->lang == 1;
    ui->fit_check = o->fit_check;
    ui->input_on = 1;
    ui->pending = 1; /* the first frame */
    snprintf(ui->screen, sizeof ui->screen, "-");
    *out = ui;
    return 0;
}

void rk_ui_free(rk_ui *ui)
{
    if (!ui) return;
    rk_ui_wipe(ui);
    rk_backend_free(ui->be);
    free(ui);
}

rk_backend *rk_ui_backend(rk_ui *ui)
{
    return ui->be;
}

/* ---------------------------------------------------------------- settings */

void rk_ui_set_strings(rk_ui *ui, int lang, const rk_strings *s)
{
    ui->strings[lang == 1] = s;
}

const rk_strings *rk_ui_strings(const rk_ui *ui)
{
    return ui->strings[ui->lang];
}

int rk_ui_lang(const rk_ui *ui)
{
    return ui->lang;
}

void rk_ui_set_lang(rk_ui *ui, int lang)
{
    ui->lang = lang == 1;
    rk_ui_redraw_in(ui, 0);
}

const char *rk_ui_str(rk_ui *ui, const char *key)
{
    const char *v = rk_strings_get(ui->strings[ui->lang], key);
    if (v) return v;
    rk_ui_report_fit(ui, key, key, 0, 0, rk_rect_make(0, 0, 0, 0), "missing string");
    return key;
}

int rk_ui_contrast(const rk_ui *ui)
{
    return ui->contrast;
}

void rk_ui_set_contrast(rk_ui *ui, int on)
{
    ui->contrast = on != 0;
    rk_ui_redraw_in(ui, 0);
}

int rk_ui_large(const rk_ui *ui)
{
    return ui->large;
}

void rk_ui_set_large(rk_ui *ui, int on)
{
    ui->large = on != 0;
    rk_ui_redraw_in(ui, 0);
}

const rk_theme *rk_ui_theme(const rk_ui *ui)
{
    return rk_theme_get(ui->contrast ? RK_THEME_CONTRAST : RK_THEME_NORMAL);
}

int rk_ui_px(const rk_ui *ui, int design)
{
    int v = (int)(design * ui->scale + (design >= 0 ? 0.5 : -0.5));
    return design > 0 && v < 1 ? 1 : v;
}

int rk_ui_font(const rk_ui *ui, int design)
{
    double f = design * ui->scale * (ui->large ? 1.4 : 1.0);
    int v = (int)(f + 0.5);
    return v < 6 ? 6 : v;
}

rk_rect rk_ui_screen(const rk_ui *ui)
{
    return rk_rect_make(0, 0, ui->w, ui->h);
}

void rk_ui_set_sound(rk_ui *ui, rk_ui_sound_fn fn, void *arg)
{
    ui->sound = fn;
    ui->sound_arg = arg;
}

void rk_ui_sound(rk_ui *ui, int sound)
{
    if (ui->sound) ui->sound(ui->sound_arg, sound);
}

/* ---------------------------------------------------------------- loop */

uint64_t rk_ui_now(const rk_ui *ui)
{
    return (uint64_t)((int64_t)rk_backend_ticks(ui->be) + ui->skew);
}

void rk_ui_advance_clock(rk_ui *ui, int ms)
{
    ui->skew += ms;
}

void rk_ui_redraw_in(rk_ui *ui, int ms)
{
    uint64_t at = rk_ui_now(ui) + (uint64_t)(ms > 0 ? ms : 0);
    if (ms <= 0) {
        ui->pending = 1;
        return;
    }
    if (!ui->redraw_at || at < ui->redraw_at) ui->redraw_at = at;
}

int rk_ui_wait(rk_ui *ui, int max_ms)
{
    int timeout = max_ms;
    if (ui->pending) {
        timeout = 0;
    } else if (ui->redraw_at) {
        uint64_t now = rk_ui_now(ui);
        int t = ui->redraw_at > now ? (int)(ui->redraw_at - now) : 0;
        if (timeout < 0 || t < timeout) timeout = t;
    }
    int n = rk_backend_poll(ui->be, &ui->in, timeout);
    int due = ui->redraw_at && rk_ui_now(ui) >= ui->redraw_at;
    if (due) ui->redraw_at = 0;
    int draw = n > 0 || due || ui->pending;
    ui->pending = 0;
    return draw;
}

void rk_ui_wake(rk_ui *ui)
{
    rk_backend_wake(ui->be);
}

static void append(char *buf, size_t *len, const char *s, size_t n)
{
    size_t room = TEXT_BUF - 1 - *len;
    n = rk_utf8_fit(s, n, room);
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
}

void rk_ui_begin(rk_ui *ui, const char *screen)
{
    const rk_input *in = &ui->in;
    ui->frame++;
    snprintf(ui->screen, sizeof ui->screen, "%s", screen ? screen : "-");
    ui->cur ^= 1;
    ui->n_hits[ui->cur] = 0;
    ui->input_on = 1;
    ui->pressed_taken = 0;
    ui->n_clips = 0;
    ui->drag_dx = in->x - ui->last_x;
    ui->drag_dy = in->y - ui->last_y;
    if (in->pressed) {
        ui->press_x = in->x;
        ui->press_y = in->y;
        ui->dragged = 0;
        ui->drag_dx = ui->drag_dy = 0;
    }
    int slop = rk_ui_px(ui, DRAG_SLOP);
    if (in->down && (abs(in->x - ui->press_x) > slop || abs(in->y - ui->press_y) > slop))
        ui->dragged = 1;
    ui->last_x = in->x;
    ui->last_y = in->y;

    /* Route typed text: the keyboard's commits of the last frame first. */
    rk_wipe(ui->text_in, ui->text_in_len);
    ui->text_in_len = 0;
    ui->text_in[0] = '\0';
    append(ui->text_in, &ui->text_in_len, ui->pending_text, ui->pending_len);
    rk_wipe(ui->pending_text, ui->pending_len);
    ui->pending_len = 0;
    ui->bs_in = ui->pending_bs;
    ui->enter_in = ui->pending_enter;
    ui->pending_bs = ui->pending_enter = 0;
    rk_wipe(ui->grabbed, ui->grabbed_len);
    ui->grabbed_len = 0;
    ui->grabbed[0] = '\0';
    ui->grabbed_bs = ui->grabbed_enter = ui->grabbed_esc = 0;
    if (ui->grab) {
        append(ui->grabbed, &ui->grabbed_len, in->text, in->text_len);
        ui->grabbed_bs = in->keys[RK_KEY_BACKSPACE];
        ui->grabbed_enter = in->keys[RK_KEY_ENTER];
        ui->grabbed_esc = in->keys[RK_KEY_ESCAPE];
    } else {
        append(ui->text_in, &ui->text_in_len, in->text, in->text_len);
        ui->bs_in += in->keys[RK_KEY_BACKSPACE];
        ui->enter_in += in->keys[RK_KEY_ENTER];
    }
    ui->grab = 0; /* the keyboard sets it again while it composes */
    rk_backend_begin(ui->be, rk_ui_theme(ui)->bg);
}

void rk_ui_end(rk_ui *ui)
{
    if (ui->in.released || !ui->in.down) ui->active = 0;
    if (ui->in.events > 0 || ui->in.more || ui->in.wakes > 0) ui->pending = 1;
    rk_backend_end(ui->be);
}

const rk_input *rk_ui_input(const rk_ui *ui)
{
    return &ui->in;
}

const char *rk_ui_screen_name(const rk_ui *ui)
{
    return ui->screen;
}

unsigned long rk_ui_frame(const rk_ui *ui)
{
    return ui->frame;
}

void rk_ui_set_input(rk_ui *ui, int on)
{
    ui->input_on = on != 0;
}

int rk_ui_input_on(const rk_ui *ui)
{
    return ui->input_on;
}

/* ---------------------------------------------------------------- interaction */

static void add_hit(rk_ui *ui, const char *id, rk_rect r, int disabled)
{
    int n = ui->n_hits[ui->cur];
    if (n >= RK_UI_MAX_HITS) return;
    hit *h = &ui->hits[ui->cur][n];
    snprintf(h->id, sizeof h->id, "%s", id);
    h->r = r;
    h->disabled = disabled;
    ui->n_hits[ui->cur] = n + 1;
}

void rk_ui_mark(rk_ui *ui, const char *id, rk_rect r)
{
    add_hit(ui, id, r, -1);
}

int rk_ui_interact(rk_ui *ui, const char *id, rk_rect r, int disabled)
{
    const rk_input *in = &ui->in;
    uint32_t h = hash_id(id);
    int res = 0, over;
    add_hit(ui, id, r, !ui->input_on ? 2 : disabled ? 1 : 0);
    if (!ui->input_on || disabled) {
        if (ui->active == h) ui->active = 0;
        return 0;
    }
    over = rk_rect_contains(r, in->x, in->y);
    if (over && (!in->touch || in->down)) res |= RK_UI_HOT;
    if (in->pressed && over && !ui->pressed_taken) {
        ui->active = h;
        ui->pressed_taken = 1;
    }
    if (ui->active == h) {
        if (in->down) res |= RK_UI_HELD;
        if (in->down && in->moved) res |= RK_UI_DRAG;
        if (in->released && over) {
            res |= RK_UI_CLICKED;
            rk_ui_sound(ui, RK_UI_SOUND_CONFIRM);
        }
    }
    return res;
}

void rk_ui_drag_delta(const rk_ui *ui, int *dx, int *dy)
{
    *dx = ui->drag_dx;
    *dy = ui->drag_dy;
}

int rk_ui_dragged(const rk_ui *ui)
{
    return ui->dragged;
}

void rk_ui_set_focus(rk_ui *ui, const char *id)
{
    ui->focus = id ? hash_id(id) : 0;
    rk_ui_redraw_in(ui, 0);
}

int rk_ui_has_focus(const rk_ui *ui, const char *id)
{
    return ui->focus && ui->focus == hash_id(id);
}

void rk_ui_clear_focus(rk_ui *ui)
{
    /* A field losing the focus takes its keyboard with it at once: the
     * frame that showed them is drawn again (only on a change, as screens
     * clear the focus every frame while a dialog asks). */
    if (!ui->focus) return;
    ui->focus = 0;
    rk_ui_redraw_in(ui, 0);
}

const char *rk_ui_take_text(rk_ui *ui, size_t *n)
{
    *n = ui->text_in_len;
    ui->text_in_len = 0;
    return ui->text_in;
}

int rk_ui_take_backspace(rk_ui *ui)
{
    int n = ui->bs_in;
    ui->bs_in = 0;
    return n;
}

int rk_ui_take_enter(rk_ui *ui)
{
    int n = ui->enter_in;
    ui->enter_in = 0;
    return n;
}

void rk_ui_commit_text(rk_ui *ui, const char *s)
{
    append(ui->pending_text, &ui->pending_len, s, strlen(s));
    ui->pending = 1;
}

void rk_ui_commit_backspace(rk_ui *ui)
{
    ui->pending_bs++;
    ui->pending = 1;
}

void rk_ui_commit_enter(rk_ui *ui)
{
    ui->pending_enter++;
    ui->pending = 1;
}

void rk_ui_set_grab(rk_ui *ui, int grab)
{
    ui->grab = grab != 0;
}

const char *rk_ui_take_grabbed(rk_ui *ui, size_t *n, int *backspaces, int *enter, int *escape)
{
    *n = ui->grabbed_len;
    *backspaces = ui->grabbed_bs;
    *enter = ui->grabbed_enter;
    *escape = ui->grabbed_esc;
    ui->grabbed_len = 0;
    ui->grabbed_bs = ui->grabbed_enter = ui->grabbed_esc = 0;
    return ui->grabbed;
}

/* ---------------------------------------------------------------- text */

static rk_rect current_clip(const rk_ui *ui)
{
    return ui->n_clips ? ui->clips[ui->n_clips - 1] : rk_rect_make(0, 0, ui->w, ui->h);
}

void rk_ui_push_clip(rk_ui *ui, rk_rect r)
{
    rk_rect c = rk_rect_intersect(current_clip(ui), r);
    if (ui->n_clips < CLIP_DEPTH) ui->clips[ui->n_clips++] = c;
    rk_backend_clip(ui->be, &c);
}

void rk_ui_pop_clip(rk_ui *ui)
{
    if (ui->n_clips > 0) ui->n_clips--;
    if (ui->n_clips) {
        rk_backend_clip(ui->be, &ui->clips[ui->n_clips - 1]);
    } else {
        rk_backend_clip(ui->be, NULL);
    }
}

void rk_ui_report_fit(rk_ui *ui, const char *id, const char *text, int need_w, int need_h,
                      rk_rect box, const char *why)
{
    if (!ui->fit_check) return;
    for (int i = 0; i < ui->n_fits && i < RK_UI_MAX_FITS; i++)
        if (!strcmp(ui->fits[i].screen, ui->screen) &&
            !strncmp(ui->fits[i].id, id, RK_UI_ID_MAX - 1) && !strcmp(ui->fits[i].why, why))
            return;
    if (ui->n_fits < RK_UI_MAX_FITS) {
        rk_ui_fit *f = &ui->fits[ui->n_fits];
        snprintf(f->screen, sizeof f->screen, "%s", ui->screen);
        snprintf(f->id, sizeof f->id, "%s", id);
        size_t tl = rk_utf8_fit(text, strlen(text), sizeof f->text - 1);
        memcpy(f->text, text, tl);
        f->text[tl] = '\0';
        f->need_w = need_w;
        f->need_h = need_h;
        f->box_w = box.w;
        f->box_h = box.h;
        snprintf(f->why, sizeof f->why, "%s", why);
    }
    ui->n_fits++;
}

int rk_ui_text(rk_ui *ui, const char *id, rk_rect box, const char *s, int design_px, rk_color c,
               int flags)
{
    rk_text_ref t;
    int px = rk_ui_font(ui, design_px), align = flags & 3;
    int wrap = flags & RK_UI_WRAP ? box.w : 0;
    int personal = (flags & RK_UI_PERSONAL) != 0;
    if (!s || !*s) return 1;
    rk_backend_text(ui->be, &t, s, strlen(s), px, wrap, 0, align, c,
                    personal ? RK_TEXT_PERSONAL : 0);
    int need_w = wrap ? t.widest : t.w, need_h = t.h;
    int fits = need_w <= box.w && need_h <= box.h;
    if (!fits && !(flags & RK_UI_NOFIT))
        rk_ui_report_fit(ui, id, personal ? "(personal)" : s, need_w, need_h, box,
                         t.lines > 1 ? "text needs more lines than the box has" : "text too wide");
    int x = box.x, y = box.y;
    if (align == RK_ALIGN_CENTER && t.w < box.w) x = box.x + (box.w - t.w) / 2;
    if (align == RK_ALIGN_RIGHT) x = box.x + box.w - t.w; /* a long text shows its end */
    if (wrap && align == RK_ALIGN_RIGHT && t.w > box.w) x = box.x;
    if (!(flags & RK_UI_TOP) && t.h < box.h) y = box.y + (box.h - t.h) / 2;
    rk_ui_push_clip(ui, box);
    rk_backend_text_draw(ui->be, &t, x, y);
    rk_ui_pop_clip(ui);
    return fits;
}

int rk_ui_text_lines(rk_ui *ui, const char *s, int design_px, int w)
{
    rk_text_ref t;
    if (!s || !*s) return 0;
    /* Renders into the cache: the text is about to be drawn anyway. The
     * colour is part of the key, so measure with the theme's text colour. */
    rk_backend_text(ui->be, &t, s, strlen(s), rk_ui_font(ui, design_px), w > 1 ? w : 1, 0,
                    RK_ALIGN_LEFT, rk_ui_theme(ui)->text, 0);
    if (t.owned) rk_backend_text_draw(ui->be, &t, -t.w - 10, -t.h - 10); /* frees it */
    return t.lines;
}

void rk_ui_text_size(rk_ui *ui, const char *s, int design_px, int *w, int *h)
{
    rk_backend_text_size(ui->be, s, strlen(s), rk_ui_font(ui, design_px), w, h);
}

/* ---------------------------------------------------------------- tests */

int rk_ui_fit_count(const rk_ui *ui)
{
    return ui->n_fits;
}

const rk_ui_fit *rk_ui_fit_get(const rk_ui *ui, int i)
{
    return i >= 0 && i < ui->n_fits && i < RK_UI_MAX_FITS ? &ui->fits[i] : NULL;
}

void rk_ui_fit_clear(rk_ui *ui)
{
    ui->n_fits = 0;
}

void rk_ui_set_fit_check(rk_ui *ui, int on)
{
    ui->fit_check = on;
}

int rk_ui_find(const rk_ui *ui, const char *id, rk_rect *r)
{
    /* Between frames (after rk_ui_end) hits[cur] is the finished frame. */
    int last = ui->cur;
    for (int i = 0; i < ui->n_hits[last]; i++) {
        if (!strcmp(ui->hits[last][i].id, id)) {
            if (r) *r = ui->hits[last][i].r;
            return 1;
        }
    }
    return 0;
}

int rk_ui_hit_count(const rk_ui *ui)
{
    return ui->n_hits[ui->cur];
}

const char *rk_ui_hit(const rk_ui *ui, int i, rk_rect *r, int *disabled)
{
    if (i < 0 || i >= ui->n_hits[ui->cur]) return NULL;
    if (r) *r = ui->hits[ui->cur][i].r;
    if (disabled) *disabled = ui->hits[ui->cur][i].disabled;
    return ui->hits[ui->cur][i].id;
}

void rk_ui_wipe(rk_ui *ui)
{
    rk_backend_wipe(ui->be);
    rk_wipe(ui->text_in, sizeof ui->text_in);
    rk_wipe(ui->pending_text, sizeof ui->pending_text);
    rk_wipe(ui->grabbed, sizeof ui->grabbed);
    rk_wipe(ui->in.text, sizeof ui->in.text);
    ui->text_in_len = ui->pending_len = ui->grabbed_len = ui->in.text_len = 0;
    ui->bs_in = ui->enter_in = ui->pending_bs = ui->pending_enter = 0;
    ui->focus = 0;
    ui->active = 0;
    ui->pending = 1;
}
