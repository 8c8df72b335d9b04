# ssh-put: streams a local file through the SSH sink (tests/e2e/test_ssh.sh, bench/ssh).
# sftp-probe: libssh's own SFTP API alone, N sessions in parallel (bench/ssh).
SSH_HELPERS := $(O)/tests/ssh-put $(O)/tests/sftp-probe
TEST_HELPERS += $(SSH_HELPERS)

$(O)/tests/helpers/ssh_put.o $(O)/tests/helpers/sftp_probe.o: ALL_CFLAGS += -Icapture
$(O)/tests/ssh-put: $(O)/tests/helpers/ssh_put.o
$(O)/tests/sftp-probe: $(O)/tests/helpers/sftp_probe.o

$(SSH_HELPERS): $(SSH_SINK_OBJS) $(ELFCORE_LIB)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ELFCORE_LIB) $(LIBS)
