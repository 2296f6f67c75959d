/*
 * The key self-check and the subscriber's PIN change (branch/selfcheck.h)
 * on demo keys (SoftHSM2 behind p11lock, which counts wrong PINs and
 * locks like a real key) through a real branch: every state a key can be
 * in gives its finding and fix; the PIN change counts tries down, stops
 * before the final try until the warning was confirmed, and never tries
 * a locked key. Every strings key the module names exists in both
 * strings files.
 */
#include "test.h"

#include "branch/branch.h"
#include "branch/keyops.h"
#include "branch/keys.h"
#include "branch/selfcheck.h"
#include "util/clock.h"
#include "util/err.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#define PIN "12345678"

static char dir[256], strings_zh[65536], strings_en[65536];
static rk_branch *b;
static int64_t now, shift;

static int64_t test_clock(void *arg)
{
    (void)arg;
    return now + shift;
}

static void die(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, rk_err_msg());
    exit(2);
}

/* 1 if the strings file text holds key "section.name" (a line "name =" in
 * [section]). */
static int has_key(const char *text, const char *key)
{
    char sect[64], line[128];
    const char *dot = strchr(key, '.');
    if (!dot) return 0;
    snprintf(sect, sizeof sect, "\n[%.*s]\n", (int)(dot - key), key);
    const char *s = strstr(text, sect);
    if (!s) return 0;
    const char *end = strstr(s + strlen(sect), "\n[");
    snprintf(line, sizeof line, "\n%s =", dot + 1);
    const char *f = strstr(s, line);
    return f && (!end || f < end);
}

static void check_key(const char *key)
{
    if (!key || !key[0]) return;
    int ok = has_key(strings_zh, key) && has_key(strings_en, key);
    if (!ok) fprintf(stderr, "strings key %s missing\n", key);
    CHECK(ok);
}

static void load_strings(char *out, size_t n, const char *lang)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/conf/strings/%s.ini", getenv("RK_SOURCE_DIR"), lang);
    FILE *f = fopen(path, "r");
    if (!f) die(path);
    out[0] = '\n';
    size_t got = fread(out + 1, 1, n - 2, f);
    out[got + 1] = '\0';
    fclose(f);
}

static void check_all_keys(const rk_selfcheck *c)
{
    for (int i = 0; i < c->n; i++) {
        check_key(c->findings[i].what);
        check_key(c->findings[i].fix);
    }
}

static void setup(void)
{
    char conf[4200];
    static rk_branch_env env;
    rk_test_tmpdir(dir, sizeof dir);
    setenv("RAKIOSK_DATA_DIR", dir, 1);
    unsetenv("SOFTHSM2_CONF");
    unsetenv("RK_P11LOCK_STATE_DIR");
    unsetenv("RK_P11LOCK_MAX_TRIES");
    unsetenv("RK_P11LOCK_PULL_AT");
    snprintf(conf, sizeof conf, "%s/conf/kiosk.conf", getenv("RK_SOURCE_DIR"));
    snprintf(env.token_module, sizeof env.token_module, "%s/app/p11lock/rkp11lock.so",
             getenv("RK_BUILD_DIR"));
    rk_branch_opts o = {.conf_path = conf, .env = &env};
    if (rk_branch_open(&b, &o)) die("branch");
    now = time(NULL);
    rk_clock_set(test_clock, NULL);
    load_strings(strings_zh, sizeof strings_zh, "zh-CN");
    load_strings(strings_en, sizeof strings_en, "en");
}

static void new_key(char *serial)
{
    char gen[RK_TOKEN_PIN_MAX];
    rk_branch_key_init_req req = {.serial = "blank", .label = "Self Check", .pin = PIN};
    if (rk_branch_key_init(b, &req, serial, gen)) die("key init");
}

/* A key pair on the key and a certificate for it valid from now - 1 day
 * for a year, signed by a throwaway software CA. */
static void put_cert(const char *serial)
{
    rk_token_ctx *ctx = NULL;
    rk_token *t = NULL;
    unsigned char id[64];
    EVP_PKEY *pub = NULL, *ca = EVP_EC_gen("P-256");
    if (rk_branch_tokens(b, serial, &ctx) || rk_token_open(&t, ctx, serial) ||
        rk_token_login(t, PIN) ||
        rk_token_keygen(id, t, RK_TOKEN_EC_P256, RK_TOKEN_SIGN, "sig", NULL, NULL) ||
        rk_token_public_key(&pub, t, id, RK_TOKEN_ID_LEN))
        die("key pair");
    X509 *c = X509_new();
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"李四", -1, -1, 0);
    ASN1_INTEGER_set(X509_get_serialNumber(c), 4242);
    X509_set_version(c, 2);
    X509_set_subject_name(c, n);
    X509_set_issuer_name(c, n);
    X509_time_adj_ex(X509_getm_notBefore(c), -1, 0, &(time_t){(time_t)now});
    X509_time_adj_ex(X509_getm_notAfter(c), 365, 0, &(time_t){(time_t)now});
    X509_set_pubkey(c, pub);
    X509_sign(c, ca, EVP_sha256());
    if (rk_token_write_cert(t, id, RK_TOKEN_ID_LEN, "sig", c, 0, NULL, NULL)) die("write cert");
    rk_token_close(t);
    X509_free(c);
    X509_NAME_free(n);
    EVP_PKEY_free(pub);
    EVP_PKEY_free(ca);
}

static const rk_selfcheck_finding *finding(const rk_selfcheck *c, const char *what)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->findings[i].what, what)) return &c->findings[i];
    return NULL;
}

static void test_selfcheck(char *s1)
{
    rk_selfcheck c;
    char s2[RK_TOKEN_SERIAL_MAX];

    /* nothing inserted but the counter's blank key */
    CHECK_INT(rk_selfcheck_key(b, NULL, &c), 0);
    CHECK_INT(c.present, 0);
    CHECK_INT(c.n, 1);
    CHECK_STR(c.findings[0].what, "selfcheck.not_found");
    CHECK_STR(c.findings[0].code, "-10101042");
    CHECK_INT(c.worst, RK_SELFCHECK_ERROR);
    check_all_keys(&c);

    /* a subscriber's key without a certificate */
    new_key(s1);
    CHECK_INT(rk_selfcheck_key(b, NULL, &c), 0);
    CHECK_STR(c.serial, s1);
    CHECK_INT(c.present, 1);
    CHECK_INT(c.certs, 0);
    CHECK(finding(&c, "selfcheck.no_cert") != NULL);
    CHECK_STR(finding(&c, "selfcheck.no_cert")->code, "-10101011");
    CHECK_INT(c.pin_state, RK_TOKEN_PIN_OK);
    CHECK(c.max_tries == 5 || c.max_tries == 10); /* its key model's */
    check_all_keys(&c);

    /* with a valid certificate: nothing to say */
    put_cert(s1);
    CHECK_INT(rk_selfcheck_key(b, NULL, &c), 0);
    CHECK_INT(c.certs, 1);
    CHECK_INT(c.keypairs, 1);
    CHECK_INT(c.n, 0);
    CHECK_INT(c.worst, RK_SELFCHECK_OK);
    CHECK(c.not_after > now + 360 * 86400LL);

    /* time passes: expiring in 6 days, then expired; before it began */
    shift = 358 * 86400LL;
    CHECK_INT(rk_selfcheck_key(b, s1, &c), 0);
    const rk_selfcheck_finding *f = finding(&c, "selfcheck.expiring");
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->arg2, "7");
        CHECK_INT(strlen(f->arg1), 10); /* YYYY-MM-DD */
        CHECK_INT(f->severity, RK_SELFCHECK_WARNING);
    }
    check_all_keys(&c);
    shift = 400 * 86400LL;
    CHECK_INT(rk_selfcheck_key(b, s1, &c), 0);
    CHECK(finding(&c, "selfcheck.expired") && !finding(&c, "selfcheck.expiring"));
    CHECK_STR(finding(&c, "selfcheck.expired")->code, "-10101039");
    CHECK_INT(c.worst, RK_SELFCHECK_ERROR);
    check_all_keys(&c);
    shift = -3 * 86400LL;
    CHECK_INT(rk_selfcheck_key(b, s1, &c), 0);
    CHECK(finding(&c, "selfcheck.not_yet") != NULL);
    check_all_keys(&c);
    shift = 0;

    /* two subscriber keys: which one? Pull the second: the first again */
    new_key(s2);
    CHECK_INT(rk_selfcheck_key(b, NULL, &c), 0);
    CHECK_INT(c.present, 0);
    CHECK(finding(&c, "selfcheck.several") != NULL);
    check_all_keys(&c);
    CHECK_INT(rk_branch_demo_key_plug(b, s2, 1), 0);
    CHECK_INT(rk_selfcheck_key(b, NULL, &c), 0);
    CHECK_STR(c.serial, s1);
    CHECK_INT(c.n, 0);

    /* a pulled key named by serial */
    CHECK_INT(rk_branch_demo_key_plug(b, s1, 1), 0);
    CHECK_INT(rk_selfcheck_key(b, s1, &c), 0);
    CHECK_INT(c.present, 0);
    CHECK(finding(&c, "selfcheck.not_found") != NULL);
    CHECK_INT(rk_branch_demo_key_plug(b, s1, 0), 0);
}

static void rule(const char *old, const char *n1, const char *n2, const char *want)
{
    const char *msg = "x";
    int rc = rk_selfcheck_pin_rules(old, n1, n2, &msg);
    CHECK_STR(msg, want);
    CHECK_INT(rc, want[0] ? RK_EINVAL : 0);
    check_key(msg);
}

static void test_pin_rules(void)
{
    rule("1234", "a1b2c3", "a1b2c3", "");
    rule("123", "a1b2c3", "a1b2c3", "selfcheck.pin_old");
    rule("", "a1b2c3", "a1b2c3", "selfcheck.pin_old");
    rule("12345678", "12345", "12345", "selfcheck.pin_length");
    rule("12345678", "12345678901234567", "12345678901234567", "selfcheck.pin_length");
    rule("12345678", "1234 56", "1234 56", "selfcheck.pin_chars");
    rule("12345678", "密码密码", "密码密码", "selfcheck.pin_chars");
    rule("12345678", "111111", "111111", "selfcheck.pin_simple");
    rule("12345678", "123456", "123456", "selfcheck.pin_simple");
    rule("12345678", "987654", "987654", "selfcheck.pin_simple");
    rule("24681357", "24681357", "24681357", "selfcheck.pin_same");
    rule("12345678", "246813", "246814", "selfcheck.pin_differ");
    rule("12345678", "246813", NULL, "selfcheck.pin_differ");
}

static rk_selfcheck_pin pin_try(const char *serial, const char *old, const char *new_pin,
                                int confirmed, int want_rc)
{
    rk_selfcheck_pin p;
    rk_selfcheck_pin_req r = {.serial = serial,
                              .old_pin = old,
                              .new_pin = new_pin,
                              .new_pin_again = new_pin,
                              .final_try_confirmed = confirmed};
    int rc = rk_selfcheck_pin_change(b, &r, &p);
    CHECK_INT(rc, want_rc);
    check_key(p.msg);
    check_key(p.warn);
    if (rc) CHECK(!strstr(rk_err_msg(), old) && !strstr(rk_err_msg(), new_pin)); /* no PIN told */
    return p;
}

static void test_pin_change(const char *s1)
{
    rk_selfcheck_pin p;
    CHECK_INT(rk_selfcheck_pin_state(b, s1, &p), 0);
    CHECK_INT(p.pin_state, RK_TOKEN_PIN_OK);
    CHECK_STR(p.warn, "");
    int max = p.max_tries;
    CHECK(max == 5 || max == 10);

    /* a rule broken: nothing tried, no try spent */
    p = pin_try(s1, "00000000", "111111", 0, RK_EINVAL);
    CHECK_STR(p.msg, "selfcheck.pin_simple");
    CHECK_INT(p.tries_left, max);

    /* wrong old PINs count down */
    p = pin_try(s1, "00000000", "a1b2c3", 0, RK_EAUTH);
    CHECK_STR(p.msg, "selfcheck.pin_wrong");
    char want[8];
    snprintf(want, sizeof want, "%d", max - 1);
    CHECK_STR(p.arg1, want);
    CHECK_INT(rk_selfcheck_pin_state(b, s1, &p), 0);
    CHECK_STR(p.warn, "selfcheck.pin_tries");
    CHECK_STR(p.arg1, want);
    rk_selfcheck c;
    CHECK_INT(rk_selfcheck_key(b, s1, &c), 0);
    CHECK(finding(&c, "selfcheck.tries_low") &&
          !strcmp(finding(&c, "selfcheck.tries_low")->arg1, want));
    for (int left = max - 2; left > 1; left--) {
        p = pin_try(s1, "00000000", "a1b2c3", 0, RK_EAUTH);
        CHECK_STR(p.msg, "selfcheck.pin_wrong");
    }
    p = pin_try(s1, "00000000", "a1b2c3", 0, RK_EAUTH);
    CHECK_STR(p.msg, "selfcheck.pin_wrong_final");
    CHECK_INT(p.tries_left, 1);

    /* the final try: warned before, refused until confirmed, no try spent */
    CHECK_INT(rk_selfcheck_pin_state(b, s1, &p), 0);
    CHECK_INT(p.pin_state, RK_TOKEN_PIN_FINAL_TRY);
    CHECK_STR(p.warn, "selfcheck.pin_final_warn");
    CHECK_INT(rk_selfcheck_key(b, s1, &c), 0);
    CHECK(finding(&c, "selfcheck.final_try") != NULL);
    CHECK_STR(finding(&c, "selfcheck.final_try")->code, "-10101019");
    p = pin_try(s1, PIN, "a1b2c3", 0, RK_ESTATE);
    CHECK_STR(p.msg, "selfcheck.pin_final_confirm");
    CHECK_INT(p.tries_left, 1);

    /* confirmed with the right PIN: changed, the tries back */
    p = pin_try(s1, PIN, "a1b2c3", 1, 0);
    CHECK_STR(p.msg, "selfcheck.pin_changed");
    CHECK_INT(p.pin_state, RK_TOKEN_PIN_OK);
    CHECK_INT(p.tries_left, max);

    /* down to the lock with the new PIN the right one */
    for (int left = max; left > 1; left--)
        pin_try(s1, PIN, "b2c3d4", 0, RK_EAUTH);
    p = pin_try(s1, PIN, "b2c3d4", 1, RK_EAUTH);
    CHECK_STR(p.msg, "selfcheck.pin_locked_now");
    CHECK_INT(p.pin_state, RK_TOKEN_PIN_LOCKED);
    /* locked: never tried, even the right PIN */
    p = pin_try(s1, "a1b2c3", "b2c3d4", 1, RK_ESTATE);
    CHECK_STR(p.msg, "selfcheck.pin_locked");
    CHECK_INT(rk_selfcheck_key(b, s1, &c), 0);
    const rk_selfcheck_finding *f = finding(&c, "selfcheck.locked");
    CHECK(f != NULL);
    if (f) CHECK(!strncmp(f->fix, "selfcheck.fix_unlock_", 21));
    check_all_keys(&c);

    /* the key pulled */
    CHECK_INT(rk_branch_demo_key_plug(b, s1, 1), 0);
    CHECK_INT(rk_selfcheck_pin_state(b, s1, &p), RK_EDEVICE);
    CHECK_STR(p.msg, "selfcheck.pin_no_key");
    p = pin_try(s1, "a1b2c3", "b2c3d4", 1, RK_EDEVICE);
    CHECK_STR(p.msg, "selfcheck.pin_no_key");
    check_key("selfcheck.all_ok");
    check_key("selfcheck.code");
    check_key("selfcheck.pin_refused");
    check_key("selfcheck.pin_failed");
    check_key("selfcheck.pin_not_set");
    check_key("selfcheck.tries_low_unknown");
    check_key("selfcheck.pin_wrong_unknown");
    check_key("selfcheck.fix_unlock_online");
    check_key("selfcheck.fix_unlock_remote");
    check_key("selfcheck.fix_unlock_counter");
}

int main(void)
{
    char s1[RK_TOKEN_SERIAL_MAX];
    setup();
    test_selfcheck(s1);
    test_pin_rules();
    test_pin_change(s1);
    rk_branch_close(b);
    if (!getenv("RK_KEEP")) rk_test_rmtree(dir);
    return rk_test_done();
}
