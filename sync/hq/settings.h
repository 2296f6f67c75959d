/*
 * rahq's settings: the INI file rahq.conf in HQ's home folder, read by
 * every rahq process of a deployment (several serving one store each have
 * the home's copy, as they have its CA). A missing file is the defaults;
 * `rahq init` writes one with them.
 *
 *   [hq]
 *   time_zone = Asia/Shanghai
 *
 * time_zone is the deployment's time zone (a name of the time zone
 * database): the business day of payment reconciliation (the day's
 * statement lines and orders run from its local midnight to the next) and
 * of the fleet page's per-day figures, and the times the supervisor's
 * report shows. The providers' statements keep their own China Standard
 * Time (domain/statement.h).
 */
#ifndef RK_HQ_SETTINGS_H
#define RK_HQ_SETTINGS_H

#include "util/clock.h"

#define RK_HQ_SETTINGS_FILE "rahq.conf"
#define RK_HQ_ZONE_DEFAULT  "Asia/Shanghai"

typedef struct rk_hq_settings {
    char time_zone[RK_CLOCK_ZONE_MAX];
} rk_hq_settings;

/* Reads home/rahq.conf into *out (the defaults where it says nothing, all
 * of them when there is no file). RK_ECONF naming the file and line for a
 * key it does not know, a section other than [hq] or a line it cannot
 * read. */
int rk_hq_settings_load(rk_hq_settings *out, const char *home);

/* rk_hq_settings_load, then the zone made the process's local time
 * (rk_clock_zone_set): before any thread starts. RK_ECONF naming the file
 * for a zone the time zone database does not have. */
int rk_hq_settings_apply(const char *home);

/* Writes home/rahq.conf with the defaults, explained, unless it exists. */
int rk_hq_settings_write_default(const char *home);

#endif
