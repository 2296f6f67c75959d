/*
 * The payment providers' daily statements, read strictly: the WeChat Pay
 * merchant trade bill (交易账单, CSV in UTF-8) and Alipay's merchant
 * business statement (业务明细, CSV in GBK). HQ imports them and
 * reconciles them with the branches' orders (domain/recon.h); this module
 * only turns a file into checked lines and knows nothing of HQ.
 *
 * WeChat Pay: a header row of Chinese column names (交易时间, 商户订单号,
 * 交易状态, 订单金额 or 应结订单金额, 微信订单号, 退款金额, 微信退款单号,
 * 设备号 ... found by name, in any order), one row per payment (交易状态
 * SUCCESS) or refund (REFUND; REVOKED, a payment cancelled, counts as a
 * refund of the whole amount), every value prefixed with a backtick, then
 * the summary header (总交易单数, 应结订单总金额, 退款总金额 ...) and its
 * one row, which must agree with the rows above (a file cut short is
 * refused). Alipay: `#` comment lines before and after, a header row
 * (支付宝交易号, 商户订单号, 业务类型 交易/退款, 完成时间, 订单金额（元）,
 * 商家实收（元）, 门店编号, 退款批次号/请求号 ...), values possibly padded
 * with spaces or tabs; the footer's `#交易合计：N笔` and `#退款合计：N笔`,
 * when present, must agree with the rows. Fields may be double-quoted.
 *
 * Times are China Standard Time (UTC+8, as both providers write them) and
 * become Unix times. Amounts are yuan with at most two decimals and become
 * fen. Every refusal is RK_EFORMAT (RK_ETOOBIG over a bound) with the line
 * number, and leaves no lines. Pure and thread-safe; fuzzed by
 * tests/fuzz/fuzz_statement.c.
 */
#ifndef RK_STATEMENT_H
#define RK_STATEMENT_H

#include <stddef.h>
#include <stdint.h>

#define RK_STMT_MAX_BYTES (64u << 20) /* one file */
#define RK_STMT_MAX_LINES 200000      /* detail rows in one file */
#define RK_STMT_CST       (8 * 3600)  /* China Standard Time's offset from UTC */

enum { RK_STMT_WECHAT = 1, RK_STMT_ALIPAY = 2 };
enum { RK_STMT_PAY = 1, RK_STMT_REFUND = 2 };

typedef struct rk_stmt_line {
    int kind;     /* RK_STMT_PAY or RK_STMT_REFUND */
    char txn[72]; /* the provider's transaction number (微信订单号, 支付宝交易号) */
    char refund_no[72];    /* a refund's own number ("" for a payment) */
    char merchant_ref[72]; /* 商户订单号: the order reference the payment QR carried */
    char store[64];        /* 设备号 / 门店编号: the branch, where the statement says it */
    int64_t fen;           /* paid, or refunded (positive) */
    int64_t at;            /* the trade's time */
    int line;              /* its line in the file (1-based) */
} rk_stmt_line;

typedef struct rk_stmt {
    int provider;
    rk_stmt_line *lines; /* owned: rk_stmt_free */
    int n;
    int64_t paid_fen, refund_fen; /* sums of the lines */
    int64_t first_at, last_at;    /* the lines' times (0 if none) */
} rk_stmt;

/* "wechat" / "alipay" -> RK_STMT_*, 0 for anything else; and back. */
int rk_stmt_provider(const char *name);
const char *rk_stmt_provider_name(int provider);

/* Parses one statement file data[0..len) of the provider into *out (free
 * with rk_stmt_free, also after a failure). An Alipay file is converted
 * from GBK first. A file with no detail rows is valid (a day without
 * trades) if its headers and summary are. */
int rk_stmt_parse(rk_stmt *out, int provider, const char *data, size_t len);
void rk_stmt_free(rk_stmt *s);

/* The order a merchant order number names: "REF" or "BRANCH" + one of
 * "-_:" + "REF", REF being a ledger reference YYMMDD-NNNN (four or five
 * digits). branch gets "" when the number names none. RK_EFORMAT if it
 * holds no reference. */
int rk_stmt_merchant_ref(const char *merchant_ref, char *branch, size_t bn, char *ref, size_t rn);

/* The Unix time of 00:00 China Standard Time on day "YYYY-MM-DD". */
int rk_stmt_day(const char *day, int64_t *start);

#endif
