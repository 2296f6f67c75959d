/*
 * The widget gallery's screens (see gallery.h).
 */
#include "gallery.h"

#include "ui/dialog.h"
#include "ui/widgets.h"

#include "util/err.h"
#include "util/wipe.h"

#include <cairo.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const screen_names[G_SCREENS] = {
    "home", "kind",     "form",   "form2", "documents", "fees",
    "pay",  "progress", "rating", "queue", "status",    "idle",
};

int gallery_screen_by_name(const char *name)
{
    for (int i = 0; i < G_SCREENS; i++)
        if (!strcmp(screen_names[i], name)) return i;
    return -1;
}

const char *gallery_screen_name(int screen)
{
    return screen >= 0 && screen < G_SCREENS ? screen_names[screen] : "?";
}

/* A made-up A4 document (a business licence) drawn with cairo, as a scan
 * would arrive: ARGB pixels. */
static int make_document(rk_ui *ui, rk_backend_image **out, int w, int h, int variant)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_t *cr = cairo_create(s);
    double k = w / 1240.0;
    cairo_set_source_rgb(cr, 0.98, 0.97, 0.93);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0.55, 0.1, 0.1);
    cairo_set_line_width(cr, 12 * k);
    cairo_rectangle(cr, 60 * k, 60 * k, w - 120 * k, h - 120 * k);
    cairo_stroke(cr);
    cairo_select_font_face(cr, "WenQuanYi Micro Hei", CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 110 * k);
    cairo_move_to(cr, 360 * k, 300 * k);
    cairo_show_text(cr, variant ? "申 请 表" : "营业执照");
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_set_font_size(cr, 40 * k);
    const char *lines[] = {"统一社会信用代码 91110105MA01234567",
                           "名称 演示科技有限公司",
                           "类型 有限责任公司",
                           "法定代表人 张三",
                           "注册资本 壹佰万元整",
                           "成立日期 2018年03月15日",
                           "住所 北京市朝阳区演示路1号"};
    for (int i = 0; i < 7; i++) {
        cairo_move_to(cr, 160 * k, (480 + i * 110) * k);
        cairo_show_text(cr, lines[i]);
    }
    for (int i = 0; i < 6; i++) {
        cairo_set_line_width(cr, 2 * k);
        cairo_move_to(cr, 160 * k, (1300 + i * 50) * k);
        cairo_line_to(cr, (1080 - (i % 3) * 120) * k, (1300 + i * 50) * k);
        cairo_stroke(cr);
    }
    cairo_set_source_rgba(cr, 0.85, 0.1, 0.1, 0.8);
    cairo_set_line_width(cr, 10 * k);
    cairo_arc(cr, 900 * k, 1500 * k, 150 * k, 0, 6.2832);
    cairo_stroke(cr);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    /* cairo's ARGB32 is premultiplied; the page is opaque, so it is the same. */
    int rc = rk_backend_image_new(rk_ui_backend(ui), out,
                                  (const uint32_t *)cairo_image_surface_get_data(s), w, h,
                                  cairo_image_surface_get_stride(s) / 4, 1);
    cairo_surface_destroy(s);
    return rc;
}

static int make_qr(rk_ui *ui, rk_backend_image **out, const char *payload)
{
    QRcode *q = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q) return rk_err_set(RK_EINTERNAL, "gallery: qrencode failed");
    uint8_t *px = malloc((size_t)q->width * (size_t)q->width);
    if (!px) {
        QRcode_free(q);
        return rk_err_oom();
    }
    for (int i = 0; i < q->width * q->width; i++)
        px[i] = q->data[i] & 1;
    int rc = rk_backend_image_new_mono(rk_ui_backend(ui), out, px, q->width, q->width, q->width);
    free(px);
    QRcode_free(q);
    return rc;
}

int gallery_init(gallery *g, rk_ui *ui, rk_ime *ime, rk_voice *voice)
{
    int rc;
    memset(g, 0, sizeof *g);
    (void)make_document;
    g->ui = ui;
    g->ime = ime;
    g->voice = voice;
    g->kb.ime = ime;
    g->kb.modes = RK_KB_TEXT_MODES;
    g->queue.selected = g->docs.selected = -1;
    rk_imageview_reset(&g->view);
    if ((rc = make_qr(ui, &g->qr, "RAK1:PAY:DEMO01-20260315-0042:38000"))) return rc;
    snprintf(g->org, sizeof g->org, "演示科技有限公司");
    gallery_show(g, G_HOME);
    return 0;
}

void gallery_free(gallery *g)
{
    rk_backend *be = rk_ui_backend(g->ui);
    rk_backend_image_free(be, g->doc);
    rk_backend_image_free(be, g->thumb2);
    rk_backend_image_free(be, g->qr);
    rk_wipe(g->name, sizeof g->name);
    rk_wipe(g->id_number, sizeof g->id_number);
    rk_wipe(g->mobile, sizeof g->mobile);
    rk_wipe(g->pin, sizeof g->pin);
}

static void say(gallery *g, const char *prompt)
{
    if (!g->voice) return;
    const rk_strings *s = rk_ui_strings(g->ui);
    const char *text = rk_strings_say(s, prompt);
    if (text) rk_voice_say(g->voice, rk_strings_voice(s), text);
}

void gallery_show(gallery *g, gallery_screen s)
{
    /* Document scans live while their screen is shown, as in the kiosk. */
    if (s == G_DOCUMENTS && !g->doc) {
        if (make_document(g->ui, &g->doc, 1000, 1414, 0) ||
            make_document(g->ui, &g->thumb2, 500, 707, 1))
            fprintf(stderr, "gallery: %s\n", rk_err_msg());
    } else if (s != G_DOCUMENTS && g->doc) {
        rk_backend_image_free(rk_ui_backend(g->ui), g->doc);
        rk_backend_image_free(rk_ui_backend(g->ui), g->thumb2);
        g->doc = g->thumb2 = NULL;
    }
    g->screen = s;
    g->chrome.confirming = 0;
    g->dialog = 0;
    switch (s) {
    case G_FORM:
        rk_keyboard_set_mode(&g->kb, RK_KB_PINYIN);
        g->kb.modes = RK_KB_TEXT_MODES;
        rk_ui_set_focus(g->ui, "form.name");
        say(g, "prompt.place_id");
        break;
    case G_FORM2:
        rk_keyboard_set_mode(&g->kb, RK_KB_DIGITS);
        g->kb.modes = 0;
        rk_ui_set_focus(g->ui, "form.mobile");
        say(g, "prompt.enter_pin");
        break;
    case G_IDLE:
        g->idle_deadline = rk_ui_now(g->ui) + 30000;
        g->idle_result = RK_DIALOG_OPEN;
        say(g, "prompt.idle");
        break;
    case G_HOME: say(g, "prompt.choose"); break;
    case G_PAY: say(g, "prompt.scan_pay"); break;
    case G_RATING: say(g, "prompt.rate"); break;
    default: rk_ui_clear_focus(g->ui); break;
    }
    rk_ui_redraw_in(g->ui, 0);
}

static void action(gallery *g, const char *what)
{
    g->actions++;
    snprintf(g->last_action, sizeof g->last_action, "%s", what);
}

static const char *S(gallery *g, const char *key)
{
    return rk_ui_str(g->ui, key);
}

static const char *const step_keys[6] = {"steps.identity", "steps.form",    "steps.documents",
                                         "steps.fees",     "steps.payment", "steps.receipt"};

/* The chrome of a subscriber screen; handles its answers. */
static rk_rect chrome(gallery *g, const char *title, int step, int back, int dirty)
{
    const char *steps[6];
    rk_rect content;
    for (int i = 0; i < 6; i++)
        steps[i] = S(g, step_keys[i]);
    rk_chrome c = {.title = title,
                   .steps = step >= 0 ? steps : NULL,
                   .n_steps = step >= 0 ? 6 : 0,
                   .step = step,
                   .back = back,
                   .start_over = back,
                   .dirty = dirty};
    if (g->dialog) rk_ui_set_input(g->ui, 0);
    int a = rk_chrome_begin(g->ui, &g->chrome, &c, &content);
    if (g->dialog) rk_ui_set_input(g->ui, 0);
    if (a == RK_CHROME_BACK) {
        action(g, "back");
        gallery_show(g, g->screen > 0 ? g->screen - 1 : G_HOME);
    } else if (a == RK_CHROME_START_OVER) {
        action(g, "start_over");
        gallery_show(g, G_HOME);
    } else if (a == RK_CHROME_CALL_CLERK) {
        action(g, "call_clerk");
        g->dialog = 1;
        rk_ui_set_input(g->ui, 0); /* the rest of this frame is behind the dialog */
        say(g, "prompt.clerk");
    }
    return content;
}

static void finish(gallery *g)
{
    if (rk_chrome_end(g->ui, &g->chrome) == RK_CHROME_START_OVER) {
        action(g, "start_over");
        rk_wipe(g->name, sizeof g->name);
        rk_wipe(g->id_number, sizeof g->id_number);
        gallery_show(g, G_HOME);
    }
    if (g->dialog && rk_dialog_confirm(g->ui, "dialog.clerk", S(g, "dialog.call_title"),
                                       S(g, "dialog.call_message"), S(g, "dialog.ok"), NULL,
                                       0) != RK_DIALOG_OPEN)
        g->dialog = 0;
}

static int row_h(rk_ui *ui, int design)
{
    return rk_backend_line_height(rk_ui_backend(ui), rk_ui_font(ui, design));
}

static void screen_home(gallery *g)
{
    static const struct {
        const char *key;
        rk_icon icon;
    } tiles[12] = {
        {"new", RK_ICON_NEWCERT},   {"renew", RK_ICON_RENEW},         {"change", RK_ICON_CHANGE},
        {"lost", RK_ICON_LOST},     {"damaged", RK_ICON_DAMAGED},     {"unlock", RK_ICON_UNLOCK},
        {"revoke", RK_ICON_REVOKE}, {"suspend", RK_ICON_SUSPEND},     {"recover", RK_ICON_RECOVER},
        {"query", RK_ICON_SEARCH},  {"selfcheck", RK_ICON_SELFCHECK}, {"faq", RK_ICON_HELP},
    };
    rk_rect c = chrome(g, S(g, "home.title"), -1, 0, 0);
    int cols = rk_ui_large(g->ui) ? 3 : 4, rows = 12 / cols, gap = rk_ui_px(g->ui, RK_UI_GAP);
    for (int i = 0; i < 12; i++) {
        char key[48], sub[48], id[32];
        rk_rect row = rk_rect_row(c, rows, i / cols, gap);
        rk_rect cell = rk_rect_column(row, cols, i % cols, gap);
        snprintf(key, sizeof key, "home.%s", tiles[i].key);
        snprintf(sub, sizeof sub, "home.%s_sub", tiles[i].key);
        snprintf(id, sizeof id, "tile.%s", tiles[i].key);
        if (rk_widget_tile(g->ui, id, cell, tiles[i].icon, S(g, key), S(g, sub))) {
            action(g, id);
            gallery_show(g, G_KIND);
        }
    }
    finish(g);
}

static void screen_kind(gallery *g)
{
    rk_rect c = chrome(g, S(g, "kind.title"), 0, 1, 0);
    int gap = rk_ui_px(g->ui, 32);
    const char *keys[3] = {"kind.person", "kind.org", "kind.server"};
    const rk_icon icons[3] = {RK_ICON_PERSON, RK_ICON_ORG, RK_ICON_SERVER};
    rk_rect band = rk_rect_center(c, c.w, c.h * 2 / 3);
    for (int i = 0; i < 3; i++) {
        char id[32];
        snprintf(id, sizeof id, "kind.%d", i);
        if (rk_widget_tile(g->ui, id, rk_rect_column(band, 3, i, gap), icons[i], S(g, keys[i]),
                           NULL)) {
            action(g, id);
            gallery_show(g, G_FORM);
        }
    }
    finish(g);
}

/* The ID number's check digit (GB 11643), for the error demonstration. */
static int id_ok(const char *id)
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[] = "10X98765432";
    int sum = 0;
    if (strlen(id) != 18) return 0;
    for (int i = 0; i < 17; i++) {
        if (id[i] < '0' || id[i] > '9') return 0;
        sum += (id[i] - '0') * w[i];
    }
    return check[sum % 11] == id[17];
}

static void keyboard_area(gallery *g, rk_rect *c)
{
    int kh = rk_keyboard_height(g->ui, &g->kb, c->w);
    rk_rect kr = rk_rect_cut_bottom(c, kh);
    rk_rect_cut_bottom(c, rk_ui_px(g->ui, RK_UI_GAP));
    rk_keyboard_draw(g->ui, "kb", kr, &g->kb);
}

static void screen_form(gallery *g)
{
    int dirty = g->name[0] || g->id_number[0];
    rk_rect c = chrome(g, NULL, 1, 1, dirty);
    keyboard_area(g, &c);
    int gap = rk_ui_px(g->ui, 32);
    rk_rect left = rk_rect_column(c, 2, 0, gap), right = rk_rect_column(c, 2, 1, gap);
    /* Large type leaves room for one field beside the keyboard: the one
     * being typed, across the whole width ("a few fields per screen"). */
    int one = rk_ui_large(g->ui);
    int show_name = !one || !rk_ui_has_focus(g->ui, "form.id");
    if (one) left = right = c;
    int fh = rk_field_height(g->ui);
    if (fh > c.h) fh = c.h;
    rk_field name = {g->name, sizeof g->name, RK_FIELD_TEXT, 20, S(g, "form.hint_name")};
    rk_field id = {g->id_number, sizeof g->id_number, RK_FIELD_ID, 18, S(g, "form.hint_id")};
    int r = show_name ? rk_field_draw(g->ui, "form.name", rk_rect_cut_top(&left, fh),
                                      S(g, "form.name"), &name, NULL)
                      : 0;
    if (r & RK_FIELD_FOCUSED)
        rk_keyboard_set_mode(&g->kb, RK_KB_PINYIN), g->kb.modes = RK_KB_TEXT_MODES;
    if (r & RK_FIELD_SUBMIT) {
        rk_ui_set_focus(g->ui, "form.id");
        rk_keyboard_set_mode(&g->kb, RK_KB_ID);
        g->kb.modes = 0;
    }
    const char *err = NULL;
    if (g->id_checked && g->id_number[0]) {
        if (strlen(g->id_number) != 18)
            err = S(g, "error.id_length");
        else if (!id_ok(g->id_number))
            err = S(g, "error.id_check");
    }
    r = one && show_name ? 0
                         : rk_field_draw(g->ui, "form.id", rk_rect_cut_top(&right, fh),
                                         S(g, "form.id_number"), &id, err);
    if (r & RK_FIELD_FOCUSED) rk_keyboard_set_mode(&g->kb, RK_KB_ID), g->kb.modes = 0;
    if (r & RK_FIELD_CHANGED) g->id_checked = strlen(g->id_number) == 18;
    if (r & RK_FIELD_SUBMIT) {
        g->id_checked = 1;
        if (id_ok(g->id_number)) gallery_show(g, G_FORM2);
    }
    finish(g);
}

static void screen_form2(gallery *g)
{
    rk_rect c = chrome(g, NULL, 1, 1, 1);
    keyboard_area(g, &c);
    int gap = rk_ui_px(g->ui, 32);
    rk_rect left = rk_rect_column(c, 2, 0, gap), right = rk_rect_column(c, 2, 1, gap);
    int fh = rk_field_height(g->ui);
    if (fh > c.h) fh = c.h;
    rk_field mobile = {g->mobile, sizeof g->mobile, RK_FIELD_MOBILE, 11, NULL};
    rk_field pin = {g->pin, sizeof g->pin, RK_FIELD_PIN, 8, NULL};
    const char *err =
        g->mobile[0] && strlen(g->mobile) != 11 && !rk_ui_has_focus(g->ui, "form.mobile")
            ? S(g, "error.mobile")
            : NULL;
    int r = rk_field_draw(g->ui, "form.mobile", rk_rect_cut_top(&left, fh), S(g, "form.mobile"),
                          &mobile, err);
    if (r & RK_FIELD_SUBMIT) rk_ui_set_focus(g->ui, "form.pin");
    r = rk_field_draw(g->ui, "form.pin", rk_rect_cut_top(&right, fh), S(g, "form.pin"), &pin, NULL);
    if (r & RK_FIELD_SUBMIT) gallery_show(g, G_DOCUMENTS);
    finish(g);
}

typedef struct rows {
    gallery *g;
    int kind; /* 0 documents, 1 fees, 2 queue */
    char buf[128];
} rows;

static const char *doc_cell(void *arg, int row, int col, int *flags)
{
    rows *r = arg;
    static const char *keys[3] = {"documents.id_copy", "documents.licence", "documents.form"};
    const char *state = S(r->g, row < 2 ? "documents.given" : "documents.missing");
    if (col == 1 || r->kind == 3) *flags = row < 2 ? RK_CELL_SUCCESS : RK_CELL_WARNING;
    if (r->kind == 3) {
        /* One column (large type): the document and its state together. */
        const char *args[2] = {S(r->g, keys[row % 3]), state};
        rk_strings_format(r->buf, sizeof r->buf, S(r->g, "documents.with_state"), args, 2);
        return r->buf;
    }
    return col == 0 ? S(r->g, keys[row % 3]) : state;
}

static void screen_documents(gallery *g)
{
    rk_rect c = chrome(g, S(g, "documents.title"), 2, 1, 1);
    int gap = rk_ui_px(g->ui, 32);
    rk_rect left = rk_rect_cut_left(&c, c.w * 2 / 5);
    rk_rect_cut_left(&c, gap);
    int one = rk_ui_large(g->ui) || rk_ui_screen(g->ui).w < rk_ui_screen(g->ui).h;
    rows r = {g, one ? 3 : 0, ""};
    rk_list_column cols[2] = {{S(g, "documents.item"), 3, RK_ALIGN_LEFT},
                              {S(g, "documents.state"), 2, RK_ALIGN_LEFT}};
    g->docs.row_lines = one ? 2 : 1;
    int th = rk_ui_px(g->ui, 200);
    rk_rect thumbs = rk_rect_cut_bottom(&left, th);
    rk_rect_cut_bottom(&left, gap);
    int row = rk_listview_draw(g->ui, "docs", left, &g->docs, cols, one ? 1 : 2, 3, doc_cell, &r);
    if (row >= 0) g->selected_doc = row == 2 ? 1 : 0;
    if (rk_imageview_thumb(g->ui, "thumb.0", rk_rect_column(thumbs, 2, 0, gap), g->doc,
                           g->selected_doc == 0))
        g->selected_doc = 0, rk_imageview_reset(&g->view);
    if (rk_imageview_thumb(g->ui, "thumb.1", rk_rect_column(thumbs, 2, 1, gap), g->thumb2,
                           g->selected_doc == 1))
        g->selected_doc = 1, rk_imageview_reset(&g->view);
    rk_imageview_draw(g->ui, "doc", c, g->selected_doc ? g->thumb2 : g->doc, &g->view);
    finish(g);
}

static const char *fee_cell(void *arg, int row, int col, int *flags)
{
    rows *r = arg;
    (void)flags;
    if (col == 0) return S(r->g, row == 0 ? "fees.cert" : "fees.medium");
    return row == 0 ? "￥300.00" : "￥80.00";
}

static void screen_fees(gallery *g)
{
    rk_rect c = chrome(g, S(g, "fees.title"), 3, 1, 1);
    rows r = {g, 1, ""};
    rk_list_column cols[2] = {{S(g, "fees.item"), 3, RK_ALIGN_LEFT},
                              {S(g, "fees.amount"), 1, RK_ALIGN_RIGHT}};
    int rh = rk_listview_row_height(g->ui, 1);
    rk_list_state fs = {0, -1, 1};
    rk_listview_draw(g->ui, "fees", rk_rect_cut_top(&c, rh * 3 + rk_ui_px(g->ui, 8)), &fs, cols, 2,
                     2, fee_cell, &r);
    rk_rect_cut_top(&c, rk_ui_px(g->ui, 24));
    int nh = row_h(g->ui, RK_UI_TEXT_NUMBER);
    rk_rect total = rk_rect_cut_top(&c, nh);
    rk_widget_label(g->ui, "fees.total", rk_rect_cut_left(&total, total.w / 2), S(g, "fees.total"),
                    RK_UI_TEXT_HEADING, 0);
    rk_widget_number(g->ui, "fees.sum", total, "￥380.00");
    rk_rect_cut_top(&c, rk_ui_px(g->ui, 24));
    int fl = rk_ui_text_lines(g->ui, S(g, "fees.free"), RK_UI_TEXT_BODY,
                              c.w - rk_ui_font(g->ui, RK_UI_TEXT_BODY) - rk_ui_px(g->ui, 12));
    rk_widget_status(g->ui, "fees.free", rk_rect_cut_top(&c, row_h(g->ui, RK_UI_TEXT_BODY) * fl),
                     RK_STATUS_INFO, S(g, "fees.free"), 0);
    rk_button next = {.label = S(g, "form.next"), .kind = RK_BTN_PRIMARY, .icon = RK_ICON_RIGHT};
    int bw = rk_widget_button_width(g->ui, &next), bh = rk_widget_button_height(g->ui, &next);
    rk_rect br = rk_rect_cut_bottom(&c, bh);
    if (rk_widget_button_ex(
            g->ui, "fees.next",
            rk_rect_cut_right(&br, bw < rk_ui_px(g->ui, 320) ? rk_ui_px(g->ui, 320) : bw), &next))
        gallery_show(g, G_PAY);
    finish(g);
}

static void screen_pay(gallery *g)
{
    rk_rect c = chrome(g, S(g, "pay.title"), 4, 1, 1);
    int lh = row_h(g->ui, RK_UI_TEXT_BODY), nh = row_h(g->ui, RK_UI_TEXT_NUMBER);
    rk_rect top = rk_rect_cut_top(&c, nh);
    rk_widget_label(g->ui, "pay.amount_label", rk_rect_cut_left(&top, top.w / 2),
                    S(g, "pay.amount"), RK_UI_TEXT_HEADING, RK_ALIGN_RIGHT);
    rk_widget_number(g->ui, "pay.amount", top, "￥380.00");
    rk_rect bottom = rk_rect_cut_bottom(&c, lh * 2);
    rk_widget_muted(g->ui, "pay.scan", bottom, S(g, "pay.scan"), 0, RK_ALIGN_CENTER | RK_UI_WRAP);
    rk_imageview_qr(g->ui, rk_rect_inset(c, rk_ui_px(g->ui, 16)), g->qr);
    finish(g);
}

static void screen_progress(gallery *g)
{
    rk_rect c = chrome(g, NULL, 5, 0, 0);
    int gap = rk_ui_px(g->ui, 32);
    rk_rect a = rk_rect_row(c, 2, 0, gap), b = rk_rect_row(c, 2, 1, gap);
    if (!g->cancelled) {
        if (rk_widget_progress(g->ui, "progress.write", a, S(g, "progress.writing"), 0.6, 3, 5, 20,
                               S(g, "progress.cancel"))) {
            action(g, "cancel");
            g->cancelled = 1;
        }
    } else {
        rk_widget_status(g->ui, "progress.cancelled", a, RK_STATUS_WARNING, S(g, "status.error"),
                         0);
    }
    rk_widget_progress(g->ui, "progress.print", b, S(g, "progress.printing"), g->busy ? 0.3 : -1.0,
                       0, 0, 5, NULL);
    finish(g);
}

static void screen_rating(gallery *g)
{
    rk_rect c = chrome(g, S(g, "rating.title"), -1, 0, 0);
    int lh = row_h(g->ui, RK_UI_TEXT_HEADING);
    rk_rect faces = rk_rect_center(c, c.w, c.h * 3 / 5);
    if (rk_widget_rating(g->ui, "rating", faces, &g->rating)) action(g, "rating");
    if (g->rating) {
        rk_rect r = rk_rect_cut_bottom(&c, lh);
        rk_widget_status(g->ui, "rating.thanks", r, RK_STATUS_SUCCESS, S(g, "rating.thanks"),
                         RK_UI_TEXT_HEADING);
    }
    finish(g);
}

static const char *queue_cell(void *arg, int row, int col, int *flags)
{
    rows *r = arg;
    static const char *names[] = {"张*", "李**", "王*明", "赵*", "陈**", "刘*华"};
    static const char *kinds[] = {"home.new", "home.renew", "home.unlock", "home.change"};
    switch (col) {
    case 0: snprintf(r->buf, sizeof r->buf, "DEMO01-20260315-%04d", 40 + row); return r->buf;
    case 1: *flags = RK_CELL_PERSONAL; return names[row % 6];
    case 2: return S(r->g, kinds[row % 4]);
    default:
        if (row % 5 == 0) {
            *flags = RK_CELL_ERROR;
            snprintf(r->buf, sizeof r->buf, "%s 03-%02d", S(r->g, "queue.overdue"), 10 + row % 5);
        } else {
            snprintf(r->buf, sizeof r->buf, "03-%02d", 18 + row % 9);
        }
        return r->buf;
    }
}

static void screen_queue(gallery *g)
{
    rk_rect s = rk_ui_screen(g->ui);
    rk_rect c = rk_rect_inset(s, rk_ui_px(g->ui, 48));
    int hh = row_h(g->ui, RK_UI_TEXT_HEADING);
    rk_widget_heading(g->ui, "queue.title", rk_rect_cut_top(&c, hh), S(g, "queue.title"));
    rk_rect_cut_top(&c, rk_ui_px(g->ui, 24));
    rows r = {g, 2, ""};
    g->queue.row_lines = rk_ui_large(g->ui) || s.w < s.h ? 2 : 1;
    rk_list_column cols[4] = {{S(g, "queue.order"), 4, RK_ALIGN_LEFT},
                              {S(g, "queue.subject"), 2, RK_ALIGN_LEFT},
                              {S(g, "queue.kind"), 3, RK_ALIGN_LEFT},
                              {S(g, "queue.deadline"), 3, RK_ALIGN_LEFT}};
    int row = rk_listview_draw(g->ui, "queue", c, &g->queue, cols, 4, 30, queue_cell, &r);
    if (row >= 0) action(g, "queue.row");
}

static void screen_status(gallery *g)
{
    rk_rect c = chrome(g, S(g, "gallery.title"), -1, 1, 0);
    int lh = row_h(g->ui, RK_UI_TEXT_BODY), gap = rk_ui_px(g->ui, 16);
    rk_rect left = rk_rect_column(c, 2, 0, rk_ui_px(g->ui, 32));
    rk_rect right = rk_rect_column(c, 2, 1, rk_ui_px(g->ui, 32));
    const rk_status_kind kinds[4] = {RK_STATUS_SUCCESS, RK_STATUS_WARNING, RK_STATUS_ERROR,
                                     RK_STATUS_INFO};
    const char *keys[4] = {"status.success", "status.warning", "status.error", "status.info"};
    for (int i = 0; i < 4; i++) {
        char id[32];
        snprintf(id, sizeof id, "status.%d", i);
        rk_widget_status(g->ui, id, rk_rect_cut_top(&left, lh * 2), kinds[i], S(g, keys[i]), 0);
        rk_rect_cut_top(&left, gap);
    }
    /* A rare character (U+2A6A5, extension B) the font lacks: drawn as a
     * box with its code point. */
    rk_widget_label(g->ui, "status.rare_name", rk_rect_cut_top(&right, row_h(g->ui, 40)),
                    "张\xF0\xAA\x9A\xA5明 / 王\xF0\xA0\x80\x80", 40, RK_UI_PERSONAL);
    rk_widget_muted(g->ui, "status.rare", rk_rect_cut_top(&right, lh * 2), S(g, "error.rare"), 0,
                    RK_UI_WRAP);
    rk_rect_cut_top(&right, gap);
    char masked[64];
    rk_field_mask(RK_FIELD_ID, "11010519491231002X", masked, sizeof masked);
    rk_widget_label(g->ui, "status.id", rk_rect_cut_top(&right, row_h(g->ui, 40)), masked, 40, 0);
    rk_field_mask(RK_FIELD_MOBILE, "13812345678", masked, sizeof masked);
    rk_widget_label(g->ui, "status.mobile", rk_rect_cut_top(&right, row_h(g->ui, 40)), masked, 40,
                    0);
    rk_rect_cut_top(&right, gap);
    rk_button b = {.label = S(g, "dialog.yes"), .kind = RK_BTN_PRIMARY};
    rk_rect br = rk_rect_cut_top(&right, rk_widget_button_height(g->ui, &b));
    rk_widget_button_ex(g->ui, "status.primary", rk_rect_column(br, 2, 0, gap), &b);
    b.kind = RK_BTN_DANGER;
    b.label = S(g, "home.revoke");
    rk_widget_button_ex(g->ui, "status.danger", rk_rect_column(br, 2, 1, gap), &b);
    finish(g);
}

static void screen_idle(gallery *g)
{
    rk_ui_set_input(g->ui, 0);
    screen_form(g);
    int r = rk_dialog_countdown(g->ui, "idle", S(g, "idle.title"), S(g, "idle.message"),
                                g->idle_deadline, S(g, "idle.more"));
    if (r == RK_DIALOG_YES) {
        action(g, "idle.more");
        g->idle_deadline = rk_ui_now(g->ui) + 30000;
    } else if (r == RK_DIALOG_TIMEOUT) {
        action(g, "idle.timeout");
        g->idle_result = r;
        /* The visit's data goes: buffers, textures, the composition. */
        rk_wipe(g->name, sizeof g->name);
        rk_wipe(g->id_number, sizeof g->id_number);
        rk_wipe(g->mobile, sizeof g->mobile);
        rk_wipe(g->pin, sizeof g->pin);
        rk_keyboard_reset(&g->kb);
        if (g->ime) rk_ime_reset(g->ime);
        rk_ui_wipe(g->ui);
        gallery_show(g, G_HOME);
    }
}

void gallery_frame(gallery *g)
{
    rk_ui_begin(g->ui, gallery_screen_name(g->screen));
    switch (g->screen) {
    case G_HOME: screen_home(g); break;
    case G_KIND: screen_kind(g); break;
    case G_FORM: screen_form(g); break;
    case G_FORM2: screen_form2(g); break;
    case G_DOCUMENTS: screen_documents(g); break;
    case G_FEES: screen_fees(g); break;
    case G_PAY: screen_pay(g); break;
    case G_PROGRESS: screen_progress(g); break;
    case G_RATING: screen_rating(g); break;
    case G_QUEUE: screen_queue(g); break;
    case G_STATUS: screen_status(g); break;
    case G_IDLE: screen_idle(g); break;
    default: break;
    }
    rk_widget_check_targets(g->ui);
    rk_ui_end(g->ui);
}

int gallery_app(void *arg, const char *words)
{
    gallery *g = arg;
    char w[256], *save = NULL, *cmd, *a1;
    snprintf(w, sizeof w, "%s", words);
    cmd = strtok_r(w, " ", &save);
    a1 = strtok_r(NULL, " ", &save);
    if (!cmd) return rk_err_set(RK_EINVAL, "gallery: empty app command");
    if (!strcmp(cmd, "screen") && a1) {
        int s = gallery_screen_by_name(a1);
        if (s < 0) return rk_err_set(RK_EINVAL, "gallery: no screen %s", a1);
        gallery_show(g, (gallery_screen)s);
        return 0;
    }
    if (!strcmp(cmd, "keyboard") && a1) {
        static const char *modes[] = {"pinyin", "latin", "digits", "id", "punct", "stroke"};
        for (int m = 0; m < RK_KB_MODES; m++) {
            if (!strcmp(modes[m], a1)) {
                rk_keyboard_set_mode(&g->kb, (rk_kb_mode)m);
                g->kb.modes = RK_KB_TEXT_MODES;
                return 0;
            }
        }
        return rk_err_set(RK_EINVAL, "gallery: no keyboard mode %s", a1);
    }
    if (!strcmp(cmd, "expect-field") && a1) {
        const char *rest = save && *save ? save : "";
        const char *v = !strcmp(a1, "name")     ? g->name
                        : !strcmp(a1, "id")     ? g->id_number
                        : !strcmp(a1, "mobile") ? g->mobile
                        : !strcmp(a1, "pin")    ? g->pin
                                                : NULL;
        if (!v) return rk_err_set(RK_EINVAL, "gallery: no field %s", a1);
        if (strcmp(v, rest) != 0)
            return rk_err_set(RK_EVERIFY, "gallery: field %s holds '%s', expected '%s'", a1,
                              !strcmp(a1, "pin") ? "(secret)" : v, rest);
        return 0;
    }
    if (!strcmp(cmd, "expect-action") && a1) {
        if (strcmp(g->last_action, a1) != 0)
            return rk_err_set(RK_EVERIFY, "gallery: last action '%s', expected '%s'",
                              g->last_action, a1);
        return 0;
    }
    if (!strcmp(cmd, "busy")) {
        g->busy = 1;
        return 0;
    }
    return rk_err_set(RK_EINVAL, "gallery: unknown app command '%s'", cmd);
}
