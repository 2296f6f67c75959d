/*
 * The branch's settings from the process environment (see env.h).
 */
#include "branch/env.h"

#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void take(char *out, size_t n, const char *name, int *rc)
{
    const char *v = getenv(name);
    out[0] = '\0';
    if (!v || !*v) return;
    if (strlen(v) >= n) {
        *rc = rk_err_set(RK_ECONF, "%s is longer than %zu bytes", name, n - 1);
        return;
    }
    memcpy(out, v, strlen(v) + 1);
}

int rk_branch_env_read(rk_branch_env *env)
{
    int rc = 0;
    memset(env, 0, sizeof *env);
    take(env->session, sizeof env->session, "RAKIOSK_SESSION", &rc);
    take(env->token_module, sizeof env->token_module, "RAKIOSK_TOKEN_MODULE", &rc);
    take(env->hsm_module, sizeof env->hsm_module, "RAKIOSK_HSM_MODULE", &rc);
    take(env->hsm_pin_file, sizeof env->hsm_pin_file, "RAKIOSK_HSM_PIN_FILE", &rc);
    take(env->softhsm2_conf, sizeof env->softhsm2_conf, "SOFTHSM2_CONF", &rc);
    take(env->p11lock_state_dir, sizeof env->p11lock_state_dir, "RK_P11LOCK_STATE_DIR", &rc);
    take(env->printer, sizeof env->printer, "RAKIOSK_PRINTER", &rc);
    take(env->print_spool, sizeof env->print_spool, "RAKIOSK_PRINT_SPOOL", &rc);
    take(env->a4_queue, sizeof env->a4_queue, "RAKIOSK_A4_QUEUE", &rc);
    take(env->idreader, sizeof env->idreader, "RAKIOSK_IDREADER", &rc);
    take(env->printer_width, sizeof env->printer_width, "RAKIOSK_PRINTER_WIDTH", &rc);
    return rc;
}

int rk_branch_env_set_softhsm(rk_branch_env *env, const char *conf_path)
{
    if (strlen(conf_path) >= sizeof env->softhsm2_conf)
        return rk_err_set(RK_ECONF, "the SoftHSM2 configuration path %s is too long", conf_path);
    if (setenv("SOFTHSM2_CONF", conf_path, 1) != 0)
        return rk_err_set(RK_ENOMEM, "cannot set SOFTHSM2_CONF");
    snprintf(env->softhsm2_conf, sizeof env->softhsm2_conf, "%s", conf_path);
    return 0;
}
