/*
 * The order ledger's context (see ledger.h).
 */
#include "ledger.h"

#include "conf/secret.h"
#include "util/err.h"
#include "util/wipe.h"

#include <stdio.h>
#include <stdlib.h>

int rk_ledger_open(rk_ledger **out, rk_db *db, const rk_conf *conf)
{
    rk_ledger *l = calloc(1, sizeof *l);
    int rc;

    *out = NULL;
    if (!l) return rk_err_oom();
    l->db = db;
    l->conf = conf;
    if ((rc = rk_forms_load(&l->forms, conf->forms)) || (rc = rk_fees_load(&l->fees, conf->fees)) ||
        (rc = rk_calendar_load(&l->calendar, conf->calendar)) ||
        (rc = rk_secret_load(conf, RK_SECRET_DATA_KEY, NULL, 0, l->key, sizeof l->key))) {
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
