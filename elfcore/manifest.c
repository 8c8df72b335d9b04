/* Checksum manifests (elfcore/manifest.h): SHA-256 of a dump, whole and per block. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ec_priv.h"
#include "elfcore/manifest.h"
#include "elfcore/sink.h"

#define MANIFEST_MAGIC    "kdumpkit-manifest 1"
#define MANIFEST_MAX_LINE 512
#define IO_CHUNK          (1u << 20)
#define MAX_BLOCK_SIZE    (1ull << 30)

static void hex(const unsigned char *md, char out[65])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[64] = '\0';
}

/* Read exactly len bytes at off (short only at end of file: *got). */
static int read_at(int fd, void *buf, size_t len, uint64_t off, size_t *got)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*got = done;
	return 0;
}

/* Whether [off, off + len) of fd, a file of size bytes, is a hole: it reads
 * as zeros, so it need not be read, and a block of it always has the same
 * hash. An ELF dump at level 0 is mostly holes (its zero pages). SEEK_DATA
 * also sees data still in the page cache; a file system without it reports
 * everything as data. fd < 0: not known, so not a hole. */
static int is_hole(int fd, uint64_t size, uint64_t off, size_t len)
{
	off_t data;

	if (fd < 0 || off + len > size)
		return 0;
	data = lseek(fd, (off_t)off, SEEK_DATA);
	if (data < 0)
		return errno == ENXIO;      /* no data from off to the end */
	return (uint64_t)data >= off + len;
}

/* len bytes at off into buf, zeros without a read where it is a hole;
 * *zeroed says buf already holds zeros (cap bytes of them). */
static int read_or_hole(int fd, uint64_t size, void *buf, size_t cap, size_t len, uint64_t off,
			int *zeroed, size_t *got)
{
	if (is_hole(fd, size, off, len)) {
		if (!*zeroed)
			memset(buf, 0, cap);
		*zeroed = 1;
		*got = len;
		return 0;
	}
	*zeroed = 0;
	return read_at(fd, buf, len, off, got);
}

/* Block hashes: a hole block's hash is computed once, then reused. */
struct block_hasher {
	EVP_MD_CTX *mc;
	unsigned char zero_md[32];
	size_t zero_len;            /* the length zero_md is the hash of; 0: none yet */
};

static int block_digest(struct block_hasher *h, const void *buf, size_t len, int hole,
			unsigned char md[32])
{
	if (hole && h->zero_len == len) {
		memcpy(md, h->zero_md, 32);
		return 0;
	}
	if (!EVP_DigestInit_ex(h->mc, EVP_sha256(), NULL) || !EVP_DigestUpdate(h->mc, buf, len) ||
	    !EVP_DigestFinal_ex(h->mc, md, NULL))
		return -EIO;
	if (hole) {
		memcpy(h->zero_md, md, 32);
		h->zero_len = len;
	}
	return 0;
}

/* SHA-256 of the whole file, on its own thread when asked. */
struct whole_job {
	int fd;
	uint64_t size;
	unsigned char md[32];
	int err;
};

static void *whole_hash(void *arg)
{
	struct whole_job *j = arg;
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	unsigned char *buf = malloc(IO_CHUNK);
	uint64_t off = 0;
	int zeroed = 0;

	j->err = -ENOMEM;
	if (!mc || !buf || !EVP_DigestInit_ex(mc, EVP_sha256(), NULL))
		goto out;
	j->err = 0;
	while (off < j->size) {
		size_t want = j->size - off < IO_CHUNK ? (size_t)(j->size - off) : IO_CHUNK, got;

		j->err = read_or_hole(j->fd, j->size, buf, IO_CHUNK, want, off, &zeroed, &got);
		if (!j->err && got != want)
			j->err = -EIO;          /* the file shrank under us */
		if (j->err)
			goto out;
		EVP_DigestUpdate(mc, buf, got);
		off += got;
	}
	if (!EVP_DigestFinal_ex(mc, j->md, NULL))
		j->err = -EIO;
out:
	free(buf);
	EVP_MD_CTX_free(mc);
	return NULL;
}

static int put(struct elfcore_sink *sink, uint64_t *off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int put(struct elfcore_sink *sink, uint64_t *off, const char *fmt, ...)
{
	char line[MANIFEST_MAX_LINE];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = (int)strlen(line);
	*off += (uint64_t)n;
	return elfcore_sink_pwrite(sink, line, (size_t)n, *off - (uint64_t)n);
}

/* Called with each block's hash, in order. */
typedef int block_fn(void *arg, uint64_t nr, const unsigned char md[32]);

/* Hash size bytes read through read(): each block to fn, the whole file to
 * whole_md. whole NULL: the whole-file hash is updated from the same reads;
 * else whole->fd is hashed on a thread of its own at the same time (threaded)
 * or afterwards. hole_fd >= 0: the dump's descriptor, whose holes are not
 * read (is_hole()). */
static int hash_dump(struct elfcore_ctx *ctx, const char *name, uint64_t size,
		     uint64_t block_size, elfcore_manifest_read_fn *read, void *arg, int hole_fd,
		     struct whole_job *whole, int threaded, block_fn *fn, void *fn_arg,
		     unsigned char whole_md[32])
{
	struct block_hasher bh = { .mc = EVP_MD_CTX_new() };
	EVP_MD_CTX *wc = whole ? NULL : EVP_MD_CTX_new();
	unsigned char *buf = malloc(block_size), md[32];
	uint64_t off = 0, nr = 0;
	pthread_t tid;
	int ret = 0, zeroed = 0;

	if (!buf || !bh.mc || (!whole && (!wc || !EVP_DigestInit_ex(wc, EVP_sha256(), NULL)))) {
		ret = ec_err(ctx, -ENOMEM, "out of memory");
		goto out;
	}
	if (whole && threaded && pthread_create(&tid, NULL, whole_hash, whole))
		threaded = 0;
	while (off < size) {
		size_t want = size - off < block_size ? (size_t)(size - off) : (size_t)block_size;
		int hole = is_hole(hole_fd, size, off, want);

		if (hole && !zeroed)
			memset(buf, 0, block_size);
		zeroed = hole;
		ret = hole ? 0 : read(arg, ctx, buf, want, off);
		if (ret)
			break;
		if (block_digest(&bh, buf, want, hole, md) || (wc && !EVP_DigestUpdate(wc, buf, want))) {
			ret = ec_err(ctx, -EIO, "SHA-256 failed");
			break;
		}
		ret = fn(fn_arg, nr++, md);
		if (ret)
			break;
		off += want;
	}
	if (whole && threaded)
		pthread_join(tid, NULL);
	else if (whole && !ret)
		whole_hash(whole);
	if (ret)
		goto out;
	if (whole && whole->err) {
		ret = ec_err(ctx, whole->err, "%s: hashing: %s", name, strerror(-whole->err));
		goto out;
	}
	if (wc && !EVP_DigestFinal_ex(wc, whole_md, NULL)) {
		ret = ec_err(ctx, -EIO, "SHA-256 failed");
		goto out;
	}
	if (whole)
		memcpy(whole_md, whole->md, 32);
out:
	EVP_MD_CTX_free(wc);
	EVP_MD_CTX_free(bh.mc);
	free(buf);
	return ret;
}

struct line_out {
	struct elfcore_sink *sink;
	uint64_t off;
};

static int put_block(void *arg, uint64_t nr, const unsigned char md[32])
{
	struct line_out *lo = arg;
	char hx[65];

	hex(md, hx);
	return put(lo->sink, &lo->off, "block %" PRIu64 " %s\n", nr, hx);
}

static void put_header(struct line_out *lo, const char *name, uint64_t size, uint64_t block_size)
{
	put(lo->sink, &lo->off, "%s\nfile %s\nsize %" PRIu64 "\nblock-size %" PRIu64 "\n",
	    MANIFEST_MAGIC, name, size, block_size);
}

static int put_whole(struct line_out *lo, const unsigned char md[32])
{
	char hx[65];

	hex(md, hx);
	return put(lo->sink, &lo->off, "sha256 %s\n", hx);
}

/* The manifest of size bytes read through read(), to sink, as it is hashed. */
static int emit(struct elfcore_ctx *ctx, const char *name, uint64_t size, uint64_t block_size,
		elfcore_manifest_read_fn *read, void *arg, int hole_fd, struct whole_job *whole,
		int threaded, struct elfcore_sink *sink)
{
	struct line_out lo = { .sink = sink };
	unsigned char md[32];
	int ret;

	put_header(&lo, name, size, block_size);
	ret = hash_dump(ctx, name, size, block_size, read, arg, hole_fd, whole, threaded, put_block,
			&lo, md);
	return ret ? ret : put_whole(&lo, md);
}

struct fd_reader {
	int fd;
	const char *path;
};

static int fd_read(void *arg, struct elfcore_ctx *ctx, void *buf, size_t len, uint64_t off)
{
	struct fd_reader *r = arg;
	size_t got;
	int ret = read_at(r->fd, buf, len, off, &got);

	if (!ret && got != len)
		ret = -EIO;
	if (ret)
		return ec_err(ctx, ret, "%s: reading at %" PRIu64 ": %s", r->path, off,
			      ret == -EIO ? "file shrank while hashing" : strerror(-ret));
	return 0;
}

static int check_block_size(struct elfcore_ctx *ctx, uint64_t *block_size)
{
	if (!*block_size)
		*block_size = ELFCORE_MANIFEST_BLOCK_SIZE;
	if (*block_size > MAX_BLOCK_SIZE)
		return ec_err(ctx, -EINVAL, "manifest block size %" PRIu64 ": too large", *block_size);
	return 0;
}

int elfcore_manifest_write(struct elfcore_ctx *ctx, const char *dump_path,
			   const char *manifest_path, uint64_t block_size, unsigned threads)
{
	struct whole_job whole = { .fd = -1 };
	struct elfcore_sink *sink = NULL;
	struct fd_reader rd = { .path = dump_path };
	char *name_copy = NULL;
	int ret, fd = -1;
	struct stat st;

	ret = check_block_size(ctx, &block_size);
	if (ret)
		return ret;
	fd = open(dump_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ec_err(ctx, -errno, "%s: %s", dump_path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = ec_err(ctx, -errno, "%s: %s", dump_path, strerror(errno));
		goto out;
	}
	name_copy = strdup(dump_path);
	if (!name_copy) {
		ret = ec_err(ctx, -ENOMEM, "out of memory");
		goto out;
	}
	ret = elfcore_sink_open_file(ctx, manifest_path, 0, &sink);
	if (ret)
		goto out;
	whole.fd = rd.fd = fd;
	whole.size = (uint64_t)st.st_size;
	/* One thread: both hashes from the same reads. */
	ret = emit(ctx, basename(name_copy), (uint64_t)st.st_size, block_size, fd_read, &rd, fd,
		   threads > 1 ? &whole : NULL, threads > 1, sink);
	if (!ret)
		ret = elfcore_sink_commit(sink);
out:
	if (sink) {
		int r = elfcore_sink_close(sink);

		if (!ret)
			ret = r;
	}
	free(name_copy);
	if (fd >= 0)
		close(fd);
	return ret;
}

int elfcore_manifest_write_reader(struct elfcore_ctx *ctx, const char *name, uint64_t size,
				  elfcore_manifest_read_fn *read, void *arg,
				  struct elfcore_sink *out, uint64_t block_size)
{
	int ret = check_block_size(ctx, &block_size);

	if (!ret && (!name[0] || strchr(name, '/') || strchr(name, '\n')))
		ret = ec_err(ctx, -EINVAL, "manifest: %s: expected a plain file name", name);
	return ret ? ret : emit(ctx, name, size, block_size, read, arg, -1, NULL, 0, out);
}

/* ---- in two steps: hash (e.g. while the dump is synced), then save ---- */

struct elfcore_manifest {
	uint64_t size, block_size, nblocks;
	unsigned char whole[32];
	unsigned char (*blocks)[32];
};

static int keep_block(void *arg, uint64_t nr, const unsigned char md[32])
{
	struct elfcore_manifest *m = arg;

	if (nr >= m->nblocks)
		return -EIO;           /* cannot happen: size was fixed first */
	memcpy(m->blocks[nr], md, 32);
	return 0;
}

void elfcore_manifest_free(struct elfcore_manifest *m)
{
	if (!m)
		return;
	free(m->blocks);
	free(m);
}

int elfcore_manifest_compute(struct elfcore_ctx *ctx, int fd, const char *name,
			     uint64_t block_size, unsigned threads, struct elfcore_manifest **out)
{
	struct whole_job whole = { .fd = fd };
	struct fd_reader rd = { .fd = fd, .path = name };
	struct elfcore_manifest *m = NULL;
	struct stat st;
	int ret;

	*out = NULL;
	ret = check_block_size(ctx, &block_size);
	if (ret)
		return ret;
	if (fstat(fd, &st) < 0)
		return ec_err(ctx, -errno, "%s: %s", name, strerror(errno));
	m = calloc(1, sizeof(*m));
	if (m) {
		m->size = whole.size = (uint64_t)st.st_size;
		m->block_size = block_size;
		m->nblocks = (m->size + block_size - 1) / block_size;
		m->blocks = malloc((m->nblocks ? m->nblocks : 1) * sizeof(*m->blocks));
	}
	if (!m || !m->blocks) {
		elfcore_manifest_free(m);
		return ec_err(ctx, -ENOMEM, "out of memory");
	}
	/* One thread: both hashes from the same reads. Two: the whole-file
	 * hash reads on its own thread. */
	ret = hash_dump(ctx, name, m->size, block_size, fd_read, &rd, fd,
			threads > 1 ? &whole : NULL, threads > 1, keep_block, m, m->whole);
	if (ret)
		elfcore_manifest_free(m);
	else
		*out = m;
	return ret;
}

int elfcore_manifest_save(struct elfcore_ctx *ctx, const struct elfcore_manifest *m,
			  const char *dump_path, const char *manifest_path)
{
	struct line_out lo = { 0 };
	char *name_copy = strdup(dump_path);
	int ret;

	if (!name_copy)
		return ec_err(ctx, -ENOMEM, "out of memory");
	ret = elfcore_sink_open_file(ctx, manifest_path, 0, &lo.sink);
	if (ret)
		goto out;
	put_header(&lo, basename(name_copy), m->size, m->block_size);
	for (uint64_t nr = 0; nr < m->nblocks; nr++)
		put_block(&lo, nr, m->blocks[nr]);
	put_whole(&lo, m->whole);
	ret = elfcore_sink_commit(lo.sink);
out:
	if (lo.sink) {
		int r = elfcore_sink_close(lo.sink);

		if (!ret)
			ret = r;
	}
	free(name_copy);
	return ret;
}

/* ---- verification ---- */

static int parse_hex(const char *s, unsigned char md[32])
{
	for (int i = 0; i < 32; i++) {
		unsigned v = 0;

		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else
				return -1;
		}
		md[i] = (unsigned char)v;
	}
	return s[64] == '\0' ? 0 : -1;
}

/* Next line of the manifest without its newline; -EINVAL when too long or
 * not terminated, 1 at end of file. */
static int next_line(FILE *f, char *line, size_t cap, unsigned long lineno)
{
	size_t n;

	if (!fgets(line, (int)cap, f))
		return 1;
	n = strlen(line);
	if (!n || line[n - 1] != '\n')
		return -EINVAL;
	line[n - 1] = '\0';
	(void)lineno;
	return 0;
}

int elfcore_manifest_verify(struct elfcore_ctx *ctx, const char *manifest_path,
			    const char *dump_path, struct elfcore_manifest_result *res)
{
	struct elfcore_manifest_result local;
	char line[MANIFEST_MAX_LINE], path[4096];
	unsigned char want[32], md[32], whole_md[32];
	struct block_hasher bh = { 0 };
	EVP_MD_CTX *whole = NULL;
	unsigned char *buf = NULL;
	uint64_t size = 0, bs = 0, idx, nblocks, off = 0;
	unsigned long lineno = 0;
	int fd = -1, ret = 0, r, zeroed = 0;
	FILE *f;
	struct stat st;

	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));
	f = fopen(manifest_path, "re");
	if (!f)
		return ec_err(ctx, -errno, "%s: %s", manifest_path, strerror(errno));

#define BAD(...) do { ret = ec_err(ctx, -EINVAL, __VA_ARGS__); goto out; } while (0)
	if (next_line(f, line, sizeof(line), ++lineno) || strcmp(line, MANIFEST_MAGIC))
		BAD("%s: not a kdumpkit manifest (line 1)", manifest_path);
	if (next_line(f, line, sizeof(line), ++lineno) || strncmp(line, "file ", 5) || !line[5] ||
	    strchr(line + 5, '/') || strlen(line + 5) >= sizeof(res->file))
		BAD("%s: line 2: expected \"file NAME\"", manifest_path);
	strcpy(res->file, line + 5);
	if (next_line(f, line, sizeof(line), ++lineno) ||
	    sscanf(line, "size %" SCNu64, &size) != 1 || size > (1ull << 56))
		BAD("%s: line 3: expected \"size BYTES\"", manifest_path);
	if (next_line(f, line, sizeof(line), ++lineno) ||
	    sscanf(line, "block-size %" SCNu64, &bs) != 1 || !bs || bs > MAX_BLOCK_SIZE)
		BAD("%s: line 4: expected \"block-size BYTES\"", manifest_path);
	res->size = size;
	nblocks = (size + bs - 1) / bs;

	if (!dump_path) {
		char dir[4096];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", manifest_path);
		slash = strrchr(dir, '/');
		if (slash) {
			slash[1] = '\0';
			snprintf(path, sizeof(path), "%s%s", dir, res->file);
		} else {
			snprintf(path, sizeof(path), "%s", res->file);
		}
		dump_path = path;
	}
	fd = open(dump_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = ec_err(ctx, -errno, "%s: %s", dump_path, strerror(errno));
		goto out;
	}
	res->actual_size = (uint64_t)st.st_size;
	buf = malloc(bs);
	bh.mc = EVP_MD_CTX_new();
	whole = EVP_MD_CTX_new();
	if (!buf || !bh.mc || !whole || !EVP_DigestInit_ex(whole, EVP_sha256(), NULL)) {
		ret = ec_err(ctx, -ENOMEM, "out of memory");
		goto out;
	}

	for (idx = 0; idx < nblocks; idx++) {
		uint64_t n;
		char hx[65];
		size_t want_len = size - off < bs ? (size_t)(size - off) : (size_t)bs, got = 0;

		if (next_line(f, line, sizeof(line), ++lineno) ||
		    sscanf(line, "block %" SCNu64 " %64s", &n, hx) != 2 || n != idx ||
		    parse_hex(hx, want))
			BAD("%s: line %lu: expected \"block %" PRIu64 " SHA256\"", manifest_path,
			    lineno, idx);
		res->blocks++;
		r = read_or_hole(fd, res->actual_size, buf, (size_t)bs, want_len, off, &zeroed, &got);
		if (r) {
			ret = ec_err(ctx, r, "%s: reading at %" PRIu64 ": %s", dump_path, off,
				     strerror(-r));
			goto out;
		}
		EVP_DigestUpdate(whole, buf, got);
		if (got != want_len || block_digest(&bh, buf, got, zeroed, md) ||
		    memcmp(md, want, 32)) {
			if (!res->bad_blocks++)
				res->first_bad = idx;
		}
		off += want_len;
	}
	if (next_line(f, line, sizeof(line), ++lineno) || strncmp(line, "sha256 ", 7) ||
	    parse_hex(line + 7, want))
		BAD("%s: line %lu: expected \"sha256 SHA256\"", manifest_path, lineno);
	if (next_line(f, line, sizeof(line), ++lineno) != 1)
		BAD("%s: line %lu: unexpected text after the whole-file hash", manifest_path, lineno);
	EVP_DigestFinal_ex(whole, whole_md, NULL);
	res->whole_ok = !memcmp(whole_md, want, 32) && res->actual_size == size;
	if (res->actual_size != size)
		ret = ec_err(ctx, -EIO, "%s: %" PRIu64 " bytes, the manifest says %" PRIu64,
			     dump_path, res->actual_size, size);
	else if (res->bad_blocks)
		ret = ec_err(ctx, -EIO, "%s: %" PRIu64 " of %" PRIu64 " blocks differ, the first "
			     "at byte %" PRIu64, dump_path, res->bad_blocks, nblocks,
			     res->first_bad * bs);
	else if (!res->whole_ok)
		ret = ec_err(ctx, -EIO, "%s: whole-file SHA-256 differs", dump_path);
#undef BAD
out:
	EVP_MD_CTX_free(bh.mc);
	EVP_MD_CTX_free(whole);
	free(buf);
	if (fd >= 0)
		close(fd);
	fclose(f);
	return ret;
}
