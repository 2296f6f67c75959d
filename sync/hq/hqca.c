/*
 * HQ's certificate authority for the reference server (see hqca.h).
 */
#include "hq/hqca.h"

#include "ca/cmp_server.h"
#include "ca/crl.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/file.h"
#include "util/pem.h"
#include "util/log.h"
#include "util/wipe.h"

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_MAX 128

struct rk_hqca {
    char dir[PATH_MAX];
    char org[128];
    X509 *cert, *server, *config;
    EVP_PKEY *key, *config_key;
    char *ca_pem, *server_pem, *server_key_pem;
    /* Device enrolment: one CMP server whose PBM secrets are the branches'
     * enrolment secrets (rk_cmp_auth_ops), used one request at a time. */
    pthread_mutex_t cmp_mu;
    rk_cmp_server *cmp;
    rk_hq_store *store;
    char branch[RK_SYNC_PROTO_BRANCH_MAX]; /* the branch of the request in progress */
    X509 *issued; /* the device certificate that request was given, kept by the store */
};

static int ossl_fail(const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char detail[200] = "unknown";
    if (e) ERR_error_string_n(e, detail, sizeof detail);
    ERR_clear_error();
    return rk_err_set(RK_ECRYPTO, "%s: %s", what, detail);
}

void rk_hqca_serial_hex(char *out, size_t n, const ASN1_INTEGER *serial)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    size_t k = 0;
    if (hex)
        for (const char *p = hex; *p && k + 1 < n; p++)
            out[k++] = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
    out[k] = '\0';
    OPENSSL_free(hex);
    BN_free(bn);
}

/* ---- files ------------------------------------------------------------------- */

static int path_in(char *out, size_t n, const char *dir, const char *name)
{
    int w = snprintf(out, n, "%s/%s", dir, name);
    return w < 0 || (size_t)w >= n ? rk_err_set(RK_ETOOBIG, "path too long: %s/%s", dir, name) : 0;
}

/* A certificate (0644) or a new key (0600, never replacing one) in dir. */
static int write_pem(const char *dir, const char *name, X509 *cert, EVP_PKEY *key)
{
    char path[PATH_MAX];
    int rc = path_in(path, sizeof path, dir, name);
    if (rc) return rc;
    return key ? rk_pem_key_write_new(path, key, NULL, NULL) : rk_pem_cert_write(path, cert, 0644);
}

/* The PEM text of a file of dir, NUL-terminated (the caller frees). */
static int read_text(char **out, const char *dir, const char *name)
{
    char path[PATH_MAX];
    rk_buf b;
    int rc = path_in(path, sizeof path, dir, name);
    if (rc) return rc;
    rk_buf_init(&b, RK_PEM_MAX_BYTES);
    if ((rc = rk_file_read(&b, path)) != 0) {
        rk_buf_free(&b);
        return rc == RK_ENOTFOUND ? rk_err_wrap(rc, "run `rahq init`") : rc;
    }
    if (!b.len) {
        rk_buf_free(&b);
        return rk_err_set(RK_EFORMAT, "%s is empty", path);
    }
    *out = rk_buf_take(&b);
    return 0;
}

/* ---- making certificates ------------------------------------------------------------ */

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer ? issuer : cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    int ok = ext && X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : ossl_fail(value);
}

/* A certificate for pub with subject (CN, O, OU), signed by issuer/ikey
 * (self-signed when issuer is NULL), with the extensions given as
 * (nid, value) pairs ending with 0. */
static int make_cert(X509 **out, EVP_PKEY *pub, const char *cn, const char *org, const char *ou,
                     X509 *issuer, EVP_PKEY *ikey, int days, const int *nids,
                     const char *const *values)
{
    unsigned char rnd[16];
    X509 *c = X509_new();
    X509_NAME *name = X509_NAME_new();
    BIGNUM *bn = NULL;
    int rc = 0;

    *out = NULL;
    if (RAND_bytes(rnd, sizeof rnd) != 1) rc = ossl_fail("no random serial");
    rnd[0] = (unsigned char)((rnd[0] & 0x7f) | 0x40);
    if (!rc && (!c || !name || !(bn = BN_bin2bn(rnd, sizeof rnd, NULL)) ||
                !X509_set_version(c, X509_VERSION_3) ||
                !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c)) ||
                !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn,
                                            -1, -1, 0) ||
                !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)org,
                                            -1, -1, 0) ||
                (ou && !X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8,
                                                   (const unsigned char *)ou, -1, -1, 0)) ||
                !X509_set_subject_name(c, name) ||
                !X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name) ||
                !X509_set_pubkey(c, pub) || !X509_gmtime_adj(X509_getm_notBefore(c), -300) ||
                !X509_time_adj_ex(X509_getm_notAfter(c), days, 0, NULL)))
        rc = ossl_fail("cannot build a certificate");
    for (int i = 0; !rc && nids[i]; i++)
        rc = add_ext(c, issuer, nids[i], values[i]);
    if (!rc && X509_sign(c, ikey, EVP_sha256()) <= 0) rc = ossl_fail("cannot sign a certificate");
    BN_free(bn);
    X509_NAME_free(name);
    if (rc) {
        X509_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static int gen_key(EVP_PKEY **out)
{
    *out = EVP_EC_gen("P-256");
    return *out ? 0 : ossl_fail("cannot generate an EC key");
}

int rk_hqca_init(const rk_hqca_init_opts *o)
{
    EVP_PKEY *cak = NULL, *sk = NULL, *ck = NULL, *rk = NULL;
    X509 *ca = NULL, *srv = NULL, *cfg = NULL, *rec = NULL;
    char path[PATH_MAX], cn[192], san[1024];
    int rc, days = o->days > 0 ? o->days : 3650, leaf = o->days > 0 ? o->days : 825;

    if (!o->dir || !o->name || !*o->name) return rk_err_set(RK_EINVAL, "give the HQ's name");
    if (mkdir(o->dir, 0700) != 0 && errno != EEXIST)
        return rk_err_set(RK_EIO, "cannot make %s: %s", o->dir, strerror(errno));
    if ((rc = path_in(path, sizeof path, o->dir, "ca.key")) != 0) return rc;
    if (access(path, F_OK) == 0) return rk_err_set(RK_EEXIST, "%s already holds HQ's CA", o->dir);

    /* subjectAltName of the server: DNS names and IP addresses. */
    size_t k = 0;
    san[0] = '\0';
    const char *h = o->hosts && *o->hosts ? o->hosts : "127.0.0.1,localhost";
    while (*h) {
        size_t len = strcspn(h, ",");
        char one[256];
        if (len == 0 || len >= sizeof one) return rk_err_set(RK_EINVAL, "bad host list '%s'", h);
        memcpy(one, h, len);
        one[len] = '\0';
        int ip = strspn(one, "0123456789.") == len || strchr(one, ':');
        int w = snprintf(san + k, sizeof san - k, "%s%s:%s", k ? "," : "", ip ? "IP" : "DNS", one);
        if (w < 0 || (size_t)w >= sizeof san - k) return rk_err_set(RK_ETOOBIG, "too many hosts");
        k += (size_t)w;
        h += len;
        if (*h == ',') h++;
    }
    const char *first_host = o->hosts && *o->hosts ? o->hosts : "127.0.0.1";
    snprintf(cn, sizeof cn, "%s CA", o->name);
    static const int ca_nids[] = {NID_basic_constraints, NID_key_usage, NID_subject_key_identifier,
                                  0};
    static const char *const ca_vals[] = {"critical,CA:TRUE,pathlen:0",
                                          "critical,keyCertSign,cRLSign", "hash"};
    static const int srv_nids[] = {NID_basic_constraints,
                                   NID_key_usage,
                                   NID_ext_key_usage,
                                   NID_subject_key_identifier,
                                   NID_authority_key_identifier,
                                   NID_subject_alt_name,
                                   0};
    const char *srv_vals[] = {"critical,CA:FALSE", "critical,digitalSignature",
                              "serverAuth",        "hash",
                              "keyid:always",      san};
    static const int cfg_nids[] = {NID_basic_constraints, NID_key_usage, NID_subject_key_identifier,
                                   NID_authority_key_identifier, 0};
    static const char *const cfg_vals[] = {"critical,CA:FALSE", "critical,digitalSignature", "hash",
                                           "keyid:always"};
    /* Key recovery: branches wrap escrowed keys to it (RSA key transport). */
    static const int rec_nids[] = {NID_basic_constraints, NID_key_usage, NID_subject_key_identifier,
                                   NID_authority_key_identifier, 0};
    static const char *const rec_vals[] = {"critical,CA:FALSE", "critical,keyEncipherment", "hash",
                                           "keyid:always"};
    char srv_cn[160];
    snprintf(srv_cn, sizeof srv_cn, "%.*s", (int)strcspn(first_host, ","), first_host);
    if ((rc = gen_key(&cak)) || (rc = gen_key(&sk)) || (rc = gen_key(&ck)) ||
        (rc = make_cert(&ca, cak, cn, o->name, NULL, NULL, cak, days, ca_nids, ca_vals)) ||
        (rc = make_cert(&srv, sk, srv_cn, o->name, "rakiosk HQ server", ca, cak, leaf, srv_nids,
                        srv_vals)) ||
        (rc = make_cert(&cfg, ck, "configuration", o->name, "rakiosk HQ configuration", ca, cak,
                        leaf, cfg_nids, cfg_vals)))
        goto out;
    if (!(rk = EVP_RSA_gen(2048))) {
        rc = ossl_fail("cannot generate the recovery key");
        goto out;
    }
    if ((rc = make_cert(&rec, rk, "key recovery", o->name, "rakiosk HQ key recovery", ca, cak, days,
                        rec_nids, rec_vals)))
        goto out;
    /* Keys first, the CA key last: its presence means "initialised". */
    if ((rc = write_pem(o->dir, "ca.pem", ca, NULL)) ||
        (rc = write_pem(o->dir, "server.pem", srv, NULL)) ||
        (rc = write_pem(o->dir, "server.key", NULL, sk)) ||
        (rc = write_pem(o->dir, "config.pem", cfg, NULL)) ||
        (rc = write_pem(o->dir, "config.key", NULL, ck)) ||
        (rc = write_pem(o->dir, "recovery.pem", rec, NULL)) ||
        (rc = write_pem(o->dir, "recovery.key", NULL, rk)) ||
        (rc = write_pem(o->dir, "ca.key", NULL, cak)))
        goto out;
out:
    EVP_PKEY_free(cak);
    EVP_PKEY_free(sk);
    EVP_PKEY_free(ck);
    EVP_PKEY_free(rk);
    X509_free(rec);
    X509_free(ca);
    X509_free(srv);
    X509_free(cfg);
    return rc;
}

int rk_hqca_open(rk_hqca **out, const char *dir)
{
    rk_hqca *ca = calloc(1, sizeof *ca);
    char *ca_key = NULL, *cfg_pem = NULL, *cfg_key = NULL;
    int rc;
    *out = NULL;
    if (!ca) return rk_err_oom();
    pthread_mutex_init(&ca->cmp_mu, NULL);
    snprintf(ca->dir, sizeof ca->dir, "%s", dir);
    if ((rc = read_text(&ca->ca_pem, dir, "ca.pem")) || (rc = read_text(&ca_key, dir, "ca.key")) ||
        (rc = read_text(&ca->server_pem, dir, "server.pem")) ||
        (rc = read_text(&ca->server_key_pem, dir, "server.key")) ||
        (rc = read_text(&cfg_pem, dir, "config.pem")) ||
        (rc = read_text(&cfg_key, dir, "config.key")) ||
        (rc = rk_pem_cert_mem(&ca->cert, ca->ca_pem, strlen(ca->ca_pem), "HQ's ca.pem")) ||
        (rc = rk_pem_key_mem(&ca->key, ca_key, strlen(ca_key), NULL, "HQ's ca.key")) ||
        (rc = rk_pem_cert_mem(&ca->server, ca->server_pem, strlen(ca->server_pem),
                              "HQ's server.pem")) ||
        (rc = rk_pem_cert_mem(&ca->config, cfg_pem, strlen(cfg_pem), "HQ's config.pem")) ||
        (rc = rk_pem_key_mem(&ca->config_key, cfg_key, strlen(cfg_key), NULL, "HQ's config.key")))
        goto out;
    if (X509_check_private_key(ca->cert, ca->key) != 1 ||
        X509_check_private_key(ca->config, ca->config_key) != 1) {
        rc = ossl_fail("HQ's CA files do not belong together");
        goto out;
    }
    X509_NAME_get_text_by_NID(X509_get_subject_name(ca->cert), NID_organizationName, ca->org,
                              sizeof ca->org);
out:
    if (ca_key) rk_wipe(ca_key, strlen(ca_key));
    if (cfg_key) rk_wipe(cfg_key, strlen(cfg_key));
    free(ca_key);
    free(cfg_key);
    free(cfg_pem);
    if (rc) {
        rk_hqca_free(ca);
        return rc;
    }
    *out = ca;
    return 0;
}

void rk_hqca_free(rk_hqca *ca)
{
    if (!ca) return;
    rk_cmp_server_free(ca->cmp);
    X509_free(ca->issued);
    X509_free(ca->cert);
    X509_free(ca->server);
    X509_free(ca->config);
    EVP_PKEY_free(ca->key);
    EVP_PKEY_free(ca->config_key);
    free(ca->ca_pem);
    free(ca->server_pem);
    if (ca->server_key_pem) rk_wipe(ca->server_key_pem, strlen(ca->server_key_pem));
    free(ca->server_key_pem);
    pthread_mutex_destroy(&ca->cmp_mu);
    free(ca);
}

X509 *rk_hqca_cert(rk_hqca *ca)
{
    return ca->cert;
}

const char *rk_hqca_ca_pem(rk_hqca *ca)
{
    return ca->ca_pem;
}

const char *rk_hqca_server_cert_pem(rk_hqca *ca)
{
    return ca->server_pem;
}

const char *rk_hqca_server_key_pem(rk_hqca *ca)
{
    return ca->server_key_pem;
}

int rk_hqca_issue_device(X509 **out, rk_hqca *ca, const char *branch, EVP_PKEY *pub)
{
    char san[96];
    if (!rk_sync_proto_branch_ok(branch))
        return rk_err_set(RK_EINVAL, "bad branch id '%s'", branch);
    snprintf(san, sizeof san, "URI:" RK_SYNC_PROTO_URI_PREFIX "%s", branch);
    static const int nids[] = {NID_basic_constraints,
                               NID_key_usage,
                               NID_ext_key_usage,
                               NID_subject_key_identifier,
                               NID_authority_key_identifier,
                               NID_subject_alt_name,
                               0};
    /* keyAgreement: HQ wraps recovered keys to it (CMS, ECDH). */
    const char *vals[] = {"critical,CA:FALSE", "critical,digitalSignature,keyAgreement",
                          "clientAuth",        "hash",
                          "keyid:always",      san};
    return make_cert(out, pub, branch, ca->org[0] ? ca->org : "rakiosk HQ", "rakiosk branch",
                     ca->cert, ca->key, 825, nids, vals);
}

/* ---- CRLs -------------------------------------------------------------------------- */

static int crl_sign(void *arg, const unsigned char *tbs, size_t len, unsigned char **sig,
                    size_t *siglen)
{
    rk_hqca *ca = arg;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    size_t n = 0;
    *sig = NULL;
    int ok = c && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, ca->key) == 1 &&
             EVP_DigestSign(c, NULL, &n, tbs, len) == 1 && (*sig = OPENSSL_malloc(n)) &&
             EVP_DigestSign(c, *sig, &n, tbs, len) == 1;
    EVP_MD_CTX_free(c);
    if (!ok) {
        OPENSSL_free(*sig);
        *sig = NULL;
        return ossl_fail("cannot sign the CRL");
    }
    *siglen = n;
    return 0;
}

static int hex_bytes(unsigned char *out, uint8_t *n, const char *hex)
{
    size_t len = strlen(hex), k = 0;
    if (len == 0 || len > 40) return RK_EINVAL;
    unsigned char tmp[21] = {0};
    /* Right-align odd lengths. */
    size_t bytes = (len + 1) / 2;
    for (size_t i = 0; i < len; i++) {
        char c = hex[len - 1 - i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) return RK_EINVAL;
        tmp[bytes - 1 - i / 2] |= (unsigned char)(i % 2 ? v << 4 : v);
    }
    while (k + 1 < bytes && tmp[k] == 0)
        k++;
    memcpy(out, tmp + k, bytes - k);
    *n = (uint8_t)(bytes - k);
    return 0;
}

int rk_hqca_crl(unsigned char **der, size_t *len, rk_hqca *ca, const rk_hq_revoked *r, int n,
                uint64_t number, int64_t now, int days)
{
    rk_crl_entry *e = n ? calloc((size_t)n, sizeof *e) : NULL;
    unsigned char *issuer = NULL;
    int rc = 0, k = 0;
    if (n && !e) return rk_err_oom();
    for (int i = 0; i < n; i++) {
        if (hex_bytes(e[k].serial, &e[k].serial_len, r[i].serial) != 0) {
            rk_log_warn("rahq: revoked serial '%s' is not hex: left off the CRL", r[i].serial);
            continue;
        }
        e[k].reason = (int8_t)(r[i].reason >= 0 && r[i].reason <= 10 ? r[i].reason : 0);
        e[k].revoked_at = r[i].revoked_at;
        k++;
    }
    int ilen = i2d_X509_NAME(X509_get_subject_name(ca->cert), &issuer);
    const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(ca->cert);
    if (ilen <= 0) {
        free(e);
        return rk_err_oom();
    }
    rk_crl_params p = {.issuer_der = issuer,
                       .issuer_len = (size_t)ilen,
                       .akid = skid ? ASN1_STRING_get0_data(skid) : NULL,
                       .akid_len = skid ? (size_t)ASN1_STRING_length(skid) : 0,
                       .sig_nid = NID_ecdsa_with_SHA256,
                       .this_update = now,
                       .next_update = now + (int64_t)(days > 0 ? days : 7) * 86400,
                       .number = number,
                       .entries = e,
                       .n = (size_t)k,
                       .sign = crl_sign,
                       .sign_arg = ca};
    rc = rk_crl_write(der, len, &p);
    OPENSSL_free(issuer);
    free(e);
    return rc;
}

/* ---- configuration bundles -------------------------------------------------------- */

int rk_hqca_sign_config(unsigned char **der, size_t *len, rk_hqca *ca, const unsigned char *content,
                        size_t n)
{
    BIO *in = BIO_new_mem_buf(content, (int)n);
    CMS_ContentInfo *cms = in ? CMS_sign(ca->config, ca->config_key, NULL, in, CMS_BINARY) : NULL;
    unsigned char *p = NULL;
    int w = cms ? i2d_CMS_ContentInfo(cms, &p) : -1;
    BIO_free(in);
    CMS_ContentInfo_free(cms);
    if (w <= 0) return ossl_fail("cannot sign the configuration bundle");
    *der = malloc((size_t)w);
    if (!*der) {
        OPENSSL_free(p);
        return rk_err_oom();
    }
    memcpy(*der, p, (size_t)w);
    OPENSSL_free(p);
    *len = (size_t)w;
    return 0;
}

/* ---- CMP ------------------------------------------------------------------------------- */

/* The enrolment secret of reference ref, and its branch for the issuer. */
static int auth_secret(void *arg, const char *ref, int type, unsigned char *secret, size_t max,
                       size_t *len)
{
    rk_hqca *ca = arg;
    char branch[RK_SYNC_PROTO_BRANCH_MAX], text[SECRET_MAX];
    ca->branch[0] = '\0';
    if (type != RK_CMP_REQ_P10CR && type != RK_CMP_REQ_IR && type != RK_CMP_REQ_CR)
        return rk_err_set(RK_ESTATE, "an enrolment reference serves ir, cr or p10cr only");
    int rc = ca->store->ops->enrol_lookup(ca->store, ref, branch, text, sizeof text);
    if (rc) return rc;
    size_t n = strlen(text);
    if (n > max) {
        rk_wipe(text, sizeof text);
        return rk_err_set(RK_ESTATE, "the enrolment secret of %s is too long", ref);
    }
    memcpy(secret, text, n);
    *len = n;
    rk_wipe(text, sizeof text);
    snprintf(ca->branch, sizeof ca->branch, "%s", branch);
    return 0;
}

/* The reference is spent: the branch's device certificate is recorded. */
static int auth_use(void *arg, const char *ref, int type, const char *serial)
{
    rk_hqca *ca = arg;
    (void)type;
    if (!ca->branch[0]) return rk_err_set(RK_EINTERNAL, "no branch for enrolment %s", ref);
    /* The certificate itself too: recovered keys are wrapped to it. */
    char *pem = NULL, have[48] = "";
    if (ca->issued) rk_hqca_serial_hex(have, sizeof have, X509_get0_serialNumber(ca->issued));
    BIO *b = ca->issued && !strcasecmp(have, serial) ? BIO_new(BIO_s_mem()) : NULL;
    if (b && PEM_write_bio_X509(b, ca->issued) == 1) {
        char *data = NULL;
        long n = BIO_get_mem_data(b, &data);
        if (n > 0 && (pem = malloc((size_t)n + 1))) {
            memcpy(pem, data, (size_t)n);
            pem[n] = '\0';
        }
    }
    BIO_free(b);
    int rc = ca->store->ops->branch_enrolled(ca->store, ca->branch, serial, pem);
    free(pem);
    if (!rc)
        rk_log_info("rahq: enrolled branch %s (%s): device certificate %s", ca->branch, ref,
                    serial);
    return rc;
}

/* The device certificate for the branch whose reference the request has,
 * whatever subject it asked for. */
static int device_issue(X509 **out, void *arg, const rk_cmp_issue_req *req)
{
    rk_hqca *ca = arg;
    *out = NULL;
    if (!ca->branch[0])
        return rk_err_set(RK_EPERM, "device enrolment needs an enrolment reference");
    if (req->type != RK_CMP_REQ_P10CR && req->type != RK_CMP_REQ_IR && req->type != RK_CMP_REQ_CR)
        return rk_err_set(RK_EPERM, "device enrolment takes ir, cr or p10cr");
    if (!EVP_PKEY_is_a(req->pubkey, "EC") || EVP_PKEY_get_bits(req->pubkey) < 256)
        return rk_err_set(RK_EINVAL, "a device key must be EC P-256 or stronger");
    int rc = rk_hqca_issue_device(out, ca, ca->branch, req->pubkey);
    X509_free(ca->issued);
    ca->issued = NULL;
    if (!rc && X509_up_ref(*out)) ca->issued = *out;
    return rc;
}

int rk_hqca_cmp(unsigned char **rsp, size_t *rsp_len, rk_hqca *ca, rk_hq_store *store,
                const unsigned char *req, size_t len)
{
    int rc = 0;
    *rsp = NULL;
    pthread_mutex_lock(&ca->cmp_mu);
    ca->store = store;
    if (!ca->cmp) {
        rk_cmp_auth_ops auth = {.secret = auth_secret, .use = auth_use, .arg = ca};
        rk_cmp_server_opts o = {.ca_cert = ca->cert,
                                .ca_key = ca->key,
                                .auth = &auth,
                                .issue = device_issue,
                                .issue_arg = ca};
        rc = rk_cmp_server_new(&ca->cmp, &o);
    }
    if (!rc) rc = rk_cmp_server_handle(rsp, rsp_len, ca->cmp, req, len);
    ca->branch[0] = '\0';
    X509_free(ca->issued);
    ca->issued = NULL;
    pthread_mutex_unlock(&ca->cmp_mu);
    return rc;
}
