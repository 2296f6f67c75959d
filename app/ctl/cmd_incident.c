/*
 * `ractl incident`: the clerk records an incident (urgent / serious /
 * general, what it affects), notes the first contact with the customer,
 * closes it, and lists incidents with their escalation state
 * (branch/incidents.h does the work; a clerk's login).
 */
#include "ctl.h"

#include "branch/incidents.h"
#include "util/err.h"

#include <stdlib.h>

static void incident_json(rk_json *j, const rk_incident *x, const rk_incident_state *s)
{
    rk_json_kstr(j, "uuid", x->uuid);
    rk_json_kstr(j, "level", rk_incident_level_name(x->level));
    rk_json_kstr(j, "affected", x->affected);
    rk_json_kstr(j, "summary", x->summary);
    rk_json_kstr(j, "opened_by", x->opened_by);
    rk_json_kint(j, "opened_at", x->opened_at);
    rk_json_kint(j, "contacted_at", x->contacted_at);
    rk_json_kint(j, "closed_at", x->closed_at);
    if (s) {
        rk_json_kbool(j, "open", s->open);
        rk_json_kint(j, "rung", s->rung);
        rk_json_kstr(j, "escalated_to", s->role);
        rk_json_kint(j, "next_at", s->next_at);
        rk_json_kstr(j, "next_to", s->next_role);
        rk_json_kbool(j, "contact_overdue", s->contact_overdue);
        rk_json_kbool(j, "solution_overdue", s->solution_overdue);
    }
}

static int cmd_record(rk_ctl *ctl, int argc, char **argv)
{
    const char *level = NULL, *affected = NULL, *summary = NULL;
    rk_incident x;
    int rc;
    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl incident record --level urgent|serious|general --affected TEXT\n"
               "                             --summary TEXT\n\n"
               "Records an incident and starts its escalation ladder: urgent to the account\n"
               "manager at 2 h, the support manager at 8 h, the technical director at 12 h\n"
               "and the president at 24 h; serious starts at 8 h, general at 12 h. First\n"
               "contact is due within 1 hour. HQ receives it with the next sync.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--level", .kind = RK_OPT_ENUM, .dest = &level, .values = rk_incident_levels},
        {.name = "--affected", .kind = RK_OPT_STR, .dest = &affected, .arg = "TEXT"},
        {.name = "--summary", .kind = RK_OPT_STR, .dest = &summary, .arg = "TEXT"},
    };
    const rk_ctl_args args = {.cmd = "ractl incident record", .opts = opts, .n_opts = 3};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!level || !affected || !summary)
        return rk_ctl_usage(ctl, "ractl incident record",
                            "--level, --affected and --summary are "
                            "required");
    if ((rc = rk_branch_incident_open(ctl->branch, level, affected, summary, &x)) != 0)
        return rk_ctl_fail(ctl, rc);
    incident_json(rk_ctl_reply(ctl), &x, NULL);
    rk_ctl_info(ctl, "incident %s recorded (%s): %s", x.uuid, level, affected);
    return rk_ctl_reply_end(ctl);
}

static int cmd_contact(rk_ctl *ctl, int argc, char **argv)
{
    const char *pos[1];
    int npos = 0, rc;
    rk_incident x;
    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl incident contact UUID\n\n"
               "Notes that the customer was first contacted about the incident.\n");
        return 0;
    }
    const rk_ctl_args args = {
        .cmd = "ractl incident contact", .pos = pos, .max_pos = 1, .n_pos = &npos};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (npos != 1) return rk_ctl_usage(ctl, "ractl incident contact", "give the incident's UUID");
    if ((rc = rk_branch_incident_contact(ctl->branch, pos[0], &x)) != 0)
        return rk_ctl_fail(ctl, rc);
    incident_json(rk_ctl_reply(ctl), &x, NULL);
    rk_ctl_info(ctl, "incident %s: first contact noted", x.uuid);
    return rk_ctl_reply_end(ctl);
}

static int cmd_close(rk_ctl *ctl, int argc, char **argv)
{
    const char *pos[1], *resolution = NULL;
    int npos = 0, rc;
    rk_incident x;
    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl incident close UUID --resolution TEXT\n\n"
               "Closes the incident; its escalation ladder stops.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--resolution", .kind = RK_OPT_STR, .dest = &resolution, .arg = "TEXT"},
    };
    const rk_ctl_args args = {.cmd = "ractl incident close",
                              .opts = opts,
                              .n_opts = 1,
                              .pos = pos,
                              .max_pos = 1,
                              .n_pos = &npos};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (npos != 1 || !resolution)
        return rk_ctl_usage(ctl, "ractl incident close", "give the UUID and --resolution");
    if ((rc = rk_branch_incident_close(ctl->branch, pos[0], resolution, &x)) != 0)
        return rk_ctl_fail(ctl, rc);
    incident_json(rk_ctl_reply(ctl), &x, NULL);
    rk_ctl_info(ctl, "incident %s closed", x.uuid);
    return rk_ctl_reply_end(ctl);
}

static int cmd_list(rk_ctl *ctl, int argc, char **argv)
{
    rk_incident *x;
    rk_incident_state *s;
    int64_t now;
    int n, rc, all = 0;
    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl incident list [--all]\n\n"
               "Open incidents (with --all closed ones too), newest first, with where each\n"
               "stands on its escalation ladder now.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--all", .kind = RK_OPT_FLAG, .dest = &all, .help = "closed ones too"},
    };
    const rk_ctl_args args = {.cmd = "ractl incident list", .opts = opts, .n_opts = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if ((rc = rk_branch_incident_list(ctl->branch, !all, &x, &s, &n, &now)) != 0)
        return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply_array(ctl);
    for (int i = 0; i < n; i++) {
        char opened[32], next[32];
        rk_json_obj_begin(j);
        incident_json(j, &x[i], &s[i]);
        rk_json_obj_end(j);
        rk_ctl_time(opened, sizeof opened, x[i].opened_at);
        rk_ctl_time(next, sizeof next, s[i].next_at);
        rk_ctl_info(ctl, "%s  %-7s  %s  %s  escalated to: %s%s%s%s%s", x[i].uuid,
                    rk_incident_level_name(x[i].level), opened, x[i].affected,
                    s[i].rung ? s[i].role : "nobody yet", s[i].next_at ? "; next " : "",
                    s[i].next_at ? s[i].next_role : "", s[i].next_at ? " at " : "",
                    s[i].next_at ? next : "");
        if (s[i].contact_overdue) rk_ctl_info(ctl, "    first contact overdue (due within 1 h)");
        if (!s[i].open) rk_ctl_info(ctl, "    closed: %s", x[i].resolution);
    }
    free(x);
    free(s);
    return rk_ctl_reply_end(ctl);
}

static const rk_ctl_cmd incident_commands[] = {
    {"record", cmd_record, "record an incident and start its escalation ladder"},
    {"contact", cmd_contact, "note the first contact with the customer"},
    {"close", cmd_close, "close an incident with its resolution"},
    {"list", cmd_list, "incidents with their escalation state"},
};

int rk_ctl_cmd_incident(rk_ctl *ctl, int argc, char **argv)
{
    return rk_ctl_dispatch(ctl, argc, argv, "ractl incident",
                           "Incidents and their escalation ladder (seed 002).", incident_commands,
                           (int)(sizeof incident_commands / sizeof incident_commands[0]));
}
