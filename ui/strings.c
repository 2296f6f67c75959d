/*
 * Strings files: a small line parser, a sorted key table and the
 * placeholder formatter (see strings.h).
 *
 * The whole file lives in one arena: keys and unescaped values as
 * NUL-terminated strings, an index of offsets sorted by key for bsearch.
 */
#define _GNU_SOURCE
#include "strings.h"

#include "utf8.h"

#include "util/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct item {
    size_t key, value; /* offsets into the arena */
} item;

struct rk_strings {
    char *arena;
    size_t used, cap;
    item *items;
    int n;
};

static int add_bytes(rk_strings *s, const char *p, size_t n, size_t *off)
{
    if (s->used + n + 1 > s->cap) return -1;
    *off = s->used;
    memcpy(s->arena + s->used, p, n);
    s->arena[s->used + n] = '\0';
    s->used += n + 1;
    return 0;
}

static int valid_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
           (c >= 'A' && c <= 'Z');
}

static int cmp_items(const void *a, const void *b, void *arena)
{
    const item *x = a, *y = b;
    return strcmp((char *)arena + x->key, (char *)arena + y->key);
}

static char *trim(char *p, char *end, char **out_end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *out_end = end;
    return p;
}

static int fail(rk_strings *s, int code, const char *name, int line, const char *what)
{
    (void)s;
    return rk_err_set(code, "%s:%d: %s", name, line, what);
}

int rk_strings_parse(rk_strings **out, const char *buf, size_t len, const char *name)
{
    rk_strings *s;
    char section[64] = "";
    char *copy, *p, *end;
    int line = 0, rc = 0;

    *out = NULL;
    if (len > RK_STRINGS_MAX_BYTES)
        return rk_err_set(RK_ETOOBIG, "%s: larger than %d bytes", name, RK_STRINGS_MAX_BYTES);
    if (!(s = calloc(1, sizeof *s))) return rk_err_oom();
    s->cap = len * 2 + 64;
    s->arena = malloc(s->cap);
    s->items = malloc(sizeof *s->items * RK_STRINGS_MAX_KEYS);
    copy = malloc(len + 1);
    if (!s->arena || !s->items || !copy) {
        free(copy);
        rk_strings_free(s);
        return rk_err_oom();
    }
    memcpy(copy, buf, len);
    copy[len] = '\0';
    p = copy;
    end = copy + len;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3; /* BOM */
    while (p < end && rc == 0) {
        char *eol = memchr(p, '\n', (size_t)(end - p)), *le, *l;
        if (!eol) eol = end;
        line++;
        l = trim(p, eol, &le);
        p = eol + 1;
        if (l == le || *l == ';' || *l == '#') continue;
        if (memchr(l, '\0', (size_t)(le - l))) {
            rc = fail(s, RK_EFORMAT, name, line, "NUL byte");
            break;
        }
        if (*l == '[') {
            if (le[-1] != ']' || le - l < 3 || le - l - 2 >= (long)sizeof section) {
                rc = fail(s, RK_EFORMAT, name, line, "a section is [name] (at most 63 bytes)");
                break;
            }
            memcpy(section, l + 1, (size_t)(le - l - 2));
            section[le - l - 2] = '\0';
            for (char *c = section; *c; c++) {
                if (!valid_key_char(*c) || *c == '.') {
                    rc = fail(s, RK_EFORMAT, name, line,
                              "section names use letters, digits, '_' and '-'");
                    break;
                }
            }
            continue;
        }
        char *eq = memchr(l, '=', (size_t)(le - l)), *ke, *k, *ve, *v;
        if (!eq) {
            rc = fail(s, RK_EFORMAT, name, line, "expected key = value");
            break;
        }
        if (!section[0]) {
            rc = fail(s, RK_EFORMAT, name, line, "key outside a [section]");
            break;
        }
        k = trim(l, eq, &ke);
        v = trim(eq + 1, le, &ve);
        if (k == ke) {
            rc = fail(s, RK_EFORMAT, name, line, "empty key");
            break;
        }
        for (char *c = k; c < ke; c++) {
            if (!valid_key_char(*c)) {
                rc = fail(s, RK_EFORMAT, name, line, "keys use letters, digits, '_', '-', '.'");
                break;
            }
        }
        if (rc) break;
        if (ve - v > RK_STRINGS_MAX_VALUE) {
            rc = fail(s, RK_ETOOBIG, name, line, "value longer than 2048 bytes");
            break;
        }
        /* Unescape \n and \\ in place. */
        char *w = v;
        for (char *r = v; r < ve; r++) {
            if (*r == '\\' && r + 1 < ve && (r[1] == 'n' || r[1] == '\\')) {
                *w++ = r[1] == 'n' ? '\n' : '\\';
                r++;
            } else {
                *w++ = *r;
            }
        }
        if (!rk_utf8_valid_text(v, (size_t)(w - v))) {
            rc = fail(s, RK_EFORMAT, name, line, "value is not valid UTF-8 text");
            break;
        }
        if (s->n >= RK_STRINGS_MAX_KEYS) {
            rc = fail(s, RK_ETOOBIG, name, line, "more than 4096 keys");
            break;
        }
        char full[200];
        int fl = snprintf(full, sizeof full, "%s.%.*s", section, (int)(ke - k), k);
        if (fl < 0 || (size_t)fl >= sizeof full) {
            rc = fail(s, RK_EFORMAT, name, line, "key longer than 199 bytes");
            break;
        }
        item it;
        if (add_bytes(s, full, (size_t)fl, &it.key) ||
            add_bytes(s, v, (size_t)(w - v), &it.value)) {
            rc = fail(s, RK_ETOOBIG, name, line, "file too large");
            break;
        }
        s->items[s->n++] = it;
    }
    free(copy);
    if (rc == 0 && s->n > 0) {
        qsort_r(s->items, (size_t)s->n, sizeof *s->items, cmp_items, s->arena);
        for (int i = 1; i < s->n; i++) {
            if (!strcmp(s->arena + s->items[i].key, s->arena + s->items[i - 1].key)) {
                rc = rk_err_set(RK_EFORMAT, "%s: key %s appears twice", name,
                                s->arena + s->items[i].key);
                break;
            }
        }
    }
    /* Every prompt has its spoken form, and every spoken form its prompt. */
    for (int i = 0; rc == 0 && i < s->n; i++) {
        const char *key = s->arena + s->items[i].key;
        size_t kl = strlen(key);
        if (!strncmp(key, "prompt.", 7) && (kl < 4 || strcmp(key + kl - 4, ".say"))) {
            char say[210];
            snprintf(say, sizeof say, "%s.say", key);
            if (!rk_strings_get(s, say))
                rc = rk_err_set(RK_EFORMAT, "%s: %s has no spoken form %s", name, key, say);
        } else if (kl > 4 && !strcmp(key + kl - 4, ".say")) {
            char base[200];
            snprintf(base, sizeof base, "%.*s", (int)(kl - 4), key);
            if (!rk_strings_get(s, base))
                rc = rk_err_set(RK_EFORMAT, "%s: %s speaks a key that is not there", name, key);
        }
    }
    if (rc) {
        rk_strings_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int rk_strings_load(rk_strings **out, const char *path)
{
    FILE *f;
    char *buf;
    long len;
    int rc;
    *out = NULL;
    if (!(f = fopen(path, "rb")))
        return rk_err_set(errno == ENOENT ? RK_ENOTFOUND : RK_EIO, "%s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return rk_err_set(RK_EIO, "%s: cannot read", path);
    }
    if (len > RK_STRINGS_MAX_BYTES) {
        fclose(f);
        return rk_err_set(RK_ETOOBIG, "%s: larger than %d bytes", path, RK_STRINGS_MAX_BYTES);
    }
    if (!(buf = malloc((size_t)len + 1))) {
        fclose(f);
        return rk_err_oom();
    }
    if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        fclose(f);
        return rk_err_set(RK_EIO, "%s: short read", path);
    }
    fclose(f);
    rc = rk_strings_parse(out, buf, (size_t)len, path);
    free(buf);
    return rc;
}

void rk_strings_free(rk_strings *s)
{
    if (!s) return;
    free(s->arena);
    free(s->items);
    free(s);
}

const char *rk_strings_get(const rk_strings *s, const char *key)
{
    int lo = 0, hi = s ? s->n - 1 : -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(key, s->arena + s->items[mid].key);
        if (c == 0) return s->arena + s->items[mid].value;
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return NULL;
}

const char *rk_strings_say(const rk_strings *s, const char *key)
{
    char k[210];
    snprintf(k, sizeof k, "%s.say", key);
    return rk_strings_get(s, k);
}

static const char *meta(const rk_strings *s, const char *k)
{
    const char *v = rk_strings_get(s, k);
    return v ? v : "";
}

const char *rk_strings_language(const rk_strings *s)
{
    return meta(s, "meta.language");
}

const char *rk_strings_name(const rk_strings *s)
{
    return meta(s, "meta.name");
}

const char *rk_strings_voice(const rk_strings *s)
{
    return meta(s, "meta.voice");
}

int rk_strings_count(const rk_strings *s)
{
    return s ? s->n : 0;
}

const char *rk_strings_key(const rk_strings *s, int i)
{
    return s && i >= 0 && i < s->n ? s->arena + s->items[i].key : NULL;
}

unsigned rk_strings_placeholders(const char *s)
{
    unsigned set = 0;
    for (; *s; s++)
        if (s[0] == '{' && s[1] >= '1' && s[1] <= '9' && s[2] == '}') set |= 1u << (s[1] - '0');
    return set;
}

int rk_strings_diff(const rk_strings *a, const rk_strings *b,
                    void (*report)(void *arg, const char *key, const char *why), void *arg)
{
    int n = 0;
    for (int i = 0; i < rk_strings_count(a); i++) {
        const char *key = rk_strings_key(a, i), *vb;
        if (!strncmp(key, "meta.", 5)) continue;
        if (!(vb = rk_strings_get(b, key))) {
            if (report) report(arg, key, "missing");
            n++;
        } else if (rk_strings_placeholders(rk_strings_get(a, key)) != rk_strings_placeholders(vb)) {
            if (report) report(arg, key, "placeholders differ");
            n++;
        }
    }
    return n;
}

size_t rk_strings_format(char *out, size_t n, const char *tmpl, const char *const *args, int nargs)
{
    size_t o = 0;
    const char *end = tmpl + strlen(tmpl);
    if (n == 0) return 0;
    for (const char *p = tmpl; *p && o + 1 < n;) {
        if (p[0] == '{' && p[1] >= '1' && p[1] <= '9' && p[2] == '}' && p[1] - '0' <= nargs &&
            args[p[1] - '1']) {
            const char *a = args[p[1] - '1'];
            size_t al = rk_utf8_fit(a, strlen(a), n - 1 - o);
            memcpy(out + o, a, al);
            o += al;
            p += 3;
            if (al < strlen(a)) break;
            continue;
        }
        uint32_t cp;
        size_t l = rk_utf8_decode(p, (size_t)(end - p), &cp);
        if (o + l + 1 > n) break;
        memcpy(out + o, p, l);
        o += l;
        p += l;
    }
    out[o] = '\0';
    return o;
}
