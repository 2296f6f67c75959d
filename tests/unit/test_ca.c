/*
 * Profiles and the branch sub-CA: profile parsing and its errors, a sub-CA
 * whose key is in a SoftHSM2 token ("rakiosk-hsm", through p11lock in the
 * test's own store), issuance from a CSR signed on a USB key (token layer),
 * checked with the openssl command (verify, x509 -text, asn1parse), serial
 * numbers, refusal of bad requests, and an SM2 sub-CA issuing from an SM2
 * request.
 */
#include "test.h"

#include "ca/hsm.h"
#include "ca/profiles.h"
#include "ca/subca.h"
#include "demo/softkeys.h"
#include "token/token.h"
#include "util/err.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const unsigned char SECRET[32] = "branch secret for the test only";
static char g_dir[4096], g_module[4096];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void write_cert(const char *path, X509 *x)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    PEM_write_X509(f, x);
    fclose(f);
}

/* Runs a shell command, returns its exit status and first 64 KiB of output. */
static int run(char *out, size_t n, const char *cmd)
{
    FILE *p = popen(cmd, "r");
    size_t len = 0;
    if (!p) return -1;
    if (out) {
        while (len + 1 < n) {
            size_t r = fread(out + len, 1, n - 1 - len, p);
            if (r == 0) break;
            len += r;
        }
        out[len] = '\0';
    } else {
        char buf[4096];
        while (fread(buf, 1, sizeof buf, p) > 0) {
        }
    }
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_profiles(const rk_profiles *set)
{
    char path[4200], msg[1024];
    rk_profiles *bad;
    const rk_profile *p = rk_profiles_find(set, "individual-sign");
    CHECK(p != NULL);
    if (!p) return;
    CHECK_INT(p->usage, RK_PROFILE_SIGN);
    CHECK_INT(p->key_alg, RK_PROFILE_KEY_EC_P256);
    CHECK_STR(p->pair, "individual-enc");
    CHECK(rk_profiles_find(set, "server-sign") != NULL);
    CHECK(rk_profiles_find(set, "individual-sm2-sign") != NULL);
    CHECK_INT(rk_profiles_find(set, "individual-enc")->escrow, 1);

    /* Errors name file:line and key. */
    snprintf(path, sizeof path, "%s/bad.ini", g_dir);
    write_file(path, "[profile x]\nholder = individual\nkey_usage = digitalSignature, fly\n");
    CHECK_INT(rk_profiles_load(&bad, path), RK_ECONF);
    snprintf(msg, sizeof msg, "%s", rk_err_msg());
    CHECK(strstr(msg, "bad.ini:3:") != NULL);
    CHECK(strstr(msg, "key_usage") != NULL && strstr(msg, "fly") != NULL);
    write_file(path, "[profile x]\nholder = individual\nusage = sign\nkey = ec-p256\n"
                     "key_usage = keyEncipherment\nsubject = CN={name}\n");
    CHECK_INT(rk_profiles_load(&bad, path), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "keyAgreement") != NULL);
    write_file(path, "[profile x]\nsubject = CN={name\n");
    CHECK_INT(rk_profiles_load(&bad, path), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "bad.ini:2:") != NULL);
    write_file(path, "[profile x]\nholder = individual\nusage = sign\nkey = sm2\n"
                     "key_usage = digitalSignature\nsubject = CN={name}\n");
    CHECK_INT(rk_profiles_load(&bad, path), RK_ECONF); /* sm2 without sm3 */
    write_file(path, "[profile x]\nholder = individual\nusage = sign\nkey = ec-p256\n"
                     "key_usage = digitalSignature\nsubject = CN={name}\n");
    CHECK_INT(rk_profiles_load(&bad, path), 0);
    rk_profiles_free(bad);

    /* Templates. */
    char out[128];
    int omitted;
    const char *names[] = {"a", "b"}, *values[] = {"x", ""};
    CHECK_INT(rk_profile_expand(out, sizeof out, &omitted, "<{a}>", names, values, 2), 0);
    CHECK_STR(out, "<x>");
    CHECK_INT(rk_profile_expand(out, sizeof out, &omitted, "{b?}", names, values, 2), 0);
    CHECK_INT(omitted, 1);
    CHECK_INT(rk_profile_expand(out, sizeof out, &omitted, "{b}", names, values, 2), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "'b'") != NULL);
}

static X509_REQ *soft_csr(EVP_PKEY *k, const char *cn, int with_ca_ext)
{
    X509_REQ *r = X509_REQ_new();
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_REQ_set_version(r, 0);
    X509_REQ_set_subject_name(r, n);
    X509_REQ_set_pubkey(r, k);
    if (with_ca_ext) {
        STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
        sk_X509_EXTENSION_push(exts,
                               X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "CA:TRUE"));
        X509_REQ_add_extensions(r, exts);
        sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    }
    if (EVP_PKEY_is_a(k, "SM2")) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
        EVP_PKEY_CTX_set1_id(pc, "1234567812345678", 16);
        EVP_MD_CTX_set_pkey_ctx(md, pc);
        EVP_DigestSignInit(md, NULL, EVP_sm3(), NULL, k);
        X509_REQ_sign_ctx(r, md);
        EVP_MD_CTX_free(md);
        EVP_PKEY_CTX_free(pc);
    } else {
        X509_REQ_sign(r, k, EVP_sha256());
    }
    X509_NAME_free(n);
    return r;
}

static int verify_chain(const char *cadir, X509 *cert)
{
    char cp[4300], cmd[13000], out[4096];
    snprintf(cp, sizeof cp, "%s/leaf.pem", g_dir);
    write_cert(cp, cert);
    snprintf(cmd, sizeof cmd,
             "openssl verify -CAfile '%s/root.pem' -untrusted '%s/subca.pem' '%s' 2>&1", cadir,
             cadir, cp);
    int rc = run(out, sizeof out, cmd);
    if (rc != 0) fprintf(stderr, "openssl verify: %s\n", out);
    return rc;
}

static void test_issue_hsm(rk_token_ctx *ctx, const rk_profiles *set)
{
    char cadir[4200], serial[RK_TOKEN_SERIAL_MAX], pin[RK_TOKEN_PIN_MAX], out[65536], cmd[9000],
        path[4300];
    rk_subca *ca = NULL;
    rk_token *t = NULL;
    unsigned char id[RK_TOKEN_ID_LEN];
    X509_REQ *csr = NULL;
    X509 *cert = NULL;
    int rc;

    snprintf(cadir, sizeof cadir, "%s/ca", g_dir);
    rk_subca_init_opts o = {.dir = cadir,
                            .hsm_module = g_module,
                            .pin = "hsm-pin-1234",
                            .common_name = "Demo branch sub-CA"};
    rc = rk_subca_init(&o);
    CHECK_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "subca init: %s\n", rk_err_msg());
        return;
    }
    CHECK_INT(rk_subca_init(&o), RK_EEXIST);
    CHECK_INT(rk_subca_open(&ca, cadir, g_module, NULL, "wrong-pin"), RK_EAUTH);
    rc = rk_subca_open(&ca, cadir, g_module, NULL, "hsm-pin-1234");
    CHECK_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "subca open: %s\n", rk_err_msg());
        return;
    }
    /* The sub-CA certificate: CA, pathlen 0, keyCertSign + cRLSign, chains to the root. */
    snprintf(cmd, sizeof cmd, "openssl x509 -in '%s/subca.pem' -noout -text", cadir);
    CHECK_INT(run(out, sizeof out, cmd), 0);
    CHECK(strstr(out, "CA:TRUE, pathlen:0") != NULL);
    CHECK(strstr(out, "Certificate Sign, CRL Sign") != NULL);
    snprintf(cmd, sizeof cmd, "openssl verify -CAfile '%s/root.pem' '%s/subca.pem' >/dev/null",
             cadir, cadir);
    CHECK_INT(run(NULL, 0, cmd), 0);
    struct stat sb;
    snprintf(path, sizeof path, "%s/demo-root.key", cadir);
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 077) == 0);

    /* A subscriber's key: EC P-256 generated on the USB key, CSR signed there. */
    rk_token_init_opts io = {"Zhang San", SECRET, sizeof SECRET, "123456", NULL, NULL};
    CHECK_INT(rk_token_init(serial, pin, ctx, "blank", &io), 0);
    CHECK_INT(rk_token_open(&t, ctx, serial), 0);
    if (!t) goto out;
    CHECK_INT(rk_token_login(t, "123456"), 0);
    CHECK_INT(rk_token_keygen(id, t, RK_TOKEN_EC_P256, RK_TOKEN_SIGN, "sign", NULL, NULL), 0);
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"anything", -1, -1,
                               0);
    CHECK_INT(rk_token_csr(&csr, t, id, sizeof id, n), 0);
    X509_NAME_free(n);
    if (!csr) goto out;

    const rk_profile *p = rk_profiles_find(set, "individual-sign");
    const char *names[] = {"applicant_name", "id_number", "province", "email"};
    const char *values[] = {"张三", "11010519491231002X", "北京市", "zhang.san@example.cn"};
    rc = rk_subca_issue(&cert, ca, p, csr, names, values, 4);
    CHECK_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "issue: %s\n", rk_err_msg());
        goto out;
    }
    CHECK_INT(verify_chain(cadir, cert), 0);
    /* The certificate goes onto the key and reads back. */
    CHECK_INT(rk_token_write_cert(t, id, sizeof id, "sign", cert, 0, NULL, NULL), 0);
    CHECK_INT(rk_token_verify_cert(t, id, sizeof id, cert, NULL), 0);

    snprintf(cmd, sizeof cmd, "openssl x509 -in '%s/leaf.pem' -noout -text -nameopt utf8", g_dir);
    CHECK_INT(run(out, sizeof out, cmd), 0);
    CHECK(strstr(out, "Digital Signature, Non Repudiation") != NULL);
    CHECK(strstr(out, "TLS Web Client Authentication, E-mail Protection") != NULL);
    CHECK(strstr(out, "CA:FALSE") != NULL);
    CHECK(strstr(out, "CN = 张三") != NULL || strstr(out, "CN=张三") != NULL);
    CHECK(strstr(out, "email:zhang.san@example.cn") != NULL);
    CHECK(strstr(out, "anything") == NULL); /* nothing from the CSR's subject */
    CHECK(strstr(out, "1.2.156.10260.4.1.1") != NULL);
    CHECK(strstr(out, "1.2.156.10260.4.4:") == NULL); /* not in this profile */

    /* The GM/T identity extension: a PrintableString, seen by asn1parse. */
    snprintf(cmd, sizeof cmd,
             "openssl asn1parse -in '%s/leaf.pem' | grep -A2 '1.2.156.10260.4.1.1'", g_dir);
    CHECK_INT(run(out, sizeof out, cmd), 0);
    char *hexdump = strstr(out, "OCTET STRING");
    CHECK(hexdump != NULL);
    {
        ASN1_OBJECT *oid = OBJ_txt2obj(RK_OID_GMT_IDENTITY, 1);
        int idx = X509_get_ext_by_OBJ(cert, oid, -1);
        ASN1_OBJECT_free(oid);
        CHECK(idx >= 0);
        X509_EXTENSION *e = X509_get_ext(cert, idx);
        ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(e);
        snprintf(path, sizeof path, "%s/ext.der", g_dir);
        FILE *f = fopen(path, "wb");
        fwrite(ASN1_STRING_get0_data(os), 1, (size_t)ASN1_STRING_length(os), f);
        fclose(f);
        snprintf(cmd, sizeof cmd, "openssl asn1parse -inform DER -in '%s'", path);
        CHECK_INT(run(out, sizeof out, cmd), 0);
        CHECK(strstr(out, "PRINTABLESTRING") != NULL && strstr(out, "11010519491231002X"));
    }

    /* Registry: recorded with its serial, 16 random bytes, unique. */
    {
        rk_subca_record r;
        BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
        char *h = BN_bn2hex(bn);
        CHECK_INT(BN_num_bytes(bn), 16);
        CHECK_INT(rk_subca_lookup(&r, ca, h), 0);
        CHECK_STR(r.profile, "individual-sign");
        CHECK_INT(r.status, RK_CERT_GOOD);
        OPENSSL_free(h);
        BN_free(bn);
    }

    /* Many issuances: serials distinct, all 16 bytes, positive. */
    EVP_PKEY *soft = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509_REQ *scsr = soft_csr(soft, "evil", 1);
    char seen[40][64];
    int ok_serials = 1, nseen = 0;
    unsigned char top_or = 0, top_and = 0xff;
    for (int i = 0; i < 40; i++) {
        X509 *c = NULL;
        if (rk_subca_issue(&c, ca, p, scsr, names, values, 2) != 0) {
            ok_serials = 0;
            fprintf(stderr, "issue %d: %s\n", i, rk_err_msg());
            break;
        }
        const ASN1_INTEGER *sn = X509_get0_serialNumber(c);
        if (ASN1_STRING_length(sn) != 16 || ASN1_STRING_type(sn) != V_ASN1_INTEGER) ok_serials = 0;
        const unsigned char *d = ASN1_STRING_get0_data(sn);
        top_or |= d[15];
        top_and &= d[15];
        BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);
        char *h = BN_bn2hex(bn);
        for (int k = 0; k < nseen; k++)
            if (!strcmp(seen[k], h)) ok_serials = 0;
        snprintf(seen[nseen++], 64, "%s", h);
        OPENSSL_free(h);
        BN_free(bn);
        if (i == 0) {
            /* Nothing from the CSR but the key: no CA:TRUE, no CN=evil. */
            char line[256];
            X509_NAME_oneline(X509_get_subject_name(c), line, sizeof line);
            CHECK(strstr(line, "evil") == NULL);
            CHECK_INT(X509_check_ca(c), 0);
        }
        X509_free(c);
    }
    CHECK(ok_serials);
    CHECK(top_or != top_and); /* the low byte varies: random, not a counter */
    int good, hold, revoked;
    CHECK_INT(rk_subca_counts(&good, &hold, &revoked, ca), 0);
    CHECK_INT(good, 41);

    /* Refusals: wrong key algorithm, bad request signature, missing field. */
    X509 *c = NULL;
    CHECK_INT(
        rk_subca_issue(&c, ca, rk_profiles_find(set, "organisation-sign"), scsr, names, values, 4),
        RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "rsa-2048") != NULL);
    CHECK_INT(rk_subca_issue(&c, ca, p, scsr, names, values, 1), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "id_number") != NULL);
    {
        EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        X509_REQ *forged = soft_csr(other, "x", 0);
        X509_REQ_set_pubkey(forged, soft); /* signature no longer matches the key */
        CHECK_INT(rk_subca_issue(&c, ca, p, forged, names, values, 4), RK_EVERIFY);
        X509_REQ_free(forged);
        EVP_PKEY_free(other);
    }

    /* Organisation (RSA) with the credit code; server with its domain. */
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    X509_REQ *rcsr = soft_csr(rsa, "org", 0);
    const char *on[] = {"enterprise_name", "credit_code", "domain"};
    const char *ov[] = {"示例科技有限公司", "91110108MA01ABCD2X", "www.example.cn"};
    rc = rk_subca_issue(&c, ca, rk_profiles_find(set, "organisation-enc"), rcsr, on, ov, 3);
    CHECK_INT(rc, 0);
    if (c) {
        CHECK_INT(verify_chain(cadir, c), 0);
        snprintf(cmd, sizeof cmd, "openssl x509 -in '%s/leaf.pem' -noout -text", g_dir);
        CHECK_INT(run(out, sizeof out, cmd), 0);
        CHECK(strstr(out, "Key Encipherment, Data Encipherment") != NULL);
        CHECK(strstr(out, "1.2.156.10260.4.4") != NULL);
        CHECK(strstr(out, "91110108MA01ABCD2X") != NULL);
        X509_free(c);
        c = NULL;
    }
    rc = rk_subca_issue(&c, ca, rk_profiles_find(set, "server-sign"), rcsr, on, ov, 3);
    CHECK_INT(rc, 0);
    if (c) {
        CHECK_INT(X509_check_host(c, "www.example.cn", 0, 0, NULL), 1);
        CHECK_INT(verify_chain(cadir, c), 0);
        snprintf(cmd, sizeof cmd, "openssl x509 -in '%s/leaf.pem' -noout -text", g_dir);
        CHECK_INT(run(out, sizeof out, cmd), 0);
        CHECK(strstr(out, "TLS Web Server Authentication") != NULL);
        CHECK(strstr(out, "DNS:www.example.cn") != NULL);
        X509_free(c);
        c = NULL;
    }
    ov[2] = "bad domain!";
    CHECK_INT(rk_subca_issue(&c, ca, rk_profiles_find(set, "server-sign"), rcsr, on, ov, 3),
              RK_EINVAL);
    X509_REQ_free(rcsr);
    EVP_PKEY_free(rsa);
    X509_REQ_free(scsr);
    EVP_PKEY_free(soft);
out:
    X509_free(cert);
    X509_REQ_free(csr);
    rk_token_close(t);
    rk_subca_free(ca);
}

static void test_sm2(const rk_profiles *set)
{
    char cadir[4200], cmd[9000], out[65536];
    rk_subca *ca = NULL;
    X509 *cert = NULL;
    snprintf(cadir, sizeof cadir, "%s/ca-sm2", g_dir);
    rk_subca_init_opts o = {.dir = cadir,
                            .pin = "sm2-seal-pin",
                            .key_alg = RK_PROFILE_KEY_SM2,
                            .common_name = "Demo SM2 sub-CA"};
    int rc = rk_subca_init(&o);
    CHECK_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "sm2 init: %s\n", rk_err_msg());
        return;
    }
    CHECK_INT(rk_subca_open(&ca, cadir, NULL, NULL, "not-the-pin"), RK_EAUTH);
    CHECK_INT(rk_subca_open(&ca, cadir, NULL, NULL, "sm2-seal-pin"), 0);
    if (!ca) return;
    CHECK_INT(rk_subca_sig_nid(ca), NID_SM2_with_SM3);
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    X509_REQ *csr = soft_csr(k, "sm2 user", 0);
    const char *names[] = {"applicant_name", "id_number"};
    const char *values[] = {"李四", "110105194912310021"};
    rc = rk_subca_issue(&cert, ca, rk_profiles_find(set, "individual-sm2-sign"), csr, names, values,
                        2);
    CHECK_INT(rc, 0);
    if (rc) fprintf(stderr, "sm2 issue: %s\n", rk_err_msg());
    if (cert) {
        /* Signed with the GM/T 0009 default ID 1234567812345678. OpenSSL 3.0's
         * `verify` applies -vfyopt distid only at depth 0, so each link of the
         * chain is checked on its own. */
        char lp[4300];
        snprintf(lp, sizeof lp, "%s/leaf.pem", g_dir);
        write_cert(lp, cert);
        snprintf(cmd, sizeof cmd,
                 "openssl verify -vfyopt distid:1234567812345678 -partial_chain -CAfile "
                 "'%s/subca.pem' '%s' && openssl verify -vfyopt distid:1234567812345678 "
                 "-CAfile '%s/root.pem' '%s/subca.pem'",
                 cadir, lp, cadir, cadir);
        CHECK_INT(run(out, sizeof out, cmd), 0);
        CHECK(strstr(out, "leaf.pem: OK") != NULL && strstr(out, "subca.pem: OK") != NULL);
        /* ... and with another ID the signature does not verify. */
        snprintf(cmd, sizeof cmd,
                 "openssl verify -vfyopt distid:0000000000000000 -partial_chain -CAfile "
                 "'%s/subca.pem' '%s' 2>&1",
                 cadir, lp);
        CHECK(run(out, sizeof out, cmd) != 0);
        snprintf(cmd, sizeof cmd, "openssl x509 -in '%s/leaf.pem' -noout -text", g_dir);
        CHECK_INT(run(out, sizeof out, cmd), 0);
        CHECK(strstr(out, "SM2-with-SM3") != NULL);
        CHECK(strstr(out, "SM2") != NULL);
    }
    /* An SM2 request for an EC P-256 profile is refused. */
    X509 *c = NULL;
    CHECK_INT(
        rk_subca_issue(&c, ca, rk_profiles_find(set, "individual-sign"), csr, names, values, 2),
        RK_EINVAL);
    X509_free(cert);
    X509_REQ_free(csr);
    EVP_PKEY_free(k);
    rk_subca_free(ca);
}

/* A register made before the status check became BETWEEN (IN (0,1,2)
 * made every insert build a temporary table) is rebuilt when the sub-CA
 * opens, with every row kept. */
/* Two users of the HSM in one process (the kiosk's workers each open the
 * sub-CA): the first one closing neither finalises the module nor logs the
 * token out under the second, which still signs. */
static void test_hsm_shared(void)
{
    rk_hsm *a = NULL, *b = NULL;
    unsigned char *sig = NULL;
    size_t siglen = 0;
    int is_ec = 0;
    static const unsigned char data[32] = {1, 2, 3};
    CHECK_INT(rk_hsm_open(&a, g_module, RK_SUBCA_HSM_LABEL, "hsm-pin-1234", 0), 0);
    CHECK_INT(rk_hsm_open(&b, g_module, RK_SUBCA_HSM_LABEL, "hsm-pin-1234", 0), 0);
    if (!a || !b) {
        rk_hsm_close(a);
        rk_hsm_close(b);
        return;
    }
    rk_hsm_close(a);
    int rc = rk_hsm_sign(&sig, &siglen, &is_ec, b, RK_SUBCA_KEY_LABEL, data, sizeof data);
    CHECK_INT(rc, 0);
    if (rc) fprintf(stderr, "sign after the other closed: %s\n", rk_err_msg());
    CHECK(siglen > 0);
    free(sig);
    rk_hsm_close(b);
    /* Opened again after the last close: loaded and initialised anew. */
    CHECK_INT(rk_hsm_open(&a, g_module, RK_SUBCA_HSM_LABEL, "hsm-pin-1234", 0), 0);
    rk_hsm_close(a);
}

static void test_register_upgrade(void)
{
    char cadir[4200], path[4300];
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    int before = -1, after = -2;

    snprintf(cadir, sizeof cadir, "%s/ca", g_dir);
    snprintf(path, sizeof path, "%s/ca.db", cadir);
    CHECK_INT(sqlite3_open(path, &h), SQLITE_OK);
    const char *old =
        "BEGIN;"
        "CREATE TABLE issued_old(serial TEXT PRIMARY KEY, subject TEXT NOT NULL, profile TEXT NOT "
        "NULL, not_before INTEGER NOT NULL, not_after INTEGER NOT NULL, issued_at INTEGER NOT "
        "NULL, status INTEGER NOT NULL DEFAULT 0 CHECK(status IN (0,1,2)), reason INTEGER, "
        "revoked_at INTEGER, der BLOB NOT NULL);"
        "INSERT INTO issued_old SELECT * FROM issued; DROP TABLE issued;"
        "ALTER TABLE issued_old RENAME TO issued;"
        "CREATE INDEX issued_status ON issued(status) WHERE status <> 0; COMMIT;";
    CHECK_INT(sqlite3_exec(h, old, NULL, NULL, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(h, "SELECT count(*) FROM issued", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        before = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    CHECK(before > 0);

    rk_subca *ca = NULL;
    CHECK_INT(rk_subca_open(&ca, cadir, g_module, NULL, "hsm-pin-1234"), 0);
    rk_subca_free(ca);

    CHECK_INT(sqlite3_open(path, &h), SQLITE_OK);
    if (sqlite3_prepare_v2(h,
                           "SELECT (SELECT count(*) FROM issued), (SELECT sql FROM sqlite_master "
                           "WHERE name = 'issued'), (SELECT count(*) FROM sqlite_master WHERE "
                           "name = 'issued_status')",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        after = sqlite3_column_int(st, 0);
        const char *sql = (const char *)sqlite3_column_text(st, 1);
        CHECK(sql && strstr(sql, "BETWEEN 0 AND 2") && !strstr(sql, "IN (0,1,2)"));
        CHECK_INT(sqlite3_column_int(st, 2), 1);
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    CHECK_INT(after, before);
}

int main(void)
{
    char store[4200], conf[4300], ppath[4200];
    rk_token_ctx *ctx = NULL;
    rk_profiles *set = NULL;
    const char *src = getenv("RK_SOURCE_DIR"), *b = getenv("RK_BUILD_DIR");

    rk_test_tmpdir(g_dir, sizeof g_dir);
    snprintf(ppath, sizeof ppath, "%s/conf/profiles.ini", src && *src ? src : ".");
    int rc = rk_profiles_load(&set, ppath);
    CHECK_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "%s\n", rk_err_msg());
        return rk_test_done();
    }
    test_profiles(set);

    snprintf(store, sizeof store, "%s/keys", g_dir);
    CHECK_INT(rk_softkeys_prepare(conf, sizeof conf, store), 0);
    setenv("SOFTHSM2_CONF", conf, 1);
    unsetenv("RK_P11LOCK_STATE_DIR");
    snprintf(g_module, sizeof g_module, "%s/app/p11lock/rkp11lock.so", b && *b ? b : "build");
    rc = rk_token_ctx_new(&ctx, g_module);
    CHECK_INT(rc, 0);
    if (rc == 0) {
        test_issue_hsm(ctx, set);
        test_hsm_shared();
        test_register_upgrade();
    }
    rk_token_ctx_free(ctx);
    test_sm2(set);
    rk_profiles_free(set);
    if (!getenv("RK_KEEP")) rk_test_rmtree(g_dir);
    return rk_test_done();
}
