/*
 * Hexadecimal encoding and decoding (see hex.h).
 */
#include "util/hex.h"

#include "util/err.h"

#include <string.h>

void rk_hex_encode(char *out, const void *in, size_t n, int upper_case)
{
    const char *digits = upper_case ? "0123456789ABCDEF" : "0123456789abcdef";
    const unsigned char *p = in;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int rk_hex_decode(unsigned char *out, size_t max, size_t *n, const char *s, size_t len)
{
    if (len % 2) return rk_err_set(RK_EFORMAT, "hex text has an odd number of digits (%zu)", len);
    if (len / 2 > max)
        return rk_err_set(RK_ETOOBIG, "hex text of %zu bytes where at most %zu fit", len / 2, max);
    for (size_t i = 0; i < len / 2; i++) {
        int hi = digit(s[2 * i]), lo = digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return rk_err_set(RK_EFORMAT, "'%c' at position %zu is not a hex digit",
                              hi < 0 ? s[2 * i] : s[2 * i + 1], hi < 0 ? 2 * i : 2 * i + 1);
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    if (n) *n = len / 2;
    return 0;
}

int rk_hex_serial(char *out, size_t n, const char *in)
{
    char d[RK_HEX_SERIAL_MAX];
    size_t k = 0;
    if (n) out[0] = '\0';
    if (!in) return rk_err_set(RK_EINVAL, "no serial number");
    if (in[0] == '0' && (in[1] == 'x' || in[1] == 'X')) in += 2;
    for (; *in; in++) {
        if (*in == ':' || *in == ' ') continue;
        int v = digit(*in);
        if (v < 0) return rk_err_set(RK_EINVAL, "'%c' in a serial number: give it in hex", *in);
        if (k == 0 && v == 0) continue; /* leading zeros */
        if (k + 1 >= sizeof d) return rk_err_set(RK_EINVAL, "the serial number is too long");
        d[k++] = "0123456789ABCDEF"[v];
    }
    if (k == 0) d[k++] = '0';
    int pad = k % 2;
    if (k + (size_t)pad + 1 > n) return rk_err_set(RK_EINVAL, "the serial number is too long");
    if (pad) out[0] = '0';
    memcpy(out + pad, d, k);
    out[k + (size_t)pad] = '\0';
    return 0;
}
