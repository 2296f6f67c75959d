/*
 * The branch's readers as the branch finds them: the ID card reader's
 * serial line and the document scanner's device, resolution and mode.
 *
 * Each setting is taken from, in order: what the caller gives (a command's
 * option, a kiosk's choice), the environment (RAKIOSK_IDREADER), then
 * kiosk.conf's [idreader] and [scanner] sections, then the defaults.
 * Scanning to a file works without a configuration.
 */
#ifndef RK_BRANCH_READERS_H
#define RK_BRANCH_READERS_H

#include "branch/branch.h"

#include <stddef.h>

#define RK_BRANCH_IDREADER_DEFAULT "/dev/ttyUSB0"

/* The ID card reader's tty (opt: the caller's, or NULL) into out. */
int rk_branch_idreader(rk_branch *b, const char *opt, char *out, size_t n);

/* The scanner settings. opt_device NULL, opt_dpi 0 and opt_gray -1 leave
 * the choice to the configuration; *device is NULL for SANE's first
 * scanner. Borrowed strings. */
typedef struct rk_branch_scanner {
    const char *device;
    int dpi;
    int gray;
} rk_branch_scanner;

void rk_branch_scanner_settings(rk_branch *b, const char *opt_device, int opt_dpi, int opt_gray,
                                rk_branch_scanner *out);

#endif
