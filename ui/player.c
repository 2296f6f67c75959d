/*
 * The scripted-event player (see player.h): a line parser into a fixed
 * array of commands, and a stepper that feeds them to the backend one
 * event per idle point.
 */
#include "player.h"

#include "input.h"

#include "util/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct rk_script {
    rk_player_cmd *cmds;
    int n;
    char *arena;
    size_t used, cap;
};

struct rk_player {
    const rk_script *s;
    rk_ui *ui;
    char shots[4096];
    rk_player_app_fn app;
    void *app_arg;
    int pc;    /* next command */
    int phase; /* within a multi-event command */
    int x, y;  /* where the current gesture is */
    int count; /* taps left */
    int nshots;
    char error[512];
};

static const struct {
    const char *word;
    rk_player_op op;
    int nums; /* numbers it takes (required) */
    int opt;  /* optional numbers after them */
    int rest; /* takes the rest of the line */
} ops[] = {
    {"touch", RK_OP_TOUCH, 2, 0, 0},
    {"tap", RK_OP_TAP, 0, 0, 1},
    {"press", RK_OP_PRESS, 2, 0, 0},
    {"move", RK_OP_MOVE, 2, 0, 0},
    {"release", RK_OP_RELEASE, 2, 0, 0},
    {"drag", RK_OP_DRAG, 4, 1, 0},
    {"click", RK_OP_CLICK, 2, 0, 0},
    {"wheel", RK_OP_WHEEL, 1, 0, 0},
    {"text", RK_OP_TEXT, 0, 0, 1},
    {"key", RK_OP_KEY, 0, 0, 1},
    {"wait", RK_OP_WAIT, 1, 0, 0},
    {"sleep", RK_OP_SLEEP, 1, 0, 0},
    {"screenshot", RK_OP_SCREENSHOT, 0, 0, 1},
    {"expect", RK_OP_EXPECT, 0, 0, 1},
    {"expect-no", RK_OP_EXPECT_NO, 0, 0, 1},
    {"app", RK_OP_APP, 0, 0, 1},
    {"quit", RK_OP_QUIT, 0, 0, 0},
};

static int arena_add(rk_script *s, const char *p, size_t n, const char **out)
{
    if (s->used + n + 1 > s->cap) return -1;
    memcpy(s->arena + s->used, p, n);
    s->arena[s->used + n] = '\0';
    *out = s->arena + s->used;
    s->used += n + 1;
    return 0;
}

static int parse_num(const char **p, const char *end, int *out)
{
    const char *q = *p;
    long v = 0;
    int neg = 0, digits = 0;
    while (q < end && (*q == ' ' || *q == '\t'))
        q++;
    if (q < end && (*q == '-' || *q == '+')) neg = *q++ == '-';
    while (q < end && *q >= '0' && *q <= '9') {
        v = v * 10 + (*q++ - '0');
        digits++;
        if (v > 1000000000L) return -1;
    }
    if (!digits || (q < end && *q != ' ' && *q != '\t')) return -1;
    *out = (int)(neg ? -v : v);
    *p = q;
    return 0;
}

static int valid_shot_name(const char *s)
{
    if (!*s || strlen(s) > 120 || s[0] == '.') return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return 0;
    return 1;
}

static int parse_key(rk_player_cmd *c, const char *rest)
{
    char buf[128];
    char *save = NULL, *tok;
    snprintf(buf, sizeof buf, "%s", rest);
    tok = strtok_r(buf, " \t", &save);
    if (!tok) return -1;
    rk_key k = rk_input_key_from_name(tok);
    if (k == RK_KEY_NONE) return -1;
    c->a[0] = k;
    while ((tok = strtok_r(NULL, " \t", &save))) {
        if (!strcasecmp(tok, "shift"))
            c->a[1] |= RK_MOD_SHIFT;
        else if (!strcasecmp(tok, "ctrl"))
            c->a[1] |= RK_MOD_CTRL;
        else if (!strcasecmp(tok, "alt"))
            c->a[1] |= RK_MOD_ALT;
        else
            return -1;
    }
    return 0;
}

int rk_script_parse(rk_script **out, const char *buf, size_t len, const char *name)
{
    rk_script *s;
    const char *p = buf, *end = buf + len;
    int line = 0;
    *out = NULL;
    if (len > (size_t)RK_PLAYER_MAX_COMMANDS * RK_PLAYER_MAX_LINE)
        return rk_err_set(RK_ETOOBIG, "%s: script too large", name);
    if (!(s = calloc(1, sizeof *s))) return rk_err_oom();
    s->cap = len + 1;
    s->arena = malloc(s->cap);
    s->cmds = calloc(RK_PLAYER_MAX_COMMANDS, sizeof *s->cmds);
    if (!s->arena || !s->cmds) {
        rk_script_free(s);
        return rk_err_oom();
    }
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p)), *l, *le, *w;
        if (!eol) eol = end;
        line++;
        l = p;
        le = eol;
        p = eol + 1;
        while (l < le && (*l == ' ' || *l == '\t'))
            l++;
        while (le > l && (le[-1] == ' ' || le[-1] == '\t' || le[-1] == '\r'))
            le--;
        if (l == le || *l == '#') continue;
        if (le - l > RK_PLAYER_MAX_LINE) {
            rk_script_free(s);
            return rk_err_set(RK_ETOOBIG, "%s:%d: line longer than %d bytes", name, line,
                              RK_PLAYER_MAX_LINE);
        }
        if (memchr(l, '\0', (size_t)(le - l))) {
            rk_script_free(s);
            return rk_err_set(RK_EFORMAT, "%s:%d: NUL byte", name, line);
        }
        for (w = l; w < le && *w != ' ' && *w != '\t'; w++) {
        }
        size_t wl = (size_t)(w - l);
        int found = -1;
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
            if (strlen(ops[i].word) == wl && !memcmp(ops[i].word, l, wl)) found = (int)i;
        if (found < 0) {
            rk_script_free(s);
            return rk_err_set(RK_EFORMAT, "%s:%d: unknown command '%.*s'", name, line, (int)wl, l);
        }
        if (s->n >= RK_PLAYER_MAX_COMMANDS) {
            rk_script_free(s);
            return rk_err_set(RK_ETOOBIG, "%s:%d: more than %d commands", name, line,
                              RK_PLAYER_MAX_COMMANDS);
        }
        rk_player_cmd *c = &s->cmds[s->n];
        memset(c, 0, sizeof *c);
        c->op = ops[found].op;
        c->line = line;
        const char *q = w;
        int bad = 0;
        for (int i = 0; i < ops[found].nums && !bad; i++)
            bad = parse_num(&q, le, &c->a[i]) != 0;
        for (int i = 0; i < ops[found].opt && !bad; i++) {
            const char *save = q;
            while (q < le && (*q == ' ' || *q == '\t'))
                q++;
            if (q == le) {
                q = save;
                break;
            }
            bad = parse_num(&q, le, &c->a[ops[found].nums + i]) != 0;
        }
        while (q < le && (*q == ' ' || *q == '\t'))
            q++;
        if (!bad && ops[found].rest) {
            char tmp[RK_PLAYER_MAX_LINE + 1];
            size_t n = 0;
            /* The text keeps inner spaces; \n, \t and \\ are escapes. */
            for (const char *r = q; r < le; r++) {
                if (c->op == RK_OP_TEXT && *r == '\\' && r + 1 < le &&
                    (r[1] == 'n' || r[1] == 't' || r[1] == 's' || r[1] == '\\')) {
                    tmp[n++] = r[1] == 'n' ? '\n' : r[1] == 't' ? '\t' : r[1] == 's' ? ' ' : '\\';
                    r++;
                } else {
                    tmp[n++] = *r;
                }
            }
            if (n == 0 && c->op != RK_OP_APP) bad = 1;
            if (!bad && arena_add(s, tmp, n, &c->arg)) bad = 1;
            if (!bad && c->op == RK_OP_TAP) {
                /* tap ID [N] */
                char *sp = strrchr((char *)c->arg, ' ');
                c->a[0] = 1;
                if (sp) {
                    const char *num = sp + 1;
                    int v;
                    if (parse_num(&num, num + strlen(num), &v) == 0 && v > 0 && v <= 100) {
                        c->a[0] = v;
                        *sp = '\0';
                    }
                }
            }
            if (!bad && c->op == RK_OP_KEY) bad = parse_key(c, c->arg) != 0;
            if (!bad && c->op == RK_OP_SCREENSHOT) bad = !valid_shot_name(c->arg);
        } else if (!bad && q != le) {
            bad = 1;
        }
        if (!bad && (c->op == RK_OP_WAIT || c->op == RK_OP_SLEEP) &&
            (c->a[0] < 0 || c->a[0] > 3600000))
            bad = 1;
        if (!bad && c->op == RK_OP_DRAG && (c->a[4] < 0 || c->a[4] > 200)) bad = 1;
        if (bad) {
            rk_script_free(s);
            return rk_err_set(RK_EFORMAT, "%s:%d: bad arguments for '%s'", name, line,
                              ops[found].word);
        }
        s->n++;
    }
    *out = s;
    return 0;
}

int rk_script_load(rk_script **out, const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long len;
    int rc;
    *out = NULL;
    if (!f)
        return rk_err_set(errno == ENOENT ? RK_ENOTFOUND : RK_EIO, "%s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        fclose(f);
        return rk_err_set(RK_EIO, "%s: cannot read", path);
    }
    if (!(buf = malloc((size_t)len + 1))) {
        fclose(f);
        return rk_err_oom();
    }
    if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(buf);
        return rk_err_set(RK_EIO, "%s: short read", path);
    }
    fclose(f);
    rc = rk_script_parse(out, buf, (size_t)len, path);
    free(buf);
    return rc;
}

void rk_script_free(rk_script *s)
{
    if (!s) return;
    free(s->cmds);
    free(s->arena);
    free(s);
}

int rk_script_count(const rk_script *s)
{
    return s->n;
}

const rk_player_cmd *rk_script_cmd(const rk_script *s, int i)
{
    return i >= 0 && i < s->n ? &s->cmds[i] : NULL;
}

int rk_player_new(rk_player **out, const rk_script *script, rk_ui *ui, const char *shots_dir,
                  rk_player_app_fn app, void *app_arg)
{
    rk_player *p;
    *out = NULL;
    if (!(p = calloc(1, sizeof *p))) return rk_err_oom();
    p->s = script;
    p->ui = ui;
    if (shots_dir) snprintf(p->shots, sizeof p->shots, "%s", shots_dir);
    p->app = app;
    p->app_arg = app_arg;
    *out = p;
    return 0;
}

void rk_player_free(rk_player *p)
{
    free(p);
}

const char *rk_player_error(const rk_player *p)
{
    return p->error;
}

int rk_player_shots(const rk_player *p)
{
    return p->nshots;
}

static int failed(rk_player *p, const rk_player_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int failed(rk_player *p, const rk_player_cmd *c, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->error, sizeof p->error, "script line %d: %s", c->line, msg);
    return RK_PLAYER_FAILED;
}

static void next(rk_player *p)
{
    p->pc++;
    p->phase = 0;
}

int rk_player_step(rk_player *p)
{
    rk_backend *be = rk_ui_backend(p->ui);
    if (p->pc >= p->s->n) return RK_PLAYER_DONE;
    const rk_player_cmd *c = &p->s->cmds[p->pc];
    rk_rect r;
    int dis = 0;
    switch (c->op) {
    case RK_OP_TOUCH:
        rk_backend_inject_touch(be, p->phase == 0 ? 0 : 2, c->a[0], c->a[1]);
        if (p->phase++ == 1) next(p);
        break;
    case RK_OP_TAP:
        if (p->phase == 0) {
            int found = 0;
            for (int i = 0; i < rk_ui_hit_count(p->ui); i++) {
                rk_rect hr;
                int d;
                const char *id = rk_ui_hit(p->ui, i, &hr, &d);
                if (!strcmp(id, c->arg)) {
                    r = hr;
                    dis = d > 0;
                    found = 1;
                    break;
                }
            }
            if (!found) return failed(p, c, "tap %s: not on screen", c->arg);
            if (dis) return failed(p, c, "tap %s: disabled", c->arg);
            p->x = r.x + r.w / 2;
            p->y = r.y + r.h / 2;
            p->count = c->a[0];
        }
        rk_backend_inject_touch(be, p->phase % 2 == 0 ? 0 : 2, p->x, p->y);
        p->phase++;
        if (p->phase >= 2 * p->count) next(p);
        break;
    case RK_OP_PRESS:
        rk_backend_inject_touch(be, 0, c->a[0], c->a[1]);
        next(p);
        break;
    case RK_OP_MOVE:
        rk_backend_inject_touch(be, 1, c->a[0], c->a[1]);
        next(p);
        break;
    case RK_OP_RELEASE:
        rk_backend_inject_touch(be, 2, c->a[0], c->a[1]);
        next(p);
        break;
    case RK_OP_DRAG: {
        int steps = c->a[4] > 0 ? c->a[4] : 8;
        if (p->phase == 0) {
            rk_backend_inject_touch(be, 0, c->a[0], c->a[1]);
        } else if (p->phase <= steps) {
            int x = c->a[0] + (c->a[2] - c->a[0]) * p->phase / steps;
            int y = c->a[1] + (c->a[3] - c->a[1]) * p->phase / steps;
            rk_backend_inject_touch(be, 1, x, y);
        } else {
            rk_backend_inject_touch(be, 2, c->a[2], c->a[3]);
            next(p);
            break;
        }
        p->phase++;
        break;
    }
    case RK_OP_CLICK:
        if (p->phase == 0) rk_backend_inject_mouse(be, 1, c->a[0], c->a[1]);
        rk_backend_inject_mouse(be, p->phase == 0 ? 0 : 2, c->a[0], c->a[1]);
        if (p->phase++ == 1) next(p);
        break;
    case RK_OP_WHEEL:
        rk_backend_inject_wheel(be, c->a[0]);
        next(p);
        break;
    case RK_OP_TEXT:
        rk_backend_inject_text(be, c->arg);
        next(p);
        break;
    case RK_OP_KEY:
        rk_backend_inject_key(be, (rk_key)c->a[0], c->a[1]);
        next(p);
        break;
    case RK_OP_WAIT:
        rk_ui_advance_clock(p->ui, c->a[0]);
        rk_ui_redraw_in(p->ui, 0);
        next(p);
        break;
    case RK_OP_SLEEP: {
        struct timespec ts = {c->a[0] / 1000, (long)(c->a[0] % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        rk_ui_redraw_in(p->ui, 0);
        next(p);
        break;
    }
    case RK_OP_SCREENSHOT:
        if (p->shots[0]) {
            char path[4300];
            snprintf(path, sizeof path, "%s/%s.png", p->shots, c->arg);
            if (rk_backend_screenshot(be, path, 0) != 0) return failed(p, c, "%s", rk_err_msg());
            p->nshots++;
        }
        next(p);
        break;
    case RK_OP_EXPECT:
        if (!rk_ui_find(p->ui, c->arg, NULL)) return failed(p, c, "expected %s on screen", c->arg);
        next(p);
        break;
    case RK_OP_EXPECT_NO:
        if (rk_ui_find(p->ui, c->arg, NULL))
            return failed(p, c, "%s should not be on screen", c->arg);
        next(p);
        break;
    case RK_OP_APP:
        if (!p->app) return failed(p, c, "%s", "this program takes no app commands");
        if (p->app(p->app_arg, c->arg) != 0) return failed(p, c, "app: %s", rk_err_msg());
        rk_ui_redraw_in(p->ui, 0);
        next(p);
        break;
    case RK_OP_QUIT: p->pc = p->s->n; return RK_PLAYER_DONE;
    }
    return p->pc >= p->s->n ? RK_PLAYER_DONE : RK_PLAYER_RUNNING;
}
