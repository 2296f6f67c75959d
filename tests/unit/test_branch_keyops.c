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
 * tests/integration/key_unlock.sh.) And the keys' labels and subjects,
 * personal data, only for the clerk of the branch's session.
 */
#include "ledger_fixture.h"

#include "branch/branch.h"
#include "branch/enrolment.h"
#include "branch/keyops.h"
#include "branch/session.h"
#include "domain/authcode.h"
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

/* The keys' labels and certificate subjects are personal data (issue 12
 * item 5): no key is read for anyone but the clerk of the branch's session
 * as it stands, so no one without it learns even that a key is inserted. */
static void test_personal_data(void)
{
    rk_token_info *keys = (rk_token_info *)&keys; /* must come back NULL */
    rk_branch_diagnosis d;
    rk_actor me;
    int n = 7, rc;
    /* No session at all: nobody, the system, a clerk's actor kept. */
    const rk_actor *nobody[] = {NULL, &sys, &ivan, &lily};
    for (int i = 0; i < 4; i++) {
        CHECK_INT(rk_branch_key_list(b, nobody[i], &keys, &n), RK_EPERM);
        CHECK(strstr(rk_err_msg(), "clerk must be logged in") != NULL);
        CHECK(keys == NULL && n == 0);
        d.n_objs = 5;
        CHECK_INT(rk_branch_key_diagnose(b, nobody[i], "5500000000000001", &d), RK_EPERM);
        CHECK(d.n_objs == 0 && d.objs == NULL && !d.present);
    }
    /* ivan's session: ivan passes the check; lily (another clerk) and an
     * actor forged from ivan's with lily's id do not. */
    CHECK_INT(rk_branch_login(b, "ivan", "password1", &me), 0);
    rc = rk_branch_key_list(b, &me, &keys, &n);
    CHECK(rc == 0 || (rc != RK_EPERM && !strstr(rk_err_msg(), "personal data")));
    free(keys);
    rc = rk_branch_key_diagnose(b, &me, "5500000000000001", &d);
    CHECK(rc == 0 || (rc != RK_EPERM && !strstr(rk_err_msg(), "personal data")));
    if (rc == 0) free(d.objs);
    CHECK_INT(rk_branch_key_list(b, &lily, &keys, &n), RK_EPERM);
    rk_actor forged = me;
    forged.clerk_id = lily.clerk_id;
    CHECK_INT(rk_branch_key_diagnose(b, &forged, "5500000000000001", &d), RK_EPERM);
    /* Logged out: the actor kept from the session reads nothing. */
    CHECK_INT(rk_branch_logout(b), 0);
    CHECK_INT(rk_branch_key_list(b, &me, &keys, &n), RK_EPERM);
    CHECK_INT(rk_branch_key_diagnose(b, &me, "5500000000000001", &d), RK_EPERM);
}

/* An order is produced from its authorisation code (issue 12, key enrol):
 * the code is checked before the subscriber's PIN is asked and again when
 * the enrolment starts, a missing or wrong one is refused and audited
 * without the code, and an order approved before codes were made (none)
 * still enrols without one. */
static void test_enrol_code(void)
{
    char ref[RK_ORDER_REF_MAX], code[RK_AUTHCODE_MAX], sloppy[40];
    const char *names[7], *values[7], *paper[] = {"application_form", "id_card"};
    values_of("赵码", NULL, names, values);
    rk_order_spec spec = {.business = "new",
                          .subscriber = "individual",
                          .names = names,
                          .values = values,
                          .n = 6,
                          .paper_docs = paper,
                          .n_paper = 2,
                          .submit = 1};
    rk_order o;
    CHECK_INT(rk_order_new(l, &lily, &spec, &o), 0);
    snprintf(ref, sizeof ref, "%s", o.ref);
    CHECK_INT(rk_order_approve_code(code, sizeof code, l, &ray, ref, NULL), 0);
    CHECK(strlen(code) == 19);
    /* Approved, unpaid: the order's state answers first, not the code. */
    CHECK_INT(rk_branch_enrol_check(b, &ivan, ref), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "not paid") != NULL);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK_INT(rk_order_pay(l, &lily, ref, "cash", o.fee_total), 0);
    CHECK_INT(rk_branch_enrol_check(b, &ivan, ref), 0);
    CHECK_INT(rk_branch_enrol_needs_code(b, ref), 1);
    int64_t refused = count("SELECT count(*) FROM audit WHERE action = 'order.authcode_refused'");
    /* None given, a wrong one, another order's shape: refused, audited. */
    CHECK_INT(rk_branch_enrol_check_code(b, &ivan, ref, NULL), RK_EAUTH);
    CHECK(strstr(rk_err_msg(), "give it") != NULL);
    CHECK_INT(rk_branch_enrol_check_code(b, &ivan, ref, ""), RK_EAUTH);
    snprintf(sloppy, sizeof sloppy, "%s", code);
    sloppy[0] = sloppy[0] == 'A' ? 'B' : 'A';
    CHECK_INT(rk_branch_enrol_check_code(b, &ivan, ref, sloppy), RK_EAUTH);
    CHECK(strstr(rk_err_msg(), "not the authorisation code") != NULL);
    CHECK(strstr(rk_err_msg(), code + 5) == NULL);
    CHECK_INT(rk_branch_enrol_check_code(b, &ivan, ref, "K7QM-3HXD-9TWA-PZ4R-EXTRA"), RK_EAUTH);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'order.authcode_refused'"),
              refused + 4);
    char q[200];
    snprintf(q, sizeof q, "SELECT count(*) FROM audit WHERE instr(detail, '%.9s')", code + 5);
    CHECK_INT(count(q), 0); /* no part of the code in the audit log */
    /* The enrolment itself refuses a wrong code before it touches a key. */
    rk_branch_enrol_out out;
    rk_branch_enrol_req req = {.order_ref = ref, .key_serial = "5500000000000009", .pin = "x"};
    req.authcode = sloppy;
    CHECK_INT(rk_branch_enrol(b, &ivan, &req, &out), RK_EAUTH);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK_STR(o.state, "paid");
    /* The code as a clerk types it: either case, dashes or spaces or none. */
    CHECK_INT(rk_branch_enrol_check_code(b, &ivan, ref, code), 0);
    for (size_t i = 0, k = 0; i <= strlen(code); i++)
        if (code[i] != '-')
            sloppy[k++] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] + 32 : code[i]);
    CHECK_INT(rk_branch_enrol_check_code(b, &ivan, ref, sloppy), 0);
    /* Spent (its certificate was requested over CMP): refused for that. */
    CHECK_INT(rk_authcode_use(l, ref, RK_AUTHCODE_CERT, "5A02"), 0);
    CHECK_INT(rk_branch_enrol_check_code(b, &ivan, ref, code), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "has been used") != NULL);
    /* An order with no code (approved before codes were made): none asked. */
    snprintf(q, sizeof q,
             "UPDATE orders SET authcode = NULL, authcode_used_at = NULL WHERE ref = '%s'", ref);
    CHECK_INT(sqlite3_exec(rk_db_handle(db), q, NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(rk_branch_enrol_needs_code(b, ref), 0);
    CHECK_INT(rk_branch_enrol_check_code(b, &ivan, ref, NULL), 0);
    CHECK_INT(rk_branch_enrol_needs_code(b, "991231-99999"), RK_ENOTFOUND);
}

int main(void)
{
    rk_clock_set(test_clock, NULL);
    at("2026-03-02T10:00:00");
    setup();
    test_clerk();
    test_subscriber_and_attacker();
    test_personal_data();
    test_enrol_code();
    rk_branch_close(b);
    rk_ledger_free(l);
    rk_db_close(db);
    rk_conf_free(conf);
    rk_test_rmtree(dir);
    return rk_test_done();
}
