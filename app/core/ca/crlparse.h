/*
 * A small streaming DER reader for X.509 CRLs (outside input: HQ's CRLs,
 * possibly 50 MB with a million entries).
 *
 * Pure functions over a byte range, no allocation, no recursion, every
 * length checked against its enclosing element: rk_crlparse() reads the
 * structure (TBS bytes for signature checking, signature algorithm and
 * value, issuer Name DER, thisUpdate/nextUpdate, CRL number, authority key
 * identifier) without touching the entries; rk_crlparse_entries() then
 * walks the revoked certificates one by one, handing each serial (big-
 * endian bytes without leading zeros, at most 20), revocation date and
 * reason code (-1 when absent) to a callback.
 *
 * Refused with RK_EFORMAT and a message naming the field: anything not DER
 * of the expected shape, trailing bytes, v1 CRLs with extensions, delta
 * CRLs, indirect CRLs (certificateIssuer entry extension), unknown critical
 * extensions, serials over 20 bytes, outer and inner signature algorithms
 * that differ. Fuzzed by tests/fuzz/fuzz_crl.c.
 */
#ifndef RK_CRLPARSE_H
#define RK_CRLPARSE_H

#include <stddef.h>
#include <stdint.h>

typedef struct rk_crlparse_info {
    const unsigned char *tbs; /* the whole TBSCertList TLV: what is signed */
    size_t tbs_len;
    const unsigned char *sigalg; /* AlgorithmIdentifier TLV */
    size_t sigalg_len;
    const unsigned char *sig; /* signature bits (after the unused-bits byte) */
    size_t sig_len;
    const unsigned char *issuer; /* Name TLV */
    size_t issuer_len;
    int64_t this_update;
    int64_t next_update; /* 0 if absent */
    unsigned char number[20];
    size_t number_len;         /* 0: no CRL number extension */
    const unsigned char *akid; /* keyIdentifier of the AKI extension, or NULL */
    size_t akid_len;
    const unsigned char *entries; /* content of revokedCertificates, or NULL */
    size_t entries_len;
} rk_crlparse_info;

/* Reads the structure of the CRL in der[0..len). Pointers refer into der. */
int rk_crlparse(rk_crlparse_info *out, const unsigned char *der, size_t len);

/* Called for each entry; nonzero stops the walk and is returned. */
typedef int (*rk_crlparse_entry_fn)(void *arg, const unsigned char *serial, size_t serial_len,
                                    int64_t revoked_at, int reason);

/* Walks the entries of a parsed CRL; *count (may be NULL) receives their
 * number. RK_EFORMAT at the first malformed entry (with its index). */
int rk_crlparse_entries(const rk_crlparse_info *info, rk_crlparse_entry_fn fn, void *arg,
                        size_t *count);

/* Compares two CRL numbers as unsigned big-endian integers: <0, 0, >0. */
int rk_crlparse_cmp_number(const unsigned char *a, size_t alen, const unsigned char *b,
                           size_t blen);

#endif
