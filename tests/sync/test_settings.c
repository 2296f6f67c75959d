/*
 * rahq's settings (hq/settings.h) and the business day they set: the
 * default Asia/Shanghai when rahq.conf is missing or silent, the zone a
 * deployment names, and a file's mistakes named by line; then the fleet
 * page's day (rk_hq_day_of, the day its per-day figures are kept under)
 * a second either side of midnight in the zone set, and the zone
 * refused when the time zone database lacks it (the local time unchanged).
 */
#include "test.h"

#include "hq/fleet.h"
#include "hq/settings.h"
#include "util/clock.h"
#include "util/err.h"

#include <stdio.h>

static void conf(const char *dir, const char *text)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/rahq.conf", dir);
    FILE *f = fopen(path, "w");
    if (!f) exit(2);
    fputs(text, f);
    fclose(f);
}

/* 2026-03-04 00:00:00 in Shanghai (UTC+8) and in UTC. */
#define SH_MIDNIGHT  1772553600LL
#define UTC_MIDNIGHT (SH_MIDNIGHT + 8 * 3600)

static void test_settings(void)
{
    char dir[4096];
    rk_hq_settings s;
    rk_test_tmpdir(dir, sizeof dir);
    /* no file: the defaults */
    CHECK_INT(rk_hq_settings_load(&s, dir), 0);
    CHECK_STR(s.time_zone, "Asia/Shanghai");
    /* rahq init's file says the default, explained */
    CHECK_INT(rk_hq_settings_write_default(dir), 0);
    CHECK_INT(rk_hq_settings_load(&s, dir), 0);
    CHECK_STR(s.time_zone, "Asia/Shanghai");
    conf(dir, "; a deployment in UTC\n[hq]\ntime_zone = UTC\n");
    CHECK_INT(rk_hq_settings_write_default(dir), 0); /* an existing file is kept */
    CHECK_INT(rk_hq_settings_load(&s, dir), 0);
    CHECK_STR(s.time_zone, "UTC");
    /* mistakes, by line */
    conf(dir, "[hq]\ntimezone = UTC\n");
    CHECK_INT(rk_hq_settings_load(&s, dir), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "rahq.conf:2") && strstr(rk_err_msg(), "timezone"));
    conf(dir, "[kiosk]\ntime_zone = UTC\n");
    CHECK_INT(rk_hq_settings_load(&s, dir), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "[kiosk]") != NULL);
    conf(dir, "[hq]\ntime_zone =\n");
    CHECK_INT(rk_hq_settings_load(&s, dir), RK_ECONF);
    rk_test_rmtree(dir);
}

static void test_day(void)
{
    char dir[4096];
    rk_test_tmpdir(dir, sizeof dir);
    /* The default: Shanghai's midnight. */
    CHECK_INT(rk_hq_settings_apply(dir), 0);
    CHECK_STR(rk_clock_zone(), "Asia/Shanghai");
    CHECK_INT(rk_hq_day_of(SH_MIDNIGHT - 1), SH_MIDNIGHT - 86400);
    CHECK_INT(rk_hq_day_of(SH_MIDNIGHT + 1), SH_MIDNIGHT);
    int64_t from = 0, to = 0;
    CHECK_INT(rk_clock_day(&from, "2026-03-04", 0), 0);
    CHECK_INT(rk_clock_day(&to, "2026-03-04", 1), 0);
    CHECK_INT(from, SH_MIDNIGHT);
    CHECK_INT(to - from, 86400);
    /* A deployment in UTC: the same instants, other days. */
    conf(dir, "[hq]\ntime_zone = UTC\n");
    CHECK_INT(rk_hq_settings_apply(dir), 0);
    CHECK_STR(rk_clock_zone(), "UTC");
    CHECK_INT(rk_hq_day_of(SH_MIDNIGHT + 1), UTC_MIDNIGHT - 86400);
    CHECK_INT(rk_hq_day_of(UTC_MIDNIGHT - 1), UTC_MIDNIGHT - 86400);
    CHECK_INT(rk_hq_day_of(UTC_MIDNIGHT + 1), UTC_MIDNIGHT);
    /* A zone with daylight saving: 2026-03-29 has 23 hours in Berlin. */
    conf(dir, "[hq]\ntime_zone = Europe/Berlin\n");
    CHECK_INT(rk_hq_settings_apply(dir), 0);
    CHECK_INT(rk_clock_day(&from, "2026-03-29", 0), 0);
    CHECK_INT(rk_clock_day(&to, "2026-03-29", 1), 0);
    CHECK_INT(to - from, 23 * 3600);
    /* No such zone: refused, named, the local time left as it was. */
    conf(dir, "[hq]\ntime_zone = Mars/Olympus_Mons\n");
    CHECK_INT(rk_hq_settings_apply(dir), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "Mars/Olympus_Mons") && strstr(rk_err_msg(), "rahq.conf"));
    CHECK_STR(rk_clock_zone(), "Europe/Berlin");
    CHECK_INT(rk_clock_zone_set("../../etc/passwd"), RK_EINVAL);
    CHECK_INT(rk_clock_zone_set("/etc/localtime"), RK_EINVAL);
    CHECK_INT(rk_clock_zone_set("Asia/Shang hai"), RK_EINVAL);
    CHECK_INT(rk_clock_zone_set(""), RK_EINVAL);
    CHECK_STR(rk_clock_zone(), "Europe/Berlin");
    rk_test_rmtree(dir);
}

int main(void)
{
    test_settings();
    test_day();
    return rk_test_done();
}
