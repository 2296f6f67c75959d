/*
 * The archive queue: files the branch owes HQ (document images, signed
 * application forms, task records), uploaded by the sync daemon with tus
 * (sync_tus.h) and deleted here only once HQ confirmed their SHA-256 and
 * the retention policy allows.
 *
 * A queued file is recorded with the SHA-256 and size of its bytes as they
 * will travel (document images are the docstore's sealed files: HQ keeps
 * them sealed, as the branch does), the tus location once the upload is
 * created (stored before a byte is sent, so a restart resumes it), the
 * bytes sent, HQ's confirmation and the local deletion.
 *
 * Retention ([sync] archive_keep_days, default 90, -1 keeps everything):
 * a confirmed file of an order is deleted that many days after the order
 * closed (archived, cancelled or rejected); a file of no order that many
 * days after it was queued. An unconfirmed file is never deleted.
 */
#ifndef RK_SYNC_ARCHIVE_H
#define RK_SYNC_ARCHIVE_H

#include <limits.h>
#include <stdint.h>

#include "domain/ledger.h"

typedef struct rk_sync_archive {
    int64_t id;
    char kind[16]; /* document, form, record */
    char path[PATH_MAX];
    char sha256[65];
    int64_t bytes;
    char order_uuid[37];
    int64_t created_at;
    char location[512];
    int64_t sent_bytes;
    int64_t uploaded_at, confirmed_at, deleted_at;
    int attempts;
} rk_sync_archive;

/* SHA-256 (lower-case hex) and size of a file. */
int rk_sync_file_sha256(char out[65], int64_t *bytes, const char *path);

/* Queues the file at path (absolute) of kind for order_uuid (may be NULL).
 * A path queued before is left as it is (*id its row). RK_ENOTFOUND if the
 * file cannot be read. */
int rk_sync_archive_add(rk_db *db, const char *kind, const char *path, const char *order_uuid,
                        int64_t *id);

/* Queues every document image of the ledger not queued yet; *added counts. */
int rk_sync_archive_scan(rk_ledger *l, int *added);

/* Up to max files not uploaded yet, oldest first, into a new array (free()). */
int rk_sync_archive_pending(rk_db *db, rk_sync_archive **out, int *n, int max);

/* The upload's tus location (stored before anything is sent). */
int rk_sync_archive_set_location(rk_db *db, int64_t id, const char *location);
/* Bytes sent so far and the last error ("" none); counts an attempt. */
int rk_sync_archive_progress(rk_db *db, int64_t id, int64_t sent, const char *error);
/* The whole file reached the server; confirmed: HQ's receipt matched the
 * file's SHA-256 (a server without receipts never confirms, and the file
 * is then never deleted). */
int rk_sync_archive_uploaded(rk_db *db, int64_t id, int confirmed);
/* Forgets the upload's location (HQ's copy did not match: upload again). */
int rk_sync_archive_restart(rk_db *db, int64_t id, const char *why);

/* Deletes the local copies the retention policy lets go (confirmed ones
 * only); *deleted counts them. keep_days < 0 deletes nothing. */
int rk_sync_archive_expire(rk_db *db, int keep_days, int *deleted);

/* Counts: queued and not uploaded yet. */
int rk_sync_archive_open_count(rk_db *db, int64_t *n);

#endif
