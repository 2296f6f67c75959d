/*
 * `ractl validate id|uscc|orgcode|mobile|email|date|ssn|ssn_person VALUE`:
 * checks one identifier with the core's validators (domain/validate.h) and
 * says which problem it has. Needs no database; the configuration, when
 * there is one, gives the pilot regions of credit codes ([validate]
 * uscc_pilot_regions), so support staff and scripts can use it anywhere.
 *
 * Exit 0 when valid, 9 when valid with a warning (a pilot-region credit
 * code: a clerk accepts it with a recorded reason), 1 when invalid, 2 on
 * wrong arguments.
 */
#include "ctl.h"

#include "domain/validate.h"
#include "util/err.h"

#include <string.h>

static const struct {
    const char *kind, *title, *help;
} kinds[] = {
    {"id", "ID number",
     "A resident ID number (GB 11643-1999): 18 characters, or the old 15 digits,\n"
     "which are converted to 18. Checks the province code, the birth date (a real\n"
     "date, from 1900, not in the future: RAKIOSK_NOW moves 'today'), and the\n"
     "check character (a lower-case x is accepted). Also accepts Hong Kong, Macau\n"
     "and Taiwan residents' residence permits (810000/820000/830000...) and\n"
     "foreigners' permanent residence IDs (2023 format, starting with 9).\n"
     "Prints the normalised number, birth date, sex and region.\n"},
    {"uscc", "unified social credit code",
     "A unified social credit code (GB 32100-2015): 18 characters without I, O,\n"
     "S, V, Z; checks the authority and category pair, the region code, the\n"
     "organisation code inside (characters 9-17) and the check character. In a\n"
     "pilot region of early codes (kiosk.conf [validate] uscc_pilot_regions,\n"
     "characters 3-8), a code whose organisation code holds but whose own check\n"
     "character does not is valid with a warning (exit 9): a clerk may take it\n"
     "with a recorded reason (order new --accept-warning). Elsewhere it is\n"
     "invalid.\n"},
    {"orgcode", "organisation code",
     "An organisation code (GB 11714): 9 characters, or 10 written XXXXXXXX-X.\n"
     "Prints it normalised to 9 characters without the hyphen.\n"},
    {"mobile", "mobile number",
     "A mainland mobile number: 11 digits starting 13 to 19; a +86 or 0086 prefix,\n"
     "spaces and hyphens are allowed. Prints the 11 digits.\n"},
    {"email", "e-mail address",
     "An e-mail address (a pragmatic RFC 5321 check): one @, a local part of at\n"
     "most 64 allowed characters without leading, trailing or double dots, a\n"
     "domain with a dot and a top-level domain of letters. Catches missing @,\n"
     "spaces, full-width symbols and commas for dots. Prints it with the domain in\n"
     "lower case.\n"},
    {"date", "date", "A date written YYYY-MM-DD: a real calendar date from 1900 to 2199.\n"},
    {"ssn", "unit social-security number",
     "A unit's social-security number (单位社保编号). Branch rule, as regions\n"
     "differ: 6 to 20 digits and letters (lower case is upper-cased).\n"},
    {"ssn_person", "personal social-security number",
     "An individual's social-security number, which is their resident ID number:\n"
     "checked exactly as 'ractl validate id'.\n"},
};
#define N_KINDS ((int)(sizeof kinds / sizeof kinds[0]))

static const char *id_kind_name(int kind)
{
    switch (kind) {
    case RK_ID_RESIDENT: return "resident";
    case RK_ID_RESIDENT15: return "resident15";
    case RK_ID_PERMIT_HMT: return "permit_hmt";
    case RK_ID_FOREIGN_PR: return "foreign_pr";
    default: return NULL;
    }
}

static int print_json(rk_ctl *ctl, const rk_valid *v)
{
    char date[16];
    rk_json *j = rk_ctl_reply_ok(ctl, v->ok);
    rk_json_kbool(j, "warning", v->warning);
    rk_json_kstr(j, "reason", v->reason);
    rk_json_kstr(j, "message", v->message);
    rk_json_kstr(j, "message_zh", v->message_zh);
    rk_json_kstr(j, "normalized", v->ok ? v->normalized : NULL);
    if (v->ok && v->kind) {
        snprintf(date, sizeof date, "%04d-%02d-%02d", v->year, v->month, v->day);
        rk_json_kstr(j, "id_kind", id_kind_name(v->kind));
        rk_json_kstr(j, "birth_date", date);
        rk_json_kstr(j, "sex", v->sex == 'M' ? "M" : "F");
        if (v->nationality[0]) rk_json_kstr(j, "nationality", v->nationality);
    }
    if (v->ok && v->region[0]) rk_json_kstr(j, "region", v->region);
    return rk_ctl_reply_end(ctl);
}

static int cmd_kind(rk_ctl *ctl, int argc, char **argv)
{
    const char *kind = argv[0], *values[2] = {NULL, NULL};
    char path[64];
    rk_valid v;
    int k, rc, n_values = 0;

    for (k = 0; k < N_KINDS && strcmp(kinds[k].kind, kind); k++)
        ;
    snprintf(path, sizeof path, "ractl validate %s", kind);
    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: %s [--json] VALUE\n\nChecks one %s.\n%s\n"
               "Exit 0: valid; 9: valid with a warning (\"valid with a warning: ...\": a\n"
               "clerk must check it and record why it is accepted); 1: invalid, the reason\n"
               "on standard error; 2: wrong arguments. --json prints {\"ok\", \"warning\",\n"
               "\"reason\", \"message\", \"message_zh\", \"normalized\", ...} on standard\n"
               "output instead.\n",
               path, kinds[k].title, kinds[k].help);
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--json", .letter = 'j', .kind = RK_OPT_FLAG, .dest = &ctl->json},
    };
    const rk_ctl_args args = {
        .cmd = path, .opts = opts, .n_opts = 1, .pos = values, .max_pos = 2, .n_pos = &n_values};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (n_values > 1) return rk_ctl_usage(ctl, path, "one VALUE only (quote a value with spaces)");
    const char *value = values[0];
    if (!value) return rk_ctl_usage(ctl, path, "VALUE is missing");

    /* The pilot regions come from the configuration, when there is one. */
    const rk_conf *conf = NULL;
    rk_validate_rules rules = {NULL, 0};
    if (rk_ctl_conf(ctl, &conf) == 0) {
        rules.uscc_pilot_regions = conf->uscc_pilot_regions;
        rules.n_uscc_pilot_regions = conf->n_uscc_pilot_regions;
    } else if (!strcmp(kind, "uscc") && !ctl->json) {
        fprintf(stderr, "note: no configuration read (%s): no pilot regions apply\n", rk_err_msg());
    }
    rk_err_clear();
    rc = rk_validate_by_name_in(&v, kind, value, &rules);
    if (rc && !v.reason[0]) return rk_ctl_fail(ctl, rc); /* not a verdict: an error */
    int ok = v.warning ? RK_EXIT_WARNING : RK_EXIT_OK;
    if (ctl->json) {
        int jrc = print_json(ctl, &v);
        return jrc ? jrc : rc ? RK_EXIT_FAIL : ok;
    }
    if (rc) return rk_ctl_fail(ctl, rc);
    if (v.warning)
        printf("valid with a warning: %s: %s\n", v.normalized, v.message);
    else
        rk_ctl_info(ctl, "valid %s", v.normalized);
    if (v.kind) {
        static const char *const what[] = {"", "resident ID number",
                                           "old 15-digit ID number, converted to 18",
                                           "Hong Kong/Macau/Taiwan residents' residence permit",
                                           "foreigner's permanent residence ID"};
        rk_ctl_info(ctl, "kind:       %s", what[v.kind]);
        rk_ctl_info(ctl, "birth date: %04d-%02d-%02d", v.year, v.month, v.day);
        rk_ctl_info(ctl, "sex:        %s", v.sex == 'M' ? "male" : "female");
        if (v.nationality[0]) rk_ctl_info(ctl, "nationality: %s", v.nationality);
    }
    if (v.region[0]) rk_ctl_info(ctl, "region:     %s", v.region);
    return ok;
}

static const rk_ctl_cmd validate_commands[] = {
    {"id", cmd_kind, "resident ID number (also HK/Macau/Taiwan permits, foreigners' PR IDs)"},
    {"uscc", cmd_kind, "unified social credit code (GB 32100)"},
    {"orgcode", cmd_kind, "organisation code (GB 11714)"},
    {"mobile", cmd_kind, "mainland mobile number"},
    {"email", cmd_kind, "e-mail address"},
    {"date", cmd_kind, "date YYYY-MM-DD"},
    {"ssn", cmd_kind, "a unit's social-security number"},
    {"ssn_person", cmd_kind, "a person's social-security number (= ID number)"},
};

int rk_ctl_cmd_validate(rk_ctl *ctl, int argc, char **argv)
{
    return rk_ctl_dispatch(ctl, argc, argv, "ractl validate",
                           "Checks an identifier and says which problem it has. Needs no\n"
                           "configuration or database.",
                           validate_commands,
                           (int)(sizeof validate_commands / sizeof validate_commands[0]));
}
