/*
 * Unit tests of fees: a quote for every business type from the shipped
 * conf/fees.ini, the medium warranty's edges (364 vs 366 days, user-caused,
 * unknown purchase date), exact amount parsing and formatting, invoice
 * types, and mistakes in the file reported with their line.
 */
#include "test.h"

#include "domain/fees.h"
#include "util/clock.h"
#include "util/err.h"

#include <stdint.h>
#include <time.h>

static int64_t at(const char *iso)
{
    int64_t t = 0;
    if (rk_clock_parse(&t, iso) != 0) exit(2);
    return t;
}

static rk_fees *load_shipped(void)
{
    char path[4096];
    const char *src = getenv("RK_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/conf/fees.ini", src ? src : "..");
    rk_fees *f = NULL;
    if (rk_fees_load(&f, path) != 0) {
        fprintf(stderr, "cannot load %s: %s\n", path, rk_err_msg());
        exit(2);
    }
    return f;
}

static rk_fee_quote q;

static int quote(const rk_fees *f, const char *business, const char *kind, const char *medium)
{
    rk_fee_request r = {business, kind, medium, 0, 0, at("2026-03-02T10:00:00+08:00")};
    return rk_fees_quote(f, &r, &q);
}

static void test_every_business(void)
{
    rk_fees *f = load_shipped();

    CHECK_INT(quote(f, "new", "individual", "ukey"), 0);
    CHECK_INT(q.n, 2);
    CHECK_STR(q.lines[0].code, "certificate");
    CHECK_INT(q.lines[0].fen, 10000);
    CHECK_STR(q.lines[0].label_zh, "证书费（个人证书）");
    CHECK_STR(q.lines[1].code, "medium");
    CHECK_INT(q.lines[1].fen, 8000);
    CHECK_INT(q.total_fen, 18000);
    CHECK_INT(q.free, 0);
    CHECK_STR(q.free_reason_en, "");

    CHECK_INT(quote(f, "new", "organisation", "ukey"), 0);
    CHECK_INT(q.total_fen, 48000);
    CHECK_INT(quote(f, "new", "orgperson", "ukey"), 0);
    CHECK_INT(q.total_fen, 28000);
    /* a server certificate without a USB key: certificate only */
    CHECK_INT(quote(f, "new", "server", "none"), 0);
    CHECK_INT(q.n, 1);
    CHECK_INT(q.total_fen, 100000);

    CHECK_INT(quote(f, "renew", "organisation", "ukey"), 0);
    CHECK_INT(q.n, 1);
    CHECK_STR(q.lines[0].code, "certificate");
    CHECK_INT(q.total_fen, 40000);

    CHECK_INT(quote(f, "reissue", "individual", "ukey"), 0);
    CHECK_INT(q.n, 1);
    CHECK_STR(q.lines[0].code, "medium");
    CHECK_INT(q.total_fen, 8000);

    CHECK_INT(quote(f, "replace", "individual", "ukey"), 0); /* purchase date unknown */
    CHECK_INT(q.total_fen, 8000);
    CHECK_INT(q.free, 0);

    CHECK_INT(quote(f, "unlock", "individual", "ukey"), 0);
    CHECK_INT(q.n, 1);
    CHECK_STR(q.lines[0].code, "unlock");
    CHECK_STR(q.lines[0].label_zh, "解锁服务费");
    CHECK_INT(q.total_fen, 2000);

    CHECK_INT(quote(f, "recovery", "organisation", NULL), 0);
    CHECK_STR(q.lines[0].code, "recovery");
    CHECK_INT(q.total_fen, 5000);

    const char *free_types[] = {"change", "revoke", "suspend", "resume", "redispatch", "query"};
    for (size_t i = 0; i < sizeof free_types / sizeof free_types[0]; i++) {
        CHECK_INT(quote(f, free_types[i], "individual", "ukey"), 0);
        CHECK_INT(q.n, 0);
        CHECK_INT(q.total_fen, 0);
        CHECK_INT(q.free, 1);
        CHECK(strstr(q.free_reason_en, "free of charge") != NULL);
        CHECK(strstr(q.free_reason_zh, rk_fees_business_label(free_types[i], "zh")) != NULL);
    }
    /* free business types need neither kind nor medium */
    CHECK_INT(quote(f, "query", NULL, NULL), 0);
    CHECK_INT(q.free, 1);

    /* refusals name what is wrong */
    CHECK_INT(quote(f, "gift", "individual", "ukey"), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "'gift'"));
    CHECK_INT(quote(f, NULL, "individual", "ukey"), RK_EINVAL);
    CHECK_INT(quote(f, "new", "person", "ukey"), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "'person'"));
    CHECK_INT(quote(f, "new", "individual", "floppy"), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "'floppy'"));
    CHECK_INT(quote(f, "new", NULL, "ukey"), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "certificate kind"));
    CHECK_INT(quote(f, "reissue", "individual", NULL), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "medium"));
    CHECK_INT(quote(f, "revoke", "individual", "floppy"), RK_EINVAL); /* given, so checked */
    rk_fees_free(f);
    rk_fees_free(NULL);
}

static void test_warranty(void)
{
    rk_fees *f = load_shipped();
    int64_t now = at("2026-03-02T10:00:00+08:00");
    rk_fee_request r = {"replace", "individual", "ukey", now - 364 * 86400LL, 0, now};

    CHECK_INT(rk_fees_quote(f, &r, &q), 0); /* 364 days: within the warranty */
    CHECK_INT(q.free, 1);
    CHECK_INT(q.total_fen, 0);
    CHECK_INT(q.n, 0);
    CHECK(strstr(q.free_reason_zh, "保修期") != NULL);
    CHECK(strstr(q.free_reason_en, "warranty") != NULL);

    r.user_caused_damage = 1; /* the user broke it: charged */
    CHECK_INT(rk_fees_quote(f, &r, &q), 0);
    CHECK_INT(q.free, 0);
    CHECK_INT(q.total_fen, 8000);

    r.user_caused_damage = 0;
    r.medium_bought_at = now - 366 * 86400LL; /* past the year */
    CHECK_INT(rk_fees_quote(f, &r, &q), 0);
    CHECK_INT(q.free, 0);
    CHECK_INT(q.total_fen, 8000);
    CHECK_STR(q.lines[0].code, "medium");

    /* one calendar year, inclusive of the anniversary date */
    r.medium_bought_at = at("2025-03-02T18:00:00+08:00");
    CHECK_INT(rk_fees_quote(f, &r, &q), 0);
    CHECK_INT(q.free, 1);
    r.medium_bought_at = at("2025-03-01T18:00:00+08:00");
    CHECK_INT(rk_fees_quote(f, &r, &q), 0);
    CHECK_INT(q.free, 0);

    /* the warranty applies to replace only: a lost key is always charged */
    r.business = "reissue";
    r.medium_bought_at = now - 10 * 86400LL;
    CHECK_INT(rk_fees_quote(f, &r, &q), 0);
    CHECK_INT(q.total_fen, 8000);

    r.business = "replace";
    r.medium_bought_at = now + 86400; /* bought tomorrow: a wrong date or clock */
    CHECK_INT(rk_fees_quote(f, &r, &q), RK_EINVAL);
    rk_fees_free(f);
}

static void test_amounts(void)
{
    int64_t v = -1;
    CHECK_INT(rk_fen_parse(&v, "400.00"), 0);
    CHECK_INT(v, 40000);
    CHECK_INT(rk_fen_parse(&v, "400"), 0);
    CHECK_INT(v, 40000);
    CHECK_INT(rk_fen_parse(&v, "0.5"), 0);
    CHECK_INT(v, 50);
    CHECK_INT(rk_fen_parse(&v, "0.05"), 0);
    CHECK_INT(v, 5);
    CHECK_INT(rk_fen_parse(&v, "19.99"), 0); /* 19.99 * 100 in double is 1998.99... */
    CHECK_INT(v, 1999);
    CHECK_INT(rk_fen_parse(&v, "0.29"), 0);
    CHECK_INT(v, 29);
    CHECK_INT(rk_fen_parse(&v, "0"), 0);
    CHECK_INT(v, 0);
    CHECK_INT(rk_fen_parse(&v, "1000000.00"), 0);
    CHECK_INT(v, RK_FEN_MAX);
    v = 7;
    const char *bad[] = {"",   "-1",         "-0.01",       "400.001",  "1e3",      " 1",
                         "1 ", "1.",         ".5",          "1,000.00", "１００",   "0x10",
                         "+5", "1000000.01", "99999999999", "12.3.4",   "￥400.00", "NaN"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = rk_fen_parse(&v, bad[i]);
        if (rc != RK_EINVAL) fprintf(stderr, "accepted bad amount '%s'\n", bad[i]);
        CHECK_INT(rc, RK_EINVAL);
    }
    CHECK_INT(v, 7); /* untouched on failure */
    CHECK_INT(rk_fen_parse(&v, "-5"), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "negative"));
    CHECK_INT(rk_fen_parse(&v, "1.234"), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "2 decimals"));

    char s[32];
    rk_fen_format(s, sizeof s, 12345);
    CHECK_STR(s, "\xEF\xBF\xA5"
                 "123.45");
    rk_fen_format(s, sizeof s, 0);
    CHECK_STR(s, "￥0.00");
    rk_fen_format(s, sizeof s, 5);
    CHECK_STR(s, "￥0.05");
    rk_fen_format(s, sizeof s, -50);
    CHECK_STR(s, "-￥0.50");
    rk_fen_format(s, sizeof s, INT64_MIN);
    CHECK(strstr(s, "92233720368547758.08") != NULL);
    /* format and parse agree */
    int bad_round = 0;
    for (int64_t fen = 0; fen < 200000; fen += 7) {
        rk_fen_format(s, sizeof s, fen);
        if (rk_fen_parse(&v, s + 3) != 0 || v != fen) bad_round++;
    }
    CHECK_INT(bad_round, 0);

    CHECK_INT(rk_fees_invoice_type_valid("ordinary"), 1);
    CHECK_INT(rk_fees_invoice_type_valid("vat_special"), 1);
    CHECK_INT(rk_fees_invoice_type_valid("vat"), 0);
    CHECK_INT(rk_fees_invoice_type_valid(""), 0);
    CHECK_INT(rk_fees_invoice_type_valid(NULL), 0);
    CHECK_STR(rk_fees_invoice_label("vat_special", "zh"), "增值税专用发票");
    CHECK_STR(rk_fees_invoice_label("ordinary", "en"), "ordinary e-invoice");
    CHECK(rk_fees_invoice_label("x", "zh") == NULL);
    CHECK_INT(rk_fees_business_valid("redispatch"), 1);
    CHECK_INT(rk_fees_business_valid("lost"), 0);
    CHECK_STR(rk_fees_business_label("reissue", "zh"), "丢失补办");
    CHECK_INT(rk_fees_cert_kind_valid("orgperson"), 1);
    CHECK_INT(rk_fees_cert_kind_valid("org"), 0);
}

static const char *GOOD_HEAD = "[certificate]\n"
                               "individual = 1\norganisation = 2\norgperson = 3\nserver = 4\n"
                               "[medium]\nukey = 80.00\n[service]\nunlock = 20\n";
static const char *GOOD_RULES = "[business]\nnew = certificate, medium\nrenew = certificate\n"
                                "change = free\nreissue = medium\nreplace = warranty_medium\n"
                                "unlock = unlock\nrevoke = free\nsuspend = free\nresume = free\n"
                                "recovery = free\nredispatch = free\nquery = free\n";

static int load_text(const char *dir, const char *a, const char *b, const char *c)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/fees.ini", dir);
    FILE *fp = fopen(path, "w");
    if (!fp) exit(2);
    fputs(a, fp);
    fputs(b, fp);
    fputs(c, fp);
    fclose(fp);
    rk_fees *f = NULL;
    int rc = rk_fees_load(&f, path);
    if (rc == 0 && !f) rc = 99;
    if (rc != 0 && f) rc = 98;
    rk_fees_free(f);
    return rc;
}

static void test_file_errors(void)
{
    char dir[4096];
    rk_test_tmpdir(dir, sizeof dir);
    CHECK_INT(load_text(dir, GOOD_HEAD, GOOD_RULES, ""), 0);

    /* line 3 holds the bad amount */
    CHECK_INT(load_text(dir, "[certificate]\nindividual = 1\norganisation = 4.001\n", "", ""),
              RK_ECONF);
    CHECK(strstr(rk_err_msg(), "fees.ini:3:") && strstr(rk_err_msg(), "organisation") &&
          strstr(rk_err_msg(), "2 decimals"));
    CHECK_INT(load_text(dir, "[certificate]\nindividual = -100\n", "", ""), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "fees.ini:2:") && strstr(rk_err_msg(), "negative"));
    CHECK_INT(load_text(dir, "[certificate]\nindividual = 99999999\n", "", ""), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "fees.ini:2:") && strstr(rk_err_msg(), "more than"));
    CHECK_INT(load_text(dir, "[certificate]\npersonal = 1\n", "", ""), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "fees.ini:2:") && strstr(rk_err_msg(), "personal"));
    /* GOOD_HEAD has 9 lines, GOOD_RULES 13 */
    CHECK_INT(load_text(dir, GOOD_HEAD, "[certificate]\nindividual = 5\n", GOOD_RULES), RK_ECONF);
    CHECK(strstr(rk_err_msg(), ":11:") && strstr(rk_err_msg(), "line 2"));
    CHECK_INT(load_text(dir, GOOD_HEAD, "[discounts]\nstudents = 1\n", GOOD_RULES), RK_ECONF);
    CHECK(strstr(rk_err_msg(), ":11:") && strstr(rk_err_msg(), "[discounts]"));
    CHECK_INT(load_text(dir, GOOD_HEAD, GOOD_RULES, "gift = free\n"), RK_ECONF);
    CHECK(strstr(rk_err_msg(), ":23:") && strstr(rk_err_msg(), "gift"));
    CHECK_INT(load_text(dir, GOOD_HEAD, GOOD_RULES, "[business]\nnew = free\n"), RK_ECONF);
    CHECK(strstr(rk_err_msg(), ":24:") && strstr(rk_err_msg(), "line 11"));
    CHECK_INT(load_text(dir, GOOD_HEAD, "[business]\nnew = certificate, lunch\n", ""), RK_ECONF);
    CHECK(strstr(rk_err_msg(), ":11:") && strstr(rk_err_msg(), "lunch"));
    CHECK_INT(load_text(dir, GOOD_HEAD, "[business]\nnew = free, medium\n", ""), RK_ECONF);
    CHECK(strstr(rk_err_msg(), ":11:") && strstr(rk_err_msg(), "free"));
    CHECK_INT(load_text(dir, GOOD_HEAD, "[business]\nnew = medium, warranty_medium\n", ""),
              RK_ECONF);
    CHECK(strstr(rk_err_msg(), ":11:"));
    /* a business type left out: named, no line to point at */
    CHECK_INT(load_text(dir, GOOD_HEAD, "[business]\nnew = certificate\n", ""), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "[business] renew: missing"));
    /* a service the rules use but [service] does not price: the rule's line */
    CHECK_INT(load_text(dir,
                        "[certificate]\nindividual = 1\norganisation = 2\norgperson = 3\n"
                        "server = 4\n[medium]\nukey = 80.00\n",
                        GOOD_RULES, ""),
              RK_ECONF);
    CHECK(strstr(rk_err_msg(), ":14:") && strstr(rk_err_msg(), "'unlock'"));
    CHECK_INT(load_text(dir, "[certificate]\nindividual = 1\n", "", ""), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "organisation: missing"));
    CHECK_INT(load_text(dir, GOOD_HEAD, "[medium]\nnone = 5\n", GOOD_RULES), RK_ECONF);
    CHECK(strstr(rk_err_msg(), ":11:") && strstr(rk_err_msg(), "none"));
    CHECK_INT(load_text(dir, GOOD_HEAD, "[warranty]\nmedium_months = twelve\n", GOOD_RULES),
              RK_ECONF);
    CHECK(strstr(rk_err_msg(), ":11:") && strstr(rk_err_msg(), "medium_months"));
    CHECK_INT(load_text(dir, GOOD_HEAD, "this is not ini\n", GOOD_RULES), RK_ECONF);
    CHECK(strstr(rk_err_msg(), ":10:"));

    char missing[4200];
    rk_fees *f;
    snprintf(missing, sizeof missing, "%s/none.ini", dir);
    CHECK_INT(rk_fees_load(&f, missing), RK_ENOTFOUND);
    rk_test_rmtree(dir);
}

int main(void)
{
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    test_every_business();
    test_warranty();
    test_amounts();
    test_file_errors();
    return rk_test_done();
}
