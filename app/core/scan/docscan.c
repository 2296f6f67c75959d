/*
 * SANE scanning and PNG/JPEG encoding (see docscan.h).
 *
 * One scan: sane_init, find the device, sane_open, set mode then
 * resolution (mode first: some backends change the resolution list with
 * the mode), sane_start, sane_get_parameters, read the frame in chunks into
 * a buffer sized from the parameters (grown, within the caps, when the
 * length is unknown), convert to 8-bit samples, sane_close, sane_exit.
 */
#include "docscan.h"

#include "domain/image.h"
#include "util/err.h"

#include <stdio.h> /* before jpeglib.h */

#include <jpeglib.h>
#include <png.h>
#include <pthread.h>
#include <sane/sane.h>
#include <sane/saneopts.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* SANE's process-wide state (see docscan.h). */
static pthread_mutex_t sane_lock = PTHREAD_MUTEX_INITIALIZER;

static int sane_fail(SANE_Status s, const char *what)
{
    const char *m = sane_strstatus(s);
    switch (s) {
    case SANE_STATUS_JAMMED:
        return rk_err_set(RK_EDEVICE, "%s: the paper is jammed in the scanner", what);
    case SANE_STATUS_NO_DOCS:
        return rk_err_set(RK_EDEVICE, "%s: no document in the scanner's feeder", what);
    case SANE_STATUS_COVER_OPEN:
        return rk_err_set(RK_EDEVICE, "%s: the scanner's cover is open", what);
    case SANE_STATUS_DEVICE_BUSY:
        return rk_err_set(RK_EBUSY, "%s: the scanner is busy (another program uses it)", what);
    case SANE_STATUS_NO_MEM: return rk_err_set(RK_ENOMEM, "%s: out of memory", what);
    case SANE_STATUS_ACCESS_DENIED:
        return rk_err_set(RK_EPERM, "%s: access to the scanner denied", what);
    case SANE_STATUS_INVAL: return rk_err_set(RK_EINVAL, "%s: %s", what, m);
    case SANE_STATUS_CANCELLED: return rk_err_set(RK_ECANCELED, "%s: cancelled", what);
    default: return rk_err_set(RK_EDEVICE, "%s: %s", what, m);
    }
}

static int start(void)
{
    SANE_Int version;
    SANE_Status s = sane_init(&version, NULL);
    if (s != SANE_STATUS_GOOD) return sane_fail(s, "cannot start SANE");
    return 0;
}

static void copy(char *dst, size_t n, const char *s)
{
    snprintf(dst, n, "%s", s ? s : "");
}

int rk_docscan_list(rk_docscan_device **out, int *n)
{
    const SANE_Device **list;
    int rc, count = 0;

    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&sane_lock);
    if ((rc = start()) != 0) goto done;
    SANE_Status s = sane_get_devices(&list, SANE_FALSE);
    if (s != SANE_STATUS_GOOD) {
        rc = sane_fail(s, "cannot list scanners");
        goto exit;
    }
    while (list[count])
        count++;
    rk_docscan_device *d = calloc(count ? (size_t)count : 1, sizeof *d);
    if (!d) {
        rc = rk_err_oom();
        goto exit;
    }
    for (int i = 0; i < count; i++) {
        copy(d[i].name, sizeof d[i].name, list[i]->name);
        copy(d[i].vendor, sizeof d[i].vendor, list[i]->vendor);
        copy(d[i].model, sizeof d[i].model, list[i]->model);
        copy(d[i].type, sizeof d[i].type, list[i]->type);
    }
    *out = d;
    *n = count;
exit:
    sane_exit();
done:
    pthread_mutex_unlock(&sane_lock);
    return rc;
}

/* The option of that name, or -1. */
static SANE_Int find_option(SANE_Handle h, const char *name, const SANE_Option_Descriptor **desc)
{
    for (SANE_Int i = 1;; i++) {
        const SANE_Option_Descriptor *d = sane_get_option_descriptor(h, i);
        if (!d) return -1;
        if (d->name && !strcmp(d->name, name) && SANE_OPTION_IS_ACTIVE(d->cap) &&
            SANE_OPTION_IS_SETTABLE(d->cap)) {
            *desc = d;
            return i;
        }
    }
}

static int set_mode(SANE_Handle h, const char *mode)
{
    const SANE_Option_Descriptor *d;
    SANE_Int i = find_option(h, SANE_NAME_SCAN_MODE, &d), info = 0;
    char value[64];
    if (i < 0 || d->type != SANE_TYPE_STRING) return 0; /* a scanner with one mode */
    if (d->constraint_type == SANE_CONSTRAINT_STRING_LIST) {
        int ok = 0;
        for (const SANE_String_Const *s = d->constraint.string_list; *s; s++)
            if (!strcmp(*s, mode)) ok = 1;
        if (!ok) return rk_err_set(RK_EINVAL, "the scanner has no %s mode", mode);
    }
    if ((size_t)d->size > sizeof value || strlen(mode) >= (size_t)d->size)
        return rk_err_set(RK_EINVAL, "the scanner's mode option is unusual");
    memset(value, 0, sizeof value);
    memcpy(value, mode, strlen(mode));
    SANE_Status s = sane_control_option(h, i, SANE_ACTION_SET_VALUE, value, &info);
    return s == SANE_STATUS_GOOD ? 0 : sane_fail(s, "cannot set the scan mode");
}

/* Sets the resolution; *used receives what the scanner took. */
static int set_dpi(SANE_Handle h, int dpi, int *used)
{
    const SANE_Option_Descriptor *d;
    SANE_Int i = find_option(h, SANE_NAME_SCAN_RESOLUTION, &d), info = 0;
    SANE_Word w;
    if (i < 0) {
        *used = dpi; /* fixed resolution: trust the caller */
        return 0;
    }
    if (d->type == SANE_TYPE_FIXED)
        w = SANE_FIX((double)dpi);
    else if (d->type == SANE_TYPE_INT)
        w = dpi;
    else
        return rk_err_set(RK_EINVAL, "the scanner's resolution option is unusual");
    if (d->constraint_type == SANE_CONSTRAINT_RANGE) {
        SANE_Word lo = d->constraint.range->min, hi = d->constraint.range->max;
        if (w < lo || w > hi)
            return rk_err_set(RK_EINVAL, "the scanner cannot scan at %d dpi (%d to %d)", dpi,
                              d->type == SANE_TYPE_FIXED ? (int)SANE_UNFIX(lo) : lo,
                              d->type == SANE_TYPE_FIXED ? (int)SANE_UNFIX(hi) : hi);
    } else if (d->constraint_type == SANE_CONSTRAINT_WORD_LIST) {
        int ok = 0;
        for (SANE_Int k = 1; k <= d->constraint.word_list[0]; k++)
            if (d->constraint.word_list[k] == w) ok = 1;
        if (!ok) return rk_err_set(RK_EINVAL, "the scanner cannot scan at %d dpi", dpi);
    }
    SANE_Status s = sane_control_option(h, i, SANE_ACTION_SET_VALUE, &w, &info);
    if (s != SANE_STATUS_GOOD) return sane_fail(s, "cannot set the resolution");
    s = sane_control_option(h, i, SANE_ACTION_GET_VALUE, &w, NULL);
    if (s != SANE_STATUS_GOOD) return sane_fail(s, "cannot read the resolution");
    *used = d->type == SANE_TYPE_FIXED ? (int)(SANE_UNFIX(w) + 0.5) : w;
    return 0;
}

/* Converts one raw line to 8-bit samples. */
static void convert_line(unsigned char *dst, const unsigned char *src, const SANE_Parameters *p,
                         int samples)
{
    if (p->depth == 8) {
        memcpy(dst, src, (size_t)samples);
    } else if (p->depth == 16) {
        for (int k = 0; k < samples; k++) {
            uint16_t v;
            memcpy(&v, src + 2 * k, 2); /* machine byte order */
            dst[k] = (unsigned char)(v >> 8);
        }
    } else { /* 1 bit: set = black */
        for (int k = 0; k < samples; k++)
            dst[k] = (src[k / 8] & (0x80 >> (k % 8))) ? 0 : 255;
    }
}

static int read_frame(SANE_Handle h, rk_progress_track *pt, const SANE_Parameters *p,
                      rk_docscan_image *img)
{
    const int channels = p->format == SANE_FRAME_RGB ? 3 : 1;
    const int64_t bpl = p->bytes_per_line, width = p->pixels_per_line;
    const int64_t max_lines = RK_IMAGE_MAX_SIDE;
    int64_t lines = p->lines, cap_lines = lines > 0 ? lines : 1024;
    unsigned char *raw = NULL;
    int64_t done = 0, total = lines > 0 ? lines * bpl : -1;
    int rc = 0;

    if (width <= 0 || bpl <= 0 || (p->depth != 1 && p->depth != 8 && p->depth != 16) ||
        bpl < (width * channels * p->depth + 7) / 8)
        return rk_err_set(RK_EDEVICE,
                          "the scanner reports an unusable image format (%d bits, %d "
                          "pixels, %d bytes a line)",
                          p->depth, p->pixels_per_line, p->bytes_per_line);
    if (width > RK_IMAGE_MAX_SIDE || lines > max_lines ||
        (lines > 0 && width * lines > RK_IMAGE_MAX_PIXELS))
        return rk_err_set(RK_ETOOBIG,
                          "the page is %lld x %lld pixels, more than this program accepts: "
                          "lower the resolution",
                          (long long)width, (long long)lines);
    if (cap_lines > max_lines) cap_lines = max_lines;
    if (!(raw = malloc((size_t)(cap_lines * bpl)))) return rk_err_oom();
    for (;;) {
        if (done == cap_lines * bpl) {
            if (lines > 0) break; /* all we expect; a longer page is cut */
            int64_t more = cap_lines * 2 > max_lines ? max_lines : cap_lines * 2;
            if (more == cap_lines || width * more > RK_IMAGE_MAX_PIXELS) {
                rc = rk_err_set(RK_ETOOBIG,
                                "the page is longer than %lld lines: lower the "
                                "resolution",
                                (long long)cap_lines);
                break;
            }
            unsigned char *r2 = realloc(raw, (size_t)(more * bpl));
            if (!r2) {
                rc = rk_err_oom();
                break;
            }
            raw = r2;
            cap_lines = more;
        }
        SANE_Int got = 0;
        int64_t room = cap_lines * bpl - done;
        SANE_Status s = sane_read(h, raw + done, room > 1 << 20 ? 1 << 20 : (SANE_Int)room, &got);
        if (s == SANE_STATUS_EOF) break;
        if (s != SANE_STATUS_GOOD) {
            rc = sane_fail(s, "the scan failed");
            break;
        }
        done += got;
        rk_progress pr = {.step = "scan",
                          .text = "scanning the page",
                          .done = done,
                          .total = total,
                          .percent = total > 0 ? (int)(done * 100 / total) : -1};
        if (rk_progress_tell(pt, &pr)) {
            sane_cancel(h);
            rc = rk_err_set(RK_ECANCELED, "the scan was cancelled");
            break;
        }
    }
    if (!rc && done / bpl == 0) rc = rk_err_set(RK_EDEVICE, "the scanner sent no image");
    if (!rc) {
        int64_t h_lines = done / bpl;
        img->pixels = malloc((size_t)(width * h_lines * channels));
        if (!img->pixels) {
            rc = rk_err_oom();
        } else {
            for (int64_t y = 0; y < h_lines; y++)
                convert_line(img->pixels + y * width * channels, raw + y * bpl, p,
                             (int)(width * channels));
            img->width = (int)width;
            img->height = (int)h_lines;
            img->channels = channels;
        }
    }
    free(raw);
    return rc;
}

int rk_docscan_scan(rk_docscan_image *out, const rk_docscan_opts *o)
{
    const SANE_Device **list;
    SANE_Handle h = NULL;
    SANE_Parameters p;
    char name[128];
    int rc;

    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&sane_lock);
    if ((rc = start()) != 0) {
        pthread_mutex_unlock(&sane_lock);
        return rc;
    }
    if (o->device && *o->device) {
        copy(name, sizeof name, o->device);
    } else {
        SANE_Status s = sane_get_devices(&list, SANE_FALSE);
        if (s != SANE_STATUS_GOOD) {
            rc = sane_fail(s, "cannot list scanners");
            goto exit;
        }
        if (!list[0]) {
            rc = rk_err_set(RK_ENOTFOUND, "no scanner found: is it plugged in and switched on?");
            goto exit;
        }
        copy(name, sizeof name, list[0]->name);
    }
    SANE_Status s = sane_open(name, &h);
    if (s != SANE_STATUS_GOOD) {
        h = NULL;
        rc = s == SANE_STATUS_INVAL ? rk_err_set(RK_ENOTFOUND, "no scanner '%s'", name)
                                    : sane_fail(s, "cannot open the scanner");
        goto exit;
    }
    copy(out->device, sizeof out->device, name);
    int dpi = o->dpi > 0 ? o->dpi : RK_DOCSCAN_DEFAULT_DPI;
    if ((rc = set_mode(h, o->gray ? SANE_VALUE_SCAN_MODE_GRAY : SANE_VALUE_SCAN_MODE_COLOR)) ||
        (rc = set_dpi(h, dpi, &out->dpi)))
        goto exit;
    if ((s = sane_start(h)) != SANE_STATUS_GOOD) {
        rc = sane_fail(s, "cannot start the scan");
        goto exit;
    }
    if ((s = sane_get_parameters(h, &p)) != SANE_STATUS_GOOD) {
        rc = sane_fail(s, "cannot read the scan parameters");
        sane_cancel(h);
        goto exit;
    }
    if (p.format != SANE_FRAME_GRAY && p.format != SANE_FRAME_RGB) {
        rc = rk_err_set(RK_EDEVICE, "three-pass colour scanners are not supported: scan in Gray");
        sane_cancel(h);
        goto exit;
    }
    rk_progress_track pt;
    rk_progress_start(&pt, o->progress, o->progress_arg, RK_OP_SCAN, 0);
    rc = read_frame(h, &pt, &p, out);
    if (!rc) {
        int64_t bytes = (int64_t)out->width * out->height * out->channels;
        rk_progress_note(&pt, &(rk_progress){.step = "done",
                                             .text = "page scanned",
                                             .done = bytes,
                                             .total = bytes,
                                             .percent = 100});
    }
    if (!rc && !p.last_frame) rc = rk_err_set(RK_EDEVICE, "the scanner sent several frames");
    sane_cancel(h); /* ends the page (SANE: required after the last frame) */
exit:
    if (h) sane_close(h);
    sane_exit();
    pthread_mutex_unlock(&sane_lock);
    if (rc) rk_docscan_image_free(out);
    return rc;
}

void rk_docscan_image_free(rk_docscan_image *img)
{
    if (!img) return;
    free(img->pixels);
    img->pixels = NULL;
}

/* ---- PNG ---- */

typedef struct membuf {
    unsigned char *data;
    size_t len, cap;
    int failed;
} membuf;

static void png_write_cb(png_structp png, png_bytep data, size_t n)
{
    membuf *m = png_get_io_ptr(png);
    if (m->failed) return;
    if (m->len + n > m->cap) {
        size_t cap = m->cap ? m->cap : 65536;
        while (cap < m->len + n)
            cap *= 2;
        unsigned char *d = realloc(m->data, cap);
        if (!d) {
            m->failed = 1;
            return;
        }
        m->data = d;
        m->cap = cap;
    }
    memcpy(m->data + m->len, data, n);
    m->len += n;
}

static void png_flush_cb(png_structp png)
{
    (void)png;
}

static int check_image(const rk_docscan_image *img)
{
    if (!img->pixels || img->width <= 0 || img->height <= 0 ||
        (img->channels != 1 && img->channels != 3))
        return rk_err_set(RK_EINVAL, "no scanned image to encode");
    return 0;
}

int rk_docscan_png(unsigned char **out, size_t *len, const rk_docscan_image *img)
{
    membuf m = {0};
    png_structp png;
    png_infop info = NULL;
    int rc;

    *out = NULL;
    *len = 0;
    if ((rc = check_image(img)) != 0) return rc;
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    if (!png || !(info = png_create_info_struct(png))) {
        png_destroy_write_struct(&png, NULL);
        return rk_err_oom();
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(m.data);
        return rk_err_set(RK_EINTERNAL, "cannot encode the scan as PNG");
    }
    png_set_write_fn(png, &m, png_write_cb, png_flush_cb);
    png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8,
                 img->channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (img->dpi > 0) {
        png_uint_32 ppm = (png_uint_32)(img->dpi / 0.0254 + 0.5);
        png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
    }
    png_write_info(png, info);
    for (int y = 0; y < img->height; y++)
        png_write_row(png, img->pixels + (size_t)y * img->width * img->channels);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    if (m.failed) {
        free(m.data);
        return rk_err_oom();
    }
    *out = m.data;
    *len = m.len;
    return 0;
}

/* ---- JPEG ---- */

typedef struct jerr {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
} jerr;

static void jpeg_fail(j_common_ptr cinfo)
{
    longjmp(((jerr *)cinfo->err)->jump, 1);
}

int rk_docscan_jpeg(unsigned char **out, size_t *len, const rk_docscan_image *img, int quality)
{
    struct jpeg_compress_struct c;
    jerr err;
    unsigned char *volatile mem = NULL;
    unsigned long size = 0;
    int rc;

    *out = NULL;
    *len = 0;
    if ((rc = check_image(img)) != 0) return rc;
    if (quality < 1 || quality > 100) return rk_err_set(RK_EINVAL, "JPEG quality is 1 to 100");
    c.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = jpeg_fail;
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&c);
        free(mem);
        return rk_err_set(RK_EINTERNAL, "cannot encode the scan as JPEG");
    }
    jpeg_create_compress(&c);
    unsigned char *m = NULL;
    jpeg_mem_dest(&c, &m, &size);
    c.image_width = (JDIMENSION)img->width;
    c.image_height = (JDIMENSION)img->height;
    c.input_components = img->channels;
    c.in_color_space = img->channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    if (img->dpi > 0) {
        c.density_unit = 1; /* dots per inch */
        c.X_density = c.Y_density = (UINT16)img->dpi;
    }
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = img->pixels + (size_t)c.next_scanline * img->width * img->channels;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    mem = m;
    jpeg_destroy_compress(&c);
    *out = mem;
    *len = size;
    return 0;
}

/* ---- fitting under the limit ---- */

/* A new image at half the size (2x2 average). */
static int halve(rk_docscan_image *dst, const rk_docscan_image *src)
{
    int w = src->width / 2, h = src->height / 2, ch = src->channels;
    if (w < 1 || h < 1) return rk_err_set(RK_ETOOBIG, "the scan is too small to reduce");
    memset(dst, 0, sizeof *dst);
    if (!(dst->pixels = malloc((size_t)w * h * ch))) return rk_err_oom();
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < ch; k++) {
                const unsigned char *a = src->pixels + ((size_t)(2 * y) * src->width + 2 * x) * ch;
                const unsigned char *b = a + (size_t)src->width * ch;
                dst->pixels[((size_t)y * w + x) * ch + k] =
                    (unsigned char)((a[k] + a[ch + k] + b[k] + b[ch + k] + 2) / 4);
            }
    dst->width = w;
    dst->height = h;
    dst->channels = ch;
    dst->dpi = src->dpi / 2;
    memcpy(dst->device, src->device, sizeof dst->device);
    return 0;
}

/* Keeps data if it fits and passes the ledger's check; 1 kept, 0 not. */
static int accept(unsigned char **out, size_t *len, unsigned char *data, size_t n, size_t max_bytes)
{
    rk_image_info ii;
    if (n > max_bytes || rk_image_check(&ii, data, n, max_bytes) != 0) {
        free(data);
        return 0;
    }
    *out = data;
    *len = n;
    return 1;
}

int rk_docscan_fit(unsigned char **out, size_t *len, rk_docscan_fit_info *info,
                   const rk_docscan_image *img, size_t max_bytes)
{
    static const int qualities[] = {85, 70, 55};
    rk_docscan_image cur, next;
    unsigned char *data;
    size_t n;
    int rc, owned = 0;

    *out = NULL;
    *len = 0;
    memset(info, 0, sizeof *info);
    if (!max_bytes) max_bytes = RK_IMAGE_DEFAULT_MAX_BYTES;
    if ((rc = check_image(img)) != 0) return rc;
    if ((rc = rk_docscan_png(&data, &n, img)) != 0) return rc;
    if (accept(out, len, data, n, max_bytes)) {
        snprintf(info->format, sizeof info->format, "png");
        goto found;
    }
    cur = *img;
    for (;;) {
        for (size_t q = 0; q < sizeof qualities / sizeof qualities[0]; q++) {
            if ((rc = rk_docscan_jpeg(&data, &n, &cur, qualities[q])) != 0) goto fail;
            if (accept(out, len, data, n, max_bytes)) {
                snprintf(info->format, sizeof info->format, "jpeg");
                info->quality = qualities[q];
                info->dpi = cur.dpi;
                info->width = cur.width;
                info->height = cur.height;
                if (owned) rk_docscan_image_free(&cur);
                return 0;
            }
        }
        if (cur.dpi / 2 < RK_DOCSCAN_MIN_DPI) break;
        if ((rc = halve(&next, &cur)) != 0) goto fail;
        if (owned) rk_docscan_image_free(&cur);
        cur = next;
        owned = 1;
    }
    rc = rk_err_set(RK_ETOOBIG,
                    "the scan does not fit in %.1f MB even as JPEG quality %d at %d dpi: scan "
                    "in Gray, or only the part of the page that is needed",
                    max_bytes / 1048576.0, qualities[2], cur.dpi);
fail:
    if (owned) rk_docscan_image_free(&cur);
    return rc;
found:
    info->dpi = img->dpi;
    info->width = img->width;
    info->height = img->height;
    return 0;
}
