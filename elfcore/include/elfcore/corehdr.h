/* ELF64 core file headers: the one place kdumpkit turns an ELF header and
 * program headers into file bytes. Every producer of ELF cores goes through
 * it: the ELF dump writer (elfcore/writer_elf.c), the loader's elfcorehdr,
 * `kdump-config synth-dump` and the test generators. The conversion to the
 * file representation (little-endian ELFCLASS64) is libelf's elf64_xlatetof.
 *
 *   0                      Elf64_Ehdr: ELFCLASS64, ELFDATA2LSB, EV_CURRENT,
 *                          ET_CORE, e_phoff 64 (0 if phnum is 0), no
 *                          sections
 *   64                     phnum Elf64_Phdr, in the caller's order
 *   64 + 56 * phnum        only when phnum >= PN_XNUM (65535): section header
 *                          0, its sh_info the real count; then e_phnum is
 *                          PN_XNUM, e_shoff points here, e_shnum 1 (extended
 *                          numbering, as the kernel's ELF core dumps)
 *   elfcore_corehdr_size() the end of the header: where notes usually start
 *
 * Only the header: the caller places the notes and the segment data (the
 * program headers say where), so a writer can stream gigabytes after it.
 * Nothing here parses untrusted bytes.
 */
#ifndef ELFCORE_COREHDR_H
#define ELFCORE_COREHDR_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "elfcore/context.h"

/* The most program headers a core can have: sh_info is 32 bits. */
#define ELFCORE_COREHDR_MAX_PHNUM 0xfffffffeull

/* What the ELF header says besides the fixed fields. */
struct elfcore_corehdr {
	size_t size;            /* sizeof(struct elfcore_corehdr): room to grow */
	uint16_t machine;       /* e_machine; 0 means EM_X86_64 */
	uint32_t flags;         /* e_flags (the ELF writer's 1: dump incomplete) */
	uint64_t phnum;         /* program headers in the file, at most ELFCORE_COREHDR_MAX_PHNUM */
};

/* Bytes of the whole header for phnum program headers (see the layout above);
 * UINT64_MAX when phnum is above ELFCORE_COREHDR_MAX_PHNUM. */
ELFCORE_API uint64_t elfcore_corehdr_size(uint64_t phnum);

/* Serialize the whole header into buf (file offset 0): the ELF header,
 * phdr[0 .. h->phnum) and, with extended numbering, section header 0.
 * phdr is in host representation as <elf.h> declares it, every field the
 * caller's (p_flags, p_align included); it may be NULL when h->phnum is 0.
 * Writes exactly elfcore_corehdr_size(h->phnum) bytes; cap is buf's size.
 * Returns 0, or -EINVAL (h or phnum invalid) / -ENOSPC (cap too small) with a
 * message in ctx. */
ELFCORE_API int elfcore_corehdr_build(struct elfcore_ctx *ctx, const struct elfcore_corehdr *h,
				      const Elf64_Phdr *phdr, void *buf, size_t cap);

/* The parts of elfcore_corehdr_build(), for a writer that streams its program
 * headers (it writes each PT_LOAD when the segment closes and rewrites the
 * ELF header at the end). Same returns; each writes a fixed size into buf:
 *   _ehdr:  the ELF header, 64 bytes, to go at offset 0;
 *   _phdr:  one program header, 56 bytes, at 64 + 56 * its index;
 *   _shdr0: section header 0, 64 bytes, at 64 + 56 * h->phnum; only when
 *           h->phnum >= PN_XNUM (-EINVAL otherwise). */
ELFCORE_API int elfcore_corehdr_ehdr(struct elfcore_ctx *ctx, const struct elfcore_corehdr *h,
				     void *buf, size_t cap);
ELFCORE_API int elfcore_corehdr_phdr(struct elfcore_ctx *ctx, const Elf64_Phdr *phdr, void *buf,
				     size_t cap);
ELFCORE_API int elfcore_corehdr_shdr0(struct elfcore_ctx *ctx, const struct elfcore_corehdr *h,
				      void *buf, size_t cap);

/* ELF notes (the PT_NOTE contents: NT_PRSTATUS, VMCOREINFO) for producers of
 * cores: the Elf64_Nhdr (through libelf's elf64_xlatetof), the name with its
 * NUL padded to 4 bytes, then desc padded to 4 bytes.
 * elfcore_note_size: the bytes of such a note.
 * elfcore_note_put: write it at buf; returns its size, or 0 when it does not
 * fit in cap (nothing is written then). */
ELFCORE_API size_t elfcore_note_size(const char *name, size_t descsz);
ELFCORE_API size_t elfcore_note_put(void *buf, size_t cap, const char *name, uint32_t type,
				    const void *desc, size_t descsz);

#endif
