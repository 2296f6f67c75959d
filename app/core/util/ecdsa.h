/*
 * ECDSA signatures as PKCS#11 returns them (r || s, each half the length)
 * turned into the DER ECDSA-Sig-Value X.509 and CMS expect. Used by the
 * key layer and the appliance HSM, which both sign with raw CKM_ECDSA.
 */
#ifndef RK_ECDSA_H
#define RK_ECDSA_H

#include <stddef.h>

/* *der (OPENSSL_free) receives the DER of the raw signature. RK_ECRYPTO
 * naming what (e.g. "the HSM") if raw is malformed, RK_ENOMEM. */
int rk_ecdsa_raw_to_der(unsigned char **der, size_t *der_len, const unsigned char *raw,
                        size_t raw_len, const char *what);

#endif
