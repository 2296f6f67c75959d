/*
 * Unit tests of enrolment progress and cancellation (ca/enrol.h) on real
 * SoftHSM2 keys through app/p11lock and the demo sub-CA in its HSM token:
 * - a whole enrolment reports every step of both halves, under one
 *   operation, with a percentage that never goes back, ending at 100;
 * - cancelled at each step boundary, and inside the key's own operations,
 *   it returns RK_ECANCELED and leaves the order as it was: no
 *   certificate on the key or in the ledger, every certificate the sub-CA
 *   issued for it revoked, no open journal, no unbound escrowed key; the
 *   same order then enrols to the end on the same key;
 * - a key recovery cancelled mid-way leaves nothing on the new key.
 */
#include "enrol_fixture.h"

/* What a progress callback saw; it cancels at the nth report of step
 * (and item, when given). */
typedef struct seen {
    int n, bad_op, backwards, last;
    char steps[64][24];
    const char *cancel_step, *cancel_item;
    int cancel_nth, matched, after_cancel, cancelled;
} seen;

static int on_progress(void *arg, const rk_progress *p)
{
    seen *s = arg;
    if (p->op != RK_OP_ENROL && p->op != RK_OP_RECOVER) s->bad_op++;
    if (p->percent < s->last) s->backwards++;
    s->last = p->percent;
    if (s->n < 64)
        snprintf(s->steps[s->n], sizeof s->steps[0], "%s/%s", p->step, p->item ? p->item : "");
    s->n++;
    if (s->cancelled) {
        if (strcmp(p->step, "rollback")) s->after_cancel++;
        return 1;
    }
    if (s->cancel_step && !strcmp(p->step, s->cancel_step) &&
        (!s->cancel_item || (p->item && !strcmp(p->item, s->cancel_item))) &&
        ++s->matched == s->cancel_nth) {
        s->cancelled = 1;
        return 1;
    }
    return 0;
}

static int saw(const seen *s, const char *step_item)
{
    for (int i = 0; i < s->n && i < 64; i++)
        if (!strcmp(s->steps[i], step_item)) return 1;
    return 0;
}

static char g_enc_serial[64], g_key[RK_TOKEN_SERIAL_MAX];

static void test_whole(void)
{
    char key[RK_TOKEN_SERIAL_MAX], ref[RK_ORDER_REF_MAX];
    seen s;
    rk_enrol_result res;
    int certs, privs, all;

    memset(&s, 0, sizeof s);
    new_key(key, "Whole run");
    paid_order(ref, "王全程");
    rk_enrol_opts o = enrol_opts(ref, key);
    o.progress = on_progress;
    o.progress_arg = &s;
    int rc = rk_enrol_run(l, &ef_lily, ef_ctx, &ef_issuer.ops, &o, &res);
    if (rc) fprintf(stderr, "enrol: %s\n", rk_err_msg());
    CHECK_INT(rc, 0);
    CHECK_INT(s.bad_op, 0);
    CHECK_INT(s.backwards, 0);
    CHECK_INT(s.last, 100);
    CHECK(s.n > 10);
    static const char *const want[] = {"keygen/sign", "cert/sign", "write/sign", "verify/sign",
                                       "keygen/enc",  "cert/enc",  "write/enc",  "verify/enc",
                                       "commit/",     "done/"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!saw(&s, want[i])) fprintf(stderr, "no report %s\n", want[i]);
        CHECK(saw(&s, want[i]));
    }
    CHECK(!strcmp(s.steps[0], "keygen/sign"));
    CHECK(s.n <= 64 && !strcmp(s.steps[s.n - 1], "done/"));
    CHECK(res.cert_serial[0] && res.enc_cert_serial[0]);
    CHECK_INT(ledger_certs(ref), 2);
    CHECK_INT(open_journals(ref), 0);
    key_objects(key, &certs, &privs, &all);
    CHECK_INT(certs, 2);
    CHECK_INT(privs, 2);
    snprintf(g_enc_serial, sizeof g_enc_serial, "%s", res.enc_cert_serial);
    snprintf(g_key, sizeof g_key, "%s", key);
}

/* A key recovery of test_whole's encryption certificate onto a new key,
 * cancelled before the certificate is written and then run to the end. */
static void test_recover_cancel(void)
{
    char key[RK_TOKEN_SERIAL_MAX], ref[RK_ORDER_REF_MAX];
    seen s;
    rk_enrol_result res;
    rk_order ord;
    int certs, privs, all;
    EVP_PKEY *rkey = recovery_key();

    memset(&s, 0, sizeof s);
    s.cancel_step = "write";
    s.cancel_nth = 1;
    new_key(key, "Recovered");
    order_for(ref, "recovery", "王全程", g_enc_serial, g_key);
    rk_recover_opts o = {.order_ref = ref,
                         .key_serial = key,
                         .pin = EF_PIN,
                         .open_key = rkey,
                         .progress = on_progress,
                         .progress_arg = &s};
    int rc = rk_enrol_recover(l, &ef_lily, ef_ctx, &ef_issuer.ops, &o, &res);
    if (rc != RK_ECANCELED) fprintf(stderr, "recover: %s\n", rk_err_msg());
    CHECK_INT(rc, RK_ECANCELED);
    CHECK_INT(s.bad_op, 0);
    CHECK_INT(s.backwards, 0);
    CHECK(saw(&s, "import/enc"));
    CHECK(saw(&s, "rollback/"));
    CHECK_INT(open_journals(ref), 0);
    CHECK_INT(rk_order_get(l, ref, &ord), 0);
    CHECK_STR(ord.state, "paid");
    key_objects(key, &certs, &privs, &all);
    CHECK_INT(all, 0);
    /* the recovered certificate is the subscriber's: still good */
    rk_subca_record r;
    CHECK_INT(rk_subca_lookup(&r, ef_ca, g_enc_serial), 0);
    CHECK_INT(r.status, RK_CERT_GOOD);
    o.progress = NULL;
    rc = rk_enrol_recover(l, &ef_lily, ef_ctx, &ef_issuer.ops, &o, &res);
    if (rc) fprintf(stderr, "recover again: %s\n", rk_err_msg());
    CHECK_INT(rc, 0);
    CHECK_STR(res.enc_cert_serial, g_enc_serial);
    key_objects(key, &certs, &privs, &all);
    CHECK_INT(certs, 1);
    CHECK_INT(privs, 1);
    EVP_PKEY_free(rkey);
}

/* One cancelled enrolment, then the same order to the end on that key. */
static void cancel_case(const char *step, const char *item, int nth, int expect_issued)
{
    char key[RK_TOKEN_SERIAL_MAX], ref[RK_ORDER_REF_MAX], label[32];
    seen s;
    rk_enrol_result res;
    rk_order ord;
    int certs, privs, all, issued, not_revoked;

    memset(&s, 0, sizeof s);
    s.cancel_step = step;
    s.cancel_item = item;
    s.cancel_nth = nth;
    snprintf(label, sizeof label, "Cancel %s %s %d", step, item ? item : "", nth);
    new_key(key, label);
    paid_order(ref, "李取消");
    rk_enrol_opts o = enrol_opts(ref, key);
    o.progress = on_progress;
    o.progress_arg = &s;
    int rc = rk_enrol_run(l, &ef_lily, ef_ctx, &ef_issuer.ops, &o, &res);
    if (rc != RK_ECANCELED) fprintf(stderr, "%s: rc %d: %s\n", label, rc, rk_err_msg());
    CHECK_INT(rc, RK_ECANCELED);
    CHECK_INT(s.cancelled, 1);
    CHECK_INT(s.after_cancel, 0); /* nothing went on after the answer */
    CHECK(saw(&s, "rollback/"));
    CHECK(strstr(rk_err_msg(), "rolled back") != NULL);
    CHECK(strstr(rk_err_msg(), "enrolled again") != NULL);
    /* As before the enrolment. */
    CHECK_INT(rk_order_get(l, ref, &ord), 0);
    CHECK_STR(ord.state, "paid");
    CHECK_INT(ledger_certs(ref), 0);
    CHECK_INT(open_journals(ref), 0);
    key_objects(key, &certs, &privs, &all);
    CHECK_INT(all, 0);
    rolled_back_certs(ref, &issued, &not_revoked);
    if (issued != expect_issued) fprintf(stderr, "%s: %d issued\n", label, issued);
    CHECK_INT(issued, expect_issued);
    CHECK_INT(not_revoked, 0);
    CHECK_INT(count_for("SELECT count(*) FROM escrow e JOIN orders o ON o.id = e.order_id "
                        "WHERE o.ref = ?1 AND e.cert_serial IS NULL",
                        ref),
              0);
    CHECK_INT(count_for("SELECT count(*) FROM audit WHERE action = 'key.enrol.rollback' AND "
                        "detail LIKE '%cancelled%' AND detail LIKE '%' || ?1 || '%'",
                        ref),
              expect_issued > 1 || (item && !strcmp(item, "enc")) ? 2 : 1);
    /* Retriable: the same order, the same key, to the end. */
    o.progress = NULL;
    rc = rk_enrol_run(l, &ef_lily, ef_ctx, &ef_issuer.ops, &o, &res);
    if (rc) fprintf(stderr, "%s: retry: %s\n", label, rk_err_msg());
    CHECK_INT(rc, 0);
    CHECK_INT(res.resumed, 0);
    CHECK_INT(rk_order_get(l, ref, &ord), 0);
    CHECK_STR(ord.state, "issued");
    CHECK_INT(ledger_certs(ref), 2);
    key_objects(key, &certs, &privs, &all);
    CHECK_INT(certs, 2);
    CHECK_INT(privs, 2);
}

static void test_cancel(void)
{
    /* at each boundary of each half; the key's own write (second "write"
     * report: the token layer's, before it writes) */
    cancel_case("keygen", "sign", 1, 0);
    cancel_case("cert", "sign", 1, 0);
    cancel_case("write", "sign", 1, 1);
    cancel_case("write", "sign", 3, 1);
    cancel_case("verify", "sign", 1, 1);
    cancel_case("keygen", "enc", 1, 1);
    cancel_case("keygen", "enc", 2, 1); /* before the escrowed key is made */
    cancel_case("keygen", "enc", 3, 1); /* the escrowed key stored, before the import */
    cancel_case("cert", "enc", 1, 1);
    cancel_case("write", "enc", 1, 2);
    cancel_case("verify", "enc", 1, 2);
    cancel_case("commit", NULL, 1, 2);
}

int main(void)
{
    enrol_setup();
    test_whole();
    test_recover_cancel();
    test_cancel();
    enrol_teardown();
    return rk_test_done();
}
