/*
 * HQ's archive store: the bytes of the branches' uploads (document images,
 * signed forms, task records), behind one interface like the database's
 * (store.h), so a fleet can put them on object storage instead of the
 * filesystem backend here (archive_fs.c).
 *
 * An upload is an object addressed by (branch, id) that grows by appends
 * at its current end. The current end is the object's size as stored, so
 * after rahq is killed and restarted the offset it reports is exactly what
 * it kept. One append at a time per object: a second writer is refused
 * (RK_EBUSY), as a duplicated PATCH must not interleave bytes.
 *
 * A writer either keeps what it wrote (flushed to the disk before
 * rk_hq_archive_end returns) or drops it (the object is cut back to where
 * the writer began): a chunk whose checksum fails leaves nothing behind.
 */
#ifndef RK_HQ_ARCHIVE_H
#define RK_HQ_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

typedef struct rk_hq_archive rk_hq_archive;
typedef struct rk_hq_archive_writer rk_hq_archive_writer;

typedef struct rk_hq_archive_ops {
    const char *name;
    void (*close)(rk_hq_archive *a);
    /* A new empty object. RK_EEXIST if it exists. */
    int (*create)(rk_hq_archive *a, const char *branch, const char *id);
    /* Its current size; RK_ENOTFOUND. */
    int (*offset)(rk_hq_archive *a, const char *branch, const char *id, int64_t *off);
    /* Starts appending at offset: RK_ESTATE (and *actual) if the object's
     * size differs, RK_EBUSY if another writer holds it, RK_ENOTFOUND. */
    int (*begin)(rk_hq_archive *a, const char *branch, const char *id, int64_t offset,
                 int64_t *actual, rk_hq_archive_writer **w);
    int (*write)(rk_hq_archive_writer *w, const void *p, size_t n);
    /* Ends the writer: keep (flushed) or drop; *offset is the size after. */
    int (*end)(rk_hq_archive_writer *w, int keep, int64_t *offset);
    /* SHA-256 (lower-case hex) of the object's bytes. */
    int (*sha256)(rk_hq_archive *a, const char *branch, const char *id, char out[65]);
    int (*remove)(rk_hq_archive *a, const char *branch, const char *id);
} rk_hq_archive_ops;

struct rk_hq_archive {
    const rk_hq_archive_ops *ops;
};

/* The filesystem store under root: root/<branch>/<id>. */
int rk_hq_archive_open_fs(rk_hq_archive **out, const char *root);

void rk_hq_archive_close(rk_hq_archive *a);

#endif
