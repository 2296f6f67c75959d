/*
 * `ractl order ...`: the order ledger from the shell. Every subcommand
 * acts as the clerk logged in with `ractl clerk login`; the core enforces
 * states, roles and separation of duties and says why it refuses.
 */
#include "ctl.h"

#include "domain/authcode.h"
#include "domain/certreg.h"

#include "audit/audit.h"
#include "ca/certinfo.h"
#include "domain/order.h"
#include "util/err.h"
#include "util/wipe.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* Opens ledger and actor; returns an exit code or 0. */
static int setup(rk_ctl *ctl, rk_ledger **l, rk_actor *actor)
{
    int rc;
    if ((rc = rk_ctl_ledger(ctl, l)) != 0 || (rc = rk_ctl_actor(ctl, actor)) != 0)
        return rk_ctl_fail(ctl, rc);
    return 0;
}

static int done(rk_ctl *ctl, int rc, const char *ref, const char *what)
{
    rk_ledger *l = NULL;
    rk_order o;

    if (rc) return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply(ctl);
    if (ctl->json && rk_ctl_ledger(ctl, &l) == 0 && rk_order_get(l, ref, &o) == 0) {
        rk_json_kstr(j, "ref", o.ref);
        rk_json_kstr(j, "state", o.state);
        rk_json_kint(j, "fee_total", o.fee_total);
        rk_wipe(&o, sizeof o);
    }
    rk_ctl_info(ctl, "order %s %s", ref, what);
    return rk_ctl_reply_end(ctl);
}

/* Splits "name=value"; returns 0 or RK_EXIT_USAGE. */
static int split_pair(rk_ctl *ctl, const char *cmd, char *arg, char **name, char **value)
{
    char *eq = strchr(arg, '=');
    if (!eq || eq == arg) return rk_ctl_usage(ctl, cmd, "expected NAME=VALUE, got '%s'", arg);
    *eq = '\0';
    *name = arg;
    *value = eq + 1;
    return 0;
}

#define MAX_ARGS 64

static int cmd_new(rk_ctl *ctl, int argc, char **argv)
{
    const char *names[MAX_ARGS], *values[MAX_ARGS], *paper[16];
    rk_order_spec spec;
    rk_ledger *l = NULL;
    rk_actor actor;
    rk_order o;
    int code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order new --business TYPE --kind KIND [--cert-kind K]\n"
               "         [--field NAME=VALUE]... [--paper DOCUMENT]... [--authority]\n"
               "         [--accept-warning REASON] [--submit]\n\n"
               "Creates an order (a draft, or submitted at once with --submit).\n"
               "  TYPE  new renew change reissue replace unlock revoke suspend resume recovery\n"
               "  KIND  individual organisation server\n"
               "  K     individual organisation orgperson server (default from KIND)\n"
               "  --paper DOCUMENT   the clerk saw the paper original of DOCUMENT\n"
               "  --authority        the project needs the competent authority's approval\n"
               "  --accept-warning   accept a validator's warning (e.g. a pilot-region credit\n"
               "                     code) with the reason recorded in the audit log\n"
               "Fields and documents of each form are in conf/forms.ini; `ractl order\n"
               "show REF` lists an order's, with what is still missing.\n");
        return 0;
    }
    memset(&spec, 0, sizeof spec);
    spec.names = names;
    spec.values = values;
    spec.paper_docs = paper;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--business") && has)
            spec.business = argv[++i];
        else if (!strcmp(a, "--kind") && has)
            spec.subscriber = argv[++i];
        else if (!strcmp(a, "--cert-kind") && has)
            spec.cert_kind = argv[++i];
        else if (!strcmp(a, "--accept-warning") && has)
            spec.warning_reason = argv[++i];
        else if (!strcmp(a, "--authority"))
            spec.needs_authority = 1;
        else if (!strcmp(a, "--submit"))
            spec.submit = 1;
        else if (!strcmp(a, "--paper") && has && spec.n_paper < 16)
            paper[spec.n_paper++] = argv[++i];
        else if (!strcmp(a, "--field") && has && spec.n < MAX_ARGS) {
            char *name = NULL, *value = NULL;
            if ((code = split_pair(ctl, "ractl order new", argv[++i], &name, &value)) != 0)
                return code;
            names[spec.n] = name;
            values[spec.n++] = value;
        } else
            return rk_ctl_usage(ctl, "ractl order new", "unexpected argument '%s'", a);
    }
    if (!spec.business || !spec.subscriber)
        return rk_ctl_usage(ctl, "ractl order new", "--business and --kind are required");
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    int rc = rk_order_new(l, &actor, &spec, &o);
    if (rc) return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "ref", o.ref);
    rk_json_kstr(j, "uuid", o.uuid);
    rk_json_kstr(j, "state", o.state);
    if (!ctl->json && ctl->quiet)
        printf("%s\n", o.ref);
    else if (!ctl->json)
        printf("order %s created (%s)\n", o.ref, rk_state_label(o.state, 0));
    rk_wipe(&o, sizeof o);
    return rk_ctl_reply_end(ctl);
}

static int cmd_set(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *reason = NULL;
    char *pairs[MAX_ARGS];
    int n = 0, code;
    rk_ledger *l = NULL;
    rk_actor actor;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order set REF NAME=VALUE... [--accept-warning REASON]\n\n"
               "Sets fields of a draft or rejected order; an empty VALUE clears a field.\n");
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--accept-warning") && i + 1 < argc)
            reason = argv[++i];
        else if (!ref)
            ref = argv[i];
        else if (n < MAX_ARGS)
            pairs[n++] = argv[i];
    }
    if (!ref || !n)
        return rk_ctl_usage(ctl, "ractl order set", "give REF and at least one NAME=VALUE");
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    for (int i = 0; i < n; i++) {
        char *name = NULL, *value = NULL;
        if ((code = split_pair(ctl, "ractl order set", pairs[i], &name, &value)) != 0) return code;
        int rc = rk_order_set(l, &actor, ref, name, value, reason);
        if (rc) return rk_ctl_fail(ctl, rc);
    }
    return done(ctl, 0, ref, "updated");
}

static int cmd_attach(rk_ctl *ctl, int argc, char **argv)
{
    rk_ledger *l = NULL;
    rk_actor actor;
    unsigned char *data;
    size_t len;
    int code, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order attach REF DOCUMENT FILE\n\n"
               "Attaches a scanned document (JPEG, PNG, GIF or BMP, recognised by content,\n"
               "at most [documents] max_image_bytes). The image is decoded to refuse\n"
               "corrupt or disguised files, sealed, and stored by its SHA-256.\n");
        return 0;
    }
    if (argc != 4) return rk_ctl_usage(ctl, "ractl order attach", "give REF, DOCUMENT and FILE");
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    if ((rc = rk_ctl_read_file(&data, &len, argv[3], (size_t)l->conf->max_image_bytes)) != 0)
        return rk_ctl_fail(ctl, rk_err_wrap(rc, "document %s", argv[2]));
    rc = rk_order_attach(l, &actor, argv[1], argv[2], data, len);
    free(data);
    return done(ctl, rc, argv[1], "has the document");
}

static int cmd_paper(rk_ctl *ctl, int argc, char **argv)
{
    const char *note = NULL;
    rk_ledger *l = NULL;
    rk_actor actor;
    int code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order paper REF DOCUMENT [--note TEXT]\n\n"
               "Records that the clerk saw the paper original of DOCUMENT.\n");
        return 0;
    }
    if (argc == 5 && !strcmp(argv[3], "--note"))
        note = argv[4];
    else if (argc != 3)
        return rk_ctl_usage(ctl, "ractl order paper", "give REF and DOCUMENT");
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    return done(ctl, rk_order_paper(l, &actor, argv[1], argv[2], note), argv[1],
                "has the paper document recorded");
}

/* The transitions that take REF and at most one option. */
static int simple(rk_ctl *ctl, int argc, char **argv, const char *usage, const char *opt,
                  int opt_required,
                  int (*fn)(rk_ledger *, const rk_actor *, const char *, const char *),
                  const char *what)
{
    const char *ref = NULL, *value = NULL;
    rk_ledger *l = NULL;
    rk_actor actor;
    int code;

    if (rk_ctl_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (opt && !strcmp(argv[i], opt) && i + 1 < argc)
            value = argv[++i];
        else if (!ref && argv[i][0] != '-')
            ref = argv[i];
        else
            return rk_ctl_usage(ctl, "ractl order", "unexpected argument '%s'", argv[i]);
    }
    if (!ref || (opt_required && !value))
        return rk_ctl_usage(ctl, "ractl order", "give REF%s%s", opt_required ? " and " : "",
                            opt_required ? opt : "");
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    return done(ctl, fn(l, &actor, ref, value), ref, what);
}

static int do_submit(rk_ledger *l, const rk_actor *a, const char *ref, const char *v)
{
    (void)v;
    return rk_order_submit(l, a, ref);
}

static int cmd_submit(rk_ctl *ctl, int argc, char **argv)
{
    return simple(ctl, argc, argv,
                  "usage: ractl order submit REF\n\nSubmits a complete order for review: "
                  "every required field and\ndocument must be there. Prices it and sets its "
                  "deadline in working days.\n",
                  NULL, 0, do_submit, "submitted for review");
}

/* The authorisation code, once: text (not with -q) or JSON ("authcode",
 * beside what done() gives). */
static int show_code(rk_ctl *ctl, int rc, const char *ref, char *code, const char *what)
{
    rk_ledger *l = NULL;
    rk_order o;
    if (!rc && ctl->json) {
        rk_buf b;
        rk_json j;
        rk_buf_init(&b, 4096);
        rk_json_init(&j, &b);
        rk_json_obj_begin(&j);
        rk_json_kbool(&j, "ok", 1);
        rk_json_kstr(&j, "ref", ref);
        if (rk_ctl_ledger(ctl, &l) == 0 && rk_order_get(l, ref, &o) == 0) {
            rk_json_kstr(&j, "state", o.state);
            rk_json_kint(&j, "fee_total", o.fee_total);
            rk_wipe(&o, sizeof o);
        }
        rk_json_kstr(&j, "authcode", code[0] ? code : NULL);
        rk_json_obj_end(&j);
        rc = rk_ctl_print_json(ctl, &j, &b) ? RK_ENOMEM : 0;
    } else if (!rc) {
        rk_ctl_info(ctl, "order %s %s", ref, what);
        if (code[0] && !ctl->quiet)
            printf("authorisation code %s (shown once: with the reference it produces the "
                   "order's certificate; `ractl order authcode %s` replaces a lost one)\n",
                   code, ref);
    }
    rk_wipe(code, RK_AUTHCODE_MAX);
    return rc ? rk_ctl_fail(ctl, rc) : 0;
}

static int cmd_approve(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *authority = NULL;
    char code[RK_AUTHCODE_MAX] = "";
    rk_ledger *l = NULL;
    rk_actor actor;
    int rc;
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
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--authority-ref") && i + 1 < argc)
            authority = argv[++i];
        else if (!ref && argv[i][0] != '-')
            ref = argv[i];
        else
            return rk_ctl_usage(ctl, "ractl order approve", "unexpected argument '%s'", argv[i]);
    }
    if (!ref) return rk_ctl_usage(ctl, "ractl order approve", "give REF");
    if ((rc = setup(ctl, &l, &actor)) != 0) return rc;
    rc = rk_order_approve_code(code, sizeof code, l, &actor, ref, authority);
    return show_code(ctl, rc, ref, code, "reviewed");
}

static int cmd_authcode(rk_ctl *ctl, int argc, char **argv)
{
    char code[RK_AUTHCODE_MAX] = "";
    rk_ledger *l = NULL;
    rk_actor actor;
    int rc;
    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order authcode REF\n\nMakes a new authorisation code for an "
               "approved order whose code is unused\n(lost, or approved with -q) and prints "
               "it once; the old one stops working.\nReview role; audited.\n");
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-')
        return rk_ctl_usage(ctl, "ractl order authcode", "give REF");
    if ((rc = setup(ctl, &l, &actor)) != 0) return rc;
    rc = rk_authcode_reissue(code, sizeof code, l, &actor, argv[1]);
    return show_code(ctl, rc, argv[1], code, "has a new authorisation code");
}

static int cmd_reject(rk_ctl *ctl, int argc, char **argv)
{
    return simple(ctl, argc, argv,
                  "usage: ractl order reject REF --reason TEXT\n\nRejects an order with the "
                  "reason shown to the subscriber (review role).\n",
                  "--reason", 1, rk_order_reject, "rejected");
}

static int cmd_cancel(rk_ctl *ctl, int argc, char **argv)
{
    static const char *const methods[] = {"cash", "wechat", "alipay", "card", "transfer", NULL};
    const char *ref = NULL, *reason = NULL, *refund = NULL;
    rk_ledger *l = NULL;
    rk_actor actor;
    int code;

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
        {.name = "--reason", .kind = RK_OPT_STR, .dest = &reason, .arg = "TEXT"},
        {.name = "--refund", .kind = RK_OPT_ENUM, .dest = &refund, .values = methods},
    };
    const rk_ctl_args args = {
        .cmd = "ractl order cancel", .opts = opts, .n_opts = 2, .pos = &ref, .max_pos = 1};
    if ((code = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return code;
    if (!ref || !reason) return rk_ctl_usage(ctl, "ractl order cancel", "give REF and --reason");
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    return done(ctl,
                refund ? rk_order_cancel_refund(l, &actor, ref, reason, refund)
                       : rk_order_cancel(l, &actor, ref, reason),
                ref, refund ? "cancelled and its payment refunded" : "cancelled");
}

static int cmd_pay(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *method = NULL, *amount = NULL;
    rk_ledger *l = NULL;
    rk_actor actor;
    int64_t fen;
    int code, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order pay REF --method METHOD --amount YUAN\n\n"
               "Records payment of an approved order; the amount must equal its total.\n"
               "METHOD: cash, wechat, alipay, card, transfer.\n");
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--method") && i + 1 < argc)
            method = argv[++i];
        else if (!strcmp(argv[i], "--amount") && i + 1 < argc)
            amount = argv[++i];
        else if (!ref)
            ref = argv[i];
        else
            return rk_ctl_usage(ctl, "ractl order pay", "unexpected argument '%s'", argv[i]);
    }
    if (!ref || !method || !amount)
        return rk_ctl_usage(ctl, "ractl order pay", "give REF, --method and --amount");
    if ((rc = rk_ctl_parse_yuan(&fen, amount)) != 0) return rk_ctl_fail(ctl, rc);
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    return done(ctl, rk_order_pay(l, &actor, ref, method, fen), ref, "paid");
}

static int cmd_issue(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *cert_path = NULL, *key_serial = NULL;
    rk_ledger *l = NULL;
    rk_actor actor;
    rk_cert_record rec;
    unsigned char *data = NULL, *der = NULL;
    size_t len;
    int code, rc;

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
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--cert") && i + 1 < argc)
            cert_path = argv[++i];
        else if (!strcmp(argv[i], "--key-serial") && i + 1 < argc)
            key_serial = argv[++i];
        else if (!ref)
            ref = argv[i];
        else
            return rk_ctl_usage(ctl, "ractl order issue", "unexpected argument '%s'", argv[i]);
    }
    if (!ref) return rk_ctl_usage(ctl, "ractl order issue", "give REF");
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    if (cert_path) {
        if ((rc = rk_ctl_read_file(&data, &len, cert_path, RK_CERTINFO_MAX_BYTES)) != 0)
            return rk_ctl_fail(ctl, rc);
        if ((rc = rk_certinfo_parse(&rec, &der, data, len)) != 0) {
            free(data);
            return rk_ctl_fail(ctl, rk_err_wrap(rc, "%s", cert_path));
        }
        if (key_serial) snprintf(rec.key_serial, sizeof rec.key_serial, "%s", key_serial);
    }
    rc = rk_order_issue(l, &actor, ref, cert_path ? &rec : NULL);
    free(data);
    OPENSSL_free(der);
    code = done(ctl, rc, ref, "issued");
    /* A revocation, hold or replacement: the sub-CA takes it up. */
    rk_order o;
    if (!rc && rk_order_get(l, ref, &o) == 0) {
        if (rk_business_changes_status(o.business)) rk_ctl_follow_ca(ctl, l, NULL);
        rk_wipe(&o, sizeof o);
    }
    return code;
}

static int cmd_deliver(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *method = NULL, *tracking = NULL;
    rk_ledger *l = NULL;
    rk_actor actor;
    int code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order deliver REF --method pickup|mail [--tracking NUMBER]\n\n"
               "Hands the order over at the counter or records its shipment, and writes\n"
               "the task-completion record (issue role).\n");
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--method") && i + 1 < argc)
            method = argv[++i];
        else if (!strcmp(argv[i], "--tracking") && i + 1 < argc)
            tracking = argv[++i];
        else if (!ref)
            ref = argv[i];
        else
            return rk_ctl_usage(ctl, "ractl order deliver", "unexpected argument '%s'", argv[i]);
    }
    if (!ref || !method) return rk_ctl_usage(ctl, "ractl order deliver", "give REF and --method");
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    return done(ctl, rk_order_deliver(l, &actor, ref, method, tracking), ref, "delivered");
}

static int cmd_redispatch(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *delivery = NULL, *address = NULL;
    rk_ledger *l = NULL;
    rk_actor actor;
    int code;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order redispatch REF --delivery pickup|mail [--address TEXT]\n\n"
               "Re-dispatch (改派): changes how an undelivered order reaches the subscriber.\n");
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--delivery") && i + 1 < argc)
            delivery = argv[++i];
        else if (!strcmp(argv[i], "--address") && i + 1 < argc)
            address = argv[++i];
        else if (!ref)
            ref = argv[i];
        else
            return rk_ctl_usage(ctl, "ractl order redispatch", "unexpected argument '%s'", argv[i]);
    }
    if (!ref || !delivery)
        return rk_ctl_usage(ctl, "ractl order redispatch", "give REF and --delivery");
    if ((code = setup(ctl, &l, &actor)) != 0) return code;
    return done(ctl, rk_order_redispatch(l, &actor, ref, delivery, address), ref, "re-dispatched");
}

static void money(char *out, size_t n, int64_t fen)
{
    snprintf(out, n, "%lld.%02lld", (long long)(fen / 100), (long long)(fen % 100));
}

static int cmd_show(rk_ctl *ctl, int argc, char **argv)
{
    rk_ledger *l = NULL;
    rk_actor actor;
    rk_order *o;
    rk_form form;
    rk_order_doc *docs = NULL;
    rk_order_rejection rej[16];
    char missing[2048], t[32], m[32];
    int nd = 0, nrej = 0, rc, reveal = 0;
    const char *ref = NULL;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order show REF [--reveal]\n\n"
               "Shows an order: state, fees, payment and refund, deadline, clerks, every\n"
               "rejection with its reason (JSON \"rejections\"), fields, documents, the\n"
               "certificate it acts on and the certificates it produced (serial, usage,\n"
               "status, key; JSON \"acts_on\" and \"certificates\").\n"
               "Personal data is masked; --reveal shows it in clear and is audited.\n");
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reveal"))
            reveal = 1;
        else if (!ref)
            ref = argv[i];
        else
            return rk_ctl_usage(ctl, "ractl order show", "unexpected argument '%s'", argv[i]);
    }
    if (!ref) return rk_ctl_usage(ctl, "ractl order show", "give REF");
    if ((rc = setup(ctl, &l, &actor)) != 0) return rc;
    if (!(o = calloc(1, sizeof *o))) return rk_ctl_fail(ctl, rk_err_oom());
    if ((rc = rk_order_get(l, ref, o)) ||
        (rc = rk_forms_compose(l->forms, o->subscriber, o->business, &form)) ||
        (rc = rk_order_docs(l, o->id, &docs, &nd)) ||
        (rc = rk_order_missing(l, o, missing, sizeof missing)) ||
        (rc = rk_order_rejections(rej, 16, &nrej, l, o->id)))
        goto out;
    if (reveal) {
        rk_audit_entry e = {actor.login,
                            "entry",
                            "order.revealed",
                            o->uuid,
                            NULL,
                            NULL,
                            "personal data shown in clear"};
        if ((rc = rk_db_begin(l->db)) || (rc = rk_audit_append(l->db, &e, NULL)) ||
            (rc = rk_db_commit(l->db))) {
            rk_db_rollback(l->db);
            goto out;
        }
    }
    rk_buf b;
    rk_json j;
    rk_buf_init(&b, 1 << 20);
    rk_json_init(&j, &b);
    rk_json_obj_begin(&j);
    rk_json_kbool(&j, "ok", 1);
    rk_json_kstr(&j, "ref", o->ref);
    rk_json_kstr(&j, "uuid", o->uuid);
    rk_json_kstr(&j, "business", o->business);
    rk_json_kstr(&j, "subscriber", o->subscriber);
    rk_json_kstr(&j, "cert_kind", o->cert_kind);
    rk_json_kstr(&j, "state", o->state);
    rk_json_kstr(&j, "subject", o->subject_name);
    rk_json_kint(&j, "fee_total", o->fee_total);
    rk_json_kint(&j, "paid_fen", o->paid_fen);
    rk_json_kint(&j, "due_at", o->due_at);
    rk_json_kstr(&j, "entered_by", o->entered_by);
    rk_json_kstr(&j, "reviewed_by", o->reviewed_by);
    rk_json_kstr(&j, "issued_by", o->issued_by);
    rk_json_kstr(&j, "reject_reason", o->reject_reason);
    rk_json_key(&j, "rejections");
    rk_json_arr_begin(&j);
    for (int i = 0; i < nrej; i++) {
        rk_json_obj_begin(&j);
        rk_json_kint(&j, "at", rej[i].at);
        rk_json_kstr(&j, "reason", rej[i].reason);
        rk_json_kstr(&j, "by", rej[i].by);
        rk_json_obj_end(&j);
    }
    rk_json_arr_end(&j);
    rk_json_kstr(&j, "cancel_reason", o->cancel_reason[0] ? o->cancel_reason : NULL);
    if (o->refund_fen) {
        rk_json_key(&j, "refund");
        rk_json_obj_begin(&j);
        rk_json_kint(&j, "fen", o->refund_fen);
        rk_json_kstr(&j, "method", o->refund_method);
        rk_json_kstr(&j, "by", o->refunded_by);
        rk_json_kint(&j, "at", o->refunded_at);
        rk_json_obj_end(&j);
    }
    rk_json_kstr(&j, "missing", missing);
    rk_json_key(&j, "fields");
    rk_json_obj_begin(&j);
    if (!ctl->json) {
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
        for (int i = 0; i < nrej; i++) {
            rk_ctl_time(t, sizeof t, rej[i].at);
            printf("  %-11s %s  %s (%s)\n", i ? "" : "rejections", t, rej[i].reason,
                   rej[i].by[0] ? rej[i].by : "-");
        }
        if (o->cancel_reason[0]) printf("  cancelled   %s\n", o->cancel_reason);
        printf("  fields:\n");
    }
    for (int i = 0; i < form.n_fields; i++) {
        const rk_field_def *d = form.fields[i].def;
        const char *v = rk_order_value(o, d->name);
        char shown[RK_ORDER_VALUE_MAX];
        if (v && d->sensitive && !reveal)
            rk_mask(shown, sizeof shown, d->check, v);
        else
            snprintf(shown, sizeof shown, "%s", v ? v : "");
        if (v) rk_json_kstr(&j, d->name, shown);
        if (!ctl->json)
            printf("    %-18s %s%s  %s\n", d->name, form.fields[i].required ? "*" : " ",
                   v ? shown : "-", d->label_zh);
    }
    rk_json_obj_end(&j);
    rk_json_key(&j, "documents");
    rk_json_arr_begin(&j);
    if (!ctl->json) printf("  documents:\n");
    for (int i = 0; i < form.n_docs; i++) {
        const rk_order_doc *d = NULL;
        for (int k = 0; k < nd; k++)
            if (!strcmp(docs[k].doc_type, form.docs[i]->name)) d = &docs[k];
        rk_json_obj_begin(&j);
        rk_json_kstr(&j, "type", form.docs[i]->name);
        rk_json_kstr(&j, "state", !d ? "missing" : d->seen_on_paper ? "paper" : "image");
        if (d && !d->seen_on_paper) rk_json_kstr(&j, "sha256", d->sha256);
        rk_json_obj_end(&j);
        if (!ctl->json) {
            if (!d)
                printf("    %-18s missing  %s\n", form.docs[i]->name, form.docs[i]->label_zh);
            else if (d->seen_on_paper)
                printf("    %-18s paper    %s\n", form.docs[i]->name, d->note);
            else
                printf("    %-18s %s %dx%d %lld bytes, sha256 %.16s\n", form.docs[i]->name,
                       d->format, d->width, d->height, (long long)d->bytes, d->sha256);
        }
    }
    rk_json_arr_end(&j);
    /* The certificates the order produced, and the one it acts on. */
    rk_certreg_cert certs[8];
    int nc = 0;
    if ((rc = rk_certreg_of_order(certs, 8, &nc, l, o->id)) != 0) {
        rk_buf_free(&b);
        goto out;
    }
    rk_json_kstr(&j, "acts_on", o->cert_serial[0] ? o->cert_serial : NULL);
    rk_json_key(&j, "certificates");
    rk_json_arr_begin(&j);
    if (!ctl->json && o->cert_serial[0]) printf("  acts on     certificate %s\n", o->cert_serial);
    if (!ctl->json && (nc || rk_business_produces_cert(o->business)))
        printf("  certificates%s\n", nc ? ":" : " none produced yet");
    for (int i = 0; i < nc; i++) {
        char nb[32], na[32];
        rk_ctl_time(nb, sizeof nb, certs[i].not_before);
        rk_ctl_time(na, sizeof na, certs[i].not_after);
        rk_json_obj_begin(&j);
        rk_json_kstr(&j, "serial", certs[i].serial);
        rk_json_kstr(&j, "usage", certs[i].usage);
        rk_json_kstr(&j, "status", certs[i].status);
        rk_json_kstr(&j, "key_serial", certs[i].key_serial[0] ? certs[i].key_serial : NULL);
        rk_json_kint(&j, "not_before", certs[i].not_before);
        rk_json_kint(&j, "not_after", certs[i].not_after);
        rk_json_obj_end(&j);
        if (!ctl->json)
            printf("    %-34s %-4s %-9s key %s, valid %s .. %s\n", certs[i].serial, certs[i].usage,
                   certs[i].status, certs[i].key_serial[0] ? certs[i].key_serial : "-", nb, na);
    }
    rk_json_arr_end(&j);
    rk_json_obj_end(&j);
    if (ctl->json)
        rk_ctl_print_json(ctl, &j, &b);
    else {
        rk_buf_free(&b);
        if (missing[0] && (!strcmp(o->state, "draft") || !strcmp(o->state, "rejected")))
            printf("  still missing: %s\n", missing);
    }
out:
    free(docs);
    rk_wipe(o, sizeof *o);
    free(o);
    return rc ? rk_ctl_fail(ctl, rc) : 0;
}

static int cmd_list(rk_ctl *ctl, int argc, char **argv)
{
    rk_order_filter f;
    rk_order_row *rows;
    rk_ledger *l = NULL;
    int n, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl order list [--state STATE] [--business TYPE] [--limit N]\n\n"
               "Lists orders; with --state, oldest submission first (a clerk's queue).\n"
               "STATE: draft submitted authority approved rejected paid issued delivered\n"
               "archived cancelled.\n");
        return 0;
    }
    memset(&f, 0, sizeof f);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--state") && i + 1 < argc)
            f.state = argv[++i];
        else if (!strcmp(argv[i], "--business") && i + 1 < argc)
            f.business = argv[++i];
        else if (!strcmp(argv[i], "--limit") && i + 1 < argc)
            f.limit = atoi(argv[++i]);
        else
            return rk_ctl_usage(ctl, "ractl order list", "unexpected argument '%s'", argv[i]);
    }
    if ((rc = rk_ctl_ledger(ctl, &l)) || (rc = rk_order_list(l, &f, &rows, &n)))
        return rk_ctl_fail(ctl, rc);
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
    {"cancel", cmd_cancel, "cancel an open order"},
    {"show", cmd_show, "show an order"},
    {"list", cmd_list, "list orders"},
};

int rk_ctl_cmd_order(rk_ctl *ctl, int argc, char **argv)
{
    return rk_ctl_dispatch(ctl, argc, argv, "ractl order", "The order ledger.", order_commands,
                           (int)(sizeof order_commands / sizeof order_commands[0]));
}
