/*
 * Scrolling lists and tables (see listview.h).
 */
#include "listview.h"

#include "widgets.h"

#include <stdio.h>

int rk_listview_row_height(rk_ui *ui, int lines)
{
    int lh = rk_backend_line_height(rk_ui_backend(ui), rk_ui_font(ui, RK_UI_TEXT_BODY));
    int h = lh * (lines == 2 ? 2 : 1) + rk_ui_px(ui, 28);
    return h < rk_ui_px(ui, 80) ? rk_ui_px(ui, 80) : h;
}

static void cell_text(rk_ui *ui, const char *id, rk_rect r, const char *text, int flags, int align,
                      rk_color normal, int wrap)
{
    const rk_theme *t = rk_ui_theme(ui);
    rk_backend *be = rk_ui_backend(ui);
    rk_color c = normal;
    rk_icon icon = RK_ICON_NONE;
    if (flags & RK_CELL_ERROR) c = t->error, icon = RK_ICON_CROSS;
    if (flags & RK_CELL_WARNING) c = t->warning, icon = RK_ICON_WARNING;
    if (flags & RK_CELL_SUCCESS) c = t->success, icon = RK_ICON_CHECK;
    if (icon != RK_ICON_NONE) {
        int s = rk_ui_font(ui, RK_UI_TEXT_SMALL);
        rk_backend_icon(be, icon, rk_rect_make(r.x, r.y + (r.h - s) / 2, s, s), c);
        rk_rect_cut_left(&r, s + rk_ui_px(ui, 8));
    }
    rk_ui_text(ui, id, r, text ? text : "", RK_UI_TEXT_BODY, c,
               align | (wrap ? RK_UI_WRAP : 0) | (flags & RK_CELL_PERSONAL ? RK_UI_PERSONAL : 0));
}

static void columns(const rk_list_column *cols, int ncols, rk_rect row, int gap, rk_rect *out)
{
    int total = 0;
    for (int i = 0; i < ncols; i++)
        total += cols[i].weight > 0 ? cols[i].weight : 1;
    int x = row.x, avail = row.w - gap * (ncols - 1);
    for (int i = 0; i < ncols; i++) {
        int w = avail * (cols[i].weight > 0 ? cols[i].weight : 1) / total;
        if (i == ncols - 1) w = row.x + row.w - x;
        out[i] = rk_rect_make(x, row.y, w, row.h);
        x += w + gap;
    }
}

int rk_listview_draw(rk_ui *ui, const char *id, rk_rect r, rk_list_state *st,
                     const rk_list_column *cols, int ncols, int nrows, rk_list_cell_fn cell,
                     void *arg)
{
    const rk_theme *t = rk_ui_theme(ui);
    rk_backend *be = rk_ui_backend(ui);
    char sub[RK_UI_ID_MAX];
    rk_rect cr[16];
    int lines = st->row_lines == 2 ? 2 : 1;
    int tapped = -1, rh = rk_listview_row_height(ui, lines), gap = rk_ui_px(ui, 16);
    int hh = rk_listview_row_height(ui, 1);
    if (ncols > 16) ncols = 16;

    rk_widget_panel(ui, r);
    rk_rect in = rk_rect_inset(r, rk_ui_px(ui, 4));
    /* The scroll buttons on the right, when the rows do not all fit. */
    int bw = rk_ui_px(ui, RK_UI_TARGET_MIN + 8);
    int scrolls = nrows * rh > in.h - hh;
    rk_rect side = scrolls ? rk_rect_cut_right(&in, bw + rk_ui_px(ui, RK_UI_GAP)) : in;
    if (scrolls) rk_rect_cut_left(&side, rk_ui_px(ui, RK_UI_GAP));
    rk_rect head = rk_rect_cut_top(&in, hh);
    rk_rect body = in;
    int content = nrows * rh, max_scroll = content > body.h ? content - body.h : 0;

    /* Header. */
    rk_backend_fill(
        be, rk_rect_make(head.x, head.y + head.h - rk_ui_px(ui, 2), head.w, rk_ui_px(ui, 2)),
        t->border);
    columns(cols, ncols, rk_rect_inset(head, rk_ui_px(ui, 12)), gap, cr);
    for (int c = 0; c < ncols; c++) {
        snprintf(sub, sizeof sub, "%s.h%d", id, c);
        rk_ui_text(ui, sub, cr[c], cols[c].title ? cols[c].title : "", RK_UI_TEXT_BODY,
                   t->text_muted, cols[c].align);
    }

    /* Dragging and the wheel. */
    snprintf(sub, sizeof sub, "%s.body", id);
    int res = rk_ui_interact(ui, sub, body, 0);
    const rk_input *in_ = rk_ui_input(ui);
    if ((res & RK_UI_HELD) && rk_ui_dragged(ui)) {
        int dx, dy;
        rk_ui_drag_delta(ui, &dx, &dy);
        st->scroll -= dy;
    }
    if (in_->wheel && rk_rect_contains(r, in_->x, in_->y)) st->scroll -= in_->wheel * rh;
    rk_button up = {.icon = RK_ICON_UP, .kind = RK_BTN_SECONDARY, .disabled = st->scroll <= 0};
    rk_button down = {
        .icon = RK_ICON_DOWN, .kind = RK_BTN_SECONDARY, .disabled = st->scroll >= max_scroll};
    int sbh = side.h / 2 - rk_ui_px(ui, 8);
    if (sbh > rk_ui_px(ui, 120)) sbh = rk_ui_px(ui, 120);
    snprintf(sub, sizeof sub, "%s.up", id);
    if (scrolls && rk_widget_button_ex(ui, sub, rk_rect_make(side.x, side.y, side.w, sbh), &up))
        st->scroll -= body.h - rh;
    snprintf(sub, sizeof sub, "%s.down", id);
    if (scrolls && rk_widget_button_ex(
                       ui, sub, rk_rect_make(side.x, side.y + side.h - sbh, side.w, sbh), &down))
        st->scroll += body.h - rh;
    if (st->scroll > max_scroll) st->scroll = max_scroll;
    if (st->scroll < 0) st->scroll = 0;

    /* The rows in view. */
    rk_ui_push_clip(ui, body);
    int first = st->scroll / rh, last = (st->scroll + body.h) / rh;
    for (int row = first; row <= last && row < nrows; row++) {
        rk_rect rr = rk_rect_make(body.x, body.y + row * rh - st->scroll, body.w, rh);
        int sel = row == st->selected;
        snprintf(sub, sizeof sub, "%s.row%d", id, row);
        rk_ui_mark(ui, sub, rk_rect_intersect(rr, body));
        if (sel)
            rk_backend_fill(be, rr, t->selection);
        else if (row % 2)
            rk_backend_fill(be, rr, t->bg);
        columns(cols, ncols, rk_rect_inset(rr, rk_ui_px(ui, 12)), gap, cr);
        for (int c = 0; c < ncols; c++) {
            int flags = 0;
            const char *text = cell(arg, row, c, &flags);
            snprintf(sub, sizeof sub, "%s.c%d", id, c); /* reports name the column */
            cell_text(ui, sub, cr[c], text, flags, cols[c].align, sel ? t->on_selection : t->text,
                      lines == 2);
        }
        if ((res & RK_UI_CLICKED) && !rk_ui_dragged(ui) && rk_rect_contains(rr, in_->x, in_->y) &&
            rk_rect_contains(body, in_->x, in_->y)) {
            tapped = row;
            st->selected = row;
        }
    }
    rk_ui_pop_clip(ui);
    if (nrows == 0) {
        snprintf(sub, sizeof sub, "%s.empty", id);
        rk_ui_text(ui, sub, body, rk_ui_str(ui, "list.empty"), RK_UI_TEXT_BODY, t->text_muted,
                   RK_ALIGN_CENTER);
    }
    return tapped;
}
