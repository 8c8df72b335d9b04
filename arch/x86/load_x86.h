/* x86_64 side of kdump-load: the bzImage setup header, boot_params and the
 * purgatory relocator. Offsets from Documentation/arch/x86/boot.rst and
 * arch/x86/include/uapi/asm/bootparam.h. */
#ifndef KDUMPKIT_ARCH_X86_LOAD_X86_H
#define KDUMPKIT_ARCH_X86_LOAD_X86_H

#include <stddef.h>
#include <stdint.h>

#include "../../loader/loader.h"

/* struct setup_header, at offset 0x1f1 of both the bzImage and boot_params. */
#define BP_SETUP_SECTS       0x1f1
#define BP_BOOT_FLAG         0x1fe
#define BP_JUMP              0x200
#define BP_HEADER            0x202
#define BP_VERSION           0x206
#define BP_TYPE_OF_LOADER    0x210
#define BP_LOADFLAGS         0x211
#define BP_CODE32_START      0x214
#define BP_RAMDISK_IMAGE     0x218
#define BP_RAMDISK_SIZE      0x21c
#define BP_CMD_LINE_PTR      0x228
#define BP_INITRD_ADDR_MAX   0x22c
#define BP_KERNEL_ALIGNMENT  0x230
#define BP_RELOCATABLE       0x234
#define BP_MIN_ALIGNMENT     0x235
#define BP_XLOADFLAGS        0x236
#define BP_CMDLINE_SIZE      0x238
#define BP_PREF_ADDRESS      0x258
#define BP_INIT_SIZE         0x260
/* struct boot_params fields outside the setup header. */
#define BP_ACPI_RSDP_ADDR    0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_ALT_MEM_K         0x1e0
#define BP_E820_ENTRIES      0x1e8
#define BP_E820_TABLE        0x2d0
#define BP_E820_MAX          128
#define BP_SIZE              4096

#define XLF_KERNEL_64               (1 << 0)
#define XLF_CAN_BE_LOADED_ABOVE_4G  (1 << 1)
#define LOADED_HIGH                 (1 << 0)

struct x86_bzimage {
	uint16_t version;           /* boot protocol, e.g. 0x020f */
	uint8_t setup_sects;
	uint8_t loadflags;
	uint16_t xloadflags;
	uint8_t relocatable;
	uint32_t kernel_alignment;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;      /* max length without the NUL */
	uint32_t init_size;         /* memory the kernel needs from its load address */
	uint64_t pref_address;
	size_t header_end;          /* end of the setup header to copy into boot_params */
	const uint8_t *image;
	size_t setup_size;          /* real-mode part: (setup_sects + 1) * 512 */
	const uint8_t *kernel;      /* protected-mode part */
	size_t kernel_size;
};

/* Parse and check a bzImage: boot flag, "HdrS", protocol >= 2.12, 64-bit entry,
 * relocatable, sane alignment and init_size. 0 or -errno with a message. */
int x86_bzimage_parse(struct elfcore_ctx *ctx, const void *data, size_t size, struct x86_bzimage *bz);

/* The purgatory relocated for address load_addr. */
struct x86_purgatory {
	uint8_t *image;             /* malloc()ed, bufsz bytes */
	size_t bufsz;               /* initialised bytes (sections with contents) */
	size_t memsz;               /* plus .bss and the stack */
	size_t params_off;          /* offset of struct purgatory_params in image */
	uint64_t entry;             /* physical address of purgatory_start */
};

/* Lay out the sections of the ET_REL purgatory object; sizes only (no address). */
int x86_purgatory_size(struct elfcore_ctx *ctx, const void *obj, size_t size, size_t *memsz);
/* Lay out, resolve symbols and apply the relocations for load_addr. */
int x86_purgatory_relocate(struct elfcore_ctx *ctx, const void *obj, size_t size, uint64_t load_addr,
			   struct x86_purgatory *out);

extern const unsigned char kdl_purgatory_blob[];
extern const unsigned char kdl_purgatory_blob_end[];

#endif
