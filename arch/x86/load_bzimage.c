/* bzImage setup header parsing (Documentation/arch/x86/boot.rst). The image is
 * untrusted input: every field is read through the bounds-checked cursor and
 * every value that places memory is range-checked. */
#include <errno.h>
#include <string.h>

#include "load_x86.h"
#include "cursor.h"
#include "ec_priv.h"

#define MIN_PROTOCOL 0x020c     /* 2.12: xloadflags, 64-bit entry flags */

int x86_bzimage_parse(struct elfcore_ctx *ctx, const void *data, size_t size, struct x86_bzimage *bz)
{
	struct ec_cursor c;
	uint16_t boot_flag;
	uint32_t magic;
	uint8_t jump_off;
	int ret;

	memset(bz, 0, sizeof(*bz));
	ec_cursor_init(&c, ctx, "bzImage setup header", data, size);
	if ((ret = ec_cursor_seek(&c, BP_BOOT_FLAG)) < 0 || (ret = ec_cursor_u16le(&c, &boot_flag)) < 0)
		return ec_err(ctx, -ENOEXEC, "not a bzImage: %zu bytes is too short", size);
	if ((ret = ec_cursor_seek(&c, BP_HEADER)) < 0 || (ret = ec_cursor_u32le(&c, &magic)) < 0)
		return ec_err(ctx, -ENOEXEC, "not a bzImage: %zu bytes is too short", size);
	if (boot_flag != 0xaa55 || magic != 0x53726448)
		return ec_err(ctx, -ENOEXEC, "not a bzImage: no boot flag 0xaa55 / \"HdrS\" magic");
	if ((ret = ec_cursor_seek(&c, BP_VERSION)) < 0 || (ret = ec_cursor_u16le(&c, &bz->version)) < 0)
		return ret;
	if (bz->version < MIN_PROTOCOL)
		return ec_err(ctx, -ENOEXEC, "boot protocol %u.%02u is older than 2.12",
			      bz->version >> 8, bz->version & 0xff);
	if ((ret = ec_cursor_seek(&c, BP_SETUP_SECTS)) < 0 || (ret = ec_cursor_u8(&c, &bz->setup_sects)) < 0 ||
	    (ret = ec_cursor_seek(&c, BP_JUMP + 1)) < 0 || (ret = ec_cursor_u8(&c, &jump_off)) < 0 ||
	    (ret = ec_cursor_seek(&c, BP_LOADFLAGS)) < 0 || (ret = ec_cursor_u8(&c, &bz->loadflags)) < 0 ||
	    (ret = ec_cursor_seek(&c, BP_INITRD_ADDR_MAX)) < 0 ||
	    (ret = ec_cursor_u32le(&c, &bz->initrd_addr_max)) < 0 ||
	    (ret = ec_cursor_u32le(&c, &bz->kernel_alignment)) < 0 ||
	    (ret = ec_cursor_u8(&c, &bz->relocatable)) < 0 ||
	    (ret = ec_cursor_seek(&c, BP_XLOADFLAGS)) < 0 || (ret = ec_cursor_u16le(&c, &bz->xloadflags)) < 0 ||
	    (ret = ec_cursor_u32le(&c, &bz->cmdline_size)) < 0 ||
	    (ret = ec_cursor_seek(&c, BP_PREF_ADDRESS)) < 0 || (ret = ec_cursor_u64le(&c, &bz->pref_address)) < 0 ||
	    (ret = ec_cursor_u32le(&c, &bz->init_size)) < 0)
		return ret;
	if (bz->setup_sects == 0)
		bz->setup_sects = 4;
	/* The header ends where the jump at 0x200 lands (boot.rst: 0x202 + byte at 0x201). */
	bz->header_end = 0x202 + (size_t)jump_off;
	if (bz->header_end > BP_E820_TABLE || bz->header_end < BP_INIT_SIZE + 4)
		return ec_err(ctx, -ENOEXEC, "setup header end 0x%zx is implausible", bz->header_end);
	bz->setup_size = ((size_t)bz->setup_sects + 1) * 512;
	if (bz->setup_size >= size)
		return ec_err(ctx, -ENOEXEC, "setup code (%zu bytes) covers the whole %zu-byte image",
			      bz->setup_size, size);
	if (!(bz->xloadflags & XLF_KERNEL_64))
		return ec_err(ctx, -ENOEXEC, "kernel has no 64-bit entry point (XLF_KERNEL_64 clear)");
	if (!bz->relocatable)
		return ec_err(ctx, -ENOEXEC, "kernel is not relocatable: it cannot run from the "
			      "crashkernel region");
	if (bz->kernel_alignment < 4096 || (bz->kernel_alignment & (bz->kernel_alignment - 1)) ||
	    bz->kernel_alignment > (1u << 30))
		return ec_err(ctx, -ENOEXEC, "kernel_alignment 0x%x is not a power of two in [4K, 1G]",
			      bz->kernel_alignment);
	bz->image = data;
	bz->kernel = bz->image + bz->setup_size;
	bz->kernel_size = size - bz->setup_size;
	if (bz->init_size < bz->kernel_size || bz->init_size > (1u << 30))
		return ec_err(ctx, -ENOEXEC, "init_size 0x%x does not cover the 0x%zx-byte kernel",
			      bz->init_size, bz->kernel_size);
	if (bz->cmdline_size < 255 || bz->cmdline_size > 65535)
		return ec_err(ctx, -ENOEXEC, "cmdline_size %u is implausible", bz->cmdline_size);
	return 0;
}
