/*
 * Serial ports of the counter's devices (ID card reader, barcode scanner).
 *
 * rk_serial_open() opens a tty (a USB-serial adapter, or a pseudo-terminal
 * in tests and the demo) raw: 8 data bits, no parity, one stop bit, no flow
 * control, no line discipline, at the given speed.
 */
#ifndef RK_SERIAL_H
#define RK_SERIAL_H

/* Opens path for reading and writing, non-blocking, raw 8N1 at baud (1200
 * to 115200). what names the device in messages ("the ID card reader").
 * RK_EDEVICE if it is missing or not a serial device, RK_EINVAL for an
 * unsupported speed, RK_EIO otherwise. *fd is the caller's to close. */
int rk_serial_open(int *fd, const char *path, int baud, const char *what);

#endif
