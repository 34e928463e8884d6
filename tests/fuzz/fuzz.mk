# tests/fuzz/fuzz.mk — fuzz harnesses; included by the top Makefile, whose
# variables it uses (CC, ALL_CFLAGS, ALL_LDFLAGS, LIBS, B, CORE_SRC,
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
#                       ASan+UBSan under $(B)/fuzz/, each harness fuzzed for
#                       FUZZ_SECONDS.  New inputs go to $(B)/fuzz/corpus/NAME
#                       (the seeds in tests/ are only read), crashes to
#                       $(B)/fuzz/artifacts/NAME/.  Never install these.

CLANG        ?= clang
FUZZ_SECONDS ?= 60
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
	$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) _fuzz

_fuzz: $(FUZZ_BIN)
	@set -e; for n in $(FUZZ_NAMES); do \
		mkdir -p $(B)/fuzz/corpus/$$n $(B)/fuzz/artifacts/$$n; \
		echo "vmtap: fuzzing $$n for $(FUZZ_SECONDS)s"; \
		$(B)/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-print_final_stats=1 -artifact_prefix=$(B)/fuzz/artifacts/$$n/ \
			$(B)/fuzz/corpus/$$n tests/fuzz/corpus/$$n; \
	done

clean: clean-fuzz
clean-fuzz:
	rm -rf $(B)/fuzz $(B)/tests/fuzz
