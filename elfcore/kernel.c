/* The kernel view: virtual reads of the dumped kernel through its page tables.
 * The arch code does the translating (arch/<arch>/ec_*.c); this file picks it,
 * caches the last leaf mapping and splits reads at page boundaries. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch_priv.h"
#include "elfcore/kernel.h"

static const struct ec_arch_ops *const arch_table[] = {
	&ec_arch_x86_64,
};

int ec_kernel_read_phys(struct elfcore_kernel *k, uint64_t paddr, void *buf, size_t len,
			const char *what)
{
	int ret;

	elfcore_ctx_clear(k->ctx);
	ret = k->read_phys(k->arg, paddr, buf, len);
	if (ret < 0) {
		if (elfcore_ctx_error(k->ctx)[0])
			return elfcore_ctx_prefix(k->ctx, ret, "%s at physical 0x%" PRIx64, what, paddr);
		return ec_err(k->ctx, ret, "%s at physical 0x%" PRIx64 ": %s", what, paddr,
			      ret == -ENOENT ? "not in the dump" : strerror(-ret));
	}
	return 0;
}

int elfcore_kernel_open_mem(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
			    int (*read_phys)(void *arg, uint64_t paddr, void *buf, size_t len),
			    void *arg, struct elfcore_kernel **out)
{
	struct elfcore_kernel *k = NULL;
	int ret = 0;

	*out = NULL;
	if (!vi || !read_phys)
		return ec_err(ctx, -EINVAL, "kernel view: no VMCOREINFO or no physical reader");
	k = calloc(1, sizeof(*k));
	if (!k)
		return ec_err(ctx, -ENOMEM, "kernel view: out of memory");
	k->ctx = ctx;
	k->vi = vi;
	k->read_phys = read_phys;
	k->arg = arg;
	for (size_t i = 0; i < sizeof(arch_table) / sizeof(arch_table[0]); i++)
		if (arch_table[i]->probe(vi)) {
			k->arch = arch_table[i];
			break;
		}
	if (!k->arch) {
		ret = ec_err(ctx, -ENOTSUP, "kernel view: VMCOREINFO of an unsupported architecture");
		goto out;
	}
	ret = k->arch->init(k);
	if (ret)
		goto out;
	*out = k;
	k = NULL;
out:
	elfcore_kernel_close(k);
	return ret;
}

static int dump_reader(void *arg, uint64_t paddr, void *buf, size_t len)
{
	return elfcore_dump_read_phys(arg, paddr, buf, len);
}

int elfcore_kernel_open(struct elfcore_ctx *ctx, struct elfcore_dump *dump,
			struct elfcore_kernel **out)
{
	const struct elfcore_vmcoreinfo *vi;

	*out = NULL;
	vi = elfcore_dump_vmcoreinfo(dump);
	if (!vi)
		return ec_err(ctx, -ENOENT, "kernel view: the dump has no VMCOREINFO");
	return elfcore_kernel_open_mem(ctx, vi, dump_reader, dump, out);
}

void elfcore_kernel_close(struct elfcore_kernel *k)
{
	if (!k)
		return;
	if (k->arch && k->arch->fini)
		k->arch->fini(k);
	free(k);
}

int elfcore_kernel_vtop_walk(struct elfcore_kernel *k, uint64_t vaddr,
			     struct elfcore_vtop_walk *walk)
{
	memset(walk, 0, sizeof(*walk));
	walk->vaddr = vaddr;
	return k->arch->vtop(k, vaddr, walk);
}

int elfcore_kernel_vtop(struct elfcore_kernel *k, uint64_t vaddr, uint64_t *paddr)
{
	struct elfcore_vtop_walk walk;
	int ret;

	if (k->tlb.valid && vaddr - k->tlb.vbase < k->tlb.size) {
		*paddr = k->tlb.pbase + (vaddr - k->tlb.vbase);
		return 0;
	}
	ret = elfcore_kernel_vtop_walk(k, vaddr, &walk);
	if (ret)
		return ret;
	k->tlb.valid = 1;
	k->tlb.vbase = vaddr & ~(walk.page_size - 1);
	k->tlb.pbase = walk.paddr & ~(walk.page_size - 1);
	k->tlb.size = walk.page_size;
	*paddr = walk.paddr;
	return 0;
}

int elfcore_kernel_read(struct elfcore_kernel *k, uint64_t vaddr, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		uint64_t paddr, chunk = 4096 - (vaddr & 4095);
		int ret;

		if (chunk > len)
			chunk = len;
		ret = elfcore_kernel_vtop(k, vaddr, &paddr);
		if (ret)
			return ret;
		ret = ec_kernel_read_phys(k, paddr, p, chunk, "read");
		if (ret)
			return elfcore_ctx_prefix(k->ctx, ret, "virtual 0x%" PRIx64, vaddr);
		vaddr += chunk;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

int elfcore_kernel_read_phys(struct elfcore_kernel *k, uint64_t paddr, void *buf, size_t len)
{
	return ec_kernel_read_phys(k, paddr, buf, len, "read");
}

int elfcore_kernel_read_u64(struct elfcore_kernel *k, uint64_t vaddr, uint64_t *out)
{
	uint8_t b[8];
	int ret = elfcore_kernel_read(k, vaddr, b, sizeof(b));

	if (ret)
		return ret;
	*out = 0;
	for (int i = 7; i >= 0; i--)
		*out = (*out << 8) | b[i];
	return 0;
}

int elfcore_kernel_read_u32(struct elfcore_kernel *k, uint64_t vaddr, uint32_t *out)
{
	uint8_t b[4];
	int ret = elfcore_kernel_read(k, vaddr, b, sizeof(b));

	if (ret)
		return ret;
	*out = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return 0;
}

const char *elfcore_kernel_arch(const struct elfcore_kernel *k)
{
	return k->arch->name;
}

unsigned int elfcore_kernel_paging_levels(const struct elfcore_kernel *k)
{
	return k->levels;
}

uint64_t elfcore_kernel_kaslr_offset(const struct elfcore_kernel *k)
{
	return k->kaslr_offset;
}

uint64_t elfcore_kernel_phys_base(const struct elfcore_kernel *k)
{
	return k->phys_base;
}

uint64_t elfcore_kernel_page_offset(const struct elfcore_kernel *k)
{
	return k->page_offset;
}

uint64_t elfcore_kernel_vmemmap_base(const struct elfcore_kernel *k)
{
	return k->vmemmap_base;
}

const struct elfcore_vmcoreinfo *elfcore_kernel_vmcoreinfo(const struct elfcore_kernel *k)
{
	return k->vi;
}

struct elfcore_ctx *elfcore_kernel_ctx(const struct elfcore_kernel *k)
{
	return k->ctx;
}
