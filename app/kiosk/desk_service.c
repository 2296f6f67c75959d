/*
 * The desk's after-sales services: the clerk types an order's reference
 * and the desk shows the order (business, state, subscriber, the key or
 * certificate it acts on) with what can be done with it now:
 *   - an unlock order: unlock the subscriber's key and set its new PIN
 *     (typed twice) through keyops, which checks the order first;
 *   - revoke, suspend, resume: carry the order out (the ledger completes it
 *     and the sub-CA follows at once: the CRL is signed);
 *   - key recovery: the encryption key HQ released for the order (it came
 *     over the sync, wrapped to the device certificate; the HSM opens it)
 *     onto the subscriber's new key, from the order's authorisation code
 *     like every certificate an order produces; where no key came from HQ
 *     (the demo, which has no HQ), the demo's recovery key from the USB
 *     folder (recovery-key.pem) opens the branch's own escrowed copy;
 *   - any order: reprint its receipt, print its application form; a
 *     delivered one its task-completion record.
 * Every action runs on the job runner in the clerk's session, and the
 * core's rules decide: its refusal is what the screen says.
 */
#include "desk.h"

#include "branch/enrolment.h"
#include "branch/keyops.h"
#include "branch/ledger.h"
#include "branch/orderdocs.h"
#include "branch/session.h"
#include "domain/authcode.h"
#include "ui/strings.h"
#include "ui/widgets.h"
#include "util/err.h"
#include "util/wipe.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { OP_FIND = 1, OP_CARRY, OP_UNLOCK, OP_RECOVER, OP_RECEIPT, OP_FORM, OP_RECORD };

typedef struct svc_order {
    char ref[RK_ORDER_REF_MAX];
    char business[16], state[16];
    char subject[RK_ORDER_VALUE_MAX]; /* personal */
    char key_serial[RK_TOKEN_SERIAL_MAX];
    char cert_serial[64];
    int needs_code; /* a recovery order with an authorisation code */
    int hq_key;     /* a recovery order whose key HQ returned */
} svc_order;

typedef struct svc_job {
    int op;
    char token[RK_SESSION_TOKEN_LEN + 1]; /* wiped by the job */
    rk_actor actor;
    char ref[RK_ORDER_REF_MAX];
    char pin[RK_TOKEN_PIN_MAX];     /* wiped by the job */
    char code[RK_AUTHCODE_MAX + 8]; /* wiped by the job */
    char serial[RK_TOKEN_SERIAL_MAX];
    char recovery_key[PATH_MAX];
    svc_order order; /* out: OP_FIND, and every op reads the order again */
    int printed;
    char detail[256]; /* out: a job number, a certificate serial */
} svc_job;

typedef struct svc_state {
    char ref[RK_ORDER_REF_MAX];
    char pin[RK_TOKEN_PIN_MAX], pin2[RK_TOKEN_PIN_MAX];
    char key[RK_TOKEN_SERIAL_MAX];  /* recovery: the new key's serial */
    char code[RK_AUTHCODE_MAX + 8]; /* recovery: the order's authorisation code */
    rk_field ref_field, pin_field, pin2_field, key_field, code_field;
    int busy;
    svc_job job;
    int have; /* order holds the order found */
    svc_order order;
    int last_op;            /* the last action's op, for its message */
    int ok;                 /* it succeeded */
    char msg[DESK_MSG_MAX]; /* its message ("" none) */
} svc_state;

static svc_state the_svc;
static atomic_int running;

static void order_from(svc_order *o, const rk_order *src)
{
    memset(o, 0, sizeof *o);
    snprintf(o->ref, sizeof o->ref, "%s", src->ref);
    snprintf(o->business, sizeof o->business, "%s", src->business);
    snprintf(o->state, sizeof o->state, "%s", src->state);
    snprintf(o->subject, sizeof o->subject, "%s", src->subject_name);
    const char *key = rk_order_value(src, "key_serial");
    snprintf(o->key_serial, sizeof o->key_serial, "%s", key ? key : "");
    snprintf(o->cert_serial, sizeof o->cert_serial, "%s", src->cert_serial);
}

/* Reads the order (fields masked) into a->order. */
static int read_order(rk_branch *b, svc_job *a)
{
    rk_branch_order_view *v = NULL;
    int rc = rk_branch_order_show(b, &a->actor, a->ref, 0, &v);
    if (!rc) order_from(&a->order, &v->order);
    rk_branch_order_view_free(v);
    if (!rc && !strcmp(a->order.business, "recovery")) {
        int n = rk_branch_enrol_needs_code(b, a->order.ref);
        int h = rk_branch_recover_ready(b, a->order.ref);
        a->order.needs_code = n > 0;
        a->order.hq_key = h > 0;
        rk_err_clear();
    }
    return rc;
}

static int job_svc(rk_job *job, void *arg)
{
    svc_job *a = arg;
    rk_branch *b = rk_job_worker(job);
    rk_branch_order_result res;
    rk_branch_printed pr;
    rk_enrol_result er;
    int rc = rk_branch_session_use(b, a->token, &a->actor);
    rk_wipe(a->token, sizeof a->token);
    memset(&res, 0, sizeof res);
    if (!rc) {
        switch (a->op) {
        case OP_FIND: break;
        case OP_CARRY: {
            rk_branch_issue_req req = {.ref = a->ref};
            rc = rk_branch_order_issue(b, &a->actor, &req, &res);
            if (!rc && res.crl_number)
                snprintf(a->detail, sizeof a->detail, "%llu", (unsigned long long)res.crl_number);
            break;
        }
        case OP_UNLOCK: {
            rk_branch_key_unlock_req req = {
                .order_ref = a->ref, .serial = a->serial, .new_pin = a->pin};
            rc = rk_branch_key_unlock(b, &a->actor, &req);
            break;
        }
        case OP_RECOVER: {
            /* HQ's key when it came; else the demo's file, if there. */
            int file = !rk_branch_recover_ready(b, a->ref) && access(a->recovery_key, R_OK) == 0;
            rk_err_clear();
            rk_branch_recover_req req = {.order_ref = a->ref,
                                         .key_serial = a->serial,
                                         .authcode = a->code[0] ? a->code : NULL,
                                         .pin = a->pin,
                                         .recovery_key = file ? a->recovery_key : NULL};
            memset(&er, 0, sizeof er);
            rc = rk_branch_recover(b, &a->actor, &req, &er);
            if (!rc) snprintf(a->detail, sizeof a->detail, "%s", er.enc_cert_serial);
            break;
        }
        case OP_RECEIPT:
            rc = rk_branch_print_receipt(b, &a->actor, a->ref, NULL, &pr);
            if (!rc) a->printed = pr.printed;
            break;
        case OP_FORM:
        case OP_RECORD:
            rc = rk_branch_print_order_a4(
                b, &a->actor, a->ref, a->op == OP_FORM ? RK_BRANCH_DOC_FORM : RK_BRANCH_DOC_RECORD,
                NULL, &pr);
            if (!rc) a->printed = pr.job[0] != 0;
            break;
        default: rc = rk_err_set(RK_EINVAL, "no such desk service"); break;
        }
        rk_wipe(a->pin, sizeof a->pin);
        rk_wipe(a->code, sizeof a->code);
        /* The order as it is now, to show what changed. */
        if (!rc) {
            rc = read_order(b, a);
        } else if (a->op != OP_FIND) {
            char why[DESK_MSG_MAX];
            snprintf(why, sizeof why, "%s", rk_err_msg());
            if (read_order(b, a) != 0) memset(&a->order, 0, sizeof a->order);
            rk_err_set(rc, "%s", why);
        }
    }
    rk_wipe(a->pin, sizeof a->pin);
    rk_wipe(a->code, sizeof a->code);
    rk_branch_order_result_wipe(&res);
    rk_branch_session_drop(b);
    atomic_fetch_sub(&running, 1);
    return rc;
}

static const char *done_key(int op, int printed)
{
    switch (op) {
    case OP_CARRY: return "desk_service.carried";
    case OP_UNLOCK: return "desk_service.unlocked";
    case OP_RECOVER: return "desk_service.recovered";
    case OP_RECEIPT:
        return printed ? "desk_service.receipt_printed" : "desk_service.receipt_spooled";
    case OP_FORM: return printed ? "desk_service.form_printed" : "desk_service.form_written";
    case OP_RECORD: return printed ? "desk_service.record_printed" : "desk_service.record_written";
    default: return NULL;
    }
}

static void svc_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    svc_state *s = arg;
    if (ev->kind != RK_JOB_EV_DONE) return;
    s->busy = 0;
    if (!desk_get(k)->logged_in) { /* the clerk left meanwhile */
        rk_wipe(&s->job, sizeof s->job);
        return;
    }
    s->last_op = s->job.op;
    s->ok = ev->rc == 0;
    if (s->job.order.ref[0]) {
        s->order = s->job.order;
        s->have = 1;
    } else if (s->job.op == OP_FIND) {
        s->have = 0;
    }
    rk_wipe(&s->job.order, sizeof s->job.order);
    if (ev->rc) {
        snprintf(s->msg, sizeof s->msg, "%s", ev->message);
        rk_ui_sound(k->ui, RK_UI_SOUND_ERROR);
    } else {
        const char *key = done_key(s->job.op, s->job.printed);
        const char *args[1] = {s->job.detail};
        if (key)
            rk_strings_format(s->msg, sizeof s->msg, kiosk_str(k, key), args, 1);
        else
            s->msg[0] = '\0';
        if (key) rk_ui_sound(k->ui, RK_UI_SOUND_CONFIRM);
    }
    if (s->job.op == OP_UNLOCK || s->job.op == OP_RECOVER) {
        rk_wipe(s->pin, sizeof s->pin);
        rk_wipe(s->pin2, sizeof s->pin2);
        if (s->job.op == OP_RECOVER && ev->rc == 0) rk_wipe(s->code, sizeof s->code);
    }
    rk_ui_redraw_in(k->ui, 0);
}

static void start(kiosk *k, svc_state *s, int op)
{
    desk_state *d = desk_get(k);
    if (s->busy) return;
    if ((op == OP_UNLOCK || op == OP_RECOVER) && strcmp(s->pin, s->pin2)) {
        snprintf(s->msg, sizeof s->msg, "%s", kiosk_str(k, "desk_service.pin_mismatch"));
        s->ok = 0;
        s->last_op = op;
        return;
    }
    memset(&s->job, 0, sizeof s->job);
    s->job.op = op;
    memcpy(s->job.token, d->token, sizeof s->job.token);
    snprintf(s->job.ref, sizeof s->job.ref, "%s", op == OP_FIND ? s->ref : s->order.ref);
    if (op == OP_FIND) rk_wipe(s->code, sizeof s->code); /* another order's */
    if (op == OP_RECOVER) memcpy(s->job.code, s->code, sizeof s->job.code);
    if (op == OP_UNLOCK || op == OP_RECOVER) {
        memcpy(s->job.pin, s->pin, sizeof s->job.pin);
        snprintf(s->job.serial, sizeof s->job.serial, "%s",
                 op == OP_UNLOCK ? s->order.key_serial : s->key);
    }
    if (op == OP_RECOVER)
        snprintf(s->job.recovery_key, sizeof s->job.recovery_key, "%s/recovery-key.pem",
                 k->import_dir);
    s->msg[0] = '\0';
    atomic_fetch_add(&running, 1);
    if (kiosk_submit(k, NULL, "desk-service", job_svc, &s->job, svc_done, s) == 0) {
        s->busy = 1;
    } else {
        atomic_fetch_sub(&running, 1);
        rk_wipe(&s->job, sizeof s->job);
        snprintf(s->msg, sizeof s->msg, "%s", rk_err_msg());
        rk_err_clear();
    }
}

/* A button of the action row; 1 when pressed. */
static int action(kiosk *k, rk_rect *row, const char *id, const char *key, rk_icon icon,
                  int primary, int disabled)
{
    rk_ui *ui = k->ui;
    rk_button b = {.label = kiosk_str(k, key),
                   .icon = icon,
                   .kind = primary ? RK_BTN_PRIMARY : RK_BTN_SECONDARY,
                   .disabled = disabled};
    int w = rk_widget_button_width(ui, &b), gap = rk_ui_px(ui, RK_UI_GAP);
    if (w > row->w) w = row->w;
    rk_rect r = rk_rect_cut_left(row, w);
    rk_rect_cut_left(row, gap);
    return rk_widget_button_ex(ui, id, r, &b);
}

static int is_status(const char *b)
{
    return !strcmp(b, "revoke") || !strcmp(b, "suspend") || !strcmp(b, "resume");
}

/* The order may be carried out now (approved and paid, or fee-free). */
static int ready(const svc_order *o)
{
    return !strcmp(o->state, "approved") || !strcmp(o->state, "paid");
}

void scr_desk_service(kiosk *k)
{
    rk_ui *ui = k->ui;
    svc_state *s = &the_svc;
    desk_state *d = desk_get(k);
    const rk_theme *t = rk_ui_theme(ui);
    if (desk_guard(k)) return;
    if (kiosk_entering(k)) {
        s->ref_field = (rk_field){.buf = s->ref,
                                  .cap = sizeof s->ref,
                                  .kind = RK_FIELD_TEXT,
                                  .max_chars = RK_ORDER_REF_MAX - 1,
                                  .hint = kiosk_str(k, "desk_service.ref_hint")};
        s->pin_field = (rk_field){.buf = s->pin,
                                  .cap = sizeof s->pin,
                                  .kind = RK_FIELD_PIN,
                                  .max_chars = RK_TOKEN_PIN_MAX - 1};
        s->pin2_field = (rk_field){.buf = s->pin2,
                                   .cap = sizeof s->pin2,
                                   .kind = RK_FIELD_PIN,
                                   .max_chars = RK_TOKEN_PIN_MAX - 1};
        s->key_field = (rk_field){.buf = s->key,
                                  .cap = sizeof s->key,
                                  .kind = RK_FIELD_TEXT,
                                  .max_chars = RK_TOKEN_SERIAL_MAX - 1};
        s->code_field = (rk_field){.buf = s->code,
                                   .cap = sizeof s->code,
                                   .kind = RK_FIELD_TEXT,
                                   .max_chars = RK_AUTHCODE_MAX - 1,
                                   .hint = kiosk_str(k, "issue.code_hint")};
        /* Opened from a queue: that order. */
        if (d->selected[0] && strcmp(d->selected, s->ref)) {
            snprintf(s->ref, sizeof s->ref, "%s", d->selected);
            start(k, s, OP_FIND);
        }
        if (!s->ref[0]) rk_ui_set_focus(ui, "desk_service.ref");
    }

    rk_rect scr = rk_ui_screen(ui);
    rk_backend *be = rk_ui_backend(ui);
    rk_backend_fill(be, scr, t->bg);
    rk_rect c = rk_rect_inset(scr, rk_ui_px(ui, RK_UI_MARGIN) / 2);
    c = desk_bar(k, c, kiosk_str(k, "desk_service.title"));
    if (!d->logged_in) return;
    int gap = rk_ui_px(ui, RK_UI_GAP);
    int line = rk_backend_line_height(be, rk_ui_font(ui, RK_UI_TEXT_BODY));

    rk_button back = {.label = kiosk_str(k, "desk_service.back"), .icon = RK_ICON_BACK};
    int bh = rk_widget_button_height(ui, &back);
    rk_rect bottom = rk_rect_cut_bottom(&c, bh);
    rk_rect_cut_bottom(&c, gap);
    if (rk_widget_button_ex(ui, "desk_service.back",
                            rk_rect_cut_left(&bottom, rk_widget_button_width(ui, &back)), &back)) {
        d->selected[0] = '\0';
        kiosk_back(k);
        return;
    }

    /* The reference and the look-up. */
    rk_button find = {.label = kiosk_str(k, "desk_service.find"),
                      .icon = RK_ICON_SEARCH,
                      .kind = RK_BTN_PRIMARY,
                      .disabled = s->busy || !s->ref[0]};
    int fw = rk_widget_button_width(ui, &find);
    rk_rect fr = rk_rect_cut_top(&c, rk_field_height(ui));
    rk_rect_cut_top(&c, gap);
    rk_rect fb = rk_rect_cut_right(&fr, fw);
    rk_rect_cut_right(&fr, gap);
    fb.y += fb.h - rk_widget_button_height(ui, &find) - line;
    fb.h = rk_widget_button_height(ui, &find);
    int got = rk_field_draw(ui, "desk_service.ref", fr, kiosk_str(k, "desk_service.ref"),
                            &s->ref_field, NULL);
    if (rk_widget_button_ex(ui, "desk_service.find", fb, &find) ||
        ((got & RK_FIELD_SUBMIT) && !find.disabled)) {
        rk_ui_clear_focus(ui);
        start(k, s, OP_FIND);
    }

    /* What the last action did. */
    rk_rect mr = rk_rect_cut_top(&c, 3 * line);
    rk_rect_cut_top(&c, gap);
    if (s->busy && s->job.op != OP_FIND) {
        rk_widget_progress(ui, "desk_service.working", mr, kiosk_str(k, "desk_service.working"), -1,
                           0, 0, 0, NULL);
    } else if (s->msg[0]) {
        rk_ui_mark(ui, s->ok ? "desk_service.ok" : "desk_service.error", mr);
        rk_widget_status(ui, "desk_service.msg", mr, s->ok ? RK_STATUS_SUCCESS : RK_STATUS_ERROR,
                         s->msg, RK_UI_TEXT_BODY);
    }
    if (!s->have) return;

    /* The order. */
    const svc_order *o = &s->order;
    int zh = rk_ui_lang(ui) == 0;
    char text[512];
    const char *args[4] = {o->ref, rk_business_label(o->business, zh), rk_state_label(o->state, zh),
                           NULL};
    rk_strings_format(text, sizeof text, kiosk_str(k, "desk_service.order"), args, 3);
    rk_widget_label(ui, "desk_service.order", rk_rect_cut_top(&c, line + gap / 2), text,
                    RK_UI_TEXT_BODY, RK_ALIGN_LEFT);
    rk_widget_label(ui, "desk_service.subject", rk_rect_cut_top(&c, line + gap / 2), o->subject,
                    RK_UI_TEXT_BODY, RK_ALIGN_LEFT | RK_UI_PERSONAL);
    if (o->key_serial[0] || o->cert_serial[0]) {
        args[0] = o->key_serial[0] ? o->key_serial : o->cert_serial;
        rk_strings_format(
            text, sizeof text,
            kiosk_str(k, o->key_serial[0] ? "desk_service.on_key" : "desk_service.on_cert"), args,
            1);
        rk_widget_muted(ui, "desk_service.target", rk_rect_cut_top(&c, line + gap / 2), text,
                        RK_UI_TEXT_BODY, RK_ALIGN_LEFT);
    }
    rk_rect_cut_top(&c, gap);

    /* The order's own business, when it is due. */
    int due = ready(o);
    if (due && (!strcmp(o->business, "unlock") || !strcmp(o->business, "recovery"))) {
        int unlock = !strcmp(o->business, "unlock");
        int fh = rk_field_height(ui);
        rk_rect pr = rk_rect_cut_top(&c, fh);
        rk_rect_cut_top(&c, gap);
        int coded = !unlock && o->needs_code;
        int cols = unlock ? 2 : 3 + coded, cw = (pr.w - (cols - 1) * gap) / cols;
        if (coded) {
            rk_field_draw(ui, "desk_service.code", rk_rect_cut_left(&pr, cw),
                          kiosk_str(k, "desk_service.code"), &s->code_field, NULL);
            rk_rect_cut_left(&pr, gap);
        }
        if (!unlock) {
            rk_field_draw(ui, "desk_service.key", rk_rect_cut_left(&pr, cw),
                          kiosk_str(k, "desk_service.new_key"), &s->key_field, NULL);
            rk_rect_cut_left(&pr, gap);
        }
        rk_field_draw(ui, "desk_service.pin", rk_rect_cut_left(&pr, cw),
                      kiosk_str(k, "desk_service.new_pin"), &s->pin_field, NULL);
        rk_rect_cut_left(&pr, gap);
        rk_field_draw(ui, "desk_service.pin2", rk_rect_cut_left(&pr, cw),
                      kiosk_str(k, "desk_service.new_pin2"), &s->pin2_field, NULL);
    }
    int ah = rk_widget_button_height(ui, &back);
    if (ah < rk_ui_px(ui, RK_UI_TARGET_PRIMARY)) ah = rk_ui_px(ui, RK_UI_TARGET_PRIMARY);
    rk_rect row = rk_rect_cut_top(&c, ah);
    rk_rect_cut_top(&c, gap);
    if (!strcmp(o->business, "unlock") && due) {
        if (action(k, &row, "desk_service.unlock", "desk_service.do_unlock", RK_ICON_UNLOCK, 1,
                   s->busy || !due || !s->pin[0] || !s->pin2[0]))
            start(k, s, OP_UNLOCK);
    } else if (!strcmp(o->business, "recovery") && due) {
        if (action(k, &row, "desk_service.recover", "desk_service.do_recover", RK_ICON_RECOVER, 1,
                   s->busy || !due || !s->key[0] || !s->pin[0] || !s->pin2[0] ||
                       (o->needs_code && !s->code[0])))
            start(k, s, OP_RECOVER);
    } else if (is_status(o->business)) {
        char key[48], id[48];
        snprintf(key, sizeof key, "desk_service.do_%s", o->business);
        snprintf(id, sizeof id, "desk_service.%s", o->business);
        rk_icon icon = !strcmp(o->business, "revoke")    ? RK_ICON_REVOKE
                       : !strcmp(o->business, "suspend") ? RK_ICON_SUSPEND
                                                         : RK_ICON_RESUME;
        if (action(k, &row, id, key, icon, 1, s->busy || !due)) start(k, s, OP_CARRY);
    }
    if (row.w < rk_ui_px(ui, RK_UI_TARGET_PRIMARY * 4)) { /* the papers on a row of their own */
        row = rk_rect_cut_top(&c, ah);
        rk_rect_cut_top(&c, gap);
    }

    /* Its papers. */
    int closed = !strcmp(o->state, "draft") || !strcmp(o->state, "cancelled");
    int finished = !strcmp(o->state, "delivered") || !strcmp(o->state, "archived");
    if (action(k, &row, "desk_service.receipt", "desk_service.do_receipt", RK_ICON_RECEIPT, 0,
               s->busy || closed))
        start(k, s, OP_RECEIPT);
    if (action(k, &row, "desk_service.form", "desk_service.do_form", RK_ICON_PAPER, 0, s->busy))
        start(k, s, OP_FORM);
    if (action(k, &row, "desk_service.record", "desk_service.do_record", RK_ICON_PAPER, 0,
               s->busy || !finished))
        start(k, s, OP_RECORD);
}

/* The event player's lines: "service-settle" waits (up to 20 s) for the
 * services' jobs; "service-expect-state STATE" checks the order shown;
 * "service-expect-wiped" checks that nothing of an order or of what was
 * typed is held any more. */
static int svc_app(kiosk *k, const char *words)
{
    svc_state *s = &the_svc;
    char a[32] = "";
    (void)k;
    if (!strcmp(words, "service-settle")) {
        for (int i = 0; i < 2000 && atomic_load(&running) > 0; i++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        return atomic_load(&running) > 0
                   ? rk_err_set(RK_ETIMEOUT, "service-settle: jobs still run after 20 s")
                   : 0;
    }
    if (sscanf(words, "service-expect-state %31s", a) == 1) {
        const char *is = s->have ? s->order.state : "none";
        return strcmp(a, is) ? rk_err_set(RK_EINVAL, "expected the order %s, it is %s", a, is) : 0;
    }
    if (!strcmp(words, "service-expect-wiped"))
        return !s->have && !s->ref[0] && !s->pin[0] && !s->pin2[0] && !s->key[0] && !s->code[0] &&
                       !s->order.ref[0] && !s->order.subject[0] && !s->msg[0]
                   ? 0
                   : rk_err_set(RK_EINVAL,
                                "the services screen still holds the last clerk's order");
    if (!strcmp(words, "service-expect-ok"))
        return s->ok && !s->busy ? 0 : rk_err_set(RK_EINVAL, "the last service failed: %s", s->msg);
    return rk_err_set(RK_EINVAL, "unknown service line '%s'", words);
}

void mod_desk_service_reset(kiosk *k, kiosk_reset why)
{
    svc_state *s = &the_svc;
    if (why == KIOSK_RESET_START) {
        memset(s, 0, sizeof *s);
        if (kiosk_app_register(k, "service-", svc_app) != 0) rk_err_clear();
        return;
    }
    if (why == KIOSK_RESET_OVER && (kiosk_screens[k->screen].flags & KF_CLERK)) return;
    /* The subscriber's order and the PINs typed go with the clerk (a job
     * still running keeps its own copy, and its answer is dropped). */
    rk_wipe(s->ref, sizeof s->ref);
    rk_wipe(s->pin, sizeof s->pin);
    rk_wipe(s->pin2, sizeof s->pin2);
    rk_wipe(s->key, sizeof s->key);
    rk_wipe(s->code, sizeof s->code);
    rk_wipe(&s->order, sizeof s->order);
    rk_wipe(s->msg, sizeof s->msg);
    s->have = s->ok = s->last_op = 0;
}
