#!/usr/bin/env bash
# The figures of issue 10 as one table: what this run measured beside the goal. Figures, not
# assertions: the table never fails the run.
# Usage: bench-table.sh FIGURES
#   FIGURES: "KEY SERVICE VALUE" lines written by activation-bench.sh and the C benchmarks it runs
#   (activation-bench.c, call-rate-bench.c) during the same `make bench-install`.
# MB here is 2^20 bytes (what the kernel's KiB figures divide into).
set -euo pipefail
figures=$1
daemon=org.trainbell.TrainBell1
minimal=org.trainbell.BenchMinimal1

# value KEY SERVICE: the last value recorded, or nothing.
value() {
  [ -f "$figures" ] || return 0
  awk -v k="$1" -v s="$2" '$1 == k && $2 == s { v = $3 } END { if (v != "") print v }' "$figures"
}
# format FORMAT VALUE...: printf by awk (the values may be decimals), or "not measured" if one is missing.
format() {
  local f=$1; shift
  for v in "$@"; do [ -n "$v" ] || { echo "not measured"; return 0; }; done
  awk -v f="$f" 'BEGIN { n = ARGC - 1; for (i = 1; i <= n; i++) a[i] = ARGV[i]; ARGC = 1
    printf f, a[1], a[2], a[3], a[4], a[5], a[6], a[7] }' "$@"
}

ratio() { [ -n "$1" ] && [ -n "$2" ] && awk "BEGIN { print $1 / $2 }" || true; }
mb() { [ -n "$1" ] && awk "BEGIN { printf \"%.1f MB\", $1 / 1024 }" || echo "not measured"; }  # from KiB

size=$(value size_bytes trainbelld)
size_text=$(mb "$( [ -n "$size" ] && awk "BEGIN { print $size / 1024 }" || true)")

a_daemon=$(value activation_ms $daemon)
a_minimal=$(value activation_ms $minimal)
a_ratio=$(ratio "$a_daemon" "$a_minimal")
activation_text=$(format "%.2f× (%.1f ms vs %.1f ms, medians of %d runs each)" \
  "$a_ratio" "$a_daemon" "$a_minimal" "$(value activation_runs $daemon)")

jobs=$(value loaded_jobs $daemon)
updates=$(value loaded_updates $daemon)
rss_text="$(mb "$(value idle_rss_kib $daemon)") / $(mb "$(value loaded_rss_kib $daemon)")"

idle_text=$(format "%d wake-ups, %d system calls" "$(value idle_wakeups $daemon)" "$(value idle_syscalls $daemon)")

r_daemon=$(value call_rate $daemon)
r_minimal=$(value call_rate $minimal)
r_ratio=$(ratio "$r_daemon" "$r_minimal")
rate_text=$(format "%.2f× (%d vs %d calls/s, medians of %d rounds of %d calls)" \
  "$r_ratio" "$r_daemon" "$r_minimal" "$(value call_rate_rounds $daemon)" "$(value call_rate_calls $daemon)")

echo
echo "Issue 10 figures, measured in this run (the installed release trainbelld, beside the minimal C libdbus service on one private bus):"
echo
echo "| figure | measured | goal |"
echo "| --- | --- | --- |"
echo "| static \`trainbelld\` size | $size_text | ≤ 15 MB |"
echo "| first call that activates it, vs the C service in the same run | $activation_text | ≤ 1.5× |"
echo "| idle RSS after start / after ${jobs:-1,000} jobs × ${updates:-100} updates | $rss_text | ≤ 10 MB / ≤ 14 MB |"
echo "| idle wake-ups and system calls over 10 s | $idle_text | 0 |"
echo "| \`ReportProgress\` no-reply, fully handled, vs the C service's \`Tick\` in the same run | $rate_text | ≥ 0.9× the C rate |"
echo
echo "MB = 2^20 bytes. RSS: VmRSS 11 s after activation, and 2 s after the first round of the call-rate run."

e_daemon50=$(value error_notify_p50_ms $daemon)
e_daemon99=$(value error_notify_p99_ms $daemon)
e_direct50=$(value error_notify_p50_ms direct)
e_direct99=$(value error_notify_p99_ms direct)
error_text=$(format "p50 %.2f× (%.3f vs %.3f ms), p99 %.2f× (%.3f vs %.3f ms), %d rounds" \
  "$(ratio "$e_daemon50" "$e_direct50")" "$e_daemon50" "$e_direct50" \
  "$(ratio "$e_daemon99" "$e_direct99")" "$e_daemon99" "$e_direct99" "$(value latency_rounds $daemon)")
p_daemon=$(value ping_p50_ms $daemon)
p_minimal=$(value ping_p50_ms $minimal)
ping_text=$(format "%.2f× (%.3f vs %.3f ms)" "$(ratio "$p_daemon" "$p_minimal")" "$p_daemon" "$p_minimal")
echo
echo "Issue 17 figures of this run (the CLI's are printed by make bench-cli):"
echo
echo "| figure | measured | goal |"
echo "| --- | --- | --- |"
echo "| \`ReportError\` → \`Notify\` at the server, vs a direct C \`Notify\` | $error_text | ≤ 1.3× |"
echo "| intake msgs/s (no reply) vs the C service, same client | $rate_text | ≥ 0.9× |"
echo "| blocking round trip p50 vs C \`Ping\` | $ping_text | ≤ 1.15× |"
