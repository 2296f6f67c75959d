/*
 * Key escrow (see escrow.h): software keys wrapped to HQ's recovery
 * certificate with CMS, the wrapped blobs in the `escrow` table.
 */
#include "ca/escrow.h"

#include "db/outbox.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/json.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/pem.h"
#include "util/wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rk_escrow_keygen(EVP_PKEY **out, int rsa)
{
    *out = rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
               : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    return *out ? 0 : rk_err_set(RK_ECRYPTO, "cannot generate the encryption key");
}

int rk_escrow_wrap(unsigned char **out, size_t *len, EVP_PKEY *key, X509 *recovery)
{
    unsigned char *p8 = NULL, *der = NULL;
    int p8len = i2d_PrivateKey(key, &p8), rc = 0;
    BIO *in = NULL;
    CMS_ContentInfo *cms = NULL;

    *out = NULL;
    *len = 0;
    if (p8len <= 0) {
        rc = rk_err_set(RK_ECRYPTO, "cannot encode the key for escrow");
        goto out;
    }
    /* One recipient; for an EC certificate (key agreement) the KDF is
     * X9.63 with SHA-256 rather than OpenSSL's default SHA-1. */
    CMS_RecipientInfo *ri = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    if (!(in = BIO_new_mem_buf(p8, p8len)) ||
        !(cms = CMS_encrypt(NULL, NULL, EVP_aes_256_cbc(), CMS_BINARY | CMS_PARTIAL)) ||
        !(ri = CMS_add1_recipient_cert(cms, recovery, CMS_KEY_PARAM)) ||
        (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_AGREE &&
         (!(pctx = CMS_RecipientInfo_get0_pkey_ctx(ri)) ||
          EVP_PKEY_CTX_set_ecdh_kdf_md(pctx, EVP_sha256()) <= 0)) ||
        !CMS_final(cms, in, NULL, CMS_BINARY)) {
        rc = rk_err_set(RK_ECRYPTO, "cannot wrap the key to the certificate (%s)",
                        ri ? "encrypting" : "its key type takes no recipient");
        ERR_clear_error();
        goto out;
    }
    int n = i2d_CMS_ContentInfo(cms, &der);
    if (n <= 0) {
        rc = rk_err_set(RK_ECRYPTO, "cannot encode the wrapped key");
        goto out;
    }
    if (!(*out = malloc((size_t)n))) {
        rc = rk_err_oom();
        goto out;
    }
    memcpy(*out, der, (size_t)n);
    *len = (size_t)n;
out:
    if (p8) {
        OPENSSL_cleanse(p8, (size_t)p8len);
        OPENSSL_free(p8);
    }
    OPENSSL_free(der);
    BIO_free(in);
    CMS_ContentInfo_free(cms);
    return rc;
}

int rk_escrow_unwrap(EVP_PKEY **out, const unsigned char *der, size_t len, EVP_PKEY *recovery_key,
                     X509 *recovery)
{
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
    BIO *plain = NULL;
    int rc = 0;

    *out = NULL;
    if (!cms) return rk_err_set(RK_EFORMAT, "the escrowed key is damaged (not CMS)");
    if (!(plain = BIO_new(BIO_s_secmem()))) plain = BIO_new(BIO_s_mem());
    if (!plain) {
        CMS_ContentInfo_free(cms);
        return rk_err_oom();
    }
    /* Without the certificate every recipient is tried; with the wrong key
     * the Bleichenbacher defence makes a random key, so the PKCS#8 parse
     * below catches what CMS_decrypt lets through. */
    rk_err_clear(); /* a key in an HSM says why it failed (ca/hsm.h) */
    if (!CMS_decrypt(cms, recovery_key, recovery, NULL, plain, CMS_BINARY)) {
        rc = rk_err_msg()[0] ? rk_err_wrap(RK_EAUTH, "cannot open the wrapped key")
                             : rk_err_set(RK_EAUTH, "the recovery key does not open this "
                                                    "wrapped key (a wrong key, or wrapped to "
                                                    "another certificate?)");
    } else {
        char *data = NULL;
        long n = BIO_get_mem_data(plain, &data);
        const unsigned char *q = (const unsigned char *)data;
        if (n <= 0 || !(*out = d2i_AutoPrivateKey(NULL, &q, n)))
            rc = rk_err_set(RK_EAUTH, "the recovery key does not open this wrapped key (a wrong "
                                      "key, or wrapped to another certificate?)");
        if (n > 0) OPENSSL_cleanse(data, (size_t)n);
    }
    ERR_clear_error();
    BIO_free(plain);
    CMS_ContentInfo_free(cms);
    return rc;
}

int rk_escrow_check_wrapped(const unsigned char *der, size_t len, X509 *cert)
{
    const unsigned char *p = der;
    CMS_ContentInfo *cms =
        len && len < (size_t)1 << 30 ? d2i_CMS_ContentInfo(NULL, &p, (long)len) : NULL;
    int found = 0;
    if (!cms || p != der + len || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_enveloped) {
        CMS_ContentInfo_free(cms);
        ERR_clear_error();
        return rk_err_set(RK_EFORMAT, "the key is not a CMS EnvelopedData");
    }
    STACK_OF(CMS_RecipientInfo) *ris = cert ? CMS_get0_RecipientInfos(cms) : NULL;
    if (!cert) found = 1; /* the form alone */
    for (int i = 0; ris && i < sk_CMS_RecipientInfo_num(ris) && !found; i++) {
        CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(ris, i);
        int t = CMS_RecipientInfo_type(ri);
        if (t == CMS_RECIPINFO_TRANS) {
            found = CMS_RecipientInfo_ktri_cert_cmp(ri, cert) == 0;
        } else if (t == CMS_RECIPINFO_AGREE) {
            STACK_OF(CMS_RecipientEncryptedKey) *reks = CMS_RecipientInfo_kari_get0_reks(ri);
            for (int k = 0; reks && k < sk_CMS_RecipientEncryptedKey_num(reks) && !found; k++)
                found = CMS_RecipientEncryptedKey_cert_cmp(
                            sk_CMS_RecipientEncryptedKey_value(reks, k), cert) == 0;
        }
    }
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return found ? 0 : rk_err_set(RK_EPERM, "the key is not wrapped to this certificate");
}

int rk_escrow_fingerprint(char out[RK_ESCROW_FP_LEN], X509 *cert)
{
    unsigned char md[32];
    unsigned int n = 0;
    if (!X509_digest(cert, EVP_sha256(), md, &n) || n != 32)
        return rk_err_set(RK_ECRYPTO, "cannot hash the recovery certificate");
    rk_hex_encode(out, md, n, RK_HEX_LOWER);
    return 0;
}

int rk_escrow_store(int64_t *id, rk_db *db, int64_t order_id, const unsigned char *wrapped,
                    size_t len, const char *fp)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st,
                           "INSERT INTO escrow(order_id, wrapped, recovery_fp, created_at) "
                           "VALUES (?, ?, ?, ?)");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, order_id);
    sqlite3_bind_blob(st, 2, wrapped, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, fp, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, rk_clock_now());
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot store the escrowed key");
    sqlite3_finalize(st);
    if (!rc && id) *id = sqlite3_last_insert_rowid(rk_db_handle(db));
    return rc;
}

int rk_escrow_bind(rk_db *db, int64_t order_id, const char *cert_serial)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st,
                           "UPDATE escrow SET cert_serial = upper(?) WHERE id = (SELECT max(id) "
                           "FROM escrow WHERE order_id = ? AND cert_serial IS NULL)");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, cert_serial, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, order_id);
    if ((rc = rk_db_step_done(db, st, "cannot bind the escrowed key")) == 0 &&
        sqlite3_changes(rk_db_handle(db)) != 1)
        rc = rk_err_set(RK_ENOTFOUND,
                        "certificate %s: the order's escrowed encryption key is missing, so it "
                        "could never be recovered; roll the enrolment back and enrol again",
                        cert_serial);
    return rc;
}

int rk_escrow_load(unsigned char **out, size_t *len, char fp[RK_ESCROW_FP_LEN], rk_db *db,
                   const char *cert_serial)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st,
                           "SELECT wrapped, recovery_fp FROM escrow WHERE cert_serial = upper(?) "
                           "ORDER BY id DESC LIMIT 1");
    if (rc) return rc;
    *out = NULL;
    *len = 0;
    sqlite3_bind_text(st, 1, cert_serial, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        int n = sqlite3_column_bytes(st, 0);
        const unsigned char *t = sqlite3_column_text(st, 1);
        snprintf(fp, RK_ESCROW_FP_LEN, "%s", t ? (const char *)t : "");
        if (n <= 0 || !(*out = malloc((size_t)n))) {
            rc = n <= 0 ? rk_err_set(RK_EFORMAT, "the escrowed key of %s is empty", cert_serial)
                        : rk_err_oom();
        } else {
            memcpy(*out, sqlite3_column_blob(st, 0), (size_t)n);
            *len = (size_t)n;
        }
    } else if (s == SQLITE_DONE) {
        rc = rk_err_set(RK_ENOTFOUND, "certificate %s has no escrowed key", cert_serial);
    } else {
        rc = rk_db_fail(db, "cannot read the escrowed keys");
    }
    sqlite3_finalize(st);
    return rc;
}

int rk_escrow_event(rk_db *db, int64_t order_id, const char *order_uuid, const char *cert_serial)
{
    unsigned char *blob = NULL;
    size_t len = 0;
    char fp[RK_ESCROW_FP_LEN], holder[72] = "", serial[64];
    sqlite3_stmt *st;
    int rc = rk_escrow_load(&blob, &len, fp, db, cert_serial);
    if (rc) return rc;
    if ((rc = rk_db_prepare(db, &st, "SELECT coalesce(id_index, '') FROM orders WHERE id = ?")) ==
        0) {
        sqlite3_bind_int64(st, 1, order_id);
        if (sqlite3_step(st) == SQLITE_ROW) rk_db_text(holder, sizeof holder, st, 0);
        sqlite3_finalize(st);
    }
    char *b64 = rc ? NULL : malloc(4 * ((len + 2) / 3) + 1);
    if (!rc && !b64) rc = rk_err_oom();
    if (!rc) EVP_EncodeBlock((unsigned char *)b64, blob, (int)len);
    size_t i = 0;
    for (; cert_serial[i] && i + 1 < sizeof serial; i++)
        serial[i] = (char)(cert_serial[i] >= 'a' && cert_serial[i] <= 'f' ? cert_serial[i] - 32
                                                                          : cert_serial[i]);
    serial[i] = '\0';
    rk_buf b;
    rk_buf_init(&b, 4096);
    if (!rc) {
        rk_json j;
        rk_json_init(&j, &b);
        rk_json_obj_begin(&j);
        rk_json_kstr(&j, "holder", holder);
        rk_json_kstr(&j, "order", order_uuid);
        rk_json_kstr(&j, "recovery_fp", fp);
        rk_json_kstr(&j, "serial", serial);
        rk_json_kstr(&j, "wrapped", b64);
        rk_json_obj_end(&j);
        rc = rk_json_finish(&j);
    }
    if (!rc) rc = rk_outbox_add(db, NULL, "escrow", serial, "key.escrowed", b.data);
    rk_buf_free(&b);
    free(b64);
    free(blob);
    return rc;
}

int rk_escrow_drop_unbound(rk_db *db, int64_t order_id)
{
    sqlite3_stmt *st;
    int rc =
        rk_db_prepare(db, &st, "DELETE FROM escrow WHERE order_id = ? AND cert_serial IS NULL");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, order_id);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot drop escrowed keys");
    sqlite3_finalize(st);
    return rc;
}

int rk_escrow_recovery_cert(X509 **out, const char *ca_dir)
{
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s/recovery.pem", ca_dir);
    snprintf(b, sizeof b, "%s/demo-recovery.pem", ca_dir);
    /* Only a missing HQ certificate falls back to the demo one: a damaged
     * or unreadable one is an error, never a reason to wrap to the demo. */
    int rc = rk_pem_cert_file(out, a);
    if (rc != RK_ENOTFOUND) return rc;
    if ((rc = rk_pem_cert_file(out, b)) != RK_ENOTFOUND) return rc;
    return rk_err_set(RK_ENOTFOUND,
                      "no recovery certificate (%s or %s): escrowed keys cannot be made; run "
                      "`ractl ca init` for the demo one",
                      a, b);
}

int rk_escrow_demo_init(const char *ca_dir, int *made)
{
    char cpath[4200], kpath[4200], hq[4200];
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    int rc = 0;

    if (made) *made = 0;
    snprintf(cpath, sizeof cpath, "%s/demo-recovery.pem", ca_dir);
    snprintf(kpath, sizeof kpath, "%s/demo-recovery.key", ca_dir);
    snprintf(hq, sizeof hq, "%s/recovery.pem", ca_dir);
    if (access(cpath, F_OK) == 0 || access(kpath, F_OK) == 0 || access(hq, F_OK) == 0) return 0;
    if ((rc = rk_escrow_keygen(&key, 1)) != 0) return rc;
    X509_NAME *n = NULL;
    if (!(cert = X509_new()) || !X509_set_version(cert, 2) ||
        !ASN1_INTEGER_set(X509_get_serialNumber(cert), (long)(rk_clock_now() & 0x7fffffff)) ||
        !X509_gmtime_adj(X509_getm_notBefore(cert), 0) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert), 20L * 365 * 86400) ||
        !(n = X509_get_subject_name(cert)) ||
        !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"DEMO ONLY", -1,
                                    -1, 0) ||
        !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
                                    (const unsigned char *)"DEMO HQ key recovery (not for use)", -1,
                                    -1, 0) ||
        !X509_set_issuer_name(cert, n) || !X509_set_pubkey(cert, key) ||
        !X509_sign(cert, key, EVP_sha256())) {
        rc = rk_err_set(RK_ECRYPTO, "cannot make the demo recovery certificate");
        goto out;
    }
    if ((rc = rk_pem_key_write_new(kpath, key, NULL,
                                   "DEMO ONLY: HQ's key-recovery private key. In production it "
                                   "never leaves HQ.")) ||
        (rc = rk_pem_cert_write(cpath, cert, 0644)))
        goto out;
    if (made) *made = 1;
out:
    EVP_PKEY_free(key);
    X509_free(cert);
    return rc;
}
