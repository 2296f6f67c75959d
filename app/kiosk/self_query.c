/*
 * The status query screen ("query", 证书状态查询): a subscriber asks by
 * name, ID number or certificate serial and sees each certificate's
 * status in plain words (in use, in production, expired, revoked,
 * suspended) with its serial and validity. The answer comes from the
 * ledger's status query as the public sees it (branch/ledger.h,
 * .public_view: subject names masked), asked on the job runner. The ID
 * number typed is masked whenever its field is not being typed into and
 * is wiped with the visit.
 */
#include "self.h"

#include "ui/field.h"
#include "util/wipe.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const BY_KEYS[3] = {"query.by_name", "query.by_id", "query.by_serial"};
static const char *const LABEL_KEYS[3] = {"query.name", "query.id", "query.serial"};
static const char *const HINT_KEYS[3] = {"query.hint_name", "query.hint_id", "query.hint_serial"};

static int query_job(rk_job *job, void *arg)
{
    self_query *q = arg;
    rk_branch_status_req req = {.query = q->job_q, .public_view = 1};
    return rk_branch_status_query(rk_job_worker(job), NULL, &req, q->job_hits, SELF_QUERY_HITS,
                                  &q->job_n);
}

static void query_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    self_state *s = self_get();
    self_query *q = arg;
    (void)k;
    if (ev->kind != RK_JOB_EV_DONE) return;
    q->busy = 0;
    rk_wipe(q->job_q, sizeof q->job_q);
    if (q->gen != s->gen) {
        rk_wipe(q, sizeof *q);
        q->list.selected = -1;
        return;
    }
    q->done = 1;
    q->rc = ev->rc;
    q->n = ev->rc ? 0 : q->job_n;
    memcpy(q->hits, q->job_hits, sizeof q->hits);
    rk_wipe(q->job_hits, sizeof q->job_hits);
    q->list.scroll = 0;
    q->list.selected = -1;
}

static void start(kiosk *k, self_state *s)
{
    self_query *q = &s->query;
    uint64_t id;
    if (q->busy || !q->q[0]) return;
    snprintf(q->job_q, sizeof q->job_q, "%s", q->q);
    q->gen = s->gen;
    q->busy = 1;
    q->done = 0;
    if (kiosk_submit(k, &id, "query", query_job, q, query_done, q) != 0) {
        q->busy = 0;
        rk_wipe(q->job_q, sizeof q->job_q);
        q->done = 1;
        q->rc = -1;
    }
}

static void set_keyboard(kiosk *k, int by)
{
    if (by == 0)
        self_keyboard(k, RK_KB_PINYIN, RK_KB_TEXT_MODES);
    else if (by == 1)
        self_keyboard(k, RK_KB_ID, 0);
    else
        self_keyboard(k, RK_KB_LATIN, RK_KB_BIT(RK_KB_LATIN) | RK_KB_BIT(RK_KB_DIGITS));
}

typedef struct cells {
    kiosk *k;
    self_query *q;
    char buf[160];
} cells;

static const char *cell(void *arg, int row, int col, int *flags)
{
    cells *c = arg;
    const rk_status_hit *h = &c->q->hits[row];
    char key[64];
    switch (col) {
    case 0:
        snprintf(key, sizeof key, "query.status_%s", h->status);
        if (!strcmp(h->status, "in_use"))
            *flags = RK_CELL_SUCCESS;
        else if (!strcmp(h->status, "revoked"))
            *flags = RK_CELL_ERROR;
        else if (strcmp(h->status, "new_application"))
            *flags = RK_CELL_WARNING;
        return kiosk_str(c->k, key);
    case 1: *flags = RK_CELL_PERSONAL; return h->subject_name;
    case 2: return h->serial[0] ? h->serial : h->order_ref;
    default: {
        if (!h->not_after) return "";
        time_t t = (time_t)h->not_after;
        struct tm tm;
        if (!localtime_r(&t, &tm) || !strftime(c->buf, sizeof c->buf, "%Y-%m-%d", &tm)) return "";
        return c->buf;
    }
    }
}

void scr_query(kiosk *k)
{
    self_state *s = self_get();
    self_query *q = &s->query;
    rk_ui *ui = k->ui;
    int gap = rk_ui_px(ui, RK_UI_GAP);
    if (kiosk_entering(k)) {
        rk_ui_set_focus(ui, "query.q");
        set_keyboard(k, q->by);
    }
    rk_chrome ch = {
        .title = kiosk_str(k, "query.title"), .back = 1, .start_over = 1, .dirty = q->q[0] != 0};
    rk_rect content = kiosk_chrome(k, &ch);
    int typing = rk_ui_has_focus(ui, "query.q");
    if (typing) self_keyboard_area(k, &content);

    /* How to look: name, ID number or serial; and the search button. */
    rk_button sb = {.label = kiosk_str(k, "query.search"),
                    .kind = RK_BTN_PRIMARY,
                    .icon = RK_ICON_SEARCH,
                    .disabled = q->busy || !q->q[0]};
    int bh = rk_widget_button_height(ui, &sb), sw = rk_widget_button_width(ui, &sb);
    rk_rect row = rk_rect_cut_top(&content, bh);
    rk_rect_cut_top(&content, gap);
    rk_rect search = rk_rect_cut_right(&row, sw);
    rk_rect_cut_right(&row, rk_ui_px(ui, 32));
    int x = row.x;
    for (int i = 0; i < 3; i++) {
        rk_button b = {.label = kiosk_str(k, BY_KEYS[i]),
                       .kind = q->by == i ? RK_BTN_SELECTED : RK_BTN_SECONDARY};
        int w = rk_widget_button_width(ui, &b);
        char id[24];
        snprintf(id, sizeof id, "query.by.%d", i);
        if (rk_widget_button_ex(ui, id, rk_rect_make(x, row.y, w, bh), &b) && q->by != i) {
            q->by = i;
            rk_wipe(q->q, sizeof q->q);
            q->done = 0;
            rk_ui_set_focus(ui, "query.q");
            set_keyboard(k, i);
        }
        x += w + gap;
    }
    const char *err = NULL;
    int id_bad = q->by == 1 && strlen(q->q) != 18;
    if (id_bad && q->q[0] && !typing) err = kiosk_str(k, "error.id_length");
    if (rk_widget_button_ex(ui, "query.search", search, &sb) && !(id_bad && q->q[0])) {
        rk_ui_clear_focus(ui);
        start(k, s);
    }

    rk_field f = {q->q, sizeof q->q, q->by == 1 ? RK_FIELD_ID : RK_FIELD_TEXT, q->by == 1 ? 18 : 40,
                  kiosk_str(k, HINT_KEYS[q->by])};
    int fh = typing ? rk_field_height_inline(ui) : rk_field_height(ui);
    if (fh > content.h) fh = content.h;
    int r = rk_field_draw(ui, "query.q", rk_rect_cut_top(&content, fh),
                          kiosk_str(k, LABEL_KEYS[q->by]), &f, err);
    if (r & RK_FIELD_FOCUSED) set_keyboard(k, q->by);
    if (r & RK_FIELD_CHANGED) q->done = 0;
    if ((r & RK_FIELD_SUBMIT) && !(id_bad && q->q[0])) {
        rk_ui_clear_focus(ui);
        start(k, s);
    }
    rk_rect_cut_top(&content, gap);

    if (q->busy) {
        rk_widget_status(ui, "query.progress", rk_rect_cut_top(&content, content.h / 2),
                         RK_STATUS_INFO, kiosk_str(k, "query.asking"), 0);
        rk_ui_redraw_in(ui, 100);
    } else if (q->done && q->rc) {
        rk_widget_status(ui, "query.failed", rk_rect_cut_top(&content, content.h / 2),
                         RK_STATUS_ERROR, kiosk_str(k, "query.failed"), 0);
    } else if (q->done && q->n == 0) {
        rk_widget_status(ui, "query.none", rk_rect_cut_top(&content, content.h / 2), RK_STATUS_INFO,
                         kiosk_str(k, "query.none"), 0);
    } else if (q->done && !typing && content.h >= rk_listview_row_height(ui, 2) * 2) {
        cells c = {k, q, ""};
        int one = rk_ui_large(ui) || rk_ui_screen(ui).w < rk_ui_screen(ui).h;
        rk_list_column cols[4] = {{kiosk_str(k, "query.col_status"), 3, RK_ALIGN_LEFT},
                                  {kiosk_str(k, "query.col_subject"), 3, RK_ALIGN_LEFT},
                                  {kiosk_str(k, "query.col_serial"), 4, RK_ALIGN_LEFT},
                                  {kiosk_str(k, "query.col_until"), 3, RK_ALIGN_LEFT}};
        q->list.row_lines = 2;
        rk_listview_draw(ui, "query.list", content, &q->list, cols, one ? 3 : 4, q->n, cell, &c);
    }
    kiosk_chrome_end(k);
}
