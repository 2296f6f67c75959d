/*
 * The option table parser of ractl (see opt.h).
 */
#include "opt.h"

#include "ctl.h"
#include "domain/fees.h"
#include "domain/validate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void rk_ctl_opt_values(char *out, size_t n, const char *const *values)
{
    size_t used = 0;
    int count = 0;
    if (n) out[0] = '\0';
    while (values && values[count])
        count++;
    for (int i = 0; i < count && used < n; i++) {
        int w = snprintf(out + used, n - used, "%s%s",
                         i == 0           ? ""
                         : i == count - 1 ? " or "
                                          : ", ",
                         values[i]);
        if (w < 0) break;
        used += (size_t)w;
    }
}

/* What an option accepts, for messages: "a whole number from 1 to 100". */
static void accepts(char *out, size_t n, const rk_ctl_opt *o)
{
    char list[512];
    switch (o->kind) {
    case RK_OPT_INT:
    case RK_OPT_INT64:
        if (o->min || o->max)
            snprintf(out, n, "a whole number from %" PRId64 " to %" PRId64, o->min, o->max);
        else
            snprintf(out, n, "a whole number");
        break;
    case RK_OPT_YUAN: snprintf(out, n, "an amount in yuan such as 180 or 180.50"); break;
    case RK_OPT_DATE: snprintf(out, n, "a date YYYY-MM-DD"); break;
    case RK_OPT_ENUM:
        rk_ctl_opt_values(list, sizeof list, o->values);
        snprintf(out, n, "one of %s", list);
        break;
    case RK_OPT_PAIR: snprintf(out, n, "%s", o->arg ? o->arg : "NAME=VALUE"); break;
    default: snprintf(out, n, "%s", o->arg ? o->arg : "a value"); break;
    }
}

static int usage(rk_ctl *ctl, const char *cmd, const rk_ctl_opt *o, const char *value,
                 const char *problem)
{
    char what[600];
    accepts(what, sizeof what, o);
    if (value) return rk_ctl_usage(ctl, cmd, "%s: '%s' %s: give %s", o->name, value, problem, what);
    return rk_ctl_usage(ctl, cmd, "%s needs %s", o->name, what);
}

static int whole(int64_t *out, const char *s)
{
    char *end;
    if (!*s || strchr(" \t\n+", *s)) return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return -1;
    *out = (int64_t)v;
    return 0;
}

int rk_ctl_opt_store(rk_ctl *ctl, const char *cmd, const rk_ctl_opt *o, const char *value)
{
    int64_t v = 0;
    if (o->seen) *o->seen = 1;
    switch (o->kind) {
    case RK_OPT_FLAG: *(int *)o->dest = 1; return 0;
    case RK_OPT_STR: *(const char **)o->dest = value; return 0;
    case RK_OPT_INT:
    case RK_OPT_INT64: {
        int64_t lo = o->min, hi = o->max;
        if (!lo && !hi) {
            lo = o->kind == RK_OPT_INT ? INT32_MIN : INT64_MIN;
            hi = o->kind == RK_OPT_INT ? INT32_MAX : INT64_MAX;
        }
        if (whole(&v, value)) return usage(ctl, cmd, o, value, "is not a whole number");
        if (v < lo || v > hi) return usage(ctl, cmd, o, value, "is out of range");
        if (o->kind == RK_OPT_INT)
            *(int *)o->dest = (int)v;
        else
            *(int64_t *)o->dest = v;
        return 0;
    }
    case RK_OPT_YUAN:
        if (rk_fen_parse(&v, value)) return usage(ctl, cmd, o, value, "is not an amount");
        *(int64_t *)o->dest = v;
        return 0;
    case RK_OPT_DATE: {
        rk_valid r;
        if (rk_validate_date(&r, value) || !r.ok)
            return usage(ctl, cmd, o, value, "is not a calendar date");
        *(const char **)o->dest = value;
        return 0;
    }
    case RK_OPT_ENUM:
        for (int i = 0; o->values && o->values[i]; i++)
            if (!strcmp(value, o->values[i])) {
                *(const char **)o->dest = o->values[i];
                return 0;
            }
        return usage(ctl, cmd, o, value, "is not known");
    case RK_OPT_LIST:
    case RK_OPT_PAIR: {
        if (*o->count >= o->max_count)
            return rk_ctl_usage(ctl, cmd, "%s: at most %d times", o->name, o->max_count);
        const char *eq = strchr(value, '=');
        if (o->kind == RK_OPT_PAIR && (!eq || eq == value))
            return usage(ctl, cmd, o, value, "is not NAME=VALUE");
        if (o->kind == RK_OPT_PAIR) {
            /* The name is cut off in place: argv is the program's to edit. */
            *(char *)eq = '\0';
            o->values_out[*o->count] = eq + 1;
        }
        ((const char **)o->dest)[(*o->count)++] = value;
        return 0;
    }
    }
    return rk_ctl_usage(ctl, cmd, "%s: unknown option kind", o->name);
}

static const rk_ctl_opt *find_long(const rk_ctl_args *a, const char *word, size_t len)
{
    for (int i = 0; i < a->n_opts; i++)
        if (strlen(a->opts[i].name) == len && !strncmp(a->opts[i].name, word, len))
            return &a->opts[i];
    return NULL;
}

static const rk_ctl_opt *find_short(const rk_ctl_args *a, char letter)
{
    for (int i = 0; i < a->n_opts; i++)
        if (a->opts[i].letter && a->opts[i].letter == letter) return &a->opts[i];
    return NULL;
}

int rk_ctl_opts_parse(rk_ctl *ctl, const rk_ctl_args *a, int argc, char **argv)
{
    int npos = 0, options = 1;
    if (a->n_pos) *a->n_pos = 0;
    if (a->next) *a->next = argc;
    for (int i = 1; i < argc; i++) {
        char *w = argv[i];
        if (options && !strcmp(w, "--")) {
            options = 0;
            continue;
        }
        if (!options || w[0] != '-' || !w[1]) { /* a positional word ("-" too) */
            if (a->stop_at_positional) {
                if (a->next) *a->next = i;
                return 0;
            }
            if (npos >= a->max_pos) return rk_ctl_usage(ctl, a->cmd, "unexpected argument '%s'", w);
            a->pos[npos++] = w;
            if (a->n_pos) *a->n_pos = npos;
            continue;
        }
        const rk_ctl_opt *o;
        const char *inline_value = NULL;
        if (w[1] == '-') {
            const char *eq = strchr(w, '=');
            size_t len = eq ? (size_t)(eq - w) : strlen(w);
            o = find_long(a, w, len);
            if (o && eq) inline_value = eq + 1;
        } else {
            o = w[2] ? NULL : find_short(a, w[1]);
        }
        if (!o) return rk_ctl_usage(ctl, a->cmd, "unknown option '%s'", w);
        if (o->kind == RK_OPT_FLAG) {
            if (inline_value) return rk_ctl_usage(ctl, a->cmd, "%s takes no value", o->name);
            int rc = rk_ctl_opt_store(ctl, a->cmd, o, NULL);
            if (rc) return rc;
            continue;
        }
        if (!inline_value) {
            if (i + 1 >= argc) return usage(ctl, a->cmd, o, NULL, NULL);
            inline_value = argv[++i];
        }
        int rc = rk_ctl_opt_store(ctl, a->cmd, o, inline_value);
        if (rc) return rc;
    }
    return 0;
}
