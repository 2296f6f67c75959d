/*
 * The branches' incidents as HQ sees them: the newest event of each
 * incident the branches pushed (entity "incident", whose payload is the
 * whole incident, domain/incident.c) and where it stands on the escalation
 * ladder at a given time (domain/incident.h). For `rahq admin incidents`
 * and the fleet page.
 */
#ifndef RK_HQ_INCIDENTS_H
#define RK_HQ_INCIDENTS_H

#include "domain/incident.h"
#include "hq/store.h"

typedef struct rk_hq_incident {
    char branch[RK_SYNC_PROTO_BRANCH_MAX];
    rk_incident x;
    rk_incident_state st;
} rk_hq_incident;

/* Every incident HQ holds (open ones only if open_only), by branch and
 * time, with its state at now; *out is new (free()). An event whose
 * payload is not an incident is skipped with a warning. */
int rk_hq_incidents(rk_hq_store *s, int open_only, int64_t now, rk_hq_incident **out, int *n);

#endif
