/*
 * The order ledger's context: what every ledger operation needs at hand.
 *
 * It bundles the open database with the branch's configuration and the
 * rule files it names (forms, fees, working calendar) and the data key
 * that seals personal data at rest. A program opens one ledger per
 * database connection and passes it to the order, query and records
 * functions. The data key lives in <data_dir>/data.key (created by
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
 * RK_ENOTFOUND if the data key is missing (run `ractl init`). */
int rk_ledger_open(rk_ledger **out, rk_db *db, const rk_conf *conf);

/* Wipes the key and frees; NULL does nothing. */
void rk_ledger_free(rk_ledger *l);

/* Path of the data key file for conf into out. */
void rk_ledger_key_path(char *out, size_t n, const rk_conf *conf);

#endif
