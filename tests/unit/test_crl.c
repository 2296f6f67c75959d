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
#include "token/softkeys.h"
#include "util/err.h"

#include <dirent.h>
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
    X509 *cas[] = {root, sub};

    /* Garbage, truncated, empty. */
    snprintf(path, sizeof path, "%s/in.crl", g_dir);
    write_bytes(path, "hello, not a CRL at all", 23);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas, 2), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "not a valid CRL") != NULL);
    write_bytes(path, der, len - 10);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas, 2), RK_EFORMAT);
    write_bytes(path, der, 0);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas, 2), RK_EFORMAT);
    /* Wrong issuer: only the root is configured. */
    write_bytes(path, der, len);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas, 1), RK_ENOTFOUND);
    CHECK(strstr(rk_err_msg(), "not a configured CA") != NULL);
    /* Bad signature: one bit of the signature, or of an entry, flipped. */
    der[len - 5] ^= 0x01;
    write_bytes(path, der, len);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas, 2), RK_EVERIFY);
    der[len - 5] ^= 0x01;
    {
        rk_crlparse_info pi;
        CHECK_INT(rk_crlparse(&pi, der, len), 0);
        size_t off = (size_t)(pi.entries - der) + 6; /* inside the first serial */
        der[off] ^= 0x40;
        write_bytes(path, der, len);
        CHECK_INT(rk_crlstore_import(&info, st, path, cas, 2), RK_EVERIFY);
        der[off] ^= 0x40;
    }
    /* Lookups before any import: unknown. */
    CHECK_INT(rk_crlstore_lookup(&status, &reason, st, X509_get_issuer_name(a),
                                 X509_get0_serialNumber(a)),
              0);
    CHECK_INT(status, RK_CRLSTORE_UNKNOWN);

    /* The good one imports. */
    write_bytes(path, der, len);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas, 2), 0);
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
    CHECK_INT(rk_crlstore_import(&info, st, path, cas, 2), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "not newer") != NULL);
    write_bytes(path, older, olen);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas, 2), RK_ESTATE);

    /* A newer one replaces it (resume: the hold disappears); one index kept. */
    free(der);
    der = NULL;
    CHECK_INT(rk_crl_resume(ca, held), 0);
    CHECK_INT(rk_crl_generate(&der, &len, &number, ca, 0), 0);
    write_bytes(path, der, len);
    CHECK_INT(rk_crlstore_import(&info, st, path, cas, 2), 0);
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
    if (n == 1) CHECK_INT(strtoull(list[0].number_hex, NULL, 16), number);
    CHECK_INT(rk_crlstore_lookup(&status, &reason, st, X509_get_issuer_name(b),
                                 X509_get0_serialNumber(b)),
              0);
    CHECK_INT(status, RK_CRLSTORE_GOOD);
    CHECK_INT(rk_crlstore_lookup(&status, &reason, st, X509_get_issuer_name(a),
                                 X509_get0_serialNumber(a)),
              0);
    CHECK_INT(status, RK_CRLSTORE_REVOKED);
out:
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
