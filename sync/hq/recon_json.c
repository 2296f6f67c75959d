/*
 * A reconciliation to JSON and back (see recon_json.h), with jansson.
 */
#include "hq/recon_json.h"

#include "util/err.h"
#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>

json_t *rk_hq_recon_json(const rk_recon *r)
{
    int diffs = 0;
    json_t *counts = json_object(), *items = json_array();
    for (int k = 1; k < RK_RECON_KINDS; k++) {
        json_object_set_new(counts, rk_recon_kind_name(k), json_integer(r->count[k]));
        if (rk_recon_is_difference(k)) diffs += r->count[k];
    }
    for (int i = 0; i < r->n; i++) {
        const rk_recon_item *x = &r->items[i];
        json_array_append_new(
            items,
            json_pack("{ss ss ss ss ss ss ss ss ss sI sI sI si ss}", "kind",
                      rk_recon_kind_name(x->kind), "provider",
                      x->provider ? rk_stmt_provider_name(x->provider) : "", "branch", x->branch,
                      "ref", x->ref, "uuid", x->uuid, "state", x->state, "method", x->method,
                      "merchant_ref", x->merchant_ref, "txn", x->txn, "statement_fen",
                      (json_int_t)x->statement_fen, "branch_fen", (json_int_t)x->branch_fen, "at",
                      (json_int_t)x->at, "line", x->line, "note", x->note));
    }
    return json_pack("{ss ss si si sI sI sI sI so so}", "day", r->day, "branch", r->branch, "lines",
                     r->lines, "differences", diffs, "from", (json_int_t)r->from, "to",
                     (json_int_t)r->to, "statement_paid_fen", (json_int_t)r->statement_paid,
                     "statement_refunded_fen", (json_int_t)r->statement_refunded, "counts", counts,
                     "items", items);
}

static void text(char *out, size_t n, json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    rk_utf8_copy(out, n, v ? v : "");
}

static int64_t num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static int kind_of(const char *name)
{
    for (int k = 1; k < RK_RECON_KINDS; k++)
        if (!strcmp(name, rk_recon_kind_name(k))) return k;
    return 0;
}

int rk_hq_recon_from_json(json_t *j, rk_recon *r)
{
    memset(r, 0, sizeof *r);
    json_t *items = json_object_get(j, "items");
    if (!json_is_object(j) || !json_is_array(items) || !json_is_string(json_object_get(j, "day")))
        return rk_err_set(RK_EFORMAT, "not a reconciliation");
    text(r->day, sizeof r->day, j, "day");
    text(r->branch, sizeof r->branch, j, "branch");
    r->lines = (int)num(j, "lines");
    r->from = num(j, "from");
    r->to = num(j, "to");
    r->statement_paid = num(j, "statement_paid_fen");
    r->statement_refunded = num(j, "statement_refunded_fen");
    size_t n = json_array_size(items);
    if (n > 10u * RK_STMT_MAX_LINES) return rk_err_set(RK_ETOOBIG, "too many items");
    if (n && !(r->items = calloc(n, sizeof *r->items))) return rk_err_oom();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(items, i);
        rk_recon_item *x = &r->items[i];
        char kind[32];
        text(kind, sizeof kind, o, "kind");
        if (!json_is_object(o) || !(x->kind = kind_of(kind))) {
            rk_recon_free(r);
            return rk_err_set(RK_EFORMAT, "item %zu: no kind of reconciliation", i);
        }
        char p[16];
        text(p, sizeof p, o, "provider");
        x->provider = rk_stmt_provider(p);
        text(x->branch, sizeof x->branch, o, "branch");
        text(x->ref, sizeof x->ref, o, "ref");
        text(x->uuid, sizeof x->uuid, o, "uuid");
        text(x->state, sizeof x->state, o, "state");
        text(x->method, sizeof x->method, o, "method");
        text(x->merchant_ref, sizeof x->merchant_ref, o, "merchant_ref");
        text(x->txn, sizeof x->txn, o, "txn");
        text(x->note, sizeof x->note, o, "note");
        x->statement_fen = num(o, "statement_fen");
        x->branch_fen = num(o, "branch_fen");
        x->at = num(o, "at");
        x->line = (int)num(o, "line");
        r->count[x->kind]++;
        r->n++;
    }
    return 0;
}
