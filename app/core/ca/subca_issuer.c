/*
 * The branch sub-CA behind the enrolment issuer ops table (see
 * subca_issuer.h).
 */
#include "subca_issuer.h"

#include "ca/crl.h"
#include "util/err.h"

#include <string.h>

#define MAX_NAMES (RK_FORM_MAX_FIELDS + 8)

static const char *first_of(const rk_order *o, const char *a, const char *b, const char *c)
{
    const char *v;
    if (a && (v = rk_order_value(o, a)) && *v) return v;
    if (b && (v = rk_order_value(o, b)) && *v) return v;
    if (c && (v = rk_order_value(o, c)) && *v) return v;
    return NULL;
}

static int issue(void *arg, X509 **out, X509_REQ *csr, const char *profile, const rk_order *o)
{
    rk_subca_issuer *si = arg;
    const rk_profile *p = rk_profiles_find(si->profiles, profile);
    const char *names[MAX_NAMES], *values[MAX_NAMES];
    int n = 0;

    if (!p) return rk_err_set(RK_ECONF, "no certificate profile '%s' in profiles.ini", profile);
    for (int i = 0; i < o->n_fields && n < RK_FORM_MAX_FIELDS; i++) {
        names[n] = o->fields[i].name;
        values[n++] = o->fields[i].value;
    }
    const struct {
        const char *name, *value;
    } mapped[] = {
        {"id_number", first_of(o, "applicant_id", "agent_id", "legal_rep_id")},
        {"credit_code", first_of(o, "uscc", NULL, NULL)},
        {"province", first_of(o, "region", NULL, NULL)},
    };
    for (size_t i = 0; i < sizeof mapped / sizeof mapped[0]; i++)
        if (mapped[i].value) {
            names[n] = mapped[i].name;
            values[n++] = mapped[i].value;
        }
    if (!rk_order_value(o, "applicant_name")) {
        const char *person = first_of(o, "agent_name", "legal_rep_name", NULL);
        if (person) {
            names[n] = "applicant_name";
            values[n++] = person;
        }
    }
    return rk_subca_issue(out, si->ca, p, csr, names, values, n);
}

static int find(void *arg, X509 **out, EVP_PKEY *pub, int64_t since)
{
    rk_subca_issuer *si = arg;
    return rk_subca_find_by_key(out, si->ca, pub, since);
}

static int revoke(void *arg, const char *serial)
{
    rk_subca_issuer *si = arg;
    int rc = rk_crl_revoke(si->ca, serial, RK_CRL_CESSATION);
    return rc == RK_ESTATE ? 0 : rc; /* already revoked: the aim is met */
}

static int rerecord(void *arg, X509 *cert)
{
    rk_subca_issuer *si = arg;
    return rk_subca_rerecord(si->ca, cert);
}

int rk_subca_issuer_init(rk_subca_issuer *si, rk_subca *ca, const rk_profiles *profiles)
{
    memset(si, 0, sizeof *si);
    si->ca = ca;
    si->profiles = profiles;
    /* The enrolment's ledger keeps every certificate it issues durably, and
     * the journal and rk_castatus_follow() record again what a power cut
     * took from the register: its commits need not wait for the disk. */
    rk_subca_ledger_backed(ca, 1);
    si->ops.arg = si;
    si->ops.issue = issue;
    si->ops.find = find;
    si->ops.revoke = revoke;
    si->ops.rerecord = rerecord;
    si->ops.chain = sk_X509_new_null();
    if (!si->ops.chain || !sk_X509_push(si->ops.chain, rk_subca_cert(ca)) ||
        !X509_up_ref(rk_subca_cert(ca)) ||
        (rk_subca_root(ca) &&
         (!sk_X509_push(si->ops.chain, rk_subca_root(ca)) || !X509_up_ref(rk_subca_root(ca))))) {
        rk_subca_issuer_done(si);
        return rk_err_oom();
    }
    return 0;
}

void rk_subca_issuer_done(rk_subca_issuer *si)
{
    sk_X509_pop_free(si->ops.chain, X509_free);
    si->ops.chain = NULL;
}
