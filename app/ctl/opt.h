/*
 * ractl's one option parser: every command describes its options in a
 * table (curl's tool_getparam is the model) and hands argv to
 * rk_ctl_opts_parse, which fills the destinations and refuses what does not
 * fit with a usage error (exit 2) that names the option and what it
 * accepts.
 *
 * An entry says the option's long name, an optional short letter, its
 * kind, where the value goes, the name of its argument and a line of help.
 * Kinds check their values: a whole number within a range (`--port abc`
 * and `--limit 0` are refused, never read as 0), an amount in yuan, a
 * calendar date (2026-02-30 is refused), one value of a fixed list (the
 * message lists them). `--name value` and `--name=value` both work; `--`
 * ends the options. Words that are not options are positional arguments,
 * collected in order up to a maximum.
 *
 * Tables are built on the stack of the command with designated
 * initialisers, so destinations are the command's own variables:
 *
 *     const char *state = NULL;
 *     int limit = 0;
 *     const rk_ctl_opt opts[] = {
 *         {.name = "--state", .kind = RK_OPT_ENUM, .dest = &state, .values = states},
 *         {.name = "--limit", .kind = RK_OPT_INT, .dest = &limit, .min = 1, .max = 100000},
 *     };
 *     rk_ctl_args a = {.cmd = "ractl order list", .opts = opts, .n_opts = 2};
 *     if ((code = rk_ctl_opts_parse(ctl, &a, argc, argv)) != 0) return code;
 */
#ifndef RK_CTL_OPT_H
#define RK_CTL_OPT_H

#include <stddef.h>
#include <stdint.h>

struct rk_ctl;

typedef enum rk_ctl_opt_kind {
    RK_OPT_FLAG,  /* int *dest = 1 (a flag takes no value) */
    RK_OPT_STR,   /* const char **dest = the argument (not copied) */
    RK_OPT_INT,   /* int *dest: a whole number in [min, max] */
    RK_OPT_INT64, /* int64_t *dest: a whole number in [min, max] */
    RK_OPT_YUAN,  /* int64_t *dest: yuan with at most two decimals, in fen */
    RK_OPT_DATE,  /* const char **dest: a calendar date YYYY-MM-DD */
    RK_OPT_ENUM,  /* const char **dest: one of values (the table's own string) */
    RK_OPT_LIST,  /* const char **dest array: the option repeated, *count items */
    RK_OPT_PAIR   /* NAME=VALUE repeated: names in dest, values in values_out */
} rk_ctl_opt_kind;

typedef struct rk_ctl_opt {
    const char *name; /* "--port" */
    char letter;      /* 'p' for -p; 0 for none */
    rk_ctl_opt_kind kind;
    void *dest;
    const char *arg;           /* the argument's name in messages: "N", "FILE"; NULL: by kind */
    const char *help;          /* one line, for listings; may be NULL */
    int64_t min, max;          /* INT, INT64: the accepted range (both 0: the type's) */
    const char *const *values; /* ENUM: the accepted words, NULL-terminated */
    int *count;                /* LIST, PAIR: items stored so far (the caller sets it to 0) */
    int max_count;             /* LIST, PAIR: capacity of dest (and values_out) */
    const char **values_out;   /* PAIR: the values */
    int *seen;                 /* if set: 1 once the option was given */
} rk_ctl_opt;

typedef struct rk_ctl_args {
    const char *cmd; /* "ractl order list": names the command in messages */
    const rk_ctl_opt *opts;
    int n_opts;
    const char **pos;       /* positional arguments, in order (may be NULL if max_pos 0) */
    int max_pos;            /* more is a usage error ("unexpected argument") */
    int *n_pos;             /* how many were given (may be NULL) */
    int stop_at_positional; /* 1: the first positional word ends the options (global
                              options before a command) */
    int *next;              /* with stop_at_positional: index of that word, or argc */
} rk_ctl_args;

/* Parses argv[1..argc-1] (argv[0] is the command's name) into the table's
 * destinations. 0, or RK_EXIT_USAGE after the message "<cmd>: <problem>
 * (see '<cmd> --help')" (and the JSON error with --json). Help flags are
 * not special here: commands ask rk_ctl_wants_help first. */
int rk_ctl_opts_parse(struct rk_ctl *ctl, const rk_ctl_args *a, int argc, char **argv);

/* Checks one value against one entry and stores it, as the parser does
 * (for values that come from elsewhere, such as `--week` given as a
 * positional): 0 or RK_EXIT_USAGE with the message. */
int rk_ctl_opt_store(struct rk_ctl *ctl, const char *cmd, const rk_ctl_opt *o, const char *value);

/* "a, b or c" for an enum's values into out (for help texts). */
void rk_ctl_opt_values(char *out, size_t n, const char *const *values);

#endif
