/* Replaying a flattened stream into a file (makedumpfile -R), from a pipe:
 * no index, no seek, one bounded buffer. Every number comes from the stream
 * and is checked before use. */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ec_priv.h"
#include "elfcore/sink.h"

#define REPLAY_BUF (1u << 20)
#define REPLAY_MAX_OFFSET (1ull << 56)   /* 64 PiB: far past any real dump */

/* Read exactly len bytes; 1 at a clean EOF before the first byte, -EIO when
 * the stream stops in the middle. */
static int read_full(struct elfcore_ctx *ctx, int fd, const char *name, void *buf, size_t len,
		     uint64_t pos, const char *what)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ec_err(ctx, -errno, "%s: read at stream offset %llu: %s", name,
				      (unsigned long long)(pos + got), strerror(errno));
		if (n == 0)
			return got ? ec_err(ctx, -EIO, "%s: stream ends inside %s at offset %llu",
					    name, what, (unsigned long long)(pos + got)) : 1;
		got += (size_t)n;
	}
	return 0;
}

static uint64_t be64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

int elfcore_flat_replay(struct elfcore_ctx *ctx, int fd, const char *name,
			struct elfcore_sink *out, uint64_t *records)
{
	unsigned char hdr[ELFCORE_FLAT_HEADER_SIZE], rec[16], *buf = NULL;
	char what[48];
	uint64_t pos = 0, nrec = 0;
	int ret;

	if (records)
		*records = 0;
	ret = read_full(ctx, fd, name, hdr, sizeof(hdr), pos, "the header");
	if (ret)
		return ret > 0 ? ec_err(ctx, -EINVAL, "%s: empty stream", name) : ret;
	pos += sizeof(hdr);
	if (memcmp(hdr, ELFCORE_FLAT_SIGNATURE, sizeof(ELFCORE_FLAT_SIGNATURE)) ||
	    be64(hdr + 16) != ELFCORE_FLAT_TYPE || be64(hdr + 24) != ELFCORE_FLAT_VERSION)
		return ec_err(ctx, -EINVAL, "%s: not a flattened dump (makedumpfile type 1 "
			      "version 1 header)", name);
	buf = malloc(REPLAY_BUF);
	if (!buf)
		return ec_err(ctx, -ENOMEM, "%s: out of memory", name);
	for (;;) {
		uint64_t off, size, done;

		ret = read_full(ctx, fd, name, rec, sizeof(rec), pos, "a record header");
		if (ret > 0) {
			ret = ec_err(ctx, -EIO, "%s: stream ends after %llu records without its "
				     "end marker (incomplete)", name, (unsigned long long)nrec);
			break;
		}
		if (ret)
			break;
		off = be64(rec);
		size = be64(rec + 8);
		if (off == UINT64_MAX && size == UINT64_MAX)
			break;
		if (off >= REPLAY_MAX_OFFSET || size == 0 || size > REPLAY_MAX_OFFSET - off) {
			ret = ec_err(ctx, -EINVAL, "%s: record %llu at stream offset %llu: bad offset "
				     "%lld or size %lld", name, (unsigned long long)nrec,
				     (unsigned long long)pos, (long long)off, (long long)size);
			break;
		}
		pos += sizeof(rec);
		snprintf(what, sizeof(what), "record %llu", (unsigned long long)nrec);
		for (done = 0; done < size && !ret; ) {
			size_t n = size - done < REPLAY_BUF ? (size_t)(size - done) : REPLAY_BUF;

			ret = read_full(ctx, fd, name, buf, n, pos, what);
			if (ret > 0)
				ret = ec_err(ctx, -EIO, "%s: stream ends inside record %llu", name,
					     (unsigned long long)nrec);
			if (!ret)
				ret = elfcore_sink_pwrite(out, buf, n, off + done);
			pos += n;
			done += n;
		}
		if (ret)
			break;
		nrec++;
	}
	free(buf);
	if (records)
		*records = nrec;
	return ret;
}
