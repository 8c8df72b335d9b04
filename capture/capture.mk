# kdump-capture: the capture front end (runs in the crash kernel).
CAPTURE_SRCS := capture/main.c capture/input.c capture/pipeline.c capture/progress.c
CAPTURE_OBJS := $(CAPTURE_SRCS:%.c=$(O)/%.o)
# --ssh (capture/ssh.mk): the SSH sink and its glue.
CAPTURE_OBJS += $(O)/capture/ssh_out.o $(O)/capture/ssh_sink.o $(O)/capture/ssh_sftp.o \
	$(O)/capture/ssh_conn.o $(O)/capture/ssh_df.o
BINS += $(O)/bin/kdump-capture

$(O)/bin/kdump-capture: $(CAPTURE_OBJS) $(ELFCORE_LIB)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CAPTURE_OBJS) $(ELFCORE_LIB) $(LIBS)
