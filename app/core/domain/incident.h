/*
 * Incidents (DOMAIN.md, seed 002): a fault reported at the branch, its
 * level, what it affects, and the escalation ladder that runs on the clock
 * from the moment it was recorded until it is closed.
 *
 * Levels: urgent (a public service stopped or badly harmed, the customer's
 * system down), serious (an internal system unstable, part of a service
 * interrupted), general (a fault that does not stop use, a consultation).
 * The ladder, hours after the incident was recorded:
 *
 *             2 h              8 h              12 h                24 h
 *   urgent    account manager  support manager  technical director  president
 *   serious   -                account manager  support manager     technical director
 *   general   -                -                account manager     support manager
 *
 * First contact is due within 1 hour, analysis and solution within 24
 * hours, whatever the level. The ladder stops when the incident is closed.
 *
 * The functions of the ladder are pure (time is handed in: the clock is the
 * caller's, util/clock.h in production, a fixed time in tests); those with
 * a database record in the open transaction with rk_record_add (audit
 * entry + outbox event "incident", which the sync pushes to HQ).
 */
#ifndef RK_INCIDENT_H
#define RK_INCIDENT_H

#include "db/db.h"
#include "domain/clerk.h"

#include <stddef.h>
#include <stdint.h>

enum { RK_INCIDENT_URGENT = 1, RK_INCIDENT_SERIOUS = 2, RK_INCIDENT_GENERAL = 3 };

#define RK_INCIDENT_CONTACT_S  3600
#define RK_INCIDENT_SOLUTION_S (24 * 3600)
#define RK_INCIDENT_RUNGS      4
#define RK_INCIDENT_TEXT_MAX   500 /* bytes of affected, summary, resolution */

/* The level words, NULL-terminated: "urgent", "serious", "general". */
extern const char *const rk_incident_levels[];

/* RK_INCIDENT_* for a level word, 0 for anything else. */
int rk_incident_level(const char *word);
/* The word of a level; "" for none. */
const char *rk_incident_level_name(int level);

/* Who is told at each rung: "account manager", "support manager",
 * "technical director", "president". */
const char *rk_incident_role(int rung);

typedef struct rk_incident_state {
    int rung;         /* rungs reached: 0 (none yet) .. RK_INCIDENT_RUNGS */
    const char *role; /* the highest reached ("" none): rk_incident_role */
    int64_t next_at;  /* when the next rung is due; 0 none (top, or closed) */
    const char *next_role;
    int64_t contact_due, solution_due;
    int contact_overdue;  /* no first contact by contact_due (and not closed then) */
    int solution_overdue; /* still open after solution_due */
    int open;
} rk_incident_state;

/* The ladder of an incident of level opened at opened_at, first contacted
 * at contacted_at (0: not yet) and closed at closed_at (0: open), as it
 * stands at now. A closed incident's ladder is where it stood when closed.
 * RK_EINVAL for an unknown level. */
int rk_incident_escalation(rk_incident_state *out, int level, int64_t opened_at,
                           int64_t contacted_at, int64_t closed_at, int64_t now);

typedef struct rk_incident {
    char uuid[37];
    int level;
    char affected[RK_INCIDENT_TEXT_MAX + 1];
    char summary[RK_INCIDENT_TEXT_MAX + 1];
    char opened_by[RK_CLERK_LOGIN_MAX + 1];
    int64_t opened_at, contacted_at, closed_at;
    char resolution[RK_INCIDENT_TEXT_MAX + 1];
} rk_incident;

/* Records a new incident in the open transaction at time now by actor:
 * affected and summary must be non-empty UTF-8 of at most
 * RK_INCIDENT_TEXT_MAX bytes (RK_EINVAL naming the field otherwise).
 * out (may be NULL) receives it. */
int rk_incident_open(rk_db *db, const rk_actor *actor, int level, const char *affected,
                     const char *summary, int64_t now, rk_incident *out);

/* First contact made with the customer (once: RK_ESTATE after, or when
 * closed); close with a resolution (RK_ESTATE if closed already). Both in
 * the open transaction; RK_ENOTFOUND for an unknown uuid. */
int rk_incident_contact(rk_db *db, const rk_actor *actor, const char *uuid, int64_t now,
                        rk_incident *out);
int rk_incident_close(rk_db *db, const rk_actor *actor, const char *uuid, const char *resolution,
                      int64_t now, rk_incident *out);

int rk_incident_get(rk_db *db, const char *uuid, rk_incident *out);
/* Incidents newest first (open ones only when open_only); *out is new
 * (free()). */
int rk_incident_list(rk_db *db, int open_only, rk_incident **out, int *n);

#endif
