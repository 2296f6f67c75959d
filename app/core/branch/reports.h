/*
 * The branch's reports on its records, as services: the weekly summary
 * for the manager (with its A4 report), the A4 labels of archive boxes,
 * and the check of the audit log's hash chain. Each is one call a program
 * makes and then presents; the rules (who may see the summary, which
 * boxes, how many labels fit one PDF) are here, not in the programs.
 */
#ifndef RK_BRANCH_REPORTS_H
#define RK_BRANCH_REPORTS_H

#include <stdint.h>

#include "branch/branch.h"
#include "domain/archive.h"
#include "domain/clerk.h"
#include "domain/service.h"

/* The weekly summary of the week (Monday to Sunday) containing day, for a
 * supervisor (RK_EPERM otherwise), into *out; with pdf (may be NULL) the
 * A4 weekly report is written there too, prepared by by's name. */
int rk_branch_weekly_report(rk_branch *b, const rk_actor *by, int64_t day, const char *pdf,
                            rk_weekly *out);

/* The archive boxes (of group, or all with NULL), oldest first, for a
 * logged-in clerk (by; RK_EPERM without one: the boxes name subscribers'
 * social-security numbers): a new array (free()) of *n. */
int rk_branch_archive_list(rk_branch *b, const rk_actor *by, const char *group,
                           rk_archive_box **out, int *n);

/* For a logged-in clerk (by), writes the A4 labels (four to a page) of the n boxes named in labels,
 * or with n 0 of every box, to pdf: RK_ENOTFOUND naming a box that does not exist, or when there is
 * no box yet; RK_ETOOBIG for more than RK_A4_MAX_LABELS named. Of every box, the first
 * RK_A4_MAX_LABELS: *written labels were written of *total boxes. */
int rk_branch_archive_labels(rk_branch *b, const rk_actor *by, const char *const *labels, int n,
                             const char *pdf, int *written, int *total);

/* Recomputes every audit entry's hash and its link to the one before:
 * 0 with *checked entries, or RK_EVERIFY with *first_bad the first entry
 * that was changed, inserted or removed (and the message saying how). */
int rk_branch_audit_verify(rk_branch *b, int64_t *checked, int64_t *first_bad);

#endif
