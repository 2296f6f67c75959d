/*
 * The virtual receipt printer's ESC/POS interpreter and renderer (see
 * escview.h). Parsing keeps a small printer state (modes, the line being
 * composed, the stored QR data) and emits items; rendering lays the items out
 * top to bottom on a cairo image surface and draws text with pango.
 */
#include "escview.h"

#include "escpos.h"
#include "util/err.h"
#include "util/file.h"

#include <cairo.h>
#include <iconv.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_DOTS 30 /* default line spacing: 24-dot font + 6 */
#define CELL_W    12
#define CELL_H    24

static size_t need(size_t len, size_t n)
{
    return len <= n ? len : 0;
}

size_t rk_escview_command_length(const uint8_t *p, size_t n)
{
    if (n == 0) return 0;
    uint8_t c = p[0];
    if (c == 0x1b) { /* ESC */
        if (n < 2) return 0;
        switch (p[1]) {
        case '@':
        case '2':
        case '<':
        case 'i':
        case 'm': return 2;
        case 'E':
        case 'a':
        case 'd':
        case '!':
        case '-':
        case 'J':
        case '3':
        case 'M':
        case 't':
        case 'G':
        case 'R':
        case 'V':
        case '{':
        case ' ':
        case 'e':
        case 'r':
        case 'U':
        case 'S': return need(3, n);
        case 'B':
        case '$':
        case '\\':
        case 'c': return need(4, n);
        case 'p': return need(5, n);
        case '*': {
            if (n < 5) return 0;
            size_t k = (size_t)p[3] | ((size_t)p[4] << 8);
            return need(5 + k * (p[2] <= 1 ? 1 : 3), n);
        }
        default: return 2;
        }
    }
    if (c == 0x1c) { /* FS */
        if (n < 2) return 0;
        switch (p[1]) {
        case '&':
        case '.': return 2;
        case '!':
        case '-':
        case 'W':
        case 'C': return need(3, n);
        case 'p': return need(4, n);
        default: return 2;
        }
    }
    if (c == 0x1d) { /* GS */
        if (n < 2) return 0;
        switch (p[1]) {
        case '!':
        case 'B':
        case 'h':
        case 'w':
        case 'H':
        case 'f':
        case 'a':
        case 'r':
        case 'I':
        case '/':
        case 'b': return need(3, n);
        case 'L':
        case 'W':
        case 'P': return need(4, n);
        case 'V':
            if (n < 3) return 0;
            return (p[2] == 65 || p[2] == 66 || p[2] >= 97) ? need(4, n) : 3;
        case 'v':
            if (n < 8) return 0;
            {
                size_t xb = (size_t)p[4] | ((size_t)p[5] << 8);
                size_t yh = (size_t)p[6] | ((size_t)p[7] << 8);
                return need(8 + xb * yh, n);
            }
        case '(':
            if (n < 5) return 0;
            return need(5 + ((size_t)p[3] | ((size_t)p[4] << 8)), n);
        case '*':
            if (n < 4) return 0;
            return need(4 + (size_t)p[2] * (size_t)p[3] * 8, n);
        case 'k':
            if (n < 3) return 0;
            if (p[2] <= 6) { /* NUL-terminated data */
                for (size_t i = 3; i < n && i < 259; i++)
                    if (p[i] == 0) return i + 1;
                return n >= 259 ? 3 : 0;
            }
            if (n < 4) return 0;
            return need(4 + (size_t)p[3], n);
        default: return 2;
        }
    }
    if (c == 0x10) { /* DLE */
        if (n < 2) return 0;
        if (p[1] == 0x04 || p[1] == 0x05) return need(3, n);
        if (p[1] == 0x14) return need(5, n);
        return 2;
    }
    return 1;
}

typedef struct state {
    rk_escview *v;
    iconv_t cd;
    int bold, wmul, hmul, align, chinese;
    rk_buf raw; /* bytes of the run being composed */
    int run_bold, run_w, run_h;
    rk_escview_run *runs; /* runs of the line being composed */
    int n_runs;
    uint8_t qr[7089 + 1];
    size_t qr_len;
    int qr_module, qr_level;
    int rc;
} state;

static rk_escview_item *add_item(state *s, enum rk_escview_kind kind)
{
    rk_escview *v = s->v;
    if (s->rc || v->n_items >= RK_ESCVIEW_MAX_ITEMS) return NULL;
    if ((v->n_items & 63) == 0) {
        rk_escview_item *ni = realloc(v->items, sizeof *ni * (size_t)(v->n_items + 64));
        if (!ni) {
            s->rc = rk_err_oom();
            return NULL;
        }
        v->items = ni;
    }
    rk_escview_item *it = &v->items[v->n_items++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->align = s->align;
    return it;
}

static void emit_cp(rk_buf *b, uint32_t cp)
{
    char u[5];
    int n = rk_escpos_utf8_put(u, cp);
    rk_buf_append(b, u, (size_t)n);
}

/* Decodes the raw bytes of a run to UTF-8. */
static void decode(state *s, const uint8_t *p, size_t n, rk_buf *out)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) {
            if (c >= 0x20 && c != 0x7f) rk_buf_append(out, &c, 1);
            i++;
            continue;
        }
        size_t len = 0;
        if (s->chinese && c >= 0x81 && c <= 0xfe && i + 1 < n) {
            uint8_t d = p[i + 1];
            if (d >= 0x40 && d <= 0xfe && d != 0x7f)
                len = 2;
            else if (d >= 0x30 && d <= 0x39 && i + 3 < n && p[i + 2] >= 0x81 && p[i + 2] <= 0xfe &&
                     p[i + 3] >= 0x30 && p[i + 3] <= 0x39)
                len = 4;
        }
        if (len == 0) {
            emit_cp(out, s->chinese ? 0xfffd : '?');
            i++;
            continue;
        }
        char in[4], u[8];
        memcpy(in, p + i, len);
        char *ip = in, *op = u;
        size_t il = len, ol = sizeof u;
        iconv(s->cd, NULL, NULL, NULL, NULL);
        if (s->cd != (iconv_t)-1 && iconv(s->cd, &ip, &il, &op, &ol) != (size_t)-1 && il == 0)
            rk_buf_append(out, u, sizeof u - ol);
        else
            emit_cp(out, 0xfffd);
        i += len;
    }
}

static void close_run(state *s)
{
    if (s->raw.len == 0 || s->rc) return;
    rk_buf t;
    rk_buf_init(&t, RK_ESCVIEW_MAX_TEXT);
    decode(s, (const uint8_t *)s->raw.data, s->raw.len, &t);
    rk_buf_reset(&s->raw);
    if (t.len == 0 || s->v->text.len + t.len > RK_ESCVIEW_MAX_TEXT || s->n_runs >= 256) {
        rk_buf_free(&t);
        return;
    }
    rk_escview_run *nr = realloc(s->runs, sizeof *nr * (size_t)(s->n_runs + 1));
    if (!nr) {
        rk_buf_free(&t);
        s->rc = rk_err_oom();
        return;
    }
    s->runs = nr;
    rk_escview_run *r = &s->runs[s->n_runs++];
    rk_buf_append(&s->v->text, t.data, t.len);
    r->text = rk_buf_take(&t);
    r->bold = s->run_bold;
    r->wmul = s->run_w;
    r->hmul = s->run_h;
}

/* Ends the line being composed (an empty one if blank). */
static void flush_line(state *s, int even_if_empty)
{
    close_run(s);
    if (s->n_runs == 0 && !even_if_empty) return;
    rk_escview_item *it = add_item(s, RK_ESCVIEW_LINE);
    if (!it) {
        for (int i = 0; i < s->n_runs; i++)
            free(s->runs[i].text);
        free(s->runs);
    } else {
        it->runs = s->runs;
        it->n_runs = s->n_runs;
        rk_buf_puts(&s->v->text, "\n");
    }
    s->runs = NULL;
    s->n_runs = 0;
}

static void text_byte(state *s, uint8_t c)
{
    if (s->raw.len && (s->run_bold != s->bold || s->run_w != s->wmul || s->run_h != s->hmul))
        close_run(s);
    if (s->raw.len == 0) {
        s->run_bold = s->bold;
        s->run_w = s->wmul;
        s->run_h = s->hmul;
    }
    if (rk_buf_append(&s->raw, &c, 1) != 0) close_run(s);
}

static void add_image(state *s, int w, int h, const uint8_t *bits, size_t stride)
{
    if (w <= 0 || h <= 0 || w > RK_ESCVIEW_MAX_IMAGE_DOTS || h > RK_ESCVIEW_MAX_IMAGE_DOTS) return;
    if (s->v->pixels + (long)w * h > RK_ESCVIEW_MAX_PIXELS) return;
    flush_line(s, 0);
    size_t xb = ((size_t)w + 7) / 8;
    uint8_t *copy = malloc(xb * (size_t)h);
    if (!copy) {
        s->rc = rk_err_oom();
        return;
    }
    for (int y = 0; y < h; y++)
        memcpy(copy + (size_t)y * xb, bits + (size_t)y * stride, xb);
    rk_escview_item *it = add_item(s, RK_ESCVIEW_IMAGE);
    if (!it) {
        free(copy);
        return;
    }
    it->width = w;
    it->height = h;
    it->bits = copy;
    s->v->pixels += (long)w * h;
    rk_buf_printf(&s->v->text, "[image %dx%d]\n", w, h);
}

static void print_qr(state *s)
{
    if (s->qr_len == 0) return;
    static const QRecLevel lv[4] = {QR_ECLEVEL_L, QR_ECLEVEL_M, QR_ECLEVEL_Q, QR_ECLEVEL_H};
    QRcode *qr = QRcode_encodeData((int)s->qr_len, s->qr, 0, lv[s->qr_level & 3]);
    if (!qr) return;
    int m = s->qr_module, side = qr->width + 8, w = side * m;
    if (w > RK_ESCVIEW_MAX_IMAGE_DOTS) {
        QRcode_free(qr);
        return;
    }
    size_t xb = ((size_t)w + 7) / 8;
    uint8_t *bits = calloc(xb * (size_t)w, 1);
    if (!bits) {
        QRcode_free(qr);
        s->rc = rk_err_oom();
        return;
    }
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w; x++) {
            int my = y / m - 4, mx = x / m - 4;
            if (my >= 0 && mx >= 0 && my < qr->width && mx < qr->width &&
                (qr->data[my * qr->width + mx] & 1))
                bits[(size_t)y * xb + (size_t)x / 8] |= (uint8_t)(0x80 >> (x % 8));
        }
    QRcode_free(qr);
    add_image(s, w, w, bits, xb);
    free(bits);
    s->v->qr_codes++;
}

static void gs_paren_k(state *s, const uint8_t *p, size_t len)
{
    /* GS ( k pL pH cn fn [m | data...] */
    if (len < 7 || p[5] != 49) {
        s->v->unknown++;
        return;
    }
    uint8_t fn = p[6];
    if (fn == 67 && len >= 8)
        s->qr_module = p[7] >= 1 && p[7] <= 16 ? p[7] : 3;
    else if (fn == 69 && len >= 8)
        s->qr_level = p[7] >= 48 && p[7] <= 51 ? p[7] - 48 : 1;
    else if (fn == 80 && len >= 8) {
        size_t n = len - 8;
        if (n > sizeof s->qr - 1) n = sizeof s->qr - 1;
        memcpy(s->qr, p + 8, n);
        s->qr_len = n;
    } else if (fn == 81)
        print_qr(s);
    else if (fn != 65)
        s->v->unknown++;
}

static void command(state *s, const uint8_t *p, size_t len)
{
    uint8_t c = p[0];
    if (c == 0x1b) {
        switch (p[1]) {
        case '@':
            flush_line(s, 0);
            s->bold = 0;
            s->wmul = s->hmul = 1;
            s->align = 0;
            s->chinese = 0;
            return;
        case 'E': s->bold = p[2] & 1; return;
        case '!':
            s->bold = (p[2] & 8) != 0;
            s->hmul = (p[2] & 16) ? 2 : 1;
            s->wmul = (p[2] & 32) ? 2 : 1;
            return;
        case 'a': s->align = (p[2] % 48) <= 2 ? p[2] % 48 : 0; return;
        case 'd':
            if (s->raw.len || s->n_runs) flush_line(s, 1);
            for (int i = 0; i < p[2]; i++)
                flush_line(s, 1);
            return;
        case 'J': {
            flush_line(s, 0);
            rk_escview_item *it = add_item(s, RK_ESCVIEW_FEED);
            if (it) it->height = p[2];
            return;
        }
        default:
            if (!strchr("2<imtM-3GRV{ eUSrB$\\cp*", p[1]) || p[1] == 0) s->v->unknown++;
            return;
        }
    }
    if (c == 0x1c) {
        if (p[1] == '&')
            s->chinese = 1;
        else if (p[1] == '.')
            s->chinese = 0;
        else
            s->v->unknown++;
        return;
    }
    if (c == 0x1d) {
        switch (p[1]) {
        case '!':
            s->wmul = ((p[2] >> 4) & 7) + 1;
            s->hmul = (p[2] & 7) + 1;
            return;
        case 'v':
            if (p[2] == '0') {
                int xb = p[4] | (p[5] << 8), h = p[6] | (p[7] << 8);
                add_image(s, xb * 8, h, p + 8, (size_t)xb);
            } else {
                s->v->unknown++;
            }
            return;
        case '(':
            if (p[2] == 'k')
                gs_paren_k(s, p, len);
            else
                s->v->unknown++;
            return;
        case 'V': {
            flush_line(s, 0);
            if (add_item(s, RK_ESCVIEW_CUT)) {
                s->v->cuts++;
                rk_buf_puts(&s->v->text, "[cut]\n");
            }
            return;
        }
        default: s->v->unknown++; return;
        }
    }
    if (c == 0x10) {
        if (p[1] == 0x04)
            s->v->status_requests++;
        else
            s->v->unknown++;
        return;
    }
    if (c == '\n') {
        flush_line(s, 1);
        return;
    }
    if (c < 0x20) return; /* CR, HT and other controls: nothing visible */
    text_byte(s, c);
}

int rk_escview_parse(rk_escview **out, const uint8_t *data, size_t n)
{
    *out = NULL;
    if (n > RK_ESCVIEW_MAX_INPUT)
        return rk_err_set(RK_ETOOBIG, "print job of %zu bytes is over the %u-byte limit", n,
                          RK_ESCVIEW_MAX_INPUT);
    rk_escview *v = calloc(1, sizeof *v);
    if (!v) return rk_err_oom();
    rk_buf_init(&v->text, RK_ESCVIEW_MAX_TEXT + 65536);
    state s;
    memset(&s, 0, sizeof s);
    s.v = v;
    s.cd = iconv_open("UTF-8", "GB18030");
    s.wmul = s.hmul = 1;
    s.qr_module = 3;
    s.qr_level = 1;
    rk_buf_init(&s.raw, 4096);
    size_t i = 0;
    while (i < n && !s.rc) {
        size_t len = rk_escview_command_length(data + i, n - i);
        if (len == 0) break; /* truncated trailing command */
        command(&s, data + i, len);
        i += len;
    }
    flush_line(&s, 0);
    rk_buf_free(&s.raw);
    if (s.cd != (iconv_t)-1) iconv_close(s.cd);
    if (s.rc) {
        rk_escview_free(v);
        return s.rc;
    }
    *out = v;
    return 0;
}

void rk_escview_free(rk_escview *v)
{
    if (!v) return;
    for (int i = 0; i < v->n_items; i++) {
        for (int k = 0; k < v->items[i].n_runs; k++)
            free(v->items[i].runs[k].text);
        free(v->items[i].runs);
        free(v->items[i].bits);
    }
    free(v->items);
    rk_buf_free(&v->text);
    free(v);
}

/* ---- rendering ---- */

static int item_height(const rk_escview_item *it)
{
    switch (it->kind) {
    case RK_ESCVIEW_LINE: {
        int h = 1;
        for (int i = 0; i < it->n_runs; i++)
            if (it->runs[i].hmul > h) h = it->runs[i].hmul;
        return CELL_H * h + (LINE_DOTS - CELL_H);
    }
    case RK_ESCVIEW_IMAGE: return it->height;
    case RK_ESCVIEW_FEED: return it->height;
    case RK_ESCVIEW_CUT: return 24;
    }
    return 0;
}

static int run_columns(const char *t)
{
    int cols = 0;
    size_t len = strlen(t), i = 0;
    while (i < len) {
        uint32_t cp;
        int k = rk_escpos_utf8_get(t + i, len - i, &cp);
        if (k < 0) k = 1, cp = '?';
        i += (size_t)k;
        cols += cp < 0x80 ? 1 : 2;
    }
    return cols;
}

static void draw_line(cairo_t *cr, PangoLayout *lay, PangoFontDescription *fd,
                      PangoFontDescription *fdb, const rk_escview_item *it, int dots, int y)
{
    int width = 0, h = item_height(it);
    for (int i = 0; i < it->n_runs; i++)
        width += run_columns(it->runs[i].text) * CELL_W * it->runs[i].wmul;
    int x = 0;
    if (it->align == 1 && width < dots) x = (dots - width) / 2;
    if (it->align == 2 && width < dots) x = dots - width;
    for (int i = 0; i < it->n_runs; i++) {
        const rk_escview_run *r = &it->runs[i];
        pango_layout_set_font_description(lay, r->bold ? fdb : fd);
        const char *t = r->text;
        size_t len = strlen(t), k = 0;
        while (k < len) {
            uint32_t cp;
            int n = rk_escpos_utf8_get(t + k, len - k, &cp);
            if (n < 0) n = 1, cp = '?';
            char u[5];
            int un = rk_escpos_utf8_put(u, cp);
            int cw = (cp < 0x80 ? 1 : 2) * CELL_W;
            if (cp != ' ') {
                pango_layout_set_text(lay, u, un);
                PangoRectangle ink, logical;
                pango_layout_get_pixel_extents(lay, &ink, &logical);
                cairo_save(cr);
                /* the character sits on the baseline of the line's cell */
                cairo_translate(cr, x, y + h - (LINE_DOTS - CELL_H) / 2 - CELL_H * r->hmul);
                cairo_scale(cr, r->wmul, r->hmul);
                double dx = (cw - logical.width) / 2.0;
                cairo_move_to(cr, dx, (CELL_H - logical.height) / 2.0);
                pango_cairo_show_layout(cr, lay);
                cairo_restore(cr);
            }
            x += cw * r->wmul;
            k += (size_t)n;
        }
    }
}

/* cairo's PNG writer into the receipt picture's temporary file. */
static cairo_status_t png_write(void *f, const unsigned char *data, unsigned int n)
{
    return rk_file_atomic_write(f, data, n) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

int rk_escview_render_png(const rk_escview *v, int dots, const char *path)
{
    if (dots != RK_ESCPOS_58MM_DOTS && dots != RK_ESCPOS_80MM_DOTS)
        return rk_err_set(RK_EINVAL, "paper width must be 384 or 576 dots, not %d", dots);
    const int margin = 16;
    long total = 2 * margin;
    for (int i = 0; i < v->n_items; i++)
        total += item_height(&v->items[i]);
    if (total > 60000) total = 60000;
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, dots, (int)total);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(sf);
        return rk_err_oom();
    }
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    PangoLayout *lay = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_from_string("WenQuanYi Micro Hei Mono");
    pango_font_description_set_absolute_size(fd, 22 * PANGO_SCALE);
    PangoFontDescription *fdb = pango_font_description_copy(fd);
    pango_font_description_set_weight(fdb, PANGO_WEIGHT_BOLD);
    int y = margin;
    for (int i = 0; i < v->n_items && y < total; i++) {
        const rk_escview_item *it = &v->items[i];
        int h = item_height(it);
        if (it->kind == RK_ESCVIEW_LINE) {
            cairo_set_source_rgb(cr, 0, 0, 0);
            draw_line(cr, lay, fd, fdb, it, dots, y);
        } else if (it->kind == RK_ESCVIEW_IMAGE) {
            int w = it->width < dots ? it->width : dots;
            int x0 = it->align == 1 ? (dots - w) / 2 : it->align == 2 ? dots - w : 0;
            size_t xb = ((size_t)it->width + 7) / 8;
            cairo_surface_flush(sf);
            unsigned char *px = cairo_image_surface_get_data(sf);
            int stride = cairo_image_surface_get_stride(sf);
            for (int yy = 0; yy < it->height && y + yy < total; yy++)
                for (int xx = 0; xx < w; xx++)
                    if (it->bits[(size_t)yy * xb + (size_t)xx / 8] & (0x80 >> (xx % 8)))
                        *(uint32_t *)(px + (size_t)(y + yy) * (size_t)stride +
                                      (size_t)(x0 + xx) * 4) = 0;
            cairo_surface_mark_dirty(sf);
        } else if (it->kind == RK_ESCVIEW_CUT) {
            static const double dash[] = {6, 4};
            cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
            cairo_set_line_width(cr, 1);
            cairo_set_dash(cr, dash, 2, 0);
            cairo_move_to(cr, 0, y + h / 2 + 0.5);
            cairo_line_to(cr, dots, y + h / 2 + 0.5);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
        }
        y += h;
    }
    pango_font_description_free(fd);
    pango_font_description_free(fdb);
    g_object_unref(lay);
    cairo_destroy(cr);
    cairo_surface_flush(sf);
    rk_file_atomic *f;
    int rc = rk_file_atomic_open(&f, path, 0644);
    if (rc) {
        cairo_surface_destroy(sf);
        return rc;
    }
    cairo_status_t st = cairo_surface_write_to_png_stream(sf, png_write, f);
    cairo_surface_destroy(sf);
    if (st != CAIRO_STATUS_SUCCESS) {
        rk_file_atomic_abort(f);
        /* A write error has its message from the file already. */
        return st == CAIRO_STATUS_WRITE_ERROR
                   ? RK_EIO
                   : rk_err_set(RK_EIO, "cannot write the receipt image %s: %s", path,
                                cairo_status_to_string(st));
    }
    return rk_file_atomic_commit(f);
}
