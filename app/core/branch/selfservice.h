/*
 * The kiosk's self-service: what a subscriber does at the kiosk without a
 * clerk, as branch services. The form of a business for a subscriber kind
 * (forms.ini), a field checked as it is typed, the fees to expect, the
 * order taken as a draft by the system actor with its documents, the
 * payment QR's payload from the configuration's template, and the receipt
 * printed through the spool.
 *
 * A self-service order stays a draft: an entry clerk checks the documents
 * against the form and submits it (domain/order.h refuses submission by
 * the system actor), so the receipt says "to pay" with the quoted fees and
 * the clerk takes it from there.
 */
#ifndef RK_BRANCH_SELFSERVICE_H
#define RK_BRANCH_SELFSERVICE_H

#include "util/progress.h"
#include "branch/branch.h"
#include "branch/ledger.h"
#include "domain/fees.h"
#include "domain/forms.h"
#include "domain/validate.h"
#include "scan/idcard.h"

#include <stddef.h>

#define RK_BRANCH_SS_MAX_DOCS RK_FORM_MAX_DOCS

/* The form of business for a subscriber kind (individual, organisation,
 * server) into out (pointers into the branch's ledger: valid until the
 * branch closes). RK_EINVAL for an unknown kind or business. */
int rk_branch_ss_form(rk_branch *b, const char *kind, const char *business, rk_form *out);

/* Checks value for field def as the ledger will: out->ok, its warning,
 * and the plain-language reason in out->message_zh / out->message. Returns
 * 0 also when the value is refused (out says why); RK_E* only when the
 * branch cannot be reached. */
int rk_branch_ss_check(rk_branch *b, const rk_field_def *def, const char *value, rk_valid *out);

/* The fees business will cost a kind of subscriber (a new USB key for the
 * business types that need one), as the ledger prices it at submission. */
int rk_branch_ss_quote(rk_branch *b, const char *kind, const char *business, rk_fee_quote *out);

/* A self-service application: the form's fields, and documents as image
 * files (a scan, a USB stick) or seen on paper by the clerk later. */
typedef struct rk_branch_ss_req {
    const char *business;
    const char *subscriber; /* individual, organisation, server */
    const char *const *names;
    const char *const *values;
    int n;
    const char *doc_types[RK_BRANCH_SS_MAX_DOCS];
    const char *doc_paths[RK_BRANCH_SS_MAX_DOCS];         /* image files, or NULL: ... */
    const unsigned char *doc_data[RK_BRANCH_SS_MAX_DOCS]; /* ... the image in memory (a scan) */
    size_t doc_lens[RK_BRANCH_SS_MAX_DOCS];
    int n_docs;
} rk_branch_ss_req;

/* Takes the application as a draft order (the system actor, audited as
 * self-service) and attaches its documents. out->ref is the order's
 * reference. A document the ledger refuses (too large, not an image) is
 * reported with RK_EINVAL naming it; the draft stands with the fields and
 * the documents before it (*attached of them), for the clerk. */
int rk_branch_ss_apply(rk_branch *b, const rk_branch_ss_req *req, rk_branch_order_result *out,
                       int *attached);

/* Waits for an ID card on the branch's reader (readers.h) and reads it
 * into out, at most timeout_ms (0: until stop returns 1); stop (may be
 * NULL) is asked about every half second and ends the wait with
 * RK_ECANCELED. RK_EDEVICE / RK_EIO when the reader cannot be opened,
 * RK_ETIMEOUT with no card. The caller wipes out (personal data). For
 * the job runner: it blocks on the reader. */
int rk_branch_ss_read_card(rk_branch *b, rk_idcard *out, int timeout_ms, int (*stop)(void *),
                           void *stop_arg);

/* The payment QR's payload for order ref and amount fen from [kiosk]
 * pay_qr ({branch}, {ref}, {fen}, {yuan} filled in) into out. RK_ETOOBIG
 * when it does not fit. */
int rk_branch_ss_pay_payload(rk_branch *b, const char *ref, int64_t fen, char *out, size_t n);

/* Prints the receipt of the self-service order ref: the branch, the
 * reference, the business, the subscriber with the ID number masked, the
 * quoted fee lines, "to pay" with pay_payload's QR (NULL: pay at the
 * counter), the tracking QR. Spooled (on disk) first, then sent;
 * *printed is 1 when the printer took it, 0 when it waits in the spool
 * (the message says why). Audited as print.receipt. For the job runner:
 * it waits on the printer up to [printer] timeout_ms. */
int rk_branch_ss_receipt(rk_branch *b, const char *ref, const rk_fee_quote *q,
                         const char *pay_payload, int *printed);

/* Scans one page of a document on the branch's scanner (readers.h:
 * device, resolution, mode) and fits it under [documents]
 * max_image_bytes (scan/docscan.h's size policy: PNG, else JPEG, else
 * half the resolution); *out is a new buffer of *len bytes (the caller
 * wipes and frees it: personal data), *format "png" or "jpeg" (8 bytes).
 * progress as rk_docscan_scan's (a non-zero answer cancels:
 * RK_ECANCELED). RK_ENOTFOUND no scanner, RK_EDEVICE jammed or no paper,
 * RK_ETOOBIG nothing fits, each with the message saying so. For the job
 * runner: it blocks on the scanner. */
int rk_branch_ss_scan(rk_branch *b, unsigned char **out, size_t *len, char *format,
                      rk_progress_fn progress, void *progress_arg);

/* Reads the document image file path (a USB stick's) into a new buffer
 * (*out, *len; the caller wipes and frees it) after the ledger's own
 * check (domain/image.h): RK_ETOOBIG when it is larger than [documents]
 * max_image_bytes (told from its size, without reading it), RK_EFORMAT
 * when it is not a JPEG, PNG, GIF or BMP image, RK_EIO when it cannot be
 * read; the message says which in plain words. */
int rk_branch_ss_load_document(rk_branch *b, const char *path, unsigned char **out, size_t *len);

/* Records the satisfaction score 1-5 the subscriber gave at the end of
 * the visit, for the order ref the visit took (NULL or "": none), as a
 * survey by the system actor (domain/service.h: audited, in the outbox as
 * record.survey for HQ, counted in the weekly summary); *id (may be NULL)
 * its number. RK_EINVAL for a score out of range, RK_ENOTFOUND for an
 * unknown order. */
int rk_branch_ss_rate(rk_branch *b, const char *ref, int score, int64_t *id);

#endif
