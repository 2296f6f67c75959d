/*
 * Hexadecimal text of bytes: digests, salts, serial numbers, CRL numbers,
 * random names. One encoder (lower or upper case) and one strict decoder.
 */
#ifndef RK_HEX_H
#define RK_HEX_H

#include <stddef.h>

enum { RK_HEX_LOWER = 0, RK_HEX_UPPER = 1 };

/* Writes the 2n digits of the n bytes at in, and a NUL, into out (2n+1
 * bytes); case is RK_HEX_LOWER or RK_HEX_UPPER. */
void rk_hex_encode(char *out, const void *in, size_t n, int upper_case);

/* Decodes the len characters at s (an even number of 0-9, a-f, A-F; s needs
 * no NUL) into out, which holds max bytes; *n (may be NULL) receives len/2.
 * RK_EFORMAT for an odd length or a character that is not a hex digit,
 * RK_ETOOBIG if len/2 > max; out is then unspecified. */
int rk_hex_decode(unsigned char *out, size_t max, size_t *n, const char *s, size_t len);

#endif
