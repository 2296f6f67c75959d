/*
 * What the benchmarks share (see benchlib.h).
 */
#include "benchlib.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const RK_RAW_STEP[RK_RAW_N] = {"C_InitToken + SO PIN + C_InitPIN",
                                           "C_Login (user)",
                                           "C_GenerateKeyPair",
                                           "C_Sign (the CSR's digest)",
                                           "C_CreateObject (certificate)",
                                           "C_FindObjects + read back"};

#define SO_PIN "1234567890123456"
#define PIN    "12345678"

static const unsigned char P256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

double rk_bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double rk_bench_median(const double *v, int n)
{
    double *c = malloc((size_t)n * sizeof *c);
    if (!c) exit(1);
    memcpy(c, v, (size_t)n * sizeof *c);
    qsort(c, (size_t)n, sizeof *c, cmp_d);
    double m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    free(c);
    return m;
}

double rk_bench_minimum(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        if (v[i] < m) m = v[i];
    return m;
}

#define OK(call)                                                                                   \
    do {                                                                                           \
        CK_RV rv_ = (call);                                                                        \
        if (rv_ != CKR_OK) {                                                                       \
            fprintf(stderr, "bench: %s: 0x%lx\n", #call, (unsigned long)rv_);                      \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

void rk_bench_raw_round(double *t, char *serial, CK_FUNCTION_LIST *fl, X509 *cert,
                        const char *label_text)
{
    CK_SLOT_ID slots[512], slot = (CK_SLOT_ID)-1;
    CK_ULONG ns = 512;
    CK_TOKEN_INFO ti;
    CK_SESSION_HANDLE s;
    CK_UTF8CHAR label[32], so[] = SO_PIN, tmp[] = "6543210987654321", pin[] = PIN;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    unsigned char id[16];
    CK_OBJECT_HANDLE hpub, hpriv, hcert;
    CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0}, ecdsa = {CKM_ECDSA, NULL, 0};

    double a = rk_bench_now_ms();
    /* the count first, as PKCS#11 asks (SoftHSM rescans its tokens then) */
    OK(fl->C_GetSlotList(CK_TRUE, NULL, &ns));
    ns = 512;
    OK(fl->C_GetSlotList(CK_TRUE, slots, &ns));
    for (CK_ULONG i = 0; i < ns && slot == (CK_SLOT_ID)-1; i++)
        if (fl->C_GetTokenInfo(slots[i], &ti) == CKR_OK && !(ti.flags & CKF_TOKEN_INITIALIZED))
            slot = slots[i];
    memset(label, ' ', sizeof label);
    memcpy(label, label_text, strnlen(label_text, sizeof label));
    OK(fl->C_InitToken(slot, tmp, 16, label));
    /* the new serial, which the SO PIN is derived from */
    OK(fl->C_GetTokenInfo(slot, &ti));
    OK(fl->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s));
    OK(fl->C_Login(s, CKU_SO, tmp, 16));
    OK(fl->C_SetPIN(s, tmp, 16, so, 16));
    OK(fl->C_InitPIN(s, pin, 8)); /* in the same SO login, as the layer does */
    OK(fl->C_Logout(s));
    double b = rk_bench_now_ms();
    OK(fl->C_Login(s, CKU_USER, pin, 8));
    double c = rk_bench_now_ms();
    RAND_bytes(id, sizeof id);
    CK_OBJECT_CLASS pc = CKO_PUBLIC_KEY, kc = CKO_PRIVATE_KEY, cc = CKO_CERTIFICATE;
    CK_KEY_TYPE kt = CKK_EC;
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
    double d = rk_bench_now_ms();
    unsigned char digest[32], sig[128];
    CK_ULONG siglen = sizeof sig;
    RAND_bytes(digest, sizeof digest);
    OK(fl->C_SignInit(s, &ecdsa, hpriv));
    OK(fl->C_Sign(s, digest, sizeof digest, sig, &siglen));
    double e = rk_bench_now_ms();
    unsigned char *der = NULL, *subj = NULL, *iss = NULL, *ser = NULL;
    int derlen = i2d_X509(cert, &der);
    int subjlen = i2d_X509_NAME(X509_get_subject_name(cert), &subj);
    int isslen = i2d_X509_NAME(X509_get_issuer_name(cert), &iss);
    int serlen = i2d_ASN1_INTEGER(X509_get_serialNumber(cert), &ser);
    CK_CERTIFICATE_TYPE ct = CKC_X_509;
    CK_ATTRIBUTE certt[] = {{CKA_CLASS, &cc, sizeof cc},
                            {CKA_CERTIFICATE_TYPE, &ct, sizeof ct},
                            {CKA_TOKEN, &yes, sizeof yes},
                            {CKA_ID, id, sizeof id},
                            {CKA_LABEL, "k", 1},
                            {CKA_SUBJECT, subj, (CK_ULONG)subjlen},
                            {CKA_ISSUER, iss, (CK_ULONG)isslen},
                            {CKA_SERIAL_NUMBER, ser, (CK_ULONG)serlen},
                            {CKA_VALUE, der, (CK_ULONG)derlen}};
    double f = rk_bench_now_ms();
    OK(fl->C_CreateObject(s, certt, 9, &hcert));
    double g = rk_bench_now_ms();
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
    double h = rk_bench_now_ms();
    OK(fl->C_GetTokenInfo(slot, &ti));
    memcpy(serial, ti.serialNumber, 16);
    serial[16] = '\0';
    serial[strcspn(serial, " ")] = '\0';
    t[RK_RAW_INIT] = b - a;
    t[RK_RAW_LOGIN] = c - b;
    t[RK_RAW_KEYGEN] = d - c;
    t[RK_RAW_SIGN] = e - d;
    t[RK_RAW_WRITE] = g - f;
    t[RK_RAW_READ] = h - g;
    OPENSSL_free(der);
    OPENSSL_free(subj);
    OPENSSL_free(iss);
    OPENSSL_free(ser);
}
