# SSH sink (issue 7): libssh connection, SFTP (libssh sftp_*) and exec transports, the sink.
# kdump-capture links $(SSH_SINK_OBJS); so does the ssh-put test driver.
SSH_SINK_OBJS := $(O)/capture/ssh_sink.o $(O)/capture/ssh_sftp.o $(O)/capture/ssh_conn.o \
	$(O)/capture/ssh_df.o

# Unit test of the option parsing and name checks.
$(O)/tests/unit/test_ssh_target.o: ALL_CFLAGS += -Icapture
UNIT_EXTRA_OBJS_test_ssh_target := $(SSH_SINK_OBJS)
$(O)/tests/unit/test_ssh_target: $(SSH_SINK_OBJS)

# The df reply parser is fuzzed (tests/fuzz/fuzz_ssh_df.c).
FUZZ_EXTRA_SRCS += capture/ssh_df.c
