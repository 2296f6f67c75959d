/*
 * The desk's work screens' shared jobs and event-player lines (see
 * desk_work.h): "work-settle" waits until their jobs have run, and each
 * work module's own "work-..." checks are tried in turn.
 */
#include "desk_work.h"

#include "branch/session.h"
#include "domain/order.h"
#include "ui/strings.h"
#include "util/err.h"
#include "util/wipe.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define WORK_APPS 4

static atomic_int running;
static desk_work_app_fn apps[WORK_APPS];
static int n_apps;

int desk_work_submit(kiosk *k, const char *name, rk_job_fn fn, void *arg, kiosk_job_cb cb,
                     void *cb_arg)
{
    atomic_fetch_add(&running, 1);
    int rc = kiosk_submit(k, NULL, name, fn, arg, cb, cb_arg);
    if (rc) atomic_fetch_sub(&running, 1);
    return rc;
}

void desk_work_ended(void)
{
    atomic_fetch_sub(&running, 1);
}

int desk_work_session(rk_branch *b, char *token, rk_actor *actor)
{
    int rc = rk_branch_session_use(b, token, actor);
    rk_wipe(token, RK_SESSION_TOKEN_LEN + 1);
    return rc;
}

/* "work-settle": waits (really, up to 30 s) until no work job runs; else
 * the registered modules' lines. */
static int work_app(kiosk *k, const char *words)
{
    if (!strcmp(words, "work-settle")) {
        for (int i = 0; i < 3000 && atomic_load(&running) > 0; i++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        return atomic_load(&running) > 0
                   ? rk_err_set(RK_ETIMEOUT, "work-settle: the desk's work still runs after 30 s")
                   : 0;
    }
    for (int i = 0; i < n_apps; i++) {
        int rc = 0;
        if (apps[i](k, words, &rc)) return rc;
    }
    return rk_err_set(RK_EINVAL, "unknown work line '%s'", words);
}

void desk_work_register(kiosk *k, desk_work_app_fn fn)
{
    for (int i = 0; i < n_apps; i++)
        if (apps[i] == fn) return;
    if (n_apps == 0 && kiosk_app_register(k, "work-", work_app) != 0) {
        rk_err_clear();
        return;
    }
    if (n_apps < WORK_APPS) apps[n_apps++] = fn;
}

void desk_work_format(kiosk *k, char *out, size_t n, const char *key, const char *a1,
                      const char *a2, const char *a3)
{
    const char *args[3] = {a1 ? a1 : "", a2 ? a2 : "", a3 ? a3 : ""};
    rk_strings_format(out, n, kiosk_str(k, key), args, 3);
}

const char *desk_work_business(kiosk *k, const char *business)
{
    return rk_business_label(business, rk_ui_lang(k->ui) == 0);
}
