# fixproof - proof-of-resolution reports from before/after test results.
#
#   make          build build/fixproof (installs missing Debian packages first)
#   make demo     build, then render the proof report from samples/
#   make check    build, then every test: unit, end-to-end, spec, sanitizers
#   make bench    the performance benchmark (not part of check)
#   make fuzz     run every fuzz target for FUZZ_SECONDS each
#   make install  PREFIX=/usr/local DESTDIR=
#
# Dependencies are found with pkg-config. build/config.mk is made first: it
# installs whatever Debian package the build is missing (as root, or tells you
# the command) and records the flags; make then restarts with them. Goals that
# run tests also make build/config-test.mk, which does the same for the test
# packages, so that the goals work in any order (`make demo` then `make check`).
#
# CFLAGS, CPPFLAGS and LDFLAGS from the environment or the command line are
# used (Debian's hardening flags: CFLAGS="$(dpkg-buildflags --get CFLAGS)" ...);
# the project's own flags are added to them. SANITIZE adds sanitizer flags to
# compiling and linking (make asan sets it).

PREFIX ?= /usr/local
# V=1 shows the full compiler command lines.
Q := $(if $(filter 1,$(V)),,@)
DESTDIR ?=
BUILD ?= build
# Debian's own interpreter: the one python3-pytest is installed for.
PYTHON ?= /usr/bin/python3
FUZZ_SECONDS ?= 60

PKGS := libxml-2.0 libcjson libcmark-gfm libcurl libpcre2-8 nettle
TEST_PKGS := cmocka
BUILD_DEBS := gcc libc6-dev pkg-config libxml2-dev libcjson-dev \
	libcmark-gfm-dev libcmark-gfm-extensions-dev libcurl4-openssl-dev libpcre2-dev nettle-dev
TEST_DEBS := libcmocka-dev python3 python3-pytest python3-lxml \
	python3-junitparser libxml2-utils valgrind clang libclang-rt-dev \
	python3-jsonschema python3-yaml groff-base jq

WARN := -std=c11 -Wall -Wextra -pedantic -Wstrict-prototypes -Wmissing-prototypes \
	-Wwrite-strings -Wvla -Wformat=2 -fno-common -Wshadow
WERROR ?= -Werror
CFLAGS ?= -O2 -g
SANITIZE ?=
FP_CPPFLAGS := -DFIXPROOF_VERSION=\"0.1.0\" -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-Iinclude -I$(BUILD)/gen
# What every compiler command line starts with; -MMD -MP writes the headers
# each file includes to a .d file next to its output, read below.
COMPILE = $(CC) $(CPPFLAGS) $(FP_CPPFLAGS) $(CFLAGS) $(SANITIZE) $(WARN) $(WERROR) -MMD -MP

SRCS := $(sort $(wildcard src/*.c))
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
TEMPLATES := $(sort $(wildcard templates/*.mustache))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
# Defined before `check`, whose prerequisites are expanded where it is read.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS))

LIB_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS)) $(BUILD)/obj/embedded.o

.PHONY: all demo check check-build check-run unit e2e asan asan-e2e e2e-both leakcheck bench fuzz fuzz-build fuzz-smoke \
	install clean deps samples
all: $(BUILD)/fixproof

# Goals that run or build tests, and the files they build (the asan and
# fuzz builds are sub-makes whose goals are files).
TEST_GOALS := check check-build check-run unit e2e asan asan-e2e e2e-both leakcheck fuzz fuzz-build fuzz-smoke bench samples \
	$(BUILD)/tests/% $(BUILD)/bin/%
GOALS := $(or $(MAKECMDGOALS),all)
WANT_TESTS := $(filter $(TEST_GOALS),$(GOALS))

# `include`, not `-include`: when a package is missing and cannot be
# installed, make stops here instead of compiling without it.
ifneq ($(filter-out clean deps,$(GOALS)),)
include $(BUILD)/config.mk
ifneq ($(WANT_TESTS),)
include $(BUILD)/config-test.mk
endif
endif
-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tests/*.d $(BUILD)/bin/*.d)

# Installs what the build is missing (and, asked for tests, what they are
# missing: one apt command for both), then records the compiler flags.
$(BUILD)/config.mk: Makefile
	@mkdir -p $(BUILD)
	@$(call install_debs,$(BUILD_DEBS) $(if $(WANT_TESTS),$(TEST_DEBS)))
	@cflags=$$(pkg-config --cflags $(PKGS)) && libs=$$(pkg-config --libs $(PKGS)) && \
	 { echo "DEP_CFLAGS := $$cflags"; echo "DEP_LIBS := $$libs -lcmark-gfm-extensions"; } > $@.tmp
	@mv $@.tmp $@

# Made by test goals only, whatever made build/config.mk before; after it,
# which installs both lists at once when neither file is there yet.
$(BUILD)/config-test.mk: Makefile $(BUILD)/config.mk
	@mkdir -p $(BUILD)
	@$(call install_debs,$(TEST_DEBS))
	@libs=$$(pkg-config --libs $(TEST_PKGS)) && echo "TEST_LIBS := $$libs" > $@.tmp
	@mv $@.tmp $@

deps:
	@$(call install_debs,$(BUILD_DEBS) $(TEST_DEBS))

# $(call install_debs,PACKAGES): installs the packages dpkg does not have.
define install_debs
missing=""; for p in $(1); do \
  dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
  if [ "$$(id -u)" = 0 ]; then \
    echo "fixproof: installing missing Debian packages:$$missing"; \
    export DEBIAN_FRONTEND=noninteractive; \
    { apt-get install -y -q --no-install-recommends $$missing >/dev/null 2>&1 || \
      { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $$missing >/dev/null; }; } || \
      { echo "fixproof: apt-get install failed; run: apt-get update && apt-get install -y$$missing" >&2; exit 1; }; \
  else \
    echo "fixproof: missing Debian packages; run: sudo apt-get update && sudo apt-get install -y$$missing" >&2; exit 1; \
  fi; \
fi
endef

# ---- the program ----

$(BUILD)/fixproof: $(BUILD)/obj/main.o $(BUILD)/libfixproof.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(SANITIZE) $(LDFLAGS) -o $@ $^ $(DEP_LIBS) -lm

# Everything but main(), for the program, the unit tests and the fuzzers.
$(BUILD)/libfixproof.a: $(LIB_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

# The headers each object includes come from its .d file.
$(BUILD)/obj/%.o: src/%.c | $(BUILD)/config.mk
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(COMPILE) $(DEP_CFLAGS) -c -o $@ $<

# Built-in templates and default rules, compiled in as byte arrays.
$(BUILD)/gen/embedded.c: src/embed.sh $(TEMPLATES) src/default-rules.json
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)sh src/embed.sh $(TEMPLATES) src/default-rules.json > $@.tmp
	@mv $@.tmp $@

$(BUILD)/obj/embedded.o: $(BUILD)/gen/embedded.c
	@echo "  CC      $@"
	$(Q)$(COMPILE) -c -o $@ $<

# ---- tests ----

# Each unit test is one program linked against the library.
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libfixproof.a
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(COMPILE) $(DEP_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< \
		$(BUILD)/libfixproof.a $(DEP_LIBS) $(TEST_LIBS) -lm

UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; ./$$t; done

e2e: $(BUILD)/fixproof
	FIXPROOF=$(abspath $(BUILD)/fixproof) $(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e

# The sanitizer build: everything again with ASan+UBSan, then the
# end-to-end suite against it. -O1 comes after CFLAGS, so it wins.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan:
	$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SANITIZE="$(ASAN_FLAGS)" \
		$(BUILD)/asan/fixproof $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(UNIT_SRCS))

asan-e2e: asan
	@set -e; for t in $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(UNIT_SRCS)); do \
	  echo "== $$t (asan)"; ASAN_OPTIONS=detect_leaks=1 ./$$t; done
	FIXPROOF=$(abspath $(BUILD)/asan/fixproof) FIXPROOF_SANITIZED=1 \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e

leakcheck: $(BUILD)/fixproof
	FIXPROOF=$(abspath $(BUILD)/fixproof) $(PYTHON) tests/leakcheck.py

# The builds (program, unit tests, the sanitizer and fuzz builds) use every
# core; the suites then run one after another, but for the two end-to-end
# passes (plain and sanitizer builds): each is one process that waits on
# the binary, so with two cores or more they run side by side, each into
# its own log, shown whole when both have ended (e2e-both).
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
check:
	@$(MAKE) --no-print-directory -j$(JOBS) check-build
	@$(MAKE) --no-print-directory check-run
	@echo "make check: all passed"

check-build: all $(UNIT_BINS) asan $(if $(FUZZ_NAMES),fuzz-build)

check-run: unit $(if $(filter 1,$(JOBS)),e2e asan-e2e,e2e-both) leakcheck $(if $(FUZZ_NAMES),fuzz-smoke)

e2e-both: $(BUILD)/fixproof asan
	@echo "e2e and asan-e2e side by side: logs in $(BUILD)/logs/"
	@mkdir -p $(BUILD)/logs; \
	 $(MAKE) --no-print-directory e2e > $(BUILD)/logs/e2e.log 2>&1 & plain=$$!; \
	 $(MAKE) --no-print-directory asan-e2e > $(BUILD)/logs/asan-e2e.log 2>&1; asan=$$?; \
	 wait $$plain; plain=$$?; \
	 echo "== e2e (exit $$plain)"; cat $(BUILD)/logs/e2e.log; \
	 echo "== asan-e2e (exit $$asan)"; cat $(BUILD)/logs/asan-e2e.log; \
	 test $$plain = 0 && test $$asan = 0

# The sample project's story: "concurrent user sessions tests fail".
DEMO_ARGS := --before samples/before --after samples/after \
	--target TestConcurrentUsers --target test_concurrent_login \
	--title "Concurrent user sessions tests fail"

demo: $(BUILD)/fixproof
	@mkdir -p $(BUILD)/demo
	$(BUILD)/fixproof report $(DEMO_ARGS) -o $(BUILD)/demo/report.md
	$(BUILD)/fixproof report $(DEMO_ARGS) --format html -o $(BUILD)/demo/report.html
	@cat $(BUILD)/demo/report.md
	@echo
	@echo "Markdown: $(BUILD)/demo/report.md   HTML: $(BUILD)/demo/report.html"

samples:
	$(PYTHON) tests/make_samples.py

# ---- fuzzing (libFuzzer, clang) ----
#
# Each tests/fuzz/fuzz_NAME.c is a libFuzzer target linked against a clang
# build of the library with ASan+UBSan. Seeds come from tests/fuzz/seeds/NAME/,
# samples/ and ../shared/corpus/ (see tests/fuzz/run.sh); what a run finds is
# kept under build/fuzz/corpus/NAME/ and crashes under build/fuzz/crashes/.

FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer

fuzz-build:
	$(MAKE) --no-print-directory BUILD=$(BUILD)/fuzz CC=clang SANITIZE="$(FUZZ_FLAGS)" \
		$(patsubst %,$(BUILD)/fuzz/bin/fuzz_%,$(FUZZ_NAMES))

$(BUILD)/bin/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/libfixproof.a
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(CC) $(CPPFLAGS) $(FP_CPPFLAGS) $(CFLAGS) $(WARN) $(WERROR) -MMD -MP $(DEP_CFLAGS) \
		-O1 -g -fsanitize=fuzzer,address,undefined $(LDFLAGS) \
		-o $@ $< $(BUILD)/libfixproof.a $(DEP_LIBS) -lm

# make fuzz: every target for FUZZ_SECONDS; fuzz-smoke: a few seconds each.
fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) BUILD=$(BUILD) sh tests/fuzz/run.sh $(FUZZ_NAMES)

fuzz-smoke: fuzz-build
	FUZZ_SECONDS=3 FUZZ_SMOKE=1 BUILD=$(BUILD) sh tests/fuzz/run.sh $(FUZZ_NAMES)

# ---- benchmark (not part of check: timings on a shared machine are noise) ----

bench: $(BUILD)/fixproof
	FIXPROOF=$(abspath $(BUILD)/fixproof) $(PYTHON) tests/bench/bench.py --out $(BUILD)/bench

# ---- install ----

install: $(BUILD)/fixproof
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/fixproof $(DESTDIR)$(PREFIX)/bin/fixproof
	install -m 644 src/fixproof.1 $(DESTDIR)$(PREFIX)/share/man/man1/fixproof.1

clean:
	rm -rf $(BUILD)
