/*
 * The hash-chained audit log (see audit.h).
 *
 * The hash input is every field, length-prefixed so no two different
 * entries serialise alike ("-" stands for NULL), then the previous hash.
 * The first entry chains to a hash of 64 zeros.
 */
#include "audit.h"

#include "util/clock.h"
#include "util/err.h"
#include "util/hex.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

static void feed(EVP_MD_CTX *md, const char *s)
{
    char len[24];
    if (!s) {
        EVP_DigestUpdate(md, "-;", 2);
        return;
    }
    size_t n = strlen(s);
    int w = snprintf(len, sizeof len, "%zu:", n);
    EVP_DigestUpdate(md, len, (size_t)w);
    EVP_DigestUpdate(md, s, n);
    EVP_DigestUpdate(md, ";", 1);
}

static int entry_hash(char out[65], int64_t seq, int64_t at, const rk_audit_entry *e,
                      const char *prev)
{
    unsigned char digest[32];
    unsigned int dlen = 0;
    char num[32];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);

    if (ok) {
        snprintf(num, sizeof num, "%lld", (long long)seq);
        feed(md, num);
        snprintf(num, sizeof num, "%lld", (long long)at);
        feed(md, num);
        feed(md, e->actor);
        feed(md, e->role);
        feed(md, e->action);
        feed(md, e->order_id);
        feed(md, e->before);
        feed(md, e->after);
        feed(md, e->detail);
        feed(md, prev);
        ok = EVP_DigestFinal_ex(md, digest, &dlen) && dlen == 32;
    }
    EVP_MD_CTX_free(md);
    if (!ok) return rk_err_set(RK_ECRYPTO, "cannot compute the audit hash");
    rk_hex_encode(out, digest, 32, RK_HEX_LOWER);
    return 0;
}

int rk_audit_hash(char out[65], int64_t seq, int64_t at, const rk_audit_entry *e,
                  const char *prev_hash)
{
    return entry_hash(out, seq, at, e, prev_hash);
}

int rk_audit_append(rk_db *db, const rk_audit_entry *e, int64_t *seq_out)
{
    sqlite3_stmt *st;
    char prev[65] = GENESIS, hash[65];
    int64_t seq = 1, at = rk_clock_now();
    int rc;

    if (!rk_db_in_tx(db))
        return rk_err_set(RK_EINTERNAL, "audit entry '%s' written outside a transaction",
                          e->action);
    if (!e->actor || !e->role || !e->action)
        return rk_err_set(RK_EINTERNAL, "audit entry without actor, role or action");
    rc = rk_db_cached(db, &st, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    if (rc) return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        seq = sqlite3_column_int64(st, 0) + 1;
        snprintf(prev, sizeof prev, "%s", sqlite3_column_text(st, 1));
    }
    rk_db_release(db, st);
    if ((rc = entry_hash(hash, seq, at, e, prev)) != 0) return rc;
    rc = rk_db_cached(db, &st,
                      "INSERT INTO audit(seq, at, actor, role, action, order_id, before, after, "
                      "detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, at);
    sqlite3_bind_text(st, 3, e->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, e->role, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, e->action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, e->order_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, e->before, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, e->after, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, e->detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, hash, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot write the audit entry");
    rk_db_release(db, st);
    if (!rc && seq_out) *seq_out = seq;
    return rc;
}

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int rk_audit_verify(rk_db *db, int64_t *checked, int64_t *bad_seq)
{
    sqlite3_stmt *st;
    char prev[65] = GENESIS, hash[65];
    int64_t expect = 1, n = 0;
    int rc, s;

    *checked = 0;
    *bad_seq = 0;
    rc = rk_db_cached(db, &st,
                      "SELECT seq, at, actor, role, action, order_id, before, after, detail, "
                      "prev_hash, hash FROM audit ORDER BY seq");
    if (rc) return rc;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        rk_audit_entry e = {col(st, 2), col(st, 3), col(st, 4), col(st, 5),
                            col(st, 6), col(st, 7), col(st, 8)};
        const char *stored_prev = col(st, 9), *stored = col(st, 10);

        if (seq != expect) {
            *bad_seq = seq;
            rc = rk_err_set(RK_EVERIFY,
                            "audit entry %lld: expected entry %lld here (entries "
                            "removed or inserted)",
                            (long long)seq, (long long)expect);
            break;
        }
        if (!stored_prev || strcmp(stored_prev, prev)) {
            *bad_seq = seq;
            rc = rk_err_set(RK_EVERIFY,
                            "audit entry %lld: does not chain to entry %lld (the previous entry "
                            "was changed or replaced)",
                            (long long)seq, (long long)seq - 1);
            break;
        }
        if ((rc = entry_hash(hash, seq, sqlite3_column_int64(st, 1), &e, prev)) != 0) break;
        if (!stored || strcmp(stored, hash)) {
            *bad_seq = seq;
            rc = rk_err_set(RK_EVERIFY,
                            "audit entry %lld (%s by %s): its content does not match its hash "
                            "(the entry was changed)",
                            (long long)seq, e.action ? e.action : "?", e.actor ? e.actor : "?");
            break;
        }
        memcpy(prev, stored, sizeof prev);
        expect++;
        n++;
    }
    if (!rc && s != SQLITE_DONE) rc = rk_db_fail(db, "cannot read the audit log");
    rk_db_release(db, st);
    *checked = n;
    return rc;
}

void rk_audit_rows_free(rk_audit_row *rows, int n)
{
    for (int i = 0; rows && i < n; i++) {
        free(rows[i].actor);
        free(rows[i].role);
        free(rows[i].action);
        free(rows[i].order_id);
        free(rows[i].before);
        free(rows[i].after);
        free(rows[i].detail);
    }
    free(rows);
}

static int dup_col(char **out, sqlite3_stmt *st, int i)
{
    const char *s = col(st, i);
    *out = NULL;
    if (s && !(*out = strdup(s))) return rk_err_oom();
    return 0;
}

static int audit_row(void *elem, sqlite3_stmt *st, void *arg)
{
    rk_audit_row *r = elem;
    int rc;
    (void)arg;
    r->seq = sqlite3_column_int64(st, 0);
    r->at = sqlite3_column_int64(st, 1);
    if ((rc = dup_col(&r->actor, st, 2)) || (rc = dup_col(&r->role, st, 3)) ||
        (rc = dup_col(&r->action, st, 4)) || (rc = dup_col(&r->order_id, st, 5)) ||
        (rc = dup_col(&r->before, st, 6)) || (rc = dup_col(&r->after, st, 7)) ||
        (rc = dup_col(&r->detail, st, 8)))
        return rc;
    rk_db_text(r->prev_hash, sizeof r->prev_hash, st, 9);
    rk_db_text(r->hash, sizeof r->hash, st, 10);
    return 0;
}

int rk_audit_read(rk_audit_row **out, int *n, rk_db *db, int64_t after, int max)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(db, &st,
                           "SELECT seq, at, actor, role, action, order_id, before, after, detail, "
                           "prev_hash, hash FROM audit WHERE seq > ? ORDER BY seq LIMIT ?");
    *out = NULL;
    *n = 0;
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, max);
    rc = rk_db_collect((void **)out, n, db, st, sizeof **out, audit_row, NULL, "audit entries");
    return rc;
}

int rk_audit_head(int64_t *seq, char hash[65], rk_db *db)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(db, &st, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    *seq = 0;
    memcpy(hash, GENESIS, 65);
    if (rc) return rc;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        rk_db_text(hash, 65, st, 1);
    } else if (s != SQLITE_DONE)
        rc = rk_db_fail(db, "cannot read the audit log");
    rk_db_release(db, st);
    return rc;
}

int rk_audit_hash_at(char hash[65], rk_db *db, int64_t seq)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(db, &st, "SELECT hash FROM audit WHERE seq = ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, seq);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        rk_db_text(hash, 65, st, 0);
    else
        rc = s == SQLITE_DONE
                 ? rk_err_set(RK_ENOTFOUND, "the audit log has no entry %lld", (long long)seq)
                 : rk_db_fail(db, "cannot read the audit log");
    rk_db_release(db, st);
    return rc;
}
