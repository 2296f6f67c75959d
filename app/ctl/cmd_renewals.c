/*
 * `ractl renewals [--days N]`: certificates in use that expire within N
 * days (30 by default): the subscribers to remind.
 */
#include "ctl.h"

#include "util/err.h"

#include "domain/certstatus.h"

#include <stdlib.h>
#include <string.h>

int rk_ctl_cmd_renewals(rk_ctl *ctl, int argc, char **argv)
{
    rk_renewal *list;
    rk_ledger *l = NULL;
    char t[32];
    int n, rc, days = 30;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl renewals [--days N]\n\n"
               "Certificates in use that expire within N days (default 30), soonest\n"
               "first, with the order that produced them.\n");
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "--days"))
        days = atoi(argv[2]);
    else if (argc != 1)
        return rk_ctl_usage(ctl, "ractl renewals", "unexpected argument '%s'", argv[1]);
    if (days < 1 || days > 3660)
        return rk_ctl_usage(ctl, "ractl renewals", "--days takes 1 to 3660");
    if ((rc = rk_ctl_ledger(ctl, &l)) || (rc = rk_certstatus_renewals(l, days, &list, &n)))
        return rk_ctl_fail(ctl, rc);
    rk_buf b;
    rk_json j;
    rk_buf_init(&b, 1 << 24);
    rk_json_init(&j, &b);
    rk_json_arr_begin(&j);
    for (int i = 0; i < n; i++) {
        rk_ctl_time(t, sizeof t, list[i].not_after);
        if (ctl->json) {
            rk_json_obj_begin(&j);
            rk_json_kstr(&j, "serial", list[i].serial);
            rk_json_kstr(&j, "subject", list[i].subject_name);
            rk_json_kint(&j, "not_after", list[i].not_after);
            rk_json_kint(&j, "days_left", list[i].days_left);
            rk_json_kstr(&j, "order", list[i].order_ref);
            rk_json_obj_end(&j);
        } else {
            printf("%-24s expires %s (%d days)  %s  order %s\n", list[i].serial, t,
                   list[i].days_left, list[i].subject_name,
                   list[i].order_ref[0] ? list[i].order_ref : "-");
        }
    }
    rk_json_arr_end(&j);
    free(list);
    if (ctl->json) return rk_ctl_print_json(ctl, &j, &b) ? rk_ctl_fail(ctl, RK_ENOMEM) : 0;
    rk_buf_free(&b);
    return 0;
}
