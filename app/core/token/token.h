/*
 * The USB key layer: subscribers' keys over any PKCS#11 module.
 *
 * It lists the keys present, watches them come and go, initialises a blank
 * key (label, SO PIN derived from the branch secret, first user PIN given or
 * generated), generates key pairs on the key (EC P-256 or RSA-2048; signing
 * or encryption; private keys sensitive and never extractable), signs a CSR
 * on the key, writes a certificate with the key pair's CKA_ID and reads it
 * back to verify it, changes and unlocks PINs, and lists what a key holds.
 *
 * It uses libp11 (0.4.12) for slots, token initialisation and the EVP_PKEY
 * that signs a CSR, and raw PKCS#11 through the module's own function list
 * for what libp11 lacks or gets wrong there: live token flags, EC key
 * generation, certificate objects with CKA_SERIAL_NUMBER, PIN handling with
 * precise return codes. Keys are always found by serial number (slot ids
 * change between processes); a blank key that has no serial yet (SoftHSM's
 * free slot) is addressed as "blank".
 *
 * Errors: RK_EDEVICE when a key is missing or removed (also mid-operation),
 * RK_EAUTH for a wrong or locked PIN (the message says how many tries are
 * left where that is known, or how the key model is unlocked), RK_ESTATE
 * when a key is not in the state for the operation (blank, already
 * initialised), RK_ENOTFOUND for a missing object, RK_EVERIFY when a check
 * fails, RK_ECRYPTO for other token failures. PINs are never logged and are
 * wiped from the layer's own buffers after use.
 *
 * Threads: a rk_token_ctx and the keys opened from it are used by one
 * thread at a time; rk_token_watch() may run on another thread at the same
 * time (it makes only raw, thread-safe module calls). Load a module once per
 * process (one ctx per module): a second ctx on the same module would
 * finalise it for the first when freed.
 */
#ifndef RK_TOKEN_H
#define RK_TOKEN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "conf/conf.h"
#include "util/progress.h"

#define RK_TOKEN_SERIAL_MAX 17 /* 16 characters + NUL */
#define RK_TOKEN_LABEL_MAX  33 /* 32 characters + NUL */
#define RK_TOKEN_PIN_MAX    65 /* PINs up to 64 characters */
#define RK_TOKEN_SO_PIN_LEN 16 /* derived SO PINs: 16 digits */
#define RK_TOKEN_ID_LEN     16 /* CKA_ID of a key pair: 16 random bytes */

typedef struct rk_token_ctx rk_token_ctx;
typedef struct rk_token rk_token;

/* The user-PIN state read live from the key. */
enum {
    RK_TOKEN_PIN_OK = 0,    /* no wrong PIN since the last right one */
    RK_TOKEN_PIN_COUNT_LOW, /* at least one wrong PIN */
    RK_TOKEN_PIN_FINAL_TRY, /* one wrong PIN more locks the key */
    RK_TOKEN_PIN_LOCKED,    /* locked: only an unlock helps */
    RK_TOKEN_PIN_NOT_SET    /* blank key, or no user PIN yet */
};

typedef struct rk_token_info {
    char serial[RK_TOKEN_SERIAL_MAX]; /* "" for a blank key without serial */
    char label[RK_TOKEN_LABEL_MAX];
    char manufacturer[RK_TOKEN_LABEL_MAX];
    char model[RK_TOKEN_SERIAL_MAX]; /* the token's own model string */
    char key_model[32];              /* [key_model NAME] of conf, "" if none */
    char unlock[16];                 /* that model's unlock method, "" if none */
    int initialised;                 /* CKF_TOKEN_INITIALIZED */
    int pin_state;                   /* RK_TOKEN_PIN_* */
    int tries_left;                  /* exact count if the module tells (p11lock), else
                                        1 on final try, 0 locked, -1 unknown */
    int max_tries;                   /* the model's limit, or the module's; -1 unknown */
    unsigned long flags;             /* raw CK_TOKEN_INFO flags */
} rk_token_info;

/* Key algorithms and purposes for rk_token_keygen(). */
enum { RK_TOKEN_EC_P256 = 1, RK_TOKEN_RSA_2048 = 2 };
enum { RK_TOKEN_SIGN = 1, RK_TOKEN_ENCRYPT = 2 };

/* What rk_token_objects() reports. */
enum {
    RK_TOKEN_OBJ_CERT = 1,
    RK_TOKEN_OBJ_PRIVATE_KEY,
    RK_TOKEN_OBJ_PUBLIC_KEY,
    RK_TOKEN_OBJ_OTHER
};

typedef struct rk_token_object {
    int kind; /* RK_TOKEN_OBJ_* */
    char label[65];
    unsigned char id[64];
    size_t id_len;
    char key_type[8];              /* "EC", "RSA" or "" */
    char subject[256];             /* certificates: one-line subject */
    char serial_hex[80];           /* certificates: serial number in hex */
    int64_t not_before, not_after; /* certificates: validity (Unix seconds) */
} rk_token_object;

/* Loads the PKCS#11 module at module_path. The new context is the caller's
 * (rk_token_ctx_free). RK_EDEVICE if the module cannot be loaded. */
int rk_token_ctx_new(rk_token_ctx **out, const char *module_path);

/* Unloads the module; NULL does nothing. Keys opened from ctx must be closed. */
void rk_token_ctx_free(rk_token_ctx *ctx);

/* How many contexts on module_path are alive in this process now (the
 * rule above wants at most one; tests and rakiosk's `app
 * expect-token-contexts` check it). */
int rk_token_ctx_live(const char *module_path);

/* Lets the layer name key models and their PIN limits and unlock methods
 * (rk_conf_key_model); conf is borrowed and must outlive ctx. */
void rk_token_ctx_set_conf(rk_token_ctx *ctx, const rk_conf *conf);

/* The keys present now (slots with a token), read live. *out is the
 * caller's (free()), *n its length. */
int rk_token_list(rk_token_info **out, int *n, rk_token_ctx *ctx);

/* Live facts about one key by serial ("blank": the first blank key).
 * RK_EDEVICE if it is not present. */
int rk_token_info_get(rk_token_info *out, rk_token_ctx *ctx, const char *serial);

/* Called by rk_token_watch for each key that appeared (inserted=1) or went
 * away (0); a blank key without serial is reported as "blank". Return
 * nonzero to stop watching. */
typedef int (*rk_token_watch_fn)(void *arg, const char *serial, int inserted);

/* Polls the keys present every interval_ms and reports changes; the keys
 * present at the start are reported as inserted. Returns 0 when the callback
 * asked to stop or *cancel became nonzero (checked every interval), or an
 * error. Meant for a thread of its own. */
int rk_token_watch(rk_token_ctx *ctx, int interval_ms, atomic_int *cancel, rk_token_watch_fn fn,
                   void *arg);

/* The SO PIN of the key with this serial: HMAC-SHA256(secret, serial)
 * rendered as 16 decimal digits into out (at least 17 bytes). It is derived
 * whenever needed and never stored. */
int rk_token_derive_so_pin(char *out, size_t n, const unsigned char *secret, size_t secret_len,
                           const char *serial);

typedef struct rk_token_init_opts {
    const char *label;           /* up to 32 bytes */
    const unsigned char *secret; /* the branch secret for the SO PIN */
    size_t secret_len;           /* at least 16 bytes */
    const char *user_pin;        /* the first user PIN; NULL: generate 6 digits */
    rk_progress_fn progress;     /* may be NULL (util/progress.h) */
    void *progress_arg;
} rk_token_init_opts;

/* Initialises the blank key `serial` ("blank" for one without serial):
 * label, SO PIN derived from the serial (a key that gets its serial only at
 * initialisation gets a random SO PIN first, changed to the derived one
 * right after), user PIN. new_serial (RK_TOKEN_SERIAL_MAX bytes) receives
 * the key's serial; pin_out (RK_TOKEN_PIN_MAX bytes, may be NULL when a PIN
 * is given) receives the generated PIN, which the caller prints sealed and
 * wipes. RK_ESTATE if the key is already initialised. Progress (op
 * RK_OP_TOKEN_INIT): steps "find", "init", "serial", "so_pin", "user_pin",
 * "done"; a cancel is honoured at "find" and "init" (RK_ECANCELED, the key
 * untouched), after which initialisation runs to its end. */
int rk_token_init(char *new_serial, char *pin_out, rk_token_ctx *ctx, const char *serial,
                  const rk_token_init_opts *opts);

/* Opens the key with this serial for the operations below (a read-write
 * session). RK_EDEVICE if it is not present. Only one rk_token per key at a
 * time. The key is the caller's (rk_token_close). */
int rk_token_open(rk_token **out, rk_token_ctx *ctx, const char *serial);

/* Logs out, closes the session; NULL does nothing. */
void rk_token_close(rk_token *t);

/* The key's serial. */
const char *rk_token_serial(const rk_token *t);

/* The live PIN state of an open key (see rk_token_info). */
int rk_token_status(rk_token_info *out, rk_token *t);

/* Logs the user in with pin. A locked key is refused without spending a
 * try (the module answers CKR_PIN_LOCKED). RK_EAUTH "wrong PIN, N tries
 * left" or the lock message naming the model's unlock method; RK_ESTATE
 * for a key without a user PIN. */
int rk_token_login(rk_token *t, const char *pin);

/* Generates a key pair on the (logged-in) key: alg RK_TOKEN_EC_P256 or
 * RK_TOKEN_RSA_2048, purpose RK_TOKEN_SIGN (CKA_SIGN only) or
 * RK_TOKEN_ENCRYPT (RSA: decrypt+unwrap; EC: derive). Both halves get the
 * same random CKA_ID, written to id (RK_TOKEN_ID_LEN bytes), and label.
 * Progress (RK_OP_KEYGEN): "keygen" before the key works (a cancel there
 * returns RK_ECANCELED with nothing made), "done". */
int rk_token_keygen(unsigned char *id, rk_token *t, int alg, int purpose, const char *label,
                    rk_progress_fn progress, void *progress_arg);

/* Writes a key pair made in software (an escrowed encryption key, see
 * ca/escrow.h) onto the (logged-in) key: a public-key object and a private
 * key that is sensitive and never extractable, usable to decrypt and unwrap
 * (RSA-2048) or derive (EC P-256), both with a new random CKA_ID (written
 * to id, RK_TOKEN_ID_LEN bytes) and label. key stays the caller's, who
 * frees it right after; the layer wipes its own copies of the private
 * values. RK_EINVAL for another kind of key. */
int rk_token_import_key(unsigned char *id, rk_token *t, EVP_PKEY *key, const char *label);

/* The public key of the key pair id, read from the key. The caller frees it. */
int rk_token_public_key(EVP_PKEY **out, rk_token *t, const unsigned char *id, size_t id_len);

/* The same as a DER SubjectPublicKeyInfo (*der: OPENSSL_free), without
 * decoding the key (cheaper: what the enrolment journal keeps). */
int rk_token_public_spki(unsigned char **der, int *len, rk_token *t, const unsigned char *id,
                         size_t id_len);

/* A CSR for subject with the public key of pair id, signed on the key
 * (SHA-256). Not verified here: the issuer checks the signature (proof of
 * possession) anyway. Its key is not decoded (X509_REQ_get0_pubkey returns
 * NULL: use rk_spki_pkey). The caller frees it. */
int rk_token_csr(X509_REQ **out, rk_token *t, const unsigned char *id, size_t id_len,
                 const X509_NAME *subject);

/* Writes cert to the key with the pair's CKA_ID, label, CKA_SUBJECT,
 * CKA_ISSUER and CKA_SERIAL_NUMBER, after checking that its public key is
 * the pair's. RK_EEXIST if a certificate with that id is there, unless
 * replace, which removes the old one after the new one is written.
 * Progress (RK_OP_CERT_WRITE): "check", "write" (a cancel at either
 * returns RK_ECANCELED with the key unchanged), "remove_old", "done". */
int rk_token_write_cert(rk_token *t, const unsigned char *id, size_t id_len, const char *label,
                        X509 *cert, int replace, rk_progress_fn progress, void *progress_arg);

/* The certificate with CKA_ID id read from the key. RK_ENOTFOUND if none. */
int rk_token_read_cert(X509 **out, rk_token *t, const unsigned char *id, size_t id_len);

/* Reads the certificate of pair id back and checks it: the same DER as
 * expected (if given), its public key is the pair's, and (if cas is given)
 * it chains to them at rk_clock_now() (util/chain.h: the context checks
 * the CA certificates' own chain once), checked on expected when given (the
 * same bytes): its key must then be decoded, as in a parsed certificate or
 * the sub-CA's (util/spki.h), else the chain check fails. RK_EVERIFY with
 * what differs. */
int rk_token_verify_cert(rk_token *t, const unsigned char *id, size_t id_len, X509 *expected,
                         STACK_OF(X509) * cas);

/* The CKA_ID of the one key pair labelled label (the enrolment journal
 * labels pairs by order, so a pair made just before a crash is found again).
 * id holds *id_len bytes on entry and receives the id. RK_ENOTFOUND if
 * none, RK_ESTATE if several. Needs a login. */
int rk_token_find_pair(unsigned char *id, size_t *id_len, rk_token *t, const char *label);

/* Removes the certificate, public and private key with CKA_ID id (rolling
 * back an enrolment). Absent objects are fine. Needs a login. */
int rk_token_delete_pair(rk_token *t, const unsigned char *id, size_t id_len);

/* Removes objects left half-made by a write that was cut off (a pulled key,
 * a killed program): keys or certificates without a CKA_ID, certificates
 * whose value is not a certificate. *removed (may be NULL) receives their
 * number. Needs a login. */
int rk_token_sweep(rk_token *t, int *removed);

/* Certificates and keys on the key (private keys only when logged in).
 * *out is the caller's (free()). */
int rk_token_objects(rk_token_object **out, int *n, rk_token *t);

/* Changes the user PIN; a wrong old PIN counts as a wrong PIN. */
int rk_token_change_pin(rk_token *t, const char *old_pin, const char *new_pin);

/* Unlocks: logs in as SO with the PIN derived from secret and sets new_pin
 * as the user PIN, which also clears the lock. Objects stay. */
int rk_token_unlock(rk_token *t, const unsigned char *secret, size_t secret_len,
                    const char *new_pin);

/* A message (static text) for a PIN state, such as "1 try left". */
const char *rk_token_pin_state_name(int pin_state);

#endif
