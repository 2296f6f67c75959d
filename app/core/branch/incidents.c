/*
 * The branch's incident services (see incidents.h): the acting clerk, the
 * clock and the transaction around domain/incident.c.
 */
#include "branch/incidents.h"

#include "branch/session.h"
#include "util/clock.h"
#include "util/err.h"

#include <stdlib.h>

static int prepare(rk_branch *b, rk_db **db, rk_actor *actor)
{
    int rc = rk_branch_actor(b, actor);
    if (!rc) rc = rk_branch_db(b, db);
    if (!rc) rc = rk_db_begin(*db);
    return rc;
}

int rk_branch_incident_open(rk_branch *b, const char *level, const char *affected,
                            const char *summary, rk_incident *out)
{
    rk_db *db;
    rk_actor actor;
    int lv = rk_incident_level(level);
    if (!lv) return rk_err_set(RK_EINVAL, "level: urgent, serious or general, not '%s'", level);
    int rc = prepare(b, &db, &actor);
    if (rc) return rc;
    rc = rk_incident_open(db, &actor, lv, affected, summary, rk_clock_now(), out);
    return rk_db_end(db, rc);
}

int rk_branch_incident_contact(rk_branch *b, const char *uuid, rk_incident *out)
{
    rk_db *db;
    rk_actor actor;
    int rc = prepare(b, &db, &actor);
    if (rc) return rc;
    rc = rk_incident_contact(db, &actor, uuid, rk_clock_now(), out);
    return rk_db_end(db, rc);
}

int rk_branch_incident_close(rk_branch *b, const char *uuid, const char *resolution,
                             rk_incident *out)
{
    rk_db *db;
    rk_actor actor;
    int rc = prepare(b, &db, &actor);
    if (rc) return rc;
    rc = rk_incident_close(db, &actor, uuid, resolution, rk_clock_now(), out);
    return rk_db_end(db, rc);
}

int rk_branch_incident_list(rk_branch *b, int open_only, rk_incident **out, rk_incident_state **st,
                            int *n, int64_t *now)
{
    rk_db *db;
    rk_actor actor;
    int rc;
    *out = NULL;
    *st = NULL;
    *n = 0;
    *now = rk_clock_now();
    if ((rc = rk_branch_actor(b, &actor)) || (rc = rk_branch_db(b, &db)) ||
        (rc = rk_incident_list(db, open_only, out, n)))
        return rc;
    if (*n && !(*st = calloc((size_t)*n, sizeof **st))) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rk_err_oom();
    }
    for (int i = 0; i < *n; i++)
        rk_incident_escalation(&(*st)[i], (*out)[i].level, (*out)[i].opened_at,
                               (*out)[i].contacted_at, (*out)[i].closed_at, *now);
    return 0;
}
