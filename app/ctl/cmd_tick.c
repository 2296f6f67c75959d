/*
 * `ractl tick`: runs the ledger's timers now: suspensions that reached six
 * months are resumed; holds that outlived their certificate become
 * revocation orders awaiting review. The kiosk and rasync run the same
 * timers on their own; this is for headless counters and support.
 */
#include "ctl.h"

#include "util/err.h"

#include "domain/certstatus.h"

int rk_ctl_cmd_tick(rk_ctl *ctl, int argc, char **argv)
{
    rk_ledger *l = NULL;
    int resumed = 0, revocations = 0, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl tick\n\nRuns the ledger's timers (automatic resumption of\n"
               "suspensions after six months) and brings the branch sub-CA's register in\n"
               "line with the ledger's certificate statuses.\n");
        return 0;
    }
    if (argc != 1) return rk_ctl_usage(ctl, "ractl tick", "unexpected argument '%s'", argv[1]);
    if ((rc = rk_ctl_ledger(ctl, &l)) || (rc = rk_certstatus_tick(l, &resumed, &revocations)))
        return rk_ctl_fail(ctl, rc);
    rk_ctl_follow_ca(ctl, l, NULL);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kint(j, "resumed", resumed);
    rk_json_kint(j, "revocation_orders", revocations);
    rk_ctl_info(ctl, "%d suspensions resumed, %d revocation orders started", resumed, revocations);
    return rk_ctl_reply_end(ctl);
}
