/*
 * The appliance HSM over raw PKCS#11 (see hsm.h): module loading that
 * tolerates a module already initialised in this process, token lookup by
 * label, login, key generation, public key read-out and signing.
 *
 * A module is loaded and initialised once per process, however many rk_hsm
 * are open on it (the kiosk's job workers each open the sub-CA): the last
 * close finalises it, and only if this file initialised it. A close never
 * calls C_Logout: the login belongs to the token, not to a session, so it
 * would log out every other rk_hsm of the process; closing the last session
 * ends the login (PKCS#11 2.40, section 5.6).
 *
 * Key agreement for OpenSSL (rk_hsm_ecdh_key) goes through the legacy
 * EC_KEY_METHOD, as libp11's engine does: OpenSSL 3 treats an EC key with
 * a method of its own as a "foreign" key and calls the method's
 * compute_key for ECDH, which here asks the HSM. Debian 12 has no
 * pkcs11 provider, and the engine would load the module a second time.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* EC_KEY_METHOD: see above */
#include "hsm.h"

#include "token/p11key.h"

#include "util/err.h"
#include "util/hex.h"
#include "util/wipe.h"

#include <dlfcn.h>
#include <pthread.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>
#include <stdlib.h>
#include <string.h>

static int fail_rv(CK_RV rv, const char *what);

/* A module loaded in this process, shared by the rk_hsm open on it. */
typedef struct hsm_module {
    struct hsm_module *next;
    void *dl;
    CK_FUNCTION_LIST *fl;
    int owns_init; /* this file's C_Initialize succeeded: finalise with the last close */
    int refs;
    char path[];
} hsm_module;

static pthread_mutex_t modules_mu = PTHREAD_MUTEX_INITIALIZER;
static hsm_module *modules;

/* The module at path, loaded and initialised on first use; refs counted. */
static int module_get(hsm_module **out, const char *path)
{
    CK_C_GetFunctionList gfl;
    CK_C_INITIALIZE_ARGS args = {0};
    hsm_module *m;
    int rc = 0;
    pthread_mutex_lock(&modules_mu);
    for (m = modules; m && strcmp(m->path, path); m = m->next)
        ;
    if (!m) {
        if (!(m = calloc(1, sizeof *m + strlen(path) + 1))) {
            rc = rk_err_oom();
            goto out;
        }
        strcpy(m->path, path);
        if (!(m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
            rc = rk_err_set(RK_EDEVICE, "cannot load the HSM module %s: %s", path, dlerror());
            goto fail;
        }
        *(void **)&gfl = dlsym(m->dl, "C_GetFunctionList");
        if (!gfl || gfl(&m->fl) != CKR_OK) {
            rc = rk_err_set(RK_EDEVICE, "%s is not a PKCS#11 module", path);
            goto fail;
        }
        args.flags = CKF_OS_LOCKING_OK;
        CK_RV rv = m->fl->C_Initialize(&args);
        if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
            rc = fail_rv(rv, "starting the HSM module");
            goto fail;
        }
        m->owns_init = rv == CKR_OK;
        m->next = modules;
        modules = m;
    }
    m->refs++;
    *out = m;
    goto out;
fail:
    if (m->dl) dlclose(m->dl);
    free(m);
out:
    pthread_mutex_unlock(&modules_mu);
    return rc;
}

static void module_put(hsm_module *m)
{
    pthread_mutex_lock(&modules_mu);
    if (--m->refs == 0) {
        hsm_module **p = &modules;
        while (*p != m)
            p = &(*p)->next;
        *p = m->next;
        if (m->owns_init) m->fl->C_Finalize(NULL);
        dlclose(m->dl);
        free(m);
    }
    pthread_mutex_unlock(&modules_mu);
}

struct rk_hsm {
    hsm_module *m;
    CK_FUNCTION_LIST *fl; /* m's */
    CK_SESSION_HANDLE s;
    /* The private key signed with last and its type (a search walks all
     * objects; the type would be one more round trip a signature). */
    char sign_label[64];
    CK_OBJECT_HANDLE sign_h;
    CK_KEY_TYPE sign_kt;
};

static int fail_rv(CK_RV rv, const char *what)
{
    if (rv == CKR_HOST_MEMORY) return rk_err_oom();
    if (rv == CKR_PIN_INCORRECT) return rk_err_set(RK_EAUTH, "%s: wrong HSM PIN", what);
    if (rv == CKR_PIN_LOCKED) return rk_err_set(RK_EAUTH, "%s: the HSM PIN is locked", what);
    if (rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_DEVICE_ERROR)
        return rk_err_set(RK_EDEVICE, "%s: the HSM is not available (PKCS#11 error 0x%lx)", what,
                          (unsigned long)rv);
    return rk_err_set(RK_ECRYPTO, "%s failed in the HSM (PKCS#11 error 0x%lx)", what,
                      (unsigned long)rv);
}

static void pad_label(unsigned char out[32], const char *label)
{
    size_t l = strlen(label);
    memset(out, ' ', 32);
    memcpy(out, label, l > 32 ? 32 : l);
}

/* Finds the slot whose token is labelled label, or (blank) the first
 * uninitialised one. */
static int find_slot(CK_SLOT_ID *slot, rk_hsm *h, const char *label, int blank)
{
    CK_ULONG n = 0;
    CK_SLOT_ID *ids = NULL;
    unsigned char want[32];
    CK_RV rv = CKR_OK;

    /* Size the list from the module; it may grow between the two calls (a
     * key plugged in), so try again then. */
    for (int tries = 0; tries < 4; tries++) {
        if ((rv = h->fl->C_GetSlotList(CK_TRUE, NULL, &n)) != CKR_OK) break;
        free(ids);
        if (!(ids = calloc(n ? n : 1, sizeof *ids))) return rk_err_oom();
        if ((rv = h->fl->C_GetSlotList(CK_TRUE, ids, &n)) != CKR_BUFFER_TOO_SMALL) break;
    }
    if (rv != CKR_OK) {
        free(ids);
        return fail_rv(rv, "listing the HSM's slots");
    }
    pad_label(want, label);
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;
        if (h->fl->C_GetTokenInfo(ids[i], &ti) != CKR_OK) continue;
        int init = (ti.flags & CKF_TOKEN_INITIALIZED) != 0;
        if (blank ? !init : (init && !memcmp(ti.label, want, 32))) {
            *slot = ids[i];
            free(ids);
            return 0;
        }
    }
    free(ids);
    return RK_ENOTFOUND;
}

static int init_token(rk_hsm *h, const char *label, const char *pin)
{
    CK_SLOT_ID slot;
    unsigned char lab[32], sorand[16];
    char so[33];
    CK_SESSION_HANDLE s;
    CK_RV rv;

    if (find_slot(&slot, h, label, 1) != 0)
        return rk_err_set(RK_ENOTFOUND, "no HSM token '%s' and no blank token to create it", label);
    if (RAND_bytes(sorand, sizeof sorand) != 1) return rk_err_set(RK_ECRYPTO, "no randomness");
    rk_hex_encode(so, sorand, sizeof sorand, RK_HEX_LOWER);
    pad_label(lab, label);
    rv = h->fl->C_InitToken(slot, (CK_UTF8CHAR *)so, 32, lab);
    if (rv == CKR_OK) {
        /* The token may have moved to another slot id: find it again. */
        if (find_slot(&slot, h, label, 0) != 0) {
            rk_wipe(so, sizeof so);
            return rk_err_set(RK_EDEVICE, "the HSM token vanished after initialisation");
        }
        rv = h->fl->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
    }
    if (rv == CKR_OK) {
        rv = h->fl->C_Login(s, CKU_SO, (CK_UTF8CHAR *)so, 32);
        if (rv == CKR_OK) rv = h->fl->C_InitPIN(s, (CK_UTF8CHAR *)pin, strlen(pin));
        h->fl->C_Logout(s);
        h->fl->C_CloseSession(s);
    }
    rk_wipe(so, sizeof so);
    rk_wipe(sorand, sizeof sorand);
    return rv == CKR_OK ? 0 : fail_rv(rv, "initialising the HSM token");
}

int rk_hsm_open(rk_hsm **out, const char *module, const char *token_label, const char *pin,
                int create)
{
    CK_SLOT_ID slot;
    CK_RV rv;
    int rc;

    *out = NULL;
    if (!pin || strlen(pin) < 4 || strlen(pin) > 64)
        return rk_err_set(RK_EINVAL, "the HSM PIN must have 4 to 64 characters");
    rk_hsm *h = calloc(1, sizeof *h);
    if (!h) return rk_err_oom();
    h->s = CK_INVALID_HANDLE;
    if ((rc = module_get(&h->m, module)) != 0) goto fail;
    h->fl = h->m->fl;
    rc = find_slot(&slot, h, token_label, 0);
    if (rc == RK_ENOTFOUND && create) {
        if ((rc = init_token(h, token_label, pin))) goto fail;
        rc = find_slot(&slot, h, token_label, 0);
    }
    if (rc == RK_ENOTFOUND) {
        rc = rk_err_set(RK_ENOTFOUND, "no HSM token labelled '%s' (run `ractl ca init`)",
                        token_label);
        goto fail;
    }
    if (rc) goto fail;
    if ((rv = h->fl->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h->s)) !=
        CKR_OK) {
        rc = fail_rv(rv, "opening the HSM");
        goto fail;
    }
    rv = h->fl->C_Login(h->s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        rc = fail_rv(rv, "logging in to the HSM");
        goto fail;
    }
    *out = h;
    return 0;
fail:
    rk_hsm_close(h);
    return rc;
}

void rk_hsm_close(rk_hsm *h)
{
    if (!h) return;
    if (h->fl && h->s != CK_INVALID_HANDLE) h->fl->C_CloseSession(h->s);
    if (h->m) module_put(h->m);
    free(h);
}

static int find_key(CK_OBJECT_HANDLE *out, rk_hsm *h, CK_OBJECT_CLASS cls, const char *label)
{
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, (void *)label, strlen(label)}};
    CK_ULONG n = 0;
    CK_RV rv = h->fl->C_FindObjectsInit(h->s, t, 2);
    if (rv == CKR_OK) {
        rv = h->fl->C_FindObjects(h->s, out, 1, &n);
        h->fl->C_FindObjectsFinal(h->s);
    }
    if (rv != CKR_OK) return fail_rv(rv, "searching the HSM");
    return n ? 0 : RK_ENOTFOUND;
}

int rk_hsm_has_key(rk_hsm *h, const char *key_label)
{
    CK_OBJECT_HANDLE o;
    int rc = find_key(&o, h, CKO_PRIVATE_KEY, key_label);
    return rc == 0 ? 1 : rc == RK_ENOTFOUND ? 0 : rc;
}

int rk_hsm_keygen(rk_hsm *h, const char *key_label, int alg)
{
    unsigned char id[16];
    CK_OBJECT_HANDLE hpub, hpriv;
    CK_MECHANISM mech;
    rk_p11_pair p;
    int rc;

    int derive = (alg & RK_HSM_DERIVE) != 0;
    alg &= ~RK_HSM_DERIVE;
    if (alg != RK_HSM_EC_P256 && alg != RK_HSM_RSA_2048)
        return rk_err_set(RK_EINVAL, "the HSM makes EC P-256 or RSA-2048 keys");
    if (derive && alg != RK_HSM_EC_P256)
        return rk_err_set(RK_EINVAL, "only an EC key agrees keys in the HSM");
    if ((rc = rk_hsm_has_key(h, key_label)) < 0) return rc;
    if (rc == 1) return rk_err_set(RK_EEXIST, "the HSM already holds a key '%s'", key_label);
    if (RAND_bytes(id, sizeof id) != 1) return rk_err_set(RK_ECRYPTO, "no randomness");
    /* the sub-CA's key signs, nothing else; the device key also derives */
    rk_p11_pair_init(&p, alg == RK_HSM_EC_P256, id, sizeof id, key_label, 1, derive);
    rk_p11_pair_for_keygen(&p, &mech);
    CK_RV rv = h->fl->C_GenerateKeyPair(h->s, &mech, p.pub, p.npub, p.priv, p.npriv, &hpub, &hpriv);
    return rv == CKR_OK ? 0 : fail_rv(rv, "generating the sub-CA key");
}

int rk_hsm_public_key(EVP_PKEY **out, rk_hsm *h, const char *key_label)
{
    CK_OBJECT_HANDLE o;
    *out = NULL;
    int rc = find_key(&o, h, CKO_PUBLIC_KEY, key_label);
    if (rc == RK_ENOTFOUND) return rk_err_set(RK_ENOTFOUND, "the HSM holds no key '%s'", key_label);
    if (rc) return rc;
    return rk_p11_public_key(out, h->fl, h->s, o, "the HSM key", fail_rv);
}

int rk_hsm_sign(unsigned char **sig, size_t *siglen, int *is_ec, rk_hsm *h, const char *key_label,
                const unsigned char *data, size_t len)
{
    CK_OBJECT_HANDLE o;
    *sig = NULL;
    if (h->sign_label[0] && !strcmp(h->sign_label, key_label)) {
        int rc = rk_p11_sign_sha256(sig, siglen, is_ec, h->fl, h->s, h->sign_h, h->sign_kt, data,
                                    len, "the HSM", fail_rv);
        if (rc == 0) return 0;
        h->sign_label[0] = '\0'; /* the key may have been replaced: look again */
        rk_err_clear();
    }
    int rc = find_key(&o, h, CKO_PRIVATE_KEY, key_label);
    if (rc == RK_ENOTFOUND) return rk_err_set(RK_ENOTFOUND, "the HSM holds no key '%s'", key_label);
    if (rc) return rc;
    if ((rc = rk_p11_sign_sha256(sig, siglen, is_ec, h->fl, h->s, o, CK_UNAVAILABLE_INFORMATION,
                                 data, len, "the HSM", fail_rv)) == 0 &&
        strlen(key_label) < sizeof h->sign_label) {
        snprintf(h->sign_label, sizeof h->sign_label, "%s", key_label);
        h->sign_h = o;
        h->sign_kt = *is_ec ? CKK_EC : CKK_RSA;
    }
    return rc;
}

int rk_hsm_allow_derive(rk_hsm *h, const char *key_label, int *changed)
{
    CK_OBJECT_HANDLE o;
    CK_BBOOL can = CK_FALSE, yes = CK_TRUE;
    CK_KEY_TYPE kt = 0;
    if (changed) *changed = 0;
    int rc = find_key(&o, h, CKO_PRIVATE_KEY, key_label);
    if (rc == RK_ENOTFOUND) return rk_err_set(RK_ENOTFOUND, "the HSM holds no key '%s'", key_label);
    if (rc) return rc;
    CK_ATTRIBUTE a[] = {{CKA_DERIVE, &can, sizeof can}, {CKA_KEY_TYPE, &kt, sizeof kt}};
    CK_RV rv = h->fl->C_GetAttributeValue(h->s, o, a, 2);
    if (rv != CKR_OK) return fail_rv(rv, "reading the device key");
    if (kt != CKK_EC) return rk_err_set(RK_EINVAL, "the HSM key '%s' is not an EC key", key_label);
    if (can) return 0;
    CK_ATTRIBUTE set = {CKA_DERIVE, &yes, sizeof yes};
    if ((rv = h->fl->C_SetAttributeValue(h->s, o, &set, 1)) != CKR_OK)
        return fail_rv(rv, "allowing the device key to agree keys");
    if (changed) *changed = 1;
    return 0;
}

/* What an HSM-backed EC_KEY points to (its ex_data). */
typedef struct ecdh_ref {
    rk_hsm *h;
    CK_OBJECT_HANDLE o;
} ecdh_ref;

static int ecdh_index = -1;
static EC_KEY_METHOD *ecdh_meth;
static pthread_once_t ecdh_once = PTHREAD_ONCE_INIT;

static void ecdh_ref_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                          void *argp)
{
    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    free(ptr);
}

/* ECDH in the HSM: the x coordinate of the shared point (CKD_NULL) as a
 * session secret, read and destroyed at once. 1 on success (OpenSSL's). */
static int hsm_compute_key(unsigned char **psec, size_t *pseclen, const EC_POINT *peer,
                           const EC_KEY *ec)
{
    const ecdh_ref *r = EC_KEY_get_ex_data(ec, ecdh_index);
    unsigned char pt[133];
    size_t ptlen;
    CK_OBJECT_HANDLE sk = CK_INVALID_HANDLE;
    int ok = 0;

    *psec = NULL;
    *pseclen = 0;
    if (!r || !(ptlen = EC_POINT_point2oct(EC_KEY_get0_group(ec), peer,
                                           POINT_CONVERSION_UNCOMPRESSED, pt, sizeof pt, NULL)))
        return 0;
    CK_ECDH1_DERIVE_PARAMS prm = {.kdf = CKD_NULL, .public_data_len = ptlen, .public_data = pt};
    CK_MECHANISM mech = {CKM_ECDH1_DERIVE, &prm, sizeof prm};
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
    CK_ULONG vlen = (CK_ULONG)((EC_GROUP_get_degree(EC_KEY_get0_group(ec)) + 7) / 8);
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},       {CKA_KEY_TYPE, &kt, sizeof kt},
                        {CKA_TOKEN, &no, sizeof no},         {CKA_SENSITIVE, &no, sizeof no},
                        {CKA_EXTRACTABLE, &yes, sizeof yes}, {CKA_VALUE_LEN, &vlen, sizeof vlen}};
    CK_RV rv = r->h->fl->C_DeriveKey(r->h->s, &mech, r->o, t, sizeof t / sizeof t[0], &sk);
    if (rv != CKR_OK) {
        fail_rv(rv, rv == CKR_KEY_FUNCTION_NOT_PERMITTED || rv == CKR_KEY_TYPE_INCONSISTENT
                        ? "key agreement (the device key may not derive)"
                        : "key agreement with the device key");
        return 0;
    }
    unsigned char *v = NULL;
    CK_ULONG n = 0;
    if (rk_p11_attr(&v, &n, r->h->fl, r->h->s, sk, CKA_VALUE, fail_rv) == 0 && n > 0 &&
        (*psec = OPENSSL_malloc(n)) != NULL) {
        memcpy(*psec, v, n);
        *pseclen = n;
        ok = 1;
    }
    if (v) {
        rk_wipe(v, n);
        free(v);
    }
    r->h->fl->C_DestroyObject(r->h->s, sk);
    return ok;
}

static void ecdh_setup(void)
{
    ecdh_index = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL, ecdh_ref_free);
    if (ecdh_index < 0 || !(ecdh_meth = EC_KEY_METHOD_new(EC_KEY_OpenSSL()))) return;
    EC_KEY_METHOD_set_compute_key(ecdh_meth, hsm_compute_key);
}

int rk_hsm_ecdh_key(EVP_PKEY **out, rk_hsm *h, const char *key_label)
{
    CK_OBJECT_HANDLE o;
    CK_BBOOL can = CK_FALSE;
    CK_KEY_TYPE kt = 0;
    EVP_PKEY *pub = NULL, *pk = NULL;
    EC_KEY *ec = NULL;
    ecdh_ref *r = NULL;
    int rc;

    *out = NULL;
    pthread_once(&ecdh_once, ecdh_setup);
    if (ecdh_index < 0 || !ecdh_meth) return rk_err_oom();
    if ((rc = find_key(&o, h, CKO_PRIVATE_KEY, key_label)) == RK_ENOTFOUND)
        return rk_err_set(RK_ENOTFOUND, "the HSM holds no key '%s'", key_label);
    if (rc) return rc;
    CK_ATTRIBUTE a[] = {{CKA_DERIVE, &can, sizeof can}, {CKA_KEY_TYPE, &kt, sizeof kt}};
    CK_RV rv = h->fl->C_GetAttributeValue(h->s, o, a, 2);
    if (rv != CKR_OK) return fail_rv(rv, "reading the device key");
    if (kt != CKK_EC)
        return rk_err_set(RK_EINVAL, "the HSM key '%s' is not an EC key: no key agreement",
                          key_label);
    if (!can)
        return rk_err_set(RK_ECRYPTO,
                          "the HSM key '%s' may not agree keys (made before key recovery came "
                          "over the sync): enrol the device again (`ractl sync enrol`)",
                          key_label);
    if ((rc = rk_hsm_public_key(&pub, h, key_label)) != 0) return rc;
    const EC_KEY *src = EVP_PKEY_get0_EC_KEY(pub);
    if (!src || !(ec = EC_KEY_new()) || !EC_KEY_set_method(ec, ecdh_meth) ||
        !EC_KEY_set_group(ec, EC_KEY_get0_group(src)) ||
        !EC_KEY_set_public_key(ec, EC_KEY_get0_public_key(src)) || !(r = calloc(1, sizeof *r))) {
        rc = rk_err_set(RK_ECRYPTO, "cannot stand for the device key");
        goto fail;
    }
    r->h = h;
    r->o = o;
    if (!EC_KEY_set_ex_data(ec, ecdh_index, r)) {
        free(r);
        rc = rk_err_set(RK_ECRYPTO, "cannot stand for the device key");
        goto fail;
    }
    if (!(pk = EVP_PKEY_new()) || !EVP_PKEY_assign_EC_KEY(pk, ec)) {
        rc = rk_err_set(RK_ECRYPTO, "cannot stand for the device key");
        goto fail;
    }
    EVP_PKEY_free(pub);
    *out = pk;
    return 0;
fail:
    EVP_PKEY_free(pk);
    if (!pk) EC_KEY_free(ec);
    EVP_PKEY_free(pub);
    return rc;
}
