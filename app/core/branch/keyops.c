/*
 * Services on subscribers' USB keys (see keyops.h).
 */
#include "branch/keyops.h"

#include "audit/record.h"
#include "branch/keys.h"
#include "branch/session.h"
#include "ca/subca.h"
#include "domain/certreg.h"
#include "domain/order.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/wipe.h"
#include "util/words.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int rk_branch_keys_inserted(rk_branch *b, rk_token_info **out, int *n)
{
    rk_token_ctx *ctx;
    int rc, kept = 0;
    *out = NULL;
    *n = 0;
    if ((rc = rk_branch_tokens(b, NULL, &ctx)) || (rc = rk_token_list(out, n, ctx))) return rc;
    for (int i = 0; i < *n; i++) /* the HSM may share the demo store: not a key */
        if (strcmp((*out)[i].label, RK_SUBCA_HSM_LABEL)) (*out)[kept++] = (*out)[i];
    *n = kept;
    return 0;
}

int rk_branch_key_list(rk_branch *b, const rk_actor *by, rk_token_info **out, int *n)
{
    int rc;
    *out = NULL;
    *n = 0;
    if ((rc = rk_branch_need_clerk(b, by, "the list of keys")) != 0) return rc;
    return rk_branch_keys_inserted(b, out, n);
}

int rk_branch_key_info(rk_branch *b, const char *serial, rk_token_info *out)
{
    rk_token_ctx *ctx;
    int rc = rk_branch_tokens(b, serial, &ctx);
    return rc ? rc : rk_token_info_get(out, ctx, serial);
}

int rk_branch_key_init(rk_branch *b, const rk_branch_key_init_req *req, char *new_serial,
                       char *generated)
{
    unsigned char secret[RK_BRANCH_SECRET_LEN];
    rk_token_ctx *ctx;
    int rc;
    if (generated) generated[0] = '\0';
    if ((rc = rk_branch_tokens(b, req->serial, &ctx)) || (rc = rk_branch_secret(b, secret, 1)))
        return rc;
    rk_token_init_opts o = {.label = req->label,
                            .secret = secret,
                            .secret_len = sizeof secret,
                            .user_pin = req->pin,
                            .progress = req->progress,
                            .progress_arg = req->progress_arg};
    rc = rk_token_init(new_serial, req->pin ? NULL : generated, ctx, req->serial, &o);
    rk_wipe(secret, sizeof secret);
    /* Demo keys take the PIN limit of their key model, as real ones have. */
    if (!rc) rc = rk_branch_demo_key_limit(b, new_serial);
    return rc;
}

int rk_branch_key_passwd(rk_branch *b, const char *serial, const char *old_pin, const char *new_pin)
{
    rk_token_ctx *ctx;
    rk_token *t = NULL;
    int rc;
    if (!(rc = rk_branch_tokens(b, serial, &ctx)) && !(rc = rk_token_open(&t, ctx, serial)))
        rc = rk_token_change_pin(t, old_pin, new_pin);
    rk_token_close(t);
    return rc;
}

static const char *field(const rk_order *o, const char *name)
{
    for (int i = 0; i < o->n_fields; i++)
        if (!strcmp(o->fields[i].name, name)) return o->fields[i].value;
    return "";
}

/* The unlock rules on the order o (loaded here). */
static int unlock_check(rk_branch *b, const rk_actor *by, const rk_branch_key_unlock_req *req,
                        rk_ledger **l, rk_order *o)
{
    char holder[RK_ORDER_VALUE_MAX];
    int rc;
    if (!(by->roles & RK_ROLE_ISSUE))
        return rk_err_set(RK_EPERM, "unlocking a key needs the issue role; %s does not have it",
                          by->login);
    if (!req->order_ref || !req->order_ref[0] || !req->serial || !req->serial[0])
        return rk_err_set(RK_EINVAL, "an unlock needs its order and the key's serial");
    if ((rc = rk_branch_ledger(b, l)) || (rc = rk_order_get(*l, req->order_ref, o))) return rc;
    if (strcmp(o->business, "unlock"))
        return rk_err_set(RK_EINVAL,
                          "order %s is %s %s, not an unlock: a key is unlocked from an "
                          "unlock order",
                          o->ref, rk_article(rk_business_label(o->business, 0)),
                          rk_business_label(o->business, 0));
    if (!strcmp(o->state, "approved") && o->fee_total > o->paid_fen)
        return rk_err_set(RK_ESTATE,
                          "unlock order %s is not paid yet: the unlock needs payment "
                          "first (`ractl order pay %s`)",
                          o->ref, o->ref);
    if (strcmp(o->state, "approved") && strcmp(o->state, "paid"))
        return rk_err_set(RK_ESTATE,
                          "unlock order %s is %s: a key is unlocked only from an "
                          "approved and paid (or fee-free) unlock order",
                          o->ref, o->state);
    if (strcasecmp(field(o, "key_serial"), req->serial))
        return rk_err_set(RK_EPERM, "unlock order %s is for key %s, not for key %s", o->ref,
                          field(o, "key_serial"), req->serial);
    /* The key must be the subscriber's own where the records know whose it is. */
    rc = rk_certreg_key_holder(holder, sizeof holder, *l, req->serial);
    if (rc == RK_ENOTFOUND) {
        rk_err_clear();
        return 0;
    }
    if (rc) return rc;
    if (strcmp(holder, o->subject_name))
        return rk_err_set(RK_EPERM,
                          "key %s holds another subscriber's certificates than unlock "
                          "order %s names: a key is unlocked only for its own subscriber",
                          req->serial, o->ref);
    return 0;
}

int rk_branch_key_unlock_check(rk_branch *b, const rk_actor *by,
                               const rk_branch_key_unlock_req *req)
{
    rk_ledger *l;
    rk_order *o = calloc(1, sizeof *o);
    if (!o) return rk_err_oom();
    int rc = unlock_check(b, by, req, &l, o);
    free(o);
    return rc;
}

typedef struct unlock_record {
    const rk_actor *by;
    const rk_order *o;
    const char *serial;
} unlock_record;

/* Inside the order's issuing transaction: the unlock's own audit entry. */
static int record_unlock(rk_ledger *l, void *arg)
{
    const unlock_record *u = arg;
    char detail[160];
    snprintf(detail, sizeof detail, "key %s unlocked for order %s", u->serial, u->o->ref);
    rk_record r = {.actor = u->by->login,
                   .role = "issue",
                   .action = "key.unlock",
                   .order_id = u->o->uuid,
                   .detail = detail};
    return rk_record_add(l->db, &r);
}

int rk_branch_key_unlock(rk_branch *b, const rk_actor *by, const rk_branch_key_unlock_req *req)
{
    unsigned char secret[RK_BRANCH_SECRET_LEN];
    rk_token_ctx *ctx;
    rk_token *t = NULL;
    rk_ledger *l;
    int rc;
    rk_order *o = calloc(1, sizeof *o);
    if (!o) return rk_err_oom();
    if ((rc = unlock_check(b, by, req, &l, o)) || (rc = rk_branch_tokens(b, req->serial, &ctx)) ||
        (rc = rk_branch_secret(b, secret, 0)))
        goto out;
    if ((rc = rk_token_open(&t, ctx, req->serial)) == 0)
        rc = rk_token_unlock(t, secret, sizeof secret, req->new_pin);
    rk_wipe(secret, sizeof secret);
    rk_token_close(t);
    if (rc) goto out;
    unlock_record u = {.by = by, .o = o, .serial = req->serial};
    if ((rc = rk_order_issue_with(l, by, o->ref, NULL, record_unlock, &u)) != 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", rk_err_msg());
        rc = rk_err_set(rc,
                        "key %s was unlocked with the new PIN, but order %s could not be "
                        "completed (%s): unlock it again with the same order",
                        req->serial, o->ref, why);
    }
out:
    free(o);
    return rc;
}

static void add(rk_branch_diagnosis *d, const char *code, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add(rk_branch_diagnosis *d, const char *code, const char *fix, const char *fmt, ...)
{
    va_list ap;
    if (d->n_findings >= RK_BRANCH_FINDINGS_MAX) return;
    rk_branch_finding *f = &d->findings[d->n_findings++];
    f->code = code;
    f->fix = fix;
    va_start(ap, fmt);
    vsnprintf(f->what, sizeof f->what, fmt, ap);
    va_end(ap);
}

int rk_branch_key_diagnose(rk_branch *b, const rk_actor *by, const char *serial,
                           rk_branch_diagnosis *d)
{
    int rc;
    memset(d, 0, sizeof *d);
    if ((rc = rk_branch_need_clerk(b, by, "a key's diagnosis")) != 0) return rc;
    return rk_branch_key_examine(b, serial, d);
}

int rk_branch_key_examine(rk_branch *b, const char *serial, rk_branch_diagnosis *d)
{
    rk_token_ctx *ctx;
    rk_token *t = NULL;
    int64_t now = rk_clock_now();
    int rc;

    memset(d, 0, sizeof *d);
    if ((rc = rk_branch_tokens(b, serial, &ctx)) != 0) return rc;
    rc = rk_token_info_get(&d->info, ctx, serial);
    if (rc == RK_EDEVICE) {
        rk_err_clear();
        add(d, "-10101042",
            "re-insert it in another USB port; if it is still not seen, the key or its driver "
            "is damaged (damaged-key replacement)",
            "the key is not found in the system");
        return 0;
    }
    if (rc) return rc;
    d->present = 1;
    if (!d->info.initialised)
        add(d, "", "issue a certificate onto it (new certificate)",
            "the key is blank (not initialised)");
    if (d->info.pin_state == RK_TOKEN_PIN_LOCKED)
        add(d, "-10101019",
            !strcmp(d->info.unlock, "online") ? "unlock online (self-service) or at the counter"
            : !strcmp(d->info.unlock, "remote")
                ? "unlock through remote assistance (hotline)"
                : "a clerk unlocks it at the counter (ractl key unlock)",
            "the PIN is locked after too many wrong PINs");
    else if (d->info.pin_state == RK_TOKEN_PIN_FINAL_TRY)
        add(d, "-10101019", "check the PIN before signing; never retry blindly",
            "one wrong PIN more locks the key");
    if (!d->info.initialised) return 0;
    if ((rc = rk_token_open(&t, ctx, serial)) == 0) rc = rk_token_objects(&d->objs, &d->n_objs, t);
    rk_token_close(t);
    if (rc) return rc;
    for (int i = 0; i < d->n_objs; i++) {
        const rk_token_object *o = &d->objs[i];
        if (o->kind == RK_TOKEN_OBJ_PUBLIC_KEY) d->keypairs++;
        if (o->kind != RK_TOKEN_OBJ_CERT) continue;
        d->certs++;
        if (o->not_after && o->not_after < now)
            add(d, "-10101039", "come to the counter to renew the certificate",
                "the certificate %s (serial %s) has expired", o->subject, o->serial_hex);
        else if (o->not_before > now)
            add(d, "", "check the computer's clock, or wait until it is valid",
                "the certificate %s is not valid yet", o->subject);
    }
    if (d->certs == 0)
        add(d, "-10101011",
            "insert the key and install or activate the driver; if the key holds no "
            "certificate, it must be issued again",
            "no certificate is found on the key");
    return 0;
}
