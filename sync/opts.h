/*
 * Command-line options of rasync and rahq: one table per command (name,
 * kind, destination, the range of a number), parsed in one place with a
 * clear message for a missing value, an unknown option or a number out of
 * range, in the manner of curl's tool_getparam.
 */
#ifndef RK_SYNC_OPTS_H
#define RK_SYNC_OPTS_H

#include <stdint.h>

enum { RK_OPT_FLAG = 1, RK_OPT_STR, RK_OPT_INT };

typedef struct rk_opt {
    const char *name; /* "--port" */
    int kind;         /* RK_OPT_* */
    void *dest;       /* int* for flags (set to 1), const char** for strings, int64_t* for ints */
    int64_t min, max; /* for RK_OPT_INT */
} rk_opt;

/* Parses argv[first..argc) against opts (ending with a NULL name).
 * Arguments that are not options are collected into pos[0..max_pos) and
 * counted in *npos (pos may be NULL with max_pos 0: none allowed).
 * 0, or -1 after printing "<cmd>: <problem>; see <cmd> --help" to stderr. */
int rk_opts_parse(const char *cmd, const rk_opt *opts, int argc, char **argv, int first, char **pos,
                  int max_pos, int *npos);

/* 1 if argv[first..argc) asks for help (-h, --help). */
int rk_opts_help(int argc, char **argv, int first);

#endif
