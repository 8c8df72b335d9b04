# elfcore: the library every tool links. Every elfcore/*.c is part of it, and so is the
# arch code of the library (arch/<arch>/ec_*.c: address translation behind the arch ops table).
ELFCORE_SRCS := $(wildcard elfcore/*.c arch/*/ec_*.c)
ELFCORE_LIB  := $(O)/libelfcore.a

$(ELFCORE_LIB): $(ELFCORE_SRCS:%.c=$(O)/%.o)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^
