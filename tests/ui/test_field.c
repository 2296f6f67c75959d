/*
 * Fields' pure parts: masking of ID numbers, mobiles and PINs, what each
 * kind accepts, the length and buffer bounds, UTF-8-safe backspace.
 */
#include "test.h"

#include "ui/field.h"

int main(void)
{
    char out[128], buf[32];
    rk_field_mask(RK_FIELD_ID, "11010519491231002X", out, sizeof out);
    CHECK_STR(out, "110105********002X");
    rk_field_mask(RK_FIELD_MOBILE, "13812345678", out, sizeof out);
    CHECK_STR(out, "138****5678");
    rk_field_mask(RK_FIELD_ID, "1101", out, sizeof out); /* short: all hidden */
    CHECK_STR(out, "****");
    rk_field_mask(RK_FIELD_PIN, "123456", out, sizeof out);
    CHECK_STR(out, "●●●●●●");
    rk_field_mask(RK_FIELD_TEXT, "张三", out, sizeof out);
    CHECK_STR(out, "张三");
    rk_field_mask(RK_FIELD_PIN, "123456", out, 7); /* bounded */
    CHECK_STR(out, "●●");

    buf[0] = '\0';
    rk_field id = {buf, sizeof buf, RK_FIELD_ID, 18, NULL};
    CHECK(rk_field_insert(&id, "1101 0519-49x", 13));
    CHECK_STR(buf, "1101051949X"); /* spaces and dashes dropped, x upper case */
    CHECK(rk_field_insert(&id, "12310021999", 11));
    CHECK_INT(strlen(buf), 18); /* at most 18 characters */
    CHECK(!rk_field_insert(&id, "1", 1));
    CHECK(rk_field_backspace(&id, 2));
    CHECK_INT(strlen(buf), 16);

    buf[0] = '\0';
    rk_field name = {buf, 8, RK_FIELD_TEXT, 0, NULL};
    CHECK(rk_field_insert(&name, "张三丰", 9)); /* 8 bytes: two characters and the NUL */
    CHECK_STR(buf, "张三");
    CHECK(rk_field_backspace(&name, 1));
    CHECK_STR(buf, "张");
    CHECK(!rk_field_insert(&name, "\x01\x7F", 2)); /* control characters are not text */
    CHECK(rk_field_backspace(&name, 5));
    CHECK_STR(buf, "");
    CHECK(!rk_field_backspace(&name, 1));

    buf[0] = '\0';
    rk_field mobile = {buf, sizeof buf, RK_FIELD_MOBILE, 11, NULL};
    CHECK(rk_field_insert(&mobile, "138-1234-5678-9", 15));
    CHECK_STR(buf, "13812345678");
    buf[0] = '\0';
    rk_field pin = {buf, sizeof buf, RK_FIELD_PIN, 8, NULL};
    CHECK(rk_field_insert(&pin, "12 34中", 8));
    CHECK_STR(buf, "1234");
    return rk_test_done();
}
