/*
 * Reading the payment providers' statements (see statement.h): lines split
 * and checked one by one, fields found by their column names, every
 * refusal naming its line. An Alipay file goes through iconv (GBK to UTF-8)
 * first; a WeChat Pay file must be UTF-8 already.
 */
#include "domain/statement.h"

#include "util/err.h"
#include "util/utf8.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 64
#define MAX_FIELD  512

int rk_stmt_provider(const char *name)
{
    if (name && !strcmp(name, "wechat")) return RK_STMT_WECHAT;
    if (name && !strcmp(name, "alipay")) return RK_STMT_ALIPAY;
    return 0;
}

const char *rk_stmt_provider_name(int provider)
{
    return provider == RK_STMT_WECHAT ? "wechat" : provider == RK_STMT_ALIPAY ? "alipay" : "?";
}

void rk_stmt_free(rk_stmt *s)
{
    if (!s) return;
    free(s->lines);
    memset(s, 0, sizeof *s);
}

/* ---- small checked readers ----------------------------------------------------- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* "YYYY-MM-DD" (date only when time is 0) or "YYYY-MM-DD HH:MM:SS", China
 * Standard Time. */
static int parse_time(const char *s, int with_time, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    size_t want = with_time ? 19 : 10;
    if (strlen(s) != want || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
        s[7] != '-' || digits(s + 8, 2, &d))
        return -1;
    if (with_time && (s[10] != ' ' || digits(s + 11, 2, &h) || s[13] != ':' ||
                      digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se)))
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 2000 || y > 2099 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
        mi > 59 || se > 59)
        return -1;
    if (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))) return -1;
    *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se -
           RK_STMT_CST;
    return 0;
}

int rk_stmt_day(const char *day, int64_t *start)
{
    if (!day || parse_time(day, 0, start))
        return rk_err_set(RK_EINVAL, "day '%s': give YYYY-MM-DD", day ? day : "");
    return 0;
}

/* Yuan with at most two decimals into fen; a leading '-' when neg_ok. */
static int parse_yuan(const char *s, int neg_ok, int64_t *out)
{
    int neg = 0, nd = 0, nf = 0;
    int64_t v = 0;
    if (*s == '-' && neg_ok) {
        neg = 1;
        s++;
    }
    for (; *s >= '0' && *s <= '9'; s++, nd++) {
        if (nd >= 12) return -1;
        v = v * 10 + (*s - '0');
    }
    if (!nd) return -1;
    v *= 100;
    if (*s == '.') {
        s++;
        for (; *s >= '0' && *s <= '9'; s++, nf++) {
            if (nf >= 2) return -1;
            v += (*s - '0') * (nf ? 1 : 10);
        }
        if (!nf) return -1;
    }
    if (*s) return -1;
    *out = neg ? -v : v;
    return 0;
}

/* 1 if s is non-empty, at most max bytes, of the characters allowed. */
static int token_ok(const char *s, size_t max, const char *extra)
{
    size_t n = strlen(s);
    if (!n || n > max) return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c && strchr(extra, c))))
            return 0;
    }
    return 1;
}

/* ---- lines and fields ---------------------------------------------------------- */

typedef struct row {
    int nf, ticks; /* fields, of which began with a backtick (WeChat) */
    char *f[MAX_FIELDS];
    char buf[MAX_FIELDS * (MAX_FIELD + 1)];
} row;

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Splits one line (no newline) into r: comma-separated fields, each
 * trimmed of spaces and tabs, double quotes allowed around a field ("" in
 * it is one quote), and a backtick before a WeChat value dropped. */
static int split(row *r, const char *s, size_t n, int lineno, int wechat)
{
    size_t i = 0, o = 0;
    r->nf = r->ticks = 0;
    for (;;) {
        if (r->nf == MAX_FIELDS)
            return rk_err_set(RK_EFORMAT, "line %d: more than %d fields", lineno, MAX_FIELDS);
        char *out = r->buf + o;
        size_t len = 0;
        while (i < n && is_blank(s[i]))
            i++;
        if (i < n && s[i] == '"') {
            for (i++;; i++) {
                if (i == n)
                    return rk_err_set(RK_EFORMAT, "line %d: a quoted field does not end", lineno);
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"')
                        i++;
                    else
                        break;
                }
                if (len == MAX_FIELD)
                    return rk_err_set(RK_EFORMAT, "line %d: field %d over %d bytes", lineno,
                                      r->nf + 1, MAX_FIELD);
                out[len++] = s[i];
            }
            i++;
            while (i < n && is_blank(s[i]))
                i++;
            if (i < n && s[i] != ',')
                return rk_err_set(RK_EFORMAT, "line %d: text after the quoted field %d", lineno,
                                  r->nf + 1);
        } else {
            for (; i < n && s[i] != ','; i++) {
                if (s[i] == '"')
                    return rk_err_set(RK_EFORMAT, "line %d: a quote inside field %d", lineno,
                                      r->nf + 1);
                if (len == MAX_FIELD)
                    return rk_err_set(RK_EFORMAT, "line %d: field %d over %d bytes", lineno,
                                      r->nf + 1, MAX_FIELD);
                out[len++] = s[i];
            }
            while (len && is_blank(out[len - 1]))
                len--;
        }
        out[len] = 0;
        if (wechat && out[0] == '`') {
            memmove(out, out + 1, len--);
            r->ticks++;
        }
        r->f[r->nf++] = out;
        o += len + 1;
        if (i >= n) break;
        i++; /* the comma */
    }
    return 0;
}

/* ---- the file's shape ---------------------------------------------------------- */

enum {
    C_TIME,
    C_TXN,
    C_MREF,
    C_STATE,
    C_AMOUNT,
    C_SETTLE,
    C_REFUND_AMT,
    C_REFUND_ASK,
    C_REFUND_NO,
    C_REFUND_MNO,
    C_STORE,
    C_CREATED,
    C_NET,
    NCOLS
};

typedef struct colname {
    int col;
    const char *name;
} colname;

static const colname wechat_cols[] = {
    {C_TIME, "交易时间"},          {C_TXN, "微信订单号"},
    {C_MREF, "商户订单号"},        {C_STATE, "交易状态"},
    {C_AMOUNT, "订单金额"},        {C_SETTLE, "应结订单金额"},
    {C_REFUND_AMT, "退款金额"},    {C_REFUND_ASK, "申请退款金额"},
    {C_REFUND_NO, "微信退款单号"}, {C_REFUND_MNO, "商户退款单号"},
    {C_STORE, "设备号"},
};

static const colname alipay_cols[] = {
    {C_TXN, "支付宝交易号"},   {C_MREF, "商户订单号"},  {C_STATE, "业务类型"},
    {C_TIME, "完成时间"},      {C_CREATED, "创建时间"}, {C_AMOUNT, "订单金额（元）"},
    {C_NET, "商家实收（元）"}, {C_STORE, "门店编号"},   {C_REFUND_NO, "退款批次号/请求号"},
};

/* Header names compared with ASCII parentheses taken as full-width ones. */
static int name_is(const char *have, const char *want)
{
    while (*have && *want) {
        if (*have == '(' && !strncmp(want, "（", 3)) {
            have++;
            want += 3;
        } else if (*have == ')' && !strncmp(want, "）", 3)) {
            have++;
            want += 3;
        } else if (*have++ != *want++)
            return 0;
    }
    return !*have && !*want;
}

static int header(int cols[NCOLS], const row *r, int lineno, const colname *names, int nn)
{
    for (int c = 0; c < NCOLS; c++)
        cols[c] = -1;
    for (int i = 0; i < r->nf; i++)
        for (int k = 0; k < nn; k++)
            if (name_is(r->f[i], names[k].name)) {
                if (cols[names[k].col] >= 0)
                    return rk_err_set(RK_EFORMAT, "line %d: column %s twice", lineno,
                                      names[k].name);
                cols[names[k].col] = i;
            }
    return 0;
}

static const char *field(const row *r, const int cols[NCOLS], int c)
{
    return cols[c] >= 0 ? r->f[cols[c]] : "";
}

typedef struct parser {
    rk_stmt *s;
    int cap;
} parser;

static int add(parser *p, const rk_stmt_line *l)
{
    if (p->s->n == RK_STMT_MAX_LINES)
        return rk_err_set(RK_ETOOBIG, "line %d: more than %d trades in one statement", l->line,
                          RK_STMT_MAX_LINES);
    if (p->s->n == p->cap) {
        int cap = p->cap ? p->cap * 2 : 64;
        rk_stmt_line *n = realloc(p->s->lines, (size_t)cap * sizeof *n);
        if (!n) return rk_err_oom();
        p->s->lines = n;
        p->cap = cap;
    }
    p->s->lines[p->s->n++] = *l;
    return 0;
}

/* The fields every line shares, checked. */
static int common(rk_stmt_line *l, const row *r, const int cols[NCOLS], int lineno)
{
    const char *txn = field(r, cols, C_TXN), *mref = field(r, cols, C_MREF);
    const char *store = field(r, cols, C_STORE);
    l->line = lineno;
    if (!token_ok(txn, 64, "_-"))
        return rk_err_set(RK_EFORMAT,
                          "line %d: transaction number '%.80s' is not 1-64 letters or "
                          "digits",
                          lineno, txn);
    if (!token_ok(mref, 64, "_-:|*@."))
        return rk_err_set(RK_EFORMAT,
                          "line %d: merchant order number (商户订单号) '%.80s' is not "
                          "1-64 letters, digits or _-:|*@.",
                          lineno, mref);
    if (*store && !token_ok(store, 60, "_-:.@"))
        return rk_err_set(RK_EFORMAT, "line %d: store or device '%.80s' is not letters or digits",
                          lineno, store);
    strcpy(l->txn, txn);
    strcpy(l->merchant_ref, mref);
    strcpy(l->store, store);
    return 0;
}

static int amount(const row *r, const int cols[NCOLS], int c, int neg_ok, int lineno,
                  const char *what, int64_t *fen)
{
    const char *v = field(r, cols, c);
    if (parse_yuan(v, neg_ok, fen))
        return rk_err_set(RK_EFORMAT, "line %d: %s '%.40s' is not an amount in yuan (0.00)", lineno,
                          what, v);
    return 0;
}

typedef struct wx_sums {
    int64_t amount, settle, refund;
} wx_sums;

static int wechat_row(parser *p, const row *r, const int cols[NCOLS], int lineno, wx_sums *sum)
{
    rk_stmt_line l;
    int64_t amt = 0, settle = 0, refund = 0;
    memset(&l, 0, sizeof l);
    int rc = common(&l, r, cols, lineno);
    if (rc) return rc;
    const char *t = field(r, cols, C_TIME), *state = field(r, cols, C_STATE);
    if (parse_time(t, 1, &l.at))
        return rk_err_set(RK_EFORMAT, "line %d: 交易时间 '%.40s' is not YYYY-MM-DD HH:MM:SS",
                          lineno, t);
    if (cols[C_AMOUNT] >= 0 && (rc = amount(r, cols, C_AMOUNT, 0, lineno, "订单金额", &amt)))
        return rc;
    if (cols[C_SETTLE] >= 0 && (rc = amount(r, cols, C_SETTLE, 0, lineno, "应结订单金额", &settle)))
        return rc;
    int rcol = cols[C_REFUND_AMT] >= 0 ? C_REFUND_AMT : C_REFUND_ASK;
    if (cols[rcol] >= 0 && (rc = amount(r, cols, rcol, 0, lineno, "退款金额", &refund))) return rc;
    sum->amount += amt;
    sum->settle += settle;
    sum->refund += refund;
    int64_t paid = cols[C_AMOUNT] >= 0 ? amt : settle;
    if (!strcmp(state, "SUCCESS")) {
        l.kind = RK_STMT_PAY;
        l.fen = paid;
        if (l.fen <= 0) return rk_err_set(RK_EFORMAT, "line %d: a payment of nothing", lineno);
    } else if (!strcmp(state, "REFUND") || !strcmp(state, "REVOKED")) {
        l.kind = RK_STMT_REFUND;
        l.fen = refund > 0 ? refund : !strcmp(state, "REVOKED") ? paid : 0;
        if (l.fen <= 0)
            return rk_err_set(RK_EFORMAT, "line %d: a refund of nothing (退款金额)", lineno);
        const char *no = field(r, cols, C_REFUND_NO);
        if (!*no) no = field(r, cols, C_REFUND_MNO);
        if (!*no && !strcmp(state, "REVOKED")) no = "revoked";
        if (!token_ok(no, 64, "_-"))
            return rk_err_set(RK_EFORMAT,
                              "line %d: a refund without its number (微信退款单号) '%.80s'", lineno,
                              no);
        strcpy(l.refund_no, no);
    } else
        return rk_err_set(RK_EFORMAT, "line %d: 交易状态 '%.40s' is not SUCCESS, REFUND or REVOKED",
                          lineno, state);
    return add(p, &l);
}

static int alipay_row(parser *p, const row *r, const int cols[NCOLS], int lineno)
{
    rk_stmt_line l;
    int64_t amt = 0, net = 0;
    memset(&l, 0, sizeof l);
    int rc = common(&l, r, cols, lineno);
    if (rc) return rc;
    const char *t = field(r, cols, cols[C_TIME] >= 0 ? C_TIME : C_CREATED);
    const char *kind = field(r, cols, C_STATE);
    if (parse_time(t, 1, &l.at))
        return rk_err_set(RK_EFORMAT, "line %d: 完成时间 '%.40s' is not YYYY-MM-DD HH:MM:SS",
                          lineno, t);
    if ((rc = amount(r, cols, C_AMOUNT, 1, lineno, "订单金额（元）", &amt))) return rc;
    if (cols[C_NET] >= 0 && (rc = amount(r, cols, C_NET, 1, lineno, "商家实收（元）", &net)))
        return rc;
    if (!strcmp(kind, "交易")) {
        l.kind = RK_STMT_PAY;
        l.fen = amt;
        if (l.fen <= 0)
            return rk_err_set(RK_EFORMAT, "line %d: a payment of %s yuan", lineno,
                              field(r, cols, C_AMOUNT));
    } else if (!strcmp(kind, "退款")) {
        l.kind = RK_STMT_REFUND;
        l.fen = cols[C_NET] >= 0 ? net : amt;
        if (l.fen < 0) l.fen = -l.fen;
        if (!l.fen) return rk_err_set(RK_EFORMAT, "line %d: a refund of nothing", lineno);
        const char *no = field(r, cols, C_REFUND_NO);
        if (!*no) no = l.txn; /* one refund of the whole trade */
        if (!token_ok(no, 64, "_-"))
            return rk_err_set(RK_EFORMAT, "line %d: refund number '%.80s' is not letters or digits",
                              lineno, no);
        strcpy(l.refund_no, no);
    } else
        return rk_err_set(RK_EFORMAT, "line %d: 业务类型 '%.40s' is not 交易 or 退款", lineno,
                          kind);
    return add(p, &l);
}

/* The count N of a footer line "#<label>：N笔..." or -1. */
static long footer_count(const char *s, size_t n, const char *label)
{
    size_t ln = strlen(label);
    if (n < ln + 1 || memcmp(s + 1, label, ln)) return -1;
    size_t i = 1 + ln;
    if (i + 3 <= n && !memcmp(s + i, "：", 3))
        i += 3;
    else if (i < n && s[i] == ':')
        i++;
    else
        return -1;
    long v = 0;
    size_t d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9' && i - d < 9)
        v = v * 10 + (s[i++] - '0');
    if (i == d || i + 3 > n || memcmp(s + i, "笔", 3)) return -1;
    return v;
}

static int cmp_key(const void *a, const void *b)
{
    const rk_stmt_line *x = *(rk_stmt_line *const *)a, *y = *(rk_stmt_line *const *)b;
    int c = x->kind - y->kind;
    if (!c) c = strcmp(x->txn, y->txn);
    if (!c) c = strcmp(x->refund_no, y->refund_no);
    return c ? c : x->line - y->line;
}

/* No trade twice in one file. */
static int unique(const rk_stmt *s)
{
    if (s->n < 2) return 0;
    rk_stmt_line **v = malloc((size_t)s->n * sizeof *v);
    if (!v) return rk_err_oom();
    for (int i = 0; i < s->n; i++)
        v[i] = &s->lines[i];
    qsort(v, (size_t)s->n, sizeof *v, cmp_key);
    int rc = 0;
    for (int i = 1; i < s->n && !rc; i++)
        if (v[i]->kind == v[i - 1]->kind && !strcmp(v[i]->txn, v[i - 1]->txn) &&
            !strcmp(v[i]->refund_no, v[i - 1]->refund_no))
            rc = rk_err_set(RK_EFORMAT, "line %d: the %s %s%s%s is on line %d already", v[i]->line,
                            v[i]->kind == RK_STMT_PAY ? "payment" : "refund", v[i]->txn,
                            v[i]->refund_no[0] ? " / " : "", v[i]->refund_no, v[i - 1]->line);
    free(v);
    return rc;
}

enum { S_HEAD, S_ROWS, S_SUMHEAD, S_SUMROW, S_END };

static int parse_text(parser *p, const char *text, size_t len)
{
    int wechat = p->s->provider == RK_STMT_WECHAT;
    int cols[NCOLS], sumcols[3] = {-1, -1, -1}, state = S_HEAD, rc = 0, lineno = 0, hdr_nf = 0;
    long foot_pay = -1, foot_refund = -1;
    wx_sums sum = {0, 0, 0};
    row *r = malloc(sizeof *r);
    if (!r) return rk_err_oom();
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
        text += 3;
        len -= 3;
    }
    for (size_t i = 0; i < len && !rc;) {
        const char *s = text + i;
        const char *nl = memchr(s, '\n', len - i);
        size_t n = nl ? (size_t)(nl - s) : len - i;
        i += n + (nl ? 1 : 0);
        lineno++;
        if (n && s[n - 1] == '\r') n--;
        if (memchr(s, 0, n)) {
            rc = rk_err_set(RK_EFORMAT, "line %d: a NUL byte", lineno);
            break;
        }
        size_t k = 0;
        while (k < n && is_blank(s[k]))
            k++;
        if (k == n) continue; /* blank */
        if (!wechat && s[k] == '#') {
            if (state == S_ROWS) state = S_END;
            long c;
            if ((c = footer_count(s + k, n - k, "交易合计")) >= 0) foot_pay = c;
            if ((c = footer_count(s + k, n - k, "退款合计")) >= 0) foot_refund = c;
            continue;
        }
        if (state == S_END) {
            rc = rk_err_set(RK_EFORMAT, "line %d: text after the %s", lineno,
                            wechat ? "summary row" : "footer");
            break;
        }
        if ((rc = split(r, s, n, lineno, wechat))) break;
        switch (state) {
        case S_HEAD:
            if ((rc = header(cols, r, lineno, wechat ? wechat_cols : alipay_cols,
                             wechat ? (int)(sizeof wechat_cols / sizeof *wechat_cols)
                                    : (int)(sizeof alipay_cols / sizeof *alipay_cols))))
                break;
            if (cols[C_TXN] < 0 || cols[C_MREF] < 0 || cols[C_STATE] < 0 ||
                (cols[C_TIME] < 0 && (wechat || cols[C_CREATED] < 0)) ||
                (cols[C_AMOUNT] < 0 && (!wechat || cols[C_SETTLE] < 0)))
                rc = rk_err_set(RK_EFORMAT,
                                wechat ? "line %d: not a WeChat Pay trade bill: the header lacks "
                                         "交易时间, 微信订单号, 商户订单号, 交易状态 or 订单金额"
                                       : "line %d: not an Alipay statement (GBK): the header "
                                         "lacks 支付宝交易号, 商户订单号, 业务类型, 完成时间 or "
                                         "订单金额（元）",
                                lineno);
            state = S_ROWS;
            hdr_nf = r->nf;
            break;
        case S_ROWS:
            if (wechat && !strcmp(r->f[0], "总交易单数")) {
                for (int c = 0; c < r->nf; c++) {
                    if (!strcmp(r->f[c], "总交易单数")) sumcols[0] = c;
                    if (!strcmp(r->f[c], "应结订单总金额")) sumcols[1] = c;
                    if (!strcmp(r->f[c], "退款总金额")) sumcols[2] = c;
                }
                state = S_SUMROW;
                break;
            }
            if (r->nf != hdr_nf) {
                rc = rk_err_set(RK_EFORMAT, "line %d: %d fields, the header has %d", lineno, r->nf,
                                hdr_nf);
                break;
            }
            if (wechat) {
                if (r->ticks != r->nf)
                    rc = rk_err_set(RK_EFORMAT,
                                    "line %d: a WeChat Pay value without its backtick (`)", lineno);
                else
                    rc = wechat_row(p, r, cols, lineno, &sum);
            } else
                rc = alipay_row(p, r, cols, lineno);
            break;
        case S_SUMROW: {
            int64_t count = 0, settle = 0, refund = 0;
            if (r->ticks != r->nf) {
                rc = rk_err_set(RK_EFORMAT, "line %d: a WeChat Pay value without its backtick (`)",
                                lineno);
                break;
            }
            if (sumcols[0] < 0 || sumcols[0] >= r->nf || parse_yuan(r->f[sumcols[0]], 0, &count) ||
                count % 100) {
                rc = rk_err_set(RK_EFORMAT, "line %d: the summary row has no 总交易单数", lineno);
                break;
            }
            if ((sumcols[1] >= 0 &&
                 (sumcols[1] >= r->nf || parse_yuan(r->f[sumcols[1]], 0, &settle))) ||
                (sumcols[2] >= 0 &&
                 (sumcols[2] >= r->nf || parse_yuan(r->f[sumcols[2]], 0, &refund)))) {
                rc = rk_err_set(RK_EFORMAT, "line %d: a summary amount is not yuan", lineno);
                break;
            }
            if (count / 100 != p->s->n)
                rc = rk_err_set(RK_EFORMAT,
                                "line %d: 总交易单数 says %lld trades, the file has %d: is it "
                                "cut short?",
                                lineno, (long long)(count / 100), p->s->n);
            else if (sumcols[1] >= 0 && settle != (cols[C_SETTLE] >= 0 ? sum.settle : sum.amount))
                rc = rk_err_set(RK_EFORMAT,
                                "line %d: 应结订单总金额 %lld.%02lld is not the rows' sum", lineno,
                                (long long)(settle / 100), (long long)(settle % 100));
            else if (sumcols[2] >= 0 && refund != sum.refund)
                rc = rk_err_set(RK_EFORMAT, "line %d: 退款总金额 %lld.%02lld is not the rows' sum",
                                lineno, (long long)(refund / 100), (long long)(refund % 100));
            state = S_END;
            break;
        }
        }
    }
    free(r);
    if (rc) return rc;
    if (state == S_HEAD)
        return rk_err_set(RK_EFORMAT, "line %d: no header row: %s", lineno,
                          wechat ? "not a WeChat Pay trade bill" : "not an Alipay statement (GBK)");
    if (wechat && state != S_END)
        return rk_err_set(
            RK_EFORMAT, "line %d: no summary rows (总交易单数 ...): the file is cut short", lineno);
    int pays = 0;
    for (int i = 0; i < p->s->n; i++)
        pays += p->s->lines[i].kind == RK_STMT_PAY;
    if (foot_pay >= 0 && foot_pay != pays)
        return rk_err_set(RK_EFORMAT, "line %d: the footer counts %ld trades, the file has %d",
                          lineno, foot_pay, pays);
    if (foot_refund >= 0 && foot_refund != p->s->n - pays)
        return rk_err_set(RK_EFORMAT, "line %d: the footer counts %ld refunds, the file has %d",
                          lineno, foot_refund, p->s->n - pays);
    return unique(p->s);
}

/* GBK to UTF-8 into a new buffer; a byte that is not GBK is refused with
 * its line. */
static int from_gbk(const char *data, size_t len, char **out, size_t *olen)
{
    iconv_t cd = iconv_open("UTF-8", "GBK");
    if (cd == (iconv_t)-1) return rk_err_set(RK_EINTERNAL, "iconv has no GBK: %s", strerror(errno));
    size_t cap = len * 2 + 16;
    char *buf = malloc(cap);
    if (!buf) {
        iconv_close(cd);
        return rk_err_oom();
    }
    char *in = (char *)data, *o = buf;
    size_t il = len, ol = cap - 1;
    int rc = 0;
    if (iconv(cd, &in, &il, &o, &ol) == (size_t)-1) {
        int line = 1;
        for (const char *c = data; c < in; c++)
            line += *c == '\n';
        rc = rk_err_set(RK_EFORMAT, "line %d: bytes that are not GBK (Alipay writes GBK)", line);
    }
    iconv_close(cd);
    if (rc) {
        free(buf);
        return rc;
    }
    *o = 0;
    *out = buf;
    *olen = (size_t)(o - buf);
    return 0;
}

int rk_stmt_parse(rk_stmt *out, int provider, const char *data, size_t len)
{
    memset(out, 0, sizeof *out);
    out->provider = provider;
    if (provider != RK_STMT_WECHAT && provider != RK_STMT_ALIPAY)
        return rk_err_set(RK_EINVAL, "provider: wechat or alipay");
    if (len > RK_STMT_MAX_BYTES)
        return rk_err_set(RK_ETOOBIG, "a statement of %zu bytes: at most %u MiB", len,
                          RK_STMT_MAX_BYTES >> 20);
    char *text = NULL;
    size_t tl = len;
    int rc = 0;
    if (provider == RK_STMT_ALIPAY) {
        if ((rc = from_gbk(data, len, &text, &tl))) return rc;
    } else if (!rk_utf8_valid(data, len)) {
        int line = 1;
        size_t bad = 0;
        while (bad < len) {
            size_t k = (size_t)rk_utf8_seq(data + bad, len - bad, NULL);
            if (!k) break;
            bad += k;
        }
        for (size_t i = 0; i < bad; i++)
            line += data[i] == '\n';
        return rk_err_set(RK_EFORMAT, "line %d: not UTF-8 (WeChat Pay writes UTF-8)", line);
    }
    parser p = {out, 0};
    rc = parse_text(&p, text ? text : data, tl);
    free(text);
    if (!rc)
        for (int i = 0; i < out->n; i++) {
            const rk_stmt_line *l = &out->lines[i];
            if (l->kind == RK_STMT_PAY)
                out->paid_fen += l->fen;
            else
                out->refund_fen += l->fen;
            if (!out->first_at || l->at < out->first_at) out->first_at = l->at;
            if (l->at > out->last_at) out->last_at = l->at;
        }
    if (rc) {
        int keep = out->provider;
        rk_stmt_free(out);
        out->provider = keep;
    }
    return rc;
}

int rk_stmt_merchant_ref(const char *m, char *branch, size_t bn, char *ref, size_t rn)
{
    size_t n = strlen(m);
    branch[0] = ref[0] = 0;
    for (size_t w = 12; w >= 11; w--) { /* YYMMDD-NNNNN, then YYMMDD-NNNN */
        if (n < w) continue;
        const char *r = m + n - w;
        int ok = r[6] == '-';
        for (size_t i = 0; i < w && ok; i++)
            if (i != 6 && (r[i] < '0' || r[i] > '9')) ok = 0;
        if (!ok) continue;
        if (n > w) {
            size_t bl = n - w - 1;
            char sep = m[bl];
            if ((sep != '-' && sep != '_' && sep != ':') || !bl || bl >= bn) continue;
            memcpy(branch, m, bl);
            branch[bl] = 0;
        }
        if (w >= rn) return rk_err_set(RK_EINTERNAL, "reference buffer");
        memcpy(ref, r, w + 1);
        return 0;
    }
    return rk_err_set(RK_EFORMAT,
                      "merchant order number '%s' holds no order reference (YYMMDD-NNNN)", m);
}
