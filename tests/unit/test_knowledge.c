/*
 * The knowledge base (domain/knowledge.h): the shipped conf/knowledge.ini
 * loads and every seed error code finds its own article; searches by
 * Chinese and English words rank the right article first; and every
 * malformed file is refused whole, naming its line.
 */
#include "test.h"

#include "domain/knowledge.h"
#include "util/err.h"

#include <stdio.h>

static rk_knowledge *shipped(void)
{
    char path[4096];
    const char *src = getenv("RK_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/conf/knowledge.ini", src ? src : ".");
    rk_knowledge *kb = NULL;
    int rc = rk_knowledge_load(&kb, path);
    if (rc) fprintf(stderr, "%s\n", rk_err_msg());
    CHECK_INT(rc, 0);
    return kb;
}

/* The ID of the best hit for q, or "" when nothing matched. */
static const char *best(const rk_knowledge *kb, const char *q)
{
    rk_knowledge_hit h[8];
    int n = -1;
    CHECK_INT(rk_knowledge_search(kb, q, h, 8, &n), 0);
    return n > 0 ? h[0].entry->id : "";
}

static int hits(const rk_knowledge *kb, const char *q)
{
    rk_knowledge_hit h[RK_KNOWLEDGE_MAX];
    int n = -1;
    CHECK_INT(rk_knowledge_search(kb, q, h, RK_KNOWLEDGE_MAX, &n), 0);
    for (int i = 1; i < n; i++)
        CHECK(h[i - 1].score >= h[i].score);
    return n;
}

static void test_shipped_codes(void)
{
    rk_knowledge *kb = shipped();
    if (!kb) return;
    CHECK(rk_knowledge_count(kb) >= 7);
    static const char *const codes[] = {"-10101011", "-10101019", "-10101029", "-10101039",
                                        "-10101042"};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        const rk_knowledge_entry *e = rk_knowledge_by_code(kb, codes[i]);
        CHECK(e != NULL);
        if (!e) continue;
        CHECK_STR(e->code, codes[i]);
        CHECK(e->answer_zh[0] && e->answer_en[0] && e->title_zh[0] && e->title_en[0]);
        CHECK_STR(best(kb, codes[i]), codes[i]);
        CHECK_STR(best(kb, codes[i] + 1), codes[i]); /* the digits alone */
        char spaced[64];
        snprintf(spaced, sizeof spaced, "  错误 %s ？", codes[i]);
        CHECK_STR(best(kb, spaced), codes[i]);
    }
    rk_knowledge_hit h[4];
    int n;
    CHECK_INT(rk_knowledge_search(kb, "-10101011", h, 4, &n), 0);
    CHECK(n >= 1 && h[0].score == 1000);
    CHECK(rk_knowledge_by_code(kb, "-99999999") == NULL);
    CHECK(rk_knowledge_by_code(kb, "pin-locked") == NULL);
    CHECK_STR(rk_knowledge_find(kb, "pin-locked")->title_en,
              "Too many wrong PINs: the key is locked");
    CHECK(rk_knowledge_find(kb, "nope") == NULL);
    CHECK_STR(rk_knowledge_get(kb, 0)->id, "-10101011");
    CHECK(rk_knowledge_get(kb, rk_knowledge_count(kb)) == NULL);
    CHECK(rk_knowledge_get(kb, -1) == NULL);
    rk_knowledge_free(kb);
}

static void test_shipped_words(void)
{
    rk_knowledge *kb = shipped();
    if (!kb) return;
    CHECK_STR(best(kb, "锁定"), "pin-locked");
    CHECK_STR(best(kb, "LOCKED"), "pin-locked"); /* any case */
    CHECK_STR(best(kb, "unlock"), "pin-locked");
    CHECK_STR(best(kb, "根证书"), "-10101029");
    CHECK_STR(best(kb, "root certificate"), "-10101029");
    CHECK_STR(best(kb, "过期"), "-10101039");
    CHECK_STR(best(kb, "证书过期了"), "-10101039"); /* pairs: 证书 过期 */
    CHECK_STR(best(kb, "身份不一致"), "identity-mismatch");
    CHECK_STR(best(kb, "签名失败，怎么办？"), "-10101019");
    CHECK_STR(best(kb, "expired renew"), "-10101039");
    CHECK_STR(best(kb, "USB接口"), "-10101042");
    CHECK(hits(kb, "驱动") >= 2); /* -10101011 and -10101019 both say it */
    CHECK(hits(kb, "PIN") >= 2);
    CHECK_INT(hits(kb, "天气预报"), 0);
    CHECK_INT(hits(kb, "zzzz"), 0);
    /* no terms: every entry in file order */
    CHECK_INT(hits(kb, ""), rk_knowledge_count(kb));
    CHECK_INT(hits(kb, " ，。 ?"), rk_knowledge_count(kb));
    rk_knowledge_hit h[2];
    int n = -1;
    CHECK_INT(rk_knowledge_search(kb, "", h, 2, &n), 0);
    CHECK_INT(n, 2); /* max respected */
    CHECK_STR(h[0].entry->id, "-10101011");
    CHECK_INT(rk_knowledge_search(kb, "\xE8\xAF", h, 2, &n), RK_EINVAL);
    CHECK_INT(n, 0);
    /* a very long query is cut, not refused */
    char longq[2000];
    memset(longq, 'a', sizeof longq - 1);
    longq[sizeof longq - 1] = '\0';
    CHECK_INT(rk_knowledge_search(kb, longq, h, 2, &n), 0);
    CHECK_INT(n, 0);
    rk_knowledge_free(kb);
}

static int parse_err(const char *text, const char *want)
{
    rk_knowledge *kb = (rk_knowledge *)1;
    int rc = rk_knowledge_parse(&kb, text, strlen(text), "kb.ini");
    CHECK(kb == NULL);
    if (!strstr(rk_err_msg(), want)) {
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", rk_err_msg(), want);
        CHECK(0);
    }
    return rc;
}

#define ENTRY(id) "[entry " id "]\ntitle_zh = 标题\ntitle_en = T\nanswer_zh = 答\nanswer_en = A\n"

static void test_format(void)
{
    rk_knowledge *kb = NULL;
    const char *ok = "\xEF\xBB\xBF; comment\r\n# another\n\n[ entry  a.b_c-1 ]\r\n"
                     "title_zh=标题\ntitle_en =  T  \nanswer_zh = 第一行\\n第二行 \\\\ \n"
                     "answer_en = A\nkeywords = 甲 , beta，丙\ncode = -123456\n" ENTRY("-777777");
    CHECK_INT(rk_knowledge_parse(&kb, ok, strlen(ok), "kb.ini"), 0);
    CHECK_INT(rk_knowledge_count(kb), 2);
    const rk_knowledge_entry *e = rk_knowledge_get(kb, 0);
    CHECK_STR(e->id, "a.b_c-1");
    CHECK_STR(e->title_en, "T");
    CHECK_STR(e->answer_zh, "第一行\n第二行 \\");
    CHECK_STR(e->code, "-123456");
    CHECK_STR(rk_knowledge_get(kb, 1)->code, "-777777"); /* from its ID */
    CHECK_STR(best(kb, "beta"), "a.b_c-1");
    CHECK_STR(best(kb, "丙"), "a.b_c-1");
    CHECK_STR(best(kb, "123456"), "a.b_c-1");
    CHECK_STR(best(kb, "777777"), "-777777");
    rk_knowledge_free(kb);

    CHECK_INT(rk_knowledge_parse(&kb, "", 0, "kb.ini"), 0); /* empty: no entries */
    CHECK_INT(rk_knowledge_count(kb), 0);
    CHECK_STR(best(kb, "x"), "");
    rk_knowledge_free(kb);

    CHECK_INT(parse_err("title_zh = x\n", "kb.ini:1: a key before"), RK_ECONF);
    CHECK_INT(parse_err(ENTRY("a") "\n[entry a]\n", "kb.ini:7: [entry a] is given twice"),
              RK_ECONF);
    CHECK_INT(parse_err("[entry a]\ntitle_zh = x\n", "kb.ini:1: [entry a] lacks title_en"),
              RK_ECONF);
    CHECK_INT(parse_err(ENTRY("a") "[entry b]\ntitle_zh = x\n[entry c]\n",
                        "kb.ini:6: [entry b] lacks title_en"),
              RK_ECONF);
    CHECK_INT(parse_err(ENTRY("-5555555") ENTRY("b") "code = 5555555\n",
                        "kb.ini:6: [entry b] has the code of [entry -5555555]"),
              RK_ECONF);
    CHECK_INT(parse_err(ENTRY("a") "titel_zh = x\n", "kb.ini:6: unknown key 'titel_zh'"), RK_ECONF);
    CHECK_INT(parse_err(ENTRY("a") "title_zh = x\n", "kb.ini:6: title_zh is given twice"),
              RK_ECONF);
    CHECK_INT(parse_err("[entry a]\ntitle_zh =\n", "kb.ini:2: title_zh is empty"), RK_ECONF);
    CHECK_INT(parse_err("[section a]\n", "kb.ini:1: sections are [entry ID]"), RK_ECONF);
    CHECK_INT(parse_err("[entry a\n", "must end with ']'"), RK_ECONF);
    CHECK_INT(parse_err("[entry a b]\n", "an entry's ID"), RK_ECONF);
    CHECK_INT(parse_err("[entry ]\n", "sections are"), RK_ECONF);
    CHECK_INT(parse_err(ENTRY("a") "what\n", "kb.ini:6: expected 'key = value'"), RK_ECONF);
    CHECK_INT(parse_err(ENTRY("a") "code = 12ab\n", "kb.ini:6: code is an error code"), RK_ECONF);
    CHECK_INT(parse_err(ENTRY("a") "keywords = a\\tb\n", "only \\n and \\\\ are escapes"),
              RK_ECONF);
    CHECK_INT(parse_err(ENTRY("a") "keywords = a\\\n", "only \\n"), RK_ECONF);
    CHECK_INT(parse_err("[entry a]\ntitle_zh = \xE8\xAF\n", "kb.ini:2: the line is not UTF-8"),
              RK_ECONF);
    const char nul[] = "[entry a]\ntitle_zh = a\0b\n";
    kb = (rk_knowledge *)1;
    CHECK_INT(rk_knowledge_parse(&kb, nul, sizeof nul - 1, "kb.ini"), RK_ECONF);
    CHECK(kb == NULL && strstr(rk_err_msg(), "kb.ini:2: the line holds a NUL byte"));

    /* values over their size are refused, never cut */
    static char big[RK_KNOWLEDGE_FILE_MAX + 2];
    int o = snprintf(big, sizeof big, "[entry a]\ntitle_zh = ");
    for (int i = 0; i < RK_KNOWLEDGE_TITLE_MAX; i++)
        big[o++] = 'x';
    big[o] = '\0';
    CHECK_INT(parse_err(big, "kb.ini:2: title_zh is longer than 255 bytes"), RK_ECONF);
    /* too many entries */
    o = 0;
    for (int i = 0; i <= RK_KNOWLEDGE_MAX; i++)
        o += snprintf(big + o, sizeof big - o, ENTRY("e%d"), i);
    CHECK_INT(parse_err(big, "more than 256 entries"), RK_ECONF);
    /* too large a file */
    memset(big, '\n', sizeof big - 1);
    kb = (rk_knowledge *)1;
    CHECK_INT(rk_knowledge_parse(&kb, big, sizeof big - 1, "kb.ini"), RK_ETOOBIG);
    CHECK(kb == NULL);

    CHECK_INT(rk_knowledge_load(&kb, "/nonexistent/knowledge.ini"), RK_ENOTFOUND);
    CHECK(kb == NULL && strstr(rk_err_msg(), "/nonexistent/knowledge.ini"));
    rk_knowledge_free(NULL);
}

int main(void)
{
    test_shipped_codes();
    test_shipped_words();
    test_format();
    return rk_test_done();
}
