/*
 * HQ's payment reconciliation (issue 16 section 2): the providers' daily
 * statements imported into the store (domain/statement.h reads them) and
 * one day's lines set against the orders the branches pushed
 * (domain/recon.h sorts them). For `rahq admin statement import` and
 * `rahq admin reconcile`.
 */
#ifndef RK_HQ_RECON_H
#define RK_HQ_RECON_H

#include "domain/recon.h"
#include "hq/store.h"

/* Reads, checks and keeps the statement file at path (RK_STMT_WECHAT or
 * RK_STMT_ALIPAY). A refusal keeps nothing; a file imported before changes
 * nothing and sets *known. f is filled (its SHA-256, lines, new lines). */
int rk_hq_statement_import(rk_hq_store *s, int provider, const char *path, int64_t now,
                           rk_hq_statement *f, int *known);

/* The reconciliation of day "YYYY-MM-DD" (China Standard Time) for one
 * branch (NULL or "": every branch) into *out (rk_recon_free). */
int rk_hq_reconcile(rk_hq_store *s, const char *day, const char *branch, rk_recon *out);

#endif
