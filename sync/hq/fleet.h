/*
 * The fleet page: HQ's read-only picture of every branch, as one HTML page
 * that needs nothing but a browser (no script, the chart is inline SVG).
 * Per branch: last sync, the backlog it reported with its last push (its
 * events not yet at HQ), the changes waiting for it at HQ, archives still
 * uploading, the requests HQ refused or failed today, open incidents with
 * their escalation state and the orders waiting for the competent
 * authority; a bar chart of each branch's backlog over the last 30 days.
 * Everything a branch sent (names, incident texts) is HTML-escaped.
 *
 * rahq serves it on its fleet listener (`rahq serve --fleet-port N`) and
 * writes it with `rahq admin fleet --html FILE`, at the injectable clock's
 * time (RAKIOSK_NOW), which is how the tests move an incident up its ladder.
 */
#ifndef RK_HQ_FLEET_H
#define RK_HQ_FLEET_H

#include <stdint.h>

#include "hq/store.h"
#include "util/buf.h"

#define RK_HQ_FLEET_DAYS 30
#define RK_HQ_FLEET_MAX  (16u << 20) /* bytes of the page at most */

/* Local midnight of the day holding t. */
int64_t rk_hq_day_of(int64_t t);

/* The page as it stands at now, into out (reset first). */
int rk_hq_fleet_page(rk_hq_store *s, int64_t now, rk_buf *out);

#endif
