/*
 * The util helpers every module shares for files and encodings: atomic
 * file replacement (whole and streamed, commit, abort, never-replace, the
 * first write error sticking, nothing left behind), bounded whole-file
 * reads, hex encoding and decoding, and the PEM loaders and writers
 * (certificates, chains, keys with and without a password, requests).
 */
#include "test.h"

#include "util/buf.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/pem.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[4096];

static void path_in(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static int entries(const char *d)
{
    int n = 0;
    DIR *h = opendir(d);
    struct dirent *e;
    while (h && (e = readdir(h)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    if (h) closedir(h);
    return n;
}

static void slurp(rk_buf *b, const char *path)
{
    rk_buf_reset(b);
    CHECK_INT(rk_file_read(b, path), 0);
}

static void test_write_atomic(void)
{
    char p[4200], sub[4200];
    struct stat st;
    rk_buf b;
    rk_buf_init(&b, 1 << 20);

    mode_t old = umask(077);
    path_in(p, sizeof p, "a.txt");
    CHECK_INT(rk_file_write_atomic(p, "first", 5, 0644), 0);
    slurp(&b, p);
    CHECK_STR(b.data, "first");
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0644); /* the mode, not the umask */
    CHECK_INT(rk_file_write_atomic(p, "second", 6, 0600), 0);
    slurp(&b, p);
    CHECK_STR(b.data, "second");
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_INT(entries(dir), 1); /* no temporary file left */
    umask(old);
    unlink(p);

    /* Empty content is a file too. */
    path_in(p, sizeof p, "empty");
    CHECK_INT(rk_file_write_atomic(p, NULL, 0, 0644), 0);
    CHECK(stat(p, &st) == 0 && st.st_size == 0);
    unlink(p);

    /* A bare name is written in the current folder. */
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK_INT(chdir(dir), 0);
    CHECK_INT(rk_file_write_atomic("bare.txt", "x", 1, 0644), 0);
    CHECK_INT(chdir(cwd), 0);
    path_in(p, sizeof p, "bare.txt");
    slurp(&b, p);
    CHECK_STR(b.data, "x");
    unlink(p);

    /* A folder that does not exist: a clear error naming the file. */
    path_in(p, sizeof p, "no/such/a.txt");
    CHECK_INT(rk_file_write_atomic(p, "x", 1, 0644), RK_EIO);
    CHECK(strstr(rk_err_msg(), p) != NULL);
    CHECK_INT(rk_file_write_atomic("/", "x", 1, 0644), RK_EINVAL);
    path_in(sub, sizeof sub, "dir/");
    CHECK_INT(rk_file_write_atomic(sub, "x", 1, 0644), RK_EINVAL);
    rk_buf_free(&b);
}

static void test_stream(void)
{
    char p[4200];
    rk_file_atomic *f;
    rk_buf b;
    rk_buf_init(&b, 1 << 20);

    path_in(p, sizeof p, "s.bin");
    CHECK_INT(rk_file_write_atomic(p, "old", 3, 0644), 0);
    CHECK_INT(rk_file_atomic_open(&f, p, 0644), 0);
    CHECK_STR(rk_file_atomic_path(f), p);
    /* The temporary file is hidden, in the same folder. */
    const char *tmp = rk_file_atomic_temp_path(f);
    CHECK(strncmp(tmp, dir, strlen(dir)) == 0 && tmp[strlen(dir)] == '/' &&
          tmp[strlen(dir) + 1] == '.');
    CHECK(access(tmp, F_OK) == 0);
    CHECK_INT(rk_file_atomic_write(f, "new ", 4), 0);
    CHECK(write(rk_file_atomic_fd(f), "and ", 4) == 4);
    CHECK_INT(rk_file_atomic_write(f, "more", 4), 0);
    slurp(&b, p);
    CHECK_STR(b.data, "old"); /* readers see the old file until the commit */
    CHECK_INT(rk_file_atomic_commit(f), 0);
    slurp(&b, p);
    CHECK_STR(b.data, "new and more");
    CHECK_INT(entries(dir), 1);

    /* Abort: the target stays, the temporary file goes. */
    CHECK_INT(rk_file_atomic_open(&f, p, 0644), 0);
    CHECK_INT(rk_file_atomic_write(f, "lost", 4), 0);
    rk_file_atomic_abort(f);
    rk_file_atomic_abort(NULL);
    slurp(&b, p);
    CHECK_STR(b.data, "new and more");
    CHECK_INT(entries(dir), 1);

    /* Never replace: a second key file is refused, the first kept. */
    char k[4200];
    path_in(k, sizeof k, "key");
    CHECK_INT(rk_file_atomic_open(&f, k, 0600), 0);
    rk_file_atomic_write(f, "one", 3);
    CHECK_INT(rk_file_atomic_commit_new(f), 0);
    CHECK_INT(rk_file_atomic_open(&f, k, 0600), 0);
    rk_file_atomic_write(f, "two", 3);
    CHECK_INT(rk_file_atomic_commit_new(f), RK_EEXIST);
    slurp(&b, k);
    CHECK_STR(b.data, "one");
    CHECK_INT(entries(dir), 2);
    unlink(k);

    /* A write that fails (file size limit): later writes and the commit
     * fail with the first error, and the target is unchanged. */
    struct rlimit was, lim;
    getrlimit(RLIMIT_FSIZE, &was);
    lim = was;
    lim.rlim_cur = 4096;
    signal(SIGXFSZ, SIG_IGN);
    CHECK_INT(rk_file_atomic_open(&f, p, 0644), 0);
    CHECK_INT(setrlimit(RLIMIT_FSIZE, &lim), 0);
    static char big[8192];
    memset(big, 'z', sizeof big);
    CHECK_INT(rk_file_atomic_write(f, big, sizeof big), RK_EIO);
    char first[256];
    snprintf(first, sizeof first, "%s", rk_err_msg());
    CHECK(strstr(first, p) != NULL);
    CHECK_INT(rk_file_atomic_write(f, "x", 1), RK_EIO);
    CHECK_INT(rk_file_atomic_commit(f), RK_EIO);
    CHECK_STR(rk_err_msg(), first);
    setrlimit(RLIMIT_FSIZE, &was);
    signal(SIGXFSZ, SIG_DFL);
    slurp(&b, p);
    CHECK_STR(b.data, "new and more");
    CHECK_INT(entries(dir), 1);
    unlink(p);

    /* The folder sync on its own. */
    CHECK_INT(rk_file_sync_dir(dir), 0);
    path_in(p, sizeof p, "missing");
    CHECK_INT(rk_file_sync_dir(p), RK_EIO);
    rk_buf_free(&b);
}

static void test_read(void)
{
    char p[4200];
    rk_buf b;
    path_in(p, sizeof p, "r.txt");
    CHECK_INT(rk_file_write_atomic(p, "0123456789", 10, 0644), 0);

    rk_buf_init(&b, 10);
    CHECK_INT(rk_file_read(&b, p), 0);
    CHECK_INT(b.len, 10);
    CHECK_STR(b.data, "0123456789");
    rk_buf_free(&b);

    /* Appends to what the buffer holds, within its maximum. */
    rk_buf_init(&b, 13);
    rk_buf_puts(&b, "ab:");
    CHECK_INT(rk_file_read(&b, p), 0);
    CHECK_STR(b.data, "ab:0123456789");
    rk_buf_free(&b);

    /* Too large: refused whole, the buffer keeps what it had. */
    rk_buf_init(&b, 12);
    rk_buf_puts(&b, "ab:");
    CHECK_INT(rk_file_read(&b, p), RK_ETOOBIG);
    CHECK(strstr(rk_err_msg(), p) != NULL);
    CHECK_INT(b.len, 3);
    CHECK_STR(b.data, "ab:");
    rk_buf_free(&b);

    /* Not a regular file of known size: read to the end, still bounded. */
    rk_buf_init(&b, 100);
    CHECK_INT(rk_file_read(&b, "/dev/zero"), RK_ETOOBIG);
    CHECK_INT(b.len, 0);
    CHECK_INT(rk_file_read(&b, "/dev/null"), 0);
    CHECK_INT(b.len, 0);

    path_in(p, sizeof p, "absent");
    CHECK_INT(rk_file_read(&b, p), RK_ENOTFOUND);
    CHECK(strstr(rk_err_msg(), p) != NULL);
    CHECK_INT(rk_file_read(&b, dir), RK_EIO);
    rk_buf_free(&b);
    path_in(p, sizeof p, "r.txt");
    unlink(p);
}

static void test_hex(void)
{
    const unsigned char bytes[] = {0x00, 0x1f, 0xa0, 0xff};
    unsigned char out[8];
    char text[9];
    size_t n = 99;

    rk_hex_encode(text, bytes, 4, RK_HEX_LOWER);
    CHECK_STR(text, "001fa0ff");
    rk_hex_encode(text, bytes, 4, RK_HEX_UPPER);
    CHECK_STR(text, "001FA0FF");
    rk_hex_encode(text, bytes, 0, RK_HEX_LOWER);
    CHECK_STR(text, "");

    CHECK_INT(rk_hex_decode(out, sizeof out, &n, "001Fa0fF", 8), 0);
    CHECK_INT(n, 4);
    CHECK(!memcmp(out, bytes, 4));
    /* Only len characters are read: what follows does not matter. */
    CHECK_INT(rk_hex_decode(out, sizeof out, &n, "a0ff$zz", 4), 0);
    CHECK_INT(n, 2);
    CHECK(out[0] == 0xa0 && out[1] == 0xff);
    CHECK_INT(rk_hex_decode(out, sizeof out, NULL, "", 0), 0);
    CHECK_INT(rk_hex_decode(out, sizeof out, &n, "abc", 3), RK_EFORMAT);
    CHECK_INT(rk_hex_decode(out, sizeof out, &n, "0g", 2), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "'g'") != NULL);
    CHECK_INT(rk_hex_decode(out, sizeof out, &n, " 0", 2), RK_EFORMAT);
    CHECK_INT(rk_hex_decode(out, 1, &n, "0011", 4), RK_ETOOBIG);
}

static EVP_PKEY *ec_key(void)
{
    return EVP_EC_gen("P-256");
}

static X509 *self_signed(EVP_PKEY *k, const char *cn)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509_set_pubkey(x, k);
    X509_sign(x, k, EVP_sha256());
    return x;
}

static void test_pem(void)
{
    char cp[4200], chain[4200], kp[4200], ep[4200], p[4200];
    EVP_PKEY *k = ec_key(), *got = NULL;
    X509 *a = self_signed(k, "A"), *b2 = self_signed(k, "B"), *x = NULL;
    rk_buf b;
    struct stat st;

    /* One certificate, written and read back. */
    path_in(cp, sizeof cp, "a.pem");
    CHECK_INT(rk_pem_cert_write(cp, a, 0644), 0);
    CHECK_INT(rk_pem_cert_file(&x, cp), 0);
    CHECK(x && X509_cmp(x, a) == 0);
    X509_free(x);

    /* A chain of two, appended in order to what the stack holds. */
    rk_buf_init(&b, 1 << 16);
    slurp(&b, cp);
    path_in(chain, sizeof chain, "chain.pem");
    rk_file_atomic *f;
    CHECK_INT(rk_file_atomic_open(&f, chain, 0644), 0);
    rk_file_atomic_write(f, "# a comment line\n", 17);
    rk_file_atomic_write(f, b.data, b.len);
    BIO *mem = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(mem, b2);
    char *pb;
    long pl = BIO_get_mem_data(mem, &pb);
    rk_file_atomic_write(f, pb, (size_t)pl);
    CHECK_INT(rk_file_atomic_commit(f), 0);
    STACK_OF(X509) *sk = sk_X509_new_null();
    sk_X509_push(sk, X509_dup(a));
    CHECK_INT(rk_pem_certs_file(sk, chain), 0);
    CHECK_INT(sk_X509_num(sk), 3);
    CHECK(X509_cmp(sk_X509_value(sk, 1), a) == 0 && X509_cmp(sk_X509_value(sk, 2), b2) == 0);

    /* The second certificate damaged: refused, the stack as it was. */
    slurp(&b, chain);
    char *second = strstr(strstr(b.data, "-----END CERTIFICATE-----") + 1, "MII");
    CHECK(second != NULL);
    if (second) memcpy(second + 10, "!!!!", 4);
    CHECK_INT(rk_pem_certs_mem(sk, b.data, b.len, "the chain from HQ"), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "certificate 2 in the chain from HQ") != NULL);
    CHECK_INT(sk_X509_num(sk), 3);
    CHECK_INT(rk_pem_certs_mem(sk, "no pem here", 11, "the text"), RK_EFORMAT);
    CHECK_INT(sk_X509_num(sk), 3);
    sk_X509_pop_free(sk, X509_free);

    /* Missing, not PEM, too large: each says so, naming the file. */
    path_in(p, sizeof p, "nothing.pem");
    CHECK_INT(rk_pem_cert_file(&x, p), RK_ENOTFOUND);
    CHECK(x == NULL && strstr(rk_err_msg(), p) != NULL);
    CHECK_INT(rk_file_write_atomic(p, "hello\n", 6, 0644), 0);
    CHECK_INT(rk_pem_cert_file(&x, p), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), p) != NULL && strstr(rk_err_msg(), "no PEM certificate"));
    {
        rk_file_atomic *g;
        static char zeros[4096];
        CHECK_INT(rk_file_atomic_open(&g, p, 0644), 0);
        for (unsigned i = 0; i <= RK_PEM_MAX_BYTES / sizeof zeros; i++)
            rk_file_atomic_write(g, zeros, sizeof zeros);
        CHECK_INT(rk_file_atomic_commit(g), 0);
    }
    CHECK_INT(rk_pem_cert_file(&x, p), RK_ETOOBIG);
    unlink(p);

    /* Keys: new files only, 0600, with or without a password. */
    path_in(kp, sizeof kp, "k.pem");
    CHECK_INT(rk_pem_key_write_new(kp, k, NULL, "DEMO ONLY"), 0);
    CHECK(stat(kp, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_INT(rk_pem_key_write_new(kp, k, NULL, NULL), RK_EEXIST);
    CHECK_INT(rk_pem_key_file(&got, kp, NULL), 0);
    CHECK(got && EVP_PKEY_eq(got, k) == 1);
    EVP_PKEY_free(got);
    path_in(ep, sizeof ep, "k-enc.pem");
    CHECK_INT(rk_pem_key_write_new(ep, k, "correct horse", NULL), 0);
    slurp(&b, ep);
    CHECK(strstr(b.data, "ENCRYPTED PRIVATE KEY") != NULL);
    CHECK_INT(rk_pem_key_file(&got, ep, "correct horse"), 0);
    CHECK(got && EVP_PKEY_eq(got, k) == 1);
    EVP_PKEY_free(got);
    CHECK_INT(rk_pem_key_file(&got, ep, "wrong"), RK_EAUTH);
    CHECK(got == NULL && strstr(rk_err_msg(), ep) != NULL);
    /* No password for an encrypted key: refused, never a terminal prompt. */
    CHECK_INT(rk_pem_key_file(&got, ep, NULL), RK_EAUTH);
    CHECK(strstr(rk_err_msg(), "encrypted") != NULL);
    CHECK_INT(rk_pem_key_file(&got, cp, NULL), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "no PEM private key") != NULL);

    /* A certificate request from memory. */
    X509_REQ *req = X509_REQ_new(), *rq = NULL;
    X509_REQ_set_pubkey(req, k);
    X509_REQ_sign(req, k, EVP_sha256());
    BIO *rb = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_REQ(rb, req);
    char *rp;
    long rl = BIO_get_mem_data(rb, &rp);
    CHECK_INT(rk_pem_csr_mem(&rq, rp, (size_t)rl, "the request"), 0);
    CHECK(rq != NULL);
    X509_REQ_free(rq);
    path_in(p, sizeof p, "req.pem");
    CHECK_INT(rk_file_write_atomic(p, rp, (size_t)rl, 0644), 0);
    CHECK_INT(rk_pem_csr_file(&rq, p), 0);
    CHECK(rq != NULL);
    X509_REQ_free(rq);
    CHECK_INT(rk_pem_csr_file(&rq, cp), RK_EFORMAT);
    BIO_free(rb);
    X509_REQ_free(req);

    BIO_free(mem);
    rk_buf_free(&b);
    X509_free(a);
    X509_free(b2);
    EVP_PKEY_free(k);
}

int main(void)
{
    rk_test_tmpdir(dir, sizeof dir);
    test_write_atomic();
    test_stream();
    test_read();
    test_hex();
    test_pem();
    rk_test_rmtree(dir);
    return rk_test_done();
}
