/*
 * The desk's daily close (日结), for a supervisor: today's orders (taken,
 * submitted, approved, rejected, issued, delivered, cancelled) and takings
 * by payment method with refunds, read from the branch (branch/dayclose.h)
 * on the job runner and again whenever another process changed the data;
 * the shift-close warning while events wait for HQ ("N events not yet
 * sent to HQ; last synced at ..."); and one button that closes the day,
 * writes the A4 close and the workbook and sends the close to the A4
 * queue, on the job runner too. Another role sees why it cannot close.
 */
#include "desk.h"

#include "branch/dayclose.h"
#include "branch/session.h"
#include "ui/strings.h"
#include "ui/widgets.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/wipe.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { CLOSE_READ = 1, CLOSE_DO = 2 };

typedef struct close_job {
    int op;
    char token[RK_SESSION_TOKEN_LEN + 1]; /* wiped by the job */
    rk_actor actor;
    rk_branch_day day;
    char pdf[PATH_MAX], xlsx[PATH_MAX], job[64];
} close_job;

typedef struct close_state {
    int busy, have, stale;
    unsigned long gen; /* db_gen the figures were read at */
    close_job job;
    rk_branch_day day;
    int done;        /* the day was closed from this screen */
    int close_asked; /* pressed while the figures were read again: closes next */
    char pdf[PATH_MAX], printed_job[64];
    char error[DESK_MSG_MAX];
    rk_list_state counts_list, money_list;
} close_state;

static close_state the_close;
static atomic_int running;

static int job_close(rk_job *job, void *arg)
{
    close_job *a = arg;
    rk_branch *b = rk_job_worker(job);
    int rc = rk_branch_session_use(b, a->token, &a->actor);
    rk_wipe(a->token, sizeof a->token);
    if (!rc) {
        int64_t now = rk_clock_now();
        rc = a->op == CLOSE_DO ? rk_branch_day_close_print(b, &a->actor, now, &a->day, a->pdf,
                                                           a->xlsx, a->job, sizeof a->job)
                               : rk_branch_day_close(b, &a->actor, now, 0, NULL, NULL, &a->day);
    }
    rk_branch_session_drop(b);
    atomic_fetch_sub(&running, 1);
    return rc;
}

static void close_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    close_state *s = arg;
    if (ev->kind != RK_JOB_EV_DONE) return;
    s->busy = 0;
    /* A close that could not be printed is still a close: its figures. */
    if (ev->rc == 0 || (s->job.op == CLOSE_DO && s->job.day.d.closed_at)) {
        s->day = s->job.day;
        s->have = 1;
        if (s->job.op == CLOSE_DO) {
            s->done = 1;
            snprintf(s->pdf, sizeof s->pdf, "%s", s->job.pdf);
            snprintf(s->printed_job, sizeof s->printed_job, "%s", s->job.job);
        }
    }
    if (ev->rc) {
        snprintf(s->error, sizeof s->error, "%s", ev->message);
        rk_ui_sound(k->ui, RK_UI_SOUND_ERROR);
    } else if (s->job.op == CLOSE_DO) {
        rk_ui_sound(k->ui, RK_UI_SOUND_CONFIRM);
    }
    rk_ui_redraw_in(k->ui, 0);
}

static void start(kiosk *k, close_state *s, int op)
{
    desk_state *d = desk_get(k);
    if (s->busy) return;
    memset(&s->job, 0, sizeof s->job);
    s->job.op = op;
    memcpy(s->job.token, d->token, sizeof s->job.token);
    if (op == CLOSE_DO) s->error[0] = '\0';
    atomic_fetch_add(&running, 1);
    if (kiosk_submit(k, NULL, op == CLOSE_DO ? "desk-close" : "desk-close-read", job_close, &s->job,
                     close_done, s) == 0) {
        s->busy = 1;
        s->stale = 0;
        s->gen = k->db_gen;
    } else {
        atomic_fetch_sub(&running, 1);
        rk_wipe(s->job.token, sizeof s->job.token);
        snprintf(s->error, sizeof s->error, "%s", rk_err_msg());
        rk_err_clear();
    }
}

static void yuan(char *out, size_t n, int64_t fen)
{
    rk_day_yuan(out, n, fen);
}

typedef struct rows {
    kiosk *k;
    const rk_dayclose *d;
    char cell[64];
} rows;

static const char *count_cell(void *arg, int row, int col, int *flags)
{
    rows *a = arg;
    (void)flags;
    if (col == 0) {
        snprintf(a->cell, sizeof a->cell, "desk_close.count_%s", rk_day_count_key(row));
        return kiosk_str(a->k, a->cell);
    }
    snprintf(a->cell, sizeof a->cell, "%d", a->d->total[row]);
    return a->cell;
}

static const char *money_cell(void *arg, int row, int col, int *flags)
{
    rows *a = arg;
    const rk_day_money *m = row < a->d->n_methods ? &a->d->methods[row] : &a->d->takings;
    switch (col) {
    case 0:
        if (row == a->d->n_methods) return kiosk_str(a->k, "desk_close.total");
        snprintf(a->cell, sizeof a->cell, "desk_close.method_%s", m->method);
        return kiosk_str(a->k, a->cell);
    case 1: yuan(a->cell, sizeof a->cell, m->paid_fen); break;
    case 2: yuan(a->cell, sizeof a->cell, m->refunded_fen); break;
    case 3:
        yuan(a->cell, sizeof a->cell, m->paid_fen - m->refunded_fen);
        if (m->paid_fen < m->refunded_fen) *flags |= RK_CELL_WARNING;
        break;
    default: return "";
    }
    return a->cell;
}

/* "3 events not yet sent to HQ; last synced at 2026-12-04 17:30" in the
 * screen's language. */
static void sync_line(kiosk *k, const rk_branch_day *day, char *out, size_t n)
{
    char at[32], count[24];
    snprintf(count, sizeof count, "%lld", (long long)day->unsent_events);
    const char *args[2] = {count, at};
    if (day->last_synced) {
        rk_clock_format(at, day->last_synced);
        at[10] = ' ';
        at[16] = '\0';
    }
    rk_strings_format(
        out, n, kiosk_str(k, day->last_synced ? "desk_close.unsent" : "desk_close.unsent_never"),
        args, 2);
}

void scr_desk_close(kiosk *k)
{
    rk_ui *ui = k->ui;
    close_state *s = &the_close;
    desk_state *d = desk_get(k);
    const rk_theme *t = rk_ui_theme(ui);
    if (desk_guard(k)) return;
    int boss = (d->actor.roles & RK_ROLE_SUPERVISOR) != 0;
    if (kiosk_entering(k)) {
        s->done = s->close_asked = 0;
        s->error[0] = '\0';
        s->stale = 1;
    }
    if (s->gen != k->db_gen) s->stale = 1;
    if (boss && s->stale && !s->busy) start(k, s, CLOSE_READ);

    rk_rect scr = rk_ui_screen(ui);
    rk_backend *be = rk_ui_backend(ui);
    rk_backend_fill(be, scr, t->bg);
    rk_rect c = rk_rect_inset(scr, rk_ui_px(ui, RK_UI_MARGIN) / 2);
    c = desk_bar(k, c, kiosk_str(k, "desk_close.title"));
    if (!d->logged_in) return;
    int gap = rk_ui_px(ui, RK_UI_GAP);
    int line = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_BODY));

    /* The way back, and the close itself, along the bottom. */
    rk_button back = {.label = kiosk_str(k, "desk_close.back"), .icon = RK_ICON_BACK};
    rk_button go = {.label = kiosk_str(k, "desk_close.close"),
                    .kind = RK_BTN_PRIMARY,
                    .icon = RK_ICON_PAPER,
                    .disabled =
                        !boss || !s->have || (s->busy && s->job.op == CLOSE_DO) || s->close_asked};
    int bh = rk_widget_button_height(ui, &go);
    if (bh < rk_ui_px(ui, RK_UI_TARGET_PRIMARY)) bh = rk_ui_px(ui, RK_UI_TARGET_PRIMARY);
    rk_rect bottom = rk_rect_cut_bottom(&c, bh);
    rk_rect_cut_bottom(&c, gap);
    if (rk_widget_button_ex(ui, "desk_close.back",
                            rk_rect_cut_left(&bottom, rk_widget_button_width(ui, &back)), &back)) {
        kiosk_back(k);
        return;
    }
    rk_rect gr = rk_rect_cut_right(&bottom, rk_widget_button_width(ui, &go));
    if (rk_widget_button_ex(ui, "desk_close.close", gr, &go)) {
        if (s->busy) /* a refresh of the figures runs: the close follows it */
            s->close_asked = 1;
        else
            start(k, s, CLOSE_DO);
    }
    if (s->close_asked && !s->busy) {
        s->close_asked = 0;
        start(k, s, CLOSE_DO);
    }

    if (!boss) {
        rk_rect er = rk_rect_cut_top(&c, 2 * line);
        rk_ui_mark(ui, "desk_close.not_boss", er);
        rk_widget_status(ui, "desk_close.not_boss", er, RK_STATUS_WARNING,
                         kiosk_str(k, "desk_close.not_boss"), RK_UI_TEXT_BODY);
        return;
    }
    if (!s->have) {
        rk_widget_muted(ui, "desk_close.loading", c, kiosk_str(k, "desk_close.loading"),
                        RK_UI_TEXT_BODY, RK_ALIGN_CENTER);
        return;
    }
    const rk_dayclose *day = &s->day.d;

    /* The day, and what became of its close. */
    char head[160];
    const char *date[1] = {day->date};
    rk_strings_format(head, sizeof head, kiosk_str(k, "desk_close.day"), date, 1);
    rk_widget_label(ui, "desk_close.day", rk_rect_cut_top(&c, line + gap / 2), head,
                    RK_UI_TEXT_BODY, RK_ALIGN_LEFT);
    char msg[DESK_MSG_MAX + 64];
    rk_rect sr = rk_rect_cut_top(&c, 3 * line);
    rk_rect_cut_top(&c, gap);
    if ((s->busy && s->job.op == CLOSE_DO) || s->close_asked) {
        rk_widget_progress(ui, "desk_close.working", sr, kiosk_str(k, "desk_close.working"), -1, 0,
                           0, 0, NULL);
    } else if (s->error[0]) {
        rk_ui_mark(ui, "desk_close.error", sr);
        rk_widget_status(ui, "desk_close.error", sr, RK_STATUS_ERROR, s->error, RK_UI_TEXT_BODY);
    } else if (s->done) {
        snprintf(msg, sizeof msg, "%s",
                 kiosk_str(k, s->printed_job[0] ? "desk_close.printed" : "desk_close.written"));
        rk_ui_mark(ui, "desk_close.done", sr);
        rk_widget_status(ui, "desk_close.done", sr, RK_STATUS_SUCCESS, msg, RK_UI_TEXT_BODY);
    } else if (day->closed_at) {
        char at[32];
        rk_clock_format(at, day->closed_at);
        at[10] = ' ';
        at[16] = '\0';
        const char *args[2] = {at, day->closed_by};
        rk_strings_format(msg, sizeof msg, kiosk_str(k, "desk_close.closed_at"), args, 2);
        rk_widget_status(ui, "desk_close.closed", sr, RK_STATUS_INFO, msg, RK_UI_TEXT_BODY);
    } else {
        rk_widget_status(ui, "desk_close.open", sr, RK_STATUS_INFO,
                         kiosk_str(k, "desk_close.not_closed"), RK_UI_TEXT_BODY);
    }

    /* The shift-close warning while HQ has not got everything. */
    if (s->day.unsent_events > 0) {
        char w[256];
        sync_line(k, &s->day, w, sizeof w);
        rk_rect wr = rk_rect_cut_top(&c, 2 * line);
        rk_rect_cut_top(&c, gap);
        rk_ui_mark(ui, "desk_close.unsent", wr);
        rk_widget_status(ui, "desk_close.unsent", wr, RK_STATUS_WARNING, w, RK_UI_TEXT_BODY);
    } else {
        rk_rect wr = rk_rect_cut_top(&c, line + gap);
        rk_widget_status(ui, "desk_close.synced", wr, RK_STATUS_SUCCESS,
                         kiosk_str(k, "desk_close.all_sent"), RK_UI_TEXT_BODY);
    }

    /* Orders on the left, money on the right. */
    rk_rect left = rk_rect_cut_left(&c, (c.w - gap) * 2 / 5);
    rk_rect_cut_left(&c, gap);
    rows a = {.k = k, .d = day};
    const rk_list_column ccols[] = {
        {kiosk_str(k, "desk_close.col_what"), 3, RK_ALIGN_LEFT},
        {kiosk_str(k, "desk_close.col_count"), 2, RK_ALIGN_RIGHT},
    };
    rk_listview_draw(ui, "desk_close.counts", left, &s->counts_list, ccols, 2, RK_DAY_N_COUNTS,
                     count_cell, &a);
    const rk_list_column mcols[] = {
        {kiosk_str(k, "desk_close.col_method"), 3, RK_ALIGN_LEFT},
        {kiosk_str(k, "desk_close.col_paid"), 3, RK_ALIGN_RIGHT},
        {kiosk_str(k, "desk_close.col_refunded"), 3, RK_ALIGN_RIGHT},
        {kiosk_str(k, "desk_close.col_net"), 3, RK_ALIGN_RIGHT},
    };
    rk_listview_draw(ui, "desk_close.money", c, &s->money_list, mcols, 4, day->n_methods + 1,
                     money_cell, &a);
}

/* The event player's lines: "dayclose-settle" waits (up to 20 s) for the
 * close's jobs; "dayclose-expect closed|open" and "dayclose-expect-unsent
 * N" check what the screen holds. */
static int close_app(kiosk *k, const char *words)
{
    close_state *s = &the_close;
    long long n = -1;
    char a[16] = "";
    (void)k;
    if (!strcmp(words, "dayclose-settle")) {
        for (int i = 0; i < 2000 && atomic_load(&running) > 0; i++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        return atomic_load(&running) > 0
                   ? rk_err_set(RK_ETIMEOUT, "dayclose-settle: jobs still run after 20 s")
                   : 0;
    }
    if (sscanf(words, "dayclose-expect-unsent %lld", &n) == 1)
        return s->have && s->day.unsent_events == n
                   ? 0
                   : rk_err_set(RK_EINVAL, "expected %lld unsent events, the screen has %lld", n,
                                s->have ? (long long)s->day.unsent_events : -1LL);
    if (sscanf(words, "dayclose-expect %15s", a) == 1) {
        const char *is = s->have && s->day.d.closed_at ? "closed" : "open";
        return strcmp(a, is) ? rk_err_set(RK_EINVAL, "expected the day %s, it is %s", a, is) : 0;
    }
    return rk_err_set(RK_EINVAL, "unknown dayclose line '%s'", words);
}

void mod_desk_close_reset(kiosk *k, kiosk_reset why)
{
    close_state *s = &the_close;
    if (why == KIOSK_RESET_START) {
        memset(s, 0, sizeof *s);
        s->counts_list.selected = s->money_list.selected = -1;
        if (kiosk_app_register(k, "dayclose-", close_app) != 0) rk_err_clear();
        return;
    }
    /* The figures hold no personal data; a new clerk reads them again. */
    s->have = s->done = s->close_asked = 0;
    s->error[0] = '\0';
    s->stale = 1;
}
