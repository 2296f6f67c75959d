/*
 * UTF-8 sequences, checks, bounded copies and mending (see utf8.h).
 */
#include "util/utf8.h"

#include <string.h>

int rk_utf8_seq(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t c;
    int len;
    if (n == 0) return 0;
    if (p[0] < 0x80) {
        if (cp) *cp = p[0];
        return 1;
    }
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        len = 2;
        c = p[0] & 0x1f;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        len = 3;
        c = p[0] & 0x0f;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        len = 4;
        c = p[0] & 0x07;
    } else {
        return 0; /* a continuation byte, an overlong lead (C0, C1) or F5..FF */
    }
    if (n < (size_t)len) return 0;
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        c = (c << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff))
        return 0;
    if (cp) *cp = c;
    return len;
}

int rk_utf8_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        int k = rk_utf8_seq(s + i, n - i, NULL);
        if (!k) return 0;
        i += (size_t)k;
    }
    return 1;
}

size_t rk_utf8_copy(char *dst, size_t n, const char *src)
{
    size_t o = 0, len = src ? strlen(src) : 0;
    if (n == 0) return 0;
    for (size_t i = 0; i < len;) {
        int k = rk_utf8_seq(src + i, len - i, NULL);
        if (!k) {
            i++; /* an invalid byte: left out */
            continue;
        }
        if (o + (size_t)k > n - 1) break;
        memcpy(dst + o, src + i, (size_t)k);
        o += (size_t)k;
        i += (size_t)k;
    }
    dst[o] = '\0';
    return o;
}

size_t rk_utf8_mend(char *s)
{
    size_t len = strlen(s), o = 0;
    for (size_t i = 0; i < len;) {
        int k = rk_utf8_seq(s + i, len - i, NULL);
        if (!k) {
            i++;
            continue;
        }
        memmove(s + o, s + i, (size_t)k);
        o += (size_t)k;
        i += (size_t)k;
    }
    s[o] = '\0';
    return o;
}

/* East Asian Wide and Fullwidth ranges (Unicode's EastAsianWidth.txt, the
 * blocks a counter meets). */
static int wide(uint32_t c)
{
    return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
           (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
           (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
           (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD);
}

int rk_utf8_width(const char *s)
{
    int cols = 0;
    size_t n = strlen(s);
    while (n > 0) {
        uint32_t c;
        int len = rk_utf8_seq(s, n, &c);
        if (len == 0) {
            cols++;
            s++;
            n--;
            continue;
        }
        if (!((c >= 0x0300 && c <= 0x036F) || c == 0x200B || (c >= 0xFE00 && c <= 0xFE0F)))
            cols += wide(c) ? 2 : 1;
        s += len;
        n -= (size_t)len;
    }
    return cols;
}

void rk_utf8_pad(char *out, size_t n, const char *s, int cols)
{
    size_t len = rk_utf8_copy(out, n, s);
    for (int w = rk_utf8_width(out); w < cols && len + 1 < n; w++)
        out[len++] = ' ';
    out[len] = '\0';
}
