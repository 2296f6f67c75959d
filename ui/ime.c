/*
 * librime behind the keyboard (see ime.h).
 */
#include "ime.h"

#include "util/err.h"
#include "util/wipe.h"

#include <rime_api.h>

#include <pthread.h>
#include <sys/stat.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XK_BackSpace 0xff08
#define XK_Return    0xff0d
#define XK_Escape    0xff1b

struct rk_ime {
    RimeApi *api;
    RimeSessionId session;
    rk_ime_mode mode;
    char shared[4096], staging[4096], user[4096];
    pthread_t thread;
    int started, joined;
    int init_rc;
    char init_msg[512];
};

static atomic_int in_use;

static int has_cache(const char *build)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/pinyin_simp.schema.yaml", build);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int rk_ime_find_cache(char *out, size_t n)
{
    const char *env = getenv("RAKIOSK_RIME_DIR");
    const char *dirs[3] = {env && *env ? env : NULL, RK_RIME_INSTALL_DIR, RK_RIME_BUILD_DIR};
    for (int i = 0; i < 3; i++) {
        if (!dirs[i]) continue;
        snprintf(out, n, "%s/build", dirs[i]);
        if (has_cache(out)) return 0;
        if (i == 0) break; /* an explicit folder is not second-guessed */
    }
    return rk_err_set(RK_ENOTFOUND,
                      "Rime cache not found (%s%s%s/build, %s/build): build it with "
                      "ui/rime/build-rime-cache",
                      env && *env ? "$RAKIOSK_RIME_DIR=" : "", env && *env ? env : "",
                      env && *env ? "" : RK_RIME_INSTALL_DIR, RK_RIME_BUILD_DIR);
}
static int setup_done;

static const char *schema_of(rk_ime_mode m)
{
    return m == RK_IME_STROKE ? "stroke" : "pinyin_simp";
}

static int count_candidates(rk_ime *ime)
{
    RIME_STRUCT(RimeContext, ctx);
    int n = 0;
    if (ime->api->get_context(ime->session, &ctx)) {
        n = ctx.menu.num_candidates;
        ime->api->free_context(&ctx);
    }
    return n;
}

/* Selects a schema and checks that a test key gives candidates. */
static int check_schema(rk_ime *ime, rk_ime_mode m, char test_key)
{
    if (!ime->api->select_schema(ime->session, schema_of(m)))
        return rk_err_set(RK_ENOTFOUND, "Rime: schema %s not found in %s", schema_of(m),
                          ime->staging);
    ime->api->process_key(ime->session, test_key, 0);
    int n = count_candidates(ime);
    ime->api->clear_composition(ime->session);
    if (n <= 0)
        return rk_err_set(RK_ECONF,
                          "Rime: schema %s gives no candidates (is the cache %s built? "
                          "ui/rime/build-rime-cache)",
                          schema_of(m), ime->staging);
    return 0;
}

static void *init_thread(void *arg)
{
    rk_ime *ime = arg;
    RIME_STRUCT(RimeTraits, traits);
    traits.shared_data_dir = ime->shared;
    traits.user_data_dir = ime->user;
    traits.staging_dir = ime->staging;
    traits.distribution_name = "rakiosk";
    traits.distribution_code_name = "rakiosk";
    traits.distribution_version = "1";
    traits.app_name = "rime.rakiosk";
    traits.min_log_level = 3;
    traits.log_dir = ime->user;
    if (!setup_done) {
        ime->api->setup(&traits);
        setup_done = 1;
    }
    ime->api->initialize(&traits);
    ime->session = ime->api->create_session();
    if (!ime->session) {
        ime->init_rc = rk_err_set(RK_EINTERNAL, "Rime: cannot create a session");
    } else if ((ime->init_rc = check_schema(ime, RK_IME_STROKE, 'h')) == 0) {
        ime->init_rc = check_schema(ime, RK_IME_PINYIN, 'a');
    }
    if (ime->init_rc) snprintf(ime->init_msg, sizeof ime->init_msg, "%s", rk_err_msg());
    return NULL;
}

int rk_ime_open(rk_ime **out, const rk_ime_paths *p)
{
    rk_ime *ime;
    int expected = 0;
    *out = NULL;
    if (!p || !p->staging_dir || !p->user_dir)
        return rk_err_set(RK_EINVAL, "Rime: staging and user folders are required");
    if (!atomic_compare_exchange_strong(&in_use, &expected, 1))
        return rk_err_set(RK_EBUSY, "Rime: one input method per process");
    if (!(ime = calloc(1, sizeof *ime))) {
        atomic_store(&in_use, 0);
        return rk_err_oom();
    }
    ime->api = rime_get_api();
    snprintf(ime->shared, sizeof ime->shared, "%s",
             p->shared_dir ? p->shared_dir : "/usr/share/rime-data");
    snprintf(ime->staging, sizeof ime->staging, "%s", p->staging_dir);
    snprintf(ime->user, sizeof ime->user, "%s", p->user_dir);
    if (pthread_create(&ime->thread, NULL, init_thread, ime) != 0) {
        free(ime);
        atomic_store(&in_use, 0);
        return rk_err_set(RK_EINTERNAL, "Rime: cannot start its thread");
    }
    ime->started = 1;
    *out = ime;
    return 0;
}

int rk_ime_ready(rk_ime *ime)
{
    if (!ime->joined) {
        pthread_join(ime->thread, NULL);
        ime->joined = 1;
    }
    if (ime->init_rc) return rk_err_set(ime->init_rc, "%s", ime->init_msg);
    return 0;
}

void rk_ime_free(rk_ime *ime)
{
    if (!ime) return;
    rk_ime_ready(ime);
    if (ime->session) ime->api->destroy_session(ime->session);
    ime->api->finalize();
    free(ime);
    atomic_store(&in_use, 0);
}

static int usable(rk_ime *ime)
{
    return rk_ime_ready(ime) == 0 && ime->session;
}

int rk_ime_set_mode(rk_ime *ime, rk_ime_mode mode)
{
    if (!usable(ime)) return rk_err_set(RK_ESTATE, "Rime: not started");
    ime->api->clear_composition(ime->session);
    if (!ime->api->select_schema(ime->session, schema_of(mode)))
        return rk_err_set(RK_ENOTFOUND, "Rime: schema %s", schema_of(mode));
    ime->mode = mode;
    return 0;
}

rk_ime_mode rk_ime_get_mode(const rk_ime *ime)
{
    return ime->mode;
}

int rk_ime_key(rk_ime *ime, char c)
{
    int ok = ime->mode == RK_IME_STROKE ? (c == 'h' || c == 's' || c == 'p' || c == 'n' || c == 'z')
                                        : ((c >= 'a' && c <= 'z') || c == '\'');
    if (!ok) return rk_err_set(RK_EINVAL, "Rime: key '%c' not used in this mode", c);
    if (!usable(ime)) return rk_err_set(RK_ESTATE, "Rime: not started");
    ime->api->process_key(ime->session, (unsigned char)c, 0);
    return 0;
}

int rk_ime_composing(rk_ime *ime)
{
    if (!usable(ime)) return 0;
    const char *in = ime->api->get_input(ime->session);
    return in && *in;
}

int rk_ime_backspace(rk_ime *ime)
{
    if (!rk_ime_composing(ime)) return 0;
    ime->api->process_key(ime->session, XK_BackSpace, 0);
    return 1;
}

int rk_ime_view_get(rk_ime *ime, rk_ime_view *v, int first, int count)
{
    RimeCandidateListIterator it;
    memset(v, 0, sizeof *v);
    if (count < 1) count = 1;
    if (count > RK_IME_MAX_CANDS) count = RK_IME_MAX_CANDS;
    if (first < 0) first = 0;
    v->first = first;
    if (!usable(ime)) return rk_err_set(RK_ESTATE, "Rime: not started");
    RIME_STRUCT(RimeContext, ctx);
    if (ime->api->get_context(ime->session, &ctx)) {
        if (ctx.composition.preedit)
            snprintf(v->preedit, sizeof v->preedit, "%s", ctx.composition.preedit);
        ime->api->free_context(&ctx);
    }
    v->composing = rk_ime_composing(ime);
    if (!v->composing) return 0;
    if (ime->mode == RK_IME_STROKE) {
        /* The stroke schema shows strokes as Kangxi radicals (U+2F00..),
         * which WenQuanYi lacks: show the strokes as the ideographs
         * 一丨丿丶乙 instead, which every CJK font has. */
        static const char *const strokes[5] = {"一", "丨", "丿", "丶", "乙"};
        const char *in = ime->api->get_input(ime->session);
        size_t o = 0;
        for (; in && *in && o + 4 < sizeof v->preedit; in++) {
            const char *k = strchr("hspnz", *in);
            if (!k || !*in) continue;
            memcpy(v->preedit + o, strokes[k - "hspnz"], 3);
            o += 3;
        }
        v->preedit[o] = '\0';
    }
    memset(&it, 0, sizeof it);
    if (!ime->api->candidate_list_from_index(ime->session, &it, first)) return 0;
    while (ime->api->candidate_list_next(&it)) {
        if (v->n == count) {
            v->has_next = 1;
            break;
        }
        snprintf(v->text[v->n], sizeof v->text[v->n], "%s",
                 it.candidate.text ? it.candidate.text : "");
        snprintf(v->comment[v->n], sizeof v->comment[v->n], "%s",
                 it.candidate.comment && ime->mode != RK_IME_STROKE ? it.candidate.comment : "");
        v->n++;
    }
    ime->api->candidate_list_end(&it);
    v->has_prev = first > 0;
    return 0;
}

static int take_commit(rk_ime *ime, char *out, size_t n)
{
    RIME_STRUCT(RimeCommit, commit);
    if (!ime->api->get_commit(ime->session, &commit)) return 0;
    snprintf(out, n, "%s", commit.text ? commit.text : "");
    ime->api->free_commit(&commit);
    return 1;
}

int rk_ime_select(rk_ime *ime, int index, char *out, size_t n)
{
    if (n) out[0] = '\0';
    if (!usable(ime)) return rk_err_set(RK_ESTATE, "Rime: not started");
    if (index < 0) return rk_err_set(RK_EINVAL, "Rime: no candidate %d", index);
    if (!ime->api->select_candidate(ime->session, (size_t)index))
        return rk_err_set(RK_EINVAL, "Rime: no candidate %d", index);
    return take_commit(ime, out, n);
}

int rk_ime_commit_raw(rk_ime *ime, char *out, size_t n)
{
    if (n) out[0] = '\0';
    if (!rk_ime_composing(ime)) return 0;
    const char *in = ime->api->get_input(ime->session);
    snprintf(out, n, "%s", in ? in : "");
    ime->api->clear_composition(ime->session);
    return 1;
}

void rk_ime_clear(rk_ime *ime)
{
    if (usable(ime)) ime->api->clear_composition(ime->session);
}

void rk_ime_reset(rk_ime *ime)
{
    if (!usable(ime)) return;
    ime->api->destroy_session(ime->session);
    ime->session = ime->api->create_session();
    if (ime->session) ime->api->select_schema(ime->session, schema_of(ime->mode));
}
