/*
 * PEM loading and writing (see pem.h).
 */
#include "util/pem.h"

#include "util/buf.h"
#include "util/err.h"
#include "util/file.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <string.h>

typedef struct pass_arg {
    const char *pass;
    int asked; /* the key is encrypted: the callback was called */
} pass_arg;

/* Hands OpenSSL the given password, or none: never the terminal prompt. */
static int pass_cb(char *buf, int size, int rwflag, void *u)
{
    pass_arg *a = u;
    (void)rwflag;
    a->asked = 1;
    if (!a->pass) return -1;
    size_t n = strlen(a->pass);
    if (n > (size_t)size) return -1;
    memcpy(buf, a->pass, n);
    return (int)n;
}

static BIO *mem_bio(const void *data, size_t len, const char *what)
{
    if (len > RK_PEM_MAX_BYTES || len > INT_MAX) {
        rk_err_set(RK_ETOOBIG, "%s is larger than %u bytes", what, RK_PEM_MAX_BYTES);
        return NULL;
    }
    BIO *b = BIO_new_mem_buf(data, (int)len);
    if (!b) rk_err_oom();
    return b;
}

/* Reads path whole into b, or fails with a message naming it. */
static int read_whole(rk_buf *b, const char *path)
{
    rk_buf_init(b, RK_PEM_MAX_BYTES);
    return rk_file_read(b, path);
}

typedef void *(*reader)(BIO *b);

static void *read_x509(BIO *b)
{
    return PEM_read_bio_X509(b, NULL, NULL, NULL);
}

static void *read_req(BIO *b)
{
    return PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
}

/* The first object that rd finds in data; noun names it in the message. */
static int read_one(void **out, const void *data, size_t len, const char *what, reader rd,
                    const char *noun)
{
    *out = NULL;
    BIO *b = mem_bio(data, len, what);
    if (!b) return len > RK_PEM_MAX_BYTES ? RK_ETOOBIG : RK_ENOMEM;
    *out = rd(b);
    BIO_free(b);
    ERR_clear_error();
    return *out ? 0 : rk_err_set(RK_EFORMAT, "%s holds no PEM %s", what, noun);
}

static int read_one_file(void **out, const char *path, reader rd, const char *noun)
{
    rk_buf b;
    *out = NULL;
    int rc = read_whole(&b, path);
    if (!rc) rc = read_one(out, b.data, b.len, path, rd, noun);
    rk_buf_free(&b);
    return rc;
}

int rk_pem_cert_mem(X509 **out, const void *data, size_t len, const char *what)
{
    void *x;
    int rc = read_one(&x, data, len, what, read_x509, "certificate");
    *out = x;
    return rc;
}

int rk_pem_cert_file(X509 **out, const char *path)
{
    void *x;
    int rc = read_one_file(&x, path, read_x509, "certificate");
    *out = x;
    return rc;
}

int rk_pem_csr_mem(X509_REQ **out, const void *data, size_t len, const char *what)
{
    void *x;
    int rc = read_one(&x, data, len, what, read_req, "certificate request");
    *out = x;
    return rc;
}

int rk_pem_csr_file(X509_REQ **out, const char *path)
{
    void *x;
    int rc = read_one_file(&x, path, read_req, "certificate request");
    *out = x;
    return rc;
}

int rk_pem_certs_mem(STACK_OF(X509) * into, const void *data, size_t len, const char *what)
{
    int before = sk_X509_num(into), n = 0, rc = 0;
    BIO *b = mem_bio(data, len, what);
    if (!b) return len > RK_PEM_MAX_BYTES ? RK_ETOOBIG : RK_ENOMEM;
    ERR_clear_error();
    for (;;) {
        X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
        if (!x) {
            /* The end of the text reads as "no start line"; anything else
             * is a damaged certificate. */
            unsigned long e = ERR_peek_last_error();
            if (e && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE))
                rc = rk_err_set(RK_EFORMAT, "certificate %d in %s is damaged", n + 1, what);
            break;
        }
        if (!sk_X509_push(into, x)) {
            X509_free(x);
            rc = rk_err_oom();
            break;
        }
        n++;
    }
    BIO_free(b);
    ERR_clear_error();
    if (!rc && n == 0) rc = rk_err_set(RK_EFORMAT, "%s holds no PEM certificate", what);
    if (rc)
        while (sk_X509_num(into) > before)
            X509_free(sk_X509_pop(into));
    return rc;
}

int rk_pem_certs_file(STACK_OF(X509) * into, const char *path)
{
    rk_buf b;
    int rc = read_whole(&b, path);
    if (!rc) rc = rk_pem_certs_mem(into, b.data, b.len, path);
    rk_buf_free(&b);
    return rc;
}

int rk_pem_key_mem(EVP_PKEY **out, const void *data, size_t len, const char *pass, const char *what)
{
    pass_arg a = {pass, 0};
    *out = NULL;
    BIO *b = mem_bio(data, len, what);
    if (!b) return len > RK_PEM_MAX_BYTES ? RK_ETOOBIG : RK_ENOMEM;
    *out = PEM_read_bio_PrivateKey(b, NULL, pass_cb, &a);
    BIO_free(b);
    ERR_clear_error();
    if (*out) return 0;
    if (a.asked && !pass)
        return rk_err_set(RK_EAUTH, "the key in %s is encrypted: its password or PIN is needed",
                          what);
    if (a.asked)
        return rk_err_set(
            RK_EAUTH, "cannot open the key in %s: wrong password or PIN, or a damaged key", what);
    return rk_err_set(RK_EFORMAT, "%s holds no PEM private key", what);
}

int rk_pem_key_file(EVP_PKEY **out, const char *path, const char *pass)
{
    rk_buf b;
    *out = NULL;
    int rc = read_whole(&b, path);
    if (!rc) rc = rk_pem_key_mem(out, b.data, b.len, pass, path);
    rk_buf_free(&b); /* wipes the key text */
    return rc;
}

int rk_pem_cert_write(const char *path, X509 *x, mode_t mode)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    if (!b) return rk_err_oom();
    if (PEM_write_bio_X509(b, x) != 1) {
        BIO_free(b);
        ERR_clear_error();
        return rk_err_set(RK_ECRYPTO, "cannot encode the certificate for %s", path);
    }
    long n = BIO_get_mem_data(b, &p);
    int rc = rk_file_write_atomic(path, p, (size_t)n, mode);
    BIO_free(b);
    return rc;
}

int rk_pem_key_write_new(const char *path, EVP_PKEY *key, const char *pass, const char *comment)
{
    BIO *b = BIO_new(BIO_s_secmem());
    rk_file_atomic *f = NULL;
    char *pem;
    if (!b) return rk_err_oom();
    int ok = pass ? PEM_write_bio_PKCS8PrivateKey(b, key, EVP_aes_256_cbc(), NULL, 0, NULL,
                                                  (void *)pass) == 1
                  : PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) == 1;
    long n = BIO_get_mem_data(b, &pem);
    ERR_clear_error();
    int rc = ok ? rk_file_atomic_open(&f, path, 0600)
                : rk_err_set(RK_ECRYPTO, "cannot encode the key for %s", path);
    if (!rc) {
        if (comment) {
            rk_file_atomic_write(f, "# ", 2);
            rk_file_atomic_write(f, comment, strlen(comment));
            rk_file_atomic_write(f, "\n", 1);
        }
        rk_file_atomic_write(f, pem, (size_t)n);
        rc = rk_file_atomic_commit_new(f);
    }
    BIO_free(b);
    return rc;
}
