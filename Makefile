# nfpath: hand-written Makefile. `make` builds build/nfpath; `make check`
# runs every test; targets install missing Debian packages when run as root.
CC ?= cc
PKGS := ncursesw libmnl libnetfilter_log libnftables
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -MMD -MP
B ?= build
PREFIX ?= /usr/local

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

CAPTURE_SRC := $(wildcard capture/*.c)
RENDER_SRC := $(wildcard render/*.c)
TUI_SRC := $(wildcard tui/*.c)
CORE_OBJ := $(CAPTURE_SRC:%.c=$(B)/%.o) $(RENDER_SRC:%.c=$(B)/%.o)
TUI_OBJ := $(TUI_SRC:%.c=$(B)/%.o) $(B)/assets.o
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
DEMO_TRACES := assets/demo/lab-docker.rec
DEMO_RULES :=

.PHONY: all deps test-deps demo check unit e2e asan bench fuzz install clean lab-up lab-down

all: deps $(B)/nfpath

deps:
	@tests/deps.sh build

test-deps:
	@tests/deps.sh test

$(B)/nfpath: $(CORE_OBJ) $(TUI_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -pthread

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(B)/assets.c: assets/embed.sh assets/diagram.txt $(DEMO_TRACES) $(DEMO_RULES)
	@mkdir -p $(B)
	sh assets/embed.sh $@ assets/diagram.txt $(DEMO_TRACES) -- $(DEMO_RULES)

$(B)/assets.o: $(B)/assets.c
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -Wno-overlength-strings -c -o $@ $<

# each unit test links only the core objects (no curses, no main)
$(B)/tests/%: tests/unit/%.c $(CORE_OBJ) $(B)/assets.o
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(shell pkg-config --cflags check) -o $@ $(filter %.c %.o,$^) $(CHECK_LIBS) $(PKG_LIBS) -pthread

demo: all
	@$(B)/nfpath --demo

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do $$t; done

e2e: $(B)/nfpath
	@NFPATH=$(B)/nfpath tests/e2e/run.sh

check: test-deps all unit e2e

asan:
	@tests/deps.sh fuzz
	$(MAKE) B=build-asan CC=clang CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" LDFLAGS="-fsanitize=address,undefined" check

bench: all
	@NFPATH=$(B)/nfpath tests/bench.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(B)/nfpath $(DESTDIR)$(PREFIX)/bin/nfpath
	install -m 644 assets/nfpath.1 $(DESTDIR)$(PREFIX)/share/man/man1/nfpath.1

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(B) -name '*.d' 2>/dev/null)
