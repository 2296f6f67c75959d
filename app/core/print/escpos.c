/*
 * The ESC/POS encoder and the DLE EOT status decoder (see escpos.h).
 *
 * Byte values follow the Epson ESC/POS reference that Chinese receipt
 * printers (Xprinter, GPrinter, Sunmi, Epson TM-T82) implement; the virtual
 * printer (escview.c) interprets exactly this subset.
 */
#include "escpos.h"

#include "util/err.h"

#include <iconv.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ESC 0x1b
#define FS  0x1c
#define GS  0x1d
#define DLE 0x10
#define EOT 0x04

int rk_escpos_utf8_put(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

int rk_escpos_utf8_get(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c;
    int len;

    if (n == 0) return -1;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    if ((u[0] & 0xe0) == 0xc0) {
        c = u[0] & 0x1f;
        len = 2;
    } else if ((u[0] & 0xf0) == 0xe0) {
        c = u[0] & 0x0f;
        len = 3;
    } else if ((u[0] & 0xf8) == 0xf0) {
        c = u[0] & 0x07;
        len = 4;
    } else {
        return -1;
    }
    if ((size_t)len > n) return -1;
    for (int i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80) return -1;
        c = (c << 6) | (u[i] & 0x3f);
    }
    if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
        c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return -1;
    *cp = c;
    return len;
}

int rk_escpos_init(rk_escpos *e, int paper_mm, size_t max)
{
    memset(e, 0, sizeof *e);
    rk_buf_init(&e->out, max);
    e->to_gbk = (void *)(iconv_t)-1;
    e->to_gb18030 = (void *)(iconv_t)-1;
    if (paper_mm == 58) {
        e->dots = RK_ESCPOS_58MM_DOTS;
        e->columns = RK_ESCPOS_58MM_COLS;
    } else if (paper_mm == 80) {
        e->dots = RK_ESCPOS_80MM_DOTS;
        e->columns = RK_ESCPOS_80MM_COLS;
    } else {
        return e->rc = rk_err_set(RK_EINVAL, "receipt paper must be 58 or 80 mm wide, not %d",
                                  paper_mm);
    }
    iconv_t a = iconv_open("GBK", "UTF-8"), b = iconv_open("GB18030", "UTF-8");
    e->to_gbk = (void *)a;
    e->to_gb18030 = (void *)b;
    if (a == (iconv_t)-1 || b == (iconv_t)-1)
        return e->rc = rk_err_set(RK_EINTERNAL, "iconv cannot convert UTF-8 to GBK/GB18030");
    return 0;
}

void rk_escpos_free(rk_escpos *e)
{
    if (!e) return;
    if ((iconv_t)e->to_gbk != (iconv_t)-1 && e->to_gbk) iconv_close((iconv_t)e->to_gbk);
    if ((iconv_t)e->to_gb18030 != (iconv_t)-1 && e->to_gb18030) iconv_close((iconv_t)e->to_gb18030);
    e->to_gbk = e->to_gb18030 = (void *)(iconv_t)-1;
    rk_buf_free(&e->out);
}

int rk_escpos_finish(const rk_escpos *e)
{
    return e->rc;
}

static void put(rk_escpos *e, const void *p, size_t n)
{
    if (e->rc) return;
    int rc = rk_buf_append(&e->out, p, n);
    if (rc) e->rc = rk_err_set(rc, "the receipt is larger than its %zu-byte limit", e->out.max);
}

static void put3(rk_escpos *e, int a, int b, int c)
{
    uint8_t x[3] = {(uint8_t)a, (uint8_t)b, (uint8_t)c};
    put(e, x, 3);
}

void rk_escpos_reset(rk_escpos *e)
{
    uint8_t x[2] = {ESC, '@'};
    put(e, x, 2);
}

void rk_escpos_chinese(rk_escpos *e, int on)
{
    uint8_t x[2] = {FS, on ? '&' : '.'};
    put(e, x, 2);
}

/* Converts one character (UTF-8 in, n bytes) with cd into out; returns the
 * output length or -1 if the character has no mapping. */
static int convert(void *cdv, const char *in, size_t n, char *out, size_t outn)
{
    iconv_t cd = (iconv_t)cdv;
    char *ip = (char *)in, *op = out;
    size_t il = n, ol = outn;
    iconv(cd, NULL, NULL, NULL, NULL);
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || il != 0) return -1;
    if (iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1) return -1;
    return (int)(outn - ol);
}

int rk_escpos_printable(const rk_escpos *e, uint32_t cp)
{
    char u[5], g[8];
    if (cp == 0xa5) cp = 0xffe5;
    if (cp < 0x80) return cp >= 0x20 && cp != 0x7f;
    if ((iconv_t)e->to_gbk == (iconv_t)-1) return 0;
    int n = rk_escpos_utf8_put(u, cp);
    return convert(e->to_gbk, u, (size_t)n, g, sizeof g) > 0;
}

void rk_escpos_fallback_text(const rk_escpos *e, uint32_t cp, char *out, size_t n)
{
    if (e->fallback == RK_ESCPOS_FALLBACK_CODE)
        snprintf(out, n, "[U+%04X]", (unsigned)cp);
    else
        snprintf(out, n, "\u25a1");
}

static void note_replaced(rk_escpos *e, uint32_t cp)
{
    for (int i = 0; i < e->n_replaced; i++)
        if (e->replaced[i] == cp) return;
    if (e->n_replaced < RK_ESCPOS_MAX_REPLACED) e->replaced[e->n_replaced++] = cp;
}

void rk_escpos_text(rk_escpos *e, const char *utf8)
{
    size_t len = strlen(utf8), i = 0;
    while (i < len && !e->rc) {
        uint32_t cp;
        int n = rk_escpos_utf8_get(utf8 + i, len - i, &cp);
        if (n < 0) {
            e->rc = rk_err_set(RK_EINVAL, "receipt text is not valid UTF-8 (byte %zu)", i);
            return;
        }
        i += (size_t)n;
        if (cp == '\n') {
            put(e, "\n", 1);
        } else if (cp < 0x20 || cp == 0x7f) {
            put(e, "?", 1); /* never let data carry a command */
        } else if (cp < 0x80) {
            char c = (char)cp;
            put(e, &c, 1);
        } else {
            char u[5], g[8];
            if (cp == 0xa5) cp = 0xffe5; /* ¥ is 4 bytes in GB18030; ￥ is in GBK */
            int un = rk_escpos_utf8_put(u, cp), gn = -1;
            if (convert(e->to_gbk, u, (size_t)un, g, sizeof g) > 0)
                gn = convert(e->to_gb18030, u, (size_t)un, g, sizeof g);
            if (gn > 0) {
                put(e, g, (size_t)gn);
                continue;
            }
            char fb[16], fg[32];
            note_replaced(e, cp);
            rk_escpos_fallback_text(e, cp, fb, sizeof fb);
            int fn = convert(e->to_gb18030, fb, strlen(fb), fg, sizeof fg);
            if (fn > 0) put(e, fg, (size_t)fn);
        }
    }
}

int rk_escpos_text_columns(const rk_escpos *e, const char *utf8)
{
    size_t len = strlen(utf8), i = 0;
    int cols = 0;
    while (i < len) {
        uint32_t cp;
        int n = rk_escpos_utf8_get(utf8 + i, len - i, &cp);
        if (n < 0) {
            i++;
            cols++;
            continue;
        }
        i += (size_t)n;
        if (cp < 0x80)
            cols++;
        else if (e->fallback == RK_ESCPOS_FALLBACK_CODE && !rk_escpos_printable(e, cp))
            cols += cp > 0xffff ? 9 : 8;
        else
            cols += 2;
    }
    return cols;
}

void rk_escpos_newline(rk_escpos *e)
{
    put(e, "\n", 1);
}

void rk_escpos_feed(rk_escpos *e, int lines)
{
    if (lines < 0) lines = 0;
    if (lines > 255) lines = 255;
    put3(e, ESC, 'd', lines);
}

void rk_escpos_bold(rk_escpos *e, int on)
{
    put3(e, ESC, 'E', on ? 1 : 0);
}

void rk_escpos_size(rk_escpos *e, int width, int height)
{
    if (width < 1) width = 1;
    if (width > 8) width = 8;
    if (height < 1) height = 1;
    if (height > 8) height = 8;
    put3(e, GS, '!', ((width - 1) << 4) | (height - 1));
}

void rk_escpos_align(rk_escpos *e, enum rk_escpos_align a)
{
    put3(e, ESC, 'a', (int)a);
}

void rk_escpos_raster(rk_escpos *e, int width, int height, const uint8_t *bits)
{
    if (e->rc) return;
    if (width < 1 || height < 1 || width > e->dots || height > 0xffff) {
        e->rc = rk_err_set(RK_EINVAL, "raster image %dx%d does not fit the %d-dot paper", width,
                           height, e->dots);
        return;
    }
    int xb = (width + 7) / 8;
    uint8_t hdr[8] = {GS,
                      'v',
                      '0',
                      0,
                      (uint8_t)(xb & 0xff),
                      (uint8_t)(xb >> 8),
                      (uint8_t)(height & 0xff),
                      (uint8_t)(height >> 8)};
    put(e, hdr, sizeof hdr);
    put(e, bits, (size_t)xb * (size_t)height);
}

static QRecLevel qr_level(enum rk_escpos_qr_level l)
{
    switch (l) {
    case RK_ESCPOS_QR_L: return QR_ECLEVEL_L;
    case RK_ESCPOS_QR_Q: return QR_ECLEVEL_Q;
    case RK_ESCPOS_QR_H: return QR_ECLEVEL_H;
    default: return QR_ECLEVEL_M;
    }
}

void rk_escpos_qr_raster(rk_escpos *e, const char *payload, int module,
                         enum rk_escpos_qr_level level)
{
    if (e->rc) return;
    size_t plen = strlen(payload);
    if (plen == 0) {
        e->rc = rk_err_set(RK_EINVAL, "empty QR payload");
        return;
    }
    QRcode *qr = QRcode_encodeData((int)plen, (const unsigned char *)payload, 0, qr_level(level));
    if (!qr) {
        e->rc = rk_err_set(RK_ETOOBIG, "cannot encode a %zu-byte QR code", plen);
        return;
    }
    const int quiet = 4, side = qr->width + 2 * quiet;
    if (module > 16) module = 16;
    if (module < 1) module = 1;
    while (module > 1 && side * module > e->dots)
        module--;
    if (side * module > e->dots) {
        e->rc =
            rk_err_set(RK_ETOOBIG, "the QR code (%d modules) is wider than the paper", qr->width);
        QRcode_free(qr);
        return;
    }
    int w = side * module, xb = (w + 7) / 8;
    uint8_t *bits = calloc((size_t)xb * (size_t)w, 1);
    if (!bits) {
        QRcode_free(qr);
        e->rc = rk_err_oom();
        return;
    }
    for (int y = 0; y < w; y++) {
        int my = y / module - quiet;
        for (int x = 0; x < w; x++) {
            int mx = x / module - quiet;
            if (my < 0 || mx < 0 || my >= qr->width || mx >= qr->width) continue;
            if (qr->data[my * qr->width + mx] & 1)
                bits[y * xb + x / 8] |= (uint8_t)(0x80 >> (x % 8));
        }
    }
    QRcode_free(qr);
    rk_escpos_raster(e, w, w, bits);
    free(bits);
}

void rk_escpos_qr_native(rk_escpos *e, const char *payload, int module,
                         enum rk_escpos_qr_level level)
{
    if (e->rc) return;
    size_t plen = strlen(payload);
    if (plen == 0 || plen > 7089) {
        e->rc = rk_err_set(RK_EINVAL, "a native QR code holds 1 to 7089 bytes, not %zu", plen);
        return;
    }
    if (module < 1) module = 1;
    if (module > 16) module = 16;
    const uint8_t model[] = {GS, '(', 'k', 4, 0, 49, 65, 50, 0};
    const uint8_t size[] = {GS, '(', 'k', 3, 0, 49, 67, (uint8_t)module};
    const uint8_t ecl[] = {GS, '(', 'k', 3, 0, 49, 69, (uint8_t)(48 + (int)level)};
    size_t n = plen + 3;
    const uint8_t store[] = {GS, '(', 'k', (uint8_t)(n & 0xff), (uint8_t)(n >> 8), 49, 80, 48};
    const uint8_t print[] = {GS, '(', 'k', 3, 0, 49, 81, 48};
    put(e, model, sizeof model);
    put(e, size, sizeof size);
    put(e, ecl, sizeof ecl);
    put(e, store, sizeof store);
    put(e, payload, plen);
    put(e, print, sizeof print);
}

void rk_escpos_cut(rk_escpos *e, int partial, int feed)
{
    if (feed < 0) feed = 0;
    if (feed > 255) feed = 255;
    put3(e, GS, 'V', (partial ? 66 : 65));
    uint8_t f = (uint8_t)feed;
    put(e, &f, 1);
}

void rk_escpos_status_request(uint8_t out[3], int n)
{
    out[0] = DLE;
    out[1] = EOT;
    out[2] = (uint8_t)n;
}

int rk_escpos_status_decode(rk_escpos_status *st, int n, uint8_t b)
{
    if (n < 1 || n > 4) return rk_err_set(RK_EINVAL, "DLE EOT %d is not a status request", n);
    if ((b & 0x93) != 0x12)
        return rk_err_set(RK_EFORMAT, "0x%02x is not a reply to DLE EOT %d", b, n);
    switch (n) {
    case 1:
        if (b & 0x08) st->offline = 1;
        break;
    case 2:
        if (b & 0x04) st->cover_open = 1;
        if (b & 0x08) st->feed_button = 1;
        if (b & 0x20) st->paper_out = 1;
        if (b & 0x40) st->error = 1;
        break;
    case 3:
        if (b & 0x68) st->error = 1; /* cutter, unrecoverable, auto-recoverable */
        break;
    case 4:
        if (b & 0x0c) st->paper_near_end = 1;
        if (b & 0x60) st->paper_out = 1;
        break;
    }
    st->known |= 1u << n;
    return 0;
}

int rk_escpos_status_ready(const rk_escpos_status *st)
{
    return !st->offline && !st->cover_open && !st->paper_out && !st->error;
}

static void add(char *out, size_t n, size_t *at, int cond, const char *text)
{
    if (!cond || *at >= n) return;
    int k = snprintf(out + *at, n - *at, "%s%s", *at ? "; " : "", text);
    if (k > 0) *at += (size_t)k;
}

void rk_escpos_status_describe(const rk_escpos_status *st, char *out, size_t n)
{
    size_t at = 0;
    int ready = rk_escpos_status_ready(st);
    if (n == 0) return;
    out[0] = 0;
    add(out, n, &at, st->paper_out, "paper out (缺纸)");
    add(out, n, &at, st->cover_open, "cover open (纸仓盖打开)");
    add(out, n, &at, st->error, "printer error (打印机故障)");
    add(out, n, &at, st->offline && !st->paper_out && !st->cover_open && !st->error,
        "offline (脱机)");
    add(out, n, &at, ready, "ready");
    add(out, n, &at, st->paper_near_end, "paper nearly out (纸将尽)");
}
