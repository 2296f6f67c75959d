/*
 * The self-help knowledge base: its bounded parser and its search (see
 * knowledge.h).
 */
#include "domain/knowledge.h"

#include "util/buf.h"
#include "util/err.h"
#include "util/file.h"
#include "util/utf8.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rk_knowledge {
    rk_knowledge_entry *e;
    int n, cap;
};

/* The fields of an entry, in the order of the SEEN bits. */
enum { F_TITLE_ZH, F_TITLE_EN, F_ANSWER_ZH, F_ANSWER_EN, F_KEYWORDS, F_CODE, F_COUNT };
static const char *const FIELD_NAMES[F_COUNT] = {"title_zh",  "title_en", "answer_zh",
                                                 "answer_en", "keywords", "code"};
#define REQUIRED ((1 << F_TITLE_ZH) | (1 << F_TITLE_EN) | (1 << F_ANSWER_ZH) | (1 << F_ANSWER_EN))

static char *field(rk_knowledge_entry *e, int f, size_t *size)
{
    switch (f) {
    case F_TITLE_ZH: *size = sizeof e->title_zh; return e->title_zh;
    case F_TITLE_EN: *size = sizeof e->title_en; return e->title_en;
    case F_ANSWER_ZH: *size = sizeof e->answer_zh; return e->answer_zh;
    case F_ANSWER_EN: *size = sizeof e->answer_en; return e->answer_en;
    case F_KEYWORDS: *size = sizeof e->keywords; return e->keywords;
    default: *size = sizeof e->code; return e->code;
    }
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static void trim(const char **s, const char **e)
{
    while (*s < *e && is_space(**s))
        (*s)++;
    while (*e > *s && is_space((*e)[-1]))
        (*e)--;
}

/* -?[0-9]{1,20}: an error code. */
static int is_code(const char *s, size_t n)
{
    size_t i = (n && s[0] == '-') ? 1 : 0;
    if (i == n || n - i > 20) return 0;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

static int id_ok(const char *s, size_t n)
{
    if (n == 0 || n >= RK_KNOWLEDGE_ID_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

/* Unescapes s[0..n) into dst (size bytes); -1 if it does not fit, -2 on an
 * unknown escape. */
static int unescape(char *dst, size_t size, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\') {
            if (i + 1 == n) return -2;
            c = s[++i];
            if (c == 'n')
                c = '\n';
            else if (c != '\\')
                return -2;
        }
        if (o + 1 >= size) return -1;
        dst[o++] = c;
    }
    dst[o] = '\0';
    return 0;
}

typedef struct parser {
    rk_knowledge *kb;
    const char *name;
    int line;
    int entry_line; /* the line of the current entry's header */
    unsigned seen;
} parser;

static int fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(parser *p, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rk_utf8_mend(msg);
    return rk_err_set(RK_ECONF, "%s:%d: %s", p->name, p->line, msg);
}

/* The digits of a code, without its sign. */
static const char *digits(const char *code)
{
    return code[0] == '-' ? code + 1 : code;
}

/* Checks the entry just finished. */
static int finish(parser *p)
{
    if (p->kb->n == 0) return 0;
    rk_knowledge_entry *e = &p->kb->e[p->kb->n - 1];
    for (int f = 0; f < F_COUNT; f++)
        if ((REQUIRED & (1u << f)) && !(p->seen & (1u << f)))
            return rk_err_set(RK_ECONF, "%s:%d: [entry %s] lacks %s", p->name, p->entry_line, e->id,
                              FIELD_NAMES[f]);
    if (!e->code[0] && is_code(e->id, strlen(e->id))) memcpy(e->code, e->id, strlen(e->id) + 1);
    for (int i = 0; e->code[0] && i < p->kb->n - 1; i++)
        if (!strcmp(digits(p->kb->e[i].code), digits(e->code)))
            return rk_err_set(RK_ECONF, "%s:%d: [entry %s] has the code of [entry %s]", p->name,
                              p->entry_line, e->id, p->kb->e[i].id);
    return 0;
}

static int section(parser *p, const char *s, const char *e)
{
    int rc;
    if (e - s < 2 || e[-1] != ']') return fail(p, "a section header must end with ']'");
    s++, e--;
    trim(&s, &e);
    if (e - s < 6 || memcmp(s, "entry", 5) || !is_space(s[5]))
        return fail(p, "sections are [entry ID]");
    s += 5;
    trim(&s, &e);
    if (!id_ok(s, (size_t)(e - s)))
        return fail(p, "an entry's ID is 1-63 letters, digits, '-', '_' or '.'");
    if ((rc = finish(p)) != 0) return rc;
    for (int i = 0; i < p->kb->n; i++)
        if (strlen(p->kb->e[i].id) == (size_t)(e - s) && !memcmp(p->kb->e[i].id, s, e - s))
            return fail(p, "[entry %s] is given twice", p->kb->e[i].id);
    if (p->kb->n == RK_KNOWLEDGE_MAX)
        return rk_err_set(RK_ECONF, "%s:%d: more than %d entries", p->name, p->line,
                          RK_KNOWLEDGE_MAX);
    if (p->kb->n == p->kb->cap) {
        int cap = p->kb->cap ? p->kb->cap * 2 : 16;
        rk_knowledge_entry *ne = realloc(p->kb->e, (size_t)cap * sizeof *ne);
        if (!ne) return rk_err_oom();
        p->kb->e = ne;
        p->kb->cap = cap;
    }
    rk_knowledge_entry *ent = &p->kb->e[p->kb->n++];
    memset(ent, 0, sizeof *ent);
    memcpy(ent->id, s, (size_t)(e - s));
    p->entry_line = p->line;
    p->seen = 0;
    return 0;
}

static int pair(parser *p, const char *s, const char *e)
{
    const char *eq = memchr(s, '=', (size_t)(e - s));
    if (!eq) return fail(p, "expected 'key = value', a [section] or a comment");
    if (p->kb->n == 0) return fail(p, "a key before the first [entry ID]");
    const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
    trim(&ks, &ke);
    trim(&vs, &ve);
    int f = 0;
    while (f < F_COUNT &&
           (strlen(FIELD_NAMES[f]) != (size_t)(ke - ks) || memcmp(FIELD_NAMES[f], ks, ke - ks)))
        f++;
    if (f == F_COUNT) {
        char key[40];
        size_t kn = (size_t)(ke - ks) < sizeof key - 1 ? (size_t)(ke - ks) : sizeof key - 1;
        memcpy(key, ks, kn);
        key[kn] = '\0';
        return fail(
            p, "unknown key '%s' (title_zh, title_en, answer_zh, answer_en, keywords, code)", key);
    }
    if (p->seen & (1u << f)) return fail(p, "%s is given twice in this entry", FIELD_NAMES[f]);
    p->seen |= 1u << f;
    size_t size;
    char *dst = field(&p->kb->e[p->kb->n - 1], f, &size);
    int u = unescape(dst, size, vs, (size_t)(ve - vs));
    if (u == -1) {
        return fail(p, "%s is longer than %zu bytes", FIELD_NAMES[f], size - 1);
    }
    if (u == -2) return fail(p, "%s: only \\n and \\\\ are escapes", FIELD_NAMES[f]);
    if ((f == F_TITLE_ZH || f == F_TITLE_EN || f == F_ANSWER_ZH || f == F_ANSWER_EN) && !dst[0])
        return fail(p, "%s is empty", FIELD_NAMES[f]);
    if (f == F_CODE && !is_code(dst, strlen(dst)))
        return fail(p, "code is an error code such as -10101011");
    return 0;
}

int rk_knowledge_parse(rk_knowledge **out, const char *text, size_t len, const char *name)
{
    *out = NULL;
    if (len > RK_KNOWLEDGE_FILE_MAX)
        return rk_err_set(RK_ETOOBIG, "%s is larger than %d bytes", name, RK_KNOWLEDGE_FILE_MAX);
    rk_knowledge *kb = calloc(1, sizeof *kb);
    if (!kb) return rk_err_oom();
    parser p = {.kb = kb, .name = name};
    size_t pos = 0;
    int rc = 0;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) pos = 3;
    while (!rc && pos < len) {
        const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
        const char *e = nl ? nl : text + len;
        pos = (size_t)(e - text) + (nl ? 1 : 0);
        p.line++;
        if (memchr(s, '\0', (size_t)(e - s))) {
            rc = fail(&p, "the line holds a NUL byte");
            break;
        }
        if (!rk_utf8_valid(s, (size_t)(e - s))) {
            rc = fail(&p, "the line is not UTF-8");
            break;
        }
        trim(&s, &e);
        if (s == e || *s == ';' || *s == '#') continue;
        rc = *s == '[' ? section(&p, s, e) : pair(&p, s, e);
    }
    if (!rc) rc = finish(&p);
    if (rc) {
        rk_knowledge_free(kb);
        return rc;
    }
    *out = kb;
    return 0;
}

int rk_knowledge_load(rk_knowledge **out, const char *path)
{
    rk_buf b;
    *out = NULL;
    rk_buf_init(&b, RK_KNOWLEDGE_FILE_MAX);
    int rc = rk_file_read(&b, path);
    if (!rc) rc = rk_knowledge_parse(out, b.data ? b.data : "", b.len, path);
    rk_buf_free(&b);
    return rc;
}

void rk_knowledge_free(rk_knowledge *kb)
{
    if (!kb) return;
    free(kb->e);
    free(kb);
}

int rk_knowledge_count(const rk_knowledge *kb)
{
    return kb ? kb->n : 0;
}

const rk_knowledge_entry *rk_knowledge_get(const rk_knowledge *kb, int i)
{
    return kb && i >= 0 && i < kb->n ? &kb->e[i] : NULL;
}

const rk_knowledge_entry *rk_knowledge_find(const rk_knowledge *kb, const char *id)
{
    for (int i = 0; kb && id && i < kb->n; i++)
        if (!strcmp(kb->e[i].id, id)) return &kb->e[i];
    return NULL;
}

const rk_knowledge_entry *rk_knowledge_by_code(const rk_knowledge *kb, const char *code)
{
    if (!code || !is_code(code, strlen(code))) return NULL;
    for (int i = 0; kb && i < kb->n; i++)
        if (kb->e[i].code[0] && !strcmp(digits(kb->e[i].code), digits(code))) return &kb->e[i];
    return NULL;
}

/* ---- search ---- */

#define MAX_TERMS 8
#define TERM_MAX  64

static char fold(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* 1 if needle[0..n) occurs in hay, ASCII letters in any case. */
static int ci_has(const char *hay, const char *needle, size_t n)
{
    if (n == 0) return 0;
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && fold(hay[i]) == fold(needle[i]))
            i++;
        if (i == n) return 1;
    }
    return 0;
}

static int ci_equal(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn) return 0;
    for (size_t i = 0; i < an; i++)
        if (fold(a[i]) != fold(b[i])) return 0;
    return 1;
}

static int separator(uint32_t cp)
{
    if (cp < 0x80) return cp <= ' ' || strchr(",.;:?!\"'()[]{}/|", (int)cp) != NULL;
    switch (cp) {
    case 0x3000: /* ideographic space */
    case 0x3001: /* 、 */
    case 0x3002: /* 。 */
    case 0xFF0C: /* ， */
    case 0xFF1F: /* ？ */
    case 0xFF01: /* ！ */
    case 0xFF1B: /* ； */
    case 0xFF1A: /* ： */
    case 0xFF08: /* （ */
    case 0xFF09: /* ） */
    case 0x201C: /* “ */
    case 0x201D: /* ” */
    case 0x2018: /* ‘ */
    case 0x2019: /* ’ */
    case 0x300A: /* 《 */
    case 0x300B: /* 》 */ return 1;
    default: return 0;
    }
}

typedef struct term {
    char s[TERM_MAX + 1];
    size_t n;
    int chars;    /* code points */
    int all_wide; /* no ASCII character */
} term;

static int terms_of(term *t, const char *q)
{
    int nt = 0;
    size_t qn = strlen(q), i = 0;
    term cur = {.all_wide = 1};
    while (i <= qn) {
        uint32_t cp = 0;
        int l = i < qn ? rk_utf8_seq(q + i, qn - i, &cp) : 0;
        if (i == qn || separator(cp)) {
            int dup = 0;
            for (int k = 0; k < nt; k++)
                dup |= ci_equal(t[k].s, t[k].n, cur.s, cur.n);
            if (cur.n && !dup && nt < MAX_TERMS) t[nt++] = cur;
            memset(&cur, 0, sizeof cur);
            cur.all_wide = 1;
            i += i == qn ? 1 : (size_t)l;
            continue;
        }
        if (cur.n + (size_t)l <= TERM_MAX) { /* a longer term keeps its first 64 bytes */
            memcpy(cur.s + cur.n, q + i, (size_t)l);
            cur.n += (size_t)l;
            cur.s[cur.n] = '\0';
            cur.chars++;
            if (cp < 0x80) cur.all_wide = 0;
        }
        i += (size_t)l;
    }
    return nt;
}

/* 1 if the keyword list holds t exactly (one keyword, any case). */
static int keyword_is(const char *list, const term *t)
{
    const char *s = list;
    while (*s) {
        const char *e = s;
        while (*e && *e != ',' && strncmp(e, "\xEF\xBC\x8C", 3)) /* , or ， */
            e++;
        const char *ks = s, *ke = e;
        trim(&ks, &ke);
        if (ci_equal(ks, (size_t)(ke - ks), t->s, t->n)) return 1;
        s = *e == ',' ? e + 1 : *e ? e + 3 : e;
    }
    return 0;
}

static int in_entry(const rk_knowledge_entry *e, const char *s, size_t n)
{
    return ci_has(e->keywords, s, n) || ci_has(e->title_zh, s, n) || ci_has(e->title_en, s, n) ||
           ci_has(e->answer_zh, s, n) || ci_has(e->answer_en, s, n);
}

static int term_score(const rk_knowledge_entry *e, const term *t)
{
    int sc = 0;
    if (is_code(t->s, t->n) && e->code[0] && t->n - (t->s[0] == '-') >= 5 &&
        !strcmp(digits(e->code), digits(t->s)))
        return 1000;
    if (keyword_is(e->keywords, t))
        sc += 40;
    else if (ci_has(e->keywords, t->s, t->n))
        sc += 20;
    if (ci_has(e->title_zh, t->s, t->n) || ci_has(e->title_en, t->s, t->n)) sc += 15;
    if (ci_has(e->answer_zh, t->s, t->n) || ci_has(e->answer_en, t->s, t->n)) sc += 5;
    if (sc || !t->all_wide || t->chars < 3) return sc;
    /* A Chinese term found nowhere whole: the pairs of its characters. */
    int pairs = 0, found = 0;
    size_t a = 0;
    while (a < t->n) {
        int la = rk_utf8_seq(t->s + a, t->n - a, NULL);
        if (a + (size_t)la >= t->n) break;
        int lb = rk_utf8_seq(t->s + a + la, t->n - a - la, NULL);
        pairs++;
        found += in_entry(e, t->s + a, (size_t)(la + lb));
        a += (size_t)la;
    }
    return found * 2 >= pairs ? 3 * found : 0;
}

static int by_score(const void *a, const void *b)
{
    const rk_knowledge_hit *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

int rk_knowledge_search(const rk_knowledge *kb, const char *query, rk_knowledge_hit *hits, int max,
                        int *n)
{
    char q[RK_KNOWLEDGE_QUERY_MAX + 1];
    term t[MAX_TERMS];
    *n = 0;
    if (!query || !rk_utf8_valid(query, strlen(query)))
        return rk_err_set(RK_EINVAL, "the search words are not UTF-8 text");
    rk_utf8_copy(q, sizeof q, query);
    int nt = terms_of(t, q), count = rk_knowledge_count(kb);
    if (max <= 0 || count == 0) return 0;
    rk_knowledge_hit *all = malloc((size_t)count * sizeof *all);
    if (!all) return rk_err_oom();
    int m = 0;
    for (int i = 0; i < count; i++) {
        int sc = 0, matched = 0;
        for (int k = 0; k < nt; k++) {
            int s = term_score(&kb->e[i], &t[k]);
            sc += s;
            matched += s > 0;
        }
        if (nt > 1 && matched == nt) sc += 10; /* every word found */
        if (sc > 0 || nt == 0) all[m++] = (rk_knowledge_hit){&kb->e[i], sc};
    }
    qsort(all, (size_t)m, sizeof *all, by_score);
    *n = m < max ? m : max;
    memcpy(hits, all, (size_t)*n * sizeof *hits);
    free(all);
    return 0;
}
