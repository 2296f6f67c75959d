/*
 * The branch sub-CA as an enrolment issuer (enrol.h's rk_issuer).
 *
 * It maps an order's form fields (conf/forms.ini names) to the names the
 * certificate profiles' templates use (conf/profiles.ini): id_number is the
 * holder's identity number (applicant, else agent, else legal
 * representative), credit_code the unified social credit code,
 * applicant_name the applicant or, for an organisation's person
 * certificate, the agent; province the order's region. The order's own
 * fields are passed too. Crash recovery finds a certificate by its public
 * key in the sub-CA's registry; rollback revokes with reason
 * cessationOfOperation.
 */
#ifndef RK_SUBCA_ISSUER_H
#define RK_SUBCA_ISSUER_H

#include "ca/enrol.h"
#include "ca/profiles.h"
#include "ca/subca.h"

typedef struct rk_subca_issuer {
    rk_issuer ops;               /* hand &ops to rk_enrol_run */
    rk_subca *ca;                /* borrowed */
    const rk_profiles *profiles; /* borrowed */
} rk_subca_issuer;

/* Fills si; the chain (sub-CA + root) is owned by si until
 * rk_subca_issuer_done(). */
int rk_subca_issuer_init(rk_subca_issuer *si, rk_subca *ca, const rk_profiles *profiles);
void rk_subca_issuer_done(rk_subca_issuer *si);

#endif
