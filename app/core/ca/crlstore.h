/*
 * The store of HQ's CRLs: import, keep the newest per issuer, look up a
 * serial in logarithmic time.
 *
 * Import (rk_crlstore_import) maps the CRL file, reads it with the
 * streaming DER reader (crlparse.h) instead of OpenSSL's d2i_X509_CRL (a
 * full decode of a million-entry CRL costs seconds and half a gigabyte),
 * finds the configured CA certificate whose subject is the CRL's issuer
 * (and whose key identifier matches the CRL's AKI when both are present),
 * verifies the signature over the raw TBS bytes with EVP_DigestVerify,
 * refuses a CRL whose number is not greater than the one held for that
 * issuer, and writes a sorted index of fixed-width records:
 *
 *     header: "RKCRLIX1" + u64 count (little-endian)
 *     record: serial (20 bytes, big-endian, left-padded with zeros),
 *             reason (1 byte, 0xff = none), 3 zero bytes,
 *             revocation time (i64 little-endian)          = 32 bytes
 *
 * which lookups mmap and binary-search. Per-issuer metadata lives in
 * <dir>/<issuer-id>.meta (key=value lines, replaced atomically): issuer
 * (one-line name), issuer DER in hex, CRL number (hex), thisUpdate,
 * nextUpdate, entry count, index file, sha256 of the CRL file. The
 * issuer-id is the first 16 bytes of SHA-256 over the issuer Name DER, in
 * hex. A copy of the newest CRL is kept as <issuer-id>.crl; older index
 * and CRL files are removed once the new metadata is in place.
 *
 * Lookups see the store as it was when it was opened (or last imported
 * into by this handle); reopen to see another process's imports. Readers in
 * other processes keep their mapping of a replaced index valid.
 *
 * Threads: lookups may run on several threads at once; import and open
 * need the handle to themselves.
 */
#ifndef RK_CRLSTORE_H
#define RK_CRLSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#define RK_CRLSTORE_MAX_ISSUERS 64

enum {
    RK_CRLSTORE_UNKNOWN = 0, /* no CRL held for this issuer */
    RK_CRLSTORE_GOOD = 1,    /* not on the newest CRL */
    RK_CRLSTORE_REVOKED = 2,
    RK_CRLSTORE_HOLD = 3 /* on the CRL with reason certificateHold */
};

typedef struct rk_crlstore rk_crlstore;

typedef struct rk_crlstore_info {
    char issuer_id[33];
    char issuer[256];    /* one-line issuer name */
    char number_hex[41]; /* the CRL number */
    int64_t this_update, next_update;
    uint64_t entries;
    char sha256[65]; /* of the CRL file */
} rk_crlstore_info;

/* Opens (creating the directory if missing) the store in dir. The caller
 * owns *out (rk_crlstore_free). */
int rk_crlstore_open(rk_crlstore **out, const char *dir);

void rk_crlstore_free(rk_crlstore *s);

/* Imports the DER CRL file at path, checked against the configured issuer
 * certificates cas[0..ncas). RK_EFORMAT for garbage or truncated DER,
 * RK_ENOTFOUND when no configured CA issued it, RK_EVERIFY for a bad
 * signature, RK_ESTATE when its number is not newer than the one held.
 * *info (may be NULL) describes what was imported. */
int rk_crlstore_import(rk_crlstore_info *info, rk_crlstore *s, const char *path, X509 *const *cas,
                       int ncas);

/* Status of a serial (big-endian magnitude bytes) under the issuer Name
 * DER: RK_CRLSTORE_*; *reason is the reason code or -1. */
int rk_crlstore_lookup_raw(int *status, int *reason, const rk_crlstore *s,
                           const unsigned char *issuer_der, size_t issuer_len,
                           const unsigned char *serial, size_t serial_len);

/* The same for an issuer name and an ASN1 serial. */
int rk_crlstore_lookup(int *status, int *reason, const rk_crlstore *s, const X509_NAME *issuer,
                       const ASN1_INTEGER *serial);

/* The CRLs held: *n entries at *out (borrowed, valid until the next import). */
void rk_crlstore_list(const rk_crlstore_info **out, int *n, const rk_crlstore *s);

#endif
