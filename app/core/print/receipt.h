/*
 * The counter receipt: what the subscriber takes home after an order is
 * taken or paid, laid out for a 58 or 80 mm ESC/POS printer.
 *
 * The caller (the order ledger, or `ractl print receipt`) fills a plain
 * rk_receipt; rk_receipt_encode() lays it out: centred branch title, order
 * reference, business type, subscriber with the ID number masked (first 6 and
 * last 4 characters shown), fee lines and total in yuan ("￥123.45"), payment
 * state, clerk, promised completion date, the tracking QR code and, for an
 * unpaid order, the payment QR code, then the cut. Characters the printer
 * cannot print are replaced visibly and listed in a footnote; the encoder
 * keeps the list for the caller (rk_escpos.replaced).
 */
#ifndef RK_RECEIPT_H
#define RK_RECEIPT_H

#include "escpos.h"

#include <stdint.h>

#define RK_RECEIPT_MAX_FEES 16

typedef struct rk_receipt_fee {
    char label[64]; /* "证书费", "USB Key 介质费" */
    int64_t fen;    /* amount in fen (1/100 yuan); may be negative for a discount */
} rk_receipt_fee;

typedef struct rk_receipt {
    char branch_name[128];
    char branch_id[32];
    char order_ref[40];
    char business[64];    /* business type, Chinese label: "新办", "续期", "解锁" ... */
    char subscriber[128]; /* enterprise or person */
    char id_number[40];   /* full number: masked when printed */
    rk_receipt_fee fees[RK_RECEIPT_MAX_FEES];
    int n_fees;
    int64_t total_fen;       /* must equal the sum of the fee lines */
    int paid;                /* 1 paid, 0 to pay */
    char payment_method[32]; /* "微信", "支付宝", "现金", "对公转账" */
    char clerk[64];
    char promised[32];   /* promised completion date "2024-05-20" */
    char printed_at[32]; /* "2024-05-13 10:42" (the caller's clock) */
    char track_qr[256];  /* "RAK1:<branch>:<ref>"; "" = no tracking code */
    char pay_qr[512];    /* payment link for an unpaid order; "" = none */
} rk_receipt;

/* Writes the masked ID number: first 6 and last 4 characters kept, the rest
 * '*'; a number of 10 characters or fewer is masked entirely. */
void rk_receipt_mask_id(char *out, size_t n, const char *id);

/* Formats fen as "￥123.45" ("-￥1.05" when negative). */
void rk_receipt_money(char *out, size_t n, int64_t fen);

/* The tracking payload "RAK1:<branch>:<ref>" into out. */
void rk_receipt_track_payload(char *out, size_t n, const char *branch_id, const char *ref);

/* Appends the receipt to the encoder e (initialised for its paper width).
 * RK_EINVAL when a required field is empty (branch, reference, business) or
 * the total differs from the sum of the fees; encoder errors otherwise. */
int rk_receipt_encode(rk_escpos *e, const rk_receipt *r);

/* Fills r with a demonstration order (Chinese text, a rare name character,
 * unpaid with a payment QR): used by `ractl print receipt --sample`, tests
 * and the kiosk demo. */
void rk_receipt_sample(rk_receipt *r);

#endif
