/*
 * `ractl clerk add|list|login|logout|whoami|roles|deactivate|activate`:
 * the branch's clerks, their roles and this shell's login session.
 *
 * Passwords are read from the terminal without echo, or as one line from
 * standard input when it is not a terminal (scripts, tests); they are never
 * taken from the command line, where `ps` would show them.
 */
#include "ctl.h"

#include "branch/session.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/wipe.h"

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
        if (!ctl->json) printf("%-16s %-24s %-40s %s\n", list[i].login, list[i].name, roles, state);
    }
    free(list);
    return rk_ctl_reply_end(ctl);
}

static int cmd_login(rk_ctl *ctl, int argc, char **argv)
{
    char password[256];
    rk_actor actor;
    rk_db *db = NULL;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl clerk login LOGIN\n\n"
               "Checks the clerk's password (asked for, or one line on standard input)\n"
               "and opens a session for this shell, kept in $RAKIOSK_SESSION or in the\n"
               "branch's sessions folder. It lasts [clerk] session_hours. Too many\n"
               "wrong passwords lock the clerk for [clerk] lockout_minutes.\n");
        return 0;
    }
    if (argc != 2) return rk_ctl_usage(ctl, "ractl clerk login", "give the LOGIN");
    if ((rc = rk_ctl_db(ctl, &db)) != 0) return rk_ctl_fail(ctl, rc);
    if ((rc = rk_ctl_read_secret(password, sizeof password, "password: ")) != 0)
        return rk_ctl_fail(ctl, rc);
    rc = rk_branch_login(ctl->branch, argv[1], password, &actor);
    rk_wipe(password, sizeof password);
    if (rc || (rc = rk_branch_session_save(ctl->branch)) != 0) return rk_ctl_fail(ctl, rc);
    char roles[96];
    rk_roles_format(roles, sizeof roles, actor.roles);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "login", actor.login);
    rk_json_kstr(j, "roles", roles);
    rk_ctl_info(ctl, "logged in as %s (%s)", actor.login, roles);
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
    {"login", cmd_login, "log in for this shell"},
    {"logout", cmd_logout, "end this shell's session"},
    {"whoami", cmd_whoami, "name the logged-in clerk"},
    {"roles", cmd_roles, "replace a clerk's roles"},
    {"deactivate", cmd_deactivate, "stop a clerk from logging in"},
    {"activate", cmd_activate, "let a clerk log in again"},
};

int rk_ctl_cmd_clerk(rk_ctl *ctl, int argc, char **argv)
{
    return rk_ctl_dispatch(ctl, argc, argv, "ractl clerk",
                           "The branch's clerks (roles: entry, review, issue, archive, "
                           "supervisor).",
                           clerk_commands, (int)(sizeof clerk_commands / sizeof clerk_commands[0]));
}
