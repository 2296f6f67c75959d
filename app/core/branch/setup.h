/*
 * Setting a branch up and keeping its database in shape, as services:
 * the first initialisation (data folders, the data key, the database and
 * its owner), schema migrations, and the database's health check. These
 * open the database without the schema check the other parts rely on
 * (branch.h: rk_branch_db), since their job is to make it current.
 */
#ifndef RK_BRANCH_SETUP_H
#define RK_BRANCH_SETUP_H

#include "branch/branch.h"
#include "util/buf.h"

/* Creates the data folder ([paths] data_dir), its documents and sessions
 * folders, the data key that seals personal data at rest (data.key, 0600,
 * made once and never replaced; a branch whose secrets are sealed
 * credentials, conf/secret.h, is handed it and never makes one) and the
 * database, applies every schema
 * migration and records the branch's id, name and region. Safe to run
 * again (then only new migrations apply). RK_ESTATE when the database
 * belongs to another branch id. *from and *to: the schema versions before
 * and after (from 0: newly created). */
int rk_branch_init(rk_branch *b, int *from, int *to);

/* Applies the schema migrations up to target (0: the latest this program
 * knows), each in its own transaction; *from and *to as above. */
int rk_branch_migrate(rk_branch *b, int target, int *from, int *to);

/* SQLite's integrity and foreign-key checks, the schema version against
 * this program's, and the audit log's guards: the findings into report;
 * 0 when all is well, RK_EVERIFY when a problem was found. */
int rk_branch_db_check(rk_branch *b, rk_buf *report);

#endif
