/*
 * rahq admin statement import / reconcile (see recon_cli.h): options
 * parsed, hq/recon.h called, the answer printed as text or JSON; the
 * report for the supervisor written as an A4 PDF (print/reconprint.h) and
 * a workbook (domain/export_recon.h) when asked for.
 */
#include "hq/recon_cli.h"
#include "hq/recon.h"
#include "hq/recon_json.h"

#include "opts.h"
#include "util/clock.h"
#include "util/err.h"

#include <jansson.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_NOTFOUND = 6, EXIT_STATE = 7 };

static int fail(int rc, const char *what)
{
    fprintf(stderr, "rahq: %s: %s\n", what, rk_err_msg()[0] ? rk_err_msg() : rk_err_name(rc));
    return rc == RK_EEXIST || rc == RK_ESTATE ? EXIT_STATE
           : rc == RK_EINVAL                  ? EXIT_USAGE
           : rc == RK_ENOTFOUND               ? EXIT_NOTFOUND
                                              : EXIT_FAILED;
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    if (s) printf("%s\n", s);
    free(s);
    json_decref(j);
}

static const char IMPORT_HELP[] =
    "usage: rahq admin statement import --provider wechat|alipay FILE [--json]\n\n"
    "Imports a payment provider's daily statement for reconciliation: the WeChat\n"
    "Pay trade bill (交易账单 CSV, UTF-8: backtick-prefixed values and the summary\n"
    "rows) or Alipay's business statement (业务明细 CSV, GBK, '#' header and\n"
    "footer lines). The file is checked whole first: a damaged one is refused\n"
    "with its line and nothing is kept. Importing the same file again, or a\n"
    "trade HQ holds already from another file, changes nothing; a trade HQ\n"
    "holds with another amount or order number refuses the file.\n";

int rk_hq_cli_statement(rk_hq_store *store, int argc, char **argv)
{
    const char *cmd = "rahq admin statement import", *provider = NULL;
    int json = 0, npos = 0, known = 0;
    char *pos[1];
    if (argc < 1 || strcmp(argv[0], "import")) {
        if (argc >= 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")))
            return printf("%s", IMPORT_HELP), 0;
        fprintf(stderr, "rahq admin statement: give import; see %s --help\n", cmd);
        return EXIT_USAGE;
    }
    rk_opt opts[] = {{"--provider", RK_OPT_STR, &provider, 0, 0},
                     {"--json", RK_OPT_FLAG, &json, 0, 0},
                     {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 1)) return printf("%s", IMPORT_HELP), 0;
    if (rk_opts_parse(cmd, opts, argc, argv, 1, pos, 1, &npos)) return EXIT_USAGE;
    int p = rk_stmt_provider(provider);
    if (!p || npos != 1) {
        fprintf(stderr, "%s: give --provider wechat or alipay and the FILE; see %s --help\n", cmd,
                cmd);
        return EXIT_USAGE;
    }
    rk_hq_statement f;
    int rc = rk_hq_statement_import(store, p, pos[0], rk_clock_now(), &f, &known);
    if (rc) return fail(rc, "statement import");
    if (json)
        print_json(json_pack("{ss ss ss si si sb}", "provider", provider, "file", f.filename,
                             "sha256", f.sha256, "lines", f.lines, "new_lines", known ? 0 : f.fresh,
                             "already_imported", known));
    else if (known)
        printf("%s: imported before (%d lines): nothing changed\n", f.filename, f.lines);
    else
        printf("%s: %d lines, %d new to HQ\n", f.filename, f.lines, f.fresh);
    return 0;
}

/* Runs rahq-report (beside this program) with the report's JSON on its
 * standard input for the PDF and the workbook. */
static int report(const char *json, const char *pdf, const char *xlsx)
{
    char self[PATH_MAX], prog[PATH_MAX + 16];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return fprintf(stderr, "rahq: cannot find my own folder: %s\n", strerror(errno)), 1;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (slash) *slash = 0;
    snprintf(prog, sizeof prog, "%s/rahq-report", self);
    const char *args[6];
    int k = 0;
    args[k++] = prog;
    if (pdf) args[k++] = "--pdf", args[k++] = pdf;
    if (xlsx) args[k++] = "--xlsx", args[k++] = xlsx;
    args[k] = NULL;
    int fd[2];
    if (pipe(fd)) return fprintf(stderr, "rahq: pipe: %s\n", strerror(errno)), 1;
    pid_t pid = fork();
    if (pid < 0) return fprintf(stderr, "rahq: fork: %s\n", strerror(errno)), 1;
    if (pid == 0) {
        dup2(fd[0], 0);
        close(fd[0]);
        close(fd[1]);
        execv(prog, (char *const *)args);
        fprintf(stderr, "rahq: cannot run %s: %s\n", prog, strerror(errno));
        _exit(127);
    }
    close(fd[0]);
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    size_t len = strlen(json), off = 0;
    while (off < len) {
        ssize_t w = write(fd[1], json + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        off += (size_t)w;
    }
    close(fd[1]);
    signal(SIGPIPE, old);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        fprintf(stderr, "rahq: the report was not written (rahq-report failed)\n");
        return EXIT_FAILED;
    }
    return 0;
}

static const char RECONCILE_HELP[] =
    "usage: rahq admin reconcile --day YYYY-MM-DD [--branch B] [--pdf F] [--xlsx F] [--json]\n\n"
    "Sets the imported statements' lines of one day (from midnight to midnight in\n"
    "the deployment's time zone: [hq] time_zone of DIR/rahq.conf, Asia/Shanghai\n"
    "by default) against the branches' orders as their syncs brought them, matched\n"
    "by the merchant order number the payment QR carries (the order reference, with\n"
    "the branch where the statement or the number names it). Each line and\n"
    "each order the day touched is one of:\n"
    "  matched            paid, issued, recorded paid by that provider, same amount\n"
    "  paid_not_issued    on the statement, the order not issued (yet)\n"
    "  issued_not_paid    recorded paid by wechat or alipay that day with no\n"
    "                     statement line, or issued without being paid\n"
    "  amount_mismatch    the branch recorded another amount or method\n"
    "  unknown_payment    no such order at HQ\n"
    "  refund_matched     a refund line and the branch's refund agree\n"
    "  refund_unrecorded  a refund on the statement the branch never recorded\n"
    "  refund_missing     a refund the branch recorded by wechat or alipay that\n"
    "                     day on no statement\n"
    "  refund_mismatch    the branch's refund has another amount or method\n"
    "--pdf writes the supervisor's A4 report, --xlsx the workbook (drawn by\n"
    "rahq-report, installed beside rahq). Exit 0 even when differences were\n"
    "found (the report says how many).\n";

int rk_hq_cli_reconcile(rk_hq_store *store, int argc, char **argv)
{
    const char *cmd = "rahq admin reconcile", *day = NULL, *branch = NULL, *pdf = NULL,
               *xlsx = NULL;
    int json = 0;
    rk_opt opts[] = {{"--day", RK_OPT_STR, &day, 0, 0},    {"--branch", RK_OPT_STR, &branch, 0, 0},
                     {"--pdf", RK_OPT_STR, &pdf, 0, 0},    {"--xlsx", RK_OPT_STR, &xlsx, 0, 0},
                     {"--json", RK_OPT_FLAG, &json, 0, 0}, {NULL, 0, NULL, 0, 0}};
    if (rk_opts_help(argc, argv, 0)) return printf("%s", RECONCILE_HELP), 0;
    if (rk_opts_parse(cmd, opts, argc, argv, 0, NULL, 0, NULL)) return EXIT_USAGE;
    if (!day) {
        fprintf(stderr, "%s: --day is required; see %s --help\n", cmd, cmd);
        return EXIT_USAGE;
    }
    rk_recon r;
    int rc = rk_hq_reconcile(store, day, branch, &r);
    if (rc) return fail(rc, "reconcile");
    int diffs = 0;
    for (int k = 1; k < RK_RECON_KINDS; k++)
        if (rk_recon_is_difference(k)) diffs += r.count[k];
    json_t *doc = rk_hq_recon_json(&r);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    if (!text) {
        rk_recon_free(&r);
        return fail(rk_err_oom(), "reconcile");
    }
    int ex = 0;
    if (json)
        printf("%s\n", text);
    else {
        printf("reconciliation of %s%s%s: %d statement lines, %d differences\n", r.day,
               r.branch[0] ? " for " : "", r.branch, r.lines, diffs);
        for (int k = 1; k < RK_RECON_KINDS; k++)
            printf("  %-18s %d\n", rk_recon_kind_name(k), r.count[k]);
        for (int i = 0; i < r.n; i++) {
            const rk_recon_item *x = &r.items[i];
            if (!rk_recon_is_difference(x->kind)) continue;
            printf("%-18s %-7s %-8s %-13s %10lld.%02lld %10lld.%02lld  %s\n",
                   rk_recon_kind_name(x->kind),
                   x->provider ? rk_stmt_provider_name(x->provider) : "-",
                   x->branch[0] ? x->branch : "-", x->ref[0] ? x->ref : x->merchant_ref,
                   (long long)(x->statement_fen / 100), (long long)(x->statement_fen % 100),
                   (long long)(x->branch_fen / 100), (long long)(x->branch_fen % 100), x->note);
        }
    }
    if (pdf || xlsx) ex = report(text, pdf, xlsx);
    free(text);
    rk_recon_free(&r);
    return ex;
}
