/*
 * The fee-lines reader (domain/feelines.h): the shape the ledger writes,
 * whitespace and key order, escapes, and every refusal naming its place.
 */
#include "test.h"

#include "domain/feelines.h"
#include "domain/fees.h"
#include "util/err.h"

static int parse(rk_feeline *l, int *n, const char *s)
{
    return rk_feelines_parse(l, n, s, strlen(s));
}

static void test_ledger_shape(void)
{
    rk_feeline l[RK_FEELINES_MAX];
    int n = -1;
    int64_t total = 0;
    CHECK_INT(parse(l, &n,
                    "[{\"code\":\"certificate\",\"label\":\"证书费\",\"fen\":30000},"
                    "{\"code\":\"medium\",\"label\":\"USB Key 介质费\",\"fen\":5950}]"),
              0);
    CHECK_INT(n, 2);
    CHECK_STR(l[0].code, "certificate");
    CHECK_STR(l[0].label, "证书费");
    CHECK_INT(l[0].fen, 30000);
    CHECK_STR(l[1].label, "USB Key 介质费");
    CHECK_INT(rk_feelines_total(l, n, &total), 0);
    CHECK_INT(total, 35950);
    CHECK_INT(parse(l, &n, "[]"), 0);
    CHECK_INT(n, 0);
    CHECK_INT(parse(l, &n, " \n[ ]\t"), 0);
}

static void test_order_ws_escapes(void)
{
    rk_feeline l[RK_FEELINES_MAX];
    int n;
    CHECK_INT(parse(l, &n,
                    " [ { \"fen\" : -2000 , \"label\" : \"\\u4f18\\u60e0 \\\"a\\\\b\\/\" ,"
                    " \"code\" : \"discount\" } ] "),
              0);
    CHECK_INT(n, 1);
    CHECK_STR(l[0].label, "优惠 \"a\\b/");
    CHECK_INT(l[0].fen, -2000);
    CHECK_INT(parse(l, &n, "[{\"code\":\"x\",\"label\":\"\\ud840\\udc00\",\"fen\":0}]"), 0);
    CHECK_STR(l[0].label, "\xf0\xa0\x80\x80"); /* U+20000 */
    CHECK_INT(parse(l, &n, "[{\"code\":\"x\",\"label\":\"\",\"fen\":100000000}]"), 0);
    CHECK_INT(l[0].fen, RK_FEN_MAX);
}

static void refused(const char *text, int code, const char *msg)
{
    rk_feeline l[RK_FEELINES_MAX];
    int n = 7;
    int rc = parse(l, &n, text);
    CHECK_INT(rc, code);
    CHECK_INT(n, 0);
    if (msg && !strstr(rk_err_msg(), msg)) {
        rk_test_failed++;
        fprintf(stderr, "input %s: message '%s' lacks '%s'\n", text, rk_err_msg(), msg);
    }
}

static void test_refusals(void)
{
    refused("", RK_EFORMAT, "expected '['");
    refused("{}", RK_EFORMAT, "at byte 0");
    refused("[{\"code\":\"x\",\"label\":\"a\",\"fen\":1},", RK_EFORMAT, NULL);
    refused("[{\"code\":\"x\",\"label\":\"a\",\"fen\":1.5}]", RK_EFORMAT, "whole number");
    refused("[{\"code\":\"x\",\"label\":\"a\",\"fen\":1e3}]", RK_EFORMAT, "whole number");
    refused("[{\"code\":\"x\",\"label\":\"a\",\"fen\":012}]", RK_EFORMAT, "leading zero");
    refused("[{\"code\":\"x\",\"label\":\"a\",\"fen\":100000001}]", RK_EFORMAT, "range");
    refused("[{\"code\":\"x\",\"label\":\"a\",\"fen\":\"1\"}]", RK_EFORMAT, NULL);
    refused("[{\"code\":\"x\",\"label\":\"a\"}]", RK_EFORMAT, "lacks");
    refused("[{\"code\":\"x\",\"code\":\"y\",\"label\":\"a\",\"fen\":1}]", RK_EFORMAT, "repeated");
    refused("[{\"code\":\"x\",\"label\":\"a\",\"fen\":1,\"extra\":2}]", RK_EFORMAT, "unknown key");
    refused("[{\"code\":\"\",\"label\":\"a\",\"fen\":1}]", RK_EFORMAT, "empty code");
    refused("[{\"code\":\"x\",\"label\":\"\\ud840\",\"fen\":1}]", RK_EFORMAT, "surrogate");
    refused("[{\"code\":\"x\",\"label\":\"\\udc00\",\"fen\":1}]", RK_EFORMAT, "surrogate");
    refused("[{\"code\":\"x\",\"label\":\"\\u0000\",\"fen\":1}]", RK_EFORMAT, "U+0000");
    refused("[{\"code\":\"x\",\"label\":\"\\q\",\"fen\":1}]", RK_EFORMAT, "escape");
    refused("[{\"code\":\"x\",\"label\":\"a\nb\",\"fen\":1}]", RK_EFORMAT, "control");
    refused("[{\"code\":\"x\",\"label\":\"\xc3\x28\",\"fen\":1}]", RK_EFORMAT, "UTF-8");
    refused("[{\"code\":\"x\",\"label\":\"\xed\xa0\x80\",\"fen\":1}]", RK_EFORMAT, "UTF-8");
    refused("[] x", RK_EFORMAT, "trailing");
    refused("[{\"code\":\"0123456789012345678901234567890123\",\"label\":\"a\",\"fen\":1}]",
            RK_EFORMAT, "code longer than 31 bytes");

    char big[2048] = "[";
    for (int i = 0; i <= RK_FEELINES_MAX; i++)
        strcat(big, i ? ",{\"code\":\"x\",\"label\":\"a\",\"fen\":1}"
                      : "{\"code\":\"x\",\"label\":\"a\",\"fen\":1}");
    strcat(big, "]");
    refused(big, RK_ETOOBIG, "more than 16 lines");

    /* an embedded NUL is a control character, not the end */
    rk_feeline l[RK_FEELINES_MAX];
    int n;
    CHECK_INT(rk_feelines_parse(l, &n, "[]\0", 3), RK_EFORMAT);
    static char huge[RK_FEELINES_MAX_LEN + 2];
    memset(huge, ' ', sizeof huge - 1);
    huge[0] = '[';
    huge[sizeof huge - 2] = ']';
    CHECK_INT(rk_feelines_parse(l, &n, huge, sizeof huge - 1), RK_ETOOBIG);
}

static void test_total_range(void)
{
    rk_feeline l[2] = {{"a", "a", RK_FEN_MAX}, {"b", "b", 1}};
    int64_t t = 0;
    CHECK_INT(rk_feelines_total(l, 2, &t), RK_EFORMAT);
    l[1].fen = -RK_FEN_MAX;
    CHECK_INT(rk_feelines_total(l, 2, &t), 0);
    CHECK_INT(t, 0);
}

int main(void)
{
    test_ledger_shape();
    test_order_ws_escapes();
    test_refusals();
    test_total_range();
    return rk_test_done();
}
