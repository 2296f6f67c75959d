/*
 * A clerk's login with the clerk's own USB key and PIN: the branch gives a
 * fresh challenge, the key signs it, the branch checks the answer and
 * opens the session (session.h keeps it).
 *
 * The signed answer is a PKCS#10 request whose subject is
 * CN=<challenge>, OU=clerk login, O=<branch id>, signed on the key by the
 * clerk pair (clerkkey.h): the key layer's one signing call, and a
 * standard structure whose signature OpenSSL checks. The answer counts
 * only if all of these hold:
 *   - the challenge was issued here, is unanswered and unexpired
 *     (domain/clerk_cert.h; taking it makes a replayed answer worthless);
 *   - the answer names that challenge, carries the certificate's key and
 *     its signature verifies with it;
 *   - the certificate was issued by this branch's sub-CA (<data_dir>/ca/
 *     subca.pem) and chains through it, at the clock's now, to a root of
 *     [hq] ca_certs (else the root the sub-CA keeps): a self-made
 *     certificate with a clerk's name, or another branch's, does not;
 *   - the roster holds it (issuer and serial), in force, for the same key,
 *     for a clerk who is active and not locked;
 *   - the sub-CA's register has it good, and the newest CRL the sub-CA
 *     signed (its signature checked) does not list it.
 * Every refusal is one answer, RK_EAUTH RK_BRANCH_KEYLOGIN_REFUSED,
 * whatever failed (a wrong or locked PIN too), and is audited as
 * clerk.login_refused with what failed as detail. A missing key is not a
 * refusal: RK_EDEVICE asks for it.
 */
#ifndef RK_BRANCH_KEYLOGIN_H
#define RK_BRANCH_KEYLOGIN_H

#include "branch/branch.h"
#include "domain/clerk_cert.h"

#include <openssl/x509.h>

#define RK_BRANCH_KEYLOGIN_REFUSED "wrong PIN, or not a clerk key of this branch"

/* A fresh challenge (RK_CLERK_CHALLENGE_HEX + 1 bytes into out). */
int rk_branch_keylogin_challenge(rk_branch *b, char out[RK_CLERK_CHALLENGE_HEX + 1]);

/* Signs challenge on the key serial with pin: *answer the signed request,
 * *cert the clerk certificate read from the key (both the caller's).
 * RK_EDEVICE when the key is not there; any other failure is an audited
 * refusal. */
int rk_branch_keylogin_sign(rk_branch *b, const char *serial, const char *pin,
                            const char *challenge, X509_REQ **answer, X509 **cert);

/* Checks answer to challenge with cert (see above) and opens a session of
 * its clerk: token and *actor as rk_clerk_login. key_serial (may be NULL)
 * names the key in the audit log. */
int rk_branch_keylogin_verify(rk_branch *b, const char *challenge, X509_REQ *answer, X509 *cert,
                              const char *key_serial, char token[RK_SESSION_TOKEN_LEN + 1],
                              rk_actor *actor);

#endif
