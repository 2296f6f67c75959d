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
    static const char *const formats[] = {"csv", "xlsx", NULL};
    const rk_ctl_opt opts[] = {
        {.name = "--format", .kind = RK_OPT_ENUM, .dest = &format, .values = formats},
        {.name = "--out", .kind = RK_OPT_STR, .dest = &out, .arg = "FILE"},
        {.name = "--project", .kind = RK_OPT_STR, .dest = &f.project, .arg = "P"},
        {.name = "--from", .kind = RK_OPT_DATE, .dest = &from},
        {.name = "--to", .kind = RK_OPT_DATE, .dest = &to},
        {.name = "--reveal", .kind = RK_OPT_FLAG, .dest = &reveal}, /* the operation log's */
    };
    const rk_ctl_args args = {.cmd = cmd, .opts = opts, .n_opts = kind == RK_EXPORT_OPLOG ? 6 : 5};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!format || !out) return rk_ctl_usage(ctl, cmd, "give --format and --out");
    if ((rc = rk_export_format_parse(&fmt, format)) != 0)
        return rk_ctl_usage(ctl, cmd, "%s", rk_err_msg());
    if ((from && (rc = rk_clock_day(&f.from, from, 0)) != 0) ||
        (to && (rc = rk_clock_day(&f.to, to, 1)) != 0))
        return rk_ctl_fail(ctl, rc);
    if (f.from && f.to && f.to <= f.from) return rk_ctl_usage(ctl, cmd, "--to is before --from");
    if ((rc = rk_ctl_ledger(ctl, &l)) || (rc = rk_ctl_actor(ctl, &actor)) ||
        (rc = rk_export_write(l, &actor, kind, fmt, out, &f, reveal, &rows)))
        return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "file", out);
    rk_json_kstr(j, "format", format);
    rk_json_kint(j, "rows", rows);
    rk_json_kbool(j, "revealed", reveal);
    rk_ctl_info(ctl, "%d row%s written to %s", rows, rows == 1 ? "" : "s", out);
    return rk_ctl_reply_end(ctl);
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
