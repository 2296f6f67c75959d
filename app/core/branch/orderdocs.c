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

int rk_branch_a4_send(rk_branch *b, const char *path, const char *title, char *job, size_t n)
{
    static const char *const opts[] = {"PageSize=A4", NULL};
    const char *queue = NULL, *server = NULL;
    if (n) job[0] = '\0';
    rk_branch_a4_queue(b, NULL, NULL, &queue, &server);
    if (!queue) return 0;
    return rk_lp_submit(queue, server, title, opts, path, job, n);
}

int rk_branch_print_receipt(rk_branch *b, const rk_actor *by, const char *ref,
                            rk_branch_printed *out)
{
    rk_ledger *l;
    rk_receipt *r = NULL;
    rk_escpos e;
    rk_spool *sp;
    char uri[700];
    int rc, width;

    memset(out, 0, sizeof *out);
    memset(&e, 0, sizeof e);
    if ((rc = need_clerk(by)) || (rc = rk_branch_ledger(b, &l)) ||
        (rc = rk_branch_printer_width(b, 0, &width)) ||
        (rc = rk_branch_receipt_printer(b, NULL, uri, sizeof uri)) ||
        (rc = rk_branch_spool(b, NULL, &sp)))
        return rc;
    if (!(r = calloc(1, sizeof *r))) return rk_err_oom();
    if ((rc = rk_orderprint_receipt(l, ref, r)) == 0 &&
        (rc = rk_escpos_init(&e, width, RK_SPOOL_MAX_JOB)) == 0) {
        e.fallback =
            rk_branch_printer_code_fallback(b) ? RK_ESCPOS_FALLBACK_CODE : RK_ESCPOS_FALLBACK_BOX;
        rc = rk_receipt_encode(&e, r);
    }
    if (!rc) rc = rk_spool_add(sp, r->order_ref, e.out.data, e.out.len, out->job);
    if (!rc) { /* on disk now: it prints, now or after recovery */
        char detail[RK_SPOOL_JOB_NAME + 800];
        snprintf(detail, sizeof detail, "receipt reprinted (补打), job %s to %s", out->job, uri);
        rc = rk_orderprint_audit(l, by, r->order_ref, "print.receipt", detail);
    }
    if (!rc) {
        rc = rk_spool_run(sp, uri, rk_branch_printer_timeout(b, 0), NULL, NULL, &out->printed);
        if (out->printed > 0) out->printed = 1;
    }
    rk_escpos_free(&e);
    rk_wipe(r, sizeof *r);
    free(r);
    return rc;
}

int rk_branch_print_order_a4(rk_branch *b, const rk_actor *by, const char *ref, int kind,
                             rk_branch_printed *out)
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
    snprintf(out->path, sizeof out->path, "%s/print", l->conf->data_dir);
    if (mkdir(out->path, 0700) != 0 && access(out->path, W_OK) != 0)
        return rk_err_set(RK_EIO, "cannot make the folder %s", out->path);
    size_t len = strlen(out->path);
    snprintf(out->path + len, sizeof out->path - len, "/%s-%s.pdf", ref, what);
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
    if (!rc) rc = rk_branch_a4_send(b, out->path, what, out->job, sizeof out->job);
    if (!rc) {
        char action[32], detail[4200];
        snprintf(action, sizeof action, "print.%s", what);
        snprintf(detail, sizeof detail, "%s%s%s", out->path, out->job[0] ? " job " : "", out->job);
        rc = rk_orderprint_audit(l, by, ref, action, detail);
    }
    if (rc && out->path[0]) unlink(out->path);
    return rc;
}
