/*
 * X.509 names as text people read: RFC 2253 order ("CN=王小明,O=...")
 * with non-ASCII characters kept as UTF-8 instead of the \xE7\x8E... escapes
 * OpenSSL's X509_NAME_oneline writes, so Chinese subject names print as
 * they are in every listing, JSON reply and message.
 */
#ifndef RK_X509NAME_H
#define RK_X509NAME_H

#include <openssl/x509.h>
#include <stddef.h>

/* name as UTF-8 text into out[0..n) (cut at a character boundary when it
 * does not fit); "" when name is NULL or cannot be printed. */
void rk_x509name_text(char *out, size_t n, const X509_NAME *name);

#endif
