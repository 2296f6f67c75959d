/*
 * Unit tests of sealing at rest: round trips of several sizes (across the
 * 64 KB step), every single altered byte refused, wrong key and wrong
 * context refused with nothing left in the output, the blind index against
 * a known HMAC-SHA256 answer, and the key file's creation and refusals
 * (missing, wrong size, too-wide permissions, symbolic link).
 */
#define _GNU_SOURCE /* memmem */
#include "test.h"

#include "util/err.h"
#include "util/seal.h"

#include <sys/stat.h>
#include <unistd.h>

static unsigned char key[32], other[32];

static void test_round_trip(void)
{
    size_t sizes[] = {0, 1, 15, 16, 17, 1000, 65535, 65536, 65537, 300000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        unsigned char *p = malloc(n + 1);
        for (size_t k = 0; k < n; k++)
            p[k] = (unsigned char)(k * 31 + n);
        rk_buf s, o;
        rk_buf_init(&s, n + RK_SEAL_OVERHEAD);
        rk_buf_init(&o, n);
        CHECK_INT(rk_seal(&s, key, p, n, "ctx"), 0);
        CHECK_INT(s.len, n + RK_SEAL_OVERHEAD);
        CHECK_INT((unsigned char)s.data[0], RK_SEAL_VERSION);
        /* the plaintext does not appear in the sealed bytes */
        if (n >= 16) CHECK(memmem(s.data, s.len, p, 16) == NULL);
        CHECK_INT(rk_unseal(&o, key, s.data, s.len, "ctx"), 0);
        CHECK_INT(o.len, n);
        CHECK(n == 0 || memcmp(o.data, p, n) == 0);
        rk_buf_free(&s);
        rk_buf_free(&o);
        free(p);
    }
    /* two seals of the same text differ (random nonce) */
    rk_buf a, b;
    rk_buf_init(&a, 100);
    rk_buf_init(&b, 100);
    CHECK_INT(rk_seal(&a, key, "11010519491231002X", 18, NULL), 0);
    CHECK_INT(rk_seal(&b, key, "11010519491231002X", 18, NULL), 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) != 0);
    /* appends after what the buffer held */
    rk_buf_reset(&b);
    rk_buf_puts(&b, "id=");
    CHECK_INT(rk_unseal(&b, key, a.data, a.len, ""), 0); /* NULL and "" are the same aad */
    CHECK_STR(b.data, "id=11010519491231002X");
    /* too small an output: refused, output untouched */
    rk_buf small;
    rk_buf_init(&small, 10);
    CHECK_INT(rk_seal(&small, key, "0123456789", 10, NULL), RK_ETOOBIG);
    CHECK_INT(small.len, 0);
    rk_buf_free(&small);
    rk_buf_free(&a);
    rk_buf_free(&b);
}

static void test_tamper(void)
{
    const char *text = "张三 11010519491231002X 13800138000";
    rk_buf s, o;
    rk_buf_init(&s, 200);
    rk_buf_init(&o, 200);
    CHECK_INT(rk_seal(&s, key, text, strlen(text), "order-idno"), 0);
    rk_buf_puts(&o, "keep");
    int accepted = 0, leaked = 0;
    for (size_t i = 0; i < s.len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            s.data[i] ^= (char)(1 << bit);
            int rc = rk_unseal(&o, key, s.data, s.len, "order-idno");
            if (rc == 0) accepted++;
            if (rc != 0 && (o.len != 4 || strcmp(o.data, "keep"))) leaked++;
            s.data[i] ^= (char)(1 << bit);
        }
    }
    CHECK_INT(accepted, 0);
    CHECK_INT(leaked, 0);
    CHECK_INT(rk_unseal(&o, other, s.data, s.len, "order-idno"), RK_ECRYPTO);
    CHECK(strstr(rk_err_msg(), "altered or the key is wrong"));
    CHECK_INT(rk_unseal(&o, key, s.data, s.len, "order-phone"), RK_ECRYPTO);
    CHECK_INT(rk_unseal(&o, key, s.data, s.len, NULL), RK_ECRYPTO);
    CHECK_INT(rk_unseal(&o, key, s.data, s.len - 1, "order-idno"), RK_ECRYPTO);
    CHECK_INT(rk_unseal(&o, key, s.data, RK_SEAL_OVERHEAD - 1, "order-idno"), RK_EFORMAT);
    s.data[0] = 2;
    CHECK_INT(rk_unseal(&o, key, s.data, s.len, "order-idno"), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "version"));
    CHECK_STR(o.data, "keep");
    rk_buf_free(&s);
    rk_buf_free(&o);
}

static void test_index(void)
{
    unsigned char k[32];
    for (int i = 0; i < 32; i++)
        k[i] = (unsigned char)i;
    char a[65], b[65];
    /* known answer: python3 hmac.new(bytes(range(32)),
     * b"idno\0" b"11010519491231002X", hashlib.sha256).hexdigest() */
    CHECK_INT(rk_seal_index(a, k, "idno", "11010519491231002X"), 0);
    CHECK_STR(a, "65a5075e69e92f3eceab9b6a45f66a933167c70b83dec03a95256d085b5d651d");
    CHECK_INT(rk_seal_index(b, k, "idno", "11010519491231002X"), 0);
    CHECK_STR(a, b);
    /* purpose separates: "idno"+"1..." is not "idno1"+"..." */
    CHECK_INT(rk_seal_index(b, k, "idno1", "1010519491231002X"), 0);
    CHECK(strcmp(a, b) != 0);
    CHECK_INT(rk_seal_index(b, k, "phone", "11010519491231002X"), 0);
    CHECK(strcmp(a, b) != 0);
    CHECK_INT(rk_seal_index(b, other, "idno", "11010519491231002X"), 0);
    CHECK(strcmp(a, b) != 0);
    CHECK_INT(strlen(b), 64);
}

static void test_key_file(void)
{
    char dir[4096], path[4200], link_path[4200];
    unsigned char k1[32], k2[32];
    rk_test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/data.key", dir);

    CHECK_INT(rk_seal_key_load(k1, path, 0), RK_ENOTFOUND);
    CHECK_INT(rk_seal_key_load(k1, path, 1), 0);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    CHECK_INT(st.st_size, 32);
    CHECK_INT(rk_seal_key_load(k2, path, 1), 0); /* read, not replaced */
    CHECK(memcmp(k1, k2, 32) == 0);
    unsigned char zero[32] = {0};
    CHECK(memcmp(k1, zero, 32) != 0);

    CHECK_INT(chmod(path, 0644), 0);
    CHECK_INT(rk_seal_key_load(k2, path, 1), RK_EPERM);
    CHECK(strstr(rk_err_msg(), "0644") && strstr(rk_err_msg(), "chmod 600"));
    CHECK_INT(chmod(path, 0600), 0);

    snprintf(link_path, sizeof link_path, "%s/link.key", dir);
    CHECK_INT(symlink(path, link_path), 0);
    CHECK_INT(rk_seal_key_load(k2, link_path, 0), RK_EPERM);

    FILE *f = fopen(path, "ab");
    fputc('x', f);
    fclose(f);
    CHECK_INT(rk_seal_key_load(k2, path, 1), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "33 bytes"));
    rk_test_rmtree(dir);
}

int main(void)
{
    for (int i = 0; i < 32; i++) {
        key[i] = (unsigned char)(i * 7 + 1);
        other[i] = (unsigned char)(i * 7 + 2);
    }
    test_round_trip();
    test_tamper();
    test_index();
    test_key_file();
    return rk_test_done();
}
