/*
 * The ESC/POS interpreter of the virtual receipt printer: it turns the bytes
 * of a print job into what a real printer would put on paper (lines of text
 * with their attributes, raster images, QR codes, cuts) and draws that onto a
 * white PNG as wide as the paper (384 or 576 dots), so tests and people can
 * look at receipts.
 *
 * rk_escview_parse() is a pure function of outside input (bytes from a TCP
 * client): it never reads past the data, keeps every allocation under fixed
 * limits, skips commands it does not know by their documented length and
 * stops quietly at a truncated trailing command. Text in Chinese mode (FS &)
 * is GB18030 and comes out as UTF-8; undecodable bytes become U+FFFD. It has
 * a fuzz target (tests/fuzz/fuzz_escpos.c).
 *
 * The subset understood is the one escpos.c emits plus common neighbours:
 * ESC @, ESC E, ESC !, ESC a, ESC d, ESC J, GS !, GS v 0, GS ( k (QR model,
 * size, level, store, print), GS V, FS & / FS ., DLE EOT, LF.
 */
#ifndef RK_ESCVIEW_H
#define RK_ESCVIEW_H

#include "util/buf.h"

#include <stddef.h>
#include <stdint.h>

#define RK_ESCVIEW_MAX_ITEMS      4096
#define RK_ESCVIEW_MAX_IMAGE_DOTS 4096        /* width and height of one image */
#define RK_ESCVIEW_MAX_PIXELS     (8 << 20)   /* all images of a job together */
#define RK_ESCVIEW_MAX_TEXT       (256 << 10) /* UTF-8 bytes of text per job */
#define RK_ESCVIEW_MAX_INPUT      (16u << 20) /* bytes parsed per job */

enum rk_escview_kind { RK_ESCVIEW_LINE, RK_ESCVIEW_IMAGE, RK_ESCVIEW_FEED, RK_ESCVIEW_CUT };

typedef struct rk_escview_run {
    char *text; /* UTF-8 */
    int bold;
    int wmul, hmul; /* 1..8 */
} rk_escview_run;

typedef struct rk_escview_item {
    enum rk_escview_kind kind;
    int align;            /* 0 left, 1 centre, 2 right */
    rk_escview_run *runs; /* LINE: text runs (none for a blank line) */
    int n_runs;
    int width, height; /* IMAGE: dots; FEED: height in dots */
    uint8_t *bits;     /* IMAGE: rows of (width+7)/8 bytes, MSB first, 1 = black */
} rk_escview_item;

typedef struct rk_escview {
    rk_escview_item *items;
    int n_items;
    int status_requests; /* DLE EOT seen */
    int unknown;         /* commands skipped */
    int cuts;
    int qr_codes; /* native QR codes printed */
    long pixels;  /* image pixels so far (limit) */
    rk_buf text;  /* transcript: lines, "[image WxH]", "[cut]" */
} rk_escview;

/* Length of the command or character starting at p (n bytes available), or
 * 0 when more bytes are needed to know. Never more than n. */
size_t rk_escview_command_length(const uint8_t *p, size_t n);

/* Interprets n bytes of ESC/POS into a new rk_escview owned by the caller.
 * RK_ETOOBIG past the input limit, RK_ENOMEM; malformed input is not an error
 * (a printer prints what it can). */
int rk_escview_parse(rk_escview **out, const uint8_t *data, size_t n);

/* Draws the job onto a white canvas `dots` wide (384 or 576) with WenQuanYi
 * Micro Hei on a 12x24-dot character grid, and writes it as PNG to path.
 * RK_EINVAL for other widths, RK_EIO if the PNG cannot be written. */
int rk_escview_render_png(const rk_escview *v, int dots, const char *path);

/* Frees a parsed job; NULL does nothing. */
void rk_escview_free(rk_escview *v);

#endif
