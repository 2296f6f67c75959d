/*
 * HQ's changes applied to the branch's ledger (see sync_in.h).
 */
#include "branch/sync_in.h"

#include "audit/record.h"
#include "branch/sync_enrol.h"
#include "branch/sync_proto.h"
#include "ca/crl.h"
#include "ca/escrow.h"
#include "domain/clerk.h"
#include "domain/order.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/pem.h"
#include "util/uuid.h"
#include "util/wipe.h"

#include <jansson.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int skip(char *note, size_t n, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int skip(char *note, size_t n, const char *kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note, n, fmt, ap);
    va_end(ap);
    rk_log_warn("sync: HQ's %s skipped: %s", kind, note);
    return RK_SYNC_IN_SKIPPED;
}

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The order a change names, loaded; RK_ENOTFOUND if the branch lacks it. */
static int load_order(rk_ledger *l, const char *uuid, rk_order **out)
{
    rk_order *o = calloc(1, sizeof *o);
    if (!o) return rk_err_oom();
    int rc = rk_order_get(l, uuid, o);
    if (rc) {
        free(o);
        return rc;
    }
    *out = o;
    return 0;
}

static void free_order(rk_order *o)
{
    if (!o) return;
    rk_wipe(o, sizeof *o);
    free(o);
}

static int authority(rk_ledger *l, json_t *p, char *note, size_t n)
{
    const char *kind = "authority decision";
    const char *uuid = str(p, "order"), *decision = str(p, "decision");
    const char *aref = str(p, "authority_ref"), *reason = str(p, "reason");
    rk_order *o = NULL;
    rk_actor hq = {.clerk_id = 0, .login = "hq-authority", .roles = RK_ROLE_REVIEW};
    int rc;

    if (!uuid || !decision) return skip(note, n, kind, "the payload names no order or decision");
    int approve = !strcmp(decision, "approved");
    if (!approve && strcmp(decision, "rejected"))
        return skip(note, n, kind, "order %s: unknown decision '%s'", uuid, decision);
    if (approve && (!aref || !*aref))
        return skip(note, n, kind, "order %s: an approval without the authority's reference", uuid);
    if (!approve && (!reason || !*reason))
        return skip(note, n, kind, "order %s: a rejection without a reason", uuid);
    if ((rc = load_order(l, uuid, &o)) == RK_ENOTFOUND)
        return skip(note, n, kind, "the branch holds no order %s", uuid);
    if (rc) return rc;
    static const char *const after_approval[] = {"approved", "paid", "issued", "delivered",
                                                 "archived"};
    int done = 0;
    for (size_t i = 0; approve && i < sizeof after_approval / sizeof *after_approval; i++)
        done |= !strcmp(o->state, after_approval[i]);
    if (!approve && !strcmp(o->state, "rejected")) done = 1;
    if (done) {
        snprintf(note, n, "order %s is %s already", o->ref, o->state);
        free_order(o);
        return RK_SYNC_IN_APPLIED; /* a repeat */
    }
    if (strcmp(o->state, "authority")) {
        rc = skip(note, n, kind, "order %s is %s, not waiting for the competent authority", o->ref,
                  o->state);
        free_order(o);
        return rc;
    }
    rc = approve ? rk_order_approve(l, &hq, o->uuid, aref)
                 : rk_order_reject(l, &hq, o->uuid, reason);
    if (!rc) {
        snprintf(note, n, "order %s %s by the competent authority", o->ref,
                 approve ? "approved" : "rejected");
        rk_log_info("sync: %s", note);
    } else if (rc == RK_ESTATE || rc == RK_EPERM || rc == RK_EINVAL) {
        rc = skip(note, n, kind, "order %s: %s", o->ref, rk_err_msg());
    }
    free_order(o);
    return rc;
}

static int order_status(rk_ledger *l, json_t *p, char *note, size_t n)
{
    const char *uuid = str(p, "order"), *status = str(p, "status"), *text = str(p, "note");
    rk_order *o = NULL;
    sqlite3_stmt *st;
    int rc;
    if (!uuid || !status) return skip(note, n, "order status", "no order or status");
    if (strcmp(status, "received") && strcmp(status, "filed") && strcmp(status, "queried"))
        return skip(note, n, "order status", "unknown status '%s'", status);
    if ((rc = load_order(l, uuid, &o)) == RK_ENOTFOUND)
        return skip(note, n, "order status", "the branch holds no order %s", uuid);
    if (rc) return rc;
    char detail[320];
    snprintf(detail, sizeof detail, "HQ: %s%s%s", status, text && *text ? ": " : "",
             text ? text : "");
    rk_record rec = {.actor = "hq",
                     .role = "system",
                     .action = "order.hq_status",
                     .order_id = o->uuid,
                     .detail = detail};
    if ((rc = rk_db_begin(l->db)) != 0) goto out;
    rc = rk_db_cached(l->db, &st,
                      "INSERT INTO sync_order_status(order_uuid, status, note, at) "
                      "VALUES (?, ?, ?, ?) ON CONFLICT(order_uuid) DO UPDATE SET "
                      "status = excluded.status, note = excluded.note, at = excluded.at");
    if (!rc) {
        sqlite3_bind_text(st, 1, o->uuid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, text ? text : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, rk_clock_now());
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(l->db, "cannot keep HQ's status");
        rk_db_release(l->db, st);
    }
    if (!rc) rc = rk_record_add(l->db, &rec);
    if (!(rc = rk_db_end(l->db, rc))) snprintf(note, n, "order %s: HQ status %s", o->ref, status);
out:
    free_order(o);
    return rc;
}

static int roster(rk_ledger *l, json_t *p, char *note, size_t n)
{
    const char *login = str(p, "login"), *name = str(p, "name"), *roles_text = str(p, "roles");
    json_t *active_v = json_object_get(p, "active");
    rk_actor hq = {.clerk_id = 0, .login = "hq", .roles = RK_ROLE_SUPERVISOR};
    unsigned roles;
    rk_clerk c;
    int rc;

    if (!login || !name || !roles_text || !json_is_boolean(active_v))
        return skip(note, n, "roster change", "login, name, roles or active missing");
    int active = json_is_true(active_v);
    if (rk_roles_parse(&roles, roles_text) != 0)
        return skip(note, n, "roster change", "clerk %s: %s", login, rk_err_msg());
    rc = rk_clerk_get(l->db, login, &c);
    if (rc == RK_ENOTFOUND) {
        /* No password anyone knows: a key login, or a supervisor sets one. */
        unsigned char rnd[24];
        char password[49];
        if ((rc = rk_random_bytes(rnd, sizeof rnd)) != 0) return rc;
        rk_hex_encode(password, rnd, sizeof rnd, 0);
        rc = rk_clerk_add(l->db, l->conf, &hq, login, name, roles, password, NULL);
        rk_wipe(password, sizeof password);
        rk_wipe(rnd, sizeof rnd);
        if (rc == RK_EINVAL || rc == RK_EPERM)
            return skip(note, n, "roster change", "clerk %s: %s", login, rk_err_msg());
        if (rc) return rc;
        if (!active && (rc = rk_clerk_set_active(l->db, &hq, login, 0)) != 0) return rc;
        snprintf(note, n, "clerk %s added from HQ's roster", login);
        return RK_SYNC_IN_APPLIED;
    }
    if (rc) return rc;
    if (c.roles != roles && (rc = rk_clerk_set_roles(l->db, &hq, login, roles)) != 0) {
        if (rc == RK_EINVAL || rc == RK_EPERM)
            return skip(note, n, "roster change", "clerk %s: %s", login, rk_err_msg());
        return rc;
    }
    if (!!c.active != active && (rc = rk_clerk_set_active(l->db, &hq, login, active)) != 0) {
        if (rc == RK_EINVAL || rc == RK_EPERM)
            return skip(note, n, "roster change", "clerk %s: %s", login, rk_err_msg());
        return rc;
    }
    snprintf(note, n, "clerk %s: roles %s, %s", login, roles_text, active ? "active" : "inactive");
    return RK_SYNC_IN_APPLIED;
}

static int revoked(rk_ledger *l, json_t *p, char *note, size_t n)
{
    const char *serial = str(p, "serial"), *by = str(p, "by_branch");
    json_t *reason_v = json_object_get(p, "reason");
    int reason = json_is_integer(reason_v) ? (int)json_integer_value(reason_v) : 0;
    sqlite3_stmt *st;
    char held[64] = "", status[16] = "", order_uuid[37] = "";
    int rc;

    if (!serial || !*serial || strlen(serial) > 40)
        return skip(note, n, "revocation", "no certificate serial");
    if ((rc = rk_db_begin(l->db)) != 0) return rc;
    rc = rk_db_cached(l->db, &st,
                      "SELECT c.serial, c.status, coalesce(o.uuid, '') FROM certificate c "
                      "LEFT JOIN orders o ON o.id = c.order_id "
                      "WHERE ltrim(upper(c.serial), '0') = ltrim(upper(?), '0')");
    if (!rc) {
        sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            rk_db_text(held, sizeof held, st, 0);
            rk_db_text(status, sizeof status, st, 1);
            rk_db_text(order_uuid, sizeof order_uuid, st, 2);
        }
        rk_db_release(l->db, st);
    }
    if (rc || !held[0] || !strcmp(status, "revoked")) {
        rk_db_rollback(l->db);
        if (rc) return rc;
        snprintf(note, n,
                 held[0] ? "certificate %s is revoked already"
                         : "certificate %s is not in this branch's ledger",
                 serial);
        return RK_SYNC_IN_APPLIED;
    }
    const char *why = rk_crl_reason_name(reason);
    rc = rk_db_cached(l->db, &st,
                      "UPDATE certificate SET status = 'revoked', suspended_at = NULL, "
                      "revoked_at = ?, revoke_reason = ? WHERE serial = ?");
    if (!rc) {
        sqlite3_bind_int64(st, 1, rk_clock_now());
        sqlite3_bind_text(st, 2, why, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, held, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(l->db, "cannot revoke");
        rk_db_release(l->db, st);
    }
    char before[64], after[64], detail[160], payload[256];
    snprintf(before, sizeof before, "{\"status\":\"%s\"}", status);
    snprintf(after, sizeof after, "{\"status\":\"revoked\"}");
    snprintf(detail, sizeof detail, "revoked %s%s (%s)", by && *by ? "at branch " : "at HQ",
             by && *by ? by : "", why);
    snprintf(payload, sizeof payload, "{\"reason\":%d,\"serial\":\"%s\",\"status\":\"revoked\"}",
             reason, held);
    rk_record rec = {.actor = "hq",
                     .role = "system",
                     .action = "certificate.revoked_elsewhere",
                     .order_id = order_uuid[0] ? order_uuid : NULL,
                     .before = before,
                     .after = after,
                     .detail = detail,
                     .entity = "certificate",
                     .entity_id = held,
                     .kind = "certificate.revoked",
                     .payload = payload};
    if (!rc) rc = rk_record_add(l->db, &rec);
    if ((rc = rk_db_end(l->db, rc)) != 0) return rc;
    snprintf(note, n, "certificate %s %s", held, detail);
    rk_log_info("sync: certificate %s %s", held, detail);
    return RK_SYNC_IN_APPLIED;
}

static int recovered(rk_ledger *l, json_t *p, char *note, size_t n)
{
    const char *kind = "recovered key";
    const char *uuid = str(p, "order"), *serial = str(p, "serial"), *wrapped = str(p, "wrapped");
    rk_order *o = NULL;
    X509 *dev = NULL;
    sqlite3_stmt *st;
    char path[PATH_MAX];
    int rc;
    if (!uuid || !serial || !*serial || !wrapped)
        return skip(note, n, kind, "order, serial or wrapped key missing");
    size_t wlen = strlen(wrapped), got = 0;
    unsigned char *der = malloc(wlen / 4 * 3 + 3);
    if (!der) return rk_err_oom();
    if (rk_sync_proto_unb64(der, wlen / 4 * 3 + 3, &got, wrapped, wlen) != 0 || got == 0) {
        rc = skip(note, n, kind, "order %s: the key is not base64; nothing kept", uuid);
        goto out;
    }
    if (rk_escrow_check_wrapped(der, got, NULL) == RK_EFORMAT) {
        rc =
            skip(note, n, kind, "order %s: the key is not a CMS EnvelopedData; nothing kept", uuid);
        goto out;
    }
    if ((rc = load_order(l, uuid, &o)) == RK_ENOTFOUND) {
        rc = skip(note, n, kind, "the branch holds no order %s", uuid);
        goto out;
    }
    if (rc) goto out;
    if (strcmp(o->business, "recovery")) {
        rc = skip(note, n, kind, "order %s is not a key recovery; nothing kept", o->ref);
        goto out;
    }
    if (strcasecmp(o->cert_serial, serial)) {
        rc = skip(note, n, kind, "order %s recovers certificate %s, not %s; nothing kept", o->ref,
                  o->cert_serial[0] ? o->cert_serial : "(none)", serial);
        goto out;
    }
    /* Wrapped to this branch's device certificate, whose key is in the HSM:
     * anything else could never be opened here. */
    rk_sync_device_cert_path(path, sizeof path, l->conf);
    if (rk_pem_cert_file(&dev, path) != 0) {
        rc = skip(note, n, kind, "order %s: no device certificate (%s) to check it against: %s",
                  o->ref, path, rk_err_msg());
        goto out;
    }
    if (rk_escrow_check_wrapped(der, got, dev) != 0) {
        rc = skip(note, n, kind,
                  "order %s: the key is not wrapped to this branch's device certificate; "
                  "nothing kept",
                  o->ref);
        goto out;
    }
    rk_record rec = {.actor = "hq",
                     .role = "system",
                     .action = "key.recovered",
                     .order_id = o->uuid,
                     .detail = serial};
    rc = rk_db_begin(l->db);
    if (!rc)
        rc = rk_db_cached(l->db, &st,
                          "INSERT INTO sync_recovered_key(order_uuid, cert_serial, wrapped, "
                          "received_at) VALUES (?, upper(?), ?, ?) ON CONFLICT DO UPDATE SET "
                          "wrapped = excluded.wrapped, received_at = excluded.received_at "
                          "WHERE wrapped IS NOT excluded.wrapped");
    if (!rc) {
        sqlite3_bind_text(st, 1, o->uuid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, serial, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, der, (int)got, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, rk_clock_now());
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(l->db, "cannot keep the key");
        int fresh = sqlite3_changes(rk_db_handle(l->db)) > 0;
        rk_db_release(l->db, st);
        if (!rc && fresh) rc = rk_record_add(l->db, &rec);
        rc = rk_db_end(l->db, rc);
    }
    if (!rc) {
        snprintf(note, n, "recovered key for order %s kept", o->ref);
        rk_log_info("sync: HQ's recovered key of certificate %s kept for order %s", serial, o->ref);
    }
out:
    X509_free(dev);
    free(der);
    free_order(o);
    return rc;
}

int rk_sync_in_apply(rk_ledger *l, const char *kind, const char *payload, char *note, size_t n)
{
    json_error_t e;
    json_t *p = json_loads(payload, JSON_REJECT_DUPLICATES, &e);
    int rc;
    note[0] = '\0';
    if (!json_is_object(p)) {
        json_decref(p);
        return skip(note, n, kind, "the payload is not a JSON object");
    }
    if (!strcmp(kind, "authority.decision"))
        rc = authority(l, p, note, n);
    else if (!strcmp(kind, "order.status"))
        rc = order_status(l, p, note, n);
    else if (!strcmp(kind, "clerk.roster"))
        rc = roster(l, p, note, n);
    else if (!strcmp(kind, "certificate.revoked"))
        rc = revoked(l, p, note, n);
    else if (!strcmp(kind, "key.recovered"))
        rc = recovered(l, p, note, n);
    else
        rc = skip(note, n, kind, "this branch does not know the kind '%s'", kind);
    json_decref(p);
    return rc;
}
