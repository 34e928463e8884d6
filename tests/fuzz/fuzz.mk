# tests/fuzz/fuzz.mk — fuzz harnesses; included by the top Makefile, whose
# variables it uses (CC, ALL_CFLAGS, ALL_LDFLAGS, LIBS, B, CHECK_JOBS, CORE_SRC,
# PROG_LIB_SRC, PROG_LIBS, HEADERS, XML_CFLAGS, XML_LIBS, VIRT_CFLAGS).
#
# Every tests/fuzz/fuzz_NAME.c is a libFuzzer harness (LLVMFuzzerTestOneInput)
# with a seed corpus in tests/fuzz/corpus/NAME/.  Two ways to run it:
#
#   $(B)/tests/fuzz/fuzz_NAME-replay   the harness + tests/fuzz/driver.c,
#                       built with $(CC) against $(B)/libvmtap.a like the unit
#                       tests; runs each corpus file once (make fuzz-replay).
#                       Needs no clang: this is what `make check` runs.
#   make fuzz           with clang: the core rebuilt with coverage and
#                       ASan+UBSan under $(B)/fuzz/, each harness fuzzed
#                       (coverage-guided, from its seeds and what earlier runs
#                       found) for FUZZ_SECONDS, FUZZ_JOBS harnesses at a time.
#                       New inputs go to $(B)/fuzz/corpus/NAME (the seeds in
#                       tests/ are only read), crashes to
#                       $(B)/fuzz/artifacts/NAME/.  Every harness runs; the
#                       target fails when any found a crash, a leak, a timeout
#                       or an out-of-memory.  `make check` runs this with
#                       FUZZ_CHECK_SECONDS.  Never install these.
#
# A crash's input belongs in tests/fuzz/corpus/NAME/ with its fix, so the
# replay (and every later fuzz run) keeps trying it.

CLANG        ?= clang
FUZZ_SECONDS ?= 60
# A fixed seed: a run that finds a crash can be run again the same way
# (FUZZ_SEED=0 lets libFuzzer pick one).
FUZZ_SEED    ?= 1
# make check: 7 harnesses, 2 at a time, 45 s each: about 3 minutes of its
# run on a 2-core machine (README, Testing).
FUZZ_CHECK_SECONDS ?= 45
FUZZ_JOBS    ?= $(CHECK_JOBS)
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer

FUZZ_NAMES   = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY  = $(FUZZ_NAMES:%=$(B)/tests/fuzz/fuzz_%-replay)
FUZZ_BIN     = $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%)
FUZZ_OBJ     = $(CORE_SRC:%.c=$(B)/fuzz/obj/%.o) $(PROG_LIB_SRC:%.c=$(B)/fuzz/obj/%.o)

.PHONY: fuzz _fuzz fuzz-replay clean-fuzz

$(B)/tests/fuzz/fuzz_%-replay: tests/fuzz/fuzz_%.c tests/fuzz/driver.c $(PROG_LIBS) $(B)/libvmtap.a $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter-out %.h,$^) $(LIBS)

# helper/cli/domxml.c needs libxml2's headers, and its harness libxml2 itself
# (XML_CFLAGS, XML_LIBS: the top Makefile's).
$(B)/fuzz/obj/helper/cli/domxml.o: ALL_CFLAGS += $(XML_CFLAGS)
$(B)/fuzz/obj/helper/cli/cmd-libvirt.o: ALL_CFLAGS += $(VIRT_CFLAGS)
$(B)/fuzz/fuzz_domxml $(B)/tests/fuzz/fuzz_domxml-replay: LIBS += $(XML_LIBS)

fuzz-replay: $(FUZZ_REPLAY)
	@set -e; for n in $(FUZZ_NAMES); do \
		$(B)/tests/fuzz/fuzz_$$n-replay tests/fuzz/corpus/$$n; \
	done

$(B)/fuzz/obj/%.o: %.c $(HEADERS) Makefile tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	$(CLANG) $(ALL_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

$(B)/fuzz/libvmtap.a: $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(B)/fuzz/libvmtap.a $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(ALL_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer $(ALL_LDFLAGS) -o $@ $(filter-out %.h,$^) $(LIBS)

# Without clang there is nothing to fuzz with: say so and succeed, since the
# corpus replay (no clang needed) is part of `make check` anyway.
fuzz:
	@if ! command -v $(CLANG) >/dev/null 2>&1; then \
		echo "vmtap: fuzz: $(CLANG) not found, nothing fuzzed (apt-get install clang)"; \
		exit 0; \
	fi; \
	$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) -j$(FUZZ_JOBS) $(FUZZ_BIN) && \
	$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) -k -j$(FUZZ_JOBS) \
		--output-sync=target _fuzz

# One target per harness (never a file; not .PHONY, which would skip the
# pattern rule), so FUZZ_JOBS of them run at once and a crash in
# one (make -k) does not stop the others.  libFuzzer's own output is kept in
# $(B)/fuzz/NAME.log; the last lines and any crash are printed.
_fuzz: $(FUZZ_NAMES:%=fuzz-run-%)
fuzz-run-%: $(B)/fuzz/fuzz_%
	@mkdir -p $(B)/fuzz/corpus/$* $(B)/fuzz/artifacts/$*
	@rm -f $(B)/fuzz/artifacts/$*/*
	@echo "vmtap: fuzzing $* for $(FUZZ_SECONDS)s"
	@if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		$(B)/fuzz/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -seed=$(FUZZ_SEED) -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix=$(B)/fuzz/artifacts/$*/ \
		$(B)/fuzz/corpus/$* tests/fuzz/corpus/$* >$(B)/fuzz/$*.log 2>&1; then \
		echo "vmtap: fuzz $*: ok, $$(sed -n 's/^stat::number_of_executed_units: *//p' $(B)/fuzz/$*.log) runs, $$(sed -n 's/^stat::new_units_added: *//p' $(B)/fuzz/$*.log) new inputs"; \
	else \
		sed -n '/^==[0-9]*==\|^SUMMARY\|^INFO: Running\|Test unit written/,$$p' $(B)/fuzz/$*.log | head -n 80; \
		echo "vmtap: fuzz $*: FAILED (log $(B)/fuzz/$*.log); the input is in $(B)/fuzz/artifacts/$*/:"; \
		ls $(B)/fuzz/artifacts/$*/; \
		echo "vmtap: fix it, and add the input to tests/fuzz/corpus/$*/"; \
		exit 1; \
	fi

clean: clean-fuzz
clean-fuzz:
	rm -rf $(B)/fuzz $(B)/tests/fuzz
