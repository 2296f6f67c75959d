/*
 * JSON in: reading JSON from outside (HQ's answers, a branch's pushes,
 * configuration bundles) with jansson 2.14, under limits, and its
 * canonical bytes for hashing and signing.
 *
 * - Input is bounded before jansson sees it: at most max_bytes, nested at
 *   most max_depth arrays/objects deep (a pre-scan refuses deeper input
 *   without building anything), a top-level object or array, valid UTF-8,
 *   no duplicate keys, no NUL in strings, nothing after the value.
 * - Integers stay exact 64-bit (jansson's json_int_t is long long; one out
 *   of range is refused, never rounded through a double).
 * - Errors name the input (`what`), the line, the column and the byte
 *   offset: RK_EFORMAT for malformed input, RK_ETOOBIG over a limit.
 * - Canonical bytes: keys sorted by their UTF-8 bytes, no whitespace,
 *   strings as UTF-8 with only '"', '\\' and control characters escaped,
 *   integers in decimal; the same document always gives the same bytes,
 *   whatever order or spacing it arrived in. Floating-point numbers have
 *   no canonical text and are refused there.
 * - Typed getters read one member of an object and say which member is
 *   missing or of the wrong type or size; strings are never cut.
 *
 * Writing JSON stays with util/json.h (rk_json, the streaming writer
 * every program's output, audit snapshot and outbox payload uses; its
 * rk_json_raw() embeds a parsed document's canonical text). jansson is used
 * here only to read and to canonicalise: one way each.
 *
 * The functions are pure (no global state beyond jansson's own, which is
 * thread-safe) and fuzzed (tests/fuzz/fuzz_jsonin.c).
 */
#ifndef RK_JSONIN_H
#define RK_JSONIN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define RK_JSONIN_MAX_BYTES (8u << 20) /* the sync protocol's body limit */
#define RK_JSONIN_MAX_DEPTH 32

typedef struct rk_jsonin_limits {
    size_t max_bytes; /* 0: RK_JSONIN_MAX_BYTES */
    int max_depth;    /* 0: RK_JSONIN_MAX_DEPTH */
} rk_jsonin_limits;

/* Parses len bytes into *out (the caller's: json_decref). lim may be NULL
 * (the defaults); what names the input in messages ("HQ's answer to POST
 * /v1/events"). */
int rk_jsonin_parse(json_t **out, const void *data, size_t len, const rk_jsonin_limits *lim,
                    const char *what);

/* The canonical bytes of v into a new NUL-terminated buffer *out (free())
 * of *len bytes. RK_EINVAL (naming the member) for a floating-point number
 * anywhere in v. */
int rk_jsonin_canonical(char **out, size_t *len, const json_t *v);

/* Parses and canonicalises in one: the canonical bytes of data. */
int rk_jsonin_canonical_text(char **out, size_t *len, const void *data, size_t n,
                             const rk_jsonin_limits *lim, const char *what);

/* Members of object obj. required: a missing (or null) member is
 * RK_EFORMAT "<what>: '<key>' is missing"; not required: it returns 0 and
 * leaves *out unchanged (NULL for the pointer getters). A member of
 * another type is RK_EFORMAT "... is not a string" (...). */
int rk_jsonin_int(int64_t *out, const json_t *obj, const char *key, int required, const char *what);
int rk_jsonin_bool(int *out, const json_t *obj, const char *key, int required, const char *what);
/* Copies a string into out (n bytes with its NUL); one that does not fit
 * is RK_EFORMAT ("... longer than N bytes"), never cut. */
int rk_jsonin_str(char *out, size_t n, const json_t *obj, const char *key, int required,
                  const char *what);
/* A copy of a string member (free()). */
int rk_jsonin_strdup(char **out, const json_t *obj, const char *key, int required,
                     const char *what);
/* A borrowed array member of at most max elements (RK_ETOOBIG beyond). */
int rk_jsonin_array(json_t **out, const json_t *obj, const char *key, size_t max, int required,
                    const char *what);
/* A borrowed object member. */
int rk_jsonin_object(json_t **out, const json_t *obj, const char *key, int required,
                     const char *what);

#endif
