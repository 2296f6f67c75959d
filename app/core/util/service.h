/*
 * The contract between a long-running program (rakiosk, rasync) and the
 * appliance's systemd units: readiness, the service watchdog, and the health
 * marker that tells an A/B update the new slot works.
 *
 * - rk_service_ready(): call once the program is up (configuration and
 *   database opened). A unit with Type=notify waits for it.
 * - rk_service_alive(): call from the main loop at least every
 *   rk_service_watchdog_usec() / 2 microseconds. A unit with WatchdogSec=
 *   kills and restarts a program that stops calling it (a frozen screen).
 * - rk_service_home_shown(): the kiosk calls it each time it has drawn its
 *   home (or attract) screen; the first call matters. It writes the marker
 *   file "home-shown" in $RUNTIME_DIRECTORY (/run/rakiosk for rakiosk.service,
 *   removed by systemd when the program stops) holding the program's pid and
 *   the time. The update health check (image/overlay: rakiosk-health) marks a
 *   freshly installed slot good only after this marker appears.
 *
 * All of them speak the sd_notify datagram protocol on $NOTIFY_SOCKET
 * themselves (no libsystemd) and do nothing, returning 0, outside systemd.
 * They are async-signal-unsafe but thread-safe, and never block.
 */
#ifndef RK_SERVICE_H
#define RK_SERVICE_H

/* Sends one sd_notify state text (e.g. "READY=1\nSTATUS=up") to
 * $NOTIFY_SOCKET (a path or an abstract "@name"). Returns 1 if sent, 0 when
 * not run by systemd (no NOTIFY_SOCKET), RK_EINVAL for an unusable socket
 * name, RK_EIO if the send failed (the message says why). */
int rk_service_notify(const char *state);

/* "READY=1" with a status line ("STATUS=<status>" when status is not NULL). */
int rk_service_ready(const char *status);

/* "WATCHDOG=1": the main loop is alive. */
int rk_service_alive(void);

/* The service watchdog's interval in microseconds from $WATCHDOG_USEC (when
 * $WATCHDOG_PID is unset or this process), or 0 when there is none. */
long long rk_service_watchdog_usec(void);

/* Writes the "home-shown" marker atomically in $RUNTIME_DIRECTORY (a
 * colon-separated list: the first entry), and tells systemd
 * "STATUS=home screen shown". Returns 0, also when there is no
 * RUNTIME_DIRECTORY (not run by the unit: nothing to mark); RK_EIO when the
 * marker cannot be written. */
int rk_service_home_shown(void);

#endif
