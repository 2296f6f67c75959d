/*
 * The branch configuration: conf/kiosk.conf, an INI file parsed with inih.
 *
 * It names the branch (id, name, region), where its data lives, how to reach
 * HQ, how clerks log in, the USB key models (PIN lockout limit, unlock
 * method, PKCS#11 module), and the files holding fees, forms, certificate
 * profiles, the working calendar and the knowledge base, and the counter's
 * devices (receipt and A4 printers, document scanner, ID card reader), and
 * the kiosk's screen, touch panel and sound ([display], [sound]; the kiosk
 * hands them to ui/) and its idle rule ([kiosk]).
 * Relative paths are
 * relative to the directory of the file that names them. Every error names
 * the file, the line where there is one, and the key.
 *
 * Where a program finds it: an explicit path (--conf), else $RAKIOSK_CONF,
 * else RK_SYSCONFDIR/kiosk.conf (/etc/rakiosk on an appliance), else the
 * source tree's conf/kiosk.conf (the demo branch). $RAKIOSK_DATA_DIR, when
 * set, replaces [paths] data_dir (tests and second instances use it).
 *
 * Configuration bundles from HQ (branch/sync_config.h) take the place of
 * the [files] rule files: when <data_dir>/config/current/<name>.ini exists
 * (fees.ini, forms.ini, profiles.ini, calendar.ini, knowledge.ini), that
 * file is used instead of the one [files] names.
 */
#ifndef RK_CONF_H
#define RK_CONF_H

#include <limits.h>
#include <stddef.h>

#define RK_CONF_MAX_KEY_MODELS 16
#define RK_CONF_MAX_PILOTS     64 /* [validate] uscc_pilot_regions */

typedef struct rk_key_model {
    char name[32];            /* from the section name [key_model NAME] */
    char serial_prefixes[64]; /* comma-separated; "" matches any serial */
    int pin_max_tries;        /* wrong user PINs before the key locks: 5 or 10 */
    char unlock[16];          /* "online", "remote" or "counter" */
    char module[PATH_MAX];    /* PKCS#11 module of this model ("" = [token] module) */
} rk_key_model;

typedef struct rk_conf {
    char path[PATH_MAX]; /* the file that was read */
    char dir[PATH_MAX];  /* its directory */

    /* [branch] */
    char branch_id[32];
    char branch_name[128];
    char region[64];

    /* [paths] */
    char data_dir[PATH_MAX];    /* created by `ractl init` */
    char database[PATH_MAX];    /* absolute path of the SQLite file */
    char documents[PATH_MAX];   /* content-addressed document images */
    char session_dir[PATH_MAX]; /* ractl login sessions */

    /* [hq] */
    char hq_url[256];
    char issuance[16];             /* "local" (branch sub-CA) or "cmp" (HQ's CA) */
    char hq_ca_certs[PATH_MAX];    /* absolute: PEM of HQ's root(s) and intermediates; "" unset */
    char hq_config_cert[PATH_MAX]; /* absolute: HQ's configuration signer (pinned); "" unset */
    char hq_cmp_url[256];          /* device enrolment: http://host:port/pkix/ */
    char hq_enrol_ref[64];         /* the branch's enrolment reference from HQ */

    /* [display]: the kiosk's screen (ui/backend.h). */
    char display_driver[16]; /* SDL video driver: kmsdrm, x11, wayland; "" = SDL's choice */
    int display_width;       /* upright canvas in pixels; 0 = the display's own size */
    int display_height;
    int display_rotation; /* 0, 90, 180, 270: the picture turned clockwise on the panel */
    int touch_rotation;   /* the touch panel's turn relative to the picture's panel */
    int touch_flip_x;     /* the touch panel reports x (y) mirrored */
    int touch_flip_y;

    /* [sound]: tones and voice prompts (ui/voice.h). */
    int sound_volume; /* 0..100, default 70 */
    int voice;        /* voice prompts on subscriber screens at the start of a visit */
    int clerk_voice;  /* ... and on the clerk's desk (default off) */

    /* [kiosk]: the counter program's behaviour. */
    int kiosk_idle_seconds;            /* no touch this long: the countdown opens (30..3600, 120) */
    int kiosk_countdown_seconds;       /* the countdown before the wipe (15..30, 30) */
    char kiosk_pay_qr[256];            /* payment QR template: {branch} {ref} {fen} {yuan} */
    char kiosk_import_dir[PATH_MAX];   /* where a USB stick's images are (documents) */
    int kiosk_demo;                    /* the demo panel (device doubles' switches), default off */
    char kiosk_demo_idsim[PATH_MAX];   /* the ID card reader simulator's control FIFO */
    char kiosk_demo_printer[PATH_MAX]; /* the virtual receipt printer's folder (its faults file) */

    /* [sync]: the sync daemon (docs/SYNC-PROTOCOL.md) */
    int sync_interval;          /* seconds between the daemon's passes (60..86400, 900) */
    int sync_batch;             /* events or audit entries per push (1..500, 200) */
    long sync_bandwidth;        /* upload cap in bytes per second, 0 = none */
    char sync_proxy[256];       /* proxy URL ("" = none; curl's environment is ignored) */
    int sync_connect_timeout;   /* seconds (1..300, 10) */
    int sync_timeout;           /* seconds without progress before a request is cut (5..3600, 60) */
    int sync_max_attempts;      /* tries of a step before the pass gives up (1..50, 6) */
    char sync_archive_url[256]; /* tus endpoint; "" = <hq url>/v1/archives/ */
    long sync_archive_chunk;    /* bytes per PATCH (65536..67108864, 1048576) */
    int sync_archive_keep_days; /* keep uploaded files after their order closed (-1 = always, 90) */
    int sync_reconcile_days;    /* days the nightly reconciliation compares (1..366, 30) */
    char sync_device_key[64];   /* label of the device key in the HSM ("rakiosk-device") */
    /* System updates HQ announces (GET /v1/update): the command a fetched,
     * SHA-256-checked bundle is handed to, its path appended ("rauc install"
     * on the appliance); "" = updates are neither fetched nor installed. */
    char sync_update_install[256];
    long sync_update_chunk; /* bytes per ranged GET of a bundle (65536..67108864, 4194304) */

    /* [files]: absolute paths, each checked to exist */
    char fees[PATH_MAX];
    char forms[PATH_MAX];
    char profiles[PATH_MAX];
    char calendar[PATH_MAX];
    char knowledge[PATH_MAX];

    /* [clerk] */
    int session_hours;       /* a ractl login lasts this long */
    int password_min_length; /* at least 8 */
    int kdf_log2_n;          /* scrypt cost: N = 2^kdf_log2_n (14..20) */
    int max_failed_logins;   /* then the clerk is locked for lockout_minutes */
    int lockout_minutes;
    int password_login; /* 1: clerks may log in with a password besides their USB key */

    /* [ledger]: what a renewal does to the certificates it renews:
     * "keep" (0: they stay valid until they expire) or "supersede" (1: they
     * are revoked, reason superseded, when the renewal is issued). */
    int renewal_supersede;

    /* [documents] */
    long max_image_bytes; /* upload limit per image, default 3 MB */

    /* [token] */
    char token_module[PATH_MAX]; /* default PKCS#11 module for keys */

    /* [secrets]: where the data key, the branch secret and the HSM PIN come
     * from (conf/secret.h): 0 "file" (files beside the database, made when
     * missing), 1 "credentials" (only from systemd's credentials directory,
     * sealed to the machine's TPM; never a file, never made by a program). */
    int secrets_sealed;

    /* [printer]: the receipt printer and the A4 queue. ractl's options and
     * the environment (RAKIOSK_PRINTER, RAKIOSK_PRINTER_WIDTH,
     * RAKIOSK_PRINT_SPOOL, RAKIOSK_A4_QUEUE) override these. */
    char printer_receipt[256];        /* tcp://H:P, usb:///dev/..., cups://Q[@H:P]; "" none */
    int printer_width;                /* 58 or 80 (mm), default 80 */
    int printer_timeout_ms;           /* each connect/write/status wait, default 3000 */
    char printer_fallback[8];         /* "box" or "code": unprintable characters */
    char printer_spool_dir[PATH_MAX]; /* absolute; default <data_dir>/print-spool */
    char printer_a4_queue[128];       /* CUPS queue for A4 documents; "" = none */
    char printer_cups_server[128];    /* HOST:PORT of the CUPS server; "" = default */

    /* [scanner]: the document scanner (SANE). */
    char scanner_device[128]; /* SANE device name; "" = the first one found */
    int scanner_dpi;          /* default 300 */
    char scanner_mode[8];     /* "Color" or "Gray" */

    /* [idreader]: the ID card reader's serial line (RAKIOSK_IDREADER overrides). */
    char idreader_device[PATH_MAX]; /* "" = /dev/ttyUSB0 */

    /* [validate]: the regions (characters 3-8 of a credit code) whose early
     * pilot credit codes fail the GB 32100 check character while their
     * organisation code holds; elsewhere a failing check is an error. */
    char uscc_pilot_regions[RK_CONF_MAX_PILOTS][7];
    int n_uscc_pilot_regions;

    /* [key_model NAME] sections */
    rk_key_model key_models[RK_CONF_MAX_KEY_MODELS];
    int n_key_models;
} rk_conf;

/* Reads path (or searches as above when path is NULL) into a new rk_conf
 * owned by the caller. RK_ECONF with "file:line: key: problem" on error,
 * RK_ENOTFOUND when no file exists, RK_ENOMEM. */
int rk_conf_load(rk_conf **out, const char *path);

/* Frees a configuration; NULL does nothing. */
void rk_conf_free(rk_conf *conf);

/* Points the rule files (fees, forms, profiles, calendar, knowledge) at
 * the configuration bundle in force (<data_dir>/config/current/NAME)
 * where it has them, as rk_conf_load does: for a bundle installed after
 * the load. */
void rk_conf_bundle_refresh(rk_conf *conf);

/* The path rk_conf_load(NULL) would read, into out; RK_ENOTFOUND if none. */
int rk_conf_find(char *out, size_t n);

/* The key model whose serial prefix matches serial (longest prefix wins), or
 * the first model without prefixes; NULL if none matches. */
const rk_key_model *rk_conf_key_model(const rk_conf *conf, const char *serial);

#endif
