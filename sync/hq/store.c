/*
 * What every HQ store backend shares (store.h): choosing the backend from
 * where the store is (a postgresql:// URL or a SQLite file path), closing
 * any store, the refusal record of a push, and the one spelling of a
 * certificate serial that revocations are kept under, and the check of a
 * request's certificate (admit).
 */
#include "hq/store.h"

#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rk_hq_store_is_url(const char *where)
{
    return where && (!strncmp(where, "postgresql://", 13) || !strncmp(where, "postgres://", 11));
}

int rk_hq_store_open(rk_hq_store **out, const char *where)
{
    *out = NULL;
    if (!where || !*where) return rk_err_set(RK_EINVAL, "no store given");
    return rk_hq_store_is_url(where) ? rk_hq_store_open_pg(out, where)
                                     : rk_hq_store_open_sqlite(out, where);
}

void rk_hq_store_close(rk_hq_store *s)
{
    if (s) s->ops->close(s);
}

void rk_hq_blob_clear(rk_hq_blob *b)
{
    if (!b) return;
    free(b->der);
    memset(b, 0, sizeof *b);
}

void rk_hq_entities_free(rk_hq_entity *e, int n)
{
    for (int i = 0; e && i < n; i++)
        free(e[i].payload);
    free(e);
}

void rk_hq_refuse(rk_hq_refusal *r, int status, const char *token, const char *extra_key,
                  int64_t extra, const char *fmt, ...)
{
    va_list ap;
    r->status = status;
    snprintf(r->token, sizeof r->token, "%s", token);
    r->extra_key = extra_key;
    r->extra = extra;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
}

int rk_hq_serial_norm(char *out, size_t n, const char *in)
{
    size_t k = 0;
    if (!strncmp(in, "0x", 2) || !strncmp(in, "0X", 2)) in += 2;
    for (; *in; in++) {
        char c = *in;
        if (c == ':') continue;
        if (c >= 'A' && c <= 'F') c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return RK_EINVAL;
        if (k == 0 && c == '0') continue;
        if (k + 1 >= n) return RK_ETOOBIG;
        out[k++] = c;
    }
    if (k == 0) {
        if (n < 2) return RK_ETOOBIG;
        out[k++] = '0';
    }
    out[k] = '\0';
    return 0;
}

int rk_hq_store_admit(rk_hq_store *s, const char *id, const char *serial, int *active, int *revoked)
{
    int rc;
    *active = *revoked = 0;
    if (s->ops->branch_admit) return s->ops->branch_admit(s, id, serial, active, revoked);
    if ((rc = s->ops->branch_active(s, id, active)) != 0) return rc;
    return s->ops->is_revoked(s, serial, revoked);
}
