# ferrite build. `make` builds the server; `make run` starts it on 127.0.0.1:6379;
# `make test` installs missing Debian packages, then runs unit, integration and fuzz tests.
#
#   make SAN=1 ...   AddressSanitizer + UndefinedBehaviorSanitizer build (in build/san)
#   make sanitize    the integration suite against the sanitizer build

CC      := gcc
PYTHON  := /usr/bin/python3
SAN     ?= 0

CFLAGS_COMMON := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -MMD -MP
# jemalloc when its headers are there (scripts/install-deps.sh installs it), libc malloc
# otherwise, so a bare `make` works anywhere.
HAVE_JEMALLOC := $(shell echo '\#include <jemalloc/jemalloc.h>' | $(CC) -E - >/dev/null 2>&1 && echo 1)

ifeq ($(SAN),1)
  BUILD   := build/san
  CFLAGS  := $(CFLAGS_COMMON) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
             -fno-sanitize-recover=undefined
  LDFLAGS := -fsanitize=address,undefined
  LDLIBS  := -lm
else
  BUILD   := build
  CFLAGS  := $(CFLAGS_COMMON) -O2
  LDFLAGS :=
  LDLIBS  := -lm
  ifeq ($(HAVE_JEMALLOC),1)
    CFLAGS += -DFERRITE_JEMALLOC
    LDLIBS += -ljemalloc
  endif
endif

SERVER_MAIN := src/core/main.c
# ferrite-cli's sources stay out of the server's library: the server must not link libedit.
# Its pure parts (reply reader, formatter) go in their own library for the unit tests.
CLI_SRC     := $(shell find src/cli -name '*.c' | sort)
CLI_MAIN    := src/cli/cli_main.c
LIB_SRC     := $(filter-out $(SERVER_MAIN) $(CLI_SRC),$(shell find src -name '*.c' | sort))
LIB_OBJ     := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_LIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out $(CLI_MAIN),$(CLI_SRC)))
SERVER      := $(BUILD)/ferrite-server
CLI         := $(BUILD)/ferrite-cli

UNIT_SRC    := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

FUZZ_SRC    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN    := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_SECONDS ?= 20

.PHONY: all run test unit integration fuzz fuzz-smoke sanitize deps clean bench

all: $(SERVER) $(CLI)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libferrite.a: $(LIB_OBJ)
	ar rcs $@ $^

$(SERVER): $(BUILD)/obj/$(SERVER_MAIN:.c=.o) $(BUILD)/libferrite.a
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/libferrite-cli.a: $(CLI_LIB_OBJ)
	ar rcs $@ $^

# The cli takes from libferrite.a only what it calls (the allocator, sbuf, num, ev's monotonic
# clock, the line splitter of proto/resp).
$(CLI): $(BUILD)/obj/$(CLI_MAIN:.c=.o) $(BUILD)/libferrite-cli.a $(BUILD)/libferrite.a
	$(CC) $(LDFLAGS) $^ -o $@ -ledit $(LDLIBS)

run:
	@scripts/install-deps.sh build
	$(MAKE) $(SERVER)
	./$(SERVER) --bind 127.0.0.1 --port 6379

deps:
	@scripts/install-deps.sh

# ---- tests ----

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libferrite.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc $< $(BUILD)/libferrite.a -o $@ $(LDFLAGS) -lcmocka $(LDLIBS)

# The cli's unit tests link its library too (the more specific pattern wins).
$(BUILD)/tests/test_cli_%: tests/unit/test_cli_%.c $(BUILD)/libferrite-cli.a $(BUILD)/libferrite.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc $< $(BUILD)/libferrite-cli.a $(BUILD)/libferrite.a -o $@ $(LDFLAGS) -lcmocka $(LDLIBS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; ./$$t; done

integration: $(SERVER) $(CLI)
	FERRITE_SERVER=$(CURDIR)/$(SERVER) $(PYTHON) -m pytest tests/integration -q -p no:cacheprovider

# libFuzzer harnesses, built by clang with ASan/UBSan. Each links only what it needs: by
# default the pure parsers and encodings (no server); a harness that drives the whole server
# sets FUZZ_SRC_<name> to every library source (all of src/ but main.c). Sources are compiled
# once per object into build/fuzz/obj, instrumented for coverage, and shared by the harnesses.
FUZZ_CC      := clang
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 -Isrc
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_PURE_SRC := $(filter src/proto/resp.c src/util/% src/types/listpack.c,$(LIB_SRC))
FUZZ_SRC_fuzz_commands := $(LIB_SRC)
FUZZ_SRC_fuzz_rdb := $(LIB_SRC)
fuzz_objs = $(patsubst %.c,build/fuzz/obj/%.o,$(or $(FUZZ_SRC_$(1)),$(FUZZ_PURE_SRC)))

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

define FUZZ_LINK_RULE
build/fuzz/$(1): tests/fuzz/$(1).c $(call fuzz_objs,$(1))
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$(FUZZ_SAN) -fsanitize=fuzzer -MMD -MP -MF $$@.d $$(filter %.c %.o,$$^) -o $$@ -lm
endef
$(foreach f,$(FUZZ_BIN:build/fuzz/%=%),$(eval $(call FUZZ_LINK_RULE,$(f))))

# Replays the saved corpus (crashes found once stay fixed), then fuzzes briefly.
fuzz-smoke: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do \
	    name=$$(basename $$f); corpus=tests/fuzz/corpus/$$name; mkdir -p $$corpus; \
	    echo "== $$name: replay $$(ls $$corpus | wc -l) inputs, then fuzz $(FUZZ_SECONDS)s"; \
	    $$f -runs=0 $$corpus >/dev/null 2>&1 || { $$f -runs=0 $$corpus; exit 1; }; \
	    work=$$(mktemp -d); \
	    $$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=0 \
	        -artifact_prefix=build/fuzz/ $$work $$corpus >build/fuzz/$$name.log 2>&1 \
	        || { tail -n 30 build/fuzz/$$name.log; rm -rf $$work; exit 1; }; \
	    tail -n 1 build/fuzz/$$name.log; rm -rf $$work; \
	done

fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do $$f -max_total_time=600 tests/fuzz/corpus/$$(basename $$f); done

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) integration
	$(MAKE) fuzz-smoke

sanitize: deps
	$(MAKE) SAN=1 all unit
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    FERRITE_SERVER=$(CURDIR)/build/san/ferrite-server \
	    $(PYTHON) -m pytest tests/integration -q -p no:cacheprovider

bench: $(SERVER)
	bench/run.sh

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
