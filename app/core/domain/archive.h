/*
 * The paper archive: delivered orders filed into numbered, labelled boxes
 * (DOMAIN.md: sorted by social-security number, 100 files per box for new
 * issuance, 150 per box for renewals).
 *
 * Groups and the business types they hold:
 *   "new"   新办 (code XB): new, change, reissue, replace — every business
 *           that produces a new certificate on a key with a full file;
 *           100 files per box.
 *   "renew" 续费 (code XF): renew; 150 files per box (thinner files).
 *   "other" 其他 (code QT): unlock, revoke, suspend, resume, recovery;
 *           100 per box (not in the rules; so that their paper is filed too).
 *
 * Box numbers read "<branch>-<code>-<year>-<NNNN>", e.g. DEMO01-XB-2026-0001:
 * the branch id, the group code, the year the box was opened, and a
 * sequence per branch, group and year.
 *
 * rk_archive_boxes() takes the group's delivered orders not yet archived,
 * sorts them by the unit's social-security number (orders without one
 * last, by reference), fills the group's open box up to its capacity, seals
 * it, and opens the next. Each order moves to state "archived" (archived_at)
 * with its audit entry and outbox event. Every box is one transaction, so a
 * crash leaves whole boxes: the box being filled is rolled back and the
 * next run fills it again. The candidates are read before any write lock
 * is taken and checked again under it.
 */
#ifndef RK_ARCHIVE_H
#define RK_ARCHIVE_H

#include <stdint.h>

#include "util/progress.h"

#include "domain/clerk.h"
#include "domain/ledger.h"
#include "domain/order.h"

#define RK_ARCHIVE_NEW_CAPACITY   100
#define RK_ARCHIVE_RENEW_CAPACITY 150
#define RK_ARCHIVE_LABEL_MAX      64

typedef struct rk_archive_box {
    int64_t id; /* 0 for a box a dry run would open */
    char label[RK_ARCHIVE_LABEL_MAX];
    char group[8];
    int capacity;
    int count;          /* files in the box */
    int added;          /* files this run put in (rk_archive_boxes) */
    char ssn_first[40]; /* first and last social-security number in the box */
    char ssn_last[40];
    int64_t first_at, last_at; /* the files' delivery dates, earliest and latest */
    int64_t created_at;
    int64_t sealed_at; /* 0 while open */
} rk_archive_box;

/* The group of a business type ("new", "renew", "other"), or NULL. */
const char *rk_archive_group_of(const char *business);

/* The default capacity of a group; 0 for an unknown group. */
int rk_archive_capacity(const char *group);

/* Chinese name of a group: 新办 / 续费 / 其他. */
const char *rk_archive_group_label(const char *group);

/* Files the group's delivered orders into boxes (archive role). capacity
 * 0 takes the group's default (a new box only: an open box keeps its own).
 * dry_run plans without writing. *out (free() it) receives the boxes
 * filled or planned, in order, and *n their number; *archived (may be
 * NULL) the number of orders filed. RK_EPERM without the archive role,
 * RK_EINVAL for an unknown group, RK_ECANCELED when progress stopped it.
 * When a run fails after whole boxes were committed, *out still lists them
 * (free it) and the error is returned. Progress (util/progress.h, op
 * RK_OP_ARCHIVE; may be NULL): step "file" after each order put into a box,
 * inside the box's transaction, item the box's label, done of total orders;
 * a non-zero answer stops the run: the box being filled is rolled back (as
 * a crash would), earlier boxes stay. */
int rk_archive_boxes(rk_ledger *l, const rk_actor *by, const char *group, int capacity, int dry_run,
                     rk_progress_fn progress, void *arg, rk_archive_box **out, int *n,
                     int *archived);

/* All boxes (of group, or every group for NULL), oldest first, into a new
 * array (free() it). */
int rk_archive_list(rk_ledger *l, const char *group, rk_archive_box **out, int *n);

/* One box by its label. RK_ENOTFOUND. */
int rk_archive_get(rk_ledger *l, const char *label, rk_archive_box *out);

#endif
