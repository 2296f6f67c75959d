/*
 * The branch's secrets at rest (see secret.h): the credentials directory
 * systemd hands a unit, else the files beside the database.
 *
 * The data key's file keeps util/seal.c's own reader (its checks and its
 * creation race are tested there); the branch secret and the PIN files are
 * made here with rk_file_atomic_commit_new, so two programs making one at
 * once agree on the first.
 */
#include "secret.h"

#include "util/err.h"
#include "util/file.h"
#include "util/seal.h"
#include "util/wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PIN_DIGITS 16

static const struct {
    const char *name; /* the credential */
    const char *file; /* in the file store, under data_dir */
    const char *what; /* for messages */
} SECRETS[] = {
    [RK_SECRET_DATA_KEY] = {"rakiosk-data-key", "data.key", "data key"},
    [RK_SECRET_BRANCH_SECRET] = {"rakiosk-branch-secret", "branch.secret", "branch secret"},
    [RK_SECRET_HSM_PIN] = {"rakiosk-hsm-pin", "hsm.pin", "HSM PIN"},
};

const char *rk_secret_name(rk_secret_kind kind)
{
    return SECRETS[kind].name;
}

static void file_path(char *out, size_t n, const rk_conf *conf, rk_secret_kind kind,
                      const char *file)
{
    if (file && *file)
        snprintf(out, n, "%s", file);
    else
        snprintf(out, n, "%s/%s", conf->data_dir, SECRETS[kind].file);
}

/* The credentials directory when systemd gave one, else NULL. */
static const char *cred_dir(void)
{
    const char *d = getenv("CREDENTIALS_DIRECTORY");
    return d && *d ? d : NULL;
}

void rk_secret_where(char *out, size_t n, const rk_conf *conf, rk_secret_kind kind,
                     const char *file)
{
    char path[PATH_MAX + 64];
    const char *dir = cred_dir();
    if (dir) {
        snprintf(path, sizeof path, "%s/%s", dir, SECRETS[kind].name);
        if (access(path, F_OK) == 0 || conf->secrets_sealed) {
            snprintf(out, n, "credential %s", SECRETS[kind].name);
            return;
        }
    }
    if (conf->secrets_sealed) {
        snprintf(out, n, "credential %s", SECRETS[kind].name);
        return;
    }
    file_path(out, n, conf, kind, file);
}

/* Reads a whole small file at path (a credential or a secret's file) into
 * out[0..n), *got its size: a regular file, not a link, of 1..n bytes;
 * with strict, owned by this user and 0600 or narrower. RK_ENOTFOUND when
 * it does not exist. label names it in messages. */
static int read_small(const char *path, const char *label, int strict, unsigned char *out, size_t n,
                      size_t *got)
{
    *got = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return rk_err_set(RK_ENOTFOUND, "no %s at %s", label, path);
        if (errno == ELOOP)
            return rk_err_set(RK_EPERM, "the %s %s is a symbolic link; refusing it", label, path);
        return rk_err_set(RK_ECONF, "cannot read the %s %s: %s", label, path, strerror(errno));
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) {
        rc = rk_err_set(RK_EIO, "cannot stat the %s %s: %s", label, path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = rk_err_set(RK_EPERM, "the %s %s is not a regular file", label, path);
    } else if (strict && st.st_uid != geteuid()) {
        rc = rk_err_set(RK_EPERM, "the %s %s is owned by user %u, not by this service (%u)", label,
                        path, (unsigned)st.st_uid, (unsigned)geteuid());
    } else if (strict && (st.st_mode & 077)) {
        rc = rk_err_set(RK_EPERM,
                        "the %s %s has permissions %04o, wider than 0600; run: chmod 600 %s", label,
                        path, (unsigned)(st.st_mode & 07777), path);
    } else if (st.st_size <= 0 || (size_t)st.st_size > n) {
        rc = rk_err_set(RK_EFORMAT, "the %s %s holds %lld bytes: damaged or not this secret", label,
                        path, (long long)st.st_size);
    } else {
        size_t want = (size_t)st.st_size;
        while (*got < want) {
            ssize_t r = read(fd, out + *got, want - *got);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) {
                rc = rk_err_set(RK_EIO, "cannot read the %s %s", label, path);
                break;
            }
            *got += (size_t)r;
        }
    }
    close(fd);
    if (rc) {
        rk_wipe(out, n);
        *got = 0;
    }
    return rc;
}

/* Checks what was read as the secret kind and puts it into out. */
static int take(rk_secret_kind kind, const char *path, const char *label, unsigned char *raw,
                size_t len, void *out, size_t n)
{
    if (kind != RK_SECRET_HSM_PIN) {
        if (len != RK_SECRET_KEY_BYTES)
            return rk_err_set(RK_EFORMAT, "the %s %s holds %zu bytes, not %d: damaged or not a key",
                              label, path, len, RK_SECRET_KEY_BYTES);
        memcpy(out, raw, RK_SECRET_KEY_BYTES);
        return 0;
    }
    if (len && raw[len - 1] == '\n') len--;
    if (len && raw[len - 1] == '\r') len--;
    if (len == 0) return rk_err_set(RK_ECONF, "the %s %s is empty", label, path);
    if (len >= n || memchr(raw, '\n', len) || memchr(raw, '\0', len))
        return rk_err_set(RK_EFORMAT, "the %s %s is not one line of at most %zu characters", label,
                          path, n - 1);
    memcpy(out, raw, len);
    ((char *)out)[len] = '\0';
    return 0;
}

static int from_credential(const char *dir, rk_secret_kind kind, void *out, size_t n)
{
    char path[PATH_MAX + 64], label[64];
    unsigned char raw[RK_SECRET_PIN_MAX + 2];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s", dir, SECRETS[kind].name);
    snprintf(label, sizeof label, "%s credential", SECRETS[kind].what);
    int rc = read_small(path, label, 0, raw, sizeof raw, &len);
    if (rc == 0) rc = take(kind, path, label, raw, len, out, n);
    rk_wipe(raw, sizeof raw);
    return rc;
}

/* Makes the secret's file (the file store), unless it exists meanwhile. */
static int make_file(const char *path, rk_secret_kind kind)
{
    /* A key's bytes, or a PIN's digits and its newline. */
    unsigned char
        fresh[RK_SECRET_KEY_BYTES > PIN_DIGITS + 1 ? RK_SECRET_KEY_BYTES : PIN_DIGITS + 1];
    size_t len = RK_SECRET_KEY_BYTES;
    rk_file_atomic *f = NULL;
    int rc;
    if (RAND_bytes(fresh, sizeof fresh) != 1)
        return rk_err_set(RK_ECRYPTO, "no random bytes for the %s", SECRETS[kind].what);
    if (kind == RK_SECRET_HSM_PIN) {
        for (int i = 0; i < PIN_DIGITS; i++)
            fresh[i] = (unsigned char)('0' + fresh[i] % 10);
        fresh[PIN_DIGITS] = '\n';
        len = PIN_DIGITS + 1;
    }
    if ((rc = rk_file_atomic_open(&f, path, 0600)) == 0) {
        if ((rc = rk_file_atomic_write(f, fresh, len)) != 0)
            rk_file_atomic_abort(f);
        else
            rc = rk_file_atomic_commit_new(f);
    }
    rk_wipe(fresh, sizeof fresh);
    if (rc == RK_EEXIST) rk_err_clear(); /* made meanwhile by another program: use it */
    return rc == RK_EEXIST ? 0 : rc;
}

static int from_file(const rk_conf *conf, rk_secret_kind kind, const char *file, int create,
                     void *out, size_t n)
{
    char path[PATH_MAX + 64];
    unsigned char raw[RK_SECRET_PIN_MAX + 2];
    size_t len = 0;
    int rc;
    file_path(path, sizeof path, conf, kind, file);
    if (kind == RK_SECRET_DATA_KEY) return rk_seal_key_load(out, path, create);
    /* A file the caller named is the administrator's: read as given. */
    int strict = !(file && *file);
    rc = read_small(path, SECRETS[kind].what, strict, raw, sizeof raw, &len);
    if (rc == RK_ENOTFOUND && create) {
        rk_err_clear();
        if ((rc = make_file(path, kind)) == 0)
            rc = read_small(path, SECRETS[kind].what, strict, raw, sizeof raw, &len);
    }
    if (rc == RK_ENOTFOUND) {
        if (kind == RK_SECRET_BRANCH_SECRET)
            rc = rk_err_set(RK_ECONF,
                            "the branch secret %s is missing: keys initialised here "
                            "cannot be unlocked without it",
                            path);
        else
            rc = rk_err_set(RK_ECONF,
                            "cannot read the HSM PIN file %s: it does not exist (run `ractl ca "
                            "init`, or set RAKIOSK_HSM_PIN_FILE)",
                            path);
    }
    if (rc == 0) rc = take(kind, path, SECRETS[kind].what, raw, len, out, n);
    rk_wipe(raw, sizeof raw);
    return rc;
}

int rk_secret_load(const rk_conf *conf, rk_secret_kind kind, const char *file, int create,
                   void *out, size_t n)
{
    if ((unsigned)kind > RK_SECRET_HSM_PIN)
        return rk_err_set(RK_EINTERNAL, "unknown secret %d", (int)kind);
    if (kind == RK_SECRET_HSM_PIN ? n < RK_SECRET_PIN_MAX : n != RK_SECRET_KEY_BYTES)
        return rk_err_set(RK_EINTERNAL, "wrong buffer size for the %s", SECRETS[kind].what);
    const char *dir = cred_dir();
    int rc;
    if (dir) {
        rc = from_credential(dir, kind, out, n);
        if (rc != RK_ENOTFOUND) return rc;
        rk_err_clear();
    }
    if (conf->secrets_sealed) {
        if (!dir)
            return rk_err_set(RK_ECONF,
                              "the %s is sealed to this terminal ([secrets] store = credentials) "
                              "and this program was not started with it: run it from its systemd "
                              "unit, whose LoadCredentialEncrypted=%s:... hands it over",
                              SECRETS[kind].what, SECRETS[kind].name);
        return rk_err_set(RK_ECONF,
                          "the %s was not handed to this program: %s holds no %s (the unit "
                          "needs LoadCredentialEncrypted=%s:<its sealed file>)",
                          SECRETS[kind].what, dir, SECRETS[kind].name, SECRETS[kind].name);
    }
    return from_file(conf, kind, file, create, out, n);
}
