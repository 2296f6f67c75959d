/*
 * What the counter prints for an order of the ledger: the receipt, the A4
 * application form and the task-completion record, each filled from the
 * order as it stands (print/receipt.h and print/a4.h lay them out).
 *
 * The receipt shows what was charged at submission (orders.fee_lines, read
 * by domain/feelines.h, never re-quoted: fees.ini may have changed since),
 * the ID number of the form's id_field (masked by the receipt layout), the
 * entering clerk's name, the promised completion date (due_at), the tracking
 * QR "RAK1:<branch>:<ref>" (the barcode classifier's format, scan/barcode.h)
 * and, for an approved order still to be paid, the payment QR
 * "RAKPAY1:<branch>:<ref>:<fen>" (see rk_orderprint_pay_payload).
 * The fill functions only read; the caller records the printing with
 * rk_orderprint_audit() ("print.receipt", "print.form", "print.record").
 */
#ifndef RK_ORDERPRINT_H
#define RK_ORDERPRINT_H

#include "domain/clerk.h"
#include "domain/ledger.h"
#include "print/a4.h"
#include "print/receipt.h"

#include <stddef.h>
#include <stdint.h>

#define RK_ORDERPRINT_PAY_PREFIX "RAKPAY1:"

/* The payment QR payload "RAKPAY1:<branch>:<ref>:<fen>" (fen: the amount due
 * in fen, decimal). It is a placeholder agreed with HQ: the kiosk cannot
 * reach WeChat Pay or Alipay, so HQ's payment gateway maps this payload to
 * a WeChat/Alipay order (or the kiosk fetches the code_url from HQ and puts
 * that in the QR instead) once the gateway exists. */
void rk_orderprint_pay_payload(char *out, size_t n, const char *branch, const char *ref,
                               int64_t fen);

/* Fills r (zeroed first) from order ref. RK_ENOTFOUND for no such order,
 * RK_ESTATE for a draft or cancelled order (nothing to hand over),
 * RK_EFORMAT when the stored fee lines are damaged or disagree with the
 * order's total. The caller wipes r (it holds the full ID number). */
int rk_orderprint_receipt(rk_ledger *l, const char *ref, rk_receipt *r);

/* Fills f (zeroed first) with the order's form fields in forms.ini order,
 * labelled in Chinese, for signature and seal; date = today. Any state. */
int rk_orderprint_form(rk_ledger *l, const char *ref, rk_a4_form *f);

/* Fills rec (zeroed first) from the order and its task-completion record;
 * RK_ESTATE if the order has none yet (it is written on delivery). */
int rk_orderprint_record(rk_ledger *l, const char *ref, rk_a4_record *rec);

/* Appends an audit entry (actor, the first role the actor holds, action,
 * the order's UUID, detail such as the spool job) in its own transaction.
 * RK_ENOTFOUND for no such order. */
int rk_orderprint_audit(rk_ledger *l, const rk_actor *by, const char *ref, const char *action,
                        const char *detail);

#endif
