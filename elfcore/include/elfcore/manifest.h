/* Checksum manifests: prove a dump intact after it was copied or streamed.
 *
 * A manifest is a small text file beside the dump (DUMP.sha256 by default)
 * holding the SHA-256 of the whole file and of each block of it:
 *
 *   kdumpkit-manifest 1
 *   file vmcore                  (base name of the dump)
 *   size 31457280                (bytes)
 *   block-size 1048576
 *   sha256 <64 hex digits>       (the whole file: `sha256sum vmcore` prints it)
 *   block 0 <64 hex digits>      (bytes [0, block-size))
 *   block 1 <64 hex digits>
 *   ...                          (the last block may be short)
 *
 * The block hashes say WHERE a copy went wrong. The manifest is untrusted
 * text when verified: every line is checked, counts are capped by the size.
 */
#ifndef ELFCORE_MANIFEST_H
#define ELFCORE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "elfcore/context.h"

#define ELFCORE_MANIFEST_SUFFIX     ".sha256"
#define ELFCORE_MANIFEST_BLOCK_SIZE (1u << 20)

/* Hash dump_path and write its manifest to manifest_path (a new file, mode
 * 0600, written under a temporary name, fsynced and renamed; an existing file
 * is never replaced: -EEXIST). block_size 0 means ELFCORE_MANIFEST_BLOCK_SIZE.
 * threads > 1 hashes the blocks and the whole file at the same time.
 * Returns 0 or a negative errno with a message. */
ELFCORE_API int elfcore_manifest_write(struct elfcore_ctx *ctx, const char *dump_path,
				       const char *manifest_path, uint64_t block_size,
				       unsigned threads);

struct elfcore_sink;

/* Read exactly len bytes of the dump at off into buf: 0, or a negative errno
 * with a message in ctx. */
typedef int elfcore_manifest_read_fn(void *arg, struct elfcore_ctx *ctx, void *buf, size_t len,
				     uint64_t off);

/* The manifest of a dump that is not a local file (one on a collection host,
 * read back through SFTP): name is its base name (no '/'), size its bytes,
 * read() reads it in order, each byte once; the manifest goes to out, written
 * sequentially from offset 0 (the caller commits and closes out). Returns 0
 * or a negative errno with a message. */
ELFCORE_API int elfcore_manifest_write_reader(struct elfcore_ctx *ctx, const char *name,
					      uint64_t size, elfcore_manifest_read_fn *read,
					      void *arg, struct elfcore_sink *out,
					      uint64_t block_size);

/* The same in two steps, so the hashing can run while something else waits
 * (kdump-capture hashes the dump while its fsync runs):
 * compute: hash the file open at fd (offsets 0 to its size; name is for
 * messages) into *out (freed with elfcore_manifest_free());
 * save: write the manifest of the dump at dump_path (its base name is
 * recorded) to manifest_path, as elfcore_manifest_write() does. */
struct elfcore_manifest;
ELFCORE_API int elfcore_manifest_compute(struct elfcore_ctx *ctx, int fd, const char *name,
					 uint64_t block_size, unsigned threads,
					 struct elfcore_manifest **out);
ELFCORE_API int elfcore_manifest_save(struct elfcore_ctx *ctx, const struct elfcore_manifest *m,
				      const char *dump_path, const char *manifest_path);
ELFCORE_API void elfcore_manifest_free(struct elfcore_manifest *m);

struct elfcore_manifest_result {
	uint64_t size;              /* bytes the manifest announces */
	uint64_t actual_size;       /* bytes of the dump file */
	uint64_t blocks;            /* blocks listed */
	uint64_t bad_blocks;        /* blocks whose hash differs (or are missing) */
	uint64_t first_bad;         /* index of the first bad block (when bad_blocks) */
	int whole_ok;               /* the whole-file hash matches */
	char file[256];             /* the file name the manifest names */
};

/* Check dump_path against manifest_path. dump_path NULL: the file the
 * manifest names, in the manifest's directory. Returns 0 when everything
 * matches; -EIO when the dump differs (res says where, the message names the
 * first bad block); -EINVAL for a malformed manifest; other negative errno for
 * I/O errors. res may be NULL. */
ELFCORE_API int elfcore_manifest_verify(struct elfcore_ctx *ctx, const char *manifest_path,
					const char *dump_path,
					struct elfcore_manifest_result *res);

#endif
