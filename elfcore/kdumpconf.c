/* Parser of /etc/kdumpkit.conf: see elfcore/include/elfcore/kdumpconf.h and doc/kdumpkit.conf.5. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ec_priv.h"
#include "elfcore/kdumpconf.h"

enum kc_type {
	KC_PATH,        /* absolute path, no blanks */
	KC_ARGS,        /* kernel arguments: printable ASCII, blanks allowed */
	KC_ENUM,        /* one of choices */
	KC_UINT,        /* decimal in min..max */
	KC_BOOL,        /* yes/no, true/false, on/off, 1/0; stored as yes/no */
	KC_SSH,         /* user@host[:port] */
	KC_DEVICE,      /* /dev/..., UUID=, LABEL=, PARTUUID=, PARTLABEL= */
	KC_WORD,        /* [a-z0-9_]+, e.g. a file system type */
	KC_MODULES,     /* module names separated by blanks */
	KC_IFACE,       /* network interface name */
	KC_IPADDR,      /* dhcp, or a.b.c.d/prefix */
	KC_IPV4,        /* a.b.c.d */
};

struct kc_key {
	const char *name;
	enum kc_type type;
	const char *def;
	unsigned min, max;              /* KC_UINT */
	const char *const *choices;     /* KC_ENUM, NULL-terminated */
};

static const char *const compress_choices[] = { "none", "zlib", "lzo", "zstd", NULL };
static const char *const format_choices[] = { "kdump", "elf", NULL };
static const char *const failure_choices[] = { "reboot", "halt", "poweroff", "shell", "dump_to_rootfs", NULL };
static const char *const final_choices[] = { "reboot", "halt", "poweroff", "shell", NULL };
static const char *const loader_choices[] = { "auto", "kdump-load", "kexec", NULL };
static const char *const capturer_choices[] = { "auto", "kdump-capture", "makedumpfile", NULL };
static const char *const ssh_mode_choices[] = { "sftp", "exec", NULL };

/* The documented order; doc/kdumpkit.conf.5 follows it. */
static const struct kc_key keys[] = {
	{ "kernel",         KC_PATH,    "", 0, 0, NULL },
	{ "initrd",         KC_PATH,    "", 0, 0, NULL },
	{ "cmdline",        KC_ARGS,    "", 0, 0, NULL },
	{ "append",         KC_ARGS,    "", 0, 0, NULL },
	{ "path",           KC_PATH,    "/var/crash", 0, 0, NULL },
	{ "disk",           KC_DEVICE,  "", 0, 0, NULL },
	{ "fstype",         KC_WORD,    "", 0, 0, NULL },
	{ "ssh",            KC_SSH,     "", 0, 0, NULL },
	{ "sshkey",         KC_PATH,    "/root/.ssh/kdumpkit_id_ed25519", 0, 0, NULL },
	{ "known_hosts",    KC_PATH,    "/etc/kdumpkit/known_hosts", 0, 0, NULL },
	{ "ssh_mode",       KC_ENUM,    "sftp", 0, 0, ssh_mode_choices },
	{ "net_iface",      KC_IFACE,   "", 0, 0, NULL },
	{ "net_addr",       KC_IPADDR,  "dhcp", 0, 0, NULL },
	{ "net_gateway",    KC_IPV4,    "", 0, 0, NULL },
	{ "dump_level",     KC_UINT,    "31", 0, 31, NULL },
	{ "compress",       KC_ENUM,    "lzo", 0, 0, compress_choices },
	{ "format",         KC_ENUM,    "kdump", 0, 0, format_choices },
	{ "threads",        KC_UINT,    "1", 1, 256, NULL },
	{ "keep",           KC_UINT,    "0", 0, 10000, NULL },
	{ "dmesg_only",     KC_BOOL,    "no", 0, 0, NULL },
	{ "kdump_pre",      KC_PATH,    "", 0, 0, NULL },
	{ "kdump_post",     KC_PATH,    "", 0, 0, NULL },
	{ "failure_action", KC_ENUM,    "reboot", 0, 0, failure_choices },
	{ "final_action",   KC_ENUM,    "reboot", 0, 0, final_choices },
	{ "modules",        KC_MODULES, "", 0, 0, NULL },
	{ "loader",         KC_ENUM,    "auto", 0, 0, loader_choices },
	{ "capturer",       KC_ENUM,    "auto", 0, 0, capturer_choices },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
#define PATH_MAX_LEN 4095
#define ARGS_MAX_LEN 2048

struct elfcore_kdumpconf {
	char *values[NKEYS];            /* NULL: the default applies */
	unsigned lines[NKEYS];
	char ssh_user[64], ssh_host[256];
	unsigned ssh_port;
};

static int key_index(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *elfcore_kdumpconf_key(size_t i)
{
	return i < NKEYS ? keys[i].name : NULL;
}

void elfcore_kdumpconf_free(struct elfcore_kdumpconf *conf)
{
	if (!conf)
		return;
	for (size_t i = 0; i < NKEYS; i++)
		free(conf->values[i]);
	free(conf);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Decimal without sign or garbage, at most max; -1 when not. */
static long parse_dec(const char *s, size_t len, unsigned long max)
{
	unsigned long v = 0;

	if (len == 0 || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v > max ? -1 : (long)v;
}

static int check_path(struct elfcore_ctx *ctx, unsigned lineno, const char *key, const char *v)
{
	if (v[0] != '/')
		return ec_err(ctx, -EINVAL, "line %u: %s: \"%.64s\" is not an absolute path", lineno, key, v);
	if (strlen(v) > PATH_MAX_LEN)
		return ec_err(ctx, -EINVAL, "line %u: %s: path longer than %u bytes", lineno, key, PATH_MAX_LEN);
	for (const char *p = v; *p; p++)
		if (is_blank(*p))
			return ec_err(ctx, -EINVAL, "line %u: %s: blanks are not allowed in a path", lineno, key);
	return 0;
}

static int check_args(struct elfcore_ctx *ctx, unsigned lineno, const char *key, const char *v)
{
	if (strlen(v) > ARGS_MAX_LEN)
		return ec_err(ctx, -EINVAL, "line %u: %s: longer than %u bytes", lineno, key, ARGS_MAX_LEN);
	for (const char *p = v; *p; p++)
		if ((*p < ' ' || *p > '~') && *p != '\t')
			return ec_err(ctx, -EINVAL, "line %u: %s: byte 0x%02x is not printable ASCII", lineno,
				      key, (unsigned char)*p);
	return 0;
}

static int check_enum(struct elfcore_ctx *ctx, unsigned lineno, const struct kc_key *k, const char *v)
{
	char list[256] = "";
	size_t used = 0;

	for (const char *const *c = k->choices; *c; c++) {
		if (strcmp(*c, v) == 0)
			return 0;
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", *c);
		if (used >= sizeof(list))
			used = sizeof(list) - 1;
	}
	return ec_err(ctx, -EINVAL, "line %u: %s: \"%.64s\" is not one of %s", lineno, k->name, v, list);
}

static int check_uint(struct elfcore_ctx *ctx, unsigned lineno, const struct kc_key *k, const char *v)
{
	long n = parse_dec(v, strlen(v), k->max);

	if (n < 0 || (unsigned long)n < k->min)
		return ec_err(ctx, -EINVAL, "line %u: %s: %.64s is not in %u..%u", lineno, k->name, v,
			      k->min, k->max);
	return 0;
}

/* Booleans are stored normalised: *v is replaced by "yes" or "no". */
static int check_bool(struct elfcore_ctx *ctx, unsigned lineno, const char *key, const char **v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(*v, yes[i]) == 0) {
			*v = "yes";
			return 0;
		}
		if (strcasecmp(*v, no[i]) == 0) {
			*v = "no";
			return 0;
		}
	}
	return ec_err(ctx, -EINVAL, "line %u: %s: \"%.64s\" is not yes or no", lineno, key, *v);
}

/* A host name or IPv4 address: letters, digits, '.', '-', not starting with '-'
 * (ssh would take it for an option). */
static int host_is_valid(const char *h, size_t len)
{
	if (len == 0 || len > 253 || h[0] == '-' || h[0] == '.')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(h[i]) && h[i] != '.' && h[i] != '-')
			return 0;
	return 1;
}

static int ipv6_is_valid(const char *h, size_t len)
{
	if (len < 2 || len > 45)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f') ||
		      (h[i] >= 'A' && h[i] <= 'F') || h[i] == ':' || h[i] == '.'))
			return 0;
	return 1;
}

static int check_ssh(struct elfcore_ctx *ctx, unsigned lineno, struct elfcore_kdumpconf *conf,
		     const char *v)
{
	const char *at = strchr(v, '@'), *host, *end, *colon;
	size_t ulen, hlen;
	long port = 22;

	if (!at)
		return ec_err(ctx, -EINVAL, "line %u: ssh: \"%.64s\" is not user@host[:port]", lineno, v);
	ulen = (size_t)(at - v);
	if (ulen == 0 || ulen >= sizeof(conf->ssh_user) || v[0] == '-')
		return ec_err(ctx, -EINVAL, "line %u: ssh: bad user name in \"%.64s\"", lineno, v);
	for (size_t i = 0; i < ulen; i++)
		if (!is_alnum(v[i]) && v[i] != '.' && v[i] != '_' && v[i] != '-')
			return ec_err(ctx, -EINVAL, "line %u: ssh: bad user name in \"%.64s\"", lineno, v);
	host = at + 1;
	if (host[0] == '[') {
		host++;
		end = strchr(host, ']');
		if (!end || !ipv6_is_valid(host, (size_t)(end - host)))
			return ec_err(ctx, -EINVAL, "line %u: ssh: bad IPv6 address in \"%.64s\"", lineno, v);
		hlen = (size_t)(end - host);
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return ec_err(ctx, -EINVAL, "line %u: ssh: junk after the host in \"%.64s\"", lineno, v);
	} else {
		colon = strchr(host, ':');
		hlen = colon ? (size_t)(colon - host) : strlen(host);
		if (!host_is_valid(host, hlen))
			return ec_err(ctx, -EINVAL, "line %u: ssh: bad host name in \"%.64s\"", lineno, v);
	}
	if (colon) {
		port = parse_dec(colon + 1, strlen(colon + 1), 65535);
		if (port <= 0)
			return ec_err(ctx, -EINVAL, "line %u: ssh: bad port in \"%.64s\"", lineno, v);
	}
	memcpy(conf->ssh_user, v, ulen);
	conf->ssh_user[ulen] = '\0';
	memcpy(conf->ssh_host, host, hlen);
	conf->ssh_host[hlen] = '\0';
	conf->ssh_port = (unsigned)port;
	return 0;
}

static int check_device(struct elfcore_ctx *ctx, unsigned lineno, const char *v)
{
	static const char *const tags[] = { "UUID=", "LABEL=", "PARTUUID=", "PARTLABEL=" };
	const char *rest = NULL;

	if (strncmp(v, "/dev/", 5) == 0)
		rest = v + 5;
	for (size_t i = 0; !rest && i < sizeof(tags) / sizeof(tags[0]); i++)
		if (strncmp(v, tags[i], strlen(tags[i])) == 0)
			rest = v + strlen(tags[i]);
	if (!rest)
		return ec_err(ctx, -EINVAL, "line %u: disk: \"%.64s\" is not /dev/..., UUID=, LABEL=, "
			      "PARTUUID= or PARTLABEL=", lineno, v);
	if (!*rest || strlen(v) > 255)
		return ec_err(ctx, -EINVAL, "line %u: disk: bad device \"%.64s\"", lineno, v);
	for (const char *p = rest; *p; p++)
		if (!is_alnum(*p) && !strchr("._-/:+", *p))
			return ec_err(ctx, -EINVAL, "line %u: disk: bad character in \"%.64s\"", lineno, v);
	return 0;
}

static int check_word(struct elfcore_ctx *ctx, unsigned lineno, const char *key, const char *v,
		      size_t max, const char *also)
{
	size_t len = strlen(v);

	if (len == 0 || len > max)
		return ec_err(ctx, -EINVAL, "line %u: %s: \"%.64s\" must be 1 to %zu characters", lineno,
			      key, v, max);
	for (const char *p = v; *p; p++)
		if (!is_alnum(*p) && !strchr(also, *p))
			return ec_err(ctx, -EINVAL, "line %u: %s: bad character in \"%.64s\"", lineno, key, v);
	return 0;
}

static int check_modules(struct elfcore_ctx *ctx, unsigned lineno, const char *v)
{
	if (strlen(v) > ARGS_MAX_LEN)
		return ec_err(ctx, -EINVAL, "line %u: modules: longer than %u bytes", lineno, ARGS_MAX_LEN);
	for (const char *p = v; *p; p++)
		if (!is_alnum(*p) && *p != '_' && *p != '-' && !is_blank(*p))
			return ec_err(ctx, -EINVAL, "line %u: modules: bad character in \"%.64s\"", lineno, v);
	return 0;
}

/* a.b.c.d, each 0..255; with_prefix also wants /0..32. */
static int ipv4_is_valid(const char *v, int with_prefix)
{
	const char *p = v;

	for (int i = 0; i < 4; i++) {
		size_t n = strspn(p, "0123456789");

		if (parse_dec(p, n, 255) < 0 || (n > 1 && p[0] == '0'))
			return 0;
		p += n;
		if (i < 3 && *p++ != '.')
			return 0;
	}
	if (with_prefix) {
		if (*p++ != '/')
			return 0;
		return parse_dec(p, strlen(p), 32) >= 0;
	}
	return *p == '\0';
}

static int check_value(struct elfcore_ctx *ctx, unsigned lineno, struct elfcore_kdumpconf *conf,
		       const struct kc_key *k, const char **value)
{
	const char *v = *value;

	switch (k->type) {
	case KC_PATH:
		return check_path(ctx, lineno, k->name, v);
	case KC_ARGS:
		return check_args(ctx, lineno, k->name, v);
	case KC_ENUM:
		return check_enum(ctx, lineno, k, v);
	case KC_UINT:
		return check_uint(ctx, lineno, k, v);
	case KC_BOOL:
		return check_bool(ctx, lineno, k->name, value);
	case KC_SSH:
		return check_ssh(ctx, lineno, conf, v);
	case KC_DEVICE:
		return check_device(ctx, lineno, v);
	case KC_WORD:
		return check_word(ctx, lineno, k->name, v, 32, "_");
	case KC_MODULES:
		return check_modules(ctx, lineno, v);
	case KC_IFACE:
		return check_word(ctx, lineno, k->name, v, 15, "._-");
	case KC_IPADDR:
		if (strcmp(v, "dhcp") == 0 || ipv4_is_valid(v, 1))
			return 0;
		return ec_err(ctx, -EINVAL, "line %u: %s: \"%.64s\" is not dhcp or a.b.c.d/prefix", lineno,
			      k->name, v);
	case KC_IPV4:
		if (ipv4_is_valid(v, 0))
			return 0;
		return ec_err(ctx, -EINVAL, "line %u: %s: \"%.64s\" is not an IPv4 address", lineno, k->name, v);
	}
	return ec_err(ctx, -EINVAL, "line %u: %s: unknown type", lineno, k->name);
}

/* One line, NUL-terminated, without its newline. */
static int parse_line(struct elfcore_ctx *ctx, struct elfcore_kdumpconf *conf, char *line,
		      unsigned lineno)
{
	char *key, *end;
	const char *value;
	int idx, ret;

	while (is_blank(*line))
		line++;
	end = line + strlen(line);
	while (end > line && (is_blank(end[-1]) || end[-1] == '\r'))
		*--end = '\0';
	if (!*line || *line == '#')
		return 0;
	key = line;
	while (*line && !is_blank(*line))
		line++;
	if (*line)
		*line++ = '\0';
	while (is_blank(*line))
		line++;
	value = line;
	idx = key_index(key);
	if (idx < 0)
		return ec_err(ctx, -EINVAL, "line %u: unknown key \"%.64s\"", lineno, key);
	if (conf->values[idx])
		return ec_err(ctx, -EINVAL, "line %u: %s given twice (first on line %u)", lineno, key,
			      conf->lines[idx]);
	if (!*value)
		return ec_err(ctx, -EINVAL, "line %u: %s: no value", lineno, key);
	ret = check_value(ctx, lineno, conf, &keys[idx], &value);
	if (ret)
		return ret;
	conf->values[idx] = strdup(value);
	if (!conf->values[idx])
		return ec_err(ctx, -ENOMEM, "line %u: out of memory", lineno);
	conf->lines[idx] = lineno;
	return 0;
}

static int is_set(const struct elfcore_kdumpconf *conf, const char *key)
{
	return elfcore_kdumpconf_line(conf, key) != 0;
}

/* Contradictions between keys, reported at the line of the key that does not fit. */
static int check_combination(struct elfcore_ctx *ctx, const struct elfcore_kdumpconf *conf)
{
	static const char *const ssh_only[] = { "sshkey", "known_hosts", "ssh_mode", "net_iface", "net_addr",
						"net_gateway" };
	int ssh = is_set(conf, "ssh");

	for (size_t i = 0; i < sizeof(ssh_only) / sizeof(ssh_only[0]); i++)
		if (!ssh && is_set(conf, ssh_only[i]))
			return ec_err(ctx, -EINVAL, "line %u: %s needs an ssh target", elfcore_kdumpconf_line(conf, ssh_only[i]),
				      ssh_only[i]);
	if (ssh && is_set(conf, "disk"))
		return ec_err(ctx, -EINVAL, "line %u: disk and ssh (line %u) are two targets; choose one",
			      elfcore_kdumpconf_line(conf, "disk"), elfcore_kdumpconf_line(conf, "ssh"));
	if (is_set(conf, "fstype") && !is_set(conf, "disk"))
		return ec_err(ctx, -EINVAL, "line %u: fstype needs disk", elfcore_kdumpconf_line(conf, "fstype"));
	if (is_set(conf, "net_gateway") && strcmp(elfcore_kdumpconf_get(conf, "net_addr"), "dhcp") == 0)
		return ec_err(ctx, -EINVAL, "line %u: net_gateway needs a static net_addr",
			      elfcore_kdumpconf_line(conf, "net_gateway"));
	if (is_set(conf, "compress") && strcmp(elfcore_kdumpconf_get(conf, "format"), "elf") == 0 &&
	    strcmp(elfcore_kdumpconf_get(conf, "compress"), "none") != 0)
		return ec_err(ctx, -EINVAL, "line %u: compress %s needs format kdump (ELF dumps are not compressed)",
			      elfcore_kdumpconf_line(conf, "compress"), elfcore_kdumpconf_get(conf, "compress"));
	return 0;
}

int elfcore_kdumpconf_parse(struct elfcore_ctx *ctx, const void *text, size_t size,
			    struct elfcore_kdumpconf **out)
{
	struct elfcore_kdumpconf *conf = NULL;
	char *copy = NULL, *line, *next;
	unsigned lineno = 0;
	int ret = 0;

	*out = NULL;
	if (size > ELFCORE_KDUMPCONF_MAX_SIZE)
		return ec_err(ctx, -EINVAL, "%zu bytes, more than the %u allowed", size,
			      ELFCORE_KDUMPCONF_MAX_SIZE);
	if (size && memchr(text, '\0', size))
		return ec_err(ctx, -EINVAL, "NUL byte at offset %zu",
			      (size_t)((const char *)memchr(text, '\0', size) - (const char *)text));
	conf = calloc(1, sizeof(*conf));
	copy = malloc(size + 1);
	if (!conf || !copy) {
		ret = ec_err(ctx, -ENOMEM, "out of memory");
		goto out;
	}
	if (size)
		memcpy(copy, text, size);
	copy[size] = '\0';

	for (line = copy; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!next && !*line)
			break;          /* the newline ending the last line */
		if (++lineno > ELFCORE_KDUMPCONF_MAX_LINES) {
			ret = ec_err(ctx, -EINVAL, "more than %u lines", ELFCORE_KDUMPCONF_MAX_LINES);
			goto out;
		}
		if (strlen(line) > ELFCORE_KDUMPCONF_MAX_LINE) {
			ret = ec_err(ctx, -EINVAL, "line %u: longer than %u bytes", lineno,
				     ELFCORE_KDUMPCONF_MAX_LINE);
			goto out;
		}
		ret = parse_line(ctx, conf, line, lineno);
		if (ret)
			goto out;
	}
	ret = check_combination(ctx, conf);
	if (ret)
		goto out;
	*out = conf;
	conf = NULL;
out:
	free(copy);
	elfcore_kdumpconf_free(conf);
	return ret;
}

const char *elfcore_kdumpconf_get(const struct elfcore_kdumpconf *conf, const char *key)
{
	int idx = key_index(key);

	if (idx < 0 || !conf)
		return NULL;
	if (strcmp(key, "compress") == 0 && !conf->values[idx] &&
	    strcmp(elfcore_kdumpconf_get(conf, "format"), "elf") == 0)
		return "none";          /* the default follows the format */
	return conf->values[idx] ? conf->values[idx] : keys[idx].def;
}

unsigned elfcore_kdumpconf_line(const struct elfcore_kdumpconf *conf, const char *key)
{
	int idx = key_index(key);

	return idx < 0 || !conf ? 0 : conf->lines[idx];
}

int elfcore_kdumpconf_uint(struct elfcore_ctx *ctx, const struct elfcore_kdumpconf *conf,
			   const char *key, unsigned *out)
{
	int idx = key_index(key);
	const char *v;

	if (idx < 0 || keys[idx].type != KC_UINT)
		return ec_err(ctx, -ENOENT, "%.64s is not a numeric key", key);
	v = elfcore_kdumpconf_get(conf, key);
	*out = (unsigned)parse_dec(v, strlen(v), keys[idx].max);
	return 0;
}

/* A growing string with a cap and a sticky failure. */
struct kc_buf {
	char *data;
	size_t len, cap;
	int failed;
};

static void buf_add(struct kc_buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (b->len + n + 1 > cap)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* NAME='value' with every ' written as '\'' (the only character single quotes cannot hold). */
static void buf_assign(struct kc_buf *b, const char *name, const char *value)
{
	buf_add(b, name, strlen(name));
	buf_add(b, "='", 2);
	for (const char *p = value; *p; p++) {
		if (*p == '\'')
			buf_add(b, "'\\''", 4);
		else
			buf_add(b, p, 1);
	}
	buf_add(b, "'\n", 2);
}

int elfcore_kdumpconf_shell(struct elfcore_ctx *ctx, const struct elfcore_kdumpconf *conf,
			    char **out)
{
	struct kc_buf b = { 0 };
	char name[64], port[16];

	*out = NULL;
	for (size_t i = 0; i < NKEYS; i++) {
		size_t j = 0;

		j = (size_t)snprintf(name, sizeof(name), "KDUMP_");
		for (const char *p = keys[i].name; *p && j + 1 < sizeof(name); p++)
			name[j++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
		name[j] = '\0';
		buf_assign(&b, name, elfcore_kdumpconf_get(conf, keys[i].name));
	}
	snprintf(port, sizeof(port), "%u", conf->ssh_port);
	buf_assign(&b, "KDUMP_TARGET", is_set(conf, "ssh") ? "ssh" : "local");
	buf_assign(&b, "KDUMP_SSH_USER", conf->ssh_user);
	buf_assign(&b, "KDUMP_SSH_HOST", conf->ssh_host);
	buf_assign(&b, "KDUMP_SSH_PORT", conf->ssh_port ? port : "");
	if (b.failed) {
		free(b.data);
		return ec_err(ctx, -ENOMEM, "out of memory");
	}
	*out = b.data;
	return 0;
}
