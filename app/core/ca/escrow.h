/*
 * Key escrow: encryption keys that HQ can recover.
 *
 * An escrowed encryption key cannot be generated on the subscriber's USB
 * key (it could never be recovered): it is generated in software, wrapped
 * at once to HQ's recovery certificate as CMS EnvelopedData (the PKCS#8
 * private key as content, AES-256-CBC, the recipient's RSA key transport or
 * ECDH key agreement), the wrapped blob is stored in the `escrow` table,
 * and only then is the key written to the USB key (token.h's
 * rk_token_import_key) and the software copy wiped. The branch only ever
 * holds the recovery CERTIFICATE; the recovery private key is HQ's. In the
 * demo `ractl ca init` makes a demo-only recovery pair,
 * <data_dir>/ca/demo-recovery.{pem,key}; a configured HQ certificate is
 * <data_dir>/ca/recovery.pem and wins.
 *
 * The wrapped copy travels to HQ: the issuing transaction records a
 * `key.escrowed` event (rk_escrow_event) that the sync pushes. For a
 * key-recovery order HQ opens it with its recovery key, wraps the key
 * again to the branch's device certificate and returns it over the sync
 * (`key.recovered`, branch/sync_in.h), which the branch opens with its
 * device key in the HSM (branch/enrolment.h). `ractl key recover
 * --recovery-key FILE` opens the branch's own copy with the recovery key
 * itself: the demo's, where there is no HQ.
 */
#ifndef RK_ESCROW_H
#define RK_ESCROW_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>

#include "db/db.h"

#define RK_ESCROW_FP_LEN 65 /* SHA-256 hex + NUL */

/* A new software key: RSA-2048 (rsa != 0) or EC P-256. The caller frees it. */
int rk_escrow_keygen(EVP_PKEY **out, int rsa);

/* Wraps key's private key to recovery (CMS EnvelopedData, DER) into a new
 * buffer *out (free()) of *len bytes. The PKCS#8 copy is wiped. */
int rk_escrow_wrap(unsigned char **out, size_t *len, EVP_PKEY *key, X509 *recovery);

/* Opens a wrapped key with the private key that it is wrapped to (HQ's
 * recovery key, or the branch's device key in its HSM) and its certificate
 * (may be NULL: every recipient is tried). RK_EAUTH "the recovery key does
 * not open..." for a wrong key (or the HSM's reason), RK_EFORMAT for a damaged
 * blob. Wrapping (rk_escrow_wrap) takes any certificate: RSA key transport
 * or, for an EC one, ECDH key agreement (X9.63 KDF with SHA-256, AES key
 * wrap). The caller frees *out. */
int rk_escrow_unwrap(EVP_PKEY **out, const unsigned char *der, size_t len, EVP_PKEY *recovery_key,
                     X509 *recovery);

/* Checks, without opening it, that der[0..len) is a CMS EnvelopedData (DER,
 * nothing after it) with a recipient that is cert: a key agreement (EC) or
 * key transport (RSA) recipient naming it by issuer and serial or by its
 * subject key identifier. RK_EFORMAT "... not a CMS EnvelopedData" for
 * anything else, RK_EPERM "... not wrapped to ..." when no recipient is
 * cert (NULL: the form alone is checked). A pure function of its input
 * (tests/fuzz/fuzz_wrapped_key.c): what HQ returns over the sync is checked with it before it is
 * kept. */
int rk_escrow_check_wrapped(const unsigned char *der, size_t len, X509 *cert);

/* SHA-256 of the certificate's DER in lower-case hex. */
int rk_escrow_fingerprint(char out[RK_ESCROW_FP_LEN], X509 *cert);

/* Records a wrapped key for order_id (cert_serial not known yet: NULL),
 * inside the caller's transaction or alone. *id receives the row. */
int rk_escrow_store(int64_t *id, rk_db *db, int64_t order_id, const unsigned char *wrapped,
                    size_t len, const char *fp);

/* Names cert_serial as the certificate of order_id's escrowed key, the one
 * stored for it that has no certificate yet (an enrolment keeps one such
 * key: rk_escrow_drop_unbound runs before each store), inside the issuing
 * transaction. RK_ENOTFOUND if there is none: the encryption key on the
 * USB key would then have no recoverable copy. */
int rk_escrow_bind(rk_db *db, int64_t order_id, const char *cert_serial);

/* The wrapped key of the certificate cert_serial into a new buffer (free())
 * and the recovery certificate's fingerprint. RK_ENOTFOUND if the
 * certificate's key was not escrowed. */
int rk_escrow_load(unsigned char **out, size_t *len, char fp[RK_ESCROW_FP_LEN], rk_db *db,
                   const char *cert_serial);

/* Records, inside the issuing transaction, the outbox event that takes
 * the escrowed copy of certificate cert_serial (bound to order_id, whose
 * UUID is order_uuid) to HQ: entity "escrow", entity_id the serial (upper
 * case), kind "key.escrowed", payload {order, serial, holder (the order's
 * blind index of the holder's ID number, "" if none: HQ compares it with a
 * recovery order's), recovery_fp, wrapped (base64 DER)}. The key is
 * wrapped to HQ's recovery certificate, so it may travel. */
int rk_escrow_event(rk_db *db, int64_t order_id, const char *order_uuid, const char *cert_serial);

/* Drops the wrapped keys of order_id that never got a certificate
 * (rollback, or a key made again after a crash). */
int rk_escrow_drop_unbound(rk_db *db, int64_t order_id);

/* The recovery certificate under ca_dir (recovery.pem, else, only when
 * recovery.pem does not exist, demo-recovery.pem). RK_ENOTFOUND naming
 * both; a damaged file is RK_EFORMAT naming it. The caller frees it. */
int rk_escrow_recovery_cert(X509 **out, const char *ca_dir);

/* Makes the demo-only recovery pair ca_dir/demo-recovery.{pem,key} (RSA-2048,
 * key file 0600) unless one of them, or recovery.pem, exists. *made = 1 if
 * it did (may be NULL). */
int rk_escrow_demo_init(const char *ca_dir, int *made);

#endif
