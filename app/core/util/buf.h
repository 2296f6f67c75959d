/*
 * Bounded growable byte buffers.
 *
 * A buffer grows on demand up to the maximum set when it was created, and a
 * write past that maximum fails with RK_ETOOBIG instead of growing without
 * bound: outside input (frames, uploads, HTTP bodies) can never make the
 * program allocate more than its declared limit. The data is always followed
 * by a NUL byte so text can be used as a C string.
 */
#ifndef RK_BUF_H
#define RK_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct rk_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* hard limit on len */
} rk_buf;

/* Initialises an empty buffer that may grow to max bytes. Allocates nothing. */
void rk_buf_init(rk_buf *b, size_t max);

/* Makes room for extra more bytes (and the NUL) without changing len, so
 * data can be read straight into data + len; RK_ETOOBIG past the maximum,
 * RK_ENOMEM. */
int rk_buf_reserve(rk_buf *b, size_t extra);

/* Appends n bytes; RK_ETOOBIG past the maximum, RK_ENOMEM. */
int rk_buf_append(rk_buf *b, const void *p, size_t n);

/* Appends a C string. */
int rk_buf_puts(rk_buf *b, const char *s);

/* Appends printf-style text. */
int rk_buf_printf(rk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int rk_buf_vprintf(rk_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Empties the buffer, keeping its memory. */
void rk_buf_reset(rk_buf *b);

/* Wipes (see wipe.h) and frees the memory; the buffer is empty afterwards. */
void rk_buf_free(rk_buf *b);

/* Hands the NUL-terminated data to the caller (free() it) and empties b. */
char *rk_buf_take(rk_buf *b);

#endif
