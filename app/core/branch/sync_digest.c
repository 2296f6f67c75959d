/*
 * Per-day digests of the branch's acknowledged orders (see sync_digest.h).
 */
#include "branch/sync_digest.h"

#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct line {
    rk_sync_proto_digest_order o;
    int64_t first_at;
} line;

static int by_day_uuid(const void *a, const void *b)
{
    const line *x = a, *y = b;
    int64_t dx = x->first_at / 86400, dy = y->first_at / 86400;
    if (dx != dy) return dx < dy ? -1 : 1;
    return strcmp(x->o.uuid, y->o.uuid);
}

/* Every acknowledged order with its first time, in [from, to), sorted. */
static int lines(line **out, int *n, rk_db *db, int64_t from, int64_t to)
{
    sqlite3_stmt *st;
    int64_t upto, unsent;
    int rc, cap = 0, k = 0;
    line *v = NULL;

    *out = NULL;
    *n = 0;
    if ((rc = rk_outbox_marks(db, &upto, &unsent)) != 0) return rc;
    rc = rk_db_prepare(db, &st,
                       "SELECT entity_id, seq, at, json_extract(payload, '$.state') FROM outbox "
                       "WHERE entity = 'order' AND seq <= ? ORDER BY entity_id, seq");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, upto);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *uuid = (const char *)sqlite3_column_text(st, 0);
        const char *state = (const char *)sqlite3_column_text(st, 3);
        int64_t seq = sqlite3_column_int64(st, 1), at = sqlite3_column_int64(st, 2);
        if (!uuid) continue;
        if (k == 0 || strcmp(v[k - 1].o.uuid, uuid)) {
            if (k == cap) {
                cap = cap ? cap * 2 : 256;
                line *p = realloc(v, (size_t)cap * sizeof *v);
                if (!p) {
                    rc = rk_err_oom();
                    break;
                }
                v = p;
            }
            memset(&v[k], 0, sizeof v[k]);
            snprintf(v[k].o.uuid, sizeof v[k].o.uuid, "%s", uuid);
            v[k].first_at = at;
            k++;
        }
        line *c = &v[k - 1];
        if (at < c->first_at) c->first_at = at;
        c->o.last_seq = seq;
        if (state && *state) snprintf(c->o.state, sizeof c->o.state, "%s", state);
    }
    if (!rc && s != SQLITE_DONE) rc = rk_db_fail(db, "cannot read the outbox for digests");
    sqlite3_finalize(st);
    if (rc) {
        free(v);
        return rc;
    }
    int m = 0;
    for (int i = 0; i < k; i++)
        if (v[i].first_at >= from && v[i].first_at < to) v[m++] = v[i];
    qsort(v, (size_t)m, sizeof *v, by_day_uuid);
    *out = v;
    *n = m;
    return 0;
}

int rk_sync_digest_days(rk_sync_proto_day **out, int *n, rk_db *db, int64_t from, int64_t to)
{
    line *v;
    int k, rc;
    rk_sync_proto_digest_order *o = NULL;
    *out = NULL;
    *n = 0;
    if ((rc = lines(&v, &k, db, from, to)) != 0) return rc;
    if (k && (!(*out = calloc((size_t)k, sizeof **out)) || !(o = calloc((size_t)k, sizeof *o))))
        rc = rk_err_oom();
    for (int i = 0; !rc && i < k;) {
        int j = i;
        while (j < k && v[j].first_at / 86400 == v[i].first_at / 86400) {
            o[j - i] = v[j].o;
            j++;
        }
        rk_sync_proto_day *d = &(*out)[(*n)++];
        rk_sync_proto_day_of(d->day, v[i].first_at / 86400 * 86400);
        d->orders = j - i;
        rc = rk_sync_proto_digest(d->digest, o, j - i);
        i = j;
    }
    free(o);
    free(v);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int rk_sync_digest_orders(rk_sync_proto_digest_order **out, int *n, rk_db *db, int64_t day_start)
{
    line *v;
    int k, rc = lines(&v, &k, db, day_start, day_start + 86400);
    *out = NULL;
    *n = 0;
    if (rc) return rc;
    if (k && !(*out = calloc((size_t)k, sizeof **out))) rc = rk_err_oom();
    for (int i = 0; !rc && i < k; i++)
        (*out)[i] = v[i].o;
    if (!rc) *n = k;
    free(v);
    return rc;
}
