/*
 * Logging with levels (see log.h).
 */
#include "log.h"

#include "utf8.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_level = -1;
static rk_log_sink log_sink;
static void *log_sink_arg;

int rk_log_parse_level(const char *name)
{
    if (!name) return -1;
    if (!strcmp(name, "error")) return RK_LOG_ERROR;
    if (!strcmp(name, "warn")) return RK_LOG_WARN;
    if (!strcmp(name, "info")) return RK_LOG_INFO;
    if (!strcmp(name, "debug")) return RK_LOG_DEBUG;
    return -1;
}

enum rk_log_level rk_log_get_level(void)
{
    if (log_level < 0) {
        int l = rk_log_parse_level(getenv("RAKIOSK_LOG"));
        log_level = l < 0 ? RK_LOG_WARN : l;
    }
    return (enum rk_log_level)log_level;
}

void rk_log_set_level(enum rk_log_level level)
{
    log_level = (int)level;
}

void rk_log_set_sink(rk_log_sink sink, void *arg)
{
    pthread_mutex_lock(&log_lock);
    log_sink = sink;
    log_sink_arg = arg;
    pthread_mutex_unlock(&log_lock);
}

static const char *level_name(enum rk_log_level level)
{
    switch (level) {
    case RK_LOG_ERROR: return "error";
    case RK_LOG_WARN: return "warning";
    case RK_LOG_INFO: return "info";
    default: return "debug";
    }
}

void rk_log(enum rk_log_level level, const char *fmt, ...)
{
    char line[2048];
    va_list ap;

    if ((int)level > (int)rk_log_get_level()) return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    rk_utf8_mend(line);

    pthread_mutex_lock(&log_lock);
    if (log_sink) {
        log_sink(level, line, log_sink_arg);
    } else if (getenv("JOURNAL_STREAM")) {
        fprintf(stderr, "<%d>%s\n", (int)level, line);
    } else {
        char ts[32];
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
        fprintf(stderr, "%s %s: %s\n", ts, level_name(level), line);
    }
    pthread_mutex_unlock(&log_lock);
}
