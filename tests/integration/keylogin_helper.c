/*
 * Test helper for tests/integration/clerk_key.sh: the attacker's side of a
 * key login, through the branch's own calls, for what ractl cannot do.
 *
 *   keylogin_helper answer CERT_PEM KEY_PEM
 *       answers a fresh challenge with a signature made by the software
 *       key KEY_PEM and presents CERT_PEM (a self-made certificate,
 *       another branch's): prints "ok LOGIN" (exit 0) or "refused: ..."
 *       (exit 5).
 *   keylogin_helper replay SERIAL < PIN
 *       signs one challenge on the clerk key SERIAL and presents the
 *       answer twice, then signs a challenge the branch never gave:
 *       prints one line per attempt, "first: ok LOGIN", "again: refused:
 *       ...", "unasked: refused: ...".
 */
#include "branch/branch.h"
#include "branch/keylogin.h"
#include "branch/session.h"
#include "util/err.h"
#include "util/wipe.h"

#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int report(const char *what, int rc, const rk_actor *a)
{
    if (rc == 0)
        printf("%s: ok %s\n", what, a->login);
    else
        printf("%s: refused: %s\n", what, rk_err_msg());
    rk_err_clear();
    return rc == 0 ? 0 : 5;
}

static int answer(rk_branch *b, const char *cert_path, const char *key_path)
{
    char challenge[RK_CLERK_CHALLENGE_HEX + 1];
    FILE *f;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    X509_REQ *req = X509_REQ_new();
    X509_NAME *name = X509_NAME_new();
    rk_actor a;
    int rc;
    if ((f = fopen(cert_path, "r"))) cert = PEM_read_X509(f, NULL, NULL, NULL), fclose(f);
    if ((f = fopen(key_path, "r"))) key = PEM_read_PrivateKey(f, NULL, NULL, NULL), fclose(f);
    if (!cert || !key || !req || !name) {
        fprintf(stderr, "keylogin_helper: cannot read %s or %s\n", cert_path, key_path);
        return 1;
    }
    if ((rc = rk_branch_keylogin_challenge(b, challenge)) != 0) {
        fprintf(stderr, "keylogin_helper: %s\n", rk_err_msg());
        return 1;
    }
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)challenge, -1, -1,
                               0);
    X509_REQ_set_subject_name(req, name);
    X509_REQ_set_pubkey(req, key);
    X509_REQ_sign(req, key, EVP_sha256());
    rc = report("answer", rk_branch_login_answer(b, challenge, req, cert, "attacker", &a), &a);
    X509_NAME_free(name);
    X509_REQ_free(req);
    EVP_PKEY_free(key);
    X509_free(cert);
    return rc;
}

static int replay(rk_branch *b, const char *serial)
{
    char pin[128], challenge[RK_CLERK_CHALLENGE_HEX + 1];
    X509_REQ *req = NULL;
    X509 *cert = NULL;
    rk_actor a;
    int rc;
    if (!fgets(pin, sizeof pin, stdin)) return 1;
    pin[strcspn(pin, "\r\n")] = '\0';
    if ((rc = rk_branch_keylogin_challenge(b, challenge)) ||
        (rc = rk_branch_keylogin_sign(b, serial, pin, challenge, &req, &cert))) {
        fprintf(stderr, "keylogin_helper: %s\n", rk_err_msg());
        rk_wipe(pin, sizeof pin);
        return 1;
    }
    report("first", rk_branch_login_answer(b, challenge, req, cert, serial, &a), &a);
    report("again", rk_branch_login_answer(b, challenge, req, cert, serial, &a), &a);
    X509_REQ_free(req);
    X509_free(cert);
    /* Well formed, signed on the right key, but never given by the branch. */
    memset(challenge, 'a', RK_CLERK_CHALLENGE_HEX);
    if ((rc = rk_branch_keylogin_sign(b, serial, pin, challenge, &req, &cert)) == 0)
        report("unasked", rk_branch_login_answer(b, challenge, req, cert, serial, &a), &a);
    else
        fprintf(stderr, "keylogin_helper: %s\n", rk_err_msg());
    rk_wipe(pin, sizeof pin);
    X509_REQ_free(req);
    X509_free(cert);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    rk_branch *b = NULL;
    int rc;
    if (argc < 3 || (strcmp(argv[1], "answer") && strcmp(argv[1], "replay")) ||
        (!strcmp(argv[1], "answer") && argc != 4)) {
        fprintf(stderr, "usage: keylogin_helper answer CERT KEY | replay SERIAL < PIN\n");
        return 2;
    }
    if (rk_branch_open(&b, NULL) != 0) {
        fprintf(stderr, "keylogin_helper: %s\n", rk_err_msg());
        return 1;
    }
    rc = !strcmp(argv[1], "answer") ? answer(b, argv[2], argv[3]) : replay(b, argv[2]);
    rk_branch_close(b);
    return rc;
}
