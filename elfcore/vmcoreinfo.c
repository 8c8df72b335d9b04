#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_priv.h"
#include "elfcore/vmcoreinfo.h"

struct vmcoreinfo_entry {
	char *key;
	char *value;
};

struct elfcore_vmcoreinfo {
	struct vmcoreinfo_entry *entries;
	size_t count;
	char *text;                     /* one copy of the input; keys/values point into it */
};

void elfcore_vmcoreinfo_free(struct elfcore_vmcoreinfo *vi)
{
	if (!vi)
		return;
	free(vi->entries);
	free(vi->text);
	free(vi);
}

/* Keys are printable ASCII without spaces, as the kernel writes them. */
static int key_is_valid(const char *key)
{
	if (!*key)
		return 0;
	for (const char *p = key; *p; p++)
		if (*p <= ' ' || *p > '~')
			return 0;
	return 1;
}

static int parse_line(struct elfcore_ctx *ctx, struct elfcore_vmcoreinfo *vi, char *line,
		      size_t lineno)
{
	char *eq = strchr(line, '=');

	if (strlen(line) > ELFCORE_VMCOREINFO_MAX_LINE)
		return ec_err(ctx, -EINVAL, "VMCOREINFO line %zu: longer than %u bytes", lineno,
			      ELFCORE_VMCOREINFO_MAX_LINE);
	if (!eq)
		return ec_err(ctx, -EINVAL, "VMCOREINFO line %zu: no '=' in \"%.40s\"", lineno, line);
	*eq = '\0';
	if (!key_is_valid(line))
		return ec_err(ctx, -EINVAL, "VMCOREINFO line %zu: bad key \"%.40s\"", lineno, line);
	if (elfcore_vmcoreinfo_get(vi, line))
		return ec_err(ctx, -EINVAL, "VMCOREINFO line %zu: duplicate key %.64s", lineno, line);
	vi->entries[vi->count].key = line;
	vi->entries[vi->count].value = eq + 1;
	vi->count++;
	return 0;
}

int elfcore_vmcoreinfo_parse(struct elfcore_ctx *ctx, const void *text, size_t size,
			     struct elfcore_vmcoreinfo **out)
{
	struct elfcore_vmcoreinfo *vi = NULL;
	size_t len = size, lines = 0, lineno = 0;
	char *line, *next;
	int ret = 0;

	*out = NULL;
	if (size > ELFCORE_VMCOREINFO_MAX_SIZE)
		return ec_err(ctx, -EINVAL, "VMCOREINFO: %zu bytes, more than the %u allowed", size,
			      ELFCORE_VMCOREINFO_MAX_SIZE);
	/* ELF notes pad the text with NULs; anything after the first NUL must be NUL. */
	if (text && size) {
		const char *nul = memchr(text, '\0', size);

		if (nul) {
			len = (size_t)(nul - (const char *)text);
			for (size_t i = len; i < size; i++)
				if (((const char *)text)[i])
					return ec_err(ctx, -EINVAL, "VMCOREINFO: NUL byte inside the text at offset %zu", len);
		}
	}
	for (size_t i = 0; i < len; i++)
		if (((const char *)text)[i] == '\n')
			lines++;
	lines++;
	if (lines > ELFCORE_VMCOREINFO_MAX_LINES)
		return ec_err(ctx, -EINVAL, "VMCOREINFO: %zu lines, more than the %u allowed", lines,
			      ELFCORE_VMCOREINFO_MAX_LINES);

	vi = calloc(1, sizeof(*vi));
	if (vi) {
		vi->text = malloc(len + 1);
		vi->entries = calloc(lines, sizeof(*vi->entries));
	}
	if (!vi || !vi->text || !vi->entries) {
		ret = ec_err(ctx, -ENOMEM, "VMCOREINFO: out of memory");
		goto out;
	}
	if (len)
		memcpy(vi->text, text, len);
	vi->text[len] = '\0';

	for (line = vi->text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (!*line)
			continue;       /* the text ends with "\n"; blank lines carry nothing */
		ret = parse_line(ctx, vi, line, lineno);
		if (ret)
			goto out;
	}
	if (vi->count == 0) {
		ret = ec_err(ctx, -EINVAL, "VMCOREINFO: no entries");
		goto out;
	}
	*out = vi;
	vi = NULL;
out:
	elfcore_vmcoreinfo_free(vi);
	return ret;
}

size_t elfcore_vmcoreinfo_count(const struct elfcore_vmcoreinfo *vi)
{
	return vi ? vi->count : 0;
}

int elfcore_vmcoreinfo_entry(const struct elfcore_vmcoreinfo *vi, size_t i, const char **key,
			     const char **value)
{
	if (!vi || i >= vi->count)
		return -ENOENT;
	*key = vi->entries[i].key;
	*value = vi->entries[i].value;
	return 0;
}

const char *elfcore_vmcoreinfo_get(const struct elfcore_vmcoreinfo *vi, const char *key)
{
	if (!vi)
		return NULL;
	for (size_t i = 0; i < vi->count; i++)
		if (strcmp(vi->entries[i].key, key) == 0)
			return vi->entries[i].value;
	return NULL;
}

int elfcore_vmcoreinfo_string(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
			      const char *key, const char **out)
{
	const char *v = elfcore_vmcoreinfo_get(vi, key);

	if (!v)
		return ec_err(ctx, -ENOENT, "VMCOREINFO: no %s", key);
	*out = v;
	return 0;
}

/* Parse a whole value as an unsigned number in base (10 or 16, with an
 * optional 0x for 16); no sign, no trailing garbage, no overflow. */
static int parse_unsigned(const char *s, int base, uint64_t *out)
{
	uint64_t v = 0;
	int digits = 0;

	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; *s; s++, digits++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -ERANGE;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (!digits)
		return -EINVAL;
	*out = v;
	return 0;
}

static int typed_unsigned(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
			  const char *key, int base, uint64_t *out)
{
	const char *v;
	int ret = elfcore_vmcoreinfo_string(ctx, vi, key, &v);

	if (ret)
		return ret;
	ret = parse_unsigned(v, base, out);
	if (ret)
		return ec_err(ctx, -EINVAL, "VMCOREINFO: %s=%.40s is not a %s number", key, v,
			      base == 16 ? "hexadecimal" : "decimal");
	return 0;
}

int elfcore_vmcoreinfo_hex(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
			   const char *key, uint64_t *out)
{
	return typed_unsigned(ctx, vi, key, 16, out);
}

int elfcore_vmcoreinfo_u64(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
			   const char *key, uint64_t *out)
{
	return typed_unsigned(ctx, vi, key, 10, out);
}

/* Build "KIND(name)" and look it up; names longer than a line cannot exist. */
static int wrapped_key(struct elfcore_ctx *ctx, char *buf, size_t size, const char *kind,
		       const char *name)
{
	int n = snprintf(buf, size, "%s(%s)", kind, name);

	if (n < 0 || (size_t)n >= size)
		return ec_err(ctx, -EINVAL, "VMCOREINFO: name too long: %.40s", name);
	return 0;
}

static int wrapped_unsigned(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
			    const char *kind, const char *name, int base, uint64_t *out)
{
	char key[ELFCORE_VMCOREINFO_MAX_LINE];
	int ret = wrapped_key(ctx, key, sizeof(key), kind, name);

	return ret ? ret : typed_unsigned(ctx, vi, key, base, out);
}

int elfcore_vmcoreinfo_symbol(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
			      const char *name, uint64_t *addr)
{
	return wrapped_unsigned(ctx, vi, "SYMBOL", name, 16, addr);
}

int elfcore_vmcoreinfo_offset(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
			      const char *name, uint64_t *offset)
{
	return wrapped_unsigned(ctx, vi, "OFFSET", name, 10, offset);
}

int elfcore_vmcoreinfo_size(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
			    const char *name, uint64_t *size)
{
	return wrapped_unsigned(ctx, vi, "SIZE", name, 10, size);
}

int elfcore_vmcoreinfo_length(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
			      const char *name, uint64_t *length)
{
	return wrapped_unsigned(ctx, vi, "LENGTH", name, 10, length);
}

int elfcore_vmcoreinfo_number(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
			      const char *name, int64_t *number)
{
	char key[ELFCORE_VMCOREINFO_MAX_LINE];
	const char *v;
	uint64_t mag;
	int neg, ret = wrapped_key(ctx, key, sizeof(key), "NUMBER", name);

	if (ret)
		return ret;
	ret = elfcore_vmcoreinfo_string(ctx, vi, key, &v);
	if (ret)
		return ret;
	neg = v[0] == '-';
	ret = parse_unsigned(v + neg, 10, &mag);
	if (ret || mag > (uint64_t)INT64_MAX + (uint64_t)neg)
		return ec_err(ctx, -EINVAL, "VMCOREINFO: %s=%.40s is not a decimal number", key, v);
	*number = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}
