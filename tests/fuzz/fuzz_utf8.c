/*
 * Fuzz target: the UTF-8 helpers (util/utf8.h) on arbitrary bytes, and the
 * JSON writer's string quoting that relies on them. Invariants: no crash;
 * rk_utf8_copy and rk_utf8_mend always leave valid UTF-8 no longer than the
 * room given; valid input passes rk_utf8_copy unchanged when it fits; a
 * quoted JSON string is valid UTF-8.
 */
#include "util/json.h"
#include "util/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char in[1025], out[1025], small[17];
    size_t n = size < 1024 ? size : 1024;
    memcpy(in, data, n);
    in[n] = '\0';
    size_t len = strlen(in);

    size_t w = rk_utf8_copy(out, sizeof out, in);
    if (w != strlen(out) || !rk_utf8_valid(out, w)) abort();
    if (rk_utf8_valid(in, len) && (w != len || memcmp(out, in, len))) abort();
    w = rk_utf8_copy(small, sizeof small, in);
    if (w > 16 || !rk_utf8_valid(small, w)) abort();

    memcpy(out, in, len + 1);
    w = rk_utf8_mend(out);
    if (w != strlen(out) || w > len || !rk_utf8_valid(out, w)) abort();

    rk_buf b;
    rk_buf_init(&b, 8 * 1024);
    if (rk_json_quote(&b, in) == 0 && !rk_utf8_valid(b.data, b.len)) abort();
    rk_buf_free(&b);
    return 0;
}
