# SSH sink (issue 7): libssh connection, our SFTP client and the sink itself.
# kdump-capture links $(SSH_SINK_OBJS); so does the ssh-put test driver.
SSH_SINK_OBJS := $(O)/capture/ssh_sink.o $(O)/capture/ssh_conn.o $(O)/capture/sftpc.o

# Unit test of the option parsing and name checks.
$(O)/tests/unit/test_ssh_target.o: ALL_CFLAGS += -Icapture
UNIT_EXTRA_OBJS_test_ssh_target := $(SSH_SINK_OBJS)
$(O)/tests/unit/test_ssh_target: $(SSH_SINK_OBJS)
