/*
 * rasync's transport to HQ (branch/sync_transport.h) on libcurl 7.88 with
 * OpenSSL: mutual TLS with HQ's CA pinned as the only trust anchor and the
 * device key in the appliance HSM through OpenSSL's pkcs11 engine (key type
 * ENG, a pkcs11: URI, the PIN as the key's password, never in the URI);
 * connect and stall timeouts; a bandwidth cap for uploads
 * (CURLOPT_MAX_SEND_SPEED_LARGE); an explicit proxy (the environment's is
 * ignored); HTTP/2 where HQ offers it through ALPN; one connection kept
 * open between requests; no redirects followed.
 *
 * The engine: several threads using the pkcs11 engine for the first time
 * at once fail some handshakes ("SSL Engine 'pkcs11' not found"), so
 * rk_curl_global_init loads and initialises it once, in the main thread,
 * before any transport exists, and keeps it until rk_curl_global_cleanup.
 *
 * Backoff: pause() sleeps base * 2^(attempt-1) capped at backoff_max_ms
 * (default 5 minutes), with equal jitter (half fixed, half random: a step of
 * s waits between s/2 and s), or HQ's Retry-After when longer (at most 5
 * minutes); it wakes every 100 ms to notice *stop.
 *
 * Each answer's HTTP version goes into the response (http_version), and
 * the log says at info which version an origin answers over whenever it
 * changes ("sync: https://hq:8443 answers over HTTP/2 (negotiated by
 * ALPN)"). A timeout says which limit ended the request: no connection in
 * connect_timeout, or nothing moved either way for stall_timeout.
 */
#ifndef RK_TRANSPORT_CURL_H
#define RK_TRANSPORT_CURL_H

#include <signal.h>
#include <stdint.h>

#include "branch/sync_transport.h"

typedef struct rk_curl_opts {
    const char *base_url;        /* https://hq:8443 (paths are joined to it) */
    const char *ca_file;         /* HQ's CA certificate(s): the only trust anchors */
    const char *cert_file;       /* the device certificate (PEM); NULL: no client certificate */
    const char *key;             /* a pkcs11: URI (engine) or a PEM key file */
    const char *key_pin;         /* the HSM PIN (engine keys) */
    const char *proxy;           /* "" or NULL: none */
    int connect_timeout;         /* seconds */
    int stall_timeout;           /* seconds below 1 byte/s before a request is cut */
    int64_t max_send_speed;      /* bytes per second, 0: none */
    int backoff_ms;              /* first backoff step (default 1000) */
    int backoff_max_ms;          /* the longest step (default 300000) */
    int plain_http;              /* allow http:// (an outside tus server in tests) */
    volatile sig_atomic_t *stop; /* set by a signal: pause() returns 1 */
} rk_curl_opts;

/* curl_global_init, and the pkcs11 engine (for module: the HSM's PKCS#11
 * module) loaded and initialised once; module NULL: no engine. */
int rk_curl_global_init(const char *module);
void rk_curl_global_cleanup(void);

typedef struct rk_curl rk_curl;

/* A transport; strings are copied. */
int rk_curl_new(rk_curl **out, const rk_curl_opts *o);
void rk_curl_free(rk_curl *c);
rk_sync_transport *rk_curl_transport(rk_curl *c);

/* Body bytes handed to libcurl so far (for the benchmark). */
int64_t rk_curl_bytes_sent(const rk_curl *c);

#endif
