/*
 * ractl: the command-line face of the rakiosk core.
 *
 * Parses the global options, then hands the rest of the command line to
 * the subcommand named first (one file each, cmd_<name>.c). Used for
 * scripting, support, tests and headless counters.
 */
#include "ctl.h"

#include "util/err.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>

int rk_ctl_cmd_init(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_db(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_clerk(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_audit(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_key(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_validate(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_scan(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_print(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_printer(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_order(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_query(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_overdue(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_incident(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_renewals(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_tick(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_cmp(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_export(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_archive(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_record(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_report(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_ca(rk_ctl *ctl, int argc, char **argv);
int rk_ctl_cmd_sync(rk_ctl *ctl, int argc, char **argv);

static const rk_ctl_cmd commands[] = {
    {"init", rk_ctl_cmd_init, "create the branch database and folders from the configuration"},
    {"db", rk_ctl_cmd_db, "migrate or check the branch database"},
    {"clerk", rk_ctl_cmd_clerk, "add, list, log in and log out clerks"},
    {"audit", rk_ctl_cmd_audit, "verify the hash-chained audit log"},
    {"order", rk_ctl_cmd_order, "the order ledger: new, set, attach, submit, approve ..."},
    {"query", rk_ctl_cmd_query, "certificate status by subject name or serial"},
    {"overdue", rk_ctl_cmd_overdue, "open orders past their deadline"},
    {"incident", rk_ctl_cmd_incident, "incidents and their escalation ladder"},
    {"renewals", rk_ctl_cmd_renewals, "certificates expiring within 30 days"},
    {"tick", rk_ctl_cmd_tick, "run the ledger's timers (automatic resumes)"},
    {"export", rk_ctl_cmd_export, "the register and operation log as CSV or XLSX"},
    {"archive", rk_ctl_cmd_archive, "archive boxes sorted by social-security number, labels"},
    {"record", rk_ctl_cmd_record, "consultations, complaints and satisfaction surveys"},
    {"report", rk_ctl_cmd_report, "the weekly summary for the manager"},
    {"key", rk_ctl_cmd_key, "USB keys: list, init, enrol, recover, unlock, diagnose"},
    {"validate", rk_ctl_cmd_validate,
     "check an ID number, credit code, mobile number, e-mail, date ..."},
    {"scan", rk_ctl_cmd_scan, "read ID cards, MRZ, barcodes and scanned documents"},
    {"print", rk_ctl_cmd_print, "print receipts and A4 documents (forms, records, labels)"},
    {"printer", rk_ctl_cmd_printer, "receipt printer status, held jobs and reprints"},
    {"cmp", rk_ctl_cmd_cmp, "request, renew and revoke certificates over CMP; serve CMP"},
    {"sync", rk_ctl_cmd_sync, "the link with HQ: sync status, device enrolment, archive queue"},
    {"ca", rk_ctl_cmd_ca, "branch sub-CA: issue, revoke, suspend, CRLs, HQ CRL import"},
};
#define N_COMMANDS ((int)(sizeof commands / sizeof commands[0]))

static void usage(void)
{
    printf("usage: ractl [OPTIONS] COMMAND [ARGS]\n"
           "\n"
           "The command-line face of rakiosk, the certificate registration counter.\n"
           "\n"
           "options:\n"
           "  -c, --conf FILE  branch configuration (default: $RAKIOSK_CONF, then\n"
           "                   " RK_SYSCONFDIR "/kiosk.conf, then the demo branch's)\n"
           "  -j, --json       machine-readable JSON on standard output\n"
           "  -q, --quiet      no informational lines\n"
           "  -v, --verbose    log progress to standard error (RAKIOSK_LOG=debug for more)\n"
           "  -V, --version    print the version\n"
           "  -h, --help       this help\n"
           "\n"
           "commands:\n");
    for (int i = 0; i < N_COMMANDS; i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    printf("\n"
           "exit codes:\n"
           "  0 success (a check: valid)     5 not logged in, wrong password or role\n"
           "  1 the check said no (invalid)  6 not found\n"
           "  2 wrong arguments              7 refused in this state / already exists\n"
           "  3 configuration error          8 device error\n"
           "  4 database error               9 valid with a warning (validate)\n"
           "                                 70 internal error\n"
           "\n"
           "environment: RAKIOSK_CONF, RAKIOSK_DATA_DIR (overrides [paths] data_dir),\n"
           "RAKIOSK_SESSION (the clerk session file), RAKIOSK_NOW (fixes the clock),\n"
           "RAKIOSK_LOG (error|warn|info|debug).\n"
           "\n"
           "'ractl COMMAND --help' tells more about a command.\n");
}

int main(int argc, char **argv)
{
    rk_ctl ctl;
    int verbose = 0, version = 0, help = 0, i = argc, code = -1, rc;

    memset(&ctl, 0, sizeof ctl);
    const rk_ctl_opt opts[] = {
        {.name = "--conf",
         .letter = 'c',
         .kind = RK_OPT_STR,
         .dest = &ctl.conf_path,
         .arg = "FILE"},
        {.name = "--json", .letter = 'j', .kind = RK_OPT_FLAG, .dest = &ctl.json},
        {.name = "--quiet", .letter = 'q', .kind = RK_OPT_FLAG, .dest = &ctl.quiet},
        {.name = "--verbose", .letter = 'v', .kind = RK_OPT_FLAG, .dest = &verbose},
        {.name = "--version", .letter = 'V', .kind = RK_OPT_FLAG, .dest = &version},
        {.name = "--help", .letter = 'h', .kind = RK_OPT_FLAG, .dest = &help},
    };
    const rk_ctl_args args = {.cmd = "ractl",
                              .opts = opts,
                              .n_opts = (int)(sizeof opts / sizeof opts[0]),
                              .stop_at_positional = 1,
                              .next = &i};
    if ((rc = rk_ctl_opts_parse(&ctl, &args, argc, argv)) != 0) return rc;
    if (verbose) rk_log_set_level(RK_LOG_INFO);
    if (version) {
        printf("ractl (rakiosk) %s\n", RK_VERSION);
        return 0;
    }
    if (help) {
        usage();
        return 0;
    }
    if (i >= argc) {
        usage();
        return RK_EXIT_USAGE;
    }
    const rk_branch_opts bo = {.conf_path = ctl.conf_path};
    if ((rc = rk_branch_open(&ctl.branch, &bo)) != 0) return rk_ctl_fail(&ctl, rc);
    for (int k = 0; k < N_COMMANDS; k++)
        if (!strcmp(argv[i], commands[k].name)) code = commands[k].run(&ctl, argc - i, argv + i);
    if (code < 0) code = rk_ctl_usage(&ctl, "ractl", "unknown command '%s'", argv[i]);
    rk_branch_close(ctl.branch);
    return code;
}
