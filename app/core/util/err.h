/*
 * Error codes and the per-thread error message of the core library.
 *
 * Every core function returns int: 0 on success or a negative RK_E* code.
 * The function that detects a failure records a human-readable sentence with
 * rk_err_set(); the caller reads it with rk_err_msg() until the next failure
 * on the same thread. Messages are per thread, so the kiosk can run long
 * operations off its UI thread without the threads overwriting each other.
 */
#ifndef RK_ERR_H
#define RK_ERR_H

#include <stddef.h>

enum {
    RK_OK = 0,
    RK_EINVAL = -1,     /* bad input: the message says which field and why */
    RK_ENOMEM = -2,     /* out of memory */
    RK_EIO = -3,        /* file or device input/output */
    RK_EDB = -4,        /* database failure */
    RK_ENOTFOUND = -5,  /* no such record, file or object */
    RK_EPERM = -6,      /* not allowed: role, login, separation of duties */
    RK_ESTATE = -7,     /* refused in the present state (illegal transition) */
    RK_ECONF = -8,      /* configuration error: the message names file, line, key */
    RK_EEXIST = -9,     /* already exists */
    RK_EBUSY = -10,     /* resource busy or locked by another process */
    RK_ETOOBIG = -11,   /* input over its size limit */
    RK_EFORMAT = -12,   /* malformed outside data (frame, file, message) */
    RK_EAUTH = -13,     /* wrong password or PIN, locked credential */
    RK_EDEVICE = -14,   /* device missing, removed or failing */
    RK_ETIMEOUT = -15,  /* no answer in time */
    RK_ECRYPTO = -16,   /* cryptographic failure */
    RK_EVERIFY = -17,   /* a check ran and found a fault (audit chain, signature) */
    RK_EINTERNAL = -18, /* a bug: should not happen */
    RK_ECANCELED = -19  /* stopped on request (a progress callback said so, util/progress.h) */
};

/* Records a printf-style message for the calling thread and returns code. */
int rk_err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prepends "prefix: " to the current message (for context) and returns code. */
int rk_err_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The calling thread's last message; "" if none. Valid until the next set. */
const char *rk_err_msg(void);

/* Clears the calling thread's message. */
void rk_err_clear(void);

/* A short fixed name for a code ("invalid input", "not found", ...). */
const char *rk_err_name(int code);

/* Records RK_ENOMEM with a standard message and returns it. */
int rk_err_oom(void);

#endif
