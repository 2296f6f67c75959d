/*
 * HQ's CA certificates as the trust anchors for what HQ signs (CRLs today).
 *
 * The roots are trust anchors: the self-signed certificates of the file
 * configured as [hq] ca_certs. Every other certificate (HQ's intermediates
 * in the same file, the branch's own sub-CA certificate, an intermediate
 * given for one import) is only a candidate: it counts as an issuer once it
 * chains, at the time of the check, through candidates to a root. A
 * certificate that merely carries a CA's name (self-made, or signed by
 * anyone else) therefore never becomes an issuer, whatever its subject.
 *
 * rk_catrust_find_issuer picks, among the trusted certificates whose subject
 * is the signer's name (and whose key identifier matches the signer's
 * authority key identifier when both are known), the first one that is a
 * CA allowed to sign CRLs (cRLSign when it states key usage; a CA
 * certificate unless it is a configured root, so an end-entity certificate
 * under HQ's root that carries a CA's name never signs CRLs) and whose key
 * the caller's check accepts (the CRL
 * signature): a rolled-over key under the same name is tried too.
 *
 * SM2 certificates are checked with the GM/T 0009 default ID
 * "1234567812345678". The set owns copies of the certificates added.
 */
#ifndef RK_CATRUST_H
#define RK_CATRUST_H

#include "conf/conf.h"

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rk_catrust rk_catrust;

/* An empty set, owned by the caller (rk_catrust_free). */
int rk_catrust_new(rk_catrust **out);

/* Frees the set; NULL does nothing. */
void rk_catrust_free(rk_catrust *t);

/* Adds a copy of cert: as a root (trust anchor: must be self-signed, else
 * RK_EINVAL) or as a candidate (trusted only once it chains to a root). */
int rk_catrust_add(rk_catrust *t, X509 *cert, int root);

/* Adds every PEM certificate of path. With roots, the self-signed ones
 * become roots and the others candidates; without, all are candidates.
 * what names the file's origin in messages ("[hq] ca_certs"). RK_ENOTFOUND
 * if the file cannot be read, RK_EFORMAT if it holds no certificate. */
int rk_catrust_add_file(rk_catrust *t, const char *path, int roots, const char *what);

/* HQ's CA certificates from conf ([hq] ca_certs): a new set in *out.
 * RK_ECONF saying how to configure it when the key is unset, RK_ENOTFOUND
 * when the file is missing, RK_EFORMAT when it holds no certificate or no
 * self-signed root. */
int rk_catrust_load_conf(rk_catrust **out, const rk_conf *conf);

/* What a branch trusts for HQ's CRLs: HQ's CA certificates from conf as
 * above, the branch sub-CA's certificate (<data_dir>/ca/subca.pem, when the
 * branch has one: issued by HQ's root, it signs the branch's own CRLs) and
 * the nextra intermediate certificate files extra (PEM, may be NULL), all
 * of which are candidates that count only once they chain to a root. */
int rk_catrust_load_branch(rk_catrust **out, const rk_conf *conf, const char *const *extra,
                           int nextra);

/* Number of roots and of candidates held. */
void rk_catrust_count(int *roots, int *candidates, const rk_catrust *t);

/* Called with a trusted issuer candidate; 0 accepts it (for a CRL: its
 * signature verifies with the issuer's key), a negative RK_E* code with a
 * message refuses it. */
typedef int (*rk_catrust_accept_fn)(void *arg, X509 *issuer);

/* The issuer for something signed by the name name_der (DER) with the
 * authority key identifier akid (NULL if none): *out (borrowed, valid as
 * long as the set) is the first certificate of the set with that subject
 * (and a matching subject key identifier when both are present) that is a
 * root or chains to one at now, may sign CRLs (as above), and that
 * accept (may be NULL) accepts. RK_ENOTFOUND when the set holds no
 * certificate of that name; RK_EVERIFY when every one of that name was
 * refused: the message says why (does not chain to a configured root, not
 * a CRL signer, expired, or accept's message). */
int rk_catrust_find_issuer(X509 **out, const rk_catrust *t, const unsigned char *name_der,
                           size_t name_len, const unsigned char *akid, size_t akid_len, int64_t now,
                           rk_catrust_accept_fn accept, void *arg);

#endif
