/*
 * The daily close (日结) as a branch service: the day's figures
 * (domain/dayclose.h) for the supervisor, with whether everything reached
 * HQ (the shift-close warning: events still in the outbox and the last
 * sync), the close recorded, and the A4 close (PDF) and the workbook
 * (XLSX) written. `ractl report daily` and the desk's close screen are its
 * faces; the rules (supervisor only, no close of a day not yet begun,
 * files written before the close is recorded and removed again if it is
 * not) are here.
 */
#ifndef RK_BRANCH_DAYCLOSE_H
#define RK_BRANCH_DAYCLOSE_H

#include <stdint.h>

#include "branch/branch.h"
#include "domain/clerk.h"
#include "domain/dayclose.h"

typedef struct rk_branch_day {
    rk_dayclose d;
    int64_t unsent_events; /* outbox events HQ has not acknowledged */
    int64_t last_synced;   /* the last sync pass that succeeded; 0: never */
    char closed_by_name[RK_CLERK_NAME_MAX * 4 + 1]; /* the closing clerk's name */
} rk_branch_day;

/* The figures of the local day containing day, for a supervisor (RK_EPERM
 * otherwise, and without a login), into *out. With close the close is
 * recorded (audit and outbox; RK_EINVAL for a day that has not begun);
 * with pdf and xlsx (each may be NULL) the A4 close and the workbook are
 * written there, before the close is recorded, and removed if it fails. */
int rk_branch_day_close(rk_branch *b, const rk_actor *by, int64_t day, int close, const char *pdf,
                        const char *xlsx, rk_branch_day *out);

/* The desk's close: closes the day as rk_branch_day_close, writing
 * <data_dir>/reports/daily-YYYY-MM-DD.pdf and .xlsx (their paths into
 * pdf and xlsx, PATH_MAX each), and sends the PDF to the A4 queue when one
 * is set (the CUPS request into job, "" when none; n bytes). A failed
 * submission leaves the close recorded and says so. For the job runner. */
int rk_branch_day_close_print(rk_branch *b, const rk_actor *by, int64_t day, rk_branch_day *out,
                              char *pdf, char *xlsx, char *job, size_t n);

/* The shift-close warning in Chinese (zh) or English into out, "" when
 * the outbox is empty: "3 events not yet sent to HQ; last synced at
 * 2026-12-04 17:30" (or "never synced"). */
void rk_branch_day_sync_note(char *out, size_t n, const rk_branch_day *day, int zh);

#endif
