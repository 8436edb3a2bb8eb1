#!/usr/bin/env bash
# make bench-callgrind: instructions per ReportProgress (no reply, fully handled) in trainbelld against
# the minimal C libdbus service's Tick(s,t,t), counted by callgrind (counts repeat exactly, unlike
# times). Each service runs under callgrind twice on a private bus, fed by the same client
# (call-rate-bench.c, 10 interleaved jobs, no milestone crossed): once with SMALL and once with LARGE
# updates per job; the difference over the difference in calls is the cost of one call, start-up and
# shut-down cancelled out. Then the functions where trainbelld spends them (callgrind_annotate, self).
# Usage: callgrind-dispatch.sh TRAINBELLD
set -euo pipefail
trainbelld=$1
small=${SMALL:-100}
large=${LARGE:-1100}
jobs=10
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/trainbell-callgrind.XXXXXX")
bus_pid=""
cleanup() {
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null && wait "$bus_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
flags=$(pkg-config --cflags --libs dbus-1)
for tool in call-rate-bench minimal-dbus-service; do cc -O2 -o "$work/$tool" "$here/$tool.c" $flags; done
cat > "$work/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=$work/bus</listen><auth>EXTERNAL</auth>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
CONF
dbus-daemon --config-file="$work/bus.conf" --nofork --nopidfile 2>"$work/bus.log" &
bus_pid=$!
for _ in $(seq 500); do [ -S "$work/bus" ] && break; sleep 0.01; done
address="unix:path=$work/bus"

owned() {
  DBUS_SESSION_BUS_ADDRESS=$address gdbus call -e -d org.freedesktop.DBus -o /org/freedesktop/DBus \
    -m org.freedesktop.DBus.NameHasOwner "$1" 2>/dev/null | grep -q true
}

# count NAME MEMBER UPDATES OUT COMMAND...: the service's instructions over a run of JOBS x UPDATES calls.
count() {
  local name=$1 member=$2 updates=$3 out=$4
  shift 4
  mkdir -p "$work/state" "$work/config"
  XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config" DBUS_SESSION_BUS_ADDRESS=$address \
    DBUS_STARTER_ADDRESS=$address DBUS_STARTER_BUS_TYPE=session \
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >"$work/service.log" 2>&1 &
  local pid=$!
  for _ in $(seq 3000); do owned "$name" && break; sleep 0.01; done
  local path=/${name//.//}
  "$work/call-rate-bench" "$address" "$jobs" "$updates" 1 0 "$name,$path,$name,$member" >/dev/null
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  rm -rf "$work/state" "$work/config"
  awk '/^(summary|totals):/ { print $2; exit }' "$out"
}

per_call() {
  local name=$1 member=$2
  shift 2
  local a b
  a=$(count "$name" "$member" "$small" "$work/$member.small" "$@")
  b=$(count "$name" "$member" "$large" "$work/$member.large" "$@")
  echo $(( (b - a) / (jobs * (large - small)) ))
}

c=$(per_call org.trainbell.BenchMinimal1 Tick "$work/minimal-dbus-service")
# Without its DWARF (the symbol table stays, so the functions keep their names): valgrind 3.19's reader
# gives up on some DWARF 5 forms clang writes for the C targets ("unhandled dwarf2 abbrev form").
objcopy --strip-debug "$trainbelld" "$work/trainbelld"
d=$(per_call org.trainbell.TrainBell1 ReportProgress "$work/trainbelld" --address "$address" --log-level warning)
echo "Instructions per call, no reply, fully handled (callgrind, $((jobs * (large - small))) calls):"
echo "  C libdbus service, Tick(s,t,t):     $c"
echo "  trainbelld, ReportProgress(s,t,t):  $d  ($(awk -v d="$d" -v c="$c" 'BEGIN { printf "%.2f", d / c }')x)"
# PropertiesChanged of the jobs goes out paced by the wall clock (at most ~10 a second a job). Under
# valgrind a call takes tens of times longer than natively, so that many times more of those signals
# fall within a run's calls: their share, counted apart (inclusive instructions, and how many).
signal_cost() {
  callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null \
    | awk '/ExportedObjectC21emitPropertiesChanged/ && !done { gsub(",", "", $1); print $1; done = 1 }'
}
signal_count() {
  callgrind_annotate --tree=caller --threshold=100 "$1" 2>/dev/null | awk '
    /^ *[0-9,]+ .*< / { if (match($0, /\(([0-9,]+)x\)/)) { n = substr($0, RSTART + 1, RLENGTH - 3); gsub(",", "", n); block += n } ; next }
    /\*  .*ExportedObjectC21emitPropertiesChanged/ && !done { print block + 0; done = 1 }
    { block = 0 }'
}
sa=$(signal_cost "$work/ReportProgress.small"); sb=$(signal_cost "$work/ReportProgress.large")
na=$(signal_count "$work/ReportProgress.small"); nb=$(signal_count "$work/ReportProgress.large")
if [ -n "$sa" ] && [ -n "$sb" ]; then
  e=$(( (sb - sa) / (jobs * (large - small)) ))
  echo "  of which PropertiesChanged, paced by the wall clock: $e a call ($((nb - na)) signals in these calls; natively the"
  echo "    same calls take tens of times less time, and carry that many times fewer); without them: $((d - e))" \
    "($(awk -v d="$((d - e))" -v c="$c" 'BEGIN { printf "%.2f", d / c }')x)"
fi
echo "  where trainbelld spends them (self, the run of $((jobs * large)) calls, start-up included):"
callgrind_annotate --threshold=100 "$work/ReportProgress.large" 2>/dev/null \
  | awk '/^-+$/ { section++ } section >= 3 && /[0-9] \(/ && shown < 14 { print; shown++ }' | sed 's/^/    /'
