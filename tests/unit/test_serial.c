/*
 * Unit tests of the raw serial port opener on a real pseudo-terminal: bytes
 * written by the "device" (the pty master) arrive unchanged, with no line
 * discipline (CR kept, no echo); refusals name the device.
 */
#define _GNU_SOURCE /* posix_openpt, ptsname */
#include "test.h"

#include "scan/serial.h"
#include "util/err.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY), fd = -1;
    CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
    const char *slave = ptsname(master);
    CHECK(slave != NULL);
    CHECK_INT(rk_serial_open(&fd, slave, 9600, "the barcode scanner"), 0);

    const char scan[] = "RAK1:DEMO01:260101-0001\r\n\x03";
    CHECK_INT(write(master, scan, sizeof scan - 1), (long long)(sizeof scan - 1));
    char got[64];
    size_t have = 0;
    for (int tries = 0; tries < 50 && have < sizeof scan - 1; tries++) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 100) > 0) {
            ssize_t n = read(fd, got + have, sizeof got - have);
            if (n > 0) have += (size_t)n;
        }
    }
    CHECK_INT(have, sizeof scan - 1);
    CHECK(memcmp(got, scan, sizeof scan - 1) == 0); /* CR and ^C pass raw */
    close(fd);

    CHECK_INT(rk_serial_open(&fd, "/dev/null", 9600, "the barcode scanner"), RK_EDEVICE);
    CHECK(strstr(rk_err_msg(), "not a serial device") != NULL);
    CHECK_INT(rk_serial_open(&fd, "/dev/ttyNOPE9", 9600, "the barcode scanner"), RK_EDEVICE);
    CHECK(strstr(rk_err_msg(), "the barcode scanner") != NULL);
    CHECK_INT(rk_serial_open(&fd, slave, 12345, "the barcode scanner"), RK_EINVAL);
    close(master);
    return rk_test_done();
}
