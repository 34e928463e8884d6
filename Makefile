# vmtap — build, test and install.
#
#   make            build the three programs: build/vmtap-bridge-helper,
#                   build/vmtapd, build/vmtap
#   make check      install missing Debian packages, build, run every test;
#                   then the same tests but QEMU's against an ASan+UBSan
#                   build (build/asan/), then each fuzz harness for
#                   FUZZ_CHECK_SECONDS (README, Testing)
#   make demo       install missing packages, build, boot a tiny guest on a
#                   vmtap tap in a throwaway network namespace
#   make deps       install missing Debian packages (prints the command
#                   when not root)
#   make install    PREFIX=/usr/local DESTDIR= SETUID=0|1 (and uninstall)
#   make clean

PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
LIBEXECDIR ?= $(PREFIX)/libexec
BINDIR     ?= $(PREFIX)/bin
DESTDIR    ?=
SETUID     ?= 0
# QEMU's own default, so vmtap-bridge-helper is a drop-in.
ACL_FILE   ?= $(SYSCONFDIR)/qemu/bridge.conf
# vmtapd's policy (its --config default).
VMTAPD_CONF ?= $(SYSCONFDIR)/vmtap/vmtapd.conf
# Its presence turns broker mode off (README, "Broker mode").
NO_BROKER  ?= $(SYSCONFDIR)/vmtap/no-broker
VERSION    := 0.2.0

CC      ?= cc
PKG_CONFIG ?= pkg-config
# libnl-3's core, not libnl-route-3: libnl-route-3's constructors run
# before main in the setuid helper and open a file named by the
# environment (NLSYSCONFDIR) as root.  bridge/ builds its rtnetlink messages
# with the core API instead.
PKGS    := libnl-3.0 jansson libcap-ng
B       := build

HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
WARN     := -Wall -Wextra -Werror=format-security -Wno-missing-field-initializers
CFLAGS   ?= -O2 -g
ALL_CFLAGS = $(CFLAGS) $(WARN) $(HARDEN) -std=gnu11 -D_GNU_SOURCE -I. \
	     $(shell $(PKG_CONFIG) --cflags $(PKGS)) \
	     -DVMTAP_VERSION='"$(VERSION)"' -DVMTAP_ACL_FILE='"$(ACL_FILE)"' \
	     -DVMTAPD_CONF='"$(VMTAPD_CONF)"' -DVMTAP_NO_BROKER_FILE='"$(NO_BROKER)"' \
	     -DVMTAP_LIBEXECDIR='"$(LIBEXECDIR)"'
ALL_LDFLAGS = $(LDFLAGS) -pie -Wl,-z,relro,-z,now
LIBS     = $(shell $(PKG_CONFIG) --libs $(PKGS))
# libvirt and libxml2 are for build/vmtap alone (libvirt-hook, attach,
# detach in helper/cli/): the setuid helper and vmtapd never link them, nor
# their constructors.
VIRT_PKGS := libvirt libxml-2.0
VIRT_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(VIRT_PKGS))
VIRT_LIBS = $(shell $(PKG_CONFIG) --libs $(VIRT_PKGS))
XML_CFLAGS = $(shell $(PKG_CONFIG) --cflags libxml-2.0)
XML_LIBS = $(shell $(PKG_CONFIG) --libs libxml-2.0)

# The tree is the architecture (README, Layout):
#   helper/core/  + helper/wire/ + bridge/ + vhost/ + qmp/   the library
#   helper/<program>/                                       one per program
# Each program is its own folder's files plus the library; its main.c is the
# only file that prints.  The tests link a program's files without its main
# through $(B)/lib/lib<program>.a.
CORE_SRC := $(wildcard helper/core/*.c helper/wire/*.c bridge/*.c vhost/*.c qmp/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(B)/obj/%.o)
HEADERS  := $(wildcard helper/*/*.h bridge/*.h vhost/*.h qmp/*.h tests/helpers/*.h)
PROGRAMS := bridge-helper daemon cli
prog_obj  = $(patsubst %.c,$(B)/obj/%.o,$(wildcard helper/$(1)/*.c))
# A program's files but its main: what the tests and fuzzers link.
PROG_LIB_SRC := $(filter-out %/main.c,$(foreach p,$(PROGRAMS),$(wildcard helper/$(p)/*.c)))
PROG_LIBS := $(PROGRAMS:%=$(B)/lib/lib%.a)
PROGS    := $(B)/vmtap-bridge-helper $(B)/vmtapd $(B)/vmtap

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%)
INTEG_SRC := $(wildcard tests/integration/test_*.c)
INTEG_BIN := $(INTEG_SRC:tests/integration/%.c=$(B)/tests/integration/%)
TEST_HELPERS := $(patsubst tests/helpers/%.c,$(B)/tests/helpers/%,$(wildcard tests/helpers/*.c))
# The helper built for the tests: same sources, plus a hook that stops
# before handing fds over so a test can read its /proc status.  Never
# installed.
TEST_PROGS := $(B)/tests/vmtap-bridge-helper-testhook

.DEFAULT_GOAL := all
include tests/fuzz/fuzz.mk

.PHONY: all check demo deps install clean test-bins _check _demo check-hostvm bench \
	check-sanitize _check-sanitize
all: $(PROGS)

# Paths compiled into the programs: when one changes (make install
# PREFIX=/usr after a plain make), everything is rebuilt with the new one.
BUILD_CONFIG := $(VERSION) $(ACL_FILE) $(VMTAPD_CONF) $(NO_BROKER) $(LIBEXECDIR) $(CFLAGS)
$(B)/config.stamp: FORCE
	@mkdir -p $(B)
	@echo '$(BUILD_CONFIG)' | cmp -s - $@ || echo '$(BUILD_CONFIG)' >$@
FORCE:

$(B)/obj/%.o: %.c $(HEADERS) Makefile $(B)/config.stamp
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libvmtap.a: $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

define prog_lib_rule
$(B)/lib/lib$(1).a: $(filter-out %/main.o,$(call prog_obj,$(1)))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach p,$(PROGRAMS),$(eval $(call prog_lib_rule,$(p))))

$(B)/vmtap-bridge-helper: $(call prog_obj,bridge-helper) $(B)/libvmtap.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/vmtapd: $(call prog_obj,daemon) $(B)/libvmtap.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/obj/helper/cli/cmd-libvirt.o: ALL_CFLAGS += $(VIRT_CFLAGS)
$(B)/obj/helper/cli/domxml.o: ALL_CFLAGS += $(XML_CFLAGS)
$(B)/vmtap: $(call prog_obj,cli) $(B)/libvmtap.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(VIRT_LIBS)

$(B)/tests/vmtap-bridge-helper-testhook: $(wildcard helper/bridge-helper/*.c) $(B)/libvmtap.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DVMTAP_TEST_HOOKS $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# A test links the programs' own files too (without their mains); the
# archives give it only the objects it calls.  test_domxml and the domain
# XML harness need libxml2.
$(B)/tests/unit/test_domxml: LIBS += $(XML_LIBS)
$(B)/tests/unit/%: tests/unit/%.c $(PROG_LIBS) $(B)/libvmtap.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

# An integration test runs the programs of its own build: VMTAP_TEST_B.
$(B)/tests/integration/%: ALL_CFLAGS += -DVMTAP_TEST_B='"$(B)"'
$(B)/tests/integration/%: tests/integration/%.c $(PROG_LIBS) $(B)/libvmtap.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

$(B)/tests/helpers/%: tests/helpers/%.c $(PROG_LIBS) $(B)/libvmtap.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/bench/bench: tests/bench/bench.c $(PROG_LIBS) $(B)/libvmtap.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

test-bins: $(PROGS) $(TEST_PROGS) $(UNIT_BIN) $(INTEG_BIN) $(TEST_HELPERS) $(FUZZ_REPLAY)

# pkg-config must run after deps has installed the -dev packages, so the
# build happens in a second make.  All three parts run even when one
# fails; the check fails when any did.
check: deps
	@$(MAKE) --no-print-directory _check
_check: test-bins
	@rc=0; \
	tests/run || rc=1; \
	$(MAKE) --no-print-directory _check-sanitize || rc=1; \
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS) || rc=1; \
	[ $$rc -eq 0 ] || echo "vmtap: make check FAILED (see above)"; \
	exit $$rc

# The sanitizer build: the programs, the unit and integration tests and the
# corpus replays, with ASan and UBSan (any UB report is fatal), in a
# directory of their own that is never installed.  tests/run runs everything
# but the QEMU tests against it and fails on any report (it sees that the
# build is sanitized in $(SAN_B)/config.stamp; it skips test_setuid there,
# since a sanitizer build must never run setuid).
SAN_B     := $(B)/asan
# make check builds the sanitizer and fuzz builds and runs the fuzzers this
# many at a time (the machines that run it have 2 cores).
CHECK_JOBS ?= 2
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	     -fno-omit-frame-pointer
# gcc's snprintf truncation analysis loses the sizes ASan's instrumentation
# hides (it sees "up to 3071 bytes" copied from a char[16]); the plain
# build keeps the warning.
SAN_CFLAGS := -O2 -g $(SAN_FLAGS) -Wno-format-truncation
check-sanitize: deps
	@$(MAKE) --no-print-directory _check-sanitize
_check-sanitize:
	@$(MAKE) --no-print-directory -j$(CHECK_JOBS) B=$(SAN_B) CFLAGS='$(SAN_CFLAGS)' \
		LDFLAGS='$(SAN_FLAGS)' test-bins
	B=$(SAN_B) TESTS='^(unit|fuzz-replay|integration)/' tests/run

demo: deps
	@$(MAKE) --no-print-directory _demo
_demo: all
	tests/demo.sh

deps:
	@tests/lib/deps.sh

# The test-host VM alone (make check runs it too, as tests/e2e/test_hostvm.sh).
check-hostvm: deps
	@$(MAKE) --no-print-directory test-bins
	TESTS=hostvm tests/run

# Benchmarks: figures as ratios against anchors measured in the same run.
# Not part of make check.
bench: deps
	@$(MAKE) --no-print-directory $(PROGS) $(B)/tests/bench/bench
	tests/bench/run

# --- Installing: programs, man pages, bash completion, systemd units, the
# example policies.  Everything lands under $(DESTDIR); the paths compiled
# into the programs and written into the units are the ones without it.
SBINDIR        ?= $(PREFIX)/sbin
MANDIR         ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR    ?= $(PREFIX)/share/bash-completion/completions
SCDOC          ?= scdoc

# Each page lives beside its program's code, in scdoc.
MAN_SRC  := helper/cli/vmtap.1.scd helper/bridge-helper/vmtap-bridge-helper.8.scd \
	    helper/daemon/vmtapd.8.scd helper/daemon/vmtapd.conf.5.scd
MAN_OUT  := $(patsubst %.scd,$(B)/man/%,$(notdir $(MAN_SRC)))
UNIT_OUT := $(B)/systemd/vmtapd.service $(B)/systemd/vmtapd.socket
COMPLETION := $(B)/completion/vmtap
# The paths a page or a unit names, as installed.
INSTALL_SUBST = sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@ACL_FILE@|$(ACL_FILE)|g' \
	-e 's|@VMTAPD_CONF@|$(VMTAPD_CONF)|g' -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
	-e 's|@NO_BROKER@|$(NO_BROKER)|g' \
	-e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g'

.PHONY: man completion units uninstall clean-install
all: man completion units
man: $(MAN_OUT)
completion: $(COMPLETION)
units: $(UNIT_OUT)

vpath %.scd $(sort $(dir $(MAN_SRC)))
$(B)/man/%: %.scd Makefile $(B)/config.stamp
	@mkdir -p $(dir $@)
	$(INSTALL_SUBST) $< | $(SCDOC) >$@.tmp && mv $@.tmp $@

# The script comes from vmtap's own tables (helper/cli/cmd-completion.c).
$(COMPLETION): $(B)/vmtap
	@mkdir -p $(dir $@)
	$(B)/vmtap completion bash >$@.tmp && mv $@.tmp $@

# The example units name /usr/local/sbin and /etc: rewritten to this build's.
$(B)/systemd/%: examples/systemd/% Makefile $(B)/config.stamp
	@mkdir -p $(dir $@)
	sed -e 's|/usr/local/sbin/vmtapd|$(SBINDIR)/vmtapd|g' \
	    -e 's|/etc/vmtap/vmtapd.conf|$(VMTAPD_CONF)|g' $< >$@.tmp && mv $@.tmp $@

# An example policy is installed only where no file is: never over one a
# user may have edited.
install_conf = if [ -e '$(DESTDIR)$(2)' ]; then \
		echo 'kept $(DESTDIR)$(2) (exists; the example is $(1))'; \
	else install -D -m 0644 $(1) '$(DESTDIR)$(2)'; fi
# uninstall removes an example policy only if it is still the example,
# byte for byte.
uninstall_conf = if cmp -s $(1) '$(DESTDIR)$(2)'; then rm -f '$(DESTDIR)$(2)'; \
	elif [ -e '$(DESTDIR)$(2)' ]; then echo 'kept $(DESTDIR)$(2) (changed)'; fi

install: all
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR)
	install -m 0755 $(B)/vmtap-bridge-helper $(DESTDIR)$(LIBEXECDIR)/vmtap-bridge-helper
	install -m 0755 $(B)/vmtap $(DESTDIR)$(BINDIR)/vmtap
	install -m 0755 $(B)/vmtapd $(DESTDIR)$(SBINDIR)/vmtapd
ifeq ($(SETUID),1)
	chown root:root $(DESTDIR)$(LIBEXECDIR)/vmtap-bridge-helper
	chmod 4755 $(DESTDIR)$(LIBEXECDIR)/vmtap-bridge-helper
endif
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(B)/man/vmtap.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(B)/man/vmtapd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(B)/man/vmtap-bridge-helper.8 $(B)/man/vmtapd.8 $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/vmtap
	install -m 0644 $(UNIT_OUT) $(DESTDIR)$(SYSTEMDUNITDIR)/
	@$(call install_conf,examples/bridge.conf,$(ACL_FILE))
	@$(call install_conf,examples/vmtapd.conf,$(VMTAPD_CONF))

uninstall:
	rm -f $(DESTDIR)$(LIBEXECDIR)/vmtap-bridge-helper $(DESTDIR)$(BINDIR)/vmtap \
	      $(DESTDIR)$(SBINDIR)/vmtapd
	rm -f $(DESTDIR)$(MANDIR)/man1/vmtap.1 $(DESTDIR)$(MANDIR)/man5/vmtapd.conf.5 \
	      $(DESTDIR)$(MANDIR)/man8/vmtap-bridge-helper.8 $(DESTDIR)$(MANDIR)/man8/vmtapd.8
	rm -f $(DESTDIR)$(BASHCOMPDIR)/vmtap $(DESTDIR)$(SYSTEMDUNITDIR)/vmtapd.service \
	      $(DESTDIR)$(SYSTEMDUNITDIR)/vmtapd.socket
	@$(call uninstall_conf,examples/bridge.conf,$(ACL_FILE))
	@$(call uninstall_conf,examples/vmtapd.conf,$(VMTAPD_CONF))
	rmdir $(DESTDIR)$(dir $(VMTAPD_CONF)) 2>/dev/null || true

clean: clean-install
clean-install:
	rm -rf $(B)/man $(B)/completion $(B)/systemd
# --- end of installing

clean: clean-fuzz
	rm -rf $(B)/obj $(B)/lib $(B)/tests $(B)/libvmtap.a $(PROGS) $(SAN_B)
