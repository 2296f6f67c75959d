/*
 * The clerks' desk queues (see deskqueue.h).
 */
#include "branch/deskqueue.h"

#include "branch/ledger.h"
#include "util/clock.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

typedef struct queue_def {
    const char *name;
    unsigned role;
    const char *states[2];
    int fee_free_approved; /* approved orders with nothing to pay wait here too */
} queue_def;

static const queue_def defs[RK_DESK_QUEUES] = {
    {"review", RK_ROLE_REVIEW, {"submitted", "authority"}, 0},
    {"issue", RK_ROLE_ISSUE, {"paid", NULL}, 1},
    {"deliver", RK_ROLE_ISSUE, {"issued", NULL}, 0},
    {"archive", RK_ROLE_ARCHIVE, {"delivered", NULL}, 0},
};

int rk_branch_desk_overdue(const rk_order_row *row, int64_t now)
{
    return row->due_at > 0 && row->due_at < now;
}

/* <0 when a is more urgent than b at now. */
static int urgency(const rk_order_row *a, const rk_order_row *b, int64_t now)
{
    int oa = rk_branch_desk_overdue(a, now), ob = rk_branch_desk_overdue(b, now);
    if (oa != ob) return ob - oa;
    if ((a->due_at > 0) != (b->due_at > 0)) return a->due_at > 0 ? -1 : 1;
    if (a->due_at != b->due_at) return a->due_at < b->due_at ? -1 : 1;
    if (a->submitted_at != b->submitted_at) return a->submitted_at < b->submitted_at ? -1 : 1;
    return strcmp(a->ref, b->ref);
}

/* Sorts rows by urgency (an insertion sort: a queue is short, and the
 * clock is an argument, which qsort cannot pass on every libc). */
static void sort_rows(rk_order_row *rows, int n, int64_t now)
{
    for (int i = 1; i < n; i++) {
        rk_order_row x = rows[i];
        int j = i - 1;
        for (; j >= 0 && urgency(&x, &rows[j], now) < 0; j--)
            rows[j + 1] = rows[j];
        rows[j + 1] = x;
    }
}

/* Appends the orders in state (fee-free ones only when fee_free) to q. */
static int add_state(rk_branch *b, const rk_actor *by, rk_desk_queue *q, const char *state,
                     int fee_free)
{
    rk_order_row *rows = NULL;
    int n = 0, rc;
    rk_branch_list_req req = {.state = state, .limit = RK_DESK_QUEUE_MAX};
    if ((rc = rk_branch_order_list(b, by, &req, &rows, &n)) != 0) return rc;
    for (int i = 0; i < n && q->n < RK_DESK_QUEUE_MAX; i++) {
        if (fee_free && rows[i].fee_total != 0) continue;
        rk_order_row *grown = realloc(q->rows, (size_t)(q->n + 1) * sizeof *grown);
        if (!grown) {
            free(rows);
            return rk_err_oom();
        }
        q->rows = grown;
        q->rows[q->n++] = rows[i];
    }
    free(rows);
    return 0;
}

int rk_branch_desk_queues(rk_branch *b, const rk_actor *by, rk_desk_queue q[RK_DESK_QUEUES])
{
    int64_t now = rk_clock_now();
    int rc = 0;
    memset(q, 0, RK_DESK_QUEUES * sizeof *q);
    if (!by->clerk_id) return rk_err_set(RK_EPERM, "the desk's queues are a clerk's");
    for (int i = 0; i < RK_DESK_QUEUES && !rc; i++) {
        q[i].name = defs[i].name;
        q[i].role = defs[i].role;
        q[i].allowed = (by->roles & (defs[i].role | RK_ROLE_SUPERVISOR)) != 0;
        if (!q[i].allowed) continue;
        for (int s = 0; s < 2 && defs[i].states[s] && !rc; s++)
            rc = add_state(b, by, &q[i], defs[i].states[s], 0);
        if (!rc && defs[i].fee_free_approved) rc = add_state(b, by, &q[i], "approved", 1);
        if (rc) break;
        sort_rows(q[i].rows, q[i].n, now);
        for (int r = 0; r < q[i].n; r++)
            q[i].overdue += rk_branch_desk_overdue(&q[i].rows[r], now);
    }
    if (rc) rk_branch_desk_queues_free(q);
    return rc;
}

void rk_branch_desk_queues_free(rk_desk_queue q[RK_DESK_QUEUES])
{
    for (int i = 0; i < RK_DESK_QUEUES; i++) {
        free(q[i].rows);
        q[i].rows = NULL;
        q[i].n = q[i].overdue = 0;
    }
}
