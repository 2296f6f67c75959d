/*
 * Checking that a certificate chains to a set of CA certificates, with the
 * CA certificates' own chain checked once.
 *
 * A branch issues every certificate from the same sub-CA, and each
 * enrolment checks the new certificate's chain. X509_verify_cert would
 * verify the sub-CA's certificate against HQ's root each time: the same
 * signature over the same bytes, about a third of the check. An rk_chain
 * keeps the CA certificates it last found good: their signatures and
 * extensions are checked when other ones come, their validity periods on
 * every check. A
 * certificate is then checked by OpenSSL against its issuer among them as
 * the trust anchor (a partial chain): the issuer's signature on it, the
 * issuer being a CA, validity periods, extensions.
 */
#ifndef RK_CHAIN_H
#define RK_CHAIN_H

#include <openssl/x509.h>
#include <stdint.h>

typedef struct rk_chain rk_chain;

int rk_chain_new(rk_chain **out);
void rk_chain_free(rk_chain *c);

/* 0 if cert chains, at time now, to a self-signed certificate among cas
 * through certificates among cas; RK_EVERIFY with the reason otherwise,
 * naming cert as what ("the certificate on the key"). A certificate that
 * is itself one of cas is refused: they did not issue it. Safe to call
 * from several threads on one rk_chain. */
int rk_chain_check(rk_chain *c, X509 *cert, const char *what, STACK_OF(X509) * cas, int64_t now);

#endif
