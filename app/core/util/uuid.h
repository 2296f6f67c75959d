/*
 * Random (version 4) UUIDs for orders, events and sessions.
 */
#ifndef RK_UUID_H
#define RK_UUID_H

#define RK_UUID_LEN 36

/* Writes a lower-case UUID and a NUL into out (37 bytes); RK_ECRYPTO if the
 * random generator fails. */
int rk_uuid_v4(char out[RK_UUID_LEN + 1]);

/* Fills out with n random bytes from OpenSSL's CSPRNG. */
int rk_random_bytes(void *out, int n);

#endif
