/*
 * An order's papers printed at the desk (see orderdocs.h).
 */
#include "branch/orderdocs.h"

#include "branch/printers.h"
#include "print/a4.h"
#include "print/escpos.h"
#include "print/lp.h"
#include "print/orderprint.h"
#include "print/receipt.h"
#include "print/spool.h"
#include "util/err.h"
#include "util/file.h"
#include "util/utf8.h"
#include "util/wipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int need_clerk(const rk_actor *by)
{
    if (!by || by->clerk_id <= 0)
        return rk_err_set(RK_EPERM, "printing an order's papers needs a clerk's login");
    return 0;
}

int rk_branch_a4_send(rk_branch *b, const char *path, const char *title, const char *queue,
                      const char *server, char *job, size_t n)
{
    static const char *const opts[] = {"PageSize=A4", NULL};
    if (n) job[0] = '\0';
    rk_branch_a4_queue(b, queue, server, &queue, &server);
    if (!queue) return 0;
    return rk_lp_submit(queue, server, title, opts, path, job, n);
}

static const rk_branch_print_opts no_opts = {.code_fallback = -1};

/* Lays r out and prints it (or writes it to o->out); with l, the copy is
 * audited for by as soon as it exists, and a file the audit log does not
 * know of is removed. */
static int receipt_out(rk_branch *b, rk_ledger *l, const rk_actor *by, rk_receipt *r,
                       const rk_branch_print_opts *o, rk_branch_printed *out)
{
    rk_escpos e;
    rk_spool *sp = NULL;
    char uri[700] = "";
    int rc, width;

    if (!o) o = &no_opts;
    memset(&e, 0, sizeof e);
    snprintf(out->order_ref, sizeof out->order_ref, "%s", r->order_ref);
    if ((rc = rk_branch_printer_width(b, o->width, &width)) ||
        (!o->out && ((rc = rk_branch_receipt_printer(b, o->printer, uri, sizeof uri)) ||
                     (rc = rk_branch_spool(b, o->spool_dir, &sp)))))
        goto done;
    if ((rc = rk_escpos_init(&e, width, RK_SPOOL_MAX_JOB)) != 0) goto done;
    int code = o->code_fallback >= 0 ? o->code_fallback : rk_branch_printer_code_fallback(b);
    e.fallback = code ? RK_ESCPOS_FALLBACK_CODE : RK_ESCPOS_FALLBACK_BOX;
    rc = rk_receipt_encode(&e, r);
    rk_wipe(r->id_number, sizeof r->id_number); /* only the masked number was laid out */
    if (rc) goto done;
    out->bytes = e.out.len;
    for (int i = 0; i < e.n_replaced && out->n_replaced < RK_BRANCH_MAX_REPLACED; i++)
        out->replaced[out->n_replaced++] = e.replaced[i];
    char detail[RK_SPOOL_JOB_NAME + 4200];
    if (o->out) {
        if ((rc = rk_file_write_atomic(o->out, e.out.data, e.out.len, 0644)) != 0) goto done;
        snprintf(detail, sizeof detail, "receipt written to the file %s", o->out);
        if (l && (rc = rk_orderprint_audit(l, by, r->order_ref, "print.receipt", detail)) != 0)
            unlink(o->out); /* no copy that the audit log does not know of */
        goto done;
    }
    if ((rc = rk_spool_add(sp, r->order_ref, e.out.data, e.out.len, out->job)) != 0) goto done;
    if (l) { /* on disk now: it prints, now or after recovery */
        snprintf(detail, sizeof detail, "receipt reprinted (补打), job %s to %s", out->job, uri);
        if ((rc = rk_orderprint_audit(l, by, r->order_ref, "print.receipt", detail)) != 0)
            goto done;
    }
    rc = rk_spool_run(sp, uri, rk_branch_printer_timeout(b, o->timeout_ms), o->notify, o->arg,
                      &out->printed);
    if (out->printed > 0) out->printed = 1;
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", rc ? rk_err_msg() : "");
    rk_spool_pending(sp, &out->pending);
    if (rc) rk_err_set(rc, "%s", msg);
done:
    rk_escpos_free(&e);
    return rc;
}

int rk_branch_print_receipt_of(rk_branch *b, rk_receipt *r, const rk_branch_print_opts *o,
                               rk_branch_printed *out)
{
    memset(out, 0, sizeof *out);
    return receipt_out(b, NULL, NULL, r, o, out);
}

int rk_branch_print_receipt(rk_branch *b, const rk_actor *by, const char *ref,
                            const rk_branch_print_opts *o, rk_branch_printed *out)
{
    rk_ledger *l;
    rk_receipt *r;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = need_clerk(by)) || (rc = rk_branch_ledger(b, &l))) return rc;
    if (!(r = calloc(1, sizeof *r))) return rk_err_oom();
    if ((rc = rk_orderprint_receipt(l, ref, r)) == 0) rc = receipt_out(b, l, by, r, o, out);
    rk_wipe(r, sizeof *r);
    free(r);
    return rc;
}

int rk_branch_print_order_a4(rk_branch *b, const rk_actor *by, const char *ref, int kind,
                             const rk_branch_print_opts *o, rk_branch_printed *out)
{
    rk_ledger *l;
    const char *what = kind == RK_BRANCH_DOC_FORM ? "form" : "record";
    int rc;

    memset(out, 0, sizeof *out);
    if (kind != RK_BRANCH_DOC_FORM && kind != RK_BRANCH_DOC_RECORD)
        return rk_err_set(RK_EINVAL, "an order prints its form or its record");
    if ((rc = need_clerk(by)) || (rc = rk_branch_ledger(b, &l))) return rc;
    /* The reference names the file: only its own characters. */
    for (const char *p = ref; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              *p == '-'))
            return rk_err_set(RK_ENOTFOUND, "no order '%s'", ref);
    if (!o) o = &no_opts;
    if (o->out) {
        if (strlen(o->out) >= sizeof out->path)
            return rk_err_set(RK_EINVAL, "the file name %.40s... is too long", o->out);
        snprintf(out->path, sizeof out->path, "%s", o->out);
    } else {
        snprintf(out->path, sizeof out->path, "%s/print", l->conf->data_dir);
        if (mkdir(out->path, 0700) != 0 && access(out->path, W_OK) != 0)
            return rk_err_set(RK_EIO, "cannot make the folder %s", out->path);
        size_t len = strlen(out->path);
        snprintf(out->path + len, sizeof out->path - len, "/%s-%s.pdf", ref, what);
    }
    if (kind == RK_BRANCH_DOC_FORM) {
        rk_a4_form *f = calloc(1, sizeof *f);
        if (!f) return rk_err_oom();
        if ((rc = rk_orderprint_form(l, ref, f)) == 0) rc = rk_a4_form_pdf(out->path, f);
        rk_wipe(f, sizeof *f);
        free(f);
    } else {
        rk_a4_record *r = calloc(1, sizeof *r);
        if (!r) return rk_err_oom();
        if ((rc = rk_orderprint_record(l, ref, r)) == 0) rc = rk_a4_record_pdf(out->path, r);
        rk_wipe(r, sizeof *r);
        free(r);
    }
    int written = rc == 0;
    if (!rc)
        rc = rk_branch_a4_send(b, out->path, what, o->queue, o->server, out->job, sizeof out->job);
    if (!rc) {
        char action[32], detail[4200];
        snprintf(action, sizeof action, "print.%s", what);
        snprintf(detail, sizeof detail, "%s%s%s", out->path, out->job[0] ? " job " : "", out->job);
        rc = rk_orderprint_audit(l, by, ref, action, detail);
    }
    if (rc && written) unlink(out->path); /* no copy that the audit log does not know of */
    return rc;
}
