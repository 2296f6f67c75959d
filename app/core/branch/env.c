/*
 * The branch's settings from the process environment (see env.h).
 */
#include "branch/env.h"

#include "util/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int rk_branch_env_softhsm_tokendir(const char *conf_path, char *out, size_t n)
{
    char line[PATH_MAX + 64];
    int found = 0;
    FILE *f = fopen(conf_path, "r");
    if (!f) return rk_err_set(RK_EIO, "cannot read %s: %s", conf_path, strerror(errno));
    while (fgets(line, sizeof line, f)) {
        char *p = line + strspn(line, " \t");
        if (strncmp(p, "directories.tokendir", 20) != 0 || !(p = strchr(p, '='))) continue;
        p += 1 + strspn(p + 1, " \t");
        size_t len = strcspn(p, "\r\n");
        while (len > 1 && (p[len - 1] == ' ' || p[len - 1] == '/'))
            len--;
        if (len > 0 && len < n) {
            memcpy(out, p, len);
            out[len] = '\0';
            found = 1;
        }
    }
    fclose(f);
    return found ? 0
                 : rk_err_set(RK_ENOTFOUND, "%s names no token folder (directories.tokendir)",
                              conf_path);
}

int rk_branch_env_check_softhsm(const rk_branch_env *env, const char *own_store)
{
    const char *conf = env->softhsm2_conf;
    char dir[PATH_MAX], alt[PATH_MAX + 96] = "";
    struct stat st;
    int rc;
    if (!conf[0]) return 0;
    if (own_store && strcmp(own_store, conf))
        snprintf(alt, sizeof alt, ", or unset it to use this branch's own store (%s)", own_store);
    if (access(conf, R_OK) != 0) {
        const char *why = errno == ENOENT ? "does not exist" : "cannot be read";
        return rk_err_set(RK_ECONF,
                          "SOFTHSM2_CONF names %s, which %s: point SOFTHSM2_CONF at the "
                          "softhsm2.conf of the SoftHSM2 store you mean%s",
                          conf, why, alt);
    }
    if ((rc = rk_branch_env_softhsm_tokendir(conf, dir, sizeof dir)) != 0)
        return rk_err_set(RK_ECONF,
                          "%s (SOFTHSM2_CONF) names no token folder: add a line "
                          "\"directories.tokendir = FOLDER\" to it%s",
                          conf, alt);
    const char *why = stat(dir, &st) != 0 ? (errno == ENOENT ? "does not exist" : "cannot be read")
                      : !S_ISDIR(st.st_mode) ? "is not a folder"
                                             : NULL;
    if (why)
        return rk_err_set(RK_ECONF,
                          "the SoftHSM2 token folder %s (directories.tokendir in %s, from "
                          "SOFTHSM2_CONF) %s: create it (mkdir -p %s) or correct the line%s",
                          dir, conf, why, dir, alt);
    if (access(dir, R_OK | W_OK | X_OK) != 0)
        return rk_err_set(RK_ECONF,
                          "the SoftHSM2 token folder %s (directories.tokendir in %s, from "
                          "SOFTHSM2_CONF) may not be written by this user (uid %u): run as "
                          "its owner or give this user access to it%s",
                          dir, conf, (unsigned)getuid(), alt);
    return 0;
}

int rk_branch_env_check_module(const char *path, const char *what, const char *from,
                               const char *setting)
{
    struct stat st;
    const char *why = stat(path, &st) != 0
                          ? (errno == ENOENT ? "does not exist" : "cannot be reached")
                      : !S_ISREG(st.st_mode)    ? "is not a file"
                      : access(path, R_OK) != 0 ? "cannot be read by this user"
                                                : NULL;
    if (!why) return 0;
    return rk_err_set(RK_ECONF,
                      "the %s module %s (%s) %s: install the PKCS#11 module there, or set %s to "
                      "the path of an installed one",
                      what, path, from, why, setting);
}
