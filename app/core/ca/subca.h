/*
 * The branch sub-CA: offline issuance at the counter.
 *
 * Its private key lives in the appliance HSM (a PKCS#11 token, see hsm.h;
 * SoftHSM2 token "rakiosk-hsm" in the demo and tests), or, for an SM2
 * sub-CA, in software: SoftHSM2 cannot make SM2 keys, so an SM2 sub-CA key
 * is a PKCS#8 file encrypted (AES-256-CBC, PBKDF2) with the HSM PIN as
 * passphrase ("sealed"), so it opens only with the same secret. Its certificate is issued by HQ's
 * root; the demo generates a root on first run.
 *
 * Signing: certificates and CRLs are built with OpenSSL (or crl.c's DER
 * writer); the sub-CA sets the signature algorithm in the to-be-signed part
 * itself, serialises it (i2d_re_X509_tbs), signs those exact bytes (in the
 * HSM with raw C_Sign over the SHA-256, or with EVP_DigestSign for software
 * keys, SM2 with the GM/T 0009 default ID "1234567812345678"), verifies
 * the signature over those bytes with the CA's public key and places it.
 * The certificate handed out is that object, with the subscriber's key
 * set decoded (rk_spki_set: for EC keys without OpenSSL's encoders), not a
 * re-read of its DER: re-reading cost 0.2 ms an enrolment. (A key that
 * would encode otherwise than the request has it goes in as the request's
 * bytes, and then the certificate is re-read.) OpenSSL 3.0 has no X509_set1_signature_algo /
 * X509_set0_signature, so the two algorithm fields and the signature are
 * written through the pointers X509_get0_tbs_sigalg / X509_get0_signature
 * return; that needs no ENGINE, no libp11 EVP_PKEY and no second load of
 * the PKCS#11 module.
 *
 * State, until the order ledger takes it over: files in the directory the
 * caller names (<data_dir>/ca):
 *   ca.db             SQLite (WAL) of its own: table `issued` (every
 *                     certificate issued: serial, subject, profile,
 *                     validity, status good|hold|revoked, reason, DER) -
 *                     the serial registry and the log to sync -, table
 *                     `ca_meta` (key store, CRL number), table `crls`.
 *   subca.pem         the sub-CA certificate
 *   root.pem          the root (HQ's, or the demo root) that issued it
 *   demo-root.key     DEMO ONLY: the demo root's software key (0600),
 *   demo-root.pem     made by rk_subca_init when no root is given
 *   subca-sm2.key     an SM2 sub-CA's sealed key (0600)
 *   crl.der, crl.pem  the newest CRL (crl.h)
 * The HSM PIN is the caller's: the branch reads it through conf/secret.h
 * (in the demo <data_dir>/hsm.pin, mode 0600, created with 16 random
 * digits by `ractl ca init`; on the appliance a TPM-sealed credential).
 *
 * Serial numbers: 16 bytes from the CSPRNG, the top bit cleared (positive)
 * and the top byte non-zero (always 16 bytes long), checked unique against
 * `issued` inside the same IMMEDIATE transaction that records the
 * certificate, so two processes cannot hand out the same serial.
 *
 * SM2: an SM2 sub-CA signs with SM3-with-SM2 and the GM/T 0009 default
 * distinguishing ID "1234567812345678" (what Chinese relying parties use);
 * SM2 requests are verified with that ID too. OpenSSL 3.0's own default is
 * an empty ID, and `openssl verify -vfyopt distid:1234567812345678` applies
 * the ID only at depth 0, so with the openssl command each link of an SM2
 * chain is checked on its own (-partial_chain), as test_ca does.
 * For SM2 enrolment on a USB key the key must offer CKM_EC_KEY_PAIR_GEN on
 * the SM2 curve (CKA_EC_PARAMS = OID 1.2.156.10197.1.301) and a vendor SM2
 * signing mechanism that computes Z(ID) + SM3 + SM2 itself (or raw SM2 over
 * a digest the host computes with the ID); SoftHSM2 has neither, so the
 * path is ready here (profiles with key = sm2, SM2 requests, SM2 sub-CA)
 * and the key layer gains it with a key that has the mechanism.
 *
 * Threads: one rk_subca per thread.
 */
#ifndef RK_SUBCA_H
#define RK_SUBCA_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "ca/profiles.h"
#include "db/db.h"

#define RK_SUBCA_HSM_LABEL  "rakiosk-hsm"
#define RK_SUBCA_KEY_LABEL  "rakiosk-subca"
#define RK_SUBCA_SERIAL_HEX 41 /* up to 20 bytes in hex + NUL */

typedef struct rk_subca rk_subca;

typedef struct rk_subca_init_opts {
    const char *dir;         /* the CA's directory, created if missing */
    const char *hsm_module;  /* PKCS#11 module of the HSM */
    const char *hsm_label;   /* token label; NULL: RK_SUBCA_HSM_LABEL */
    const char *pin;         /* the HSM user PIN (also seals an SM2 key) */
    int key_alg;             /* RK_PROFILE_KEY_EC_P256 (default), _RSA_2048 or _SM2 */
    const char *common_name; /* the sub-CA's CN, e.g. the branch name */
    const char *root_cert;   /* HQ's root certificate (PEM) or NULL: demo root */
    const char *root_key;    /* its key (PEM) when root_cert is given */
    int validity_days;       /* of the sub-CA certificate; 0: 1825 */
} rk_subca_init_opts;

/* Creates the sub-CA in opts->dir: the demo root if no root is given (or
 * reuses an existing demo root), the key pair in the HSM (the HSM token is
 * created on a blank SoftHSM slot if missing) or the sealed SM2 key, and the
 * sub-CA certificate (CA:TRUE, pathlen 0, keyCertSign + cRLSign) signed by
 * the root. RK_EEXIST if the directory already holds a sub-CA. */
int rk_subca_init(const rk_subca_init_opts *opts);

/* Opens the sub-CA in dir, logging in to the HSM with pin. The caller owns
 * *out (rk_subca_free). RK_ENOTFOUND if there is none (run init). */
int rk_subca_open(rk_subca **out, const char *dir, const char *hsm_module, const char *hsm_label,
                  const char *pin);

void rk_subca_free(rk_subca *ca);

/* The sub-CA's certificate and the root (borrowed). */
X509 *rk_subca_cert(rk_subca *ca);
X509 *rk_subca_root(rk_subca *ca);
const char *rk_subca_dir(const rk_subca *ca);

/* Issues a certificate of profile p for the CSR: its self-signature must
 * verify and its key must be the profile's algorithm; nothing but the
 * public key is taken from it. Subject, extensions and validity come from
 * the profile and the order fields names[i]=values[i] (validity is cut at
 * the sub-CA's own notAfter). The certificate is recorded in `issued`
 * before it is returned. The caller owns *out. */
int rk_subca_issue(X509 **out, rk_subca *ca, const rk_profile *p, X509_REQ *csr,
                   const char *const *names, const char *const *values, int n);

/* Issues whose certificates the caller records durably itself (the
 * enrolment: the ledger's issuing transaction holds the certificate) may
 * commit to the register without waiting for the disk (about 0.7 ms here,
 * more on an appliance's flash): a power cut can then take the register's
 * newest records, and rk_castatus_follow() / rk_subca_rerecord() record
 * them again from the ledger or the enrolment journal. Off by default. */
void rk_subca_ledger_backed(rk_subca *ca, int on);

/* Records x again if the register lacks it: a certificate this sub-CA
 * signed whose record a power cut took before it reached the disk (see
 * rk_subca_ledger_backed), while the ledger or the enrolment journal kept
 * it. RK_EVERIFY if the sub-CA did not sign x.
 * 0 if it is recorded (already or now). */
int rk_subca_rerecord(rk_subca *ca, X509 *x);

/* Signs data (a TBS built by the caller) with the sub-CA key. *sig
 * (OPENSSL_free) is in the form an X.509 signature BIT STRING holds;
 * *sig_nid is the signature algorithm (ecdsa-with-SHA256,
 * sha256WithRSAEncryption or SM2-with-SM3). */
int rk_subca_sign(unsigned char **sig, size_t *siglen, int *sig_nid, rk_subca *ca,
                  const unsigned char *data, size_t len);

/* The signature algorithm the sub-CA uses. */
int rk_subca_sig_nid(const rk_subca *ca);

/* The sub-CA's database (for crl.c; borrowed). */
rk_db *rk_subca_db(rk_subca *ca);

/* Status of an issued certificate. */
enum { RK_CERT_GOOD = 0, RK_CERT_HOLD = 1, RK_CERT_REVOKED = 2 };

/* The newest certificate still good or held, issued at or after since, whose
 * public key is pub (the enrolment journal's crash recovery: never issue
 * twice). *out is the caller's. RK_ENOTFOUND if none. */
int rk_subca_find_by_key(X509 **out, rk_subca *ca, EVP_PKEY *pub, int64_t since);

typedef struct rk_subca_record {
    char serial[RK_SUBCA_SERIAL_HEX]; /* lower-case hex */
    char subject[512];
    char profile[48];
    int64_t not_before, not_after, issued_at, revoked_at;
    int status; /* RK_CERT_* */
    int reason; /* CRL reason code when held or revoked, else -1 */
} rk_subca_record;

/* Looks up a serial (hex, any case, optional "0x"/colons). RK_ENOTFOUND. */
int rk_subca_lookup(rk_subca_record *out, rk_subca *ca, const char *serial);

/* Counts of issued certificates by status. */
int rk_subca_counts(int *good, int *hold, int *revoked, rk_subca *ca);

/* A name as readable UTF-8 text ("CN=张三,C=CN", RFC 2253 order) into out. */
void rk_subca_name_text(char *out, size_t n, const X509_NAME *name);

/* Normalises a serial given by a person into lower-case hex without
 * leading zeros, colons or "0x". RK_EINVAL if it is not hex. */
int rk_subca_serial_norm(char *out, size_t n, const char *in);

#endif
