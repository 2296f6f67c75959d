/*
 * The appliance HSM over raw PKCS#11 (see hsm.h): module loading that
 * tolerates a module already initialised in this process, token lookup by
 * label, login, key generation, public key read-out and signing.
 */
#include "hsm.h"

#include "token/p11key.h"

#include "util/err.h"
#include "util/hex.h"
#include "util/wipe.h"

#include <dlfcn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>
#include <stdlib.h>
#include <string.h>

struct rk_hsm {
    void *dl;
    CK_FUNCTION_LIST *fl;
    int owns_init; /* we called C_Initialize successfully: finalise on close */
    CK_SESSION_HANDLE s;
    int logged_in;
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
    CK_C_GetFunctionList gfl;
    CK_C_INITIALIZE_ARGS args = {0};
    CK_SLOT_ID slot;
    CK_RV rv;
    int rc;

    *out = NULL;
    if (!pin || strlen(pin) < 4 || strlen(pin) > 64)
        return rk_err_set(RK_EINVAL, "the HSM PIN must have 4 to 64 characters");
    rk_hsm *h = calloc(1, sizeof *h);
    if (!h) return rk_err_oom();
    h->s = CK_INVALID_HANDLE;
    if (!(h->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL))) {
        rc = rk_err_set(RK_EDEVICE, "cannot load the HSM module %s: %s", module, dlerror());
        goto fail;
    }
    *(void **)&gfl = dlsym(h->dl, "C_GetFunctionList");
    if (!gfl || gfl(&h->fl) != CKR_OK) {
        rc = rk_err_set(RK_EDEVICE, "%s is not a PKCS#11 module", module);
        goto fail;
    }
    args.flags = CKF_OS_LOCKING_OK;
    rv = h->fl->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        rc = fail_rv(rv, "starting the HSM module");
        goto fail;
    }
    h->owns_init = rv == CKR_OK;
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
    h->logged_in = 1;
    *out = h;
    return 0;
fail:
    rk_hsm_close(h);
    return rc;
}

void rk_hsm_close(rk_hsm *h)
{
    if (!h) return;
    if (h->fl && h->s != CK_INVALID_HANDLE) {
        if (h->logged_in) h->fl->C_Logout(h->s);
        h->fl->C_CloseSession(h->s);
    }
    if (h->fl && h->owns_init) h->fl->C_Finalize(NULL);
    if (h->dl) dlclose(h->dl);
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

    if (alg != RK_HSM_EC_P256 && alg != RK_HSM_RSA_2048)
        return rk_err_set(RK_EINVAL, "the HSM makes EC P-256 or RSA-2048 keys");
    if ((rc = rk_hsm_has_key(h, key_label)) < 0) return rc;
    if (rc == 1) return rk_err_set(RK_EEXIST, "the HSM already holds a key '%s'", key_label);
    if (RAND_bytes(id, sizeof id) != 1) return rk_err_set(RK_ECRYPTO, "no randomness");
    /* the sub-CA's key: it signs, nothing else */
    rk_p11_pair_init(&p, alg == RK_HSM_EC_P256, id, sizeof id, key_label, 1, 0);
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
