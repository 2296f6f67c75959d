/*
 * Greedy line breaking over break units (see wrap.h).
 *
 * A unit is the smallest piece that may not be split: one CJK character, or
 * a run of other non-space characters (a Latin word or a number), plus any
 * closing punctuation that follows it and any opening brackets before it.
 * Lines take whole units while they fit; a unit that fits no line alone is
 * cut between code points.
 */
#include "wrap.h"

#include "utf8.h"

/* End of the unit starting at i (not at a space or newline). */
static size_t unit_end(const char *s, size_t n, size_t i)
{
    uint32_t cp;
    size_t len = rk_utf8_decode(s + i, n - i, &cp);

    /* Opening brackets join what follows them. */
    while (rk_utf8_no_line_end(cp) && i + len < n) {
        uint32_t next;
        size_t nl = rk_utf8_decode(s + i + len, n - i - len, &next);
        if (next == ' ' || next == '\n') break;
        i += len;
        cp = next;
        len = nl;
    }
    i += len;
    if (!rk_utf8_is_cjk(cp)) {
        /* A word: up to the next space, newline or CJK character. */
        while (i < n) {
            size_t l = rk_utf8_decode(s + i, n - i, &cp);
            if (cp == ' ' || cp == '\n' || (rk_utf8_is_cjk(cp) && !rk_utf8_no_line_start(cp)))
                break;
            if (rk_utf8_no_line_end(cp)) break;
            i += l;
        }
    }
    /* Closing punctuation stays with the unit before it. */
    while (i < n) {
        size_t l = rk_utf8_decode(s + i, n - i, &cp);
        if (!rk_utf8_no_line_start(cp)) break;
        i += l;
    }
    return i;
}

static void put(rk_wrap_line *lines, int max_lines, int count, size_t start, size_t end, int w)
{
    if (count < max_lines) {
        lines[count].start = start;
        lines[count].len = end - start;
        lines[count].width = w;
    }
}

/* Cuts the over-long unit s[start..end) into lines by code points; returns
 * the offset where the last (partial) line starts, with count updated. */
static size_t cut_unit(rk_wrap_line *lines, int max_lines, int *count, const char *s, size_t start,
                       size_t end, int max_w, rk_wrap_measure measure, void *arg)
{
    size_t line = start;
    while (line < end) {
        size_t i = line, fit = line;
        uint32_t cp;
        while (i < end) {
            size_t next = i + rk_utf8_decode(s + i, end - i, &cp);
            if (measure(arg, s + line, next - line) > max_w && fit > line) break;
            fit = next;
            i = next;
        }
        if (fit >= end) return line;
        put(lines, max_lines, *count, line, fit, measure(arg, s + line, fit - line));
        (*count)++;
        line = fit;
    }
    return line;
}

int rk_wrap_text(rk_wrap_line *lines, int max_lines, const char *s, size_t n, int max_w,
                 rk_wrap_measure measure, void *arg)
{
    int count = 0;
    size_t line = 0, i = 0, line_end = 0; /* line_end: end of the last unit taken */
    int line_w = 0;

    while (i < n) {
        uint32_t cp;
        size_t len = rk_utf8_decode(s + i, n - i, &cp);
        if (cp == '\n') {
            put(lines, max_lines, count++, line, line_end, line_w);
            i += len;
            line = line_end = i;
            line_w = 0;
            continue;
        }
        if (cp == ' ') {
            if (i == line) line = line_end = i + len; /* no spaces at a line start */
            i += len;
            continue;
        }
        size_t end = unit_end(s, n, i);
        int w = measure(arg, s + line, end - line);
        if (w <= max_w) {
            line_end = end;
            line_w = w;
            i = end;
            continue;
        }
        if (line_end > line) {
            /* Break before this unit; it starts the next line. */
            put(lines, max_lines, count++, line, line_end, line_w);
            line = line_end = i;
            line_w = 0;
            continue;
        }
        /* The unit alone is too wide: cut it between code points. */
        line = cut_unit(lines, max_lines, &count, s, i, end, max_w, measure, arg);
        line_end = end;
        line_w = measure(arg, s + line, end - line);
        i = end;
    }
    put(lines, max_lines, count++, line, line_end, line_w);
    return count;
}
