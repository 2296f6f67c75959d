/*
 * Raw PKCS#11 ECDSA signatures to DER (see ecdsa.h).
 */
#include "ecdsa.h"

#include "err.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>

int rk_ecdsa_raw_to_der(unsigned char **der, size_t *der_len, const unsigned char *raw,
                        size_t raw_len, const char *what)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)(raw_len / 2), NULL);
    BIGNUM *s = BN_bin2bn(raw + raw_len / 2, (int)(raw_len / 2), NULL);

    *der = NULL;
    if (!es || !r || !s || raw_len == 0 || raw_len % 2 || !ECDSA_SIG_set0(es, r, s)) {
        ECDSA_SIG_free(es);
        BN_free(r);
        BN_free(s);
        return rk_err_set(RK_ECRYPTO, "%s returned a malformed signature", what);
    }
    int n = i2d_ECDSA_SIG(es, der);
    ECDSA_SIG_free(es);
    if (n <= 0) return rk_err_oom();
    *der_len = (size_t)n;
    return 0;
}
