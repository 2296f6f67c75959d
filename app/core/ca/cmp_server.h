/*
 * A CMP (RFC 4210) server that really issues certificates: OpenSSL 3's
 * OSSL_CMP_SRV_CTX with callbacks for certificate requests (ir, cr, p10cr,
 * kur), revocation requests, certConf, error and genm.
 *
 * The server authenticates requests by PBM or by signature.
 *
 * PBM: the request's sender reference (senderKID) names an approved order
 * and its secret is that order's authorisation code (domain/authcode.h).
 * The server reads the reference itself (OpenSSL 3.0 checks only the
 * secret), asks rk_cmp_auth_ops.secret for the reference's secret before
 * OpenSSL checks the MAC, and spends the reference through
 * rk_cmp_auth_ops.use once the request is accepted: each reference serves
 * one request (and that request's certConf). An unknown, spent or unfit
 * reference and a wrong secret get the same answer (the client's
 * credentials are refused), so an outsider cannot probe for references;
 * the server's log says which it was. rk_cmp_server_opts.ref/.secret is a
 * fixed reference instead (a branch device's own enrolment, tests), checked
 * as exactly that reference and not spent.
 *
 * Signature: a client certificate that chains to a trusted CA (the issuing
 * CA by default), so a certificate it issued can renew with kur or revoke
 * with rr. Before such a request is accepted the server checks that no
 * certificate of this CA the request carries (the signer's) is revoked or
 * on hold, nor the certificate a kur updates (rk_cmp_auth_ops.revoked, and
 * what this server revoked itself since it started); a revocation request
 * for a certificate already revoked is refused and not recorded again.
 *
 * Answers are protected by PBM when the request was PBM-protected,
 * otherwise by signature with the protection certificate and key (the
 * issuing CA's by default). Errors go out unprotected so a refused client
 * still gets an answer. Every refusal (by a callback, by OpenSSL's checks,
 * of a malformed message, or at the HTTP layer) is logged with its reason
 * at warning level and counted in rk_cmp_server_stats.rejected.
 *
 * Who signs is a callback (rk_cmp_issue_fn): HQ's CA or the branch sub-CA
 * plug in there; rk_cmp_issue_simple is a plain software issuer for tests and
 * the demo. It is used in-process (a client context with
 * rk_cmp_server_transfer as transfer callback), through the DER entry
 * point rk_cmp_server_handle (HTTP listener, fuzzing), or by
 * rk_cmp_server_serve_http on a TCP socket. All three run the checks
 * above.
 *
 * An rk_cmp_server is single-threaded: one transaction at a time.
 *
 * Limits of OpenSSL 3.0's server API: there is no getter for the sender KID
 * (the server reads it from the DER), and the revocation reason of an rr
 * does not reach the revoke callback.
 */
#ifndef RK_CMP_SERVER_H
#define RK_CMP_SERVER_H

#include <openssl/cmp.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <signal.h>
#include <stddef.h>

/* The request types an issuer sees. */
enum {
    RK_CMP_REQ_IR = 0,
    RK_CMP_REQ_CR = 2,
    RK_CMP_REQ_P10CR = 4,
    RK_CMP_REQ_KUR = 7,
    RK_CMP_REQ_RR = 11 /* the revocation request (for rk_cmp_auth_ops) */
};

#define RK_CMP_REF_MAX    64  /* longest PBM reference accepted */
#define RK_CMP_SECRET_MAX 256 /* longest PBM secret */

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

/* Who may ask: the branch layer supplies the ledger-backed table (PBM
 * references are approved orders' references, their secrets the orders'
 * authorisation codes). Any member may be NULL. */
typedef struct rk_cmp_auth_ops {
    /* The secret of PBM reference ref for a request of type (RK_CMP_REQ_*):
     * 0 and secret[0..*len) (at most max bytes); RK_ENOTFOUND for an unknown
     * reference, RK_ESTATE when it cannot serve this request now (spent, the
     * order not approved and paid, its business does not fit), with the
     * reason for the server's log. NULL: no PBM but the fixed reference. */
    int (*secret)(void *arg, const char *ref, int type, unsigned char *secret, size_t max,
                  size_t *len);
    /* The request of type authenticated by ref is being accepted for the
     * certificate serial (lower-case hex): the one just issued, or the one
     * about to be revoked. 0 spends ref; a negative RK_E* code with a message
     * refuses the request (the message goes to the client). */
    int (*use)(void *arg, const char *ref, int type, const char *serial);
    /* Whether the certificate issuer+serial is revoked or on hold: 0 and
     * *revoked. NULL: only what this server revoked since it started. */
    int (*revoked)(void *arg, const X509_NAME *issuer, const ASN1_INTEGER *serial, int *revoked);
    void *arg;
} rk_cmp_auth_ops;

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
    const char *ref;             /* a fixed PBM reference (sender KID), checked exactly */
    const unsigned char *secret; /* its shared secret (copied; caller wipes its own) */
    size_t secret_len;
    const rk_cmp_auth_ops *auth; /* orders' references, revocation status (copied; NULL: none) */
    int days;                    /* validity for the default issuer (0: 365) */
    rk_cmp_issue_fn issue;       /* NULL: rk_cmp_issue_simple with ca_cert/ca_key/days */
    void *issue_arg;
    rk_cmp_revoke_fn revoke; /* NULL: revocation requests are refused */
    void *revoke_arg;
} rk_cmp_server_opts;

typedef struct rk_cmp_server_stats {
    long requests;  /* messages and HTTP requests handled */
    long issued;    /* certificates issued */
    long rejected;  /* every refusal: by a check here, by OpenSSL, malformed, at HTTP */
    long confirmed; /* certConf accepting an issued certificate */
    long revoked;   /* revocations recorded */
} rk_cmp_server_stats;

typedef struct rk_cmp_server rk_cmp_server;

/* Creates a server from opts (certificates and keys are referenced, the
 * secret and auth table copied). RK_EINVAL if ca_cert is missing or no
 * authentication is configured (a fixed reference, auth->secret, or a
 * protection key for signature-authenticated clients), RK_ECRYPTO if
 * OpenSSL refuses the setup. */
int rk_cmp_server_new(rk_cmp_server **out, const rk_cmp_server_opts *opts);

/* Frees the server and wipes its secret; NULL does nothing. */
void rk_cmp_server_free(rk_cmp_server *s);

/* In-process use: an OSSL_CMP_transfer_cb_t for a client context whose
 * transfer argument is the rk_cmp_server (OSSL_CMP_CTX_set_transfer_cb_arg).
 * It runs rk_cmp_server_handle on the request's DER. */
OSSL_CMP_MSG *rk_cmp_server_transfer(OSSL_CMP_CTX *client_ctx, const OSSL_CMP_MSG *req);

/* Handles one DER-encoded CMP message and returns the DER-encoded answer in
 * *rsp (malloc'd; the caller frees). RK_EFORMAT if req is not one whole,
 * well-formed CMP message (the HTTP listener answers 400), RK_ECRYPTO if no
 * answer could be made. */
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
