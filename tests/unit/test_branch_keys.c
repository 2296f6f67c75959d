/*
 * One USB key module per process (branch/keys.h): branches opened with
 * keys_of, as a job runner's workers are, use their program's token
 * context instead of loading the module again, one branch at a time, and
 * let go of it at the end of each job (the runner's job_end hook). On
 * demo keys (SoftHSM2 behind p11lock), through the real job runner with
 * two workers running key work at the same time. (The same work on
 * branches of their own loads the module once per worker and finalises
 * it under the other when they close: SoftHSM2 then crashes in
 * C_Finalize, so that is checked from the kiosk, tests/kiosk/self.sh,
 * by the count alone.)
 */
#include "test.h"

#include "branch/branch.h"
#include "branch/keys.h"
#include "util/err.h"
#include "util/jobs.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

static char dir[256], conf[4200], module[4200];
static rk_branch_env env;
static rk_branch *owner;
static int share; /* workers open their branch with keys_of = owner */

static void die(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, rk_err_msg());
    exit(2);
}

static int worker_open(void **ctx, void *arg)
{
    (void)arg;
    rk_branch *b = NULL;
    rk_branch_opts o = {.conf_path = conf, .env = &env, .keys_of = share ? owner : NULL};
    int rc = rk_branch_open(&b, &o);
    *ctx = b;
    return rc;
}

static void worker_close(void *ctx, void *arg)
{
    (void)arg;
    rk_branch_close(ctx);
}

static void job_end(void *ctx, void *arg)
{
    (void)arg;
    rk_branch_keys_release(ctx);
}

/* Two jobs meet: each takes the key contexts, lists the keys, and waits
 * (a little) for the other to have started, so both workers are busy at
 * once; what the other saw while this one held the contexts is counted. */
static atomic_int started, inside, overlap, listed;
static rk_token_ctx *seen[2];

static int key_job(rk_job *job, void *arg)
{
    int me = (int)(intptr_t)arg;
    rk_branch *b = rk_job_worker(job);
    rk_token_info *keys = NULL;
    int n = 0, rc;
    atomic_fetch_add(&started, 1);
    for (int i = 0; i < 200 && atomic_load(&started) < 2; i++)
        usleep(5000);
    if ((rc = rk_branch_tokens(b, NULL, &seen[me])) != 0) return rc;
    if (atomic_fetch_add(&inside, 1) != 0) atomic_fetch_add(&overlap, 1);
    rc = rk_token_list(&keys, &n, seen[me]);
    free(keys);
    if (rc == 0) atomic_fetch_add(&listed, 1);
    usleep(20000);
    atomic_fetch_sub(&inside, 1);
    return rc;
}

/* Runs two key jobs on two workers; the live contexts on the module while
 * the workers are still open. */
static int run_two(int shared)
{
    rk_jobs *j = NULL;
    rk_jobs_opts o = {
        .workers = 2, .worker_open = worker_open, .worker_close = worker_close, .job_end = job_end};
    share = shared;
    atomic_store(&started, 0);
    atomic_store(&overlap, 0);
    atomic_store(&listed, 0);
    seen[0] = seen[1] = NULL;
    if (rk_jobs_new(&j, &o)) die("jobs");
    uint64_t id[2];
    for (int i = 0; i < 2; i++)
        if (rk_jobs_submit(j, &id[i], "keys", key_job, (void *)(intptr_t)i)) die("submit");
    int done = 0;
    for (int t = 0; done < 2 && t < 2000; t++) {
        rk_job_event ev;
        while (rk_jobs_next(j, &ev))
            if (ev.kind == RK_JOB_EV_DONE) {
                if (ev.rc) fprintf(stderr, "job: %s\n", ev.message);
                CHECK_INT(ev.rc, 0);
                done++;
            }
        usleep(5000);
    }
    CHECK_INT(done, 2);
    int live = rk_token_ctx_live(module);
    rk_jobs_free(j);
    return live;
}

int main(void)
{
    rk_test_tmpdir(dir, sizeof dir);
    setenv("RAKIOSK_DATA_DIR", dir, 1);
    unsetenv("SOFTHSM2_CONF");
    unsetenv("RK_P11LOCK_STATE_DIR");
    unsetenv("RK_P11LOCK_MAX_TRIES");
    unsetenv("RK_P11LOCK_PULL_AT");
    snprintf(conf, sizeof conf, "%s/conf/kiosk.conf", getenv("RK_SOURCE_DIR"));
    snprintf(module, sizeof module, "%s/app/p11lock/rkp11lock.so", getenv("RK_BUILD_DIR"));
    snprintf(env.token_module, sizeof env.token_module, "%s", module);
    rk_branch_opts o = {.conf_path = conf, .env = &env};
    const rk_conf *c;
    if (rk_branch_open(&owner, &o) || rk_branch_conf(owner, &c)) die("branch");
    /* The demo store is prepared by the first branch that loads the module;
     * the workers are handed the settings as the kiosk hands them its own. */
    rk_token_ctx *mine = NULL;
    CHECK_INT(rk_branch_tokens(owner, NULL, &mine), 0);
    CHECK_INT(rk_token_ctx_live(module), 1);
    env = *rk_branch_env_of(owner);
    /* The program's branch lets go before the workers work (as rakiosk's
     * UI thread never holds them). */
    rk_branch_keys_release(owner);

    /* Shared: one context, the program's, used by one worker at a time. */
    CHECK_INT(run_two(1), 1);
    CHECK(seen[0] == mine && seen[1] == mine);
    CHECK_INT(atomic_load(&overlap), 0);
    CHECK_INT(atomic_load(&listed), 2);
    /* Released at the end of each job: the program's branch takes it at
     * once (a job that kept it would hang here). */
    CHECK_INT(rk_branch_tokens(owner, NULL, &mine), 0);
    rk_branch_keys_release(owner);
    CHECK_INT(rk_token_ctx_live(module), 1);

    rk_branch_close(owner);
    CHECK_INT(rk_token_ctx_live(module), 0);
    return rk_test_done();
}
