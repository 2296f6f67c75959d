/*
 * Fuzz target for the payment statements' reader (domain/statement.h): the
 * first byte picks the provider (even: WeChat Pay, odd: Alipay), the rest
 * is the file.
 *
 * Besides "no crash, no read out of bounds" it checks the contract: a
 * failure leaves no lines and a message naming a line; a success gives
 * lines of a known kind with a positive amount, NUL-terminated non-empty
 * numbers, line numbers inside the file, sums that add up, and merchant
 * order numbers whose reference split never overruns.
 */
#include "domain/statement.h"
#include "util/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size) return 0;
    int provider = data[0] & 1 ? RK_STMT_ALIPAY : RK_STMT_WECHAT;
    rk_stmt s;
    int rc = rk_stmt_parse(&s, provider, (const char *)data + 1, size - 1);
    if (rc) {
        if (s.n != 0 || s.lines || !rk_err_msg()[0]) abort();
        if (rc == RK_EFORMAT && !strstr(rk_err_msg(), "line ")) abort();
        rk_stmt_free(&s);
        return 0;
    }
    int64_t paid = 0, refunded = 0;
    int lines = 1;
    for (size_t i = 1; i < size; i++)
        lines += data[i] == '\n';
    for (int i = 0; i < s.n; i++) {
        const rk_stmt_line *l = &s.lines[i];
        if ((l->kind != RK_STMT_PAY && l->kind != RK_STMT_REFUND) || l->fen <= 0 || !l->txn[0] ||
            !l->merchant_ref[0] || l->line < 1 || l->line > lines ||
            strnlen(l->txn, sizeof l->txn) == sizeof l->txn ||
            strnlen(l->store, sizeof l->store) == sizeof l->store ||
            strnlen(l->merchant_ref, sizeof l->merchant_ref) == sizeof l->merchant_ref ||
            (l->kind == RK_STMT_REFUND && !l->refund_no[0]) || l->at < s.first_at ||
            l->at > s.last_at)
            abort();
        *(l->kind == RK_STMT_PAY ? &paid : &refunded) += l->fen;
        char branch[64], ref[16];
        if (rk_stmt_merchant_ref(l->merchant_ref, branch, sizeof branch, ref, sizeof ref) == 0 &&
            (strlen(ref) < 11 || strlen(ref) > 12))
            abort();
    }
    if (paid != s.paid_fen || refunded != s.refund_fen) abort();
    rk_stmt_free(&s);
    return 0;
}
