/*
 * Unit tests of the device-file transport (usb:///dev/usb/lpN): a pseudo-
 * terminal in raw mode stands in for the printer's character device; a
 * thread on the master side answers DLE EOT like a printer with its cover
 * open, then like a ready one, and collects the job bytes. Also: a printer
 * that never answers gives RK_ETIMEOUT within the timeout.
 */
#define _GNU_SOURCE /* posix_openpt, ptsname, cfmakeraw */
#include "test.h"

#include "print/printer.h"
#include "util/err.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

typedef struct fake {
    int master;
    volatile int cover_open;
    volatile int silent;
    volatile int stop;
    unsigned char got[4096];
    size_t n_got;
} fake;

static void *printer(void *arg)
{
    fake *f = arg;
    unsigned char buf[256], pend[3];
    size_t np = 0;
    while (!f->stop) {
        struct pollfd pf = {.fd = f->master, .events = POLLIN};
        if (poll(&pf, 1, 20) <= 0) continue;
        ssize_t k = read(f->master, buf, sizeof buf);
        for (ssize_t i = 0; i < k; i++) {
            if (np == 0 && buf[i] != 0x10) {
                if (f->n_got < sizeof f->got) f->got[f->n_got++] = buf[i];
                continue;
            }
            pend[np++] = buf[i];
            if (np < 3) continue;
            np = 0;
            if (f->silent) continue;
            unsigned char b = 0x12;
            if (f->cover_open && pend[2] == 1) b |= 0x08;
            if (f->cover_open && pend[2] == 2) b |= 0x04;
            if (write(f->master, &b, 1) != 1) break;
        }
    }
    return NULL;
}

int main(void)
{
    fake f;
    memset(&f, 0, sizeof f);
    f.master = posix_openpt(O_RDWR | O_NOCTTY);
    CHECK(f.master >= 0 && grantpt(f.master) == 0 && unlockpt(f.master) == 0);
    char path[128], uri[160];
    snprintf(path, sizeof path, "%s", ptsname(f.master));
    /* raw mode, so 0x04 (EOF in canonical mode) and 0x10 pass untouched */
    int keep = open(path, O_RDWR | O_NOCTTY);
    struct termios t;
    tcgetattr(keep, &t);
    cfmakeraw(&t);
    tcsetattr(keep, TCSANOW, &t);
    pthread_t th;
    pthread_create(&th, NULL, printer, &f);

    snprintf(uri, sizeof uri, "usb://%s", path);
    rk_printer *p;
    rk_escpos_status st;
    CHECK_INT(rk_printer_open(&p, uri, 1000), 0);
    CHECK(rk_printer_has_status(p));
    f.cover_open = 1;
    CHECK_INT(rk_printer_status(p, &st), 0);
    CHECK(st.cover_open && st.offline && !rk_escpos_status_ready(&st));
    f.cover_open = 0;
    CHECK_INT(rk_printer_status(p, &st), 0);
    CHECK(rk_escpos_status_ready(&st));
    CHECK_INT(rk_printer_write(p, "\x1b@hello\n", 8), 0);
    CHECK_INT(rk_printer_end_job(p), 0);
    CHECK_INT(rk_printer_status(p, &st), 0); /* after the job: the bytes arrived first */
    CHECK_INT(f.n_got, 8);
    CHECK(memcmp(f.got, "\x1b@hello\n", 8) == 0);

    f.silent = 1;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    rk_printer_free(p);
    CHECK_INT(rk_printer_open(&p, uri, 300), 0);
    CHECK_INT(rk_printer_status(p, &st), RK_ETIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    CHECK(s < 3.0); /* bounded by the timeout, not stuck */
    CHECK(strstr(rk_err_msg(), "does not answer") != NULL);
    rk_printer_free(p);

    f.stop = 1;
    pthread_join(th, NULL);
    close(keep);
    close(f.master);
    return rk_test_done();
}
