/*
 * `ractl tick`: runs the ledger's timers now (branch/ledger.h:
 * rk_branch_tick): suspensions that reached six months are resumed; holds
 * that outlived their certificate become revocation orders awaiting
 * review; the branch sub-CA takes up the statuses. It runs as the system
 * actor whoever is logged in, and needs no login. The kiosk and rasync run
 * the same service on their own; this is for headless counters and
 * support.
 */
#include "ctl.h"

#include "branch/ledger.h"
#include "util/err.h"

int rk_ctl_cmd_tick(rk_ctl *ctl, int argc, char **argv)
{
    rk_branch_tick_result r;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl tick\n\nRuns the ledger's timers (automatic resumption of\n"
               "suspensions after six months) and brings the branch sub-CA's register in\n"
               "line with the ledger's certificate statuses, as the system (audited as\n"
               "tick.run by system when it changed anything).\n");
        return 0;
    }
    const rk_ctl_args args = {.cmd = "ractl tick"};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if ((rc = rk_branch_tick(ctl->branch, &r)) != 0) return rk_ctl_fail(ctl, rc);
    if (r.ca_pending)
        fprintf(stderr,
                "ractl: warning: the sub-CA has not taken up the change yet (%s); the next "
                "`ractl tick` or `ractl ca crl` retries\n",
                r.ca_message);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kint(j, "resumed", r.resumed);
    rk_json_kint(j, "revocation_orders", r.revocations);
    rk_json_kint(j, "ca_changes", r.ca_changes);
    if (r.crl_number) rk_json_kint(j, "crl_number", (int64_t)r.crl_number);
    if (r.ca_changes)
        rk_ctl_info(ctl, "the sub-CA's register took up %d change%s from the ledger", r.ca_changes,
                    r.ca_changes == 1 ? "" : "s");
    if (r.crl_number)
        rk_ctl_info(ctl, "CRL number %llu published", (unsigned long long)r.crl_number);
    rk_ctl_info(ctl, "%d suspension%s resumed, %d revocation order%s started", r.resumed,
                r.resumed == 1 ? "" : "s", r.revocations, r.revocations == 1 ? "" : "s");
    return rk_ctl_reply_end(ctl);
}
