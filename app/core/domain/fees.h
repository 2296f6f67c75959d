/*
 * Fees: what the counter charges for each business type, certificate kind
 * and medium, from conf/fees.ini, so a branch changes prices without code
 * (format: docs/CONFIGURATION.md).
 *
 * Amounts are integer fen (1 yuan = 100 fen), parsed from "400.00" exactly
 * without floating point. The file holds the prices ([certificate] per kind,
 * [medium] per medium, [service] for unlock and key recovery) and, under
 * [business], which components each business type charges. DOMAIN.md's
 * rules: new = certificate + medium; renew = certificate; change = free;
 * reissue (lost) = medium; replace (damaged) = medium, or free while the
 * medium is within its warranty ([warranty] medium_months, 12) and the damage
 * was not caused by the user; unlock and recovery = a service fee;
 * revoke, suspend, resume, redispatch and query = free.
 *
 * Fixed identifiers (the ledger stores them):
 *   business: new renew change reissue replace unlock revoke suspend resume
 *             recovery redispatch query
 *   cert_kind: individual organisation orgperson server
 *   medium:    ukey (and any other listed under [medium]); none = no medium
 *   invoice:   ordinary (普通电子发票), vat_special (增值税专用发票)
 * A loaded rk_fees is immutable and may be shared between threads.
 */
#ifndef RK_FEES_H
#define RK_FEES_H

#include <stddef.h>
#include <stdint.h>

typedef struct rk_fees rk_fees;

/* The largest amount the parser accepts: 1,000,000.00 yuan. */
#define RK_FEN_MAX ((int64_t)100000000)

typedef struct rk_fee_request {
    const char *business;     /* one of the business ids above */
    const char *cert_kind;    /* required when the business charges a certificate */
    const char *medium;       /* required when it charges a medium; "none" = no medium */
    int64_t medium_bought_at; /* Unix time the medium was bought; 0 unknown */
    int user_caused_damage;   /* replace: the user broke it (no warranty) */
    int64_t now;              /* the time of the quote (rk_clock_now()) */
} rk_fee_request;

typedef struct rk_fee_line {
    char code[32]; /* "certificate", "medium", or the service name ("unlock") */
    char label_zh[64];
    char label_en[64];
    int64_t fen;
} rk_fee_line;

typedef struct rk_fee_quote {
    rk_fee_line lines[8];
    int n;
    int64_t total_fen;
    int free; /* 1 when nothing is charged; the reason says why */
    char free_reason_zh[128];
    char free_reason_en[128];
} rk_fee_quote;

/* Reads path into a new rk_fees owned by the caller. RK_ECONF with
 * "file:line: [section] key: problem" (bad amount, unknown kind, business
 * or component, a business type or kind missing); RK_ENOTFOUND; RK_ENOMEM. */
int rk_fees_load(rk_fees **out, const char *path);

/* Frees; NULL does nothing. */
void rk_fees_free(rk_fees *f);

/* Prices the request into *out (always fully written). RK_EINVAL naming an
 * unknown business, kind or medium, a missing kind or medium the business
 * needs, or a medium bought after now. */
int rk_fees_quote(const rk_fees *f, const rk_fee_request *req, rk_fee_quote *out);

/* Formats fen as "￥123.45" (the fullwidth yen sign U+FFE5, which GBK
 * printers have) into out; "-￥0.50" for a negative amount. */
void rk_fen_format(char *out, size_t n, int64_t fen);

/* Parses "400", "400.5" or "400.00" into fen, exactly. RK_EINVAL for a
 * sign, more than 2 decimals, other characters, or more than RK_FEN_MAX. */
int rk_fen_parse(int64_t *out, const char *text);

/* 1 if type is "ordinary" or "vat_special", else 0. */
int rk_fees_invoice_type_valid(const char *type);

/* The invoice type's label in "zh" or "en"; NULL for an unknown type. */
const char *rk_fees_invoice_label(const char *type, const char *lang);

/* 1 if business is one of the twelve business ids, else 0. */
int rk_fees_business_valid(const char *business);

/* The business type's label in "zh" or "en" ("丢失补办", "lost reissue");
 * NULL for an unknown id. */
const char *rk_fees_business_label(const char *business, const char *lang);

/* 1 if kind is one of the four certificate kinds, else 0. */
int rk_fees_cert_kind_valid(const char *kind);

#endif
