/*
 * The branch's readers (see readers.h).
 */
#include "branch/readers.h"

#include "scan/docscan.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

int rk_branch_idreader(rk_branch *b, const char *opt, char *out, size_t n)
{
    const rk_branch_env *env = rk_branch_env_of(b);
    const char *v = opt && *opt ? opt : env->idreader;
    if (!*v) {
        const rk_conf *conf = rk_branch_conf_maybe(b);
        rk_err_clear();
        v = conf && conf->idreader_device[0] ? conf->idreader_device : RK_BRANCH_IDREADER_DEFAULT;
    }
    if ((size_t)snprintf(out, n, "%s", v) >= n)
        return rk_err_set(RK_ECONF, "the ID card reader's path %s is too long", v);
    return 0;
}

void rk_branch_scanner_settings(rk_branch *b, const char *opt_device, int opt_dpi, int opt_gray,
                                rk_branch_scanner *out)
{
    const rk_conf *conf = rk_branch_conf_maybe(b);
    rk_err_clear();
    out->device = opt_device                        ? opt_device
                  : conf && conf->scanner_device[0] ? conf->scanner_device
                                                    : NULL;
    out->dpi = opt_dpi > 0 ? opt_dpi : conf ? conf->scanner_dpi : RK_DOCSCAN_DEFAULT_DPI;
    out->gray = opt_gray >= 0 ? opt_gray : conf && !strcmp(conf->scanner_mode, "Gray");
}
