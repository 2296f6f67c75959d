/*
 * The A4 documents of the branch's records, filled from the domain: the
 * label of an archive box and the weekly service report (print/a4.h draws
 * them). The domain knows nothing of printing; this module sits above it,
 * as orderprint does for orders.
 */
#ifndef RK_RECORDPRINT_H
#define RK_RECORDPRINT_H

#include "domain/archive.h"
#include "domain/service.h"
#include "print/a4.h"

/* The printable label of a box for the branch's name. */
void rk_archive_label_a4(rk_a4_label *out, const rk_archive_box *box, const char *branch_name);

/* The A4 weekly report's content from a summary, prepared by the named
 * clerk and dated today (the injectable clock). */
void rk_service_weekly_a4(rk_a4_weekly *out, const rk_weekly *w, const char *branch_name,
                          const char *prepared_by);

#endif
