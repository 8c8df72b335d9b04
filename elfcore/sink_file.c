/* File and sequential-fd sink backends (elfcore/include/elfcore/sink.h).
 *
 * The file backend writes a temporary "PATH.partXXXXXX" and renames it at
 * commit, so that nobody ever opens a half-written dump under its final name.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ec_priv.h"
#include "elfcore/sink.h"

struct file_sink {
	int fd;
	unsigned flags;
	char *path;      /* the final name */
	char *tmp;       /* where the data is until commit; NULL with ELFCORE_SINK_DIRECT */
	uint64_t unkicked;  /* bytes written since writeback was last started */
};

/* Start writeback every WRITEBACK_KICK bytes, so that the disk works while the
 * dump is being made and the final fsync() waits for the tail only. */
#define WRITEBACK_KICK (8u << 20)

static int write_all_at(struct elfcore_ctx *ctx, int fd, const char *name, const void *buf,
			size_t len, uint64_t offset)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;

			return ec_err(ctx, -err, "%s: write of %zu bytes at offset %llu: %s", name,
				      len, (unsigned long long)offset, strerror(err));
		}
		p += n;
		len -= (size_t)n;
		offset += (uint64_t)n;
	}
	return 0;
}

static int file_pwrite(void *priv, struct elfcore_ctx *ctx, const void *buf, size_t len,
		       uint64_t offset)
{
	struct file_sink *f = priv;
	int ret = write_all_at(ctx, f->fd, f->path, buf, len, offset);

	f->unkicked += len;
	if (!ret && f->unkicked >= WRITEBACK_KICK && !(f->flags & ELFCORE_SINK_NO_SYNC)) {
		/* A hint: errors show at fsync(). */
		(void)sync_file_range(f->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		f->unkicked = 0;
	}
	return ret;
}

static int file_sync(void *priv, struct elfcore_ctx *ctx)
{
	struct file_sink *f = priv;

	if (f->flags & ELFCORE_SINK_NO_SYNC)
		return 0;
	if (fsync(f->fd) < 0)
		return ec_err(ctx, -errno, "%s: fsync: %s", f->path, strerror(errno));
	return 0;
}

/* fsync the directory holding path, so that a rename survives a power cut. */
static int sync_dir(struct elfcore_ctx *ctx, const char *path)
{
	char *copy = strdup(path);
	int fd, ret = 0;

	if (!copy)
		return ec_err(ctx, -ENOMEM, "%s: out of memory", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		ret = ec_err(ctx, -errno, "%s: fsync of its directory: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(copy);
	return ret;
}

/* rename(from, to) that fails with -EEXIST instead of replacing to. */
static int rename_noreplace(const char *from, const char *to)
{
	struct stat st;

	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -errno;
	/* File systems without RENAME_NOREPLACE: link() refuses to replace too. */
	if (link(from, to) == 0)
		return unlink(from) < 0 ? -errno : 0;
	if (errno == EEXIST)
		return -EEXIST;
	/* Nor hard links (vfat): check, then rename; the race is the caller's. */
	if (lstat(to, &st) == 0)
		return -EEXIST;
	return rename(from, to) < 0 ? -errno : 0;
}

static int file_commit(void *priv, struct elfcore_ctx *ctx)
{
	struct file_sink *f = priv;
	int ret;

	if (!f->tmp)
		return 0;
	if (f->flags & ELFCORE_SINK_REPLACE)
		ret = rename(f->tmp, f->path) < 0 ? -errno : 0;
	else
		ret = rename_noreplace(f->tmp, f->path);
	if (ret == -EEXIST)
		return ec_err(ctx, ret, "%s: appeared while the dump was written; kept in %s",
			      f->path, f->tmp);
	if (ret < 0)
		return ec_err(ctx, ret, "%s: rename from %s: %s", f->path, f->tmp, strerror(-ret));
	free(f->tmp);
	f->tmp = NULL;
	if (f->flags & ELFCORE_SINK_NO_SYNC)
		return 0;
	return sync_dir(ctx, f->path);
}

static int file_abort(void *priv, struct elfcore_ctx *ctx)
{
	struct file_sink *f = priv;
	char *keep;
	int ret = 0;

	if (!f->tmp)
		return 0;
	if (!(f->flags & ELFCORE_SINK_KEEP_PARTIAL)) {
		if (unlink(f->tmp) < 0 && errno != ENOENT)
			return ec_err(ctx, -errno, "%s: %s", f->tmp, strerror(errno));
		free(f->tmp);
		f->tmp = NULL;
		return 0;
	}
	if (!(f->flags & ELFCORE_SINK_NO_SYNC))
		(void)fsync(f->fd); /* best effort: the dump already failed */
	if (asprintf(&keep, "%s.incomplete", f->path) < 0)
		return ec_err(ctx, -ENOMEM, "%s: out of memory", f->path);
	if (rename_noreplace(f->tmp, keep) == 0) {
		free(f->tmp);
		f->tmp = keep;
		if (!(f->flags & ELFCORE_SINK_NO_SYNC))
			(void)sync_dir(ctx, keep);
	} else {
		free(keep);       /* PATH.incomplete exists: the data stays under tmp */
	}
	return ret;
}

static int file_close(void *priv, struct elfcore_ctx *ctx)
{
	struct file_sink *f = priv;
	int ret = 0;

	if (f->fd >= 0 && close(f->fd) < 0)
		ret = ec_err(ctx, -errno, "%s: close: %s", f->path, strerror(errno));
	free(f->tmp);
	free(f->path);
	free(f);
	return ret;
}

static int file_open_read(void *priv, struct elfcore_ctx *ctx)
{
	struct file_sink *f = priv;
	const char *name = f->tmp ? f->tmp : f->path;
	int fd = open(name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ec_err(ctx, -errno, "%s: %s", name, strerror(errno));
	return fd;
}

static const struct elfcore_sink_ops file_ops = {
	.open_read = file_open_read,
	.pwrite = file_pwrite,
	.sync = file_sync,
	.close = file_close,
	.commit = file_commit,
	.abort = file_abort,
};

int elfcore_sink_open_file(struct elfcore_ctx *ctx, const char *path, unsigned flags,
			   struct elfcore_sink **out)
{
	struct file_sink *f;
	struct stat st;
	int ret;

	*out = NULL;
	if (!(flags & ELFCORE_SINK_REPLACE) && lstat(path, &st) == 0)
		return ec_err(ctx, -EEXIST, "%s: already exists; refusing to overwrite it", path);
	f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(path))) {
		free(f);
		return ec_err(ctx, -ENOMEM, "%s: out of memory", path);
	}
	f->flags = flags;
	if (flags & ELFCORE_SINK_DIRECT) {
		f->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	} else if (asprintf(&f->tmp, "%s.partXXXXXX", path) < 0) {
		f->tmp = NULL;
		f->fd = -1;
		errno = ENOMEM;
	} else {
		f->fd = mkostemp(f->tmp, O_CLOEXEC); /* O_EXCL, mode 0600 */
	}
	if (f->fd < 0) {
		ret = ec_err(ctx, -errno, "%s: cannot create: %s",
			     f->tmp ? f->tmp : path, strerror(errno));
		free(f->tmp);
		f->tmp = NULL; /* nothing to remove */
		file_close(f, ctx);
		return ret;
	}
	return elfcore_sink_new(ctx, &file_ops, f, out);
}

/* ---- Sequential fd ------------------------------------------------------- */

struct fd_sink {
	int fd;
	uint64_t pos;
	char name[64];
};

static int fd_pwrite(void *priv, struct elfcore_ctx *ctx, const void *buf, size_t len,
		     uint64_t offset)
{
	struct fd_sink *s = priv;
	const char *p = buf;

	if (offset != s->pos)
		return ec_err(ctx, -ESPIPE, "%s: write at offset %llu, stream is at %llu",
			      s->name, (unsigned long long)offset, (unsigned long long)s->pos);
	while (len) {
		ssize_t n = write(s->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;

			return ec_err(ctx, -err, "%s: write at stream offset %llu: %s", s->name,
				      (unsigned long long)s->pos, strerror(err));
		}
		p += n;
		len -= (size_t)n;
		s->pos += (uint64_t)n;
	}
	return 0;
}

static int fd_sync(void *priv, struct elfcore_ctx *ctx)
{
	struct fd_sink *s = priv;

	/* Pipes and sockets cannot be synced; a regular file can. */
	if (fdatasync(s->fd) < 0 && errno != EINVAL && errno != EROFS)
		return ec_err(ctx, -errno, "%s: sync: %s", s->name, strerror(errno));
	return 0;
}

static int fd_close(void *priv, struct elfcore_ctx *ctx)
{
	free(priv);
	return 0;
}

static const struct elfcore_sink_ops fd_ops = {
	.pwrite = fd_pwrite,
	.sync = fd_sync,
	.close = fd_close,
	.sequential = 1,
};

int elfcore_sink_open_fd(struct elfcore_ctx *ctx, int fd, const char *name,
			 struct elfcore_sink **out)
{
	struct fd_sink *s;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ec_err(ctx, -ENOMEM, "%s: out of memory", name ? name : "fd");
	s->fd = fd;
	snprintf(s->name, sizeof(s->name), "%s", name ? name : "output");
	return elfcore_sink_new(ctx, &fd_ops, s, out);
}
