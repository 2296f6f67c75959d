/*
 * Scanned payload classification and line assembly (see barcode.h).
 */
#include "scan/barcode.h"

#include "util/err.h"

#include <ctype.h>
#include <string.h>

static const char credit_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int credit_value(char c)
{
    const char *p = c ? strchr(credit_alphabet, c) : NULL;
    return p ? (int)(p - credit_alphabet) : -1;
}

/* GB 32100-2015: weights 3^i mod 31, check = 31 - sum mod 31 (31 -> 0). */
static int credit_ok(const char *s)
{
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = credit_value(s[i]);
        if (v < 0) return 0;
        sum += v * w[i];
    }
    int c = (31 - sum % 31) % 31;
    return credit_value(s[17]) == c;
}

int rk_barcode_credit_code_ok(const char *code)
{
    return code && strlen(code) == 18 && credit_ok(code);
}

static int ref_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

static int parse_order(rk_barcode *out, const char *p, size_t len)
{
    size_t plen = strlen(RK_BARCODE_ORDER_PREFIX);
    size_t i = plen, k = 0;
    while (i < len && p[i] != ':' && k < sizeof out->branch - 1) {
        if (!ref_char(p[i]))
            return rk_err_set(RK_EFORMAT, "receipt code: bad character in the branch");
        out->branch[k++] = p[i++];
    }
    out->branch[k] = 0;
    if (k == 0 || i >= len || p[i] != ':')
        return rk_err_set(RK_EFORMAT, "receipt code: expected RAK1:<branch>:<order>");
    i++;
    k = 0;
    while (i < len && p[i] != ':' && k < sizeof out->order_ref - 1) {
        if (!ref_char(p[i]))
            return rk_err_set(RK_EFORMAT, "receipt code: bad character in the order reference");
        out->order_ref[k++] = p[i++];
    }
    out->order_ref[k] = 0;
    if (k == 0) return rk_err_set(RK_EFORMAT, "receipt code: the order reference is empty");
    if (i < len && p[i] != ':')
        return rk_err_set(RK_EFORMAT, "receipt code: the order reference is too long");
    out->kind = RK_BARCODE_ORDER;
    out->hint = "receipt of an order: opening it";
    return 0;
}

/* Case-insensitive search for needle in p[0..len). */
static int contains(const char *p, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++) {
        size_t k = 0;
        while (k < n && tolower((unsigned char)p[i + k]) == tolower((unsigned char)needle[k]))
            k++;
        if (k == n) return 1;
    }
    return 0;
}

int rk_barcode_classify(rk_barcode *out, const char *p, size_t len)
{
    memset(out, 0, sizeof *out);
    out->hint = "not a code this counter knows";
    if (len > RK_BARCODE_MAX_LINE)
        return rk_err_set(RK_ETOOBIG, "scanned payload of %zu bytes is over the limit of %d", len,
                          RK_BARCODE_MAX_LINE);
    size_t plen = strlen(RK_BARCODE_ORDER_PREFIX);
    if (len >= plen && !memcmp(p, RK_BARCODE_ORDER_PREFIX, plen)) return parse_order(out, p, len);

    /* A credit code in clear text: 18 alphabet characters not glued to
     * other letters or digits, with a correct check character. */
    for (size_t i = 0; i + 18 <= len; i++) {
        if (i > 0 && isalnum((unsigned char)p[i - 1])) continue;
        if (i + 18 < len && isalnum((unsigned char)p[i + 18])) continue;
        char code[19];
        int ok = 1;
        for (int k = 0; k < 18 && ok; k++) {
            code[k] = (char)toupper((unsigned char)p[i + k]);
            ok = credit_value(code[k]) >= 0;
        }
        code[18] = 0;
        if (ok && credit_ok(code)) {
            memcpy(out->credit_code, code, sizeof code);
            out->kind = RK_BARCODE_LICENCE;
            out->hint = "business licence: unified social credit code read";
            return 0;
        }
    }
    static const char *licence_marks[] = {"gsxt.gov.cn", "gsxt.saic",  "saic.gov.cn", "samr.gov.cn",
                                          "amr.gov.cn",  "aic.gov.cn", "scjgj",       "uniscid",
                                          "creditcode",  "xydm",       "营业执照",    "信用代码",
                                          "市场监督"};
    for (size_t i = 0; i < sizeof licence_marks / sizeof licence_marks[0]; i++)
        if (contains(p, len, licence_marks[i])) {
            out->kind = RK_BARCODE_LICENCE_OPAQUE;
            out->hint = "business licence QR without the credit code in clear text: enter the "
                        "code by hand";
            return 0;
        }
    return 0;
}

void rk_barcode_lines_init(rk_barcode_lines *l)
{
    memset(l, 0, sizeof *l);
}

static int deliver(rk_barcode_lines *l, rk_barcode_line_cb cb, void *arg)
{
    int r = 0;
    if (l->overflow) {
        l->buf[0] = 0;
        r = cb(l->buf, 0,
               rk_err_set(RK_ETOOBIG, "scanned line longer than %d bytes dropped",
                          RK_BARCODE_MAX_LINE),
               arg);
    } else if (l->len > 0) {
        l->buf[l->len] = 0;
        r = cb(l->buf, l->len, 0, arg);
    }
    l->len = 0;
    l->overflow = 0;
    return r;
}

int rk_barcode_lines_feed(rk_barcode_lines *l, const char *p, size_t n, rk_barcode_line_cb cb,
                          void *arg)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\n' && l->last_cr) {
            l->last_cr = 0;
            continue;
        }
        l->last_cr = c == '\r';
        if (c == '\r' || c == '\n') {
            int r = deliver(l, cb, arg);
            if (r) return r;
            continue;
        }
        if (l->len >= RK_BARCODE_MAX_LINE) {
            l->overflow = 1;
            continue;
        }
        l->buf[l->len++] = c;
    }
    return 0;
}

int rk_barcode_lines_finish(rk_barcode_lines *l, rk_barcode_line_cb cb, void *arg)
{
    l->last_cr = 0;
    return deliver(l, cb, arg);
}
