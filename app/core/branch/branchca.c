/*
 * The branch's sub-CA, HSM and issuer (see branchca.h).
 */
#include "branch/branchca.h"

#include "audit/record.h"
#include "branch/keys.h"
#include "ca/castatus.h"
#include "conf/secret.h"
#include "domain/clerk.h"
#include "util/json.h"
#include "ca/subca_issuer.h"
#include "util/err.h"
#include "util/file.h"
#include "util/wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_HSM_MODULE "/usr/lib/softhsm/libsofthsm2.so"

static int data_path(rk_branch *b, char *out, size_t n, const char *name)
{
    const rk_conf *conf;
    int rc = rk_branch_conf(b, &conf);
    if (rc) return rc;
    if ((size_t)snprintf(out, n, "%s/%s", conf->data_dir, name) >= n)
        return rk_err_set(RK_ECONF, "the path of %s is too long", name);
    return 0;
}

int rk_branch_ca_dir(rk_branch *b, char *out, size_t n)
{
    return data_path(b, out, n, "ca");
}

int rk_branch_crl_dir(rk_branch *b, char *out, size_t n)
{
    return data_path(b, out, n, "crls");
}

int rk_branch_hsm_module(rk_branch *b, char *out, size_t n)
{
    const rk_branch_env *env = rk_branch_env_of(b);
    const char *module = env->hsm_module[0] ? env->hsm_module : DEFAULT_HSM_MODULE;
    int rc;
    if ((size_t)snprintf(out, n, "%s", module) >= n)
        return rk_err_set(RK_ECONF, "the HSM module path %s is too long", module);
    if ((rc = rk_branch_env_check_module(
             module, "HSM", env->hsm_module[0] ? "from RAKIOSK_HSM_MODULE" : "the default",
             "RAKIOSK_HSM_MODULE")) != 0)
        return rc;
    return rk_branch_softhsm_prepare(b, module);
}

int rk_branch_has_subca(rk_branch *b)
{
    char dir[PATH_MAX], cert[PATH_MAX + 16];
    if (rk_branch_ca_dir(b, dir, sizeof dir) != 0) {
        rk_err_clear();
        return 0;
    }
    snprintf(cert, sizeof cert, "%s/subca.pem", dir);
    return access(cert, F_OK) == 0;
}

int rk_branch_hsm_pin(rk_branch *b, char *pin, size_t n, int create)
{
    const rk_conf *conf;
    int rc;
    if (n < RK_BRANCH_HSM_PIN_MAX) return rk_err_set(RK_EINTERNAL, "HSM PIN buffer too small");
    if ((rc = rk_branch_conf(b, &conf)) != 0) return rc;
    return rk_secret_load(conf, RK_SECRET_HSM_PIN, rk_branch_env_of(b)->hsm_pin_file, create, pin,
                          n);
}

static void subca_close(void *p)
{
    rk_subca_free(p);
}

int rk_branch_subca(rk_branch *b, rk_subca **out)
{
    char dir[PATH_MAX], module[PATH_MAX], pin[RK_BRANCH_HSM_PIN_MAX];
    rk_subca *ca = rk_branch_part_get(b, RK_BRANCH_SUBCA);
    int rc;
    *out = NULL;
    if (ca) {
        *out = ca;
        return 0;
    }
    if ((rc = rk_branch_ca_dir(b, dir, sizeof dir)) != 0) return rc;
    if (!rk_branch_has_subca(b))
        return rk_err_set(RK_ENOTFOUND, "no sub-CA in %s: run `ractl ca init` first", dir);
    if ((rc = rk_branch_hsm_module(b, module, sizeof module)) ||
        (rc = rk_branch_hsm_pin(b, pin, sizeof pin, 0)))
        return rc;
    rc = rk_subca_open(&ca, dir, module, NULL, pin);
    rk_wipe(pin, sizeof pin);
    if (rc) return rc;
    rk_branch_part_set(b, RK_BRANCH_SUBCA, ca, subca_close);
    *out = ca;
    return 0;
}

static void profiles_close(void *p)
{
    rk_profiles_free(p);
}

int rk_branch_profiles(rk_branch *b, const rk_profiles **out)
{
    rk_profiles *p = rk_branch_part_get(b, RK_BRANCH_PROFILES);
    const rk_conf *conf;
    int rc;
    *out = NULL;
    if (!p) {
        if ((rc = rk_branch_conf(b, &conf)) || (rc = rk_profiles_load(&p, conf->profiles)))
            return rc;
        rk_branch_part_set(b, RK_BRANCH_PROFILES, p, profiles_close);
    }
    *out = p;
    return 0;
}

static void issuer_close(void *p)
{
    rk_subca_issuer_done(p);
    free(p);
}

int rk_branch_issuer(rk_branch *b, const rk_issuer **out)
{
    rk_subca_issuer *si = rk_branch_part_get(b, RK_BRANCH_ISSUER);
    const rk_profiles *profiles;
    rk_subca *ca;
    int rc;
    *out = NULL;
    if (!si) {
        if ((rc = rk_branch_subca(b, &ca)) || (rc = rk_branch_profiles(b, &profiles))) return rc;
        if (!(si = calloc(1, sizeof *si))) return rk_err_oom();
        if ((rc = rk_subca_issuer_init(si, ca, profiles)) != 0) {
            free(si);
            return rc;
        }
        rk_branch_part_set(b, RK_BRANCH_ISSUER, si, issuer_close);
    }
    *out = &si->ops;
    return 0;
}

int rk_branch_follow_ca(rk_branch *b, const rk_actor *by, int *changed, uint64_t *crl_number)
{
    rk_ledger *l;
    rk_subca *ca;
    int rc;
    if (changed) *changed = 0;
    if (crl_number) *crl_number = 0;
    if (!rk_branch_has_subca(b)) return 0;
    if ((rc = rk_branch_ledger(b, &l)) || (rc = rk_branch_subca(b, &ca))) return rc;
    return rk_castatus_publish(l, ca, by, changed, crl_number);
}

int rk_branch_ca_record(rk_branch *b, const rk_actor *actor, const char *role, const char *action,
                        const char *serial, const char *event, const char *detail)
{
    rk_db *db;
    rk_buf payload;
    rk_json j;
    int rc;
    if ((rc = rk_branch_db(b, &db)) != 0) return rc;
    rk_buf_init(&payload, 4096);
    rk_json_init(&j, &payload);
    rk_json_obj_begin(&j);
    rk_json_kstr(&j, "serial", serial);
    rk_json_kstr(&j, "by", "sub-CA");
    rk_json_obj_end(&j);
    if ((rc = rk_json_finish(&j)) == 0) {
        rk_record r = {.actor = actor->login,
                       .role = role,
                       .action = action,
                       .detail = detail,
                       .entity = event ? "certificate" : NULL,
                       .entity_id = serial,
                       .kind = event,
                       .payload = (const char *)payload.data};
        rc = rk_record_once(db, &r);
    }
    rk_buf_free(&payload);
    return rc;
}
