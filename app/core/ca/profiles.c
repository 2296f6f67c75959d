/*
 * Certificate profiles (see profiles.h): parsing conf/profiles.ini with
 * inih, expanding the templates against order fields, and writing the
 * profile's subject and extensions into a certificate being issued.
 */
#include "profiles.h"

#include "util/err.h"

#include <errno.h>
#include <ini.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parse_state {
    rk_profiles *set;
    FILE *file;
    int line;
    char error[512];
    int error_line;
    unsigned char seen_key[RK_PROFILES_MAX]; /* key given in that section */
} parse_state;

static const char *const KEY_USAGES[] = {"digitalSignature", "nonRepudiation", "keyEncipherment",
                                         "dataEncipherment", "keyAgreement",   "encipherOnly",
                                         "decipherOnly"};

const char *rk_profile_key_name(int key_alg)
{
    return key_alg == RK_PROFILE_KEY_EC_P256    ? "ec-p256"
           : key_alg == RK_PROFILE_KEY_RSA_2048 ? "rsa-2048"
           : key_alg == RK_PROFILE_KEY_SM2      ? "sm2"
                                                : "?";
}

const char *rk_profile_usage_name(int usage)
{
    return usage == RK_PROFILE_SIGN ? "sign" : usage == RK_PROFILE_ENCRYPT ? "encrypt" : "?";
}

static int fail(parse_state *st, const char *section, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(parse_state *st, const char *section, const char *key, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(st->error, sizeof st->error, "[%s] %s: %s", section, key, msg);
    return 0;
}

static int copy(parse_state *st, char *dst, size_t n, const char *section, const char *key,
                const char *value)
{
    if (strlen(value) >= n)
        return fail(st, section, key, "value longer than %zu characters", n - 1);
    memcpy(dst, value, strlen(value) + 1);
    return 1;
}

/* Checks a comma-separated key usage list. */
static int check_key_usage(parse_state *st, const char *section, const char *key, const char *v)
{
    char buf[256], *save = NULL;
    int any = 0;
    snprintf(buf, sizeof buf, "%s", v);
    for (char *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
        size_t i;
        if (!strcmp(t, "critical")) continue;
        for (i = 0; i < sizeof KEY_USAGES / sizeof KEY_USAGES[0]; i++)
            if (!strcmp(t, KEY_USAGES[i])) break;
        if (i == sizeof KEY_USAGES / sizeof KEY_USAGES[0])
            return fail(st, section, key, "unknown or forbidden usage '%s'", t);
        any = 1;
    }
    if (!any) return fail(st, section, key, "no usage given");
    return 1;
}

static int check_eku(parse_state *st, const char *section, const char *key, const char *v)
{
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", v);
    for (char *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
        if (!strcmp(t, "critical")) continue;
        ASN1_OBJECT *o = OBJ_txt2obj(t, 0);
        if (!o) return fail(st, section, key, "unknown extended key usage '%s'", t);
        ASN1_OBJECT_free(o);
    }
    return 1;
}

/* Checks that every {field} of a template is well formed. */
static int check_template(parse_state *st, const char *section, const char *key, const char *v)
{
    for (const char *p = v; *p; p++) {
        if (*p == '}') return fail(st, section, key, "'}' without '{'");
        if (*p != '{') continue;
        const char *end = strchr(p, '}');
        if (!end) return fail(st, section, key, "'{' without '}'");
        size_t len = (size_t)(end - p - 1);
        if (len > 0 && p[len] == '?') len--;
        if (len == 0 || len > 63) return fail(st, section, key, "empty or long field name");
        for (const char *q = p + 1; q < p + 1 + len; q++)
            if (!(*q == '_' || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9')))
                return fail(st, section, key, "field names are a-z, 0-9 and '_'");
        p = end;
    }
    return 1;
}

static int check_subject(parse_state *st, const char *section, const char *key, const char *v)
{
    char buf[RK_PROFILE_TPL_MAX], *save = NULL;
    if (!check_template(st, section, key, v)) return 0;
    snprintf(buf, sizeof buf, "%s", v);
    int any = 0;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        t += strspn(t, " \t");
        char *eq = strchr(t, '=');
        if (!eq) return fail(st, section, key, "'%s' is not ATTR=template", t);
        *eq = '\0';
        for (char *e = eq - 1; e >= t && (*e == ' ' || *e == '\t'); e--)
            *e = '\0';
        if (OBJ_txt2nid(t) == NID_undef)
            return fail(st, section, key, "unknown subject attribute '%s'", t);
        any = 1;
    }
    if (!any) return fail(st, section, key, "empty subject");
    return 1;
}

static rk_profile *profile_for(parse_state *st, const char *name)
{
    rk_profiles *s = st->set;
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->p[i].name, name)) return &s->p[i];
    if (s->n >= RK_PROFILES_MAX) {
        snprintf(st->error, sizeof st->error, "[profile %s]: more than %d profiles", name,
                 RK_PROFILES_MAX);
        return NULL;
    }
    if (!*name || strlen(name) >= sizeof s->p[0].name) {
        snprintf(st->error, sizeof st->error, "[profile %s]: name empty or too long", name);
        return NULL;
    }
    rk_profile *p = &s->p[s->n++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->line = st->line;
    p->validity_days = 365;
    p->sig = RK_PROFILE_SIG_SHA256;
    return p;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
    parse_state *st = user;
    if (st->error[0]) return 1;
    if (strncmp(section, "profile ", 8) != 0) {
        snprintf(st->error, sizeof st->error, "[%s]: unknown section (expected [profile NAME])",
                 section);
        return 0;
    }
    rk_profile *p = profile_for(st, section + 8);
    if (!p) return 0;
#define IS(k) (!strcmp(key, k))
    if (IS("description"))
        return copy(st, p->description, sizeof p->description, section, key, value);
    if (IS("holder")) {
        if (strcmp(value, "individual") && strcmp(value, "organisation") &&
            strcmp(value, "orgperson") && strcmp(value, "server"))
            return fail(st, section, key,
                        "'%s' must be individual, organisation, orgperson or server", value);
        return copy(st, p->holder, sizeof p->holder, section, key, value);
    }
    if (IS("usage")) {
        if (!strcmp(value, "sign"))
            p->usage = RK_PROFILE_SIGN;
        else if (!strcmp(value, "encrypt"))
            p->usage = RK_PROFILE_ENCRYPT;
        else
            return fail(st, section, key, "'%s' must be sign or encrypt", value);
        return 1;
    }
    if (IS("pair")) return copy(st, p->pair, sizeof p->pair, section, key, value);
    if (IS("validity_days")) {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end || v < 1 || v > 3650)
            return fail(st, section, key, "'%s' is not a whole number from 1 to 3650", value);
        p->validity_days = (int)v;
        return 1;
    }
    if (IS("key")) {
        if (!strcmp(value, "ec-p256"))
            p->key_alg = RK_PROFILE_KEY_EC_P256;
        else if (!strcmp(value, "rsa-2048"))
            p->key_alg = RK_PROFILE_KEY_RSA_2048;
        else if (!strcmp(value, "sm2"))
            p->key_alg = RK_PROFILE_KEY_SM2;
        else
            return fail(st, section, key, "'%s' must be ec-p256, rsa-2048 or sm2", value);
        return 1;
    }
    if (IS("signature")) {
        if (!strcmp(value, "sha256"))
            p->sig = RK_PROFILE_SIG_SHA256;
        else if (!strcmp(value, "sm3"))
            p->sig = RK_PROFILE_SIG_SM3;
        else
            return fail(st, section, key, "'%s' must be sha256 or sm3", value);
        return 1;
    }
    if (IS("key_usage"))
        return check_key_usage(st, section, key, value) &&
               copy(st, p->key_usage, sizeof p->key_usage, section, key, value);
    if (IS("extended_key_usage"))
        return check_eku(st, section, key, value) &&
               copy(st, p->ext_key_usage, sizeof p->ext_key_usage, section, key, value);
    if (IS("subject"))
        return check_subject(st, section, key, value) &&
               copy(st, p->subject, sizeof p->subject, section, key, value);
    if (IS("identity"))
        return check_template(st, section, key, value) &&
               copy(st, p->identity, sizeof p->identity, section, key, value);
    if (IS("credit_code"))
        return check_template(st, section, key, value) &&
               copy(st, p->credit_code, sizeof p->credit_code, section, key, value);
    if (IS("san_dns"))
        return check_template(st, section, key, value) &&
               copy(st, p->san_dns, sizeof p->san_dns, section, key, value);
    if (IS("san_email"))
        return check_template(st, section, key, value) &&
               copy(st, p->san_email, sizeof p->san_email, section, key, value);
    if (IS("escrow")) {
        if (!strcmp(value, "yes"))
            p->escrow = 1;
        else if (!strcmp(value, "no"))
            p->escrow = 0;
        else
            return fail(st, section, key, "'%s' must be yes or no", value);
        return 1;
    }
#undef IS
    return fail(st, section, key, "unknown key");
}

static char *reader(char *str, int num, void *stream)
{
    parse_state *st = stream;
    char *r = fgets(str, num, st->file);
    if (r) st->line++;
    return r;
}

static int handler_counting(void *user, const char *section, const char *key, const char *value)
{
    parse_state *st = user;
    int had = st->error[0] != 0;
    int ok = handler(user, section, key, value);
    if (!had && st->error[0]) st->error_line = st->line;
    return ok;
}

/* Checks across keys once a file is read. */
static int check_profiles(rk_profiles *s)
{
    for (int i = 0; i < s->n; i++) {
        rk_profile *p = &s->p[i];
#define MISSING(k)                                                                                 \
    rk_err_set(RK_ECONF, "%s:%d: [profile %s] %s: missing", s->path, p->line, p->name, k)
        if (!p->holder[0]) return MISSING("holder");
        if (!p->usage) return MISSING("usage");
        if (!p->key_alg) return MISSING("key");
        if (!p->key_usage[0]) return MISSING("key_usage");
        if (!p->subject[0]) return MISSING("subject");
#undef MISSING
        if ((p->key_alg == RK_PROFILE_KEY_SM2) != (p->sig == RK_PROFILE_SIG_SM3))
            return rk_err_set(RK_ECONF,
                              "%s:%d: [profile %s] signature: sm3 goes with key = sm2 and "
                              "sha256 with the others",
                              s->path, p->line, p->name);
        if (p->key_alg == RK_PROFILE_KEY_EC_P256 && strstr(p->key_usage, "keyEncipherment"))
            return rk_err_set(RK_ECONF,
                              "%s:%d: [profile %s] key_usage: an EC P-256 key cannot encipher "
                              "keys: use keyAgreement",
                              s->path, p->line, p->name);
        if (p->escrow && p->usage != RK_PROFILE_ENCRYPT)
            return rk_err_set(RK_ECONF,
                              "%s:%d: [profile %s] escrow: only encryption keys are escrowed",
                              s->path, p->line, p->name);
        if (p->pair[0]) {
            const rk_profile *o = rk_profiles_find(s, p->pair);
            if (!o || o == p || o->usage == p->usage)
                return rk_err_set(RK_ECONF,
                                  "%s:%d: [profile %s] pair: '%s' is not a profile of the "
                                  "other usage",
                                  s->path, p->line, p->name, p->pair);
        }
    }
    return 0;
}

int rk_profiles_load(rk_profiles **out, const char *path)
{
    parse_state st;
    int rc;

    *out = NULL;
    rk_profiles *s = calloc(1, sizeof *s);
    if (!s) return rk_err_oom();
    snprintf(s->path, sizeof s->path, "%s", path);
    memset(&st, 0, sizeof st);
    st.set = s;
    if (!(st.file = fopen(path, "r"))) {
        rc = rk_err_set(errno == ENOENT ? RK_ENOTFOUND : RK_ECONF, "%s: %s", path, strerror(errno));
        free(s);
        return rc;
    }
    int line = ini_parse_stream(reader, &st, handler_counting, &st);
    fclose(st.file);
    if (st.error[0])
        rc = rk_err_set(RK_ECONF, "%s:%d: %s", path, st.error_line, st.error);
    else if (line != 0)
        rc = rk_err_set(RK_ECONF, "%s:%d: not a section header or key = value line", path, line);
    else
        rc = check_profiles(s);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void rk_profiles_free(rk_profiles *set)
{
    free(set);
}

const rk_profile *rk_profiles_find(const rk_profiles *set, const char *name)
{
    for (int i = 0; set && i < set->n; i++)
        if (!strcmp(set->p[i].name, name)) return &set->p[i];
    return NULL;
}

/* ---- templates ----------------------------------------------------------- */

static const char *field(const char *name, size_t len, const char *const *names,
                         const char *const *values, int n)
{
    for (int i = n - 1; i >= 0; i--) /* the last one given wins */
        if (strlen(names[i]) == len && !memcmp(names[i], name, len)) return values[i];
    return NULL;
}

int rk_profile_expand(char *out, size_t n, int *omitted, const char *tpl, const char *const *names,
                      const char *const *values, int nfields)
{
    size_t o = 0;
    *omitted = 0;
    out[0] = '\0';
    for (const char *p = tpl; *p;) {
        const char *piece = p;
        size_t len = 1;
        if (*p == '{') {
            const char *end = strchr(p, '}');
            if (!end) return rk_err_set(RK_EINVAL, "template '%s': '{' without '}'", tpl);
            size_t nl = (size_t)(end - p - 1);
            int optional = nl > 0 && p[nl] == '?';
            if (optional) nl--;
            const char *v = field(p + 1, nl, names, values, nfields);
            if (!v || !*v) {
                if (optional) {
                    *omitted = 1;
                    out[0] = '\0';
                    return 0;
                }
                return rk_err_set(RK_EINVAL, "the order field '%.*s' is missing", (int)nl, p + 1);
            }
            piece = v;
            len = strlen(v);
            p = end + 1;
        } else {
            p++;
        }
        if (o + len >= n) return rk_err_set(RK_ETOOBIG, "template '%s': value too long", tpl);
        memcpy(out + o, piece, len);
        o += len;
        out[o] = '\0';
    }
    return 0;
}

static char *trim(char *s)
{
    s += strspn(s, " \t");
    size_t l = strlen(s);
    while (l > 0 && (s[l - 1] == ' ' || s[l - 1] == '\t'))
        s[--l] = '\0';
    return s;
}

int rk_profile_subject(X509_NAME **out, const rk_profile *p, const char *const *names,
                       const char *const *values, int nfields)
{
    char buf[RK_PROFILE_TPL_MAX], val[1024], *save = NULL;
    int rc = 0, omitted;
    X509_NAME *n = X509_NAME_new();

    *out = NULL;
    if (!n) return rk_err_oom();
    snprintf(buf, sizeof buf, "%s", p->subject);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        if (!eq) continue; /* checked at load */
        *eq = '\0';
        char *attr = trim(t), *tpl = trim(eq + 1);
        if ((rc = rk_profile_expand(val, sizeof val, &omitted, tpl, names, values, nfields)))
            goto fail;
        if (omitted) continue;
        char *v = trim(val);
        if (!*v) continue;
        if (!X509_NAME_add_entry_by_txt(n, attr, MBSTRING_UTF8, (const unsigned char *)v, -1, -1,
                                        0)) {
            rc = rk_err_set(RK_EINVAL, "subject %s: '%s' is not a valid value", attr, v);
            goto fail;
        }
    }
    if (X509_NAME_entry_count(n) == 0) {
        rc = rk_err_set(RK_EINVAL, "profile %s: the subject is empty", p->name);
        goto fail;
    }
    *out = n;
    return 0;
fail:
    X509_NAME_free(n);
    return rc;
}

/* ---- extensions ---------------------------------------------------------- */

static int add_conf_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    if (!e)
        return rk_err_set(RK_EINVAL, "extension %s = '%s' is not valid", OBJ_nid2sn(nid), value);
    int ok = X509_add_ext(cert, e, -1);
    X509_EXTENSION_free(e);
    return ok ? 0 : rk_err_oom();
}

static int printable(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr(" '()+,-./:=?", *s)))
            return 0;
    return 1;
}

/* An extension whose value is the DER of a PrintableString. */
static int add_gmt_ext(X509 *cert, const char *oid, const char *what, const char *tpl,
                       const char *const *names, const char *const *values, int nfields)
{
    char val[256];
    unsigned char *der = NULL;
    int omitted, len, rc;

    if (!tpl[0]) return 0;
    if ((rc = rk_profile_expand(val, sizeof val, &omitted, tpl, names, values, nfields))) return rc;
    if (omitted) return 0;
    if (!printable(val) || strlen(val) > 64)
        return rk_err_set(RK_EINVAL, "%s '%s' may hold only letters, digits and spaces", what, val);
    ASN1_PRINTABLESTRING *ps = ASN1_PRINTABLESTRING_new();
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *e = NULL;
    rc = rk_err_oom();
    if (ps && obj && os && ASN1_STRING_set(ps, val, -1) &&
        (len = i2d_ASN1_PRINTABLESTRING(ps, &der)) > 0 && ASN1_OCTET_STRING_set(os, der, len) &&
        (e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) && X509_add_ext(cert, e, -1))
        rc = 0;
    X509_EXTENSION_free(e);
    ASN1_PRINTABLESTRING_free(ps);
    ASN1_OBJECT_free(obj);
    ASN1_OCTET_STRING_free(os);
    OPENSSL_free(der);
    return rc;
}

static int dns_ok(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > 253 || s[0] == '.' || s[len - 1] == '.') return 0;
    if (s[0] == '*' && s[1] != '.') return 0;
    for (const char *p = s[0] == '*' ? s + 1 : s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.'))
            return 0;
    return strstr(s, "..") == NULL;
}

static int email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1] || strchr(at + 1, '@') || strlen(s) > 254) return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f) return 0;
    return 1;
}

/* Appends names of type gen_type from the comma-separated templates tpl. */
static int add_alt_names(GENERAL_NAMES *gens, int gen_type, const char *tpl,
                         const char *const *names, const char *const *values, int nfields)
{
    char buf[RK_PROFILE_TPL_MAX], val[300], *save = NULL;
    int omitted, rc;
    snprintf(buf, sizeof buf, "%s", tpl);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        t = trim(t);
        if (!*t) continue;
        if ((rc = rk_profile_expand(val, sizeof val, &omitted, t, names, values, nfields)))
            return rc;
        if (omitted) continue;
        char *v = trim(val);
        if (gen_type == GEN_DNS ? !dns_ok(v) : !email_ok(v))
            return rk_err_set(RK_EINVAL, "'%s' is not a valid %s", v,
                              gen_type == GEN_DNS ? "domain name" : "e-mail address");
        GENERAL_NAME *g = GENERAL_NAME_new();
        ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
        if (!g || !ia5 || !ASN1_STRING_set(ia5, v, -1)) {
            GENERAL_NAME_free(g);
            ASN1_IA5STRING_free(ia5);
            return rk_err_oom();
        }
        GENERAL_NAME_set0_value(g, gen_type, ia5);
        if (!sk_GENERAL_NAME_push(gens, g)) {
            GENERAL_NAME_free(g);
            return rk_err_oom();
        }
    }
    return 0;
}

int rk_profile_apply(X509 *cert, const rk_profile *p, X509 *issuer, const char *const *names,
                     const char *const *values, int nfields)
{
    X509V3_CTX ctx;
    char eku[300];
    int rc;

    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    if ((rc = add_conf_ext(cert, &ctx, NID_basic_constraints, "critical,CA:FALSE")) ||
        (rc = add_conf_ext(cert, &ctx, NID_key_usage, p->key_usage)) ||
        (rc = add_conf_ext(cert, &ctx, NID_subject_key_identifier, "hash")) ||
        (rc = add_conf_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always")))
        return rc;
    if (p->ext_key_usage[0]) {
        snprintf(eku, sizeof eku, "%s", p->ext_key_usage);
        if ((rc = add_conf_ext(cert, &ctx, NID_ext_key_usage, eku))) return rc;
    }
    if (p->san_dns[0] || p->san_email[0]) {
        GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
        if (!gens) return rk_err_oom();
        rc = add_alt_names(gens, GEN_DNS, p->san_dns, names, values, nfields);
        if (!rc) rc = add_alt_names(gens, GEN_EMAIL, p->san_email, names, values, nfields);
        if (!rc && sk_GENERAL_NAME_num(gens) == 0 && !strcmp(p->holder, "server"))
            rc = rk_err_set(RK_EINVAL, "a server certificate needs a domain name");
        if (!rc && sk_GENERAL_NAME_num(gens) > 0 &&
            !X509_add1_ext_i2d(cert, NID_subject_alt_name, gens, 0, X509V3_ADD_REPLACE))
            rc = rk_err_oom();
        GENERAL_NAMES_free(gens);
        if (rc) return rc;
    }
    if ((rc = add_gmt_ext(cert, RK_OID_GMT_IDENTITY, "the identity number", p->identity, names,
                          values, nfields)) ||
        (rc = add_gmt_ext(cert, RK_OID_GMT_CREDIT_CODE, "the credit code", p->credit_code, names,
                          values, nfields)))
        return rc;
    return 0;
}

int rk_profile_check_key(const rk_profile *p, EVP_PKEY *key)
{
    int ok = 0;
    char group[64] = "";
    size_t gl = 0;
    if (EVP_PKEY_is_a(key, "EC") || EVP_PKEY_is_a(key, "SM2"))
        EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &gl);
    switch (p->key_alg) {
    case RK_PROFILE_KEY_EC_P256: ok = !strcmp(group, "prime256v1"); break;
    case RK_PROFILE_KEY_SM2: ok = !strcmp(group, "SM2"); break;
    case RK_PROFILE_KEY_RSA_2048:
        ok = EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) == 2048;
        break;
    }
    if (!ok)
        return rk_err_set(RK_EINVAL, "profile %s needs an %s key, the request has %s%s%s", p->name,
                          rk_profile_key_name(p->key_alg), EVP_PKEY_get0_type_name(key),
                          group[0] ? " " : "", group);
    return 0;
}
