/*
 * `ractl export register|oplog`: the branch's register and operation log
 * as CSV (UTF-8 with BOM, for Excel) or XLSX, for the supervisor or the
 * archive clerk. Each export is audited; --reveal (operation log) shows
 * ID numbers in clear and is audited as such.
 */
#include "ctl.h"

#include "domain/export.h"
#include "util/clock.h"
#include "util/err.h"

#include <string.h>
#include <time.h>

/* Local midnight of "YYYY-MM-DD", plus days. */
static int day_start(int64_t *out, const char *date, int days)
{
    int64_t t;
    int rc = strlen(date) == 10 ? rk_clock_parse(&t, date)
                                : rk_err_set(RK_EINVAL, "a date is YYYY-MM-DD, not '%s'", date);
    if (rc) return rc;
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    tm.tm_mday += days;
    tm.tm_isdst = -1;
    *out = (int64_t)mktime(&tm);
    return 0;
}

static int run(rk_ctl *ctl, int argc, char **argv, int kind)
{
    const char *cmd = kind == RK_EXPORT_REGISTER ? "ractl export register" : "ractl export oplog";
    const char *format = NULL, *out = NULL, *from = NULL, *to = NULL;
    rk_export_filter f;
    rk_ledger *l;
    rk_actor actor;
    int reveal = 0, fmt, rows, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: %s --format csv|xlsx --out FILE [--project P]\n"
               "         [--from YYYY-MM-DD] [--to YYYY-MM-DD]%s\n\n",
               cmd, kind == RK_EXPORT_OPLOG ? " [--reveal]" : "");
        if (kind == RK_EXPORT_REGISTER)
            printf("The register: one row per completed order that produced a certificate:\n"
                   "social-security number, unit, organisation code, contact, phone,\n"
                   "production and expiry dates, order, business type, project, region.\n");
        else
            printf("The operation log: one row per completed order: time, region, project,\n"
                   "business type, unit, ID number (masked; --reveal shows it in clear and\n"
                   "is audited), producer, reviewer, order.\n");
        printf("--from and --to select production dates, both days included. Needs the\n"
               "supervisor or archive role; the export is audited with its row count.\n");
        return 0;
    }
    memset(&f, 0, sizeof f);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--format") && has)
            format = argv[++i];
        else if (!strcmp(a, "--out") && has)
            out = argv[++i];
        else if (!strcmp(a, "--project") && has)
            f.project = argv[++i];
        else if (!strcmp(a, "--from") && has)
            from = argv[++i];
        else if (!strcmp(a, "--to") && has)
            to = argv[++i];
        else if (!strcmp(a, "--reveal") && kind == RK_EXPORT_OPLOG)
            reveal = 1;
        else
            return rk_ctl_usage(ctl, cmd, "unexpected argument '%s'", a);
    }
    if (!format || !out) return rk_ctl_usage(ctl, cmd, "give --format and --out");
    if ((rc = rk_export_format_parse(&fmt, format)) != 0)
        return rk_ctl_usage(ctl, cmd, "%s", rk_err_msg());
    if ((from && (rc = day_start(&f.from, from, 0)) != 0) ||
        (to && (rc = day_start(&f.to, to, 1)) != 0))
        return rk_ctl_fail(ctl, rc);
    if (f.from && f.to && f.to <= f.from) return rk_ctl_usage(ctl, cmd, "--to is before --from");
    if ((rc = rk_ctl_ledger(ctl, &l)) || (rc = rk_ctl_actor(ctl, &actor)) ||
        (rc = rk_export_write(l, &actor, kind, fmt, out, &f, reveal, &rows)))
        return rk_ctl_fail(ctl, rc);
    if (ctl->json) {
        rk_buf b;
        rk_json j;
        rk_buf_init(&b, 8192);
        rk_json_init(&j, &b);
        rk_json_obj_begin(&j);
        rk_json_kbool(&j, "ok", 1);
        rk_json_kstr(&j, "file", out);
        rk_json_kstr(&j, "format", format);
        rk_json_kint(&j, "rows", rows);
        rk_json_kbool(&j, "revealed", reveal);
        rk_json_obj_end(&j);
        return rk_ctl_print_json(ctl, &j, &b) ? rk_ctl_fail(ctl, RK_ENOMEM) : 0;
    }
    rk_ctl_info(ctl, "%d rows written to %s", rows, out);
    return 0;
}

static int cmd_register(rk_ctl *ctl, int argc, char **argv)
{
    return run(ctl, argc, argv, RK_EXPORT_REGISTER);
}

static int cmd_oplog(rk_ctl *ctl, int argc, char **argv)
{
    return run(ctl, argc, argv, RK_EXPORT_OPLOG);
}

int rk_ctl_cmd_export(rk_ctl *ctl, int argc, char **argv)
{
    static const rk_ctl_cmd table[] = {
        {"register", cmd_register, "the register of certificates (登记表) as CSV or XLSX"},
        {"oplog", cmd_oplog, "the operation log (操作日志) as CSV or XLSX"},
    };
    return rk_ctl_dispatch(ctl, argc, argv, "ractl export",
                           "The branch's register and operation log, for Excel.", table,
                           (int)(sizeof table / sizeof table[0]));
}
