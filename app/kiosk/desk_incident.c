/*
 * The desk's incidents (事件): a logged-in clerk records an incident (its
 * level, urgent / serious / general, what it affects and what happened,
 * typed in Chinese on the pinyin keyboard or the desk's own), sees the
 * open incidents with where each stands on its escalation ladder (who it
 * has reached, who is next and when, the first contact due within the
 * hour, overdue in red), and for the one chosen notes the first contact
 * with the customer or closes it with its resolution.
 *
 * Every rule is the branch's (branch/incidents.h): the screen hands over
 * what was typed and shows the core's answer, its refusal in its words.
 * Each action runs on the job runner in the clerk's session and reads the
 * open incidents again; so does a change made by another process (`ractl
 * incident`) and, every half minute, the clock (the ladder moves with it).
 * What was typed and the incidents read go with the clerk.
 */
#include "desk.h"

#include "branch/incidents.h"
#include "branch/session.h"
#include "ui/strings.h"
#include "ui/widgets.h"
#include "util/err.h"
#include "util/wipe.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { INC_LIST = 1, INC_OPEN, INC_CONTACT, INC_CLOSE };

#define INC_TEXT_CHARS 160 /* code points a field takes: 480 bytes at most */
#define INC_REREAD_MS  30000

typedef struct inc_job {
    int op;
    char token[RK_SESSION_TOKEN_LEN + 1]; /* wiped by the job */
    rk_actor actor;
    char level[16];
    char affected[RK_INCIDENT_TEXT_MAX + 1], summary[RK_INCIDENT_TEXT_MAX + 1];
    char uuid[37], resolution[RK_INCIDENT_TEXT_MAX + 1];
    /* out: the open incidents afterwards (owned until taken) */
    rk_incident *x;
    rk_incident_state *st;
    int n;
} inc_job;

typedef struct inc_state {
    int64_t clerk; /* whose the state is (clerk id) */
    int level;     /* RK_INCIDENT_*, 0 none chosen */
    char affected[RK_INCIDENT_TEXT_MAX + 1], summary[RK_INCIDENT_TEXT_MAX + 1];
    char resolution[RK_INCIDENT_TEXT_MAX + 1];
    int need; /* the record was pressed with something missing */
    int need_resolution;
    int busy, have, stale;
    unsigned long gen; /* db_gen the incidents were read at */
    uint64_t read_at;  /* ui time of the last read */
    inc_job job;
    rk_incident *x; /* the open incidents, newest first */
    rk_incident_state *st;
    int n;
    char chosen[37]; /* the incident chosen in the list ("" none) */
    rk_list_state list;
    int asked; /* an action pressed while the incidents were read: it follows */
    int last_op, ok;
    char msg[DESK_MSG_MAX];
} inc_state;

static inc_state the_inc;
static atomic_int running;

static void drop_list(inc_state *s)
{
    if (s->x) rk_wipe(s->x, (size_t)s->n * sizeof *s->x);
    free(s->x);
    free(s->st);
    s->x = NULL;
    s->st = NULL;
    s->n = 0;
}

static void drop_job_list(inc_job *a)
{
    if (a->x) rk_wipe(a->x, (size_t)a->n * sizeof *a->x);
    free(a->x);
    free(a->st);
    a->x = NULL;
    a->st = NULL;
    a->n = 0;
}

/* Everything the clerk typed or read here. */
static void wipe_all(inc_state *s)
{
    drop_list(s);
    rk_wipe(s->affected, sizeof s->affected);
    rk_wipe(s->summary, sizeof s->summary);
    rk_wipe(s->resolution, sizeof s->resolution);
    rk_wipe(s->msg, sizeof s->msg);
    s->chosen[0] = '\0';
    s->level = s->need = s->need_resolution = s->have = s->ok = s->last_op = s->asked = 0;
    s->clerk = 0;
    s->stale = 1;
    s->list.selected = -1;
    s->list.scroll = 0;
}

static int job_inc(rk_job *job, void *arg)
{
    inc_job *a = arg;
    rk_branch *b = rk_job_worker(job);
    rk_incident one;
    int64_t now;
    int rc = rk_branch_session_use(b, a->token, &a->actor);
    rk_wipe(a->token, sizeof a->token);
    if (!rc) {
        switch (a->op) {
        case INC_LIST: break;
        case INC_OPEN:
            rc = rk_branch_incident_open(b, a->level, a->affected, a->summary, &one);
            break;
        case INC_CONTACT: rc = rk_branch_incident_contact(b, a->uuid, &one); break;
        case INC_CLOSE: rc = rk_branch_incident_close(b, a->uuid, a->resolution, &one); break;
        default: rc = rk_err_set(RK_EINVAL, "no such incident action"); break;
        }
        if (!rc) snprintf(a->uuid, sizeof a->uuid, "%s", a->op == INC_LIST ? "" : one.uuid);
        /* The open incidents as they are now, whatever the action did
         * (its refusal's words kept). */
        char why[DESK_MSG_MAX];
        snprintf(why, sizeof why, "%s", rc ? rk_err_msg() : "");
        int lr = rk_branch_incident_list(b, 1, &a->x, &a->st, &a->n, &now);
        if (!rc && lr) rc = lr;
        if (rc && why[0]) rk_err_set(rc, "%s", why);
        rk_wipe(&one, sizeof one);
    }
    rk_wipe(a->affected, sizeof a->affected);
    rk_wipe(a->summary, sizeof a->summary);
    rk_wipe(a->resolution, sizeof a->resolution);
    rk_branch_session_drop(b);
    atomic_fetch_sub(&running, 1);
    return rc;
}

static const char *done_key(int op)
{
    switch (op) {
    case INC_OPEN: return "desk_incident.recorded";
    case INC_CONTACT: return "desk_incident.contacted";
    case INC_CLOSE: return "desk_incident.closed";
    default: return NULL;
    }
}

static void inc_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    inc_state *s = arg;
    inc_job *a = &s->job;
    if (ev->kind != RK_JOB_EV_DONE) return;
    s->busy = 0;
    if (!desk_get(k)->logged_in || desk_get(k)->actor.clerk_id != s->clerk) {
        drop_job_list(a); /* the clerk left meanwhile */
        rk_wipe(a, sizeof *a);
        return;
    }
    if (a->x || a->n == 0) {
        if (ev->rc == 0 || a->x || a->op != INC_LIST) {
            drop_list(s);
            s->x = a->x;
            s->st = a->st;
            s->n = a->n;
            a->x = NULL;
            a->st = NULL;
            a->n = 0;
            s->have = 1;
        }
    }
    s->read_at = rk_ui_now(k->ui);
    if (a->op != INC_LIST || ev->rc) {
        s->last_op = a->op;
        s->ok = ev->rc == 0;
    }
    if (ev->rc) {
        snprintf(s->msg, sizeof s->msg, "%s", ev->message);
        rk_ui_sound(k->ui, RK_UI_SOUND_ERROR);
    } else if (done_key(a->op)) {
        snprintf(s->msg, sizeof s->msg, "%s", kiosk_str(k, done_key(a->op)));
        rk_ui_sound(k->ui, RK_UI_SOUND_CONFIRM);
        if (a->op == INC_OPEN) { /* recorded: the form is empty again, the new one chosen */
            rk_wipe(s->affected, sizeof s->affected);
            rk_wipe(s->summary, sizeof s->summary);
            s->level = 0;
            snprintf(s->chosen, sizeof s->chosen, "%s", a->uuid);
        }
        if (a->op == INC_CLOSE) {
            rk_wipe(s->resolution, sizeof s->resolution);
            s->chosen[0] = '\0';
        }
    }
    drop_job_list(a);
    rk_ui_redraw_in(k->ui, 0);
}

static void start(kiosk *k, inc_state *s, int op)
{
    desk_state *d = desk_get(k);
    if (s->busy) {
        /* A read of the incidents runs: the action follows it. */
        if (op != INC_LIST && s->job.op == INC_LIST) s->asked = op;
        return;
    }
    s->asked = 0;
    memset(&s->job, 0, sizeof s->job);
    s->job.op = op;
    memcpy(s->job.token, d->token, sizeof s->job.token);
    snprintf(s->job.level, sizeof s->job.level, "%s", rk_incident_level_name(s->level));
    memcpy(s->job.affected, s->affected, sizeof s->job.affected);
    memcpy(s->job.summary, s->summary, sizeof s->job.summary);
    memcpy(s->job.resolution, s->resolution, sizeof s->job.resolution);
    snprintf(s->job.uuid, sizeof s->job.uuid, "%s", s->chosen);
    if (op != INC_LIST) s->msg[0] = '\0';
    atomic_fetch_add(&running, 1);
    if (kiosk_submit(k, NULL, "desk-incident", job_inc, &s->job, inc_done, s) == 0) {
        s->busy = 1;
        s->stale = 0;
        s->gen = k->db_gen;
    } else {
        atomic_fetch_sub(&running, 1);
        rk_wipe(&s->job, sizeof s->job);
        snprintf(s->msg, sizeof s->msg, "%s", rk_err_msg());
        s->ok = 0;
        s->last_op = op;
        rk_err_clear();
    }
}

/* "12-04 17:30", in the branch's local time. */
static void when(char *out, size_t n, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(out, n, "%m-%d %H:%M", &tm);
}

static int chosen_row(const inc_state *s)
{
    for (int i = 0; s->chosen[0] && i < s->n; i++)
        if (!strcmp(s->x[i].uuid, s->chosen)) return i;
    return -1;
}

typedef struct rows {
    kiosk *k;
    const inc_state *s;
    char cell[256];
} rows;

static const char *cell(void *arg, int row, int col, int *flags)
{
    rows *a = arg;
    const rk_incident *x = &a->s->x[row];
    const rk_incident_state *st = &a->s->st[row];
    char key[64], at[32];
    switch (col) {
    case 0:
        snprintf(key, sizeof key, "desk_incident.level_%s", rk_incident_level_name(x->level));
        if (x->level == RK_INCIDENT_URGENT) *flags |= RK_CELL_ERROR;
        if (x->level == RK_INCIDENT_SERIOUS) *flags |= RK_CELL_WARNING;
        return kiosk_str(a->k, key);
    case 1: *flags |= RK_CELL_PERSONAL; return x->affected;
    case 2: when(a->cell, sizeof a->cell, x->opened_at); return a->cell;
    case 3:
        snprintf(key, sizeof key, "desk_incident.rung_%d", st->rung);
        if (st->solution_overdue) *flags |= RK_CELL_WARNING;
        return kiosk_str(a->k, key);
    case 4: {
        if (!st->next_at) return kiosk_str(a->k, "desk_incident.next_none");
        when(at, sizeof at, st->next_at);
        snprintf(key, sizeof key, "desk_incident.rung_%d", st->rung + 1);
        const char *args[2] = {kiosk_str(a->k, key), at};
        rk_strings_format(a->cell, sizeof a->cell, kiosk_str(a->k, "desk_incident.next_at"), args,
                          2);
        return a->cell;
    }
    case 5: {
        const char *args[1] = {at};
        if (x->contacted_at) {
            when(at, sizeof at, x->contacted_at);
            *flags |= st->contact_overdue ? RK_CELL_WARNING : RK_CELL_SUCCESS;
            rk_strings_format(a->cell, sizeof a->cell,
                              kiosk_str(a->k, "desk_incident.contact_done"), args, 1);
        } else {
            when(at, sizeof at, st->contact_due);
            if (st->contact_overdue) *flags |= RK_CELL_ERROR;
            rk_strings_format(a->cell, sizeof a->cell,
                              kiosk_str(a->k, st->contact_overdue ? "desk_incident.contact_overdue"
                                                                  : "desk_incident.contact_due"),
                              args, 1);
        }
        return a->cell;
    }
    default: return "";
    }
}

static int bigger(int h, rk_ui *ui)
{
    int min = rk_ui_px(ui, RK_UI_TARGET_PRIMARY);
    return h < min ? min : h;
}

void scr_desk_incident(kiosk *k)
{
    rk_ui *ui = k->ui;
    inc_state *s = &the_inc;
    desk_state *d = desk_get(k);
    const rk_theme *t = rk_ui_theme(ui);
    if (desk_guard(k)) return;
    if (s->clerk != d->actor.clerk_id) { /* another clerk: nothing of the last one's */
        wipe_all(s);
        s->clerk = d->actor.clerk_id;
    }
    if (kiosk_entering(k)) {
        s->stale = 1;
        s->need = s->need_resolution = 0;
        s->msg[0] = '\0';
        if (k->kb.mode != RK_KB_PINYIN) rk_keyboard_set_mode(&k->kb, RK_KB_PINYIN);
        k->kb.modes = RK_KB_TEXT_MODES;
    }
    if (s->gen != k->db_gen) s->stale = 1;
    if (s->have && rk_ui_now(ui) - s->read_at >= INC_REREAD_MS) s->stale = 1;
    if (s->asked && !s->busy) start(k, s, s->asked);
    if (s->stale && !s->busy) start(k, s, INC_LIST);
    rk_ui_redraw_in(ui, INC_REREAD_MS);

    rk_rect scr = rk_ui_screen(ui);
    rk_backend *be = rk_ui_backend(ui);
    rk_backend_fill(be, scr, t->bg);
    rk_rect c = rk_rect_inset(scr, rk_ui_px(ui, RK_UI_MARGIN) / 2);
    c = desk_bar(k, c, kiosk_str(k, "desk_incident.title"));
    if (!d->logged_in) return;
    int gap = rk_ui_px(ui, RK_UI_GAP);
    int line = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_BODY));
    int typing_form =
        rk_ui_has_focus(ui, "incident.affected") || rk_ui_has_focus(ui, "incident.summary");
    int typing_res = rk_ui_has_focus(ui, "incident.resolution");
    int chosen = chosen_row(s);
    if (chosen < 0) s->chosen[0] = '\0';

    /* The way back along the bottom; the keyboard above it while typing. */
    rk_button back = {.label = kiosk_str(k, "desk_incident.back"), .icon = RK_ICON_BACK};
    rk_rect bottom = rk_rect_cut_bottom(&c, bigger(rk_widget_button_height(ui, &back), ui));
    rk_rect_cut_bottom(&c, gap);
    if (rk_widget_button_ex(ui, "desk_incident.back",
                            rk_rect_cut_left(&bottom, rk_widget_button_width(ui, &back)), &back)) {
        rk_ui_clear_focus(ui);
        kiosk_back(k);
        return;
    }
    if (typing_form || typing_res) {
        int kh = rk_keyboard_height(ui, &k->kb, c.w);
        if (kh > c.h / 2 + c.h / 8) kh = c.h / 2 + c.h / 8;
        rk_keyboard_draw(ui, "kb", rk_rect_cut_bottom(&c, kh), &k->kb);
        rk_rect_cut_bottom(&c, gap);
    }

    /* What the last action did. */
    int acting = (s->busy && s->job.op != INC_LIST) || s->asked;
    if (acting) {
        rk_widget_progress(ui, "desk_incident.working", rk_rect_cut_top(&c, 3 * line),
                           kiosk_str(k, "desk_incident.working"), -1, 0, 0, 0, NULL);
        rk_rect_cut_top(&c, gap);
    } else if (s->msg[0] && !typing_form && !typing_res) {
        rk_rect mr = rk_rect_cut_top(&c, 2 * line);
        rk_rect_cut_top(&c, gap);
        rk_ui_mark(ui, s->ok ? "desk_incident.ok" : "desk_incident.error", mr);
        rk_widget_status(ui, "desk_incident.msg", mr, s->ok ? RK_STATUS_SUCCESS : RK_STATUS_ERROR,
                         s->msg, RK_UI_TEXT_BODY);
    }

    /* A new incident: its level, what it affects, what happened. */
    if (!typing_res) {
        rk_button probe = {.label = kiosk_str(k, "desk_incident.level_urgent")};
        rk_rect lr = rk_rect_cut_top(&c, bigger(rk_widget_button_height(ui, &probe), ui));
        rk_rect_cut_top(&c, gap);
        const char *lab = kiosk_str(k, "desk_incident.level");
        int tw = 0, th = 0;
        rk_ui_text_size(ui, lab, RK_UI_TEXT_BODY, &tw, &th);
        rk_widget_label(ui, "desk_incident.level", rk_rect_cut_left(&lr, tw + gap), lab,
                        RK_UI_TEXT_BODY, RK_ALIGN_LEFT);
        rk_button rec = {.label = kiosk_str(k, "desk_incident.record"),
                         .kind = RK_BTN_PRIMARY,
                         .icon = RK_ICON_WARNING,
                         .disabled = acting};
        if (rk_widget_button_ex(ui, "desk_incident.record",
                                rk_rect_cut_right(&lr, rk_widget_button_width(ui, &rec)), &rec)) {
            rk_ui_clear_focus(ui);
            s->need = !s->level || !s->affected[0] || !s->summary[0];
            if (!s->need) start(k, s, INC_OPEN);
        }
        rk_rect_cut_right(&lr, gap);
        for (int i = 0; rk_incident_levels[i]; i++) {
            char key[48], id[48];
            snprintf(key, sizeof key, "desk_incident.level_%s", rk_incident_levels[i]);
            snprintf(id, sizeof id, "desk_incident.level.%s", rk_incident_levels[i]);
            rk_button b = {.label = kiosk_str(k, key),
                           .kind = s->level == i + 1 ? RK_BTN_SELECTED : RK_BTN_SECONDARY,
                           .icon = s->level == i + 1 ? RK_ICON_CHECK : RK_ICON_NONE};
            int w = rk_widget_button_width(ui, &b);
            if (w > lr.w) w = lr.w;
            rk_rect br = rk_rect_cut_left(&lr, w);
            rk_rect_cut_left(&lr, gap);
            if (rk_widget_button_ex(ui, id, br, &b)) {
                s->level = s->level == i + 1 ? 0 : i + 1;
                s->need = 0;
            }
        }
        rk_field af = {.buf = s->affected,
                       .cap = sizeof s->affected,
                       .kind = RK_FIELD_TEXT,
                       .max_chars = INC_TEXT_CHARS,
                       .hint = kiosk_str(k, "desk_incident.affected_hint")};
        rk_field sf = {.buf = s->summary,
                       .cap = sizeof s->summary,
                       .kind = RK_FIELD_TEXT,
                       .max_chars = INC_TEXT_CHARS,
                       .hint = kiosk_str(k, "desk_incident.summary_hint")};
        rk_rect fr =
            rk_rect_cut_top(&c, typing_form ? rk_field_height_inline(ui) : rk_field_height(ui));
        rk_rect_cut_top(&c, gap);
        const char *need = NULL;
        if (s->need)
            need = kiosk_str(k, !s->level ? "desk_incident.need_level" : "desk_incident.need");
        rk_rect ar = rk_rect_cut_left(&fr, (fr.w - gap) * 2 / 5);
        rk_rect_cut_left(&fr, gap);
        int got = rk_field_draw(ui, "incident.affected", ar, kiosk_str(k, "desk_incident.affected"),
                                &af, s->need && !s->affected[0] ? need : NULL);
        rk_rect sr = fr;
        got |= rk_field_draw(ui, "incident.summary", sr, kiosk_str(k, "desk_incident.summary"), &sf,
                             s->need && s->affected[0] ? need : NULL);
        if (got & RK_FIELD_CHANGED) s->need = 0;
        if (got & RK_FIELD_SUBMIT) rk_ui_clear_focus(ui);
        if (typing_form) return; /* the keyboard has the rest */
    }

    /* The chosen incident: its words, first contact, the resolution. */
    if (chosen >= 0) {
        const rk_incident *x = &s->x[chosen];
        int fh = typing_res ? rk_field_height_inline(ui) : rk_field_height(ui);
        rk_rect ar = rk_rect_cut_bottom(&c, fh);
        rk_rect_cut_bottom(&c, gap);
        rk_button contact = {.label = kiosk_str(k, "desk_incident.do_contact"),
                             .icon = RK_ICON_CLERK,
                             .disabled = acting || x->contacted_at != 0};
        rk_button close = {.label = kiosk_str(k, "desk_incident.do_close"),
                           .kind = RK_BTN_PRIMARY,
                           .icon = RK_ICON_CHECK,
                           .disabled = acting};
        int bh = bigger(rk_widget_button_height(ui, &close), ui);
        rk_rect cr = rk_rect_cut_right(&ar, rk_widget_button_width(ui, &close));
        cr.y += cr.h - bh - (typing_res ? 0 : line);
        cr.h = bh;
        rk_rect_cut_right(&ar, gap);
        if (!typing_res) {
            rk_rect tr = rk_rect_cut_left(&ar, rk_widget_button_width(ui, &contact));
            tr.y += tr.h - bh - line;
            tr.h = bh;
            rk_rect_cut_left(&ar, gap);
            if (rk_widget_button_ex(ui, "desk_incident.contact", tr, &contact))
                start(k, s, INC_CONTACT);
        }
        rk_field rf = {.buf = s->resolution,
                       .cap = sizeof s->resolution,
                       .kind = RK_FIELD_TEXT,
                       .max_chars = INC_TEXT_CHARS,
                       .hint = kiosk_str(k, "desk_incident.resolution_hint")};
        int got = rk_field_draw(
            ui, "incident.resolution", ar, kiosk_str(k, "desk_incident.resolution"), &rf,
            s->need_resolution ? kiosk_str(k, "desk_incident.need_resolution") : NULL);
        if (got & RK_FIELD_CHANGED) s->need_resolution = 0;
        if (got & RK_FIELD_SUBMIT) rk_ui_clear_focus(ui); /* Return ends the typing */
        if (rk_widget_button_ex(ui, "desk_incident.close", cr, &close)) {
            rk_ui_clear_focus(ui);
            s->need_resolution = !s->resolution[0];
            if (!s->need_resolution) start(k, s, INC_CLOSE);
        }
        if (typing_res) return;
        char text[RK_INCIDENT_TEXT_MAX * 2 + 64];
        char key[48];
        snprintf(key, sizeof key, "desk_incident.level_%s", rk_incident_level_name(x->level));
        const char *args[3] = {kiosk_str(k, key), x->affected, x->summary};
        rk_strings_format(text, sizeof text, kiosk_str(k, "desk_incident.chosen"), args, 3);
        int small = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_SMALL));
        rk_rect tr = rk_rect_cut_bottom(&c, 2 * small);
        rk_rect_cut_bottom(&c, gap / 2);
        rk_widget_label(ui, "desk_incident.chosen", tr, text, RK_UI_TEXT_SMALL,
                        RK_ALIGN_LEFT | RK_UI_WRAP | RK_UI_TOP | RK_UI_PERSONAL);
    }

    /* The open incidents and their ladders. */
    if (!s->have) {
        rk_widget_muted(ui, "desk_incident.loading", c, kiosk_str(k, "desk_incident.loading"),
                        RK_UI_TEXT_BODY, RK_ALIGN_CENTER);
        return;
    }
    if (s->n == 0) {
        rk_rect er = rk_rect_cut_top(&c, 2 * line);
        rk_ui_mark(ui, "desk_incident.none", er);
        rk_widget_status(ui, "desk_incident.none", er, RK_STATUS_SUCCESS,
                         kiosk_str(k, "desk_incident.none"), RK_UI_TEXT_BODY);
        return;
    }
    const rk_list_column cols[] = {
        {kiosk_str(k, "desk_incident.col_level"), 2, RK_ALIGN_LEFT},
        {kiosk_str(k, "desk_incident.col_affected"), 3, RK_ALIGN_LEFT},
        {kiosk_str(k, "desk_incident.col_opened"), 3, RK_ALIGN_LEFT},
        {kiosk_str(k, "desk_incident.col_escalated"), 3, RK_ALIGN_LEFT},
        {kiosk_str(k, "desk_incident.col_next"), 4, RK_ALIGN_LEFT},
        {kiosk_str(k, "desk_incident.col_contact"), 5, RK_ALIGN_LEFT},
    };
    rows a = {.k = k, .s = s};
    s->list.selected = chosen;
    s->list.row_lines = 2;
    int tapped = rk_listview_draw(ui, "desk_incident.list", c, &s->list, cols, 6, s->n, cell, &a);
    if (tapped >= 0 && tapped < s->n) {
        if (strcmp(s->chosen, s->x[tapped].uuid)) rk_wipe(s->resolution, sizeof s->resolution);
        snprintf(s->chosen, sizeof s->chosen, "%s", s->x[tapped].uuid);
        s->need_resolution = 0;
    }
}

/* The event player's lines: "incident-settle" waits (up to 20 s) for the
 * screen's jobs; "incident-expect-open N" checks how many open incidents
 * the screen holds; "incident-expect-row I LEVEL RUNG CONTACT" row I's
 * level word, rungs reached and first contact (done|due|overdue);
 * "incident-expect-ok" the last action succeeded. */
static int inc_app(kiosk *k, const char *words)
{
    inc_state *s = &the_inc;
    char lv[16] = "", ct[16] = "";
    int n = -1, i = -1, rung = -1;
    (void)k;
    if (!strcmp(words, "incident-settle")) {
        for (int j = 0; j < 2000 && atomic_load(&running) > 0; j++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        return atomic_load(&running) > 0
                   ? rk_err_set(RK_ETIMEOUT, "incident-settle: jobs still run after 20 s")
                   : 0;
    }
    if (sscanf(words, "incident-expect-open %d", &n) == 1)
        return s->have && s->n == n ? 0
                                    : rk_err_set(RK_EINVAL,
                                                 "expected %d open incidents, the "
                                                 "screen has %d",
                                                 n, s->have ? s->n : -1);
    if (sscanf(words, "incident-expect-row %d %15s %d %15s", &i, lv, &rung, ct) == 4) {
        if (!s->have || i < 0 || i >= s->n)
            return rk_err_set(RK_EINVAL, "the screen has no incident row %d", i);
        const rk_incident_state *st = &s->st[i];
        const char *c = s->x[i].contacted_at ? "done" : st->contact_overdue ? "overdue" : "due";
        if (strcmp(lv, rk_incident_level_name(s->x[i].level)) || rung != st->rung || strcmp(ct, c))
            return rk_err_set(RK_EINVAL, "incident row %d: expected %s %d %s, it is %s %d %s", i,
                              lv, rung, ct, rk_incident_level_name(s->x[i].level), st->rung, c);
        return 0;
    }
    if (!strcmp(words, "incident-expect-ok"))
        return s->ok && !s->asked && !(s->busy && s->job.op != INC_LIST)
                   ? 0
                   : rk_err_set(RK_EINVAL, "the last incident action failed: %s", s->msg);
    if (!strcmp(words, "incident-expect-wiped"))
        return s->n == 0 && !s->have && !s->affected[0] && !s->summary[0] && !s->resolution[0] &&
                       !s->chosen[0]
                   ? 0
                   : rk_err_set(RK_EINVAL, "the incidents screen still holds the last clerk's");
    return rk_err_set(RK_EINVAL, "unknown incident line '%s'", words);
}

void mod_desk_incident_reset(kiosk *k, kiosk_reset why)
{
    inc_state *s = &the_inc;
    if (why == KIOSK_RESET_START) {
        memset(s, 0, sizeof *s);
        s->list.selected = -1;
        if (kiosk_app_register(k, "incident-", inc_app) != 0) rk_err_clear();
        return;
    }
    if (why == KIOSK_RESET_OVER && (kiosk_screens[k->screen].flags & KF_CLERK)) return;
    /* What was typed and read goes with the clerk (a job still running
     * keeps its own copy, and its answer is dropped). */
    wipe_all(s);
}
