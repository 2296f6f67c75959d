/*
 * The certificate register (see certreg.h).
 */
#include "domain/certreg.h"

#include "util/clock.h"
#include "util/err.h"
#include "util/words.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int rk_certreg_find(rk_ledger *l, const char *serial, rk_certreg_row *out)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(l->db, &st,
                          "SELECT id, status, not_before, not_after, coalesce(suspended_at, 0) "
                          "FROM certificate WHERE serial = upper(?)");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        rk_db_text(out->status, sizeof out->status, st, 1);
        out->not_before = sqlite3_column_int64(st, 2);
        out->not_after = sqlite3_column_int64(st, 3);
        out->suspended_at = sqlite3_column_int64(st, 4);
    } else {
        rc = s == SQLITE_DONE
                 ? rk_err_set(RK_ENOTFOUND,
                              "no certificate with serial %s in this branch's records", serial)
                 : rk_db_fail(l->db, "cannot read certificate");
    }
    rk_db_release(l->db, st);
    return rc;
}

int rk_certreg_set_status(rk_ledger *l, const char *serial, const char *status, const char *reason)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(l->db, &st,
                          "UPDATE certificate SET status = ?1, "
                          "suspended_at = CASE ?1 WHEN 'suspended' THEN ?2 ELSE NULL END, "
                          "revoked_at = CASE ?1 WHEN 'revoked' THEN ?2 ELSE revoked_at END, "
                          "revoke_reason = CASE ?1 WHEN 'revoked' THEN ?3 ELSE revoke_reason END "
                          "WHERE serial = upper(?4)");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, rk_clock_now());
    rk_db_bind_opt_text(st, 3, reason);
    sqlite3_bind_text(st, 4, serial, -1, SQLITE_STATIC);
    return rk_db_step_done(l->db, st, "cannot change the certificate's status");
}

int rk_certreg_resume_hold(rk_ledger *l, const char *serial, int64_t suspended_at, int *resumed)
{
    sqlite3_stmt *st;
    *resumed = 0;
    int rc = rk_db_cached(l->db, &st,
                          "UPDATE certificate SET status = 'valid', suspended_at = NULL "
                          "WHERE serial = upper(?) AND status = 'suspended' AND suspended_at = ?");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, suspended_at);
    if ((rc = rk_db_step_done(l->db, st, "cannot resume")) != 0) return rc;
    *resumed = sqlite3_changes(rk_db_handle(l->db)) > 0;
    return 0;
}

int rk_certreg_add(rk_ledger *l, const rk_order *o, const rk_cert_record *c)
{
    sqlite3_stmt *st;
    const char *usage = c->usage[0] ? c->usage : "sign";
    int rc = rk_db_cached(l->db, &st,
                          "SELECT count(*) FROM certificate WHERE order_id = ? AND usage = ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, o->id);
    sqlite3_bind_text(st, 2, usage, -1, SQLITE_STATIC);
    int have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    rk_db_release(l->db, st);
    if (have)
        return rk_err_set(RK_ESTATE, "order %s already has %s %s certificate: never issue twice",
                          o->ref, rk_article(usage), usage);
    if (c->not_after <= c->not_before || !c->serial[0])
        return rk_err_set(RK_EINVAL, "the certificate record is incomplete");
    rc = rk_db_cached(l->db, &st,
                      "INSERT INTO certificate(serial, order_id, subject_name, cert_kind, usage, "
                      "not_before, not_after, status, key_serial, der, created_at) "
                      "VALUES (upper(?), ?, ?, ?, ?, ?, ?, 'valid', ?, ?, ?)");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, c->serial, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, o->id);
    sqlite3_bind_text(st, 3, c->subject_name[0] ? c->subject_name : o->subject_name, -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 4, o->cert_kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, usage, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, c->not_before);
    sqlite3_bind_int64(st, 7, c->not_after);
    rk_db_bind_opt_text(st, 8, c->key_serial);
    if (c->der && c->der_len > 0)
        sqlite3_bind_blob(st, 9, c->der, c->der_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 9);
    sqlite3_bind_int64(st, 10, rk_clock_now());
    if (sqlite3_step(st) != SQLITE_DONE) {
        int constraint =
            (sqlite3_extended_errcode(rk_db_handle(l->db)) & 0xff) == SQLITE_CONSTRAINT;
        rc = constraint
                 ? rk_err_set(RK_EEXIST, "a certificate with serial %s already exists", c->serial)
                 : rk_db_fail(l->db, "cannot record the certificate");
    }
    rk_db_release(l->db, st);
    return rc;
}

int rk_certreg_move(rk_ledger *l, const rk_cert_record *c)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(l->db, &st,
                          "UPDATE certificate SET key_serial = ? WHERE serial = upper(?) AND "
                          "status = 'valid'");
    if (rc) return rc;
    rk_db_bind_opt_text(st, 1, c->key_serial);
    sqlite3_bind_text(st, 2, c->serial, -1, SQLITE_STATIC);
    rc = rk_db_step_done(l->db, st, "cannot record the recovered certificate");
    if (!rc && sqlite3_changes(rk_db_handle(l->db)) != 1)
        rc = rk_err_set(RK_ESTATE, "certificate %s is not a valid certificate of this branch",
                        c->serial);
    return rc;
}

/* A row of (serial, usage, status, key_serial, not_before, not_after). */
static void read_cert(rk_certreg_cert *c, sqlite3_stmt *st)
{
    rk_db_text(c->serial, sizeof c->serial, st, 0);
    rk_db_text(c->usage, sizeof c->usage, st, 1);
    rk_db_text(c->status, sizeof c->status, st, 2);
    rk_db_text(c->key_serial, sizeof c->key_serial, st, 3);
    c->not_before = sqlite3_column_int64(st, 4);
    c->not_after = sqlite3_column_int64(st, 5);
}

int rk_certreg_of_order(rk_certreg_cert *out, int max, int *n, rk_ledger *l, int64_t order_id)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(l->db, &st,
                          "SELECT serial, usage, status, coalesce(key_serial, ''), not_before, "
                          "not_after FROM certificate WHERE order_id = ? ORDER BY id");
    *n = 0;
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, order_id);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n >= max) continue;
        read_cert(&out[(*n)++], st);
    }
    if (s != SQLITE_DONE) rc = rk_db_fail(l->db, "cannot read the order's certificates");
    rk_db_release(l->db, st);
    return rc;
}

int rk_certreg_ending(rk_certreg_cert *out, int max, int *n, rk_ledger *l, const char *serial,
                      int64_t except_order)
{
    rk_certreg_row row;
    sqlite3_stmt *st;
    int rc, s;

    *n = 0;
    if ((rc = rk_certreg_find(l, serial, &row)) != 0) return rc;
    /* The pair: the certificates of serial's order; the generations: the
     * same subject on the same (named) key. Never another subscriber's. */
    rc = rk_db_cached(l->db, &st,
                      "SELECT c.serial, c.usage, c.status, coalesce(c.key_serial, ''), "
                      "c.not_before, c.not_after FROM certificate c, certificate t "
                      "WHERE t.id = ?1 AND c.status <> 'revoked' "
                      "AND (c.id = t.id OR (c.not_after > ?2 AND (?3 = 0 OR c.order_id IS NOT ?3) "
                      "AND (c.order_id = t.order_id OR (coalesce(t.key_serial, '') <> '' "
                      "AND c.key_serial = t.key_serial AND c.subject_name = t.subject_name)))) "
                      "ORDER BY c.id");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, row.id);
    sqlite3_bind_int64(st, 2, rk_clock_now());
    sqlite3_bind_int64(st, 3, except_order);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n >= max) {
            rc = rk_err_set(RK_ETOOBIG, "certificate %s takes more than %d certificates with it",
                            serial, max);
            break;
        }
        read_cert(&out[(*n)++], st);
    }
    if (!rc && s != SQLITE_DONE) rc = rk_db_fail(l->db, "cannot read the certificates to end");
    rk_db_release(l->db, st);
    return rc;
}

int rk_certreg_reason_code(const char *name)
{
    static const struct {
        const char *name;
        int code;
    } t[] = {{"unspecified", 0},        {"keyCompromise", 1}, {"cACompromise", 2},
             {"affiliationChanged", 3}, {"superseded", 4},    {"cessationOfOperation", 5},
             {"privilegeWithdrawn", 9}, {"aACompromise", 10}};
    for (size_t i = 0; name && i < sizeof t / sizeof t[0]; i++)
        if (!strcasecmp(name, t[i].name)) return t[i].code;
    return -1;
}

int rk_certreg_key_holder(char *subject, size_t n, rk_ledger *l, const char *key_serial)
{
    sqlite3_stmt *st;
    subject[0] = '\0';
    int rc = rk_db_cached(l->db, &st,
                          "SELECT subject_name FROM certificate WHERE key_serial = ? "
                          "COLLATE NOCASE AND status <> 'revoked' ORDER BY id DESC LIMIT 1");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, key_serial, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        rk_db_text(subject, n, st, 0);
    else
        rc = s == SQLITE_DONE
                 ? rk_err_set(RK_ENOTFOUND, "this branch's records hold no certificate on key %s",
                              key_serial)
                 : rk_db_fail(l->db, "cannot read the certificates of a key");
    rk_db_release(l->db, st);
    return rc;
}
