/*
 * `ractl query status SUBJECT|SERIAL`: the certificate status query of the
 * counter (证书状态查询), by subject name or certificate serial.
 */
#include "ctl.h"

#include "domain/certstatus.h"
#include "util/err.h"

#include <string.h>

static int cmd_status(rk_ctl *ctl, int argc, char **argv)
{
    rk_status_hit hits[32];
    rk_ledger *l = NULL;
    char nb[32], na[32];
    int n, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl query status SUBJECT|SERIAL\n\n"
               "Answers what a subscriber or relying party asks: for each certificate\n"
               "of that subject (or with that serial): in_use, cancelled (expired or not\n"
               "yet valid), revoked or suspended; and new_application for an approved\n"
               "order in production. Exit 6 when nothing is known.\n");
        return 0;
    }
    if (argc != 2)
        return rk_ctl_usage(ctl, "ractl query status", "give a subject name or a serial");
    if ((rc = rk_ctl_ledger(ctl, &l)) || (rc = rk_certstatus_query(l, argv[1], hits, 32, &n)))
        return rk_ctl_fail(ctl, rc);
    if (n == 0)
        return rk_ctl_fail(ctl, rk_err_set(RK_ENOTFOUND, "nothing known about '%s'", argv[1]));
    rk_buf b;
    rk_json j;
    rk_buf_init(&b, 1 << 20);
    rk_json_init(&j, &b);
    rk_json_arr_begin(&j);
    for (int i = 0; i < n; i++) {
        rk_status_hit *h = &hits[i];
        rk_ctl_time(nb, sizeof nb, h->not_before);
        rk_ctl_time(na, sizeof na, h->not_after);
        if (ctl->json) {
            rk_json_obj_begin(&j);
            rk_json_kstr(&j, "status", h->status);
            rk_json_kstr(&j, "status_zh", h->status_zh);
            rk_json_kstr(&j, "serial", h->serial);
            rk_json_kstr(&j, "subject", h->subject_name);
            rk_json_kstr(&j, "cert_kind", h->cert_kind);
            rk_json_kint(&j, "not_before", h->not_before);
            rk_json_kint(&j, "not_after", h->not_after);
            rk_json_kstr(&j, "order", h->order_ref);
            rk_json_obj_end(&j);
        } else if (h->serial[0]) {
            printf("%-16s %s  serial %s  %s  valid %s .. %s  order %s\n", h->status, h->status_zh,
                   h->serial, h->subject_name, nb, na, h->order_ref[0] ? h->order_ref : "-");
        } else {
            printf("%-16s %s  %s  order %s\n", h->status, h->status_zh, h->subject_name,
                   h->order_ref);
        }
    }
    rk_json_arr_end(&j);
    if (ctl->json) return rk_ctl_print_json(ctl, &j, &b) ? rk_ctl_fail(ctl, RK_ENOMEM) : 0;
    rk_buf_free(&b);
    return 0;
}

static const rk_ctl_cmd query_commands[] = {
    {"status", cmd_status, "certificate status by subject name or serial"},
};

int rk_ctl_cmd_query(rk_ctl *ctl, int argc, char **argv)
{
    return rk_ctl_dispatch(ctl, argc, argv, "ractl query", "Queries a subscriber may ask.",
                           query_commands, 1);
}
