/*
 * A reconciliation to JSON and back (see recon_json.h), with jansson.
 */
#include "hq/recon_json.h"
#include "hq/payload.h"

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
    return json_pack("{ss ss ss si si sI sI sI sI so so}", "day", r->day, "branch", r->branch,
                     "time_zone", r->zone, "lines", r->lines, "differences", diffs, "from",
                     (json_int_t)r->from, "to", (json_int_t)r->to, "statement_paid_fen",
                     (json_int_t)r->statement_paid, "statement_refunded_fen",
                     (json_int_t)r->statement_refunded, "counts", counts, "items", items);
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
    rk_hq_payload_text(r->day, sizeof r->day, j, "day");
    rk_hq_payload_text(r->branch, sizeof r->branch, j, "branch");
    rk_hq_payload_text(r->zone, sizeof r->zone, j, "time_zone");
    r->lines = (int)rk_hq_payload_num(j, "lines");
    r->from = rk_hq_payload_num(j, "from");
    r->to = rk_hq_payload_num(j, "to");
    r->statement_paid = rk_hq_payload_num(j, "statement_paid_fen");
    r->statement_refunded = rk_hq_payload_num(j, "statement_refunded_fen");
    size_t n = json_array_size(items);
    if (n > 10u * RK_STMT_MAX_LINES) return rk_err_set(RK_ETOOBIG, "too many items");
    if (n && !(r->items = calloc(n, sizeof *r->items))) return rk_err_oom();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(items, i);
        rk_recon_item *x = &r->items[i];
        char kind[32];
        rk_hq_payload_text(kind, sizeof kind, o, "kind");
        if (!json_is_object(o) || !(x->kind = kind_of(kind))) {
            rk_recon_free(r);
            return rk_err_set(RK_EFORMAT, "item %zu: no kind of reconciliation", i);
        }
        char p[16];
        rk_hq_payload_text(p, sizeof p, o, "provider");
        x->provider = rk_stmt_provider(p);
        rk_hq_payload_text(x->branch, sizeof x->branch, o, "branch");
        rk_hq_payload_text(x->ref, sizeof x->ref, o, "ref");
        rk_hq_payload_text(x->uuid, sizeof x->uuid, o, "uuid");
        rk_hq_payload_text(x->state, sizeof x->state, o, "state");
        rk_hq_payload_text(x->method, sizeof x->method, o, "method");
        rk_hq_payload_text(x->merchant_ref, sizeof x->merchant_ref, o, "merchant_ref");
        rk_hq_payload_text(x->txn, sizeof x->txn, o, "txn");
        rk_hq_payload_text(x->note, sizeof x->note, o, "note");
        x->statement_fen = rk_hq_payload_num(o, "statement_fen");
        x->branch_fen = rk_hq_payload_num(o, "branch_fen");
        x->at = rk_hq_payload_num(o, "at");
        x->line = (int)rk_hq_payload_num(o, "line");
        r->count[x->kind]++;
        r->n++;
    }
    return 0;
}
