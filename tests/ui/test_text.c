/*
 * UTF-8 handling and line wrapping (ui/utf8, ui/wrap): malformed input,
 * boundaries, CJK breaking anywhere, Latin at spaces, punctuation rules.
 */
#include "test.h"

#include "ui/utf8.h"
#include "ui/wrap.h"

/* Every code point is 10 px wide, a space too: easy to reason about. */
static int fixed(void *arg, const char *s, size_t n)
{
    (void)arg;
    return (int)rk_utf8_count(s, n) * 10;
}

static void line_is(const char *s, const rk_wrap_line *l, const char *want)
{
    char got[256];
    snprintf(got, sizeof got, "%.*s", (int)l->len, s + l->start);
    CHECK_STR(got, want);
}

static void test_utf8(void)
{
    uint32_t cp;
    char buf[8];
    CHECK_INT(rk_utf8_decode("中", 3, &cp), 3);
    CHECK_INT(cp, 0x4E2D);
    CHECK_INT(rk_utf8_decode("\xF0\xA0\x80\x80", 4, &cp), 4);
    CHECK_INT(cp, 0x20000);
    /* Truncated, overlong, surrogate, stray continuation: one U+FFFD byte each. */
    CHECK_INT(rk_utf8_decode("\xE4\xB8", 2, &cp), 1);
    CHECK_INT(cp, RK_UTF8_REPLACEMENT);
    CHECK_INT(rk_utf8_decode("\xC0\xAF", 2, &cp), 1);
    CHECK_INT(cp, RK_UTF8_REPLACEMENT);
    CHECK_INT(rk_utf8_decode("\xED\xA0\x80", 3, &cp), 1);
    CHECK_INT(cp, RK_UTF8_REPLACEMENT);
    CHECK_INT(rk_utf8_decode("\x80", 1, &cp), 1);
    CHECK_INT(rk_utf8_decode("", 0, &cp), 0);
    CHECK_INT(rk_utf8_encode(0x20000, buf), 4);
    CHECK(!memcmp(buf, "\xF0\xA0\x80\x80", 4));
    CHECK_INT(rk_utf8_encode(0xD800, buf), 3); /* a surrogate becomes U+FFFD */
    CHECK_INT(rk_utf8_count("a中\xF0\xA0\x80\x80", 8), 3);
    CHECK_INT(rk_utf8_prev("a中", 4), 1);
    CHECK_INT(rk_utf8_prev("a中", 1), 0);
    CHECK_INT(rk_utf8_prev("a\x80", 2), 1);
    CHECK_INT(rk_utf8_fit("中国", 6, 5), 3);
    CHECK_INT(rk_utf8_fit("中国", 6, 2), 0);
    CHECK_INT(rk_utf8_fit("中国", 6, 99), 6);
    CHECK(rk_utf8_valid_text("身份证 ID\n", 12));
    CHECK(!rk_utf8_valid_text("a\x01", 2));
    CHECK(!rk_utf8_valid_text("\xE4\xB8", 2));
    CHECK(rk_utf8_is_cjk(0x4E2D) && rk_utf8_is_cjk(0x20000) && rk_utf8_is_cjk(0x3002));
    CHECK(!rk_utf8_is_cjk('a'));
}

static void test_wrap(void)
{
    rk_wrap_line l[16];
    const char *zh = "请将身份证放在读卡区";
    /* 10 characters at 10 px in 45 px: 4 + 4 + 2, breaking anywhere. */
    int n = rk_wrap_text(l, 16, zh, strlen(zh), 45, fixed, NULL);
    CHECK_INT(n, 3);
    line_is(zh, &l[0], "请将身份");
    line_is(zh, &l[1], "证放在读");
    line_is(zh, &l[2], "卡区");
    CHECK_INT(l[0].width, 40);

    /* Latin breaks at spaces, and the spaces are not kept at line ends. */
    const char *en = "Place your ID card";
    n = rk_wrap_text(l, 16, en, strlen(en), 100, fixed, NULL);
    CHECK_INT(n, 2);
    line_is(en, &l[0], "Place your");
    line_is(en, &l[1], "ID card");
    n = rk_wrap_text(l, 16, en, strlen(en), 70, fixed, NULL);
    CHECK_INT(n, 3);
    line_is(en, &l[0], "Place");
    line_is(en, &l[1], "your ID");
    line_is(en, &l[2], "card");

    /* A word longer than the line is cut between characters. */
    const char *longw = "DEMO01-20260315-0042";
    n = rk_wrap_text(l, 16, longw, strlen(longw), 80, fixed, NULL);
    CHECK_INT(n, 3);
    line_is(longw, &l[0], "DEMO01-2");
    line_is(longw, &l[2], "0042");

    /* Closing punctuation never starts a line: it stays with its word. */
    const char *p = "请核对后重新输入。谢谢";
    n = rk_wrap_text(l, 16, p, strlen(p), 80, fixed, NULL);
    CHECK(n >= 2);
    for (int i = 1; i < n && i < 16; i++) {
        uint32_t cp;
        rk_utf8_decode(p + l[i].start, l[i].len, &cp);
        CHECK(!rk_utf8_no_line_start(cp));
    }
    /* Opening brackets never end a line. */
    const char *b = "申请表（盖章）";
    n = rk_wrap_text(l, 16, b, strlen(b), 40, fixed, NULL);
    for (int i = 0; i < n && i < 16; i++) {
        size_t end = l[i].start + l[i].len;
        size_t prev = rk_utf8_prev(b, end);
        uint32_t cp;
        rk_utf8_decode(b + prev, end - prev, &cp);
        CHECK(!rk_utf8_no_line_end(cp) || i == n - 1);
    }
    /* Mixed text: CJK then a Latin word. */
    const char *m = "插入USB Key后";
    n = rk_wrap_text(l, 16, m, strlen(m), 60, fixed, NULL);
    CHECK_INT(n, 2);
    line_is(m, &l[0], "插入USB");
    line_is(m, &l[1], "Key后");

    /* Newlines always break; the empty text is one empty line. */
    n = rk_wrap_text(l, 16, "ab\ncd", 5, 1000, fixed, NULL);
    CHECK_INT(n, 2);
    line_is("ab\ncd", &l[1], "cd");
    CHECK_INT(rk_wrap_text(l, 16, "", 0, 100, fixed, NULL), 1);
    CHECK_INT(l[0].len, 0);
    /* More lines than stored: the count says so. */
    n = rk_wrap_text(l, 2, zh, strlen(zh), 15, fixed, NULL);
    CHECK_INT(n, 10);
    /* Malformed bytes are counted, never read past the end. */
    n = rk_wrap_text(l, 16, "ab\xE4", 3, 20, fixed, NULL);
    CHECK_INT(n, 2);
}

int main(void)
{
    test_utf8();
    test_wrap();
    return rk_test_done();
}
