/*
 * Incidents as services of the branch (domain/incident.h does the work):
 * the clerk at the counter records one (its level and what it affects),
 * notes the first contact with the customer, closes it with a resolution,
 * and lists them with where each stands on the escalation ladder now.
 *
 * Each change is one transaction with its audit entry and its outbox event
 * (entity "incident"), which the sync pushes to HQ. Every call needs a
 * clerk's login (rk_branch_actor); the time is the branch clock
 * (util/clock.h, RAKIOSK_NOW in tests).
 */
#ifndef RK_BRANCH_INCIDENTS_H
#define RK_BRANCH_INCIDENTS_H

#include "branch/branch.h"
#include "domain/incident.h"

int rk_branch_incident_open(rk_branch *b, const char *level, const char *affected,
                            const char *summary, rk_incident *out);
int rk_branch_incident_contact(rk_branch *b, const char *uuid, rk_incident *out);
int rk_branch_incident_close(rk_branch *b, const char *uuid, const char *resolution,
                             rk_incident *out);

/* Incidents newest first (only open ones if open_only) and the state of
 * each at *now (set to the clock's time); *out and *st are new (free()). */
int rk_branch_incident_list(rk_branch *b, int open_only, rk_incident **out, rk_incident_state **st,
                            int *n, int64_t *now);

#endif
