/*
 * The register and the operation log as CSV and XLSX (see export.h).
 *
 * Both documents are a table: a list of columns (title, width, kind) and
 * rows whose cells are text or a time. One writer per format walks the
 * table, so the two documents and the two formats share all the code.
 */
#include "export.h"

#include "audit/audit.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/file.h"
#include "util/json.h"
#include "util/wipe.h"
#include "util/utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define MAX_ROWS 2000000

void rk_export_org_code(char *out, size_t n, const char *uscc)
{
    if (uscc && strlen(uscc) == 18)
        snprintf(out, n, "%.9s", uscc + 8);
    else
        snprintf(out, n, "%s", "");
}

void rk_export_wipe(void *rows, int n, size_t size)
{
    if (!rows) return;
    rk_wipe(rows, (size_t)n * size);
    free(rows);
}

int rk_export_format_parse(int *out, const char *t)
{
    if (t && !strcmp(t, "csv"))
        *out = RK_EXPORT_CSV;
    else if (t && !strcmp(t, "xlsx"))
        *out = RK_EXPORT_XLSX;
    else
        return rk_err_set(RK_EINVAL, "export format: csv or xlsx, not '%s'", t ? t : "");
    return 0;
}

int rk_export_kind_parse(int *out, const char *t)
{
    if (t && !strcmp(t, "register"))
        *out = RK_EXPORT_REGISTER;
    else if (t && !strcmp(t, "oplog"))
        *out = RK_EXPORT_OPLOG;
    else
        return rk_err_set(RK_EINVAL, "export: register or oplog, not '%s'", t ? t : "");
    return 0;
}

/* The first non-empty of the named fields of o, or "". */
static const char *first_value(const rk_order *o, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) {
        const char *v = rk_order_value(o, names[i]);
        if (v && *v) return v;
    }
    return "";
}

static const char *const contact_names[] = {"agent_name", "applicant_name", "legal_rep_name"};
static const char *const contact_mobiles[] = {"agent_mobile", "applicant_mobile",
                                              "legal_rep_mobile"};
static const char *const contact_ids[] = {"agent_id", "applicant_id", "legal_rep_id"};

#define COMPLETED "o.state IN ('issued', 'delivered', 'archived') AND o.issued_at IS NOT NULL "
#define FILTER                                                                                     \
    "AND (?1 IS NULL OR o.project = ?1) AND (?2 = 0 OR o.issued_at >= ?2) "                        \
    "AND (?3 = 0 OR o.issued_at < ?3) "

static void bind_filter(sqlite3_stmt *st, const rk_export_filter *f)
{
    if (f && f->project && *f->project)
        sqlite3_bind_text(st, 1, f->project, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 1);
    sqlite3_bind_int64(st, 2, f ? f->from : 0);
    sqlite3_bind_int64(st, 3, f ? f->to : 0);
}

/* Grows *rows (of size bytes each) to hold one more; RK_ENOMEM/ETOOBIG. */
static int grow(void **rows, int *cap, int count, size_t size)
{
    if (count < *cap) return 0;
    if (count >= MAX_ROWS)
        return rk_err_set(RK_ETOOBIG, "more than %d rows: narrow the filter", MAX_ROWS);
    int ncap = *cap ? *cap * 2 : 64;
    void *p = realloc(*rows, (size_t)ncap * size);
    if (!p) return rk_err_oom();
    *rows = p;
    *cap = ncap;
    return 0;
}

int rk_export_register_rows(rk_ledger *l, const rk_export_filter *f, rk_register_row **out, int *n)
{
    sqlite3_stmt *st;
    rk_register_row *rows = NULL;
    rk_order *o = calloc(1, sizeof *o);
    int count = 0, cap = 0, rc, s = SQLITE_DONE;

    *out = NULL;
    *n = 0;
    if (!o) return rk_err_oom();
    rc = rk_db_prepare(l->db, &st,
                       "SELECT o.ref, o.business, coalesce(o.ssn, ''), o.subject_name, "
                       "coalesce(o.uscc, ''), coalesce(o.project, ''), coalesce(o.region, ''), "
                       "o.issued_at, max(c.not_after) FROM orders o "
                       "JOIN certificate c ON c.order_id = o.id WHERE " COMPLETED FILTER
                       "GROUP BY o.id ORDER BY o.issued_at, o.id");
    if (rc) {
        free(o);
        return rc;
    }
    bind_filter(st, f);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        char uscc[32];
        if ((rc = grow((void **)&rows, &cap, count, sizeof *rows)) != 0) break;
        rk_register_row *r = &rows[count++];
        memset(r, 0, sizeof *r);
        rk_db_text(r->ref, sizeof r->ref, st, 0);
        rk_db_text(r->business, sizeof r->business, st, 1);
        rk_db_text(r->ssn, sizeof r->ssn, st, 2);
        rk_db_text(r->unit, sizeof r->unit, st, 3);
        rk_db_text(uscc, sizeof uscc, st, 4);
        rk_export_org_code(r->org_code, sizeof r->org_code, uscc);
        rk_db_text(r->project, sizeof r->project, st, 5);
        rk_db_text(r->region, sizeof r->region, st, 6);
        if (!r->region[0]) rk_utf8_copy(r->region, sizeof r->region, l->conf->region);
        r->produced_at = sqlite3_column_int64(st, 7);
        r->expires_at = sqlite3_column_int64(st, 8);
    }
    if (!rc && s != SQLITE_DONE) rc = rk_db_fail(l->db, "cannot read the register");
    sqlite3_finalize(st);
    /* The contact and phone are sealed with the order's fields. */
    for (int i = 0; !rc && i < count; i++) {
        if ((rc = rk_order_get(l, rows[i].ref, o)) != 0) break;
        rk_utf8_copy(rows[i].contact, sizeof rows[i].contact, first_value(o, contact_names, 3));
        rk_utf8_copy(rows[i].phone, sizeof rows[i].phone, first_value(o, contact_mobiles, 3));
    }
    rk_wipe(o, sizeof *o);
    free(o);
    if (rc) {
        rk_export_wipe(rows, count, sizeof *rows);
        return rc;
    }
    *out = rows;
    *n = count;
    return 0;
}

int rk_export_oplog_rows(rk_ledger *l, const rk_export_filter *f, int reveal, rk_oplog_row **out,
                         int *n)
{
    sqlite3_stmt *st;
    rk_oplog_row *rows = NULL;
    rk_order *o = calloc(1, sizeof *o);
    int count = 0, cap = 0, rc, s = SQLITE_DONE;

    *out = NULL;
    *n = 0;
    if (!o) return rk_err_oom();
    rc = rk_db_prepare(l->db, &st,
                       "SELECT o.ref, o.business, o.subject_name, coalesce(o.project, ''), "
                       "coalesce(o.region, ''), o.issued_at, "
                       "coalesce((SELECT name FROM clerk WHERE id = o.issued_by), ''), "
                       "coalesce((SELECT name FROM clerk WHERE id = o.reviewed_by), '') "
                       "FROM orders o WHERE " COMPLETED FILTER "ORDER BY o.issued_at, o.id");
    if (rc) {
        free(o);
        return rc;
    }
    bind_filter(st, f);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = grow((void **)&rows, &cap, count, sizeof *rows)) != 0) break;
        rk_oplog_row *r = &rows[count++];
        memset(r, 0, sizeof *r);
        rk_db_text(r->ref, sizeof r->ref, st, 0);
        rk_db_text(r->business, sizeof r->business, st, 1);
        rk_db_text(r->unit, sizeof r->unit, st, 2);
        rk_db_text(r->project, sizeof r->project, st, 3);
        rk_db_text(r->region, sizeof r->region, st, 4);
        if (!r->region[0]) rk_utf8_copy(r->region, sizeof r->region, l->conf->region);
        r->at = sqlite3_column_int64(st, 5);
        rk_db_text(r->producer, sizeof r->producer, st, 6);
        rk_db_text(r->reviewer, sizeof r->reviewer, st, 7);
    }
    if (!rc && s != SQLITE_DONE) rc = rk_db_fail(l->db, "cannot read the operation log");
    sqlite3_finalize(st);
    for (int i = 0; !rc && i < count; i++) {
        if ((rc = rk_order_get(l, rows[i].ref, o)) != 0) break;
        const char *id = first_value(o, contact_ids, 3);
        if (reveal)
            rk_utf8_copy(rows[i].id_number, sizeof rows[i].id_number, id);
        else
            rk_mask(rows[i].id_number, sizeof rows[i].id_number, "id", id);
    }
    rk_wipe(o, sizeof *o);
    free(o);
    if (rc) {
        rk_export_wipe(rows, count, sizeof *rows);
        return rc;
    }
    *out = rows;
    *n = count;
    return 0;
}

/* --- the table --------------------------------------------------------- */

enum { COL_TEXT, COL_DATE, COL_TIME };

typedef struct column {
    const char *title;
    double width;
    int kind;
} column;

static const column register_cols[] = {
    {"单位社保编号", 16, COL_TEXT}, {"单位名称", 36, COL_TEXT}, {"组织机构代码", 14, COL_TEXT},
    {"联系人", 10, COL_TEXT},       {"联系电话", 14, COL_TEXT}, {"制证日期", 12, COL_DATE},
    {"有效期至", 12, COL_DATE},     {"业务单号", 14, COL_TEXT}, {"业务类型", 12, COL_TEXT},
    {"项目", 16, COL_TEXT},         {"地区", 12, COL_TEXT},
};

static const column oplog_cols[] = {
    {"时间", 17, COL_TIME},     {"地区", 12, COL_TEXT},   {"项目", 16, COL_TEXT},
    {"业务类型", 12, COL_TEXT}, {"单位", 36, COL_TEXT},   {"身份证号", 20, COL_TEXT},
    {"制证人", 10, COL_TEXT},   {"审核人", 10, COL_TEXT}, {"业务单号", 14, COL_TEXT},
};

#define N_REGISTER_COLS ((int)(sizeof register_cols / sizeof register_cols[0]))
#define N_OPLOG_COLS    ((int)(sizeof oplog_cols / sizeof oplog_cols[0]))

typedef struct cell {
    const char *s; /* text columns */
    int64_t t;     /* date and time columns; 0 = empty */
} cell;

typedef struct table {
    const column *cols;
    int n_cols;
    int n_rows;
    const char *sheet;
    void (*row)(const struct table *t, int i, cell *cells);
    const void *data;
} table;

static void register_row(const table *t, int i, cell *c)
{
    const rk_register_row *r = (const rk_register_row *)t->data + i;
    memset(c, 0, sizeof(cell) * N_REGISTER_COLS);
    c[0].s = r->ssn;
    c[1].s = r->unit;
    c[2].s = r->org_code;
    c[3].s = r->contact;
    c[4].s = r->phone;
    c[5].t = r->produced_at;
    c[6].t = r->expires_at;
    c[7].s = r->ref;
    c[8].s = rk_business_label(r->business, 1);
    c[9].s = r->project;
    c[10].s = r->region;
}

static void oplog_row(const table *t, int i, cell *c)
{
    const rk_oplog_row *r = (const rk_oplog_row *)t->data + i;
    memset(c, 0, sizeof(cell) * N_OPLOG_COLS);
    c[0].t = r->at;
    c[1].s = r->region;
    c[2].s = r->project;
    c[3].s = rk_business_label(r->business, 1);
    c[4].s = r->unit;
    c[5].s = r->id_number;
    c[6].s = r->producer;
    c[7].s = r->reviewer;
    c[8].s = r->ref;
}

static void local_tm(int64_t t, struct tm *tm)
{
    time_t tt = (time_t)t;
    localtime_r(&tt, tm);
}

static void format_time(char *out, size_t n, int64_t t, int kind)
{
    struct tm tm;
    if (!t) {
        snprintf(out, n, "%s", "");
        return;
    }
    local_tm(t, &tm);
    strftime(out, n, kind == COL_DATE ? "%Y-%m-%d" : "%Y-%m-%d %H:%M", &tm);
}

int rk_export_csv_cell(rk_buf *b, const char *s)
{
    int rc = 0;
    if (!s) s = "";
    /* A spreadsheet runs a cell that begins like a formula: make it text.
     * The guard goes inside the quotes, where it is part of the value. */
    const char *guard = s[0] && strchr("=+-@\t\r", s[0]) ? "'" : "";
    if (!strpbrk(s, ",\"\r\n")) {
        if ((rc = rk_buf_puts(b, guard)) != 0) return rc;
        return rk_buf_puts(b, s);
    }
    if ((rc = rk_buf_puts(b, "\"")) != 0 || (rc = rk_buf_puts(b, guard)) != 0) return rc;
    for (const char *p = s; *p && !rc; p++)
        rc = *p == '"' ? rk_buf_puts(b, "\"\"") : rk_buf_append(b, p, 1);
    return rc ? rc : rk_buf_puts(b, "\"");
}

static int write_csv(rk_file_atomic *f, const table *t)
{
    cell cells[16];
    char when[32];
    rk_buf b;
    int rc = 0;

    rk_buf_init(&b, 1 << 20);
    rc = rk_buf_puts(&b, "\xEF\xBB\xBF");
    for (int c = 0; c < t->n_cols && !rc; c++)
        if ((rc = c ? rk_buf_puts(&b, ",") : 0) == 0) rc = rk_export_csv_cell(&b, t->cols[c].title);
    if (!rc) rc = rk_buf_puts(&b, "\r\n");
    for (int i = 0; i < t->n_rows && !rc; i++) {
        t->row(t, i, cells);
        for (int c = 0; c < t->n_cols && !rc; c++) {
            if (c && (rc = rk_buf_puts(&b, ",")) != 0) break;
            if (t->cols[c].kind == COL_TEXT) {
                rc = rk_export_csv_cell(&b, cells[c].s);
            } else {
                format_time(when, sizeof when, cells[c].t, t->cols[c].kind);
                rc = rk_buf_puts(&b, when);
            }
        }
        if (!rc) rc = rk_buf_puts(&b, "\r\n");
        /* Flush in pieces: the buffer stays small whatever the row count. */
        if (!rc && b.len > (1 << 19)) {
            rc = rk_file_atomic_write(f, b.data, b.len);
            rk_buf_reset(&b);
        }
    }
    if (!rc) rc = rk_file_atomic_write(f, b.data, b.len);
    rk_buf_free(&b);
    if (rc == RK_ETOOBIG) rc = rk_err_set(RK_EINTERNAL, "a CSV row is too long");
    return rc;
}

/* libxlsxwriter writes the workbook by name, into the file in place. */
static int write_xlsx(rk_file_atomic *f, const table *t)
{
    cell cells[16];
    const char *path = rk_file_atomic_path(f);
    lxw_workbook *wb = workbook_new(rk_file_atomic_temp_path(f));
    lxw_error err = LXW_NO_ERROR;

    if (!wb) return rk_err_set(RK_EIO, "cannot create the workbook %s", path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, t->sheet);
    lxw_format *bold = workbook_add_format(wb);
    lxw_format *date = workbook_add_format(wb);
    lxw_format *stamp = workbook_add_format(wb);
    if (!ws || !bold || !date || !stamp) {
        workbook_close(wb);
        return rk_err_oom();
    }
    format_set_bold(bold);
    format_set_num_format(date, "yyyy-mm-dd");
    format_set_num_format(stamp, "yyyy-mm-dd hh:mm");
    for (int c = 0; c < t->n_cols && !err; c++) {
        err = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, t->cols[c].width, NULL);
        if (!err) err = worksheet_write_string(ws, 0, (lxw_col_t)c, t->cols[c].title, bold);
    }
    worksheet_freeze_panes(ws, 1, 0);
    for (int i = 0; i < t->n_rows && !err; i++) {
        t->row(t, i, cells);
        lxw_row_t r = (lxw_row_t)(i + 1);
        for (int c = 0; c < t->n_cols && !err; c++) {
            if (t->cols[c].kind == COL_TEXT) {
                if (cells[c].s && *cells[c].s)
                    err = worksheet_write_string(ws, r, (lxw_col_t)c, cells[c].s, NULL);
            } else if (cells[c].t) {
                struct tm tm;
                local_tm(cells[c].t, &tm);
                lxw_datetime dt = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 0, 0, 0};
                if (t->cols[c].kind == COL_TIME) {
                    dt.hour = tm.tm_hour;
                    dt.min = tm.tm_min;
                }
                err = worksheet_write_datetime(ws, r, (lxw_col_t)c, &dt,
                                               t->cols[c].kind == COL_DATE ? date : stamp);
            }
        }
    }
    lxw_error closed = workbook_close(wb);
    if (err || closed) {
        return rk_err_set(RK_EIO, "cannot write the workbook %s: %s", path,
                          lxw_strerror(err ? err : closed));
    }
    return 0;
}

/* --- the audited export ------------------------------------------------ */

static int audit_export(rk_ledger *l, const rk_actor *by, const char *role, int kind, int format,
                        const rk_export_filter *f, int rows, int reveal)
{
    rk_buf b;
    rk_json j;
    char from[32] = "", to[32] = "";
    int rc;

    if (f && f->from) rk_clock_format(from, f->from);
    if (f && f->to) rk_clock_format(to, f->to);
    rk_buf_init(&b, 4096);
    rk_json_init(&j, &b);
    rk_json_obj_begin(&j);
    rk_json_kstr(&j, "format", format == RK_EXPORT_CSV ? "csv" : "xlsx");
    rk_json_kint(&j, "rows", rows);
    rk_json_kstr(&j, "project", f && f->project ? f->project : "");
    rk_json_kstr(&j, "from", from);
    rk_json_kstr(&j, "to", to);
    rk_json_kbool(&j, "revealed", reveal);
    rk_json_obj_end(&j);
    if ((rc = rk_json_finish(&j)) != 0) {
        rk_buf_free(&b);
        return rc;
    }
    char detail[64];
    snprintf(detail, sizeof detail, "%d rows", rows);
    rk_audit_entry e = {
        by->login, role, kind == RK_EXPORT_REGISTER ? "export.register" : "export.oplog",
        NULL,      NULL, b.data,
        detail};
    rk_audit_entry shown = {
        by->login, role, "export.revealed", NULL, NULL, b.data, "ID numbers exported in clear"};
    if ((rc = rk_db_begin(l->db)) == 0) {
        if ((rc = rk_audit_append(l->db, &e, NULL)) == 0 && reveal)
            rc = rk_audit_append(l->db, &shown, NULL);
        rc = rk_db_end(l->db, rc);
    }
    rk_buf_free(&b);
    return rc;
}

int rk_export_write(rk_ledger *l, const rk_actor *by, int kind, int format, const char *path,
                    const rk_export_filter *f, int reveal, int *rows)
{
    rk_file_atomic *out = NULL;
    void *data = NULL;
    size_t size;
    int n = 0, rc;
    table t;

    if (rows) *rows = 0;
    if (!(by->roles & (RK_ROLE_SUPERVISOR | RK_ROLE_ARCHIVE)))
        return rk_err_set(RK_EPERM, "%s holds neither the supervisor nor the archive role",
                          by->login[0] ? by->login : "system");
    if (format != RK_EXPORT_CSV && format != RK_EXPORT_XLSX)
        return rk_err_set(RK_EINVAL, "unknown export format");
    if (reveal && kind != RK_EXPORT_OPLOG)
        return rk_err_set(RK_EINVAL, "only the operation log has ID numbers to reveal");
    const char *role = by->roles & RK_ROLE_SUPERVISOR ? "supervisor" : "archive";
    memset(&t, 0, sizeof t);
    if (kind == RK_EXPORT_REGISTER) {
        rc = rk_export_register_rows(l, f, (rk_register_row **)&data, &n);
        size = sizeof(rk_register_row);
        t.cols = register_cols;
        t.n_cols = N_REGISTER_COLS;
        t.sheet = "登记表";
        t.row = register_row;
    } else if (kind == RK_EXPORT_OPLOG) {
        rc = rk_export_oplog_rows(l, f, reveal, (rk_oplog_row **)&data, &n);
        size = sizeof(rk_oplog_row);
        t.cols = oplog_cols;
        t.n_cols = N_OPLOG_COLS;
        t.sheet = "操作日志";
        t.row = oplog_row;
    } else {
        return rk_err_set(RK_EINVAL, "unknown export");
    }
    if (rc) return rc;
    t.n_rows = n;
    t.data = data;
    if ((rc = rk_file_atomic_open(&out, path, 0600)) != 0) {
        rk_export_wipe(data, n, size);
        return rc;
    }
    rc = format == RK_EXPORT_CSV ? write_csv(out, &t) : write_xlsx(out, &t);
    rk_export_wipe(data, n, size);
    if (!rc) rc = audit_export(l, by, role, kind, format, f, n, reveal);
    if (rc) {
        rk_file_atomic_abort(out);
        return rc;
    }
    if ((rc = rk_file_atomic_commit(out)) != 0) return rc;
    if (rows) *rows = n;
    return 0;
}
