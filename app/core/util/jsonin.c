/*
 * JSON in (see jsonin.h): a bounded pre-scan for size and depth, then
 * jansson with duplicate keys refused; canonical text by jansson's sorted,
 * compact dump after a walk that refuses floating-point numbers.
 */
#include "jsonin.h"

#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *name_of(const char *what)
{
    return what && *what ? what : "the JSON document";
}

/* Refuses nesting deeper than max outside strings, before anything is
 * built; line and column (characters) of the offending bracket. */
static int depth_scan(const unsigned char *p, size_t n, int max, const char *what)
{
    int depth = 0, in_str = 0, esc = 0, line = 1, col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if ((c & 0xC0) != 0x80) col++;
        if (c == '\n') {
            line++;
            col = 0;
        }
        if (in_str) {
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (c == '"') {
            in_str = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > max)
                return rk_err_set(RK_ETOOBIG,
                                  "%s: nested deeper than %d levels at line %d, column %d "
                                  "(byte %zu)",
                                  name_of(what), max, line, col, i);
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return 0;
}

int rk_jsonin_parse(json_t **out, const void *data, size_t len, const rk_jsonin_limits *lim,
                    const char *what)
{
    size_t max_bytes = lim && lim->max_bytes ? lim->max_bytes : RK_JSONIN_MAX_BYTES;
    int max_depth = lim && lim->max_depth > 0 ? lim->max_depth : RK_JSONIN_MAX_DEPTH;
    json_error_t e;
    int rc;

    *out = NULL;
    if (!data && len) return rk_err_set(RK_EINVAL, "%s: no data", name_of(what));
    if (len > max_bytes)
        return rk_err_set(RK_ETOOBIG, "%s: %zu bytes, over the limit of %zu", name_of(what), len,
                          max_bytes);
    if ((rc = depth_scan(data, len, max_depth, what)) != 0) return rc;
    *out = json_loadb(len ? data : "", len, JSON_REJECT_DUPLICATES, &e);
    if (!*out)
        return rk_err_set(RK_EFORMAT, "%s is not valid JSON: %s at line %d, column %d (byte %d)",
                          name_of(what), e.text, e.line, e.column, e.position);
    return 0;
}

/* Refuses reals anywhere in v; key names the member being walked. */
static int no_reals(const json_t *v, const char *key, int depth)
{
    if (depth > 2048) return rk_err_set(RK_ETOOBIG, "the JSON document is nested too deeply");
    if (json_is_real(v))
        return rk_err_set(RK_EINVAL,
                          "'%s' is a floating-point number: canonical JSON holds integers only",
                          key ? key : "(top level)");
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            int rc = no_reals(m, k, depth + 1);
            if (rc) return rc;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            int rc = no_reals(m, key, depth + 1);
            if (rc) return rc;
        }
    }
    return 0;
}

int rk_jsonin_canonical(char **out, size_t *len, const json_t *v)
{
    *out = NULL;
    *len = 0;
    if (!v) return rk_err_set(RK_EINVAL, "no JSON document to make canonical");
    int rc = no_reals(v, NULL, 0);
    if (rc) return rc;
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!s) return rk_err_oom();
    size_t n = strlen(s);
    /* our own allocation, whatever allocator jansson was given */
    if (!(*out = malloc(n + 1))) {
        free(s);
        return rk_err_oom();
    }
    memcpy(*out, s, n + 1);
    *len = n;
    free(s);
    return 0;
}

int rk_jsonin_canonical_text(char **out, size_t *len, const void *data, size_t n,
                             const rk_jsonin_limits *lim, const char *what)
{
    json_t *v;
    int rc = rk_jsonin_parse(&v, data, n, lim, what);
    *out = NULL;
    *len = 0;
    if (rc) return rc;
    rc = rk_jsonin_canonical(out, len, v);
    json_decref(v);
    return rc ? rk_err_wrap(rc, "%s", name_of(what)) : 0;
}

/* The member key of obj, or NULL (missing, null); the error if required. */
static int member(json_t **m, const json_t *obj, const char *key, int required, const char *what)
{
    if (!json_is_object(obj)) return rk_err_set(RK_EFORMAT, "%s is not an object", name_of(what));
    *m = json_object_get(obj, key);
    if (*m && json_is_null(*m)) *m = NULL;
    if (!*m && required) return rk_err_set(RK_EFORMAT, "%s: '%s' is missing", name_of(what), key);
    return 0;
}

static int wrong(const char *what, const char *key, const char *type)
{
    return rk_err_set(RK_EFORMAT, "%s: '%s' is not %s", name_of(what), key, type);
}

int rk_jsonin_int(int64_t *out, const json_t *obj, const char *key, int required, const char *what)
{
    json_t *m;
    int rc = member(&m, obj, key, required, what);
    if (rc || !m) return rc;
    if (!json_is_integer(m)) return wrong(what, key, "an integer");
    *out = (int64_t)json_integer_value(m);
    return 0;
}

int rk_jsonin_bool(int *out, const json_t *obj, const char *key, int required, const char *what)
{
    json_t *m;
    int rc = member(&m, obj, key, required, what);
    if (rc || !m) return rc;
    if (!json_is_boolean(m)) return wrong(what, key, "true or false");
    *out = json_is_true(m);
    return 0;
}

int rk_jsonin_str(char *out, size_t n, const json_t *obj, const char *key, int required,
                  const char *what)
{
    json_t *m;
    int rc = member(&m, obj, key, required, what);
    if (rc || !m) return rc;
    if (!json_is_string(m)) return wrong(what, key, "a string");
    size_t len = json_string_length(m);
    if (len + 1 > n)
        return rk_err_set(RK_EFORMAT, "%s: '%s' is longer than %zu bytes", name_of(what), key,
                          n ? n - 1 : 0);
    memcpy(out, json_string_value(m), len + 1);
    return 0;
}

int rk_jsonin_strdup(char **out, const json_t *obj, const char *key, int required, const char *what)
{
    json_t *m;
    *out = NULL;
    int rc = member(&m, obj, key, required, what);
    if (rc || !m) return rc;
    if (!json_is_string(m)) return wrong(what, key, "a string");
    size_t len = json_string_length(m);
    if (!(*out = malloc(len + 1))) return rk_err_oom();
    memcpy(*out, json_string_value(m), len + 1);
    return 0;
}

int rk_jsonin_array(json_t **out, const json_t *obj, const char *key, size_t max, int required,
                    const char *what)
{
    json_t *m;
    *out = NULL;
    int rc = member(&m, obj, key, required, what);
    if (rc || !m) return rc;
    if (!json_is_array(m)) return wrong(what, key, "an array");
    if (json_array_size(m) > max)
        return rk_err_set(RK_ETOOBIG, "%s: '%s' has %zu elements, more than %zu", name_of(what),
                          key, json_array_size(m), max);
    *out = m;
    return 0;
}

int rk_jsonin_object(json_t **out, const json_t *obj, const char *key, int required,
                     const char *what)
{
    json_t *m;
    *out = NULL;
    int rc = member(&m, obj, key, required, what);
    if (rc || !m) return rc;
    if (!json_is_object(m)) return wrong(what, key, "an object");
    *out = m;
    return 0;
}
