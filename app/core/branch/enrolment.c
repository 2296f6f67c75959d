/*
 * Enrolment as a service of the branch (see enrolment.h).
 */
#include "branch/enrolment.h"

#include "branch/branchca.h"
#include "branch/keys.h"
#include "branch/sync_enrol.h"
#include "ca/hsm.h"
#include "ca/subca.h"
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

/* The key HQ returned for order ref (its uuid and cert_serial) into *der
 * (free()); RK_ENOTFOUND if none came yet. */
static int hq_key(unsigned char **der, size_t *len, rk_ledger *l, const char *ref)
{
    rk_order *o = calloc(1, sizeof *o);
    sqlite3_stmt *st;
    int rc;
    *der = NULL;
    *len = 0;
    if (!o) return rk_err_oom();
    if ((rc = rk_order_get(l, ref, o)) != 0) goto out;
    if ((rc = rk_db_prepare(l->db, &st,
                            "SELECT wrapped FROM sync_recovered_key WHERE order_uuid = ? AND "
                            "upper(cert_serial) = upper(?) ORDER BY received_at DESC LIMIT 1")) !=
        0)
        goto out;
    sqlite3_bind_text(st, 1, o->uuid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, o->cert_serial, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    int n = s == SQLITE_ROW ? sqlite3_column_bytes(st, 0) : 0;
    if (s == SQLITE_ROW && n > 0) {
        if (!(*der = malloc((size_t)n)))
            rc = rk_err_oom();
        else {
            memcpy(*der, sqlite3_column_blob(st, 0), (size_t)n);
            *len = (size_t)n;
        }
    } else if (s == SQLITE_ROW || s == SQLITE_DONE) {
        rc = rk_err_set(RK_ENOTFOUND,
                        "HQ has not returned the key of order %s yet (HQ releases it with "
                        "`rahq admin recover-key`; the next sync brings it)",
                        o->ref);
    } else {
        rc = rk_db_fail(l->db, "cannot read the recovered keys");
    }
    sqlite3_finalize(st);
out:
    rk_wipe(o, sizeof *o);
    free(o);
    return rc;
}

int rk_branch_recover_ready(rk_branch *b, const char *ref)
{
    rk_ledger *l;
    unsigned char *der = NULL;
    size_t len = 0;
    int rc = rk_branch_ledger(b, &l);
    if (!rc) rc = hq_key(&der, &len, l, ref);
    free(der);
    if (rc == RK_ENOTFOUND) {
        rk_err_clear();
        return 0;
    }
    return rc ? rc : 1;
}

int rk_branch_recover(rk_branch *b, const rk_actor *by, const rk_branch_recover_req *req,
                      rk_enrol_result *result)
{
    rk_token_ctx *ctx;
    const rk_issuer *issuer;
    const rk_conf *conf;
    rk_ledger *l;
    rk_hsm *hsm = NULL;
    EVP_PKEY *key = NULL;
    X509 *dev = NULL;
    unsigned char *wrapped = NULL;
    size_t wlen = 0;
    char module[PATH_MAX], pin[RK_BRANCH_HSM_PIN_MAX], path[PATH_MAX];
    int rc;

    memset(result, 0, sizeof *result);
    if ((rc = rk_branch_ledger(b, &l)) || (rc = rk_branch_conf(b, &conf)) ||
        (rc = rk_branch_enrol_check(b, by, req->order_ref)) ||
        (rc = rk_branch_enrol_check_code(b, by, req->order_ref, req->authcode)))
        return rc;
    if (req->recovery_key) {
        /* The fallback: HQ's recovery key itself opens the branch's copy. */
        if ((rc = rk_pem_key_file(&key, req->recovery_key, NULL)) != 0) return rc;
    } else {
        /* HQ's key, wrapped to the device certificate: the device key in
         * the HSM opens it. */
        rk_sync_device_cert_path(path, sizeof path, conf);
        if ((rc = hq_key(&wrapped, &wlen, l, req->order_ref)) ||
            (rc = rk_pem_cert_file(&dev, path)) ||
            (rc = rk_branch_hsm_module(b, module, sizeof module)) ||
            (rc = rk_branch_hsm_pin(b, pin, sizeof pin, 0)))
            goto out;
        rc = rk_hsm_open(&hsm, module, RK_SUBCA_HSM_LABEL, pin, 0);
        rk_wipe(pin, sizeof pin);
        if (rc || (rc = rk_hsm_ecdh_key(&key, hsm, conf->sync_device_key)) != 0) goto out;
    }
    if (!(rc = rk_branch_tokens(b, req->key_serial, &ctx)) &&
        !(rc = rk_branch_issuer(b, &issuer))) {
        rk_recover_opts o = {.order_ref = req->order_ref,
                             .key_serial = req->key_serial,
                             .pin = req->pin,
                             .wrapped = wrapped,
                             .wrapped_len = wlen,
                             .open_key = key,
                             .open_cert = dev,
                             .progress = req->progress,
                             .progress_arg = req->progress_arg};
        rc = rk_enrol_recover(l, by, ctx, issuer, &o, result);
    }
out:
    EVP_PKEY_free(key); /* before the HSM it stands for */
    rk_hsm_close(hsm);
    X509_free(dev);
    free(wrapped);
    return rc;
}
