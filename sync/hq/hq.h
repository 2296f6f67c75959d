/*
 * rahq's server: the sync protocol (docs/SYNC-PROTOCOL.md) over HTTPS with
 * mutual TLS, the tus 1.0 archive endpoint, CRL and configuration
 * publication, and device enrolment over CMP, on libmicrohttpd.
 *
 * Threads: libmicrohttpd's internal thread pool with epoll, so many
 * branches are served at once and a client that stalls (a slow TLS
 * handshake, half a request) holds only its own connection, never a
 * thread. Handlers run on those threads and reach the store and archive
 * store, which are safe to share (store.h, archive.h).
 *
 * Identity: libmicrohttpd (through GnuTLS) only *asks* for a client
 * certificate, so every request is checked here before anything else:
 * gnutls_certificate_verify_peers2 must give status 0 against HQ's CA, a
 * peer certificate must be present and carry urn:rakiosk:branch:<ID>,
 * the branch must be active at HQ and the certificate not revoked. The
 * branch so found is the only one the request may touch; every refusal is
 * logged with the peer and the reason.
 *
 * The CMP port is plain HTTP (RFC 6712): the CMP messages protect
 * themselves (PBM with the branch's enrolment secret).
 */
#ifndef RK_HQ_H
#define RK_HQ_H

#include <stddef.h>
#include <stdint.h>

#include "hq/archive.h"
#include "hq/hqca.h"
#include "hq/store.h"
#include "util/buf.h"

#define RK_HQ_CHUNK      (1024 * 1024)
#define RK_HQ_MAX_UPLOAD ((int64_t)64 * 1024 * 1024)
#define RK_HQ_MAX_CMP    (1024 * 1024)

typedef struct rk_hq_server rk_hq_server;

typedef struct rk_hq_server_opts {
    const char *listen; /* address (default 127.0.0.1) */
    int port;           /* 0: a free one */
    int cmp_port;       /* -1: no CMP listener; 0: a free one */
    int threads;        /* the pool (default 4) */
    int64_t chunk;      /* tus chunk advertised (default RK_HQ_CHUNK) */
    /* The fleet page (fleet.h), plain HTTP for HQ's own network: 0 none,
     * -1 a free port, else that port; on fleet_listen (default 127.0.0.1). */
    int fleet_port;
    const char *fleet_listen;
    /* The published system updates (update.h): NULL, none served. */
    const char *updates_dir;
} rk_hq_server_opts;

/* Starts both listeners; *port and *cmp_port receive the ports bound.
 * Borrowed: store, archive, ca (they must outlive the server). */
int rk_hq_server_start(rk_hq_server **out, rk_hq_store *store, rk_hq_archive *archive, rk_hqca *ca,
                       const rk_hq_server_opts *o, int *port, int *cmp_port);

/* The fleet page's port bound (0: none). */
int rk_hq_server_fleet_port(const rk_hq_server *s);

/* Stops the listeners, waiting for requests in progress; NULL does nothing. */
void rk_hq_server_stop(rk_hq_server *s);

/* ---- inside the server (api.c, tus.c) --------------------------------------------- */

typedef struct rk_hq_ctx {
    rk_hq_store *store;
    rk_hq_archive *archive;
    rk_hqca *ca;
    int64_t chunk;
    char updates_dir[4096]; /* "" none */
} rk_hq_ctx;

#define RK_HQ_MAX_HEADERS 8

typedef struct rk_hq_resp {
    int status;
    const char *type; /* Content-Type, NULL: none */
    rk_buf body;
    char hname[RK_HQ_MAX_HEADERS][32];
    char hvalue[RK_HQ_MAX_HEADERS][160];
    int nh;
    int head; /* a HEAD answer: headers only */
    /* A body read from a file instead (update bundles): file_len bytes of
     * file_fd from file_off; the answer owns the descriptor (closed once
     * sent). file_fd < 0 or has_file 0: the buffer above. */
    int has_file, file_fd;
    int64_t file_off, file_len;
} rk_hq_resp;

void rk_hq_resp_header(rk_hq_resp *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A protocol error: status, token and message (logged by the caller). */
void rk_hq_resp_error(rk_hq_resp *r, int status, const char *token, const char *extra_key,
                      int64_t extra, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* A request's parts as the handlers see them. */
typedef struct rk_hq_req {
    const char *method, *path;
    const char *branch; /* from the certificate */
    const char *(*header)(void *arg, const char *name);
    const char *(*query)(void *arg, const char *name);
    void *arg;
    const char *body;
    size_t body_len;
} rk_hq_req;

/* The JSON and publication endpoints (api.c): 1 if path was one of them
 * (and r filled), 0 if not. */
int rk_hq_api(rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r);

/* The tus endpoint (tus.c), streamed: start is called with the headers
 * (fills r and returns 1 when the request is answered at once, 0 when the
 * body is to follow), data with each piece of the body, finish at its end
 * (fills r), and abort when the connection ended early. */
typedef struct rk_hq_tus rk_hq_tus;
int rk_hq_tus_start(rk_hq_tus **t, rk_hq_ctx *hq, const rk_hq_req *q, rk_hq_resp *r);
int rk_hq_tus_data(rk_hq_tus *t, const char *p, size_t n);
void rk_hq_tus_finish(rk_hq_tus *t, rk_hq_resp *r);
void rk_hq_tus_abort(rk_hq_tus *t);

#endif
