# ssh-put: streams a local file through the SSH sink (tests/e2e/test_ssh.sh, bench/ssh).
TEST_HELPERS += $(O)/tests/ssh-put

$(O)/tests/helpers/ssh_put.o: ALL_CFLAGS += -Icapture

$(O)/tests/ssh-put: $(O)/tests/helpers/ssh_put.o $(SSH_SINK_OBJS) $(ELFCORE_LIB)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# sftp-probe: libssh's own SFTP API, N sessions in parallel (bench/ssh).
TEST_HELPERS += $(O)/tests/sftp-probe
$(O)/tests/helpers/sftp_probe.o: ALL_CFLAGS += -Icapture
$(O)/tests/sftp-probe: $(O)/tests/helpers/sftp_probe.o $(SSH_SINK_OBJS) $(ELFCORE_LIB)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
