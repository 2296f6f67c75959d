/*
 * Shared machinery of ractl's subcommands (see ctl.h).
 */
#include "ctl.h"

#include "domain/fees.h"
#include "domain/order.h"
#include "util/err.h"
#include "util/wipe.h"

#include <stdarg.h>
#include <string.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

int rk_ctl_exit_code(int rc)
{
    switch (rc) {
    case RK_OK: return RK_EXIT_OK;
    case RK_EINVAL:
    case RK_EFORMAT:
    case RK_ETOOBIG:
    case RK_EVERIFY: return RK_EXIT_FAIL;
    case RK_ECONF: return RK_EXIT_CONF;
    case RK_EDB:
    case RK_EBUSY: return RK_EXIT_DB;
    case RK_EPERM:
    case RK_EAUTH: return RK_EXIT_PERM;
    case RK_ENOTFOUND: return RK_EXIT_NOTFOUND;
    case RK_ESTATE:
    case RK_ECANCELED: /* stopped on request: the state is as before */
    case RK_EEXIST: return RK_EXIT_STATE;
    case RK_EDEVICE:
    case RK_ETIMEOUT:
    case RK_EIO: return RK_EXIT_DEVICE;
    default: return RK_EXIT_INTERNAL;
    }
}

int rk_ctl_fail(rk_ctl *ctl, int rc)
{
    const char *msg = rk_err_msg()[0] ? rk_err_msg() : rk_err_name(rc);
    if (ctl->json) {
        rk_buf b;
        rk_json j;
        rk_buf_init(&b, 1 << 16);
        rk_json_init(&j, &b);
        rk_json_obj_begin(&j);
        rk_json_kbool(&j, "ok", 0);
        rk_json_kstr(&j, "error", msg);
        rk_json_kstr(&j, "kind", rk_err_name(rc));
        rk_json_kint(&j, "exit", rk_ctl_exit_code(rc));
        rk_json_obj_end(&j);
        rk_ctl_print_json(ctl, &j, &b);
    } else {
        fprintf(stderr, "ractl: %s\n", msg);
    }
    return rk_ctl_exit_code(rc);
}

int rk_ctl_usage(rk_ctl *ctl, const char *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ctl->json) printf("{\"ok\":false,\"error\":\"usage\",\"exit\":%d}\n", RK_EXIT_USAGE);
    fprintf(stderr, "%s: %s (see '%s --help')\n", cmd, msg, cmd);
    return RK_EXIT_USAGE;
}

int rk_ctl_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return 1;
    return 0;
}

int rk_ctl_conf(rk_ctl *ctl, rk_conf **out)
{
    if (!ctl->conf) {
        int rc = rk_conf_load(&ctl->conf, ctl->conf_path);
        if (rc) return rc == RK_ENOTFOUND ? rk_err_wrap(RK_ECONF, "configuration") : rc;
    }
    *out = ctl->conf;
    return 0;
}

int rk_ctl_db(rk_ctl *ctl, rk_db **out)
{
    rk_conf *conf = NULL;
    int rc, version;

    if (!ctl->db) {
        if ((rc = rk_ctl_conf(ctl, &conf)) != 0) return rc;
        if ((rc = rk_db_open(&ctl->db, conf->database, 0)) != 0)
            return rc == RK_ENOTFOUND ? rk_err_wrap(RK_EDB, "branch database") : rc;
        if ((rc = rk_db_version(ctl->db, &version)) != 0) return rc;
        if (version < rk_db_latest_version())
            return rk_err_set(RK_EDB,
                              "the database is at schema version %d and this program needs %d: "
                              "run `ractl db migrate`",
                              version, rk_db_latest_version());
        if (version > rk_db_latest_version())
            return rk_err_set(RK_EDB,
                              "the database (schema %d) is newer than this program (%d): update "
                              "the software",
                              version, rk_db_latest_version());
    }
    *out = ctl->db;
    return 0;
}

int rk_ctl_dispatch(rk_ctl *ctl, int argc, char **argv, const char *path, const char *about,
                    const rk_ctl_cmd *table, int n)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        printf("usage: %s COMMAND [ARGS]\n\n%s\n\ncommands:\n", path, about);
        for (int i = 0; i < n; i++)
            printf("  %-12s %s\n", table[i].name, table[i].summary);
        printf("\n'%s COMMAND --help' tells more about a command.\n", path);
        return argc < 2 ? RK_EXIT_USAGE : RK_EXIT_OK;
    }
    for (int i = 0; i < n; i++)
        if (!strcmp(argv[1], table[i].name)) return table[i].run(ctl, argc - 1, argv + 1);
    return rk_ctl_usage(ctl, path, "unknown command '%s'", argv[1]);
}

int rk_ctl_read_secret(char *out, size_t n, const char *prompt)
{
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO);

    if (tty) {
        fprintf(stderr, "%s", prompt);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &old) == 0) {
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        } else {
            tty = 0;
        }
    }
    char *r = fgets(out, (int)n, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (!r) {
        rk_wipe(out, n);
        return rk_err_set(RK_EINVAL, "no password given on standard input");
    }
    size_t len = strcspn(out, "\r\n");
    if (out[len] == '\0' && len == n - 1) {
        rk_wipe(out, n);
        return rk_err_set(RK_ETOOBIG, "password too long");
    }
    out[len] = '\0';
    return 0;
}

int rk_ctl_print_json(rk_ctl *ctl, rk_json *j, rk_buf *b)
{
    (void)ctl;
    int rc = rk_json_finish(j);
    if (!rc) {
        fwrite(b->data, 1, b->len, stdout);
        fputc('\n', stdout);
    }
    rk_buf_free(b);
    return rc;
}

void rk_ctl_info(rk_ctl *ctl, const char *fmt, ...)
{
    va_list ap;
    if (ctl->quiet || ctl->json) return;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

int rk_ctl_session_path(rk_ctl *ctl, char *out, size_t n)
{
    rk_conf *conf = NULL;
    const char *env = getenv("RAKIOSK_SESSION");
    int rc;

    if (env && *env) {
        snprintf(out, n, "%s", env);
        return 0;
    }
    if ((rc = rk_ctl_conf(ctl, &conf)) != 0) return rc;
    int w = snprintf(out, n, "%s/%u.session", conf->session_dir, (unsigned)getuid());
    return w < 0 || (size_t)w >= n ? rk_err_set(RK_ECONF, "session path too long") : 0;
}

int rk_ctl_actor(rk_ctl *ctl, rk_actor *out)
{
    char path[PATH_MAX], token[RK_SESSION_TOKEN_LEN + 2];
    rk_db *db = NULL;
    int rc;

    if ((rc = rk_ctl_db(ctl, &db)) != 0 || (rc = rk_ctl_session_path(ctl, path, sizeof path)))
        return rc;
    FILE *f = fopen(path, "r");
    if (!f) return rk_err_set(RK_EPERM, "no clerk is logged in: run `ractl clerk login LOGIN`");
    char *r = fgets(token, sizeof token, f);
    fclose(f);
    if (!r) return rk_err_set(RK_EPERM, "the session file %s is empty: log in again", path);
    token[strcspn(token, "\r\n")] = '\0';
    rc = rk_clerk_session(db, token, out);
    rk_wipe(token, sizeof token);
    return rc;
}

int rk_ctl_ledger(rk_ctl *ctl, rk_ledger **out)
{
    rk_conf *conf = NULL;
    rk_db *db = NULL;
    int rc;

    if (!ctl->ledger) {
        if ((rc = rk_ctl_conf(ctl, &conf)) || (rc = rk_ctl_db(ctl, &db)) ||
            (rc = rk_ledger_open(&ctl->ledger, db, conf)))
            return rc;
    }
    *out = ctl->ledger;
    return 0;
}

int rk_ctl_parse_yuan(int64_t *fen, const char *text)
{
    return rk_fen_parse(fen, text);
}

int rk_ctl_read_file(unsigned char **out, size_t *len, const char *path, size_t max)
{
    struct stat sb;
    FILE *f = fopen(path, "rb");

    *out = NULL;
    *len = 0;
    if (!f)
        return rk_err_set(errno == ENOENT ? RK_ENOTFOUND : RK_EIO, "%s: %s", path, strerror(errno));
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return rk_err_set(RK_EIO, "%s: not a regular file", path);
    }
    if ((size_t)sb.st_size > max) {
        fclose(f);
        return rk_err_set(RK_ETOOBIG, "%s is %.1f MB; the limit is %.1f MB", path,
                          (double)sb.st_size / (1024 * 1024), (double)max / (1024 * 1024));
    }
    unsigned char *buf = malloc((size_t)sb.st_size + 1);
    if (!buf) {
        fclose(f);
        return rk_err_oom();
    }
    size_t got = fread(buf, 1, (size_t)sb.st_size + 1, f);
    fclose(f);
    if (got > max) { /* grew while we read it */
        free(buf);
        return rk_err_set(RK_ETOOBIG, "%s is larger than %.1f MB", path,
                          (double)max / (1024 * 1024));
    }
    *out = buf;
    *len = got;
    return 0;
}

void rk_ctl_time(char *out, size_t n, int64_t t)
{
    if (!t) {
        snprintf(out, n, "-");
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M", &tm);
}

int rk_ctl_print_orders(rk_ctl *ctl, const rk_order_row *rows, int n)
{
    rk_buf b;
    rk_json j;
    char due[32], sub[32];

    rk_buf_init(&b, 1 << 26);
    rk_json_init(&j, &b);
    rk_json_arr_begin(&j);
    if (!ctl->json)
        printf("%-12s %-9s %-12s %-10s %-17s %-17s %s\n", "REF", "BUSINESS", "KIND", "STATE",
               "SUBMITTED", "DUE", "SUBJECT");
    for (int i = 0; i < n; i++) {
        const rk_order_row *r = &rows[i];
        if (ctl->json) {
            rk_json_obj_begin(&j);
            rk_json_kstr(&j, "ref", r->ref);
            rk_json_kstr(&j, "uuid", r->uuid);
            rk_json_kstr(&j, "business", r->business);
            rk_json_kstr(&j, "subscriber", r->subscriber);
            rk_json_kstr(&j, "state", r->state);
            rk_json_kstr(&j, "subject", r->subject_name);
            rk_json_kint(&j, "fee_total", r->fee_total);
            rk_json_kint(&j, "submitted_at", r->submitted_at);
            rk_json_kint(&j, "due_at", r->due_at);
            rk_json_obj_end(&j);
        } else {
            rk_ctl_time(sub, sizeof sub, r->submitted_at);
            rk_ctl_time(due, sizeof due, r->due_at);
            printf("%-12s %-9s %-12s %-10s %-17s %-17s %s\n", r->ref, r->business, r->subscriber,
                   r->state, sub, due, r->subject_name);
        }
    }
    rk_json_arr_end(&j);
    free((void *)rows);
    if (ctl->json) return rk_ctl_print_json(ctl, &j, &b) ? rk_ctl_fail(ctl, RK_ENOMEM) : 0;
    rk_buf_free(&b);
    return 0;
}
