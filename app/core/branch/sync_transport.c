/*
 * Requests and responses of the sync transport (see sync_transport.h).
 */
#include "branch/sync_transport.h"

#include <string.h>

#define DEFAULT_MAX (8u * 1024 * 1024)

void rk_sync_request_init(rk_sync_request *q, const char *method, const char *url)
{
    memset(q, 0, sizeof *q);
    q->method = method;
    q->url = url;
}

void rk_sync_request_header(rk_sync_request *q, const char *header)
{
    if (q->nheaders < RK_SYNC_MAX_HEADERS) q->headers[q->nheaders++] = header;
}

void rk_sync_response_init(rk_sync_response *r, size_t max)
{
    memset(r, 0, sizeof *r);
    rk_buf_init(&r->body, max ? max : DEFAULT_MAX);
}

void rk_sync_response_reset(rk_sync_response *r)
{
    rk_buf body = r->body;
    rk_buf_reset(&body);
    memset(r, 0, sizeof *r);
    r->body = body;
}

void rk_sync_response_free(rk_sync_response *r)
{
    rk_buf_free(&r->body);
}
