/*
 * Unit tests of the util layer: bounded buffers, the JSON writer, error
 * messages, the injectable clock, UUIDs, UTF-8 and the English words of
 * messages (plurals and articles).
 */
#include "test.h"

#include "util/buf.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/json.h"
#include "util/utf8.h"
#include "util/uuid.h"
#include "util/words.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void test_buf_limit(void)
{
    rk_buf b;
    rk_buf_init(&b, 10);
    CHECK_INT(rk_buf_puts(&b, "0123456789"), 0);
    CHECK_INT(b.len, 10);
    CHECK_INT(rk_buf_puts(&b, "x"), RK_ETOOBIG);
    CHECK_INT(b.len, 10);
    CHECK_STR(b.data, "0123456789");
    rk_buf_reset(&b);
    CHECK_INT(rk_buf_printf(&b, "%d-%s", 42, "ab"), 0);
    CHECK_STR(b.data, "42-ab");
    CHECK_INT(rk_buf_printf(&b, "%s", "too long for ten"), RK_ETOOBIG);
    CHECK_STR(b.data, "42-ab");
    rk_buf_free(&b);
    CHECK(b.data == NULL);
    rk_buf_init(&b, 1000);
    char *s = rk_buf_take(&b);
    CHECK_STR(s, "");
    free(s);
}

static void test_json(void)
{
    rk_buf b;
    rk_json j;
    rk_buf_init(&b, 4096);
    rk_json_init(&j, &b);
    rk_json_obj_begin(&j);
    rk_json_kstr(&j, "name", "王\"五\"\n");
    rk_json_kint(&j, "n", -5);
    rk_json_key(&j, "list");
    rk_json_arr_begin(&j);
    rk_json_int(&j, 1);
    rk_json_bool(&j, 0);
    rk_json_str(&j, NULL);
    rk_json_obj_begin(&j);
    rk_json_obj_end(&j);
    rk_json_arr_end(&j);
    rk_json_kstr(&j, "ctl", "\x01");
    rk_json_obj_end(&j);
    CHECK_INT(rk_json_finish(&j), 0);
    CHECK_STR(
        b.data,
        "{\"name\":\"王\\\"五\\\"\\n\",\"n\":-5,\"list\":[1,false,null,{}],\"ctl\":\"\\u0001\"}");
    rk_buf_free(&b);

    rk_buf_init(&b, 8);
    rk_json_init(&j, &b);
    rk_json_obj_begin(&j);
    rk_json_kstr(&j, "long", "does not fit");
    rk_json_obj_end(&j);
    CHECK_INT(rk_json_finish(&j), RK_ETOOBIG);
    rk_buf_free(&b);

    /* Decimal integers of any size (CRL numbers), and what is not one. */
    rk_buf_init(&b, 256);
    rk_json_init(&j, &b);
    rk_json_arr_begin(&j);
    rk_json_dec(&j, "0");
    rk_json_dec(&j, "1461501637330902918203684832716283019655932542975");
    rk_json_arr_end(&j);
    CHECK_INT(rk_json_finish(&j), 0);
    CHECK_STR(b.data, "[0,1461501637330902918203684832716283019655932542975]");
    rk_buf_free(&b);
    const char *bad[] = {"", "-1", "12a", "007", "1e5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rk_buf_init(&b, 64);
        rk_json_init(&j, &b);
        rk_json_dec(&j, bad[i]);
        CHECK_INT(rk_json_finish(&j), RK_EINVAL);
        rk_buf_free(&b);
    }
}

static void test_err(void)
{
    CHECK_INT(rk_err_set(RK_EINVAL, "field %s", "x"), RK_EINVAL);
    CHECK_STR(rk_err_msg(), "field x");
    rk_err_wrap(RK_EINVAL, "order %d", 7);
    CHECK_STR(rk_err_msg(), "order 7: field x");
    rk_err_clear();
    CHECK_STR(rk_err_msg(), "");
    CHECK_STR(rk_err_name(RK_ENOTFOUND), "not found");
}

static int64_t fixed_clock(void *arg)
{
    return *(int64_t *)arg;
}

static void test_clock(void)
{
    int64_t t;
    CHECK_INT(rk_clock_parse(&t, "2026-03-02T09:30:00+08:00"), 0);
    CHECK_INT(t, 1772415000);
    CHECK_INT(rk_clock_parse(&t, "2026-03-02T01:30:00Z"), 0);
    CHECK_INT(t, 1772415000);
    CHECK_INT(rk_clock_parse(&t, "@12345"), 0);
    CHECK_INT(t, 12345);
    CHECK_INT(rk_clock_parse(&t, "2026-13-02"), RK_EINVAL);
    CHECK_INT(rk_clock_parse(&t, "2026-03-02T9:30"), RK_EINVAL);
    CHECK_INT(rk_clock_parse(&t, "2026-03-02T09:30:00+8"), RK_EINVAL);
    CHECK_INT(rk_clock_parse(&t, "yesterday"), RK_EINVAL);

    int64_t now = 1772415000;
    rk_clock_set(fixed_clock, &now);
    CHECK_INT(rk_clock_now(), 1772415000);
    now += 86400;
    CHECK_INT(rk_clock_now(), 1772501400);
    rk_clock_set(NULL, NULL);
    CHECK(rk_clock_now() > 1700000000);

    char out[32];
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    rk_clock_format(out, 1772415000);
    CHECK_STR(out, "2026-03-02T09:30:00+08:00");
}

static void test_uuid(void)
{
    char a[37], b[37];
    CHECK_INT(rk_uuid_v4(a), 0);
    CHECK_INT(rk_uuid_v4(b), 0);
    CHECK_INT(strlen(a), 36);
    CHECK(strcmp(a, b) != 0);
    CHECK(a[14] == '4');
    CHECK(strchr("89ab", a[19]) != NULL);
}

/* UTF-8: strict sequences, copies and mending that never leave half a
 * character, JSON that stays JSON, error messages that stay UTF-8. */
static void test_utf8(void)
{
    uint32_t cp = 0;
    CHECK_INT(rk_utf8_seq("A", 1, &cp), 1);
    CHECK_INT(cp, 'A');
    CHECK_INT(rk_utf8_seq("\xe5\x88\xb6", 3, &cp), 3); /* 制 */
    CHECK_INT(cp, 0x5236);
    CHECK_INT(rk_utf8_seq("\xf0\xa0\x80\x80", 4, &cp), 4);  /* U+20000 */
    CHECK_INT(rk_utf8_seq("\xe5\x88", 2, NULL), 0);         /* cut */
    CHECK_INT(rk_utf8_seq("\xc0\xaf", 2, NULL), 0);         /* overlong '/' */
    CHECK_INT(rk_utf8_seq("\xe0\x80\xaf", 3, NULL), 0);     /* overlong */
    CHECK_INT(rk_utf8_seq("\xed\xa0\x80", 3, NULL), 0);     /* a surrogate */
    CHECK_INT(rk_utf8_seq("\xf4\x90\x80\x80", 4, NULL), 0); /* past U+10FFFF */
    CHECK_INT(rk_utf8_seq("\x80", 1, NULL), 0);
    CHECK(rk_utf8_valid("新申请（审核通过，制证中）", strlen("新申请（审核通过，制证中）")));
    CHECK(!rk_utf8_valid("制\xe8", 4));

    /* The label that was cut: 39 bytes into 32 keeps whole characters. */
    char small[32], big[64];
    const char *label = "新申请（审核通过，制证中）";
    CHECK_INT((int)rk_utf8_copy(small, sizeof small, label), 30);
    CHECK_STR(small, "新申请（审核通过，制");
    CHECK_INT((int)rk_utf8_copy(big, sizeof big, label), (int)strlen(label));
    CHECK_STR(big, label);
    CHECK_INT((int)rk_utf8_copy(small, sizeof small,
                                "a\xff"
                                "b\xe5\x88"),
              2);
    CHECK_STR(small, "ab");
    CHECK_INT((int)rk_utf8_copy(small, 1, label), 0);
    CHECK_STR(small, "");

    /* Mending what snprintf cut, in place. */
    char cut[16];
    snprintf(cut, sizeof cut, "%s", label); /* 15 bytes: 制 loses its end */
    CHECK(!rk_utf8_valid(cut, strlen(cut)) || strlen(cut) % 3 == 0);
    rk_utf8_mend(cut);
    CHECK(rk_utf8_valid(cut, strlen(cut)));
    CHECK_STR(cut, "新申请（审");
    char mixed[] = "ok\xe8 then\x80 more";
    CHECK_INT((int)rk_utf8_mend(mixed), 12);
    CHECK_STR(mixed, "ok then more");

    /* Error messages with a '%.4s' of a name stay UTF-8. */
    rk_err_set(RK_EINVAL, "name '%.4s' refused", "王小明");
    CHECK(rk_utf8_valid(rk_err_msg(), strlen(rk_err_msg())));
    CHECK_STR(rk_err_msg(), "name '王' refused");

    /* JSON: a cut character becomes U+FFFD, whole ones pass. */
    rk_buf b;
    rk_json j;
    rk_buf_init(&b, 256);
    rk_json_init(&j, &b);
    rk_json_obj_begin(&j);
    rk_json_kstr(&j, "s", "制\xe8");
    rk_json_kstr(&j, "t", "证中");
    rk_json_obj_end(&j);
    CHECK_INT(rk_json_finish(&j), 0);
    CHECK_STR(b.data, "{\"s\":\"制\\ufffd\",\"t\":\"证中\"}");
    rk_buf_free(&b);

    /* Display columns: a Chinese character takes two, a combining mark none. */
    CHECK_INT(rk_utf8_width("Li Si"), 5);
    CHECK_INT(rk_utf8_width("王小明"), 6);
    CHECK_INT(rk_utf8_width("ＡＢ1"), 5);
    CHECK_INT(rk_utf8_width("e\xcc\x81"), 1);
    CHECK_INT(rk_utf8_width("a\xff"), 2);
    char pad[32];
    rk_utf8_pad(pad, sizeof pad, "王小明", 8);
    CHECK_STR(pad, "王小明  ");
    rk_utf8_pad(pad, sizeof pad, "Li Si", 8);
    CHECK_STR(pad, "Li Si   ");
    rk_utf8_pad(pad, sizeof pad, "王小明王小明", 4);
    CHECK_STR(pad, "王小明王小明");
    rk_utf8_pad(pad, 8, "王小明", 10); /* bounded: whole characters, as much padding as fits */
    CHECK_STR(pad, "王小 ");
}

/* One written form of certificate serials, from every form one meets. */
static void test_serial_form(void)
{
    char out[RK_HEX_SERIAL_MAX];
    static const char *const same[] = {"a1b2c",    "0A1B2C",   "0x0a1b2c",
                                       "0a:1b:2c", "000A1B2C", "A1B2C"};
    for (int i = 0; i < 6; i++) {
        CHECK_INT(rk_hex_serial(out, sizeof out, same[i]), 0);
        CHECK_STR(out, "0A1B2C");
    }
    CHECK_INT(rk_hex_serial(out, sizeof out, "4cbef20fcca7c73b9cf3883283445ce0"), 0);
    CHECK_STR(out, "4CBEF20FCCA7C73B9CF3883283445CE0");
    CHECK_INT(rk_hex_serial(out, sizeof out, "0"), 0);
    CHECK_STR(out, "00");
    CHECK_INT(rk_hex_serial(out, sizeof out, "12G4"), RK_EINVAL);
    CHECK_STR(out, "");
    CHECK_INT(rk_hex_serial(out, 4, "12345"), RK_EINVAL);
    CHECK_INT(rk_hex_serial(out, sizeof out, NULL), RK_EINVAL);
}

static void test_words(void)
{
    CHECK_STR(rk_plural(1, "try", "tries"), "try");
    CHECK_STR(rk_plural(0, "try", "tries"), "tries");
    CHECK_STR(rk_plural(2, "order", "orders"), "orders");
    CHECK_STR(rk_plural(-1, "day", "days"), "day");
    CHECK_STR(rk_article("organisation"), "an");
    CHECK_STR(rk_article("individual"), "an");
    CHECK_STR(rk_article("unlock"), "an");
    CHECK_STR(rk_article("escrowed key"), "an");
    CHECK_STR(rk_article("Approved order"), "an");
    CHECK_STR(rk_article("revocation"), "a");
    CHECK_STR(rk_article("change of details"), "a");
    CHECK_STR(rk_article("unit"), "a");
    CHECK_STR(rk_article("usable key"), "a");
    CHECK_STR(rk_article("one-time code"), "a");
    CHECK_STR(rk_article(""), "a");
    CHECK_STR(rk_article(NULL), "a");
}

int main(void)
{
    test_buf_limit();
    test_json();
    test_err();
    test_clock();
    test_uuid();
    test_utf8();
    test_words();
    test_serial_form();
    return rk_test_done();
}
