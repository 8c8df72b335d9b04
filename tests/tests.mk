# Unit tests: every tests/unit/test_*.c is one cmocka program linked with elfcore
# (plus any objects a fragment lists in UNIT_EXTRA_OBJS_<name>).
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_TESTS += $(UNIT_SRCS:%.c=$(O)/%)

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(ELFCORE_LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(UNIT_EXTRA_OBJS_$*) $(ELFCORE_LIB) $(LIBS) -lcmocka

# Test data generators (tests/gen/*.c), built with the library.
GEN_SRCS := $(wildcard tests/gen/*.c)
TEST_HELPERS += $(GEN_SRCS:tests/gen/%.c=$(O)/gen/%)
$(O)/gen/%: $(O)/tests/gen/%.o $(ELFCORE_LIB)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(ELFCORE_LIB) $(LIBS)

unit: all $(UNIT_TESTS)

# Fuzz targets: every tests/fuzz/fuzz_*.c, built by clang with libFuzzer, ASan and UBSan,
# against the library sources compiled the same way.
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_TARGETS := $(FUZZ_SRCS:tests/fuzz/%.c=$(O)/fuzz/%)
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-std=gnu11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Ielfcore/include -Ielfcore $(PKG_CFLAGS)
FUZZ_LIB_SRCS = $(ELFCORE_SRCS) $(FUZZ_EXTRA_SRCS)

$(O)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS) $(wildcard elfcore/*.h elfcore/include/elfcore/*.h)
	$(call say,FUZZCC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIB_SRCS) $(LIBS)

.PHONY: fuzz-build
fuzz-build: $(FUZZ_TARGETS)

# A longer fuzzing session: make fuzz FUZZ_SECONDS=600
FUZZ_SECONDS ?= 300
fuzz: fuzz-build
	$(Q)for t in $(FUZZ_TARGETS); do O=$(O) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run-one $$t || exit 1; done
