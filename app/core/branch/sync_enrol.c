/*
 * Device enrolment with HQ (see sync_enrol.h).
 */
#include "branch/sync_enrol.h"

#include "audit/record.h"
#include "branch/sync_proto.h"
#include "branch/sync_status.h"
#include "ca/cmp_client.h"
#include "ca/hsm.h"
#include "ca/subca.h"
#include "conf/secret.h"
#include "demo/softkeys.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/pem.h"
#include "util/log.h"
#include "util/wipe.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_HSM_MODULE "/usr/lib/softhsm/libsofthsm2.so"

int rk_sync_hsm_env(rk_sync_hsm *h, const rk_conf *conf)
{
    int rc;
    memset(h, 0, sizeof *h);
    const char *m = getenv("RAKIOSK_HSM_MODULE");
    snprintf(h->module, sizeof h->module, "%s", m && *m ? m : DEFAULT_HSM_MODULE);
    snprintf(h->label, sizeof h->label, "%s", RK_SUBCA_HSM_LABEL);
    if ((strstr(h->module, "softhsm") || strstr(h->module, "p11lock")) &&
        !getenv("SOFTHSM2_CONF")) {
        char dir[PATH_MAX], sconf[PATH_MAX];
        snprintf(dir, sizeof dir, "%s/softkeys", conf->data_dir);
        if ((rc = rk_softkeys_prepare(sconf, sizeof sconf, dir)) != 0) return rc;
        setenv("SOFTHSM2_CONF", sconf, 1);
    }
    if ((rc = rk_secret_load(conf, RK_SECRET_HSM_PIN, getenv("RAKIOSK_HSM_PIN_FILE"), 0, h->pin,
                             sizeof h->pin)) != 0)
        return rc;
    snprintf(h->key_uri, sizeof h->key_uri, "pkcs11:token=%s;object=%s;type=private", h->label,
             conf->sync_device_key);
    return 0;
}

void rk_sync_hsm_done(rk_sync_hsm *h)
{
    rk_wipe(h->pin, sizeof h->pin);
}

int rk_sync_read_secret(char *out, size_t n, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rk_err_set(RK_ENOTFOUND, "cannot read the secret file %s: %s", path,
                          strerror(errno));
    ssize_t r = read(fd, out, n - 1);
    close(fd);
    if (r < 0) return rk_err_set(RK_EIO, "cannot read the secret file %s", path);
    out[r] = '\0';
    size_t len = strcspn(out, "\r\n");
    if (len == n - 1 && (size_t)r == n - 1) {
        rk_wipe(out, n);
        return rk_err_set(RK_ETOOBIG, "the secret in %s is too long", path);
    }
    out[len] = '\0';
    if (len == 0) return rk_err_set(RK_EINVAL, "the secret file %s is empty", path);
    return 0;
}

void rk_sync_device_cert_path(char *out, size_t n, const rk_conf *conf)
{
    snprintf(out, n, "%s/sync/device.pem", conf->data_dir);
}

/* A PKCS#10 request for CN=branch with pub, signed on the HSM. */
static int make_csr(X509_REQ **out, rk_hsm *hsm, const char *label, EVP_PKEY *pub,
                    const char *branch)
{
    X509_REQ *req = X509_REQ_new();
    X509_NAME *name = X509_NAME_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    unsigned char *tbs = NULL, *sig = NULL;
    size_t siglen = 0;
    int is_ec = 0, rc = 0, len;

    *out = NULL;
    if (!req || !name || !alg || !X509_REQ_set_version(req, 0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)branch, -1,
                                    -1, 0) ||
        !X509_REQ_set_subject_name(req, name) || !X509_REQ_set_pubkey(req, pub) ||
        !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_ecdsa_with_SHA256), V_ASN1_UNDEF, NULL) ||
        !X509_REQ_set1_signature_algo(req, alg) || (len = i2d_re_X509_REQ_tbs(req, &tbs)) <= 0) {
        rc = rk_err_set(RK_ECRYPTO, "cannot build the device's certificate request");
        goto out;
    }
    if ((rc = rk_hsm_sign(&sig, &siglen, &is_ec, hsm, label, tbs, (size_t)len)) != 0) goto out;
    if (!is_ec) {
        rc = rk_err_set(RK_ECRYPTO, "the device key %s is not an EC key", label);
        goto out;
    }
    const ASN1_BIT_STRING *psig;
    const X509_ALGOR *palg;
    X509_REQ_get0_signature(req, &psig, &palg);
    ASN1_BIT_STRING *s = (ASN1_BIT_STRING *)psig;
    if (!ASN1_BIT_STRING_set(s, sig, (int)siglen)) {
        rc = rk_err_oom();
        goto out;
    }
    s->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
    s->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    if (X509_REQ_verify(req, pub) != 1) {
        rc = rk_err_set(RK_ECRYPTO, "the HSM's signature of the device request does not verify");
        goto out;
    }
    *out = req;
    req = NULL;
out:
    ERR_clear_error();
    OPENSSL_free(tbs);
    OPENSSL_free(sig);
    X509_ALGOR_free(alg);
    X509_NAME_free(name);
    X509_REQ_free(req);
    return rc;
}

static int write_cert(const char *path, X509 *cert)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return rk_err_set(RK_EIO, "cannot make %s: %s", dir, strerror(errno));
    return rk_pem_cert_write(path, cert, 0644);
}

int rk_sync_enrol(rk_sync_enrol_result *out, rk_db *db, const rk_conf *conf,
                  const rk_sync_enrol_opts *o)
{
    rk_sync_hsm env;
    rk_hsm *hsm = NULL;
    EVP_PKEY *pub = NULL;
    X509_REQ *csr = NULL;
    X509 *cert = NULL;
    int rc;

    memset(out, 0, sizeof *out);
    const char *url = o->cmp_url && *o->cmp_url ? o->cmp_url : conf->hq_cmp_url;
    const char *ref = o->ref && *o->ref ? o->ref : conf->hq_enrol_ref;
    if (!url[0])
        return rk_err_set(RK_ECONF, "no CMP endpoint: set [hq] cmp_url in %s or give --cmp-url",
                          conf->path);
    if (!ref[0])
        return rk_err_set(RK_ECONF,
                          "no enrolment reference: set [hq] enrol_ref in %s or give --ref (HQ "
                          "prints it with `rahq admin branch add`)",
                          conf->path);
    if (!o->secret || !*o->secret) return rk_err_set(RK_EINVAL, "the enrolment secret is missing");
    if (!conf->hq_ca_certs[0])
        return rk_err_set(RK_ECONF,
                          "no [hq] ca_certs in %s: HQ's CA certificate is needed to "
                          "check its answer",
                          conf->path);
    if ((rc = rk_sync_hsm_env(&env, conf)) != 0) return rc;
    rc = rk_hsm_open(&hsm, env.module, env.label, env.pin, 1);
    if (!rc && (rc = rk_hsm_has_key(hsm, conf->sync_device_key)) == 0) {
        rc = rk_hsm_keygen(hsm, conf->sync_device_key, RK_HSM_EC_P256 | RK_HSM_DERIVE);
        out->key_made = !rc;
    } else if (rc == 1) {
        /* A key made before HQ returned recovered keys to it signed only. */
        rc = rk_hsm_allow_derive(hsm, conf->sync_device_key, NULL);
    }
    if (!rc) rc = rk_hsm_public_key(&pub, hsm, conf->sync_device_key);
    if (!rc) rc = make_csr(&csr, hsm, conf->sync_device_key, pub, conf->branch_id);
    if (!rc) {
        rk_cmp_client_opts co = {.url = url,
                                 .trusted_file = conf->hq_ca_certs,
                                 .ref = ref,
                                 .secret = (const unsigned char *)o->secret,
                                 .secret_len = strlen(o->secret)};
        rc = rk_cmp_client_p10cr(&cert, &co, csr);
    }
    if (!rc && !rk_sync_proto_cert_names(cert, conf->branch_id))
        rc = rk_err_set(RK_EVERIFY, "HQ's certificate does not name this branch (%s)",
                        conf->branch_id);
    if (!rc) {
        rk_sync_device_cert_path(out->cert_path, sizeof out->cert_path, conf);
        rc = write_cert(out->cert_path, cert);
    }
    if (!rc) {
        BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
        char *hex = bn ? BN_bn2hex(bn) : NULL;
        snprintf(out->serial, sizeof out->serial, "%s", hex ? hex : "?");
        OPENSSL_free(hex);
        BN_free(bn);
        X509_NAME_oneline(X509_get_subject_name(cert), out->subject, sizeof out->subject);
        struct tm tm;
        if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm)) out->not_after = (int64_t)timegm(&tm);
        char detail[160];
        snprintf(detail, sizeof detail, "device certificate %s from HQ (key %s%s)", out->serial,
                 conf->sync_device_key, out->key_made ? ", made now in the HSM" : "");
        rk_record rec = {.role = "system", .action = "sync.enrolled", .detail = detail};
        if ((rc = rk_db_begin(db)) == 0) {
            rc = rk_record_add(db, &rec);
            if (!rc) rc = rk_db_meta_set(db, "sync.device_serial", out->serial);
            rc = rk_db_end(db, rc);
        }
        if (!rc) rk_log_info("sync: %s", detail);
    }
    X509_free(cert);
    X509_REQ_free(csr);
    EVP_PKEY_free(pub);
    rk_hsm_close(hsm);
    rk_sync_hsm_done(&env);
    return rc;
}

int rk_sync_enrol_pending(rk_sync_enrol_result *out, int *done, rk_db *db, const rk_conf *conf)
{
    char cert[PATH_MAX], path[PATH_MAX], secret[256];
    *done = 0;
    memset(out, 0, sizeof *out);
    rk_sync_device_cert_path(cert, sizeof cert, conf);
    snprintf(path, sizeof path, "%s/sync/enrol.secret", conf->data_dir);
    if (access(cert, F_OK) == 0 || access(path, F_OK) != 0) return 0;
    int rc = rk_sync_read_secret(secret, sizeof secret, path);
    if (!rc) {
        rk_sync_enrol_opts o = {.secret = secret};
        rc = rk_sync_enrol(out, db, conf, &o);
    }
    rk_wipe(secret, sizeof secret);
    if (rc) return rk_err_wrap(rc, "enrolling with the secret waiting in %s", path);
    unlink(path); /* used up at HQ */
    *done = 1;
    return 0;
}
