/*
 * `ractl clerk add|list|login|logout|whoami|roles|deactivate|activate|
 * key-issue|key-list|key-revoke`: the branch's clerks, their roles, their
 * USB keys and this shell's login session.
 *
 * Passwords and PINs are read from the terminal without echo, or as one line from
 * standard input when it is not a terminal (scripts, tests); they are never
 * taken from the command line, where `ps` would show them.
 */
#include "ctl.h"

#include "branch/clerkkey.h"
#include "branch/keylogin.h"
#include "branch/session.h"
#include "ca/crl.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/wipe.h"
#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_add(rk_ctl *ctl, int argc, char **argv)
{
    const char *login = NULL, *name = NULL, *roles_text = NULL;
    char password[256], again[256];
    unsigned roles;
    rk_actor actor, *by = NULL;
    const rk_conf *conf = NULL;
    rk_db *db = NULL;
    int64_t id = 0;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl clerk add LOGIN --name NAME --roles ROLE[,ROLE...]\n\n"
               "Adds a clerk. Roles: entry, review, issue, archive, supervisor.\n"
               "The password is asked for (twice on a terminal) or read as one line\n"
               "from standard input. The branch's first clerk needs no login and must\n"
               "hold the supervisor role; after that only a logged-in supervisor adds\n"
               "clerks.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--name", .kind = RK_OPT_STR, .dest = &name, .arg = "NAME"},
        {.name = "--roles", .kind = RK_OPT_STR, .dest = &roles_text, .arg = "ROLE[,ROLE...]"},
    };
    const rk_ctl_args args = {
        .cmd = "ractl clerk add", .opts = opts, .n_opts = 2, .pos = &login, .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!login || !name || !roles_text)
        return rk_ctl_usage(ctl, "ractl clerk add", "LOGIN, --name and --roles are required");
    if ((rc = rk_roles_parse(&roles, roles_text)) != 0) return rk_ctl_fail(ctl, rc);
    if ((rc = rk_ctl_conf(ctl, &conf)) != 0 || (rc = rk_ctl_db(ctl, &db)) != 0)
        return rk_ctl_fail(ctl, rc);
    if (rk_ctl_actor(ctl, &actor) == 0) by = &actor;
    rk_err_clear();
    if ((rc = rk_ctl_read_secret(password, sizeof password, "new clerk's password: ")) != 0)
        return rk_ctl_fail(ctl, rc);
    if (isatty(STDIN_FILENO)) {
        if ((rc = rk_ctl_read_secret(again, sizeof again, "again: ")) != 0) {
            rk_wipe(password, sizeof password);
            return rk_ctl_fail(ctl, rc);
        }
        int differ = strcmp(password, again);
        rk_wipe(again, sizeof again);
        if (differ) {
            rk_wipe(password, sizeof password);
            return rk_ctl_fail(ctl, rk_err_set(RK_EINVAL, "the passwords differ"));
        }
    }
    rc = rk_clerk_add(db, conf, by, login, name, roles, password, &id);
    rk_wipe(password, sizeof password);
    if (rc) return rk_ctl_fail(ctl, rc);
    rk_json_kint(rk_ctl_reply(ctl), "id", id);
    rk_ctl_info(ctl, "clerk %s added", login);
    return rk_ctl_reply_end(ctl);
}

static int cmd_list(rk_ctl *ctl, int argc, char **argv)
{
    rk_db *db = NULL;
    rk_clerk *list;
    int n, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl clerk list\n\nLists the branch's clerks, their roles and state:\n"
               "active, inactive, or locked until a time after too many wrong passwords\n"
               "(the login itself never says so: every refused login reads \"wrong login\n"
               "or password\").\n");
        return 0;
    }
    if (argc != 1)
        return rk_ctl_usage(ctl, "ractl clerk list", "unexpected argument '%s'", argv[1]);
    if ((rc = rk_ctl_db(ctl, &db)) != 0 || (rc = rk_clerk_list(db, &list, &n)) != 0)
        return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply_array(ctl);
    if (!ctl->json) printf("%-16s %-24s %-40s %s\n", "LOGIN", "NAME", "ROLES", "STATE");
    for (int i = 0; i < n; i++) {
        char roles[96];
        rk_roles_format(roles, sizeof roles, list[i].roles);
        char state[64] = "active", until[32];
        if (!list[i].active) {
            snprintf(state, sizeof state, "inactive");
        } else if (list[i].locked_until > rk_clock_now()) {
            rk_ctl_time(until, sizeof until, list[i].locked_until);
            snprintf(state, sizeof state, "locked until %s", until);
        }
        rk_json_obj_begin(j);
        rk_json_kstr(j, "login", list[i].login);
        rk_json_kstr(j, "name", list[i].name);
        rk_json_kstr(j, "roles", roles);
        rk_json_kbool(j, "active", list[i].active);
        rk_json_kint(j, "locked_until", list[i].locked_until);
        rk_json_obj_end(j);
        if (!ctl->json) { /* names are Chinese: lined up by display columns */
            char name[160];
            rk_utf8_pad(name, sizeof name, list[i].name, 24);
            printf("%-16s %s %-40s %s\n", list[i].login, name, roles, state);
        }
    }
    free(list);
    return rk_ctl_reply_end(ctl);
}

/* Opens the session and tells who is logged in. */
static int logged_in(rk_ctl *ctl, const rk_actor *actor, const char *key)
{
    char roles[96];
    int rc;
    if ((rc = rk_branch_session_save(ctl->branch)) != 0) return rk_ctl_fail(ctl, rc);
    rk_roles_format(roles, sizeof roles, actor->roles);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "login", actor->login);
    rk_json_kstr(j, "roles", roles);
    if (key) rk_json_kstr(j, "key", key);
    rk_ctl_info(ctl, "logged in as %s (%s)%s%s", actor->login, roles, key ? " with USB key " : "",
                key ? key : "");
    return rk_ctl_reply_end(ctl);
}

static int cmd_login(rk_ctl *ctl, int argc, char **argv)
{
    char secret[256], picked[RK_TOKEN_SERIAL_MAX];
    const char *login = NULL, *token = NULL;
    const rk_conf *conf = NULL;
    rk_actor actor;
    rk_db *db = NULL;
    int with_key = 0, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl clerk login LOGIN\n"
               "       ractl clerk login --key [--token SERIAL]\n\n"
               "Opens a session for this shell, kept in $RAKIOSK_SESSION or in the\n"
               "branch's sessions folder. It lasts [clerk] session_hours.\n\n"
               "--key: with the clerk's own USB key (the one clerk key inserted, or\n"
               "--token SERIAL) and its PIN (asked for, or one line on standard input):\n"
               "the key signs a fresh challenge, checked against the clerk certificate,\n"
               "the branch sub-CA, the roster and the newest CRL. Every refusal reads\n"
               "\"" RK_BRANCH_KEYLOGIN_REFUSED "\".\n\n"
               "LOGIN: with the clerk's password, when [clerk] password_login allows it\n"
               "(the demo configuration does). Too many wrong passwords lock the clerk\n"
               "for [clerk] lockout_minutes; every refusal reads \"wrong login or\n"
               "password\".\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--key", .kind = RK_OPT_FLAG, .dest = &with_key, .help = "log in with a USB key"},
        {.name = "--token", .kind = RK_OPT_STR, .dest = &token, .arg = "SERIAL"},
    };
    const rk_ctl_args args = {
        .cmd = "ractl clerk login", .opts = opts, .n_opts = 2, .pos = &login, .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (token && !with_key)
        return rk_ctl_usage(ctl, "ractl clerk login", "--token goes with --key");
    if (with_key == !!login)
        return rk_ctl_usage(ctl, "ractl clerk login", "give the LOGIN, or --key");
    if ((rc = rk_ctl_conf(ctl, &conf)) != 0 || (rc = rk_ctl_db(ctl, &db)) != 0)
        return rk_ctl_fail(ctl, rc);
    if (with_key) {
        /* Find the key before asking for its PIN. */
        if (!token) {
            if ((rc = rk_branch_clerk_key_pick(ctl->branch, picked)) != 0) {
                if (rc == RK_EINVAL) rk_err_wrap(rc, "name it with --token SERIAL");
                return rk_ctl_fail(ctl, rc);
            }
            token = picked;
        }
        if ((rc = rk_ctl_read_secret(secret, sizeof secret, "PIN: ")) != 0)
            return rk_ctl_fail(ctl, rc);
        rc = rk_branch_login_key(ctl->branch, token, secret, &actor);
    } else {
        if ((rc = rk_ctl_read_secret(secret, sizeof secret, "password: ")) != 0)
            return rk_ctl_fail(ctl, rc);
        rc = rk_branch_login(ctl->branch, login, secret, &actor);
    }
    rk_wipe(secret, sizeof secret);
    if (rc) return rk_ctl_fail(ctl, rc);
    return logged_in(ctl, &actor, with_key ? token : NULL);
}

static int cmd_key_issue(rk_ctl *ctl, int argc, char **argv)
{
    const char *login = NULL, *key = NULL;
    char pin[RK_TOKEN_PIN_MAX + 64], until[32];
    rk_clerk_cert c;
    rk_actor actor;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl clerk key-issue LOGIN --key SERIAL\n\n"
               "Issues the clerk's login certificate onto the clerk's own USB key\n"
               "(supervisor only): a key pair is generated on the key, the branch\n"
               "sub-CA issues a certificate of the profile \"clerk\" for it, which is\n"
               "written to the key, read back and checked, then entered in the roster\n"
               "(audited). The key is initialised first (`ractl key init`); its PIN\n"
               "is asked for, or read as one line from standard input.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--key", .kind = RK_OPT_STR, .dest = &key, .arg = "SERIAL"},
    };
    const rk_ctl_args args = {
        .cmd = "ractl clerk key-issue", .opts = opts, .n_opts = 1, .pos = &login, .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!login || !key)
        return rk_ctl_usage(ctl, "ractl clerk key-issue", "LOGIN and --key are required");
    if ((rc = rk_ctl_actor(ctl, &actor)) != 0 ||
        (rc = rk_actor_require(&actor, RK_ROLE_SUPERVISOR)))
        return rk_ctl_fail(ctl, rc);
    if ((rc = rk_ctl_read_secret(pin, sizeof pin, "the clerk key's PIN: ")) != 0)
        return rk_ctl_fail(ctl, rc);
    rk_branch_clerk_key_req req = {.login = login, .key_serial = key, .pin = pin};
    rc = rk_branch_clerk_key_issue(ctl->branch, &actor, &req, &c);
    rk_wipe(pin, sizeof pin);
    if (rc) return rk_ctl_fail(ctl, rc);
    rk_ctl_time(until, sizeof until, c.not_after);
    char sx[RK_HEX_SERIAL_MAX];
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "login", c.login);
    rk_json_kstr(j, "serial", rk_ctl_serial(sx, c.serial));
    rk_json_kstr(j, "issuer", c.issuer);
    rk_json_kstr(j, "key", c.key_serial);
    rk_json_kint(j, "not_after", c.not_after);
    rk_ctl_info(ctl, "clerk certificate %s for %s on USB key %s, valid until %s", sx, c.login,
                c.key_serial, until);
    return rk_ctl_reply_end(ctl);
}

static int cmd_key_list(rk_ctl *ctl, int argc, char **argv)
{
    const char *login = NULL;
    rk_clerk_cert *list = NULL;
    rk_db *db = NULL;
    int n = 0, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl clerk key-list [LOGIN]\n\n"
               "Lists the clerk certificates of the roster (of LOGIN, or all): serial,\n"
               "clerk, USB key, validity, and whether it is revoked.\n");
        return 0;
    }
    const rk_ctl_args args = {.cmd = "ractl clerk key-list", .pos = &login, .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if ((rc = rk_ctl_db(ctl, &db)) != 0 || (rc = rk_clerk_cert_list(db, login, &list, &n)) != 0)
        return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply_array(ctl);
    if (!ctl->json)
        printf("%-34s %-16s %-17s %-20s %s\n", "SERIAL", "CLERK", "KEY", "UNTIL", "STATE");
    for (int i = 0; i < n; i++) {
        char until[32], sx[RK_HEX_SERIAL_MAX];
        rk_ctl_time(until, sizeof until, list[i].not_after);
        rk_ctl_serial(sx, list[i].serial);
        rk_json_obj_begin(j);
        rk_json_kstr(j, "serial", sx);
        rk_json_kstr(j, "login", list[i].login);
        rk_json_kstr(j, "key", list[i].key_serial);
        rk_json_kstr(j, "issuer", list[i].issuer);
        rk_json_kint(j, "not_after", list[i].not_after);
        rk_json_kbool(j, "revoked", list[i].revoked_at != 0);
        rk_json_obj_end(j);
        if (!ctl->json)
            printf("%-34s %-16s %-17s %-20s %s\n", sx, list[i].login, list[i].key_serial, until,
                   list[i].revoked_at ? "revoked" : "in force");
    }
    free(list);
    return rk_ctl_reply_end(ctl);
}

static int cmd_key_revoke(rk_ctl *ctl, int argc, char **argv)
{
    const char *serial = NULL, *reason_text = NULL, *why = NULL;
    uint64_t number = 0;
    rk_actor actor;
    int reason = RK_CRL_CESSATION, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl clerk key-revoke SERIAL [--reason REASON] [--why TEXT]\n\n"
               "Revokes a clerk certificate (supervisor only): the roster refuses the\n"
               "key at once, the sub-CA revokes it (default reason\n"
               "cessationOfOperation; keyCompromise for a lost key) and signs the CRL.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--reason", .kind = RK_OPT_STR, .dest = &reason_text, .arg = "REASON"},
        {.name = "--why", .kind = RK_OPT_STR, .dest = &why, .arg = "TEXT"},
    };
    const rk_ctl_args args = {
        .cmd = "ractl clerk key-revoke", .opts = opts, .n_opts = 2, .pos = &serial, .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!serial) return rk_ctl_usage(ctl, "ractl clerk key-revoke", "give the SERIAL");
    if (reason_text && (rc = rk_crl_reason_parse(&reason, reason_text)) != 0)
        return rk_ctl_fail(ctl, rc);
    if ((rc = rk_ctl_actor(ctl, &actor)) != 0 ||
        (rc = rk_branch_clerk_key_revoke(ctl->branch, &actor, serial, reason, why, &number)) != 0)
        return rk_ctl_fail(ctl, rc);
    char sx[RK_HEX_SERIAL_MAX];
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "serial", rk_ctl_serial(sx, serial));
    rk_json_kint(j, "crl_number", (int64_t)number);
    rk_ctl_info(ctl, "clerk certificate %s revoked; CRL number %llu signed", sx,
                (unsigned long long)number);
    return rk_ctl_reply_end(ctl);
}

static int cmd_logout(rk_ctl *ctl, int argc, char **argv)
{
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl clerk logout\n\nEnds this shell's clerk session.\n");
        return 0;
    }
    if (argc != 1)
        return rk_ctl_usage(ctl, "ractl clerk logout", "unexpected argument '%s'", argv[1]);
    if ((rc = rk_branch_logout(ctl->branch)) != 0) return rk_ctl_fail(ctl, rc);
    return rk_ctl_done(ctl, "logged out");
}

static int cmd_whoami(rk_ctl *ctl, int argc, char **argv)
{
    rk_actor actor;
    char roles[96];
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl clerk whoami\n\nNames the clerk logged in in this shell.\n");
        return 0;
    }
    (void)argc;
    if ((rc = rk_ctl_actor(ctl, &actor)) != 0) return rk_ctl_fail(ctl, rc);
    rk_roles_format(roles, sizeof roles, actor.roles);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "login", actor.login);
    rk_json_kstr(j, "roles", roles);
    if (!ctl->json) printf("%s (%s)\n", actor.login, roles);
    return rk_ctl_reply_end(ctl);
}

static int cmd_roles(rk_ctl *ctl, int argc, char **argv)
{
    rk_actor actor;
    rk_db *db = NULL;
    unsigned roles;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl clerk roles LOGIN ROLE[,ROLE...]\n\n"
               "Replaces a clerk's roles (supervisor only).\n");
        return 0;
    }
    if (argc != 3) return rk_ctl_usage(ctl, "ractl clerk roles", "give LOGIN and ROLES");
    if ((rc = rk_roles_parse(&roles, argv[2])) || (rc = rk_ctl_db(ctl, &db)) ||
        (rc = rk_ctl_actor(ctl, &actor)) || (rc = rk_clerk_set_roles(db, &actor, argv[1], roles)))
        return rk_ctl_fail(ctl, rc);
    return rk_ctl_done(ctl, "roles of %s set to %s", argv[1], argv[2]);
}

static int set_active(rk_ctl *ctl, int argc, char **argv, int active)
{
    rk_actor actor;
    rk_db *db = NULL;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl clerk %s LOGIN\n\n%s (supervisor only).\n", argv[0],
               active ? "Lets a deactivated clerk log in again"
                      : "Stops a clerk from logging in and ends their sessions");
        return 0;
    }
    if (argc != 2) return rk_ctl_usage(ctl, "ractl clerk", "give the LOGIN");
    if ((rc = rk_ctl_db(ctl, &db)) || (rc = rk_ctl_actor(ctl, &actor)) ||
        (rc = rk_clerk_set_active(db, &actor, argv[1], active)))
        return rk_ctl_fail(ctl, rc);
    return rk_ctl_done(ctl, "clerk %s %s", argv[1], active ? "activated" : "deactivated");
}

static int cmd_deactivate(rk_ctl *ctl, int argc, char **argv)
{
    return set_active(ctl, argc, argv, 0);
}

static int cmd_activate(rk_ctl *ctl, int argc, char **argv)
{
    return set_active(ctl, argc, argv, 1);
}

static const rk_ctl_cmd clerk_commands[] = {
    {"add", cmd_add, "add a clerk with roles"},
    {"list", cmd_list, "list the clerks"},
    {"login", cmd_login, "log in for this shell (password or USB key)"},
    {"logout", cmd_logout, "end this shell's session"},
    {"whoami", cmd_whoami, "name the logged-in clerk"},
    {"roles", cmd_roles, "replace a clerk's roles"},
    {"deactivate", cmd_deactivate, "stop a clerk from logging in"},
    {"activate", cmd_activate, "let a clerk log in again"},
    {"key-issue", cmd_key_issue, "issue a clerk's login certificate onto their USB key"},
    {"key-list", cmd_key_list, "list the clerks' USB key certificates"},
    {"key-revoke", cmd_key_revoke, "revoke a clerk's USB key certificate"},
};

int rk_ctl_cmd_clerk(rk_ctl *ctl, int argc, char **argv)
{
    return rk_ctl_dispatch(ctl, argc, argv, "ractl clerk",
                           "The branch's clerks (roles: entry, review, issue, archive, "
                           "supervisor).",
                           clerk_commands, (int)(sizeof clerk_commands / sizeof clerk_commands[0]));
}
