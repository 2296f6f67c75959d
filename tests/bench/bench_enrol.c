/*
 * Benchmark of a full enrolment (EC P-256) against the standard tools and
 * against the key's own PKCS#11 operations (issue 4's acceptance).
 *
 * Set-up (untimed, tests/bench/enrol_tools.sh): a branch in a private
 * folder with clerks, the demo sub-CA whose key is in the HSM token of the
 * demo keys' SoftHSM store, paid orders, and for the tools a software
 * sub-CA (EC P-256 key in a file, certificate from the same demo root) and
 * a SoftHSM store of their own.
 *
 * Part 1, whole processes, ROUNDS times each, interleaved:
 *  - the project as a counter runs it: `ractl key init blank --pin-stdin`
 *    then `ractl key enrol REF --key SERIAL` (keygen, CSR on the key,
 *    certificate signed by the sub-CA in the HSM, write, read back, verify,
 *    order issued, all journaled), once with the demo's module (p11lock over
 *    SoftHSM2) and once with plain SoftHSM2;
 *  - the same steps with the standard tools on plain SoftHSM2:
 *    softhsm2-util --init-token, pkcs11-tool --keypairgen EC:prime256v1,
 *    openssl req -engine pkcs11, openssl x509 -req (CA key in a FILE: the
 *    tools cannot use the HSM token's key easily, and a software signature
 *    is cheaper than one in the HSM, so this favours the tools),
 *    pkcs11-tool --write-object; then, as extra steps the project also
 *    makes, pkcs11-tool --read-object + openssl verify.
 *  Every command is spawned directly (posix_spawn), so no shell is timed.
 *  Keys are deleted after each round (untimed) to keep the stores small.
 *
 * Part 2, in long-running processes (one forked child per module, so the
 * modules never share a process): rk_token_init + rk_enrol_run with the
 * project's layers, timed by phase (issuer calls are wrapped, progress
 * callbacks mark keygen and the certificate write); in the SoftHSM child,
 * interleaved, the raw PKCS#11 calls the key itself needs: C_InitToken,
 * the SO PIN change (SoftHSM gives a serial only at init, as the layer
 * sees it) and C_InitPIN in that SO login, C_Login, C_GenerateKeyPair,
 * C_CreateObject of the certificate; and also C_Sign (the CSR) and the read-back for reference;
 * the layer and the raw calls take turns going first. Also interleaved
 * there: the standard tools of part 1 again, so that the 4x ratio compares
 * rounds made under the same conditions (this VM's speed drifts by 10-20 %
 * between parts).
 *
 * With the tools' ratio it prints its ceiling: the tools against the raw
 * calls alone (with the CSR's signature, in rounds made beside the tools),
 * what a layer costing nothing would reach; it falls when the VM slows
 * SoftHSM's file calls, which the tools pay too.
 *
 * Prints medians and ratios only. Usage: bench_enrol [ROUNDS] (default 40:
 * one SoftHSM operation varies by about 10 % from round to round on the
 * 2-core VM, so the median of 20 rounds moved a ratio by up to 0.05 from
 * run to run).
 * Environment: RK_BUILD_DIR, RK_SOURCE_DIR (default: from the binary's
 * place, build/tests/bench_enrol); RK_BENCH_PART=2 runs part 2 only.
 */
#include "ca/enrol.h"
#include "ca/profiles.h"
#include "ca/subca.h"
#include "ca/subca_issuer.h"
#include "conf/conf.h"
#include "db/db.h"
#include "domain/clerk.h"
#include "domain/ledger.h"
#include "token/token.h"
#include "util/err.h"

#include "benchlib.h"

#include <p11-kit/pkcs11.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"
#define PIN     "12345678"
#define SO_PIN  "1234567890123456"
#define PATHN   4300

static char g_dir[PATHN], g_src[PATHN], g_build[PATHN], g_ractl[PATHN], g_script[PATHN];
static char g_p11lock[PATHN], g_errlog[PATHN];
static int g_rounds = 40;
static double g_tools5, g_tools7; /* part 1's medians, for part 2's ratios */

/* Median of n values (sorts a copy). */
static void die(const char *what)
{
    fprintf(stderr, "bench_enrol: %s: %s\n", what, rk_err_msg());
    exit(1);
}

/* Runs argv (PATH searched) with in on stdin, its stdout into out (if
 * given), stderr into g_errlog; exits on failure with the error shown. */
static void run(char *out, size_t outn, const char *in, char *const argv[])
{
    int pin[2] = {-1, -1}, pout[2] = {-1, -1}, st;
    posix_spawn_file_actions_t fa;
    pid_t pid;

    if (pipe(pin) || pipe(pout)) exit(1);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
    posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, g_errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addclose(&fa, pin[1]);
    posix_spawn_file_actions_addclose(&fa, pout[0]);
    if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
        fprintf(stderr, "bench_enrol: cannot run %s\n", argv[0]);
        exit(1);
    }
    posix_spawn_file_actions_destroy(&fa);
    close(pin[0]);
    close(pout[1]);
    if (in && write(pin[1], in, strlen(in)) < 0) exit(1);
    close(pin[1]);
    size_t got = 0;
    char sink[4096];
    for (;;) {
        char *dst = out && got + 1 < outn ? out + got : sink;
        size_t room = out && got + 1 < outn ? outn - got - 1 : sizeof sink;
        ssize_t r = read(pout[0], dst, room);
        if (r <= 0) break;
        if (dst != sink) got += (size_t)r;
    }
    if (out) out[got] = '\0';
    close(pout[0]);
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char line[512];
        fprintf(stderr, "bench_enrol: %s failed (status %d):\n", argv[0], st);
        FILE *f = fopen(g_errlog, "r");
        while (f && fgets(line, sizeof line, f))
            fputs(line, stderr);
        if (f) fclose(f);
        exit(1);
    }
}

static void path_of(char *out, const char *a, const char *b)
{
    snprintf(out, PATHN, "%s/%s", a, b);
}

/* ---- part 1: whole processes ------------------------------------------ */

static void use_module(const char *m)
{
    char conf[PATHN];
    setenv("RAKIOSK_TOKEN_MODULE", m, 1);
    setenv("RAKIOSK_HSM_MODULE", m, 1);
    path_of(conf, g_dir, "data/softkeys/softhsm2.conf");
    setenv("SOFTHSM2_CONF", conf, 1);
}

static void delete_token(const char *serial)
{
    char *argv[] = {"softhsm2-util", "--delete-token", "--serial", (char *)serial, NULL};
    run(NULL, 0, NULL, argv);
}

/* ractl key init + ractl key enrol; t[0] init, t[1] enrol. */
static void ractl_round(double *t, const char *module, const char *ref, int n)
{
    char out[4096], label[32], serial[64];
    snprintf(label, sizeof label, "Bench %d", n);
    use_module(module);
    char *init[] = {g_ractl,   "--json", "key",         "init", "blank",
                    "--label", label,    "--pin-stdin", NULL};
    char *enrol[] = {g_ractl, "key", "enrol", (char *)ref, "--key", serial, NULL};
    double a = rk_bench_now_ms();
    run(out, sizeof out, PIN "\n", init);
    double b = rk_bench_now_ms();
    const char *s = strstr(out, "\"serial\":\"");
    if (!s || sscanf(s + 10, "%63[^\"]", serial) != 1) {
        fprintf(stderr, "bench_enrol: no serial in %s\n", out);
        exit(1);
    }
    /* The order's authorisation code (kept by enrol_tools.sh), then the PIN. */
    char codefile[PATHN], typed[128] = "";
    snprintf(codefile, sizeof codefile, "%s/code.%s", g_dir, ref);
    FILE *cf = fopen(codefile, "r");
    if (!cf || !fgets(typed, 64, cf)) {
        fprintf(stderr, "bench_enrol: no authorisation code in %s\n", codefile);
        exit(1);
    }
    fclose(cf);
    strcat(typed, PIN "\n");
    run(NULL, 0, typed, enrol);
    double c = rk_bench_now_ms();
    delete_token(serial);
    t[0] = b - a;
    t[1] = c - b;
}

enum { T_INIT, T_KEYGEN, T_REQ, T_SIGN, T_WRITE, T_READ, T_VERIFY, NTOOLS };
static const char *TOOL[NTOOLS] = {"softhsm2-util --init-token",
                                   "pkcs11-tool --keypairgen",
                                   "openssl req -engine pkcs11",
                                   "openssl x509 -req (CA file)",
                                   "pkcs11-tool --write-object",
                                   "pkcs11-tool --read-object",
                                   "openssl verify"};

static void tools_round(double *t, int n)
{
    char conf[PATHN], label[32], uri[256], subj[64], serial[40], req[PATHN], der[PATHN];
    char back[PATHN], cakey[PATHN], cacert[PATHN], ext[PATHN], root[PATHN];
    unsigned char r[16];
    snprintf(label, sizeof label, "tools%d", n);
    snprintf(uri, sizeof uri, "pkcs11:token=%s;object=k;type=private;pin-value=" PIN, label);
    snprintf(subj, sizeof subj, "/C=CN/CN=Bench %d", n);
    RAND_bytes(r, sizeof r);
    r[0] = (unsigned char)((r[0] & 0x7f) | 0x10);
    strcpy(serial, "0x");
    for (int i = 0; i < 16; i++)
        sprintf(serial + 2 + 2 * i, "%02x", r[i]);
    path_of(conf, g_dir, "tools/softhsm2.conf");
    path_of(req, g_dir, "tools/req.pem");
    path_of(der, g_dir, "tools/cert.der");
    path_of(back, g_dir, "tools/back.der");
    path_of(cakey, g_dir, "tools/subca.key");
    path_of(cacert, g_dir, "tools/subca.pem");
    path_of(ext, g_dir, "tools/cert.ext");
    path_of(root, g_dir, "data/ca/root.pem");
    setenv("SOFTHSM2_CONF", conf, 1);
    setenv("PKCS11_MODULE_PATH", SOFTHSM, 1);

    char *c0[] = {"softhsm2-util", "--init-token", "--free", "--label", label,
                  "--so-pin",      SO_PIN,         "--pin",  PIN,       NULL};
    char *c1[] = {"pkcs11-tool",
                  "--module",
                  SOFTHSM,
                  "--token-label",
                  label,
                  "--login",
                  "--pin",
                  PIN,
                  "--keypairgen",
                  "--key-type",
                  "EC:prime256v1",
                  "--id",
                  "01",
                  "--label",
                  "k",
                  NULL};
    char *c2[] = {"openssl", "req", "-new",  "-engine", "pkcs11", "-keyform", "engine",
                  "-key",    uri,   "-subj", subj,      "-out",   req,        NULL};
    char *c3[] = {"openssl",  "x509", "-req",        "-in",  req,     "-CA", cacert,
                  "-CAkey",   cakey,  "-set_serial", serial, "-days", "365", "-sha256",
                  "-extfile", ext,    "-outform",    "DER",  "-out",  der,   NULL};
    char *c4[] = {"pkcs11-tool",
                  "--module",
                  SOFTHSM,
                  "--token-label",
                  label,
                  "--login",
                  "--pin",
                  PIN,
                  "--write-object",
                  der,
                  "--type",
                  "cert",
                  "--id",
                  "01",
                  "--label",
                  "k",
                  NULL};
    char *c5[] = {"pkcs11-tool", "--module",
                  SOFTHSM,       "--token-label",
                  label,         "--read-object",
                  "--type",      "cert",
                  "--id",        "01",
                  "-o",          back,
                  NULL};
    char *c6[] = {"openssl", "verify", "-CAfile", root, "-untrusted", cacert, back, NULL};
    char *const *cmds[NTOOLS] = {c0, c1, c2, c3, c4, c5, c6};
    for (int i = 0; i < NTOOLS; i++) {
        double a = rk_bench_now_ms();
        run(NULL, 0, NULL, cmds[i]);
        t[i] = rk_bench_now_ms() - a;
    }
    char *del[] = {"softhsm2-util", "--delete-token", "--token", label, NULL};
    run(NULL, 0, NULL, del);
    unsetenv("PKCS11_MODULE_PATH");
}

static char **make_orders(int n)
{
    char *out = malloc((size_t)n * 40 + 64);
    char **refs = calloc((size_t)n, sizeof *refs), num[16];
    snprintf(num, sizeof num, "%d", n);
    char *argv[] = {"bash", g_script, "orders", g_dir, num, NULL};
    if (!out || !refs) exit(1);
    run(out, (size_t)n * 40 + 64, NULL, argv);
    char *save = NULL, *tok = strtok_r(out, "\n", &save);
    for (int i = 0; i < n; i++, tok = strtok_r(NULL, "\n", &save)) {
        if (!tok) {
            fprintf(stderr, "bench_enrol: too few orders\n");
            exit(1);
        }
        refs[i] = strdup(tok);
    }
    free(out);
    return refs;
}

static void part1(char **refs_lock, char **refs_soft)
{
    int n = g_rounds;
    double *li = calloc((size_t)n, sizeof(double)), *le = calloc((size_t)n, sizeof(double));
    double *si = calloc((size_t)n, sizeof(double)), *se = calloc((size_t)n, sizeof(double));
    double *lt = calloc((size_t)n, sizeof(double)), *st = calloc((size_t)n, sizeof(double));
    double *tt = calloc((size_t)n * NTOOLS, sizeof(double));
    double *t5 = calloc((size_t)n, sizeof(double)), *t7 = calloc((size_t)n, sizeof(double));
    double *ph = calloc((size_t)n, sizeof(double)), *pl = calloc((size_t)n, sizeof(double));
    char module[PATHN];
    snprintf(module, sizeof module, "%s", g_p11lock);
    for (int r = 0; r < n; r++) {
        double x[2], y[NTOOLS];
        ractl_round(x, module, refs_lock[r], 1000 + r);
        li[r] = x[0];
        le[r] = x[1];
        lt[r] = x[0] + x[1];
        ractl_round(x, SOFTHSM, refs_soft[r], 2000 + r);
        si[r] = x[0];
        se[r] = x[1];
        st[r] = x[0] + x[1];
        tools_round(y, r);
        /* Floors of a ractl process: start alone, and start + module + keys. */
        char *help[] = {g_ractl, "--help", NULL},
             *list[] = {g_ractl, "--json", "key", "list", NULL};
        use_module(module);
        double a = rk_bench_now_ms();
        run(NULL, 0, NULL, help);
        double b = rk_bench_now_ms();
        run(NULL, 0, NULL, list);
        ph[r] = b - a;
        pl[r] = rk_bench_now_ms() - b;
        t5[r] = t7[r] = 0;
        for (int i = 0; i < NTOOLS; i++) {
            tt[i * n + r] = y[i];
            if (i <= T_WRITE) t5[r] += y[i];
            t7[r] += y[i];
        }
    }
    printf("\n== 1. Whole-process enrolment, EC P-256: median ms over %d rounds ==\n", n);
    printf("%-40s %10s %10s\n", "project (ractl, as a counter runs it)", "p11lock", "SoftHSM2");
    printf("%-40s %10.1f %10.1f\n", "ractl key init (init, SO + user PIN)", rk_bench_median(li, n),
           rk_bench_median(si, n));
    printf("%-40s %10.1f %10.1f\n", "ractl key enrol (journaled, verified)", rk_bench_median(le, n),
           rk_bench_median(se, n));
    printf("%-40s %10.1f %10.1f\n", "total", rk_bench_median(lt, n), rk_bench_median(st, n));
    printf("%-40s %10.1f\n", "  for scale: ractl --help (process start)", rk_bench_median(ph, n));
    printf("%-40s %10.1f\n", "  for scale: ractl key list (+ module)", rk_bench_median(pl, n));
    printf("standard tools on SoftHSM2 (CA key in a file):\n");
    for (int i = 0; i < NTOOLS; i++)
        printf("  %-38s %10.1f%s\n", TOOL[i], rk_bench_median(tt + i * n, n),
               i > T_WRITE ? "   (extra: the project reads back and verifies too)" : "");
    double m5 = rk_bench_median(t5, n), m7 = rk_bench_median(t7, n);
    g_tools5 = m5;
    g_tools7 = m7;
    printf("%-40s %10.1f\n", "tools total, the issue's 5 steps", m5);
    printf("%-40s %10.1f\n", "tools total + read back + verify", m7);
    printf("ratio tools / ractl processes (part 2 has the long-running process):\n");
    printf("  %-38s %10.2f %10.2f\n", "issue's 5 steps vs project", m5 / rk_bench_median(lt, n),
           m5 / rk_bench_median(st, n));
    printf("  %-38s %10.2f %10.2f\n", "same work (+ read back, verify)",
           m7 / rk_bench_median(lt, n), m7 / rk_bench_median(st, n));
    free(li), free(le), free(si), free(se), free(lt), free(st), free(tt), free(t5), free(t7);
    free(ph), free(pl);
}

/* ---- part 2: in a long-running process --------------------------------- */

/* Marks one enrolment's timeline: progress callbacks and wrapped issuer
 * calls record when each phase starts and ends. */
enum { E_START, E_KG0, E_KG1, E_ISSUE0, E_ISSUE1, E_WR0, E_WR1, E_END, NEV };
typedef struct timeline {
    double t[NEV];
    const rk_issuer *inner;
    X509 *issued; /* a copy of the first certificate issued (for the raw rounds) */
} timeline;

static int on_progress(void *arg, const rk_progress *p)
{
    timeline *tl = arg;
    const char *step = p->text;
    if (!strcmp(step, "generating the key pair on the key")) tl->t[E_KG0] = rk_bench_now_ms();
    if (!strcmp(step, "key pair generated")) tl->t[E_KG1] = rk_bench_now_ms();
    if (!strcmp(step, "writing the certificate")) tl->t[E_WR0] = rk_bench_now_ms();
    if (!strcmp(step, "certificate written")) tl->t[E_WR1] = rk_bench_now_ms();
    return 0;
}

static int w_issue(void *arg, X509 **out, X509_REQ *csr, const char *profile, const rk_order *o)
{
    timeline *tl = arg;
    tl->t[E_ISSUE0] = rk_bench_now_ms();
    int rc = tl->inner->issue(tl->inner->arg, out, csr, profile, o);
    tl->t[E_ISSUE1] = rk_bench_now_ms();
    if (rc == 0 && !tl->issued) tl->issued = X509_dup(*out); /* once: not timed again */
    return rc;
}

static int w_find(void *arg, X509 **out, EVP_PKEY *pub, int64_t since)
{
    timeline *tl = arg;
    return tl->inner->find(tl->inner->arg, out, pub, since);
}

static int w_revoke(void *arg, const char *serial)
{
    timeline *tl = arg;
    return tl->inner->revoke(tl->inner->arg, serial);
}

static int w_rerecord(void *arg, X509 *cert)
{
    timeline *tl = arg;
    return tl->inner->rerecord(tl->inner->arg, cert);
}

enum { L_INIT, L_START, L_KEYGEN, L_CSR, L_ISSUE, L_PREWRITE, L_WRITE, L_VERIFY, NLAY };
static const char *LAY[NLAY] = {
    "rk_token_init (init, SO + user PIN)",
    "order checks, lock, journal, open+login",
    "keygen on the key",
    "journal, public key, CSR signed on the key",
    "sub-CA: build, C_Sign in HSM, record",
    "journal, sweep, read, check vs key",
    "certificate object write",
    "journal, read back, chain, commit",
};

static void read_line(char *out, size_t n, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f || !fgets(out, (int)n, f)) {
        fprintf(stderr, "bench_enrol: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
}

/* One long-running process enrolling ROUNDS keys through the layers with
 * module; with_raw: interleaved raw PKCS#11 rounds on the same module. */
static void part2_child(const char *module, const char *name, char **refs, int with_raw)
{
    int n = g_rounds;
    rk_conf *conf;
    rk_db *db;
    rk_ledger *l;
    rk_actor actor;
    rk_token_ctx *ctx;
    rk_subca *ca;
    rk_profiles *profiles;
    rk_subca_issuer si;
    char path[PATHN], token[256], hsm_pin[64];
    unsigned char secret[32];

    use_module(module);
    if (rk_conf_load(&conf, NULL)) die("conf");
    if (rk_db_open(&db, conf->database, 0) || rk_ledger_open(&l, db, conf)) die("ledger");
    path_of(path, g_dir, "session.lily");
    read_line(token, sizeof token, path);
    if (rk_clerk_session(db, token, &actor)) die("session");
    path_of(path, g_dir, "data/hsm.pin");
    read_line(hsm_pin, sizeof hsm_pin, path);
    path_of(path, g_dir, "data/branch.secret");
    FILE *f = fopen(path, "rb");
    if (!f || fread(secret, 1, sizeof secret, f) != sizeof secret) die("branch secret");
    fclose(f);
    double t0 = rk_bench_now_ms();
    if (rk_token_ctx_new(&ctx, module)) die("token module");
    rk_token_ctx_set_conf(ctx, conf);
    double t1 = rk_bench_now_ms();
    path_of(path, g_dir, "data/ca");
    if (rk_subca_open(&ca, path, module, NULL, hsm_pin)) die("sub-CA");
    if (rk_profiles_load(&profiles, conf->profiles) || rk_subca_issuer_init(&si, ca, profiles))
        die("issuer");
    double t2 = rk_bench_now_ms();
    CK_FUNCTION_LIST *fl = NULL;
    if (with_raw) {
        void *dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
        CK_C_GetFunctionList get = dl ? (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList") : 0;
        if (!get || get(&fl) != CKR_OK) die("function list");
        CK_RV rv = fl->C_Initialize(NULL);
        if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) die("C_Initialize");
    }

    timeline tl;
    memset(&tl, 0, sizeof tl);
    tl.inner = &si.ops;
    rk_issuer wrap = {&tl, w_issue, w_find, w_revoke, si.ops.chain, w_rerecord};
    double *lay = calloc((size_t)n * NLAY, sizeof(double)), *lt = calloc((size_t)n, sizeof(double));
    double *raw = calloc((size_t)n * RK_RAW_N, sizeof(double));
    double *r4 = calloc((size_t)n, sizeof(double)), *r6 = calloc((size_t)n, sizeof(double));
    double *rt5 = calloc((size_t)n, sizeof(double));
    double *com = calloc((size_t)n * 2, sizeof(double));
    double *tl5 = calloc((size_t)n, sizeof(double)), *tl7 = calloc((size_t)n, sizeof(double));
    X509 *cert = NULL;
    /* Phase 0: the layer against the raw calls, taking turns going first.
     * Phase 1 (plain SoftHSM only): the layer against the standard tools,
     * on orders of their own, with raw rounds beside them for the tools'
     * ceiling; apart because the tools' processes disturb whatever follows
     * them. */
    double *lt2 = calloc((size_t)n, sizeof(double));
    for (int phase = 0; phase < (with_raw ? 2 : 1); phase++)
        for (int r = 0; r < n; r++) {
            for (int pass = 0; pass < 2; pass++) {
                if ((pass == 0) == (r % 2 == 1)) {
                    if (!with_raw) continue;
                    double y[RK_RAW_N];
                    X509 *c = cert;
                    if (!c) die("no certificate for the raw rounds");
                    char rs[17];
                    char rl[8];
                    snprintf(rl, sizeof rl, "raw %c", 'A' + r % 26);
                    rk_bench_raw_round(y, rs, fl, c, rl);
                    delete_token(rs);
                    double k4 =
                        y[RK_RAW_INIT] + y[RK_RAW_LOGIN] + y[RK_RAW_KEYGEN] + y[RK_RAW_WRITE];
                    if (phase == 1) { /* beside the tools: for their ceiling */
                        rt5[r] = k4 + y[RK_RAW_SIGN];
                        continue;
                    }
                    r4[r] = k4;
                    r6[r] = r4[r] + y[RK_RAW_SIGN] + y[RK_RAW_READ];
                    for (int i = 0; i < RK_RAW_N; i++)
                        raw[i * n + r] = y[i];
                    continue;
                }
                char serial[RK_TOKEN_SERIAL_MAX], label[32];
                rk_enrol_result res;
                snprintf(label, sizeof label, "Layer %d", r);
                rk_token_init_opts io = {label, secret, sizeof secret, PIN, NULL, NULL};
                rk_enrol_opts eo = {.order_ref = refs[phase * n + r],
                                    .key_serial = serial,
                                    .pin = PIN,
                                    .progress = on_progress,
                                    .progress_arg = &tl};
                memset(tl.t, 0, sizeof tl.t);
                double a = rk_bench_now_ms();
                if (rk_token_init(serial, NULL, ctx, "blank", &io)) die("rk_token_init");
                tl.t[E_START] = rk_bench_now_ms();
                if (rk_enrol_run(l, &actor, ctx, &wrap, &eo, &res)) die("rk_enrol_run");
                tl.t[E_END] = rk_bench_now_ms();
                double *t = tl.t, x[NLAY] = {t[E_START] - a,
                                             t[E_KG0] - t[E_START],
                                             t[E_KG1] - t[E_KG0],
                                             t[E_ISSUE0] - t[E_KG1],
                                             t[E_ISSUE1] - t[E_ISSUE0],
                                             t[E_WR0] - t[E_ISSUE1],
                                             t[E_WR1] - t[E_WR0],
                                             t[E_END] - t[E_WR1]};
                if (phase == 1) {
                    lt2[r] = t[E_END] - a;
                } else {
                    for (int i = 0; i < NLAY; i++)
                        lay[i * n + r] = x[i];
                    lt[r] = t[E_END] - a;
                }
                cert = tl.issued; /* raw rounds write one as big */
                /* The subscriber takes the key away: its token is deleted, with
                 * either module. (p11lock's pull would only hide it: SoftHSM
                 * below, and the plain SoftHSM child after this one, which
                 * shares the store, would go on reading every key ever made
                 * at each slot enumeration, which the tools' own store spares
                 * them.) */
                delete_token(serial);
            }
            if (phase == 1) {
                /* The standard tools again, interleaved, so that the 4x ratio
                 * compares rounds made under the same conditions (this VM's
                 * speed drifts between part 1 and part 2). */
                double tt[NTOOLS];
                char keep[PATHN];
                snprintf(keep, sizeof keep, "%s", getenv("SOFTHSM2_CONF"));
                tools_round(tt, 1000 + r);
                setenv("SOFTHSM2_CONF", keep, 1);
                tl5[r] = tl7[r] = 0;
                for (int i = 0; i < NTOOLS; i++) {
                    if (i <= T_WRITE) tl5[r] += tt[i];
                    tl7[r] += tt[i];
                }
            }
            /* One small journal-like transaction on the ledger database, as
             * the journal's marks commit and as the issuing one does. */
            for (int full = 0; full < 2; full++) {
                double ca0 = rk_bench_now_ms();
                if (rk_db_set_durable(db, full) ||
                    rk_db_exec(db, "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS bench_probe(x); "
                                   "INSERT INTO bench_probe VALUES (1); COMMIT"))
                    die("probe");
                com[full * n + r] = rk_bench_now_ms() - ca0;
            }
        }
    printf("\n== 2. In one long-running process, %s: ms over %d rounds ==\n", name, n);
    printf("module load: token layer %.1f ms, sub-CA + profiles %.1f ms (once)\n", t1 - t0,
           t2 - t1);
    printf("%-44s %8s %8s\n", "layer phase (rk_token_init + rk_enrol_run)", "median", "min");
    for (int i = 0; i < NLAY; i++)
        printf("  %-42s %8.2f %8.2f\n", LAY[i], rk_bench_median(lay + i * n, n),
               rk_bench_minimum(lay + i * n, n));
    double ml = rk_bench_median(lt, n), nl = rk_bench_minimum(lt, n);
    printf("  %-42s %8.2f %8.2f\n", "enrolment total (init + enrol)", ml, nl);
    if (with_raw) {
        double *q5 = calloc((size_t)n, sizeof(double)), *q7 = calloc((size_t)n, sizeof(double));
        for (int r = 0; r < n; r++) {
            q5[r] = tl5[r] / lt2[r];
            q7[r] = tl7[r] / lt2[r];
        }
        printf("layer rounds interleaved with the standard tools: %.1f ms; the tools: 5 steps "
               "%.1f ms, + read back and verify %.1f ms\n",
               rk_bench_median(lt2, n), rk_bench_median(tl5, n), rk_bench_median(tl7, n));
        printf("ratio tools / this enrolment, target >= 4.0:  medians   median per round\n");
        double m2 = rk_bench_median(lt2, n);
        printf("  %-42s %8.2f %8.2f\n", "the issue's 5 steps", rk_bench_median(tl5, n) / m2,
               rk_bench_median(q5, n));
        printf("  %-42s %8.2f %8.2f\n", "same work (+ read back, verify)",
               rk_bench_median(tl7, n) / m2, rk_bench_median(q7, n));
        /* What a layer costing nothing above the key could reach: the
         * key's own operations with the CSR's signature, as the tools make
         * them too, plus their process starts; so when the VM makes
         * SoftHSM's file calls slow, this ceiling falls too. The raw rounds
         * for it are made beside the tools, in the same phase. */
        printf("  %-42s %8.2f\n", "ceiling: 5 steps / the raw calls (+ C_Sign)",
               rk_bench_median(tl5, n) / rk_bench_median(rt5, n));
        free(q5), free(q7);
    } else if (g_tools5 > 0) {
        printf("ratio tools (part 1) / this enrolment, for reference (p11lock keeps crash-safe "
               "files;\nthe 4x target is judged like for like, on plain SoftHSM2, below):\n");
        printf("  %-42s %8.2f\n", "the issue's 5 steps", g_tools5 / ml);
        printf("  %-42s %8.2f\n", "same work (+ read back, verify)", g_tools7 / ml);
    }
    printf("  %-42s %8.2f %8.2f  (WAL, synchronous=NORMAL)\n", "one journal-like transaction",
           rk_bench_median(com, n), rk_bench_minimum(com, n));
    printf("  %-42s %8.2f %8.2f  (WAL, synchronous=FULL)\n", "one durable transaction",
           rk_bench_median(com + n, n), rk_bench_minimum(com + n, n));
    printf("  %-42s %8.2f           (5 journal transactions + the order's)\n",
           "estimated ledger share", 5 * rk_bench_median(com, n) + rk_bench_median(com + n, n));
    if (with_raw) {
        printf("%-44s %8s %8s\n", "raw PKCS#11 on the same module, interleaved", "median", "min");
        for (int i = 0; i < RK_RAW_N; i++)
            printf("  %-42s %8.2f %8.2f\n", RK_RAW_STEP[i], rk_bench_median(raw + i * n, n),
                   rk_bench_minimum(raw + i * n, n));
        double m4 = rk_bench_median(r4, n), m6 = rk_bench_median(r6, n),
               n4 = rk_bench_minimum(r4, n), n6 = rk_bench_minimum(r6, n);
        printf("  %-42s %8.2f %8.2f\n", "raw: init, PINs, keygen, cert write", m4, n4);
        printf("  %-42s %8.2f %8.2f\n", "raw: + C_Sign (CSR) + read back", m6, n6);
        /* Also per round: each layer round against the raw round right
         * after it, which cancels this VM's slow drifts in disk speed. */
        double *q4 = calloc((size_t)n, sizeof(double)), *q6 = calloc((size_t)n, sizeof(double));
        for (int r = 0; r < n; r++) {
            q4[r] = lt[r] / r4[r];
            q6[r] = lt[r] / r6[r];
        }
        printf("ratio layer / raw, target <= 1.15:     medians      min   median per round\n");
        printf("  %-42s %8.2f %8.2f %8.2f\n", "vs the issue's key operations", ml / m4, nl / n4,
               rk_bench_median(q4, n));
        printf("  %-42s %8.2f %8.2f %8.2f\n", "vs all (+ CSR signature, read back)", ml / m6,
               nl / n6, rk_bench_median(q6, n));
        free(q4), free(q6);
        printf("overhead over the raw key operations (medians): %.2f ms, of which\n", ml - m4);
        double d[] = {
            rk_bench_median(lay + L_INIT * n, n) - rk_bench_median(raw + RK_RAW_INIT * n, n),
            rk_bench_median(lay + L_START * n, n) - rk_bench_median(raw + RK_RAW_LOGIN * n, n),
            rk_bench_median(lay + L_KEYGEN * n, n) - rk_bench_median(raw + RK_RAW_KEYGEN * n, n),
            rk_bench_median(lay + L_CSR * n, n),
            rk_bench_median(lay + L_ISSUE * n, n),
            rk_bench_median(lay + L_PREWRITE * n, n),
            rk_bench_median(lay + L_WRITE * n, n) - rk_bench_median(raw + RK_RAW_WRITE * n, n),
            rk_bench_median(lay + L_VERIFY * n, n)};
        const char *dn[] = {"init (layer - raw)",
                            "start incl. login (layer - raw login)",
                            "keygen (layer - raw)",
                            LAY[L_CSR],
                            LAY[L_ISSUE],
                            LAY[L_PREWRITE],
                            "cert write (layer - raw)",
                            LAY[L_VERIFY]};
        for (int i = 0; i < NLAY; i++)
            printf("  %-42s %8.2f\n", dn[i], d[i]);
    }
    fflush(stdout);
    X509_free(cert);
    free(lay), free(lt), free(raw), free(r4), free(r6), free(com), free(tl5), free(tl7), free(lt2);
    free(rt5);
    rk_subca_issuer_done(&si);
    rk_subca_free(ca);
    rk_profiles_free(profiles);
    rk_token_ctx_free(ctx);
    _exit(0);
}

static void in_child(const char *module, const char *name, char **refs, int with_raw)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) part2_child(module, name, refs, with_raw);
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
        fprintf(stderr, "bench_enrol: the %s child failed\n", name);
}

int main(int argc, char **argv)
{
    char self[PATHN], tmp[] = "/tmp/rkbenchenrol.XXXXXX";
    if (argc > 1) g_rounds = atoi(argv[1]);
    if (g_rounds < 1 || g_rounds > 200) g_rounds = 40;
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0) return 1;
    self[k] = '\0';
    const char *b = getenv("RK_BUILD_DIR"), *s = getenv("RK_SOURCE_DIR");
    if (b && *b)
        snprintf(g_build, sizeof g_build, "%s", b);
    else
        snprintf(g_build, sizeof g_build, "%s", dirname(dirname(self)));
    if (s && *s) {
        snprintf(g_src, sizeof g_src, "%s", s);
    } else {
        char cp[PATHN];
        snprintf(cp, sizeof cp, "%s", g_build);
        snprintf(g_src, sizeof g_src, "%s", dirname(cp));
    }
    if (!mkdtemp(tmp)) return 1;
    snprintf(g_dir, sizeof g_dir, "%s", tmp);
    path_of(g_ractl, g_build, "app/ctl/ractl");
    path_of(g_p11lock, g_build, "app/p11lock/rkp11lock.so");
    path_of(g_script, g_src, "tests/bench/enrol_tools.sh");
    path_of(g_errlog, g_dir, "stderr.log");
    setenv("RACTL", g_ractl, 1);
    setenv("RK_SOURCE_DIR", g_src, 1);
    setenv("RK_BUILD_DIR", g_build, 1);
    char conf[PATHN], data[PATHN], sess[PATHN];
    path_of(conf, g_src, "conf/kiosk.conf");
    path_of(data, g_dir, "data");
    path_of(sess, g_dir, "session.lily");
    setenv("RAKIOSK_CONF", conf, 1);
    setenv("RAKIOSK_DATA_DIR", data, 1);
    unsetenv("SOFTHSM2_CONF");
    unsetenv("RK_P11LOCK_STATE_DIR");
    unsetenv("RAKIOSK_HSM_PIN_FILE");
    unsetenv("RAKIOSK_NOW");
    use_module(g_p11lock);
    unsetenv("SOFTHSM2_CONF"); /* ractl ca init points SoftHSM at the demo keys itself */

    double a = rk_bench_now_ms();
    char *setup[] = {"bash", g_script, "setup", g_dir, NULL};
    run(NULL, 0, NULL, setup);
    int n = g_rounds;
    char **refs = make_orders(5 * n);
    setenv("RAKIOSK_SESSION", sess, 1);
    printf("bench_enrol: %d rounds, EC P-256, SoftHSM2 2.6 (%s), set-up %.1f s\n", n, g_dir,
           (rk_bench_now_ms() - a) / 1e3);
    fflush(stdout);

    /* RK_BENCH_PART=2 skips the whole-process part (for profiling part 2)
     * but for one untimed round, which makes the branch secret. */
    const char *part = getenv("RK_BENCH_PART");
    if (!part || strcmp(part, "2")) {
        part1(refs, refs + n);
    } else {
        double t[2];
        ractl_round(t, g_p11lock, refs[0], 0);
    }
    in_child(g_p11lock, "p11lock over SoftHSM2 (the demo's module)", refs + 2 * n, 0);
    in_child(SOFTHSM, "plain SoftHSM2 (like for like with raw calls)", refs + 3 * n, 1); /* 2n */

    for (int i = 0; i < 5 * n; i++)
        free(refs[i]);
    free(refs);
    char *rm[] = {"rm", "-rf", g_dir, NULL};
    path_of(g_errlog, "/tmp", "rkbenchenrol-rm.log");
    run(NULL, 0, NULL, rm);
    return 0;
}
