# elfcore: the library every tool links. Any elfcore/*.c is part of it.
ELFCORE_SRCS := $(wildcard elfcore/*.c)
ELFCORE_LIB  := $(O)/libelfcore.a

$(ELFCORE_LIB): $(ELFCORE_SRCS:%.c=$(O)/%.o)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^
