/*
 * Configuration bundles: verification and atomic installation (see
 * sync_config.h).
 */
#include "branch/sync_config.h"

#include "audit/record.h"
#include "branch/sync_proto.h"
#include "branch/sync_status.h"
#include "ca/profiles.h"
#include "conf/ini.h"
#include "domain/calendar.h"
#include "domain/fees.h"
#include "domain/forms.h"
#include "util/err.h"
#include "util/file.h"
#include "util/pem.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/uuid.h"

#include <jansson.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE (16u * 1024 * 1024)

static const char *const NAMES[] = {"fees.ini", "forms.ini", "profiles.ini", "calendar.ini",
                                    "knowledge.ini"};
#define N_NAMES ((int)(sizeof NAMES / sizeof NAMES[0]))

int rk_sync_config_current(int64_t *version, char sha256[65], rk_db *db)
{
    int rc = rk_sync_meta_int(db, "sync.config_version", version, 0);
    if (rc) return rc;
    rc = rk_db_meta_get(db, "sync.config_sha", sha256, 65);
    if (rc == RK_ENOTFOUND) {
        rk_err_clear();
        sha256[0] = '\0';
        rc = 0;
    }
    return rc;
}

/* ---- verification ------------------------------------------------------------- */

static int verify(unsigned char **content, size_t *len, const rk_conf *conf,
                  const unsigned char *der, size_t der_len)
{
    const unsigned char *p = der;
    CMS_ContentInfo *cms = NULL;
    STACK_OF(X509) *certs = NULL;
    X509 *pin = NULL;
    BIO *out = NULL;
    int rc = 0;

    *content = NULL;
    if (!conf->hq_config_cert[0])
        return rk_err_set(RK_ECONF,
                          "no [hq] config_cert in %s: configure HQ's configuration "
                          "certificate to accept bundles",
                          conf->path);
    if ((rc = rk_pem_cert_file(&pin, conf->hq_config_cert)) != 0)
        return rk_err_wrap(RK_ECONF, "[hq] config_cert");
    cms = der_len < (1u << 30) ? d2i_CMS_ContentInfo(NULL, &p, (long)der_len) : NULL;
    if (!cms || p != der + der_len) {
        rc = rk_err_set(RK_EVERIFY, "the bundle is not a CMS message (an unsigned bundle?)");
        goto out;
    }
    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
        rc = rk_err_set(RK_EVERIFY, "the bundle is not signed (CMS %s, not SignedData)",
                        OBJ_nid2sn(OBJ_obj2nid(CMS_get0_type(cms))));
        goto out;
    }
    if (!(certs = sk_X509_new_null()) || !sk_X509_push(certs, pin) || !(out = BIO_new(BIO_s_mem())))
        goto oom;
    pin = NULL; /* owned by certs now */
    /* Only the pinned certificate may have signed: no certificates from the
     * bundle, no chain to build. */
    if (CMS_verify(cms, certs, NULL, NULL, out,
                   CMS_NOINTERN | CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1) {
        unsigned long e = ERR_peek_last_error();
        char why[160] = "";
        if (e) ERR_error_string_n(e, why, sizeof why);
        rc = rk_err_set(RK_EVERIFY, "the bundle is not signed by HQ's configuration key (%s): %s",
                        conf->hq_config_cert, why);
        goto out;
    }
    STACK_OF(CMS_SignerInfo) *si = CMS_get0_SignerInfos(cms);
    if (sk_CMS_SignerInfo_num(si) != 1) {
        rc =
            rk_err_set(RK_EVERIFY, "the bundle has %d signers, not one", sk_CMS_SignerInfo_num(si));
        goto out;
    }
    char *data;
    long n = BIO_get_mem_data(out, &data);
    if (n <= 0 || (size_t)n > 64u * 1024 * 1024) {
        rc = rk_err_set(RK_EFORMAT, "the bundle's content is empty or too large");
        goto out;
    }
    if (!(*content = malloc((size_t)n + 1))) goto oom;
    memcpy(*content, data, (size_t)n);
    (*content)[n] = '\0';
    *len = (size_t)n;
    goto out;
oom:
    rc = rk_err_oom();
out:
    ERR_clear_error();
    BIO_free(out);
    sk_X509_pop_free(certs, X509_free);
    X509_free(pin);
    CMS_ContentInfo_free(cms);
    return rc;
}

/* ---- the files ----------------------------------------------------------------- */

static int write_file(const char *dir, const char *name, const unsigned char *data, size_t n)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return rk_file_write_atomic(path, data, n, 0644);
}

/* The bundle in force's file name (if it has one) into the new bundle. */
static int copy_file(const char *from_dir, const char *to_dir, const char *name)
{
    char path[PATH_MAX];
    rk_buf b;
    snprintf(path, sizeof path, "%s/%s", from_dir, name);
    rk_buf_init(&b, MAX_FILE);
    int rc = rk_file_read(&b, path);
    if (rc == RK_ENOTFOUND) {
        rk_err_clear();
        rc = 0;
    } else if (!rc)
        rc = write_file(to_dir, name, (const unsigned char *)(b.data ? b.data : ""), b.len);
    rk_buf_free(&b);
    return rc;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[PATH_MAX];
    if (!d) return;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    closedir(d);
    rmdir(dir);
}

static int ini_any(void *user, const char *section, const char *name, const char *value)
{
    (void)user;
    (void)section;
    (void)name;
    (void)value;
    return 1;
}

/* Loads a file with the branch's own parser for it. */
static int check_file(const char *dir, const char *name)
{
    char path[PATH_MAX];
    int rc = 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!strcmp(name, "fees.ini")) {
        rk_fees *x = NULL;
        rc = rk_fees_load(&x, path);
        rk_fees_free(x);
    } else if (!strcmp(name, "forms.ini")) {
        rk_forms *x = NULL;
        rc = rk_forms_load(&x, path);
        rk_forms_free(x);
    } else if (!strcmp(name, "profiles.ini")) {
        rk_profiles *x = NULL;
        rc = rk_profiles_load(&x, path);
        rk_profiles_free(x);
    } else if (!strcmp(name, "calendar.ini")) {
        rk_calendar *x = NULL;
        rc = rk_calendar_load(&x, path);
        rk_calendar_free(x);
    } else {
        int line = 0, bad;
        bad = rk_ini_parse(path, ini_any, NULL, &line);
        if (bad) rc = rk_err_set(RK_EFORMAT, "%s: line %d is not INI", name, bad);
    }
    return rc ? rk_err_wrap(RK_EFORMAT, "the bundle's %s does not load", name) : 0;
}

static int unpack(const char *dir, json_t *files)
{
    const char *name;
    json_t *v;
    int rc = 0;
    if (!json_is_object(files) || json_object_size(files) == 0)
        return rk_err_set(RK_EFORMAT, "the bundle carries no files");
    json_object_foreach(files, name, v)
    {
        int known = 0;
        for (int i = 0; i < N_NAMES; i++)
            known |= !strcmp(name, NAMES[i]);
        if (!known)
            return rk_err_set(RK_EFORMAT, "the bundle carries '%s', which no bundle may", name);
        json_t *d = json_object_get(v, "data"), *h = json_object_get(v, "sha256");
        if (!json_is_string(d) || !json_is_string(h))
            return rk_err_set(RK_EFORMAT, "the bundle's %s lacks data or sha256", name);
        size_t dlen = json_string_length(d), got = 0;
        unsigned char *buf = malloc(dlen / 4 * 3 + 3);
        if (!buf) return rk_err_oom();
        rc = rk_sync_proto_unb64(buf, dlen / 4 * 3 + 3, &got, json_string_value(d), dlen);
        if (rc || got > MAX_FILE) {
            free(buf);
            return rk_err_set(RK_EFORMAT, "the bundle's %s is not base64 of at most 16 MiB", name);
        }
        unsigned char md[32];
        char hex[65];
        EVP_Digest(buf, got, md, NULL, EVP_sha256(), NULL);
        rk_hex_encode(hex, md, 32, 0);
        if (strcmp(hex, json_string_value(h))) {
            free(buf);
            return rk_err_set(RK_EFORMAT, "the bundle's %s does not match its SHA-256", name);
        }
        rc = write_file(dir, name, buf, got);
        free(buf);
        if (rc) return rc;
    }
    return 0;
}

int rk_sync_config_install(int64_t *version, rk_db *db, const rk_conf *conf,
                           const unsigned char *der, size_t len)
{
    unsigned char *content = NULL;
    size_t clen = 0;
    json_t *doc = NULL;
    char base[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX], cur[PATH_MAX], link_tmp[PATH_MAX];
    char sha[65], held_sha[65], target[32];
    int64_t held = 0;
    int rc;

    *version = 0;
    if ((rc = verify(&content, &clen, conf, der, len)) != 0) return rc;
    json_error_t e;
    doc = json_loadb((const char *)content, clen, JSON_REJECT_DUPLICATES, &e);
    free(content);
    json_t *v = json_object_get(doc, "version"), *magic = json_object_get(doc, "rakiosk_config");
    if (!json_is_object(doc) || !json_is_integer(magic) || json_integer_value(magic) != 1 ||
        !json_is_integer(v) || json_integer_value(v) < 1) {
        json_decref(doc);
        return rk_err_set(RK_EFORMAT, "the bundle's content is not a rakiosk configuration");
    }
    *version = json_integer_value(v);
    if ((rc = rk_sync_config_current(&held, held_sha, db)) != 0) goto out;
    if (*version <= held) {
        rc = rk_err_set(RK_ESTATE, "bundle version %lld is not newer than version %lld in force",
                        (long long)*version, (long long)held);
        goto out;
    }
    snprintf(base, sizeof base, "%s/config", conf->data_dir);
    snprintf(final, sizeof final, "%s/%lld", base, (long long)*version);
    snprintf(tmp, sizeof tmp, "%s/.%lld.%d", base, (long long)*version, (int)getpid());
    snprintf(cur, sizeof cur, "%s/current", base);
    snprintf(link_tmp, sizeof link_tmp, "%s/.current.%d", base, (int)getpid());
    snprintf(target, sizeof target, "%lld", (long long)*version);
    if (mkdir(base, 0755) != 0 && errno != EEXIST) {
        rc = rk_err_set(RK_EIO, "cannot make %s: %s", base, strerror(errno));
        goto out;
    }
    remove_tree(tmp);
    if (mkdir(tmp, 0755) != 0) {
        rc = rk_err_set(RK_EIO, "cannot make %s: %s", tmp, strerror(errno));
        goto out;
    }
    if ((rc = unpack(tmp, json_object_get(doc, "files"))) != 0) goto fail;
    /* What this bundle does not replace stays as the bundle in force had it. */
    for (int i = 0; i < N_NAMES; i++) {
        char mine[PATH_MAX];
        snprintf(mine, sizeof mine, "%s/%s", tmp, NAMES[i]);
        if (access(mine, F_OK) != 0 && (rc = copy_file(cur, tmp, NAMES[i])) != 0) goto fail;
    }
    for (int i = 0; i < N_NAMES; i++) {
        char mine[PATH_MAX];
        snprintf(mine, sizeof mine, "%s/%s", tmp, NAMES[i]);
        if (access(mine, F_OK) == 0 && (rc = check_file(tmp, NAMES[i])) != 0) goto fail;
    }
    if ((rc = rk_file_sync_dir(tmp)) != 0) goto fail;
    remove_tree(final); /* a half-installed earlier attempt of this version */
    if (rename(tmp, final) != 0) {
        rc = rk_err_set(RK_EIO, "cannot install %s: %s", final, strerror(errno));
        goto fail;
    }
    unlink(link_tmp);
    if (symlink(target, link_tmp) != 0 || rename(link_tmp, cur) != 0) {
        rc = rk_err_set(RK_EIO, "cannot switch %s: %s", cur, strerror(errno));
        unlink(link_tmp);
        goto out;
    }
    if ((rc = rk_file_sync_dir(base)) != 0) goto out;
    unsigned char md[32];
    EVP_Digest(der, len, md, NULL, EVP_sha256(), NULL);
    rk_hex_encode(sha, md, 32, 0);
    char detail[160];
    snprintf(detail, sizeof detail, "configuration bundle %lld in force (was %lld)",
             (long long)*version, (long long)held);
    rk_record rec = {.role = "system", .action = "config.installed", .detail = detail};
    if ((rc = rk_db_begin(db)) == 0) {
        rc = rk_sync_meta_set_int(db, "sync.config_version", *version);
        if (!rc) rc = rk_db_meta_set(db, "sync.config_sha", sha);
        if (!rc) rc = rk_record_add(db, &rec);
        rc = rk_db_end(db, rc);
    }
    if (!rc) {
        rk_log_info("sync: %s", detail);
        /* Keep the one before, for a look back; older ones go. */
        for (int64_t old = held - 1; old > 0 && old > held - 50; old--) {
            char dir[PATH_MAX];
            snprintf(dir, sizeof dir, "%s/%lld", base, (long long)old);
            remove_tree(dir);
        }
    }
    goto out;
fail:
    remove_tree(tmp);
out:
    json_decref(doc);
    return rc;
}
