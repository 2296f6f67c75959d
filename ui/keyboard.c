/*
 * The on-screen keyboard and candidate bar (see keyboard.h).
 *
 * Layouts are tables of keys in rows; each key has a width in key units, a
 * label, what it types and an action. Labels that are words come from the
 * strings file (kb.*).
 */
#include "keyboard.h"

#include "utf8.h"
#include "widgets.h"

#include <stdio.h>
#include <string.h>

enum {
    K_CHAR = 0, /* types out (letters go to the IME in pinyin and stroke) */
    K_BACKSPACE,
    K_ENTER,
    K_SPACE,
    K_SHIFT,
    K_MODE, /* switches to layout `mode` */
    K_END
};

typedef struct key {
    const char *label; /* literal label, or a strings key when word is set */
    const char *out;   /* what K_CHAR types */
    int action;
    int units10; /* width in tenths of a key unit */
    int mode;    /* K_MODE target */
    int word;    /* label is a strings key */
} key;

#define C(s)                                                                                       \
    {                                                                                              \
        s, s, K_CHAR, 10, 0, 0                                                                     \
    }
#define WIDE(s, u)                                                                                 \
    {                                                                                              \
        s, s, K_CHAR, u, 0, 0                                                                      \
    }
#define WORD(k, o)                                                                                 \
    {                                                                                              \
        k, o, K_CHAR, 20, 0, 1                                                                     \
    }
#define MODE(m, l)                                                                                 \
    {                                                                                              \
        l, NULL, K_MODE, 16, m, 1                                                                  \
    }
#define BS                                                                                         \
    {                                                                                              \
        "kb.backspace", NULL, K_BACKSPACE, 16, 0, 1                                                \
    }
#define ENTER                                                                                      \
    {                                                                                              \
        "kb.enter", NULL, K_ENTER, 20, 0, 1                                                        \
    }
#define SPACE(u)                                                                                   \
    {                                                                                              \
        "kb.space", NULL, K_SPACE, u, 0, 1                                                         \
    }
#define SHIFT                                                                                      \
    {                                                                                              \
        "kb.shift", NULL, K_SHIFT, 16, 0, 1                                                        \
    }
#define END                                                                                        \
    {                                                                                              \
        NULL, NULL, K_END, 0, 0, 0                                                                 \
    }

static const key pinyin_rows[4][13] = {
    {C("q"), C("w"), C("e"), C("r"), C("t"), C("y"), C("u"), C("i"), C("o"), C("p"), BS, END},
    {C("a"), C("s"), C("d"), C("f"), C("g"), C("h"), C("j"), C("k"), C("l"), C("'"), END},
    {C("z"), C("x"), C("c"), C("v"), C("b"), C("n"), C("m"), C("，"), C("。"), C("？"), C("、"),
     END},
    {MODE(RK_KB_DIGITS, "kb.digits"), MODE(RK_KB_LATIN, "kb.latin"),
     MODE(RK_KB_STROKE, "kb.stroke"), SPACE(30), MODE(RK_KB_PUNCT, "kb.punct"), ENTER, END},
};

static const key latin_rows[4][13] = {
    {C("q"), C("w"), C("e"), C("r"), C("t"), C("y"), C("u"), C("i"), C("o"), C("p"), BS, END},
    {C("a"), C("s"), C("d"), C("f"), C("g"), C("h"), C("j"), C("k"), C("l"), C("@"), END},
    {SHIFT, C("z"), C("x"), C("c"), C("v"), C("b"), C("n"), C("m"), C(","), C("."), C("-"), END},
    {MODE(RK_KB_DIGITS, "kb.digits"), MODE(RK_KB_PINYIN, "kb.pinyin"), SPACE(40),
     MODE(RK_KB_PUNCT, "kb.punct"), ENTER, END},
};

static const key digit_rows[4][13] = {
    {WIDE("1", 20), WIDE("2", 20), WIDE("3", 20), BS, END},
    {WIDE("4", 20), WIDE("5", 20), WIDE("6", 20), END},
    {WIDE("7", 20), WIDE("8", 20), WIDE("9", 20), END},
    {MODE(RK_KB_PINYIN, "kb.pinyin"), WIDE("0", 20), WIDE("-", 20), ENTER, END},
};

static const key id_rows[4][13] = {
    {WIDE("1", 20), WIDE("2", 20), WIDE("3", 20), BS, END},
    {WIDE("4", 20), WIDE("5", 20), WIDE("6", 20), END},
    {WIDE("7", 20), WIDE("8", 20), WIDE("9", 20), END},
    {WIDE("X", 20), WIDE("0", 20), ENTER, END},
};

static const key punct_rows[4][13] = {
    {C("，"), C("。"), C("？"), C("！"), C("、"), C("："), C("；"), C("“"), C("”"), C("…"), BS,
     END},
    {C("（"), C("）"), C("《"), C("》"), C("【"), C("】"), C("—"), C("·"), C("～"), C("￥"), END},
    {C("@"), C("#"), C("%"), C("&"), C("*"), C("+"), C("-"), C("="), C("/"), C("_"), END},
    {MODE(RK_KB_PINYIN, "kb.pinyin"), MODE(RK_KB_LATIN, "kb.latin"), SPACE(40), C("."), C(","),
     ENTER, END},
};

static const key stroke_rows[4][13] = {
    {WORD("kb.stroke_h", "h"), WORD("kb.stroke_s", "s"), WORD("kb.stroke_p", "p"),
     WORD("kb.stroke_n", "n"), WORD("kb.stroke_z", "z"), BS, END},
    {END},
    {END},
    {MODE(RK_KB_PINYIN, "kb.pinyin"), SPACE(30), ENTER, END},
};

static const key (*layout(rk_kb_mode m))[13]
{
    switch (m) {
    case RK_KB_LATIN: return latin_rows;
    case RK_KB_DIGITS: return digit_rows;
    case RK_KB_ID: return id_rows;
    case RK_KB_PUNCT: return punct_rows;
    case RK_KB_STROKE: return stroke_rows;
    default: return pinyin_rows;
    }
}

static int composes(const rk_keyboard *kb)
{
    return kb->ime && !kb->ime_failed && (kb->mode == RK_KB_PINYIN || kb->mode == RK_KB_STROKE);
}

void rk_keyboard_reset(rk_keyboard *kb)
{
    if (kb->ime && !kb->ime_failed) rk_ime_clear(kb->ime);
    kb->first = 0;
    kb->n_starts = 0;
    kb->shown = 0;
    kb->shift = 0;
}

void rk_keyboard_set_mode(rk_keyboard *kb, rk_kb_mode mode)
{
    rk_keyboard_reset(kb);
    kb->mode = mode;
    if (kb->ime && !kb->ime_failed && (mode == RK_KB_PINYIN || mode == RK_KB_STROKE)) {
        if (rk_ime_set_mode(kb->ime, mode == RK_KB_STROKE ? RK_IME_STROKE : RK_IME_PINYIN) != 0)
            kb->ime_failed = 1;
    }
}

static int unit_px(rk_ui *ui, int w)
{
    /* 11 units and 10 gaps across the widest layout. */
    int unit = rk_ui_px(ui, RK_UI_KEY_W), gap = rk_ui_px(ui, RK_UI_GAP);
    if (11 * unit + 10 * gap > w) unit = (w - 10 * gap) / 11;
    int min = rk_ui_px(ui, RK_UI_TARGET_MIN);
    return unit < min ? min : unit;
}

/* 72 px, or more when large type needs it. */
static int bar_height(rk_ui *ui)
{
    int h = rk_ui_px(ui, RK_UI_CANDBAR_H);
    int need = rk_backend_line_height(rk_ui_backend(ui), rk_ui_font(ui, RK_UI_TEXT_BODY)) +
               rk_ui_px(ui, 24) + 2;
    return need > h ? need : h;
}

int rk_keyboard_height(rk_ui *ui, const rk_keyboard *kb, int w)
{
    (void)w;
    int gap = rk_ui_px(ui, RK_UI_GAP);
    int bar = kb->ime ? bar_height(ui) + gap : 0;
    return bar + 4 * rk_ui_px(ui, RK_UI_KEY_H) + 3 * gap;
}

/* Commits the first candidate (a punctuation key or space ends a
 * composition the way it would on a desk keyboard). */
static void commit_first(rk_ui *ui, rk_keyboard *kb)
{
    char out[256];
    for (int guard = 0; guard < 16 && rk_ime_composing(kb->ime); guard++) {
        int rc = rk_ime_select(kb->ime, 0, out, sizeof out);
        if (rc == 1) {
            rk_ui_commit_text(ui, out);
            break;
        }
        if (rc < 0) {
            rk_ime_clear(kb->ime);
            break;
        }
    }
    kb->first = kb->n_starts = 0;
}

static void type_char(rk_ui *ui, rk_keyboard *kb, const char *s)
{
    if (composes(kb)) {
        char c = s[0];
        int letter =
            s[1] == '\0' && ((kb->mode == RK_KB_PINYIN && ((c >= 'a' && c <= 'z') || c == '\'')) ||
                             (kb->mode == RK_KB_STROKE && strchr("hspnz", c)));
        if (letter) {
            rk_ime_key(kb->ime, c);
            kb->first = kb->n_starts = 0;
            return;
        }
        if (rk_ime_composing(kb->ime)) commit_first(ui, kb);
        if (c == '\'') return;
    }
    if (kb->mode == RK_KB_LATIN && kb->shift && s[0] >= 'a' && s[0] <= 'z' && !s[1]) {
        char up[2] = {(char)(s[0] - 'a' + 'A'), 0};
        rk_ui_commit_text(ui, up);
        kb->shift = 0;
        return;
    }
    rk_ui_commit_text(ui, s);
}

static void do_backspace(rk_ui *ui, rk_keyboard *kb)
{
    if (composes(kb) && rk_ime_backspace(kb->ime)) {
        kb->first = kb->n_starts = 0;
        return;
    }
    rk_ui_commit_backspace(ui);
}

static void do_enter(rk_ui *ui, rk_keyboard *kb)
{
    char out[256];
    if (composes(kb) && rk_ime_composing(kb->ime)) {
        if (kb->mode == RK_KB_PINYIN && rk_ime_commit_raw(kb->ime, out, sizeof out) == 1)
            rk_ui_commit_text(ui, out);
        else
            rk_ime_clear(kb->ime);
        kb->first = kb->n_starts = 0;
        return;
    }
    rk_ui_commit_enter(ui);
}

static void do_space(rk_ui *ui, rk_keyboard *kb)
{
    if (composes(kb) && rk_ime_composing(kb->ime)) {
        commit_first(ui, kb);
        return;
    }
    rk_ui_commit_text(ui, " ");
}

static void choose(rk_ui *ui, rk_keyboard *kb, int index)
{
    char out[256];
    if (rk_ime_select(kb->ime, index, out, sizeof out) == 1) rk_ui_commit_text(ui, out);
    kb->first = kb->n_starts = 0;
}

/* The physical keyboard while composing. */
static int physical(rk_ui *ui, rk_keyboard *kb)
{
    size_t n;
    int bs, enter, esc, typed = 0;
    const char *s = rk_ui_take_grabbed(ui, &n, &bs, &enter, &esc);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = rk_utf8_decode(s + i, n - i, &cp);
        char one[8];
        memcpy(one, s + i, l);
        one[l] = '\0';
        i += l;
        typed = 1;
        if (cp >= 'A' && cp <= 'Z' && kb->mode == RK_KB_PINYIN) {
            /* Capitals stay Latin, as on a desk IME. */
            if (rk_ime_composing(kb->ime)) commit_first(ui, kb);
            rk_ui_commit_text(ui, one);
        } else if (cp >= '1' && cp <= '9' && rk_ime_composing(kb->ime)) {
            choose(ui, kb, kb->first + (int)(cp - '1'));
        } else if (cp == ' ') {
            do_space(ui, kb);
        } else {
            type_char(ui, kb, one);
        }
    }
    while (bs-- > 0)
        do_backspace(ui, kb), typed = 1;
    if (enter) do_enter(ui, kb), typed = 1;
    if (esc && rk_ime_composing(kb->ime)) {
        rk_ime_clear(kb->ime);
        kb->first = kb->n_starts = 0;
        typed = 1;
    }
    return typed;
}

static int candidate_bar(rk_ui *ui, const char *id, rk_rect bar, rk_keyboard *kb)
{
    const rk_theme *t = rk_ui_theme(ui);
    rk_backend *be = rk_ui_backend(ui);
    char sub[RK_UI_ID_MAX];
    rk_ime_view v;
    int typed = 0, gap = rk_ui_px(ui, RK_UI_GAP);
    rk_backend_fill(be, bar, t->surface);
    kb->shown = 0;
    if (!composes(kb)) return 0;
    if (rk_ime_view_get(kb->ime, &v, kb->first, RK_IME_MAX_CANDS) != 0 || !v.composing) return 0;

    /* The page buttons on the right, the composition on the left. */
    int pw = rk_ui_px(ui, RK_UI_TARGET_MIN + 16);
    rk_rect next = rk_rect_cut_right(&bar, pw);
    rk_rect_cut_right(&bar, gap);
    rk_rect prev = rk_rect_cut_right(&bar, pw);
    rk_rect_cut_right(&bar, gap);
    int cw, ch;
    rk_ui_text_size(ui, v.preedit, RK_UI_TEXT_BODY, &cw, &ch);
    int maxpre = bar.w * 3 / 10;
    int prew = cw + rk_ui_px(ui, 32);
    if (prew > maxpre) prew = maxpre;
    rk_rect pre = rk_rect_cut_left(&bar, prew);
    rk_rect_cut_left(&bar, gap);
    snprintf(sub, sizeof sub, "%s.preedit", id);
    rk_backend_fill(be,
                    rk_rect_make(pre.x, pre.y + pre.h - rk_ui_px(ui, 4), pre.w, rk_ui_px(ui, 4)),
                    t->accent);
    /* The composition is what was typed: it may be cut from the left. */
    rk_ui_text(ui, sub, rk_rect_inset(pre, rk_ui_px(ui, 12)), v.preedit, RK_UI_TEXT_BODY, t->text,
               (cw + rk_ui_px(ui, 32) > maxpre ? RK_ALIGN_RIGHT | RK_UI_NOFIT : 0) |
                   RK_UI_PERSONAL);

    int x = bar.x, shown = 0;
    for (int i = 0; i < v.n; i++) {
        int w, h;
        rk_ui_text_size(ui, v.text[i], RK_UI_TEXT_BODY, &w, &h);
        w += rk_ui_px(ui, 32);
        if (w < rk_ui_px(ui, RK_UI_TARGET_MIN + 16)) w = rk_ui_px(ui, RK_UI_TARGET_MIN + 16);
        if (x + w > bar.x + bar.w && shown > 0) break;
        rk_rect c = rk_rect_make(x, bar.y, w, bar.h);
        rk_button b = {.label = v.text[i],
                       .kind = i == 0 && kb->first == 0 ? RK_BTN_SELECTED : RK_BTN_KEY,
                       .personal = 1};
        snprintf(sub, sizeof sub, "%s.cand%d", id, i);
        if (rk_widget_button_ex(ui, sub, c, &b)) {
            choose(ui, kb, kb->first + i);
            typed = 1;
        }
        x += w + gap;
        shown++;
    }
    kb->shown = shown;
    int more = shown < v.n || v.has_next;
    rk_button bp = {.icon = RK_ICON_LEFT, .kind = RK_BTN_KEY, .disabled = kb->first == 0 || typed};
    rk_button bn = {.icon = RK_ICON_RIGHT, .kind = RK_BTN_KEY, .disabled = !more || typed};
    snprintf(sub, sizeof sub, "%s.prev", id);
    if (rk_widget_button_ex(ui, sub, prev, &bp) && kb->n_starts > 0) {
        kb->first = kb->starts[--kb->n_starts];
        rk_ui_redraw_in(ui, 0);
    }
    snprintf(sub, sizeof sub, "%s.next", id);
    if (rk_widget_button_ex(ui, sub, next, &bn)) {
        if (kb->n_starts < 64) kb->starts[kb->n_starts++] = kb->first;
        kb->first += shown;
        rk_ui_redraw_in(ui, 0);
    }
    return typed;
}

int rk_keyboard_draw(rk_ui *ui, const char *id, rk_rect r, rk_keyboard *kb)
{
    const rk_theme *t = rk_ui_theme(ui);
    char sub[RK_UI_ID_MAX];
    int typed = 0, gap = rk_ui_px(ui, RK_UI_GAP);
    int unit = unit_px(ui, r.w), kh = rk_ui_px(ui, RK_UI_KEY_H);

    if (kb->ime && !kb->ime_failed && rk_ime_ready(kb->ime) != 0) kb->ime_failed = 1;
    if (composes(kb)) typed |= physical(ui, kb);

    rk_rect barr = rk_rect_make(r.x, r.y, r.w, 0);
    if (kb->ime) {
        barr = rk_rect_cut_top(&r, bar_height(ui));
        rk_rect_cut_top(&r, gap);
    }
    const key(*rows)[13] = layout(kb->mode);
    /* Keys first: what they type shows in the candidate bar this frame. */
    for (int row = 0; row < 4; row++) {
        int total = 0, nk = 0;
        for (const key *k = rows[row]; k->action != K_END; k++) {
            if (k->action == K_MODE && !(kb->modes & RK_KB_BIT(k->mode))) continue;
            if (k->action == K_MODE && !kb->ime &&
                (k->mode == RK_KB_STROKE || k->mode == RK_KB_PINYIN))
                continue;
            total += unit * k->units10 / 10;
            nk++;
        }
        if (!nk) continue;
        total += (nk - 1) * gap;
        int x = r.x + (r.w - total) / 2, y = r.y + row * (kh + gap);
        for (const key *k = rows[row]; k->action != K_END; k++) {
            if (k->action == K_MODE && !(kb->modes & RK_KB_BIT(k->mode))) continue;
            if (k->action == K_MODE && !kb->ime &&
                (k->mode == RK_KB_STROKE || k->mode == RK_KB_PINYIN))
                continue;
            int w = unit * k->units10 / 10;
            rk_rect kr = rk_rect_make(x, y, w, kh);
            x += w + gap;
            const char *label = k->word ? rk_ui_str(ui, k->label) : k->label;
            char upper[2] = {0, 0};
            rk_button b = {.label = label, .kind = RK_BTN_KEY};
            if (kb->mode == RK_KB_LATIN && kb->shift && k->action == K_CHAR && k->out[0] >= 'a' &&
                k->out[0] <= 'z' && !k->out[1]) {
                upper[0] = (char)(k->out[0] - 'a' + 'A');
                b.label = upper;
            }
            if (k->action == K_BACKSPACE) b.icon = RK_ICON_BACKSPACE, b.label = NULL;
            if (k->action == K_SHIFT) {
                b.icon = RK_ICON_SHIFT;
                b.label = NULL;
                if (kb->shift) b.kind = RK_BTN_SELECTED;
            }
            if (k->action == K_ENTER) b.kind = RK_BTN_PRIMARY, b.text_px = RK_UI_TEXT_SMALL;
            if (k->action == K_MODE || k->action == K_SPACE) b.text_px = RK_UI_TEXT_SMALL;
            if (k->action == K_ENTER && kh < rk_ui_px(ui, RK_UI_TARGET_PRIMARY))
                b.kind = RK_BTN_SELECTED; /* an accent key of key height */
            if (k->action == K_MODE)
                snprintf(sub, sizeof sub, "%s.mode.%s", id, k->label + 3); /* "kb.stroke" */
            else
                snprintf(sub, sizeof sub, "%s.%s", id,
                         k->action == K_CHAR    ? k->out
                         : k->action == K_SPACE ? "space"
                         : k->action == K_ENTER ? "enter"
                         : k->action == K_SHIFT ? "shift"
                                                : "backspace");
            if (!rk_widget_button_ex(ui, sub, kr, &b)) continue;
            typed = 1;
            switch (k->action) {
            case K_CHAR: type_char(ui, kb, k->out); break;
            case K_BACKSPACE: do_backspace(ui, kb); break;
            case K_ENTER: do_enter(ui, kb); break;
            case K_SPACE: do_space(ui, kb); break;
            case K_SHIFT: kb->shift = !kb->shift; break;
            case K_MODE: rk_keyboard_set_mode(kb, (rk_kb_mode)k->mode); break;
            }
        }
    }
    if (kb->ime) typed |= candidate_bar(ui, id, barr, kb);
    (void)t;
    /* Compose from the physical keyboard in the next frame too. */
    rk_ui_set_grab(ui, composes(kb));
    return typed;
}
