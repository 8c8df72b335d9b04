/* On-disk layout of makedumpfile's kdump-compressed and flattened formats
 * (x86_64 / LP64 little-endian ABI), shared by the readers and the writers.
 *
 * kdump-compressed file, in blocks of block_size (= the page size):
 *
 *   block 0            struct disk_dump_header (464 bytes used)
 *   block 1 ..         struct kdump_sub_header (104 bytes), then within the
 *                      sub_hdr_size blocks: VMCOREINFO text, ELF notes, eraseinfo
 *                      (located by the sub header's offset/size pairs)
 *   bitmap_blocks      two bitmaps of equal size, LSB first: 1st = pfn exists,
 *                      2nd = pfn dumped
 *   page descriptors   one struct page_desc (24 bytes) per dumped pfn, in pfn order
 *                      (in a --split file: only the dumped pfns of [start_pfn, end_pfn))
 *   page data          compressed or raw pages, found through the descriptors;
 *                      identical zero pages may share one stored copy
 *
 * Flattened stream (-F): a 4096-byte header ("makedumpfile", type 1,
 * version 1, big-endian int64), then records {be64 offset, be64 size, data}
 * each meant for offset of the rebuilt file, ended by {-1, -1}. A later
 * record overrides an earlier one where they overlap.
 */
#ifndef ELFCORE_DISKDUMP_PRIV_H
#define ELFCORE_DISKDUMP_PRIV_H

#define KDUMP_SIGNATURE         "KDUMP   "
#define DISKDUMP_SIGNATURE      "DISKDUMP"
#define KDUMP_SIG_LEN           8
#define KDUMP_UTS_LEN           65          /* each of the 6 new_utsname fields */
#define KDUMP_MAX_HEADER_VERSION 6

/* struct disk_dump_header field offsets (LP64: struct timeval is 16 bytes,
 * 8-aligned, so 6 bytes of padding follow the utsname). */
#define DH_SIGNATURE            0
#define DH_HEADER_VERSION       8           /* int32 */
#define DH_UTSNAME              12          /* 6 x 65 chars: sysname nodename release version machine domainname */
#define DH_TV_SEC               408         /* int64 */
#define DH_TV_USEC              416         /* int64 */
#define DH_STATUS               424         /* uint32, DUMP_DH_* */
#define DH_BLOCK_SIZE           428         /* int32 */
#define DH_SUB_HDR_SIZE         432         /* int32, in blocks */
#define DH_BITMAP_BLOCKS        436         /* uint32, both bitmaps */
#define DH_MAX_MAPNR            440         /* uint32 (obsolete, v6 has 64 bits in the sub header) */
#define DH_TOTAL_RAM_BLOCKS     444
#define DH_DEVICE_BLOCKS        448
#define DH_WRITTEN_BLOCKS       452
#define DH_CURRENT_CPU          456
#define DH_NR_CPUS              460         /* int32 */
#define DH_SIZE                 464

/* struct kdump_sub_header field offsets (LP64), with the version that added them. */
#define SH_PHYS_BASE            0           /* u64, v1 */
#define SH_DUMP_LEVEL           8           /* int32, v1 */
#define SH_SPLIT                12          /* int32, v2 */
#define SH_START_PFN            16          /* u64, v2 */
#define SH_END_PFN              24          /* u64, v2 */
#define SH_OFFSET_VMCOREINFO    32          /* u64, v3 */
#define SH_SIZE_VMCOREINFO      40          /* u64, v3 */
#define SH_OFFSET_NOTE          48          /* u64, v4 */
#define SH_SIZE_NOTE            56          /* u64, v4 */
#define SH_OFFSET_ERASEINFO     64          /* u64, v5 */
#define SH_SIZE_ERASEINFO       72          /* u64, v5 */
#define SH_START_PFN_64         80          /* u64, v6 */
#define SH_END_PFN_64           88          /* u64, v6 */
#define SH_MAX_MAPNR_64         96          /* u64, v6 */
#define SH_SIZE                 104

/* disk_dump_header.status, and page_desc.flags for the compression bits. */
#define DUMP_DH_COMPRESSED_ZLIB       0x1
#define DUMP_DH_COMPRESSED_LZO        0x2
#define DUMP_DH_COMPRESSED_SNAPPY     0x4
#define DUMP_DH_COMPRESSED_INCOMPLETE 0x8
#define DUMP_DH_EXCLUDED_VMEMMAP      0x10
#define DUMP_DH_COMPRESSED_ZSTD       0x20
#define DUMP_DH_COMPRESSED_ANY \
	(DUMP_DH_COMPRESSED_ZLIB | DUMP_DH_COMPRESSED_LZO | DUMP_DH_COMPRESSED_SNAPPY | \
	 DUMP_DH_COMPRESSED_ZSTD)

/* struct page_desc: {int64 offset, uint32 size, uint32 flags, uint64 page_flags}. */
#define PD_OFFSET               0
#define PD_SIZE                 8
#define PD_FLAGS                12
#define PD_PAGE_FLAGS           16
#define PD_ENTRY_SIZE           24

/* Flattened stream. */
#define FLAT_SIGNATURE          "makedumpfile"
#define FLAT_SIG_LEN            16
#define FLAT_TYPE               1
#define FLAT_VERSION            1
#define FLAT_HEADER_SIZE        4096
#define FLAT_RECORD_HEADER      16
#define FLAT_END_FLAG           (-1)

#endif
