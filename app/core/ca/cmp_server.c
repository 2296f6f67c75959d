/*
 * The CMP server: OSSL_CMP_SRV_CTX callbacks that issue through an
 * rk_cmp_issue_fn, record revocations through an rk_cmp_revoke_fn, check
 * certConf hashes, and the DER and HTTP entry points (see cmp_server.h).
 */
#include "ca/cmp_server.h"

#include "ca/cmp_http.h"
#include "util/err.h"
#include "util/log.h"
#include "util/wipe.h"

#include <openssl/bn.h>
#include <openssl/crmf.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <stdlib.h>
#include <string.h>

struct rk_cmp_server {
    OSSL_CMP_SRV_CTX *srv;
    X509 *ca_cert;
    rk_cmp_simple_issuer simple;
    rk_cmp_issue_fn issue;
    void *issue_arg;
    rk_cmp_revoke_fn revoke;
    void *revoke_arg;
    X509 *last_issued; /* awaiting certConf */
    rk_cmp_server_stats stats;
};

/* ---- a tiny DER reader for the CertTemplate ---------------------------- */

/* Reads a tag and definite length at *p (< end); sets *hdr_len and *clen.
 * Only single-byte tags and lengths up to 4 octets are accepted. */
static int der_header(const unsigned char *p, const unsigned char *end, unsigned char *tag,
                      size_t *hdr_len, size_t *clen)
{
    size_t avail = (size_t)(end - p);
    if (avail < 2) return RK_EFORMAT;
    *tag = p[0];
    if ((p[0] & 0x1f) == 0x1f) return RK_EFORMAT; /* multi-byte tag */
    size_t n = p[1], h = 2;
    if (n & 0x80) {
        size_t k = n & 0x7f;
        if (k == 0 || k > 4 || avail < 2 + k) return RK_EFORMAT;
        n = 0;
        for (size_t i = 0; i < k; i++)
            n = (n << 8) | p[2 + i];
        h += k;
    }
    if (n > avail - h) return RK_EFORMAT;
    *hdr_len = h;
    *clen = n;
    return 0;
}

int rk_cmp_template_pubkey(EVP_PKEY **out, const unsigned char *der, size_t len)
{
    const unsigned char *end = der + len, *p;
    unsigned char tag;
    size_t h, n;

    *out = NULL;
    if (!der || der_header(der, end, &tag, &h, &n) != 0 || tag != 0x30)
        return rk_err_set(RK_EFORMAT, "the certificate template is not a DER SEQUENCE");
    p = der + h;
    end = p + n;
    while (p < end) {
        if (der_header(p, end, &tag, &h, &n) != 0)
            return rk_err_set(RK_EFORMAT, "malformed field in the certificate template");
        if (tag == 0xa6) { /* publicKey [6] IMPLICIT SubjectPublicKeyInfo */
            /* Re-tag as a SEQUENCE: same length octets, tag 0x30. */
            unsigned char *spki = malloc(h + n);
            if (!spki) return rk_err_oom();
            memcpy(spki, p, h + n);
            spki[0] = 0x30;
            const unsigned char *q = spki;
            EVP_PKEY *k = d2i_PUBKEY(NULL, &q, (long)(h + n));
            int whole = q == spki + h + n;
            free(spki);
            if (!k || !whole) {
                EVP_PKEY_free(k);
                ERR_clear_error();
                return rk_err_set(RK_EFORMAT, "the template's public key cannot be decoded");
            }
            *out = k;
            return 0;
        }
        p += h + n;
    }
    return rk_err_set(RK_ENOTFOUND, "the certificate template carries no public key");
}

/* ---- the simple issuer -------------------------------------------------- */

static int add_ext(X509 *cert, X509V3_CTX *v3, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);
    int ok = ext && X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

int rk_cmp_issue_simple(X509 **out, void *arg, const rk_cmp_issue_req *req)
{
    rk_cmp_simple_issuer *is = arg;
    unsigned char rnd[16];
    BIGNUM *bn = NULL;
    X509 *c = NULL;
    int days;

    *out = NULL;
    if (!is || !is->ca_cert || !is->ca_key)
        return rk_err_set(RK_ECONF, "the issuer has no CA certificate and key");
    if (!req->pubkey) return rk_err_set(RK_EINVAL, "the request carries no public key");
    if (!req->subject || X509_NAME_entry_count(req->subject) == 0)
        return rk_err_set(RK_EINVAL, "the request names no subject");
    days = is->days > 0 ? is->days : 365;
    if (RAND_bytes(rnd, sizeof rnd) != 1) return rk_err_set(RK_ECRYPTO, "no random serial");
    rnd[0] = (unsigned char)((rnd[0] & 0x7f) | 0x40); /* positive, always 16 octets */

    c = X509_new();
    bn = BN_bin2bn(rnd, sizeof rnd, NULL);
    if (!c || !bn || !X509_set_version(c, X509_VERSION_3) ||
        !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c)) ||
        !X509_set_issuer_name(c, X509_get_subject_name(is->ca_cert)) ||
        !X509_set_subject_name(c, req->subject) || !X509_set_pubkey(c, req->pubkey) ||
        !X509_gmtime_adj(X509_getm_notBefore(c), 0) ||
        !X509_time_adj_ex(X509_getm_notAfter(c), days, 0, NULL))
        goto fail;
    /* Never outlive the CA. */
    if (X509_cmp_time(X509_get0_notAfter(is->ca_cert), NULL) > 0 &&
        ASN1_TIME_compare(X509_get0_notAfter(c), X509_get0_notAfter(is->ca_cert)) > 0 &&
        !X509_set1_notAfter(c, X509_get0_notAfter(is->ca_cert)))
        goto fail;

    X509V3_CTX v3;
    X509V3_set_ctx(&v3, is->ca_cert, c, NULL, NULL, 0);
    int rsa = EVP_PKEY_is_a(req->pubkey, "RSA");
    if (add_ext(c, &v3, NID_basic_constraints, "critical,CA:FALSE") ||
        add_ext(c, &v3, NID_key_usage,
                rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature") ||
        add_ext(c, &v3, NID_subject_key_identifier, "hash") ||
        add_ext(c, &v3, NID_authority_key_identifier,
                X509_get0_subject_key_id(is->ca_cert) ? "keyid:always" : "issuer:always"))
        goto fail;
    const EVP_MD *md = EVP_sha256();
    if (EVP_PKEY_is_a(is->ca_key, "ED25519") || EVP_PKEY_is_a(is->ca_key, "ED448"))
        md = NULL;
    else if (EVP_PKEY_is_a(is->ca_key, "SM2"))
        md = EVP_sm3();
    if (X509_sign(c, is->ca_key, md) <= 0) goto fail;
    BN_free(bn);
    *out = c;
    return 0;
fail:
    BN_free(bn);
    X509_free(c);
    unsigned long e = ERR_peek_last_error();
    char detail[160];
    ERR_error_string_n(e, detail, sizeof detail);
    ERR_clear_error();
    return rk_err_set(RK_ECRYPTO, "cannot issue the certificate: %s", e ? detail : "unknown");
}

/* ---- OSSL_CMP_SRV_CTX callbacks --------------------------------------- */

static OSSL_CMP_PKISI *reject(rk_cmp_server *s, int fail_bit, const char *text)
{
    s->stats.rejected++;
    rk_log_info("cmp server: refused: %s", text);
    return OSSL_CMP_STATUSINFO_new(OSSL_CMP_PKISTATUS_rejection, 1 << fail_bit, text);
}

static OSSL_CMP_PKISI *on_cert_request(OSSL_CMP_SRV_CTX *srv, const OSSL_CMP_MSG *req,
                                       int certReqId, const OSSL_CRMF_MSG *crm,
                                       const X509_REQ *p10cr, X509 **certOut,
                                       STACK_OF(X509) * *chainOut, STACK_OF(X509) * *caPubs)
{
    rk_cmp_server *s = OSSL_CMP_SRV_CTX_get0_custom_ctx(srv);
    rk_cmp_issue_req ir;
    EVP_PKEY *tmpl_key = NULL;
    X509 *cert = NULL;
    (void)certReqId;
    (void)chainOut;

    memset(&ir, 0, sizeof ir);
    ir.type = OSSL_CMP_MSG_get_bodytype(req);
    if (p10cr) {
        ir.csr = p10cr;
        ir.pubkey = X509_REQ_get0_pubkey((X509_REQ *)p10cr);
        ir.subject = X509_REQ_get_subject_name(p10cr);
        if (!ir.pubkey || X509_REQ_verify((X509_REQ *)p10cr, ir.pubkey) <= 0) {
            ERR_clear_error();
            return reject(s, OSSL_CMP_PKIFAILUREINFO_badPOP, "the CSR's signature does not verify");
        }
    } else if (crm) {
        OSSL_CRMF_CERTTEMPLATE *tmpl = OSSL_CRMF_MSG_get0_tmpl(crm);
        unsigned char *der = NULL;
        int dlen = tmpl ? i2d_OSSL_CRMF_CERTTEMPLATE(tmpl, &der) : -1;
        int rc = dlen > 0 ? rk_cmp_template_pubkey(&tmpl_key, der, (size_t)dlen) : RK_EFORMAT;
        OPENSSL_free(der);
        if (rc != 0)
            return reject(s, OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                          "the certificate template carries no usable public key");
        ir.pubkey = tmpl_key;
        ir.subject = OSSL_CRMF_CERTTEMPLATE_get0_subject(tmpl);
    } else {
        return reject(s, OSSL_CMP_PKIFAILUREINFO_badRequest, "no certificate request");
    }

    rk_err_clear();
    int rc = s->issue(&cert, s->issue_arg, &ir);
    EVP_PKEY_free(tmpl_key);
    if (rc != 0 || !cert) {
        X509_free(cert);
        char text[300];
        snprintf(text, sizeof text, "%s", *rk_err_msg() ? rk_err_msg() : "issuance failed");
        return reject(s,
                      rc == RK_EINVAL ? OSSL_CMP_PKIFAILUREINFO_badCertTemplate
                                      : OSSL_CMP_PKIFAILUREINFO_systemFailure,
                      text);
    }
    if (ir.type == RK_CMP_REQ_IR && s->ca_cert) {
        *caPubs = sk_X509_new_null();
        if (*caPubs && X509_up_ref(s->ca_cert) && !sk_X509_push(*caPubs, s->ca_cert))
            X509_free(s->ca_cert);
    }
    X509_free(s->last_issued);
    s->last_issued = cert;
    X509_up_ref(cert);
    *certOut = cert;
    s->stats.issued++;
    return OSSL_CMP_STATUSINFO_new(OSSL_CMP_PKISTATUS_accepted, 0, NULL);
}

static OSSL_CMP_PKISI *on_rr(OSSL_CMP_SRV_CTX *srv, const OSSL_CMP_MSG *req,
                             const X509_NAME *issuer, const ASN1_INTEGER *serial)
{
    rk_cmp_server *s = OSSL_CMP_SRV_CTX_get0_custom_ctx(srv);
    (void)req;
    if (!s->revoke)
        return reject(s, OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                      "this server does not accept revocation requests");
    if (!issuer || !serial)
        return reject(s, OSSL_CMP_PKIFAILUREINFO_badCertId,
                      "the revocation request names no issuer and serial");
    if (X509_NAME_cmp(issuer, X509_get_subject_name(s->ca_cert)) != 0)
        return reject(s, OSSL_CMP_PKIFAILUREINFO_badCertId,
                      "the certificate was not issued by this CA");
    rk_err_clear();
    int rc = s->revoke(s->revoke_arg, issuer, serial);
    if (rc != 0) {
        char text[300];
        snprintf(text, sizeof text, "%s", *rk_err_msg() ? rk_err_msg() : "revocation failed");
        return reject(s,
                      rc == RK_ENOTFOUND ? OSSL_CMP_PKIFAILUREINFO_badCertId
                                         : OSSL_CMP_PKIFAILUREINFO_systemFailure,
                      text);
    }
    s->stats.revoked++;
    return OSSL_CMP_STATUSINFO_new(OSSL_CMP_PKISTATUS_accepted, 0, NULL);
}

/* The status of a PKIStatusInfo (accepted when absent); 3.0 has no getter,
 * so it is read from the DER: SEQUENCE { status INTEGER, ... }. */
static int pkisi_status(const OSSL_CMP_PKISI *si)
{
    unsigned char *der = NULL, tag;
    size_t h, n, h2, n2;
    int st = -1;
    if (!si) return OSSL_CMP_PKISTATUS_accepted;
    int len = i2d_OSSL_CMP_PKISI(si, &der);
    if (len > 0 && der_header(der, der + len, &tag, &h, &n) == 0 && tag == 0x30 &&
        der_header(der + h, der + h + n, &tag, &h2, &n2) == 0 && tag == 0x02 && n2 == 1)
        st = der[h + h2];
    OPENSSL_free(der);
    return st;
}

static int on_certConf(OSSL_CMP_SRV_CTX *srv, const OSSL_CMP_MSG *req, int certReqId,
                       const ASN1_OCTET_STRING *certHash, const OSSL_CMP_PKISI *si)
{
    rk_cmp_server *s = OSSL_CMP_SRV_CTX_get0_custom_ctx(srv);
    (void)req;
    (void)certReqId;
    if (!s->last_issued || !certHash) {
        ERR_raise_data(ERR_LIB_CMP, CMP_R_CERTHASH_UNMATCHED, "no certificate awaits confirmation");
        return 0;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    const EVP_MD *d = NULL;
    int sig_nid = X509_get_signature_nid(s->last_issued), md_nid = NID_undef;
    if (OBJ_find_sigid_algs(sig_nid, &md_nid, NULL) && md_nid != NID_undef)
        d = EVP_get_digestbynid(md_nid);
    if (!d) d = EVP_sha256();
    if (!X509_digest(s->last_issued, d, md, &mdlen) ||
        (size_t)ASN1_STRING_length(certHash) != mdlen ||
        memcmp(ASN1_STRING_get0_data(certHash), md, mdlen) != 0) {
        ERR_raise_data(ERR_LIB_CMP, CMP_R_CERTHASH_UNMATCHED,
                       "the confirmed certificate is not the one issued");
        return 0;
    }
    /* A status other than accepted means the client refused the certificate. */
    if (pkisi_status(si) == OSSL_CMP_PKISTATUS_accepted) s->stats.confirmed++;
    X509_free(s->last_issued);
    s->last_issued = NULL;
    return 1;
}

static void on_error(OSSL_CMP_SRV_CTX *srv, const OSSL_CMP_MSG *req, const OSSL_CMP_PKISI *si,
                     const ASN1_INTEGER *errorCode, const OSSL_CMP_PKIFREETEXT *details)
{
    (void)srv;
    (void)req;
    (void)details;
    char buf[OSSL_CMP_PKISI_BUFLEN];
    rk_log_info("cmp server: client reported an error (code %ld): %s",
                errorCode ? ASN1_INTEGER_get(errorCode) : -1L,
                si ? OSSL_CMP_snprint_PKIStatusInfo(si, buf, sizeof buf) : "no status");
}

static int on_genm(OSSL_CMP_SRV_CTX *srv, const OSSL_CMP_MSG *req,
                   const STACK_OF(OSSL_CMP_ITAV) * in, STACK_OF(OSSL_CMP_ITAV) * *out)
{
    (void)srv;
    (void)req;
    (void)in;
    /* Nothing is offered through general messages yet: an empty genp. */
    *out = sk_OSSL_CMP_ITAV_new_null();
    return *out != NULL;
}

static int log_cb(const char *func, const char *file, int line, OSSL_CMP_severity level,
                  const char *msg)
{
    (void)func;
    (void)file;
    (void)line;
    rk_log(level <= OSSL_CMP_LOG_ERR ? RK_LOG_INFO : RK_LOG_DEBUG, "cmp server: %s", msg);
    return 1;
}

/* ---- lifecycle --------------------------------------------------------- */

static int ossl_fail(const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char detail[160];
    ERR_error_string_n(e, detail, sizeof detail);
    ERR_clear_error();
    return rk_err_set(RK_ECRYPTO, "CMP server: %s: %s", what, e ? detail : "failed");
}

int rk_cmp_server_new(rk_cmp_server **out, const rk_cmp_server_opts *o)
{
    rk_cmp_server *s;
    X509_STORE *store = NULL;
    *out = NULL;

    if (!o || !o->ca_cert) return rk_err_set(RK_EINVAL, "CMP server: no CA certificate");
    if (!o->issue && !o->ca_key)
        return rk_err_set(RK_EINVAL, "CMP server: neither an issuer nor the CA key");
    X509 *pc = o->prot_cert ? o->prot_cert : o->ca_cert;
    EVP_PKEY *pk = o->prot_cert ? o->prot_key : o->ca_key;
    if (!o->secret && !pk)
        return rk_err_set(RK_EINVAL, "CMP server: neither a shared secret nor a protection key");
    if (o->secret && (!o->ref || !*o->ref || o->secret_len == 0))
        return rk_err_set(RK_EINVAL, "CMP server: a shared secret needs a reference");
    if (!(s = calloc(1, sizeof *s))) return rk_err_oom();
    s->ca_cert = o->ca_cert;
    s->simple.ca_cert = o->ca_cert;
    s->simple.ca_key = o->ca_key;
    s->simple.days = o->days;
    s->issue = o->issue ? o->issue : rk_cmp_issue_simple;
    s->issue_arg = o->issue ? o->issue_arg : &s->simple;
    s->revoke = o->revoke;
    s->revoke_arg = o->revoke_arg;
    if (!(s->srv = OSSL_CMP_SRV_CTX_new(NULL, NULL))) goto fail;
    OSSL_CMP_CTX *ctx = OSSL_CMP_SRV_CTX_get0_cmp_ctx(s->srv);
    if (!OSSL_CMP_SRV_CTX_init(s->srv, s, on_cert_request, on_rr, on_genm, on_error, on_certConf,
                               NULL) ||
        !OSSL_CMP_CTX_set_log_cb(ctx, log_cb) ||
        !OSSL_CMP_SRV_CTX_set_send_unprotected_errors(s->srv, 1) ||
        !OSSL_CMP_SRV_CTX_set_accept_unprotected(s->srv, 0) ||
        !OSSL_CMP_SRV_CTX_set_accept_raverified(s->srv, 0) ||
        !OSSL_CMP_SRV_CTX_set_grant_implicit_confirm(s->srv, 1))
        goto fail;
    if (pk && (!OSSL_CMP_CTX_set1_cert(ctx, pc) || !OSSL_CMP_CTX_set1_pkey(ctx, pk))) goto fail;
    if (o->secret && (!OSSL_CMP_CTX_set1_referenceValue(ctx, (const unsigned char *)o->ref,
                                                        (int)strlen(o->ref)) ||
                      !OSSL_CMP_CTX_set1_secretValue(ctx, o->secret, (int)o->secret_len)))
        goto fail;
    if (!(store = X509_STORE_new()) || !X509_STORE_add_cert(store, o->ca_cert)) goto fail;
    for (int i = 0; i < o->n_trusted; i++)
        if (o->trusted[i] && !X509_STORE_add_cert(store, o->trusted[i])) goto fail;
    if (!OSSL_CMP_CTX_set0_trustedStore(ctx, store)) goto fail;
    store = NULL;
    *out = s;
    return 0;
fail:
    X509_STORE_free(store);
    rk_cmp_server_free(s);
    return ossl_fail("setup refused");
}

void rk_cmp_server_free(rk_cmp_server *s)
{
    if (!s) return;
    OSSL_CMP_SRV_CTX_free(s->srv); /* OpenSSL clears its copy of the secret */
    X509_free(s->last_issued);
    rk_wipe(s, sizeof *s);
    free(s);
}

OSSL_CMP_SRV_CTX *rk_cmp_server_srv_ctx(rk_cmp_server *s)
{
    return s ? s->srv : NULL;
}

void rk_cmp_server_get_stats(rk_cmp_server_stats *out, const rk_cmp_server *s)
{
    *out = s->stats;
}

int rk_cmp_server_handle(unsigned char **rsp, size_t *rsp_len, rk_cmp_server *s,
                         const unsigned char *req, size_t req_len)
{
    const unsigned char *p = req;
    *rsp = NULL;
    *rsp_len = 0;
    s->stats.requests++;
    if (req_len == 0 || req_len > RK_CMP_HTTP_MAX_BODY)
        return rk_err_set(RK_EFORMAT, "CMP server: empty or oversized request");
    OSSL_CMP_MSG *msg = d2i_OSSL_CMP_MSG(NULL, &p, (long)req_len);
    if (!msg) {
        ERR_clear_error();
        return rk_err_set(RK_EFORMAT, "CMP server: the request is not a CMP message");
    }
    OSSL_CMP_MSG *ans = OSSL_CMP_SRV_process_request(s->srv, msg);
    OSSL_CMP_MSG_free(msg);
    if (!ans) return ossl_fail("no answer could be made");
    int n = i2d_OSSL_CMP_MSG(ans, NULL);
    unsigned char *buf = n > 0 ? malloc((size_t)n) : NULL;
    unsigned char *w = buf;
    if (!buf || i2d_OSSL_CMP_MSG(ans, &w) != n) {
        free(buf);
        OSSL_CMP_MSG_free(ans);
        return ossl_fail("cannot encode the answer");
    }
    OSSL_CMP_MSG_free(ans);
    ERR_clear_error();
    *rsp = buf;
    *rsp_len = (size_t)n;
    return 0;
}

static int http_handler(unsigned char **rsp, size_t *rsp_len, void *arg, const unsigned char *req,
                        size_t req_len)
{
    return rk_cmp_server_handle(rsp, rsp_len, arg, req, req_len);
}

int rk_cmp_server_serve_http(rk_cmp_server *s, int listen_fd, volatile sig_atomic_t *stop,
                             long max_requests)
{
    return rk_cmp_http_serve(listen_fd, http_handler, s, stop, max_requests, 10000);
}
