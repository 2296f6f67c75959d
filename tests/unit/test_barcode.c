/*
 * Scanned payloads: our receipt codes, business licence QRs with and
 * without the credit code in clear text, other codes; and line assembly
 * from a scanner's bytes (CR, LF, CR LF, overlong lines).
 */
#include "test.h"

#include "scan/barcode.h"
#include "util/err.h"

static void classify(rk_barcode *b, const char *s, int want_rc)
{
    CHECK_INT(rk_barcode_classify(b, s, strlen(s)), want_rc);
}

static void test_receipt(void)
{
    rk_barcode b;
    classify(&b, "RAK1:BJ-DC01:2024-000123", 0);
    CHECK_INT(b.kind, RK_BARCODE_ORDER);
    CHECK_STR(b.branch, "BJ-DC01");
    CHECK_STR(b.order_ref, "2024-000123");
    classify(&b, "RAK1:BJ01:R42:v2-extra", 0);
    CHECK_STR(b.order_ref, "R42");
    classify(&b, "RAK1:BJ01", RK_EFORMAT);
    classify(&b, "RAK1::R42", RK_EFORMAT);
    classify(&b, "RAK1:BJ01:", RK_EFORMAT);
    classify(&b, "RAK1:BJ 01:R42", RK_EFORMAT);
    classify(&b, "RAK1:BJ01:R42'; drop", RK_EFORMAT);
    char longref[128];
    snprintf(longref, sizeof longref, "RAK1:B:%050d", 7);
    classify(&b, longref, RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "too long") != NULL);
    /* Lower-case prefix is not ours. */
    classify(&b, "rak1:BJ01:R42", 0);
    CHECK_INT(b.kind, RK_BARCODE_UNKNOWN);
}

static void test_licence(void)
{
    rk_barcode b;
    CHECK(rk_barcode_credit_code_ok("91350100M000100Y43"));
    CHECK(rk_barcode_credit_code_ok("91110000600037341L"));
    CHECK(!rk_barcode_credit_code_ok("91350100M000100Y44"));
    CHECK(!rk_barcode_credit_code_ok("91350100M000100Y4"));
    CHECK(!rk_barcode_credit_code_ok("91350100I000100Y43")); /* I is not in the alphabet */

    classify(&b, "http://www.gsxt.gov.cn/index?uniscid=91350100M000100Y43&type=1", 0);
    CHECK_INT(b.kind, RK_BARCODE_LICENCE);
    CHECK_STR(b.credit_code, "91350100M000100Y43");
    classify(&b, "统一社会信用代码：91110000600037341L 名称：某某有限公司", 0);
    CHECK_INT(b.kind, RK_BARCODE_LICENCE);
    CHECK_STR(b.credit_code, "91110000600037341L");
    classify(&b, "91110000600037341l", 0); /* lower-case check character */
    CHECK_STR(b.credit_code, "91110000600037341L");
    /* A wrong check character is not taken for a code. */
    classify(&b, "https://www.gsxt.gov.cn/x?uniscid=91350100M000100Y44", 0);
    CHECK_INT(b.kind, RK_BARCODE_LICENCE_OPAQUE);
    CHECK(strstr(b.hint, "by hand") != NULL);
    /* The encrypted national-system link. */
    classify(&b, "http://www.gsxt.gov.cn/%7B3A5F9E0C1B2D4E6F8A7B9C0D1E2F3A4B%7D", 0);
    CHECK_INT(b.kind, RK_BARCODE_LICENCE_OPAQUE);
    /* 18 characters glued inside a longer token do not count. */
    classify(&b, "X91350100M000100Y43", 0);
    CHECK_INT(b.kind, RK_BARCODE_UNKNOWN);
}

static void test_unknown(void)
{
    rk_barcode b;
    classify(&b, "6901234567892", 0);
    CHECK_INT(b.kind, RK_BARCODE_UNKNOWN);
    classify(&b, "", 0);
    CHECK_INT(b.kind, RK_BARCODE_UNKNOWN);
    static char big[RK_BARCODE_MAX_LINE + 2];
    memset(big, 'A', sizeof big - 1);
    classify(&b, big, RK_ETOOBIG);
}

typedef struct lines {
    char got[8][64];
    int n, errors;
} lines;

static int on_line(const char *line, size_t len, int rc, void *arg)
{
    lines *l = arg;
    if (rc) {
        l->errors++;
        return 0;
    }
    if (l->n < 8) snprintf(l->got[l->n], sizeof l->got[0], "%.*s", (int)len, line);
    l->n++;
    return 0;
}

static void test_lines(void)
{
    rk_barcode_lines la;
    lines l;
    memset(&l, 0, sizeof l);
    rk_barcode_lines_init(&la);
    const char *in = "one\rtwo\nthree\r\nfour\r\r\nfi";
    /* Byte by byte, as a keyboard wedge delivers it. */
    for (const char *p = in; *p; p++)
        rk_barcode_lines_feed(&la, p, 1, on_line, &l);
    CHECK_INT(l.n, 4);
    rk_barcode_lines_feed(&la, "ve", 2, on_line, &l);
    rk_barcode_lines_finish(&la, on_line, &l);
    CHECK_INT(l.n, 5);
    CHECK_STR(l.got[0], "one");
    CHECK_STR(l.got[1], "two");
    CHECK_STR(l.got[2], "three");
    CHECK_STR(l.got[3], "four");
    CHECK_STR(l.got[4], "five");
    /* An overlong line is reported once and dropped; the next one is fine. */
    static char big[RK_BARCODE_MAX_LINE + 100];
    memset(big, 'x', sizeof big);
    memset(&l, 0, sizeof l);
    rk_barcode_lines_feed(&la, big, sizeof big, on_line, &l);
    rk_barcode_lines_feed(&la, "\nok\n", 4, on_line, &l);
    CHECK_INT(l.errors, 1);
    CHECK_INT(l.n, 1);
    CHECK_STR(l.got[0], "ok");
}

int main(void)
{
    test_receipt();
    test_licence();
    test_unknown();
    test_lines();
    return rk_test_done();
}
