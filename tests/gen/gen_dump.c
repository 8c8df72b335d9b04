/* gen_dump: write a small synthetic dump with known contents (tests/gen/dumpgen.h).
 *
 *   gen_dump [-f elf|kdump] [-c none|zlib|lzo|zstd] [-p PAGESIZE] [-n NPAGES]
 *            [-v HEADER_VERSION] [-F] [-i] [-s NSPLIT] OUT [OUT2 ...]
 *   gen_dump --seeds DIR     fuzz seeds: DIR/fuzz_{elf,kdump,flat}/...
 */
#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>

#include "../gen/dumpgen.h"

static int usage(void)
{
	fprintf(stderr, "usage: gen_dump [-f elf|kdump] [-c none|zlib|lzo|zstd] [-p PAGESIZE] "
		"[-n NPAGES] [-v VERSION] [-F] [-i] [-s NSPLIT] OUT...\n"
		"       gen_dump --seeds DIR\n");
	return 2;
}

static int write_set(const struct gen_opts *o, char **paths, int npaths)
{
	struct gen_buf bufs[16];
	int n = gen_build(o, bufs, 16), ret = 0;

	if (n < 0 || n != npaths) {
		fprintf(stderr, "gen_dump: this dump has %d files, %d names given\n", n, npaths);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		if (gen_write(paths[i], &bufs[i]))
			ret = 1;
		gen_free(&bufs[i]);
	}
	return ret;
}

static int write_one(const struct gen_opts *o, const char *dir, const char *name)
{
	char path[4096];
	char *p = path;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return write_set(o, &p, 1);
}

/* Small dumps (1 KiB pages, 16 pfns) of every variant as fuzz seeds. */
static int seeds(const char *dir)
{
	static const char *const sub[] = { "fuzz_elf", "fuzz_kdump", "fuzz_flat" };
	char path[4096];
	struct gen_opts o;
	int ret = 0;

	mkdir(dir, 0755);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, sub[i]);
		if (mkdir(path, 0755) && errno != EEXIST) {
			perror(path);
			return 1;
		}
	}
	gen_opts_default(&o);
	o.page_size = 1024;
	o.npages = 16;
	o.format = GEN_ELF;
	snprintf(path, sizeof(path), "%s/fuzz_elf", dir);
	ret |= write_one(&o, path, "small.elf");
	o.format = GEN_KDUMP;
	snprintf(path, sizeof(path), "%s/fuzz_kdump", dir);
	for (int c = GEN_NONE; c <= GEN_ZSTD; c++) {
		static const char *const names[] = { "none", "zlib", "lzo", "zstd" };
		char name[64];

		o.codec = (enum gen_codec)c;
		snprintf(name, sizeof(name), "small-%s.kdump", names[c]);
		ret |= write_one(&o, path, name);
	}
	o.codec = GEN_ZLIB;
	o.header_version = 3;
	ret |= write_one(&o, path, "small-v3.kdump");
	o.header_version = 6;
	o.incomplete = 1;
	ret |= write_one(&o, path, "small-incomplete.kdump");
	o.incomplete = 0;
	o.flat = 1;
	snprintf(path, sizeof(path), "%s/fuzz_flat", dir);
	o.codec = GEN_LZO;
	ret |= write_one(&o, path, "small-kdump.flat");
	o.format = GEN_ELF;
	ret |= write_one(&o, path, "small-elf.flat");
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seeds", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen_opts o;
	int c;

	gen_opts_default(&o);
	while ((c = getopt_long(argc, argv, "f:c:p:n:v:Fis:", longopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			return seeds(optarg);
		case 'f':
			if (strcmp(optarg, "elf") == 0)
				o.format = GEN_ELF;
			else if (strcmp(optarg, "kdump") == 0)
				o.format = GEN_KDUMP;
			else
				return usage();
			break;
		case 'c':
			if (strcmp(optarg, "none") == 0)
				o.codec = GEN_NONE;
			else if (strcmp(optarg, "zlib") == 0)
				o.codec = GEN_ZLIB;
			else if (strcmp(optarg, "lzo") == 0)
				o.codec = GEN_LZO;
			else if (strcmp(optarg, "zstd") == 0)
				o.codec = GEN_ZSTD;
			else
				return usage();
			break;
		case 'p':
			o.page_size = (uint32_t)strtoul(optarg, NULL, 0);
			if (o.page_size < 1024 || (o.page_size & (o.page_size - 1)))
				return usage();
			break;
		case 'n':
			o.npages = strtoull(optarg, NULL, 0);
			if (o.npages < 16 || o.npages > (1u << 20))
				return usage();
			break;
		case 'v':
			o.header_version = atoi(optarg);
			if (o.header_version < 1 || o.header_version > 6)
				return usage();
			break;
		case 'F':
			o.flat = 1;
			break;
		case 'i':
			o.incomplete = 1;
			break;
		case 's':
			o.nsplit = atoi(optarg);
			if (o.nsplit < 1 || o.nsplit > 16)
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc)
		return usage();
	return write_set(&o, argv + optind, argc - optind);
}
