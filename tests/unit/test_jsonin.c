/*
 * Unit tests of JSON in (util/jsonin.h) and the writer's embedding of
 * parsed text (rk_json_raw): 64-bit integers exact at both ends and past
 * 2^53; canonical bytes the same whatever the order and spacing, keys in
 * byte order, UTF-8 kept, escapes minimal, floating-point refused there;
 * duplicates, a NUL, invalid UTF-8, trailing garbage, a scalar at the top
 * and out-of-range integers refused with line, column and byte; size and
 * depth limits (brackets inside strings do not count); the getters' errors
 * name the member and never cut a string.
 */
#include "test.h"

#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonin.h"

static json_t *parse(const char *text)
{
    json_t *v = NULL;
    if (rk_jsonin_parse(&v, text, strlen(text), NULL, "test input") != 0)
        fprintf(stderr, "parse: %s\n", rk_err_msg());
    return v;
}

static int refused(const char *text, int code, const char *words)
{
    json_t *v = NULL;
    int rc = rk_jsonin_parse(&v, text, strlen(text), NULL, "test input");
    if (rc != code || v || !strstr(rk_err_msg(), words)) {
        fprintf(stderr, "'%s': rc %d, message '%s'\n", text, rc, rk_err_msg());
        json_decref(v);
        return 0;
    }
    return 1;
}

static const char *canon(const char *text)
{
    static char out[4096];
    char *c = NULL;
    size_t n = 0;
    snprintf(out, sizeof out, "(refused)");
    if (rk_jsonin_canonical_text(&c, &n, text, strlen(text), NULL, "test input") == 0) {
        CHECK_INT(strlen(c), n);
        snprintf(out, sizeof out, "%s", c);
    }
    free(c);
    return out;
}

static void test_integers(void)
{
    json_t *v = parse("{\"max\": 9223372036854775807, \"min\": -9223372036854775808, "
                      "\"past53\": 9007199254740993, \"zero\": -0}");
    int64_t x = 0;
    CHECK(v != NULL);
    CHECK_INT(rk_jsonin_int(&x, v, "max", 1, "t"), 0);
    CHECK(x == INT64_MAX);
    CHECK_INT(rk_jsonin_int(&x, v, "min", 1, "t"), 0);
    CHECK(x == INT64_MIN);
    CHECK_INT(rk_jsonin_int(&x, v, "past53", 1, "t"), 0);
    CHECK(x == 9007199254740993LL); /* a double would give ...992 */
    json_decref(v);
    CHECK_STR(canon("{\"past53\": 9007199254740993, \"max\": 9223372036854775807}"),
              "{\"max\":9223372036854775807,\"past53\":9007199254740993}");
    CHECK(refused("{\"n\": 9223372036854775808}", RK_EFORMAT, "too big"));
    CHECK(refused("{\"n\": -9223372036854775809}", RK_EFORMAT, "line 1"));
}

static void test_canonical(void)
{
    const char *a =
        "{ \"b\" : 1,\n  \"a\": {\"d\": [1, 2, {\"z\": true, \"y\": null}], \"c\": \"x\"} }";
    const char *b = "{\"a\":{\"c\":\"x\",\"d\":[1,2,{\"y\":null,\"z\":true}]},\"b\":1}";
    char one[4096];
    snprintf(one, sizeof one, "%s", canon(a));
    CHECK_STR(one, b);
    CHECK_STR(canon(b), b); /* idempotent */
    /* keys in byte order; UTF-8 kept, \u escapes decoded, '/' left alone,
     * controls and quotes escaped */
    CHECK_STR(canon("{\"\\u00e9\": 1, \"a\": 2, \"B\": 3}"), "{\"B\":3,\"a\":2,\"é\":1}");
    CHECK_STR(canon("[\"\\u4e2d文\", \"a/b\", \"q\\\"\\n\\t\\u0001\"]"),
              "[\"中文\",\"a/b\",\"q\\\"\\n\\t\\u0001\"]");
    CHECK_STR(canon("[]"), "[]");
    CHECK_STR(canon("{}"), "{}");
    /* floating-point numbers parse but have no canonical text */
    json_t *v = parse("{\"fee\": {\"amount\": 1.5}}");
    char *c = NULL;
    size_t n = 0;
    CHECK(v != NULL);
    CHECK_INT(rk_jsonin_canonical(&c, &n, v), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "'amount'") != NULL);
    CHECK(c == NULL);
    json_decref(v);
    CHECK_STR(canon("[1e3]"), "(refused)");
}

static void test_refusals(void)
{
    CHECK(refused("{\"a\": 1, \"a\": 2}", RK_EFORMAT, "duplicate"));
    CHECK(refused("{\"a\": \"x\\u0000y\"}", RK_EFORMAT, "test input is not valid JSON"));
    CHECK(refused("{\"a\": \"\xff\"}", RK_EFORMAT, "byte"));
    CHECK(refused("{} x", RK_EFORMAT, "end of file expected"));
    CHECK(refused("17", RK_EFORMAT, "expected"));
    CHECK(refused("", RK_EFORMAT, "not valid JSON"));
    CHECK(refused("{\"a\": 1,\n \"b\": }", RK_EFORMAT, "line 2"));
    CHECK(refused("{\"a\": [1, 2}", RK_EFORMAT, "column"));
    CHECK(refused("{\"x\": \"\\ud800\"}", RK_EFORMAT, "invalid Unicode"));
}

static void test_limits(void)
{
    char deep[200];
    json_t *v = NULL;
    int i;
    /* 32 levels pass, 33 do not */
    for (i = 0; i < 32; i++)
        deep[i] = '[';
    for (int k = 0; k < 32; k++)
        deep[i++] = ']';
    deep[i] = '\0';
    CHECK_INT(rk_jsonin_parse(&v, deep, strlen(deep), NULL, "deep"), 0);
    json_decref(v);
    for (i = 0; i < 33; i++)
        deep[i] = '[';
    for (int k = 0; k < 33; k++)
        deep[i++] = ']';
    deep[i] = '\0';
    CHECK(refused(deep, RK_ETOOBIG, "nested deeper than 32 levels at line 1, column 33"));
    /* brackets in strings are text */
    const char *s = "{\"a\": \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[[\"}";
    CHECK_INT(rk_jsonin_parse(&v, s, strlen(s), NULL, "strings"), 0);
    json_decref(v);
    rk_jsonin_limits small = {.max_bytes = 10, .max_depth = 2};
    CHECK_INT(rk_jsonin_parse(&v, "{\"a\": 12345}", 12, &small, "HQ's answer"), RK_ETOOBIG);
    CHECK(strstr(rk_err_msg(), "HQ's answer: 12 bytes, over the limit of 10") != NULL);
    CHECK_INT(rk_jsonin_parse(&v, "[[[1]]]", 7, &small, "x"), RK_ETOOBIG);
    CHECK_INT(rk_jsonin_parse(&v, "[[1]]", 5, &small, "x"), 0);
    json_decref(v);
}

static void test_getters(void)
{
    json_t *v = parse("{\"n\": 5, \"s\": \"abc\", \"t\": true, \"a\": [1, 2, 3], \"o\": {}, "
                      "\"z\": null, \"long\": \"0123456789\"}");
    int64_t n = -1;
    int b = -1;
    char s[11];
    char *d = NULL;
    json_t *m = NULL;
    CHECK(v != NULL);
    CHECK_INT(rk_jsonin_int(&n, v, "n", 1, "the ack"), 0);
    CHECK_INT(n, 5);
    CHECK_INT(rk_jsonin_int(&n, v, "missing", 1, "the ack"), RK_EFORMAT);
    CHECK_STR(rk_err_msg(), "the ack: 'missing' is missing");
    n = 42;
    CHECK_INT(rk_jsonin_int(&n, v, "missing", 0, "the ack"), 0);
    CHECK_INT(n, 42);
    CHECK_INT(rk_jsonin_int(&n, v, "z", 0, "the ack"), 0); /* null: absent */
    CHECK_INT(n, 42);
    CHECK_INT(rk_jsonin_int(&n, v, "s", 1, "the ack"), RK_EFORMAT);
    CHECK_STR(rk_err_msg(), "the ack: 's' is not an integer");
    CHECK_INT(rk_jsonin_bool(&b, v, "t", 1, "x"), 0);
    CHECK_INT(b, 1);
    CHECK_INT(rk_jsonin_bool(&b, v, "n", 1, "x"), RK_EFORMAT);
    CHECK_INT(rk_jsonin_str(s, sizeof s, v, "s", 1, "x"), 0);
    CHECK_STR(s, "abc");
    CHECK_INT(rk_jsonin_str(s, sizeof s, v, "long", 1, "x"), 0); /* exactly fits */
    CHECK_STR(s, "0123456789");
    snprintf(s, sizeof s, "kept");
    CHECK_INT(rk_jsonin_str(s, 10, v, "long", 1, "x"), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "longer than 9 bytes") != NULL);
    CHECK_STR(s, "kept"); /* never cut */
    CHECK_INT(rk_jsonin_str(s, sizeof s, v, "n", 1, "x"), RK_EFORMAT);
    CHECK_INT(rk_jsonin_strdup(&d, v, "s", 1, "x"), 0);
    CHECK_STR(d, "abc");
    free(d);
    CHECK_INT(rk_jsonin_strdup(&d, v, "missing", 0, "x"), 0);
    CHECK(d == NULL);
    CHECK_INT(rk_jsonin_array(&m, v, "a", 3, 1, "x"), 0);
    CHECK(m && json_array_size(m) == 3);
    CHECK_INT(rk_jsonin_array(&m, v, "a", 2, 1, "the batch"), RK_ETOOBIG);
    CHECK_STR(rk_err_msg(), "the batch: 'a' has 3 elements, more than 2");
    CHECK_INT(rk_jsonin_array(&m, v, "o", 9, 1, "x"), RK_EFORMAT);
    CHECK_INT(rk_jsonin_object(&m, v, "o", 1, "x"), 0);
    CHECK(m && json_is_object(m));
    CHECK_INT(rk_jsonin_object(&m, v, "a", 1, "x"), RK_EFORMAT);
    json_t *arr = parse("[1]");
    CHECK_INT(rk_jsonin_int(&n, arr, "n", 0, "a list"), RK_EFORMAT);
    CHECK_STR(rk_err_msg(), "a list is not an object");
    json_decref(arr);
    json_decref(v);
}

static void test_raw(void)
{
    rk_buf b;
    rk_json j;
    const char *payload = "{ \"state\": \"paid\", \"fee_total\": 18000 }";
    rk_buf_init(&b, 1 << 16);
    rk_json_init(&j, &b);
    rk_json_obj_begin(&j);
    rk_json_kint(&j, "seq", 1201);
    rk_json_key(&j, "payload");
    rk_json_raw(&j, payload, strlen(payload));
    rk_json_kbool(&j, "repair", 0);
    rk_json_obj_end(&j);
    CHECK_INT(rk_json_finish(&j), 0);
    CHECK_STR(b.data, "{\"seq\":1201,\"payload\":{\"fee_total\":18000,\"state\":\"paid\"},"
                      "\"repair\":false}");
    json_t *v = parse(b.data);
    CHECK(v != NULL);
    json_decref(v);
    /* malformed text makes the writer fail, and writes nothing of it */
    rk_buf_reset(&b);
    rk_json_init(&j, &b);
    rk_json_arr_begin(&j);
    rk_json_raw(&j, "{\"a\":", 5);
    rk_json_arr_end(&j);
    CHECK_INT(rk_json_finish(&j), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "embedded JSON value") != NULL);
    rk_buf_free(&b);
}

int main(void)
{
    test_integers();
    test_canonical();
    test_refusals();
    test_limits();
    test_getters();
    test_raw();
    return rk_test_done();
}
