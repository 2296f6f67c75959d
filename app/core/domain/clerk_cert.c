/*
 * The roster of clerks' USB keys and the key-login challenges (see
 * clerk_cert.h).
 */
#include "clerk_cert.h"

#include "audit/record.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/json.h"
#include "util/uuid.h"
#include "util/wipe.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CERT_COLUMNS                                                                               \
    "k.issuer, k.serial, k.spki_sha256, k.clerk_id, c.login, k.key_serial, k.not_after, "          \
    "k.issued_at, coalesce(k.revoked_at, 0)"

static void read_cert(sqlite3_stmt *st, rk_clerk_cert *c)
{
    memset(c, 0, sizeof *c);
    rk_db_text(c->issuer, sizeof c->issuer, st, 0);
    rk_db_text(c->serial, sizeof c->serial, st, 1);
    rk_db_text(c->spki_sha256, sizeof c->spki_sha256, st, 2);
    c->clerk_id = sqlite3_column_int64(st, 3);
    rk_db_text(c->login, sizeof c->login, st, 4);
    rk_db_text(c->key_serial, sizeof c->key_serial, st, 5);
    c->not_after = sqlite3_column_int64(st, 6);
    c->issued_at = sqlite3_column_int64(st, 7);
    c->revoked_at = sqlite3_column_int64(st, 8);
}

static int cert_row(void *elem, sqlite3_stmt *st, void *arg)
{
    (void)arg;
    read_cert(st, elem);
    return 0;
}

/* The one entry st (bound) selects; RK_ENOTFOUND naming serial. */
static int one_cert(rk_db *db, sqlite3_stmt *st, const char *serial, rk_clerk_cert *out)
{
    int s = sqlite3_step(st), rc = 0;
    if (s == SQLITE_ROW)
        read_cert(st, out);
    else if (s == SQLITE_DONE)
        rc = rk_err_set(RK_ENOTFOUND, "no clerk key with certificate %s", serial);
    else
        rc = rk_db_fail(db, "cannot read the clerk keys");
    sqlite3_finalize(st);
    return rc;
}

int rk_clerk_cert_find(rk_db *db, const char *issuer, const char *serial, rk_clerk_cert *out)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st,
                           "SELECT " CERT_COLUMNS " FROM clerk_cert k JOIN clerk c ON c.id = "
                           "k.clerk_id WHERE k.issuer = ? AND k.serial = ?");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, issuer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, serial, -1, SQLITE_STATIC);
    return one_cert(db, st, serial, out);
}

static int find_serial(rk_db *db, const char *serial, rk_clerk_cert *out)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st,
                           "SELECT " CERT_COLUMNS " FROM clerk_cert k JOIN clerk c ON c.id = "
                           "k.clerk_id WHERE k.serial = ? ORDER BY k.issued_at DESC LIMIT 1");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
    return one_cert(db, st, serial, out);
}

int rk_clerk_cert_list(rk_db *db, const char *login, rk_clerk_cert **out, int *n)
{
    sqlite3_stmt *st;
    int rc;
    *out = NULL;
    *n = 0;
    rc = rk_db_prepare(db, &st,
                       "SELECT " CERT_COLUMNS " FROM clerk_cert k JOIN clerk c ON c.id = "
                       "k.clerk_id WHERE ?1 IS NULL OR c.login = ?1 "
                       "ORDER BY k.issued_at DESC, k.serial");
    if (rc) return rc;
    if (login) sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
    return rk_db_collect((void **)out, n, db, st, sizeof **out, cert_row, NULL, "clerk keys");
}

/* The outbox payload of an entry: no personal data beyond the login. */
static int cert_json(rk_buf *b, const rk_clerk_cert *c, const char *state)
{
    rk_json j;
    rk_json_init(&j, b);
    rk_json_obj_begin(&j);
    rk_json_kstr(&j, "serial", c->serial);
    rk_json_kstr(&j, "issuer", c->issuer);
    rk_json_kstr(&j, "by", "sub-CA");
    rk_json_kstr(&j, "holder", "clerk");
    rk_json_kstr(&j, "clerk", c->login);
    rk_json_kstr(&j, "key_serial", c->key_serial);
    rk_json_kint(&j, "not_after", c->not_after);
    rk_json_kstr(&j, "state", state);
    rk_json_obj_end(&j);
    return rk_json_finish(&j);
}

static int record(rk_db *db, const rk_actor *by, const char *action, const char *kind,
                  const rk_clerk_cert *c, const char *state, const char *detail)
{
    rk_buf b;
    int rc;
    rk_buf_init(&b, 2048);
    if ((rc = cert_json(&b, c, state)) == 0) {
        rk_record r = {.actor = by->login,
                       .role = "supervisor",
                       .action = action,
                       .after = b.data,
                       .detail = detail,
                       .entity = "certificate",
                       .entity_id = c->serial,
                       .kind = kind,
                       .payload = b.data};
        rc = rk_record_add(db, &r);
    }
    rk_buf_free(&b);
    return rc;
}

int rk_clerk_cert_add(rk_db *db, const rk_actor *by, const char *login, rk_clerk_cert *c)
{
    rk_clerk clerk;
    sqlite3_stmt *st;
    char detail[256];
    int rc;

    if ((rc = rk_actor_require(by, RK_ROLE_SUPERVISOR)) != 0) return rc;
    if ((rc = rk_db_begin(db)) != 0) return rc;
    if ((rc = rk_clerk_get(db, login, &clerk)) != 0) goto out;
    c->clerk_id = clerk.id;
    snprintf(c->login, sizeof c->login, "%s", clerk.login);
    c->issued_at = rk_clock_now();
    c->revoked_at = 0;
    if ((rc = rk_db_prepare(db, &st,
                            "INSERT INTO clerk_cert(issuer, serial, spki_sha256, clerk_id, "
                            "key_serial, not_after, issued_at, issued_by) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) != 0)
        goto out;
    sqlite3_bind_text(st, 1, c->issuer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->serial, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->spki_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, clerk.id);
    sqlite3_bind_text(st, 5, c->key_serial, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, c->not_after);
    sqlite3_bind_int64(st, 7, c->issued_at);
    if (by->clerk_id)
        sqlite3_bind_int64(st, 8, by->clerk_id);
    else
        sqlite3_bind_null(st, 8);
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) {
        if ((sqlite3_extended_errcode(rk_db_handle(db)) & 0xff) == SQLITE_CONSTRAINT)
            rc = rk_err_set(RK_EEXIST, "the roster holds this certificate or its key already");
        else
            rc = rk_db_fail(db, "cannot record the clerk key");
        goto out;
    }
    snprintf(detail, sizeof detail, "clerk certificate %s for %s on USB key %s", c->serial,
             clerk.login, c->key_serial);
    rc = record(db, by, "clerk.key_issued", "certificate.issued", c, "good", detail);
out:
    return rk_db_end(db, rc);
}

int rk_clerk_cert_revoke(rk_db *db, const rk_actor *by, const char *serial, const char *why,
                         rk_clerk_cert *out)
{
    rk_clerk_cert c;
    sqlite3_stmt *st;
    char detail[400];
    int rc;

    if ((rc = rk_actor_require(by, RK_ROLE_SUPERVISOR)) != 0) return rc;
    if ((rc = rk_db_begin(db)) != 0) return rc;
    if ((rc = find_serial(db, serial, &c)) != 0) goto out;
    if (c.revoked_at) {
        rc = rk_err_set(RK_ESTATE, "the clerk key with certificate %s is revoked already", serial);
        goto out;
    }
    if ((rc = rk_db_prepare(db, &st,
                            "UPDATE clerk_cert SET revoked_at = ? WHERE issuer = ? AND "
                            "serial = ?")) != 0)
        goto out;
    sqlite3_bind_int64(st, 1, rk_clock_now());
    sqlite3_bind_text(st, 2, c.issuer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c.serial, -1, SQLITE_STATIC);
    if ((rc = rk_db_step_done(db, st, "cannot revoke the clerk key")) != 0) goto out;
    snprintf(detail, sizeof detail, "clerk certificate %s of %s revoked: %s", c.serial, c.login,
             why && why[0] ? why : "no reason given");
    if ((rc = record(db, by, "clerk.key_revoked", "certificate.revoked", &c, "revoked", detail)) ==
            0 &&
        out)
        *out = c;
out:
    return rk_db_end(db, rc);
}

/* --- challenges ----------------------------------------------------------- */

static int nonce_hash(char out[65], const char *hex)
{
    unsigned char d[32];
    unsigned int n = 0;
    if (EVP_Digest(hex, strlen(hex), d, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return rk_err_set(RK_ECRYPTO, "cannot hash the challenge");
    rk_hex_encode(out, d, 32, RK_HEX_LOWER);
    return 0;
}

int rk_clerk_challenge_new(rk_db *db, char out[RK_CLERK_CHALLENGE_HEX + 1])
{
    unsigned char raw[RK_CLERK_CHALLENGE_HEX / 2];
    char h[65];
    sqlite3_stmt *st;
    int64_t now = rk_clock_now();
    int rc;

    if ((rc = rk_random_bytes(raw, sizeof raw)) != 0) return rc;
    rk_hex_encode(out, raw, sizeof raw, RK_HEX_LOWER);
    rk_wipe(raw, sizeof raw);
    if ((rc = nonce_hash(h, out)) != 0 || (rc = rk_db_begin(db)) != 0) return rc;
    if ((rc = rk_db_prepare(db, &st, "DELETE FROM clerk_challenge WHERE expires_at <= ?")) != 0)
        goto out;
    sqlite3_bind_int64(st, 1, now);
    if ((rc = rk_db_step_done(db, st, "cannot drop old challenges")) != 0) goto out;
    if ((rc = rk_db_prepare(
             db, &st, "INSERT INTO clerk_challenge(nonce_hash, expires_at) VALUES (?, ?)")) != 0)
        goto out;
    sqlite3_bind_text(st, 1, h, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now + RK_CLERK_CHALLENGE_TTL);
    rc = rk_db_step_done(db, st, "cannot keep the challenge");
out:
    return rk_db_end(db, rc);
}

int rk_clerk_challenge_take(rk_db *db, const char *hex)
{
    char h[65];
    sqlite3_stmt *st;
    int rc;

    if (strlen(hex) != RK_CLERK_CHALLENGE_HEX) return rk_err_set(RK_EAUTH, "not a challenge");
    if ((rc = nonce_hash(h, hex)) != 0 || (rc = rk_db_begin(db)) != 0) return rc;
    if ((rc = rk_db_prepare(db, &st,
                            "DELETE FROM clerk_challenge WHERE nonce_hash = ? AND expires_at > "
                            "?")) != 0)
        goto out;
    sqlite3_bind_text(st, 1, h, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, rk_clock_now());
    if ((rc = rk_db_step_done(db, st, "cannot take the challenge")) != 0) goto out;
    if (sqlite3_changes(rk_db_handle(db)) != 1)
        rc = rk_err_set(RK_EAUTH, "the challenge is unknown, answered already or expired");
out:
    return rk_db_end(db, rc);
}
