/*
 * `ractl query status SUBJECT|ID-NUMBER|SERIAL`: the certificate status
 * query of the counter (证书状态查询), by subject name, the subscriber's ID
 * number or certificate serial, through the branch's status service
 * (branch/ledger.h). It shows subscribers' names, so it needs a clerk's
 * login.
 */
#include "ctl.h"

#include "branch/ledger.h"
#include "util/err.h"
#include "util/utf8.h"

#include <string.h>

static int cmd_status(rk_ctl *ctl, int argc, char **argv)
{
    rk_status_hit hits[32];
    rk_branch_status_req req = {0};
    rk_ledger *l = NULL;
    rk_actor actor;
    char nb[32], na[32];
    int n = 0, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl query status SUBJECT|ID-NUMBER|SERIAL\n\n"
               "Answers what a subscriber or relying party asks: for each certificate\n"
               "of that subject (or with that serial, or of the subscriber with that ID\n"
               "number): in_use, cancelled (expired or not yet valid), revoked or\n"
               "suspended; and new_application for an approved order in production.\n"
               "Needs a clerk's login (it shows subscribers' names). Exit 6 when nothing\n"
               "is known.\n");
        return 0;
    }
    const rk_ctl_args args = {
        .cmd = "ractl query status", .pos = &req.query, .max_pos = 1, .n_pos = &n};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (n != 1)
        return rk_ctl_usage(ctl, "ractl query status",
                            "give a subject name, an ID number or a serial");
    if ((rc = rk_ctl_ledger(ctl, &l)) || (rc = rk_ctl_actor(ctl, &actor)) ||
        (rc = rk_branch_status_query(ctl->branch, &actor, &req, hits, 32, &n)))
        return rk_ctl_fail(ctl, rc);
    if (n == 0)
        return rk_ctl_fail(ctl, rk_err_set(RK_ENOTFOUND, "nothing known about '%s'", req.query));
    rk_json *j = rk_ctl_reply_array(ctl);
    for (int i = 0; i < n; i++) {
        rk_status_hit *h = &hits[i];
        rk_ctl_time(nb, sizeof nb, h->not_before);
        rk_ctl_time(na, sizeof na, h->not_after);
        rk_json_obj_begin(j);
        rk_json_kstr(j, "status", h->status);
        rk_json_kstr(j, "status_zh", h->status_zh);
        rk_json_kstr(j, "serial", h->serial);
        rk_json_kstr(j, "subject", h->subject_name);
        rk_json_kstr(j, "cert_kind", h->cert_kind);
        rk_json_kint(j, "not_before", h->not_before);
        rk_json_kint(j, "not_after", h->not_after);
        rk_json_kstr(j, "order", h->order_ref);
        rk_json_obj_end(j);
        if (ctl->json) continue;
        /* The Chinese label and the name are lined up by display columns. */
        char zh[160], who[400], sx[RK_HEX_SERIAL_MAX];
        rk_utf8_pad(zh, sizeof zh, h->status_zh, 26);
        rk_utf8_pad(who, sizeof who, h->subject_name, 24);
        if (h->serial[0])
            printf("%-16s %s  %s  serial %-34s  valid %s .. %s  order %s\n", h->status, zh, who,
                   rk_ctl_serial(sx, h->serial), nb, na, h->order_ref[0] ? h->order_ref : "-");
        else
            printf("%-16s %s  %s  order %s\n", h->status, zh, who, h->order_ref);
    }
    return rk_ctl_reply_end(ctl);
}

static const rk_ctl_cmd query_commands[] = {
    {"status", cmd_status, "certificate status by subject name, ID number or serial"},
};

int rk_ctl_cmd_query(rk_ctl *ctl, int argc, char **argv)
{
    return rk_ctl_dispatch(ctl, argc, argv, "ractl query", "Queries a subscriber may ask.",
                           query_commands, 1);
}
