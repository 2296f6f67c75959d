/*
 * The document store (see docstore.h for the layout and crash-safety
 * argument).
 */
#include "docstore.h"

#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/seal.h"
#include "util/wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AAD_PREFIX "rakiosk-document:"

static int valid_hex(const char *h)
{
    if (!h) return 0;
    size_t i = 0;
    for (; h[i]; i++)
        if (i >= 64 || !((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f'))) return 0;
    return i == 64;
}

static int sha256_hex_of(char out[65], const unsigned char *data, size_t len)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return rk_err_set(RK_ECRYPTO, "SHA-256 failed");
    rk_hex_encode(out, md, 32, RK_HEX_LOWER);
    return 0;
}

int rk_docstore_path(char *out, size_t n, const char *dir, const char *sha256_hex)
{
    if (!valid_hex(sha256_hex))
        return rk_err_set(RK_EINVAL, "'%s' is not a document address (64 lower-case hex digits)",
                          sha256_hex ? sha256_hex : "(null)");
    int w = snprintf(out, n, "%s/%.2s/%s", dir, sha256_hex, sha256_hex + 2);
    if (w < 0 || (size_t)w >= n) return rk_err_set(RK_EINVAL, "document path too long");
    return 0;
}

/* mkdir that accepts an existing directory; fsyncs the parent when it
 * created one, so the new entry survives a crash. */
static int ensure_dir(const char *path, const char *parent)
{
    if (mkdir(path, 0700) == 0) return parent ? rk_file_sync_dir(parent) : 0;
    if (errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
        return rk_err_set(RK_EIO, "%s exists and is not a directory", path);
    }
    return rk_err_set(RK_EIO, "cannot create directory %s: %s", path, strerror(errno));
}

int rk_docstore_put(const char *dir, const unsigned char key[32], const unsigned char *data,
                    size_t len, char sha256_hex[65])
{
    char hex[65], sub[PATH_MAX], path[PATH_MAX], aad[96];
    rk_buf sealed;
    int rc;

    sha256_hex[0] = '\0';
    if ((rc = sha256_hex_of(hex, data, len))) return rc;
    if ((rc = rk_docstore_path(path, sizeof path, dir, hex))) return rc;
    snprintf(sub, sizeof sub, "%s/%.2s", dir, hex);

    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
        (uint64_t)st.st_size == (uint64_t)len + RK_SEAL_OVERHEAD) {
        memcpy(sha256_hex, hex, 65); /* already stored: nothing to do */
        return 0;
    }
    if ((rc = ensure_dir(dir, NULL)) || (rc = ensure_dir(sub, dir))) return rc;

    snprintf(aad, sizeof aad, AAD_PREFIX "%s", hex);
    rk_buf_init(&sealed, len + RK_SEAL_OVERHEAD);
    if ((rc = rk_seal(&sealed, key, data, len, aad))) goto done;

    /* The rename is atomic: readers see no file or the whole file. A
     * concurrent put of the same content renames an identical file. */
    if ((rc = rk_file_write_atomic(path, sealed.data, sealed.len, 0600)) != 0) goto done;
    memcpy(sha256_hex, hex, 65);
done:
    rk_buf_free(&sealed);
    return rc;
}

int rk_docstore_get(rk_buf *out, const char *dir, const unsigned char key[32],
                    const char *sha256_hex)
{
    char path[PATH_MAX], aad[96], hex[65];
    rk_buf sealed;
    size_t start = out->len;
    int rc;

    if ((rc = rk_docstore_path(path, sizeof path, dir, sha256_hex))) return rc;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return rk_err_set(RK_ENOTFOUND, "no document %s", sha256_hex);
        return rk_err_set(RK_EIO, "cannot open %s: %s", path, strerror(errno));
    }
    size_t room = out->max - out->len;
    rk_buf_init(&sealed, room > SIZE_MAX - RK_SEAL_OVERHEAD ? SIZE_MAX : room + RK_SEAL_OVERHEAD);
    char chunk[65536];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = rk_err_set(RK_EIO, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (r == 0) break;
        if ((rc = rk_buf_append(&sealed, chunk, (size_t)r))) {
            rc = rk_err_set(RK_ETOOBIG, "document %s is larger than the %zu bytes allowed",
                            sha256_hex, room);
            break;
        }
    }
    close(fd);
    if (rc) goto done;

    snprintf(aad, sizeof aad, AAD_PREFIX "%s", sha256_hex);
    rc = rk_unseal(out, key, sealed.data, sealed.len, aad);
    if (rc == RK_ECRYPTO || rc == RK_EFORMAT) {
        rc = rk_err_set(RK_EVERIFY,
                        "document %s was altered, moved from another address or sealed with "
                        "another key",
                        sha256_hex);
        goto done;
    }
    if (rc) goto done;
    if ((rc = sha256_hex_of(hex, (unsigned char *)out->data + start, out->len - start))) goto done;
    if (strcmp(hex, sha256_hex) != 0)
        rc = rk_err_set(RK_EVERIFY, "document %s does not match its address (it hashes to %s)",
                        sha256_hex, hex);
done:
    if (rc && out->data) {
        rk_wipe(out->data + start, out->len - start);
        out->len = start;
        out->data[start] = '\0';
    }
    rk_buf_free(&sealed);
    return rc;
}

int rk_docstore_exists(const char *dir, const char *sha256_hex)
{
    char path[PATH_MAX];
    int rc = rk_docstore_path(path, sizeof path, dir, sha256_hex);
    if (rc) return rc;
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
