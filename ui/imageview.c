/*
 * Document view, thumbnails and QR codes (see imageview.h).
 */
#include "imageview.h"

#include "widgets.h"

#include <math.h>
#include <stdio.h>

#define ZOOM_MAX 8.0

void rk_imageview_reset(rk_imageview_state *st)
{
    st->zoom = 1.0;
    st->cx = st->cy = 0.5;
}

/* Scale at zoom 1: the whole image fits the view. */
static double fit_scale(int iw, int ih, int vw, int vh)
{
    double sx = (double)vw / iw, sy = (double)vh / ih;
    return sx < sy ? sx : sy;
}

void rk_imageview_clamp(rk_imageview_state *st, int iw, int ih, int vw, int vh)
{
    if (!(st->zoom >= 1.0)) st->zoom = 1.0;
    if (st->zoom > ZOOM_MAX) st->zoom = ZOOM_MAX;
    double scale = fit_scale(iw, ih, vw, vh) * st->zoom;
    /* Half the view in image units (0..1); the centre stays inside. */
    double hx = vw / scale / iw / 2, hy = vh / scale / ih / 2;
    if (hx >= 0.5)
        st->cx = 0.5;
    else
        st->cx = st->cx < hx ? hx : st->cx > 1 - hx ? 1 - hx : st->cx;
    if (hy >= 0.5)
        st->cy = 0.5;
    else
        st->cy = st->cy < hy ? hy : st->cy > 1 - hy ? 1 - hy : st->cy;
}

rk_rect rk_imageview_source(const rk_imageview_state *st, int iw, int ih, int vw, int vh)
{
    double scale = fit_scale(iw, ih, vw, vh) * st->zoom;
    double sw = vw / scale, sh = vh / scale;
    if (sw > iw) sw = iw;
    if (sh > ih) sh = ih;
    double x = st->cx * iw - sw / 2, y = st->cy * ih - sh / 2;
    if (x < 0) x = 0;
    if (y < 0) y = 0;
    if (x + sw > iw) x = iw - sw;
    if (y + sh > ih) y = ih - sh;
    return rk_rect_make((int)lround(x), (int)lround(y), (int)lround(sw), (int)lround(sh));
}

void rk_imageview_draw(rk_ui *ui, const char *id, rk_rect r, rk_backend_image *img,
                       rk_imageview_state *st)
{
    const rk_theme *t = rk_ui_theme(ui);
    rk_backend *be = rk_ui_backend(ui);
    char sub[RK_UI_ID_MAX];
    int iw, ih;
    rk_widget_panel(ui, r);
    if (!img) return;
    rk_backend_image_size(img, &iw, &ih);
    rk_rect in = rk_rect_inset(r, rk_ui_px(ui, 8));
    rk_button b = {.kind = RK_BTN_SECONDARY, .text_px = RK_UI_TEXT_SMALL};
    b.label = rk_ui_str(ui, "image.zoom_in");
    b.icon = RK_ICON_PLUS;
    int bh = rk_widget_button_height(ui, &b);
    rk_rect bar = rk_rect_cut_bottom(&in, bh);
    rk_rect_cut_bottom(&in, rk_ui_px(ui, RK_UI_GAP));
    rk_rect view = in;

    if (st->zoom < 1.0) rk_imageview_reset(st);
    double scale = fit_scale(iw, ih, view.w, view.h) * st->zoom;

    /* Pan by dragging; the wheel zooms. */
    snprintf(sub, sizeof sub, "%s.view", id);
    int res = rk_ui_interact(ui, sub, view, 0);
    if (res & RK_UI_HELD) {
        int dx, dy;
        rk_ui_drag_delta(ui, &dx, &dy);
        st->cx -= dx / scale / iw;
        st->cy -= dy / scale / ih;
    }
    const rk_input *in_ = rk_ui_input(ui);
    if (in_->wheel && rk_rect_contains(view, in_->x, in_->y))
        st->zoom *= in_->wheel > 0 ? 1.25 : 0.8;

    int gap = rk_ui_px(ui, RK_UI_GAP);
    rk_rect c0 = rk_rect_column(bar, 3, 0, gap), c1 = rk_rect_column(bar, 3, 1, gap),
            c2 = rk_rect_column(bar, 3, 2, gap);
    snprintf(sub, sizeof sub, "%s.zoom_in", id);
    b.disabled = st->zoom >= ZOOM_MAX;
    if (rk_widget_button_ex(ui, sub, c0, &b)) st->zoom *= 1.5;
    snprintf(sub, sizeof sub, "%s.zoom_out", id);
    b.label = rk_ui_str(ui, "image.zoom_out");
    b.icon = RK_ICON_MINUS;
    b.disabled = st->zoom <= 1.0;
    if (rk_widget_button_ex(ui, sub, c1, &b)) st->zoom /= 1.5;
    snprintf(sub, sizeof sub, "%s.fit", id);
    b.label = rk_ui_str(ui, "image.fit");
    b.icon = RK_ICON_NONE;
    b.disabled = st->zoom <= 1.0;
    if (rk_widget_button_ex(ui, sub, c2, &b)) rk_imageview_reset(st);
    rk_imageview_clamp(st, iw, ih, view.w, view.h);

    scale = fit_scale(iw, ih, view.w, view.h) * st->zoom;
    rk_rect src = rk_imageview_source(st, iw, ih, view.w, view.h);
    int dw = (int)lround(src.w * scale), dh = (int)lround(src.h * scale);
    rk_rect dst = rk_rect_center(view, dw, dh);
    rk_backend_fill(be, view, t->bg);
    rk_ui_push_clip(ui, view);
    rk_backend_image_draw(be, img, &src, dst);
    rk_ui_pop_clip(ui);
}

int rk_imageview_thumb(rk_ui *ui, const char *id, rk_rect r, rk_backend_image *img, int selected)
{
    const rk_theme *t = rk_ui_theme(ui);
    rk_backend *be = rk_ui_backend(ui);
    int iw, ih, res = rk_ui_interact(ui, id, r, 0);
    int rad = rk_ui_px(ui, RK_UI_RADIUS);
    rk_backend_round(be, r, rad, t->surface);
    if (img) {
        rk_backend_image_size(img, &iw, &ih);
        rk_rect in = rk_rect_inset(r, rk_ui_px(ui, 8));
        double s = fit_scale(iw, ih, in.w, in.h);
        rk_backend_image_draw(be, img, NULL, rk_rect_center(in, (int)(iw * s), (int)(ih * s)));
    }
    rk_backend_outline(be, r, rad, rk_ui_px(ui, selected ? t->focus_px : t->border_px),
                       selected ? t->focus : t->border);
    return (res & RK_UI_CLICKED) != 0;
}

void rk_imageview_qr(rk_ui *ui, rk_rect r, rk_backend_image *qr)
{
    rk_backend *be = rk_ui_backend(ui);
    int n, nh;
    if (!qr) return;
    rk_backend_image_size(qr, &n, &nh);
    int side = r.w < r.h ? r.w : r.h;
    int module = side / (n + 8); /* 4 modules of quiet zone each side */
    if (module < 1) module = 1;
    int total = module * (n + 8);
    rk_rect box = rk_rect_center(r, total, total);
    rk_backend_fill(be, box, rk_rgb(0xFFFFFF));
    rk_backend_image_draw(
        be, qr, NULL,
        rk_rect_make(box.x + 4 * module, box.y + 4 * module, n * module, nh * module));
}
