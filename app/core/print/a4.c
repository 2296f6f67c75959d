/*
 * A4 PDF documents (see a4.h). A small drawing context keeps the cairo
 * context, a pango layout and the current vertical position; tables are
 * rows of bordered cells whose height follows the wrapped text.
 */
#include "a4.h"

#include "util/err.h"
#include "util/file.h"
#include "util/utf8.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <limits.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN 50.0
#define FONT   "WenQuanYi Micro Hei"
#define PAD    5.0

typedef struct doc {
    cairo_surface_t *sf;
    cairo_t *cr;
    PangoLayout *lay;
    double y;
    rk_file_atomic *out; /* the PDF is streamed into the file that replaces path */
} doc;

static cairo_status_t pdf_write(void *f, const unsigned char *data, unsigned int n)
{
    return rk_file_atomic_write(f, data, n) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

static int doc_open(doc *d, const char *path, const char *title)
{
    memset(d, 0, sizeof *d);
    int rc = rk_file_atomic_open(&d->out, path, 0644);
    if (rc) return rc;
    d->sf = cairo_pdf_surface_create_for_stream(pdf_write, d->out, PAGE_W, PAGE_H);
    if (cairo_surface_status(d->sf) != CAIRO_STATUS_SUCCESS) {
        rc = rk_err_set(RK_EIO, "cannot write %s: %s", path,
                        cairo_status_to_string(cairo_surface_status(d->sf)));
        cairo_surface_destroy(d->sf);
        rk_file_atomic_abort(d->out);
        return rc;
    }
    cairo_pdf_surface_set_metadata(d->sf, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(d->sf, CAIRO_PDF_METADATA_CREATOR, "rakiosk");
    d->cr = cairo_create(d->sf);
    d->lay = pango_cairo_create_layout(d->cr);
    d->y = MARGIN;
    return 0;
}

static int doc_close(doc *d)
{
    g_object_unref(d->lay);
    cairo_destroy(d->cr);
    cairo_surface_finish(d->sf);
    cairo_status_t st = cairo_surface_status(d->sf);
    cairo_surface_destroy(d->sf);
    if (st == CAIRO_STATUS_SUCCESS) return rk_file_atomic_commit(d->out);
    int rc = st == CAIRO_STATUS_WRITE_ERROR /* the file's own message is set */
                 ? RK_EIO
                 : rk_err_set(RK_EIO, "cannot write %s: %s", rk_file_atomic_path(d->out),
                              cairo_status_to_string(st));
    rk_file_atomic_abort(d->out);
    return rc;
}

static void set_font(doc *d, double size, int bold)
{
    PangoFontDescription *fd = pango_font_description_from_string(FONT);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    if (bold) pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(d->lay, fd);
    pango_font_description_free(fd);
}

/* Lays out text in width w (points); returns its height. */
static double measure(doc *d, const char *text, double w, PangoAlignment al)
{
    pango_layout_set_width(d->lay, (int)(w * PANGO_SCALE));
    pango_layout_set_wrap(d->lay, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(d->lay, al);
    pango_layout_set_text(d->lay, text, -1);
    int pw, ph;
    pango_layout_get_size(d->lay, &pw, &ph);
    return (double)ph / PANGO_SCALE;
}

/* The largest font size from size down to min at which text fits on one
 * line of width w (min if it never does); the font is left set to it. */
static double fit_size(doc *d, const char *text, double w, double size, double min, int bold)
{
    for (;;) {
        set_font(d, size, bold);
        pango_layout_set_width(d->lay, -1);
        pango_layout_set_text(d->lay, text, -1);
        int pw, ph;
        pango_layout_get_size(d->lay, &pw, &ph);
        double tw = (double)pw / PANGO_SCALE;
        if (tw <= w || size <= min) return size;
        double next = size * w / tw;
        size = next < size - 0.5 ? next : size - 0.5;
        if (size < min) size = min;
    }
}

static void show(doc *d, double x, double y, const char *text, double w, PangoAlignment al)
{
    measure(d, text, w, al);
    cairo_set_source_rgb(d->cr, 0, 0, 0);
    cairo_move_to(d->cr, x, y);
    pango_cairo_show_layout(d->cr, d->lay);
}

static void new_page_if(doc *d, double need)
{
    if (d->y + need <= PAGE_H - MARGIN) return;
    cairo_show_page(d->cr);
    d->y = MARGIN;
}

static void title(doc *d, const char *text, double size)
{
    set_font(d, size, 1);
    double h = measure(d, text, PAGE_W - 2 * MARGIN, PANGO_ALIGN_CENTER);
    show(d, MARGIN, d->y, text, PAGE_W - 2 * MARGIN, PANGO_ALIGN_CENTER);
    d->y += h + 6;
}

static void para(doc *d, const char *text, double size)
{
    set_font(d, size, 0);
    double h = measure(d, text, PAGE_W - 2 * MARGIN, PANGO_ALIGN_LEFT);
    new_page_if(d, h);
    show(d, MARGIN, d->y, text, PAGE_W - 2 * MARGIN, PANGO_ALIGN_LEFT);
    d->y += h + 6;
}

static void box(doc *d, double x, double y, double w, double h, double grey)
{
    if (grey < 1) {
        cairo_set_source_rgb(d->cr, grey, grey, grey);
        cairo_rectangle(d->cr, x, y, w, h);
        cairo_fill(d->cr);
    }
    cairo_set_source_rgb(d->cr, 0, 0, 0);
    cairo_set_line_width(d->cr, 0.7);
    cairo_rectangle(d->cr, x, y, w, h);
    cairo_stroke(d->cr);
}

/* One table row of n cells with relative widths; header cells are grey. */
static void row(doc *d, int n, const char *const *cells, const double *widths, const int *header)
{
    double total = PAGE_W - 2 * MARGIN, h = 0, sum = 0;
    for (int i = 0; i < n; i++)
        sum += widths[i];
    set_font(d, 10.5, 0);
    for (int i = 0; i < n; i++) {
        set_font(d, 10.5, header && header[i]);
        double hh = measure(d, cells[i], widths[i] / sum * total - 2 * PAD, PANGO_ALIGN_LEFT);
        if (hh > h) h = hh;
    }
    h += 2 * PAD;
    if (h < 22) h = 22;
    new_page_if(d, h);
    double x = MARGIN;
    for (int i = 0; i < n; i++) {
        double w = widths[i] / sum * total;
        box(d, x, d->y, w, h, header && header[i] ? 0.92 : 1);
        set_font(d, 10.5, header && header[i]);
        show(d, x + PAD, d->y + PAD, cells[i], w - 2 * PAD, PANGO_ALIGN_LEFT);
        x += w;
    }
    d->y += h;
}

/* label | value | label | value, or label | value spanning when b is NULL. */
static void pair_row(doc *d, const char *la, const char *va, const char *lb, const char *vb)
{
    static const int hdr[4] = {1, 0, 1, 0};
    if (lb) {
        const char *c[4] = {la, va, lb, vb};
        static const double w[4] = {1.5, 2.0, 1.5, 2.0};
        row(d, 4, c, w, hdr);
    } else {
        const char *c[2] = {la, va};
        static const double w[2] = {1.5, 5.5};
        row(d, 2, c, w, hdr);
    }
}

static void section(doc *d, const char *text)
{
    d->y += 8;
    set_font(d, 12, 1);
    new_page_if(d, 40);
    show(d, MARGIN, d->y, text, PAGE_W - 2 * MARGIN, PANGO_ALIGN_LEFT);
    d->y += 20;
}

/* Boxes for handwritten signatures and the seal, side by side. */
static void sign_boxes(doc *d, int n, const char *const *labels, double h)
{
    double gap = 12, w = (PAGE_W - 2 * MARGIN - gap * (n - 1)) / n;
    new_page_if(d, h + 10);
    for (int i = 0; i < n; i++) {
        double x = MARGIN + i * (w + gap);
        box(d, x, d->y, w, h, 1);
        set_font(d, 10.5, 1);
        show(d, x + PAD, d->y + PAD, labels[i], w - 2 * PAD, PANGO_ALIGN_LEFT);
    }
    d->y += h + 10;
}

/* The form of an order: its own fields with their forms.ini labels. */
static int form_fields_pdf(const char *path, const rk_a4_form *f)
{
    doc d;
    char buf[512];
    int rc;

    if (!f->operation[0] || !f->order_ref[0] || f->n_fields > RK_A4_MAX_ROWS)
        return rk_err_set(RK_EINVAL, "the application form needs the order reference and the "
                                     "operation type");
    if ((rc = doc_open(&d, path, "数字证书业务申请表")) != 0) return rc;
    title(&d, "数字证书业务申请表", 20);
    snprintf(buf, sizeof buf, "受理点: %s    受理单号: %s", f->branch_name, f->order_ref);
    set_font(&d, 10.5, 0);
    show(&d, MARGIN, d.y, buf, PAGE_W - 2 * MARGIN, PANGO_ALIGN_CENTER);
    d.y += 22;
    section(&d, "一、业务信息");
    pair_row(&d, "业务类型", f->operation, "证书类别", f->category);
    snprintf(buf, sizeof buf, "二、申请信息%s%s%s", f->subscriber_kind[0] ? " (" : "",
             f->subscriber_kind, f->subscriber_kind[0] ? ")" : "");
    section(&d, buf);
    for (int i = 0; i < f->n_fields; i++)
        pair_row(&d, f->fields[i].label, f->fields[i].value, NULL, NULL);
    d.y += 10;
    para(&d,
         "申请人承诺: 以上信息真实、准确、完整; 已阅读并同意数字证书服务协议; "
         "证书及USB Key由申请人妥善保管, 因保管不善造成的后果由申请人承担。",
         10.5);
    static const char *const signs[3] = {"申请人/法定代表人签字", "经办人签字", "单位盖章"};
    sign_boxes(&d, 3, signs, 110);
    snprintf(buf, sizeof buf, "日期: %s", f->date[0] ? f->date : "      年    月    日");
    para(&d, buf, 10.5);
    return doc_close(&d);
}

int rk_a4_form_pdf(const char *path, const rk_a4_form *f)
{
    doc d;
    char buf[512];
    int rc;

    if (f->n_fields > 0) return form_fields_pdf(path, f);
    if (!f->enterprise[0] || !f->credit_code[0] || !f->operation[0])
        return rk_err_set(RK_EINVAL, "the application form needs the enterprise name, the "
                                     "unified social credit code and the operation type");
    if ((rc = doc_open(&d, path, "数字证书业务申请表")) != 0) return rc;
    title(&d, "数字证书业务申请表", 20);
    snprintf(buf, sizeof buf, "受理点: %s    受理单号: %s", f->branch_name, f->order_ref);
    set_font(&d, 10.5, 0);
    show(&d, MARGIN, d.y, buf, PAGE_W - 2 * MARGIN, PANGO_ALIGN_CENTER);
    d.y += 22;

    section(&d, "一、单位信息");
    pair_row(&d, "单位名称", f->enterprise, NULL, NULL);
    pair_row(&d, "统一社会信用代码", f->credit_code, "社保登记号", f->social_security_no);

    section(&d, "二、法定代表人 (已实名核验)");
    pair_row(&d, "姓名", f->legal.name, "手机号码", f->legal.mobile);
    pair_row(&d, "身份证号码", f->legal.id_number, NULL, NULL);

    section(&d, "三、经办人");
    pair_row(&d, "姓名", f->agent.name, "手机号码", f->agent.mobile);
    pair_row(&d, "身份证号码", f->agent.id_number, NULL, NULL);
    pair_row(&d, "电子邮箱", f->email, NULL, NULL);

    section(&d, "四、业务信息");
    pair_row(&d, "项目", f->project, "地区", f->region);
    pair_row(&d, "证书类别", f->category, "业务类型", f->operation);
    pair_row(&d, "发票类型", f->invoice_type, "领取方式", f->self_pickup ? "自取" : "邮寄");
    pair_row(&d, "邮寄地址", f->self_pickup ? "(自取, 无需邮寄)" : f->address, NULL, NULL);

    d.y += 10;
    para(&d,
         "本单位承诺: 以上信息真实、准确、完整; 已阅读并同意数字证书服务协议; "
         "证书及USB Key由本单位妥善保管, 因保管不善造成的后果由本单位承担。",
         10.5);
    static const char *const signs[3] = {"法定代表人签字", "经办人签字", "单位盖章"};
    sign_boxes(&d, 3, signs, 110);
    snprintf(buf, sizeof buf, "日期: %s", f->date[0] ? f->date : "      年    月    日");
    para(&d, buf, 10.5);
    return doc_close(&d);
}

int rk_a4_record_pdf(const char *path, const rk_a4_record *r)
{
    doc d;
    char buf[512];
    int rc;

    if (!r->order_ref[0]) return rk_err_set(RK_EINVAL, "the record needs the order reference");
    if ((rc = doc_open(&d, path, "任务完成记录单")) != 0) return rc;
    title(&d, "任务完成记录单", 20);
    snprintf(buf, sizeof buf, "受理点: %s", r->branch_name);
    set_font(&d, 10.5, 0);
    show(&d, MARGIN, d.y, buf, PAGE_W - 2 * MARGIN, PANGO_ALIGN_CENTER);
    d.y += 26;
    pair_row(&d, "受理单号", r->order_ref, "业务类型", r->operation);
    pair_row(&d, r->subject_label[0] ? r->subject_label : "单位名称", r->enterprise, NULL, NULL);
    pair_row(&d, r->code_label[0] ? r->code_label : "统一社会信用代码", r->credit_code,
             "社保登记号", r->social_security_no);
    pair_row(&d, "证书序列号", r->cert_serial, NULL, NULL);
    pair_row(&d, "USB Key 序列号", r->key_serial, "处理结果", r->result);
    pair_row(&d, "受理时间", r->received_at, "完成时间", r->completed_at);
    pair_row(&d, "受理人", r->entry_clerk, "审核人", r->reviewer);
    pair_row(&d, "制证人", r->issuer, NULL, NULL);
    pair_row(&d, "备注", r->notes, NULL, NULL);
    d.y += 16;
    static const char *const signs[2] = {"领取人签字", "经办人签字"};
    sign_boxes(&d, 2, signs, 90);
    para(&d, "日期:       年    月    日", 10.5);
    return doc_close(&d);
}

int rk_a4_labels_pdf(const char *path, const rk_a4_label *labels, int n)
{
    doc d;
    char buf[256];
    int rc;

    if (n < 1 || n > RK_A4_MAX_LABELS)
        return rk_err_set(RK_EINVAL, "1 to %d box labels, not %d", RK_A4_MAX_LABELS, n);
    if ((rc = doc_open(&d, path, "档案盒标签")) != 0) return rc;
    const double gap = 20, w = (PAGE_W - 2 * MARGIN - gap) / 2, h = (PAGE_H - 2 * MARGIN - gap) / 2;
    for (int i = 0; i < n; i++) {
        if (i > 0 && i % 4 == 0) cairo_show_page(d.cr);
        double x = MARGIN + (i % 2) * (w + gap), y = MARGIN + ((i % 4) / 2) * (h + gap);
        const rk_a4_label *l = &labels[i];
        cairo_set_line_width(d.cr, 1.5);
        cairo_rectangle(d.cr, x, y, w, h);
        cairo_stroke(d.cr);
        set_font(&d, 16, 1);
        show(&d, x, y + 16, "档案盒", w, PANGO_ALIGN_CENTER);
        set_font(&d, 11, 0);
        show(&d, x, y + 42, l->branch_name, w, PANGO_ALIGN_CENTER);
        /* The box number, as large as fits on one line (34 pt at most). */
        fit_size(&d, l->box_no, w - 24, 34, 12, 1);
        double bh = measure(&d, l->box_no, w - 24, PANGO_ALIGN_CENTER);
        show(&d, x + 12, y + 70 + (45 - bh) / 2, l->box_no, w - 24, PANGO_ALIGN_CENTER);
        double ty = y + 140;
        const char *keys[6] = {"盒号", "社保号起", "社保号止", "份数", "业务类型", "装盒日期"};
        char count[16];
        snprintf(count, sizeof count, "%d", l->count);
        const char *vals[6] = {l->box_no, l->ss_first, l->ss_last, count, l->business, l->date};
        for (int k = 0; k < 6; k++) {
            set_font(&d, 12, 1);
            show(&d, x + 16, ty, keys[k], 80, PANGO_ALIGN_LEFT);
            fit_size(&d, vals[k], w - 112, 12, 9, 0);
            double vh = measure(&d, vals[k], w - 112, PANGO_ALIGN_LEFT);
            show(&d, x + 96, ty, vals[k], w - 112, PANGO_ALIGN_LEFT);
            ty += vh + 10 > 28 ? vh + 10 : 28;
        }
        snprintf(buf, sizeof buf, "社保号 %s 至 %s, 共 %d 份", l->ss_first, l->ss_last, l->count);
        set_font(&d, 9, 0);
        show(&d, x + 16, y + h - 30, buf, w - 32, PANGO_ALIGN_LEFT);
    }
    return doc_close(&d);
}

int rk_a4_weekly_pdf(const char *path, const rk_a4_weekly *w)
{
    doc d;
    char buf[256];
    int rc;
    static const double widths[5] = {2.2, 1, 1, 1, 3};
    static const int hdr[5] = {1, 1, 1, 1, 1};

    if (w->n_rows < 0 || w->n_rows > RK_A4_MAX_ROWS)
        return rk_err_set(RK_EINVAL, "0 to %d report rows, not %d", RK_A4_MAX_ROWS, w->n_rows);
    if ((rc = doc_open(&d, path, "咨询服务周报")) != 0) return rc;
    title(&d, "咨询服务周报", 20);
    snprintf(buf, sizeof buf, "受理点: %s    统计周期: %s", w->branch_name, w->week);
    set_font(&d, 10.5, 0);
    show(&d, MARGIN, d.y, buf, PAGE_W - 2 * MARGIN, PANGO_ALIGN_CENTER);
    d.y += 26;
    const char *head[5] = {"咨询类别", "咨询次数", "已解决", "待跟进", "备注"};
    row(&d, 5, head, widths, hdr);
    int tc = 0, tr = 0, tf = 0;
    for (int i = 0; i < w->n_rows; i++) {
        const rk_a4_weekly_row *r = &w->rows[i];
        char a[16], b[16], c[16];
        snprintf(a, sizeof a, "%d", r->count);
        snprintf(b, sizeof b, r->count_only ? "—" : "%d", r->resolved);
        snprintf(c, sizeof c, r->count_only ? "—" : "%d", r->follow_up);
        const char *cells[5] = {r->category, a, b, c, r->notes};
        row(&d, 5, cells, widths, r->subtotal ? hdr : NULL);
        if (r->subtotal) continue;
        tc += r->count;
        tr += r->count_only ? 0 : r->resolved;
        tf += r->count_only ? 0 : r->follow_up;
    }
    if (!w->no_total) {
        char a[16], b[16], c[16];
        snprintf(a, sizeof a, "%d", tc);
        snprintf(b, sizeof b, "%d", tr);
        snprintf(c, sizeof c, "%d", tf);
        const char *total[5] = {"合计", a, b, c, ""};
        row(&d, 5, total, widths, hdr);
    }
    d.y += 20;
    snprintf(buf, sizeof buf, "填报人: %s    填报日期: %s    负责人签字: ____________",
             w->prepared_by, w->date);
    para(&d, buf, 10.5);
    return doc_close(&d);
}

static void day_table(doc *d, const rk_a4_day_table *t)
{
    static const int bold[RK_A4_DAY_COLS] = {1, 1, 1, 1, 1, 1, 1, 1};
    double widths[RK_A4_DAY_COLS];
    const char *cells[RK_A4_DAY_COLS];
    for (int c = 0; c < t->n_cols; c++)
        widths[c] = c ? 1 : 1.6;
    for (int r = 0; r < t->n_rows; r++) {
        for (int c = 0; c < t->n_cols; c++)
            cells[c] = t->cells[r][c];
        row(d, t->n_cols, cells, widths, r == 0 || r == t->n_rows - 1 ? bold : NULL);
    }
}

int rk_a4_daily_pdf(const char *path, const rk_a4_daily *dc)
{
    doc d;
    char buf[512];
    int rc;
    const rk_a4_day_table *t[2] = {&dc->orders, &dc->takings};
    for (int i = 0; i < 2; i++)
        if (t[i]->n_rows < 2 || t[i]->n_rows > RK_A4_MAX_ROWS + 2 || t[i]->n_cols < 2 ||
            t[i]->n_cols > RK_A4_DAY_COLS)
            return rk_err_set(RK_EINVAL,
                              "a daily close table needs a heading, a total and 2 "
                              "to %d columns",
                              RK_A4_DAY_COLS);
    if ((rc = doc_open(&d, path, "营业日结单")) != 0) return rc;
    title(&d, dc->closed_by[0] ? "营业日结单" : "营业日结单 (预览, 未日结)", 20);
    snprintf(buf, sizeof buf, "受理点: %s    营业日期: %s", dc->branch_name, dc->date);
    set_font(&d, 10.5, 0);
    show(&d, MARGIN, d.y, buf, PAGE_W - 2 * MARGIN, PANGO_ALIGN_CENTER);
    d.y += 22;
    section(&d, "一、业务量 (笔)");
    day_table(&d, &dc->orders);
    section(&d, "二、收款 (元)");
    day_table(&d, &dc->takings);
    d.y += 12;
    if (dc->sync_note[0]) para(&d, dc->sync_note, 10.5);
    d.y += 8;
    if (dc->closed_by[0])
        snprintf(buf, sizeof buf, "日结人: %s    日结时间: %s    负责人签字: ____________",
                 dc->closed_by, dc->closed_at);
    else
        snprintf(buf, sizeof buf, "本单为预览, 当日尚未日结。");
    para(&d, buf, 10.5);
    return doc_close(&d);
}

int rk_a4_report_pdf(const char *path, const rk_a4_report *r)
{
    static const int bold[RK_A4_REPORT_COLS] = {1, 1, 1, 1, 1, 1, 1, 1};
    doc d;
    int rc;
    for (int t = 0; t < r->n_tables; t++)
        if (r->tables[t].n_cols < 1 || r->tables[t].n_cols > RK_A4_REPORT_COLS ||
            r->tables[t].n_rows < 1)
            return rk_err_set(RK_EINVAL, "a report table needs a heading and 1 to %d columns",
                              RK_A4_REPORT_COLS);
    if ((rc = doc_open(&d, path, r->title)) != 0) return rc;
    title(&d, r->title, 20);
    set_font(&d, 10.5, 0);
    double h = measure(&d, r->subtitle, PAGE_W - 2 * MARGIN, PANGO_ALIGN_CENTER);
    show(&d, MARGIN, d.y, r->subtitle, PAGE_W - 2 * MARGIN, PANGO_ALIGN_CENTER);
    d.y += h + 10;
    for (int t = 0; t < r->n_tables; t++) {
        const rk_a4_table *tb = &r->tables[t];
        section(&d, tb->heading);
        for (int i = 0; i < tb->n_rows; i++) {
            if (i > 0 && d.y + 90 > PAGE_H - MARGIN) { /* a row of up to five lines */
                cairo_show_page(d.cr);
                d.y = MARGIN;
                row(&d, tb->n_cols, tb->cells, tb->widths, bold);
            }
            row(&d, tb->n_cols, tb->cells + (size_t)i * (size_t)tb->n_cols, tb->widths,
                i == 0 ? bold : NULL);
        }
    }
    d.y += 14;
    if (r->footer[0]) para(&d, r->footer, 10.5);
    return doc_close(&d);
}

void rk_a4_form_sample(rk_a4_form *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->branch_name, sizeof f->branch_name, "演示受理点");
    snprintf(f->order_ref, sizeof f->order_ref, "DEMO01-20240513-0042");
    snprintf(f->enterprise, sizeof f->enterprise, "北京如意科技有限公司");
    snprintf(f->credit_code, sizeof f->credit_code, "91110105MA01ABCD2X");
    snprintf(f->legal.name, sizeof f->legal.name, "张如海");
    snprintf(f->legal.id_number, sizeof f->legal.id_number, "110105197805123456");
    snprintf(f->legal.mobile, sizeof f->legal.mobile, "13800138000");
    snprintf(f->agent.name, sizeof f->agent.name, "王小明");
    snprintf(f->agent.id_number, sizeof f->agent.id_number, "110105199003071234");
    snprintf(f->agent.mobile, sizeof f->agent.mobile, "13912345678");
    snprintf(f->email, sizeof f->email, "finance@ruyi.example.cn");
    snprintf(f->invoice_type, sizeof f->invoice_type, "增值税普通发票(电子)");
    f->self_pickup = 0;
    snprintf(f->address, sizeof f->address, "北京市朝阳区建国路88号如意大厦12层");
    snprintf(f->project, sizeof f->project, "社保数字证书");
    snprintf(f->region, sizeof f->region, "北京市朝阳区");
    snprintf(f->category, sizeof f->category, "单位证书");
    snprintf(f->operation, sizeof f->operation, "新办");
    snprintf(f->social_security_no, sizeof f->social_security_no, "11010500123456");
    snprintf(f->date, sizeof f->date, "2024-05-13");
}

void rk_a4_record_sample(rk_a4_record *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->branch_name, sizeof r->branch_name, "演示受理点");
    snprintf(r->order_ref, sizeof r->order_ref, "DEMO01-20240513-0042");
    snprintf(r->enterprise, sizeof r->enterprise, "北京如意科技有限公司");
    snprintf(r->credit_code, sizeof r->credit_code, "91110105MA01ABCD2X");
    snprintf(r->social_security_no, sizeof r->social_security_no, "11010500123456");
    snprintf(r->operation, sizeof r->operation, "新办");
    snprintf(r->cert_serial, sizeof r->cert_serial, "5F3A9C0D11E2");
    snprintf(r->key_serial, sizeof r->key_serial, "5501234567");
    snprintf(r->received_at, sizeof r->received_at, "2024-05-13 10:42");
    snprintf(r->completed_at, sizeof r->completed_at, "2024-05-15 15:10");
    snprintf(r->entry_clerk, sizeof r->entry_clerk, "李娜");
    snprintf(r->reviewer, sizeof r->reviewer, "赵强");
    snprintf(r->issuer, sizeof r->issuer, "李娜");
    snprintf(r->result, sizeof r->result, "已完成, 证书已写入");
    snprintf(r->notes, sizeof r->notes, "申请人当场领取 USB Key");
}

void rk_a4_weekly_sample(rk_a4_weekly *w)
{
    static const struct {
        const char *cat;
        int c, r, f;
        const char *notes;
    } rows[] = {{"证书办理流程", 23, 23, 0, ""},
                {"USB Key 密码锁定", 9, 7, 2, "2 把需远程解锁"},
                {"签名失败 -10101019", 5, 5, 0, "重装驱动后解决"},
                {"发票", 4, 3, 1, "专票信息待核对"},
                {"证书到期续期", 11, 11, 0, ""}};
    memset(w, 0, sizeof *w);
    snprintf(w->branch_name, sizeof w->branch_name, "演示受理点");
    snprintf(w->week, sizeof w->week, "2024-05-13 至 2024-05-17");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        rk_a4_weekly_row *r = &w->rows[w->n_rows++];
        rk_utf8_copy(r->category, sizeof r->category, rows[i].cat);
        r->count = rows[i].c;
        r->resolved = rows[i].r;
        r->follow_up = rows[i].f;
        rk_utf8_copy(r->notes, sizeof r->notes, rows[i].notes);
    }
    snprintf(w->prepared_by, sizeof w->prepared_by, "李娜");
    snprintf(w->date, sizeof w->date, "2024-05-17");
}

int rk_a4_labels_sample(rk_a4_label *labels, int max)
{
    int n = max < 2 ? max : 2;
    for (int i = 0; i < n; i++) {
        rk_a4_label *l = &labels[i];
        memset(l, 0, sizeof *l);
        snprintf(l->branch_name, sizeof l->branch_name, "演示受理点");
        /* An old short number and one of today's length (<branch>-XF-<year>-NNNN). */
        if (i == 0)
            snprintf(l->box_no, sizeof l->box_no, "2024-%03d", 17);
        else
            snprintf(l->box_no, sizeof l->box_no, "DEMO01-XF-2024-%04d", 17 + i);
        snprintf(l->ss_first, sizeof l->ss_first, "110105%08d", 1000 + i * 100);
        snprintf(l->ss_last, sizeof l->ss_last, "110105%08d", 1099 + i * 150);
        l->count = i == 0 ? 100 : 150;
        rk_utf8_copy(l->business, sizeof l->business, i == 0 ? "新办" : "续期");
        snprintf(l->date, sizeof l->date, "2024-05-17");
    }
    return n;
}
