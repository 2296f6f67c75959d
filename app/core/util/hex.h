/*
 * Hexadecimal text of bytes: digests, salts, serial numbers, CRL numbers,
 * random names. One encoder (lower or upper case) and one strict decoder.
 *
 * Certificate serial numbers have one written form wherever a person reads
 * them (ractl's text and JSON, messages, the records): upper-case hex in
 * whole bytes, as `openssl x509 -serial` and OpenSSL's BN_bn2hex write
 * them ("0A1B2C", never "a1b2c"). rk_hex_serial is the one formatter; the
 * stores keep what they keep, and every lookup takes any of the forms.
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

#define RK_HEX_SERIAL_MAX 68 /* 20 bytes as 40 digits, a NUL, room to spare */

/* The serial in, hex in any case, with or without leading zeros, "0x",
 * colons or spaces, into out (n bytes) in the one written form above.
 * RK_EINVAL (out "") if in is not hex or does not fit. */
int rk_hex_serial(char *out, size_t n, const char *in);

#endif
