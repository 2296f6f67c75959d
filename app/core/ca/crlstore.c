/*
 * HQ's CRLs: import with signature and number checks, sorted fixed-width
 * index files, binary-search lookups (see crlstore.h).
 */
#include "crlstore.h"

#include "ca/crlparse.h"
#include "ca/subca.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define IDX_MAGIC    "RKCRLIX1"
#define IDX_HEADER   16
#define REC_SIZE     32
#define CRL_MAX_FILE ((size_t)1 << 30)
#define SM2_ID       "1234567812345678"

typedef struct rec {
    unsigned char serial[20];
    unsigned char reason;
    unsigned char pad[3];
    int64_t when;
} rec;
_Static_assert(sizeof(rec) == REC_SIZE, "index record is 32 bytes");

typedef struct held {
    rk_crlstore_info info;
    unsigned char issuer_der[1024];
    size_t issuer_len;
    unsigned char number[20];
    size_t number_len;
    char number_hex[41]; /* names the index and CRL files */
    char index[64];
    const unsigned char *map; /* the mapped index file */
    size_t map_len;
    uint64_t count;
} held;

struct rk_crlstore {
    char dir[4096];
    held h[RK_CRLSTORE_MAX_ISSUERS];
    rk_crlstore_info infos[RK_CRLSTORE_MAX_ISSUERS];
    int n;
};

/* The CRL number in decimal (up to 20 octets: 49 digits). */
static void number_dec(char *out, size_t n, const unsigned char *v, size_t len)
{
    BIGNUM *bn = BN_bin2bn(v, (int)len, NULL);
    char *d = bn ? BN_bn2dec(bn) : NULL;
    snprintf(out, n, "%s", d ? d : "?");
    OPENSSL_free(d);
    BN_free(bn);
}

static void issuer_id(char out[33], const unsigned char *der, size_t len)
{
    unsigned char md[32];
    EVP_Digest(der, len, md, NULL, EVP_sha256(), NULL);
    rk_hex_encode(out, md, 16, RK_HEX_LOWER);
}

static void unmap(held *h)
{
    if (h->map) munmap((void *)h->map, h->map_len);
    h->map = NULL;
}

static int map_index(held *h, const char *dir)
{
    char path[4200];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, h->index);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rk_err_set(RK_EIO, "cannot open the CRL index %s: %s", path, strerror(errno));
    if (fstat(fd, &sb) != 0 || (size_t)sb.st_size < IDX_HEADER) {
        close(fd);
        return rk_err_set(RK_EFORMAT, "the CRL index %s is damaged", path);
    }
    void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return rk_err_set(RK_EIO, "cannot map %s", path);
    uint64_t count;
    memcpy(&count, (char *)m + 8, 8);
    if (memcmp(m, IDX_MAGIC, 8) || IDX_HEADER + count * REC_SIZE != (uint64_t)sb.st_size) {
        munmap(m, (size_t)sb.st_size);
        return rk_err_set(RK_EFORMAT, "the CRL index %s is damaged", path);
    }
    unmap(h);
    h->map = m;
    h->map_len = (size_t)sb.st_size;
    h->count = count;
    return 0;
}

/* Reads <dir>/<name> (a .meta file) into h. */
static int read_meta(held *h, const char *dir, const char *name)
{
    char path[4400], line[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) return rk_err_set(RK_EIO, "cannot read %s: %s", path, strerror(errno));
    memset(h, 0, sizeof *h);
    int ok = 1;
    while (ok && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *eq = strchr(line, '=');
        if (!eq) continue;
        *eq = '\0';
        const char *k = line, *v = eq + 1;
        if (!strcmp(k, "issuer_id"))
            snprintf(h->info.issuer_id, sizeof h->info.issuer_id, "%s", v);
        else if (!strcmp(k, "issuer"))
            snprintf(h->info.issuer, sizeof h->info.issuer, "%s", v);
        else if (!strcmp(k, "issuer_der"))
            ok = !rk_hex_decode(h->issuer_der, sizeof h->issuer_der, &h->issuer_len, v, strlen(v));
        else if (!strcmp(k, "number")) {
            snprintf(h->number_hex, sizeof h->number_hex, "%s", v);
            ok = !rk_hex_decode(h->number, sizeof h->number, &h->number_len, v, strlen(v)) &&
                 h->number_len;
            if (ok) number_dec(h->info.number, sizeof h->info.number, h->number, h->number_len);
        } else if (!strcmp(k, "this_update"))
            h->info.this_update = strtoll(v, NULL, 10);
        else if (!strcmp(k, "next_update"))
            h->info.next_update = strtoll(v, NULL, 10);
        else if (!strcmp(k, "entries"))
            h->info.entries = strtoull(v, NULL, 10);
        else if (!strcmp(k, "sha256"))
            snprintf(h->info.sha256, sizeof h->info.sha256, "%s", v);
        else if (!strcmp(k, "index"))
            snprintf(h->index, sizeof h->index, "%s", v);
    }
    fclose(f);
    if (!ok || !h->issuer_len || !h->index[0] || strchr(h->index, '/'))
        return rk_err_set(RK_EFORMAT, "%s is damaged", path);
    return 0;
}

static void refresh_infos(rk_crlstore *s)
{
    for (int i = 0; i < s->n; i++)
        s->infos[i] = s->h[i].info;
}

int rk_crlstore_open(rk_crlstore **out, const char *dir)
{
    int rc = 0;
    *out = NULL;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return rk_err_set(RK_EIO, "cannot create %s: %s", dir, strerror(errno));
    rk_crlstore *s = calloc(1, sizeof *s);
    if (!s) return rk_err_oom();
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    DIR *d = opendir(dir);
    if (!d) {
        free(s);
        return rk_err_set(RK_EIO, "cannot read %s: %s", dir, strerror(errno));
    }
    struct dirent *e;
    while ((e = readdir(d)) && !rc) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".meta")) continue;
        if (s->n >= RK_CRLSTORE_MAX_ISSUERS) {
            rc = rk_err_set(RK_ETOOBIG, "more than %d CRL issuers", RK_CRLSTORE_MAX_ISSUERS);
            break;
        }
        held *h = &s->h[s->n];
        if ((rc = read_meta(h, dir, e->d_name)) || (rc = map_index(h, dir))) break;
        s->n++;
    }
    closedir(d);
    if (rc) {
        rk_crlstore_free(s);
        return rc;
    }
    refresh_infos(s);
    *out = s;
    return 0;
}

void rk_crlstore_free(rk_crlstore *s)
{
    if (!s) return;
    for (int i = 0; i < s->n; i++)
        unmap(&s->h[i]);
    free(s);
}

void rk_crlstore_list(const rk_crlstore_info **out, int *n, const rk_crlstore *s)
{
    *out = s->infos;
    *n = s->n;
}

/* ---- import -------------------------------------------------------------- */

typedef struct collect {
    rec *r;
    size_t n, cap;
    int sorted;
} collect;

static int on_entry(void *arg, const unsigned char *serial, size_t slen, int64_t when, int reason)
{
    collect *c = arg;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        rec *m = realloc(c->r, cap * sizeof *m);
        if (!m) return rk_err_oom();
        c->r = m;
        c->cap = cap;
    }
    rec *r = &c->r[c->n];
    memset(r, 0, sizeof *r);
    memcpy(r->serial + 20 - slen, serial, slen);
    r->reason = reason < 0 ? 0xff : (unsigned char)reason;
    r->when = when;
    if (c->n > 0 && c->sorted && memcmp(c->r[c->n - 1].serial, r->serial, 20) > 0) c->sorted = 0;
    c->n++;
    return 0;
}

static int cmp_rec(const void *a, const void *b)
{
    return memcmp(a, b, 20);
}

/* The message digest for a signature algorithm; *sm2 for SM2-with-SM3. */
static const EVP_MD *md_for(const rk_crlparse_info *info, int *sm2)
{
    const unsigned char *p = info->sigalg;
    X509_ALGOR *a = d2i_X509_ALGOR(NULL, &p, (long)info->sigalg_len);
    const EVP_MD *md = NULL;
    int mdnid, pknid;
    *sm2 = 0;
    if (!a) return NULL;
    int nid = OBJ_obj2nid(a->algorithm);
    X509_ALGOR_free(a);
    if (nid == NID_SM2_with_SM3) {
        *sm2 = 1;
        return EVP_sm3();
    }
    if (nid == NID_rsassaPss) return NULL; /* not used by HQ */
    if (OBJ_find_sigid_algs(nid, &mdnid, &pknid)) md = EVP_get_digestbynid(mdnid);
    return md;
}

static int verify_sig(const rk_crlparse_info *info, X509 *ca)
{
    int sm2, ok = 0;
    const EVP_MD *md = md_for(info, &sm2);
    EVP_PKEY *pub = X509_get0_pubkey(ca);
    if (!md) return rk_err_set(RK_EVERIFY, "the CRL's signature algorithm is not supported");
    if (!pub) return rk_err_set(RK_EVERIFY, "the CA certificate has no usable key");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    if (!ctx) return rk_err_oom();
    if (sm2) {
        if (!(pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL)) ||
            EVP_PKEY_CTX_set1_id(pctx, SM2_ID, strlen(SM2_ID)) <= 0)
            goto out;
        EVP_MD_CTX_set_pkey_ctx(ctx, pctx);
    }
    ok = EVP_DigestVerifyInit(ctx, NULL, md, NULL, pub) == 1 &&
         EVP_DigestVerify(ctx, info->sig, info->sig_len, info->tbs, info->tbs_len) == 1;
out:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_CTX_free(pctx);
    return ok ? 0
              : rk_err_set(RK_EVERIFY,
                           "the CRL's signature does not verify with the key of the trusted "
                           "certificate of that name (a forged or damaged CRL)");
}

/* rk_catrust_accept_fn: the CRL's signature verifies with the issuer's key. */
static int accept_signer(void *arg, X509 *ca)
{
    return verify_sig(arg, ca);
}

/* Writes data (one or two pieces) to dir/name atomically. */
static int write_atomic(const char *dir, const char *name, const void *a, size_t alen,
                        const void *b, size_t blen)
{
    char path[4200];
    rk_file_atomic *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = rk_file_atomic_open(&f, path, 0644);
    if (rc) return rc;
    rk_file_atomic_write(f, a, alen);
    if (b) rk_file_atomic_write(f, b, blen);
    return rk_file_atomic_commit(f);
}

int rk_crlstore_import(rk_crlstore_info *info_out, rk_crlstore *s, const char *path,
                       const rk_catrust *trust)
{
    rk_crlparse_info info;
    collect c = {NULL, 0, 0, 1};
    struct stat sb;
    unsigned char *map = NULL, md[32];
    size_t len = 0;
    X509 *ca = NULL;
    held nh, *old = NULL;
    char name[128], old_index[64] = "", old_crl[64] = "";
    int rc;

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rk_err_set(errno == ENOENT ? RK_ENOTFOUND : RK_EIO, "cannot read %s: %s", path,
                          strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return rk_err_set(RK_EIO, "%s is not a file", path);
    }
    len = (size_t)sb.st_size;
    if (len == 0 || len > CRL_MAX_FILE) {
        close(fd);
        return rk_err_set(len ? RK_ETOOBIG : RK_EFORMAT, "%s: %s", path,
                          len ? "larger than 1 GiB" : "empty file");
    }
    map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return rk_err_set(RK_EIO, "cannot map %s", path);
    madvise(map, len, MADV_SEQUENTIAL);

    if ((rc = rk_crlparse(&info, map, len))) {
        rk_err_wrap(rc, "%s", path);
        goto out;
    }
    if (info.issuer_len > sizeof nh.issuer_der) {
        rc = rk_err_set(RK_ETOOBIG, "%s: the issuer name is too long", path);
        goto out;
    }
    if (!info.number_len) {
        rc = rk_err_set(RK_EFORMAT, "%s: the CRL has no CRL number", path);
        goto out;
    }
    memset(&nh, 0, sizeof nh);
    issuer_id(nh.info.issuer_id, info.issuer, info.issuer_len);
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->h[i].info.issuer_id, nh.info.issuer_id)) old = &s->h[i];
    if ((rc = rk_catrust_find_issuer(&ca, trust, info.issuer, info.issuer_len, info.akid,
                                     info.akid_len, rk_clock_now(), accept_signer, &info))) {
        char why[1024];
        snprintf(why, sizeof why, "%s", rk_err_msg());
        if (old)
            rk_err_set(rc,
                       "%s: %s; refused: the CRL held for this issuer (number %s) stays in force",
                       path, why, old->info.number);
        else
            rk_err_set(rc, "%s: %s; refused, nothing imported", path, why);
        goto out;
    }
    if (old &&
        rk_crlparse_cmp_number(info.number, info.number_len, old->number, old->number_len) <= 0) {
        char ndec[50];
        number_dec(ndec, sizeof ndec, info.number, info.number_len);
        rc = rk_err_set(RK_ESTATE, "the CRL number %s is not newer than the one held (%s)", ndec,
                        old->info.number);
        goto out;
    }
    if (!old && s->n >= RK_CRLSTORE_MAX_ISSUERS) {
        rc = rk_err_set(RK_ETOOBIG, "more than %d CRL issuers", RK_CRLSTORE_MAX_ISSUERS);
        goto out;
    }
    if ((rc = rk_crlparse_entries(&info, on_entry, &c, NULL))) {
        rk_err_wrap(rc, "%s", path);
        goto out;
    }
    if (!c.sorted) qsort(c.r, c.n, sizeof *c.r, cmp_rec);

    /* New metadata. */
    memcpy(nh.issuer_der, info.issuer, info.issuer_len);
    nh.issuer_len = info.issuer_len;
    memcpy(nh.number, info.number, info.number_len);
    nh.number_len = info.number_len;
    rk_hex_encode(nh.number_hex, info.number, info.number_len, RK_HEX_LOWER);
    number_dec(nh.info.number, sizeof nh.info.number, info.number, info.number_len);
    {
        const unsigned char *p = info.issuer;
        X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)info.issuer_len);
        if (n) rk_subca_name_text(nh.info.issuer, sizeof nh.info.issuer, n);
        X509_NAME_free(n);
    }
    nh.info.this_update = info.this_update;
    nh.info.next_update = info.next_update;
    nh.info.entries = c.n;
    EVP_Digest(map, len, md, NULL, EVP_sha256(), NULL);
    rk_hex_encode(nh.info.sha256, md, 32, RK_HEX_LOWER);
    snprintf(nh.index, sizeof nh.index, "%s-%s.idx", nh.info.issuer_id, nh.number_hex);

    /* Index, CRL copy, then the metadata that makes them current. */
    unsigned char hdr[IDX_HEADER];
    uint64_t cnt = c.n;
    memcpy(hdr, IDX_MAGIC, 8);
    memcpy(hdr + 8, &cnt, 8);
    if ((rc = write_atomic(s->dir, nh.index, hdr, sizeof hdr, c.r, c.n * sizeof *c.r))) goto out;
    snprintf(name, sizeof name, "%s-%s.crl", nh.info.issuer_id, nh.number_hex);
    if ((rc = write_atomic(s->dir, name, map, len, NULL, 0))) goto out;
    {
        char meta[4096], derhex[2 * sizeof nh.issuer_der + 1];
        rk_hex_encode(derhex, nh.issuer_der, nh.issuer_len, RK_HEX_LOWER);
        int ml = snprintf(meta, sizeof meta,
                          "issuer_id=%s\nissuer=%s\nissuer_der=%s\nnumber=%s\nthis_update=%lld\n"
                          "next_update=%lld\nentries=%llu\nsha256=%s\nindex=%s\n",
                          nh.info.issuer_id, nh.info.issuer, derhex, nh.number_hex,
                          (long long)nh.info.this_update, (long long)nh.info.next_update,
                          (unsigned long long)nh.info.entries, nh.info.sha256, nh.index);
        snprintf(name, sizeof name, "%s.meta", nh.info.issuer_id);
        if (ml < 0 || (size_t)ml >= sizeof meta) {
            rc = rk_err_set(RK_ETOOBIG, "CRL metadata too long");
            goto out;
        }
        if ((rc = write_atomic(s->dir, name, meta, (size_t)ml, NULL, 0))) goto out;
    }
    if ((rc = map_index(&nh, s->dir))) goto out;
    if (old) {
        snprintf(old_index, sizeof old_index, "%s", old->index);
        snprintf(old_crl, sizeof old_crl, "%s-%s.crl", old->info.issuer_id, old->number_hex);
        unmap(old);
        *old = nh;
    } else {
        s->h[s->n++] = nh;
    }
    refresh_infos(s);
    if (old_index[0]) {
        char p[4300];
        snprintf(p, sizeof p, "%s/%s", s->dir, old_index);
        unlink(p);
        snprintf(p, sizeof p, "%s/%s", s->dir, old_crl);
        unlink(p);
    }
    if (info_out) *info_out = nh.info;
    rc = 0;
out:
    free(c.r);
    munmap(map, len);
    return rc;
}

/* ---- lookups ------------------------------------------------------------- */

/* The CRL held for issuer_der, or NULL. */
static const held *held_for(const rk_crlstore *s, const unsigned char *issuer_der,
                            size_t issuer_len)
{
    for (int i = 0; i < s->n; i++)
        if (s->h[i].issuer_len == issuer_len && !memcmp(s->h[i].issuer_der, issuer_der, issuer_len))
            return &s->h[i];
    return NULL;
}

/* The record of serial on h, or NULL when it is not listed. */
static const unsigned char *find_rec(const held *h, const unsigned char *serial, size_t serial_len)
{
    unsigned char key[20] = {0};
    memcpy(key + 20 - serial_len, serial, serial_len);
    const unsigned char *base = h->map + IDX_HEADER;
    size_t lo = 0, hi = h->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(base + mid * REC_SIZE, key, 20);
        if (c == 0) return base + mid * REC_SIZE;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Strips leading zero octets; RK_EINVAL past 20 octets. */
static int trim_serial(const unsigned char **serial, size_t *serial_len)
{
    while (*serial_len > 1 && (*serial)[0] == 0) {
        (*serial)++;
        (*serial_len)--;
    }
    if (*serial_len > 20) return rk_err_set(RK_EINVAL, "a serial number longer than 20 bytes");
    return 0;
}

int rk_crlstore_lookup_raw(int *status, int *reason, const rk_crlstore *s,
                           const unsigned char *issuer_der, size_t issuer_len,
                           const unsigned char *serial, size_t serial_len)
{
    *status = RK_CRLSTORE_UNKNOWN;
    *reason = -1;
    if (trim_serial(&serial, &serial_len)) return RK_EINVAL;
    const held *h = held_for(s, issuer_der, issuer_len);
    if (!h) return 0;
    const unsigned char *r = find_rec(h, serial, serial_len);
    if (r) {
        *reason = r[20] == 0xff ? -1 : r[20];
        *status = r[20] == 6 ? RK_CRLSTORE_HOLD : RK_CRLSTORE_REVOKED;
    } else {
        *status = RK_CRLSTORE_GOOD;
    }
    return 0;
}

/* Parses a serial in hex ("0A:1B..." or "0a1b..."), into v (20 octets). */
static int parse_serial(unsigned char *v, size_t *len, const char *text)
{
    char digits[64];
    size_t n = 0;
    if (!strncmp(text, "0x", 2) || !strncmp(text, "0X", 2)) text += 2;
    for (const char *p = text; *p; p++) {
        if (*p == ':') continue;
        char c = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) || n + 2 >= sizeof digits)
            return rk_err_set(RK_EINVAL, "'%.64s' is not a serial number (hex, at most 20 octets)",
                              text);
        digits[n++] = c;
    }
    if (n == 0) return rk_err_set(RK_EINVAL, "an empty serial number");
    char even[66];
    snprintf(even, sizeof even, "%s%.*s", n % 2 ? "0" : "", (int)n, digits);
    const unsigned char *p = v;
    if (rk_hex_decode(v, 32, len, even, strlen(even)))
        return rk_err_set(RK_EINVAL, "'%.64s' is not hex", text);
    if (trim_serial(&p, len))
        return rk_err_set(RK_EINVAL, "the serial number %.64s is longer than 20 octets", text);
    memmove(v, p, *len);
    return 0;
}

static void answer_from(rk_crlstore_answer *out, const held *h, const unsigned char *serial,
                        size_t serial_len)
{
    const unsigned char *r = find_rec(h, serial, serial_len);
    out->crl = h->info;
    out->stale = h->info.next_update && h->info.next_update < rk_clock_now();
    if (!r) {
        out->status = RK_CRLSTORE_GOOD;
        return;
    }
    out->reason = r[20] == 0xff ? -1 : r[20];
    out->status = r[20] == 6 ? RK_CRLSTORE_HOLD : RK_CRLSTORE_REVOKED;
    memcpy(&out->revoked_at, r + 24, 8);
}

/* An UNKNOWN answer, and serial parsed into v. */
static int begin_answer(rk_crlstore_answer *out, unsigned char v[32], size_t *len,
                        const char *serial)
{
    memset(out, 0, sizeof *out);
    out->status = RK_CRLSTORE_UNKNOWN;
    out->reason = -1;
    return parse_serial(v, len, serial);
}

int rk_crlstore_status_der(rk_crlstore_answer *out, const rk_crlstore *s,
                           const unsigned char *issuer_der, size_t issuer_len, const char *serial)
{
    unsigned char v[32];
    size_t len;
    int rc = begin_answer(out, v, &len, serial);
    if (rc) return rc;
    const held *h = held_for(s, issuer_der, issuer_len);
    if (h) answer_from(out, h, v, len);
    return 0;
}

int rk_crlstore_status(rk_crlstore_answer *out, const rk_crlstore *s, const char *issuer,
                       const char *serial)
{
    unsigned char v[32];
    size_t len;
    int rc = begin_answer(out, v, &len, serial);
    if (rc) return rc;
    for (int i = 0; i < s->n; i++) {
        const held *h = &s->h[i];
        if (strcasecmp(h->info.issuer_id, issuer) && strcmp(h->info.issuer, issuer)) continue;
        answer_from(out, h, v, len);
        return 0;
    }
    return rk_err_set(RK_ENOTFOUND,
                      "no CRL of the issuer '%.200s' is held: `ractl ca status` lists the "
                      "issuers of the CRLs imported",
                      issuer);
}

int rk_crlstore_lookup(int *status, int *reason, const rk_crlstore *s, const X509_NAME *issuer,
                       const ASN1_INTEGER *serial)
{
    unsigned char *der = NULL, sv[21] = {0};
    int len = i2d_X509_NAME(issuer, &der);
    if (len <= 0) return rk_err_oom();
    BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
    int sl = bn && !BN_is_negative(bn) && BN_num_bytes(bn) <= 20 ? BN_bn2bin(bn, sv) : -1;
    BN_free(bn);
    int rc = sl < 0 ? rk_err_set(RK_EINVAL, "the serial number is negative or too long")
                    : rk_crlstore_lookup_raw(status, reason, s, der, (size_t)len, sv,
                                             (size_t)(sl ? sl : 1));
    OPENSSL_free(der);
    return rc;
}
