/*
 * `ractl audit verify`: walk the hash-chained audit log and name the first
 * entry that was changed, inserted or removed.
 */
#include "ctl.h"

#include "branch/reports.h"
#include "util/err.h"
#include "util/words.h"

static int cmd_verify(rk_ctl *ctl, int argc, char **argv)
{
    int64_t checked = 0, bad = 0;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl audit verify\n\n"
               "Recomputes every audit entry's hash and its link to the one before.\n"
               "Prints OK and the number of entries, or names the first bad entry\n"
               "(exit 1).\n");
        return 0;
    }
    if (argc != 1)
        return rk_ctl_usage(ctl, "ractl audit verify", "unexpected argument '%s'", argv[1]);
    rc = rk_branch_audit_verify(ctl->branch, &checked, &bad);
    if (rc && rc != RK_EVERIFY) return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply_ok(ctl, rc == 0);
    rk_json_kint(j, "entries", checked);
    rk_json_kint(j, "first_bad", bad);
    if (rc) rk_json_kstr(j, "error", rk_err_msg());
    if (!ctl->json && rc)
        fprintf(stderr, "audit chain BROKEN: %s\n", rk_err_msg());
    else if (!ctl->json)
        printf("audit chain OK: %lld %s verified\n", (long long)checked,
               rk_plural((long long)checked, "entry", "entries"));
    int code = rk_ctl_reply_end(ctl);
    return code ? code : rc ? RK_EXIT_FAIL : 0;
}

static const rk_ctl_cmd audit_commands[] = {
    {"verify", cmd_verify, "check the hash chain of the audit log"},
};

int rk_ctl_cmd_audit(rk_ctl *ctl, int argc, char **argv)
{
    return rk_ctl_dispatch(ctl, argc, argv, "ractl audit", "The append-only audit log.",
                           audit_commands, 1);
}
