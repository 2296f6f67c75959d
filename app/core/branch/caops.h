/*
 * The branch sub-CA's work as services of the branch: creating the
 * sub-CA, issuing from a request file, changing the status of a
 * certificate outside the ledger, signing the CRL, importing HQ's CRLs.
 *
 * Who may, and the record of it, are here: `ca init` is set-up (no
 * clerk); issuing, signing a CRL and importing one need the issue role; a
 * revocation, suspension or resumption needs a supervisor and only for a
 * certificate the ledger does not hold (an order's certificate changes
 * through an order a review clerk approves, which the sub-CA follows).
 * Every action is audited; a status change or an issuance also goes to
 * the outbox for HQ; a refused CRL import is audited too and changes
 * nothing.
 */
#ifndef RK_BRANCH_CAOPS_H
#define RK_BRANCH_CAOPS_H

#include "branch/branch.h"
#include "ca/crlstore.h"
#include "ca/subca.h"
#include "domain/clerk.h"

#include <stdint.h>

typedef struct rk_branch_ca_init_req {
    int key_alg;           /* RK_PROFILE_KEY_EC_P256 (default), _RSA_2048 or _SM2 */
    const char *name;      /* the CN is "<name> sub-CA"; NULL: the branch id */
    const char *root_cert; /* HQ's root (PEM) and its key, or both NULL: a demo root */
    const char *root_key;
} rk_branch_ca_init_req;

/* Creates the sub-CA in <data_dir>/ca (its key in the HSM, the HSM PIN
 * file made when missing) and the demo HQ recovery pair; common_name
 * (may be NULL, n bytes) gets the sub-CA's CN. */
int rk_branch_ca_init(rk_branch *b, const rk_branch_ca_init_req *req, char *common_name, size_t n);

typedef struct rk_branch_ca_issued {
    char serial[RK_SUBCA_SERIAL_HEX];
    char subject[512];
    char profile[64];
} rk_branch_ca_issued;

/* Issues a certificate under profile from the request in csr_path (PEM or
 * DER; only its public key is used), the fields names[i]=values[i] filling
 * the subject, writes it to out_path (PEM) and records it, as by (issue
 * role). */
int rk_branch_ca_issue(rk_branch *b, const rk_actor *by, const char *profile, const char *csr_path,
                       const char *const *names, const char *const *values, int n,
                       const char *out_path, rk_branch_ca_issued *out);

typedef enum rk_branch_ca_change {
    RK_BRANCH_CA_REVOKE,
    RK_BRANCH_CA_SUSPEND,
    RK_BRANCH_CA_RESUME
} rk_branch_ca_change;

/* Revokes (with reason, RK_CRL_*), suspends or resumes the certificate
 * serial at the sub-CA, as by (supervisor); RK_ESTATE naming the order
 * when the ledger holds it. */
int rk_branch_ca_change_status(rk_branch *b, const rk_actor *by, const char *serial,
                               rk_branch_ca_change what, int reason);

typedef struct rk_branch_crl_signed {
    uint64_t number;
    size_t bytes;
    char der[PATH_MAX + 16]; /* <data_dir>/ca/crl.der */
    char pem[PATH_MAX + 16];
} rk_branch_crl_signed;

/* Signs a new full CRL valid for days (0: the default) after the
 * register has taken up the ledger's statuses, as by (issue role). */
int rk_branch_ca_crl(rk_branch *b, const rk_actor *by, int days, rk_branch_crl_signed *out);

/* Imports HQ's CRL in path (issuers: intermediate CA files that must chain
 * to [hq] ca_certs), as by (issue role); a refusal is audited and leaves
 * the CRL held in force. */
int rk_branch_ca_import_crl(rk_branch *b, const rk_actor *by, const char *path,
                            const char *const *issuers, int n_issuers, rk_crlstore_info *info);

#endif
