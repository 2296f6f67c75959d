/*
 * `ractl key list|init|passwd|unlock|diagnose|enrol|recover|plug|pull`:
 * subscribers' USB keys, through the branch's services (branch/keyops.h,
 * branch/enrolment.h): this file reads options and PINs, calls one
 * service and prints its result.
 *
 * PINs are read from the terminal without echo or as lines on standard
 * input, never from the command line, and are wiped after use.
 */
#include "ctl.h"

#include "branch/enrolment.h"
#include "branch/keyops.h"
#include "branch/keys.h"
#include "domain/authcode.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/utf8.h"
#include "util/wipe.h"
#include "util/words.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *pin_text(const rk_token_info *k, char *buf, size_t n)
{
    if (k->pin_state == RK_TOKEN_PIN_NOT_SET) return "no PIN set";
    if (k->pin_state == RK_TOKEN_PIN_LOCKED) return "locked";
    if (k->tries_left >= 0 && k->max_tries > 0)
        snprintf(buf, n, "%d %s left of %d", k->tries_left,
                 rk_plural(k->tries_left, "try", "tries"), k->max_tries);
    else
        snprintf(buf, n, "%s", rk_token_pin_state_name(k->pin_state));
    return buf;
}

static void json_info(rk_json *j, const rk_token_info *k)
{
    rk_json_obj_begin(j);
    rk_json_kstr(j, "serial", k->initialised ? k->serial : "blank");
    rk_json_kstr(j, "label", k->label);
    rk_json_kstr(j, "model", k->key_model);
    rk_json_kstr(j, "unlock", k->unlock);
    rk_json_kbool(j, "initialised", k->initialised);
    rk_json_kstr(j, "pin_state",
                 k->pin_state == RK_TOKEN_PIN_OK          ? "ok"
                 : k->pin_state == RK_TOKEN_PIN_COUNT_LOW ? "count_low"
                 : k->pin_state == RK_TOKEN_PIN_FINAL_TRY ? "final_try"
                 : k->pin_state == RK_TOKEN_PIN_LOCKED    ? "locked"
                                                          : "not_set");
    rk_json_kint(j, "tries_left", k->tries_left);
    rk_json_kint(j, "max_tries", k->max_tries);
    rk_json_obj_end(j);
}

/* ---- list ---------------------------------------------------------------- */

static int cmd_list(rk_ctl *ctl, int argc, char **argv)
{
    rk_token_info *keys;
    rk_actor actor;
    int n, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl key list\n\n"
               "Lists the USB keys inserted now: serial (\"blank\" for a blank key),\n"
               "label, key model, and the PIN state read live from the key. The labels\n"
               "are subscribers' names: needs a clerk logged in (`ractl clerk login`).\n");
        return 0;
    }
    if (argc != 1) return rk_ctl_usage(ctl, "ractl key list", "unexpected argument '%s'", argv[1]);
    if ((rc = rk_ctl_actor(ctl, &actor)) != 0 ||
        (rc = rk_branch_key_list(ctl->branch, &actor, &keys, &n)) != 0)
        return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply_array(ctl);
    if (!ctl->json) printf("%-18s %-24s %-10s %s\n", "SERIAL", "LABEL", "MODEL", "PIN");
    for (int i = 0; i < n; i++) {
        char buf[64], label[160];
        json_info(j, &keys[i]);
        /* Labels are subscribers' names: lined up by display columns. */
        rk_utf8_pad(label, sizeof label, keys[i].initialised ? keys[i].label : "(blank key)", 24);
        if (!ctl->json)
            printf("%-18s %s %-10s %s\n", keys[i].initialised ? keys[i].serial : "blank", label,
                   keys[i].key_model[0] ? keys[i].key_model : "-",
                   pin_text(&keys[i], buf, sizeof buf));
    }
    free(keys);
    return rk_ctl_reply_end(ctl);
}

/* ---- init ---------------------------------------------------------------- */

static int on_progress(void *arg, const rk_progress *p)
{
    rk_ctl *ctl = arg;
    rk_ctl_info(ctl, "  %3d%% %s", p->percent, p->text);
    return 0;
}

/* Reads a new PIN (twice on a terminal). */
static int read_new_pin(char *out, size_t n, const char *prompt)
{
    char again[RK_TOKEN_PIN_MAX];
    int rc = rk_ctl_read_secret(out, n, prompt);
    if (rc || !isatty(STDIN_FILENO)) return rc;
    if ((rc = rk_ctl_read_secret(again, sizeof again, "again: ")) != 0) {
        rk_wipe(out, n);
        return rc;
    }
    int differ = strcmp(out, again);
    rk_wipe(again, sizeof again);
    if (differ) {
        rk_wipe(out, n);
        return rk_err_set(RK_EINVAL, "the PINs differ");
    }
    return 0;
}

static int cmd_init(rk_ctl *ctl, int argc, char **argv)
{
    const char *serial = NULL, *label = NULL;
    int from_stdin = 0, generate = 0, rc;
    char pin[RK_TOKEN_PIN_MAX] = "", new_serial[RK_TOKEN_SERIAL_MAX], generated[RK_TOKEN_PIN_MAX];

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl key init SERIAL --label LABEL [--pin-stdin | --generate-pin]\n\n"
               "Initialises a blank USB key (SERIAL, or \"blank\" for a blank key that has\n"
               "no serial yet): label, an SO PIN derived from the branch secret (never\n"
               "stored), and the first user PIN: read from the PIN pad / standard input\n"
               "(--pin-stdin) or generated as 6 digits and printed once to be sealed\n"
               "(--generate-pin, the default). Prints the key's serial.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--label", .kind = RK_OPT_STR, .dest = &label, .arg = "LABEL"},
        {.name = "--pin-stdin", .kind = RK_OPT_FLAG, .dest = &from_stdin},
        {.name = "--generate-pin", .kind = RK_OPT_FLAG, .dest = &generate},
    };
    const rk_ctl_args args = {
        .cmd = "ractl key init", .opts = opts, .n_opts = 3, .pos = &serial, .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!serial || !label)
        return rk_ctl_usage(ctl, "ractl key init", "SERIAL and --label are required");
    if (from_stdin && generate)
        return rk_ctl_usage(ctl, "ractl key init",
                            "--pin-stdin and --generate-pin exclude each other");
    if (from_stdin && (rc = read_new_pin(pin, sizeof pin, "first PIN of the key: ")) != 0)
        return rk_ctl_fail(ctl, rc);
    rk_branch_key_init_req req = {.serial = serial,
                                  .label = label,
                                  .pin = from_stdin ? pin : NULL,
                                  .progress = on_progress,
                                  .progress_arg = ctl};
    rc = rk_branch_key_init(ctl->branch, &req, new_serial, generated);
    rk_wipe(pin, sizeof pin);
    if (rc) {
        rk_wipe(generated, sizeof generated);
        return rk_ctl_fail(ctl, rc);
    }
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "serial", new_serial);
    if (!from_stdin) rk_json_kstr(j, "pin", generated);
    if (!ctl->json) {
        printf("key %s initialised (%s)\n", new_serial, label);
        if (!from_stdin) printf("first PIN: %s  (print it sealed; it is not kept)\n", generated);
    }
    rk_wipe(generated, sizeof generated);
    return rk_ctl_reply_end(ctl); /* the reply's buffer is wiped when it is freed */
}

/* ---- passwd and unlock ---------------------------------------------------- */

/* Warns on standard error about the live PIN state before a PIN is asked. */
static int warn_state(rk_ctl *ctl, const char *serial, rk_token_info *info)
{
    int rc = rk_branch_key_info(ctl->branch, serial, info);
    if (rc) return rc;
    if (info->pin_state == RK_TOKEN_PIN_FINAL_TRY)
        fprintf(stderr, "warning: 1 try left: one more wrong PIN locks the key\n");
    else if (info->pin_state == RK_TOKEN_PIN_COUNT_LOW && info->tries_left > 0 && !ctl->quiet)
        fprintf(stderr, "note: a wrong PIN was entered before; %d %s left\n", info->tries_left,
                rk_plural(info->tries_left, "try", "tries"));
    return 0;
}

static int cmd_passwd(rk_ctl *ctl, int argc, char **argv)
{
    char old_pin[RK_TOKEN_PIN_MAX] = "", new_pin[RK_TOKEN_PIN_MAX] = "";
    rk_token_info info;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl key passwd SERIAL\n\n"
               "Changes the user PIN of a key. The old and the new PIN are asked for, or\n"
               "read as two lines of standard input. The live retry state is shown\n"
               "first; a wrong old PIN counts towards the lock like a wrong login.\n");
        return 0;
    }
    if (argc != 2) return rk_ctl_usage(ctl, "ractl key passwd", "give the SERIAL");
    if (!(rc = warn_state(ctl, argv[1], &info)) &&
        !(rc = rk_ctl_read_secret(old_pin, sizeof old_pin, "current PIN: ")) &&
        !(rc = read_new_pin(new_pin, sizeof new_pin, "new PIN: ")))
        rc = rk_branch_key_passwd(ctl->branch, argv[1], old_pin, new_pin);
    rk_wipe(old_pin, sizeof old_pin);
    rk_wipe(new_pin, sizeof new_pin);
    return rc ? rk_ctl_fail(ctl, rc) : rk_ctl_done(ctl, "PIN of key %s changed", argv[1]);
}

static int cmd_unlock(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *serial = NULL;
    char pin[RK_TOKEN_PIN_MAX] = "";
    rk_actor actor;
    rk_token_info info;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl key unlock ORDER --key SERIAL\n\n"
               "Unlocks a key whose PIN is locked or forgotten, from its unlock order:\n"
               "the order (business unlock) must be approved and paid (or fee-free), its\n"
               "key_serial must be this key, and the key must be its subscriber's. Logs\n"
               "in as the key's security officer with the SO PIN derived from the branch\n"
               "secret and sets a new user PIN (asked for, or one line of standard\n"
               "input); the key's certificates and key pairs stay. The order is then\n"
               "complete (issued) and cannot unlock again. Needs a clerk with the issue\n"
               "role logged in (`ractl clerk login`); the unlock is audited with its\n"
               "order.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--key", .kind = RK_OPT_STR, .dest = &serial, .arg = "SERIAL"},
    };
    const rk_ctl_args args = {
        .cmd = "ractl key unlock", .opts = opts, .n_opts = 1, .pos = &ref, .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!ref || !serial)
        return rk_ctl_usage(ctl, "ractl key unlock", "give the unlock ORDER and --key SERIAL");
    rk_branch_key_unlock_req req = {.order_ref = ref, .serial = serial, .new_pin = pin};
    /* The order and the key are checked before a PIN is asked. */
    if ((rc = rk_ctl_actor(ctl, &actor)) != 0 ||
        (rc = rk_branch_key_unlock_check(ctl->branch, &actor, &req)) != 0 ||
        (rc = rk_branch_key_info(ctl->branch, serial, &info)) != 0)
        return rk_ctl_fail(ctl, rc);
    if (info.pin_state != RK_TOKEN_PIN_LOCKED)
        rk_ctl_info(ctl, "note: the key is not locked (%s); setting a new PIN anyway",
                    rk_token_pin_state_name(info.pin_state));
    if ((rc = read_new_pin(pin, sizeof pin, "new PIN: ")) == 0)
        rc = rk_branch_key_unlock(ctl->branch, &actor, &req);
    rk_wipe(pin, sizeof pin);
    if (rc) return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "order", ref);
    rk_json_kstr(j, "key", serial);
    rk_json_kstr(j, "state", "issued");
    rk_ctl_info(ctl, "key %s unlocked with a new PIN; unlock order %s is complete", serial, ref);
    return rk_ctl_reply_end(ctl);
}

/* ---- diagnose ------------------------------------------------------------ */

static int cmd_diagnose(rk_ctl *ctl, int argc, char **argv)
{
    rk_branch_diagnosis d;
    rk_actor actor;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl key diagnose SERIAL\n\n"
               "Checks a subscriber's key: present? initialised? which certificates and\n"
               "key pairs, certificate validity against today, PIN tries left. Each\n"
               "problem is printed with the error code the subscriber saw (-10101042\n"
               "key not found, -10101011 no certificate, -10101039 expired) and the fix.\n"
               "The certificates' subjects are subscribers' names: needs a clerk logged\n"
               "in (`ractl clerk login`). Exit 0 if no problem was found, 1 if one was.\n");
        return 0;
    }
    if (argc != 2) return rk_ctl_usage(ctl, "ractl key diagnose", "give the SERIAL");
    if ((rc = rk_ctl_actor(ctl, &actor)) != 0 ||
        (rc = rk_branch_key_diagnose(ctl->branch, &actor, argv[1], &d)) != 0)
        return rk_ctl_fail(ctl, rc);
    const rk_token_info *info = &d.info;
    rk_json *j = rk_ctl_reply_event(ctl);
    rk_json_kstr(j, "serial", argv[1]);
    rk_json_kbool(j, "present", d.present);
    rk_json_kbool(j, "healthy", d.n_findings == 0);
    if (d.present) {
        rk_json_key(j, "key");
        json_info(j, info);
    }
    rk_json_key(j, "objects");
    rk_json_arr_begin(j);
    for (int i = 0; i < d.n_objs; i++) {
        const rk_token_object *o = &d.objs[i];
        char hex[140];
        rk_hex_encode(hex, o->id, o->id_len < 64 ? o->id_len : 64, 0);
        rk_json_obj_begin(j);
        rk_json_kstr(j, "kind",
                     o->kind == RK_TOKEN_OBJ_CERT          ? "certificate"
                     : o->kind == RK_TOKEN_OBJ_PRIVATE_KEY ? "private_key"
                     : o->kind == RK_TOKEN_OBJ_PUBLIC_KEY  ? "public_key"
                                                           : "other");
        rk_json_kstr(j, "id", hex);
        rk_json_kstr(j, "label", o->label);
        if (o->kind == RK_TOKEN_OBJ_CERT) {
            rk_json_kstr(j, "subject", o->subject);
            rk_json_kstr(j, "serial", o->serial_hex);
            rk_json_kint(j, "not_before", o->not_before);
            rk_json_kint(j, "not_after", o->not_after);
        } else {
            rk_json_kstr(j, "key_type", o->key_type);
        }
        rk_json_obj_end(j);
    }
    rk_json_arr_end(j);
    rk_json_key(j, "problems");
    rk_json_arr_begin(j);
    for (int i = 0; i < d.n_findings; i++) {
        rk_json_obj_begin(j);
        rk_json_kstr(j, "code", d.findings[i].code);
        rk_json_kstr(j, "problem", d.findings[i].what);
        rk_json_kstr(j, "fix", d.findings[i].fix);
        rk_json_obj_end(j);
    }
    rk_json_arr_end(j);
    if (!ctl->json) {
        char buf[64];
        printf("key %s: %s\n", argv[1], d.present ? "present" : "NOT FOUND");
        if (d.present) {
            printf("  label: %s   model: %s   initialised: %s\n", info->label,
                   info->key_model[0] ? info->key_model : "-", info->initialised ? "yes" : "no");
            printf("  PIN: %s\n", pin_text(info, buf, sizeof buf));
        }
        for (int i = 0; i < d.n_objs; i++) {
            const rk_token_object *o = &d.objs[i];
            if (o->kind == RK_TOKEN_OBJ_CERT) {
                char nb[32], na[32];
                rk_clock_format(nb, o->not_before);
                rk_clock_format(na, o->not_after);
                printf("  certificate %s serial %s, valid %s .. %s\n", o->subject, o->serial_hex,
                       nb, na);
            } else if (o->kind != RK_TOKEN_OBJ_OTHER) {
                printf("  %s key %s \"%s\"\n",
                       o->kind == RK_TOKEN_OBJ_PRIVATE_KEY ? "private" : "public", o->key_type,
                       o->label);
            }
        }
        if (d.present && info->initialised)
            printf("  %d %s, %d %s\n", d.certs, rk_plural(d.certs, "certificate", "certificates"),
                   d.keypairs, rk_plural(d.keypairs, "key pair", "key pairs"));
        for (int i = 0; i < d.n_findings; i++)
            printf("problem%s%s: %s\n  fix: %s\n", d.findings[i].code[0] ? " " : "",
                   d.findings[i].code, d.findings[i].what, d.findings[i].fix);
        if (d.n_findings == 0) printf("no problem found\n");
    }
    free(d.objs);
    if ((rc = rk_ctl_reply_end(ctl)) != 0) return rc;
    return d.n_findings ? RK_EXIT_FAIL : 0;
}

/* ---- plug and pull (demo keys) ------------------------------------------- */

static int plug_or_pull(rk_ctl *ctl, int argc, char **argv, int pull)
{
    int rc;
    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl key %s SERIAL\n\n"
               "%s a demo key (a SoftHSM2 token behind the p11lock module); SERIAL\n"
               "\"blank\" is the blank key in the reader. Programs see the change at\n"
               "their next look at the keys.\n",
               pull ? "pull" : "plug", pull ? "Pulls out" : "Plugs in");
        return 0;
    }
    if (argc != 2)
        return rk_ctl_usage(ctl, pull ? "ractl key pull" : "ractl key plug", "give the SERIAL");
    if ((rc = rk_branch_demo_key_plug(ctl->branch, argv[1], pull)) != 0)
        return rk_ctl_fail(ctl, rc);
    return rk_ctl_done(ctl, "key %s %s", argv[1], pull ? "pulled out" : "plugged in");
}

static int cmd_plug(rk_ctl *ctl, int argc, char **argv)
{
    return plug_or_pull(ctl, argc, argv, 0);
}

static int cmd_pull(rk_ctl *ctl, int argc, char **argv)
{
    return plug_or_pull(ctl, argc, argv, 1);
}

/* ---- enrol --------------------------------------------------------------- */

static int enrol_progress(void *arg, const rk_progress *p)
{
    rk_ctl *ctl = arg;
    if (!ctl->quiet && !ctl->json) fprintf(stderr, "  %3d%%  %s\n", p->percent, p->text);
    return 0;
}

static int enrol_pending(rk_ctl *ctl)
{
    rk_enrol_open *list;
    int n, rc;
    if ((rc = rk_branch_enrol_pending(ctl->branch, &list, &n)) != 0) return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply_array(ctl);
    for (int i = 0; i < n; i++) {
        rk_json_obj_begin(j);
        rk_json_kstr(j, "order", list[i].order_ref);
        rk_json_kstr(j, "key", list[i].key_serial);
        rk_json_kstr(j, "step", list[i].step);
        rk_json_kstr(j, "phase", list[i].phase);
        rk_json_kint(j, "attempts", list[i].attempts);
        rk_json_kstr(j, "error", list[i].error);
        rk_json_obj_end(j);
        if (!ctl->json)
            printf("%-12s key %-18s at %s (%s), %d %s%s%s\n", list[i].order_ref, list[i].key_serial,
                   list[i].step, list[i].phase, list[i].attempts,
                   rk_plural(list[i].attempts, "attempt", "attempts"), list[i].error[0] ? ": " : "",
                   list[i].error);
    }
    free(list);
    if (!n) rk_ctl_info(ctl, "no enrolment is pending");
    return rk_ctl_reply_end(ctl);
}

/* Asks for order ref's authorisation code and has the branch check it; the
 * code stays in code (wiped on a refusal). */
static int ask_code(rk_ctl *ctl, const rk_actor *actor, const char *ref, char *code, size_t n)
{
    char prompt[80];
    snprintf(prompt, sizeof prompt, "authorisation code of order %s: ", ref);
    int rc = rk_ctl_read_secret(code, n, prompt);
    if (!rc) rc = rk_branch_enrol_check_code(ctl->branch, actor, ref, code);
    if (rc) rk_wipe(code, n);
    return rc;
}

static int cmd_enrol(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *serial = NULL;
    int rollback = 0, pending = 0, needs_code = 0, rc;
    char pin[RK_TOKEN_PIN_MAX + 2] = "", code[RK_AUTHCODE_MAX + 8] = "";
    rk_actor actor;
    rk_branch_enrol_out res;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl key enrol ORDER --key SERIAL\n"
               "       ractl key enrol ORDER --rollback [--key SERIAL]\n"
               "       ractl key enrol --pending\n\n"
               "Produces the certificate of an approved, paid (or fee-free) order onto the\n"
               "subscriber's USB key (issue role): key pair generated on the key, CSR signed\n"
               "on the key, certificate from the branch sub-CA, written to the key, read\n"
               "back and verified, then the order is issued. Every step is journaled:\n"
               "after a crash or a pulled key, the same command resumes; --rollback\n"
               "abandons it (an issued certificate is revoked, the key's objects removed).\n"
               "The order is checked first (approved, paid); then, for an order that has\n"
               "one, its authorisation code (printed once by `ractl order approve`; a\n"
               "lost one is replaced by `ractl order authcode`) is asked for, and then\n"
               "the subscriber's PIN; on standard input they are one line each, the\n"
               "code first. --pending lists unfinished enrolments.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--key", .kind = RK_OPT_STR, .dest = &serial, .arg = "SERIAL"},
        {.name = "--rollback", .kind = RK_OPT_FLAG, .dest = &rollback},
        {.name = "--pending", .kind = RK_OPT_FLAG, .dest = &pending},
    };
    const rk_ctl_args args = {
        .cmd = "ractl key enrol", .opts = opts, .n_opts = 3, .pos = &ref, .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (pending) {
        if (ref || serial || rollback)
            return rk_ctl_usage(ctl, "ractl key enrol", "--pending takes nothing else");
        return enrol_pending(ctl);
    }
    if (!ref || (!serial && !rollback))
        return rk_ctl_usage(ctl, "ractl key enrol", "give ORDER and --key SERIAL");
    if ((rc = rk_ctl_actor(ctl, &actor)) != 0) return rk_ctl_fail(ctl, rc);
    /* The order, then its authorisation code, are checked before the
     * subscriber is asked for a PIN. */
    if (!rollback && ((rc = rk_branch_enrol_check(ctl->branch, &actor, ref)) != 0 ||
                      (rc = needs_code = rk_branch_enrol_needs_code(ctl->branch, ref)) < 0))
        return rk_ctl_fail(ctl, rc);
    if (needs_code && (rc = ask_code(ctl, &actor, ref, code, sizeof code)) != 0)
        return rk_ctl_fail(ctl, rc);
    if (serial || !rollback) {
        rc = rk_ctl_read_secret(pin, sizeof pin, "subscriber's PIN: ");
        if (rc && !rollback) return rk_ctl_fail(ctl, rc);
        rk_err_clear();
    }
    memset(&res, 0, sizeof res);
    if (rollback) {
        rc = rk_branch_enrol_rollback(ctl->branch, &actor, ref, serial, pin);
    } else {
        rk_branch_enrol_req req = {.order_ref = ref,
                                   .key_serial = serial,
                                   .authcode = code,
                                   .pin = pin,
                                   .progress = enrol_progress,
                                   .progress_arg = ctl};
        rc = rk_branch_enrol(ctl->branch, &actor, &req, &res);
    }
    rk_wipe(pin, sizeof pin);
    rk_wipe(code, sizeof code);
    if (rc) return rk_ctl_fail(ctl, rc);
    if (res.ca_follow_failed)
        fprintf(stderr,
                "ractl: warning: the sub-CA has not taken up the change yet (%s); the "
                "next `ractl tick` or `ractl ca crl` retries\n",
                res.ca_follow_error);
    else {
        if (res.ca_changes)
            rk_ctl_info(ctl, "the sub-CA's register took up %d change%s from the ledger",
                        res.ca_changes, res.ca_changes == 1 ? "" : "s");
        if (res.crl_number)
            rk_ctl_info(ctl, "CRL number %llu published", (unsigned long long)res.crl_number);
    }
    const rk_enrol_result *r = &res.result;
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "order", ref);
    rk_json_kstr(j, "certificate", r->cert_serial);
    rk_json_kstr(j, "encryption_certificate", r->enc_cert_serial);
    rk_json_kbool(j, "resumed", r->resumed);
    if (rollback)
        rk_ctl_info(ctl, "enrolment of order %s rolled back", ref);
    else
        rk_ctl_info(ctl, "order %s issued: certificate %s%s%s on key %s%s", ref, r->cert_serial,
                    r->enc_cert_serial[0] ? ", encryption certificate " : "", r->enc_cert_serial,
                    serial, r->resumed ? " (resumed)" : "");
    return rk_ctl_reply_end(ctl);
}

/* ---- recover ------------------------------------------------------------ */

static int cmd_recover(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *serial = NULL, *keyfile = NULL;
    char pin[RK_TOKEN_PIN_MAX + 2] = "", code[RK_AUTHCODE_MAX + 8] = "";
    rk_actor actor;
    rk_enrol_result res;
    int rc, needs_code = 0;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl key recover ORDER --key SERIAL [--recovery-key FILE]\n\n"
               "Key recovery (issue role): for an approved, paid key-recovery order, puts\n"
               "the escrowed encryption key of the certificate the order names, and that\n"
               "certificate, onto the new key, verifies them and issues the order.\n"
               "The key comes from HQ: HQ releases it (`rahq admin recover-key`) wrapped to\n"
               "this branch's device certificate, the sync brings it, and the device key in\n"
               "the appliance HSM opens it here. --recovery-key FILE instead opens the\n"
               "branch's own escrowed copy with HQ's recovery private key (PEM): only for\n"
               "the demo, where there is no HQ (<data_dir>/ca/demo-recovery.key); HQ's\n"
               "real recovery key never comes to a branch. Journaled: the same command\n"
               "resumes; `ractl key enrol ORDER --rollback` abandons it. The order is\n"
               "checked first, then its authorisation code is asked for (an order that\n"
               "has one), then the new key's PIN; on standard input they are one line\n"
               "each, the code first.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--key", .kind = RK_OPT_STR, .dest = &serial, .arg = "SERIAL"},
        {.name = "--recovery-key", .kind = RK_OPT_STR, .dest = &keyfile, .arg = "FILE"},
    };
    const rk_ctl_args args = {
        .cmd = "ractl key recover", .opts = opts, .n_opts = 2, .pos = &ref, .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!ref || !serial)
        return rk_ctl_usage(ctl, "ractl key recover", "give ORDER and --key SERIAL");
    if ((rc = rk_ctl_actor(ctl, &actor)) != 0) return rk_ctl_fail(ctl, rc);
    /* The order, whether HQ's key came, then the code, before the PIN. */
    if ((rc = rk_branch_enrol_check(ctl->branch, &actor, ref)) != 0 ||
        (rc = needs_code = rk_branch_enrol_needs_code(ctl->branch, ref)) < 0)
        return rk_ctl_fail(ctl, rc);
    if (!keyfile && (rc = rk_branch_recover_ready(ctl->branch, ref)) <= 0)
        return rk_ctl_fail(
            ctl, rc < 0 ? rc
                        : rk_err_set(RK_ENOTFOUND,
                                     "HQ has not returned the key of order %s yet: HQ releases "
                                     "it (rahq admin recover-key), then `rasync --once` brings it",
                                     ref));
    if (needs_code && (rc = ask_code(ctl, &actor, ref, code, sizeof code)) != 0)
        return rk_ctl_fail(ctl, rc);
    if ((rc = rk_ctl_read_secret(pin, sizeof pin, "new key's PIN: ")) == 0) {
        rk_branch_recover_req req = {.order_ref = ref,
                                     .key_serial = serial,
                                     .authcode = code,
                                     .pin = pin,
                                     .recovery_key = keyfile,
                                     .progress = enrol_progress,
                                     .progress_arg = ctl};
        rc = rk_branch_recover(ctl->branch, &actor, &req, &res);
    }
    rk_wipe(pin, sizeof pin);
    rk_wipe(code, sizeof code);
    if (rc) return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "order", ref);
    rk_json_kstr(j, "certificate", res.enc_cert_serial);
    rk_json_kstr(j, "key", serial);
    rk_json_kstr(j, "from", keyfile ? "recovery-key" : "hq");
    rk_json_kbool(j, "resumed", res.resumed);
    rk_ctl_info(ctl, "order %s issued: encryption certificate %s recovered onto key %s%s%s", ref,
                res.enc_cert_serial, serial, keyfile ? "" : " (key from HQ)",
                res.resumed ? " (resumed)" : "");
    return rk_ctl_reply_end(ctl);
}

static const rk_ctl_cmd key_cmds[] = {
    {"list", cmd_list, "the keys inserted now, with their PIN state"},
    {"init", cmd_init, "initialise a blank key: label, SO PIN, first user PIN"},
    {"passwd", cmd_passwd, "change a key's user PIN"},
    {"unlock", cmd_unlock, "set a new user PIN on a locked key, from its unlock order"},
    {"enrol", cmd_enrol, "produce an order's certificate onto a key (journaled)"},
    {"recover", cmd_recover, "put an escrowed encryption key and its certificate onto a new key"},
    {"diagnose", cmd_diagnose, "check a subscriber's key and say what to fix"},
    {"plug", cmd_plug, "plug in a demo key"},
    {"pull", cmd_pull, "pull out a demo key"},
};

int rk_ctl_cmd_key(rk_ctl *ctl, int argc, char **argv)
{
    return rk_ctl_dispatch(ctl, argc, argv, "ractl key",
                           "Subscribers' USB keys over PKCS#11 ($RAKIOSK_TOKEN_MODULE, the key "
                           "model's\nmodule or [token] module).",
                           key_cmds, (int)(sizeof key_cmds / sizeof key_cmds[0]));
}
