/*
 * Payment reconciliation: the providers' statement lines of one day set
 * against the branches' orders as HQ holds them (issue 16 section 2). HQ
 * (sync/hq/recon.c) gathers the lines, finds each line's order (by the
 * merchant order number the payment QR carried) and the orders whose
 * payment, issue or refund fell on the day; this module sorts them into
 * the kinds of the report, purely, and names each kind. The report is
 * printed by print/reconprint.c and exported by domain/export_recon.c.
 *
 * The kinds, for a payment line: its order not found (unknown payment);
 * found and not issued yet (paid but not issued); issued, or cancelled
 * with its refund, and recorded paid by that provider with the same
 * amount (matched) or not (amount mismatch: another amount or another
 * method, or a second payment). For an order recorded paid by WeChat Pay
 * or Alipay on the day with no payment line of its own, or issued on the
 * day and never recorded paid though it costs something: issued but not
 * paid. For refunds: a refund line matched with the refund the branch
 * recorded by that provider (refund matched) or with another amount
 * (refund mismatch); a refund line the branch never recorded (refund not
 * recorded); a refund the branch recorded by WeChat Pay or Alipay on the
 * day with no refund line (refund missing).
 */
#ifndef RK_RECON_H
#define RK_RECON_H

#include "domain/statement.h"

#include <stdint.h>

enum {
    RK_RECON_MATCHED = 1,
    RK_RECON_PAID_NOT_ISSUED,
    RK_RECON_ISSUED_NOT_PAID,
    RK_RECON_AMOUNT_MISMATCH,
    RK_RECON_UNKNOWN_PAYMENT,
    RK_RECON_REFUND_MATCHED,
    RK_RECON_REFUND_UNRECORDED,
    RK_RECON_REFUND_MISSING,
    RK_RECON_REFUND_MISMATCH,
    RK_RECON_KINDS /* one past the last */
};

/* An order as its newest event left it, and what happened on the day. */
typedef struct rk_recon_order {
    char branch[32], uuid[37], ref[32], state[16], business[16];
    int64_t fee_total, paid_fen, refund_fen;
    char pay_method[16], refund_method[16];
    int paid_on_day, issued_on_day, refunded_on_day; /* events of the day */
    int pay_lines, refund_lines;                     /* set by rk_recon_match */
} rk_recon_order;

/* A statement line and the order HQ found for it (-1: none). */
typedef struct rk_recon_line {
    int provider;
    rk_stmt_line l;
    char statement[65];
    int order;
    char branch[32]; /* the branch the line names (store or merchant number), "" none */
    char note[96];   /* why no order was found */
} rk_recon_line;

typedef struct rk_recon_item {
    int kind;
    int provider; /* the line's; for an order without a line, its recorded method's (0: none) */
    char branch[32], ref[32], uuid[37], state[16], method[16];
    char merchant_ref[72], txn[72];
    int64_t statement_fen, branch_fen, at;
    int line; /* in its statement file, 0 for an order without a line */
    char note[128];
} rk_recon_item;

typedef struct rk_recon {
    char day[11], branch[32]; /* branch "" for every branch */
    char zone[64];            /* the time zone of the day ("" the process's local time) */
    int64_t from, to;         /* [the day's local midnight, the next) */
    rk_recon_item *items;     /* owned; by kind, branch, reference */
    int n;
    int count[RK_RECON_KINDS];
    int64_t statement_paid, statement_refunded; /* the day's lines */
    int lines;
} rk_recon;

/* Sorts lines and orders into out (items, counts, sums); orders' pay_lines
 * and refund_lines are counted on the way. out->day, branch, zone, from
 * and to are the caller's. */
int rk_recon_match(rk_recon *out, const rk_recon_line *lines, int nl, rk_recon_order *orders,
                   int no);
void rk_recon_free(rk_recon *r);

/* "matched", "paid_not_issued" ... and the Chinese label for the report. */
const char *rk_recon_kind_name(int kind);
const char *rk_recon_kind_label(int kind);
/* 1 for the kinds that are differences (everything but the two matched). */
int rk_recon_is_difference(int kind);

/* The report as an Excel workbook at path (domain/export_recon.c, in
 * rkexport): a summary sheet and one row per item, times in the process's
 * local time (the caller makes r->zone local first). */
int rk_recon_xlsx(const char *path, const rk_recon *r);

#endif
