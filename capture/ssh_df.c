/* The reply of `cd DIR && pwd && df -Pk .` (capture/ssh_df.h). */
#include <errno.h>
#include <string.h>

#include "ssh_df.h"

/* The line starting at *pos (without its '\n'); advances past it. */
static int next_line(const char *out, size_t len, size_t *pos, const char **line, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return -EPROTO;
	*line = out + *pos;
	nl = memchr(*line, '\n', len - *pos);
	if (!nl)
		return -EPROTO;
	*n = (size_t)(nl - *line);
	*pos += *n + 1;
	return 0;
}

/* Skip blanks, then one field; a decimal number when num is not NULL. */
static int field(const char *p, size_t n, size_t *i, uint64_t *num)
{
	size_t start;

	while (*i < n && (p[*i] == ' ' || p[*i] == '\t'))
		(*i)++;
	start = *i;
	if (num)
		*num = 0;
	while (*i < n && p[*i] != ' ' && p[*i] != '\t') {
		if (num) {
			unsigned d = (unsigned char)p[*i] - '0';

			/* KiB counts that become bytes: stay below 2^64 / 1024. */
			if (d > 9 || *num > (UINT64_MAX >> 10) / 10 - 1)
				return -EPROTO;
			*num = *num * 10 + d;
		}
		(*i)++;
	}
	return *i > start ? 0 : -EPROTO;
}

int ssh_parse_df(const char *out, size_t len, char *dir, size_t dir_len, uint64_t *total,
		 uint64_t *avail)
{
	const char *line;
	uint64_t used;
	size_t pos = 0, n, i = 0;

	if (!dir_len || next_line(out, len, &pos, &line, &n) || !n || n >= dir_len ||
	    memchr(line, '\0', n))
		return -EPROTO;
	memcpy(dir, line, n);
	dir[n] = '\0';
	/* df's header, then the numbers. */
	if (next_line(out, len, &pos, &line, &n) || next_line(out, len, &pos, &line, &n))
		return -EPROTO;
	if (field(line, n, &i, NULL) || field(line, n, &i, total) || field(line, n, &i, &used) ||
	    field(line, n, &i, avail))
		return -EPROTO;
	*total <<= 10;
	*avail <<= 10;
	return 0;
}
