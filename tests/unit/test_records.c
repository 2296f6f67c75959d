/*
 * Unit tests of the branch's records on the shipped demo rules (conf/),
 * with orders built through the real order API: the register and the
 * operation log (rows, masking, filters, CSV quoting and formula guard,
 * XLSX, audited exports), archive boxes (sort by social-security number,
 * rollover at 100 and 150, a box per transaction when a run is cut off),
 * complaints with working-day deadlines, consultations, surveys and the
 * weekly summary.
 */
#include "ledger_fixture.h"

#include "audit/audit.h"
#include "domain/archive.h"
#include "domain/export.h"
#include "domain/order.h"
#include "domain/service.h"
#include "print/recordprint.h"

static rk_actor lily, ray, archie;
static int serial_seq;

static void setup(void)
{
    ledger_setup("王主管");
    clerk(&lily, "lily", "李录入", RK_ROLE_ENTRY | RK_ROLE_ISSUE);
    clerk(&ray, "ray", "芮审核", RK_ROLE_REVIEW);
    clerk(&archie, "archie", "安档案", RK_ROLE_ARCHIVE);
}

/* An order's fields. */
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

typedef struct who {
    const char *kind;     /* organisation or individual */
    const char *business; /* new, renew ... */
    const char *unit;     /* enterprise or applicant name */
    const char *ssn;      /* NULL: none */
    const char *project;  /* NULL: none */
    const char *serial;   /* the certificate a renewal acts on */
} who;

/* Creates, submits, approves, pays, issues (with a certificate) and
 * delivers an order; returns 0 and its ref. */
static int delivered(char ref[RK_ORDER_REF_MAX], const who *w)
{
    spec_buf s;
    rk_order_spec spec;
    rk_order o;
    rk_form form;
    rk_cert_record c;
    int rc;

    memset(&s, 0, sizeof s);
    if (!strcmp(w->kind, "individual")) {
        put(&s, "applicant_name", w->unit);
        put(&s, "applicant_id", "11010519491231002X");
        put(&s, "applicant_mobile", "13800138000");
    } else {
        put(&s, "enterprise_name", w->unit);
        put(&s, "uscc", "91350100M000100Y43");
        put(&s, "legal_rep_name", "张三");
        put(&s, "legal_rep_id", "11010519491231002X");
        put(&s, "legal_rep_mobile", "13800138000");
        put(&s, "agent_name", "李四");
        put(&s, "agent_id", "110105491231002");
        put(&s, "agent_mobile", "13900139000");
        if (w->ssn) put(&s, "ssn", w->ssn);
    }
    if (w->project) put(&s, "project", w->project);
    put(&s, "email", "it@example.com");
    put(&s, "invoice_type", "ordinary");
    put(&s, "delivery", "pickup");
    if (w->serial) put(&s, "cert_serial", w->serial);
    if (!strcmp(w->business, "change")) put(&s, "reason", "单位名称变更");
    if ((rc = rk_forms_compose(l->forms, w->kind, w->business, &form)) != 0) return rc;
    for (int i = 0; i < form.n_docs; i++)
        s.paper[s.np++] = form.docs[i]->name;
    memset(&spec, 0, sizeof spec);
    spec.business = w->business;
    spec.subscriber = w->kind;
    spec.names = s.names;
    spec.values = s.values;
    spec.n = s.n;
    spec.paper_docs = s.paper;
    spec.n_paper = s.np;
    spec.submit = 1;
    if ((rc = rk_order_new(l, &lily, &spec, &o)) != 0 ||
        (rc = rk_order_approve(l, &ray, o.ref, NULL)) != 0 ||
        (rc = rk_order_get(l, o.ref, &o)) != 0 ||
        (o.fee_total && (rc = rk_order_pay(l, &lily, o.ref, "cash", o.fee_total)) != 0))
        goto fail;
    memset(&c, 0, sizeof c);
    snprintf(c.serial, sizeof c.serial, "C%05X", ++serial_seq);
    snprintf(c.usage, sizeof c.usage, "sign");
    c.not_before = now;
    c.not_after = now + 365 * 86400;
    if ((rc = rk_order_issue(l, &lily, o.ref, &c)) != 0 ||
        (rc = rk_order_deliver(l, &lily, o.ref, "pickup", NULL)) != 0)
        goto fail;
    snprintf(ref, RK_ORDER_REF_MAX, "%s", o.ref);
    return 0;
fail:
    fprintf(stderr, "  delivered %s %s: %s\n", w->kind, w->business, rk_err_msg());
    return rc;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    *len = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    buf = calloc(1, (size_t)size + 1);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) *len = (size_t)size;
    return buf;
}

static void test_csv_cells(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"北京示例", "北京示例"},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"=SUM(A1:A9)", "'=SUM(A1:A9)"},
        {"+8613800138000", "'+8613800138000"},
        {"-5", "'-5"},
        {"@cmd", "'@cmd"},
        {"=HYPERLINK(\"x\",\"y\")", "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""},
        {"", ""},
        {"a=b", "a=b"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rk_buf b;
        rk_buf_init(&b, 1024);
        CHECK_INT(rk_export_csv_cell(&b, cases[i].in), 0);
        CHECK_STR(b.data ? b.data : "", cases[i].out);
        rk_buf_free(&b);
    }
    char code[16];
    rk_export_org_code(code, sizeof code, "91350100M000100Y43");
    CHECK_STR(code, "M000100Y4");
    rk_export_org_code(code, sizeof code, "short");
    CHECK_STR(code, "");
}

static void test_export(void)
{
    char ref1[RK_ORDER_REF_MAX], ref2[RK_ORDER_REF_MAX], ref3[RK_ORDER_REF_MAX], path[400];
    rk_register_row *reg;
    rk_oplog_row *op;
    rk_export_filter f;
    int n, rows;
    size_t len;

    at("2026-03-02T09:30:00+08:00");
    who a = {"organisation", "new", "北京示例科技有限公司", "SB1100001", "社保项目", NULL};
    who b = {"individual", "new", "王小明", NULL, NULL, NULL};
    who c = {"organisation", "new", "=HYPERLINK(\"http://x\",\"点我\")", "SB1100002", NULL, NULL};
    CHECK_INT(delivered(ref1, &a), 0);
    at("2026-03-03T10:00:00+08:00");
    CHECK_INT(delivered(ref2, &b), 0);
    at("2026-03-04T11:00:00+08:00");
    CHECK_INT(delivered(ref3, &c), 0);
    /* An unfinished order is in neither list. */
    char open_ref[RK_ORDER_REF_MAX];
    rk_order o;
    spec_buf s;
    rk_order_spec spec;
    memset(&s, 0, sizeof s);
    put(&s, "applicant_name", "未完成");
    memset(&spec, 0, sizeof spec);
    spec.business = "new";
    spec.subscriber = "individual";
    spec.names = s.names;
    spec.values = s.values;
    spec.n = s.n;
    CHECK_INT(rk_order_new(l, &lily, &spec, &o), 0);
    snprintf(open_ref, sizeof open_ref, "%s", o.ref);

    memset(&f, 0, sizeof f);
    CHECK_INT(rk_export_register_rows(l, &f, &reg, &n), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(reg[0].ref, ref1);
        CHECK_STR(reg[0].ssn, "SB1100001");
        CHECK_STR(reg[0].unit, "北京示例科技有限公司");
        CHECK_STR(reg[0].org_code, "M000100Y4");
        CHECK_STR(reg[0].contact, "李四");
        CHECK_STR(reg[0].phone, "13900139000");
        CHECK_STR(reg[0].project, "社保项目");
        CHECK_STR(reg[0].region, "北京市"); /* the branch's, as the order names none */
        CHECK_INT(reg[0].expires_at - reg[0].produced_at, 365 * 86400);
        CHECK_STR(reg[1].contact, "王小明");
        CHECK_STR(reg[1].phone, "13800138000");
        CHECK_STR(reg[1].org_code, "");
    }
    rk_export_wipe(reg, n, sizeof *reg);
    /* Filters: project, and dates. */
    f.project = "社保项目";
    CHECK_INT(rk_export_register_rows(l, &f, &reg, &n), 0);
    CHECK_INT(n, 1);
    rk_export_wipe(reg, n, sizeof *reg);
    memset(&f, 0, sizeof f);
    rk_clock_parse(&f.from, "2026-03-03");
    rk_clock_parse(&f.to, "2026-03-04");
    CHECK_INT(rk_export_register_rows(l, &f, &reg, &n), 0);
    CHECK_INT(n, 1);
    if (n == 1) CHECK_STR(reg[0].ref, ref2);
    rk_export_wipe(reg, n, sizeof *reg);

    memset(&f, 0, sizeof f);
    CHECK_INT(rk_export_oplog_rows(l, &f, 0, &op, &n), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(op[0].business, "new");
        CHECK_STR(op[0].producer, "李录入");
        CHECK_STR(op[0].reviewer, "芮审核");
        CHECK_STR(op[0].id_number, "110105********002X"); /* the agent's, 15 digits made 18 */
        CHECK_STR(op[1].id_number, "110105********002X");
    }
    rk_export_wipe(op, n, sizeof *op);
    CHECK_INT(rk_export_oplog_rows(l, &f, 1, &op, &n), 0);
    if (n == 3) CHECK_STR(op[0].id_number, "11010519491231002X");
    rk_export_wipe(op, n, sizeof *op);

    /* Roles: entry/issue clerks may not export. */
    snprintf(path, sizeof path, "%s/register.csv", dir);
    CHECK_INT(rk_export_write(l, &lily, RK_EXPORT_REGISTER, RK_EXPORT_CSV, path, &f, 0, &rows),
              RK_EPERM);
    FILE *gone = fopen(path, "r");
    CHECK(gone == NULL);
    if (gone) fclose(gone);

    int64_t audits = count("SELECT count(*) FROM audit");
    CHECK_INT(rk_export_write(l, &archie, RK_EXPORT_REGISTER, RK_EXPORT_CSV, path, &f, 0, &rows),
              0);
    CHECK_INT(rows, 3);
    CHECK_INT(count("SELECT count(*) FROM audit") - audits, 1);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'export.register' AND actor = "
                    "'archie' AND after LIKE '%\"rows\":3%'"),
              1);
    char *csv = slurp(path, &len);
    CHECK(csv != NULL);
    if (csv) {
        CHECK(len > 3 && !memcmp(csv, "\xEF\xBB\xBF", 3));
        CHECK(!strncmp(csv + 3,
                       "单位社保编号,单位名称,组织机构代码,联系人,联系电话,制证日期,有效期至,"
                       "业务单号,业务类型,项目,地区\r\n",
                       strlen("单位社保编号,单位名称,组织机构代码,联系人,联系电话,制证日期,"
                              "有效期至,业务单号,业务类型,项目,地区\r\n")));
        CHECK(strstr(csv, "SB1100001,北京示例科技有限公司,M000100Y4,李四,13900139000,2026-03-02,"
                          "2027-03-02,") != NULL);
        /* The formula became text, quoted because of its commas and quotes. */
        CHECK(strstr(csv, "\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\"") != NULL);
        CHECK(strstr(csv, ",=HYPERLINK") == NULL);
        CHECK(strstr(csv, open_ref) == NULL);
        free(csv);
    }
    /* The operation log: revealing is a separate audit entry. */
    snprintf(path, sizeof path, "%s/oplog.csv", dir);
    CHECK_INT(rk_export_write(l, &boss, RK_EXPORT_OPLOG, RK_EXPORT_CSV, path, &f, 0, &rows), 0);
    csv = slurp(path, &len);
    CHECK(csv && strstr(csv, "110105********002X") && !strstr(csv, "11010519491231002X"));
    CHECK(csv && strstr(csv, "2026-03-02 09:30,北京市,社保项目,证书新办,北京示例科技有限公司,"));
    free(csv);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'export.revealed'"), 0);
    CHECK_INT(rk_export_write(l, &boss, RK_EXPORT_OPLOG, RK_EXPORT_CSV, path, &f, 1, &rows), 0);
    csv = slurp(path, &len);
    CHECK(csv && strstr(csv, "11010519491231002X"));
    free(csv);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'export.revealed' AND actor = "
                    "'boss' AND role = 'supervisor'"),
              1);
    CHECK_INT(rk_export_write(l, &boss, RK_EXPORT_REGISTER, RK_EXPORT_CSV, path, &f, 1, &rows),
              RK_EINVAL);

    /* XLSX: a zip archive (the integration test reads its XML). */
    snprintf(path, sizeof path, "%s/register.xlsx", dir);
    CHECK_INT(rk_export_write(l, &archie, RK_EXPORT_REGISTER, RK_EXPORT_XLSX, path, &f, 0, &rows),
              0);
    char *x = slurp(path, &len);
    CHECK(x && len > 1000 && !memcmp(x, "PK\x03\x04", 4));
    free(x);
    /* A file that cannot be written is an error, and nothing is audited. */
    audits = count("SELECT count(*) FROM audit");
    CHECK_INT(rk_export_write(l, &archie, RK_EXPORT_REGISTER, RK_EXPORT_CSV,
                              "/nonexistent/dir/r.csv", &f, 0, &rows),
              RK_EIO);
    CHECK_INT(count("SELECT count(*) FROM audit"), audits);
    /* Audit records and outbox events carry no phone numbers or IDs. */
    CHECK_INT(count("SELECT count(*) FROM audit WHERE coalesce(after, '') || coalesce(detail, '') "
                    "LIKE '%13900139000%' OR coalesce(after, '') LIKE '%11010519491231002X%'"),
              0);
}

/* Stops the run after `stop_at` orders: a crash in the middle of a box. */
static int stop_at;
static int stopper(void *arg, const rk_progress *p)
{
    (void)arg;
    CHECK_INT(p->op, RK_OP_ARCHIVE);
    return stop_at && p->done >= stop_at;
}

static void test_archive_small(void)
{
    /* Social-security numbers out of order; an individual has none. */
    static const char *const ssns[] = {"SB0000007", "SB0000002", "SB0000009", "SB0000001",
                                       "SB0000005", "SB0000003", "SB0000008", "SB0000004"};
    char ref[RK_ORDER_REF_MAX], solo[RK_ORDER_REF_MAX];
    rk_archive_box *boxes;
    int n, archived;

    at("2026-03-09T09:00:00+08:00");
    for (int i = 0; i < 8; i++) {
        char unit[64];
        snprintf(unit, sizeof unit, "单位%d", i);
        who w = {"organisation", i == 3 ? "change" : "new", unit, ssns[i], NULL, NULL};
        if (i == 3) {
            /* a change needs a certificate to act on */
            who first = {"organisation", "new", unit, ssns[i], NULL, NULL};
            CHECK_INT(delivered(ref, &first), 0);
            char serial[16];
            snprintf(serial, sizeof serial, "C%05X", serial_seq);
            w.serial = serial;
            CHECK_INT(delivered(ref, &w), 0);
        } else {
            CHECK_INT(delivered(ref, &w), 0);
        }
    }
    who ind = {"individual", "new", "赵个人", NULL, NULL, NULL};
    CHECK_INT(delivered(solo, &ind), 0);
    /* A renewal belongs to the other group. */
    who ren = {"organisation", "renew", "单位R", "SB0000000", NULL, "C00001"};
    CHECK_INT(delivered(ref, &ren), 0);
    /* 10 new-group orders (the change's first new order is one more), 1 renewal. */
    CHECK_INT(count("SELECT count(*) FROM orders WHERE state = 'delivered'"), 14);

    /* Only the archive role files. */
    CHECK_INT(rk_archive_boxes(l, &lily, "new", 4, 0, NULL, NULL, &boxes, &n, &archived), RK_EPERM);
    CHECK_INT(rk_archive_boxes(l, &archie, "fresh", 4, 0, NULL, NULL, &boxes, &n, &archived),
              RK_EINVAL);

    /* A dry run plans and changes nothing. */
    int64_t before = count("SELECT count(*) FROM audit");
    CHECK_INT(rk_archive_boxes(l, &archie, "new", 4, 1, NULL, NULL, &boxes, &n, &archived), 0);
    int new_group = (int)count("SELECT count(*) FROM orders WHERE state = 'delivered' AND "
                               "business IN ('new', 'change', 'reissue', 'replace')");
    CHECK_INT(archived, new_group);
    CHECK_INT(n, (new_group + 3) / 4);
    if (n >= 1) {
        CHECK_STR(boxes[0].label, "DEMO01-XB-2026-0001");
        CHECK_INT(boxes[0].count, 4);
    }
    free(boxes);
    CHECK_INT(count("SELECT count(*) FROM audit"), before);
    CHECK_INT(count("SELECT count(*) FROM archive_box"), 0);

    /* Cut off in the middle of the second box: the first box stays whole,
     * the second is rolled back entirely. */
    stop_at = 6;
    CHECK_INT(rk_archive_boxes(l, &archie, "new", 4, 0, stopper, NULL, &boxes, &n, &archived),
              RK_ECANCELED);
    CHECK_INT(n, 1);
    CHECK_INT(archived, 4);
    free(boxes);
    CHECK_INT(count("SELECT count(*) FROM archive_box"), 1);
    CHECK_INT(count("SELECT count(*) FROM archive_item"), 4);
    CHECK_INT(count("SELECT count(*) FROM orders WHERE state = 'archived'"), 4);
    CHECK_INT(count("SELECT count(*) FROM archive_box WHERE sealed_at IS NOT NULL"), 1);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'order.archived'"), 4);
    CHECK_INT(count("SELECT count(*) FROM outbox WHERE kind = 'order.archived'"), 4);

    /* The next run files the rest: boxes 2 and 3 (the last one open). */
    stop_at = 0;
    at("2026-03-10T09:00:00+08:00");
    CHECK_INT(rk_archive_boxes(l, &archie, "new", 4, 0, stopper, NULL, &boxes, &n, &archived), 0);
    CHECK_INT(archived, new_group - 4);
    /* 13 in the group (with the export test's three): 4 + 4 + 4 + 1. */
    CHECK_INT(new_group, 13);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(boxes[0].label, "DEMO01-XB-2026-0002");
        CHECK_STR(boxes[1].label, "DEMO01-XB-2026-0003");
        CHECK_STR(boxes[2].label, "DEMO01-XB-2026-0004");
        CHECK_INT(boxes[0].count, 4);
        CHECK(boxes[0].sealed_at != 0);
        CHECK(boxes[1].sealed_at != 0);
        CHECK_INT(boxes[2].count, 1);
        CHECK_INT(boxes[2].sealed_at, 0);
    }
    free(boxes);
    /* Sorted by social-security number across the boxes; none last. */
    sqlite3_stmt *st;
    char prev[40] = "";
    int sorted = 1, seen = 0, last_is_solo = 0;
    rk_db_prepare(db, &st,
                  "SELECT coalesce(o.ssn, ''), o.ref FROM archive_item i "
                  "JOIN archive_box b ON b.id = i.box_id JOIN orders o ON o.id = i.order_id "
                  "ORDER BY b.id, i.position");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        if (s[0] && (!prev[0] && seen)) sorted = 0; /* a number after an empty one */
        if (s[0] && prev[0] && strcmp(prev, s) > 0) sorted = 0;
        snprintf(prev, sizeof prev, "%s", s);
        last_is_solo = !strcmp((const char *)sqlite3_column_text(st, 1), solo);
        seen++;
    }
    sqlite3_finalize(st);
    CHECK(sorted);
    CHECK(last_is_solo);
    CHECK_INT(seen, new_group);
    /* Nothing left: a run changes nothing. */
    CHECK_INT(rk_archive_boxes(l, &archie, "new", 4, 0, NULL, NULL, &boxes, &n, &archived), 0);
    CHECK_INT(n, 0);
    CHECK_INT(archived, 0);
    free(boxes);
    /* The renewal waits for its own group. */
    CHECK_INT(count("SELECT count(*) FROM orders WHERE state = 'delivered'"), 1);

    /* Labels for the A4 printer. */
    rk_archive_box b;
    rk_a4_label lab;
    CHECK_INT(rk_archive_get(l, "DEMO01-XB-2026-0001", &b), 0);
    rk_archive_label_a4(&lab, &b, conf->branch_name);
    CHECK_STR(lab.box_no, "DEMO01-XB-2026-0001");
    CHECK_STR(lab.ss_first, "SB0000001");
    CHECK_STR(lab.ss_last, "SB0000003"); /* SB0000001 twice: its new order and its change */
    CHECK_INT(lab.count, 4);
    CHECK_STR(lab.business, "新办");
    CHECK_STR(lab.date, "2026-03-09");
    CHECK_INT(rk_archive_get(l, "DEMO01-XB-2026-0042", &b), RK_ENOTFOUND);
    /* Archived orders cannot move again. */
    CHECK_INT(rk_order_redispatch(l, &lily, solo, "pickup", NULL), RK_ESTATE);
}

static void test_archive_rollover(void)
{
    char ref[RK_ORDER_REF_MAX], base[16];
    rk_archive_box *boxes;
    int n, archived, made = 0;

    /* 230 new certificates: the open box 0004 (capacity 4, holding 1) takes
     * 3, then boxes 0005 and 0006 of 100 and 0007 with the remaining 27.
     * Then 160 renewals (and the small test's one): 150 and 11. */
    at("2026-04-13T09:00:00+08:00");
    for (int i = 0; i < 230; i++) {
        char unit[64], ssn[16];
        snprintf(unit, sizeof unit, "批量单位%03d", i);
        snprintf(ssn, sizeof ssn, "SB%07d", (i * 7919) % 1000); /* scrambled order */
        who w = {"organisation", "new", unit, ssn, NULL, NULL};
        made += delivered(ref, &w) == 0;
    }
    CHECK_INT(made, 230);
    snprintf(base, sizeof base, "C%05X", serial_seq);
    made = 0;
    for (int i = 0; i < 160; i++) {
        char unit[64], ssn[16];
        snprintf(unit, sizeof unit, "续费单位%03d", i);
        snprintf(ssn, sizeof ssn, "SR%07d", 159 - i);
        who w = {"organisation", "renew", unit, ssn, NULL, base};
        made += delivered(ref, &w) == 0;
    }
    CHECK_INT(made, 160);

    CHECK_INT(rk_archive_boxes(l, &archie, "new", 0, 0, NULL, NULL, &boxes, &n, &archived), 0);
    CHECK_INT(archived, 230);
    CHECK_INT(n, 4);
    if (n == 4) {
        CHECK_STR(boxes[0].label, "DEMO01-XB-2026-0004");
        CHECK_INT(boxes[0].count, 4);
        CHECK_INT(boxes[0].added, 3);
        CHECK(boxes[0].sealed_at != 0);
        CHECK_INT(boxes[3].count, 27);
    }
    int hundreds = 0, total = 0;
    for (int i = 0; i < n; i++) {
        total += boxes[i].added;
        hundreds += boxes[i].capacity == 100 && boxes[i].count == 100 && boxes[i].sealed_at;
    }
    CHECK_INT(total, 230);
    CHECK_INT(hundreds, 2);
    if (n >= 1) CHECK_STR(boxes[n - 1].label, "DEMO01-XB-2026-0007");
    if (n >= 1) CHECK_INT(boxes[n - 1].sealed_at, 0);
    free(boxes);

    CHECK_INT(rk_archive_boxes(l, &archie, "renew", 0, 0, NULL, NULL, &boxes, &n, &archived), 0);
    CHECK_INT(archived, 161); /* with the renewal from the small test */
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(boxes[0].label, "DEMO01-XF-2026-0001");
        CHECK_INT(boxes[0].capacity, 150);
        CHECK_INT(boxes[0].count, 150);
        CHECK(boxes[0].sealed_at != 0);
        CHECK_STR(boxes[0].ssn_first, "SB0000000");
        CHECK_STR(boxes[0].ssn_last, "SR0000148");
        CHECK_STR(boxes[1].label, "DEMO01-XF-2026-0002");
        CHECK_INT(boxes[1].count, 11);
        CHECK_STR(boxes[1].ssn_first, "SR0000149");
        CHECK_STR(boxes[1].ssn_last, "SR0000159");
    }
    free(boxes);
    CHECK_INT(rk_archive_list(l, NULL, &boxes, &n), 0);
    CHECK_INT(n, 9);
    free(boxes);
    CHECK_INT(rk_archive_list(l, "renew", &boxes, &n), 0);
    CHECK_INT(n, 2);
    free(boxes);
    CHECK_INT(count("SELECT count(*) FROM outbox WHERE entity = 'record' AND kind = "
                    "'record.archive_box'"),
              4 + 4 + 2);
    int64_t checked, bad;
    CHECK_INT(rk_audit_verify(db, &checked, &bad), 0);
}

static void test_complaints(void)
{
    rk_complaint_spec s;
    rk_complaint *list;
    int64_t id, id2, due, expect;
    int n;

    memset(&s, 0, sizeof s);
    s.subscriber = "陈先生";
    s.content = "证书制作超过承诺时限";
    s.workdays = 2;
    /* Friday + 2 working days: Tuesday 23:59:59. */
    at("2026-03-06T10:00:00+08:00");
    CHECK_INT(rk_service_complaint_open(l, &sys, &s, &id, &due), RK_EPERM);
    CHECK_INT(rk_service_complaint_open(l, &lily, &s, &id, &due), 0);
    rk_clock_parse(&expect, "2026-03-10T23:59:59+08:00");
    CHECK_INT(due, expect);
    /* Across the National Day holidays, and onto a make-up Saturday. */
    at("2026-09-30T16:00:00+08:00");
    s.workdays = 1;
    CHECK_INT(rk_service_complaint_open(l, &lily, &s, &id2, &due), 0);
    rk_clock_parse(&expect, "2026-10-08T23:59:59+08:00");
    CHECK_INT(due, expect);
    at("2026-10-09T09:00:00+08:00");
    CHECK_INT(rk_service_complaint_open(l, &lily, &s, NULL, &due), 0);
    rk_clock_parse(&expect, "2026-10-10T23:59:59+08:00");
    CHECK_INT(due, expect);
    /* An agreed date; the past and nonsense are refused. */
    s.deadline_date = "2026-10-20";
    s.order_ref = NULL;
    CHECK_INT(rk_service_complaint_open(l, &lily, &s, NULL, &due), 0);
    rk_clock_parse(&expect, "2026-10-20T23:59:59+08:00");
    CHECK_INT(due, expect);
    s.deadline_date = "2026-10-01";
    CHECK_INT(rk_service_complaint_open(l, &lily, &s, NULL, &due), RK_EINVAL);
    s.deadline_date = "2026-02-30";
    CHECK_INT(rk_service_complaint_open(l, &lily, &s, NULL, &due), RK_EINVAL);
    s.deadline_date = NULL;
    s.workdays = -1;
    CHECK_INT(rk_service_complaint_open(l, &lily, &s, NULL, &due), RK_EINVAL);
    s.workdays = 1;
    s.order_ref = "999999-9999";
    CHECK_INT(rk_service_complaint_open(l, &lily, &s, NULL, &due), RK_ENOTFOUND);
    s.order_ref = NULL;
    s.content = "";
    CHECK_INT(rk_service_complaint_open(l, &lily, &s, NULL, &due), RK_EINVAL);

    /* On 2026-10-12 the first two are past their deadline, and so is the
     * one due on the make-up Saturday. */
    at("2026-10-12T09:00:00+08:00");
    CHECK_INT(rk_service_complaint_list(l, RK_COMPLAINTS_OVERDUE, &list, &n), 0);
    CHECK_INT(n, 3);
    if (n) {
        CHECK_INT(list[0].id, id);
        CHECK(list[0].overdue);
    }
    free(list);
    CHECK_INT(rk_service_complaint_resolve(l, &lily, id, "已办结并致歉"), RK_EPERM);
    CHECK_INT(rk_service_complaint_resolve(l, &boss, id, ""), RK_EINVAL);
    CHECK_INT(rk_service_complaint_resolve(l, &boss, id, "已办结并致歉"), 0);
    CHECK_INT(rk_service_complaint_resolve(l, &boss, id, "again"), RK_ESTATE);
    CHECK_INT(rk_service_complaint_resolve(l, &boss, 4242, "x"), RK_ENOTFOUND);
    CHECK_INT(rk_service_complaint_list(l, RK_COMPLAINTS_OPEN, &list, &n), 0);
    CHECK_INT(n, 3);
    free(list);
    CHECK_INT(rk_service_complaint_list(l, RK_COMPLAINTS_ALL, &list, &n), 0);
    CHECK_INT(n, 4);
    if (n) {
        CHECK_STR(list[0].status, "resolved");
        CHECK_STR(list[0].resolved_by, "boss");
        CHECK_STR(list[0].content, "证书制作超过承诺时限");
    }
    free(list);
    CHECK_INT(count("SELECT count(*) FROM outbox WHERE entity = 'record' AND kind = "
                    "'record.complaint'"),
              4);
    CHECK_INT(count("SELECT count(*) FROM outbox WHERE kind = 'record.complaint_resolved' AND "
                    "payload LIKE '%\"late\":true%'"),
              1);
    CHECK_INT(count("SELECT count(*) FROM outbox WHERE payload LIKE '%陈先生%' OR payload LIKE "
                    "'%承诺时限%'"),
              0);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE coalesce(after, '') || "
                    "coalesce(detail, '') LIKE '%陈先生%'"),
              0);
}

static void test_weekly(void)
{
    rk_consult_spec c;
    rk_weekly w;
    char ref[RK_ORDER_REF_MAX], ref2[RK_ORDER_REF_MAX], avg[16];
    int64_t id;

    /* The week of Monday 2026-11-02. */
    at("2026-11-02T09:00:00+08:00");
    memset(&c, 0, sizeof c);
    c.channel = "counter";
    c.topic = "解锁";
    c.question = "PIN 锁死怎么办";
    c.answer = "携带身份证到柜台解锁";
    CHECK_INT(rk_service_consult(l, &lily, &c, &id), 0);
    CHECK_INT(rk_service_consult(l, &sys, &c, &id), RK_EPERM);
    c.answer = NULL;
    c.subscriber = "刘女士";
    CHECK_INT(rk_service_consult(l, &ray, &c, &id), 0);
    c.topic = "驱动安装";
    c.channel = "phone";
    CHECK_INT(rk_service_consult(l, &boss, &c, &id), 0);
    c.channel = "fax";
    CHECK_INT(rk_service_consult(l, &boss, &c, &id), RK_EINVAL);
    c.channel = "online";
    c.question = "";
    CHECK_INT(rk_service_consult(l, &boss, &c, &id), RK_EINVAL);

    who a = {"organisation", "new", "周报单位", "SW0000001", NULL, NULL};
    CHECK_INT(delivered(ref, &a), 0);
    CHECK_INT(delivered(ref2, &a), 0);
    /* An order that will run late: unlock, 2 working days, never done. */
    spec_buf s;
    rk_order_spec spec;
    rk_order o;
    memset(&s, 0, sizeof s);
    put(&s, "applicant_name", "孙迟到");
    put(&s, "applicant_id", "11010519491231002X");
    put(&s, "applicant_mobile", "13800138000");
    put(&s, "email", "s@example.com");
    put(&s, "invoice_type", "ordinary");
    put(&s, "delivery", "pickup");
    put(&s, "key_serial", "5500001");
    s.paper[s.np++] = "id_card";
    memset(&spec, 0, sizeof spec);
    spec.business = "unlock";
    spec.subscriber = "individual";
    spec.names = s.names;
    spec.values = s.values;
    spec.n = s.n;
    spec.paper_docs = s.paper;
    spec.n_paper = s.np;
    spec.submit = 1;
    CHECK_INT(rk_order_new(l, &lily, &spec, &o), 0);

    /* Surveys: two on lily's orders, one at the kiosk without an order. */
    CHECK_INT(rk_service_survey(l, &sys, 5, "很满意", ref, &id), 0);
    CHECK_INT(rk_service_survey(l, &ray, 4, NULL, ref2, &id), 0);
    CHECK_INT(rk_service_survey(l, &sys, 2, "排队太久", NULL, &id), 0);
    CHECK_INT(rk_service_survey(l, &sys, 6, NULL, NULL, &id), RK_EINVAL);
    CHECK_INT(rk_service_survey(l, &sys, 0, NULL, NULL, &id), RK_EINVAL);
    CHECK_INT(rk_service_survey(l, &sys, 3, NULL, "000000-0000", &id), RK_ENOTFOUND);

    /* A complaint opened and resolved in the week. */
    rk_complaint_spec cs;
    memset(&cs, 0, sizeof cs);
    cs.subscriber = "周先生";
    cs.content = "发票未收到";
    cs.order_ref = ref;
    cs.workdays = 1;
    int64_t cid;
    CHECK_INT(rk_service_complaint_open(l, &lily, &cs, &cid, NULL), 0);
    at("2026-11-03T15:00:00+08:00");
    CHECK_INT(rk_service_complaint_resolve(l, &boss, cid, "已重新发送发票"), 0);

    /* Friday afternoon: the unlock (due Wednesday) is overdue. */
    at("2026-11-06T16:00:00+08:00");
    int64_t day;
    rk_clock_parse(&day, "2026-11-04");
    CHECK_INT(rk_service_weekly(l, day, &w), 0);
    int64_t mon, nextmon;
    rk_clock_parse(&mon, "2026-11-02");
    rk_clock_parse(&nextmon, "2026-11-09");
    CHECK_INT(w.start, mon);
    CHECK_INT(w.end, nextmon);
    CHECK_INT(w.consultations, 3);
    CHECK_INT(w.channels[0].count, 2); /* counter */
    CHECK_INT(w.channels[1].count, 1); /* phone */
    CHECK_INT(w.n_topics, 2);
    if (w.n_topics == 2) {
        CHECK_STR(w.topics[0].key, "解锁");
        CHECK_INT(w.topics[0].count, 2);
        CHECK_INT(w.topics[0].extra, 1); /* answered */
        CHECK_STR(w.topics[1].key, "驱动安装");
    }
    CHECK_INT(w.orders, 3);
    int new_delivered = 0, unlock_submitted = 0;
    for (int i = 0; i < w.n_order_states; i++) {
        if (!strcmp(w.order_states[i].key, "new") && !strcmp(w.order_states[i].key2, "delivered"))
            new_delivered = w.order_states[i].count;
        if (!strcmp(w.order_states[i].key, "unlock") &&
            !strcmp(w.order_states[i].key2, "submitted"))
            unlock_submitted = w.order_states[i].count;
    }
    CHECK_INT(new_delivered, 2);
    CHECK_INT(unlock_submitted, 1);
    CHECK_INT(w.overdue, 1);
    CHECK_INT(w.complaints_opened, 1);
    CHECK_INT(w.complaints_resolved, 1);
    CHECK_INT(w.surveys, 3);
    CHECK_INT(w.score_sum, 11);
    rk_service_average(avg, sizeof avg, w.score_sum, w.surveys);
    CHECK_STR(avg, "3.67");
    CHECK_INT(w.n_clerks, 1);
    if (w.n_clerks == 1) {
        CHECK_STR(w.clerks[0].key, "lily");
        CHECK_INT(w.clerks[0].count, 2);
        CHECK_INT(w.clerks[0].extra, 9);
    }
    /* The previous week's figures do not include this week's. */
    rk_clock_parse(&day, "2026-11-01");
    CHECK_INT(rk_service_weekly(l, day, &w), 0);
    CHECK_INT(w.consultations, 0);
    CHECK_INT(w.surveys, 0);
    CHECK_INT(w.overdue, 0); /* the unlock was not yet late then */

    /* The A4 report's content. */
    rk_a4_weekly a4;
    rk_clock_parse(&day, "2026-11-06");
    CHECK_INT(rk_service_weekly(l, day, &w), 0);
    rk_service_weekly_a4(&a4, &w, conf->branch_name, "王主管");
    CHECK_STR(a4.week, "2026-11-02 至 2026-11-08");
    CHECK(a4.n_rows >= 6);
    int found = 0;
    for (int i = 0; i < a4.n_rows; i++)
        found |= !strcmp(a4.rows[i].category, "满意度调查") && a4.rows[i].count == 3 &&
                 strstr(a4.rows[i].notes, "3.67") != NULL;
    CHECK(found);
    char pdf[400];
    snprintf(pdf, sizeof pdf, "%s/weekly.pdf", dir);
    CHECK_INT(rk_a4_weekly_pdf(pdf, &a4), 0);

    rk_service_average(avg, sizeof avg, 0, 0);
    CHECK_STR(avg, "-");
    rk_service_average(avg, sizeof avg, 9, 2);
    CHECK_STR(avg, "4.50");
    CHECK_INT(count("SELECT count(*) FROM outbox WHERE kind = 'record.consultation'"), 3);
    CHECK_INT(count("SELECT count(*) FROM outbox WHERE kind = 'record.survey'"), 3);
    CHECK_INT(count("SELECT count(*) FROM outbox WHERE payload LIKE '%刘女士%' OR payload LIKE "
                    "'%排队太久%' OR payload LIKE '%PIN 锁死%'"),
              0);
    CHECK_INT(count("SELECT count(*) FROM audit WHERE action = 'record.survey' AND actor = "
                    "'system' AND role = 'self-service'"),
              2);
    int64_t checked, bad;
    CHECK_INT(rk_audit_verify(db, &checked, &bad), 0);
}

int main(void)
{
    rk_clock_set(test_clock, NULL);
    setup();
    test_csv_cells();
    test_export();
    test_archive_small();
    test_archive_rollover();
    test_complaints();
    test_weekly();
    rk_ledger_free(l);
    rk_db_close(db);
    rk_conf_free(conf);
    rk_test_rmtree(dir);
    return rk_test_done();
}
