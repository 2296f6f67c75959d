/*
 * Orders and their state machine (see order.h).
 *
 * Each public operation follows one pattern: check the arguments, open an
 * IMMEDIATE transaction, load the order, check state, role and duty, change
 * the row, write the audit entry and the outbox event, commit. Any refusal
 * rolls back and leaves an error message that says why.
 */
#include "order.h"

#include "audit/record.h"
#include "domain/certreg.h"
#include "domain/authcode.h"
#include "domain/docstore.h"
#include "domain/image.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/json.h"
#include "util/seal.h"
#include "util/uuid.h"
#include "util/wipe.h"
#include "util/utf8.h"
#include "util/words.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define FIELDS_MAX (RK_FORM_MAX_FIELDS * (32 + RK_ORDER_VALUE_MAX + 2))

static const char *const cert_businesses[] = {"new",     "renew",   "change",
                                              "reissue", "replace", "recovery"};

int rk_business_produces_cert(const char *b)
{
    for (size_t i = 0; i < sizeof cert_businesses / sizeof cert_businesses[0]; i++)
        if (!strcmp(b, cert_businesses[i])) return 1;
    return 0;
}

int rk_business_changes_status(const char *b)
{
    static const char *const changing[] = {"revoke", "suspend", "resume", "reissue",
                                           "change", "replace", "renew"};
    for (size_t i = 0; i < sizeof changing / sizeof changing[0]; i++)
        if (!strcmp(b, changing[i])) return 1;
    return 0;
}

/* Business types that need a medium (a USB key) for their fee. */
static const char *medium_of(const char *b)
{
    return !strcmp(b, "new") || !strcmp(b, "reissue") || !strcmp(b, "replace") ? "ukey" : "none";
}

const char *rk_business_label(const char *b, int zh)
{
    const char *label = rk_fees_business_label(b, zh ? "zh" : "en");
    return label ? label : b;
}

const char *rk_state_label(const char *s, int zh)
{
    static const struct {
        const char *id, *zh, *en;
    } t[] = {
        {"draft", "草稿", "draft"},
        {"submitted", "待审核", "awaiting review"},
        {"authority", "待主管单位审批", "awaiting the competent authority"},
        {"approved", "审核通过", "approved"},
        {"rejected", "审核未通过", "rejected"},
        {"paid", "已缴费", "paid"},
        {"issued", "已办结", "issued"},
        {"delivered", "已交付", "delivered"},
        {"archived", "已归档", "archived"},
        {"cancelled", "已取消", "cancelled"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(s, t[i].id)) return zh ? t[i].zh : t[i].en;
    return s;
}

void rk_mask(char *out, size_t n, const char *check, const char *value)
{
    size_t len = strlen(value);
    if (!strcmp(check, "id") && len > 10) {
        snprintf(out, n, "%.6s%.*s%s", value, (int)(len - 10), "**************************",
                 value + len - 4);
    } else if (!strcmp(check, "mobile") && len > 7) {
        snprintf(out, n, "%.3s****%s", value, value + len - 4);
    } else if (len) {
        /* First character (a whole UTF-8 sequence), then a fixed mask. */
        size_t first = 1;
        while (first < len && ((unsigned char)value[first] & 0xc0) == 0x80)
            first++;
        snprintf(out, n, "%.*s***", (int)first, value);
    } else {
        snprintf(out, n, "%s", "");
    }
}

const char *rk_order_value(const rk_order *o, const char *name)
{
    for (int i = 0; i < o->n_fields; i++)
        if (!strcmp(o->fields[i].name, name)) return o->fields[i].value;
    return NULL;
}

/* --- sealing of the field map ------------------------------------------- */

/* Encodes fields as name NUL value NUL ... and seals them to the order. */
static int seal_fields(rk_ledger *l, const rk_order *o, rk_buf *out)
{
    rk_buf plain;
    int rc = 0;
    rk_buf_init(&plain, FIELDS_MAX);
    for (int i = 0; i < o->n_fields && !rc; i++) {
        if ((rc = rk_buf_append(&plain, o->fields[i].name, strlen(o->fields[i].name) + 1)) == 0)
            rc = rk_buf_append(&plain, o->fields[i].value, strlen(o->fields[i].value) + 1);
    }
    if (!rc) rc = rk_seal(out, l->key, plain.data ? plain.data : "", plain.len, o->uuid);
    rk_buf_free(&plain);
    return rc;
}

static int unseal_fields(rk_ledger *l, rk_order *o, const void *blob, int len)
{
    rk_buf plain;
    int rc;
    rk_buf_init(&plain, FIELDS_MAX + 64);
    if ((rc = rk_unseal(&plain, l->key, blob, (size_t)len, o->uuid)) != 0) {
        rk_buf_free(&plain);
        return rk_err_wrap(rc, "order %s: its sealed fields cannot be read", o->ref);
    }
    o->n_fields = 0;
    size_t pos = 0;
    while (pos < plain.len && o->n_fields < RK_FORM_MAX_FIELDS) {
        const char *name = plain.data + pos;
        size_t nl = strnlen(name, plain.len - pos);
        if (pos + nl + 1 >= plain.len + 1) break;
        const char *value = name + nl + 1;
        size_t vl = strnlen(value, plain.len - pos - nl - 1);
        rk_order_field *f = &o->fields[o->n_fields++];
        rk_utf8_copy(f->name, sizeof f->name, name);
        snprintf(f->value, sizeof f->value, "%.*s", (int)vl, value);
        pos += nl + 1 + vl + 1;
    }
    rk_buf_free(&plain);
    return 0;
}

/* --- loading ------------------------------------------------------------ */

#define ORDER_SELECT                                                                               \
    "SELECT o.id, o.uuid, o.ref, o.business, o.subscriber, o.cert_kind, o.state, "                 \
    "o.needs_authority, o.authority_ref, o.subject_name, o.cert_serial, o.fee_total, "             \
    "o.paid_fen, o.pay_method, o.reject_reason, o.cancel_reason, "                                 \
    "(SELECT login FROM clerk WHERE id = o.created_by), "                                          \
    "(SELECT login FROM clerk WHERE id = o.entered_by), "                                          \
    "(SELECT login FROM clerk WHERE id = o.reviewed_by), "                                         \
    "(SELECT login FROM clerk WHERE id = o.issued_by), "                                           \
    "(SELECT login FROM clerk WHERE id = o.delivered_by), "                                        \
    "o.created_at, o.submitted_at, o.decided_at, o.paid_at, o.issued_at, o.delivered_at, "         \
    "o.archived_at, o.closed_at, o.due_at, o.fields, o.created_by, o.entered_by, "                 \
    "o.refund_fen, coalesce(o.refund_method, ''), "                                                \
    "(SELECT login FROM clerk WHERE id = o.refunded_by), coalesce(o.refunded_at, 0) "              \
    "FROM orders o "

/* Clerk ids of creator and submitter, kept beside the loaded order. */
typedef struct order_ids {
    int64_t created_by, entered_by;
} order_ids;

static int load(rk_ledger *l, const char *ref, rk_order *o, order_ids *ids)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(l->db, &st, ORDER_SELECT "WHERE o.ref = ?1 OR o.uuid = ?1");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s != SQLITE_ROW) {
        rk_db_release(l->db, st);
        return s == SQLITE_DONE ? rk_err_set(RK_ENOTFOUND, "no order '%s'", ref)
                                : rk_db_fail(l->db, "cannot read order");
    }
    memset(o, 0, sizeof *o);
    o->id = sqlite3_column_int64(st, 0);
    rk_db_text(o->uuid, sizeof o->uuid, st, 1);
    rk_db_text(o->ref, sizeof o->ref, st, 2);
    rk_db_text(o->business, sizeof o->business, st, 3);
    rk_db_text(o->subscriber, sizeof o->subscriber, st, 4);
    rk_db_text(o->cert_kind, sizeof o->cert_kind, st, 5);
    rk_db_text(o->state, sizeof o->state, st, 6);
    o->needs_authority = sqlite3_column_int(st, 7);
    rk_db_text(o->authority_ref, sizeof o->authority_ref, st, 8);
    rk_db_text(o->subject_name, sizeof o->subject_name, st, 9);
    rk_db_text(o->cert_serial, sizeof o->cert_serial, st, 10);
    o->fee_total = sqlite3_column_int64(st, 11);
    o->paid_fen = sqlite3_column_int64(st, 12);
    rk_db_text(o->pay_method, sizeof o->pay_method, st, 13);
    rk_db_text(o->reject_reason, sizeof o->reject_reason, st, 14);
    rk_db_text(o->cancel_reason, sizeof o->cancel_reason, st, 15);
    rk_db_text(o->created_by, sizeof o->created_by, st, 16);
    rk_db_text(o->entered_by, sizeof o->entered_by, st, 17);
    rk_db_text(o->reviewed_by, sizeof o->reviewed_by, st, 18);
    rk_db_text(o->issued_by, sizeof o->issued_by, st, 19);
    rk_db_text(o->delivered_by, sizeof o->delivered_by, st, 20);
    int64_t *times[] = {&o->created_at,  &o->submitted_at, &o->decided_at,
                        &o->paid_at,     &o->issued_at,    &o->delivered_at,
                        &o->archived_at, &o->closed_at,    &o->due_at};
    for (int i = 0; i < 9; i++)
        *times[i] = sqlite3_column_int64(st, 21 + i);
    rc = unseal_fields(l, o, sqlite3_column_blob(st, 30), sqlite3_column_bytes(st, 30));
    if (ids) {
        ids->created_by = sqlite3_column_int64(st, 31);
        ids->entered_by = sqlite3_column_int64(st, 32);
    }
    o->refund_fen = sqlite3_column_int64(st, 33);
    rk_db_text(o->refund_method, sizeof o->refund_method, st, 34);
    rk_db_text(o->refunded_by, sizeof o->refunded_by, st, 35);
    o->refunded_at = sqlite3_column_int64(st, 36);
    rk_db_release(l->db, st);
    return rc;
}

int rk_order_get(rk_ledger *l, const char *ref, rk_order *out)
{
    return load(l, ref, out, NULL);
}

/* --- recording ---------------------------------------------------------- */

static int order_json(rk_buf *b, rk_ledger *l, const rk_order *o)
{
    rk_json j;
    rk_json_init(&j, b);
    rk_json_obj_begin(&j);
    rk_json_kstr(&j, "uuid", o->uuid);
    rk_json_kstr(&j, "ref", o->ref);
    rk_json_kstr(&j, "branch", l->conf->branch_id);
    rk_json_kstr(&j, "business", o->business);
    rk_json_kstr(&j, "subscriber", o->subscriber);
    rk_json_kstr(&j, "cert_kind", o->cert_kind);
    rk_json_kstr(&j, "state", o->state);
    rk_json_kint(&j, "fee_total", o->fee_total);
    rk_json_kint(&j, "paid_fen", o->paid_fen);
    if (o->pay_method[0]) rk_json_kstr(&j, "pay_method", o->pay_method); /* HQ's reconciliation */
    if (o->refund_fen) {
        rk_json_kint(&j, "refund_fen", o->refund_fen);
        rk_json_kstr(&j, "refund_method", o->refund_method);
    }
    if (o->due_at) rk_json_kint(&j, "due_at", o->due_at);
    if (!strcmp(o->business, "recovery")) {
        /* HQ recovers the escrowed key of this certificate for the holder
         * whose blind index (the ID number under the branch's data key)
         * the escrow names too (ca/escrow.h): never the number itself. */
        char holder[72] = "";
        sqlite3_stmt *st;
        if (rk_db_cached(l->db, &st, "SELECT coalesce(id_index, '') FROM orders WHERE id = ?") ==
            0) {
            sqlite3_bind_int64(st, 1, o->id);
            if (sqlite3_step(st) == SQLITE_ROW) rk_db_text(holder, sizeof holder, st, 0);
            rk_db_release(l->db, st);
        }
        rk_json_kstr(&j, "cert_serial", o->cert_serial);
        rk_json_kstr(&j, "holder", holder);
    }
    rk_json_obj_end(&j);
    return rk_json_finish(&j);
}

/* The audit entry and outbox event of a change of o (its snapshot before
 * is the state it left, after the whole order), inside the transaction. */
static int record(rk_ledger *l, const rk_actor *by, const char *role, const char *action,
                  const char *before_state, const rk_order *o, const char *detail)
{
    rk_buf before, after;
    int rc = 0;

    rk_buf_init(&before, 256);
    rk_buf_init(&after, 4096);
    if (before_state) rc = rk_buf_printf(&before, "{\"state\":\"%s\"}", before_state);
    if (!rc) rc = order_json(&after, l, o);
    if (!rc) {
        rk_record r = {.actor = by->login,
                       .role = role,
                       .action = action,
                       .order_id = o->uuid,
                       .before = before_state ? before.data : NULL,
                       .after = after.data,
                       .detail = detail,
                       .entity = "order",
                       .entity_id = o->uuid};
        rc = rk_record_add(l->db, &r);
    }
    rk_buf_free(&before);
    rk_buf_free(&after);
    return rc;
}

/* Writes the sealed fields and the clear columns derived from them. */
static int write_fields(rk_ledger *l, rk_order *o, const rk_form *form)
{
    rk_buf sealed;
    sqlite3_stmt *st;
    char idx[65] = "";
    int rc;

    const char *subject = rk_order_value(o, form->subject_field);
    rk_utf8_copy(o->subject_name, sizeof o->subject_name, subject ? subject : "");
    const char *cs = rk_order_value(o, "cert_serial");
    rk_utf8_copy(o->cert_serial, sizeof o->cert_serial, cs ? cs : "");
    const char *idv = rk_order_value(o, form->id_field);
    if (idv && *idv && (rc = rk_seal_index(idx, l->key, "id", idv)) != 0) return rc;
    rk_buf_init(&sealed, FIELDS_MAX + 128);
    if ((rc = seal_fields(l, o, &sealed)) != 0) {
        rk_buf_free(&sealed);
        return rc;
    }
    rc = rk_db_cached(l->db, &st,
                      "UPDATE orders SET fields = ?, subject_name = ?, uscc = ?, ssn = ?, "
                      "project = ?, region = ?, category = ?, cert_serial = ?, id_index = ?, "
                      "updated_at = ? WHERE id = ?");
    if (!rc) {
        sqlite3_bind_blob(st, 1, sealed.data, (int)sealed.len, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, o->subject_name, -1, SQLITE_STATIC);
        rk_db_bind_opt_text(st, 3, rk_order_value(o, "uscc"));
        rk_db_bind_opt_text(st, 4, rk_order_value(o, "ssn"));
        rk_db_bind_opt_text(st, 5, rk_order_value(o, "project"));
        rk_db_bind_opt_text(st, 6, rk_order_value(o, "region"));
        rk_db_bind_opt_text(st, 7, rk_order_value(o, "category"));
        rk_db_bind_opt_text(st, 8, o->cert_serial);
        rk_db_bind_opt_text(st, 9, idx);
        sqlite3_bind_int64(st, 10, rk_clock_now());
        sqlite3_bind_int64(st, 11, o->id);
        rc = rk_db_step_done(l->db, st, "cannot save order fields");
    }
    rk_buf_free(&sealed);
    return rc;
}

/* Sets a field in memory after checking it against the form. *detail
 * receives an audit line (value masked when sensitive). */
static int apply_field(const rk_ledger *l, const rk_form *form, rk_order *o, const char *name,
                       const char *value, const char *warning_reason, rk_buf *detail)
{
    const rk_form_field *ff = rk_form_find(form, name);
    const rk_validate_rules rules = {l->conf->uscc_pilot_regions, l->conf->n_uscc_pilot_regions};
    rk_valid v;
    char shown[RK_ORDER_VALUE_MAX];
    int rc;

    if (!ff)
        return rk_err_set(RK_EINVAL, "the %s form of %s %s order has no field '%s'", o->subscriber,
                          rk_article(o->business), o->business, name);
    memset(&v, 0, sizeof v);
    if (value[0] == '\0') {
        v.normalized[0] = '\0';
    } else if ((rc = rk_forms_check_value(ff->def, value, &rules, &v)) != 0) {
        return rc;
    } else if (v.warning && !(warning_reason && *warning_reason)) {
        /* The validator's message names its field; the form's label is
         * added only where it is another name (never twice). */
        const char *label = ff->def->label_en;
        int named = !strncasecmp(v.message, label, strlen(label));
        return rk_err_set(RK_EINVAL, "%s%s%s (--accept-warning REASON)", named ? "" : label,
                          named ? "" : ": ", v.message);
    }
    int slot = -1;
    for (int i = 0; i < o->n_fields; i++)
        if (!strcmp(o->fields[i].name, name)) slot = i;
    if (slot < 0) {
        if (!v.normalized[0]) return 0;
        if (o->n_fields >= RK_FORM_MAX_FIELDS) return rk_err_set(RK_EINVAL, "too many fields");
        slot = o->n_fields++;
        rk_utf8_copy(o->fields[slot].name, sizeof o->fields[slot].name, name);
    }
    rk_utf8_copy(o->fields[slot].value, sizeof o->fields[slot].value, v.normalized);
    if (!v.normalized[0]) {
        /* Cleared: drop the slot. */
        o->fields[slot] = o->fields[--o->n_fields];
    }
    if (ff->def->sensitive)
        rk_mask(shown, sizeof shown, ff->def->check, v.normalized);
    else
        rk_utf8_copy(shown, sizeof shown, v.normalized);
    rk_buf_printf(detail, "%s%s=%s", detail->len ? "; " : "", name, shown);
    if (v.warning) rk_buf_printf(detail, " (warning %s accepted: %s)", v.reason, warning_reason);
    return 0;
}

static int require(const rk_actor *by, unsigned role)
{
    return rk_actor_require(by, role);
}

/* Begins a transaction and loads the order. */
static int begin_load(rk_ledger *l, const char *ref, rk_order *o, order_ids *ids)
{
    int rc = rk_db_begin(l->db);
    if (rc) return rc;
    if ((rc = load(l, ref, o, ids)) != 0) rk_db_rollback(l->db);
    return rc;
}

static int in_state(const rk_order *o, const char *const *states, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(o->state, states[i])) return 1;
    return 0;
}

static int refuse_state(const rk_order *o, const char *action)
{
    return rk_err_set(RK_ESTATE, "order %s is %s: it cannot be %s", o->ref,
                      rk_state_label(o->state, 0), action);
}

/* Sets state and, where named, a timestamp column to now and a clerk
 * column to the actor, in one UPDATE. */
static int set_state(rk_ledger *l, rk_order *o, const char *state, const char *time_col,
                     const char *clerk_col, const rk_actor *by)
{
    sqlite3_stmt *st;
    char sql[256];
    int rc;

    snprintf(sql, sizeof sql,
             "UPDATE orders SET state = ?1, updated_at = ?2%s%s%s%s%s%s "
             "WHERE id = ?4",
             time_col ? ", " : "", time_col ? time_col : "", time_col ? " = ?2" : "",
             clerk_col ? ", " : "", clerk_col ? clerk_col : "", clerk_col ? " = ?3" : "");
    if ((rc = rk_db_cached(l->db, &st, sql)) != 0) return rc;
    sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, rk_clock_now());
    if (by && by->clerk_id)
        sqlite3_bind_int64(st, 3, by->clerk_id);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, o->id);
    if ((rc = rk_db_step_done(l->db, st, "cannot change the order's state")) != 0) return rc;
    rk_utf8_copy(o->state, sizeof o->state, state);
    return 0;
}

/* Runs a one-column update "UPDATE orders SET <assign> WHERE id = ?". */
static int update_col_text(rk_ledger *l, int64_t id, const char *col, const char *value)
{
    sqlite3_stmt *st;
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE orders SET %s = ? WHERE id = ?", col);
    int rc = rk_db_cached(l->db, &st, sql);
    if (rc) return rc;
    rk_db_bind_opt_text(st, 1, value);
    sqlite3_bind_int64(st, 2, id);
    return rk_db_step_done(l->db, st, "cannot update order");
}

static int update_col_int(rk_ledger *l, int64_t id, const char *col, int64_t value, int null)
{
    sqlite3_stmt *st;
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE orders SET %s = ? WHERE id = ?", col);
    int rc = rk_db_cached(l->db, &st, sql);
    if (rc) return rc;
    if (null)
        sqlite3_bind_null(st, 1);
    else
        sqlite3_bind_int64(st, 1, value);
    sqlite3_bind_int64(st, 2, id);
    return rk_db_step_done(l->db, st, "cannot update order");
}

/* --- creating and editing ----------------------------------------------- */

/* Takes n references of today ("YYMMDD-NNNN") into refs from the day's
 * counter (migration 8: order_ref), which only ever grows. With no
 * transaction open the counter moves in a transaction of its own,
 * committed before the order's: a creation that then fails leaves a gap,
 * and its reference, never shown, names no other order. Inside the
 * caller's transaction (system revocations, which show the reference only
 * after their commit) the counter moves with it. */
static int take_refs(rk_ledger *l, int n, char (*refs)[RK_ORDER_REF_MAX])
{
    char day[16];
    time_t now = (time_t)rk_clock_now();
    struct tm tm;
    sqlite3_stmt *st;
    int64_t last = 0;
    int own = !rk_db_in_tx(l->db), rc;

    localtime_r(&now, &tm);
    /* Two-digit years are intended: references are short, for the phone. */
    snprintf(day, sizeof day, "%02d%02d%02d", tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday);
    if (own && (rc = rk_db_begin(l->db)) != 0) return rc;
    rc = rk_db_cached(l->db, &st,
                      "INSERT INTO order_ref(day, last) VALUES (?1, ?2 + coalesce((SELECT "
                      "max(CAST(substr(ref, 8) AS INTEGER)) FROM orders WHERE ref >= ?1 || '-' "
                      "AND ref < ?1 || '.'), 0)) ON CONFLICT(day) DO UPDATE SET last = last + ?2 "
                      "RETURNING last");
    if (!rc) {
        sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, n);
        if (sqlite3_step(st) == SQLITE_ROW) last = sqlite3_column_int64(st, 0);
        rc = sqlite3_step(st) == SQLITE_DONE && last >= n
                 ? 0
                 : rk_db_fail(l->db, "cannot take an order reference");
        rk_db_release(l->db, st);
    }
    if (own) rc = rk_db_end(l->db, rc);
    for (int i = 0; !rc && i < n; i++) {
        int64_t seq = last - n + 1 + i;
        /* Four digits sort correctly up to 9999 orders a day; five after that. */
        snprintf(refs[i], RK_ORDER_REF_MAX, seq <= 9999 ? "%s-%04lld" : "%s-%05lld", day,
                 (long long)seq);
    }
    return rc;
}

static int insert_paper(rk_ledger *l, const rk_actor *by, int64_t order_id, const char *doc,
                        const char *note)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(l->db, &st,
                          "INSERT INTO order_document(order_id, doc_type, seen_on_paper, note, "
                          "recorded_by, recorded_at) VALUES (?, ?, 1, ?, ?, ?) "
                          "ON CONFLICT(order_id, doc_type) DO UPDATE SET sha256 = NULL, "
                          "format = NULL, bytes = NULL, width = NULL, height = NULL, "
                          "seen_on_paper = 1, note = excluded.note, "
                          "recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, order_id);
    sqlite3_bind_text(st, 2, doc, -1, SQLITE_STATIC);
    rk_db_bind_opt_text(st, 3, note);
    if (by->clerk_id)
        sqlite3_bind_int64(st, 4, by->clerk_id);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, rk_clock_now());
    return rk_db_step_done(l->db, st, "cannot record the document");
}

static int submit_locked(rk_ledger *l, const rk_actor *by, rk_order *o, int creating,
                         const char *detail);

/* Creates one order under reference ref (NULL: one is taken); own_tx: in
 * its own transaction, else inside the caller's (which rolls back on
 * failure). A failure names no reference: none was kept. */
static int order_new(rk_ledger *l, const rk_actor *by, const rk_order_spec *spec, rk_order *out,
                     int own_tx, int by_system, const char *ref)
{
    rk_order *o = calloc(1, sizeof *o);
    rk_form form;
    rk_buf detail;
    sqlite3_stmt *st;
    int rc;

    if (!o) return rk_err_oom();
    rk_buf_init(&detail, 8192);
    if (by->clerk_id && (rc = require(by, RK_ROLE_ENTRY)) != 0) goto out;
    if (!by->clerk_id && !by_system && (spec->submit || spec->n_paper)) {
        rc = rk_err_set(RK_EPERM, "only an entry clerk can check documents and submit an order");
        goto out;
    }
    if ((rc = rk_forms_compose(l->forms, spec->subscriber, spec->business, &form)) != 0) goto out;
    const char *cert_kind = spec->cert_kind;
    if (!cert_kind || !*cert_kind)
        cert_kind = !strcmp(spec->subscriber, "organisation") ? "organisation" : spec->subscriber;
    if (!rk_forms_cert_kind_allowed(l->forms, spec->subscriber, cert_kind)) {
        rc = rk_err_set(RK_EINVAL, "%s %s subscriber cannot apply for a '%s' certificate",
                        rk_article(spec->subscriber), spec->subscriber, cert_kind);
        goto out;
    }
    rk_utf8_copy(o->business, sizeof o->business, spec->business);
    rk_utf8_copy(o->subscriber, sizeof o->subscriber, spec->subscriber);
    rk_utf8_copy(o->cert_kind, sizeof o->cert_kind, cert_kind);
    snprintf(o->state, sizeof o->state, "draft");
    o->needs_authority = spec->needs_authority != 0;
    for (int i = 0; i < spec->n; i++)
        if ((rc = apply_field(l, &form, o, spec->names[i], spec->values[i], spec->warning_reason,
                              &detail)) != 0)
            goto out;
    for (int i = 0; i < spec->n_paper; i++)
        if (!rk_form_needs_doc(&form, spec->paper_docs[i])) {
            rc = rk_err_set(RK_EINVAL, "%s %s %s order needs no document '%s'",
                            rk_article(spec->subscriber), spec->subscriber, spec->business,
                            spec->paper_docs[i]);
            goto out;
        }
    if (ref)
        rk_utf8_copy(o->ref, sizeof o->ref, ref);
    else if ((rc = take_refs(l, 1, &o->ref)) != 0)
        goto out;
    if ((rc = rk_uuid_v4(o->uuid)) != 0 || (own_tx && (rc = rk_db_begin(l->db)) != 0)) goto out;
    o->created_at = rk_clock_now();
    rc = rk_db_cached(l->db, &st,
                      "INSERT INTO orders(uuid, ref, business, subscriber, cert_kind, state, "
                      "needs_authority, fields, created_by, created_at, updated_at) "
                      "VALUES (?, ?, ?, ?, ?, 'draft', ?, x'', ?, ?, ?)");
    if (rc) goto fail;
    sqlite3_bind_text(st, 1, o->uuid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, o->ref, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, o->business, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, o->subscriber, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, o->cert_kind, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, o->needs_authority);
    if (by->clerk_id)
        sqlite3_bind_int64(st, 7, by->clerk_id);
    else
        sqlite3_bind_null(st, 7);
    sqlite3_bind_int64(st, 8, o->created_at);
    sqlite3_bind_int64(st, 9, o->created_at);
    if ((rc = rk_db_step_done(l->db, st, "cannot create the order")) != 0) goto fail;
    o->id = sqlite3_last_insert_rowid(rk_db_handle(l->db));
    if ((rc = write_fields(l, o, &form)) != 0) goto fail;
    for (int i = 0; i < spec->n_paper; i++)
        if ((rc = insert_paper(l, by, o->id, spec->paper_docs[i],
                               spec->paper_note ? spec->paper_note : "seen at capture")) != 0)
            goto fail;
    /* Captured and submitted in one step is one transition (no one ever
     * saw the draft): one audit entry and one event, "order.submitted",
     * carrying what was captured. */
    if (spec->submit) {
        if ((rc = submit_locked(l, by, o, 1, detail.data)) != 0) goto fail;
    } else if ((rc = record(l, by, by->clerk_id ? "entry" : "self-service", "order.created", NULL,
                            o, detail.data)) != 0) {
        goto fail;
    }
    rc = own_tx ? rk_db_commit(l->db) : 0;
    if (!rc && out) *out = *o;
    goto out;
fail:
    if (own_tx) rk_db_rollback(l->db);
out:
    rk_buf_free(&detail);
    rk_wipe(o, sizeof *o);
    free(o);
    return rc;
}

int rk_order_new(rk_ledger *l, const rk_actor *by, const rk_order_spec *spec, rk_order *out)
{
    return order_new(l, by, spec, out, 1, 0, NULL);
}

int rk_order_new_batch(rk_ledger *l, const rk_actor *by, const rk_order_spec *specs, int n,
                       char (*refs)[RK_ORDER_REF_MAX])
{
    rk_order *o = malloc(sizeof *o);
    char(*taken)[RK_ORDER_REF_MAX] = n > 0 ? calloc((size_t)n, sizeof *taken) : NULL;
    int rc;

    if (!o || (n > 0 && !taken)) {
        rc = rk_err_oom();
        goto out;
    }
    /* The references first, committed: none of them is ever given again,
     * whether the batch is kept or not. */
    if ((rc = take_refs(l, n, taken)) != 0 || (rc = rk_db_begin(l->db)) != 0) goto out;
    for (int i = 0; i < n && !rc; i++) {
        if ((rc = order_new(l, by, &specs[i], o, 0, 0, taken[i])) != 0)
            rk_err_wrap(rc, "order %d of %d (none of the batch was kept)", i + 1, n);
        else if (refs)
            snprintf(refs[i], RK_ORDER_REF_MAX, "%s", o->ref);
    }
    rc = rk_db_end(l->db, rc);
out:
    if (o) rk_wipe(o, sizeof *o);
    free(o);
    free(taken);
    return rc;
}

static const char *const editable[] = {"draft", "rejected"};

int rk_order_set_fields(rk_ledger *l, const rk_actor *by, const char *ref, const char *const *names,
                        const char *const *values, int n, const char *warning_reason)
{
    rk_order *o = calloc(1, sizeof *o);
    rk_form form;
    rk_buf detail;
    int rc;

    if (!o) return rk_err_oom();
    rk_buf_init(&detail, 4096);
    if (n < 1) {
        rc = rk_err_set(RK_EINVAL, "no field to set");
        goto out;
    }
    if (by->clerk_id && (rc = require(by, RK_ROLE_ENTRY)) != 0) goto out;
    if ((rc = begin_load(l, ref, o, NULL)) != 0) goto out;
    if (!in_state(o, editable, 2))
        rc = refuse_state(o, "edited (only drafts and rejected orders can)");
    else if ((rc = rk_forms_compose(l->forms, o->subscriber, o->business, &form)) == 0) {
        for (int i = 0; i < n && !rc; i++)
            rc = apply_field(l, &form, o, names[i], values[i], warning_reason, &detail);
        if (!rc && (rc = write_fields(l, o, &form)) == 0)
            rc = record(l, by, by->clerk_id ? "entry" : "self-service", "order.field_set", o->state,
                        o, detail.data);
    }
    rc = rk_db_end(l->db, rc);
out:
    rk_buf_free(&detail);
    rk_wipe(o, sizeof *o);
    free(o);
    return rc;
}

int rk_order_set(rk_ledger *l, const rk_actor *by, const char *ref, const char *name,
                 const char *value, const char *warning_reason)
{
    return rk_order_set_fields(l, by, ref, &name, &value, 1, warning_reason);
}

int rk_order_attach(rk_ledger *l, const rk_actor *by, const char *ref, const char *doc_type,
                    const unsigned char *data, size_t len)
{
    rk_order *o = calloc(1, sizeof *o);
    rk_form form;
    rk_image_info info;
    char sha[65], detail[256];
    sqlite3_stmt *st;
    int rc;

    if (!o) return rk_err_oom();
    if (by->clerk_id && (rc = require(by, RK_ROLE_ENTRY)) != 0) goto out;
    /* Check and store the image before taking the write lock: decoding
     * a large image must not block the other programs. Storing is
     * idempotent, so a refusal below leaves at most an unreferenced file. */
    if ((rc = rk_image_check(&info, data, len, (size_t)l->conf->max_image_bytes)) != 0) {
        rk_err_wrap(rc, "document %s", doc_type);
        goto out;
    }
    if ((rc = rk_docstore_put(l->conf->documents, l->key, data, len, sha)) != 0) goto out;
    if ((rc = begin_load(l, ref, o, NULL)) != 0) goto out;
    if (!in_state(o, editable, 2)) {
        rc = refuse_state(o, "given documents (only drafts and rejected orders can)");
    } else if ((rc = rk_forms_compose(l->forms, o->subscriber, o->business, &form)) == 0 &&
               !rk_form_needs_doc(&form, doc_type)) {
        rc = rk_err_set(RK_EINVAL, "%s %s %s order needs no document '%s'",
                        rk_article(o->subscriber), o->subscriber, o->business, doc_type);
    } else if (!rc &&
               (rc = rk_db_cached(
                    l->db, &st,
                    "INSERT INTO order_document(order_id, doc_type, sha256, format, bytes, "
                    "width, height, seen_on_paper, note, recorded_by, recorded_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?) "
                    "ON CONFLICT(order_id, doc_type) DO UPDATE SET sha256 = excluded.sha256, "
                    "format = excluded.format, bytes = excluded.bytes, width = excluded.width, "
                    "height = excluded.height, seen_on_paper = 0, note = NULL, "
                    "recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at")) ==
                   0) {
        sqlite3_bind_int64(st, 1, o->id);
        sqlite3_bind_text(st, 2, doc_type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, sha, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, info.format, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, (int64_t)len);
        sqlite3_bind_int(st, 6, info.width);
        sqlite3_bind_int(st, 7, info.height);
        if (by->clerk_id)
            sqlite3_bind_int64(st, 8, by->clerk_id);
        else
            sqlite3_bind_null(st, 8);
        sqlite3_bind_int64(st, 9, rk_clock_now());
        if ((rc = rk_db_step_done(l->db, st, "cannot record the document")) == 0) {
            snprintf(detail, sizeof detail, "%s: %s %dx%d, %zu bytes, sha256 %.16s", doc_type,
                     info.format, info.width, info.height, len, sha);
            rc = record(l, by, by->clerk_id ? "entry" : "self-service", "order.document", o->state,
                        o, detail);
        }
    }
    rc = rk_db_end(l->db, rc);
out:
    rk_wipe(o, sizeof *o);
    free(o);
    return rc;
}

int rk_order_paper(rk_ledger *l, const rk_actor *by, const char *ref, const char *doc_type,
                   const char *note)
{
    rk_order *o = calloc(1, sizeof *o);
    rk_form form;
    char detail[512];
    int rc;

    if (!o) return rk_err_oom();
    if (!by->clerk_id)
        rc = rk_err_set(RK_EPERM, "only a clerk can record a paper document as seen");
    else
        rc = require(by, RK_ROLE_ENTRY);
    if (rc || (rc = begin_load(l, ref, o, NULL)) != 0) goto out;
    if (!in_state(o, editable, 2)) {
        rc = refuse_state(o, "given documents (only drafts and rejected orders can)");
    } else if ((rc = rk_forms_compose(l->forms, o->subscriber, o->business, &form)) == 0 &&
               !rk_form_needs_doc(&form, doc_type)) {
        rc = rk_err_set(RK_EINVAL, "%s %s %s order needs no document '%s'",
                        rk_article(o->subscriber), o->subscriber, o->business, doc_type);
    } else if (!rc && (rc = insert_paper(l, by, o->id, doc_type, note)) == 0) {
        snprintf(detail, sizeof detail, "%s seen on paper%s%s", doc_type, note ? ": " : "",
                 note ? note : "");
        rc = record(l, by, "entry", "order.document", o->state, o, detail);
    }
    rc = rk_db_end(l->db, rc);
out:
    rk_wipe(o, sizeof *o);
    free(o);
    return rc;
}

int rk_order_docs(rk_ledger *l, int64_t order_id, rk_order_doc **out, int *n)
{
    sqlite3_stmt *st;
    rk_order_doc *list = NULL;
    int count = 0, rc, s;

    *out = NULL;
    *n = 0;
    rc = rk_db_cached(l->db, &st,
                      "SELECT doc_type, sha256, format, bytes, width, height, seen_on_paper, "
                      "note FROM order_document WHERE order_id = ? ORDER BY doc_type");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, order_id);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        rk_order_doc *grown = realloc(list, (size_t)(count + 1) * sizeof *list);
        if (!grown) {
            free(list);
            rk_db_release(l->db, st);
            return rk_err_oom();
        }
        list = grown;
        rk_order_doc *d = &list[count++];
        memset(d, 0, sizeof *d);
        rk_db_text(d->doc_type, sizeof d->doc_type, st, 0);
        rk_db_text(d->sha256, sizeof d->sha256, st, 1);
        rk_db_text(d->format, sizeof d->format, st, 2);
        d->bytes = sqlite3_column_int64(st, 3);
        d->width = sqlite3_column_int(st, 4);
        d->height = sqlite3_column_int(st, 5);
        d->seen_on_paper = sqlite3_column_int(st, 6);
        rk_db_text(d->note, sizeof d->note, st, 7);
    }
    rc = s == SQLITE_DONE ? 0 : rk_db_fail(l->db, "cannot list documents");
    rk_db_release(l->db, st);
    if (rc) {
        free(list);
        return rc;
    }
    *out = list;
    *n = count;
    return 0;
}

int rk_order_missing(rk_ledger *l, const rk_order *o, char *out, size_t n)
{
    rk_form form;
    rk_order_doc *docs;
    int nd, rc;
    size_t used = 0;

    out[0] = '\0';
    if ((rc = rk_forms_compose(l->forms, o->subscriber, o->business, &form)) != 0) return rc;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(out + used, n - used, __VA_ARGS__);                                      \
        if (w_ > 0 && (size_t)w_ < n - used) used += (size_t)w_;                                   \
    } while (0)
    for (int i = 0; i < form.n_fields; i++) {
        const rk_form_field *ff = &form.fields[i];
        int required = ff->required;
        for (int c = 0; c < form.n_conds; c++) {
            const char *when = rk_order_value(o, form.conds[c].when_field);
            if (!strcmp(form.conds[c].field, ff->def->name) && when &&
                !strcmp(when, form.conds[c].when_value))
                required = 1;
        }
        const char *v = rk_order_value(o, ff->def->name);
        if (required && (!v || !*v))
            ADD("%sfield %s (%s)", used ? "; " : "", ff->def->name, ff->def->label_en);
    }
    if ((rc = rk_order_docs(l, o->id, &docs, &nd)) != 0) return rc;
    for (int i = 0; i < form.n_docs; i++) {
        int have = 0;
        for (int k = 0; k < nd; k++)
            if (!strcmp(docs[k].doc_type, form.docs[i]->name)) have = 1;
        if (!have)
            ADD("%sdocument %s (%s)", used ? "; " : "", form.docs[i]->name, form.docs[i]->label_en);
    }
#undef ADD
    free(docs);
    return 0;
}

/* --- the certificate an order acts on ----------------------------------- */

/* Checks that the order's target certificate allows its business type. */
static int check_target(rk_ledger *l, const rk_order *o)
{
    rk_certreg_row c;
    int rc;
    const char *b = o->business;

    if (!o->cert_serial[0]) return 0;
    if ((rc = rk_certreg_find(l, o->cert_serial, &c)) != 0) return rc;
    if (!strcmp(c.status, "revoked"))
        return rk_err_set(RK_ESTATE, "certificate %s is revoked: %s %s is not possible",
                          o->cert_serial, rk_article(rk_business_label(b, 0)),
                          rk_business_label(b, 0));
    if (!strcmp(b, "suspend") && strcmp(c.status, "valid"))
        return rk_err_set(RK_ESTATE, "certificate %s is %s, not in use: it cannot be suspended",
                          o->cert_serial, c.status);
    if (!strcmp(b, "resume") && strcmp(c.status, "suspended"))
        return rk_err_set(RK_ESTATE, "certificate %s is not suspended", o->cert_serial);
    if (!strcmp(b, "renew") && c.not_after <= rk_clock_now())
        return rk_err_set(RK_ESTATE,
                          "certificate %s has expired: renewal is only possible before expiry; "
                          "apply for a new certificate",
                          o->cert_serial);
    return 0;
}

/* --- review and the rest of the way ------------------------------------- */

static int price(rk_ledger *l, rk_order *o, rk_buf *lines_json)
{
    rk_fee_request req;
    rk_fee_quote q;
    rk_json j;
    int64_t bought = 0;
    int rc;

    memset(&req, 0, sizeof req);
    req.business = o->business;
    req.cert_kind = o->cert_kind;
    req.medium = medium_of(o->business);
    const char *mb = rk_order_value(o, "medium_bought");
    if (mb && *mb && (rc = rk_clock_parse(&bought, mb)) != 0) return rc;
    req.medium_bought_at = bought;
    const char *uc = rk_order_value(o, "user_caused");
    req.user_caused_damage = uc && !strcmp(uc, "yes");
    req.now = rk_clock_now();
    if ((rc = rk_fees_quote(l->fees, &req, &q)) != 0) return rc;
    rk_json_init(&j, lines_json);
    rk_json_arr_begin(&j);
    for (int i = 0; i < q.n; i++) {
        rk_json_obj_begin(&j);
        rk_json_kstr(&j, "code", q.lines[i].code);
        rk_json_kstr(&j, "label", q.lines[i].label_zh);
        rk_json_kint(&j, "fen", q.lines[i].fen);
        rk_json_obj_end(&j);
    }
    rk_json_arr_end(&j);
    if ((rc = rk_json_finish(&j)) != 0) return rc;
    o->fee_total = q.total_fen;
    return 0;
}

/* Submits o; creating: o is being created in this transaction, so a
 * refusal names no reference (none is kept). */
static int submit_locked(rk_ledger *l, const rk_actor *by, rk_order *o, int creating,
                         const char *detail)
{
    static const char *const from[] = {"draft", "rejected"};
    char missing[2048];
    rk_form form;
    rk_buf lines;
    sqlite3_stmt *st;
    int64_t due = 0, now = rk_clock_now();
    int rc;

    if (!in_state(o, from, 2)) return refuse_state(o, "submitted");
    if ((rc = rk_order_missing(l, o, missing, sizeof missing)) != 0) return rc;
    if (missing[0] && creating)
        return rk_err_set(
            RK_ESTATE, "the order cannot be submitted, so none was created: missing %s", missing);
    if (missing[0])
        return rk_err_set(RK_ESTATE, "order %s cannot be submitted: missing %s", o->ref, missing);
    if ((rc = check_target(l, o)) != 0 ||
        (rc = rk_forms_compose(l->forms, o->subscriber, o->business, &form)) != 0)
        return rc;
    if (form.deadline_days > 0 &&
        (rc = rk_calendar_due(l->calendar, now, form.deadline_days, &due)) != 0)
        return rc;
    rk_buf_init(&lines, 8192);
    if ((rc = price(l, o, &lines)) != 0) {
        rk_buf_free(&lines);
        return rc;
    }
    const char *before = o->state[0] == 'd' ? "draft" : "rejected";
    rc = rk_db_cached(l->db, &st,
                      "UPDATE orders SET state = 'submitted', entered_by = ?, submitted_at = ?, "
                      "due_at = ?, fee_total = ?, fee_lines = ?, reject_reason = NULL, "
                      "reviewed_by = NULL, decided_at = NULL, closed_at = NULL, "
                      "updated_at = ? WHERE id = ?");
    if (!rc) {
        if (by->clerk_id)
            sqlite3_bind_int64(st, 1, by->clerk_id);
        else
            sqlite3_bind_null(st, 1); /* the system's own orders */
        sqlite3_bind_int64(st, 2, now);
        if (due)
            sqlite3_bind_int64(st, 3, due);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_int64(st, 4, o->fee_total);
        sqlite3_bind_text(st, 5, lines.data, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, now);
        sqlite3_bind_int64(st, 7, o->id);
        rc = rk_db_step_done(l->db, st, "cannot submit the order");
    }
    rk_buf_free(&lines);
    if (rc) return rc;
    snprintf(o->state, sizeof o->state, "submitted");
    o->submitted_at = now;
    o->due_at = due;
    return record(l, by, by->clerk_id ? "entry" : "system", "order.submitted", before, o, detail);
}

/* Loads, checks and runs body under one transaction; the common frame of
 * the transitions below. */
#define TRANSITION(l, ref, o, ids, body)                                                           \
    do {                                                                                           \
        rk_order *o = calloc(1, sizeof *o);                                                        \
        order_ids ids;                                                                             \
        if (!o) return rk_err_oom();                                                               \
        int rc_ = begin_load(l, ref, o, &ids);                                                     \
        if (!rc_) {                                                                                \
            rc_ = (body);                                                                          \
            rc_ = rk_db_end(l->db, rc_);                                                           \
        }                                                                                          \
        rk_wipe(o, sizeof *o);                                                                     \
        free(o);                                                                                   \
        return rc_;                                                                                \
    } while (0)

int rk_order_submit(rk_ledger *l, const rk_actor *by, const char *ref)
{
    int rc = by->clerk_id ? require(by, RK_ROLE_ENTRY)
                          : rk_err_set(RK_EPERM, "only an entry clerk can submit an order");
    if (rc) return rc;
    TRANSITION(l, ref, o, ids, submit_locked(l, by, o, 0, NULL));
}

/* The reviewer may not be the clerk who created or submitted the order. */
static int check_duty(const rk_actor *by, const rk_order *o, const order_ids *ids)
{
    if (by->clerk_id && (by->clerk_id == ids->entered_by || by->clerk_id == ids->created_by))
        return rk_err_set(RK_EPERM,
                          "%s entered order %s and so cannot review it: another review clerk "
                          "must decide (separation of duties)",
                          by->login, o->ref);
    return 0;
}

static int approve_locked(rk_ledger *l, const rk_actor *by, rk_order *o, const order_ids *ids,
                          const char *authority_ref, char *code, size_t code_n)
{
    int rc;
    const char *before = !strcmp(o->state, "authority") ? "authority" : "submitted";

    if ((rc = check_duty(by, o, ids)) != 0) return rc;
    if (!strcmp(o->state, "submitted")) {
        if (o->needs_authority && !(authority_ref && *authority_ref)) {
            if ((rc = set_state(l, o, "authority", NULL, "reviewed_by", by)) != 0) return rc;
            return record(l, by, "review", "order.to_authority", before, o,
                          "first review passed; awaiting the competent authority");
        }
    } else if (!strcmp(o->state, "authority")) {
        if (!(authority_ref && *authority_ref))
            return rk_err_set(RK_EINVAL,
                              "order %s awaits the competent authority: give its approval "
                              "reference (--authority-ref)",
                              o->ref);
    } else {
        return refuse_state(o, "approved");
    }
    if (authority_ref && *authority_ref &&
        (rc = update_col_text(l, o->id, "authority_ref", authority_ref)) != 0)
        return rc;
    if ((rc = set_state(l, o, "approved", "decided_at", "reviewed_by", by)) != 0) return rc;
    if (rk_authcode_applies(o->business)) {
        char c[RK_AUTHCODE_MAX];
        rc = rk_authcode_issue(c, sizeof c, l, o->id, o->uuid);
        if (!rc && code) snprintf(code, code_n, "%s", c);
        rk_wipe(c, sizeof c);
        if (rc) return rc;
    }
    return record(l, by, "review", "order.approved", before, o,
                  authority_ref && *authority_ref ? authority_ref : NULL);
}

int rk_order_approve_code(char *code, size_t n, rk_ledger *l, const rk_actor *by, const char *ref,
                          const char *authority_ref)
{
    if (code && n) code[0] = '\0';
    int rc = require(by, RK_ROLE_REVIEW);
    if (rc) return rc;
    TRANSITION(l, ref, o, ids, approve_locked(l, by, o, &ids, authority_ref, code, n));
}

int rk_order_approve(rk_ledger *l, const rk_actor *by, const char *ref, const char *authority_ref)
{
    return rk_order_approve_code(NULL, 0, l, by, ref, authority_ref);
}

static int reject_locked(rk_ledger *l, const rk_actor *by, rk_order *o, const order_ids *ids,
                         const char *reason)
{
    static const char *const from[] = {"submitted", "authority"};
    char before[16];
    int rc;

    if (!in_state(o, from, 2)) return refuse_state(o, "rejected");
    if ((rc = check_duty(by, o, ids)) != 0) return rc;
    rk_utf8_copy(before, sizeof before, o->state);
    sqlite3_stmt *st;
    if ((rc = update_col_text(l, o->id, "reject_reason", reason)) != 0 ||
        (rc = set_state(l, o, "rejected", "decided_at", "reviewed_by", by)) != 0 ||
        (rc = update_col_int(l, o->id, "closed_at", rk_clock_now(), 0)) != 0 ||
        (rc = rk_db_cached(l->db, &st,
                           "INSERT INTO order_rejection(order_id, at, reason, clerk_id) "
                           "VALUES (?, ?, ?, ?)")) != 0)
        return rc;
    sqlite3_bind_int64(st, 1, o->id);
    sqlite3_bind_int64(st, 2, rk_clock_now());
    sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
    if (by->clerk_id)
        sqlite3_bind_int64(st, 4, by->clerk_id);
    else
        sqlite3_bind_null(st, 4);
    if ((rc = rk_db_step_done(l->db, st, "cannot record the rejection")) != 0) return rc;
    rk_utf8_copy(o->reject_reason, sizeof o->reject_reason, reason);
    return record(l, by, "review", "order.rejected", before, o, reason);
}

int rk_order_reject(rk_ledger *l, const rk_actor *by, const char *ref, const char *reason)
{
    int rc = require(by, RK_ROLE_REVIEW);
    if (rc) return rc;
    if (!reason || !*reason)
        return rk_err_set(RK_EINVAL, "give the reason for the subscriber (--reason)");
    TRANSITION(l, ref, o, ids, reject_locked(l, by, o, &ids, reason));
}

static int pay_locked(rk_ledger *l, const rk_actor *by, rk_order *o, const char *method,
                      int64_t fen)
{
    sqlite3_stmt *st;
    char detail[128];
    int rc;

    if (strcmp(o->state, "approved")) return refuse_state(o, "paid (only approved orders are)");
    if (o->fee_total == 0)
        return rk_err_set(RK_ESTATE, "order %s is free of charge: nothing to pay", o->ref);
    if (fen != o->fee_total)
        return rk_err_set(RK_EINVAL, "order %s costs %lld.%02lld yuan, not %lld.%02lld", o->ref,
                          (long long)(o->fee_total / 100), (long long)(o->fee_total % 100),
                          (long long)(fen / 100), (long long)(fen % 100));
    rc = rk_db_cached(l->db, &st,
                      "UPDATE orders SET paid_fen = ?, pay_method = ?, paid_at = ? WHERE id = ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, fen);
    sqlite3_bind_text(st, 2, method, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, rk_clock_now());
    sqlite3_bind_int64(st, 4, o->id);
    if ((rc = rk_db_step_done(l->db, st, "cannot record payment")) != 0 ||
        (rc = set_state(l, o, "paid", NULL, NULL, by)) != 0)
        return rc;
    o->paid_fen = fen;
    rk_utf8_copy(o->pay_method, sizeof o->pay_method, method);
    snprintf(detail, sizeof detail, "%lld fen by %s", (long long)fen, method);
    return record(l, by, "entry", "order.paid", "approved", o, detail);
}

/* 1 if method is one money is paid or refunded by. */
static int pay_method_known(const char *method)
{
    static const char *const methods[] = {"cash", "wechat", "alipay", "card", "transfer"};
    for (size_t i = 0; method && i < sizeof methods / sizeof methods[0]; i++)
        if (!strcmp(method, methods[i])) return 1;
    return 0;
}

int rk_order_pay(rk_ledger *l, const rk_actor *by, const char *ref, const char *method, int64_t fen)
{
    if (!pay_method_known(method))
        return rk_err_set(RK_EINVAL, "payment method: cash, wechat, alipay, card or transfer");
    int rc = require(by, RK_ROLE_ENTRY);
    if (rc) return rc;
    TRANSITION(l, ref, o, ids, pay_locked(l, by, o, method, fen));
}

/* The RFC 5280 reason with which issuing o ends the certificates it acts
 * on, or NULL when it ends none: a lost key's old pair keyCompromise, a
 * change of details' and a broken key's superseded, a renewal's superseded
 * when the branch supersedes renewed pairs ([ledger] renewal_old_pair); a
 * revocation's from its revoke_cause, else its reason where that is an RFC
 * 5280 name, else unspecified. */
static const char *ending_reason(const rk_ledger *l, const rk_order *o)
{
    static const struct {
        const char *cause, *reason;
    } causes[] = {
        {"closure", "cessationOfOperation"},           {"key_compromise", "keyCompromise"},
        {"affiliation_changed", "affiliationChanged"}, {"superseded", "superseded"},
        {"privilege_withdrawn", "privilegeWithdrawn"}, {"unspecified", "unspecified"}};
    static const char *const names[] = {
        "unspecified", "keyCompromise",        "cACompromise",       "affiliationChanged",
        "superseded",  "cessationOfOperation", "privilegeWithdrawn", "aACompromise"};
    const char *b = o->business;
    if (!strcmp(b, "reissue")) return "keyCompromise";
    if (!strcmp(b, "change") || !strcmp(b, "replace")) return "superseded";
    if (!strcmp(b, "renew")) return l->conf->renewal_supersede ? "superseded" : NULL;
    if (strcmp(b, "revoke")) return NULL;
    const char *cause = rk_order_value(o, "revoke_cause");
    for (size_t i = 0; cause && i < sizeof causes / sizeof causes[0]; i++)
        if (!strcmp(cause, causes[i].cause)) return causes[i].reason;
    const char *reason = rk_order_value(o, "reason");
    for (size_t i = 0; reason && i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(reason, names[i])) return names[i];
    return "unspecified";
}

/* Revokes for reason every certificate that ends with o's target
 * (rk_certreg_ending: the certificate, the rest of its pair, its older
 * generations on the key), each with its audit entry and its
 * certificate.revoked event for HQ, inside the issuing transaction;
 * appends "revoked A (sign), B (enc): reason" to said. */
static int end_certificates(rk_ledger *l, const rk_actor *by, const rk_order *o, const char *reason,
                            rk_buf *said)
{
    rk_certreg_cert c[16];
    int n = 0, rc;

    if (!o->cert_serial[0]) return 0;
    if ((rc = rk_certreg_ending(c, 16, &n, l, o->cert_serial, o->id)) != 0) return rc;
    for (int i = 0; i < n && !rc; i++) {
        char before[64], after[160], payload[512], detail[256];
        snprintf(before, sizeof before, "{\"status\":\"%s\"}", c[i].status);
        snprintf(after, sizeof after, "{\"reason\":\"%s\",\"status\":\"revoked\"}", reason);
        snprintf(payload, sizeof payload,
                 "{\"order\":\"%s\",\"reason\":%d,\"reason_name\":\"%s\",\"revoked_at\":%lld,"
                 "\"serial\":\"%s\",\"status\":\"revoked\",\"usage\":\"%s\"}",
                 o->uuid, rk_certreg_reason_code(reason), reason, (long long)rk_clock_now(),
                 c[i].serial, c[i].usage);
        snprintf(detail, sizeof detail, "certificate %s (%s) revoked, %s: %s order %s", c[i].serial,
                 c[i].usage, reason, o->business, o->ref);
        rk_record r = {.actor = by->login,
                       .role = "issue",
                       .action = "certificate.revoked",
                       .order_id = o->uuid,
                       .before = before,
                       .after = after,
                       .detail = detail,
                       .entity = "certificate",
                       .entity_id = c[i].serial,
                       .payload = payload};
        if ((rc = rk_certreg_set_status(l, c[i].serial, "revoked", reason)) == 0)
            rc = rk_record_add(l->db, &r);
        if (!rc)
            rc = rk_buf_printf(said, "%s%s (%s)", i ? ", " : "revoked ", c[i].serial, c[i].usage);
    }
    if (!rc && n) rc = rk_buf_printf(said, ": %s", reason);
    return rc;
}

static int issue_locked(rk_ledger *l, const rk_actor *by, rk_order *o, const rk_cert_record *cert)
{
    char before[16], detail[1024] = "";
    rk_buf ended;
    int rc = 0;

    if (!strcmp(o->state, "approved") && o->fee_total > 0)
        return rk_err_set(RK_ESTATE, "order %s is not paid yet: issuing needs payment first",
                          o->ref);
    if (strcmp(o->state, "approved") && strcmp(o->state, "paid"))
        return refuse_state(o, "issued (only approved and paid, or fee-free, orders are)");
    if (rk_business_produces_cert(o->business) && !cert)
        return rk_err_set(RK_EINVAL,
                          "%s %s produces a certificate: record it with `ractl order issue %s "
                          "--cert FILE`, or write it onto the subscriber's key with `ractl key "
                          "enrol %s --key SERIAL`",
                          rk_article(rk_business_label(o->business, 0)),
                          rk_business_label(o->business, 0), o->ref, o->ref);
    if (!rk_business_produces_cert(o->business) && cert)
        return rk_err_set(RK_EINVAL, "%s %s produces no certificate",
                          rk_article(rk_business_label(o->business, 0)),
                          rk_business_label(o->business, 0));
    rk_utf8_copy(before, sizeof before, o->state);
    rk_buf_init(&ended, 4096);
    if (rk_business_produces_cert(o->business)) {
        if (!strcmp(o->business, "recovery") && o->cert_serial[0] &&
            !strcasecmp(cert->serial, o->cert_serial)) {
            /* Key recovery puts the same certificate (and key) onto a new
             * USB key: the certificate moves, nothing new is issued. */
            if ((rc = rk_certreg_move(l, cert)) != 0) goto out;
            snprintf(detail, sizeof detail, "certificate %s recovered onto key %s", cert->serial,
                     cert->key_serial);
        } else {
            if ((rc = rk_certreg_add(l, o, cert)) != 0) goto out;
            snprintf(detail, sizeof detail, "certificate %s", cert->serial);
        }
        /* What the new certificate replaces ends in the same transaction:
         * the whole old pair of a lost key, a change or a broken key, and
         * of a renewal when the branch supersedes renewed pairs. */
        const char *why = ending_reason(l, o);
        if (why && (rc = end_certificates(l, by, o, why, &ended)) != 0) goto out;
    } else if (o->cert_serial[0] && !strcmp(o->business, "revoke")) {
        /* A revocation takes the certificate and the rest of its pair. */
        if ((rc = check_target(l, o)) != 0 ||
            (rc = end_certificates(l, by, o, ending_reason(l, o), &ended)) != 0)
            goto out;
    } else if (o->cert_serial[0] &&
               (!strcmp(o->business, "suspend") || !strcmp(o->business, "resume"))) {
        const char *status = !strcmp(o->business, "suspend") ? "suspended" : "valid";
        if ((rc = check_target(l, o)) != 0 ||
            (rc = rk_certreg_set_status(l, o->cert_serial, status, NULL)) != 0)
            goto out;
        snprintf(detail, sizeof detail, "certificate %s now %s", o->cert_serial, status);
    }
    if (ended.len) {
        size_t d = strlen(detail);
        snprintf(detail + d, sizeof detail - d, "%s%s", d ? "; " : "", ended.data);
    }
    if ((rc = set_state(l, o, "issued", "issued_at", "issued_by", by)) == 0 &&
        (rc = update_col_int(l, o->id, "closed_at", rk_clock_now(), 0)) == 0)
        rc = record(l, by, "issue", "order.issued", before, o, detail[0] ? detail : NULL);
out:
    rk_buf_free(&ended);
    return rc;
}

int rk_order_issue(rk_ledger *l, const rk_actor *by, const char *ref, const rk_cert_record *cert)
{
    return rk_order_issue_with(l, by, ref, cert, NULL, NULL);
}

int rk_order_issue_with(rk_ledger *l, const rk_actor *by, const char *ref,
                        const rk_cert_record *cert, int (*also)(rk_ledger *, void *), void *arg)
{
    int rc = require(by, RK_ROLE_ISSUE);
    if (rc) return rc;
    TRANSITION(l, ref, o, ids,
               (rc = issue_locked(l, by, o, cert)) != 0 ? rc
               : also                                   ? also(l, arg)
                                                        : 0);
}

int rk_order_add_certificate(rk_ledger *l, const char *ref, const rk_cert_record *cert)
{
    rk_order *o = calloc(1, sizeof *o);
    if (!o) return rk_err_oom();
    int rc = load(l, ref, o, NULL);
    if (!rc) rc = rk_certreg_add(l, o, cert);
    free(o);
    return rc;
}

int rk_order_check_issuable(rk_ledger *l, const rk_actor *by, const char *ref, rk_order *out)
{
    int rc = require(by, RK_ROLE_ISSUE);
    if (rc || (rc = load(l, ref, out, NULL)) != 0) return rc;
    if (!rk_business_produces_cert(out->business))
        return rk_err_set(RK_EINVAL, "%s %s produces no certificate",
                          rk_article(rk_business_label(out->business, 0)),
                          rk_business_label(out->business, 0));
    if (!strcmp(out->state, "approved") && out->fee_total > 0)
        return rk_err_set(RK_ESTATE, "order %s is not paid yet: issuing needs payment first",
                          out->ref);
    if (strcmp(out->state, "approved") && strcmp(out->state, "paid"))
        return refuse_state(out, "issued (only approved and paid, or fee-free, orders are)");
    return 0;
}

static int deliver_locked(rk_ledger *l, const rk_actor *by, rk_order *o, const char *method,
                          const char *tracking)
{
    sqlite3_stmt *st;
    char summary[1024];
    int rc;

    if (strcmp(o->state, "issued")) return refuse_state(o, "delivered (only issued orders are)");
    if (!strcmp(method, "mail")) {
        const char *addr = rk_order_value(o, "address");
        if (!addr || !*addr)
            return rk_err_set(RK_EINVAL, "order %s has no mailing address: re-dispatch it first",
                              o->ref);
        if (!tracking || !*tracking)
            return rk_err_set(RK_EINVAL, "give the parcel's tracking number (--tracking)");
    }
    if ((rc = set_state(l, o, "delivered", "delivered_at", "delivered_by", by)) != 0) return rc;
    snprintf(summary, sizeof summary,
             "%s %s for %s: entered by %s, reviewed by %s, issued by %s, delivered by %s (%s%s%s)",
             o->ref, rk_business_label(o->business, 1), o->subject_name,
             o->entered_by[0] ? o->entered_by : "-", o->reviewed_by[0] ? o->reviewed_by : "-",
             o->issued_by[0] ? o->issued_by : "-", by->login, method,
             tracking && *tracking ? " " : "", tracking && *tracking ? tracking : "");
    /* The record's remark, printed on the task-completion record. */
    char remark[256];
    if (!strcmp(method, "mail"))
        snprintf(remark, sizeof remark, "邮寄交付，快递单号 %s", tracking);
    else
        snprintf(remark, sizeof remark, "柜台领取");
    rc = rk_db_cached(l->db, &st,
                      "INSERT INTO task_record(order_id, completed_at, summary) VALUES (?, ?, ?)");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, o->id);
    sqlite3_bind_int64(st, 2, rk_clock_now());
    sqlite3_bind_text(st, 3, remark, -1, SQLITE_STATIC);
    if ((rc = rk_db_step_done(l->db, st, "cannot write the task-completion record")) != 0)
        return rc;
    return record(l, by, "issue", "order.delivered", "issued", o, summary);
}

int rk_order_deliver(rk_ledger *l, const rk_actor *by, const char *ref, const char *method,
                     const char *tracking)
{
    if (!method || (strcmp(method, "pickup") && strcmp(method, "mail")))
        return rk_err_set(RK_EINVAL, "delivery method: pickup or mail");
    int rc = require(by, RK_ROLE_ISSUE);
    if (rc) return rc;
    TRANSITION(l, ref, o, ids, deliver_locked(l, by, o, method, tracking));
}

static int redispatch_locked(rk_ledger *l, const rk_actor *by, rk_order *o, const char *delivery,
                             const char *address)
{
    static const char *const open[] = {"draft",    "submitted", "authority",
                                       "approved", "paid",      "issued"};
    rk_form form;
    rk_buf detail;
    int rc;

    if (!in_state(o, open, 6))
        return refuse_state(o, "re-dispatched (delivered, cancelled and archived orders are not)");
    if ((rc = rk_forms_compose(l->forms, o->subscriber, o->business, &form)) != 0) return rc;
    rk_buf_init(&detail, 2048);
    rc = apply_field(l, &form, o, "delivery", delivery, NULL, &detail);
    if (!rc && address) rc = apply_field(l, &form, o, "address", address, NULL, &detail);
    if (!rc && !strcmp(delivery, "mail")) {
        const char *a = rk_order_value(o, "address");
        if (!a || !*a) rc = rk_err_set(RK_EINVAL, "mailing needs an address (--address)");
    }
    if (!rc && (rc = write_fields(l, o, &form)) == 0)
        rc = record(l, by, "entry", "order.redispatched", o->state, o, detail.data);
    rk_buf_free(&detail);
    return rc;
}

int rk_order_redispatch(rk_ledger *l, const rk_actor *by, const char *ref, const char *delivery,
                        const char *address)
{
    int rc = require(by, RK_ROLE_ENTRY);
    if (rc) return rc;
    TRANSITION(l, ref, o, ids, redispatch_locked(l, by, o, delivery, address));
}

static int cancel_locked(rk_ledger *l, const rk_actor *by, rk_order *o, const char *reason,
                         const char *refund_method)
{
    static const char *const open[] = {"draft",    "submitted", "authority",
                                       "approved", "rejected",  "paid"};
    char before[16], detail[RK_ORDER_VALUE_MAX + 128];
    int rc;

    if (!in_state(o, open, 6)) return refuse_state(o, "cancelled");
    int paid = !strcmp(o->state, "paid");
    if (paid && !(by->roles & RK_ROLE_SUPERVISOR))
        return rk_err_set(
            RK_EPERM, "order %s is paid: a supervisor cancels it and arranges the refund", o->ref);
    if (paid && !refund_method)
        return rk_err_set(RK_ESTATE,
                          "order %s is paid %lld.%02lld yuan (%s): cancelling it refunds the "
                          "payment; give how the money goes back (--refund cash, wechat, "
                          "alipay, card or transfer)",
                          o->ref, (long long)(o->paid_fen / 100), (long long)(o->paid_fen % 100),
                          o->pay_method);
    if (!paid && refund_method)
        return rk_err_set(RK_ESTATE, "order %s is %s, not paid: there is nothing to refund", o->ref,
                          rk_state_label(o->state, 0));
    rk_utf8_copy(before, sizeof before, o->state);
    rk_utf8_copy(detail, sizeof detail, reason);
    if (paid) {
        sqlite3_stmt *st;
        int64_t now = rk_clock_now();
        if ((rc = rk_db_cached(l->db, &st,
                               "UPDATE orders SET refund_fen = paid_fen, refund_method = ?, "
                               "refunded_by = ?, refunded_at = ? WHERE id = ?")) != 0)
            return rc;
        sqlite3_bind_text(st, 1, refund_method, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, by->clerk_id);
        sqlite3_bind_int64(st, 3, now);
        sqlite3_bind_int64(st, 4, o->id);
        if ((rc = rk_db_step_done(l->db, st, "cannot record the refund")) != 0) return rc;
        o->refund_fen = o->paid_fen;
        rk_utf8_copy(o->refund_method, sizeof o->refund_method, refund_method);
        rk_utf8_copy(o->refunded_by, sizeof o->refunded_by, by->login);
        o->refunded_at = now;
        size_t d = strlen(detail);
        snprintf(detail + d, sizeof detail - d, "; refunded %lld fen by %s",
                 (long long)o->refund_fen, refund_method);
    }
    if ((rc = update_col_text(l, o->id, "cancel_reason", reason)) != 0 ||
        (rc = set_state(l, o, "cancelled", "closed_at", NULL, by)) != 0)
        return rc;
    return record(l, by, (by->roles & RK_ROLE_SUPERVISOR) ? "supervisor" : "entry",
                  "order.cancelled", before, o, detail);
}

static int cancel(rk_ledger *l, const rk_actor *by, const char *ref, const char *reason,
                  const char *refund_method)
{
    if (!(by->roles & (RK_ROLE_ENTRY | RK_ROLE_SUPERVISOR)))
        return rk_err_set(RK_EPERM, "%s holds neither the entry nor the supervisor role",
                          by->login);
    if (!reason || !*reason)
        return rk_err_set(RK_EINVAL, "give the reason for cancelling (--reason)");
    if (refund_method && !pay_method_known(refund_method))
        return rk_err_set(RK_EINVAL, "refund method: cash, wechat, alipay, card or transfer");
    TRANSITION(l, ref, o, ids, cancel_locked(l, by, o, reason, refund_method));
}

int rk_order_cancel(rk_ledger *l, const rk_actor *by, const char *ref, const char *reason)
{
    return cancel(l, by, ref, reason, NULL);
}

int rk_order_cancel_refund(rk_ledger *l, const rk_actor *by, const char *ref, const char *reason,
                           const char *method)
{
    if (!method) return rk_err_set(RK_EINVAL, "give how the money goes back (--refund METHOD)");
    return cancel(l, by, ref, reason, method);
}

int rk_order_rejections(rk_order_rejection *out, int max, int *n, rk_ledger *l, int64_t order_id)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(l->db, &st,
                          "SELECT r.at, r.reason, coalesce(c.login, '') FROM order_rejection r "
                          "LEFT JOIN clerk c ON c.id = r.clerk_id WHERE r.order_id = ? "
                          "ORDER BY r.id");
    int s;
    *n = 0;
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, order_id);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n >= max) continue;
        rk_order_rejection *r = &out[(*n)++];
        r->at = sqlite3_column_int64(st, 0);
        rk_db_text(r->reason, sizeof r->reason, st, 1);
        rk_db_text(r->by, sizeof r->by, st, 2);
    }
    if (s != SQLITE_DONE) rc = rk_db_fail(l->db, "cannot read the order's rejections");
    rk_db_release(l->db, st);
    return rc;
}

/* --- lists -------------------------------------------------------------- */

#define ROW_COLUMNS                                                                                \
    "ref, uuid, business, subscriber, state, subject_name, fee_total, coalesce(submitted_at, 0), " \
    "coalesce(due_at, 0), created_at, id"

/* One row of ROW_COLUMNS. */
static void read_row(rk_order_row *r, sqlite3_stmt *st)
{
    rk_db_text(r->ref, sizeof r->ref, st, 0);
    rk_db_text(r->uuid, sizeof r->uuid, st, 1);
    rk_db_text(r->business, sizeof r->business, st, 2);
    rk_db_text(r->subscriber, sizeof r->subscriber, st, 3);
    rk_db_text(r->state, sizeof r->state, st, 4);
    rk_db_text(r->subject_name, sizeof r->subject_name, st, 5);
    r->fee_total = sqlite3_column_int64(st, 6);
    r->submitted_at = sqlite3_column_int64(st, 7);
    r->due_at = sqlite3_column_int64(st, 8);
    r->created_at = sqlite3_column_int64(st, 9);
}

int rk_order_list(rk_ledger *l, const rk_order_filter *f, rk_order_row **out, int *n)
{
    char sql[1024];
    sqlite3_stmt *st;
    rk_order_row *rows;
    int limit = f->limit > 0 ? f->limit : 100, count = 0, rc, s = SQLITE_DONE;
    int64_t now = f->now ? f->now : rk_clock_now();

    *out = NULL;
    *n = 0;
    snprintf(sql, sizeof sql,
             "SELECT " ROW_COLUMNS " FROM orders WHERE 1 %s %s %s %s ORDER BY %s LIMIT ?5",
             f->state ? "AND state = ?1" : "", f->business ? "AND business = ?2" : "",
             f->overdue ? "AND closed_at IS NULL AND due_at < ?3" : "",
             f->after_id ? "AND id > ?4" : "",
             f->overdue ? "due_at"
             : f->state ? "submitted_at, id"
                        : "id DESC");
    if ((rc = rk_db_cached(l->db, &st, sql)) != 0) return rc;
    if (f->state) sqlite3_bind_text(st, 1, f->state, -1, SQLITE_STATIC);
    if (f->business) sqlite3_bind_text(st, 2, f->business, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, f->after_id);
    sqlite3_bind_int(st, 5, limit);
    rows = calloc((size_t)limit, sizeof *rows);
    if (!rows) {
        rk_db_release(l->db, st);
        return rk_err_oom();
    }
    while (count < limit && (s = sqlite3_step(st)) == SQLITE_ROW)
        read_row(&rows[count++], st);
    rc = count == limit || s == SQLITE_DONE ? 0 : rk_db_fail(l->db, "cannot list orders");
    rk_db_release(l->db, st);
    if (rc) {
        free(rows);
        return rc;
    }
    *out = rows;
    *n = count;
    return 0;
}

int rk_order_find(rk_ledger *l, const char *q, int max, rk_order_row **out, int *n)
{
    char idx[65], idxu[65], up[RK_ORDER_VALUE_MAX];
    sqlite3_stmt *st;
    rk_order_row *rows;
    int count = 0, rc, s = SQLITE_DONE;
    size_t len = strlen(q);

    *out = NULL;
    *n = 0;
    if (max < 1) max = 100;
    if (!len || len >= sizeof up)
        return rk_err_set(RK_EINVAL, "give a name, an ID number, a "
                                     "serial or a reference");
    for (size_t i = 0; i <= len; i++)
        up[i] = (char)toupper((unsigned char)q[i]);
    /* An ID number as typed and in its usual form (X upper case). */
    if ((rc = rk_seal_index(idx, l->key, "id", q)) || (rc = rk_seal_index(idxu, l->key, "id", up)))
        return rc;
    rc = rk_db_prepare(l->db, &st,
                       /* One indexed lookup per way in, then their union. */
                       "SELECT " ROW_COLUMNS " FROM orders WHERE id IN ("
                       "SELECT id FROM orders WHERE ref = ?1 "
                       "UNION SELECT id FROM orders WHERE uuid = lower(?1) "
                       "UNION SELECT id FROM orders WHERE subject_name = ?1 "
                       "UNION SELECT id FROM orders WHERE id_index IN (?2, ?3) "
                       "UNION SELECT id FROM orders WHERE upper(cert_serial) = upper(?1) "
                       "AND cert_serial IS NOT NULL "
                       "UNION SELECT order_id FROM certificate WHERE serial = upper(?1)) "
                       "ORDER BY id DESC LIMIT ?4");
    rk_wipe(up, sizeof up);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, idx, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, idxu, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, max);
    if (!(rows = calloc((size_t)max, sizeof *rows))) {
        sqlite3_finalize(st);
        return rk_err_oom();
    }
    while (count < max && (s = sqlite3_step(st)) == SQLITE_ROW)
        read_row(&rows[count++], st);
    rc = count == max || s == SQLITE_DONE ? 0 : rk_db_fail(l->db, "cannot find orders");
    sqlite3_finalize(st);
    if (rc) {
        free(rows);
        return rc;
    }
    *out = rows;
    *n = count;
    return 0;
}

int rk_order_system_revoke(rk_ledger *l, const char *serial, const char *reason, char *ref_out,
                           size_t n)
{
    rk_order *src = calloc(1, sizeof *src), *o = calloc(1, sizeof *o);
    const char *names[RK_FORM_MAX_FIELDS + 2], *values[RK_FORM_MAX_FIELDS + 2];
    const char *paper[RK_FORM_MAX_DOCS];
    char src_ref[RK_ORDER_REF_MAX] = "";
    rk_actor sys;
    rk_form form;
    sqlite3_stmt *st;
    int rc, nf = 0;

    rk_actor_system(&sys);
    if (!src || !o) {
        rc = rk_err_oom();
        goto out;
    }
    if (!rk_db_in_tx(l->db)) {
        rc = rk_err_set(RK_EINTERNAL, "system revocation outside a transaction");
        goto out;
    }
    /* The order that produced the certificate names the subscriber. */
    if ((rc = rk_db_cached(l->db, &st,
                           "SELECT o.ref FROM certificate c JOIN orders o ON o.id = c.order_id "
                           "WHERE c.serial = upper(?)")) != 0)
        goto out;
    sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) rk_db_text(src_ref, sizeof src_ref, st, 0);
    rk_db_release(l->db, st);
    if (!src_ref[0]) {
        rc = rk_err_set(RK_ENOTFOUND, "certificate %s has no order in this branch", serial);
        goto out;
    }
    if ((rc = load(l, src_ref, src, NULL)) != 0 ||
        (rc = rk_forms_compose(l->forms, src->subscriber, "revoke", &form)) != 0)
        goto out;
    for (int i = 0; i < src->n_fields; i++) {
        const char *name = src->fields[i].name;
        if (rk_form_find(&form, name) && strcmp(name, "cert_serial") && strcmp(name, "reason")) {
            names[nf] = name;
            values[nf++] = src->fields[i].value;
        }
    }
    names[nf] = "cert_serial";
    values[nf++] = serial;
    names[nf] = "reason";
    values[nf++] = reason;
    for (int i = 0; i < form.n_docs; i++)
        paper[i] = form.docs[i]->name;
    /* No subscriber is at the counter: the documents are the system's record,
     * and the order waits for a review clerk like any other. */
    rk_order_spec spec = {.business = "revoke",
                          .subscriber = src->subscriber,
                          .cert_kind = src->cert_kind,
                          .names = names,
                          .values = values,
                          .n = nf,
                          .warning_reason = "system copy",
                          .paper_docs = paper,
                          .n_paper = form.n_docs,
                          .paper_note = "not applicable: revocation started by the system",
                          .submit = 1};
    if ((rc = order_new(l, &sys, &spec, o, 0, 1, NULL)) == 0) snprintf(ref_out, n, "%s", o->ref);
out:
    if (src) rk_wipe(src, sizeof *src);
    if (o) rk_wipe(o, sizeof *o);
    free(src);
    free(o);
    return rc;
}
