/*
 * `ractl overdue`: open orders past their deadline in working days, the
 * most overdue first (the branch's SLA list; branch/ledger.h:
 * rk_branch_overdue, a clerk's login).
 */
#include "ctl.h"

#include "branch/ledger.h"
#include "util/err.h"

int rk_ctl_cmd_overdue(rk_ctl *ctl, int argc, char **argv)
{
    rk_order_row *rows;
    rk_ledger *l = NULL;
    rk_actor actor;
    int n, rc, limit = 1000;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl overdue [--limit N]\n\n"
               "Lists open orders whose deadline (issuance 5, renewal 2, revocation 1,\n"
               "unlock 2, key recovery 5 working days; conf/forms.ini) has passed; at most\n"
               "N (1 to 100000, default 1000). Needs a clerk's login.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--limit", .kind = RK_OPT_INT, .dest = &limit, .min = 1, .max = 100000},
    };
    const rk_ctl_args args = {.cmd = "ractl overdue", .opts = opts, .n_opts = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if ((rc = rk_ctl_ledger(ctl, &l)) || (rc = rk_ctl_actor(ctl, &actor)) ||
        (rc = rk_branch_overdue(ctl->branch, &actor, limit, &rows, &n)))
        return rk_ctl_fail(ctl, rc);
    return rk_ctl_print_orders(ctl, rows, n);
}
