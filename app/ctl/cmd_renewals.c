/*
 * `ractl renewals [--days N]`: certificates in use that expire within N
 * days (30 by default): the subscribers to remind (branch/ledger.h:
 * rk_branch_renewals; a clerk's login, as it shows their names).
 */
#include "ctl.h"

#include "branch/ledger.h"
#include "util/err.h"
#include "util/utf8.h"
#include "util/words.h"

#include <stdlib.h>

int rk_ctl_cmd_renewals(rk_ctl *ctl, int argc, char **argv)
{
    rk_renewal *list;
    rk_ledger *l = NULL;
    rk_actor actor;
    char t[32];
    int n, rc, days = 30;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl renewals [--days N]\n\n"
               "Certificates in use that expire within N days (1 to 3660, default 30),\n"
               "soonest first, with the order that produced them. Needs a clerk's login.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--days", .kind = RK_OPT_INT, .dest = &days, .min = 1, .max = 3660},
    };
    const rk_ctl_args args = {.cmd = "ractl renewals", .opts = opts, .n_opts = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if ((rc = rk_ctl_ledger(ctl, &l)) || (rc = rk_ctl_actor(ctl, &actor)) ||
        (rc = rk_branch_renewals(ctl->branch, &actor, days, &list, &n)))
        return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply_array(ctl);
    for (int i = 0; i < n; i++) {
        rk_json_obj_begin(j);
        rk_json_kstr(j, "serial", list[i].serial);
        rk_json_kstr(j, "subject", list[i].subject_name);
        rk_json_kint(j, "not_after", list[i].not_after);
        rk_json_kint(j, "days_left", list[i].days_left);
        rk_json_kstr(j, "order", list[i].order_ref);
        rk_json_obj_end(j);
        if (ctl->json) continue;
        rk_ctl_time(t, sizeof t, list[i].not_after);
        char left[32], who[400], sx[RK_HEX_SERIAL_MAX];
        snprintf(left, sizeof left, "(%d %s)", list[i].days_left,
                 rk_plural(list[i].days_left, "day", "days"));
        rk_utf8_pad(who, sizeof who, list[i].subject_name, 24); /* by display columns */
        printf("%-34s expires %s %-11s  %s  order %s\n", rk_ctl_serial(sx, list[i].serial), t, left,
               who, list[i].order_ref[0] ? list[i].order_ref : "-");
    }
    free(list);
    return rk_ctl_reply_end(ctl);
}
