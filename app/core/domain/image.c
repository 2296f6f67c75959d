/*
 * Document image checks (see image.h).
 *
 * rk_image_check() refuses oversized input first, then recognises the
 * format by its magic bytes, reads the dimensions from the header and
 * refuses a decompression bomb before a decoder allocates anything, and
 * finally decodes every row of every frame into one reusable row buffer.
 * libjpeg and libpng report errors by longjmp from their error callbacks
 * (installed here: the libjpeg default would exit() the process); the state
 * those callbacks need lives in a per-call struct, so the checks are
 * thread-safe. BMP has no library here: its parser below checks each header
 * field, the palette, the bit masks and that the pixel array (or the RLE
 * stream) lies within the file.
 */
#include "image.h"

#include "util/err.h"
#include "util/utf8.h"

#include <gif_lib.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jpeglib.h needs FILE and size_t declared first. */
#include <jerror.h>
#include <jpeglib.h>

#define MB(n)           ((double)(n) / (1024.0 * 1024.0))
#define JPEG_MAX_MEMORY (256L * 1024 * 1024)
#define JPEG_MAX_SCANS  1000
#define GIF_MAX_FRAMES  5000

static void set_info(rk_image_info *out, const char *format, const char *mime, long w, long h)
{
    rk_utf8_copy(out->format, sizeof out->format, format);
    rk_utf8_copy(out->mime, sizeof out->mime, mime);
    out->width = (int)w;
    out->height = (int)h;
    if (!out->frames) out->frames = 1;
}

/* RK_ETOOBIG if w x h is over the caps (checked before decoding). */
static int check_dims(const char *format, uint64_t w, uint64_t h)
{
    if (w == 0 || h == 0)
        return rk_err_set(RK_EFORMAT, "the %s image has no pixels (%llu x %llu)", format,
                          (unsigned long long)w, (unsigned long long)h);
    if (w > RK_IMAGE_MAX_SIDE || h > RK_IMAGE_MAX_SIDE || w * h > (uint64_t)RK_IMAGE_MAX_PIXELS)
        return rk_err_set(RK_ETOOBIG,
                          "the %s image claims %llu x %llu pixels; at most %d x %d and %ld "
                          "megapixels are accepted",
                          format, (unsigned long long)w, (unsigned long long)h, RK_IMAGE_MAX_SIDE,
                          RK_IMAGE_MAX_SIDE, RK_IMAGE_MAX_PIXELS / 1000000);
    return 0;
}

static uint32_t rd16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t rd32be(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int starts(const unsigned char *d, size_t len, const char *magic, size_t n)
{
    return len >= n && !memcmp(d, magic, n);
}

/* What a refused file looks like, for the message. */
static const char *describe(const unsigned char *d, size_t len)
{
    size_t i = 0;
    if (starts(d, len, "%PDF-", 5)) return "a PDF document";
    if (starts(d, len, "PK\x03\x04", 4) || starts(d, len, "PK\x05\x06", 4))
        return "a ZIP archive (or an Office document)";
    if (starts(d, len, "\xD0\xCF\x11\xE0", 4)) return "an old Office document";
    if (starts(d, len, "II*\0", 4) || starts(d, len, "MM\0*", 4)) return "a TIFF image";
    if (len >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4)) return "a WebP image";
    if (len >= 12 && !memcmp(d + 4, "ftyp", 4))
        return "an HEIC/HEIF photo or a video (export the photo as JPEG)";
    if (starts(d, len,
               "\x7f"
               "ELF",
               4) ||
        starts(d, len, "MZ", 2))
        return "a program";
    if (starts(d, len, "\x1f\x8b", 2) || starts(d, len, "Rar!", 4) ||
        starts(d, len, "7z\xBC\xAF", 4))
        return "a compressed archive";
    if (starts(d, len, "\xEF\xBB\xBF", 3)) i = 3;
    while (i < len && i < 64 && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
        i++;
    if (i < len && d[i] == '<') return "an HTML or XML (SVG) file";
    return NULL;
}

/* ---------------- JPEG ---------------- */

typedef struct jpeg_ctx {
    struct jpeg_error_mgr pub; /* first: libjpeg casts cinfo->err to this */
    struct jpeg_progress_mgr progress;
    jmp_buf jb;
    char msg[JMSG_LENGTH_MAX];
    unsigned char *row;
} jpeg_ctx;

static void jpeg_fail(j_common_ptr cinfo)
{
    jpeg_ctx *ctx = (jpeg_ctx *)cinfo->err;
    cinfo->err->format_message(cinfo, ctx->msg);
    longjmp(ctx->jb, 1);
}

/* Warnings that mean the data is corrupt are refusals; cosmetic ones (an
 * unusual JFIF version, stray bytes between markers) are let through. */
static void jpeg_message(j_common_ptr cinfo, int level)
{
    if (level != -1) return;
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
    case JWRN_TOO_MUCH_DATA: jpeg_fail(cinfo); break;
    default: break;
    }
}

static void jpeg_progress(j_common_ptr cinfo)
{
    if (!cinfo->is_decompressor) return;
    if (((j_decompress_ptr)cinfo)->input_scan_number > JPEG_MAX_SCANS) {
        jpeg_ctx *ctx = (jpeg_ctx *)cinfo->err;
        snprintf(ctx->msg, sizeof ctx->msg, "more than %d progressive scans", JPEG_MAX_SCANS);
        longjmp(ctx->jb, 1);
    }
}

static int check_jpeg(rk_image_info *out, const unsigned char *data, size_t len)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_ctx *ctx = calloc(1, sizeof *ctx);
    int rc = 0;

    if (!ctx) return rk_err_oom();
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&ctx->pub);
    ctx->pub.error_exit = jpeg_fail;
    ctx->pub.emit_message = jpeg_message;
    if (setjmp(ctx->jb)) {
        rc = rk_err_set(RK_EFORMAT, "the JPEG image is corrupt or truncated: %s", ctx->msg);
        goto done;
    }
    jpeg_create_decompress(&cinfo);
    cinfo.mem->max_memory_to_use = JPEG_MAX_MEMORY;
    ctx->progress.progress_monitor = jpeg_progress;
    cinfo.progress = &ctx->progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    if ((rc = check_dims("JPEG", cinfo.image_width, cinfo.image_height))) goto done;
    /* The entropy-coded data is decoded in full (that is where corruption
     * shows); the inverse DCT at 1/8 scale keeps the check fast. */
    cinfo.scale_num = 1;
    cinfo.scale_denom = 8;
    cinfo.dct_method = JDCT_IFAST;
    cinfo.do_fancy_upsampling = FALSE;
    cinfo.do_block_smoothing = FALSE;
    jpeg_start_decompress(&cinfo);
    ctx->row = malloc((size_t)cinfo.output_width * (size_t)cinfo.output_components);
    if (!ctx->row) {
        rc = rk_err_oom();
        goto done;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW rows[1] = {ctx->row};
        if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) {
            rc = rk_err_set(RK_EFORMAT, "the JPEG image is truncated");
            goto done;
        }
    }
    jpeg_finish_decompress(&cinfo);
    set_info(out, "jpeg", "image/jpeg", cinfo.image_width, cinfo.image_height);
done:
    jpeg_destroy_decompress(&cinfo);
    free(ctx->row);
    free(ctx);
    return rc;
}

/* ---------------- PNG ---------------- */

typedef struct png_ctx {
    const unsigned char *data;
    size_t len, pos;
    char msg[256];
    unsigned char *row;
} png_ctx;

static void png_fail(png_structp png, png_const_charp msg)
{
    png_ctx *ctx = png_get_error_ptr(png);
    rk_utf8_copy(ctx->msg, sizeof ctx->msg, msg);
    png_longjmp(png, 1);
}

static void png_warn(png_structp png, png_const_charp msg)
{
    (void)png; /* harmless (an odd colour profile...): not a refusal */
    (void)msg;
}

static void png_read_mem(png_structp png, png_bytep out, size_t n)
{
    png_ctx *ctx = png_get_io_ptr(png);
    if (n > ctx->len - ctx->pos) png_error(png, "unexpected end of file");
    memcpy(out, ctx->data + ctx->pos, n);
    ctx->pos += n;
}

static int check_png(rk_image_info *out, const unsigned char *data, size_t len)
{
    png_ctx *ctx = calloc(1, sizeof *ctx);
    png_structp png = NULL;
    png_infop info = NULL;
    volatile int rc = 0; /* set after setjmp, read after longjmp */

    if (!ctx) return rk_err_oom();
    /* IHDR must come first: signature (8), length (4), "IHDR" (4), w, h */
    if (len < 33 || memcmp(data + 12, "IHDR", 4)) {
        free(ctx);
        return rk_err_set(RK_EFORMAT, "the PNG image is truncated or has no IHDR header");
    }
    if ((rc = check_dims("PNG", rd32be(data + 16), rd32be(data + 20)))) {
        free(ctx);
        return rc;
    }
    ctx->data = data;
    ctx->len = len;
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, ctx, png_fail, png_warn);
    if (png) info = png_create_info_struct(png);
    if (!png || !info) {
        png_destroy_read_struct(&png, &info, NULL);
        free(ctx);
        return rk_err_oom();
    }
    if (setjmp(png_jmpbuf(png))) {
        rc = rk_err_set(RK_EFORMAT, "the PNG image is corrupt or truncated: %s", ctx->msg);
        goto done;
    }
    png_set_read_fn(png, ctx, png_read_mem);
    png_set_user_limits(png, RK_IMAGE_MAX_SIDE, RK_IMAGE_MAX_SIDE);
    png_set_chunk_cache_max(png, 1000);
    png_set_chunk_malloc_max(png, 16 * 1024 * 1024);
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    png_set_benign_errors(png, 0);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    ctx->row = malloc(png_get_rowbytes(png, info));
    if (!ctx->row) {
        rc = rk_err_oom();
        goto done;
    }
    for (int p = 0; p < passes; p++)
        for (png_uint_32 y = 0; y < h; y++)
            png_read_row(png, ctx->row, NULL);
    png_read_end(png, NULL); /* the chunks after the image, up to IEND */
    set_info(out, "png", "image/png", w, h);
done:
    png_destroy_read_struct(&png, &info, NULL);
    free(ctx->row);
    free(ctx);
    return rc;
}

/* ---------------- GIF ---------------- */

typedef struct gif_src {
    const unsigned char *data;
    size_t len, pos;
} gif_src;

static int gif_read_mem(GifFileType *gif, GifByteType *out, int n)
{
    gif_src *src = gif->UserData;
    size_t want = n > 0 ? (size_t)n : 0, left = src->len - src->pos;
    if (want > left) want = left;
    memcpy(out, src->data + src->pos, want);
    src->pos += want;
    return (int)want;
}

static int gif_error(GifFileType *gif, int code, const char *what)
{
    int e = gif ? gif->Error : code;
    const char *s = GifErrorString(e);
    return rk_err_set(RK_EFORMAT, "the GIF image is corrupt or truncated (%s): %s", what,
                      s ? s : "unknown error");
}

static int check_gif(rk_image_info *out, const unsigned char *data, size_t len)
{
    gif_src src = {data, len, 0};
    int err = 0, rc = 0, frames = 0;
    uint64_t decoded = 0;
    GifPixelType *row = NULL;

    if (len < 13) return rk_err_set(RK_EFORMAT, "the GIF image is truncated");
    uint32_t sw = rd16(data + 6), sh = rd16(data + 8);
    if ((sw || sh) && (rc = check_dims("GIF", sw, sh))) return rc;
    GifFileType *gif = DGifOpen(&src, gif_read_mem, &err);
    if (!gif) return gif_error(NULL, err, "header");
    for (;;) {
        GifRecordType type;
        if (DGifGetRecordType(gif, &type) == GIF_ERROR) {
            rc = gif_error(gif, 0, "record");
            goto done;
        }
        if (type == TERMINATE_RECORD_TYPE) break;
        if (type == EXTENSION_RECORD_TYPE) {
            int code;
            GifByteType *ext;
            if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR) {
                rc = gif_error(gif, 0, "extension");
                goto done;
            }
            while (ext)
                if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR) {
                    rc = gif_error(gif, 0, "extension");
                    goto done;
                }
            continue;
        }
        if (type != IMAGE_DESC_RECORD_TYPE) {
            rc = rk_err_set(RK_EFORMAT, "the GIF image is corrupt: unexpected record");
            goto done;
        }
        if (DGifGetImageDesc(gif) == GIF_ERROR) {
            rc = gif_error(gif, 0, "frame header");
            goto done;
        }
        if (++frames > GIF_MAX_FRAMES) {
            rc = rk_err_set(RK_ETOOBIG, "the GIF image has more than %d frames", GIF_MAX_FRAMES);
            goto done;
        }
        int w = gif->Image.Width, h = gif->Image.Height;
        if (w < 0 || h < 0 || (rc = check_dims("GIF frame", (uint64_t)w, (uint64_t)h))) {
            if (!rc) rc = rk_err_set(RK_EFORMAT, "the GIF image has a frame of negative size");
            goto done;
        }
        decoded += (uint64_t)w * (uint64_t)h;
        if (decoded > 4 * (uint64_t)RK_IMAGE_MAX_PIXELS) {
            rc = rk_err_set(RK_ETOOBIG, "the GIF image's frames hold more than %ld megapixels",
                            4 * RK_IMAGE_MAX_PIXELS / 1000000);
            goto done;
        }
        if (!gif->Image.ColorMap && !gif->SColorMap) {
            rc = rk_err_set(RK_EFORMAT, "the GIF image is corrupt: a frame has no colour table");
            goto done;
        }
        GifPixelType *p = realloc(row, (size_t)w);
        if (!p) {
            rc = rk_err_oom();
            goto done;
        }
        row = p;
        for (int y = 0; y < h; y++)
            if (DGifGetLine(gif, row, w) == GIF_ERROR) {
                rc = gif_error(gif, 0, "pixel data");
                goto done;
            }
    }
    if (!frames) {
        rc = rk_err_set(RK_EFORMAT, "the GIF file holds no image");
        goto done;
    }
    if (!sw || !sh) {
        sw = (uint32_t)gif->SavedImages[0].ImageDesc.Width;
        sh = (uint32_t)gif->SavedImages[0].ImageDesc.Height;
    }
    out->frames = frames;
    set_info(out, "gif", "image/gif", sw, sh);
done:
    free(row);
    DGifCloseFile(gif, &err);
    return rc;
}

/* ---------------- BMP ---------------- */

#define BI_RGB            0
#define BI_RLE8           1
#define BI_RLE4           2
#define BI_BITFIELDS      3
#define BI_ALPHABITFIELDS 6

static int bmp_bad(const char *why)
{
    return rk_err_set(RK_EFORMAT, "the BMP image is corrupt: %s", why);
}

/* A colour mask must be one run of set bits within bpp bits. */
static int mask_ok(uint32_t m, unsigned bpp)
{
    if (bpp < 32 && (m >> bpp)) return 0;
    if (!m) return 1;
    while (!(m & 1))
        m >>= 1;
    return (m & (m + 1)) == 0;
}

/* Palette index of pixel x in a row of bpp bits per pixel. */
static unsigned bmp_index(const unsigned char *row, uint64_t x, unsigned bpp)
{
    if (bpp == 8) return row[x];
    if (bpp == 4) return (row[x / 2] >> (x % 2 ? 0 : 4)) & 0x0f;
    return (row[x / 8] >> (7 - x % 8)) & 1;
}

static int bmp_rle(const unsigned char *d, size_t n, int rle4, uint64_t w, uint64_t h,
                   uint32_t colours)
{
    uint64_t x = 0, y = 0;
    size_t i = 0;
    for (;;) {
        if (n - i < 2) return bmp_bad("the RLE data ends without its end-of-bitmap mark");
        unsigned c = d[i], v = d[i + 1];
        i += 2;
        if (c > 0) { /* a run of c pixels of colour(s) v */
            if (y >= h || x + c > w) return bmp_bad("an RLE run lies outside the image");
            if (rle4 ? ((v >> 4) >= colours || (c > 1 && (v & 15) >= colours)) : v >= colours)
                return bmp_bad("a pixel uses a colour missing from the palette");
            x += c;
            continue;
        }
        if (v == 0) { /* end of line */
            x = 0;
            if (++y > h) return bmp_bad("the RLE data has more rows than the image");
        } else if (v == 1) { /* end of bitmap */
            return 0;
        } else if (v == 2) { /* delta */
            if (n - i < 2) return bmp_bad("the RLE data is truncated");
            x += d[i];
            y += d[i + 1];
            i += 2;
            if (x > w || y > h) return bmp_bad("an RLE delta moves outside the image");
        } else { /* v literal pixels, padded to 16 bits */
            size_t bytes = rle4 ? (v + 1) / 2 : v;
            size_t padded = bytes + (bytes & 1);
            if (n - i < padded) return bmp_bad("the RLE data is truncated");
            if (y >= h || x + v > w) return bmp_bad("RLE pixels lie outside the image");
            for (unsigned k = 0; k < v; k++) {
                unsigned idx = rle4 ? (d[i + k / 2] >> (k % 2 ? 0 : 4)) & 15 : d[i + k];
                if (idx >= colours)
                    return bmp_bad("a pixel uses a colour missing from the palette");
            }
            i += padded;
            x += v;
        }
    }
}

static int check_bmp(rk_image_info *out, const unsigned char *d, size_t len)
{
    if (len < 14 + 12) return bmp_bad("the file is shorter than its headers");
    uint32_t off = rd32(d + 10), hs = rd32(d + 14);
    if (hs != 12 && hs != 40 && hs != 52 && hs != 56 && hs != 108 && hs != 124)
        return rk_err_set(RK_EFORMAT, "the BMP image has an unsupported header (%u bytes)", hs);
    if (len < 14 + (size_t)hs) return bmp_bad("the file is shorter than its headers");

    int64_t w, h;
    uint32_t planes, bpp, comp = BI_RGB, clr_used = 0, size_image = 0;
    if (hs == 12) {
        w = rd16(d + 18);
        h = rd16(d + 20);
        planes = rd16(d + 22);
        bpp = rd16(d + 24);
    } else {
        w = (int32_t)rd32(d + 18);
        h = (int32_t)rd32(d + 22);
        planes = rd16(d + 26);
        bpp = rd16(d + 28);
        comp = rd32(d + 30);
        size_image = rd32(d + 34);
        clr_used = rd32(d + 46);
    }
    int top_down = h < 0;
    if (top_down) h = -h;
    if (planes != 1) return bmp_bad("the plane count is not 1");
    if (w <= 0 || h == 0) return bmp_bad("the width or height is zero or negative");
    int rc = check_dims("BMP", (uint64_t)w, (uint64_t)h);
    if (rc) return rc;

    int ok_bpp;
    switch (comp) {
    case BI_RGB:
        ok_bpp =
            bpp == 1 || bpp == 4 || bpp == 8 || bpp == 24 || (hs > 12 && (bpp == 16 || bpp == 32));
        break;
    case BI_RLE8: ok_bpp = bpp == 8 && !top_down; break;
    case BI_RLE4: ok_bpp = bpp == 4 && !top_down; break;
    case BI_BITFIELDS:
    case BI_ALPHABITFIELDS: ok_bpp = bpp == 16 || bpp == 32; break;
    default:
        return rk_err_set(RK_EFORMAT,
                          "the BMP image uses compression %u, which is not accepted (only "
                          "uncompressed, bit fields and RLE)",
                          comp);
    }
    if (!ok_bpp)
        return rk_err_set(RK_EFORMAT,
                          "the BMP image has %u bits per pixel with compression %u, which is "
                          "not a valid combination",
                          bpp, comp);

    size_t after_hdr = 14 + (size_t)hs;
    if (comp == BI_BITFIELDS || comp == BI_ALPHABITFIELDS) {
        int nmask = comp == BI_ALPHABITFIELDS ? 4 : 3;
        size_t at = 14 + 40;
        if (hs == 40) after_hdr += 4 * (size_t)nmask;
        if (hs == 52 && nmask == 4) return bmp_bad("the header lacks the alpha mask");
        if (len < at + 4 * (size_t)nmask) return bmp_bad("the colour masks are missing");
        uint32_t m[4] = {0, 0, 0, 0};
        for (int i = 0; i < nmask; i++)
            m[i] = rd32(d + at + 4 * i);
        if (!m[0] || !m[1] || !m[2]) return bmp_bad("a colour mask is empty");
        for (int i = 0; i < nmask; i++) {
            if (!mask_ok(m[i], bpp)) return bmp_bad("a colour mask is not one run of bits");
            for (int j = 0; j < i; j++)
                if (m[i] & m[j]) return bmp_bad("colour masks overlap");
        }
    }

    uint32_t colours = 0;
    if (bpp <= 8) {
        uint32_t max = 1u << bpp;
        colours = clr_used ? clr_used : max;
        if (colours > max) return bmp_bad("the palette has more colours than the pixels can use");
        size_t entry = hs == 12 ? 3 : 4;
        if (after_hdr + (size_t)colours * entry > len ||
            (off && after_hdr + (size_t)colours * entry > off))
            return bmp_bad("the palette does not fit before the pixel data");
    }
    if (off < after_hdr) return bmp_bad("the pixel data overlaps the headers");
    if (off >= len) return bmp_bad("the file ends before its pixel data");

    size_t avail = len - off;
    if (comp == BI_RLE8 || comp == BI_RLE4) {
        if (size_image && size_image < avail) avail = size_image;
        rc = bmp_rle(d + off, avail, comp == BI_RLE4, (uint64_t)w, (uint64_t)h, colours);
        if (rc) return rc;
    } else {
        uint64_t stride = ((uint64_t)w * bpp + 31) / 32 * 4;
        uint64_t need = stride * (uint64_t)h;
        if (need > avail)
            return rk_err_set(RK_EFORMAT,
                              "the BMP image is truncated: %lld x %lld pixels need %llu bytes of "
                              "pixel data, the file holds %zu",
                              (long long)w, (long long)h, (unsigned long long)need, avail);
        if (bpp <= 8 && colours < (1u << bpp)) /* every index must name a colour */
            for (uint64_t y = 0; y < (uint64_t)h; y++) {
                const unsigned char *row = d + off + y * stride;
                for (uint64_t x = 0; x < (uint64_t)w; x++)
                    if (bmp_index(row, x, bpp) >= colours)
                        return bmp_bad("a pixel uses a colour missing from the palette");
            }
    }
    set_info(out, "bmp", "image/bmp", (long)w, (long)h);
    return 0;
}

/* ---------------- entry ---------------- */

int rk_image_check(rk_image_info *out, const unsigned char *data, size_t len, size_t max_bytes)
{
    int rc;

    memset(out, 0, sizeof *out);
    if (!max_bytes) max_bytes = RK_IMAGE_DEFAULT_MAX_BYTES;
    if (len > max_bytes)
        return rk_err_set(RK_ETOOBIG, "the image is %.1f MB; at most %.1f MB are accepted", MB(len),
                          MB(max_bytes));
    if (!data || len == 0) return rk_err_set(RK_EFORMAT, "the file is empty");

    if (starts(data, len, "\xFF\xD8\xFF", 3))
        rc = check_jpeg(out, data, len);
    else if (starts(data, len, "\x89PNG\r\n\x1a\n", 8))
        rc = check_png(out, data, len);
    else if (starts(data, len, "GIF87a", 6) || starts(data, len, "GIF89a", 6))
        rc = check_gif(out, data, len);
    else if (starts(data, len, "BM", 2))
        rc = check_bmp(out, data, len);
    else {
        const char *what = describe(data, len);
        if (what)
            return rk_err_set(RK_EFORMAT,
                              "the file is %s, not a JPEG, PNG, GIF or BMP image (whatever its "
                              "name says)",
                              what);
        return rk_err_set(RK_EFORMAT, "the file is not a JPEG, PNG, GIF or BMP image");
    }
    if (rc) memset(out, 0, sizeof *out);
    return rc;
}
