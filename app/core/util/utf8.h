/*
 * UTF-8 that stays UTF-8: a strict decoder of one sequence, a validity
 * check, a bounded copy that never cuts a character, and a mender for text
 * that a bounded printf may have cut.
 *
 * Every fixed buffer of the core holds text that is shown somewhere (a
 * screen, a receipt, a JSON reply, a log line). snprintf cuts at a byte: a
 * Chinese label cut after the first of its three bytes ("制\xe8") is no
 * longer UTF-8, and JSON with it is no JSON. Text copied into a buffer goes
 * through rk_utf8_copy; error and log messages, which printf composes, are
 * mended with rk_utf8_mend; rk_utf8_width and rk_utf8_pad line up tables
 * by display columns. Strict means: shortest forms only, no UTF-16
 * surrogates, nothing above U+10FFFF. Pure functions, any thread.
 */
#ifndef RK_UTF8_H
#define RK_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (1-4) of the valid UTF-8 sequence s[0..n) starts with, and its
 * code point in *cp (may be NULL); 0 if it starts with no whole valid one. */
int rk_utf8_seq(const char *s, size_t n, uint32_t *cp);

/* 1 if s[0..n) is valid UTF-8, else 0. */
int rk_utf8_valid(const char *s, size_t n);

/* Copies src into dst[0..n) (n >= 1): as many whole characters as fit,
 * invalid bytes left out, always NUL-terminated. Returns the bytes
 * written. */
size_t rk_utf8_copy(char *dst, size_t n, const char *src);

/* Mends the NUL-terminated s in place: invalid bytes (the rest of a cut
 * character among them) are dropped. Returns the new length. */
size_t rk_utf8_mend(char *s);

/* The columns s takes on a terminal: 2 for each East Asian wide or
 * full-width character (CJK, Hangul, full-width forms), 0 for combining
 * marks, 1 for anything else (an invalid byte too). For lining up table
 * columns, which printf's %-20s counts in bytes. */
int rk_utf8_width(const char *s);

/* Copies s into out[0..n) (as rk_utf8_copy) followed by spaces up to cols
 * columns (nothing added when s is wider): printf("%s ", pad) lines up
 * columns whatever the script. */
void rk_utf8_pad(char *out, size_t n, const char *s, int cols);

#endif
