# lobsim - one Makefile for the library, the program, tests, fuzzers and
# benchmarks. `make` builds build/liblobsim.a and build/lobsim.
#
#   make            library + program (-O2, warnings are errors)
#   make test       build and run every cmocka test (tests/<folder>/test_*.c)
#   make demo       import the bundled sample and show its summary and book
#   make asan       the same under AddressSanitizer + UBSan in build/asan/
#   make asan-test  run the test suite of the sanitizer build
#   make fuzz       libFuzzer targets (clang) in build/fuzz/
#   make fuzz-smoke run each fuzz target for FUZZ_SECONDS
#   make bench      benchmarks (see bench/README.md)
#   make install PREFIX=/usr/local
#
# Every target that builds first runs scripts/install-deps, which installs any
# missing Debian package (or says exactly what to install).

BUILD   ?= build
PREFIX  ?= /usr/local
CC      ?= cc
OPT     ?= -O2
SAN     ?=
PKGS    := zlib gsl inih jansson libcrypto libssl sqlite3 libcurl libwebsockets cmocka
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs zlib gsl inih jansson libcrypto libssl sqlite3 libcurl libwebsockets 2>/dev/null)
TEST_LIBS  := $(shell pkg-config --libs cmocka 2>/dev/null)

CFLAGS  ?= $(OPT) -g
# Link-time optimisation for the program and the benchmarks: the engine's hot
# paths cross modules (book, venue, account, risk layer) through many small
# calls, and optimising across files takes 5% off a backtest. The objects are
# fat (machine code and GCC's own form), so the tests link them as usual and
# stay quick to build. Off for sanitizer and -O0 builds.
LTO     ?= $(if $(SAN)$(filter -O0,$(OPT)),,-flto=auto -ffat-lto-objects)
WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(CFLAGS) $(LTO) $(WARN) $(SAN) $(PKG_CFLAGS) -MMD -MP
LDLIBS  := $(PKG_LIBS) -lcsv -lpthread -lm

LIB_DIRS := core data exchange_models strategy strategy/risk connectors connectors/bybit reports sim
LIB_SRCS := $(filter-out sim/main.c,$(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(BUILD)/obj/sim/main.o
TEST_SRCS := $(wildcard tests/*/test_*.c tests/*/*/test_*.c)
TEST_BINS := $(TEST_SRCS:%.c=$(BUILD)/%)
TEST_SUPPORT := $(wildcard tests/support/*.c)
TEST_SUPPORT_OBJS := $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o)
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRCS:%.c=$(BUILD)/%)

LIB  := $(BUILD)/liblobsim.a
PROG := $(BUILD)/lobsim

.PHONY: all deps test demo asan asan-test fuzz fuzz-smoke bench install clean tests
.DEFAULT_GOAL := all

all: $(LIB) $(PROG)

deps:
	@scripts/install-deps

# A change of flags rebuilds everything (the flags are saved beside the objects).
$(BUILD)/.flags: FORCE | deps
	@mkdir -p $(BUILD)
	@echo '$(CC) $(ALL_CFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS)' > $@
FORCE:

$(BUILD)/obj/%.o: %.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(PROG): $(MAIN_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LTO) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(if $(LTO),-fno-lto) $(SAN) -o $@ $^ $(TEST_LIBS) $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LTO) $(SAN) -o $@ $^ $(LDLIBS)

tests: $(TEST_BINS) $(PROG)

test: tests
	@scripts/run-tests $(BUILD) $(TEST_BINS)

demo: all
	@scripts/demo $(BUILD)

asan:
	$(MAKE) BUILD=build/asan OPT=-O1 SAN='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' all tests

asan-test: asan
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  scripts/run-tests build/asan $(TEST_SRCS:%.c=build/asan/%)

# --- fuzzing (clang + libFuzzer) -------------------------------------------
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_SECONDS ?= 15
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS)
FUZZ_LIB_SRCS := $(LIB_SRCS)

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS) | deps
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIB_SRCS) $(LDLIBS)

fuzz: $(FUZZ_BINS)

fuzz-smoke: fuzz
	@scripts/fuzz-smoke $(FUZZ_SECONDS) $(FUZZ_BINS)

bench: all $(BENCH_BINS)
	@echo "benchmark programs built in $(BUILD)/bench; run bench/run.sh (see bench/README.md)"

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/share/lobsim/instruments
	install -m 755 $(PROG) $(DESTDIR)$(PREFIX)/bin/lobsim
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/liblobsim.a
	install -m 644 data/instruments/*.ini $(DESTDIR)$(PREFIX)/share/lobsim/instruments/
	for d in $(LIB_DIRS); do \
	  if ls $$d/*.h >/dev/null 2>&1; then \
	    install -d $(DESTDIR)$(PREFIX)/include/lobsim/$$d && \
	    install -m 644 $$d/*.h $(DESTDIR)$(PREFIX)/include/lobsim/$$d/; fi; done

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
