/*
 * The injectable clock.
 *
 * All of the core asks rk_clock_now() for the time, never time() directly, so
 * tests can move time across weekends, holidays, SLA deadlines, suspensions
 * and certificate expiry. A process may install its own clock function; or
 * the environment variable RAKIOSK_NOW (an ISO 8601 time such as
 * "2026-03-02T09:30:00+08:00", or "@<unix seconds>") fixes the clock for a
 * whole process, which is how shell tests drive ractl through time.
 */
#ifndef RK_CLOCK_H
#define RK_CLOCK_H

#include <stdint.h>

typedef int64_t (*rk_clock_fn)(void *arg);

/* Seconds since the Unix epoch, from the installed clock. */
int64_t rk_clock_now(void);

/* Installs a clock; NULL restores the system clock (or RAKIOSK_NOW). */
void rk_clock_set(rk_clock_fn fn, void *arg);

/* Parses "YYYY-MM-DDTHH:MM:SS[Z|+HH:MM]" or "YYYY-MM-DD" (local midnight) or
 * "@N" into Unix seconds. RK_EINVAL with a message if malformed. */
int rk_clock_parse(int64_t *out, const char *text);

/* Local midnight of the date "YYYY-MM-DD" plus days (0: that day's start;
 * 1: the next day's, the end of an inclusive range), across daylight
 * saving changes. RK_EINVAL with a message for anything but a date. */
int rk_clock_day(int64_t *out, const char *date, int days);

/* Formats t as local "YYYY-MM-DDTHH:MM:SS+HH:MM" into out (at least 32 bytes). */
void rk_clock_format(char *out, int64_t t);

#define RK_CLOCK_ZONE_MAX 64 /* bytes of a time zone's name, with its NUL */

/* Makes zone, a name of the time zone database ("Asia/Shanghai", "UTC":
 * a TZif file under $TZDIR, else /usr/share/zoneinfo), the process's local
 * time (TZ and tzset), so local midnights and local times above follow
 * it. Call it before any thread starts. RK_EINVAL naming the zone when it
 * is no such name (the local time is left as it was). */
int rk_clock_zone_set(const char *zone);

/* The zone rk_clock_zone_set made local, else $TZ, else "" (the system's). */
const char *rk_clock_zone(void);

#endif
