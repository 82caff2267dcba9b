# mplan build. `make demo` and `make test` do the whole set-up on a fresh Debian machine.
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

BUILD   ?= build
CC      ?= cc
PKG_CONFIG ?= pkg-config

# Debian packages: to build, to test, to benchmark.
DEB_BUILD := pkg-config liblua5.4-dev libyaml-dev libjansson-dev libmd-dev
DEB_TEST  := libcmocka-dev lua5.4 mawk python3 chromium
DEB_BENCH := python3-scipy python3-pandas hyperfine
PCLIBS    := lua5.4 yaml-0.1 jansson libmd

# One warning list for everything; CI turns warnings into errors.
WARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion \
        -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
ifneq ($(CI),)
WARN += -Werror
endif

OPT    ?= -O2
CFLAGS ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) \
             -Iinclude -Isrc -I$(BUILD)/gen $(shell $(PKG_CONFIG) --cflags $(PCLIBS) 2>/dev/null)
LDLIBS = $(shell $(PKG_CONFIG) --libs $(PCLIBS) 2>/dev/null) -lm -pthread

ifeq ($(SAN),1)
BUILD := build-san
ALL_CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

# Fault injection (make test-faults): ASan+UBSan, and every allocating libc call of
# mplan's own code goes through tests/faults/fi_alloc.c, which fails the Nth one.
FI_WRAP := main malloc calloc realloc strdup strndup getline pthread_create
ifeq ($(FI),1)
BUILD := build-fi
ALL_CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined $(FI_WRAP:%=-Wl,--wrap=%)
FI_OBJ := $(BUILD)/tests/faults/fi_alloc.o
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

# ---- sources (explicit lists, one line a file) ----
SRC_CORE := \
	src/core/status.c \
	src/core/arena.c \
	src/core/date.c \
	src/core/curve.c \
	src/core/plan.c \
	src/core/kpi.c \
	src/core/alloc.c \
	src/core/goals.c \
	src/core/forecast.c \
	src/core/allocate.c \
	src/core/override.c \
	src/core/whatif.c \
	src/core/review.c \
	src/core/segment.c

SRC_IO := \
	src/io/out.c \
	src/io/esc.c \
	src/io/yaml_doc.c \
	src/io/table.c \
	src/io/run_out.c \
	src/io/plan_load.c \
	src/io/lock.c \
	src/io/pack_fs.c \
	src/io/pack_scaffold.c \
	src/io/pack_info.c \
	src/io/plan_write.c \
	src/io/scenario_load.c \
	src/io/svg.c \
	src/io/whatif_out.c \
	src/io/actuals.c \
	src/io/review_out.c \
	src/io/report_html.c \
	src/io/calendar_ics.c \
	src/io/csv.c \
	src/io/segment_io.c

SRC_LUA := \
	src/lua/host.c \
	src/lua/sandbox.c \
	src/lua/lpattern.c \
	src/lua/pack.c \
	src/lua/bind_plan.c \
	src/lua/bind_channel.c \
	src/lua/bind_alloc.c \
	src/lua/bind_kpi.c \
	src/lua/pack_tools.c \
	src/lua/bind_segment.c \
	src/lua/segment_run.c

# mplan's Lua library (lua/*.lua, not the *.d.lua annotations), embedded in the binary.
LUA_LIB := $(filter-out %.d.lua,$(sort $(wildcard lua/*.lua)))

SRC_CLI := \
	src/cli/main.c \
	src/cli/cli.c \
	src/cli/cmd_run.c \
	src/cli/cmd_eval.c \
	src/cli/cmd_pack.c \
	src/cli/cmd_whatif.c \
	src/cli/planned.c \
	src/cli/cmd_review.c \
	src/cli/cmd_report.c \
	src/cli/cmd_calendar.c \
	src/cli/cmd_segment.c

LIB_SRC := $(SRC_CORE) $(SRC_IO) $(SRC_LUA)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/lualib.o
CLI_OBJ := $(SRC_CLI:%.c=$(BUILD)/%.o)
OBJ     := $(LIB_OBJ) $(CLI_OBJ)
BIN     := $(BUILD)/mplan

UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(sort $(wildcard tests/unit/test_*.c)))
UNIT_BINS  := $(UNIT_TESTS:%=$(BUILD)/tests/%)

.PHONY: all deps demo test unit e2e test-san test-faults fi-sweep bench clean
all: $(BIN)

$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/lualib.c: $(LUA_LIB) src/lua/embed.sh Makefile
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)sh src/lua/embed.sh $(LUA_LIB) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/lualib.o: $(BUILD)/gen/lualib.c
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libmplan.a: $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(BUILD)/libmplan.a $(FI_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(FI_OBJ) $(BUILD)/libmplan.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libmplan.a Makefile
	@mkdir -p $(dir $@)
	@echo "  TEST-CC $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -MMD -MP $< -o $@ $(BUILD)/libmplan.a $(LDFLAGS) $(LDLIBS) -lcmocka

# ---- set-up: install what is missing when root, else say exactly what to run ----
deps:
	@sh tests/deps.sh $(DEB_BUILD)

deps-test:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_TEST)

deps-bench:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_TEST) $(DEB_BENCH)

demo: deps
	@$(MAKE) --no-print-directory all
	$(BIN) run examples/new-trade-festival/plan.yaml --format table

unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do echo "== $$t"; $$t || exit 1; done

e2e: $(BIN)
	@MPLAN=$(abspath $(BIN)) sh tests/e2e/run.sh

test: deps-test
	@$(MAKE) --no-print-directory all unit e2e
	@$(MAKE) --no-print-directory SAN=1 test-san
	@$(MAKE) --no-print-directory test-faults

# The unit, end-to-end and hostile suites again under ASan+UBSan.
test-san: $(BIN) $(UNIT_BINS)
	@for t in $(UNIT_BINS); do echo "== (san) $$t"; ASAN_OPTIONS=detect_leaks=1 $$t || exit 1; done
	@MPLAN=$(abspath $(BIN)) MPLAN_SAN=1 sh tests/e2e/run.sh

# Every allocation a run, whatif, review, report, segment and pack load reaches, failed
# in turn: each must end with exit 5 and a message, or succeed with the whole output.
test-faults:
	@$(MAKE) --no-print-directory FI=1 fi-sweep

fi-sweep: $(BIN)
	@sh tests/faults/sweep.sh $(abspath $(BIN))

bench: deps-bench
	@$(MAKE) --no-print-directory all
	@sh bench/run.sh $(abspath $(BIN))

clean:
	rm -rf build build-san build-fi

-include $(OBJ:.o=.d) $(UNIT_BINS:=.d)
