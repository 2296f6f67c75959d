/*
 * The branch's device identity towards HQ: a key pair generated in the
 * appliance HSM (it never leaves it) and its certificate from HQ's CA,
 * enrolled over CMP with the one-time reference and secret HQ gave the
 * branch (`rahq admin branch add`). rasync then presents that key through
 * OpenSSL's pkcs11 engine (rk_sync_hsm_env names the module, token, key
 * and PIN it needs).
 *
 * Enrolment: the key (label [sync] device_key, EC P-256: it signs for TLS
 * and agrees keys for what HQ wraps to its certificate, the recovered keys
 * of key-recovery orders) is made in the HSM token unless it exists (an
 * older one that could only sign is allowed to agree keys); a PKCS#10 request for CN=<branch>
 * is signed on the HSM; CMP p10cr, PBM-protected with the reference and
 * secret, goes to HQ's CMP endpoint ([hq] cmp_url), HQ's answer checked
 * against [hq] ca_certs; the certificate must carry the request's key and
 * the branch's identity (urn:rakiosk:branch:<ID>) and is written to
 * <data_dir>/sync/device.pem (atomically); the enrolment is audited.
 * Enrolling again (a new reference from HQ) keeps the key and replaces the
 * certificate.
 */
#ifndef RK_SYNC_ENROL_H
#define RK_SYNC_ENROL_H

#include <limits.h>
#include <stdint.h>

#include "conf/conf.h"
#include "db/db.h"

/* Where the appliance HSM is and how to log in: the module
 * ($RAKIOSK_HSM_MODULE, default SoftHSM2, with the branch's SoftHSM store
 * when none is configured), the token label and the user PIN (from
 * conf/secret.h's loader: the credential, $RAKIOSK_HSM_PIN_FILE or
 * <data_dir>/hsm.pin). The PIN is the caller's to
 * wipe (rk_sync_hsm_done). */
typedef struct rk_sync_hsm {
    char module[PATH_MAX];
    char label[33];
    char pin[128];
    char key_uri[256]; /* pkcs11:token=...;object=...;type=private */
} rk_sync_hsm;

int rk_sync_hsm_env(rk_sync_hsm *out, const rk_conf *conf);
void rk_sync_hsm_done(rk_sync_hsm *h);

/* Reads the first line of a secret file (the enrolment secret) into out;
 * RK_ENOTFOUND, RK_EINVAL (empty), RK_ETOOBIG. Wipe out after use. */
int rk_sync_read_secret(char *out, size_t n, const char *path);

/* The device certificate's path (<data_dir>/sync/device.pem). */
void rk_sync_device_cert_path(char *out, size_t n, const rk_conf *conf);

typedef struct rk_sync_enrol_opts {
    const char *cmp_url; /* NULL: [hq] cmp_url */
    const char *ref;     /* NULL: [hq] enrol_ref */
    const char *secret;  /* the one-time secret (required; the caller wipes it) */
} rk_sync_enrol_opts;

typedef struct rk_sync_enrol_result {
    char serial[41];
    char subject[256];
    int64_t not_after;
    int key_made; /* 1: the key was generated now */
    char cert_path[PATH_MAX];
} rk_sync_enrol_result;

/* Enrols the device. RK_ECONF for missing configuration (the message says
 * which key), RK_EAUTH / RK_EPERM when HQ refuses (a used or unknown
 * reference, a wrong secret), RK_EIO when HQ cannot be reached,
 * RK_EVERIFY when HQ's certificate is not what was asked. */
int rk_sync_enrol(rk_sync_enrol_result *out, rk_db *db, const rk_conf *conf,
                  const rk_sync_enrol_opts *o);

/* The enrolment that waits (the appliance's first boot may have had no
 * network): when the device has no certificate yet and the one-time secret
 * waits in <data_dir>/sync/enrol.secret, enrols with it, [hq] enrol_ref and
 * cmp_url, and removes the secret once HQ has used it. *done is 1 when it
 * enrolled now, 0 when there was nothing to do (a certificate already, or
 * no secret waiting: then the caller says how to enrol). Errors as
 * rk_sync_enrol's, the secret kept for the next try. */
int rk_sync_enrol_pending(rk_sync_enrol_result *out, int *done, rk_db *db, const rk_conf *conf);

#endif
