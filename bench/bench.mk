# Benchmarks: every bench/<name>/run.sh measures kdumpkit against the reference tool side by side
# in one run and prints ratios plus the command that reproduces them. `make bench` runs them all;
# `make bench-<name>` one of them.
BENCHES := $(wildcard bench/*/run.sh)

bench: deps all
	$(Q)[ -n "$(BENCHES)" ] || { echo "bench: no benchmarks in bench/*/run.sh"; exit 1; }
	$(Q)for b in $(BENCHES); do echo "== $$b"; O=$(O) $$b || exit 1; done

bench-%: all
	$(Q)O=$(O) bench/$*/run.sh
