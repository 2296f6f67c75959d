/*
 * The branch: the one object a counter program (ractl, rakiosk, rasync)
 * opens to reach everything a registration branch has, and the place where
 * the counter's workflows are put together as services (services.h and
 * the files beside it).
 *
 * rk_branch_open() only records where things are; each part opens on first
 * use and stays open until rk_branch_close(): the configuration, the
 * database (its migrations current) and the order ledger here; the clerk
 * session (session.h); USB keys, the branch secret and the demo keys
 * (keys.h); the HSM, the sub-CA, its profiles and the issuer (branchca.h);
 * the receipt printer, its spool and the A4 queue (printers.h); the ID
 * card reader and the scanner (readers.h). Each part lives in its own
 * object file and is closed through the branch without this file naming
 * it, so a program that never prints links no printing code.
 *
 * Every override a program used to read from its environment is resolved
 * once, in env.h (or handed in by the caller), and the parts read it from
 * the branch.
 *
 * Threads: a branch belongs to one thread at a time (its database
 * connection, ledger and device contexts are not shared); a job runner's
 * worker opens a branch of its own (util/jobs.h, docs/ARCHITECTURE.md),
 * which takes the USB key contexts of the program's branch (opts.keys_of)
 * under a lock, since a PKCS#11 module loads once per process (keys.h).
 */
#ifndef RK_BRANCH_H
#define RK_BRANCH_H

#include "branch/env.h"
#include "conf/conf.h"
#include "db/db.h"
#include "domain/ledger.h"

typedef struct rk_branch rk_branch;

typedef struct rk_branch_opts {
    const char *conf_path;    /* the configuration file; NULL: conf.h's search */
    rk_conf *conf;            /* a loaded configuration the branch takes over; NULL: load
                                 conf_path on first use */
    const rk_branch_env *env; /* settings to use; NULL: read the process environment */
    /* Another branch of this process whose USB key contexts this one uses
     * instead of opening its own (a job runner's workers: one token
     * context per module per process, keys.h). It must outlive this
     * branch and have its configuration loaded. NULL: its own. */
    rk_branch *keys_of;
} rk_branch_opts;

/* A new branch for opts (NULL: all defaults); nothing is opened yet. The
 * caller owns *out (rk_branch_close). RK_ECONF if the environment holds an
 * unusable value, RK_ENOMEM. On failure a conf handed over is freed. */
int rk_branch_open(rk_branch **out, const rk_branch_opts *opts);

/* Closes every part that was opened (devices first, then the ledger, the
 * database and the configuration) and wipes the session; NULL does
 * nothing. */
void rk_branch_close(rk_branch *b);

/* opts->keys_of of rk_branch_open (NULL: none). For keys.c. */
rk_branch *rk_branch_keys_of(const rk_branch *b);

/* The settings (borrowed, valid until close). */
const rk_branch_env *rk_branch_env_of(const rk_branch *b);

/* Points SoftHSM2 at the store conf_path (env.h's rk_branch_env_set_softhsm
 * on the branch's settings): for the device openers, before a module
 * loads. */
int rk_branch_use_softhsm(rk_branch *b, const char *conf_path);

/* The configuration, loaded on first use. RK_ECONF with file:line:key for
 * a bad file or when none is found. Borrowed. */
int rk_branch_conf(rk_branch *b, const rk_conf **out);

/* The configuration if it loads, else NULL (for work that can do without
 * a branch, such as printing a sample). */
const rk_conf *rk_branch_conf_maybe(rk_branch *b);

/* The branch database, opened on first use; RK_EDB when it is missing
 * (run `ractl init`), at an older schema (run `ractl db migrate`) or newer
 * than this program. Borrowed. */
int rk_branch_db(rk_branch *b, rk_db **out);

/* The database opened without the schema check (for init and migrate). */
int rk_branch_db_any(rk_branch *b, rk_db **out);

/* The order ledger (rule files and data key), opened on first use.
 * Borrowed. */
int rk_branch_ledger(rk_branch *b, rk_ledger **out);

/* Takes up a configuration bundle rasync installed since this branch
 * loaded its rule files (sync.config_version in the database, compared
 * here): the configuration's rule files are pointed at the bundle, the
 * ledger's forms, fees and working calendar reloaded, and the
 * certificate profiles (with the sub-CA issuer that uses them) reopened
 * on next use. One query when nothing changed. Call it between
 * operations, never inside one: a program calls it before each job on a
 * worker and when a visit begins on its UI thread. The rule sets it
 * replaces are kept until the branch closes, since a program may still
 * hold a form's definitions it took before (a visit's form, a job's field
 * names). Returns 1 when a newer bundle was taken up, 0 when none was,
 * or a negative RK_E* code (the rules in force stay). */
int rk_branch_config_refresh(rk_branch *b);

/* The bundle version the branch's rule files are from (0: the shipped
 * files; -1: none loaded yet). */
int64_t rk_branch_config_version(const rk_branch *b);

/* The parts a branch can hold besides its configuration, database and
 * ledger, closed in this order. */
typedef enum rk_branch_part {
    RK_BRANCH_ISSUER,   /* branchca.c: the sub-CA as an enrolment issuer */
    RK_BRANCH_SUBCA,    /* branchca.c: the sub-CA (before the tokens: they may share a module) */
    RK_BRANCH_PROFILES, /* branchca.c: certificate profiles */
    RK_BRANCH_SPOOL,    /* printers.c: the receipt spool */
    RK_BRANCH_READERS,  /* readers.c */
    RK_BRANCH_TOKENS,   /* keys.c: token contexts, one per module */
    RK_BRANCH_SESSION,  /* session.c: the clerk session (wiped) */
    RK_BRANCH_PARTS
} rk_branch_part;

/* The part's object, or NULL if it is not open. */
void *rk_branch_part_get(const rk_branch *b, rk_branch_part part);

/* Hands an opened part to the branch, which closes it with close_fn at
 * rk_branch_close (or when the part is replaced). For the part files. */
void rk_branch_part_set(rk_branch *b, rk_branch_part part, void *obj, void (*close_fn)(void *));

#endif
