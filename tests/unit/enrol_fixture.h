/*
 * A branch that can enrol: the ledger fixture (ledger_fixture.h) plus the
 * demo sub-CA whose key is in an HSM token, the demo recovery pair for
 * escrowed encryption keys, and the subscribers' keys, all SoftHSM2 tokens
 * of one private store reached through app/p11lock as the demo and
 * `ractl key enrol` reach them. Paid orders of individuals (dual
 * certificates: signing on the key, escrowed encryption) and fresh keys
 * come from helpers, and the checks a cancelled or finished enrolment
 * needs (what the key holds, what the ledger and the sub-CA's register
 * say) are here too. A test file includes it once and calls
 * enrol_setup() first and enrol_teardown() last.
 */
#ifndef RK_ENROL_FIXTURE_H
#define RK_ENROL_FIXTURE_H

#include "ledger_fixture.h"

#include "ca/enrol.h"
#include "ca/escrow.h"
#include "ca/profiles.h"
#include "ca/subca.h"
#include "ca/subca_issuer.h"
#include "domain/order.h"
#include "demo/softkeys.h"
#include "token/token.h"

#include <openssl/pem.h>

#define EF_PIN     "12345678"
#define EF_HSM_PIN "hsm-pin-for-tests"

static const unsigned char ef_secret[32] = "branch secret of the enrol tests";
static char ef_module[4096], ef_cadir[4200];
static rk_actor ef_lily, ef_ray;
static rk_token_ctx *ef_ctx;
static rk_subca *ef_ca;
static rk_profiles *ef_profiles;
static rk_subca_issuer ef_issuer;
static X509 *ef_recovery;

/* The ledger fixture's time helpers, unused here (enrolment runs on the
 * system clock: the sub-CA's validity and the chain check follow it). */
__attribute__((unused)) static void ef_unused(void)
{
    (void)count;
    (void)at;
    (void)test_clock;
}

static void ef_die(const char *what)
{
    fprintf(stderr, "enrol fixture: %s: %s\n", what, rk_err_msg());
    exit(2);
}

static void enrol_setup(void)
{
    char store[600], softconf[700];
    const char *b = getenv("RK_BUILD_DIR");

    ledger_setup("boss");
    clerk(&ef_lily, "lily", "李录入", RK_ROLE_ENTRY | RK_ROLE_ISSUE);
    clerk(&ef_ray, "ray", "芮审核", RK_ROLE_REVIEW);
    snprintf(store, sizeof store, "%s/softkeys", dir);
    if (rk_softkeys_prepare(softconf, sizeof softconf, store)) ef_die("softkeys");
    setenv("SOFTHSM2_CONF", softconf, 1);
    unsetenv("RK_P11LOCK_STATE_DIR");
    unsetenv("RK_P11LOCK_PULL_AT");
    snprintf(ef_module, sizeof ef_module, "%s/app/p11lock/rkp11lock.so", b && *b ? b : "build");
    snprintf(ef_cadir, sizeof ef_cadir, "%s/ca", dir);
    rk_subca_init_opts so = {.dir = ef_cadir,
                             .hsm_module = ef_module,
                             .pin = EF_HSM_PIN,
                             .common_name = "Enrol test branch sub-CA"};
    if (rk_subca_init(&so) || rk_escrow_demo_init(ef_cadir, NULL)) ef_die("sub-CA init");
    if (rk_subca_open(&ef_ca, ef_cadir, ef_module, NULL, EF_HSM_PIN)) ef_die("sub-CA open");
    rk_subca_ledger_backed(ef_ca, 1);
    if (rk_profiles_load(&ef_profiles, conf->profiles) ||
        rk_subca_issuer_init(&ef_issuer, ef_ca, ef_profiles))
        ef_die("profiles");
    if (rk_escrow_recovery_cert(&ef_recovery, ef_cadir)) ef_die("recovery certificate");
    if (rk_token_ctx_new(&ef_ctx, ef_module)) ef_die("token module");
    rk_token_ctx_set_conf(ef_ctx, conf);
}

static void enrol_teardown(void)
{
    X509_free(ef_recovery);
    rk_subca_issuer_done(&ef_issuer);
    rk_subca_free(ef_ca); /* before the token context: they share the module */
    rk_profiles_free(ef_profiles);
    rk_token_ctx_free(ef_ctx);
    rk_ledger_free(l);
    rk_db_close(db);
    rk_conf_free(conf);
    if (!getenv("RK_KEEP")) rk_test_rmtree(dir);
}

/* Initialises the blank key as label with EF_PIN; its serial into serial
 * (RK_TOKEN_SERIAL_MAX bytes). */
static void new_key(char *serial, const char *label)
{
    rk_token_init_opts o = {
        .label = label, .secret = ef_secret, .secret_len = sizeof ef_secret, .user_pin = EF_PIN};
    if (rk_token_init(serial, NULL, ef_ctx, "blank", &o)) ef_die("key init");
}

/* An individual's order of business for name with the n extra fields
 * (names, values) after the form's own, submitted, approved and paid:
 * its reference into ref (RK_ORDER_REF_MAX bytes). */
__attribute__((unused)) static void order_with(char *ref, const char *business, const char *name,
                                               const char *const *extra_names,
                                               const char *const *extra_values, int n_extra)
{
    const char *names[12] = {"applicant_name", "applicant_id", "applicant_mobile",
                             "email",          "invoice_type", "delivery"};
    const char *values[12] = {
        name, "11010519491231002X", "13800138000", "a@example.com", "ordinary", "pickup"};
    const char *paper[] = {"application_form", "id_card"};
    int n = 6;
    for (int i = 0; i < n_extra && n < 12; i++, n++) {
        names[n] = extra_names[i];
        values[n] = extra_values[i];
    }
    rk_order_spec spec = {.business = business,
                          .subscriber = "individual",
                          .names = names,
                          .values = values,
                          .n = n,
                          .paper_docs = paper,
                          .n_paper = 2,
                          .submit = 1};
    rk_order o;
    if (rk_order_new(l, &ef_lily, &spec, &o)) ef_die("order");
    snprintf(ref, RK_ORDER_REF_MAX, "%s", o.ref);
    if (rk_order_approve(l, &ef_ray, ref, NULL) || rk_order_get(l, ref, &o) ||
        (o.fee_total > 0 && rk_order_pay(l, &ef_lily, ref, "cash", o.fee_total)))
        ef_die("approve and pay");
}

/* The same with cert_serial and key_serial (a key recovery), or none. */
static void order_for(char *ref, const char *business, const char *name, const char *cert_serial,
                      const char *key_serial)
{
    const char *names[] = {"cert_serial", "key_serial"}, *values[] = {cert_serial, key_serial};
    order_with(ref, business, name, names, values, cert_serial ? 2 : 0);
}

/* An individual's new certificate, paid. */
static void paid_order(char *ref, const char *name)
{
    order_for(ref, "new", name, NULL, NULL);
}

/* HQ's demo recovery key (the caller frees it). */
__attribute__((unused)) static EVP_PKEY *recovery_key(void)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/demo-recovery.key", ef_cadir);
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    if (!k) ef_die("recovery key");
    return k;
}

/* The options `ractl key enrol` derives for an individual's order: the
 * signing profile's algorithm, the escrowed encryption half. */
static rk_enrol_opts enrol_opts(const char *ref, const char *serial)
{
    const rk_profile *s = rk_profiles_find(ef_profiles, "individual-sign");
    const rk_profile *e = rk_profiles_find(ef_profiles, "individual-enc");
    rk_enrol_opts o = {.order_ref = ref, .key_serial = serial, .pin = EF_PIN};
    if (!s || !e) ef_die("individual profiles");
    o.alg_is_rsa = s->key_alg == RK_PROFILE_KEY_RSA_2048;
    o.enc_profile = e->name;
    o.enc_alg_is_rsa = e->key_alg == RK_PROFILE_KEY_RSA_2048;
    o.enc_escrow = e->escrow;
    o.recovery = ef_recovery;
    return o;
}

/* Objects on key serial (logged in): certificates, private keys, all. */
__attribute__((unused)) static void key_objects(const char *serial, int *certs, int *privs,
                                                int *all)
{
    rk_token *t = NULL;
    rk_token_object *obj = NULL;
    int n = 0;
    *certs = *privs = *all = -1;
    if (rk_token_open(&t, ef_ctx, serial) || rk_token_login(t, EF_PIN) ||
        rk_token_objects(&obj, &n, t)) {
        fprintf(stderr, "key %s: %s\n", serial, rk_err_msg());
        rk_token_close(t);
        return;
    }
    *certs = *privs = 0;
    *all = n;
    for (int i = 0; i < n; i++) {
        if (obj[i].kind == RK_TOKEN_OBJ_CERT) (*certs)++;
        if (obj[i].kind == RK_TOKEN_OBJ_PRIVATE_KEY) (*privs)++;
    }
    free(obj);
    rk_token_close(t);
}

/* The first column of sql with ref bound as ?1, or -1. */
static int64_t count_for(const char *sql, const char *ref)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    if (rk_db_prepare(db, &st, sql) == 0) {
        sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return n;
}

/* Certificates the ledger holds for order ref. */
__attribute__((unused)) static int64_t ledger_certs(const char *ref)
{
    return count_for("SELECT count(*) FROM certificate c JOIN orders o ON o.id = c.order_id "
                     "WHERE o.ref = ?1",
                     ref);
}

/* Open (unfinished) journal rows of order ref. */
__attribute__((unused)) static int64_t open_journals(const char *ref)
{
    return count_for("SELECT count(*) FROM enrolment e JOIN orders o ON o.id = e.order_id "
                     "WHERE o.ref = ?1 AND e.outcome IS NULL",
                     ref);
}

/* Certificates the sub-CA issued for order ref's rolled-back journal rows
 * that its register does not hold as revoked (each must be), into
 * *not_revoked; *issued their number. */
__attribute__((unused)) static void rolled_back_certs(const char *ref, int *issued,
                                                      int *not_revoked)
{
    sqlite3_stmt *st;
    *issued = *not_revoked = 0;
    if (rk_db_prepare(db, &st,
                      "SELECT e.cert_serial FROM enrolment e JOIN orders o ON o.id = e.order_id "
                      "WHERE o.ref = ?1 AND e.outcome = 'rolled_back' AND "
                      "e.cert_serial IS NOT NULL") != 0)
        return;
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        rk_subca_record r;
        (*issued)++;
        if (rk_subca_lookup(&r, ef_ca, (const char *)sqlite3_column_text(st, 0)) != 0 ||
            r.status != RK_CERT_REVOKED)
            (*not_revoked)++;
    }
    sqlite3_finalize(st);
}

#endif
