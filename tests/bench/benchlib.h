/*
 * What the benchmarks share: a monotonic clock in milliseconds, medians,
 * and the key's own work done with bare PKCS#11 calls (the baseline the
 * key layer and the enrolment are measured against).
 */
#ifndef RK_BENCHLIB_H
#define RK_BENCHLIB_H

#include <p11-kit/pkcs11.h>

#include <openssl/x509.h>

double rk_bench_now_ms(void);
/* Median and minimum of v[0..n) (v is not changed). */
double rk_bench_median(const double *v, int n);
double rk_bench_minimum(const double *v, int n);

/* The steps of rk_bench_raw_round, in the order of its t[]. */
enum { RK_RAW_INIT, RK_RAW_LOGIN, RK_RAW_KEYGEN, RK_RAW_SIGN, RK_RAW_WRITE, RK_RAW_READ, RK_RAW_N };
extern const char *const RK_RAW_STEP[RK_RAW_N];

/* The key's own operations on the first blank token of fl, timed into
 * t[RK_RAW_N]: C_InitToken (label), the SO PIN change (SoftHSM gives a
 * serial only at init, so the layer reads it and sets the serial-derived
 * SO PIN then) and C_InitPIN in that SO login; C_Login; C_GenerateKeyPair with rk_token_keygen's
 * templates (EC P-256, signing); C_Sign of a digest; C_CreateObject of cert; C_Find + read back.
 * serial (17 bytes) receives the token's serial. Exits on any PKCS#11 failure. */
void rk_bench_raw_round(double *t, char *serial, CK_FUNCTION_LIST *fl, X509 *cert,
                        const char *label);

#endif
