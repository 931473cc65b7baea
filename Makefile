# mgw — the one build entry: build, test, bench, demo.
#
#   make            build ./mgw and ./mgwadm
#   make check      install what is missing, run unit and end-to-end tests
#   make demo       install what is missing, run the demo on a netns testbed
#   make bench      data-plane benchmark, the API and the VIP on the testbed (prints numbers)
#   make bench-peers  mgw against nftables, HAProxy, nginx stream on the testbed (ratios)
#   make fuzz       libFuzzer targets (clang)
#   make deb        build/deb/mgw_VERSION_ARCH.deb (binaries, unit, config, man pages)

PKGS     := libdpdk libmicrohttpd jansson libprotobuf-c libcrypto
CC       ?= cc
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -I. -MMD -MP
CFLAGS   += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
B        := build

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

.PHONY: all deps test-deps check unit e2e demo bench bench-peers fuzz deb clean
all: mgw $(if $(ADM_SRC),mgwadm) $(TOOL_BIN)

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

mgw: $(B)/mgw.o $(B)/libmgw.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS)

mgwadm: $(ADM_SRC:%.c=$(B)/%.o)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^ $(shell pkg-config --libs jansson)

# mgwadm's own tests link its objects (all but its main) instead of libmgw.
ADM_LIBOBJ := $(filter-out $(B)/adm/main.o,$(ADM_SRC:%.c=$(B)/%.o))
$(B)/tests/test_adm_%: tests/unit/test_adm_%.c $(ADM_LIBOBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(ADM_LIBOBJ) $(shell pkg-config --libs jansson) -lcmocka

$(B)/tests/test_%: tests/unit/test_%.c $(B)/libmgw.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(B)/libmgw.a $(LDLIBS) -lcmocka

$(B)/tools/%: tests/tools/%.c $(B)/libmgw.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TOOL    $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(B)/libmgw.a $(LDLIBS)

deps:
	@scripts/deps.sh

test-deps:
	@scripts/deps.sh --test

unit: $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

e2e: all
	@tests/run-e2e.sh $(E2E)

check: test-deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)
	@tests/run-e2e.sh $(E2E)

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

# libFuzzer targets, one per decoder: tests/fuzz/fuzz_<x>.c links the <x>
# module's sources (ospf_*.c, bgp_*.c, ...). FUZZ_SECONDS per target.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
FUZZ_SECONDS ?= 60
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c
	@mkdir -p $(dir $@)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. \
		$(shell pkg-config --cflags libdpdk jansson) $< $(wildcard ospf/$*_*.c) -o $@ \
		$(shell pkg-config --libs libdpdk jansson libcrypto) -lpthread

# sync's decoder links its own sources and the generated codec.
$(B)/fuzz/fuzz_sync: tests/fuzz/fuzz_sync.c sync/wire.c $(PROTO_C)
	@mkdir -p $(dir $@)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. -I$(GEN) \
		$(shell pkg-config --cflags libdpdk) $< sync/wire.c $(PROTO_C) -o $@ \
		$(shell pkg-config --libs libprotobuf-c libcrypto)

fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do echo "== $$f ($(FUZZ_SECONDS) s)"; \
		mkdir -p $(B)/fuzz/corpus-$${f##*/}; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(B)/fuzz/corpus-$${f##*/} \
			2>&1 | tail -n 4 || exit 1; done

# The Debian package (scripts/mkdeb.sh says what goes in); the version is
# the one mgw --version prints.
VERSION  := $(shell sed -n 's/^\#define MGW_VERSION "\(.*\)"/\1/p' mgw.c)
deb: mgw mgwadm
	@mkdir -p $(B)/deb
	$(Q)scripts/mkdeb.sh $(B)/deb $(VERSION)

clean:
	rm -rf $(B) mgw mgwadm

-include $(shell find $(B) -name '*.d' 2>/dev/null)
