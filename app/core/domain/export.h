/*
 * The branch's register and operation log (DOMAIN.md "Records the branch
 * keeps"), read from the order ledger and written as CSV or XLSX.
 *
 * - The register (today an Excel book per project): one row per completed
 *   order that produced a certificate (state issued, delivered or
 *   archived, with at least one certificate): the unit's social-security
 *   number, unit name, organisation code (characters 9-17 of the unified
 *   social credit code), contact (the agent, else the applicant), phone
 *   (the contact's mobile, unsealed), production date (issued_at), expiry
 *   date (the latest not_after of the order's certificates), order
 *   reference, business type, project and region.
 * - The operation log: one row per completed order of any business type:
 *   time (issued_at), region, project, business type (Chinese label), unit
 *   (subject), the contact's ID number (masked unless revealed), producer
 *   (the issuing clerk) and reviewer.
 *
 * Filters: project, and a half-open time range [from, to) on issued_at.
 * Reading takes no write lock (plain reads in WAL mode); the export itself
 * is audited ("export.register" / "export.oplog" with the row count, and
 * "export.revealed" when ID numbers are shown in clear) in one short
 * transaction after the file is written. The file (0600: it holds personal
 * data) is written beside its final name and renamed into place only once
 * the audit entry is committed, so a failed export leaves no file behind.
 *
 * CSV: UTF-8 with a byte-order mark (Excel then reads Chinese correctly),
 * CRLF line ends, RFC 4180 quoting, and cells that begin with = + - @ (or
 * a tab or carriage return) prefixed with a single quote so a spreadsheet
 * never runs them as formulas. XLSX (libxlsxwriter): bold header row,
 * column widths, dates as real Excel dates (yyyy-mm-dd), the header row
 * frozen; cells are written as strings, which a spreadsheet never
 * evaluates, so they are not prefixed.
 *
 * Exports need the supervisor or the archive role.
 */
#ifndef RK_EXPORT_H
#define RK_EXPORT_H

#include <stdint.h>

#include "domain/clerk.h"
#include "domain/ledger.h"
#include "domain/order.h"
#include "util/buf.h"

typedef struct rk_export_filter {
    const char *project; /* NULL or "": every project */
    int64_t from, to;    /* issued_at in [from, to); 0 = open end */
} rk_export_filter;

typedef struct rk_register_row {
    char ssn[40];
    char unit[RK_ORDER_VALUE_MAX];
    char org_code[16]; /* "" when the order has no credit code */
    char contact[RK_ORDER_VALUE_MAX];
    char phone[32];
    int64_t produced_at; /* issued_at */
    int64_t expires_at;  /* latest certificate not_after */
    char ref[RK_ORDER_REF_MAX];
    char business[16];
    char project[64];
    char region[64];
} rk_register_row;

typedef struct rk_oplog_row {
    int64_t at; /* issued_at */
    char region[64];
    char project[64];
    char business[16];
    char unit[RK_ORDER_VALUE_MAX];
    char id_number[40]; /* masked unless revealed */
    char producer[RK_CLERK_NAME_MAX * 4 + 1];
    char reviewer[RK_CLERK_NAME_MAX * 4 + 1];
    char ref[RK_ORDER_REF_MAX];
} rk_oplog_row;

/* The register's rows, oldest production first, into a new array (free()
 * it, after rk_export_wipe when it held personal data). */
int rk_export_register_rows(rk_ledger *l, const rk_export_filter *f, rk_register_row **out, int *n);

/* The operation log's rows, oldest first; ID numbers masked unless reveal. */
int rk_export_oplog_rows(rk_ledger *l, const rk_export_filter *f, int reveal, rk_oplog_row **out,
                         int *n);

/* Wipes and frees an array of n rows of size bytes each; NULL does nothing. */
void rk_export_wipe(void *rows, int n, size_t size);

/* The organisation code inside a unified social credit code (characters
 * 9-17) into out (at least 10 bytes); "" if code is not 18 characters. */
void rk_export_org_code(char *out, size_t n, const char *uscc);

/* Appends one CSV cell (no separator) to b: the formula guard, then RFC
 * 4180 quoting when the cell holds a comma, quote, CR or LF. */
int rk_export_csv_cell(rk_buf *b, const char *cell);

enum { RK_EXPORT_CSV = 1, RK_EXPORT_XLSX = 2 };
enum { RK_EXPORT_REGISTER = 1, RK_EXPORT_OPLOG = 2 };

/* Parses "csv"/"xlsx" and "register"/"oplog"; RK_EINVAL otherwise. */
int rk_export_format_parse(int *out, const char *text);
int rk_export_kind_parse(int *out, const char *text);

/* Exports kind (RK_EXPORT_REGISTER or RK_EXPORT_OPLOG) in format to path,
 * audited as described above. reveal (operation log) shows ID numbers in
 * clear. *rows (may be NULL) receives the number of data rows. RK_EPERM
 * without the supervisor or archive role, RK_EIO if the file cannot be
 * written. */
int rk_export_write(rk_ledger *l, const rk_actor *by, int kind, int format, const char *path,
                    const rk_export_filter *f, int reveal, int *rows);

/* The daily close (dayclose.h) as a workbook at path (export_day.c):
 * closed_by "" for a preview; sync_note "" when the outbox is empty. */
struct rk_dayclose;
int rk_export_day_xlsx(const char *path, const struct rk_dayclose *d, const char *branch_name,
                       const char *closed_by, const char *sync_note);

#endif
