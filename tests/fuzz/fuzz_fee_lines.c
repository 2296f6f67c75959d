/*
 * Fuzz target for the fee-lines reader (domain/feelines.h).
 *
 * Besides "no crash, no read out of bounds" it checks the contract: a
 * failure leaves no lines and a message; a success gives at most
 * RK_FEELINES_MAX lines with a non-empty, NUL-terminated code, amounts in
 * range, and survives a round trip: the lines written back as JSON by the
 * ledger's writer (util/json.h) parse to the same lines.
 */
#include "domain/feelines.h"
#include "domain/fees.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rk_feeline a[RK_FEELINES_MAX], b[RK_FEELINES_MAX];
    int na = -1, nb = -1;
    int rc = rk_feelines_parse(a, &na, (const char *)data, size);
    if (rc) {
        if (na != 0 || !rk_err_msg()[0]) abort();
        return 0;
    }
    if (na < 0 || na > RK_FEELINES_MAX) abort();
    rk_buf out;
    rk_json j;
    rk_buf_init(&out, 1 << 16);
    rk_json_init(&j, &out);
    rk_json_arr_begin(&j);
    for (int i = 0; i < na; i++) {
        if (!a[i].code[0] || strnlen(a[i].code, sizeof a[i].code) == sizeof a[i].code ||
            strnlen(a[i].label, sizeof a[i].label) == sizeof a[i].label || a[i].fen > RK_FEN_MAX ||
            a[i].fen < -RK_FEN_MAX)
            abort();
        rk_json_obj_begin(&j);
        rk_json_kstr(&j, "code", a[i].code);
        rk_json_kstr(&j, "label", a[i].label);
        rk_json_kint(&j, "fen", a[i].fen);
        rk_json_obj_end(&j);
    }
    rk_json_arr_end(&j);
    if (rk_json_finish(&j)) abort();
    /* the writer's escapes (\u00XX) may lengthen the text past the cap */
    if (out.len <= RK_FEELINES_MAX_LEN) {
        if (rk_feelines_parse(b, &nb, out.data, out.len) != 0 || nb != na) abort();
        for (int i = 0; i < na; i++)
            if (strcmp(a[i].code, b[i].code) || strcmp(a[i].label, b[i].label) ||
                a[i].fen != b[i].fen)
                abort();
    }
    rk_buf_free(&out);
    int64_t total;
    (void)rk_feelines_total(a, na, &total);
    return 0;
}
