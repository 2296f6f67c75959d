/*
 * The event script parser: every command, escapes, and clear errors with
 * the line for what is wrong.
 */
#include "test.h"

#include "ui/input.h"
#include "ui/player.h"

#include "util/err.h"

static int fails_n(const char *text, size_t n, const char *needle)
{
    rk_script *s = NULL;
    int rc = rk_script_parse(&s, text, n, "s.txt");
    rk_script_free(s);
    if (rc == 0) return 0;
    if (!strstr(rk_err_msg(), needle)) {
        fprintf(stderr, "'%s' lacks '%s'\n", rk_err_msg(), needle);
        return 0;
    }
    return 1;
}

static int fails(const char *text, const char *needle)
{
    return fails_n(text, strlen(text), needle);
}

int main(void)
{
    rk_script *s;
    const char *text = "# a comment\n\ntouch 100 200\ntap form.name\ntap kb.q 3\n"
                       "press 1 2\nmove 3 4\nrelease 5 6\ndrag 10 20 30 40\ndrag 1 1 2 2 4\n"
                       "click 7 8\nwheel -2\ntext 张三 Li\\n\\t\\\\\nkey Return\n"
                       "key BackSpace shift ctrl\nwait 30000\nsleep 10\nscreenshot home-1\n"
                       "expect chrome.back\nexpect-no dialog\napp screen form\nquit\n";
    CHECK_INT(rk_script_parse(&s, text, strlen(text), "t"), 0);
    if (!s) return rk_test_done();
    CHECK_INT(rk_script_count(s), 20);
    const rk_player_cmd *c = rk_script_cmd(s, 0);
    CHECK_INT(c->op, RK_OP_TOUCH);
    CHECK_INT(c->a[0], 100);
    CHECK_INT(c->a[1], 200);
    CHECK_INT(c->line, 3);
    c = rk_script_cmd(s, 1);
    CHECK_INT(c->op, RK_OP_TAP);
    CHECK_STR(c->arg, "form.name");
    CHECK_INT(c->a[0], 1);
    c = rk_script_cmd(s, 2);
    CHECK_STR(c->arg, "kb.q");
    CHECK_INT(c->a[0], 3);
    CHECK_INT(rk_script_cmd(s, 6)->a[4], 0);
    CHECK_INT(rk_script_cmd(s, 7)->a[4], 4);
    CHECK_INT(rk_script_cmd(s, 9)->a[0], -2);
    CHECK_STR(rk_script_cmd(s, 10)->arg, "张三 Li\n\t\\");
    CHECK_INT(rk_script_cmd(s, 11)->a[0], RK_KEY_ENTER);
    CHECK_INT(rk_script_cmd(s, 12)->a[0], RK_KEY_BACKSPACE);
    CHECK_INT(rk_script_cmd(s, 12)->a[1], RK_MOD_SHIFT | RK_MOD_CTRL);
    CHECK_INT(rk_script_cmd(s, 13)->a[0], 30000);
    CHECK_STR(rk_script_cmd(s, 15)->arg, "home-1");
    CHECK_STR(rk_script_cmd(s, 18)->arg, "screen form");
    CHECK_INT(rk_script_cmd(s, 19)->op, RK_OP_QUIT);
    CHECK(rk_script_cmd(s, 20) == NULL);
    rk_script_free(s);

    CHECK(fails("touch 1\n", "s.txt:1: bad arguments for 'touch'"));
    CHECK(fails("\n\njump 1 2\n", "s.txt:3: unknown command 'jump'"));
    CHECK(fails("touch 1 2 3\n", "bad arguments"));
    CHECK(fails("touch a b\n", "bad arguments"));
    CHECK(fails("key NoSuchKey\n", "bad arguments for 'key'"));
    CHECK(fails("key Return meta\n", "bad arguments for 'key'"));
    CHECK(fails("screenshot ../../etc/x\n", "bad arguments for 'screenshot'"));
    CHECK(fails("screenshot a/b\n", "bad arguments"));
    CHECK(fails("wait -5\n", "bad arguments"));
    CHECK(fails("wait 99999999999\n", "bad arguments"));
    CHECK(fails("text\n", "bad arguments"));
    CHECK(fails("tap\n", "bad arguments"));
    CHECK(fails_n("touch 1\x00 2\n", 11, "NUL"));
    char longline[RK_PLAYER_MAX_LINE + 20];
    memset(longline, 'a', sizeof longline);
    memcpy(longline, "text ", 5);
    longline[sizeof longline - 1] = '\0';
    CHECK(fails(longline, "longer than"));
    CHECK_INT(rk_script_load(&s, "/nonexistent/script"), RK_ENOTFOUND);
    CHECK_INT(rk_input_key_from_name("return"), RK_KEY_ENTER);
    CHECK_INT(rk_input_key_from_name("F12"), RK_KEY_F12);
    CHECK_STR(rk_input_key_name(RK_KEY_PAGEDOWN), "PageDown");
    return rk_test_done();
}
