/*
 * The clerks' desk queues as a service of the branch: for the clerk at
 * the desk, the orders waiting for each of the roles they hold, overdue
 * ones first, each with its deadline.
 *
 * Which orders wait for whom is the branch's rule, here and nowhere else:
 *   review   submitted or awaiting the competent authority (review role)
 *   issue    approved and paid, or approved and fee-free (issue role)
 *   deliver  issued, to be handed over or mailed (issue role)
 *   archive  delivered, to be filed (archive role)
 * A supervisor sees every queue. Within a queue the orders past their
 * deadline come first, the most overdue first, then the others by
 * deadline (orders without one last), then by submission.
 */
#ifndef RK_BRANCH_DESKQUEUE_H
#define RK_BRANCH_DESKQUEUE_H

#include "branch/branch.h"
#include "domain/clerk.h"
#include "domain/order.h"

#include <stdint.h>

typedef enum rk_desk_queue_id {
    RK_DESK_REVIEW = 0,
    RK_DESK_ISSUE,
    RK_DESK_DELIVER,
    RK_DESK_ARCHIVE,
    RK_DESK_QUEUES
} rk_desk_queue_id;

#define RK_DESK_QUEUE_MAX 200 /* orders listed per queue */

typedef struct rk_desk_queue {
    const char *name;   /* "review", "issue", "deliver", "archive" */
    unsigned role;      /* the role it needs (RK_ROLE_*) */
    int allowed;        /* the clerk may work this queue */
    int n, overdue;     /* orders listed, of them past their deadline */
    rk_order_row *rows; /* n rows (free with rk_branch_desk_queues_free) */
} rk_desk_queue;

/* The queues of by (a clerk) as of now (the clock), at most
 * RK_DESK_QUEUE_MAX orders each; queues by may not work are listed empty
 * with allowed 0. RK_EPERM for the system actor. */
int rk_branch_desk_queues(rk_branch *b, const rk_actor *by, rk_desk_queue q[RK_DESK_QUEUES]);

/* Frees the rows of every queue; q may be all zero. */
void rk_branch_desk_queues_free(rk_desk_queue q[RK_DESK_QUEUES]);

/* 1 if row is past its deadline at now. */
int rk_branch_desk_overdue(const rk_order_row *row, int64_t now);

#endif
