/*
 * Document image checks: is an uploaded or scanned file really a JPEG, PNG,
 * GIF or BMP image, small enough, and intact?
 *
 * A parser of outside input (subscribers' uploads, USB sticks): the format
 * is recognised by the content's magic bytes, never by the file name, and
 * the whole image is decoded (libjpeg-turbo, libpng, giflib; BMP by the
 * parser in image.c) so corrupt, truncated or disguised files are refused:
 * a PDF, ZIP or HTML file renamed .jpg, a PNG with a broken CRC or cut
 * IDAT, a JPEG without its end. Decoded dimensions are capped before any
 * pixel memory is allocated, so a "decompression bomb" (a small file that
 * claims 60000 x 60000 pixels) is refused at once; decoding works row by
 * row, never holding the whole image.
 *
 * Limits on what is accepted (documented for the kiosk's help text):
 *   - at most RK_IMAGE_MAX_SIDE pixels wide and high, RK_IMAGE_MAX_PIXELS in all;
 *   - JPEG: baseline or progressive; decoding may use at most 256 MB of
 *     working memory (a progressive JPEG of about 40 megapixels); at most
 *     1000 scans; warnings of corrupt data (premature end, bad Huffman code)
 *     are refusals; bytes after the end-of-image marker are tolerated
 *     (cameras append them);
 *   - PNG: every chunk's CRC and the zlib checksum are verified, IEND required;
 *   - GIF: all frames decoded, at most 5000 frames;
 *   - BMP: core (OS/2), INFO, V2-V5 headers; 1/4/8/16/24/32 bits per pixel;
 *     BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS, BI_RLE8, BI_RLE4; palette
 *     indexes must exist in the palette; the pixel array must fit in the file.
 * Thread-safe: no global state.
 */
#ifndef RK_IMAGE_H
#define RK_IMAGE_H

#include <stddef.h>

#define RK_IMAGE_MAX_SIDE   12000
#define RK_IMAGE_MAX_PIXELS 100000000L
/* The upload limit when the caller passes max_bytes = 0 (DOMAIN: 3 MB). */
#define RK_IMAGE_DEFAULT_MAX_BYTES ((size_t)3 * 1024 * 1024)

typedef struct rk_image_info {
    char format[8]; /* "jpeg", "png", "gif", "bmp" */
    char mime[16];  /* "image/jpeg", "image/png", "image/gif", "image/bmp" */
    int width;      /* pixels; for a GIF the logical screen */
    int height;
    int frames; /* 1, or the number of GIF frames */
} rk_image_info;

/* Checks data[0..len) as above and fills *out (zeroed on failure).
 * max_bytes = 0 means RK_IMAGE_DEFAULT_MAX_BYTES.
 * RK_ETOOBIG: more than max_bytes (message gives both sizes in MB; nothing
 * is decoded), or dimensions over the caps (message gives them).
 * RK_EFORMAT: empty, not one of the four formats (the message names what it
 * looks like: PDF, ZIP, HTML, TIFF, WebP, HEIC...), or corrupt/truncated
 * (the message says where). RK_ENOMEM. */
int rk_image_check(rk_image_info *out, const unsigned char *data, size_t len, size_t max_bytes);

#endif
