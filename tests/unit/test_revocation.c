/*
 * A lost key's whole pair reaches the CRL at once, on real SoftHSM2 keys
 * through app/p11lock and the demo sub-CA in its HSM token:
 * - a dual pair is enrolled onto a key; a lost reissue enrols a new pair
 *   onto another key, and the ledger revokes both halves of the old one
 *   (keyCompromise) in the issuing transaction;
 * - rk_castatus_publish() makes the sub-CA's register take both up and
 *   signs a new CRL that lists both with their reason (read back from
 *   crl.der with OpenSSL), the new pair absent; with nothing new it signs
 *   none;
 * - a CRL that cannot be written is an error, and the next publish signs
 *   it even though it finds nothing new to take up (a closure's pair,
 *   cessationOfOperation).
 */
#include "enrol_fixture.h"

#include "ca/castatus.h"
#include "ca/crl.h"
#include "domain/certstatus.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

/* An individual's order of business acting on cert_serial, submitted,
 * approved and paid; one more NAME=VALUE field when extra_name is set. */
static void acting_order(char *ref, const char *business, const char *cert_serial,
                         const char *extra_name, const char *extra_value)
{
    const char *names[] = {"cert_serial", "reason", extra_name};
    const char *values[] = {cert_serial, "钥匙丢失", extra_value};
    order_with(ref, business, "王挂失", names, values, extra_name ? 3 : 2);
}

/* The reason code of serial (hex, any case) on the sub-CA's crl.der: -2
 * if the CRL does not list it, -3 if there is no readable CRL; *number
 * (may be NULL) the CRL's number. */
static int crl_reason(const char *serial, long *number)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/crl.der", ef_cadir);
    FILE *f = fopen(path, "rb");
    X509_CRL *crl = f ? d2i_X509_CRL_fp(f, NULL) : NULL;
    if (f) fclose(f);
    if (!crl) return -3;
    if (number) {
        ASN1_INTEGER *num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
        *number = num ? ASN1_INTEGER_get(num) : -1;
        ASN1_INTEGER_free(num);
    }
    BIGNUM *want = NULL;
    int found = -2;
    BN_hex2bn(&want, serial);
    STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(crl);
    for (int i = 0; want && i < sk_X509_REVOKED_num(revoked); i++) {
        X509_REVOKED *r = sk_X509_REVOKED_value(revoked, i);
        BIGNUM *got = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(r), NULL);
        if (got && !BN_cmp(got, want)) {
            ASN1_ENUMERATED *e = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, NULL, NULL);
            found = e ? (int)ASN1_ENUMERATED_get(e) : -1;
            ASN1_ENUMERATED_free(e);
        }
        BN_free(got);
    }
    BN_free(want);
    X509_CRL_free(crl);
    return found;
}

/* The ledger's status of serial, "?" if it holds none. */
static const char *cert_status_of(const char *serial)
{
    static char s[16];
    if (rk_certstatus_of(l, serial, s, sizeof s, NULL, 0) != 0) snprintf(s, sizeof s, "?");
    return s;
}

static int register_status(const char *serial, int *reason)
{
    rk_subca_record r;
    if (rk_subca_lookup(&r, ef_ca, serial) != 0) return -1;
    *reason = r.reason;
    return r.status;
}

static void enrol(const char *ref, const char *key, rk_enrol_result *res)
{
    rk_enrol_opts o = enrol_opts(ref, key);
    int rc = rk_enrol_run(l, &ef_lily, ef_ctx, &ef_issuer.ops, &o, res);
    if (rc) fprintf(stderr, "enrol %s: %s\n", ref, rk_err_msg());
    CHECK_INT(rc, 0);
}

static void test_lost_pair(void)
{
    char key1[RK_TOKEN_SERIAL_MAX], key2[RK_TOKEN_SERIAL_MAX], ref[RK_ORDER_REF_MAX];
    char rref[RK_ORDER_REF_MAX], cref[RK_ORDER_REF_MAX], crlpath[4300];
    rk_enrol_result first, second;
    uint64_t number = 99, before;
    long on_crl = 0;
    int changed = -1, reason = -1;

    new_key(key1, "Lost key");
    paid_order(ref, "王挂失");
    enrol(ref, key1, &first);
    CHECK(first.cert_serial[0] && first.enc_cert_serial[0]);
    CHECK_INT(rk_castatus_publish(l, ef_ca, &ef_lily, &changed, &number), 0);
    CHECK_INT(number, 0); /* nothing revoked yet: no CRL is due */

    /* The key is lost: a reissue onto a new key. */
    new_key(key2, "Replacement key");
    acting_order(rref, "reissue", first.cert_serial, NULL, NULL);
    enrol(rref, key2, &second);
    CHECK_STR(cert_status_of(first.cert_serial), "revoked");
    CHECK_STR(cert_status_of(first.enc_cert_serial), "revoked");
    CHECK_STR(cert_status_of(second.cert_serial), "valid");
    CHECK_STR(cert_status_of(second.enc_cert_serial), "valid");

    /* The CRL says so at once. */
    CHECK_INT(rk_castatus_publish(l, ef_ca, &ef_lily, &changed, &number), 0);
    CHECK_INT(changed, 2);
    CHECK(number > 0);
    CHECK_INT(register_status(first.cert_serial, &reason), RK_CERT_REVOKED);
    CHECK_INT(reason, RK_CRL_KEY_COMPROMISE);
    CHECK_INT(register_status(first.enc_cert_serial, &reason), RK_CERT_REVOKED);
    CHECK_INT(reason, RK_CRL_KEY_COMPROMISE);
    CHECK_INT(crl_reason(first.cert_serial, &on_crl), RK_CRL_KEY_COMPROMISE);
    CHECK_INT(on_crl, (long)number);
    CHECK_INT(crl_reason(first.enc_cert_serial, NULL), RK_CRL_KEY_COMPROMISE);
    CHECK_INT(crl_reason(second.cert_serial, NULL), -2);
    CHECK_INT(crl_reason(second.enc_cert_serial, NULL), -2);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'ca.crl' AND detail LIKE "
                    "'%2 status changes taken up%'"),
              1);
    before = number;
    CHECK_INT(rk_castatus_publish(l, ef_ca, &ef_lily, &changed, &number), 0);
    CHECK_INT(changed, 0);
    CHECK_INT(number, 0);

    /* The unit closes: the new pair is revoked, but the CRL cannot be
     * written; the next publish, with nothing new to take up, signs it. */
    acting_order(cref, "revoke", second.enc_cert_serial, "revoke_cause", "closure");
    CHECK_INT(rk_order_issue(l, &ef_lily, cref, NULL), 0);
    CHECK_STR(cert_status_of(second.cert_serial), "revoked");
    snprintf(crlpath, sizeof crlpath, "%s/crl.der", ef_cadir);
    char kept[4400];
    snprintf(kept, sizeof kept, "%s.kept", crlpath);
    CHECK_INT(rename(crlpath, kept), 0);
    CHECK_INT(mkdir(crlpath, 0700), 0); /* a folder in the file's place */
    CHECK(rk_castatus_publish(l, ef_ca, &ef_lily, &changed, &number) != 0);
    CHECK(strstr(rk_err_msg(), "no new CRL was signed") != NULL);
    CHECK_INT(changed, 2);
    CHECK_INT(rmdir(crlpath), 0);
    CHECK_INT(rk_castatus_publish(l, ef_ca, &ef_lily, &changed, &number), 0);
    CHECK_INT(changed, 0);
    CHECK(number > before + 1); /* the failed one used its number */
    CHECK_INT(crl_reason(second.cert_serial, NULL), RK_CRL_CESSATION);
    CHECK_INT(crl_reason(second.enc_cert_serial, NULL), RK_CRL_CESSATION);
    CHECK_INT(crl_reason(first.enc_cert_serial, NULL), RK_CRL_KEY_COMPROMISE);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'ca.crl' AND detail LIKE "
                    "'%due since a change%'"),
              1);
    CHECK_INT(rk_castatus_publish(l, ef_ca, NULL, &changed, &number), 0);
    CHECK_INT(number, 0);
}

int main(void)
{
    enrol_setup();
    test_lost_pair();
    enrol_teardown();
    return rk_test_done();
}
