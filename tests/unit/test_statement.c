/*
 * The payment statements' reader (domain/statement.h): a WeChat Pay trade
 * bill and an Alipay business statement (converted to GBK here, as Alipay
 * writes it) read into their lines; every kind of damage refused with its
 * line and no lines left; merchant order numbers split into branch and
 * reference; days in China Standard Time.
 */
#include "test.h"

#include "domain/statement.h"
#include "util/err.h"

#include <iconv.h>

#define WX_HEAD                                                                                                                      \
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"     \
    "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"  \
    "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额," \
    "费率备注\r\n"
#define WX_PAY                                                                                     \
    "`2026-03-02 10:00:00,`wx8888888888888888,`1900000109,`,`,`42000000000000000001,`DEMO01-"      \
    "260302-0001,`oUpF8u,`NATIVE,`SUCCESS,`OTHERS,`CNY,`300.00,`0.00,`,`,`0.00,`0.00,`,`,`"        \
    "数字证书服务费,`,`0.00000,`0.60%,`300.00,`0.00,`\r\n"
#define WX_REFUND                                                                                  \
    "`2026-03-02 11:00:00,`wx8888888888888888,`1900000109,`,`DEMO02,`42000000000000000002,`"       \
    "260302-0002,`oUpF8u,`NATIVE,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50300000000000000002,`R503,`"   \
    "12.50,`0.00,`ORIGINAL,`SUCCESS,`数字证书服务费,`,`0.00000,`0.60%,`0.00,`12.50,`\r\n"
#define WX_SUMHEAD                                                                                                       \
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额," \
    "申请退款总金额\r\n"
#define WX_SUM "`2,`300.00,`12.50,`0.00,`0.00000,`300.00,`12.50\r\n"

#define ALI_HEAD                                                                                                                            \
    "#支付宝业务明细查询\n#账号：[20881234567890120156]\n#----业务明细列表----\n"                                         \
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号," \
    "对方账户,订单金额（元）,商家实收（元）,退款批次号/请求号,备注\n"
#define ALI_PAY                                                                                      \
    "2026030222001400001\t,DEMO01-260302-0001\t,交易\t,证书\t,2026-03-02 09:59:00\t,2026-03-02 " \
    "10:00:00\t,\t,注册点\t,\t,\t,b***@example.com\t,300.00\t,300.00\t,\t,\n"
#define ALI_REFUND                                                                                 \
    "2026030222001400002\t,260302-0002\t,退款\t,证书\t,2026-03-02 11:00:00\t,2026-03-02 "      \
    "11:00:00\t,DEMO02\t,注册点\t,\t,\t,b***@example.com\t,-12.50\t,-12.50\t,RF001\t,\n"
#define ALI_FOOT "#----业务明细列表结束----\n#交易合计：1笔，商家实收共287.50元\n#退款合计：1笔\n"

static int wx(rk_stmt *s, const char *text)
{
    return rk_stmt_parse(s, RK_STMT_WECHAT, text, strlen(text));
}

/* Alipay's text as GBK, the way Alipay writes it. */
static int ali(rk_stmt *s, const char *utf8)
{
    static char gbk[8192];
    iconv_t cd = iconv_open("GBK", "UTF-8");
    char *in = (char *)utf8, *out = gbk;
    size_t il = strlen(utf8), ol = sizeof gbk;
    CHECK(iconv(cd, &in, &il, &out, &ol) != (size_t)-1);
    iconv_close(cd);
    return rk_stmt_parse(s, RK_STMT_ALIPAY, gbk, (size_t)(out - gbk));
}

static void check_two(const rk_stmt *s)
{
    CHECK_INT(s->n, 2);
    CHECK_INT(s->lines[0].kind, RK_STMT_PAY);
    CHECK_STR(s->lines[0].merchant_ref, "DEMO01-260302-0001");
    CHECK_INT(s->lines[0].fen, 30000);
    CHECK_INT(s->lines[0].at, 1772416800); /* 2026-03-02 10:00:00 +08:00 */
    CHECK_STR(s->lines[0].store, "");
    CHECK_STR(s->lines[0].refund_no, "");
    CHECK_INT(s->lines[1].kind, RK_STMT_REFUND);
    CHECK_STR(s->lines[1].merchant_ref, "260302-0002");
    CHECK_STR(s->lines[1].store, "DEMO02");
    CHECK_INT(s->lines[1].fen, 1250);
    CHECK_INT(s->paid_fen, 30000);
    CHECK_INT(s->refund_fen, 1250);
}

static void test_wechat(void)
{
    rk_stmt s;
    CHECK_INT(wx(&s, WX_HEAD WX_PAY WX_REFUND WX_SUMHEAD WX_SUM), 0);
    check_two(&s);
    CHECK_STR(s.lines[0].txn, "42000000000000000001");
    CHECK_STR(s.lines[1].refund_no, "50300000000000000002");
    CHECK_INT(s.lines[1].line, 3);
    rk_stmt_free(&s);
    /* a day without trades; a UTF-8 BOM; blank lines at the end */
    CHECK_INT(
        wx(&s, "\xEF\xBB\xBF" WX_HEAD WX_SUMHEAD "`0,`0.00,`0.00,`0.00,`0.00000,`0.00,`0.00\n\n"),
        0);
    CHECK_INT(s.n, 0);
    rk_stmt_free(&s);
}

static void test_alipay(void)
{
    rk_stmt s;
    CHECK_INT(ali(&s, ALI_HEAD ALI_PAY ALI_REFUND ALI_FOOT), 0);
    check_two(&s);
    CHECK_STR(s.lines[0].txn, "2026030222001400001");
    CHECK_STR(s.lines[1].refund_no, "RF001");
    CHECK_INT(s.lines[0].line, 5);
    rk_stmt_free(&s);
}

/* text is refused, naming `line`, and leaves nothing */
static void refused(int provider, const char *text, const char *line, const char *what)
{
    rk_stmt s;
    int rc = provider == RK_STMT_WECHAT ? wx(&s, text) : ali(&s, text);
    CHECK(rc == RK_EFORMAT);
    CHECK_INT(s.n, 0);
    CHECK(s.lines == NULL);
    if (!strstr(rk_err_msg(), line) || !strstr(rk_err_msg(), what)) {
        fprintf(stderr, "  message '%s' lacks '%s' / '%s'\n", rk_err_msg(), line, what);
        CHECK(0);
    }
    rk_stmt_free(&s);
}

static void test_refusals(void)
{
    const int W = RK_STMT_WECHAT, A = RK_STMT_ALIPAY;
    refused(W, WX_HEAD WX_PAY WX_REFUND, "line 3", "cut short");
    refused(W, WX_HEAD WX_PAY WX_SUMHEAD WX_SUM, "line 4", "总交易单数 says 2");
    refused(W, WX_HEAD WX_PAY WX_REFUND WX_SUMHEAD "`2,`300.00,`12.00,`0,`0,`0,`0\r\n", "line 5",
            "退款总金额");
    refused(W, WX_HEAD WX_PAY WX_REFUND WX_SUMHEAD WX_SUM "x\n", "line 6", "after the summary");
    refused(W, WX_HEAD "2026-03-02 10:00:00" WX_PAY, "line 2", "");
    refused(W, "交易时间,商户订单号\n", "line 1", "not a WeChat Pay trade bill");
    refused(W, "", "line 0", "no header");
    refused(W, WX_HEAD WX_PAY WX_PAY WX_SUMHEAD "`2,`600.00,`0.00,`0,`0,`0,`0\n", "line 3",
            "on line 2 already");
    char bad[4096];
    snprintf(bad, sizeof bad, "%s%s", WX_HEAD, WX_PAY);
    char *amt = strstr(bad, "`300.00");
    memcpy(amt, "`3.001 ", 7);
    refused(W, bad, "line 2", "应结订单金额");
    snprintf(bad, sizeof bad, "%s%s", WX_HEAD, WX_PAY);
    memcpy(strstr(bad, "SUCCESS"), "CLOSED ", 7);
    refused(W, bad, "line 2", "交易状态");
    snprintf(bad, sizeof bad, "%s%s", WX_HEAD, WX_PAY);
    memcpy(strstr(bad, "2026-03-02"), "2026-02-30", 10);
    refused(W, bad, "line 2", "交易时间");
    snprintf(bad, sizeof bad, "%s%s", WX_HEAD, WX_PAY);
    memcpy(strstr(bad, "DEMO01"), "DE O01", 6);
    refused(W, bad, "line 2", "商户订单号");
    refused(W, WX_HEAD "\xff\xfe\n", "line 2", "not UTF-8");
    refused(W, WX_HEAD "`a,`b\n", "line 2", "2 fields, the header has 27");

    refused(A, ALI_HEAD ALI_PAY ALI_REFUND "#----业务明细列表结束----\n#交易合计：2笔\n", "line",
            "counts 2 trades");
    refused(A, ALI_HEAD ALI_PAY ALI_FOOT ALI_REFUND, "line 9", "after the footer");
    refused(A, "#支付宝业务明细查询\n支付宝交易号,备注\n", "line 2", "not an Alipay statement");
    snprintf(bad, sizeof bad, "%s%s", ALI_HEAD, ALI_PAY);
    memcpy(strstr(bad, "交易\t"), "冻结", 6);
    refused(A, bad, "line 5", "业务类型");
    /* not GBK at all: a byte GBK has no character for */
    rk_stmt s;
    CHECK_INT(rk_stmt_parse(&s, A, "#x\n\x80\n", 5), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "line 2") && strstr(rk_err_msg(), "GBK"));
    rk_stmt_free(&s);
    CHECK_INT(rk_stmt_parse(&s, 9, "", 0), RK_EINVAL);
}

static void test_merchant_ref(void)
{
    char b[64], r[16];
    CHECK_INT(rk_stmt_merchant_ref("DEMO01-260302-0001", b, sizeof b, r, sizeof r), 0);
    CHECK_STR(b, "DEMO01");
    CHECK_STR(r, "260302-0001");
    CHECK_INT(rk_stmt_merchant_ref("260302-00012", b, sizeof b, r, sizeof r), 0);
    CHECK_STR(b, "");
    CHECK_STR(r, "260302-00012");
    CHECK_INT(rk_stmt_merchant_ref("BJ_HD:260302-10001", b, sizeof b, r, sizeof r), 0);
    CHECK_STR(b, "BJ_HD");
    CHECK_STR(r, "260302-10001");
    CHECK_INT(rk_stmt_merchant_ref("ORDER12345", b, sizeof b, r, sizeof r), RK_EFORMAT);
    CHECK_INT(rk_stmt_merchant_ref("X260302-0001", b, sizeof b, r, sizeof r), RK_EFORMAT);
    int64_t t = 0;
    CHECK_INT(rk_stmt_day("2026-03-02", &t), 0);
    CHECK_INT(t, 1772380800);
    CHECK_INT(rk_stmt_day("2026-3-2", &t), RK_EINVAL);
    CHECK_INT(rk_stmt_provider("alipay"), RK_STMT_ALIPAY);
    CHECK_INT(rk_stmt_provider("card"), 0);
}

int main(void)
{
    test_wechat();
    test_alipay();
    test_refusals();
    test_merchant_ref();
    return rk_test_done();
}
