# kdump-load: the front end, the generic loader and the x86_64 arch code
# (arch/x86/load_*.c), with the purgatory embedded (purgatory/purgatory.mk).
LOADER_LIB_SRCS := loader/iomem.c loader/machine.c loader/plan.c loader/elfcorehdr.c loader/kexec.c \
	$(wildcard arch/x86/load_*.c)
LOADER_LIB_OBJS := $(LOADER_LIB_SRCS:%.c=$(O)/%.o) $(O)/purgatory/sha256.o
KDUMP_LOAD      := $(O)/bin/kdump-load
BINS += $(KDUMP_LOAD)

$(KDUMP_LOAD): $(O)/loader/kdump_load.o $(LOADER_LIB_OBJS) $(O)/purgatory/blob.o $(ELFCORE_LIB)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Unit tests that link the loader (and, through it, the embedded purgatory).
UNIT_EXTRA_OBJS_test_loader := $(LOADER_LIB_OBJS) $(O)/purgatory/blob.o
$(O)/tests/unit/test_loader: $(LOADER_LIB_OBJS) $(O)/purgatory/blob.o

# Fuzz targets of the loader's parsers (/proc/iomem, bzImage) build their sources in.
FUZZ_EXTRA_SRCS += loader/iomem.c loader/machine.c arch/x86/load_bzimage.c

# bzImage seeds: the head of the installed kernel (not committed: it is Debian's binary).
$(O)/fuzz/fuzz_bzimage: $(O)/fuzz/seeds/fuzz_bzimage/head
$(O)/fuzz/seeds/fuzz_bzimage/head:
	@mkdir -p $(dir $@)
	$(Q)k=$$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1); \
	if [ -n "$$k" ]; then head -c 16384 "$$k" >$@; else printf 'HdrS' >$@; fi

