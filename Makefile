# trainbell — the one entry point: make test, make demo, make bench, make install.
# Every Debian package the build, the tests or the demo need is installed here when missing (idempotent).

SWIFT        ?= swift
PREFIX       ?= /usr/local
DESTDIR      ?=
TEST_TIMEOUT ?= 1800

# What building needs, and what the tests and the demo run for real: a dbus-daemon, gdbus, xmllint,
# dunst under Xvfb, notify-send.
BUILD_PACKAGES := pkg-config libdbus-1-dev libglib2.0-dev libsqlite3-dev
TEST_PACKAGES  := python3 python3-pip dbus-daemon libglib2.0-bin libxml2-utils dunst xvfb xauth libnotify-bin xfce4-notifyd \
                  gsettings-desktop-schemas cinnamon-desktop-data mate-notification-daemon-common \
                  xfconf libxfconf-0-3

.PHONY: all build deps deps-test test demo bench clean help

all: build

help:
	@echo "make demo     install what is missing, build, play a training run against a real notification server"
	@echo "make test     install what is missing, build, run every test"
	@echo "make build    debug build"
	@echo "make clean    remove build folders"

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

deps-test: deps
	$(call apt_install,$(TEST_PACKAGES))
	@python3 -c 'import tqdm' 2>/dev/null || { echo "make: installing tqdm (PyPI) for the run tests"; \
	  python3 -m pip install --quiet tqdm 2>/dev/null || python3 -m pip install --quiet --break-system-packages tqdm; }

build: deps
	$(SWIFT) build

test: deps-test
	$(SWIFT) build --build-tests
	timeout $(TEST_TIMEOUT) $(SWIFT) test --skip-build

# Uses the desktop session when there is one; otherwise a private bus with dunst under Xvfb.
demo: deps-test
	$(SWIFT) build --product trainbelld
	$(SWIFT) build --product trainbell-demo
	$$($(SWIFT) build --show-bin-path)/trainbell-demo

# Figures, not assertions: ReportProgress per call (blocking and no-reply), daemon memory. Release build.
bench: deps-test
	$(SWIFT) build -c release --product trainbelld
	$(SWIFT) build -c release --product trainbell-bench
	$$($(SWIFT) build -c release --show-bin-path)/trainbell-bench

clean:
	rm -rf .build .build-*
