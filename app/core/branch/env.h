/*
 * Every setting a branch takes from the process environment, read in one
 * place and kept in one struct, so that no program reads an environment
 * variable of its own and a test or a kiosk can hand the branch layer its
 * settings without touching the environment.
 *
 * Where the configuration itself is (RAKIOSK_CONF, RAKIOSK_DATA_DIR) stays
 * with conf.h's search, and the process-wide hooks of util (RAKIOSK_NOW,
 * RAKIOSK_LOG) with the clock and the log; everything else a counter
 * program overrides is here. An empty field means "not set": the
 * configuration (kiosk.conf) decides.
 */
#ifndef RK_BRANCH_ENV_H
#define RK_BRANCH_ENV_H

#include <limits.h>

typedef struct rk_branch_env {
    char session[PATH_MAX];           /* RAKIOSK_SESSION: the clerk session file */
    char token_module[PATH_MAX];      /* RAKIOSK_TOKEN_MODULE: PKCS#11 module of USB keys */
    char hsm_module[PATH_MAX];        /* RAKIOSK_HSM_MODULE: PKCS#11 module of the HSM */
    char hsm_pin_file[PATH_MAX];      /* RAKIOSK_HSM_PIN_FILE: the HSM user PIN's file */
    char softhsm2_conf[PATH_MAX];     /* SOFTHSM2_CONF: a SoftHSM2 store set up outside */
    char p11lock_state_dir[PATH_MAX]; /* RK_P11LOCK_STATE_DIR: the demo keys' state */
    char printer[256];                /* RAKIOSK_PRINTER: the receipt printer's URI */
    char printer_width[16];           /* RAKIOSK_PRINTER_WIDTH: 58 or 80 (checked where used) */
    char print_spool[PATH_MAX];       /* RAKIOSK_PRINT_SPOOL: the receipt spool folder */
    char a4_queue[128];               /* RAKIOSK_A4_QUEUE: the CUPS queue for A4 */
    char idreader[PATH_MAX];          /* RAKIOSK_IDREADER: the ID card reader's tty */
} rk_branch_env;

/* Fills env from the process environment. RK_ECONF naming the variable
 * when a value is too long for its field (that field is left empty, the
 * others are filled). Values are checked where they are used, so a bad
 * printer setting does not stop a program that does not print. */
int rk_branch_env_read(rk_branch_env *env);

/* Makes SoftHSM2 (and modules over it, such as p11lock) use the store
 * SOFTHSM2_CONF names: sets it in the process environment, which is where
 * SoftHSM reads it when the module is loaded. Only the branch's device
 * openers call this, before loading a module; env->softhsm2_conf keeps the
 * value. */
int rk_branch_env_set_softhsm(rk_branch_env *env, const char *conf_path);

#endif
