/*
 * The receipt spool: print jobs persisted on disk so that a crash, a power
 * cut or a printer out of paper never loses a receipt.
 *
 * Layout under the spool folder:
 *   pending/<stamp>-<seq>-<ref>.escpos   jobs to print, oldest first
 *   archive/<stamp>-<seq>-<ref>.escpos   jobs printed (for reprints)
 *   lock                                 flock: one printing run at a time
 * A job is written to a temporary file, fsynced and renamed into pending/
 * (atomic), and moved to archive/ only after the printer, asked after the
 * job, reported itself fine. A printer that is not ready (paper out, cover
 * open, offline, not answering) holds the queue: the job stays in pending/,
 * the notify callback and RK_EDEVICE tell the clerk why, and the next run
 * after recovery prints it. A job interrupted by a fault (paper ran out
 * during the job) is printed again in full: a duplicate is better than a
 * lost receipt.
 *
 * Several processes (rakiosk, ractl) may share a spool; runs are serialised
 * by the lock file.
 */
#ifndef RK_SPOOL_H
#define RK_SPOOL_H

#include <stddef.h>

#include "util/progress.h"

#define RK_SPOOL_MAX_JOB  (4u << 20) /* bytes per receipt job */
#define RK_SPOOL_JOB_NAME 128

typedef struct rk_spool rk_spool;

/* Opens (creating its folders, mode 0700) the spool at dir. */
int rk_spool_open(rk_spool **out, const char *dir);

/* Frees; NULL does nothing. */
void rk_spool_free(rk_spool *s);

/* Adds a job for order ref (characters other than A-Z a-z 0-9 . _ - become
 * '_'); its name goes into job (RK_SPOOL_JOB_NAME bytes) if not NULL. The job
 * is on disk, fsynced, when this returns 0. */
int rk_spool_add(rk_spool *s, const char *ref, const void *data, size_t n, char *job);

/* Prints the pending jobs in order on the printer at uri (see printer.h),
 * each on a fresh connection with a status check before and after.
 * *printed (may be NULL) counts the jobs printed. Returns 0 when the queue is
 * empty afterwards; RK_EDEVICE (message: which job is held and why, for the
 * clerk) when the printer is not ready; RK_EBUSY if another process is
 * printing from this spool.
 * Progress (util/progress.h, op RK_OP_PRINT; may be NULL), item the job's
 * name, done/total the jobs of this run: "print" before each job (a
 * non-zero answer stops the run there: RK_ECANCELED, that job and the rest
 * stay pending), then its fate, with a sentence for the clerk as text:
 * "printed" (the printer is fine), "held" (the job waits: text says why),
 * "warning" (printed, but the paper is nearly out). */
int rk_spool_run(rk_spool *s, const char *uri, int timeout_ms, rk_progress_fn progress, void *arg,
                 int *printed);

/* Number of jobs waiting. */
int rk_spool_pending(rk_spool *s, int *count);

/* Lists the waiting jobs' names into a new array of n strings (free each
 * and the array). */
int rk_spool_list(rk_spool *s, char ***names, int *n);

/* Queues the last printed receipt of order ref again, marked "重印 REPRINT"
 * at the top. RK_ENOTFOUND if the archive has no receipt for ref. */
int rk_spool_reprint(rk_spool *s, const char *ref, char *job);

#endif
