/*
 * The bounded reader of orders.fee_lines (see feelines.h).
 *
 * A cursor walks the bytes once; every step checks the end of input first.
 * Strings are decoded into the destination field directly and refused when
 * they would not fit, so nothing is allocated.
 */
#include "feelines.h"

#include "domain/fees.h"
#include "util/err.h"

#include <string.h>

typedef struct cur {
    const unsigned char *p;
    size_t len, pos;
} cur;

static int fail(const cur *c, const char *what)
{
    return rk_err_set(RK_EFORMAT, "fee lines: %s at byte %zu", what, c->pos);
}

static void skip_ws(cur *c)
{
    while (c->pos < c->len && (c->p[c->pos] == ' ' || c->p[c->pos] == '\t' ||
                               c->p[c->pos] == '\n' || c->p[c->pos] == '\r'))
        c->pos++;
}

/* Consumes ch after optional whitespace; 1 if it was there. */
static int eat(cur *c, unsigned char ch)
{
    skip_ws(c);
    if (c->pos < c->len && c->p[c->pos] == ch) {
        c->pos++;
        return 1;
    }
    return 0;
}

static int hex4(cur *c, unsigned *out)
{
    unsigned v = 0;
    if (c->len - c->pos < 4) return -1;
    for (int i = 0; i < 4; i++) {
        unsigned char h = c->p[c->pos++];
        v <<= 4;
        if (h >= '0' && h <= '9')
            v |= h - '0';
        else if (h >= 'a' && h <= 'f')
            v |= h - 'a' + 10;
        else if (h >= 'A' && h <= 'F')
            v |= h - 'A' + 10;
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Appends code point u as UTF-8 to dst[*k..n-1); -1 if it does not fit. */
static int put_utf8(char *dst, size_t n, size_t *k, unsigned u)
{
    unsigned char b[4];
    size_t m;
    if (u < 0x80) {
        b[0] = (unsigned char)u;
        m = 1;
    } else if (u < 0x800) {
        b[0] = (unsigned char)(0xC0 | (u >> 6));
        b[1] = (unsigned char)(0x80 | (u & 0x3F));
        m = 2;
    } else if (u < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (u >> 12));
        b[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (u & 0x3F));
        m = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | (u >> 18));
        b[1] = (unsigned char)(0x80 | ((u >> 12) & 0x3F));
        b[2] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
        b[3] = (unsigned char)(0x80 | (u & 0x3F));
        m = 4;
    }
    if (*k + m >= n) return -1;
    memcpy(dst + *k, b, m);
    *k += m;
    return 0;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned u;
    size_t m;
    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        m = 2;
        u = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        m = 3;
        u = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        m = 4;
        u = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < m) return 0;
    for (size_t i = 1; i < m; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        u = (u << 6) | (s[i] & 0x3F);
    }
    if ((m == 3 && (u < 0x800 || (u >= 0xD800 && u <= 0xDFFF))) || (m == 4 && u < 0x10000) ||
        u > 0x10FFFF)
        return 0;
    return m;
}

/* A JSON string into dst (NUL-terminated, at most n-1 bytes). */
static int string(cur *c, char *dst, size_t n, const char *what)
{
    size_t k = 0;
    skip_ws(c);
    if (c->pos >= c->len || c->p[c->pos] != '"') return fail(c, "expected a string");
    c->pos++;
    for (;;) {
        if (c->pos >= c->len) return fail(c, "unterminated string");
        unsigned char ch = c->p[c->pos];
        if (ch == '"') {
            c->pos++;
            break;
        }
        if (ch < 0x20) return fail(c, "control character in a string");
        if (ch != '\\') {
            size_t m = utf8_seq(c->p + c->pos, c->len - c->pos);
            if (!m) return fail(c, "invalid UTF-8");
            if (k + m >= n)
                return rk_err_set(RK_EFORMAT, "fee lines: %s longer than %zu bytes at byte %zu",
                                  what, n - 1, c->pos);
            memcpy(dst + k, c->p + c->pos, m);
            k += m;
            c->pos += m;
            continue;
        }
        if (++c->pos >= c->len) return fail(c, "unterminated escape");
        unsigned u;
        switch (c->p[c->pos++]) {
        case '"': u = '"'; break;
        case '\\': u = '\\'; break;
        case '/': u = '/'; break;
        case 'b': u = '\b'; break;
        case 'f': u = '\f'; break;
        case 'n': u = '\n'; break;
        case 'r': u = '\r'; break;
        case 't': u = '\t'; break;
        case 'u':
            if (hex4(c, &u)) return fail(c, "bad \\u escape");
            if (u >= 0xDC00 && u <= 0xDFFF) return fail(c, "lone low surrogate");
            if (u >= 0xD800 && u <= 0xDBFF) {
                unsigned lo;
                if (c->len - c->pos < 2 || c->p[c->pos] != '\\' || c->p[c->pos + 1] != 'u')
                    return fail(c, "lone high surrogate");
                c->pos += 2;
                if (hex4(c, &lo) || lo < 0xDC00 || lo > 0xDFFF) return fail(c, "bad low surrogate");
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (u == 0) return fail(c, "U+0000 in a string");
            break;
        default: return fail(c, "unknown escape");
        }
        if (put_utf8(dst, n, &k, u))
            return rk_err_set(RK_EFORMAT, "fee lines: %s longer than %zu bytes at byte %zu", what,
                              n - 1, c->pos);
    }
    dst[k] = '\0';
    return 0;
}

static int integer(cur *c, int64_t *out)
{
    int neg = 0, digits = 0;
    int64_t v = 0;
    skip_ws(c);
    if (c->pos < c->len && c->p[c->pos] == '-') {
        neg = 1;
        c->pos++;
    }
    if (c->pos < c->len && c->p[c->pos] == '0' && c->pos + 1 < c->len && c->p[c->pos + 1] >= '0' &&
        c->p[c->pos + 1] <= '9')
        return fail(c, "leading zero");
    while (c->pos < c->len && c->p[c->pos] >= '0' && c->p[c->pos] <= '9') {
        v = v * 10 + (c->p[c->pos++] - '0');
        if (v > RK_FEN_MAX) return fail(c, "amount out of range");
        digits++;
    }
    if (!digits) return fail(c, "expected a whole number of fen");
    if (c->pos < c->len && (c->p[c->pos] == '.' || c->p[c->pos] == 'e' || c->p[c->pos] == 'E'))
        return fail(c, "amount is not a whole number of fen");
    *out = neg ? -v : v;
    return 0;
}

static int object(cur *c, rk_feeline *f)
{
    enum { HAVE_CODE = 1, HAVE_LABEL = 2, HAVE_FEN = 4 };
    unsigned have = 0;
    int rc;
    char key[8];

    memset(f, 0, sizeof *f);
    if (!eat(c, '{')) return fail(c, "expected '{'");
    for (;;) {
        if ((rc = string(c, key, sizeof key, "a key")) != 0) return fail(c, "expected a key");
        if (!eat(c, ':')) return fail(c, "expected ':'");
        unsigned bit = !strcmp(key, "code")    ? HAVE_CODE
                       : !strcmp(key, "label") ? HAVE_LABEL
                       : !strcmp(key, "fen")   ? HAVE_FEN
                                               : 0;
        if (!bit) return fail(c, "unknown key");
        if (have & bit) return fail(c, "repeated key");
        have |= bit;
        if (bit == HAVE_CODE)
            rc = string(c, f->code, sizeof f->code, "code");
        else if (bit == HAVE_LABEL)
            rc = string(c, f->label, sizeof f->label, "label");
        else
            rc = integer(c, &f->fen);
        if (rc) return rc;
        if (eat(c, '}')) break;
        if (!eat(c, ',')) return fail(c, "expected ',' or '}'");
    }
    if (have != (HAVE_CODE | HAVE_LABEL | HAVE_FEN))
        return fail(c, "a line lacks code, label or fen");
    if (!f->code[0]) return fail(c, "empty code");
    return 0;
}

int rk_feelines_parse(rk_feeline *out, int *n, const char *text, size_t len)
{
    cur c = {(const unsigned char *)text, len, 0};
    int rc;

    *n = 0;
    if (len > RK_FEELINES_MAX_LEN)
        return rk_err_set(RK_ETOOBIG, "fee lines: %zu bytes, more than %d", len,
                          RK_FEELINES_MAX_LEN);
    if (!eat(&c, '[')) return fail(&c, "expected '['");
    if (!eat(&c, ']')) {
        for (;;) {
            if (*n == RK_FEELINES_MAX) {
                *n = 0;
                return rk_err_set(RK_ETOOBIG, "fee lines: more than %d lines", RK_FEELINES_MAX);
            }
            if ((rc = object(&c, &out[*n])) != 0) {
                *n = 0;
                return rc;
            }
            ++*n;
            if (eat(&c, ']')) break;
            if (!eat(&c, ',')) {
                *n = 0;
                return fail(&c, "expected ',' or ']'");
            }
        }
    }
    skip_ws(&c);
    if (c.pos != c.len) {
        *n = 0;
        return fail(&c, "trailing bytes");
    }
    return 0;
}

int rk_feelines_total(const rk_feeline *lines, int n, int64_t *total)
{
    int64_t t = 0;
    for (int i = 0; i < n; i++) {
        t += lines[i].fen; /* each |fen| <= RK_FEN_MAX, n <= 16: no overflow */
        if (t > RK_FEN_MAX || t < -RK_FEN_MAX)
            return rk_err_set(RK_EFORMAT, "fee lines: the total leaves the range");
    }
    *total = t;
    return 0;
}
