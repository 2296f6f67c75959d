/*
 * `ractl overdue`: open orders past their deadline in working days, the
 * most overdue first (the branch's SLA list).
 */
#include "ctl.h"

#include "util/err.h"

#include "domain/order.h"

#include <stdlib.h>
#include <string.h>

int rk_ctl_cmd_overdue(rk_ctl *ctl, int argc, char **argv)
{
    rk_order_filter f;
    rk_order_row *rows;
    rk_ledger *l = NULL;
    int n, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl overdue [--limit N]\n\n"
               "Lists open orders whose deadline (issuance 5, renewal 2, revocation 1,\n"
               "unlock 2, key recovery 5 working days; conf/forms.ini) has passed.\n");
        return 0;
    }
    memset(&f, 0, sizeof f);
    f.overdue = 1;
    f.limit = 1000;
    if (argc == 3 && !strcmp(argv[1], "--limit"))
        f.limit = atoi(argv[2]);
    else if (argc != 1)
        return rk_ctl_usage(ctl, "ractl overdue", "unexpected argument '%s'", argv[1]);
    if ((rc = rk_ctl_ledger(ctl, &l)) || (rc = rk_order_list(l, &f, &rows, &n)))
        return rk_ctl_fail(ctl, rc);
    return rk_ctl_print_orders(ctl, rows, n);
}
