# mplan build. `make demo` and `make test` do the whole set-up on a fresh Debian machine.
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

BUILD   ?= build
CC      ?= cc
PKG_CONFIG ?= pkg-config

# Debian packages: to build, to test, to benchmark, to build the .debs (`make deb`).
DEB_BUILD := pkg-config liblua5.4-dev libyaml-dev libjansson-dev libmd-dev libxlsxwriter-dev \
             libarchive-dev libsodium-dev libcurl4-openssl-dev
DEB_TEST  := libcmocka-dev lua5.4 mawk python3 chromium python3-statsmodels python3-scipy
DEB_BENCH := python3-scipy python3-pandas python3-yaml libopenblas0-serial hyperfine
DEB_DEB   := dpkg-dev debhelper lintian
PCLIBS    := lua5.4 yaml-0.1 jansson libmd xlsxwriter
# What libmplan itself needs (mplan.pc): the xlsx writers are the command's, not the
# library's, since Debian ships libxlsxwriter as a shared library only (docs/design.md).
LIB_PCLIBS := lua5.4 yaml-0.1 jansson libmd
XLSX_LIBS  := -lxlsxwriter -lz
# Pack sharing (bundles, signatures, HTTP) is in the mplan-share helper only, not in libmplan:
# libcurl cannot be linked statically on Debian (docs/design.md, "Sharing packs").
PCLIBS_CLI := libarchive libsodium libcurl

# `make test` builds and checks the Debian packages too: in CI, or with DEB=1.
DEB ?= $(if $(CI),1,0)

# The version is include/mplan/version.h's; its major number is the shared library's soname.
VERSION := $(shell sed -n 's/^\#define MP_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$$/\2/p' include/mplan/version.h | paste -sd.)
MAJOR   := $(firstword $(subst ., ,$(VERSION)))

# Where `make install` puts things; DESTDIR stages them elsewhere (for packaging).
PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
DATADIR      ?= $(PREFIX)/share
MANDIR       ?= $(DATADIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR  ?= $(DATADIR)/bash-completion/completions
# Compiled into mplan: where a pack named by a bare name is looked for (docs/packs.md).
RULESDIR     ?= $(DATADIR)/mplan/rules
# Compiled into mplan: the shipped signed bundles (the default index of `pack install NAME`)
# and the public keys trusted without `mplan trust add` (docs/security.md).
BUNDLESDIR   ?= $(DATADIR)/mplan/bundles
LIBEXECDIR   ?= $(PREFIX)/libexec
KEYSDIR      ?= $(DATADIR)/mplan/keys

# The libraries, asked of pkg-config once. Goals that install them first (and then run a
# sub-make) or that build nothing go without; any other goal stops here when one is missing.
NOLIB_GOALS := deps deps-test deps-bench deps-deb demo test bench deb clean uninstall
ifneq ($(filter-out $(NOLIB_GOALS),$(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))),)
PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PCLIBS) $(PCLIBS_CLI) 2>/dev/null)
ifneq ($(.SHELLSTATUS),0)
PC_MISSING = $(foreach l,$(PCLIBS) $(PCLIBS_CLI),$(if $(shell $(PKG_CONFIG) --exists $(l) 2>/dev/null && echo y),,$(l)))
$(error pkg-config finds no $(strip $(PC_MISSING)): run `make deps` first (it installs $(DEB_BUILD) as root, else prints the apt-get line))
endif
PC_LIBS := $(shell $(PKG_CONFIG) --libs $(PCLIBS))
PC_LIBS_CLI := $(shell $(PKG_CONFIG) --libs $(PCLIBS_CLI))
endif
# The name the loader finds libxlsxwriter by (its soname: libxlsxwriter.so.4 on Debian 12),
# read from the library the linker would take; evaluated only when xlsx_dl.c is compiled.
XLSX_SONAME = $(shell objdump -p $$($(CC) -print-file-name=libxlsxwriter.so) 2>/dev/null | sed -n 's/^ *SONAME *//p')

# One warning list for everything; CI turns warnings into errors.
WARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion \
        -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
ifneq ($(CI),)
WARN += -Werror
endif

OPT    ?= -O2
CFLAGS ?= $(OPT) -g
# Every object is position-independent (the same objects make libmplan.a and libmplan.so)
# and hides its symbols but those include/mplan declares with MP_API.
ALL_CFLAGS = -std=c11 -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) \
             -fPIC -fvisibility=hidden -Iinclude -Isrc -I$(BUILD)/gen $(PC_CFLAGS)
# libxlsxwriter is not linked: the command loads it for --format xlsx (src/io/xlsx_dl.c),
# which spares every other run its dynamic loading (docs/design.md, "Excel workbooks").
LDLIBS = $(filter-out $(XLSX_LIBS),$(PC_LIBS)) -lm -pthread
LIB_LDLIBS = $(LDLIBS)

ifeq ($(SAN),1)
override BUILD := $(BUILD)-san
ALL_CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

# Fault injection (make test-faults): ASan+UBSan, and every allocating libc call of
# mplan's own code goes through tests/faults/fi_alloc.c, which fails the Nth one.
FI_WRAP := main malloc calloc realloc strdup strndup getline pthread_create
# The objects are the SAN=1 build's (the same flags): only the programs differ, linked in
# build-fi with the wrapper.
ifeq ($(FI),1)
FI_DIR := $(BUILD)-fi
override BUILD := $(BUILD)-san
ALL_CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined $(FI_WRAP:%=-Wl,--wrap=%)
FI_OBJ := $(BUILD)/tests/faults/fi_alloc.o
endif

# Fuzz harnesses (tests/fuzz): FUZZ=1 builds the library and harnesses with clang's
# libFuzzer, ASan and UBSan in build-fuzz; FUZZ_REPLAY=1 (with SAN=1) builds them with a
# plain driver that replays files, for compilers without libFuzzer.
ifeq ($(FUZZ),1)
override BUILD := build-fuzz
CC := clang
ALL_CFLAGS += -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=all
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined
endif
ifeq ($(FUZZ_REPLAY),1)
FUZZ_DEFS := -DMP_FUZZ_MAIN
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
	src/core/diff.c \
	src/core/review.c \
	src/core/fit.c \
	src/core/fit_history.c \
	src/core/uncertainty.c \
	src/core/segment.c \
	src/core/abtest.c \
	src/core/escape.c \
	src/core/numfmt.c \
	src/core/version.c \
	src/core/semver.c \
	src/core/pathcheck.c

SRC_IO := \
	src/io/out.c \
	src/io/esc.c \
	src/io/yaml_doc.c \
	src/io/table.c \
	src/io/run_out.c \
	src/io/plan_load.c \
	src/io/manifest.c \
	src/io/lock.c \
	src/io/pack_fs.c \
	src/io/pack_scaffold.c \
	src/io/pack_info.c \
	src/io/plan_write.c \
	src/io/scenario_load.c \
	src/io/svg.c \
	src/io/whatif_out.c \
	src/io/actuals.c \
	src/io/history.c \
	src/io/fit_out.c \
	src/io/review_out.c \
	src/io/diff_io.c \
	src/io/json_read.c \
	src/io/report_html.c \
	src/io/calendar_ics.c \
	src/io/csv.c \
	src/io/segment_io.c \
	src/io/pack_path.c \
	src/io/seg_buf.c \
	src/io/abtest_io.c \
	src/io/abtest_out.c \
	src/io/store_find.c

# Sharing packs: in the mplan command, not in libmplan (PCLIBS_CLI above).
SRC_SHARE := \
	src/io/trust.c \
	src/io/fetch.c \
	src/io/bundle.c \
	src/io/store.c

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
	src/lua/eval.c \
	src/lua/bind_segment.c \
	src/lua/bind_metric.c \
	src/lua/bind_fit.c

# Above the Lua host, below the CLI: the plan pipeline (include/mplan/run.h) and the
# segment runner; no Lua headers.
SRC_RUN := \
	src/run/run.c \
	src/run/review_run.c \
	src/run/segment_run.c \
	src/run/fit_run.c

# mplan's Lua library (lua/*.lua, not the *.d.lua annotations), embedded in the binary.
LUA_LIB := $(filter-out %.d.lua,$(sort $(wildcard lua/*.lua)))

SRC_CLI := \
	src/cli/main.c \
	src/cli/cli.c \
	src/cli/cmd_run.c \
	src/cli/cmd_eval.c \
	src/cli/cmd_pack.c \
	src/cli/cmd_whatif.c \
	src/cli/cmd_review.c \
	src/cli/cmd_fit.c \
	src/cli/cmd_diff.c \
	src/cli/cmd_report.c \
	src/cli/cmd_calendar.c \
	src/cli/cmd_segment.c \
	src/cli/cmd_abtest.c \
	src/cli/share_exec.c

# The xlsx writers (libxlsxwriter): part of the command, not of libmplan (docs/design.md).
SRC_XLSX := src/io/xlsx_out.c src/io/xlsx_dl.c

$(BUILD)/src/io/xlsx_dl.o: ALL_CFLAGS += -DMP_XLSX_SONAME='"$(or $(XLSX_SONAME),libxlsxwriter.so)"'

# mplan-share: the pack-sharing commands, which `mplan` runs (src/cli/share.h); only it
# links libarchive, libsodium and libcurl, so every other command starts as fast as before.
SRC_SHARE_CLI := \
	src/cli/share_main.c \
	src/cli/cmd_share.c \
	src/cli/cli.c

LIB_SRC := $(SRC_CORE) $(SRC_IO) $(SRC_LUA) $(SRC_RUN)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/lualib.o
CLI_OBJ := $(SRC_CLI:%.c=$(BUILD)/%.o) $(SRC_XLSX:%.c=$(BUILD)/%.o)
SHARE_OBJ := $(SRC_SHARE_CLI:%.c=$(BUILD)/%.o) $(SRC_SHARE:%.c=$(BUILD)/%.o)
SHARE_BIN := $(or $(FI_DIR),$(BUILD))/mplan-share
OBJ     := $(LIB_OBJ) $(CLI_OBJ) $(SHARE_OBJ)
BIN     := $(or $(FI_DIR),$(BUILD))/mplan

UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(sort $(wildcard tests/unit/test_*.c)))
UNIT_BINS  := $(UNIT_TESTS:%=$(BUILD)/tests/%)
# The order they run in, two at a time (tests/unit/run.sh): the slow suites first, so that
# the other one's lane takes the rest.
UNIT_SLOW  := $(BUILD)/tests/test_whatif $(BUILD)/tests/test_allocate
UNIT_RUN   := $(filter $(UNIT_SLOW),$(UNIT_BINS)) $(filter-out $(UNIT_SLOW),$(UNIT_BINS))

SONAME := libmplan.so.$(MAJOR)
SHLIB  := $(BUILD)/libmplan.so.$(VERSION)

.PHONY: all deps deps-test deps-bench deps-deb demo test layers unit e2e test-san test-install test-faults fi-sweep bench \
        bundles sign-rules install uninstall deb clean FORCE fuzz fuzz-smoke fuzz-bins
all: $(BIN) $(SHARE_BIN) $(BUILD)/libmplan.a $(SHLIB) $(BUILD)/mplan.pc $(BUILD)/mplan.bash

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

# The soname is libmplan.so.MAJOR; the file carries the whole version, as Debian names it.
$(SHLIB): $(LIB_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--no-undefined $(LDFLAGS) -o $@ $(LIB_OBJ) $(LIB_LDLIBS)
	$(Q)ln -sf $(notdir $@) $(BUILD)/$(SONAME) && ln -sf $(SONAME) $(BUILD)/libmplan.so

$(BIN): $(CLI_OBJ) $(BUILD)/libmplan.a $(FI_OBJ)
	@echo "  LD      $@"
	$(Q)mkdir -p $(@D) && $(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(FI_OBJ) $(BUILD)/libmplan.a $(LDLIBS)

$(SHARE_BIN): $(SHARE_OBJ) $(BUILD)/libmplan.a $(FI_OBJ)
	@echo "  LD      $@"
	$(Q)mkdir -p $(@D) && $(CC) $(LDFLAGS) -o $@ $(SHARE_OBJ) $(FI_OBJ) $(BUILD)/libmplan.a $(PC_LIBS_CLI) $(LDLIBS)

# Install paths built into files; rewritten only when one changes, so that `make install
# PREFIX=/opt/mplan` after `make` rebuilds exactly what embeds them.
$(BUILD)/gen/paths: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' 'prefix $(PREFIX)' 'libdir $(LIBDIR)' 'includedir $(INCLUDEDIR)' 'rules $(RULESDIR)' \
	    'bundles $(BUNDLESDIR)' 'keys $(KEYSDIR)' 'libexec $(LIBEXECDIR)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/src/io/pack_path.o: $(BUILD)/gen/paths
$(BUILD)/src/io/pack_path.o: ALL_CFLAGS += -DMPLAN_RULES_DIR='"$(RULESDIR)"'
$(BUILD)/src/io/store.o $(BUILD)/src/io/trust.o: $(BUILD)/gen/paths
$(BUILD)/src/io/store.o: ALL_CFLAGS += -DMPLAN_BUNDLES_DIR='"$(BUNDLESDIR)"'
$(BUILD)/src/io/trust.o: ALL_CFLAGS += -DMPLAN_KEYS_DIR='"$(KEYSDIR)"'
$(BUILD)/src/cli/share_exec.o: $(BUILD)/gen/paths
$(BUILD)/src/cli/share_exec.o: ALL_CFLAGS += -DMPLAN_LIBEXEC_DIR='"$(LIBEXECDIR)/mplan"'

# libdir and includedir relative to the prefix where they are under it, as pkg-config's
# --define-prefix expects.
$(BUILD)/mplan.pc: dist/mplan.pc.in $(BUILD)/gen/paths include/mplan/version.h Makefile
	@echo "  GEN     $@"
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${exec_prefix}/%,$(LIBDIR))|' \
	    -e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
	    -e 's|@PCLIBS@|$(LIB_PCLIBS)|' $< >$@

$(BUILD)/mplan.bash: dist/mplan.bash.in $(BUILD)/gen/paths Makefile
	@echo "  GEN     $@"
	$(Q)sed -e 's|@RULESDIR@|$(RULESDIR)|' $< >$@

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libmplan.a Makefile
	@mkdir -p $(dir $@)
	@echo "  TEST-CC $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -MMD -MP $< -o $@ $(BUILD)/libmplan.a $(LDFLAGS) $(LDLIBS) -lcmocka

# Embedders' programs: the public headers (include/mplan) and libmplan.a alone, no -Isrc and
# no Lua include path; embed_doc is the example of docs/design.md, cut out of the page.
EMBED_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(filter -O1 -fsanitize=% -fno-%,$(ALL_CFLAGS)) -Iinclude
EMBED_BINS := $(BUILD)/tests/embed_run $(BUILD)/tests/embed_doc

$(BUILD)/gen/embed_doc.c: docs/design.md Makefile
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)sed -n '/^<!-- embed-example -->$$/,/^<!-- \/embed-example -->$$/p' docs/design.md \
		| sed '/^<!--/d; /^```/d' > $@.tmp && test -s $@.tmp && mv $@.tmp $@

$(BUILD)/tests/embed_run: tests/embed/embed_run.c $(BUILD)/libmplan.a Makefile
	@mkdir -p $(dir $@)
	@echo "  EMBED   $<"
	$(Q)$(CC) $(EMBED_CFLAGS) -MMD -MP $< -o $@ $(BUILD)/libmplan.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/embed_doc: $(BUILD)/gen/embed_doc.c $(BUILD)/libmplan.a
	@mkdir -p $(dir $@)
	@echo "  EMBED   $<"
	$(Q)$(CC) $(EMBED_CFLAGS) $< -o $@ $(BUILD)/libmplan.a $(LDFLAGS) $(LDLIBS)

FUZZ_TARGETS := plan csv partial actuals scenarios manifest lock
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(BUILD)/libmplan.a Makefile
	@mkdir -p $(dir $@)
	@echo "  FUZZ-CC $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(FUZZ_DEFS) -Wno-missing-prototypes -MMD -MP $< -o $@ $(BUILD)/libmplan.a \
	    $(LDFLAGS) $(FUZZ_LDFLAGS) $(LDLIBS)

fuzz-bins: $(FUZZ_BINS)

# `make fuzz` runs each harness for FUZZ_SECS seconds (new inputs in build-fuzz/corpus);
# `make test` runs each for a few seconds (or replays the seeds without libFuzzer).
FUZZ_SECS ?= 300
fuzz: all
	@sh tests/fuzz/run.sh $(FUZZ_SECS)

fuzz-smoke: all
	@sh tests/fuzz/run.sh 3

# ---- set-up: install what is missing when root, else say exactly what to run ----
deps:
	@sh tests/deps.sh $(DEB_BUILD)

deps-test:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_TEST) $(if $(filter 1,$(DEB)),$(DEB_DEB))

deps-bench:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_TEST) $(DEB_BENCH)

deps-deb:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_DEB)

demo: deps
	@$(MAKE) --no-print-directory all
	$(BIN) run examples/new-trade-festival/plan.yaml --format table

# No #include crosses a layer upward (core < io < lua < run < cli; docs/design.md).
layers:
	@sh tests/layers.sh

unit: $(UNIT_BINS)
	@sh tests/unit/run.sh $(UNIT_RUN)

e2e: $(BIN) $(SHARE_BIN) $(EMBED_BINS)
	@MPLAN=$(abspath $(BIN)) sh tests/e2e/run.sh

test: deps-test
	@$(MAKE) --no-print-directory layers all unit e2e test-install
	@$(MAKE) --no-print-directory SAN=1 test-san
	@$(MAKE) --no-print-directory test-faults
	@$(MAKE) --no-print-directory fuzz-smoke
ifeq ($(DEB),1)
	@$(MAKE) --no-print-directory deb
	@sh tests/install/deb.sh $(BUILD)/deb
endif

# The Makefile's own behaviour (tests/install/make.sh); then install into a temporary
# DESTDIR, build programs against it with pkg-config, run the installed mplan, uninstall
# (tests/install/run.sh).
test-install: all
	@MAKE="$(MAKE)" sh tests/install/make.sh
	@MAKE="$(MAKE)" BUILD=$(BUILD) PREFIX=$(PREFIX) sh tests/install/run.sh

# The unit, end-to-end and hostile suites again under ASan+UBSan.
test-san: $(BIN) $(SHARE_BIN) $(UNIT_BINS) $(EMBED_BINS)
	@ASAN_OPTIONS=detect_leaks=1 sh tests/unit/run.sh $(UNIT_RUN)
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

# ---- the shipped packs as signed bundles (docs/packs.md, "The shipped bundles") ----
# Bundles are reproducible, so the bundle of rules/NAME built here has the MANIFEST that the
# release manager signed: the committed signature dist/signatures/NAME.sig is attached
# and must verify. A pack changed since it was signed is left out, with a warning, until
# `make sign-rules MPLAN_SIGNING_KEY=...` signs it again; the private key is never in the tree.
RULE_FILES = $(shell find rules -type f ! -name '*.tmp.*' | LC_ALL=C sort)
RULE_PACKS = $(sort $(patsubst rules/%/pack.yaml,%,$(wildcard rules/*/pack.yaml)))
BUNDLES    := $(BUILD)/bundles

$(BUNDLES)/index.json: $(BIN) $(SHARE_BIN) $(RULE_FILES) $(wildcard dist/signatures/*.sig) dist/keys/mplan-project.pub
	@echo "  BUNDLE  $(BUNDLES)"
	$(Q)rm -rf $(BUNDLES) $(BUNDLES).tmp && mkdir -p $(BUNDLES).tmp
	$(Q)for p in $(RULE_PACKS); do \
	    MPLAN_HOME=$(BUNDLES).tmp/home $(BIN) pack bundle rules/$$p -o $(BUNDLES).tmp/$$p.mpack >/dev/null 2>&1 && \
	    MPLAN_KEYS_DIR=dist/keys $(BIN) pack sign $(BUNDLES).tmp/$$p.mpack --signature dist/signatures/$$p.sig >/dev/null 2>&1 || \
	    { echo "warning: rules/$$p changed since it was signed (dist/signatures/$$p.sig): not shipped as a bundle; see docs/packs.md" >&2; \
	      rm -f $(BUNDLES).tmp/$$p.mpack; }; \
	done
	$(Q)rm -rf $(BUNDLES).tmp/home && $(BIN) pack index $(BUNDLES).tmp >/dev/null && mv $(BUNDLES).tmp $(BUNDLES)

bundles: $(BUNDLES)/index.json

# The release manager's step: sign every shipped pack again with the project key (kept
# offline, never in the tree) and commit dist/signatures.
sign-rules: $(BIN) $(SHARE_BIN)
	@test -n "$(MPLAN_SIGNING_KEY)" || { echo "make sign-rules MPLAN_SIGNING_KEY=path/to/mplan-project.key" >&2; exit 2; }
	$(Q)mkdir -p $(BUILD)/sign && for p in $(RULE_PACKS); do \
	    MPLAN_HOME=$(BUILD)/sign/home $(BIN) pack bundle rules/$$p -o $(BUILD)/sign/$$p.mpack >/dev/null && \
	    $(BIN) pack sign $(BUILD)/sign/$$p.mpack --key $(MPLAN_SIGNING_KEY) --detach dist/signatures/$$p.sig || exit 1; \
	done

# ---- install: the layout of docs/design.md ----
INSTALL    ?= install
HEADERS    := $(sort $(wildcard include/mplan/*.h))

install: all $(BUNDLES)/index.json
	@echo "  INSTALL $(DESTDIR)$(PREFIX)"
	$(Q)$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	    $(DESTDIR)$(INCLUDEDIR)/mplan $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(DATADIR)/mplan/lua $(DESTDIR)$(RULESDIR) $(DESTDIR)$(BUNDLESDIR) $(DESTDIR)$(KEYSDIR) \
	    $(DESTDIR)$(LIBEXECDIR)/mplan
	$(Q)$(INSTALL) -m 755 $(SHARE_BIN) $(DESTDIR)$(LIBEXECDIR)/mplan/mplan-share
	$(Q)$(INSTALL) -m 644 $(BUNDLES)/* $(DESTDIR)$(BUNDLESDIR)/
	$(Q)$(INSTALL) -m 644 dist/keys/*.pub $(DESTDIR)$(KEYSDIR)/
	$(Q)$(INSTALL) -m 755 $(BIN) $(DESTDIR)$(BINDIR)/mplan
	$(Q)$(INSTALL) -m 644 $(BUILD)/libmplan.a $(SHLIB) $(DESTDIR)$(LIBDIR)/
	$(Q)ln -sf $(notdir $(SHLIB)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	$(Q)ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libmplan.so
	$(Q)$(INSTALL) -m 644 $(BUILD)/mplan.pc $(DESTDIR)$(PKGCONFIGDIR)/mplan.pc
	$(Q)$(INSTALL) -m 644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/mplan/
	$(Q)$(INSTALL) -m 644 docs/mplan.1 $(DESTDIR)$(MANDIR)/man1/mplan.1
	$(Q)$(INSTALL) -m 644 $(BUILD)/mplan.bash $(DESTDIR)$(BASHCOMPDIR)/mplan
	$(Q)$(INSTALL) -m 644 lua/mplan.d.lua $(DESTDIR)$(DATADIR)/mplan/lua/mplan.d.lua
	$(Q)for f in $(RULE_FILES:rules/%=%); do \
	    $(INSTALL) -D -m 644 rules/$$f $(DESTDIR)$(RULESDIR)/$$f || exit 1; done

# Removes what install put there and the directories only mplan uses, nothing else.
uninstall:
	@echo "  UNINST  $(DESTDIR)$(PREFIX)"
	$(Q)rm -f $(DESTDIR)$(BINDIR)/mplan $(DESTDIR)$(LIBEXECDIR)/mplan/mplan-share $(DESTDIR)$(LIBDIR)/libmplan.a \
	    $(DESTDIR)$(LIBDIR)/libmplan.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	    $(DESTDIR)$(LIBDIR)/libmplan.so $(DESTDIR)$(PKGCONFIGDIR)/mplan.pc \
	    $(HEADERS:include/%=$(DESTDIR)$(INCLUDEDIR)/%) $(DESTDIR)$(MANDIR)/man1/mplan.1 \
	    $(DESTDIR)$(BASHCOMPDIR)/mplan $(DESTDIR)$(DATADIR)/mplan/lua/mplan.d.lua \
	    $(RULE_FILES:rules/%=$(DESTDIR)$(RULESDIR)/%) $(DESTDIR)$(BUNDLESDIR)/index.json \
	    $(RULE_PACKS:%=$(DESTDIR)$(BUNDLESDIR)/%.mpack) $(patsubst dist/keys/%,$(DESTDIR)$(KEYSDIR)/%,$(wildcard dist/keys/*.pub))
	$(Q)for d in $(sort $(dir $(RULE_FILES:rules/%=$(DESTDIR)$(RULESDIR)/%))); do \
	    while [ "$${d%/}" != "$(DESTDIR)$(RULESDIR)" ] && rmdir "$$d" 2>/dev/null; do d=$${d%/*/}/; done; \
	done
	$(Q)rmdir $(DESTDIR)$(LIBEXECDIR)/mplan 2>/dev/null || true
	$(Q)rmdir $(DESTDIR)$(RULESDIR) $(DESTDIR)$(BUNDLESDIR) $(DESTDIR)$(KEYSDIR) $(DESTDIR)$(DATADIR)/mplan/lua $(DESTDIR)$(DATADIR)/mplan \
	    $(DESTDIR)$(INCLUDEDIR)/mplan 2>/dev/null || true

# ---- Debian packages (debian/): built from a copy of the tree in $(BUILD)/deb, since
# dpkg-buildpackage writes its .debs beside the source directory and works inside debian/.
DEB_SRC := $(BUILD)/deb/mplan-$(VERSION)

deb: deps-deb
	@echo "  DEB     $(BUILD)/deb"
	$(Q)rm -rf $(BUILD)/deb && mkdir -p $(DEB_SRC)
	$(Q)tar -cf - --exclude-vcs --exclude='./build*' --exclude='*.tmp.*' . | tar -xf - -C $(DEB_SRC)
	$(Q)cd $(DEB_SRC) && DEB_BUILD_OPTIONS="parallel=2 noautodbgsym $(DEB_BUILD_OPTIONS)" \
	    dpkg-buildpackage -us -uc -b >../build.log 2>&1 || { tail -40 ../build.log; exit 1; }
	$(Q)ls $(BUILD)/deb/*.deb
	$(Q)lintian --fail-on error --info $(BUILD)/deb/*.changes

clean:
	rm -rf $(BUILD) $(BUILD)-san $(BUILD)-fi build-fuzz

-include $(OBJ:.o=.d) $(UNIT_BINS:=.d) $(FUZZ_BINS:=.d) $(BUILD)/tests/embed_run.d
