/*
 * An order's papers printed at the clerks' desk, as services: the receipt
 * again (a subscriber lost theirs), the application form pre-filled for
 * signature and seal, and the task-completion record of a delivered
 * order; and any A4 PDF of the branch sent to its A4 queue. Each needs a
 * logged-in clerk, is audited (print.receipt, print.form, print.record)
 * only once the copy exists (spooled, or written), and is for the job
 * runner: the receipt waits on the printer up to [printer] timeout_ms,
 * the A4 submission on `lp`.
 */
#ifndef RK_BRANCH_ORDERDOCS_H
#define RK_BRANCH_ORDERDOCS_H

#include <stddef.h>

#include "branch/branch.h"
#include "domain/clerk.h"

enum { RK_BRANCH_DOC_FORM = 1, RK_BRANCH_DOC_RECORD = 2 };

typedef struct rk_branch_printed {
    int printed;     /* receipt: 1 the printer took it, 0 it waits in the spool */
    char path[4096]; /* A4: the PDF written */
    char job[64];    /* the spool job or the CUPS request ("" none: no A4 queue set) */
} rk_branch_printed;

/* The receipt of order ref printed again by by (a clerk: RK_EPERM without
 * a login), through the spool; "补打" in the audit detail. RK_ESTATE for a
 * draft or cancelled order. */
int rk_branch_print_receipt(rk_branch *b, const rk_actor *by, const char *ref,
                            rk_branch_printed *out);

/* The application form (RK_BRANCH_DOC_FORM) or the task-completion record
 * (RK_BRANCH_DOC_RECORD: RK_ESTATE before delivery) of order ref, written
 * to <data_dir>/print/<ref>-form.pdf (or -record.pdf) and sent to the A4
 * queue when one is set. */
int rk_branch_print_order_a4(rk_branch *b, const rk_actor *by, const char *ref, int kind,
                             rk_branch_printed *out);

/* Sends the PDF at path to the branch's A4 queue (none set: job ""), with
 * title for the queue. */
int rk_branch_a4_send(rk_branch *b, const char *path, const char *title, char *job, size_t n);

#endif
