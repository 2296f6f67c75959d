/*
 * Key escrow on real SoftHSM2 tokens through the p11lock module: an escrowed
 * encryption key (EC P-256 and RSA-2048) wrapped to a recovery certificate
 * opens with the recovery key to the same key and not with another; written
 * to a key it is sensitive and never extractable (read with raw PKCS#11) and
 * decrypts; recovered onto a second key it has the same public key and takes
 * the same certificate. The escrow table keeps one unbound wrapped key per
 * order, which the issuing transaction binds to its certificate (once), and
 * a damaged HQ recovery certificate is never replaced by the demo one.
 */
#include "test.h"

#include "ca/escrow.h"
#include "db/db.h"
#include "demo/softkeys.h"
#include "token/token.h"
#include "util/err.h"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <p11-kit/pkcs11.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char SECRET[32] = "branch secret for the test only";
#define PIN "12345678"

static X509 *self_signed(EVP_PKEY *key, const char *cn)
{
    X509 *c = X509_new();
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    ASN1_INTEGER_set(X509_get_serialNumber(c), 7);
    X509_set_version(c, 2);
    X509_set_subject_name(c, n);
    X509_set_issuer_name(c, n);
    X509_gmtime_adj(X509_getm_notBefore(c), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c), 86400);
    X509_set_pubkey(c, key);
    X509_sign(c, key, EVP_sha256());
    X509_NAME_free(n);
    return c;
}

/* Raw PKCS#11 on the same module, to read what the layer does not show. */
static CK_FUNCTION_LIST_PTR g_fl;

static CK_SESSION_HANDLE raw_session(const char *serial)
{
    CK_SLOT_ID slots[16];
    CK_ULONG n = 16;
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    if (g_fl->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK) return s;
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;
        if (g_fl->C_GetTokenInfo(slots[i], &ti) != CKR_OK) continue;
        if (strncmp((const char *)ti.serialNumber, serial, strlen(serial))) continue;
        g_fl->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
        CK_RV rv = g_fl->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)PIN, strlen(PIN));
        CHECK(rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN);
        break;
    }
    return s;
}

static CK_OBJECT_HANDLE raw_private(CK_SESSION_HANDLE s, const unsigned char *id)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, (void *)id, RK_TOKEN_ID_LEN}};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_ULONG n = 0;
    g_fl->C_FindObjectsInit(s, t, 2);
    g_fl->C_FindObjects(s, &h, 1, &n);
    g_fl->C_FindObjectsFinal(s);
    return n == 1 ? h : CK_INVALID_HANDLE;
}

/* The imported private key: sensitive, not extractable, its value hidden,
 * decrypt (RSA) or derive (EC) and no signing. */
static void check_attributes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, int rsa)
{
    CK_BBOOL sens = 0, extr = 1, dec = 0, der = 0, sign = 1;
    CK_ATTRIBUTE a[] = {{CKA_SENSITIVE, &sens, sizeof sens},
                        {CKA_EXTRACTABLE, &extr, sizeof extr},
                        {CKA_DECRYPT, &dec, sizeof dec},
                        {CKA_DERIVE, &der, sizeof der},
                        {CKA_SIGN, &sign, sizeof sign}};
    CHECK_INT((int)g_fl->C_GetAttributeValue(s, h, a, 5), (int)CKR_OK);
    CHECK_INT(sens, CK_TRUE);
    CHECK_INT(extr, CK_FALSE);
    CHECK_INT(sign, CK_FALSE);
    CHECK_INT(rsa ? dec : der, CK_TRUE);
    unsigned char value[4096];
    CK_ATTRIBUTE v = {CKA_VALUE, value, sizeof value};
    CK_ATTRIBUTE d = {CKA_PRIVATE_EXPONENT, value, sizeof value};
    CHECK_INT((int)g_fl->C_GetAttributeValue(s, h, rsa ? &d : &v, 1), (int)CKR_ATTRIBUTE_SENSITIVE);
}

/* The key decrypts (RSA PKCS#1 v1.5) what its public key encrypted. */
static void check_rsa_decrypts(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, EVP_PKEY *pub)
{
    unsigned char msg[32], ct[256], out[256];
    size_t ctlen = sizeof ct;
    CK_ULONG outlen = sizeof out;
    RAND_bytes(msg, sizeof msg);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pub, NULL);
    CHECK(EVP_PKEY_encrypt_init(c) == 1 &&
          EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
          EVP_PKEY_encrypt(c, ct, &ctlen, msg, sizeof msg) == 1);
    EVP_PKEY_CTX_free(c);
    CK_MECHANISM m = {CKM_RSA_PKCS, NULL, 0};
    CHECK_INT((int)g_fl->C_DecryptInit(s, &m, h), (int)CKR_OK);
    CHECK_INT((int)g_fl->C_Decrypt(s, ct, ctlen, out, &outlen), (int)CKR_OK);
    CHECK(outlen == sizeof msg && !memcmp(out, msg, sizeof msg));
}

/* ECDH on the key gives the secret OpenSSL computes with the peer. */
static void check_ec_derives(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, EVP_PKEY *pub)
{
    EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    unsigned char point[65], want[32], got[32];
    size_t plen = 0, wlen = sizeof want;
    EVP_PKEY_get_octet_string_param(peer, "pub", point, sizeof point, &plen);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(peer, NULL);
    CHECK(EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer(c, pub) == 1 &&
          EVP_PKEY_derive(c, want, &wlen) == 1);
    EVP_PKEY_CTX_free(c);
    CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, (CK_ULONG)plen, point};
    CK_MECHANISM m = {CKM_ECDH1_DERIVE, &p, sizeof p};
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_ULONG len = 32;
    CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},     {CKA_KEY_TYPE, &kt, sizeof kt},
                        {CKA_VALUE_LEN, &len, sizeof len}, {CKA_TOKEN, &no, sizeof no},
                        {CKA_SENSITIVE, &no, sizeof no},   {CKA_EXTRACTABLE, &yes, sizeof yes}};
    CK_OBJECT_HANDLE sk = CK_INVALID_HANDLE;
    CHECK_INT((int)g_fl->C_DeriveKey(s, &m, h, t, 6, &sk), (int)CKR_OK);
    CK_ATTRIBUTE v = {CKA_VALUE, got, sizeof got};
    CHECK_INT((int)g_fl->C_GetAttributeValue(s, sk, &v, 1), (int)CKR_OK);
    CHECK(wlen == 32 && !memcmp(want, got, 32));
    g_fl->C_DestroyObject(s, sk);
    EVP_PKEY_free(peer);
}

static void new_key(char *serial, rk_token_ctx *ctx, const char *label)
{
    rk_token_init_opts o = {label, SECRET, sizeof SECRET, PIN, NULL, NULL};
    int rc = rk_token_init(serial, NULL, ctx, "blank", &o);
    CHECK_INT(rc, 0);
    if (rc) fprintf(stderr, "init: %s\n", rk_err_msg());
}

static void test_escrow(rk_token_ctx *ctx, int rsa, EVP_PKEY *rkey, X509 *rcert, EVP_PKEY *wrong)
{
    char k1[RK_TOKEN_SERIAL_MAX], k2[RK_TOKEN_SERIAL_MAX];
    unsigned char id1[RK_TOKEN_ID_LEN], id2[RK_TOKEN_ID_LEN];
    unsigned char *blob = NULL;
    size_t blen = 0;
    EVP_PKEY *key = NULL, *back = NULL, *pub1 = NULL, *pub2 = NULL;
    rk_token *t = NULL;

    CHECK_INT(rk_escrow_keygen(&key, rsa), 0);
    CHECK_INT(rk_escrow_wrap(&blob, &blen, key, rcert), 0);
    CHECK(blen > 100);

    /* The blob opens with the recovery key to the same key, not with another. */
    CHECK_INT(rk_escrow_unwrap(&back, blob, blen, rkey, NULL), 0);
    CHECK(back && EVP_PKEY_eq(back, key) == 1);
    EVP_PKEY *none = NULL;
    CHECK_INT(rk_escrow_unwrap(&none, blob, blen, wrong, NULL), RK_EAUTH);
    CHECK(none == NULL);
    CHECK(strstr(rk_err_msg(), "recovery key does not open") != NULL);
    unsigned char broken[16] = {0x30, 0x03, 1, 2, 3};
    CHECK_INT(rk_escrow_unwrap(&none, broken, sizeof broken, rkey, NULL), RK_EFORMAT);

    /* Onto a key: sensitive, never extractable, and it works. */
    new_key(k1, ctx, rsa ? "escrow rsa 1" : "escrow ec 1");
    CHECK_INT(rk_token_open(&t, ctx, k1), 0);
    CHECK_INT(rk_token_import_key(id1, t, key, NULL), RK_EINVAL);
    CHECK_INT(rk_token_import_key(id1, t, key, "enc"), RK_EAUTH); /* not logged in */
    CHECK_INT(rk_token_login(t, PIN), 0);
    CHECK_INT(rk_token_import_key(id1, t, key, "enc"), 0);
    EVP_PKEY_free(key); /* the software copy goes */
    key = NULL;
    CHECK_INT(rk_token_public_key(&pub1, t, id1, sizeof id1), 0);
    CHECK(pub1 && EVP_PKEY_eq(pub1, back) == 1);
    X509 *cert = self_signed(back, "encryption certificate");
    CHECK_INT(rk_token_write_cert(t, id1, sizeof id1, "enc", cert, 0, NULL, NULL), 0);
    CK_SESSION_HANDLE s = raw_session(k1);
    CK_OBJECT_HANDLE h = raw_private(s, id1);
    CHECK(h != CK_INVALID_HANDLE);
    if (h != CK_INVALID_HANDLE) {
        check_attributes(s, h, rsa);
        if (rsa)
            check_rsa_decrypts(s, h, pub1);
        else
            check_ec_derives(s, h, pub1);
    }
    g_fl->C_CloseSession(s);
    rk_token_close(t);

    /* Recovery onto a second key: the same key and certificate. */
    EVP_PKEY *rec = NULL;
    CHECK_INT(rk_escrow_unwrap(&rec, blob, blen, rkey, rcert), 0);
    new_key(k2, ctx, rsa ? "escrow rsa 2" : "escrow ec 2");
    CHECK_INT(rk_token_open(&t, ctx, k2), 0);
    CHECK_INT(rk_token_login(t, PIN), 0);
    CHECK_INT(rk_token_import_key(id2, t, rec, "enc"), 0);
    EVP_PKEY_free(rec);
    CHECK_INT(rk_token_write_cert(t, id2, sizeof id2, "enc", cert, 0, NULL, NULL), 0);
    CHECK_INT(rk_token_public_key(&pub2, t, id2, sizeof id2), 0);
    CHECK(pub2 && EVP_PKEY_eq(pub2, pub1) == 1);
    CHECK_INT(rk_token_verify_cert(t, id2, sizeof id2, cert, NULL), 0);
    rk_token_close(t);

    X509_free(cert);
    EVP_PKEY_free(pub1);
    EVP_PKEY_free(pub2);
    EVP_PKEY_free(back);
    free(blob);
}

static void test_demo_pair(const char *dir)
{
    int made = 0;
    X509 *c = NULL;
    CHECK_INT(rk_escrow_recovery_cert(&c, dir), RK_ENOTFOUND);
    CHECK_INT(rk_escrow_demo_init(dir, &made), 0);
    CHECK_INT(made, 1);
    CHECK_INT(rk_escrow_demo_init(dir, &made), 0);
    CHECK_INT(made, 0); /* kept, never replaced */
    CHECK_INT(rk_escrow_recovery_cert(&c, dir), 0);
    char path[4200];
    snprintf(path, sizeof path, "%s/demo-recovery.key", dir);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    char fp[RK_ESCROW_FP_LEN];
    CHECK_INT(rk_escrow_fingerprint(fp, c), 0);
    CHECK_INT((int)strlen(fp), 64);
    X509_free(c);
}

static void test_store_bind(const char *dir)
{
    char path[4200], fp[RK_ESCROW_FP_LEN];
    rk_db *db = NULL;
    unsigned char *blob = NULL;
    size_t len = 0;

    snprintf(path, sizeof path, "%s/escrow.db", dir);
    CHECK_INT(rk_db_open(&db, path, RK_DB_CREATE), 0);
    CHECK_INT(rk_db_migrate(db, 0, NULL, NULL), 0);
    CHECK_INT(rk_db_exec(db, "INSERT INTO orders(id, uuid, ref, business, subscriber, cert_kind, "
                             "state, needs_authority, fields, created_at, updated_at) VALUES "
                             "(7, 'u-7', 'R-7', 'new', 'individual', 'personal', 'paid', 0, x'', "
                             "1, 1)"),
              0);
    CHECK_INT(rk_db_begin(db), 0);
    CHECK_INT(rk_escrow_bind(db, 7, "0A0B"), RK_ENOTFOUND); /* nothing escrowed yet */
    CHECK(strstr(rk_err_msg(), "never be recovered") != NULL);
    /* A key made again after a crash replaces the unbound one. */
    CHECK_INT(rk_escrow_store(NULL, db, 7, (const unsigned char *)"first", 5, "fp1"), 0);
    CHECK_INT(rk_escrow_drop_unbound(db, 7), 0);
    int64_t id = 0;
    CHECK_INT(rk_escrow_store(&id, db, 7, (const unsigned char *)"second", 6, "fp2"), 0);
    CHECK(id > 0);
    CHECK_INT(rk_escrow_bind(db, 7, "0a0b"), 0);
    CHECK_INT(rk_escrow_bind(db, 7, "0C0D"), RK_ENOTFOUND); /* bound once */
    CHECK_INT(rk_db_end(db, 0), 0);
    CHECK_INT(rk_escrow_load(&blob, &len, fp, db, "0A0B"), 0);
    CHECK(len == 6 && blob && !memcmp(blob, "second", 6));
    CHECK_STR(fp, "fp2");
    free(blob);
    blob = NULL;
    CHECK_INT(rk_escrow_load(&blob, &len, fp, db, "0C0D"), RK_ENOTFOUND);
    /* A bound key is never dropped. */
    CHECK_INT(rk_db_begin(db), 0);
    CHECK_INT(rk_escrow_drop_unbound(db, 7), 0);
    CHECK_INT(rk_db_end(db, 0), 0);
    CHECK_INT(rk_escrow_load(&blob, &len, fp, db, "0A0B"), 0);
    free(blob);
    rk_db_close(db);

    /* A damaged HQ recovery certificate is an error, not the demo's. */
    snprintf(path, sizeof path, "%s/recovery.pem", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", f);
        fclose(f);
    }
    X509 *c = NULL;
    CHECK_INT(rk_escrow_recovery_cert(&c, dir), RK_EFORMAT);
    CHECK(c == NULL && strstr(rk_err_msg(), "recovery.pem") != NULL);
    unlink(path);
    CHECK_INT(rk_escrow_recovery_cert(&c, dir), 0); /* the demo one, as before */
    X509_free(c);
}

/* HQ's second wrap: to an EC (device) certificate, ECDH key agreement;
 * rk_escrow_check_wrapped tells its recipient without opening it. */
static void test_wrap_to_ec(void)
{
    EVP_PKEY *dev = NULL, *other = NULL, *key = NULL, *back = NULL;
    unsigned char *blob = NULL;
    size_t blen = 0;
    CHECK_INT(rk_escrow_keygen(&dev, 0), 0);
    CHECK_INT(rk_escrow_keygen(&other, 0), 0);
    CHECK_INT(rk_escrow_keygen(&key, 1), 0);
    X509 *dcert = self_signed(dev, "DEMO01"), *ocert = self_signed(other, "DEMO02");
    CHECK_INT(rk_escrow_wrap(&blob, &blen, key, dcert), 0);
    CHECK_INT(rk_escrow_check_wrapped(blob, blen, NULL), 0);
    CHECK_INT(rk_escrow_check_wrapped(blob, blen, dcert), 0);
    CHECK_INT(rk_escrow_check_wrapped(blob, blen, ocert), RK_EPERM);
    CHECK_INT(rk_escrow_check_wrapped(blob, blen - 1, dcert), RK_EFORMAT);
    const unsigned char junk[] = "not CMS at all";
    CHECK_INT(rk_escrow_check_wrapped(junk, sizeof junk, dcert), RK_EFORMAT);
    CHECK_INT(rk_escrow_unwrap(&back, blob, blen, dev, dcert), 0);
    CHECK(back && EVP_PKEY_eq(back, key) == 1);
    EVP_PKEY *none = NULL;
    CHECK_INT(rk_escrow_unwrap(&none, blob, blen, other, NULL), RK_EAUTH);
    CHECK(none == NULL);
    free(blob);
    EVP_PKEY_free(back);
    EVP_PKEY_free(key);
    EVP_PKEY_free(dev);
    EVP_PKEY_free(other);
    X509_free(dcert);
    X509_free(ocert);
}

int main(void)
{
    char dir[4096], store[4200], conf[4300], module[4096];
    rk_token_ctx *ctx = NULL;
    const char *b = getenv("RK_BUILD_DIR");

    rk_test_tmpdir(dir, sizeof dir);
    test_wrap_to_ec();
    test_demo_pair(dir);
    test_store_bind(dir);
    snprintf(store, sizeof store, "%s/keys", dir);
    CHECK_INT(rk_softkeys_prepare(conf, sizeof conf, store), 0);
    setenv("SOFTHSM2_CONF", conf, 1);
    unsetenv("RK_P11LOCK_STATE_DIR");
    unsetenv("RK_P11LOCK_MAX_TRIES");
    snprintf(module, sizeof module, "%s/app/p11lock/rkp11lock.so", b && *b ? b : "build");
    int rc = rk_token_ctx_new(&ctx, module);
    CHECK_INT(rc, 0);
    void *lib = dlopen(module, RTLD_NOW | RTLD_NOLOAD);
    CK_C_GetFunctionList gfl = lib ? (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList") : NULL;
    CHECK(gfl && gfl(&g_fl) == CKR_OK);
    if (rc == 0 && g_fl) {
        EVP_PKEY *rkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
        EVP_PKEY *wrong = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
        X509 *rcert = self_signed(rkey, "recovery");
        test_escrow(ctx, 0, rkey, rcert, wrong);
        test_escrow(ctx, 1, rkey, rcert, wrong);
        X509_free(rcert);
        EVP_PKEY_free(rkey);
        EVP_PKEY_free(wrong);
    } else {
        fprintf(stderr, "%s\n", rk_err_msg());
    }
    if (lib) dlclose(lib);
    rk_token_ctx_free(ctx);
    rk_test_rmtree(dir);
    return rk_test_done();
}
