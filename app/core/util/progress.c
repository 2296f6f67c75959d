/*
 * Progress reports and cancellation of long operations (see progress.h).
 */
#include "progress.h"

#include "err.h"

#include <stddef.h>

const char *rk_progress_op_name(int op)
{
    switch (op) {
    case RK_OP_TOKEN_INIT: return "key initialisation";
    case RK_OP_KEYGEN: return "key generation";
    case RK_OP_CERT_WRITE: return "certificate write";
    case RK_OP_ENROL: return "enrolment";
    case RK_OP_RECOVER: return "key recovery";
    case RK_OP_SCAN: return "scan";
    case RK_OP_CMP: return "CMP request";
    case RK_OP_PRINT: return "printing";
    case RK_OP_ARCHIVE: return "archive filing";
    case RK_OP_JOB: return "job";
    default: return "operation";
    }
}

void rk_progress_start(rk_progress_track *t, rk_progress_fn fn, void *arg, int op, int steps)
{
    t->fn = fn;
    t->arg = arg;
    t->op = op;
    t->steps = steps;
    t->last = -1;
    t->cancelled = 0;
}

/* Calls the callback with p completed by t; its answer. */
static int call(rk_progress_track *t, const rk_progress *p)
{
    rk_progress q = *p;
    q.op = t->op;
    q.steps = t->steps;
    if (!q.step) q.step = "";
    if (!q.text) q.text = q.step;
    if (q.percent > 100) q.percent = 100;
    if (q.percent < t->last) q.percent = t->last < 0 ? 0 : t->last;
    t->last = q.percent;
    return t->fn(t->arg, &q);
}

int rk_progress_tell(rk_progress_track *t, const rk_progress *p)
{
    if (!t->fn) return 0;
    if (!t->cancelled && call(t, p)) t->cancelled = 1;
    if (!t->cancelled) return 0;
    return rk_err_set(RK_ECANCELED, "%s cancelled before: %s", rk_progress_op_name(t->op),
                      p->text ? p->text : (p->step ? p->step : "the next step"));
}

void rk_progress_note(rk_progress_track *t, const rk_progress *p)
{
    if (t->fn && call(t, p)) t->cancelled = 1;
}

int rk_progress_check(const rk_progress_track *t)
{
    return t->cancelled ? rk_err_set(RK_ECANCELED, "%s cancelled", rk_progress_op_name(t->op)) : 0;
}

int rk_progress_sub_fn(void *arg, const rk_progress *p)
{
    rk_progress_sub *s = arg;
    rk_progress q = *p;
    int pct = p->percent < 0 ? 0 : p->percent > 100 ? 100 : p->percent;
    q.percent = s->lo + (s->hi - s->lo) * pct / 100;
    q.step = s->step;
    q.step_no = s->step_no;
    if (s->item) q.item = s->item;
    if (!s->outer->fn) return 0;
    if (!s->outer->cancelled && call(s->outer, &q)) s->outer->cancelled = 1;
    return s->outer->cancelled;
}
