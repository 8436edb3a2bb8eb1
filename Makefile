# trainbell — the one entry point: make test, make demo, make bench, make install.
# Every Debian package the build, the tests or the demo need is installed here when missing (idempotent).

SWIFT        ?= swift
PREFIX       ?= /usr/local
DESTDIR      ?=
TEST_TIMEOUT ?= 1800

# Where `make install` puts things (GNU names; each can be set on the command line). A per-user
# install, PREFIX=$(HOME)/.local, puts the unit where systemd looks for a user's own units.
BINDIR            ?= $(PREFIX)/bin
DATADIR           ?= $(PREFIX)/share
ifeq ($(abspath $(PREFIX)),$(abspath $(HOME)/.local))
USERUNITDIR       ?= $(DATADIR)/systemd/user
else
USERUNITDIR       ?= $(PREFIX)/lib/systemd/user
endif
DBUSSERVICEDIR    ?= $(DATADIR)/dbus-1/services
DBUSINTERFACEDIR  ?= $(DATADIR)/dbus-1/interfaces
MANDIR            ?= $(DATADIR)/man
BASHCOMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPLETIONDIR  ?= $(DATADIR)/zsh/site-functions
FISHCOMPLETIONDIR ?= $(DATADIR)/fish/vendor_completions.d
DOCDIR            ?= $(DATADIR)/doc/trainbell
APPLICATIONSDIR   ?= $(DATADIR)/applications

# What building needs, and what the tests and the demo run for real: a dbus-daemon, gdbus, xmllint,
# dunst under Xvfb, notify-send; for the install tests systemd-analyze, mandoc, desktop-file-validate,
# and a C compiler with libseccomp (to run trainbelld under the unit's seccomp rules).
# The real desktop components the tests run (DESIGN.md section 9): mako and swaync under a headless
# sway, GNOME Shell headless (its notification service needs gjs), Plank under Xvfb; xwininfo and
# ImageMagick's import measure and photograph what they drew.
DESKTOP_PACKAGES := mako-notifier sway sway-notification-center gnome-shell gjs plank x11-utils imagemagick
# grim photographs the headless sway's output: what mako and swaync drew (the value hint's bar).
DESKTOP_PACKAGES += grim
# The sound tests start a PulseAudio of their own with a null sink, record its monitor (parec) and
# measure the recording (sox).
SOUND_PACKAGES := pulseaudio pulseaudio-utils sox
# libcanberra plays event sounds where the notification server cannot (dunst, mako); trainbelld links
# it, and at run time needs its PulseAudio backend (also what PipeWire serves) and the freedesktop theme.
BUILD_PACKAGES := pkg-config libdbus-1-dev libglib2.0-dev libsqlite3-dev libcanberra-dev libcanberra-pulse sound-theme-freedesktop libmosquitto-dev libcurl4-openssl-dev
TEST_PACKAGES  := python3 python3-venv dbus-daemon libglib2.0-bin libxml2-utils dunst xvfb xauth libnotify-bin xfce4-notifyd \
                  gsettings-desktop-schemas cinnamon-desktop-data mate-notification-daemon-common \
                  xfconf libxfconf-0-3 \
                  systemd mandoc desktop-file-utils gcc libc6-dev libseccomp-dev openssh-server openssh-client mosquitto mosquitto-clients openssl \
                  $(DESKTOP_PACKAGES) $(SOUND_PACKAGES)
# make bench-install compiles a minimal C libdbus service and its clients, and counts system calls.
BENCH_PACKAGES := gcc libc6-dev strace valgrind

.PHONY: all build deps deps-test test demo bench bench-cli bench-run bench-history bench-install install install-build uninstall clean help

all: build

help:
	@echo "make demo     install what is missing, build, play a training run against a real notification server"
	@echo "make test     install what is missing, build, run every test"
	@echo "make build    debug build"
	@echo "make install  release build, installed under PREFIX (default /usr/local; PREFIX=~/.local for yourself), DESTDIR honoured"
	@echo "make uninstall  remove what make install put there (same PREFIX and DESTDIR)"
	@echo "make bench    figures: ReportProgress per call, daemon memory, ReportMetrics and a 1,000,000-step job's metrics, activation time and idle cost, CLI start-up (bench-cli), output through trainbell run (bench-run), the Python package's cost per step (bench-python)"
	@echo "make test-python  the Python package's tests (pytest, in a virtual environment under .build)"
	@echo "make bench-history  figures of a large history: GetNotifications and ping waits on 200 MiB, the file after 800 errors of 1 MiB"
	@echo "make clean    remove build folders"
	@echo "make fuzz     the output parser of trainbell run under libFuzzer for FUZZ_SECONDS (default 300)"
	@echo "make sanitize unit and integration tests under AddressSanitizer, then ThreadSanitizer (SANITIZE_TESTS)"

# Installs the Debian packages named in PACKAGES that are not installed yet.
define apt_install
	@missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q '^install ok installed$$' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing Debian packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null || \
	  { echo "make: could not install:$$missing" >&2; exit 1; }; \
	fi
endef

deps:
	$(call apt_install,$(BUILD_PACKAGES))

# Python runs in virtual environments under the build folder, never in the system's: TOOLS_VENV has
# tqdm for the Swift tests of trainbell run (which read real tqdm bars), aiosmtpd (the mail sink's SMTP
# server) and apprise (driven by the command sink); PY_VENV has the Python package
# (python/), installed as a user would (pip install ./python), with what its tests drive: pytest, real
# tqdm, Transformers (without torch) and paho-mqtt (the extra trainbell[mqtt], for the broker tests).
TOOLS_VENV := .build/venv-tools
PY_VENV    := .build/venv
TOOLS_PACKAGES := tqdm aiosmtpd apprise
PY_TEST_PACKAGES := jeepney pytest tqdm transformers paho-mqtt
deps-test: deps
	$(call apt_install,$(TEST_PACKAGES))
	@[ -x $(TOOLS_VENV)/bin/python3 ] || { echo "make: a virtual environment with tqdm for the run tests ($(TOOLS_VENV))"; \
	  python3 -m venv $(TOOLS_VENV); }
	@$(TOOLS_VENV)/bin/python3 -c 'import tqdm, aiosmtpd, apprise' 2>/dev/null || \
	  { echo "make: installing $(TOOLS_PACKAGES) (PyPI) into $(TOOLS_VENV)"; \
	    $(TOOLS_VENV)/bin/python3 -m pip install --quiet $(TOOLS_PACKAGES); }

.PHONY: deps-python
deps-python: deps-test
	@[ -x $(PY_VENV)/bin/python3 ] || { echo "make: a virtual environment for the Python package ($(PY_VENV))"; \
	  python3 -m venv $(PY_VENV); }
	@$(PY_VENV)/bin/python3 -c 'import jeepney, pytest, tqdm, transformers, paho.mqtt.client' 2>/dev/null || \
	  { echo "make: installing $(PY_TEST_PACKAGES) (PyPI) into $(PY_VENV)"; \
	    $(PY_VENV)/bin/python3 -m pip install --quiet $(PY_TEST_PACKAGES); }
	@$(PY_VENV)/bin/python3 -m pip install --quiet --force-reinstall --no-deps ./python

# The Swift tests find python3 (with tqdm) in TOOLS_VENV first; the Python tests drive the trainbelld and
# trainbell of the debug build.
SWIFT_TEST_ENV := PATH="$(CURDIR)/$(TOOLS_VENV)/bin:$$PATH"

build: deps
	$(SWIFT) build

# The release build of make install first: the install tests run `make install`, which then only copies.
test: deps-test install-build
	$(SWIFT) build --build-tests
	$(SWIFT_TEST_ENV) timeout $(TEST_TIMEOUT) $(SWIFT) test --skip-build
	$(MAKE) --no-print-directory test-python
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_TEST_SECONDS)

# The Python package's tests (python/tests, pytest) against the real trainbelld and trainbell run.
.PHONY: test-python
test-python: deps-python
	$(SWIFT) build --product trainbelld
	$(SWIFT) build --product trainbell
	cd python && TRAINBELL_BIN_DIR=$$($(SWIFT) build --show-bin-path) timeout 600 ../$(PY_VENV)/bin/python3 -m pytest -q -p no:cacheprovider tests

# The output parser of `trainbell run` under libFuzzer and AddressSanitizer (Tests/Fuzz/RunOutputFuzz.swift),
# compiled by swiftc together with the TrainBellCore sources. Seeds: Tests/Fixtures and Tests/Fuzz/seeds;
# the corpus grows in $(FUZZ_SCRATCH)/corpus, what breaks lands in $(FUZZ_SCRATCH)/artifacts (run the
# fuzzer binary on such a file to see it again). make test runs it for FUZZ_TEST_SECONDS.
.PHONY: fuzz sanitize
SWIFTC            ?= swiftc
FUZZ_SECONDS      ?= 300
FUZZ_TEST_SECONDS ?= 20
FUZZ_SCRATCH      := .build-fuzz
FUZZ_BIN          := $(FUZZ_SCRATCH)/run-output-fuzz
FUZZ_FLAGS        := -rss_limit_mb=1024 -malloc_limit_mb=512 -max_len=8192 -print_final_stats=1 -artifact_prefix=$(FUZZ_SCRATCH)/artifacts/

$(FUZZ_BIN): $(wildcard Sources/TrainBellCore/*.swift Sources/TrainBellCore/*/*.swift) Tests/Fuzz/RunOutputFuzz.swift
	@mkdir -p $(FUZZ_SCRATCH)
	$(SWIFTC) -sanitize=fuzzer,address -parse-as-library -O -g -use-ld=lld -module-name RunOutputFuzz $^ -o $@

fuzz: $(FUZZ_BIN)
	@mkdir -p $(FUZZ_SCRATCH)/corpus $(FUZZ_SCRATCH)/artifacts
	@cp Tests/Fixtures/*.txt Tests/Fuzz/seeds/* $(FUZZ_SCRATCH)/corpus/
	SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=malloc_context_size=0 \
	  $(FUZZ_BIN) $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) $(FUZZ_SCRATCH)/corpus

# The unit tests and the integration tests that drive trainbelld hardest, with everything (trainbelld
# and trainbell included) built with AddressSanitizer, then ThreadSanitizer, each in a scratch folder of
# its own. Not part of make test: see the figures in issue 18's note. The memory bounds of the
# hostile-input tests do not hold under a sanitizer (its shadow memory), so they are left out.
SANITIZE_TESTS ?= DBusTests|TrainBellCoreTests|TrainBellDaemonTests|BadInputTests|HostilePeerTests|ServerLifecycleTests|ConcurrentClientsTests|CrashRecoveryTests|ServerCrashTests|RunTests|RunOutputCrashTests
# Both runs go to their end; then the reports of every process (the test runner, trainbelld,
# trainbell) are printed from .build-?san/reports/NAME.PID, and any failure fails the target.
SANITIZE_ENV := SWIFT_BACKTRACE=enable=no
sanitize: deps-test
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	@rm -rf .build-asan/reports .build-tsan/reports; mkdir -p .build-asan/reports .build-tsan/reports; failed=0; \
	echo "make: the tests under AddressSanitizer"; \
	$(SANITIZE_ENV) ASAN_OPTIONS=log_path=$(CURDIR)/.build-asan/reports/asan \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Tools/lsan-suppressions.txt:print_suppressions=0 \
	  timeout $(TEST_TIMEOUT) $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan --filter '$(SANITIZE_TESTS)' || failed=1; \
	echo "make: the tests under ThreadSanitizer"; \
	$(SANITIZE_ENV) TSAN_OPTIONS=halt_on_error=0:log_path=$(CURDIR)/.build-tsan/reports/tsan \
	  timeout $(TEST_TIMEOUT) $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan --filter '$(SANITIZE_TESTS)' || failed=1; \
	for report in .build-asan/reports/* .build-tsan/reports/*; do \
	  [ -e "$$report" ] || continue; echo "== $$report"; cat "$$report"; failed=1; \
	done; \
	exit $$failed

# Uses the desktop session when there is one; otherwise a private bus with dunst under Xvfb.
demo: deps-test
	$(SWIFT) build --product trainbelld
	$(SWIFT) build --product trainbell-demo
	$$($(SWIFT) build --show-bin-path)/trainbell-demo

# Figures, not assertions: ReportProgress per call (blocking and no-reply), daemon memory; ReportMetrics
# beside ReportProgress, and a job of 1,000,000 steps × 8 metrics (history size, GetMetrics); CLI start-up
# (bench-cli); remote errors to Notify over the peer socket, ssh -R and a broker, broker ingestion and idle
# wake-ups (trainbell-bench remote); error → a sink's request, an outbox draining, idle wake-ups with sinks
# (trainbell-bench sinks); MB/s through trainbell run against cat | cat (bench-run); last bench-install, which ends with the table of issue 10. Every part runs the release
# build make install ships (one scratch folder, one release build).
bench: deps-test install-build
	$(SWIFT) build $(RELEASE_FLAGS) --product trainbell-bench
	$(RELEASE_BIN)/trainbell-bench
	$(RELEASE_BIN)/trainbell-bench metrics
	$(RELEASE_BIN)/trainbell-bench records
	$(RELEASE_BIN)/trainbell-bench stalls
	$(RELEASE_BIN)/trainbell-bench remote
	$(RELEASE_BIN)/trainbell-bench sinks
	$(MAKE) --no-print-directory bench-cli
	$(MAKE) --no-print-directory bench-run
	$(MAKE) --no-print-directory bench-python
	$(MAKE) --no-print-directory bench-callgrind
	$(MAKE) --no-print-directory bench-install

# Issue 12's figures alone: error → Notify over the peer socket, through ssh -R (a real sshd on loopback)
# and through a real mosquitto (TLS), events/s taken from the broker, wake-ups of an idle broker link.
.PHONY: bench-remote
bench-remote: deps-test install-build
	$(SWIFT) build $(RELEASE_FLAGS) --product trainbell-bench
	$(RELEASE_BIN)/trainbell-bench remote

# Issue 13's figures alone: error → a sink's HTTP request on loopback, an outbox of 1,000 events draining
# after an outage, wake-ups of an idle trainbelld with sinks configured.
.PHONY: bench-sinks
bench-sinks: deps-test install-build
	$(SWIFT) build $(RELEASE_FLAGS) --product trainbell-bench
	$(RELEASE_BIN)/trainbell-bench sinks

# Instructions per ReportProgress against the C service's Tick, counted by callgrind (exact, unlike
# times), and the functions where trainbelld spends them.
.PHONY: bench-callgrind
bench-callgrind: deps-test install-build
	$(call apt_install,$(BENCH_PACKAGES))
	bash Tests/Tools/callgrind-dispatch.sh $(RELEASE_BIN)/trainbelld

# What the Python package costs a training loop: progress() per call over 100,000 calls, and per
# Transformers on_step_end, against the real trainbelld (the debug build the Python tests use).
.PHONY: bench-python
bench-python: deps-python
	$(SWIFT) build --product trainbelld
	cd python && TRAINBELL_BIN_DIR=$$($(SWIFT) build --show-bin-path) ../$(PY_VENV)/bin/python3 bench/progress_bench.py 2>&1 | grep '^python:'

# A large history: GetNotifications("") on 200 MiB of errors with the longest Peer.Ping wait meanwhile,
# and the history file after 800 errors of 1 MiB (a few minutes, ~1 GB written; not part of make bench).
bench-history: deps-test
	$(SWIFT) build -c release --product trainbelld
	$(SWIFT) build -c release --product trainbell-bench
	$$($(SWIFT) build -c release --show-bin-path)/trainbell-bench history

# trainbell send / progress against notify-send: hyperfine (interleaved runs) and GNU time's peak
# memory, on one private bus and the same notification server; the release build make install ships.
bench-cli: deps-test install-build
	$(call apt_install,hyperfine time)
	$(SWIFT) build $(RELEASE_FLAGS) --product trainbell-bench
	cc -O2 -o $(INSTALL_SCRATCH)/progress-client Tests/Tools/progress-client.c $$(pkg-config --cflags --libs dbus-1)
	$(RELEASE_BIN)/trainbell-bench cli $(CURDIR)/$(RELEASE_BIN)/trainbell $(CURDIR)/$(INSTALL_SCRATCH)/progress-client

# MB/s through `trainbell run -- cat FILE` against `cat FILE | cat` on the same 50 MiB in the same run,
# for a training log and for random bytes, with trainbelld on a private bus; the release build make install ships.
bench-run: deps-test install-build
	$(SWIFT) build $(RELEASE_FLAGS) --product trainbell-bench
	$(RELEASE_BIN)/trainbell-bench run $(CURDIR)/$(RELEASE_BIN)/trainbell

# The installed trainbelld: the first call that activates it, against a minimal C libdbus service
# activated the same way on the same private bus; then wake-ups, CPU time and memory over 10 s idle;
# then ReportProgress fully handled per second against the C service's Tick, and memory after 1,000
# jobs x 100 updates. Ends with the table of issue 10 (bench-table.sh), from the figures of this run.
BENCH_PREFIX  = $(CURDIR)/$(INSTALL_SCRATCH)/bench-prefix
BENCH_FIGURES = $(CURDIR)/$(INSTALL_SCRATCH)/bench-figures
bench-install: deps-test
	$(call apt_install,$(BENCH_PACKAGES))
	rm -rf $(BENCH_PREFIX) $(BENCH_FIGURES)
	$(MAKE) --no-print-directory install PREFIX=$(BENCH_PREFIX) DESTDIR=
	BENCH_FIGURES=$(BENCH_FIGURES) bash Tests/Tools/activation-bench.sh $(BENCH_PREFIX)
	rm -rf $(BENCH_PREFIX)
	bash Tests/Tools/bench-table.sh $(BENCH_FIGURES)

# make install builds in a scratch folder of its own: `swift test` keeps .build locked while the
# tests run, and the install tests run `make install`. The Swift runtime is linked in
# (--static-swift-stdlib): the binaries need only libdbus, GLib and SQLite from the system.
INSTALL_SCRATCH := .build-install
# --disable-local-rpath: nothing is loaded from beside the binary, so the loader need not search there
# (a dozen failed opens at every start).
RELEASE_FLAGS   := -c release --static-swift-stdlib --disable-local-rpath --scratch-path $(INSTALL_SCRATCH)
# The programs are installed stripped (a third of trainbelld's size is symbols and DWARF); the unstripped
# ones stay in $(RELEASE_BIN) for a debugger. `make install INSTALL_STRIP=` keeps the symbols.
INSTALL_STRIP   ?= -s
RELEASE_BIN     := $(INSTALL_SCRATCH)/release

# generate-manual is the tool behind swift-argument-parser's generate-manual plugin, run directly:
# the plugin would build every product (the demo and the benchmark too) and re-link trainbell
# without --static-swift-stdlib.
install-build: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product trainbelld
	$(SWIFT) build $(RELEASE_FLAGS) --product trainbell
	$(SWIFT) build $(RELEASE_FLAGS) --product generate-manual

# Everything make install puts: mode, source, destination (without DESTDIR). $$stage: the files made
# at install time (in a folder of their own, so that two installs at once do not mix them up).
STAGE = $$stage
INSTALL_FILES = \
	755 $(RELEASE_BIN)/trainbelld                        $(BINDIR)/trainbelld \
	755 $(RELEASE_BIN)/trainbell                         $(BINDIR)/trainbell \
	644 $(STAGE)/trainbelld.service                      $(USERUNITDIR)/trainbelld.service \
	644 $(STAGE)/org.trainbell.TrainBell1.service        $(DBUSSERVICEDIR)/org.trainbell.TrainBell1.service \
	644 dbus/org.trainbell.TrainBell1.xml                $(DBUSINTERFACEDIR)/org.trainbell.TrainBell1.xml \
	644 dbus/org.trainbell.TrainBell1.Job.xml            $(DBUSINTERFACEDIR)/org.trainbell.TrainBell1.Job.xml \
	644 $(STAGE)/man/trainbell.1                         $(MANDIR)/man1/trainbell.1 \
	644 Sources/trainbelld/trainbelld.1                  $(MANDIR)/man1/trainbelld.1 \
	644 Sources/trainbelld/trainbell.5                   $(MANDIR)/man5/trainbell.5 \
	644 $(STAGE)/trainbell.bash                          $(BASHCOMPLETIONDIR)/trainbell \
	644 $(STAGE)/trainbelld.bash                         $(BASHCOMPLETIONDIR)/trainbelld \
	644 $(STAGE)/trainbell.zsh                           $(ZSHCOMPLETIONDIR)/_trainbell \
	644 $(STAGE)/trainbelld.zsh                          $(ZSHCOMPLETIONDIR)/_trainbelld \
	644 $(STAGE)/trainbell.fish                          $(FISHCOMPLETIONDIR)/trainbell.fish \
	644 $(STAGE)/trainbelld.fish                         $(FISHCOMPLETIONDIR)/trainbelld.fish \
	644 Sources/trainbelld/trainbell.conf.example        $(DOCDIR)/trainbell.conf.example \
	644 $(STAGE)/trainbell.desktop                       $(APPLICATIONSDIR)/trainbell.desktop

# What install put, for uninstall: "file PATH" and "dir PATH" for each folder it had to make
# (kept across re-installs), paths without DESTDIR.
MANIFEST = $(DOCDIR)/install-manifest

install: install-build
	@set -e; \
	stage=$$(mktemp -d "$${TMPDIR:-/tmp}/trainbell-stage.XXXXXX"); trap 'rm -rf "$$stage"' EXIT; \
	sed 's|@bindir@|$(BINDIR)|g' systemd/trainbelld.service.in > $(STAGE)/trainbelld.service; \
	sed 's|@bindir@|$(BINDIR)|g' dbus/org.trainbell.TrainBell1.service.in > $(STAGE)/org.trainbell.TrainBell1.service; \
	sed 's|@bindir@|$(BINDIR)|g' Sources/trainbelld/trainbell.desktop > $(STAGE)/trainbell.desktop; \
	mkdir $(STAGE)/man; \
	$(RELEASE_BIN)/generate-manual $(RELEASE_BIN)/trainbell --output-directory $(STAGE)/man; \
	for program in trainbell trainbelld; do \
	  for shell in bash zsh fish; do \
	    $(RELEASE_BIN)/$$program --generate-completion-script $$shell > $(STAGE)/$$program.$$shell; \
	  done; \
	done; \
	set -- $(INSTALL_FILES); \
	manifest="$(DESTDIR)$(MANIFEST)"; \
	dirs=$$( [ -f "$$manifest" ] && sed -n 's/^dir //p' "$$manifest" || true); \
	files=""; [ -z "$(DESTDIR)" ] || mkdir -p "$(DESTDIR)"; \
	while [ $$# -gt 0 ]; do \
	  mode=$$1; source=$$2; target=$$3; shift 3; \
	  new=""; d=$$(dirname "$$target"); \
	  while [ "$$d" != / ] && [ ! -d "$(DESTDIR)$$d" ]; do new="$$d$${new:+ }$$new"; d=$$(dirname "$$d"); done; \
	  for d in $$new; do mkdir -m 755 "$(DESTDIR)$$d"; dirs="$$dirs$${dirs:+ }$$d"; done; \
	  strip=""; case $$source in $(RELEASE_BIN)/*) strip="$(INSTALL_STRIP)";; esac; \
	  install $$strip -m $$mode "$$source" "$(DESTDIR)$$target"; \
	  echo "  $(DESTDIR)$$target"; \
	  files="$$files $$target"; \
	done; \
	{ for f in $$files; do echo "file $$f"; done; for d in $$dirs; do echo "dir $$d"; done; } > "$$manifest"; \
	echo "make: installed trainbell under $(DESTDIR)$(PREFIX) (list: $$manifest)."; \
	echo "make: it starts by itself on the first D-Bus call. To start it with your graphical session:"; \
	echo "        systemctl --user daemon-reload && systemctl --user enable --now trainbelld"; \
	echo "      after an upgrade: systemctl --user restart trainbelld"

uninstall:
	@set -e; manifest="$(DESTDIR)$(MANIFEST)"; \
	if [ -f "$$manifest" ]; then \
	  files=$$(sed -n 's/^file //p' "$$manifest"); \
	  dirs=$$(sed -n 's/^dir //p' "$$manifest"); \
	else \
	  echo "make: no $$manifest; removing the files this Makefile installs"; \
	  set -- $(INSTALL_FILES); files=""; dirs=""; \
	  while [ $$# -gt 0 ]; do files="$$files $$3"; shift 3; done; \
	fi; \
	for f in $$files; do \
	  if [ -e "$(DESTDIR)$$f" ]; then rm -f "$(DESTDIR)$$f"; echo "  removed $(DESTDIR)$$f"; fi; \
	done; \
	rm -f "$$manifest"; \
	for d in $$(printf '%s\n' $$dirs | sed -n '1!G;h;$$p'); do rmdir "$(DESTDIR)$$d" 2>/dev/null || true; done; \
	echo "make: uninstalled trainbell from $(DESTDIR)$(PREFIX)"

clean:
	rm -rf .build .build-*
