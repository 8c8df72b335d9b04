# Benchmark data (not part of make check; bench/capture/run.sh and bench/inspect/run.sh use it):
#   make bench-data      a raw /proc/vmcore of a 2048M lab guest: bench/data/vmcore-2g (git-ignored)
.PHONY: bench-data
bench-data: bench/data/vmcore-2g

bench/data/vmcore-2g:
	$(Q)$(MAKE) --no-print-directory all
	@mkdir -p bench/data
	$(Q)O=$(O) tests/e2e/lab.sh --loader ref --capture ref --mem 2048M --crashkernel 256M \
		--disk-size 8G --timeout 900 \
		--capture-cmd 'cp $$VMCORE $$OUT/vmcore.raw && makedumpfile -l -d 31 $$VMCORE $$OUT/vmcore' \
		bench/data/lab-2g
	$(Q)mv bench/data/lab-2g/out/vmcore.raw $@ && rm -rf bench/data/lab-2g/out
