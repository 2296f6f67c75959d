/*
 * Fees (see fees.h).
 *
 * The file is parsed with inih into fixed tables: one price per certificate
 * kind, a short list of media and services, and per business type a set of
 * components (certificate, medium, warranty_medium, service names, or free).
 * A quote walks the business type's components and adds one line for each
 * that costs something in the request's circumstances.
 */
#include "fees.h"

#include "conf/ini.h"
#include "util/err.h"
#include "util/utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_BUSINESS  12
#define N_KINDS     4
#define MAX_MEDIA   8
#define MAX_SERVICE 8
#define NAME_LEN    32

#define C_CERT     1u
#define C_MEDIUM   2u
#define C_WARRANTY 4u /* medium, free within the warranty unless user-caused */
#define C_FREE     8u

static const struct {
    const char *id, *zh, *en;
} business_ids[N_BUSINESS] = {
    {"new", "证书新办", "new certificate"},      {"renew", "证书更新", "renewal"},
    {"change", "证书变更", "change of details"}, {"reissue", "丢失补办", "lost reissue"},
    {"replace", "损坏更新", "damaged replace"},  {"unlock", "解锁", "unlock"},
    {"revoke", "证书注销", "revocation"},        {"suspend", "证书挂起", "suspension"},
    {"resume", "证书解挂", "resumption"},        {"recovery", "密钥恢复", "key recovery"},
    {"redispatch", "改派", "re-dispatch"},       {"query", "证书状态查询", "status query"},
};

static const struct {
    const char *id, *zh, *en;
} kind_ids[N_KINDS] = {
    {"individual", "个人证书", "individual"},
    {"organisation", "机构证书", "organisation"},
    {"orgperson", "机构个人证书", "organisation-individual"},
    {"server", "服务器证书", "server"},
};

static const struct {
    const char *id, *zh, *en;
} service_labels[] = {
    {"unlock", "解锁服务费", "Unlock service"},
    {"recovery", "密钥恢复服务费", "Key recovery service"},
};

typedef struct named_price {
    char name[NAME_LEN];
    int64_t fen;
} named_price;

typedef struct business_rule {
    unsigned components;       /* C_* bits */
    int services[MAX_SERVICE]; /* indexes into services[] */
    int n_services;
    int line; /* 0 = not given in the file */
} business_rule;

struct rk_fees {
    int64_t cert[N_KINDS];
    int cert_line[N_KINDS];
    named_price media[MAX_MEDIA];
    int n_media;
    named_price services[MAX_SERVICE];
    int n_services;
    business_rule rules[N_BUSINESS];
    int warranty_months;
    /* service names used under [business], resolved after parsing because
     * [service] may come later in the file */
    char pending[N_BUSINESS][MAX_SERVICE][NAME_LEN];
};

static int business_index(const char *id)
{
    for (int i = 0; id && i < N_BUSINESS; i++)
        if (!strcmp(business_ids[i].id, id)) return i;
    return -1;
}

static int kind_index(const char *id)
{
    for (int i = 0; id && i < N_KINDS; i++)
        if (!strcmp(kind_ids[i].id, id)) return i;
    return -1;
}

static int price_index(const named_price *p, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (!strcmp(p[i].name, name)) return i;
    return -1;
}

/* ---- amounts ---- */

int rk_fen_parse(int64_t *out, const char *text)
{
    const char *p = text;
    int64_t yuan = 0, fen = 0;
    int digits = 0, decimals = 0;

    if (!text || !*text) return rk_err_set(RK_EINVAL, "empty amount");
    if (*p == '-')
        return rk_err_set(RK_EINVAL, "amount '%s': negative amounts are not allowed", text);
    for (; *p >= '0' && *p <= '9'; p++) {
        if (++digits > 9)
            return rk_err_set(RK_EINVAL, "amount '%s': more than %lld.%02lld yuan", text,
                              (long long)(RK_FEN_MAX / 100), (long long)(RK_FEN_MAX % 100));
        yuan = yuan * 10 + (*p - '0');
    }
    if (!digits)
        return rk_err_set(RK_EINVAL, "amount '%s': expected yuan such as 400 or 400.00", text);
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (++decimals > 2)
                return rk_err_set(RK_EINVAL, "amount '%s': more than 2 decimals (fen)", text);
            fen = fen * 10 + (*p - '0');
        }
        if (!decimals)
            return rk_err_set(RK_EINVAL, "amount '%s': digits expected after the point", text);
        if (decimals == 1) fen *= 10;
    }
    if (*p)
        return rk_err_set(RK_EINVAL, "amount '%s': unexpected '%c' (write yuan as 400.00)", text,
                          *p);
    int64_t v = yuan * 100 + fen;
    if (v > RK_FEN_MAX)
        return rk_err_set(RK_EINVAL, "amount '%s': more than %lld.%02lld yuan", text,
                          (long long)(RK_FEN_MAX / 100), (long long)(RK_FEN_MAX % 100));
    *out = v;
    return 0;
}

void rk_fen_format(char *out, size_t n, int64_t fen)
{
    /* INT64_MIN has no positive counterpart: format via unsigned */
    uint64_t a = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    snprintf(out, n, "%s\xEF\xBF\xA5%llu.%02llu", fen < 0 ? "-" : "", (unsigned long long)(a / 100),
             (unsigned long long)(a % 100));
}

/* ---- loading ---- */

typedef struct parse_state {
    rk_fees *f;
    int line;
    int error_line;
    char error[512];
} parse_state;

static int fail(parse_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(parse_state *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->error, sizeof st->error, fmt, ap);
    va_end(ap);
    st->error_line = st->line;
    return 0;
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= NAME_LEN) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

static int parse_price(parse_state *st, int64_t *dst, const char *section, const char *key,
                       const char *value)
{
    if (rk_fen_parse(dst, value) != 0) return fail(st, "[%s] %s: %s", section, key, rk_err_msg());
    return 1;
}

static int add_named(parse_state *st, named_price *arr, int *n, const char *section,
                     const char *key, const char *value)
{
    if (!valid_name(key))
        return fail(st, "[%s] %s: names are 1-%d characters a-z, 0-9, _", section, key,
                    NAME_LEN - 1);
    if (price_index(arr, *n, key) >= 0) return fail(st, "[%s] %s: listed twice", section, key);
    if (*n >= MAX_MEDIA || *n >= MAX_SERVICE)
        return fail(st, "[%s] %s: more than %d entries", section, key, MAX_MEDIA);
    named_price *p = &arr[*n];
    rk_utf8_copy(p->name, sizeof p->name, key);
    if (!parse_price(st, &p->fen, section, key, value)) return 0;
    (*n)++;
    return 1;
}

static int parse_rule(parse_state *st, const char *key, const char *value)
{
    int b = business_index(key);
    if (b < 0)
        return fail(st,
                    "[business] %s: unknown business type (expected new, renew, change, reissue, "
                    "replace, unlock, revoke, suspend, resume, recovery, redispatch, query)",
                    key);
    business_rule *r = &st->f->rules[b];
    if (r->line) return fail(st, "[business] %s: already given at line %d", key, r->line);
    memset(r, 0, sizeof *r);
    r->line = st->line;

    char copy[256];
    if (strlen(value) >= sizeof copy) return fail(st, "[business] %s: value too long", key);
    strcpy(copy, value);
    int tokens = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ' || *tok == '\t')
            tok++;
        char *end = tok + strlen(tok);
        while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        tokens++;
        unsigned bit = 0;
        if (!strcmp(tok, "certificate"))
            bit = C_CERT;
        else if (!strcmp(tok, "medium"))
            bit = C_MEDIUM;
        else if (!strcmp(tok, "warranty_medium"))
            bit = C_WARRANTY;
        else if (!strcmp(tok, "free"))
            bit = C_FREE;
        if (bit) {
            if (r->components & bit) return fail(st, "[business] %s: '%s' given twice", key, tok);
            r->components |= bit;
            continue;
        }
        if (!valid_name(tok))
            return fail(st,
                        "[business] %s: '%s' is not certificate, medium, warranty_medium, free "
                        "or a [service] name",
                        key, tok);
        if (r->n_services >= MAX_SERVICE)
            return fail(st, "[business] %s: more than %d services", key, MAX_SERVICE);
        snprintf(st->f->pending[b][r->n_services++], NAME_LEN, "%s", tok);
    }
    if (!tokens) return fail(st, "[business] %s: empty (write free for no charge)", key);
    if ((r->components & C_FREE) && tokens > 1)
        return fail(st, "[business] %s: free cannot be combined with charged components", key);
    if ((r->components & C_MEDIUM) && (r->components & C_WARRANTY))
        return fail(st, "[business] %s: medium and warranty_medium exclude each other", key);
    return 1;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
    parse_state *st = user;
    rk_fees *f = st->f;

    if (st->error[0]) return 0;
    if (!strcmp(section, "certificate")) {
        int k = kind_index(key);
        if (k < 0)
            return fail(st,
                        "[certificate] %s: unknown certificate kind (expected individual, "
                        "organisation, orgperson, server)",
                        key);
        if (f->cert_line[k])
            return fail(st, "[certificate] %s: already given at line %d", key, f->cert_line[k]);
        f->cert_line[k] = st->line;
        return parse_price(st, &f->cert[k], section, key, value);
    }
    if (!strcmp(section, "medium")) {
        if (!strcmp(key, "none"))
            return fail(st, "[medium] none: reserved for \"no medium\", which costs nothing");
        return add_named(st, f->media, &f->n_media, section, key, value);
    }
    if (!strcmp(section, "service"))
        return add_named(st, f->services, &f->n_services, section, key, value);
    if (!strcmp(section, "business")) return parse_rule(st, key, value);
    if (!strcmp(section, "warranty")) {
        if (strcmp(key, "medium_months")) return fail(st, "[warranty] %s: unknown key", key);
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end || v < 0 || v > 120)
            return fail(st, "[warranty] medium_months: '%s' is not a whole number from 0 to 120",
                        value);
        f->warranty_months = (int)v;
        return 1;
    }
    return fail(st,
                "[%s]: unknown section (expected certificate, medium, service, business, warranty)",
                section);
}

/* Checks completeness and resolves service names; 0 or RK_ECONF. */
static int finish(rk_fees *f, const char *path)
{
    for (int k = 0; k < N_KINDS; k++)
        if (!f->cert_line[k])
            return rk_err_set(RK_ECONF, "%s: [certificate] %s: missing (a price for every kind)",
                              path, kind_ids[k].id);
    for (int b = 0; b < N_BUSINESS; b++) {
        business_rule *r = &f->rules[b];
        if (!r->line)
            return rk_err_set(RK_ECONF,
                              "%s: [business] %s: missing (each business type needs its "
                              "components, or free)",
                              path, business_ids[b].id);
        if ((r->components & (C_MEDIUM | C_WARRANTY)) && f->n_media == 0)
            return rk_err_set(RK_ECONF,
                              "%s:%d: [business] %s: charges a medium but [medium] is empty", path,
                              r->line, business_ids[b].id);
        for (int s = 0; s < r->n_services; s++) {
            int i = price_index(f->services, f->n_services, f->pending[b][s]);
            if (i < 0)
                return rk_err_set(RK_ECONF, "%s:%d: [business] %s: no service '%s' under [service]",
                                  path, r->line, business_ids[b].id, f->pending[b][s]);
            r->services[s] = i;
        }
    }
    return 0;
}

int rk_fees_load(rk_fees **out, const char *path)
{
    parse_state st;
    int rc;

    *out = NULL;
    memset(&st, 0, sizeof st);
    st.f = calloc(1, sizeof *st.f);
    if (!st.f) return rk_err_oom();
    st.f->warranty_months = 12;
    int line = rk_ini_parse(path, handler, &st, &st.line);
    if (line < 0) {
        rc = rk_err_set(errno == ENOENT ? RK_ENOTFOUND : RK_ECONF, "%s: %s", path, strerror(errno));
        free(st.f);
        return rc;
    }
    if (st.error[0])
        rc = rk_err_set(RK_ECONF, "%s:%d: %s", path, st.error_line, st.error);
    else if (line != 0)
        rc = rk_err_set(RK_ECONF, "%s:%d: not a section header or key = value line", path, line);
    else
        rc = finish(st.f, path);
    if (rc) {
        free(st.f);
        return rc;
    }
    *out = st.f;
    return 0;
}

void rk_fees_free(rk_fees *f)
{
    free(f);
}

/* ---- quotes ---- */

/* 1 while the local date of now is no later than the local date of bought
 * plus months calendar months (a medium bought on 2025-03-10 with 12 months
 * is covered through 2026-03-10). */
static int within_warranty(int64_t bought, int64_t now, int months)
{
    time_t t = (time_t)bought;
    struct tm b, n;
    localtime_r(&t, &b);
    t = (time_t)now;
    localtime_r(&t, &n);
    int by = b.tm_year + 1900 + (b.tm_mon + months) / 12, bm = (b.tm_mon + months) % 12;
    int bd = b.tm_mday;
    /* 01-31 + 1 month = end of February, not March 3 */
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (by % 4 == 0 && by % 100 != 0) || by % 400 == 0;
    int last = mdays[bm] + (bm == 1 && leap);
    if (bd > last) bd = last;
    long end = (long)by * 10000 + (bm + 1) * 100 + bd;
    long today = (long)(n.tm_year + 1900) * 10000 + (n.tm_mon + 1) * 100 + n.tm_mday;
    return today <= end;
}

static void add_line(rk_fee_quote *q, const char *code, const char *zh, const char *en, int64_t fen)
{
    if (q->n >= (int)(sizeof q->lines / sizeof q->lines[0])) return; /* cannot happen: <= 1+1+... */
    rk_fee_line *l = &q->lines[q->n++];
    rk_utf8_copy(l->code, sizeof l->code, code);
    rk_utf8_copy(l->label_zh, sizeof l->label_zh, zh);
    rk_utf8_copy(l->label_en, sizeof l->label_en, en);
    l->fen = fen;
    q->total_fen += fen;
}

static int has(const char *s)
{
    return s && *s;
}

int rk_fees_quote(const rk_fees *f, const rk_fee_request *req, rk_fee_quote *out)
{
    memset(out, 0, sizeof *out);
    int b = business_index(req->business);
    if (b < 0)
        return rk_err_set(RK_EINVAL, "unknown business type '%s'",
                          req->business ? req->business : "(none)");
    int k = -1, m = -1;
    int no_medium = has(req->medium) && !strcmp(req->medium, "none");
    if (has(req->cert_kind) && (k = kind_index(req->cert_kind)) < 0)
        return rk_err_set(RK_EINVAL,
                          "unknown certificate kind '%s' (expected individual, organisation, "
                          "orgperson or server)",
                          req->cert_kind);
    if (has(req->medium) && !no_medium && (m = price_index(f->media, f->n_media, req->medium)) < 0)
        return rk_err_set(RK_EINVAL, "unknown medium '%s' (not listed in the fee schedule)",
                          req->medium);

    const business_rule *r = &f->rules[b];
    const char *bid = business_ids[b].id;
    char zh[64], en[64];
    if (r->components & C_CERT) {
        if (k < 0) return rk_err_set(RK_EINVAL, "business '%s' needs the certificate kind", bid);
        snprintf(zh, sizeof zh, "证书费（%s）", kind_ids[k].zh);
        snprintf(en, sizeof en, "Certificate (%s)", kind_ids[k].en);
        add_line(out, "certificate", zh, en, f->cert[k]);
    }
    if (r->components & (C_MEDIUM | C_WARRANTY)) {
        if (m < 0 && !no_medium)
            return rk_err_set(RK_EINVAL, "business '%s' needs the medium (ukey, or none)", bid);
        int warranty = 0;
        if ((r->components & C_WARRANTY) && m >= 0 && req->medium_bought_at != 0) {
            if (req->medium_bought_at > req->now)
                return rk_err_set(RK_EINVAL, "the medium's purchase date is after the present");
            warranty = !req->user_caused_damage &&
                       within_warranty(req->medium_bought_at, req->now, f->warranty_months);
        }
        if (warranty) {
            snprintf(out->free_reason_zh, sizeof out->free_reason_zh,
                     "介质在%d个月保修期内且非人为损坏，免费更换", f->warranty_months);
            snprintf(out->free_reason_en, sizeof out->free_reason_en,
                     "medium within its %d-month warranty and not damaged by the user: replaced "
                     "free",
                     f->warranty_months);
        } else if (m >= 0) {
            int ukey = !strcmp(f->media[m].name, "ukey");
            snprintf(zh, sizeof zh, "介质费（%s）", ukey ? "USB Key" : f->media[m].name);
            snprintf(en, sizeof en, "Medium (%s)", ukey ? "USB key" : f->media[m].name);
            add_line(out, "medium", zh, en, f->media[m].fen);
        }
    }
    for (int s = 0; s < r->n_services; s++) {
        const named_price *p = &f->services[r->services[s]];
        const char *lzh = p->name, *len = p->name;
        for (size_t i = 0; i < sizeof service_labels / sizeof service_labels[0]; i++)
            if (!strcmp(service_labels[i].id, p->name)) {
                lzh = service_labels[i].zh;
                len = service_labels[i].en;
            }
        add_line(out, p->name, lzh, len, p->fen);
    }
    out->free = out->total_fen == 0;
    if (out->free && !out->free_reason_zh[0] && (r->components & C_FREE)) {
        snprintf(out->free_reason_zh, sizeof out->free_reason_zh, "%s业务免费", business_ids[b].zh);
        snprintf(out->free_reason_en, sizeof out->free_reason_en, "%s is free of charge",
                 business_ids[b].en);
    } else if (out->free && !out->free_reason_zh[0]) {
        snprintf(out->free_reason_zh, sizeof out->free_reason_zh, "本次%s无收费项目",
                 business_ids[b].zh);
        snprintf(out->free_reason_en, sizeof out->free_reason_en, "nothing to charge for this %s",
                 business_ids[b].en);
    }
    return 0;
}

/* ---- identifiers ---- */

int rk_fees_invoice_type_valid(const char *type)
{
    return type && (!strcmp(type, "ordinary") || !strcmp(type, "vat_special"));
}

const char *rk_fees_invoice_label(const char *type, const char *lang)
{
    int en = lang && !strcmp(lang, "en");
    if (!rk_fees_invoice_type_valid(type)) return NULL;
    if (!strcmp(type, "ordinary")) return en ? "ordinary e-invoice" : "普通电子发票";
    return en ? "VAT special invoice" : "增值税专用发票";
}

int rk_fees_business_valid(const char *business)
{
    return business_index(business) >= 0;
}

const char *rk_fees_business_label(const char *business, const char *lang)
{
    int b = business_index(business);
    if (b < 0) return NULL;
    return lang && !strcmp(lang, "en") ? business_ids[b].en : business_ids[b].zh;
}

int rk_fees_cert_kind_valid(const char *kind)
{
    return kind_index(kind) >= 0;
}
