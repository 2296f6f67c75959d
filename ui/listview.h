/*
 * Lists and tables with scrolling: the clerk's queues, status query
 * results, the documents checklist.
 *
 * Rows come from a callback (the list holds no copies); only the rows in
 * view are drawn. A finger drags the list, the mouse wheel and the two
 * arrow buttons beside it scroll it, and a tap on a row (not a drag)
 * selects it. The caller keeps the scroll position and the selection.
 */
#ifndef RK_UI_LISTVIEW_H
#define RK_UI_LISTVIEW_H

#include "ui.h"

typedef struct rk_list_state {
    int scroll;    /* pixels scrolled */
    int selected;  /* selected row, -1 for none */
    int row_lines; /* lines of text a row holds: 1 (0 too) or 2 (cells wrap) */
} rk_list_state;

typedef struct rk_list_column {
    const char *title;
    int weight; /* share of the width */
    int align;  /* RK_ALIGN_* */
} rk_list_column;

/* Cell flags a row callback may set. */
enum {
    RK_CELL_PERSONAL = 1, /* personal data (masked by the caller; cached as personal) */
    RK_CELL_ERROR = 2,    /* in the error colour with a cross (overdue) */
    RK_CELL_WARNING = 4,  /* in the warning colour with a triangle */
    RK_CELL_SUCCESS = 8   /* in the success colour with a check */
};

/* The text of (row, col); *flags for RK_CELL_*. May return NULL for "". */
typedef const char *(*rk_list_cell_fn)(void *arg, int row, int col, int *flags);

/* Draws the list in r with a header row of column titles; returns the row
 * tapped in this frame, or -1. */
int rk_listview_draw(rk_ui *ui, const char *id, rk_rect r, rk_list_state *st,
                     const rk_list_column *cols, int ncols, int nrows, rk_list_cell_fn cell,
                     void *arg);

/* The height of one row of lines (1 or 2) of text. */
int rk_listview_row_height(rk_ui *ui, int lines);

#endif
