/*
 * Benchmark: a CRL with 1,000,000 revoked serials.
 *
 * Makes (or reuses from $RK_BENCH_CACHE, default /tmp/rk_bench_crl) a test
 * CA and a 1,000,000-entry CRL signed by it (random 16-byte serials in
 * random order, a mix of reasons, written by rk_crl_write), then prints:
 * the time of `openssl crl -inform DER -noout` on the file (posix_spawn),
 * our import time (open + signature check + index) and the ratio, lookup
 * p50/p99 over 100,000 random serials (half of them on the CRL), and the
 * peak RSS of both. Import and openssl each run in a child process so
 * their peak memory is their own (wait4 rusage). Best of 3 runs each.
 *
 * usage: bench_crl [ENTRIES]
 */
#include "ca/crl.h"
#include "ca/crlparse.h"
#include "ca/crlstore.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int soft_sign(void *arg, const unsigned char *tbs, size_t len, unsigned char **sig,
                     size_t *siglen)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, arg) == 1 &&
             EVP_DigestSign(md, NULL, siglen, tbs, len) == 1 && (*sig = OPENSSL_malloc(*siglen)) &&
             EVP_DigestSign(md, *sig, siglen, tbs, len) == 1;
    EVP_MD_CTX_free(md);
    return ok ? 0 : RK_ECRYPTO;
}

static X509 *make_ca(EVP_PKEY *k)
{
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"CN", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"Bench HQ", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"Bench HQ CA", -1, -1,
                               0);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_set_subject_name(x, n);
    X509_set_issuer_name(x, n);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3650L * 86400);
    X509_set_pubkey(x, k);
    X509_sign(x, k, EVP_sha256());
    X509_NAME_free(n);
    return x;
}

/* Creates cache/ca.pem and cache/crl.der with n entries. */
static int generate(const char *cache, size_t n)
{
    char path[4200];
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *ca = make_ca(k);
    rk_crl_entry *e = malloc(n * sizeof *e);
    unsigned char *issuer = NULL, *der = NULL;
    size_t len;
    if (!e) return -1;
    unsigned char *rnd = malloc(n * 20);
    RAND_bytes(rnd, (int)(n * 20));
    int64_t base = time(NULL) - 365 * 86400;
    for (size_t i = 0; i < n; i++) {
        unsigned char *r = rnd + i * 20;
        memcpy(e[i].serial, r, 16);
        e[i].serial[0] = (unsigned char)((e[i].serial[0] & 0x7f) | 0x01);
        e[i].serial_len = 16;
        e[i].revoked_at =
            base + (int64_t)((r[16] | r[17] << 8 | (r[18] & 0x7f) << 16) % (365 * 86400));
        int pick = r[19] % 10;
        e[i].reason = (int8_t)(pick < 3 ? -1 : pick < 5 ? 1 : pick < 7 ? 4 : pick < 9 ? 5 : 6);
    }
    free(rnd);
    int ilen = i2d_X509_NAME(X509_get_subject_name(ca), &issuer);
    const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(ca);
    rk_crl_params p = {issuer,
                       (size_t)ilen,
                       skid ? ASN1_STRING_get0_data(skid) : NULL,
                       skid ? (size_t)ASN1_STRING_length(skid) : 0,
                       NID_ecdsa_with_SHA256,
                       time(NULL),
                       time(NULL) + 7 * 86400,
                       (uint64_t)time(NULL),
                       e,
                       n,
                       soft_sign,
                       k};
    double t0 = now_s();
    if (rk_crl_write(&der, &len, &p) != 0) {
        fprintf(stderr, "write: %s\n", rk_err_msg());
        return -1;
    }
    double t1 = now_s();
    printf("generated a %zu-entry CRL (%.1f MB) with rk_crl_write in %.2f s\n", n,
           (double)len / 1e6, t1 - t0);
    snprintf(path, sizeof path, "%s/crl.der.tmp", cache);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(der, 1, len, f) != len || fclose(f) != 0) return -1;
    char final[4200];
    snprintf(final, sizeof final, "%s/crl.der", cache);
    snprintf(path, sizeof path, "%s/ca.pem", cache);
    f = fopen(path, "w");
    if (!f || !PEM_write_X509(f, ca) || fclose(f) != 0) return -1;
    snprintf(path, sizeof path, "%s/crl.der.tmp", cache);
    rename(path, final);
    free(der);
    free(e);
    OPENSSL_free(issuer);
    X509_free(ca);
    EVP_PKEY_free(k);
    return 0;
}

/* Runs argv in a child; *secs wall time, *rss_kb its peak RSS. */
static int spawn_timed(char *const argv[], double *secs, long *rss_kb)
{
    pid_t pid;
    int st;
    struct rusage ru;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    double t0 = now_s();
    if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0) return -1;
    if (wait4(pid, &st, 0, &ru) < 0) return -1;
    *secs = now_s() - t0;
    *rss_kb = ru.ru_maxrss;
    posix_spawn_file_actions_destroy(&fa);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Imports in a forked child into a fresh store. */
static int import_timed(const char *cache, const char *store, X509 *ca, double *secs, long *rss_kb)
{
    char cmd[9000], crl[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", store);
    if (system(cmd) != 0) return -1;
    snprintf(crl, sizeof crl, "%s/crl.der", cache);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        rk_crlstore *s = NULL;
        rk_catrust *t = NULL; /* the test CA is HQ's root */
        int rc = rk_crlstore_open(&s, store);
        if (!rc) rc = rk_catrust_new(&t);
        if (!rc) rc = rk_catrust_add(t, ca, 1);
        if (!rc) rc = rk_crlstore_import(NULL, s, crl, t);
        if (rc) fprintf(stderr, "import: %s\n", rk_err_msg());
        rk_catrust_free(t);
        rk_crlstore_free(s);
        _exit(rc ? 1 : 0);
    }
    int st;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &st, 0, &ru) < 0) return -1;
    *secs = now_s() - t0;
    *rss_kb = ru.ru_maxrss;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

typedef struct serials {
    unsigned char (*s)[16];
    size_t n;
} serials;

static int collect(void *arg, const unsigned char *serial, size_t len, int64_t when, int reason)
{
    serials *c = arg;
    (void)when;
    (void)reason;
    if (len == 16) memcpy(c->s[c->n++], serial, 16);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    const char *cache = getenv("RK_BENCH_CACHE");
    char dir[4200], path[4200], store[4200], cnt[64];
    if (!cache || !*cache) cache = "/tmp/rk_bench_crl";
    snprintf(dir, sizeof dir, "%s/%zu", cache, n);
    mkdir(cache, 0755);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/crl.der", dir);
    snprintf(cnt, sizeof cnt, "%zu", n);
    if (access(path, R_OK) != 0) {
        if (generate(dir, n) != 0) {
            fprintf(stderr, "cannot generate the CRL\n");
            return 1;
        }
    } else {
        printf("reusing %s\n", path);
    }
    struct stat sb;
    stat(path, &sb);
    char ca_path[4300];
    snprintf(ca_path, sizeof ca_path, "%s/ca.pem", dir);
    FILE *f = fopen(ca_path, "r");
    X509 *ca = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    if (!ca) return 1;
    printf("CRL: %zu entries, %.1f MB\n\n", n, (double)sb.st_size / 1e6);

    /* openssl crl -noout */
    double best_ossl = 1e9, t;
    long rss_ossl = 0, rss;
    char *oargv[] = {"openssl", "crl", "-inform", "DER", "-noout", "-in", path, NULL};
    for (int i = 0; i < 3; i++) {
        if (spawn_timed(oargv, &t, &rss) != 0) {
            fprintf(stderr, "openssl crl failed\n");
            return 1;
        }
        printf("openssl crl -inform DER -noout   run %d: %.3f s, peak RSS %.0f MiB\n", i + 1, t,
               rss / 1024.0);
        if (t < best_ossl) best_ossl = t;
        if (rss > rss_ossl) rss_ossl = rss;
    }
    /* our import */
    double best_imp = 1e9;
    long rss_imp = 0;
    snprintf(store, sizeof store, "%s/store", dir);
    for (int i = 0; i < 3; i++) {
        if (import_timed(dir, store, ca, &t, &rss) != 0) return 1;
        printf("rk_crlstore_import               run %d: %.3f s, peak RSS %.0f MiB\n", i + 1, t,
               rss / 1024.0);
        if (t < best_imp) best_imp = t;
        if (rss > rss_imp) rss_imp = rss;
    }

    /* lookups: 100,000 serials, half on the CRL */
    rk_crlstore *s = NULL;
    if (rk_crlstore_open(&s, store) != 0) return 1;
    int fd = open(path, O_RDONLY);
    unsigned char *map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    rk_crlparse_info info;
    serials all = {malloc(n * 16), 0};
    if (rk_crlparse(&info, map, (size_t)sb.st_size) != 0 ||
        rk_crlparse_entries(&info, collect, &all, NULL) != 0)
        return 1;
    enum { Q = 100000 };
    double *lat = malloc(Q * sizeof *lat);
    unsigned char q[16];
    size_t wrong = 0;
    unsigned int seed = 12345;
    for (int i = 0; i < Q; i++) {
        int present = i % 2 == 0;
        if (present) {
            memcpy(q, all.s[(size_t)rand_r(&seed) % all.n], 16);
        } else {
            RAND_bytes(q, 16);
            q[0] = 0x80 | q[0]; /* never a positive 16-byte serial of the CRL */
        }
        int status, reason;
        double t0 = now_s();
        rk_crlstore_lookup_raw(&status, &reason, s, info.issuer, info.issuer_len, q, 16);
        lat[i] = now_s() - t0;
        if (present ? (status != RK_CRLSTORE_REVOKED && status != RK_CRLSTORE_HOLD)
                    : status != RK_CRLSTORE_GOOD)
            wrong++;
    }
    qsort(lat, Q, sizeof *lat, cmp_double);
    printf("\nopenssl crl -noout (best of 3):  %.3f s, peak RSS %.0f MiB\n", best_ossl,
           rss_ossl / 1024.0);
    printf("our import (best of 3):          %.3f s, peak RSS %.0f MiB\n", best_imp,
           rss_imp / 1024.0);
    printf("import / openssl:                %.3f (target <= 1.5)\n", best_imp / best_ossl);
    printf("lookups: %d (half present), p50 %.2f us, p99 %.2f us, max %.2f us (target p99 <= "
           "20 us); wrong answers: %zu\n",
           Q, lat[Q / 2] * 1e6, lat[Q * 99 / 100] * 1e6, lat[Q - 1] * 1e6, wrong);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("bench process peak RSS: %.0f MiB\n", ru.ru_maxrss / 1024.0);
    free(lat);
    free(all.s);
    munmap(map, (size_t)sb.st_size);
    rk_crlstore_free(s);
    X509_free(ca);
    (void)cnt;
    return wrong ? 1 : 0;
}
