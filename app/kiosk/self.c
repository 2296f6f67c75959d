/*
 * The self-service corner as a kiosk module (see self.h): its state, the
 * knowledge base loaded once at start, the wipe, and small helpers the
 * self_*.c screens share.
 */
#include "self.h"

#include "util/err.h"
#include "util/log.h"
#include "util/wipe.h"

#include <stdio.h>
#include <string.h>

static self_state S;

self_state *self_get(void)
{
    return &S;
}

/* 0 when got equals want, else RK_EINVAL naming both. */
static int same(const char *what, const char *got, const char *want)
{
    if (!strcmp(got ? got : "", want)) return 0;
    return rk_err_set(RK_EINVAL, "rakiosk: %s is '%s', expected '%s'", what, got ? got : "", want);
}

static int same_n(const char *what, long got, const char *want)
{
    char g[32];
    snprintf(g, sizeof g, "%ld", got);
    return same(what, g, want);
}

/* The event player's "self-..." lines: checks of what this module holds,
 * which fail the script when it differs (tests/kiosk/self.sh). */
static int app(kiosk *k, const char *words)
{
    char cmd[48] = "";
    const char *arg = strchr(words, ' ');
    size_t n = arg ? (size_t)(arg - words) : strlen(words);
    (void)k;
    if (n >= sizeof cmd) n = sizeof cmd - 1;
    memcpy(cmd, words, n);
    arg = arg ? arg + 1 : "";
    if (S.check.busy || S.pin.busy || S.query.busy)
        return rk_err_set(RK_EINVAL, "rakiosk: %s: a self-service job is still running", cmd);
    if (!strcmp(cmd, "self-check-present")) return same_n(cmd, S.check.res.present, arg);
    if (!strcmp(cmd, "self-check-findings")) return same_n(cmd, S.check.res.n, arg);
    if (!strcmp(cmd, "self-check-finding")) {
        for (int i = 0; i < S.check.res.n; i++)
            if (!strcmp(S.check.res.findings[i].what, arg)) return 0;
        return rk_err_set(RK_EINVAL, "rakiosk: the self-check found no %s (%d findings)", arg,
                          S.check.res.n);
    }
    if (!strcmp(cmd, "self-pin-msg")) return same(cmd, S.pin.st.msg, arg);
    if (!strcmp(cmd, "self-pin-warn")) return same(cmd, S.pin.st.warn, arg);
    if (!strcmp(cmd, "self-pin-tries")) return same_n(cmd, S.pin.st.tries_left, arg);
    if (!strcmp(cmd, "self-query-hits")) return same_n(cmd, S.query.n, arg);
    if (!strcmp(cmd, "self-query-status"))
        return same(cmd, S.query.n ? S.query.hits[0].status : "", arg);
    if (!strcmp(cmd, "self-query-subject"))
        return same(cmd, S.query.n ? S.query.hits[0].subject_name : "", arg);
    if (!strcmp(cmd, "self-faq-hits")) return same_n(cmd, S.faq.n_hits, arg);
    if (!strcmp(cmd, "self-faq-first"))
        return same(cmd, S.faq.n_hits ? S.faq.hits[0].entry->id : "", arg);
    if (!strcmp(cmd, "self-faq-article"))
        return same(cmd, S.faq.article ? S.faq.article->id : "", arg);
    return rk_err_set(RK_EINVAL, "rakiosk: unknown app command '%s'", words);
}

/* The configuration bundle the knowledge base was read from. */
static int64_t kb_version = -1;

void mod_self_reset(kiosk *k, kiosk_reset why)
{
    rk_knowledge *kb = S.kb;
    unsigned gen = S.gen;
    char kb_error[sizeof S.kb_error];
    memcpy(kb_error, S.kb_error, sizeof kb_error);
    /* A job still running owns its slot: the kiosk cancels and drains jobs
     * before a close, and a wipe while one runs leaves the slot to it (its
     * DONE callback sees the visit gone and wipes it). */
    int check_busy = S.check.busy, pin_busy = S.pin.busy, query_busy = S.query.busy;
    if (!check_busy) rk_wipe(&S.check, sizeof S.check);
    if (!pin_busy)
        rk_wipe(&S.pin, sizeof S.pin);
    else {
        rk_wipe(S.pin.old_pin, sizeof S.pin.old_pin);
        rk_wipe(S.pin.new_pin, sizeof S.pin.new_pin);
        rk_wipe(S.pin.again, sizeof S.pin.again);
    }
    if (!query_busy)
        rk_wipe(&S.query, sizeof S.query);
    else
        rk_wipe(S.query.q, sizeof S.query.q);
    rk_wipe(&S.faq, sizeof S.faq);
    S.faq.list.selected = -1;
    if (!query_busy) S.query.list.selected = -1;
    S.kb = kb;
    memcpy(S.kb_error, kb_error, sizeof kb_error);
    S.gen = gen + 1;
    if (why == KIOSK_RESET_START) kiosk_app_register(k, "self-", app);
    if (why == KIOSK_RESET_START && !S.kb) {
        /* A small local file (at most 256 KiB), read once before the
         * first frame. */
        if (!k->conf || rk_knowledge_load(&S.kb, k->conf->knowledge) != 0)
            snprintf(S.kb_error, sizeof S.kb_error, "%s",
                     k->conf ? rk_err_msg() : "no configuration");
    }
    if (why == KIOSK_RESET_START) kb_version = rk_branch_config_version(k->branch);
    if ((why == KIOSK_RESET_OVER || why == KIOSK_RESET_IDLE) && k->conf &&
        rk_branch_config_version(k->branch) != kb_version) {
        /* A configuration bundle taken up between visits (kiosk_wipe) may
         * bring a new knowledge base: read it again; a file that does not
         * load leaves the one in force. */
        rk_knowledge *fresh = NULL;
        kb_version = rk_branch_config_version(k->branch);
        if (rk_knowledge_load(&fresh, k->conf->knowledge) == 0) {
            rk_knowledge_free(S.kb);
            S.kb = fresh;
            S.kb_error[0] = '\0';
        } else {
            rk_log_warn("kiosk: the knowledge base %s: %s; the one in force stays",
                        k->conf->knowledge, rk_err_msg());
            rk_err_clear();
        }
    }
    if (why == KIOSK_RESET_CLOSE) {
        rk_knowledge_free(S.kb);
        S.kb = NULL;
    }
}

rk_status_kind self_status_kind(int severity)
{
    switch (severity) {
    case RK_SELFCHECK_ERROR: return RK_STATUS_ERROR;
    case RK_SELFCHECK_WARNING: return RK_STATUS_WARNING;
    case RK_SELFCHECK_OK: return RK_STATUS_SUCCESS;
    default: return RK_STATUS_INFO;
    }
}

void self_format(kiosk *k, char *out, size_t n, const char *key, const char *a1, const char *a2)
{
    const char *args[2] = {a1 ? a1 : "", a2 ? a2 : ""};
    rk_strings_format(out, n, kiosk_str(k, key), args, 2);
}

void self_keyboard(kiosk *k, rk_kb_mode mode, unsigned modes)
{
    if (k->kb.mode != mode) rk_keyboard_set_mode(&k->kb, mode);
    k->kb.modes = modes;
}

void self_keyboard_area(kiosk *k, rk_rect *c)
{
    int kh = rk_keyboard_height(k->ui, &k->kb, c->w);
    if (kh > c->h / 2 + c->h / 4) kh = c->h / 2 + c->h / 4;
    rk_rect kr = rk_rect_cut_bottom(c, kh);
    rk_rect_cut_bottom(c, rk_ui_px(k->ui, RK_UI_GAP));
    rk_keyboard_draw(k->ui, "kb", kr, &k->kb);
}
