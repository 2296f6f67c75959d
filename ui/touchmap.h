/*
 * From the touch panel to the screen: where a finger landed in the kiosk's
 * own (logical, upright) coordinates.
 *
 * The display may be mounted rotated (0, 90, 180 or 270 degrees; the image
 * is drawn turned clockwise by that angle so that it looks upright). Under
 * KMSDRM nothing rotates touch input with the picture: SDL reports a finger
 * in the touch device's own normalised axes (0..1), so the kiosk maps it
 * itself. A touch panel may also be glued turned or mirrored relative to the
 * display: its rotation and flips come from configuration too.
 *
 * Pure functions; the player uses the inverse to turn a scripted touch at
 * logical (x, y) into the panel coordinates a real finger would produce.
 */
#ifndef RK_UI_TOUCHMAP_H
#define RK_UI_TOUCHMAP_H

typedef struct rk_touchmap {
    int rotation;  /* display rotation: 0, 90, 180, 270 (clockwise) */
    int touch_rot; /* the touch panel's rotation relative to the picture's panel */
    int flip_x;    /* the touch panel reports x mirrored */
    int flip_y;    /* ... and y */
    int width;     /* logical (upright) canvas in pixels */
    int height;
} rk_touchmap;

/* 1 when deg is 0, 90, 180 or 270. */
int rk_touchmap_valid_rotation(int deg);

/* The physical panel size for a logical canvas of w x h under rotation deg
 * (90 and 270 swap them). */
void rk_touchmap_panel_size(int deg, int w, int h, int *pw, int *ph);

/* Turns a normalised panel point (nx, ny in 0..1, as SDL reports fingers)
 * into a logical pixel, clamped to the canvas. */
void rk_touchmap_to_logical(const rk_touchmap *m, float nx, float ny, int *x, int *y);

/* The inverse: the normalised panel point a finger at logical pixel (x, y)
 * produces (the centre of that pixel). */
void rk_touchmap_to_panel(const rk_touchmap *m, int x, int y, float *nx, float *ny);

/* A point of the window as the display shows it (physical pixels of a
 * window that is the rotated canvas: mouse coordinates) into a logical
 * pixel: the display rotation only, no touch flips. */
void rk_touchmap_window_to_logical(const rk_touchmap *m, int wx, int wy, int *x, int *y);

#endif
