# kdump-inspect: the offline dump inspector. A thin front end: inspect/main.c
# holds the subcommand table, each subcommand lives in its own inspect/cmd_*.c.
INSPECT_SRCS := $(wildcard inspect/*.c)
KDUMP_INSPECT := $(O)/bin/kdump-inspect
BINS += $(KDUMP_INSPECT)

$(KDUMP_INSPECT): $(INSPECT_SRCS:%.c=$(O)/%.o) $(ELFCORE_LIB)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
