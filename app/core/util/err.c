/*
 * Per-thread error messages for the core library (see err.h).
 */
#include "err.h"

#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define RK_ERR_MSG_MAX 1024

static _Thread_local char err_msg[RK_ERR_MSG_MAX];

int rk_err_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_msg, sizeof err_msg, fmt, ap);
    va_end(ap);
    rk_utf8_mend(err_msg); /* a cut name or a '%.Ns' of one stays UTF-8 */
    return code;
}

int rk_err_wrap(int code, const char *fmt, ...)
{
    char prefix[RK_ERR_MSG_MAX];
    char old[RK_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err_msg, sizeof old);
    if (old[0])
        snprintf(err_msg, sizeof err_msg, "%s: %s", prefix, old);
    else
        snprintf(err_msg, sizeof err_msg, "%s", prefix);
    rk_utf8_mend(err_msg);
    return code;
}

const char *rk_err_msg(void)
{
    return err_msg;
}

void rk_err_clear(void)
{
    err_msg[0] = '\0';
}

int rk_err_oom(void)
{
    return rk_err_set(RK_ENOMEM, "out of memory");
}

const char *rk_err_name(int code)
{
    switch (code) {
    case RK_OK: return "ok";
    case RK_EINVAL: return "invalid input";
    case RK_ENOMEM: return "out of memory";
    case RK_EIO: return "input/output error";
    case RK_EDB: return "database error";
    case RK_ENOTFOUND: return "not found";
    case RK_EPERM: return "not permitted";
    case RK_ESTATE: return "refused in this state";
    case RK_ECONF: return "configuration error";
    case RK_EEXIST: return "already exists";
    case RK_EBUSY: return "busy";
    case RK_ETOOBIG: return "too big";
    case RK_EFORMAT: return "malformed data";
    case RK_EAUTH: return "authentication failed";
    case RK_EDEVICE: return "device error";
    case RK_ETIMEOUT: return "timed out";
    case RK_ECRYPTO: return "cryptographic error";
    case RK_EVERIFY: return "verification failed";
    case RK_EINTERNAL: return "internal error";
    case RK_ECANCELED: return "cancelled";
    default: return "unknown error";
    }
}
