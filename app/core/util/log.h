/*
 * Logging with levels for the core and its programs.
 *
 * Lines go to stderr by default, prefixed with a syslog-style "<N>" priority
 * when stderr is connected to journald (JOURNAL_STREAM set), so journald keeps
 * the level. A program may install its own sink (the kiosk shows errors on a
 * screen, tests capture lines). Never log a PIN, a password or a private key.
 */
#ifndef RK_LOG_H
#define RK_LOG_H

enum rk_log_level { RK_LOG_ERROR = 3, RK_LOG_WARN = 4, RK_LOG_INFO = 6, RK_LOG_DEBUG = 7 };

typedef void (*rk_log_sink)(enum rk_log_level level, const char *line, void *arg);

/* Lines above this level are dropped; default RK_LOG_WARN, or RAKIOSK_LOG
 * (error|warn|info|debug) from the environment. */
void rk_log_set_level(enum rk_log_level level);
enum rk_log_level rk_log_get_level(void);

/* Parses "error", "warn", "info", "debug"; -1 if unknown. */
int rk_log_parse_level(const char *name);

/* Replaces the sink; NULL restores stderr. */
void rk_log_set_sink(rk_log_sink sink, void *arg);

void rk_log(enum rk_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define rk_log_error(...) rk_log(RK_LOG_ERROR, __VA_ARGS__)
#define rk_log_warn(...)  rk_log(RK_LOG_WARN, __VA_ARGS__)
#define rk_log_info(...)  rk_log(RK_LOG_INFO, __VA_ARGS__)
#define rk_log_debug(...) rk_log(RK_LOG_DEBUG, __VA_ARGS__)

#endif
