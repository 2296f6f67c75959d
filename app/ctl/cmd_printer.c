/*
 * `ractl printer status|pending|flush|reprint`: the receipt printer and its
 * spool.
 *
 * The printer and the spool are the branch's (branch/printers.h: the
 * options, then RAKIOSK_PRINTER and RAKIOSK_PRINT_SPOOL, then kiosk.conf's
 * [printer] section). Running the spool is shared with cmd_print.c.
 */
#include "ctl.h"

#include "branch/printers.h"
#include "print/printer.h"
#include "print/spool.h"
#include "util/err.h"
#include "util/words.h"

#include <stdlib.h>
#include <string.h>

/* Shared with cmd_print.c (declared there). */
int rk_ctl_printer_notify(void *arg, const rk_progress *p);
int rk_ctl_printer_run(rk_ctl *ctl, rk_spool *sp, const char *uri, int timeout_ms, int *printed);

int rk_ctl_printer_notify(void *arg, const rk_progress *p)
{
    rk_ctl *ctl = arg;
    if (!strcmp(p->step, "printed"))
        rk_ctl_info(ctl, "printed %s", p->item);
    else if (!strcmp(p->step, "warning") && !ctl->json)
        fprintf(stderr, "ractl: warning: %s\n", p->text); /* held: rk_ctl_fail() tells */
    return 0;
}

int rk_ctl_printer_run(rk_ctl *ctl, rk_spool *sp, const char *uri, int timeout_ms, int *printed)
{
    return rk_spool_run(sp, uri, rk_branch_printer_timeout(ctl->branch, timeout_ms),
                        rk_ctl_printer_notify, ctl, printed);
}

typedef struct opts {
    const char *printer, *spool, *tcp, *device;
    int timeout_ms;
    const char *arg; /* one positional argument */
    char uri[600];
} opts;

static int parse(rk_ctl *ctl, const char *cmd, int argc, char **argv, opts *o, int want_arg)
{
    memset(o, 0, sizeof *o); /* timeout 0: [printer] timeout_ms */
    const rk_ctl_opt table[] = {
        {.name = "--printer", .kind = RK_OPT_STR, .dest = &o->printer, .arg = "URI"},
        {.name = "--tcp", .kind = RK_OPT_STR, .dest = &o->tcp, .arg = "HOST:PORT"},
        {.name = "--device", .kind = RK_OPT_STR, .dest = &o->device, .arg = "PATH"},
        {.name = "--spool", .kind = RK_OPT_STR, .dest = &o->spool, .arg = "DIR"},
        {.name = "--timeout",
         .kind = RK_OPT_INT,
         .dest = &o->timeout_ms,
         .arg = "MS",
         .min = 1,
         .max = 600000},
    };
    const rk_ctl_args args = {.cmd = cmd,
                              .opts = table,
                              .n_opts = (int)(sizeof table / sizeof table[0]),
                              .pos = &o->arg,
                              .max_pos = want_arg ? 1 : 0};
    int rc = rk_ctl_opts_parse(ctl, &args, argc, argv);
    if (rc) return rc;
    if (o->tcp) {
        snprintf(o->uri, sizeof o->uri, "tcp://%s", o->tcp);
        o->printer = o->uri;
    } else if (o->device) {
        snprintf(o->uri, sizeof o->uri, "usb://%s", o->device);
        o->printer = o->uri;
    }
    if (want_arg && !o->arg) return rk_ctl_usage(ctl, cmd, "an order reference is required");
    return 0;
}

static int cmd_status(rk_ctl *ctl, int argc, char **argv)
{
    opts o;
    char uri[700], what[200];
    rk_printer *p;
    rk_escpos_status st;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl printer status [--printer URI | --tcp HOST:PORT | --device PATH]\n"
               "                            [--timeout MS]\n\n"
               "Asks the receipt printer for its status (DLE EOT 1-4): paper out, paper\n"
               "nearly out, cover open, offline, error. Exit 0 when it can print, 1 when\n"
               "it cannot (the reason is printed), 8 when it cannot be reached.\n"
               "The printer defaults to $RAKIOSK_PRINTER, else [printer] receipt.\n");
        return 0;
    }
    if ((rc = parse(ctl, "ractl printer status", argc, argv, &o, 0)) != 0) return rc;
    if ((rc = rk_branch_receipt_printer(ctl->branch, o.printer, uri, sizeof uri)) != 0)
        return rk_ctl_fail(ctl, rc);
    if ((rc = rk_printer_open(&p, uri, rk_branch_printer_timeout(ctl->branch, o.timeout_ms))) != 0)
        return rk_ctl_fail(ctl, rc);
    rc = rk_printer_status(p, &st);
    int has = rk_printer_has_status(p);
    rk_printer_free(p);
    if (rc) return rk_ctl_fail(ctl, rc);
    int ready = rk_escpos_status_ready(&st);
    if (has)
        rk_escpos_status_describe(&st, what, sizeof what);
    else
        snprintf(what, sizeof what, "unknown (a CUPS queue does not report status)");
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "printer", uri);
    rk_json_kbool(j, "known", has);
    rk_json_kbool(j, "ready", ready);
    rk_json_kbool(j, "paper_out", st.paper_out);
    rk_json_kbool(j, "paper_near_end", st.paper_near_end);
    rk_json_kbool(j, "cover_open", st.cover_open);
    rk_json_kbool(j, "offline", st.offline);
    rk_json_kbool(j, "error", st.error);
    rk_json_kstr(j, "message", what);
    if (!ctl->json) printf("%s: %s\n", uri, what);
    if ((rc = rk_ctl_reply_end(ctl)) != 0) return rc;
    return ready ? RK_EXIT_OK : RK_EXIT_FAIL;
}

static int cmd_pending(rk_ctl *ctl, int argc, char **argv)
{
    opts o;
    rk_spool *sp;
    char **names;
    int n, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl printer pending [--spool DIR]\n\n"
               "Lists the receipts waiting in the spool (held while the printer was not\n"
               "ready), oldest first.\n");
        return 0;
    }
    if ((rc = parse(ctl, "ractl printer pending", argc, argv, &o, 0)) != 0) return rc;
    if ((rc = rk_branch_spool(ctl->branch, o.spool, &sp)) != 0) return rk_ctl_fail(ctl, rc);
    if ((rc = rk_spool_list(sp, &names, &n)) != 0) return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply_array(ctl);
    for (int i = 0; i < n; i++) {
        rk_json_str(j, names[i]);
        if (!ctl->json) printf("%s\n", names[i]);
        free(names[i]);
    }
    free(names);
    return rk_ctl_reply_end(ctl);
}

static int finish_run(rk_ctl *ctl, rk_spool *sp, const char *uri, int timeout_ms, const char *job)
{
    int printed = 0, left = 0;
    int rc = rk_ctl_printer_run(ctl, sp, uri, timeout_ms, &printed);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", rc ? rk_err_msg() : "");
    rk_spool_pending(sp, &left);
    if (rc) return rk_ctl_fail(ctl, rk_err_set(rc, "%s", msg));
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kint(j, "printed", printed);
    rk_json_kint(j, "pending", left);
    if (job) rk_json_kstr(j, "job", job);
    rk_ctl_info(ctl, "%d %s printed, %d waiting", printed,
                rk_plural(printed, "receipt", "receipts"), left);
    return rk_ctl_reply_end(ctl);
}

static int cmd_flush(rk_ctl *ctl, int argc, char **argv)
{
    opts o;
    rk_spool *sp;
    char uri[700];
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl printer flush [--printer URI] [--spool DIR] [--timeout MS]\n\n"
               "Prints the receipts held in the spool, oldest first, once the printer is\n"
               "ready again. Exit 8 with the reason if it still is not.\n");
        return 0;
    }
    if ((rc = parse(ctl, "ractl printer flush", argc, argv, &o, 0)) != 0) return rc;
    if ((rc = rk_branch_receipt_printer(ctl->branch, o.printer, uri, sizeof uri)) != 0 ||
        (rc = rk_branch_spool(ctl->branch, o.spool, &sp)) != 0)
        return rk_ctl_fail(ctl, rc);
    return finish_run(ctl, sp, uri, o.timeout_ms, NULL);
}

static int cmd_reprint(rk_ctl *ctl, int argc, char **argv)
{
    opts o;
    rk_spool *sp;
    char uri[700], job[RK_SPOOL_JOB_NAME];
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl printer reprint REF [--printer URI] [--spool DIR]\n\n"
               "Prints the last receipt of order REF again, marked 重印 REPRINT.\n");
        return 0;
    }
    if ((rc = parse(ctl, "ractl printer reprint", argc, argv, &o, 1)) != 0) return rc;
    if ((rc = rk_branch_receipt_printer(ctl->branch, o.printer, uri, sizeof uri)) != 0 ||
        (rc = rk_branch_spool(ctl->branch, o.spool, &sp)) != 0)
        return rk_ctl_fail(ctl, rc);
    if ((rc = rk_spool_reprint(sp, o.arg, job)) != 0) return rk_ctl_fail(ctl, rc);
    return finish_run(ctl, sp, uri, o.timeout_ms, job);
}

int rk_ctl_cmd_printer(rk_ctl *ctl, int argc, char **argv)
{
    static const rk_ctl_cmd table[] = {
        {"status", cmd_status, "ask the receipt printer for paper, cover and online state"},
        {"pending", cmd_pending, "list receipts held in the spool"},
        {"flush", cmd_flush, "print the held receipts now that the printer is ready"},
        {"reprint", cmd_reprint, "print an order's last receipt again"},
    };
    return rk_ctl_dispatch(ctl, argc, argv, "ractl printer",
                           "The receipt printer ([printer] in kiosk.conf; RAKIOSK_PRINTER, "
                           "RAKIOSK_PRINT_SPOOL override it).",
                           table, (int)(sizeof table / sizeof table[0]));
}
