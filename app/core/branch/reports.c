/*
 * The branch's reports on its records (see reports.h).
 */
#include "branch/reports.h"

#include "audit/audit.h"
#include "branch/session.h"
#include "domain/archive.h"
#include "print/recordprint.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>

int rk_branch_weekly_report(rk_branch *b, const rk_actor *by, int64_t day, const char *pdf,
                            rk_weekly *out)
{
    rk_ledger *l;
    rk_clerk me;
    rk_a4_weekly a4;
    int rc;
    if ((rc = rk_actor_require(by, RK_ROLE_SUPERVISOR)) || (rc = rk_branch_ledger(b, &l)) ||
        (rc = rk_service_weekly(l, day, out)) || !pdf)
        return rc;
    if (rk_clerk_get(l->db, by->login, &me) != 0) {
        rk_err_clear();
        snprintf(me.name, sizeof me.name, "%s", by->login);
    }
    rk_service_weekly_a4(&a4, out, l->conf->branch_name, me.name);
    return rk_a4_weekly_pdf(pdf, &a4);
}

int rk_branch_archive_list(rk_branch *b, const rk_actor *by, const char *group,
                           rk_archive_box **out, int *n)
{
    rk_ledger *l;
    int rc;
    *out = NULL;
    *n = 0;
    if ((rc = rk_branch_need_clerk(b, by, "the archive")) || (rc = rk_branch_ledger(b, &l)))
        return rc;
    return rk_archive_list(l, group, out, n);
}

int rk_branch_archive_labels(rk_branch *b, const rk_actor *by, const char *const *labels, int n,
                             const char *pdf, int *written, int *total)
{
    rk_a4_label *a4;
    rk_archive_box *boxes = NULL;
    rk_ledger *l;
    int nl = 0, rc;
    *written = *total = 0;
    if (n > RK_A4_MAX_LABELS)
        return rk_err_set(RK_ETOOBIG, "at most %d labels go into one PDF, not %d", RK_A4_MAX_LABELS,
                          n);
    if ((rc = rk_branch_need_clerk(b, by, "the archive")) || (rc = rk_branch_ledger(b, &l)))
        return rc;
    if (!(a4 = calloc(RK_A4_MAX_LABELS, sizeof *a4))) return rk_err_oom();
    if (n) {
        for (int i = 0; i < n && !rc; i++) {
            rk_archive_box box;
            if ((rc = rk_archive_get(l, labels[i], &box)) == 0)
                rk_archive_label_a4(&a4[nl++], &box, l->conf->branch_name);
        }
        *total = n;
    } else if ((rc = rk_archive_list(l, NULL, &boxes, total)) == 0) {
        for (int i = 0; i < *total && nl < RK_A4_MAX_LABELS; i++)
            rk_archive_label_a4(&a4[nl++], &boxes[i], l->conf->branch_name);
        free(boxes);
    }
    if (!rc && !nl) rc = rk_err_set(RK_ENOTFOUND, "no archive boxes yet");
    if (!rc && (rc = rk_a4_labels_pdf(pdf, a4, nl)) == 0) *written = nl;
    free(a4);
    return rc;
}

int rk_branch_audit_verify(rk_branch *b, int64_t *checked, int64_t *first_bad)
{
    rk_db *db;
    int rc = rk_branch_db(b, &db);
    *checked = *first_bad = 0;
    return rc ? rc : rk_audit_verify(db, checked, first_bad);
}
