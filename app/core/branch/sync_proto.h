/*
 * The sync protocol's messages (docs/SYNC-PROTOCOL.md), shared by rasync and
 * rahq: JSON bodies read and written with jansson (64-bit integers exact,
 * sorted keys for canonical text), the error tokens, the per-day digest and
 * the tus metadata encoding.
 *
 * Every parser here reads outside input (a peer's HTTP body): it is a pure
 * function with a size limit, refuses anything the protocol page does not
 * allow with RK_EFORMAT (or RK_ETOOBIG) and a sentence naming the field,
 * and has a libFuzzer target (tests/sync/fuzz_sync_proto.c). Strings copied
 * into fixed fields are checked against their size, never cut silently.
 */
#ifndef RK_SYNC_PROTO_H
#define RK_SYNC_PROTO_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define RK_SYNC_PROTO_VERSION    1
#define RK_SYNC_PROTO_MAX_BATCH  500
#define RK_SYNC_PROTO_MAX_BODY   (8 * 1024 * 1024)
#define RK_SYNC_PROTO_BRANCH_MAX 32 /* with the NUL: 31 characters */
#define RK_SYNC_PROTO_URI_PREFIX "urn:rakiosk:branch:"

/* 1 if cert names branch as the protocol says: a subjectAltName URI
 * RK_SYNC_PROTO_URI_PREFIX<branch> (the device certificate HQ's CA issues);
 * else 0. */
int rk_sync_proto_cert_names(X509 *cert, const char *branch);

/* ---- errors --------------------------------------------------------------- */

/* Writes {"protocol":1,"error":token,"message":message[,extra_key:extra]} into
 * out (reset first). extra_key NULL: no extra field. */
int rk_sync_proto_error(rk_buf *out, const char *token, const char *message, const char *extra_key,
                        int64_t extra);

/* Reads an error body: token and message (either may be NULL), and the
 * integer field extra_key if present (*extra left alone otherwise).
 * RK_EFORMAT if body is not a protocol error object. */
int rk_sync_proto_error_parse(char *token, size_t token_n, char *message, size_t message_n,
                              const char *extra_key, int64_t *extra, const char *body, size_t len);

/* ---- events (POST /v1/events) ------------------------------------------- */

typedef struct rk_sync_proto_event {
    int64_t seq;
    char uuid[37];
    int64_t at;
    char entity[32];
    char entity_id[64];
    char kind[48];
    char *payload; /* compact JSON object text with sorted keys (owned) */
    /* The payload as parsed from a push request (owned; NULL in events the
     * branch builds): HQ reads its members without parsing the text again. */
    struct json_t *payload_obj;
    int repair;
} rk_sync_proto_event;

typedef struct rk_sync_proto_events {
    char branch[RK_SYNC_PROTO_BRANCH_MAX]; /* "" when the request named none */
    rk_sync_proto_event *ev;
    int n;
    int64_t pending; /* the branch's unsent events, this batch included; -1 not said */
} rk_sync_proto_events;

/* Parses a push request: 1..RK_SYNC_PROTO_MAX_BATCH events in strictly
 * ascending seq, every field present and of its type and size, payload an
 * object. out is the caller's (rk_sync_proto_events_free). */
int rk_sync_proto_events_parse(rk_sync_proto_events *out, const char *body, size_t len);
void rk_sync_proto_events_free(rk_sync_proto_events *e);

/* Writes a push request for ev[0..n) (payloads must be JSON objects:
 * RK_EFORMAT naming the event otherwise), with the branch's backlog
 * (pending: its unsent events, these included) unless pending < 0. */
int rk_sync_proto_events_write(rk_buf *out, const char *branch, const rk_sync_proto_event *ev,
                               int n, int64_t pending);

typedef struct rk_sync_proto_ack {
    int64_t acked_seq;
    int64_t applied, duplicates;
    char head_hash[65]; /* audit acks */
} rk_sync_proto_ack;

int rk_sync_proto_ack_write(rk_buf *out, const rk_sync_proto_ack *a, int audit);
int rk_sync_proto_ack_parse(rk_sync_proto_ack *out, const char *body, size_t len, int audit);

/* ---- audit (POST /v1/audit) ---------------------------------------------- */

typedef struct rk_sync_proto_audit {
    int64_t seq, at;
    char *actor, *role, *action, *order_id, *before, *after, *detail; /* NULL for null */
    char prev_hash[65], hash[65];
} rk_sync_proto_audit;

typedef struct rk_sync_proto_audits {
    int64_t head_seq;
    char head_hash[65];
    rk_sync_proto_audit *e;
    int n; /* 0..RK_SYNC_PROTO_MAX_BATCH (0: only the head, a check) */
} rk_sync_proto_audits;

int rk_sync_proto_audits_parse(rk_sync_proto_audits *out, const char *body, size_t len);
void rk_sync_proto_audits_free(rk_sync_proto_audits *a);
int rk_sync_proto_audits_write(rk_buf *out, const rk_sync_proto_audits *a);

/* ---- changes (GET /v1/changes) -------------------------------------------- */

typedef struct rk_sync_proto_change {
    int64_t cursor;
    char kind[48];
    int64_t at;
    char *payload; /* compact JSON object text (owned) */
} rk_sync_proto_change;

typedef struct rk_sync_proto_changes {
    rk_sync_proto_change *c;
    int n;
    int64_t next;
    int more;
} rk_sync_proto_changes;

int rk_sync_proto_changes_parse(rk_sync_proto_changes *out, const char *body, size_t len);
void rk_sync_proto_changes_free(rk_sync_proto_changes *c);
int rk_sync_proto_changes_write(rk_buf *out, const rk_sync_proto_changes *c);

/* ---- hello ----------------------------------------------------------------- */

typedef struct rk_sync_proto_hello {
    char branch[RK_SYNC_PROTO_BRANCH_MAX];
    int64_t server_time;
    int max_batch;
    int64_t max_body;
    char archives_url[256];
    int64_t chunk;
} rk_sync_proto_hello;

int rk_sync_proto_hello_write(rk_buf *out, const rk_sync_proto_hello *h);
int rk_sync_proto_hello_parse(rk_sync_proto_hello *out, const char *body, size_t len);

/* ---- digests --------------------------------------------------------------- */

typedef struct rk_sync_proto_digest_order {
    char uuid[37];
    char state[16];
    int64_t last_seq;
} rk_sync_proto_digest_order;

typedef struct rk_sync_proto_day {
    char day[11]; /* YYYY-MM-DD */
    int64_t orders;
    char digest[65];
} rk_sync_proto_day;

/* The UTC day of t as YYYY-MM-DD. */
void rk_sync_proto_day_of(char out[11], int64_t t);
/* Unix time of the start of a YYYY-MM-DD day (UTC); RK_EINVAL if malformed. */
int rk_sync_proto_day_start(int64_t *out, const char *day);

/* The digest of a day's orders o[0..n), which must be sorted by uuid. */
int rk_sync_proto_digest(char out[65], const rk_sync_proto_digest_order *o, int n);

int rk_sync_proto_days_write(rk_buf *out, const rk_sync_proto_day *d, int n);
/* *out is a new array (free()). */
int rk_sync_proto_days_parse(rk_sync_proto_day **out, int *n, const char *body, size_t len);
int rk_sync_proto_day_orders_write(rk_buf *out, const char *day,
                                   const rk_sync_proto_digest_order *o, int n);
int rk_sync_proto_day_orders_parse(rk_sync_proto_digest_order **out, int *n, const char *body,
                                   size_t len);

/* ---- receipts (GET /v1/archives/<id>/receipt) ------------------------------ */

typedef struct rk_sync_proto_receipt {
    char id[64];
    int64_t length;
    int complete, matches;
    char sha256[65];
    int64_t stored_at;
} rk_sync_proto_receipt;

int rk_sync_proto_receipt_write(rk_buf *out, const rk_sync_proto_receipt *r);
int rk_sync_proto_receipt_parse(rk_sync_proto_receipt *out, const char *body, size_t len);

/* ---- tus metadata ---------------------------------------------------------- */

/* Appends "key base64(value)" to an Upload-Metadata header value in out. */
int rk_sync_proto_meta_add(rk_buf *out, const char *key, const char *value);
/* Finds key in an Upload-Metadata value and decodes it into out (n bytes).
 * 0, RK_ENOTFOUND, RK_EFORMAT (bad base64), RK_ETOOBIG. */
int rk_sync_proto_meta_get(char *out, size_t n, const char *header, const char *key);

/* Standard base64 of in[0..n) into out (NUL-terminated, 4*ceil(n/3)+1). */
int rk_sync_proto_b64(rk_buf *out, const unsigned char *in, size_t n);
/* Decodes base64 text into out (n bytes); *len the bytes written. */
int rk_sync_proto_unb64(unsigned char *out, size_t n, size_t *len, const char *in, size_t in_len);

/* 1 if s is a valid branch id (A-Z, 0-9, '-', 1..31 characters). */
int rk_sync_proto_branch_ok(const char *s);

/* ---- updates (GET /v1/update, section 13) ----------------------------------- */

#define RK_SYNC_PROTO_UPDATE_MAX  ((int64_t)16 << 30) /* the largest bundle announced */
#define RK_SYNC_PROTO_UPDATE_PATH "/v1/update/"

/* HQ's announcement of the newest system update (a signed RAUC bundle). */
typedef struct rk_sync_proto_update {
    char version[96]; /* the bundle's manifest version: A-Z a-z 0-9 . + ~ _ - */
    char sha256[65];  /* of the whole bundle file */
    int64_t size;     /* bytes, 1..RK_SYNC_PROTO_UPDATE_MAX */
    int64_t published_at;
    char url[128]; /* a path under /v1/update/ on the same server */
} rk_sync_proto_update;

int rk_sync_proto_update_write(rk_buf *out, const rk_sync_proto_update *u);
/* RK_EFORMAT for anything but a well-formed announcement (fields checked
 * as above; an absolute URL or one outside /v1/update/ is refused). */
int rk_sync_proto_update_parse(rk_sync_proto_update *out, const char *body, size_t len);

/* A Content-Range answer header, "bytes FIRST-LAST/TOTAL": RK_EFORMAT unless
 * 0 <= FIRST <= LAST < TOTAL. */
int rk_sync_proto_content_range(int64_t *first, int64_t *last, int64_t *total, const char *s);
/* A Range request header for a file of total bytes: one range only,
 * "bytes=FIRST-LAST", "bytes=FIRST-" or "bytes=-SUFFIX"; LAST is clipped to
 * the file. RK_EFORMAT when unreadable (the whole file is sent), RK_ESTATE
 * when it asks for nothing the file has (416). */
int rk_sync_proto_range(int64_t *first, int64_t *last, const char *s, int64_t total);

/* 1 if s is 64 lower-case hex digits. */
int rk_sync_proto_sha256_ok(const char *s);

#endif
