/*
 * HQ's storage: everything rahq keeps about its branches, behind one
 * interface so the embedded SQLite backend (store_sqlite.c, the default)
 * can be replaced by PostgreSQL for a fleet (issue 16) without touching the
 * server.
 *
 * The contract every backend keeps:
 * - Each call is one transaction: it commits durably before it returns 0,
 *   or changes nothing. rahq answers a branch only after that.
 * - Calls may come from many threads at once (rahq's thread pool); the
 *   backend brings its own connections. Nothing is kept in rahq's memory
 *   that a second rahq process in front of the same database would need:
 *   several rahq processes may serve one store.
 * - Pushes are idempotent by (branch, seq) and, for orders, by order UUID
 *   (the state of an order is that of its event with the highest seq);
 *   the per-branch high-water mark only moves forward inside the push.
 * - Cursors of the change feed are one sequence for the whole store, so a
 *   branch's feed (its own changes and broadcasts) is ordered by them.
 * - Refusals are reported in the result struct (token and message for the
 *   protocol's error body), not as errors: an error return means the store
 *   failed (RK_EDB, RK_EBUSY: try again).
 */
#ifndef RK_HQ_STORE_H
#define RK_HQ_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "branch/sync_proto.h"
#include "domain/statement.h"

typedef struct rk_hq_branch {
    char id[RK_SYNC_PROTO_BRANCH_MAX];
    char name[128];
    int active;
    char enrol_ref[64];
    int enrol_used;
    char cert_serial[41]; /* the device certificate in force (lower-case hex), "" none */
    int64_t created_at, last_seen;
    int64_t hwm;       /* events: highest seq held with all lower ones */
    int64_t audit_seq; /* anchored audit head */
    char audit_hash[65];
    int64_t pulled;                  /* the cursor the branch last asked after */
    int64_t backlog;                 /* changes for it after that */
    int64_t archives, archives_open; /* uploads, of which incomplete */
} rk_hq_branch;

/* A branch's day as the fleet page draws it: the backlog it reported (the
 * largest of the day and the newest, -1 when it said none) and the
 * requests HQ refused or failed for it. */
typedef struct rk_hq_branch_day {
    int64_t day; /* local midnight */
    int64_t pending_max, pending_last;
    int64_t refusals;
} rk_hq_branch_day;

/* A refusal of a push, for the protocol's error body. */
typedef struct rk_hq_refusal {
    int status;     /* HTTP status; 0: accepted */
    char token[32]; /* sequence_gap, wrong_branch ... */
    char message[256];
    const char *extra_key; /* "expected", "anchored_seq" or NULL */
    int64_t extra;
} rk_hq_refusal;

typedef struct rk_hq_order {
    char uuid[37];
    char branch[RK_SYNC_PROTO_BRANCH_MAX];
    char ref[32];
    char business[16];
    char state[16];
    int64_t first_at, last_seq, last_at;
} rk_hq_order;

typedef struct rk_hq_upload {
    char id[33];
    char branch[RK_SYNC_PROTO_BRANCH_MAX];
    int64_t length;
    char sha256[65]; /* the branch's claim (metadata) */
    char kind[32], order[37], filename[128];
    int64_t created_at, completed_at;
    char stored_sha256[65]; /* computed by HQ at completion, "" before */
    int matches;
} rk_hq_upload;

typedef struct rk_hq_revoked {
    char serial[41]; /* lower-case hex, no leading zeros */
    int reason;
    int64_t revoked_at;
} rk_hq_revoked;

/* The newest event HQ holds of one entity (entity_latest). */
typedef struct rk_hq_entity {
    char branch[RK_SYNC_PROTO_BRANCH_MAX];
    char entity_id[64];
    char kind[48];
    int64_t seq, at;
    char *payload; /* owned: rk_hq_entities_free */
} rk_hq_entity;

typedef struct rk_hq_blob {
    int64_t version; /* CRL number or configuration version */
    int64_t at;      /* thisUpdate / issued_at */
    char sha256[65];
    unsigned char *der; /* owned (free()) */
    size_t len;
} rk_hq_blob;

enum { RK_HQ_BLOB_CRL = 1, RK_HQ_BLOB_CONFIG = 2 };

/* A payment statement's line as HQ keeps it (statement_lines). */
typedef struct rk_hq_stmt_line {
    int provider; /* RK_STMT_WECHAT / RK_STMT_ALIPAY */
    rk_stmt_line l;
    char statement[65]; /* the SHA-256 of the file it came from */
} rk_hq_stmt_line;

/* An imported statement file (statement_add, statement_list). */
typedef struct rk_hq_statement {
    char sha256[65];
    int provider;
    char filename[128];
    int lines, fresh; /* its lines, of which were new to HQ when imported */
    int64_t first_at, last_at, imported_at;
} rk_hq_statement;

typedef struct rk_hq_store rk_hq_store;

typedef struct rk_hq_store_ops {
    const char *name;
    void (*close)(rk_hq_store *s);

    /* Branches. branch_add: RK_EEXIST if the id is taken; the enrolment
     * secret is kept until branch_enrolled. */
    int (*branch_add)(rk_hq_store *s, const char *id, const char *name, const char *enrol_ref,
                      const char *secret);
    /* A new one-time enrolment reference and secret for a registered branch
     * (a new device, or a renewal); RK_ENOTFOUND. */
    int (*branch_reenrol)(rk_hq_store *s, const char *id, const char *enrol_ref,
                          const char *secret);
    int (*branch_get)(rk_hq_store *s, const char *id, rk_hq_branch *out);
    int (*branch_list)(rk_hq_store *s, rk_hq_branch **out, int *n);
    /* *active: 1 for an active branch, 0 for a retired or unknown one. */
    int (*branch_active)(rk_hq_store *s, const char *id, int *active);
    /* Both checks of a request's certificate at once (one round trip):
     * *active as branch_active, *revoked as is_revoked of serial. Optional:
     * rk_hq_store_admit asks the two when a backend has none. */
    int (*branch_admit)(rk_hq_store *s, const char *id, const char *serial, int *active,
                        int *revoked);
    /* The branch whose unused enrolment reference is ref, and its secret
     * (into secret[n]). RK_ENOTFOUND if none or used. */
    int (*enrol_lookup)(rk_hq_store *s, const char *ref, char *branch, char *secret, size_t n);
    /* Records the device certificate issued for the enrolment (its serial
     * and PEM, which HQ wraps recovered keys to) and uses the reference up
     * (the secret is erased). */
    int (*branch_enrolled)(rk_hq_store *s, const char *id, const char *cert_serial,
                           const char *cert_pem);
    /* The PEM of the branch's device certificate in force into *pem (new,
     * free()); RK_ENOTFOUND if HQ holds none (not enrolled, or enrolled
     * before HQ kept the certificate: enrol again). */
    int (*branch_device_cert)(rk_hq_store *s, const char *id, char **pem);
    int (*branch_seen)(rk_hq_store *s, const char *id, int64_t at);
    /* The fleet page's days: branch_report records the backlog the branch
     * reported on day (its newest, and the day's largest); branch_refusal
     * counts one refused or failed request of the day; branch_days lists
     * the days from `from` on, oldest first (*out new, free()). */
    int (*branch_report)(rk_hq_store *s, const char *id, int64_t day, int64_t pending);
    int (*branch_refusal)(rk_hq_store *s, const char *id, int64_t day);
    int (*branch_days)(rk_hq_store *s, const char *id, int64_t from, rk_hq_branch_day **out,
                       int *n);

    /* The push of a batch (docs/SYNC-PROTOCOL.md section 4), as one
     * transaction; *ack holds the high-water mark after it. Broadcasts the
     * revocations it carries to the other branches' feeds. */
    int (*events_push)(rk_hq_store *s, const char *branch, const rk_sync_proto_events *ev,
                       rk_sync_proto_ack *ack, rk_hq_refusal *refusal);
    int (*event_count)(rk_hq_store *s, const char *branch, int64_t *events, int64_t *dup_seqs);

    /* The newest event of every entity of one kind ("incident") across the
     * branches, by branch and then time; *out is new (rk_hq_entities_free). */
    int (*entity_latest)(rk_hq_store *s, const char *entity, rk_hq_entity **out, int *n);
    /* The newest event of entity (entity, entity_id) of every branch that
     * pushed one, by branch; *out is new (rk_hq_entities_free). */
    int (*entity_find)(rk_hq_store *s, const char *entity, const char *entity_id,
                       rk_hq_entity **out, int *n);

    /* Orders as the branches' events left them. */
    int (*order_get)(rk_hq_store *s, const char *branch, const char *ref_or_uuid, rk_hq_order *out);
    int (*order_count)(rk_hq_store *s, const char *branch, int64_t *n);
    /* Every order of a branch, by uuid; *out is new (free()). */
    int (*order_list)(rk_hq_store *s, const char *branch, rk_hq_order **out, int *n);

    /* The change feed. branch NULL: a broadcast to every branch but
     * except (may be NULL). */
    int (*change_add)(rk_hq_store *s, const char *branch, const char *except, const char *kind,
                      const char *payload, int64_t *cursor);
    /* Up to limit changes for branch after cursor `after` (records `after`
     * as its pulled position). */
    int (*changes)(rk_hq_store *s, const char *branch, int64_t after, int limit,
                   rk_sync_proto_changes *out);

    /* The audit push (section 6). */
    int (*audit_push)(rk_hq_store *s, const char *branch, const rk_sync_proto_audits *a,
                      rk_sync_proto_ack *ack, rk_hq_refusal *refusal);

    /* Digests (section 8): days with orders in [from, to); orders of one day
     * (sorted by uuid, *out is new: free()). */
    int (*digest_days)(rk_hq_store *s, const char *branch, int64_t from, int64_t to,
                       rk_sync_proto_day **out, int *n);
    int (*digest_orders)(rk_hq_store *s, const char *branch, int64_t day_start,
                         rk_sync_proto_digest_order **out, int *n);

    /* Uploads (the tus endpoint's registry; the bytes are in the archive
     * store). upload_find: the branch's upload claiming sha256, RK_ENOTFOUND.
     * upload_add registers u unless, at that moment, the branch already has
     * a live upload of the same content (u's sha256 and length, unfinished
     * or finished and matching): then that one is copied to *held and the
     * answer is RK_EEXIST. The check and the insert are one atomic step, so
     * two creations of the same file racing in (a branch retrying a POST
     * whose first attempt HQ is still serving) make one upload. */
    int (*upload_add)(rk_hq_store *s, const rk_hq_upload *u, rk_hq_upload *held);
    int (*upload_get)(rk_hq_store *s, const char *id, rk_hq_upload *out);
    int (*upload_find)(rk_hq_store *s, const char *branch, const char *sha256, rk_hq_upload *out);
    int (*upload_complete)(rk_hq_store *s, const char *id, const char *stored_sha256, int64_t at);
    int (*upload_remove)(rk_hq_store *s, const char *id);
    /* Every upload of a branch, oldest first; *out is new (free()). */
    int (*upload_list)(rk_hq_store *s, const char *branch, rk_hq_upload **out, int *n);

    /* Revocations of HQ's CA's certificates (revoke, revoked, is_revoked);
     * those branches report (events_push) are kept apart and only
     * broadcast, since their serials belong to the branches' sub-CAs. */
    int (*revoke)(rk_hq_store *s, const char *serial, int reason, int64_t at, int *fresh);
    int (*revoked)(rk_hq_store *s, rk_hq_revoked **out, int *n);
    int (*is_revoked)(rk_hq_store *s, const char *serial, int *yes);

    /* Published blobs: CRLs and configuration bundles, newest wins.
     * blob_put refuses a version not above the newest (RK_ESTATE). */
    int (*blob_put)(rk_hq_store *s, int type, const rk_hq_blob *b);
    int (*blob_latest)(rk_hq_store *s, int type, rk_hq_blob *out);
    /* The next number for a type (CRL numbers, config versions). */
    int (*blob_next)(rk_hq_store *s, int type, int64_t *out);

    /* Payment reconciliation (hq/recon.c). statement_add keeps a parsed
     * statement file and its lines in one transaction, idempotently: a
     * file imported before (same SHA-256) changes nothing (*known 1), and
     * a line HQ holds already (same provider, kind, transaction and refund
     * number, from any file) is not added again; one that HQ holds with
     * another amount, order number or time refuses the whole file
     * (RK_ESTATE naming both). f->lines and f->fresh are set. */
    int (*statement_add)(rk_hq_store *s, rk_hq_statement *f, const rk_stmt *st, int *known);
    /* Statement lines with at in [from, to), by time; statements whose
     * lines reach into [from, to) (or, with from == to == 0, all); *out
     * is new (free()). */
    int (*statement_lines)(rk_hq_store *s, int64_t from, int64_t to, rk_hq_stmt_line **out, int *n);
    int (*statement_list)(rk_hq_store *s, int64_t from, int64_t to, rk_hq_statement **out, int *n);
    /* Orders that have an event of kind in [from, to) (branch "" or NULL:
     * every branch), each as its newest event (kind, seq, payload) with at
     * the time of that kind's event; by branch and time. */
    int (*order_events)(rk_hq_store *s, const char *kind, const char *branch, int64_t from,
                        int64_t to, rk_hq_entity **out, int *n);
    /* The newest event of each order with reference ref (of branch, or of
     * every branch when branch is "" or NULL), by branch. */
    int (*order_by_ref)(rk_hq_store *s, const char *branch, const char *ref, rk_hq_entity **out,
                        int *n);
} rk_hq_store_ops;

struct rk_hq_store {
    const rk_hq_store_ops *ops;
};

/* Opens the store at where: a postgresql:// (or postgres://) connection
 * URL opens the PostgreSQL store, anything else is the path of a SQLite
 * file. Either is created or migrated to this program's schema. */
int rk_hq_store_open(rk_hq_store **out, const char *where);
/* 1 if where is a PostgreSQL connection URL. */
int rk_hq_store_is_url(const char *where);

/* Opens the SQLite store at path (created and migrated if missing). */
int rk_hq_store_open_sqlite(rk_hq_store **out, const char *path);

/* Opens the PostgreSQL store at a libpq connection URL (store_pg.c): the
 * schema is created or migrated under an advisory lock, so several rahq
 * processes may start against one database at once. RK_EDB with libpq's
 * reason if the server cannot be reached. */
int rk_hq_store_open_pg(rk_hq_store **out, const char *url);

/* Closes any store; NULL does nothing. */
void rk_hq_store_close(rk_hq_store *s);

void rk_hq_blob_clear(rk_hq_blob *b);
void rk_hq_entities_free(rk_hq_entity *e, int n);

/* ---- for the backends (store.c) ---------------------------------------------------- */

void rk_hq_refuse(rk_hq_refusal *r, int status, const char *token, const char *extra_key,
                  int64_t extra, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* A certificate serial as revocations are kept: lower-case hex without
 * leading zeros ("0x" and ':' allowed in). RK_EINVAL if not hex. */
int rk_hq_serial_norm(char *out, size_t n, const char *in);

/* Whether branch id is active and certificate serial revoked by HQ: the
 * backend's branch_admit, else branch_active and is_revoked. */
int rk_hq_store_admit(rk_hq_store *s, const char *id, const char *serial, int *active,
                      int *revoked);

#endif
