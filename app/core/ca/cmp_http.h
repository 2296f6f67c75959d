/*
 * CMP over HTTP on the server side: a strict parser of the HTTP/1.x POST
 * request that carries a CMP message (RFC 6712), the response writer, and a
 * small single-threaded listener loop.
 *
 * OpenSSL 3.0 has an HTTP client (used by the CMP client) but no server
 * helper, so this module reads requests itself. Requests are outside input:
 * the header section is limited to RK_CMP_HTTP_MAX_HEADER bytes, the body to
 * RK_CMP_HTTP_MAX_BODY, Content-Length is required (no chunked transfer), the
 * Content-Type must be application/pkixcmp, one request per connection, and
 * a connection that does not deliver its request within the timeout is
 * dropped. The parser is a pure function with a libFuzzer target
 * (tests/fuzz/fuzz_http_req.c).
 */
#ifndef RK_CMP_HTTP_H
#define RK_CMP_HTTP_H

#include <signal.h>
#include <stddef.h>

#define RK_CMP_HTTP_MAX_HEADER 8192
#define RK_CMP_HTTP_MAX_BODY   (1024 * 1024)
#define RK_CMP_HTTP_MAX_PATH   256

typedef struct rk_cmp_http_req {
    char path[RK_CMP_HTTP_MAX_PATH]; /* request target, e.g. "/pkix/" */
    size_t header_len;               /* bytes up to and including the blank line */
    size_t content_length;           /* body bytes that follow the header */
    int status;                      /* on a refusal: the HTTP status to answer (400, 405 ...) */
} rk_cmp_http_req;

/* Parses the request header at the start of data[0..len).
 * Returns 0 when the header is complete and acceptable (out filled; the body
 * is data[header_len .. header_len + content_length), which may not have
 * arrived yet), 1 when more bytes are needed, or a negative RK_E* code with
 * out->status set to the HTTP status to answer and a message (RK_EFORMAT
 * malformed, RK_ETOOBIG over a limit, RK_EINVAL wrong method or type). */
int rk_cmp_http_parse(rk_cmp_http_req *out, const char *data, size_t len);

/* Handles one CMP request body: returns 0 and a malloc'd DER response in
 * *rsp (the listener frees it), or a negative code: RK_EFORMAT for a body
 * that is not a CMP message (answered with 400), any other with 500. */
typedef int (*rk_cmp_http_handler)(unsigned char **rsp, size_t *rsp_len, void *arg,
                                   const unsigned char *req, size_t req_len);

/* Serves connections accepted on listen_fd (a bound, listening TCP socket)
 * one at a time until *stop becomes non-zero (checked at least every 200 ms)
 * or max_requests requests were answered (0: no limit). Each connection must
 * deliver its whole request within timeout_ms. Returns 0 when stopped, or a
 * negative code if the listening socket fails. Errors of single connections
 * never end the loop. */
int rk_cmp_http_serve(int listen_fd, rk_cmp_http_handler handler, void *arg,
                      volatile sig_atomic_t *stop, long max_requests, int timeout_ms);

/* Told of a request refused at the HTTP layer (status: the HTTP status
 * answered; why: the reason), for logging and counting. */
typedef void (*rk_cmp_http_refused_fn)(void *arg, int status, const char *why);

/* rk_cmp_http_serve, with on_refused (may be NULL) called for every request
 * refused before it reached the handler: a malformed or oversized header,
 * a wrong method, type or length, a request that did not arrive in time. */
int rk_cmp_http_serve_counted(int listen_fd, rk_cmp_http_handler handler,
                              rk_cmp_http_refused_fn on_refused, void *arg,
                              volatile sig_atomic_t *stop, long max_requests, int timeout_ms);

/* Opens a TCP socket listening on host:port (port 0 picks a free one) and
 * returns it in *fd with the port actually bound in *port_out. */
int rk_cmp_http_listen(int *fd, int *port_out, const char *host, int port);

#endif
