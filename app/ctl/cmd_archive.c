/*
 * `ractl archive boxes|list|labels`: the paper archive. `boxes` files the
 * delivered orders of a group into numbered boxes sorted by the unit's
 * social-security number (archive role; --dry-run shows the plan), `list`
 * shows the boxes, `labels` writes their A4 labels as a PDF.
 */
#include "ctl.h"

#include "branch/reports.h"
#include "domain/archive.h"
#include "print/a4.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static const char *const groups[] = {"new", "renew", "other", NULL};

static void day(char *out, size_t n, int64_t t)
{
    char full[32];
    rk_ctl_time(full, sizeof full, t);
    snprintf(out, n, "%.10s", full);
}

/* Prints boxes as a table or a JSON array; frees them. */
static int print_boxes(rk_ctl *ctl, rk_archive_box *boxes, int n, int archived, int dry_run,
                       int with_added)
{
    char d1[16], d2[16];
    rk_json *j = rk_ctl_reply(ctl);
    if (with_added) {
        rk_json_kbool(j, "dry_run", dry_run);
        rk_json_kint(j, "archived", archived);
    }
    rk_json_key(j, "boxes");
    rk_json_arr_begin(j);
    if (!ctl->json)
        printf("%-22s %-6s %9s %-6s %-14s %-14s %s\n", "BOX", "GROUP", "FILES", "STATE",
               "FIRST SSN", "LAST SSN", "DATES");
    for (int i = 0; i < n; i++) {
        const rk_archive_box *x = &boxes[i];
        rk_json_obj_begin(j);
        rk_json_kstr(j, "label", x->label);
        rk_json_kstr(j, "group", x->group);
        rk_json_kint(j, "capacity", x->capacity);
        rk_json_kint(j, "count", x->count);
        if (with_added) rk_json_kint(j, "added", x->added);
        rk_json_kbool(j, "sealed", x->sealed_at != 0);
        rk_json_kstr(j, "ssn_first", x->ssn_first);
        rk_json_kstr(j, "ssn_last", x->ssn_last);
        rk_json_kint(j, "first_at", x->first_at);
        rk_json_kint(j, "last_at", x->last_at);
        rk_json_obj_end(j);
        if (!ctl->json) {
            char files[24];
            day(d1, sizeof d1, x->first_at);
            day(d2, sizeof d2, x->last_at);
            snprintf(files, sizeof files, "%d/%d", x->count, x->capacity);
            printf("%-22s %-6s %9s %-6s %-14s %-14s %s..%s%s\n", x->label, x->group, files,
                   x->sealed_at ? "sealed" : "open", x->ssn_first[0] ? x->ssn_first : "-",
                   x->ssn_last[0] ? x->ssn_last : "-", d1, d2,
                   with_added && x->added ? (dry_run ? "  (would add)" : "  (filled now)") : "");
        }
    }
    rk_json_arr_end(j);
    free(boxes);
    if (with_added)
        rk_ctl_info(ctl, "%d order%s %s", archived, archived == 1 ? "" : "s",
                    dry_run ? "would be filed (dry run)" : "filed");
    return rk_ctl_reply_end(ctl);
}

static int cmd_boxes(rk_ctl *ctl, int argc, char **argv)
{
    const char *group = NULL;
    rk_archive_box *boxes = NULL;
    rk_ledger *l;
    rk_actor actor;
    int dry = 0, n = 0, archived = 0, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl archive boxes --group new|renew|other [--dry-run]\n\n"
               "Files the group's delivered orders into archive boxes, sorted by the\n"
               "unit's social-security number (orders without one last): the open box\n"
               "first, then new boxes; a full box is sealed. Each order becomes\n"
               "'archived'. One transaction per box. Archive role.\n"
               "  new    new, change, reissue, replace   100 per box, e.g. DEMO01-XB-2026-0001\n"
               "  renew  renew                           150 per box, e.g. DEMO01-XF-2026-0001\n"
               "  other  unlock, revoke, suspend, resume, recovery  100 per box (QT)\n"
               "  --dry-run  show the boxes that would be filled; change nothing\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--group", .kind = RK_OPT_ENUM, .dest = &group, .values = groups},
        {.name = "--dry-run", .kind = RK_OPT_FLAG, .dest = &dry},
    };
    const rk_ctl_args args = {.cmd = "ractl archive boxes", .opts = opts, .n_opts = 2};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!group) return rk_ctl_usage(ctl, "ractl archive boxes", "give --group new|renew|other");
    if ((rc = rk_ctl_ledger(ctl, &l)) || (rc = rk_ctl_actor(ctl, &actor)))
        return rk_ctl_fail(ctl, rc);
    rc = rk_archive_boxes(l, &actor, group, 0, dry, NULL, NULL, &boxes, &n, &archived);
    if (rc) {
        free(boxes);
        return rk_ctl_fail(ctl, rc);
    }
    return print_boxes(ctl, boxes, n, archived, dry, 1);
}

static int cmd_list(rk_ctl *ctl, int argc, char **argv)
{
    const char *group = NULL;
    rk_archive_box *boxes;
    rk_actor actor;
    int n, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl archive list [--group new|renew|other]\n\n"
               "Lists the archive boxes, oldest first: files, open or sealed, first and\n"
               "last social-security number, the files' delivery dates.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--group", .kind = RK_OPT_ENUM, .dest = &group, .values = groups},
    };
    const rk_ctl_args args = {.cmd = "ractl archive list", .opts = opts, .n_opts = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if ((rc = rk_ctl_actor(ctl, &actor)) ||
        (rc = rk_branch_archive_list(ctl->branch, &actor, group, &boxes, &n)))
        return rk_ctl_fail(ctl, rc);
    return print_boxes(ctl, boxes, n, 0, 0, 0);
}

static int cmd_labels(rk_ctl *ctl, int argc, char **argv)
{
    const char *pdf = NULL;
    const char *want[RK_A4_MAX_LABELS];
    rk_actor actor;
    int nw = 0, written = 0, total = 0, rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl archive labels [--box LABEL]... --pdf FILE\n\n"
               "Writes the A4 labels (four to a page) of the named boxes (at most %d), or\n"
               "of every box (the first %d), as a PDF: box number, group, files, first\n"
               "and last social-security number, dates. `ractl print` sends PDFs to a\n"
               "CUPS queue.\n",
               RK_A4_MAX_LABELS, RK_A4_MAX_LABELS);
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--box",
         .kind = RK_OPT_LIST,
         .dest = want,
         .arg = "LABEL",
         .count = &nw,
         .max_count = RK_A4_MAX_LABELS},
        {.name = "--pdf", .kind = RK_OPT_STR, .dest = &pdf, .arg = "FILE"},
    };
    const rk_ctl_args args = {.cmd = "ractl archive labels", .opts = opts, .n_opts = 2};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!pdf) return rk_ctl_usage(ctl, "ractl archive labels", "give --pdf FILE");
    if ((rc = rk_ctl_actor(ctl, &actor)) ||
        (rc = rk_branch_archive_labels(ctl->branch, &actor, want, nw, pdf, &written, &total)))
        return rk_ctl_fail(ctl, rc);
    if (!nw && total > written)
        fprintf(stderr, "ractl: note: only the first %d of %d boxes; name them with --box\n",
                written, total);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "file", pdf);
    rk_json_kint(j, "labels", written);
    rk_ctl_info(ctl, "%d label%s written to %s", written, written == 1 ? "" : "s", pdf);
    return rk_ctl_reply_end(ctl);
}

int rk_ctl_cmd_archive(rk_ctl *ctl, int argc, char **argv)
{
    static const rk_ctl_cmd table[] = {
        {"boxes", cmd_boxes, "file delivered orders into archive boxes (archive role)"},
        {"list", cmd_list, "list the archive boxes"},
        {"labels", cmd_labels, "A4 box labels as PDF"},
    };
    return rk_ctl_dispatch(ctl, argc, argv, "ractl archive",
                           "The paper archive: boxes sorted by social-security number.", table,
                           (int)(sizeof table / sizeof table[0]));
}
