/*
 * CMP over HTTP, server side: request parser, response writer and a
 * single-threaded listener (see cmp_http.h for the limits it enforces).
 */
#include "ca/cmp_http.h"

#include "util/err.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int refuse(rk_cmp_http_req *out, int status, int code, const char *what)
{
    out->status = status;
    return rk_err_set(code, "HTTP request refused: %s", what);
}

/* Finds the end of the header section: the index just past the blank line
 * (CRLF CRLF, or a bare LF LF from lax clients), or 0 if not yet there. */
static size_t header_end(const char *d, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (d[i] != '\n') continue;
        if (i + 1 < len && d[i + 1] == '\n') return i + 2;
        if (i + 2 < len && d[i + 1] == '\r' && d[i + 2] == '\n') return i + 3;
    }
    return 0;
}

/* Trims spaces and tabs at both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

static int name_is(const char *name, size_t n, const char *want)
{
    return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

int rk_cmp_http_parse(rk_cmp_http_req *out, const char *data, size_t len)
{
    memset(out, 0, sizeof *out);
    size_t end = header_end(data, len < RK_CMP_HTTP_MAX_HEADER ? len : RK_CMP_HTTP_MAX_HEADER);
    if (end == 0) {
        if (len >= RK_CMP_HTTP_MAX_HEADER)
            return refuse(out, 431, RK_ETOOBIG, "header section too long");
        return 1;
    }
    for (size_t i = 0; i < end; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == 0 || (c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f)
            return refuse(out, 400, RK_EFORMAT, "control character in the header");
    }

    /* Request line: METHOD SP target SP HTTP/1.x */
    const char *line = data;
    const char *nl = memchr(line, '\n', end);
    size_t llen = (size_t)(nl - line);
    if (llen && line[llen - 1] == '\r') llen--;
    const char *sp1 = memchr(line, ' ', llen);
    if (!sp1) return refuse(out, 400, RK_EFORMAT, "malformed request line");
    const char *target = sp1 + 1;
    const char *sp2 = memchr(target, ' ', llen - (size_t)(target - line));
    if (!sp2 || sp2 == target) return refuse(out, 400, RK_EFORMAT, "malformed request line");
    size_t tlen = (size_t)(sp2 - target);
    const char *ver = sp2 + 1;
    size_t vlen = llen - (size_t)(ver - line);
    if (!(vlen == 8 && (!memcmp(ver, "HTTP/1.0", 8) || !memcmp(ver, "HTTP/1.1", 8))))
        return refuse(out, 505, RK_EFORMAT, "not HTTP/1.0 or HTTP/1.1");
    if (!((size_t)(sp1 - line) == 4 && !memcmp(line, "POST", 4)))
        return refuse(out, 405, RK_EINVAL, "only POST is served");
    if (tlen >= sizeof out->path || target[0] != '/')
        return refuse(out, 400, RK_EFORMAT, "bad request target");
    memcpy(out->path, target, tlen);
    out->path[tlen] = '\0';

    /* Header fields. */
    int have_len = 0, have_type = 0;
    size_t clen = 0;
    const char *p = nl + 1;
    const char *stop = data + end;
    while (p < stop) {
        const char *e = memchr(p, '\n', (size_t)(stop - p));
        size_t n = (size_t)(e - p);
        if (n && p[n - 1] == '\r') n--;
        if (n == 0) break; /* the blank line */
        if (*p == ' ' || *p == '\t')
            return refuse(out, 400, RK_EFORMAT, "folded header lines are not accepted");
        const char *colon = memchr(p, ':', n);
        if (!colon || colon == p) return refuse(out, 400, RK_EFORMAT, "malformed header line");
        size_t nlen = (size_t)(colon - p);
        for (size_t i = 0; i < nlen; i++)
            if (p[i] == ' ' || p[i] == '\t')
                return refuse(out, 400, RK_EFORMAT, "space in a header name");
        const char *v = colon + 1;
        size_t vl = n - nlen - 1;
        trim(&v, &vl);
        if (name_is(p, nlen, "Content-Length")) {
            size_t val = 0;
            if (vl == 0 || vl > 9) return refuse(out, 400, RK_EFORMAT, "bad Content-Length");
            for (size_t i = 0; i < vl; i++) {
                if (v[i] < '0' || v[i] > '9')
                    return refuse(out, 400, RK_EFORMAT, "bad Content-Length");
                val = val * 10 + (size_t)(v[i] - '0');
            }
            if (have_len && val != clen)
                return refuse(out, 400, RK_EFORMAT, "conflicting Content-Length");
            clen = val;
            have_len = 1;
        } else if (name_is(p, nlen, "Transfer-Encoding")) {
            return refuse(out, 501, RK_EINVAL, "Transfer-Encoding is not supported");
        } else if (name_is(p, nlen, "Content-Type")) {
            const char *semi = memchr(v, ';', vl);
            size_t tl = semi ? (size_t)(semi - v) : vl;
            trim(&v, &tl);
            if (!name_is(v, tl, "application/pkixcmp"))
                return refuse(out, 415, RK_EINVAL, "Content-Type must be application/pkixcmp");
            have_type = 1;
        }
        p = e + 1;
    }
    if (!have_len) return refuse(out, 411, RK_EINVAL, "Content-Length is required");
    if (!have_type) return refuse(out, 415, RK_EINVAL, "Content-Type must be application/pkixcmp");
    if (clen > RK_CMP_HTTP_MAX_BODY) return refuse(out, 413, RK_ETOOBIG, "body over 1 MB");
    if (clen == 0) return refuse(out, 400, RK_EFORMAT, "empty body");
    out->header_len = end;
    out->content_length = clen;
    return 0;
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Internal Server Error";
    }
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes all of p or fails; bounded by the connection's deadline. */
static int write_all(int fd, const void *p, size_t n, long deadline)
{
    const char *c = p;
    while (n) {
        long left = deadline - now_ms();
        if (left <= 0) return -1;
        struct pollfd pf = {fd, POLLOUT, 0};
        if (poll(&pf, 1, (int)left) <= 0) return -1;
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (w <= 0) return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static void answer(int fd, int status, const char *type, const void *body, size_t n, long deadline)
{
    char head[256];
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n",
                      status, reason_phrase(status), type, n);
    if (write_all(fd, head, (size_t)hl, deadline) == 0 && n) write_all(fd, body, n, deadline);
}

static void answer_text(int fd, int status, const char *text, long deadline)
{
    answer(fd, status, "text/plain", text, strlen(text), deadline);
}

/* Reads one request from a connection, answers it and returns 1 if a CMP
 * response was sent, 0 otherwise; refusals at this layer go to on_refused. */
static int serve_one(int fd, rk_cmp_http_handler handler, rk_cmp_http_refused_fn on_refused,
                     void *arg, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    size_t cap = RK_CMP_HTTP_MAX_HEADER, len = 0, need = 0;
    char *buf = malloc(cap);
    rk_cmp_http_req req;
    int parsed = 1, sent = 0;

    if (!buf) return 0;
    for (;;) {
        if (parsed == 0 && len >= need) break;
        long left = deadline - now_ms();
        if (left <= 0) {
            answer_text(fd, 408, "request timeout\n", now_ms() + 1000);
            if (on_refused) on_refused(arg, 408, "the request did not arrive in time");
            goto out;
        }
        struct pollfd pf = {fd, POLLIN, 0};
        int pr = poll(&pf, 1, (int)left);
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) continue; /* the deadline check above answers */
        if (len == cap) goto out;
        ssize_t r = recv(fd, buf + len, cap - len, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (r <= 0) goto out; /* peer closed before a whole request */
        len += (size_t)r;
        if (parsed == 1) {
            parsed = rk_cmp_http_parse(&req, buf, len);
            if (parsed < 0) {
                char msg[300];
                snprintf(msg, sizeof msg, "%s\n", rk_err_msg());
                answer_text(fd, req.status, msg, deadline);
                msg[strcspn(msg, "\n")] = '\0';
                if (on_refused)
                    on_refused(arg, req.status, msg);
                else
                    rk_log_info("cmp http: %s", msg);
                goto out;
            }
            if (parsed == 0) {
                need = req.header_len + req.content_length;
                if (need > cap) {
                    char *nb = realloc(buf, need);
                    if (!nb) goto out;
                    buf = nb;
                    cap = need;
                }
            }
        }
    }
    unsigned char *rsp = NULL;
    size_t rsp_len = 0;
    int rc =
        handler(&rsp, &rsp_len, arg, (unsigned char *)buf + req.header_len, req.content_length);
    if (rc == 0 && rsp) {
        answer(fd, 200, "application/pkixcmp", rsp, rsp_len, deadline + 5000);
        sent = 1;
    } else if (rc == RK_EFORMAT) { /* the client's fault: the handler counted it */
        answer_text(fd, 400, "the body is not a well-formed CMP message\n", deadline);
    } else {
        answer_text(fd, 500, "the CMP request could not be processed\n", deadline);
    }
    free(rsp);
out:
    free(buf);
    return sent;
}

int rk_cmp_http_serve(int listen_fd, rk_cmp_http_handler handler, void *arg,
                      volatile sig_atomic_t *stop, long max_requests, int timeout_ms)
{
    return rk_cmp_http_serve_counted(listen_fd, handler, NULL, arg, stop, max_requests, timeout_ms);
}

int rk_cmp_http_serve_counted(int listen_fd, rk_cmp_http_handler handler,
                              rk_cmp_http_refused_fn on_refused, void *arg,
                              volatile sig_atomic_t *stop, long max_requests, int timeout_ms)
{
    long served = 0;
    if (timeout_ms <= 0) timeout_ms = 10000;
    while (!(stop && *stop) && (max_requests <= 0 || served < max_requests)) {
        struct pollfd pf = {listen_fd, POLLIN, 0};
        int pr = poll(&pf, 1, 200);
        if (pr < 0 && errno != EINTR)
            return rk_err_set(RK_EIO, "CMP listener: poll failed: %s", strerror(errno));
        if (pr <= 0) continue;
        if (pf.revents & (POLLERR | POLLNVAL))
            return rk_err_set(RK_EIO, "CMP listener: the listening socket failed");
        int c = accept(listen_fd, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED || errno == EMFILE ||
                errno == ENFILE)
                continue;
            return rk_err_set(RK_EIO, "CMP listener: accept failed: %s", strerror(errno));
        }
        served += serve_one(c, handler, on_refused, arg, timeout_ms);
        shutdown(c, SHUT_WR);
        close(c);
    }
    return 0;
}

int rk_cmp_http_listen(int *fd, int *port_out, const char *host, int port)
{
    struct addrinfo hints, *ai = NULL;
    char portstr[16];
    *fd = -1;
    if (port < 0 || port > 65535) return rk_err_set(RK_EINVAL, "port %d out of range", port);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(portstr, sizeof portstr, "%d", port);
    int gr = getaddrinfo(host, portstr, &hints, &ai);
    if (gr != 0)
        return rk_err_set(RK_EINVAL, "cannot resolve %s: %s", host ? host : "*", gai_strerror(gr));
    int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (s < 0) {
        freeaddrinfo(ai);
        return rk_err_set(RK_EIO, "socket: %s", strerror(errno));
    }
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, ai->ai_addr, ai->ai_addrlen) != 0 || listen(s, SOMAXCONN) != 0) {
        int e = errno;
        freeaddrinfo(ai);
        close(s);
        return rk_err_set(e == EADDRINUSE ? RK_EBUSY : RK_EIO, "cannot listen on %s:%d: %s",
                          host ? host : "*", port, strerror(e));
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(s, (struct sockaddr *)&ss, &sl) == 0 && port_out) {
        if (ss.ss_family == AF_INET)
            *port_out = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
            *port_out = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    *fd = s;
    return 0;
}
