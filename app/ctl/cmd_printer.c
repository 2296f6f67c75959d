/*
 * `ractl printer status|pending|flush|reprint`: the receipt printer and its
 * spool.
 *
 * The printer and the spool come from kiosk.conf's [printer] section;
 * options, then the environment, override it:
 *   RAKIOSK_PRINTER        tcp://HOST:PORT, usb:///dev/usb/lp0 or cups://QUEUE[@HOST:PORT]
 *   RAKIOSK_PRINTER_WIDTH  58 or 80 (mm, default 80)
 *   RAKIOSK_PRINT_SPOOL    the spool folder (default <data_dir>/print-spool)
 * The helpers that resolve them are shared with cmd_print.c.
 */
#include "ctl.h"

#include "print/printer.h"
#include "print/spool.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

/* Shared with cmd_print.c (declared there). */
int rk_ctl_printer_uri(rk_ctl *ctl, const char *opt, char *out, size_t n);
int rk_ctl_printer_spool(rk_ctl *ctl, const char *opt, rk_spool **out);
int rk_ctl_printer_notify(void *arg, const rk_progress *p);
int rk_ctl_printer_run(rk_ctl *ctl, rk_spool *sp, const char *uri, int timeout_ms, int *printed);
const rk_conf *rk_ctl_printer_conf(rk_ctl *ctl);
int rk_ctl_printer_timeout(rk_ctl *ctl, int opt);

/* The configuration when one loads, else NULL (printing from --sample or
 * --from works without a branch). */
const rk_conf *rk_ctl_printer_conf(rk_ctl *ctl)
{
    rk_conf *conf;
    return rk_ctl_conf(ctl, &conf) == 0 ? conf : NULL;
}

int rk_ctl_printer_timeout(rk_ctl *ctl, int opt)
{
    const rk_conf *conf;
    if (opt > 0) return opt;
    conf = rk_ctl_printer_conf(ctl);
    return conf ? conf->printer_timeout_ms : 3000;
}

int rk_ctl_printer_uri(rk_ctl *ctl, const char *opt, char *out, size_t n)
{
    const char *v = opt && *opt ? opt : getenv("RAKIOSK_PRINTER");
    if (!v || !*v) {
        const rk_conf *conf = rk_ctl_printer_conf(ctl);
        v = conf ? conf->printer_receipt : NULL;
    }
    if (!v || !*v)
        return rk_err_set(RK_ECONF, "no receipt printer: set [printer] receipt in kiosk.conf, "
                                    "give --printer URI or set RAKIOSK_PRINTER (e.g. "
                                    "tcp://192.168.1.50:9100)");
    snprintf(out, n, "%s", v);
    return 0;
}

int rk_ctl_printer_spool(rk_ctl *ctl, const char *opt, rk_spool **out)
{
    char dir[PATH_MAX + 32];
    const char *v = opt && *opt ? opt : getenv("RAKIOSK_PRINT_SPOOL");
    if (v && *v) {
        snprintf(dir, sizeof dir, "%s", v);
    } else {
        rk_conf *conf = NULL;
        int rc = rk_ctl_conf(ctl, &conf);
        if (rc)
            return rk_err_wrap(rc, "no print spool (give --spool DIR or RAKIOSK_PRINT_SPOOL, or "
                                   "a configuration with a data_dir)");
        snprintf(dir, sizeof dir, "%s", conf->printer_spool_dir);
    }
    return rk_spool_open(out, dir);
}

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
    return rk_spool_run(sp, uri, rk_ctl_printer_timeout(ctl, timeout_ms), rk_ctl_printer_notify,
                        ctl, printed);
}

typedef struct opts {
    const char *printer, *spool;
    int timeout_ms;
    const char *arg; /* one positional argument */
} opts;

static int parse(rk_ctl *ctl, const char *cmd, int argc, char **argv, opts *o, int want_arg)
{
    static char uri[600];
    memset(o, 0, sizeof *o); /* timeout 0: [printer] timeout_ms */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--printer") && i + 1 < argc)
            o->printer = argv[++i];
        else if (!strcmp(a, "--tcp") && i + 1 < argc) {
            snprintf(uri, sizeof uri, "tcp://%s", argv[++i]);
            o->printer = uri;
        } else if (!strcmp(a, "--device") && i + 1 < argc) {
            snprintf(uri, sizeof uri, "usb://%s", argv[++i]);
            o->printer = uri;
        } else if (!strcmp(a, "--spool") && i + 1 < argc)
            o->spool = argv[++i];
        else if (!strcmp(a, "--timeout") && i + 1 < argc)
            o->timeout_ms = atoi(argv[++i]);
        else if (want_arg && a[0] != '-' && !o->arg)
            o->arg = a;
        else
            return rk_ctl_usage(ctl, cmd, "unexpected argument '%s'", a);
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
    if ((rc = rk_ctl_printer_uri(ctl, o.printer, uri, sizeof uri)) != 0)
        return rk_ctl_fail(ctl, rc);
    if ((rc = rk_printer_open(&p, uri, rk_ctl_printer_timeout(ctl, o.timeout_ms))) != 0)
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
    if (ctl->json) {
        rk_buf b;
        rk_json j;
        rk_buf_init(&b, 4096);
        rk_json_init(&j, &b);
        rk_json_obj_begin(&j);
        rk_json_kbool(&j, "ok", 1);
        rk_json_kstr(&j, "printer", uri);
        rk_json_kbool(&j, "known", has);
        rk_json_kbool(&j, "ready", ready);
        rk_json_kbool(&j, "paper_out", st.paper_out);
        rk_json_kbool(&j, "paper_near_end", st.paper_near_end);
        rk_json_kbool(&j, "cover_open", st.cover_open);
        rk_json_kbool(&j, "offline", st.offline);
        rk_json_kbool(&j, "error", st.error);
        rk_json_kstr(&j, "message", what);
        rk_json_obj_end(&j);
        if (rk_ctl_print_json(ctl, &j, &b)) return rk_ctl_fail(ctl, RK_ENOMEM);
    } else {
        printf("%s: %s\n", uri, what);
    }
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
    if ((rc = rk_ctl_printer_spool(ctl, o.spool, &sp)) != 0) return rk_ctl_fail(ctl, rc);
    rc = rk_spool_list(sp, &names, &n);
    rk_spool_free(sp);
    if (rc) return rk_ctl_fail(ctl, rc);
    rk_buf b;
    rk_json j;
    rk_buf_init(&b, 1 << 20);
    rk_json_init(&j, &b);
    rk_json_arr_begin(&j);
    for (int i = 0; i < n; i++) {
        if (ctl->json)
            rk_json_str(&j, names[i]);
        else
            printf("%s\n", names[i]);
        free(names[i]);
    }
    free(names);
    rk_json_arr_end(&j);
    if (ctl->json) return rk_ctl_print_json(ctl, &j, &b) ? rk_ctl_fail(ctl, RK_ENOMEM) : 0;
    rk_buf_free(&b);
    return 0;
}

static int finish_run(rk_ctl *ctl, rk_spool *sp, const char *uri, int timeout_ms, const char *job)
{
    int printed = 0, left = 0;
    int rc = rk_ctl_printer_run(ctl, sp, uri, timeout_ms, &printed);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", rc ? rk_err_msg() : "");
    rk_spool_pending(sp, &left);
    if (rc) return rk_ctl_fail(ctl, rk_err_set(rc, "%s", msg));
    if (ctl->json) {
        printf("{\"ok\":true,\"printed\":%d,\"pending\":%d%s%s%s}\n", printed, left,
               job ? ",\"job\":\"" : "", job ? job : "", job ? "\"" : "");
    } else {
        rk_ctl_info(ctl, "%d receipt(s) printed, %d waiting", printed, left);
    }
    return 0;
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
    if ((rc = rk_ctl_printer_uri(ctl, o.printer, uri, sizeof uri)) != 0 ||
        (rc = rk_ctl_printer_spool(ctl, o.spool, &sp)) != 0)
        return rk_ctl_fail(ctl, rc);
    rc = finish_run(ctl, sp, uri, o.timeout_ms, NULL);
    rk_spool_free(sp);
    return rc;
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
    if ((rc = rk_ctl_printer_uri(ctl, o.printer, uri, sizeof uri)) != 0 ||
        (rc = rk_ctl_printer_spool(ctl, o.spool, &sp)) != 0)
        return rk_ctl_fail(ctl, rc);
    rc = rk_spool_reprint(sp, o.arg, job);
    if (rc) {
        rk_spool_free(sp);
        return rk_ctl_fail(ctl, rc);
    }
    rc = finish_run(ctl, sp, uri, o.timeout_ms, job);
    rk_spool_free(sp);
    return rc;
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
