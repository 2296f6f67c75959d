/*
 * Unit tests of the daily close's figures (domain/dayclose.h) on the
 * shipped demo rules: the day's edges in local time (an order at 23:59
 * counts that day, one at 00:00 the next), a first approval that only
 * sends the order to the competent authority is no approval, a rejection
 * and the resubmission count as they happened, the takings per method with
 * a refund on another day than its payment, and the close: supervisor
 * only, audited and in the outbox, a second close the newest.
 */
#include "ledger_fixture.h"

#include "domain/dayclose.h"
#include "domain/order.h"

static rk_actor lily, ray;

static int make(char ref[RK_ORDER_REF_MAX], const char *business, int authority)
{
    const char *names[] = {"applicant_name", "applicant_id", "applicant_mobile", "email",
                           "invoice_type",   "delivery",     "key_serial"};
    const char *values[] = {"王小明",        "11010519491231002X", "13800138000",
                            "a@example.com", "ordinary",           "pickup",
                            "5500001"};
    const char *paper[] = {"application_form", "id_card"};
    rk_order_spec spec;
    rk_order o;
    memset(&spec, 0, sizeof spec);
    spec.business = business;
    spec.subscriber = "individual";
    spec.names = names;
    spec.values = values;
    spec.n = strcmp(business, "unlock") ? 6 : 7;
    spec.paper_docs = strcmp(business, "unlock") ? paper : paper + 1;
    spec.n_paper = strcmp(business, "unlock") ? 2 : 1;
    spec.submit = 1;
    spec.needs_authority = authority;
    int rc = rk_order_new(l, &lily, &spec, &o);
    if (!rc) snprintf(ref, RK_ORDER_REF_MAX, "%s", o.ref);
    if (rc) fprintf(stderr, "  make %s: %s\n", business, rk_err_msg());
    return rc;
}

static int64_t fee_of(const char *ref)
{
    static rk_order o;
    return rk_order_get(l, ref, &o) == 0 ? o.fee_total : -1;
}

static const rk_day_money *method(const rk_dayclose *d, const char *m)
{
    for (int i = 0; i < d->n_methods; i++)
        if (!strcmp(d->methods[i].method, m)) return &d->methods[i];
    return NULL;
}

static const rk_day_business *business(const rk_dayclose *d, const char *b)
{
    for (int i = 0; i < d->n_business; i++)
        if (!strcmp(d->business[i].business, b)) return &d->business[i];
    return NULL;
}

static void test_figures(void)
{
    char a[RK_ORDER_REF_MAX], b[RK_ORDER_REF_MAX], c[RK_ORDER_REF_MAX], e[RK_ORDER_REF_MAX];
    rk_dayclose d;
    int64_t t;

    at("2026-03-03T23:59:00+08:00");
    CHECK_INT(make(a, "new", 0), 0);
    at("2026-03-04T00:00:00+08:00");
    CHECK_INT(make(b, "new", 0), 0);
    CHECK_INT(make(c, "new", 1), 0);
    CHECK_INT(make(e, "unlock", 0), 0);
    at("2026-03-04T09:00:00+08:00");
    CHECK_INT(rk_order_approve(l, &ray, c, NULL), 0); /* to the authority only */
    CHECK_INT(rk_order_reject(l, &ray, b, "照片不清晰"), 0);
    CHECK_INT(rk_order_submit(l, &lily, b), 0);
    CHECK_INT(rk_order_approve(l, &ray, b, NULL), 0);
    CHECK_INT(rk_order_approve(l, &ray, a, NULL), 0);
    CHECK_INT(rk_order_pay(l, &lily, a, "wechat", fee_of(a)), 0);
    CHECK_INT(rk_order_pay(l, &lily, b, "cash", fee_of(b)), 0);
    at("2026-03-05T10:00:00+08:00");
    CHECK_INT(rk_order_cancel_refund(l, &boss, b, "不办了", "cash"), 0);

    /* The 3rd: one order taken at 23:59, nothing else. */
    at("2026-03-05T18:00:00+08:00");
    CHECK_INT(rk_clock_parse(&t, "2026-03-03T12:00:00+08:00"), 0);
    CHECK_INT(rk_dayclose_read(l, t, &d), 0);
    CHECK_STR(d.date, "2026-03-03");
    CHECK_INT(d.total[RK_DAY_TAKEN], 1);
    CHECK_INT(d.total[RK_DAY_SUBMITTED], 1);
    CHECK_INT(d.total[RK_DAY_APPROVED], 0);
    CHECK_INT(d.takings.payments, 0);

    /* The 4th: from 00:00, the authority's first step is no approval, the
     * resubmission counts again; the money by method. */
    CHECK_INT(rk_clock_parse(&t, "2026-03-04T00:00:00+08:00"), 0);
    CHECK_INT(rk_dayclose_read(l, t, &d), 0);
    CHECK_STR(d.date, "2026-03-04");
    CHECK_INT(d.total[RK_DAY_TAKEN], 3);
    CHECK_INT(d.total[RK_DAY_SUBMITTED], 4);
    CHECK_INT(d.total[RK_DAY_APPROVED], 2);
    CHECK_INT(d.total[RK_DAY_REJECTED], 1);
    CHECK_INT(d.total[RK_DAY_CANCELLED], 0);
    CHECK(business(&d, "unlock") && business(&d, "unlock")->n[RK_DAY_TAKEN] == 1);
    CHECK(business(&d, "new") && business(&d, "new")->n[RK_DAY_SUBMITTED] == 3);
    CHECK_STR(d.business[0].business, "new"); /* in the business types' order */
    CHECK(method(&d, "wechat") && method(&d, "wechat")->paid_fen == fee_of(a));
    CHECK(method(&d, "cash") && method(&d, "cash")->paid_fen == fee_of(b));
    CHECK_INT(d.takings.paid_fen, fee_of(a) + fee_of(b));
    CHECK_INT(d.takings.refunded_fen, 0);
    CHECK_STR(d.methods[0].method, "cash");

    /* The 5th: the cancellation and its refund, on the day it was given. */
    CHECK_INT(rk_dayclose_read(l, now, &d), 0);
    CHECK_INT(d.total[RK_DAY_CANCELLED], 1);
    CHECK_INT(d.takings.payments, 0);
    CHECK_INT(d.takings.refunds, 1);
    CHECK_INT(d.takings.refunded_fen, fee_of(b));
    CHECK_INT(d.closed_at, 0);

    /* The close: the supervisor's only, then the newest close counts. */
    int64_t events = count("SELECT count(*) FROM outbox");
    CHECK_INT(rk_dayclose_record(l, &lily, &d), RK_EPERM);
    CHECK_INT(d.closed_at, 0);
    CHECK_INT(count("SELECT count(*) FROM outbox"), events);
    CHECK_INT(rk_dayclose_record(l, &boss, &d), 0);
    CHECK_INT(d.closed_at, now);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'day.closed' AND actor = 'boss' "
                    "AND detail = '2026-03-05'"),
              1);
    CHECK_INT(count("SELECT count(*) FROM outbox WHERE entity = 'report' AND entity_id = "
                    "'daily:2026-03-05' AND json_extract(payload, '$.takings.refunds') = 1"),
              1);
    CHECK_INT(count("SELECT count(*) FROM outbox WHERE entity = 'report' AND payload LIKE "
                    "'%王小明%'"),
              0);
    rk_actor boss2;
    clerk(&boss2, "boss2", "二号主管", RK_ROLE_SUPERVISOR);
    at("2026-03-05T19:00:00+08:00");
    CHECK_INT(rk_dayclose_record(l, &boss2, &d), 0);
    CHECK_INT(rk_dayclose_read(l, now, &d), 0);
    CHECK_STR(d.closed_by, "boss2");
    CHECK_INT(d.closed_at, now);

    char y[24];
    rk_day_yuan(y, sizeof y, -12345);
    CHECK_STR(y, "-123.45");
    rk_day_yuan(y, sizeof y, 7);
    CHECK_STR(y, "0.07");
}

int main(void)
{
    rk_clock_set(test_clock, NULL);
    at("2026-03-02T08:00:00+08:00");
    ledger_setup("boss");
    clerk(&lily, "lily", "lily", RK_ROLE_ENTRY | RK_ROLE_ISSUE);
    clerk(&ray, "ray", "ray", RK_ROLE_REVIEW);
    test_figures();
    return rk_test_done();
}
