/*
 * The working calendar (see calendar.h).
 *
 * Dates are held as day numbers (days since 1970-01-01, proleptic Gregorian)
 * so weekday and distance are plain arithmetic, independent of the time
 * zone; only the conversion of a Unix time to its local date and of a local
 * date back to "23:59:59 that day" goes through localtime_r/mktime. The
 * listed dates sit in one array sorted by day, searched by bisection.
 */
#include "calendar.h"

#include "conf/ini.h"
#include "util/err.h"
#include "util/utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KIND_HOLIDAY 1
#define KIND_WORKDAY 2
#define MAX_RANGE    62     /* days in one "a..b" line */
#define MAX_ENTRIES  100000 /* a file cannot make us allocate more */
#define MIN_YEAR     1971
#define MAX_YEAR     9998

typedef struct cal_entry {
    int64_t day; /* days since 1970-01-01 */
    int kind;    /* KIND_HOLIDAY or KIND_WORKDAY */
    int line;    /* where the file lists it */
    char name[64];
} cal_entry;

struct rk_calendar {
    cal_entry *e;
    size_t n, cap;
};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* 0 = Sunday .. 6 = Saturday; day 0 (1970-01-01) was a Thursday. */
static int weekday(int64_t day)
{
    return (int)(floor_div(day + 4, 7) * -7 + day + 4);
}

static int is_weekend(int64_t day)
{
    int w = weekday(day);
    return w == 0 || w == 6;
}

static int valid_date(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || d < 1) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

/* Parses exactly "YYYY-MM-DD" at s (length 10). */
static int parse_date(const char *s, int64_t *day)
{
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-') return -1;
        } else if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
    }
    int y = atoi(s), m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    if (!valid_date(y, m, d)) return -1;
    *day = days_from_civil(y, m, d);
    return 0;
}

/* The local date of Unix time t as a day number. */
static int64_t local_day(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    return days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* 23:59:59 local time on the given day. */
static int64_t end_of_day(int64_t day)
{
    struct tm tm;
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = 23;
    tm.tm_min = 59;
    tm.tm_sec = 59;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

/* Index of the first entry with e.day >= day. */
static size_t lower_bound(const rk_calendar *c, int64_t day)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->e[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const cal_entry *find(const rk_calendar *c, int64_t day)
{
    size_t i = lower_bound(c, day);
    return i < c->n && c->e[i].day == day ? &c->e[i] : NULL;
}

static int workday(const rk_calendar *c, int64_t day)
{
    const cal_entry *e = find(c, day);
    if (e) return e->kind == KIND_WORKDAY;
    return !is_weekend(day);
}

/* ---- loading ---- */

typedef struct parse_state {
    rk_calendar *cal;
    int line;
    int error_line;
    int error_code;
    char error[512];
} parse_state;

static int fail(parse_state *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(parse_state *st, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->error, sizeof st->error, fmt, ap);
    va_end(ap);
    st->error_line = st->line;
    st->error_code = code;
    return 0;
}

static int add_entry(parse_state *st, int64_t day, int kind, const char *name)
{
    rk_calendar *c = st->cal;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        if (cap > MAX_ENTRIES)
            return fail(st, RK_ECONF, "more than %d dates in the file", MAX_ENTRIES);
        cal_entry *p = realloc(c->e, cap * sizeof *p);
        if (!p) return fail(st, RK_ENOMEM, "out of memory");
        c->e = p;
        c->cap = cap;
    }
    cal_entry *e = &c->e[c->n++];
    e->day = day;
    e->kind = kind;
    e->line = st->line;
    rk_utf8_copy(e->name, sizeof e->name, name);
    return 1;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
    parse_state *st = user;
    int kind;
    int64_t from, to;

    if (st->error[0]) return 0;
    if (!strcmp(section, "holidays"))
        kind = KIND_HOLIDAY;
    else if (!strcmp(section, "workdays"))
        kind = KIND_WORKDAY;
    else
        return fail(st, RK_ECONF, "[%s]: unknown section (expected [holidays] or [workdays])",
                    section);
    size_t klen = strlen(key);
    if (klen == 10 && parse_date(key, &from) == 0) {
        to = from;
    } else if (klen == 22 && !strncmp(key + 10, "..", 2) && parse_date(key, &from) == 0 &&
               parse_date(key + 12, &to) == 0) {
        if (to < from)
            return fail(st, RK_ECONF, "[%s] %s: the range ends before it starts", section, key);
        if (to - from >= MAX_RANGE)
            return fail(st, RK_ECONF, "[%s] %s: a range may span at most %d days", section, key,
                        MAX_RANGE);
    } else {
        return fail(st, RK_ECONF,
                    "[%s] %s: not a valid date YYYY-MM-DD or range YYYY-MM-DD..YYYY-MM-DD "
                    "(years %d-%d)",
                    section, key, MIN_YEAR, MAX_YEAR);
    }
    if (strlen(value) >= sizeof((cal_entry *)0)->name)
        return fail(st, RK_ECONF, "[%s] %s: name longer than %zu bytes", section, key,
                    sizeof((cal_entry *)0)->name - 1);
    for (int64_t day = from; day <= to; day++) {
        if (kind == KIND_WORKDAY && !is_weekend(day)) {
            int y, m, d;
            civil_from_days(day, &y, &m, &d);
            return fail(st, RK_ECONF,
                        "[workdays] %s: %04d-%02d-%02d is not a Saturday or Sunday, so it is a "
                        "working day anyway (make-up working days fall on weekends)",
                        key, y, m, d);
        }
        if (!add_entry(st, day, kind, value)) return 0;
    }
    return 1;
}

static int cmp_entry(const void *a, const void *b)
{
    const cal_entry *x = a, *y = b;
    if (x->day != y->day) return x->day < y->day ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

int rk_calendar_load(rk_calendar **out, const char *path)
{
    parse_state st;
    int rc;

    *out = NULL;
    memset(&st, 0, sizeof st);
    st.cal = calloc(1, sizeof *st.cal);
    if (!st.cal) return rk_err_oom();
    int line = rk_ini_parse(path, handler, &st, &st.line);
    if (line < 0) {
        rc = rk_err_set(errno == ENOENT ? RK_ENOTFOUND : RK_ECONF, "%s: %s", path, strerror(errno));
        rk_calendar_free(st.cal);
        return rc;
    }
    if (st.error[0]) {
        rc = rk_err_set(st.error_code, "%s:%d: %s", path, st.error_line, st.error);
        goto fail;
    }
    if (line != 0) {
        rc = rk_err_set(RK_ECONF, "%s:%d: not a section header or date = name line", path, line);
        goto fail;
    }
    qsort(st.cal->e, st.cal->n, sizeof *st.cal->e, cmp_entry);
    for (size_t i = 1; i < st.cal->n; i++) {
        const cal_entry *a = &st.cal->e[i - 1], *b = &st.cal->e[i];
        if (a->day != b->day) continue;
        int y, m, d;
        civil_from_days(b->day, &y, &m, &d);
        rc = rk_err_set(RK_ECONF, "%s:%d: %04d-%02d-%02d: already listed at line %d%s", path,
                        b->line, y, m, d, a->line,
                        a->kind != b->kind ? " (a date cannot be both a holiday and a working day)"
                                           : "");
        goto fail;
    }
    *out = st.cal;
    return 0;
fail:
    rk_calendar_free(st.cal);
    return rc;
}

void rk_calendar_free(rk_calendar *c)
{
    if (!c) return;
    free(c->e);
    free(c);
}

/* ---- queries ---- */

int rk_calendar_is_workday(const rk_calendar *c, int y, int m, int d)
{
    if (!valid_date(y, m, d)) return 0;
    return workday(c, days_from_civil(y, m, d));
}

const char *rk_calendar_day_name(const rk_calendar *c, int y, int m, int d)
{
    if (!valid_date(y, m, d)) return NULL;
    const cal_entry *e = find(c, days_from_civil(y, m, d));
    return e ? e->name : NULL;
}

int rk_calendar_due(const rk_calendar *c, int64_t start, int workdays, int64_t *due)
{
    if (workdays < 0 || workdays > RK_CALENDAR_MAX_WORKDAYS)
        return rk_err_set(RK_EINVAL, "working-day limit %d is outside 0..%d", workdays,
                          RK_CALENDAR_MAX_WORKDAYS);
    int64_t day = local_day(start);
    /* Holidays are listed in ranges of at most MAX_RANGE days, but many
     * ranges could follow each other; bound the walk all the same. */
    int64_t limit = day + (int64_t)workdays * 7 + 3660;
    for (int left = workdays; left > 0;) {
        if (++day > limit)
            return rk_err_set(RK_EINVAL, "no %d working days found within ten years", workdays);
        if (workday(c, day)) left--;
    }
    *due = end_of_day(day);
    return 0;
}

/* Monday..Friday among the day numbers in (a, b], a <= b. */
static int64_t weekdays_in(int64_t a, int64_t b)
{
    /* f(n): weekdays in [base, base + n) where base is a Monday (day 4,
     * 1970-01-05); floor arithmetic makes it valid for negative n. */
    const int64_t base = 4;
    int64_t na = a + 1 - base, nb = b + 1 - base;
    int64_t fa = 5 * floor_div(na, 7), fb = 5 * floor_div(nb, 7);
    int64_t ra = na - 7 * floor_div(na, 7), rb = nb - 7 * floor_div(nb, 7);
    fa += ra < 5 ? ra : 5;
    fb += rb < 5 ? rb : 5;
    return fb - fa;
}

int rk_calendar_workdays_between(const rk_calendar *c, int64_t from, int64_t to, int *out)
{
    int64_t a = local_day(from), b = local_day(to);
    int sign = 1;
    if (b < a) {
        int64_t t = a;
        a = b;
        b = t;
        sign = -1;
    }
    if (b - a > 366000) return rk_err_set(RK_EINVAL, "span of more than 1000 years");
    int64_t n = weekdays_in(a, b);
    for (size_t i = lower_bound(c, a + 1); i < c->n && c->e[i].day <= b; i++) {
        const cal_entry *e = &c->e[i];
        if (e->kind == KIND_HOLIDAY && !is_weekend(e->day)) n--;
        if (e->kind == KIND_WORKDAY) n++; /* always a weekend day (checked on load) */
    }
    *out = (int)(sign * n);
    return 0;
}

int rk_calendar_covers(const rk_calendar *c, int year)
{
    if (year < MIN_YEAR || year > MAX_YEAR) return 0;
    size_t i = lower_bound(c, days_from_civil(year, 1, 1));
    return i < c->n && c->e[i].day < days_from_civil((int64_t)year + 1, 1, 1);
}
