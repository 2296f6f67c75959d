/*
 * Random UUIDs and bytes from OpenSSL's CSPRNG (see uuid.h).
 */
#include "uuid.h"

#include "err.h"

#include <openssl/rand.h>
#include <stdio.h>

int rk_random_bytes(void *out, int n)
{
    if (RAND_bytes(out, n) != 1)
        return rk_err_set(RK_ECRYPTO, "the random number generator failed");
    return 0;
}

int rk_uuid_v4(char out[RK_UUID_LEN + 1])
{
    unsigned char u[16];
    int rc = rk_random_bytes(u, sizeof u);
    if (rc) return rc;
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
    snprintf(out, RK_UUID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
    return 0;
}
