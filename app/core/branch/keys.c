/*
 * The branch's USB keys (see keys.h).
 */
#include "branch/keys.h"

#include "conf/secret.h"
#include "demo/softkeys.h"
#include "util/err.h"
#include "util/file.h"
#include "util/wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_MODULES 4

/* The token contexts a branch opened, one per module, with the lock that
 * lets one branch at a time use them: the branch itself and the branches
 * that share them (rk_branch_opts.keys_of, a job runner's workers). */
typedef struct tokens {
    pthread_mutex_t mu;
    const rk_conf *conf; /* the opening branch's, which outlives its sharers */
    int n;
    struct {
        char module[PATH_MAX];
        rk_token_ctx *ctx;
    } e[MAX_MODULES];
} tokens;

/* A branch's RK_BRANCH_TOKENS part: the contexts it uses (its own, or
 * those of keys_of) and whether it holds their lock. */
typedef struct keys_part {
    tokens *own; /* NULL when the contexts are another branch's */
    tokens *t;
    int held;
    unsigned prepared; /* the modules (bits of t->e) whose store this branch prepared */
} keys_part;

/* Guards making a branch's part when another branch's thread may make it
 * at the same time (the first worker that needs keys). */
static pthread_mutex_t parts_mu = PTHREAD_MUTEX_INITIALIZER;

static void keys_part_close(void *p)
{
    keys_part *k = p;
    if (k->held) pthread_mutex_unlock(&k->t->mu);
    if (k->own) {
        for (int i = 0; i < k->own->n; i++)
            rk_token_ctx_free(k->own->e[i].ctx);
        pthread_mutex_destroy(&k->own->mu);
        free(k->own);
    }
    free(k);
}

/* b's part, made on first use (with its own contexts, or pointing at
 * keys_of's, which are made first when needed). Called under parts_mu. */
static int keys_part_of(rk_branch *b, keys_part **out)
{
    keys_part *k = rk_branch_part_get(b, RK_BRANCH_TOKENS);
    rk_branch *of = rk_branch_keys_of(b);
    keys_part *shared = NULL;
    const rk_conf *conf;
    int rc;
    if (k) {
        *out = k;
        return 0;
    }
    if (of && (rc = keys_part_of(of, &shared)) != 0) return rc;
    if (!shared && (rc = rk_branch_conf(b, &conf)) != 0) return rc;
    if (!(k = calloc(1, sizeof *k))) return rk_err_oom();
    if (shared) {
        k->t = shared->t;
    } else {
        if (!(k->own = calloc(1, sizeof *k->own))) {
            free(k);
            return rk_err_oom();
        }
        pthread_mutex_init(&k->own->mu, NULL);
        k->own->conf = conf;
        k->t = k->own;
    }
    rk_branch_part_set(b, RK_BRANCH_TOKENS, k, keys_part_close);
    *out = k;
    return 0;
}

void rk_branch_keys_release(rk_branch *b)
{
    keys_part *k = rk_branch_part_get(b, RK_BRANCH_TOKENS);
    if (!k || !k->held) return;
    k->held = 0;
    pthread_mutex_unlock(&k->t->mu);
}

int rk_branch_module_is_soft(const char *module)
{
    return strstr(module, "softhsm") || strstr(module, "p11lock");
}

/* The module of key serial's key and where it came from. */
static int token_module(rk_branch *b, const char *serial, char *out, size_t n, const char **from,
                        const char **setting)
{
    const rk_branch_env *env = rk_branch_env_of(b);
    const rk_conf *conf;
    const char *module = env->token_module;
    int rc;
    *from = "from RAKIOSK_TOKEN_MODULE";
    *setting = "RAKIOSK_TOKEN_MODULE";
    if (!module[0]) {
        if ((rc = rk_branch_conf(b, &conf)) != 0) return rc;
        const rk_key_model *m = serial ? rk_conf_key_model(conf, serial) : NULL;
        module = m && m->module[0] ? m->module : conf->token_module;
        *from = m && m->module[0] ? "the key model's module in kiosk.conf"
                                  : "[token] module in kiosk.conf";
        *setting = m && m->module[0] ? "the key model's module (or RAKIOSK_TOKEN_MODULE)"
                                     : "[token] module (or RAKIOSK_TOKEN_MODULE)";
    }
    if ((size_t)snprintf(out, n, "%s", module) >= n)
        return rk_err_set(RK_ECONF, "the module path %s is too long", module);
    return 0;
}

int rk_branch_token_module(rk_branch *b, const char *serial, char *out, size_t n)
{
    const char *from, *setting;
    return token_module(b, serial, out, n, &from, &setting);
}

int rk_branch_softhsm_prepare(rk_branch *b, const char *module)
{
    const rk_branch_env *env = rk_branch_env_of(b);
    const rk_conf *conf;
    char dir[PATH_MAX], softconf[PATH_MAX + 32];
    int rc;
    if (!rk_branch_module_is_soft(module)) return 0;
    if (env->softhsm2_conf[0]) {
        /* Set from outside (or by this branch before): SoftHSM answers a
         * bad store only with CKR_GENERAL_ERROR, so look first. */
        const rk_conf *c = rk_branch_conf_maybe(b);
        if (c) snprintf(softconf, sizeof softconf, "%s/softkeys/softhsm2.conf", c->data_dir);
        return rk_branch_env_check_softhsm(env, c ? softconf : NULL);
    }
    if ((rc = rk_branch_conf(b, &conf)) != 0) return rc;
    snprintf(dir, sizeof dir, "%s/softkeys", conf->data_dir);
    if ((rc = rk_softkeys_prepare(softconf, sizeof softconf, dir)) != 0) return rc;
    return rk_branch_use_softhsm(b, softconf);
}

int rk_branch_tokens(rk_branch *b, const char *serial, rk_token_ctx **out)
{
    char module[PATH_MAX];
    const char *from, *setting;
    keys_part *k = NULL;
    int rc;
    *out = NULL;
    if ((rc = token_module(b, serial, module, sizeof module, &from, &setting)) != 0) return rc;
    pthread_mutex_lock(&parts_mu);
    rc = keys_part_of(b, &k);
    pthread_mutex_unlock(&parts_mu);
    if (rc) return rc;
    if (!k->held) {
        pthread_mutex_lock(&k->t->mu);
        k->held = 1;
    }
    tokens *t = k->t;
    int i = 0;
    while (i < t->n && strcmp(t->e[i].module, module))
        i++;
    if (i == t->n) {
        if (t->n == MAX_MODULES)
            return rk_err_set(RK_ECONF, "more than %d PKCS#11 modules for keys", MAX_MODULES);
        if ((rc = rk_branch_env_check_module(module, "USB key", from, setting)) ||
            (rc = rk_branch_softhsm_prepare(b, module)) ||
            (rc = rk_token_ctx_new(&t->e[i].ctx, module)))
            return rc;
        rk_token_ctx_set_conf(t->e[i].ctx, t->conf);
        snprintf(t->e[i].module, sizeof t->e[i].module, "%s", module);
        t->n++;
        k->prepared |= 1u << i;
    } else if (!(k->prepared & (1u << i))) {
        /* Loaded by a branch sharing these contexts: this branch's own
         * settings learn the demo store too (p11lock's state is found
         * from it). */
        if ((rc = rk_branch_softhsm_prepare(b, module)) != 0) return rc;
        k->prepared |= 1u << i;
    }
    *out = t->e[i].ctx;
    return 0;
}

int rk_branch_p11lock_state(rk_branch *b, char *out, size_t n)
{
    const rk_branch_env *env = rk_branch_env_of(b);
    char tokendir[PATH_MAX] = "/var/lib/softhsm/tokens";
    if (env->p11lock_state_dir[0]) {
        snprintf(out, n, "%s", env->p11lock_state_dir);
        return 0;
    }
    /* As p11lock finds it: next to the token folder of SoftHSM's store. */
    char found[PATH_MAX];
    if (rk_branch_env_softhsm_tokendir(env->softhsm2_conf[0] ? env->softhsm2_conf
                                                             : "/etc/softhsm/softhsm2.conf",
                                       found, sizeof found) == 0)
        snprintf(tokendir, sizeof tokendir, "%s", found);
    else
        rk_err_clear();
    char *slash = strrchr(tokendir, '/');
    if (slash && slash != tokendir) *slash = '\0';
    if ((size_t)snprintf(out, n, "%s/p11lock", tokendir) >= n)
        return rk_err_set(RK_ECONF, "the p11lock state folder's path is too long");
    return 0;
}

int rk_branch_secret(rk_branch *b, unsigned char out[RK_BRANCH_SECRET_LEN], int create)
{
    const rk_conf *conf;
    int rc;
    if ((rc = rk_branch_conf(b, &conf)) != 0) return rc;
    return rk_secret_load(conf, RK_SECRET_BRANCH_SECRET, NULL, create, out, RK_BRANCH_SECRET_LEN);
}

int rk_branch_demo_key_limit(rk_branch *b, const char *serial)
{
    char module[PATH_MAX], state[PATH_MAX];
    const rk_conf *conf;
    int rc;
    if ((rc = rk_branch_conf(b, &conf)) ||
        (rc = rk_branch_token_module(b, NULL, module, sizeof module)))
        return rc;
    const rk_key_model *m = rk_conf_key_model(conf, serial);
    if (!m || !rk_branch_module_is_soft(module)) return 0;
    if ((rc = rk_branch_p11lock_state(b, state, sizeof state)) != 0) return rc;
    return rk_softkeys_set_max_tries(state, serial, m->pin_max_tries);
}

int rk_branch_demo_key_plug(rk_branch *b, const char *serial, int pulled)
{
    char module[PATH_MAX], state[PATH_MAX];
    int rc;
    if ((rc = rk_branch_token_module(b, NULL, module, sizeof module)) != 0) return rc;
    if (!strstr(module, "p11lock"))
        return rk_err_set(RK_ESTATE,
                          "only demo keys (module p11lock) can be plugged and pulled; this "
                          "branch uses %s",
                          module);
    if ((rc = rk_branch_softhsm_prepare(b, module)) ||
        (rc = rk_branch_p11lock_state(b, state, sizeof state)))
        return rc;
    return rk_softkeys_set_pulled(state, serial, pulled);
}

int rk_branch_demo_keys_pulled(rk_branch *b, char (*out)[RK_TOKEN_SERIAL_MAX], int max, int *n)
{
    char module[PATH_MAX], state[PATH_MAX];
    int rc;
    *n = 0;
    if ((rc = rk_branch_token_module(b, NULL, module, sizeof module)) != 0) return rc;
    if (!strstr(module, "p11lock"))
        return rk_err_set(RK_ESTATE, "only demo keys (module p11lock) are plugged and pulled");
    if ((rc = rk_branch_softhsm_prepare(b, module)) ||
        (rc = rk_branch_p11lock_state(b, state, sizeof state)))
        return rc;
    return rk_softkeys_list_pulled(out, max, n, state);
}
