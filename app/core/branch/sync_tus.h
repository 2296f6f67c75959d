/*
 * The tus 1.0 client (https://tus.io/protocols/resumable-upload): uploads
 * a queued archive file (sync_archive.h) to any tus server with the
 * creation extension, rahq's or another, through the sync transport.
 *
 * - The server's extensions are learnt once (OPTIONS); the checksum
 *   extension with sha256 is used where offered: each chunk then carries
 *   its SHA-256 and is kept by the server whole or not at all.
 * - The upload is created (POST, Upload-Length, Upload-Metadata: filename,
 *   sha256, kind, order) and its location stored in the queue before a
 *   byte is sent; after a cut, a 409 or a restart the client asks the
 *   server's offset (HEAD) and continues from there, so at most the bytes
 *   in flight (one chunk with checksums) are sent again.
 * - Chunks of `chunk` bytes are PATCHed (application/offset+octet-stream);
 *   a location the server forgot (404, 410) starts the upload again.
 * - A Location on another server than the endpoint is refused.
 */
#ifndef RK_SYNC_TUS_H
#define RK_SYNC_TUS_H

#include <stdint.h>

#include "branch/sync_archive.h"
#include "branch/sync_proto.h"
#include "branch/sync_transport.h"
#include "db/db.h"

typedef struct rk_sync_tus {
    rk_sync_transport *t;
    char endpoint[512]; /* absolute URL or a path on the transport's base */
    int64_t chunk;
    int max_attempts;
    /* learnt from OPTIONS */
    int probed, checksum, termination;
    int64_t max_size;
} rk_sync_tus;

/* A client for the endpoint. */
void rk_sync_tus_init(rk_sync_tus *c, rk_sync_transport *t, const char *endpoint, int64_t chunk,
                      int max_attempts);

/* Uploads a (its location and progress kept in db). *sent counts the body
 * bytes this call sent, *from (may be NULL) the offset the server held when
 * it began, so *sent - (a->bytes - *from) bytes went twice. 0 once the server holds the whole file;
 * RK_EIO/RK_ETIMEOUT after max_attempts failures in a row; RK_EPERM when the server refuses the
 * upload (the message says why); RK_ESTATE if the file changed since it was queued; RK_EINTERNAL if
 * the transport is stopping. */
int rk_sync_tus_upload(rk_sync_tus *c, rk_db *db, rk_sync_archive *a, int64_t *sent, int64_t *from);

/* HQ's receipt of an upload (rahq's extension: GET <location>/receipt).
 * RK_ENOTFOUND when the server gives none (a plain tus server). */
int rk_sync_tus_receipt(rk_sync_tus *c, const char *location, rk_sync_proto_receipt *out);

/* Terminates an upload (DELETE, the termination extension). */
int rk_sync_tus_terminate(rk_sync_tus *c, const char *location);

#endif
