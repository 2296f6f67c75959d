/*
 * `ractl ca init|issue|revoke|suspend|resume|crl|import-crl|status`: the
 * branch sub-CA (app/core/ca) from a shell.
 *
 * Where the sub-CA, its HSM, PIN file and CRLs are is the branch's
 * (branch/branchca.h); the sub-CA and the profiles are opened through it.
 *
 * Who may: `ca init` is part of setting the branch up (like `ractl init`)
 * and `ca status` only reads; `ca issue`, `crl` and `import-crl` need a
 * clerk with the issue role; `ca revoke|suspend|resume` a supervisor, and
 * only for certificates outside the ledger (an order's certificate changes
 * through an order a review clerk approves, which the sub-CA follows). Each
 * action is audited in the ledger, a status change also goes to the outbox.
 */
#include "ctl.h"

#include "branch/branchca.h"
#include "branch/caops.h"

#include "ca/castatus.h"
#include "ca/catrust.h"
#include "audit/audit.h"
#include "ca/escrow.h"
#include "ca/crl.h"
#include "ca/crlstore.h"
#include "domain/certstatus.h"
#include "ca/profiles.h"
#include "ca/subca.h"
#include "db/outbox.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/wipe.h"
#include "util/words.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FIELDS 32

/* Where the sub-CA is, from the branch (branch/branchca.h). */
typedef struct ca_env {
    const rk_conf *conf;
    char dir[PATH_MAX];  /* <data_dir>/ca */
    char crls[PATH_MAX]; /* <data_dir>/crls */
} ca_env;

static int env_setup(ca_env *e, rk_ctl *ctl)
{
    int rc;
    memset(e, 0, sizeof *e);
    if ((rc = rk_ctl_conf(ctl, &e->conf)) ||
        (rc = rk_branch_ca_dir(ctl->branch, e->dir, sizeof e->dir)))
        return rc;
    return rk_branch_crl_dir(ctl->branch, e->crls, sizeof e->crls);
}

/* The branch's sub-CA (borrowed: the branch closes it). */
static int open_ca(rk_subca **ca, ca_env *e, rk_ctl *ctl)
{
    int rc = env_setup(e, ctl);
    return rc ? rc : rk_branch_subca(ctl->branch, ca);
}

/* ---- who acts ------------------------------------------------------------ */

/* The logged-in clerk, who must hold role. */
static int ca_clerk(rk_ctl *ctl, rk_actor *a, unsigned role)
{
    int rc = rk_ctl_actor(ctl, a);
    return rc ? rc : rk_actor_require(a, role);
}

static const char *status_name(int s)
{
    return s == RK_CERT_GOOD ? "good" : s == RK_CERT_HOLD ? "suspended" : "revoked";
}

static void fmt_time(char *out, int64_t t)
{
    if (t)
        rk_clock_format(out, t);
    else
        strcpy(out, "-");
}

/* ---- init ---------------------------------------------------------------- */

static int cmd_init(rk_ctl *ctl, int argc, char **argv)
{
    static const char *const keys[] = {"ec-p256", "rsa-2048", "sm2", NULL};
    const char *key = "ec-p256", *name = NULL, *root_cert = NULL, *root_key = NULL;
    char cn[200], dir[PATH_MAX];
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl ca init [--key ec-p256|rsa-2048|sm2] [--name CN]\n"
               "                     [--root-cert FILE --root-key FILE]\n\n"
               "Creates the branch sub-CA in <data_dir>/ca: its key pair in the appliance\n"
               "HSM (SoftHSM2 token \"rakiosk-hsm\" in the demo, created if missing; an SM2\n"
               "key is kept in software, sealed with the HSM PIN) and its certificate\n"
               "(CA, pathlen 0, keyCertSign + cRLSign) issued by the root. Without\n"
               "--root-cert a DEMO root is generated (<data_dir>/ca/demo-root.key, a plain\n"
               "file: demo only). The HSM PIN is <data_dir>/hsm.pin (created, 0600).\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--key", .kind = RK_OPT_ENUM, .dest = &key, .values = keys},
        {.name = "--name", .kind = RK_OPT_STR, .dest = &name, .arg = "CN"},
        {.name = "--root-cert", .kind = RK_OPT_STR, .dest = &root_cert, .arg = "FILE"},
        {.name = "--root-key", .kind = RK_OPT_STR, .dest = &root_key, .arg = "FILE"},
    };
    const rk_ctl_args args = {.cmd = "ractl ca init", .opts = opts, .n_opts = 4};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!root_cert != !root_key)
        return rk_ctl_usage(ctl, "ractl ca init", "--root-cert and --root-key go together");
    rk_branch_ca_init_req req = {.key_alg = !strcmp(key, "rsa-2048") ? RK_PROFILE_KEY_RSA_2048
                                            : !strcmp(key, "sm2")    ? RK_PROFILE_KEY_SM2
                                                                     : RK_PROFILE_KEY_EC_P256,
                                 .name = name,
                                 .root_cert = root_cert,
                                 .root_key = root_key};
    if ((rc = rk_branch_ca_init(ctl->branch, &req, cn, sizeof cn)) ||
        (rc = rk_branch_ca_dir(ctl->branch, dir, sizeof dir)))
        return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "dir", dir);
    rk_json_kstr(j, "key", key);
    rk_json_kbool(j, "demo_root", root_cert == NULL);
    rk_ctl_info(ctl, "sub-CA \"%s\" (%s) created in %s%s", cn, key, dir,
                root_cert ? "" : " (signed by the DEMO root)");
    return rk_ctl_reply_end(ctl);
}

/* ---- issue --------------------------------------------------------------- */

static int cmd_issue(rk_ctl *ctl, int argc, char **argv)
{
    const char *profile = NULL, *csr_path = NULL, *out = NULL;
    const char *names[MAX_FIELDS], *values[MAX_FIELDS];
    int n = 0, rc;
    rk_actor actor;
    rk_branch_ca_issued res;

    if (rk_ctl_wants_help(argc, argv)) {
        printf(
            "usage: ractl ca issue --profile P --csr FILE [--field name=value ...] --out FILE\n\n"
            "Issues a certificate from the request FILE (PEM or DER) under profile P of\n"
            "the profiles file; the order fields fill its subject and extensions\n"
            "(applicant_name, id_number, enterprise_name, credit_code, province, city,\n"
            "department, email, domain ...). Only the public key is taken from the\n"
            "request. The certificate is written to --out (PEM) and recorded. Needs a\n"
            "clerk with the issue role; audited. Certificates for orders come from\n"
            "`ractl key enrol` instead.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--profile", .kind = RK_OPT_STR, .dest = &profile, .arg = "P"},
        {.name = "--csr", .kind = RK_OPT_STR, .dest = &csr_path, .arg = "FILE"},
        {.name = "--out", .kind = RK_OPT_STR, .dest = &out, .arg = "FILE"},
        {.name = "--field",
         .kind = RK_OPT_PAIR,
         .dest = names,
         .values_out = values,
         .count = &n,
         .max_count = MAX_FIELDS,
         .arg = "name=value"},
    };
    const rk_ctl_args args = {.cmd = "ractl ca issue", .opts = opts, .n_opts = 4};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!profile || !csr_path || !out)
        return rk_ctl_usage(ctl, "ractl ca issue", "--profile, --csr and --out are needed");
    if ((rc = rk_ctl_actor(ctl, &actor)) ||
        (rc = rk_branch_ca_issue(ctl->branch, &actor, profile, csr_path, names, values, n, out,
                                 &res)))
        return rk_ctl_fail(ctl, rc);
    char sx[RK_HEX_SERIAL_MAX];
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "serial", rk_ctl_serial(sx, res.serial));
    rk_json_kstr(j, "subject", res.subject);
    rk_json_kstr(j, "profile", res.profile);
    rk_json_kstr(j, "out", out);
    rk_ctl_info(ctl, "issued %s (%s) to %s: %s", sx, res.profile, out, res.subject);
    return rk_ctl_reply_end(ctl);
}

/* ---- revoke, suspend, resume --------------------------------------------- */

static int change(rk_ctl *ctl, int argc, char **argv, const char *what)
{
    const char *serial = NULL, *reason_text = NULL;
    int reason = RK_CRL_UNSPECIFIED, rc;
    rk_actor actor;
    char path[64];
    snprintf(path, sizeof path, "ractl ca %s", what);

    if (rk_ctl_wants_help(argc, argv)) {
        if (!strcmp(what, "revoke"))
            printf("usage: ractl ca revoke SERIAL [--reason R]\n\n"
                   "Revokes a certificate the sub-CA issued (SERIAL in hex). Reasons:\n"
                   "unspecified (default), keyCompromise, cACompromise, affiliationChanged,\n"
                   "superseded, cessationOfOperation, privilegeWithdrawn. The change reaches\n"
                   "relying parties with the next `ractl ca crl`. For certificates outside\n"
                   "the ledger (from `ca issue`); an order's certificate changes through a\n"
                   "revoke order. Needs a supervisor; audited.\n");
        else if (!strcmp(what, "suspend"))
            printf("usage: ractl ca suspend SERIAL\n\n"
                   "Suspends a certificate (reason certificateHold) until `ractl ca resume`.\n"
                   "For certificates outside the ledger; needs a supervisor; audited.\n");
        else
            printf("usage: ractl ca resume SERIAL\n\n"
                   "Lifts the hold of a suspended certificate: it is absent from the next CRL.\n"
                   "For certificates outside the ledger; needs a supervisor; audited.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--reason", .kind = RK_OPT_STR, .dest = &reason_text, .arg = "R"},
    };
    const rk_ctl_args args = {.cmd = path,
                              .opts = opts,
                              .n_opts = !strcmp(what, "revoke") ? 1 : 0,
                              .pos = &serial,
                              .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (reason_text) {
        if (rk_crl_reason_parse(&reason, reason_text) != 0)
            return rk_ctl_usage(ctl, path, "--reason: %s", rk_err_msg());
        if (reason == RK_CRL_HOLD || reason == RK_CRL_REMOVE)
            return rk_ctl_usage(ctl, path, "%s is not a revocation reason: use %s",
                                rk_crl_reason_name(reason),
                                reason == RK_CRL_HOLD ? "suspend" : "resume");
    }
    if (!serial) return rk_ctl_usage(ctl, path, "give the SERIAL");
    rk_branch_ca_change c = !strcmp(what, "revoke")    ? RK_BRANCH_CA_REVOKE
                            : !strcmp(what, "suspend") ? RK_BRANCH_CA_SUSPEND
                                                       : RK_BRANCH_CA_RESUME;
    if ((rc = rk_ctl_actor(ctl, &actor)) ||
        (rc = rk_branch_ca_change_status(ctl->branch, &actor, serial, c, reason)))
        return rk_ctl_fail(ctl, rc);
    char sx[RK_HEX_SERIAL_MAX];
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "serial", rk_ctl_serial(sx, serial));
    rk_json_kstr(j, "action", what);
    rk_ctl_info(ctl, "%s: %s done; publish it with `ractl ca crl`", sx, what);
    return rk_ctl_reply_end(ctl);
}

static int cmd_revoke(rk_ctl *ctl, int argc, char **argv)
{
    return change(ctl, argc, argv, "revoke");
}

static int cmd_suspend(rk_ctl *ctl, int argc, char **argv)
{
    return change(ctl, argc, argv, "suspend");
}

static int cmd_resume(rk_ctl *ctl, int argc, char **argv)
{
    return change(ctl, argc, argv, "resume");
}

/* ---- crl ----------------------------------------------------------------- */

static int cmd_crl(rk_ctl *ctl, int argc, char **argv)
{
    int days = 0, rc;
    rk_actor actor;
    rk_branch_crl_signed res;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl ca crl [--days N]\n\n"
               "Signs a new full CRL (CRL number one higher than the last) listing every\n"
               "revoked and suspended certificate, valid for N days (default %d), and\n"
               "writes it to <data_dir>/ca/crl.der and crl.pem. The register first takes\n"
               "up the ledger's certificate statuses. Needs the issue role; audited.\n",
               RK_CRL_DEFAULT_DAYS);
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--days", .kind = RK_OPT_INT, .dest = &days, .arg = "N", .min = 1, .max = 365},
    };
    const rk_ctl_args args = {.cmd = "ractl ca crl", .opts = opts, .n_opts = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if ((rc = rk_ctl_actor(ctl, &actor)) ||
        (rc = rk_branch_ca_crl(ctl->branch, &actor, days, &res)))
        return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kint(j, "number", (int64_t)res.number);
    rk_json_kint(j, "bytes", (int64_t)res.bytes);
    rk_json_kstr(j, "der", res.der);
    rk_json_kstr(j, "pem", res.pem);
    rk_ctl_info(ctl, "CRL number %llu written to %s and crl.pem", (unsigned long long)res.number,
                res.der);
    return rk_ctl_reply_end(ctl);
}

/* ---- import-crl ---------------------------------------------------------- */

static int cmd_import(rk_ctl *ctl, int argc, char **argv)
{
    const char *file = NULL, *issuers[8];
    int nissuers = 0, rc;
    rk_crlstore_info info;
    rk_actor actor;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl ca import-crl FILE [--issuer CAFILE ...]\n\n"
               "Imports a DER CRL from HQ into <data_dir>/crls. Its issuer must be one of\n"
               "HQ's CA certificates, configured as [hq] ca_certs in kiosk.conf (a root, or\n"
               "a certificate that chains to one), or the branch's sub-CA (which chains to\n"
               "HQ's root); its signature must verify with that certificate's key, and its\n"
               "CRL number must be newer than the one held. A refused CRL changes nothing:\n"
               "the one held stays in force (the refusal is audited). Only the newest CRL\n"
               "per issuer is kept; `ractl ca status SERIAL --issuer ISSUER` looks serials\n"
               "up. Needs the issue role; audited.\n\n"
               "  --issuer CAFILE  an intermediate CA certificate (PEM) of HQ that is not\n"
               "                   in [hq] ca_certs; it is trusted only if it chains to a\n"
               "                   configured root\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--issuer",
         .kind = RK_OPT_LIST,
         .dest = issuers,
         .count = &nissuers,
         .max_count = 8,
         .arg = "CAFILE"},
    };
    const rk_ctl_args args = {
        .cmd = "ractl ca import-crl", .opts = opts, .n_opts = 1, .pos = &file, .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!file) return rk_ctl_usage(ctl, "ractl ca import-crl", "give the CRL FILE");
    if ((rc = ca_clerk(ctl, &actor, RK_ROLE_ISSUE)) ||
        (rc = rk_branch_ca_import_crl(ctl->branch, &actor, file, issuers, nissuers, &info)))
        return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply(ctl);
    rk_json_kstr(j, "issuer", info.issuer);
    rk_json_kstr(j, "issuer_id", info.issuer_id);
    rk_json_kdec(j, "number", info.number);
    rk_json_kint(j, "entries", (int64_t)info.entries);
    rk_json_kint(j, "this_update", info.this_update);
    rk_json_kint(j, "next_update", info.next_update);
    rk_json_kstr(j, "sha256", info.sha256);
    rk_ctl_info(ctl, "imported CRL number %s of %s: %llu %s", info.number, info.issuer,
                (unsigned long long)info.entries,
                rk_plural((long long)info.entries, "entry", "entries"));
    return rk_ctl_reply_end(ctl);
}

/* ---- status -------------------------------------------------------------- */

static const char *crlstore_status(int s)
{
    return s == RK_CRLSTORE_GOOD      ? "good"
           : s == RK_CRLSTORE_REVOKED ? "revoked"
           : s == RK_CRLSTORE_HOLD    ? "suspended"
                                      : "unknown";
}

/* The CRL part of a per-serial answer: JSON keys crl_*, or text lines. */
static void crl_answer(rk_ctl *ctl, rk_json *j, const rk_crlstore_answer *a, const char *label)
{
    char ra[40], nu[40];
    fmt_time(ra, a->revoked_at);
    fmt_time(nu, a->crl.next_update);
    if (ctl->json) {
        rk_json_kstr(j, "crl_status", crlstore_status(a->status));
        if (a->status == RK_CRLSTORE_REVOKED || a->status == RK_CRLSTORE_HOLD) {
            rk_json_kstr(j, "crl_reason", rk_crl_reason_name(a->reason));
            rk_json_kstr(j, "crl_revoked_at", ra);
        } else {
            rk_json_kstr(j, "crl_reason", NULL);
            rk_json_kstr(j, "crl_revoked_at", NULL);
        }
        if (a->status == RK_CRLSTORE_UNKNOWN) return;
        rk_json_kstr(j, "crl_issuer", a->crl.issuer);
        rk_json_kdec(j, "crl_number", a->crl.number);
        rk_json_kstr(j, "crl_next_update", nu);
        rk_json_kbool(j, "crl_stale", a->stale);
        return;
    }
    if (a->status == RK_CRLSTORE_UNKNOWN) {
        printf("%s   unknown (no CRL of this issuer imported)\n", label);
        return;
    }
    if (a->status == RK_CRLSTORE_GOOD)
        printf("%s   good (not listed)\n", label);
    else
        printf("%s   %s %s (since %s)\n", label, crlstore_status(a->status),
               rk_crl_reason_name(a->reason), ra);
    printf("CRL         number %s of %s, next update %s\n", a->crl.number, a->crl.issuer, nu);
    if (a->stale)
        printf("STALE       the CRL's next update was due %s: this answer may be out of date; "
               "import a newer CRL\n",
               nu);
}

static int crl_says_no(const rk_crlstore_answer *a)
{
    return a->status == RK_CRLSTORE_REVOKED || a->status == RK_CRLSTORE_HOLD;
}

static int cmd_status(rk_ctl *ctl, int argc, char **argv)
{
    ca_env e;
    rk_subca *ca = NULL;
    rk_crlstore *st = NULL;
    const char *serial = NULL, *issuer = NULL;
    int rc;
    rk_buf b;
    rk_json j;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl ca status [SERIAL [--issuer ISSUER]]\n\n"
               "Without SERIAL: the sub-CA (subject, validity, CRL number, counts of good,\n"
               "suspended and revoked certificates) and the CRLs imported (issuer, issuer\n"
               "id, number, entries, next update; STALE once it has passed).\n\n"
               "With SERIAL (hex): a certificate's status. For a serial the sub-CA issued:\n"
               "its record in the sub-CA's register and its entry on the newest imported\n"
               "CRL of the sub-CA. --issuer ISSUER (an issuer id or name as listed without\n"
               "SERIAL) looks SERIAL up on that issuer's imported CRL: a certificate of\n"
               "another CA. Without --issuer, a serial the sub-CA did not issue is looked\n"
               "up on the one CRL held (with several, give --issuer). An answer taken from\n"
               "a CRL names the CRL's number and says when the CRL is stale (its next\n"
               "update has passed). --json gives status, reason and revoked_at from the\n"
               "register, crl_status, crl_reason, crl_revoked_at, crl_number and\n"
               "crl_stale from the CRL.\n\n"
               "Exit 0: good; 1: revoked or suspended (in the register or on the CRL);\n"
               "6: unknown serial or issuer.\n");
        return 0;
    }
    const rk_ctl_opt opts[] = {
        {.name = "--issuer", .kind = RK_OPT_STR, .dest = &issuer, .arg = "ISSUER"},
    };
    const char *pos[1] = {NULL};
    const rk_ctl_args args = {
        .cmd = "ractl ca status", .opts = opts, .n_opts = 1, .pos = pos, .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    serial = pos[0];
    if (issuer && !serial) return rk_ctl_usage(ctl, "ractl ca status", "--issuer needs a SERIAL");
    memset(&e, 0, sizeof e);
    if ((rc = issuer ? env_setup(&e, ctl) : open_ca(&ca, &e, ctl))) goto fail;
    if ((rc = rk_crlstore_open(&st, e.crls))) goto fail;
    rk_buf_init(&b, 1 << 20);
    rk_json_init(&j, &b);
    rk_json_obj_begin(&j);
    int exit_code = 0;
    rk_subca_record r;
    if (serial && !issuer && (rc = rk_subca_lookup(&r, ca, serial)) == RK_ENOTFOUND) {
        /* Not the sub-CA's: the one CRL held may know it. */
        const rk_crlstore_info *list;
        int n;
        rk_crlstore_list(&list, &n, st);
        if (n == 1) {
            issuer = list[0].issuer_id;
        } else if (n > 1) {
            rk_buf_free(&b);
            rk_crlstore_free(st);
            return rk_ctl_usage(ctl, "ractl ca status",
                                "%s was not issued by the sub-CA and %d CRLs are held: give "
                                "--issuer (an issuer id or name from `ractl ca status`)",
                                serial, n);
        } else {
            char why[400];
            snprintf(why, sizeof why, "%s", rk_err_msg());
            rc = rk_err_set(rc, "%s; no CRL of another CA is imported to look it up on", why);
            goto fail_json;
        }
    } else if (serial && !issuer && rc) {
        goto fail_json;
    }
    if (!serial) {
        char subject[512], crlno[32] = "0", nb[40], na[40];
        int good, hold, revoked;
        X509 *c = rk_subca_cert(ca);
        rk_subca_name_text(subject, sizeof subject, X509_get_subject_name(c));
        if ((rc = rk_subca_counts(&good, &hold, &revoked, ca))) goto fail_json;
        sqlite3_stmt *q;
        if (rk_db_prepare(rk_subca_db(ca), &q,
                          "SELECT value FROM ca_meta WHERE key='crl_number'") == 0) {
            if (sqlite3_step(q) == SQLITE_ROW)
                snprintf(crlno, sizeof crlno, "%s", sqlite3_column_text(q, 0));
            sqlite3_finalize(q);
        }
        struct tm tm;
        ASN1_TIME_to_tm(X509_get0_notBefore(c), &tm);
        fmt_time(nb, (int64_t)timegm(&tm));
        ASN1_TIME_to_tm(X509_get0_notAfter(c), &tm);
        fmt_time(na, (int64_t)timegm(&tm));
        const rk_crlstore_info *list;
        int n;
        rk_crlstore_list(&list, &n, st);
        if (ctl->json) {
            rk_json_kstr(&j, "subject", subject);
            rk_json_kstr(&j, "not_before", nb);
            rk_json_kstr(&j, "not_after", na);
            rk_json_kstr(&j, "signature", OBJ_nid2ln(rk_subca_sig_nid(ca)));
            rk_json_kint(&j, "crl_number", strtoll(crlno, NULL, 10));
            rk_json_kint(&j, "good", good);
            rk_json_kint(&j, "suspended", hold);
            rk_json_kint(&j, "revoked", revoked);
            rk_json_key(&j, "hq_crls");
            rk_json_arr_begin(&j);
            for (int i = 0; i < n; i++) {
                rk_json_obj_begin(&j);
                rk_json_kstr(&j, "issuer", list[i].issuer);
                rk_json_kstr(&j, "issuer_id", list[i].issuer_id);
                rk_json_kdec(&j, "number", list[i].number);
                rk_json_kint(&j, "entries", (int64_t)list[i].entries);
                rk_json_kint(&j, "next_update", list[i].next_update);
                rk_json_kbool(&j, "stale",
                              list[i].next_update && list[i].next_update < rk_clock_now());
                rk_json_obj_end(&j);
            }
            rk_json_arr_end(&j);
        } else {
            printf("sub-CA      %s\nvalid       %s .. %s\nsignature   %s\nCRL number  %s\n"
                   "issued      %d good, %d suspended, %d revoked\n",
                   subject, nb, na, OBJ_nid2ln(rk_subca_sig_nid(ca)), crlno, good, hold, revoked);
            for (int i = 0; i < n; i++) {
                char nu[40];
                fmt_time(nu, list[i].next_update);
                printf("HQ CRL      %s number %s, %llu %s, next update %s%s\n"
                       "            issuer id %s\n",
                       list[i].issuer, list[i].number, (unsigned long long)list[i].entries,
                       rk_plural((long long)list[i].entries, "entry", "entries"), nu,
                       list[i].next_update && list[i].next_update < rk_clock_now() ? " (STALE)"
                                                                                   : "",
                       list[i].issuer_id);
            }
        }
    } else if (issuer) {
        /* A certificate of another CA: its issuer's CRL answers alone. */
        rk_crlstore_answer a;
        if ((rc = rk_crlstore_status(&a, st, issuer, serial))) goto fail_json;
        if (crl_says_no(&a)) exit_code = RK_EXIT_FAIL;
        char sx[RK_HEX_SERIAL_MAX];
        rk_ctl_serial(sx, serial);
        if (ctl->json) {
            rk_json_kstr(&j, "serial", sx);
            rk_json_kstr(&j, "issuer", a.crl.issuer);
            rk_json_kstr(&j, "status", crlstore_status(a.status));
        } else {
            printf("serial      %s\nissuer      %s\n", sx, a.crl.issuer);
        }
        crl_answer(ctl, &j, &a, "on the CRL");
    } else {
        rk_crlstore_answer a;
        unsigned char *der = NULL;
        int dl = i2d_X509_NAME(X509_get_subject_name(rk_subca_cert(ca)), &der);
        rc = dl > 0 ? rk_crlstore_status_der(&a, st, der, (size_t)dl, r.serial) : rk_err_oom();
        OPENSSL_free(der);
        if (rc) goto fail_json;
        char nb[40], na[40], ra[40];
        fmt_time(nb, r.not_before);
        fmt_time(na, r.not_after);
        fmt_time(ra, r.revoked_at);
        if (r.status != RK_CERT_GOOD || crl_says_no(&a)) exit_code = RK_EXIT_FAIL;
        char sx[RK_HEX_SERIAL_MAX];
        rk_ctl_serial(sx, r.serial);
        if (ctl->json) {
            rk_json_kstr(&j, "serial", sx);
            rk_json_kstr(&j, "subject", r.subject);
            rk_json_kstr(&j, "profile", r.profile);
            rk_json_kstr(&j, "not_before", nb);
            rk_json_kstr(&j, "not_after", na);
            rk_json_kstr(&j, "status", status_name(r.status));
            rk_json_kstr(&j, "reason", r.status ? rk_crl_reason_name(r.reason) : NULL);
            rk_json_kstr(&j, "revoked_at", r.status ? ra : NULL);
        } else {
            char stx[128];
            if (r.status)
                snprintf(stx, sizeof stx, "%s (%s, since %s)", status_name(r.status),
                         rk_crl_reason_name(r.reason), ra);
            else
                snprintf(stx, sizeof stx, "good");
            printf("serial      %s\nsubject     %s\nprofile     %s\nvalid       %s .. %s\n"
                   "status      %s\n",
                   sx, r.subject, r.profile, nb, na, stx);
        }
        crl_answer(ctl, &j, &a, "on HQ CRL");
        if (!ctl->json && a.status != RK_CRLSTORE_UNKNOWN &&
            (r.status != RK_CERT_GOOD) != crl_says_no(&a))
            printf("NOTE        the register and the CRL disagree: the CRL is older than the "
                   "register's last change, or the change was made outside the branch\n");
    }
    rk_json_obj_end(&j);
    rk_crlstore_free(st);
    if (ctl->json) {
        if (rk_ctl_print_json(ctl, &j, &b)) return rk_ctl_fail(ctl, RK_ENOMEM);
    } else {
        rk_buf_free(&b);
    }
    return exit_code;
fail_json:
    rk_buf_free(&b);
fail:
    rk_crlstore_free(st);
    return rk_ctl_fail(ctl, rc);
}

static const rk_ctl_cmd ca_cmds[] = {
    {"init", cmd_init, "create the branch sub-CA (key in the HSM, certificate from the root)"},
    {"issue", cmd_issue, "issue a certificate from a request under a profile"},
    {"revoke", cmd_revoke, "revoke a certificate"},
    {"suspend", cmd_suspend, "suspend a certificate (certificateHold)"},
    {"resume", cmd_resume, "lift a suspension"},
    {"crl", cmd_crl, "sign a new full CRL"},
    {"import-crl", cmd_import, "import a CRL from HQ"},
    {"status", cmd_status, "the sub-CA, or one certificate's status"},
};

int rk_ctl_cmd_ca(rk_ctl *ctl, int argc, char **argv)
{
    return rk_ctl_dispatch(ctl, argc, argv, "ractl ca",
                           "The branch sub-CA: offline issuance, revocation and CRLs; HQ's CRLs.",
                           ca_cmds, (int)(sizeof ca_cmds / sizeof ca_cmds[0]));
}
