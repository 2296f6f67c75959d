/*
 * Secure wiping of secrets (see wipe.h), using OpenSSL's cleanse.
 */
#include "wipe.h"

#include <openssl/crypto.h>
#include <string.h>

void rk_wipe(void *p, size_t n)
{
    if (p && n) OPENSSL_cleanse(p, n);
}

void rk_wipe_str(char *s)
{
    if (s) OPENSSL_cleanse(s, strlen(s));
}
