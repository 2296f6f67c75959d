/*
 * The order ledger's context (see ledger.h).
 */
#include "ledger.h"

#include "util/err.h"
#include "util/seal.h"
#include "util/wipe.h"

#include <stdio.h>
#include <stdlib.h>

void rk_ledger_key_path(char *out, size_t n, const rk_conf *conf)
{
    snprintf(out, n, "%s/data.key", conf->data_dir);
}

int rk_ledger_open(rk_ledger **out, rk_db *db, const rk_conf *conf)
{
    char path[4200];
    rk_ledger *l = calloc(1, sizeof *l);
    int rc;

    *out = NULL;
    if (!l) return rk_err_oom();
    l->db = db;
    l->conf = conf;
    rk_ledger_key_path(path, sizeof path, conf);
    if ((rc = rk_forms_load(&l->forms, conf->forms)) || (rc = rk_fees_load(&l->fees, conf->fees)) ||
        (rc = rk_calendar_load(&l->calendar, conf->calendar)) ||
        (rc = rk_seal_key_load(l->key, path, 0))) {
        rk_ledger_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

void rk_ledger_free(rk_ledger *l)
{
    if (!l) return;
    rk_forms_free(l->forms);
    rk_fees_free(l->fees);
    rk_calendar_free(l->calendar);
    rk_wipe(l->key, sizeof l->key);
    free(l);
}
