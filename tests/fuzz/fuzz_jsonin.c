/*
 * Fuzz target for JSON in (util/jsonin.h).
 *
 * Besides "no crash, no read out of bounds, no leak" it checks the
 * contract: a failure sets a message and no document; a success is an
 * object or an array within the depth limit; its canonical text, when it
 * has one, parses again to a document equal to the first whose canonical
 * text is the same bytes (canonicalising is idempotent), and contains no
 * whitespace outside strings; the getters on a top-level object never
 * fail otherwise than with a message; rk_json_raw embeds the same bytes.
 */
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonin.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int depth_of(const json_t *v)
{
    int d = 0;
    size_t i;
    const char *k;
    json_t *m;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, m)
        {
            int x = depth_of(m);
            if (x > d) d = x;
        }
        return d + 1;
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i, m)
        {
            int x = depth_of(m);
            if (x > d) d = x;
        }
        return d + 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rk_jsonin_limits lim = {.max_bytes = 1 << 16, .max_depth = 16};
    json_t *v = NULL;
    rk_err_clear();
    int rc = rk_jsonin_parse(&v, data, size, &lim, "fuzz input");
    if (rc) {
        if (v || !rk_err_msg()[0] || (rc != RK_EFORMAT && rc != RK_ETOOBIG)) abort();
        return 0;
    }
    if (!json_is_object(v) && !json_is_array(v)) abort();
    if (depth_of(v) > lim.max_depth) abort();

    /* the getters, on whatever members there are */
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach(v, k, m)
        {
            int64_t i = 0;
            int b = 0;
            char s[16];
            char *d = NULL;
            json_t *x = NULL;
            rk_err_clear();
            if (rk_jsonin_int(&i, v, k, 1, "f") && !rk_err_msg()[0]) abort();
            if (rk_jsonin_bool(&b, v, k, 1, "f") && !rk_err_msg()[0]) abort();
            if (rk_jsonin_str(s, sizeof s, v, k, 1, "f") == 0 && strlen(s) >= sizeof s) abort();
            if (rk_jsonin_strdup(&d, v, k, 0, "f") == 0 && d && json_is_string(m) &&
                strlen(d) != json_string_length(m))
                abort();
            free(d);
            rk_jsonin_array(&x, v, k, 4, 0, "f");
            rk_jsonin_object(&x, v, k, 0, "f");
        }
    }

    char *c1 = NULL, *c2 = NULL;
    size_t n1 = 0, n2 = 0;
    rc = rk_jsonin_canonical(&c1, &n1, v);
    if (rc) {
        if (rc != RK_EINVAL || c1) abort(); /* a floating-point number */
        json_decref(v);
        return 0;
    }
    if (strlen(c1) != n1) abort();
    json_t *w = NULL;
    rk_jsonin_limits big = {.max_bytes = 1 << 20, .max_depth = 16};
    if (rk_jsonin_parse(&w, c1, n1, &big, "canonical text") != 0) abort();
    if (!json_equal(v, w)) abort();
    if (rk_jsonin_canonical(&c2, &n2, w) != 0 || n1 != n2 || memcmp(c1, c2, n1)) abort();
    /* no whitespace outside strings */
    int in_str = 0, esc = 0;
    for (size_t i = 0; i < n1; i++) {
        char ch = c1[i];
        if (in_str) {
            if (esc)
                esc = 0;
            else if (ch == '\\')
                esc = 1;
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
            abort();
        }
    }
    /* the writer embeds the same bytes */
    rk_buf b;
    rk_json j;
    rk_buf_init(&b, 1 << 21);
    rk_json_init(&j, &b);
    rk_json_raw(&j, (const char *)data, size);
    if (rk_json_finish(&j) != 0 || b.len != n1 || memcmp(b.data, c1, n1)) abort();
    rk_buf_free(&b);
    free(c1);
    free(c2);
    json_decref(w);
    json_decref(v);
    return 0;
}
