/*
 * The counter's order ledger as services of the branch: capture, fields
 * and documents, submission, review, payment, completion, delivery,
 * re-dispatch and cancellation of an order; showing, listing and finding
 * orders and certificates; renewal reminders; the overdue list and the
 * clock job (tick).
 *
 * Each change is one call that validates, runs, audits and records in the
 * outbox in one transaction (domain/order.h does the work; a refusal
 * changes nothing and says why) and fills a result for the caller to show.
 * Where a change ends or holds certificates, the branch sub-CA takes it up
 * at once (rk_branch_follow_ca) and the result says how.
 *
 * Who may: every change acts as by, the clerk logged in (session.h:
 * rk_branch_actor), whose roles and duties the ledger checks. Everything
 * that shows personal data (an order's fields and subject, lists, finding,
 * status answers, renewals, the overdue list) needs a clerk's session: by
 * must be the clerk of the branch's session as it stands at the call
 * (open, the clerk active and not locked); by NULL, the system actor or
 * any other actor get RK_EPERM saying how to log in. Two exceptions are made for the
 * kiosk's self-service and the clock: a status query with .public_view
 * answers anyone with the subject names masked, and the tick runs as the
 * system actor and is audited as such. Revealing personal data in clear
 * (an order shown with .reveal) is audited (order.revealed) before it is
 * shown.
 *
 * The strings handed in are the caller's; a result owns nothing that
 * needs freeing except a view (rk_branch_order_view_free). An authorisation
 * code in a result is shown once and wiped (rk_branch_order_result_wipe).
 */
#ifndef RK_BRANCH_LEDGER_H
#define RK_BRANCH_LEDGER_H

#include "branch/branch.h"
#include "domain/authcode.h"
#include "domain/certreg.h"
#include "domain/certstatus.h"
#include "domain/clerk.h"
#include "domain/order.h"
#include "util/buf.h"

#include <stddef.h>
#include <stdint.h>

/* The words options may take, NULL-terminated (for a program's option
 * table and its help; the ledger refuses anything else with RK_EINVAL). */
extern const char *const rk_branch_order_states[];      /* draft submitted ... cancelled */
extern const char *const rk_branch_order_businesses[];  /* new renew ... recovery */
extern const char *const rk_branch_order_subscribers[]; /* individual organisation server */
extern const char
    *const rk_branch_order_cert_kinds[];          /* individual organisation orgperson server */
extern const char *const rk_branch_pay_methods[]; /* cash wechat alipay card transfer */
extern const char *const rk_branch_delivery_methods[]; /* pickup mail */

/* What a change left behind. */
typedef struct rk_branch_order_result {
    char ref[RK_ORDER_REF_MAX];
    char uuid[37];
    char state[16]; /* after the change */
    int64_t fee_total, paid_fen, refund_fen, due_at;
    /* approve and authcode: the authorisation code when one was made ("" if
     * none), to be shown once; rk_branch_order_result_wipe clears it. */
    char authcode[RK_AUTHCODE_MAX];
    /* The sub-CA following a status change: register rows changed, the
     * CRL number signed (0: none), and 1 in ca_pending with the reason in
     * ca_message when it could not follow yet (the change stands; the next
     * tick or CRL retries). */
    int ca_changes;
    uint64_t crl_number;
    int ca_pending;
    char ca_message[256];
} rk_branch_order_result;

/* Wipes a result (its authorisation code above all). NULL does nothing. */
void rk_branch_order_result_wipe(rk_branch_order_result *r);

/* A new order from the form's fields and the subscriber (capture at the
 * counter, or the kiosk's self-service as the system actor: drafts only).
 * The reference is shown only for an order that exists: a failed capture
 * leaves out->ref empty. */
typedef struct rk_branch_capture_req {
    const char *business;   /* rk_branch_order_businesses */
    const char *subscriber; /* rk_branch_order_subscribers */
    const char *cert_kind;  /* NULL: the subscriber kind's first */
    int needs_authority;
    const char *const *names; /* n form fields ... */
    const char *const *values;
    int n;
    const char *const *paper_docs; /* documents seen on paper at capture */
    int n_paper;
    const char *warning_reason; /* accepts a validator's warning, audited */
    int submit;                 /* 1: submitted in the same transaction */
} rk_branch_capture_req;

int rk_branch_order_capture(rk_branch *b, const rk_actor *by, const rk_branch_capture_req *req,
                            rk_branch_order_result *out);

/* Sets n fields of a draft or rejected order in one transaction (all or
 * none); "" clears an optional field. */
typedef struct rk_branch_fields_req {
    const char *ref;
    const char *const *names;
    const char *const *values;
    int n;
    const char *warning_reason;
} rk_branch_fields_req;

int rk_branch_order_set_fields(rk_branch *b, const rk_actor *by, const rk_branch_fields_req *req,
                               rk_branch_order_result *out);

/* Attaches a scanned document: the image in data/len, or else the file
 * path (read up to [documents] max_image_bytes, refused beyond it without
 * reading). Checked by content, decoded, sealed, stored by its SHA-256. */
typedef struct rk_branch_attach_req {
    const char *ref;
    const char *doc_type;
    const unsigned char *data;
    size_t len;
    const char *path; /* when data is NULL */
} rk_branch_attach_req;

int rk_branch_order_attach(rk_branch *b, const rk_actor *by, const rk_branch_attach_req *req,
                           rk_branch_order_result *out);

/* The documents order ref (reference or UUID) holds: each image's type,
 * format, size and SHA-256, or the note of a paper original; never the
 * image itself. A new array (free()) of *n; needs a clerk's session. */
int rk_branch_order_documents(rk_branch *b, const rk_actor *by, const char *ref, rk_order_doc **out,
                              int *n);

/* The image of order ref's document doc_type, for a clerk to look at (the
 * desk's review): its plaintext APPENDED to out (whose maximum bounds what
 * is read; [documents] max_image_bytes is a good one), read from the
 * document store and verified there, with its format ("jpeg", "png",
 * "gif", "bmp") in format[8]. Needs a clerk's session; each look is
 * audited (order.document_viewed) before the image is handed out.
 * RK_ENOTFOUND when the order holds no image of doc_type (missing, or
 * seen on paper only); RK_EVERIFY when the stored file was altered. The
 * caller wipes out (personal data). */
int rk_branch_order_document_image(rk_branch *b, const rk_actor *by, const char *ref,
                                   const char *doc_type, rk_buf *out, char format[8]);

/* Records that the clerk saw the paper original of doc_type (note may be
 * NULL). */
int rk_branch_order_paper(rk_branch *b, const rk_actor *by, const char *ref, const char *doc_type,
                          const char *note, rk_branch_order_result *out);

/* Submits a complete order for review: prices it and sets its deadline. */
int rk_branch_order_submit(rk_branch *b, const rk_actor *by, const char *ref,
                           rk_branch_order_result *out);

/* Approves (review role, not the clerk who entered it); authority_ref
 * records the competent authority's approval on the second step.
 * out->authcode gets the order's authorisation code when one is made. */
int rk_branch_order_approve(rk_branch *b, const rk_actor *by, const char *ref,
                            const char *authority_ref, rk_branch_order_result *out);

/* A new authorisation code for an approved order whose code is unused
 * (review role); the old one stops working. */
int rk_branch_order_authcode(rk_branch *b, const rk_actor *by, const char *ref,
                             rk_branch_order_result *out);

/* Rejects with the reason the subscriber sees (kept in the order's
 * history of rejections). */
int rk_branch_order_reject(rk_branch *b, const rk_actor *by, const char *ref, const char *reason,
                           rk_branch_order_result *out);

/* Records payment: method (rk_branch_pay_methods) and the amount, which
 * must equal the order's total. */
typedef struct rk_branch_payment_req {
    const char *ref;
    const char *method;
    int64_t fen;
} rk_branch_payment_req;

int rk_branch_order_pay(rk_branch *b, const rk_actor *by, const rk_branch_payment_req *req,
                        rk_branch_order_result *out);

/* Cancels an open order with reason. A paid order needs a supervisor and
 * refund_method (rk_branch_pay_methods): the whole amount paid is recorded
 * as refunded in the same transaction; without it the cancel is refused. */
typedef struct rk_branch_cancel_req {
    const char *ref;
    const char *reason;
    const char *refund_method; /* NULL: the order must be unpaid */
} rk_branch_cancel_req;

int rk_branch_order_cancel(rk_branch *b, const rk_actor *by, const rk_branch_cancel_req *req,
                           rk_branch_order_result *out);

/* Completes an approved and paid (or fee-free) order (issue role). A
 * business that produces a certificate records it from cert_path (PEM or
 * DER; key_serial names the key it is on); `key enrol` (enrolment.h) does
 * this itself. A business that ends or holds certificates is followed by
 * the sub-CA at once. */
typedef struct rk_branch_issue_req {
    const char *ref;
    const char *cert_path;  /* NULL: none */
    const char *key_serial; /* NULL: as in the certificate's record */
} rk_branch_issue_req;

int rk_branch_order_issue(rk_branch *b, const rk_actor *by, const rk_branch_issue_req *req,
                          rk_branch_order_result *out);

/* Hands over (pickup) or ships (mail, with tracking) and writes the
 * task-completion record (issue role). */
int rk_branch_order_deliver(rk_branch *b, const rk_actor *by, const char *ref, const char *method,
                            const char *tracking, rk_branch_order_result *out);

/* Re-dispatch: how an undelivered order reaches the subscriber (pickup,
 * or mail to address). */
int rk_branch_order_redispatch(rk_branch *b, const rk_actor *by, const char *ref,
                               const char *delivery, const char *address,
                               rk_branch_order_result *out);

/* ---- reading ------------------------------------------------------------ */

#define RK_BRANCH_VIEW_REJECTIONS 16
#define RK_BRANCH_VIEW_CERTS      8

/* One field of an order's form as it may be shown: masked when personal
 * unless the view was revealed. */
typedef struct rk_branch_view_field {
    const rk_field_def *def; /* into the ledger's forms */
    int required;
    int set; /* 0: no value */
    char shown[RK_ORDER_VALUE_MAX];
} rk_branch_view_field;

/* One document the form asks for, and what the order has of it. */
typedef struct rk_branch_view_doc {
    const rk_doc_def *def;
    const rk_order_doc *doc; /* into docs; NULL: missing */
} rk_branch_view_doc;

/* Everything `order show` shows. order's personal fields are in clear
 * only when revealed: read fields[] (masked as it should be shown). */
typedef struct rk_branch_order_view {
    rk_order order;
    int revealed;
    rk_branch_view_field fields[RK_FORM_MAX_FIELDS];
    int n_fields;
    rk_branch_view_doc docs[RK_FORM_MAX_DOCS];
    int n_docs;
    rk_order_doc *doc_rows; /* owned */
    int n_doc_rows;
    char missing[2048]; /* what the order still lacks ("" if nothing) */
    rk_order_rejection rejections[RK_BRANCH_VIEW_REJECTIONS];
    int n_rejections;
    rk_certreg_cert certs[RK_BRANCH_VIEW_CERTS]; /* the certificates it produced */
    int n_certs;
} rk_branch_order_view;

/* The order ref (reference or UUID) as by may see it (a clerk); with
 * reveal, personal data in clear, audited first. *out is new (free it with
 * rk_branch_order_view_free, which wipes it). */
int rk_branch_order_show(rk_branch *b, const rk_actor *by, const char *ref, int reveal,
                         rk_branch_order_view **out);
void rk_branch_order_view_free(rk_branch_order_view *v);

/* Orders for a clerk: a state's queue (oldest submission first) or the
 * newest, optionally of one business; limit 0: 100. A new array (free())
 * of *n. States and businesses outside the lists are RK_EINVAL. */
typedef struct rk_branch_list_req {
    const char *state;
    const char *business;
    int limit;
} rk_branch_list_req;

int rk_branch_order_list(rk_branch *b, const rk_actor *by, const rk_branch_list_req *req,
                         rk_order_row **out, int *n);

/* The orders that answer to query, newest first (limit 0: 100): an
 * order's reference or UUID, the subject's exact name, the subscriber's ID
 * number (the blind index) or the serial of a certificate the order acts
 * on or produced (domain/order.h: rk_order_find). */
int rk_branch_order_find(rk_branch *b, const rk_actor *by, const char *query, int limit,
                         rk_order_row **out, int *n);

/* Open orders past their deadline, the most overdue first (limit 0:
 * 1000). */
int rk_branch_overdue(rk_branch *b, const rk_actor *by, int limit, rk_order_row **out, int *n);

/* The certificate status query (证书状态查询): by certificate serial,
 * exact subject name, or else the ID number of the subscriber (looked up
 * by the ledger's blind index, never stored in clear) or an order's
 * reference. With public_view anyone
 * may ask (the kiosk's self-service, a relying party) and the subject
 * names come masked; else by must be a clerk. Up to max hits, *n of them
 * (0: nothing known). */
typedef struct rk_branch_status_req {
    const char *query;
    int public_view;
} rk_branch_status_req;

int rk_branch_status_query(rk_branch *b, const rk_actor *by, const rk_branch_status_req *req,
                           rk_status_hit *hits, int max, int *n);

/* Certificates in use expiring within days (1..3660), soonest first: a new
 * array (free()) of *n. */
int rk_branch_renewals(rk_branch *b, const rk_actor *by, int days, rk_renewal **out, int *n);

/* ---- the clock ----------------------------------------------------------- */

typedef struct rk_branch_tick_result {
    int resumed;     /* holds that reached six months, resumed */
    int revocations; /* holds that outlived their certificate: revocation orders started */
    int ca_changes;  /* the sub-CA's register following */
    uint64_t crl_number;
    int ca_pending; /* 1: the sub-CA could not follow yet (ca_message says why) */
    char ca_message[256];
} rk_branch_tick_result;

/* Runs the ledger's timers now as the system actor (whoever is logged
 * in): suspensions at six months resumed, holds past their certificate
 * turned into revocation orders, the sub-CA brought in line. A run that
 * changed anything is audited (tick.run, actor system) with its counts. */
int rk_branch_tick(rk_branch *b, rk_branch_tick_result *out);

#endif
