/*
 * The simulated ID card reader (see idsim.h): pure request handling and
 * script lines, plus a small poll() loop serving it on a pseudo-terminal.
 */
#define _GNU_SOURCE /* posix_openpt, ptsname_r */
#include "demo/idsim.h"

#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void demo_card(rk_idcard *c)
{
    memset(c, 0, sizeof *c);
    c->type = RK_IDCARD_RESIDENT;
    snprintf(c->name, sizeof c->name, "张三");
    snprintf(c->sex_code, sizeof c->sex_code, "1");
    snprintf(c->nation_code, sizeof c->nation_code, "01");
    snprintf(c->birth, sizeof c->birth, "19900307");
    snprintf(c->address, sizeof c->address, "北京市东城区景山前街4号");
    snprintf(c->id_number, sizeof c->id_number, "110101199003071233");
    snprintf(c->authority, sizeof c->authority, "北京市公安局东城分局");
    snprintf(c->valid_from, sizeof c->valid_from, "20200101");
    snprintf(c->valid_until, sizeof c->valid_until, "20400101");
}

void rk_idsim_init(rk_idsim *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < 16; i++)
        s->sam_id[i] = (uint8_t)(0x05 + i * 17);
    demo_card(&s->draft);
}

/* The photo the simulator sends: a pattern derived from the ID number, so a
 * test can tell that all 1 024 bytes crossed the line intact. */
static void fill_photo(rk_idcard *c)
{
    unsigned h = 2166136261u;
    for (const char *p = c->id_number; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    for (int i = 0; i < RK_IDCARD_PHOTO_LEN; i++) {
        h = h * 1103515245u + 12345u;
        c->photo_wlt[i] = (uint8_t)(h >> 16);
    }
    c->photo_wlt[0] = 'W'; /* WLT files start "WL" */
    c->photo_wlt[1] = 'L';
    c->photo_len = RK_IDCARD_PHOTO_LEN;
    c->finger_len = 512;
    for (size_t i = 0; i < c->finger_len; i++)
        c->finger[i] = (uint8_t)(c->photo_wlt[i] ^ 0x5A);
}

/* Builds the reply to one well-formed request into body (status + data). */
static size_t answer(rk_idsim *s, const rk_sam_cmd *c, uint8_t *body, size_t cap)
{
    unsigned code = (unsigned)c->cmd << 8 | c->para;
    size_t n = 3;
    body[0] = body[1] = 0;
    body[2] = RK_SAM_SW_OK;
    switch (code) {
    case RK_SAM_CMD_RESET: s->selected = 0; break;
    case RK_SAM_CMD_STATUS: break;
    case RK_SAM_CMD_SAM_ID:
        memcpy(body + 3, s->sam_id, 16);
        n += 16;
        break;
    case RK_SAM_CMD_FIND:
        if (!s->present) {
            body[2] = RK_SAM_SW_FIND_FAILED;
            break;
        }
        body[2] = RK_SAM_SW_FOUND;
        memset(body + 3, 0, 4);
        n += 4;
        break;
    case RK_SAM_CMD_SELECT:
        if (!s->present) {
            body[2] = RK_SAM_SW_SELECT_FAILED;
            break;
        }
        s->selected = 1;
        memset(body + 3, 0, 8);
        n += 8;
        break;
    case RK_SAM_CMD_READ:
    case RK_SAM_CMD_READ_FINGER: {
        if (!s->present || !s->selected) {
            body[2] = RK_SAM_SW_READ_FAILED;
            break;
        }
        int finger = code == RK_SAM_CMD_READ_FINGER;
        size_t head = finger ? 6 : 4, flen = finger ? s->card.finger_len : 0;
        if (3 + head + RK_IDCARD_TEXT_LEN + RK_IDCARD_PHOTO_LEN + flen > cap ||
            rk_idcard_encode_text(body + 3 + head, &s->card) != 0) {
            body[2] = RK_SAM_SW_READ_FAILED;
            break;
        }
        uint8_t *d = body + 3;
        d[0] = RK_IDCARD_TEXT_LEN >> 8;
        d[1] = RK_IDCARD_TEXT_LEN & 0xFF;
        d[2] = RK_IDCARD_PHOTO_LEN >> 8;
        d[3] = RK_IDCARD_PHOTO_LEN & 0xFF;
        if (finger) {
            d[4] = (uint8_t)(flen >> 8);
            d[5] = (uint8_t)flen;
        }
        memcpy(d + head + RK_IDCARD_TEXT_LEN, s->card.photo_wlt, RK_IDCARD_PHOTO_LEN);
        memcpy(d + head + RK_IDCARD_TEXT_LEN + RK_IDCARD_PHOTO_LEN, s->card.finger, flen);
        n += head + RK_IDCARD_TEXT_LEN + RK_IDCARD_PHOTO_LEN + flen;
        break;
    }
    case RK_SAM_CMD_READ_ADDR:
        if (!s->present || !s->selected) {
            body[2] = RK_SAM_SW_READ_FAILED;
            break;
        }
        if (!s->card.appended_address[0] ||
            rk_idcard_utf8_to_ucs2(body + 3, RK_IDCARD_ADDR_LEN, s->card.appended_address)) {
            body[2] = RK_SAM_SW_NO_CONTENT;
            break;
        }
        n += RK_IDCARD_ADDR_LEN;
        break;
    default: body[2] = RK_SAM_SW_COMMAND; break;
    }
    return n;
}

/* Wraps body into a frame in out and applies an armed fault. */
static int emit(rk_idsim *s, uint8_t *out, size_t cap, rk_idsim_action *act, const uint8_t *body,
                size_t n)
{
    static const uint8_t noise[] = {0x13, 0xAA, 0xAA, 0x00, 0x96, 0x69, 0xAA, 0xAA, 0x42};
    size_t off = 0, len;
    rk_idsim_fault f = s->fault_count > 0 ? s->fault : RK_IDSIM_FAULT_NONE;
    uint8_t status_only[3] = {0, 0, (uint8_t)s->fault_arg};

    memset(act, 0, sizeof *act);
    if (f != RK_IDSIM_FAULT_NONE && --s->fault_count == 0) s->fault = RK_IDSIM_FAULT_NONE;
    if (f == RK_IDSIM_FAULT_SILENT) return 0;
    if (f == RK_IDSIM_FAULT_STATUS) {
        body = status_only;
        n = 3;
    }
    if (f == RK_IDSIM_FAULT_GARBAGE) {
        memcpy(out, noise, sizeof noise);
        off = sizeof noise;
    }
    if (n + 8 + off > cap) return rk_err_set(RK_ETOOBIG, "simulator reply too big");
    /* body is status + data: encode with the real status byte. */
    int rc = rk_sam_encode_reply(out + off, cap - off, &len, body[2], body + 3, n - 3);
    if (rc) return rc;
    out[off + 7] = body[0];
    out[off + 8] = body[1];
    out[off + len - 1] = rk_sam_checksum(out + off + 5, len - 6);
    if (f == RK_IDSIM_FAULT_CHECKSUM) out[off + len - 1] ^= 0x5A;
    act->len = off + len;
    if (f == RK_IDSIM_FAULT_SLOW) act->delay_ms = s->fault_arg;
    if (f == RK_IDSIM_FAULT_SPLIT) act->split = act->len / 2 ? act->len / 2 : 1;
    return 0;
}

int rk_idsim_feed(rk_idsim *s, const uint8_t *in, size_t n, size_t *consumed, uint8_t *out,
                  size_t cap, rk_idsim_action *act)
{
    rk_sam_frame f;
    rk_sam_cmd c;
    uint8_t *body = malloc(RK_SAM_MAX_FRAME);
    int rc;

    memset(act, 0, sizeof *act);
    if (!body) return rk_err_oom();
    rc = rk_sam_parse(&f, consumed, in, n);
    if (rc == RK_SAM_MORE) {
        free(body);
        return RK_SAM_MORE;
    }
    if (rc < 0) { /* damaged request: a reader answers 10 or 11 */
        s->bad_requests++;
        body[0] = body[1] = 0;
        body[2] = rc == RK_EFORMAT && strstr(rk_err_msg(), "checksum") ? RK_SAM_SW_CHECKSUM
                                                                       : RK_SAM_SW_LENGTH;
        rc = emit(s, out, cap, act, body, 3);
    } else if (rk_sam_cmd_view(&c, &f) != 0) {
        s->bad_requests++;
        body[0] = body[1] = 0;
        body[2] = RK_SAM_SW_LENGTH;
        rc = emit(s, out, cap, act, body, 3);
    } else {
        s->requests++;
        size_t bn = answer(s, &c, body, RK_SAM_MAX_FRAME);
        rc = emit(s, out, cap, act, body, bn);
    }
    free(body);
    return rc;
}

static int set_field(rk_idcard *c, const char *key, const char *v)
{
    static const struct {
        const char *key;
        size_t off, size;
    } fields[] = {
#define F(k, m) {k, offsetof(rk_idcard, m), sizeof(((rk_idcard *)0)->m)}
        F("name", name),
        F("name_en", name_en),
        F("sex", sex_code),
        F("nation", nation_code),
        F("birth", birth),
        F("address", address),
        F("id", id_number),
        F("authority", authority),
        F("from", valid_from),
        F("until", valid_until),
        F("nationality", nationality),
        F("version", card_version),
        F("pass", pass_number),
        F("count", issue_count),
        F("appended", appended_address),
#undef F
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (strcmp(fields[i].key, key)) continue;
        if (strlen(v) >= fields[i].size)
            return rk_err_set(RK_EINVAL, "simulator: value of '%s' is too long", key);
        memcpy((char *)c + fields[i].off, v, strlen(v) + 1);
        return 0;
    }
    return rk_err_set(RK_EINVAL, "simulator: no card field '%s'", key);
}

int rk_idsim_control(rk_idsim *s, const char *line, int *sleep_ms)
{
    char word[32], arg[32];
    const char *p = line;
    int n = 0;

    *sleep_ms = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p || *p == '#' || *p == '\n' || *p == '\r') return 0;
    if (sscanf(p, "%31s%n", word, &n) != 1) return 0;
    p += n;
    while (*p == ' ' || *p == '\t')
        p++;
    char rest[512];
    snprintf(rest, sizeof rest, "%s", p);
    size_t rl = strlen(rest);
    while (rl && (rest[rl - 1] == '\n' || rest[rl - 1] == '\r' || rest[rl - 1] == ' '))
        rest[--rl] = 0;

    if (!strcmp(word, "card")) {
        rk_idcard_type t;
        if (!strcmp(rest, "demo")) {
            demo_card(&s->draft);
            return 0;
        }
        if (!strcmp(rest, "resident"))
            t = RK_IDCARD_RESIDENT;
        else if (!strcmp(rest, "foreign"))
            t = RK_IDCARD_FOREIGN;
        else if (!strcmp(rest, "gat"))
            t = RK_IDCARD_GAT;
        else
            return rk_err_set(RK_EINVAL, "simulator: unknown card type '%s'", rest);
        memset(&s->draft, 0, sizeof s->draft);
        s->draft.type = t;
        return 0;
    }
    if (!strcmp(word, "set")) {
        int k = 0;
        if (sscanf(rest, "%31s%n", arg, &k) != 1)
            return rk_err_set(RK_EINVAL, "simulator: 'set' needs a field and a value");
        const char *v = rest + k;
        while (*v == ' ')
            v++;
        return set_field(&s->draft, arg, v);
    }
    if (!strcmp(word, "place")) {
        uint8_t probe[RK_IDCARD_TEXT_LEN];
        if (rk_idcard_encode_text(probe, &s->draft) != 0) return rk_err_wrap(RK_EINVAL, "place");
        s->card = s->draft;
        s->card.long_term = !strcmp(s->card.valid_until, "长期");
        fill_photo(&s->card);
        s->present = 1;
        s->selected = 0;
        return 0;
    }
    if (!strcmp(word, "remove")) {
        s->present = 0;
        s->selected = 0;
        return 0;
    }
    if (!strcmp(word, "clear")) {
        s->fault = RK_IDSIM_FAULT_NONE;
        s->fault_count = 0;
        return 0;
    }
    if (!strcmp(word, "quit")) return 1;
    if (!strcmp(word, "sleep")) {
        char *end;
        long ms = strtol(rest, &end, 10);
        if (end == rest || ms < 0 || ms > 600000)
            return rk_err_set(RK_EINVAL, "simulator: 'sleep' needs milliseconds");
        *sleep_ms = (int)ms;
        return 0;
    }
    if (!strcmp(word, "fault")) {
        char a1[32] = "", a2[32] = "";
        int k = sscanf(rest, "%31s %31s %31s", arg, a1, a2);
        rk_idsim_fault f;
        int needs_arg = 0;
        if (k < 1) return rk_err_set(RK_EINVAL, "simulator: 'fault' needs a kind");
        if (!strcmp(arg, "checksum"))
            f = RK_IDSIM_FAULT_CHECKSUM;
        else if (!strcmp(arg, "garbage"))
            f = RK_IDSIM_FAULT_GARBAGE;
        else if (!strcmp(arg, "silent"))
            f = RK_IDSIM_FAULT_SILENT;
        else if (!strcmp(arg, "split"))
            f = RK_IDSIM_FAULT_SPLIT;
        else if (!strcmp(arg, "slow"))
            f = RK_IDSIM_FAULT_SLOW, needs_arg = 1;
        else if (!strcmp(arg, "status"))
            f = RK_IDSIM_FAULT_STATUS, needs_arg = 1;
        else
            return rk_err_set(RK_EINVAL, "simulator: unknown fault '%s'", arg);
        long v = 0, count = 1;
        char *end;
        if (needs_arg) {
            v = strtol(a1, &end, f == RK_IDSIM_FAULT_STATUS ? 16 : 10);
            if (!*a1 || *end || v < 0 || v > (f == RK_IDSIM_FAULT_STATUS ? 0xFF : 600000))
                return rk_err_set(RK_EINVAL, "simulator: fault %s needs a value", arg);
        }
        const char *cs = needs_arg ? a2 : a1;
        if (*cs) {
            count = strtol(cs, &end, 10);
            if (*end || count < 1 || count > 1000000)
                return rk_err_set(RK_EINVAL, "simulator: bad fault count '%s'", cs);
        }
        s->fault = f;
        s->fault_arg = (int)v;
        s->fault_count = (int)count;
        return 0;
    }
    return rk_err_set(RK_EINVAL, "simulator: unknown command '%s'", word);
}

int rk_idsim_pty_open(int *master, int *keep, char *path, size_t n)
{
    struct termios tio;
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    *master = *keep = -1;
    if (m < 0) return rk_err_set(RK_EIO, "posix_openpt: %s", strerror(errno));
    if (grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, path, n) != 0) {
        close(m);
        return rk_err_set(RK_EIO, "cannot set up the pseudo-terminal: %s", strerror(errno));
    }
    int sl = open(path, O_RDWR | O_NOCTTY);
    if (sl < 0) {
        close(m);
        return rk_err_set(RK_EIO, "cannot open %s: %s", path, strerror(errno));
    }
    if (tcgetattr(sl, &tio) == 0) {
        cfmakeraw(&tio);
        cfsetspeed(&tio, B115200);
        tcsetattr(sl, TCSANOW, &tio);
    }
    *master = m;
    *keep = sl;
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd pf = {fd, POLLOUT, 0};
            poll(&pf, 1, 100);
            continue;
        }
        if (w <= 0) return rk_err_set(RK_EIO, "simulator write: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Waits ms milliseconds unless stop_fd becomes readable (then returns 1). */
static int pause_ms(int stop_fd, int ms)
{
    struct pollfd pf = {stop_fd, POLLIN, 0};
    if (stop_fd < 0) {
        poll(NULL, 0, ms);
        return 0;
    }
    return poll(&pf, 1, ms) > 0;
}

int rk_idsim_serve(rk_idsim *s, int master, const char *script, int control_fd, int stop_fd)
{
    static const size_t in_cap = 2 * RK_SAM_MAX_FRAME, out_cap = RK_SAM_MAX_FRAME + 64;
    uint8_t *in = malloc(in_cap), *out = malloc(out_cap);
    char ctl[1024];
    size_t have = 0, ctl_len = 0;
    int64_t wake = 0; /* script paused until then */
    int rc = 0, quit = 0;

    if (!in || !out) {
        free(in);
        free(out);
        return rk_err_oom();
    }
    while (!quit) {
        /* Run script lines until a sleep or the end. */
        while (script && *script && now_ms() >= wake && !quit) {
            const char *nl = strchr(script, '\n');
            size_t len = nl ? (size_t)(nl - script) : strlen(script);
            char line[512];
            int sl = 0;
            snprintf(line, sizeof line, "%.*s", (int)(len < 511 ? len : 511), script);
            script = nl ? nl + 1 : script + len;
            int r = rk_idsim_control(s, line, &sl);
            if (r == 1) quit = 1;
            if (sl) wake = now_ms() + sl;
        }
        if (quit) break;
        struct pollfd pf[3] = {{master, POLLIN, 0}, {control_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
        int timeout = -1;
        if (script && *script) timeout = (int)(wake - now_ms() > 0 ? wake - now_ms() : 0);
        int pr = poll(pf, 3, timeout);
        if (pr < 0 && errno == EINTR) continue;
        if (pr < 0) {
            rc = rk_err_set(RK_EIO, "simulator poll: %s", strerror(errno));
            break;
        }
        if (stop_fd >= 0 && pf[2].revents) break;
        if (control_fd >= 0 && (pf[1].revents & (POLLIN | POLLHUP))) {
            ssize_t r = read(control_fd, ctl + ctl_len, sizeof ctl - 1 - ctl_len);
            if (r <= 0) {
                control_fd = -1; /* writer gone: keep serving */
            } else {
                ctl_len += (size_t)r;
                ctl[ctl_len] = 0;
                char *nl;
                while ((nl = strchr(ctl, '\n')) != NULL) {
                    *nl = 0;
                    int sl = 0;
                    if (rk_idsim_control(s, ctl, &sl) == 1) quit = 1;
                    if (sl) pause_ms(stop_fd, sl);
                    size_t used = (size_t)(nl + 1 - ctl);
                    memmove(ctl, nl + 1, ctl_len - used + 1);
                    ctl_len -= used;
                }
                if (ctl_len == sizeof ctl - 1) ctl_len = 0; /* overlong line: drop */
            }
        }
        if (pf[0].revents & POLLIN) {
            ssize_t r = read(master, in + have, in_cap - have);
            if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (r <= 0) {
                rc = rk_err_set(RK_EIO, "simulator read: %s", r ? strerror(errno) : "end");
                break;
            }
            have += (size_t)r;
            for (;;) {
                size_t used = 0;
                rk_idsim_action act;
                int fr = rk_idsim_feed(s, in, have, &used, out, out_cap, &act);
                if (used > have) used = have;
                memmove(in, in + used, have - used);
                have -= used;
                if (fr == RK_SAM_MORE) {
                    if (have == in_cap) have = 0; /* cannot happen: frames are bounded */
                    break;
                }
                if (fr < 0) continue;
                if (act.delay_ms && pause_ms(stop_fd, act.delay_ms)) {
                    quit = 1;
                    break;
                }
                if (act.split) {
                    if ((rc = write_all(master, out, act.split)) != 0) break;
                    pause_ms(stop_fd, 50);
                    rc = write_all(master, out + act.split, act.len - act.split);
                } else if (act.len) {
                    rc = write_all(master, out, act.len);
                }
                if (rc) break;
            }
            if (rc) break;
        } else if (pf[0].revents & (POLLHUP | POLLERR)) {
            /* No host has the slave open (we keep one): wait a little. */
            poll(NULL, 0, 20);
        }
    }
    free(in);
    free(out);
    return rc;
}
