/*
 * The archive queue (see sync_archive.h).
 */
#include "branch/sync_archive.h"

#include "audit/record.h"
#include "domain/docstore.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/uuid.h"

#include <openssl/evp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rk_sync_file_sha256(char out[65], int64_t *bytes, const char *path)
{
    static const size_t CHUNK = 1u << 20;
    unsigned char md[32], *buf;
    unsigned int mdlen = 0;
    int64_t total = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rk_err_set(errno == ENOENT ? RK_ENOTFOUND : RK_EIO, "cannot read %s: %s", path,
                          strerror(errno));
    if (!(buf = malloc(CHUNK))) {
        close(fd);
        return rk_err_oom();
    }
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    for (;;) {
        ssize_t k = read(fd, buf, CHUNK);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            ok = ok && k == 0;
            break;
        }
        ok = ok && EVP_DigestUpdate(c, buf, (size_t)k);
        total += k;
    }
    ok = ok && EVP_DigestFinal_ex(c, md, &mdlen);
    EVP_MD_CTX_free(c);
    free(buf);
    close(fd);
    if (!ok) return rk_err_set(RK_EIO, "cannot hash %s", path);
    rk_hex_encode(out, md, 32, 0);
    if (bytes) *bytes = total;
    return 0;
}

static int find(rk_db *db, const char *path, int64_t *id)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(db, &st, "SELECT id FROM sync_archive WHERE path = ?");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else
        rc = s == SQLITE_DONE ? RK_ENOTFOUND : rk_db_fail(db, "cannot read the archive queue");
    rk_db_release(db, st);
    return rc;
}

int rk_sync_archive_add(rk_db *db, const char *kind, const char *path, const char *order_uuid,
                        int64_t *id)
{
    sqlite3_stmt *st;
    char sha[65];
    int64_t bytes, have = 0;
    int rc;

    if (!path || path[0] != '/')
        return rk_err_set(RK_EINVAL, "an archive file needs an absolute path");
    if (strcmp(kind, "document") && strcmp(kind, "form") && strcmp(kind, "record"))
        return rk_err_set(RK_EINVAL, "archive kind '%s': document, form or record", kind);
    if ((rc = find(db, path, &have)) == 0) {
        if (id) *id = have;
        return 0;
    }
    if (rc != RK_ENOTFOUND) return rc;
    /* Hash before taking the write lock: files are megabytes. */
    if ((rc = rk_sync_file_sha256(sha, &bytes, path)) != 0) return rc;
    if ((rc = rk_db_begin(db)) != 0) return rc;
    rc = rk_db_cached(db, &st,
                      "INSERT INTO sync_archive(kind, path, sha256, bytes, order_uuid, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO NOTHING");
    if (!rc) {
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, sha, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, bytes);
        if (order_uuid && *order_uuid)
            sqlite3_bind_text(st, 5, order_uuid, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 5);
        sqlite3_bind_int64(st, 6, rk_clock_now());
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot queue the archive file");
        rk_db_release(db, st);
    }
    if (!rc) rc = find(db, path, &have);
    if (!rc) rc = rk_db_commit(db);
    if (rc) {
        rk_db_rollback(db);
        return rc;
    }
    if (id) *id = have;
    return 0;
}

int rk_sync_archive_scan(rk_ledger *l, int *added)
{
    sqlite3_stmt *st;
    int rc, n = 0, cap = 0;
    struct doc {
        char sha[65];
        char uuid[37];
    } *docs = NULL;

    *added = 0;
    rc = rk_db_prepare(l->db, &st,
                       "SELECT d.sha256, o.uuid FROM order_document d JOIN orders o ON "
                       "o.id = d.order_id WHERE d.sha256 IS NOT NULL ORDER BY d.recorded_at");
    if (rc) return rc;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            void *p = realloc(docs, (size_t)cap * sizeof *docs);
            if (!p) {
                rc = rk_err_oom();
                break;
            }
            docs = p;
        }
        rk_db_text(docs[n].sha, sizeof docs[n].sha, st, 0);
        rk_db_text(docs[n].uuid, sizeof docs[n].uuid, st, 1);
        n++;
    }
    if (!rc && s != SQLITE_DONE) rc = rk_db_fail(l->db, "cannot list documents");
    sqlite3_finalize(st);
    for (int i = 0; !rc && i < n; i++) {
        char path[PATH_MAX];
        int64_t id;
        if (rk_docstore_path(path, sizeof path, l->conf->documents, docs[i].sha) != 0) continue;
        if ((rc = find(l->db, path, &id)) == 0) continue;
        if (rc != RK_ENOTFOUND) break;
        rc = rk_sync_archive_add(l->db, "document", path, docs[i].uuid, &id);
        if (rc == RK_ENOTFOUND) {
            /* Deleted after an earlier upload, or never written: nothing to send. */
            rk_err_clear();
            rc = 0;
            continue;
        }
        if (!rc) (*added)++;
    }
    free(docs);
    return rc;
}

static int archive_row(void *elem, sqlite3_stmt *st, void *arg)
{
    rk_sync_archive *a = elem;
    (void)arg;
    a->id = sqlite3_column_int64(st, 0);
    rk_db_text(a->kind, sizeof a->kind, st, 1);
    rk_db_text(a->path, sizeof a->path, st, 2);
    rk_db_text(a->sha256, sizeof a->sha256, st, 3);
    a->bytes = sqlite3_column_int64(st, 4);
    rk_db_text(a->order_uuid, sizeof a->order_uuid, st, 5);
    a->created_at = sqlite3_column_int64(st, 6);
    rk_db_text(a->location, sizeof a->location, st, 7);
    a->sent_bytes = sqlite3_column_int64(st, 8);
    a->confirmed_at = sqlite3_column_int64(st, 9);
    a->deleted_at = sqlite3_column_int64(st, 10);
    a->attempts = sqlite3_column_int(st, 11);
    a->uploaded_at = sqlite3_column_int64(st, 12);
    return 0;
}

int rk_sync_archive_pending(rk_db *db, rk_sync_archive **out, int *n, int max)
{
    sqlite3_stmt *st;
    int rc =
        rk_db_prepare(db, &st,
                      "SELECT id, kind, path, sha256, bytes, order_uuid, created_at, location, "
                      "sent_bytes, confirmed_at, deleted_at, attempts, uploaded_at FROM "
                      "sync_archive WHERE uploaded_at IS NULL ORDER BY id LIMIT ?");
    if (rc) return rc;
    sqlite3_bind_int(st, 1, max);
    return rk_db_collect((void **)out, n, db, st, sizeof **out, archive_row, NULL,
                         "queued archive files");
}

static int update(rk_db *db, const char *sql, int64_t id, const char *text, int64_t num)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(db, &st, sql);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, id);
    if (text)
        sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, num);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(db, "cannot update the archive queue");
    rk_db_release(db, st);
    return rc;
}

int rk_sync_archive_set_location(rk_db *db, int64_t id, const char *location)
{
    return update(db, "UPDATE sync_archive SET location = ?2, sent_bytes = ?3 WHERE id = ?1", id,
                  location, 0);
}

int rk_sync_archive_progress(rk_db *db, int64_t id, int64_t sent, const char *error)
{
    return update(db,
                  "UPDATE sync_archive SET error = nullif(?2, ''), sent_bytes = ?3, "
                  "attempts = attempts + 1 WHERE id = ?1",
                  id, error ? error : "", sent);
}

int rk_sync_archive_uploaded(rk_db *db, int64_t id, int confirmed)
{
    return update(db,
                  confirmed ? "UPDATE sync_archive SET uploaded_at = ?3, confirmed_at = ?3, "
                              "sent_bytes = bytes, error = ?2 WHERE id = ?1"
                            : "UPDATE sync_archive SET uploaded_at = ?3, sent_bytes = bytes, "
                              "error = ?2 WHERE id = ?1",
                  id, confirmed ? NULL : "uploaded; the server gives no receipt to confirm it",
                  rk_clock_now());
}

int rk_sync_archive_restart(rk_db *db, int64_t id, const char *why)
{
    return update(db,
                  "UPDATE sync_archive SET location = NULL, sent_bytes = ?3, error = ?2, "
                  "uploaded_at = NULL WHERE id = ?1",
                  id, why, 0);
}

int rk_sync_archive_expire(rk_db *db, int keep_days, int *deleted)
{
    sqlite3_stmt *st;
    int rc, n = 0;
    rk_sync_archive *a = NULL;
    *deleted = 0;
    if (keep_days < 0) return 0;
    int64_t cut = rk_clock_now() - (int64_t)keep_days * 86400;
    rc = rk_db_prepare(db, &st,
                       "SELECT a.id, a.kind, a.path, a.sha256, a.bytes, a.order_uuid, "
                       "a.created_at, a.location, a.sent_bytes, a.confirmed_at, a.deleted_at, "
                       "a.attempts, a.uploaded_at FROM sync_archive a LEFT JOIN orders o ON "
                       "o.uuid = a.order_uuid "
                       "WHERE a.confirmed_at IS NOT NULL AND a.deleted_at IS NULL AND "
                       "((a.order_uuid IS NULL AND a.created_at <= ?1) OR "
                       " (o.closed_at IS NOT NULL AND o.closed_at <= ?1) OR "
                       " (o.archived_at IS NOT NULL AND o.archived_at <= ?1)) LIMIT 1000");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, cut);
    if ((rc = rk_db_collect((void **)&a, &n, db, st, sizeof *a, archive_row, NULL,
                            "expired archive files")) != 0)
        return rc;
    for (int i = 0; !rc && i < n; i++) {
        char sha[65];
        int64_t bytes;
        /* Delete only the bytes HQ confirmed: a file changed since is kept. */
        int h = rk_sync_file_sha256(sha, &bytes, a[i].path);
        if (h == RK_ENOTFOUND) rk_err_clear();
        if (h == 0 && strcmp(sha, a[i].sha256)) {
            rk_log_warn("sync: %s changed after HQ confirmed it: kept", a[i].path);
            continue;
        }
        if (h == 0 && unlink(a[i].path) != 0) {
            rk_log_warn("sync: cannot delete %s: %s", a[i].path, strerror(errno));
            continue;
        }
        char detail[PATH_MAX + 64];
        snprintf(detail, sizeof detail, "%s (sha256 %.16s..., confirmed by HQ)", a[i].path,
                 a[i].sha256);
        rk_record rec = {.role = "system",
                         .action = "archive.local_deleted",
                         .order_id = a[i].order_uuid[0] ? a[i].order_uuid : NULL,
                         .detail = detail};
        if ((rc = rk_db_begin(db)) != 0) break;
        rc = update(db, "UPDATE sync_archive SET deleted_at = ?3, error = ?2 WHERE id = ?1",
                    a[i].id, NULL, rk_clock_now());
        if (!rc) rc = rk_record_add(db, &rec);
        if (!(rc = rk_db_end(db, rc))) (*deleted)++;
    }
    free(a);
    return rc;
}

int rk_sync_archive_open_count(rk_db *db, int64_t *n)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(db, &st, "SELECT count(*) FROM sync_archive WHERE uploaded_at IS NULL");
    if (rc) return rc;
    *n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    rk_db_release(db, st);
    return 0;
}
