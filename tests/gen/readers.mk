# Fuzz seeds for the dump readers, written by the generator (small dumps of
# every variant) before the fuzz targets run.
READER_SEEDS := $(O)/fuzz/seeds/.readers-stamp
$(READER_SEEDS): $(O)/gen/gen_dump
	$(call say,SEEDS,$(O)/fuzz/seeds)
	@mkdir -p $(O)/fuzz/seeds
	$(Q)$(O)/gen/gen_dump --seeds $(O)/fuzz/seeds && touch $@
fuzz-build: $(READER_SEEDS)
$(O)/fuzz/fuzz_elf $(O)/fuzz/fuzz_kdump $(O)/fuzz/fuzz_flat: tests/fuzz/fuzz_dump.h
