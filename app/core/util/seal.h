/*
 * Sealing personal data at rest: AES-256-GCM with the branch's 32-byte data
 * key, and keyed blind indexes for lookups.
 *
 * The ledger stores ID numbers, phone numbers and document images sealed,
 * so a copied database file or disk reveals nothing without the key. A
 * sealed value is: version byte (1) || 12-byte random nonce || ciphertext ||
 * 16-byte GCM tag. The version byte and the caller's "aad" text (the
 * context, e.g. "order-idno" or a document's address) are authenticated, so
 * a sealed value moved to another place or context fails to unseal.
 *
 * To find an order by ID number without storing the number in clear, the
 * ledger stores rk_seal_index(key, "idno", number): a keyed hash that is the
 * same for the same value and purpose, useless without the key.
 *
 * The key file: 32 random bytes, mode 0600, owned by the service user. In
 * this module it is a plain file; the issuance work wraps it with the
 * appliance HSM (the file then holds the wrapped key and only the HSM can
 * unwrap it). Keys and plaintext are wiped from memory (util/wipe.h).
 * No global state: thread-safe.
 */
#ifndef RK_SEAL_H
#define RK_SEAL_H

#include "util/buf.h"

#include <stddef.h>

#define RK_SEAL_KEY_BYTES 32
#define RK_SEAL_VERSION   1
#define RK_SEAL_OVERHEAD  (1 + 12 + 16) /* sealed size = plaintext size + this */

/* Reads the 32-byte data key at path into key. If the file does not exist
 * and create is set, creates it atomically (0600, 32 bytes from the OpenSSL
 * CSPRNG; a concurrent creator wins and its key is read). RK_ENOTFOUND if
 * missing and !create; RK_EPERM if it is not a regular file, is owned by
 * another user or its permissions are wider than 0600 (the message says
 * how to fix it); RK_EFORMAT if its size is not 32 bytes; RK_EIO. */
int rk_seal_key_load(unsigned char key[RK_SEAL_KEY_BYTES], const char *path, int create);

/* Seals plain[0..n) and APPENDS the sealed bytes (n + RK_SEAL_OVERHEAD) to
 * out. aad (may be NULL = "") must be given again to unseal. On failure out
 * is left as it was. RK_ETOOBIG past out's maximum, RK_ECRYPTO, RK_ENOMEM. */
int rk_seal(rk_buf *out, const unsigned char key[RK_SEAL_KEY_BYTES], const void *plain, size_t n,
            const char *aad);

/* Checks and opens sealed[0..n) and APPENDS the plaintext to out.
 * RK_ECRYPTO "data was altered or the key is wrong" when the tag does not
 * verify (wrong key, wrong aad, any altered byte); RK_EFORMAT if too short
 * or of an unknown version. On failure out is left as it was and no
 * plaintext remains in its memory. */
int rk_unseal(rk_buf *out, const unsigned char key[RK_SEAL_KEY_BYTES], const void *sealed, size_t n,
              const char *aad);

/* The blind index of value for purpose: lower-case hex of
 * HMAC-SHA256(key, purpose || 0x00 || value), 64 characters + NUL, into out.
 * Normalise the value first (trim, upper-case the X of an ID number): the
 * index matches only identical strings. RK_ECRYPTO. */
int rk_seal_index(char out[65], const unsigned char key[RK_SEAL_KEY_BYTES], const char *purpose,
                  const char *value);

#endif
