/*
 * A small JSON writer (see json.h).
 */
#include "json.h"

#include "err.h"
#include "jsonin.h"
#include "utf8.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void rk_json_init(rk_json *j, rk_buf *out)
{
    memset(j, 0, sizeof *j);
    j->out = out;
}

static void put(rk_json *j, const char *s, size_t n)
{
    if (!j->rc) j->rc = rk_buf_append(j->out, s, n);
}

static void before_value(rk_json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->depth > 0 && j->need_comma[j->depth - 1]) put(j, ",", 1);
    if (j->depth > 0) j->need_comma[j->depth - 1] = 1;
}

static void open(rk_json *j, const char *c)
{
    before_value(j);
    put(j, c, 1);
    if (j->depth >= RK_JSON_MAX_DEPTH) {
        if (!j->rc) j->rc = rk_err_set(RK_EINVAL, "JSON nested too deeply");
        return;
    }
    j->need_comma[j->depth++] = 0;
}

static void close_(rk_json *j, const char *c)
{
    if (j->depth > 0) j->depth--;
    put(j, c, 1);
}

void rk_json_obj_begin(rk_json *j)
{
    open(j, "{");
}
void rk_json_obj_end(rk_json *j)
{
    close_(j, "}");
}
void rk_json_arr_begin(rk_json *j)
{
    open(j, "[");
}
void rk_json_arr_end(rk_json *j)
{
    close_(j, "]");
}

int rk_json_quote(rk_buf *b, const char *s)
{
    int rc = rk_buf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; !rc && *p; p++) {
        switch (*p) {
        case '"': rc = rk_buf_append(b, "\\\"", 2); break;
        case '\\': rc = rk_buf_append(b, "\\\\", 2); break;
        case '\n': rc = rk_buf_append(b, "\\n", 2); break;
        case '\r': rc = rk_buf_append(b, "\\r", 2); break;
        case '\t': rc = rk_buf_append(b, "\\t", 2); break;
        default:
            if (*p < 0x20) {
                rc = rk_buf_printf(b, "\\u%04x", *p);
            } else if (*p < 0x80) {
                rc = rk_buf_append(b, p, 1);
            } else {
                /* Whole characters only: a byte that is no part of valid UTF-8
                 * (a cut character) becomes U+FFFD, so the reply stays JSON. */
                int k = rk_utf8_seq((const char *)p, strnlen((const char *)p, 4), NULL);
                rc = k ? rk_buf_append(b, p, (size_t)k) : rk_buf_append(b, "\\ufffd", 6);
                if (k) p += k - 1;
            }
        }
    }
    if (!rc) rc = rk_buf_append(b, "\"", 1);
    return rc;
}

void rk_json_key(rk_json *j, const char *key)
{
    before_value(j);
    if (!j->rc) j->rc = rk_json_quote(j->out, key);
    put(j, ":", 1);
    j->after_key = 1;
}

void rk_json_str(rk_json *j, const char *s)
{
    if (!s) {
        rk_json_null(j);
        return;
    }
    before_value(j);
    if (!j->rc) j->rc = rk_json_quote(j->out, s);
}

void rk_json_int(rk_json *j, int64_t v)
{
    before_value(j);
    if (!j->rc) j->rc = rk_buf_printf(j->out, "%" PRId64, v);
}

void rk_json_dec(rk_json *j, const char *digits)
{
    size_t n = strspn(digits, "0123456789");
    before_value(j);
    if (n == 0 || digits[n] || (digits[0] == '0' && n > 1)) {
        if (!j->rc) j->rc = rk_err_set(RK_EINVAL, "'%.40s' is not a decimal integer", digits);
        return;
    }
    put(j, digits, n);
}

void rk_json_raw(rk_json *j, const char *text, size_t len)
{
    char *canon = NULL;
    size_t n = 0;
    before_value(j);
    if (j->rc) return;
    if ((j->rc = rk_jsonin_canonical_text(&canon, &n, text, len, NULL, "an embedded JSON value")) ==
        0)
        put(j, canon, n);
    free(canon);
}

void rk_json_bool(rk_json *j, int v)
{
    before_value(j);
    put(j, v ? "true" : "false", v ? 4 : 5);
}

void rk_json_null(rk_json *j)
{
    before_value(j);
    put(j, "null", 4);
}

void rk_json_kstr(rk_json *j, const char *key, const char *s)
{
    rk_json_key(j, key);
    rk_json_str(j, s);
}

void rk_json_kint(rk_json *j, const char *key, int64_t v)
{
    rk_json_key(j, key);
    rk_json_int(j, v);
}

void rk_json_kbool(rk_json *j, const char *key, int v)
{
    rk_json_key(j, key);
    rk_json_bool(j, v);
}

void rk_json_kdec(rk_json *j, const char *key, const char *digits)
{
    rk_json_key(j, key);
    rk_json_dec(j, digits);
}

int rk_json_finish(rk_json *j)
{
    if (!j->rc && j->depth != 0) j->rc = rk_err_set(RK_EINTERNAL, "JSON left unclosed");
    return j->rc;
}
