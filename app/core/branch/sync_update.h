/*
 * System updates during the sync (docs/SYNC-PROTOCOL.md section 13): the
 * files of a bundle HQ announced, fetched a range at a time by the pass
 * (sync_pass.c), checked and handed to the installer.
 *
 * Under <data_dir>/update/ the bundle grows as <sha256>.part, each range
 * appended and synced to the disk before the next is asked for, so a cut
 * (the network, a killed rasync, a power cut) loses at most the range in
 * flight and the next attempt or the next night's pass goes on from the
 * part's size. Once whole, its SHA-256 must be the announced one (else the
 * part is deleted and the next pass starts again), and it is renamed
 * <sha256>.raucb and handed to `[sync] update_install` (`rauc install` on
 * the appliance: RAUC checks the signature, writes the other slot and
 * makes it the next boot's; tests/image/update-test). A bundle installed
 * is recorded (sync.update_installed) and removed; files of an older
 * announcement are removed when a newer one comes.
 */
#ifndef RK_SYNC_UPDATE_H
#define RK_SYNC_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "branch/sync_proto.h"
#include "db/db.h"

typedef struct rk_sync_update_files {
    char dir[512];  /* <data_dir>/update */
    char part[640]; /* <dir>/<sha256>.part */
    char full[640]; /* <dir>/<sha256>.raucb */
} rk_sync_update_files;

/* The paths for announcement u, the folder created (0700); files of any
 * other bundle in it removed. *have is the bytes already held: u->size
 * when the whole checked bundle is there (*complete = 1), else the part's
 * size (a part larger than u->size is discarded). */
int rk_sync_update_prepare(rk_sync_update_files *f, int64_t *have, int *complete,
                           const char *data_dir, const rk_sync_proto_update *u);

/* Appends n bytes at offset off, which must be the part's size, and syncs
 * them to the disk. */
int rk_sync_update_append(const rk_sync_update_files *f, int64_t off, const void *data, size_t n);

/* The part is whole: checks its size and SHA-256 against u and renames it
 * to the bundle. RK_EVERIFY (the part removed) when they differ. */
int rk_sync_update_finish(const rk_sync_update_files *f, const rk_sync_proto_update *u);

/* Runs command (split on spaces; no shell) with the bundle's path as its
 * last argument, its output logged. 0 when it exits 0; RK_EIO with its exit
 * status and last line of output otherwise. */
int rk_sync_update_install(const char *command, const char *bundle);

/* Whether the bundle with this SHA-256 was installed already (1/0), and
 * recording that it was (the bundle file is then removed). */
int rk_sync_update_installed(rk_db *db, const char *sha256, int *yes);
int rk_sync_update_mark_installed(rk_db *db, const rk_sync_update_files *f,
                                  const rk_sync_proto_update *u);

#endif
