/*
 * Reading the facts the ledger records about an X.509 certificate: serial
 * (upper-case hex), validity and subject name, from PEM or DER bytes.
 * Outside input: the parsing is OpenSSL's; this module only refuses what
 * the ledger cannot record (no serial, inverted validity, oversize).
 */
#ifndef RK_CERTINFO_H
#define RK_CERTINFO_H

#include <stddef.h>

#include "domain/order.h"

#include <openssl/x509.h>

#define RK_CERTINFO_MAX_BYTES (64 * 1024)

/* Fills rec from a PEM or DER certificate. rec->der points into *der (a new
 * buffer the caller frees with OPENSSL_free). RK_EFORMAT if it is not a
 * certificate. */
int rk_certinfo_parse(rk_cert_record *rec, unsigned char **der, const unsigned char *data,
                      size_t len);

/* The same from a certificate already decoded (x stays the caller's). */
int rk_certinfo_of(rk_cert_record *rec, unsigned char **der, X509 *x);

#endif
