/*
 * `ractl scan id|mrz|barcode|doc|import`: the counter's reading devices from
 * a shell.
 *
 * `scan id` talks to the ID card reader on a serial line (or the simulator's
 * pseudo-terminal) and prints the card's fields, once or as a stream of
 * events with --watch; `scan mrz` checks and prints a machine-readable zone
 * given as arguments or on standard input (an OCR scanner's output);
 * `scan barcode` says what a scanned payload is: one of our receipts, a
 * business licence with its credit code, or something else; `scan doc`
 * scans a page on the document scanner (SANE) to a file or into an order;
 * `scan import` attaches an image file, or one picked from a folder such as
 * a mounted USB stick, to an order. Device settings come from kiosk.conf
 * ([scanner], [idreader]); options and RAKIOSK_IDREADER override them.
 */
#include "ctl.h"

#include "branch/readers.h"

#include "domain/order.h"
#include "domain/image.h"
#include "scan/barcode.h"
#include "scan/serial.h"
#include "scan/docscan.h"
#include "scan/idreader.h"
#include "scan/mrz.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/wipe.h"
#include "util/words.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define DEFAULT_DEVICE "/dev/ttyUSB0"

static rk_idreader *volatile active_reader;

static void on_signal(int sig)
{
    (void)sig;
    if (active_reader) rk_idreader_cancel(active_reader);
}

static const char *type_key(rk_idcard_type t)
{
    switch (t) {
    case RK_IDCARD_RESIDENT: return "resident";
    case RK_IDCARD_FOREIGN: return "foreign_permanent_resident";
    case RK_IDCARD_GAT: return "hk_macau_taiwan_resident";
    }
    return "unknown";
}

static void card_json(rk_json *j, const rk_idcard *c)
{
    rk_json_obj_begin(j);
    rk_json_kstr(j, "type", type_key(c->type));
    rk_json_kstr(j, "name", c->name);
    if (c->type == RK_IDCARD_FOREIGN) rk_json_kstr(j, "name_en", c->name_en);
    rk_json_kstr(j, "sex_code", c->sex_code);
    rk_json_kstr(j, "sex", rk_idcard_sex_name(c->sex_code, NULL));
    if (c->type == RK_IDCARD_RESIDENT) {
        rk_json_kstr(j, "nation_code", c->nation_code);
        rk_json_kstr(j, "nation", rk_idcard_nation_name(c->nation_code, NULL));
    }
    rk_json_kstr(j, "birth", c->birth);
    if (c->type != RK_IDCARD_FOREIGN) rk_json_kstr(j, "address", c->address);
    rk_json_kstr(j, "id_number", c->id_number);
    rk_json_kstr(j, "authority", c->authority);
    rk_json_kstr(j, "valid_from", c->valid_from);
    rk_json_kstr(j, "valid_until", c->valid_until);
    rk_json_kbool(j, "long_term", c->long_term);
    if (c->type == RK_IDCARD_FOREIGN) {
        rk_json_kstr(j, "nationality", c->nationality);
        rk_json_kstr(j, "card_version", c->card_version);
    }
    if (c->type == RK_IDCARD_GAT) {
        rk_json_kstr(j, "pass_number", c->pass_number);
        rk_json_kstr(j, "issue_count", c->issue_count);
    }
    if (c->appended_address[0]) rk_json_kstr(j, "appended_address", c->appended_address);
    rk_json_kint(j, "photo_wlt_bytes", (int64_t)c->photo_len);
    rk_json_kint(j, "fingerprint_bytes", (int64_t)c->finger_len);
    rk_json_obj_end(j);
}

static void card_text(const rk_idcard *c)
{
    const char *s = rk_idcard_sex_name(c->sex_code, NULL);
    printf("type:        %s\n", rk_idcard_type_name(c->type));
    printf("name:        %s\n", c->name);
    if (c->type == RK_IDCARD_FOREIGN) printf("name (en):   %s\n", c->name_en);
    printf("sex:         %s (%s)\n", s ? s : "?", c->sex_code);
    if (c->type == RK_IDCARD_RESIDENT) {
        const char *n = rk_idcard_nation_name(c->nation_code, NULL);
        printf("nation:      %s (%s)\n", n ? n : "?", c->nation_code);
    }
    printf("birth:       %s\n", c->birth);
    if (c->type != RK_IDCARD_FOREIGN) printf("address:     %s\n", c->address);
    if (c->appended_address[0]) printf("new address: %s\n", c->appended_address);
    printf("%-12s %s\n", c->type == RK_IDCARD_FOREIGN ? "number:" : "id number:", c->id_number);
    printf("authority:   %s\n", c->authority);
    printf("valid:       %s - %s\n", c->valid_from, c->valid_until);
    if (c->type == RK_IDCARD_FOREIGN)
        printf("nationality: %s\nversion:     %s\n", c->nationality, c->card_version);
    if (c->type == RK_IDCARD_GAT)
        printf("pass number: %s\nissue count: %s\n", c->pass_number, c->issue_count);
    printf("photo:       %zu bytes WLT (not decoded: no WLT decoder installed)\n", c->photo_len);
}

typedef struct id_run {
    rk_ctl *ctl;
    int watch;
    const char *photo_path;
    int got;
    int photo_rc;
} id_run;

static int save_photo(const char *path, const rk_idcard *c)
{
    FILE *f = fopen(path, "wb");
    if (!f) return rk_err_set(RK_EIO, "cannot write %s", path);
    int ok = fwrite(c->photo_wlt, 1, c->photo_len, f) == c->photo_len;
    if (fclose(f) != 0 || !ok) return rk_err_set(RK_EIO, "cannot write %s", path);
    return 0;
}

static int on_id_event(const rk_idreader_event *ev, void *arg)
{
    id_run *run = arg;
    rk_ctl *ctl = run->ctl;
    static const char *names[] = {"placed", "read", "removed", "error"};
    if (ev->kind == RK_IDREADER_READ && run->photo_path)
        run->photo_rc = save_photo(run->photo_path, ev->card);
    if (ev->kind == RK_IDREADER_READ) run->got = 1;
    if (!run->watch) {
        if (ev->kind == RK_IDREADER_ERROR && !ctl->quiet)
            fprintf(stderr, "ractl: reader: %s\n", ev->message);
        if (ev->kind != RK_IDREADER_READ) return 0;
        if (ctl->json) {
            rk_json *j = rk_ctl_reply(ctl);
            rk_json_key(j, "card");
            card_json(j, ev->card);
            rk_ctl_reply_end(ctl);
        } else {
            card_text(ev->card);
        }
        return 1;
    }
    if (ctl->json) {
        rk_json *j = rk_ctl_reply_event(ctl);
        rk_json_kstr(j, "event", names[ev->kind]);
        if (ev->kind == RK_IDREADER_READ) {
            rk_json_key(j, "card");
            card_json(j, ev->card);
        }
        if (ev->kind == RK_IDREADER_ERROR) {
            rk_json_kstr(j, "error", ev->message);
            rk_json_kstr(j, "kind", rk_err_name(ev->rc));
        }
        rk_ctl_reply_end(ctl);
    } else {
        switch (ev->kind) {
        case RK_IDREADER_PLACED: printf("card placed\n"); break;
        case RK_IDREADER_READ:
            printf("card read\n");
            card_text(ev->card);
            break;
        case RK_IDREADER_REMOVED: printf("card removed\n"); break;
        case RK_IDREADER_ERROR: printf("error: %s\n", ev->message); break;
        }
    }
    fflush(stdout);
    return 0;
}

static int parse_seconds(const char *s, int *ms)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || v < 0 || v > 86400) return -1;
    *ms = (int)(v * 1000);
    return 0;
}

static int cmd_id(rk_ctl *ctl, int argc, char **argv)
{
    char configured[PATH_MAX];
    const char *device = configured;
    const char *cmd = "ractl scan id";
    int timeout_ms = 30000, timeout_set = 0;
    rk_idreader_opts opts;
    id_run run;

    memset(&run, 0, sizeof run);
    run.ctl = ctl;
    rk_idreader_opts_default(&opts);
    int rc = rk_branch_idreader(ctl->branch, NULL, configured, sizeof configured);
    if (rc) return rk_ctl_fail(ctl, rc);
    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl scan id [--device TTY] [--timeout S] [--watch] [--fingerprint]\n"
               "                     [--address] [--photo FILE] [--cmd-timeout MS]\n\n"
               "Waits for an identity card on the ID card reader (SAM protocol, 115200 8N1)\n"
               "and prints its fields. Resident identity cards, foreigners' permanent\n"
               "residence cards and Hong Kong/Macau/Taiwan residence permits are read.\n\n"
               "  --device TTY     the reader (default $RAKIOSK_IDREADER, else kiosk.conf\n"
               "                   [idreader] device, else %s)\n"
               "  --timeout S      give up after S seconds (default 30; with --watch 0 =\n"
               "                   until interrupted)\n"
               "  --watch          keep polling and print every event: placed, read,\n"
               "                   removed, error (one JSON object a line with\n"
               "                   `ractl --json scan id --watch`: --json goes before\n"
               "                   the command)\n"
               "  --fingerprint    read with fingerprint data (command 30 10)\n"
               "  --address        also read the appended (newer) address\n"
               "  --photo FILE     write the photo's raw WLT bytes to FILE\n"
               "  --cmd-timeout MS time allowed for one reply (default 500; reads 3000)\n\n"
               "The photo is WLT-encoded; decoding it needs the reader vendor's library.\n"
               "Exit: 0 read, 8 no card in time or reader failing.\n",
               DEFAULT_DEVICE);
        return 0;
    }
    const char *timeout = NULL;
    int cmd_timeout = 0;
    const rk_ctl_opt table[] = {
        {.name = "--device", .kind = RK_OPT_STR, .dest = &device, .arg = "TTY"},
        {.name = "--timeout", .kind = RK_OPT_STR, .dest = &timeout, .arg = "S"},
        {.name = "--cmd-timeout",
         .kind = RK_OPT_INT,
         .dest = &cmd_timeout,
         .arg = "MS",
         .min = 1,
         .max = 600000},
        {.name = "--watch", .kind = RK_OPT_FLAG, .dest = &run.watch},
        {.name = "--fingerprint", .kind = RK_OPT_FLAG, .dest = &opts.with_finger},
        {.name = "--address", .kind = RK_OPT_FLAG, .dest = &opts.read_address},
        {.name = "--photo", .kind = RK_OPT_STR, .dest = &run.photo_path, .arg = "FILE"},
    };
    const rk_ctl_args args = {.cmd = cmd, .opts = table, .n_opts = 7};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (timeout) {
        if (parse_seconds(timeout, &timeout_ms))
            return rk_ctl_usage(ctl, cmd, "--timeout takes seconds from 0 to 86400, not '%s'",
                                timeout);
        timeout_set = 1;
    }
    if (cmd_timeout) {
        opts.timeout_ms = cmd_timeout;
        if (opts.read_timeout_ms < cmd_timeout) opts.read_timeout_ms = cmd_timeout;
    }
    if (run.watch && !timeout_set) timeout_ms = 0;
    rk_idreader *r;
    rc = rk_idreader_open(&r, device, NULL, NULL, &opts);
    if (rc) return rk_ctl_fail(ctl, rc);
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    active_reader = r;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    rc = rk_idreader_poll(r, on_id_event, &run, timeout_ms);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    active_reader = NULL;
    int cancelled = rk_idreader_cancelled(r);
    rk_idreader_free(r);
    if (rc == RK_ETIMEOUT && run.watch) rc = 0; /* the watch simply ended */
    if (rc) return rk_ctl_fail(ctl, rc);
    if (run.photo_rc) return rk_ctl_fail(ctl, run.photo_rc);
    if (!run.watch && !run.got && cancelled)
        return rk_ctl_fail(ctl, rk_err_set(RK_EDEVICE, "interrupted before a card was read"));
    return 0;
}

/* Reads all of standard input (bounded). */
static int read_stdin(rk_buf *b)
{
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        if (rk_buf_append(b, chunk, n) != 0)
            return rk_err_set(RK_ETOOBIG, "standard input is too long");
    return 0;
}

static int cmd_mrz(rk_ctl *ctl, int argc, char **argv)
{
    rk_buf in;
    rk_mrz m;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl scan mrz [LINE...]\n\n"
               "Checks and prints a machine-readable zone (ICAO 9303 TD3 passport: 2\n"
               "lines of 44; TD1 card: 3 lines of 30; Mainland Travel Permit for Hong\n"
               "Kong and Macau Residents: CR, 3 lines of 30). The lines come as\n"
               "arguments or on standard input, as an MRZ scanner sends them; lower\n"
               "case and spaces are forgiven. Every check digit is verified.\n"
               "Exit: 0 valid, 1 malformed or a check digit failed.\n");
        return 0;
    }
    rk_buf_init(&in, 16384);
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            if (rk_buf_puts(&in, argv[i]) || rk_buf_puts(&in, "\n")) {
                rk_buf_free(&in);
                return rk_ctl_fail(ctl, RK_ETOOBIG);
            }
    } else if ((rc = read_stdin(&in)) != 0) {
        rk_buf_free(&in);
        return rk_ctl_fail(ctl, rc);
    }
    rc = rk_mrz_parse(&m, in.data ? in.data : "", rk_clock_now());
    rk_buf_free(&in);
    if (rc) return rk_ctl_fail(ctl, rc);
    char sex[2] = {m.sex, 0};
    if (ctl->json) {
        rk_json *j = rk_ctl_reply(ctl);
        rk_json_kstr(j, "format",
                     m.format == RK_MRZ_TD3   ? "TD3"
                     : m.format == RK_MRZ_TD1 ? "TD1"
                                              : "CR");
        rk_json_kstr(j, "document_code", m.doc_code);
        rk_json_kstr(j, "issuer", m.issuer);
        rk_json_kstr(j, "document_number", m.doc_number);
        rk_json_kstr(j, "surname", m.surname);
        rk_json_kstr(j, "given_names", m.given);
        rk_json_kstr(j, "nationality", m.nationality);
        rk_json_kstr(j, "birth", m.birth);
        rk_json_kstr(j, "sex", sex);
        rk_json_kstr(j, "expiry", m.expiry);
        rk_json_kbool(j, "expired", m.expired);
        rk_json_kstr(j, "optional", m.optional);
        return rk_ctl_reply_end(ctl);
    }
    printf("format:      %s\n", rk_mrz_format_name(m.format));
    printf("document:    %s %s (issued by %s)\n", m.doc_code, m.doc_number, m.issuer);
    printf("surname:     %s\n", m.surname);
    printf("given names: %s\n", m.given);
    printf("nationality: %s\n", m.nationality);
    printf("birth:       %s\n", m.birth);
    printf("sex:         %s\n", sex);
    printf("expiry:      %s%s\n", m.expiry, m.expired ? " (expired)" : "");
    if (m.optional[0]) printf("optional:    %s\n", m.optional);
    printf("check digits: all correct\n");
    return 0;
}

static const char *kind_key(rk_barcode_kind k)
{
    switch (k) {
    case RK_BARCODE_ORDER: return "order";
    case RK_BARCODE_LICENCE: return "licence";
    case RK_BARCODE_LICENCE_OPAQUE: return "licence_opaque";
    case RK_BARCODE_UNKNOWN: return "unknown";
    }
    return "unknown";
}

typedef struct bc_run {
    rk_ctl *ctl;
    int worst;
    int ledger_tried;
    rk_ledger *ledger; /* NULL when there is no branch database to look in */
} bc_run;

/* Looks a receipt's order up in this branch's ledger: 1 found (ref, state
 * filled), 0 no ledger or another branch's order, RK_ENOTFOUND. */
static int find_order(bc_run *run, const rk_barcode *bc, char *state, size_t n)
{
    rk_order *o;
    if (!run->ledger_tried) {
        run->ledger_tried = 1;
        if (rk_ctl_ledger(run->ctl, &run->ledger) != 0) run->ledger = NULL;
    }
    if (!run->ledger || strcmp(bc->branch, run->ledger->conf->branch_id)) return 0;
    if (!(o = calloc(1, sizeof *o))) return rk_err_oom();
    int rc = rk_order_get(run->ledger, bc->order_ref, o);
    if (rc == 0) snprintf(state, n, "%s", o->state);
    rk_wipe(o, sizeof *o);
    free(o);
    if (rc == RK_ENOTFOUND)
        return rk_err_set(RK_ENOTFOUND,
                          "receipt of order %s of branch %s: no such order in the "
                          "ledger",
                          bc->order_ref, bc->branch);
    return rc ? rc : 1;
}

static int classify_one(const char *text, size_t len, int rc, void *arg)
{
    bc_run *run = arg;
    rk_ctl *ctl = run->ctl;
    rk_barcode bc;
    char state[16] = "";
    int found = 0;
    if (rc == 0) rc = rk_barcode_classify(&bc, text, len);
    if (rc == 0 && bc.kind == RK_BARCODE_ORDER) {
        found = find_order(run, &bc, state, sizeof state);
        if (found < 0) rc = found;
    }
    if (rc) {
        int code = rk_ctl_fail(ctl, rc);
        if (code > run->worst) run->worst = code;
        return 0;
    }
    if (ctl->json) {
        rk_json *j = rk_ctl_reply(ctl);
        rk_json_kstr(j, "kind", kind_key(bc.kind));
        if (bc.kind == RK_BARCODE_ORDER) {
            rk_json_kstr(j, "branch", bc.branch);
            rk_json_kstr(j, "order_ref", bc.order_ref);
            if (found) {
                rk_json_kstr(j, "state", state);
                rk_json_kstr(j, "state_label", rk_state_label(state, 0));
            }
        }
        if (bc.kind == RK_BARCODE_LICENCE) rk_json_kstr(j, "credit_code", bc.credit_code);
        rk_json_kstr(j, "hint", bc.hint);
        rk_ctl_reply_end(ctl);
    } else if (bc.kind == RK_BARCODE_ORDER && found) {
        printf("order %s of branch %s: %s (%s)\n", bc.order_ref, bc.branch, state,
               rk_state_label(state, 0));
    } else if (bc.kind == RK_BARCODE_ORDER) {
        printf("order %s of branch %s\n", bc.order_ref, bc.branch);
    } else if (bc.kind == RK_BARCODE_LICENCE) {
        printf("business licence: credit code %s\n", bc.credit_code);
    } else {
        printf("%s: %s\n", kind_key(bc.kind), bc.hint);
    }
    fflush(stdout);
    return 0;
}

static int cmd_barcode(rk_ctl *ctl, int argc, char **argv)
{
    bc_run run = {ctl, 0, 0, NULL};
    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl scan barcode [TEXT | --device TTY [--baud N]]\n\n"
               "Says what a scanned code is: one of our receipts (" RK_BARCODE_ORDER_PREFIX
               "<branch>:<order>),\n"
               "a business licence QR (the unified social credit code when it is in\n"
               "clear text; otherwise the clerk types it), or unknown. Without TEXT,\n"
               "each line of standard input is one scan (a serial or keyboard-wedge\n"
               "scanner ends each with Enter); --device reads a serial scanner instead\n"
               "(raw 8N1, --baud 9600 by default) until it is unplugged or Ctrl-C.\n"
               "A receipt of this branch is looked up in the\n"
               "ledger when there is one, and its order's state is shown.\n"
               "Exit: 0, 1 if a receipt code is malformed, 6 if this branch's receipt names\n"
               "an order the ledger does not have.\n");
        return 0;
    }
    const char *device = NULL, *text = NULL;
    int baud = 9600, in = STDIN_FILENO, baud_given = 0, n_text = 0;
    const rk_ctl_opt table[] = {
        {.name = "--device", .kind = RK_OPT_STR, .dest = &device, .arg = "TTY"},
        {.name = "--baud",
         .kind = RK_OPT_INT,
         .dest = &baud,
         .arg = "N",
         .min = 50,
         .max = 4000000,
         .seen = &baud_given},
    };
    const rk_ctl_args args = {.cmd = "ractl scan barcode",
                              .opts = table,
                              .n_opts = 2,
                              .pos = &text,
                              .max_pos = 1,
                              .n_pos = &n_text};
    int rc = rk_ctl_opts_parse(ctl, &args, argc, argv);
    if (rc) return rc;
    if (baud_given && !device)
        return rk_ctl_usage(ctl, "ractl scan barcode", "--baud goes with --device TTY");
    if (device && text)
        return rk_ctl_usage(ctl, "ractl scan barcode", "give TEXT or --device TTY, not both");
    if (device) {
        rc = rk_serial_open(&in, device, baud, "the barcode scanner");
        if (rc) return rk_ctl_fail(ctl, rc);
        /* Block on the port: a scanner speaks when it scans. */
        fcntl(in, F_SETFL, fcntl(in, F_GETFL) & ~O_NONBLOCK);
        struct termios tio;
        if (tcgetattr(in, &tio) == 0) {
            tio.c_cc[VMIN] = 1;
            tcsetattr(in, TCSANOW, &tio);
        }
    }
    if (text) {
        classify_one(text, strlen(text), 0, &run);
        return run.worst;
    }
    rk_barcode_lines *l = malloc(sizeof *l);
    if (!l) return rk_ctl_fail(ctl, rk_err_oom());
    rk_barcode_lines_init(l);
    char chunk[512];
    ssize_t n;
    while ((n = read(in, chunk, sizeof chunk)) > 0)
        rk_barcode_lines_feed(l, chunk, (size_t)n, classify_one, &run);
    rk_barcode_lines_finish(l, classify_one, &run);
    free(l);
    if (device) close(in);
    return run.worst;
}

/* ---- document scanner ---- */

static volatile sig_atomic_t scan_interrupted;

static void on_scan_signal(int sig)
{
    (void)sig;
    scan_interrupted = 1;
}

typedef struct doc_progress {
    rk_ctl *ctl;
    int show;
    int last_pct;
} doc_progress;

static int on_doc_progress(void *arg, const rk_progress *r)
{
    doc_progress *p = arg;
    if (p->show && r->total > 0) {
        int pct = r->percent;
        if (pct / 10 != p->last_pct / 10 || (pct == 100 && p->last_pct != 100)) {
            fprintf(stderr, "\rscanning: %3d%%%s", pct, pct == 100 ? "\n" : "");
            p->last_pct = pct;
        }
    }
    return scan_interrupted;
}

static int list_scanners(rk_ctl *ctl)
{
    rk_docscan_device *d;
    int n, rc = rk_docscan_list(&d, &n);
    if (rc) return rk_ctl_fail(ctl, rc);
    rk_json *j = rk_ctl_reply_array(ctl);
    for (int i = 0; i < n; i++) {
        if (ctl->json) {
            rk_json_obj_begin(j);
            rk_json_kstr(j, "name", d[i].name);
            rk_json_kstr(j, "vendor", d[i].vendor);
            rk_json_kstr(j, "model", d[i].model);
            rk_json_kstr(j, "type", d[i].type);
            rk_json_obj_end(j);
        } else {
            printf("%-24s %s %s (%s)\n", d[i].name, d[i].vendor, d[i].model, d[i].type);
        }
    }
    free(d);
    if (!n) rk_ctl_info(ctl, "no scanner found");
    return rk_ctl_reply_end(ctl);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcasecmp(s + a - b, suffix);
}

static int write_bytes(const char *path, const unsigned char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok) {
        if (f) remove(path);
        return rk_err_set(RK_EIO, "cannot write %s", path);
    }
    return 0;
}

/* Prints the outcome of an attach or a scan to a file. */
static int doc_done(rk_ctl *ctl, const char *ref, const char *doc, const char *file,
                    const char *format, size_t bytes, int width, int height, int dpi, int quality)
{
    if (ctl->json) {
        rk_json *j = rk_ctl_reply(ctl);
        if (ref) rk_json_kstr(j, "ref", ref);
        if (doc) rk_json_kstr(j, "document", doc);
        if (file) rk_json_kstr(j, "file", file);
        rk_json_kstr(j, "format", format);
        rk_json_kint(j, "bytes", (int64_t)bytes);
        rk_json_kint(j, "width", width);
        rk_json_kint(j, "height", height);
        if (dpi) rk_json_kint(j, "dpi", dpi);
        if (quality) rk_json_kint(j, "quality", quality);
        return rk_ctl_reply_end(ctl);
    }
    char q[32] = "";
    if (quality) snprintf(q, sizeof q, " quality %d", quality);
    if (ref)
        rk_ctl_info(ctl, "order %s has the document %s (%s%s, %dx%d, %zu bytes)", ref, doc, format,
                    q, width, height, bytes);
    else
        rk_ctl_info(ctl, "scanned to %s (%s%s, %dx%d at %d dpi, %zu bytes)", file, format, q, width,
                    height, dpi, bytes);
    return 0;
}

static int cmd_doc(rk_ctl *ctl, int argc, char **argv)
{
    const char *cmd = "ractl scan doc", *ref = NULL, *doc = NULL, *out = NULL, *device = NULL;
    int dpi = 0, gray = -1, list = 0, rc;
    rk_ledger *l = NULL;
    rk_actor actor;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl scan doc (--order REF --doc DOCUMENT | --out FILE | --list)\n"
               "                      [--device NAME] [--dpi N] [--gray]\n\n"
               "Scans one page on the document scanner (SANE).\n"
               "  --order REF --doc DOCUMENT  attach the scan to a draft or rejected order:\n"
               "               stored as PNG when it fits [documents] max_image_bytes, else as\n"
               "               JPEG (quality 85, 70, 55), else at half the resolution (down\n"
               "               to 100 dpi), else refused: scan in Gray or a smaller area.\n"
               "               The image then passes the ledger's checks like any upload.\n"
               "  --out FILE   only scan, to FILE (.jpg/.jpeg: JPEG quality 85, else PNG)\n"
               "  --list       list the scanners SANE sees\n"
               "  --device NAME  SANE device (default kiosk.conf [scanner] device, else the\n"
               "               first scanner)\n"
               "  --dpi N      resolution (default [scanner] dpi, 300)\n"
               "  --gray       scan in Gray (default [scanner] mode)\n"
               "SANE_CONFIG_DIR selects SANE's configuration (tests: the `test` backend).\n"
               "Exit: 0, 1 too big or refused image, 6 no scanner, 7 order not editable,\n"
               "8 scanner failing (jammed, no document, cover open, interrupted).\n");
        return 0;
    }
    int gray_flag = 0;
    const rk_ctl_opt table[] = {
        {.name = "--order", .kind = RK_OPT_STR, .dest = &ref, .arg = "REF"},
        {.name = "--doc", .kind = RK_OPT_STR, .dest = &doc, .arg = "DOCUMENT"},
        {.name = "--out", .kind = RK_OPT_STR, .dest = &out, .arg = "FILE"},
        {.name = "--device", .kind = RK_OPT_STR, .dest = &device, .arg = "NAME"},
        {.name = "--dpi", .kind = RK_OPT_INT, .dest = &dpi, .arg = "N", .min = 50, .max = 2400},
        {.name = "--gray", .kind = RK_OPT_FLAG, .dest = &gray_flag},
        {.name = "--list", .kind = RK_OPT_FLAG, .dest = &list},
    };
    const rk_ctl_args args = {.cmd = cmd, .opts = table, .n_opts = 7};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (gray_flag) gray = 1;
    if (list) return list_scanners(ctl);
    if (!!out + !!ref != 1 || !!ref != !!doc)
        return rk_ctl_usage(ctl, cmd, "give --order REF --doc DOCUMENT, or --out FILE");
    if (ref && ((rc = rk_ctl_ledger(ctl, &l)) != 0 || (rc = rk_ctl_actor(ctl, &actor)) != 0))
        return rk_ctl_fail(ctl, rc);
    rk_branch_scanner sc; /* scanning to a file works without a branch */
    rk_branch_scanner_settings(ctl->branch, device, dpi, gray, &sc);
    device = sc.device;
    dpi = sc.dpi;
    gray = sc.gray;

    doc_progress prog = {ctl, !ctl->quiet && !ctl->json && isatty(STDERR_FILENO), -1};
    rk_docscan_opts o = {device, dpi, gray, on_doc_progress, &prog};
    rk_docscan_image img;
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_scan_signal;
    sigemptyset(&sa.sa_mask);
    scan_interrupted = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    rc = rk_docscan_scan(&img, &o);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (rc == RK_ECANCELED && scan_interrupted)
        rc = rk_err_set(RK_EDEVICE, "interrupted: the scan was cancelled");
    if (rc) return rk_ctl_fail(ctl, rc);

    unsigned char *data = NULL;
    size_t len = 0;
    if (out) {
        int jpeg = ends_with(out, ".jpg") || ends_with(out, ".jpeg");
        rc = jpeg ? rk_docscan_jpeg(&data, &len, &img, 85) : rk_docscan_png(&data, &len, &img);
        if (!rc) rc = write_bytes(out, data, len);
        if (!rc)
            rc = doc_done(ctl, NULL, NULL, out, jpeg ? "jpeg" : "png", len, img.width, img.height,
                          img.dpi, jpeg ? 85 : 0);
        else
            rc = rk_ctl_fail(ctl, rc);
    } else {
        rk_docscan_fit_info fi;
        rc = rk_docscan_fit(&data, &len, &fi, &img, (size_t)l->conf->max_image_bytes);
        if (!rc) rc = rk_order_attach(l, &actor, ref, doc, data, len);
        if (!rc)
            rc = doc_done(ctl, ref, doc, NULL, fi.format, len, fi.width, fi.height, fi.dpi,
                          fi.quality);
        else
            rc = rk_ctl_fail(ctl, rc);
    }
    free(data);
    rk_docscan_image_free(&img);
    return rc;
}

#define IMPORT_MAX_FILES 500

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Lists the image files of dir, recognised by content, sorted by name. */
static int list_folder(rk_ctl *ctl, const char *dir, size_t max)
{
    DIR *d = opendir(dir);
    char *names[IMPORT_MAX_FILES];
    int n = 0, more = 0;
    struct dirent *e;

    if (!d)
        return rk_ctl_fail(ctl,
                           rk_err_set(RK_ENOTFOUND, "cannot open %s: %s", dir, strerror(errno)));
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue; /* hidden, and the AppleDouble ._ litter */
        if (n == IMPORT_MAX_FILES) {
            more = 1;
            break;
        }
        if (!(names[n] = strdup(e->d_name))) break;
        n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], by_name);
    rk_json *j = rk_ctl_reply_array(ctl);
    int images = 0;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX + 256], what[300];
        struct stat sb;
        unsigned char *data = NULL;
        size_t len = 0;
        rk_image_info ii;
        int ok = 0;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(names[i]);
            continue;
        }
        int rc = rk_ctl_read_file(&data, &len, path, max);
        if (!rc) rc = rk_image_check(&ii, data, len, max);
        free(data);
        if (!rc) {
            ok = 1;
            images++;
            snprintf(what, sizeof what, "%s %dx%d", ii.format, ii.width, ii.height);
        } else {
            snprintf(what, sizeof what, "%s", rk_err_msg());
        }
        if (ctl->json) {
            rk_json_obj_begin(j);
            rk_json_kstr(j, "name", names[i]);
            rk_json_kint(j, "bytes", (int64_t)sb.st_size);
            rk_json_kbool(j, "image", ok);
            if (ok) {
                rk_json_kstr(j, "format", ii.format);
                rk_json_kint(j, "width", ii.width);
                rk_json_kint(j, "height", ii.height);
            } else {
                rk_json_kstr(j, "refused", what);
            }
            rk_json_obj_end(j);
        } else {
            printf("%s %-32s %10lld  %s\n", ok ? "+" : "-", names[i], (long long)sb.st_size, what);
        }
        free(names[i]);
    }
    if (more) rk_ctl_info(ctl, "(only the first %d entries are shown)", IMPORT_MAX_FILES);
    rk_ctl_info(ctl, "%d %s usable (+); attach one with --pick NAME", images,
                rk_plural(images, "image", "images"));
    return rk_ctl_reply_end(ctl);
}

static int cmd_import(rk_ctl *ctl, int argc, char **argv)
{
    const char *cmd = "ractl scan import", *ref = NULL, *doc = NULL, *src = NULL, *pick = NULL;
    char path[PATH_MAX + 256];
    struct stat sb;
    rk_ledger *l = NULL;
    rk_actor actor;
    const rk_conf *conf;
    int rc;

    if (rk_ctl_wants_help(argc, argv)) {
        printf("usage: ractl scan import [--order REF --doc DOCUMENT] FILE\n"
               "       ractl scan import [--order REF --doc DOCUMENT] DIR [--pick NAME]\n\n"
               "The fallback when the scanner is out of order: attaches an image file to an\n"
               "order. Given a folder (a mounted USB stick), lists its files with what they\n"
               "are by content (JPEG, PNG, GIF, BMP with their size; anything else with the\n"
               "reason it is refused); --pick NAME attaches that file. The image passes the\n"
               "ledger's checks ([documents] max_image_bytes, decoded in full); a file over\n"
               "the limit is refused with both sizes (scan it again, or reduce it first).\n"
               "Exit: 0, 1 refused image, 6 no such file or order, 7 order not editable.\n");
        return 0;
    }
    const rk_ctl_opt table[] = {
        {.name = "--order", .kind = RK_OPT_STR, .dest = &ref, .arg = "REF"},
        {.name = "--doc", .kind = RK_OPT_STR, .dest = &doc, .arg = "DOCUMENT"},
        {.name = "--pick", .kind = RK_OPT_STR, .dest = &pick, .arg = "NAME"},
    };
    const rk_ctl_args args = {.cmd = cmd, .opts = table, .n_opts = 3, .pos = &src, .max_pos = 1};
    if ((rc = rk_ctl_opts_parse(ctl, &args, argc, argv)) != 0) return rc;
    if (!src) return rk_ctl_usage(ctl, cmd, "give a FILE or a folder");
    if (!!ref != !!doc) return rk_ctl_usage(ctl, cmd, "--order and --doc go together");
    if (stat(src, &sb) != 0)
        return rk_ctl_fail(ctl, rk_err_set(RK_ENOTFOUND, "%s: %s", src, strerror(errno)));
    if (ref) {
        if ((rc = rk_ctl_ledger(ctl, &l)) != 0 || (rc = rk_ctl_actor(ctl, &actor)) != 0)
            return rk_ctl_fail(ctl, rc);
    }
    size_t max = l                              ? (size_t)l->conf->max_image_bytes
                 : rk_ctl_conf(ctl, &conf) == 0 ? (size_t)conf->max_image_bytes
                                                : RK_IMAGE_DEFAULT_MAX_BYTES;
    if (S_ISDIR(sb.st_mode)) {
        if (!pick) return list_folder(ctl, src, max);
        if (!*pick || strchr(pick, '/') || !strcmp(pick, "..") || !strcmp(pick, "."))
            return rk_ctl_usage(ctl, cmd, "--pick takes a file name from the listing");
        snprintf(path, sizeof path, "%s/%s", src, pick);
    } else if (pick) {
        return rk_ctl_usage(ctl, cmd, "--pick goes with a folder");
    } else {
        snprintf(path, sizeof path, "%s", src);
    }
    if (!ref) return rk_ctl_usage(ctl, cmd, "give --order REF --doc DOCUMENT to attach a file");

    unsigned char *data;
    size_t len;
    rk_image_info ii;
    if ((rc = rk_ctl_read_file(&data, &len, path, max)) != 0)
        return rk_ctl_fail(ctl, rk_err_wrap(rc, "%s", path));
    rc = rk_image_check(&ii, data, len, max);
    if (rc) rk_err_wrap(rc, "%s", path);
    if (!rc) rc = rk_order_attach(l, &actor, ref, doc, data, len);
    free(data);
    if (rc) return rk_ctl_fail(ctl, rc);
    return doc_done(ctl, ref, doc, NULL, ii.format, len, ii.width, ii.height, 0, 0);
}

static const rk_ctl_cmd scan_commands[] = {
    {"id", cmd_id, "read an identity card on the ID card reader"},
    {"mrz", cmd_mrz, "check and print a machine-readable zone (passport, card, permit)"},
    {"barcode", cmd_barcode, "classify a scanned barcode or QR payload"},
    {"doc", cmd_doc, "scan a document page (SANE) to a file or into an order"},
    {"import", cmd_import, "attach an image file, or one from a USB stick, to an order"},
};

int rk_ctl_cmd_scan(rk_ctl *ctl, int argc, char **argv)
{
    return rk_ctl_dispatch(ctl, argc, argv, "ractl scan",
                           "The counter's reading devices: ID card reader, MRZ and barcode "
                           "scanners, document scanner.",
                           scan_commands, (int)(sizeof scan_commands / sizeof scan_commands[0]));
}
