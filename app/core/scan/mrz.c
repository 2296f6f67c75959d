/*
 * ICAO 9303 machine-readable zone parser (see mrz.h). Pure: the current time
 * comes in as an argument.
 */
#include "scan/mrz.h"

#include "util/err.h"
#include "util/utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int rk_mrz_check_digit(const char *s, size_t n)
{
    static const int w[3] = {7, 3, 1};
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int v;
        char c = s[i];
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'A' && c <= 'Z')
            v = c - 'A' + 10;
        else if (c == '<')
            v = 0;
        else
            return -1;
        sum += v * w[i % 3];
    }
    return sum % 10;
}

const char *rk_mrz_format_name(rk_mrz_format f)
{
    switch (f) {
    case RK_MRZ_TD1: return "TD1 identity card";
    case RK_MRZ_TD3: return "TD3 passport";
    case RK_MRZ_PERMIT: return "Mainland Travel Permit for Hong Kong and Macau Residents";
    }
    return "unknown";
}

/* Splits and normalises text into out->lines. A single run of 88 or 90
 * characters is cut into 2 x 44 or 3 x 30. */
static int normalise(rk_mrz *out, const char *text)
{
    char raw[3][92];
    size_t col = 0, len[3] = {0, 0, 0};
    int line = 0;
    for (const char *p = text;; p++) {
        char c = *p;
        if (c == '\n' || c == '\r' || c == 0) {
            if (col > 0) {
                len[line++] = col;
                col = 0;
            }
            if (c == 0) break;
            continue;
        }
        if (c == ' ' || c == '\t') continue;
        if (line >= 3) return rk_err_set(RK_EFORMAT, "a machine-readable zone has at most 3 lines");
        c = (char)toupper((unsigned char)c);
        if (!(isdigit((unsigned char)c) || (c >= 'A' && c <= 'Z') || c == '<')) {
            if ((unsigned char)c >= 0x80)
                return rk_err_set(RK_EFORMAT, "line %d, column %zu: a non-ASCII character",
                                  line + 1, col + 1);
            return rk_err_set(RK_EFORMAT, "line %d, column %zu: '%c' is not an MRZ character",
                              line + 1, col + 1, c);
        }
        if (col >= 90)
            return rk_err_set(RK_EFORMAT, "line %d is too long for a machine-readable zone",
                              line + 1);
        raw[line][col++] = c;
    }
    if (line == 1 && (len[0] == 88 || len[0] == 90)) {
        int n = len[0] == 88 ? 2 : 3;
        size_t w = len[0] / (size_t)n;
        for (int i = 0; i < n; i++) {
            memcpy(out->lines[i], raw[0] + (size_t)i * w, w);
            out->lines[i][w] = 0;
        }
        out->nlines = n;
        return 0;
    }
    for (int i = 0; i < line; i++) {
        if (len[i] > 44)
            return rk_err_set(RK_EFORMAT, "line %d has %zu characters, at most 44 expected", i + 1,
                              len[i]);
        memcpy(out->lines[i], raw[i], len[i]);
        out->lines[i][len[i]] = 0;
    }
    out->nlines = line;
    return 0;
}

/* Copies s[0..n) with fillers removed at the end and '<' made spaces. */
static void field(char *dst, size_t cap, const char *s, size_t n)
{
    size_t k = 0;
    while (n > 0 && s[n - 1] == '<')
        n--;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        dst[k++] = s[i] == '<' ? ' ' : s[i];
    dst[k] = 0;
}

static void names(rk_mrz *out, const char *s, size_t n)
{
    char buf[48];
    size_t i;
    for (i = 0; i + 1 < n; i++)
        if (s[i] == '<' && s[i + 1] == '<') break;
    field(out->surname, sizeof out->surname, s, i < n ? i : n);
    if (i + 2 < n) {
        field(buf, sizeof buf, s + i + 2, n - i - 2);
        rk_utf8_copy(out->given, sizeof out->given, buf);
    }
}

static int check(const char *what, const char *s, size_t n, char digit, int filler_ok)
{
    int want = rk_mrz_check_digit(s, n);
    if (want < 0) return rk_err_set(RK_EFORMAT, "bad character in the %s", what);
    if (digit == '<' && filler_ok) {
        int blank = 1;
        for (size_t i = 0; i < n; i++)
            if (s[i] != '<') blank = 0;
        if (blank) return 0;
    }
    if (digit < '0' || digit > '9')
        return rk_err_set(RK_EVERIFY, "%s check digit is '%c', not a digit (expected %d)", what,
                          digit, want);
    if (digit - '0' != want)
        return rk_err_set(RK_EVERIFY, "%s check digit is %c, expected %d: misread or forged", what,
                          digit, want);
    return 0;
}

static int days_in(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return d[m - 1];
}

/* YYMMDD to YYYY-MM-DD; birth: not in the future; else expiry rule. */
static int date(char out[11], const char *s, const char *what, int birth, int64_t now, int *expired)
{
    for (int i = 0; i < 6; i++)
        if (!isdigit((unsigned char)s[i]))
            return rk_err_set(RK_EINVAL, "%s '%.6s' is not a date YYMMDD", what, s);
    int yy = (s[0] - '0') * 10 + s[1] - '0', m = (s[2] - '0') * 10 + s[3] - '0',
        d = (s[4] - '0') * 10 + s[5] - '0';
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    int ty = tm.tm_year + 1900, today = ty * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
    int y = 2000 + yy;
    if (birth) {
        if (y * 10000 + m * 100 + d > today) y -= 100;
    } else if (y > ty + 50) {
        y -= 100;
    }
    if (m < 1 || m > 12 || d < 1 || d > days_in(y, m))
        return rk_err_set(RK_EINVAL, "%s '%.6s' is not a calendar date", what, s);
    if (expired) *expired = y * 10000 + m * 100 + d < today;
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
    return 0;
}

static int sex(rk_mrz *out, char c)
{
    if (c == 'M' || c == 'F')
        out->sex = c;
    else if (c == '<' || c == 'X')
        out->sex = 'X';
    else
        return rk_err_set(RK_EFORMAT, "sex '%c' is not M, F or <", c);
    return 0;
}

static int parse_td3(rk_mrz *o, int64_t now)
{
    const char *a = o->lines[0], *b = o->lines[1];
    int rc;
    o->format = RK_MRZ_TD3;
    field(o->doc_code, sizeof o->doc_code, a, 2);
    field(o->issuer, sizeof o->issuer, a + 2, 3);
    names(o, a + 5, 39);
    field(o->doc_number, sizeof o->doc_number, b, 9);
    field(o->nationality, sizeof o->nationality, b + 10, 3);
    field(o->optional, sizeof o->optional, b + 28, 14);
    if ((rc = sex(o, b[20])) != 0) return rc;
    if ((rc = date(o->birth, b + 13, "birth date", 1, now, NULL)) != 0) return rc;
    if ((rc = date(o->expiry, b + 21, "expiry date", 0, now, &o->expired)) != 0) return rc;
    if ((rc = check("document number", b, 9, b[9], 0)) != 0) return rc;
    if ((rc = check("birth date", b + 13, 6, b[19], 0)) != 0) return rc;
    if ((rc = check("expiry date", b + 21, 6, b[27], 0)) != 0) return rc;
    if ((rc = check("personal number", b + 28, 14, b[42], 1)) != 0) return rc;
    char comp[64];
    memcpy(comp, b, 10);
    memcpy(comp + 10, b + 13, 7);
    memcpy(comp + 17, b + 21, 22);
    return check("composite", comp, 39, b[43], 0);
}

static int parse_td1(rk_mrz *o, int64_t now, int permit)
{
    const char *a = o->lines[0], *b = o->lines[1], *c = o->lines[2];
    int rc;
    o->format = permit ? RK_MRZ_PERMIT : RK_MRZ_TD1;
    field(o->doc_code, sizeof o->doc_code, a, 2);
    field(o->issuer, sizeof o->issuer, a + 2, 3);
    names(o, c, 30);
    field(o->nationality, sizeof o->nationality, b + 15, 3);
    field(o->optional2, sizeof o->optional2, b + 18, 11);
    if ((rc = sex(o, b[7])) != 0) return rc;
    if ((rc = date(o->birth, b, "birth date", 1, now, NULL)) != 0) return rc;
    if ((rc = date(o->expiry, b + 8, "expiry date", 0, now, &o->expired)) != 0) return rc;
    if (a[14] == '<' && a[15] != '<' && !permit) {
        /* Long document number: continues in the optional data, whose last
         * character before the filler is the check digit. */
        size_t k = 15;
        while (k < 30 && a[k] != '<')
            k++;
        if (k - 15 < 2) return rk_err_set(RK_EFORMAT, "long document number is cut short");
        char num[32];
        memcpy(num, a + 5, 9);
        memcpy(num + 9, a + 15, k - 16);
        if ((rc = check("document number", num, 9 + k - 16, a[k - 1], 0)) != 0) return rc;
        num[9 + k - 16] = 0;
        field(o->doc_number, sizeof o->doc_number, num, strlen(num));
        field(o->optional, sizeof o->optional, a + k, 30 - k);
    } else {
        field(o->doc_number, sizeof o->doc_number, a + 5, 9);
        field(o->optional, sizeof o->optional, a + 15, 15);
        if ((rc = check("document number", a + 5, 9, a[14], 0)) != 0) return rc;
    }
    if ((rc = check("birth date", b, 6, b[6], 0)) != 0) return rc;
    if ((rc = check("expiry date", b + 8, 6, b[14], 0)) != 0) return rc;
    char comp[64];
    memcpy(comp, a + 5, 25);
    memcpy(comp + 25, b, 7);
    memcpy(comp + 32, b + 8, 7);
    memcpy(comp + 39, b + 18, 11);
    return check("composite", comp, 50, b[29], 0);
}

int rk_mrz_parse(rk_mrz *out, const char *text, int64_t now)
{
    int rc;
    memset(out, 0, sizeof *out);
    if ((rc = normalise(out, text)) != 0) return rc;
    size_t l0 = strlen(out->lines[0]), l1 = strlen(out->lines[1]), l2 = strlen(out->lines[2]);
    if (out->nlines == 2) {
        if (l0 != 44 || l1 != 44)
            return rk_err_set(RK_EFORMAT,
                              "a 2-line zone (TD3 passport) has lines of 44 characters, "
                              "not %zu and %zu",
                              l0, l1);
        return parse_td3(out, now);
    }
    if (out->nlines == 3) {
        if (l0 != 30 || l1 != 30 || l2 != 30)
            return rk_err_set(RK_EFORMAT,
                              "a 3-line zone (TD1 card) has lines of 30 characters, "
                              "not %zu, %zu and %zu",
                              l0, l1, l2);
        return parse_td1(out, now, out->lines[0][0] == 'C' && out->lines[0][1] == 'R');
    }
    return rk_err_set(RK_EFORMAT,
                      "%d line(s) read: a machine-readable zone has 2 lines of 44 "
                      "(passport) or 3 lines of 30 (card)",
                      out->nlines);
}
