/*
 * The branch sub-CA (see subca.h): creation with a demo root, the signer
 * (HSM or software key), issuance from a CSR under a profile, and the
 * registry of issued certificates in ca.db.
 */
#include "subca.h"

#include "ca/hsm.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/file.h"
#include "util/log.h"
#include "util/pem.h"
#include "util/spki.h"
#include "util/wipe.h"
#include "util/x509name.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SM2_ID "1234567812345678" /* GM/T 0009 default distinguishing ID */

/* What signs: a software key or a key in the HSM. */
typedef struct signer {
    EVP_PKEY *soft; /* software key (demo root, SM2 sub-CA) */
    rk_hsm *hsm;    /* or the HSM and the key's label */
    char label[64];
    EVP_PKEY *pub; /* the public key, to verify what was signed */
    int nid;       /* signature algorithm */
} signer;

struct rk_subca {
    char dir[4096];
    rk_db *db;
    X509 *cert, *root;
    signer sg;
    int ledger_backed; /* rk_subca_ledger_backed */
};

/* status is checked with BETWEEN: SQLite checks IN (0,1,2) through a
 * temporary table on every insert (0.2 ms and a dozen page faults an
 * issuance, measured; see upgrade_register for registers made so). */
#define ISSUED_COLUMNS                                                                             \
    "(serial TEXT PRIMARY KEY,"                                                                    \
    " subject TEXT NOT NULL,"                                                                      \
    " profile TEXT NOT NULL,"                                                                      \
    " not_before INTEGER NOT NULL,"                                                                \
    " not_after INTEGER NOT NULL,"                                                                 \
    " issued_at INTEGER NOT NULL,"                                                                 \
    " status INTEGER NOT NULL DEFAULT 0 CHECK(status BETWEEN 0 AND 2),"                            \
    " reason INTEGER,"                                                                             \
    " revoked_at INTEGER,"                                                                         \
    " der BLOB NOT NULL)"
#define ISSUED_INDEX "CREATE INDEX IF NOT EXISTS issued_status ON issued(status) WHERE status <> 0;"

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS ca_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS issued" ISSUED_COLUMNS ";" ISSUED_INDEX
    "CREATE TABLE IF NOT EXISTS crls("
    " number INTEGER PRIMARY KEY,"
    " this_update INTEGER NOT NULL,"
    " next_update INTEGER NOT NULL,"
    " entries INTEGER NOT NULL,"
    " sha256 TEXT NOT NULL);";

/* ---- files --------------------------------------------------------------- */

static void path_of(char *out, size_t n, const char *dir, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

/* ---- signing ------------------------------------------------------------- */

static int is_sm2(EVP_PKEY *k)
{
    char group[32] = "";
    size_t gl;
    if (EVP_PKEY_is_a(k, "SM2")) return 1;
    return EVP_PKEY_is_a(k, "EC") &&
           EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof group, &gl) &&
           !strcmp(group, "SM2");
}

static int sig_nid_for(EVP_PKEY *pub)
{
    if (is_sm2(pub)) return NID_SM2_with_SM3;
    if (EVP_PKEY_is_a(pub, "EC")) return NID_ecdsa_with_SHA256;
    return NID_sha256WithRSAEncryption;
}

/* Prepares md to sign (or verify) with key: SHA-256, or SM3 with the
 * GM/T 0009 default ID for SM2. *pctx is the caller's to free. */
static int digest_init(EVP_MD_CTX *md, EVP_PKEY_CTX **pctx, EVP_PKEY *key, int sm2, int verify)
{
    *pctx = NULL;
    if (sm2) {
        if (!(*pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) ||
            EVP_PKEY_CTX_set1_id(*pctx, SM2_ID, strlen(SM2_ID)) <= 0)
            return 0;
        EVP_MD_CTX_set_pkey_ctx(md, *pctx);
    }
    const EVP_MD *h = sm2 ? EVP_sm3() : EVP_sha256();
    return (verify ? EVP_DigestVerifyInit(md, NULL, h, NULL, key)
                   : EVP_DigestSignInit(md, NULL, h, NULL, key)) == 1;
}

static int signer_sign(unsigned char **sig, size_t *siglen, signer *s, const unsigned char *data,
                       size_t len)
{
    *sig = NULL;
    if (s->hsm) {
        int is_ec;
        return rk_hsm_sign(sig, siglen, &is_ec, s->hsm, s->label, data, len);
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int rc = RK_ECRYPTO;
    if (!md) return rk_err_oom();
    if (!digest_init(md, &pctx, s->soft, s->nid == NID_SM2_with_SM3, 0) ||
        EVP_DigestSign(md, NULL, siglen, data, len) != 1 || !(*sig = OPENSSL_malloc(*siglen)) ||
        EVP_DigestSign(md, *sig, siglen, data, len) != 1)
        goto out;
    rc = 0;
out:
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(pctx);
    if (rc) {
        OPENSSL_free(*sig);
        *sig = NULL;
        return rk_err_set(RK_ECRYPTO, "signing with the CA key failed");
    }
    return 0;
}

/* 1 if sig over data verifies with s's public key. */
static int signer_verifies(const signer *s, const unsigned char *data, size_t len,
                           const unsigned char *sig, size_t siglen)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = md && digest_init(md, &pctx, s->pub, s->nid == NID_SM2_with_SM3, 1) &&
             EVP_DigestVerify(md, sig, siglen, data, len) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(pctx);
    return ok;
}

static int set_algor(X509_ALGOR *a, int nid)
{
    /* RSA PKCS#1 v1.5 carries NULL parameters; ECDSA and SM2 none. */
    return X509_ALGOR_set0(a, OBJ_nid2obj(nid),
                           nid == NID_sha256WithRSAEncryption ? V_ASN1_NULL : V_ASN1_UNDEF, NULL);
}

/* 1 if s's key signed x. */
static int signed_by(X509 *x, const signer *s)
{
    if (s->nid == NID_SM2_with_SM3) {
        /* Verify with the ID it was signed with (X509_verify's default differs). */
        ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
        if (!id || !ASN1_OCTET_STRING_set(id, (const unsigned char *)SM2_ID, strlen(SM2_ID))) {
            ASN1_OCTET_STRING_free(id);
            return 0;
        }
        X509_set0_distinguishing_id(x, id);
    }
    return X509_verify(x, s->pub) == 1;
}

/* Signs *x in place with s (see subca.h for why this way): the signature
 * over the to-be-signed bytes is checked with s->pub before it is placed.
 * Those bytes stay cached in *x, so its DER carries exactly them. */
static int sign_cert(X509 **x, signer *s)
{
    unsigned char *tbs = NULL, *sig = NULL;
    size_t siglen = 0;
    int tbslen, rc;
    const ASN1_BIT_STRING *csig;
    const X509_ALGOR *calg;

    if (!set_algor((X509_ALGOR *)X509_get0_tbs_sigalg(*x), s->nid)) return rk_err_oom();
    if ((tbslen = i2d_re_X509_tbs(*x, &tbs)) <= 0) return rk_err_oom();
    if ((rc = signer_sign(&sig, &siglen, s, tbs, (size_t)tbslen))) goto out;
    if (!signer_verifies(s, tbs, (size_t)tbslen, sig, siglen)) {
        rc = rk_err_set(RK_ECRYPTO, "the certificate signed by the CA does not verify");
        goto out;
    }
    X509_get0_signature(&csig, &calg, *x);
    ASN1_BIT_STRING *bits = (ASN1_BIT_STRING *)csig;
    if (!set_algor((X509_ALGOR *)calg, s->nid) || !ASN1_BIT_STRING_set(bits, sig, (int)siglen)) {
        rc = rk_err_oom();
        goto out;
    }
    bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
    bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    rc = 0;
out:
    OPENSSL_free(tbs);
    OPENSSL_free(sig);
    return rc;
}

/* Replaces *x with its DER read back: a certificate whose key went in
 * undecoded (rk_spki_set) comes out as a parsed one, key decoded. */
static int reread(X509 **x)
{
    unsigned char *der = NULL;
    int len = i2d_X509(*x, &der);
    const unsigned char *p = der;
    X509 *fresh = len > 0 ? d2i_X509(NULL, &p, len) : NULL;
    OPENSSL_free(der);
    if (!fresh) return rk_err_set(RK_ECRYPTO, "the signed certificate does not read back");
    X509_free(*x);
    *x = fresh;
    return 0;
}

/* ---- certificates -------------------------------------------------------- */

static int random_serial(ASN1_INTEGER *out, char *hex, size_t n)
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1) return rk_err_set(RK_ECRYPTO, "no randomness");
    b[0] &= 0x7f;
    if (b[0] == 0) b[0] = 0x01 + (b[1] & 0x3f); /* keep 16 significant bytes */
    BIGNUM *bn = BN_bin2bn(b, sizeof b, NULL);
    int ok = bn && BN_to_ASN1_INTEGER(bn, out);
    char *h = ok ? BN_bn2hex(bn) : NULL;
    BN_free(bn);
    if (!h) return rk_err_oom();
    int rc = rk_subca_serial_norm(hex, n, h); /* lower case, no leading zero */
    OPENSSL_free(h);
    return rc;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = e && X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok ? 0 : rk_err_set(RK_ECRYPTO, "cannot add extension %s", OBJ_nid2sn(nid));
}

/* A CA certificate for pub signed by s (issuer NULL: self-signed). */
static int make_ca_cert(X509 **out, const char *cn, EVP_PKEY *pub, X509 *issuer, signer *s,
                        int days, int pathlen0)
{
    char hex[RK_SUBCA_SERIAL_HEX];
    X509_NAME *name = X509_NAME_new();
    X509 *x = X509_new();
    int64_t now = rk_clock_now();
    int rc = rk_err_oom();

    *out = NULL;
    if (!name || !x ||
        !X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"CN", -1, -1,
                                    0) ||
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"rakiosk", -1,
                                    -1, 0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                    0) ||
        !X509_set_version(x, 2) || !X509_set_subject_name(x, name) ||
        !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) ||
        !X509_set_pubkey(x, pub) || !ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(now - 60)) ||
        !ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(now + (int64_t)days * 86400)))
        goto out;
    if ((rc = random_serial(X509_get_serialNumber(x), hex, sizeof hex)) ||
        (rc = add_ext(x, issuer, NID_basic_constraints,
                      pathlen0 ? "critical,CA:TRUE,pathlen:0" : "critical,CA:TRUE")) ||
        (rc = add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign")) ||
        (rc = add_ext(x, issuer, NID_subject_key_identifier, "hash")) ||
        (issuer && (rc = add_ext(x, issuer, NID_authority_key_identifier, "keyid:always"))) ||
        (rc = sign_cert(&x, s)))
        goto out;
    *out = x;
    x = NULL;
    rc = 0;
out:
    X509_free(x);
    X509_NAME_free(name);
    return rc;
}

/* ---- database ------------------------------------------------------------ */

/* A register made with the old IN (0,1,2) check is rebuilt once, in one
 * transaction, with the same rows. */
static int upgrade_register(rk_db *db)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st,
                           "SELECT 1 FROM sqlite_master WHERE name = 'issued' AND "
                           "sql LIKE '%status IN (0,1,2)%'");
    if (rc) return rc;
    int old = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (!old) return 0;
    if ((rc = rk_db_begin(db)) != 0) return rc;
    if ((rc = rk_db_exec(db, "CREATE TABLE issued_new" ISSUED_COLUMNS ";"
                             "INSERT INTO issued_new SELECT serial, subject, profile, not_before, "
                             "not_after, issued_at, status, reason, revoked_at, der FROM issued;"
                             "DROP TABLE issued;"
                             "ALTER TABLE issued_new RENAME TO issued;" ISSUED_INDEX)) != 0) {
        rk_db_rollback(db);
        return rc;
    }
    return rk_db_commit(db);
}

static int open_db(rk_db **out, const char *dir, int create)
{
    char path[4200];
    path_of(path, sizeof path, dir, "ca.db");
    int rc = rk_db_open(out, path, create ? RK_DB_CREATE : 0);
    if (rc == RK_ENOTFOUND)
        return rk_err_set(RK_ENOTFOUND, "no sub-CA in %s (run `ractl ca init`)", dir);
    if (rc) return rc;
    if ((rc = rk_db_exec(*out, SCHEMA)) || (rc = upgrade_register(*out))) {
        rk_db_close(*out);
        *out = NULL;
    }
    return rc;
}

static int meta_get(rk_db *db, const char *key, char *out, size_t n)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st, "SELECT value FROM ca_meta WHERE key=?");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    else
        rc = s == SQLITE_DONE ? RK_ENOTFOUND : rk_db_fail(db, "reading ca_meta");
    sqlite3_finalize(st);
    return rc;
}

static int meta_set(rk_db *db, const char *key, const char *value)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st, "INSERT OR REPLACE INTO ca_meta(key,value) VALUES(?,?)");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = rk_db_fail(db, "writing ca_meta");
    sqlite3_finalize(st);
    return rc;
}

/* ---- init and open ------------------------------------------------------- */

static void signer_clear(signer *s)
{
    EVP_PKEY_free(s->soft);
    EVP_PKEY_free(s->pub);
    rk_hsm_close(s->hsm);
    memset(s, 0, sizeof *s);
}

/* The root signer: the given root, or the demo root (created if missing). */
static int load_root(X509 **root, signer *s, const rk_subca_init_opts *o)
{
    char kp[4200], cp[4200];
    int rc;
    const char *kpath = o->root_key, *cpath = o->root_cert;
    if (!cpath) {
        path_of(kp, sizeof kp, o->dir, "demo-root.key");
        path_of(cp, sizeof cp, o->dir, "demo-root.pem");
        kpath = kp;
        cpath = cp;
        if (access(kp, F_OK) != 0) {
            /* DEMO ONLY: a root CA whose key is a plain file. */
            EVP_PKEY *k = o->key_alg == RK_PROFILE_KEY_SM2
                              ? EVP_PKEY_Q_keygen(NULL, NULL, "SM2")
                              : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
            if (!k) return rk_err_set(RK_ECRYPTO, "cannot generate the demo root key");
            s->soft = k;
            EVP_PKEY_up_ref(k);
            s->pub = k;
            s->nid = sig_nid_for(k);
            if ((rc = make_ca_cert(root, "rakiosk DEMO root CA (not for production)", k, NULL, s,
                                   3650, 0)) ||
                (rc = rk_pem_key_write_new(kp, k, NULL, NULL)) ||
                (rc = rk_pem_cert_write(cp, *root, 0644)))
                return rc;
            return 0;
        }
    }
    if ((rc = rk_pem_key_file(&s->soft, kpath, NULL)) || (rc = rk_pem_cert_file(root, cpath)))
        return rc;
    EVP_PKEY_up_ref(s->soft);
    s->pub = s->soft;
    s->nid = sig_nid_for(s->soft);
    if (X509_check_private_key(*root, s->soft) != 1)
        return rk_err_set(RK_EINVAL, "%s is not the key of %s", kpath, cpath);
    return 0;
}

int rk_subca_init(const rk_subca_init_opts *o)
{
    char path[4200], label[64];
    signer root_s = {0}, sub = {0};
    X509 *root = NULL, *cert = NULL;
    rk_db *db = NULL;
    int rc;

    if (!o->dir || !o->pin || !o->common_name)
        return rk_err_set(RK_EINVAL, "the sub-CA needs a directory, a PIN and a name");
    if (mkdir(o->dir, 0700) != 0 && errno != EEXIST)
        return rk_err_set(RK_EIO, "cannot create %s: %s", o->dir, strerror(errno));
    path_of(path, sizeof path, o->dir, "subca.pem");
    if (access(path, F_OK) == 0) return rk_err_set(RK_EEXIST, "%s already holds a sub-CA", o->dir);
    snprintf(label, sizeof label, "%s", RK_SUBCA_KEY_LABEL);

    /* The sub-CA key. */
    if (o->key_alg == RK_PROFILE_KEY_SM2) {
        path_of(path, sizeof path, o->dir, "subca-sm2.key");
        if (access(path, F_OK) == 0) {
            if ((rc = rk_pem_key_file(&sub.soft, path, o->pin))) goto out;
        } else {
            if (!(sub.soft = EVP_PKEY_Q_keygen(NULL, NULL, "SM2"))) {
                rc = rk_err_set(RK_ECRYPTO, "cannot generate the SM2 sub-CA key");
                goto out;
            }
            if ((rc = rk_pem_key_write_new(path, sub.soft, o->pin, NULL))) goto out;
        }
        EVP_PKEY_up_ref(sub.soft);
        sub.pub = sub.soft;
    } else {
        if ((rc = rk_hsm_open(&sub.hsm, o->hsm_module,
                              o->hsm_label ? o->hsm_label : RK_SUBCA_HSM_LABEL, o->pin, 1)))
            goto out;
        snprintf(sub.label, sizeof sub.label, "%s", label);
        if ((rc = rk_hsm_has_key(sub.hsm, label)) < 0) goto out;
        if (rc == 0 && (rc = rk_hsm_keygen(sub.hsm, label,
                                           o->key_alg == RK_PROFILE_KEY_RSA_2048 ? RK_HSM_RSA_2048
                                                                                 : RK_HSM_EC_P256)))
            goto out;
        if ((rc = rk_hsm_public_key(&sub.pub, sub.hsm, label))) goto out;
    }
    sub.nid = sig_nid_for(sub.pub);

    if ((rc = load_root(&root, &root_s, o))) goto out;
    if ((rc = make_ca_cert(&cert, o->common_name, sub.pub, root, &root_s,
                           o->validity_days > 0 ? o->validity_days : 1825, 1)))
        goto out;
    if ((rc = open_db(&db, o->dir, 1)) || (rc = rk_db_begin(db)) ||
        (rc = meta_set(db, "key_store", sub.hsm ? "hsm" : "file")) ||
        (rc = meta_set(db, "key_label", label)) || (rc = meta_set(db, "crl_number", "0")))
        goto out;
    path_of(path, sizeof path, o->dir, "root.pem");
    if ((rc = rk_pem_cert_write(path, root, 0644))) goto out;
    path_of(path, sizeof path, o->dir, "subca.pem");
    if ((rc = rk_pem_cert_write(path, cert, 0644))) goto out;
    rc = rk_db_commit(db);
out:
    if (db) rk_db_rollback(db);
    rk_db_close(db);
    X509_free(root);
    X509_free(cert);
    signer_clear(&root_s);
    signer_clear(&sub);
    return rc;
}

int rk_subca_open(rk_subca **out, const char *dir, const char *hsm_module, const char *hsm_label,
                  const char *pin)
{
    char path[4200], store[16], label[64];
    int rc;

    *out = NULL;
    rk_subca *ca = calloc(1, sizeof *ca);
    if (!ca) return rk_err_oom();
    snprintf(ca->dir, sizeof ca->dir, "%s", dir);
    path_of(path, sizeof path, dir, "subca.pem");
    if (access(path, F_OK) != 0) {
        rc = rk_err_set(RK_ENOTFOUND, "no sub-CA in %s (run `ractl ca init`)", dir);
        goto fail;
    }
    if ((rc = rk_pem_cert_file(&ca->cert, path))) goto fail;
    path_of(path, sizeof path, dir, "root.pem");
    if ((rc = rk_pem_cert_file(&ca->root, path))) goto fail;
    if ((rc = open_db(&ca->db, dir, 0)) ||
        (rc = meta_get(ca->db, "key_store", store, sizeof store)) ||
        (rc = meta_get(ca->db, "key_label", label, sizeof label))) {
        if (rc == RK_ENOTFOUND) rc = rk_err_set(RK_EFORMAT, "%s/ca.db is incomplete", dir);
        goto fail;
    }
    if (!strcmp(store, "file")) {
        path_of(path, sizeof path, dir, "subca-sm2.key");
        if ((rc = rk_pem_key_file(&ca->sg.soft, path, pin))) goto fail;
        EVP_PKEY_up_ref(ca->sg.soft);
        ca->sg.pub = ca->sg.soft;
    } else {
        if ((rc = rk_hsm_open(&ca->sg.hsm, hsm_module, hsm_label ? hsm_label : RK_SUBCA_HSM_LABEL,
                              pin, 0)))
            goto fail;
        snprintf(ca->sg.label, sizeof ca->sg.label, "%s", label);
        if ((rc = rk_hsm_public_key(&ca->sg.pub, ca->sg.hsm, label))) goto fail;
    }
    if (ca->sg.soft && X509_check_private_key(ca->cert, ca->sg.soft) != 1) {
        rc = rk_err_set(RK_EVERIFY, "the sub-CA key does not match %s/subca.pem", dir);
        goto fail;
    }
    if (!ca->sg.soft && EVP_PKEY_eq(X509_get0_pubkey(ca->cert), ca->sg.pub) != 1) {
        rc = rk_err_set(RK_EVERIFY, "the HSM key does not match %s/subca.pem", dir);
        goto fail;
    }
    ca->sg.nid = sig_nid_for(ca->sg.pub);
    *out = ca;
    return 0;
fail:
    rk_subca_free(ca);
    return rc;
}

void rk_subca_free(rk_subca *ca)
{
    if (!ca) return;
    signer_clear(&ca->sg);
    X509_free(ca->cert);
    X509_free(ca->root);
    rk_db_close(ca->db);
    free(ca);
}

X509 *rk_subca_cert(rk_subca *ca)
{
    return ca->cert;
}

X509 *rk_subca_root(rk_subca *ca)
{
    return ca->root;
}

const char *rk_subca_dir(const rk_subca *ca)
{
    return ca->dir;
}

rk_db *rk_subca_db(rk_subca *ca)
{
    return ca->db;
}

int rk_subca_sig_nid(const rk_subca *ca)
{
    return ca->sg.nid;
}

int rk_subca_sign(unsigned char **sig, size_t *siglen, int *sig_nid, rk_subca *ca,
                  const unsigned char *data, size_t len)
{
    *sig_nid = ca->sg.nid;
    return signer_sign(sig, siglen, &ca->sg, data, len);
}

/* ---- issuance ------------------------------------------------------------ */

static int64_t asn1_unix(const ASN1_TIME *t)
{
    struct tm tm;
    if (!ASN1_TIME_to_tm(t, &tm)) return 0;
    return (int64_t)timegm(&tm);
}

static int serial_taken(rk_db *db, const char *hex, int *taken)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(db, &st, "SELECT 1 FROM issued WHERE serial=?");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    *taken = s == SQLITE_ROW;
    if (s != SQLITE_ROW && s != SQLITE_DONE) rc = rk_db_fail(db, "checking the serial");
    rk_db_release(db, st);
    return rc;
}

static int record(rk_db *db, X509 *x, const char *hex, const char *profile)
{
    sqlite3_stmt *st;
    unsigned char *der = NULL;
    char subject[512];
    int len = i2d_X509(x, &der), rc;
    if (len <= 0) return rk_err_oom();
    rk_subca_name_text(subject, sizeof subject, X509_get_subject_name(x));
    if ((rc = rk_db_cached(db, &st,
                           "INSERT INTO issued(serial,subject,profile,not_before,not_after,"
                           "issued_at,der) VALUES(?,?,?,?,?,?,?)"))) {
        OPENSSL_free(der);
        return rc;
    }
    sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, profile, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, asn1_unix(X509_get0_notBefore(x)));
    sqlite3_bind_int64(st, 5, asn1_unix(X509_get0_notAfter(x)));
    sqlite3_bind_int64(st, 6, rk_clock_now());
    sqlite3_bind_blob(st, 7, der, len, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = rk_db_fail(db, "recording the certificate");
    rk_db_release(db, st);
    OPENSSL_free(der);
    return rc;
}

void rk_subca_ledger_backed(rk_subca *ca, int on)
{
    ca->ledger_backed = on;
}

int rk_subca_rerecord(rk_subca *ca, X509 *x)
{
    char hex[RK_SUBCA_SERIAL_HEX];
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *h = bn ? BN_bn2hex(bn) : NULL;
    int rc, taken = 0;

    BN_free(bn);
    if (!h) return rk_err_oom();
    rc = rk_subca_serial_norm(hex, sizeof hex, h);
    OPENSSL_free(h);
    if (rc) return rc;
    if (X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(ca->cert)) != 0 ||
        !signed_by(x, &ca->sg))
        return rk_err_set(RK_EVERIFY, "certificate %s was not issued by this sub-CA", hex);
    if ((rc = rk_db_begin(ca->db)) != 0) return rc;
    if ((rc = serial_taken(ca->db, hex, &taken)) == 0 && !taken &&
        (rc = record(ca->db, x, hex, "re-recorded")) == 0)
        rk_log_warn("sub-CA: certificate %s was missing from the register (a power cut took "
                    "its record); recorded again",
                    hex);
    if (rc) {
        rk_db_rollback(ca->db);
        return rc;
    }
    return rk_db_commit(ca->db);
}

int rk_subca_issue(X509 **out, rk_subca *ca, const rk_profile *p, X509_REQ *csr,
                   const char *const *names, const char *const *values, int n)
{
    X509 *x = NULL;
    X509_NAME *subject = NULL;
    char hex[RK_SUBCA_SERIAL_HEX];
    int rc, taken = 1;

    *out = NULL;
    /* (a request made in this process may carry its key undecoded) */
    EVP_PKEY *pub = NULL;
    if (rk_spki_pkey(&pub, X509_REQ_get_X509_PUBKEY(csr)) != 0)
        return rk_err_set(RK_EFORMAT, "the request has no usable public key");
    if (is_sm2(pub)) {
        /* SM2 request signatures use the default ID too. */
        ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
        if (!id || !ASN1_OCTET_STRING_set(id, (const unsigned char *)SM2_ID, strlen(SM2_ID))) {
            ASN1_OCTET_STRING_free(id);
            rc = rk_err_oom();
            goto out;
        }
        X509_REQ_set0_distinguishing_id(csr, id);
    }
    if (X509_REQ_verify(csr, pub) != 1) {
        rc = rk_err_set(RK_EVERIFY, "the request's signature does not verify: it was not made "
                                    "with the key it carries");
        goto out;
    }
    if ((rc = rk_profile_check_key(p, pub)) ||
        (rc = rk_profile_subject(&subject, p, names, values, n)))
        goto out;

    int64_t now = rk_clock_now();
    int64_t end = now + (int64_t)p->validity_days * 86400;
    int64_t ca_end = asn1_unix(X509_get0_notAfter(ca->cert));
    if (end > ca_end) end = ca_end;
    if (end <= now) {
        rc = rk_err_set(RK_ESTATE, "the sub-CA certificate has expired");
        goto out;
    }
    rc = rk_err_oom();
    if (!(x = X509_new()) || !X509_set_version(x, 2) || !X509_set_subject_name(x, subject) ||
        !X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) ||
        !ASN1_TIME_set(X509_getm_notBefore(x), (time_t)now) ||
        !ASN1_TIME_set(X509_getm_notAfter(x), (time_t)end))
        goto out;
    /* the key, decoded, as the request encodes it (the request's signature
     * checked it) */
    int decoded = rk_spki_set(x, pub, X509_REQ_get_X509_PUBKEY(csr));
    if (decoded < 0) {
        rc = decoded;
        goto out;
    }
    if ((rc = rk_profile_apply(x, p, ca->cert, names, values, n))) goto out;
    if ((ca->ledger_backed && (rc = rk_db_set_durable(ca->db, 0))) || (rc = rk_db_begin(ca->db)))
        goto out;
    for (int tries = 0; taken && tries < 8; tries++) {
        if ((rc = random_serial(X509_get_serialNumber(x), hex, sizeof hex)) ||
            (rc = serial_taken(ca->db, hex, &taken)))
            goto out;
    }
    if (taken) {
        rc = rk_err_set(RK_EINTERNAL, "no fresh serial number after 8 tries");
        goto out;
    }
    if ((rc = sign_cert(&x, &ca->sg)) || (!decoded && (rc = reread(&x))) ||
        (rc = record(ca->db, x, hex, p->name)) || (rc = rk_db_commit(ca->db)))
        goto out;
    *out = x;
    x = NULL;
out:
    if (rk_db_in_tx(ca->db)) rk_db_rollback(ca->db);
    if (ca->ledger_backed && rk_db_set_durable(ca->db, 1) && !rc) rc = RK_EDB;
    X509_free(x);
    X509_NAME_free(subject);
    EVP_PKEY_free(pub);
    return rc;
}

/* ---- registry ------------------------------------------------------------ */

void rk_subca_name_text(char *out, size_t n, const X509_NAME *name)
{
    rk_x509name_text(out, n, name);
}

int rk_subca_serial_norm(char *out, size_t n, const char *in)
{
    size_t o = 0;
    if (!strncmp(in, "0x", 2) || !strncmp(in, "0X", 2)) in += 2;
    for (; *in; in++) {
        char c = *in;
        if (c == ':' || c == ' ') continue;
        if (c >= 'A' && c <= 'F') c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return rk_err_set(RK_EINVAL, "'%c' in a serial number: give it in hex", *in);
        if (o == 0 && c == '0') continue;
        if (o + 1 >= n) return rk_err_set(RK_EINVAL, "the serial number is too long");
        out[o++] = c;
    }
    if (o == 0) {
        if (n < 2) return RK_EINVAL;
        out[o++] = '0';
    }
    out[o] = '\0';
    return 0;
}

int rk_subca_lookup(rk_subca_record *out, rk_subca *ca, const char *serial)
{
    char hex[RK_SUBCA_SERIAL_HEX];
    sqlite3_stmt *st;
    int rc;
    if ((rc = rk_subca_serial_norm(hex, sizeof hex, serial))) return rc;
    if ((rc = rk_db_prepare(ca->db, &st,
                            "SELECT serial,subject,profile,not_before,not_after,issued_at,"
                            "status,reason,revoked_at FROM issued WHERE serial=?")))
        return rc;
    sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        snprintf(out->serial, sizeof out->serial, "%s", sqlite3_column_text(st, 0));
        snprintf(out->subject, sizeof out->subject, "%s", sqlite3_column_text(st, 1));
        snprintf(out->profile, sizeof out->profile, "%s", sqlite3_column_text(st, 2));
        out->not_before = sqlite3_column_int64(st, 3);
        out->not_after = sqlite3_column_int64(st, 4);
        out->issued_at = sqlite3_column_int64(st, 5);
        out->status = sqlite3_column_int(st, 6);
        out->reason = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 7);
        out->revoked_at = sqlite3_column_int64(st, 8);
    } else if (s == SQLITE_DONE) {
        rc = rk_err_set(RK_ENOTFOUND, "the sub-CA has not issued serial %s", hex);
    } else {
        rc = rk_db_fail(ca->db, "looking up a serial");
    }
    sqlite3_finalize(st);
    return rc;
}

int rk_subca_counts(int *good, int *hold, int *revoked, rk_subca *ca)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(ca->db, &st, "SELECT status, count(*) FROM issued GROUP BY status");
    if (rc) return rc;
    *good = *hold = *revoked = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        int k = sqlite3_column_int(st, 0), c = sqlite3_column_int(st, 1);
        if (k == RK_CERT_GOOD) *good = c;
        if (k == RK_CERT_HOLD) *hold = c;
        if (k == RK_CERT_REVOKED) *revoked = c;
    }
    if (s != SQLITE_DONE) rc = rk_db_fail(ca->db, "counting certificates");
    sqlite3_finalize(st);
    return rc;
}

int rk_subca_find_by_key(X509 **out, rk_subca *ca, EVP_PKEY *pub, int64_t since)
{
    sqlite3_stmt *st;
    int rc, s;

    *out = NULL;
    rc = rk_db_prepare(ca->db, &st,
                       "SELECT der FROM issued WHERE issued_at >= ? AND status <> 2 "
                       "ORDER BY issued_at DESC");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, since);
    rc = RK_ENOTFOUND;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *p = sqlite3_column_blob(st, 0);
        X509 *x = d2i_X509(NULL, &p, sqlite3_column_bytes(st, 0));
        if (x && EVP_PKEY_eq(X509_get0_pubkey(x), pub) == 1) {
            *out = x;
            rc = 0;
            break;
        }
        X509_free(x);
    }
    if (rc == RK_ENOTFOUND && s != SQLITE_DONE && s != SQLITE_ROW)
        rc = rk_db_fail(ca->db, "cannot search the issued certificates");
    sqlite3_finalize(st);
    return rc;
}
