/*
 * Orders: every application at the counter and its way through the
 * branch, as a state machine that enforces the branch's rules.
 *
 *   draft -> submitted -> [authority] -> approved -> paid -> issued
 *         -> delivered -> archived;  rejected and cancelled on the side.
 *
 * - A draft holds form fields (checked as they are set, from forms.ini)
 *   and documents (images checked by content and stored by hash, or a
 *   clerk's note that the paper original was seen).
 * - Submission needs every required field and document; it prices the
 *   order (fees.ini) and sets its deadline in working days (calendar.ini).
 * - Review: a clerk with the review role who neither created nor submitted
 *   the order approves it or rejects it with a reason for the subscriber.
 *   Where the project needs the competent authority, a first approval
 *   moves it to "authority" and a second, with the authority's reference,
 *   approves it.
 * - Issuing needs an approved order that is paid or fee-free, and a clerk
 *   with the issue role; certificate business types record the certificate.
 * - Every transition is one transaction with its audit entry (who, role,
 *   before, after) and its outbox event; refusals change nothing and say
 *   why. Personal fields are sealed at rest and masked in the audit log;
 *   outbox events carry no personal data (the sync daemon reads the sealed
 *   row itself).
 */
#ifndef RK_ORDER_H
#define RK_ORDER_H

#include <stdint.h>

#include "domain/clerk.h"
#include "domain/ledger.h"

#define RK_ORDER_REF_MAX   16
#define RK_ORDER_VALUE_MAX 256

typedef struct rk_order_field {
    char name[32];
    char value[RK_ORDER_VALUE_MAX];
} rk_order_field;

typedef struct rk_order {
    int64_t id;
    char uuid[37];
    char ref[RK_ORDER_REF_MAX]; /* "YYMMDD-NNNN": receipts and the phone */
    char business[16];
    char subscriber[16];
    char cert_kind[16];
    char state[16];
    int needs_authority;
    char authority_ref[64];
    char subject_name[RK_ORDER_VALUE_MAX];
    char cert_serial[64]; /* the certificate the order acts on or produced */
    int64_t fee_total;    /* fen */
    int64_t paid_fen;
    char pay_method[16];
    char reject_reason[RK_ORDER_VALUE_MAX]; /* the current rejection; rk_order_rejections: all */
    char cancel_reason[RK_ORDER_VALUE_MAX];
    int64_t refund_fen; /* a cancelled paid order's refund: the amount paid */
    char refund_method[16];
    char refunded_by[33];
    int64_t refunded_at;
    char created_by[33], entered_by[33], reviewed_by[33], issued_by[33], delivered_by[33];
    int64_t created_at, submitted_at, decided_at, paid_at, issued_at, delivered_at, archived_at,
        closed_at, due_at;
    rk_order_field fields[RK_FORM_MAX_FIELDS];
    int n_fields;
} rk_order;

/* A new order: its kind, business type and certificate kind, and fields. */
typedef struct rk_order_spec {
    const char *business;
    const char *subscriber;
    const char *cert_kind;     /* NULL: the subscriber kind's first */
    int needs_authority;       /* the project needs the competent authority */
    const char *const *names;  /* n field names ... */
    const char *const *values; /* ... and their values */
    int n;
    const char *warning_reason;    /* accepts validator warnings, recorded */
    const char *const *paper_docs; /* documents seen on paper at capture */
    int n_paper;
    const char *paper_note; /* recorded with them; NULL: "seen at capture" */
    int submit;             /* 1: submit in the same transaction (kiosk, bulk capture) */
} rk_order_spec;

/* The certificate an issue step produced (certificate business types). */
typedef struct rk_cert_record {
    char serial[64]; /* hex, upper case */
    char subject_name[RK_ORDER_VALUE_MAX];
    char usage[8]; /* "sign" or "enc" */
    int64_t not_before, not_after;
    char key_serial[32];
    const unsigned char *der;
    int der_len;
} rk_cert_record;

/* One line of the order list. */
typedef struct rk_order_row {
    char ref[RK_ORDER_REF_MAX];
    char uuid[37];
    char business[16];
    char subscriber[16];
    char state[16];
    char subject_name[RK_ORDER_VALUE_MAX];
    int64_t fee_total;
    int64_t submitted_at;
    int64_t due_at;
    int64_t created_at;
} rk_order_row;

typedef struct rk_order_filter {
    const char *state;    /* NULL: any */
    const char *business; /* NULL: any */
    int overdue;          /* only open orders past their deadline */
    int64_t now;          /* for overdue; 0 = rk_clock_now() */
    int limit;            /* 0 = 100 */
    int64_t after_id;     /* paging: rows with a larger id */
} rk_order_filter;

/* The documents of an order (for show and checks). */
typedef struct rk_order_doc {
    char doc_type[32];
    char sha256[65]; /* "" when seen on paper */
    char format[8];
    int64_t bytes;
    int width, height;
    int seen_on_paper;
    char note[RK_ORDER_VALUE_MAX];
} rk_order_doc;

/* Creates an order (draft, or submitted with spec->submit). The actor is a
 * clerk with the entry role, or the system actor for the kiosk's
 * self-service (drafts only). out (may be NULL) receives the order. */
int rk_order_new(rk_ledger *l, const rk_actor *by, const rk_order_spec *spec, rk_order *out);

/* Creates n orders in one transaction: all or none (the sync daemon's
 * import of online orders, bulk capture). refs (may be NULL) receives their
 * references. On failure the message names the order that failed. */
int rk_order_new_batch(rk_ledger *l, const rk_actor *by, const rk_order_spec *specs, int n,
                       char (*refs)[RK_ORDER_REF_MAX]);

/* Sets one field of a draft or rejected order; "" clears an optional one.
 * A validator warning is refused unless warning_reason is given. */
int rk_order_set(rk_ledger *l, const rk_actor *by, const char *ref, const char *name,
                 const char *value, const char *warning_reason);

/* Sets n fields of a draft or rejected order in one transaction: all or
 * none, one audit entry and event naming every field (personal values
 * masked). RK_EINVAL naming the first field refused. */
int rk_order_set_fields(rk_ledger *l, const rk_actor *by, const char *ref, const char *const *names,
                        const char *const *values, int n, const char *warning_reason);

/* Attaches a document image (checked by content, size limit from conf,
 * decoded; stored by hash, sealed). */
int rk_order_attach(rk_ledger *l, const rk_actor *by, const char *ref, const char *doc_type,
                    const unsigned char *data, size_t len);

/* Records that a clerk saw the paper original of a document. */
int rk_order_paper(rk_ledger *l, const rk_actor *by, const char *ref, const char *doc_type,
                   const char *note);

/* Lists what an order still lacks before submission into out ("" if
 * nothing): required fields and documents, by label. */
int rk_order_missing(rk_ledger *l, const rk_order *o, char *out, size_t n);

int rk_order_submit(rk_ledger *l, const rk_actor *by, const char *ref);
int rk_order_approve(rk_ledger *l, const rk_actor *by, const char *ref, const char *authority_ref);

/* The same, and when the approval makes the order approved and its business
 * produces or revokes a certificate, its new authorisation code
 * (domain/authcode.h) into code[0..n) (n >= RK_AUTHCODE_MAX), to be shown to
 * the clerk once; "" otherwise. rk_order_approve makes the code too but
 * does not hand it back. */
int rk_order_approve_code(char *code, size_t n, rk_ledger *l, const rk_actor *by, const char *ref,
                          const char *authority_ref);
int rk_order_reject(rk_ledger *l, const rk_actor *by, const char *ref, const char *reason);
/* Records payment: the amount must equal the order's total; method is
 * cash, wechat, alipay, card or transfer. */
int rk_order_pay(rk_ledger *l, const rk_actor *by, const char *ref, const char *method,
                 int64_t fen);
/* Completes the business: certificate types record cert (required);
 * suspend and resume change the target certificate's status; unlock
 * needs nothing. A revocation, and a business whose new certificate
 * replaces the old, revokes every certificate that ends with the target
 * (certreg.h: rk_certreg_ending, both halves of a dual pair and older
 * generations on the same key) in the same transaction, each with its
 * audit entry and certificate.revoked event: a lost reissue
 * keyCompromise, a change of details and a damaged replacement
 * superseded, a renewal superseded only when [ledger] renewal_old_pair
 * is supersede (by default the renewed pair stays valid until it
 * expires), a revocation for its revoke_cause (closure:
 * cessationOfOperation ...), else its reason when that is an RFC 5280
 * name, else unspecified. */
int rk_order_issue(rk_ledger *l, const rk_actor *by, const char *ref, const rk_cert_record *cert);
/* The same, running also(l, arg) inside the issuing transaction (the
 * enrolment journal closes itself there, so an order is issued exactly
 * when its journal says so). */
int rk_order_issue_with(rk_ledger *l, const rk_actor *by, const char *ref,
                        const rk_cert_record *cert, int (*also)(rk_ledger *, void *), void *arg);

/* Inside the issuing transaction (rk_order_issue_with's also): records a
 * second certificate of order ref, the encryption half of dual
 * certificates (cert->usage "enc"). RK_ESTATE if the order already has one
 * of that usage. */
int rk_order_add_certificate(rk_ledger *l, const char *ref, const rk_cert_record *cert);

/* Checks, without changing anything, that by may issue order ref now and
 * that it produces a certificate; out receives the order. */
int rk_order_check_issuable(rk_ledger *l, const rk_actor *by, const char *ref, rk_order *out);

/* Hands over (pickup) or ships (mail, with a tracking number). Writes the
 * task-completion record. */
int rk_order_deliver(rk_ledger *l, const rk_actor *by, const char *ref, const char *method,
                     const char *tracking);
/* Re-dispatch: changes pick-up method and mailing address of an order not
 * yet delivered (free). */
int rk_order_redispatch(rk_ledger *l, const rk_actor *by, const char *ref, const char *delivery,
                        const char *address);
/* Cancels an open order (entry or supervisor role) with the reason. A
 * paid order only through rk_order_cancel_refund: RK_EPERM unless by is a
 * supervisor, else RK_ESTATE saying that its refund must be recorded. */
int rk_order_cancel(rk_ledger *l, const rk_actor *by, const char *ref, const char *reason);

/* Cancels a paid order and records its refund in the same transaction:
 * the whole amount paid goes back by method (cash, wechat, alipay, card,
 * transfer), handed back by the supervisor by (RK_EPERM otherwise); the
 * audit entry and the order.cancelled event carry the amount and method,
 * and the weekly takings count it (service.h). RK_ESTATE for an order
 * that is not paid (nothing to refund: rk_order_cancel). */
int rk_order_cancel_refund(rk_ledger *l, const rk_actor *by, const char *ref, const char *reason,
                           const char *method);

/* One rejection of an order: when, why (the reason the subscriber was
 * given), by whom. */
typedef struct rk_order_rejection {
    int64_t at;
    char reason[RK_ORDER_VALUE_MAX];
    char by[33];
} rk_order_rejection;

/* Every rejection of order_id, oldest first: up to max into out, their
 * number in *n (a resubmission clears the order's reject_reason, never
 * this history). */
int rk_order_rejections(rk_order_rejection *out, int max, int *n, rk_ledger *l, int64_t order_id);

/* Inside an open transaction: the system starts the revocation of a
 * certificate (a hold that outlived it), copying the subscriber's details
 * from the order that produced it; the order waits for a review clerk's
 * approval like any other. ref_out receives its reference. */
int rk_order_system_revoke(rk_ledger *l, const char *serial, const char *reason, char *ref_out,
                           size_t n);

/* Reads an order by reference or UUID, fields unsealed. RK_ENOTFOUND. */
int rk_order_get(rk_ledger *l, const char *ref, rk_order *out);

/* Lists orders into a new array (free() it), oldest submission first for a
 * state queue, else newest first. */
int rk_order_list(rk_ledger *l, const rk_order_filter *f, rk_order_row **out, int *n);

/* Orders that answer to q, newest first, at most max (0: 100) into a new
 * array (free() it): q is an order's reference or UUID, its subject's
 * exact name, the subscriber's ID number (found through the blind index,
 * never compared in clear), or the serial of a certificate the order acts
 * on or produced. */
int rk_order_find(rk_ledger *l, const char *q, int max, rk_order_row **out, int *n);

/* The documents of an order into a new array (free() it). */
int rk_order_docs(rk_ledger *l, int64_t order_id, rk_order_doc **out, int *n);

/* The value of a field of a loaded order, or NULL. */
const char *rk_order_value(const rk_order *o, const char *name);

/* Masks personal data for display and logs: ID numbers keep the first 6
 * and last 4 characters, mobiles the first 3 and last 4, other text its
 * first character. */
void rk_mask(char *out, size_t n, const char *check, const char *value);

/* 1 if issuing an order of this business type may change the status of
 * existing certificates: revoke, suspend, resume, the replacements that
 * revoke the old pair (reissue, change, replace), and renew (when
 * [ledger] renewal_old_pair is supersede). */
int rk_business_changes_status(const char *business);

/* Chinese and English names of business types and states. */
const char *rk_business_label(const char *business, int zh);

/* 1 if the business type produces a certificate (new, renew, change,
 * reissue, replace, recovery). */
int rk_business_produces_cert(const char *business);
const char *rk_state_label(const char *state, int zh);

#endif
