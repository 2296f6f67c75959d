/*
 * The document store: subscribers' document images (ID cards, business
 * licences) kept outside the database row, sealed, content-addressed.
 *
 * The address of a document is the SHA-256 of its plaintext, in lower-case
 * hex; the order row stores only that address. The file dir/ab/cdef...
 * (first two hex digits as a subdirectory, the other 62 as the name) holds
 * the bytes sealed with the data key (util/seal.h), with the address as the
 * authenticated context, so a file copied to another address fails to open.
 * Putting the same content twice is a no-op; reading verifies both the seal
 * and that the plaintext hashes to its address.
 *
 * Crash safety: a put replaces its address with rk_file_write_atomic (a
 * temporary file in the same directory, fsynced, renamed, the directory
 * fsynced). After a crash the address either does not exist or holds the
 * complete sealed file; a stale hidden temporary file (".NAME.XXXXXX") may
 * remain, which nothing reads and which may be deleted.
 * The ledger puts a document BEFORE committing the row that refers to it,
 * so a crash can leave an unreferenced file (harmless) but never a row
 * pointing at a missing or half-written document.
 */
#ifndef RK_DOCSTORE_H
#define RK_DOCSTORE_H

#include "util/buf.h"

#include <stddef.h>

/* Stores data[0..len) sealed under key in dir (created 0700 if missing) and
 * writes its address (64 hex + NUL) to sha256_hex. If the address already
 * holds a file of the right size nothing is written; a file of the wrong
 * size (damaged) is replaced. RK_EIO (the message names the path),
 * RK_ECRYPTO, RK_ENOMEM. */
int rk_docstore_put(const char *dir, const unsigned char key[32], const unsigned char *data,
                    size_t len, char sha256_hex[65]);

/* Reads the document at sha256_hex and APPENDS its plaintext to out (whose
 * maximum bounds the size read). RK_EINVAL if sha256_hex is not 64
 * lower-case hex digits; RK_ENOTFOUND if there is no such document;
 * RK_EVERIFY if the file was altered, moved from another address or sealed
 * with another key (GCM cannot tell these apart), or its plaintext does not
 * hash to its address; RK_ETOOBIG past out's maximum; RK_EIO. On failure
 * out is left as it was. */
int rk_docstore_get(rk_buf *out, const char *dir, const unsigned char key[32],
                    const char *sha256_hex);

/* 1 if a document file exists at sha256_hex, 0 if not; RK_EINVAL for a
 * malformed address. Does not open or verify it. */
int rk_docstore_exists(const char *dir, const char *sha256_hex);

/* The file path of an address into out. RK_EINVAL for a malformed address
 * or a path that does not fit. */
int rk_docstore_path(char *out, size_t n, const char *dir, const char *sha256_hex);

#endif
