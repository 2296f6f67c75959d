/*
 * Chinese input through librime 1.8: pinyin (pinyin_simp, simplified) and
 * strokes (stroke) for rare characters in names.
 *
 * Rime never deploys here: its dictionaries are compiled at build or image
 * time by ui/rime/build-rime-cache (pinyin_simp and stroke only, user
 * dictionaries off so nothing a subscriber typed is kept on disk), and the
 * kiosk opens that staging folder read-only. rk_ime_open starts Rime on a
 * background thread (a few ms; the first frame does not wait for it) and
 * checks that a test key gives candidates: Rime gives none, silently, when
 * its traits or data are wrong, so an empty cache is an error here, not an
 * empty candidate bar. glog is silenced (min_log_level 3) and logs, if
 * any, go to the user folder, not /tmp.
 *
 * After rk_ime_ready every call belongs to the UI thread: a keystroke with
 * the candidates read back costs well under a millisecond (bench_ui
 * measures it), so the keyboard calls Rime directly. One rk_ime per process
 * (Rime is a process-wide singleton).
 */
#ifndef RK_UI_IME_H
#define RK_UI_IME_H

#include <stddef.h>

#define RK_IME_MAX_CANDS 10

typedef struct rk_ime rk_ime;

typedef enum rk_ime_mode { RK_IME_PINYIN = 0, RK_IME_STROKE = 1 } rk_ime_mode;

typedef struct rk_ime_paths {
    const char *shared_dir;  /* Debian's schemas: NULL = /usr/share/rime-data */
    const char *staging_dir; /* the compiled cache (.../rime/build): required */
    const char *user_dir;    /* writable, private to the kiosk: required */
} rk_ime_paths;

/* One page of the composition's candidates. */
typedef struct rk_ime_view {
    int composing;                      /* there is input being composed */
    char preedit[256];                  /* the composition as typed */
    int n;                              /* candidates on this page */
    char text[RK_IME_MAX_CANDS][64];    /* candidate texts */
    char comment[RK_IME_MAX_CANDS][48]; /* e.g. the remaining strokes */
    int first;                          /* index of text[0] among all candidates */
    int has_prev, has_next;
} rk_ime_view;

/* The compiled cache's staging folder into out: $RAKIOSK_RIME_DIR/build
 * when set, else the installed share/rakiosk/rime/build when it exists,
 * else this build tree's rime/build. RK_ENOTFOUND when none holds a
 * compiled pinyin_simp schema (the message names where it looked). */
int rk_ime_find_cache(char *out, size_t n);

/* Starts Rime in the background; the caller owns *out. RK_EINVAL for
 * missing paths, RK_EBUSY when another rk_ime is open, RK_ENOMEM. */
int rk_ime_open(rk_ime **out, const rk_ime_paths *paths);

/* Waits for the background start: 0, or RK_ENOTFOUND / RK_ECONF with the
 * reason (no schema, no candidates: cache not built?). */
int rk_ime_ready(rk_ime *ime);

/* Stops Rime; NULL does nothing. */
void rk_ime_free(rk_ime *ime);

/* Switches between pinyin and strokes (the composition is dropped). */
int rk_ime_set_mode(rk_ime *ime, rk_ime_mode mode);
rk_ime_mode rk_ime_get_mode(const rk_ime *ime);

/* Feeds one key: a-z (and ' between syllables) in pinyin; h s p n z
 * (horizontal, vertical, falling left, dot, turning) in stroke mode.
 * RK_EINVAL for other characters. */
int rk_ime_key(rk_ime *ime, char c);

/* Deletes the last key of the composition; 0 when there was none. */
int rk_ime_backspace(rk_ime *ime);

/* 1 while composing. */
int rk_ime_composing(rk_ime *ime);

/* Reads count (1..10) candidates from index first (0-based) of the
 * composition's candidate list: the keyboard pages by what fits its bar. */
int rk_ime_view_get(rk_ime *ime, rk_ime_view *v, int first, int count);

/* Chooses candidate index (of the whole list). Returns 1 and the text in
 * out when the composition is complete, 0 when part of it is still being
 * composed (e.g. 中 chosen for "zhongguo" leaves "guo"), RK_EINVAL for a
 * bad index. */
int rk_ime_select(rk_ime *ime, int index, char *out, size_t n);

/* Ends the composition with what was typed (the letters themselves). */
int rk_ime_commit_raw(rk_ime *ime, char *out, size_t n);

/* Drops the composition. */
void rk_ime_clear(rk_ime *ime);

/* The idle wipe: drops the session (its composition and history) and
 * makes a new one. */
void rk_ime_reset(rk_ime *ime);

#endif
