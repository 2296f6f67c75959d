/*
 * The desk's review of an order (screens desk_review and desk_reject):
 * the order's form fields on the left, masked as the ledger shows them to
 * this clerk, its documents on the right (each image zoomable: fit, 2x and
 * more, dragged to pan; a paper original or a missing document said in
 * words), and the decision at the bottom: approve, or reject with the
 * reason the subscriber will see, picked from the strings file's list
 * (review.reason_1 ...) and/or typed on the on-screen keyboard.
 *
 * Everything is read and decided on the job runner in the clerk's session
 * (desk_work.h): the ledger checks the role and the separation of duties,
 * and this screen only explains its answer in plain words (an order the
 * clerk entered themselves cannot be approved by them). After a decision
 * the order is read again and the queues are refreshed.
 *
 * The order's data and document image are personal: wiped when the clerk
 * leaves the order, at logout, the idle wipe and close.
 */
#include "desk_work.h"

#include "branch/ledger.h"
#include "branch/session.h"
#include "ui/dialog.h"
#include "ui/field.h"
#include "ui/imageview.h"
#include "ui/keyboard.h"
#include "ui/listview.h"
#include "ui/strings.h"
#include "ui/widgets.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/wipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REVIEW_IMAGE_SIDE 1600 /* document images are scaled to this for the screen */
#define REVIEW_REASONS    12   /* review.reason_1 .. reason_12 at most */
#define REVIEW_NOTE_MAX   200

enum { OP_LOAD = 1, OP_IMAGE, OP_APPROVE, OP_REJECT };

typedef struct review_field {
    char name[32], label_zh[96], label_en[96];
    char shown[RK_ORDER_VALUE_MAX];
    int set, personal;
    int choice; /* a choice field: shown in words (kiosk_choice_label) */
} review_field;

typedef struct review_doc {
    char name[32], label_zh[96], label_en[96];
    int image;    /* an image is held */
    int on_paper; /* the paper original was seen */
} review_doc;

/* What is shown of the order (copied from the ledger's view). */
typedef struct review_order {
    char ref[RK_ORDER_REF_MAX];
    char business[16], state[16], entered_by[33], created_by[33];
    review_field fields[RK_FORM_MAX_FIELDS];
    int n_fields;
    review_doc docs[RK_FORM_MAX_DOCS];
    int n_docs;
    char last_reason[RK_ORDER_VALUE_MAX]; /* the newest rejection's reason ("" none) */
} review_order;

typedef struct review_job {
    int op;
    char token[RK_SESSION_TOKEN_LEN + 1];
    rk_actor actor;
    char ref[RK_ORDER_REF_MAX];
    char doc[32];
    int doc_index; /* the document shown when the image was asked for */
    char reason[RK_ORDER_VALUE_MAX];
    size_t max_bytes;
    /* out */
    review_order order;
    uint32_t *argb;
    int w, h;
    char state[16];
    char authcode[RK_AUTHCODE_MAX];
} review_job;

typedef struct review_state {
    unsigned long gen;             /* bumped when the order shown changes: old answers dropped */
    char ref[RK_ORDER_REF_MAX];    /* the order opened */
    int loaded, load_rc, busy, op; /* a job runs (op) */
    unsigned long job_gen;
    review_job job;
    review_order order;
    rk_list_state list;
    int doc;        /* the document shown (-1 none) */
    int doc_loaded; /* the image of doc is in img (or failed: img NULL) */
    int want_doc;   /* an image to load once the job ends (-1 none) */
    rk_backend_image *img;
    rk_imageview_state view;
    /* the last answer, said above the actions */
    const char *msg; /* strings key ("" none) */
    rk_status_kind msg_kind;
    char msg_text[RK_JOB_MSG_MAX + 256];
    char authcode[RK_AUTHCODE_MAX]; /* shown once, wiped when the order is left */
    /* the rejection */
    int reason;                     /* the reason picked (1-based; 0 none) */
    char note[REVIEW_NOTE_MAX * 4]; /* typed */
    int reject_asked;               /* the confirmation is open */
    int reject_error;               /* neither a reason nor a note */
} review_state;

static review_state R;

/* --- jobs ----------------------------------------------------------------- */

static void copy_view(review_order *o, const rk_branch_order_view *v)
{
    memset(o, 0, sizeof *o);
    snprintf(o->ref, sizeof o->ref, "%s", v->order.ref);
    snprintf(o->business, sizeof o->business, "%s", v->order.business);
    snprintf(o->state, sizeof o->state, "%s", v->order.state);
    snprintf(o->entered_by, sizeof o->entered_by, "%s", v->order.entered_by);
    snprintf(o->created_by, sizeof o->created_by, "%s", v->order.created_by);
    for (int i = 0; i < v->n_fields && o->n_fields < RK_FORM_MAX_FIELDS; i++) {
        const rk_branch_view_field *f = &v->fields[i];
        if (!f->set) continue;
        review_field *d = &o->fields[o->n_fields++];
        snprintf(d->name, sizeof d->name, "%s", f->def->name);
        snprintf(d->label_zh, sizeof d->label_zh, "%s", f->def->label_zh);
        snprintf(d->label_en, sizeof d->label_en, "%s", f->def->label_en);
        snprintf(d->shown, sizeof d->shown, "%s", f->shown);
        d->set = 1;
        d->choice = !strncmp(f->def->check, "choice:", 7);
        d->personal = f->def->sensitive;
    }
    for (int i = 0; i < v->n_docs && o->n_docs < RK_FORM_MAX_DOCS; i++) {
        review_doc *d = &o->docs[o->n_docs++];
        snprintf(d->name, sizeof d->name, "%s", v->docs[i].def->name);
        snprintf(d->label_zh, sizeof d->label_zh, "%s", v->docs[i].def->label_zh);
        snprintf(d->label_en, sizeof d->label_en, "%s", v->docs[i].def->label_en);
        d->image = v->docs[i].doc && v->docs[i].doc->sha256[0];
        d->on_paper = v->docs[i].doc && v->docs[i].doc->seen_on_paper;
    }
    if (v->n_rejections > 0)
        snprintf(o->last_reason, sizeof o->last_reason, "%s",
                 v->rejections[v->n_rejections - 1].reason);
}

static int load_order(rk_branch *b, review_job *a)
{
    rk_branch_order_view *v = NULL;
    int rc = rk_branch_order_show(b, &a->actor, a->ref, 0, &v);
    if (!rc) copy_view(&a->order, v);
    rk_branch_order_view_free(v);
    return rc;
}

static int load_image(rk_branch *b, review_job *a)
{
    rk_buf buf;
    char format[8];
    rk_buf_init(&buf, a->max_bytes);
    int rc = rk_branch_order_document_image(b, &a->actor, a->ref, a->doc, &buf, format);
    if (!rc)
        rc = rk_backend_decode_image(&a->argb, &a->w, &a->h, (const unsigned char *)buf.data,
                                     buf.len, REVIEW_IMAGE_SIDE);
    if (buf.data) rk_wipe(buf.data, buf.len);
    rk_buf_free(&buf);
    return rc;
}

static int job_review(rk_job *job, void *arg)
{
    review_job *a = arg;
    rk_branch *b = rk_job_worker(job);
    rk_branch_order_result res;
    memset(&res, 0, sizeof res);
    int rc = desk_work_session(b, a->token, &a->actor);
    if (!rc) {
        switch (a->op) {
        case OP_LOAD: rc = load_order(b, a); break;
        case OP_IMAGE: rc = load_image(b, a); break;
        case OP_APPROVE:
            rc = rk_branch_order_approve(b, &a->actor, a->ref, NULL, &res);
            if (!rc) {
                snprintf(a->state, sizeof a->state, "%s", res.state);
                memcpy(a->authcode, res.authcode, sizeof a->authcode);
            }
            break;
        case OP_REJECT:
            rc = rk_branch_order_reject(b, &a->actor, a->ref, a->reason, &res);
            if (!rc) snprintf(a->state, sizeof a->state, "%s", res.state);
            break;
        default: rc = rk_err_set(RK_EINTERNAL, "review: unknown job %d", a->op);
        }
    }
    rk_branch_order_result_wipe(&res);
    rk_branch_session_drop(b);
    desk_work_ended();
    return rc;
}

static void free_image(kiosk *k)
{
    rk_backend_image_free(rk_ui_backend(k->ui), R.img);
    R.img = NULL;
}

static void job_wipe(review_job *a)
{
    if (a->argb) {
        rk_wipe(a->argb, (size_t)a->w * (size_t)a->h * 4);
        free(a->argb);
    }
    rk_wipe(a, sizeof *a);
}

static int start(kiosk *k, int op, const char *doc);

static void say(const char *key, rk_status_kind kind, const char *text)
{
    R.msg = key;
    R.msg_kind = kind;
    snprintf(R.msg_text, sizeof R.msg_text, "%s", text ? text : "");
}

/* The core's refusal in plain words: the clerk's own order, another
 * refusal of the separation of duties or the role, or the core's words. */
static void refusal(kiosk *k, const rk_job_event *ev)
{
    desk_state *d = desk_get(k);
    char t[RK_JOB_MSG_MAX + 256];
    int own =
        !strcmp(R.order.entered_by, d->actor.login) || !strcmp(R.order.created_by, d->actor.login);
    if (ev->rc == RK_EPERM && own) {
        say("review.own_order", RK_STATUS_ERROR, kiosk_str(k, "review.own_order"));
    } else if (ev->rc == RK_EPERM) {
        desk_work_format(k, t, sizeof t, "review.not_allowed", ev->message, NULL, NULL);
        say("review.not_allowed", RK_STATUS_ERROR, t);
    } else {
        desk_work_format(k, t, sizeof t, "review.refused", ev->message, NULL, NULL);
        say("review.refused", RK_STATUS_ERROR, t);
    }
    rk_ui_sound(k->ui, RK_UI_SOUND_ERROR);
}

static void review_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    review_job *a = arg;
    if (ev->kind != RK_JOB_EV_DONE) return;
    R.busy = 0;
    int current = R.job_gen == R.gen && desk_get(k)->logged_in;
    char t[RK_JOB_MSG_MAX + 256];
    if (current) {
        switch (a->op) {
        case OP_LOAD:
            R.loaded = 1;
            R.load_rc = ev->rc;
            if (ev->rc == 0) {
                R.order = a->order;
                if (R.doc < 0 || R.doc >= R.order.n_docs) {
                    R.doc = -1;
                    for (int i = 0; i < R.order.n_docs && R.doc < 0; i++)
                        if (R.order.docs[i].image) R.doc = i;
                    if (R.doc < 0 && R.order.n_docs) R.doc = 0;
                    R.doc_loaded = 0;
                }
                if (R.doc >= 0 && R.order.docs[R.doc].image && !R.doc_loaded) R.want_doc = R.doc;
            } else {
                desk_work_format(k, t, sizeof t, "review.cannot_open", ev->message, NULL, NULL);
                say("review.cannot_open", RK_STATUS_ERROR, t);
            }
            break;
        case OP_IMAGE:
            if (a->doc_index != R.doc) break; /* another document was chosen meanwhile */
            free_image(k);
            R.doc_loaded = 1;
            if (ev->rc == 0 && rk_backend_image_new(rk_ui_backend(k->ui), &R.img, a->argb, a->w,
                                                    a->h, a->w, 1) != 0) {
                rk_log_warn("review: the document image: %s", rk_err_msg());
                rk_err_clear();
                R.img = NULL;
            }
            if (ev->rc) {
                desk_work_format(k, t, sizeof t, "review.image_failed", ev->message, NULL, NULL);
                say("review.image_failed", RK_STATUS_WARNING, t);
            }
            rk_imageview_reset(&R.view);
            break;
        case OP_APPROVE:
        case OP_REJECT:
            if (ev->rc == 0) {
                if (a->op == OP_REJECT) {
                    desk_work_format(k, t, sizeof t, "review.rejected", a->reason, NULL, NULL);
                    say("review.rejected", RK_STATUS_SUCCESS, t);
                } else if (!strcmp(a->state, "authority")) {
                    desk_work_format(k, t, sizeof t, "review.to_authority", R.ref, NULL, NULL);
                    say("review.to_authority", RK_STATUS_SUCCESS, t);
                } else {
                    desk_work_format(k, t, sizeof t, "review.approved", R.ref, NULL, NULL);
                    say("review.approved", RK_STATUS_SUCCESS, t);
                    memcpy(R.authcode, a->authcode, sizeof R.authcode);
                }
                rk_wipe(R.note, sizeof R.note);
                R.reason = 0;
                desk_refresh(k);
                if (k->screen == KS_DESK_REJECT) kiosk_back(k);
            } else {
                refusal(k, ev);
            }
            /* What the order is now. */
            job_wipe(a);
            if (start(k, OP_LOAD, NULL) != 0) rk_err_clear();
            rk_ui_redraw_in(k->ui, 0);
            return;
        }
    }
    job_wipe(a);
    if (current && R.want_doc >= 0) {
        int want = R.want_doc;
        R.want_doc = -1;
        if (want == R.doc && R.order.docs[want].image &&
            start(k, OP_IMAGE, R.order.docs[want].name) != 0)
            rk_err_clear();
    }
    rk_ui_redraw_in(k->ui, 0);
}

/* The reason the subscriber will read: the reason picked, the words
 * typed, or both. */
static void compose(kiosk *k, char *out, size_t n)
{
    char key[32];
    const char *p = NULL;
    if (R.reason > 0) {
        snprintf(key, sizeof key, "review.reason_%d", R.reason);
        p = kiosk_str(k, key);
    }
    if (p && R.note[0])
        desk_work_format(k, out, n, "review.reason_both", p, R.note, NULL);
    else
        snprintf(out, n, "%s", p ? p : R.note);
}

static int start(kiosk *k, int op, const char *doc)
{
    desk_state *d = desk_get(k);
    if (R.busy) return rk_err_set(RK_EBUSY, "review: a job runs");
    review_job *a = &R.job;
    memset(a, 0, sizeof *a);
    a->op = op;
    memcpy(a->token, d->token, sizeof a->token);
    snprintf(a->ref, sizeof a->ref, "%s", R.ref);
    if (doc) snprintf(a->doc, sizeof a->doc, "%s", doc);
    a->doc_index = R.doc;
    a->max_bytes = k->conf && k->conf->max_image_bytes > 0 ? (size_t)k->conf->max_image_bytes
                                                           : (size_t)3 * 1024 * 1024;
    if (op == OP_REJECT) {
        compose(k, a->reason, sizeof a->reason);
    }
    int rc = desk_work_submit(k, "desk-review", job_review, a, review_done, a);
    if (rc) {
        rk_wipe(a, sizeof *a);
        return rc;
    }
    R.busy = 1;
    R.op = op;
    R.job_gen = R.gen;
    return 0;
}

/* --- the module ------------------------------------------------------------ */

static void forget(kiosk *k)
{
    free_image(k);
    int busy = R.busy;
    unsigned long gen = R.gen;
    if (!busy) rk_wipe(&R.job, sizeof R.job);
    rk_wipe(&R.order, sizeof R.order);
    rk_wipe(R.ref, sizeof R.ref);
    rk_wipe(R.note, sizeof R.note);
    rk_wipe(R.authcode, sizeof R.authcode);
    rk_wipe(R.msg_text, sizeof R.msg_text);
    R.msg = NULL;
    R.loaded = R.load_rc = 0;
    R.doc = -1;
    R.doc_loaded = 0;
    R.want_doc = -1;
    R.reason = 0;
    R.reject_asked = R.reject_error = 0;
    R.list.scroll = 0;
    R.list.selected = -1;
    R.gen = gen + 1;
}

static void same(int *rc, const char *what, const char *is, const char *want)
{
    *rc = strcmp(is, want) ? rk_err_set(RK_EINVAL, "%s: expected '%s', it is '%s'", what, want, is)
                           : 0;
}

/* "work-review-state STATE", "work-review-msg KEY|none",
 * "work-review-image shown|none", "work-review-reason TEXT" (the newest
 * rejection's reason as the ledger holds it). */
static int review_app(kiosk *k, const char *words, int *rc)
{
    char a[64] = "";
    (void)k;
    if (strncmp(words, "work-review-", 12)) return 0;
    if (R.busy) {
        *rc = rk_err_set(RK_EINVAL, "%s: a review job still runs (work-settle first)", words);
        return 1;
    }
    if (sscanf(words, "work-review-state %63s", a) == 1) {
        same(rc, "the order's state", R.loaded && !R.load_rc ? R.order.state : "none", a);
    } else if (sscanf(words, "work-review-msg %63s", a) == 1) {
        same(rc, "the review's message", R.msg ? R.msg : "none", a);
    } else if (sscanf(words, "work-review-image %63s", a) == 1) {
        same(rc, "the document image", R.img ? "shown" : "none", a);
    } else if (!strncmp(words, "work-review-reason ", 19)) {
        same(rc, "the rejection's reason", R.order.last_reason, words + 19);
    } else {
        *rc = rk_err_set(RK_EINVAL, "unknown review line '%s'", words);
    }
    return 1;
}

void mod_desk_review_reset(kiosk *k, kiosk_reset why)
{
    if (why == KIOSK_RESET_START) {
        memset(&R, 0, sizeof R);
        R.doc = R.want_doc = -1;
        R.list.selected = -1;
        desk_work_register(k, review_app);
        return;
    }
    /* A subscriber's start over elsewhere leaves the clerk's order be. */
    if (why == KIOSK_RESET_OVER && desk_get(k)->logged_in &&
        (kiosk_screens[k->screen].flags & KF_CLERK))
        return;
    forget(k);
}

/* --- the review screen ------------------------------------------------------ */

typedef struct cells {
    kiosk *k;
} cells;

static const char *field_cell(void *arg, int row, int col, int *flags)
{
    cells *c = arg;
    const review_field *f = &R.order.fields[row];
    if (col == 0) return rk_ui_lang(c->k->ui) == 0 ? f->label_zh : f->label_en;
    *flags |= RK_CELL_PERSONAL;
    return f->choice ? kiosk_choice_label(c->k, f->name, f->shown) : f->shown;
}

static const char *doc_label(kiosk *k, const review_doc *d)
{
    return rk_ui_lang(k->ui) == 0 ? d->label_zh : d->label_en;
}

/* The documents: one button each down the left, the chosen one beside. */
static void draw_documents(kiosk *k, rk_rect r)
{
    rk_ui *ui = k->ui;
    int gap = rk_ui_px(ui, RK_UI_GAP);
    rk_rect list = rk_rect_cut_left(&r, r.w / 4 > rk_ui_px(ui, 280) ? r.w / 4 : rk_ui_px(ui, 280));
    rk_rect_cut_left(&r, gap);
    for (int i = 0; i < R.order.n_docs; i++) {
        const review_doc *d = &R.order.docs[i];
        char id[32];
        snprintf(id, sizeof id, "review.doc.%d", i);
        rk_button b = {.label = doc_label(k, d),
                       .kind = R.doc == i ? RK_BTN_SELECTED : RK_BTN_SECONDARY,
                       .icon = d->image      ? RK_ICON_SCAN
                               : d->on_paper ? RK_ICON_PAPER
                                             : RK_ICON_WARNING,
                       .text_px = RK_UI_TEXT_SMALL,
                       .wrap = 1};
        int bh = rk_widget_button_height(ui, &b) +
                 rk_backend_line_height(rk_ui_backend(ui), rk_ui_font(ui, RK_UI_TEXT_SMALL));
        if (bh < rk_ui_px(ui, RK_UI_TARGET_PRIMARY)) bh = rk_ui_px(ui, RK_UI_TARGET_PRIMARY);
        if (list.h < bh) break;
        if (rk_widget_button_ex(ui, id, rk_rect_cut_top(&list, bh), &b) && R.doc != i) {
            R.doc = i;
            R.doc_loaded = 0;
            free_image(k);
            if (d->image) {
                if (R.busy || start(k, OP_IMAGE, d->name) != 0) {
                    rk_err_clear();
                    R.want_doc = i;
                }
            }
        }
        rk_rect_cut_top(&list, gap);
    }
    if (R.doc < 0 || R.doc >= R.order.n_docs) return;
    const review_doc *d = &R.order.docs[R.doc];
    int line = 2 * rk_backend_line_height(rk_ui_backend(ui), rk_ui_font(ui, RK_UI_TEXT_BODY));
    if (d->image && R.img) {
        /* Twice the fitted size at once (the view's own buttons step by 1.5). */
        rk_button z2 = {.label = kiosk_str(k, "review.zoom2"), .text_px = RK_UI_TEXT_SMALL};
        rk_rect zr = rk_rect_cut_top(&r, rk_ui_px(ui, RK_UI_TARGET_MIN));
        rk_rect_cut_top(&r, gap);
        if (rk_widget_button_ex(ui, "review.zoom2",
                                rk_rect_cut_right(&zr, rk_widget_button_width(ui, &z2)), &z2)) {
            R.view.zoom = 2;
            R.view.cx = R.view.cy = 0.5;
        }
        rk_widget_label(ui, "review.doc_name", zr, doc_label(k, d), RK_UI_TEXT_BODY, RK_ALIGN_LEFT);
        rk_imageview_draw(ui, "review.image", r, R.img, &R.view);
    } else if (d->image && !R.doc_loaded) {
        rk_widget_status(ui, "review.image_loading", rk_rect_cut_top(&r, line), RK_STATUS_INFO,
                         kiosk_str(k, "review.image_loading"), RK_UI_TEXT_BODY);
    } else if (d->image) {
        rk_widget_status(ui, "review.image_none", rk_rect_cut_top(&r, line), RK_STATUS_WARNING,
                         kiosk_str(k, "review.image_none"), RK_UI_TEXT_BODY);
    } else if (d->on_paper) {
        rk_widget_status(ui, "review.paper", rk_rect_cut_top(&r, line), RK_STATUS_INFO,
                         kiosk_str(k, "review.paper"), RK_UI_TEXT_BODY);
    } else {
        rk_widget_status(ui, "review.missing", rk_rect_cut_top(&r, line), RK_STATUS_WARNING,
                         kiosk_str(k, "review.missing"), RK_UI_TEXT_BODY);
    }
}

static int decidable(void)
{
    return R.loaded && !R.load_rc &&
           (!strcmp(R.order.state, "submitted") || !strcmp(R.order.state, "authority"));
}

void scr_desk_review(kiosk *k)
{
    rk_ui *ui = k->ui;
    desk_state *d = desk_get(k);
    const rk_theme *t = rk_ui_theme(ui);
    if (desk_guard(k)) return;
    if (kiosk_entering(k) && strcmp(R.ref, d->selected)) {
        forget(k);
        snprintf(R.ref, sizeof R.ref, "%s", d->selected);
    }
    if (R.ref[0] && !R.loaded && !R.busy && start(k, OP_LOAD, NULL) != 0) rk_err_clear();
    if (kiosk_entering(k)) rk_ui_clear_focus(ui);

    rk_rect scr = rk_ui_screen(ui);
    rk_backend *be = rk_ui_backend(ui);
    rk_backend_fill(be, scr, t->bg);
    rk_rect c = rk_rect_inset(scr, rk_ui_px(ui, RK_UI_MARGIN) / 2);
    char title[128];
    desk_work_format(k, title, sizeof title, "review.title", R.ref, NULL, NULL);
    c = desk_bar(k, c, title);
    if (!d->logged_in) return;
    int gap = rk_ui_px(ui, RK_UI_GAP);
    int line = 2 * rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_BODY));
    rk_ui_set_input(ui, !R.reject_asked);

    /* The actions along the bottom: back, approve; reject apart on the right. */
    rk_button back = {.label = kiosk_str(k, "review.back"), .icon = RK_ICON_BACK};
    rk_button ok = {.label = kiosk_str(k, "review.approve"),
                    .kind = RK_BTN_PRIMARY,
                    .icon = RK_ICON_CHECK,
                    .disabled = R.busy || !decidable()};
    rk_button no = {.label = kiosk_str(k, "review.reject"),
                    .kind = RK_BTN_DANGER,
                    .icon = RK_ICON_CROSS,
                    .disabled = R.busy || !decidable()};
    int bh = rk_widget_button_height(ui, &ok);
    if (bh < rk_ui_px(ui, RK_UI_TARGET_PRIMARY)) bh = rk_ui_px(ui, RK_UI_TARGET_PRIMARY);
    rk_rect row = rk_rect_cut_bottom(&c, bh);
    rk_rect_cut_bottom(&c, gap);
    if (rk_widget_button_ex(ui, "review.back",
                            rk_rect_cut_left(&row, rk_widget_button_width(ui, &back)), &back)) {
        /* The authorisation code was shown once: not again on return. */
        rk_wipe(R.authcode, sizeof R.authcode);
        desk_refresh(k);
        kiosk_back(k);
        return;
    }
    rk_rect_cut_left(&row, gap);
    if (rk_widget_button_ex(ui, "review.approve",
                            rk_rect_cut_left(&row, rk_widget_button_width(ui, &ok)), &ok)) {
        R.msg = NULL;
        rk_wipe(R.authcode, sizeof R.authcode);
        if (start(k, OP_APPROVE, NULL) != 0) {
            say("review.refused", RK_STATUS_ERROR, rk_err_msg());
            rk_err_clear();
        }
    }
    /* Approved (and the clerk issues too): on to issuing it. */
    rk_button is = {.label = kiosk_str(k, "review.to_issue"), .icon = RK_ICON_KEY};
    if (R.loaded && !R.load_rc && !R.busy && !strcmp(R.order.state, "approved") &&
        (d->actor.roles & (RK_ROLE_ISSUE | RK_ROLE_SUPERVISOR))) {
        rk_rect_cut_left(&row, gap);
        if (rk_widget_button_ex(ui, "review.to_issue",
                                rk_rect_cut_left(&row, rk_widget_button_width(ui, &is)), &is)) {
            snprintf(d->selected, sizeof d->selected, "%s", R.ref);
            rk_wipe(R.authcode, sizeof R.authcode);
            kiosk_go(k, KS_DESK_ISSUE);
            return;
        }
    }
    if (rk_widget_button_ex(ui, "review.reject",
                            rk_rect_cut_right(&row, rk_widget_button_width(ui, &no)), &no)) {
        R.msg = NULL;
        R.reject_error = 0;
        kiosk_go(k, KS_DESK_REJECT);
        return;
    }

    /* The last answer (and an authorisation code, once). */
    if (R.busy && R.op != OP_IMAGE) {
        rk_widget_progress(ui, "review.working", rk_rect_cut_bottom(&c, line * 3 / 2 + gap),
                           kiosk_str(k, R.op == OP_LOAD ? "review.loading" : "review.deciding"), -1,
                           0, 0, 0, NULL);
        rk_rect_cut_bottom(&c, gap);
        rk_ui_redraw_in(ui, 100);
    } else if (R.msg) {
        char text[sizeof R.msg_text + 200];
        if (R.authcode[0])
            desk_work_format(k, text, sizeof text, "review.with_authcode", R.msg_text, R.authcode,
                             NULL);
        else
            snprintf(text, sizeof text, "%s", R.msg_text);
        int lines = rk_ui_text_lines(ui, text, RK_UI_TEXT_BODY, c.w - rk_ui_px(ui, 64));
        if (lines < 1) lines = 1;
        rk_rect mr = rk_rect_cut_bottom(&c, line / 2 * (lines + 1));
        rk_ui_mark(ui, "review.msg", mr);
        rk_widget_status(ui, "review.msg", mr, R.msg_kind, text, RK_UI_TEXT_BODY);
        rk_rect_cut_bottom(&c, gap);
    }

    if (!R.loaded || R.load_rc) {
        if (!R.loaded)
            rk_widget_muted(ui, "review.loading", c, kiosk_str(k, "review.loading"),
                            RK_UI_TEXT_BODY, RK_ALIGN_CENTER);
        return;
    }

    /* The order: business and state, then its fields as a list. */
    int large = rk_ui_large(ui);
    rk_rect left = rk_rect_cut_left(&c, large ? c.w / 2 : c.w * 2 / 5);
    rk_rect_cut_left(&c, gap);
    char head[256];
    desk_work_format(k, head, sizeof head, "review.head", desk_work_business(k, R.order.business),
                     rk_state_label(R.order.state, rk_ui_lang(ui) == 0), R.order.entered_by);
    int hl = rk_ui_text_lines(ui, head, RK_UI_TEXT_BODY, left.w);
    if (hl < 1) hl = 1;
    rk_widget_label(ui, "review.head", rk_rect_cut_top(&left, line / 2 * hl + gap / 2), head,
                    RK_UI_TEXT_BODY, RK_ALIGN_LEFT | RK_UI_WRAP | RK_UI_TOP);
    if (R.order.last_reason[0]) {
        char prev[RK_ORDER_VALUE_MAX + 128];
        desk_work_format(k, prev, sizeof prev, "review.last_reason", R.order.last_reason, NULL,
                         NULL);
        int pl = rk_ui_text_lines(ui, prev, RK_UI_TEXT_SMALL, left.w - rk_ui_px(ui, 48));
        if (pl < 1) pl = 1;
        int small = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_SMALL));
        rk_widget_status(ui, "review.last_reason", rk_rect_cut_top(&left, small * (pl + 1)),
                         RK_STATUS_WARNING, prev, RK_UI_TEXT_SMALL);
    }
    rk_rect_cut_top(&left, gap);
    const rk_list_column cols[] = {
        {kiosk_str(k, "review.col_field"), 2, RK_ALIGN_LEFT},
        {kiosk_str(k, "review.col_value"), large ? 2 : 3, RK_ALIGN_LEFT}};
    cells cc = {k};
    R.list.row_lines = 2;
    rk_listview_draw(ui, "review.fields", left, &R.list, cols, 2, R.order.n_fields, field_cell,
                     &cc);

    draw_documents(k, c);
}

/* --- the rejection's reason -------------------------------------------------- */

void scr_desk_reject(kiosk *k)
{
    rk_ui *ui = k->ui;
    desk_state *d = desk_get(k);
    const rk_theme *t = rk_ui_theme(ui);
    if (desk_guard(k)) return;
    if (!R.ref[0]) {
        kiosk_back(k);
        return;
    }
    if (kiosk_entering(k)) {
        R.reject_asked = 0;
        if (k->kb.mode != RK_KB_PINYIN) rk_keyboard_set_mode(&k->kb, RK_KB_PINYIN);
        k->kb.modes = RK_KB_TEXT_MODES;
    }
    rk_rect scr = rk_ui_screen(ui);
    rk_backend *be = rk_ui_backend(ui);
    rk_backend_fill(be, scr, t->bg);
    rk_rect c = rk_rect_inset(scr, rk_ui_px(ui, RK_UI_MARGIN) / 2);
    char title[128];
    desk_work_format(k, title, sizeof title, "review.reject_title", R.ref, NULL, NULL);
    c = desk_bar(k, c, title);
    if (!d->logged_in) return;
    int gap = rk_ui_px(ui, RK_UI_GAP);
    int small = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_SMALL));
    int asking = R.reject_asked; /* the confirmation opens from the next frame */
    rk_ui_set_input(ui, !asking);
    if (asking) rk_ui_clear_focus(ui);
    int typing = rk_ui_has_focus(ui, "review.note");

    /* Cancel and confirm at the bottom; the keyboard above them while typing. */
    rk_button cancel = {.label = kiosk_str(k, "review.reject_cancel"), .icon = RK_ICON_BACK};
    rk_button go = {.label = kiosk_str(k, "review.reject_confirm"),
                    .kind = RK_BTN_DANGER,
                    .icon = RK_ICON_CROSS,
                    .disabled = R.busy};
    int bh = rk_widget_button_height(ui, &go);
    if (bh < rk_ui_px(ui, RK_UI_TARGET_PRIMARY)) bh = rk_ui_px(ui, RK_UI_TARGET_PRIMARY);
    rk_rect row = rk_rect_cut_bottom(&c, bh);
    rk_rect_cut_bottom(&c, gap);
    if (rk_widget_button_ex(ui, "review.reject_cancel",
                            rk_rect_cut_left(&row, rk_widget_button_width(ui, &cancel)), &cancel)) {
        rk_ui_clear_focus(ui);
        kiosk_back(k);
        return;
    }
    if (rk_widget_button_ex(ui, "review.reject_confirm",
                            rk_rect_cut_right(&row, rk_widget_button_width(ui, &go)), &go)) {
        rk_ui_clear_focus(ui);
        R.reject_error = !R.reason && !R.note[0];
        if (!R.reject_error) {
            R.reject_asked = 1;
            rk_ui_redraw_in(ui, 0);
        }
    }
    int line = 2 * rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_BODY));
    if (R.busy) {
        rk_widget_progress(ui, "review.working", rk_rect_cut_bottom(&c, line * 3 / 2 + gap),
                           kiosk_str(k, "review.deciding"), -1, 0, 0, 0, NULL);
        rk_rect_cut_bottom(&c, gap);
        rk_ui_redraw_in(ui, 100);
    } else if (R.msg && R.msg_kind == RK_STATUS_ERROR) {
        rk_rect mr = rk_rect_cut_bottom(&c, line);
        rk_rect_cut_bottom(&c, gap);
        rk_ui_mark(ui, "review.msg", mr);
        rk_widget_status(ui, "review.msg", mr, RK_STATUS_ERROR, R.msg_text, RK_UI_TEXT_SMALL);
    }
    if (typing) {
        int kh = rk_keyboard_height(ui, &k->kb, c.w);
        if (kh > c.h / 2 + c.h / 4) kh = c.h / 2 + c.h / 4;
        rk_keyboard_draw(ui, "kb", rk_rect_cut_bottom(&c, kh), &k->kb);
        rk_rect_cut_bottom(&c, gap);
    }

    /* What the subscriber will read: a reason from the list (while the
     * keyboard is up, only the one picked) ... */
    const rk_strings *s = rk_ui_strings(ui);
    int n = 0;
    for (int i = 1; i <= REVIEW_REASONS; i++) {
        char key[32];
        snprintf(key, sizeof key, "review.reason_%d", i);
        if (!rk_strings_get(s, key)) break;
        n = i;
    }
    rk_button probe = {.label = "", .text_px = RK_UI_TEXT_SMALL};
    int rh = rk_widget_button_height(ui, &probe) + small;
    if (rh < rk_ui_px(ui, RK_UI_TARGET_PRIMARY)) rh = rk_ui_px(ui, RK_UI_TARGET_PRIMARY);
    if (!typing) {
        rk_widget_label(ui, "review.reject_pick", rk_rect_cut_top(&c, small * 2),
                        kiosk_str(k, "review.reject_pick"), RK_UI_TEXT_SMALL, RK_ALIGN_LEFT);
        int per_row = 2, rows = (n + per_row - 1) / per_row;
        for (int r = 0; r < rows; r++) {
            rk_rect line_r = rk_rect_cut_top(&c, rh);
            rk_rect_cut_top(&c, gap);
            for (int j = 0; j < per_row; j++) {
                int i = r * per_row + j + 1;
                if (i > n) break;
                char key[32], id[32];
                snprintf(key, sizeof key, "review.reason_%d", i);
                snprintf(id, sizeof id, "review.reason.%d", i);
                rk_button b = {.label = kiosk_str(k, key),
                               .kind = R.reason == i ? RK_BTN_SELECTED : RK_BTN_SECONDARY,
                               .icon = R.reason == i ? RK_ICON_CHECK : RK_ICON_NONE,
                               .text_px = RK_UI_TEXT_SMALL,
                               .wrap = 1};
                if (rk_widget_button_ex(ui, id, rk_rect_column(line_r, per_row, j, gap), &b)) {
                    R.reason = R.reason == i ? 0 : i;
                    R.reject_error = 0;
                }
            }
        }
    } else if (R.reason > 0) {
        char key[32];
        snprintf(key, sizeof key, "review.reason_%d", R.reason);
        rk_button b = {.label = kiosk_str(k, key),
                       .kind = RK_BTN_SELECTED,
                       .icon = RK_ICON_CHECK,
                       .text_px = RK_UI_TEXT_SMALL};
        rk_rect pr = rk_rect_cut_top(&c, rk_widget_button_height(ui, &b));
        rk_rect_cut_top(&c, gap);
        pr.w = rk_widget_button_width(ui, &b) < pr.w ? rk_widget_button_width(ui, &b) : pr.w;
        if (rk_widget_button_ex(ui, "review.reason.picked", pr, &b)) R.reason = 0;
    }
    /* ... and/or words of the clerk's own. */
    rk_field f = {.buf = R.note,
                  .cap = sizeof R.note,
                  .kind = RK_FIELD_TEXT,
                  .max_chars = REVIEW_NOTE_MAX,
                  .hint = kiosk_str(k, "review.note_hint")};
    int fh = typing ? rk_field_height_inline(ui) : rk_field_height(ui);
    if (fh > c.h) fh = c.h;
    int fr = rk_field_draw(ui, "review.note", rk_rect_cut_top(&c, fh), kiosk_str(k, "review.note"),
                           &f, R.reject_error ? kiosk_str(k, "review.reject_need") : NULL);
    if (fr & RK_FIELD_CHANGED) R.reject_error = 0;
    if (fr & RK_FIELD_SUBMIT) rk_ui_clear_focus(ui);

    if (asking) {
        char reason[RK_ORDER_VALUE_MAX + 64], msg[RK_ORDER_VALUE_MAX + 256];
        compose(k, reason, sizeof reason);
        desk_work_format(k, msg, sizeof msg, "review.reject_ask", reason, R.ref, NULL);
        int a = rk_dialog_confirm(ui, "review.reject_dialog", kiosk_str(k, "review.reject_title2"),
                                  msg, kiosk_str(k, "review.reject_confirm"),
                                  kiosk_str(k, "review.reject_cancel"), 1);
        if (a == RK_DIALOG_YES) {
            R.reject_asked = 0;
            R.msg = NULL;
            if (start(k, OP_REJECT, NULL) != 0) {
                say("review.refused", RK_STATUS_ERROR, rk_err_msg());
                rk_err_clear();
            }
        } else if (a == RK_DIALOG_NO) {
            R.reject_asked = 0;
        }
    }
}
