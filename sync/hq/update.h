/*
 * System updates at HQ (docs/SYNC-PROTOCOL.md section 13): the operator
 * publishes a signed RAUC bundle (`rahq admin update publish`), rahq
 * announces the newest at GET /v1/update and serves its bytes at
 * GET /v1/update/<sha256>.raucb with HTTP ranges, so a branch whose
 * download was cut resumes where it stopped.
 *
 * The folder (HOME/updates) holds each bundle as <sha256>.raucb, named by
 * its content (so a range of it never changes under a branch), and
 * latest.json, the announcement, replaced atomically on publication. HQ
 * does not check the bundle's signature: the terminal's RAUC does, against
 * the update key it trusts; HQ only guarantees the bytes by their SHA-256.
 */
#ifndef RK_HQ_UPDATE_H
#define RK_HQ_UPDATE_H

#include "branch/sync_proto.h"
#include "hq/hq.h"

/* Copies the bundle at path into dir (created) and makes it the newest,
 * as version. Fills *out with the announcement. RK_EINVAL for a bad
 * version or an empty file, RK_EIO naming the file. */
int rk_hq_update_publish(rk_sync_proto_update *out, const char *dir, const char *path,
                         const char *version, int64_t now);

/* The announcement in force: RK_ENOTFOUND when nothing was published. */
int rk_hq_update_latest(rk_sync_proto_update *out, const char *dir);

/* GET /v1/update and GET /v1/update/<file> (api.c routes them here). */
void rk_hq_update_announce(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r);
void rk_hq_update_bundle(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r, const char *name);

#endif
