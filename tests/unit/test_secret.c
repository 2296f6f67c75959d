/*
 * Unit tests of the secrets loader (conf/secret.h): [secrets] store parsed
 * and refused; the credentials directory systemd hands a unit wins over
 * the files; with store = credentials nothing but a credential is taken and
 * nothing is made (a missing directory or credential says which unit
 * setting hands it over); a credential of the wrong size, a symbolic link,
 * an empty or multi-line PIN refused; the file store makes each secret once
 * (0600) and reads it again; and no message ever holds a secret's bytes.
 */
#define _GNU_SOURCE /* memmem */
#include "test.h"

#include "conf/conf.h"
#include "conf/secret.h"
#include "util/err.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256], creds[300], data[300];

static void put(const char *path, const void *bytes, size_t n, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0 || write(fd, bytes, n) != (ssize_t)n) rk_test_failed++;
    if (fd >= 0) close(fd);
    chmod(path, mode);
}

static void put_cred(const char *name, const void *bytes, size_t n)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", creds, name);
    put(path, bytes, n, 0400);
}

static void drop_cred(const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", creds, name);
    unlink(path);
}

/* The message holds none of the secret's bytes (as text or raw). */
static void check_quiet(const void *secret, size_t n)
{
    const char *m = rk_err_msg();
    CHECK(memmem(m, strlen(m), secret, n) == NULL);
}

static void test_conf_store(void)
{
    char path[400];
    rk_conf *c = NULL;
    snprintf(path, sizeof path, "%s/conf/kiosk.conf", getenv("RK_SOURCE_DIR"));
    unsetenv("RAKIOSK_DATA_DIR");
    CHECK_INT(rk_conf_load(&c, path), 0);
    if (c) CHECK_INT(c->secrets_sealed, 0); /* the demo branch keeps files */
    rk_conf_free(c);
    c = NULL;

    static const char base[] = "[branch]\nid = B1\nname = n\n[paths]\ndata_dir = d\n"
                               "[files]\nfees = f.ini\nforms = f.ini\nprofiles = f.ini\n"
                               "calendar = f.ini\nknowledge = f.ini\n";
    char fpath[400], kpath[400], text[1024];
    snprintf(fpath, sizeof fpath, "%s/f.ini", dir);
    put(fpath, "", 0, 0644);
    snprintf(kpath, sizeof kpath, "%s/k.conf", dir);
    snprintf(text, sizeof text, "%s[secrets]\nstore = credentials\n", base);
    put(kpath, text, strlen(text), 0644);
    CHECK_INT(rk_conf_load(&c, kpath), 0);
    if (c) CHECK_INT(c->secrets_sealed, 1);
    rk_conf_free(c);
    c = NULL;
    snprintf(text, sizeof text, "%s[secrets]\nstore = tpm\n", base);
    put(kpath, text, strlen(text), 0644);
    CHECK_INT(rk_conf_load(&c, kpath), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "[secrets] store: 'tpm' must be file or credentials") != NULL);
    CHECK(c == NULL);
}

static void test_credentials(rk_conf *conf)
{
    unsigned char key[32], want[32], other[32];
    char pin[RK_SECRET_PIN_MAX], where[400];
    for (int i = 0; i < 32; i++) {
        want[i] = (unsigned char)(0xA0 + i);
        other[i] = (unsigned char)(0x10 + i);
    }

    /* The file store with a credentials directory: the credential wins. */
    conf->secrets_sealed = 0;
    setenv("CREDENTIALS_DIRECTORY", creds, 1);
    char kfile[400];
    snprintf(kfile, sizeof kfile, "%s/data.key", data);
    put(kfile, other, 32, 0600);
    put_cred("rakiosk-data-key", want, 32);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_DATA_KEY, NULL, 0, key, sizeof key), 0);
    CHECK(memcmp(key, want, 32) == 0);
    rk_secret_where(where, sizeof where, conf, RK_SECRET_DATA_KEY, NULL);
    CHECK_STR(where, "credential rakiosk-data-key");
    /* ... and without the credential, the file. */
    drop_cred("rakiosk-data-key");
    CHECK_INT(rk_secret_load(conf, RK_SECRET_DATA_KEY, NULL, 0, key, sizeof key), 0);
    CHECK(memcmp(key, other, 32) == 0);
    rk_secret_where(where, sizeof where, conf, RK_SECRET_DATA_KEY, NULL);
    CHECK_STR(where, kfile);

    /* Sealed: only the credential, the file beside the database ignored. */
    conf->secrets_sealed = 1;
    CHECK_INT(rk_secret_load(conf, RK_SECRET_DATA_KEY, NULL, 1, key, sizeof key), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "holds no rakiosk-data-key") != NULL);
    CHECK(strstr(rk_err_msg(), "LoadCredentialEncrypted=rakiosk-data-key:") != NULL);
    unsetenv("CREDENTIALS_DIRECTORY");
    CHECK_INT(rk_secret_load(conf, RK_SECRET_HSM_PIN, NULL, 1, pin, sizeof pin), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "HSM PIN is sealed to this terminal") != NULL);
    CHECK(strstr(rk_err_msg(), "was not started with it") != NULL);
    /* nothing was made beside the database */
    char pfile[400];
    snprintf(pfile, sizeof pfile, "%s/hsm.pin", data);
    CHECK(access(pfile, F_OK) != 0);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_BRANCH_SECRET, NULL, 1, key, sizeof key), RK_ECONF);
    snprintf(pfile, sizeof pfile, "%s/branch.secret", data);
    CHECK(access(pfile, F_OK) != 0);

    setenv("CREDENTIALS_DIRECTORY", creds, 1);
    put_cred("rakiosk-data-key", want, 32);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_DATA_KEY, NULL, 0, key, sizeof key), 0);
    CHECK(memcmp(key, want, 32) == 0);
    put_cred("rakiosk-branch-secret", other, 32);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_BRANCH_SECRET, NULL, 0, key, sizeof key), 0);
    CHECK(memcmp(key, other, 32) == 0);

    /* The PIN: its line end dropped; an RAKIOSK_HSM_PIN_FILE does not
     * take the credential's place. */
    put_cred("rakiosk-hsm-pin", "8061295533017742\n", 17);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_HSM_PIN, "/nonexistent/pin", 0, pin, sizeof pin), 0);
    CHECK_STR(pin, "8061295533017742");

    /* Refusals, each with no secret in the message and the output wiped. */
    put_cred("rakiosk-data-key", want, 31);
    memset(key, 0x55, sizeof key);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_DATA_KEY, NULL, 0, key, sizeof key), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "data key credential") && strstr(rk_err_msg(), "31 bytes"));
    check_quiet(want, 16);
    unsigned char longer[33];
    memcpy(longer, want, sizeof want);
    longer[32] = 0x5A;
    put_cred("rakiosk-data-key", longer, sizeof longer);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_DATA_KEY, NULL, 0, key, sizeof key), RK_EFORMAT);
    put_cred("rakiosk-hsm-pin", "\n", 1);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_HSM_PIN, NULL, 0, pin, sizeof pin), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "is empty") != NULL);
    put_cred("rakiosk-hsm-pin", "1234\n5678\n", 10);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_HSM_PIN, NULL, 0, pin, sizeof pin), RK_EFORMAT);
    check_quiet("5678", 4);
    char longpin[100];
    memset(longpin, '7', sizeof longpin);
    put_cred("rakiosk-hsm-pin", longpin, sizeof longpin);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_HSM_PIN, NULL, 0, pin, sizeof pin), RK_EFORMAT);
    /* a link in the credentials directory is not followed */
    char target[400], link_path[400];
    snprintf(target, sizeof target, "%s/elsewhere", dir);
    put(target, want, 32, 0600);
    snprintf(link_path, sizeof link_path, "%s/rakiosk-data-key", creds);
    unlink(link_path);
    CHECK_INT(symlink(target, link_path), 0);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_DATA_KEY, NULL, 0, key, sizeof key), RK_EPERM);
    CHECK(strstr(rk_err_msg(), "symbolic link") != NULL);
    /* an unreadable credential: a clear message, not a crash (root reads
     * anything, so only as an ordinary user) */
    if (geteuid() != 0) {
        put_cred("rakiosk-branch-secret", other, 32);
        snprintf(target, sizeof target, "%s/rakiosk-branch-secret", creds);
        chmod(target, 0);
        CHECK_INT(rk_secret_load(conf, RK_SECRET_BRANCH_SECRET, NULL, 0, key, sizeof key),
                  RK_ECONF);
        CHECK(strstr(rk_err_msg(), "cannot read the branch secret credential") != NULL);
    }
    /* a wrong buffer is a caller's bug, said so */
    CHECK_INT(rk_secret_load(conf, RK_SECRET_HSM_PIN, NULL, 0, pin, 8), RK_EINTERNAL);
    unsetenv("CREDENTIALS_DIRECTORY");
}

static void test_file_store(rk_conf *conf)
{
    unsigned char a[32], b[32];
    char pin[RK_SECRET_PIN_MAX], pin2[RK_SECRET_PIN_MAX], path[400];
    struct stat st;
    conf->secrets_sealed = 0;
    unsetenv("CREDENTIALS_DIRECTORY");

    /* missing and not to be made */
    CHECK_INT(rk_secret_load(conf, RK_SECRET_BRANCH_SECRET, NULL, 0, a, sizeof a), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "branch secret") && strstr(rk_err_msg(), "missing"));
    CHECK_INT(rk_secret_load(conf, RK_SECRET_HSM_PIN, NULL, 0, pin, sizeof pin), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "ractl ca init") != NULL);

    /* made once, 0600, read again the same */
    CHECK_INT(rk_secret_load(conf, RK_SECRET_BRANCH_SECRET, NULL, 1, a, sizeof a), 0);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_BRANCH_SECRET, NULL, 1, b, sizeof b), 0);
    CHECK(memcmp(a, b, 32) == 0);
    snprintf(path, sizeof path, "%s/branch.secret", data);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 32);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_HSM_PIN, NULL, 1, pin, sizeof pin), 0);
    CHECK_INT(strlen(pin), 16);
    CHECK(strspn(pin, "0123456789") == 16);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_HSM_PIN, NULL, 0, pin2, sizeof pin2), 0);
    CHECK_STR(pin, pin2);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_DATA_KEY, NULL, 1, a, sizeof a), 0);
    snprintf(path, sizeof path, "%s/data.key", data);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);

    /* a secret's file readable by others is refused, and says how to fix it */
    snprintf(path, sizeof path, "%s/branch.secret", data);
    chmod(path, 0644);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_BRANCH_SECRET, NULL, 0, b, sizeof b), RK_EPERM);
    CHECK(strstr(rk_err_msg(), "chmod 600") != NULL);
    chmod(path, 0600);
    /* a damaged one (wrong size) */
    put(path, a, 20, 0600);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_BRANCH_SECRET, NULL, 0, b, sizeof b), RK_EFORMAT);
    check_quiet(a, 16);

    /* RAKIOSK_HSM_PIN_FILE: the administrator's file, read as given */
    snprintf(path, sizeof path, "%s/admin.pin", dir);
    put(path, "4455\r\n", 6, 0640);
    CHECK_INT(rk_secret_load(conf, RK_SECRET_HSM_PIN, path, 0, pin, sizeof pin), 0);
    CHECK_STR(pin, "4455");
    CHECK_INT(rk_secret_load(conf, RK_SECRET_HSM_PIN, "/nonexistent/x.pin", 0, pin, sizeof pin),
              RK_ECONF);
    CHECK(strstr(rk_err_msg(), "/nonexistent/x.pin") != NULL);
}

int main(void)
{
    rk_test_tmpdir(dir, sizeof dir);
    snprintf(creds, sizeof creds, "%s/creds", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    mkdir(creds, 0700);
    mkdir(data, 0700);
    rk_conf *conf = calloc(1, sizeof *conf);
    snprintf(conf->data_dir, sizeof conf->data_dir, "%s", data);
    test_conf_store();
    test_credentials(conf);
    /* a fresh data folder for the file store */
    rk_test_rmtree(data);
    mkdir(data, 0700);
    test_file_store(conf);
    free(conf);
    rk_test_rmtree(dir);
    return rk_test_done();
}
