/*
 * Command-line options of rasync and rahq (see opts.h).
 */
#include "opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(const char *cmd, const char *what, const char *arg)
{
    fprintf(stderr, "%s: %s '%s'; see %s --help\n", cmd, what, arg, cmd);
    return -1;
}

int rk_opts_parse(const char *cmd, const rk_opt *opts, int argc, char **argv, int first, char **pos,
                  int max_pos, int *npos)
{
    if (npos) *npos = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        const rk_opt *o = NULL;
        if (a[0] != '-' || !a[1]) {
            if (!npos || *npos >= max_pos) return usage(cmd, "unexpected argument", a);
            pos[(*npos)++] = argv[i];
            continue;
        }
        for (const rk_opt *p = opts; p && p->name; p++)
            if (!strcmp(p->name, a)) o = p;
        if (!o) return usage(cmd, "unknown option", a);
        if (o->kind == RK_OPT_FLAG) {
            *(int *)o->dest = 1;
            continue;
        }
        if (i + 1 >= argc) return usage(cmd, "a value is missing after", a);
        const char *v = argv[++i];
        if (o->kind == RK_OPT_STR) {
            *(const char **)o->dest = v;
            continue;
        }
        char *end;
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (!*v || *end || errno || x < o->min || x > o->max) {
            char range[96];
            snprintf(range, sizeof range, " (a whole number from %lld to %lld)", (long long)o->min,
                     (long long)o->max);
            fprintf(stderr, "%s: %s takes a number, not '%s'%s; see %s --help\n", cmd, a, v, range,
                    cmd);
            return -1;
        }
        *(int64_t *)o->dest = x;
    }
    return 0;
}

int rk_opts_help(int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return 1;
    return 0;
}
