/*
 * UTF-8 for the widgets: decoding with replacement, boundaries for
 * backspace and truncation, and the character classes line wrapping needs.
 *
 * Text reaching the screen comes from the strings files, the ID card
 * reader and typing; none of it is trusted to be valid UTF-8. Decoding never
 * reads past the end and turns every malformed byte into U+FFFD, so a bad
 * byte shows as a replacement box instead of cutting the rest of a line.
 */
#ifndef RK_UI_UTF8_H
#define RK_UI_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define RK_UTF8_REPLACEMENT 0xFFFDu

/* Decodes the code point at s (n bytes available) into *cp and returns its
 * length in bytes (1..4). Malformed, overlong, surrogate or truncated input
 * gives U+FFFD and length 1; n == 0 gives 0. */
size_t rk_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Encodes cp into out (at least 4 bytes) and returns the length; code points
 * above U+10FFFF or surrogates encode U+FFFD. */
size_t rk_utf8_encode(uint32_t cp, char *out);

/* Number of code points in s[0..n) as rk_utf8_decode counts them. */
size_t rk_utf8_count(const char *s, size_t n);

/* Offset of the start of the code point that ends at offset end (the
 * position backspace deletes back to); 0 at the start. */
size_t rk_utf8_prev(const char *s, size_t end);

/* The largest length <= max that does not cut a code point of s (of length
 * n) in two. */
size_t rk_utf8_fit(const char *s, size_t n, size_t max);

/* 1 when s[0..n) is valid UTF-8 with no control characters other than
 * newline and tab. */
int rk_utf8_valid_text(const char *s, size_t n);

/* 1 for characters a line may break before and after anywhere: CJK
 * ideographs (all planes), kana, hangul, CJK symbols and full-width forms. */
int rk_utf8_is_cjk(uint32_t cp);

/* 1 for characters that must not begin a line (closing punctuation such as
 * 。，、）》」 and their ASCII counterparts). */
int rk_utf8_no_line_start(uint32_t cp);

/* 1 for characters that must not end a line (opening brackets 《（「“). */
int rk_utf8_no_line_end(uint32_t cp);

#endif
