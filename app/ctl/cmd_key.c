/*
 * `ractl key list|init|passwd|unlock|diagnose|plug|pull`: subscribers' USB
 * keys over PKCS#11 (app/core/token).
 *
 * The keys' module, the demo keys and the branch secret that SO PINs are
 * derived from are the branch's (branch/keys.h). PINs are read from the terminal without echo or as
 * lines on standard input, never from the command line, and are wiped after use.
 */
#include "ctl.h"

#include "branch/branchca.h"
#include "branch/keys.h"

#include "audit/audit.h"
#include "ca/enrol.h"
#include "ca/escrow.h"
#include "ca/profiles.h"
#include "ca/subca.h"
#include "ca/subca_issuer.h"
#include "token/token.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The token context for serial's module (the branch's, kept open). */
static int key_ctx(rk_ctl *ctl, const char *serial, rk_token_ctx **ctx)
{
    return rk_branch_tokens(ctl->branch, serial, ctx);
}

static const char *pin_text(const rk_token_info *k, char *buf, size_t n)
{
    if (k->pin_state == RK_TOKEN_PIN_NOT_SET) return "no PIN set";
    if (k->pin_state == RK_TOKEN_PIN_LOCKED) return "locked";
    if (k->tries_left >= 0 && k->max_tries > 0)
        snprintf(buf, n, "%d of %d tries left", k->tries_left, k->max_tries);
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
    rk_token_ctx *ctx;
    rk_token_info *keys;
    int n, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl key list\n\n"
               "Lists the USB keys inserted now: serial (\"blank\" for a blank key),\n"
               "label, key model, and the PIN state read live from the key.\n");
        return 0;
    }
    if (argc != 1) return rk_ctl_usage(ctl, "ractl key list", "unexpected argument '%s'", argv[1]);
    if ((rc = key_ctx(ctl, NULL, &ctx)) || (rc = rk_token_list(&keys, &n, ctx)))
        return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply_array(ctl);
    if (!ctl->json) printf("%-18s %-24s %-10s %s\n", "SERIAL", "LABEL", "MODEL", "PIN");
    for (int i = 0; i < n; i++) {
        char buf[64];
        /* The appliance HSM may share the demo SoftHSM store: not a key. */
        if (!strcmp(keys[i].label, RK_SUBCA_HSM_LABEL)) continue;
        json_info(j, &keys[i]);
        if (!ctl->json)
            printf("%-18s %-24s %-10s %s\n", keys[i].initialised ? keys[i].serial : "blank",
                   keys[i].initialised ? keys[i].label : "(blank key)",
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
    unsigned char secret[RK_BRANCH_SECRET_LEN];
    rk_token_ctx *ctx;

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
    if ((rc = key_ctx(ctl, serial, &ctx)) != 0) return rk_ctl_fail(ctl, rc);
    if ((rc = rk_branch_secret(ctl->branch, secret, 1)) != 0) goto out;
    if (from_stdin && (rc = read_new_pin(pin, sizeof pin, "first PIN of the key: ")) != 0) goto out;
    rk_token_init_opts o = {label,       secret, sizeof secret, from_stdin ? pin : NULL,
                            on_progress, ctl};
    generated[0] = '\0';
    if ((rc = rk_token_init(new_serial, generated, ctx, serial, &o)) != 0) goto out;
    /* Demo keys take the PIN limit of their key model, as real ones have. */
    if ((rc = rk_branch_demo_key_limit(ctl->branch, new_serial)) != 0) goto out;
    if (ctl->json) {
        rk_json *j = rk_ctl_reply(ctl);
        rk_json_kstr(j, "serial", new_serial);
        if (!from_stdin) rk_json_kstr(j, "pin", generated);
        rc = rk_ctl_reply_end(ctl); /* an exit code now */
    } else {
        printf("key %s initialised (%s)\n", new_serial, label);
        if (!from_stdin) printf("first PIN: %s  (print it sealed; it is not kept)\n", generated);
    }
    rk_wipe(pin, sizeof pin);
    rk_wipe(generated, sizeof generated);
    rk_wipe(secret, sizeof secret);
    return rc;
out:
    rk_wipe(pin, sizeof pin);
    rk_wipe(generated, sizeof generated);
    rk_wipe(secret, sizeof secret);
    return rk_ctl_fail(ctl, rc);
}

/* ---- passwd and unlock ---------------------------------------------------- */

/* Warns on standard error about the live PIN state before a PIN is asked. */
static int warn_state(rk_ctl *ctl, rk_token *t)
{
    rk_token_info info;
    int rc = rk_token_status(&info, t);
    if (rc) return rc;
    if (info.pin_state == RK_TOKEN_PIN_FINAL_TRY)
        fprintf(stderr, "warning: 1 try left: one more wrong PIN locks the key\n");
    else if (info.pin_state == RK_TOKEN_PIN_COUNT_LOW && info.tries_left > 0 && !ctl->quiet)
        fprintf(stderr, "note: a wrong PIN was entered before; %d tries left\n", info.tries_left);
    return 0;
}

static int cmd_passwd(rk_ctl *ctl, int argc, char **argv)
{
    char old_pin[RK_TOKEN_PIN_MAX] = "", new_pin[RK_TOKEN_PIN_MAX] = "";
    rk_token *t = NULL;
    rk_token_ctx *ctx;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl key passwd SERIAL\n\n"
               "Changes the user PIN of a key. The old and the new PIN are asked for, or\n"
               "read as two lines of standard input. The live retry state is shown\n"
               "first; a wrong old PIN counts towards the lock like a wrong login.\n");
        return 0;
    }
    if (argc != 2) return rk_ctl_usage(ctl, "ractl key passwd", "give the SERIAL");
    if ((rc = key_ctx(ctl, argv[1], &ctx)) || (rc = rk_token_open(&t, ctx, argv[1])) ||
        (rc = warn_state(ctl, t)))
        goto out;
    if ((rc = rk_ctl_read_secret(old_pin, sizeof old_pin, "current PIN: ")) != 0 ||
        (rc = read_new_pin(new_pin, sizeof new_pin, "new PIN: ")) != 0)
        goto out;
    rc = rk_token_change_pin(t, old_pin, new_pin);
out:
    rk_wipe(old_pin, sizeof old_pin);
    rk_wipe(new_pin, sizeof new_pin);
    rk_token_close(t);
    return rc ? rk_ctl_fail(ctl, rc) : rk_ctl_done(ctl, "PIN of key %s changed", argv[1]);
}

static int audit_unlock(rk_ctl *ctl, const rk_actor *actor, const char *serial)
{
    rk_db *db = NULL;
    char detail[64];
    int rc;
    if ((rc = rk_ctl_db(ctl, &db)) != 0 || (rc = rk_db_begin(db)) != 0) return rc;
    snprintf(detail, sizeof detail, "key %s", serial);
    rk_audit_entry e = {actor->login, "issue", "key.unlock", NULL, NULL, NULL, detail};
    if ((rc = rk_audit_append(db, &e, NULL)) != 0) {
        rk_db_rollback(db);
        return rc;
    }
    return rk_db_commit(db);
}

static int cmd_unlock(rk_ctl *ctl, int argc, char **argv)
{
    char pin[RK_TOKEN_PIN_MAX] = "";
    unsigned char secret[RK_BRANCH_SECRET_LEN];
    rk_token *t = NULL;
    rk_actor actor;
    rk_token_info info;
    rk_token_ctx *ctx;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl key unlock SERIAL\n\n"
               "Unlocks a key whose PIN is locked or forgotten: logs in as the key's\n"
               "security officer with the SO PIN derived from the branch secret and\n"
               "sets a new user PIN (asked for, or one line of standard input). The\n"
               "key's certificates and key pairs stay. Needs a clerk with the issue\n"
               "role logged in (`ractl clerk login`); the unlock is audited.\n");
        return 0;
    }
    if (argc != 2) return rk_ctl_usage(ctl, "ractl key unlock", "give the SERIAL");
    if ((rc = rk_ctl_actor(ctl, &actor)) != 0) return rk_ctl_fail(ctl, rc);
    if (!(actor.roles & RK_ROLE_ISSUE))
        return rk_ctl_fail(ctl, rk_err_set(RK_EPERM,
                                           "unlocking a key needs the issue role; "
                                           "%s does not have it",
                                           actor.login));
    if ((rc = key_ctx(ctl, argv[1], &ctx)) || (rc = rk_branch_secret(ctl->branch, secret, 0)) ||
        (rc = rk_token_open(&t, ctx, argv[1])) || (rc = rk_token_status(&info, t)))
        goto out;
    if (info.pin_state != RK_TOKEN_PIN_LOCKED)
        rk_ctl_info(ctl, "note: the key is not locked (%s); setting a new PIN anyway",
                    rk_token_pin_state_name(info.pin_state));
    if ((rc = read_new_pin(pin, sizeof pin, "new PIN: ")) != 0) goto out;
    if ((rc = rk_token_unlock(t, secret, sizeof secret, pin)) != 0) goto out;
    rc = audit_unlock(ctl, &actor, argv[1]);
out:
    rk_wipe(pin, sizeof pin);
    rk_wipe(secret, sizeof secret);
    rk_token_close(t);
    return rc ? rk_ctl_fail(ctl, rc) : rk_ctl_done(ctl, "key %s unlocked with a new PIN", argv[1]);
}

/* ---- diagnose ------------------------------------------------------------ */

typedef struct finding {
    const char *code; /* DOMAIN.md error code or "" */
    char what[200];
    const char *fix;
} finding;

static int cmd_diagnose(rk_ctl *ctl, int argc, char **argv)
{
    finding f[32];
    int nf = 0, rc, ncerts = 0, nkeys = 0, present = 0;
    rk_token_info info;
    rk_token_object *objs = NULL;
    rk_token *t = NULL;
    rk_token_ctx *ctx;
    int nobj = 0;
    int64_t now = rk_clock_now();

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl key diagnose SERIAL\n\n"
               "Checks a subscriber's key: present? initialised? which certificates and\n"
               "key pairs, certificate validity against today, PIN tries left. Each\n"
               "problem is printed with the error code the subscriber saw (-10101042\n"
               "key not found, -10101011 no certificate, -10101039 expired) and the fix.\n"
               "Exit 0 if no problem was found, 1 if one was.\n");
        return 0;
    }
    if (argc != 2) return rk_ctl_usage(ctl, "ractl key diagnose", "give the SERIAL");
    if ((rc = key_ctx(ctl, argv[1], &ctx)) != 0) return rk_ctl_fail(ctl, rc);
    rc = rk_token_info_get(&info, ctx, argv[1]);
    if (rc == RK_EDEVICE) {
        rc = 0;
        f[nf++] = (finding){"-10101042", "the key is not found in the system",
                            "re-insert it in another USB port; if it is still not seen, the "
                            "key or its driver is damaged (damaged-key replacement)"};
    } else if (rc) {
        return rk_ctl_fail(ctl, rc);
    } else {
        present = 1;
        if (!info.initialised)
            f[nf++] = (finding){"", "the key is blank (not initialised)",
                                "issue a certificate onto it (new certificate)"};
        if (info.pin_state == RK_TOKEN_PIN_LOCKED) {
            finding x = {"-10101019", "", ""};
            snprintf(x.what, sizeof x.what, "the PIN is locked after too many wrong PINs");
            x.fix = !strcmp(info.unlock, "online")
                        ? "unlock online (self-service) or at the counter"
                    : !strcmp(info.unlock, "remote")
                        ? "unlock through remote assistance (hotline)"
                        : "a clerk unlocks it at the counter (ractl key unlock)";
            f[nf++] = x;
        } else if (info.pin_state == RK_TOKEN_PIN_FINAL_TRY) {
            f[nf++] = (finding){"-10101019", "one wrong PIN more locks the key",
                                "check the PIN before signing; never retry blindly"};
        }
    }
    if (present && info.initialised && (rc = rk_token_open(&t, ctx, argv[1])) == 0 &&
        (rc = rk_token_objects(&objs, &nobj, t)) == 0) {
        for (int i = 0; i < nobj && nf < 30; i++) {
            if (objs[i].kind == RK_TOKEN_OBJ_PUBLIC_KEY) nkeys++;
            if (objs[i].kind != RK_TOKEN_OBJ_CERT) continue;
            ncerts++;
            if (objs[i].not_after && objs[i].not_after < now) {
                finding x = {"-10101039", "", "come to the counter to renew the certificate"};
                snprintf(x.what, sizeof x.what, "the certificate %s (serial %s) has expired",
                         objs[i].subject, objs[i].serial_hex);
                f[nf++] = x;
            } else if (objs[i].not_before > now) {
                finding x = {"", "", "check the computer's clock, or wait until it is valid"};
                snprintf(x.what, sizeof x.what, "the certificate %s is not valid yet",
                         objs[i].subject);
                f[nf++] = x;
            }
        }
        if (ncerts == 0)
            f[nf++] = (finding){"-10101011", "no certificate is found on the key",
                                "insert the key and install or activate the driver; if the key "
                                "holds no certificate, it must be issued again"};
    } else if (rc) {
        rk_token_close(t);
        return rk_ctl_fail(ctl, rc);
    }

    if (ctl->json) {
        rk_buf b;
        rk_json j;
        rk_buf_init(&b, 1 << 20);
        rk_json_init(&j, &b);
        rk_json_obj_begin(&j);
        rk_json_kstr(&j, "serial", argv[1]);
        rk_json_kbool(&j, "present", present);
        rk_json_kbool(&j, "healthy", nf == 0);
        if (present) {
            rk_json_key(&j, "key");
            json_info(&j, &info);
        }
        rk_json_key(&j, "objects");
        rk_json_arr_begin(&j);
        for (int i = 0; i < nobj; i++) {
            char hex[140] = "";
            for (size_t k = 0; k < objs[i].id_len && k < 64; k++)
                snprintf(hex + 2 * k, 3, "%02x", objs[i].id[k]);
            rk_json_obj_begin(&j);
            rk_json_kstr(&j, "kind",
                         objs[i].kind == RK_TOKEN_OBJ_CERT          ? "certificate"
                         : objs[i].kind == RK_TOKEN_OBJ_PRIVATE_KEY ? "private_key"
                         : objs[i].kind == RK_TOKEN_OBJ_PUBLIC_KEY  ? "public_key"
                                                                    : "other");
            rk_json_kstr(&j, "id", hex);
            rk_json_kstr(&j, "label", objs[i].label);
            if (objs[i].kind == RK_TOKEN_OBJ_CERT) {
                rk_json_kstr(&j, "subject", objs[i].subject);
                rk_json_kstr(&j, "serial", objs[i].serial_hex);
                rk_json_kint(&j, "not_before", objs[i].not_before);
                rk_json_kint(&j, "not_after", objs[i].not_after);
            } else {
                rk_json_kstr(&j, "key_type", objs[i].key_type);
            }
            rk_json_obj_end(&j);
        }
        rk_json_arr_end(&j);
        rk_json_key(&j, "problems");
        rk_json_arr_begin(&j);
        for (int i = 0; i < nf; i++) {
            rk_json_obj_begin(&j);
            rk_json_kstr(&j, "code", f[i].code);
            rk_json_kstr(&j, "problem", f[i].what);
            rk_json_kstr(&j, "fix", f[i].fix);
            rk_json_obj_end(&j);
        }
        rk_json_arr_end(&j);
        rk_json_obj_end(&j);
        rk_ctl_print_json(ctl, &j, &b);
    } else {
        char buf[64];
        printf("key %s: %s\n", argv[1], present ? "present" : "NOT FOUND");
        if (present) {
            printf("  label: %s   model: %s   initialised: %s\n", info.label,
                   info.key_model[0] ? info.key_model : "-", info.initialised ? "yes" : "no");
            printf("  PIN: %s\n", pin_text(&info, buf, sizeof buf));
        }
        for (int i = 0; i < nobj; i++) {
            if (objs[i].kind == RK_TOKEN_OBJ_CERT) {
                char nb[32], na[32];
                rk_clock_format(nb, objs[i].not_before);
                rk_clock_format(na, objs[i].not_after);
                printf("  certificate %s serial %s, valid %s .. %s\n", objs[i].subject,
                       objs[i].serial_hex, nb, na);
            } else if (objs[i].kind != RK_TOKEN_OBJ_OTHER) {
                printf("  %s key %s \"%s\"\n",
                       objs[i].kind == RK_TOKEN_OBJ_PRIVATE_KEY ? "private" : "public",
                       objs[i].key_type, objs[i].label);
            }
        }
        if (present && info.initialised)
            printf("  %d certificate(s), %d key pair(s)\n", ncerts, nkeys);
        for (int i = 0; i < nf; i++)
            printf("problem%s%s: %s\n  fix: %s\n", f[i].code[0] ? " " : "", f[i].code, f[i].what,
                   f[i].fix);
        if (nf == 0) printf("no problem found\n");
    }
    free(objs);
    rk_token_close(t);
    return nf ? RK_EXIT_FAIL : 0;
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
    rk_ledger *l = NULL;
    rk_enrol_open *list;
    int n, rc;
    if ((rc = rk_ctl_ledger(ctl, &l)) || (rc = rk_enrol_pending(l, &list, &n)))
        return rk_ctl_fail(ctl, rc);
    rk_buf b;
    rk_json j;
    rk_buf_init(&b, 1 << 20);
    rk_json_init(&j, &b);
    rk_json_arr_begin(&j);
    for (int i = 0; i < n; i++) {
        if (ctl->json) {
            rk_json_obj_begin(&j);
            rk_json_kstr(&j, "order", list[i].order_ref);
            rk_json_kstr(&j, "key", list[i].key_serial);
            rk_json_kstr(&j, "step", list[i].step);
            rk_json_kstr(&j, "phase", list[i].phase);
            rk_json_kint(&j, "attempts", list[i].attempts);
            rk_json_kstr(&j, "error", list[i].error);
            rk_json_obj_end(&j);
        } else {
            printf("%-12s key %-18s at %s (%s), %d attempts%s%s\n", list[i].order_ref,
                   list[i].key_serial, list[i].step, list[i].phase, list[i].attempts,
                   list[i].error[0] ? ": " : "", list[i].error);
        }
    }
    rk_json_arr_end(&j);
    free(list);
    if (ctl->json) return rk_ctl_print_json(ctl, &j, &b) ? rk_ctl_fail(ctl, RK_ENOMEM) : 0;
    rk_buf_free(&b);
    return 0;
}

static int cmd_enrol(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *serial = NULL;
    int rollback = 0, rc;
    char pin[RK_TOKEN_PIN_MAX + 2] = "";
    rk_token_ctx *ctx;
    rk_ledger *l = NULL;
    rk_actor actor;
    rk_subca *ca = NULL;
    const rk_profiles *profiles = NULL;
    const rk_issuer *issuer = NULL;
    rk_enrol_result res;
    int pending = 0;

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
               "The subscriber's PIN is asked for, or read as one line on standard input.\n"
               "--pending lists unfinished enrolments.\n");
        return 0;
    }
    const rk_ctl_opt table[] = {
        {.name = "--key", .kind = RK_OPT_STR, .dest = &serial, .arg = "SERIAL"},
        {.name = "--rollback", .kind = RK_OPT_FLAG, .dest = &rollback},
        {.name = "--pending", .kind = RK_OPT_FLAG, .dest = &pending},
    };
    const rk_ctl_args args = {
        .cmd = "ractl key enrol", .opts = table, .n_opts = 3, .pos = &ref, .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (pending) {
        if (ref || serial || rollback)
            return rk_ctl_usage(ctl, "ractl key enrol", "--pending takes nothing else");
        return enrol_pending(ctl);
    }
    if (!ref || (!serial && !rollback))
        return rk_ctl_usage(ctl, "ractl key enrol", "give ORDER and --key SERIAL");
    if ((rc = rk_ctl_ledger(ctl, &l)) || (rc = rk_ctl_actor(ctl, &actor)) ||
        (rc = key_ctx(ctl, serial, &ctx)))
        return rk_ctl_fail(ctl, rc);
    if ((rc = rk_branch_subca(ctl->branch, &ca)) ||
        (rc = rk_branch_profiles(ctl->branch, &profiles)) ||
        (rc = rk_branch_issuer(ctl->branch, &issuer)))
        goto out;
    if (serial || !rollback) {
        rc = rk_ctl_read_secret(pin, sizeof pin, "subscriber's PIN: ");
        if (rc && !rollback) goto out;
        rk_err_clear();
    }
    if (rollback) {
        rc = rk_enrol_rollback(l, &actor, ctx, issuer, ref, pin[0] ? pin : NULL);
    } else {
        rk_order o;
        const rk_profile *p = NULL;
        X509 *recovery = NULL;
        rk_enrol_opts opts = {ref, serial, pin, 0, enrol_progress, ctl, NULL, 0, 0, NULL};
        int changes = 0;
        if ((rc = rk_order_get(l, ref, &o)) == 0) {
            char name[64], enc[64];
            changes = rk_business_changes_status(o.business);
            snprintf(name, sizeof name, "%s-sign", o.cert_kind);
            p = rk_profiles_find(profiles, name);
            opts.alg_is_rsa = p && p->key_alg == RK_PROFILE_KEY_RSA_2048;
            /* Dual certificates when the kind has an encryption profile. */
            snprintf(enc, sizeof enc, "%s-enc", o.cert_kind);
            if ((p = rk_profiles_find(profiles, enc)) != NULL) {
                opts.enc_profile = p->name;
                opts.enc_alg_is_rsa = p->key_alg == RK_PROFILE_KEY_RSA_2048;
                opts.enc_escrow = p->escrow;
                if (p->escrow) rc = rk_escrow_recovery_cert(&recovery, rk_subca_dir(ca));
                opts.recovery = recovery;
            }
            rk_wipe(&o, sizeof o);
            if (!rc) rc = rk_enrol_run(l, &actor, ctx, issuer, &opts, &res);
            X509_free(recovery);
        }
        /* A reissue, change or replacement revoked the old certificate in
         * the ledger: the sub-CA takes it up for its next CRL. */
        if (!rc && changes) rk_ctl_follow_ca(ctl, l, ca);
    }
out:
    rk_wipe(pin, sizeof pin);
    if (rc) return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "order", ref);
    rk_json_kstr(j, "certificate", rollback ? "" : res.cert_serial);
    rk_json_kstr(j, "encryption_certificate", rollback ? "" : res.enc_cert_serial);
    rk_json_kbool(j, "resumed", !rollback && res.resumed);
    if (rollback)
        rk_ctl_info(ctl, "enrolment of order %s rolled back", ref);
    else
        rk_ctl_info(ctl, "order %s issued: certificate %s%s%s on key %s%s", ref, res.cert_serial,
                    res.enc_cert_serial[0] ? ", encryption certificate " : "", res.enc_cert_serial,
                    serial, res.resumed ? " (resumed)" : "");
    return rk_ctl_reply_end(ctl);
}

/* ---- recover ------------------------------------------------------------ */

static int cmd_recover(rk_ctl *ctl, int argc, char **argv)
{
    const char *ref = NULL, *serial = NULL, *keyfile = NULL;
    int rc;
    char pin[RK_TOKEN_PIN_MAX + 2] = "";
    rk_token_ctx *ctx;
    rk_ledger *l = NULL;
    rk_actor actor;
    const rk_issuer *issuer = NULL;
    rk_enrol_result res;
    EVP_PKEY *rkey = NULL;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl key recover ORDER --key SERIAL --recovery-key FILE\n\n"
               "Key recovery (issue role): for an approved, paid key-recovery order, unwraps\n"
               "the escrowed encryption key of the certificate the order names with HQ's\n"
               "recovery key (PEM file: in the demo <data_dir>/ca/demo-recovery.key; in\n"
               "production HQ unwraps it and returns it over the sync channel), writes the\n"
               "same key and the same certificate onto the new key, verifies them and\n"
               "issues the order. Journaled: the same command resumes; `ractl key enrol\n"
               "ORDER --rollback` abandons it. The new key's PIN is asked for, or read as\n"
               "one line on standard input.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--key", .kind = RK_OPT_STR, .dest = &serial, .arg = "SERIAL"},
        {.name = "--recovery-key", .kind = RK_OPT_STR, .dest = &keyfile, .arg = "FILE"},
    };
    const rk_ctl_args args = {
        .cmd = "ractl key recover", .opts = opts, .n_opts = 2, .pos = &ref, .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!ref || !serial || !keyfile)
        return rk_ctl_usage(ctl, "ractl key recover",
                            "give ORDER, --key SERIAL and --recovery-key FILE");
    FILE *f = fopen(keyfile, "r");
    if (!f)
        return rk_ctl_fail(ctl, rk_err_set(RK_EIO, "cannot open %s: %s", keyfile, strerror(errno)));
    rkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!rkey)
        return rk_ctl_fail(ctl, rk_err_set(RK_EFORMAT, "%s holds no PEM private key", keyfile));
    if ((rc = rk_ctl_ledger(ctl, &l)) || (rc = rk_ctl_actor(ctl, &actor)) ||
        (rc = key_ctx(ctl, serial, &ctx)) || (rc = rk_branch_issuer(ctl->branch, &issuer)))
        goto out;
    if ((rc = rk_ctl_read_secret(pin, sizeof pin, "new key's PIN: ")) == 0) {
        rk_recover_opts o = {ref, serial, pin, rkey, enrol_progress, ctl};
        rc = rk_enrol_recover(l, &actor, ctx, issuer, &o, &res);
    }
out:
    rk_wipe(pin, sizeof pin);
    EVP_PKEY_free(rkey);
    if (rc) return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "order", ref);
    rk_json_kstr(j, "certificate", res.enc_cert_serial);
    rk_json_kstr(j, "key", serial);
    rk_json_kbool(j, "resumed", res.resumed);
    rk_ctl_info(ctl, "order %s issued: encryption certificate %s recovered onto key %s%s", ref,
                res.enc_cert_serial, serial, res.resumed ? " (resumed)" : "");
    return rk_ctl_reply_end(ctl);
}

static const rk_ctl_cmd key_cmds[] = {
    {"list", cmd_list, "the keys inserted now, with their PIN state"},
    {"init", cmd_init, "initialise a blank key: label, SO PIN, first user PIN"},
    {"passwd", cmd_passwd, "change a key's user PIN"},
    {"unlock", cmd_unlock, "set a new user PIN on a locked key (clerk with the issue role)"},
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
