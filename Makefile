# mgw — the one build entry: build, test, bench, demo.
#
#   make            build ./mgw and ./mgwadm
#   make check      install what is missing, run unit and end-to-end tests
#   make demo       install what is missing, run the demo on a netns testbed
#   make bench      data-plane benchmark, the API and the VIP on the testbed (prints numbers)
#   make bench-peers  mgw against nftables, HAProxy, nginx stream on the testbed (ratios)
#   make fuzz       libFuzzer targets (clang, ASan+UBSan), FUZZ_SECONDS each (60)
#   make fuzz-ci    the same, 30 s each (what .ci/run runs)
#   make check SAN=1  the same tests built with ASan+UBSan into build-san/
#   make tsan       the control-plane unit tests under ThreadSanitizer (build-tsan/)
#   make deb        build/deb/mgw_VERSION_ARCH.deb (binaries, unit, config, man pages)

PKGS     := libdpdk libmicrohttpd jansson libprotobuf-c libcrypto
CC       ?= cc
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -I. -MMD -MP
CFLAGS   += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
B        := build

# SAN=1: AddressSanitizer + UndefinedBehaviorSanitizer, a report ends the
# program (no recovery), objects and binaries under build-san/ so the normal
# build is left alone. TSAN=1 (used by `make tsan`): ThreadSanitizer under
# build-tsan/. docs/testbed.md "Sanitizers" says what they see of DPDK.
ifeq ($(SAN),1)
B        := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifeq ($(TSAN),1)
B        := build-tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
# TSan does not model fences (dp/neigh.c's seqlock, rte_rcu_qsbr): say so,
# do not fail the build. The data plane is built without TSan: its
# hand-offs to the control plane go through DPDK's uninstrumented rings,
# RCU and launch code, which TSan cannot see (every report would be false);
# what TSan checks is the control threads against each other.
CFLAGS   += -Wno-tsan
$(B)/dp/%.o: SANFLAGS :=
endif
CFLAGS   += $(SANFLAGS)
LDFLAGS  += $(SANFLAGS)
# The binaries: ./mgw and ./mgwadm, or inside the sanitizer's build dir.
BIN      := $(if $(SANFLAGS),$(B)/)
MGW      := $(BIN)mgw
MGWADM   := $(BIN)mgwadm

# Every module's .c goes into one archive; binaries and tests take what they use.
LIB_SRC  := $(sort $(wildcard dp/*.c cp/*.c ospf/*.c sync/*.c web/*.c))
# The status page (web/status/index.html) is compiled into the binary.
PAGE_OBJ := $(B)/web/status_page.o
# sync's wire: C generated from sync/sync.proto by protoc-c (Debian's
# protobuf-c-compiler) into $(GEN); `make gen` remakes it.
GEN      := $(B)/gen
PROTO_C  := $(GEN)/sync/sync.pb-c.c
PROTO_H  := $(GEN)/sync/sync.pb-c.h
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o) $(B)/gen/sync/sync.pb-c.o $(PAGE_OBJ)
CFLAGS   += -I$(GEN)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
BENCH_SRC:= $(sort $(wildcard tests/bench/*.c))
# Small programs that e2e scenarios drive (one .c each, linked with libmgw).
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(B)/tools/%)
ADM_SRC  := $(sort $(wildcard adm/*.c))
# Unit tests read reference captures from tests/data (tests/data/README.md),
# found by absolute path so a test binary runs from any directory.
TEST_CFLAGS := -DMGW_TEST_DATA='"$(CURDIR)/tests/data"'

.PHONY: all deps test-deps check unit e2e demo bench bench-peers fuzz fuzz-ci tsan deb clean
all: $(MGW) $(if $(ADM_SRC),$(MGWADM)) $(TOOL_BIN)

# `make V=1` shows the commands.
Q        := $(if $(V),,@)

$(PROTO_C) $(PROTO_H) &: sync/sync.proto
	@mkdir -p $(GEN)
	@$(if $(Q),echo "  PROTOC  $<")
	$(Q)protoc-c --c_out=$(GEN) $<

# Generated code is compiled without -Werror's extra warnings.
$(B)/gen/sync/sync.pb-c.o: $(PROTO_C)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(filter-out -Wextra -Werror,$(CFLAGS)) -c -o $@ $<

$(B)/%.o: %.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(B)/web/status_page.c: web/status/index.html scripts/embed.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/embed.sh $< web_status_html >$@

$(B)/web/status_page.o: $(B)/web/status_page.c
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(B)/libmgw.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(MGW): $(B)/mgw.o $(B)/libmgw.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(MGWADM): $(ADM_SRC:%.c=$(B)/%.o)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs jansson)

# mgwadm's own tests link its objects (all but its main) instead of libmgw.
ADM_LIBOBJ := $(filter-out $(B)/adm/main.o,$(ADM_SRC:%.c=$(B)/%.o))
$(B)/tests/test_adm_%: tests/unit/test_adm_%.c $(ADM_LIBOBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS) $(TEST_CFLAGS) -o $@ $< $(ADM_LIBOBJ) $(shell pkg-config --libs jansson) -lcmocka

$(B)/tests/test_%: tests/unit/test_%.c $(B)/libmgw.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS) $(TEST_CFLAGS) -o $@ $< $(B)/libmgw.a $(LDLIBS) -lcmocka

$(B)/tools/%: tests/tools/%.c $(B)/libmgw.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TOOL    $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(B)/libmgw.a $(LDLIBS)

# Where the e2e scripts find what they run (tests/lib/common.sh), and the
# sanitizers' options: any report fails the program, hence the test.
# LeakSanitizer reads tests/san/lsan.supp (DPDK's EAL keeps memory to exit).
E2E_ENV  := TB_BUILD=$(CURDIR)/$(B) TB_MGW=$(CURDIR)/$(MGW) TB_MGWADM=$(CURDIR)/$(MGWADM)
SAN_ENV  := TB_SAN=1 ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_string_checks=1 \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/san/lsan.supp:print_suppressions=0
TSAN_ENV := TB_SAN=1 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/san/tsan.supp
# The scenarios `make check SAN=1` runs (fast ones that cover the packet
# path, the API and mgwadm, the malformed-packet storm, the IPv6 port path); E2E= overrides.
SAN_E2E  := basic api mgwadm icmp frag pkt_storm ipv6_port
TSAN_UNIT:= $(addprefix $(B)/tests/,test_hc_checks test_hc_set test_hc_timer test_hc_fsm test_selfcheck test_ospf_api test_adm_http test_snap)

deps:
	@scripts/deps.sh

test-deps:
	@scripts/deps.sh --test

unit: $(UNIT_BIN)
	@$(if $(SANFLAGS),$(SAN_ENV)) tests/run-unit.sh $(UNIT_BIN)

e2e: all
	@$(E2E_ENV) $(if $(SANFLAGS),$(SAN_ENV)) tests/run-e2e.sh $(or $(E2E),$(if $(SANFLAGS),$(SAN_E2E)))

check: test-deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@$(if $(SANFLAGS),$(SAN_ENV)) tests/run-unit.sh $(UNIT_BIN)
	@$(E2E_ENV) $(if $(SANFLAGS),$(SAN_ENV)) tests/run-e2e.sh $(or $(E2E),$(if $(SANFLAGS),$(SAN_E2E)))

# ThreadSanitizer over the tests whose code runs control threads (health
# checker, self-check, OSPF I/O, mgwadm's client, snapshots), then mgw
# itself through the api scenario (web, config, health and self-check
# threads at once) — a separate build.
TSAN_E2E := api
tsan: test-deps
	@$(MAKE) --no-print-directory TSAN=1 tsan-run
tsan-run: all $(TSAN_UNIT)
	@$(TSAN_ENV) tests/run-unit.sh $(TSAN_UNIT)
	@$(E2E_ENV) $(TSAN_ENV) tests/run-e2e.sh $(or $(E2E),$(TSAN_E2E))

demo: test-deps
	@$(MAKE) --no-print-directory all
	@tests/demo/run.sh

bench: test-deps
	@$(MAKE) --no-print-directory all $(B)/bench
	@tests/bench/run.sh

# mgw (af_xdp, af_packet) against nftables FULLNAT, HAProxy and nginx stream
# on one veth testbed: a table of ratios, last line JSON
bench-peers: test-deps
	@$(MAKE) --no-print-directory all
	@tests/bench/peers.sh

$(B)/bench: $(BENCH_SRC) $(B)/libmgw.a
	$(CC) $(CFLAGS) -o $@ $(BENCH_SRC) $(B)/libmgw.a $(LDLIBS)

# libFuzzer targets, one per decoder: tests/fuzz/fuzz_<x>.c, seeded from
# tests/fuzz/corpus/<x>/. The library and mgwadm's objects are compiled
# once more with clang, instrumented for coverage and with ASan+UBSan,
# under build/fuzz/; each target links what it uses of them. `make fuzz`
# runs each for FUZZ_SECONDS (new inputs go to build/fuzz/corpus-<x>, a
# crash to build/fuzz/crash-<x>-*, and fails the run); `make fuzz-ci` is
# the same for 30 s each. Niced: the box is shared.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FB       := build/fuzz
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FB)/%)
FUZZ_SECONDS ?= 60
FUZZ_CC  := clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -I. -I$(GEN) -MMD -MP $(FUZZ_SAN) \
	       $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_LIB := $(FB)/libmgw.a $(FB)/libadm.a
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FB)/obj/%.o) $(FB)/obj/gen/sync/sync.pb-c.o \
	$(FB)/obj/gen/web/status_page.o
FUZZ_ADM_OBJ := $(filter-out $(FB)/obj/adm/main.o,$(ADM_SRC:%.c=$(FB)/obj/%.o))

# the status page, embedded (the API serves it at /)
$(FB)/obj/gen/web/status_page.o: $(B)/web/status_page.c
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FB)/obj/gen/sync/sync.pb-c.o: $(PROTO_C)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(filter-out -Wextra,$(FUZZ_CFLAGS)) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FB)/obj/%.o: %.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CLANG   $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FB)/libmgw.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(FB)/libadm.a: $(FUZZ_ADM_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(FB)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(LDLIBS)

# One target: its stats line (executions, coverage) and the verdict.
FUZZ_RUN = d=$(FB)/corpus-$${f\#\#*/}; mkdir -p $$d; \
	echo "== $${f\#\#*/} ($(1) s)"; \
	ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	nice -n 19 $$f -max_total_time=$(1) -print_final_stats=1 -artifact_prefix=$(FB)/crash-$${f\#\#*/}- \
		$$d $$(ls -d tests/fuzz/corpus/$${f\#\#*/fuzz_} 2>/dev/null) >$$d.log 2>&1; rc=$$?; \
	grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)|cov: " $$d.log | tail -n 5; \
	if [ $$rc -ne 0 ]; then tail -n 40 $$d.log; echo "!! $${f\#\#*/} failed (log $$d.log)"; exit 1; fi

fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do $(call FUZZ_RUN,$(FUZZ_SECONDS)); done

fuzz-ci: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do $(call FUZZ_RUN,30); done

# The Debian package (scripts/mkdeb.sh says what goes in); the version is
# the one mgw --version prints.
VERSION  := $(shell sed -n 's/^\#define MGW_VERSION "\(.*\)"/\1/p' mgw.c)
deb: mgw mgwadm
	@mkdir -p $(B)/deb
	$(Q)scripts/mkdeb.sh $(B)/deb $(VERSION)

clean:
	rm -rf build build-san build-tsan mgw mgwadm

-include $(shell find $(B) -name '*.d' 2>/dev/null)
-include $(shell find $(FB)/obj -name '*.d' 2>/dev/null)
