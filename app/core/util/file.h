/*
 * Files that are either wholly there or not at all: the one way the core
 * replaces a file (certificates, CRLs and their index, print jobs, receipt
 * pictures, PDFs, exports, sealed documents, demo key settings).
 *
 * A write goes to a fresh hidden temporary file in the target's own folder
 * (".NAME.XXXXXX", so readers that skip dot files never see it), is synced
 * to the disk, renamed over the target, and the folder is synced, so after
 * a crash or power cut the target holds either its old or its new content,
 * never a torn mix, and a committed rename is not lost. Two writers of one
 * target never share a temporary file; the last rename wins.
 *
 * Small contents go through rk_file_write_atomic(); large or produced ones
 * (a 50 MB CRL index, a PDF from cairo, an XLSX workbook) through the
 * streaming form: rk_file_atomic_open(), any number of writes (or a library
 * writing into rk_file_atomic_temp_path() in place), then commit or abort.
 */
#ifndef RK_FILE_H
#define RK_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "util/buf.h"

typedef struct rk_file_atomic rk_file_atomic;

/* Replaces path with the len bytes at data, with permissions mode exactly
 * (the umask does not apply). 0, or RK_EIO / RK_EINVAL naming the file and
 * the system's reason; on failure path is unchanged and no temporary file
 * is left. */
int rk_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Starts replacing path: creates its temporary file (permissions mode
 * exactly). The caller owns *out and ends it with exactly one of
 * rk_file_atomic_commit() or rk_file_atomic_abort(). */
int rk_file_atomic_open(rk_file_atomic **out, const char *path, mode_t mode);

/* Appends n bytes. After a failure every later write and the commit fail
 * with the first error (so a caller may check only the commit). */
int rk_file_atomic_write(rk_file_atomic *f, const void *data, size_t n);

/* The temporary file's descriptor and path, for code that writes by
 * descriptor or by name. A library writing by name must write the file in
 * place (open with truncation, as stdio's "w" does), never replace it. */
int rk_file_atomic_fd(const rk_file_atomic *f);
const char *rk_file_atomic_temp_path(const rk_file_atomic *f);

/* The target path given to rk_file_atomic_open(). */
const char *rk_file_atomic_path(const rk_file_atomic *f);

/* Syncs the temporary file, renames it over the target and syncs the
 * folder. Frees f whatever happens; on failure the target is unchanged
 * (unless only the folder sync failed: then the message says so). */
int rk_file_atomic_commit(rk_file_atomic *f);

/* The same, but only if path does not exist yet (RK_EEXIST if it does):
 * for files that must never be replaced, such as a new private key. */
int rk_file_atomic_commit_new(rk_file_atomic *f);

/* Removes the temporary file and frees f; the target is unchanged. NULL
 * does nothing. */
void rk_file_atomic_abort(rk_file_atomic *f);

/* fsync()s the folder dir, so renames and new entries in it survive a
 * power cut. RK_EIO naming the folder. */
int rk_file_sync_dir(const char *dir);

/* Appends the whole file at path to out (bounded by out's maximum).
 * RK_ENOTFOUND if it does not exist, RK_ETOOBIG if it is larger than the
 * room left in out (out then keeps what it held before), RK_EIO otherwise;
 * every message names the file. */
int rk_file_read(rk_buf *out, const char *path);

#endif
