/*
 * Clerks' own USB keys: issuing and revoking their login certificates (see
 * clerkkey.h).
 */
#include "branch/clerkkey.h"

#include "branch/branchca.h"
#include "branch/keyops.h"
#include "branch/keys.h"
#include "ca/crl.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/log.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int rk_branch_clerk_spki_hash(char out[65], X509 *cert)
{
    unsigned char *der = NULL, d[32];
    unsigned int n = 0;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    int ok = len > 0 && EVP_Digest(der, (size_t)len, d, &n, EVP_sha256(), NULL) == 1 && n == 32;
    OPENSSL_free(der);
    if (!ok) return rk_err_set(RK_ECRYPTO, "cannot hash the certificate's key");
    rk_hex_encode(out, d, 32, RK_HEX_LOWER);
    return 0;
}

void rk_branch_clerk_cert_ids(char *issuer, size_t issuer_n, char *serial, size_t serial_n,
                              X509 *cert)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    rk_subca_name_text(issuer, issuer_n, X509_get_issuer_name(cert));
    serial[0] = '\0';
    if (!hex || rk_subca_serial_norm(serial, serial_n, hex) != 0) {
        rk_err_clear();
        serial[0] = '\0';
    }
    OPENSSL_free(hex);
    BN_free(bn);
}

static int64_t asn1_unix(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm)) return 0;
    return (int64_t)timegm(&tm);
}

/* The sub-CA's certificate and its root, for checking what was written. */
static STACK_OF(X509) * ca_chain(rk_subca *ca)
{
    STACK_OF(X509) *cas = sk_X509_new_null();
    if (!cas) return NULL;
    if (sk_X509_push(cas, rk_subca_cert(ca)) && X509_up_ref(rk_subca_cert(ca)) &&
        (!rk_subca_root(ca) ||
         (sk_X509_push(cas, rk_subca_root(ca)) && X509_up_ref(rk_subca_root(ca)))))
        return cas;
    sk_X509_pop_free(cas, X509_free);
    return NULL;
}

/* RK_EEXIST when the key's clerk pair id holds a certificate in force in
 * the roster; otherwise the stale pair (a revoked certificate, an
 * issuance cut off) is removed. */
static int clear_old_pair(rk_branch *b, rk_token *t)
{
    unsigned char id[64];
    size_t id_len = sizeof id;
    char issuer[512], serial[41];
    rk_clerk_cert old;
    X509 *cert = NULL;
    rk_db *db;
    int rc = rk_token_find_pair(id, &id_len, t, RK_BRANCH_CLERK_LABEL);
    if (rc == RK_ENOTFOUND) {
        rk_err_clear();
        return 0;
    }
    if (rc || (rc = rk_branch_db(b, &db))) return rc;
    if ((rc = rk_token_read_cert(&cert, t, id, id_len)) == 0) {
        rk_branch_clerk_cert_ids(issuer, sizeof issuer, serial, sizeof serial, cert);
        X509_free(cert);
        rc = rk_clerk_cert_find(db, issuer, serial, &old);
        if (rc == 0 && !old.revoked_at)
            return rk_err_set(RK_EEXIST,
                              "the key holds %s's clerk certificate %s, in force: revoke it "
                              "first (`ractl clerk key-revoke %s`)",
                              old.login, old.serial, old.serial);
        if (rc && rc != RK_ENOTFOUND) return rc;
    } else if (rc != RK_ENOTFOUND) {
        return rc;
    }
    rk_err_clear();
    return rk_token_delete_pair(t, id, id_len);
}

/* Undoes an issuance that failed after the certificate was signed: the
 * certificate is revoked at the sub-CA (audited) so none is in force that
 * the roster does not hold. Failures here are only logged: the caller
 * reports the first error. */
static void revoke_unrecorded(rk_branch *b, const rk_actor *by, rk_subca *ca, const char *serial)
{
    if (rk_crl_revoke(ca, serial, RK_CRL_CESSATION) != 0 ||
        rk_branch_ca_record(b, by, "supervisor", "ca.revoke", serial, "certificate.revoked",
                            "clerk certificate revoked: its issuance did not complete") != 0)
        rk_log_warn("clerk certificate %s could not be revoked after a failed issuance: %s", serial,
                    rk_err_msg());
}

int rk_branch_clerk_key_issue(rk_branch *b, const rk_actor *by, const rk_branch_clerk_key_req *req,
                              rk_clerk_cert *out)
{
    const rk_profiles *set;
    const rk_profile *p;
    const rk_conf *conf;
    rk_token_ctx *ctx;
    rk_token *t = NULL;
    rk_subca *ca;
    rk_clerk clerk;
    rk_db *db;
    X509_NAME *name = NULL;
    X509_REQ *csr = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *cas = NULL;
    unsigned char id[RK_TOKEN_ID_LEN];
    int rc, made = 0, issued = 0;

    memset(out, 0, sizeof *out);
    if ((rc = rk_actor_require(by, RK_ROLE_SUPERVISOR)) || (rc = rk_branch_conf(b, &conf)) ||
        (rc = rk_branch_db(b, &db)) || (rc = rk_branch_profiles(b, &set)))
        return rc;
    if (!(p = rk_profiles_find(set, RK_BRANCH_CLERK_PROFILE)))
        return rk_err_set(RK_ECONF, "no [profile %s] in %s: clerk keys need it",
                          RK_BRANCH_CLERK_PROFILE, conf->profiles);
    if (p->key_alg != RK_PROFILE_KEY_EC_P256 && p->key_alg != RK_PROFILE_KEY_RSA_2048)
        return rk_err_set(RK_ECONF, "[profile %s] key: a USB key makes ec-p256 or rsa-2048",
                          RK_BRANCH_CLERK_PROFILE);
    if ((rc = rk_clerk_get(db, req->login, &clerk)) != 0) return rc;
    if (!clerk.active)
        return rk_err_set(RK_ESTATE, "clerk %s is deactivated: activate them first", clerk.login);
    if ((rc = rk_branch_subca(b, &ca)) || (rc = rk_branch_tokens(b, req->key_serial, &ctx)) ||
        (rc = rk_token_open(&t, ctx, req->key_serial)) || (rc = rk_token_login(t, req->pin)) ||
        (rc = clear_old_pair(b, t)))
        goto out;

    if ((rc = rk_token_keygen(
             id, t, p->key_alg == RK_PROFILE_KEY_EC_P256 ? RK_TOKEN_EC_P256 : RK_TOKEN_RSA_2048,
             RK_TOKEN_SIGN, RK_BRANCH_CLERK_LABEL, req->progress, req->progress_arg)) != 0)
        goto out;
    made = 1;
    if (!(name = X509_NAME_new()) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)clerk.login,
                                    -1, -1, 0)) {
        rc = rk_err_oom();
        goto out;
    }
    const char *names[] = {"clerk_login", "clerk_name", "branch_id"};
    const char *values[] = {clerk.login, clerk.name, conf->branch_id};
    if ((rc = rk_token_csr(&csr, t, id, sizeof id, name)) ||
        (rc = rk_subca_issue(&cert, ca, p, csr, names, values, 3)))
        goto out;
    issued = 1;
    rk_branch_clerk_cert_ids(out->issuer, sizeof out->issuer, out->serial, sizeof out->serial,
                             cert);
    snprintf(out->key_serial, sizeof out->key_serial, "%s", rk_token_serial(t));
    out->not_after = asn1_unix(X509_get0_notAfter(cert));
    if (!(cas = ca_chain(ca))) {
        rc = rk_err_oom();
        goto out;
    }
    if ((rc = rk_token_write_cert(t, id, sizeof id, RK_BRANCH_CLERK_LABEL, cert, 0, req->progress,
                                  req->progress_arg)) ||
        (rc = rk_token_verify_cert(t, id, sizeof id, cert, cas)) ||
        (rc = rk_branch_clerk_spki_hash(out->spki_sha256, cert)) ||
        (rc = rk_clerk_cert_add(db, by, clerk.login, out)))
        goto out;
    issued = made = 0; /* recorded: nothing to undo */
out:
    if (rc && (issued || made)) {
        char why[600];
        snprintf(why, sizeof why, "%s", rk_err_msg());
        if (issued) revoke_unrecorded(b, by, ca, out->serial);
        if (made && rk_token_delete_pair(t, id, sizeof id) != 0)
            rk_log_warn("the clerk key pair on %s stays behind: %s", req->key_serial, rk_err_msg());
        rc = rk_err_set(rc, "%s", why);
    }
    if (rc) memset(out, 0, sizeof *out);
    sk_X509_pop_free(cas, X509_free);
    X509_free(cert);
    X509_REQ_free(csr);
    X509_NAME_free(name);
    rk_token_close(t);
    return rc;
}

int rk_branch_clerk_key_revoke(rk_branch *b, const rk_actor *by, const char *serial, int reason,
                               const char *why, uint64_t *crl_number)
{
    char norm[RK_SUBCA_SERIAL_HEX], detail[300];
    unsigned char *der = NULL;
    size_t len = 0;
    uint64_t number = 0;
    rk_clerk_cert c;
    rk_subca *ca;
    rk_db *db;
    int rc;

    if (crl_number) *crl_number = 0;
    if (reason == RK_CRL_HOLD || reason == RK_CRL_REMOVE)
        return rk_err_set(RK_EINVAL, "%s is not a revocation reason", rk_crl_reason_name(reason));
    if ((rc = rk_actor_require(by, RK_ROLE_SUPERVISOR)) ||
        (rc = rk_subca_serial_norm(norm, sizeof norm, serial)) || (rc = rk_branch_db(b, &db)) ||
        (rc = rk_branch_subca(b, &ca)))
        return rc;
    if ((rc = rk_clerk_cert_revoke(db, by, norm, why, &c)) != 0) return rc;
    /* The roster refuses the key from now on; the sub-CA and the CRL say so
     * to everyone else. A certificate the sub-CA revoked already is fine. */
    rc = rk_crl_revoke(ca, norm, reason);
    if (rc == RK_ESTATE) {
        rk_err_clear();
        rc = 0;
    }
    if (rc) return rk_err_wrap(rc, "the roster refuses the key, but the sub-CA did not revoke it");
    snprintf(detail, sizeof detail, "clerk certificate %s of %s revoked at the sub-CA: %s", norm,
             c.login, rk_crl_reason_name(reason));
    if ((rc = rk_branch_ca_record(b, by, "supervisor", "ca.revoke", norm, NULL, detail)) ||
        (rc = rk_crl_generate(&der, &len, &number, ca, 0)))
        return rc;
    free(der);
    snprintf(detail, sizeof detail, "CRL number %llu signed", (unsigned long long)number);
    if (crl_number) *crl_number = number;
    return rk_branch_ca_record(b, by, "supervisor", "ca.crl", NULL, NULL, detail);
}

int rk_branch_clerk_keys_present(rk_branch *b, char (*serials)[RK_TOKEN_SERIAL_MAX], int max,
                                 int *n)
{
    rk_token_info *keys = NULL;
    rk_token_ctx *ctx;
    int nkeys = 0, rc;
    *n = 0;
    if ((rc = rk_branch_keys_inserted(b, &keys, &nkeys)) != 0) return rc;
    for (int i = 0; i < nkeys && *n < max; i++) {
        rk_token *t = NULL;
        rk_token_object *objs = NULL;
        int nobj = 0, found = 0;
        if (!keys[i].serial[0] || rk_branch_tokens(b, keys[i].serial, &ctx) ||
            rk_token_open(&t, ctx, keys[i].serial) || rk_token_objects(&objs, &nobj, t)) {
            rk_err_clear(); /* a key pulled meanwhile, or unreadable: not a clerk key now */
        } else {
            for (int k = 0; k < nobj; k++)
                if (objs[k].kind == RK_TOKEN_OBJ_CERT &&
                    !strcmp(objs[k].label, RK_BRANCH_CLERK_LABEL))
                    found = 1;
        }
        free(objs);
        rk_token_close(t);
        if (found) snprintf(serials[(*n)++], RK_TOKEN_SERIAL_MAX, "%s", keys[i].serial);
    }
    free(keys);
    return 0;
}
