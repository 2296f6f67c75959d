/*
 * The CMP client a branch uses to have HQ's CA issue, renew and revoke
 * certificates (RFC 4210 over HTTP, RFC 6712), on OpenSSL 3's OSSL_CMP API.
 *
 * Operations: p10cr (a PKCS#10 CSR signed on the subscriber's USB key), ir
 * (a new key given as an EVP_PKEY that can sign the proof of possession:
 * a software key or one on a token), kur (renewal authenticated with the old
 * certificate and key) and rr (revocation with a reason).
 *
 * Authentication towards HQ is a PBM reference + shared secret (a branch's
 * initial enrolment) or a client certificate + key (the branch's device
 * identity). HQ's answers are checked against the trusted CA certificate(s);
 * a returned certificate must carry the requested public key and chain to a
 * trusted certificate, or it is refused.
 *
 * Every failure becomes an RK_E* code with a sentence that names the cause
 * and, when HQ answered, HQ's own status text:
 *   RK_EPERM    HQ rejected the request (PKIFailureInfo and text in the message)
 *   RK_EAUTH    HQ refused our credentials (wrong secret, untrusted certificate)
 *   RK_EIO      HQ could not be reached, or answered with an HTTP error
 *   RK_ETIMEOUT no answer in time
 *   RK_EVERIFY  HQ's answer or the certificate failed verification
 *   RK_EFORMAT  HQ's answer was not a well-formed CMP message
 *   RK_ECANCELED the progress callback stopped it
 * The functions are reentrant: each call makes its own OpenSSL CMP context,
 * so a kiosk may run one off its UI thread.
 */
#ifndef RK_CMP_CLIENT_H
#define RK_CMP_CLIENT_H

#include <openssl/cmp.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <stddef.h>

#include "util/progress.h"

typedef struct rk_cmp_client_opts {
    const char *url;          /* http://host[:port]/path; not needed with transfer */
    int timeout_s;            /* per message (0: 30 s) */
    int total_timeout_s;      /* whole operation (0: 120 s) */
    const char *trusted_file; /* PEM file of CA/server certificates to trust */
    X509 **trusted;           /* and/or certificates given directly */
    int n_trusted;
    const char *ref; /* PBM reference; with secret */
    const unsigned char *secret;
    size_t secret_len;
    X509 *cert; /* client certificate + key (device identity) */
    EVP_PKEY *key;
    /* In-process transport (tests, HQ's own tools): called instead of HTTP,
     * e.g. OSSL_CMP_CTX_server_perform with an OSSL_CMP_SRV_CTX as arg. */
    OSSL_CMP_transfer_cb_t transfer;
    void *transfer_arg;
    /* Progress (util/progress.h, op RK_OP_CMP), once per CMP message
     * exchanged (a certificate request is two exchanges: the request and
     * its confirmation; a revocation one): steps "connect", "send", "wait"
     * (all three before the message leaves), "receive" (answer in, not yet
     * checked), with done = the exchange and total = the exchanges
     * expected; then "done" when the operation succeeded. A non-zero
     * answer stops it before the next message leaves (RK_ECANCELED): a
     * certificate HQ issued but we did not confirm is not accepted. A
     * blocking wait for HQ's answer is bounded by the timeouts, not
     * interrupted. May be NULL. */
    rk_progress_fn progress;
    void *progress_arg;
} rk_cmp_client_opts;

/* Enrols a new key by ir: newkey must be able to sign (the proof of
 * possession); its public part is certified for subject (e.g. "/CN=Li Lu/O=..."
 * in OpenSSL's slash form). On success *out is the new certificate (caller
 * frees). */
int rk_cmp_client_ir(X509 **out, const rk_cmp_client_opts *o, EVP_PKEY *newkey,
                     const char *subject);

/* Requests a certificate for a PKCS#10 CSR (p10cr); the subject and key are
 * the CSR's. */
int rk_cmp_client_p10cr(X509 **out, const rk_cmp_client_opts *o, X509_REQ *csr);

/* Renews old_cert by kur: the request is signed with old_cert + old_key
 * (the opts' cert/key and secret are not used) and certifies newkey. */
int rk_cmp_client_kur(X509 **out, const rk_cmp_client_opts *o, X509 *old_cert, EVP_PKEY *old_key,
                      EVP_PKEY *newkey);

/* Asks HQ to revoke cert with a CRL reason code (0 unspecified, 1
 * keyCompromise, 3 affiliationChanged, 4 superseded, 5 cessationOfOperation,
 * 6 certificateHold, ...; -1 sends none). */
int rk_cmp_client_rr(const rk_cmp_client_opts *o, X509 *cert, int reason);

/* Parses "/CN=a/O=b" into a new X509_NAME; RK_EINVAL if malformed. */
int rk_cmp_parse_name(X509_NAME **out, const char *text);

#endif
