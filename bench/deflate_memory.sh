#!/usr/bin/env bash
# bench/deflate_memory.sh — what permessage-deflate costs per connection on our server, with and without context
# takeover (issue 6). Our echo server (bench/server.sh ours-collector-deflate, Native Memory Tracking on) in a process
# of its own; the load generator opens N connections, sends one compressible message each way on each (one
# connection at a time, every echo inflated and verified), and holds them idle. Measured before and after, each time
# after a full GC: the server's RSS, the JVM's committed native memory (NMT summary: heap, metaspace, threads, GC,
# ... but not zlib, whose memory the JDK's Inflater/Deflater take with plain malloc) and the live heap.
#
#   bench/deflate_memory.sh        modes: off (no extension offered), no-takeover (client_no_context_takeover and
#                                  server_no_context_takeover offered), takeover (plain offer: context takeover both
#                                  ways, the server keeps a compressor and a decompressor per connection),
#                                  takeover-cmwb (the same, also offering client_max_window_bits=CMWB as browsers
#                                  offer the parameter: the server may then keep a small decompressor too)
# Env: CONNS (1000), SIZE (4096: over the server's 1024-byte compression threshold, so its echo is compressed),
#      MODES ("off no-takeover takeover takeover-cmwb"), SERVER_CPU (0), LOAD_CPU (1),
#      SETTINGS ("default 15,8"): the server's PerMessageDeflate windowBits,memLevel ("default": the defaults),
#      CMWB (what takeover-cmwb offers; default the setting's window bits, 11 for "default": at least the server's
#      windowBits, which it answers with, since the load generator compresses with what it offered)
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS=${CONNS:-1000}
SIZE=${SIZE:-4096}
MODES=${MODES:-"off no-takeover takeover takeover-cmwb"}
SETTINGS=${SETTINGS:-"default 15,8"}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
. bench/lib.sh
bench_setup
JCMD=$JAVA_HOME/bin/jcmd
# native access: zlib through the FFM API (small compressors); without it the JDK classes do the work
export BENCH_JVM_OPTS="-Xms512m -Xmx2g -XX:NativeMemoryTracking=summary --enable-native-access=ALL-UNNAMED"

trap stop_server EXIT

rss_kib() { awk '/^VmRSS/ {print $2}' /proc/"$1"/status; }
nmt_kib() { "$JCMD" "$1" VM.native_memory summary | sed -n 's/^Total: reserved=[0-9]*KB, committed=\([0-9]*\)KB.*/\1/p'; }
heap_kib() {
  "$JCMD" "$1" GC.heap_info 2>/dev/null | awk '/total/ { for (i = 1; i < NF; i++)
    if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); s += v } } END { print s + 0 }'
}
settle() { "$JCMD" "$1" GC.run >/dev/null; sleep 2; "$JCMD" "$1" GC.run >/dev/null; sleep 1; }

RES=$OUT/deflate-memory.tsv
{
  echo "# date: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $("$BENCH_JAVA" -version 2>&1 | head -n1)"
  echo "# server: bench/server.sh ours-collector-deflate, BENCH_JVM_OPTS=$BENCH_JVM_OPTS; CONNS=$CONNS SIZE=$SIZE"
  printf 'setting\tmode\tconns\trss_kib_per_conn\tnmt_committed_kib_per_conn\theap_kib_per_conn\trss_before_mib\trss_after_mib\n'
} >"$RES"
for setting in $SETTINGS; do
sargs=()
cmwb=${CMWB:-11}
if [ "$setting" != default ]; then
  sargs=(--deflate-window "${setting%,*}" --deflate-mem-level "${setting#*,}")
  cmwb=${CMWB:-${setting%,*}}
fi
for mode in $MODES; do
  case "$mode" in
    off) z=() ;;
    no-takeover) z=(-z) ;;
    takeover) z=(-z -T) ;;
    takeover-cmwb) z=(-z -T -W "$cmwb") ;;
    *) echo "unknown mode $mode" >&2; exit 2 ;;
  esac
  if [ "$mode" = off ] && [ "$setting" != "${SETTINGS%% *}" ]; then continue; fi # the same in every setting
  log=$OUT/deflate-memory-server-$setting-$mode.log
  : >"$log" # see bench/echo.sh start_server
  taskset -c "$SERVER_CPU" bench/server.sh ours-collector-deflate --port 0 "${sargs[@]}" >"$log" 2>&1 &
  SERVER_PID=$!
  PORT=
  for _ in $(seq 1 600); do
    PORT=$(sed -n 's/^LISTENING \([0-9]*\).*/\1/p' "$log" | head -n1)
    [ -n "$PORT" ] && break
    sleep 0.1
  done
  [ -n "$PORT" ] || { cat "$log" >&2; exit 1; }
  # Warm up the same paths on a few connections first, so that class loading and JIT are not counted.
  taskset -c "$LOAD_CPU" "$OUT/loadgen" -p "$PORT" -i 20 -e -s "$SIZE" "${z[@]}" -t 0 >/dev/null
  sleep 1
  settle "$SERVER_PID"
  rss0=$(rss_kib "$SERVER_PID"); nmt0=$(nmt_kib "$SERVER_PID"); heap0=$(heap_kib "$SERVER_PID")
  fifo=$(mktemp -u); mkfifo "$fifo"
  taskset -c "$LOAD_CPU" "$OUT/loadgen" -p "$PORT" -i "$CONNS" -e -s "$SIZE" "${z[@]}" -t 300 <"$fifo" \
    >"$OUT/deflate-memory-loadgen-$mode.log" 2>&1 &
  lg=$!
  exec 9>"$fifo"
  for _ in $(seq 1 1200); do
    grep -q IDLE_READY "$OUT/deflate-memory-loadgen-$mode.log" && break
    kill -0 $lg 2>/dev/null || break
    sleep 0.1
  done
  grep -q IDLE_READY "$OUT/deflate-memory-loadgen-$mode.log" || { cat "$OUT/deflate-memory-loadgen-$mode.log" >&2; exit 1; }
  settle "$SERVER_PID"
  rss1=$(rss_kib "$SERVER_PID"); nmt1=$(nmt_kib "$SERVER_PID"); heap1=$(heap_kib "$SERVER_PID")
  printf '%s\t%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\n' "$setting" "$mode" "$CONNS" "$(echo "($rss1 - $rss0) / $CONNS" | bc -l)" \
    "$(echo "($nmt1 - $nmt0) / $CONNS" | bc -l)" "$(echo "($heap1 - $heap0) / $CONNS" | bc -l)" \
    "$(echo "$rss0 / 1024" | bc -l)" "$(echo "$rss1 / 1024" | bc -l)" | tee -a "$RES"
  exec 9>&-
  wait $lg 2>/dev/null || true
  rm -f "$fifo"
  stop_server
done
done
cat "$RES"
