/*
 * Benchmark of the USB key layer against the key's own operations.
 *
 * In one long-running process (a private SoftHSM2 store behind p11lock),
 * ROUNDS times each and interleaved, it enrols a blank key twice:
 *  - through the layer: rk_token_init (find, init, SO and user PIN),
 *    rk_token_open + rk_token_login, rk_token_keygen (EC P-256), rk_token_csr,
 *    rk_token_write_cert, rk_token_verify_cert (read back + checks);
 *  - with the bare PKCS#11 calls the key needs for the same work: find the
 *    blank slot, C_InitToken, C_Login(SO) + C_InitPIN, C_Login(user),
 *    C_GenerateKeyPair, C_Sign of a SHA-256 digest, C_CreateObject of the
 *    certificate, C_FindObjects + C_GetAttributeValue to read it back. The
 *    raw path makes the same key operations as the layer: the same key
 *    templates and, since SoftHSM gives a blank key its serial only at
 *    C_InitToken, the same change from a temporary to the serial-derived SO
 *    PIN (a real key with a serial skips it in both paths).
 * The certificate itself is made in software in both paths and not timed.
 * Prints the median per step and the ratio layer / raw (the issue's target
 * is at most 1.15). Usage: bench_token [ROUNDS] (default 15).
 */
#include "token/softkeys.h"
#include "token/token.h"
#include "util/err.h"

#include <p11-kit/pkcs11.h>

#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { S_INIT, S_LOGIN, S_KEYGEN, S_CSR, S_WRITE, S_READ, NSTEPS };
static const char *STEP[NSTEPS] = {"init + SO/user PIN", "open + login",      "EC P-256 keygen",
                                   "CSR (sign on key)",  "certificate write", "read back"};
static const unsigned char SECRET[32] = "bench branch secret .. 32 bytes";
static const unsigned char P256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static X509 *self_cert(EVP_PKEY *pub, EVP_PKEY *ca_key)
{
    X509 *c = X509_new();
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"bench", -1, -1, 0);
    ASN1_INTEGER_set(X509_get_serialNumber(c), 42);
    X509_set_version(c, 2);
    X509_set_subject_name(c, n);
    X509_set_issuer_name(c, n);
    X509_time_adj_ex(X509_getm_notBefore(c), 0, 0, NULL);
    X509_time_adj_ex(X509_getm_notAfter(c), 365, 0, NULL);
    X509_set_pubkey(c, pub);
    X509_sign(c, ca_key, EVP_sha256());
    X509_NAME_free(n);
    return c;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_token: %s: %s\n", what, rk_err_msg());
    exit(1);
}

static char g_state[4200];

/* The subscriber takes the key away: keeps the reader to one key, as at
 * the counter (SoftHSM's store keeps growing otherwise). */
static void take_away(const char *serial)
{
    if (rk_softkeys_set_pulled(g_state, serial, 1)) die("pull");
}

static void layer_round(double *t, rk_token_ctx *ctx, EVP_PKEY *ca_key)
{
    char serial[RK_TOKEN_SERIAL_MAX];
    unsigned char id[RK_TOKEN_ID_LEN];
    rk_token *tok;
    X509_REQ *req;
    EVP_PKEY *pub;
    double a = now_ms();
    rk_token_init_opts o = {"bench layer", SECRET, sizeof SECRET, "12345678", NULL, NULL};
    if (rk_token_init(serial, NULL, ctx, "blank", &o)) die("init");
    double b = now_ms();
    if (rk_token_open(&tok, ctx, serial) || rk_token_login(tok, "12345678")) die("login");
    double c = now_ms();
    if (rk_token_keygen(id, tok, RK_TOKEN_EC_P256, RK_TOKEN_SIGN, "k", NULL, NULL)) die("keygen");
    double d = now_ms();
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"bench", -1, -1, 0);
    if (rk_token_csr(&req, tok, id, sizeof id, n)) die("csr");
    double e = now_ms();
    if (rk_token_public_key(&pub, tok, id, sizeof id)) die("pub");
    X509 *cert = self_cert(pub, ca_key);
    double f = now_ms();
    if (rk_token_write_cert(tok, id, sizeof id, "bench", cert, 0, NULL, NULL)) die("write");
    double g = now_ms();
    if (rk_token_verify_cert(tok, id, sizeof id, cert, NULL)) die("verify");
    rk_token_close(tok);
    double h = now_ms();
    take_away(serial);
    t[S_INIT] = b - a;
    t[S_LOGIN] = c - b;
    t[S_KEYGEN] = d - c;
    t[S_CSR] = e - d;
    t[S_WRITE] = g - f;
    t[S_READ] = h - g;
    X509_free(cert);
    EVP_PKEY_free(pub);
    X509_REQ_free(req);
    X509_NAME_free(n);
}

#define OK(call)                                                                                   \
    do {                                                                                           \
        CK_RV rv_ = (call);                                                                        \
        if (rv_ != CKR_OK) {                                                                       \
            fprintf(stderr, "bench_token: %s: 0x%lx\n", #call, (unsigned long)rv_);                \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static void raw_round(double *t, CK_FUNCTION_LIST *fl, EVP_PKEY *ca_key)
{
    CK_SLOT_ID slots[256];
    CK_ULONG n = 256;
    CK_TOKEN_INFO ti;
    CK_SLOT_ID slot = (CK_SLOT_ID)-1;
    CK_SESSION_HANDLE s;
    CK_UTF8CHAR label[32], so[] = "1234567890123456", tmp[] = "6543210987654321";
    CK_UTF8CHAR pin[] = "12345678";
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    unsigned char id[16];
    CK_OBJECT_HANDLE hpub, hpriv, hcert;
    CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0}, ecdsa = {CKM_ECDSA, NULL, 0};

    double a = now_ms();
    OK(fl->C_GetSlotList(CK_TRUE, slots, &n));
    for (CK_ULONG i = 0; i < n && slot == (CK_SLOT_ID)-1; i++)
        if (fl->C_GetTokenInfo(slots[i], &ti) == CKR_OK && !(ti.flags & CKF_TOKEN_INITIALIZED))
            slot = slots[i];
    memset(label, ' ', sizeof label);
    memcpy(label, "bench raw", 9);
    OK(fl->C_InitToken(slot, tmp, 16, label));
    OK(fl->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s));
    /* SoftHSM gives the serial only at init: the serial-derived SO PIN is
     * set right after, as the layer does. */
    OK(fl->C_Login(s, CKU_SO, tmp, 16));
    OK(fl->C_SetPIN(s, tmp, 16, so, 16));
    OK(fl->C_Logout(s));
    OK(fl->C_Login(s, CKU_SO, so, 16));
    OK(fl->C_InitPIN(s, pin, 8));
    OK(fl->C_Logout(s));
    double b = now_ms();
    OK(fl->C_Login(s, CKU_USER, pin, 8));
    double c = now_ms();
    RAND_bytes(id, sizeof id);
    CK_OBJECT_CLASS pc = CKO_PUBLIC_KEY, kc = CKO_PRIVATE_KEY, cc = CKO_CERTIFICATE;
    CK_KEY_TYPE kt = CKK_EC;
    /* The layer's templates (rk_token_keygen, signing key). */
    CK_ATTRIBUTE pubt[] = {
        {CKA_CLASS, &pc, sizeof pc},    {CKA_KEY_TYPE, &kt, sizeof kt},
        {CKA_TOKEN, &yes, sizeof yes},  {CKA_PRIVATE, &no, sizeof no},
        {CKA_ID, id, sizeof id},        {CKA_LABEL, "k", 1},
        {CKA_VERIFY, &yes, sizeof yes}, {CKA_ENCRYPT, &no, sizeof no},
        {CKA_WRAP, &no, sizeof no},     {CKA_EC_PARAMS, (void *)P256, sizeof P256}};
    CK_ATTRIBUTE privt[] = {{CKA_CLASS, &kc, sizeof kc},       {CKA_KEY_TYPE, &kt, sizeof kt},
                            {CKA_TOKEN, &yes, sizeof yes},     {CKA_PRIVATE, &yes, sizeof yes},
                            {CKA_SENSITIVE, &yes, sizeof yes}, {CKA_EXTRACTABLE, &no, sizeof no},
                            {CKA_ID, id, sizeof id},           {CKA_LABEL, "k", 1},
                            {CKA_SIGN, &yes, sizeof yes},      {CKA_SIGN_RECOVER, &no, sizeof no},
                            {CKA_DECRYPT, &no, sizeof no},     {CKA_UNWRAP, &no, sizeof no},
                            {CKA_DERIVE, &no, sizeof no}};
    OK(fl->C_GenerateKeyPair(s, &gen, pubt, 10, privt, 13, &hpub, &hpriv));
    double d = now_ms();
    unsigned char digest[32], sig[128];
    CK_ULONG siglen = sizeof sig;
    RAND_bytes(digest, sizeof digest);
    OK(fl->C_SignInit(s, &ecdsa, hpriv));
    OK(fl->C_Sign(s, digest, sizeof digest, sig, &siglen));
    double e = now_ms();
    /* A certificate of the same size as the layer's (any EC key will do). */
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *cert = self_cert(k, ca_key);
    unsigned char *der = NULL;
    int derlen = i2d_X509(cert, &der);
    CK_CERTIFICATE_TYPE ct = CKC_X_509;
    unsigned char *subj = NULL, *ser = NULL;
    int subjlen = i2d_X509_NAME(X509_get_subject_name(cert), &subj);
    int serlen = i2d_ASN1_INTEGER(X509_get_serialNumber(cert), &ser);
    CK_ATTRIBUTE certt[] = {{CKA_CLASS, &cc, sizeof cc},
                            {CKA_CERTIFICATE_TYPE, &ct, sizeof ct},
                            {CKA_TOKEN, &yes, sizeof yes},
                            {CKA_ID, id, sizeof id},
                            {CKA_SUBJECT, subj, (CK_ULONG)subjlen},
                            {CKA_ISSUER, subj, (CK_ULONG)subjlen},
                            {CKA_SERIAL_NUMBER, ser, (CK_ULONG)serlen},
                            {CKA_VALUE, der, (CK_ULONG)derlen}};
    double f = now_ms();
    OK(fl->C_CreateObject(s, certt, 8, &hcert));
    double g = now_ms();
    CK_ATTRIBUTE q[] = {{CKA_CLASS, &cc, sizeof cc}, {CKA_ID, id, sizeof id}};
    CK_OBJECT_HANDLE found;
    CK_ULONG nf = 0;
    OK(fl->C_FindObjectsInit(s, q, 2));
    OK(fl->C_FindObjects(s, &found, 1, &nf));
    OK(fl->C_FindObjectsFinal(s));
    unsigned char back[4096];
    CK_ATTRIBUTE v = {CKA_VALUE, back, sizeof back};
    OK(fl->C_GetAttributeValue(s, found, &v, 1));
    fl->C_Logout(s);
    fl->C_CloseSession(s);
    double h = now_ms();
    char serial[17];
    OK(fl->C_GetTokenInfo(slot, &ti));
    memcpy(serial, ti.serialNumber, 16);
    serial[16] = '\0';
    take_away(serial);
    t[S_INIT] = b - a;
    t[S_LOGIN] = c - b;
    t[S_KEYGEN] = d - c;
    t[S_CSR] = e - d;
    t[S_WRITE] = g - f;
    t[S_READ] = h - g;
    OPENSSL_free(der);
    OPENSSL_free(subj);
    OPENSSL_free(ser);
    X509_free(cert);
    EVP_PKEY_free(k);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 15;
    char dir[] = "/tmp/rkbench.XXXXXX", conf[4200], module[4200];
    rk_token_ctx *ctx;

    if (rounds < 1 || rounds > 200) rounds = 15;
    if (!mkdtemp(dir)) return 1;
    if (rk_softkeys_prepare(conf, sizeof conf, dir)) die("store");
    setenv("SOFTHSM2_CONF", conf, 1);
    rk_softkeys_state_dir(g_state, sizeof g_state, dir);
    const char *b = getenv("RK_BUILD_DIR");
    snprintf(module, sizeof module, "%s/app/p11lock/rkp11lock.so", b && *b ? b : ".");
    double t0 = now_ms();
    if (rk_token_ctx_new(&ctx, module)) die("module");
    double load = now_ms() - t0;
    void *dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
    CK_C_GetFunctionList get = dl ? (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList") : NULL;
    CK_FUNCTION_LIST *fl = NULL;
    if (!get || get(&fl) != CKR_OK) die("function list");
    EVP_PKEY *ca_key = EVP_EC_gen("P-256");

    double *lay = calloc((size_t)rounds * NSTEPS, sizeof *lay);
    double *raw = calloc((size_t)rounds * NSTEPS, sizeof *raw);
    double *tl = calloc((size_t)rounds, sizeof *tl), *tr = calloc((size_t)rounds, sizeof *tr);
    for (int r = 0; r < rounds; r++) {
        double x[NSTEPS], y[NSTEPS];
        layer_round(x, ctx, ca_key);
        raw_round(y, fl, ca_key);
        tl[r] = tr[r] = 0;
        for (int s = 0; s < NSTEPS; s++) {
            lay[s * rounds + r] = x[s];
            raw[s * rounds + r] = y[s];
            tl[r] += x[s];
            tr[r] += y[s];
        }
    }
    printf("bench_token: %d enrolments each way, EC P-256, SoftHSM2 %s behind p11lock\n", rounds,
           "2.6");
    printf("module load (libp11 + raw function list): %.1f ms\n", load);
    printf("%-22s %12s %12s %8s\n", "step (median ms)", "layer", "raw PKCS#11", "ratio");
    for (int s = 0; s < NSTEPS; s++) {
        double l = median(lay + s * rounds, rounds), w = median(raw + s * rounds, rounds);
        printf("%-22s %12.2f %12.2f %8.2f\n", STEP[s], l, w, w > 0 ? l / w : 0);
    }
    double ml = median(tl, rounds), mr = median(tr, rounds);
    printf("%-22s %12.2f %12.2f %8.2f   (target <= 1.15)\n", "enrolment total", ml, mr, ml / mr);
    EVP_PKEY_free(ca_key);
    free(lay);
    free(raw);
    free(tl);
    free(tr);
    dlclose(dl);
    rk_token_ctx_free(ctx);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
