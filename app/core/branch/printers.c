/*
 * The branch's printers (see printers.h).
 */
#include "branch/printers.h"

#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct spool_part {
    char dir[PATH_MAX];
    rk_spool *spool;
} spool_part;

static void spool_close(void *p)
{
    spool_part *s = p;
    rk_spool_free(s->spool);
    free(s);
}

int rk_branch_receipt_printer(rk_branch *b, const char *opt, char *out, size_t n)
{
    const rk_branch_env *env = rk_branch_env_of(b);
    const char *v = opt && *opt ? opt : env->printer;
    if (!*v) {
        const rk_conf *conf = rk_branch_conf_maybe(b);
        rk_err_clear();
        v = conf ? conf->printer_receipt : "";
    }
    if (!*v)
        return rk_err_set(RK_ECONF, "no receipt printer: set [printer] receipt in kiosk.conf, "
                                    "give --printer URI or set RAKIOSK_PRINTER (e.g. "
                                    "tcp://192.168.1.50:9100)");
    if ((size_t)snprintf(out, n, "%s", v) >= n)
        return rk_err_set(RK_ECONF, "the printer URI %s is too long", v);
    return 0;
}

int rk_branch_printer_width(rk_branch *b, int opt, int *mm)
{
    const rk_branch_env *env = rk_branch_env_of(b);
    if (opt > 0) {
        *mm = opt;
        return 0;
    }
    if (env->printer_width[0]) {
        if (strcmp(env->printer_width, "58") && strcmp(env->printer_width, "80"))
            return rk_err_set(RK_ECONF, "RAKIOSK_PRINTER_WIDTH is '%s': give 58 or 80 (mm)",
                              env->printer_width);
        *mm = atoi(env->printer_width);
        return 0;
    }
    const rk_conf *conf = rk_branch_conf_maybe(b);
    rk_err_clear();
    *mm = conf ? conf->printer_width : 80;
    return 0;
}

int rk_branch_printer_timeout(rk_branch *b, int opt)
{
    if (opt > 0) return opt;
    const rk_conf *conf = rk_branch_conf_maybe(b);
    rk_err_clear();
    return conf ? conf->printer_timeout_ms : 3000;
}

int rk_branch_printer_code_fallback(rk_branch *b)
{
    const rk_conf *conf = rk_branch_conf_maybe(b);
    rk_err_clear();
    return conf && !strcmp(conf->printer_fallback, "code");
}

int rk_branch_spool(rk_branch *b, const char *opt, rk_spool **out)
{
    const rk_branch_env *env = rk_branch_env_of(b);
    spool_part *s = rk_branch_part_get(b, RK_BRANCH_SPOOL);
    char dir[PATH_MAX];
    int rc;
    *out = NULL;
    const char *v = opt && *opt ? opt : env->print_spool;
    if (*v) {
        if ((size_t)snprintf(dir, sizeof dir, "%s", v) >= sizeof dir)
            return rk_err_set(RK_ECONF, "the spool folder's path is too long");
    } else {
        const rk_conf *conf;
        if ((rc = rk_branch_conf(b, &conf)) != 0)
            return rk_err_wrap(rc, "no print spool (give --spool DIR or RAKIOSK_PRINT_SPOOL, or "
                                   "a configuration with a data_dir)");
        snprintf(dir, sizeof dir, "%s", conf->printer_spool_dir);
    }
    if (s && !strcmp(s->dir, dir)) {
        *out = s->spool;
        return 0;
    }
    if (!(s = calloc(1, sizeof *s))) return rk_err_oom();
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    if ((rc = rk_spool_open(&s->spool, dir)) != 0) {
        free(s);
        return rc;
    }
    rk_branch_part_set(b, RK_BRANCH_SPOOL, s, spool_close);
    *out = s->spool;
    return 0;
}

void rk_branch_a4_queue(rk_branch *b, const char *opt_queue, const char *opt_server,
                        const char **queue, const char **server)
{
    const rk_branch_env *env = rk_branch_env_of(b);
    const rk_conf *conf = rk_branch_conf_maybe(b);
    rk_err_clear();
    *queue = opt_queue          ? opt_queue
             : env->a4_queue[0] ? env->a4_queue
             : conf             ? conf->printer_a4_queue
                                : NULL;
    if (*queue && !**queue) *queue = NULL;
    *server = opt_server                             ? opt_server
              : conf && conf->printer_cups_server[0] ? conf->printer_cups_server
                                                     : NULL;
}
