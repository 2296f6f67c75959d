/*
 * The store of HQ's CRLs: import, keep the newest per issuer, look up a
 * serial in logarithmic time.
 *
 * Import (rk_crlstore_import) maps the CRL file, reads it with the
 * streaming DER reader (crlparse.h) instead of OpenSSL's d2i_X509_CRL (a
 * full decode of a million-entry CRL costs seconds and half a gigabyte),
 * finds its issuer among HQ's CA certificates (catrust.h: a configured root,
 * or a certificate that chains to one, whose subject is the CRL's issuer and
 * whose key identifier matches the CRL's AKI when both are present, a CA
 * allowed to sign CRLs), verifies the signature over the raw TBS bytes with
 * EVP_DigestVerify, refuses a CRL whose number is not greater than the one
 * held for that issuer, and writes a sorted index of fixed-width records:
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
 * hex. A copy of the newest CRL is kept as <issuer-id>-<number>.crl; older
 * index and CRL files are removed once the new metadata is in place. A
 * refused CRL changes nothing: the one held stays in force.
 *
 * CRL numbers are shown in decimal (rk_crlstore_info.number), like the
 * sub-CA's own; the files keep them in hex.
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

#include "ca/catrust.h"

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
    char issuer[256]; /* one-line issuer name */
    char number[50];  /* the CRL number, decimal (up to 20 octets) */
    int64_t this_update, next_update;
    uint64_t entries;
    char sha256[65]; /* of the CRL file */
} rk_crlstore_info;

/* Opens (creating the directory if missing) the store in dir. The caller
 * owns *out (rk_crlstore_free). */
int rk_crlstore_open(rk_crlstore **out, const char *dir);

void rk_crlstore_free(rk_crlstore *s);

/* Imports the DER CRL file at path, its issuer checked against HQ's CA
 * certificates trust at the present time (rk_clock_now). RK_EFORMAT for
 * garbage or truncated DER, RK_ENOTFOUND when trust holds no CA of the
 * CRL's issuer name, RK_EVERIFY when no certificate of that name is trusted
 * (it does not chain to a configured root, may not sign CRLs) or the
 * signature does not verify with a trusted one's key, RK_ESTATE when its
 * number is not newer than the one held. On every refusal the CRL held
 * stays in force and the message says so. *info (may be NULL) describes
 * what was imported. */
int rk_crlstore_import(rk_crlstore_info *info, rk_crlstore *s, const char *path,
                       const rk_catrust *trust);

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

/* One serial's answer from a CRL held. */
typedef struct rk_crlstore_answer {
    int status;           /* RK_CRLSTORE_* */
    int reason;           /* the entry's CRLReason code, -1 if none or not listed */
    int64_t revoked_at;   /* the entry's revocation date; 0 if not listed */
    int stale;            /* 1: the CRL's nextUpdate has passed (rk_clock_now) */
    rk_crlstore_info crl; /* the CRL that answered (zeroed for UNKNOWN) */
} rk_crlstore_answer;

/* The status of serial (hex as ractl and openssl print it, ':' allowed,
 * leading zeros ignored) on the CRL held for the issuer named by issuer:
 * its issuer id or its one-line name as rk_crlstore_list gives them.
 * RK_ENOTFOUND if no CRL of such an issuer is held, RK_EINVAL for a serial
 * that is not hex or longer than 20 octets. */
int rk_crlstore_status(rk_crlstore_answer *out, const rk_crlstore *s, const char *issuer,
                       const char *serial);

/* The same with the issuer as a Name in DER; status UNKNOWN (and 0) when
 * no CRL of that issuer is held. */
int rk_crlstore_status_der(rk_crlstore_answer *out, const rk_crlstore *s,
                           const unsigned char *issuer_der, size_t issuer_len, const char *serial);

#endif
