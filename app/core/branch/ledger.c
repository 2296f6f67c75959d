/*
 * The order ledger's services of the branch (see ledger.h): each call
 * takes the branch's ledger, checks who acts, runs the domain's one
 * transaction and fills the result the caller shows; the sub-CA follows a
 * change of certificate status at once.
 */
#include "branch/ledger.h"

#include "audit/record.h"
#include "branch/branchca.h"
#include "branch/session.h"
#include "ca/certinfo.h"
#include "domain/docstore.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/file.h"
#include "util/wipe.h"
#include "util/words.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const rk_branch_order_states[] = {"draft",    "submitted", "authority", "approved",
                                              "rejected", "paid",      "issued",    "delivered",
                                              "archived", "cancelled", NULL};
const char *const rk_branch_order_businesses[] = {"new",     "renew",    "change", "reissue",
                                                  "replace", "unlock",   "revoke", "suspend",
                                                  "resume",  "recovery", NULL};
const char *const rk_branch_order_subscribers[] = {"individual", "organisation", "server", NULL};
const char *const rk_branch_order_cert_kinds[] = {"individual", "organisation", "orgperson",
                                                  "server", NULL};
const char *const rk_branch_pay_methods[] = {"cash", "wechat", "alipay", "card", "transfer", NULL};
const char *const rk_branch_delivery_methods[] = {"pickup", "mail", NULL};

static int one_of(const char *v, const char *const *list)
{
    for (; v && *list; list++)
        if (!strcmp(v, *list)) return 1;
    return 0;
}

/* "a, b or c" of list into out. */
static void words(char *out, size_t n, const char *const *list)
{
    size_t used = 0;
    int count = 0;
    out[0] = '\0';
    while (list[count])
        count++;
    for (int i = 0; i < count; i++) {
        int w = snprintf(out + used, n - used, "%s%s",
                         i == 0           ? ""
                         : i == count - 1 ? " or "
                                          : ", ",
                         list[i]);
        if (w < 0 || (size_t)w >= n - used) return;
        used += (size_t)w;
    }
}

static int check_word(const char *what, const char *v, const char *const *list)
{
    char all[256];
    if (one_of(v, list)) return 0;
    words(all, sizeof all, list);
    return rk_err_set(RK_EINVAL, "%s '%s' is not known: %s", what, v ? v : "", all);
}

/* A clerk's session, for what shows personal data (session.h). */
static int need_clerk(rk_branch *b, const rk_actor *by, const char *what)
{
    return rk_branch_need_clerk(b, by, what);
}

static int ledger_of(rk_branch *b, rk_ledger **l)
{
    return rk_branch_ledger(b, l);
}

void rk_branch_order_result_wipe(rk_branch_order_result *r)
{
    if (r) rk_wipe(r, sizeof *r);
}

/* The order's state after a change into out (when out is set). */
static int fill(rk_ledger *l, const char *ref, rk_branch_order_result *out)
{
    rk_order *o;
    int rc;
    if (!out) return 0;
    if (!(o = calloc(1, sizeof *o))) return rk_err_oom();
    if ((rc = rk_order_get(l, ref, o)) == 0) {
        snprintf(out->ref, sizeof out->ref, "%s", o->ref);
        snprintf(out->uuid, sizeof out->uuid, "%s", o->uuid);
        snprintf(out->state, sizeof out->state, "%s", o->state);
        out->fee_total = o->fee_total;
        out->paid_fen = o->paid_fen;
        out->refund_fen = o->refund_fen;
        out->due_at = o->due_at;
    }
    rk_wipe(o, sizeof *o);
    free(o);
    return rc;
}

/* A finished change: the result, or the failure as it came. */
static int finish(rk_ledger *l, int rc, const char *ref, rk_branch_order_result *out)
{
    if (rc) return rc;
    /* The change is committed: a failure to read it back is not the
     * change's failure. */
    if (fill(l, ref, out) != 0) rk_err_clear();
    return 0;
}

/* The sub-CA takes up a change of certificate status; a failure is kept
 * in the result, not returned (the ledger's change stands). */
static void follow(rk_branch *b, const rk_actor *by, int *changes, uint64_t *number, int *pending,
                   char *msg, size_t n)
{
    rk_err_clear();
    if (rk_branch_follow_ca(b, by, changes, number) != 0) {
        *pending = 1;
        snprintf(msg, n, "%s", rk_err_msg());
        rk_err_clear();
    }
}

static void prepare(rk_branch_order_result *out)
{
    if (out) memset(out, 0, sizeof *out);
}

int rk_branch_order_capture(rk_branch *b, const rk_actor *by, const rk_branch_capture_req *req,
                            rk_branch_order_result *out)
{
    rk_ledger *l;
    rk_order *o;
    int rc;

    prepare(out);
    if ((rc = check_word("business type", req->business, rk_branch_order_businesses)) ||
        (rc = check_word("subscriber kind", req->subscriber, rk_branch_order_subscribers)) ||
        (req->cert_kind &&
         (rc = check_word("certificate kind", req->cert_kind, rk_branch_order_cert_kinds))))
        return rc;
    if ((rc = ledger_of(b, &l)) != 0) return rc;
    if (!(o = calloc(1, sizeof *o))) return rk_err_oom();
    const rk_order_spec spec = {.business = req->business,
                                .subscriber = req->subscriber,
                                .cert_kind = req->cert_kind,
                                .needs_authority = req->needs_authority,
                                .names = req->names,
                                .values = req->values,
                                .n = req->n,
                                .warning_reason = req->warning_reason,
                                .paper_docs = req->paper_docs,
                                .n_paper = req->n_paper,
                                .submit = req->submit};
    rc = rk_order_new(l, by, &spec, o);
    if (!rc && out) {
        snprintf(out->ref, sizeof out->ref, "%s", o->ref);
        snprintf(out->uuid, sizeof out->uuid, "%s", o->uuid);
        snprintf(out->state, sizeof out->state, "%s", o->state);
        out->fee_total = o->fee_total;
        out->due_at = o->due_at;
    }
    rk_wipe(o, sizeof *o);
    free(o);
    return rc;
}

int rk_branch_order_set_fields(rk_branch *b, const rk_actor *by, const rk_branch_fields_req *req,
                               rk_branch_order_result *out)
{
    rk_ledger *l;
    int rc;
    prepare(out);
    if ((rc = ledger_of(b, &l)) != 0) return rc;
    rc = rk_order_set_fields(l, by, req->ref, req->names, req->values, req->n, req->warning_reason);
    return finish(l, rc, req->ref, out);
}

int rk_branch_order_attach(rk_branch *b, const rk_actor *by, const rk_branch_attach_req *req,
                           rk_branch_order_result *out)
{
    rk_ledger *l;
    rk_buf file;
    int rc;

    prepare(out);
    if ((rc = ledger_of(b, &l)) != 0) return rc;
    if (req->data)
        return finish(l, rk_order_attach(l, by, req->ref, req->doc_type, req->data, req->len),
                      req->ref, out);
    if (!req->path) return rk_err_set(RK_EINVAL, "document %s: no image given", req->doc_type);
    rk_buf_init(&file, (size_t)l->conf->max_image_bytes);
    if ((rc = rk_file_read(&file, req->path)) != 0) {
        rk_buf_free(&file);
        if (rc == RK_ETOOBIG)
            return rk_err_set(RK_ETOOBIG, "document %s: %s is larger than %.1f MB", req->doc_type,
                              req->path, (double)l->conf->max_image_bytes / (1024 * 1024));
        return rk_err_wrap(rc, "document %s", req->doc_type);
    }
    rc =
        rk_order_attach(l, by, req->ref, req->doc_type, (const unsigned char *)file.data, file.len);
    rk_buf_free(&file);
    return finish(l, rc, req->ref, out);
}

int rk_branch_order_documents(rk_branch *b, const rk_actor *by, const char *ref, rk_order_doc **out,
                              int *n)
{
    rk_ledger *l;
    rk_order *o;
    int rc;
    *out = NULL;
    *n = 0;
    if ((rc = need_clerk(b, by, "an order's documents")) || (rc = ledger_of(b, &l))) return rc;
    if (!(o = calloc(1, sizeof *o))) return rk_err_oom();
    if ((rc = rk_order_get(l, ref, o)) == 0) rc = rk_order_docs(l, o->id, out, n);
    rk_wipe(o, sizeof *o);
    free(o);
    return rc;
}

int rk_branch_order_document_image(rk_branch *b, const rk_actor *by, const char *ref,
                                   const char *doc_type, rk_buf *out, char format[8])
{
    rk_ledger *l;
    rk_order *o;
    rk_order_doc *docs = NULL;
    int n = 0, rc, found = -1;
    format[0] = '\0';
    if (!doc_type || !*doc_type) return rk_err_set(RK_EINVAL, "which document? give its type");
    if ((rc = need_clerk(b, by, "a document image")) || (rc = ledger_of(b, &l))) return rc;
    if (!(o = calloc(1, sizeof *o))) return rk_err_oom();
    if ((rc = rk_order_get(l, ref, o)) == 0 && (rc = rk_order_docs(l, o->id, &docs, &n)) == 0) {
        for (int i = 0; i < n; i++)
            if (!strcmp(docs[i].doc_type, doc_type) && docs[i].sha256[0]) found = i;
        if (found < 0)
            rc = rk_err_set(RK_ENOTFOUND, "order %s holds no image of %s", o->ref, doc_type);
    }
    if (!rc) {
        char detail[96];
        snprintf(detail, sizeof detail, "document %s shown", doc_type);
        rk_record r = {.actor = by->login,
                       .role = "review",
                       .action = "order.document_viewed",
                       .order_id = o->uuid,
                       .detail = detail};
        rc = rk_record_once(l->db, &r);
    }
    if (!rc && (rc = rk_docstore_get(out, l->conf->documents, l->key, docs[found].sha256)) == 0)
        snprintf(format, 8, "%s", docs[found].format);
    free(docs);
    rk_wipe(o, sizeof *o);
    free(o);
    return rc;
}

int rk_branch_order_paper(rk_branch *b, const rk_actor *by, const char *ref, const char *doc_type,
                          const char *note, rk_branch_order_result *out)
{
    rk_ledger *l;
    int rc;
    prepare(out);
    if ((rc = ledger_of(b, &l)) != 0) return rc;
    return finish(l, rk_order_paper(l, by, ref, doc_type, note), ref, out);
}

int rk_branch_order_submit(rk_branch *b, const rk_actor *by, const char *ref,
                           rk_branch_order_result *out)
{
    rk_ledger *l;
    int rc;
    prepare(out);
    if ((rc = ledger_of(b, &l)) != 0) return rc;
    return finish(l, rk_order_submit(l, by, ref), ref, out);
}

int rk_branch_order_approve(rk_branch *b, const rk_actor *by, const char *ref,
                            const char *authority_ref, rk_branch_order_result *out)
{
    char code[RK_AUTHCODE_MAX] = "";
    rk_ledger *l;
    int rc;
    prepare(out);
    if ((rc = ledger_of(b, &l)) != 0) return rc;
    rc = rk_order_approve_code(code, sizeof code, l, by, ref, authority_ref);
    if (!rc && out) snprintf(out->authcode, sizeof out->authcode, "%s", code);
    rk_wipe(code, sizeof code);
    return finish(l, rc, ref, out);
}

int rk_branch_order_authcode(rk_branch *b, const rk_actor *by, const char *ref,
                             rk_branch_order_result *out)
{
    char code[RK_AUTHCODE_MAX] = "";
    rk_ledger *l;
    int rc;
    prepare(out);
    if ((rc = ledger_of(b, &l)) != 0) return rc;
    rc = rk_authcode_reissue(code, sizeof code, l, by, ref);
    if (!rc && out) snprintf(out->authcode, sizeof out->authcode, "%s", code);
    rk_wipe(code, sizeof code);
    return finish(l, rc, ref, out);
}

int rk_branch_order_reject(rk_branch *b, const rk_actor *by, const char *ref, const char *reason,
                           rk_branch_order_result *out)
{
    rk_ledger *l;
    int rc;
    prepare(out);
    if ((rc = ledger_of(b, &l)) != 0) return rc;
    return finish(l, rk_order_reject(l, by, ref, reason), ref, out);
}

int rk_branch_order_pay(rk_branch *b, const rk_actor *by, const rk_branch_payment_req *req,
                        rk_branch_order_result *out)
{
    rk_ledger *l;
    int rc;
    prepare(out);
    if ((rc = check_word("payment method", req->method, rk_branch_pay_methods)) ||
        (rc = ledger_of(b, &l)))
        return rc;
    return finish(l, rk_order_pay(l, by, req->ref, req->method, req->fen), req->ref, out);
}

int rk_branch_order_cancel(rk_branch *b, const rk_actor *by, const rk_branch_cancel_req *req,
                           rk_branch_order_result *out)
{
    rk_ledger *l;
    int rc;
    prepare(out);
    if (req->refund_method &&
        (rc = check_word("refund method", req->refund_method, rk_branch_pay_methods)))
        return rc;
    if ((rc = ledger_of(b, &l)) != 0) return rc;
    rc = req->refund_method
             ? rk_order_cancel_refund(l, by, req->ref, req->reason, req->refund_method)
             : rk_order_cancel(l, by, req->ref, req->reason);
    return finish(l, rc, req->ref, out);
}

int rk_branch_order_issue(rk_branch *b, const rk_actor *by, const rk_branch_issue_req *req,
                          rk_branch_order_result *out)
{
    rk_ledger *l;
    rk_cert_record rec;
    rk_buf file;
    unsigned char *der = NULL;
    int rc;

    prepare(out);
    if ((rc = ledger_of(b, &l)) != 0) return rc;
    memset(&rec, 0, sizeof rec);
    rk_buf_init(&file, RK_CERTINFO_MAX_BYTES);
    if (req->cert_path) {
        if ((rc = rk_file_read(&file, req->cert_path)) != 0) {
            rk_buf_free(&file);
            return rk_err_wrap(rc, "certificate");
        }
        if ((rc = rk_certinfo_parse(&rec, &der, (const unsigned char *)file.data, file.len)) != 0) {
            rk_buf_free(&file);
            return rk_err_wrap(rc, "%s", req->cert_path);
        }
        if (req->key_serial) snprintf(rec.key_serial, sizeof rec.key_serial, "%s", req->key_serial);
    }
    rc = rk_order_issue(l, by, req->ref, req->cert_path ? &rec : NULL);
    rk_buf_free(&file);
    OPENSSL_free(der);
    if ((rc = finish(l, rc, req->ref, out)) != 0) return rc;
    /* A revocation, hold or replacement: the sub-CA takes it up. */
    rk_order *o = calloc(1, sizeof *o);
    if (!o) return 0;
    if (rk_order_get(l, req->ref, o) == 0 && rk_business_changes_status(o->business)) {
        rk_branch_order_result scratch, *r = out ? out : &scratch;
        follow(b, by, &r->ca_changes, &r->crl_number, &r->ca_pending, r->ca_message,
               sizeof r->ca_message);
    }
    rk_err_clear();
    rk_wipe(o, sizeof *o);
    free(o);
    return 0;
}

int rk_branch_order_deliver(rk_branch *b, const rk_actor *by, const char *ref, const char *method,
                            const char *tracking, rk_branch_order_result *out)
{
    rk_ledger *l;
    int rc;
    prepare(out);
    if ((rc = check_word("delivery method", method, rk_branch_delivery_methods)) ||
        (rc = ledger_of(b, &l)))
        return rc;
    return finish(l, rk_order_deliver(l, by, ref, method, tracking), ref, out);
}

int rk_branch_order_redispatch(rk_branch *b, const rk_actor *by, const char *ref,
                               const char *delivery, const char *address,
                               rk_branch_order_result *out)
{
    rk_ledger *l;
    int rc;
    prepare(out);
    if ((rc = check_word("delivery method", delivery, rk_branch_delivery_methods)) ||
        (rc = ledger_of(b, &l)))
        return rc;
    return finish(l, rk_order_redispatch(l, by, ref, delivery, address), ref, out);
}

/* ---- reading ------------------------------------------------------------ */

void rk_branch_order_view_free(rk_branch_order_view *v)
{
    if (!v) return;
    free(v->doc_rows);
    rk_wipe(v, sizeof *v);
    free(v);
}

static int reveal_record(rk_ledger *l, const rk_actor *by, const rk_order *o)
{
    rk_record r = {.actor = by->login,
                   .role = "entry",
                   .action = "order.revealed",
                   .order_id = o->uuid,
                   .detail = "personal data shown in clear"};
    return rk_record_once(l->db, &r);
}

int rk_branch_order_show(rk_branch *b, const rk_actor *by, const char *ref, int reveal,
                         rk_branch_order_view **out)
{
    rk_branch_order_view *v;
    rk_ledger *l;
    rk_form form;
    int rc;

    *out = NULL;
    if ((rc = need_clerk(b, by, "an order")) || (rc = ledger_of(b, &l))) return rc;
    if (!(v = calloc(1, sizeof *v))) return rk_err_oom();
    rk_order *o = &v->order;
    if ((rc = rk_order_get(l, ref, o)) ||
        (rc = rk_forms_compose(l->forms, o->subscriber, o->business, &form)) ||
        (rc = rk_order_docs(l, o->id, &v->doc_rows, &v->n_doc_rows)) ||
        (rc = rk_order_missing(l, o, v->missing, sizeof v->missing)) ||
        (rc = rk_order_rejections(v->rejections, RK_BRANCH_VIEW_REJECTIONS, &v->n_rejections, l,
                                  o->id)) ||
        (rc = rk_certreg_of_order(v->certs, RK_BRANCH_VIEW_CERTS, &v->n_certs, l, o->id)))
        goto fail;
    if (reveal && (rc = reveal_record(l, by, o)) != 0) goto fail;
    v->revealed = reveal;
    for (int i = 0; i < form.n_fields; i++) {
        rk_branch_view_field *f = &v->fields[v->n_fields++];
        const rk_field_def *d = form.fields[i].def;
        const char *val = rk_order_value(o, d->name);
        f->def = d;
        f->required = form.fields[i].required;
        f->set = val != NULL;
        if (val && d->sensitive && !reveal)
            rk_mask(f->shown, sizeof f->shown, d->check, val);
        else
            snprintf(f->shown, sizeof f->shown, "%s", val ? val : "");
    }
    if (!reveal) /* the clear values stay only in fields[] as they may be shown */
        for (int i = 0; i < o->n_fields; i++)
            for (int k = 0; k < v->n_fields; k++)
                if (!strcmp(v->fields[k].def->name, o->fields[i].name) &&
                    v->fields[k].def->sensitive)
                    snprintf(o->fields[i].value, sizeof o->fields[i].value, "%s",
                             v->fields[k].shown);
    for (int i = 0; i < form.n_docs; i++) {
        rk_branch_view_doc *d = &v->docs[v->n_docs++];
        d->def = form.docs[i];
        for (int k = 0; k < v->n_doc_rows; k++)
            if (!strcmp(v->doc_rows[k].doc_type, form.docs[i]->name)) d->doc = &v->doc_rows[k];
    }
    *out = v;
    return 0;
fail:
    rk_branch_order_view_free(v);
    return rc;
}

int rk_branch_order_list(rk_branch *b, const rk_actor *by, const rk_branch_list_req *req,
                         rk_order_row **out, int *n)
{
    rk_ledger *l;
    int rc;
    *out = NULL;
    *n = 0;
    if ((rc = need_clerk(b, by, "the order list")) ||
        (req->state && (rc = check_word("state", req->state, rk_branch_order_states))) ||
        (req->business &&
         (rc = check_word("business type", req->business, rk_branch_order_businesses))) ||
        (rc = ledger_of(b, &l)))
        return rc;
    const rk_order_filter f = {.state = req->state, .business = req->business, .limit = req->limit};
    return rk_order_list(l, &f, out, n);
}

int rk_branch_order_find(rk_branch *b, const rk_actor *by, const char *query, int limit,
                         rk_order_row **out, int *n)
{
    rk_ledger *l;
    int rc;
    *out = NULL;
    *n = 0;
    if ((rc = need_clerk(b, by, "finding orders")) || (rc = ledger_of(b, &l))) return rc;
    return rk_order_find(l, query ? query : "", limit, out, n);
}

int rk_branch_overdue(rk_branch *b, const rk_actor *by, int limit, rk_order_row **out, int *n)
{
    rk_ledger *l;
    int rc;
    *out = NULL;
    *n = 0;
    if ((rc = need_clerk(b, by, "the overdue list")) || (rc = ledger_of(b, &l))) return rc;
    const rk_order_filter f = {.overdue = 1, .limit = limit > 0 ? limit : 1000};
    return rk_order_list(l, &f, out, n);
}

/* Hits for the orders that answer to q (rk_order_find: the subscriber's
 * ID number, the order's reference): each certificate they produced, or
 * the order itself while in production, with the statuses the status
 * query gives. */
static int by_order(rk_ledger *l, const char *q, rk_status_hit *hits, int max, int *n)
{
    rk_order_row *rows;
    rk_certreg_cert certs[RK_BRANCH_VIEW_CERTS];
    int nrows, rc;

    if ((rc = rk_order_find(l, q, 16, &rows, &nrows)) != 0) return rc;
    for (int i = 0; i < nrows && *n < max && !rc; i++) {
        rk_order *o = calloc(1, sizeof *o);
        int nc = 0, got = 0;
        if (!o) {
            rc = rk_err_oom();
            break;
        }
        if ((rc = rk_order_get(l, rows[i].ref, o)) == 0)
            rc = rk_certreg_of_order(certs, RK_BRANCH_VIEW_CERTS, &nc, l, o->id);
        for (int k = 0; !rc && k < nc && *n < max; k++) {
            rc = rk_certstatus_query(l, certs[k].serial, hits + *n, max - *n, &got);
            *n += rc ? 0 : got;
        }
        /* Nothing produced yet: the order's own answer, if it has one. */
        if (!rc && !nc && o->subject_name[0] &&
            (rc = rk_certstatus_query(l, o->subject_name, hits + *n, max - *n, &got)) == 0)
            for (int k = 0; k < got; k++)
                if (!strcmp(hits[*n + k].order_ref, o->ref) && !hits[*n + k].serial[0]) {
                    if (k) hits[*n] = hits[*n + k];
                    (*n)++;
                    break;
                }
        rk_wipe(o, sizeof *o);
        free(o);
    }
    free(rows);
    return rc;
}

int rk_branch_status_query(rk_branch *b, const rk_actor *by, const rk_branch_status_req *req,
                           rk_status_hit *hits, int max, int *n)
{
    rk_ledger *l;
    int rc;

    *n = 0;
    if (!req->query || !*req->query)
        return rk_err_set(RK_EINVAL, "give a subject name, an ID number or a serial");
    if ((!req->public_view && (rc = need_clerk(b, by, "the status query"))) ||
        (rc = ledger_of(b, &l)))
        return rc;
    if ((rc = rk_certstatus_query(l, req->query, hits, max, n)) != 0) return rc;
    if (*n == 0 && (rc = by_order(l, req->query, hits, max, n)) != 0) return rc;
    if (req->public_view && need_clerk(b, by, "") != 0) {
        rk_err_clear();
        for (int i = 0; i < *n; i++) {
            char masked[RK_ORDER_VALUE_MAX];
            rk_mask(masked, sizeof masked, "text", hits[i].subject_name);
            snprintf(hits[i].subject_name, sizeof hits[i].subject_name, "%s", masked);
        }
    }
    return 0;
}

int rk_branch_renewals(rk_branch *b, const rk_actor *by, int days, rk_renewal **out, int *n)
{
    rk_ledger *l;
    int rc;
    *out = NULL;
    *n = 0;
    if ((rc = need_clerk(b, by, "the renewal list"))) return rc;
    if (days < 1 || days > 3660) return rk_err_set(RK_EINVAL, "days: 1 to 3660, not %d", days);
    if ((rc = ledger_of(b, &l)) != 0) return rc;
    return rk_certstatus_renewals(l, days, out, n);
}

/* ---- the clock ----------------------------------------------------------- */

int rk_branch_tick(rk_branch *b, rk_branch_tick_result *out)
{
    rk_branch_tick_result scratch, *r = out ? out : &scratch;
    rk_ledger *l;
    rk_actor sys;
    char detail[160];
    int rc;

    memset(r, 0, sizeof *r);
    rk_actor_system(&sys);
    if ((rc = ledger_of(b, &l)) || (rc = rk_certstatus_tick(l, &r->resumed, &r->revocations)))
        return rc;
    follow(b, &sys, &r->ca_changes, &r->crl_number, &r->ca_pending, r->ca_message,
           sizeof r->ca_message);
    if (!r->resumed && !r->revocations && !r->ca_changes && !r->crl_number) return 0;
    snprintf(detail, sizeof detail,
             "%d %s resumed, %d revocation %s started, %d sub-CA %s, CRL %llu", r->resumed,
             rk_plural(r->resumed, "suspension", "suspensions"), r->revocations,
             rk_plural(r->revocations, "order", "orders"), r->ca_changes,
             rk_plural(r->ca_changes, "change", "changes"), (unsigned long long)r->crl_number);
    rk_record rec = {.actor = sys.login, .role = "system", .action = "tick.run", .detail = detail};
    return rk_record_once(l->db, &rec);
}
