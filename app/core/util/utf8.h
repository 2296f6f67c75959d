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
 * mended with rk_utf8_mend. Strict means: shortest forms only, no UTF-16
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

#endif
