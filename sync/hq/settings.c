/*
 * rahq's settings file (see settings.h), read with conf/ini.h so that a
 * mistake names its line.
 */
#include "hq/settings.h"

#include "conf/ini.h"
#include "util/err.h"
#include "util/file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct reader {
    rk_hq_settings *s;
    int line;
    char why[160];
} reader;

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    reader *r = user;
    if (strcmp(section, "hq")) {
        snprintf(r->why, sizeof r->why, "section [%s]: rahq.conf has only [hq]", section);
        return 0;
    }
    if (strcmp(name, "time_zone")) {
        snprintf(r->why, sizeof r->why, "unknown key '%s' in [hq] (time_zone)", name);
        return 0;
    }
    if (!value[0] || strlen(value) >= sizeof r->s->time_zone) {
        snprintf(r->why, sizeof r->why, "time_zone: give a zone such as %s", RK_HQ_ZONE_DEFAULT);
        return 0;
    }
    snprintf(r->s->time_zone, sizeof r->s->time_zone, "%s", value);
    return 1;
}

static int path_of(char *out, size_t n, const char *home)
{
    int w = snprintf(out, n, "%s/%s", home, RK_HQ_SETTINGS_FILE);
    return w < 0 || (size_t)w >= n ? rk_err_set(RK_ETOOBIG, "path too long") : 0;
}

int rk_hq_settings_load(rk_hq_settings *out, const char *home)
{
    char path[PATH_MAX];
    reader r = {out, 0, ""};
    memset(out, 0, sizeof *out);
    snprintf(out->time_zone, sizeof out->time_zone, "%s", RK_HQ_ZONE_DEFAULT);
    int rc = path_of(path, sizeof path, home);
    if (rc) return rc;
    if (access(path, F_OK) != 0 && errno == ENOENT) return 0;
    int bad = rk_ini_parse(path, on_entry, &r, &r.line);
    if (bad < 0) return rk_err_set(RK_ECONF, "%s: cannot read it: %s", path, strerror(errno));
    if (bad > 0)
        return rk_err_set(RK_ECONF, "%s:%d: %s", path, bad, r.why[0] ? r.why : "not an INI line");
    return 0;
}

int rk_hq_settings_apply(const char *home)
{
    rk_hq_settings s;
    char path[PATH_MAX];
    int rc = rk_hq_settings_load(&s, home);
    if (rc) return rc;
    if ((rc = rk_clock_zone_set(s.time_zone)) != 0) {
        if (path_of(path, sizeof path, home)) path[0] = '\0';
        char why[300];
        snprintf(why, sizeof why, "%s", rk_err_msg());
        return rk_err_set(RK_ECONF, "%s: [hq] %s", path, why);
    }
    return 0;
}

int rk_hq_settings_write_default(const char *home)
{
    static const char text[] =
        "; rahq's settings (docs/FLEET.md). Every rahq process serving this\n"
        "; deployment's store reads its home's copy: keep them the same.\n"
        "[hq]\n"
        "; The deployment's time zone (a name of the time zone database): the\n"
        "; business day of payment reconciliation and of the fleet page's\n"
        "; per-day figures runs from its local midnight to the next.\n"
        "time_zone = " RK_HQ_ZONE_DEFAULT "\n";
    char path[PATH_MAX];
    int rc = path_of(path, sizeof path, home);
    if (rc) return rc;
    if (access(path, F_OK) == 0) return 0;
    return rk_file_write_atomic(path, text, sizeof text - 1, 0644);
}
