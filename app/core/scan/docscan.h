/*
 * The document scanner: SANE (libsane) devices listed, opened, set to a
 * resolution and mode, and a page scanned into memory, then encoded as PNG
 * or JPEG and fitted under the ledger's upload limit.
 *
 * Any SANE backend works; tests and the demo use SANE's `test` backend
 * (libsane-test in libsane1), enabled through SANE_CONFIG_DIR pointing at a
 * folder with a dll.conf naming "test" and a test.conf (tests/unit/
 * test_docscan.c and tests/integration/scan_doc.sh write their own).
 *
 * Global state: SANE's library state (sane_init .. sane_exit) is process-
 * wide and not thread-safe, so every function here that talks to SANE holds
 * one process-wide mutex from sane_init to sane_exit; scans from several
 * threads are serialised. Pixels are 8 bits per sample, Gray (1 channel) or
 * RGB (3); 1-bit line art is expanded and 16-bit samples keep their high
 * byte. Three-pass colour scanners are refused.
 *
 * The size policy (rk_docscan_fit): a scan is stored lossless as PNG when
 * that fits under max_bytes; otherwise as JPEG at quality 85, 70 and 55;
 * otherwise at half the resolution (2x2 average, while it stays at least
 * RK_DOCSCAN_MIN_DPI) with the same steps; otherwise it is refused with a
 * message saying what to do (scan in Gray, or a smaller area). Whatever is
 * returned has passed rk_image_check() with the same limit, the check the
 * ledger applies again when it attaches the image.
 */
#ifndef RK_DOCSCAN_H
#define RK_DOCSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "util/progress.h"

#define RK_DOCSCAN_DEFAULT_DPI 300
#define RK_DOCSCAN_MIN_DPI     100

typedef struct rk_docscan_device {
    char name[128]; /* what rk_docscan_opts.device takes: "test:0", "genesys:libusb:001:004" */
    char vendor[64];
    char model[64];
    char type[64]; /* "flatbed scanner", "virtual device" ... */
} rk_docscan_device;

/* Lists the scanners SANE sees into a new array (free() it); *n may be 0.
 * RK_EDEVICE if SANE cannot start. */
int rk_docscan_list(rk_docscan_device **out, int *n);

typedef struct rk_docscan_opts {
    const char *device; /* NULL or "": the first scanner */
    int dpi;            /* 0: RK_DOCSCAN_DEFAULT_DPI */
    int gray;           /* 1: mode Gray; 0: Color */
    /* Progress (util/progress.h, op RK_OP_SCAN) as data arrives: step
     * "scan" with done and total bytes (total -1 and percent unchanged when
     * the scanner does not know the page length), then "done". A non-zero
     * answer to a "scan" report cancels the scan. May be NULL. */
    rk_progress_fn progress;
    void *progress_arg;
} rk_docscan_opts;

typedef struct rk_docscan_image {
    int width, height;
    int channels;          /* 1 gray, 3 RGB */
    int dpi;               /* the resolution the scanner really used */
    unsigned char *pixels; /* width * height * channels bytes, rows top down */
    char device[128];
} rk_docscan_image;

/* Scans one page into *out (owned by the caller: rk_docscan_image_free).
 * RK_ENOTFOUND: no scanner, or none of that name; RK_EINVAL: the scanner
 * lacks the mode or resolution; RK_ECANCELED: cancelled by the progress
 * callback; RK_EDEVICE: jammed, no document, cover open, I/O error (the
 * message says which); RK_EBUSY: in use; RK_ETOOBIG: the page exceeds
 * RK_IMAGE_MAX_SIDE / RK_IMAGE_MAX_PIXELS (image.h); RK_ENOMEM. */
int rk_docscan_scan(rk_docscan_image *out, const rk_docscan_opts *opts);

/* Frees the pixels; NULL or an empty image does nothing. */
void rk_docscan_image_free(rk_docscan_image *img);

/* Encodes img as PNG (quality ignored) or JPEG (quality 1..100) into a new
 * buffer (free() it), recording the resolution (pHYs / JFIF density). */
int rk_docscan_png(unsigned char **out, size_t *len, const rk_docscan_image *img);
int rk_docscan_jpeg(unsigned char **out, size_t *len, const rk_docscan_image *img, int quality);

/* What rk_docscan_fit chose. */
typedef struct rk_docscan_fit_info {
    char format[8]; /* "png" or "jpeg" */
    int quality;    /* JPEG quality, 0 for PNG */
    int dpi;
    int width, height;
} rk_docscan_fit_info;

/* Encodes img under max_bytes (0: RK_IMAGE_DEFAULT_MAX_BYTES) by the policy
 * above into a new buffer (free() it). RK_ETOOBIG with advice when nothing
 * fits. */
int rk_docscan_fit(unsigned char **out, size_t *len, rk_docscan_fit_info *info,
                   const rk_docscan_image *img, size_t max_bytes);

#endif
