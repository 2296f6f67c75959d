/*
 * The branch's service records (DOMAIN.md "Records the branch keeps"):
 * consultations (咨询服务记录表), the complaint register with an agreed
 * deadline, satisfaction surveys, and the Friday weekly summary for the
 * manager that draws on them and on the order ledger.
 *
 * - Consultations: channel (counter, phone, online, remote), topic (a short
 *   category such as "解锁" or "驱动安装": the weekly summary counts by it),
 *   question, answer (empty: to follow up), optional subscriber name.
 *   Any logged-in clerk records them.
 * - Complaints: subscriber, content, optional order, and the deadline
 *   agreed with the subscriber: a date (due at 23:59:59 that day) or N
 *   working days by the branch calendar (calendar.h's rule). Any clerk
 *   opens one; a supervisor resolves it with the resolution text. Open
 *   complaints past their deadline are overdue.
 * - Surveys: a score 1-5, optional comment and order; by any clerk, or by
 *   the system actor (the kiosk's self-service screen). Per-clerk averages
 *   credit the clerk who served the order (delivered it, else issued or
 *   entered it); a survey without an order counts only in the totals.
 *
 * Every write is one transaction with its audit entry and an outbox event
 * (entity "record", kinds "record.consultation", "record.complaint",
 * "record.complaint_resolved", "record.survey"). Events and audit details
 * carry no personal data: no names, no free text.
 *
 * Weeks run Monday 00:00 to the next Monday 00:00, local time.
 */
#ifndef RK_SERVICE_H
#define RK_SERVICE_H

#include <stdint.h>

#include "domain/clerk.h"
#include "domain/ledger.h"
#include "domain/order.h"

#define RK_SERVICE_TOPIC_MAX   64   /* bytes */
#define RK_SERVICE_TEXT_MAX    2000 /* bytes of a question, answer, content ... */
#define RK_SERVICE_NAME_MAX    128  /* bytes of a subscriber's name */
#define RK_SERVICE_COMMENT_MAX 1000
#define RK_WEEKLY_MAX          32

typedef struct rk_consult_spec {
    const char *channel; /* counter, phone, online, remote */
    const char *topic;
    const char *question;
    const char *answer;     /* NULL or "": to follow up */
    const char *subscriber; /* optional */
} rk_consult_spec;

typedef struct rk_consultation {
    int64_t id, at;
    char clerk[RK_CLERK_LOGIN_MAX + 1];
    char channel[16];
    char topic[RK_SERVICE_TOPIC_MAX + 1];
    char question[RK_SERVICE_TEXT_MAX + 1];
    char answer[RK_SERVICE_TEXT_MAX + 1];
    char subscriber[RK_SERVICE_NAME_MAX + 1];
} rk_consultation;

typedef struct rk_complaint_spec {
    const char *subscriber;
    const char *content;
    const char *order_ref;     /* optional */
    const char *deadline_date; /* "YYYY-MM-DD", or NULL ... */
    int workdays;              /* ... and N >= 0 working days (used when no date) */
} rk_complaint_spec;

typedef struct rk_complaint {
    int64_t id, at, deadline, resolved_at;
    char clerk[RK_CLERK_LOGIN_MAX + 1];
    char order_ref[RK_ORDER_REF_MAX];
    char subscriber[RK_SERVICE_NAME_MAX + 1];
    char content[RK_SERVICE_TEXT_MAX + 1];
    char status[16]; /* open, resolved */
    char resolution[RK_SERVICE_TEXT_MAX + 1];
    char resolved_by[RK_CLERK_LOGIN_MAX + 1];
    int overdue; /* open and past the deadline now */
} rk_complaint;

enum { RK_COMPLAINTS_ALL = 0, RK_COMPLAINTS_OPEN = 1, RK_COMPLAINTS_OVERDUE = 2 };

/* Channel ids and their Chinese names; NULL past the end / if unknown. */
const char *rk_service_channel(int i);
const char *rk_service_channel_label(const char *channel);

/* Records a consultation; *id (may be NULL) receives its number. */
int rk_service_consult(rk_ledger *l, const rk_actor *by, const rk_consult_spec *s, int64_t *id);

/* Consultations with at in [from, to) (0 = open end), oldest first, into a
 * new array (free() it). */
int rk_service_consult_list(rk_ledger *l, int64_t from, int64_t to, rk_consultation **out, int *n);

/* Opens a complaint. RK_EINVAL for a missing text, a bad date, a date in
 * the past or a bad working-day count; RK_ENOTFOUND for an unknown order.
 * *id and *deadline (may be NULL) receive its number and deadline. */
int rk_service_complaint_open(rk_ledger *l, const rk_actor *by, const rk_complaint_spec *s,
                              int64_t *id, int64_t *deadline);

/* Resolves an open complaint (supervisor role). RK_ENOTFOUND, RK_ESTATE if
 * already resolved. */
int rk_service_complaint_resolve(rk_ledger *l, const rk_actor *by, int64_t id,
                                 const char *resolution);

/* Complaints (all, open, or open and overdue now), oldest first, into a
 * new array (free() it). */
int rk_service_complaint_list(rk_ledger *l, int which, rk_complaint **out, int *n);

/* Records a satisfaction score 1-5 (a clerk or the system actor). */
int rk_service_survey(rk_ledger *l, const rk_actor *by, int score, const char *comment,
                      const char *order_ref, int64_t *id);

typedef struct rk_weekly_count {
    char key[RK_SERVICE_TOPIC_MAX + 1]; /* channel, topic, business or clerk login */
    char key2[16];                      /* order state */
    int count;
    int extra; /* topics: answered; clerks: sum of scores */
} rk_weekly_count;

/* Money of one day (or a week): payments recorded and refunds handed
 * back (a cancelled paid order's, order.h), in fen. */
typedef struct rk_takings {
    int payments, refunds;
    int64_t paid_fen, refunded_fen;
} rk_takings;

typedef struct rk_weekly {
    int64_t start, end; /* [Monday 00:00, next Monday 00:00) */
    int64_t cutoff;     /* min(end, now): the moment "overdue" refers to */
    int consultations;
    rk_weekly_count channels[4];
    rk_weekly_count topics[RK_WEEKLY_MAX];
    int n_topics;
    int orders;                                  /* submitted in the week */
    rk_weekly_count order_states[RK_WEEKLY_MAX]; /* business x current state */
    int n_order_states;
    int overdue; /* orders open past their deadline at the cutoff */
    int complaints_opened, complaints_resolved, complaints_overdue;
    int surveys, score_sum;
    rk_weekly_count clerks[RK_WEEKLY_MAX]; /* per clerk: surveys, sum of scores */
    int n_clerks;
    rk_takings takings; /* the week's payments and refunds ... */
    rk_takings days[7]; /* ... and each day's, Monday first */
} rk_weekly;

/* The week containing t: *start Monday 00:00 local, *end a week later. */
void rk_service_week(int64_t t, int64_t *start, int64_t *end);

/* Survey averages and the other figures of the week containing day. */
int rk_service_weekly(rk_ledger *l, int64_t day, rk_weekly *out);

/* "4.50" into out (at least 8 bytes), or "-" with no surveys. */
void rk_service_average(char *out, size_t n, int sum, int count);

#endif
