/*
 * What the desk's work screens share (desk_review.c: review an order,
 * desk_reject.c: the rejection's reason, desk_issue.c: produce its
 * certificate onto a key): their jobs, which act in the desk clerk's
 * session on a job runner's worker, and the event player's lines that wait
 * for those jobs and check what the screens hold.
 *
 * A work job copies the desk's session token at submit; on the worker it
 * holds that session for the one job (rk_branch_session_use), wipes its
 * copy and drops the session afterwards, so every service the job calls
 * checks the clerk, their roles and duties as of that moment.
 */
#ifndef RK_KIOSK_DESK_WORK_H
#define RK_KIOSK_DESK_WORK_H

#include "desk.h"

#include "branch/branch.h"

/* Runs fn(job, arg) on the job runner (kiosk_submit), counted for
 * "work-settle". */
int desk_work_submit(kiosk *k, const char *name, rk_job_fn fn, void *arg, kiosk_job_cb cb,
                     void *cb_arg);

/* Inside a work job: counts it as ended (call last, just before return). */
void desk_work_ended(void);

/* Inside a work job: the worker's branch acts in the session token (wiped
 * here); *actor is the clerk. Pair with rk_branch_session_drop. */
int desk_work_session(rk_branch *b, char *token, rk_actor *actor);

/* A module's event-player lines under "work-" (registered by the review
 * and issue modules, tried in turn): 1 when fn took the line (*rc its
 * answer), 0 when not its line. */
typedef int (*desk_work_app_fn)(kiosk *k, const char *words, int *rc);
void desk_work_register(kiosk *k, desk_work_app_fn fn);

/* At the queues (desk_issue.c): once per clerk session, for a clerk who
 * issues, looks for an enrolment a stopped kiosk left unfinished and, if
 * there is one, opens it on the issue screen with the story told. */
void desk_issue_look(kiosk *k);

/* The strings key with up to three values into out. */
void desk_work_format(kiosk *k, char *out, size_t n, const char *key, const char *a1,
                      const char *a2, const char *a3);

/* The order's business in the language shown. */
const char *desk_work_business(kiosk *k, const char *business);

#endif
