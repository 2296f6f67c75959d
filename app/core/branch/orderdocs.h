/*
 * An order's papers printed by a clerk, as services: the receipt again (a
 * subscriber lost theirs), the application form pre-filled for signature
 * and seal, and the task-completion record of a delivered order; and any
 * A4 PDF of the branch sent to its A4 queue. The desk and `ractl print`
 * both print through here. Each order's copy needs a logged-in clerk, is
 * audited (print.receipt, print.form, print.record) only once the copy
 * exists (spooled, or written), and is for the job runner: the receipt
 * waits on the printer up to [printer] timeout_ms, the A4 submission on
 * `lp`. A receipt or form not taken from an order (a sample, a file's
 * fields) prints the same way, unaudited.
 */
#ifndef RK_BRANCH_ORDERDOCS_H
#define RK_BRANCH_ORDERDOCS_H

#include <stddef.h>
#include <stdint.h>

#include "branch/branch.h"
#include "domain/clerk.h"
#include "print/receipt.h"
#include "util/progress.h"

enum { RK_BRANCH_DOC_FORM = 1, RK_BRANCH_DOC_RECORD = 2 };

/* How to print; a zero field takes kiosk.conf's [printer] setting (or the
 * environment's, branch/printers.h). A NULL options pointer: all defaults. */
typedef struct rk_branch_print_opts {
    const char *printer;        /* receipt printer URI */
    const char *spool_dir;      /* receipt spool folder */
    int width;                  /* receipt paper, 58 or 80 mm */
    int code_fallback;          /* receipt: -1 configured, 0 a box, 1 [U+XXXX] */
    int timeout_ms;             /* each wait on the receipt printer */
    const char *out;            /* receipt: its ESC/POS bytes to this file, not printed;
                                   A4: the PDF's path (default <data_dir>/print/<ref>-<kind>.pdf) */
    const char *queue, *server; /* A4: the CUPS queue and its server */
    rk_progress_fn notify;      /* receipt: the spool's progress ("printed", "warning") */
    void *arg;
} rk_branch_print_opts;

#define RK_BRANCH_MAX_REPLACED 32

typedef struct rk_branch_printed {
    int printed;     /* receipt: 1 the printer took it, 0 it waits in the spool */
    int pending;     /* receipt: jobs left in the spool */
    size_t bytes;    /* receipt: ESC/POS bytes laid out */
    char path[4096]; /* A4: the PDF written */
    char job[64];    /* the spool job or the CUPS request ("" none: no A4 queue set) */
    char order_ref[40];
    uint32_t replaced[RK_BRANCH_MAX_REPLACED]; /* characters the printer's font lacks */
    int n_replaced;
} rk_branch_printed;

/* The receipt of order ref printed again by by (a clerk: RK_EPERM without
 * a login): through the spool ("补打" in the audit detail), or into o->out.
 * RK_ESTATE for a draft or cancelled order. */
int rk_branch_print_receipt(rk_branch *b, const rk_actor *by, const char *ref,
                            const rk_branch_print_opts *o, rk_branch_printed *out);

/* A receipt laid out from r (a sample, a file's fields) printed the same
 * way, unaudited. r's ID number is wiped once laid out (only the masked
 * number is printed). */
int rk_branch_print_receipt_of(rk_branch *b, rk_receipt *r, const rk_branch_print_opts *o,
                               rk_branch_printed *out);

/* The application form (RK_BRANCH_DOC_FORM) or the task-completion record
 * (RK_BRANCH_DOC_RECORD: RK_ESTATE before delivery) of order ref, written
 * to o->out or <data_dir>/print/<ref>-form.pdf (or -record.pdf) and sent to
 * the A4 queue when one is set. */
int rk_branch_print_order_a4(rk_branch *b, const rk_actor *by, const char *ref, int kind,
                             const rk_branch_print_opts *o, rk_branch_printed *out);

/* Sends the PDF at path to the A4 queue (queue, server: the caller's, or
 * NULL for the branch's; none set: job ""), with title for the queue. */
int rk_branch_a4_send(rk_branch *b, const char *path, const char *title, const char *queue,
                      const char *server, char *job, size_t n);

#endif
