/*
 * rasync's libcurl transport to HQ (see transport_curl.h).
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* the ENGINE API: Debian 12 has no pkcs11 provider */
#include "transport_curl.h"

#include "util/err.h"
#include "util/log.h"
#include "util/uuid.h"
#include "util/wipe.h"

#include <curl/curl.h>
#include <openssl/engine.h>
#include <openssl/err.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static ENGINE *engine;

int rk_curl_global_init(const char *module)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return rk_err_set(RK_EINTERNAL, "libcurl cannot start");
    if (!module) return 0;
    /* Once, here, before any handshake (PLATFORM-NOTES: the engine's start-up race). */
    ENGINE_load_builtin_engines();
    engine = ENGINE_by_id("pkcs11");
    if (!engine) {
        ERR_clear_error();
        return rk_err_set(RK_EDEVICE, "OpenSSL's pkcs11 engine is missing (install "
                                      "libengine-pkcs11-openssl)");
    }
    if (!ENGINE_ctrl_cmd_string(engine, "MODULE_PATH", module, 0) || !ENGINE_init(engine)) {
        unsigned long e = ERR_peek_last_error();
        char why[160] = "";
        if (e) ERR_error_string_n(e, why, sizeof why);
        ERR_clear_error();
        ENGINE_free(engine);
        engine = NULL;
        return rk_err_set(RK_EDEVICE, "the pkcs11 engine cannot use %s: %s", module, why);
    }
    return 0;
}

void rk_curl_global_cleanup(void)
{
    if (engine) {
        ENGINE_finish(engine);
        ENGINE_free(engine);
        engine = NULL;
    }
    curl_global_cleanup();
}

struct rk_curl {
    rk_sync_transport ops;
    CURL *h;
    char *base, *ca, *cert, *key, *pin, *proxy;
    int connect_timeout, stall_timeout, backoff_ms, backoff_max_ms, plain;
    int64_t speed, sent_total;
    long version;     /* the HTTP version of the last answer (CURL_HTTP_VERSION_*) */
    char origin[256]; /* and whose it was: logged when either changes */
    volatile sig_atomic_t *stop;
    char errbuf[CURL_ERROR_SIZE];
};

typedef struct xfer {
    rk_curl *c;
    const rk_sync_request *q;
    rk_sync_response *r;
    size_t off;
    int overflow;
} xfer;

static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
    xfer *x = arg;
    size_t want = size * n, left = x->q->body_len - x->off;
    if (want > left) want = left;
    if (want) memcpy(buf, (const char *)x->q->body + x->off, want);
    x->off += want;
    x->r->sent += (int64_t)want;
    x->c->sent_total += (int64_t)want;
    return want;
}

static int on_seek(void *arg, curl_off_t offset, int origin)
{
    xfer *x = arg;
    if (origin != SEEK_SET || offset < 0 || (size_t)offset > x->q->body_len)
        return CURL_SEEKFUNC_CANTSEEK;
    x->off = (size_t)offset;
    return CURL_SEEKFUNC_OK;
}

static size_t on_write(char *p, size_t size, size_t n, void *arg)
{
    xfer *x = arg;
    if (rk_buf_append(&x->r->body, p, size * n) != 0) {
        x->overflow = 1;
        return 0; /* cuts the transfer */
    }
    return size * n;
}

static void keep(char *dst, size_t n, const char *v, size_t len)
{
    while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
        len--;
    while (len && *v == ' ')
        v++, len--;
    if (len >= n) len = n - 1;
    memcpy(dst, v, len);
    dst[len] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    xfer *x = arg;
    size_t len = size * n;
    static const struct {
        const char *name;
        size_t off, cap;
    } known[] = {
        {"content-type", offsetof(rk_sync_response, content_type), 96},
        {"etag", offsetof(rk_sync_response, etag), 128},
        {"last-modified", offsetof(rk_sync_response, last_modified), 64},
        {"location", offsetof(rk_sync_response, location), 512},
        {"upload-offset", offsetof(rk_sync_response, upload_offset), 24},
        {"upload-length", offsetof(rk_sync_response, upload_length), 24},
        {"tus-resumable", offsetof(rk_sync_response, tus_resumable), 16},
        {"tus-extension", offsetof(rk_sync_response, tus_extension), 160},
        {"tus-checksum-algorithm", offsetof(rk_sync_response, tus_checksum), 64},
        {"retry-after", offsetof(rk_sync_response, retry_after), 16},
        {"content-range", offsetof(rk_sync_response, content_range), 64},
    };
    /* A new status line (after 100 Continue, or a redirect) starts afresh. */
    if (len > 5 && !strncmp(p, "HTTP/", 5)) {
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            ((char *)x->r + known[i].off)[0] = '\0';
        return len;
    }
    const char *colon = memchr(p, ':', len);
    if (!colon) return len;
    size_t nl = (size_t)(colon - p);
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i].name) == nl && !strncasecmp(p, known[i].name, nl))
            keep((char *)x->r + known[i].off, known[i].cap, colon + 1, len - nl - 1);
    return len;
}

/* The answer's HTTP version into r, and a log line when it is not what
 * the last answer from the same origin came over (the first answer, an
 * outside tus server, a server that started or stopped offering h2). */
static void note_version(rk_curl *c, rk_sync_response *r, const char *url)
{
    long v = 0;
    curl_easy_getinfo(c->h, CURLINFO_HTTP_VERSION, &v);
    const char *name = v == CURL_HTTP_VERSION_2_0   ? "2"
                       : v == CURL_HTTP_VERSION_1_1 ? "1.1"
                       : v == CURL_HTTP_VERSION_1_0 ? "1.0"
                       : v == CURL_HTTP_VERSION_3   ? "3"
                                                    : "";
    snprintf(r->http_version, sizeof r->http_version, "%s", name);
    char origin[sizeof c->origin];
    const char *host = strstr(url, "://");
    size_t n = host ? (size_t)(host + 3 - url) + strcspn(host + 3, "/?#") : strlen(url);
    if (n >= sizeof origin) n = sizeof origin - 1;
    memcpy(origin, url, n);
    origin[n] = '\0';
    if (v == c->version && !strcmp(origin, c->origin)) return;
    c->version = v;
    memcpy(c->origin, origin, n + 1);
    rk_log_info("sync: %s answers over HTTP/%s%s", origin, name[0] ? name : "?",
                v == CURL_HTTP_VERSION_2_0 ? " (negotiated by ALPN)" : "");
}

static int request(rk_sync_transport *t, const rk_sync_request *q, rk_sync_response *r)
{
    rk_curl *c = (rk_curl *)t;
    CURL *h = c->h;
    struct curl_slist *hdr = NULL;
    char url[1024];
    xfer x = {.c = c, .q = q, .r = r};
    int rc = 0;

    if (q->url[0] == '/')
        snprintf(url, sizeof url, "%s%s", c->base, q->url);
    else
        snprintf(url, sizeof url, "%s", q->url);
    if (strncmp(url, "https://", 8) && !(c->plain && !strncmp(url, "http://", 7)))
        return rk_err_set(RK_EINVAL, "refusing %s: only https:// reaches HQ", url);
    curl_easy_reset(h);
    c->errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, c->plain ? "http,https" : "https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)c->connect_timeout);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)c->stall_timeout);
    curl_easy_setopt(h, CURLOPT_PROXY, c->proxy ? c->proxy : "");
    curl_easy_setopt(h, CURLOPT_NOPROXY, c->proxy && *c->proxy ? "" : "*");
    if (c->speed > 0) curl_easy_setopt(h, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)c->speed);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca) {
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca);
        curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
    }
    if (c->cert) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
        if (c->key && !strncmp(c->key, "pkcs11:", 7)) {
            curl_easy_setopt(h, CURLOPT_SSLENGINE, "pkcs11");
            curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "ENG");
        } else
            curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
        if (c->key) curl_easy_setopt(h, CURLOPT_SSLKEY, c->key);
        if (c->pin) curl_easy_setopt(h, CURLOPT_KEYPASSWD, c->pin);
    }
    hdr = curl_slist_append(hdr, "Expect:");
    hdr = curl_slist_append(hdr, "Accept: application/json, */*");
    for (int i = 0; i < q->nheaders; i++)
        hdr = curl_slist_append(hdr, q->headers[i]);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &x);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, &x);
    const char *m = q->method;
    if (!strcmp(m, "HEAD"))
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (!strcmp(m, "POST")) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
    } else if (!strcmp(m, "PATCH") || !strcmp(m, "PUT")) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->body_len);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
    } else if (strcmp(m, "GET"))
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);

    CURLcode e = curl_easy_perform(h);
    curl_slist_free_all(hdr);
    if (e == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
        note_version(c, r, url);
    } else if (x.overflow) {
        rc = rk_err_set(RK_ETOOBIG, "%s %s: the answer is larger than %zu bytes", m, url,
                        r->body.max);
    } else {
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        r->status = 0;
        char why[96] = "";
        if (e == CURLE_OPERATION_TIMEDOUT) {
            /* Which of the two limits: no connection (TCP and TLS) in
             * connect_timeout, or, once the request went out (on a new
             * connection or a kept one), nothing moved either way for
             * timeout. */
            long head = 0;
            curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &head);
            if (head == 0)
                snprintf(why, sizeof why, "no connection within %d s ([sync] connect_timeout): ",
                         c->connect_timeout);
            else
                snprintf(why, sizeof why,
                         "nothing moved for %d s, given up ([sync] timeout): ", c->stall_timeout);
        }
        rc = rk_err_set(e == CURLE_OPERATION_TIMEDOUT ? RK_ETIMEOUT : RK_EIO, "%s %s: %s%s%s%s", m,
                        url, why, curl_easy_strerror(e), c->errbuf[0] ? ": " : "", c->errbuf);
        if (rc == RK_EIO && status == 0 && e == CURLE_SSL_CERTPROBLEM)
            rk_err_wrap(rc, "the device certificate or its key cannot be used");
    }
    return rc;
}

static int pause_ms(rk_curl *c, long ms)
{
    while (ms > 0) {
        if (c->stop && *c->stop) return 1;
        long step = ms < 100 ? ms : 100;
        struct timespec ts = {step / 1000, (step % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
    return c->stop && *c->stop;
}

static int do_pause(rk_sync_transport *t, int attempt, int retry_after_s)
{
    rk_curl *c = (rk_curl *)t;
    long step = c->backoff_ms, cap = c->backoff_max_ms;
    for (int i = 1; i < attempt && step < cap; i++)
        step *= 2;
    if (step > cap) step = cap;
    unsigned int rnd = 0;
    rk_random_bytes(&rnd, sizeof rnd);
    long wait = step / 2 + (long)(rnd % (unsigned)(step / 2 + 1));
    if (retry_after_s > 0 && (long)retry_after_s * 1000 > wait)
        wait = (long)(retry_after_s > 300 ? 300 : retry_after_s) * 1000;
    rk_log_debug("sync: waiting %ld ms before attempt %d", wait, attempt + 1);
    return pause_ms(c, wait);
}

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

int rk_curl_new(rk_curl **out, const rk_curl_opts *o)
{
    rk_curl *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c) return rk_err_oom();
    c->ops.request = request;
    c->ops.pause = do_pause;
    c->h = curl_easy_init();
    c->base = dup_or_null(o->base_url);
    c->ca = dup_or_null(o->ca_file);
    c->cert = dup_or_null(o->cert_file);
    c->key = dup_or_null(o->key);
    c->pin = dup_or_null(o->key_pin);
    c->proxy = dup_or_null(o->proxy);
    c->connect_timeout = o->connect_timeout > 0 ? o->connect_timeout : 10;
    c->stall_timeout = o->stall_timeout > 0 ? o->stall_timeout : 60;
    c->backoff_ms = o->backoff_ms > 0 ? o->backoff_ms : 1000;
    c->backoff_max_ms = o->backoff_max_ms > 0 ? o->backoff_max_ms : 300000;
    if (c->backoff_max_ms < c->backoff_ms) c->backoff_max_ms = c->backoff_ms;
    c->speed = o->max_send_speed;
    c->plain = o->plain_http;
    c->stop = o->stop;
    if (!c->h || !c->base) {
        int rc = c->h ? rk_err_set(RK_EINVAL, "no HQ URL") : rk_err_oom();
        rk_curl_free(c);
        return rc;
    }
    size_t n = strlen(c->base);
    while (n && c->base[n - 1] == '/')
        c->base[--n] = '\0';
    *out = c;
    return 0;
}

void rk_curl_free(rk_curl *c)
{
    if (!c) return;
    if (c->h) curl_easy_cleanup(c->h);
    if (c->pin) rk_wipe(c->pin, strlen(c->pin));
    free(c->base);
    free(c->ca);
    free(c->cert);
    free(c->key);
    free(c->pin);
    free(c->proxy);
    free(c);
}

rk_sync_transport *rk_curl_transport(rk_curl *c)
{
    return &c->ops;
}

int64_t rk_curl_bytes_sent(const rk_curl *c)
{
    return c->sent_total;
}
