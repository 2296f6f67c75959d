/*
 * The supervisor's A4 reconciliation report, filled from a reconciliation
 * (domain/recon.h) and drawn by print/a4.h: the day and the branch, the
 * count and sums of every kind, the differences line by line with the
 * statement's and the branch's amounts, then the matched lines, and a line
 * for the checker's and the supervisor's signatures.
 */
#ifndef RK_RECONPRINT_H
#define RK_RECONPRINT_H

#include "domain/recon.h"

/* Writes the report of r to path (the whole file or nothing); made_at is
 * when the report was made. Times are shown in the process's local time,
 * named as r->zone (the caller makes that zone local first). */
int rk_recon_a4(const char *path, const rk_recon *r, int64_t made_at);

#endif
