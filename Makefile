# kdumpkit: one non-recursive Makefile; each directory adds its part in a *.mk fragment.
#   make            build everything into build/
#   make check      deps, then unit tests, fuzz smoke runs and the QEMU lab tests
#   make demo       deps, then the crash lab demo (boot a VM, crash it, capture, inspect)
#   make V=1        show the commands; make SANITIZE=1 for an ASan/UBSan build

PREFIX     ?= /usr
BINDIR     ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/lib/kdumpkit
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
DESTDIR    ?=
PKG_CONFIG ?= pkg-config
CC         ?= cc
FUZZ_CC    ?= clang
# Sanitizer builds go to their own directory so the two never mix objects.
ifeq ($(SANITIZE),1)
O          ?= build-asan
else
O          ?= build
endif

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-8s %s\n' $(1) $(2)
endif

PKGS := libelf zlib lzo2 libssh libzstd libcrypto libdeflate
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

# Messages are truncated to their buffers on purpose, so format-truncation is off.
WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wno-format-truncation -Wno-unused-parameter -Wmissing-prototypes
ifneq ($(CI),)
WARN += -Werror
endif
CFLAGS ?= -O2 -g
BASE_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -fvisibility=hidden \
	-Ielfcore/include -Ielfcore $(PKG_CFLAGS) -MMD -MP
ifeq ($(SANITIZE),1)
BASE_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)
LIBS := $(PKG_LIBS) -lpthread

# Fragments append to these.
BINS :=
UNIT_TESTS :=
FUZZ_TARGETS :=
TEST_HELPERS :=
CLEAN :=

.PHONY: all check demo bench install uninstall clean deps unit fuzz-smoke e2e fuzz
all:

# Objects built through pattern rules are kept, so nothing relinks for no reason.
.SECONDARY:

include elfcore/elfcore.mk
include $(filter-out elfcore/elfcore.mk,$(wildcard */*.mk */*/*.mk))

all: $(ELFCORE_LIB) $(BINS) $(TEST_HELPERS)

$(O)/%.o: %.c
	$(call say,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

deps:
	$(Q)scripts/install-deps

check: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_TESTS)
	$(Q)$(MAKE) --no-print-directory -s fuzz-build
	$(Q)O=$(O) tests/run-checks

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)O=$(O) tests/e2e/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	$(foreach b,$(BINS),install -m 0755 $(b) $(DESTDIR)$(BINDIR)/;)
	$(foreach m,$(wildcard doc/*.1),install -m 0644 $(m) $(DESTDIR)$(MANDIR)/man1/;)
	$(foreach m,$(wildcard doc/*.5),install -m 0644 $(m) $(DESTDIR)$(MANDIR)/man5/;)
	$(foreach m,$(wildcard doc/*.8),install -m 0644 $(m) $(DESTDIR)$(MANDIR)/man8/;)
	$(INSTALL_EXTRA)

uninstall:
	$(foreach b,$(BINS),rm -f $(DESTDIR)$(BINDIR)/$(notdir $(b));)
	$(foreach m,$(wildcard doc/*.1),rm -f $(DESTDIR)$(MANDIR)/man1/$(notdir $(m));)
	$(foreach m,$(wildcard doc/*.5),rm -f $(DESTDIR)$(MANDIR)/man5/$(notdir $(m));)
	$(foreach m,$(wildcard doc/*.8),rm -f $(DESTDIR)$(MANDIR)/man8/$(notdir $(m));)
	$(UNINSTALL_EXTRA)

clean:
	rm -rf $(O) $(CLEAN)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
