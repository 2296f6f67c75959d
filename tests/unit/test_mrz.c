/*
 * Machine-readable zones: the ICAO 9303 specimens (TD3 passport, TD1 card,
 * TD1 with a long document number), the CR travel permit layout, every
 * check digit failing in turn, OCR-ish input and wrong shapes.
 */
#include "test.h"

#include "scan/mrz.h"
#include "util/err.h"

#define NOW 1717200000 /* 2024-06-01 */

static const char *td3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                         "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n";
static const char *td1 = "I<UTOD231458907<<<<<<<<<<<<<<<\n"
                         "7408122F1204159UTO<<<<<<<<<<<6\n"
                         "ERIKSSON<<ANNA<MARIA<<<<<<<<<<\n";

static void test_td3(void)
{
    rk_mrz m;
    CHECK_INT(rk_mrz_parse(&m, td3, NOW), 0);
    CHECK_INT(m.format, RK_MRZ_TD3);
    CHECK_STR(m.doc_code, "P");
    CHECK_STR(m.issuer, "UTO");
    CHECK_STR(m.surname, "ERIKSSON");
    CHECK_STR(m.given, "ANNA MARIA");
    CHECK_STR(m.doc_number, "L898902C3");
    CHECK_STR(m.nationality, "UTO");
    CHECK_STR(m.birth, "1974-08-12");
    CHECK_INT(m.sex, 'F');
    CHECK_STR(m.expiry, "2012-04-15");
    CHECK_INT(m.expired, 1);
    CHECK_STR(m.optional, "ZE184226B");
}

static void test_td1(void)
{
    rk_mrz m;
    CHECK_INT(rk_mrz_parse(&m, td1, NOW), 0);
    CHECK_INT(m.format, RK_MRZ_TD1);
    CHECK_STR(m.doc_code, "I");
    CHECK_STR(m.doc_number, "D23145890");
    CHECK_STR(m.birth, "1974-08-12");
    CHECK_STR(m.expiry, "2012-04-15");
    CHECK_STR(m.surname, "ERIKSSON");
    CHECK_STR(m.given, "ANNA MARIA");
    CHECK_STR(m.nationality, "UTO");
    /* Long document number continued in the optional data. */
    CHECK_INT(rk_mrz_parse(&m,
                           "I<UTOD23145890<7349<<<<<<<<<<<\n"
                           "7408122F1204159UTO<<<<<<<<<<<6\n"
                           "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
                           NOW),
              0);
    CHECK_STR(m.doc_number, "D23145890734");
    CHECK_INT(rk_mrz_parse(&m,
                           "I<UTOD23145890<7348<<<<<<<<<<<\n"
                           "7408122F1204159UTO<<<<<<<<<<<6\n"
                           "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
                           NOW),
              RK_EVERIFY);
}

static void test_permit(void)
{
    rk_mrz m;
    CHECK_INT(rk_mrz_parse(&m,
                           "CRCHNH12345678301<<<<<<<<<<<<<\n"
                           "8503150M3001019CHN<<<<<<<<<<<5\n"
                           "CHAN<<TAI<MAN<<<<<<<<<<<<<<<<<\n",
                           NOW),
              0);
    CHECK_INT(m.format, RK_MRZ_PERMIT);
    CHECK_STR(m.doc_code, "CR");
    CHECK_STR(m.doc_number, "H12345678");
    CHECK_STR(m.optional, "01");
    CHECK_STR(m.birth, "1985-03-15");
    CHECK_STR(m.expiry, "2030-01-01");
    CHECK_INT(m.expired, 0);
    CHECK_STR(m.surname, "CHAN");
    CHECK_STR(m.given, "TAI MAN");
    CHECK_INT(m.sex, 'M');
}

/* Replaces text[pos] with c and expects a check digit failure naming what. */
static void expect_fail(const char *good, size_t pos, const char *what)
{
    char bad[256];
    rk_mrz m;
    snprintf(bad, sizeof bad, "%s", good);
    bad[pos] = bad[pos] == '0' ? '1' : '0';
    int rc = rk_mrz_parse(&m, bad, NOW);
    CHECK_INT(rc, RK_EVERIFY);
    if (!strstr(rk_err_msg(), what))
        fprintf(stderr, "message '%s' does not name '%s'\n", rk_err_msg(), what);
    CHECK(strstr(rk_err_msg(), what) != NULL);
}

static void test_check_digits(void)
{
    /* TD3 line 2 starts at 45. */
    expect_fail(td3, 45 + 9, "document number");
    expect_fail(td3, 45 + 19, "birth date");
    expect_fail(td3, 45 + 27, "expiry date");
    expect_fail(td3, 45 + 42, "personal number");
    expect_fail(td3, 45 + 43, "composite");
    /* TD1: line 1 at 0, line 2 at 31. */
    expect_fail(td1, 14, "document number");
    expect_fail(td1, 31 + 6, "birth date");
    expect_fail(td1, 31 + 14, "expiry date");
    expect_fail(td1, 31 + 29, "composite");
    /* A changed data character is caught by its check digit. */
    char bad[256];
    rk_mrz m;
    snprintf(bad, sizeof bad, "%s", td3);
    bad[45 + 1] = '9'; /* L898.. becomes L998.. */
    CHECK_INT(rk_mrz_parse(&m, bad, NOW), RK_EVERIFY);
    /* A non-digit where a check digit belongs. */
    snprintf(bad, sizeof bad, "%s", td3);
    bad[45 + 9] = 'X';
    CHECK_INT(rk_mrz_parse(&m, bad, NOW), RK_EVERIFY);
    CHECK_INT(rk_mrz_check_digit("L898902C3", 9), 6);
    CHECK_INT(rk_mrz_check_digit("<<<", 3), 0);
    CHECK_INT(rk_mrz_check_digit("a", 1), -1);
}

static void test_ocr_input(void)
{
    rk_mrz m;
    /* Lower case, spaces, CR LF. */
    CHECK_INT(rk_mrz_parse(&m,
                           "p<utoeriksson<<anna<maria<<<<<<< <<<<<<<<<<<<\r\n"
                           " L898902C36UTO7408122F1204159ZE184226B<<<<<10 \r\n",
                           NOW),
              0);
    CHECK_STR(m.surname, "ERIKSSON");
    /* One run of 88 or 90 characters. */
    char run[128];
    snprintf(run, sizeof run, "%.44s%.44s", td3, td3 + 45);
    CHECK_INT(rk_mrz_parse(&m, run, NOW), 0);
    CHECK_STR(m.doc_number, "L898902C3");
    snprintf(run, sizeof run, "%.30s%.30s%.30s", td1, td1 + 31, td1 + 62);
    CHECK_INT(rk_mrz_parse(&m, run, NOW), 0);
    CHECK_INT(m.format, RK_MRZ_TD1);
    /* Wrong shapes. */
    CHECK_INT(rk_mrz_parse(&m, "P<UTOERIKSSON<<ANNA\nL898902C36UTO", NOW), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "44") != NULL);
    CHECK_INT(rk_mrz_parse(&m, "", NOW), RK_EFORMAT);
    CHECK_INT(rk_mrz_parse(&m, "a\nb\nc\nd", NOW), RK_EFORMAT);
    char bad[256];
    snprintf(bad, sizeof bad, "%s", td3);
    bad[10] = '#';
    CHECK_INT(rk_mrz_parse(&m, bad, NOW), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "column 11") != NULL);
    /* An impossible date (month 13) with matching check digit. */
    char d[8] = "741312";
    snprintf(bad, sizeof bad, "%s", td3);
    memcpy(bad + 45 + 13, d, 6);
    CHECK_INT(rk_mrz_parse(&m, bad, NOW), RK_EINVAL);
}

static void test_centuries(void)
{
    rk_mrz m;
    /* Born "240101" with now = 2024-06-01: 2024; "240701": 1924. */
    char l2[64], text[128];
    const char *l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    const char *births[2] = {"240101", "240701"}, *want[2] = {"2024-01-01", "1924-07-01"};
    for (int i = 0; i < 2; i++) {
        char body[64];
        snprintf(body, sizeof body, "L898902C36UTO%s%dF300101%d<<<<<<<<<<<<<<", births[i],
                 rk_mrz_check_digit(births[i], 6), rk_mrz_check_digit("300101", 6));
        size_t n = strlen(body);
        body[n] = (char)('0' + rk_mrz_check_digit(body + 28, 14));
        body[n + 1] = 0;
        char comp[64];
        snprintf(comp, sizeof comp, "%.10s%.7s%.22s", body, body + 13, body + 21);
        snprintf(l2, sizeof l2, "%s%d", body, rk_mrz_check_digit(comp, 39));
        snprintf(text, sizeof text, "%s\n%s", l1, l2);
        CHECK_INT(rk_mrz_parse(&m, text, NOW), 0);
        CHECK_STR(m.birth, want[i]);
        CHECK_STR(m.expiry, "2030-01-01");
        CHECK_INT(m.expired, 0);
    }
}

int main(void)
{
    test_td3();
    test_td1();
    test_permit();
    test_check_digits();
    test_ocr_input();
    test_centuries();
    return rk_test_done();
}
