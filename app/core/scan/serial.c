/*
 * Raw serial ports (see serial.h).
 */
#include "serial.h"

#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static speed_t speed_of(int baud)
{
    switch (baud) {
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    default: return 0;
    }
}

int rk_serial_open(int *fd, const char *path, int baud, const char *what)
{
    struct termios tio;
    speed_t speed = speed_of(baud);

    *fd = -1;
    if (!speed) return rk_err_set(RK_EINVAL, "%s: unsupported speed %d baud", what, baud);
    int f = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (f < 0) {
        int e = errno;
        return rk_err_set(e == ENOENT ? RK_EDEVICE : RK_EIO, "cannot open %s at %s: %s", what, path,
                          strerror(e));
    }
    if (tcgetattr(f, &tio) != 0) {
        int e = errno;
        close(f);
        return rk_err_set(RK_EDEVICE, "%s is not a serial device: %s", path, strerror(e));
    }
    cfmakeraw(&tio);
    tio.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CRTSCTS | CSIZE);
    tio.c_cflag |= CS8 | CLOCAL | CREAD;
    tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    cfsetispeed(&tio, speed);
    cfsetospeed(&tio, speed);
    if (tcsetattr(f, TCSANOW, &tio) != 0) {
        int e = errno;
        close(f);
        return rk_err_set(RK_EDEVICE, "cannot set %s to %d 8N1: %s", path, baud, strerror(e));
    }
    tcflush(f, TCIOFLUSH);
    *fd = f;
    return 0;
}
