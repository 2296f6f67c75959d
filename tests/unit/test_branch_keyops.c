/*
 * Unit tests of the unlock rule of the branch's key services
 * (branch/keyops.h: rk_branch_key_unlock_check), through a branch opened
 * on the fixture's data folder, from three sides. The clerk: an unlock
 * needs the issue role and an unlock order that is approved and paid, and
 * each refusal says what is missing. The subscriber: the order names the
 * key, and a key the branch's records know is unlocked only for its own
 * subscriber. The attacker: another business's order, an order for
 * another key, a forged reference and a spent order are refused. (The
 * unlock on a real key, and the order completed with it, are in
 * tests/integration/key_unlock.sh.)
 */
#include "ledger_fixture.h"

#include "branch/branch.h"
#include "branch/keyops.h"
#include "domain/order.h"

#include <string.h>

static rk_actor lily, ray, ivan;
static rk_branch *b;

static void values_of(const char *name, const char *key, const char **names, const char **values)
{
    static const char *n0[] = {"applicant_name", "applicant_id", "applicant_mobile", "email",
                               "invoice_type",   "delivery",     "key_serial"};
    for (int i = 0; i < 7; i++)
        names[i] = n0[i];
    values[0] = name;
    values[1] = "11010519491231002X";
    values[2] = "13800138000";
    values[3] = "a@example.com";
    values[4] = "ordinary";
    values[5] = "pickup";
    values[6] = key;
}

/* An order of business for name (and key), submitted by lily and, when
 * approve, approved by ray; paid by lily when pay. */
static void order(char *ref, const char *business, const char *name, const char *key, int approve,
                  int pay)
{
    const char *names[7], *values[7], *paper[] = {"application_form", "id_card"};
    values_of(name, key, names, values);
    rk_order_spec spec = {.business = business,
                          .subscriber = "individual",
                          .names = names,
                          .values = values,
                          .n = key ? 7 : 6,
                          .paper_docs = key ? paper + 1 : paper, /* an unlock: the ID card */
                          .n_paper = key ? 1 : 2,
                          .submit = 1};
    rk_order o;
    CHECK_INT(rk_order_new(l, &lily, &spec, &o), 0);
    snprintf(ref, RK_ORDER_REF_MAX, "%s", o.ref);
    if (approve) CHECK_INT(rk_order_approve(l, &ray, ref, NULL), 0);
    if (pay && approve) {
        CHECK_INT(rk_order_get(l, ref, &o), 0);
        if (o.fee_total > 0) CHECK_INT(rk_order_pay(l, &lily, ref, "cash", o.fee_total), 0);
    }
}

static int check(const rk_actor *by, const char *ref, const char *serial)
{
    const rk_branch_key_unlock_req req = {.order_ref = ref, .serial = serial};
    return rk_branch_key_unlock_check(b, by, &req);
}

static void setup(void)
{
    char path[600];
    rk_conf *c2;
    ledger_setup("boss");
    clerk(&lily, "lily", "lily", RK_ROLE_ENTRY | RK_ROLE_ISSUE);
    clerk(&ray, "ray", "ray", RK_ROLE_REVIEW);
    clerk(&ivan, "ivan", "ivan", RK_ROLE_ISSUE);
    snprintf(path, sizeof path, "%s/conf/kiosk.conf", getenv("RK_SOURCE_DIR"));
    if (rk_conf_load(&c2, path)) {
        fprintf(stderr, "%s\n", rk_err_msg());
        exit(2);
    }
    snprintf(c2->documents, sizeof c2->documents, "%s/documents", dir);
    static rk_branch_env env; /* nothing from the environment */
    const rk_branch_opts opts = {.conf = c2, .env = &env};
    if (rk_branch_open(&b, &opts)) {
        fprintf(stderr, "branch: %s\n", rk_err_msg());
        exit(2);
    }
}

static void test_clerk(void)
{
    char ref[RK_ORDER_REF_MAX];
    order(ref, "unlock", "王小明", "5500000000000001", 0, 0);
    /* Submitted, not yet approved. */
    CHECK_INT(check(&ivan, ref, "5500000000000001"), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "approved and paid") != NULL);
    CHECK_INT(rk_order_approve(l, &ray, ref, NULL), 0);
    /* Approved, not paid: says so. */
    CHECK_INT(check(&ivan, ref, "5500000000000001"), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "not paid yet") != NULL);
    rk_order o;
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK_INT(rk_order_pay(l, &lily, ref, "cash", o.fee_total), 0);
    /* A clerk without the issue role, the system: refused. */
    CHECK_INT(check(&ray, ref, "5500000000000001"), RK_EPERM);
    CHECK(strstr(rk_err_msg(), "issue role") != NULL);
    CHECK_INT(check(&sys, ref, "5500000000000001"), RK_EPERM);
    /* The issue clerk with the paid order and its key: allowed (any case). */
    CHECK_INT(check(&ivan, ref, "5500000000000001"), 0);
    CHECK_INT(check(&lily, ref, "5500000000000001"), 0);
    /* Nothing changed by a check. */
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK_STR(o.state, "paid");
    /* Done once (the order issued): a second unlock is refused. */
    CHECK_INT(rk_order_issue(l, &ivan, ref, NULL), 0);
    CHECK_INT(check(&ivan, ref, "5500000000000001"), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "is issued") != NULL);
}

static void test_subscriber_and_attacker(void)
{
    char zhang[RK_ORDER_REF_MAX], mine[RK_ORDER_REF_MAX], other[RK_ORDER_REF_MAX];
    char newref[RK_ORDER_REF_MAX];
    /* Zhang's key holds Zhang's certificate in the register. */
    order(newref, "new", "张三", NULL, 1, 1);
    rk_cert_record c;
    memset(&c, 0, sizeof c);
    snprintf(c.serial, sizeof c.serial, "5A01");
    snprintf(c.usage, sizeof c.usage, "sign");
    snprintf(c.key_serial, sizeof c.key_serial, "56000000000000AB");
    c.not_before = now - 86400;
    c.not_after = now + 365 * 86400;
    static const unsigned char der[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    c.der = der;
    c.der_len = sizeof der;
    CHECK_INT(rk_order_issue(l, &ivan, newref, &c), 0);

    /* Zhang's own unlock order on Zhang's key (serial in another case). */
    order(zhang, "unlock", "张三", "56000000000000ab", 1, 1);
    CHECK_INT(check(&ivan, zhang, "56000000000000AB"), 0);
    /* Wang's paid unlock order naming Zhang's key: not Wang's key. */
    order(other, "unlock", "王小明", "56000000000000AB", 1, 1);
    CHECK_INT(check(&ivan, other, "56000000000000AB"), RK_EPERM);
    CHECK(strstr(rk_err_msg(), "another subscriber's certificates") != NULL);
    /* Wang's order for his own key used on Zhang's key: the order's key. */
    order(mine, "unlock", "王小明", "5500000000000002", 1, 1);
    CHECK_INT(check(&ivan, mine, "56000000000000AB"), RK_EPERM);
    CHECK(strstr(rk_err_msg(), "is for key 5500000000000002") != NULL);
    CHECK_INT(check(&ivan, mine, "5500000000000002"), 0); /* a key the records do not know */
    /* Another business's order, a forged reference, nothing given. */
    CHECK_INT(check(&ivan, newref, "56000000000000AB"), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "not an unlock") != NULL);
    CHECK_INT(check(&ivan, "991231-99999", "5500000000000002"), RK_ENOTFOUND);
    CHECK_INT(check(&ivan, NULL, "5500000000000002"), RK_EINVAL);
    CHECK_INT(check(&ivan, mine, ""), RK_EINVAL);
    /* A check is no unlock: none audited as one. */
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'key.unlock'"), 0);
}

int main(void)
{
    rk_clock_set(test_clock, NULL);
    at("2026-03-02T10:00:00");
    setup();
    test_clerk();
    test_subscriber_and_attacker();
    rk_branch_close(b);
    rk_ledger_free(l);
    rk_db_close(db);
    rk_conf_free(conf);
    rk_test_rmtree(dir);
    return rk_test_done();
}
