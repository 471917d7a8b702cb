#!/usr/bin/env bash
# bench/soak.sh — churn against one server at a time, for a bounded number of cycles, watching what it keeps.
#   env SERVERS="ours-native-collector ours-collector" bench/soak.sh
# Each cycle, against the same server process:
#   1. CHURN (4,000) connections opened, one IDLE_MSG (20 B) message echoed on each, then ended by the load
#      generator's exit (loadgen -i -e -t 0: a TCP FIN, no Close frame);
#   2. 100 connections echoing 20 B messages for ECHO_S (5) seconds (loadgen -c 100);
#   3. ABORT (2,000) connections opened with one message each and held, then their load generator killed (SIGKILL):
#      the kernel ends them all at once (a FIN, no Close frame), as a crashed client's are. (loadgen sends no Close
#      frame and never resets a connection: neither a closing handshake nor a TCP reset is soaked here.)
#   then, once the server's descriptors are back to what it held before the cycle (up to 30 s), a full GC, and the
#   server's open descriptors, threads, RSS and live heap after it.
# Fails (exit 1) when, after the last cycle, the server holds more descriptors than after the first one (a leaked
# socket), its live heap grew by more than HEAP_SLACK_KIB (2048) from the second cycle to the last (the first one
# loads classes and compiles), a load generator reported an error, or a cycle's connections did not all close.
# Env: SERVERS (ours-native-collector ours-native-listener ours-collector)  CYCLES (10)  CHURN  ABORT  ECHO_S
#      SERVER_CPU (0)  LOAD_CPU (1)  BENCH_JVM_OPTS (bench/server.sh)
#      SOAK_HISTOGRAMS=1: a class histogram after each cycle's GC, bench/target/soak-histogram-SERVER-CYCLE.txt
#      (`python3 bench/echo_table.py histdiff A B 1` lists what grew between two of them)
# Results: bench/target/soak.tsv (one row per server and cycle) and a summary line per server.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT=bench/soak.sh
SERVERS=${SERVERS:-"ours-native-collector ours-native-listener ours-collector"}
CYCLES=${CYCLES:-10}
CHURN=${CHURN:-4000}
ABORT=${ABORT:-2000}
ECHO_S=${ECHO_S:-5}
IDLE_MSG=${IDLE_MSG:-20}
HEAP_SLACK_KIB=${HEAP_SLACK_KIB:-2048}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
CGROUP_PROCS=
. bench/lib.sh
bench_setup
trap stop_server EXIT
JCMD=$(dirname "$BENCH_JAVA")/jcmd

fds() { { find /proc/"$SERVER_PID"/fd -mindepth 1 -maxdepth 1 2>/dev/null || true; } | wc -l; }
threads() { awk '/^Threads/ {print $2}' /proc/"$SERVER_PID"/status; }
rss_kib() { awk '/^VmRSS/ {print $2}' /proc/"$SERVER_PID"/status; }
# The live heap (KiB): the class histogram's total after its full GC, the GC's filler arrays left out. Not
# GC.heap_info's "used": after a full GC of the Serial collector that also counts filler arrays of dead space, 0.1 to
# 6 MiB from one cycle to the next (seen 2026-12-08), which would hide a leak or fake one.
live_heap_kib() {
  { "$JCMD" "$SERVER_PID" GC.class_histogram 2>/dev/null || true; } | awk '$1 ~ /^[0-9]+:$/ && $4 !~ /Filler/ {
    s += $3 } END { printf "%d\n", s / 1024 }' # 0: jcmd failed (a live JVM's heap is never empty)
}
[ "$CYCLES" -ge 2 ] || { echo "$SCRIPT: CYCLES must be at least 2 (the heap is compared from the second on)" >&2; exit 2; }
# back_to N: waits (up to 30 s) until the server holds at most N descriptors again
back_to() {
  for _ in $(seq 1 300); do [ "$(fds)" -le "$1" ] && return 0; sleep 0.1; done
  return 1
}

RES="$OUT/soak.tsv"
{ machine; echo "CYCLES=$CYCLES CHURN=$CHURN ABORT=$ABORT ECHO_S=$ECHO_S"; } | sed 's/^/# /' >"$RES"
printf 'server\tcycle\tfds\tthreads\trss_mib\theap_mib\techo_msgs_per_sec\terrors\n' >>"$RES"
failed=0
for s in $SERVERS; do
  start_server "$s"
  sleep 1
  live_heap_kib >/dev/null # jcmd's first attach opens the JVM's attach listener (a socket of its own): count it in
  sleep 0.5
  base=$(fds)
  first_fds= second_heap= last_heap= errors=0 f=0
  for c in $(seq 1 "$CYCLES"); do
    out=$(taskset -c "$LOAD_CPU" "$OUT/loadgen" -p "$PORT" -u "$(path_of "$s")" -i "$CHURN" -e -s "$IDLE_MSG" -t 0 2>&1 || true)
    grep -q "IDLE_READY $CHURN" <<<"$out" || { echo "$SCRIPT: $s cycle $c: churn opened fewer than $CHURN: $out" >&2; errors=$((errors + 1)); }
    line=$(taskset -c "$LOAD_CPU" "$OUT/loadgen" -p "$PORT" -u "$(path_of "$s")" -c 100 -s "$IDLE_MSG" -w 1 -d "$ECHO_S" 2>&1 || true)
    rate=$(sed -n 's/.*msgs_per_sec=\([0-9.]*\).*/\1/p' <<<"$line")
    e=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' <<<"$line")
    if [ -z "$rate" ] || [ "${e:-1}" != 0 ]; then echo "$SCRIPT: $s cycle $c: echo failed: $line" >&2; errors=$((errors + 1)); fi
    log=$(mktemp)
    fifo=$(mktemp -u); mkfifo "$fifo"
    taskset -c "$LOAD_CPU" "$OUT/loadgen" -p "$PORT" -u "$(path_of "$s")" -i "$ABORT" -e -s "$IDLE_MSG" -t 120 <"$fifo" >"$log" 2>&1 &
    lg=$!
    exec 7>"$fifo"; rm -f "$fifo"
    for _ in $(seq 1 600); do grep -q IDLE_READY "$log" && break; kill -0 "$lg" 2>/dev/null || break; sleep 0.1; done
    grep -q "IDLE_READY $ABORT" "$log" || { echo "$SCRIPT: $s cycle $c: abort batch: $(cat "$log")" >&2; errors=$((errors + 1)); }
    kill -9 "$lg" 2>/dev/null || true
    wait "$lg" 2>/dev/null || true
    exec 7>&-
    rm -f "$log"
    if ! back_to "$((base + 2))"; then
      echo "$SCRIPT: $s cycle $c: still $(fds) descriptors 30 s after its connections closed (base $base)" >&2
      errors=$((errors + 1))
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "$SCRIPT: $s died in cycle $c" >&2
      errors=$((errors + 1))
      break
    fi
    heap=$(live_heap_kib)
    if [ "$heap" = 0 ]; then echo "$SCRIPT: $s cycle $c: no heap figure (jcmd failed)" >&2; errors=$((errors + 1)); fi
    sleep 0.5
    f=$(fds); t=$(threads); r=$(rss_kib)
    if [ "${SOAK_HISTOGRAMS:-0}" = 1 ]; then # what the heap holds after each cycle, for echo_table.py histdiff
      "$JCMD" "$SERVER_PID" GC.class_histogram >"$OUT/soak-histogram-$s-$c.txt" 2>/dev/null || true
    fi
    [ -n "$first_fds" ] || first_fds=$f
    [ "$c" != 2 ] || second_heap=$heap
    last_heap=$heap
    printf '%s\t%d\t%d\t%d\t%.1f\t%.1f\t%s\t%d\n' "$s" "$c" "$f" "$t" "$(echo "$r/1024" | bc -l)" \
      "$(echo "$heap/1024" | bc -l)" "${rate:-0}" "$errors" | tee -a "$RES"
  done
  verdict=ok
  if [ "$errors" != 0 ]; then verdict="FAILED: $errors errors"; fi
  if [ -n "$first_fds" ] && [ "$f" -gt "$first_fds" ]; then verdict="FAILED: descriptors $first_fds after cycle 1, $f after cycle $CYCLES"; fi
  if [ -n "$second_heap" ] && [ "$((last_heap - second_heap))" -gt "$HEAP_SLACK_KIB" ]; then
    verdict="FAILED: live heap $second_heap KiB after cycle 2, $last_heap after cycle $CYCLES"
  fi
  echo "soak: $s: $verdict ($CYCLES cycles of $CHURN + $ABORT connections and ${ECHO_S}s of echo)" | tee -a "$RES"
  [ "$verdict" = ok ] || failed=1
  stop_server
done
exit "$failed"
