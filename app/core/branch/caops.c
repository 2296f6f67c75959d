/*
 * The branch sub-CA's services (see caops.h).
 */
#include "branch/caops.h"

#include "branch/branchca.h"
#include "ca/castatus.h"
#include "ca/catrust.h"
#include "ca/crl.h"
#include "ca/escrow.h"
#include "ca/profiles.h"
#include "domain/certstatus.h"
#include "domain/order.h"
#include "util/err.h"
#include "util/file.h"
#include "util/log.h"
#include "util/pem.h"
#include "util/wipe.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rk_branch_ca_init(rk_branch *b, const rk_branch_ca_init_req *req, char *common_name, size_t n)
{
    char dir[PATH_MAX], module[PATH_MAX], pin[RK_BRANCH_HSM_PIN_MAX], cn[200];
    const rk_conf *conf;
    int rc;
    if (!req->root_cert != !req->root_key)
        return rk_err_set(RK_EINVAL, "HQ's root certificate and its key go together");
    if ((rc = rk_branch_conf(b, &conf)) || (rc = rk_branch_ca_dir(b, dir, sizeof dir)) ||
        (rc = rk_branch_hsm_module(b, module, sizeof module)) ||
        (rc = rk_branch_hsm_pin(b, pin, sizeof pin, 1)))
        return rc;
    snprintf(cn, sizeof cn, "%s sub-CA", req->name ? req->name : conf->branch_id);
    rk_subca_init_opts o = {.dir = dir,
                            .hsm_module = module,
                            .pin = pin,
                            .key_alg = req->key_alg,
                            .common_name = cn,
                            .root_cert = req->root_cert,
                            .root_key = req->root_key};
    rc = rk_subca_init(&o);
    rk_wipe(pin, sizeof pin);
    /* The demo's HQ recovery pair for escrowed encryption keys (demo only:
     * in production HQ's recovery certificate is ca/recovery.pem). */
    if (!rc) rc = rk_escrow_demo_init(dir, NULL);
    if (!rc && common_name) snprintf(common_name, n, "%s", cn);
    return rc;
}

/* The request in path, PEM or DER. */
static int read_csr(X509_REQ **out, const char *path)
{
    rk_buf b;
    int rc;
    *out = NULL;
    rk_buf_init(&b, RK_PEM_MAX_BYTES);
    if ((rc = rk_file_read(&b, path)) == 0 &&
        (rc = rk_pem_csr_mem(out, b.data, b.len, path)) == RK_EFORMAT) {
        const unsigned char *p = (const unsigned char *)b.data;
        if ((*out = d2i_X509_REQ(NULL, &p, (long)b.len)) != NULL) {
            rk_err_clear();
            rc = 0;
        } else {
            ERR_clear_error();
            rc = rk_err_set(RK_EFORMAT, "%s: not a certificate request (PEM or DER)", path);
        }
    }
    rk_buf_free(&b);
    return rc;
}

/* The acting clerk must hold role. */
static int need(const rk_actor *by, unsigned role)
{
    return rk_actor_require(by, role);
}

int rk_branch_ca_issue(rk_branch *b, const rk_actor *by, const char *profile, const char *csr_path,
                       const char *const *names, const char *const *values, int n,
                       const char *out_path, rk_branch_ca_issued *out)
{
    const rk_profiles *set;
    const rk_profile *p;
    const rk_conf *conf;
    X509_REQ *csr = NULL;
    X509 *cert = NULL;
    rk_subca *ca;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = need(by, RK_ROLE_ISSUE)) || (rc = rk_branch_conf(b, &conf)) ||
        (rc = rk_branch_profiles(b, &set)))
        return rc;
    if (!(p = rk_profiles_find(set, profile)))
        return rk_err_set(RK_ENOTFOUND, "no profile '%s' in %s", profile, conf->profiles);
    if ((rc = read_csr(&csr, csr_path)) != 0) return rc;
    if (!(rc = rk_branch_subca(b, &ca)) &&
        !(rc = rk_subca_issue(&cert, ca, p, csr, names, values, n)) &&
        !(rc = rk_pem_cert_write(out_path, cert, 0644))) {
        BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
        char *hex = bn ? BN_bn2hex(bn) : NULL, detail[800];
        if (hex) rk_subca_serial_norm(out->serial, sizeof out->serial, hex);
        OPENSSL_free(hex);
        BN_free(bn);
        rk_subca_name_text(out->subject, sizeof out->subject, X509_get_subject_name(cert));
        snprintf(out->profile, sizeof out->profile, "%s", p->name);
        snprintf(detail, sizeof detail, "certificate %s (%s) issued from a request file: %s",
                 out->serial, p->name, out->subject);
        rc = rk_branch_ca_record(b, by, "issue", "ca.issue", out->serial, "certificate.issued",
                                 detail);
    }
    X509_free(cert);
    X509_REQ_free(csr);
    return rc;
}

/* RK_ESTATE if the ledger holds serial: its status changes through orders
 * (reviewed by a second clerk), which the sub-CA then follows. */
static int not_in_ledger(rk_ledger *l, const char *serial)
{
    char ref[RK_ORDER_REF_MAX];
    int rc = rk_certstatus_of(l, serial, NULL, 0, ref, sizeof ref);
    if (rc == RK_ENOTFOUND) {
        rk_err_clear();
        return 0;
    }
    if (rc) return rc;
    return rk_err_set(RK_ESTATE,
                      "certificate %s is order %s's: change its status with a revoke, suspend "
                      "or resume order (`ractl order new --business revoke --field "
                      "cert_serial=...`), which a review clerk approves",
                      serial, ref[0] ? ref : "no");
}

int rk_branch_ca_change_status(rk_branch *b, const rk_actor *by, const char *serial,
                               rk_branch_ca_change what, int reason)
{
    static const char *const verbs[] = {"revoke", "suspend", "resume"};
    static const char *const events[] = {"certificate.revoked", "certificate.suspended",
                                         "certificate.resumed"};
    char action[32], detail[200];
    rk_ledger *l;
    rk_subca *ca;
    int rc;
    if (what < RK_BRANCH_CA_REVOKE || what > RK_BRANCH_CA_RESUME)
        return rk_err_set(RK_EINVAL, "no such status change");
    if (what == RK_BRANCH_CA_REVOKE && (reason == RK_CRL_HOLD || reason == RK_CRL_REMOVE))
        return rk_err_set(RK_EINVAL, "%s is not a revocation reason: use %s",
                          rk_crl_reason_name(reason), reason == RK_CRL_HOLD ? "suspend" : "resume");
    if ((rc = need(by, RK_ROLE_SUPERVISOR)) || (rc = rk_branch_ledger(b, &l)) ||
        (rc = not_in_ledger(l, serial)) || (rc = rk_branch_subca(b, &ca)))
        return rc;
    rc = what == RK_BRANCH_CA_REVOKE    ? rk_crl_revoke(ca, serial, reason)
         : what == RK_BRANCH_CA_SUSPEND ? rk_crl_suspend(ca, serial)
                                        : rk_crl_resume(ca, serial);
    if (rc) return rc;
    snprintf(action, sizeof action, "ca.%s", verbs[what]);
    snprintf(detail, sizeof detail, "certificate %s %s at the sub-CA%s%s", serial, verbs[what],
             what == RK_BRANCH_CA_REVOKE ? ": " : "",
             what == RK_BRANCH_CA_REVOKE ? rk_crl_reason_name(reason) : "");
    return rk_branch_ca_record(b, by, "supervisor", action, serial, events[what], detail);
}

int rk_branch_ca_crl(rk_branch *b, const rk_actor *by, int days, rk_branch_crl_signed *out)
{
    unsigned char *der = NULL;
    char dir[PATH_MAX], detail[80];
    rk_subca *ca;
    rk_ledger *l;
    int rc, changed = 0;
    memset(out, 0, sizeof *out);
    /* The CRL says what the ledger decided: the register follows first
     * (without publishing: this call signs the CRL itself). */
    if ((rc = need(by, RK_ROLE_ISSUE)) || (rc = rk_branch_ca_dir(b, dir, sizeof dir)) ||
        (rc = rk_branch_ledger(b, &l)) || (rc = rk_branch_subca(b, &ca)) ||
        (rc = rk_castatus_follow(l, ca, &changed)) ||
        (rc = rk_crl_generate(&der, &out->bytes, &out->number, ca, days)))
        return rc;
    free(der);
    snprintf(out->der, sizeof out->der, "%s/crl.der", dir);
    snprintf(out->pem, sizeof out->pem, "%s/crl.pem", dir);
    snprintf(detail, sizeof detail, "CRL number %llu signed", (unsigned long long)out->number);
    return rk_branch_ca_record(b, by, "issue", "ca.crl", NULL, NULL, detail);
}

int rk_branch_ca_import_crl(rk_branch *b, const rk_actor *by, const char *path,
                            const char *const *issuers, int n_issuers, rk_crlstore_info *info)
{
    char dir[PATH_MAX], detail[900];
    const rk_conf *conf;
    rk_catrust *trust = NULL;
    rk_crlstore *st = NULL;
    int rc;
    memset(info, 0, sizeof *info);
    if ((rc = need(by, RK_ROLE_ISSUE)) || (rc = rk_branch_conf(b, &conf)) ||
        (rc = rk_catrust_load_branch(&trust, conf, issuers, n_issuers)) ||
        (rc = rk_branch_crl_dir(b, dir, sizeof dir)) || (rc = rk_crlstore_open(&st, dir)))
        goto out;
    if ((rc = rk_crlstore_import(info, st, path, trust)) != 0) {
        if (rc == RK_EVERIFY || rc == RK_ENOTFOUND || rc == RK_ESTATE) {
            char why[600];
            snprintf(why, sizeof why, "%s", rk_err_msg());
            snprintf(detail, sizeof detail, "CRL refused: %s", why);
            if (rk_branch_ca_record(b, by, "issue", "ca.import_crl_refused", NULL, NULL, detail))
                rk_log_warn("the refused CRL was not audited: %s", rk_err_msg());
            rc = rk_err_set(rc, "%s", why);
        }
        goto out;
    }
    snprintf(detail, sizeof detail, "CRL number %s of %s imported (%llu entries)", info->number,
             info->issuer, (unsigned long long)info->entries);
    rc = rk_branch_ca_record(b, by, "issue", "ca.import_crl", NULL, NULL, detail);
out:
    rk_crlstore_free(st);
    rk_catrust_free(trust);
    return rc;
}
