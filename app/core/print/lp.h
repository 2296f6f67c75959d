/*
 * Submitting files to a CUPS queue with the `lp` command (cups-client).
 *
 * Used for the A4 documents (PDF) and for receipt printers reached through a
 * raw CUPS queue. lp is started with posix_spawnp, never through a shell, so
 * queue names and options are never interpreted; its output is captured and
 * its error becomes the message of RK_EDEVICE.
 */
#ifndef RK_LP_H
#define RK_LP_H

#include <stddef.h>

/* Runs `lp [-h server] -d queue [-t title] [-o opt]... file` and waits for it.
 * server is "host:port" or NULL for the default; options is a NULL-terminated
 * list of "-o" values ("raw", "PageSize=A4") or NULL. On success the request
 * id lp printed ("Q-12") goes into job (may be NULL). RK_EDEVICE with lp's own
 * message when it fails, RK_EIO when it cannot be started. */
int rk_lp_submit(const char *queue, const char *server, const char *title,
                 const char *const *options, const char *file, char *job, size_t job_n);

#endif
