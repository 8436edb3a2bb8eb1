#!/usr/bin/env bash
# make bench-install: the first call that D-Bus-activates the installed trainbelld, against a minimal
# C libdbus service activated the same way on the same private bus, and what each costs while idle;
# then how many ReportProgress calls trainbelld fully handles per second against the C service's Tick
# (same client, same bus, turns taken), and its memory after 1,000 jobs x 100 updates; last how soon an
# error reaches a notification server through it, against a direct Notify (notify-latency-bench.c).
# Usage: activation-bench.sh PREFIX   (PREFIX: where `make install` put trainbell)
# With BENCH_FIGURES=FILE, every figure is also appended to FILE as "KEY SERVICE VALUE" lines, which
# bench-table.sh turns into the table of issue 10.
set -euo pipefail
prefix=$1
runs=${RUNS:-30}
idle=${IDLE_SECONDS:-10}
rate_jobs=${RATE_JOBS:-1000}
rate_updates=${RATE_UPDATES:-100}
rate_rounds=${RATE_ROUNDS:-5}
export BENCH_FIGURES=${BENCH_FIGURES:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/trainbell-bench.XXXXXX")
bus_pid=""
cleanup() {
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null && wait "$bus_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

dbus_cflags=$(pkg-config --cflags --libs dbus-1)
for tool in activation-bench call-rate-bench minimal-dbus-service notify-latency-bench; do
  cc -O2 -o "$work/$tool" "$here/$tool.c" $dbus_cflags
done

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

figure() { [ -z "$BENCH_FIGURES" ] || echo "$1 $2 $3" >> "$BENCH_FIGURES"; }
size=$(stat -c %s "$prefix/bin/trainbelld")
figure size_bytes trainbelld "$size"
echo "trainbelld: $((size / 1024)) KiB, $(ldd "$prefix/bin/trainbelld" | grep -c 'libswift' || true) Swift libraries linked dynamically"
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
  # The "total" line: % time, seconds, usecs/call, calls, [errors], total.
  figure idle_syscalls org.trainbell.TrainBell1 "$(awk '$NF == "total" { print $4 }' "$work/strace")"
else
  echo "  0 system calls"
  figure idle_syscalls org.trainbell.TrainBell1 0
fi

# The call rate, on the instance that was just idle: the C service's Tick against ReportProgress.
echo "ReportProgress (no reply) against the C service's Tick(s,t,t), the same client and bus, turns taken:"
"$work/call-rate-bench" "$address" "$rate_jobs" "$rate_updates" "$rate_rounds" 2 \
  org.trainbell.BenchMinimal1,/org/trainbell/BenchMinimal1,org.trainbell.BenchMinimal1,Tick \
  org.trainbell.TrainBell1,/org/trainbell/TrainBell1,org.trainbell.TrainBell1,ReportProgress
# Both saw every call: the last job's step is the last one sent.
last=job$((rate_jobs - 1))
expected=$((rate_rounds * rate_updates))
seen_c=$(DBUS_SESSION_BUS_ADDRESS=$address gdbus call -e -d org.trainbell.BenchMinimal1 -o /org/trainbell/BenchMinimal1 \
         -m org.trainbell.BenchMinimal1.Step "$last" | sed 's/.*uint64 \([0-9]*\).*/\1/')
seen_d=$(DBUS_SESSION_BUS_ADDRESS=$address gdbus call -e -d org.trainbell.TrainBell1 -o "/org/trainbell/TrainBell1/job/$last" \
         -m org.freedesktop.DBus.Properties.Get org.trainbell.TrainBell1.Job CurrentStep | sed 's/.*uint64 \([0-9]*\).*/\1/')
echo "  last step of $last seen: C service $seen_c, trainbelld $seen_d (expected $expected)"
if [ "$seen_c" != "$expected" ] || [ "$seen_d" != "$expected" ]; then
  echo "activation-bench.sh: a service did not handle every call; the rates above do not count" >&2
  exit 1
fi

# Issue 17: an error's way to the screen through trainbelld against a direct Notify, and a blocking
# round trip against the C service's, with a C notification server on the same bus.
echo "ReportError → Notify at a C notification server that answers at once, against the same Notify sent directly:"
"$work/notify-latency-bench" "$address" "${LATENCY_ROUNDS:-500}" org.trainbell.BenchMinimal1
kill "$pid"
