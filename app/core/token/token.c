/*
 * The USB key layer (see token.h): libp11 where it works, raw PKCS#11
 * through the module's function list where libp11 0.4.12 falls short.
 *
 * The module is loaded twice over the same dlopen handle: by libp11
 * (PKCS11_CTX_load, which calls C_Initialize with CKF_OS_LOCKING_OK) and by
 * this file (dlopen + C_GetFunctionList, C_Initialize tolerating
 * CKR_CRYPTOKI_ALREADY_INITIALIZED). libp11 loads and unloads the module;
 * the key operations are raw calls, because libp11 0.4.12 closes every
 * session of a slot when its session pool changes mode (PKCS11_open_session)
 * or when its slot list is released (needed around PKCS11_init_token and
 * PKCS11_get_private_key), which logs out the key's own session and any
 * other open key, and its token flags are stale. A CSR is therefore signed with raw C_Sign: SHA-256
 * in software, then CKM_ECDSA (SoftHSM2 has no CKM_ECDSA_SHA256) or CKM_RSA_PKCS over a DigestInfo,
 * the result DER-encoded into the request and checked against the key's public key. An open key
 * holds one read-write session.
 */
#define _GNU_SOURCE
#include "token/token.h"
#include "token/p11key.h"

#include "util/chain.h"
#include "util/clock.h"
#include "util/spki.h"
#include "util/err.h"
#include "util/wipe.h"
#include "util/x509name.h"

#include <p11-kit/pkcs11.h>

#include <dlfcn.h>
#include <pthread.h>
#include <libp11.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef CK_RV (*p11lock_tries_fn)(CK_SLOT_ID, CK_ULONG *, CK_ULONG *);

struct rk_token_ctx {
    PKCS11_CTX *p11;
    void *dl;
    CK_FUNCTION_LIST *fl;
    p11lock_tries_fn tries; /* p11lock's exact counter, NULL for other modules */
    const rk_conf *conf;
    /* Where a key was last found: slot ids hold while the module is loaded,
     * so opening that key again asks its slot first instead of scanning
     * every slot. Guarded: the watcher may run on another thread. */
    pthread_mutex_t last_lock;
    char last_serial[RK_TOKEN_SERIAL_MAX];
    CK_SLOT_ID last_slot;
    rk_chain *chain;  /* read-back chain checks (util/chain.h) */
    char module[512]; /* the module's path, counted in live[] ("" not yet) */
};

struct rk_token {
    rk_token_ctx *ctx;
    CK_SLOT_ID slot_id;
    CK_SESSION_HANDLE s;
    int logged_in;
    char serial[RK_TOKEN_SERIAL_MAX];
    unsigned char pub_id[64]; /* one-entry cache of a pair's public key */
    size_t pub_id_len;
    EVP_PKEY *pub;
    unsigned char fields_id[64]; /* and of its encoded fields (util/spki.h) */
    size_t fields_id_len;
    X509_PUBKEY *fields;
    /* The handles of the pair made last in this session (SoftHSM walks all
     * its objects for every search): find_by_id answers from them. */
    unsigned char made_id[RK_TOKEN_ID_LEN];
    CK_OBJECT_HANDLE made_pub, made_priv, made_cert_h;
    int made, made_cert; /* made_cert: this session wrote its certificate */
};

/* ---- helpers ------------------------------------------------------------- */

/* A report: step code, sentence, percent. */
#define STEP(code, words, pct) (&(rk_progress){.step = (code), .text = (words), .percent = (pct)})

static void trim_copy(char *out, size_t n, const unsigned char *p, size_t len)
{
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\0'))
        len--;
    if (len >= n) len = n - 1;
    memcpy(out, p, len);
    out[len] = '\0';
}

static int is_device_rv(CK_RV rv)
{
    return rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT ||
           rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED || rv == CKR_DEVICE_ERROR ||
           rv == CKR_SLOT_ID_INVALID || rv == CKR_TOKEN_NOT_RECOGNIZED;
}

/* Maps a failed PKCS#11 call made while doing `what` to an RK_E* code. */
static int fail_rv(CK_RV rv, const char *what)
{
    if (is_device_rv(rv))
        return rk_err_set(RK_EDEVICE, "the key was removed while %s: insert it again and retry",
                          what);
    if (rv == CKR_HOST_MEMORY) return rk_err_oom();
    if (rv == CKR_USER_NOT_LOGGED_IN)
        return rk_err_set(RK_EAUTH, "%s needs the key's PIN: log in first", what);
    if (rv == CKR_PIN_INCORRECT) return rk_err_set(RK_EAUTH, "%s: wrong PIN", what);
    if (rv == CKR_PIN_LOCKED) return rk_err_set(RK_EAUTH, "%s: the PIN is locked", what);
    return rk_err_set(RK_ECRYPTO, "%s failed on the key (PKCS#11 error 0x%lx)", what,
                      (unsigned long)rv);
}

static int check_pin_text(const char *pin, const char *which)
{
    size_t len = pin ? strlen(pin) : 0;
    if (len < 4 || len > RK_TOKEN_PIN_MAX - 1)
        return rk_err_set(RK_EINVAL, "the %s must have 4 to %d characters", which,
                          RK_TOKEN_PIN_MAX - 1);
    return 0;
}

const char *rk_token_pin_state_name(int pin_state)
{
    switch (pin_state) {
    case RK_TOKEN_PIN_OK: return "ok";
    case RK_TOKEN_PIN_COUNT_LOW: return "wrong PIN entered before";
    case RK_TOKEN_PIN_FINAL_TRY: return "1 try left";
    case RK_TOKEN_PIN_LOCKED: return "locked";
    case RK_TOKEN_PIN_NOT_SET: return "no PIN set";
    }
    return "unknown";
}

/* ---- context ------------------------------------------------------------- */

/* The contexts alive in this process, by module path (rk_token_ctx_live):
 * a count, so a second load of one module shows. */
#define LIVE_MODULES 8
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char module[512];
    int n;
} live[LIVE_MODULES];

static void live_add(const char *module, int delta)
{
    pthread_mutex_lock(&live_lock);
    int free_at = -1;
    for (int i = 0; i < LIVE_MODULES; i++) {
        if (live[i].n > 0 && !strcmp(live[i].module, module)) {
            live[i].n += delta;
            pthread_mutex_unlock(&live_lock);
            return;
        }
        if (live[i].n <= 0 && free_at < 0) free_at = i;
    }
    if (delta > 0 && free_at >= 0 && strlen(module) < sizeof live[0].module) {
        strcpy(live[free_at].module, module);
        live[free_at].n = delta;
    }
    pthread_mutex_unlock(&live_lock);
}

int rk_token_ctx_live(const char *module_path)
{
    int n = 0;
    pthread_mutex_lock(&live_lock);
    for (int i = 0; i < LIVE_MODULES; i++)
        if (live[i].n > 0 && !strcmp(live[i].module, module_path ? module_path : "")) n = live[i].n;
    pthread_mutex_unlock(&live_lock);
    return n;
}

int rk_token_ctx_new(rk_token_ctx **out, const char *module_path)
{
    rk_token_ctx *ctx;
    CK_C_GetFunctionList get;
    CK_C_INITIALIZE_ARGS args;
    CK_RV rv;

    *out = NULL;
    if (!module_path || !*module_path)
        return rk_err_set(RK_ECONF, "no PKCS#11 module configured for USB keys ([token] module)");
    if (!(ctx = calloc(1, sizeof *ctx))) return rk_err_oom();
    pthread_mutex_init(&ctx->last_lock, NULL);
    if (rk_chain_new(&ctx->chain) != 0 || !(ctx->p11 = PKCS11_CTX_new())) {
        rk_token_ctx_free(ctx);
        return rk_err_oom();
    }
    if (PKCS11_CTX_load(ctx->p11, module_path) != 0) {
        PKCS11_CTX_free(ctx->p11);
        ctx->p11 = NULL;
        rk_token_ctx_free(ctx);
        return rk_err_set(RK_EDEVICE, "cannot load the USB key module %s", module_path);
    }
    ctx->dl = dlopen(module_path, RTLD_NOW | RTLD_LOCAL);
    get = ctx->dl ? (CK_C_GetFunctionList)dlsym(ctx->dl, "C_GetFunctionList") : NULL;
    if (!get || get(&ctx->fl) != CKR_OK || !ctx->fl) {
        rk_token_ctx_free(ctx);
        return rk_err_set(RK_EDEVICE, "the USB key module %s has no function list", module_path);
    }
    memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    rv = ctx->fl->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        rk_token_ctx_free(ctx);
        return rk_err_set(RK_EDEVICE, "the USB key module %s does not start (0x%lx)", module_path,
                          (unsigned long)rv);
    }
    ctx->tries = (p11lock_tries_fn)dlsym(ctx->dl, "p11lock_GetPinTries");
    snprintf(ctx->module, sizeof ctx->module, "%s", module_path);
    live_add(ctx->module, 1);
    *out = ctx;
    return 0;
}

void rk_token_ctx_free(rk_token_ctx *ctx)
{
    if (!ctx) return;
    if (ctx->module[0]) live_add(ctx->module, -1);
    if (ctx->p11) {
        PKCS11_CTX_unload(ctx->p11);
        PKCS11_CTX_free(ctx->p11);
    }
    if (ctx->dl) dlclose(ctx->dl);
    rk_chain_free(ctx->chain);
    pthread_mutex_destroy(&ctx->last_lock);
    free(ctx);
}

void rk_token_ctx_set_conf(rk_token_ctx *ctx, const rk_conf *conf)
{
    ctx->conf = conf;
}

/* ---- live token facts ---------------------------------------------------- */

/* Fills out from the live CK_TOKEN_INFO of slot. */
static void fill_info(rk_token_info *out, rk_token_ctx *ctx, CK_SLOT_ID slot,
                      const CK_TOKEN_INFO *ti)
{
    memset(out, 0, sizeof *out);
    trim_copy(out->serial, sizeof out->serial, ti->serialNumber, sizeof ti->serialNumber);
    trim_copy(out->label, sizeof out->label, ti->label, sizeof ti->label);
    trim_copy(out->manufacturer, sizeof out->manufacturer, ti->manufacturerID,
              sizeof ti->manufacturerID);
    trim_copy(out->model, sizeof out->model, ti->model, sizeof ti->model);
    out->flags = ti->flags;
    out->initialised = (ti->flags & CKF_TOKEN_INITIALIZED) != 0;
    if (!out->initialised) out->serial[0] = '\0'; /* a blank SoftHSM slot's serial is junk */
    out->max_tries = -1;
    out->tries_left = -1;
    const rk_key_model *m =
        ctx->conf && out->serial[0] ? rk_conf_key_model(ctx->conf, out->serial) : NULL;
    if (m) {
        snprintf(out->key_model, sizeof out->key_model, "%s", m->name);
        snprintf(out->unlock, sizeof out->unlock, "%s", m->unlock);
        out->max_tries = m->pin_max_tries;
    }
    if (!out->initialised || !(ti->flags & CKF_USER_PIN_INITIALIZED)) {
        out->pin_state = RK_TOKEN_PIN_NOT_SET;
        return;
    }
    if (ti->flags & CKF_USER_PIN_LOCKED) {
        out->pin_state = RK_TOKEN_PIN_LOCKED;
        out->tries_left = 0;
    } else if (ti->flags & CKF_USER_PIN_FINAL_TRY) {
        out->pin_state = RK_TOKEN_PIN_FINAL_TRY;
        out->tries_left = 1;
    } else if (ti->flags & CKF_USER_PIN_COUNT_LOW) {
        out->pin_state = RK_TOKEN_PIN_COUNT_LOW;
    } else {
        out->pin_state = RK_TOKEN_PIN_OK;
        if (out->max_tries > 0) out->tries_left = out->max_tries;
    }
    CK_ULONG left, max;
    if (ctx->tries && ctx->tries(slot, &left, &max) == CKR_OK) {
        out->tries_left = (int)left;
        out->max_tries = (int)max;
    }
}

/* The present slots (raw C_GetSlotList(TRUE)); *ids is the caller's. */
static int present_slots(CK_SLOT_ID **ids, CK_ULONG *n, rk_token_ctx *ctx)
{
    CK_RV rv;
    *ids = NULL;
    for (int attempt = 0; attempt < 3; attempt++) {
        CK_ULONG count = 0;
        if ((rv = ctx->fl->C_GetSlotList(CK_TRUE, NULL, &count)) != CKR_OK)
            return fail_rv(rv, "listing the keys");
        CK_SLOT_ID *list = calloc(count ? count : 1, sizeof *list);
        if (!list) return rk_err_oom();
        rv = ctx->fl->C_GetSlotList(CK_TRUE, list, &count);
        if (rv == CKR_OK) {
            *ids = list;
            *n = count;
            return 0;
        }
        free(list);
        if (rv != CKR_BUFFER_TOO_SMALL) return fail_rv(rv, "listing the keys");
    }
    return rk_err_set(RK_EDEVICE, "the list of keys keeps changing");
}

int rk_token_list(rk_token_info **out, int *n, rk_token_ctx *ctx)
{
    CK_SLOT_ID *ids;
    CK_ULONG count;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = present_slots(&ids, &count, ctx)) != 0) return rc;
    rk_token_info *list = calloc(count ? count : 1, sizeof *list);
    if (!list) {
        free(ids);
        return rk_err_oom();
    }
    int k = 0;
    for (CK_ULONG i = 0; i < count; i++) {
        CK_TOKEN_INFO ti;
        if (ctx->fl->C_GetTokenInfo(ids[i], &ti) != CKR_OK) continue; /* pulled meanwhile */
        fill_info(&list[k++], ctx, ids[i], &ti);
    }
    free(ids);
    *out = list;
    *n = k;
    return 0;
}

static void remember_slot(rk_token_ctx *ctx, const char *serial, CK_SLOT_ID slot)
{
    pthread_mutex_lock(&ctx->last_lock);
    snprintf(ctx->last_serial, sizeof ctx->last_serial, "%s", serial);
    ctx->last_slot = slot;
    pthread_mutex_unlock(&ctx->last_lock);
}

/* 1 if the slot where serial was last found still holds it. */
static int last_slot(CK_SLOT_ID *slot, CK_TOKEN_INFO *ti, rk_token_ctx *ctx, const char *serial)
{
    char s[RK_TOKEN_SERIAL_MAX];
    pthread_mutex_lock(&ctx->last_lock);
    int known = ctx->last_serial[0] && !strcmp(ctx->last_serial, serial);
    *slot = ctx->last_slot;
    pthread_mutex_unlock(&ctx->last_lock);
    if (!known || ctx->fl->C_GetTokenInfo(*slot, ti) != CKR_OK ||
        !(ti->flags & CKF_TOKEN_INITIALIZED))
        return 0;
    trim_copy(s, sizeof s, ti->serialNumber, sizeof ti->serialNumber);
    return !strcmp(s, serial);
}

/* Finds the slot of the key with serial ("blank": first uninitialised). */
static int find_slot(CK_SLOT_ID *slot, CK_TOKEN_INFO *ti, rk_token_ctx *ctx, const char *serial)
{
    CK_SLOT_ID *ids;
    CK_ULONG count;
    int rc, blank = !strcmp(serial, "blank");

    if (!blank && last_slot(slot, ti, ctx, serial)) return 0;
    if ((rc = present_slots(&ids, &count, ctx)) != 0) return rc;
    for (CK_ULONG i = 0; i < count; i++) {
        char s[RK_TOKEN_SERIAL_MAX];
        if (ctx->fl->C_GetTokenInfo(ids[i], ti) != CKR_OK) continue;
        int init = (ti->flags & CKF_TOKEN_INITIALIZED) != 0;
        trim_copy(s, sizeof s, ti->serialNumber, sizeof ti->serialNumber);
        if ((blank && !init) || (!blank && *s && !strcmp(s, serial))) {
            *slot = ids[i];
            free(ids);
            if (!blank) remember_slot(ctx, serial, *slot);
            return 0;
        }
    }
    free(ids);
    if (blank) return rk_err_set(RK_EDEVICE, "no blank key is inserted");
    return rk_err_set(RK_EDEVICE, "the key %s is not inserted (or not recognised)", serial);
}

int rk_token_info_get(rk_token_info *out, rk_token_ctx *ctx, const char *serial)
{
    CK_SLOT_ID slot;
    CK_TOKEN_INFO ti;
    int rc = find_slot(&slot, &ti, ctx, serial);
    if (rc == 0) fill_info(out, ctx, slot, &ti);
    return rc;
}

/* ---- watching ------------------------------------------------------------ */

typedef struct serial_set {
    char (*s)[RK_TOKEN_SERIAL_MAX];
    int n;
} serial_set;

static int snapshot(serial_set *set, rk_token_ctx *ctx)
{
    CK_SLOT_ID *ids;
    CK_ULONG count;
    int rc;
    set->s = NULL;
    set->n = 0;
    if ((rc = present_slots(&ids, &count, ctx)) != 0) return rc;
    set->s = calloc(count ? count : 1, sizeof *set->s);
    if (!set->s) {
        free(ids);
        return rk_err_oom();
    }
    for (CK_ULONG i = 0; i < count; i++) {
        CK_TOKEN_INFO ti;
        if (ctx->fl->C_GetTokenInfo(ids[i], &ti) != CKR_OK) continue;
        if (!(ti.flags & CKF_TOKEN_INITIALIZED))
            strcpy(set->s[set->n], "blank");
        else
            trim_copy(set->s[set->n], RK_TOKEN_SERIAL_MAX, ti.serialNumber, sizeof ti.serialNumber);
        set->n++;
    }
    free(ids);
    return 0;
}

static int set_has(const serial_set *set, const char *s)
{
    for (int i = 0; i < set->n; i++)
        if (!strcmp(set->s[i], s)) return 1;
    return 0;
}

int rk_token_watch(rk_token_ctx *ctx, int interval_ms, atomic_int *cancel, rk_token_watch_fn fn,
                   void *arg)
{
    serial_set old = {NULL, 0}, now;
    int rc = 0, stop = 0;

    if (interval_ms < 10) interval_ms = 10;
    while (!stop && !(cancel && atomic_load(cancel))) {
        if ((rc = snapshot(&now, ctx)) != 0) break;
        for (int i = 0; i < old.n && !stop; i++)
            if (!set_has(&now, old.s[i])) stop = fn(arg, old.s[i], 0);
        for (int i = 0; i < now.n && !stop; i++)
            if (!set_has(&old, now.s[i])) stop = fn(arg, now.s[i], 1);
        free(old.s);
        old = now;
        struct timespec ts = {interval_ms / 1000, (long)(interval_ms % 1000) * 1000000L};
        if (!stop && !(cancel && atomic_load(cancel))) nanosleep(&ts, NULL);
    }
    free(old.s);
    return rc;
}

/* ---- PINs ---------------------------------------------------------------- */

int rk_token_derive_so_pin(char *out, size_t n, const unsigned char *secret, size_t secret_len,
                           const char *serial)
{
    unsigned char mac[32];
    unsigned int maclen = sizeof mac;
    if (n < RK_TOKEN_SO_PIN_LEN + 1) return rk_err_set(RK_EINVAL, "SO PIN buffer too small");
    if (!secret || secret_len < 16)
        return rk_err_set(RK_EINVAL, "the branch secret must have at least 16 bytes");
    if (!serial || !*serial) return rk_err_set(RK_EINVAL, "an SO PIN needs the key's serial");
    if (!HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)serial, strlen(serial),
              mac, &maclen))
        return rk_err_set(RK_ECRYPTO, "cannot derive the SO PIN");
    /* Two 64-bit halves, each rendered as 8 digits (bias < 2^-30). */
    for (int h = 0; h < 2; h++) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v = (v << 8) | mac[h * 8 + i];
        v %= 100000000ULL;
        for (int i = 7; i >= 0; i--) {
            out[h * 8 + i] = (char)('0' + v % 10);
            v /= 10;
        }
    }
    out[RK_TOKEN_SO_PIN_LEN] = '\0';
    rk_wipe(mac, sizeof mac);
    return 0;
}

/* n random decimal digits into out (n+1 bytes), without modulo bias. */
static int random_digits(char *out, int n)
{
    int k = 0;
    while (k < n) {
        unsigned char b[16];
        if (RAND_bytes(b, sizeof b) != 1) return rk_err_set(RK_ECRYPTO, "no randomness");
        for (size_t i = 0; i < sizeof b && k < n; i++)
            if (b[i] < 250) out[k++] = (char)('0' + b[i] % 10);
        rk_wipe(b, sizeof b);
    }
    out[n] = '\0';
    return 0;
}

/* The lock message, naming how this key model is unlocked. */
static int locked_error(const rk_token_info *info)
{
    const char *how = !strcmp(info->unlock, "online")   ? "online self-service or a clerk"
                      : !strcmp(info->unlock, "remote") ? "remote assistance (call the hotline)"
                                                        : "a clerk at the counter";
    return rk_err_set(RK_EAUTH,
                      "the key is locked after too many wrong PINs; a clerk can unlock it "
                      "(this key model is unlocked by %s)",
                      how);
}

/* The error after the module said the PIN was wrong: reads the live state
 * again to say how many tries are left. */
static int wrong_pin_error(rk_token *t)
{
    rk_token_info info;
    if (rk_token_status(&info, t) != 0) return rk_err_set(RK_EAUTH, "wrong PIN");
    if (info.pin_state == RK_TOKEN_PIN_LOCKED) return locked_error(&info);
    if (info.tries_left > 0)
        return rk_err_set(RK_EAUTH, "wrong PIN, %d %s left", info.tries_left,
                          info.tries_left == 1 ? "try" : "tries");
    return rk_err_set(RK_EAUTH, "wrong PIN");
}

/* Maps the return of a user-PIN check (login, set PIN). */
static int user_pin_rv(rk_token *t, CK_RV rv, const char *what)
{
    if (rv == CKR_OK) return 0;
    if (rv == CKR_PIN_INCORRECT) return wrong_pin_error(t);
    if (rv == CKR_PIN_LOCKED) {
        rk_token_info info;
        if (rk_token_status(&info, t) != 0) memset(&info, 0, sizeof info);
        return locked_error(&info);
    }
    if (rv == CKR_USER_PIN_NOT_INITIALIZED)
        return rk_err_set(RK_ESTATE, "the key has no user PIN yet: initialise it first");
    if (rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_INVALID)
        return rk_err_set(RK_EINVAL, "the key does not accept this PIN (length or characters)");
    return fail_rv(rv, what);
}

static int read_public_key(EVP_PKEY **out, rk_token *t, const unsigned char *id, size_t id_len);

int rk_token_public_key(EVP_PKEY **out, rk_token *t, const unsigned char *id, size_t id_len)
{
    /* The pair behind an id never changes while the key is open: keep the
     * last one read (enrolment asks for it for the CSR, the write and the
     * read-back), but ask the key once whether it is still there. */
    if (t->pub && t->pub_id_len == id_len && !memcmp(t->pub_id, id, id_len)) {
        CK_SESSION_INFO si;
        CK_RV rv = t->ctx->fl->C_GetSessionInfo(t->s, &si);
        if (rv != CKR_OK) return fail_rv(rv, "reading the public key");
        if (!EVP_PKEY_up_ref(t->pub)) return rk_err_oom();
        *out = t->pub;
        return 0;
    }
    int rc = read_public_key(out, t, id, id_len);
    if (rc == 0 && id_len <= sizeof t->pub_id && EVP_PKEY_up_ref(*out)) {
        EVP_PKEY_free(t->pub);
        t->pub = *out;
        memcpy(t->pub_id, id, id_len);
        t->pub_id_len = id_len;
    }
    return rc;
}

/* 1 if the slot still holds the key. */
static int still_present(rk_token *t)
{
    CK_SLOT_INFO si;
    return t->ctx->fl->C_GetSlotInfo(t->slot_id, &si) == CKR_OK &&
           (si.flags & CKF_TOKEN_PRESENT) != 0;
}

/* ---- open keys ----------------------------------------------------------- */

int rk_token_open(rk_token **out, rk_token_ctx *ctx, const char *serial)
{
    CK_TOKEN_INFO ti;
    CK_SLOT_ID slot;
    CK_RV rv;
    int rc;

    *out = NULL;
    if ((rc = find_slot(&slot, &ti, ctx, serial)) != 0) return rc;
    rk_token *t = calloc(1, sizeof *t);
    if (!t) return rk_err_oom();
    t->s = CK_INVALID_HANDLE;
    t->ctx = ctx;
    t->slot_id = slot;
    if (ti.flags & CKF_TOKEN_INITIALIZED)
        trim_copy(t->serial, sizeof t->serial, ti.serialNumber, sizeof ti.serialNumber);
    else
        strcpy(t->serial, "blank");
    rv = ctx->fl->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &t->s);
    if (rv != CKR_OK) {
        t->s = CK_INVALID_HANDLE;
        rk_token_close(t);
        return fail_rv(rv, "opening the key");
    }
    *out = t;
    return 0;
}

void rk_token_close(rk_token *t)
{
    if (!t) return;
    if (t->logged_in) t->ctx->fl->C_Logout(t->s);
    if (t->s != CK_INVALID_HANDLE) t->ctx->fl->C_CloseSession(t->s);
    EVP_PKEY_free(t->pub);
    X509_PUBKEY_free(t->fields);
    free(t);
}

const char *rk_token_serial(const rk_token *t)
{
    return t->serial;
}

int rk_token_status(rk_token_info *out, rk_token *t)
{
    CK_TOKEN_INFO ti;
    CK_RV rv = t->ctx->fl->C_GetTokenInfo(t->slot_id, &ti);
    if (rv != CKR_OK) return fail_rv(rv, "reading the key's state");
    fill_info(out, t->ctx, t->slot_id, &ti);
    return 0;
}

int rk_token_login(rk_token *t, const char *pin)
{
    int rc;

    if ((rc = check_pin_text(pin, "PIN")) != 0) return rc;
    /* No state read first: a locked key answers CKR_PIN_LOCKED without
     * spending a try, and user_pin_rv reads the state for the message. */
    if (!strcmp(t->serial, "blank"))
        return rk_err_set(RK_ESTATE, "the key has no user PIN yet: initialise it first");
    if (t->logged_in) {
        t->ctx->fl->C_Logout(t->s);
        t->logged_in = 0;
    }
    CK_RV rv = t->ctx->fl->C_Login(t->s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
    if (rv == CKR_USER_ALREADY_LOGGED_IN) rv = CKR_OK;
    if ((rc = user_pin_rv(t, rv, "logging in")) != 0) return rc;
    t->logged_in = 1;
    return 0;
}

int rk_token_change_pin(rk_token *t, const char *old_pin, const char *new_pin)
{
    rk_token_info info;
    int rc;

    if ((rc = check_pin_text(old_pin, "old PIN")) || (rc = check_pin_text(new_pin, "new PIN")))
        return rc;
    if (strlen(new_pin) < 6)
        return rk_err_set(RK_EINVAL, "the new PIN must have at least 6 characters");
    if ((rc = rk_token_status(&info, t)) != 0) return rc;
    if (info.pin_state == RK_TOKEN_PIN_LOCKED) return locked_error(&info);
    CK_RV rv = t->ctx->fl->C_SetPIN(t->s, (CK_UTF8CHAR *)old_pin, strlen(old_pin),
                                    (CK_UTF8CHAR *)new_pin, strlen(new_pin));
    return user_pin_rv(t, rv, "changing the PIN");
}

/* Sets the user PIN in session s, where the security officer is logged
 * in, and logs out. */
static int init_user_pin(rk_token_ctx *ctx, CK_SESSION_HANDLE s, const char *user_pin)
{
    CK_RV rv = ctx->fl->C_InitPIN(s, (CK_UTF8CHAR *)user_pin, strlen(user_pin));
    ctx->fl->C_Logout(s);
    if (rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_INVALID)
        return rk_err_set(RK_EINVAL, "the key does not accept this PIN (length or characters)");
    if (rv != CKR_OK) return fail_rv(rv, "setting the user PIN");
    return 0;
}

/* SO login with the derived PIN, InitPIN(user_pin), logout. */
static int so_set_user_pin(rk_token_ctx *ctx, CK_SESSION_HANDLE s, const char *so_pin,
                           const char *user_pin)
{
    CK_RV rv = ctx->fl->C_Login(s, CKU_SO, (CK_UTF8CHAR *)so_pin, strlen(so_pin));
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED)
        return rk_err_set(RK_EAUTH, "the key's SO PIN does not match this branch's secret "
                                    "(was the key initialised by another branch?)");
    if (rv != CKR_OK) return fail_rv(rv, "logging in as security officer");
    return init_user_pin(ctx, s, user_pin);
}

int rk_token_unlock(rk_token *t, const unsigned char *secret, size_t secret_len,
                    const char *new_pin)
{
    char so_pin[RK_TOKEN_SO_PIN_LEN + 1];
    int rc;

    if ((rc = check_pin_text(new_pin, "new PIN")) != 0) return rc;
    if (strlen(new_pin) < 6)
        return rk_err_set(RK_EINVAL, "the new PIN must have at least 6 characters");
    if (!strcmp(t->serial, "blank"))
        return rk_err_set(RK_ESTATE, "the key is blank: initialise it instead");
    if ((rc = rk_token_derive_so_pin(so_pin, sizeof so_pin, secret, secret_len, t->serial)) != 0)
        return rc;
    if (t->logged_in) {
        t->ctx->fl->C_Logout(t->s);
        t->logged_in = 0;
    }
    rc = so_set_user_pin(t->ctx, t->s, so_pin, new_pin);
    rk_wipe(so_pin, sizeof so_pin);
    return rc;
}

/* ---- initialisation ------------------------------------------------------ */

int rk_token_init(char *new_serial, char *pin_out, rk_token_ctx *ctx, const char *serial,
                  const rk_token_init_opts *o)
{
    char so_pin[RK_TOKEN_SO_PIN_LEN + 1], tmp_so[RK_TOKEN_SO_PIN_LEN + 1];
    char label[32], user_pin[RK_TOKEN_PIN_MAX], known[RK_TOKEN_SERIAL_MAX];
    CK_TOKEN_INFO ti;
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    CK_RV rv;
    rk_progress_track pt;
    int rc;

    new_serial[0] = '\0';
    if (!o || !o->label || strlen(o->label) > sizeof label || !*o->label)
        return rk_err_set(RK_EINVAL, "the key's label must have 1 to 32 bytes");
    if (!o->secret || o->secret_len < 16)
        return rk_err_set(RK_EINVAL, "the branch secret must have at least 16 bytes");
    if (o->user_pin) {
        if ((rc = check_pin_text(o->user_pin, "PIN")) != 0) return rc;
        if (strlen(o->user_pin) < 6)
            return rk_err_set(RK_EINVAL, "the PIN must have at least 6 characters");
        snprintf(user_pin, sizeof user_pin, "%s", o->user_pin);
    } else {
        if (!pin_out) return rk_err_set(RK_EINVAL, "a generated PIN needs somewhere to go");
        if ((rc = random_digits(user_pin, 6)) != 0) return rc;
    }

    rk_progress_start(&pt, o->progress, o->progress_arg, RK_OP_TOKEN_INIT, 0);
    if ((rc = rk_progress_tell(&pt, STEP("find", "finding the key", 0))) != 0) goto out;
    if ((rc = find_slot(&slot, &ti, ctx, serial)) != 0) goto out;
    if (ti.flags & CKF_TOKEN_INITIALIZED) {
        rc = rk_err_set(RK_ESTATE, "the key %s is already initialised", serial);
        goto out;
    }
    trim_copy(known, sizeof known, ti.serialNumber, sizeof ti.serialNumber);
    if (!strcmp(serial, "blank")) known[0] = '\0'; /* SoftHSM: serial comes with init */

    /* A key with a serial gets its derived SO PIN at once; one without gets a
     * random one, replaced by the derived one when the serial is known. */
    if (known[0])
        rc = rk_token_derive_so_pin(tmp_so, sizeof tmp_so, o->secret, o->secret_len, known);
    else
        rc = random_digits(tmp_so, RK_TOKEN_SO_PIN_LEN);
    if (rc) goto out;

    /* The last moment to cancel: once C_InitToken ran, the key must get
     * its derived SO PIN and a user PIN, or it is of no use. */
    if ((rc = rk_progress_tell(&pt, STEP("init", "initialising the key", 10))) != 0) goto out;
    /* Raw C_InitToken with a 32-byte space-padded label: libp11's
     * PKCS11_init_token needs libp11's slot enumeration, whose release closes
     * every session of every slot (logging out any other open key) and
     * costs a round of calls per slot. */
    memset(label, ' ', sizeof label);
    memcpy(label, o->label, strlen(o->label));
    rv = ctx->fl->C_InitToken(slot, (CK_UTF8CHAR *)tmp_so, strlen(tmp_so), (CK_UTF8CHAR *)label);
    if (rv != CKR_OK) {
        rc = fail_rv(rv, "initialising the key");
        goto out;
    }

    rk_progress_note(&pt, STEP("serial", "reading the new serial", 40));
    if ((rv = ctx->fl->C_GetTokenInfo(slot, &ti)) != CKR_OK) {
        rc = fail_rv(rv, "initialising the key");
        goto out;
    }
    trim_copy(new_serial, RK_TOKEN_SERIAL_MAX, ti.serialNumber, sizeof ti.serialNumber);
    if (!new_serial[0]) {
        rc = rk_err_set(RK_ECRYPTO, "the initialised key reports no serial number");
        goto out;
    }
    remember_slot(ctx, new_serial, slot);
    if ((rc = rk_token_derive_so_pin(so_pin, sizeof so_pin, o->secret, o->secret_len,
                                     new_serial)) != 0)
        goto out;
    rv = ctx->fl->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
    if (rv != CKR_OK) {
        rc = fail_rv(rv, "initialising the key");
        goto out;
    }
    int changed = strcmp(tmp_so, so_pin) != 0;
    if (changed) {
        rk_progress_note(&pt, STEP("so_pin", "setting the SO PIN", 55));
        rv = ctx->fl->C_Login(s, CKU_SO, (CK_UTF8CHAR *)tmp_so, strlen(tmp_so));
        if (rv == CKR_OK)
            rv = ctx->fl->C_SetPIN(s, (CK_UTF8CHAR *)tmp_so, strlen(tmp_so), (CK_UTF8CHAR *)so_pin,
                                   strlen(so_pin));
        if (rv != CKR_OK) {
            ctx->fl->C_Logout(s);
            rc = fail_rv(rv, "setting the SO PIN");
            goto out;
        }
    }
    rk_progress_note(&pt, STEP("user_pin", "setting the user PIN", 75));
    /* after a change the security officer is still logged in: the user PIN
     * is set in that login (a login costs a key derivation on the key) */
    rc = changed ? init_user_pin(ctx, s, user_pin) : so_set_user_pin(ctx, s, so_pin, user_pin);
    if (rc) goto out;
    if (!o->user_pin) snprintf(pin_out, RK_TOKEN_PIN_MAX, "%s", user_pin);
    rk_progress_note(&pt, STEP("done", "key initialised", 100));
out:
    if (s != CK_INVALID_HANDLE) ctx->fl->C_CloseSession(s);
    rk_wipe(so_pin, sizeof so_pin);
    rk_wipe(tmp_so, sizeof tmp_so);
    rk_wipe(user_pin, sizeof user_pin);
    return rc;
}

/* ---- objects ------------------------------------------------------------- */

/* Finds up to max objects matching tmpl. */
static int find_objects(CK_OBJECT_HANDLE *out, CK_ULONG max, CK_ULONG *n, rk_token *t,
                        CK_ATTRIBUTE *tmpl, CK_ULONG count)
{
    CK_FUNCTION_LIST *fl = t->ctx->fl;
    CK_RV rv = fl->C_FindObjectsInit(t->s, tmpl, count);
    if (rv != CKR_OK) return fail_rv(rv, "searching the key");
    rv = fl->C_FindObjects(t->s, out, max, n);
    fl->C_FindObjectsFinal(t->s);
    if (rv != CKR_OK) return fail_rv(rv, "searching the key");
    return 0;
}

/* Reads one variable-length attribute into a new buffer (*out, free()). */
static int get_attr(unsigned char **out, CK_ULONG *len, rk_token *t, CK_OBJECT_HANDLE h,
                    CK_ATTRIBUTE_TYPE type)
{
    return rk_p11_attr(out, len, t->ctx->fl, t->s, h, type, fail_rv);
}

static void remember_pair(rk_token *t, const unsigned char *id, CK_OBJECT_HANDLE pub,
                          CK_OBJECT_HANDLE priv)
{
    memcpy(t->made_id, id, RK_TOKEN_ID_LEN);
    t->made_pub = pub;
    t->made_priv = priv;
    t->made = 1;
    t->made_cert = 0;
}

static int find_by_id(CK_OBJECT_HANDLE *h, rk_token *t, CK_OBJECT_CLASS cls,
                      const unsigned char *id, size_t id_len)
{
    if (t->made && id_len == RK_TOKEN_ID_LEN && !memcmp(id, t->made_id, id_len) &&
        (cls == CKO_PUBLIC_KEY || cls == CKO_PRIVATE_KEY)) {
        *h = cls == CKO_PUBLIC_KEY ? t->made_pub : t->made_priv;
        return 0;
    }
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, (void *)id, id_len}};
    CK_ULONG n = 0;
    int rc = find_objects(h, 1, &n, t, tmpl, 2);
    if (rc) return rc;
    if (n == 0) return RK_ENOTFOUND; /* the caller words the message */
    return 0;
}

int rk_token_keygen(unsigned char *id, rk_token *t, int alg, int purpose, const char *label,
                    rk_progress_fn fn, void *arg)
{
    CK_OBJECT_HANDLE hpub, hpriv;
    CK_MECHANISM mech;
    rk_p11_pair p;

    if (alg != RK_TOKEN_EC_P256 && alg != RK_TOKEN_RSA_2048)
        return rk_err_set(RK_EINVAL, "unknown key algorithm %d", alg);
    if (purpose != RK_TOKEN_SIGN && purpose != RK_TOKEN_ENCRYPT)
        return rk_err_set(RK_EINVAL, "unknown key purpose %d", purpose);
    if (!label || strlen(label) > 64) return rk_err_set(RK_EINVAL, "the key label is too long");
    if (!t->logged_in) return rk_err_set(RK_EAUTH, "generating a key needs the key's PIN");
    if (RAND_bytes(id, RK_TOKEN_ID_LEN) != 1) return rk_err_set(RK_ECRYPTO, "no randomness");

    rk_p11_pair_init(&p, alg == RK_TOKEN_EC_P256, id, RK_TOKEN_ID_LEN, label,
                     purpose == RK_TOKEN_SIGN, purpose == RK_TOKEN_ENCRYPT);
    rk_p11_pair_for_keygen(&p, &mech);
    rk_progress_track pt;
    rk_progress_start(&pt, fn, arg, RK_OP_KEYGEN, 0);
    int rc = rk_progress_tell(&pt, STEP("keygen", "generating the key pair on the key", 10));
    if (rc) return rc;
    CK_RV rv =
        t->ctx->fl->C_GenerateKeyPair(t->s, &mech, p.pub, p.npub, p.priv, p.npriv, &hpub, &hpriv);
    if (rv != CKR_OK) return fail_rv(rv, "generating the key pair");
    remember_pair(t, id, hpub, hpriv);
    rk_progress_note(&pt, STEP("done", "key pair generated", 100));
    return 0;
}

/* A big number as the fixed-size big-endian bytes PKCS#11 wants (len 0:
 * its natural size). The buffer is the caller's (wipe + free). */
static int bn_param(unsigned char **out, CK_ULONG *len, EVP_PKEY *key, const char *name, int fixed)
{
    BIGNUM *bn = NULL;
    *out = NULL;
    *len = 0;
    if (!EVP_PKEY_get_bn_param(key, name, &bn))
        return rk_err_set(RK_ECRYPTO, "the key lacks its %s", name);
    int n = fixed ? fixed : BN_num_bytes(bn);
    if (n <= 0 || !(*out = malloc((size_t)n))) {
        BN_clear_free(bn);
        return rk_err_oom();
    }
    if (BN_bn2binpad(bn, *out, n) != n) {
        BN_clear_free(bn);
        free(*out);
        *out = NULL;
        return rk_err_set(RK_ECRYPTO, "the key's %s does not fit", name);
    }
    BN_clear_free(bn);
    *len = (CK_ULONG)n;
    return 0;
}

int rk_token_import_key(unsigned char *id, rk_token *t, EVP_PKEY *key, const char *label)
{
    int is_ec = EVP_PKEY_is_a(key, "EC"), is_rsa = EVP_PKEY_is_a(key, "RSA");
    enum { NV = 8 };
    unsigned char *v[NV] = {0};
    CK_ULONG vl[NV] = {0};
    unsigned char point[2 + 65];
    CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv;
    rk_p11_pair p;
    int rc = 0;

    if (!is_ec && !is_rsa) return rk_err_set(RK_EINVAL, "only EC P-256 and RSA keys are imported");
    if (!label || strlen(label) > 64) return rk_err_set(RK_EINVAL, "the key label is too long");
    if (!t->logged_in) return rk_err_set(RK_EAUTH, "importing a key needs the key's PIN");
    if (RAND_bytes(id, RK_TOKEN_ID_LEN) != 1) return rk_err_set(RK_ECRYPTO, "no randomness");

    /* an escrowed encryption key: it never signs */
    rk_p11_pair_init(&p, is_ec, id, RK_TOKEN_ID_LEN, label, 0, 1);
    CK_ATTRIBUTE *pub = p.pub, *priv = p.priv;
    CK_ULONG npub = p.npub, npriv = p.npriv;
    if (is_ec) {
        char group[32] = "";
        size_t plen = 0;
        if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                            NULL) ||
            strcmp(group, "prime256v1"))
            return rk_err_set(RK_EINVAL, "only EC keys on P-256 are imported");
        /* CKA_EC_POINT: the uncompressed point in a DER OCTET STRING. */
        if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point + 2, 65, &plen) ||
            plen != 65)
            return rk_err_set(RK_ECRYPTO, "cannot read the key's public point");
        point[0] = 0x04;
        point[1] = 65;
        pub[npub++] =
            (CK_ATTRIBUTE){CKA_EC_PARAMS, (void *)RK_P11_P256_OID, sizeof RK_P11_P256_OID};
        pub[npub++] = (CK_ATTRIBUTE){CKA_EC_POINT, point, sizeof point};
        if ((rc = bn_param(&v[0], &vl[0], key, OSSL_PKEY_PARAM_PRIV_KEY, 32)) != 0) goto out;
        priv[npriv++] =
            (CK_ATTRIBUTE){CKA_EC_PARAMS, (void *)RK_P11_P256_OID, sizeof RK_P11_P256_OID};
        priv[npriv++] = (CK_ATTRIBUTE){CKA_VALUE, v[0], vl[0]};
    } else {
        static const char *const names[NV] = {
            OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
            OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
            OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
            OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
        static const CK_ATTRIBUTE_TYPE types[NV] = {
            CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
            CKA_PRIME_2, CKA_EXPONENT_1,      CKA_EXPONENT_2,       CKA_COEFFICIENT};
        for (int i = 0; i < NV; i++) {
            if ((rc = bn_param(&v[i], &vl[i], key, names[i], 0)) != 0) goto out;
            priv[npriv++] = (CK_ATTRIBUTE){types[i], v[i], vl[i]};
        }
        pub[npub++] = (CK_ATTRIBUTE){CKA_MODULUS, v[0], vl[0]};
        pub[npub++] = (CK_ATTRIBUTE){CKA_PUBLIC_EXPONENT, v[1], vl[1]};
    }
    /* The public half first: rk_token_find_pair() looks for the private
     * one, so a pair counts as made only once both are there. */
    CK_RV rv = t->ctx->fl->C_CreateObject(t->s, pub, npub, &hpub);
    if (rv != CKR_OK) {
        rc = fail_rv(rv, "writing the public key");
        goto out;
    }
    rv = t->ctx->fl->C_CreateObject(t->s, priv, npriv, &hpriv);
    if (rv != CKR_OK) {
        rc = fail_rv(rv, "writing the private key");
        t->ctx->fl->C_DestroyObject(t->s, hpub);
    } else {
        remember_pair(t, id, hpub, hpriv);
    }
out:
    for (int i = 0; i < NV; i++) {
        if (v[i]) rk_wipe(v[i], vl[i]);
        free(v[i]);
    }
    return rc;
}

/* The public key from the public-key object (or the private one) of id. */
static int read_public_key(EVP_PKEY **out, rk_token *t, const unsigned char *id, size_t id_len)
{
    CK_OBJECT_HANDLE h;
    *out = NULL;
    int rc = find_by_id(&h, t, CKO_PUBLIC_KEY, id, id_len);
    if (rc == RK_ENOTFOUND) rc = find_by_id(&h, t, CKO_PRIVATE_KEY, id, id_len);
    if (rc == RK_ENOTFOUND) return rk_err_set(RK_ENOTFOUND, "no key pair with that id on the key");
    if (rc) return rc;
    return rk_p11_public_key(out, t->ctx->fl, t->s, h, "the key pair", fail_rv);
}

/* The encoded public key of pair id (borrowed: kept like the public key
 * in rk_token_public_key, until the pair is deleted or the key closed). */
static int pair_fields(const X509_PUBKEY **out, rk_token *t, const unsigned char *id, size_t id_len)
{
    CK_OBJECT_HANDLE h;
    if (t->fields && t->fields_id_len == id_len && !memcmp(t->fields_id, id, id_len)) {
        CK_SESSION_INFO si;
        CK_RV rv = t->ctx->fl->C_GetSessionInfo(t->s, &si);
        if (rv != CKR_OK) return fail_rv(rv, "reading the public key");
        *out = t->fields;
        return 0;
    }
    if (id_len > sizeof t->fields_id) return rk_err_set(RK_EINVAL, "the key pair id is too long");
    int rc = find_by_id(&h, t, CKO_PUBLIC_KEY, id, id_len);
    if (rc == RK_ENOTFOUND) rc = find_by_id(&h, t, CKO_PRIVATE_KEY, id, id_len);
    if (rc == RK_ENOTFOUND) return rk_err_set(RK_ENOTFOUND, "no key pair with that id on the key");
    X509_PUBKEY_free(t->fields);
    t->fields = NULL;
    if (rc ||
        (rc = rk_p11_public_fields(&t->fields, t->ctx->fl, t->s, h, "the key pair", fail_rv)) != 0)
        return rc;
    memcpy(t->fields_id, id, id_len);
    t->fields_id_len = id_len;
    *out = t->fields;
    return 0;
}

int rk_token_public_spki(unsigned char **der, int *len, rk_token *t, const unsigned char *id,
                         size_t id_len)
{
    const X509_PUBKEY *f = NULL;
    *der = NULL;
    int rc = pair_fields(&f, t, id, id_len);
    if (rc) return rc;
    return (*len = i2d_X509_PUBKEY(f, der)) > 0 ? 0 : rk_err_oom();
}

/* 0 if cert's public key is pair id's (compared as encoded: no key is
 * decoded), RK_EVERIFY if not. */
static int pair_matches(rk_token *t, const unsigned char *id, size_t id_len, X509 *cert,
                        const char *mismatch)
{
    unsigned char *mine = NULL, *theirs = NULL;
    int mlen = 0, rc = rk_token_public_spki(&mine, &mlen, t, id, id_len);
    if (rc) return rc;
    int tlen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &theirs);
    int same = tlen > 0 && tlen == mlen && !memcmp(mine, theirs, (size_t)mlen);
    OPENSSL_free(mine);
    OPENSSL_free(theirs);
    return same ? 0 : rk_err_set(RK_EVERIFY, "%s", mismatch);
}

/* Signs the SHA-256 of data with the private key id on the key; *sig
 * (OPENSSL_free) is DER ECDSA-Sig-Value for EC, PKCS#1 v1.5 for RSA. */
/* An encryption pair refuses to sign: say so rather than a PKCS#11 code. */
static int sign_fail(CK_RV rv, const char *doing)
{
    (void)doing;
    if (rv == CKR_KEY_FUNCTION_NOT_PERMITTED || rv == CKR_KEY_TYPE_INCONSISTENT)
        return rk_err_set(RK_ECRYPTO, "the key pair may not sign (an encryption key?)");
    return fail_rv(rv, "signing on the key");
}

static int sign_sha256(unsigned char **sig, size_t *siglen, int *is_ec, rk_token *t,
                       const unsigned char *id, size_t id_len, CK_KEY_TYPE kt,
                       const unsigned char *data, size_t len)
{
    CK_OBJECT_HANDLE h;
    *sig = NULL;
    int rc = find_by_id(&h, t, CKO_PRIVATE_KEY, id, id_len);
    if (rc == RK_ENOTFOUND)
        return rk_err_set(RK_ENOTFOUND, "no private key with that id on the key");
    if (rc) return rc;
    return rk_p11_sign_sha256(sig, siglen, is_ec, t->ctx->fl, t->s, h, kt, data, len, "the key",
                              sign_fail);
}

/* The key type a pair's encoded public key shows, where it is one the key
 * layer makes (RSA, EC P-256); else CK_UNAVAILABLE_INFORMATION. */
static CK_KEY_TYPE fields_key_type(const X509_PUBKEY *pub)
{
    ASN1_OBJECT *alg;
    const void *param = NULL;
    int ptype = V_ASN1_UNDEF;
    X509_ALGOR *a;
    if (!X509_PUBKEY_get0_param(&alg, NULL, NULL, &a, pub)) return CK_UNAVAILABLE_INFORMATION;
    X509_ALGOR_get0(NULL, &ptype, &param, a);
    switch (OBJ_obj2nid(alg)) {
    case NID_rsaEncryption: return CKK_RSA;
    case NID_X9_62_id_ecPublicKey:
        return ptype == V_ASN1_OBJECT && OBJ_obj2nid(param) == NID_X9_62_prime256v1
                   ? CKK_EC
                   : CK_UNAVAILABLE_INFORMATION;
    default: return CK_UNAVAILABLE_INFORMATION;
    }
}

int rk_token_csr(X509_REQ **out, rk_token *t, const unsigned char *id, size_t id_len,
                 const X509_NAME *subject)
{
    const X509_PUBKEY *pub = NULL;
    X509_REQ *req = NULL;
    X509_ALGOR *alg = NULL;
    ASN1_BIT_STRING *bits = NULL;
    unsigned char *tbs = NULL, *sig = NULL;
    size_t siglen = 0;
    int tbslen, is_ec = 0, rc;

    *out = NULL;
    if (!t->logged_in) return rk_err_set(RK_EAUTH, "signing a request needs the key's PIN");
    if ((rc = pair_fields(&pub, t, id, id_len)) != 0) return rc;
    /* The key goes in as encoded and stays so (util/spki.h). */
    if (!(req = X509_REQ_new()) || !X509_REQ_set_version(req, 0) ||
        !X509_REQ_set_subject_name(req, subject) ||
        (rc = rk_spki_copy(X509_REQ_get_X509_PUBKEY(req), pub)) != 0 ||
        (tbslen = i2d_re_X509_REQ_tbs(req, &tbs)) <= 0) {
        if (!rc) rc = rk_err_oom();
        goto out;
    }
    if ((rc = sign_sha256(&sig, &siglen, &is_ec, t, id, id_len, fields_key_type(pub), tbs,
                          (size_t)tbslen)) != 0) {
        if (rc != RK_EDEVICE && !still_present(t))
            rc = rk_err_set(RK_EDEVICE, "the key was removed while signing the request: insert it "
                                        "again and retry");
        goto out;
    }
    if (!(alg = X509_ALGOR_new()) || !(bits = ASN1_BIT_STRING_new()) ||
        !X509_ALGOR_set0(alg,
                         OBJ_nid2obj(is_ec ? NID_ecdsa_with_SHA256 : NID_sha256WithRSAEncryption),
                         is_ec ? V_ASN1_UNDEF : V_ASN1_NULL, NULL) ||
        !X509_REQ_set1_signature_algo(req, alg) || !ASN1_BIT_STRING_set(bits, sig, (int)siglen)) {
        rc = rk_err_oom();
        goto out;
    }
    bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07); /* no unused bits */
    bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    X509_REQ_set0_signature(req, bits);
    bits = NULL;
    *out = req;
    req = NULL;
    rc = 0;
out:
    X509_REQ_free(req);
    X509_ALGOR_free(alg);
    ASN1_BIT_STRING_free(bits);
    OPENSSL_free(tbs);
    OPENSSL_free(sig);
    return rc;
}

/* DER of a name or integer into a new buffer. */
static int der_name(unsigned char **out, int *len, const X509_NAME *name)
{
    *out = NULL;
    *len = i2d_X509_NAME(name, out);
    return *len > 0 ? 0 : rk_err_oom();
}

int rk_token_write_cert(rk_token *t, const unsigned char *id, size_t id_len, const char *label,
                        X509 *cert, int replace, rk_progress_fn fn, void *arg)
{
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE ct = CKC_X_509;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_OBJECT_HANDLE old[8], h;
    CK_ULONG nold = 0;
    unsigned char *der = NULL, *subj = NULL, *iss = NULL, *ser = NULL;
    int derlen, subjlen, isslen, serlen;
    rk_progress_track pt;
    int rc;

    if (!label || strlen(label) > 64) return rk_err_set(RK_EINVAL, "the label is too long");
    rk_progress_start(&pt, fn, arg, RK_OP_CERT_WRITE, 0);
    if ((rc = rk_progress_tell(&pt,
                               STEP("check", "checking the certificate against the key", 5))) != 0)
        return rc;
    if ((rc = pair_matches(t, id, id_len, cert,
                           "the certificate is not for the key pair on this key")) != 0)
        return rc;
    CK_ATTRIBUTE q[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, (void *)id, id_len}};
    /* A pair made in this session has no certificate unless this session
     * wrote one: no search then. */
    int fresh =
        t->made && !t->made_cert && id_len == RK_TOKEN_ID_LEN && !memcmp(id, t->made_id, id_len);
    if (!fresh && (rc = find_objects(old, 8, &nold, t, q, 2)) != 0) return rc;
    if (nold > 0 && !replace)
        return rk_err_set(RK_EEXIST, "the key already holds a certificate for this key pair");

    derlen = i2d_X509(cert, &der);
    const ASN1_INTEGER *sn = X509_get0_serialNumber(cert);
    serlen = i2d_ASN1_INTEGER((ASN1_INTEGER *)sn, &ser);
    if (derlen <= 0 || serlen <= 0 || der_name(&subj, &subjlen, X509_get_subject_name(cert)) ||
        der_name(&iss, &isslen, X509_get_issuer_name(cert))) {
        rc = rk_err_oom();
        goto out;
    }
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof cls},
        {CKA_CERTIFICATE_TYPE, &ct, sizeof ct},
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_PRIVATE, &no, sizeof no},
        {CKA_MODIFIABLE, &yes, sizeof yes},
        {CKA_ID, (void *)id, id_len},
        {CKA_LABEL, (void *)label, strlen(label)},
        {CKA_SUBJECT, subj, (CK_ULONG)subjlen},
        {CKA_ISSUER, iss, (CK_ULONG)isslen},
        {CKA_SERIAL_NUMBER, ser, (CK_ULONG)serlen},
        {CKA_VALUE, der, (CK_ULONG)derlen},
    };
    if ((rc = rk_progress_tell(&pt, STEP("write", "writing the certificate", 30))) != 0) goto out;
    CK_RV rv = t->ctx->fl->C_CreateObject(t->s, tmpl, sizeof tmpl / sizeof tmpl[0], &h);
    if (rv != CKR_OK) {
        rc = fail_rv(rv, "writing the certificate");
        goto out;
    }
    for (CK_ULONG i = 0; i < nold; i++) {
        rk_progress_note(&pt, STEP("remove_old", "removing the old certificate", 70));
        if ((rv = t->ctx->fl->C_DestroyObject(t->s, old[i])) != CKR_OK) {
            rc = fail_rv(rv, "removing the old certificate");
            goto out;
        }
    }
    if (fresh) {
        t->made_cert = 1;
        t->made_cert_h = h;
    }
    rk_progress_note(&pt, STEP("done", "certificate written", 100));
    rc = 0;
out:
    OPENSSL_free(der);
    OPENSSL_free(subj);
    OPENSSL_free(iss);
    OPENSSL_free(ser);
    return rc;
}

static int cert_from_handle(X509 **out, rk_token *t, CK_OBJECT_HANDLE h)
{
    unsigned char *v;
    CK_ULONG len;
    int rc = get_attr(&v, &len, t, h, CKA_VALUE);
    if (rc) return rc;
    const unsigned char *p = v;
    *out = d2i_X509(NULL, &p, (long)len);
    free(v);
    return *out ? 0 : rk_err_set(RK_EFORMAT, "a certificate on the key is malformed");
}

int rk_token_read_cert(X509 **out, rk_token *t, const unsigned char *id, size_t id_len)
{
    CK_OBJECT_HANDLE h;
    *out = NULL;
    int rc = find_by_id(&h, t, CKO_CERTIFICATE, id, id_len);
    if (rc == RK_ENOTFOUND)
        return rk_err_set(RK_ENOTFOUND, "no certificate for that key pair on the key");
    if (rc) return rc;
    return cert_from_handle(out, t, h);
}

static int chain_check(rk_token *t, X509 *cert, STACK_OF(X509) * cas)
{
    return rk_chain_check(t->ctx->chain, cert, "the certificate on the key", cas, rk_clock_now());
}

int rk_token_verify_cert(rk_token *t, const unsigned char *id, size_t id_len, X509 *expected,
                         STACK_OF(X509) * cas)
{
    const char *mismatch = "the certificate on the key is not for its key pair";
    X509 *got = NULL;
    int rc;

    if (!expected) {
        if ((rc = rk_token_read_cert(&got, t, id, id_len)) == 0 &&
            (rc = pair_matches(t, id, id_len, got, mismatch)) == 0 && cas)
            rc = chain_check(t, got, cas);
        X509_free(got);
        return rc;
    }
    /* The bytes on the key must be the certificate's, exactly; then the
     * chain is checked on expected, which is the same certificate. The
     * certificate this session wrote for a pair it made is read by its
     * handle (a search walks every object of the key, on a real key over
     * USB); its class and id come with its value, so the object is checked
     * as the search would have found it. */
    const char *gone = "no certificate for that key pair on the key";
    CK_OBJECT_HANDLE h;
    unsigned char *back = NULL, *want = NULL;
    int by_handle =
        t->made && t->made_cert && id_len == RK_TOKEN_ID_LEN && !memcmp(id, t->made_id, id_len);
    if (by_handle) {
        h = t->made_cert_h;
    } else if ((rc = find_by_id(&h, t, CKO_CERTIFICATE, id, id_len)) != 0) {
        return rc == RK_ENOTFOUND ? rk_err_set(RK_ENOTFOUND, "%s", gone) : rc;
    }
    int wlen = i2d_X509(expected, &want);
    if (wlen <= 0 || !(back = malloc((size_t)wlen))) {
        OPENSSL_free(want);
        return rk_err_oom();
    }
    /* One read into a buffer of the expected size: a longer value does not
     * fit (CKR_BUFFER_TOO_SMALL) and so differs. */
    CK_OBJECT_CLASS cls = CKO_DATA;
    unsigned char idb[64];
    CK_ATTRIBUTE v[] = {{CKA_VALUE, back, (CK_ULONG)wlen},
                        {CKA_CLASS, &cls, sizeof cls},
                        {CKA_ID, idb, sizeof idb}};
    CK_RV rv = t->ctx->fl->C_GetAttributeValue(t->s, h, v, 3);
    if (rv == CKR_OBJECT_HANDLE_INVALID && by_handle)
        rc = rk_err_set(RK_ENOTFOUND, "%s", gone); /* destroyed since */
    else if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL)
        rc = fail_rv(rv, "reading back");
    else if (rv != CKR_OK || v[0].ulValueLen != (CK_ULONG)wlen || memcmp(back, want, wlen) ||
             cls != CKO_CERTIFICATE || v[2].ulValueLen != id_len || memcmp(idb, id, id_len))
        rc = rk_err_set(RK_EVERIFY, "the certificate read back differs from the one written");
    else if ((rc = pair_matches(t, id, id_len, expected, mismatch)) == 0 && cas)
        rc = chain_check(t, expected, cas);
    free(back);
    OPENSSL_free(want);
    return rc;
}

static int64_t asn1_time_unix(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm)) return 0;
    return (int64_t)timegm(&tm);
}

int rk_token_objects(rk_token_object **out, int *n, rk_token *t)
{
    CK_OBJECT_HANDLE hs[256];
    CK_ULONG count = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = find_objects(hs, 256, &count, t, NULL, 0)) != 0) return rc;
    rk_token_object *list = calloc(count ? count : 1, sizeof *list);
    if (!list) return rk_err_oom();
    int k = 0;
    for (CK_ULONG i = 0; i < count; i++) {
        CK_OBJECT_CLASS cls;
        CK_KEY_TYPE kt = (CK_KEY_TYPE)-1;
        CK_ATTRIBUTE a = {CKA_CLASS, &cls, sizeof cls};
        CK_RV rv = t->ctx->fl->C_GetAttributeValue(t->s, hs[i], &a, 1);
        if (rv != CKR_OK) {
            free(list);
            return fail_rv(rv, "listing the key's objects");
        }
        rk_token_object *o = &list[k++];
        unsigned char *v;
        CK_ULONG len;
        o->kind = cls == CKO_CERTIFICATE   ? RK_TOKEN_OBJ_CERT
                  : cls == CKO_PRIVATE_KEY ? RK_TOKEN_OBJ_PRIVATE_KEY
                  : cls == CKO_PUBLIC_KEY  ? RK_TOKEN_OBJ_PUBLIC_KEY
                                           : RK_TOKEN_OBJ_OTHER;
        if (get_attr(&v, &len, t, hs[i], CKA_LABEL) == 0) {
            trim_copy(o->label, sizeof o->label, v, len);
            free(v);
        }
        if (get_attr(&v, &len, t, hs[i], CKA_ID) == 0) {
            o->id_len = len < sizeof o->id ? len : sizeof o->id;
            memcpy(o->id, v, o->id_len);
            free(v);
        }
        if (o->kind == RK_TOKEN_OBJ_PRIVATE_KEY || o->kind == RK_TOKEN_OBJ_PUBLIC_KEY) {
            CK_ATTRIBUTE ka = {CKA_KEY_TYPE, &kt, sizeof kt};
            if (t->ctx->fl->C_GetAttributeValue(t->s, hs[i], &ka, 1) == CKR_OK)
                snprintf(o->key_type, sizeof o->key_type, "%s",
                         kt == CKK_EC    ? "EC"
                         : kt == CKK_RSA ? "RSA"
                                         : "other");
        } else if (o->kind == RK_TOKEN_OBJ_CERT) {
            X509 *c;
            if (cert_from_handle(&c, t, hs[i]) == 0) {
                rk_x509name_text(o->subject, sizeof o->subject, X509_get_subject_name(c));
                BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), NULL);
                char *hex = bn ? BN_bn2hex(bn) : NULL;
                snprintf(o->serial_hex, sizeof o->serial_hex, "%s", hex ? hex : "");
                OPENSSL_free(hex);
                BN_free(bn);
                o->not_before = asn1_time_unix(X509_get0_notBefore(c));
                o->not_after = asn1_time_unix(X509_get0_notAfter(c));
                X509_free(c);
            }
        }
    }
    *out = list;
    *n = k;
    rk_err_clear();
    return 0;
}

int rk_token_find_pair(unsigned char *id, size_t *id_len, rk_token *t, const char *label)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                           {CKA_LABEL, (void *)label, (CK_ULONG)strlen(label)}};
    CK_OBJECT_HANDLE h[2];
    CK_ULONG n = 0;
    unsigned char *value = NULL;
    CK_ULONG len = 0;
    int rc;

    if (!t->logged_in)
        return rk_err_set(RK_EAUTH, "log in to the key first: private keys are hidden");
    if ((rc = find_objects(h, 2, &n, t, tmpl, 2)) != 0) return rc;
    if (n == 0) return rk_err_set(RK_ENOTFOUND, "no key pair labelled '%s' on the key", label);
    if (n > 1)
        return rk_err_set(RK_ESTATE, "more than one key pair labelled '%s' on the key", label);
    if ((rc = get_attr(&value, &len, t, h[0], CKA_ID)) != 0) return rc;
    if (len == 0 || len > *id_len) {
        free(value);
        return rk_err_set(RK_EFORMAT, "the key pair labelled '%s' has an unusable id", label);
    }
    memcpy(id, value, len);
    *id_len = len;
    free(value);
    return 0;
}

int rk_token_delete_pair(rk_token *t, const unsigned char *id, size_t id_len)
{
    static const CK_OBJECT_CLASS classes[] = {CKO_CERTIFICATE, CKO_PUBLIC_KEY, CKO_PRIVATE_KEY};
    int rc;

    if (!t->logged_in)
        return rk_err_set(RK_EAUTH, "log in to the key first: private keys are hidden");
    for (size_t c = 0; c < sizeof classes / sizeof classes[0]; c++) {
        CK_OBJECT_CLASS cls = classes[c];
        CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, (void *)id, id_len}};
        CK_OBJECT_HANDLE h[8];
        CK_ULONG n = 0;
        if ((rc = find_objects(h, 8, &n, t, tmpl, 2)) != 0) return rc;
        for (CK_ULONG i = 0; i < n; i++) {
            CK_RV rv = t->ctx->fl->C_DestroyObject(t->s, h[i]);
            if (rv != CKR_OK) return fail_rv(rv, "removing an object from the key");
        }
    }
    if (t->pub && t->pub_id_len == id_len && !memcmp(t->pub_id, id, id_len)) {
        EVP_PKEY_free(t->pub);
        t->pub = NULL;
        t->pub_id_len = 0;
    }
    if (t->made && id_len == RK_TOKEN_ID_LEN && !memcmp(t->made_id, id, id_len)) t->made = 0;
    if (t->fields && t->fields_id_len == id_len && !memcmp(t->fields_id, id, id_len)) {
        X509_PUBKEY_free(t->fields);
        t->fields = NULL;
    }
    return 0;
}

int rk_token_sweep(rk_token *t, int *removed)
{
    static const CK_OBJECT_CLASS classes[] = {CKO_CERTIFICATE, CKO_PUBLIC_KEY, CKO_PRIVATE_KEY};
    int rc, n_removed = 0;

    if (!t->logged_in)
        return rk_err_set(RK_EAUTH, "log in to the key first: private keys are hidden");
    for (size_t c = 0; c < sizeof classes / sizeof classes[0]; c++) {
        CK_OBJECT_CLASS cls = classes[c];
        CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}};
        CK_OBJECT_HANDLE h[64];
        CK_ULONG n = 0;
        if ((rc = find_objects(h, 64, &n, t, tmpl, 1)) != 0) return rc;
        for (CK_ULONG i = 0; i < n; i++) {
            unsigned char *v = NULL;
            CK_ULONG len = 0;
            int broken = get_attr(&v, &len, t, h[i], CKA_ID) != 0 || len == 0;
            free(v);
            if (!broken && cls == CKO_CERTIFICATE) {
                X509 *x = NULL;
                broken = cert_from_handle(&x, t, h[i]) != 0;
                X509_free(x);
            }
            if (!broken) continue;
            CK_RV rv = t->ctx->fl->C_DestroyObject(t->s, h[i]);
            if (rv != CKR_OK) return fail_rv(rv, "removing a damaged object from the key");
            if (t->made && (h[i] == t->made_pub || h[i] == t->made_priv)) t->made = 0;
            n_removed++;
        }
    }
    rk_err_clear();
    if (removed) *removed = n_removed;
    return 0;
}
