/*
 * HQ's certificate authority as the reference server needs it: the CA that
 * issues branches' device certificates and signs HQ's CRL, HQ's TLS server
 * certificate, and the configuration key that signs bundles (CMS). Files in
 * <home>/ca, made by rk_hqca_init:
 *
 *   ca.pem, ca.key          the CA (EC P-256); branches pin ca.pem
 *   server.pem, server.key  TLS server certificate (the names given), by the CA
 *   config.pem, config.key  the configuration signer, by the CA; branches pin
 *                           config.pem ([hq] config_cert)
 *   recovery.pem, .key      key recovery (RSA-2048): branches wrap escrowed
 *                           encryption keys to recovery.pem (<data_dir>/ca/
 *                           recovery.pem there); rahq admin recover opens
 *                           them with recovery.key (hq/recovery.h)
 *
 * The keys are software keys (0600): this is the reference HQ for
 * development, tests and small deployments; a production HQ keeps them in
 * its own HSM behind the same calls.
 *
 * Device enrolment goes through the project's CMP server (ca/cmp_server):
 * rk_hqca_cmp reads the PBM reference (senderKID) of a request, finds the
 * branch's open enrolment in the store and hands the message to a CMP
 * server holding that enrolment's secret, whose issuer makes the device
 * certificate for that branch (whatever subject was asked) and uses the
 * reference up. Threads: rk_hqca_cmp serialises itself; the other calls may
 * run on any thread.
 */
#ifndef RK_HQCA_H
#define RK_HQCA_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "hq/store.h"

typedef struct rk_hqca rk_hqca;

typedef struct rk_hqca_init_opts {
    const char *dir;   /* created if missing; RK_EEXIST if it holds a CA */
    const char *name;  /* the organisation, e.g. "Example CA HQ" */
    const char *hosts; /* server certificate names: "127.0.0.1,localhost" */
    int days;          /* validity (0: 3650 for the CA, 825 for the rest) */
} rk_hqca_init_opts;

int rk_hqca_init(const rk_hqca_init_opts *o);

int rk_hqca_open(rk_hqca **out, const char *dir);
void rk_hqca_free(rk_hqca *ca);

X509 *rk_hqca_cert(rk_hqca *ca);
/* PEM texts for the TLS server (borrowed, NUL-terminated). */
const char *rk_hqca_ca_pem(rk_hqca *ca);
const char *rk_hqca_server_cert_pem(rk_hqca *ca);
const char *rk_hqca_server_key_pem(rk_hqca *ca);

/* A device certificate for branch: subject CN=branch, O=<HQ name>,
 * OU=rakiosk branch; subjectAltName URI:urn:rakiosk:branch:<branch>;
 * clientAuth; key usage digitalSignature (TLS) and keyAgreement (HQ wraps
 * recovered keys to it); 825 days. */
int rk_hqca_issue_device(X509 **out, rk_hqca *ca, const char *branch, EVP_PKEY *pub);

/* Signs a CRL of the CA listing r[0..n) with the given number, valid from
 * now for days. *der is the caller's (free()). */
int rk_hqca_crl(unsigned char **der, size_t *len, rk_hqca *ca, const rk_hq_revoked *r, int n,
                uint64_t number, int64_t now, int days);

/* CMS SignedData (DER, content attached, binary) of content by the
 * configuration key. *der is the caller's (free()). */
int rk_hqca_sign_config(unsigned char **der, size_t *len, rk_hqca *ca, const unsigned char *content,
                        size_t n);

/* Handles one CMP message (DER) for device enrolment; *rsp (free()) is the
 * DER answer. RK_EFORMAT for a message that is not CMP. */
int rk_hqca_cmp(unsigned char **rsp, size_t *rsp_len, rk_hqca *ca, rk_hq_store *store,
                const unsigned char *req, size_t len);

/* Lower-case hex of a certificate's serial, without leading zeros. */
void rk_hqca_serial_hex(char *out, size_t n, const ASN1_INTEGER *serial);

#endif
