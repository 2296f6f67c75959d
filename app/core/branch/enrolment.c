/*
 * Enrolment as a service of the branch (see enrolment.h).
 */
#include "branch/enrolment.h"

#include "branch/branchca.h"
#include "branch/keys.h"
#include "ca/escrow.h"
#include "domain/authcode.h"
#include "domain/order.h"
#include "util/err.h"
#include "util/pem.h"
#include "util/wipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rk_branch_enrol_opts(rk_branch *b, const char *ref, rk_enrol_opts *o, X509 **recovery)
{
    const rk_profiles *profiles;
    const rk_profile *p;
    rk_subca *ca;
    rk_ledger *l;
    rk_order ord;
    char name[64];
    int rc;

    *recovery = NULL;
    if ((rc = rk_branch_ledger(b, &l)) || (rc = rk_branch_profiles(b, &profiles)) ||
        (rc = rk_order_get(l, ref, &ord)))
        return rc;
    snprintf(name, sizeof name, "%s-sign", ord.cert_kind);
    p = rk_profiles_find(profiles, name);
    o->alg_is_rsa = p && p->key_alg == RK_PROFILE_KEY_RSA_2048;
    /* Dual certificates when the kind has an encryption profile. */
    snprintf(name, sizeof name, "%s-enc", ord.cert_kind);
    rk_wipe(&ord, sizeof ord);
    o->enc_profile = NULL;
    o->enc_alg_is_rsa = o->enc_escrow = 0;
    o->recovery = NULL;
    if ((p = rk_profiles_find(profiles, name)) == NULL) return 0;
    o->enc_profile = p->name;
    o->enc_alg_is_rsa = p->key_alg == RK_PROFILE_KEY_RSA_2048;
    o->enc_escrow = p->escrow;
    if (!p->escrow) return 0;
    if ((rc = rk_branch_subca(b, &ca)) ||
        (rc = rk_escrow_recovery_cert(recovery, rk_subca_dir(ca))))
        return rc;
    o->recovery = *recovery;
    return 0;
}

/* After an order that revoked an old certificate: the sub-CA takes it up. */
static void follow(rk_branch *b, const rk_actor *by, const char *ref, rk_branch_enrol_out *out)
{
    rk_ledger *l;
    rk_order ord;
    int changes = 0;
    if (rk_branch_ledger(b, &l) == 0 && rk_order_get(l, ref, &ord) == 0) {
        changes = rk_business_changes_status(ord.business);
        rk_wipe(&ord, sizeof ord);
    }
    if (changes && rk_branch_follow_ca(b, by, &out->ca_changes, &out->crl_number) != 0) {
        out->ca_follow_failed = 1;
        snprintf(out->ca_follow_error, sizeof out->ca_follow_error, "%s", rk_err_msg());
    }
    rk_err_clear();
}

int rk_branch_enrol(rk_branch *b, const rk_actor *by, const rk_branch_enrol_req *req,
                    rk_branch_enrol_out *out)
{
    rk_token_ctx *ctx;
    const rk_issuer *issuer;
    rk_ledger *l;
    X509 *recovery = NULL;
    int rc;

    memset(out, 0, sizeof *out);
    rk_enrol_opts o = {.order_ref = req->order_ref,
                       .key_serial = req->key_serial,
                       .pin = req->pin,
                       .progress = req->progress,
                       .progress_arg = req->progress_arg};
    if ((rc = rk_branch_ledger(b, &l)) ||
        (rc = rk_branch_enrol_check_code(b, by, req->order_ref, req->authcode)) ||
        (rc = rk_branch_tokens(b, req->key_serial, &ctx)) || (rc = rk_branch_issuer(b, &issuer)) ||
        (rc = rk_branch_enrol_opts(b, req->order_ref, &o, &recovery)))
        goto out;
    if ((rc = rk_enrol_run(l, by, ctx, issuer, &o, &out->result)) == 0)
        follow(b, by, req->order_ref, out);
out:
    X509_free(recovery);
    return rc;
}

int rk_branch_enrol_check(rk_branch *b, const rk_actor *by, const char *ref)
{
    rk_ledger *l;
    rk_order *o = calloc(1, sizeof *o);
    if (!o) return rk_err_oom();
    int rc = rk_branch_ledger(b, &l);
    if (!rc) rc = rk_order_check_issuable(l, by, ref, o);
    rk_wipe(o, sizeof *o);
    free(o);
    return rc;
}

int rk_branch_enrol_needs_code(rk_branch *b, const char *ref)
{
    rk_ledger *l;
    int has = 0, rc;
    if ((rc = rk_branch_ledger(b, &l)) || (rc = rk_authcode_has(l, ref, &has))) return rc;
    return has;
}

int rk_branch_enrol_check_code(rk_branch *b, const rk_actor *by, const char *ref,
                               const char *authcode)
{
    rk_ledger *l;
    int has = 0, rc;
    if ((rc = rk_branch_ledger(b, &l)) || (rc = rk_authcode_has(l, ref, &has))) return rc;
    return has ? rk_authcode_check(l, by, ref, RK_AUTHCODE_CERT, authcode) : 0;
}

int rk_branch_enrol_rollback(rk_branch *b, const rk_actor *by, const char *ref,
                             const char *key_serial, const char *pin)
{
    rk_token_ctx *ctx;
    const rk_issuer *issuer;
    rk_ledger *l;
    int rc;
    if ((rc = rk_branch_ledger(b, &l)) || (rc = rk_branch_tokens(b, key_serial, &ctx)) ||
        (rc = rk_branch_issuer(b, &issuer)))
        return rc;
    return rk_enrol_rollback(l, by, ctx, issuer, ref, pin && *pin ? pin : NULL);
}

int rk_branch_enrol_pending(rk_branch *b, rk_enrol_open **out, int *n)
{
    rk_ledger *l;
    int rc = rk_branch_ledger(b, &l);
    *out = NULL;
    *n = 0;
    return rc ? rc : rk_enrol_pending(l, out, n);
}

int rk_branch_recover(rk_branch *b, const rk_actor *by, const rk_branch_recover_req *req,
                      rk_enrol_result *result)
{
    rk_token_ctx *ctx;
    const rk_issuer *issuer;
    rk_ledger *l;
    EVP_PKEY *key = NULL;
    int rc;
    if ((rc = rk_pem_key_file(&key, req->recovery_key, NULL)) != 0) return rc;
    if (!(rc = rk_branch_ledger(b, &l)) && !(rc = rk_branch_tokens(b, req->key_serial, &ctx)) &&
        !(rc = rk_branch_issuer(b, &issuer))) {
        rk_recover_opts o = {.order_ref = req->order_ref,
                             .key_serial = req->key_serial,
                             .pin = req->pin,
                             .recovery_key = key,
                             .progress = req->progress,
                             .progress_arg = req->progress_arg};
        rc = rk_enrol_recover(l, by, ctx, issuer, &o, result);
    }
    EVP_PKEY_free(key);
    return rc;
}
