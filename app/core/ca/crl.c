/*
 * Revocation state changes in ca.db and the signed full CRL (see crl.h).
 */
#include "crl.h"

#include "util/buf.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

#include <errno.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define CRL_MAX_BYTES ((size_t)512 * 1024 * 1024)

static const struct {
    int code;
    const char *name;
} REASONS[] = {{0, "unspecified"},        {1, "keyCompromise"}, {2, "cACompromise"},
               {3, "affiliationChanged"}, {4, "superseded"},    {5, "cessationOfOperation"},
               {6, "certificateHold"},    {8, "removeFromCRL"}, {9, "privilegeWithdrawn"},
               {10, "aACompromise"}};

const char *rk_crl_reason_name(int reason)
{
    if (reason < 0) return "none";
    for (size_t i = 0; i < sizeof REASONS / sizeof REASONS[0]; i++)
        if (REASONS[i].code == reason) return REASONS[i].name;
    return "?";
}

int rk_crl_reason_parse(int *out, const char *text)
{
    for (size_t i = 0; i < sizeof REASONS / sizeof REASONS[0]; i++)
        if (!strcasecmp(text, REASONS[i].name)) {
            *out = REASONS[i].code;
            return 0;
        }
    char *end;
    long v = strtol(text, &end, 10);
    if (*text && !*end && v >= 0 && v <= 10 && v != 7) {
        *out = (int)v;
        return 0;
    }
    return rk_err_set(RK_EINVAL,
                      "unknown revocation reason '%s' (keyCompromise, cACompromise, "
                      "affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn, "
                      "unspecified)",
                      text);
}

/* ---- status changes ------------------------------------------------------ */

static int change(rk_subca *ca, const char *serial, int to, int reason)
{
    rk_subca_record r;
    rk_db *db = rk_subca_db(ca);
    sqlite3_stmt *st;
    int rc;

    if ((rc = rk_db_begin(db))) return rc;
    if ((rc = rk_subca_lookup(&r, ca, serial))) goto out;
    if (r.status == RK_CERT_REVOKED) {
        rc = rk_err_set(RK_ESTATE, "certificate %s is already revoked (%s)", r.serial,
                        rk_crl_reason_name(r.reason));
        goto out;
    }
    if (to == RK_CERT_HOLD && r.status == RK_CERT_HOLD) {
        rc = rk_err_set(RK_ESTATE, "certificate %s is already suspended", r.serial);
        goto out;
    }
    if (to == RK_CERT_GOOD && r.status != RK_CERT_HOLD) {
        rc = rk_err_set(RK_ESTATE, "certificate %s is not suspended", r.serial);
        goto out;
    }
    if ((rc = rk_db_prepare(db, &st,
                            "UPDATE issued SET status=?, reason=?, revoked_at=? WHERE serial=?")))
        goto out;
    sqlite3_bind_int(st, 1, to);
    if (to == RK_CERT_GOOD) {
        sqlite3_bind_null(st, 2);
        sqlite3_bind_null(st, 3);
    } else {
        sqlite3_bind_int(st, 2, reason);
        sqlite3_bind_int64(st, 3, rk_clock_now());
    }
    sqlite3_bind_text(st, 4, r.serial, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = rk_db_fail(db, "changing the certificate status");
    sqlite3_finalize(st);
    if (!rc) rc = rk_db_commit(db);
out:
    if (rk_db_in_tx(db)) rk_db_rollback(db);
    return rc;
}

int rk_crl_revoke(rk_subca *ca, const char *serial, int reason)
{
    if (reason == RK_CRL_HOLD)
        return rk_err_set(RK_EINVAL, "certificateHold is a suspension: use suspend");
    if (reason == RK_CRL_REMOVE || reason < 0 || reason > 10 || reason == 7)
        return rk_err_set(RK_EINVAL, "%d is not a revocation reason", reason);
    return change(ca, serial, RK_CERT_REVOKED, reason);
}

int rk_crl_suspend(rk_subca *ca, const char *serial)
{
    return change(ca, serial, RK_CERT_HOLD, RK_CRL_HOLD);
}

int rk_crl_resume(rk_subca *ca, const char *serial)
{
    return change(ca, serial, RK_CERT_GOOD, -1);
}

/* ---- DER writer ---------------------------------------------------------- */

static int put_len(rk_buf *b, size_t len)
{
    unsigned char h[9];
    int n = 0;
    if (len < 0x80) {
        h[n++] = (unsigned char)len;
    } else {
        int k = 0;
        for (size_t v = len; v; v >>= 8)
            k++;
        h[n++] = (unsigned char)(0x80 | k);
        for (int i = k - 1; i >= 0; i--)
            h[n++] = (unsigned char)(len >> (8 * i));
    }
    return rk_buf_append(b, h, (size_t)n);
}

static int put_tlv(rk_buf *b, unsigned char tag, const void *v, size_t len)
{
    int rc;
    if ((rc = rk_buf_append(b, &tag, 1)) || (rc = put_len(b, len))) return rc;
    return rk_buf_append(b, v, len);
}

/* Wraps the content of inner as one TLV appended to out. */
static int wrap(rk_buf *out, unsigned char tag, rk_buf *inner)
{
    return put_tlv(out, tag, inner->data, inner->len);
}

static int put_uint(rk_buf *b, const unsigned char *v, size_t len)
{
    unsigned char tmp[24];
    size_t n = 0;
    while (len > 1 && v[0] == 0) {
        v++;
        len--;
    }
    if (len == 0 || len > 21) return rk_err_set(RK_EINVAL, "integer of %zu bytes", len);
    if (v[0] & 0x80) tmp[n++] = 0;
    memcpy(tmp + n, v, len);
    return put_tlv(b, 0x02, tmp, n + len);
}

static int put_u64(rk_buf *b, uint64_t v)
{
    unsigned char t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (unsigned char)(v >> (56 - 8 * i));
    return put_uint(b, t, 8);
}

static int put_time(rk_buf *b, int64_t t)
{
    struct tm tm;
    time_t tt = (time_t)t;
    char s[20];
    if (!gmtime_r(&tt, &tm)) return rk_err_set(RK_EINVAL, "time out of range");
    int y = tm.tm_year + 1900;
    if (y >= 1950 && y < 2050) {
        snprintf(s, sizeof s, "%02d%02d%02d%02d%02d%02dZ", y % 100, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        return put_tlv(b, 0x17, s, 13);
    }
    snprintf(s, sizeof s, "%04d%02d%02d%02d%02d%02dZ", y, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    return put_tlv(b, 0x18, s, 15);
}

static const unsigned char OID_REASON[] = {0x06, 0x03, 0x55, 0x1d, 0x15};
static const unsigned char OID_CRL_NUMBER[] = {0x06, 0x03, 0x55, 0x1d, 0x14};
static const unsigned char OID_AKID[] = {0x06, 0x03, 0x55, 0x1d, 0x23};

/* A cache of time encodings: in a big CRL many entries share a second. */
typedef struct time_cache {
    int64_t t;
    unsigned char enc[17];
    size_t len;
} time_cache;

static int put_entry(rk_buf *b, const rk_crl_entry *e, time_cache *tc)
{
    unsigned char tmp[96];
    size_t n = 0;
    int rc;
    /* serial */
    size_t sl = e->serial_len;
    const unsigned char *sv = e->serial;
    while (sl > 1 && sv[0] == 0) {
        sv++;
        sl--;
    }
    if (sl == 0 || sl > 20) return rk_err_set(RK_EINVAL, "serial of %u bytes", e->serial_len);
    tmp[n++] = 0x02;
    tmp[n++] = (unsigned char)(sl + (sv[0] & 0x80 ? 1 : 0));
    if (sv[0] & 0x80) tmp[n++] = 0;
    memcpy(tmp + n, sv, sl);
    n += sl;
    /* revocationDate */
    if (tc->len == 0 || tc->t != e->revoked_at) {
        rk_buf tb;
        rk_buf_init(&tb, 32);
        if ((rc = put_time(&tb, e->revoked_at))) {
            rk_buf_free(&tb);
            return rc;
        }
        memcpy(tc->enc, tb.data, tb.len);
        tc->len = tb.len;
        tc->t = e->revoked_at;
        rk_buf_free(&tb);
    }
    memcpy(tmp + n, tc->enc, tc->len);
    n += tc->len;
    /* crlEntryExtensions: reasonCode */
    if (e->reason > 0) {
        static const unsigned char head[] = {0x30, 0x0c, 0x30, 0x0a};
        memcpy(tmp + n, head, sizeof head);
        n += sizeof head;
        memcpy(tmp + n, OID_REASON, sizeof OID_REASON);
        n += sizeof OID_REASON;
        const unsigned char val[] = {0x04, 0x03, 0x0a, 0x01, (unsigned char)e->reason};
        memcpy(tmp + n, val, sizeof val);
        n += sizeof val;
    }
    return put_tlv(b, 0x30, tmp, n);
}

static int algid_der(rk_buf *b, int nid)
{
    X509_ALGOR *a = X509_ALGOR_new();
    unsigned char *der = NULL;
    int len = -1;
    if (a && X509_ALGOR_set0(a, OBJ_nid2obj(nid),
                             nid == NID_sha256WithRSAEncryption ? V_ASN1_NULL : V_ASN1_UNDEF, NULL))
        len = i2d_X509_ALGOR(a, &der);
    X509_ALGOR_free(a);
    if (len <= 0) return rk_err_oom();
    int rc = rk_buf_append(b, der, (size_t)len);
    OPENSSL_free(der);
    return rc;
}

int rk_crl_write(unsigned char **der, size_t *len, const rk_crl_params *p)
{
    rk_buf tbs, body, ents, tmp, ext, exts, alg;
    unsigned char *sig = NULL;
    size_t siglen = 0;
    time_cache tc = {0};
    int rc;

    *der = NULL;
    rk_buf_init(&tbs, CRL_MAX_BYTES);
    rk_buf_init(&body, CRL_MAX_BYTES);
    rk_buf_init(&ents, CRL_MAX_BYTES);
    rk_buf_init(&tmp, 4096);
    rk_buf_init(&ext, 4096);
    rk_buf_init(&exts, 4096);
    rk_buf_init(&alg, 256);
    static const unsigned char v2[] = {0x02, 0x01, 0x01};
    if ((rc = algid_der(&alg, p->sig_nid)) || (rc = rk_buf_append(&body, v2, sizeof v2)) ||
        (rc = rk_buf_append(&body, alg.data, alg.len)) ||
        (rc = rk_buf_append(&body, p->issuer_der, p->issuer_len)) ||
        (rc = put_time(&body, p->this_update)) || (rc = put_time(&body, p->next_update)))
        goto out;
    if (p->n > 0) {
        for (size_t i = 0; i < p->n; i++)
            if ((rc = put_entry(&ents, &p->entries[i], &tc))) goto out;
        if ((rc = wrap(&body, 0x30, &ents))) goto out;
        rk_buf_free(&ents);
    }
    /* crlExtensions [0] { SEQUENCE { AKI?, CRLNumber } } */
    if (p->akid) {
        rk_buf_reset(&tmp);
        if ((rc = put_tlv(&tmp, 0x80, p->akid, p->akid_len))) goto out; /* [0] keyIdentifier */
        rk_buf_reset(&ext);
        if ((rc = put_tlv(&ext, 0x30, tmp.data, tmp.len))) goto out;
        rk_buf_reset(&tmp);
        if ((rc = rk_buf_append(&tmp, OID_AKID, sizeof OID_AKID)) ||
            (rc = put_tlv(&tmp, 0x04, ext.data, ext.len)) ||
            (rc = put_tlv(&exts, 0x30, tmp.data, tmp.len)))
            goto out;
    }
    rk_buf_reset(&ext);
    rk_buf_reset(&tmp);
    if ((rc = put_u64(&ext, p->number)) ||
        (rc = rk_buf_append(&tmp, OID_CRL_NUMBER, sizeof OID_CRL_NUMBER)) ||
        (rc = put_tlv(&tmp, 0x04, ext.data, ext.len)) ||
        (rc = put_tlv(&exts, 0x30, tmp.data, tmp.len)))
        goto out;
    rk_buf_reset(&tmp);
    if ((rc = wrap(&tmp, 0x30, &exts)) || (rc = wrap(&body, 0xa0, &tmp))) goto out;
    if ((rc = wrap(&tbs, 0x30, &body))) goto out;
    rk_buf_free(&body);
    if ((rc = p->sign(p->sign_arg, (unsigned char *)tbs.data, tbs.len, &sig, &siglen))) goto out;
    /* CertificateList */
    rk_buf_reset(&tmp);
    tmp.max = siglen + 16;
    unsigned char zero = 0;
    if ((rc = rk_buf_append(&tmp, &zero, 1)) || (rc = rk_buf_append(&tmp, sig, siglen)) ||
        (rc = rk_buf_append(&tbs, alg.data, alg.len)) || (rc = wrap(&tbs, 0x03, &tmp)))
        goto out;
    rk_buf_reset(&body);
    if ((rc = wrap(&body, 0x30, &tbs))) goto out;
    *len = body.len;
    *der = (unsigned char *)rk_buf_take(&body);
out:
    OPENSSL_free(sig);
    rk_buf_free(&tbs);
    rk_buf_free(&body);
    rk_buf_free(&ents);
    rk_buf_free(&tmp);
    rk_buf_free(&ext);
    rk_buf_free(&exts);
    rk_buf_free(&alg);
    return rc;
}

/* ---- the sub-CA's CRL ---------------------------------------------------- */

static int subca_sign(void *arg, const unsigned char *tbs, size_t len, unsigned char **sig,
                      size_t *siglen)
{
    int nid;
    return rk_subca_sign(sig, siglen, &nid, arg, tbs, len);
}

/* Writes the public file dir/name (crl.der, crl.pem) atomically. */
static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return rk_file_write_atomic(path, data, len, 0644);
}

static int load_entries(rk_crl_entry **out, size_t *n, rk_db *db)
{
    sqlite3_stmt *st;
    size_t cap = 64;
    int rc, s;
    *n = 0;
    if (!(*out = malloc(cap * sizeof **out))) return rk_err_oom();
    if ((rc = rk_db_prepare(db, &st,
                            "SELECT serial, reason, revoked_at FROM issued WHERE status<>0 "
                            "ORDER BY serial")))
        return rc;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            rk_crl_entry *m = realloc(*out, 2 * cap * sizeof **out);
            if (!m) {
                rc = rk_err_oom();
                break;
            }
            *out = m;
            cap *= 2;
        }
        rk_crl_entry *e = &(*out)[*n];
        BIGNUM *bn = NULL;
        if (!BN_hex2bn(&bn, (const char *)sqlite3_column_text(st, 0)) || BN_num_bytes(bn) > 20) {
            BN_free(bn);
            rc = rk_err_set(RK_EFORMAT, "ca.db holds a malformed serial");
            break;
        }
        e->serial_len = (uint8_t)BN_bn2bin(bn, e->serial);
        BN_free(bn);
        e->reason = (int8_t)sqlite3_column_int(st, 1);
        e->revoked_at = sqlite3_column_int64(st, 2);
        ++*n;
    }
    if (!rc && s != SQLITE_DONE) rc = rk_db_fail(db, "reading revoked certificates");
    sqlite3_finalize(st);
    return rc;
}

int rk_crl_generate(unsigned char **der, size_t *len, uint64_t *number, rk_subca *ca, int days)
{
    rk_db *db = rk_subca_db(ca);
    rk_crl_entry *entries = NULL;
    unsigned char *issuer = NULL, md[32];
    char hex[65], buf[32];
    size_t n = 0;
    sqlite3_stmt *st = NULL;
    int rc, ilen;

    *der = NULL;
    if (days <= 0) days = RK_CRL_DEFAULT_DAYS;
    if ((rc = rk_db_begin(db))) return rc;
    if ((rc = rk_db_prepare(db, &st, "SELECT value FROM ca_meta WHERE key='crl_number'"))) goto out;
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = rk_db_fail(db, "reading the CRL number");
        goto out;
    }
    *number = (uint64_t)strtoull((const char *)sqlite3_column_text(st, 0), NULL, 10) + 1;
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = load_entries(&entries, &n, db))) goto out;
    if ((ilen = i2d_X509_NAME(X509_get_subject_name(rk_subca_cert(ca)), &issuer)) <= 0) {
        rc = rk_err_oom();
        goto out;
    }
    const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(rk_subca_cert(ca));
    int64_t now = rk_clock_now();
    rk_crl_params p = {issuer,
                       (size_t)ilen,
                       skid ? ASN1_STRING_get0_data(skid) : NULL,
                       skid ? (size_t)ASN1_STRING_length(skid) : 0,
                       rk_subca_sig_nid(ca),
                       now,
                       now + (int64_t)days * 86400,
                       *number,
                       entries,
                       n,
                       subca_sign,
                       ca};
    if ((rc = rk_crl_write(der, len, &p))) goto out;
    EVP_Digest(*der, *len, md, NULL, EVP_sha256(), NULL);
    rk_hex_encode(hex, md, 32, RK_HEX_LOWER);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)*number);
    if ((rc = rk_db_prepare(db, &st,
                            "INSERT INTO crls(number,this_update,next_update,entries,sha256) "
                            "VALUES(?,?,?,?,?)")))
        goto out;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)*number);
    sqlite3_bind_int64(st, 2, p.this_update);
    sqlite3_bind_int64(st, 3, p.next_update);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)n);
    sqlite3_bind_text(st, 5, hex, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = rk_db_fail(db, "recording the CRL");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = rk_db_prepare(db, &st, "UPDATE ca_meta SET value=? WHERE key='crl_number'")))
        goto out;
    sqlite3_bind_text(st, 1, buf, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = rk_db_fail(db, "storing the CRL number");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    /* Commit first: a number once used is never used again. */
    if ((rc = rk_db_commit(db))) goto out;
    if ((rc = write_file(rk_subca_dir(ca), "crl.der", *der, *len))) goto out;
    {
        BIO *b = BIO_new(BIO_s_mem());
        char *pem;
        long pl;
        if (!b || PEM_write_bio(b, "X509 CRL", "", *der, (long)*len) <= 0) {
            BIO_free(b);
            rc = rk_err_oom();
            goto out;
        }
        pl = BIO_get_mem_data(b, &pem);
        rc = write_file(rk_subca_dir(ca), "crl.pem", pem, (size_t)pl);
        BIO_free(b);
    }
out:
    sqlite3_finalize(st);
    if (rk_db_in_tx(db)) rk_db_rollback(db);
    free(entries);
    OPENSSL_free(issuer);
    if (rc) {
        free(*der);
        *der = NULL;
    }
    return rc;
}
