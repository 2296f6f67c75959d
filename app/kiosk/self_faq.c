/*
 * Help: the knowledge base (conf/knowledge.ini, domain/knowledge.h) on
 * the kiosk. "faq" lists every question and, once words or an error code
 * are typed (pinyin on the on-screen keyboard), the best answers first;
 * "faq_article" shows one answer in the screen's language with its error
 * code in small type for the clerk. The search is in memory and takes
 * microseconds, so it runs on the UI thread at every change.
 */
#include "self.h"

#include "ui/field.h"

#include <stdio.h>
#include <string.h>

static const char *title_of(kiosk *k, const rk_knowledge_entry *e)
{
    return rk_ui_lang(k->ui) == 1 ? e->title_en : e->title_zh;
}

static void search(self_state *s)
{
    if (s->faq.searched && !strcmp(s->faq.last, s->faq.query)) return;
    s->faq.n_hits = 0;
    if (s->kb) rk_knowledge_search(s->kb, s->faq.query, s->faq.hits, SELF_HITS, &s->faq.n_hits);
    snprintf(s->faq.last, sizeof s->faq.last, "%s", s->faq.query);
    s->faq.searched = 1;
    s->faq.list.scroll = 0;
    s->faq.list.selected = -1;
}

typedef struct cells {
    kiosk *k;
    self_state *s;
} cells;

static const char *cell(void *arg, int row, int col, int *flags)
{
    cells *c = arg;
    (void)col;
    (void)flags;
    return title_of(c->k, c->s->faq.hits[row].entry);
}

void scr_faq(kiosk *k)
{
    self_state *s = self_get();
    rk_ui *ui = k->ui;
    if (kiosk_entering(k)) {
        search(s);
        self_keyboard(k, RK_KB_PINYIN, RK_KB_TEXT_MODES);
    }
    rk_chrome c = {.title = kiosk_str(k, "faq.title"), .back = 1, .start_over = 1};
    rk_rect content = kiosk_chrome(k, &c);
    int gap = rk_ui_px(ui, RK_UI_GAP);
    int typing = rk_ui_has_focus(ui, "faq.q");
    if (typing) self_keyboard_area(k, &content);

    rk_field f = {s->faq.query, sizeof s->faq.query, RK_FIELD_TEXT, 40, kiosk_str(k, "faq.hint")};
    int fh = rk_field_height_inline(ui);
    if (!typing) fh = rk_field_height(ui);
    if (fh > content.h / 2) fh = content.h / 2;
    int r = rk_field_draw(ui, "faq.q", rk_rect_cut_top(&content, fh), kiosk_str(k, "faq.label"), &f,
                          NULL);
    if (r & RK_FIELD_FOCUSED) self_keyboard(k, RK_KB_PINYIN, RK_KB_TEXT_MODES);
    if (r & RK_FIELD_SUBMIT) rk_ui_clear_focus(ui);
    rk_rect_cut_top(&content, gap);
    search(s);

    if (!s->kb) {
        rk_widget_status(ui, "faq.unavailable", rk_rect_cut_top(&content, content.h / 2),
                         RK_STATUS_ERROR, kiosk_str(k, "faq.unavailable"), 0);
    } else if (s->faq.n_hits == 0) {
        rk_widget_status(ui, "faq.none", rk_rect_cut_top(&content, content.h / 2), RK_STATUS_INFO,
                         kiosk_str(k, "faq.none"), 0);
    } else if (content.h >= rk_listview_row_height(ui, 2) * 2) {
        cells cl = {k, s};
        rk_list_column col = {kiosk_str(k, "faq.column"), 1, RK_ALIGN_LEFT};
        s->faq.list.row_lines = 2;
        int row = rk_listview_draw(ui, "faq.list", content, &s->faq.list, &col, 1, s->faq.n_hits,
                                   cell, &cl);
        if (row >= 0 && row < s->faq.n_hits) {
            s->faq.article = s->faq.hits[row].entry;
            rk_ui_clear_focus(ui);
            kiosk_go(k, KS_FAQ_ARTICLE);
        }
    }
    kiosk_chrome_end(k);
}

void scr_faq_article(kiosk *k)
{
    self_state *s = self_get();
    rk_ui *ui = k->ui;
    const rk_knowledge_entry *e = s->faq.article;
    if (!e) {
        kiosk_back(k);
        return;
    }
    rk_chrome c = {.title = title_of(k, e), .back = 1, .start_over = 1};
    rk_rect content = kiosk_chrome(k, &c);
    int gap = rk_ui_px(ui, RK_UI_GAP);
    if (e->code[0]) {
        char code[96];
        self_format(k, code, sizeof code, "faq.code", e->code, NULL);
        int h = rk_ui_font(ui, RK_UI_TEXT_SMALL) * 2;
        rk_widget_muted(ui, "faq.article.code", rk_rect_cut_bottom(&content, h), code,
                        RK_UI_TEXT_SMALL, RK_ALIGN_LEFT);
        rk_rect_cut_bottom(&content, gap);
    }
    /* The answer, and the way back to the other questions. */
    rk_button more = {.label = kiosk_str(k, "faq.more"), .kind = RK_BTN_PRIMARY};
    int bh = rk_widget_button_height(ui, &more), bw = rk_widget_button_width(ui, &more);
    rk_rect bar = rk_rect_cut_bottom(&content, bh);
    rk_rect_cut_bottom(&content, gap);
    rk_widget_panel(ui, content);
    rk_widget_label(ui, "faq.article.answer", rk_rect_inset(content, rk_ui_px(ui, 32)),
                    rk_ui_lang(ui) == 1 ? e->answer_en : e->answer_zh, 0,
                    RK_ALIGN_LEFT | RK_UI_WRAP | RK_UI_TOP);
    if (rk_widget_button_ex(ui, "faq.more", rk_rect_make(bar.x, bar.y, bw, bh), &more))
        kiosk_back(k);
    kiosk_chrome_end(k);
}
