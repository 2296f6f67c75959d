/*
 * The strings files: the parser's rules and messages, lookups and the
 * placeholder formatter, and the shipped conf/strings/zh-CN.ini and en.ini:
 * both load, have the same keys and placeholders, every prompt has its
 * spoken form (pinyin with tone numbers in Chinese), and every key the
 * widgets ask for is there.
 */
#include "test.h"

#include "ui/strings.h"

#include "util/err.h"

#include <ctype.h>

static int reports;
static void report(void *arg, const char *key, const char *why)
{
    fprintf(stderr, "%s: %s %s\n", (const char *)arg, key, why);
    reports++;
}

static int parse_fails(const char *text, const char *needle)
{
    rk_strings *s = NULL;
    int rc = rk_strings_parse(&s, text, strlen(text), "t.ini");
    rk_strings_free(s);
    if (rc == 0) return 0;
    if (needle && !strstr(rk_err_msg(), needle)) {
        fprintf(stderr, "message '%s' lacks '%s'\n", rk_err_msg(), needle);
        return 0;
    }
    return 1;
}

static void test_parser(void)
{
    rk_strings *s;
    const char *ok = "\xEF\xBB\xBF; comment\n[meta]\nlanguage = zh-CN\nvoice = cmn-latn-pinyin\n"
                     "[chrome]\n  back =  返回  \nmsg = 第一行\\n第二行 \\\\ 完\n"
                     "[prompt]\nx = 请插入\nx.say = qing3 cha1 ru4\n# another comment\n";
    CHECK_INT(rk_strings_parse(&s, ok, strlen(ok), "ok.ini"), 0);
    CHECK_STR(rk_strings_get(s, "chrome.back"), "返回");
    CHECK_STR(rk_strings_get(s, "chrome.msg"), "第一行\n第二行 \\ 完");
    CHECK_STR(rk_strings_say(s, "prompt.x"), "qing3 cha1 ru4");
    CHECK_STR(rk_strings_language(s), "zh-CN");
    CHECK_STR(rk_strings_voice(s), "cmn-latn-pinyin");
    CHECK_STR(rk_strings_name(s), "");
    CHECK(rk_strings_get(s, "chrome.none") == NULL);
    CHECK_INT(rk_strings_count(s), 6);
    CHECK_STR(rk_strings_key(s, 0), "chrome.back"); /* sorted */
    rk_strings_free(s);

    CHECK(parse_fails("[a]\nk = 1\nk = 2\n", "appears twice"));
    CHECK(parse_fails("k = v\n", "t.ini:1: key outside a [section]"));
    CHECK(parse_fails("[a]\n\nnovalue\n", "t.ini:3: expected key = value"));
    CHECK(parse_fails("[a b]\n", "section names"));
    CHECK(parse_fails("[a]\nk k = v\n", "keys use"));
    CHECK(parse_fails("[a]\nk = \xC3\n", "not valid UTF-8"));
    CHECK(parse_fails("[a]\nk = a\x01z\n", "not valid UTF-8"));
    CHECK(parse_fails("[prompt]\nx = 请\n", "has no spoken form"));
    CHECK(parse_fails("[prompt]\nx.say = qing3\n", "not there"));
    CHECK(parse_fails("[a\n", "section"));
    char big[3000];
    memset(big, 'x', sizeof big);
    memcpy(big, "[a]\nk = ", 8);
    big[sizeof big - 1] = '\0';
    CHECK(parse_fails(big, "longer than 2048"));
    CHECK_INT(rk_strings_load(&s, "/nonexistent/zh.ini"), RK_ENOTFOUND);
}

static void test_format(void)
{
    char out[64];
    const char *args[2] = {"30", "张三"};
    CHECK_INT(rk_strings_format(out, sizeof out, "{1} 秒后返回，{2}", args, 2), strlen(out));
    CHECK_STR(out, "30 秒后返回，张三");
    /* A placeholder without its argument stays as it is; printf stays inert. */
    rk_strings_format(out, sizeof out, "{3} %s %n {1}", args, 2);
    CHECK_STR(out, "{3} %s %n 30");
    /* Cut at a code point, always terminated. */
    rk_strings_format(out, 8, "中文中文", NULL, 0);
    CHECK_STR(out, "中文");
    CHECK_INT(rk_strings_placeholders("{1} and {2} {x} {0}"), (1 << 1) | (1 << 2));
}

/* Keys the widgets and the gallery ask for (chrome, keyboard, dialogs). */
static const char *const required[] = {"chrome.back",
                                       "chrome.start_over",
                                       "chrome.call_clerk",
                                       "chrome.large",
                                       "chrome.contrast",
                                       "chrome.language",
                                       "chrome.start_over_title",
                                       "chrome.start_over_message",
                                       "chrome.start_over_yes",
                                       "chrome.start_over_no",
                                       "steps.identity",
                                       "steps.form",
                                       "steps.documents",
                                       "steps.fees",
                                       "steps.payment",
                                       "steps.receipt",
                                       "kb.space",
                                       "kb.enter",
                                       "kb.backspace",
                                       "kb.shift",
                                       "kb.digits",
                                       "kb.latin",
                                       "kb.pinyin",
                                       "kb.stroke",
                                       "kb.punct",
                                       "kb.stroke_h",
                                       "kb.stroke_s",
                                       "kb.stroke_p",
                                       "kb.stroke_n",
                                       "kb.stroke_z",
                                       "rating.1",
                                       "rating.2",
                                       "rating.3",
                                       "rating.4",
                                       "rating.5",
                                       "progress.usually",
                                       "image.zoom_in",
                                       "image.zoom_out",
                                       "image.fit",
                                       "list.empty",
                                       "idle.title",
                                       "idle.message",
                                       "idle.more",
                                       "attract.title",
                                       "prompt.place_id",
                                       "prompt.insert_key",
                                       "prompt.enter_pin",
                                       "prompt.take_receipt",
                                       NULL};

/* A spoken Chinese form: pinyin syllables with tone numbers 1-5, spelt-out
 * capitals (U S B), the word Key, and sentence punctuation. */
static int pinyin_ok(const char *say)
{
    const char *p = say;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '.' || *p == '?' || *p == '!')
            p++;
        if (!*p) break;
        const char *w = p;
        while (*p && *p != ' ' && *p != ',' && *p != '.' && *p != '?' && *p != '!')
            p++;
        size_t n = (size_t)(p - w);
        if (n == 1 && isupper((unsigned char)w[0])) continue;    /* U S B */
        if (n == 3 && !strncmp(w, "Key", 3)) continue;           /* USB Key */
        if (n < 2 || w[n - 1] < '1' || w[n - 1] > '5') return 0; /* tone number */
        for (size_t i = 0; i + 1 < n; i++)
            if (!islower((unsigned char)w[i]) && w[i] != 'v') return 0;
    }
    return 1;
}

static void test_shipped(void)
{
    char zh_path[4200], en_path[4200];
    const char *src = getenv("RK_SOURCE_DIR");
    rk_strings *zh = NULL, *en = NULL;
    snprintf(zh_path, sizeof zh_path, "%s/conf/strings/zh-CN.ini", src ? src : ".");
    snprintf(en_path, sizeof en_path, "%s/conf/strings/en.ini", src ? src : ".");
    CHECK_INT(rk_strings_load(&zh, zh_path), 0);
    if (!zh) fprintf(stderr, "%s\n", rk_err_msg());
    CHECK_INT(rk_strings_load(&en, en_path), 0);
    if (!en) fprintf(stderr, "%s\n", rk_err_msg());
    if (!zh || !en) return;
    reports = 0;
    CHECK_INT(rk_strings_diff(zh, en, report, "missing in en.ini"), 0);
    CHECK_INT(rk_strings_diff(en, zh, report, "missing in zh-CN.ini"), 0);
    CHECK_STR(rk_strings_language(zh), "zh-CN");
    CHECK_STR(rk_strings_language(en), "en");
    CHECK_STR(rk_strings_voice(zh), "cmn-latn-pinyin");
    for (int i = 0; required[i]; i++) {
        if (!rk_strings_get(zh, required[i]) || !rk_strings_get(en, required[i]))
            fprintf(stderr, "required key %s missing\n", required[i]);
        CHECK(rk_strings_get(zh, required[i]) && rk_strings_get(en, required[i]));
    }
    /* Each language's switch names the other language. */
    CHECK_STR(rk_strings_get(zh, "chrome.language"), rk_strings_name(en));
    CHECK_STR(rk_strings_get(en, "chrome.language"), rk_strings_name(zh));
    int prompts = 0;
    for (int i = 0; i < rk_strings_count(zh); i++) {
        const char *k = rk_strings_key(zh, i);
        size_t n = strlen(k);
        if (strncmp(k, "prompt.", 7) || (n > 4 && !strcmp(k + n - 4, ".say"))) continue;
        prompts++;
        const char *say = rk_strings_say(zh, k);
        if (!say || !pinyin_ok(say)) fprintf(stderr, "%s: not pinyin: %s\n", k, say ? say : "-");
        CHECK(say && pinyin_ok(say));
        CHECK(rk_strings_say(en, k) != NULL);
    }
    CHECK(prompts >= 4);
    CHECK(!pinyin_ok("请插入"));
    CHECK(!pinyin_ok("qing cha ru"));
    rk_strings_free(zh);
    rk_strings_free(en);
}

int main(void)
{
    test_parser();
    test_format();
    test_shipped();
    return rk_test_done();
}
