/*
 * The guided business flow every business type shares (KIOSK-UX.md "the
 * subscriber's visit"): subscriber kind -> identity (the ID number on the
 * keypad) -> the form of conf/forms.ini, a few fields per screen, checked
 * as typed with the error in plain words beside the field -> the
 * documents checklist (scan on the branch's scanner, import from a USB
 * stick, with a thumbnail of each page, scan again or remove; or hand the
 * paper to the clerk) -> fees -> payment (a QR when the branch is online,
 * "pay at the counter" when not) -> the receipt printed -> satisfaction
 * (stored as a survey).
 *
 * Every rule is a branch service (branch/selfservice.h: the form, the
 * check, the quote, the draft order with its documents, the payment
 * payload, the receipt, the scan, the rating); scanning, reading a file,
 * taking the order, printing and storing the rating run on the job runner
 * so the screen never waits on a device, the database or the printer. A job
 * of a visit that was wiped meanwhile is ignored (k->visit_gen).
 */
#include "kiosk.h"

#include "ui/field.h"
#include "ui/imageview.h"
#include "ui/widgets.h"
#include "util/err.h"
#include "util/log.h"
#include "util/wipe.h"

#include <dirent.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define FIELDS_PER_PAGE 2

static void doc_drop(kiosk *k, int d);

static const char *const step_keys[6] = {"steps.identity", "steps.form",    "steps.documents",
                                         "steps.fees",     "steps.payment", "steps.receipt"};

/* The chrome of a flow screen at step (0..5). */
static rk_rect chrome(kiosk *k, const char *title, int step)
{
    const char *steps[6];
    for (int i = 0; i < 6; i++)
        steps[i] = kiosk_str(k, step_keys[i]);
    rk_chrome c = {.title = title,
                   .steps = steps,
                   .n_steps = 6,
                   .step = step,
                   .back = !k->visit.busy && !k->visit.ref[0],
                   .start_over = !k->visit.busy,
                   .dirty = k->visit.has_form};
    return kiosk_chrome(k, &c);
}

static int lang_en(kiosk *k)
{
    return rk_ui_lang(k->ui) == 1;
}

static const char *label_of(kiosk *k, const rk_field_def *d)
{
    return lang_en(k) ? d->label_en : d->label_zh;
}

/* The index of the form's identity number field, or -1. */
static int id_index(const kiosk_visit *v)
{
    for (int i = 0; i < v->form.n_fields; i++)
        if (v->form.id_field && !strcmp(v->form.fields[i].def->name, v->form.id_field)) return i;
    return -1;
}

/* Whether field i must be filled: marked required, or required by a
 * condition that holds (address when delivery is mail). */
static int required(const kiosk_visit *v, int i)
{
    if (v->form.fields[i].required) return 1;
    const char *name = v->form.fields[i].def->name;
    for (int c = 0; c < v->form.n_conds; c++) {
        if (strcmp(v->form.conds[c].field, name)) continue;
        for (int j = 0; j < v->form.n_fields; j++)
            if (!strcmp(v->form.fields[j].def->name, v->form.conds[c].when_field) &&
                !strcmp(v->values[j], v->form.conds[c].when_value))
                return 1;
    }
    return 0;
}

/* The plain-language problem with field i's value, or NULL. */
static const char *problem(kiosk *k, int i, char *buf, size_t n)
{
    kiosk_visit *v = &k->visit;
    const rk_field_def *d = v->form.fields[i].def;
    if (!v->values[i][0]) return required(v, i) ? kiosk_str(k, "error.required") : NULL;
    rk_valid res;
    if (rk_branch_ss_check(k->branch, d, v->values[i], &res)) return kiosk_str(k, "error.unknown");
    int ok = res.ok;
    char why_zh[200], why_en[200];
    snprintf(why_zh, sizeof why_zh, "%s", res.message_zh[0] ? res.message_zh : res.message);
    snprintf(why_en, sizeof why_en, "%s", res.message);
    rk_wipe(&res, sizeof res); /* it holds the value, normalised */
    if (ok) return NULL;
    if (!strcmp(d->check, "id") && strlen(v->values[i]) != 18 && strlen(v->values[i]) != 15)
        return kiosk_str(k, "error.id_length");
    if (!strcmp(d->check, "id")) return kiosk_str(k, "error.id_check");
    if (!strcmp(d->check, "mobile")) return kiosk_str(k, "error.mobile");
    const char *why = lang_en(k) ? why_en : why_zh;
    const char *args[2] = {label_of(k, d), why};
    rk_strings_format(buf, n, kiosk_str(k, "error.invalid"), args, 2);
    return buf;
}

/* --- subscriber kind ------------------------------------------------------ */

void scr_kind(kiosk *k)
{
    static const char *const kinds[3] = {"individual", "organisation", "server"};
    static const char *const keys[3] = {"kind.person", "kind.org", "kind.server"};
    static const rk_icon icons[3] = {RK_ICON_PERSON, RK_ICON_ORG, RK_ICON_SERVER};
    rk_rect c = chrome(k, kiosk_str(k, "kind.title"), 0);
    int gap = rk_ui_px(k->ui, 32);
    rk_rect band = rk_rect_center(c, c.w, c.h * 2 / 3);
    for (int i = 0; i < 3; i++) {
        char id[32];
        snprintf(id, sizeof id, "kind.%s", kinds[i]);
        if (rk_widget_tile(k->ui, id, rk_rect_column(band, 3, i, gap), icons[i],
                           kiosk_str(k, keys[i]), NULL)) {
            kiosk_visit *v = &k->visit;
            memset(&v->form, 0, sizeof v->form);
            rk_wipe(v->values, sizeof v->values);
            memset(v->shown_error, 0, sizeof v->shown_error);
            memset(v->doc_state, 0, sizeof v->doc_state);
            for (int d = 0; d < RK_FORM_MAX_DOCS; d++)
                doc_drop(k, d);
            if (rk_branch_ss_form(k->branch, kinds[i], v->business, &v->form)) {
                rk_log_warn("kiosk: no form for %s %s: %s", kinds[i], v->business, rk_err_msg());
                kiosk_info(k, "home.counter_title", "home.counter_text");
                break;
            }
            snprintf(v->kind, sizeof v->kind, "%s", kinds[i]);
            v->has_form = 1;
            v->page = 0;
            kiosk_go(k, KS_IDENTITY);
        }
    }
    kiosk_chrome_end(k);
}

/* --- identity --------------------------------------------------------------- */

/* The keyboard under the content, for the field with the focus. */
static void keyboard(kiosk *k, rk_rect *c)
{
    int kh = rk_keyboard_height(k->ui, &k->kb, c->w);
    rk_rect kr = rk_rect_cut_bottom(c, kh);
    rk_rect_cut_bottom(c, rk_ui_px(k->ui, RK_UI_GAP));
    rk_keyboard_draw(k->ui, "kb", kr, &k->kb);
}

static void keyboard_for(kiosk *k, const rk_field_def *d)
{
    if (!strcmp(d->check, "id")) {
        rk_keyboard_set_mode(&k->kb, RK_KB_ID);
        k->kb.modes = 0;
    } else if (!strcmp(d->check, "mobile") || !strcmp(d->check, "ssn")) {
        rk_keyboard_set_mode(&k->kb, RK_KB_DIGITS);
        k->kb.modes = 0;
    } else if (!strcmp(d->check, "email") || !strcmp(d->check, "uscc") ||
               !strcmp(d->check, "orgcode")) {
        rk_keyboard_set_mode(&k->kb, RK_KB_LATIN);
        k->kb.modes = RK_KB_BIT(RK_KB_LATIN) | RK_KB_BIT(RK_KB_DIGITS) | RK_KB_BIT(RK_KB_PUNCT);
    } else {
        rk_keyboard_set_mode(&k->kb, RK_KB_PINYIN);
        k->kb.modes = RK_KB_TEXT_MODES;
    }
}

static rk_field_kind field_kind(const rk_field_def *d)
{
    if (!strcmp(d->check, "id")) return RK_FIELD_ID;
    if (!strcmp(d->check, "mobile")) return RK_FIELD_MOBILE;
    return RK_FIELD_TEXT;
}

typedef struct card_job {
    unsigned long gen;
    rk_job *job;
    rk_idcard card;
} card_job;

static int card_stop(void *arg)
{
    return rk_job_cancelled(((card_job *)arg)->job);
}

static int card_run(rk_job *job, void *arg)
{
    card_job *c = arg;
    c->job = job;
    return rk_branch_ss_read_card(rk_job_worker(job), &c->card, 0, card_stop, c);
}

static int field_index(const kiosk_visit *v, const char *name)
{
    for (int i = 0; name && i < v->form.n_fields; i++)
        if (!strcmp(v->form.fields[i].def->name, name)) return i;
    return -1;
}

static void card_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    card_job *c = arg;
    kiosk_visit *v = &k->visit;
    if (ev->kind != RK_JOB_EV_DONE) return;
    if (c->gen == k->visit_gen && k->screen == KS_IDENTITY) {
        v->card_job = 0;
        if (ev->rc == 0) {
            int id = id_index(v), name = field_index(v, v->form.subject_field);
            if (id >= 0) snprintf(v->values[id], sizeof v->values[id], "%s", c->card.id_number);
            if (name >= 0 && !strcmp(v->kind, "individual"))
                snprintf(v->values[name], sizeof v->values[name], "%s", c->card.name);
            v->card_read = 1;
            v->dirty = 1;
            kiosk_go(k, KS_FORM);
        } else if (!ev->cancel_asked) {
            rk_log_info("kiosk: no ID card reading (%s); the number is typed", ev->message);
        }
    }
    rk_wipe(c, sizeof *c);
    free(c);
}

static void start_card(kiosk *k)
{
    card_job *c = calloc(1, sizeof *c);
    if (!c) return;
    c->gen = k->visit_gen;
    if (kiosk_submit(k, &k->visit.card_job, "idcard", card_run, c, card_done, c)) {
        k->visit.card_job = 0;
        free(c);
    }
}

void scr_identity(kiosk *k)
{
    kiosk_visit *v = &k->visit;
    int idx = id_index(v);
    if (idx < 0) { /* a form without an identity number: straight on */
        kiosk_go(k, KS_FORM);
        return;
    }
    const rk_field_def *d = v->form.fields[idx].def;
    if (kiosk_entering(k)) {
        rk_ui_set_focus(k->ui, "identity.id");
        keyboard_for(k, d);
        kiosk_say(k, "prompt.place_id");
        if (!k->visit.card_job) start_card(k);
    }
    rk_rect c = chrome(k, kiosk_str(k, "identity.title"), 0);
    keyboard(k, &c);
    int gap = rk_ui_px(k->ui, 32);
    rk_rect left = rk_rect_column(c, 2, 0, gap), right = rk_rect_column(c, 2, 1, gap);
    if (rk_ui_large(k->ui)) left = right = c;
    if (!rk_ui_large(k->ui)) {
        rk_rect icon =
            rk_rect_cut_left(&left, left.h < rk_ui_px(k->ui, 160) ? left.h : rk_ui_px(k->ui, 160));
        rk_backend_icon(rk_ui_backend(k->ui), RK_ICON_IDCARD, icon, rk_ui_theme(k->ui)->accent);
        rk_rect_cut_left(&left, rk_ui_px(k->ui, 24));
        rk_rect top = rk_rect_cut_top(&left, left.h / 2);
        rk_widget_label(k->ui, "identity.card", top, kiosk_str(k, "identity.card"),
                        RK_UI_TEXT_HEADING, RK_UI_WRAP);
        rk_widget_label(k->ui, "identity.or_type", left, kiosk_str(k, "identity.or_type"),
                        RK_UI_TEXT_BODY, RK_UI_WRAP | RK_UI_TOP);
    }
    char buf[256];
    const char *err = v->shown_error[idx] ? problem(k, idx, buf, sizeof buf) : NULL;
    rk_field f = {v->values[idx], sizeof v->values[idx], RK_FIELD_ID, 18,
                  kiosk_str(k, "form.hint_id")};
    int fh = rk_field_height(k->ui);
    if (fh > right.h) fh = right.h;
    rk_rect fr = rk_rect_cut_top(&right, fh);
    int r = rk_field_draw(k->ui, "identity.id", fr, label_of(k, d), &f, err);
    if (r & RK_FIELD_CHANGED) v->shown_error[idx] = strlen(v->values[idx]) >= 18;
    if (r & RK_FIELD_SUBMIT) {
        v->shown_error[idx] = 1;
        if (!problem(k, idx, buf, sizeof buf)) kiosk_go(k, KS_FORM);
    }
    kiosk_chrome_end(k);
}

/* --- the form ---------------------------------------------------------------- */

/* The form's pages: runs of at most FIELDS_PER_PAGE typed fields, a choice
 * on a page of its own; the identity number is not on them. first[p] is
 * the first field index of page p, *n_pages their number. */
static int is_choice(const rk_field_def *d)
{
    return !strncmp(d->check, "choice:", 7);
}

static void pages(const kiosk_visit *v, int *first, int *count, int *n_pages)
{
    int idx = id_index(v), p = 0;
    for (int i = 0; i < v->form.n_fields; i++) {
        if (i == idx) continue;
        int choice = is_choice(v->form.fields[i].def);
        if (p > 0 && !choice && count[p - 1] < FIELDS_PER_PAGE &&
            !is_choice(v->form.fields[first[p - 1]].def)) {
            count[p - 1]++;
            continue;
        }
        first[p] = i;
        count[p++] = 1;
    }
    *n_pages = p;
}

/* The field indexes of page p in out (skipping the identity number). */
static int page_fields(const kiosk_visit *v, int p, int *out)
{
    int first[RK_FORM_MAX_FIELDS], count[RK_FORM_MAX_FIELDS], n_pages, n = 0;
    pages(v, first, count, &n_pages);
    if (p >= n_pages) return 0;
    int idx = id_index(v);
    for (int i = first[p]; i < v->form.n_fields && n < count[p]; i++)
        if (i != idx) out[n++] = i;
    return n;
}

static int n_pages(const kiosk_visit *v)
{
    int first[RK_FORM_MAX_FIELDS], count[RK_FORM_MAX_FIELDS], n;
    pages(v, first, count, &n);
    return n;
}

static void draw_choice(kiosk *k, rk_rect c, int i)
{
    kiosk_visit *v = &k->visit;
    const rk_field_def *d = v->form.fields[i].def;
    rk_rect head = rk_rect_cut_top(&c, rk_ui_px(k->ui, 80));
    rk_widget_heading(k->ui, "form.choice", head, label_of(k, d));
    char opts[96];
    snprintf(opts, sizeof opts, "%s", d->check + 7);
    const char *names[8];
    int n = 0;
    for (char *save, *t = strtok_r(opts, "|", &save); t && n < 8; t = strtok_r(NULL, "|", &save))
        names[n++] = t;
    int gap = rk_ui_px(k->ui, 32);
    rk_rect band = rk_rect_cut_top(&c, rk_ui_px(k->ui, 160));
    for (int o = 0; o < n; o++) {
        char id[64];
        snprintf(id, sizeof id, "choice.%s", names[o]);
        rk_button b = {.label = kiosk_choice_label(k, d->name, names[o]),
                       .kind = !strcmp(v->values[i], names[o]) ? RK_BTN_SELECTED : RK_BTN_SECONDARY,
                       .text_px = 40,
                       .wrap = 1};
        if (rk_widget_button_ex(k->ui, id, rk_rect_column(band, n, o, gap), &b)) {
            snprintf(v->values[i], sizeof v->values[i], "%s", names[o]);
            v->shown_error[i] = 0;
        }
    }
    char buf[256];
    const char *err = v->shown_error[i] ? problem(k, i, buf, sizeof buf) : NULL;
    if (err) {
        rk_rect_cut_top(&c, gap);
        rk_widget_status(k->ui, "form.error", rk_rect_cut_top(&c, rk_ui_px(k->ui, 96)),
                         RK_STATUS_ERROR, err, RK_UI_TEXT_BODY);
    }
}

void scr_form(kiosk *k)
{
    kiosk_visit *v = &k->visit;
    int fields[FIELDS_PER_PAGE], n = page_fields(v, v->page, fields);
    if (n == 0 && v->page > 0) { /* back from the documents: the last page */
        v->page = n_pages(v) - 1;
        n = page_fields(v, v->page, fields);
    }
    if (n == 0) {
        kiosk_go(k, KS_DOCUMENTS);
        return;
    }
    int choice = is_choice(v->form.fields[fields[0]].def);
    if (kiosk_entering(k) && !choice) {
        char id[48];
        snprintf(id, sizeof id, "form.%s", v->form.fields[fields[0]].def->name);
        rk_ui_set_focus(k->ui, id);
        keyboard_for(k, v->form.fields[fields[0]].def);
    }
    rk_rect c = chrome(k, choice ? NULL : kiosk_str(k, "form.title"), 1);
    rk_button nb = {.label = kiosk_str(k, "form.next"), .kind = RK_BTN_PRIMARY};
    int nh = rk_widget_button_height(k->ui, &nb), nw = rk_widget_button_width(k->ui, &nb);
    int next = 0;
    if (choice) {
        rk_rect bar = rk_rect_cut_bottom(&c, nh);
        next = rk_widget_button_ex(k->ui, "form.next",
                                   rk_rect_make(bar.x + bar.w - nw, bar.y, nw, nh), &nb);
        draw_choice(k, c, fields[0]);
    } else {
        keyboard(k, &c);
        /* The next button beside the fields, above the keyboard. */
        rk_rect side = rk_rect_cut_right(&c, nw);
        rk_rect_cut_right(&c, rk_ui_px(k->ui, 32));
        next = rk_widget_button_ex(k->ui, "form.next",
                                   rk_rect_make(side.x, side.y + side.h - nh, nw, nh), &nb);
        /* Large type: one field beside the keyboard, the one being typed. */
        int one = rk_ui_large(k->ui) || n == 1, shown = 0;
        if (rk_ui_large(k->ui))
            for (int j = 0; j < n; j++) {
                char id[48];
                snprintf(id, sizeof id, "form.%s", v->form.fields[fields[j]].def->name);
                if (rk_ui_has_focus(k->ui, id)) shown = j;
            }
        for (int j = 0; j < n; j++) {
            int i = fields[j];
            const rk_field_def *d = v->form.fields[i].def;
            char id[48], buf[256];
            snprintf(id, sizeof id, "form.%s", d->name);
            if (rk_ui_large(k->ui) && j != shown) continue;
            rk_rect box = one ? c : rk_rect_column(c, n, j, rk_ui_px(k->ui, 32));
            int fh = rk_field_height(k->ui);
            if (fh > box.h) fh = box.h;
            const char *err = v->shown_error[i] ? problem(k, i, buf, sizeof buf) : NULL;
            rk_field f = {v->values[i], sizeof v->values[i], field_kind(d), d->max > 0 ? d->max : 0,
                          NULL};
            int r = rk_field_draw(k->ui, id, rk_rect_cut_top(&box, fh), label_of(k, d), &f, err);
            if (r & RK_FIELD_FOCUSED) keyboard_for(k, d);
            if (r & RK_FIELD_CHANGED) {
                v->shown_error[i] = 0;
                v->dirty = 1;
            }
            if (r & RK_FIELD_SUBMIT) {
                v->shown_error[i] = 1;
                if (j + 1 < n) {
                    snprintf(id, sizeof id, "form.%s", v->form.fields[fields[j + 1]].def->name);
                    rk_ui_set_focus(k->ui, id);
                    keyboard_for(k, v->form.fields[fields[j + 1]].def);
                } else {
                    next = 1;
                }
            }
        }
    }
    if (next) {
        int ok = 1;
        char buf[256];
        for (int j = 0; j < n; j++) {
            v->shown_error[fields[j]] = 1;
            if (problem(k, fields[j], buf, sizeof buf)) ok = 0;
        }
        if (ok) {
            v->page++;
            if (v->page < n_pages(v))
                kiosk_reenter(k); /* the same screen, its next page */
            else
                kiosk_go(k, KS_DOCUMENTS);
        } else {
            rk_ui_sound(k->ui, RK_UI_SOUND_ERROR);
        }
    }
    kiosk_chrome_end(k);
}

/* --- documents ----------------------------------------------------------------- */

static int is_image(const char *name)
{
    static const char *const ext[] = {".jpg", ".jpeg", ".png", ".bmp", ".gif"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t e = strlen(ext[i]);
        if (n > e && !strcasecmp(name + n - e, ext[i])) return 1;
    }
    return 0;
}

/* The documents the subscriber gave as images (a scan or a USB stick's
 * file): their bytes, as the ledger will store them, and a thumbnail, per
 * form document; and the one scan or import running. Personal data: wiped
 * and freed at every reset (mod_flow_reset). */
#define THUMB_SIDE 480 /* pixels of a thumbnail's longer side, decoded on the worker */

static struct {
    unsigned char *data[RK_FORM_MAX_DOCS];
    size_t len[RK_FORM_MAX_DOCS];
    rk_backend_image *thumb[RK_FORM_MAX_DOCS];
    int job_doc;          /* the document a job runs for, -1 none */
    int job_scan;         /* it is a scan (else an import) */
    uint64_t job;         /* its id (cancel) */
    int percent;          /* the scan's progress, -1 unknown */
    int cancelling;       /* cancel was pressed */
    unsigned long n;      /* documents taken (tests) */
    char refused[8][512]; /* the USB stick's files refused in this visit (not offered again) */
    int n_refused;
} D = {.job_doc = -1};

static void doc_drop(kiosk *k, int d)
{
    if (D.data[d]) {
        rk_wipe(D.data[d], D.len[d]);
        free(D.data[d]);
    }
    D.data[d] = NULL;
    D.len[d] = 0;
    rk_backend_image_free(rk_ui_backend(k->ui), D.thumb[d]);
    D.thumb[d] = NULL;
}

void mod_flow_reset(kiosk *k, kiosk_reset why)
{
    (void)why;
    for (int d = 0; d < RK_FORM_MAX_DOCS; d++)
        doc_drop(k, d);
    /* A job still running finishes for a visit that is gone (visit_gen):
     * its done callback wipes what it made. */
    if (D.job_doc >= 0 && D.job) rk_jobs_cancel(k->jobs, D.job);
    D.job_doc = -1;
    D.job = 0;
    D.cancelling = 0;
    rk_wipe(D.refused, sizeof D.refused);
    D.n_refused = 0;
}

typedef struct doc_job {
    unsigned long gen;
    int doc, scan;
    char path[512];
    unsigned char *data;
    size_t len;
    char format[8];
    uint32_t *argb;
    int w, h;
} doc_job;

static int doc_run(rk_job *job, void *arg)
{
    doc_job *j = arg;
    rk_branch *b = rk_job_worker(job);
    int rc = j->scan ? rk_branch_ss_scan(b, &j->data, &j->len, j->format, rk_job_progress, job)
                     : rk_branch_ss_load_document(b, j->path, &j->data, &j->len);
    if (!rc &&
        (rc = rk_backend_decode_image(&j->argb, &j->w, &j->h, j->data, j->len, THUMB_SIDE)) != 0)
        rk_err_wrap(rc, "the picture does not open");
    return rc;
}

static void doc_job_free(doc_job *j)
{
    if (j->data) {
        rk_wipe(j->data, j->len);
        free(j->data);
    }
    if (j->argb) {
        rk_wipe(j->argb, (size_t)j->w * j->h * sizeof *j->argb);
        free(j->argb);
    }
    rk_wipe(j, sizeof *j);
    free(j);
}

static void doc_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    doc_job *j = arg;
    kiosk_visit *v = &k->visit;
    if (ev->kind == RK_JOB_EV_PROGRESS) {
        if (j->gen == k->visit_gen) {
            D.percent = ev->total > 0 ? ev->percent : -1;
            rk_ui_redraw_in(k->ui, 0);
        }
        return;
    }
    if (j->gen == k->visit_gen) {
        D.job_doc = -1;
        D.job = 0;
        if (ev->rc == 0) {
            int d = j->doc;
            doc_drop(k, d);
            if (rk_backend_image_new(rk_ui_backend(k->ui), &D.thumb[d], j->argb, j->w, j->h, j->w,
                                     1) != 0) {
                rk_log_warn("kiosk: no thumbnail: %s", rk_err_msg());
                rk_err_clear();
            }
            D.data[d] = j->data;
            D.len[d] = j->len;
            j->data = NULL;
            v->doc_state[d] = 1;
            snprintf(v->doc_path[d], sizeof v->doc_path[d], "%s", j->scan ? "" : j->path);
            v->doc_note = NULL;
            v->dirty = 1;
            D.n++;
        } else if (ev->rc == RK_ECANCELED || D.cancelling) {
            v->doc_note = "documents.scan_cancelled";
        } else {
            v->doc_note = ev->rc == RK_ETOOBIG     ? "documents.too_big"
                          : ev->rc == RK_EFORMAT   ? "documents.not_image"
                          : !j->scan               ? "documents.unreadable"
                          : ev->rc == RK_ENOTFOUND ? "documents.no_scanner"
                                                   : "documents.scan_failed";
            rk_log_warn("kiosk: document %s: %s", j->scan ? "scan" : "import", ev->message);
            if (!j->scan && D.n_refused < 8)
                snprintf(D.refused[D.n_refused++], sizeof D.refused[0], "%s", j->path);
            rk_ui_sound(k->ui, RK_UI_SOUND_ERROR);
        }
        D.cancelling = 0;
        rk_ui_redraw_in(k->ui, 0);
    }
    doc_job_free(j);
}

/* Starts a scan (path NULL) or the import of path for document d. */
static void doc_start(kiosk *k, int d, const char *path)
{
    doc_job *j = calloc(1, sizeof *j);
    if (!j) return;
    j->gen = k->visit_gen;
    j->doc = d;
    j->scan = path == NULL;
    if (path) snprintf(j->path, sizeof j->path, "%s", path);
    if (kiosk_submit(k, &D.job, j->scan ? "scan" : "import", doc_run, j, doc_done, j) != 0) {
        rk_log_warn("kiosk: %s", rk_err_msg());
        rk_err_clear();
        doc_job_free(j);
        k->visit.doc_note = "documents.scan_failed";
        return;
    }
    D.job_doc = d;
    D.job_scan = j->scan;
    D.percent = -1;
    D.cancelling = 0;
    k->visit.doc_note = NULL;
}

/* The first image of the USB stick's folder not yet imported for another
 * document, by name; 0 and the path, or -1 when there is none. Its
 * content and size are checked when it is read (on the job runner). */
static int next_image(kiosk *k, char *out, size_t n)
{
    struct dirent **list = NULL;
    int count = scandir(k->import_dir, &list, NULL, alphasort), found = -1;
    for (int i = 0; i < count; i++) {
        if (found < 0 && is_image(list[i]->d_name)) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", k->import_dir, list[i]->d_name);
            int used = 0;
            for (int d = 0; d < k->visit.form.n_docs; d++)
                if (k->visit.doc_state[d] == 1 && !strcmp(k->visit.doc_path[d], path)) used = 1;
            for (int r = 0; r < D.n_refused; r++)
                if (!strcmp(D.refused[r], path)) used = 1;
            struct stat st;
            if (!used && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                snprintf(out, n, "%s", path);
                found = 0;
            }
        }
        free(list[i]);
    }
    free(list);
    return found;
}

/* One document's row: its name and state, a thumbnail of its image, and
 * what can be done: scan, import, paper; retake and remove once given;
 * the scan's progress with cancel while it runs. */
static void doc_row(kiosk *k, int d, rk_rect row)
{
    kiosk_visit *v = &k->visit;
    rk_ui *ui = k->ui;
    int gap = rk_ui_px(ui, RK_UI_GAP);
    const char *name = v->form.docs[d]->name;
    char id[64];
    rk_widget_panel(ui, row);
    rk_rect in = rk_rect_inset(row, rk_ui_px(ui, 16));
    if (D.thumb[d]) {
        rk_rect tr = rk_rect_cut_left(&in, in.h * 3 / 4);
        rk_rect_cut_left(&in, gap);
        snprintf(id, sizeof id, "doc.%s.thumb", name);
        rk_imageview_thumb(ui, id, tr, D.thumb[d], 0);
    }
    int busy = D.job_doc >= 0;
    if (D.job_doc == d) {
        /* The scan (or the import) running for this document: its words
         * and bar, and the scan's cancel beside them. */
        if (D.job_scan) {
            rk_button cb = {.label = kiosk_str(k, "documents.cancel"),
                            .kind = RK_BTN_SECONDARY,
                            .icon = RK_ICON_CROSS,
                            .disabled = D.cancelling};
            int cw = rk_widget_button_width(ui, &cb), ch = rk_widget_button_height(ui, &cb);
            rk_rect cr = rk_rect_cut_right(&in, cw);
            rk_rect_cut_right(&in, gap);
            snprintf(id, sizeof id, "doc.%s.cancel", name);
            if (rk_widget_button_ex(ui, id, rk_rect_make(cr.x, cr.y + (cr.h - ch) / 2, cw, ch),
                                    &cb) &&
                D.job) {
                rk_jobs_cancel(k->jobs, D.job);
                D.cancelling = 1;
            }
        }
        snprintf(id, sizeof id, "doc.%s.progress", name);
        double f = D.percent >= 0 ? D.percent / 100.0 : -1;
        rk_widget_progress(ui, id, in,
                           kiosk_str(k, D.job_scan ? "documents.scanning" : "documents.importing"),
                           f, 0, 0, 0, NULL);
        rk_ui_redraw_in(ui, 100);
        return;
    }
    rk_button b1 = {.kind = RK_BTN_SECONDARY, .disabled = busy};
    rk_button b2 = b1, b3 = b1;
    const char *id1 = NULL, *id2 = NULL, *id3 = NULL;
    if (v->doc_state[d] == 0) {
        b1.label = kiosk_str(k, "documents.scan");
        b1.icon = RK_ICON_SCAN;
        id1 = "scan";
        b2.label = kiosk_str(k, "documents.import");
        b2.icon = RK_ICON_USB;
        id2 = "import";
        b3.label = kiosk_str(k, "documents.paper");
        b3.icon = RK_ICON_PAPER;
        id3 = "paper";
    } else {
        if (v->doc_state[d] == 1 && !v->doc_path[d][0]) {
            b2.label = kiosk_str(k, "documents.retake");
            b2.icon = RK_ICON_SCAN;
            id2 = "retake";
        }
        b3.label = kiosk_str(k, "documents.remove");
        b3.icon = RK_ICON_CROSS;
        id3 = "remove";
    }
    int bh = rk_widget_button_height(ui, &b3), x = in.x + in.w;
    const rk_button *bs[3] = {&b3, &b2, &b1};
    const char *ids[3] = {id3, id2, id1};
    for (int i = 0; i < 3; i++) {
        if (!ids[i]) continue;
        int w = rk_widget_button_width(ui, bs[i]);
        x -= w;
        snprintf(id, sizeof id, "doc.%s.%s", name, ids[i]);
        if (rk_widget_button_ex(ui, id, rk_rect_make(x, in.y + (in.h - bh) / 2, w, bh), bs[i])) {
            if (!strcmp(ids[i], "paper")) {
                v->doc_state[d] = 2;
                v->doc_path[d][0] = 0;
                v->doc_note = NULL;
            } else if (!strcmp(ids[i], "remove")) {
                doc_drop(k, d);
                v->doc_state[d] = 0;
                v->doc_path[d][0] = 0;
                v->doc_note = NULL;
            } else if (!strcmp(ids[i], "import")) {
                char path[512];
                if (next_image(k, path, sizeof path) == 0)
                    doc_start(k, d, path);
                else {
                    v->doc_note = "documents.none";
                    rk_ui_sound(ui, RK_UI_SOUND_ERROR);
                }
            } else {
                doc_start(k, d, NULL); /* scan, retake */
            }
        }
        x -= gap;
    }
    rk_rect words = rk_rect_make(in.x, in.y, x - in.x, in.h);
    rk_rect title = rk_rect_cut_top(&words, words.h * 3 / 5);
    snprintf(id, sizeof id, "doc.%s", name);
    rk_widget_label(ui, id, title,
                    lang_en(k) ? v->form.docs[d]->label_en : v->form.docs[d]->label_zh,
                    RK_UI_TEXT_BODY, RK_UI_WRAP);
    const char *state = v->doc_state[d] == 1 ? kiosk_str(k, v->doc_path[d][0] ? "documents.imported"
                                                                              : "documents.scanned")
                        : v->doc_state[d] == 2 ? kiosk_str(k, "documents.paper_state")
                                               : kiosk_str(k, "documents.missing");
    snprintf(id, sizeof id, "doc.%s.state", name);
    rk_widget_status(ui, id, words, v->doc_state[d] ? RK_STATUS_SUCCESS : RK_STATUS_WARNING, state,
                     RK_UI_TEXT_SMALL);
}

void scr_documents(kiosk *k)
{
    kiosk_visit *v = &k->visit;
    if (kiosk_entering(k)) v->doc_note = NULL;
    rk_rect c = chrome(k, kiosk_str(k, "documents.title"), 2);
    rk_ui *ui = k->ui;
    int gap = rk_ui_px(ui, RK_UI_GAP);
    rk_button nb = {.label = kiosk_str(k, "form.next"), .kind = RK_BTN_PRIMARY};
    int nh = rk_widget_button_height(ui, &nb), nw = rk_widget_button_width(ui, &nb);
    rk_rect bar = rk_rect_cut_bottom(&c, nh);
    rk_rect_cut_bottom(&c, gap);
    int all = D.job_doc < 0;
    for (int d = 0; d < v->form.n_docs; d++)
        if (!v->doc_state[d]) all = 0;
    if (v->doc_note) {
        /* What went wrong, in plain words, on a band of its own above the
         * bar (two lines of large type fit). */
        rk_rect note = rk_rect_cut_bottom(&c, rk_ui_px(ui, 120));
        rk_rect_cut_bottom(&c, gap);
        rk_widget_status(ui, "documents.note", note, RK_STATUS_WARNING, kiosk_str(k, v->doc_note),
                         RK_UI_TEXT_BODY);
    }
    rk_button nbb = nb;
    nbb.disabled = !all;
    if (rk_widget_button_ex(ui, "documents.next", rk_rect_make(bar.x + bar.w - nw, bar.y, nw, nh),
                            &nbb))
        kiosk_go(k, KS_FEES);
    int rows = v->form.n_docs > 0 ? v->form.n_docs : 1;
    int row_h = (c.h - gap * (rows - 1)) / rows;
    if (row_h > rk_ui_px(ui, 180)) row_h = rk_ui_px(ui, 180);
    for (int d = 0; d < v->form.n_docs; d++) {
        /* The row of a running scan is taller: its words, bar and cancel. */
        int h = row_h;
        if (D.job_doc == d) {
            int room = c.h - (v->form.n_docs - 1 - d) * (row_h + gap);
            h = rk_ui_px(ui, 300);
            if (h > room) h = room;
            if (h < row_h) h = row_h;
        }
        rk_rect row = rk_rect_cut_top(&c, h);
        rk_rect_cut_top(&c, gap);
        doc_row(k, d, row);
    }
    kiosk_chrome_end(k);
}

/* --- fees and taking the order ----------------------------------------------------- */

typedef struct apply_job {
    kiosk *k;
    unsigned long gen;
    rk_branch_ss_req req;
    char business[16], kind[16];
    const char *names[RK_FORM_MAX_FIELDS], *vals[RK_FORM_MAX_FIELDS];
    char values[RK_FORM_MAX_FIELDS][KIOSK_VALUE];
    char paths[RK_FORM_MAX_DOCS][512];
    unsigned char *data[RK_FORM_MAX_DOCS]; /* copies of the scanned and imported images */
    size_t lens[RK_FORM_MAX_DOCS];
    rk_branch_order_result res;
    int attached;
} apply_job;

static void apply_job_free(apply_job *a)
{
    for (int i = 0; i < RK_FORM_MAX_DOCS; i++)
        if (a->data[i]) {
            rk_wipe(a->data[i], a->lens[i]);
            free(a->data[i]);
        }
    rk_wipe(a, sizeof *a);
    free(a);
}

static int apply_run(rk_job *job, void *arg)
{
    apply_job *a = arg;
    return rk_branch_ss_apply(rk_job_worker(job), &a->req, &a->res, &a->attached);
}

static void apply_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    apply_job *a = arg;
    if (ev->kind != RK_JOB_EV_DONE) return;
    if (a->gen == k->visit_gen) {
        kiosk_visit *v = &k->visit;
        v->busy = 0;
        if (a->res.ref[0]) snprintf(v->ref, sizeof v->ref, "%s", a->res.ref);
        if (ev->rc && !a->res.ref[0]) {
            v->failed = 1;
            snprintf(v->fail_msg, sizeof v->fail_msg, "%s", ev->message);
            rk_log_warn("kiosk: the application was not taken: %s", ev->message);
        } else {
            if (ev->rc) /* the draft stands; the clerk takes the rest on paper */
                rk_log_warn("kiosk: order %s: %s", a->res.ref, ev->message);
            int64_t total = v->quote.total_fen;
            v->pay[0] = 0;
            if (k->online && total > 0 &&
                rk_branch_ss_pay_payload(k->branch, v->ref, total, v->pay, sizeof v->pay))
                v->pay[0] = 0;
            kiosk_go(k, KS_PAY);
        }
    }
    apply_job_free(a);
}

static void submit(kiosk *k)
{
    kiosk_visit *v = &k->visit;
    apply_job *a = calloc(1, sizeof *a);
    if (!a) return;
    a->k = k;
    a->gen = k->visit_gen;
    snprintf(a->business, sizeof a->business, "%s", v->business);
    snprintf(a->kind, sizeof a->kind, "%s", v->kind);
    int n = 0;
    for (int i = 0; i < v->form.n_fields; i++) {
        if (!v->values[i][0]) continue;
        a->names[n] = v->form.fields[i].def->name;
        memcpy(a->values[n], v->values[i], sizeof a->values[n]);
        a->vals[n] = a->values[n];
        n++;
    }
    int nd = 0;
    for (int d = 0; d < v->form.n_docs; d++) {
        if (v->doc_state[d] != 1) continue;
        snprintf(a->paths[nd], sizeof a->paths[nd], "%s", v->doc_path[d]);
        a->req.doc_types[nd] = v->form.docs[d]->name;
        a->req.doc_paths[nd] = a->paths[nd];
        if (D.data[d] && (a->data[nd] = malloc(D.len[d])) != NULL) {
            memcpy(a->data[nd], D.data[d], D.len[d]);
            a->lens[nd] = D.len[d];
            a->req.doc_data[nd] = a->data[nd];
            a->req.doc_lens[nd] = a->lens[nd];
        }
        nd++;
    }
    a->req.business = a->business;
    a->req.subscriber = a->kind;
    a->req.names = a->names;
    a->req.values = a->vals;
    a->req.n = n;
    a->req.n_docs = nd;
    v->failed = 0;
    if (kiosk_submit(k, NULL, "apply", apply_run, a, apply_done, a)) {
        v->failed = 1;
        snprintf(v->fail_msg, sizeof v->fail_msg, "%s", rk_err_msg());
        apply_job_free(a);
        return;
    }
    v->busy = 1;
}

void scr_fees(kiosk *k)
{
    kiosk_visit *v = &k->visit;
    rk_ui *ui = k->ui;
    if (kiosk_entering(k) && rk_branch_ss_quote(k->branch, v->kind, v->business, &v->quote) != 0) {
        rk_log_warn("kiosk: no quote: %s", rk_err_msg());
        memset(&v->quote, 0, sizeof v->quote);
    }
    rk_rect c = chrome(k, kiosk_str(k, "fees.title"), 3);
    int gap = rk_ui_px(ui, RK_UI_GAP);
    rk_button nb = {
        .label = kiosk_str(k, "fees.confirm"), .kind = RK_BTN_PRIMARY, .disabled = v->busy};
    int nh = rk_widget_button_height(ui, &nb), nw = rk_widget_button_width(ui, &nb);
    rk_rect bar = rk_rect_cut_bottom(&c, nh);
    rk_rect_cut_bottom(&c, gap);
    rk_rect note = rk_rect_cut_bottom(&c, rk_ui_px(ui, 160));
    rk_rect_cut_bottom(&c, gap);
    if (v->busy) {
        rk_widget_progress(ui, "fees.progress", note, kiosk_str(k, "fees.submitting"), -1, 0, 0, 0,
                           NULL);
        rk_ui_redraw_in(ui, 100);
    } else if (v->failed) {
        const char *args[1] = {v->fail_msg};
        char buf[512];
        rk_strings_format(buf, sizeof buf, kiosk_str(k, "error.submit"), args, 1);
        rk_widget_status(ui, "fees.error", note, RK_STATUS_ERROR, buf, RK_UI_TEXT_BODY);
    }
    if (rk_widget_button_ex(ui, "fees.confirm", rk_rect_make(bar.x + bar.w - nw, bar.y, nw, nh),
                            &nb))
        submit(k);
    int line = rk_backend_line_height(rk_ui_backend(ui), rk_ui_font(ui, RK_UI_TEXT_HEADING));
    rk_rect list = rk_rect_center(c, c.w * 2 / 3, c.h);
    for (int i = 0; i < v->quote.n; i++) {
        rk_rect row = rk_rect_cut_top(&list, line + gap);
        char id[32], money[32];
        snprintf(id, sizeof id, "fees.line%d", i);
        rk_widget_label(ui, id, rk_rect_cut_left(&row, row.w * 2 / 3),
                        lang_en(k) ? v->quote.lines[i].label_en : v->quote.lines[i].label_zh,
                        RK_UI_TEXT_BODY, 0);
        rk_fen_format(money, sizeof money, v->quote.lines[i].fen);
        snprintf(id, sizeof id, "fees.amount%d", i);
        rk_widget_label(ui, id, row, money, RK_UI_TEXT_BODY, RK_ALIGN_RIGHT);
    }
    rk_rect total = rk_rect_cut_top(&list, rk_ui_px(ui, 120));
    char money[48];
    rk_fen_format(money, sizeof money, v->quote.total_fen);
    rk_widget_label(ui, "fees.total_label", rk_rect_cut_left(&total, total.w / 3),
                    kiosk_str(k, "fees.total"), RK_UI_TEXT_HEADING, 0);
    rk_widget_number(ui, "fees.total", total, money);
    if (v->quote.free)
        rk_widget_status(ui, "fees.free", rk_rect_cut_top(&list, rk_ui_px(ui, 96)), RK_STATUS_INFO,
                         lang_en(k) ? v->quote.free_reason_en : v->quote.free_reason_zh,
                         RK_UI_TEXT_BODY);
    kiosk_chrome_end(k);
}

/* --- payment --------------------------------------------------------------------------- */

static void make_qr(kiosk *k, const char *payload)
{
    QRcode *q = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q) return;
    uint8_t *px = malloc((size_t)q->width * (size_t)q->width);
    if (px) {
        for (int i = 0; i < q->width * q->width; i++)
            px[i] = q->data[i] & 1;
        if (rk_backend_image_new_mono(rk_ui_backend(k->ui), &k->visit.qr, px, q->width, q->width,
                                      q->width))
            k->visit.qr = NULL;
        free(px);
    }
    QRcode_free(q);
}

void scr_pay(kiosk *k)
{
    kiosk_visit *v = &k->visit;
    rk_ui *ui = k->ui;
    if (kiosk_entering(k)) {
        if (v->pay[0] && !v->qr) make_qr(k, v->pay);
        if (v->pay[0]) kiosk_say(k, "prompt.scan_pay");
    }
    rk_rect c = chrome(k, kiosk_str(k, v->pay[0] ? "pay.title" : "pay.counter"), 4);
    int gap = rk_ui_px(ui, RK_UI_GAP);
    rk_button nb = {.label = kiosk_str(k, "pay.next"), .kind = RK_BTN_PRIMARY};
    int nh = rk_widget_button_height(ui, &nb), nw = rk_widget_button_width(ui, &nb);
    rk_rect bar = rk_rect_cut_bottom(&c, nh);
    rk_rect_cut_bottom(&c, gap);
    if (rk_widget_button_ex(ui, "pay.next", rk_rect_make(bar.x + bar.w - nw, bar.y, nw, nh), &nb))
        kiosk_go(k, KS_RECEIPT);
    char money[48], yuan[40];
    rk_fen_format(yuan, sizeof yuan, v->quote.total_fen);
    snprintf(money, sizeof money, "%s %s", kiosk_str(k, "pay.amount"), yuan);
    rk_widget_number(ui, "pay.amount", rk_rect_cut_top(&c, rk_ui_px(ui, 96)), money);
    if (v->quote.total_fen == 0) {
        rk_widget_status(ui, "pay.free", rk_rect_cut_top(&c, rk_ui_px(ui, 96)), RK_STATUS_SUCCESS,
                         kiosk_str(k, "pay.free"), RK_UI_TEXT_BODY);
    } else if (v->pay[0] && v->qr) {
        int side = c.h - rk_ui_px(ui, 80);
        rk_imageview_qr(ui, rk_rect_center(rk_rect_cut_top(&c, side), side, side), v->qr);
        rk_widget_muted(ui, "pay.scan", c, kiosk_str(k, "pay.scan"), RK_UI_TEXT_BODY,
                        RK_ALIGN_CENTER);
    } else {
        rk_widget_status(ui, "pay.offline", rk_rect_cut_top(&c, rk_ui_px(ui, 120)),
                         RK_STATUS_WARNING, kiosk_str(k, "pay.offline"), RK_UI_TEXT_BODY);
    }
    kiosk_chrome_end(k);
}

/* --- receipt ------------------------------------------------------------------------------ */

typedef struct receipt_job {
    unsigned long gen;
    char ref[RK_ORDER_REF_MAX];
    rk_fee_quote quote;
    char pay[512];
    int printed;
} receipt_job;

static int receipt_run(rk_job *job, void *arg)
{
    receipt_job *r = arg;
    return rk_branch_ss_receipt(rk_job_worker(job), r->ref, &r->quote, r->pay[0] ? r->pay : NULL,
                                &r->printed);
}

static void receipt_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    receipt_job *r = arg;
    if (ev->kind != RK_JOB_EV_DONE) return;
    if (r->gen == k->visit_gen) {
        k->visit.busy = 0;
        k->visit.receipt_done = 1;
        k->visit.printed = ev->rc == 0 && r->printed;
        if (!k->visit.printed)
            rk_log_warn("kiosk: receipt of %s not printed: %s", r->ref,
                        ev->rc ? ev->message : "it waits in the spool");
        else
            kiosk_say(k, "prompt.take_receipt");
    }
    free(r);
}

void scr_receipt(kiosk *k)
{
    kiosk_visit *v = &k->visit;
    rk_ui *ui = k->ui;
    if (kiosk_entering(k) && !v->receipt_done && !v->busy) {
        receipt_job *r = calloc(1, sizeof *r);
        if (r) {
            r->gen = k->visit_gen;
            snprintf(r->ref, sizeof r->ref, "%s", v->ref);
            r->quote = v->quote;
            snprintf(r->pay, sizeof r->pay, "%s", v->pay);
            if (kiosk_submit(k, NULL, "receipt", receipt_run, r, receipt_done, r) == 0)
                v->busy = 1;
            else {
                free(r);
                v->receipt_done = 1;
            }
        }
    }
    rk_rect c = chrome(k, kiosk_str(k, "receipt.title"), 5);
    int gap = rk_ui_px(ui, RK_UI_GAP);
    rk_button nb = {
        .label = kiosk_str(k, "form.next"), .kind = RK_BTN_PRIMARY, .disabled = v->busy};
    int nh = rk_widget_button_height(ui, &nb), nw = rk_widget_button_width(ui, &nb);
    rk_rect bar = rk_rect_cut_bottom(&c, nh);
    rk_rect_cut_bottom(&c, gap);
    if (rk_widget_button_ex(ui, "receipt.next", rk_rect_make(bar.x + bar.w - nw, bar.y, nw, nh),
                            &nb))
        kiosk_go(k, KS_RATING);
    rk_rect mid = rk_rect_center(c, c.w * 3 / 4, c.h);
    rk_widget_label(ui, "receipt.order", rk_rect_cut_top(&mid, rk_ui_px(ui, 64)),
                    kiosk_str(k, "receipt.order"), RK_UI_TEXT_BODY, RK_ALIGN_CENTER);
    rk_widget_number(ui, "receipt.ref", rk_rect_cut_top(&mid, rk_ui_px(ui, 96)), v->ref);
    rk_rect_cut_top(&mid, gap * 2);
    rk_rect st = rk_rect_cut_top(&mid, rk_ui_px(ui, 160));
    if (v->busy) {
        rk_widget_progress(ui, "receipt.progress", st, kiosk_str(k, "progress.printing"), -1, 0, 0,
                           0, NULL);
        rk_ui_redraw_in(ui, 100);
    } else if (v->printed) {
        rk_widget_status(ui, "receipt.printed", st, RK_STATUS_SUCCESS, kiosk_str(k, "receipt.take"),
                         RK_UI_TEXT_BODY);
    } else {
        rk_widget_status(ui, "receipt.held", st, RK_STATUS_WARNING, kiosk_str(k, "receipt.held"),
                         RK_UI_TEXT_BODY);
    }
    kiosk_chrome_end(k);
}

/* --- satisfaction ---------------------------------------------------------------------------- */

typedef struct rating_job {
    char ref[RK_ORDER_REF_MAX];
    int score;
} rating_job;

static int rating_run(rk_job *job, void *arg)
{
    rating_job *r = arg;
    return rk_branch_ss_rate(rk_job_worker(job), r->ref, r->score, NULL);
}

static void rating_done(kiosk *k, const rk_job_event *ev, void *arg)
{
    rating_job *r = arg;
    if (ev->kind != RK_JOB_EV_DONE) return;
    if (ev->rc) {
        rk_log_warn("kiosk: the rating %d of order %s was not stored: %s", r->score,
                    r->ref[0] ? r->ref : "-", ev->message);
    } else {
        rk_log_info("kiosk: order %s rated %d of 5", r->ref[0] ? r->ref : "-", r->score);
        k->ratings_stored++;
    }
    free(r);
}

void flow_store_rating(kiosk *k)
{
    kiosk_visit *v = &k->visit;
    if (!v->rating || v->rating_stored) return;
    v->rating_stored = 1;
    rating_job *r = calloc(1, sizeof *r);
    if (!r) {
        rk_log_warn("kiosk: no memory to store the rating");
        return;
    }
    snprintf(r->ref, sizeof r->ref, "%s", v->ref);
    r->score = v->rating;
    if (kiosk_submit(k, NULL, "rating", rating_run, r, rating_done, r) != 0) {
        rk_log_warn("kiosk: the rating was not stored: %s", rk_err_msg());
        rk_err_clear();
        free(r);
    }
}

void scr_rating(kiosk *k)
{
    kiosk_visit *v = &k->visit;
    rk_ui *ui = k->ui;
    if (kiosk_entering(k)) kiosk_say(k, "prompt.rate");
    rk_chrome ch = {.title = kiosk_str(k, "rating.title")};
    rk_rect c = kiosk_chrome(k, &ch);
    int gap = rk_ui_px(ui, RK_UI_GAP);
    rk_button nb = {.label = kiosk_str(k, "rating.done"), .kind = RK_BTN_PRIMARY};
    int nh = rk_widget_button_height(ui, &nb), nw = rk_widget_button_width(ui, &nb);
    rk_rect bar = rk_rect_cut_bottom(&c, nh);
    rk_rect_cut_bottom(&c, gap);
    int done = rk_widget_button_ex(ui, "rating.done",
                                   rk_rect_make(bar.x + (bar.w - nw) / 2, bar.y, nw, nh), &nb);
    rk_rect faces = rk_rect_center(c, c.w, c.h * 2 / 3);
    int r = rk_widget_rating(ui, "rating", faces, &v->rating);
    if (r) v->rating = r;
    if (v->rating)
        rk_widget_status(ui, "rating.thanks", rk_rect_cut_bottom(&c, rk_ui_px(ui, 80)),
                         RK_STATUS_SUCCESS, kiosk_str(k, "rating.thanks"), RK_UI_TEXT_BODY);
    if (done) {
        flow_store_rating(k);
        kiosk_wipe(k, KIOSK_RESET_OVER);
        kiosk_go_root(k, KS_ATTRACT);
    }
    kiosk_chrome_end(k);
}
