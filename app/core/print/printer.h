/*
 * Receipt printer transports behind one ops table: a USB printer device file
 * (/dev/usb/lp0), a raw TCP socket (port 9100: JetDirect / AppSocket) and a
 * raw CUPS queue (via `lp -o raw`).
 *
 * A printer is named by a URI:
 *   tcp://HOST:PORT          TCP (PORT defaults to 9100)
 *   usb:///dev/usb/lp0       a device file, opened read-write ("/dev/..." alone works too)
 *   cups://QUEUE[@HOST:PORT] a raw CUPS queue on the default or the named server
 * The device file and TCP transports answer the real-time status request
 * DLE EOT; a CUPS queue cannot, so its status is reported as unknown and
 * taken as ready (CUPS holds jobs itself when the printer stops).
 *
 * A rk_printer is used by one thread at a time. Every wait is bounded by the
 * timeout given at open.
 */
#ifndef RK_PRINTER_H
#define RK_PRINTER_H

#include "escpos.h"

#include <stddef.h>

typedef struct rk_printer rk_printer;

/* The operations one transport provides; `impl` is the rk_printer. */
typedef struct rk_printer_ops {
    const char *scheme; /* "tcp", "usb", "cups" */
    int (*open)(rk_printer *p);
    int (*write)(rk_printer *p, const void *data, size_t n);
    /* Sends DLE EOT n and reads the one reply byte; RK_ETIMEOUT if none. NULL
     * when the transport cannot read replies. */
    int (*query)(rk_printer *p, int n, unsigned char *reply);
    int (*end_job)(rk_printer *p); /* sends what was buffered (CUPS) */
    void (*close)(rk_printer *p);
} rk_printer_ops;

/* Parses uri and connects (TCP), opens (device file) or prepares (CUPS).
 * timeout_ms bounds each connect, write and status wait (default 3000 if
 * <= 0). RK_EINVAL for a URI that is not one of the forms above, RK_EDEVICE
 * with a clear message when the printer cannot be reached. */
int rk_printer_open(rk_printer **out, const char *uri, int timeout_ms);

/* Closes and frees; NULL does nothing. */
void rk_printer_free(rk_printer *p);

/* The URI the printer was opened with. */
const char *rk_printer_uri(const rk_printer *p);

/* 1 if the transport can read status replies (tcp, usb), 0 otherwise. */
int rk_printer_has_status(const rk_printer *p);

/* Asks DLE EOT 1..4 and decodes the replies into st (zeroed first). For a
 * transport without status st->known stays 0 and 0 is returned.
 * RK_ETIMEOUT when the printer does not answer, RK_EFORMAT for a reply that
 * is not a status byte, RK_EDEVICE on a broken connection. */
int rk_printer_status(rk_printer *p, rk_escpos_status *st);

/* Sends job bytes (all of them, or RK_EDEVICE / RK_ETIMEOUT). */
int rk_printer_write(rk_printer *p, const void *data, size_t n);

/* Ends a job: CUPS submits the buffered bytes as one raw job; the others
 * have nothing left to do. */
int rk_printer_end_job(rk_printer *p);

#endif
