/*
 * The kiosk's self-service as branch services (selfservice.h).
 */
#include "branch/selfservice.h"

#include "branch/printers.h"
#include "branch/readers.h"
#include "scan/docscan.h"
#include "scan/idreader.h"
#include "domain/image.h"
#include "util/buf.h"
#include "util/file.h"
#include "domain/order.h"
#include "domain/service.h"
#include "print/escpos.h"
#include "print/orderprint.h"
#include "print/receipt.h"
#include "print/spool.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/utf8.h"
#include "util/wipe.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int rk_branch_ss_form(rk_branch *b, const char *kind, const char *business, rk_form *out)
{
    rk_ledger *l;
    int rc = rk_branch_ledger(b, &l);
    if (rc) return rc;
    return rk_forms_compose(l->forms, kind, business, out);
}

int rk_branch_ss_check(rk_branch *b, const rk_field_def *def, const char *value, rk_valid *out)
{
    rk_ledger *l;
    int rc = rk_branch_ledger(b, &l);
    if (rc) return rc;
    const rk_validate_rules rules = {l->conf->uscc_pilot_regions, l->conf->n_uscc_pilot_regions};
    if (rk_forms_check_value(def, value, &rules, out) != 0) {
        out->ok = 0;
        if (!out->message[0]) snprintf(out->message, sizeof out->message, "%s", rk_err_msg());
        rk_err_clear();
    }
    return 0;
}

/* The medium a business charges (as the ledger prices it: a new USB key
 * for a new certificate, a lost one and a broken one). */
static const char *medium_of(const char *business)
{
    return !strcmp(business, "new") || !strcmp(business, "reissue") || !strcmp(business, "replace")
               ? "ukey"
               : "none";
}

int rk_branch_ss_quote(rk_branch *b, const char *kind, const char *business, rk_fee_quote *out)
{
    rk_ledger *l;
    int rc = rk_branch_ledger(b, &l);
    if (rc) return rc;
    rk_fee_request req;
    memset(&req, 0, sizeof req);
    req.business = business;
    req.cert_kind = kind;
    req.medium = medium_of(business);
    req.now = rk_clock_now();
    return rk_fees_quote(l->fees, &req, out);
}

int rk_branch_ss_apply(rk_branch *b, const rk_branch_ss_req *req, rk_branch_order_result *out,
                       int *attached)
{
    rk_actor sys;
    rk_actor_system(&sys);
    *attached = 0;
    rk_branch_capture_req c = {.business = req->business,
                               .subscriber = req->subscriber,
                               .names = req->names,
                               .values = req->values,
                               .n = req->n};
    int rc = rk_branch_order_capture(b, &sys, &c, out);
    if (rc) return rc;
    for (int i = 0; i < req->n_docs; i++) {
        rk_branch_attach_req a = {.ref = out->ref,
                                  .doc_type = req->doc_types[i],
                                  .data = req->doc_data[i],
                                  .len = req->doc_lens[i],
                                  .path = req->doc_data[i] ? NULL : req->doc_paths[i]};
        rk_branch_order_result r;
        if ((rc = rk_branch_order_attach(b, &sys, &a, &r)) != 0)
            return rk_err_wrap(rc, "order %s: document %s", out->ref, req->doc_types[i]);
        rk_branch_order_result_wipe(&r);
        (*attached)++;
    }
    return 0;
}

typedef struct card_wait {
    rk_idcard *out;
    int got;
} card_wait;

static int on_card(const rk_idreader_event *ev, void *arg)
{
    card_wait *w = arg;
    if (ev->kind != RK_IDREADER_READ) return 0;
    *w->out = *ev->card;
    w->got = 1;
    return 1;
}

int rk_branch_ss_read_card(rk_branch *b, rk_idcard *out, int timeout_ms, int (*stop)(void *),
                           void *stop_arg)
{
    char tty[4096];
    rk_idreader *r = NULL;
    int rc = rk_branch_idreader(b, NULL, tty, sizeof tty);
    if (rc || (rc = rk_idreader_open(&r, tty, NULL, NULL, NULL))) return rc;
    card_wait w = {out, 0};
    int waited = 0;
    rc = RK_ETIMEOUT;
    while (!w.got) {
        if (stop && stop(stop_arg)) {
            rc = rk_err_set(RK_ECANCELED, "the card reading was stopped");
            break;
        }
        if (timeout_ms > 0 && waited >= timeout_ms) {
            rc = rk_err_set(RK_ETIMEOUT, "no ID card on the reader within %d ms", timeout_ms);
            break;
        }
        rc = rk_idreader_poll(r, on_card, &w, 500);
        if (rc == RK_ETIMEOUT) {
            rk_err_clear();
            waited += 500;
            continue;
        }
        if (rc) break;
    }
    if (w.got) rc = 0;
    rk_idreader_free(r);
    return rc;
}

int rk_branch_ss_pay_payload(rk_branch *b, const char *ref, int64_t fen, char *out, size_t n)
{
    const rk_conf *conf;
    int rc = rk_branch_conf(b, &conf);
    if (rc) return rc;
    char yuan[32], fens[32];
    snprintf(fens, sizeof fens, "%" PRId64, fen);
    snprintf(yuan, sizeof yuan, "%" PRId64 ".%02" PRId64, fen / 100, fen % 100);
    const struct {
        const char *name, *value;
    } vars[] = {{"{branch}", conf->branch_id}, {"{ref}", ref}, {"{fen}", fens}, {"{yuan}", yuan}};
    size_t len = 0;
    for (const char *p = conf->kiosk_pay_qr; *p;) {
        const char *v = NULL;
        size_t skip = 1;
        for (size_t i = 0; i < sizeof vars / sizeof vars[0] && !v; i++)
            if (!strncmp(p, vars[i].name, strlen(vars[i].name))) {
                v = vars[i].value;
                skip = strlen(vars[i].name);
            }
        size_t add = v ? strlen(v) : 1;
        if (len + add + 1 > n) return rk_err_set(RK_ETOOBIG, "the payment QR payload is too long");
        memcpy(out + len, v ? v : p, add);
        len += add;
        p += skip;
    }
    out[len] = '\0';
    return 0;
}

static void when(char *out, size_t n, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M", &tm);
}

int rk_branch_ss_receipt(rk_branch *b, const char *ref, const rk_fee_quote *q,
                         const char *pay_payload, int *printed)
{
    rk_ledger *l;
    rk_receipt *r = NULL;
    rk_order *o = NULL;
    rk_escpos e;
    rk_form form;
    int rc, width;
    char uri[700], job[RK_SPOOL_JOB_NAME];
    rk_spool *sp;

    *printed = 0;
    memset(&e, 0, sizeof e);
    if ((rc = rk_branch_ledger(b, &l)) || (rc = rk_branch_printer_width(b, 0, &width)) ||
        (rc = rk_branch_receipt_printer(b, NULL, uri, sizeof uri)) ||
        (rc = rk_branch_spool(b, NULL, &sp)))
        return rc;
    if (!(r = calloc(1, sizeof *r)) || !(o = calloc(1, sizeof *o))) {
        rc = rk_err_oom();
        goto out;
    }
    if ((rc = rk_order_get(l, ref, o)) != 0) goto out;
    rk_utf8_copy(r->branch_name, sizeof r->branch_name, l->conf->branch_name);
    rk_utf8_copy(r->branch_id, sizeof r->branch_id, l->conf->branch_id);
    rk_utf8_copy(r->order_ref, sizeof r->order_ref, o->ref);
    rk_utf8_copy(r->business, sizeof r->business, rk_business_label(o->business, 1));
    rk_utf8_copy(r->subscriber, sizeof r->subscriber, o->subject_name);
    if (rk_forms_compose(l->forms, o->subscriber, o->business, &form) == 0 && form.id_field) {
        const char *id = rk_order_value(o, form.id_field);
        rk_utf8_copy(r->id_number, sizeof r->id_number, id ? id : "");
    }
    for (int i = 0; i < q->n && i < RK_RECEIPT_MAX_FEES; i++) {
        rk_utf8_copy(r->fees[r->n_fees].label, sizeof r->fees[0].label, q->lines[i].label_zh);
        r->fees[r->n_fees++].fen = q->lines[i].fen;
        r->total_fen += q->lines[i].fen;
    }
    r->paid = r->total_fen == 0;
    snprintf(r->payment_method, sizeof r->payment_method, "%s",
             r->paid       ? "免费"
             : pay_payload ? "扫码支付"
                           : "到柜台付款");
    snprintf(r->clerk, sizeof r->clerk, "自助服务");
    when(r->printed_at, sizeof r->printed_at, rk_clock_now());
    rk_receipt_track_payload(r->track_qr, sizeof r->track_qr, r->branch_id, o->ref);
    if (!r->paid && pay_payload) rk_utf8_copy(r->pay_qr, sizeof r->pay_qr, pay_payload);

    if ((rc = rk_escpos_init(&e, width, RK_SPOOL_MAX_JOB)) != 0) goto out;
    e.fallback =
        rk_branch_printer_code_fallback(b) ? RK_ESCPOS_FALLBACK_CODE : RK_ESCPOS_FALLBACK_BOX;
    if ((rc = rk_receipt_encode(&e, r)) != 0) goto out;
    if ((rc = rk_spool_add(sp, o->ref, e.out.data, e.out.len, job)) != 0) goto out;
    rk_actor sys;
    rk_actor_system(&sys);
    char detail[RK_SPOOL_JOB_NAME + 800];
    snprintf(detail, sizeof detail, "self-service receipt job %s to %s", job, uri);
    if ((rc = rk_orderprint_audit(l, &sys, o->ref, "print.receipt", detail)) != 0) goto out;
    rc = rk_spool_run(sp, uri, rk_branch_printer_timeout(b, 0), NULL, NULL, printed);
    if (*printed > 0) *printed = 1;
out:
    rk_escpos_free(&e);
    if (r) rk_wipe(r, sizeof *r);
    if (o) rk_wipe(o, sizeof *o);
    free(r);
    free(o);
    return rc;
}

int rk_branch_ss_rate(rk_branch *b, const char *ref, int score, int64_t *id)
{
    rk_ledger *l;
    rk_actor sys;
    int rc = rk_branch_ledger(b, &l);
    if (rc) return rc;
    rk_actor_system(&sys);
    return rk_service_survey(l, &sys, score, NULL, ref && *ref ? ref : NULL, id);
}

int rk_branch_ss_scan(rk_branch *b, unsigned char **out, size_t *len, char *format,
                      rk_progress_fn progress, void *progress_arg)
{
    rk_ledger *l;
    rk_branch_scanner sc;
    rk_docscan_image img;
    rk_docscan_fit_info fi;
    int rc;
    *out = NULL;
    *len = 0;
    format[0] = '\0';
    if ((rc = rk_branch_ledger(b, &l)) != 0) return rc;
    rk_branch_scanner_settings(b, NULL, 0, -1, &sc);
    rk_docscan_opts o = {sc.device, sc.dpi, sc.gray, progress, progress_arg};
    memset(&img, 0, sizeof img);
    if ((rc = rk_docscan_scan(&img, &o)) != 0) return rc;
    rc = rk_docscan_fit(out, len, &fi, &img, (size_t)l->conf->max_image_bytes);
    if (img.pixels) rk_wipe(img.pixels, (size_t)img.width * img.height * img.channels);
    rk_docscan_image_free(&img);
    if (!rc) snprintf(format, 8, "%s", fi.format);
    return rc;
}

int rk_branch_ss_load_document(rk_branch *b, const char *path, unsigned char **out, size_t *len)
{
    rk_ledger *l;
    struct stat st;
    rk_image_info info;
    int rc;
    *out = NULL;
    *len = 0;
    if ((rc = rk_branch_ledger(b, &l)) != 0) return rc;
    size_t max = (size_t)l->conf->max_image_bytes;
    if (stat(path, &st) != 0)
        return rk_err_set(RK_EIO, "cannot read %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode)) return rk_err_set(RK_EFORMAT, "%s is not a file", path);
    if ((uint64_t)st.st_size > max)
        return rk_err_set(RK_ETOOBIG, "the file is %.1f MB; the largest accepted is %.1f MB",
                          st.st_size / 1048576.0, max / 1048576.0);
    rk_buf buf;
    rk_buf_init(&buf, max + 1);
    if ((rc = rk_file_read(&buf, path)) != 0) {
        rk_buf_free(&buf);
        return rc == RK_ETOOBIG
                   ? rk_err_set(RK_ETOOBIG, "the file grew past %.1f MB", max / 1048576.0)
                   : rc;
    }
    if ((rc = rk_image_check(&info, (const unsigned char *)buf.data, buf.len, max)) != 0) {
        rk_buf_free(&buf);
        return rc;
    }
    *len = buf.len;
    *out = (unsigned char *)rk_buf_take(&buf);
    return *out ? 0 : rk_err_oom();
}
