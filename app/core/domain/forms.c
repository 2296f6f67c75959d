/*
 * Loading and composing application forms (see forms.h).
 */
#include "forms.h"

#include "conf/ini.h"
#include "util/err.h"
#include "util/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct kind_def {
    char name[16];
    char fields[512];
    char subject[32];
    char id_field[32];
    char cert_kinds[96];
    char documents[256];
} kind_def;

typedef struct business_def {
    char name[16];
    char fields[256];
    char docs[RK_FORMS_MAX_KINDS][256]; /* per kind, "" = kind default */
    char required_if[256];
    int deadline_days;
} business_def;

struct rk_forms {
    char path[4096];
    rk_field_def fields[RK_FORMS_MAX_FIELDS];
    int n_fields;
    rk_doc_def docs[RK_FORMS_MAX_DOCS];
    int n_docs;
    kind_def kinds[RK_FORMS_MAX_KINDS];
    int n_kinds;
    business_def business[RK_FORMS_MAX_BUSINESS];
    int n_business;
};

typedef struct parse_state {
    rk_forms *f;
    int line;
    int error_line;
    char error[512];
} parse_state;

static int fail(parse_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(parse_state *st, const char *fmt, ...)
{
    if (!st->error[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(st->error, sizeof st->error, fmt, ap);
        va_end(ap);
        st->error_line = st->line;
    }
    return 0;
}

static int copy(parse_state *st, char *dst, size_t n, const char *section, const char *value)
{
    if (strlen(value) >= n) return fail(st, "[%s]: value too long: %s", section, value);
    strcpy(dst, value);
    return 1;
}

/* Finds the element named name in an array of structs whose first member
 * is their name (char[name_size]), or appends a zeroed one. */
static void *find_or_add(parse_state *st, void *arr, size_t elem, int *count, int max,
                         size_t name_size, const char *name, const char *what)
{
    char *base = arr;
    for (int i = 0; i < *count; i++)
        if (!strcmp(base + (size_t)i * elem, name)) return base + (size_t)i * elem;
    if (*count >= max || strlen(name) >= name_size || !*name) {
        fail(st, "too many %s, or name empty or too long: '%s'", what, name);
        return NULL;
    }
    char *e = base + (size_t)(*count)++ * elem;
    memset(e, 0, elem);
    memcpy(e, name, strlen(name) + 1);
    return e;
}

#define FIND_OR_ADD(arr, count, max, key, what)                                                    \
    find_or_add(st, (arr), sizeof(arr)[0], &(count), (max), sizeof(arr)[0].name, (key), (what))

static int kind_index(const char *kind)
{
    static const char *const kinds[] = {"individual", "organisation", "server"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(kind, kinds[i])) return i;
    return -1;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
    parse_state *st = user;
    rk_forms *f = st->f;

    if (st->error[0]) return 1;
    if (!strncmp(section, "field ", 6)) {
        rk_field_def *d =
            FIND_OR_ADD(f->fields, f->n_fields, RK_FORMS_MAX_FIELDS, section + 6, "fields");
        if (!d) return 0;
        if (!d->max) d->max = 100;
        if (!strcmp(key, "label_zh"))
            return copy(st, d->label_zh, sizeof d->label_zh, section, value);
        if (!strcmp(key, "label_en"))
            return copy(st, d->label_en, sizeof d->label_en, section, value);
        if (!strcmp(key, "check")) {
            if (strcmp(value, "text") && strncmp(value, "choice:", 7) &&
                !rk_validate_kind_known(value))
                return fail(st, "[%s] check: unknown check '%s'", section, value);
            return copy(st, d->check, sizeof d->check, section, value);
        }
        if (!strcmp(key, "max")) {
            d->max = atoi(value);
            if (d->max < 1 || d->max > 1000)
                return fail(st, "[%s] max: '%s' is not 1 to 1000", section, value);
            return 1;
        }
        if (!strcmp(key, "sensitive")) {
            d->sensitive = !strcmp(value, "1");
            return 1;
        }
        return fail(st, "[%s] %s: unknown key", section, key);
    }
    if (!strncmp(section, "document ", 9)) {
        rk_doc_def *d =
            FIND_OR_ADD(f->docs, f->n_docs, RK_FORMS_MAX_DOCS, section + 9, "documents");
        if (!d) return 0;
        if (!strcmp(key, "label_zh"))
            return copy(st, d->label_zh, sizeof d->label_zh, section, value);
        if (!strcmp(key, "label_en"))
            return copy(st, d->label_en, sizeof d->label_en, section, value);
        return fail(st, "[%s] %s: unknown key", section, key);
    }
    if (!strncmp(section, "kind ", 5)) {
        if (kind_index(section + 5) < 0)
            return fail(st, "[%s]: subscriber kinds are individual, organisation, server", section);
        kind_def *k = FIND_OR_ADD(f->kinds, f->n_kinds, RK_FORMS_MAX_KINDS, section + 5, "kinds");
        if (!k) return 0;
        if (!strcmp(key, "fields")) return copy(st, k->fields, sizeof k->fields, section, value);
        if (!strcmp(key, "subject")) return copy(st, k->subject, sizeof k->subject, section, value);
        if (!strcmp(key, "id_field"))
            return copy(st, k->id_field, sizeof k->id_field, section, value);
        if (!strcmp(key, "cert_kinds"))
            return copy(st, k->cert_kinds, sizeof k->cert_kinds, section, value);
        if (!strcmp(key, "documents"))
            return copy(st, k->documents, sizeof k->documents, section, value);
        return fail(st, "[%s] %s: unknown key", section, key);
    }
    if (!strncmp(section, "business ", 9)) {
        business_def *b = FIND_OR_ADD(f->business, f->n_business, RK_FORMS_MAX_BUSINESS,
                                      section + 9, "business types");
        if (!b) return 0;
        if (!strcmp(key, "fields")) return copy(st, b->fields, sizeof b->fields, section, value);
        if (!strcmp(key, "required_if"))
            return copy(st, b->required_if, sizeof b->required_if, section, value);
        if (!strcmp(key, "deadline_days")) {
            b->deadline_days = atoi(value);
            if (b->deadline_days < 0 || b->deadline_days > 60 || !value[0])
                return fail(st, "[%s] deadline_days: '%s' is not 0 to 60", section, value);
            return 1;
        }
        if (!strncmp(key, "documents.", 10)) {
            int k = kind_index(key + 10);
            if (k < 0) return fail(st, "[%s] %s: unknown subscriber kind", section, key);
            return copy(st, b->docs[k], sizeof b->docs[k], section, value);
        }
        return fail(st, "[%s] %s: unknown key", section, key);
    }
    return fail(st, "[%s]: unknown section", section);
}

/* Calls fn for each comma-separated word of list (trimmed); stops at the
 * first non-zero return. */
static int each_word(const char *list, int (*fn)(void *arg, const char *word), void *arg)
{
    char word[64];
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        while (n && p[n - 1] == ' ')
            n--;
        if (n == 0) break;
        if (n >= sizeof word) return rk_err_set(RK_ECONF, "name too long in list '%s'", list);
        memcpy(word, p, n);
        word[n] = '\0';
        int rc = fn(arg, word);
        if (rc) return rc;
        p += n;
        while (*p && *p != ',')
            p++;
    }
    return 0;
}

typedef struct check_arg {
    const rk_forms *f;
    const char *where;
} check_arg;

static int check_field_word(void *arg, const char *word)
{
    check_arg *a = arg;
    char name[64];
    rk_utf8_copy(name, sizeof name, word);
    size_t n = strlen(name);
    if (n && name[n - 1] == '!') name[n - 1] = '\0';
    if (!rk_forms_field(a->f, name))
        return rk_err_set(RK_ECONF, "%s: %s: field '%s' is not defined", a->f->path, a->where,
                          name);
    return 0;
}

static int check_doc_word(void *arg, const char *word)
{
    check_arg *a = arg;
    if (!rk_forms_doc(a->f, word))
        return rk_err_set(RK_ECONF, "%s: %s: document '%s' is not defined", a->f->path, a->where,
                          word);
    return 0;
}

static int check_references(const rk_forms *f)
{
    int rc;
    for (int i = 0; i < f->n_fields; i++)
        if (!f->fields[i].check[0] || !f->fields[i].label_zh[0])
            return rk_err_set(RK_ECONF, "%s: [field %s]: label_zh and check are required", f->path,
                              f->fields[i].name);
    for (int i = 0; i < f->n_kinds; i++) {
        const kind_def *k = &f->kinds[i];
        char where[64];
        snprintf(where, sizeof where, "[kind %s]", k->name);
        check_arg a = {f, where};
        if ((rc = each_word(k->fields, check_field_word, &a)) ||
            (rc = each_word(k->documents, check_doc_word, &a)))
            return rc;
        if (!rk_forms_field(f, k->subject) || !rk_forms_field(f, k->id_field))
            return rk_err_set(RK_ECONF, "%s: %s: subject and id_field must name fields", f->path,
                              where);
        if (!k->cert_kinds[0])
            return rk_err_set(RK_ECONF, "%s: %s: cert_kinds: missing", f->path, where);
    }
    for (int i = 0; i < f->n_business; i++) {
        const business_def *b = &f->business[i];
        char where[64];
        snprintf(where, sizeof where, "[business %s]", b->name);
        check_arg a = {f, where};
        if ((rc = each_word(b->fields, check_field_word, &a))) return rc;
        for (int k = 0; k < RK_FORMS_MAX_KINDS; k++)
            if ((rc = each_word(b->docs[k], check_doc_word, &a))) return rc;
    }
    if (f->n_kinds == 0 || f->n_business == 0)
        return rk_err_set(RK_ECONF, "%s: no [kind ...] or [business ...] sections", f->path);
    return 0;
}

int rk_forms_load(rk_forms **out, const char *path)
{
    parse_state st;
    rk_forms *f = calloc(1, sizeof *f);
    int rc;

    *out = NULL;
    if (!f) return rk_err_oom();
    rk_utf8_copy(f->path, sizeof f->path, path);
    memset(&st, 0, sizeof st);
    st.f = f;
    int line = rk_ini_parse(path, handler, &st, &st.line);
    if (line < 0) {
        free(f);
        return rk_err_set(RK_ECONF, "%s: cannot open", path);
    }
    if (st.error[0]) {
        rc = rk_err_set(RK_ECONF, "%s:%d: %s", path, st.error_line, st.error);
        free(f);
        return rc;
    }
    if (line) {
        free(f);
        return rk_err_set(RK_ECONF, "%s:%d: not a section header or key = value line", path, line);
    }
    if ((rc = check_references(f)) != 0) {
        free(f);
        return rc;
    }
    *out = f;
    return 0;
}

void rk_forms_free(rk_forms *forms)
{
    free(forms);
}

const rk_field_def *rk_forms_field(const rk_forms *forms, const char *name)
{
    for (int i = 0; i < forms->n_fields; i++)
        if (!strcmp(forms->fields[i].name, name)) return &forms->fields[i];
    return NULL;
}

const rk_doc_def *rk_forms_doc(const rk_forms *forms, const char *name)
{
    for (int i = 0; i < forms->n_docs; i++)
        if (!strcmp(forms->docs[i].name, name)) return &forms->docs[i];
    return NULL;
}

static const kind_def *find_kind(const rk_forms *f, const char *kind)
{
    for (int i = 0; i < f->n_kinds; i++)
        if (!strcmp(f->kinds[i].name, kind)) return &f->kinds[i];
    return NULL;
}

typedef struct compose_arg {
    const rk_forms *f;
    rk_form *form;
} compose_arg;

static int add_field_word(void *arg, const char *word)
{
    compose_arg *a = arg;
    char name[64];
    rk_utf8_copy(name, sizeof name, word);
    size_t n = strlen(name);
    int required = n && name[n - 1] == '!';
    if (required) name[n - 1] = '\0';
    for (int i = 0; i < a->form->n_fields; i++)
        if (!strcmp(a->form->fields[i].def->name, name)) {
            a->form->fields[i].required |= required;
            return 0;
        }
    if (a->form->n_fields >= RK_FORM_MAX_FIELDS)
        return rk_err_set(RK_ECONF, "form has more than %d fields", RK_FORM_MAX_FIELDS);
    rk_form_field *ff = &a->form->fields[a->form->n_fields++];
    ff->def = rk_forms_field(a->f, name);
    ff->required = required;
    return 0;
}

static int add_doc_word(void *arg, const char *word)
{
    compose_arg *a = arg;
    if (a->form->n_docs >= RK_FORM_MAX_DOCS)
        return rk_err_set(RK_ECONF, "form needs more than %d documents", RK_FORM_MAX_DOCS);
    a->form->docs[a->form->n_docs++] = rk_forms_doc(a->f, word);
    return 0;
}

int rk_forms_compose(const rk_forms *forms, const char *kind, const char *business, rk_form *out)
{
    const kind_def *k = find_kind(forms, kind);
    const business_def *b = NULL;
    compose_arg a = {forms, out};
    int rc;

    memset(out, 0, sizeof *out);
    if (!k)
        return rk_err_set(RK_EINVAL,
                          "unknown subscriber kind '%s' (individual, organisation, "
                          "server)",
                          kind);
    for (int i = 0; i < forms->n_business; i++)
        if (!strcmp(forms->business[i].name, business)) b = &forms->business[i];
    if (!b) return rk_err_set(RK_EINVAL, "unknown business type '%s'", business);
    rk_utf8_copy(out->kind, sizeof out->kind, kind);
    rk_utf8_copy(out->business, sizeof out->business, business);
    out->subject_field = k->subject;
    out->deadline_days = b->deadline_days;
    out->id_field = k->id_field;
    if ((rc = each_word(k->fields, add_field_word, &a)) ||
        (rc = each_word(b->fields, add_field_word, &a)))
        return rc;
    const char *docs = b->docs[kind_index(kind)];
    if ((rc = each_word(docs[0] ? docs : k->documents, add_doc_word, &a))) return rc;
    /* required_if: "address=delivery:mail, x=y:z" */
    const char *p = b->required_if;
    while (*p && out->n_conds < RK_FORM_MAX_COND) {
        rk_form_cond *c = &out->conds[out->n_conds];
        int used = 0;
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p) break;
        if (sscanf(p, "%31[^=]=%31[^:]:%31[^, ]%n", c->field, c->when_field, c->when_value,
                   &used) != 3)
            return rk_err_set(RK_ECONF,
                              "%s: [business %s] required_if: expected "
                              "FIELD=FIELD:VALUE",
                              forms->path, business);
        if (rk_form_find(out, c->field) && rk_form_find(out, c->when_field)) out->n_conds++;
        p += used;
    }
    return 0;
}

int rk_forms_cert_kind_allowed(const rk_forms *forms, const char *kind, const char *cert_kind)
{
    const kind_def *k = find_kind(forms, kind);
    if (!k) return 0;
    size_t n = strlen(cert_kind);
    for (const char *p = k->cert_kinds; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ", ");
        if (len == n && !strncmp(p, cert_kind, n)) return 1;
        p += len;
    }
    return 0;
}

const rk_form_field *rk_form_find(const rk_form *form, const char *name)
{
    for (int i = 0; i < form->n_fields; i++)
        if (!strcmp(form->fields[i].def->name, name)) return &form->fields[i];
    return NULL;
}

int rk_form_needs_doc(const rk_form *form, const char *doc)
{
    for (int i = 0; i < form->n_docs; i++)
        if (!strcmp(form->docs[i]->name, doc)) return 1;
    return 0;
}

/* Counts UTF-8 characters; -1 if s is not valid UTF-8 or holds control characters. */
static int utf8_chars(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int n = 0;
    while (*p) {
        int len = *p < 0x80         ? 1
                  : (*p >> 5) == 6  ? 2
                  : (*p >> 4) == 14 ? 3
                  : (*p >> 3) == 30 ? 4
                                    : 0;
        if (!len || (*p < 0x20) || *p == 0x7f) return -1;
        for (int i = 1; i < len; i++)
            if ((p[i] & 0xc0) != 0x80) return -1;
        p += len;
        n++;
    }
    return n;
}

int rk_forms_check_value(const rk_field_def *def, const char *value, const rk_validate_rules *rules,
                         rk_valid *out)
{
    memset(out, 0, sizeof *out);
    if (!strcmp(def->check, "text")) {
        char tmp[1024];
        while (*value == ' ')
            value++;
        size_t len = strlen(value);
        while (len && value[len - 1] == ' ')
            len--;
        if (len >= sizeof tmp || len >= sizeof out->normalized) {
            snprintf(out->reason, sizeof out->reason, "length");
            return rk_err_set(RK_EINVAL, "%s: at most %d characters", def->label_en, def->max);
        }
        memcpy(tmp, value, len);
        tmp[len] = '\0';
        int chars = utf8_chars(tmp);
        if (chars < 0) {
            snprintf(out->reason, sizeof out->reason, "charset");
            return rk_err_set(RK_EINVAL,
                              "%s: not valid text (control characters or broken encoding)",
                              def->label_en);
        }
        if (chars == 0) {
            snprintf(out->reason, sizeof out->reason, "empty");
            return rk_err_set(RK_EINVAL, "%s: empty", def->label_en);
        }
        if (chars > def->max) {
            snprintf(out->reason, sizeof out->reason, "length");
            return rk_err_set(RK_EINVAL, "%s: at most %d characters", def->label_en, def->max);
        }
        out->ok = 1;
        memcpy(out->normalized, tmp, len + 1);
        return 0;
    }
    if (!strncmp(def->check, "choice:", 7)) {
        const char *choices = def->check + 7;
        size_t n = strlen(value);
        for (const char *p = choices; *p;) {
            size_t len = strcspn(p, "|");
            if (len == n && !strncmp(p, value, n)) {
                out->ok = 1;
                rk_utf8_copy(out->normalized, sizeof out->normalized, value);
                return 0;
            }
            p += len;
            if (*p == '|') p++;
        }
        snprintf(out->reason, sizeof out->reason, "choice");
        return rk_err_set(RK_EINVAL, "%s: '%s' is not one of %s", def->label_en, value, choices);
    }
    int rc = rk_validate_by_name_in(out, def->check, value, rules);
    if (rc) return rk_err_set(rc, "%s: %s", def->label_en, out->message);
    return 0;
}

int rk_forms_business_count(const rk_forms *forms)
{
    return forms->n_business;
}

const char *rk_forms_business_name(const rk_forms *forms, int i)
{
    return i >= 0 && i < forms->n_business ? forms->business[i].name : NULL;
}
