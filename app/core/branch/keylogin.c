/*
 * A clerk's login with the clerk's USB key (see keylogin.h).
 */
#include "branch/keylogin.h"

#include "branch/branchca.h"
#include "branch/clerkkey.h"
#include "branch/keys.h"
#include "util/buf.h"
#include "util/chain.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/file.h"
#include "util/pem.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int rk_branch_keylogin_challenge(rk_branch *b, char out[RK_CLERK_CHALLENGE_HEX + 1])
{
    rk_db *db;
    int rc = rk_branch_db(b, &db);
    return rc ? rc : rk_clerk_challenge_new(db, out);
}

/* Audits the refusal (why, about the clerk login when known) and gives the
 * one answer. A failure to audit is the answer instead: an attempt is
 * never left unrecorded. */
static int refuse(rk_branch *b, const char *login, const char *key_serial, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(rk_branch *b, const char *login, const char *key_serial, const char *fmt, ...)
{
    char why[700], detail[800];
    va_list ap;
    rk_db *db;
    int rc;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(detail, sizeof detail, "USB key %s: %s",
             key_serial && key_serial[0] ? key_serial : "?", why);
    if ((rc = rk_branch_db(b, &db)) || (rc = rk_clerk_login_refused(db, login, detail))) return rc;
    return rk_err_set(RK_EAUTH, RK_BRANCH_KEYLOGIN_REFUSED);
}

int rk_branch_keylogin_sign(rk_branch *b, const char *serial, const char *pin,
                            const char *challenge, X509_REQ **answer, X509 **cert)
{
    unsigned char id[64];
    size_t id_len = sizeof id;
    const rk_conf *conf;
    rk_token_ctx *ctx;
    rk_token *t = NULL;
    X509_NAME *name = NULL;
    int rc;

    *answer = NULL;
    *cert = NULL;
    if ((rc = rk_branch_conf(b, &conf)) || (rc = rk_branch_tokens(b, serial, &ctx)) ||
        (rc = rk_token_open(&t, ctx, serial)))
        return rc;
    if ((rc = rk_token_login(t, pin)) != 0) {
        if (rc == RK_EDEVICE) goto out;
        rc = refuse(b, NULL, serial, "%s", rk_err_msg());
        goto out;
    }
    if ((rc = rk_token_find_pair(id, &id_len, t, RK_BRANCH_CLERK_LABEL)) ||
        (rc = rk_token_read_cert(cert, t, id, id_len))) {
        if (rc == RK_EDEVICE) goto out;
        rc = refuse(b, NULL, serial, "no clerk certificate on the key: %s", rk_err_msg());
        goto out;
    }
    if (!(name = X509_NAME_new()) ||
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                    (const unsigned char *)conf->branch_id, -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8, (const unsigned char *)"clerk login",
                                    -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)challenge, -1,
                                    -1, 0)) {
        rc = rk_err_oom();
        goto out;
    }
    if ((rc = rk_token_csr(answer, t, id, id_len, name)) != 0 && rc != RK_EDEVICE)
        rc = refuse(b, NULL, serial, "the key did not sign: %s", rk_err_msg());
out:
    if (rc) {
        X509_free(*cert);
        *cert = NULL;
    }
    X509_NAME_free(name);
    rk_token_close(t);
    return rc;
}

/* 1 if the answer's subject CN is exactly challenge. */
static int names_challenge(X509_REQ *answer, const char *challenge)
{
    X509_NAME *n = X509_REQ_get_subject_name(answer);
    int i = n ? X509_NAME_get_index_by_NID(n, NID_commonName, -1) : -1;
    if (i < 0 || X509_NAME_get_index_by_NID(n, NID_commonName, i) >= 0) return 0;
    const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
    size_t len = strlen(challenge);
    return s && (size_t)ASN1_STRING_length(s) == len &&
           !memcmp(ASN1_STRING_get0_data(s), challenge, len);
}

/* 1 if the answer carries the certificate's key, bytes for bytes. */
static int same_key(X509_REQ *answer, X509 *cert)
{
    unsigned char *a = NULL, *c = NULL;
    int alen = i2d_X509_PUBKEY(X509_REQ_get_X509_PUBKEY(answer), &a);
    int clen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &c);
    int same = alen > 0 && alen == clen && !memcmp(a, c, (size_t)alen);
    OPENSSL_free(a);
    OPENSSL_free(c);
    return same;
}

/* What the branch trusts for clerk certificates: its sub-CA's certificate
 * (*subca) and the roots of [hq] ca_certs, else the root the sub-CA keeps,
 * self-signed ones only (an intermediate there issues no clerk's key). */
static int trust(rk_branch *b, X509 **subca, STACK_OF(X509) * *cas)
{
    char dir[PATH_MAX], path[PATH_MAX + 16];
    const rk_conf *conf;
    STACK_OF(X509) *all = NULL;
    int rc;
    *subca = NULL;
    *cas = NULL;
    if ((rc = rk_branch_conf(b, &conf)) || (rc = rk_branch_ca_dir(b, dir, sizeof dir))) return rc;
    snprintf(path, sizeof path, "%s/subca.pem", dir);
    if ((rc = rk_pem_cert_file(subca, path)) != 0)
        return rk_err_wrap(rc, "the branch sub-CA's certificate");
    if (!(all = sk_X509_new_null()) || !(*cas = sk_X509_new_null())) {
        rc = rk_err_oom();
        goto out;
    }
    if (conf->hq_ca_certs[0] && access(conf->hq_ca_certs, F_OK) == 0)
        snprintf(path, sizeof path, "%s", conf->hq_ca_certs);
    else
        snprintf(path, sizeof path, "%s/root.pem", dir);
    if ((rc = rk_pem_certs_file(all, path)) != 0) {
        rc = rk_err_wrap(rc, "the configured root");
        goto out;
    }
    if (!sk_X509_push(*cas, *subca) || !X509_up_ref(*subca)) {
        rc = rk_err_oom();
        goto out;
    }
    while (sk_X509_num(all) > 0) {
        X509 *x = sk_X509_pop(all);
        if ((X509_get_extension_flags(x) & EXFLAG_SS) && sk_X509_push(*cas, x)) continue;
        X509_free(x);
    }
out:
    sk_X509_pop_free(all, X509_free);
    if (rc) {
        sk_X509_pop_free(*cas, X509_free);
        *cas = NULL;
        X509_free(*subca);
        *subca = NULL;
    }
    return rc;
}

/* The newest CRL the sub-CA signed: 0 if it does not list cert (or none
 * was signed yet), else the refusal's reason in why. */
static int crl_check(rk_branch *b, X509 *subca, X509 *cert, char *why, size_t n)
{
    char dir[PATH_MAX], path[PATH_MAX + 16];
    X509_CRL *crl = NULL;
    X509_REVOKED *entry = NULL;
    rk_buf buf;
    int rc;
    why[0] = '\0';
    if ((rc = rk_branch_ca_dir(b, dir, sizeof dir)) != 0) return rc;
    snprintf(path, sizeof path, "%s/crl.der", dir);
    if (access(path, F_OK) != 0) return 0;
    rk_buf_init(&buf, 64u << 20);
    if ((rc = rk_file_read(&buf, path)) != 0) {
        snprintf(why, n, "the newest CRL cannot be read: %s", rk_err_msg());
        rk_err_clear();
        rk_buf_free(&buf);
        return 0;
    }
    const unsigned char *p = (const unsigned char *)buf.data;
    if (!(crl = d2i_X509_CRL(NULL, &p, (long)buf.len)))
        snprintf(why, n, "the newest CRL is damaged");
    else if (X509_CRL_verify(crl, X509_get0_pubkey(subca)) != 1)
        snprintf(why, n, "the newest CRL is not the sub-CA's");
    else if (X509_CRL_get0_by_serial(crl, &entry, X509_get0_serialNumber(cert)) == 1)
        snprintf(why, n, "the certificate is listed on the newest CRL");
    ERR_clear_error();
    X509_CRL_free(crl);
    rk_buf_free(&buf);
    return 0;
}

int rk_branch_keylogin_verify(rk_branch *b, const char *challenge, X509_REQ *answer, X509 *cert,
                              const char *key_serial, char token[RK_SESSION_TOKEN_LEN + 1],
                              rk_actor *actor)
{
    char issuer[512], serial[RK_SUBCA_SERIAL_HEX], spki[65], why[300], how[200];
    const rk_conf *conf;
    X509 *subca = NULL;
    STACK_OF(X509) *cas = NULL;
    rk_chain *chain = NULL;
    rk_clerk_cert entry;
    rk_subca_record rec;
    rk_subca *ca;
    rk_db *db;
    int rc;

    token[0] = '\0';
    if ((rc = rk_branch_conf(b, &conf)) || (rc = rk_branch_db(b, &db))) return rc;
    if (!answer || !cert) return refuse(b, NULL, key_serial, "no answer or no certificate");
    if ((rc = rk_clerk_challenge_take(db, challenge)) != 0) {
        if (rc != RK_EAUTH) return rc;
        return refuse(b, NULL, key_serial, "%s", rk_err_msg());
    }
    if (!names_challenge(answer, challenge))
        return refuse(b, NULL, key_serial, "the answer is not for this challenge");
    if (!same_key(answer, cert))
        return refuse(b, NULL, key_serial, "the answer is not signed with the certificate's key");
    EVP_PKEY *pub = X509_get0_pubkey(cert);
    if (!pub || X509_REQ_verify(answer, pub) != 1) {
        ERR_clear_error();
        return refuse(b, NULL, key_serial, "the answer's signature does not verify");
    }
    rk_branch_clerk_cert_ids(issuer, sizeof issuer, serial, sizeof serial, cert);

    /* Issued by this branch's sub-CA, chaining to the configured root. */
    if ((rc = trust(b, &subca, &cas)) != 0) goto out;
    if (X509_check_issued(subca, cert) != X509_V_OK) {
        rc = refuse(b, NULL, key_serial,
                    "certificate %s was not issued by this branch's sub-CA "
                    "(issuer: %s)",
                    serial, issuer);
        goto out;
    }
    if ((rc = rk_chain_new(&chain)) != 0) goto out;
    if ((rc = rk_chain_check(chain, cert, "the clerk's certificate", cas, rk_clock_now())) != 0) {
        if (rc != RK_EVERIFY) goto out;
        rc = refuse(b, NULL, key_serial, "%s", rk_err_msg());
        goto out;
    }

    /* In the roster, in force, for this very key. */
    if ((rc = rk_clerk_cert_find(db, issuer, serial, &entry)) != 0) {
        if (rc != RK_ENOTFOUND) goto out;
        rc = refuse(b, NULL, key_serial, "certificate %s is in no clerk's roster entry", serial);
        goto out;
    }
    if ((rc = rk_branch_clerk_spki_hash(spki, cert)) != 0) goto out;
    if (entry.revoked_at || strcmp(spki, entry.spki_sha256)) {
        rc = refuse(b, entry.login, key_serial, "certificate %s: %s", serial,
                    entry.revoked_at ? "revoked in the roster" : "not the roster's key");
        goto out;
    }

    /* Good at the sub-CA and absent from its newest CRL. */
    if ((rc = rk_branch_subca(b, &ca)) != 0) goto out;
    if ((rc = rk_subca_lookup(&rec, ca, serial)) != 0 || rec.status != RK_CERT_GOOD) {
        if (rc && rc != RK_ENOTFOUND) goto out;
        rc = refuse(b, entry.login, key_serial, "certificate %s is %s at the sub-CA", serial,
                    rc                           ? "unknown"
                    : rec.status == RK_CERT_HOLD ? "suspended"
                                                 : "revoked");
        goto out;
    }
    if ((rc = crl_check(b, subca, cert, why, sizeof why)) != 0) goto out;
    if (why[0]) {
        rc = refuse(b, entry.login, key_serial, "certificate %s: %s", serial, why);
        goto out;
    }

    snprintf(how, sizeof how, "USB key %s, certificate %s",
             key_serial && key_serial[0] ? key_serial : "?", serial);
    if ((rc = rk_clerk_login_as(db, conf, entry.login, how, token, actor)) != 0) {
        if (rc != RK_EPERM && rc != RK_ENOTFOUND) goto out;
        rc = refuse(b, entry.login, key_serial, "%s", rk_err_msg());
    }
out:
    rk_chain_free(chain);
    sk_X509_pop_free(cas, X509_free);
    X509_free(subca);
    return rc;
}
