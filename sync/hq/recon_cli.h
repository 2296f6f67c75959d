/*
 * rahq's admin commands of payment reconciliation (recon_cli.c):
 * `statement import` and `reconcile`, thin faces over hq/recon.h.
 */
#ifndef RK_HQ_RECON_CLI_H
#define RK_HQ_RECON_CLI_H

#include "hq/store.h"

/* argv[0..argc) are the words after "statement" / "reconcile"; each
 * returns rahq's exit code and prints its own errors. store is NULL when
 * only help was asked for. */
int rk_hq_cli_statement(rk_hq_store *store, int argc, char **argv);
int rk_hq_cli_reconcile(rk_hq_store *store, int argc, char **argv);

#endif
