/*
 * Fuzz target: decoding ID card text blocks and read replies. The first
 * byte picks the entry point. Invariant: a decoded block encodes and
 * decodes again to the same fields.
 */
#include "scan/idcard.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rk_idcard a, b;
    static uint8_t block[RK_IDCARD_TEXT_LEN];
    char utf8[64];
    if (size < 1) return 0;
    memset(&a, 0, sizeof a); /* each input starts clean */
    memset(&b, 0, sizeof b);
    uint8_t mode = data[0];
    data++;
    size--;
    switch (mode % 4) {
    case 0:
    case 1:
        if (size < RK_IDCARD_TEXT_LEN) return 0;
        if (rk_idcard_decode_text(&a, data, RK_IDCARD_TEXT_LEN) != 0) return 0;
        if (rk_idcard_encode_text(block, &a) != 0) abort();
        if (rk_idcard_decode_text(&b, block, sizeof block) != 0) abort();
        if (memcmp(&a, &b, sizeof a) != 0) abort();
        break;
    case 2: rk_idcard_decode_reply(&a, data, size, mode & 4); break;
    case 3:
        rk_idcard_ucs2_to_utf8(utf8, sizeof utf8, data, size);
        rk_idcard_decode_address(&a, data, size);
        break;
    }
    return 0;
}
