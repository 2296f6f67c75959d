/*
 * Reading the fee lines an order stored at submission (orders.fee_lines).
 *
 * The ledger writes the quote it charged as a JSON array of exactly this
 * shape: [{"code":"certificate","label":"证书费","fen":30000}, ...]. A
 * receipt printed later, or a reprint a year later after fees.ini changed,
 * must show what was charged then, so the column is read back rather than
 * re-quoted. This is a small bounded reader for that one shape, not a JSON
 * parser: an array of at most RK_FEELINES_MAX objects, each with the three
 * keys code (string), label (string) and fen (integer, |fen| <= RK_FEN_MAX)
 * once each in any order, whitespace between tokens, string escapes \" \\ \/
 * \b \f \n \r \t and \uXXXX (surrogate pairs joined; lone surrogates and
 * U+0000 refused). Anything else is refused with RK_EFORMAT saying where.
 * Pure and thread-safe; fuzzed by tests/fuzz/fuzz_fee_lines.c.
 */
#ifndef RK_FEELINES_H
#define RK_FEELINES_H

#include <stddef.h>
#include <stdint.h>

#define RK_FEELINES_MAX     16   /* lines in one order */
#define RK_FEELINES_MAX_LEN 8192 /* bytes of the column */

typedef struct rk_feeline {
    char code[32];  /* "certificate", "medium", "unlock" ... */
    char label[64]; /* the Chinese label charged under */
    int64_t fen;
} rk_feeline;

/* Parses text[0..len) (need not be NUL-terminated) into out[0..*n). out
 * must hold RK_FEELINES_MAX lines; *n is 0 on failure. RK_ETOOBIG over
 * RK_FEELINES_MAX_LEN bytes or RK_FEELINES_MAX lines; RK_EFORMAT for
 * anything not of the shape above (the message gives the byte offset). */
int rk_feelines_parse(rk_feeline *out, int *n, const char *text, size_t len);

/* Sum of the lines' fen into *total; RK_EFORMAT if it leaves the range. */
int rk_feelines_total(const rk_feeline *lines, int n, int64_t *total);

#endif
