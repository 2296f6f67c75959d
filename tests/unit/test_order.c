/*
 * Unit tests of the order ledger on the shipped demo rules (conf/): every
 * business type's path, every refusal, deadlines in working days, the
 * six-month suspension timer, renewal reminders, the certificate register
 * on its own, and the audit trail and outbox events all of it leaves.
 */
#include "ledger_fixture.h"

#include "audit/audit.h"
#include "domain/certreg.h"
#include "domain/authcode.h"
#include "domain/certstatus.h"
#include "domain/order.h"
#include "domain/service.h"
#include "print/orderprint.h"

static rk_actor lily, ray, rex;

static void setup(void)
{
    ledger_setup("boss");
    clerk(&lily, "lily", "lily", RK_ROLE_ENTRY | RK_ROLE_ISSUE);
    clerk(&ray, "ray", "ray", RK_ROLE_REVIEW);
    clerk(&rex, "rex", "rex", RK_ROLE_REVIEW | RK_ROLE_ENTRY | RK_ROLE_ARCHIVE);
}

/* Builds the fields of a complete form for kind and business. */
typedef struct spec_buf {
    const char *names[32], *values[32];
    int n;
    const char *paper[8];
    int np;
} spec_buf;

static void put(spec_buf *s, const char *name, const char *value)
{
    s->names[s->n] = name;
    s->values[s->n++] = value;
}

static void fill(spec_buf *s, const char *kind, const char *business, const char *serial)
{
    rk_form form;
    memset(s, 0, sizeof *s);
    if (!strcmp(kind, "individual")) {
        put(s, "applicant_name", "王小明");
        put(s, "applicant_id", "11010519491231002X");
        put(s, "applicant_mobile", "13800138000");
    } else {
        put(s, "enterprise_name", "北京示例科技有限公司");
        put(s, "uscc", "91350100M000100Y43");
        if (!strcmp(kind, "server")) {
            put(s, "domain", "www.example.cn");
            put(s, "icp_number", "京ICP备12345678号");
            put(s, "applicant_name", "王小明");
            put(s, "applicant_id", "11010519491231002X");
            put(s, "applicant_mobile", "13800138000");
        } else {
            put(s, "legal_rep_name", "张三");
            put(s, "legal_rep_id", "11010519491231002X");
            put(s, "legal_rep_mobile", "13800138000");
            put(s, "agent_name", "李四");
            put(s, "agent_id", "110105491231002");
            put(s, "agent_mobile", "13900139000");
            put(s, "ssn", "SB1100001");
        }
    }
    put(s, "email", "it@example.com");
    put(s, "invoice_type", "ordinary");
    put(s, "delivery", "pickup");
    if (rk_forms_compose(l->forms, kind, business, &form) != 0) return;
    if (rk_form_find(&form, "cert_serial")) put(s, "cert_serial", serial ? serial : "00");
    if (rk_form_find(&form, "reason")) put(s, "reason", "业务需要");
    if (rk_form_find(&form, "key_serial")) put(s, "key_serial", "5500001");
    if (rk_form_find(&form, "medium_bought")) put(s, "medium_bought", "2026-01-10");
    if (rk_form_find(&form, "user_caused")) put(s, "user_caused", "no");
    for (int i = 0; i < form.n_docs; i++)
        s->paper[s->np++] = form.docs[i]->name;
}

/* Creates and submits an order for the subscriber name (NULL: fill()'s,
 * whose name is the first field); returns 0 and its ref, or the error. */
static int make_for(char ref[RK_ORDER_REF_MAX], const rk_actor *by, const char *kind,
                    const char *business, const char *serial, int authority, const char *name)
{
    spec_buf s;
    rk_order_spec spec;
    rk_order o;
    fill(&s, kind, business, serial);
    if (name) s.values[0] = name;
    memset(&spec, 0, sizeof spec);
    spec.business = business;
    spec.subscriber = kind;
    spec.names = s.names;
    spec.values = s.values;
    spec.n = s.n;
    spec.paper_docs = s.paper;
    spec.n_paper = s.np;
    spec.submit = 1;
    spec.needs_authority = authority;
    int rc = rk_order_new(l, by, &spec, &o);
    if (!rc)
        snprintf(ref, RK_ORDER_REF_MAX, "%s", o.ref);
    else
        fprintf(stderr, "  make %s %s: %s\n", kind, business, rk_err_msg());
    return rc;
}

/* Creates and submits an order; returns 0 and its ref, or the error. */
static int make(char ref[RK_ORDER_REF_MAX], const rk_actor *by, const char *kind,
                const char *business, const char *serial, int authority)
{
    return make_for(ref, by, kind, business, serial, authority, NULL);
}

static void cert(rk_cert_record *c, const char *serial, const char *usage, int days)
{
    memset(c, 0, sizeof *c);
    snprintf(c->serial, sizeof c->serial, "%s", serial);
    snprintf(c->usage, sizeof c->usage, "%s", usage);
    c->not_before = now;
    c->not_after = now + (int64_t)days * 86400;
}

static const char *state_of(const char *ref)
{
    static rk_order o;
    if (rk_order_get(l, ref, &o) != 0) return "?";
    return o.state;
}

static const char *cert_status(const char *serial)
{
    static char s[16];
    sqlite3_stmt *st;
    snprintf(s, sizeof s, "?");
    if (rk_db_prepare(db, &st, "SELECT status FROM certificate WHERE serial = ?") == 0) {
        sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) snprintf(s, sizeof s, "%s", sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    return s;
}

/* Runs a full certificate path: approve, pay if due, issue, deliver. */
static void complete(const char *ref, const rk_cert_record *c)
{
    rk_order o;
    CHECK_INT(rk_order_approve(l, &ray, ref, NULL), 0);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    if (o.fee_total > 0)
        CHECK_INT(rk_order_pay(l, &lily, ref, "cash", o.fee_total), 0);
    else
        CHECK_INT(rk_order_pay(l, &lily, ref, "cash", 100), RK_ESTATE);
    CHECK_INT(rk_order_issue(l, &lily, ref, c), 0);
    CHECK_INT(rk_order_deliver(l, &lily, ref, "pickup", NULL), 0);
    CHECK_STR(state_of(ref), "delivered");
}

static void test_business_paths(void)
{
    char ref[RK_ORDER_REF_MAX];
    rk_cert_record c;
    rk_order o;

    at("2026-03-02T09:30:00+08:00");
    /* new */
    CHECK_INT(make(ref, &lily, "organisation", "new", NULL, 0), 0);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK_STR(o.state, "submitted");
    CHECK(o.fee_total > 0);
    CHECK(o.due_at > now);
    cert(&c, "A001", "sign", 365);
    complete(ref, &c);
    CHECK_STR(cert_status("A001"), "valid");
    CHECK_INT(count("SELECT count(*) FROM task_record"), 1);

    /* renew: the old certificate stays valid until it expires */
    CHECK_INT(make(ref, &lily, "organisation", "renew", "A001", 0), 0);
    cert(&c, "A002", "sign", 730);
    complete(ref, &c);
    CHECK_STR(cert_status("A001"), "valid");
    CHECK_STR(cert_status("A002"), "valid");

    /* change: free, the old certificate is superseded */
    CHECK_INT(make(ref, &lily, "organisation", "change", "A002", 0), 0);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK_INT(o.fee_total, 0);
    cert(&c, "A003", "sign", 365);
    complete(ref, &c);
    CHECK_STR(cert_status("A002"), "revoked");

    /* lost reissue: medium only; the lost key's certificate is revoked */
    CHECK_INT(make(ref, &lily, "individual", "new", NULL, 0), 0);
    cert(&c, "B001", "sign", 365);
    complete(ref, &c);
    CHECK_INT(make(ref, &lily, "individual", "reissue", "B001", 0), 0);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK(o.fee_total > 0);
    cert(&c, "B002", "sign", 365);
    complete(ref, &c);
    CHECK_STR(cert_status("B001"), "revoked");

    /* damaged replace within the warranty, not the user's fault: free */
    CHECK_INT(make(ref, &lily, "individual", "replace", "B002", 0), 0);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK_INT(o.fee_total, 0);
    cert(&c, "B003", "sign", 365);
    complete(ref, &c);

    /* unlock: a fee, no certificate */
    CHECK_INT(make(ref, &lily, "individual", "unlock", NULL, 0), 0);
    CHECK_INT(rk_order_approve(l, &ray, ref, NULL), 0);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK(o.fee_total > 0);
    CHECK_INT(rk_order_pay(l, &lily, ref, "alipay", o.fee_total), 0);
    cert(&c, "X1", "sign", 1);
    CHECK_INT(rk_order_issue(l, &lily, ref, &c), RK_EINVAL); /* produces no certificate */
    CHECK_INT(rk_order_issue(l, &lily, ref, NULL), 0);
    CHECK_INT(rk_order_deliver(l, &lily, ref, "pickup", NULL), 0);

    /* key recovery: the escrowed encryption certificate */
    CHECK_INT(make(ref, &lily, "individual", "recovery", "B003", 0), 0);
    cert(&c, "B004", "enc", 365);
    complete(ref, &c);

    /* suspend and resume */
    CHECK_INT(make(ref, &lily, "organisation", "suspend", "A003", 0), 0);
    complete(ref, NULL);
    CHECK_STR(cert_status("A003"), "suspended");
    CHECK_INT(make(ref, &lily, "organisation", "suspend", "A003", 0), RK_ESTATE);
    CHECK_INT(make(ref, &lily, "organisation", "resume", "A003", 0), 0);
    complete(ref, NULL);
    CHECK_STR(cert_status("A003"), "valid");
    CHECK_INT(make(ref, &lily, "organisation", "resume", "A003", 0), RK_ESTATE);

    /* revoke: free, certificate revoked; nothing more can be done with it */
    CHECK_INT(make(ref, &lily, "organisation", "revoke", "A003", 0), 0);
    complete(ref, NULL);
    CHECK_STR(cert_status("A003"), "revoked");
    CHECK_INT(make(ref, &lily, "organisation", "renew", "A003", 0), RK_ESTATE);
    CHECK_INT(make(ref, &lily, "organisation", "renew", "FFFF", 0), RK_ENOTFOUND);

    /* server certificate */
    CHECK_INT(make(ref, &lily, "server", "new", NULL, 0), 0);
    cert(&c, "C001", "sign", 365);
    complete(ref, &c);

    /* the competent authority's approval */
    CHECK_INT(make(ref, &lily, "organisation", "new", NULL, 1), 0);
    CHECK_INT(rk_order_approve(l, &ray, ref, NULL), 0);
    CHECK_STR(state_of(ref), "authority");
    CHECK_INT(rk_order_approve(l, &ray, ref, NULL), RK_EINVAL);
    CHECK_INT(rk_order_approve(l, &ray, ref, "社保局批复2026-17"), 0);
    CHECK_STR(state_of(ref), "approved");

    int64_t n, bad;
    CHECK_INT(rk_audit_verify(db, &n, &bad), 0);
    CHECK(n > 60);
    CHECK(count("SELECT count(*) FROM outbox WHERE entity = 'order'") > 50);
    /* Outbox events and audit entries carry no personal data. */
    CHECK_INT(count("SELECT count(*) FROM outbox WHERE payload LIKE '%11010519491231002X%' "
                    "OR payload LIKE '%13800138000%'"),
              0);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE coalesce(detail, '') || "
                    "coalesce(after, '') LIKE '%11010519491231002X%'"),
              0);
    /* ... and the database holds none in clear. */
    CHECK_INT(count("SELECT count(*) FROM orders WHERE CAST(fields AS TEXT) LIKE '%13800138000%'"),
              0);
}

static void test_refusals(void)
{
    char ref[RK_ORDER_REF_MAX], ref2[RK_ORDER_REF_MAX];
    rk_order o;
    spec_buf s;
    rk_order_spec spec;

    at("2026-03-03T10:00:00+08:00");
    /* own approval: rex (review + entry) submits, then may not approve */
    CHECK_INT(make(ref, &rex, "individual", "new", NULL, 0), 0);
    CHECK_INT(rk_order_approve(l, &rex, ref, NULL), RK_EPERM);
    CHECK(strstr(rk_err_msg(), "separation of duties") != NULL);
    CHECK_INT(rk_order_reject(l, &rex, ref, "x"), RK_EPERM);
    /* wrong role */
    CHECK_INT(rk_order_approve(l, &lily, ref, NULL), RK_EPERM);
    CHECK(strstr(rk_err_msg(), "review role") != NULL);
    CHECK_INT(rk_order_issue(l, &ray, ref, NULL), RK_EPERM);
    CHECK_INT(rk_order_pay(l, &ray, ref, "cash", 1), RK_EPERM);
    /* illegal transitions */
    CHECK_INT(rk_order_deliver(l, &lily, ref, "pickup", NULL), RK_ESTATE);
    CHECK_INT(rk_order_submit(l, &lily, ref), RK_ESTATE);
    CHECK_INT(rk_order_set(l, &lily, ref, "email", "a@b.cn", NULL), RK_ESTATE);
    /* unpaid issuance */
    CHECK_INT(rk_order_approve(l, &ray, ref, NULL), 0);
    CHECK_INT(rk_order_issue(l, &lily, ref, NULL), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "not paid") != NULL);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK_INT(rk_order_pay(l, &lily, ref, "cash", o.fee_total + 1), RK_EINVAL);
    CHECK_INT(rk_order_pay(l, &lily, ref, "bitcoin", o.fee_total), RK_EINVAL);
    CHECK_INT(rk_order_pay(l, &lily, ref, "cash", o.fee_total), 0);
    CHECK_INT(rk_order_issue(l, &lily, ref, NULL), RK_EINVAL); /* needs its certificate */
    /* a paid order is cancelled only by a supervisor, who records the
     * refund in the same step */
    CHECK_INT(rk_order_cancel(l, &lily, ref, "changed mind"), RK_EPERM);
    CHECK_INT(rk_order_cancel_refund(l, &lily, ref, "changed mind", "cash"), RK_EPERM);
    CHECK_INT(rk_order_cancel(l, &boss, ref, "changed mind"), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "--refund") != NULL);
    CHECK_STR(state_of(ref), "paid");
    CHECK_INT(rk_order_cancel_refund(l, &boss, ref, "changed mind", "bitcoin"), RK_EINVAL);
    CHECK_INT(rk_order_cancel_refund(l, &boss, ref, "changed mind, refunded", "cash"), 0);
    CHECK_STR(state_of(ref), "cancelled");
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK_INT(o.refund_fen, o.paid_fen);
    CHECK(o.refund_fen > 0);
    CHECK_STR(o.refund_method, "cash");
    CHECK_STR(o.refunded_by, "boss");
    CHECK_INT(o.refunded_at, now);
    {
        char sql[400];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM outbox WHERE kind = 'order.cancelled' AND entity_id = '%s' "
                 "AND json_extract(payload, '$.refund_fen') = %lld AND "
                 "json_extract(payload, '$.refund_method') = 'cash'",
                 o.uuid, (long long)o.paid_fen);
        CHECK_INT(count(sql), 1);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM audit WHERE action = 'order.cancelled' AND actor = 'boss' "
                 "AND order_id = '%s' AND detail = 'changed mind, refunded; refunded %lld fen by "
                 "cash'",
                 o.uuid, (long long)o.paid_fen);
        CHECK_INT(count(sql), 1);
    }
    /* the week's takings see the payment and its refund, on their day
     * (2026-03-03 is the Tuesday of its week) */
    {
        rk_weekly w;
        CHECK_INT(rk_service_weekly(l, now, &w), 0);
        CHECK_INT(w.takings.refunds, 1);
        CHECK_INT(w.takings.refunded_fen, o.paid_fen);
        CHECK(w.takings.payments >= 1 && w.takings.paid_fen >= o.paid_fen);
        CHECK_INT(w.days[1].refunds, 1);
        CHECK_INT(w.days[1].refunded_fen, o.paid_fen);
        CHECK_INT(w.days[0].refunds + w.days[2].refunds, 0);
    }
    /* nothing to refund on an unpaid order */
    CHECK_INT(make(ref2, &lily, "individual", "new", NULL, 0), 0);
    CHECK_INT(rk_order_cancel_refund(l, &boss, ref2, "mistake", "cash"), RK_ESTATE);
    CHECK_INT(rk_order_cancel(l, &lily, ref2, "mistake"), 0);

    /* missing document and missing field */
    fill(&s, "organisation", "new", NULL);
    memset(&spec, 0, sizeof spec);
    spec.business = "new";
    spec.subscriber = "organisation";
    spec.names = s.names;
    spec.values = s.values;
    spec.n = s.n - 1; /* drops "delivery" */
    CHECK_INT(rk_order_new(l, &lily, &spec, &o), 0);
    snprintf(ref2, sizeof ref2, "%s", o.ref);
    CHECK_INT(rk_order_submit(l, &lily, ref2), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "document business_licence") != NULL);
    CHECK(strstr(rk_err_msg(), "field delivery") != NULL);
    /* conditional requirement: mail needs an address */
    CHECK_INT(rk_order_set(l, &lily, ref2, "delivery", "mail", NULL), 0);
    for (int i = 0; i < s.np; i++)
        CHECK_INT(rk_order_paper(l, &lily, ref2, s.paper[i], NULL), 0);
    CHECK_INT(rk_order_submit(l, &lily, ref2), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "field address") != NULL);
    CHECK_INT(rk_order_set(l, &lily, ref2, "address", "北京市海淀区1号", NULL), 0);
    CHECK_INT(rk_order_submit(l, &lily, ref2), 0);

    /* bad values, unknown fields, documents a form does not need */
    CHECK_INT(rk_order_new(l, &lily, &spec, &o), 0);
    CHECK_INT(rk_order_set(l, &lily, o.ref, "legal_rep_id", "110105194902300021", NULL), RK_EINVAL);
    CHECK_INT(rk_order_set(l, &lily, o.ref, "favourite_colour", "red", NULL), RK_EINVAL);
    CHECK_INT(rk_order_set(l, &lily, o.ref, "invoice_type", "receipt", NULL), RK_EINVAL);
    CHECK_INT(rk_order_paper(l, &lily, o.ref, "icp_licence", NULL), RK_EINVAL);
    /* a pilot-region credit code is accepted only with a recorded reason */
    CHECK_INT(rk_order_set(l, &lily, o.ref, "uscc", "91350100M000100Y47", NULL), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "accept") != NULL);
    CHECK_INT(rk_order_set(l, &lily, o.ref, "uscc", "91350100M000100Y47", "试点地区旧码，核对原件"),
              0);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE detail LIKE '%试点地区旧码%'"), 1);

    /* images: oversize, disguised, corrupt refused; a real one accepted */
    static unsigned char big[4 * 1024 * 1024];
    CHECK_INT(rk_order_attach(l, &lily, o.ref, "business_licence", big, sizeof big), RK_ETOOBIG);
    const char pdf[] = "%PDF-1.4\n1 0 obj<<>>endobj\n";
    CHECK_INT(rk_order_attach(l, &lily, o.ref, "business_licence", (const unsigned char *)pdf,
                              sizeof pdf),
              RK_EFORMAT);
    char path[600];
    unsigned char buf[65536];
    snprintf(path, sizeof path, "%s/tests/data/images/ok.png", getenv("RK_SOURCE_DIR"));
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    CHECK(n > 0);
    CHECK_INT(rk_order_attach(l, &lily, o.ref, "business_licence", buf, n / 2), RK_EFORMAT);
    CHECK_INT(rk_order_attach(l, &lily, o.ref, "business_licence", buf, n), 0);
    CHECK_INT(count("SELECT count(*) FROM order_document WHERE sha256 IS NOT NULL"), 1);

    /* self-service drafts: the kiosk may create, only a clerk submits */
    CHECK_INT(rk_order_new(l, &sys, &spec, &o), 0);
    CHECK_INT(rk_order_submit(l, &sys, o.ref), RK_EPERM);
    CHECK_INT(rk_order_paper(l, &sys, o.ref, "business_licence", NULL), RK_EPERM);
    /* a rejected order can be corrected and resubmitted */
    CHECK_INT(make(ref, &lily, "individual", "unlock", NULL, 0), 0);
    CHECK_INT(rk_order_reject(l, &ray, ref, ""), RK_EINVAL);
    CHECK_INT(rk_order_reject(l, &ray, ref, "复印件不清晰"), 0);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK_STR(o.reject_reason, "复印件不清晰");
    CHECK_INT(rk_order_submit(l, &lily, ref), 0);
    CHECK_STR(state_of(ref), "submitted");
    /* ... and its reasons are kept, every one, in order */
    CHECK_INT(rk_order_reject(l, &ray, ref, "缺少身份证反面"), 0);
    CHECK_INT(rk_order_submit(l, &lily, ref), 0);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK_STR(o.reject_reason, "");
    {
        rk_order_rejection rj[4];
        int nr = -1;
        CHECK_INT(rk_order_rejections(rj, 4, &nr, l, o.id), 0);
        CHECK_INT(nr, 2);
        CHECK_STR(rj[0].reason, "复印件不清晰");
        CHECK_STR(rj[0].by, "ray");
        CHECK_STR(rj[1].reason, "缺少身份证反面");
        CHECK(rj[0].at <= rj[1].at && rj[1].at == now);
    }
    CHECK_INT(rk_order_get(l, "nonexistent", &o), RK_ENOTFOUND);
}

static void test_batch(void)
{
    spec_buf s;
    rk_order_spec specs[3];
    char refs[3][RK_ORDER_REF_MAX];
    int64_t before = count("SELECT count(*) FROM orders");

    fill(&s, "individual", "unlock", NULL);
    memset(specs, 0, sizeof specs);
    for (int i = 0; i < 3; i++) {
        specs[i].business = "unlock";
        specs[i].subscriber = "individual";
        specs[i].names = s.names;
        specs[i].values = s.values;
        specs[i].n = s.n;
        specs[i].paper_docs = s.paper;
        specs[i].n_paper = s.np;
        specs[i].submit = 1;
    }
    CHECK_INT(rk_order_new_batch(l, &lily, specs, 3, refs), 0);
    CHECK_INT(count("SELECT count(*) FROM orders"), before + 3);
    CHECK(strcmp(refs[0], refs[1]) < 0 && strcmp(refs[1], refs[2]) < 0);
    CHECK_STR(state_of(refs[2]), "submitted");
    /* One bad order: none of the batch is kept, and the message says which. */
    specs[1].business = "teleport";
    CHECK_INT(rk_order_new_batch(l, &lily, specs, 3, refs), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "order 2 of 3") != NULL);
    CHECK_INT(count("SELECT count(*) FROM orders"), before + 3);
}

static void test_deadlines(void)
{
    char ref[RK_ORDER_REF_MAX];
    rk_order o;
    rk_order_row *rows;
    int n;
    int64_t due;

    /* A revocation received on Friday is due by Monday night. */
    at("2026-03-06T10:00:00+08:00");
    CHECK_INT(make(ref, &lily, "individual", "revoke", "B004", 0), 0);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    rk_clock_parse(&due, "2026-03-09T23:59:59+08:00");
    CHECK_INT(o.due_at, due);
    /* Issuance: five working days by the calendar. */
    CHECK_INT(make(ref, &lily, "individual", "new", NULL, 0), 0);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    int64_t expect;
    CHECK_INT(rk_calendar_due(l->calendar, now, 5, &expect), 0);
    CHECK_INT(o.due_at, expect);
    rk_clock_parse(&due, "2026-03-13T23:59:59+08:00");
    CHECK_INT(o.due_at, due);

    /* Across the National Day week, and across the Spring Festival with
     * its make-up Saturday (conf/calendar.ini, 2026): unlock is 2 days. */
    at("2026-09-30T16:00:00+08:00");
    CHECK_INT(make(ref, &lily, "individual", "unlock", NULL, 0), 0);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    rk_clock_parse(&due, "2026-10-09T23:59:59+08:00");
    CHECK_INT(o.due_at, due);
    at("2026-02-13T11:00:00+08:00");
    CHECK_INT(make(ref, &lily, "individual", "unlock", NULL, 0), 0);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    rk_clock_parse(&due, "2026-02-24T23:59:59+08:00");
    CHECK_INT(o.due_at, due);
    at("2026-03-06T10:00:00+08:00");
    rk_clock_parse(&due, "2026-03-13T23:59:59+08:00");

    /* Overdue once the deadline passes; not once the work is done. */
    rk_order_filter f;
    memset(&f, 0, sizeof f);
    f.overdue = 1;
    CHECK_INT(rk_order_list(l, &f, &rows, &n), 0);
    int before = n;
    free(rows);
    at("2026-03-10T09:00:00+08:00");
    CHECK_INT(rk_order_list(l, &f, &rows, &n), 0);
    CHECK(n > before);
    int found = 0;
    for (int i = 0; i < n; i++)
        found |= !strcmp(rows[i].business, "revoke") && rows[i].due_at == due - 4 * 86400;
    CHECK(found);
    free(rows);

    /* The clerk queue: submitted orders, oldest first. */
    memset(&f, 0, sizeof f);
    f.state = "submitted";
    CHECK_INT(rk_order_list(l, &f, &rows, &n), 0);
    CHECK(n >= 2);
    for (int i = 1; i < n; i++)
        CHECK(rows[i].submitted_at >= rows[i - 1].submitted_at);
    free(rows);
}

static void test_suspension_and_renewals(void)
{
    char ref[RK_ORDER_REF_MAX];
    rk_cert_record c;
    int resumed, revocations;

    at("2026-04-01T10:00:00+08:00");
    CHECK_INT(make(ref, &lily, "individual", "new", NULL, 0), 0);
    cert(&c, "D001", "sign", 365 * 2);
    complete(ref, &c);
    CHECK_INT(make(ref, &lily, "individual", "new", NULL, 0), 0);
    cert(&c, "D002", "sign", 100); /* expires before a hold would end */
    complete(ref, &c);
    CHECK_INT(make(ref, &lily, "individual", "suspend", "D001", 0), 0);
    complete(ref, NULL);
    CHECK_INT(make(ref, &lily, "individual", "suspend", "D002", 0), 0);
    complete(ref, NULL);

    at("2026-09-30T10:00:00+08:00"); /* five months and 29 days later */
    CHECK_INT(rk_certstatus_tick(l, &resumed, &revocations), 0);
    CHECK_INT(resumed, 0);
    CHECK_INT(revocations, 0);
    CHECK_STR(cert_status("D001"), "suspended");
    at("2026-10-01T10:00:01+08:00");
    CHECK_INT(rk_certstatus_tick(l, &resumed, &revocations), 0);
    CHECK_INT(resumed, 1);
    CHECK_INT(revocations, 1);
    CHECK_STR(cert_status("D001"), "valid");
    CHECK_STR(cert_status("D002"), "suspended"); /* outlived: revocation awaits review */
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'certificate.auto_resumed' "
                    "AND actor = 'system'"),
              1);
    CHECK_INT(count("SELECT count(*) FROM orders WHERE business = 'revoke' AND "
                    "cert_serial = 'D002' AND state = 'submitted' AND entered_by IS NULL"),
              1);
    /* Ticking again changes nothing. */
    CHECK_INT(rk_certstatus_tick(l, &resumed, &revocations), 0);
    CHECK_INT(resumed + revocations, 0);
    /* Month ends: 31 August + 6 months is the end of February. */
    int64_t t, end, want;
    rk_clock_parse(&t, "2026-08-31T12:00:00+08:00");
    rk_clock_parse(&want, "2027-02-28T12:00:00+08:00");
    end = rk_certstatus_hold_end(t);
    CHECK_INT(end, want);

    /* Renewal reminders: 30 days ahead, not 40. */
    at("2026-10-02T10:00:00+08:00");
    CHECK_INT(make(ref, &lily, "individual", "new", NULL, 0), 0);
    cert(&c, "E020", "sign", 20);
    complete(ref, &c);
    CHECK_INT(make(ref, &lily, "individual", "new", NULL, 0), 0);
    cert(&c, "E040", "sign", 40);
    complete(ref, &c);
    rk_renewal *list;
    int n, e20 = 0, e40 = 0;
    CHECK_INT(rk_certstatus_renewals(l, 30, &list, &n), 0);
    for (int i = 0; i < n; i++) {
        e20 |= !strcmp(list[i].serial, "E020") && list[i].days_left == 20;
        e40 |= !strcmp(list[i].serial, "E040");
    }
    free(list);
    CHECK(e20);
    CHECK(!e40);

    /* Status words. */
    rk_status_hit hits[16];
    CHECK_INT(rk_certstatus_query(l, "E020", hits, 16, &n), 0);
    CHECK_INT(n, 1);
    CHECK_STR(hits[0].status, "in_use");
    CHECK_INT(rk_certstatus_query(l, "D002", hits, 16, &n), 0);
    CHECK_STR(hits[0].status, "suspended");
    CHECK_INT(rk_certstatus_query(l, "A003", hits, 16, &n), 0);
    CHECK_STR(hits[0].status, "revoked");
    at("2028-01-01T10:00:00+08:00");
    CHECK_INT(rk_certstatus_query(l, "E020", hits, 16, &n), 0);
    CHECK_STR(hits[0].status, "cancelled");
    CHECK_INT(make(ref, &lily, "individual", "new", NULL, 0), 0);
    CHECK_INT(rk_order_approve(l, &ray, ref, NULL), 0);
    CHECK_INT(rk_certstatus_query(l, "王小明", hits, 16, &n), 0);
    int fresh = 0;
    for (int i = 0; i < n; i++)
        fresh |= !strcmp(hits[i].status, "new_application");
    CHECK(fresh);

    int64_t checked, bad;
    CHECK_INT(rk_audit_verify(db, &checked, &bad), 0);
}

/* The register's calls directly: one certificate per order and usage, a
 * serial once, statuses, the timer's conditional resume, recovery's move. */
static void test_register(void)
{
    char ref[RK_ORDER_REF_MAX], ref2[RK_ORDER_REF_MAX];
    rk_order o, o2;
    rk_cert_record c, d;
    rk_certreg_row row;
    int resumed = -1;

    at("2026-03-02T10:00:00");
    CHECK_INT(make(ref, &lily, "organisation", "new", NULL, 0), 0);
    CHECK_INT(make(ref2, &lily, "organisation", "new", NULL, 0), 0);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK_INT(rk_order_get(l, ref2, &o2), 0);
    cert(&c, "7AB0C1", "sign", 365);
    snprintf(c.key_serial, sizeof c.key_serial, "5500100");

    CHECK_INT(rk_db_begin(db), 0);
    CHECK_INT(rk_certreg_add(l, &o, &c), 0);
    CHECK_INT(rk_certreg_add(l, &o, &c), RK_ESTATE); /* never twice for one usage */
    CHECK(strstr(rk_err_msg(), "never issue twice") != NULL);
    CHECK_INT(rk_certreg_add(l, &o2, &c), RK_EEXIST); /* a serial once */
    cert(&d, "7AB0C2", "enc", 365);
    CHECK_INT(rk_certreg_add(l, &o, &d), 0); /* the other half of a dual pair */
    cert(&d, "7AB0C3", "sign", 0);
    CHECK_INT(rk_certreg_add(l, &o2, &d), RK_EINVAL); /* no validity */
    CHECK_INT(rk_db_end(db, 0), 0);

    CHECK_INT(rk_certreg_find(l, "7ab0c1", &row), 0); /* any case */
    CHECK_STR(row.status, "valid");
    CHECK_INT(row.not_after - row.not_before, 365 * 86400);
    CHECK_INT(rk_certreg_find(l, "FFFF01", &row), RK_ENOTFOUND);
    CHECK(strstr(rk_err_msg(), "FFFF01") != NULL);

    /* A hold, then the timer's resume only for that very hold. */
    CHECK_INT(rk_db_begin(db), 0);
    CHECK_INT(rk_certreg_set_status(l, "7AB0C1", "suspended", NULL), 0);
    CHECK_INT(rk_certreg_find(l, "7AB0C1", &row), 0);
    CHECK_STR(row.status, "suspended");
    CHECK_INT(row.suspended_at, now);
    CHECK_INT(rk_certreg_resume_hold(l, "7AB0C1", now - 1, &resumed), 0);
    CHECK_INT(resumed, 0);
    CHECK_INT(rk_certreg_resume_hold(l, "7AB0C1", now, &resumed), 0);
    CHECK_INT(resumed, 1);
    CHECK_INT(rk_certreg_find(l, "7AB0C1", &row), 0);
    CHECK_STR(row.status, "valid");
    CHECK_INT(row.suspended_at, 0);

    /* Recovery moves a valid certificate to another key, not a revoked one. */
    snprintf(c.key_serial, sizeof c.key_serial, "5500200");
    CHECK_INT(rk_certreg_move(l, &c), 0);
    CHECK_INT(count("SELECT count(*) FROM certificate WHERE serial = '7AB0C1' AND "
                    "key_serial = '5500200'"),
              1);
    CHECK_INT(rk_certreg_set_status(l, "7AB0C1", "revoked", "keyCompromise"), 0);
    CHECK_INT(rk_certreg_move(l, &c), RK_ESTATE);
    CHECK_INT(rk_certreg_resume_hold(l, "7AB0C1", now, &resumed), 0);
    CHECK_INT(resumed, 0);
    CHECK_INT(rk_db_end(db, 0), 0);
    CHECK_STR(cert_status("7AB0C1"), "revoked");
    CHECK_INT(count("SELECT count(*) FROM certificate WHERE serial = '7AB0C1' AND "
                    "revoke_reason = 'keyCompromise' AND revoked_at IS NOT NULL"),
              1);

    /* Outside a transaction of its own, a failed change leaves nothing. */
    CHECK_INT(rk_db_begin(db), 0);
    CHECK_INT(rk_certreg_set_status(l, "7AB0C2", "revoked", "superseded"), 0);
    CHECK_INT(rk_db_end(db, RK_ESTATE), RK_ESTATE);
    CHECK_STR(cert_status("7AB0C2"), "valid");
}

/* Authorisation codes: made at approval for certificate and revoke orders
 * only, shown once, sealed, fit only their purpose and a ready order, spent
 * once (a revoke order's only for its certificate), renewed while unused. */
static void test_authcode(void)
{
    char ref[RK_ORDER_REF_MAX], rref[RK_ORDER_REF_MAX], qref[RK_ORDER_REF_MAX];
    char code[RK_AUTHCODE_MAX], got[RK_AUTHCODE_MAX], again[RK_AUTHCODE_MAX];
    rk_order o;
    rk_cert_record c;

    at("2026-03-02T09:00:00+08:00");
    CHECK_INT(make(ref, &lily, "individual", "new", NULL, 0), 0);
    CHECK_INT(rk_authcode_secret(got, sizeof got, l, ref, RK_AUTHCODE_CERT), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "no authorisation code") != NULL); /* not approved yet */
    CHECK_INT(rk_order_approve_code(code, sizeof code, l, &ray, ref, NULL), 0);
    CHECK_INT((int)strlen(code), 19);
    CHECK(code[4] == '-' && code[9] == '-' && code[14] == '-');
    CHECK_INT(count("SELECT authcode IS NOT NULL FROM orders ORDER BY id DESC LIMIT 1"), 1);
    {
        /* Sealed: the code's text is nowhere in the database file's rows. */
        char sql[200];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM orders WHERE instr(authcode, '%s') > 0 OR "
                 "instr(fields, '%s') > 0",
                 code, code);
        CHECK_INT(count(sql), 0);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM audit WHERE instr(coalesce(detail,'') || "
                 "coalesce(after,''), '%s') > 0",
                 code);
        CHECK_INT(count(sql), 0);
    }
    /* Approved, not paid: not ready. */
    CHECK_INT(rk_authcode_secret(got, sizeof got, l, ref, RK_AUTHCODE_CERT), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "not paid") != NULL);
    CHECK(strstr(rk_err_msg(), code) == NULL);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK_INT(rk_order_pay(l, &lily, ref, "cash", o.fee_total), 0);
    CHECK_INT(rk_authcode_secret(got, sizeof got, l, ref, RK_AUTHCODE_CERT), 0);
    CHECK_STR(got, code);
    CHECK_INT(rk_authcode_secret(got, sizeof got, l, ref, RK_AUTHCODE_REVOKE), RK_ESTATE);
    CHECK_INT(rk_authcode_secret(got, sizeof got, l, "000000-0000", RK_AUTHCODE_CERT),
              RK_ENOTFOUND);
    /* Renewed while unused: only by a review clerk; the old code goes. */
    CHECK_INT(rk_authcode_reissue(again, sizeof again, l, &lily, ref), RK_EPERM);
    CHECK_INT(rk_authcode_reissue(again, sizeof again, l, &ray, ref), 0);
    CHECK(strcmp(again, code) != 0);
    CHECK_INT(rk_authcode_secret(got, sizeof got, l, ref, RK_AUTHCODE_CERT), 0);
    CHECK_STR(got, again);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'order.authcode_renewed'"), 1);
    /* Spent once. */
    CHECK_INT(rk_authcode_use(l, ref, RK_AUTHCODE_CERT, "5a5a"), 0);
    CHECK_INT(rk_authcode_use(l, ref, RK_AUTHCODE_CERT, "5a5b"), RK_ESTATE);
    CHECK_INT(rk_authcode_secret(got, sizeof got, l, ref, RK_AUTHCODE_CERT), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "has been used") != NULL);
    CHECK_INT(rk_authcode_reissue(again, sizeof again, l, &ray, ref), RK_ESTATE);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'order.authcode_used'"), 1);

    /* A revoke order's code revokes only its certificate. */
    cert(&c, "a1b2c3", "sign", 365);
    CHECK_INT(rk_order_issue(l, &lily, ref, &c), 0);
    CHECK_INT(make(rref, &lily, "individual", "revoke", "A1B2C3", 0), 0);
    CHECK_INT(rk_order_approve_code(code, sizeof code, l, &ray, rref, NULL), 0);
    CHECK_INT((int)strlen(code), 19); /* revoke is free: ready at once */
    CHECK_INT(rk_authcode_secret(got, sizeof got, l, rref, RK_AUTHCODE_CERT), RK_ESTATE);
    CHECK_INT(rk_authcode_secret(got, sizeof got, l, rref, RK_AUTHCODE_REVOKE), 0);
    CHECK_INT(rk_authcode_use(l, rref, RK_AUTHCODE_REVOKE, "ffee"), RK_EPERM);
    CHECK_INT(rk_authcode_secret(got, sizeof got, l, rref, RK_AUTHCODE_REVOKE), 0); /* unspent */
    CHECK_INT(rk_authcode_use(l, rref, RK_AUTHCODE_REVOKE, "00a1B2c3"), 0);
    CHECK_INT(rk_authcode_use(l, rref, RK_AUTHCODE_REVOKE, "a1b2c3"), RK_ESTATE);

    /* Businesses that neither produce nor revoke a certificate get none. */
    CHECK(!rk_authcode_applies("query") && !rk_authcode_applies("unlock") &&
          rk_authcode_applies("renew") && rk_authcode_applies("revoke"));
    CHECK_INT(make(qref, &lily, "individual", "unlock", NULL, 0), 0);
    strcpy(code, "x");
    CHECK_INT(rk_order_approve_code(code, sizeof code, l, &ray, qref, NULL), 0);
    CHECK_STR(code, "");
    CHECK_INT(rk_authcode_secret(got, sizeof got, l, qref, RK_AUTHCODE_CERT), RK_ESTATE);
}

/* The certificates an order produced, and its task-completion record:
 * the new certificate (not the one it replaced), an individual's name and
 * masked ID number rather than a unit's, the remark in Chinese. */
static void test_produced(void)
{
    char ref[RK_ORDER_REF_MAX], rref[RK_ORDER_REF_MAX];
    rk_order o;
    rk_cert_record c;
    rk_certreg_cert certs[4];
    rk_a4_record rec;
    int n = -1;

    at("2026-03-03T09:00:00+08:00");
    CHECK_INT(make(ref, &lily, "individual", "new", NULL, 0), 0);
    CHECK_INT(rk_order_approve(l, &ray, ref, NULL), 0);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    CHECK_INT(rk_order_pay(l, &lily, ref, "cash", o.fee_total), 0);
    CHECK_INT(rk_certreg_of_order(certs, 4, &n, l, o.id), 0);
    CHECK_INT(n, 0);
    cert(&c, "C0FFEE01", "sign", 365);
    CHECK_INT(rk_order_issue(l, &lily, ref, &c), 0);
    CHECK_INT(rk_order_deliver(l, &lily, ref, "pickup", NULL), 0);
    CHECK_INT(rk_certreg_of_order(certs, 4, &n, l, o.id), 0);
    CHECK_INT(n, 1);
    CHECK_STR(certs[0].serial, "C0FFEE01");
    CHECK_STR(certs[0].usage, "sign");
    CHECK_STR(certs[0].status, "valid");
    CHECK_INT(rk_orderprint_record(l, ref, &rec), 0);
    CHECK_STR(rec.cert_serial, "C0FFEE01（签名）");
    CHECK_STR(rec.subject_label, "申请人姓名");
    CHECK_STR(rec.code_label, "证件号码");
    CHECK(strstr(rec.credit_code, "*") != NULL);
    CHECK_STR(rec.notes, "柜台领取");

    /* A reissue: the record shows the new certificate, the old is revoked. */
    CHECK_INT(make(rref, &lily, "individual", "reissue", "C0FFEE01", 0), 0);
    CHECK_INT(rk_order_approve(l, &ray, rref, NULL), 0);
    CHECK_INT(rk_order_get(l, rref, &o), 0);
    if (o.fee_total) CHECK_INT(rk_order_pay(l, &lily, rref, "cash", o.fee_total), 0);
    cert(&c, "C0FFEE02", "sign", 365);
    CHECK_INT(rk_order_issue(l, &lily, rref, &c), 0);
    CHECK_INT(rk_order_redispatch(l, &lily, rref, "mail", "北京市朝阳区建国路1号"), 0);
    CHECK_INT(rk_order_deliver(l, &lily, rref, "mail", "SF1234567890"), 0);
    CHECK_INT(rk_orderprint_record(l, rref, &rec), 0);
    CHECK_STR(rec.cert_serial, "C0FFEE02（签名）");
    CHECK_STR(rec.notes, "邮寄交付，快递单号 SF1234567890");
    CHECK_STR(cert_status("C0FFEE01"), "revoked");
}

/* The encryption half added inside the issuing transaction, as the
 * enrolment journal does. */
typedef struct enc_half {
    const char *ref;
    rk_cert_record cert;
} enc_half;

static int add_enc(rk_ledger *lg, void *arg)
{
    enc_half *e = arg;
    return rk_order_add_certificate(lg, e->ref, &e->cert);
}

/* Approves, pays and issues ref with a dual pair SIGN + ENC on key. */
static void issue_pair(const char *ref, const char *sign, const char *enc, const char *key)
{
    rk_order o;
    rk_cert_record c;
    enc_half e = {.ref = ref};
    CHECK_INT(rk_order_approve(l, &ray, ref, NULL), 0);
    CHECK_INT(rk_order_get(l, ref, &o), 0);
    if (o.fee_total) CHECK_INT(rk_order_pay(l, &lily, ref, "cash", o.fee_total), 0);
    cert(&c, sign, "sign", 365);
    snprintf(c.key_serial, sizeof c.key_serial, "%s", key);
    cert(&e.cert, enc, "enc", 365);
    snprintf(e.cert.key_serial, sizeof e.cert.key_serial, "%s", key);
    if (rk_order_issue_with(l, &lily, ref, &c, add_enc, &e) != 0)
        fprintf(stderr, "  issue %s: %s\n", ref, rk_err_msg());
    CHECK_STR(state_of(ref), "issued");
}

static const char *revoke_reason(const char *serial)
{
    static char s[32];
    sqlite3_stmt *st;
    snprintf(s, sizeof s, "?");
    if (rk_db_prepare(db, &st,
                      "SELECT coalesce(revoke_reason, '') FROM certificate "
                      "WHERE serial = ?") == 0) {
        sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) snprintf(s, sizeof s, "%s", sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    return s;
}

/* The certificate.revoked event of serial: its RFC 5280 reason code, or -1. */
static int64_t event_reason(const char *serial)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT json_extract(payload, '$.reason') FROM outbox WHERE entity = 'certificate' "
             "AND entity_id = '%s' AND kind = 'certificate.revoked'",
             serial);
    return count(sql);
}

/* Revocation takes every certificate the business ends: both halves of a
 * dual pair and the older generations a renewal kept on the same key,
 * with the reason of the business (keyCompromise for a lost key,
 * superseded for a change, a broken key and, when configured, a renewal,
 * cessationOfOperation for a closure), each audited and sent to HQ; never
 * a certificate of another subscriber that shares a key serial. */
static void test_ending(void)
{
    char ref[RK_ORDER_REF_MAX], other[RK_ORDER_REF_MAX];

    at("2026-04-01T09:00:00+08:00");
    CHECK_INT(make(ref, &lily, "individual", "new", NULL, 0), 0);
    issue_pair(ref, "EE001", "EE001E", "5500901");
    /* Another subscriber's pair whose key has the same serial (a reused
     * or mistyped serial): never taken with the first subscriber's. */
    CHECK_INT(make_for(other, &lily, "individual", "new", NULL, 0, "李小红"), 0);
    issue_pair(other, "EF001", "EF001E", "5500901");

    /* Renewal keeps the old pair by default ([ledger] renewal_old_pair). */
    CHECK_INT(conf->renewal_supersede, 0);
    CHECK_INT(make(ref, &lily, "individual", "renew", "EE001", 0), 0);
    issue_pair(ref, "EE002", "EE002E", "5500901");
    CHECK_STR(cert_status("EE001"), "valid");
    CHECK_STR(cert_status("EE001E"), "valid");

    /* A lost key: both pairs on it are revoked, keyCompromise. */
    CHECK_INT(make(ref, &lily, "individual", "reissue", "EE002", 0), 0);
    issue_pair(ref, "EE003", "EE003E", "5500902");
    const char *lost[] = {"EE001", "EE001E", "EE002", "EE002E"};
    for (int i = 0; i < 4; i++) {
        CHECK_STR(cert_status(lost[i]), "revoked");
        CHECK_STR(revoke_reason(lost[i]), "keyCompromise");
        CHECK_INT(event_reason(lost[i]), 1);
    }
    CHECK_STR(cert_status("EE003"), "valid");
    CHECK_STR(cert_status("EE003E"), "valid");
    CHECK_STR(cert_status("EF001"), "valid"); /* the other subscriber's */
    CHECK_STR(cert_status("EF001E"), "valid");
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'certificate.revoked' AND "
                    "detail LIKE '%EE002E (enc) revoked, keyCompromise%'"),
              1);
    CHECK_INT(
        count("SELECT count(*) FROM audit WHERE action = 'order.issued' AND detail LIKE "
              "'%revoked EE001 (sign), EE001E (enc), EE002 (sign), EE002E (enc): keyCompromise'"),
        1);

    /* A change of details supersedes the whole pair, named by either half. */
    CHECK_INT(make(ref, &lily, "individual", "change", "EE003E", 0), 0);
    issue_pair(ref, "EE004", "EE004E", "5500902");
    CHECK_STR(revoke_reason("EE003"), "superseded");
    CHECK_STR(revoke_reason("EE003E"), "superseded");
    CHECK_INT(event_reason("EE003E"), 4);
    CHECK_STR(cert_status("EE004E"), "valid");

    /* A broken key: superseded too. */
    CHECK_INT(make(ref, &lily, "individual", "replace", "EE004", 0), 0);
    issue_pair(ref, "EE005", "EE005E", "5500903");
    CHECK_STR(revoke_reason("EE004"), "superseded");
    CHECK_STR(revoke_reason("EE004E"), "superseded");

    /* A renewal supersedes the pair when the branch says so. */
    conf->renewal_supersede = 1;
    CHECK_INT(make(ref, &lily, "individual", "renew", "EE005", 0), 0);
    issue_pair(ref, "EE006", "EE006E", "5500903");
    conf->renewal_supersede = 0;
    CHECK_STR(revoke_reason("EE005"), "superseded");
    CHECK_STR(revoke_reason("EE005E"), "superseded");
    CHECK_STR(cert_status("EE006"), "valid");

    /* A closure: the revocation takes the pair, cessationOfOperation. */
    CHECK_INT(make(ref, &lily, "individual", "revoke", "EE006", 0), 0);
    CHECK_INT(rk_order_reject(l, &ray, ref, "请选择吊销原因类别"), 0);
    CHECK_INT(rk_order_set(l, &lily, ref, "revoke_cause", "bankrupt", NULL), RK_EINVAL);
    CHECK_INT(rk_order_set(l, &lily, ref, "revoke_cause", "closure", NULL), 0);
    CHECK_INT(rk_order_submit(l, &lily, ref), 0);
    complete(ref, NULL);
    CHECK_STR(revoke_reason("EE006"), "cessationOfOperation");
    CHECK_STR(revoke_reason("EE006E"), "cessationOfOperation");
    CHECK_INT(event_reason("EE006E"), 5);
    /* ... and nothing more can be done with either half. */
    CHECK_INT(make(ref, &lily, "individual", "revoke", "EE006E", 0), RK_ESTATE);

    /* A revocation whose reason is an RFC 5280 name uses it; one in the
     * subscriber's own words, without a cause, is unspecified. */
    CHECK_INT(make(ref, &lily, "individual", "revoke", "EF001E", 0), 0);
    CHECK_INT(rk_order_reject(l, &ray, ref, "x"), 0);
    CHECK_INT(rk_order_set(l, &lily, ref, "reason", "KeyCompromise", NULL), 0);
    CHECK_INT(rk_order_submit(l, &lily, ref), 0);
    complete(ref, NULL);
    CHECK_STR(revoke_reason("EF001"), "keyCompromise");
    CHECK_STR(revoke_reason("EF001E"), "keyCompromise");
    CHECK_INT(make(ref, &lily, "individual", "new", NULL, 0), 0);
    issue_pair(ref, "EA001", "EA001E", "5500904");
    CHECK_INT(make(ref, &lily, "individual", "revoke", "EA001", 0), 0);
    complete(ref, NULL);
    CHECK_STR(revoke_reason("EA001"), "unspecified");
    CHECK_STR(revoke_reason("EA001E"), "unspecified");
    CHECK_INT(event_reason("EA001"), 0);
}

/* References come from a counter that never goes back: a creation that
 * fails names no reference, and the number it took is never given to
 * another order; neither are a failed batch's. */
static void test_refs(void)
{
    char a[RK_ORDER_REF_MAX], b[RK_ORDER_REF_MAX], c[RK_ORDER_REF_MAX];
    spec_buf s;
    rk_order_spec spec;
    rk_order o;

    at("2026-05-06T09:00:00+08:00");
    CHECK_INT(make(a, &lily, "individual", "unlock", NULL, 0), 0);
    CHECK_STR(a, "260506-0001");
    /* Submitted at capture without its documents: refused, nothing kept,
     * and the message names no reference. */
    fill(&s, "individual", "unlock", NULL);
    memset(&spec, 0, sizeof spec);
    spec.business = "unlock";
    spec.subscriber = "individual";
    spec.names = s.names;
    spec.values = s.values;
    spec.n = s.n;
    spec.submit = 1;
    int64_t orders = count("SELECT count(*) FROM orders");
    CHECK_INT(rk_order_new(l, &lily, &spec, &o), RK_ESTATE);
    CHECK(strstr(rk_err_msg(), "none was created") != NULL);
    CHECK(strstr(rk_err_msg(), "260506-") == NULL);
    CHECK_INT(count("SELECT count(*) FROM orders"), orders);
    /* The next subscriber gets a number of their own, not the failed one's. */
    CHECK_INT(make(b, &lily, "individual", "unlock", NULL, 0), 0);
    CHECK_STR(b, "260506-0003");
    /* A failed batch keeps none of its orders, and none of its numbers. */
    rk_order_spec specs[2];
    fill(&s, "individual", "unlock", NULL);
    memset(specs, 0, sizeof specs);
    for (int i = 0; i < 2; i++) {
        specs[i].business = i ? "teleport" : "unlock";
        specs[i].subscriber = "individual";
        specs[i].names = s.names;
        specs[i].values = s.values;
        specs[i].n = s.n;
        specs[i].paper_docs = s.paper;
        specs[i].n_paper = s.np;
        specs[i].submit = 1;
    }
    CHECK_INT(rk_order_new_batch(l, &lily, specs, 2, NULL), RK_EINVAL);
    CHECK_INT(make(c, &lily, "individual", "unlock", NULL, 0), 0);
    CHECK_STR(c, "260506-0006");
    /* A new day starts again at 1. */
    at("2026-05-07T09:00:00+08:00");
    CHECK_INT(make(c, &lily, "individual", "unlock", NULL, 0), 0);
    CHECK_STR(c, "260507-0001");
    CHECK_INT(count("SELECT last FROM order_ref WHERE day = '260506'"), 6);
}

int main(void)
{
    rk_clock_set(test_clock, NULL);
    setup();
    test_business_paths();
    test_refusals();
    test_batch();
    test_deadlines();
    test_suspension_and_renewals();
    test_register();
    test_authcode();
    test_produced();
    test_ending();
    test_refs();
    rk_ledger_free(l);
    rk_db_close(db);
    rk_conf_free(conf);
    rk_test_rmtree(dir);
    return rk_test_done();
}
