/*
 * A workbook (libxlsxwriter) written whole or not at all: filled into a
 * hidden temporary file beside path and renamed over it only when every
 * cell and the close succeeded (util/file.h's atomic file). For the
 * exports of the daily close and of the reconciliation report, whose
 * layouts are their own.
 */
#ifndef RK_WORKBOOK_H
#define RK_WORKBOOK_H

#include <xlsxwriter.h>

/* Fills a new workbook; its first error is the answer. */
typedef lxw_error (*rk_workbook_fill_fn)(lxw_workbook *wb, void *arg);

/* The workbook fill(wb, arg) makes, at path (0644). RK_EIO naming path and
 * libxlsxwriter's reason; nothing is left at path on failure. */
int rk_workbook_write(const char *path, rk_workbook_fill_fn fill, void *arg);

#endif
