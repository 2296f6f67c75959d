/*
 * The streaming CRL reader (see crlparse.h). Each DER element is read by
 * tlv(): one-byte tags only, definite lengths of at most four bytes, the
 * value always inside the enclosing range.
 */
#include "crlparse.h"

#include "util/err.h"

#include <string.h>

typedef struct cur {
    const unsigned char *p, *end;
} cur;

typedef struct elem {
    unsigned tag;
    const unsigned char *start; /* the TLV */
    const unsigned char *v;     /* the value */
    size_t len, total;
} elem;

static int tlv(cur *c, elem *e)
{
    const unsigned char *p = c->p;
    size_t avail = (size_t)(c->end - p);
    if (avail < 2) return -1;
    e->start = p;
    e->tag = p[0];
    if ((p[0] & 0x1f) == 0x1f) return -1; /* high tag numbers: not in a CRL */
    size_t len = p[1], hl = 2;
    if (len & 0x80) {
        size_t k = len & 0x7f;
        if (k == 0 || k > 4 || avail < 2 + k) return -1;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = (len << 8) | p[2 + i];
        if (len < 0x80 || (k > 1 && p[2] == 0)) return -1; /* not minimal: not DER */
        hl += k;
    }
    if (len > avail - hl) return -1;
    e->v = p + hl;
    e->len = len;
    e->total = hl + len;
    c->p = p + e->total;
    return 0;
}

static int expect(cur *c, elem *e, unsigned tag)
{
    return tlv(c, e) == 0 && e->tag == tag ? 0 : -1;
}

static int bad(const char *what)
{
    return rk_err_set(RK_EFORMAT, "not a valid CRL: %s", what);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const unsigned char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int parse_time(const elem *e, int64_t *out)
{
    const unsigned char *s = e->v;
    int y, mo, d, h, mi, se;
    if (e->tag == 0x17 && e->len == 13 && s[12] == 'Z') {
        if (digits(s, 2, &y)) return -1;
        y += y < 50 ? 2000 : 1900;
        s += 2;
    } else if (e->tag == 0x18 && e->len == 15 && s[14] == 'Z') {
        if (digits(s, 4, &y)) return -1;
        s += 4;
    } else {
        return -1;
    }
    if (digits(s, 2, &mo) || digits(s + 2, 2, &d) || digits(s + 4, 2, &h) ||
        digits(s + 6, 2, &mi) || digits(s + 8, 2, &se))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return -1;
    *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
    return 0;
}

/* An INTEGER's magnitude without leading zero bytes (into out, max 20). */
static int uint_value(const elem *e, const unsigned char **v, size_t *len)
{
    const unsigned char *p = e->v;
    size_t n = e->len;
    if (e->tag != 0x02 || n == 0) return -1;
    if (n > 1 && p[0] == 0 && !(p[1] & 0x80)) return -1; /* not minimal */
    while (n > 1 && p[0] == 0) {
        p++;
        n--;
    }
    if (n > 20) return -2;
    *v = p;
    *len = n;
    return 0;
}

static const unsigned char OID_CRL_NUMBER[] = {0x55, 0x1d, 0x14};
static const unsigned char OID_AKID[] = {0x55, 0x1d, 0x23};
static const unsigned char OID_DELTA[] = {0x55, 0x1d, 0x1b};
static const unsigned char OID_IDP[] = {0x55, 0x1d, 0x1c};
static const unsigned char OID_REASON[] = {0x55, 0x1d, 0x15};
static const unsigned char OID_CERT_ISSUER[] = {0x55, 0x1d, 0x1d};

static int oid_is(const elem *e, const unsigned char *oid, size_t n)
{
    return e->len == n && !memcmp(e->v, oid, n);
}

/* Reads one Extension: its OID, criticality and value. */
static int read_ext(cur *c, elem *oid, int *critical, elem *val)
{
    elem ext;
    if (expect(c, &ext, 0x30)) return -1;
    cur in = {ext.v, ext.v + ext.len};
    if (expect(&in, oid, 0x06)) return -1;
    *critical = 0;
    elem x;
    if (tlv(&in, &x)) return -1;
    if (x.tag == 0x01) {
        if (x.len != 1 || (x.v[0] != 0xff && x.v[0] != 0)) return -1;
        *critical = x.v[0] == 0xff;
        if (tlv(&in, &x)) return -1;
    }
    if (x.tag != 0x04 || in.p != in.end) return -1;
    *val = x;
    return 0;
}

static int parse_crl_exts(rk_crlparse_info *o, const elem *wrapper)
{
    cur w = {wrapper->v, wrapper->v + wrapper->len};
    elem seq;
    if (expect(&w, &seq, 0x30) || w.p != w.end) return bad("crlExtensions");
    cur c = {seq.v, seq.v + seq.len};
    while (c.p < c.end) {
        elem oid, val;
        int critical;
        if (read_ext(&c, &oid, &critical, &val)) return bad("a CRL extension");
        cur v = {val.v, val.v + val.len};
        if (oid_is(&oid, OID_CRL_NUMBER, 3)) {
            elem n;
            const unsigned char *nv;
            size_t nl;
            if (expect(&v, &n, 0x02) || v.p != v.end || uint_value(&n, &nv, &nl) || (n.v[0] & 0x80))
                return bad("the CRL number");
            memcpy(o->number, nv, nl);
            o->number_len = nl;
        } else if (oid_is(&oid, OID_AKID, 3)) {
            elem a;
            if (expect(&v, &a, 0x30) || v.p != v.end) return bad("the authority key identifier");
            cur ac = {a.v, a.v + a.len};
            while (ac.p < ac.end) {
                elem f;
                if (tlv(&ac, &f)) return bad("the authority key identifier");
                if (f.tag == 0x80) {
                    o->akid = f.v;
                    o->akid_len = f.len;
                }
            }
        } else if (oid_is(&oid, OID_DELTA, 3)) {
            return rk_err_set(RK_EFORMAT, "delta CRLs are not supported: import full CRLs");
        } else if (oid_is(&oid, OID_IDP, 3)) {
            /* issuingDistributionPoint: accepted (a full CRL of this issuer). */
        } else if (critical) {
            return rk_err_set(RK_EFORMAT, "the CRL has an unknown critical extension");
        }
    }
    return 0;
}

int rk_crlparse(rk_crlparse_info *o, const unsigned char *der, size_t len)
{
    cur top = {der, der + len};
    elem cl, tbs, alg, sig, e;

    memset(o, 0, sizeof *o);
    if (expect(&top, &cl, 0x30)) return bad("no CertificateList SEQUENCE (truncated or not DER)");
    if (top.p != top.end) return bad("bytes after the CertificateList");
    cur c = {cl.v, cl.v + cl.len};
    if (expect(&c, &tbs, 0x30)) return bad("tbsCertList");
    if (expect(&c, &alg, 0x30)) return bad("signatureAlgorithm");
    if (expect(&c, &sig, 0x03) || sig.len < 1 || sig.v[0] != 0) return bad("signatureValue");
    if (c.p != c.end) return bad("bytes after the signature");
    o->tbs = tbs.start;
    o->tbs_len = tbs.total;
    o->sigalg = alg.start;
    o->sigalg_len = alg.total;
    o->sig = sig.v + 1;
    o->sig_len = sig.len - 1;

    cur t = {tbs.v, tbs.v + tbs.len};
    int v2 = 0;
    if (tlv(&t, &e)) return bad("tbsCertList is empty");
    if (e.tag == 0x02) {
        if (e.len != 1 || e.v[0] != 1) return bad("version (only v2 is known)");
        v2 = 1;
        if (tlv(&t, &e)) return bad("signature");
    }
    if (e.tag != 0x30) return bad("signature");
    if (e.total != alg.total || memcmp(e.start, alg.start, alg.total))
        return bad("the signature algorithms inside and outside differ");
    if (expect(&t, &e, 0x30)) return bad("issuer");
    o->issuer = e.start;
    o->issuer_len = e.total;
    if (tlv(&t, &e) || parse_time(&e, &o->this_update)) return bad("thisUpdate");
    while (t.p < t.end) {
        if (tlv(&t, &e)) return bad("an element after thisUpdate");
        if ((e.tag == 0x17 || e.tag == 0x18) && !o->next_update && !o->entries) {
            if (parse_time(&e, &o->next_update)) return bad("nextUpdate");
        } else if (e.tag == 0x30 && !o->entries) {
            o->entries = e.v;
            o->entries_len = e.len;
        } else if (e.tag == 0xa0 && v2) {
            int rc = parse_crl_exts(o, &e);
            if (rc) return rc;
            if (t.p != t.end) return bad("bytes after crlExtensions");
        } else {
            return bad("unexpected element in tbsCertList");
        }
    }
    return 0;
}

static int parse_entry(const elem *ent, const unsigned char **serial, size_t *slen, int64_t *when,
                       int *reason)
{
    cur c = {ent->v, ent->v + ent->len};
    elem s, t, x;
    if (expect(&c, &s, 0x02)) return bad("an entry's serial");
    int r = uint_value(&s, serial, slen);
    if (r == -2) return rk_err_set(RK_EFORMAT, "a serial number is longer than 20 bytes");
    if (r) return bad("an entry's serial");
    if (tlv(&c, &t) || parse_time(&t, when)) return bad("a revocationDate");
    *reason = -1;
    if (c.p == c.end) return 0;
    if (expect(&c, &x, 0x30) || c.p != c.end) return bad("an entry's extensions");
    cur xc = {x.v, x.v + x.len};
    while (xc.p < xc.end) {
        elem oid, val;
        int critical;
        if (read_ext(&xc, &oid, &critical, &val)) return bad("an entry extension");
        if (oid_is(&oid, OID_REASON, 3)) {
            if (val.len != 3 || val.v[0] != 0x0a || val.v[1] != 1 || val.v[2] > 10 || val.v[2] == 7)
                return bad("a reasonCode");
            *reason = val.v[2];
        } else if (oid_is(&oid, OID_CERT_ISSUER, 3)) {
            return rk_err_set(RK_EFORMAT, "indirect CRLs are not supported");
        } else if (critical) {
            return rk_err_set(RK_EFORMAT, "an entry has an unknown critical extension");
        }
    }
    return 0;
}

int rk_crlparse_entries(const rk_crlparse_info *info, rk_crlparse_entry_fn fn, void *arg,
                        size_t *count)
{
    size_t n = 0;
    if (count) *count = 0;
    if (!info->entries) return 0;
    cur c = {info->entries, info->entries + info->entries_len};
    while (c.p < c.end) {
        elem ent;
        const unsigned char *serial = NULL;
        size_t slen = 0;
        int64_t when = 0;
        int reason = -1, rc;
        if (expect(&c, &ent, 0x30))
            return rk_err_set(RK_EFORMAT, "not a valid CRL: entry %zu is malformed", n + 1);
        if ((rc = parse_entry(&ent, &serial, &slen, &when, &reason)))
            return rk_err_wrap(rc, "entry %zu", n + 1);
        n++;
        if (fn && (rc = fn(arg, serial, slen, when, reason))) return rc;
    }
    if (count) *count = n;
    return 0;
}

int rk_crlparse_cmp_number(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    while (alen > 0 && a[0] == 0) {
        a++;
        alen--;
    }
    while (blen > 0 && b[0] == 0) {
        b++;
        blen--;
    }
    if (alen != blen) return alen < blen ? -1 : 1;
    return alen ? memcmp(a, b, alen) : 0;
}
