/*
 * The unit-test harness: CHECK macros that count and report failures with
 * file and line, a temporary-directory helper, and the closing summary line
 * "N passed, N failed" that CI reads. A test file defines main(), calls its
 * test functions and returns rk_test_done().
 */
#ifndef RK_TEST_H
#define RK_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rk_test_passed, rk_test_failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            rk_test_passed++;                                                                      \
        } else {                                                                                   \
            rk_test_failed++;                                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                      \
        if (va_ == vb_) {                                                                          \
            rk_test_passed++;                                                                      \
        } else {                                                                                   \
            rk_test_failed++;                                                                      \
            fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, va_,     \
                    vb_);                                                                          \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *sa_ = (a), *sb_ = (b);                                                         \
        if (sa_ && sb_ && !strcmp(sa_, sb_)) {                                                     \
            rk_test_passed++;                                                                      \
        } else {                                                                                   \
            rk_test_failed++;                                                                      \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a,      \
                    sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                                   \
        }                                                                                          \
    } while (0)

/* Creates a fresh directory under $TMPDIR (or /tmp) and returns its path in
 * out; exits the test on failure. */
static inline void rk_test_tmpdir(char *out, size_t n)
{
    const char *base = getenv("TMPDIR");
    snprintf(out, n, "%s/rktest.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(out)) {
        perror("mkdtemp");
        exit(2);
    }
}

/* Removes a directory tree made by rk_test_tmpdir. */
static inline void rk_test_rmtree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

static inline int rk_test_done(void)
{
    printf("%d passed, %d failed\n", rk_test_passed, rk_test_failed);
    return rk_test_failed ? 1 : 0;
}

#endif
