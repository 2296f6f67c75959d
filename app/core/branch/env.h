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
#include <stddef.h>

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

/* The token folder (directories.tokendir) the SoftHSM2 configuration
 * conf_path names, into out: 0, RK_ENOTFOUND when the file has no such
 * line, RK_EIO when it cannot be read. */
int rk_branch_env_softhsm_tokendir(const char *conf_path, char *out, size_t n);

/* Checks, before a SoftHSM2-based module (SoftHSM2 itself, p11lock over
 * it) loads, the store that env->softhsm2_conf names: the file exists and
 * is readable, it names a token folder, and that folder exists and this
 * user may write it. SoftHSM itself answers each of these only with
 * "CKR_GENERAL_ERROR" (0x5) from C_Initialize, which programs reported as
 * "starting the HSM module failed" or "cannot load the USB key module".
 * RK_ECONF saying what is wrong and how to fix it; own_store (may be NULL)
 * is the branch's own demo store, offered as the alternative. 0 when
 * env->softhsm2_conf is empty (nothing set from outside). */
int rk_branch_env_check_softhsm(const rk_branch_env *env, const char *own_store);

/* Checks that the PKCS#11 module file path exists and can be read, before
 * it is loaded: RK_ECONF naming the module, what it is for (what: "USB key",
 * "HSM"), where the path came from (from: "from RAKIOSK_TOKEN_MODULE") and
 * the setting that changes it (setting: "RAKIOSK_TOKEN_MODULE"). */
int rk_branch_env_check_module(const char *path, const char *what, const char *from,
                               const char *setting);

#endif
