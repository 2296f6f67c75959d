/*
 * The certificate register: the ledger's `certificate` table, the one
 * place that adds certificates to it and changes their status.
 *
 * A certificate enters when its order is issued (or is added to an issued
 * order: the second half of a dual pair), at most one per order and usage;
 * its status moves between valid, suspended and revoked through orders
 * (order.c) and the suspension timer (certstatus.c), both by these calls.
 * Every call runs inside the caller's transaction, which also writes the
 * change's audit entry and outbox event (audit/record.h). Serials are
 * stored as BN_bn2hex writes them (upper case) and matched without regard
 * to case.
 */
#ifndef RK_CERTREG_H
#define RK_CERTREG_H

#include <stddef.h>
#include <stdint.h>

#include "domain/ledger.h"
#include "domain/order.h"

typedef struct rk_certreg_row {
    int64_t id;
    char status[16]; /* valid, suspended, revoked */
    int64_t not_before, not_after;
    int64_t suspended_at; /* 0 unless suspended */
} rk_certreg_row;

/* A certificate an order produced, as its order shows it. */
typedef struct rk_certreg_cert {
    char serial[64]; /* upper-case hex */
    char usage[8];   /* sign, enc */
    char status[16]; /* valid, suspended, revoked */
    char key_serial[40];
    int64_t not_before, not_after;
} rk_certreg_cert;

/* The certificates order_id produced, oldest first: up to max into out,
 * their number in *n (a recovery moves a certificate and produces none). */
int rk_certreg_of_order(rk_certreg_cert *out, int max, int *n, rk_ledger *l, int64_t order_id);

/* The register's row for serial. RK_ENOTFOUND naming the serial. */
int rk_certreg_find(rk_ledger *l, const char *serial, rk_certreg_row *out);

/* Adds c as a valid certificate of order o (its subject name defaults to
 * the order's, its usage to "sign"). RK_ESTATE if o already has a
 * certificate of that usage (never issue twice), RK_EEXIST if the serial
 * is known, RK_EINVAL for an incomplete record. */
int rk_certreg_add(rk_ledger *l, const rk_order *o, const rk_cert_record *c);

/* Sets serial's status: "valid", "suspended" (the hold starts now) or
 * "revoked" (now, for reason: an RFC 5280 reason name). Leaving
 * "suspended" clears the hold's start. */
int rk_certreg_set_status(rk_ledger *l, const char *serial, const char *status, const char *reason);

/* Ends the hold of serial that began at suspended_at (the suspension
 * timer): *resumed = 1 if it did, 0 if the certificate is no longer under
 * that hold (another program, or a revocation, came first). */
int rk_certreg_resume_hold(rk_ledger *l, const char *serial, int64_t suspended_at, int *resumed);

/* The certificates that end with certificate serial when a business ends
 * it (a lost key, a change of details, a broken key, a revocation, a
 * superseding renewal): serial itself; the other half of its pair (every
 * certificate the order that produced serial produced: signing and
 * encryption); and the certificates of the same subject on the same USB
 * key (older generations a renewal kept). Left out: certificates already
 * revoked, expired ones, and those of order except_order (the business's
 * own new ones; 0: none). Up to max into out, oldest first; their number
 * in *n. RK_ENOTFOUND naming serial when the register does not hold it. */
int rk_certreg_ending(rk_certreg_cert *out, int max, int *n, rk_ledger *l, const char *serial,
                      int64_t except_order);

/* The RFC 5280 reason code of a reason name ("keyCompromise" is 1, any
 * case), -1 for anything else (certificateHold and removeFromCRL too:
 * they are not revocations). */
int rk_certreg_reason_code(const char *name);

/* Records that the valid certificate c->serial now lives on the key
 * c->key_serial (key recovery). RK_ESTATE if it is not a valid certificate
 * of this branch. */
int rk_certreg_move(rk_ledger *l, const rk_cert_record *c);

/* The subject name of the newest certificate the register records on the
 * USB key key_serial (any case) that is not revoked: whose key it is, for
 * work on the key that must be the subscriber's own (an unlock). RK_ENOTFOUND
 * (with a message) when the register records none on that key. */
int rk_certreg_key_holder(char *subject, size_t n, rk_ledger *l, const char *key_serial);

#endif
