/*
 * A CMP (RFC 4210) server that really issues certificates: OpenSSL 3's
 * OSSL_CMP_SRV_CTX with callbacks for certificate requests (ir, cr, p10cr,
 * kur), revocation requests, certConf, error and genm.
 *
 * The server authenticates requests by PBM (a reference and shared secret,
 * for a branch's initial enrolment) and/or by signature from a client
 * certificate that chains to a trusted CA (the issuing CA by default, so a
 * certificate it issued can renew with kur or revoke with rr). It protects
 * its answers by PBM when the request was PBM-protected, otherwise by
 * signature with the protection certificate and key (the issuing CA's by
 * default). Errors go out unprotected so a client with a wrong secret still
 * learns why it was refused.
 *
 * Who signs is a callback (rk_cmp_issue_fn): HQ's CA or the branch sub-CA
 * plug in there; rk_cmp_issue_simple is a plain software issuer for tests and
 * the demo. It is used in-process (OSSL_CMP_CTX_server_perform with
 * rk_cmp_server_srv_ctx() as the transfer argument), through the DER entry
 * point rk_cmp_server_handle (HTTP listener, fuzzing), or by
 * rk_cmp_server_serve_http on a TCP socket.
 *
 * An rk_cmp_server is single-threaded: one transaction at a time.
 *
 * Limits of OpenSSL 3.0's server API: the PBM secret is checked but not the
 * reference the client sends (there is no getter for the sender KID), and
 * the revocation reason of an rr does not reach the revoke callback.
 */
#ifndef RK_CMP_SERVER_H
#define RK_CMP_SERVER_H

#include <openssl/cmp.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <signal.h>
#include <stddef.h>

/* The request types an issuer sees. */
enum { RK_CMP_REQ_IR = 0, RK_CMP_REQ_CR = 2, RK_CMP_REQ_P10CR = 4, RK_CMP_REQ_KUR = 7 };

typedef struct rk_cmp_issue_req {
    int type;                 /* RK_CMP_REQ_* */
    EVP_PKEY *pubkey;         /* the public key to certify (borrowed) */
    const X509_NAME *subject; /* requested subject (borrowed; NULL if none was given) */
    const X509_REQ *csr;      /* p10cr: the CSR, signature already checked (borrowed) */
} rk_cmp_issue_req;

/* Issues a certificate for req: 0 and a new X509 in *out (ownership passes
 * to the server), or a negative RK_E* code with rk_err_set() message, which
 * the client receives as the rejection's status text. */
typedef int (*rk_cmp_issue_fn)(X509 **out, void *arg, const rk_cmp_issue_req *req);

/* Records the revocation of the certificate issuer+serial: 0, RK_ENOTFOUND
 * if unknown to this CA (answered badCertId), or another RK_E* code. */
typedef int (*rk_cmp_revoke_fn)(void *arg, const X509_NAME *issuer, const ASN1_INTEGER *serial);

/* The simple issuer's state: a CA certificate and key (borrowed) and the
 * validity of what it issues. Subject from the request, random positive
 * 128-bit serial, basicConstraints CA:FALSE, key usage digitalSignature
 * (+keyEncipherment for RSA keys), subject and authority key identifiers,
 * signed with SHA-256 (SM3 for SM2 CA keys). */
typedef struct rk_cmp_simple_issuer {
    X509 *ca_cert;
    EVP_PKEY *ca_key;
    int days; /* 0: 365 */
} rk_cmp_simple_issuer;

int rk_cmp_issue_simple(X509 **out, void *arg, const rk_cmp_issue_req *req);

typedef struct rk_cmp_server_opts {
    X509 *ca_cert;    /* the issuing CA: trusted for client certificates, default
                         protection identity, returned as caPubs on ir (required) */
    EVP_PKEY *ca_key; /* its key, used by the default issuer and protection */
    X509 *prot_cert;  /* protection identity if not the CA (optional) */
    EVP_PKEY *prot_key;
    X509 **trusted; /* further CAs whose end entities may authenticate by signature */
    int n_trusted;
    const char *ref;             /* PBM reference (sender KID); NULL with secret NULL: no PBM */
    const unsigned char *secret; /* PBM shared secret (copied; caller wipes its own) */
    size_t secret_len;
    int days;              /* validity for the default issuer (0: 365) */
    rk_cmp_issue_fn issue; /* NULL: rk_cmp_issue_simple with ca_cert/ca_key/days */
    void *issue_arg;
    rk_cmp_revoke_fn revoke; /* NULL: revocation requests are refused */
    void *revoke_arg;
} rk_cmp_server_opts;

typedef struct rk_cmp_server_stats {
    long requests;  /* messages handled */
    long issued;    /* certificates issued */
    long rejected;  /* certificate or revocation requests refused */
    long confirmed; /* certConf accepting an issued certificate */
    long revoked;   /* revocations recorded */
} rk_cmp_server_stats;

typedef struct rk_cmp_server rk_cmp_server;

/* Creates a server from opts (certificates and keys are referenced, the
 * secret copied). RK_EINVAL if ca_cert is missing or no authentication is
 * configured, RK_ECRYPTO if OpenSSL refuses the setup. */
int rk_cmp_server_new(rk_cmp_server **out, const rk_cmp_server_opts *opts);

/* Frees the server and wipes its secret; NULL does nothing. */
void rk_cmp_server_free(rk_cmp_server *s);

/* The OpenSSL server context, to pass as transfer argument to a client
 * context with OSSL_CMP_CTX_server_perform (in-process use). */
OSSL_CMP_SRV_CTX *rk_cmp_server_srv_ctx(rk_cmp_server *s);

/* Handles one DER-encoded CMP message and returns the DER-encoded answer in
 * *rsp (malloc'd; the caller frees). RK_EFORMAT if req is not a CMP message,
 * RK_ECRYPTO if no answer could be made. */
int rk_cmp_server_handle(unsigned char **rsp, size_t *rsp_len, rk_cmp_server *s,
                         const unsigned char *req, size_t req_len);

/* Serves CMP over HTTP on listen_fd (see rk_cmp_http_serve) until *stop or
 * max_requests answered (0: no limit). */
int rk_cmp_server_serve_http(rk_cmp_server *s, int listen_fd, volatile sig_atomic_t *stop,
                             long max_requests);

void rk_cmp_server_get_stats(rk_cmp_server_stats *out, const rk_cmp_server *s);

/* Extracts the public key from a DER-encoded CRMF CertTemplate (OpenSSL 3.0
 * has no getter for it). 0 and a new EVP_PKEY, RK_ENOTFOUND if the template
 * has none, RK_EFORMAT if malformed. A pure parser with a fuzz target. */
int rk_cmp_template_pubkey(EVP_PKEY **out, const unsigned char *der, size_t len);

#endif
