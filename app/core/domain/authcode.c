/*
 * Authorisation codes of approved orders: made at approval, sealed at rest,
 * spent once (see authcode.h).
 */
#include "domain/authcode.h"

#include "audit/record.h"
#include "domain/order.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/seal.h"
#include "util/uuid.h"
#include "util/wipe.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define AAD_MAX 64

/* The order's row as far as codes need it. */
typedef struct code_row {
    int64_t id;
    char uuid[37];
    char business[16];
    char state[16];
    char cert_serial[64];
    int64_t fee_total;
    int has_code, spent;
    unsigned char sealed[RK_AUTHCODE_MAX + RK_SEAL_OVERHEAD];
    size_t sealed_len;
} code_row;

int rk_authcode_applies(const char *business)
{
    return business && (rk_business_produces_cert(business) || !strcmp(business, "revoke"));
}

static void aad_of(char out[AAD_MAX], const char *uuid)
{
    snprintf(out, AAD_MAX, "authcode:%s", uuid);
}

int rk_authcode_issue(char *code, size_t n, rk_ledger *l, int64_t order_id, const char *uuid)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; /* Crockford */
    unsigned char r[16];
    char c[RK_AUTHCODE_MAX], aad[AAD_MAX];
    rk_buf sealed;
    sqlite3_stmt *st;
    int rc;

    if (n < RK_AUTHCODE_MAX) return rk_err_set(RK_EINTERNAL, "authorisation code buffer too small");
    if (!rk_db_in_tx(l->db))
        return rk_err_set(RK_EINTERNAL, "rk_authcode_issue outside a transaction");
    if ((rc = rk_random_bytes(r, sizeof r))) return rc;
    for (int i = 0, k = 0; i < 16; i++) {
        c[k++] = alphabet[r[i] & 31];
        if (i % 4 == 3 && i < 15) c[k++] = '-';
    }
    c[RK_AUTHCODE_MAX - 1] = '\0';
    aad_of(aad, uuid);
    rk_buf_init(&sealed, RK_AUTHCODE_MAX + RK_SEAL_OVERHEAD);
    rc = rk_seal(&sealed, l->key, c, strlen(c), aad);
    if (!rc && !(rc = rk_db_cached(l->db, &st,
                                   "UPDATE orders SET authcode = ?, authcode_at = ?, "
                                   "authcode_used_at = NULL WHERE id = ?"))) {
        sqlite3_bind_blob(st, 1, sealed.data, (int)sealed.len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, rk_clock_now());
        sqlite3_bind_int64(st, 3, order_id);
        if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(rk_db_handle(l->db)) != 1)
            rc = rk_db_fail(l->db, "storing the authorisation code");
        rk_db_release(l->db, st);
    }
    rk_buf_free(&sealed);
    if (!rc) memcpy(code, c, sizeof c);
    rk_wipe(c, sizeof c);
    rk_wipe(r, sizeof r);
    return rc;
}

static int load_row(code_row *row, rk_ledger *l, const char *ref)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(l->db, &st,
                          "SELECT id, uuid, business, state, coalesce(cert_serial, ''), fee_total, "
                          "authcode, authcode_used_at IS NOT NULL FROM orders WHERE ref = ?");
    if (rc) return rc;
    memset(row, 0, sizeof *row);
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        row->id = sqlite3_column_int64(st, 0);
        rk_db_text(row->uuid, sizeof row->uuid, st, 1);
        rk_db_text(row->business, sizeof row->business, st, 2);
        rk_db_text(row->state, sizeof row->state, st, 3);
        rk_db_text(row->cert_serial, sizeof row->cert_serial, st, 4);
        row->fee_total = sqlite3_column_int64(st, 5);
        int len = sqlite3_column_bytes(st, 6);
        if (sqlite3_column_type(st, 6) == SQLITE_BLOB && len > 0 &&
            (size_t)len <= sizeof row->sealed) {
            memcpy(row->sealed, sqlite3_column_blob(st, 6), (size_t)len);
            row->sealed_len = (size_t)len;
            row->has_code = 1;
        }
        row->spent = sqlite3_column_int(st, 7);
    } else if (s == SQLITE_DONE) {
        rc = rk_err_set(RK_ENOTFOUND, "no order %.20s", ref);
    } else {
        rc = rk_db_fail(l->db, "reading the order");
    }
    rk_db_release(l->db, st);
    return rc;
}

/* RK_ESTATE with the reason if row's code cannot be used for purpose. */
static int usable(const code_row *row, const char *ref, int purpose)
{
    if (!row->has_code)
        return rk_err_set(RK_ESTATE, "order %s has no authorisation code (it is made at approval)",
                          ref);
    if (row->spent)
        return rk_err_set(RK_ESTATE, "the authorisation code of order %s has been used", ref);
    if (purpose == RK_AUTHCODE_CERT && !rk_business_produces_cert(row->business))
        return rk_err_set(RK_ESTATE, "order %s (%s) produces no certificate", ref, row->business);
    if (purpose == RK_AUTHCODE_REVOKE && strcmp(row->business, "revoke"))
        return rk_err_set(RK_ESTATE, "order %s (%s) is not a revocation order", ref, row->business);
    if (purpose != RK_AUTHCODE_CERT && purpose != RK_AUTHCODE_REVOKE)
        return rk_err_set(RK_EINVAL, "unknown use of an authorisation code");
    if (!strcmp(row->state, "paid") || (!strcmp(row->state, "approved") && row->fee_total == 0))
        return 0;
    if (!strcmp(row->state, "approved"))
        return rk_err_set(RK_ESTATE, "order %s is not paid yet", ref);
    return rk_err_set(RK_ESTATE, "order %s is %s, not approved", ref, row->state);
}

int rk_authcode_secret(char *secret, size_t n, rk_ledger *l, const char *ref, int purpose)
{
    code_row row;
    char aad[AAD_MAX];
    rk_buf plain;
    int rc;

    if (n < RK_AUTHCODE_MAX) return rk_err_set(RK_EINTERNAL, "authorisation code buffer too small");
    if ((rc = load_row(&row, l, ref)) || (rc = usable(&row, ref, purpose))) return rc;
    aad_of(aad, row.uuid);
    rk_buf_init(&plain, RK_AUTHCODE_MAX);
    rc = rk_unseal(&plain, l->key, row.sealed, row.sealed_len, aad);
    if (!rc && plain.len < n) {
        memcpy(secret, plain.data, plain.len);
        secret[plain.len] = '\0';
    } else if (!rc) {
        rc = rk_err_set(RK_EFORMAT, "the authorisation code of order %s is damaged", ref);
    } else {
        rc = rk_err_wrap(rc, "the authorisation code of order %s", ref);
    }
    if (plain.data) rk_wipe(plain.data, plain.len);
    rk_buf_free(&plain);
    return rc;
}

/* The same serial number: hex, any case, leading zeros ignored. */
static int same_serial(const char *a, const char *b)
{
    while (*a == '0' && a[1])
        a++;
    while (*b == '0' && b[1])
        b++;
    return !strcasecmp(a, b);
}

int rk_authcode_use(rk_ledger *l, const char *ref, int purpose, const char *serial)
{
    code_row row;
    sqlite3_stmt *st;
    char detail[200];
    int rc;

    if ((rc = rk_db_begin(l->db))) return rc;
    if ((rc = load_row(&row, l, ref)) || (rc = usable(&row, ref, purpose))) goto out;
    if (purpose == RK_AUTHCODE_REVOKE &&
        !(serial && row.cert_serial[0] && same_serial(serial, row.cert_serial))) {
        rc = rk_err_set(RK_EPERM, "order %s revokes certificate %s, not %.64s", ref,
                        row.cert_serial[0] ? row.cert_serial : "(none)", serial ? serial : "-");
        goto out;
    }
    if ((rc = rk_db_cached(l->db, &st,
                           "UPDATE orders SET authcode_used_at = ? "
                           "WHERE id = ? AND authcode_used_at IS NULL")))
        goto out;
    sqlite3_bind_int64(st, 1, rk_clock_now());
    sqlite3_bind_int64(st, 2, row.id);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = rk_db_fail(l->db, "spending the authorisation code");
    else if (sqlite3_changes(rk_db_handle(l->db)) != 1)
        rc = rk_err_set(RK_ESTATE, "the authorisation code of order %s has been used", ref);
    rk_db_release(l->db, st);
    if (rc) goto out;
    snprintf(detail, sizeof detail, "authorisation code used by a %s request, certificate %.64s",
             purpose == RK_AUTHCODE_REVOKE ? "revocation" : "certificate",
             serial && *serial ? serial : "-");
    rk_record r = {.actor = "system",
                   .role = "system",
                   .action = "order.authcode_used",
                   .order_id = row.uuid,
                   .detail = detail};
    rc = rk_record_add(l->db, &r);
out:
    return rk_db_end(l->db, rc);
}

int rk_authcode_has(rk_ledger *l, const char *ref, int *has)
{
    code_row row;
    int rc = load_row(&row, l, ref);
    *has = !rc && row.has_code;
    rk_wipe(&row, sizeof row);
    return rc;
}

/* A code as compared: its 16 characters upper-cased, dashes and spaces
 * dropped, into out[RK_AUTHCODE_MAX]; 0 if it is not 16 characters. */
static int canonical(char *out, const char *in)
{
    int k = 0;
    for (; in && *in; in++) {
        if (*in == '-' || *in == ' ') continue;
        if (k == 16) return 0;
        out[k++] = (char)toupper((unsigned char)*in);
    }
    out[k] = '\0';
    return k == 16;
}

int rk_authcode_check(rk_ledger *l, const rk_actor *by, const char *ref, int purpose,
                      const char *given)
{
    char secret[RK_AUTHCODE_MAX], want[RK_AUTHCODE_MAX], got[RK_AUTHCODE_MAX];
    int rc, same;

    if ((rc = rk_authcode_secret(secret, sizeof secret, l, ref, purpose)) != 0) return rc;
    same = canonical(want, secret) && canonical(got, given) && CRYPTO_memcmp(want, got, 16) == 0;
    rk_wipe(secret, sizeof secret);
    rk_wipe(want, sizeof want);
    rk_wipe(got, sizeof got);
    if (same) return 0;

    code_row row;
    char detail[120];
    int missing = !given || !*given;
    if ((rc = rk_db_begin(l->db)) != 0) return rc;
    if ((rc = load_row(&row, l, ref)) == 0) {
        snprintf(detail, sizeof detail, "%s authorisation code refused",
                 missing ? "no" : "a wrong");
        rk_record r = {.actor = by && by->login[0] ? by->login : "system",
                       .role = by && by->clerk_id > 0 ? "issue" : "system",
                       .action = "order.authcode_refused",
                       .order_id = row.uuid,
                       .detail = detail};
        rc = rk_record_add(l->db, &r);
    }
    if ((rc = rk_db_end(l->db, rc)) != 0) return rc;
    if (missing)
        return rk_err_set(RK_EAUTH,
                          "order %s has an authorisation code (printed once at its approval): "
                          "give it; a lost one is replaced by `ractl order authcode %s`",
                          ref, ref);
    return rk_err_set(RK_EAUTH, "that is not the authorisation code of order %s", ref);
}

int rk_authcode_reissue(char *code, size_t n, rk_ledger *l, const rk_actor *by, const char *ref)
{
    code_row row;
    int rc;
    if ((rc = rk_actor_require(by, RK_ROLE_REVIEW))) return rc;
    if ((rc = rk_db_begin(l->db))) return rc;
    if ((rc = load_row(&row, l, ref))) goto out;
    if (!row.has_code)
        rc = rk_err_set(RK_ESTATE, "order %s has no authorisation code (it is made at approval)",
                        ref);
    else if (row.spent)
        rc = rk_err_set(RK_ESTATE,
                        "the authorisation code of order %s has been used: its certificate was "
                        "requested, a new code would allow a second one",
                        ref);
    else if (strcmp(row.state, "approved") && strcmp(row.state, "paid"))
        rc = rk_err_set(RK_ESTATE, "order %s is %s: only approved orders have a code", ref,
                        row.state);
    if (rc || (rc = rk_authcode_issue(code, n, l, row.id, row.uuid))) goto out;
    rk_record r = {.actor = by->login,
                   .role = "review",
                   .action = "order.authcode_renewed",
                   .order_id = row.uuid,
                   .detail = "a new authorisation code replaces the unused one"};
    rc = rk_record_add(l->db, &r);
out:
    if (rc && code && n) rk_wipe(code, n);
    return rk_db_end(l->db, rc);
}
