/*
 * UTF-8 decoding, boundaries and character classes (see utf8.h).
 */
#include "utf8.h"

size_t rk_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    uint32_t c, min;
    size_t len;

    if (n == 0) {
        *cp = 0;
        return 0;
    }
    c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        c &= 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        c &= 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        *cp = RK_UTF8_REPLACEMENT;
        return 1;
    }
    if (len > n) {
        *cp = RK_UTF8_REPLACEMENT;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = RK_UTF8_REPLACEMENT;
            return 1;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        *cp = RK_UTF8_REPLACEMENT;
        return 1;
    }
    *cp = c;
    return len;
}

size_t rk_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = RK_UTF8_REPLACEMENT;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t rk_utf8_count(const char *s, size_t n)
{
    size_t count = 0, i = 0;
    uint32_t cp;
    while (i < n) {
        i += rk_utf8_decode(s + i, n - i, &cp);
        count++;
    }
    return count;
}

size_t rk_utf8_prev(const char *s, size_t end)
{
    /* Walk forward so that malformed bytes count exactly as the decoder
     * counts them (one byte each). */
    size_t i = 0, last = 0;
    uint32_t cp;
    while (i < end) {
        last = i;
        i += rk_utf8_decode(s + i, end - i, &cp);
    }
    return last;
}

size_t rk_utf8_fit(const char *s, size_t n, size_t max)
{
    size_t i = 0;
    uint32_t cp;
    if (max >= n) return n;
    while (i < n) {
        size_t len = rk_utf8_decode(s + i, n - i, &cp);
        if (i + len > max) break;
        i += len;
    }
    return i;
}

int rk_utf8_valid_text(const char *s, size_t n)
{
    size_t i = 0;
    uint32_t cp;
    while (i < n) {
        size_t len = rk_utf8_decode(s + i, n - i, &cp);
        if (cp == RK_UTF8_REPLACEMENT && len == 1) return 0; /* malformed byte */
        if ((cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F) return 0;
        i += len;
    }
    return 1;
}

int rk_utf8_is_cjk(uint32_t cp)
{
    return (cp >= 0x2E80 && cp <= 0x2FDF) || /* radicals */
           (cp >= 0x3000 && cp <= 0x303F) || /* CJK symbols and punctuation */
           (cp >= 0x3040 && cp <= 0x30FF) || /* kana */
           (cp >= 0x3100 && cp <= 0x31FF) || /* bopomofo, strokes */
           (cp >= 0x3400 && cp <= 0x4DBF) || /* extension A */
           (cp >= 0x4E00 && cp <= 0x9FFF) || /* unified ideographs */
           (cp >= 0xAC00 && cp <= 0xD7AF) || /* hangul */
           (cp >= 0xF900 && cp <= 0xFAFF) || /* compatibility ideographs */
           (cp >= 0xFE30 && cp <= 0xFE4F) || /* compatibility forms */
           (cp >= 0xFF00 && cp <= 0xFFEF) || /* full-width forms */
           (cp >= 0x20000 && cp <= 0x3FFFF); /* extensions B and later */
}

int rk_utf8_no_line_start(uint32_t cp)
{
    switch (cp) {
    case 0x3001: /* 、 */
    case 0x3002: /* 。 */
    case 0xFF0C: /* ， */
    case 0xFF0E: /* ． */
    case 0xFF1A: /* ： */
    case 0xFF1B: /* ； */
    case 0xFF01: /* ！ */
    case 0xFF1F: /* ？ */
    case 0xFF09: /* ） */
    case 0x3009: /* 〉 */
    case 0x300B: /* 》 */
    case 0x300D: /* 」 */
    case 0x300F: /* 』 */
    case 0x3011: /* 】 */
    case 0x201D: /* ” */
    case 0x2019: /* ’ */
    case 0x2026: /* … */
    case 0x00B7: /* · */
    case ',':
    case '.':
    case ':':
    case ';':
    case '!':
    case '?':
    case ')':
    case ']':
    case '}':
    case '%': return 1;
    default: return 0;
    }
}

int rk_utf8_no_line_end(uint32_t cp)
{
    switch (cp) {
    case 0xFF08: /* （ */
    case 0x3008: /* 〈 */
    case 0x300A: /* 《 */
    case 0x300C: /* 「 */
    case 0x300E: /* 『 */
    case 0x3010: /* 【 */
    case 0x201C: /* “ */
    case 0x2018: /* ‘ */
    case '(':
    case '[':
    case '{': return 1;
    default: return 0;
    }
}
