#!/usr/bin/python3
# Cross-check kdump-inspect's physical reads against libkdumpfile on sampled pfns:
# where both read a page the bytes must be equal; for kdump-compressed dumps both must
# also agree on which pages are absent. Usage: xcheck.py INSPECT DUMP MAXPFN SAMPLES STRICT
import random, subprocess, sys
import kdumpfile
insp, dump, maxpfn, n, strict = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == '1'
k = kdumpfile.kdumpfile(dump)
random.seed(4)
both = disagree = 0
for pfn in sorted(random.sample(range(maxpfn), min(n, maxpfn))):
    try:
        ref = k.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * 4096, 4096)
    except Exception:
        ref = None
    r = subprocess.run([insp, 'read', dump, hex(pfn * 4096), '4096', '--phys', '--raw'], capture_output=True)
    ours = r.stdout if r.returncode == 0 else None
    if ref is not None and ours is not None:
        both += 1
        if ref != ours:
            print('pfn %#x: bytes differ' % pfn); sys.exit(1)
    elif strict and (ref is None) != (ours is None):
        disagree += 1
        print('pfn %#x: libkdumpfile %s, kdump-inspect %s' % (pfn, 'absent' if ref is None else 'read',
              'absent' if ours is None else 'read'))
print('%s: %d pages equal, %d presence disagreements' % (dump, both, disagree))
sys.exit(1 if disagree or both == 0 else 0)
