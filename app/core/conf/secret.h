/*
 * The branch's secrets at rest, read by one loader for every program
 * (ractl, rakiosk, rasync): the data key that seals personal data
 * (util/seal.h), the branch secret subscribers' SO PINs are derived from
 * (branch/keys.h) and the appliance HSM's user PIN (branch/branchca.h).
 *
 * Where a secret comes from, one rule:
 *
 * 1. When systemd started the program with credentials
 *    ($CREDENTIALS_DIRECTORY, the unit's LoadCredentialEncrypted=) and the
 *    directory holds the secret's credential (rakiosk-data-key,
 *    rakiosk-branch-secret, rakiosk-hsm-pin), it is read from there. On the
 *    appliance those credentials are sealed to the terminal's TPM2 by
 *    `systemd-creds encrypt --with-key=tpm2` at the first boot; the data
 *    partition holds only the sealed forms, so a copied partition opens
 *    nothing (docs/IMAGE.md).
 * 2. Otherwise, with [secrets] store = credentials, the secret is missing:
 *    RK_ECONF saying which credential and which unit setting hands it
 *    over. Such a branch never reads nor makes a file of it.
 * 3. Otherwise ([secrets] store = file, the default: developer machines,
 *    demos, tests), the file beside the database: <data_dir>/data.key,
 *    <data_dir>/branch.secret, <data_dir>/hsm.pin (or the file the caller
 *    names, RAKIOSK_HSM_PIN_FILE), each 0600 and made when missing if the
 *    caller asks (`ractl init`, `ractl ca init`, a key's initialisation).
 *
 * A credential is taken only as a regular file (never through a symbolic
 * link) of the secret's exact size (32 bytes for a key; 1 to 63 characters
 * for the PIN, one line end allowed). Messages name the credential or the
 * file, never a byte of the secret; on failure the output is wiped.
 * Thread-safe: no state.
 */
#ifndef RK_SECRET_H
#define RK_SECRET_H

#include "conf/conf.h"

#include <stddef.h>

typedef enum rk_secret_kind {
    RK_SECRET_DATA_KEY = 0,  /* 32 bytes: seals personal data at rest */
    RK_SECRET_BRANCH_SECRET, /* 32 bytes: subscribers' keys' SO PINs */
    RK_SECRET_HSM_PIN,       /* text: the appliance HSM's user PIN */
} rk_secret_kind;

#define RK_SECRET_KEY_BYTES 32
#define RK_SECRET_PIN_MAX   64 /* buffer for the PIN: 63 characters + NUL */

/* The credential's name (e.g. "rakiosk-data-key"): what a unit's
 * LoadCredentialEncrypted= and `systemd-creds encrypt --name=` use. */
const char *rk_secret_name(rk_secret_kind kind);

/* Reads a secret by the rule above into out: RK_SECRET_KEY_BYTES bytes for
 * a key (n must be that), or the PIN as a NUL-terminated string without
 * its line end (n at least RK_SECRET_PIN_MAX). file: the file store's path
 * instead of the default (NULL or "" = the default). create: in the file
 * store, make the secret when it is missing (a key: 32 random bytes; the
 * PIN: 16 random digits; a concurrent maker wins and its secret is read).
 * RK_ECONF for a missing or unreadable secret (the message says what hands
 * it over or makes it), RK_EPERM for a symbolic link, another owner or
 * permissions wider than 0600 (the file store), RK_EFORMAT for a wrong
 * size, RK_EIO, RK_ECRYPTO. */
int rk_secret_load(const rk_conf *conf, rk_secret_kind kind, const char *file, int create,
                   void *out, size_t n);

/* Where rk_secret_load would look, for messages and `ractl init`'s report:
 * "credential rakiosk-data-key" or the file's path, into out. */
void rk_secret_where(char *out, size_t n, const rk_conf *conf, rk_secret_kind kind,
                     const char *file);

#endif
