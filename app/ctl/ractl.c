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
    int i;

    memset(&ctl, 0, sizeof ctl);
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-c") || !strcmp(a, "--conf")) {
            if (++i >= argc) return rk_ctl_usage(&ctl, "ractl", "--conf needs a file");
            ctl.conf_path = argv[i];
        } else if (!strncmp(a, "--conf=", 7)) {
            ctl.conf_path = a + 7;
        } else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
            ctl.json = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            ctl.quiet = 1;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            rk_log_set_level(RK_LOG_INFO);
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            printf("ractl (rakiosk) %s\n", RK_VERSION);
            return 0;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else {
            return rk_ctl_usage(&ctl, "ractl", "unknown option '%s'", a);
        }
    }
    if (i >= argc) {
        usage();
        return RK_EXIT_USAGE;
    }
    int code = -1;
    for (int k = 0; k < N_COMMANDS; k++)
        if (!strcmp(argv[i], commands[k].name)) code = commands[k].run(&ctl, argc - i, argv + i);
    if (code < 0) code = rk_ctl_usage(&ctl, "ractl", "unknown command '%s'", argv[i]);
    rk_ledger_free(ctl.ledger);
    rk_db_close(ctl.db);
    rk_conf_free(ctl.conf);
    return code;
}
