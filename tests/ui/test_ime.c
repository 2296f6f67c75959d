/*
 * Pinyin and stroke input through librime with the cache built at build
 * time (ui/rime/build-rime-cache): "zhongguo" gives 中国 among the first
 * candidates, pages differ and move on, choosing commits, a partial choice
 * keeps composing, backspace edits, stroke mode gives candidates, and a
 * missing cache is an error rather than an empty candidate bar.
 */
#include "test.h"

#include "ui/ime.h"

#include "util/err.h"

static rk_ime *ime;

static void type(const char *keys)
{
    for (const char *k = keys; *k; k++)
        CHECK_INT(rk_ime_key(ime, *k), 0);
}

static int find(const rk_ime_view *v, const char *text)
{
    for (int i = 0; i < v->n; i++)
        if (!strcmp(v->text[i], text)) return i;
    return -1;
}

int main(void)
{
    char dir[4096], staging[4200], out[256];
    rk_ime_view v, v2;
    rk_test_tmpdir(dir, sizeof dir);
    /* The cache this build made is found (unless installed over it). */
    CHECK_INT(rk_ime_find_cache(staging, sizeof staging), 0);
    setenv("RAKIOSK_RIME_DIR", dir, 1);
    char none[4200];
    CHECK_INT(rk_ime_find_cache(none, sizeof none), RK_ENOTFOUND);
    CHECK(strstr(rk_err_msg(), "build-rime-cache") != NULL);
    unsetenv("RAKIOSK_RIME_DIR");

    /* No data: an error that says so, not an empty bar. */
    rk_ime_paths bad = {dir, dir, dir};
    CHECK_INT(rk_ime_open(&ime, &bad), 0);
    int rc = rk_ime_ready(ime);
    CHECK(rc == RK_ENOTFOUND || rc == RK_ECONF);
    CHECK(strstr(rk_err_msg(), "Rime") != NULL);
    rk_ime_free(ime);

    rk_ime_paths p = {NULL, staging, dir};
    CHECK_INT(rk_ime_open(&ime, &p), 0);
    rk_ime *second;
    CHECK_INT(rk_ime_open(&second, &p), RK_EBUSY); /* one per process */
    CHECK_INT(rk_ime_ready(ime), 0);
    if (rk_ime_ready(ime)) {
        fprintf(stderr, "%s\n", rk_err_msg());
        return rk_test_done();
    }
    CHECK(!rk_ime_composing(ime));

    type("zhongguo");
    CHECK(rk_ime_composing(ime));
    CHECK_INT(rk_ime_view_get(ime, &v, 0, 8), 0);
    CHECK(v.composing);
    CHECK(strstr(v.preedit, "zhong") != NULL); /* the composition as typed */
    CHECK_INT(v.n, 8);
    CHECK(v.has_next);
    CHECK(!v.has_prev);
    int at = find(&v, "中国");
    CHECK(at >= 0 && at < 3);
    /* The next page holds other candidates. */
    CHECK_INT(rk_ime_view_get(ime, &v2, 8, 8), 0);
    CHECK(v2.n > 0 && v2.has_prev);
    CHECK_INT(v2.first, 8);
    for (int i = 0; i < v2.n; i++)
        CHECK(find(&v, v2.text[i]) < 0);
    /* Choosing commits the whole composition. */
    CHECK_INT(rk_ime_select(ime, at, out, sizeof out), 1);
    CHECK_STR(out, "中国");
    CHECK(!rk_ime_composing(ime));

    /* A partial choice keeps composing the rest. */
    type("zhongguo");
    rk_ime_view_get(ime, &v, 0, 10);
    int zhong = find(&v, "中");
    CHECK(zhong >= 0);
    CHECK_INT(rk_ime_select(ime, zhong, out, sizeof out), 0);
    CHECK(rk_ime_composing(ime));
    rk_ime_view_get(ime, &v, 0, 10);
    CHECK(strstr(v.preedit, "中") != NULL);
    int guo = find(&v, "国");
    CHECK(guo >= 0);
    CHECK_INT(rk_ime_select(ime, guo, out, sizeof out), 1);
    CHECK_STR(out, "中国");

    /* Backspace edits the composition; Enter gives the letters. */
    type("beijingx");
    CHECK_INT(rk_ime_backspace(ime), 1);
    rk_ime_view_get(ime, &v, 0, 10);
    CHECK(find(&v, "北京") >= 0);
    CHECK_INT(rk_ime_commit_raw(ime, out, sizeof out), 1);
    CHECK_STR(out, "beijing");
    CHECK_INT(rk_ime_backspace(ime), 0);
    CHECK_INT(rk_ime_key(ime, '1'), RK_EINVAL);

    /* Strokes: 一丨丿丶 (h s p n) is 木 among the first. */
    CHECK_INT(rk_ime_set_mode(ime, RK_IME_STROKE), 0);
    CHECK_INT(rk_ime_get_mode(ime), RK_IME_STROKE);
    CHECK_INT(rk_ime_key(ime, 'a'), RK_EINVAL);
    type("hspn");
    CHECK_INT(rk_ime_view_get(ime, &v, 0, 10), 0);
    CHECK(v.n > 0);
    CHECK(find(&v, "木") >= 0);
    rk_ime_clear(ime);
    CHECK(!rk_ime_composing(ime));

    /* The idle wipe drops the session and keeps working. */
    CHECK_INT(rk_ime_set_mode(ime, RK_IME_PINYIN), 0);
    type("zhang");
    rk_ime_reset(ime);
    CHECK(!rk_ime_composing(ime));
    type("zhang");
    rk_ime_view_get(ime, &v, 0, 10);
    CHECK(find(&v, "张") >= 0);
    rk_ime_free(ime);
    rk_ime_free(NULL);
    rk_test_rmtree(dir);
    return rk_test_done();
}
