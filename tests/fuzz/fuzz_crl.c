/*
 * Fuzz target: the streaming CRL reader on arbitrary bytes. Invariants:
 * every pointer it returns lies inside the input, serials are 1..20 bytes,
 * the entry walk agrees with itself, and the input is copied to an exact-
 * size buffer so any read past the end is caught by ASan.
 */
#include "ca/crlparse.h"

#include <stdlib.h>
#include <string.h>

typedef struct bounds {
    const unsigned char *lo, *hi;
    size_t n;
} bounds;

static void inside(const bounds *b, const unsigned char *p, size_t len)
{
    if (p && (p < b->lo || p + len > b->hi)) abort();
}

static int on_entry(void *arg, const unsigned char *serial, size_t slen, int64_t when, int reason)
{
    bounds *b = arg;
    (void)when;
    inside(b, serial, slen);
    if (slen == 0 || slen > 20) abort();
    if (reason < -1 || reason > 10 || reason == 7) abort();
    b->n++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy = malloc(size ? size : 1);
    rk_crlparse_info info;
    if (!copy) return 0;
    memcpy(copy, data, size);
    bounds b = {copy, copy + size, 0};
    if (rk_crlparse(&info, copy, size) == 0) {
        inside(&b, info.tbs, info.tbs_len);
        inside(&b, info.sigalg, info.sigalg_len);
        inside(&b, info.sig, info.sig_len);
        inside(&b, info.issuer, info.issuer_len);
        inside(&b, info.akid, info.akid_len);
        inside(&b, info.entries, info.entries_len);
        if (info.number_len > 20) abort();
        size_t count = 0;
        if (rk_crlparse_entries(&info, on_entry, &b, &count) == 0 && count != b.n) abort();
    }
    free(copy);
    return 0;
}
