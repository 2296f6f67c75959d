/*
 * A4 documents as PDF, drawn with cairo + pango in WenQuanYi Micro Hei (Noto
 * Sans CJK SC loses the glyph 如 when cairo subsets it into a PDF): the
 * application form pre-filled for signature and seal, the task-completion
 * record (任务完成记录单), archive box labels and the weekly consultation
 * report. Inputs are plain structs filled by the caller (the order ledger);
 * the text stays extractable (pdftotext) for checks and search. Printing is
 * rk_lp_submit(queue, ..., {"PageSize=A4"}, path) (lp.h).
 *
 * Each function writes the whole file or fails with RK_EIO (cannot write)
 * or RK_EINVAL (a required field is empty); a partial file is removed.
 */
#ifndef RK_A4_H
#define RK_A4_H

#define RK_A4_MAX_LABELS 64
#define RK_A4_MAX_ROWS   32

typedef struct rk_a4_person {
    char name[64];
    char id_number[40];
    char mobile[24];
} rk_a4_person;

/* One labelled value of a form composed from forms.ini. */
typedef struct rk_a4_pair {
    char label[96]; /* the field's Chinese label from forms.ini */
    char value[256];
} rk_a4_pair;

/* The application form (DOMAIN.md: data captured on the application form).
 * Filled from an order (print/orderprint.h), n_fields > 0: the form's own
 * fields are printed in their forms.ini order with their labels, for any
 * subscriber kind and business type, and the fixed fields below except
 * branch_name, order_ref, operation, category and date are ignored. */
typedef struct rk_a4_form {
    char branch_name[128];
    char order_ref[40];
    char enterprise[128];        /* 单位名称 */
    char credit_code[24];        /* 统一社会信用代码, 18 characters */
    rk_a4_person legal;          /* 法定代表人 */
    rk_a4_person agent;          /* 经办人 */
    char email[128];             /* invoices are e-mailed */
    char invoice_type[64];       /* "增值税普通发票(电子)" or "增值税专用发票" */
    int self_pickup;             /* 1: collected at the counter; 0: mailed to address */
    char address[256];           /* mailing address */
    char project[64];            /* 项目 */
    char region[64];             /* 地区 */
    char category[64];           /* 证书类别 */
    char operation[64];          /* 业务类型: 新办, 续期, 变更, 解锁, 补办 */
    char social_security_no[40]; /* 社保登记号 (social-security projects) */
    char date[32];
    rk_a4_pair fields[RK_A4_MAX_ROWS]; /* the order's fields (see above) */
    int n_fields;
    char subscriber_kind[32]; /* "单位" / "个人" ..., heading of the fields section */
} rk_a4_form;

/* 任务完成记录单: one finished order. */
typedef struct rk_a4_record {
    char branch_name[128];
    char order_ref[40];
    char subject_label[32]; /* "" = 单位名称; an individual's: 申请人姓名 */
    char enterprise[128];   /* the unit's name, or the person's */
    char code_label[32];    /* "" = 统一社会信用代码; an individual's: 证件号码 */
    char credit_code[40];
    char social_security_no[40];
    char operation[64];
    char cert_serial[200]; /* the certificates the order produced (or acted on) */
    char key_serial[40];
    char received_at[32];
    char completed_at[32];
    char entry_clerk[64];
    char reviewer[64];
    char issuer[64];
    char result[128];
    char notes[256];
} rk_a4_record;

/* An archive box label: 100 files per box for new issuance, 150 for renewals. */
typedef struct rk_a4_label {
    char branch_name[128];
    char box_no[32];
    char ss_first[40]; /* social-security numbers, first and last in the box */
    char ss_last[40];
    int count;
    char business[64];
    char date[32];
} rk_a4_label;

typedef struct rk_a4_weekly_row {
    char category[64]; /* 咨询类别 */
    int count;
    int resolved;
    int follow_up;
    char notes[128];
    int subtotal;   /* a section's subtotal (bold): never added into the 合计 line */
    int count_only; /* resolved and follow-up do not apply: printed as "—" */
} rk_a4_weekly_row;

/* The weekly consultation summary (every Friday, for the manager). The 合计
 * line adds the rows that are no subtotal; no_total leaves it out, for a
 * report whose rows count different things (consultations, orders,
 * complaints, surveys) that no sum may mix. */
typedef struct rk_a4_weekly {
    char branch_name[128];
    char week[64]; /* "2024-05-13 至 2024-05-17" */
    rk_a4_weekly_row rows[RK_A4_MAX_ROWS];
    int n_rows;
    int no_total;
    char prepared_by[64];
    char date[32];
} rk_a4_weekly;

/* A table of the daily close: row 0 is the heading, the last row the
 * total (both bold); at most RK_A4_DAY_COLS cells a row. */
#define RK_A4_DAY_COLS 8
typedef struct rk_a4_day_table {
    char cells[RK_A4_MAX_ROWS + 2][RK_A4_DAY_COLS][48];
    int n_rows, n_cols;
} rk_a4_day_table;

/* 营业日结单: the day's orders by business type and its takings by payment
 * method, with the sync note (events not yet sent to HQ) and who closed it. */
typedef struct rk_a4_daily {
    char branch_name[128];
    char date[32];
    rk_a4_day_table orders, takings;
    char sync_note[256]; /* "" when everything reached HQ */
    char closed_by[64];  /* "" while the day is not closed: a preview */
    char closed_at[32];
} rk_a4_daily;

/* A report of titled tables that run over as many pages as they need (the
 * column heading repeated on each page): a table's cells are n_rows x
 * n_cols strings, row 0 the heading, row-major, the caller's. */
#define RK_A4_REPORT_COLS 8
typedef struct rk_a4_table {
    char heading[96];
    int n_cols, n_rows;
    double widths[RK_A4_REPORT_COLS]; /* relative */
    const char *const *cells;
} rk_a4_table;

typedef struct rk_a4_report {
    char title[96];
    char subtitle[256];
    const rk_a4_table *tables;
    int n_tables;
    char footer[512];
} rk_a4_report;

int rk_a4_form_pdf(const char *path, const rk_a4_form *f);
int rk_a4_daily_pdf(const char *path, const rk_a4_daily *d);
int rk_a4_report_pdf(const char *path, const rk_a4_report *r);
int rk_a4_record_pdf(const char *path, const rk_a4_record *r);
/* Four labels to a page; the large box number is set on one line (its size
 * shrinks to fit the label), and a value that needs two lines moves the
 * rows below it down. */
int rk_a4_labels_pdf(const char *path, const rk_a4_label *labels, int n);
int rk_a4_weekly_pdf(const char *path, const rk_a4_weekly *w);

/* Demonstration content (ractl --sample, tests, the demo). */
void rk_a4_form_sample(rk_a4_form *f);
void rk_a4_record_sample(rk_a4_record *r);
void rk_a4_weekly_sample(rk_a4_weekly *w);
/* Fills up to max labels; returns how many. */
int rk_a4_labels_sample(rk_a4_label *labels, int max);

#endif
