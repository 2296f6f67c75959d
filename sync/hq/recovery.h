/*
 * Key recovery at HQ: the competent authority (HQ's operator) releases the
 * escrowed encryption key of a branch's key-recovery order to that branch.
 *
 * Branches push each escrowed key with its issuing order (`key.escrowed`,
 * ca/escrow.h: the key wrapped to HQ's recovery certificate). For a
 * recovery order HQ holds from branch B, rk_hq_recover:
 * - checks the order: a key recovery ("recovery"), approved or paid at the
 *   branch (waiting for production), naming a certificate (`cert_serial`);
 * - finds that certificate's escrow. One that another branch escrowed is
 *   refused: a key is recovered at the branch that escrowed it, the one
 *   whose ledger holds the certificate and the subscriber's file (its
 *   serial is only unique under that branch's sub-CA); none is RK_ENOTFOUND;
 * - compares the holders: the blind index of the holder's ID number the
 *   escrow names and the recovery order's (both under B's data key); a
 *   certificate of another subscriber, or one whose holder cannot be told,
 *   is refused;
 * - takes B's device certificate from HQ's store (the one HQ's CA issued at
 *   B's enrolment and B authenticates with over mTLS, never one from a
 *   request), checks it chains to HQ's CA, names B, is the one in force,
 *   is within its validity and is not revoked at HQ;
 * - opens the escrow with HQ's recovery key (rk_escrow_unwrap), wraps the
 *   key again to that device certificate (CMS EnvelopedData: ECDH key
 *   agreement for B's EC device key, RSA key transport for an RSA one),
 *   wipes it, and adds a `key.recovered` change for B alone: {order,
 *   serial, wrapped}.
 * Refusals are RK_EPERM (RK_ESTATE for the order's state, RK_ENOTFOUND when
 * HQ holds no such order or escrow) with a message naming why; each is
 * logged at HQ. Nothing is added to the feed unless every check passed.
 */
#ifndef RK_HQ_RECOVERY_H
#define RK_HQ_RECOVERY_H

#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "hq/store.h"

typedef struct rk_hq_recover_req {
    const char *branch;     /* the requesting branch */
    const char *order;      /* its recovery order: reference or UUID */
    EVP_PKEY *recovery_key; /* HQ's recovery private key (borrowed) */
    X509 *recovery_cert;    /* its certificate (borrowed; may be NULL) */
    X509 *hq_ca;            /* HQ's CA, which issued the device certificate */
} rk_hq_recover_req;

typedef struct rk_hq_recover_result {
    char order_uuid[37];
    char order_ref[32];
    char serial[64];        /* the recovered certificate's (upper-case hex) */
    char device_serial[41]; /* the device certificate wrapped to */
    int64_t cursor;         /* the change added */
} rk_hq_recover_result;

int rk_hq_recover(rk_hq_store *s, const rk_hq_recover_req *req, rk_hq_recover_result *out);

#endif
