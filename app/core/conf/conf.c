/*
 * Loading and checking conf/kiosk.conf (see conf.h).
 *
 * inih calls handler() for every name=value; the handler fills the struct
 * and records the first problem with its line number. After parsing, paths
 * are made absolute and required keys and referenced files are checked.
 */
#include "conf.h"

#include "ini.h"
#include "util/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct parse_state {
    rk_conf *conf;
    char error[512]; /* first problem, without the file/line prefix */
    int error_line;
    int line; /* kept current by rk_ini_parse() */
    /* raw relative paths, resolved after parsing */
    char data_dir[PATH_MAX];
    char database[PATH_MAX];
    char spool_dir[PATH_MAX];
    char hq_ca_certs[PATH_MAX];
    char hq_config_cert[PATH_MAX];
} parse_state;

static int copy_value(parse_state *st, char *dst, size_t n, const char *section, const char *key,
                      const char *value)
{
    if (strlen(value) >= n) {
        snprintf(st->error, sizeof st->error, "[%s] %s: value longer than %zu characters", section,
                 key, n - 1);
        return 0;
    }
    memcpy(dst, value, strlen(value) + 1);
    return 1;
}

static int parse_int(parse_state *st, int *dst, const char *section, const char *key,
                     const char *value, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < lo || v > hi) {
        snprintf(st->error, sizeof st->error, "[%s] %s: '%s' is not a whole number from %ld to %ld",
                 section, key, value, lo, hi);
        return 0;
    }
    *dst = (int)v;
    return 1;
}

static int unknown_key(parse_state *st, const char *section, const char *key)
{
    snprintf(st->error, sizeof st->error, "[%s] %s: unknown key", section, key);
    return 0;
}

static rk_key_model *key_model_for(parse_state *st, const char *name)
{
    rk_conf *c = st->conf;
    for (int i = 0; i < c->n_key_models; i++)
        if (!strcmp(c->key_models[i].name, name)) return &c->key_models[i];
    if (c->n_key_models >= RK_CONF_MAX_KEY_MODELS) {
        snprintf(st->error, sizeof st->error, "[key_model %s]: more than %d key models", name,
                 RK_CONF_MAX_KEY_MODELS);
        return NULL;
    }
    if (strlen(name) >= sizeof c->key_models[0].name || !*name) {
        snprintf(st->error, sizeof st->error, "[key_model %s]: name empty or too long", name);
        return NULL;
    }
    rk_key_model *m = &c->key_models[c->n_key_models++];
    memset(m, 0, sizeof *m);
    strcpy(m->name, name);
    m->pin_max_tries = 5;
    strcpy(m->unlock, "counter");
    return m;
}

static int handle_key_model(parse_state *st, const char *section, const char *name, const char *key,
                            const char *value)
{
    rk_key_model *m = key_model_for(st, name);
    if (!m) return 0;
    if (!strcmp(key, "serial_prefixes"))
        return copy_value(st, m->serial_prefixes, sizeof m->serial_prefixes, section, key, value);
    if (!strcmp(key, "pin_max_tries")) {
        if (!parse_int(st, &m->pin_max_tries, section, key, value, 1, 15)) return 0;
        return 1;
    }
    if (!strcmp(key, "unlock")) {
        if (strcmp(value, "online") && strcmp(value, "remote") && strcmp(value, "counter")) {
            snprintf(st->error, sizeof st->error,
                     "[%s] unlock: '%s' must be online, remote or counter", section, value);
            return 0;
        }
        return copy_value(st, m->unlock, sizeof m->unlock, section, key, value);
    }
    if (!strcmp(key, "module"))
        return copy_value(st, m->module, sizeof m->module, section, key, value);
    return unknown_key(st, section, key);
}

static int choice(parse_state *st, char *dst, size_t n, const char *section, const char *key,
                  const char *value, const char *a, const char *b)
{
    if (strcmp(value, a) && strcmp(value, b)) {
        snprintf(st->error, sizeof st->error, "[%s] %s: '%s' must be %s or %s", section, key, value,
                 a, b);
        return 0;
    }
    return copy_value(st, dst, n, section, key, value);
}

/* The counter's devices: [printer], [scanner], [idreader]. */
static int handle_device(parse_state *st, const char *section, const char *key, const char *value)
{
    rk_conf *c = st->conf;
#define IS(s, k)  (!strcmp(section, s) && !strcmp(key, k))
#define COPY(dst) copy_value(st, dst, sizeof dst, section, key, value)
    if (IS("printer", "receipt")) {
        if (*value && strncmp(value, "tcp://", 6) && strncmp(value, "usb://", 6) &&
            strncmp(value, "cups://", 7)) {
            snprintf(st->error, sizeof st->error,
                     "[printer] receipt: '%s' is not tcp://HOST:PORT, usb:///dev/usb/lpN or "
                     "cups://QUEUE[@HOST:PORT]",
                     value);
            return 0;
        }
        return COPY(c->printer_receipt);
    }
    if (IS("printer", "receipt_width")) {
        if (strcmp(value, "58") && strcmp(value, "80")) {
            snprintf(st->error, sizeof st->error, "[printer] receipt_width: '%s' must be 58 or 80",
                     value);
            return 0;
        }
        c->printer_width = atoi(value);
        return 1;
    }
    if (IS("printer", "timeout_ms"))
        return parse_int(st, &c->printer_timeout_ms, section, key, value, 100, 60000);
    if (IS("printer", "fallback"))
        return choice(st, c->printer_fallback, sizeof c->printer_fallback, section, key, value,
                      "box", "code");
    if (IS("printer", "spool_dir")) return COPY(st->spool_dir);
    if (IS("printer", "a4_queue")) return COPY(c->printer_a4_queue);
    if (IS("printer", "cups_server")) return COPY(c->printer_cups_server);
    if (IS("scanner", "device")) return COPY(c->scanner_device);
    if (IS("scanner", "dpi")) return parse_int(st, &c->scanner_dpi, section, key, value, 75, 1200);
    if (IS("scanner", "mode"))
        return choice(st, c->scanner_mode, sizeof c->scanner_mode, section, key, value, "Color",
                      "Gray");
    if (IS("idreader", "device")) return COPY(c->idreader_device);
#undef IS
#undef COPY
    return unknown_key(st, section, key);
}

/* "350100, 440300": six-digit region codes, comma-separated. */
static int pilot_regions(parse_state *st, rk_conf *c, const char *value)
{
    c->n_uscc_pilot_regions = 0;
    for (const char *p = value; *p;) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (!*p) break;
        size_t n = strcspn(p, ", \t");
        int digits = n == 6;
        for (size_t i = 0; digits && i < 6; i++)
            digits = p[i] >= '0' && p[i] <= '9';
        if (!digits) {
            snprintf(st->error, sizeof st->error,
                     "[validate] uscc_pilot_regions: '%.*s' is not a six-digit region code",
                     (int)(n > 20 ? 20 : n), p);
            return 0;
        }
        if (c->n_uscc_pilot_regions >= RK_CONF_MAX_PILOTS) {
            snprintf(st->error, sizeof st->error,
                     "[validate] uscc_pilot_regions: more than %d regions", RK_CONF_MAX_PILOTS);
            return 0;
        }
        memcpy(c->uscc_pilot_regions[c->n_uscc_pilot_regions], p, 6);
        c->uscc_pilot_regions[c->n_uscc_pilot_regions++][6] = '\0';
        p += n;
    }
    return 1;
}

static int parse_long(parse_state *st, long *dst, const char *section, const char *key,
                      const char *value, long lo, long hi)
{
    int v;
    if (hi <= 2147483647L) {
        if (!parse_int(st, &v, section, key, value, lo, hi)) return 0;
        *dst = v;
        return 1;
    }
    char *end;
    errno = 0;
    long x = strtol(value, &end, 10);
    if (errno || end == value || *end || x < lo || x > hi) {
        snprintf(st->error, sizeof st->error, "[%s] %s: '%s' is not a whole number from %ld to %ld",
                 section, key, value, lo, hi);
        return 0;
    }
    *dst = x;
    return 1;
}

static int parse_bool(parse_state *st, int *dst, const char *section, const char *key,
                      const char *value)
{
    if (!strcmp(value, "on") || !strcmp(value, "yes") || !strcmp(value, "true") ||
        !strcmp(value, "1")) {
        *dst = 1;
        return 1;
    }
    if (!strcmp(value, "off") || !strcmp(value, "no") || !strcmp(value, "false") ||
        !strcmp(value, "0")) {
        *dst = 0;
        return 1;
    }
    snprintf(st->error, sizeof st->error, "[%s] %s: '%s' must be on or off", section, key, value);
    return 0;
}

static int parse_rotation(parse_state *st, int *dst, const char *section, const char *key,
                          const char *value)
{
    if (strcmp(value, "0") && strcmp(value, "90") && strcmp(value, "180") && strcmp(value, "270")) {
        snprintf(st->error, sizeof st->error, "[%s] %s: '%s' must be 0, 90, 180 or 270", section,
                 key, value);
        return 0;
    }
    *dst = atoi(value);
    return 1;
}

/* [display] and [sound]: the kiosk's screen, touch panel and sound. */
static int handle_display(parse_state *st, const char *section, const char *key, const char *value)
{
    rk_conf *c = st->conf;
    if (!strcmp(section, "sound")) {
        if (!strcmp(key, "volume"))
            return parse_int(st, &c->sound_volume, section, key, value, 0, 100);
        if (!strcmp(key, "voice")) return parse_bool(st, &c->voice, section, key, value);
        if (!strcmp(key, "clerk_voice"))
            return parse_bool(st, &c->clerk_voice, section, key, value);
        return unknown_key(st, section, key);
    }
    if (!strcmp(key, "driver")) {
        if (*value && strcmp(value, "kmsdrm") && strcmp(value, "x11") && strcmp(value, "wayland") &&
            strcmp(value, "offscreen")) {
            snprintf(st->error, sizeof st->error,
                     "[display] driver: '%s' must be kmsdrm, x11, wayland, offscreen or empty",
                     value);
            return 0;
        }
        return copy_value(st, c->display_driver, sizeof c->display_driver, section, key, value);
    }
    if (!strcmp(key, "width"))
        return parse_int(st, &c->display_width, section, key, value, 0, 8192);
    if (!strcmp(key, "height"))
        return parse_int(st, &c->display_height, section, key, value, 0, 8192);
    if (!strcmp(key, "rotation"))
        return parse_rotation(st, &c->display_rotation, section, key, value);
    if (!strcmp(key, "touch_rotation"))
        return parse_rotation(st, &c->touch_rotation, section, key, value);
    if (!strcmp(key, "touch_flip")) {
        if (strcmp(value, "none") && strcmp(value, "x") && strcmp(value, "y") &&
            strcmp(value, "xy")) {
            snprintf(st->error, sizeof st->error,
                     "[display] touch_flip: '%s' must be none, x, y or xy", value);
            return 0;
        }
        c->touch_flip_x = strchr(value, 'x') != NULL;
        c->touch_flip_y = strchr(value, 'y') != NULL;
        return 1;
    }
    return unknown_key(st, section, key);
}

/* [sync]: the sync daemon's transport and schedule. */
static int handle_sync(parse_state *st, const char *section, const char *key, const char *value)
{
    rk_conf *c = st->conf;
    if (!strcmp(key, "interval"))
        return parse_int(st, &c->sync_interval, section, key, value, 60, 86400);
    if (!strcmp(key, "batch")) return parse_int(st, &c->sync_batch, section, key, value, 1, 500);
    if (!strcmp(key, "bandwidth"))
        return parse_long(st, &c->sync_bandwidth, section, key, value, 0, 1000000000000L);
    if (!strcmp(key, "proxy"))
        return copy_value(st, c->sync_proxy, sizeof c->sync_proxy, section, key, value);
    if (!strcmp(key, "connect_timeout"))
        return parse_int(st, &c->sync_connect_timeout, section, key, value, 1, 300);
    if (!strcmp(key, "timeout"))
        return parse_int(st, &c->sync_timeout, section, key, value, 5, 3600);
    if (!strcmp(key, "max_attempts"))
        return parse_int(st, &c->sync_max_attempts, section, key, value, 1, 50);
    if (!strcmp(key, "archive_url"))
        return copy_value(st, c->sync_archive_url, sizeof c->sync_archive_url, section, key, value);
    if (!strcmp(key, "archive_chunk"))
        return parse_long(st, &c->sync_archive_chunk, section, key, value, 65536, 67108864);
    if (!strcmp(key, "archive_keep_days"))
        return parse_int(st, &c->sync_archive_keep_days, section, key, value, -1, 36500);
    if (!strcmp(key, "reconcile_days"))
        return parse_int(st, &c->sync_reconcile_days, section, key, value, 1, 366);
    if (!strcmp(key, "device_key"))
        return copy_value(st, c->sync_device_key, sizeof c->sync_device_key, section, key, value);
    if (!strcmp(key, "update_install"))
        return copy_value(st, c->sync_update_install, sizeof c->sync_update_install, section, key,
                          value);
    if (!strcmp(key, "update_chunk"))
        return parse_long(st, &c->sync_update_chunk, section, key, value, 65536, 67108864);
    return unknown_key(st, section, key);
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
    parse_state *st = user;
    rk_conf *c = st->conf;

    if (st->error[0]) return 1; /* keep the first problem only */
#define IS(s, k)  (!strcmp(section, s) && !strcmp(key, k))
#define COPY(dst) copy_value(st, dst, sizeof dst, section, key, value)
    if (!strncmp(section, "key_model ", 10))
        return handle_key_model(st, section, section + 10, key, value);
    if (IS("branch", "id")) {
        for (const char *p = value; *p; p++)
            if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-')) {
                snprintf(st->error, sizeof st->error,
                         "[branch] id: '%s' may hold only A-Z, 0-9 and '-'", value);
                return 0;
            }
        return COPY(c->branch_id);
    }
    if (IS("branch", "name")) return COPY(c->branch_name);
    if (IS("branch", "region")) return COPY(c->region);
    if (IS("paths", "data_dir")) return COPY(st->data_dir);
    if (IS("paths", "database")) return COPY(st->database);
    if (IS("hq", "url")) return COPY(c->hq_url);
    if (IS("hq", "ca_certs")) return COPY(st->hq_ca_certs);
    if (IS("hq", "config_cert")) return COPY(st->hq_config_cert);
    if (IS("hq", "cmp_url")) return COPY(c->hq_cmp_url);
    if (IS("hq", "enrol_ref")) return COPY(c->hq_enrol_ref);
    if (!strcmp(section, "sync")) return handle_sync(st, section, key, value);
    if (!strcmp(section, "display") || !strcmp(section, "sound"))
        return handle_display(st, section, key, value);
    if (IS("kiosk", "idle_seconds"))
        return parse_int(st, &c->kiosk_idle_seconds, section, key, value, 30, 3600);
    if (IS("kiosk", "countdown_seconds"))
        return parse_int(st, &c->kiosk_countdown_seconds, section, key, value, 15, 30);
    if (IS("kiosk", "import_dir")) return COPY(c->kiosk_import_dir);
    if (IS("kiosk", "demo")) return parse_bool(st, &c->kiosk_demo, section, key, value);
    if (IS("kiosk", "demo_idsim")) return COPY(c->kiosk_demo_idsim);
    if (IS("kiosk", "demo_printer")) return COPY(c->kiosk_demo_printer);
    if (IS("kiosk", "pay_qr")) {
        if (!strstr(value, "{ref}") || (!strstr(value, "{fen}") && !strstr(value, "{yuan}"))) {
            snprintf(st->error, sizeof st->error,
                     "[kiosk] pay_qr: '%s' must hold {ref} and {fen} or {yuan}", value);
            return 0;
        }
        return COPY(c->kiosk_pay_qr);
    }
    if (IS("hq", "issuance")) {
        if (strcmp(value, "local") && strcmp(value, "cmp")) {
            snprintf(st->error, sizeof st->error, "[hq] issuance: '%s' must be local or cmp",
                     value);
            return 0;
        }
        return COPY(c->issuance);
    }
    if (IS("files", "fees")) return COPY(c->fees);
    if (IS("files", "forms")) return COPY(c->forms);
    if (IS("files", "profiles")) return COPY(c->profiles);
    if (IS("files", "calendar")) return COPY(c->calendar);
    if (IS("files", "knowledge")) return COPY(c->knowledge);
    if (IS("clerk", "session_hours"))
        return parse_int(st, &c->session_hours, section, key, value, 1, 24);
    if (IS("clerk", "password_min_length"))
        return parse_int(st, &c->password_min_length, section, key, value, 8, 128);
    if (IS("clerk", "kdf_log2_n"))
        return parse_int(st, &c->kdf_log2_n, section, key, value, 14, 20);
    if (IS("clerk", "max_failed_logins"))
        return parse_int(st, &c->max_failed_logins, section, key, value, 1, 100);
    if (IS("clerk", "password_login"))
        return parse_bool(st, &c->password_login, section, key, value);
    if (IS("clerk", "lockout_minutes"))
        return parse_int(st, &c->lockout_minutes, section, key, value, 1, 1440);
    if (IS("ledger", "renewal_old_pair")) {
        if (strcmp(value, "keep") && strcmp(value, "supersede")) {
            snprintf(st->error, sizeof st->error,
                     "[ledger] renewal_old_pair: '%s' must be keep or supersede", value);
            return 0;
        }
        c->renewal_supersede = !strcmp(value, "supersede");
        return 1;
    }
    if (IS("documents", "max_image_bytes")) {
        int v;
        if (!parse_int(st, &v, section, key, value, 1024, 64 * 1024 * 1024)) return 0;
        c->max_image_bytes = v;
        return 1;
    }
    if (IS("token", "module")) return COPY(c->token_module);
    if (IS("secrets", "store")) {
        if (strcmp(value, "file") && strcmp(value, "credentials")) {
            snprintf(st->error, sizeof st->error,
                     "[secrets] store: '%s' must be file or credentials", value);
            return 0;
        }
        c->secrets_sealed = !strcmp(value, "credentials");
        return 1;
    }
    if (!strcmp(section, "printer") || !strcmp(section, "scanner") || !strcmp(section, "idreader"))
        return handle_device(st, section, key, value);
    if (IS("validate", "uscc_pilot_regions")) return pilot_regions(st, c, value);
#undef IS
#undef COPY
    if (strcmp(section, "branch") && strcmp(section, "paths") && strcmp(section, "hq") &&
        strcmp(section, "files") && strcmp(section, "clerk") && strcmp(section, "documents") &&
        strcmp(section, "token") && strcmp(section, "printer") && strcmp(section, "scanner") &&
        strcmp(section, "idreader") && strcmp(section, "validate") && strcmp(section, "sync") &&
        strcmp(section, "ledger") && strcmp(section, "kiosk") && strcmp(section, "secrets")) {
        snprintf(st->error, sizeof st->error, "[%s]: unknown section", section);
        return 0;
    }
    return unknown_key(st, section, key);
}

static int handler_counting(void *user, const char *section, const char *key, const char *value)
{
    parse_state *st = user;
    int had_error = st->error[0] != 0;
    int ok = handler(user, section, key, value);
    if (!had_error && st->error[0]) st->error_line = st->line;
    return ok;
}

/* Makes rel absolute against base into out. */
static int resolve(char *out, size_t n, const char *base, const char *rel)
{
    int w = rel[0] == '/' ? snprintf(out, n, "%s", rel) : snprintf(out, n, "%s/%s", base, rel);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int resolve_file(rk_conf *c, char *field, const char *key)
{
    char abs[PATH_MAX];
    struct stat sb;
    if (!field[0]) return rk_err_set(RK_ECONF, "%s: [files] %s: missing", c->path, key);
    if (resolve(abs, sizeof abs, c->dir, field))
        return rk_err_set(RK_ECONF, "%s: [files] %s: path too long", c->path, key);
    if (stat(abs, &sb) != 0 || !S_ISREG(sb.st_mode))
        return rk_err_set(RK_ECONF, "%s: [files] %s: %s: no such file", c->path, key, abs);
    strcpy(field, abs);
    return 0;
}

int rk_conf_find(char *out, size_t n)
{
    const char *env = getenv("RAKIOSK_CONF");
    const char *candidates[] = {RK_SYSCONFDIR "/kiosk.conf", RK_SOURCE_CONFDIR "/kiosk.conf"};
    if (env && *env) {
        snprintf(out, n, "%s", env);
        return 0;
    }
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        if (access(candidates[i], R_OK) == 0) {
            snprintf(out, n, "%s", candidates[i]);
            return 0;
        }
    }
    return rk_err_set(
        RK_ENOTFOUND,
        "no configuration: give --conf FILE or set RAKIOSK_CONF (looked in %s and %s)",
        candidates[0], candidates[1]);
}

static void set_defaults(rk_conf *c)
{
    strcpy(c->issuance, "local");
    c->session_hours = 8;
    c->password_min_length = 8;
    c->kdf_log2_n = 15;
    c->max_failed_logins = 5;
    c->lockout_minutes = 15;
    c->password_login = 1;
    c->max_image_bytes = 3L * 1024 * 1024;
    strcpy(c->token_module, "/usr/lib/softhsm/libsofthsm2.so");
    c->printer_width = 80;
    c->printer_timeout_ms = 3000;
    strcpy(c->printer_fallback, "box");
    c->scanner_dpi = 300;
    strcpy(c->scanner_mode, "Color");
    c->sound_volume = 70;
    c->voice = 1;
    c->kiosk_idle_seconds = 120;
    c->kiosk_countdown_seconds = 30;
    strcpy(c->kiosk_pay_qr, "RAKPAY1:{branch}:{ref}:{fen}");
    strcpy(c->kiosk_import_dir, "/media/rakiosk-usb");
    strcpy(c->kiosk_demo_idsim, "/tmp/rakiosk-idsim.ctl");
    strcpy(c->kiosk_demo_printer, "/tmp/rakiosk-printer");
    c->sync_interval = 900;
    c->sync_batch = 200;
    c->sync_connect_timeout = 10;
    c->sync_timeout = 60;
    c->sync_max_attempts = 6;
    c->sync_archive_chunk = 1048576;
    c->sync_archive_keep_days = 90;
    c->sync_reconcile_days = 30;
    strcpy(c->sync_device_key, "rakiosk-device");
    c->sync_update_chunk = 4194304;
}

/* A configuration bundle's file in force replaces the shipped one. */
static void bundle_file(rk_conf *c, char *field, const char *name)
{
    char path[PATH_MAX];
    struct stat sb;
    int w = snprintf(path, sizeof path, "%s/config/current/%s", c->data_dir, name);
    if (w > 0 && (size_t)w < sizeof path && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
        strcpy(field, path);
}

void rk_conf_bundle_refresh(rk_conf *c)
{
    bundle_file(c, c->fees, "fees.ini");
    bundle_file(c, c->forms, "forms.ini");
    bundle_file(c, c->profiles, "profiles.ini");
    bundle_file(c, c->calendar, "calendar.ini");
    bundle_file(c, c->knowledge, "knowledge.ini");
}

static int check_required(rk_conf *c, parse_state *st)
{
    if (!c->branch_id[0]) return rk_err_set(RK_ECONF, "%s: [branch] id: missing", c->path);
    if (!c->branch_name[0]) return rk_err_set(RK_ECONF, "%s: [branch] name: missing", c->path);
    if (!st->data_dir[0] && !getenv("RAKIOSK_DATA_DIR"))
        return rk_err_set(RK_ECONF, "%s: [paths] data_dir: missing", c->path);
    return 0;
}

int rk_conf_load(rk_conf **out, const char *path)
{
    char found[PATH_MAX];
    parse_state st;
    rk_conf *c = NULL;
    int rc;

    *out = NULL;
    if (!path) {
        rc = rk_conf_find(found, sizeof found);
        if (rc) return rc;
        path = found;
    }
    c = calloc(1, sizeof *c);
    if (!c) return rk_err_oom();
    if (!realpath(path, c->path)) {
        rc = rk_err_set(errno == ENOENT ? RK_ENOTFOUND : RK_ECONF, "%s: %s", path, strerror(errno));
        free(c);
        return rc;
    }
    strcpy(c->dir, c->path);
    char *slash = strrchr(c->dir, '/');
    if (slash) *(slash == c->dir ? slash + 1 : slash) = '\0';
    set_defaults(c);

    memset(&st, 0, sizeof st);
    st.conf = c;
    int line = rk_ini_parse(c->path, handler_counting, &st, &st.line);
    if (line < 0) {
        rc = rk_err_set(RK_ECONF, "%s: %s", c->path, strerror(errno));
        free(c);
        return rc;
    }
    if (st.error[0]) {
        rc = rk_err_set(RK_ECONF, "%s:%d: %s", c->path, st.error_line, st.error);
        goto fail;
    }
    if (line != 0) {
        rc = rk_err_set(RK_ECONF, "%s:%d: not a section header or key = value line", c->path, line);
        goto fail;
    }
    rc = check_required(c, &st);
    if (rc) goto fail;

    const char *env_data = getenv("RAKIOSK_DATA_DIR");
    if (resolve(c->data_dir, sizeof c->data_dir, c->dir,
                env_data && *env_data ? env_data : st.data_dir) ||
        resolve(c->database, sizeof c->database, c->data_dir,
                st.database[0] ? st.database : "rakiosk.db") ||
        resolve(c->documents, sizeof c->documents, c->data_dir, "documents") ||
        resolve(c->session_dir, sizeof c->session_dir, c->data_dir, "sessions") ||
        resolve(c->printer_spool_dir, sizeof c->printer_spool_dir, c->data_dir,
                st.spool_dir[0] ? st.spool_dir : "print-spool") ||
        (st.hq_ca_certs[0] &&
         resolve(c->hq_ca_certs, sizeof c->hq_ca_certs, c->data_dir, st.hq_ca_certs)) ||
        (st.hq_config_cert[0] &&
         resolve(c->hq_config_cert, sizeof c->hq_config_cert, c->data_dir, st.hq_config_cert))) {
        rc = rk_err_set(RK_ECONF, "%s: [paths]: path too long", c->path);
        goto fail;
    }
    if ((rc = resolve_file(c, c->fees, "fees")) || (rc = resolve_file(c, c->forms, "forms")) ||
        (rc = resolve_file(c, c->profiles, "profiles")) ||
        (rc = resolve_file(c, c->calendar, "calendar")) ||
        (rc = resolve_file(c, c->knowledge, "knowledge")))
        goto fail;
    rk_conf_bundle_refresh(c);
    for (int i = 0; i < c->n_key_models; i++) {
        rk_key_model *m = &c->key_models[i];
        if (!m->module[0]) strcpy(m->module, c->token_module);
    }
    *out = c;
    return 0;
fail:
    free(c);
    return rc;
}

void rk_conf_free(rk_conf *conf)
{
    free(conf);
}

const rk_key_model *rk_conf_key_model(const rk_conf *conf, const char *serial)
{
    const rk_key_model *best = NULL, *fallback = NULL;
    size_t best_len = 0;

    for (int i = 0; i < conf->n_key_models; i++) {
        const rk_key_model *m = &conf->key_models[i];
        if (!m->serial_prefixes[0]) {
            if (!fallback) fallback = m;
            continue;
        }
        const char *p = m->serial_prefixes;
        while (*p) {
            size_t len = strcspn(p, ",");
            while (len && p[len - 1] == ' ')
                len--;
            if (len && len > best_len && !strncmp(serial, p, len)) {
                best = m;
                best_len = len;
            }
            p += strcspn(p, ",");
            while (*p == ',' || *p == ' ')
                p++;
        }
    }
    return best ? best : fallback;
}
