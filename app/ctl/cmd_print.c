/*
 * `ractl print receipt|form|record|labels|weekly`: print a receipt on the
 * receipt printer (through the spool, see cmd_printer.c for the settings)
 * or write an A4 document as PDF and send it to a CUPS queue.
 *
 * The content comes from an order of the ledger (--order REF: printed by
 * the branch's order papers service, branch/orderdocs.h, as the desk
 * prints them: a clerk's login, audited as print.receipt, print.form or
 * print.record), from --sample (the demonstration order) or from --from
 * FILE.ini (keys named after the fields of rk_receipt / rk_a4_form /
 * rk_a4_record, see --help). Printer settings come from kiosk.conf's
 * [printer] section; options and the environment override it.
 */
#include "ctl.h"

#include "branch/orderdocs.h"
#include "branch/printers.h"
#include "print/a4.h"
#include "print/escpos.h"
#include "print/receipt.h"
#include "util/err.h"
#include "util/wipe.h"

#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* From cmd_printer.c: the spool's progress as ractl's messages. */
int rk_ctl_printer_notify(void *arg, const rk_progress *p);

/* ---- INI input: a table of (section, key) -> char field ---- */

typedef struct field {
    const char *section, *key;
    size_t offset, size;
} field;

#define F(sec, key, type, member)                                                                  \
    {                                                                                              \
        sec, key, offsetof(type, member), sizeof(((type *)0)->member)                              \
    }

typedef struct ini_ctx {
    void *target;
    const field *fields;
    int n_fields;
    rk_receipt *receipt; /* [fee ...] sections, [receipt] numbers */
    char fee_section[64];
    int have_total;
    int rc;
} ini_ctx;

/* Yuan with up to two decimals ("300", "-20.5", "359.50") to fen. */
static int parse_yuan(int64_t *out, const char *s)
{
    int neg = *s == '-';
    if (neg || *s == '+') s++;
    if (!*s) return -1;
    int64_t v = 0;
    int frac = -1;
    for (; *s; s++) {
        if (*s == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (*s < '0' || *s > '9' || frac == 2 || v > INT64_MAX / 100) return -1;
        v = v * 10 + (*s - '0');
        if (frac >= 0) frac++;
    }
    if (frac < 0) frac = 0;
    for (; frac < 2; frac++)
        v *= 10;
    *out = neg ? -v : v;
    return 0;
}

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    ini_ctx *c = user;
    for (int i = 0; i < c->n_fields; i++) {
        if (strcmp(section, c->fields[i].section) || strcmp(name, c->fields[i].key)) continue;
        char *dst = (char *)c->target + c->fields[i].offset;
        if (strlen(value) >= c->fields[i].size) {
            c->rc = rk_err_set(RK_EINVAL, "[%s] %s is longer than %zu bytes", section, name,
                               c->fields[i].size - 1);
            return 0;
        }
        snprintf(dst, c->fields[i].size, "%s", value);
        return 1;
    }
    rk_receipt *r = c->receipt;
    if (r && !strcmp(section, "receipt") && !strcmp(name, "paid")) {
        r->paid = !strcmp(value, "yes") || !strcmp(value, "1") || !strcmp(value, "true");
        return 1;
    }
    if (r && !strcmp(section, "receipt") && !strcmp(name, "total")) {
        if (parse_yuan(&r->total_fen, value) != 0) goto bad_amount;
        c->have_total = 1;
        return 1;
    }
    if (r && !strncmp(section, "fee", 3)) {
        if (strcmp(section, c->fee_section)) { /* a new [fee N] section */
            if (r->n_fees == RK_RECEIPT_MAX_FEES) {
                c->rc = rk_err_set(RK_EINVAL, "more than %d fee lines", RK_RECEIPT_MAX_FEES);
                return 0;
            }
            snprintf(c->fee_section, sizeof c->fee_section, "%s", section);
            r->n_fees++;
        }
        rk_receipt_fee *fee = &r->fees[r->n_fees - 1];
        if (!strcmp(name, "label")) {
            snprintf(fee->label, sizeof fee->label, "%s", value);
            return 1;
        }
        if (!strcmp(name, "amount")) {
            if (parse_yuan(&fee->fen, value) != 0) goto bad_amount;
            return 1;
        }
    }
    c->rc = rk_err_set(RK_EINVAL, "unknown key [%s] %s", section, name);
    return 0;
bad_amount:
    c->rc = rk_err_set(RK_EINVAL, "[%s] %s: '%s' is not an amount in yuan (e.g. 300.00)", section,
                       name, value);
    return 0;
}

static int read_ini(const char *path, ini_ctx *c)
{
    int line = ini_parse(path, on_ini, c);
    if (line == -1) return rk_err_set(RK_ENOTFOUND, "cannot open %s", path);
    if (line != 0) {
        if (c->rc) return rk_err_wrap(c->rc, "%s:%d", path, line);
        return rk_err_set(RK_EINVAL, "%s:%d: not INI", path, line);
    }
    return 0;
}

static const field receipt_fields[] = {
    F("receipt", "branch_name", rk_receipt, branch_name),
    F("receipt", "branch_id", rk_receipt, branch_id),
    F("receipt", "order_ref", rk_receipt, order_ref),
    F("receipt", "business", rk_receipt, business),
    F("receipt", "subscriber", rk_receipt, subscriber),
    F("receipt", "id_number", rk_receipt, id_number),
    F("receipt", "payment_method", rk_receipt, payment_method),
    F("receipt", "clerk", rk_receipt, clerk),
    F("receipt", "promised", rk_receipt, promised),
    F("receipt", "printed_at", rk_receipt, printed_at),
    F("receipt", "track_qr", rk_receipt, track_qr),
    F("receipt", "pay_qr", rk_receipt, pay_qr),
};

static const field form_fields[] = {
    F("form", "branch_name", rk_a4_form, branch_name),
    F("form", "order_ref", rk_a4_form, order_ref),
    F("form", "enterprise", rk_a4_form, enterprise),
    F("form", "credit_code", rk_a4_form, credit_code),
    F("form", "legal_name", rk_a4_form, legal.name),
    F("form", "legal_id", rk_a4_form, legal.id_number),
    F("form", "legal_mobile", rk_a4_form, legal.mobile),
    F("form", "agent_name", rk_a4_form, agent.name),
    F("form", "agent_id", rk_a4_form, agent.id_number),
    F("form", "agent_mobile", rk_a4_form, agent.mobile),
    F("form", "email", rk_a4_form, email),
    F("form", "invoice_type", rk_a4_form, invoice_type),
    F("form", "address", rk_a4_form, address),
    F("form", "project", rk_a4_form, project),
    F("form", "region", rk_a4_form, region),
    F("form", "category", rk_a4_form, category),
    F("form", "operation", rk_a4_form, operation),
    F("form", "social_security_no", rk_a4_form, social_security_no),
    F("form", "date", rk_a4_form, date),
};

static const field record_fields[] = {
    F("record", "branch_name", rk_a4_record, branch_name),
    F("record", "order_ref", rk_a4_record, order_ref),
    F("record", "enterprise", rk_a4_record, enterprise),
    F("record", "credit_code", rk_a4_record, credit_code),
    F("record", "social_security_no", rk_a4_record, social_security_no),
    F("record", "operation", rk_a4_record, operation),
    F("record", "cert_serial", rk_a4_record, cert_serial),
    F("record", "key_serial", rk_a4_record, key_serial),
    F("record", "received_at", rk_a4_record, received_at),
    F("record", "completed_at", rk_a4_record, completed_at),
    F("record", "entry_clerk", rk_a4_record, entry_clerk),
    F("record", "reviewer", rk_a4_record, reviewer),
    F("record", "issuer", rk_a4_record, issuer),
    F("record", "result", rk_a4_record, result),
    F("record", "notes", rk_a4_record, notes),
};

#define N(a) ((int)(sizeof a / sizeof a[0]))

/* ---- receipt ---- */

static int cmd_receipt(rk_ctl *ctl, int argc, char **argv)
{
    const char *from = NULL, *order = NULL, *printer = NULL, *spool_dir = NULL, *out = NULL;
    int sample = 0, timeout_ms = 0, rc;
    rk_actor actor;
    rk_receipt r;
    rk_branch_printed pr;

    if (rk_ctl_wants_help(argc, argv)) {
        printf(
            "usage: ractl print receipt (--sample | --from FILE.ini | --order REF)\n"
            "                           [--printer URI] [--width 58|80] [--spool DIR]\n"
            "                           [--fallback box|code] [--out FILE.bin] [--timeout MS]\n\n"
            "Lays out a receipt and prints it through the spool: the job is on disk before\n"
            "it is sent and stays there, held, while the printer has no paper, its cover\n"
            "is open or it is offline (exit 8 with the reason; `ractl printer flush`\n"
            "prints it after recovery). --out writes the ESC/POS bytes to a file instead.\n"
            "Characters the printer's GBK font lacks print as a box (or [U+XXXX] with\n"
            "--fallback code) and are listed.\n\n"
            "FILE.ini: [receipt] branch_name, branch_id, order_ref, business, subscriber,\n"
            "id_number (masked when printed), paid (yes/no), payment_method, clerk,\n"
            "promised, printed_at, total (yuan, default: sum of fees), track_qr (default\n"
            "RAK1:<branch_id>:<order_ref>), pay_qr; then one [fee N] section per fee\n"
            "with label and amount (yuan, e.g. 300.00).\n\n"
            "--order REF prints the receipt of an order of the ledger (what was charged at\n"
            "submission, payment, the tracking QR RAK1:<branch>:<ref> and, for an approved\n"
            "unpaid order, the payment QR RAKPAY1:<branch>:<ref>:<fen>); it needs a\n"
            "clerk's login and is recorded in the audit log (print.receipt), written to\n"
            "a file with --out too.\n\n"
            "Settings: kiosk.conf [printer] receipt, receipt_width, timeout_ms, fallback,\n"
            "spool_dir; overridden by RAKIOSK_PRINTER, RAKIOSK_PRINTER_WIDTH,\n"
            "RAKIOSK_PRINT_SPOOL and the options.\n");
        return 0;
    }
    static const char *const widths[] = {"58", "80", NULL}, *const fallbacks[] = {"box", "code",
                                                                                  NULL};
    const char *width_text = NULL, *fallback = NULL;
    const rk_ctl_opt opts[] = {
        {.name = "--sample", .kind = RK_OPT_FLAG, .dest = &sample},
        {.name = "--from", .kind = RK_OPT_STR, .dest = &from, .arg = "FILE.ini"},
        {.name = "--order", .kind = RK_OPT_STR, .dest = &order, .arg = "REF"},
        {.name = "--printer", .kind = RK_OPT_STR, .dest = &printer, .arg = "URI"},
        {.name = "--spool", .kind = RK_OPT_STR, .dest = &spool_dir, .arg = "DIR"},
        {.name = "--out", .kind = RK_OPT_STR, .dest = &out, .arg = "FILE.bin"},
        {.name = "--width", .kind = RK_OPT_ENUM, .dest = &width_text, .values = widths},
        {.name = "--timeout",
         .kind = RK_OPT_INT,
         .dest = &timeout_ms,
         .arg = "MS",
         .min = 1,
         .max = 600000},
        {.name = "--fallback", .kind = RK_OPT_ENUM, .dest = &fallback, .values = fallbacks},
    };
    const rk_ctl_args args = {
        .cmd = "ractl print receipt", .opts = opts, .n_opts = (int)(sizeof opts / sizeof opts[0])};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (sample + !!from + !!order != 1)
        return rk_ctl_usage(ctl, "ractl print receipt",
                            "give one of --sample, --from FILE or --order REF");
    rk_branch_print_opts o = {.printer = printer,
                              .spool_dir = spool_dir,
                              .width = width_text ? atoi(width_text) : 0,
                              .code_fallback = fallback ? !strcmp(fallback, "code") : -1,
                              .timeout_ms = timeout_ms,
                              .out = out,
                              .notify = rk_ctl_printer_notify,
                              .arg = ctl};
    memset(&r, 0, sizeof r);
    if (order) {
        if ((rc = rk_ctl_actor(ctl, &actor)) == 0)
            rc = rk_branch_print_receipt(ctl->branch, &actor, order, &o, &pr);
    } else {
        if (sample) {
            rk_receipt_sample(&r);
        } else {
            ini_ctx c = {.target = &r,
                         .fields = receipt_fields,
                         .n_fields = N(receipt_fields),
                         .receipt = &r};
            if ((rc = read_ini(from, &c)) != 0) {
                rk_wipe(&r, sizeof r);
                return rk_ctl_fail(ctl, rc);
            }
            if (!c.have_total)
                for (int i = 0; i < r.n_fees; i++)
                    r.total_fen += r.fees[i].fen;
            if (!r.track_qr[0] && r.branch_id[0])
                rk_receipt_track_payload(r.track_qr, sizeof r.track_qr, r.branch_id, r.order_ref);
        }
        rc = rk_branch_print_receipt_of(ctl->branch, &r, &o, &pr);
        rk_wipe(&r, sizeof r);
    }
    if (rc) return rk_ctl_fail(ctl, rc);
    int code =
        o.code_fallback >= 0 ? o.code_fallback : rk_branch_printer_code_fallback(ctl->branch);
    for (int i = 0; i < pr.n_replaced && !ctl->json; i++) {
        char u[8] = {0};
        rk_escpos_utf8_put(u, pr.replaced[i]);
        fprintf(stderr, "ractl: note: the printer's font lacks %s (U+%04X); it prints as %s\n", u,
                (unsigned)pr.replaced[i], code ? "[U+XXXX]" : "\u25a1");
    }
    if (ctl->json) {
        rk_buf b;
        rk_json j;
        rk_buf_init(&b, 1 << 16);
        rk_json_init(&j, &b);
        rk_json_obj_begin(&j);
        rk_json_kbool(&j, "ok", 1);
        rk_json_kstr(&j, "order_ref", pr.order_ref);
        rk_json_kint(&j, "bytes", (int64_t)pr.bytes);
        if (pr.job[0]) rk_json_kstr(&j, "job", pr.job);
        rk_json_kint(&j, "printed", pr.printed);
        rk_json_kint(&j, "pending", pr.pending);
        rk_json_key(&j, "replaced");
        rk_json_arr_begin(&j);
        for (int i = 0; i < pr.n_replaced; i++) {
            char u[16];
            snprintf(u, sizeof u, "U+%04X", (unsigned)pr.replaced[i]);
            rk_json_str(&j, u);
        }
        rk_json_arr_end(&j);
        rk_json_obj_end(&j);
        return rk_ctl_print_json(ctl, &j, &b) ? rk_ctl_fail(ctl, RK_ENOMEM) : 0;
    }
    if (out)
        rk_ctl_info(ctl, "receipt of %s written to %s (%zu bytes)", pr.order_ref, out, pr.bytes);
    else
        rk_ctl_info(ctl, "receipt of %s printed", pr.order_ref);
    return 0;
}

/* ---- A4 documents ---- */

enum doc_kind { DOC_FORM, DOC_RECORD, DOC_LABELS, DOC_WEEKLY };

static int cmd_a4(rk_ctl *ctl, int argc, char **argv, enum doc_kind kind)
{
    static const char *const names[] = {"form", "record", "labels", "weekly"};
    static const char *const about[] = {
        "the application form, pre-filled for signature and seal",
        "the task-completion record (任务完成记录单) of a finished order",
        "archive box labels (four to a page)", "the weekly consultation report"};
    const char *from = NULL, *out = NULL, *queue = NULL, *server = NULL, *order = NULL;
    int sample = 0, rc;
    rk_actor actor;
    char cmd[64];

    snprintf(cmd, sizeof cmd, "ractl print %s", names[kind]);
    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: %s (--sample%s) --out FILE.pdf [--queue QUEUE [--server HOST:PORT]]\n\n"
               "Writes %s as an A4 PDF and, with --queue (else $RAKIOSK_A4_QUEUE, else\n"
               "kiosk.conf [printer] a4_queue), sends it to that CUPS queue with\n"
               "PageSize=A4 (server: --server, else [printer] cups_server).\n",
               cmd, kind <= DOC_RECORD ? " | --from FILE.ini | --order REF" : "", about[kind]);
        if (kind == DOC_FORM)
            printf("\n--order REF: the order's own fields, labelled as in forms.ini (any\n"
                   "subscriber kind and business type); audited as print.form.\n");
        if (kind == DOC_RECORD)
            printf("\n--order REF: from the order and its task-completion record (written on\n"
                   "delivery); audited as print.record.\n");
        if (kind == DOC_FORM)
            printf("\nFILE.ini: [form] branch_name, order_ref, enterprise, credit_code,\n"
                   "legal_name, legal_id, legal_mobile, agent_name, agent_id, agent_mobile,\n"
                   "email, invoice_type, address (empty = self pick-up), project, region,\n"
                   "category, operation, social_security_no, date.\n");
        if (kind == DOC_RECORD)
            printf("\nFILE.ini: [record] branch_name, order_ref, enterprise, credit_code,\n"
                   "social_security_no, operation, cert_serial, key_serial, received_at,\n"
                   "completed_at, entry_clerk, reviewer, issuer, result, notes.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--sample", .kind = RK_OPT_FLAG, .dest = &sample},
        {.name = "--out", .kind = RK_OPT_STR, .dest = &out, .arg = "FILE.pdf"},
        {.name = "--queue", .kind = RK_OPT_STR, .dest = &queue, .arg = "QUEUE"},
        {.name = "--server", .kind = RK_OPT_STR, .dest = &server, .arg = "HOST:PORT"},
        {.name = "--from", .kind = RK_OPT_STR, .dest = &from, .arg = "FILE.ini"},
        {.name = "--order", .kind = RK_OPT_STR, .dest = &order, .arg = "REF"},
    };
    /* Labels and the weekly report have only samples here: no --from or --order. */
    const rk_ctl_args args = {.cmd = cmd, .opts = opts, .n_opts = kind <= DOC_RECORD ? 6 : 4};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (sample + !!from + !!order != 1)
        return rk_ctl_usage(ctl, cmd, "give --sample, --from FILE or --order REF");
    if (!out) return rk_ctl_usage(ctl, cmd, "--out FILE.pdf is required");
    rk_branch_a4_queue(ctl->branch, queue, server, &queue, &server);
    char job[64] = "";
    if (order) {
        const rk_branch_print_opts o = {.out = out, .queue = queue, .server = server};
        rk_branch_printed pr;
        if ((rc = rk_ctl_actor(ctl, &actor)) == 0)
            rc = rk_branch_print_order_a4(
                ctl->branch, &actor, order,
                kind == DOC_FORM ? RK_BRANCH_DOC_FORM : RK_BRANCH_DOC_RECORD, &o, &pr);
        if (rc) return rk_ctl_fail(ctl, rc);
        snprintf(job, sizeof job, "%s", pr.job);
    } else {
        if (kind == DOC_FORM) {
            rk_a4_form f;
            memset(&f, 0, sizeof f);
            if (sample) {
                rk_a4_form_sample(&f);
            } else {
                ini_ctx c = {.target = &f, .fields = form_fields, .n_fields = N(form_fields)};
                if ((rc = read_ini(from, &c)) != 0) return rk_ctl_fail(ctl, rc);
                f.self_pickup = f.address[0] == 0;
            }
            rc = rk_a4_form_pdf(out, &f);
            rk_wipe(&f, sizeof f);
        } else if (kind == DOC_RECORD) {
            rk_a4_record r;
            memset(&r, 0, sizeof r);
            if (sample) {
                rk_a4_record_sample(&r);
            } else {
                ini_ctx c = {.target = &r, .fields = record_fields, .n_fields = N(record_fields)};
                if ((rc = read_ini(from, &c)) != 0) return rk_ctl_fail(ctl, rc);
            }
            rc = rk_a4_record_pdf(out, &r);
        } else if (kind == DOC_LABELS) {
            rk_a4_label labels[4];
            int n = rk_a4_labels_sample(labels, 4);
            rc = rk_a4_labels_pdf(out, labels, n);
        } else {
            rk_a4_weekly w;
            rk_a4_weekly_sample(&w);
            rc = rk_a4_weekly_pdf(out, &w);
        }
        if (!rc)
            rc = rk_branch_a4_send(ctl->branch, out, names[kind], queue, server, job, sizeof job);
        if (rc) return rk_ctl_fail(ctl, rc);
    }
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "file", out);
    rk_json_kstr(j, "job", job);
    if (queue)
        rk_ctl_info(ctl, "%s written to %s and sent to %s (%s)", names[kind], out, queue, job);
    else
        rk_ctl_info(ctl, "%s written to %s", names[kind], out);
    return rk_ctl_reply_end(ctl);
}

static int cmd_form(rk_ctl *ctl, int argc, char **argv)
{
    return cmd_a4(ctl, argc, argv, DOC_FORM);
}

static int cmd_record(rk_ctl *ctl, int argc, char **argv)
{
    return cmd_a4(ctl, argc, argv, DOC_RECORD);
}

static int cmd_labels(rk_ctl *ctl, int argc, char **argv)
{
    return cmd_a4(ctl, argc, argv, DOC_LABELS);
}

static int cmd_weekly(rk_ctl *ctl, int argc, char **argv)
{
    return cmd_a4(ctl, argc, argv, DOC_WEEKLY);
}

int rk_ctl_cmd_print(rk_ctl *ctl, int argc, char **argv)
{
    static const rk_ctl_cmd table[] = {
        {"receipt", cmd_receipt, "print an order's receipt on the receipt printer"},
        {"form", cmd_form, "the A4 application form for signature and seal"},
        {"record", cmd_record, "the A4 task-completion record (任务完成记录单)"},
        {"labels", cmd_labels, "A4 archive box labels"},
        {"weekly", cmd_weekly, "the A4 weekly consultation report"},
    };
    return rk_ctl_dispatch(ctl, argc, argv, "ractl print",
                           "Receipts (ESC/POS through the spool) and A4 documents (PDF, CUPS).",
                           table, (int)(sizeof table / sizeof table[0]));
}
