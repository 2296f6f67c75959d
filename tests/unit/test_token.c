/*
 * The USB key layer on real SoftHSM2 tokens through the p11lock module:
 * initialise a blank key, key pairs, CSR, certificate write and read-back,
 * PIN change, the retry counter and lockout, unlock by the SO, a key pulled
 * mid-operation, and the plug/pull watcher. The test has its own SoftHSM
 * store in a temporary folder.
 */
#include "test.h"

#include "demo/softkeys.h"
#include "token/token.h"
#include "util/spki.h"
#include "util/clock.h"
#include "util/err.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

static const unsigned char SECRET[32] = "branch secret for the test only";
static char g_state[4096];

static void module_path(char *out, size_t n)
{
    const char *b = getenv("RK_BUILD_DIR");
    snprintf(out, n, "%s/app/p11lock/rkp11lock.so", b && *b ? b : "build");
}

/* ---- a small test CA ----------------------------------------------------- */

static X509 *make_cert(X509_NAME *subject, EVP_PKEY *pub, X509 *ca, EVP_PKEY *ca_key, int is_ca)
{
    X509 *c = X509_new();
    unsigned char sn[12];
    RAND_bytes(sn, sizeof sn);
    sn[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(sn, sizeof sn, NULL);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c));
    BN_free(bn);
    X509_set_version(c, 2);
    X509_set_subject_name(c, subject);
    X509_set_issuer_name(c, ca ? X509_get_subject_name(ca) : subject);
    X509_time_adj_ex(X509_getm_notBefore(c), 0, -3600, NULL);
    X509_time_adj_ex(X509_getm_notAfter(c), 365, 0, NULL);
    X509_set_pubkey(c, pub);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, ca ? ca : c, c, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
                                              is_ca ? "critical,CA:TRUE" : "CA:FALSE");
    X509_add_ext(c, ext, -1);
    X509_EXTENSION_free(ext);
    ext = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage,
                              is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    X509_add_ext(c, ext, -1);
    X509_EXTENSION_free(ext);
    X509_sign(c, ca_key, EVP_sha256());
    return c;
}

static X509_NAME *name(const char *cn)
{
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"CN", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    return n;
}

/* ---- progress and watcher helpers --------------------------------------- */

static int g_last_pct = -1;
static int on_progress(void *arg, const rk_progress *p)
{
    (void)arg;
    CHECK(p->step && *p->step);
    CHECK(p->text && *p->text);
    CHECK(p->op == RK_OP_TOKEN_INIT || p->op == RK_OP_KEYGEN || p->op == RK_OP_CERT_WRITE);
    CHECK(p->percent >= g_last_pct);
    g_last_pct = p->percent;
    return 0;
}

/* Cancels at the step whose code is arg; counts the reports after it. */
static int g_after_cancel;
static int cancel_at(void *arg, const rk_progress *p)
{
    if (g_after_cancel >= 0) g_after_cancel++;
    if (strcmp(p->step, (const char *)arg)) return 0;
    g_after_cancel = 0;
    return 1;
}

typedef struct watch_log {
    pthread_mutex_t mu;
    char events[64][24];
    int n;
} watch_log;

static int on_watch(void *arg, const char *serial, int inserted)
{
    watch_log *w = arg;
    pthread_mutex_lock(&w->mu);
    if (w->n < 64) snprintf(w->events[w->n++], 24, "%c%s", inserted ? '+' : '-', serial);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

typedef struct watch_thread {
    rk_token_ctx *ctx;
    atomic_int cancel;
    watch_log log;
    int rc;
} watch_thread;

static void *watch_main(void *p)
{
    watch_thread *w = p;
    w->rc = rk_token_watch(w->ctx, 20, &w->cancel, on_watch, &w->log);
    return NULL;
}

static int seen(watch_log *w, const char *event)
{
    int found = 0;
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < w->n; i++)
        if (!strcmp(w->events[i], event)) found = 1;
    pthread_mutex_unlock(&w->mu);
    return found;
}

static int wait_seen(watch_log *w, const char *event)
{
    for (int i = 0; i < 200; i++) {
        if (seen(w, event)) return 1;
        usleep(10000);
    }
    return 0;
}

/* ---- tests --------------------------------------------------------------- */

static void test_derive(void)
{
    char a[32], b[32], c[32];
    CHECK_INT(rk_token_derive_so_pin(a, sizeof a, SECRET, sizeof SECRET, "1c5239539728fe3a"), 0);
    CHECK_INT(rk_token_derive_so_pin(b, sizeof b, SECRET, sizeof SECRET, "1c5239539728fe3a"), 0);
    CHECK_INT(rk_token_derive_so_pin(c, sizeof c, SECRET, sizeof SECRET, "1c5239539728fe3b"), 0);
    CHECK_STR(a, b);
    CHECK(strcmp(a, c) != 0);
    CHECK_INT(strlen(a), 16);
    CHECK_INT(strspn(a, "0123456789"), 16);
    CHECK_INT(rk_token_derive_so_pin(a, sizeof a, SECRET, 8, "x"), RK_EINVAL);
}

static void count_objects(rk_token *t, int *certs, int *privs, int *pubs)
{
    rk_token_object *objs;
    int n;
    *certs = *privs = *pubs = -1;
    if (rk_token_objects(&objs, &n, t) != 0) return;
    *certs = *privs = *pubs = 0;
    for (int i = 0; i < n; i++) {
        if (objs[i].kind == RK_TOKEN_OBJ_CERT) ++*certs;
        if (objs[i].kind == RK_TOKEN_OBJ_PRIVATE_KEY) ++*privs;
        if (objs[i].kind == RK_TOKEN_OBJ_PUBLIC_KEY) ++*pubs;
    }
    free(objs);
}

static void test_key_lifecycle(rk_token_ctx *ctx)
{
    char serial[RK_TOKEN_SERIAL_MAX], pin[RK_TOKEN_PIN_MAX], other[RK_TOKEN_SERIAL_MAX];
    rk_token_info *list, info;
    rk_token *t;
    int n, rc;

    /* A blank key is inserted. */
    CHECK_INT(rk_token_list(&list, &n, ctx), 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_INT(list[0].initialised, 0);
        CHECK_INT(list[0].pin_state, RK_TOKEN_PIN_NOT_SET);
    }
    free(list);

    /* Initialise it with a generated PIN. */
    rk_token_init_opts o = {"Zhang San signing", SECRET, sizeof SECRET, NULL, on_progress, NULL};
    g_last_pct = -1;
    rc = rk_token_init(serial, pin, ctx, "blank", &o);
    CHECK_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "init: %s\n", rk_err_msg());
        return;
    }
    CHECK_INT(g_last_pct, 100);
    CHECK_INT(strlen(serial), 16);
    CHECK_INT(strlen(pin), 6);
    CHECK_INT(strspn(pin, "0123456789"), 6);
    CHECK_INT(rk_token_info_get(&info, ctx, serial), 0);
    CHECK_STR(info.label, "Zhang San signing");
    CHECK_INT(info.initialised, 1);
    CHECK_INT(info.pin_state, RK_TOKEN_PIN_OK);
    CHECK_INT(info.max_tries, 5);
    CHECK_INT(info.tries_left, 5);
    char pin2[RK_TOKEN_PIN_MAX];
    o.progress = NULL;
    CHECK_INT(rk_token_init(other, pin2, ctx, serial, &o), RK_ESTATE);
    o.user_pin = "12";
    CHECK_INT(rk_token_init(other, NULL, ctx, "blank", &o), RK_EINVAL);
    /* Cancelled before the key is touched: it stays blank. */
    o.user_pin = "123456";
    o.progress = cancel_at;
    o.progress_arg = "init";
    g_after_cancel = -1;
    CHECK_INT(rk_token_init(other, NULL, ctx, "blank", &o), RK_ECANCELED);
    CHECK(strstr(rk_err_msg(), "cancelled") != NULL);
    CHECK_INT(g_after_cancel, 0);
    CHECK_INT(rk_token_info_get(&info, ctx, "blank"), 0);
    CHECK_INT(info.initialised, 0);
    o.progress = NULL;

    CHECK_INT(rk_token_open(&t, ctx, serial), 0);
    if (!t) return;
    CHECK_STR(rk_token_serial(t), serial);

    /* A wrong PIN counts; the right one resets. */
    CHECK_INT(rk_token_login(t, strcmp(pin, "000000") ? "000000" : "111111"), RK_EAUTH);
    CHECK(strstr(rk_err_msg(), "wrong PIN, 4 tries left") != NULL);
    CHECK_INT(rk_token_status(&info, t), 0);
    CHECK_INT(info.pin_state, RK_TOKEN_PIN_COUNT_LOW);
    CHECK_INT(info.tries_left, 4);
    CHECK_INT(rk_token_login(t, pin), 0);
    CHECK_INT(rk_token_status(&info, t), 0);
    CHECK_INT(info.pin_state, RK_TOKEN_PIN_OK);

    /* Key pairs on the key. */
    unsigned char ec[RK_TOKEN_ID_LEN], rsa[RK_TOKEN_ID_LEN], enc[RK_TOKEN_ID_LEN];
    g_last_pct = -1;
    CHECK_INT(rk_token_keygen(ec, t, RK_TOKEN_EC_P256, RK_TOKEN_SIGN, "sign", on_progress, NULL),
              0);
    CHECK_INT(rk_token_keygen(rsa, t, RK_TOKEN_RSA_2048, RK_TOKEN_SIGN, "rsa-sign", NULL, NULL), 0);
    CHECK_INT(rk_token_keygen(enc, t, RK_TOKEN_EC_P256, RK_TOKEN_ENCRYPT, "enc", NULL, NULL), 0);
    CHECK(memcmp(ec, rsa, RK_TOKEN_ID_LEN) != 0);
    /* Cancelled before the key works: nothing made (the object count
     * below finds exactly the three pairs). */
    unsigned char none[RK_TOKEN_ID_LEN];
    g_after_cancel = -1;
    CHECK_INT(
        rk_token_keygen(none, t, RK_TOKEN_EC_P256, RK_TOKEN_SIGN, "never", cancel_at, "keygen"),
        RK_ECANCELED);
    CHECK_INT(g_after_cancel, 0);

    /* CSRs signed on the key verify with the key's public key. */
    X509_NAME *subj = name("Zhang San");
    X509_REQ *req = NULL, *req2 = NULL, *req3 = NULL;
    EVP_PKEY *pub = NULL, *pub2 = NULL;
    CHECK_INT(rk_token_csr(&req, t, ec, RK_TOKEN_ID_LEN, subj), 0);
    CHECK_INT(rk_token_public_key(&pub, t, ec, RK_TOKEN_ID_LEN), 0);
    if (!pub) fprintf(stderr, "public key: %s\n", rk_err_msg());
    CHECK(req && pub && X509_REQ_verify(req, pub) == 1);
    CHECK(pub && EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC);
    /* The request carries the key as encoded; rk_spki_pkey gives it back,
     * and its DER, as an issuer elsewhere reads it, verifies too. */
    EVP_PKEY *req_key = NULL;
    CHECK_INT(rk_spki_pkey(&req_key, X509_REQ_get_X509_PUBKEY(req)), 0);
    CHECK(req_key && pub && EVP_PKEY_eq(req_key, pub) == 1);
    EVP_PKEY_free(req_key);
    unsigned char *req_der = NULL;
    int req_len = req ? i2d_X509_REQ(req, &req_der) : 0;
    const unsigned char *rp = req_der;
    X509_REQ *parsed = req_len > 0 ? d2i_X509_REQ(NULL, &rp, req_len) : NULL;
    CHECK(parsed && X509_REQ_verify(parsed, X509_REQ_get0_pubkey(parsed)) == 1);
    X509_REQ_free(parsed);
    OPENSSL_free(req_der);
    CHECK_INT(rk_token_csr(&req2, t, rsa, RK_TOKEN_ID_LEN, subj), 0);
    CHECK_INT(rk_token_public_key(&pub2, t, rsa, RK_TOKEN_ID_LEN), 0);
    CHECK(req2 && pub2 && X509_REQ_verify(req2, pub2) == 1);
    CHECK(pub2 && EVP_PKEY_get_bits(pub2) == 2048);
    CHECK(req && pub2 && X509_REQ_verify(req, pub2) != 1); /* not some other key */
    /* The encryption key has no CKA_SIGN: the key itself refuses. */
    CHECK(rk_token_csr(&req3, t, enc, RK_TOKEN_ID_LEN, subj) != 0);
    CHECK(req3 == NULL);

    /* A certificate from a test CA, written and read back. */
    EVP_PKEY *ca_key = EVP_EC_gen("P-256");
    X509_NAME *ca_name = name("Test Branch CA");
    X509 *ca = make_cert(ca_name, ca_key, NULL, ca_key, 1);
    X509 *cert = make_cert(subj, pub, ca, ca_key, 0);
    X509 *wrong = make_cert(subj, pub2, ca, ca_key, 0);
    STACK_OF(X509) *cas = sk_X509_new_null();
    sk_X509_push(cas, ca);
    CHECK_INT(rk_token_write_cert(t, ec, RK_TOKEN_ID_LEN, "Zhang San", wrong, 0, NULL, NULL),
              RK_EVERIFY);
    g_last_pct = -1;
    CHECK_INT(rk_token_write_cert(t, ec, RK_TOKEN_ID_LEN, "Zhang San", cert, 0, on_progress, NULL),
              0);
    CHECK_INT(rk_token_write_cert(t, ec, RK_TOKEN_ID_LEN, "Zhang San", cert, 0, NULL, NULL),
              RK_EEXIST);
    CHECK_INT(rk_token_verify_cert(t, ec, RK_TOKEN_ID_LEN, cert, cas), 0);
    CHECK_INT(rk_token_verify_cert(t, ec, RK_TOKEN_ID_LEN, wrong, NULL), RK_EVERIFY);
    /* A write cancelled after the check writes nothing. */
    CHECK_INT(rk_token_write_cert(t, rsa, RK_TOKEN_ID_LEN, "x", wrong, 0, cancel_at, "write"),
              RK_ECANCELED);
    CHECK_INT(rk_token_verify_cert(t, rsa, RK_TOKEN_ID_LEN, NULL, NULL), RK_ENOTFOUND);
    /* Chain check against another CA fails. */
    EVP_PKEY *ca2_key = EVP_EC_gen("P-256");
    X509 *ca2 = make_cert(ca_name, ca2_key, NULL, ca2_key, 1);
    STACK_OF(X509) *cas2 = sk_X509_new_null();
    sk_X509_push(cas2, ca2);
    CHECK_INT(rk_token_verify_cert(t, ec, RK_TOKEN_ID_LEN, cert, cas2), RK_EVERIFY);
    /* Replace keeps one certificate per key pair. */
    X509 *cert2 = make_cert(subj, pub, ca, ca_key, 0);
    CHECK_INT(rk_token_write_cert(t, ec, RK_TOKEN_ID_LEN, "Zhang San", cert2, 1, NULL, NULL), 0);
    CHECK_INT(rk_token_verify_cert(t, ec, RK_TOKEN_ID_LEN, cert2, cas), 0);

    rk_token_object *objs;
    int nobj, certs = 0, privs = 0, pubs = 0;
    CHECK_INT(rk_token_objects(&objs, &nobj, t), 0);
    for (int i = 0; i < nobj; i++) {
        if (objs[i].kind == RK_TOKEN_OBJ_CERT) {
            certs++;
            CHECK(strstr(objs[i].subject, "CN=Zhang San") != NULL);
            CHECK(objs[i].not_after > rk_clock_now() + 364 * 86400LL);
            CHECK(objs[i].not_before < rk_clock_now());
            CHECK(objs[i].id_len == RK_TOKEN_ID_LEN && !memcmp(objs[i].id, ec, RK_TOKEN_ID_LEN));
            CHECK(strlen(objs[i].serial_hex) > 0);
        }
        if (objs[i].kind == RK_TOKEN_OBJ_PRIVATE_KEY) privs++;
        if (objs[i].kind == RK_TOKEN_OBJ_PUBLIC_KEY) pubs++;
    }
    free(objs);
    CHECK_INT(certs, 1);
    CHECK_INT(privs, 3);
    CHECK_INT(pubs, 3);

    /* PIN change: a wrong old PIN counts, the right one works. */
    CHECK_INT(rk_token_change_pin(t, "99999999", "24680135"), RK_EAUTH);
    CHECK(strstr(rk_err_msg(), "4 tries left") != NULL);
    CHECK_INT(rk_token_change_pin(t, pin, "24680135"), 0);
    CHECK_INT(rk_token_login(t, "24680135"), 0);
    CHECK_INT(rk_token_login(t, pin), RK_EAUTH);
    CHECK_INT(rk_token_login(t, "24680135"), 0);

    /* Five wrong PINs lock a 5-try key; the right PIN is then refused. */
    for (int i = 1; i <= 5; i++) {
        rc = rk_token_login(t, "13579135");
        CHECK_INT(rc, RK_EAUTH);
        CHECK_INT(rk_token_status(&info, t), 0);
        if (i == 4) {
            CHECK(strstr(rk_err_msg(), "1 try left") != NULL);
            CHECK_INT(info.pin_state, RK_TOKEN_PIN_FINAL_TRY);
            CHECK(info.flags & 0x20000UL); /* CKF_USER_PIN_FINAL_TRY */
        }
        if (i < 4) CHECK_INT(info.pin_state, RK_TOKEN_PIN_COUNT_LOW);
    }
    CHECK(strstr(rk_err_msg(), "locked after too many wrong PINs") != NULL);
    CHECK_INT(info.pin_state, RK_TOKEN_PIN_LOCKED);
    CHECK_INT(info.tries_left, 0);
    CHECK_INT(rk_token_login(t, "24680135"), RK_EAUTH);
    CHECK(strstr(rk_err_msg(), "a clerk can unlock it") != NULL);
    CHECK_INT(rk_token_change_pin(t, "24680135", "11223344"), RK_EAUTH);

    /* Unlock: the wrong branch secret is refused, the right one works. */
    unsigned char bad[32];
    memset(bad, 7, sizeof bad);
    CHECK_INT(rk_token_unlock(t, bad, sizeof bad, "55667788"), RK_EAUTH);
    CHECK_INT(rk_token_unlock(t, SECRET, sizeof SECRET, "55667788"), 0);
    CHECK_INT(rk_token_status(&info, t), 0);
    CHECK_INT(info.pin_state, RK_TOKEN_PIN_OK);
    CHECK_INT(rk_token_login(t, "55667788"), 0);
    count_objects(t, &certs, &privs, &pubs);
    CHECK_INT(certs, 1);
    CHECK_INT(privs, 3);
    CHECK_INT(pubs, 3);
    CHECK_INT(rk_token_verify_cert(t, ec, RK_TOKEN_ID_LEN, cert2, cas), 0);

    /* A per-key limit (the key model's) applies. */
    CHECK_INT(rk_softkeys_set_max_tries(g_state, serial, 3), 0);
    CHECK_INT(rk_token_status(&info, t), 0);
    CHECK_INT(info.max_tries, 3);
    CHECK_INT(info.tries_left, 3);
    CHECK_INT(rk_softkeys_set_max_tries(g_state, serial, 5), 0);

    /* Pulled mid-operation: RK_EDEVICE, never a crash; back in, it works. */
    CHECK_INT(rk_softkeys_set_pulled(g_state, serial, 1), 0);
    CHECK_INT(rk_token_objects(&objs, &nobj, t), RK_EDEVICE);
    CHECK(strstr(rk_err_msg(), "removed") != NULL);
    CHECK_INT(rk_token_keygen(enc, t, RK_TOKEN_EC_P256, RK_TOKEN_SIGN, "x", NULL, NULL),
              RK_EDEVICE);
    CHECK_INT(rk_token_write_cert(t, ec, RK_TOKEN_ID_LEN, "x", cert2, 1, NULL, NULL), RK_EDEVICE);
    CHECK_INT(rk_token_info_get(&info, ctx, serial), RK_EDEVICE);
    rk_token_close(t);
    t = NULL;
    CHECK_INT(rk_token_open(&t, ctx, serial), RK_EDEVICE);
    CHECK(strstr(rk_err_msg(), "not inserted") != NULL);
    CHECK_INT(rk_softkeys_set_pulled(g_state, serial, 0), 0);
    CHECK_INT(rk_token_open(&t, ctx, serial), 0);
    if (t) {
        CHECK_INT(rk_token_login(t, "55667788"), 0);
        CHECK_INT(rk_token_verify_cert(t, ec, RK_TOKEN_ID_LEN, cert2, cas), 0);
        /* A pair made and certified in this session is read back by the
         * certificate's handle: still checked against what was written,
         * and a certificate removed since (by another program) is missed. */
        unsigned char fresh[RK_TOKEN_ID_LEN];
        EVP_PKEY *fpub = NULL;
        CHECK_INT(rk_token_keygen(fresh, t, RK_TOKEN_EC_P256, RK_TOKEN_SIGN, "fresh", NULL, NULL),
                  0);
        CHECK_INT(rk_token_public_key(&fpub, t, fresh, RK_TOKEN_ID_LEN), 0);
        X509 *fcert = fpub ? make_cert(subj, fpub, ca, ca_key, 0) : NULL;
        X509 *fother = fpub ? make_cert(subj, fpub, ca, ca_key, 0) : NULL; /* same key */
        CHECK(fcert && fother);
        CHECK_INT(rk_token_write_cert(t, fresh, RK_TOKEN_ID_LEN, "fresh", fcert, 0, NULL, NULL), 0);
        CHECK_INT(rk_token_verify_cert(t, fresh, RK_TOKEN_ID_LEN, fcert, cas), 0);
        CHECK_INT(rk_token_verify_cert(t, fresh, RK_TOKEN_ID_LEN, fother, cas), RK_EVERIFY);
        CHECK(strstr(rk_err_msg(), "differs from the one written") != NULL);
        rk_token *t2 = NULL;
        CHECK_INT(rk_token_open(&t2, ctx, serial), 0);
        CHECK(t2 && rk_token_login(t2, "55667788") == 0);
        CHECK(t2 && rk_token_delete_pair(t2, fresh, RK_TOKEN_ID_LEN) == 0);
        rk_token_close(t2);
        CHECK_INT(rk_token_verify_cert(t, fresh, RK_TOKEN_ID_LEN, fcert, cas), RK_ENOTFOUND);
        CHECK(strstr(rk_err_msg(), "no certificate for that key pair") != NULL);
        X509_free(fcert);
        X509_free(fother);
        EVP_PKEY_free(fpub);
        /* Pulled between login and signing the CSR. */
        CHECK_INT(rk_softkeys_set_pulled(g_state, serial, 1), 0);
        X509_REQ *r4 = NULL;
        CHECK_INT(rk_token_csr(&r4, t, ec, RK_TOKEN_ID_LEN, subj), RK_EDEVICE);
        CHECK_INT(rk_softkeys_set_pulled(g_state, serial, 0), 0);
        rk_token_close(t);
    }

    X509_REQ_free(req);
    X509_REQ_free(req2);
    EVP_PKEY_free(pub);
    EVP_PKEY_free(pub2);
    X509_NAME_free(subj);
    X509_NAME_free(ca_name);
    X509_free(cert);
    X509_free(cert2);
    X509_free(wrong);
    sk_X509_pop_free(cas, X509_free);
    sk_X509_pop_free(cas2, X509_free);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(ca2_key);
}

static void test_watch(rk_token_ctx *ctx)
{
    rk_token_info *list;
    int n;
    char serial[RK_TOKEN_SERIAL_MAX] = "";

    CHECK_INT(rk_token_list(&list, &n, ctx), 0);
    for (int i = 0; i < n; i++)
        if (list[i].initialised) snprintf(serial, sizeof serial, "%s", list[i].serial);
    free(list);
    CHECK(*serial);

    watch_thread w;
    memset(&w, 0, sizeof w);
    w.ctx = ctx;
    pthread_mutex_init(&w.log.mu, NULL);
    atomic_init(&w.cancel, 0);
    pthread_t th;
    pthread_create(&th, NULL, watch_main, &w);
    char plus[24], minus[24];
    snprintf(plus, sizeof plus, "+%s", serial);
    snprintf(minus, sizeof minus, "-%s", serial);
    CHECK(wait_seen(&w.log, plus));     /* present at the start */
    CHECK(wait_seen(&w.log, "+blank")); /* SoftHSM's free slot: the blank key */
    CHECK(!seen(&w.log, minus));
    CHECK_INT(rk_softkeys_set_pulled(g_state, serial, 1), 0);
    CHECK(wait_seen(&w.log, minus));
    CHECK_INT(rk_softkeys_set_pulled(g_state, "blank", 1), 0);
    CHECK(wait_seen(&w.log, "-blank"));
    int before = w.log.n;
    CHECK_INT(rk_softkeys_set_pulled(g_state, serial, 0), 0);
    CHECK_INT(rk_softkeys_set_pulled(g_state, "blank", 0), 0);
    for (int i = 0; i < 200 && w.log.n < before + 2; i++)
        usleep(10000);
    CHECK_INT(w.log.n, before + 2);
    atomic_store(&w.cancel, 1);
    pthread_join(th, NULL);
    CHECK_INT(w.rc, 0);
    pthread_mutex_destroy(&w.log.mu);
    int pulled = 1;
    CHECK_INT(rk_softkeys_is_pulled(&pulled, g_state, serial), 0);
    CHECK_INT(pulled, 0);
}

int main(void)
{
    char dir[4096], store[4200], conf[4300], module[4096];
    rk_token_ctx *ctx = NULL;

    test_derive();
    rk_test_tmpdir(dir, sizeof dir);
    snprintf(store, sizeof store, "%s/keys", dir);
    CHECK_INT(rk_softkeys_prepare(conf, sizeof conf, store), 0);
    rk_softkeys_state_dir(g_state, sizeof g_state, store);
    setenv("SOFTHSM2_CONF", conf, 1);
    unsetenv("RK_P11LOCK_STATE_DIR");
    unsetenv("RK_P11LOCK_MAX_TRIES");
    module_path(module, sizeof module);
    CHECK_INT(rk_token_ctx_new(&ctx, "/nonexistent/module.so"), RK_EDEVICE);
    int rc = rk_token_ctx_new(&ctx, module);
    CHECK_INT(rc, 0);
    if (rc == 0) {
        test_key_lifecycle(ctx);
        test_watch(ctx);
    } else {
        fprintf(stderr, "%s\n", rk_err_msg());
    }
    rk_token_ctx_free(ctx);
    rk_test_rmtree(dir);
    return rk_test_done();
}
