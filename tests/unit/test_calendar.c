/*
 * Unit tests of the working calendar: the shipped conf/calendar.ini, weekends,
 * holiday weeks, make-up Saturdays, the year boundary, N = 0, the local-date
 * rule at midnight, the working-day distance (checked against a day-by-day
 * count), and every kind of mistake in the file reported with its line.
 * Runs in Asia/Shanghai like the appliance.
 */
#include "test.h"

#include "domain/calendar.h"
#include "util/clock.h"
#include "util/err.h"

#include <stdint.h>
#include <time.h>

static int64_t at(const char *iso)
{
    int64_t t = 0;
    if (rk_clock_parse(&t, iso) != 0) {
        fprintf(stderr, "bad time in test: %s\n", iso);
        exit(2);
    }
    return t;
}

static rk_calendar *load_shipped(void)
{
    char path[4096];
    const char *src = getenv("RK_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/conf/calendar.ini", src ? src : "..");
    rk_calendar *c = NULL;
    int rc = rk_calendar_load(&c, path);
    if (rc) {
        fprintf(stderr, "cannot load %s: %s\n", path, rk_err_msg());
        exit(2);
    }
    return c;
}

/* The deadline of start + n working days, formatted as local ISO time. */
static const char *due_of(const rk_calendar *c, const char *start, int n)
{
    static char out[32];
    int64_t due = 0;
    if (rk_calendar_due(c, at(start), n, &due) != 0) return "error";
    rk_clock_format(out, due);
    return out;
}

static void test_shipped_file(void)
{
    rk_calendar *c = load_shipped();
    CHECK_INT(rk_calendar_covers(c, 2025), 1);
    CHECK_INT(rk_calendar_covers(c, 2026), 1);
    CHECK_INT(rk_calendar_covers(c, 2027), 0);
    CHECK_INT(rk_calendar_covers(c, 2024), 0);
    /* National Day week 2026: 10-01..10-07 off, 09-20 and 10-10 worked */
    CHECK_INT(rk_calendar_is_workday(c, 2026, 9, 30), 1);
    for (int d = 1; d <= 7; d++)
        CHECK_INT(rk_calendar_is_workday(c, 2026, 10, d), 0);
    CHECK_INT(rk_calendar_is_workday(c, 2026, 10, 8), 1);
    CHECK_INT(rk_calendar_is_workday(c, 2026, 10, 10), 1); /* make-up Saturday */
    CHECK_INT(rk_calendar_is_workday(c, 2026, 10, 11), 0); /* ordinary Sunday */
    CHECK_INT(rk_calendar_is_workday(c, 2026, 9, 20), 1);  /* make-up Sunday */
    CHECK_INT(rk_calendar_is_workday(c, 2026, 9, 19), 0);
    /* Spring Festival 2025: eve 01-28 to 02-04, make-up 01-26 and 02-08 */
    CHECK_INT(rk_calendar_is_workday(c, 2025, 1, 27), 1);
    CHECK_INT(rk_calendar_is_workday(c, 2025, 1, 28), 0);
    CHECK_INT(rk_calendar_is_workday(c, 2025, 2, 4), 0);
    CHECK_INT(rk_calendar_is_workday(c, 2025, 2, 5), 1);
    CHECK_INT(rk_calendar_is_workday(c, 2025, 1, 26), 1);
    CHECK_INT(rk_calendar_is_workday(c, 2025, 2, 8), 1);
    /* plain weekdays and weekends of an unlisted year */
    CHECK_INT(rk_calendar_is_workday(c, 2027, 3, 5), 1);  /* Friday */
    CHECK_INT(rk_calendar_is_workday(c, 2027, 3, 6), 0);  /* Saturday */
    CHECK_INT(rk_calendar_is_workday(c, 2027, 3, 7), 0);  /* Sunday */
    CHECK_INT(rk_calendar_is_workday(c, 2027, 2, 29), 0); /* no such date */
    CHECK_STR(rk_calendar_day_name(c, 2026, 10, 3), "国庆节");
    CHECK_STR(rk_calendar_day_name(c, 2026, 10, 10), "国庆节调休");
    CHECK(rk_calendar_day_name(c, 2026, 10, 12) == NULL);
    rk_calendar_free(c);
    rk_calendar_free(NULL);
}

static void test_due(void)
{
    rk_calendar *c = load_shipped();
    /* Friday with 1 working day: due Monday night */
    CHECK_STR(due_of(c, "2026-03-06T10:00:00+08:00", 1), "2026-03-09T23:59:59+08:00");
    CHECK_STR(due_of(c, "2026-03-06T10:00:00+08:00", 5), "2026-03-13T23:59:59+08:00");
    /* received at the weekend: counting starts on Monday */
    CHECK_STR(due_of(c, "2026-03-07T10:00:00+08:00", 1), "2026-03-09T23:59:59+08:00");
    /* on the eve of the National Day week the holidays are skipped */
    CHECK_STR(due_of(c, "2026-09-30T16:00:00+08:00", 1), "2026-10-08T23:59:59+08:00");
    /* 10-08, 10-09, 10-10 (make-up Saturday), 10-12, 10-13 */
    CHECK_STR(due_of(c, "2026-09-30T16:00:00+08:00", 5), "2026-10-13T23:59:59+08:00");
    /* a make-up Saturday counts */
    CHECK_STR(due_of(c, "2026-10-09T09:00:00+08:00", 1), "2026-10-10T23:59:59+08:00");
    CHECK_STR(due_of(c, "2026-10-09T09:00:00+08:00", 2), "2026-10-12T23:59:59+08:00");
    /* Spring Festival 2026: Friday 02-13, then 02-14 is a make-up Saturday,
     * 02-15..02-23 off */
    CHECK_STR(due_of(c, "2026-02-13T11:00:00+08:00", 2), "2026-02-24T23:59:59+08:00");
    /* N = 0: the same day, even on a day off */
    CHECK_STR(due_of(c, "2026-03-06T10:00:00+08:00", 0), "2026-03-06T23:59:59+08:00");
    CHECK_STR(due_of(c, "2026-10-03T10:00:00+08:00", 0), "2026-10-03T23:59:59+08:00");
    /* year boundary: 2025-12-31, then 01-01..01-03 off, 01-04 (Sunday) worked */
    CHECK_STR(due_of(c, "2025-12-31T15:00:00+08:00", 1), "2026-01-04T23:59:59+08:00");
    CHECK_STR(due_of(c, "2025-12-31T15:00:00+08:00", 2), "2026-01-05T23:59:59+08:00");
    /* into a year the file does not cover: only weekends are days off */
    CHECK_STR(due_of(c, "2026-12-31T15:00:00+08:00", 1), "2027-01-01T23:59:59+08:00");
    /* the local date decides: Friday 17:30 UTC is Saturday 01:30 in Shanghai */
    CHECK_STR(due_of(c, "2026-03-06T17:30:00Z", 1), "2026-03-09T23:59:59+08:00");
    CHECK_STR(due_of(c, "2026-03-05T23:59:59+08:00", 1), "2026-03-06T23:59:59+08:00");
    CHECK_STR(due_of(c, "2026-03-06T00:00:00+08:00", 1), "2026-03-09T23:59:59+08:00");

    int64_t due;
    CHECK_INT(rk_calendar_due(c, at("2026-03-06"), -1, &due), RK_EINVAL);
    CHECK_INT(rk_calendar_due(c, at("2026-03-06"), RK_CALENDAR_MAX_WORKDAYS + 1, &due), RK_EINVAL);
    CHECK_INT(rk_calendar_due(c, at("2026-03-06"), RK_CALENDAR_MAX_WORKDAYS, &due), 0);
    rk_calendar_free(c);
}

/* Day-by-day reference count of working days in (from's date, to's date]. */
static int slow_between(const rk_calendar *c, int64_t from, int64_t to)
{
    int sign = 1, n = 0;
    if (to < from) {
        int64_t t = from;
        from = to;
        to = t;
        sign = -1;
    }
    time_t tt = (time_t)from;
    struct tm a, b;
    localtime_r(&tt, &a);
    tt = (time_t)to;
    localtime_r(&tt, &b);
    a.tm_hour = 12; /* walk at noon: no DST or midnight ambiguity */
    a.tm_min = a.tm_sec = 0;
    for (;;) {
        if (a.tm_year == b.tm_year && a.tm_mon == b.tm_mon && a.tm_mday == b.tm_mday) break;
        a.tm_mday++;
        a.tm_isdst = -1;
        mktime(&a);
        n += rk_calendar_is_workday(c, a.tm_year + 1900, a.tm_mon + 1, a.tm_mday);
    }
    return sign * n;
}

static int64_t fixed_now;
static int64_t fixed_clock(void *arg)
{
    (void)arg;
    return fixed_now;
}

static void test_between(void)
{
    rk_calendar *c = load_shipped();
    int n = 99;
    CHECK_INT(rk_calendar_workdays_between(c, at("2026-03-06T08:00:00+08:00"),
                                           at("2026-03-06T22:00:00+08:00"), &n),
              0);
    CHECK_INT(n, 0);
    CHECK_INT(rk_calendar_workdays_between(c, at("2026-09-30"), at("2026-10-13"), &n), 0);
    CHECK_INT(n, 5);
    CHECK_INT(rk_calendar_workdays_between(c, at("2026-10-13"), at("2026-09-30"), &n), 0);
    CHECK_INT(n, -5);

    /* between(start, due(start, N)) == N, and agrees with a day-by-day count,
     * for starts spread over 2025-2027 at odd hours */
    int mismatches = 0, checked = 0;
    int64_t t0 = at("2024-12-20T09:17:00+08:00");
    for (int i = 0; i < 800; i++) {
        int64_t start = t0 + (int64_t)i * 86400 + (i % 24) * 3600;
        int wd = i % 23, got = -1;
        int64_t due;
        if (rk_calendar_due(c, start, wd, &due) != 0 ||
            rk_calendar_workdays_between(c, start, due, &got) != 0 || got != wd)
            mismatches++;
        int64_t other = start + (int64_t)((i * 7919) % 97 - 48) * 86400;
        if (rk_calendar_workdays_between(c, start, other, &got) != 0 ||
            got != slow_between(c, start, other))
            mismatches++;
        checked++;
    }
    CHECK_INT(mismatches, 0);
    CHECK_INT(checked, 800);

    /* overdue as the ledger will ask it: due, then the clock moves on */
    int64_t due;
    CHECK_INT(rk_calendar_due(c, at("2026-09-30T16:00:00+08:00"), 1, &due), 0);
    fixed_now = at("2026-10-12T10:00:00+08:00");
    rk_clock_set(fixed_clock, NULL);
    CHECK_INT(rk_calendar_workdays_between(c, due, rk_clock_now(), &n), 0);
    CHECK_INT(n, 3); /* in its 3rd working day late: 10-09, 10-10 (make-up), 10-12 */
    fixed_now = at("2026-10-08T20:00:00+08:00");
    CHECK_INT(rk_calendar_workdays_between(c, due, rk_clock_now(), &n), 0);
    CHECK_INT(n, 0); /* due tonight: not late */
    rk_clock_set(NULL, NULL);
    rk_calendar_free(c);
}

/* Writes text to dir/cal.ini, loads it, returns the code. */
static int load_text(const char *dir, const char *text, rk_calendar **out)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/cal.ini", dir);
    FILE *f = fopen(path, "w");
    if (!f) exit(2);
    fputs(text, f);
    fclose(f);
    *out = NULL;
    return rk_calendar_load(out, path);
}

static void test_errors(void)
{
    char dir[4096];
    rk_calendar *c;
    rk_test_tmpdir(dir, sizeof dir);

    CHECK_INT(load_text(dir, "; ok\n[holidays]\n2030-01-01 = New Year\n[workdays]\n", &c), 0);
    CHECK(c != NULL);
    CHECK_INT(rk_calendar_covers(c, 2030), 1);
    rk_calendar_free(c);

    CHECK_INT(load_text(dir, "[holidays]\n2026-10-01 = a\n2026-02-30 = b\n", &c), RK_ECONF);
    CHECK(c == NULL);
    CHECK(strstr(rk_err_msg(), "cal.ini:3:") && strstr(rk_err_msg(), "2026-02-30"));

    CHECK_INT(load_text(dir, "[holidays]\n2026-1-01 = a\n", &c), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "cal.ini:2:") && strstr(rk_err_msg(), "2026-1-01"));

    CHECK_INT(load_text(dir, "\n[vacations]\n2026-10-01 = a\n", &c), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "cal.ini:3:") && strstr(rk_err_msg(), "[vacations]"));

    /* 2026-09-21 is a Monday: listing it as a make-up working day is a mistake */
    CHECK_INT(load_text(dir, "[workdays]\n2026-09-20 = ok\n2026-09-21 = oops\n", &c), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "cal.ini:3:") && strstr(rk_err_msg(), "not a Saturday or Sunday"));

    /* the same date as holiday and working day: the later line is named */
    CHECK_INT(load_text(dir,
                        "[holidays]\n2026-10-01..2026-10-07 = a\n[workdays]\n"
                        "2026-10-03 = b\n",
                        &c),
              RK_ECONF);
    CHECK(strstr(rk_err_msg(), "cal.ini:4:") && strstr(rk_err_msg(), "2026-10-03") &&
          strstr(rk_err_msg(), "line 2") && strstr(rk_err_msg(), "both"));

    CHECK_INT(load_text(dir, "[holidays]\n2026-10-07..2026-10-01 = a\n", &c), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "cal.ini:2:") && strstr(rk_err_msg(), "ends before"));

    CHECK_INT(load_text(dir, "[holidays]\n2026-01-01..2026-12-31 = a\n", &c), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "at most"));

    CHECK_INT(load_text(dir, "[holidays]\n2026-10-01 = a\njust some words\n", &c), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "cal.ini:3:"));

    CHECK_INT(load_text(dir, "2026-10-01 = outside any section\n", &c), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "cal.ini:1:"));

    char missing[4200];
    snprintf(missing, sizeof missing, "%s/none.ini", dir);
    CHECK_INT(rk_calendar_load(&c, missing), RK_ENOTFOUND);
    CHECK(strstr(rk_err_msg(), "none.ini"));
    rk_test_rmtree(dir);
}

int main(void)
{
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    test_shipped_file();
    test_due();
    test_between();
    test_errors();
    return rk_test_done();
}
