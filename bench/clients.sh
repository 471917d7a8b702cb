#!/usr/bin/env bash
# bench/clients.sh — the client benchmark: Java WebSocket clients side by side against one echo server (bench/floor.c,
# the C ceiling, so the server is never the limit), each client pinned to its own core, alternating order, medians.
#
#   bench/clients.sh          throughput rows (CASES) and the ping-pong latency row (1 connection x 1 KiB)
#
# Every client runs the same closed loop (io.fastwebsockets.bench.clients.ClientBench): one binary message in flight
# per connection, each echo compared byte for byte. Rows also give the client's CPU per message, which does not
# depend on the machine's drift the way a rate does. `fastws-bench` is `./fastws bench` (this library's CLI) and
# `loadgen` the C load generator (bench/loadgen.c): the reference the CLI is held to.
#
# Env: CLIENTS  (default "ours ours-blocking netty jdk okhttp java-websocket fastws-bench loadgen"; ours: the
#               event-style ClientListener run by the EventLoop's thread, a platform one; ours-blocking: a virtual
#               thread per connection in readFrame(), unparked by the EventLoop on a virtual thread; also ours-vloop
#               and ours-blocking-ploop, the same on the other kind of loop thread; ours-send: ours sending with the
#               non-blocking send() instead of writeFrame())
#      CASES    (default "100x20 100x1024 100x16384", CONNSxBYTES)   LATENCY_CASE (default 1x1024; empty: none)
#      REPS (3)  WARMUP (2 s)  DURATION (5 s)  SERVER_CPU (1)  CLIENT_CPU (0)
#      CLIENT_QUOTA  percent of one CPU the client may use (e.g. 50), by a cgroup CPU quota (root), so the client is
#               the bottleneck and the rates compare the clients' own costs. Unset: the whole core.
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${CLIENTS:-"ours ours-blocking netty jdk okhttp java-websocket fastws-bench loadgen"}
CASES=${CASES:-"100x20 100x1024 100x16384"}
LATENCY_CASE=${LATENCY_CASE-1x1024}
REPS=${REPS:-3}
WARMUP=${WARMUP:-2}
DURATION=${DURATION:-5}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
. bench/lib.sh
bench_setup
JAVA=$BENCH_JAVA
JVM_OPTS=${BENCH_JVM_OPTS:--Xms512m -Xmx2g --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED -Dio.netty.leakDetection.level=disabled}

# The client drivers live in fastwebsockets-bench (built by bench/server.sh with the servers), the CLI in
# fastwebsockets-cli.
if [ ! -x "$OUT/floor" ] || [ bench/floor.c -nt "$OUT/floor" ]; then gcc -O2 -Wall -o "$OUT/floor" bench/floor.c; fi
SKIP_BUILD=0 bench/server.sh ours-raw --port 0 >"$OUT/clients-build.log" 2>&1 & b=$!
for _ in $(seq 1 3000); do grep -q LISTENING "$OUT/clients-build.log" && break; kill -0 $b 2>/dev/null || break; sleep 0.1; done
kill $b 2>/dev/null || true; wait $b 2>/dev/null || true
CP="fastwebsockets-bench/target/classes:$(cat fastwebsockets-bench/target/echo-classpath.txt)"
./fastws bench --help >/dev/null  # builds the CLI once, before anything is timed
CLI_CP="fastwebsockets-core/target/classes:fastwebsockets-cli/target/classes:$(cat fastwebsockets-cli/target/runtime-classpath.txt)"

if [ -n "${CLIENT_QUOTA:-}" ]; then
  CGROUP_PROCS=$(cpu_quota_cgroup fastwebsockets-clients "$CLIENT_QUOTA")
fi

# The server: the C floor, on its own core.
taskset -c "$SERVER_CPU" bench/target/floor --port 0 >"$OUT/clients-floor.log" 2>&1 &
FLOOR=$!
trap 'kill $FLOOR 2>/dev/null || true' EXIT
PORT=
for _ in $(seq 1 100); do PORT=$(sed -n 's/^LISTENING \([0-9]*\).*/\1/p' "$OUT/clients-floor.log"); [ -n "$PORT" ] && break; sleep 0.1; done
[ -n "$PORT" ] || { echo "clients.sh: the C floor did not start" >&2; cat "$OUT/clients-floor.log" >&2; exit 1; }
URL="ws://127.0.0.1:$PORT/"

# Runs one client in the background (in the quota cgroup), waits for it; prints its RESULT line in ClientBench's
# format.
run_client() { # $1 client, $2 conns, $3 size
  local c=$1 n=$2 s=$3 log="$OUT/clients-run.log"
  case "$c" in
    loadgen)
      (sh -c 'echo $$ >'"$OUT"'/clients.pid; exec taskset -c '"$CLIENT_CPU"' "$@"' _ \
        "$OUT/loadgen" -p "$PORT" -c "$n" -s "$s" -w "$WARMUP" -d "$DURATION" >"$log" 2>&1) & ;;
    fastws-bench)
      (sh -c 'echo $$ >'"$OUT"'/clients.pid; exec taskset -c '"$CLIENT_CPU"' "$@"' _ \
        "$JAVA" $JVM_OPTS -cp "$CLI_CP" io.fastwebsockets.cli.Main bench "$URL" -c "$n" -s "$s" \
        --warmup "${WARMUP}s" -d "${DURATION}s" --json >"$log" 2>/dev/null) & ;;
    *)
      (sh -c 'echo $$ >'"$OUT"'/clients.pid; exec taskset -c '"$CLIENT_CPU"' "$@"' _ \
        "$JAVA" $JVM_OPTS -cp "$CP" io.fastwebsockets.bench.clients.ClientBench --client "$c" --url "$URL" \
        -c "$n" -s "$s" -w "$WARMUP" -d "$DURATION" >"$log" 2>&1) & ;;
  esac
  local job=$!
  sleep 0.05
  if [ -n "$CGROUP_PROCS" ] && [ -f "$OUT/clients.pid" ]; then cat "$OUT/clients.pid" >"$CGROUP_PROCS" 2>/dev/null || true; fi
  wait $job || true
  case "$c" in
    loadgen)
      sed -n 's/.*msgs_per_sec=\([0-9.]*\).*loadgen_cpu_pct=\([0-9.]*\).*/\1 \2/p' "$log" | head -n1 |
        awk '{ printf "RESULT client=loadgen msgs_per_sec=%s cpu_pct=%s cpu_us_per_msg=%.3f\n", $1, $2, ($1 > 0 ? $2 * 1e4 / $1 : 0) }' ;;
    fastws-bench)
      python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
l=d["latency_ms"]
print("RESULT client=fastws-bench msgs_per_sec=%.1f cpu_pct=%.1f cpu_us_per_msg=%.3f p50_us=%.1f p99_us=%.1f p999_us=%.1f errors=%d" % (d["messages_per_s"], d["cpu_percent"], d["cpu_us_per_message"], l["p50"]*1000, l["p99"]*1000, l["p99_9"]*1000, d["errors"]))' "$log" 2>/dev/null || true ;;
    *) grep '^RESULT' "$log" | head -n1 || true ;;
  esac
}

RES="$OUT/clients-results.tsv"
{
  echo "# date: $(date -u '+%Y-%m-%d %H:%M UTC')  cpu: $(nproc) x $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)"
  echo "# server: bench/floor.c on CPU $SERVER_CPU; clients on CPU $CLIENT_CPU${CLIENT_QUOTA:+ with a quota of $CLIENT_QUOTA% of it}; WARMUP=$WARMUP DURATION=$DURATION REPS=$REPS; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$RES"
printf 'rep\tclient\tconns\tsize\tmsgs_per_sec\tcpu_pct\tcpu_us_per_msg\tp50_us\tp99_us\tp999_us\terrors\n' >>"$RES"
read -r -a names <<<"$CLIENTS"
all_cases="$CASES${LATENCY_CASE:+ $LATENCY_CASE}"
for rep in $(seq 1 "$REPS"); do
  order=("${names[@]}")
  if [ $((rep % 2)) -eq 0 ]; then order=(); for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[$i]}"); done; fi
  for c in "${order[@]}"; do
    for k in $all_cases; do
      n=${k%x*}; s=${k#*x}
      line=$(run_client "$c" "$n" "$s")
      f() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$line"; }
      printf '%d\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$c" "$n" "$s" "$(f msgs_per_sec)" "$(f cpu_pct)" \
        "$(f cpu_us_per_msg)" "$(f p50_us)" "$(f p99_us)" "$(f p999_us)" "$(f errors)" | tee -a "$RES"
    done
  done
done
python3 bench/clients_table.py "$RES"
