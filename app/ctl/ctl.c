/*
 * Shared machinery of ractl's subcommands (see ctl.h).
 */
#include "ctl.h"

#include "branch/session.h"
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
    if (ctl->json) {
        rk_buf b;
        rk_json j;
        rk_buf_init(&b, 1 << 12);
        rk_json_init(&j, &b);
        rk_json_obj_begin(&j);
        rk_json_kbool(&j, "ok", 0);
        rk_json_kstr(&j, "error", "usage");
        rk_json_kstr(&j, "message", msg);
        rk_json_kint(&j, "exit", RK_EXIT_USAGE);
        rk_json_obj_end(&j);
        rk_ctl_print_json(ctl, &j, &b);
    }
    fprintf(stderr, "%s: %s (see '%s --help')\n", cmd, msg, cmd);
    return RK_EXIT_USAGE;
}

int rk_ctl_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return 1;
    return 0;
}

int rk_ctl_conf(rk_ctl *ctl, const rk_conf **out)
{
    return rk_branch_conf(ctl->branch, out);
}

int rk_ctl_db(rk_ctl *ctl, rk_db **out)
{
    return rk_branch_db(ctl->branch, out);
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
    /* Messages name what was asked (a PIN is no password): the prompt
     * without its colon, "the PIN again" for a repeat. */
    char what[64];
    int wl = (int)strcspn(prompt, ":");
    if (!strncmp(prompt, "again", 5))
        snprintf(what, sizeof what, "repeat of it");
    else
        snprintf(what, sizeof what, "%.*s", wl < 60 ? wl : 60, prompt);
    if (!r) {
        rk_wipe(out, n);
        return rk_err_set(RK_EINVAL, "no %s given on standard input", what);
    }
    size_t len = strcspn(out, "\r\n");
    if (out[len] == '\0' && len == n - 1) {
        rk_wipe(out, n);
        return rk_err_set(RK_ETOOBIG, "the %s is too long (at most %zu characters)", what, n - 2);
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

static rk_json *reply_begin(rk_ctl *ctl, int array, int ok)
{
    if (ctl->reply_open) rk_buf_free(&ctl->reply_buf); /* a reply left unfinished */
    rk_buf_init(&ctl->reply_buf, 1 << 26);
    rk_json_init(&ctl->reply, &ctl->reply_buf);
    ctl->reply_open = array ? 2 : 1;
    if (array) {
        rk_json_arr_begin(&ctl->reply);
    } else {
        rk_json_obj_begin(&ctl->reply);
        if (ok >= 0) rk_json_kbool(&ctl->reply, "ok", ok);
    }
    return &ctl->reply;
}

rk_json *rk_ctl_reply(rk_ctl *ctl)
{
    return reply_begin(ctl, 0, 1);
}

rk_json *rk_ctl_reply_ok(rk_ctl *ctl, int ok)
{
    return reply_begin(ctl, 0, ok);
}

rk_json *rk_ctl_reply_event(rk_ctl *ctl)
{
    return reply_begin(ctl, 0, -1);
}

rk_json *rk_ctl_reply_array(rk_ctl *ctl)
{
    return reply_begin(ctl, 1, 1);
}

int rk_ctl_reply_end(rk_ctl *ctl)
{
    int array = ctl->reply_open == 2;
    if (!ctl->reply_open) return 0;
    ctl->reply_open = 0;
    if (array)
        rk_json_arr_end(&ctl->reply);
    else
        rk_json_obj_end(&ctl->reply);
    if (!ctl->json) {
        rk_buf_free(&ctl->reply_buf);
        return 0;
    }
    return rk_ctl_print_json(ctl, &ctl->reply, &ctl->reply_buf)
               ? rk_ctl_fail(ctl, rk_err_set(RK_ENOMEM, "the reply is too large"))
               : 0;
}

int rk_ctl_done(rk_ctl *ctl, const char *fmt, ...)
{
    va_list ap;
    if (ctl->json) {
        rk_ctl_reply(ctl);
        return rk_ctl_reply_end(ctl);
    }
    if (ctl->quiet) return 0;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    return 0;
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

int rk_ctl_actor(rk_ctl *ctl, rk_actor *out)
{
    return rk_branch_actor(ctl->branch, out);
}

int rk_ctl_ledger(rk_ctl *ctl, rk_ledger **out)
{
    return rk_branch_ledger(ctl->branch, out);
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
        printf("%-12s %-10s %-12s %-10s %-17s %-17s %s\n", "REF", "BUSINESS", "KIND", "STATE",
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
            printf("%-12s %-10s %-12s %-10s %-17s %-17s %s\n", r->ref, r->business, r->subscriber,
                   r->state, sub, due, r->subject_name);
        }
    }
    rk_json_arr_end(&j);
    free((void *)rows);
    if (ctl->json) return rk_ctl_print_json(ctl, &j, &b) ? rk_ctl_fail(ctl, RK_ENOMEM) : 0;
    rk_buf_free(&b);
    return 0;
}

const char *rk_ctl_serial(char buf[RK_HEX_SERIAL_MAX], const char *any)
{
    if (!any || !*any || rk_hex_serial(buf, RK_HEX_SERIAL_MAX, any) != 0) {
        rk_err_clear();
        return any;
    }
    return buf;
}
