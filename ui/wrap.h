/*
 * Line wrapping for mixed Chinese and Latin text.
 *
 * Chinese may break between any two characters; Latin words break at
 * spaces (a word longer than the line is cut between characters). Closing
 * punctuation (。，、）…) never starts a line and opening brackets never end
 * one: they stay with their neighbour. An explicit '\n' always breaks.
 * Widths come from a measuring callback (the backend's font), so this is a
 * pure function that tests can drive with a fixed-width measure.
 */
#ifndef RK_UI_WRAP_H
#define RK_UI_WRAP_H

#include <stddef.h>

/* Width in pixels of s[0..n) as drawn on one line. */
typedef int (*rk_wrap_measure)(void *arg, const char *s, size_t n);

typedef struct rk_wrap_line {
    size_t start; /* byte offset of the line in the text */
    size_t len;   /* bytes, without the trailing spaces or newline */
    int width;    /* measured width of s[start..start+len) */
} rk_wrap_line;

/* Breaks s[0..n) into lines no wider than max_w (a single character wider
 * than max_w gets a line of its own). Stores at most max_lines lines and
 * returns how many there are in all (more than max_lines when the text did
 * not fit: the caller can tell and report it). An empty text is one empty
 * line. */
int rk_wrap_text(rk_wrap_line *lines, int max_lines, const char *s, size_t n, int max_w,
                 rk_wrap_measure measure, void *arg);

#endif
