/*
 * Barcode and QR scanners at the counter: what a scanned payload means, and
 * assembling payloads from a scanner's byte stream.
 *
 * Scanners work as a serial port or as a keyboard ("keyboard wedge") and end
 * each payload with Enter (CR, LF or CR LF). rk_barcode_lines assembles
 * those lines with a length cap; rk_barcode_classify says what one is:
 *
 * - our own receipt QR: "RAK1:<branch>:<order-ref>", where branch and
 *   order-ref are 1..40 characters of A-Z a-z 0-9 '-' '_' '.'. Anything after
 *   a further ':' is ignored (room for later versions). The receipt printer
 *   prints this payload; scanning it opens the order.
 * - a business licence QR (营业执照二维码): when the unified social credit
 *   code (统一社会信用代码, 18 characters, GB 32100 mod-31 check) is in clear
 *   text (e.g. "...?uniscid=91350100M000100Y43..." or the code itself) it
 *   is extracted; licence QRs that carry only an opaque link (the national
 *   enterprise credit system's encrypted URLs) give RK_BARCODE_LICENCE_OPAQUE:
 *   the clerk types the code by hand.
 * - anything else: RK_BARCODE_UNKNOWN.
 */
#ifndef RK_BARCODE_H
#define RK_BARCODE_H

#include <stddef.h>

#define RK_BARCODE_MAX_LINE     4096 /* longest payload kept */
#define RK_BARCODE_ORDER_PREFIX "RAK1:"

typedef enum rk_barcode_kind {
    RK_BARCODE_UNKNOWN = 0,
    RK_BARCODE_ORDER,          /* our receipt: branch and order_ref */
    RK_BARCODE_LICENCE,        /* a licence QR with the credit code in clear: credit_code */
    RK_BARCODE_LICENCE_OPAQUE, /* a licence QR without it: enter the code by hand */
} rk_barcode_kind;

typedef struct rk_barcode {
    rk_barcode_kind kind;
    char branch[41];
    char order_ref[41];
    char credit_code[19];
    const char *hint; /* a sentence for the clerk (English), never NULL */
} rk_barcode;

/* Classifies payload[0..len) (need not be NUL-terminated). Always fills
 * *out; returns 0, or RK_EFORMAT for a "RAK1:" payload that is malformed
 * (the message says how) and RK_ETOOBIG above RK_BARCODE_MAX_LINE. */
int rk_barcode_classify(rk_barcode *out, const char *payload, size_t len);

/* 1 if code is 18 characters of the credit code alphabet with a correct
 * GB 32100 check character, else 0. */
int rk_barcode_credit_code_ok(const char *code);

/* Line assembly. */
typedef struct rk_barcode_lines {
    char buf[RK_BARCODE_MAX_LINE + 1];
    size_t len;
    int overflow; /* the current line went past the cap: it is dropped */
    int last_cr;  /* the previous byte was CR (so a following LF is not a line) */
} rk_barcode_lines;

/* Called for each complete line (NUL-terminated, without its ending); a
 * line over the cap is reported with rc RK_ETOOBIG and an empty text.
 * Return nonzero to stop feeding. */
typedef int (*rk_barcode_line_cb)(const char *line, size_t len, int rc, void *arg);

void rk_barcode_lines_init(rk_barcode_lines *l);

/* Feeds bytes; calls cb per finished line. Empty lines are skipped. Returns
 * the callback's nonzero value if it stopped, else 0. */
int rk_barcode_lines_feed(rk_barcode_lines *l, const char *p, size_t n, rk_barcode_line_cb cb,
                          void *arg);

/* Ends the input: a pending unterminated line is delivered. */
int rk_barcode_lines_finish(rk_barcode_lines *l, rk_barcode_line_cb cb, void *arg);

#endif
