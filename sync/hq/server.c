/*
 * rahq's HTTP plumbing on libmicrohttpd (see hq.h): the two listeners, the
 * per-request client certificate check, body collection within limits, and
 * dispatch to the protocol endpoints (api.c), the tus endpoint (tus.c) and
 * CMP (hqca.c).
 */
#include "hq/fleet.h"
#include "hq/hq.h"

#include "ca/cmp_http.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/log.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct rk_hq_server {
    rk_hq_ctx ctx;
    struct MHD_Daemon *tls, *cmp, *fleet;
    int tls_fd, cmp_fd, fleet_fd;
    int fleet_port; /* bound; 0 none */
};

int rk_hq_server_fleet_port(const rk_hq_server *s)
{
    return s ? s->fleet_port : 0;
}

enum { ROUTE_API = 1, ROUTE_TUS, ROUTE_CMP, ROUTE_DONE };

typedef struct request {
    int route;
    struct MHD_Connection *c;
    rk_hq_server *srv;
    char branch[RK_SYNC_PROTO_BRANCH_MAX];
    char peer[64];
    char method[16];
    char path[256];
    rk_buf body;
    int too_large;
    rk_hq_tus *tus;
} request;

/* ---- answers ----------------------------------------------------------------- */

static enum MHD_Result send_resp(struct MHD_Connection *c, rk_hq_resp *r)
{
    struct MHD_Response *m;
    if (r->has_file && r->file_fd >= 0) {
        /* libmicrohttpd reads the file as the answer goes out, and closes it. */
        m = MHD_create_response_from_fd_at_offset64((uint64_t)r->file_len, r->file_fd,
                                                    (uint64_t)r->file_off);
        if (!m) close(r->file_fd);
        r->has_file = 0;
        r->file_fd = -1;
    } else
        m = MHD_create_response_from_buffer(r->body.len, r->body.data, MHD_RESPMEM_MUST_COPY);
    if (!m) return MHD_NO;
    if (r->type) MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, r->type);
    for (int i = 0; i < r->nh; i++)
        MHD_add_response_header(m, r->hname[i], r->hvalue[i]);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)(r->status ? r->status : 500), m);
    MHD_destroy_response(m);
    return ok;
}

static void resp_init(rk_hq_resp *r)
{
    memset(r, 0, sizeof *r);
    r->file_fd = -1;
    rk_buf_init(&r->body, (size_t)RK_SYNC_PROTO_MAX_BODY + (64u << 20));
}

static enum MHD_Result answer(request *q, rk_hq_resp *r)
{
    enum MHD_Result ok = send_resp(q->c, r);
    rk_buf_free(&r->body);
    q->route = ROUTE_DONE;
    return ok;
}

static enum MHD_Result refuse(request *q, int status, const char *token, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum MHD_Result refuse(request *q, int status, const char *token, const char *fmt, ...)
{
    rk_hq_resp r;
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rk_log_warn("rahq: refused %s %s from %s%s%s: %s: %s", q->method, q->path, q->peer,
                q->branch[0] ? " as " : "", q->branch, token, msg);
    resp_init(&r);
    rk_hq_resp_error(&r, status, token, NULL, 0, "%s", msg);
    return answer(q, &r);
}

/* ---- identity ----------------------------------------------------------------- */

static void peer_of(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, n, "?");
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    char host[48] = "?";
    int port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in->sin6_addr, host, sizeof host);
        port = ntohs(in->sin6_port);
    }
    snprintf(out, n, "%s:%d", host, port);
}

/* What a TLS connection's client certificate was found to say, kept for
 * the connection's next requests (MHD's socket context): the certificate
 * itself, so a different one (after a renegotiation) is verified afresh,
 * and until when the verification holds (the certificate's expiry, and at
 * most PEER_CACHE_S, so a CA's expiry is seen too). What the store says of
 * the branch and the serial is asked on every request all the same. */
#define PEER_CACHE_S 300
typedef struct peer_cache {
    unsigned char *der;
    size_t der_len;
    char branch[RK_SYNC_PROTO_BRANCH_MAX];
    char serial[41];
    time_t until;
} peer_cache;

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    (void)c;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = calloc(1, sizeof(peer_cache)); /* NULL: no cache, verified each time */
    } else if (*socket_context) {
        peer_cache *pc = *socket_context;
        free(pc->der);
        free(pc);
        *socket_context = NULL;
    }
}

/* The branch the client certificate names: 0, or the HTTP status with a
 * token and message. Checked on every request, not per connection: the
 * certificate's verification is kept for the connection (peer_cache), the
 * branch's and the serial's standing in the store are asked each time. */
static int identify(rk_hq_server *s, struct MHD_Connection *c, char *branch, const char **token,
                    char *msg, size_t msg_n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    gnutls_session_t tls = ci ? (gnutls_session_t)ci->tls_session : NULL;
    const union MHD_ConnectionInfo *sci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    peer_cache *pc = sci ? (peer_cache *)sci->socket_context : NULL;
    unsigned int status = 0, ncert = 0;
    gnutls_x509_crt_t crt = NULL;
    char buf[512], serial_hex[41] = "";
    size_t size;
    int rc = 401, active = 0, revoked = 0;
    time_t now = time(NULL);

    *token = "no_certificate";
    branch[0] = '\0';
    if (!tls) {
        snprintf(msg, msg_n, "the connection is not TLS");
        return 401;
    }
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(tls, &ncert);
    if (!certs || ncert == 0) {
        snprintf(msg, msg_n, "no client certificate was presented");
        return 401;
    }
    if (pc && pc->der && pc->der_len == certs[0].size && now < pc->until &&
        !memcmp(pc->der, certs[0].data, certs[0].size)) {
        snprintf(branch, RK_SYNC_PROTO_BRANCH_MAX, "%s", pc->branch);
        memcpy(serial_hex, pc->serial, sizeof serial_hex);
        rc = 403;
        goto admit;
    }
    int v = gnutls_certificate_verify_peers2(tls, &status);
    if (v != 0 || status != 0) {
        gnutls_datum_t why = {NULL, 0};
        if (v == 0 &&
            gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0) == 0)
            snprintf(msg, msg_n, "the client certificate does not verify against HQ's CA: %s",
                     (const char *)why.data);
        else
            snprintf(msg, msg_n, "the client certificate does not verify against HQ's CA: %s",
                     gnutls_strerror(v));
        gnutls_free(why.data);
        return 401;
    }
    if (gnutls_x509_crt_init(&crt) < 0 ||
        gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) < 0) {
        snprintf(msg, msg_n, "the client certificate cannot be read");
        goto out;
    }
    rc = 403;
    *token = "no_identity";
    for (unsigned i = 0;; i++) {
        size = sizeof buf - 1;
        int t = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &size, NULL);
        if (t < 0) break;
        buf[size < sizeof buf ? size : sizeof buf - 1] = '\0';
        size_t plen = strlen(RK_SYNC_PROTO_URI_PREFIX);
        if (t == GNUTLS_SAN_URI && size > plen && !strncmp(buf, RK_SYNC_PROTO_URI_PREFIX, plen)) {
            if (branch[0] || !rk_sync_proto_branch_ok(buf + plen)) {
                snprintf(msg, msg_n, "the certificate names more than one branch, or a bad one");
                goto out;
            }
            snprintf(branch, RK_SYNC_PROTO_BRANCH_MAX, "%s", buf + plen);
        }
    }
    if (!branch[0]) {
        snprintf(msg, msg_n, "the certificate carries no " RK_SYNC_PROTO_URI_PREFIX "<ID> name");
        goto out;
    }
    size = sizeof buf - 1;
    if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &size) < 0 ||
        strcmp(buf, branch)) {
        snprintf(msg, msg_n, "the certificate's common name is not its branch %s", branch);
        branch[0] = '\0';
        goto out;
    }
    int client_auth = 0;
    for (unsigned i = 0;; i++) {
        size = sizeof buf - 1;
        if (gnutls_x509_crt_get_key_purpose_oid(crt, i, buf, &size, NULL) < 0) break;
        if (!strcmp(buf, GNUTLS_KP_TLS_WWW_CLIENT)) client_auth = 1;
    }
    if (!client_auth) {
        snprintf(msg, msg_n, "the certificate is not for TLS client authentication");
        branch[0] = '\0';
        goto out;
    }
    unsigned char sn[64];
    size = sizeof sn;
    if (gnutls_x509_crt_get_serial(crt, sn, &size) == 0) {
        size_t i = 0;
        while (i + 1 < size && sn[i] == 0)
            i++;
        if (size - i <= 20) rk_hex_encode(serial_hex, sn + i, size - i, 0);
        if (serial_hex[0] == '0' && serial_hex[1])
            memmove(serial_hex, serial_hex + 1, strlen(serial_hex));
    }
    if (pc) { /* verified: kept for the connection's next requests */
        time_t expires = gnutls_x509_crt_get_expiration_time(crt);
        unsigned char *der = malloc(certs[0].size ? certs[0].size : 1);
        free(pc->der);
        pc->der = der;
        pc->der_len = der ? certs[0].size : 0;
        if (der) memcpy(der, certs[0].data, certs[0].size);
        snprintf(pc->branch, sizeof pc->branch, "%s", branch);
        memcpy(pc->serial, serial_hex, sizeof pc->serial);
        pc->until = now + PEER_CACHE_S;
        if (expires != (time_t)-1 && expires < pc->until) pc->until = expires;
    }
admit:
    if (rk_hq_store_admit(s->ctx.store, branch, serial_hex, &active, &revoked) != 0) {
        *token = "internal";
        snprintf(msg, msg_n, "HQ's store failed: %s", rk_err_msg());
        rc = 500;
        goto out;
    }
    if (!active) {
        *token = "unknown_branch";
        snprintf(msg, msg_n, "HQ has no active branch %s", branch);
        goto out;
    }
    if (revoked) {
        *token = "certificate_revoked";
        snprintf(msg, msg_n, "device certificate %s of branch %s is revoked", serial_hex, branch);
        goto out;
    }
    rc = 0;
out:
    if (crt) gnutls_x509_crt_deinit(crt);
    if (rc && rc != 403) branch[0] = '\0';
    return rc;
}

/* ---- handlers' view of a request ------------------------------------------------- */

static const char *get_header(void *arg, const char *name)
{
    return MHD_lookup_connection_value(((request *)arg)->c, MHD_HEADER_KIND, name);
}

static const char *get_query(void *arg, const char *name)
{
    return MHD_lookup_connection_value(((request *)arg)->c, MHD_GET_ARGUMENT_KIND, name);
}

static void view(rk_hq_req *v, request *q)
{
    memset(v, 0, sizeof *v);
    v->method = q->method;
    v->path = q->path;
    v->branch = q->branch;
    v->header = get_header;
    v->query = get_query;
    v->arg = q;
    v->body = q->body.data ? q->body.data : "";
    v->body_len = q->body.len;
}

/* ---- the HTTPS listener ---------------------------------------------------------- */

static enum MHD_Result on_tls(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **ptr)
{
    rk_hq_server *s = cls;
    request *q = *ptr;
    rk_hq_req v;
    rk_hq_resp r;
    (void)version;

    if (!q) {
        if (!(q = calloc(1, sizeof *q))) return MHD_NO;
        *ptr = q;
        q->c = c;
        q->srv = s;
        snprintf(q->method, sizeof q->method, "%s", method);
        snprintf(q->path, sizeof q->path, "%s", url);
        rk_buf_init(&q->body, RK_SYNC_PROTO_MAX_BODY);
        peer_of(c, q->peer, sizeof q->peer);
        const char *token;
        char msg[320];
        int st = identify(s, c, q->branch, &token, msg, sizeof msg);
        if (st) return refuse(q, st, token, "%s", msg);
        if (strlen(url) >= sizeof q->path) return refuse(q, 404, "not_found", "no such path");
        if (!strncmp(url, "/v1/archives", 12)) {
            view(&v, q);
            resp_init(&r);
            int done = rk_hq_tus_start(&q->tus, &s->ctx, &v, &r);
            if (done) return answer(q, &r);
            rk_buf_free(&r.body);
            q->route = ROUTE_TUS;
        } else
            q->route = ROUTE_API;
        return MHD_YES;
    }
    if (q->route == ROUTE_DONE) {
        *size = 0;
        return MHD_YES;
    }
    if (*size) {
        if (q->route == ROUTE_TUS)
            rk_hq_tus_data(q->tus, data, *size);
        else if (!q->too_large && rk_buf_append(&q->body, data, *size) != 0)
            q->too_large = 1;
        *size = 0;
        return MHD_YES;
    }
    resp_init(&r);
    if (q->route == ROUTE_TUS) {
        rk_hq_tus_finish(q->tus, &r);
        q->tus = NULL;
        return answer(q, &r);
    }
    if (q->too_large) {
        rk_buf_free(&r.body);
        return refuse(q, 413, "too_large", "the body is over %d bytes", RK_SYNC_PROTO_MAX_BODY);
    }
    view(&v, q);
    if (!rk_hq_api(&s->ctx, &v, &r)) {
        rk_buf_free(&r.body);
        return refuse(q, 404, "not_found", "no such path");
    }
    return answer(q, &r);
}

/* ---- the CMP listener ---------------------------------------------------------------- */

static enum MHD_Result on_cmp(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **ptr)
{
    rk_hq_server *s = cls;
    request *q = *ptr;
    (void)version;
    if (!q) {
        if (!(q = calloc(1, sizeof *q))) return MHD_NO;
        *ptr = q;
        q->c = c;
        snprintf(q->method, sizeof q->method, "%s", method);
        snprintf(q->path, sizeof q->path, "%s", url);
        rk_buf_init(&q->body, RK_HQ_MAX_CMP);
        peer_of(c, q->peer, sizeof q->peer);
        q->route = ROUTE_CMP;
        const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        if (strncmp(url, "/pkix", 5)) return refuse(q, 404, "not_found", "CMP is at /pkix/");
        if (strcmp(method, "POST"))
            return refuse(q, 405, "method_not_allowed", "CMP requests are POSTed");
        if (!ct || strcmp(ct, "application/pkixcmp"))
            return refuse(q, 415, "unsupported_media_type", "send application/pkixcmp");
        return MHD_YES;
    }
    if (q->route == ROUTE_DONE) {
        *size = 0;
        return MHD_YES;
    }
    if (*size) {
        if (!q->too_large && rk_buf_append(&q->body, data, *size) != 0) q->too_large = 1;
        *size = 0;
        return MHD_YES;
    }
    if (q->too_large) return refuse(q, 413, "too_large", "CMP messages are at most 1 MiB");
    unsigned char *rsp = NULL;
    size_t rlen = 0;
    int rc = rk_hqca_cmp(&rsp, &rlen, s->ctx.ca, s->ctx.store, (const unsigned char *)q->body.data,
                         q->body.len);
    if (rc) {
        if (rc == RK_EFORMAT) return refuse(q, 400, "bad_request", "%s", rk_err_msg());
        if (rc == RK_EPERM || rc == RK_ENOTFOUND)
            return refuse(q, 403, "enrolment_refused", "%s", rk_err_msg());
        return refuse(q, 500, "internal", "%s", rk_err_msg());
    }
    struct MHD_Response *m = MHD_create_response_from_buffer(rlen, rsp, MHD_RESPMEM_MUST_FREE);
    if (!m) {
        free(rsp);
        return MHD_NO;
    }
    MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, "application/pkixcmp");
    enum MHD_Result ok = MHD_queue_response(c, 200, m);
    MHD_destroy_response(m);
    q->route = ROUTE_DONE;
    return ok;
}

/* ---- the fleet page's listener -------------------------------------------------------- */

/* Read-only, GET only, no body: answered on the first call. */
static enum MHD_Result on_fleet(void *cls, struct MHD_Connection *c, const char *url,
                                const char *method, const char *version, const char *data,
                                size_t *size, void **ptr)
{
    rk_hq_server *s = cls;
    rk_hq_resp r;
    (void)version;
    (void)data;
    (void)ptr;
    if (*size) {
        *size = 0;
        return MHD_YES;
    }
    resp_init(&r);
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        rk_hq_resp_error(&r, 405, "method_not_allowed", NULL, 0, "the fleet page is read-only");
        rk_hq_resp_header(&r, "Allow", "GET");
    } else if (strcmp(url, "/") && strcmp(url, "/fleet")) {
        rk_hq_resp_error(&r, 404, "not_found", NULL, 0, "the fleet page is at /");
    } else if (rk_hq_fleet_page(s->ctx.store, rk_clock_now(), &r.body) != 0) {
        rk_log_warn("rahq: the fleet page failed: %s", rk_err_msg());
        rk_hq_resp_error(&r, 500, "internal", NULL, 0, "%s", rk_err_msg());
    } else {
        r.status = 200;
        r.type = "text/html; charset=utf-8";
        rk_hq_resp_header(&r, "Cache-Control", "no-store");
    }
    enum MHD_Result ok = send_resp(c, &r);
    rk_buf_free(&r.body);
    return ok;
}

static void on_done(void *cls, struct MHD_Connection *c, void **ptr,
                    enum MHD_RequestTerminationCode why)
{
    request *q = *ptr;
    (void)cls;
    (void)c;
    if (!q) return;
    if (q->tus) {
        if (why != MHD_REQUEST_TERMINATED_COMPLETED_OK)
            rk_log_info("rahq: %s's PATCH %s ended early (%d)", q->branch, q->path, (int)why);
        rk_hq_tus_abort(q->tus);
    }
    rk_buf_free(&q->body);
    free(q);
    *ptr = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    (void)cls;
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    rk_log_debug("rahq: libmicrohttpd: %s", line);
}

int rk_hq_server_start(rk_hq_server **out, rk_hq_store *store, rk_hq_archive *archive, rk_hqca *ca,
                       const rk_hq_server_opts *o, int *port, int *cmp_port)
{
    rk_hq_server *s = calloc(1, sizeof *s);
    const char *host = o->listen && *o->listen ? o->listen : "127.0.0.1";
    unsigned threads = (unsigned)(o->threads > 0 ? o->threads : 4);
    int rc;

    *out = NULL;
    if (!s) return rk_err_oom();
    s->ctx.store = store;
    s->ctx.archive = archive;
    s->ctx.ca = ca;
    s->ctx.chunk = o->chunk > 0 ? o->chunk : RK_HQ_CHUNK;
    if (o->updates_dir)
        snprintf(s->ctx.updates_dir, sizeof s->ctx.updates_dir, "%s", o->updates_dir);
    s->tls_fd = s->cmp_fd = s->fleet_fd = -1;
    if ((rc = rk_cmp_http_listen(&s->tls_fd, port, host, o->port)) != 0) goto fail;
    /* poll, not epoll: libmicrohttpd 0.9.75's epoll loop keeps a connection
     * whose TLS handshake is waiting for the client on its ready list, so
     * each worker spins (epoll_wait with no timeout, a recv per waiting
     * handshake) while a fleet connects; measured by bench_fleet as most of
     * rahq's CPU. poll waits on what the handshake asks for. */
    s->tls = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_TLS | MHD_USE_ERROR_LOG, 0, NULL,
        NULL, on_tls, s, MHD_OPTION_LISTEN_SOCKET, s->tls_fd, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_LIMIT, (unsigned)2000,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024), MHD_OPTION_HTTPS_MEM_KEY,
        rk_hqca_server_key_pem(ca), MHD_OPTION_HTTPS_MEM_CERT, rk_hqca_server_cert_pem(ca),
        MHD_OPTION_HTTPS_MEM_TRUST, rk_hqca_ca_pem(ca), MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_END);
    if (!s->tls) {
        rc = rk_err_set(RK_EIO, "libmicrohttpd cannot start the HTTPS listener");
        goto fail;
    }
    if (o->cmp_port >= 0) {
        if ((rc = rk_cmp_http_listen(&s->cmp_fd, cmp_port, host, o->cmp_port)) != 0) goto fail;
        s->cmp = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
            on_cmp, s, MHD_OPTION_LISTEN_SOCKET, s->cmp_fd, MHD_OPTION_THREAD_POOL_SIZE,
            (unsigned)2, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_NOTIFY_COMPLETED,
            on_done, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_END);
        if (!s->cmp) {
            rc = rk_err_set(RK_EIO, "libmicrohttpd cannot start the CMP listener");
            goto fail;
        }
    } else if (cmp_port)
        *cmp_port = -1;
    if (o->fleet_port) {
        int want = o->fleet_port < 0 ? 0 : o->fleet_port, got = 0;
        const char *fhost = o->fleet_listen && *o->fleet_listen ? o->fleet_listen : "127.0.0.1";
        if ((rc = rk_cmp_http_listen(&s->fleet_fd, &got, fhost, want)) != 0) goto fail;
        s->fleet = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
            on_fleet, s, MHD_OPTION_LISTEN_SOCKET, s->fleet_fd, MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned)30, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_END);
        if (!s->fleet) {
            rc = rk_err_set(RK_EIO, "libmicrohttpd cannot start the fleet page's listener");
            goto fail;
        }
        s->fleet_port = got;
    }
    *out = s;
    return 0;
fail:
    rk_hq_server_stop(s);
    return rc;
}

void rk_hq_server_stop(rk_hq_server *s)
{
    if (!s) return;
    if (s->tls) MHD_stop_daemon(s->tls);
    if (s->cmp) MHD_stop_daemon(s->cmp);
    if (s->fleet) MHD_stop_daemon(s->fleet);
    if (s->fleet_fd >= 0) close(s->fleet_fd);
    if (s->tls_fd >= 0) close(s->tls_fd);
    if (s->cmp_fd >= 0) close(s->cmp_fd);
    free(s);
}
