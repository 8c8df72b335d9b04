#!/usr/bin/python3
"""Check a dump written by tests/gen/writer_synth with libkdumpfile (physical reads).

usage: writer_check.py DUMP kdump|elf [MIN_GAP]
Every page must read back as writer_synth wrote it; excluded pages must be
missing (kdump, and ELF runs of at least MIN_GAP pages) or zeros (shorter ELF
runs, stored inside a PT_LOAD as makedumpfile -E does).
"""
import struct
import sys

import kdumpfile

PS = 4096
MAX_PFN = 20480
RANGES = [(0x1000, 0x9e000), (0x100000, 0x3000000 - 0x100000), (0x3100000, 0x4fff800 - 0x3100000)]
MASK = (1 << 64) - 1


def in_range(pfn):
    lo = pfn * PS
    return any(lo + PS > a and lo < a + n for a, n in RANGES)


def range_end(pfn):
    lo = pfn * PS
    for a, n in RANGES:
        if lo + PS > a and lo < a + n:
            return min(a + n, lo + PS), max(a, lo)
    return None


def dumped(pfn):
    return in_range(pfn) and pfn % 7 != 3 and not (5000 <= pfn < 6000)


def page(pfn):
    if pfn % 5 == 0:
        return bytes(PS)
    if pfn % 5 == 1:
        return bytes([pfn & 0xff]) * PS
    x = (pfn * 0x9E3779B97F4A7C15 + 1) & MASK
    out = []
    for _ in range(PS // 8):
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
        out.append(struct.pack("<Q", x))
    return b"".join(out)


def main():
    path, kind = sys.argv[1], sys.argv[2]
    min_gap = int(sys.argv[3]) if len(sys.argv) > 3 else 256
    k = kdumpfile.kdumpfile(path)
    if k.attr["linux.uts.release"] != "6.1.0-synth":
        sys.exit("%s: release %r" % (path, k.attr["linux.uts.release"]))
    # ELF: which excluded pages sit inside a segment (short runs)?
    zero_filled = set()
    if kind == "elf":
        last = None
        for pfn in range(MAX_PFN):
            if not dumped(pfn):
                continue
            if last is not None and pfn - last - 1 < min_gap \
                    and range_of(pfn) == range_of(last):
                zero_filled.update(range(last + 1, pfn))
            last = pfn
    bad = 0
    checked = 0
    loads = elf_loads(path) if kind == "elf" else []
    for pfn in range(MAX_PFN):
        lo = pfn * PS
        if dumped(pfn) or pfn in zero_filled:
            want = page(pfn) if dumped(pfn) else bytes(PS)
            # Only the part inside its range: a range may end mid-page, and a
            # converted dump stores the rest of that page as zeros.
            end, start = range_end(pfn) if in_range(pfn) else (lo + PS, lo)
            try:
                got = k.read(kdumpfile.KDUMP_MACHPHYSADDR, start, end - start)
            except Exception as e:
                print("pfn %d: read failed: %s" % (pfn, e))
                bad += 1
                continue
            if got != want[start - lo:end - lo]:
                print("pfn %d: wrong content" % pfn)
                bad += 1
            checked += 1
        elif kind == "elf":
            # libkdumpfile reads ELF gaps as zeros: check the PT_LOADs instead.
            if any(a < lo + PS and lo < a + n for a, n in loads):
                print("pfn %d: excluded page inside a PT_LOAD" % pfn)
                bad += 1
        else:
            try:
                k.read(kdumpfile.KDUMP_MACHPHYSADDR, lo, PS)
                print("pfn %d: excluded page is readable" % pfn)
                bad += 1
            except Exception:
                pass
        if bad > 10:
            break
    print("%s: %d pages checked, %d zero-filled, %d bad" % (path, checked, len(zero_filled), bad))
    sys.exit(1 if bad else 0)


def elf_loads(path):
    """(p_paddr, p_filesz) of every PT_LOAD, read with struct (no libelf in python)."""
    with open(path, "rb") as f:
        eh = f.read(64)
        phoff, = struct.unpack_from("<Q", eh, 32)
        phnum, = struct.unpack_from("<H", eh, 56)
        f.seek(phoff)
        ph = f.read(56 * phnum)
    out = []
    for i in range(phnum):
        p_type, _, _, _, paddr, filesz, memsz = struct.unpack_from("<IIQQQQQ", ph, 56 * i)
        if p_type == 1:
            if filesz != memsz:
                sys.exit("PT_LOAD %d: filesz != memsz" % i)
            out.append((paddr, filesz))
    return out


def range_of(pfn):
    lo = pfn * PS
    for i, (a, n) in enumerate(RANGES):
        if lo + PS > a and lo < a + n:
            return i
    return -1


if __name__ == "__main__":
    main()
