#!/usr/bin/env bash
# make bench-install: the first call that D-Bus-activates the installed trainbelld, against a minimal
# C libdbus service activated the same way on the same private bus, and what each costs while idle.
# Usage: activation-bench.sh PREFIX   (PREFIX: where `make install` put trainbell)
set -euo pipefail
prefix=$1
runs=${RUNS:-30}
idle=${IDLE_SECONDS:-10}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/trainbell-bench.XXXXXX")
bus_pid=""
cleanup() {
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null && wait "$bus_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

dbus_cflags=$(pkg-config --cflags --libs dbus-1)
cc -O2 -o "$work/activation-bench" "$here/activation-bench.c" $dbus_cflags
cc -O2 -o "$work/minimal-dbus-service" "$here/minimal-dbus-service.c" $dbus_cflags

mkdir -p "$work/services" "$work/state" "$work/config"
cp "$prefix/share/dbus-1/services/org.trainbell.TrainBell1.service" "$work/services/"
cat > "$work/services/org.trainbell.BenchMinimal1.service" <<SERVICE
[D-BUS Service]
Name=org.trainbell.BenchMinimal1
Exec=$work/minimal-dbus-service
SERVICE
cat > "$work/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$work/bus</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$work/services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
# Activated services inherit this environment: their own state and configuration folders.
env -u DBUS_SESSION_BUS_ADDRESS XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config" \
  dbus-daemon --config-file="$work/bus.conf" --nofork --nopidfile 2>"$work/bus.log" &
bus_pid=$!
for _ in $(seq 500); do [ -S "$work/bus" ] && break; sleep 0.01; done
address="unix:path=$work/bus"

echo "trainbelld: $(du -k "$prefix/bin/trainbelld" | cut -f1) KiB, $(ldd "$prefix/bin/trainbelld" | grep -c 'libswift' || true) Swift libraries linked dynamically"
echo "first call (org.freedesktop.DBus.Peer.Ping) that activates the service, $runs runs each; then $idle s idle:"
"$work/activation-bench" "$address" "$runs" "$idle" org.trainbell.BenchMinimal1 org.trainbell.TrainBell1

# Cross-check of the idle wake-ups: every system call trainbelld makes in $idle s while idle.
DBUS_SESSION_BUS_ADDRESS=$address gdbus call -e -d org.trainbell.TrainBell1 -o / -m org.freedesktop.DBus.Peer.Ping >/dev/null
pid=$(DBUS_SESSION_BUS_ADDRESS=$address gdbus call -e -d org.freedesktop.DBus -o /org/freedesktop/DBus \
      -m org.freedesktop.DBus.GetConnectionUnixProcessID org.trainbell.TrainBell1 | sed 's/^(uint32 \([0-9]*\),)$/\1/')
sleep 1
timeout -s INT "$idle" strace -c -f -p "$pid" -o "$work/strace" 2>"$work/strace.log" || true
echo "strace -c -f -p trainbelld over $idle s idle ($(grep -o 'attached.*' "$work/strace.log" | head -1)):"
if ! grep -q attached "$work/strace.log"; then
  echo "  strace could not attach: $(cat "$work/strace.log")"
elif [ -s "$work/strace" ]; then
  sed -n '/^------/,$p' "$work/strace" | tail -n +2 | grep -v '^------'
else
  echo "  0 system calls"
fi
kill "$pid"
