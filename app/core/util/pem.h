/*
 * Loading certificates, certificate chains, private keys and certificate
 * requests from PEM text, from a file or from memory, with messages that
 * name the file (or what the caller says the memory is); and writing a
 * certificate as a PEM file atomically.
 *
 * A file is read whole into a bounded buffer (RK_PEM_MAX_BYTES), so a
 * mistaken path to a large file fails at once. Key text is wiped after
 * use. A key loader never prompts on the terminal: an encrypted key without
 * a password given is refused with RK_EAUTH.
 */
#ifndef RK_PEM_H
#define RK_PEM_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <sys/types.h>

#define RK_PEM_MAX_BYTES (1u << 20)

/* The first certificate in path. The caller owns *out. RK_ENOTFOUND if the
 * file does not exist, RK_EIO if it cannot be read, RK_ETOOBIG, RK_EFORMAT
 * if it holds no PEM certificate. */
int rk_pem_cert_file(X509 **out, const char *path);
/* The same from len bytes at data; what names them in messages ("the
 * certificate from HQ"). */
int rk_pem_cert_mem(X509 **out, const void *data, size_t len, const char *what);

/* Appends every certificate in path (or data) to into, in order; at least
 * one, RK_EFORMAT if there is none or one is damaged (into is then as it
 * was). Errors as for rk_pem_cert_file. */
int rk_pem_certs_file(STACK_OF(X509) * into, const char *path);
int rk_pem_certs_mem(STACK_OF(X509) * into, const void *data, size_t len, const char *what);

/* The private key in path (or data); pass decrypts an encrypted one (NULL
 * for none). RK_EAUTH for a wrong password or an encrypted key without one,
 * RK_EFORMAT if there is no PEM private key; other errors as above. */
int rk_pem_key_file(EVP_PKEY **out, const char *path, const char *pass);
int rk_pem_key_mem(EVP_PKEY **out, const void *data, size_t len, const char *pass,
                   const char *what);

/* The certificate request (CSR) in path (or data). */
int rk_pem_csr_file(X509_REQ **out, const char *path);
int rk_pem_csr_mem(X509_REQ **out, const void *data, size_t len, const char *what);

/* Replaces path with x as PEM (rk_file_write_atomic, permissions mode). */
int rk_pem_cert_write(const char *path, X509 *x, mode_t mode);

/* Writes key as a new PEM file, 0600, atomically (rk_file_atomic_commit_new:
 * RK_EEXIST if path exists, a key file is never replaced); encrypted with
 * pass (PKCS#8, AES-256-CBC) when pass is not NULL; comment (may be NULL)
 * goes first as a "# ..." line. The encoded key is kept in OpenSSL's
 * secure heap and wiped. */
int rk_pem_key_write_new(const char *path, EVP_PKEY *key, const char *pass, const char *comment);

#endif
