# nfpath: hand-written Makefile. `make` builds build/nfpath; `make check`
# runs every test; targets install missing Debian packages when run as root.
CC ?= cc
PKGS := ncursesw libmnl libnftables libbpf libnetfilter_log
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -MMD -MP
B ?= build
PREFIX ?= /usr/local

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# tests and fuzzers drive the pure decoders: everything but libbpf
CORE_LIBS = $(shell pkg-config --libs $(filter-out libbpf,$(PKGS)) 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

CAPTURE_SRC := $(filter-out %.bpf.c,$(wildcard capture/*.c))
RENDER_SRC := $(wildcard render/*.c)
TUI_SRC := $(wildcard tui/*.c)
# the live capture: the eBPF loader (libbpf) and what drives it; only
# nfpath links them
LIVE_SRC := capture/drops.c capture/live.c
LIVE_OBJ := $(LIVE_SRC:%.c=$(B)/%.o)
CORE_OBJ := $(filter-out $(LIVE_OBJ),$(CAPTURE_SRC:%.c=$(B)/%.o)) $(RENDER_SRC:%.c=$(B)/%.o)
TUI_OBJ := $(TUI_SRC:%.c=$(B)/%.o) $(B)/assets.o
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
DEMO_TRACES := assets/demo/lab-docker.rec
DEMO_RULES :=

.PHONY: all deps test-deps demo check unit e2e asan tsan bench fuzz fuzz-replay install clean

all: deps $(B)/nfpath

deps:
	@tests/deps.sh build

# after deps: two package installs at once would fight over dpkg's lock
test-deps: deps
	@tests/deps.sh test

$(B)/nfpath: $(CORE_OBJ) $(LIVE_OBJ) $(TUI_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -pthread

# order-only: with -j, no object compiles before its packages are installed
$(B)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(PKG_CFLAGS) -I$(B)/capture -c -o $@ $<

# the kernel drop tracer: an eBPF object (CO-RE: the few kernel fields it
# reads are declared in the source and relocated by libbpf against the
# running kernel's BTF at load), embedded in drops.o by its skeleton header
BPF_CLANG ?= clang
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BPF_MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null)
$(B)/capture/drops.bpf.o: capture/drops.bpf.c capture/drops_event.h | deps
	@mkdir -p $(dir $@)
	$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I/usr/include/$(BPF_MULTIARCH) -Wall -Werror -c -o $@ $<

$(B)/capture/drops.skel.h: $(B)/capture/drops.bpf.o
	bpftool gen skeleton $< name drops_bpf > $@.tmp && mv $@.tmp $@

$(B)/capture/drops.o: $(B)/capture/drops.skel.h

$(B)/assets.c: assets/embed.sh assets/diagram.txt $(DEMO_TRACES) $(DEMO_RULES)
	@mkdir -p $(B)
	sh assets/embed.sh $@ assets/diagram.txt $(DEMO_TRACES) -- $(DEMO_RULES)

$(B)/assets.o: $(B)/assets.c
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -Wno-overlength-strings -c -o $@ $<

# each unit test links only the core objects (no curses, no main)
$(B)/tests/%: tests/unit/%.c $(CORE_OBJ) $(B)/assets.o
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(shell pkg-config --cflags check) -o $@ $(filter %.c %.o,$^) $(CHECK_LIBS) $(CORE_LIBS) -pthread

demo: all
	@$(B)/nfpath --demo

# the test runs as recipes of their own, so that `make -jN check` builds
# in parallel and still runs the tests one after another
run_unit = set -e; for t in $(UNIT_BIN); do $$t; done
run_e2e = NFPATH=$(B)/nfpath tests/e2e/run.sh

unit: $(UNIT_BIN)
	@$(run_unit)

e2e: $(B)/nfpath
	@$(run_e2e)

# fuzz targets: each exercises one decoder; seeds are the project's fixtures
FUZZ_TARGETS := input klog monitor record netlink pkt rules diagram fate drops
FUZZ_SEEDS_input := tests/fixtures tests/fixtures/dmesg-styles tests/fixtures/tunnel assets/demo tests/fuzz/regress/input
FUZZ_SEEDS_klog := tests/fixtures tests/fixtures/dmesg-styles tests/fuzz/regress/klog
FUZZ_SEEDS_monitor := tests/fixtures tests/fuzz/regress/monitor
FUZZ_SEEDS_record := assets/demo tests/fixtures/drops/rec tests/fixtures/tunnel tests/fuzz/regress/record
FUZZ_SEEDS_netlink := tests/fixtures/netlink tests/fuzz/regress/netlink
FUZZ_SEEDS_pkt := tests/fixtures/netlink tests/fuzz/regress/pkt
FUZZ_SEEDS_rules := tests/fixtures tests/fuzz/regress/rules
FUZZ_SEEDS_diagram := assets tests/fuzz/regress/diagram
FUZZ_SEEDS_fate := tests/fuzz/regress/fate
FUZZ_SEEDS_drops := tests/fixtures/drops tests/fuzz/regress/drops
FUZZ_SECONDS ?= 60
REPLAY_BIN := $(FUZZ_TARGETS:%=$(B)/fuzz-replay/fuzz_%)

$(B)/fuzz-replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/runner.c $(CORE_OBJ) $(B)/assets.o
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(PKG_CFLAGS) -o $@ $(filter %.c %.o,$^) $(CORE_LIBS) -pthread

# every seed and every past crash through every target (plain and asan builds)
run_fuzz_replay = set -e; $(foreach t,$(FUZZ_TARGETS),mkdir -p tests/fuzz/regress/$(t); \
	find $(FUZZ_SEEDS_$(t)) -maxdepth 1 -type f | xargs -r $(B)/fuzz-replay/fuzz_$(t);)
fuzz-replay: $(REPLAY_BIN)
	@$(run_fuzz_replay)

# always relinked: the library objects below may have changed
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c FORCE
	@mkdir -p build-fuzz
	$(MAKE) --no-print-directory B=build-fuzz CC=clang CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" build-fuzz/assets.o $(CORE_OBJ:$(B)/%=build-fuzz/%)
	clang $(BASE_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) -o $@ $< $(CORE_OBJ:$(B)/%=build-fuzz/%) build-fuzz/assets.o $(CORE_LIBS) -pthread

# make fuzz FUZZ_SECONDS=600: every target for that long; prints executions
# and crashes per target (crash inputs land in build-fuzz/, copy them to
# tests/fuzz/regress/TARGET/ as regression tests)
fuzz:
	@tests/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)
	@$(foreach t,$(FUZZ_TARGETS),mkdir -p build-fuzz/corpus/$(t) tests/fuzz/regress/$(t); \
		rm -f build-fuzz/crash-$(t)-*; \
		build-fuzz/fuzz_$(t) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
			-artifact_prefix=build-fuzz/crash-$(t)- build-fuzz/corpus/$(t) $(FUZZ_SEEDS_$(t)) \
			> build-fuzz/$(t).log 2>&1; \
		printf '%-8s %s executions, %s crashes\n' $(t) \
			"$$(awk '/stat::number_of_executed_units/ {print $$2}' build-fuzz/$(t).log)" \
			"$$(ls build-fuzz/crash-$(t)-* 2>/dev/null | wc -l)";)

FORCE:

# everything built first (in parallel with -jN), then the tests in turn
check: test-deps all $(UNIT_BIN) $(REPLAY_BIN)
	@$(run_unit)
	@$(run_fuzz_replay)
	@$(run_e2e)

# every test under AddressSanitizer and UBSan, then the unit tests (which
# drive the two-thread reader) under ThreadSanitizer
asan:
	@tests/deps.sh fuzz
	$(MAKE) B=build-asan CC=clang CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" LDFLAGS="-fsanitize=address,undefined" check
	@$(MAKE) --no-print-directory tsan

tsan:
	@tests/deps.sh fuzz
	@tests/deps.sh test
	$(MAKE) B=build-tsan CC=clang CFLAGS="-O1 -g -fsanitize=thread" LDFLAGS="-fsanitize=thread" TSAN_OPTIONS=halt_on_error=1 unit

bench: all
	@NFPATH=$(B)/nfpath tests/bench.sh
	@tests/deps.sh test
	@NFPATH=$(B)/nfpath tests/bench_drops.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(B)/nfpath $(DESTDIR)$(PREFIX)/bin/nfpath
	install -m 644 assets/nfpath.1 $(DESTDIR)$(PREFIX)/share/man/man1/nfpath.1

clean:
	rm -rf build build-asan build-tsan build-fuzz

-include $(shell find $(B) -name '*.d' 2>/dev/null)
