/*
 * Sealing personal data at rest (see seal.h).
 *
 * AES-256-GCM through OpenSSL's EVP interface, in 64 KB steps so a 3 MB
 * image is never copied whole into a temporary buffer. The GCM additional
 * data is the version byte followed by the caller's aad text.
 */
#include "seal.h"

#include "util/err.h"
#include "util/hex.h"
#include "util/wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NONCE_BYTES 12
#define TAG_BYTES   16
#define STEP        65536

/* ---- the key file ---- */

static int read_key(unsigned char key[RK_SEAL_KEY_BYTES], const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return rk_err_set(RK_ENOTFOUND, "no data key at %s", path);
        if (errno == ELOOP)
            return rk_err_set(RK_EPERM, "data key %s is a symbolic link; refusing it", path);
        return rk_err_set(RK_EIO, "cannot open data key %s: %s", path, strerror(errno));
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) {
        rc = rk_err_set(RK_EIO, "cannot stat data key %s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = rk_err_set(RK_EPERM, "data key %s is not a regular file", path);
    } else if (st.st_uid != geteuid()) {
        rc = rk_err_set(RK_EPERM, "data key %s is owned by user %u, not by this service (%u)", path,
                        (unsigned)st.st_uid, (unsigned)geteuid());
    } else if (st.st_mode & 077) {
        rc = rk_err_set(RK_EPERM,
                        "data key %s has permissions %04o, wider than 0600; run: chmod 600 %s",
                        path, (unsigned)(st.st_mode & 07777), path);
    } else if (st.st_size != RK_SEAL_KEY_BYTES) {
        rc = rk_err_set(RK_EFORMAT, "data key %s holds %lld bytes, not %d: damaged or not a key",
                        path, (long long)st.st_size, RK_SEAL_KEY_BYTES);
    } else {
        size_t got = 0;
        while (got < RK_SEAL_KEY_BYTES) {
            ssize_t r = read(fd, key + got, RK_SEAL_KEY_BYTES - got);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) {
                rc = rk_err_set(RK_EIO, "cannot read data key %s", path);
                rk_wipe(key, RK_SEAL_KEY_BYTES);
                break;
            }
            got += (size_t)r;
        }
    }
    close(fd);
    return rc;
}

static int fsync_parent(const char *path)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

/* Writes a new key to a temporary file and links it into place: link()
 * never replaces, so two processes creating at once agree on one key, and
 * a crash leaves either no key file or a complete one. */
static int create_key(const char *path)
{
    char tmp[PATH_MAX];
    unsigned char key[RK_SEAL_KEY_BYTES];
    int rc = 0;

    if (snprintf(tmp, sizeof tmp, "%s.new.XXXXXX", path) >= (int)sizeof tmp)
        return rk_err_set(RK_EINVAL, "data key path too long");
    mode_t old = umask(077);
    int fd = mkstemp(tmp);
    umask(old);
    if (fd < 0)
        return rk_err_set(RK_EIO, "cannot create data key next to %s: %s", path, strerror(errno));
    if (RAND_bytes(key, sizeof key) != 1) {
        rc = rk_err_set(RK_ECRYPTO, "no random bytes for a data key");
    } else if (fchmod(fd, 0600) != 0 || write(fd, key, sizeof key) != (ssize_t)sizeof key ||
               fsync(fd) != 0) {
        rc = rk_err_set(RK_EIO, "cannot write data key %s: %s", tmp, strerror(errno));
    }
    rk_wipe(key, sizeof key);
    close(fd);
    if (!rc && link(tmp, path) != 0 && errno != EEXIST)
        rc = rk_err_set(RK_EIO, "cannot install data key %s: %s", path, strerror(errno));
    unlink(tmp);
    if (!rc && fsync_parent(path) != 0)
        rc = rk_err_set(RK_EIO, "cannot sync the directory of %s: %s", path, strerror(errno));
    return rc;
}

int rk_seal_key_load(unsigned char key[RK_SEAL_KEY_BYTES], const char *path, int create)
{
    int rc = read_key(key, path);
    if (rc != RK_ENOTFOUND || !create) return rc;
    rc = create_key(path);
    if (rc) return rc;
    return read_key(key, path);
}

/* ---- sealing ---- */

static int crypto_fail(const char *what)
{
    return rk_err_set(RK_ECRYPTO, "AES-GCM %s failed", what);
}

int rk_seal(rk_buf *out, const unsigned char key[RK_SEAL_KEY_BYTES], const void *plain, size_t n,
            const char *aad)
{
    size_t start = out->len;
    unsigned char head[1 + NONCE_BYTES], tag[TAG_BYTES], chunk[STEP];
    const unsigned char *p = plain;
    int rc = 0, len;

    if (n > SIZE_MAX - RK_SEAL_OVERHEAD) return rk_err_set(RK_ETOOBIG, "data too large to seal");
    head[0] = RK_SEAL_VERSION;
    if (RAND_bytes(head + 1, NONCE_BYTES) != 1) return crypto_fail("nonce");
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx) return rk_err_oom();
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_BYTES, NULL) != 1 ||
        EVP_EncryptInit_ex(ctx, NULL, NULL, key, head + 1) != 1 ||
        EVP_EncryptUpdate(ctx, NULL, &len, head, 1) != 1 ||
        (aad && *aad &&
         EVP_EncryptUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) != 1)) {
        rc = crypto_fail("setup");
        goto done;
    }
    if ((rc = rk_buf_append(out, head, sizeof head))) goto done;
    for (size_t off = 0; off < n; off += STEP) {
        int step = (int)(n - off < STEP ? n - off : STEP);
        if (EVP_EncryptUpdate(ctx, chunk, &len, p + off, step) != 1) {
            rc = crypto_fail("encryption");
            goto done;
        }
        if ((rc = rk_buf_append(out, chunk, (size_t)len))) goto done;
    }
    if (EVP_EncryptFinal_ex(ctx, chunk, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, tag) != 1) {
        rc = crypto_fail("finish");
        goto done;
    }
    rc = rk_buf_append(out, tag, sizeof tag);
done:
    EVP_CIPHER_CTX_free(ctx);
    rk_wipe(chunk, sizeof chunk);
    if (rc && out->data) {
        rk_wipe(out->data + start, out->len - start);
        out->len = start;
        out->data[start] = '\0';
    }
    return rc;
}

int rk_unseal(rk_buf *out, const unsigned char key[RK_SEAL_KEY_BYTES], const void *sealed, size_t n,
              const char *aad)
{
    const unsigned char *s = sealed;
    size_t start = out->len;
    unsigned char chunk[STEP];
    int rc = 0, len;

    if (n < RK_SEAL_OVERHEAD) return rk_err_set(RK_EFORMAT, "sealed data too short (%zu bytes)", n);
    if (s[0] != RK_SEAL_VERSION)
        return rk_err_set(RK_EFORMAT, "sealed data of unknown version %u", s[0]);
    size_t body = n - RK_SEAL_OVERHEAD;
    const unsigned char *ct = s + 1 + NONCE_BYTES, *tag = s + n - TAG_BYTES;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx) return rk_err_oom();
    if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_BYTES, NULL) != 1 ||
        EVP_DecryptInit_ex(ctx, NULL, NULL, key, s + 1) != 1 ||
        EVP_DecryptUpdate(ctx, NULL, &len, s, 1) != 1 ||
        (aad && *aad &&
         EVP_DecryptUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) != 1)) {
        rc = crypto_fail("setup");
        goto done;
    }
    for (size_t off = 0; off < body; off += STEP) {
        int step = (int)(body - off < STEP ? body - off : STEP);
        if (EVP_DecryptUpdate(ctx, chunk, &len, ct + off, step) != 1) {
            rc = crypto_fail("decryption");
            goto done;
        }
        if ((rc = rk_buf_append(out, chunk, (size_t)len))) goto done;
    }
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, (void *)tag) != 1 ||
        EVP_DecryptFinal_ex(ctx, chunk, &len) != 1)
        rc = rk_err_set(RK_ECRYPTO, "data was altered or the key is wrong");
done:
    EVP_CIPHER_CTX_free(ctx);
    rk_wipe(chunk, sizeof chunk);
    if (rc && out->data) { /* never leave unverified plaintext behind */
        rk_wipe(out->data + start, out->len - start);
        out->len = start;
        out->data[start] = '\0';
    }
    return rc;
}

/* ---- blind index ---- */

int rk_seal_index(char out[65], const unsigned char key[RK_SEAL_KEY_BYTES], const char *purpose,
                  const char *value)
{
    unsigned char mac[32];
    size_t maclen = 0;
    int rc = 0;
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    static const unsigned char zero = 0;

    out[0] = '\0';
    if (!ctx || EVP_MAC_init(ctx, key, RK_SEAL_KEY_BYTES, params) != 1 ||
        EVP_MAC_update(ctx, (const unsigned char *)purpose, strlen(purpose)) != 1 ||
        EVP_MAC_update(ctx, &zero, 1) != 1 ||
        EVP_MAC_update(ctx, (const unsigned char *)value, strlen(value)) != 1 ||
        EVP_MAC_final(ctx, mac, &maclen, sizeof mac) != 1 || maclen != sizeof mac) {
        rc = rk_err_set(RK_ECRYPTO, "HMAC-SHA256 failed");
    } else {
        rk_hex_encode(out, mac, sizeof mac, RK_HEX_LOWER);
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(m);
    rk_wipe(mac, sizeof mac);
    return rc;
}
