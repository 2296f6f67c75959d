/*
 * An ESC/POS encoder for the counter's receipt printer, and the decoder of
 * the printer's DLE EOT status bytes.
 *
 * The encoder appends commands to a bounded buffer: initialise, Chinese mode,
 * text, bold, double size, alignment, feeds, QR codes (as a raster image made
 * with libqrencode, or the printer's native GS ( k QR), and the cut. Text is
 * given in UTF-8 and sent in GB18030. Receipt printers sold here carry a GBK
 * font only, so every character is first checked against GBK: one that is not
 * in it (rare name characters such as 䶮 U+4DAE or 𠀀 U+20000) is replaced by
 * a visible stand-in ("□" or "[U+4DAE]") and recorded, so the caller can
 * tell the clerk which characters did not print. ¥ (U+00A5) is sent as ￥
 * (U+FFE5), which GBK has. Control characters in text are replaced by '?' so
 * data (a name) can never inject a printer command.
 *
 * Errors are sticky, as in the JSON writer: after the first failure (buffer
 * full, bad UTF-8, QR too large) later calls do nothing and rk_escpos_finish()
 * returns the first error code; its message stays in rk_err_msg().
 */
#ifndef RK_ESCPOS_H
#define RK_ESCPOS_H

#include "util/buf.h"

#include <stddef.h>
#include <stdint.h>

/* Paper profiles: printable dots and columns of the 12x24 ASCII font. A
 * Chinese character takes two columns. */
#define RK_ESCPOS_58MM_DOTS 384
#define RK_ESCPOS_58MM_COLS 32
#define RK_ESCPOS_80MM_DOTS 576
#define RK_ESCPOS_80MM_COLS 48

#define RK_ESCPOS_MAX_REPLACED 32 /* replaced characters remembered per encoder */

enum rk_escpos_align { RK_ESCPOS_LEFT = 0, RK_ESCPOS_CENTER = 1, RK_ESCPOS_RIGHT = 2 };

/* How a character outside GBK is shown. */
enum rk_escpos_fallback {
    RK_ESCPOS_FALLBACK_BOX = 0, /* "□" (two columns, like the character it stands for) */
    RK_ESCPOS_FALLBACK_CODE = 1 /* "[U+4DAE]" */
};

/* QR error correction levels (as libqrencode and GS ( k number them L..H). */
enum rk_escpos_qr_level {
    RK_ESCPOS_QR_L = 0,
    RK_ESCPOS_QR_M = 1,
    RK_ESCPOS_QR_Q = 2,
    RK_ESCPOS_QR_H = 3
};

typedef struct rk_escpos {
    rk_buf out;  /* the encoded bytes */
    int dots;    /* printable width in dots */
    int columns; /* ASCII columns at normal size */
    int fallback;
    int rc;                                    /* first error, sticky */
    uint32_t replaced[RK_ESCPOS_MAX_REPLACED]; /* distinct code points replaced */
    int n_replaced;
    void *to_gbk;     /* iconv_t: the printability check */
    void *to_gb18030; /* iconv_t: what is sent */
} rk_escpos;

/* Sets up an encoder for paper 58 or 80 mm wide whose output may grow to max
 * bytes. RK_EINVAL for another width, RK_EINTERNAL if iconv lacks GBK. Free
 * with rk_escpos_free() whatever the result. */
int rk_escpos_init(rk_escpos *e, int paper_mm, size_t max);

/* Releases the buffer and the converters; the struct may be reused by init. */
void rk_escpos_free(rk_escpos *e);

/* 0 or the first error met while encoding. */
int rk_escpos_finish(const rk_escpos *e);

/* ESC @: resets the printer's modes. */
void rk_escpos_reset(rk_escpos *e);

/* FS & (on) or FS . (off): two-byte Chinese characters. */
void rk_escpos_chinese(rk_escpos *e, int on);

/* Appends UTF-8 text (no line feed) in GB18030, with the fallback above.
 * '\n' in the text becomes LF. Invalid UTF-8 is an RK_EINVAL error. */
void rk_escpos_text(rk_escpos *e, const char *utf8);

/* LF: prints the line and moves to the next. */
void rk_escpos_newline(rk_escpos *e);

/* ESC d n: prints and feeds n lines (0..255). */
void rk_escpos_feed(rk_escpos *e, int lines);

/* ESC E n: bold on or off. */
void rk_escpos_bold(rk_escpos *e, int on);

/* GS ! n: character size, width and height multipliers 1..8. */
void rk_escpos_size(rk_escpos *e, int width, int height);

/* ESC a n: alignment of the following lines and images. */
void rk_escpos_align(rk_escpos *e, enum rk_escpos_align a);

/* GS v 0: a 1-bit raster image, width x height dots, rows of (width+7)/8
 * bytes, MSB first, 1 = black. Width at most the paper's dots. */
void rk_escpos_raster(rk_escpos *e, int width, int height, const uint8_t *bits);

/* A QR code of payload (bytes, 8-bit mode) as a GS v 0 raster image with a
 * quiet zone of 4 modules, each module `module` dots square (1..16); the
 * module size is lowered until the code fits the paper. RK_ETOOBIG when the
 * payload cannot fit even at 1 dot. */
void rk_escpos_qr_raster(rk_escpos *e, const char *payload, int module,
                         enum rk_escpos_qr_level level);

/* The printer's own QR (GS ( k, model 2): module size 1..16, error level,
 * store the data (at most 7089 bytes), print it. */
void rk_escpos_qr_native(rk_escpos *e, const char *payload, int module,
                         enum rk_escpos_qr_level level);

/* GS V: feeds `feed` dots' worth of lines then cuts; partial leaves a hinge. */
void rk_escpos_cut(rk_escpos *e, int partial, int feed);

/* Display width of UTF-8 text in ASCII columns at normal size: 1 per ASCII
 * character, 2 for everything else (what the printer's fonts do). Characters
 * that will be replaced count as their stand-in does. */
int rk_escpos_text_columns(const rk_escpos *e, const char *utf8);

/* Writes the masked display form of a character the printer cannot print
 * ("□" or "[U+XXXX]") into out. */
void rk_escpos_fallback_text(const rk_escpos *e, uint32_t cp, char *out, size_t n);

/* 1 if the code point can be printed by a GBK-font printer (¥ counts as ￥). */
int rk_escpos_printable(const rk_escpos *e, uint32_t cp);

/* ---- status: DLE EOT n ---- */

/* The three bytes of the real-time status request DLE EOT n, n = 1..4:
 * 1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor. */
void rk_escpos_status_request(uint8_t out[3], int n);

typedef struct rk_escpos_status {
    unsigned known; /* bit (1 << n) set once the reply to n has been decoded */
    int offline;
    int cover_open;
    int paper_out;      /* printing stopped at the paper end, or the sensor says end */
    int paper_near_end; /* roll almost finished: warn, still print */
    int feed_button;    /* paper being fed by the button */
    int error;          /* an error: cutter, unrecoverable or auto-recoverable */
} rk_escpos_status;

/* Decodes the reply byte to DLE EOT n into st (fields are OR-ed in, so the
 * four replies can be merged). RK_EFORMAT if the byte is not a status byte
 * (its fixed bits 0,1,4,7 must read 0,1,1,0), RK_EINVAL for n out of range. */
int rk_escpos_status_decode(rk_escpos_status *st, int n, uint8_t byte);

/* 1 if the printer can take a job: online, cover closed, paper present, no
 * error (near end is only a warning). */
int rk_escpos_status_ready(const rk_escpos_status *st);

/* A short sentence for the clerk: "paper out; cover open" or "ready" (with
 * "paper nearly out" appended as a warning). */
void rk_escpos_status_describe(const rk_escpos_status *st, char *out, size_t n);

/* Encodes a code point as UTF-8 into out (at least 5 bytes); returns its length. */
int rk_escpos_utf8_put(char *out, uint32_t cp);

/* Decodes one UTF-8 character at s (n bytes available) into *cp; returns its
 * length, or -1 for invalid UTF-8 (overlong, surrogate, beyond U+10FFFF). */
int rk_escpos_utf8_get(const char *s, size_t n, uint32_t *cp);

#endif
