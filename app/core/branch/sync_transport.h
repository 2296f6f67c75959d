/*
 * The sync daemon's way to HQ: an ops table of HTTP requests, so the core's
 * sync (sync_pass.h) reaches the network only through a transport the
 * program provides (rasync's libcurl transport with mutual TLS, the device
 * key in the HSM, timeouts, a bandwidth cap and a proxy; a plain one for an
 * outside tus server in tests).
 *
 * request() sends one request and returns 0 when an HTTP answer arrived,
 * whatever its status (the caller judges it), or RK_EIO / RK_ETIMEOUT with
 * a message when none did (refused, reset, cut, stalled). It never retries
 * by itself: every step of the protocol decides whether to repeat, and
 * pause() is the backoff between attempts (exponential with jitter in
 * rasync; honours HQ's Retry-After). pause() returns non-zero when the
 * program is stopping, and the pass then ends with what it has.
 */
#ifndef RK_SYNC_TRANSPORT_H
#define RK_SYNC_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define RK_SYNC_MAX_HEADERS 8

typedef struct rk_sync_request {
    const char *method; /* GET POST PATCH HEAD OPTIONS DELETE */
    const char *url;    /* absolute, or a path joined to the transport's base URL */
    const char *headers[RK_SYNC_MAX_HEADERS]; /* "Name: value" */
    int nheaders;
    const void *body; /* the body (sent through a read callback), or NULL */
    size_t body_len;
    size_t max_response; /* bound on the answer's body (0: 8 MiB) */
} rk_sync_request;

typedef struct rk_sync_response {
    long status;
    rk_buf body;
    char content_type[96];
    char etag[128];
    char last_modified[64];
    char location[512];
    char upload_offset[24];
    char upload_length[24];
    char tus_resumable[16];
    char tus_extension[160];
    char tus_checksum[64]; /* Tus-Checksum-Algorithm */
    char retry_after[16];
    char content_range[64]; /* of a 206 answer */
    char http_version[8];   /* the answer's HTTP version: "1.1", "2" ("" unknown) */
    int64_t sent;           /* body bytes that left */
} rk_sync_response;

typedef struct rk_sync_transport rk_sync_transport;
struct rk_sync_transport {
    int (*request)(rk_sync_transport *t, const rk_sync_request *q, rk_sync_response *r);
    int (*pause)(rk_sync_transport *t, int attempt, int retry_after_s);
};

/* A request with no headers and no body. */
void rk_sync_request_init(rk_sync_request *q, const char *method, const char *url);
/* Adds "Name: value" (the string must outlive the request). */
void rk_sync_request_header(rk_sync_request *q, const char *header);

/* An empty response whose body may grow to max bytes (0: 8 MiB). */
void rk_sync_response_init(rk_sync_response *r, size_t max);
/* Empties it for reuse. */
void rk_sync_response_reset(rk_sync_response *r);
void rk_sync_response_free(rk_sync_response *r);

#endif
