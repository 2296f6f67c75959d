/*
 * The working calendar: which days the branch works, and service deadlines
 * counted in working days (DOMAIN.md: issuance 5, renewal 2, revocation 1,
 * unlock 2, key recovery 5).
 *
 * The calendar is read from conf/calendar.ini (see
 * docs/CONFIGURATION.md). Monday to Friday are working days
 * unless listed in [holidays]; Saturday and Sunday are not, unless listed in
 * [workdays] (the make-up working days, 调休上班). Each line is a date or a
 * range "YYYY-MM-DD..YYYY-MM-DD" and a name: `2026-10-01 = 国庆节`.
 *
 * Dates are local dates in the process's time zone (TZ; the appliance runs
 * Asia/Shanghai). A loaded calendar is immutable, so several threads may
 * share it.
 *
 * The deadline rule (rk_calendar_due): a task received at time `start` with
 * a limit of N working days is due at 23:59:59 local time on the Nth working
 * day strictly after the local date of `start`. The day of receipt never
 * counts, whether or not it is a working day and whatever the hour. So:
 *   - an application on Friday with a 1-working-day limit is due Monday
 *     23:59:59 (Saturday and Sunday are skipped);
 *   - on the eve of a holiday week the holidays are skipped: received on
 *     2026-09-30 with 1 working day, due 2026-10-08 (10-01..10-07 off);
 *   - a make-up Saturday counts: received Friday 2026-10-09 with 1 working
 *     day, due Saturday 2026-10-10, a make-up working day;
 *   - N = 0 means "the same day": due 23:59:59 on the date of receipt.
 */
#ifndef RK_CALENDAR_H
#define RK_CALENDAR_H

#include <stdint.h>

typedef struct rk_calendar rk_calendar;

/* The largest working-day limit rk_calendar_due accepts (ten years). */
#define RK_CALENDAR_MAX_WORKDAYS 2600

/* Reads the calendar at path into a new calendar owned by the caller.
 * RK_ECONF with "file:line: key: problem" for a malformed file (bad date,
 * unknown section, a date listed twice, a make-up working day that is not a
 * weekend, a date both holiday and working day); RK_ENOTFOUND when the file
 * does not exist; RK_ENOMEM. */
int rk_calendar_load(rk_calendar **out, const char *path);

/* Frees a calendar; NULL does nothing. */
void rk_calendar_free(rk_calendar *c);

/* 1 if the date y-m-d is a working day, 0 if not (also 0 for an invalid
 * date). */
int rk_calendar_is_workday(const rk_calendar *c, int y, int m, int d);

/* The name given to the date in the file ("国庆节", "国庆节调休"), or NULL
 * when the date is not listed. Valid as long as the calendar. */
const char *rk_calendar_day_name(const rk_calendar *c, int y, int m, int d);

/* The deadline of a task received at Unix time start with a limit of
 * workdays working days, by the rule above, into *due (Unix time).
 * RK_EINVAL if workdays is negative or above RK_CALENDAR_MAX_WORKDAYS. */
int rk_calendar_due(const rk_calendar *c, int64_t start, int workdays, int64_t *due);

/* The number of working days among the local dates after that of from, up
 * to and including that of to, into *out; negative (the same count, with a
 * minus sign) when to is before from; 0 on the same date. So
 * workdays_between(start, due(start, N)) == N; workdays_between(due, now) > 0
 * means the task is that many working days late, and
 * workdays_between(now, due) is how many are left. RK_EINVAL for a span of
 * more than 1000 years. */
int rk_calendar_workdays_between(const rk_calendar *c, int64_t from, int64_t to, int *out);

/* 1 if the file lists any holiday or working day in year, else 0, so the
 * kiosk can warn "the calendar has no holidays for 2027". */
int rk_calendar_covers(const rk_calendar *c, int year);

#endif
