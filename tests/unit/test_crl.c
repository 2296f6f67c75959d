/*
 * Revocation, suspension and the sub-CA's CRL (checked with `openssl crl`),
 * the CRL number across reopenings, resume; the DER writer against
 * OpenSSL's own decoder; and the CRL store: import checks (bad signature,
 * wrong issuer, older number, garbage and truncated DER), newest per
 * issuer, lookups.
 */
#include "test.h"

#include "ca/crl.h"
#include "ca/crlparse.h"
#include "ca/crlstore.h"
#include "ca/subca.h"
#include "demo/softkeys.h"
#include "util/clock.h"
#include "util/err.h"

#include <dirent.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/wait.h>
#include <unistd.h>

static char g_dir[4096], g_cadir[4200], g_module[4096];
#define PIN "hsm-pin-5678"

static int run(char *out, size_t n, const char *cmd)
{
    FILE *p = popen(cmd, "r");
    size_t len = 0;
    if (!p) return -1;
    while (out && len + 1 < n) {
        size_t r = fread(out + len, 1, n - 1 - len, p);
        if (r == 0) break;
        len += r;
    }
    if (out) out[len] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(p, 1, n, f);
    fclose(f);
    return w == n ? 0 : -1;
}

static X509 *issue(rk_subca *ca, const rk_profile *p, char *hex, size_t n)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509_REQ *r = X509_REQ_new();
    X509 *x = NULL;
    X509_REQ_set_pubkey(r, k);
    X509_REQ_sign(r, k, EVP_sha256());
    const char *names[] = {"applicant_name", "id_number"};
    const char *values[] = {"王五", "110105194912310021"};
    if (rk_subca_issue(&x, ca, p, r, names, values, 2) != 0)
        fprintf(stderr, "issue: %s\n", rk_err_msg());
    if (x) {
        BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
        char *h = BN_bn2hex(bn);
        snprintf(hex, n, "%s", h);
        OPENSSL_free(h);
        BN_free(bn);
    }
    X509_REQ_free(r);
    EVP_PKEY_free(k);
    return x;
}

static rk_profile g_profile;

static void setup_profile(void)
{
    memset(&g_profile, 0, sizeof g_profile);
    snprintf(g_profile.name, sizeof g_profile.name, "t-sign");
    snprintf(g_profile.holder, sizeof g_profile.holder, "individual");
    g_profile.usage = RK_PROFILE_SIGN;
    g_profile.validity_days = 30;
    g_profile.key_alg = RK_PROFILE_KEY_EC_P256;
    g_profile.sig = RK_PROFILE_SIG_SHA256;
    snprintf(g_profile.key_usage, sizeof g_profile.key_usage, "critical,digitalSignature");
    snprintf(g_profile.subject, sizeof g_profile.subject, "C=CN, CN={applicant_name}");
}

static int crl_check(const char *cadir, char *text, size_t n)
{
    char cmd[9000];
    snprintf(cmd, sizeof cmd,
             "cat '%s/subca.pem' '%s/root.pem' > '%s/chain.pem' && openssl crl -in '%s/crl.der' "
             "-inform DER -CAfile '%s/chain.pem' -noout -text 2>&1",
             cadir, cadir, cadir, cadir, cadir);
    return run(text, n, cmd);
}

static uint64_t g_last_number;

static void test_revocation(void)
{
    rk_subca *ca = NULL;
    char good[64], rev[64], held[64], text[65536];
    unsigned char *der = NULL;
    size_t len;
    uint64_t number = 0;

    CHECK_INT(rk_subca_open(&ca, g_cadir, g_module, NULL, PIN), 0);
    if (!ca) {
        fprintf(stderr, "%s\n", rk_err_msg());
        return;
    }
    X509 *a = issue(ca, &g_profile, good, sizeof good);
    X509 *b = issue(ca, &g_profile, rev, sizeof rev);
    X509 *c = issue(ca, &g_profile, held, sizeof held);
    CHECK(a && b && c);

    /* An empty first CRL. */
    CHECK_INT(rk_crl_generate(&der, &len, &number, ca, 0), 0);
    CHECK_INT(number, 1);
    free(der);
    CHECK_INT(crl_check(g_cadir, text, sizeof text), 0);
    CHECK(strstr(text, "verify OK") != NULL);
    CHECK(strstr(text, "No Revoked Certificates") != NULL);

    CHECK_INT(rk_crl_revoke(ca, rev, RK_CRL_KEY_COMPROMISE), 0);
    CHECK_INT(rk_crl_revoke(ca, rev, RK_CRL_SUPERSEDED), RK_ESTATE);
    CHECK_INT(rk_crl_revoke(ca, held, RK_CRL_HOLD), RK_EINVAL);
    CHECK_INT(rk_crl_suspend(ca, held), 0);
    CHECK_INT(rk_crl_suspend(ca, held), RK_ESTATE);
    CHECK_INT(rk_crl_resume(ca, good), RK_ESTATE);
    CHECK_INT(rk_crl_revoke(ca, "abcdef", RK_CRL_KEY_COMPROMISE), RK_ENOTFOUND);
    CHECK_INT(rk_crl_revoke(ca, "xyz", RK_CRL_KEY_COMPROMISE), RK_EINVAL);
    CHECK_INT(rk_crl_generate(&der, &len, &number, ca, 3), 0);
    CHECK_INT(number, 2);
    free(der);
    CHECK_INT(crl_check(g_cadir, text, sizeof text), 0);
    CHECK(strstr(text, "verify OK") != NULL);
    CHECK(strstr(text, "Key Compromise") != NULL);
    CHECK(strstr(text, "Certificate Hold") != NULL);
    CHECK(strstr(text, rev) != NULL);
    CHECK(strstr(text, held) != NULL);
    CHECK(strstr(text, good) == NULL);
    CHECK(strstr(text, "X509v3 CRL Number") != NULL);
    /* nextUpdate = thisUpdate + 3 days */
    {
        X509_CRL *crl = NULL;
        char path[4300];
        snprintf(path, sizeof path, "%s/crl.pem", g_cadir);
        FILE *f = fopen(path, "r");
        if (f) {
            crl = PEM_read_X509_CRL(f, NULL, NULL, NULL);
            fclose(f);
        }
        CHECK(crl != NULL);
        if (crl) {
            int days = 0, secs = 0;
            ASN1_TIME_diff(&days, &secs, X509_CRL_get0_lastUpdate(crl),
                           X509_CRL_get0_nextUpdate(crl));
            CHECK_INT(days, 3);
            CHECK_INT(secs, 0);
            CHECK_INT(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 2);
            X509_CRL_free(crl);
        }
    }
    rk_subca_free(ca);

    /* Across runs: reopen, the number goes on; resume lifts the hold. */
    ca = NULL;
    CHECK_INT(rk_subca_open(&ca, g_cadir, g_module, NULL, PIN), 0);
    if (!ca) return;
    rk_subca_record r;
    CHECK_INT(rk_subca_lookup(&r, ca, held), 0);
    CHECK_INT(r.status, RK_CERT_HOLD);
    CHECK_INT(r.reason, RK_CRL_HOLD);
    CHECK_INT(rk_crl_resume(ca, held), 0);
    CHECK_INT(rk_subca_lookup(&r, ca, held), 0);
    CHECK_INT(r.status, RK_CERT_GOOD);
    CHECK_INT(rk_crl_generate(&der, &len, &number, ca, 0), 0);
    CHECK_INT(number, 3);
    free(der);
    CHECK_INT(crl_check(g_cadir, text, sizeof text), 0);
    CHECK(strstr(text, "verify OK") != NULL);
    CHECK(strstr(text, held) == NULL);
    CHECK(strstr(text, rev) != NULL);
    /* A held certificate can then be revoked for good. */
    CHECK_INT(rk_crl_suspend(ca, held), 0);
    CHECK_INT(rk_crl_revoke(ca, held, RK_CRL_CESSATION), 0);
    CHECK_INT(rk_crl_resume(ca, held), RK_ESTATE);
    int g, h, v;
    CHECK_INT(rk_subca_counts(&g, &h, &v, ca), 0);
    CHECK_INT(g, 1);
    CHECK_INT(v, 2);
    CHECK_INT(rk_crl_generate(&der, &len, &number, ca, 0), 0);
    CHECK_INT(number, 4);
    g_last_number = number;
    free(der);
    X509_free(a);
    X509_free(b);
    X509_free(c);
    rk_subca_free(ca);
}

/* ---- the writer against OpenSSL's decoder -------------------------------- */

static int soft_sign(void *arg, const unsigned char *tbs, size_t len, unsigned char **sig,
                     size_t *siglen)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, arg) == 1 &&
             EVP_DigestSign(md, NULL, siglen, tbs, len) == 1 && (*sig = OPENSSL_malloc(*siglen)) &&
             EVP_DigestSign(md, *sig, siglen, tbs, len) == 1;
    EVP_MD_CTX_free(md);
    return ok ? 0 : RK_ECRYPTO;
}

typedef struct walk {
    const rk_crl_entry *e;
    size_t i, bad;
} walk;

static int on_entry(void *arg, const unsigned char *serial, size_t slen, int64_t when, int reason)
{
    walk *w = arg;
    const rk_crl_entry *e = &w->e[w->i++];
    if (slen != e->serial_len || memcmp(serial, e->serial, slen) || when != e->revoked_at ||
        reason != (e->reason > 0 ? e->reason : -1))
        w->bad++;
    return 0;
}

static void test_writer(void)
{
    enum { N = 2000 };
    rk_crl_entry *e = calloc(N, sizeof *e);
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509_NAME *name = X509_NAME_new();
    unsigned char *issuer = NULL, *der = NULL;
    size_t len;
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)"测试 CA", -1, -1,
                               0);
    int ilen = i2d_X509_NAME(name, &issuer);
    for (int i = 0; i < N; i++) {
        e[i].serial_len = (uint8_t)(1 + i % 20);
        RAND_bytes(e[i].serial, e[i].serial_len);
        if (e[i].serial[0] == 0) e[i].serial[0] = 1;
        e[i].reason = (int8_t)(i % 3 == 0 ? -1 : i % 11 == 7 ? 6 : i % 11);
        e[i].revoked_at = 1700000000 + i * 37;
    }
    e[5].revoked_at = 2600000000; /* after 2049: GeneralizedTime */
    rk_crl_params p = {issuer,
                       (size_t)ilen,
                       (const unsigned char *)"0123456789abcdef0123",
                       20,
                       NID_ecdsa_with_SHA256,
                       1700000000,
                       1700604800,
                       0x1234567890ULL,
                       e,
                       N,
                       soft_sign,
                       k};
    CHECK_INT(rk_crl_write(&der, &len, &p), 0);
    const unsigned char *pp = der;
    X509_CRL *crl = der ? d2i_X509_CRL(NULL, &pp, (long)len) : NULL;
    CHECK(crl != NULL);
    if (crl) {
        CHECK_INT(X509_CRL_verify(crl, k), 1);
        CHECK_INT(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), N);
        ASN1_INTEGER *num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
        CHECK(num && ASN1_INTEGER_get(num) == 0x1234567890LL);
        ASN1_INTEGER_free(num);
        X509_REVOKED *r5 = sk_X509_REVOKED_value(X509_CRL_get_REVOKED(crl), 5);
        CHECK_INT(ASN1_STRING_type(X509_REVOKED_get0_revocationDate(r5)), V_ASN1_GENERALIZEDTIME);
        X509_CRL_free(crl);
    }
    rk_crlparse_info info;
    walk w = {e, 0, 0};
    size_t count = 0;
    CHECK_INT(rk_crlparse(&info, der, len), 0);
    CHECK_INT(rk_crlparse_entries(&info, on_entry, &w, &count), 0);
    CHECK_INT(count, N);
    CHECK_INT(w.bad, 0);
    CHECK_INT(info.this_update, 1700000000);
    CHECK_INT(info.next_update, 1700604800);
    CHECK_INT(info.number_len, 5);
    CHECK_INT(info.akid_len, 20);
    /* Every truncation is refused, never read past the end. */
    int refused = 1;
    for (size_t cut = 0; cut < len; cut += 1 + cut / 7)
        if (rk_crlparse(&info, der, cut) == 0) refused = 0;
    CHECK(refused);
    free(der);
    OPENSSL_free(issuer);
    X509_NAME_free(name);
    EVP_PKEY_free(k);
    free(e);
}

/* ---- the store ----------------------------------------------------------- */

/* A CA certificate named like subject_of's subject (or name when not NULL)
 * for key, signed by signer (self-signed when NULL) with signer_key, with
 * key usage ku and the subject key identifier skid (hash when NULL). */
static X509 *ca_cert(const X509 *subject_of, const char *name, EVP_PKEY *key, X509 *signer,
                     EVP_PKEY *signer_key, const char *ku, const ASN1_OCTET_STRING *skid)
{
    X509 *x = X509_new();
    X509_NAME *n = NULL;
    if (name) {
        n = X509_NAME_new();
        X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)name, -1, -1, 0);
    }
    ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
    X509_set_version(x, X509_VERSION_3);
    X509_set_subject_name(x, n ? n : X509_get_subject_name(subject_of));
    X509_set_issuer_name(x, signer ? X509_get_subject_name(signer) : X509_get_subject_name(x));
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400 * 30);
    X509_set_pubkey(x, key);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, signer ? signer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:TRUE");
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    e = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage, ku);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    if (skid)
        X509_add1_ext_i2d(x, NID_subject_key_identifier, (void *)skid, 0, X509V3_ADD_DEFAULT);
    else {
        e = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_key_identifier, "hash");
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    X509_sign(x, signer_key ? signer_key : key, EVP_sha256());
    X509_NAME_free(n);
    return x;
}

/* A CRL under issuer's name and key identifier, signed with key, number
 * number, listing the serial (hex) listed (NULL: none). */
static int forged_crl(const char *path, X509 *issuer, EVP_PKEY *key, uint64_t number,
                      const char *listed)
{
    unsigned char *name = NULL, *der = NULL;
    size_t len;
    int nl = i2d_X509_NAME(X509_get_subject_name(issuer), &name);
    const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(issuer);
    rk_crl_entry e;
    memset(&e, 0, sizeof e);
    if (listed) {
        BIGNUM *bn = NULL;
        BN_hex2bn(&bn, listed);
        e.serial_len = (uint8_t)BN_bn2bin(bn, e.serial);
        BN_free(bn);
        e.reason = -1;
        e.revoked_at = 1700000000;
    }
    rk_crl_params p = {name,
                       (size_t)nl,
                       skid ? ASN1_STRING_get0_data(skid) : NULL,
                       skid ? (size_t)ASN1_STRING_length(skid) : 0,
                       NID_ecdsa_with_SHA256,
                       rk_clock_now() - 60,
                       rk_clock_now() + 86400,
                       number,
                       &e,
                       listed ? 1 : 0,
                       soft_sign,
                       key};
    int rc = rk_crl_write(&der, &len, &p);
    if (!rc) rc = write_bytes(path, der, len);
    free(der);
    OPENSSL_free(name);
    return rc;
}

static int64_t g_fixed_now;
static int64_t fixed_clock(void *arg)
{
    (void)arg;
    return g_fixed_now;
}

/* A trust set of the root and up to two candidates (NULL: none). */
static rk_catrust *trust_of(X509 *root, X509 *c1, X509 *c2)
{
    rk_catrust *t = NULL;
    CHECK_INT(rk_catrust_new(&t), 0);
    if (t && root) CHECK_INT(rk_catrust_add(t, root, 1), 0);
    if (t && c1) CHECK_INT(rk_catrust_add(t, c1, 0), 0);
    if (t && c2) CHECK_INT(rk_catrust_add(t, c2, 0), 0);
    return t;
}

/* Forged and unfit issuers are refused and the CRL held stays in force;
 * answers by issuer id and name; stale CRLs say so. */
static void test_trust(rk_crlstore *st, rk_subca *ca, const char *rev, const char *good)
{
    char path[4300], kpath[4300];
    rk_catrust *t = NULL;
    rk_crlstore_info info;
    rk_crlstore_answer a;
    X509 *sub = rk_subca_cert(ca), *root = rk_subca_root(ca);
    const rk_crlstore_info *list;
    int n;

    rk_crlstore_list(&list, &n, st);
    CHECK_INT(n, 1);
    if (n != 1) return;
    char held_number[50], issuer_id[33];
    snprintf(held_number, sizeof held_number, "%s", list[0].number);
    snprintf(issuer_id, sizeof issuer_id, "%s", list[0].issuer_id);
    snprintf(path, sizeof path, "%s/forged.crl", g_dir);

    /* A self-made certificate with the sub-CA's name and key identifier,
     * given as an extra issuer (what --issuer did): its CRL revokes the good
     * serial and lifts the revoked one, with a far higher number. */
    EVP_PKEY *fk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *forged = ca_cert(sub, NULL, fk, NULL, NULL, "critical,keyCertSign,cRLSign",
                           X509_get0_subject_key_id(sub));
    CHECK_INT(forged_crl(path, forged, fk, 999999, good), 0);
    CHECK_INT(rk_catrust_new(&t), 0);
    CHECK_INT(rk_catrust_add(t, root, 1), 0);
    CHECK_INT(rk_catrust_add(t, sub, 0), 0);
    CHECK_INT(rk_catrust_add(t, forged, 0), 0);
    CHECK_INT(rk_catrust_add(t, forged, 1), 0); /* self-signed: could be a root, */
    rk_catrust_free(t);                         /* but only a configured one is */
    t = trust_of(root, sub, forged);
    CHECK_INT(rk_crlstore_import(&info, st, path, t), RK_EVERIFY);
    CHECK(strstr(rk_err_msg(), "does not verify") != NULL);
    CHECK(strstr(rk_err_msg(), "stays in force") != NULL);
    rk_catrust_free(t);
    /* Without the genuine sub-CA beside it: it does not chain. */
    t = trust_of(root, forged, NULL);
    CHECK_INT(rk_crlstore_import(&info, st, path, t), RK_EVERIFY);
    CHECK(strstr(rk_err_msg(), "does not chain to a configured root") != NULL);
    CHECK(strstr(rk_err_msg(), "self-signed") != NULL);
    rk_catrust_free(t);
    /* Signed by a root nobody configured: does not chain either. */
    EVP_PKEY *ok = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *other = ca_cert(NULL, "Other root", ok, NULL, NULL, "critical,keyCertSign,cRLSign", NULL);
    X509 *under = ca_cert(sub, NULL, fk, other, ok, "critical,keyCertSign,cRLSign",
                          X509_get0_subject_key_id(sub));
    t = trust_of(root, other, under);
    CHECK_INT(rk_crlstore_import(&info, st, path, t), RK_EVERIFY);
    CHECK(strstr(rk_err_msg(), "does not chain to a configured root") != NULL);
    rk_catrust_free(t);
    /* The answers are still the genuine CRL's. */
    CHECK_INT(rk_crlstore_status(&a, st, issuer_id, rev), 0);
    CHECK_INT(a.status, RK_CRLSTORE_REVOKED);
    CHECK_INT(rk_crlstore_status(&a, st, issuer_id, good), 0);
    CHECK_INT(a.status, RK_CRLSTORE_GOOD);
    CHECK_STR(a.crl.number, held_number);

    /* A CA under the configured root that may not sign CRLs. */
    FILE *f;
    snprintf(kpath, sizeof kpath, "%s/demo-root.key", g_cadir);
    EVP_PKEY *rk = (f = fopen(kpath, "r")) ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    CHECK(rk != NULL);
    X509 *nocrl = ca_cert(NULL, "No CRL signer", ok, root, rk, "critical,keyCertSign", NULL);
    CHECK_INT(forged_crl(path, nocrl, ok, 5, NULL), 0);
    t = trust_of(root, nocrl, NULL);
    CHECK_INT(rk_crlstore_import(&info, st, path, t), RK_EVERIFY);
    CHECK(strstr(rk_err_msg(), "cRLSign") != NULL);
    CHECK(strstr(rk_err_msg(), "nothing imported") != NULL);
    rk_catrust_free(t);
    /* An end-entity certificate under the root carrying a CA's name. */
    X509 *ee = ca_cert(NULL, "No CRL signer", ok, root, rk, "critical,digitalSignature", NULL);
    X509_EXTENSION_free(X509_delete_ext(ee, X509_get_ext_by_NID(ee, NID_basic_constraints, -1)));
    X509_sign(ee, rk, EVP_sha256());
    t = trust_of(root, ee, NULL);
    CHECK_INT(rk_crlstore_import(&info, st, path, t), RK_EVERIFY);
    CHECK(strstr(rk_err_msg(), "not a CA certificate") != NULL);
    rk_catrust_free(t);
    X509_free(ee);
    /* The same with cRLSign imports: a second issuer, found by name. */
    X509 *signer =
        ca_cert(NULL, "HQ CRL signer", ok, root, rk, "critical,keyCertSign,cRLSign", NULL);
    CHECK_INT(forged_crl(path, signer, ok, 7, good), 0);
    t = trust_of(root, signer, NULL);
    CHECK_INT(rk_crlstore_import(&info, st, path, t), 0);
    CHECK_STR(info.number, "7");
    CHECK_INT(rk_crlstore_status(&a, st, "CN=HQ CRL signer", good), 0);
    CHECK_INT(a.status, RK_CRLSTORE_REVOKED);
    CHECK_INT(a.revoked_at, 1700000000);
    CHECK_INT(a.reason, -1);
    CHECK_INT(a.stale, 0);
    CHECK_INT(rk_crlstore_status(&a, st, info.issuer_id, rev), 0);
    CHECK_INT(a.status, RK_CRLSTORE_GOOD);
    /* Stale once its next update has passed. */
    g_fixed_now = info.next_update + 1;
    rk_clock_set(fixed_clock, NULL);
    CHECK_INT(rk_crlstore_status(&a, st, info.issuer_id, good), 0);
    CHECK_INT(a.stale, 1);
    rk_clock_set(NULL, NULL);
    /* Serial forms; unknown issuer; junk. */
    char colons[200] = "";
    for (size_t i = 0; good[i]; i += 2)
        snprintf(colons + strlen(colons), sizeof colons - strlen(colons), "%s%.2s", i ? ":" : "",
                 good + i);
    CHECK_INT(rk_crlstore_status(&a, st, info.issuer_id, colons), 0);
    CHECK_INT(a.status, RK_CRLSTORE_REVOKED);
    CHECK_INT(rk_crlstore_status(&a, st, "CN=nobody", good), RK_ENOTFOUND);
    CHECK_INT(rk_crlstore_status(&a, st, info.issuer_id, "xyz"), RK_EINVAL);
    CHECK_INT(
        rk_crlstore_status(&a, st, info.issuer_id, "0102030405060708090a0b0c0d0e0f101112131415"),
        RK_EINVAL);
    rk_catrust_free(t);
    /* Nothing is trusted without a root. */
    t = trust_of(NULL, signer, NULL);
    CHECK_INT(rk_crlstore_import(&info, st, path, t), RK_EVERIFY);
    rk_catrust_free(t);

    X509_free(forged);
    X509_free(other);
    X509_free(under);
    X509_free(nocrl);
    X509_free(signer);
    EVP_PKEY_free(rk);
    EVP_PKEY_free(ok);
    EVP_PKEY_free(fk);
}

static int count_files(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d))) {
        size_t l = strlen(e->d_name), s = strlen(suffix);
        if (l > s && !strcmp(e->d_name + l - s, suffix)) n++;
    }
    if (d) closedir(d);
    return n;
}

static void test_store(void)
{
    char sdir[4300], path[4300], rev[64], held[64], good[64];
    rk_subca *ca = NULL;
    rk_crlstore *st = NULL;
    rk_crlstore_info info;
    unsigned char *der = NULL, *older = NULL;
    size_t len, olen;
    uint64_t number;
    int status, reason;
    rk_catrust *cas2 = NULL, *cas1 = NULL;

    CHECK_INT(rk_subca_open(&ca, g_cadir, g_module, NULL, PIN), 0);
    if (!ca) return;
    X509 *a = issue(ca, &g_profile, rev, sizeof rev);
    X509 *b = issue(ca, &g_profile, held, sizeof held);
    X509 *c = issue(ca, &g_profile, good, sizeof good);
    CHECK_INT(rk_crl_revoke(ca, rev, RK_CRL_AFFILIATION_CHANGED), 0);
    CHECK_INT(rk_crl_generate(&older, &olen, &number, ca, 0), 0);
    CHECK_INT(rk_crl_suspend(ca, held), 0);
    CHECK_INT(rk_crl_generate(&der, &len, &number, ca, 0), 0);
    CHECK(number > g_last_number + 1);

    snprintf(sdir, sizeof sdir, "%s/crls", g_dir);
    CHECK_INT(rk_crlstore_open(&st, sdir), 0);
    if (!st) goto out;
    X509 *sub = rk_subca_cert(ca), *root = rk_subca_root(ca);
    /* cas2: the root and the sub-CA under it; cas1: only the root. */
    CHECK_INT(rk_catrust_new(&cas2), 0);
    CHECK_INT(rk_catrust_new(&cas1), 0);
    CHECK_INT(rk_catrust_add(cas2, root, 1), 0);
    CHECK_INT(rk_catrust_add(cas2, sub, 0), 0);
    CHECK_INT(rk_catrust_add(cas1, root, 1), 0);
    CHECK_INT(rk_catrust_add(cas1, sub, 1), RK_EINVAL); /* not self-signed: no root */

    /* Garbage, truncated, empty. */
    snprintf(path, sizeof path, "%s/in.crl", g_dir);
    write_bytes(path, "hello, not a CRL at all", 23);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas2), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "not a valid CRL") != NULL);
    write_bytes(path, der, len - 10);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas2), RK_EFORMAT);
    write_bytes(path, der, 0);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas2), RK_EFORMAT);
    /* Wrong issuer: only the root is configured. */
    write_bytes(path, der, len);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas1), RK_ENOTFOUND);
    CHECK(strstr(rk_err_msg(), "not a configured CA") != NULL);
    /* Bad signature: one bit of the signature, or of an entry, flipped. */
    der[len - 5] ^= 0x01;
    write_bytes(path, der, len);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas2), RK_EVERIFY);
    der[len - 5] ^= 0x01;
    {
        rk_crlparse_info pi;
        CHECK_INT(rk_crlparse(&pi, der, len), 0);
        size_t off = (size_t)(pi.entries - der) + 6; /* inside the first serial */
        der[off] ^= 0x40;
        write_bytes(path, der, len);
        CHECK_INT(rk_crlstore_import(&info, st, path, cas2), RK_EVERIFY);
        der[off] ^= 0x40;
    }
    /* Lookups before any import: unknown. */
    CHECK_INT(rk_crlstore_lookup(&status, &reason, st, X509_get_issuer_name(a),
                                 X509_get0_serialNumber(a)),
              0);
    CHECK_INT(status, RK_CRLSTORE_UNKNOWN);

    /* The good one imports. */
    write_bytes(path, der, len);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas2), 0);
    CHECK_INT(info.entries >= 3, 1);
    CHECK_INT(rk_crlstore_lookup(&status, &reason, st, X509_get_issuer_name(a),
                                 X509_get0_serialNumber(a)),
              0);
    CHECK_INT(status, RK_CRLSTORE_REVOKED);
    CHECK_INT(reason, RK_CRL_AFFILIATION_CHANGED);
    CHECK_INT(rk_crlstore_lookup(&status, &reason, st, X509_get_issuer_name(b),
                                 X509_get0_serialNumber(b)),
              0);
    CHECK_INT(status, RK_CRLSTORE_HOLD);
    CHECK_INT(reason, RK_CRL_HOLD);
    CHECK_INT(rk_crlstore_lookup(&status, &reason, st, X509_get_issuer_name(c),
                                 X509_get0_serialNumber(c)),
              0);
    CHECK_INT(status, RK_CRLSTORE_GOOD);
    CHECK_INT(reason, -1);
    /* Other issuer: unknown. */
    CHECK_INT(rk_crlstore_lookup(&status, &reason, st, X509_get_subject_name(root),
                                 X509_get0_serialNumber(c)),
              0);
    CHECK_INT(status, RK_CRLSTORE_UNKNOWN);

    /* Same number again, and an older one: refused. */
    CHECK_INT(rk_crlstore_import(&info, st, path, cas2), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "not newer") != NULL);
    write_bytes(path, older, olen);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas2), RK_ESTATE);

    /* A newer one replaces it (resume: the hold disappears); one index kept. */
    free(der);
    der = NULL;
    CHECK_INT(rk_crl_resume(ca, held), 0);
    CHECK_INT(rk_crl_generate(&der, &len, &number, ca, 0), 0);
    write_bytes(path, der, len);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas2), 0);
    CHECK_INT(count_files(sdir, ".idx"), 1);
    CHECK_INT(count_files(sdir, ".crl"), 1);
    CHECK_INT(count_files(sdir, ".meta"), 1);
    rk_crlstore_free(st);

    /* Reopened, the store answers the same. */
    st = NULL;
    CHECK_INT(rk_crlstore_open(&st, sdir), 0);
    if (!st) goto out;
    const rk_crlstore_info *list;
    int n;
    rk_crlstore_list(&list, &n, st);
    CHECK_INT(n, 1);
    if (n == 1) CHECK_INT(strtoull(list[0].number, NULL, 10), number);
    CHECK_INT(rk_crlstore_lookup(&status, &reason, st, X509_get_issuer_name(b),
                                 X509_get0_serialNumber(b)),
              0);
    CHECK_INT(status, RK_CRLSTORE_GOOD);
    CHECK_INT(rk_crlstore_lookup(&status, &reason, st, X509_get_issuer_name(a),
                                 X509_get0_serialNumber(a)),
              0);
    CHECK_INT(status, RK_CRLSTORE_REVOKED);
    test_trust(st, ca, rev, good);
out:
    rk_catrust_free(cas1);
    rk_catrust_free(cas2);
    rk_crlstore_free(st);
    free(der);
    free(older);
    X509_free(a);
    X509_free(b);
    X509_free(c);
    rk_subca_free(ca);
}

int main(void)
{
    char store[4200], conf[4300];
    const char *b = getenv("RK_BUILD_DIR");

    setup_profile();
    test_writer();
    rk_test_tmpdir(g_dir, sizeof g_dir);
    snprintf(store, sizeof store, "%s/hsm", g_dir);
    CHECK_INT(rk_softkeys_prepare(conf, sizeof conf, store), 0);
    setenv("SOFTHSM2_CONF", conf, 1);
    unsetenv("RK_P11LOCK_STATE_DIR");
    snprintf(g_module, sizeof g_module, "%s/app/p11lock/rkp11lock.so", b && *b ? b : "build");
    snprintf(g_cadir, sizeof g_cadir, "%s/ca", g_dir);
    rk_subca_init_opts o = {
        .dir = g_cadir, .hsm_module = g_module, .pin = PIN, .common_name = "CRL test sub-CA"};
    int rc = rk_subca_init(&o);
    CHECK_INT(rc, 0);
    if (rc == 0) {
        test_revocation();
        test_store();
    } else {
        fprintf(stderr, "%s\n", rk_err_msg());
    }
    if (!getenv("RK_KEEP")) rk_test_rmtree(g_dir);
    return rk_test_done();
}
