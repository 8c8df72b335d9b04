# The kdump service: kdump-config (C, validates /etc/kdumpkit.conf through
# elfcore's kdumpconf parser), and the shell parts from scripts/: kdump-ctl,
# kdump-mkinitramfs, the capture initramfs' /init and the systemd unit.
# kdump-config links only the library objects it uses, libelf (synth-dump's ELF header) and
# libc, so that it starts fast on slow machines (the crash lab runs it under emulation). The scripts are copied into
# $(O)/bin/ with the install paths substituted.
BINS += $(O)/bin/kdump-config $(O)/bin/kdump-ctl $(O)/bin/kdump-mkinitramfs
SERVICE_DATA := $(O)/bin/kdumpkit-init $(O)/share/kdump-load.service
all: $(SERVICE_DATA)

$(O)/bin/kdump-config: $(O)/service/kdump-config.o $(ELFCORE_LIB)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(ELFCORE_LIB) $(shell $(PKG_CONFIG) --libs libelf)

$(O)/service/kdump-config.o: ALL_CFLAGS += -DSYSCONFDIR='"$(SYSCONFDIR)"'

SERVICE_SUBST = sed -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
	-e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g'

$(O)/bin/kdump-ctl: scripts/kdump-ctl
$(O)/bin/kdump-mkinitramfs: scripts/kdump-mkinitramfs
$(O)/bin/kdumpkit-init: scripts/kdumpkit-init
$(O)/bin/kdump-ctl $(O)/bin/kdump-mkinitramfs $(O)/bin/kdumpkit-init:
	$(call say,GEN,$@)
	@mkdir -p $(dir $@)
	$(Q)$(SERVICE_SUBST) $< >$@.tmp && chmod 0755 $@.tmp && mv $@.tmp $@

$(O)/share/kdump-load.service: scripts/kdump-load.service.in
	$(call say,GEN,$@)
	@mkdir -p $(dir $@)
	$(Q)$(SERVICE_SUBST) $< >$@

define INSTALL_EXTRA +=
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)
	install -m 0755 $(O)/bin/kdumpkit-init $(DESTDIR)$(LIBEXECDIR)/init
	install -m 0644 $(O)/share/kdump-load.service $(DESTDIR)$(UNITDIR)/kdump-load.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/kdumpkit.conf ] || install -m 0644 scripts/kdumpkit.conf $(DESTDIR)$(SYSCONFDIR)/kdumpkit.conf

endef

define UNINSTALL_EXTRA +=
	rm -f $(DESTDIR)$(LIBEXECDIR)/init $(DESTDIR)$(UNITDIR)/kdump-load.service

endef
