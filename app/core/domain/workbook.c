/*
 * A workbook written whole or not at all (see workbook.h).
 */
#include "domain/workbook.h"

#include "util/err.h"
#include "util/file.h"

int rk_workbook_write(const char *path, rk_workbook_fill_fn fill, void *arg)
{
    rk_file_atomic *f;
    int rc = rk_file_atomic_open(&f, path, 0644);
    if (rc) return rc;
    lxw_workbook *wb = workbook_new(rk_file_atomic_temp_path(f));
    if (!wb) {
        rk_file_atomic_abort(f);
        return rk_err_set(RK_EIO, "cannot create the workbook %s", path);
    }
    lxw_error err = fill(wb, arg);
    lxw_error closed = workbook_close(wb);
    if (err || closed) {
        rk_file_atomic_abort(f);
        return rk_err_set(RK_EIO, "cannot write the workbook %s: %s", path,
                          lxw_strerror(err ? err : closed));
    }
    return rk_file_atomic_commit(f);
}
