/*
 * Enrolment as a service of the branch: one call produces an order's
 * certificates onto a subscriber's key, the way every program does it.
 *
 * rk_branch_enrol_opts() is the one place that derives what an order's
 * enrolment asks for from the certificate profiles: the signing profile
 * "<cert_kind>-sign" (its key algorithm), and dual certificates when an
 * encryption profile "<cert_kind>-enc" exists (its algorithm, whether its
 * key is escrowed, and then HQ's recovery certificate from the sub-CA's
 * folder). rk_branch_enrol() runs the journaled enrolment (ca/enrol.h:
 * validated, run, audited and recorded in the outbox there) with the
 * branch's key context and the sub-CA as issuer, and afterwards has the
 * sub-CA follow the ledger when the order's business revoked an old
 * certificate (a reissue, change or replacement) and sign the new CRL at
 * once. Key recovery and abandoning an unfinished enrolment go the same way.
 *
 * Who may: a clerk with the issue role, for an approved and paid (or
 * fee-free) order, produced from the order's authorisation code where it
 * has one (DOMAIN.md: the issuing operator produces the certificate "from
 * the approved reference/authorisation code"). A program checks the order
 * (rk_branch_enrol_check), then the code (rk_branch_enrol_check_code), and
 * only then asks the subscriber's PIN.
 *
 * Progress and cancel: util/progress.h's shape (op RK_OP_ENROL or
 * RK_OP_RECOVER); a cancelled enrolment is rolled back in the call and the
 * order is left retriable (ca/enrol.h). Long: run it on a job runner's
 * worker with a branch of the worker's own (util/jobs.h).
 */
#ifndef RK_BRANCH_ENROLMENT_H
#define RK_BRANCH_ENROLMENT_H

#include "branch/branch.h"
#include "ca/enrol.h"
#include "domain/clerk.h"
#include "util/progress.h"

#include <openssl/x509.h>
#include <stdint.h>

typedef struct rk_branch_enrol_req {
    const char *order_ref;
    const char *key_serial;
    const char *authcode; /* the order's authorisation code, when it has one
                             (rk_branch_enrol_needs_code); the caller wipes it */
    const char *pin;      /* the subscriber's PIN; the caller wipes it */
    rk_progress_fn progress;
    void *progress_arg;
} rk_branch_enrol_req;

typedef struct rk_branch_enrol_out {
    rk_enrol_result result; /* the certificates' serials, resumed or not */
    int ca_changes;         /* register changes the sub-CA took up afterwards */
    uint64_t crl_number;    /* the CRL signed at once because of them (0: none) */
    int ca_follow_failed;   /* 1: the sub-CA has not taken the change up yet (the ledger's
                               change stands; the next tick or CRL retries): ca_follow_error */
    char ca_follow_error[256];
} rk_branch_enrol_out;

/* The enrolment options of order ref (see above) into *o, its strings
 * borrowed from the branch's profiles; *recovery (the caller frees it) is
 * HQ's recovery certificate when the encryption key is escrowed, else
 * NULL. o's order, key, PIN and progress are left for the caller. */
int rk_branch_enrol_opts(rk_branch *b, const char *ref, rk_enrol_opts *o, X509 **recovery);

/* Runs (or resumes) the enrolment of req->order_ref onto req->key_serial as
 * by (issue role). An order with an authorisation code (every order
 * approved since codes are made at approval: domain/authcode.h) is
 * produced only from it: req->authcode must be the code (RK_EAUTH,
 * audited, before anything else is done, as rk_branch_enrol_check_code).
 * Errors as rk_enrol_run; *out is filled on success. */
int rk_branch_enrol(rk_branch *b, const rk_actor *by, const rk_branch_enrol_req *req,
                    rk_branch_enrol_out *out);

/* Checks, without changing anything, that by may produce order ref's
 * certificates now (issue role; an approved and paid, or fee-free, order
 * whose business produces a certificate): for a program to ask the
 * subscriber's PIN only then. Errors as rk_order_check_issuable. */
int rk_branch_enrol_check(rk_branch *b, const rk_actor *by, const char *ref);

/* 1 if order ref is produced from an authorisation code (it has one),
 * 0 if not (approved before codes were made), or a negative RK_E*: for a
 * program to ask the issuing clerk for the code only then, after
 * rk_branch_enrol_check and before the subscriber's PIN. */
int rk_branch_enrol_needs_code(rk_branch *b, const char *ref);

/* Checks authcode against order ref's code, spending nothing (0 also when
 * the order has none): RK_EAUTH when it is missing or wrong (audited as
 * order.authcode_refused, the code never in a message), RK_ESTATE when
 * the code was used (its certificate was requested over CMP). */
int rk_branch_enrol_check_code(rk_branch *b, const rk_actor *by, const char *ref,
                               const char *authcode);

/* Abandons the unfinished enrolment of ref (rk_enrol_rollback): an issued
 * certificate is revoked, the key's objects removed when key_serial's key
 * is present and pin (may be NULL) opens it. */
int rk_branch_enrol_rollback(rk_branch *b, const rk_actor *by, const char *ref,
                             const char *key_serial, const char *pin);

/* Unfinished enrolments into a new array (free()). */
int rk_branch_enrol_pending(rk_branch *b, rk_enrol_open **out, int *n);

typedef struct rk_branch_recover_req {
    const char *order_ref;  /* an approved, paid key-recovery order */
    const char *key_serial; /* the new key */
    const char *authcode;   /* the order's authorisation code, when it has one
                               (rk_branch_enrol_needs_code); the caller wipes it */
    const char *pin;        /* its PIN; the caller wipes it */
    /* NULL (the way it is done): the key HQ returned over the sync for the
     * order (rk_branch_recover_ready), opened with the device key in the
     * HSM. Else a PEM file of HQ's recovery private key, which opens the
     * branch's own escrowed copy: the demo's (<data_dir>/ca/
     * demo-recovery.key), where there is no HQ. */
    const char *recovery_key;
    rk_progress_fn progress;
    void *progress_arg;
} rk_branch_recover_req;

/* Key recovery (rk_enrol_recover) as by (issue role): the order is checked
 * (rk_branch_enrol_check), then its authorisation code as for every
 * certificate an order produces (rk_branch_enrol_check_code), then the
 * key is opened (see recovery_key) and written with its certificate onto
 * the new key. RK_ENOTFOUND "HQ has not returned the key ... yet" when
 * HQ's key has not come; RK_EAUTH when the device key does not open it.
 * result->enc_cert_serial names the recovered certificate. */
int rk_branch_recover(rk_branch *b, const rk_actor *by, const rk_branch_recover_req *req,
                      rk_enrol_result *result);

/* 1 if HQ's key for key-recovery order ref has come over the sync, 0 if
 * not yet, or a negative RK_E*. */
int rk_branch_recover_ready(rk_branch *b, const char *ref);

#endif
