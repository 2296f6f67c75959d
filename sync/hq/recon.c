/*
 * HQ's payment reconciliation (see recon.h): the statement file hashed,
 * parsed and stored in one call; for a day, the store's lines, each
 * line's order found by its merchant order number (the branch the
 * statement names, else the one the number names, else the only branch
 * holding that reference), the orders paid, issued or refunded that day
 * read from their newest events (jansson), and the sorting left to
 * domain/recon.c.
 */
#include "hq/recon.h"
#include "hq/payload.h"

#include "util/buf.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/utf8.h"

#include <jansson.h>
#include <openssl/evp.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rk_hq_statement_import(rk_hq_store *s, int provider, const char *path, int64_t now,
                           rk_hq_statement *f, int *known)
{
    rk_buf b;
    rk_stmt st;
    unsigned char md[32];
    memset(f, 0, sizeof *f);
    *known = 0;
    rk_buf_init(&b, RK_STMT_MAX_BYTES);
    int rc = rk_file_read(&b, path);
    if (rc) {
        rk_buf_free(&b);
        return rc;
    }
    EVP_Digest(b.data ? b.data : "", b.len, md, NULL, EVP_sha256(), NULL);
    rk_hex_encode(f->sha256, md, 32, 0);
    const char *base = strrchr(path, '/');
    rk_utf8_copy(f->filename, sizeof f->filename, base ? base + 1 : path);
    f->provider = provider;
    f->imported_at = now;
    rc = rk_stmt_parse(&st, provider, b.data ? b.data : "", b.len);
    rk_buf_free(&b);
    if (rc) {
        rk_stmt_free(&st);
        return rk_err_wrap(rc, "%s", f->filename);
    }
    f->lines = st.n;
    f->first_at = st.first_at;
    f->last_at = st.last_at;
    rc = s->ops->statement_add(s, f, &st, known);
    rk_stmt_free(&st);
    return rc ? rk_err_wrap(rc, "%s", f->filename) : 0;
}

/* The orders found so far, with an open-addressing index by branch and
 * UUID (a province's day is tens of thousands of orders). */
typedef struct orders {
    rk_recon_order *v;
    int n, cap;
    int *slot; /* index + 1, 0 empty; nslot a power of two > 2 n */
    size_t nslot;
} orders;

static size_t order_hash(const char *branch, const char *uuid)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *s = branch; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h = (h ^ '/') * 1099511628211ULL;
    for (const char *s = uuid; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)h;
}

/* The slot of (branch, uuid): holding it, or the empty one it would take. */
static size_t order_slot(const orders *os, const char *branch, const char *uuid)
{
    size_t i = order_hash(branch, uuid) & (os->nslot - 1);
    while (os->slot[i]) {
        const rk_recon_order *o = &os->v[os->slot[i] - 1];
        if (!strcmp(o->uuid, uuid) && !strcmp(o->branch, branch)) break;
        i = (i + 1) & (os->nslot - 1);
    }
    return i;
}

static int order_index_grow(orders *os)
{
    size_t n = os->nslot ? os->nslot * 2 : 256;
    int *slot = calloc(n, sizeof *slot);
    if (!slot) return rk_err_oom();
    free(os->slot);
    os->slot = slot;
    os->nslot = n;
    for (int i = 0; i < os->n; i++)
        os->slot[order_slot(os, os->v[i].branch, os->v[i].uuid)] = i + 1;
    return 0;
}

/* The index of the order of e in os, added from its payload if new; -1
 * when its payload is not an order (skipped). */
static int order_of(orders *os, const rk_hq_entity *e, int *idx)
{
    *idx = -1;
    if ((size_t)os->n * 2 + 2 > os->nslot && order_index_grow(os)) return RK_ENOMEM;
    size_t at = order_slot(os, e->branch, e->entity_id);
    if (os->slot[at]) {
        *idx = os->slot[at] - 1;
        return 0;
    }
    json_t *p = json_loads(e->payload, 0, NULL);
    if (!json_is_object(p)) {
        json_decref(p);
        return 0;
    }
    if (os->n == os->cap) {
        int cap = os->cap ? os->cap * 2 : 64;
        rk_recon_order *n = realloc(os->v, (size_t)cap * sizeof *n);
        if (!n) {
            json_decref(p);
            return rk_err_oom();
        }
        os->v = n;
        os->cap = cap;
    }
    rk_recon_order *o = &os->v[os->n];
    memset(o, 0, sizeof *o);
    rk_utf8_copy(o->branch, sizeof o->branch, e->branch);
    rk_utf8_copy(o->uuid, sizeof o->uuid, e->entity_id);
    rk_hq_payload_text(o->ref, sizeof o->ref, p, "ref");
    rk_hq_payload_text(o->state, sizeof o->state, p, "state");
    rk_hq_payload_text(o->business, sizeof o->business, p, "business");
    rk_hq_payload_text(o->pay_method, sizeof o->pay_method, p, "pay_method");
    rk_hq_payload_text(o->refund_method, sizeof o->refund_method, p, "refund_method");
    o->fee_total = rk_hq_payload_num(p, "fee_total");
    o->paid_fen = rk_hq_payload_num(p, "paid_fen");
    o->refund_fen = rk_hq_payload_num(p, "refund_fen");
    json_decref(p);
    *idx = os->n++;
    os->slot[at] = os->n;
    return 0;
}

/* Orders with an event of kind on the day, flagged by set. */
static int day_orders(rk_hq_store *s, orders *os, const char *kind, const char *branch,
                      int64_t from, int64_t to, int which)
{
    rk_hq_entity *e;
    int k, rc = s->ops->order_events(s, kind, branch, from, to, &e, &k);
    for (int i = 0; !rc && i < k; i++) {
        int x;
        if ((rc = order_of(os, &e[i], &x)) || x < 0) continue;
        if (which == 0) os->v[x].paid_on_day = 1;
        if (which == 1) os->v[x].issued_on_day = 1;
        if (which == 2) os->v[x].refunded_on_day = 1;
    }
    if (!rc) rk_hq_entities_free(e, k);
    return rc;
}

/* Finds the order of line l (l->order, l->branch, l->note). */
static int line_order(rk_hq_store *s, orders *os, rk_recon_line *l)
{
    char mbranch[64], ref[16];
    l->order = -1;
    if (rk_stmt_merchant_ref(l->l.merchant_ref, mbranch, sizeof mbranch, ref, sizeof ref)) {
        rk_utf8_copy(l->branch, sizeof l->branch, l->l.store);
        snprintf(l->note, sizeof l->note, "商户订单号中没有受理点的订单号");
        return 0;
    }
    const char *br = l->l.store[0] ? l->l.store : mbranch;
    rk_utf8_copy(l->branch, sizeof l->branch, br);
    rk_hq_entity *e;
    int k, rc = s->ops->order_by_ref(s, br, ref, &e, &k);
    if (rc) return rc;
    if (k == 1)
        rc = order_of(os, &e[0], &l->order);
    else if (!k)
        snprintf(l->note, sizeof l->note, "总部没有%s%s%s订单 %s", *br ? "受理点 " : "", br,
                 *br ? " 的" : "", ref);
    else
        snprintf(l->note, sizeof l->note, "%d 个受理点都有订单 %s，账单没有指明受理点", k, ref);
    if (k == 1 && l->order >= 0) rk_utf8_copy(l->branch, sizeof l->branch, e[0].branch);
    rk_hq_entities_free(e, k);
    return rc;
}

int rk_hq_reconcile(rk_hq_store *s, const char *day, const char *branch, rk_recon *out)
{
    int64_t from, to;
    memset(out, 0, sizeof *out);
    /* The day in the deployment's time zone (the process's local time:
     * hq/settings.h), from its midnight to the next, 23 or 25 hours across
     * a daylight saving change. */
    int rc = rk_stmt_day(day, &from);
    if (!rc) rc = rk_clock_day(&from, day, 0);
    if (!rc) rc = rk_clock_day(&to, day, 1);
    if (rc) return rc;
    if (!branch) branch = "";
    rk_utf8_copy(out->day, sizeof out->day, day);
    rk_utf8_copy(out->branch, sizeof out->branch, branch);
    rk_utf8_copy(out->zone, sizeof out->zone, rk_clock_zone());
    out->from = from;
    out->to = to;
    orders os = {NULL, 0, 0, NULL, 0};
    rk_hq_stmt_line *h = NULL;
    rk_recon_line *lines = NULL;
    int nh = 0, nl = 0;
    if (!(rc = day_orders(s, &os, "order.paid", branch, out->from, out->to, 0)) &&
        !(rc = day_orders(s, &os, "order.issued", branch, out->from, out->to, 1)) &&
        !(rc = day_orders(s, &os, "order.cancelled", branch, out->from, out->to, 2)))
        rc = s->ops->statement_lines(s, out->from, out->to, &h, &nh);
    if (!rc && nh && !(lines = calloc((size_t)nh, sizeof *lines))) rc = rk_err_oom();
    for (int i = 0; !rc && i < nh; i++) {
        rk_recon_line *l = &lines[nl];
        l->provider = h[i].provider;
        l->l = h[i].l;
        rk_utf8_copy(l->statement, sizeof l->statement, h[i].statement);
        if ((rc = line_order(s, &os, l))) break;
        /* one branch's report: its orders' lines and the unknown lines
         * that name it */
        if (*branch && strcmp(l->order >= 0 ? os.v[l->order].branch : l->branch, branch)) continue;
        nl++;
    }
    free(h);
    if (!rc) rc = rk_recon_match(out, lines, nl, os.v, os.n);
    free(lines);
    free(os.v);
    free(os.slot);
    return rc;
}
