/*
 * Key recovery at HQ (see recovery.h).
 */
#include "hq/recovery.h"

#include "branch/sync_proto.h"
#include "ca/escrow.h"
#include "hq/hqca.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pem.h"

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A refusal: logged at HQ and returned with its message. */
static int refuse(int rc, const char *branch, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(int rc, const char *branch, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rk_log_warn("rahq: key recovery for branch %s refused: %s", branch, msg);
    return rk_err_set(rc, "%s", msg);
}

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : "";
}

/* The branch's device certificate, checked (see recovery.h). */
static int device_cert(X509 **out, rk_hq_store *s, const rk_hq_recover_req *req, char serial[41])
{
    rk_hq_branch b;
    char *pem = NULL;
    X509 *cert = NULL;
    int rc, revoked = 0;

    *out = NULL;
    if ((rc = s->ops->branch_get(s, req->branch, &b)) != 0) return rc;
    if (!b.active) return refuse(RK_EPERM, req->branch, "the branch is retired");
    rc = s->ops->branch_device_cert(s, req->branch, &pem);
    if (rc == RK_ENOTFOUND)
        return refuse(RK_EPERM, req->branch,
                      "HQ holds no device certificate of branch %s (enrolled before HQ kept "
                      "them): enrol it again (rahq admin branch reenrol)",
                      req->branch);
    if (rc) return rc;
    rc = rk_pem_cert_mem(&cert, pem, strlen(pem), "the branch's device certificate");
    free(pem);
    if (rc) return rc;
    rk_hqca_serial_hex(serial, 41, X509_get0_serialNumber(cert));
    EVP_PKEY *ca_pub = X509_get0_pubkey(req->hq_ca);
    int64_t now = rk_clock_now();
    time_t t = (time_t)now;
    if (!ca_pub || X509_verify(cert, ca_pub) != 1 ||
        X509_cmp_time(X509_get0_notBefore(cert), &t) > 0 ||
        X509_cmp_time(X509_get0_notAfter(cert), &t) < 0 ||
        !rk_sync_proto_cert_names(cert, req->branch))
        rc = refuse(RK_EPERM, req->branch,
                    "the device certificate %s HQ holds for branch %s does not verify against "
                    "HQ's CA, is out of its validity, or does not name the branch",
                    serial, req->branch);
    else if (strcasecmp(serial, b.cert_serial))
        rc = refuse(RK_EPERM, req->branch, "the device certificate %s is not the one in force (%s)",
                    serial, b.cert_serial[0] ? b.cert_serial : "none");
    else if ((rc = s->ops->is_revoked(s, serial, &revoked)) == 0 && revoked)
        rc = refuse(RK_EPERM, req->branch,
                    "branch %s's device certificate %s is revoked: enrol it again first",
                    req->branch, serial);
    ERR_clear_error();
    if (rc) {
        X509_free(cert);
        return rc;
    }
    *out = cert;
    return 0;
}

/* The escrow of serial that req->branch pushed, as JSON (*out: decref). */
static int find_escrow(json_t **out, rk_hq_store *s, const rk_hq_recover_req *req,
                       const char *serial)
{
    rk_hq_entity *e = NULL;
    int n = 0, mine = -1;
    *out = NULL;
    int rc = s->ops->entity_find(s, "escrow", serial, &e, &n);
    if (rc) return rc;
    for (int i = 0; i < n; i++)
        if (!strcmp(e[i].branch, req->branch)) mine = i;
    if (mine < 0) {
        rc = n ? refuse(RK_EPERM, req->branch,
                        "certificate %s was escrowed by branch %s, not %s: a key is recovered "
                        "at the branch that escrowed it",
                        serial, e[0].branch, req->branch)
               : refuse(RK_ENOTFOUND, req->branch,
                        "HQ holds no escrowed key of certificate %s from branch %s (not "
                        "escrowed, or not pushed yet)",
                        serial, req->branch);
    } else if (strcmp(e[mine].kind, "key.escrowed") ||
               !(*out = json_loads(e[mine].payload, 0, NULL))) {
        rc = refuse(RK_EPERM, req->branch, "the escrow of certificate %s is unreadable", serial);
    }
    rk_hq_entities_free(e, n);
    return rc;
}

/* The order's newest event payload (cert_serial, holder), *out decref. */
static int order_payload(json_t **out, rk_hq_store *s, const char *branch, const char *uuid)
{
    rk_hq_entity *e = NULL;
    int n = 0;
    *out = NULL;
    int rc = s->ops->entity_find(s, "order", uuid, &e, &n);
    for (int i = 0; !rc && i < n; i++)
        if (!strcmp(e[i].branch, branch)) *out = json_loads(e[i].payload, 0, NULL);
    rk_hq_entities_free(e, n);
    if (!rc && !*out) rc = rk_err_set(RK_ENOTFOUND, "HQ has no events of order %s", uuid);
    return rc;
}

static int decode_b64(unsigned char **der, size_t *len, const char *b64)
{
    size_t n = strlen(b64);
    *der = malloc(n / 4 * 3 + 3);
    if (!*der) return rk_err_oom();
    if (rk_sync_proto_unb64(*der, n / 4 * 3 + 3, len, b64, n) != 0 || *len == 0) {
        free(*der);
        *der = NULL;
        return RK_EFORMAT;
    }
    return 0;
}

int rk_hq_recover(rk_hq_store *s, const rk_hq_recover_req *req, rk_hq_recover_result *out)
{
    rk_hq_order o;
    json_t *op = NULL, *esc = NULL;
    X509 *dev = NULL;
    EVP_PKEY *key = NULL;
    unsigned char *der = NULL, *wrapped = NULL;
    size_t dlen = 0, wlen = 0;
    char serial[64];
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = s->ops->order_get(s, req->branch, req->order, &o)) != 0) return rc;
    snprintf(out->order_uuid, sizeof out->order_uuid, "%s", o.uuid);
    snprintf(out->order_ref, sizeof out->order_ref, "%s", o.ref);
    if (strcmp(o.business, "recovery")) {
        rc = refuse(RK_EPERM, req->branch, "order %s is %s %s order, not a key recovery", o.ref,
                    o.business[0] == 'a' || o.business[0] == 'e' || o.business[0] == 'i' ||
                            o.business[0] == 'o' || o.business[0] == 'u'
                        ? "an"
                        : "a",
                    o.business);
        goto out;
    }
    if (strcmp(o.state, "approved") && strcmp(o.state, "paid")) {
        rc = refuse(RK_ESTATE, req->branch,
                    "order %s is '%s' at HQ: a key is released for an approved (or paid) "
                    "recovery order only",
                    o.ref, o.state);
        goto out;
    }
    if ((rc = order_payload(&op, s, req->branch, o.uuid)) != 0) goto out;
    const char *cs = str(op, "cert_serial");
    size_t k = 0;
    for (; cs[k] && k + 1 < sizeof serial; k++)
        serial[k] = (char)toupper((unsigned char)cs[k]);
    serial[k] = '\0';
    if (!serial[0] || cs[k]) {
        rc = refuse(RK_EPERM, req->branch, "order %s names no certificate", o.ref);
        goto out;
    }
    snprintf(out->serial, sizeof out->serial, "%s", serial);
    if ((rc = find_escrow(&esc, s, req, serial)) != 0) goto out;
    const char *h1 = str(esc, "holder"), *h2 = str(op, "holder");
    if (!*h1 || !*h2 || strcmp(h1, h2)) {
        rc = refuse(RK_EPERM, req->branch,
                    *h1 && *h2 ? "certificate %s belongs to another subscriber than order %s's"
                               : "certificate %s: the holder of it or of order %s cannot be told "
                                 "(no ID number recorded)",
                    serial, o.ref);
        goto out;
    }
    if ((rc = device_cert(&dev, s, req, out->device_serial)) != 0) goto out;
    if (decode_b64(&der, &dlen, str(esc, "wrapped")) != 0) {
        rc = refuse(RK_EPERM, req->branch, "the escrow of certificate %s is not base64", serial);
        goto out;
    }
    if ((rc = rk_escrow_unwrap(&key, der, dlen, req->recovery_key, req->recovery_cert)) != 0 ||
        (rc = rk_escrow_wrap(&wrapped, &wlen, key, dev)) != 0)
        goto out;
    rk_buf b64;
    rk_buf_init(&b64, 4096);
    if ((rc = rk_sync_proto_b64(&b64, wrapped, wlen)) == 0) {
        json_t *p = json_pack("{ss ss ss}", "order", o.uuid, "serial", serial, "wrapped",
                              b64.data ? b64.data : "");
        char *text = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(p);
        rc = text ? s->ops->change_add(s, req->branch, NULL, "key.recovered", text, &out->cursor)
                  : rk_err_oom();
        free(text);
    }
    rk_buf_free(&b64);
    if (!rc)
        rk_log_info("rahq: key of certificate %s released to branch %s for order %s, wrapped to "
                    "its device certificate %s (change %lld)",
                    serial, req->branch, o.ref, out->device_serial, (long long)out->cursor);
out:
    EVP_PKEY_free(key); /* the software copy is wiped */
    X509_free(dev);
    free(der);
    free(wrapped);
    json_decref(op);
    json_decref(esc);
    return rc;
}
