/*
 * Unit tests of the branch's ledger services (branch/ledger.h) on the
 * shipped demo rules, through a branch opened on the fixture's data
 * folder: who may read personal data (a clerk; the system actor and no
 * actor are refused; the public status view masks names), a reveal
 * audited before it is shown, a document's image only for the session's
 * clerk and audited, several fields set all or none, the status
 * query by ID number, refused words that change nothing, a reference only
 * for an order that exists, and the tick as the system actor.
 */
#include "ledger_fixture.h"

#include "branch/branch.h"
#include "branch/ledger.h"
#include "branch/session.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/wipe.h"

static rk_actor lily, ray, amy;
static rk_branch *b;

static const char *names[] = {"applicant_name", "applicant_id", "applicant_mobile",
                              "email",          "invoice_type", "delivery"};
static const char *values[] = {"王小明",        "11010519491231002X", "13800138000",
                               "a@example.com", "ordinary",           "pickup"};
static const char *paper[] = {"application_form", "id_card"};

static void setup(void)
{
    char path[600];
    rk_conf *c2;
    ledger_setup("boss");
    clerk(&lily, "lily", "lily", RK_ROLE_ENTRY | RK_ROLE_ISSUE);
    clerk(&ray, "ray", "ray", RK_ROLE_REVIEW);
    clerk(&amy, "amy", "amy", RK_ROLE_ARCHIVE);
    snprintf(path, sizeof path, "%s/conf/kiosk.conf", getenv("RK_SOURCE_DIR"));
    if (rk_conf_load(&c2, path)) {
        fprintf(stderr, "%s\n", rk_err_msg());
        exit(2);
    }
    snprintf(c2->documents, sizeof c2->documents, "%s/documents", dir);
    c2->kdf_log2_n = 14;
    static rk_branch_env env; /* nothing from the environment */
    const rk_branch_opts opts = {.conf = c2, .env = &env};
    if (rk_branch_open(&b, &opts)) {
        fprintf(stderr, "branch: %s\n", rk_err_msg());
        exit(2);
    }
    /* amy is the clerk of the branch's session (as at the kiosk's desk). */
    if (rk_branch_login(b, "amy", "password1", &amy)) {
        fprintf(stderr, "branch login: %s\n", rk_err_msg());
        exit(2);
    }
}

static void capture(rk_branch_order_result *r, int submit)
{
    const rk_branch_capture_req req = {.business = "new",
                                       .subscriber = "individual",
                                       .names = names,
                                       .values = values,
                                       .n = 6,
                                       .paper_docs = paper,
                                       .n_paper = 2,
                                       .submit = submit};
    CHECK_INT(rk_branch_order_capture(b, &lily, &req, r), 0);
}

static void test_capture_and_fields(void)
{
    rk_branch_order_result r;
    int64_t orders = count("SELECT count(*) FROM orders");

    /* Forged words: refused before anything is written, no reference. */
    const rk_branch_capture_req bad = {.business = "nosuch", .subscriber = "individual"};
    CHECK_INT(rk_branch_order_capture(b, &lily, &bad, &r), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "recovery") != NULL); /* the valid ones listed */
    CHECK_STR(r.ref, "");
    const rk_branch_capture_req bad2 = {.business = "new", .subscriber = "robot"};
    CHECK_INT(rk_branch_order_capture(b, &lily, &bad2, &r), RK_EINVAL);
    /* An incomplete order submitted at once: none created, no reference. */
    const rk_branch_capture_req incomplete = {.business = "new",
                                              .subscriber = "individual",
                                              .names = names,
                                              .values = values,
                                              .n = 2,
                                              .submit = 1};
    CHECK(rk_branch_order_capture(b, &lily, &incomplete, &r) != 0);
    CHECK_STR(r.ref, "");
    CHECK_INT(count("SELECT count(*) FROM orders"), orders);

    capture(&r, 0);
    CHECK_STR(r.state, "draft");
    CHECK(r.ref[0] != '\0');
    CHECK_INT(count("SELECT count(*) FROM orders"), orders + 1);

    /* Two fields, one refused: neither changes. */
    const char *n2[] = {"applicant_name", "applicant_mobile"};
    const char *v2[] = {"李四", "12"};
    const rk_branch_fields_req set = {.ref = r.ref, .names = n2, .values = v2, .n = 2};
    rk_branch_order_result r2;
    CHECK(rk_branch_order_set_fields(b, &lily, &set, &r2) != 0);
    rk_order o;
    CHECK_INT(rk_order_get(l, r.ref, &o), 0);
    CHECK_STR(rk_order_value(&o, "applicant_name"), "王小明");
    CHECK_STR(rk_order_value(&o, "applicant_mobile"), "13800138000");
    /* The wrong role: nothing either. */
    const char *v3[] = {"李四", "13900139000"};
    const rk_branch_fields_req set3 = {.ref = r.ref, .names = n2, .values = v3, .n = 2};
    CHECK_INT(rk_branch_order_set_fields(b, &amy, &set3, &r2), RK_EPERM);
    int64_t audits = count("SELECT count(*) FROM audit WHERE action = 'order.field_set'");
    CHECK_INT(rk_branch_order_set_fields(b, &lily, &set3, &r2), 0);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'order.field_set'"), audits + 1);
    CHECK_INT(rk_order_get(l, r.ref, &o), 0);
    CHECK_STR(rk_order_value(&o, "applicant_name"), "李四");
    CHECK_STR(rk_order_value(&o, "applicant_mobile"), "13900139000");
    rk_wipe(&o, sizeof o);
}

static void test_personal_data(void)
{
    rk_branch_order_result r;
    rk_branch_order_view *v = NULL;
    rk_order_row *rows = NULL;
    rk_renewal *ren = NULL;
    rk_status_hit hits[8];
    int n = -1;

    capture(&r, 1);
    CHECK_STR(r.state, "submitted");
    CHECK(r.fee_total > 0);
    rk_branch_order_result a;
    CHECK_INT(rk_branch_order_approve(b, &lily, r.ref, NULL, &a), RK_EPERM); /* entered it */
    CHECK_INT(rk_branch_order_approve(b, &ray, r.ref, NULL, &a), 0);
    CHECK_STR(a.state, "approved");
    CHECK(a.authcode[0] != '\0');
    rk_branch_order_result_wipe(&a);
    CHECK_STR(a.authcode, "");

    /* No clerk: refused, nothing handed out. */
    const rk_branch_list_req all = {0};
    CHECK_INT(rk_branch_order_list(b, NULL, &all, &rows, &n), RK_EPERM);
    CHECK(rows == NULL && n == 0);
    CHECK_INT(rk_branch_order_list(b, &sys, &all, &rows, &n), RK_EPERM);
    CHECK_INT(rk_branch_overdue(b, &sys, 0, &rows, &n), RK_EPERM);
    CHECK_INT(rk_branch_renewals(b, &sys, 30, &ren, &n), RK_EPERM);
    CHECK_INT(rk_branch_order_show(b, &sys, r.ref, 0, &v), RK_EPERM);
    CHECK(v == NULL);
    const rk_branch_status_req q = {.query = "王小明"};
    CHECK_INT(rk_branch_status_query(b, &sys, &q, hits, 8, &n), RK_EPERM);
    /* A clerk who is not the session's (an actor made up or kept) reads
     * nothing either; nor does the session's clerk once logged out. */
    CHECK_INT(rk_branch_order_list(b, &lily, &all, &rows, &n), RK_EPERM);
    CHECK_INT(rk_branch_order_show(b, &ray, r.ref, 1, &v), RK_EPERM);
    rk_actor forged = amy;
    forged.clerk_id = lily.clerk_id;
    CHECK_INT(rk_branch_status_query(b, &forged, &q, hits, 8, &n), RK_EPERM);
    /* A forged state word is refused, not an empty queue. */
    const rk_branch_list_req nosuch = {.state = "nosuch"};
    CHECK_INT(rk_branch_order_list(b, &amy, &nosuch, &rows, &n), RK_EINVAL);

    /* A clerk of any role. */
    const rk_branch_list_req approved = {.state = "approved"};
    CHECK_INT(rk_branch_order_list(b, &amy, &approved, &rows, &n), 0);
    CHECK_INT(n, 1);
    if (n == 1) CHECK_STR(rows[0].ref, r.ref);
    free(rows);
    CHECK_INT(rk_branch_status_query(b, &amy, &q, hits, 8, &n), 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_STR(hits[0].status, "new_application");
        CHECK_STR(hits[0].subject_name, "王小明");
    }
    /* The kiosk's public view: anyone, the name masked. */
    const rk_branch_status_req pub = {.query = "王小明", .public_view = 1};
    CHECK_INT(rk_branch_status_query(b, &sys, &pub, hits, 8, &n), 0);
    CHECK_INT(n, 1);
    if (n == 1) CHECK_STR(hits[0].subject_name, "王***");
    /* By ID number (lower-case x too), never stored in clear. */
    const rk_branch_status_req id = {.query = "11010519491231002x"};
    CHECK_INT(rk_branch_status_query(b, &amy, &id, hits, 8, &n), 0);
    CHECK_INT(n, 1);
    if (n == 1) CHECK_STR(hits[0].order_ref, r.ref);
    const rk_branch_status_req other = {.query = "110105194912310038"};
    CHECK_INT(rk_branch_status_query(b, &amy, &other, hits, 8, &n), 0);
    CHECK_INT(n, 0);

    /* Shown masked; revealed only audited. */
    int64_t reveals = count("SELECT count(*) FROM audit WHERE action = 'order.revealed'");
    CHECK_INT(rk_branch_order_show(b, &amy, r.ref, 0, &v), 0);
    for (int i = 0; v && i < v->n_fields; i++)
        if (!strcmp(v->fields[i].def->name, "applicant_id")) {
            CHECK(strchr(v->fields[i].shown, '*') != NULL);
            CHECK(strstr(v->fields[i].shown, "1949") == NULL);
        }
    if (v) CHECK(strstr(rk_order_value(&v->order, "applicant_id"), "1949") == NULL);
    rk_branch_order_view_free(v);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'order.revealed'"), reveals);
    CHECK_INT(rk_branch_order_show(b, &amy, r.ref, 1, &v), 0);
    for (int i = 0; v && i < v->n_fields; i++)
        if (!strcmp(v->fields[i].def->name, "applicant_id"))
            CHECK_STR(v->fields[i].shown, "11010519491231002X");
    rk_branch_order_view_free(v);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'order.revealed' AND actor = 'amy'"),
              reveals + 1);
    /* The documents: the two papers seen at capture, for the session's
     * clerk only. */
    rk_order_doc *docs = NULL;
    CHECK_INT(rk_branch_order_documents(b, &lily, r.ref, &docs, &n), RK_EPERM);
    CHECK(docs == NULL);
    CHECK_INT(rk_branch_order_documents(b, &amy, r.ref, &docs, &n), 0);
    CHECK_INT(n, 2);
    for (int i = 0; i < n; i++)
        CHECK(docs[i].seen_on_paper);
    free(docs);
    CHECK_INT(rk_branch_order_documents(b, &amy, "000000-0000", &docs, &n), RK_ENOTFOUND);
    /* The public view for the session's clerk is not masked. */
    CHECK_INT(rk_branch_status_query(b, &amy, &pub, hits, 8, &n), 0);
    if (n == 1) CHECK_STR(hits[0].subject_name, "王小明");
}

static void test_money_and_tick(void)
{
    rk_branch_order_result r, p;
    capture(&r, 1);
    CHECK_INT(rk_branch_order_approve(b, &ray, r.ref, NULL, &p), 0);
    const rk_branch_payment_req forged = {.ref = r.ref, .method = "bitcoin", .fen = r.fee_total};
    CHECK_INT(rk_branch_order_pay(b, &lily, &forged, &p), RK_EINVAL);
    const rk_branch_payment_req pay = {.ref = r.ref, .method = "cash", .fen = r.fee_total};
    CHECK_INT(rk_branch_order_pay(b, &lily, &pay, &p), 0);
    CHECK_STR(p.state, "paid");
    CHECK_INT(p.paid_fen, r.fee_total);
    /* The entry clerk cannot cancel a paid order; a supervisor with its refund. */
    const rk_branch_cancel_req no_refund = {.ref = r.ref, .reason = "x"};
    CHECK(rk_branch_order_cancel(b, &lily, &no_refund, &p) != 0);
    CHECK_INT(rk_branch_order_cancel(b, &boss, &no_refund, &p), RK_ESTATE);
    const rk_branch_cancel_req refund = {.ref = r.ref, .reason = "x", .refund_method = "cash"};
    CHECK_INT(rk_branch_order_cancel(b, &boss, &refund, &p), 0);
    CHECK_STR(p.state, "cancelled");
    CHECK_INT(p.refund_fen, r.fee_total);

    /* A tick that changes nothing is not audited; none acts as a clerk. */
    /* After logout the session's clerk reads nothing. */
    rk_order_row *rows = NULL;
    int n = -1;
    const rk_branch_list_req all = {0};
    CHECK_INT(rk_branch_logout(b), 0);
    CHECK_INT(rk_branch_order_list(b, &amy, &all, &rows, &n), RK_EPERM);
    CHECK(rows == NULL);

    rk_branch_tick_result t;
    int64_t ticks = count("SELECT count(*) FROM audit WHERE action = 'tick.run'");
    CHECK_INT(rk_branch_tick(b, &t), 0);
    CHECK_INT(t.resumed + t.revocations, 0);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'tick.run'"), ticks);
}

/* A document's image for a clerk who looks at it: only the clerk of the
 * session, audited before it is handed out, the stored bytes exactly;
 * a paper original or a missing document has none, and nothing is
 * audited for a refusal. */
static void test_document_image(void)
{
    rk_branch_order_result r;
    rk_buf img, want;
    char format[8], path[600];
    capture(&r, 0);
    snprintf(path, sizeof path, "%s/tests/data/images/ok.png", getenv("RK_SOURCE_DIR"));
    rk_buf_init(&want, 1 << 20);
    CHECK_INT(rk_file_read(&want, path), 0);
    rk_branch_order_result ar;
    const rk_branch_attach_req att = {.ref = r.ref, .doc_type = "id_card", .path = path};
    CHECK_INT(rk_branch_order_attach(b, &lily, &att, &ar), 0);
    int64_t looks = count("SELECT count(*) FROM audit WHERE action = 'order.document_viewed'");

    rk_buf_init(&img, 1 << 20);
    /* Not the session's clerk, no actor: refused, nothing read or audited. */
    CHECK_INT(rk_branch_order_document_image(b, &lily, r.ref, "id_card", &img, format), RK_EPERM);
    CHECK_INT(rk_branch_order_document_image(b, NULL, r.ref, "id_card", &img, format), RK_EPERM);
    CHECK_INT((int)img.len, 0);
    /* The paper original has no image; an unknown order is not found. */
    CHECK_INT(rk_branch_order_document_image(b, &amy, r.ref, "application_form", &img, format),
              RK_ENOTFOUND);
    CHECK_INT(rk_branch_order_document_image(b, &amy, "000000-0000", "id_card", &img, format),
              RK_ENOTFOUND);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'order.document_viewed'"), looks);
    /* The clerk of the session gets the very bytes, the look audited. */
    CHECK_INT(rk_branch_order_document_image(b, &amy, r.ref, "id_card", &img, format), 0);
    CHECK_STR(format, "png");
    CHECK_INT((int)img.len, (int)want.len);
    CHECK(img.len == want.len && memcmp(img.data, want.data, img.len) == 0);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'order.document_viewed' AND actor = "
                    "'amy' AND detail = 'document id_card shown'"),
              1);
    /* A buffer too small for it: refused, left as it was. */
    rk_buf small;
    rk_buf_init(&small, 16);
    CHECK_INT(rk_branch_order_document_image(b, &amy, r.ref, "id_card", &small, format),
              RK_ETOOBIG);
    CHECK_INT((int)small.len, 0);
    rk_buf_free(&small);
    rk_buf_free(&img);
    rk_buf_free(&want);
}

int main(void)
{
    rk_clock_set(test_clock, NULL);
    at("2026-03-02T10:00:00");
    setup();
    test_capture_and_fields();
    test_personal_data();
    test_document_image();
    test_money_and_tick();
    rk_branch_close(b);
    rk_ledger_free(l);
    rk_db_close(db);
    rk_conf_free(conf);
    rk_test_rmtree(dir);
    return rk_test_done();
}
