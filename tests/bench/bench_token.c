/*
 * Benchmark of the USB key layer against the key's own operations.
 *
 * In one long-running process (a private SoftHSM2 store behind p11lock),
 * ROUNDS times each and interleaved, it enrols a blank key twice:
 *  - through the layer: rk_token_init (find, init, SO and user PIN),
 *    rk_token_open + rk_token_login, rk_token_keygen (EC P-256), rk_token_csr,
 *    rk_token_write_cert, rk_token_verify_cert (read back + checks);
 *  - with the bare PKCS#11 calls the key needs for the same work: find the
 *    blank slot, C_InitToken, C_Login(SO), C_SetPIN + C_InitPIN, C_Login(user),
 *    C_GenerateKeyPair, C_Sign of a SHA-256 digest, C_CreateObject of the
 *    certificate, C_FindObjects + C_GetAttributeValue to read it back. The
 *    raw path makes the same key operations as the layer: the same key
 *    templates and, since SoftHSM gives a blank key its serial only at
 *    C_InitToken, the same change from a temporary to the serial-derived SO
 *    PIN (a real key with a serial skips it in both paths).
 * The certificate itself is made in software in both paths and not timed.
 * Prints the median per step and the ratio layer / raw (the target
 * is at most 1.15). Usage: bench_token [ROUNDS] (default 15).
 */
#include "demo/softkeys.h"
#include "token/token.h"
#include "util/err.h"

#include "benchlib.h"

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
    double a = rk_bench_now_ms();
    rk_token_init_opts o = {"bench layer", SECRET, sizeof SECRET, "12345678", NULL, NULL};
    if (rk_token_init(serial, NULL, ctx, "blank", &o)) die("init");
    double b = rk_bench_now_ms();
    if (rk_token_open(&tok, ctx, serial) || rk_token_login(tok, "12345678")) die("login");
    double c = rk_bench_now_ms();
    if (rk_token_keygen(id, tok, RK_TOKEN_EC_P256, RK_TOKEN_SIGN, "k", NULL, NULL)) die("keygen");
    double d = rk_bench_now_ms();
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"bench", -1, -1, 0);
    if (rk_token_csr(&req, tok, id, sizeof id, n)) die("csr");
    double e = rk_bench_now_ms();
    if (rk_token_public_key(&pub, tok, id, sizeof id)) die("pub");
    X509 *cert = self_cert(pub, ca_key);
    double f = rk_bench_now_ms();
    if (rk_token_write_cert(tok, id, sizeof id, "bench", cert, 0, NULL, NULL)) die("write");
    double g = rk_bench_now_ms();
    if (rk_token_verify_cert(tok, id, sizeof id, cert, NULL)) die("verify");
    rk_token_close(tok);
    double h = rk_bench_now_ms();
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

/* The same work with bare PKCS#11 calls (benchlib.h); the certificate,
 * of the same size as the layer's, is made in software and not timed. */
static void raw_round(double *t, CK_FUNCTION_LIST *fl, EVP_PKEY *ca_key)
{
    double y[RK_RAW_N];
    char serial[17];
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *cert = self_cert(k, ca_key);
    rk_bench_raw_round(y, serial, fl, cert, "bench raw");
    take_away(serial);
    t[S_INIT] = y[RK_RAW_INIT];
    t[S_LOGIN] = y[RK_RAW_LOGIN];
    t[S_KEYGEN] = y[RK_RAW_KEYGEN];
    t[S_CSR] = y[RK_RAW_SIGN];
    t[S_WRITE] = y[RK_RAW_WRITE];
    t[S_READ] = y[RK_RAW_READ];
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
    /* RK_BUILD_DIR picks another build's module; by default this build's. */
    const char *b = getenv("RK_BUILD_DIR");
    if (b && *b)
        snprintf(module, sizeof module, "%s/app/p11lock/rkp11lock.so", b);
    else
        snprintf(module, sizeof module, "%s", RK_BENCH_P11LOCK);
    double t0 = rk_bench_now_ms();
    if (rk_token_ctx_new(&ctx, module)) die("module");
    double load = rk_bench_now_ms() - t0;
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
        double l = rk_bench_median(lay + s * rounds, rounds),
               w = rk_bench_median(raw + s * rounds, rounds);
        printf("%-22s %12.2f %12.2f %8.2f\n", STEP[s], l, w, w > 0 ? l / w : 0);
    }
    double ml = rk_bench_median(tl, rounds), mr = rk_bench_median(tr, rounds);
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
