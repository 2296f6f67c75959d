/*
 * The branch's sub-CA as the branch opens it: the appliance HSM's module,
 * its PIN file, the sub-CA's folder, the certificate profiles, the sub-CA
 * as the enrolment issuer, and the register following the ledger.
 *
 * Where things are:
 *   <data_dir>/ca        the sub-CA (ca/subca.h: ca.db, subca.pem, root.pem,
 *                        the demo root, crl.der/crl.pem, recovery pairs)
 *   <data_dir>/crls      HQ's CRLs (ca/crlstore.h)
 *   <data_dir>/hsm.pin   the HSM user PIN (0600, 16 random digits, made by
 *                        `ractl ca init`); RAKIOSK_HSM_PIN_FILE names another;
 *                        on the appliance the TPM-sealed credential
 *                        rakiosk-hsm-pin instead (conf/secret.h)
 *   HSM module           RAKIOSK_HSM_MODULE, default SoftHSM2; a SoftHSM-based
 *                        module without SOFTHSM2_CONF uses the demo keys'
 *                        store (keys.h), so one process loads SoftHSM once
 * Profiles come from [files] profiles of the configuration.
 */
#ifndef RK_BRANCH_BRANCHCA_H
#define RK_BRANCH_BRANCHCA_H

#include "branch/branch.h"
#include "ca/enrol.h"
#include "ca/profiles.h"
#include "ca/subca.h"

#include <stddef.h>
#include <stdint.h>

#define RK_BRANCH_HSM_PIN_MAX 72

/* The HSM's module path into out (SoftHSM prepared for it when needed). */
int rk_branch_hsm_module(rk_branch *b, char *out, size_t n);

/* <data_dir>/ca and <data_dir>/crls into out. */
int rk_branch_ca_dir(rk_branch *b, char *out, size_t n);
int rk_branch_crl_dir(rk_branch *b, char *out, size_t n);

/* 1 if the branch has a sub-CA (`ractl ca init` ran), else 0. */
int rk_branch_has_subca(rk_branch *b);

/* Reads the HSM user PIN into pin (n >= RK_BRANCH_HSM_PIN_MAX); with
 * create, makes the PIN file first when missing (never replaced). RK_ECONF
 * naming the file when it cannot be read. The caller wipes pin. */
int rk_branch_hsm_pin(rk_branch *b, char *pin, size_t n, int create);

/* The sub-CA, opened (HSM login) on first use and kept. RK_ENOTFOUND
 * saying to run `ractl ca init` when there is none. Borrowed. */
int rk_branch_subca(rk_branch *b, rk_subca **out);

/* The certificate profiles, loaded on first use. Borrowed. */
int rk_branch_profiles(rk_branch *b, const rk_profiles **out);

/* The sub-CA as the issuer of enrolments and recoveries (ca/enrol.h),
 * made on first use. Borrowed. */
int rk_branch_issuer(rk_branch *b, const rk_issuer **out);

/* Records an action on the sub-CA as actor in its role: the audit entry
 * (detail: what was done) and, when event is set ("certificate.revoked"
 * ...), the outbox event for HQ about the certificate serial, in one
 * transaction of their own (audit/record.h). */
struct rk_actor;
int rk_branch_ca_record(rk_branch *b, const struct rk_actor *actor, const char *role,
                        const char *action, const char *serial, const char *event,
                        const char *detail);

/* Brings the sub-CA's register in line with the ledger's certificate
 * statuses and, when a status changed, signs the new CRL at once, audited
 * as by (NULL: the system) (ca/castatus.h: rk_castatus_publish); *changed
 * (may be NULL) counts the changes, *crl_number (may be NULL) receives the
 * new CRL's number (0: none was due). Nothing, and 0, when the branch has
 * no sub-CA. */
int rk_branch_follow_ca(rk_branch *b, const struct rk_actor *by, int *changed,
                        uint64_t *crl_number);

#endif
