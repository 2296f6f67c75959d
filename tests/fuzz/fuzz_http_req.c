/*
 * Fuzz target: the CMP HTTP request parser on arbitrary bytes. Invariants:
 * an accepted header lies inside the input, its body length is within the
 * limit, the path starts with '/' and is NUL-terminated; a refusal carries
 * an HTTP error status.
 */
#include "ca/cmp_http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rk_cmp_http_req r;
    int rc = rk_cmp_http_parse(&r, (const char *)data, size);
    if (rc == 0) {
        if (r.header_len == 0 || r.header_len > size || r.header_len > RK_CMP_HTTP_MAX_HEADER)
            abort();
        if (r.content_length == 0 || r.content_length > RK_CMP_HTTP_MAX_BODY) abort();
        if (r.path[0] != '/' || memchr(r.path, 0, sizeof r.path) == NULL) abort();
    } else if (rc < 0) {
        if (r.status < 400 || r.status > 599) abort();
    } else if (rc != 1 || size >= RK_CMP_HTTP_MAX_HEADER) {
        abort();
    }
    return 0;
}
