/*
 * The desk's queues: a left column with the clerk's queues (to review, to
 * issue, to deliver, to archive: only those their roles work) and their
 * counts, overdue ones in red with a cross; the chosen queue's orders in
 * the middle, overdue first, each with its deadline. The queues come from
 * the branch (branch/deskqueue.h) on the job runner and are read again
 * whenever another process changed the database.
 */
#include "desk.h"
#include "desk_work.h"

#include "ui/widgets.h"
#include "util/clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct rows_arg {
    kiosk *k;
    const rk_desk_queue *q;
    char cell[160];
} rows_arg;

static const char *cell(void *arg, int row, int col, int *flags)
{
    rows_arg *a = arg;
    const rk_order_row *r = &a->q->rows[row];
    int zh = rk_ui_lang(a->k->ui) == 0;
    switch (col) {
    case 0: return r->ref;
    case 1: return rk_business_label(r->business, zh);
    case 2: *flags |= RK_CELL_PERSONAL; return r->subject_name;
    case 3: {
        if (!r->due_at) return kiosk_str(a->k, "desk.no_deadline");
        time_t t = (time_t)r->due_at;
        struct tm tm;
        char day[16];
        localtime_r(&t, &tm);
        strftime(day, sizeof day, "%Y-%m-%d", &tm);
        if (rk_branch_desk_overdue(r, rk_clock_now())) {
            *flags |= RK_CELL_ERROR;
            snprintf(a->cell, sizeof a->cell, "%s %s", kiosk_str(a->k, "desk.overdue"), day);
        } else {
            snprintf(a->cell, sizeof a->cell, "%s", day);
        }
        return a->cell;
    }
    default: return "";
    }
}

void scr_desk_queues(kiosk *k)
{
    rk_ui *ui = k->ui;
    desk_state *d = desk_get(k);
    const rk_theme *t = rk_ui_theme(ui);
    if (desk_guard(k)) return;
    if (kiosk_entering(k)) desk_refresh(k);
    desk_issue_look(k); /* an enrolment a stopped kiosk left: once a session */

    rk_rect scr = rk_ui_screen(ui);
    rk_backend_fill(rk_ui_backend(ui), scr, t->bg);
    rk_rect c = rk_rect_inset(scr, rk_ui_px(ui, RK_UI_MARGIN) / 2);
    c = desk_bar(k, c, kiosk_str(k, "desk.queues_title"));
    if (!d->logged_in) return; /* logged out from the bar */
    int gap = rk_ui_px(ui, RK_UI_GAP);

    /* The queues, one button each, with counts. */
    rk_rect left = rk_rect_cut_left(&c, rk_ui_px(ui, 420));
    rk_rect_cut_left(&c, gap);
    for (int i = 0; i < RK_DESK_QUEUES; i++) {
        const rk_desk_queue *q = &d->q[i];
        if (!q->name || !q->allowed) continue;
        char key[48], label[160], id[32];
        snprintf(key, sizeof key, "desk.queue_%s", q->name);
        if (q->overdue)
            snprintf(label, sizeof label, "%s %d · %s %d", kiosk_str(k, key), q->n,
                     kiosk_str(k, "desk.overdue"), q->overdue);
        else
            snprintf(label, sizeof label, "%s %d", kiosk_str(k, key), q->n);
        snprintf(id, sizeof id, "desk.queue.%s", q->name);
        rk_button b = {.label = label,
                       .kind = d->queue == i ? RK_BTN_SELECTED : RK_BTN_SECONDARY,
                       .icon = q->overdue ? RK_ICON_CROSS : RK_ICON_NONE};
        int bh = rk_widget_button_height(ui, &b);
        if (bh < rk_ui_px(ui, RK_UI_TARGET_PRIMARY)) bh = rk_ui_px(ui, RK_UI_TARGET_PRIMARY);
        rk_rect r = rk_rect_cut_top(&left, bh);
        rk_rect_cut_top(&left, gap);
        if (rk_widget_button_ex(ui, id, r, &b) && d->queue != i) {
            d->queue = i;
            d->list.scroll = 0;
            d->list.selected = -1;
        }
    }

    /* The desk's other work, below the queues: after-sales services and
     * the daily close, incidents (screens of their own modules, when built). */
    static const struct {
        const char *screen, *id, *key;
        rk_icon icon;
    } more[] = {
        {"desk_service", "desk.to_service", "desk_service.entry", RK_ICON_KEY},
        {"desk_close", "desk.to_close", "desk_close.entry", RK_ICON_PAPER},
        {"desk_incident", "desk.to_incident", "desk_incident.entry", RK_ICON_WARNING},
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
        int to = kiosk_find_screen(more[i].screen);
        if (to < 0) continue;
        rk_button b = {.label = kiosk_str(k, more[i].key), .icon = more[i].icon};
        int bh = rk_widget_button_height(ui, &b);
        if (bh < rk_ui_px(ui, RK_UI_TARGET_PRIMARY)) bh = rk_ui_px(ui, RK_UI_TARGET_PRIMARY);
        rk_rect r = rk_rect_cut_bottom(&left, bh);
        rk_rect_cut_bottom(&left, gap);
        if (rk_widget_button_ex(ui, more[i].id, r, &b)) {
            d->selected[0] = '\0';
            kiosk_go(k, (kiosk_screen)to);
        }
    }

    if (d->queue < 0 || !d->q[d->queue].name) {
        rk_widget_muted(ui, "desk.loading", c, kiosk_str(k, "desk.loading"), RK_UI_TEXT_BODY,
                        RK_ALIGN_CENTER);
        return;
    }
    const rk_desk_queue *q = &d->q[d->queue];
    if (q->n == 0) {
        rk_rect er = rk_rect_cut_top(
            &c, 2 * rk_backend_line_height(rk_ui_backend(ui), rk_ui_font(ui, RK_UI_TEXT_BODY)));
        rk_ui_mark(ui, "desk.empty", er);
        rk_widget_status(ui, "desk.empty", er, RK_STATUS_SUCCESS, kiosk_str(k, "desk.empty"),
                         RK_UI_TEXT_BODY);
        return;
    }
    const rk_list_column cols[] = {
        {kiosk_str(k, "desk.col_ref"), 2, RK_ALIGN_LEFT},
        {kiosk_str(k, "desk.col_business"), 2, RK_ALIGN_LEFT},
        {kiosk_str(k, "desk.col_subject"), 3, RK_ALIGN_LEFT},
        {kiosk_str(k, "desk.col_due"), 3, RK_ALIGN_LEFT},
    };
    rows_arg a = {.k = k, .q = q};
    int tapped = rk_listview_draw(ui, "desk.list", c, &d->list, cols, 4, q->n, cell, &a);
    if (tapped >= 0 && tapped < q->n) {
        snprintf(d->selected, sizeof d->selected, "%s", q->rows[tapped].ref);
        /* The queue's work screen, when there is one: desk_review, desk_issue ... */
        char name[32];
        snprintf(name, sizeof name, "desk_%s", q->name);
        int work = kiosk_find_screen(name);
        if (work >= 0) kiosk_go(k, (kiosk_screen)work);
    }
}
