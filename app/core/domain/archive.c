/*
 * Archive boxes (see archive.h).
 */
#include "archive.h"

#include "audit/record.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/json.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct group_def {
    const char *name, *code, *zh;
    int capacity;
    const char *businesses; /* SQL list */
} group_def;

static const group_def groups[] = {
    {"new", "XB", "新办", RK_ARCHIVE_NEW_CAPACITY, "'new', 'change', 'reissue', 'replace'"},
    {"renew", "XF", "续费", RK_ARCHIVE_RENEW_CAPACITY, "'renew'"},
    {"other", "QT", "其他", RK_ARCHIVE_NEW_CAPACITY,
     "'unlock', 'revoke', 'suspend', 'resume', 'recovery'"},
};

static const group_def *find_group(const char *name)
{
    for (size_t i = 0; name && i < sizeof groups / sizeof groups[0]; i++)
        if (!strcmp(groups[i].name, name)) return &groups[i];
    return NULL;
}

const char *rk_archive_group_of(const char *business)
{
    char quoted[32];
    snprintf(quoted, sizeof quoted, "'%s'", business);
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        if (strstr(groups[i].businesses, quoted)) return groups[i].name;
    return NULL;
}

int rk_archive_capacity(const char *group)
{
    const group_def *g = find_group(group);
    return g ? g->capacity : 0;
}

const char *rk_archive_group_label(const char *group)
{
    const group_def *g = find_group(group);
    return g ? g->zh : group;
}

/* --- reading boxes ------------------------------------------------------ */

#define BOX_SELECT                                                                                 \
    "SELECT b.id, b.label, b.grp, b.capacity, b.created_at, coalesce(b.sealed_at, 0), "            \
    "(SELECT count(*) FROM archive_item i WHERE i.box_id = b.id), "                                \
    "coalesce((SELECT min(o.delivered_at) FROM archive_item i JOIN orders o ON o.id = i.order_id " \
    "  WHERE i.box_id = b.id), 0), "                                                               \
    "coalesce((SELECT max(o.delivered_at) FROM archive_item i JOIN orders o ON o.id = i.order_id " \
    "  WHERE i.box_id = b.id), 0), "                                                               \
    "coalesce((SELECT o.ssn FROM archive_item i JOIN orders o ON o.id = i.order_id "               \
    "  WHERE i.box_id = b.id AND coalesce(o.ssn, '') <> '' ORDER BY i.position LIMIT 1), ''), "    \
    "coalesce((SELECT o.ssn FROM archive_item i JOIN orders o ON o.id = i.order_id "               \
    "  WHERE i.box_id = b.id AND coalesce(o.ssn, '') <> '' ORDER BY i.position DESC LIMIT 1), "    \
    "'') FROM archive_box b "

static void read_box(sqlite3_stmt *st, rk_archive_box *b)
{
    memset(b, 0, sizeof *b);
    b->id = sqlite3_column_int64(st, 0);
    rk_db_text(b->label, sizeof b->label, st, 1);
    rk_db_text(b->group, sizeof b->group, st, 2);
    b->capacity = sqlite3_column_int(st, 3);
    b->created_at = sqlite3_column_int64(st, 4);
    b->sealed_at = sqlite3_column_int64(st, 5);
    b->count = sqlite3_column_int(st, 6);
    b->first_at = sqlite3_column_int64(st, 7);
    b->last_at = sqlite3_column_int64(st, 8);
    rk_db_text(b->ssn_first, sizeof b->ssn_first, st, 9);
    rk_db_text(b->ssn_last, sizeof b->ssn_last, st, 10);
}

static int box_row(void *elem, sqlite3_stmt *st, void *arg)
{
    (void)arg;
    read_box(st, elem);
    return 0;
}

int rk_archive_list(rk_ledger *l, const char *group, rk_archive_box **out, int *n)
{
    sqlite3_stmt *st;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = rk_db_prepare(l->db, &st, BOX_SELECT "WHERE ?1 IS NULL OR b.grp = ?1 ORDER BY b.id")))
        return rc;
    if (group)
        sqlite3_bind_text(st, 1, group, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 1);
    return rk_db_collect((void **)out, n, l->db, st, sizeof **out, box_row, NULL, "archive boxes");
}

static int get_where(rk_ledger *l, const char *where, const char *text_arg, int64_t int_arg,
                     rk_archive_box *out)
{
    sqlite3_stmt *st;
    char sql[2048];
    snprintf(sql, sizeof sql, "%s%s", BOX_SELECT, where);
    int rc = rk_db_prepare(l->db, &st, sql);
    if (rc) return rc;
    if (text_arg)
        sqlite3_bind_text(st, 1, text_arg, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, int_arg);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        read_box(st, out);
    else
        rc = s == SQLITE_DONE ? RK_ENOTFOUND : rk_db_fail(l->db, "cannot read an archive box");
    sqlite3_finalize(st);
    return rc;
}

int rk_archive_get(rk_ledger *l, const char *label, rk_archive_box *out)
{
    int rc = get_where(l, "WHERE b.label = ?1", label, 0, out);
    return rc == RK_ENOTFOUND ? rk_err_set(rc, "no archive box '%s'", label) : rc;
}

/* The group's open box, if any (RK_ENOTFOUND otherwise). */
static int open_box(rk_ledger *l, const char *group, rk_archive_box *out)
{
    return get_where(l, "WHERE b.grp = ?1 AND b.sealed_at IS NULL ORDER BY b.id LIMIT 1", group, 0,
                     out);
}

/* --- filing ------------------------------------------------------------- */

typedef struct candidate {
    int64_t id;
    char uuid[37];
    char ref[RK_ORDER_REF_MAX];
    char business[16];
    char ssn[40];
    int64_t delivered_at;
} candidate;

static int read_candidate(void *elem, sqlite3_stmt *st, void *arg)
{
    candidate *c = elem;
    (void)arg;
    c->id = sqlite3_column_int64(st, 0);
    rk_db_text(c->uuid, sizeof c->uuid, st, 1);
    rk_db_text(c->ref, sizeof c->ref, st, 2);
    rk_db_text(c->business, sizeof c->business, st, 3);
    rk_db_text(c->ssn, sizeof c->ssn, st, 4);
    c->delivered_at = sqlite3_column_int64(st, 5);
    return 0;
}

static int read_candidates(rk_ledger *l, const group_def *g, candidate **out, int *n)
{
    sqlite3_stmt *st;
    char sql[1024];
    int rc;

    *out = NULL;
    *n = 0;
    snprintf(sql, sizeof sql,
             "SELECT o.id, o.uuid, o.ref, o.business, coalesce(o.ssn, ''), "
             "coalesce(o.delivered_at, 0) FROM orders o "
             "WHERE o.state = 'delivered' AND o.business IN (%s) "
             "AND NOT EXISTS (SELECT 1 FROM archive_item i WHERE i.order_id = o.id) "
             "ORDER BY coalesce(o.ssn, '') = '', o.ssn, o.ref",
             g->businesses);
    if ((rc = rk_db_prepare(l->db, &st, sql)) != 0) return rc;
    return rk_db_collect((void **)out, n, l->db, st, sizeof **out, read_candidate, NULL,
                         "the orders to archive");
}

/* The next box label of the group in the year of now. */
static int next_label(rk_ledger *l, const group_def *g, int64_t now, char *out, size_t n)
{
    char prefix[64];
    struct tm tm;
    time_t t = (time_t)now;
    sqlite3_stmt *st;
    int seq = 1, rc;

    localtime_r(&t, &tm);
    snprintf(prefix, sizeof prefix, "%s-%s-%04d-", l->conf->branch_id, g->code, tm.tm_year + 1900);
    rc = rk_db_prepare(l->db, &st,
                       "SELECT max(CAST(substr(label, length(?1) + 1) AS INTEGER)) "
                       "FROM archive_box WHERE substr(label, 1, length(?1)) = ?1");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        seq = sqlite3_column_int(st, 0) + 1;
    sqlite3_finalize(st);
    snprintf(out, n, "%s%04d", prefix, seq);
    return 0;
}

static int create_box(rk_ledger *l, const group_def *g, int capacity, int64_t now,
                      rk_archive_box *b)
{
    sqlite3_stmt *st;
    int rc;

    memset(b, 0, sizeof *b);
    if ((rc = next_label(l, g, now, b->label, sizeof b->label)) != 0) return rc;
    rk_utf8_copy(b->group, sizeof b->group, g->name);
    b->capacity = capacity;
    b->created_at = now;
    if ((rc = rk_db_prepare(l->db, &st,
                            "INSERT INTO archive_box(label, grp, capacity, created_at) "
                            "VALUES (?, ?, ?, ?)")) != 0)
        return rc;
    sqlite3_bind_text(st, 1, b->label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, g->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, capacity);
    sqlite3_bind_int64(st, 4, now);
    if ((rc = rk_db_step_done(l->db, st, "cannot open an archive box")) != 0) return rc;
    b->id = sqlite3_last_insert_rowid(rk_db_handle(l->db));
    return 0;
}

/* Moves one order into box b at position pos. 1 if filed, 0 if it is no
 * longer a delivered, unarchived order (another process got there). */
static int file_order(rk_ledger *l, const rk_actor *by, const candidate *c, rk_archive_box *b,
                      int pos, int64_t now, int *filed)
{
    sqlite3_stmt *st;
    rk_buf p;
    rk_json j;
    char detail[160];
    int rc;

    *filed = 0;
    rc = rk_db_prepare(l->db, &st,
                       "UPDATE orders SET state = 'archived', archived_at = ?1, updated_at = ?1 "
                       "WHERE id = ?2 AND state = 'delivered' AND NOT EXISTS "
                       "(SELECT 1 FROM archive_item WHERE order_id = ?2)");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, c->id);
    if ((rc = rk_db_step_done(l->db, st, "cannot archive the order")) != 0) return rc;
    if (sqlite3_changes(rk_db_handle(l->db)) != 1) return 0;
    rc = rk_db_prepare(l->db, &st,
                       "INSERT INTO archive_item(order_id, box_id, position, archived_by, "
                       "archived_at) VALUES (?, ?, ?, ?, ?)");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, c->id);
    sqlite3_bind_int64(st, 2, b->id);
    sqlite3_bind_int(st, 3, pos);
    if (by->clerk_id)
        sqlite3_bind_int64(st, 4, by->clerk_id);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, now);
    if ((rc = rk_db_step_done(l->db, st, "cannot file the order in its box")) != 0) return rc;
    rk_buf_init(&p, 2048);
    rk_json_init(&j, &p);
    rk_json_obj_begin(&j);
    rk_json_kstr(&j, "uuid", c->uuid);
    rk_json_kstr(&j, "ref", c->ref);
    rk_json_kstr(&j, "branch", l->conf->branch_id);
    rk_json_kstr(&j, "business", c->business);
    rk_json_kstr(&j, "state", "archived");
    rk_json_kstr(&j, "box", b->label);
    rk_json_kint(&j, "position", pos);
    rk_json_obj_end(&j);
    snprintf(detail, sizeof detail, "box %s, position %d", b->label, pos);
    if ((rc = rk_json_finish(&j)) == 0) {
        rk_record r = {.actor = by->login,
                       .role = "archive",
                       .action = "order.archived",
                       .order_id = c->uuid,
                       .before = "{\"state\":\"delivered\"}",
                       .after = p.data,
                       .detail = detail,
                       .entity = "order",
                       .entity_id = c->uuid};
        rc = rk_record_add(l->db, &r);
    }
    rk_buf_free(&p);
    if (!rc) *filed = 1;
    return rc;
}

static int box_event(rk_ledger *l, const rk_actor *by, const rk_archive_box *b, int added)
{
    rk_buf p;
    rk_json j;
    char detail[160];
    int rc;

    rk_buf_init(&p, 1024);
    rk_json_init(&j, &p);
    rk_json_obj_begin(&j);
    rk_json_kstr(&j, "branch", l->conf->branch_id);
    rk_json_kstr(&j, "box", b->label);
    rk_json_kstr(&j, "group", b->group);
    rk_json_kint(&j, "capacity", b->capacity);
    rk_json_kint(&j, "count", b->count);
    rk_json_kint(&j, "added", added);
    rk_json_kbool(&j, "sealed", b->sealed_at != 0);
    rk_json_obj_end(&j);
    snprintf(detail, sizeof detail, "box %s: %d added, %d of %d%s", b->label, added, b->count,
             b->capacity, b->sealed_at ? ", sealed" : "");
    if ((rc = rk_json_finish(&j)) == 0) {
        rk_record r = {.actor = by->login,
                       .role = "archive",
                       .action = "record.archive_box",
                       .after = p.data,
                       .detail = detail,
                       .entity = "record",
                       .entity_id = b->label};
        rc = rk_record_add(l->db, &r);
    }
    rk_buf_free(&p);
    return rc;
}

/* Fills one box in one transaction from cand[*next...]. */
static int fill_one_box(rk_ledger *l, const rk_actor *by, const group_def *g, int capacity,
                        const candidate *cand, int total, int *next, int *archived,
                        rk_progress_track *pt, rk_archive_box *box)
{
    int64_t now = rk_clock_now();
    int rc, added = 0, pos;
    sqlite3_stmt *st;

    if ((rc = rk_db_begin(l->db)) != 0) return rc;
    /* Under the write lock: the open box as it is now. */
    rc = open_box(l, g->name, box);
    if (rc == RK_ENOTFOUND) rc = create_box(l, g, capacity, now, box);
    if (rc) goto fail;
    if ((rc = rk_db_prepare(
             l->db, &st, "SELECT coalesce(max(position), 0) FROM archive_item WHERE box_id = ?")))
        goto fail;
    sqlite3_bind_int64(st, 1, box->id);
    pos = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    while (box->count < box->capacity && *next < total) {
        int filed;
        if ((rc = file_order(l, by, &cand[*next], box, pos + 1, now, &filed)) != 0) goto fail;
        (*next)++;
        if (!filed) continue;
        pos++;
        box->count++;
        added++;
        int done = *archived + added;
        if (rk_progress_tell(pt, &(rk_progress){.step = "file",
                                                .text = "filing orders into boxes",
                                                .item = box->label,
                                                .done = done,
                                                .total = total,
                                                .percent = done * 100 / total})) {
            rc = rk_err_set(RK_ECANCELED, "archiving stopped in box %s; whole boxes are kept",
                            box->label);
            goto fail;
        }
    }
    if (box->count >= box->capacity) {
        if ((rc = rk_db_prepare(l->db, &st, "UPDATE archive_box SET sealed_at = ? WHERE id = ?")))
            goto fail;
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int64(st, 2, box->id);
        if ((rc = rk_db_step_done(l->db, st, "cannot seal the box")) != 0) goto fail;
        box->sealed_at = now;
    }
    if (!added) {
        /* Nothing left to file (others were quicker): keep no empty box. */
        rk_db_rollback(l->db);
        box->added = 0;
        return 0;
    }
    if ((rc = rk_db_end(l->db, box_event(l, by, box, added))) != 0) return rc;
    *archived += added;
    box->added = added;
    return 0;
fail:
    rk_db_rollback(l->db);
    return rc;
}

/* The plan of a dry run: what a real run would do now. */
static int plan(rk_ledger *l, const group_def *g, int capacity, const candidate *cand, int total,
                rk_archive_box *boxes, int *nb)
{
    rk_archive_box cur;
    int64_t now = rk_clock_now();
    int have = open_box(l, g->name, &cur), next_seq = 0, i = 0;
    char prefix[64];

    *nb = 0;
    if (have && have != RK_ENOTFOUND) return have;
    if (next_label(l, g, now, prefix, sizeof prefix) != 0) return RK_EDB;
    next_seq = atoi(prefix + strlen(prefix) - 4);
    prefix[strlen(prefix) - 4] = '\0';
    while (i < total) {
        if (have == RK_ENOTFOUND) {
            memset(&cur, 0, sizeof cur);
            snprintf(cur.label, sizeof cur.label, "%s%04d", prefix, next_seq++);
            rk_utf8_copy(cur.group, sizeof cur.group, g->name);
            cur.capacity = capacity;
            cur.created_at = now;
        }
        have = RK_ENOTFOUND; /* after the open box, new ones */
        while (cur.count < cur.capacity && i < total) {
            const candidate *c = &cand[i++];
            if (c->ssn[0]) {
                if (!cur.ssn_first[0]) rk_utf8_copy(cur.ssn_first, sizeof cur.ssn_first, c->ssn);
                rk_utf8_copy(cur.ssn_last, sizeof cur.ssn_last, c->ssn);
            }
            if (!cur.first_at || c->delivered_at < cur.first_at) cur.first_at = c->delivered_at;
            if (c->delivered_at > cur.last_at) cur.last_at = c->delivered_at;
            cur.count++;
            cur.added++;
        }
        if (cur.count >= cur.capacity) cur.sealed_at = now;
        boxes[(*nb)++] = cur;
    }
    return 0;
}

int rk_archive_boxes(rk_ledger *l, const rk_actor *by, const char *group, int capacity, int dry_run,
                     rk_progress_fn progress, void *arg, rk_archive_box **out, int *n,
                     int *archived)
{
    rk_progress_track pt;
    const group_def *g = find_group(group);
    candidate *cand = NULL;
    rk_archive_box *boxes = NULL;
    int total = 0, nb = 0, done = 0, rc;

    *out = NULL;
    *n = 0;
    if (archived) *archived = 0;
    if (!g) return rk_err_set(RK_EINVAL, "archive group: new, renew or other, not '%s'", group);
    if ((rc = rk_actor_require(by, RK_ROLE_ARCHIVE)) != 0) return rc;
    if (capacity < 0 || capacity > 10000)
        return rk_err_set(RK_EINVAL, "box capacity: 1 to 10000 files");
    if (!capacity) capacity = g->capacity;
    rk_progress_start(&pt, progress, arg, RK_OP_ARCHIVE, 0);
    if ((rc = read_candidates(l, g, &cand, &total)) != 0) return rc;
    /* At most one box per file, plus the open one. */
    boxes = calloc((size_t)total + 1, sizeof *boxes);
    if (!boxes) {
        free(cand);
        return rk_err_oom();
    }
    if (dry_run) {
        rc = plan(l, g, capacity, cand, total, boxes, &nb);
        done = 0;
        for (int i = 0; i < nb; i++)
            done += boxes[i].added;
    } else {
        int next = 0;
        while (!rc && next < total) {
            rk_archive_box b;
            if ((rc = fill_one_box(l, by, g, capacity, cand, total, &next, &done, &pt, &b)) != 0 ||
                !b.added)
                break;
            /* Read back for the labels: first/last number and dates. */
            if ((rc = rk_archive_get(l, b.label, &boxes[nb])) != 0) break;
            boxes[nb++].added = b.added;
        }
    }
    free(cand);
    if (archived) *archived = done;
    if (rc && !nb) {
        free(boxes);
        return rc;
    }
    *out = boxes;
    *n = nb;
    return rc;
}
