/*
 * Configuration bundles from HQ (docs/SYNC-PROTOCOL.md section 10): fees,
 * forms, certificate profiles, the working calendar and the knowledge base
 * as one CMS SignedData signed by HQ's configuration key, verified before
 * use and swapped in atomically.
 *
 * A bundle is installed only if its signature verifies with the
 * certificate pinned in [hq] config_cert (the only signer accepted), its
 * version is above the one in force (no rollback by replaying an old
 * bundle), every file is one the bundle may carry, matches its SHA-256 and
 * loads with the branch's own parser. Then the files (with those of the
 * bundle in force that it does not replace) are written to
 * <data_dir>/config/<version>/, flushed, and the link config/current is
 * switched to it with one rename; conf.c reads the files through that link
 * (conf.h). The version, the bundle's SHA-256 (sync.config_version,
 * sync.config_sha) and an audit entry are recorded in one transaction.
 * Every refusal changes nothing: the bundle in force stays.
 */
#ifndef RK_SYNC_CONFIG_H
#define RK_SYNC_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "db/db.h"

/* Verifies and installs the bundle der[0..len). *version receives its
 * version. RK_ECONF if [hq] config_cert is not configured; RK_EVERIFY for an
 * unsigned bundle or a signature that is not the configuration key's;
 * RK_ESTATE for a version not above the one in force; RK_EFORMAT for a
 * malformed bundle or a file that does not load (the message names it);
 * RK_EIO when the files cannot be written. */
int rk_sync_config_install(int64_t *version, rk_db *db, const rk_conf *conf,
                           const unsigned char *der, size_t len);

/* The version in force (0: the shipped files) and the SHA-256 of its
 * bundle ("" if none). */
int rk_sync_config_current(int64_t *version, char sha256[65], rk_db *db);

#endif
