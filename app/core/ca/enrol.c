/*
 * The enrolment journal (see enrol.h).
 *
 * The journal row of an enrolment holds its step ("keygen", "cert",
 * "write", "verify", "commit") and phase ("begun" or "done"), and what the
 * steps produced. rk_enrol_run() decides what to do from that row and from
 * the key itself, so the same call both starts and resumes.
 */
#define _GNU_SOURCE /* F_OFD_SETLK */
#include "enrol.h"

#include "audit/audit.h"
#include "ca/certinfo.h"
#include "ca/escrow.h"
#include "db/outbox.h"
#include "util/clock.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const steps[] = {"keygen", "cert", "write", "verify", "commit"};

typedef struct journal {
    int64_t id;
    int64_t order_id;
    char uuid[37]; /* the order's */
    char key_serial[64];
    char label[64];
    char step[16];
    char phase[8];
    unsigned char key_id[64];
    size_t key_id_len;
    unsigned char *spki; /* DER SubjectPublicKeyInfo of the pair */
    int spki_len;
    char cert_serial[64];
    unsigned char *cert_der;
    int cert_len;
    X509 *cert;         /* cert_der decoded, once (decoding costs 0.1 ms) */
    unsigned char *csr; /* an escrowed key's request, signed before the wipe */
    int csr_len;
    char usage[8]; /* "sign" or "enc" */
    int64_t created_at;
    /* What this run did itself (not in the table): a pair made here has no
     * certificate anywhere yet, and a certificate written here left no
     * half-made object, so the checks for a crashed run are skipped. */
    int made_pair, wrote;
    int loaded; /* taken up from the table (a resumed enrolment) */
    /* Progress of this run (not in the table): the operation's tracker
     * (NULL: no reports), this half's share of its percent, and whether
     * the half is a key recovery's (other step numbers). */
    rk_progress_track *pt;
    int lo, hi;
    int recovering;
} journal;

/* Percent of a single enrolment's plan: keygen from 0, the certificate
 * from 30, its write from 55, the read-back from 75, the commit from 90;
 * a half of dual certificates fills its own share of 0..90. */
enum { AT_KEYGEN = 0, AT_CERT = 30, AT_WRITE = 55, AT_VERIFY = 75, AT_COMMIT = 90 };

static int at_pct(const journal *j, int at)
{
    return j->lo + (j->hi - j->lo) * at / AT_COMMIT;
}

/* Step numbers: an enrolment has keygen 1, cert 2, write 3, verify 4,
 * commit 5; a key recovery import 1, write 2, verify 3, commit 4. */
static int step_no(const journal *j, int enrol_no)
{
    return j->recovering && enrol_no > 1 ? enrol_no - 1 : enrol_no;
}

/* Reports the start of a step of j's half; RK_ECANCELED if asked to stop. */
static int tell(journal *j, int no, const char *step, const char *text, int at)
{
    if (!j->pt) return 0;
    return rk_progress_tell(j->pt, &(rk_progress){.step = step,
                                                  .text = text,
                                                  .item = j->usage,
                                                  .step_no = step_no(j, no),
                                                  .percent = at_pct(j, at)});
}

/* What a key operation inside step no (from at0 to at1) reports through. */
static rk_progress_sub sub_of(journal *j, int no, const char *step, int at0, int at1)
{
    return (rk_progress_sub){.outer = j->pt,
                             .lo = at_pct(j, at0),
                             .hi = at_pct(j, at1),
                             .step_no = step_no(j, no),
                             .step = step,
                             .item = j->usage};
}

static void journal_clear(journal *j)
{
    free(j->spki);
    free(j->cert_der);
    X509_free(j->cert);
    free(j->csr);
    memset(j, 0, sizeof *j);
}

static int step_index(const char *step)
{
    for (int i = 0; i < (int)(sizeof steps / sizeof steps[0]); i++)
        if (!strcmp(step, steps[i])) return i;
    return -1;
}

/* 1 if the journal has finished step (or a later one). */
static int reached(const journal *j, const char *step)
{
    int have = step_index(j->step), want = step_index(step);
    return have > want || (have == want && !strcmp(j->phase, "done"));
}

static int blob(unsigned char **dst, int *len, sqlite3_stmt *st, int col)
{
    int n = sqlite3_column_bytes(st, col);
    *dst = NULL;
    *len = 0;
    if (n <= 0) return 0;
    if (!(*dst = malloc((size_t)n))) return rk_err_oom();
    memcpy(*dst, sqlite3_column_blob(st, col), (size_t)n);
    *len = n;
    return 0;
}

/* Loads the open journal of an order; RK_ENOTFOUND if none. */
static int journal_load(rk_ledger *l, int64_t order_id, const char *usage, journal *j)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(l->db, &st,
                          "SELECT e.id, e.key_serial, e.label, e.step, e.phase, e.key_id, e.spki, "
                          "e.cert_serial, e.cert_der, e.created_at, o.uuid, e.csr FROM enrolment e "
                          "JOIN orders o ON o.id = e.order_id "
                          "WHERE e.order_id = ? AND e.usage = ? AND e.outcome IS NULL");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, order_id);
    sqlite3_bind_text(st, 2, usage, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        memset(j, 0, sizeof *j);
        j->loaded = 1;
        snprintf(j->usage, sizeof j->usage, "%s", usage);
        j->id = sqlite3_column_int64(st, 0);
        j->order_id = order_id;
        rk_db_text(j->key_serial, sizeof j->key_serial, st, 1);
        rk_db_text(j->label, sizeof j->label, st, 2);
        rk_db_text(j->step, sizeof j->step, st, 3);
        rk_db_text(j->phase, sizeof j->phase, st, 4);
        int idlen = sqlite3_column_bytes(st, 5);
        if (idlen > 0 && idlen <= (int)sizeof j->key_id) {
            memcpy(j->key_id, sqlite3_column_blob(st, 5), (size_t)idlen);
            j->key_id_len = (size_t)idlen;
        }
        rk_db_text(j->cert_serial, sizeof j->cert_serial, st, 7);
        j->created_at = sqlite3_column_int64(st, 9);
        rk_db_text(j->uuid, sizeof j->uuid, st, 10);
        if ((rc = blob(&j->spki, &j->spki_len, st, 6)) == 0)
            rc = blob(&j->cert_der, &j->cert_len, st, 8);
        if (!rc) rc = blob(&j->csr, &j->csr_len, st, 11);
    } else {
        rc = s == SQLITE_DONE ? RK_ENOTFOUND
                              : rk_db_fail(l->db, "cannot read the enrolment journal");
    }
    rk_db_release(l->db, st);
    if (rc && rc != RK_ENOTFOUND) journal_clear(j);
    return rc;
}

static int audit_action(rk_ledger *l, const rk_actor *by, const char *action, const char *uuid,
                        const char *detail)
{
    rk_audit_entry e = {
        by->login[0] ? by->login : "system", "issue", action, uuid, NULL, NULL, detail};
    return rk_audit_append(l->db, &e, NULL);
}

static int journal_create(rk_ledger *l, const rk_actor *by, const rk_order *o,
                          const char *key_serial, const char *usage, journal *j)
{
    sqlite3_stmt *st;
    char detail[160];
    int64_t now = rk_clock_now();
    int rc;

    memset(j, 0, sizeof *j);
    j->order_id = o->id;
    snprintf(j->uuid, sizeof j->uuid, "%s", o->uuid);
    snprintf(j->key_serial, sizeof j->key_serial, "%s", key_serial);
    /* The pair's label names the order, so a pair made just before a crash
     * is found again. */
    snprintf(j->label, sizeof j->label, "rk-%s%s", o->uuid, strcmp(usage, "enc") ? "" : "-enc");
    snprintf(j->usage, sizeof j->usage, "%s", usage);
    snprintf(j->step, sizeof j->step, "keygen");
    snprintf(j->phase, sizeof j->phase, "begun");
    j->created_at = now;
    if ((rc = rk_db_begin(l->db)) != 0) return rc;
    rc =
        rk_db_cached(l->db, &st,
                     "INSERT INTO enrolment(order_id, key_serial, label, step, phase, "
                     "created_at, updated_at, usage) VALUES (?, ?, ?, 'keygen', 'begun', ?, ?, ?)");
    if (!rc) {
        sqlite3_bind_int64(st, 1, o->id);
        sqlite3_bind_text(st, 2, key_serial, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, j->label, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, now);
        sqlite3_bind_int64(st, 5, now);
        sqlite3_bind_text(st, 6, usage, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(l->db, "cannot start the journal");
        rk_db_release(l->db, st);
    }
    if (!rc) {
        j->id = sqlite3_last_insert_rowid(rk_db_handle(l->db));
        snprintf(detail, sizeof detail, "enrolment of order %s onto key %s (%s certificate)",
                 o->ref, key_serial, usage);
        rc = audit_action(l, by, "key.enrol.start", o->uuid, detail);
    }
    if (rc) {
        rk_db_rollback(l->db);
        return rc;
    }
    return rk_db_commit(l->db);
}

/* Records that a step begins, and what the steps before it produced, in
 * one transaction (or the caller's). The end of one step is the start of
 * the next, so one mark records both: "cert begun" with the pair's id
 * says the key pair is made. */
static int journal_mark(rk_ledger *l, journal *j, const char *step, const char *phase)
{
    sqlite3_stmt *st;
    int rc = rk_db_cached(l->db, &st,
                          "UPDATE enrolment SET step = ?, phase = ?, key_id = ?, spki = ?, "
                          "cert_serial = ?, cert_der = ?, error = NULL, updated_at = ?, "
                          "csr = ? WHERE id = ?");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, step, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, phase, -1, SQLITE_STATIC);
    if (j->key_id_len)
        sqlite3_bind_blob(st, 3, j->key_id, (int)j->key_id_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    if (j->spki_len)
        sqlite3_bind_blob(st, 4, j->spki, j->spki_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 4);
    if (j->cert_serial[0])
        sqlite3_bind_text(st, 5, j->cert_serial, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 5);
    if (j->cert_len)
        sqlite3_bind_blob(st, 6, j->cert_der, j->cert_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 6);
    sqlite3_bind_int64(st, 7, rk_clock_now());
    if (j->csr_len)
        sqlite3_bind_blob(st, 8, j->csr, j->csr_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 8);
    sqlite3_bind_int64(st, 9, j->id);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(l->db, "cannot write the journal");
    rk_db_release(l->db, st);
    if (!rc) {
        snprintf(j->step, sizeof j->step, "%s", step);
        snprintf(j->phase, sizeof j->phase, "%s", phase);
    }
    return rc;
}

/* The journal's commits do not wait for the disk (rk_db_set_durable 0):
 * in WAL mode a commit is ordered and never torn, survives SIGKILL, and
 * becomes durable with the next full commit. What a mark records can always
 * be found again on the key (the pair by its label, the certificate by its
 * id) and at the issuer (the certificate by its public key), and the
 * transaction that issues the order waits for the disk; so a power cut can
 * cost at most the repetition of a step, never a lost or doubled
 * certificate. This keeps the journal from costing a disk flush per step
 * (measured: the larger part of the enrolment's overhead over the key's
 * own operations). relax() brackets a run; the issuing transaction is made
 * with durable(). */
static int relax(rk_ledger *l)
{
    return rk_db_set_durable(l->db, 0);
}

static int durable(rk_ledger *l)
{
    return rk_db_set_durable(l->db, 1);
}

/* Keeps the failure's message in the journal (for `ractl key enrol
 * --pending`) without losing it for the caller. */
static int journal_fail(rk_ledger *l, const journal *j, int rc)
{
    char msg[1024];
    sqlite3_stmt *st;
    snprintf(msg, sizeof msg, "%s", rk_err_msg());
    if (rk_db_prepare(l->db, &st, "UPDATE enrolment SET error = ?, updated_at = ? WHERE id = ?") ==
        0) {
        sqlite3_bind_text(st, 1, msg, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, rk_clock_now());
        sqlite3_bind_int64(st, 3, j->id);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    return rk_err_set(rc, "%s", msg);
}

static int journal_attempt(rk_ledger *l, const journal *j)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(l->db, &st, "UPDATE enrolment SET attempts = attempts + 1 WHERE id = ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, j->id);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(l->db, "cannot write the journal");
    sqlite3_finalize(st);
    return rc;
}

/* Closes the journal inside the issuing transaction (rk_order_issue_with). */
static int journal_close(rk_ledger *l, void *arg)
{
    journal *j = arg;
    sqlite3_stmt *st;
    int rc = rk_db_cached(l->db, &st,
                          "UPDATE enrolment SET step = 'commit', phase = 'done', "
                          "outcome = 'issued', updated_at = ? WHERE id = ?");
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, rk_clock_now());
    sqlite3_bind_int64(st, 2, j->id);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(l->db, "cannot close the journal");
    rk_db_release(l->db, st);
    return rc;
}

/* The pair's public key, from the key, into the journal. */
static int keep_spki(journal *j, rk_token *t)
{
    unsigned char *der = NULL;
    int len = 0, rc = rk_token_public_spki(&der, &len, t, j->key_id, j->key_id_len);
    if (rc) return rc;
    free(j->spki);
    j->spki = malloc((size_t)len);
    if (!j->spki) {
        OPENSSL_free(der);
        return rk_err_oom();
    }
    memcpy(j->spki, der, (size_t)len);
    j->spki_len = len;
    OPENSSL_free(der);
    return 0;
}

static int keep_cert(journal *j, X509 *cert)
{
    rk_cert_record rec;
    unsigned char *der = NULL;
    int rc = rk_certinfo_of(&rec, &der, cert);
    if (rc) return rc;
    free(j->cert_der);
    if (!(j->cert_der = malloc((size_t)rec.der_len)) || !X509_up_ref(cert)) {
        OPENSSL_free(der);
        return rk_err_oom();
    }
    memcpy(j->cert_der, der, (size_t)rec.der_len);
    j->cert_len = (int)rec.der_len;
    snprintf(j->cert_serial, sizeof j->cert_serial, "%s", rec.serial);
    X509_free(j->cert);
    j->cert = cert;
    OPENSSL_free(der);
    return 0;
}

/* The request of an escrowed key, signed by the software key (the USB
 * key will not sign with an encryption key). */
static int escrow_csr(journal *j, EVP_PKEY *key, const rk_order *ord)
{
    X509_REQ *csr = X509_REQ_new();
    X509_NAME *name = X509_NAME_new();
    unsigned char *der = NULL;
    int len = 0, rc = 0;
    if (!csr || !name ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                    (const unsigned char *)ord->subject_name, -1, -1, 0) ||
        !X509_REQ_set_subject_name(csr, name) || !X509_REQ_set_pubkey(csr, key) ||
        !X509_REQ_sign(csr, key, EVP_sha256()) || (len = i2d_X509_REQ(csr, &der)) <= 0) {
        rc = rk_err_set(RK_ECRYPTO, "cannot make the encryption key's request");
    } else {
        free(j->csr);
        if (!(j->csr = malloc((size_t)len))) {
            rc = rk_err_oom();
        } else {
            memcpy(j->csr, der, (size_t)len);
            j->csr_len = len;
        }
    }
    OPENSSL_free(der);
    X509_NAME_free(name);
    X509_REQ_free(csr);
    return rc;
}

/* An escrowed encryption key: made in software, wrapped to the recovery
 * certificate and stored (committed) before it goes onto the key, then
 * wiped. A key made before a crash that never reached the key is dropped
 * with its wrapped copy and made again. */
static int escrow_keygen(journal *j, rk_ledger *l, rk_token *t, const rk_order *ord,
                         const rk_enrol_opts *o)
{
    EVP_PKEY *key = NULL;
    unsigned char *wrapped = NULL;
    size_t wlen = 0;
    char fp[RK_ESCROW_FP_LEN];
    int rc;

    if (!o->recovery)
        return rk_err_set(RK_ECONF, "the encryption key is escrowed but there is no recovery "
                                    "certificate (run `ractl ca init`)");
    if ((rc = tell(j, 1, "keygen", "making the escrowed encryption key", AT_KEYGEN + 5)) != 0)
        return rc;
    if ((rc = rk_escrow_keygen(&key, o->enc_alg_is_rsa)) != 0 ||
        (rc = rk_escrow_fingerprint(fp, o->recovery)) != 0 ||
        (rc = rk_escrow_wrap(&wrapped, &wlen, key, o->recovery)) != 0 ||
        (rc = escrow_csr(j, key, ord)) != 0)
        goto out;
    if ((rc = rk_db_begin(l->db)) != 0) goto out;
    if ((rc = rk_escrow_drop_unbound(l->db, j->order_id)) != 0 ||
        (rc = rk_escrow_store(NULL, l->db, j->order_id, wrapped, wlen, fp)) != 0 ||
        (rc = journal_mark(l, j, "keygen", "begun")) != 0) {
        rk_db_rollback(l->db);
        goto out;
    }
    if ((rc = rk_db_commit(l->db)) != 0) goto out;
    if ((rc = tell(j, 1, "keygen", "writing the encryption key to the key", AT_KEYGEN + 20)) == 0)
        rc = rk_token_import_key(j->key_id, t, key, j->label);
out:
    EVP_PKEY_free(key); /* frees (and clears) the software private key */
    free(wrapped);
    return rc;
}

static int step_keygen(journal *j, rk_ledger *l, rk_token *t, int alg, const rk_order *ord,
                       const rk_enrol_opts *o)
{
    size_t len = sizeof j->key_id;
    int enc = !strcmp(j->usage, "enc");
    int rc = tell(j, 1, "keygen", "generating the key pair on the key", AT_KEYGEN);
    if (rc) return rc;

    /* the journal says "keygen begun" since it was created */
    rc = rk_token_find_pair(j->key_id, &len, t, j->label);
    if (rc == 0 && enc && !j->csr_len) {
        /* an escrowed key needs its request from before the wipe: a pair
         * without it cannot be certified; start the pair afresh */
        if ((rc = rk_token_delete_pair(t, j->key_id, len)) != 0) return rc;
        rc = RK_ENOTFOUND;
    }
    if (rc == 0) {
        j->key_id_len = len; /* made before a crash: adopt it */
    } else if (rc == RK_ENOTFOUND) {
        rk_err_clear();
        if (enc && !o->enc_escrow)
            return rk_err_set(RK_ECONF,
                              "profile %s: a non-escrowed encryption key would be made "
                              "on the key, which cannot sign its request; set escrow = "
                              "yes",
                              o->enc_profile);
        rk_progress_sub sub = sub_of(j, 1, "keygen", AT_KEYGEN, AT_CERT);
        if (enc)
            rc = escrow_keygen(j, l, t, ord, o);
        else
            rc = rk_token_keygen(j->key_id, t, alg, RK_TOKEN_SIGN, j->label,
                                 j->pt ? rk_progress_sub_fn : NULL, &sub);
        if (rc) return rc;
        j->key_id_len = RK_TOKEN_ID_LEN;
        j->made_pair = 1;
    } else {
        return rc;
    }
    rc = keep_spki(j, t);
    return rc ? rc : journal_mark(l, j, "cert", "begun");
}

static int step_cert(journal *j, rk_ledger *l, rk_token *t, const rk_issuer *iss,
                     const rk_order *ord, const char *profile)
{
    EVP_PKEY *pub = NULL;
    X509 *cert = NULL;
    X509_REQ *csr = NULL;
    X509_NAME *name = NULL;
    int rc = tell(j, 2, "cert", "asking the issuer for the certificate", AT_CERT);
    if (rc) return rc;

    /* Issued before a crash, but not yet in the journal? Never twice. (A
     * pair made in this run cannot have a certificate yet.) */
    rc = RK_ENOTFOUND;
    if (iss->find && !j->made_pair &&
        (rc = rk_token_public_key(&pub, t, j->key_id, j->key_id_len)) == 0)
        rc = iss->find(iss->arg, &cert, pub, j->created_at);
    if (rc == RK_ENOTFOUND) {
        name = X509_NAME_new();
        if (!name ||
            !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                        (const unsigned char *)ord->subject_name, -1, -1, 0)) {
            rc = rk_err_set(RK_ECRYPTO, "cannot build the request's subject");
            goto out;
        }
        if (j->csr_len) {
            const unsigned char *p = j->csr;
            if (!(csr = d2i_X509_REQ(NULL, &p, j->csr_len))) {
                rc = rk_err_set(RK_EFORMAT, "the journal's request is unreadable");
                goto out;
            }
        } else if ((rc = rk_token_csr(&csr, t, j->key_id, j->key_id_len, name)) != 0) {
            goto out;
        }
        if ((rc = iss->issue(iss->arg, &cert, csr, profile, ord)) != 0) goto out;
    } else if (rc) {
        goto out;
    }
    if ((rc = keep_cert(j, cert)) == 0) rc = journal_mark(l, j, "write", "begun");
out:
    X509_NAME_free(name);
    X509_REQ_free(csr);
    X509_free(cert);
    EVP_PKEY_free(pub);
    return rc;
}

/* The journal's certificate (borrowed: it stays the journal's). */
static int load_cert(X509 **out, journal *j)
{
    const unsigned char *p = j->cert_der;
    if (!j->cert) j->cert = d2i_X509(NULL, &p, j->cert_len);
    *out = j->cert;
    return *out ? 0 : rk_err_set(RK_EFORMAT, "the journal's certificate is unreadable");
}

static int step_write(journal *j, rk_ledger *l, rk_token *t)
{
    X509 *cert = NULL, *there = NULL;
    int rc;

    if ((rc = tell(j, 3, "write", "writing the certificate to the key", AT_WRITE)) != 0 ||
        (rc = load_cert(&cert, j)) != 0)
        return rc;
    /* A write cut off before may have left a half-made object, or have
     * finished. Not so for a pair made in this run. */
    if (j->made_pair) {
        rc = RK_ENOTFOUND;
    } else if ((rc = rk_token_sweep(t, NULL)) == 0) {
        rc = rk_token_read_cert(&there, t, j->key_id, j->key_id_len);
    }
    if (rc == 0 && X509_cmp(there, cert) == 0) {
        rc = 0; /* written before a crash */
    } else if (rc == 0 || rc == RK_ENOTFOUND) {
        rk_err_clear();
        rk_progress_sub sub = sub_of(j, 3, "write", AT_WRITE, AT_VERIFY);
        rc = rk_token_write_cert(t, j->key_id, j->key_id_len, j->label, cert, 1,
                                 j->pt ? rk_progress_sub_fn : NULL, &sub);
        j->wrote = rc == 0;
    }
    X509_free(there);
    return rc ? rc : journal_mark(l, j, "verify", "begun");
}

static int step_verify(journal *j, rk_ledger *l, rk_token *t, const rk_issuer *iss)
{
    X509 *cert = NULL;
    int rc;

    if ((rc = tell(j, 4, "verify", "reading the certificate back and checking it", AT_VERIFY)) !=
            0 ||
        (rc = load_cert(&cert, j)) != 0 || (!j->wrote && (rc = rk_token_sweep(t, NULL)) != 0))
        return rc;
    rc = rk_token_verify_cert(t, j->key_id, j->key_id_len, cert, iss->chain);
    return rc ? rc : journal_mark(l, j, "commit", "begun");
}

/* What the issuing transaction closes: both halves of dual certificates. */
typedef struct commit_ctx {
    journal *sign, *enc;
    const char *ref;
    rk_cert_record *enc_rec;
} commit_ctx;

static int close_all(rk_ledger *l, void *arg)
{
    commit_ctx *c = arg;
    int rc = journal_close(l, c->sign);
    if (rc || !c->enc) return rc;
    if ((rc = rk_order_add_certificate(l, c->ref, c->enc_rec)) != 0 ||
        (rc = journal_close(l, c->enc)) != 0)
        return rc;
    /* The escrowed copy of the encryption key now names its certificate,
     * and goes to HQ with the order (key recovery opens it there). */
    if ((rc = rk_escrow_bind(l->db, c->enc->order_id, c->enc->cert_serial)) != 0) return rc;
    return rk_escrow_event(l->db, c->enc->order_id, c->enc->uuid, c->enc->cert_serial);
}

static int step_commit(journal *j, journal *je, rk_ledger *l, const rk_actor *by, const char *ref)
{
    rk_cert_record rec, erec;
    unsigned char *der = NULL, *eder = NULL;
    X509 *cert, *ecert;
    int rc;

    if ((rc = load_cert(&cert, j)) != 0 || (rc = rk_certinfo_of(&rec, &der, cert)) != 0) return rc;
    if (je && ((rc = load_cert(&ecert, je)) != 0 || (rc = rk_certinfo_of(&erec, &eder, ecert)))) {
        OPENSSL_free(der);
        return rc;
    }
    snprintf(rec.key_serial, sizeof rec.key_serial, "%s", j->key_serial);
    snprintf(rec.usage, sizeof rec.usage, "sign");
    if (je) {
        snprintf(erec.key_serial, sizeof erec.key_serial, "%s", je->key_serial);
        snprintf(erec.usage, sizeof erec.usage, "enc");
    }
    commit_ctx c = {j, je, ref, je ? &erec : NULL};
    if ((rc = durable(l)) == 0) rc = rk_order_issue_with(l, by, ref, &rec, close_all, &c);
    OPENSSL_free(der);
    OPENSSL_free(eder);
    return rc;
}

/* One enrolment of an order at a time, across programs: an exclusive lock
 * on the byte at the order's id in <data_dir>/locks/enrol.lock, held by
 * the open file description (F_OFD_SETLK), so the kernel releases it when
 * the holder closes it or ends, even by SIGKILL. One file for all orders:
 * a file per order would pile up, one for every order ever issued.
 * Returns the descriptor, or RK_EBUSY or RK_EIO (negative). */
static int lock_id(rk_ledger *l, int64_t id, const char *ref)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/locks/enrol.lock", l->conf->data_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ENOENT) {
        /* the first enrolment here: make the folder */
        char dir[4400];
        snprintf(dir, sizeof dir, "%s/locks", l->conf->data_dir);
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return rk_err_set(RK_EIO, "cannot create %s: %s", dir, strerror(errno));
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    }
    if (fd < 0) return rk_err_set(RK_EIO, "cannot open %s: %s", path, strerror(errno));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = (off_t)id, .l_len = 1};
    if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
        int e = errno;
        close(fd);
        if (e == EAGAIN || e == EACCES)
            return rk_err_set(RK_EBUSY, "order %s is being enrolled by another program right now",
                              ref);
        return rk_err_set(RK_EIO, "cannot lock %s: %s", path, strerror(e));
    }
    return fd;
}

/* The lock of the order ref names (a reference or a uuid), into *fd: its
 * id is read alone, so that the order is loaded and checked only under the
 * lock, where what is checked cannot change. */
static int lock_ref(int *fd, rk_ledger *l, const char *ref)
{
    sqlite3_stmt *st;
    int64_t id = 0;
    int rc = rk_db_cached(l->db, &st, "SELECT id FROM orders WHERE ref = ?1 OR uuid = ?1");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    else
        rc = s == SQLITE_DONE ? rk_err_set(RK_ENOTFOUND, "no order '%s'", ref)
                              : rk_db_fail(l->db, "cannot read order");
    rk_db_release(l->db, st);
    if (rc) return rc;
    *fd = lock_id(l, id, ref);
    return *fd < 0 ? *fd : 0;
}

/* Loads or starts the journal row of one half. */
static int journal_take(rk_ledger *l, const rk_actor *by, const rk_order *ord,
                        const rk_enrol_opts *o, const char *usage, journal *j, rk_enrol_result *out)
{
    int rc = journal_load(l, ord->id, usage, j);
    if (rc == RK_ENOTFOUND) return journal_create(l, by, ord, o->key_serial, usage, j);
    if (rc) return rc;
    if (out) out->resumed = 1;
    if (strcmp(j->key_serial, o->key_serial))
        return rk_err_set(RK_ESTATE,
                          "order %s has an unfinished enrolment on key %s: insert that key to "
                          "finish it, or roll it back (ractl key enrol --rollback)",
                          ord->ref, j->key_serial);
    return journal_attempt(l, j);
}

/* keygen -> cert -> write -> verify of one half, from where its journal is. */
static int run_half(journal *j, rk_ledger *l, rk_token *t, const rk_issuer *iss,
                    const rk_order *ord, const rk_enrol_opts *o, const char *profile, int rsa)
{
    int rc = 0;
    /* A certificate kept from before a power cut may be missing from the
     * issuer's register (its record had not reached the disk): recorded
     * again first, never delivered unrecorded. */
    if (j->loaded && j->cert_len && iss->rerecord) {
        X509 *cert;
        if ((rc = load_cert(&cert, j)) != 0 || (rc = iss->rerecord(iss->arg, cert)) != 0) return rc;
    }
    if (!j->key_id_len &&
        (rc = step_keygen(j, l, t, rsa ? RK_TOKEN_RSA_2048 : RK_TOKEN_EC_P256, ord, o)) != 0)
        return rc;
    if (!j->cert_len && (rc = step_cert(j, l, t, iss, ord, profile)) != 0) return rc;
    if (!reached(j, "write") && (rc = step_write(j, l, t)) != 0) return rc;
    if (!reached(j, "verify") && (rc = step_verify(j, l, t, iss)) != 0) return rc;
    return 0;
}

static int rollback_locked(rk_ledger *l, const rk_actor *by, rk_token_ctx *ctx,
                           const rk_issuer *iss, const rk_order *ord, const char *pin,
                           rk_token *open, const char *why, int *done);

/* The end of a run cancelled through its progress callback (rc is
 * RK_ECANCELED): what the run produced is rolled back at once, under the
 * order's lock it holds and with the key it has open, so that the order is
 * left as before the enrolment, retriable on any key. If the rollback
 * cannot finish (the key pulled at the same moment), the journal keeps the
 * place for `ractl key enrol --rollback` or a resumption, and says so. */
static int cancelled(rk_ledger *l, const rk_actor *by, rk_token_ctx *ctx, const rk_issuer *iss,
                     const rk_order *ord, const char *pin, rk_token *t, rk_progress_track *pt,
                     journal *cur)
{
    char why[1024];
    int done = 0, rc;
    snprintf(why, sizeof why, "%s", rk_err_msg());
    rk_progress_note(pt, &(rk_progress){.step = "rollback",
                                        .text = "cancelled: undoing what was made",
                                        .percent = -1});
    if ((rc = durable(l)) == 0)
        rc = rollback_locked(l, by, ctx, iss, ord, pin, t, "cancelled", &done);
    if (rc) {
        rk_err_wrap(rc, "%s; the rollback did not finish", why);
        journal_fail(l, cur, rc);
        return rk_err_set(RK_ECANCELED,
                          "%s (the journal keeps the place: roll back with `ractl key enrol "
                          "--rollback`, or enrol again on key %s to resume)",
                          rk_err_msg(), cur->key_serial);
    }
    return rk_err_set(RK_ECANCELED,
                      "%s; the enrolment of order %s was rolled back (nothing issued stays "
                      "valid, nothing is left on the key): it can be enrolled again",
                      why, ord->ref);
}

int rk_enrol_run(rk_ledger *l, const rk_actor *by, rk_token_ctx *ctx, const rk_issuer *iss,
                 const rk_enrol_opts *o, rk_enrol_result *out)
{
    int lock = -1;
    rk_order *ord = calloc(1, sizeof *ord);
    rk_token *t = NULL;
    journal j, je, *cur = &j;
    rk_progress_track pt;
    char profile[48];
    int rc;

    memset(&j, 0, sizeof j);
    memset(&je, 0, sizeof je);
    if (out) memset(out, 0, sizeof *out);
    if (!ord) return rk_err_oom();
    rk_progress_start(&pt, o->progress, o->progress_arg, RK_OP_ENROL, 5);
    if ((rc = rk_actor_require(by, RK_ROLE_ISSUE)) != 0 ||
        (rc = lock_ref(&lock, l, o->order_ref)) != 0 ||
        (rc = rk_order_check_issuable(l, by, o->order_ref, ord)) != 0 || (rc = relax(l)) != 0)
        goto out;
    snprintf(profile, sizeof profile, "%s-sign", ord->cert_kind);
    if ((rc = journal_take(l, by, ord, o, "sign", &j, out)) != 0) goto out;
    j.pt = o->progress ? &pt : NULL;
    j.lo = 0;
    j.hi = o->enc_profile ? AT_COMMIT / 2 : AT_COMMIT;
    if ((rc = rk_token_open(&t, ctx, o->key_serial)) != 0 || (rc = rk_token_login(t, o->pin)) != 0)
        goto fail;
    if ((rc = run_half(&j, l, t, iss, ord, o, profile, o->alg_is_rsa)) != 0) goto fail;
    if (o->enc_profile) {
        if ((rc = journal_take(l, by, ord, o, "enc", &je, out)) != 0) goto out;
        cur = &je;
        je.pt = j.pt;
        je.lo = AT_COMMIT / 2;
        je.hi = AT_COMMIT;
        if ((rc = run_half(&je, l, t, iss, ord, o, o->enc_profile, o->enc_alg_is_rsa)) != 0)
            goto fail;
    }
    /* The last moment to cancel: the commit is one transaction. */
    if ((rc = rk_progress_tell(&pt, &(rk_progress){.step = "commit",
                                                   .text = "recording the issued order",
                                                   .step_no = 5,
                                                   .percent = AT_COMMIT})) != 0 ||
        (rc = step_commit(&j, o->enc_profile ? &je : NULL, l, by, o->order_ref)) != 0)
        goto fail;
    rk_progress_note(
        &pt, &(rk_progress){.step = "done", .text = "order issued", .step_no = 5, .percent = 100});
    if (out) {
        snprintf(out->cert_serial, sizeof out->cert_serial, "%s", j.cert_serial);
        snprintf(out->enc_cert_serial, sizeof out->enc_cert_serial, "%s", je.cert_serial);
    }
    goto out;
fail:
    if (rc == RK_ECANCELED)
        rc = cancelled(l, by, ctx, iss, ord, o->pin, t, &pt, cur);
    else
        rc = journal_fail(l, cur, rc);
out:
    if (lock >= 0) durable(l); /* the connection's default again */
    rk_token_close(t);
    journal_clear(&j);
    journal_clear(&je);
    free(ord);
    if (lock >= 0) close(lock); /* releases the lock */
    return rc;
}

/* The ledger's DER of certificate serial. */
static int ledger_cert(X509 **out, rk_ledger *l, const char *serial)
{
    sqlite3_stmt *st;
    int rc = rk_db_prepare(l->db, &st,
                           "SELECT der FROM certificate WHERE serial = upper(?) AND usage = 'enc'");
    if (rc) return rc;
    sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
    *out = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *p = sqlite3_column_blob(st, 0);
        *out = p ? d2i_X509(NULL, &p, sqlite3_column_bytes(st, 0)) : NULL;
        if (!*out) rc = rk_err_set(RK_EFORMAT, "the ledger's certificate %s is unreadable", serial);
    } else {
        rc = rk_err_set(RK_ENOTFOUND, "no encryption certificate %s in the ledger", serial);
    }
    sqlite3_finalize(st);
    return rc;
}

/* The recovered key onto the new key: unwrapped, checked against the
 * certificate, imported, wiped. A pair imported before a crash is adopted. */
static int recover_keygen(journal *j, rk_ledger *l, rk_token *t, X509 *cert,
                          const rk_recover_opts *o)
{
    size_t len = sizeof j->key_id;
    unsigned char *blob = NULL;
    size_t blen = 0;
    char fp[RK_ESCROW_FP_LEN];
    EVP_PKEY *key = NULL;
    int rc = tell(j, 1, "import", "opening the escrowed key", AT_KEYGEN);
    if (rc) return rc;

    rc = rk_token_find_pair(j->key_id, &len, t, j->label);
    if (rc == 0) {
        j->key_id_len = len;
    } else if (rc == RK_ENOTFOUND) {
        rk_err_clear();
        if (!o->wrapped && (rc = rk_escrow_load(&blob, &blen, fp, l->db, j->cert_serial)) != 0)
            goto out;
        if ((rc = rk_escrow_unwrap(&key, o->wrapped ? o->wrapped : blob,
                                   o->wrapped ? o->wrapped_len : blen, o->open_key,
                                   o->open_cert)) != 0)
            goto out;
        if (EVP_PKEY_eq(key, X509_get0_pubkey(cert)) != 1) {
            rc = rk_err_set(RK_EVERIFY, "the %s key is not certificate %s's",
                            o->wrapped ? "recovered" : "escrowed", j->cert_serial);
            goto out;
        }
        if ((rc = tell(j, 1, "import", "writing the recovered key", AT_KEYGEN + 15)) != 0 ||
            (rc = rk_token_import_key(j->key_id, t, key, j->label)) != 0)
            goto out;
        j->key_id_len = RK_TOKEN_ID_LEN;
        j->made_pair = 1;
    } else {
        goto out;
    }
    if ((rc = keep_spki(j, t)) == 0)
        rc = journal_mark(l, j, "write", "begun"); /* the certificate is the old one */
out:
    EVP_PKEY_free(key); /* the software copy is wiped */
    free(blob);
    return rc;
}

int rk_enrol_recover(rk_ledger *l, const rk_actor *by, rk_token_ctx *ctx, const rk_issuer *iss,
                     const rk_recover_opts *o, rk_enrol_result *out)
{
    int lock = -1;
    rk_order *ord = calloc(1, sizeof *ord);
    rk_token *t = NULL;
    X509 *cert = NULL;
    journal j;
    rk_progress_track pt;
    int rc;
    rk_enrol_opts eo = {.order_ref = o->order_ref, .key_serial = o->key_serial, .pin = o->pin};

    memset(&j, 0, sizeof j);
    if (out) memset(out, 0, sizeof *out);
    if (!ord) return rk_err_oom();
    rk_progress_start(&pt, o->progress, o->progress_arg, RK_OP_RECOVER, 4);
    if (!o->open_key) {
        rc = rk_err_set(RK_EINVAL, "key recovery needs the key that opens the wrapped key");
        goto out;
    }
    if ((rc = rk_actor_require(by, RK_ROLE_ISSUE)) != 0 ||
        (rc = lock_ref(&lock, l, o->order_ref)) != 0 ||
        (rc = rk_order_check_issuable(l, by, o->order_ref, ord)) != 0)
        goto out;
    if (strcmp(ord->business, "recovery") || !ord->cert_serial[0]) {
        rc = rk_err_set(RK_EINVAL, "order %s is not a key recovery naming a certificate", ord->ref);
        goto out;
    }
    if ((rc = ledger_cert(&cert, l, ord->cert_serial)) != 0 || (rc = relax(l)) != 0) goto out;
    if ((rc = journal_take(l, by, ord, &eo, "enc", &j, out)) != 0) goto out;
    j.pt = o->progress ? &pt : NULL;
    j.lo = 0;
    j.hi = AT_COMMIT;
    j.recovering = 1;
    if (!j.cert_len && (rc = keep_cert(&j, cert)) != 0) goto fail;
    if ((rc = rk_token_open(&t, ctx, o->key_serial)) != 0 || (rc = rk_token_login(t, o->pin)) != 0)
        goto fail;
    if (!j.key_id_len && (rc = recover_keygen(&j, l, t, cert, o)) != 0) goto fail;
    if (!reached(&j, "write") && (rc = step_write(&j, l, t)) != 0) goto fail;
    if (!reached(&j, "verify") && (rc = step_verify(&j, l, t, iss)) != 0) goto fail;
    rk_cert_record rec;
    unsigned char *der = NULL;
    X509 *jcert;
    if ((rc = rk_progress_tell(&pt, &(rk_progress){.step = "commit",
                                                   .text = "recording the issued order",
                                                   .step_no = 4,
                                                   .percent = AT_COMMIT})) != 0 ||
        (rc = load_cert(&jcert, &j)) != 0 || (rc = rk_certinfo_of(&rec, &der, jcert)) != 0)
        goto fail;
    snprintf(rec.key_serial, sizeof rec.key_serial, "%s", j.key_serial);
    snprintf(rec.usage, sizeof rec.usage, "enc");
    if ((rc = durable(l)) == 0)
        rc = rk_order_issue_with(l, by, o->order_ref, &rec, journal_close, &j);
    OPENSSL_free(der);
    if (rc) goto fail;
    rk_progress_note(
        &pt, &(rk_progress){.step = "done", .text = "order issued", .step_no = 4, .percent = 100});
    if (out) snprintf(out->enc_cert_serial, sizeof out->enc_cert_serial, "%s", j.cert_serial);
    goto out;
fail:
    if (rc == RK_ECANCELED)
        rc = cancelled(l, by, ctx, iss, ord, o->pin, t, &pt, &j);
    else
        rc = journal_fail(l, &j, rc);
out:
    if (lock >= 0) durable(l);
    X509_free(cert);
    rk_token_close(t);
    journal_clear(&j);
    free(ord);
    if (lock >= 0) close(lock);
    return rc;
}

/* Rolls back one half (its journal row j, loaded), why ("rolled back",
 * "cancelled") going into the audit entry. open: the key, already open and
 * logged in (a cancelled run's), or NULL to open it with pin (if given). */
static int rollback_one(rk_ledger *l, const rk_actor *by, rk_token_ctx *ctx, const rk_issuer *iss,
                        const rk_order *ord, journal *j, const char *pin, rk_token *open,
                        const char *why)
{
    rk_token *t = open, *mine = NULL;
    X509 *found = NULL;
    char detail[512] = "", serial[64] = "";
    int rc, key_cleaned = 0;

    /* The certificate: from the journal, or found by the pair's public key
     * if the issuer recorded it just before a crash. */
    snprintf(serial, sizeof serial, "%s", j->cert_serial);
    /* A key recovery's certificate is the subscriber's own: never revoked. */
    if (!strcmp(ord->business, "recovery"))
        serial[0] = '\0';
    else if (!serial[0] && j->spki_len && iss->find) {
        const unsigned char *p = j->spki;
        EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, j->spki_len);
        if (pub && iss->find(iss->arg, &found, pub, j->created_at) == 0 && keep_cert(j, found) == 0)
            snprintf(serial, sizeof serial, "%s", j->cert_serial);
        EVP_PKEY_free(pub);
    }
    /* A certificate the register lost in a power cut is recorded again, so
     * that it can be revoked. */
    if (serial[0] && j->cert_len && iss->rerecord) {
        X509 *cert;
        if ((rc = load_cert(&cert, j)) != 0 || (rc = iss->rerecord(iss->arg, cert)) != 0) goto out;
    }
    if (serial[0] && (rc = iss->revoke(iss->arg, serial)) != 0) goto out;
    /* The key's objects, if the key is here (a pair that was never made
     * leaves nothing to remove). */
    if (!t && pin && rk_token_open(&mine, ctx, j->key_serial) == 0) {
        if (rk_token_login(mine, pin) == 0) t = mine;
    }
    if (t) {
        unsigned char id[64];
        size_t len = sizeof id;
        int found_pair = 1;
        if (j->key_id_len) {
            memcpy(id, j->key_id, j->key_id_len);
            len = j->key_id_len;
        } else {
            int f = rk_token_find_pair(id, &len, t, j->label);
            found_pair = f == 0;
            if (f == RK_ENOTFOUND) key_cleaned = 1;
        }
        if (found_pair && rk_token_delete_pair(t, id, len) == 0) key_cleaned = 1;
    }
    rk_err_clear();
    snprintf(detail, sizeof detail, "enrolment (%s) of order %s onto key %s %s at step %s%s%s%s",
             j->usage, ord->ref, j->key_serial, why, j->step, serial[0] ? "; certificate " : "",
             serial[0] ? serial : "", serial[0] ? " revoked" : "");
    if (!key_cleaned)
        strncat(detail, "; key objects left (key absent)", sizeof detail - strlen(detail) - 1);
    if ((rc = rk_db_begin(l->db)) != 0) goto out;
    sqlite3_stmt *st;
    if ((rc = rk_db_prepare(l->db, &st,
                            "UPDATE enrolment SET outcome = 'rolled_back', updated_at = ? "
                            "WHERE id = ?")) == 0) {
        sqlite3_bind_int64(st, 1, rk_clock_now());
        sqlite3_bind_int64(st, 2, j->id);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : rk_db_fail(l->db, "cannot close the journal");
        sqlite3_finalize(st);
    }
    /* A wrapped key whose certificate never came is of no use to anyone. */
    if (!rc && !strcmp(j->usage, "enc")) rc = rk_escrow_drop_unbound(l->db, ord->id);
    if (!rc) rc = audit_action(l, by, "key.enrol.rollback", ord->uuid, detail);
    if (!rc && serial[0]) {
        char payload[160];
        snprintf(payload, sizeof payload,
                 "{\"serial\":\"%s\",\"status\":\"revoked\",\"reason\":\"enrolment %s\"}", serial,
                 why);
        rc = rk_outbox_add(l->db, NULL, "certificate", serial, "certificate.revoked", payload);
    }
    if (rc) {
        rk_db_rollback(l->db);
        goto out;
    }
    rc = rk_db_commit(l->db);
out:
    X509_free(found);
    rk_token_close(mine);
    return rc;
}

/* Rolls back every open half of ord (the order's lock held): the
 * encryption half first. *done counts the halves rolled back. */
static int rollback_locked(rk_ledger *l, const rk_actor *by, rk_token_ctx *ctx,
                           const rk_issuer *iss, const rk_order *ord, const char *pin,
                           rk_token *open, const char *why, int *done)
{
    static const char *const usages[] = {"enc", "sign"};
    journal j;
    int rc = 0;

    memset(&j, 0, sizeof j);
    *done = 0;
    for (int i = 0; i < 2 && !rc; i++) {
        rc = journal_load(l, ord->id, usages[i], &j);
        if (rc == RK_ENOTFOUND) {
            rc = 0;
            continue;
        }
        if (!rc && (rc = rollback_one(l, by, ctx, iss, ord, &j, pin, open, why)) == 0) (*done)++;
        journal_clear(&j);
    }
    return rc;
}

int rk_enrol_rollback(rk_ledger *l, const rk_actor *by, rk_token_ctx *ctx, const rk_issuer *iss,
                      const char *order_ref, const char *pin)
{
    rk_order *ord = calloc(1, sizeof *ord);
    int rc, lock = -1, done = 0;

    if (!ord) return rk_err_oom();
    if ((rc = rk_actor_require(by, RK_ROLE_ISSUE)) != 0 ||
        (rc = lock_ref(&lock, l, order_ref)) != 0 || (rc = rk_order_get(l, order_ref, ord)) != 0)
        goto out;
    rc = rollback_locked(l, by, ctx, iss, ord, pin, NULL, "rolled back", &done);
    if (!rc && !done)
        rc = rk_err_set(RK_ENOTFOUND, "order %s has no unfinished enrolment", ord->ref);
out:
    free(ord);
    if (lock >= 0) close(lock);
    return rc;
}

static int read_open(void *elem, sqlite3_stmt *st, void *arg)
{
    rk_enrol_open *e = elem;
    (void)arg;
    rk_db_text(e->order_ref, sizeof e->order_ref, st, 0);
    rk_db_text(e->key_serial, sizeof e->key_serial, st, 1);
    rk_db_text(e->step, sizeof e->step, st, 2);
    rk_db_text(e->phase, sizeof e->phase, st, 3);
    e->attempts = sqlite3_column_int(st, 4);
    e->updated_at = sqlite3_column_int64(st, 5);
    rk_db_text(e->error, sizeof e->error, st, 6);
    return 0;
}

int rk_enrol_pending(rk_ledger *l, rk_enrol_open **out, int *n)
{
    sqlite3_stmt *st;
    int rc;

    *out = NULL;
    *n = 0;
    rc = rk_db_prepare(l->db, &st,
                       "SELECT o.ref, e.key_serial, e.step, e.phase, e.attempts, e.updated_at, "
                       "coalesce(e.error, '') FROM enrolment e JOIN orders o ON o.id = e.order_id "
                       "WHERE e.outcome IS NULL ORDER BY e.updated_at");
    if (rc) return rc;
    return rk_db_collect((void **)out, n, l->db, st, sizeof **out, read_open, NULL, "enrolments");
}
