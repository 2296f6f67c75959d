/*
 * rahq-report: draws a reconciliation report for the supervisor, the A4
 * PDF (print/reconprint.h) and the Excel workbook (domain/recon.h), from
 * the JSON `rahq admin reconcile` writes to its standard input. A program
 * of its own so that rahq, a server, loads neither cairo, pango nor
 * libxlsxwriter; rahq runs it from its own folder for --pdf and --xlsx.
 *
 *   rahq-report [--pdf FILE] [--xlsx FILE] < report.json
 */
#include "hq/recon_json.h"

#include "print/reconprint.h"
#include "util/clock.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *pdf = NULL, *xlsx = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: rahq-report [--pdf FILE] [--xlsx FILE] < report.json\n\n"
                   "Writes the supervisor's reconciliation report, as rahq admin reconcile\n"
                   "--json printed it, as an A4 PDF and an Excel workbook. rahq admin\n"
                   "reconcile --pdf/--xlsx runs it.\n");
            return 0;
        }
        if (i + 1 < argc && !strcmp(argv[i], "--pdf"))
            pdf = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--xlsx"))
            xlsx = argv[++i];
        else {
            fprintf(stderr, "rahq-report: unknown argument '%s'; see rahq-report --help\n",
                    argv[i]);
            return 2;
        }
    }
    json_error_t je;
    json_t *j = json_loadf(stdin, 0, &je);
    if (!j) {
        fprintf(stderr, "rahq-report: the report on standard input: line %d: %s\n", je.line,
                je.text);
        return 1;
    }
    rk_recon r;
    int rc = rk_hq_recon_from_json(j, &r);
    json_decref(j);
    /* The report's times in the zone its day was counted in. */
    if (!rc && r.zone[0]) rc = rk_clock_zone_set(r.zone);
    if (!rc && pdf) rc = rk_recon_a4(pdf, &r, rk_clock_now());
    if (!rc && xlsx) rc = rk_recon_xlsx(xlsx, &r);
    rk_recon_free(&r);
    if (rc) {
        fprintf(stderr, "rahq-report: %s\n", rk_err_msg());
        return 1;
    }
    return 0;
}
