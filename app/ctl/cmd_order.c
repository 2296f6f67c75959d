/*
 * `ractl order ...`: the order ledger from the shell. Every subcommand
 * parses its options with the option table, calls one branch service
 * (branch/ledger.h) as the clerk logged in with `ractl clerk login`, and
 * prints its result through the writer; the core enforces states, roles
 * and separation of duties and says why it refuses.
 */
#include "ctl.h"

#include "branch/ledger.h"
#include "util/err.h"
#include "util/wipe.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ARGS  64
#define MAX_PAPER 16

/* The acting clerk (after the ledger opens, so a bad configuration says
 * so first); an exit code or 0. */
static int clerk(rk_ctl *ctl, rk_actor *actor)
{
    rk_ledger *l;
    int rc;
    if ((rc = rk_ctl_ledger(ctl, &l)) != 0 || (rc = rk_ctl_actor(ctl, actor)) != 0)
        return rk_ctl_fail(ctl, rc);
    return 0;
}

/* Prints the outcome of a change: "order REF WHAT", and with --json its
 * reference, state and total (and the authorisation code when given). */
static int done(rk_ctl *ctl, int rc, rk_branch_order_result *r, const char *what)
{
    if (rc) {
        rk_branch_order_result_wipe(r);
        return rk_ctl_fail(ctl, rc);
    }
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "ref", r->ref);
    rk_json_kstr(j, "state", r->state);
    rk_json_kint(j, "fee_total", r->fee_total);
    if (r->refund_fen) rk_json_kint(j, "refund_fen", r->refund_fen);
    rk_ctl_info(ctl, "order %s %s", r->ref, what);
    if (r->ca_pending)
        fprintf(stderr,
                "ractl: warning: the sub-CA has not taken up the change yet (%s); the next "
                "`ractl tick` or `ractl ca crl` retries\n",
                r->ca_message);
    if (r->ca_changes)
        rk_ctl_info(ctl, "the sub-CA's register took up %d change%s from the ledger", r->ca_changes,
                    r->ca_changes == 1 ? "" : "s");
    if (r->crl_number)
        rk_ctl_info(ctl, "CRL number %llu published", (unsigned long long)r->crl_number);
    rk_branch_order_result_wipe(r);
    return rk_ctl_reply_end(ctl);
}

/* The same with the authorisation code, shown once: text (not with -q)
 * or JSON "authcode". */
static int done_code(rk_ctl *ctl, int rc, rk_branch_order_result *r, const char *what)
{
    if (rc) return done(ctl, rc, r, what);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "ref", r->ref);
    rk_json_kstr(j, "state", r->state);
    rk_json_kint(j, "fee_total", r->fee_total);
    rk_json_kstr(j, "authcode", r->authcode[0] ? r->authcode : NULL);
    rk_ctl_info(ctl, "order %s %s", r->ref, what);
    if (r->authcode[0] && !ctl->quiet && !ctl->json)
        printf("authorisation code %s (shown once: with the reference it produces the "
               "order's certificate; `ractl order authcode %s` replaces a lost one)\n",
               r->authcode, r->ref);
    int code = rk_ctl_reply_end(ctl);
    rk_branch_order_result_wipe(r);
    return code;
}

/* Parses argv with opts and up to max_pos positionals; an exit code or 0. */
static int parse(rk_ctl *ctl, const char *cmd, const rk_ctl_opt *opts, int n_opts, const char **pos,
                 int max_pos, int *n_pos, int argc, char **argv)
{
    const rk_ctl_args a = {
        .cmd = cmd, .opts = opts, .n_opts = n_opts, .pos = pos, .max_pos = max_pos, .n_pos = n_pos};
    return rk_ctl_opts_parse(ctl, &a, argc, argv);
}

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int cmd_new(rk_ctl *ctl, int argc, char **argv)
{
    const char *names[MAX_ARGS], *values[MAX_ARGS], *paper[MAX_PAPER];
    rk_branch_capture_req req = {.names = names, .values = values, .paper_docs = paper};
    rk_branch_order_result res;
    rk_actor actor;
    char kinds[128], businesses[256];
    int code;

    if (rk_ctl_wants_help(argc, argv)) {
        rk_ctl_opt_values(businesses, sizeof businesses, rk_branch_order_businesses);
        rk_ctl_opt_values(kinds, sizeof kinds, rk_branch_order_cert_kinds);
        printf("usage: ractl order new --business TYPE --kind KIND [--cert-kind K]\n"
               "         [--field NAME=VALUE]... [--paper DOCUMENT]... [--authority]\n"
               "         [--accept-warning REASON] [--submit]\n\n"
               "Creates an order (a draft, or submitted at once with --submit).\n"
               "  TYPE  %s\n"
               "  KIND  individual, organisation or server\n"
               "  K     %s (default from KIND)\n"
               "  --paper DOCUMENT   the clerk saw the paper original of DOCUMENT\n"
               "  --authority        the project needs the competent authority's approval\n"
               "  --accept-warning   accept a validator's warning (e.g. a pilot-region credit\n"
               "                     code) with the reason recorded in the audit log\n"
               "Fields and documents of each form are in conf/forms.ini; `ractl order\n"
               "show REF` lists an order's, with what is still missing. A reference is\n"
               "printed only for an order that was created.\n",
               businesses, kinds);
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--business",
         .kind = RK_OPT_ENUM,
         .dest = &req.business,
         .values = rk_branch_order_businesses},
        {.name = "--kind",
         .kind = RK_OPT_ENUM,
         .dest = &req.subscriber,
         .values = rk_branch_order_subscribers},
        {.name = "--cert-kind",
         .kind = RK_OPT_ENUM,
         .dest = &req.cert_kind,
         .values = rk_branch_order_cert_kinds},
        {.name = "--accept-warning",
         .kind = RK_OPT_STR,
         .dest = &req.warning_reason,
         .arg = "REASON"},
        {.name = "--authority", .kind = RK_OPT_FLAG, .dest = &req.needs_authority},
        {.name = "--submit", .kind = RK_OPT_FLAG, .dest = &req.submit},
        {.name = "--paper",
         .kind = RK_OPT_LIST,
         .dest = paper,
         .count = &req.n_paper,
         .max_count = MAX_PAPER,
         .arg = "DOCUMENT"},
        {.name = "--field",
         .kind = RK_OPT_PAIR,
         .dest = names,
         .values_out = values,
         .count = &req.n,
         .max_count = MAX_ARGS},
    };
    if ((code = parse(ctl, "ractl order new", opts, N(opts), NULL, 0, NULL, argc, argv)) != 0)
        return code;
    if (!req.business || !req.subscriber)
        return rk_ctl_usage(ctl, "ractl order new", "--business and --kind are required");
    if ((code = clerk(ctl, &actor)) != 0) return code;
    int rc = rk_branch_order_capture(ctl->branch, &actor, &req, &res);
    if (rc) return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "ref", res.ref);
    rk_json_kstr(j, "uuid", res.uuid);
    rk_json_kstr(j, "state", res.state);
    if (!ctl->json && ctl->quiet)
        printf("%s\n", res.ref);
    else if (!ctl->json)
        printf("order %s created (%s)\n", res.ref, rk_state_label(res.state, 0));
    return rk_ctl_reply_end(ctl);
}

static int cmd_set(rk_ctl *ctl, int argc, char **argv)
{
    const char *pos[1 + MAX_ARGS], *names[MAX_ARGS], *values[MAX_ARGS];
    rk_branch_fields_req req = {.names = names, .values = values};
    rk_branch_order_result res;
    rk_actor actor;
    int n = 0, code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order set REF NAME=VALUE... [--accept-warning REASON]\n\n"
               "Sets fields of a draft or rejected order, all or none; an empty VALUE\n"
               "clears a field.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--accept-warning",
         .kind = RK_OPT_STR,
         .dest = &req.warning_reason,
         .arg = "REASON"},
    };
    if ((code = parse(ctl, "ractl order set", opts, N(opts), pos, N(pos), &n, argc, argv)) != 0)
        return code;
    if (n < 2) return rk_ctl_usage(ctl, "ractl order set", "give REF and at least one NAME=VALUE");
    req.ref = pos[0];
    for (int i = 1; i < n; i++) {
        char *eq = strchr(pos[i], '=');
        if (!eq || eq == pos[i])
            return rk_ctl_usage(ctl, "ractl order set", "expected NAME=VALUE, got '%s'", pos[i]);
        *eq = '\0'; /* argv is the program's to edit */
        names[req.n] = pos[i];
        values[req.n++] = eq + 1;
    }
    if ((code = clerk(ctl, &actor)) != 0) return code;
    return done(ctl, rk_branch_order_set_fields(ctl->branch, &actor, &req, &res), &res, "updated");
}

static int cmd_attach(rk_ctl *ctl, int argc, char **argv)
{
    const char *pos[3];
    rk_branch_order_result res;
    rk_actor actor;
    int n = 0, code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order attach REF DOCUMENT FILE\n\n"
               "Attaches a scanned document (JPEG, PNG, GIF or BMP, recognised by content,\n"
               "at most [documents] max_image_bytes). The image is decoded to refuse\n"
               "corrupt or disguised files, sealed, and stored by its SHA-256.\n");
        return 0;
    }
    if ((code = parse(ctl, "ractl order attach", NULL, 0, pos, 3, &n, argc, argv)) != 0)
        return code;
    if (n != 3) return rk_ctl_usage(ctl, "ractl order attach", "give REF, DOCUMENT and FILE");
    if ((code = clerk(ctl, &actor)) != 0) return code;
    const rk_branch_attach_req req = {.ref = pos[0], .doc_type = pos[1], .path = pos[2]};
    return done(ctl, rk_branch_order_attach(ctl->branch, &actor, &req, &res), &res,
                "has the document");
}

static int cmd_paper(rk_ctl *ctl, int argc, char **argv)
{
    const char *pos[2], *note = NULL;
    rk_branch_order_result res;
    rk_actor actor;
    int n = 0, code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order paper REF DOCUMENT [--note TEXT]\n\n"
               "Records that the clerk saw the paper original of DOCUMENT.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--note", .kind = RK_OPT_STR, .dest = &note, .arg = "TEXT"}};
    if ((code = parse(ctl, "ractl order paper", opts, N(opts), pos, 2, &n, argc, argv)) != 0)
        return code;
    if (n != 2) return rk_ctl_usage(ctl, "ractl order paper", "give REF and DOCUMENT");
    if ((code = clerk(ctl, &actor)) != 0) return code;
    return done(ctl, rk_branch_order_paper(ctl->branch, &actor, pos[0], pos[1], note, &res), &res,
                "has the paper document recorded");
}

/* REF alone; an exit code or 0. */
static int ref_only(rk_ctl *ctl, const char *cmd, const char **ref, int argc, char **argv)
{
    int n = 0, code = parse(ctl, cmd, NULL, 0, ref, 1, &n, argc, argv);
    if (code) return code;
    return n == 1 ? 0 : rk_ctl_usage(ctl, cmd, "give REF");
}

static int cmd_submit(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL;
    rk_branch_order_result res;
    rk_actor actor;
    int code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order submit REF\n\nSubmits a complete order for review: "
               "every required field and\ndocument must be there. Prices it and sets its "
               "deadline in working days.\n");
        return 0;
    }
    if ((code = ref_only(ctl, "ractl order submit", &ref, argc, argv)) ||
        (code = clerk(ctl, &actor)))
        return code;
    return done(ctl, rk_branch_order_submit(ctl->branch, &actor, ref, &res), &res,
                "submitted for review");
}

static int cmd_approve(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *authority = NULL;
    rk_branch_order_result res;
    rk_actor actor;
    int n = 0, code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order approve REF [--authority-ref REF]\n\nApproves an order "
               "(review role; not the clerk who entered it). Where the\nproject needs the "
               "competent authority, the first approval sends it there and\na second one "
               "with --authority-ref records the authority's approval.\n\n"
               "An order that produces or revokes a certificate gets its authorisation\n"
               "code, printed once (not with -q; --json gives \"authcode\"): with the\n"
               "reference it produces the order's certificate (a CMP request's reference\n"
               "and secret), once. It is stored sealed and never logged.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--authority-ref", .kind = RK_OPT_STR, .dest = &authority, .arg = "REF"},
    };
    if ((code = parse(ctl, "ractl order approve", opts, N(opts), &ref, 1, &n, argc, argv)) != 0)
        return code;
    if (n != 1) return rk_ctl_usage(ctl, "ractl order approve", "give REF");
    if ((code = clerk(ctl, &actor)) != 0) return code;
    return done_code(ctl, rk_branch_order_approve(ctl->branch, &actor, ref, authority, &res), &res,
                     "reviewed");
}

static int cmd_authcode(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL;
    rk_branch_order_result res;
    rk_actor actor;
    int code;
    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order authcode REF\n\nMakes a new authorisation code for an "
               "approved order whose code is unused\n(lost, or approved with -q) and prints "
               "it once; the old one stops working.\nReview role; audited.\n");
        return 0;
    }
    if ((code = ref_only(ctl, "ractl order authcode", &ref, argc, argv)) ||
        (code = clerk(ctl, &actor)))
        return code;
    return done_code(ctl, rk_branch_order_authcode(ctl->branch, &actor, ref, &res), &res,
                     "has a new authorisation code");
}

static int cmd_reject(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *reason = NULL;
    rk_branch_order_result res;
    rk_actor actor;
    int n = 0, code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order reject REF --reason TEXT\n\nRejects an order with the "
               "reason shown to the subscriber (review role).\nEvery rejection and its reason "
               "stays in the order's history (`order show`).\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--reason", .kind = RK_OPT_STR, .dest = &reason, .arg = "TEXT"}};
    if ((code = parse(ctl, "ractl order reject", opts, N(opts), &ref, 1, &n, argc, argv)) != 0)
        return code;
    if (n != 1 || !reason) return rk_ctl_usage(ctl, "ractl order reject", "give REF and --reason");
    if ((code = clerk(ctl, &actor)) != 0) return code;
    return done(ctl, rk_branch_order_reject(ctl->branch, &actor, ref, reason, &res), &res,
                "rejected");
}

static int cmd_cancel(rk_ctl *ctl, int argc, char **argv)
{
    rk_branch_cancel_req req = {0};
    rk_branch_order_result res;
    rk_actor actor;
    int n = 0, code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order cancel REF --reason TEXT [--refund METHOD]\n\n"
               "Cancels an open order (entry role). A paid order is cancelled by a\n"
               "supervisor, who hands the whole amount paid back and records how with\n"
               "--refund (cash, wechat, alipay, card, transfer): the refund is recorded\n"
               "with the cancellation (amount, method, supervisor; audited, sent to HQ,\n"
               "counted in `ractl report weekly`), and without it the cancel is refused.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--reason", .kind = RK_OPT_STR, .dest = &req.reason, .arg = "TEXT"},
        {.name = "--refund",
         .kind = RK_OPT_ENUM,
         .dest = &req.refund_method,
         .values = rk_branch_pay_methods},
    };
    if ((code = parse(ctl, "ractl order cancel", opts, N(opts), &req.ref, 1, &n, argc, argv)) != 0)
        return code;
    if (n != 1 || !req.reason)
        return rk_ctl_usage(ctl, "ractl order cancel", "give REF and --reason");
    if ((code = clerk(ctl, &actor)) != 0) return code;
    return done(ctl, rk_branch_order_cancel(ctl->branch, &actor, &req, &res), &res,
                req.refund_method ? "cancelled and its payment refunded" : "cancelled");
}

static int cmd_pay(rk_ctl *ctl, int argc, char **argv)
{
    rk_branch_payment_req req = {0};
    rk_branch_order_result res;
    rk_actor actor;
    int n = 0, have_amount = 0, code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order pay REF --method METHOD --amount YUAN\n\n"
               "Records payment of an approved order; the amount must equal its total.\n"
               "METHOD: cash, wechat, alipay, card, transfer.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--method",
         .kind = RK_OPT_ENUM,
         .dest = &req.method,
         .values = rk_branch_pay_methods},
        {.name = "--amount", .kind = RK_OPT_YUAN, .dest = &req.fen, .seen = &have_amount},
    };
    if ((code = parse(ctl, "ractl order pay", opts, N(opts), &req.ref, 1, &n, argc, argv)) != 0)
        return code;
    if (n != 1 || !req.method || !have_amount)
        return rk_ctl_usage(ctl, "ractl order pay", "give REF, --method and --amount");
    if ((code = clerk(ctl, &actor)) != 0) return code;
    return done(ctl, rk_branch_order_pay(ctl->branch, &actor, &req, &res), &res, "paid");
}

static int cmd_issue(rk_ctl *ctl, int argc, char **argv)
{
    rk_branch_issue_req req = {0};
    rk_branch_order_result res;
    rk_actor actor;
    int n = 0, code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order issue REF [--cert FILE] [--key-serial SERIAL]\n\n"
               "Completes an approved and paid (or fee-free) order (issue role).\n"
               "Business types that produce a certificate record it from FILE (PEM or\n"
               "DER); `ractl key enrol` does this itself when it writes a key. Suspend\n"
               "and resume change the target certificate's status. A revocation, a lost\n"
               "reissue, a change and a damaged replacement revoke the whole old pair\n"
               "(signing and encryption, and older generations on the same key):\n"
               "keyCompromise for a lost key, superseded for a change or a broken key,\n"
               "a revocation's revoke_cause (closure: cessationOfOperation). The branch\n"
               "sub-CA takes the change up and signs a new CRL at once.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--cert", .kind = RK_OPT_STR, .dest = &req.cert_path, .arg = "FILE"},
        {.name = "--key-serial", .kind = RK_OPT_STR, .dest = &req.key_serial, .arg = "SERIAL"},
    };
    if ((code = parse(ctl, "ractl order issue", opts, N(opts), &req.ref, 1, &n, argc, argv)) != 0)
        return code;
    if (n != 1) return rk_ctl_usage(ctl, "ractl order issue", "give REF");
    if ((code = clerk(ctl, &actor)) != 0) return code;
    return done(ctl, rk_branch_order_issue(ctl->branch, &actor, &req, &res), &res, "issued");
}

static int cmd_deliver(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *method = NULL, *tracking = NULL;
    rk_branch_order_result res;
    rk_actor actor;
    int n = 0, code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order deliver REF --method pickup|mail [--tracking NUMBER]\n\n"
               "Hands the order over at the counter or records its shipment, and writes\n"
               "the task-completion record (issue role).\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--method",
         .kind = RK_OPT_ENUM,
         .dest = &method,
         .values = rk_branch_delivery_methods},
        {.name = "--tracking", .kind = RK_OPT_STR, .dest = &tracking, .arg = "NUMBER"},
    };
    if ((code = parse(ctl, "ractl order deliver", opts, N(opts), &ref, 1, &n, argc, argv)) != 0)
        return code;
    if (n != 1 || !method) return rk_ctl_usage(ctl, "ractl order deliver", "give REF and --method");
    if ((code = clerk(ctl, &actor)) != 0) return code;
    return done(ctl, rk_branch_order_deliver(ctl->branch, &actor, ref, method, tracking, &res),
                &res, "delivered");
}

static int cmd_redispatch(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *delivery = NULL, *address = NULL;
    rk_branch_order_result res;
    rk_actor actor;
    int n = 0, code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order redispatch REF --delivery pickup|mail [--address TEXT]\n\n"
               "Re-dispatch (改派): changes how an undelivered order reaches the subscriber.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--delivery",
         .kind = RK_OPT_ENUM,
         .dest = &delivery,
         .values = rk_branch_delivery_methods},
        {.name = "--address", .kind = RK_OPT_STR, .dest = &address, .arg = "TEXT"},
    };
    if ((code = parse(ctl, "ractl order redispatch", opts, N(opts), &ref, 1, &n, argc, argv)) != 0)
        return code;
    if (n != 1 || !delivery)
        return rk_ctl_usage(ctl, "ractl order redispatch", "give REF and --delivery");
    if ((code = clerk(ctl, &actor)) != 0) return code;
    return done(ctl, rk_branch_order_redispatch(ctl->branch, &actor, ref, delivery, address, &res),
                &res, "re-dispatched");
}

static void money(char *out, size_t n, int64_t fen)
{
    snprintf(out, n, "%lld.%02lld", (long long)(fen / 100), (long long)(fen % 100));
}

/* The view as JSON members of the reply j. */
static void show_json(rk_json *j, const rk_branch_order_view *v)
{
    const rk_order *o = &v->order;
    rk_json_kstr(j, "ref", o->ref);
    rk_json_kstr(j, "uuid", o->uuid);
    rk_json_kstr(j, "business", o->business);
    rk_json_kstr(j, "subscriber", o->subscriber);
    rk_json_kstr(j, "cert_kind", o->cert_kind);
    rk_json_kstr(j, "state", o->state);
    rk_json_kstr(j, "subject", o->subject_name);
    rk_json_kint(j, "fee_total", o->fee_total);
    rk_json_kint(j, "paid_fen", o->paid_fen);
    rk_json_kint(j, "due_at", o->due_at);
    rk_json_kstr(j, "entered_by", o->entered_by);
    rk_json_kstr(j, "reviewed_by", o->reviewed_by);
    rk_json_kstr(j, "issued_by", o->issued_by);
    rk_json_kstr(j, "reject_reason", o->reject_reason);
    rk_json_key(j, "rejections");
    rk_json_arr_begin(j);
    for (int i = 0; i < v->n_rejections; i++) {
        rk_json_obj_begin(j);
        rk_json_kint(j, "at", v->rejections[i].at);
        rk_json_kstr(j, "reason", v->rejections[i].reason);
        rk_json_kstr(j, "by", v->rejections[i].by);
        rk_json_obj_end(j);
    }
    rk_json_arr_end(j);
    rk_json_kstr(j, "cancel_reason", o->cancel_reason[0] ? o->cancel_reason : NULL);
    if (o->refund_fen) {
        rk_json_key(j, "refund");
        rk_json_obj_begin(j);
        rk_json_kint(j, "fen", o->refund_fen);
        rk_json_kstr(j, "method", o->refund_method);
        rk_json_kstr(j, "by", o->refunded_by);
        rk_json_kint(j, "at", o->refunded_at);
        rk_json_obj_end(j);
    }
    rk_json_kstr(j, "missing", v->missing);
    rk_json_key(j, "fields");
    rk_json_obj_begin(j);
    for (int i = 0; i < v->n_fields; i++)
        if (v->fields[i].set) rk_json_kstr(j, v->fields[i].def->name, v->fields[i].shown);
    rk_json_obj_end(j);
    rk_json_key(j, "documents");
    rk_json_arr_begin(j);
    for (int i = 0; i < v->n_docs; i++) {
        const rk_order_doc *d = v->docs[i].doc;
        rk_json_obj_begin(j);
        rk_json_kstr(j, "type", v->docs[i].def->name);
        rk_json_kstr(j, "state", !d ? "missing" : d->seen_on_paper ? "paper" : "image");
        if (d && !d->seen_on_paper) rk_json_kstr(j, "sha256", d->sha256);
        rk_json_obj_end(j);
    }
    rk_json_arr_end(j);
    rk_json_kstr(j, "acts_on", o->cert_serial[0] ? o->cert_serial : NULL);
    rk_json_key(j, "certificates");
    rk_json_arr_begin(j);
    for (int i = 0; i < v->n_certs; i++) {
        const rk_certreg_cert *c = &v->certs[i];
        rk_json_obj_begin(j);
        rk_json_kstr(j, "serial", c->serial);
        rk_json_kstr(j, "usage", c->usage);
        rk_json_kstr(j, "status", c->status);
        rk_json_kstr(j, "key_serial", c->key_serial[0] ? c->key_serial : NULL);
        rk_json_kint(j, "not_before", c->not_before);
        rk_json_kint(j, "not_after", c->not_after);
        rk_json_obj_end(j);
    }
    rk_json_arr_end(j);
}

static void show_text(const rk_branch_order_view *v)
{
    const rk_order *o = &v->order;
    char t[32], m[32];
    printf("order %s  %s / %s / %s certificate\n", o->ref, rk_business_label(o->business, 0),
           o->subscriber, o->cert_kind);
    printf("  state       %s (%s)\n", o->state, rk_state_label(o->state, 1));
    printf("  subject     %s\n", o->subject_name);
    money(m, sizeof m, o->fee_total);
    printf("  fee         %s yuan", m);
    money(m, sizeof m, o->paid_fen);
    printf(", paid %s%s%s\n", m, o->pay_method[0] ? " by " : "", o->pay_method);
    rk_ctl_time(t, sizeof t, o->due_at);
    printf("  due         %s\n", t);
    printf("  clerks      entered %s, reviewed %s, issued %s, delivered %s\n",
           o->entered_by[0] ? o->entered_by : "-", o->reviewed_by[0] ? o->reviewed_by : "-",
           o->issued_by[0] ? o->issued_by : "-", o->delivered_by[0] ? o->delivered_by : "-");
    if (o->refund_fen) {
        money(m, sizeof m, o->refund_fen);
        rk_ctl_time(t, sizeof t, o->refunded_at);
        printf("  refunded    %s yuan by %s, %s, %s\n", m, o->refund_method, o->refunded_by, t);
    }
    if (o->reject_reason[0]) printf("  rejected    %s\n", o->reject_reason);
    for (int i = 0; i < v->n_rejections; i++) {
        rk_ctl_time(t, sizeof t, v->rejections[i].at);
        printf("  %-11s %s  %s (%s)\n", i ? "" : "rejections", t, v->rejections[i].reason,
               v->rejections[i].by[0] ? v->rejections[i].by : "-");
    }
    if (o->cancel_reason[0]) printf("  cancelled   %s\n", o->cancel_reason);
    printf("  fields:\n");
    for (int i = 0; i < v->n_fields; i++)
        printf("    %-18s %s%s  %s\n", v->fields[i].def->name, v->fields[i].required ? "*" : " ",
               v->fields[i].set ? v->fields[i].shown : "-", v->fields[i].def->label_zh);
    printf("  documents:\n");
    for (int i = 0; i < v->n_docs; i++) {
        const rk_order_doc *d = v->docs[i].doc;
        const char *name = v->docs[i].def->name;
        if (!d)
            printf("    %-18s missing  %s\n", name, v->docs[i].def->label_zh);
        else if (d->seen_on_paper)
            printf("    %-18s paper    %s\n", name, d->note);
        else
            printf("    %-18s %s %dx%d %lld bytes, sha256 %.16s\n", name, d->format, d->width,
                   d->height, (long long)d->bytes, d->sha256);
    }
    if (o->cert_serial[0]) printf("  acts on     certificate %s\n", o->cert_serial);
    if (v->n_certs || rk_business_produces_cert(o->business))
        printf("  certificates%s\n", v->n_certs ? ":" : " none produced yet");
    for (int i = 0; i < v->n_certs; i++) {
        const rk_certreg_cert *c = &v->certs[i];
        char nb[32], na[32];
        rk_ctl_time(nb, sizeof nb, c->not_before);
        rk_ctl_time(na, sizeof na, c->not_after);
        printf("    %-34s %-4s %-9s key %s, valid %s .. %s\n", c->serial, c->usage, c->status,
               c->key_serial[0] ? c->key_serial : "-", nb, na);
    }
    if (v->missing[0] && (!strcmp(o->state, "draft") || !strcmp(o->state, "rejected")))
        printf("  still missing: %s\n", v->missing);
}

static int cmd_show(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL;
    rk_branch_order_view *v;
    rk_actor actor;
    int reveal = 0, n = 0, code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order show REF [--reveal]\n\n"
               "Shows an order: state, fees, payment and refund, deadline, clerks, every\n"
               "rejection with its reason (JSON \"rejections\"), fields, documents, the\n"
               "certificate it acts on and the certificates it produced (serial, usage,\n"
               "status, key; JSON \"acts_on\" and \"certificates\").\n"
               "Needs a clerk's login. Personal data is masked; --reveal shows it in clear\n"
               "and is audited.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {{.name = "--reveal", .kind = RK_OPT_FLAG, .dest = &reveal}};
    if ((code = parse(ctl, "ractl order show", opts, N(opts), &ref, 1, &n, argc, argv)) != 0)
        return code;
    if (n != 1) return rk_ctl_usage(ctl, "ractl order show", "give REF");
    if ((code = clerk(ctl, &actor)) != 0) return code;
    int rc = rk_branch_order_show(ctl->branch, &actor, ref, reveal, &v);
    if (rc) return rk_ctl_fail(ctl, rc);
    show_json(rk_ctl_reply(ctl), v);
    if (!ctl->json) show_text(v);
    rk_branch_order_view_free(v);
    return rk_ctl_reply_end(ctl);
}

static int cmd_list(rk_ctl *ctl, int argc, char **argv)
{
    rk_branch_list_req req = {0};
    rk_order_row *rows;
    rk_actor actor;
    char states[256], businesses[256];
    int n, code;

    if (rk_ctl_wants_help(argc, argv)) {
        rk_ctl_opt_values(states, sizeof states, rk_branch_order_states);
        rk_ctl_opt_values(businesses, sizeof businesses, rk_branch_order_businesses);
        printf("usage: ractl order list [--state STATE] [--business TYPE] [--limit N]\n\n"
               "Lists orders (needs a clerk's login: it shows subscribers' names); with\n"
               "--state, oldest submission first (a clerk's queue). N: 1 to 100000\n"
               "(default 100).\n"
               "STATE: %s.\nTYPE: %s.\n",
               states, businesses);
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--state",
         .kind = RK_OPT_ENUM,
         .dest = &req.state,
         .values = rk_branch_order_states},
        {.name = "--business",
         .kind = RK_OPT_ENUM,
         .dest = &req.business,
         .values = rk_branch_order_businesses},
        {.name = "--limit", .kind = RK_OPT_INT, .dest = &req.limit, .min = 1, .max = 100000},
    };
    if ((code = parse(ctl, "ractl order list", opts, N(opts), NULL, 0, NULL, argc, argv)) ||
        (code = clerk(ctl, &actor)))
        return code;
    int rc = rk_branch_order_list(ctl->branch, &actor, &req, &rows, &n);
    if (rc) return rk_ctl_fail(ctl, rc);
    return rk_ctl_print_orders(ctl, rows, n);
}

static int cmd_find(rk_ctl *ctl, int argc, char **argv)
{
    const char *query = NULL;
    rk_order_row *rows;
    rk_actor actor;
    int n = 0, limit = 100, code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order find NAME|ID-NUMBER|SERIAL|REF [--limit N]\n\n"
               "Lists the orders of a subscriber, newest first: by the subject's exact\n"
               "name, the subscriber's ID number (found through the ledger's blind index),\n"
               "the serial of a certificate the order acts on or produced, or the order's\n"
               "reference. N: 1 to 1000 (default 100). Needs a clerk's login.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--limit", .kind = RK_OPT_INT, .dest = &limit, .min = 1, .max = 1000},
    };
    if ((code = parse(ctl, "ractl order find", opts, N(opts), &query, 1, &n, argc, argv)) != 0)
        return code;
    if (n != 1)
        return rk_ctl_usage(ctl, "ractl order find",
                            "give a name, an ID number, a serial or a reference");
    if ((code = clerk(ctl, &actor)) != 0) return code;
    int rc = rk_branch_order_find(ctl->branch, &actor, query, limit, &rows, &n);
    if (rc) return rk_ctl_fail(ctl, rc);
    return rk_ctl_print_orders(ctl, rows, n);
}

static const rk_ctl_cmd order_commands[] = {
    {"new", cmd_new, "create an order (draft, or submitted with --submit)"},
    {"set", cmd_set, "set fields of a draft"},
    {"attach", cmd_attach, "attach a scanned document image"},
    {"paper", cmd_paper, "record a paper document as seen"},
    {"submit", cmd_submit, "submit a complete order for review"},
    {"approve", cmd_approve, "approve (review role, not the entering clerk)"},
    {"authcode", cmd_authcode, "a new authorisation code for an approved order (review role)"},
    {"reject", cmd_reject, "reject with a reason for the subscriber"},
    {"pay", cmd_pay, "record payment"},
    {"issue", cmd_issue, "complete the business (issue role)"},
    {"deliver", cmd_deliver, "hand over or ship; writes the task-completion record"},
    {"redispatch", cmd_redispatch, "change pick-up method or mailing address"},
    {"cancel", cmd_cancel, "cancel an open order (a paid one with its refund)"},
    {"show", cmd_show, "show an order"},
    {"list", cmd_list, "list orders"},
    {"find", cmd_find, "a subscriber's orders by name, ID number, serial or reference"},
};

int rk_ctl_cmd_order(rk_ctl *ctl, int argc, char **argv)
{
    return rk_ctl_dispatch(ctl, argc, argv, "ractl order", "The order ledger.", order_commands,
                           N(order_commands));
}
