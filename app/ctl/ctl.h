/*
 * What every ractl subcommand shares: the invocation context (global
 * options, the configuration and database opened on first use), the exit
 * codes, error reporting in text or JSON, and dispatch to sub-subcommands.
 *
 * A subcommand lives in its own file cmd_<name>.c and exports one function
 * `int rk_ctl_cmd_<name>(rk_ctl *ctl, int argc, char **argv)` that returns a
 * process exit code; argv[0] is the subcommand's own name. The table in
 * ractl.c lists them.
 */
#ifndef RK_CTL_H
#define RK_CTL_H

#include <stdio.h>

#include "branch/branch.h"
#include "conf/conf.h"
#include "db/db.h"
#include "domain/clerk.h"
#include "domain/ledger.h"
#include "opt.h"
#include "util/buf.h"
#include "util/hex.h"
#include "util/json.h"

/* Exit codes, documented in `ractl --help` and docs/ractl.md. */
enum {
    RK_EXIT_OK = 0,       /* success; for checks: valid / verified */
    RK_EXIT_FAIL = 1,     /* the check ran and said no (invalid value, broken chain) */
    RK_EXIT_USAGE = 2,    /* wrong arguments */
    RK_EXIT_CONF = 3,     /* configuration missing or wrong */
    RK_EXIT_DB = 4,       /* database missing, locked or damaged */
    RK_EXIT_PERM = 5,     /* not logged in, wrong password, role or duty refused */
    RK_EXIT_NOTFOUND = 6, /* no such clerk, order, key ... */
    RK_EXIT_STATE = 7,    /* refused in the present state, or already exists */
    RK_EXIT_DEVICE = 8,   /* device missing or failing */
    RK_EXIT_WARNING = 9,  /* a check: valid with a warning a clerk must accept with a reason */
    RK_EXIT_INTERNAL = 70 /* a bug or resource exhaustion */
};

typedef struct rk_ctl {
    const char *conf_path; /* --conf, or NULL for the default search */
    int json;              /* --json: machine-readable output on stdout */
    int quiet;             /* --quiet: no informational lines */
    rk_branch *branch;     /* everything the branch has, opened on first use */
    /* The --json reply being written (rk_ctl_reply ... rk_ctl_reply_end). */
    rk_buf reply_buf;
    rk_json reply;
    int reply_open;
} rk_ctl;

typedef int (*rk_ctl_fn)(rk_ctl *ctl, int argc, char **argv);

typedef struct rk_ctl_cmd {
    const char *name;
    rk_ctl_fn run;
    const char *summary; /* one line for the parent's --help */
} rk_ctl_cmd;

/* Maps a core RK_E* code to an exit code. */
int rk_ctl_exit_code(int rc);

/* Reports the core error rc (message from rk_err_msg()) on stderr, or as a
 * JSON object {"ok":false,"error":...,"code":...} on stdout with --json, and
 * returns the matching exit code. */
int rk_ctl_fail(rk_ctl *ctl, int rc);

/* Reports a usage error ("ractl <cmd>: <message>; see --help") and returns
 * RK_EXIT_USAGE. */
int rk_ctl_usage(rk_ctl *ctl, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 1 if argv holds -h or --help (the caller then prints its help and exits 0). */
int rk_ctl_wants_help(int argc, char **argv);

/* The branch's configuration (rk_branch_conf: loaded once, see conf.h for
 * the search order). */
int rk_ctl_conf(rk_ctl *ctl, const rk_conf **out);

/* The branch database (rk_branch_db: after `ractl init`; migrations must be
 * current, or RK_EDB tells the user to run `ractl db migrate`). */
int rk_ctl_db(rk_ctl *ctl, rk_db **out);

/* Runs the sub-subcommand named argv[1] from table; prints the table as help
 * for -h/--help or no argument. `path` is e.g. "ractl clerk". */
int rk_ctl_dispatch(rk_ctl *ctl, int argc, char **argv, const char *path, const char *about,
                    const rk_ctl_cmd *table, int n);

/* Reads a secret (a password, a PIN, an authorisation code) from the
 * terminal without echo, or one line from stdin when stdin is not a
 * terminal; the caller wipes it. A refusal names what prompt asks for
 * ("subscriber's PIN: " -> "no subscriber's PIN given on standard input"). */
int rk_ctl_read_secret(char *out, size_t n, const char *prompt);

/* The branch's order ledger (database, rule files, data key). */
int rk_ctl_ledger(rk_ctl *ctl, rk_ledger **out);

/* Parses "123.45" yuan into fen; RK_EINVAL with a message otherwise. */
int rk_ctl_parse_yuan(int64_t *fen, const char *text);

/* Reads a whole file of at most max bytes into a new buffer (free() it);
 * RK_ETOOBIG naming both sizes when it is larger, without reading it. */
int rk_ctl_read_file(unsigned char **out, size_t *len, const char *path, size_t max);

/* Prints order rows as a table, or a JSON array with --json. */
struct rk_order_row;
int rk_ctl_print_orders(rk_ctl *ctl, const struct rk_order_row *rows, int n);

/* Formats a Unix time as local "YYYY-MM-DD HH:MM" ("-" for 0). */
void rk_ctl_time(char *out, size_t n, int64_t t);

/* The logged-in clerk of this shell (branch/session.h: the session file
 * $RAKIOSK_SESSION or <data_dir>/sessions/<uid>.session). RK_EPERM if none. */
int rk_ctl_actor(rk_ctl *ctl, rk_actor *out);

/* Writes a finished JSON document and a newline to stdout. */
int rk_ctl_print_json(rk_ctl *ctl, rk_json *j, rk_buf *b);

/* The one writer of --json replies, on rk_json (so every string value is
 * escaped): rk_ctl_reply begins an object that already holds "ok":true
 * (rk_ctl_reply_array an array) and returns the writer to add members to;
 * rk_ctl_reply_end closes it, prints it with a newline and returns 0, or
 * the exit code of the failure. Without --json the reply is built and
 * dropped, so a command may fill it unconditionally. One reply at a time. */
rk_json *rk_ctl_reply(rk_ctl *ctl);
rk_json *rk_ctl_reply_array(rk_ctl *ctl);
/* The same object with "ok" set to ok (a check that said no). */
rk_json *rk_ctl_reply_ok(rk_ctl *ctl, int ok);
/* An object without "ok": a line that announces a state while the command
 * goes on (a server listening), before its reply. */
rk_json *rk_ctl_reply_event(rk_ctl *ctl);
int rk_ctl_reply_end(rk_ctl *ctl);

/* The reply of a command that has nothing to say but success:
 * {"ok":true} with --json, else the informational line fmt (unless
 * --quiet). Returns 0 or the exit code of a failed write. */
int rk_ctl_done(rk_ctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints an informational line to stdout unless --quiet or --json. */
void rk_ctl_info(rk_ctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A certificate serial in its one written form (util/hex.h: upper-case
 * hex in whole bytes) in buf, which is returned; one that is not hex (a
 * person's typing) is returned as it is. For every serial ractl shows. */
const char *rk_ctl_serial(char buf[RK_HEX_SERIAL_MAX], const char *any);

#endif
