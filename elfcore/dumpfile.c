/* The file layer under the dump readers: exact positioned reads of a plain
 * file, or of a flattened stream through its record index. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format_priv.h"

int ec_file_open(struct elfcore_ctx *ctx, const char *path, struct ec_file **out)
{
	struct ec_file *f;
	struct stat st;
	int ret;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return ec_err(ctx, -ENOMEM, "%s: out of memory", path);
	f->fd = -1;
	f->path = strdup(path);
	if (!f->path) {
		ret = ec_err(ctx, -ENOMEM, "%s: out of memory", path);
		goto fail;
	}
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		ret = -errno;
		ec_err(ctx, ret, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(f->fd, &st) < 0) {
		ret = -errno;
		ec_err(ctx, ret, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = ec_err(ctx, -EISDIR, "%s: is a directory", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		ret = ec_err(ctx, -EINVAL, "%s: not a regular file (a flattened stream on a pipe "
			     "must be saved to a file first)", path);
		goto fail;
	}
	f->disk_size = f->size = (uint64_t)st.st_size;
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(f->fd, 0, SEEK_END);

		if (end > 0)
			f->disk_size = f->size = (uint64_t)end;
	}
	ret = ec_flat_index(ctx, f);
	if (ret < 0) {
		elfcore_ctx_prefix(ctx, ret, "%s", path);
		goto fail;
	}
	*out = f;
	return 0;
fail:
	ec_file_close(f);
	return ret;
}

void ec_file_close(struct ec_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	ec_flat_free(f->flat);
	free(f->path);
	free(f);
}

/* pread of the file on disk, exact. */
static int raw_pread(struct elfcore_ctx *ctx, struct ec_file *f, void *buf, size_t len,
		     uint64_t off, const char *what)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(f->fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ec_err(ctx, -EIO, "%s: reading %s at offset %llu: %s", f->path, what,
				      (unsigned long long)(off + done), strerror(errno));
		}
		if (n == 0)
			return ec_err(ctx, -EIO, "%s: %s at offset %llu: file ends at %llu", f->path,
				      what, (unsigned long long)off, (unsigned long long)(off + done));
		done += (size_t)n;
	}
	return 0;
}

int ec_file_pread(struct elfcore_ctx *ctx, struct ec_file *f, void *buf, size_t len,
		  uint64_t off, const char *what)
{
	if (off > f->size || len > f->size - off)
		return ec_err(ctx, -EIO, "%s: %s (%zu bytes at offset %llu) past the end of the "
			      "file (%llu bytes)", f->path, what, len, (unsigned long long)off,
			      (unsigned long long)f->size);
	if (!f->flat)
		return raw_pread(ctx, f, buf, len, off, what);
	return ec_flat_pread(ctx, f, buf, len, off);
}

int ec_file_read_blob(struct elfcore_ctx *ctx, struct ec_file *f, uint64_t off, uint64_t size,
		      uint64_t cap, const char *what, uint8_t **out)
{
	uint8_t *buf;
	int ret;

	*out = NULL;
	if (size > cap)
		return ec_err(ctx, -EINVAL, "%s: %s of %llu bytes, more than the %llu allowed",
			      f->path, what, (unsigned long long)size, (unsigned long long)cap);
	/* A flattened stream's rebuilt size may be huge with holes; real data
	 * cannot be larger than the stream itself. */
	if (f->flat && size > f->disk_size)
		return ec_err(ctx, -EINVAL, "%s: %s of %llu bytes, larger than the whole stream",
			      f->path, what, (unsigned long long)size);
	if (off > f->size || size > f->size - off)
		return ec_err(ctx, -EIO, "%s: %s (%llu bytes at offset %llu) past the end of the "
			      "file (%llu bytes)", f->path, what, (unsigned long long)size,
			      (unsigned long long)off, (unsigned long long)f->size);
	buf = malloc((size_t)size + 1);
	if (!buf)
		return ec_err(ctx, -ENOMEM, "%s: %s: out of memory", f->path, what);
	ret = ec_file_pread(ctx, f, buf, (size_t)size, off, what);
	if (ret) {
		free(buf);
		return ret;
	}
	buf[size] = 0;
	*out = buf;
	return 0;
}
