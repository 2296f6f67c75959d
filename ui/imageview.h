/*
 * Images: a document with zoom and pan (the clerk's review, the
 * subscriber's preview), thumbnails, and QR codes.
 *
 * The image is the caller's (rk_backend_image, made from decoded pixels:
 * ui never reads a file or the database). The document view fits the
 * image to its box at zoom 1; the + and - buttons and the mouse wheel zoom
 * about the centre, a finger or the mouse drags to pan, "fit" resets.
 * Pass images at about the display's resolution (a 300 dpi A4 scan is 35 MB
 * of pixels: scale it to 1000-1600 px first); the backend keeps halvings
 * of each for drawing it small.
 * A QR code is drawn black on white with its quiet zone at a whole number
 * of pixels per module, in either theme, so a phone can read it.
 */
#ifndef RK_UI_IMAGEVIEW_H
#define RK_UI_IMAGEVIEW_H

#include "backend.h"
#include "ui.h"

typedef struct rk_imageview_state {
    double zoom;   /* 1 = the whole image fits; up to 8 */
    double cx, cy; /* the image point at the centre of the view (0..1) */
} rk_imageview_state;

/* Resets a state to the whole image. */
void rk_imageview_reset(rk_imageview_state *st);

/* The document view with its zoom buttons (labels from strings
 * image.zoom_in, image.zoom_out, image.fit). */
void rk_imageview_draw(rk_ui *ui, const char *id, rk_rect r, rk_backend_image *img,
                       rk_imageview_state *st);

/* A thumbnail that fits the image in r; 1 when tapped. selected outlines
 * it with the focus colour. */
int rk_imageview_thumb(rk_ui *ui, const char *id, rk_rect r, rk_backend_image *img, int selected);

/* A QR code (a mono image of its modules, quiet zone not included),
 * centred in r. */
void rk_imageview_qr(rk_ui *ui, rk_rect r, rk_backend_image *qr);

/* Pure helpers for tests: the part of an iw x ih image shown in a vw x vh
 * view for st, in image pixels; and clamping st so the view stays on the
 * image. */
rk_rect rk_imageview_source(const rk_imageview_state *st, int iw, int ih, int vw, int vh);
void rk_imageview_clamp(rk_imageview_state *st, int iw, int ih, int vw, int vh);

#endif
