/*
 * The order ledger's context: what every ledger operation needs at hand.
 *
 * It bundles the open database with the branch's configuration and the
 * rule files it names (forms, fees, working calendar) and the data key
 * that seals personal data at rest. A program opens one ledger per
 * database connection and passes it to the order, query and records
 * functions. The data key comes from conf/secret.h's one loader (the
 * appliance's TPM-sealed credential, or <data_dir>/data.key created by
 * `ractl init`); it is never created here, so a missing key cannot
 * silently make existing orders unreadable.
 */
#ifndef RK_LEDGER_H
#define RK_LEDGER_H

#include "conf/conf.h"
#include "db/db.h"
#include "domain/calendar.h"
#include "domain/fees.h"
#include "domain/forms.h"

typedef struct rk_ledger {
    rk_db *db;             /* borrowed */
    const rk_conf *conf;   /* borrowed */
    rk_forms *forms;       /* owned */
    rk_fees *fees;         /* owned */
    rk_calendar *calendar; /* owned */
    unsigned char key[32]; /* data key: sealed fields, documents, blind index */
} rk_ledger;

/* Loads the rule files and the data key. RK_ECONF for a bad rule file,
 * RK_ENOTFOUND if the data key's file is missing (run `ractl init`),
 * RK_ECONF if a sealed branch was not handed its credential. */
int rk_ledger_open(rk_ledger **out, rk_db *db, const rk_conf *conf);

/* Wipes the key and frees; NULL does nothing. */
void rk_ledger_free(rk_ledger *l);

#endif
