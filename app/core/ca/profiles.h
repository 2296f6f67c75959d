/*
 * Certificate profiles: conf/profiles.ini, what the branch sub-CA puts into
 * each kind of certificate it issues.
 *
 * One section [profile NAME] per profile. The holders are individual,
 * organisation, orgperson (a person acting for an organisation) and server;
 * each comes in a signing and an encryption variant (dual certificates),
 * linked by `pair`. A profile says the validity in days, the key algorithm
 * the subscriber's key must have (ec-p256, rsa-2048, sm2), the signature
 * hash (sha256, or sm3 for SM2), key usage and extended key usage in
 * OpenSSL's names, how the subject is built from order fields, which order
 * fields go into the GM/T 0015 extensions, subjectAltName DNS names / e-mail
 * and whether an encryption key is escrowed.
 *
 * Templates: `{field}` is replaced by the order field of that name; the
 * issuance fails if the field is missing or empty. `{field?}` is optional:
 * a subject attribute (or extension) whose template uses an optional field
 * that is missing is left out. The subject is a comma-separated list of
 * ATTR=template (ATTR: C, ST, L, O, OU, CN, emailAddress, serialNumber ...);
 * the split happens before substitution, so values may hold commas.
 *
 * GM/T 0015 extensions: the holder's identity number (OID
 * 1.2.156.10260.4.1.1, `identity = {id_number}`) and the organisation's
 * unified social credit code (OID 1.2.156.10260.4.4, `credit_code = ...`)
 * are written, non-critical, with the DER of a PrintableString as the
 * extension value (`openssl asn1parse -strparse` shows `PRINTABLESTRING`);
 * a value outside PrintableString's characters is refused (ID numbers and
 * credit codes are digits and capital letters).
 *
 * Errors name the file, line and key: "profiles.ini:12: [profile x]
 * key_usage: unknown usage 'foo'".
 */
#ifndef RK_PROFILES_H
#define RK_PROFILES_H

#include <openssl/x509.h>

#define RK_PROFILES_MAX    32
#define RK_PROFILE_TPL_MAX 512

#define RK_OID_GMT_IDENTITY    "1.2.156.10260.4.1.1"
#define RK_OID_GMT_CREDIT_CODE "1.2.156.10260.4.4"

enum { RK_PROFILE_SIGN = 1, RK_PROFILE_ENCRYPT = 2 };
enum { RK_PROFILE_KEY_EC_P256 = 1, RK_PROFILE_KEY_RSA_2048 = 2, RK_PROFILE_KEY_SM2 = 3 };
enum { RK_PROFILE_SIG_SHA256 = 1, RK_PROFILE_SIG_SM3 = 2 };

typedef struct rk_profile {
    char name[48];
    char description[128];
    char holder[16]; /* individual | organisation | orgperson | server */
    int usage;       /* RK_PROFILE_SIGN | RK_PROFILE_ENCRYPT */
    char pair[48];   /* the other half of a dual certificate, "" if none */
    int validity_days;
    int key_alg;                        /* RK_PROFILE_KEY_* */
    int sig;                            /* RK_PROFILE_SIG_* */
    char key_usage[256];                /* "critical,digitalSignature,..." */
    char ext_key_usage[256];            /* "clientAuth,emailProtection" or "" */
    char subject[RK_PROFILE_TPL_MAX];   /* C=CN, O={enterprise_name}, CN=... */
    char identity[128];                 /* template for 1.2.156.10260.4.1.1 or "" */
    char credit_code[128];              /* template for 1.2.156.10260.4.4 or "" */
    char san_dns[RK_PROFILE_TPL_MAX];   /* comma-separated templates or "" */
    char san_email[RK_PROFILE_TPL_MAX]; /* comma-separated templates or "" */
    int escrow;                         /* encryption key escrowed at HQ */
    int line;                           /* where its section starts */
} rk_profile;

typedef struct rk_profiles {
    char path[4096];
    rk_profile p[RK_PROFILES_MAX];
    int n;
} rk_profiles;

/* Reads and checks the profiles file into a new set owned by the caller
 * (rk_profiles_free). RK_ECONF "file:line: [profile X] key: problem",
 * RK_ENOTFOUND if the file is missing, RK_ENOMEM. */
int rk_profiles_load(rk_profiles **out, const char *path);

void rk_profiles_free(rk_profiles *set);

/* The profile called name, or NULL. */
const rk_profile *rk_profiles_find(const rk_profiles *set, const char *name);

/* Short names of the enums ("sign", "ec-p256", "sha256" ...). */
const char *rk_profile_key_name(int key_alg);
const char *rk_profile_usage_name(int usage);

/* Expands one template against the order fields (names[i] = values[i]) into
 * out. *omitted = 1 when an optional field was missing (out is then "").
 * RK_EINVAL naming the missing field, RK_ETOOBIG. */
int rk_profile_expand(char *out, size_t n, int *omitted, const char *tpl, const char *const *names,
                      const char *const *values, int nfields);

/* Builds the subject of p from the order fields. The caller frees *out. */
int rk_profile_subject(X509_NAME **out, const rk_profile *p, const char *const *names,
                       const char *const *values, int nfields);

/* Adds p's extensions to cert (basic constraints, key usage, extended key
 * usage, subject and authority key identifiers from issuer, subjectAltName,
 * GM/T 0015 extensions). The public key must be set. RK_EINVAL for a
 * missing field or a value the extension cannot hold. */
int rk_profile_apply(X509 *cert, const rk_profile *p, X509 *issuer, const char *const *names,
                     const char *const *values, int nfields);

/* RK_EINVAL unless key is of p's key algorithm (and size). */
int rk_profile_check_key(const rk_profile *p, EVP_PKEY *key);

#endif
