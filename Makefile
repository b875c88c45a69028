# subreg: build, run, test, bench, fuzz, install.
# `make` builds bin/subreg (optimised, no sanitizers). `make run` and `make test` install
# missing Debian packages first (tools/deps.sh). CFLAGS, CPPFLAGS and LDFLAGS given on the
# command line or in the environment are added to the project's own.

CC      ?= cc
PREFIX  ?= /usr/local
PKGS    := libxml-2.0 libgit2 sqlite3 libmicrohttpd libcjson libcurl libcrypto
WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
DEFS    := -D_GNU_SOURCE
# Recursive (=): pkg-config is asked when a recipe runs, after tools/deps.sh installed it.
INCS     = $(shell pkg-config --cflags $(PKGS))
LIBS     = $(shell pkg-config --libs $(PKGS)) -lpthread
# Our _FORTIFY_SOURCE level unless the caller chose one (a second -D would be a redefinition).
FORTIFY := $(if $(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),,-D_FORTIFY_SOURCE=2)
OPT     := -O2 -g -fstack-protector-strong $(FORTIFY)
SAN     := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSAN    := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
DEP      = -MMD -MP

# One folder per part; arrows point down only (docs/architecture.md):
#   cli/ (the subreg command) -> server/ (HTTP) -> notices/ -> registry/ (the library)
LIB_SRC := $(wildcard registry/*.c)
PROG_SRC := $(wildcard cli/*.c server/*.c notices/*.c) build/gen/version.c
EMBED   := registry/embed_data.S
EMBEDDED := schemas/subprocessor.xsd schemas/registry.xsd schemas/reference.xsd schemas/hosting.xsd schemas/customer.xsd \
            data/seed/reference/countries.xml data/seed/reference/regions.xml docs/openapi.json \
            web/embed.js
HDRS    := $(wildcard registry/*.h cli/*.h server/*.h notices/*.h)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

REL := build/release
ASN := build/asan
TSN := build/tsan

.PHONY: all deps deps-test deps-bench run test tsan bench fuzz install uninstall clean asan have-deps FORCE
# A recipe that fails leaves no half-written target behind.
.DELETE_ON_ERROR:

all: bin/subreg

# Only the targets that run things install packages (run, test, tsan, bench, fuzz); a plain
# `make` or `make install` says what is missing instead.
deps:
	@tools/deps.sh build
deps-test:
	@tools/deps.sh test
deps-bench:
	@tools/deps.sh bench
have-deps:
	@pkg-config --exists $(PKGS) || { echo "subreg: the build needs Debian packages: run 'make deps' (as root) or tools/deps.sh build" >&2; exit 1; }

# The version: `git describe` (a release tag such as 1.2.0, or 0.0.0-dev.HASH before the first
# tag: tools such as the SARIF Multitool want a numeric version), in one generated .c that is
# rewritten only when the version changes: an edit rebuilds the edited file and this one.
build/gen/version.c: FORCE
	@mkdir -p $(dir $@)
	@d=$$(git describe --tags --always --dirty 2>/dev/null || echo unknown); \
	  case "$$d" in [0-9]*) ;; *) d="0.0.0-dev.$$d" ;; esac; \
	  v='#include "../../registry/version.h"'"\nconst char subreg_version[] = \"$$d\";"; \
	  [ -f $@ ] && [ "$$(cat $@)" = "$$(printf "$$v")" ] || printf "$$v\n" > $@

# The compiler and flags of each flavour, stamped: a change of CC or of flags rebuilds that
# flavour, and nothing else does.
define stamp
@mkdir -p $(dir $@)
@echo '$(1)' | cmp -s - $@ 2>/dev/null || echo '$(1)' > $@
endef
$(REL)/flags: FORCE
	$(call stamp,$(CC) $(WARN) $(DEFS) $(OPT) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS))
$(ASN)/flags: FORCE
	$(call stamp,$(CC) $(WARN) $(DEFS) $(SAN) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS))
$(TSN)/flags: FORCE
	$(call stamp,$(CC) $(WARN) $(DEFS) $(TSAN) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS))

# Objects: one rule per flavour; header dependencies in the .d files beside them.
$(REL)/%.o: %.c $(REL)/flags | have-deps
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(WARN) $(DEFS) $(INCS) $(OPT) $(DEP) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
$(ASN)/%.o: %.c $(ASN)/flags | have-deps
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(WARN) $(DEFS) $(INCS) $(SAN) $(DEP) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
$(TSN)/%.o: %.c $(TSN)/flags | have-deps
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(WARN) $(DEFS) $(INCS) $(TSAN) $(DEP) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
$(REL)/registry/embed_data.o $(ASN)/registry/embed_data.o $(TSN)/registry/embed_data.o: $(EMBED) $(EMBEDDED)
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

REL_LIB := $(patsubst %.c,$(REL)/%.o,$(LIB_SRC)) $(REL)/registry/embed_data.o
ASN_LIB := $(patsubst %.c,$(ASN)/%.o,$(LIB_SRC)) $(ASN)/registry/embed_data.o
TSN_LIB := $(patsubst %.c,$(TSN)/%.o,$(LIB_SRC)) $(TSN)/registry/embed_data.o

bin/subreg: $(REL_LIB) $(patsubst %.c,$(REL)/%.o,$(PROG_SRC))
	@mkdir -p bin
	$(CC) $(OPT) $(LDFLAGS) -o $@ $^ $(LIBS)

$(ASN)/subreg: $(ASN_LIB) $(patsubst %.c,$(ASN)/%.o,$(PROG_SRC))
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(TSN)/subreg: $(TSN_LIB) $(patsubst %.c,$(TSN)/%.o,$(PROG_SRC))
	$(CC) $(TSAN) $(LDFLAGS) -o $@ $^ $(LIBS)

asan: $(ASN)/subreg

$(ASN)/tests/unit/%: tests/unit/%.c $(ASN_LIB) $(ASN)/flags
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(INCS) $(SAN) $(DEP) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(ASN_LIB) $(LIBS) -lcmocka

build/release/tests/bench/bench_store: tests/bench/bench_store.c $(REL_LIB) $(REL)/flags
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(INCS) $(OPT) $(DEP) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(REL_LIB) $(LIBS)

# Fuzzing: `make fuzz` runs libFuzzer (clang) on the project's parsers for FUZZ_SECONDS;
# `make test` replays the corpus with a plain driver under ASan/UBSan.
FUZZ_SECONDS ?= 60
$(ASN)/tests/fuzz/fuzz_replay: tests/fuzz/fuzz_replay.c tests/fuzz/fuzz_inputs.c $(ASN_LIB) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(INCS) $(SAN) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ tests/fuzz/fuzz_replay.c tests/fuzz/fuzz_inputs.c $(ASN_LIB) $(LIBS)

build/fuzz/fuzz_inputs: tests/fuzz/fuzz_inputs.c $(LIB_SRC) $(EMBED) $(EMBEDDED) $(HDRS) | have-deps
	@mkdir -p build/fuzz
	clang-14 $(DEFS) $(INCS) -g -O1 -fsanitize=fuzzer,address,undefined -o $@ tests/fuzz/fuzz_inputs.c $(LIB_SRC) $(EMBED) $(LIBS)

fuzz:
	@tools/deps.sh fuzz
	$(MAKE) build/fuzz/fuzz_inputs
	mkdir -p build/fuzz/corpus && cp -n tests/fuzz/corpus/*/* build/fuzz/corpus/ 2>/dev/null || true
	build/fuzz/fuzz_inputs -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 build/fuzz/corpus
	@echo "new inputs are in build/fuzz/corpus; copy the interesting ones to tests/fuzz/corpus/"

UNIT_BIN := $(patsubst tests/unit/%.c,$(ASN)/tests/unit/%,$(UNIT_SRC))

# Runtime state lives in ignored paths: data/registry.git and data/state/. PORT and LISTEN
# choose where it listens (LISTEN=0.0.0.0 to serve other machines).
PORT   ?= 8080
LISTEN ?= 127.0.0.1
run: deps
	$(MAKE) bin/subreg
	@test -d data/registry.git || bin/subreg init --registry data/registry.git --from data/seed
	bin/subreg serve --registry data/registry.git --state data/state --listen $(LISTEN):$(PORT)

# The whole suite: unit tests (C, cmocka, under ASan+UBSan with leak checks) and black-box
# tests of the real binaries (the sanitizer build and the release build). Ends with
# "N passed, N failed". Packages first, then the build (a recursive make, so that a parallel
# make never compiles before the packages are there).
tests/node_modules/.bin/ajv: tests/package.json
	cd tests && npm install --no-audit --no-fund --loglevel=error
	@touch $@

TEST_BUILD := bin/subreg $(ASN)/subreg $(UNIT_BIN) $(ASN)/tests/fuzz/fuzz_replay build/release/tests/bench/bench_store tests/node_modules/.bin/ajv
test: deps-test
	$(MAKE) $(TEST_BUILD)
	python3 tests/run.py --bench --unit-dir $(ASN)/tests/unit --fuzz $(ASN)/tests/fuzz/fuzz_replay --bin $(CURDIR)/$(ASN)/subreg --release-bin $(CURDIR)/bin/subreg

# ThreadSanitizer: the API tests (concurrent writers, pushes, hostile clients) against a
# -fsanitize=thread build. `.ci/run` runs it after `make test`.
tsan: deps-test
	$(MAKE) $(TSN)/subreg
	SUBREG_SANITIZER=thread python3 tests/run.py --bin $(CURDIR)/$(TSN)/subreg --only api --jobs 2

bench: deps-bench
	$(MAKE) bin/subreg build/release/tests/bench/bench_store
	tests/bench/run.sh

install: bin/subreg
	install -D -m 0755 bin/subreg $(DESTDIR)$(PREFIX)/bin/subreg
	install -D -m 0644 man/subreg.1 $(DESTDIR)$(PREFIX)/share/man/man1/subreg.1
	install -D -m 0644 completions/subreg.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/subreg

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/subreg $(DESTDIR)$(PREFIX)/share/man/man1/subreg.1 \
	      $(DESTDIR)$(PREFIX)/share/bash-completion/completions/subreg

clean:
	rm -rf build bin

# Header dependencies written by -MMD (absent before the first build).
-include $(shell find build -name '*.d' 2>/dev/null)
