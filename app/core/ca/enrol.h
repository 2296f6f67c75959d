/*
 * Enrolment: producing a certificate onto a subscriber's USB key, as a
 * journaled state machine.
 *
 *   keygen on the key -> CSR signed on the key -> certificate from the
 *   issuer -> written to the key -> read back and verified -> the order is
 *   issued (ledger), in the same transaction that closes the journal.
 *
 * Each step is written to the `enrolment` table before it starts and after
 * it ends, together with what it produced (the key pair's CKA_ID, the
 * certificate); the end of one step and the start of the next are one
 * short transaction ("cert begun" with the pair's id: the pair is made).
 * These marks do not wait for the disk (synchronous=NORMAL: ordered, never
 * torn); everything they record can be found again on the key and at the
 * issuer, and the transaction that issues the order waits for it (FULL). Running the same
 * enrolment again after SIGKILL at any point, or after the key was pulled,
 * resumes from what the journal and the key say:
 * - a key pair labelled for the order that the journal did not record yet
 *   is adopted, not generated again;
 * - a certificate the issuer recorded but the journal did not is found by
 *   its public key (issuer->find) and adopted, so nothing is issued twice;
 * - a certificate already on the key is not written again.
 * An order is recorded as issued only with a certificate read back from
 * its key and verified against the chain. rk_enrol_rollback() abandons an
 * unfinished enrolment: a certificate that was issued is revoked (so the
 * order never has two live certificates), the key's objects are removed
 * when the key is there, and the order can be enrolled afresh.
 *
 * Dual certificates: when the order's kind has an encryption profile, a
 * second journal row (usage 'enc') makes the encryption pair and its
 * certificate on the same key after the signing half is verified; the
 * order is issued, with both certificates, in the one transaction that
 * closes both rows. Rollback revokes both. An escrowed encryption key is
 * made in software and wrapped to HQ's recovery certificate, stored, and
 * only then written to the key (ca/escrow.h).
 *
 * The issuer is an ops table: the branch sub-CA (offline) or HQ's CA over
 * CMP plug in behind it.
 */
#ifndef RK_ENROL_H
#define RK_ENROL_H

#include <openssl/x509.h>

#include "domain/ledger.h"
#include "domain/order.h"
#include "token/token.h"

typedef struct rk_issuer {
    void *arg;
    /* Issues a certificate for the CSR's public key under the profile
     * named for the order (e.g. "organisation-sign"). */
    int (*issue)(void *arg, X509 **out, X509_REQ *csr, const char *profile, const rk_order *o);
    /* The certificate issued for pub at or after since, if any (crash
     * recovery); RK_ENOTFOUND if none. */
    int (*find)(void *arg, X509 **out, EVP_PKEY *pub, int64_t since);
    /* Revokes a certificate that will never be used (rollback). */
    int (*revoke)(void *arg, const char *serial);
    /* The chain an issued certificate must verify against. */
    STACK_OF(X509) * chain;
    /* Makes sure the issuer's register holds cert, which a resumed journal
     * kept: a power cut may have taken the register's newest record before
     * it reached the disk (the sub-CA's register does not wait for the disk
     * when the ledger backs it). RK_EVERIFY if the issuer did not sign
     * cert. NULL if the issuer's records cannot be lost (HQ over CMP). */
    int (*rerecord)(void *arg, X509 *cert);
} rk_issuer;

typedef struct rk_enrol_opts {
    const char *order_ref;
    const char *key_serial;
    const char *pin;         /* the subscriber's user PIN; wiped by the caller */
    int alg_is_rsa;          /* the profile wants RSA-2048; else EC P-256 */
    rk_progress_fn progress; /* may be NULL (util/progress.h; see rk_enrol_run) */
    void *progress_arg;
    /* Dual certificates: the encryption profile ("<kind>-enc"), NULL for a
     * signing certificate alone. */
    const char *enc_profile;
    int enc_alg_is_rsa;
    /* The encryption key is escrowed (ca/escrow.h): made in software,
     * wrapped to recovery (borrowed; required then) and stored before it
     * is written to the key. Without escrow an encryption key would have
     * to be made on the key, which cannot sign its own request: refused. */
    int enc_escrow;
    X509 *recovery;
} rk_enrol_opts;

typedef struct rk_enrol_result {
    char cert_serial[64];     /* upper-case hex */
    char enc_cert_serial[64]; /* the encryption certificate's, "" if none */
    int resumed;              /* 1 if an unfinished journal was taken up */
} rk_enrol_result;

/* Runs (or resumes) the enrolment of order_ref onto key_serial, acting as
 * by (issue role). RK_EDEVICE if the key is absent or pulled (the journal
 * keeps the place), RK_EAUTH for the PIN, RK_ESTATE if the order has an
 * unfinished enrolment on another key.
 *
 * Progress (op RK_OP_ENROL, 5 steps): "keygen" 1, "cert" 2, "write" 3,
 * "verify" 4, "commit" 5, then "done" at 100 %; item is the half ("sign",
 * "enc"). A single certificate's steps start at 0, 30, 55, 75 and 90 %;
 * dual certificates fill 0..45 with the signing half and 45..90 with the
 * encryption half; a resumed run starts at the step it resumes. The key's
 * own operations report inside their step (their text, the step's code).
 * Cancelling: a non-zero answer at any report up to "commit" stops the
 * run at that boundary and rolls the enrolment back in the same call, as
 * rk_enrol_rollback() does (a certificate issued is revoked, the key's
 * objects are removed, the journal row is closed as rolled back, audited):
 * the call returns RK_ECANCELED, the order is left issuable as before and
 * may be enrolled again on any key, with no certificate on the key or in
 * the ledger. If that rollback cannot finish (the key pulled at the same
 * moment) the call still returns RK_ECANCELED, its message says so, and
 * the journal keeps the place (resume, or rk_enrol_rollback()). Once
 * "commit" is answered the order is issued in one transaction: "done"
 * cannot cancel. Reports during the rollback have the step "rollback". */
int rk_enrol_run(rk_ledger *l, const rk_actor *by, rk_token_ctx *ctx, const rk_issuer *iss,
                 const rk_enrol_opts *o, rk_enrol_result *out);

/* Abandons the unfinished enrolment of order_ref (see above). pin may be
 * NULL when the key is absent. RK_ENOTFOUND if there is none. */
int rk_enrol_rollback(rk_ledger *l, const rk_actor *by, rk_token_ctx *ctx, const rk_issuer *iss,
                      const char *order_ref, const char *pin);

typedef struct rk_recover_opts {
    const char *order_ref;  /* an approved (and paid) key-recovery order */
    const char *key_serial; /* the new key */
    const char *pin;        /* its user PIN; wiped by the caller */
    /* Where the key comes from: wrapped (CMS EnvelopedData, DER; borrowed),
     * the key as HQ returned it over the sync, wrapped to the branch's
     * device certificate; NULL: the branch's own escrowed copy, wrapped to
     * HQ's recovery certificate. open_key (borrowed) opens it: the device
     * key in the HSM (ca/hsm.h: rk_hsm_ecdh_key), or HQ's recovery private
     * key; open_cert (borrowed, may be NULL) is its certificate. */
    const unsigned char *wrapped;
    size_t wrapped_len;
    EVP_PKEY *open_key;
    X509 *open_cert;
    rk_progress_fn progress; /* may be NULL */
    void *progress_arg;
} rk_recover_opts;

/* Key recovery: opens the encryption key of the certificate the recovery
 * order names (its cert_serial; see rk_recover_opts for where it comes
 * from), checks that it is that certificate's key, writes the same key and
 * the same certificate onto the new key, verifies them (key match, chain)
 * and issues the order, the certificate now recorded on the new key.
 * Journaled like an enrolment (usage 'enc'): the same call resumes;
 * rk_enrol_rollback() removes the key's objects (nothing is revoked: the
 * certificate is the subscriber's). RK_EAUTH "the ... does not open..."
 * for a wrong key, RK_EVERIFY if what opens is not the certificate's key,
 * RK_ENOTFOUND if the certificate's key was not escrowed, RK_EINVAL if the
 * order is not a key recovery. Progress (op RK_OP_RECOVER, 4 steps): "import"
 * 1, "write" 2, "verify" 3, "commit" 4, "done"; cancelling works as for
 * rk_enrol_run (the key's objects removed, nothing revoked). */
int rk_enrol_recover(rk_ledger *l, const rk_actor *by, rk_token_ctx *ctx, const rk_issuer *iss,
                     const rk_recover_opts *o, rk_enrol_result *out);

typedef struct rk_enrol_open {
    char order_ref[RK_ORDER_REF_MAX];
    char key_serial[64];
    char step[16];
    char phase[8];
    int attempts;
    int64_t updated_at;
    char error[256];
} rk_enrol_open;

/* Unfinished enrolments (to resume at start-up) into a new array (free()). */
int rk_enrol_pending(rk_ledger *l, rk_enrol_open **out, int *n);

#endif
