/*
 * Unit tests of chain checks against CA certificates checked once
 * (util/chain): a leaf under a sub-CA under a root passes, again with the
 * CA certificates remembered and with equal copies of them; a leaf of
 * another CA, a CA certificate given as the leaf, a sub-CA its root did not
 * sign and an expired leaf are refused; a sub-CA that expires after it was
 * remembered is refused from then on, and so is a root that expires
 * before the sub-CA under it; a leaf issued straight by the root passes.
 */
#include "test.h"

#include "util/chain.h"
#include "util/err.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define DAY 86400
static const int64_t NOW = 1790000000; /* 2026-09-21 */

static EVP_PKEY *ec_key(void)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* A certificate for key named cn, valid from NOW+from to NOW+to (seconds),
 * signed by signer under issuer's name (itself when issuer is NULL); a CA
 * if ca. */
static X509 *cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *signer, int ca,
                  int64_t from, int64_t to)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    X509V3_CTX v3;
    static long serial = 1;
    int ok = x && name &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
                                        -1, 0) &&
             X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) &&
             X509_set_subject_name(x, name) &&
             X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) &&
             ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(NOW + from)) &&
             ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(NOW + to)) && X509_set_pubkey(x, key);
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    const char *exts[][2] = {
        {"basicConstraints", ca ? "critical,CA:TRUE" : "critical,CA:FALSE"},
        {"keyUsage", ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature"},
        {"subjectKeyIdentifier", "hash"},
        {"authorityKeyIdentifier", "keyid:always"},
    };
    for (size_t i = 0; ok && i < sizeof exts / sizeof exts[0]; i++) {
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &v3, exts[i][0], exts[i][1]);
        ok = e && X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    ok = ok && X509_sign(x, signer, EVP_sha256()) > 0;
    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static STACK_OF(X509) * stack_of(X509 *a, X509 *b)
{
    STACK_OF(X509) *s = sk_X509_new_null();
    if (s && a) sk_X509_push(s, a);
    if (s && b) sk_X509_push(s, b);
    return s;
}

int main(void)
{
    EVP_PKEY *kroot = ec_key(), *ksub = ec_key(), *kleaf = ec_key(), *kother = ec_key();
    CHECK(kroot && ksub && kleaf && kother);
    X509 *root = cert("Root", kroot, NULL, kroot, 1, -100 * DAY, 3650 * DAY);
    X509 *sub = cert("Sub", ksub, root, kroot, 1, -10 * DAY, 30 * DAY);
    X509 *leaf = cert("Leaf", kleaf, sub, ksub, 0, -1 * DAY, 20 * DAY);
    X509 *root_leaf = cert("Root leaf", kleaf, root, kroot, 0, -1 * DAY, 20 * DAY);
    X509 *other = cert("Other", kother, NULL, kother, 1, -100 * DAY, 3650 * DAY);
    X509 *stray = cert("Stray", kleaf, other, kother, 0, -1 * DAY, 20 * DAY);
    /* a "Sub" whose issuer name is Root's but which Other signed */
    X509 *forged = cert("Sub", ksub, root, kother, 1, -10 * DAY, 30 * DAY);
    X509 *old = cert("Old", kleaf, sub, ksub, 0, -5 * DAY, -1 * DAY);
    X509 *sub2 = X509_dup(sub), *root2 = X509_dup(root); /* equal copies */
    STACK_OF(X509) *cas = stack_of(sub, root), *copies = stack_of(sub2, root2);
    STACK_OF(X509) *forged_cas = stack_of(forged, root);
    rk_chain *c = NULL, *c2 = NULL;
    CHECK(root && sub && leaf && root_leaf && other && stray && forged && old && sub2 && root2);
    CHECK_INT(rk_chain_new(&c), 0);

    /* good, then again with the CA certificates remembered, and with equal
     * copies of them */
    CHECK_INT(rk_chain_check(c, leaf, "the leaf", cas, NOW), 0);
    CHECK_INT(rk_chain_check(c, leaf, "the leaf", cas, NOW + 60), 0);
    CHECK_INT(rk_chain_check(c, leaf, "the leaf", copies, NOW + 120), 0);
    CHECK_INT(rk_chain_check(c, root_leaf, "the leaf", cas, NOW), 0);

    /* refused */
    CHECK_INT(rk_chain_check(c, stray, "the leaf", cas, NOW), RK_EVERIFY);
    CHECK(strstr(rk_err_msg(), "the leaf does not chain to the CA") != NULL);
    CHECK_INT(rk_chain_check(c, sub, "the leaf", cas, NOW), RK_EVERIFY);
    CHECK(strstr(rk_err_msg(), "is a CA certificate itself") != NULL);
    CHECK_INT(rk_chain_check(c, old, "the leaf", cas, NOW), RK_EVERIFY);
    CHECK(strstr(rk_err_msg(), "expired") != NULL);
    CHECK_INT(rk_chain_check(c, leaf, "the leaf", forged_cas, NOW), RK_EVERIFY);
    CHECK(strstr(rk_err_msg(), "a CA certificate does not chain to its root") != NULL);
    /* the good set is checked afresh after the forged one, and passes */
    CHECK_INT(rk_chain_check(c, leaf, "the leaf", cas, NOW), 0);

    /* the sub-CA expires (day 30) while the leaf would still be valid (day
     * 20 is its end: check on day 19 with a leaf lasting 40 days) */
    X509 *long_leaf = cert("Long", kleaf, sub, ksub, 0, -1 * DAY, 40 * DAY);
    CHECK(long_leaf != NULL);
    CHECK_INT(rk_chain_check(c, long_leaf, "the leaf", cas, NOW + 19 * DAY), 0);
    CHECK_INT(rk_chain_check(c, long_leaf, "the leaf", cas, NOW + 31 * DAY), RK_EVERIFY);
    CHECK(strstr(rk_err_msg(), "expired") != NULL);
    /* a root that expires (day 25) before the sub-CA under it (day 30):
     * the partial chain ends at the sub-CA, so the remembered root's own
     * period must be checked each time */
    X509 *short_root = cert("Short root", kroot, NULL, kroot, 1, -100 * DAY, 25 * DAY);
    X509 *short_sub =
        short_root ? cert("Short sub", ksub, short_root, kroot, 1, -10 * DAY, 30 * DAY) : NULL;
    X509 *short_leaf =
        short_sub ? cert("Leaf", kleaf, short_sub, ksub, 0, -1 * DAY, 40 * DAY) : NULL;
    STACK_OF(X509) *short_cas = stack_of(short_sub, short_root);
    CHECK(short_leaf != NULL);
    CHECK_INT(rk_chain_check(c, short_leaf, "the leaf", short_cas, NOW), 0);
    CHECK_INT(rk_chain_check(c, short_leaf, "the leaf", short_cas, NOW + 26 * DAY), RK_EVERIFY);
    CHECK(strstr(rk_err_msg(), "the CA certificate /CN=Short root has expired") != NULL);
    sk_X509_free(short_cas);
    X509_free(short_leaf);
    X509_free(short_sub);
    X509_free(short_root);

    /* the same, on a chain checker that never saw these CA certificates */
    CHECK_INT(rk_chain_new(&c2), 0);
    CHECK_INT(rk_chain_check(c2, long_leaf, "the leaf", cas, NOW + 31 * DAY), RK_EVERIFY);
    CHECK(strstr(rk_err_msg(), "expired") != NULL);
    CHECK_INT(rk_chain_check(c2, leaf, "the leaf", NULL, NOW), RK_EVERIFY);

    rk_chain_free(c);
    rk_chain_free(c2);
    sk_X509_free(cas);
    sk_X509_free(copies);
    sk_X509_free(forged_cas);
    X509 *all[] = {root, sub, leaf, root_leaf, other, stray, forged, old, sub2, root2, long_leaf};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        X509_free(all[i]);
    EVP_PKEY *keys[] = {kroot, ksub, kleaf, kother};
    for (size_t i = 0; i < 4; i++)
        EVP_PKEY_free(keys[i]);
    return rk_test_done();
}
