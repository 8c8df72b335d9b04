# purgatory: freestanding code linked relocatable (-r) and embedded into kdump-load.
# Its own flags (STYLE.md): host CFLAGS, sanitizers and -MMD paths never leak in.
PURGATORY_SRCS  := purgatory/entry.S purgatory/purgatory.c purgatory/sha256.c
PURGATORY_OBJS  := $(PURGATORY_SRCS:purgatory/%=$(O)/purgatory/fs/%.o)
PURGATORY_RO    := $(O)/purgatory/purgatory.ro
PURGATORY_CFLAGS := -std=gnu11 -Wall -Wextra -Wno-unused-parameter -ffreestanding -fno-builtin \
	-nostdlib -fno-stack-protector -fno-PIC -fno-PIE -mcmodel=large -mno-sse -mno-mmx -mno-avx \
	-mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fcf-protection=none -fno-jump-tables -Os -Ipurgatory -MMD -MP
ifneq ($(CI),)
PURGATORY_CFLAGS += -Werror
endif

$(O)/purgatory/fs/%.c.o: purgatory/%.c
	$(call say,PURG,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(PURGATORY_CFLAGS) -c -o $@ $<

$(O)/purgatory/fs/%.S.o: purgatory/%.S
	$(call say,PURG,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(PURGATORY_CFLAGS) -D__ASSEMBLER__ -c -o $@ $<

$(PURGATORY_RO): $(PURGATORY_OBJS)
	$(call say,LD,$@)
	$(Q)$(LD) -r -o $@ $^

# The blob embedded into kdump-load: .incbin of the relocatable object.
$(O)/purgatory/blob.o: purgatory/blob.S $(PURGATORY_RO)
	$(call say,AS,$@)
	$(Q)$(CC) -c -DPURGATORY_RO='"$(PURGATORY_RO)"' -o $@ $<

# The same SHA-256 source, compiled for the host, for tests/unit/test_purgatory_sha256.
UNIT_EXTRA_OBJS_test_purgatory_sha256 := $(O)/purgatory/sha256.o
$(O)/tests/unit/test_purgatory_sha256: $(O)/purgatory/sha256.o
