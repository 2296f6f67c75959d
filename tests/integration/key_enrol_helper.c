/*
 * Test helper for tests/integration/key_tools.sh: puts a signing key pair
 * and a certificate from a throw-away test CA onto an initialised key
 * through the key layer, the way enrolment will (keygen on the key, CSR
 * signed on the key, certificate written and read back), so the script can
 * check the result with tools nobody here wrote (pkcs11-tool, openssl).
 *
 * usage: key_enrol_helper MODULE SERIAL ec|rsa CA_PEM_OUT CERT_PEM_OUT < PIN
 */
#include "token/token.h"
#include "util/spki.h"
#include "util/err.h"
#include "util/wipe.h"

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static X509 *issue(const X509_NAME *subject, EVP_PKEY *pub, X509 *ca, EVP_PKEY *key, int is_ca)
{
    X509 *c = X509_new();
    unsigned char sn[12];
    RAND_bytes(sn, sizeof sn);
    sn[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(sn, sizeof sn, NULL);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c));
    BN_free(bn);
    X509_set_version(c, 2);
    X509_set_subject_name(c, subject);
    X509_set_issuer_name(c, ca ? X509_get_subject_name(ca) : subject);
    X509_time_adj_ex(X509_getm_notBefore(c), 0, -3600, NULL);
    X509_time_adj_ex(X509_getm_notAfter(c), 365, 0, NULL);
    X509_set_pubkey(c, pub);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, ca ? ca : c, c, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
                                            is_ca ? "critical,CA:TRUE" : "CA:FALSE");
    X509_add_ext(c, e, -1);
    X509_EXTENSION_free(e);
    e = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage,
                            is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    X509_add_ext(c, e, -1);
    X509_EXTENSION_free(e);
    X509_sign(c, key, EVP_sha256());
    return c;
}

static int fail(const char *what)
{
    fprintf(stderr, "key_enrol_helper: %s: %s\n", what, rk_err_msg());
    return 1;
}

int main(int argc, char **argv)
{
    char pin[RK_TOKEN_PIN_MAX];
    unsigned char id[RK_TOKEN_ID_LEN];
    rk_token_ctx *ctx;
    rk_token *t;
    X509_REQ *req;

    if (argc != 6) {
        fprintf(stderr, "usage: key_enrol_helper MODULE SERIAL ec|rsa CA_PEM CERT_PEM < PIN\n");
        return 2;
    }
    if (!fgets(pin, sizeof pin, stdin)) return 2;
    pin[strcspn(pin, "\r\n")] = '\0';
    if (rk_token_ctx_new(&ctx, argv[1])) return fail("module");
    if (rk_token_open(&t, ctx, argv[2])) return fail("open");
    int rc = rk_token_login(t, pin);
    rk_wipe(pin, sizeof pin);
    if (rc) return fail("login");
    int alg = !strcmp(argv[3], "rsa") ? RK_TOKEN_RSA_2048 : RK_TOKEN_EC_P256;
    if (rk_token_keygen(id, t, alg, RK_TOKEN_SIGN, "signing key", NULL, NULL))
        return fail("keygen");
    X509_NAME *subj = X509_NAME_new();
    X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_UTF8, (const unsigned char *)"Li Si", -1, -1,
                               0);
    if (rk_token_csr(&req, t, id, sizeof id, subj)) return fail("csr");
    EVP_PKEY *ca_key = EVP_EC_gen("P-256");
    X509_NAME *ca_name = X509_NAME_new();
    X509_NAME_add_entry_by_txt(ca_name, "CN", MBSTRING_ASC, (const unsigned char *)"Test CA", -1,
                               -1, 0);
    X509 *ca = issue(ca_name, ca_key, NULL, ca_key, 1);
    EVP_PKEY *req_key = NULL;
    if (rk_spki_pkey(&req_key, X509_REQ_get_X509_PUBKEY(req))) return fail("request key");
    X509 *cert = issue(X509_REQ_get_subject_name(req), req_key, ca, ca_key, 0);
    EVP_PKEY_free(req_key);
    STACK_OF(X509) *cas = sk_X509_new_null();
    sk_X509_push(cas, ca);
    if (rk_token_write_cert(t, id, sizeof id, "Li Si", cert, 0, NULL, NULL)) return fail("write");
    if (rk_token_verify_cert(t, id, sizeof id, cert, cas)) return fail("verify");
    FILE *f = fopen(argv[4], "w");
    PEM_write_X509(f, ca);
    fclose(f);
    f = fopen(argv[5], "w");
    PEM_write_X509(f, cert);
    fclose(f);
    for (size_t i = 0; i < sizeof id; i++)
        printf("%02x", id[i]);
    printf("\n");
    sk_X509_free(cas);
    X509_free(ca);
    X509_free(cert);
    X509_REQ_free(req);
    X509_NAME_free(subj);
    X509_NAME_free(ca_name);
    EVP_PKEY_free(ca_key);
    rk_token_close(t);
    rk_token_ctx_free(ctx);
    return 0;
}
