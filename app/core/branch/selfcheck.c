/*
 * The key self-check and the subscriber's PIN change (see selfcheck.h).
 */
#include "branch/selfcheck.h"

#include "branch/keyops.h"
#include "util/clock.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static rk_selfcheck_finding *add(rk_selfcheck *c, int severity, const char *code, const char *what,
                                 const char *fix, const char *arg1, const char *arg2)
{
    for (int i = 0; i < c->n; i++) /* the two halves of a dual pair say the same */
        if (!strcmp(c->findings[i].what, what) && !strcmp(c->findings[i].arg1, arg1 ? arg1 : ""))
            return &c->findings[i];
    if (c->n == RK_SELFCHECK_MAX) return NULL;
    rk_selfcheck_finding *f = &c->findings[c->n++];
    f->severity = severity;
    f->code = code;
    f->what = what;
    f->fix = fix;
    snprintf(f->arg1, sizeof f->arg1, "%s", arg1 ? arg1 : "");
    snprintf(f->arg2, sizeof f->arg2, "%s", arg2 ? arg2 : "");
    if (severity > c->worst) c->worst = severity;
    return f;
}

/* A day as the subscriber reads it: 2027-01-05, local time. */
static void day_of(char *out, size_t n, int64_t t)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (!localtime_r(&tt, &tm) || !strftime(out, n, "%Y-%m-%d", &tm)) snprintf(out, n, "?");
}

static void not_found(rk_selfcheck *c)
{
    add(c, RK_SELFCHECK_ERROR, "-10101042", "selfcheck.not_found", "selfcheck.fix_not_found", NULL,
        NULL);
}

/* The one subscriber key inserted into serial, or a finding. 1 if found. */
static int pick(rk_branch *b, rk_selfcheck *c, int *rc)
{
    rk_token_info *keys = NULL;
    int n = 0, found = 0;
    if ((*rc = rk_branch_keys_inserted(b, &keys, &n)) != 0) return 0;
    for (int i = 0; i < n; i++) {
        if (!keys[i].initialised || !keys[i].serial[0]) continue;
        if (!found++) snprintf(c->serial, sizeof c->serial, "%s", keys[i].serial);
    }
    free(keys);
    if (found == 0) not_found(c);
    if (found > 1) {
        c->serial[0] = '\0';
        add(c, RK_SELFCHECK_WARNING, "", "selfcheck.several", "selfcheck.fix_several", NULL, NULL);
    }
    return found == 1;
}

static void pin_findings(rk_selfcheck *c, const rk_token_info *info)
{
    char tries[16];
    snprintf(tries, sizeof tries, "%d", info->tries_left);
    switch (info->pin_state) {
    case RK_TOKEN_PIN_LOCKED:
        add(c, RK_SELFCHECK_ERROR, "-10101019", "selfcheck.locked",
            !strcmp(info->unlock, "online")   ? "selfcheck.fix_unlock_online"
            : !strcmp(info->unlock, "remote") ? "selfcheck.fix_unlock_remote"
                                              : "selfcheck.fix_unlock_counter",
            NULL, NULL);
        break;
    case RK_TOKEN_PIN_FINAL_TRY:
        add(c, RK_SELFCHECK_WARNING, "-10101019", "selfcheck.final_try", "selfcheck.fix_final_try",
            NULL, NULL);
        break;
    case RK_TOKEN_PIN_COUNT_LOW:
        if (info->tries_left > 0)
            add(c, RK_SELFCHECK_INFO, "", "selfcheck.tries_low", "selfcheck.fix_tries_low", tries,
                NULL);
        else
            add(c, RK_SELFCHECK_INFO, "", "selfcheck.tries_low_unknown", "selfcheck.fix_tries_low",
                NULL, NULL);
        break;
    default: break;
    }
}

int rk_selfcheck_key(rk_branch *b, const char *serial, rk_selfcheck *out)
{
    rk_branch_diagnosis d;
    int rc = 0;
    int64_t now = rk_clock_now();

    memset(out, 0, sizeof *out);
    out->tries_left = out->max_tries = -1;
    if (serial)
        snprintf(out->serial, sizeof out->serial, "%s", serial);
    else if (!pick(b, out, &rc))
        return rc;
    if ((rc = rk_branch_key_examine(b, out->serial, &d)) != 0) return rc;
    if (!d.present) {
        free(d.objs);
        not_found(out);
        return 0;
    }
    out->present = 1;
    out->pin_state = d.info.pin_state;
    out->tries_left = d.info.tries_left;
    out->max_tries = d.info.max_tries;
    out->certs = d.certs;
    out->keypairs = d.keypairs;
    if (!d.info.initialised) {
        free(d.objs);
        add(out, RK_SELFCHECK_ERROR, "", "selfcheck.blank", "selfcheck.fix_blank", NULL, NULL);
        return 0;
    }
    pin_findings(out, &d.info);
    for (int i = 0; i < d.n_objs; i++) {
        const rk_token_object *o = &d.objs[i];
        char day[32], days[16];
        if (o->kind != RK_TOKEN_OBJ_CERT) continue;
        if (o->not_after && (!out->not_after || o->not_after < out->not_after))
            out->not_after = o->not_after;
        if (o->not_after && o->not_after < now) {
            day_of(day, sizeof day, o->not_after);
            add(out, RK_SELFCHECK_ERROR, "-10101039", "selfcheck.expired", "selfcheck.fix_expired",
                day, NULL);
        } else if (o->not_before > now) {
            day_of(day, sizeof day, o->not_before);
            add(out, RK_SELFCHECK_WARNING, "", "selfcheck.not_yet", "selfcheck.fix_not_yet", day,
                NULL);
        } else if (o->not_after && o->not_after - now <= RK_SELFCHECK_RENEW_DAYS * 86400LL) {
            day_of(day, sizeof day, o->not_after);
            snprintf(days, sizeof days, "%lld", (long long)((o->not_after - now + 86399) / 86400));
            add(out, RK_SELFCHECK_WARNING, "", "selfcheck.expiring", "selfcheck.fix_expiring", day,
                days);
        }
    }
    free(d.objs);
    if (out->certs == 0)
        add(out, RK_SELFCHECK_ERROR, "-10101011", "selfcheck.no_cert", "selfcheck.fix_no_cert",
            NULL, NULL);
    return 0;
}

/* ---- PIN change ---- */

static void fill_state(rk_selfcheck_pin *out, const rk_token_info *info)
{
    out->pin_state = info->pin_state;
    out->tries_left = info->tries_left;
    out->max_tries = info->max_tries;
    out->warn = "";
    out->arg1[0] = '\0';
    switch (info->pin_state) {
    case RK_TOKEN_PIN_LOCKED: out->warn = "selfcheck.pin_locked"; break;
    case RK_TOKEN_PIN_FINAL_TRY: out->warn = "selfcheck.pin_final_warn"; break;
    case RK_TOKEN_PIN_NOT_SET: out->warn = "selfcheck.pin_not_set"; break;
    case RK_TOKEN_PIN_COUNT_LOW:
        if (info->tries_left > 0) {
            out->warn = "selfcheck.pin_tries";
            snprintf(out->arg1, sizeof out->arg1, "%d", info->tries_left);
        }
        break;
    default: break;
    }
}

/* Reads the live state; RK_EDEVICE with msg pin_no_key when the key is gone. */
static int read_state(rk_branch *b, const char *serial, rk_selfcheck_pin *out)
{
    rk_token_info info;
    int rc = rk_branch_key_info(b, serial, &info);
    if (rc == RK_EDEVICE) out->msg = "selfcheck.pin_no_key";
    if (rc) return rc;
    if (!info.initialised) info.pin_state = RK_TOKEN_PIN_NOT_SET;
    fill_state(out, &info);
    return 0;
}

int rk_selfcheck_pin_state(rk_branch *b, const char *serial, rk_selfcheck_pin *out)
{
    memset(out, 0, sizeof *out);
    out->tries_left = out->max_tries = -1;
    out->warn = out->msg = "";
    return read_state(b, serial, out);
}

static int is_simple(const char *p, size_t n)
{
    int same = 1, up = 1, down = 1;
    for (size_t i = 1; i < n; i++) {
        same &= p[i] == p[0];
        up &= p[i] == p[i - 1] + 1;
        down &= p[i] == p[i - 1] - 1;
    }
    return same || up || down;
}

int rk_selfcheck_pin_rules(const char *old_pin, const char *new_pin, const char *again,
                           const char **msg)
{
    size_t n = new_pin ? strlen(new_pin) : 0, on = old_pin ? strlen(old_pin) : 0;
    *msg = "";
    if (on < 4 || on >= RK_TOKEN_PIN_MAX)
        *msg = "selfcheck.pin_old";
    else if (n < 6 || n > 16)
        *msg = "selfcheck.pin_length";
    else {
        for (size_t i = 0; i < n; i++) {
            char c = new_pin[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
                *msg = "selfcheck.pin_chars";
        }
        if (!**msg && is_simple(new_pin, n)) *msg = "selfcheck.pin_simple";
        if (!**msg && !strcmp(new_pin, old_pin)) *msg = "selfcheck.pin_same";
        if (!**msg && (!again || strcmp(new_pin, again))) *msg = "selfcheck.pin_differ";
    }
    return **msg ? rk_err_set(RK_EINVAL, "the new PIN breaks a rule (%s)", *msg) : 0;
}

int rk_selfcheck_pin_change(rk_branch *b, const rk_selfcheck_pin_req *req, rk_selfcheck_pin *out)
{
    int rc;
    if ((rc = rk_selfcheck_pin_state(b, req->serial, out)) != 0) return rc;
    if ((rc = rk_selfcheck_pin_rules(req->old_pin, req->new_pin, req->new_pin_again, &out->msg)))
        return rc;
    if (out->pin_state == RK_TOKEN_PIN_LOCKED) {
        out->msg = "selfcheck.pin_locked";
        return rk_err_set(RK_ESTATE, "the key is locked: its PIN cannot be changed");
    }
    if (out->pin_state == RK_TOKEN_PIN_NOT_SET) {
        out->msg = "selfcheck.pin_not_set";
        return rk_err_set(RK_ESTATE, "the key has no user PIN yet");
    }
    if (out->pin_state == RK_TOKEN_PIN_FINAL_TRY && !req->final_try_confirmed) {
        out->msg = "selfcheck.pin_final_confirm";
        return rk_err_set(RK_ESTATE, "one wrong PIN more locks the key: confirm the warning first");
    }
    rc = rk_branch_key_passwd(b, req->serial, req->old_pin, req->new_pin);
    char msg[256];
    snprintf(msg, sizeof msg, "%s", rk_err_msg());
    int code = rc;
    const char *keep = rc == RK_EINVAL ? "selfcheck.pin_refused" : NULL;
    /* the state after, whatever happened (the change stands even if the
     * key went away right after it) */
    (void)read_state(b, req->serial, out);
    if (code == 0) {
        out->msg = "selfcheck.pin_changed";
        rk_err_clear();
        return 0;
    }
    if (code == RK_EAUTH) {
        if (out->pin_state == RK_TOKEN_PIN_LOCKED)
            out->msg = "selfcheck.pin_locked_now";
        else if (out->pin_state == RK_TOKEN_PIN_FINAL_TRY)
            out->msg = "selfcheck.pin_wrong_final";
        else if (out->tries_left > 0) {
            out->msg = "selfcheck.pin_wrong";
            snprintf(out->arg1, sizeof out->arg1, "%d", out->tries_left);
        } else
            out->msg = "selfcheck.pin_wrong_unknown";
    } else if (code == RK_EDEVICE)
        out->msg = "selfcheck.pin_no_key";
    else
        out->msg = keep ? keep : "selfcheck.pin_failed";
    return rk_err_set(code, "%s", msg);
}
