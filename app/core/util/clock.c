/*
 * The injectable clock (see clock.h).
 */
#include "clock.h"

#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static rk_clock_fn clock_fn;
static void *clock_arg;

int64_t rk_clock_now(void)
{
    if (clock_fn) return clock_fn(clock_arg);
    const char *env = getenv("RAKIOSK_NOW");
    int64_t t;
    if (env && *env && rk_clock_parse(&t, env) == 0) return t;
    return (int64_t)time(NULL);
}

void rk_clock_set(rk_clock_fn fn, void *arg)
{
    clock_fn = fn;
    clock_arg = arg;
}

int rk_clock_parse(int64_t *out, const char *text)
{
    int y, mo, d, h = 0, mi = 0, s = 0, n = 0;
    struct tm tm;
    const char *rest;

    if (text[0] == '@') {
        char *end;
        long long v = strtoll(text + 1, &end, 10);
        if (end == text + 1 || *end)
            return rk_err_set(RK_EINVAL, "bad time '%s': expected @<seconds>", text);
        *out = v;
        return 0;
    }
    if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return rk_err_set(RK_EINVAL, "bad time '%s': expected YYYY-MM-DD[THH:MM:SS]", text);
    rest = text + n;
    if (*rest == 'T' || *rest == ' ') {
        int m = 0;
        if (sscanf(rest + 1, "%2d:%2d:%2d%n", &h, &mi, &s, &m) != 3 || m != 8)
            return rk_err_set(RK_EINVAL, "bad time '%s': expected HH:MM:SS after the date", text);
        rest += 1 + m;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return rk_err_set(RK_EINVAL, "bad time '%s': field out of range", text);
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    if (*rest == '\0') {
        tm.tm_isdst = -1;
        *out = (int64_t)mktime(&tm);
        return 0;
    }
    int64_t utc = (int64_t)timegm(&tm);
    if (!strcmp(rest, "Z")) {
        *out = utc;
        return 0;
    }
    int oh, om, m = 0;
    if ((rest[0] == '+' || rest[0] == '-') && sscanf(rest + 1, "%2d:%2d%n", &oh, &om, &m) == 2 &&
        m == 5 && rest[6] == '\0') {
        int64_t off = (int64_t)oh * 3600 + om * 60;
        *out = rest[0] == '+' ? utc - off : utc + off;
        return 0;
    }
    return rk_err_set(RK_EINVAL, "bad time '%s': bad zone, expected Z or +HH:MM", text);
}

void rk_clock_format(char *out, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char zone[8];
    localtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    long off = tm.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    snprintf(zone, sizeof zone, "%c%02ld:%02ld", sign, off / 3600, (off / 60) % 60);
    strcat(out, zone);
}

int rk_clock_day(int64_t *out, const char *date, int days)
{
    int64_t t;
    int rc = strlen(date) == 10 ? rk_clock_parse(&t, date)
                                : rk_err_set(RK_EINVAL, "a date is YYYY-MM-DD, not '%s'", date);
    if (rc) return rc;
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    tm.tm_mday += days;
    tm.tm_isdst = -1;
    *out = (int64_t)mktime(&tm);
    return 0;
}

static char zone_set[RK_CLOCK_ZONE_MAX];

int rk_clock_zone_set(const char *zone)
{
    size_t n = zone ? strlen(zone) : 0;
    int ok = n > 0 && n < RK_CLOCK_ZONE_MAX && zone[0] != '/' && !strstr(zone, "..");
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char c = (unsigned char)zone[i];
        ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             c == '/' || c == '_' || c == '-' || c == '+';
    }
    if (!ok)
        return rk_err_set(RK_EINVAL,
                          "time zone '%s': give a name of the time zone database "
                          "such as Asia/Shanghai",
                          zone ? zone : "");
    /* glibc takes an unknown name for UTC without a word: the file must be there. */
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
    FILE *f = fopen(path, "rb");
    char magic[4] = {0};
    int found = f && fread(magic, 1, 4, f) == 4 && !memcmp(magic, "TZif", 4);
    if (f) fclose(f);
    if (!found)
        return rk_err_set(RK_EINVAL, "time zone '%s': not in the time zone database (%s)", zone,
                          path);
    if (setenv("TZ", zone, 1) != 0)
        return rk_err_set(RK_EINVAL, "time zone '%s': cannot set TZ", zone);
    tzset();
    snprintf(zone_set, sizeof zone_set, "%s", zone);
    return 0;
}

const char *rk_clock_zone(void)
{
    if (zone_set[0]) return zone_set;
    const char *tz = getenv("TZ");
    return tz ? tz : "";
}
