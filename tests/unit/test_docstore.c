/*
 * Unit tests of the document store: round trip, the address is the
 * plaintext's SHA-256, the file holds no plaintext, a second put of the same
 * content writes nothing, a damaged file is refused (RK_EVERIFY) and
 * repaired by the next put, a wrong key or a file copied to another address
 * is refused, a missing document is RK_ENOTFOUND, a malformed address
 * (path traversal) is RK_EINVAL, and the output limit holds.
 *
 * Crash safety (reasoning; the code is in docstore.c): the sealed bytes are
 * written to a temporary file and fsynced before rename() gives them their
 * address, and the directory is fsynced after. A crash before the rename
 * leaves only a ".tmp-*" file that no lookup can reach; a crash after it
 * leaves the complete file. Either way rk_docstore_get never sees half a
 * document, which test_no_temp_left checks from the outside.
 */
#define _GNU_SOURCE /* memmem */
#include "test.h"

#include "domain/docstore.h"
#include "util/err.h"

#include <dirent.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned char key[32], other[32];

static unsigned char *sample(size_t n)
{
    unsigned char *p = malloc(n);
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)((i * 131) ^ (i >> 8));
    memcpy(p, "ID CARD 11010519491231002X", 26);
    return p;
}

static size_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

static void test_round_trip(const char *dir)
{
    size_t n = 200000;
    unsigned char *doc = sample(n);
    char addr[65], path[4300];
    CHECK_INT(rk_docstore_put(dir, key, doc, n, addr), 0);

    unsigned char md[32];
    char want[65];
    SHA256(doc, n, md);
    for (int i = 0; i < 32; i++)
        snprintf(want + 2 * i, 3, "%02x", md[i]);
    CHECK_STR(addr, want);
    CHECK_INT(rk_docstore_exists(dir, addr), 1);
    CHECK_INT(rk_docstore_path(path, sizeof path, dir, addr), 0);
    CHECK_INT(file_size(path), n + 29);

    /* the file holds no plaintext */
    FILE *f = fopen(path, "rb");
    unsigned char *raw = malloc(n + 29);
    CHECK_INT(fread(raw, 1, n + 29, f), n + 29);
    fclose(f);
    CHECK(memmem(raw, n + 29, "11010519491231002X", 18) == NULL);
    free(raw);

    rk_buf out;
    rk_buf_init(&out, n);
    CHECK_INT(rk_docstore_get(&out, dir, key, addr), 0);
    CHECK_INT(out.len, n);
    CHECK(memcmp(out.data, doc, n) == 0);

    /* too small an output limit */
    rk_buf small;
    rk_buf_init(&small, n - 1);
    CHECK_INT(rk_docstore_get(&small, dir, key, addr), RK_ETOOBIG);
    CHECK_INT(small.len, 0);
    rk_buf_free(&small);
    rk_buf_free(&out);

    /* the empty document has an address too */
    CHECK_INT(rk_docstore_put(dir, key, (const unsigned char *)"", 0, addr), 0);
    CHECK_STR(addr, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    rk_buf_init(&out, 10);
    CHECK_INT(rk_docstore_get(&out, dir, key, addr), 0);
    CHECK_INT(out.len, 0);
    rk_buf_free(&out);
    free(doc);
}

static void test_idempotent(const char *dir)
{
    unsigned char *doc = sample(5000);
    char a1[65], a2[65], path[4300];
    struct stat s1, s2;
    CHECK_INT(rk_docstore_put(dir, key, doc, 5000, a1), 0);
    CHECK_INT(rk_docstore_path(path, sizeof path, dir, a1), 0);
    CHECK_INT(stat(path, &s1), 0);
    CHECK_INT(rk_docstore_put(dir, key, doc, 5000, a2), 0);
    CHECK_INT(stat(path, &s2), 0);
    CHECK_STR(a1, a2);
    CHECK(s1.st_ino == s2.st_ino); /* not rewritten */
    CHECK(s1.st_mtim.tv_sec == s2.st_mtim.tv_sec && s1.st_mtim.tv_nsec == s2.st_mtim.tv_nsec);
    free(doc);
}

static void test_tampered(const char *dir)
{
    unsigned char *doc = sample(3000);
    char addr[65], path[4300];
    CHECK_INT(rk_docstore_put(dir, key, doc, 3000, addr), 0);
    CHECK_INT(rk_docstore_path(path, sizeof path, dir, addr), 0);

    /* one byte changed in the middle of the file */
    FILE *f = fopen(path, "r+b");
    fseek(f, 1500, SEEK_SET);
    int c = fgetc(f);
    fseek(f, 1500, SEEK_SET);
    fputc(c ^ 0x01, f);
    fclose(f);
    rk_buf out;
    rk_buf_init(&out, 10000);
    CHECK_INT(rk_docstore_get(&out, dir, key, addr), RK_EVERIFY);
    CHECK(strstr(rk_err_msg(), addr) && strstr(rk_err_msg(), "altered"));
    CHECK_INT(out.len, 0);

    /* truncated (same size check fails): the next put repairs it */
    CHECK_INT(truncate(path, 100), 0);
    CHECK_INT(rk_docstore_get(&out, dir, key, addr), RK_EVERIFY);
    char again[65];
    CHECK_INT(rk_docstore_put(dir, key, doc, 3000, again), 0);
    CHECK_INT(rk_docstore_get(&out, dir, key, addr), 0);
    CHECK_INT(out.len, 3000);
    rk_buf_reset(&out);

    /* the wrong key */
    CHECK_INT(rk_docstore_get(&out, dir, other, addr), RK_EVERIFY);
    CHECK_INT(out.len, 0);

    /* a valid sealed file copied to another document's address */
    unsigned char *doc2 = sample(4000);
    char addr2[65], path2[4300], cmd[9000];
    CHECK_INT(rk_docstore_put(dir, key, doc2, 4000, addr2), 0);
    CHECK_INT(rk_docstore_path(path2, sizeof path2, dir, addr2), 0);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path2, path);
    CHECK_INT(system(cmd), 0);
    CHECK_INT(rk_docstore_get(&out, dir, key, addr), RK_EVERIFY);
    rk_buf_free(&out);
    free(doc);
    free(doc2);
}

static void test_bad_addresses(const char *dir)
{
    rk_buf out;
    rk_buf_init(&out, 100);
    CHECK_INT(rk_docstore_get(&out, dir, key,
                              "0000000000000000000000000000000000000000000000000000000000000000"),
              RK_ENOTFOUND);
    CHECK_INT(
        rk_docstore_exists(dir, "0000000000000000000000000000000000000000000000000000000000000000"),
        0);
    const char *bad[] = {"",
                         "../../etc/passwd",
                         "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
                         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
                         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8/."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(rk_docstore_get(&out, dir, key, bad[i]), RK_EINVAL);
        CHECK_INT(rk_docstore_exists(dir, bad[i]), RK_EINVAL);
    }
    CHECK_INT(rk_docstore_get(&out, dir, key, NULL), RK_EINVAL);
    rk_buf_free(&out);
}

/* No temporary file is left behind by successful puts, and every stored
 * file sits at the address of its own content. */
static void test_no_temp_left(const char *dir)
{
    int temps = 0, files = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char sub[4400];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        DIR *s = opendir(sub);
        struct dirent *f;
        while (s && (f = readdir(s))) {
            if (!strcmp(f->d_name, ".") || !strcmp(f->d_name, "..")) continue;
            if (!strncmp(f->d_name, ".tmp-", 5)) temps++;
            files++;
        }
        if (s) closedir(s);
    }
    if (d) closedir(d);
    CHECK_INT(temps, 0);
    CHECK(files >= 4);
}

int main(void)
{
    char dir[4096], store[4200];
    for (int i = 0; i < 32; i++) {
        key[i] = (unsigned char)(i * 5 + 3);
        other[i] = (unsigned char)(i * 5 + 4);
    }
    rk_test_tmpdir(dir, sizeof dir);
    snprintf(store, sizeof store, "%s/documents", dir); /* created by the first put */
    test_round_trip(store);
    test_idempotent(store);
    test_tampered(store);
    test_bad_addresses(store);
    test_no_temp_left(store);
    struct stat st;
    CHECK_INT(stat(store, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0700);
    rk_test_rmtree(dir);
    return rk_test_done();
}
