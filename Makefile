# subreg: build, run, test, bench, fuzz, install.
# `make` builds bin/subreg (optimised, no sanitizers). `make run` and `make test` install
# missing Debian packages first (tools/deps.sh). CFLAGS, CPPFLAGS and LDFLAGS given on the
# command line or in the environment are added to the project's own.

CC      ?= cc
PREFIX  ?= /usr/local
PKGS    := libxml-2.0 libgit2 sqlite3 libmicrohttpd libcjson libcurl
WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
DEFS    := -D_GNU_SOURCE -Ibuild/gen
# Recursive (=): pkg-config is asked when a recipe runs, after tools/deps.sh installed it.
INCS     = $(shell pkg-config --cflags $(PKGS))
LIBS     = $(shell pkg-config --libs $(PKGS)) -lpthread
OPT     := -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2
SAN     := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSAN    := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
DEP      = -MMD -MP

LIB_SRC := $(wildcard registry/*.c)
CLI_SRC := $(wildcard server/*.c)
EMBED   := registry/embed_data.S
EMBEDDED := schemas/subprocessor.xsd schemas/registry.xsd schemas/reference.xsd schemas/hosting.xsd \
            data/seed/reference/countries.xml data/seed/reference/regions.xml docs/openapi.json \
            web/embed.js
HDRS    := $(wildcard registry/*.h server/*.h)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

REL := build/release
ASN := build/asan
TSN := build/tsan

.PHONY: all deps deps-test deps-bench run test tsan bench fuzz install clean asan FORCE

all: bin/subreg

deps:
	@tools/deps.sh build
deps-test:
	@tools/deps.sh test
deps-bench:
	@tools/deps.sh bench

# The version: `git describe` (a release tag such as 1.2.0, or 0.0.0-dev.HASH before the first
# tag: tools such as the SARIF Multitool want a numeric version). Rewritten only when it changes, so a new commit rebuilds the
# few objects that include it (header dependencies come from -MMD) and nothing else.
build/gen/version.h: FORCE
	@mkdir -p $(dir $@)
	@d=$$(git describe --tags --always --dirty 2>/dev/null || echo unknown); \
	  case "$$d" in [0-9]*) ;; *) d="0.0.0-dev.$$d" ;; esac; \
	  v='#define SUBREG_VERSION "'"$$d"'"'; \
	  [ -f $@ ] && [ "$$(cat $@)" = "$$v" ] || echo "$$v" > $@

# Objects: one rule per flavour; header dependencies in the .d files beside them.
$(REL)/%.o: %.c build/gen/version.h | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(WARN) $(DEFS) $(INCS) $(OPT) $(DEP) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
$(ASN)/%.o: %.c build/gen/version.h | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(WARN) $(DEFS) $(INCS) $(SAN) $(DEP) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
$(TSN)/%.o: %.c build/gen/version.h | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(WARN) $(DEFS) $(INCS) $(TSAN) $(DEP) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
$(REL)/registry/embed_data.o $(ASN)/registry/embed_data.o $(TSN)/registry/embed_data.o: $(EMBED) $(EMBEDDED)
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

REL_LIB := $(patsubst %.c,$(REL)/%.o,$(LIB_SRC)) $(REL)/registry/embed_data.o
ASN_LIB := $(patsubst %.c,$(ASN)/%.o,$(LIB_SRC)) $(ASN)/registry/embed_data.o
TSN_LIB := $(patsubst %.c,$(TSN)/%.o,$(LIB_SRC)) $(TSN)/registry/embed_data.o

bin/subreg: $(REL_LIB) $(patsubst %.c,$(REL)/%.o,$(CLI_SRC))
	@mkdir -p bin
	$(CC) $(OPT) $(LDFLAGS) -o $@ $^ $(LIBS)

$(ASN)/subreg: $(ASN_LIB) $(patsubst %.c,$(ASN)/%.o,$(CLI_SRC))
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(TSN)/subreg: $(TSN_LIB) $(patsubst %.c,$(TSN)/%.o,$(CLI_SRC))
	$(CC) $(TSAN) $(LDFLAGS) -o $@ $^ $(LIBS)

asan: $(ASN)/subreg

$(ASN)/tests/unit/%: tests/unit/%.c $(ASN_LIB) | deps-test
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(INCS) $(SAN) $(DEP) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(ASN_LIB) $(LIBS) -lcmocka

build/release/tests/bench/bench_store: tests/bench/bench_store.c $(REL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(INCS) $(OPT) $(DEP) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(REL_LIB) $(LIBS)

# Fuzzing: `make fuzz` runs libFuzzer (clang) on the project's parsers for FUZZ_SECONDS;
# `make test` replays the corpus with a plain driver under ASan/UBSan.
FUZZ_SECONDS ?= 60
$(ASN)/tests/fuzz/fuzz_replay: tests/fuzz/fuzz_replay.c tests/fuzz/fuzz_inputs.c $(ASN_LIB) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(INCS) $(SAN) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ tests/fuzz/fuzz_replay.c tests/fuzz/fuzz_inputs.c $(ASN_LIB) $(LIBS)

build/fuzz/fuzz_inputs: tests/fuzz/fuzz_inputs.c $(LIB_SRC) $(EMBED) $(EMBEDDED) $(HDRS) | deps
	@mkdir -p build/fuzz
	clang-14 $(DEFS) $(INCS) -g -O1 -fsanitize=fuzzer,address,undefined -o $@ tests/fuzz/fuzz_inputs.c $(LIB_SRC) $(EMBED) $(LIBS)

fuzz:
	@tools/deps.sh fuzz
	$(MAKE) build/fuzz/fuzz_inputs
	mkdir -p build/fuzz/corpus && cp -n tests/fuzz/corpus/*/* build/fuzz/corpus/ 2>/dev/null || true
	build/fuzz/fuzz_inputs -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 build/fuzz/corpus
	@echo "new inputs are in build/fuzz/corpus; copy the interesting ones to tests/fuzz/corpus/"

UNIT_BIN := $(patsubst tests/unit/%.c,$(ASN)/tests/unit/%,$(UNIT_SRC))

# Runtime state lives in ignored paths: data/registry.git and data/state/.
run: deps bin/subreg
	@test -d data/registry.git || bin/subreg init --registry data/registry.git --from data/seed
	bin/subreg serve --registry data/registry.git --state data/state

# The whole suite: unit tests (C, cmocka, under ASan+UBSan with leak checks) and black-box
# tests of the real binaries (the sanitizer build and the release build). Ends with
# "N passed, N failed".
tests/node_modules/.bin/ajv: tests/package.json | deps-test
	cd tests && npm install --no-audit --no-fund --loglevel=error
	@touch $@

test: deps-test bin/subreg $(ASN)/subreg $(UNIT_BIN) $(ASN)/tests/fuzz/fuzz_replay tests/node_modules/.bin/ajv
	python3 tests/run.py --unit-dir $(ASN)/tests/unit --fuzz $(ASN)/tests/fuzz/fuzz_replay --bin $(CURDIR)/$(ASN)/subreg --release-bin $(CURDIR)/bin/subreg

# ThreadSanitizer: the API tests (concurrent writers, pushes, hostile clients) against a
# -fsanitize=thread build. `.ci/run` runs it after `make test`.
tsan: deps-test $(TSN)/subreg
	SUBREG_SANITIZER=thread python3 tests/run.py --bin $(CURDIR)/$(TSN)/subreg --only api

bench: deps-bench bin/subreg
	tests/bench/run.sh

install: bin/subreg
	install -D -m 0755 bin/subreg $(DESTDIR)$(PREFIX)/bin/subreg
	install -D -m 0644 man/subreg.1 $(DESTDIR)$(PREFIX)/share/man/man1/subreg.1
	install -D -m 0644 completions/subreg.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/subreg

clean:
	rm -rf build bin

# Header dependencies written by -MMD (absent before the first build).
-include $(shell find build -name '*.d' 2>/dev/null)
