/*
 * The CMP server: OSSL_CMP_SRV_CTX callbacks that issue through an
 * rk_cmp_issue_fn, record revocations through an rk_cmp_revoke_fn, check
 * certConf hashes; the checks OpenSSL 3.0 does not make (the PBM
 * reference, spending it, revocation of the signer); and the DER, in-process
 * and HTTP entry points (see cmp_server.h).
 *
 * Each message runs: whole DER decoded, its header read (body type,
 * protection, sender reference, transaction ID, extra certificates), the
 * reference's secret set (or a random one when the reference is refused, so
 * OpenSSL's MAC check fails as for a wrong secret), the signer's revocation
 * looked up; then OpenSSL's server logic with the callbacks below; then the
 * answer's kind counted.
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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* PKIBody choices (RFC 4210 5.1.2; OpenSSL 3.0 keeps them private). */
enum {
    BODY_IR = 0,
    BODY_CR = 2,
    BODY_P10CR = 4,
    BODY_KUR = 7,
    BODY_RR = 11,
    BODY_GENM = 21,
    BODY_ERROR = 23,
    BODY_CERTCONF = 24,
    BODY_POLLREQ = 25
};

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
    rk_cmp_auth_ops auth;
    char fixed_ref[RK_CMP_REF_MAX + 1]; /* "" none */
    unsigned char fixed_secret[RK_CMP_SECRET_MAX];
    size_t fixed_len;
    STACK_OF(ASN1_INTEGER) * revoked_here; /* serials this server revoked */
    X509 *prot_cert;                       /* signs answers (borrowed; NULL: none) */
    EVP_PKEY *prot_key;
    STACK_OF(X509) * trusted; /* for client certificates (borrowed) */
    OSSL_CMP_MSG *kept[16];   /* the transaction's requests (see fresh_srv_ctx) */
    int n_kept;

    /* The message being handled. */
    int type;                     /* its body type, -1 before it is known */
    char ref[RK_CMP_REF_MAX + 1]; /* its PBM reference, "" if none */
    int pbm;                      /* 1: PBM with a reference accepted for it */
    int fixed;                    /* ... which is the fixed one (never spent) */
    unsigned char secret[RK_CMP_SECRET_MAX];
    size_t secret_len;
    unsigned char txid[64];
    size_t txid_len;
    char refusal[320]; /* a refusal found before OpenSSL ran, for the callbacks */
    int refusal_bit;
    int counted; /* this message's refusal is logged and counted */

    /* A PBM transaction whose certificate awaits certConf. */
    char pend_ref[RK_CMP_REF_MAX + 1];
    unsigned char pend_txid[64];
    size_t pend_txid_len;
    unsigned char pend_secret[RK_CMP_SECRET_MAX];
    size_t pend_len;
};

static const char *body_name(int type)
{
    switch (type) {
    case BODY_IR: return "ir";
    case BODY_CR: return "cr";
    case BODY_P10CR: return "p10cr";
    case BODY_KUR: return "kur";
    case BODY_RR: return "rr";
    case BODY_GENM: return "genm";
    case BODY_ERROR: return "error";
    case BODY_CERTCONF: return "certConf";
    case BODY_POLLREQ: return "pollReq";
    case -1: return "request";
    default: return "message";
    }
}

/* Logs and counts a refusal of the message being handled (once). */
static void refused(rk_cmp_server *s, const char *why)
{
    if (s->counted) return;
    s->counted = 1;
    s->stats.rejected++;
    rk_log_warn("cmp server: refused %s%s%s%s: %s", body_name(s->type),
                s->ref[0] ? " (reference " : "", s->ref, s->ref[0] ? ")" : "", why);
}

static void serial_text(char *out, size_t n, const ASN1_INTEGER *serial)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
    char *h = bn ? BN_bn2hex(bn) : NULL;
    snprintf(out, n, "%s", h ? h : "?");
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'F') *p = (char)(*p - 'A' + 'a');
    OPENSSL_free(h);
    BN_free(bn);
}

/* Whether issuer+serial is revoked: what this server revoked, then the
 * caller's register. */
static int is_revoked(rk_cmp_server *s, const X509_NAME *issuer, const ASN1_INTEGER *serial,
                      int *revoked)
{
    *revoked = 0;
    for (int i = 0; i < sk_ASN1_INTEGER_num(s->revoked_here); i++)
        if (!ASN1_INTEGER_cmp(sk_ASN1_INTEGER_value(s->revoked_here, i), serial) &&
            !X509_NAME_cmp(issuer, X509_get_subject_name(s->ca_cert))) {
            *revoked = 1;
            return 0;
        }
    return s->auth.revoked ? s->auth.revoked(s->auth.arg, issuer, serial, revoked) : 0;
}

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
    refused(s, text);
    return OSSL_CMP_STATUSINFO_new(OSSL_CMP_PKISTATUS_rejection, 1 << fail_bit, text);
}

/* A revoked certificate refuses the request: what a kur updates. */
static OSSL_CMP_PKISI *check_old_cert(rk_cmp_server *s, const OSSL_CRMF_MSG *crm)
{
    OSSL_CRMF_CERTID *cid = crm ? OSSL_CRMF_MSG_get0_regCtrl_oldCertID(crm) : NULL;
    const X509_NAME *issuer = cid ? OSSL_CRMF_CERTID_get0_issuer(cid) : NULL;
    const ASN1_INTEGER *serial = cid ? OSSL_CRMF_CERTID_get0_serialNumber(cid) : NULL;
    char text[200], hex[80];
    int revoked = 0;
    if (!issuer || !serial) return NULL;
    rk_err_clear();
    if (is_revoked(s, issuer, serial, &revoked)) {
        snprintf(text, sizeof text, "cannot check revocation: %s", rk_err_msg());
        return reject(s, OSSL_CMP_PKIFAILUREINFO_systemFailure, text);
    }
    if (!revoked) return NULL;
    serial_text(hex, sizeof hex, serial);
    snprintf(text, sizeof text, "the certificate to be updated (%s) is revoked", hex);
    return reject(s, OSSL_CMP_PKIFAILUREINFO_certRevoked, text);
}

/* Spends the request's reference for serial; a refusal's status, or NULL. */
static OSSL_CMP_PKISI *spend(rk_cmp_server *s, int type, const ASN1_INTEGER *serial)
{
    char hex[80], text[300];
    if (!s->pbm || s->fixed || !s->auth.use) return NULL;
    serial_text(hex, sizeof hex, serial);
    rk_err_clear();
    if (s->auth.use(s->auth.arg, s->ref, type, hex) == 0) return NULL;
    snprintf(text, sizeof text, "%s", *rk_err_msg() ? rk_err_msg() : "the reference was refused");
    return reject(s, OSSL_CMP_PKIFAILUREINFO_notAuthorized, text);
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
    if (s->refusal[0]) return reject(s, s->refusal_bit, s->refusal);
    if (ir.type == RK_CMP_REQ_KUR) {
        OSSL_CMP_PKISI *no = check_old_cert(s, crm);
        if (no) return no;
    }
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
    OSSL_CMP_PKISI *no = spend(s, ir.type, X509_get0_serialNumber(cert));
    if (no) {
        X509_free(cert);
        return no;
    }
    if (s->pbm) { /* its certConf comes with the same reference */
        snprintf(s->pend_ref, sizeof s->pend_ref, "%s", s->ref);
        memcpy(s->pend_txid, s->txid, s->txid_len);
        s->pend_txid_len = s->txid_len;
        memcpy(s->pend_secret, s->secret, s->secret_len);
        s->pend_len = s->secret_len;
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
    if (s->refusal[0]) return reject(s, s->refusal_bit, s->refusal);
    int revoked = 0;
    char hex[80], text0[200];
    serial_text(hex, sizeof hex, serial);
    rk_err_clear();
    if (is_revoked(s, issuer, serial, &revoked)) {
        snprintf(text0, sizeof text0, "cannot check revocation: %s", rk_err_msg());
        return reject(s, OSSL_CMP_PKIFAILUREINFO_systemFailure, text0);
    }
    if (revoked) {
        snprintf(text0, sizeof text0, "certificate %s is already revoked", hex);
        return reject(s, OSSL_CMP_PKIFAILUREINFO_certRevoked, text0);
    }
    OSSL_CMP_PKISI *no = spend(s, RK_CMP_REQ_RR, serial);
    if (no) return no;
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
    ASN1_INTEGER *copy = ASN1_INTEGER_dup(serial);
    if (!copy || !sk_ASN1_INTEGER_push(s->revoked_here, copy)) ASN1_INTEGER_free(copy);
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

/* OpenSSL's last error-level message on this thread: the reason of a
 * refusal OpenSSL's checks made, for the log line that counts it. */
static __thread char last_error[240];

static int log_cb(const char *func, const char *file, int line, OSSL_CMP_severity level,
                  const char *msg)
{
    (void)func;
    (void)file;
    (void)line;
    if (level <= OSSL_CMP_LOG_ERR && msg) {
        snprintf(last_error, sizeof last_error, "%s", msg);
        last_error[strcspn(last_error, "\n")] = '\0';
    }
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

static void free_kept(rk_cmp_server *s)
{
    while (s->n_kept > 0)
        OSSL_CMP_MSG_free(s->kept[--s->n_kept]);
}

/* One OpenSSL server context per transaction. OpenSSL 3.0's context
 * collects every request's extraCerts into its untrusted list and caches
 * the last sender certificate, and here (Debian's 3.0) later validation read
 * certificates of freed requests (a crash, seen with ASan). A context that
 * lives for one transaction, with that transaction's requests kept until it
 * ends, holds nothing of another client's and cannot grow. */
static int fresh_srv_ctx(rk_cmp_server *s)
{
    X509_STORE *store = NULL;
    OSSL_CMP_SRV_CTX *srv = OSSL_CMP_SRV_CTX_new(NULL, NULL);
    OSSL_CMP_CTX *ctx = srv ? OSSL_CMP_SRV_CTX_get0_cmp_ctx(srv) : NULL;
    if (!ctx ||
        !OSSL_CMP_SRV_CTX_init(srv, s, on_cert_request, on_rr, on_genm, on_error, on_certConf,
                               NULL) ||
        !OSSL_CMP_CTX_set_log_cb(ctx, log_cb) ||
        !OSSL_CMP_SRV_CTX_set_send_unprotected_errors(srv, 1) ||
        !OSSL_CMP_SRV_CTX_set_accept_unprotected(srv, 0) ||
        !OSSL_CMP_SRV_CTX_set_accept_raverified(srv, 0) ||
        !OSSL_CMP_SRV_CTX_set_grant_implicit_confirm(srv, 1) ||
        (s->prot_key && (!OSSL_CMP_CTX_set1_cert(ctx, s->prot_cert) ||
                         !OSSL_CMP_CTX_set1_pkey(ctx, s->prot_key))) ||
        !(store = X509_STORE_new()))
        goto fail;
    for (int i = 0; i < sk_X509_num(s->trusted); i++)
        if (!X509_STORE_add_cert(store, sk_X509_value(s->trusted, i))) goto fail;
    if (!OSSL_CMP_CTX_set0_trustedStore(ctx, store)) goto fail;
    OSSL_CMP_SRV_CTX_free(s->srv);
    free_kept(s);
    s->srv = srv;
    X509_free(s->last_issued);
    s->last_issued = NULL;
    return 0;
fail:
    X509_STORE_free(store);
    OSSL_CMP_SRV_CTX_free(srv);
    return RK_ECRYPTO;
}

/* Keeps msg (owned) until its transaction's context goes. */
static void keep_msg(rk_cmp_server *s, OSSL_CMP_MSG *msg)
{
    if (s->n_kept < (int)(sizeof s->kept / sizeof s->kept[0])) {
        s->kept[s->n_kept++] = msg;
        return;
    }
    /* A transaction of more messages than that: it starts afresh. */
    fresh_srv_ctx(s);
    OSSL_CMP_MSG_free(msg);
}

int rk_cmp_server_new(rk_cmp_server **out, const rk_cmp_server_opts *o)
{
    rk_cmp_server *s;
    *out = NULL;

    if (!o || !o->ca_cert) return rk_err_set(RK_EINVAL, "CMP server: no CA certificate");
    if (!o->issue && !o->ca_key)
        return rk_err_set(RK_EINVAL, "CMP server: neither an issuer nor the CA key");
    X509 *pc = o->prot_cert ? o->prot_cert : o->ca_cert;
    EVP_PKEY *pk = o->prot_cert ? o->prot_key : o->ca_key;
    if (!o->secret && !(o->auth && o->auth->secret) && !pk)
        return rk_err_set(RK_EINVAL, "CMP server: neither a shared secret nor a protection key");
    if (o->secret && (!o->ref || !*o->ref || o->secret_len == 0))
        return rk_err_set(RK_EINVAL, "CMP server: a shared secret needs a reference");
    if (o->secret && (strlen(o->ref) > RK_CMP_REF_MAX || o->secret_len > RK_CMP_SECRET_MAX))
        return rk_err_set(RK_EINVAL, "CMP server: the reference or secret is too long");
    if (!(s = calloc(1, sizeof *s))) return rk_err_oom();
    if (o->auth) s->auth = *o->auth;
    if (o->secret) {
        snprintf(s->fixed_ref, sizeof s->fixed_ref, "%s", o->ref);
        memcpy(s->fixed_secret, o->secret, o->secret_len);
        s->fixed_len = o->secret_len;
    }
    s->type = -1;
    if (!(s->revoked_here = sk_ASN1_INTEGER_new_null())) {
        free(s);
        return rk_err_oom();
    }
    s->ca_cert = o->ca_cert;
    s->simple.ca_cert = o->ca_cert;
    s->simple.ca_key = o->ca_key;
    s->simple.days = o->days;
    s->issue = o->issue ? o->issue : rk_cmp_issue_simple;
    s->issue_arg = o->issue ? o->issue_arg : &s->simple;
    s->revoke = o->revoke;
    s->revoke_arg = o->revoke_arg;
    s->prot_cert = pk ? pc : NULL;
    s->prot_key = pk;
    if (!(s->trusted = sk_X509_new_null()) || !sk_X509_push(s->trusted, o->ca_cert)) goto fail;
    for (int i = 0; i < o->n_trusted; i++)
        if (o->trusted[i] && !sk_X509_push(s->trusted, o->trusted[i])) goto fail;
    if (fresh_srv_ctx(s)) goto fail;
    *out = s;
    return 0;
fail:
    rk_cmp_server_free(s);
    return ossl_fail("setup refused");
}

void rk_cmp_server_free(rk_cmp_server *s)
{
    if (!s) return;
    OSSL_CMP_SRV_CTX_free(s->srv); /* OpenSSL clears its copy of the secret */
    X509_free(s->last_issued);
    sk_ASN1_INTEGER_pop_free(s->revoked_here, ASN1_INTEGER_free);
    free_kept(s);
    sk_X509_free(s->trusted); /* borrowed certificates */
    rk_wipe(s, sizeof *s);
    free(s);
}

void rk_cmp_server_get_stats(rk_cmp_server_stats *out, const rk_cmp_server *s)
{
    *out = s->stats;
}

/* ---- before OpenSSL: the header, the reference, the signer ------------- */

/* What the server reads from a message's DER itself. */
typedef struct peek {
    int body; /* PKIBody choice */
    int pbm;  /* protectionAlg is password-based MAC */
    const unsigned char *kid, *txid, *extra;
    size_t kid_len, txid_len, extra_len; /* extra: the extraCerts' contents */
} peek;

/* id-PasswordBasedMac, 1.2.840.113533.7.66.13 */
static const unsigned char PBM_OID[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                        0xf6, 0x7d, 0x07, 0x42, 0x0d};

/* The OCTET STRING inside an explicitly tagged field c[0..n). */
static int inner_octets(const unsigned char **v, size_t *vn, const unsigned char *c, size_t n)
{
    unsigned char tag;
    size_t h, l;
    if (der_header(c, c + n, &tag, &h, &l) || tag != 0x04) return RK_EFORMAT;
    *v = c + h;
    *vn = l;
    return 0;
}

/* PKIMessage ::= SEQUENCE { header PKIHeader, body PKIBody, [0] protection,
 * [1] extraCerts }; PKIHeader ::= SEQUENCE { pvno, sender, recipient,
 * [0] messageTime, [1] protectionAlg, [2] senderKID, [3] recipKID,
 * [4] transactionID, ... }, tags explicit. */
static int peek_msg(peek *pk, const unsigned char *der, size_t len)
{
    const unsigned char *end = der + len, *p, *q, *hend;
    unsigned char tag;
    size_t h, n;

    memset(pk, 0, sizeof *pk);
    pk->body = -1;
    if (der_header(der, end, &tag, &h, &n) || tag != 0x30) return RK_EFORMAT;
    p = der + h;
    end = p + n;
    if (der_header(p, end, &tag, &h, &n) || tag != 0x30) return RK_EFORMAT;
    q = p + h;
    hend = q + n;
    p = hend;
    for (int field = 0; q < hend; field++) {
        if (der_header(q, hend, &tag, &h, &n)) return RK_EFORMAT;
        const unsigned char *c = q + h;
        if (field >= 3 && tag == 0xa1) { /* protectionAlg: SEQUENCE { OID, ... } */
            unsigned char t2;
            size_t h2, n2;
            if (der_header(c, c + n, &t2, &h2, &n2) || t2 != 0x30) return RK_EFORMAT;
            pk->pbm = n2 >= sizeof PBM_OID && !memcmp(c + h2, PBM_OID, sizeof PBM_OID);
        } else if (field >= 3 && tag == 0xa2) {
            if (inner_octets(&pk->kid, &pk->kid_len, c, n)) return RK_EFORMAT;
        } else if (field >= 3 && tag == 0xa4) {
            if (inner_octets(&pk->txid, &pk->txid_len, c, n)) return RK_EFORMAT;
        }
        q = c + n;
    }
    if (p >= end || der_header(p, end, &tag, &h, &n) || (tag & 0xe0) != 0xa0) return RK_EFORMAT;
    pk->body = tag & 0x1f;
    for (p += h + n; p < end; p += h + n) {
        if (der_header(p, end, &tag, &h, &n)) return RK_EFORMAT;
        if (tag == 0xa1) {
            unsigned char t2;
            size_t h2, n2;
            if (der_header(p + h, p + h + n, &t2, &h2, &n2) || t2 != 0x30) return RK_EFORMAT;
            pk->extra = p + h + h2;
            pk->extra_len = n2;
        }
    }
    return 0;
}

static void set_secret(rk_cmp_server *s, const unsigned char *secret, size_t n)
{
    OSSL_CMP_CTX *ctx = OSSL_CMP_SRV_CTX_get0_cmp_ctx(s->srv);
    if (!OSSL_CMP_CTX_set1_referenceValue(ctx, (const unsigned char *)s->ref,
                                          (int)strlen(s->ref)) ||
        !OSSL_CMP_CTX_set1_secretValue(ctx, secret, (int)n))
        ERR_clear_error(); /* OpenSSL then refuses the MAC: counted afterwards */
}

/* A secret nobody knows: OpenSSL's MAC check then fails as for a wrong
 * secret, and the client learns no more than that. */
static void refuse_secret(rk_cmp_server *s, const char *why)
{
    unsigned char r[32];
    refused(s, why);
    if (RAND_bytes(r, sizeof r) != 1) memset(r, 0x5a, sizeof r);
    set_secret(s, r, sizeof r);
    rk_wipe(r, sizeof r);
}

static void forget_pending(rk_cmp_server *s)
{
    rk_wipe(s->pend_secret, sizeof s->pend_secret);
    s->pend_len = 0;
    s->pend_ref[0] = '\0';
    s->pend_txid_len = 0;
}

/* The secret for a PBM-protected message, or a refusal. */
static void prepare_pbm(rk_cmp_server *s, const peek *pk)
{
    int cont = pk->body == BODY_CERTCONF || pk->body == BODY_POLLREQ || pk->body == BODY_ERROR;
    size_t len = 0;
    if (!pk->kid || pk->kid_len == 0 || pk->kid_len > RK_CMP_REF_MAX) {
        refuse_secret(s, pk->kid ? "the sender reference is too long" : "no sender reference");
        return;
    }
    for (size_t i = 0; i < pk->kid_len; i++)
        if (pk->kid[i] < 0x21 || pk->kid[i] > 0x7e) {
            refuse_secret(s, "the sender reference is not printable text");
            return;
        }
    memcpy(s->ref, pk->kid, pk->kid_len);
    s->ref[pk->kid_len] = '\0';
    if (cont && s->pend_len && !strcmp(s->ref, s->pend_ref) && pk->txid_len == s->pend_txid_len &&
        !memcmp(pk->txid, s->pend_txid, pk->txid_len)) {
        memcpy(s->secret, s->pend_secret, s->pend_len);
        len = s->pend_len;
    } else if (s->fixed_ref[0] && !strcmp(s->ref, s->fixed_ref)) {
        memcpy(s->secret, s->fixed_secret, s->fixed_len);
        len = s->fixed_len;
        s->fixed = 1;
    } else if (!s->auth.secret || cont || pk->body == BODY_GENM) {
        refuse_secret(s, "unknown reference");
        return;
    } else {
        rk_err_clear();
        int rc = s->auth.secret(s->auth.arg, s->ref, pk->body, s->secret, sizeof s->secret, &len);
        if (rc || len == 0 || len > sizeof s->secret) {
            char why[300];
            snprintf(why, sizeof why, "%s",
                     rc == RK_ENOTFOUND ? "unknown reference"
                     : *rk_err_msg()    ? rk_err_msg()
                                        : "the reference cannot be used");
            rk_wipe(s->secret, sizeof s->secret);
            refuse_secret(s, why);
            return;
        }
    }
    s->secret_len = len;
    s->pbm = 1;
    set_secret(s, s->secret, len);
}

/* A signature-protected message: a revoked certificate of this CA among
 * those it carries (the signer's) refuses it. */
static void prepare_signed(rk_cmp_server *s, const peek *pk)
{
    const unsigned char *p = pk->extra, *end = pk->extra + pk->extra_len;
    unsigned char tag;
    size_t h, n;
    while (p && p < end && !s->refusal[0] && der_header(p, end, &tag, &h, &n) == 0) {
        const unsigned char *q = p;
        X509 *c = d2i_X509(NULL, &q, (long)(h + n));
        p += h + n;
        if (!c) {
            ERR_clear_error();
            continue;
        }
        int revoked = 0;
        char hex[80];
        rk_err_clear();
        if (!X509_NAME_cmp(X509_get_issuer_name(c), X509_get_subject_name(s->ca_cert))) {
            serial_text(hex, sizeof hex, X509_get0_serialNumber(c));
            if (is_revoked(s, X509_get_issuer_name(c), X509_get0_serialNumber(c), &revoked)) {
                snprintf(s->refusal, sizeof s->refusal, "cannot check revocation: %s",
                         rk_err_msg());
                s->refusal_bit = OSSL_CMP_PKIFAILUREINFO_systemFailure;
            } else if (revoked) {
                snprintf(s->refusal, sizeof s->refusal,
                         "the certificate that signs the request (%s) is revoked", hex);
                s->refusal_bit = OSSL_CMP_PKIFAILUREINFO_certRevoked;
            }
        }
        X509_free(c);
    }
}

static void prepare(rk_cmp_server *s, const peek *pk)
{
    int cont = pk->body == BODY_CERTCONF || pk->body == BODY_POLLREQ || pk->body == BODY_ERROR;
    s->type = pk->body;
    s->ref[0] = '\0';
    s->pbm = s->fixed = s->counted = 0;
    s->refusal[0] = '\0';
    s->secret_len = 0;
    s->txid_len = pk->txid_len <= sizeof s->txid ? pk->txid_len : 0;
    if (s->txid_len) memcpy(s->txid, pk->txid, s->txid_len);
    if (!cont) forget_pending(s);
    if (pk->pbm)
        prepare_pbm(s, pk);
    else
        prepare_signed(s, pk);
}

/* After OpenSSL: an error answer it made is a refusal too. */
static void after(rk_cmp_server *s, const OSSL_CMP_MSG *ans)
{
    if (!ans)
        refused(s, last_error[0] ? last_error : "no answer could be made");
    else if (OSSL_CMP_MSG_get_bodytype(ans) == BODY_ERROR && s->pbm &&
             strstr(last_error, "validating protection"))
        refused(s, "wrong secret: the password-based MAC does not verify");
    else if (OSSL_CMP_MSG_get_bodytype(ans) == BODY_ERROR)
        refused(s, last_error[0] ? last_error : "an error answer");
    if (s->type == BODY_CERTCONF) forget_pending(s);
    rk_wipe(s->secret, sizeof s->secret);
    s->secret_len = 0;
    if (!s->pend_len) {
        /* No secret stays in OpenSSL's context between transactions. */
        unsigned char r[32];
        if (RAND_bytes(r, sizeof r) == 1) set_secret(s, r, sizeof r);
        rk_wipe(r, sizeof r);
    }
}

int rk_cmp_server_handle(unsigned char **rsp, size_t *rsp_len, rk_cmp_server *s,
                         const unsigned char *req, size_t req_len)
{
    const unsigned char *p = req;
    peek pk;
    *rsp = NULL;
    *rsp_len = 0;
    s->stats.requests++;
    s->type = -1;
    s->ref[0] = '\0';
    s->counted = 0;
    if (req_len == 0 || req_len > RK_CMP_HTTP_MAX_BODY) {
        refused(s, "empty or oversized request");
        return rk_err_set(RK_EFORMAT, "CMP server: empty or oversized request");
    }
    OSSL_CMP_MSG *msg = d2i_OSSL_CMP_MSG(NULL, &p, (long)req_len);
    if (!msg || p != req + req_len || peek_msg(&pk, req, req_len) != 0) {
        OSSL_CMP_MSG_free(msg);
        ERR_clear_error();
        refused(s, "not a well-formed CMP message");
        return rk_err_set(RK_EFORMAT, "CMP server: the request is not a well-formed CMP message");
    }
    if (pk.body != BODY_CERTCONF && pk.body != BODY_POLLREQ && pk.body != BODY_ERROR &&
        fresh_srv_ctx(s) != 0) {
        OSSL_CMP_MSG_free(msg);
        return ossl_fail("cannot start a transaction");
    }
    prepare(s, &pk);
    last_error[0] = '\0';
    OSSL_CMP_MSG *ans = OSSL_CMP_SRV_process_request(s->srv, msg);
    keep_msg(s, msg);
    after(s, ans);
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

OSSL_CMP_MSG *rk_cmp_server_transfer(OSSL_CMP_CTX *client_ctx, const OSSL_CMP_MSG *req)
{
    rk_cmp_server *s = OSSL_CMP_CTX_get_transfer_cb_arg(client_ctx);
    unsigned char *der = NULL, *rsp = NULL;
    size_t rlen = 0;
    OSSL_CMP_MSG *ans = NULL;
    int n = s && req ? i2d_OSSL_CMP_MSG(req, &der) : -1;
    if (n > 0 && rk_cmp_server_handle(&rsp, &rlen, s, der, (size_t)n) == 0) {
        const unsigned char *p = rsp;
        ans = d2i_OSSL_CMP_MSG(NULL, &p, (long)rlen);
    }
    OPENSSL_free(der);
    free(rsp);
    if (!ans) ERR_raise(ERR_LIB_CMP, CMP_R_TRANSFER_ERROR);
    return ans;
}

static int http_handler(unsigned char **rsp, size_t *rsp_len, void *arg, const unsigned char *req,
                        size_t req_len)
{
    return rk_cmp_server_handle(rsp, rsp_len, arg, req, req_len);
}

static void http_refused(void *arg, int status, const char *why)
{
    rk_cmp_server *s = arg;
    char text[360];
    s->stats.requests++;
    s->type = -1;
    s->ref[0] = '\0';
    s->counted = 0;
    snprintf(text, sizeof text, "HTTP %d: %s", status, why);
    refused(s, text);
}

int rk_cmp_server_serve_http(rk_cmp_server *s, int listen_fd, volatile sig_atomic_t *stop,
                             long max_requests)
{
    return rk_cmp_http_serve_counted(listen_fd, http_handler, http_refused, s, stop, max_requests,
                                     10000);
}
