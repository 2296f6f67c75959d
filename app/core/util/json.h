/*
 * A small JSON writer into a bounded buffer.
 *
 * Used for `--json` output of the tools, outbox event payloads and audit
 * before/after snapshots. It tracks nesting so commas come out right; strings
 * are escaped (control characters as \u00XX, UTF-8 passed through). It is
 * the one way JSON text is written; reading JSON from outside, and the
 * canonical bytes of a document, are util/jsonin.h (jansson). A streaming
 * writer into a bounded buffer, with no tree per reply, stays the simplest
 * for the tools' replies, audit snapshots and outbox payloads it serves.
 */
#ifndef RK_JSON_H
#define RK_JSON_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

#define RK_JSON_MAX_DEPTH 32

typedef struct rk_json {
    rk_buf *out;
    int depth;
    unsigned char need_comma[RK_JSON_MAX_DEPTH];
    int after_key;
    int rc; /* first error, sticky */
} rk_json;

void rk_json_init(rk_json *j, rk_buf *out);
void rk_json_obj_begin(rk_json *j);
void rk_json_obj_end(rk_json *j);
void rk_json_arr_begin(rk_json *j);
void rk_json_arr_end(rk_json *j);
void rk_json_key(rk_json *j, const char *key);
void rk_json_str(rk_json *j, const char *s); /* NULL writes null */
void rk_json_int(rk_json *j, int64_t v);
void rk_json_bool(rk_json *j, int v);
void rk_json_null(rk_json *j);
/* An already-serialised JSON object or array (an outbox payload, a part of
 * a parsed message) as a value: checked with util/jsonin.h and written in
 * its canonical form (sorted keys, compact); malformed text or a
 * floating-point number in it makes the writer's error RK_EFORMAT /
 * RK_EINVAL. */
void rk_json_raw(rk_json *j, const char *text, size_t len);
/* An integer of any size given in decimal digits (a CRL number has up to
 * 160 bits); RK_EINVAL (sticky) if digits is not a decimal integer. */
void rk_json_dec(rk_json *j, const char *digits);

/* Shorthands for "key": value inside an object. */
void rk_json_kstr(rk_json *j, const char *key, const char *s);
void rk_json_kint(rk_json *j, const char *key, int64_t v);
void rk_json_kbool(rk_json *j, const char *key, int v);
void rk_json_kdec(rk_json *j, const char *key, const char *digits);

/* 0, or the first error met while writing (RK_ETOOBIG, RK_ENOMEM, RK_EINVAL). */
int rk_json_finish(rk_json *j);

/* Appends s as a quoted, escaped JSON string to b. */
int rk_json_quote(rk_buf *b, const char *s);

#endif
