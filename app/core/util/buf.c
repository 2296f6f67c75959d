/*
 * Bounded growable byte buffers (see buf.h).
 */
#include "buf.h"

#include "err.h"
#include "wipe.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rk_buf_init(rk_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

static int buf_reserve(rk_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (extra > b->max || b->len > b->max - extra)
        return rk_err_set(RK_ETOOBIG, "data exceeds the limit of %zu bytes", b->max);
    need = b->len + extra + 1;
    if (need <= b->cap) return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = realloc(b->data, cap);
    if (!p) return rk_err_oom();
    b->data = p;
    b->cap = cap;
    return 0;
}

int rk_buf_reserve(rk_buf *b, size_t extra)
{
    return buf_reserve(b, extra);
}

int rk_buf_append(rk_buf *b, const void *p, size_t n)
{
    int rc = buf_reserve(b, n);
    if (rc) return rc;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int rk_buf_puts(rk_buf *b, const char *s)
{
    return rk_buf_append(b, s, strlen(s));
}

int rk_buf_vprintf(rk_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n, rc;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return rk_err_set(RK_EINVAL, "bad format string");
    rc = buf_reserve(b, (size_t)n);
    if (rc) return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int rk_buf_printf(rk_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = rk_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void rk_buf_reset(rk_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

void rk_buf_free(rk_buf *b)
{
    if (b->data) {
        rk_wipe(b->data, b->cap);
        free(b->data);
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

char *rk_buf_take(rk_buf *b)
{
    char *p = b->data;
    if (!p) p = calloc(1, 1);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
